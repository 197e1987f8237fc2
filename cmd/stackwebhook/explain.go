package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// explain says which check failed and the most likely cause.
func (c cli) explain(err error, msg message, wh *stackwebhook.Webhook, secret string, now time.Time, tolerance time.Duration) {
	w := c.stderr
	fmt.Fprintln(w, "NOT verified:", err)
	say := func(format string, a ...any) { fmt.Fprintf(w, "  "+format+"\n", a...) }
	switch {
	case errors.Is(err, stackwebhook.ErrInvalidSecret):
		say("check failed: the secret")
		say("most likely cause: %s", secretProblem(secret))
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
		say("check failed: the timestamp %q is not an integer of Unix seconds", ts)
		switch {
		case len(strings.TrimLeft(ts, "+-")) >= 13 && isDigits(strings.TrimLeft(ts, "+-")[:13]):
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
	case errors.Is(err, stackwebhook.ErrNoMatchingSignature):
		c.explainNoMatch(msg, wh, secret)
	}
}

func (c cli) explainNoMatch(msg message, wh *stackwebhook.Webhook, secret string) {
	say := func(format string, a ...any) { fmt.Fprintf(c.stderr, "  "+format+"\n", a...) }
	say("check failed: the signature")
	versions := signatureVersions(msg.headers)
	say("signature entries by version: %s", printable(versions))
	if secret != "" && !strings.Contains(versions, "v1=") {
		say("most likely cause: there is no v1 (HMAC) entry to check with a secret; a v1a entry needs -public-key")
		return
	}
	for _, v := range bodyVariants(msg.body) {
		if wh.VerifyIgnoringTimestamp(v.body, msg.headers) == nil {
			say("found: the body verifies %s", v.change)
			say("most likely cause: the body was changed after it was signed: a framework or proxy %s;", v.cause)
			say("verify the raw bytes as received, then parse them")
			return
		}
	}
	say("most likely cause: the secret is not this endpoint's (another endpoint, or another environment:")
	say("development and production have different secrets; secret fingerprint %s, compare with", fingerprint(secret))
	say("`stackwebhook verify` run on the dashboard's secret), or the body was re-serialised on the way")
	say("(parsed and re-encoded JSON never matches: verify the raw bytes, then parse)")
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
			out = append(out, bodyVariant{b, change, cause})
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

func secretProblem(secret string) string {
	key := strings.TrimPrefix(secret, stackwebhook.SecretPrefix)
	switch {
	case secret == "":
		return "no secret given: pass -secret or set " + secretEnvVar
	case strings.HasPrefix(secret, stackwebhook.PublicKeyPrefix):
		return "this is a public key (whpk_): pass it with -public-key"
	case strings.ContainsAny(secret, " \t\r\n"):
		return "the secret contains white space or a line break (pasted with one?)"
	case key == "":
		return "the secret is empty after its whsec_ prefix"
	case strings.HasPrefix(strings.ToLower(secret), stackwebhook.SecretPrefix) && !strings.HasPrefix(secret, stackwebhook.SecretPrefix):
		return "the prefix must be written whsec_, in lower case"
	case strings.ContainsAny(key, "-_"):
		return "the secret holds - or _: it must be standard base64 (+ and /), as the dashboard shows it"
	}
	return "the secret is not whsec_ followed by standard base64: copy it again from the Stack dashboard"
}

// fingerprint identifies a secret without revealing it.
func fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return fmt.Sprintf("sha256:%x", sum[:4])
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

// seconds writes a number of seconds as a duration where one can hold it.
func seconds(n uint64) string {
	if n > math.MaxInt64/uint64(time.Second) {
		return strconv.FormatUint(n, 10) + "s"
	}
	return (time.Duration(n) * time.Second).String()
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
