// Command cortexm verifies a Svix-signed message on a microcontroller: test.sh
// runs it with TinyGo on the cortex-m-qemu target under qemu-system-arm. It
// prints "verified", that a tampered body is refused, and what one Verify
// allocates there, then exits.
package main

import (
	"errors"
	"runtime"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// The first vector of the official libraries' published tests.
const (
	secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	id        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	timestamp = "1614265330"
	signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	body      = `{"test": 2432232314}`
)

func main() {
	wh, err := stackwebhook.NewWebhook(secret, stackwebhook.WithClock(func() time.Time { return time.Unix(1614265330, 0) }))
	if err != nil {
		println("FAIL: NewWebhook:", err.Error())
		return
	}
	headers := stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature}
	payload := []byte(body)
	if err := wh.Verify(payload, headers); err != nil {
		println("FAIL: Verify:", err.Error())
		return
	}
	println("verified")
	tampered := []byte(body + " ")
	if err := wh.Verify(tampered, headers); !errors.Is(err, stackwebhook.ErrNoMatchingSignature) {
		println("FAIL: a tampered body was not refused")
		return
	}
	println("tampered body refused")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		_ = wh.Verify(payload, headers)
	}
	runtime.ReadMemStats(&after)
	println("allocations per Verify:", (after.Mallocs-before.Mallocs)/10, "bytes:", (after.TotalAlloc-before.TotalAlloc)/10)
}
