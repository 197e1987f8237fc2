package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type result struct {
	code           int
	stdout, stderr string
}

func cmd(stdin string, env map[string]string, args ...string) result {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return result{code, out.String(), errOut.String()}
}

// officialEvent is an event case of conformance/vectors.json: signed by the
// official svix Go library.
type officialEvent struct {
	secret, id, ts, sig, body string
	nowSec                    int64
}

func loadOfficialEvent(t *testing.T, kind string) officialEvent {
	data, err := os.ReadFile("../../conformance/vectors.json")
	require.NoError(t, err)
	var corpus struct {
		Cases []struct {
			Kind, Secret string
			Headers      map[string]string
			Body         string `json:"body_b64"`
			NowMs        int64  `json:"now_ms"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &corpus))
	for _, c := range corpus.Cases {
		if c.Kind == kind {
			body, err := base64.StdEncoding.DecodeString(c.Body)
			require.NoError(t, err)
			return officialEvent{c.Secret, c.Headers["svix-id"], c.Headers["svix-timestamp"], c.Headers["svix-signature"], string(body), c.NowMs / 1000}
		}
	}
	t.Fatalf("no case %s", kind)
	return officialEvent{}
}

func (e officialEvent) args(extra ...string) []string {
	return append([]string{"verify", "-secret", e.secret, "-id", e.id, "-timestamp", e.ts, "-signature", e.sig, "-now", fmt.Sprint(e.nowSec)}, extra...)
}

func TestSample(t *testing.T) {
	r := cmd("", nil)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "verified")
	assert.Contains(t, r.stdout, "user.deleted")
}

func TestVerifyOfficialEvent(t *testing.T) {
	e := loadOfficialEvent(t, "event_user.updated-oauth-and-team")
	r := cmd(e.body, nil, e.args()...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, fmt.Sprintf("verified: user.updated (svix-id %s, %d body bytes)\n", e.id, len(e.body)), r.stdout)

	// The secret from the environment, the body from a file.
	file := filepath.Join(t.TempDir(), "body.json")
	require.NoError(t, os.WriteFile(file, []byte(e.body), 0o600))
	args := []string{"verify", "-id", e.id, "-timestamp", e.ts, "-signature", e.sig, "-now", fmt.Sprint(e.nowSec), "-body", file}
	r = cmd("", map[string]string{"STACK_WEBHOOK_SECRET": e.secret}, args...)
	assert.Equal(t, 0, r.code, r.stderr)
}

func TestVerifySavedRequest(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	raw := fmt.Sprintf("POST /webhooks/stack HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: %d\r\nsvix-id: %s\r\nsvix-timestamp: %s\r\nsvix-signature: %s\r\n\r\n%s",
		len(e.body), e.id, e.ts, e.sig, e.body)
	file := filepath.Join(t.TempDir(), "request.http")
	require.NoError(t, os.WriteFile(file, []byte(raw), 0o600))
	r := cmd("", nil, "verify", "-secret", e.secret, "-request", file, "-now", fmt.Sprint(e.nowSec))
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "verified: team.created")

	// A saved request checked now, long after: the tolerance, and how to check it anyway.
	ts, err := strconv.ParseInt(e.ts, 10, 64)
	require.NoError(t, err)
	r = cmd("", nil, "verify", "-secret", e.secret, "-request", file, "-now", fmt.Sprint(ts+3600))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "signed 1h0m0s before this clock")
	assert.Contains(t, r.stderr, "-now "+e.ts)
}

func TestExplanations(t *testing.T) {
	e := loadOfficialEvent(t, "event_team_membership.created")
	compact := loadOfficialEvent(t, "example_event") // signed as compact JSON
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, []byte(compact.body), "", "  "))

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"trailing newline added", e.body + "\n", e.args(), []string{"check failed: the signature", "without its trailing line break"}},
		{"JSON re-indented", indented.String(), compact.args(), []string{"as compact JSON", "re-indented"}},
		{"wrong secret", e.body, append(e.args(), "-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), []string{"not this endpoint's", "fingerprint is sha256:"}},
		{"clock behind", e.body, append(e.args(), "-now", fmt.Sprint(mustInt(t, e.ts)-1000)), []string{"after this clock", "behind by about 16m40s"}},
		{"far future", e.body, append(e.args(), "-timestamp", "9223372036854775807"), []string{"after this clock", "behind by about"}},
		{"far past", e.body, append(e.args(), "-timestamp", "-9223372036854775808"), []string{"before this clock", "ahead by about"}},
		{"no signature header", e.body, []string{"verify", "-secret", e.secret, "-id", e.id, "-timestamp", e.ts}, []string{"svix-signature     missing", "proxy"}},
		{"milliseconds", e.body, append(e.args(), "-timestamp", e.ts+"000"), []string{"milliseconds"}},
		{"secret with a line break", e.body, append(e.args(), "-secret", e.secret[:10]+"\n"+e.secret[10:]), []string{"white space"}},
		{"public key as secret", e.body, append(e.args(), "-secret", "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="), []string{"-public-key"}},
		{"no secret", e.body, []string{"verify", "-id", e.id}, []string{"STACK_WEBHOOK_SECRET"}},
		{"only v1a entries", e.body, append(e.args(), "-signature", "v1a,AAAA"), []string{"no v1 (HMAC) entry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cmd(tc.stdin, nil, tc.args...)
			assert.Equal(t, 1, r.code, r.stdout)
			for _, w := range tc.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stderr, strings.TrimPrefix(e.secret, "whsec_"), "never print the secret")
		})
	}
}

func mustInt(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func TestSignThenVerify(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := `{"type":"team.deleted","data":{"id":"t1"}}`
	r := cmd(body, nil, "sign", "-secret", secret, "-id", "msg_cli", "-timestamp", "1700000000")
	require.Equal(t, 0, r.code, r.stderr)
	headers := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		require.True(t, ok, line)
		headers[k] = v
	}
	assert.Equal(t, "msg_cli", headers["svix-id"])
	v := cmd(body, nil, "verify", "-secret", secret, "-id", headers["svix-id"], "-timestamp", headers["svix-timestamp"],
		"-signature", headers["svix-signature"], "-now", "1700000000")
	assert.Equal(t, 0, v.code, v.stderr)

	c := cmd(body, nil, "sign", "-secret", secret, "-curl", "http://localhost:8080/hook")
	assert.Equal(t, 0, c.code)
	assert.Contains(t, c.stdout, "curl -sS -X POST 'http://localhost:8080/hook'")
	assert.Contains(t, c.stdout, "-H 'svix-signature: v1,")

	bad := cmd(body, nil, "sign", "-secret", "whsec_")
	assert.Equal(t, 2, bad.code)
}

func TestDecode(t *testing.T) {
	r := cmd(`{"type":"team_membership.created","data":{"team_id":"t","user_id":"u"}}`, nil, "decode")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.JSONEq(t, `{"type":"team_membership.created","data":{"team_id":"t","user_id":"u"}}`, r.stdout)
	assert.Contains(t, r.stderr, "*stackwebhook.TeamMembershipCreated")

	// As the receiver decodes by default: what it can, and where the body
	// departs, on standard error.
	r = cmd(`{"type":"team.deleted","data":{}}`, nil, "decode")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "departure: data.id: missing")
	r = cmd(`{"type":"team.deleted","data":{"id":"t","reason":"merged"}}`, nil, "decode")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "*stackwebhook.TeamDeleted")
	assert.Contains(t, r.stderr, "departure: data.reason: unexpected key")
	r = cmd(`{"type":"session.created","data":{"id":"s"}}`, nil, "decode")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "a type this release does not know")
	r = cmd(`{"type":"issue.created","data":{"id":"i"}}`, nil, "decode")
	assert.Contains(t, r.stderr, "*stackwebhook.IssueCreated")
	assert.NotContains(t, r.stderr, "does not know")
	// -strict refuses as ParseEvent does.
	r = cmd(`{"type":"team.deleted","data":{}}`, nil, "decode", "-strict")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "data.id: missing")
}

func TestUsage(t *testing.T) {
	assert.Equal(t, 2, cmd("", nil, "frobnicate").code)
	assert.Equal(t, 0, cmd("", nil, "help").code)
	assert.Equal(t, 2, cmd("", nil, "verify", "-now", "yesterday").code)
	assert.Equal(t, 2, cmd("", nil, "verify", "-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "-request", "/nonexistent").code)
}

// noControls fails if out holds a control character other than a line break
// or a tab, or a C1 control (U+0080 to U+009F).
func noControls(t *testing.T, out string) {
	t.Helper()
	for _, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			t.Errorf("output holds the control character %U: %q", r, out)
			return
		}
	}
}

// A sender-chosen event type with terminal escape sequences (retitle the
// window, clear the screen, a line break and a fake verdict) is never
// printed raw, by decode (unverified) or verify (verified).
func TestNoControlCharactersPrinted(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := `{"type":"x\u001b]0;owned\u0007\u001b[2J\nverified: user.created","data":{"k":"\u009b31m\u007f"}}`
	r := cmd(body, nil, "decode")
	assert.Equal(t, 0, r.code, r.stderr)
	noControls(t, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, `"x\x1b]0;owned\a\x1b[2J\nverified: user.created"`, "the type is quoted")
	var decoded struct{ Type string }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &decoded), "the output is still JSON")
	assert.Equal(t, "x\x1b]0;owned\a\x1b[2J\nverified: user.created", decoded.Type, "of the same value")

	s := cmd(body, nil, "sign", "-secret", secret, "-id", "msg_\x1b[2J", "-timestamp", "1700000000")
	require.Equal(t, 0, s.code, s.stderr)
	sig := s.stdout[strings.Index(s.stdout, "v1,"):]
	v := cmd(body, nil, "verify", "-secret", secret, "-id", "msg_\x1b[2J", "-timestamp", "1700000000",
		"-signature", strings.TrimSpace(sig), "-now", "1700000000")
	assert.Equal(t, 0, v.code, v.stderr)
	noControls(t, v.stdout+v.stderr)
	assert.Contains(t, v.stdout, `verified: "x\x1b]0;owned`)
}

// Every input is read through a limit: -body, standard input and -request.
func TestInputsAreBounded(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	huge := "/dev/zero" // endless
	if _, err := os.Stat(huge); err != nil {
		// Not in this sandbox (TinyGo's wasip1 runner): a file just over the default limit.
		huge = filepath.Join(t.TempDir(), "huge")
		require.NoError(t, os.WriteFile(huge, make([]byte, 2<<20+1), 0o600))
	}
	for _, args := range [][]string{
		{"decode", huge},
		{"decode", "-max-body", "10", "-"},
		{"verify", "-secret", e.secret, "-body", huge},
		{"verify", "-secret", e.secret, "-request", huge},
		{"sign", "-secret", e.secret, "-body", huge},
	} {
		r := cmd(strings.Repeat("x", 11), nil, args...)
		assert.Equal(t, 2, r.code, "%v", args)
		assert.Contains(t, r.stderr, "over the limit", "%v", args)
	}
	// The official event within a raised or the default limit still verifies.
	assert.Equal(t, 0, cmd(e.body, nil, e.args("-max-body", fmt.Sprint(len(e.body)))...).code)
	r := cmd(e.body, nil, e.args("-max-body", fmt.Sprint(len(e.body)-1))...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "-max-body raises it")
}

// sign -curl writes a body from standard input into the command only when a
// terminal shows it as it is: a carriage return, a C1 control or a
// bidirectional override would make the command on the screen differ from
// the one that runs, so such a body is refused with a request for a file,
// and so are such characters in the URL or the id.
func TestSignCurlPrintsNothingNonPrintable(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	for _, body := range []string{
		"{\"a\":\"x\r\"}",           // carriage return
		"{\"a\":\"\u0085\"}",        // C1 next line
		"{\"a\":\"\u202egnp.exe\"}", // right-to-left override
		"{\"a\":\"\u2066x\u2069\"}", // isolates
		"{\"a\":\"\x1b[2J\"}",       // escape sequence
		"{\"a\":\"\xff\"}",          // not UTF-8
	} {
		r := cmd(body, nil, "sign", "-secret", secret, "-curl", "http://localhost:1/hook")
		assert.Equal(t, 2, r.code, "%q", body)
		assert.Contains(t, r.stderr, "give it as a file", "%q", body)
		assert.Empty(t, r.stdout, "%q", body)
		assert.True(t, shownAsIs(r.stderr, "\n"), "%q", r.stderr)
	}
	for _, args := range [][]string{
		{"-curl", "http://localhost:1/\u202ekooh"},
		{"-curl", "http://localhost:1/hook", "-id", "msg_\u0085"},
	} {
		r := cmd("{}", nil, append([]string{"sign", "-secret", secret}, args...)...)
		assert.Equal(t, 2, r.code, "%q", args)
		assert.Contains(t, r.stderr, "not printable", "%q", args)
		assert.True(t, shownAsIs(r.stderr, "\n"), "%q", r.stderr)
	}
	// Text with line breaks and tabs still goes into the command.
	r := cmd("{\n\t\"a\": \"Zoë 山田\"\n}", nil, "sign", "-secret", secret, "-curl", "http://localhost:1/hook")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Zoë 山田")
}
