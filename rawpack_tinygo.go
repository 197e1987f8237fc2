//go:build tinygo

package stackwebhook

// Under TinyGo, whose programs are sized for the RAM of small devices,
// each raw value has memory of its own: the shared block of rawpack.go,
// with its unused tail (up to 31 bytes an event), would cost more there
// than the allocations it saves.
type rawPack struct{}

// copy returns a copy of v.
func (*rawPack) copy(v []byte) RawMessage {
	m := make(RawMessage, len(v))
	copy(m, v)
	return m
}
