package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Everything this command prints that came from its input (an event type, a
// message id, header names, signature versions) may have been chosen by
// whoever sent the webhook. Printed raw, escape sequences in it could retitle
// or clear the terminal, or print a fake "verified" line.

// printable returns s as it is if every rune of it is printable, and
// otherwise quoted with Go escapes ("user.created\x1b[2J"): no control
// character, line break or invalid UTF-8 reaches the terminal.
func printable(s string) string {
	if !shownAsIs(s, "") {
		return strconv.Quote(s)
	}
	return s
}

// shownAsIs reports whether every rune of s is valid and printable, or one
// of also.
func shownAsIs(s, also string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return (r == utf8.RuneError || !strconv.IsPrint(r)) && !strings.ContainsRune(also, r)
	}) < 0
}

// escapeJSON rewrites every non-printable rune of valid JSON text (DEL, the
// C1 controls, format characters; encoding/json already escapes those below
// U+0020) as a \uXXXX escape, which denotes the same JSON value. Line breaks
// and tabs outside strings are the indentation, and are kept.
func escapeJSON(text []byte) []byte {
	var out bytes.Buffer
	for len(text) > 0 {
		r, n := utf8.DecodeRune(text)
		switch {
		case r == '\n' || r == '\t' || (strconv.IsPrint(r) && r != utf8.RuneError):
			out.Write(text[:n])
		case r > 0xFFFF:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		text = text[n:]
	}
	return out.Bytes()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}
