//go:build tinygo

package stackwebhook

// Under TinyGo, whose programs are sized for the RAM of small devices,
// each short raw value has memory of its own, as the longer ones do: a
// shared block's unused tail (up to 31 bytes an event) would cost more
// there than the allocations it saves. rawpack.go packs them.
type rawPack struct{}

const rawPackMax = 0 // none packed

func (*rawPack) add(v []byte) RawMessage { return append(RawMessage(nil), v...) }
