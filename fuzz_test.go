package stackwebhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Robustness targets: whatever the input, no panic, only documented
// sentinels, and bounded allocation. The differential and round-trip targets
// live in the fuzz/ module, which needs the official library.

// documented reports whether err matches one of the verification sentinels.
func documented(err error) bool {
	for _, s := range []error{ErrInvalidSecret, ErrMissingHeaders, ErrInvalidHeaders, ErrTimestampTooOld,
		ErrTimestampTooNew, ErrNoMatchingSignature} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzVerify(f *testing.F) {
	f.Add(pubSecret, pubID, "1614265330", pubSig, []byte(pubBody), int64(1614265330), false)
	f.Add(pubSecret, "x", "-9223372036854775808", "v1,"+strings.Repeat("0", 44)+" v1a,"+strings.Repeat("A", 88), []byte{0xff}, int64(0), false)
	f.Add("whsec_", "", "", "", []byte(nil), int64(-1), true)
	f.Fuzz(func(t *testing.T, secret, id, ts, sig string, body []byte, now int64, webhookSet bool) {
		clock := WithClock(func() time.Time { return time.Unix(now, 0) })
		wh, err := NewWebhook(secret, clock)
		if err != nil {
			if !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("constructor: undocumented error %v", err)
			}
			return
		}
		h := HeaderMap{"svix-id": id, "svix-timestamp": ts, "svix-signature": sig}
		if webhookSet {
			h = HeaderMap{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}
		}
		for _, verify := range []func([]byte, Headers) error{wh.Verify, wh.VerifyIgnoringTimestamp} {
			if err := verify(body, h); err != nil && !documented(err) {
				t.Fatalf("undocumented error %v", err)
			}
		}
		if wh.macs != nil && !raceEnabled && testing.CoverMode() == "" {
			// A secret Webhook allocates at most strconv's error for a bad
			// timestamp (a *NumError and a copy of the text), whatever the
			// input (testdata/fuzz/FuzzVerify/935de305936398f9).
			if n := testing.AllocsPerRun(1, func() { _ = wh.Verify(body, h) }); n > 2 {
				t.Fatalf("Verify allocated %v times", n)
			}
		}
	})
}

func FuzzNewWebhook(f *testing.F) {
	for _, s := range []string{pubSecret, "whsec_", "", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "whsec_MfKQ", "WHSEC_abcd", "whsec_a===", "whsec_-_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		wh, err := NewWebhook(secret)
		if err != nil {
			if !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if len(wh.key) == 0 {
			t.Fatal("accepted an empty key")
		}
		if strings.ContainsAny(secret, " \t\r\n") {
			t.Fatalf("accepted white space in %q", secret)
		}
		if _, err := wh.Sign("id", time.Unix(0, 0), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzHeaderMapGet(f *testing.F) {
	f.Add("svix-id", "SVIX-ID", "Svix-Id", "svix-id", "v")
	f.Add("a", "A", "", "a", "")
	f.Fuzz(func(t *testing.T, k1, k2, k3, lookup, value string) {
		m := HeaderMap{k1: value + "1", k2: value + "2", k3: value + "3"}
		got := m.Get(lookup)
		if other := strings.ToUpper(lookup); m.Get(other) != got {
			t.Fatalf("Get(%q) = %q but Get(%q) = %q", lookup, got, other, m.Get(other))
		}
		var best string
		found := false
		for k := range m {
			if strings.EqualFold(k, lookup) && (!found || k < best) {
				best, found = k, true
			}
		}
		if !found && got != "" || found && got != m[best] {
			t.Fatalf("Get(%q) = %q in %q", lookup, got, m)
		}
		if got2 := m.Get(lookup); got2 != got {
			t.Fatal("Get is not deterministic")
		}
	})
}
