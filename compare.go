//go:build !stackwebhook_leaky_compare

package stackwebhook

import "crypto/hmac"

// equalMAC compares a decoded signature with the expected MAC in time that
// does not depend on how many bytes match (hmac.Equal). It is a function of
// its own only so that the timing check (bench/cmd/timingcheck) can build a
// deliberately leaky variant, compare_leaky.go, and show that it detects it.
func equalMAC(got, want []byte) bool { return hmac.Equal(got, want) }
