//go:build !tinygo

package stackwebhook

// A rawPack copies the raw values of one decoding (metadata), giving the
// short ones (null, {}, a number) one allocation between them instead of
// one each: each is a slice of a block whose capacity ends where its bytes
// do, so that appending to one moves it to memory of its own instead of
// over the next, and writing into one changes no other. A value a caller
// keeps retains at most rawPackSize bytes, never the payload. Under TinyGo
// each value has memory of its own (rawpack_tinygo.go).
type rawPack struct {
	block []byte
}

const (
	rawPackSize = 64 // bytes a kept short value can retain
	rawPackMax  = 32 // the longest value packed
)

// copy returns a copy of v: in the block if it is short, else on its own.
func (p *rawPack) copy(v []byte) RawMessage {
	if len(v) > rawPackMax {
		m := make(RawMessage, len(v)) // with the copy next, the compiler
		copy(m, v)                    // does not clear m before filling it
		return m
	}
	if len(p.block)+len(v) > cap(p.block) {
		p.block = make([]byte, 0, rawPackSize)
	}
	start := len(p.block)
	p.block = append(p.block, v...)
	return RawMessage(p.block[start:len(p.block):len(p.block)])
}
