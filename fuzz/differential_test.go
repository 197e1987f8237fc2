package fuzz

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/fuzz/official"
)

// ourVerdict maps an error of ours onto the verdict names of package official.
func ourVerdict(t *testing.T, err error) string {
	t.Helper()
	names := map[error]string{
		stackwebhook.ErrInvalidSecret:       official.InvalidSecret,
		stackwebhook.ErrMissingHeaders:      official.MissingHeaders,
		stackwebhook.ErrInvalidHeaders:      official.InvalidHeaders,
		stackwebhook.ErrTimestampTooOld:     official.TooOld,
		stackwebhook.ErrTimestampTooNew:     official.TooNew,
		stackwebhook.ErrNoMatchingSignature: official.NoMatch,
	}
	if err == nil {
		return official.OK
	}
	for sentinel, name := range names {
		if errors.Is(err, sentinel) {
			return name
		}
	}
	t.Fatalf("undocumented error %q", err)
	return ""
}

// request is what one fuzz input turns into.
type request struct {
	secret  string
	headers http.Header
	body    []byte
	now     time.Time // whole seconds: see FuzzDifferential
	ts      int64     // the timestamp text as ParseInt reads it, if it does
	tsOK    bool
}

// build turns the fuzzer's structured input into a request. key is the
// endpoint's key and secretForm how its secret is written; sigMode chooses
// between the fuzzer's own signature header (0) and the official library's
// signature of the message placed among the fuzzer's entries (1, 2) or
// signed over a changed body (3); headerSet chooses svix-*, webhook-*, a mix,
// or an incomplete svix-* set beside a whole webhook-* set.
func build(key []byte, secretForm uint8, id, tsText, sigHeader string, body []byte, clockOffset int64, sigMode, headerSet uint8) request {
	r := request{body: body}
	enc := base64.StdEncoding.EncodeToString(key)
	switch secretForm % 4 {
	case 0:
		r.secret = "whsec_" + enc
	case 1:
		r.secret = enc
	case 2:
		r.secret = "whsec_" + strings.TrimRight(enc, "=") // unpadded
	case 3:
		r.secret = "whsec_" + enc[:len(enc)/2] + "\n" + enc[len(enc)/2:] // a line break
	}
	r.ts, r.tsOK = parseTS(tsText)
	// The clock: near the timestamp when it parses, so that every side of
	// the tolerance is reached, in whole seconds.
	base := int64(1_700_000_000)
	if r.tsOK && r.ts > -1<<40 && r.ts < 1<<40 {
		base = r.ts
	}
	r.now = time.Unix(base+clockOffset%100_000, 0)

	sig := sigHeader
	if sigMode%4 != 0 && r.tsOK {
		signed := official.Sign(key, id, r.ts, body)
		if sigMode%4 == 3 {
			signed = official.Sign(key, id, r.ts, append([]byte("x"), body...))
		}
		if sigMode%4 == 1 {
			sig = signed + " " + sigHeader
		} else {
			sig = sigHeader + " " + signed
		}
	}
	h := http.Header{}
	set := func(k, v string) {
		if v != "" || headerSet%8 >= 4 { // present but empty, sometimes
			h.Set(k, v)
		}
	}
	switch headerSet % 4 {
	case 0:
		set("svix-id", id)
		set("svix-timestamp", tsText)
		set("svix-signature", sig)
	case 1:
		set("webhook-id", id)
		set("webhook-timestamp", tsText)
		set("webhook-signature", sig)
	case 2:
		set("svix-id", id)
		set("webhook-timestamp", tsText)
		set("svix-signature", sig)
	case 3:
		set("svix-id", id)
		set("webhook-id", id)
		set("webhook-timestamp", tsText)
		set("webhook-signature", sig)
	}
	r.headers = h
	return r
}

func parseTS(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// FuzzDifferential: our Verify and the official Go library's give the same
// verdict, except on the rows where the table of disagreements in docs/conformance.md
// takes a deliberately different rule, which are asserted separately. The
// test command runs it against v1.44.0 and, with -modfile=go.v1.99.1.mod,
// v1.99.1 (official.Version says which):
//
//   - empty key: we refuse it (ErrInvalidSecret); v1.44.0 accepts it, v1.99.1
//     refuses it too;
//   - unpadded secret: we accept it; the library refuses it;
//   - a line break in the secret: we refuse it; the library skips it;
//   - timestamps where the library's time arithmetic overflows (time.Unix of
//     a timestamp beyond year 292277026596): we compare exactly.
//
// The official library reads the wall clock; package official applies its
// tolerance rule at the input's clock explicitly, as its source writes it.
// The clock has whole seconds here: with a fraction, the library's "too old"
// check runs at nanosecond precision while ours reads whole seconds (a
// documented difference, covered by conformance/vectors.json).
func FuzzDifferential(f *testing.F) {
	addVectorSeeds(f)
	f.Fuzz(func(t *testing.T, key []byte, secretForm uint8, id, tsText, sigHeader string, body []byte, clockOffset int64, sigMode, headerSet uint8) {
		r := build(key, secretForm, id, tsText, sigHeader, body, clockOffset, sigMode, headerSet)
		wh, err := stackwebhook.NewWebhook(r.secret, stackwebhook.WithClock(func() time.Time { return r.now }))
		ours := ourVerdict(t, err)
		if err == nil {
			ours = ourVerdict(t, wh.Verify(r.body, r.headers))
		}
		theirs := official.Verdict(r.secret, r.headers, r.body, r.now)

		switch {
		case len(key) == 0:
			if ours != official.InvalidSecret {
				t.Fatalf("empty key: ours %s, want invalid_secret", ours)
			}
		case secretForm%4 == 3:
			if ours != official.InvalidSecret {
				t.Fatalf("secret with a line break: ours %s, want invalid_secret", ours)
			}
		case secretForm%4 == 2 && len(key)%3 != 0:
			// Unpadded: we read the same key; the official library refuses.
			// Our verdict must be the library's verdict on the padded form.
			padded := build(key, 0, id, tsText, sigHeader, body, clockOffset, sigMode, headerSet)
			want := official.Verdict(padded.secret, padded.headers, padded.body, padded.now)
			if overflows(r) {
				want = exactTolerance(r, want)
			}
			if ours != want {
				t.Fatalf("unpadded secret: ours %s, official on the padded secret %s", ours, want)
			}
		case overflows(r):
			if want := exactTolerance(r, theirs); ours != want {
				t.Fatalf("extreme timestamp %d: ours %s, exact %s (official %s)", r.ts, ours, want, theirs)
			}
		default:
			if ours != theirs {
				t.Fatalf("ours %s, official %s\nsecret %q\nheaders %q\nbody %q\nnow %d", ours, theirs, r.secret, r.headers, r.body, r.now.Unix())
			}
		}
	})
}

// overflows reports whether the official library's tolerance check computes
// with a time.Time that overflowed: time.Unix(ts, 0) wraps when ts is
// beyond the range time.Time holds (about ±292 billion years).
func overflows(r request) bool {
	if !r.tsOK {
		return false
	}
	const unixToInternal = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
	return r.ts > (1<<63-1)-unixToInternal || r.ts < -(1<<63)+unixToInternal
}

// exactTolerance is the verdict with the tolerance computed in exact
// arithmetic, where verdict is the official one: the header and timestamp
// checks come first, as there.
func exactTolerance(r request, verdict string) string {
	if verdict == official.MissingHeaders || verdict == official.InvalidHeaders || verdict == official.InvalidSecret {
		return verdict
	}
	diff := new(big.Int).Sub(big.NewInt(r.now.Unix()), big.NewInt(r.ts))
	switch {
	case diff.Cmp(big.NewInt(300)) > 0:
		return official.TooOld
	case diff.Cmp(big.NewInt(-300)) < 0:
		return official.TooNew
	}
	return verdict
}

// addVectorSeeds seeds a target with the cases of conformance/vectors.json.
func addVectorSeeds(f *testing.F) {
	data, err := os.ReadFile("../conformance/vectors.json")
	if err != nil {
		f.Fatal(err)
	}
	var corpus struct {
		Cases []struct {
			Secret  string            `json:"secret"`
			Headers map[string]string `json:"headers"`
			Body    string            `json:"body_b64"`
			NowMs   int64             `json:"now_ms"`
		}
	}
	if err := json.Unmarshal(data, &corpus); err != nil {
		f.Fatal(err)
	}
	for i, c := range corpus.Cases {
		if i%7 != 0 { // a seventh of the corpus: every kind, fewer large bodies
			continue
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.Secret, "whsec_"))
		if err != nil || len(key) == 0 {
			key = []byte("0123456789abcdefghijklmn")
		}
		body, _ := base64.StdEncoding.DecodeString(c.Body)
		id, ts, sig := c.Headers["svix-id"], c.Headers["svix-timestamp"], c.Headers["svix-signature"]
		var set uint8
		if id == "" && ts == "" {
			id, ts, sig, set = c.Headers["webhook-id"], c.Headers["webhook-timestamp"], c.Headers["webhook-signature"], 1
		}
		offset := int64(0)
		if n, ok := parseTS(ts); ok {
			offset = c.NowMs/1000 - n
		}
		f.Add(key, uint8(0), id, ts, sig, body, offset, uint8(0), set)
		f.Add(key, uint8(i), id, ts, "v1,x v2,y", body, offset, uint8(i%4), uint8(i))
	}
}
