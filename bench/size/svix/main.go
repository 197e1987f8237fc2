// Command svix is the verify-only program of ../stackwebhook written against
// the official svix Go library v1.44.0, for the binary-size comparison.
package main

import (
	"io"
	"net/http"
	"os"

	svix "github.com/svix/svix-webhooks/go"
)

func main() {
	if len(os.Args) != 5 {
		os.Exit(2)
	}
	wh, err := svix.NewWebhook(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(2)
	}
	headers := http.Header{}
	headers.Set("svix-id", os.Args[2])
	headers.Set("svix-timestamp", os.Args[3])
	headers.Set("svix-signature", os.Args[4])
	if err := wh.Verify(body, headers); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
