package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// explain says every check that failed and the most likely cause of each.
// The signature is checked even when the clock check failed: a message both
// stale and signed with another secret has two problems to fix.
func (c cli) explain(err error, msg message, wh *stackwebhook.Webhook, k key, now time.Time, tolerance time.Duration) {
	w := c.stderr
	fmt.Fprintln(w, "NOT verified:", err)
	say := func(format string, a ...any) { fmt.Fprintf(w, "  "+format+"\n", a...) }
	switch {
	case errors.Is(err, stackwebhook.ErrInvalidSecret):
		say("check failed: the %s", k.what())
		say("most likely cause: %s", k.problem(false))
	case errors.Is(err, stackwebhook.ErrMissingHeaders):
		say("check failed: the headers (svix-id, svix-timestamp, svix-signature, or the webhook-* set, all non-empty)")
		for _, name := range []string{"svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature"} {
			v, ok := msg.headers[http.CanonicalHeaderKey(name)]
			state := "missing"
			if ok && len(v) > 0 && v[0] != "" {
				state = "present"
			} else if ok {
				state = "empty"
			}
			say("  %-18s %s", name, state)
		}
		if similar := similarHeaders(msg.headers); len(similar) > 0 {
			say("headers with similar names arrived: %s", printable(strings.Join(similar, ", ")))
		}
		say("most likely cause: the headers did not reach your code: a proxy, API gateway or framework dropped or")
		say("renamed them, or they were not given to this command (-id, -timestamp, -signature, or -request FILE)")
	case errors.Is(err, stackwebhook.ErrInvalidHeaders):
		ts := timestampHeader(msg.headers)
		digits := strings.TrimLeft(ts, "+-")
		say("check failed: the timestamp %q is not an integer of Unix seconds", ts)
		switch {
		case fractionRE.MatchString(ts):
			say("most likely cause: it has a fraction; Svix sends whole seconds (a sender or proxy that wrote a float?)")
		case len(digits) >= 13 && isDigits(digits[:13]):
			say("most likely cause: it looks like milliseconds; Svix sends whole seconds")
		case strings.ContainsAny(ts, "T:") || strings.Count(ts, "-") >= 2:
			say("most likely cause: it looks like a date; Svix sends Unix seconds")
		default:
			say("most likely cause: the header was altered on the way, or it is not a Svix timestamp")
		}
	case errors.Is(err, stackwebhook.ErrTimestampTooOld):
		ts, _ := strconv.ParseInt(timestampHeader(msg.headers), 10, 64)
		late := uint64(now.Unix()) - uint64(ts) // the true difference, positive, without overflow
		say("check failed: the tolerance (%s either way)", tolerance)
		say("measured: the message was signed %s before this clock (%s)", seconds(late), now.UTC().Format(time.RFC3339))
		say("most likely cause: a saved or replayed message (check its signature at its delivery time with -now %d),", ts)
		say("or this machine's clock is ahead by about %s (check NTP)", seconds(late))
		c.explainSignatureToo(msg, wh, k)
	case errors.Is(err, stackwebhook.ErrTimestampTooNew):
		ts, _ := strconv.ParseInt(timestampHeader(msg.headers), 10, 64)
		early := uint64(ts) - uint64(now.Unix())
		say("check failed: the tolerance (%s either way)", tolerance)
		say("measured: the message claims to be signed %s after this clock (%s)", seconds(early), now.UTC().Format(time.RFC3339))
		if ms := ts / 1000; ms-now.Unix() <= int64(tolerance/time.Second) && now.Unix()-ms <= int64(tolerance/time.Second) {
			say("most likely cause: the timestamp is in milliseconds; Svix sends whole seconds")
		} else {
			say("most likely cause: this machine's clock is behind by about %s (check NTP), or the sender's is ahead", seconds(early))
		}
		c.explainSignatureToo(msg, wh, k)
	case errors.Is(err, stackwebhook.ErrNoMatchingSignature):
		c.explainNoMatch(msg, wh, k)
	}
}

var fractionRE = regexp.MustCompile(`^[+-]?[0-9]+\.[0-9]*$`)

// explainSignatureToo checks the signature regardless of the clock, after
// the clock check failed, and explains it too if it fails.
func (c cli) explainSignatureToo(msg message, wh *stackwebhook.Webhook, k key) {
	say := func(format string, a ...any) { fmt.Fprintf(c.stderr, "  "+format+"\n", a...) }
	if err := wh.VerifyIgnoringTimestamp(msg.body, stackwebhook.MultiValueHeaders(msg.headers)); err == nil {
		say("the signature itself is valid: only the clock check failed")
		return
	}
	fmt.Fprintln(c.stderr, "and also:")
	c.explainNoMatch(msg, wh, k)
}

func (c cli) explainNoMatch(msg message, wh *stackwebhook.Webhook, k key) {
	say := func(format string, a ...any) { fmt.Fprintf(c.stderr, "  "+format+"\n", a...) }
	say("check failed: the signature (over %d body bytes)", len(msg.body))
	versions := signatureVersions(msg.headers)
	say("signature entries by version: %s", printable(versions))
	want := "v1"
	if k.public {
		want = "v1a"
	}
	if !strings.Contains(" "+versions, " "+want+"=") {
		if k.public {
			say("most likely cause: there is no v1a (public-key) entry to check; v1 entries need the secret, -secret")
		} else {
			say("most likely cause: there is no v1 (HMAC) entry to check with a secret; a v1a entry needs -public-key")
		}
		return
	}
	variants := bodyVariants(msg.body)
	if msg.other != nil {
		variants = append([]bodyVariant{*msg.other}, variants...)
	}
	for _, v := range variants {
		if wh.VerifyIgnoringTimestamp(v.body, stackwebhook.MultiValueHeaders(msg.headers)) == nil {
			say("found: the body verifies %s", v.change)
			say("most likely cause: %s;", v.cause)
			say("verify the raw bytes as received, then parse them")
			return
		}
	}
	say("most likely cause: the %s is not this endpoint's (another endpoint, or another environment:", k.what())
	say("development and production have different secrets; this key's fingerprint is %s: compare it with", k.fingerprint())
	say("`stackwebhook fingerprint` run on the dashboard's), or the body was re-serialised on the way")
	say("(parsed and re-encoded JSON never matches: verify the raw bytes, then parse)")
}

// problem says why the key's constructor refuses it, in the words of the
// mistake that usually leads there; signing asks for a secret.
func (k key) problem(signing bool) string {
	if _, err := k.webhook(); err == nil && !(signing && k.public) {
		return ""
	}
	t := k.text
	rest := strings.TrimPrefix(strings.TrimPrefix(t, stackwebhook.SecretPrefix), stackwebhook.PublicKeyPrefix)
	switch {
	case t == "" && k.public:
		return "no public key given: pass -public-key"
	case t == "":
		return "no secret given: pass -secret or set " + secretEnvVar
	case len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0]:
		return "the " + k.what() + " is in quotes, as in a .env file: pass it without them"
	case !k.public && strings.HasPrefix(t, stackwebhook.PublicKeyPrefix) && signing:
		return "this is a public key (whpk_): it can only verify; sign needs the endpoint's secret (whsec_)"
	case !k.public && strings.HasPrefix(t, stackwebhook.PublicKeyPrefix):
		return "this is a public key (whpk_): pass it with -public-key"
	case k.public && strings.HasPrefix(t, stackwebhook.SecretPrefix):
		return "this is a secret (whsec_): pass it with -secret"
	case strings.ContainsAny(t, " \t\r\n"):
		return "the " + k.what() + " contains white space or a line break (pasted with one?)"
	case rest == "":
		return "the " + k.what() + " is empty after its prefix"
	case strings.HasPrefix(strings.ToLower(t), stackwebhook.SecretPrefix) && !strings.HasPrefix(t, stackwebhook.SecretPrefix),
		strings.HasPrefix(strings.ToLower(t), stackwebhook.PublicKeyPrefix) && !strings.HasPrefix(t, stackwebhook.PublicKeyPrefix):
		return "the prefix must be written in lower case (whsec_, whpk_)"
	case strings.ContainsAny(rest, "-_"):
		return "the " + k.what() + " holds - or _: it must be standard base64 (+ and /), as the dashboard shows it"
	case k.public:
		if b, err := stackwebhook.DecodeKey(t, stackwebhook.PublicKeyPrefix); err == nil && len(b) != 32 {
			return fmt.Sprintf("the public key is %d bytes; an ed25519 public key is 32", len(b))
		} else if err == nil {
			return "the public key is a point of small order: anyone could forge signatures for it; it is not Svix's key"
		}
		return "the public key is not whpk_ followed by standard base64: copy it again"
	}
	return "the secret is not whsec_ followed by standard base64: copy it again from the Stack dashboard"
}

// bodyVariant is the body as it may have been before a framework changed it.
type bodyVariant struct {
	body          []byte
	change, cause string
}

func bodyVariants(body []byte) []bodyVariant {
	var out []bodyVariant
	add := func(b []byte, change, cause string) {
		if !bytes.Equal(b, body) {
			out = append(out, bodyVariant{b, change, "the body was changed after it was signed: a framework or proxy " + cause})
		}
	}
	if trimmed, ok := bytes.CutSuffix(body, []byte("\n")); ok {
		add(bytes.TrimSuffix(trimmed, []byte("\r")), "without its trailing line break", "added a line break at the end")
	}
	add(bytes.TrimSpace(body), "without its surrounding white space", "added white space around it")
	add(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), "with \\n line ends instead of \\r\\n", "converted line ends")
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		add(compact.Bytes(), "as compact JSON", "re-indented the JSON")
	}
	return out
}

func similarHeaders(h http.Header) []string {
	var out []string
	for k := range h {
		lk := strings.ToLower(k)
		if (strings.Contains(lk, "svix") || strings.Contains(lk, "webhook")) &&
			!strings.HasPrefix(lk, "svix-") && !strings.HasPrefix(lk, "webhook-") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func timestampHeader(h http.Header) string {
	_, ts, _, _ := stackwebhook.ReadHeaders(h)
	return ts
}

// signatureVersions counts the entries of the signature header by version.
func signatureVersions(h http.Header) string {
	_, _, sig, _ := stackwebhook.ReadHeaders(h)
	counts := map[string]int{}
	for _, entry := range strings.Fields(sig) {
		version, _, _ := strings.Cut(entry, ",")
		counts[version]++
	}
	var parts []string
	for v, n := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", v, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// seconds writes a number of seconds as a person reads it: 16m40s, 3 days,
// about 56,855 years.
func seconds(n uint64) string {
	const day, year = 86400, 31557600 // a Julian year
	switch {
	case n < 3*day:
		return (time.Duration(n) * time.Second).String()
	case n < 2*year:
		return strconv.FormatUint(n/day, 10) + " days"
	}
	digits := strconv.FormatUint(n/year, 10)
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return "about " + digits + " years"
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
