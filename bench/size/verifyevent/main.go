// Command verifyevent is ../stackwebhook calling VerifyEvent instead of
// Verify: verification and typed decoding, for the size comparison (what
// decoding adds to a verify-only program).
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
	ev, err := wh.VerifyEvent(body, headers)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(ev.EventType() + "\n")
}
