//go:build stackwebhook_leaky_compare

package stackwebhook

import "bytes"

// equalMAC, in this build only, is bytes.Equal, which returns at the first
// differing bytes: a timing leak, there so that the timing check
// (bench/cmd/timingcheck -tags stackwebhook_leaky_compare) can show that it
// flags one. Never build a program with this tag.
func equalMAC(got, want []byte) bool { return bytes.Equal(got, want) }
