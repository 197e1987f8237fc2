// Command stackwebhook is a verify-only program for the binary-size
// comparison: secret, id, timestamp and signature as arguments, the body on
// standard input, the verdict as the exit status.
package main

import (
	"os"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/bench/size/input"
)

func main() {
	secret, id, timestamp, signature, body, ok := input.Read()
	if !ok {
		os.Exit(2)
	}
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		os.Exit(2)
	}
	headers := stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature}
	if err := wh.Verify(body, headers); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
