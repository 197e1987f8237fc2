package stackwebhook

// A stringPack gives the short strings of one decoding one allocation
// between them, instead of one each: each is copied into a buffer, and its
// field set, once the buffer is full or the decoding ends (flush), to its
// part of one string made of the buffer. A string a caller keeps then
// retains at most packSize bytes: its own and those of a few other short
// strings of the same event (ids, an email address), never a long string
// and never metadata, which have memory of their own.
type stringPack struct {
	buf  [packSize]byte
	n    int
	dsts [packFields]*string // the fields to set, in the order their values came
	ends [packFields]uint8   // where each one's text ends in buf
	k    int
	gen  int // flushes so far
}

// A packMark is where the pending fields stood: see since.
type packMark struct{ gen, k int }

func (p *stringPack) mark() packMark { return packMark{p.gen, p.k} }

// since reports whether a field was added after m and is still pending:
// one that an array's elements hold, which must be set before the array
// moves.
func (p *stringPack) since(m packMark) bool {
	if p.gen != m.gen {
		return p.k > 0
	}
	return p.k > m.k
}

const (
	packSize   = 192 // bytes a kept string can retain
	packFields = 12
	packMax    = 64 // the longest string packed
)

// add sets *dst to text (copied), now or at the next flush. Set in the
// order of the payload, a field given twice ends with its last value, as
// json decodes it.
func (p *stringPack) add(dst *string, text []byte) {
	if len(text) > packMax {
		p.drop(dst)
		*dst = string(text)
		return
	}
	if p.n+len(text) > packSize || p.k == packFields {
		p.flush()
	}
	p.n += copy(p.buf[p.n:], text)
	p.dsts[p.k], p.ends[p.k] = dst, uint8(p.n)
	p.k++
}

// set sets *dst to s now: a field set later than its pending value.
func (p *stringPack) set(dst *string, s string) {
	p.drop(dst)
	*dst = s
}

// drop forgets the pending value of dst, which is being set now.
func (p *stringPack) drop(dst *string) {
	for i := range p.dsts[:p.k] {
		if p.dsts[i] == dst {
			p.dsts[i] = nil
		}
	}
}

// flush sets the pending fields: one string for them all.
func (p *stringPack) flush() {
	if p.k == 0 {
		return
	}
	s := string(p.buf[:p.n])
	start := 0
	for i, dst := range p.dsts[:p.k] {
		if dst != nil {
			*dst = s[start:p.ends[i]]
		}
		start = int(p.ends[i])
		p.dsts[i] = nil
	}
	p.n, p.k = 0, 0
	p.gen++
}
