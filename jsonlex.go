package stackwebhook

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON lexer every layer of decoding builds on (jsonvalid.go, schema.go,
// decode.go): white space, the extent of a value, of a string, of a number,
// of a literal, an object's members, the kind of a value, and the text of a
// string. The functions take the bytes and an index and return an index; none
// allocates but unquote and keyText (for escaped strings), and none recurses,
// so no nesting depth can exhaust the stack. Those whose names end in At
// check as they go (for input not yet known valid); the others read input
// that validJSON has already accepted.

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // a number, true, false or null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' &&
			b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// stringEnd returns the index just past the string that starts at b[i]:
// the first quote after it that an even number of backslashes precedes.
func stringEnd(b []byte, i int) int {
	start := i + 1
	for i = start; ; {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		q := i + j
		n := 0
		for p := q - 1; p >= start && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// stringAt returns the index just past the valid string at b[i], or -1.
func stringAt(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) {
					return -1
				}
				for _, h := range b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// numberAt returns the index just past the valid number at b[i], or -1.
func numberAt(b []byte, i int) int {
	if b[i] == '-' {
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

// objectKey reads a member's key and colon at b[i] and returns the index of
// its value, or -1.
func objectKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = stringAt(b, i); i < 0 {
		return -1
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// openObject returns the index of the first member of the object at b[i]
// (or of its closing brace), or -1 if the value is not an object.
func openObject(b []byte, i int) int {
	if b[i] != '{' {
		return -1
	}
	return skipSpace(b, i+1)
}

// afterValue returns the index of the next member or element after a value
// that ended at end, past the comma.
func afterValue(b []byte, end int) int {
	i := skipSpace(b, end)
	if i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	return i
}

// valueAt returns the value at b[i] and the index past it.
func valueAt(b []byte, i int) ([]byte, int) {
	end := valueEnd(b, i)
	return b[i:end], end
}

// jsonKind names the kind of the raw JSON value v, as error messages say it.
func jsonKind(v []byte) string {
	switch v[0] {
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

// isInt64 reports whether the JSON number v is an integer that fits in an
// int64 (no fraction, no exponent).
func isInt64(v []byte) bool {
	neg := v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	if len(digits) == 0 || len(digits) > 19 {
		return false
	}
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		return n <= 1<<63
	}
	return n <= 1<<63-1
}

// plainString reports whether the JSON string s (with its quotes) means its
// own bytes: no escape and valid UTF-8.
func plainString(s []byte) bool {
	for i, c := range s {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf { // rarely: check the rest in one go
			return bytes.IndexByte(s[i:], '\\') < 0 && utf8.Valid(s[i:])
		}
	}
	return true
}

// unquote decodes s, a valid JSON string with its quotes, as encoding/json
// does: invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(s []byte) string {
	if plainString(s) {
		return string(s[1 : len(s)-1])
	}
	s = s[1 : len(s)-1]
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\' && r+1 < len(s):
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
				if utf16.IsSurrogate(rr) && r+6 < len(s)+0 && s[r+1] == '\\' && s[r+2] == 'u' {
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

// hex4 reads the four hex digits of a \u escape (valid: json.Valid passed).
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

// keyText is the text of rawKey, a JSON string with its quotes: the bytes
// between the quotes when there is no escape, else the unescaped text.
func keyText(rawKey []byte) []byte {
	if plainString(rawKey) {
		return rawKey[1 : len(rawKey)-1]
	}
	return []byte(unquote(rawKey))
}

// equalKey reports whether raw spells key. (A loop, not string(raw) == key:
// TinyGo allocates for that conversion.)
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
