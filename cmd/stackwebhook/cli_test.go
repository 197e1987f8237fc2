package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The CLI as a newcomer uses it: each test runs it with the arguments a user
// would type, on a message signed by the official library, and reads what it
// prints.

func writeFile(t *testing.T, name, content string) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func rawRequest(e officialEvent, contentLength string, body string) string {
	h := "POST /webhooks/stack HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\n"
	if contentLength != "" {
		h += "Content-Length: " + contentLength + "\r\n"
	}
	return h + fmt.Sprintf("svix-id: %s\r\nsvix-timestamp: %s\r\nsvix-signature: %s\r\n\r\n%s", e.id, e.ts, e.sig, body)
}

func TestSavedRequestContentLength(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	now := fmt.Sprint(e.nowSec)
	verify := func(raw string) result {
		return cmd("", nil, "verify", "-secret", e.secret, "-request", writeFile(t, "saved.http", raw), "-now", now)
	}

	// Pasted by hand, without Content-Length: the whole rest is the body.
	r := verify(rawRequest(e, "", e.body))
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, fmt.Sprintf("no Content-Length header: the body is all %d bytes", len(e.body)))
	assert.Contains(t, r.stdout, fmt.Sprintf("%d body bytes", len(e.body)))

	// A Content-Length shorter than the body: checked as declared, and the
	// other reading is found and named.
	r = verify(rawRequest(e, fmt.Sprint(len(e.body)-10), e.body))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, fmt.Sprintf("Content-Length says %d bytes but %d follow the headers", len(e.body)-10, len(e.body)))
	assert.Contains(t, r.stderr, fmt.Sprintf("over %d body bytes", len(e.body)-10))
	assert.Contains(t, r.stderr, fmt.Sprintf("the body verifies as all %d bytes after the empty line", len(e.body)))
	assert.Contains(t, r.stderr, "Content-Length header is wrong")

	// Longer than the body: the bytes that are there, said so.
	r = verify(rawRequest(e, fmt.Sprint(len(e.body)+5), e.body))
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, fmt.Sprintf("but only %d follow", len(e.body)))

	// -request with the flags it replaces is refused, not silently preferred.
	file := writeFile(t, "saved.http", rawRequest(e, "", e.body))
	for _, extra := range [][]string{{"-id", "msg_x"}, {"-body", "/nonexistent"}, {"body.json"}} {
		r = cmd("", nil, append([]string{"verify", "-secret", e.secret, "-request", file}, extra...)...)
		assert.Equal(t, 2, r.code, "%v", extra)
		assert.Contains(t, r.stderr, "cannot be combined", "%v", extra)
	}
}

func TestBodyFileAsArgument(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	file := writeFile(t, "body.json", e.body)
	r := cmd("", nil, e.args(file)...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "verified: team.created")

	r = cmd("", nil, "sign", "-secret", e.secret, "-id", e.id, "-timestamp", e.ts, file)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "svix-signature: "+e.sig, "the official library's signature")

	r = cmd("", nil, e.args("-body", file, file)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "give the body once")
	r = cmd("", nil, e.args(file, file)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "one body file at most")
}

func TestKeyMistakesNamed(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a secret as -public-key", []string{"verify", "-public-key", e.secret, "-id", e.id, "-timestamp", e.ts, "-signature", e.sig},
			"this is a secret (whsec_): pass it with -secret"},
		{"a quoted secret", []string{"verify", "-secret", `"` + e.secret + `"`, "-id", e.id, "-timestamp", e.ts, "-signature", e.sig},
			"in quotes, as in a .env file"},
		{"a public key to sign with", []string{"sign", "-secret", "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="},
			"it can only verify; sign needs the endpoint's secret"},
		{"a small-order public key", []string{"verify", "-public-key", "whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "-id", e.id, "-timestamp", e.ts, "-signature", e.sig},
			"small order"},
	} {
		r := cmd(e.body, nil, tc.args...)
		assert.NotEqual(t, 0, r.code, tc.name)
		assert.Contains(t, r.stderr, tc.want, tc.name)
		assert.NotContains(t, r.stderr, "no secret given", tc.name)
		assert.NotContains(t, r.stderr, "- or _", tc.name)
		assert.NotContains(t, r.stderr, "-public-key flag", tc.name)
		assert.NotContains(t, r.stderr, "stackwebhook: stackwebhook:", tc.name)
	}

	// A public key that does not match: the fingerprint is the public key's.
	const pub = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
	r := cmd(e.body, nil, "verify", "-public-key", pub, "-id", e.id, "-timestamp", e.ts, "-signature", "v1a,"+strings.Repeat("A", 86)+"==", "-now", fmt.Sprint(e.nowSec))
	assert.Equal(t, 1, r.code)
	fp := cmd("", nil, "fingerprint", "-public-key", pub)
	require.Equal(t, 0, fp.code, fp.stderr)
	assert.Contains(t, r.stderr, "fingerprint is "+strings.TrimSpace(fp.stdout))
}

// One key, one fingerprint however it is written; the fingerprint command
// prints the one verify's explanation gives.
func TestFingerprintOfTheDecodedKey(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	const key = "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0="
	prints := map[string]bool{}
	for _, spelling := range []string{key, strings.TrimPrefix(key, "whsec_"), strings.TrimSuffix(key, "=")} {
		r := cmd("", nil, "fingerprint", "-secret", spelling)
		require.Equal(t, 0, r.code, r.stderr)
		prints[r.stdout] = true
	}
	require.Len(t, prints, 1)
	var fp string
	for p := range prints {
		fp = strings.TrimSpace(p)
	}
	assert.Regexp(t, `^sha256:[0-9a-f]{8}$`, fp)
	assert.NotEqual(t, fp, strings.TrimSpace(cmd("", nil, "fingerprint", "-secret", e.secret).stdout))
	env := cmd("", map[string]string{"STACK_WEBHOOK_SECRET": key}, "fingerprint")
	assert.Equal(t, fp, strings.TrimSpace(env.stdout), "from the environment")

	r := cmd(e.body, nil, e.args("-secret", strings.TrimPrefix(key, "whsec_"))...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "fingerprint is "+fp)
	assert.Equal(t, 2, cmd("", nil, "fingerprint", "-secret", "whsec_").code)
}

func TestEveryFailingCheckReported(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	late := fmt.Sprint(mustInt(t, e.ts) + 600)
	r := cmd(e.body, nil, e.args("-now", late, "-secret", "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "check failed: the tolerance")
	assert.Contains(t, r.stderr, "signed 10m0s before this clock")
	assert.Contains(t, r.stderr, "check failed: the signature")
	assert.Contains(t, r.stderr, "not this endpoint's")

	r = cmd(e.body, nil, e.args("-now", late)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "the signature itself is valid: only the clock check failed")
	assert.NotContains(t, r.stderr, "check failed: the signature")
}

func TestTimestampMistakesInWords(t *testing.T) {
	e := loadOfficialEvent(t, "event_team.created")
	r := cmd(e.body, nil, e.args("-timestamp", e.ts+".123")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "it has a fraction")
	assert.NotContains(t, r.stderr, "altered on the way")

	r = cmd(e.body, nil, e.args("-timestamp", e.ts+"462")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "in milliseconds")
	assert.Regexp(t, `claims to be signed about [0-9]{2},[0-9]{3} years after this clock`, r.stderr)
	assert.NotRegexp(t, `[0-9]{8,}s after`, r.stderr)
}

func TestConventions(t *testing.T) {
	for _, command := range []string{"verify", "sign", "decode", "fingerprint"} {
		r := cmd("", nil, command, "-h")
		assert.Equal(t, 0, r.code, command)
		assert.Contains(t, r.stderr, "Usage: stackwebhook "+command, command)
		h := cmd("", nil, "help", command)
		assert.Equal(t, 0, h.code, command)
		assert.Contains(t, h.stdout, "Usage: stackwebhook "+command, "help %s prints that command's usage", command)
		assert.Contains(t, h.stdout, "\n  -", "help %s lists its flags", command)
	}
	v := cmd("", nil, "version")
	assert.Equal(t, 0, v.code)
	assert.True(t, strings.HasPrefix(v.stdout, "stackwebhook "), v.stdout)
	bad := cmd("", nil, "sign", "-secret", "whsec_")
	assert.Equal(t, 2, bad.code)
	assert.True(t, strings.HasPrefix(bad.stderr, "stackwebhook: invalid secret: "), bad.stderr)
	assert.NotContains(t, bad.stderr, "stackwebhook: stackwebhook:")
	assert.Equal(t, 2, cmd("", nil, "verify", "-bogus").code)
}
