// Command generate writes conformance/vectors.json: signature cases whose
// signatures and verdicts come from the official svix Go library v1.44.0
// (never from stackwebhook). verdicts.mjs then adds the official JavaScript
// library's verdict (npm svix 2.5.0) to every case. Run ./regenerate.sh.
//
// Each case names which official verdict stackwebhook's rule follows
// ("follow"): "go" everywhere except the rows where
// ../../../shared/reference/svix-scheme.md takes another rule, where the JS
// library's verdict is the one our rule gives ("js"). Where neither official
// library gives the rule's verdict (white space in a secret, which each
// library reads leniently in its own way), "follow" is "rule" and "rule"
// holds the verdict the reference's table prescribes.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stackwebhook/stackwebhook/fuzz/official"
)

type vectorCase struct {
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Category string            `json:"category"`
	Secret   string            `json:"secret"`
	Headers  map[string]string `json:"headers"`
	Body     string            `json:"body_b64"`
	NowMs    int64             `json:"now_ms"`
	Follow   string            `json:"follow"`
	Rule     string            `json:"rule,omitempty"`
	Go       string            `json:"go"`
	JS       string            `json:"js,omitempty"`
}

// categoryOf groups the kinds by the rule they exercise, as AUDIT.md numbers
// the rules (the conformance matrix has a row for each).
func categoryOf(kind string) string {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(kind, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("fallback_", "mixed_sets", "missing_", "empty_id", "empty_timestamp", "empty_signature", "no_headers", "header_names_"):
		return "R1 header sets"
	case has("tolerance", "timestamp_extreme", "timestamp_milliseconds"):
		return "R3 tolerance"
	case has("timestamp_"):
		return "R2 timestamp syntax"
	case has("entries_", "entry_", "signature_many_entries"):
		return "R5 entries"
	case has("version_"):
		return "R6 versions"
	case has("signature_"):
		return "R7 canonical encoding"
	case has("flipped_signature_bit"):
		return "R8 comparison"
	case has("secret_"):
		return "R9 keys"
	}
	return "R4 signed content"
}

// formatVersion names the layout of vectors.json (conformance/CONFORMANCE.md);
// it changes when a field changes meaning, so that a conformance runner can
// refuse a corpus it does not understand.
const formatVersion = "stackwebhook-vectors/1"

type corpus struct {
	Format string `json:"format"`
	Source string `json:"source"`
	// Verdicts names the library behind each verdict field of a case:
	// "go" here, the others as goverdicts.mjs and verdicts.mjs add them.
	Verdicts map[string]string `json:"verdicts"`
	Seed     uint64            `json:"seed"`
	Cases    []vectorCase      `json:"cases"`
}

var rng *rand.Rand

func main() {
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "../../conformance/vectors.json", "output file")
	flag.Parse()
	rng = rand.New(rand.NewPCG(*seed, *seed^0x5eed))

	var cases []vectorCase
	add := func(c vectorCase) {
		if c.Follow == "" {
			c.Follow = "go"
		}
		c.Name = fmt.Sprintf("%04d_%s", len(cases), c.Kind)
		c.Category = categoryOf(c.Kind)
		if body, _ := base64.StdEncoding.DecodeString(c.Body); c.Follow == "js" && !utf8.Valid(body) {
			panic(c.Name + ": a case that follows JS needs a UTF-8 body")
		}
		c.Go = goVerdict(c)
		cases = append(cases, c)
	}
	genValid(add)
	genTampered(add)
	genTolerance(add)
	genEntries(add)
	genTimestamps(add)
	genHeaders(add)
	genSecrets(add)
	genEvents(add)
	genExample(add)

	data, err := json.MarshalIndent(corpus{
		Format:   formatVersion,
		Source:   "signatures and the go verdict: github.com/svix/svix-webhooks v1.44.0 (Go); go_v1_99_1: the same library at v1.99.1; js verdict: npm svix 2.5.0 with standardwebhooks 1.1.1 (the lock of testdata/generate); js_sw1_3_0: npm svix 2.5.0 with standardwebhooks 1.3.0 (testdata/generate/sw130)",
		Verdicts: map[string]string{"go": "svix Go v1.44.0"},
		Seed:     *seed,
		Cases:    cases,
	}, "", " ")
	check(err)
	check(os.WriteFile(*out, append(data, '\n'), 0o644))
	fmt.Fprintf(os.Stderr, "wrote %d cases to %s\n", len(cases), *out)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// goVerdict is the official Go library's verdict at the case's clock: see
// package official for how its wall-clock tolerance rule is applied.
func goVerdict(c vectorCase) string {
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	body, err := base64.StdEncoding.DecodeString(c.Body)
	check(err)
	return official.Verdict(c.Secret, h, body, time.UnixMilli(c.NowMs))
}

// --- building blocks ---

func randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return b
}

func randKey() []byte { return randBytes(24 + rng.IntN(41)) } // 24..64 bytes

func secretOf(key []byte) string { return "whsec_" + base64.StdEncoding.EncodeToString(key) }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randID() string {
	var b strings.Builder
	b.WriteString("msg_")
	for range 27 {
		b.WriteByte(alnum[rng.IntN(len(alnum))])
	}
	return b.String()
}

func randNow() int64 { return (1_600_000_000 + rng.Int64N(300_000_000)) * 1000 }

// sign is the official Go library's v1 signature of body.
func sign(key []byte, id string, ts int64, body []byte) string {
	return official.Sign(key, id, ts, body)
}

func randBody() []byte {
	switch rng.IntN(8) {
	case 0:
		return []byte{}
	case 1: // unicode text
		return []byte(`{"type":"user.updated","data":{"display_name":"Zoë Ångström 山田 🚀","id":"` + randID() + `"}}`)
	case 2: // binary, not UTF-8
		b := randBytes(1 + rng.IntN(512))
		b[0] = 0xff
		return b
	case 3: // large
		n := 4<<10 + rng.IntN(12<<10)
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		return b
	case 4: // white space and line ends a framework might normalise
		return []byte("{\n  \"type\": \"team.created\",\r\n  \"data\": {\"id\": \"" + randID() + "\"}  \n}\n")
	default:
		return []byte(`{"type":"user.created","data":{"id":"` + randID() + `","primary_email":null,"signed_up_at_millis":` +
			strconv.FormatInt(rng.Int64N(1<<42), 10) + `}}`)
	}
}

type message struct {
	key  []byte
	id   string
	ts   int64
	now  int64 // ms
	body []byte
	sig  string // "v1,..."
}

func randMessage() message {
	m := message{key: randKey(), id: randID(), now: randNow(), body: randBody()}
	m.ts = m.now/1000 + int64(rng.IntN(601)) - 300
	m.sig = sign(m.key, m.id, m.ts, m.body)
	return m
}

// randTextMessage is randMessage with a UTF-8 body: the JavaScript library
// turns bodies into strings, so a case whose expected verdict is the JS one
// must not hinge on that.
func randTextMessage() message {
	for {
		if m := randMessage(); utf8.Valid(m.body) {
			return m
		}
	}
}

func svixHeaders(id, ts, sig string) map[string]string {
	return map[string]string{"svix-id": id, "svix-timestamp": ts, "svix-signature": sig}
}

func webhookHeaders(id, ts, sig string) map[string]string {
	return map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig}
}

func (m message) caseWith(kind string, headers map[string]string) vectorCase {
	return vectorCase{Kind: kind, Secret: secretOf(m.key), Headers: headers,
		Body: base64.StdEncoding.EncodeToString(m.body), NowMs: m.now}
}

func (m message) tsText() string { return strconv.FormatInt(m.ts, 10) }

func otherSig() string { return sign(randKey(), randID(), 1, []byte("x")) }

// --- the cases ---

func genValid(add func(vectorCase)) {
	for i := range 360 {
		m := randMessage()
		sig := m.sig
		if i%3 == 1 { // a rotation list: the good entry among others
			entries := []string{otherSig(), otherSig()}
			if rng.IntN(2) == 0 {
				entries = append(entries, otherSig())
			}
			pos := rng.IntN(len(entries) + 1)
			entries = append(entries[:pos], append([]string{m.sig}, entries[pos:]...)...)
			sig = strings.Join(entries, " ")
		}
		headers := svixHeaders(m.id, m.tsText(), sig)
		if i%4 == 3 {
			headers = webhookHeaders(m.id, m.tsText(), sig)
		}
		add(m.caseWith("valid", headers))
	}
	// the largest body: 256 KiB
	m := randMessage()
	m.body = randBytes(256 << 10)
	m.sig = sign(m.key, m.id, m.ts, m.body)
	add(m.caseWith("valid", svixHeaders(m.id, m.tsText(), m.sig)))
}

func genTampered(add func(vectorCase)) {
	for range 40 {
		m := randMessage()
		wrong := randMessage()
		c := m.caseWith("wrong_key", svixHeaders(m.id, m.tsText(), m.sig))
		c.Secret = secretOf(wrong.key)
		add(c)
	}
	for range 40 { // one bit of the signature flipped
		m := randMessage()
		raw, _ := base64.StdEncoding.DecodeString(m.sig[3:])
		raw[rng.IntN(len(raw))] ^= 1 << rng.IntN(8)
		add(m.caseWith("flipped_signature_bit", svixHeaders(m.id, m.tsText(), "v1,"+base64.StdEncoding.EncodeToString(raw))))
	}
	for range 40 {
		m := randMessage()
		id := []byte(m.id)
		id[4+rng.IntN(len(id)-4)] ^= 1
		add(m.caseWith("tampered_id", svixHeaders(string(id), m.tsText(), m.sig)))
	}
	for range 40 {
		m := randMessage()
		add(m.caseWith("tampered_timestamp", svixHeaders(m.id, strconv.FormatInt(m.ts+int64(1+rng.IntN(100)), 10), m.sig)))
	}
	for range 60 {
		m := randMessage()
		body := append([]byte(nil), m.body...)
		switch {
		case len(body) == 0:
			body = []byte(" ")
		case rng.IntN(3) == 0: // a framework re-serialised it: trailing newline
			body = append(body, '\n')
		default:
			body[rng.IntN(len(body))] ^= 1 << rng.IntN(8)
		}
		c := m.caseWith("tampered_body", svixHeaders(m.id, m.tsText(), m.sig))
		c.Body = base64.StdEncoding.EncodeToString(body)
		add(c)
	}
}

func genTolerance(add func(vectorCase)) {
	offsets := []int64{-100000, -302, -301, -300, -299, -298, 0, 298, 299, 300, 301, 302, 100000}
	for _, off := range offsets {
		for _, sub := range []int64{0, 0, 1, 500, 999} { // the clock's milliseconds
			m := randTextMessage()
			m.now = m.now - m.now%1000 + sub
			m.ts = m.now/1000 - off // positive off: the message is off seconds old
			m.sig = sign(m.key, m.id, m.ts, m.body)
			c := m.caseWith("tolerance", svixHeaders(m.id, m.tsText(), m.sig))
			if sub != 0 {
				// Go compares now-ts at nanosecond precision for "too old";
				// the rule here reads the clock to the whole second, as JS.
				c.Follow = "js"
				c.Kind = "tolerance_fractional_clock"
			}
			add(c)
		}
	}
	for _, ts := range []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 0, -1} {
		m := randTextMessage()
		m.ts = ts
		m.sig = sign(m.key, m.id, m.ts, m.body)
		c := m.caseWith("timestamp_extreme", svixHeaders(m.id, m.tsText(), m.sig))
		if ts == math.MaxInt64 || ts == math.MaxInt64-1 {
			// Go's time arithmetic overflows and calls these "too old";
			// the rule here has no overflow: they are too new, as JS says.
			c.Follow = "js"
		}
		add(c)
	}
}

func genEntries(add func(vectorCase)) {
	type variant struct {
		kind   string
		header func(m message) string
	}
	sigOnly := func(m message) string { return m.sig[3:] }
	variants := []variant{
		{"version_V1", func(m message) string { return "V1," + sigOnly(m) }},
		{"version_v2", func(m message) string { return "v2," + sigOnly(m) }},
		{"version_v1a", func(m message) string { return "v1a," + sigOnly(m) }},
		{"version_v1_space", func(m message) string { return "v1 ," + sigOnly(m) }},
		{"version_empty", func(m message) string { return "," + sigOnly(m) }},
		{"entry_no_comma", func(m message) string { return sigOnly(m) }},
		{"entry_empty_signature", func(m message) string { return "v1," }},
		{"entry_extra_field", func(m message) string { return m.sig + ",junk" }},
		{"entry_extra_comma", func(m message) string { return m.sig + "," }},
		{"entries_double_space", func(m message) string { return otherSig() + "  " + m.sig }},
		{"entries_leading_space", func(m message) string { return " " + m.sig }},
		{"entries_trailing_space", func(m message) string { return m.sig + " " }},
		{"entries_tab_separated", func(m message) string { return otherSig() + "\t" + m.sig }},
		{"entries_comma_separated", func(m message) string { return otherSig() + "," + m.sig }},
		{"signature_unpadded", func(m message) string { return strings.TrimRight(m.sig, "=") }},
		{"signature_extra_padding", func(m message) string { return m.sig + "=" }},
		{"signature_url_alphabet", func(m message) string {
			return strings.NewReplacer("+", "-", "/", "_").Replace(m.sig)
		}},
		{"signature_noncanonical_bits", func(m message) string {
			// same 32 bytes, different last base64 digit (padding bits set)
			s := []byte(m.sig)
			i := len(s) - 2
			idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", s[i])
			s[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[idx|1+rng.IntN(3)]
			return string(s)
		}},
		{"signature_with_newline", func(m message) string { return m.sig[:20] + "\n" + m.sig[20:] }},
		{"signature_truncated", func(m message) string { return m.sig[:len(m.sig)-5] }},
		{"signature_hex", func(m message) string {
			raw, _ := base64.StdEncoding.DecodeString(sigOnly(m))
			return fmt.Sprintf("v1,%x", raw)
		}},
		{"signature_lowercased", func(m message) string { return "v1," + strings.ToLower(sigOnly(m)) }},
		{"signature_many_entries", func(m message) string {
			entries := make([]string, 200)
			for i := range entries {
				entries[i] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			}
			entries[rng.IntN(len(entries))] = m.sig
			return strings.Join(entries, " ")
		}},
	}
	for _, v := range variants {
		for range 6 {
			m := randMessage()
			add(m.caseWith(v.kind, svixHeaders(m.id, m.tsText(), v.header(m))))
		}
	}
}

func genTimestamps(add func(vectorCase)) {
	type variant struct {
		kind   string
		header func(ts int64) string
	}
	variants := []variant{
		{"timestamp_plus_sign", func(ts int64) string { return "+" + strconv.FormatInt(ts, 10) }},
		{"timestamp_leading_zero", func(ts int64) string { return "0" + strconv.FormatInt(ts, 10) }},
		{"timestamp_leading_zeros", func(ts int64) string { return "0000" + strconv.FormatInt(ts, 10) }},
		{"timestamp_trailing_letters", func(ts int64) string { return strconv.FormatInt(ts, 10) + "abc" }},
		{"timestamp_leading_space", func(ts int64) string { return " " + strconv.FormatInt(ts, 10) }},
		{"timestamp_trailing_space", func(ts int64) string { return strconv.FormatInt(ts, 10) + " " }},
		{"timestamp_decimal", func(ts int64) string { return strconv.FormatInt(ts, 10) + ".0" }},
		{"timestamp_exponent", func(ts int64) string { return strconv.FormatFloat(float64(ts), 'e', -1, 64) }},
		{"timestamp_hex", func(ts int64) string { return "0x" + strconv.FormatInt(ts, 16) }},
		{"timestamp_underscore", func(ts int64) string {
			s := strconv.FormatInt(ts, 10)
			return s[:4] + "_" + s[4:]
		}},
		{"timestamp_milliseconds", func(ts int64) string { return strconv.FormatInt(ts*1000, 10) }},
		{"timestamp_letters", func(ts int64) string { return "now" }},
		{"timestamp_overflow", func(ts int64) string { return "99999999999999999999" }},
		{"timestamp_negative_zero", func(ts int64) string { return "-0" }},
		{"timestamp_iso8601", func(ts int64) string { return time.Unix(ts, 0).UTC().Format(time.RFC3339) }},
	}
	for _, v := range variants {
		for i := range 6 {
			m := randMessage()
			text := v.header(m.ts)
			// Half the cases are signed over the message's own integer, half
			// over the integer a lenient reader takes from the text, so that
			// only the reading of the text decides the verdict.
			if n, ok := leadingInt(text); ok && i%2 == 1 {
				m.sig = sign(m.key, m.id, n, m.body)
			}
			add(m.caseWith(v.kind, svixHeaders(m.id, text, m.sig)))
		}
	}
}

// leadingInt is the integer a lenient reader (JavaScript's parseInt) takes
// from the start of a timestamp text: optional space, sign and digits.
func leadingInt(text string) (int64, bool) {
	t := strings.TrimLeft(text, " ")
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	return n, err == nil
}

func genHeaders(add func(vectorCase)) {
	type variant struct {
		kind    string
		headers func(m message) map[string]string
	}
	ts := func(m message) string { return m.tsText() }
	variants := []variant{
		{"missing_id", func(m message) map[string]string {
			return map[string]string{"svix-timestamp": ts(m), "svix-signature": m.sig}
		}},
		{"missing_timestamp", func(m message) map[string]string {
			return map[string]string{"svix-id": m.id, "svix-signature": m.sig}
		}},
		{"missing_signature", func(m message) map[string]string {
			return map[string]string{"svix-id": m.id, "svix-timestamp": ts(m)}
		}},
		{"empty_id", func(m message) map[string]string { return svixHeaders("", ts(m), m.sig) }},
		{"empty_timestamp", func(m message) map[string]string { return svixHeaders(m.id, "", m.sig) }},
		{"empty_signature", func(m message) map[string]string { return svixHeaders(m.id, ts(m), "") }},
		{"no_headers", func(m message) map[string]string { return map[string]string{} }},
		{"mixed_sets", func(m message) map[string]string {
			return map[string]string{"svix-id": m.id, "webhook-timestamp": ts(m), "svix-signature": m.sig}
		}},
		{"mixed_sets_webhook_id", func(m message) map[string]string {
			return map[string]string{"webhook-id": m.id, "svix-timestamp": ts(m), "svix-signature": m.sig}
		}},
		{"fallback_partial_svix", func(m message) map[string]string {
			h := webhookHeaders(m.id, ts(m), m.sig)
			h["svix-id"] = m.id
			return h
		}},
		{"fallback_svix_wins", func(m message) map[string]string {
			h := svixHeaders(m.id, ts(m), m.sig)
			h["webhook-id"] = randID()
			h["webhook-timestamp"] = "junk"
			h["webhook-signature"] = otherSig()
			return h
		}},
		{"fallback_bad_svix_signature", func(m message) map[string]string {
			h := webhookHeaders(m.id, ts(m), m.sig)
			for k, v := range svixHeaders(m.id, ts(m), otherSig()) {
				h[k] = v
			}
			return h
		}},
		{"header_names_uppercase", func(m message) map[string]string {
			return map[string]string{"SVIX-ID": m.id, "SVIX-TIMESTAMP": ts(m), "SVIX-SIGNATURE": m.sig}
		}},
		{"header_names_canonical", func(m message) map[string]string {
			return map[string]string{"Svix-Id": m.id, "Svix-Timestamp": ts(m), "Svix-Signature": m.sig}
		}},
		{"unicode_id", func(m message) map[string]string {
			m.id = "msg_Ωmega_東京"
			return svixHeaders(m.id, ts(m), sign(m.key, m.id, m.ts, m.body))
		}},
		{"long_id", func(m message) map[string]string {
			m.id = "msg_" + strings.Repeat("x", 300)
			return svixHeaders(m.id, ts(m), sign(m.key, m.id, m.ts, m.body))
		}},
		{"id_with_dots", func(m message) map[string]string {
			m.id = "msg.a.b"
			return svixHeaders(m.id, ts(m), sign(m.key, m.id, m.ts, m.body))
		}},
	}
	for _, v := range variants {
		for range 6 {
			m := randMessage()
			add(m.caseWith(v.kind, v.headers(m)))
		}
	}
}

func genSecrets(add func(vectorCase)) {
	type variant struct {
		kind   string
		follow string
		secret func(key []byte) string
	}
	variants := []variant{
		{"secret_no_prefix", "go", func(k []byte) string { return base64.StdEncoding.EncodeToString(k) }},
		// Unpadded base64: Go refuses (padding required); the rule accepts, as JS.
		{"secret_unpadded", "js", func(k []byte) string { return "whsec_" + base64.RawStdEncoding.EncodeToString(k) }},
		// Go's decoder skips line breaks, JS's drops a trailing partial
		// quantum; the rule refuses white space whatever its place.
		{"secret_newline", "rule", func(k []byte) string {
			s := secretOf(k)
			return s[:12] + "\n" + s[12:]
		}},
		{"secret_trailing_newline", "rule", func(k []byte) string { return secretOf(k) + "\n" }},
		{"secret_crlf", "rule", func(k []byte) string {
			s := secretOf(k)
			return s[:10] + "\r\n" + s[10:]
		}},
		{"secret_space", "go", func(k []byte) string {
			s := secretOf(k)
			return s[:10] + " " + s[10:]
		}},
		{"secret_uppercase_prefix", "go", func(k []byte) string { return "WHSEC_" + base64.StdEncoding.EncodeToString(k) }},
		{"secret_url_alphabet", "go", func(k []byte) string {
			return "whsec_" + base64.URLEncoding.EncodeToString(append([]byte{0xfb, 0xff}, k...))
		}},
		// An empty key: Go v1.44.0 accepts it and anyone can sign; refused, as JS.
		{"secret_empty", "js", func(k []byte) string { return "" }},
		{"secret_prefix_only", "js", func(k []byte) string { return "whsec_" }},
		{"secret_public_key_prefix", "go", func(k []byte) string { return "whpk_" + base64.StdEncoding.EncodeToString(k) }},
	}
	for _, v := range variants {
		for range 6 {
			m := randTextMessage()
			c := m.caseWith(v.kind, nil)
			c.Secret = v.secret(m.key)
			// sign with the key the secret text stands for, where it has one
			if key, ok := keyOf(c.Secret); ok {
				m.sig = sign(key, m.id, m.ts, m.body)
			}
			c.Headers = svixHeaders(m.id, m.tsText(), m.sig)
			c.Follow = v.follow
			if v.follow == "rule" {
				c.Rule = "invalid_secret"
			}
			add(c)
		}
	}
}

// keyOf is what a lenient reader takes the secret to mean (prefix dropped,
// line breaks and padding ignored), so that signatures test the secret's
// reading rather than the key. An empty secret means the empty key: the
// message is then signed with it, as anyone could.
func keyOf(secret string) ([]byte, bool) {
	s := strings.TrimPrefix(secret, "whsec_")
	s = strings.NewReplacer("\n", "", "\r", "").Replace(strings.TrimRight(s, "="))
	k, err := base64.RawStdEncoding.DecodeString(s)
	return k, err == nil
}

// genEvents signs every payload of ../events/current, so that the event
// decoder's tests verify bodies signed by the official library.
func genEvents(add func(vectorCase)) {
	files, err := filepath.Glob("../events/current/*.json")
	check(err)
	if len(files) == 0 {
		check(fmt.Errorf("no payloads in ../events/current"))
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		check(err)
		m := randTextMessage()
		m.body = body
		m.sig = sign(m.key, m.id, m.ts, m.body)
		add(m.caseWith("event_"+strings.TrimSuffix(filepath.Base(f), ".json"), svixHeaders(m.id, m.tsText(), m.sig)))
	}
}

// genExample signs the fixed message of the package's runnable examples
// (example_test.go), with the secret of the official libraries' published
// vector, so that the examples verify a signature the official library made.
func genExample(add func(vectorCase)) {
	key, err := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	check(err)
	body := []byte(`{"type":"user.deleted","data":{"id":"3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e","teams":[{"id":"5f0c3a1e-8d2b-4c6f-9e7a-1b2c3d4e5f60"}]}}`)
	m := message{key: key, id: "msg_2pGmZ7xVtJ3c9QbWkR4nYd8sLfH", ts: 1764288000, now: 1764288000_000, body: body}
	m.sig = sign(m.key, m.id, m.ts, m.body)
	add(m.caseWith("example_event", svixHeaders(m.id, m.tsText(), m.sig)))
}
