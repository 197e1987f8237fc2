// Command stackwebhook is a verify-only program for the binary-size
// comparison: secret, id, timestamp and signature as arguments, the body on
// standard input, the verdict as the exit status.
package main

import (
	"io"
	"os"

	"github.com/stackwebhook/stackwebhook"
)

func main() {
	if len(os.Args) != 5 {
		os.Exit(2)
	}
	wh, err := stackwebhook.NewWebhook(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(2)
	}
	headers := stackwebhook.HeaderMap{"svix-id": os.Args[2], "svix-timestamp": os.Args[3], "svix-signature": os.Args[4]}
	if err := wh.Verify(body, headers); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
