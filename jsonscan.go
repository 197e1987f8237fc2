package stackwebhook

// A minimal reader of JSON that encoding/json has already found valid: it
// finds the members of an object and the extent of each value without
// decoding anything, so that payload validation costs a fraction of the
// decode itself. It never recurses, so no nesting depth can exhaust the stack.

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

// stringEnd returns the index just past the string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// eachMember calls fn with the raw key (with its quotes) and the raw value of
// every member of the object obj, in order, until fn returns false.
func eachMember(obj []byte, fn func(key, value []byte) bool) {
	i := skipSpace(obj, 1) // past '{'
	for i < len(obj) && obj[i] == '"' {
		keyEnd := stringEnd(obj, i)
		key := obj[i:keyEnd]
		start := skipSpace(obj, skipSpace(obj, keyEnd)+1) // past ':'
		end := valueEnd(obj, start)
		if !fn(key, obj[start:end]) {
			return
		}
		i = skipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

// eachElement calls fn with every element of the array arr, in order, until
// fn returns false.
func eachElement(arr []byte, fn func(index int, value []byte) bool) {
	i := skipSpace(arr, 1) // past '['
	for n := 0; i < len(arr) && arr[i] != ']'; n++ {
		end := valueEnd(arr, i)
		if !fn(n, arr[i:end]) {
			return
		}
		i = skipSpace(arr, end)
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
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
