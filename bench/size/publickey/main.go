// Command publickey is the verify-only program of ../stackwebhook for v1a
// signatures: the control of TestHMACOnlyLinksNoEd25519 (it must link
// ed25519).
package main

import (
	"io"
	"os"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

func main() {
	if len(os.Args) != 5 {
		os.Exit(2)
	}
	wh, err := publickey.NewWebhook(os.Args[1])
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
