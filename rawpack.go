//go:build !tinygo

package stackwebhook

// A rawPack gives the short raw values of one decoding (metadata such as
// null or {}) one allocation between them, instead of one each: each is a
// slice of a block whose capacity ends where its bytes do, so that
// appending to one moves it to memory of its own instead of over the next,
// and writing into one changes no other. A value a caller keeps retains at
// most rawPackSize bytes, never the payload.
type rawPack struct {
	block []byte
}

const (
	rawPackSize = 64 // bytes a kept raw value can retain
	rawPackMax  = 32 // the longest raw value packed
)

// add returns a copy of v, in the block.
func (p *rawPack) add(v []byte) RawMessage {
	if len(p.block)+len(v) > cap(p.block) {
		p.block = make([]byte, 0, rawPackSize)
	}
	start := len(p.block)
	p.block = append(p.block, v...)
	return RawMessage(p.block[start:len(p.block):len(p.block)])
}
