package stackwebhook

// topMembers receives, from validJSON, the raw values of the last "type",
// "data" and "success" members of a top-level object: the envelope of a
// webhook (or of Svix's ping), found in the same pass that validates it.
type topMembers struct{ typ, data, success []byte }

// validJSON reports whether b is exactly one JSON value with optional white
// space around it, as encoding/json's Valid decides: RFC 8259 syntax, bytes
// of any value inside strings (invalid UTF-8 included), and at most
// maxNesting levels of objects and arrays. It is a plain loop over the
// bytes with a stack of open containers: no recursion, no allocation for
// payloads nested up to 64 deep (FuzzValidMatchesEncodingJSON checks it
// against json.Valid). If top is not nil, it also records the envelope.
func validJSON(b []byte, top *topMembers) bool {
	const maxNesting = 10000 // encoding/json's
	var small [64]byte
	stack := small[:0] // '{' or '[' for each open container
	var member []byte  // the key of the top-level member being read, for top
	var memberAt int   // where its value starts
	i := skipSpace(b, 0)
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(stack) == maxNesting {
				return false
			}
			stack = append(stack, c)
			i = skipSpace(b, i+1)
			if c == '{' {
				if i < len(b) && b[i] == '}' {
					stack = stack[:len(stack)-1]
					i++
					break
				}
				keyAt := i
				if i = objectKey(b, i); i < 0 {
					return false
				}
				if top != nil && len(stack) == 1 {
					member, memberAt = b[keyAt:stringEnd(b, keyAt)], i
				}
				continue
			}
			if i < len(b) && b[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				break
			}
			continue
		case c == '"':
			if i = stringAt(b, i); i < 0 {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if i = numberAt(b, i); i < 0 {
				return false
			}
		case c == 't':
			if i = literalAt(b, i, "true"); i < 0 {
				return false
			}
		case c == 'f':
			if i = literalAt(b, i, "false"); i < 0 {
				return false
			}
		case c == 'n':
			if i = literalAt(b, i, "null"); i < 0 {
				return false
			}
		default:
			return false
		}
		// A value ended before b[i]: close containers, or go on to the next
		// member or element.
		for {
			if member != nil && len(stack) == 1 {
				top.record(member, b[memberAt:i])
				member = nil
			}
			i = skipSpace(b, i)
			if len(stack) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			open := stack[len(stack)-1]
			switch {
			case b[i] == ',' && open == '{':
				keyAt := skipSpace(b, i+1)
				if i = objectKey(b, keyAt); i < 0 {
					return false
				}
				if top != nil && len(stack) == 1 {
					member, memberAt = b[keyAt:stringEnd(b, keyAt)], i
				}
			case b[i] == ',':
				i = skipSpace(b, i+1)
			case (b[i] == '}' && open == '{') || (b[i] == ']' && open == '['):
				stack = stack[:len(stack)-1]
				i++
				continue
			default:
				return false
			}
			break
		}
	}
}

func (t *topMembers) record(key, value []byte) {
	switch k := keyText(key); {
	case equalKey(k, "type"):
		t.typ = value
	case equalKey(k, "data"):
		t.data = value
	case equalKey(k, "success"):
		t.success = value
	}
}
