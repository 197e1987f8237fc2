package stackwebhook

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON lexer that decoding (decode.go) builds on, the only code that
// reads JSON syntax: white space, strings, numbers, literals, an object's
// members and an array's elements, and the skipping of a whole value. Every
// function takes the bytes and the index of what it reads, checks the
// syntax as it goes (RFC 8259, as encoding/json's Valid decides it), and
// returns the index just past what it read, or -1 where the bytes are not
// JSON. None allocates (but unquote, for the text it returns), and only
// skipValue calls itself, once per 64 levels of nesting (at most
// maxNesting/64 = 156 calls deep), so that no nesting depth can exhaust the
// stack.

// maxNesting is encoding/json's limit: at most this many objects and arrays
// open at once.
const maxNesting = 10000

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for ; uint(i) < uint(len(b)); i++ { // uint: no bounds check
		if c := b[i]; c > ' ' || spaces&(1<<c) == 0 {
			return i
		}
	}
	return i
}

// spaces has bit c set for each JSON white space byte c.
const spaces uint64 = 1<<' ' | 1<<'\t' | 1<<'\n' | 1<<'\r'

// Eight bytes at a time: ones has 1 in every byte, highs the top bit of
// every byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports, in the top bit of each byte, which of the eight bytes of
// x (in little-endian order) a string cannot simply skip: a quote, a
// backslash, a control character or a byte of a multi-byte UTF-8 sequence.
// For a byte under 0x80 the sums below do not carry: +0x60 sets its top bit
// if it is 0x20 or more, and +0x7f after the XOR if it differs from the
// quote (the backslash). A byte of 0x80 or more is marked by its own top
// bit, and may carry into the bytes above it, never below: the lowest mark
// is exact.
func special(x uint64) uint64 {
	plain := (x + ones*0x60) & ((x ^ ones*'"') + ones*0x7f) & ((x ^ ones*'\\') + ones*0x7f)
	return (^plain | x) & highs
}

// plainEnd returns the index of the first byte at or after i that a string
// cannot simply skip (see special), eight bytes at a time, or of the last
// few bytes of b, fewer than eight, where it stops looking.
func plainEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := special(binary.LittleEndian.Uint64(b[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return i
}

// scanString reads the string that starts at b[i] (a quote) and returns the
// index just past its closing quote, and whether its text differs from its
// bytes or may: it holds an escape or a byte outside ASCII. It skips eight
// plain bytes at a time, then to the first that is not.
func scanString(b []byte, i int) (end int, escaped bool) {
	i++
	for {
		if i = plainEnd(b, i); uint(i) >= uint(len(b)) {
			return -1, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			if i++; i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1, false
				}
				for _, h := range b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return -1, false
					}
				}
				i += 4
			default:
				return -1, false
			}
		case c < 0x20:
			return -1, false
		case c >= utf8.RuneSelf:
			escaped = true
		}
		i++
	}
}

// numberAt returns the index just past the number at b[i], or -1.
func numberAt(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	return i
}

// literalAt returns the index just past the literal word at b[i], or -1.
func literalAt(b []byte, i int, word string) int {
	if len(b)-i < len(word) || !equalKey(b[i:i+len(word)], word) {
		return -1
	}
	return i + len(word)
}

// nextKey reads what follows, at b[i], the opening brace of an object
// (first) or the value of one of its members: the next member's key (the
// raw string, with its quotes), its colon, and the index of its value; or,
// at the closing brace, a nil key and the index past the brace. at is -1
// where the bytes are not JSON. A decoder that expects a key passes it as
// want: matched then reports that the key is exactly want, found with one
// comparison and no scan (want holds no byte that JSON escapes).
func nextKey(b []byte, i int, first bool, want string) (key []byte, matched bool, at int) {
	if i = skipSpace(b, i); i >= len(b) {
		return nil, false, -1
	}
	if b[i] == '}' {
		return nil, false, i + 1
	}
	if !first {
		if b[i] != ',' {
			return nil, false, -1
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return nil, false, -1
		}
	}
	end := i + 1 + len(want)
	if matched = want != "" && end < len(b) && b[i] == '"' && b[end] == '"' && equalKey(b[i+1:end], want); matched {
		at = colon(b, end+1)
	} else {
		end, at = keyColon(b, i)
	}
	if at < 0 {
		return nil, false, -1
	}
	return b[i:end], matched, at
}

// keyColon reads the key at b[i] and its colon, and returns the index past
// the key and the index of the member's value (-1: not JSON).
func keyColon(b []byte, i int) (keyEnd, at int) {
	if i >= len(b) || b[i] != '"' {
		return -1, -1
	}
	if keyEnd, _ = scanString(b, i); keyEnd < 0 {
		return -1, -1
	}
	return keyEnd, colon(b, keyEnd)
}

// colon reads the colon after a key that ends before b[i], and returns the
// index of the value, or -1.
func colon(b []byte, i int) int {
	if i+2 < len(b) && b[i] == ':' { // compact JSON, or one space after the colon (indented)
		if b[i+1] > ' ' {
			return i + 1
		}
		if b[i+1] == ' ' && b[i+2] > ' ' {
			return i + 2
		}
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	if i = skipSpace(b, i+1); i >= len(b) {
		return -1
	}
	return i
}

// nextElement reads what follows, at b[i], the opening bracket of an array
// (first) or one of its elements: the index of the next element, and true;
// or, at the closing bracket, the index past it and false. at is -1 where
// the bytes are not JSON.
func nextElement(b []byte, i int, first bool) (at int, more bool) {
	if i = skipSpace(b, i); i >= len(b) {
		return -1, false
	}
	if b[i] == ']' {
		return i + 1, false
	}
	if !first {
		if b[i] != ',' {
			return -1, false
		}
		if i = skipSpace(b, i+1); i >= len(b) {
			return -1, false
		}
	}
	return i, true
}

// skipValue reads the value at b[i], found inside depth open objects and
// arrays, and returns the index just past it, or -1 (also for i = -1).
//
// skipRun does the common work, calling nothing that is not inlined, so
// that its loop keeps its state in registers (a call in it made the
// compiler store a dozen registers at every value: skipping was 13 to 38%
// slower). It returns here for the rest: a string that is not plain ASCII
// in whole words, a number that is not a plain integer, and a container 64
// levels below the one it started at, which skipValue reads by calling
// itself.
func skipValue(b []byte, i, depth int) int {
	if i < 0 {
		return -1
	}
	var (
		level   int
		objects uint64
		next    = inValue
		ev      skipEvent
	)
	for {
		i, level, objects, next, ev = skipRun(b, i, level, objects, next, min(maxNesting-depth, 64))
		switch ev {
		case skipDone:
			return i
		case skipString:
			i, _ = scanString(b, i)
		case skipNumber:
			i = numberAt(b, i)
		case skipDeep:
			if depth+level == maxNesting {
				return -1
			}
			i = skipValue(b, i, depth+level)
		default:
			return -1
		}
		if i < 0 {
			return -1
		}
	}
}

// Where skipRun is, or resumes: at a value, after one, at a key, after one.
type skipState uint8

const (
	inValue skipState = iota
	afterValue
	inKey
	afterKey
)

// Why skipRun returns: the value ended, or a string, a number or a
// container at b[i] for skipValue to read, or the bytes are not JSON.
type skipEvent uint8

const (
	skipDone skipEvent = iota
	skipString
	skipNumber
	skipDeep
	skipInvalid
)

// skipRun reads from b[i], in state st, with level containers open (at
// most limit, 64 at most: bit l of objects is set where the container at
// level l is an object), until the outermost value ends or it meets what
// it leaves to skipValue (see skipEvent). It returns where it stopped and
// the state to resume in. It reads strings of plain ASCII eight bytes at a
// time (a short key in one word, without a loop), integers, literals,
// punctuation and white space.
func skipRun(b []byte, i, level int, objects uint64, st skipState, limit int) (int, int, uint64, skipState, skipEvent) {
	switch st {
	case afterValue:
		goto after
	case inKey:
		goto key
	case afterKey:
		goto colon
	}
value: // a value starts at b[i]
	if uint(i) >= uint(len(b)) {
		return i, level, objects, inValue, skipInvalid
	}
	switch c := b[i]; {
	case c == '"':
		if j := plainEnd(b, i+1); j < len(b) && b[j] == '"' {
			i = j + 1
			break
		}
		return i, level, objects, afterValue, skipString
	case c >= '1' && c <= '9':
		j := i + 1
		for j < len(b) && b[j]-'0' <= 9 {
			j++
		}
		if j < len(b) && (b[j] == '.' || b[j]|0x20 == 'e') {
			return i, level, objects, afterValue, skipNumber
		}
		i = j
	case c == '{' || c == '[':
		if level == limit {
			return i, level, objects, afterValue, skipDeep
		}
		if c == '{' {
			objects |= 1 << uint(level)
		} else {
			objects &^= 1 << uint(level)
		}
		level++
		if i = skipSpace(b, i+1); i >= len(b) {
			return i, level, objects, inValue, skipInvalid
		}
		if b[i] == c+2 { // '}' is '{'+2, ']' is '['+2: empty
			i++
			goto closed
		}
		if c == '{' {
			goto key
		}
		goto value
	case c == 't':
		if i = literalAt(b, i, "true"); i < 0 {
			return i, level, objects, inValue, skipInvalid
		}
	case c == 'f':
		if i = literalAt(b, i, "false"); i < 0 {
			return i, level, objects, inValue, skipInvalid
		}
	case c == 'n':
		if i = literalAt(b, i, "null"); i < 0 {
			return i, level, objects, inValue, skipInvalid
		}
	case c == '-' || c == '0':
		return i, level, objects, afterValue, skipNumber
	default:
		return i, level, objects, inValue, skipInvalid
	}
after: // a value ended before b[i]
	if level == 0 {
		return i, level, objects, afterValue, skipDone
	}
	if i = skipSpace(b, i); i >= len(b) {
		return i, level, objects, inValue, skipInvalid
	}
	if c, inObject := b[i], objects>>uint(level-1)&1 != 0; c == ',' {
		if i++; i < len(b) && b[i] <= ' ' {
			i = skipSpace(b, i)
		}
		if inObject {
			goto key
		}
		goto value
	} else if inObject && c == '}' || !inObject && c == ']' {
		i++
		goto closed
	}
	return i, level, objects, inValue, skipInvalid
key: // a key starts at b[i]
	if i >= len(b) || b[i] != '"' {
		return i, level, objects, inValue, skipInvalid
	}
	if i+9 <= len(b) { // a short key, in the next eight bytes
		x := binary.LittleEndian.Uint64(b[i+1 : i+9])
		if m := special(x); m != 0 && byte(x>>(bits.TrailingZeros64(m)&^7)) == '"' {
			i += 2 + bits.TrailingZeros64(m)/8
			goto colon
		}
	}
	if j := plainEnd(b, i+1); j < len(b) && b[j] == '"' {
		i = j + 1
	} else {
		return i, level, objects, afterKey, skipString
	}
colon: // a key ended before b[i]
	if i < len(b) && b[i] == ':' { // compact JSON
		i++
	} else if i = skipSpace(b, i); i < len(b) && b[i] == ':' {
		i++
	} else {
		return i, level, objects, inValue, skipInvalid
	}
	if i < len(b) && b[i] <= ' ' {
		i = skipSpace(b, i)
	}
	goto value
closed: // a container ended before b[i]
	level--
	goto after
}

// validJSON reports whether b is exactly one JSON value with optional white
// space around it, as encoding/json's Valid decides (at most maxNesting
// levels of objects and arrays, bytes of any value inside strings).
func validJSON(b []byte) bool {
	end := skipValue(b, skipSpace(b, 0), 0)
	return end >= 0 && skipSpace(b, end) == len(b)
}

// kindOf names the kind of the JSON value that starts with c, as error
// messages say it.
func kindOf(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// parseInt64 parses v, a JSON number or any other text, as strconv.ParseInt
// does, and reports whether it is an optional '-' and at most 19 decimal
// digits that fit in an int64 (no '+', no fraction, no exponent); 19 digits
// cannot overflow the uint64 they are summed in. Verify parses the
// timestamp with it too, and leaves other spellings to strconv.
func parseInt64[T string | []byte](v T) (int64, bool) {
	digits := v
	if len(v) > 0 && v[0] == '-' {
		digits = v[1:]
	}
	if len(digits) == 0 || len(digits) > 19 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if v[0] == '-' {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// unquote decodes s, a valid JSON string with its quotes, as encoding/json
// does, into a string of its own: invalid UTF-8 and lone surrogates become
// U+FFFD. escaped is what scanString said of s: false, its bytes are its
// text.
func unquote(s []byte, escaped bool) string {
	s = s[1 : len(s)-1]
	if !escaped || plainText(s) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 4
				if utf16.IsSurrogate(rr) && r+6 < len(s) && s[r+1] == '\\' && s[r+2] == 'u' {
					if dec := utf16.DecodeRune(rr, hex4(s[r+3:])); dec != utf8.RuneError {
						rr = dec
						r += 6
					} else {
						rr = utf8.RuneError
					}
				} else if utf16.IsSurrogate(rr) {
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return string(b)
}

// plainText reports whether the inside of a JSON string means its own
// bytes: no escape, and valid UTF-8.
func plainText(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// hex4 reads the four hex digits of a \u escape (scanString checked them).
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
