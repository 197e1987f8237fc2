package receiver

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLoggedBytes bounds every string the Handler logs that a sender chose.
const maxLoggedBytes = 128

// logValue makes a sender-chosen string safe for a log line: at most
// maxLoggedBytes of it (an unauthenticated request can carry a 100 KiB
// svix-id), and quoted with Go escapes when it holds a control character,
// invalid UTF-8 or any other non-printable rune, so that it can neither start
// a forged line nor reach a terminal raw, whatever the slog.Handler.
func logValue(s string) string {
	suffix := ""
	if len(s) > maxLoggedBytes {
		suffix = "...(" + strconv.Itoa(len(s)) + " bytes)"
		cut := maxLoggedBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || !strconv.IsPrint(r) }) >= 0 {
		s = strconv.Quote(s)
	}
	return s + suffix
}
