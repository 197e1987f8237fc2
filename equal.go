//go:build !tinygo

package stackwebhook

// equalKey reports whether raw spells key. The standard compiler compares
// without converting raw (no allocation), with the runtime's vectorised
// memequal.
func equalKey(raw []byte, key string) bool { return string(raw) == key }
