package stackwebhook

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vectorCase is one case of conformance/vectors.json: its signatures and its
// "go" and "js" verdicts come from the official libraries (see
// testdata/generate), never from this package.
type vectorCase struct {
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Category string            `json:"category"`
	Secret   string            `json:"secret"`
	Headers  map[string]string `json:"headers"`
	Body     string            `json:"body_b64"`
	NowMs    int64             `json:"now_ms"`
	Follow   string            `json:"follow"`
	Rule     string            `json:"rule"`
	Go       string            `json:"go"`
	GoV1991  string            `json:"go_v1_99_1"`
	JS       string            `json:"js"`
	JSSW130  string            `json:"js_sw1_3_0"`
}

// verdict is the verdict of a corpus field: "go", "go_v1_99_1", "js" or
// "rule".
func (c vectorCase) verdict(field string) string {
	return map[string]string{"go": c.Go, "go_v1_99_1": c.GoV1991, "js": c.JS, "js_sw1_3_0": c.JSSW130, "rule": c.Rule}[field]
}

// want is the verdict this package's documented rule gives: the official
// library's the case names, or the reference table's rule where neither
// official library gives it (loadCorpus checks that follow names one).
func (c vectorCase) want() string { return c.verdict(c.Follow) }

func loadVectors(t testing.TB) []vectorCase { return loadCorpus(t).Cases }

type vectorCorpus struct {
	Verdicts map[string]string // field -> library, as "svix Go v1.44.0"
	Cases    []vectorCase
}

func loadCorpus(t testing.TB) vectorCorpus {
	data, err := os.ReadFile("conformance/vectors.json")
	require.NoError(t, err)
	var corpus vectorCorpus
	require.NoError(t, json.Unmarshal(data, &corpus))
	for _, c := range corpus.Cases {
		require.Contains(t, []string{"go", "js", "rule"}, c.Follow, c.Name)
	}
	return corpus
}

var sentinels = map[string]error{
	"invalid_secret":  ErrInvalidSecret,
	"missing_headers": ErrMissingHeaders,
	"invalid_headers": ErrInvalidHeaders,
	"too_old":         ErrTimestampTooOld,
	"too_new":         ErrTimestampTooNew,
	"no_match":        ErrNoMatchingSignature,
	"invalid_option":  ErrInvalidOption,
	"invalid_payload": ErrInvalidPayload,
}

// verdictOf names the one sentinel err matches, failing the test if it
// matches none or several.
func verdictOf(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return "ok"
	}
	var names []string
	for name, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			names = append(names, name)
		}
	}
	require.Len(t, names, 1, "error %q must match exactly one sentinel", err)
	return names[0]
}

func TestVectorsFromOfficialLibraries(t *testing.T) {
	cases := loadVectors(t)
	require.GreaterOrEqual(t, len(cases), 1000)
	kinds := map[string]bool{}
	for _, c := range cases {
		kinds[c.Kind] = true
		body, err := base64.StdEncoding.DecodeString(c.Body)
		require.NoError(t, err)
		want := c.want()

		wh, err := NewWebhook(c.Secret, WithClock(func() time.Time { return time.UnixMilli(c.NowMs) }))
		if err != nil {
			assert.Equal(t, want, verdictOf(t, err), "%s: NewWebhook(%q)", c.Name, c.Secret)
			continue
		}
		// As net/http hands them over: canonical keys.
		h := http.Header{}
		for k, v := range c.Headers {
			h.Set(k, v)
		}
		assert.Equal(t, want, verdictOf(t, wh.Verify(body, h)), "%s (go=%s js=%s) via http.Header", c.Name, c.Go, c.JS)
		// As a plain map with the names as sent.
		assert.Equal(t, want, verdictOf(t, wh.Verify(body, HeaderMap(c.Headers))), "%s via HeaderMap", c.Name)

		// Sign reproduces the official signature of every single-entry valid case.
		if c.Kind == "valid" && !strings.Contains(c.Headers["svix-signature"]+c.Headers["webhook-signature"], " ") {
			id, ts, sig, ok := ReadHeaders(h)
			require.True(t, ok)
			got, err := wh.Sign(id, unixOf(t, ts), body)
			require.NoError(t, err)
			assert.Equal(t, sig, got, "%s: Sign", c.Name)
		}
	}
	t.Logf("%d cases of %d kinds", len(cases), len(kinds))
}

func unixOf(t testing.TB, ts string) time.Time {
	n, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	return time.Unix(n, 0)
}

// The vectors published in the official libraries' own tests, as
// shared/reference/svix-scheme.md lists them.
func TestPublishedVectors(t *testing.T) {
	for _, v := range []struct{ secret, id, ts, body, sig string }{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", `{"test": 2432232314}`, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		{"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", "1649367553", `{"email":"test@example.com","username":"test_user"}`, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="},
	} {
		wh, err := NewWebhook(v.secret)
		require.NoError(t, err)
		h := HeaderMap{"svix-id": v.id, "svix-timestamp": v.ts, "svix-signature": v.sig}
		assert.NoError(t, wh.VerifyIgnoringTimestamp([]byte(v.body), h))
		assert.ErrorIs(t, wh.Verify([]byte(v.body), h), ErrTimestampTooOld, "signed in the past, checked now")
		got, err := wh.Sign(v.id, unixOf(t, v.ts), []byte(v.body))
		require.NoError(t, err)
		assert.Equal(t, v.sig, got)
	}
}
