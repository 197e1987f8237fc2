//go:build stackwebhook_leaky_compare

package stackwebhook

// equalMAC, in this build only, compares byte by byte and returns at the
// first difference, as hand-written verifiers do: a timing leak of about one
// loop iteration per matching byte on every CPU (bytes.Equal, which compares
// 32 bytes in one or two vector instructions on amd64, leaks too little to
// measure on some CPUs). It is there so that the timing check
// (bench/cmd/timingcheck -tags stackwebhook_leaky_compare) can show that it
// flags a leak. Never build a program with this tag.
func equalMAC(got, want []byte) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
