// Command publickey is the verify-only program of ../stackwebhook for v1a
// signatures: the control of TestHMACOnlyLinksNoEd25519 (it must link
// ed25519).
package main

import (
	"os"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/bench/size/input"
	"github.com/stackwebhook/stackwebhook/publickey"
)

func main() {
	secret, id, timestamp, signature, body, ok := input.Read()
	if !ok {
		os.Exit(2)
	}
	wh, err := publickey.NewWebhook(secret)
	if err != nil {
		os.Exit(2)
	}
	headers := stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature}
	if err := wh.Verify(body, headers); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
