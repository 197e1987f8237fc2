// Command verifyevent is ../stackwebhook calling VerifyEvent instead of
// Verify: verification and typed decoding, for the size comparison (what
// decoding adds to a verify-only program).
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
	ev, err := wh.VerifyEvent(body, headers)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(ev.EventType() + "\n")
}
