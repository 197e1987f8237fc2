//go:build tinygo

package stackwebhook

// equalKey reports whether raw spells key: a loop, as TinyGo allocates to
// convert raw for string(raw) == key.
func equalKey(raw []byte, key string) bool {
	if len(raw) != len(key) {
		return false
	}
	for i := range raw {
		if raw[i] != key[i] {
			return false
		}
	}
	return true
}
