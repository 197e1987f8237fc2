package fuzz

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// FuzzSignVerify: what Sign produces, Verify accepts, for any key, id,
// time and body; and any single-byte change to the body, the id, the
// timestamp or the signature makes Verify fail.
func FuzzSignVerify(f *testing.F) {
	f.Add([]byte("MfKQ9r8GKYqrTwjUPD8ILPZI"), "msg_p5jXN8AQM9LWM0D4loKWxJek", int64(1614265330), []byte(`{"test": 2432232314}`), uint16(0), uint8(0))
	f.Add([]byte{0}, "m", int64(-1), []byte{}, uint16(3), uint8(1))
	f.Add([]byte("k"), "msg", int64(1<<62), []byte{0xff, 0xfe}, uint16(7), uint8(2))
	f.Add([]byte("k"), "msg.with.dots", int64(-1<<63), []byte("x"), uint16(1), uint8(3))
	f.Fuzz(func(t *testing.T, key []byte, id string, ts int64, body []byte, at uint16, what uint8) {
		if len(key) == 0 || id == "" {
			return // refused by design: see TestConstructorsRefuseBadKeys, ErrMissingHeaders
		}
		now := time.Unix(ts, 0)
		wh, err := stackwebhook.NewWebhookRaw(key, stackwebhook.WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			t.Fatal(err)
		}
		tsText := strconv.FormatInt(ts, 10)
		headers := stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": tsText, "svix-signature": sig}
		if err := wh.Verify(body, headers); err != nil {
			t.Fatalf("Sign then Verify: %v", err)
		}

		flip := func(b []byte) []byte {
			c := append([]byte(nil), b...)
			c[int(at)%len(c)] ^= 1 + byte(at>>8)%255 // never zero: the byte changes
			return c
		}
		changed := stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": tsText, "svix-signature": sig}
		changedBody := body
		switch what % 4 {
		case 0:
			if len(body) == 0 {
				return
			}
			changedBody = flip(body)
		case 1:
			changed["svix-id"] = string(flip([]byte(id)))
		case 2:
			changed["svix-timestamp"] = string(flip([]byte(tsText)))
		case 3:
			changed["svix-signature"] = string(flip([]byte(sig)))
		}
		err = wh.Verify(changedBody, changed)
		if err == nil {
			t.Fatalf("a changed message verified: %q %q", changed, changedBody)
		}
		if !errors.Is(err, stackwebhook.ErrNoMatchingSignature) && !errors.Is(err, stackwebhook.ErrInvalidHeaders) &&
			!errors.Is(err, stackwebhook.ErrTimestampTooOld) && !errors.Is(err, stackwebhook.ErrTimestampTooNew) &&
			!errors.Is(err, stackwebhook.ErrMissingHeaders) {
			t.Fatalf("undocumented error: %v", err)
		}
	})
}
