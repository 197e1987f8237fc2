// Command svix is the verify-only program of ../stackwebhook written against
// the official svix Go library v1.44.0, for the binary-size comparison.
package main

import (
	"net/http"
	"os"

	"github.com/stackwebhook/stackwebhook/bench/size/input"
	svix "github.com/svix/svix-webhooks/go"
)

func main() {
	secret, id, timestamp, signature, body, ok := input.Read()
	if !ok {
		os.Exit(2)
	}
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		os.Exit(2)
	}
	headers := http.Header{}
	headers.Set("svix-id", id)
	headers.Set("svix-timestamp", timestamp)
	headers.Set("svix-signature", signature)
	if err := wh.Verify(body, headers); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
