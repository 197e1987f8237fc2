//go:build !tinygo

// Tests that need the host: a character device for standard input, and curl
// to run the printed command. They are left out of TinyGo builds, whose
// sandbox has neither and whose t.Skip fails a test instead of skipping it.

package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

func TestReadingStdinSaysSo(t *testing.T) {
	tty, err := os.Open(os.DevNull) // a character device, as a terminal is
	if err != nil {
		t.Skip("no /dev/null in this sandbox")
	}
	defer tty.Close()
	if fi, err := tty.Stat(); err != nil || fi == nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Skip("this platform does not report /dev/null as a character device")
	}
	e := loadOfficialEvent(t, "event_team.created")
	var out, errOut strings.Builder
	code := run(e.args(), tty, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(errOut.String(), "stackwebhook: reading the body from standard input"), errOut.String())

	r := cmd(e.body, nil, e.args()...) // a pipe: nothing to say
	assert.NotContains(t, r.stderr, "reading the body")
}

// The printed curl command, run as printed, delivers the body: with the body
// from standard input too, and it shows the answer's status.
func TestSignCurlRunsAsPrinted(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	var got []string
	server := httptest.NewServer(receiver.Handler(wh, func(_ context.Context, ev stackwebhook.Event) error {
		got = append(got, ev.EventType())
		return nil
	}))
	defer server.Close()
	body := `{"type":"team.deleted","data":{"id":"it's"}}`
	for _, args := range [][]string{
		{"sign", "-secret", secret, "-curl", server.URL},                                  // stdin
		{"sign", "-secret", secret, "-curl", server.URL, writeFile(t, "body.json", body)}, // a file
	} {
		r := cmd(body, nil, args...)
		require.Equal(t, 0, r.code, r.stderr)
		out, err := exec.Command("bash", "-c", r.stdout).CombinedOutput()
		require.NoError(t, err, "%s\n%s", r.stdout, out)
		assert.Contains(t, string(out), "HTTP 204", r.stdout)
	}
	assert.Equal(t, []string{"team.deleted", "team.deleted"}, got)
}

// The conformance runner: this library answers every case as the rule
// does, in-process and through -serve; a verifier that always says "ok" is
// shown failing where it should, and -require turns that into exit 1.
func TestConformanceRunner(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no shell to run a verifier (wasip1)")
	}
	corpus := "../../testdata/vectors.json"
	r := cmd("", nil, "conformance", "-corpus", corpus, "-self", "ours", "-impl", "always ok=yes ok", "-require", "ours")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "| **every case** | 1066 | all | 525 |")
	assert.Contains(t, r.stdout, "| R8 comparison | 40 | all | 0 |")

	bad := cmd("", nil, "conformance", "-corpus", corpus, "-impl", "always ok=yes ok", "-require", "always ok")
	assert.Equal(t, 1, bad.code)
	assert.Contains(t, bad.stderr, "always ok: case ")

	// -serve speaks the protocol: each case of the corpus in, the rule's verdict out.
	cases, err := readCorpus(corpus)
	require.NoError(t, err)
	var in strings.Builder
	for _, c := range cases {
		line, err := json.Marshal(conformanceCase{Name: c.Name, Secret: c.Secret, Headers: c.Headers, Body: c.Body, NowMs: c.NowMs})
		require.NoError(t, err)
		in.Write(append(line, '\n'))
	}
	served := cmd(in.String(), nil, "conformance", "-serve")
	require.Equal(t, 0, served.code, served.stderr)
	lines := strings.Split(strings.TrimSuffix(served.stdout, "\n"), "\n")
	require.Len(t, lines, len(cases))
	for i, c := range cases {
		assert.Equal(t, c.expected(), lines[i], c.Name)
	}

	bogus := writeFile(t, "old.json", `{"format":"stackwebhook-vectors/0","cases":[]}`)
	assert.Equal(t, 2, cmd("", nil, "conformance", "-corpus", bogus).code, "a corpus of another format is refused")
}
