//go:build !tinygo

// Tests that need the host: a character device for standard input, and curl
// to run the printed command. They are left out of TinyGo builds, whose
// sandbox has neither and whose t.Skip fails a test instead of skipping it.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// The stdin hint is for a person at a terminal only: not for /dev/null, a
// character device that is no terminal, nor for a pipe. (The terminal's case
// is TestReadingTerminalSaysSo, on Linux.)
func TestReadingStdinQuietly(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Skip("no /dev/null in this sandbox")
	}
	defer null.Close()
	e := loadOfficialEvent(t, "event_team.created")
	var out, errOut strings.Builder
	code := run(e.args(), null, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 1, code)
	assert.NotContains(t, errOut.String(), "reading the body", "/dev/null is no terminal")

	r := cmd(e.body, nil, e.args()...) // a pipe: nothing to say
	assert.NotContains(t, r.stderr, "reading the body")
}

// verify says that the secret is missing, or wrong, before it reads any
// input: with standard input a terminal nobody types into, it does not wait.
func TestVerifyReportsTheKeyBeforeReadingInput(t *testing.T) {
	r, w, err := os.Pipe() // never written to nor closed: reading it would block
	if err != nil {
		t.Skipf("no pipes here (wasip1): %v", err)
	}
	defer r.Close()
	defer w.Close()
	for _, args := range [][]string{
		{"verify", "-id", "msg_1", "-timestamp", "1", "-signature", "v1,x"},
		{"verify", "-secret", "whsec_not base64", "-id", "msg_1", "-timestamp", "1", "-signature", "v1,x"},
		{"verify", "-public-key", "", "-id", "msg_1", "-timestamp", "1", "-signature", "v1a,x"},
	} {
		done := make(chan int, 1)
		var out, errOut strings.Builder
		go func() { done <- run(args, r, &out, &errOut, func(string) string { return "" }) }()
		select {
		case code := <-done:
			assert.Equal(t, 1, code, "%v", args)
			assert.Contains(t, errOut.String(), "NOT verified: stackwebhook: invalid secret", "%v", args)
			assert.NotContains(t, errOut.String(), "reading the body", "%v", args)
		case <-time.After(time.Minute): // a guard against a hang; the answer comes at once
			t.Fatalf("%v: still reading standard input", args)
		}
	}
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

	// A body from standard input that starts with @ is sent as it is, not
	// taken by curl for the name of a file to upload.
	var received [][]byte
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if wh.Verify(b, r.Header) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		received = append(received, b)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer raw.Close()
	hostname := writeFile(t, "hostname", "not the body")
	at := "@" + hostname
	r := cmd(at, nil, "sign", "-secret", secret, "-curl", raw.URL)
	require.Equal(t, 0, r.code, r.stderr)
	out, err := exec.Command("bash", "-c", r.stdout).CombinedOutput()
	require.NoError(t, err, "%s\n%s", r.stdout, out)
	assert.Contains(t, string(out), "HTTP 204", r.stdout)
	assert.Equal(t, [][]byte{[]byte(at)}, received)
}

// The conformance runner: this library answers every case as the rule
// does, in-process and through -serve, with the corpus built in or named; a
// verifier that always says "ok" is shown failing where it should, each
// disagreement naming the official libraries' verdicts, and -require turns
// that into exit 1.
func TestConformanceRunner(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no shell to run a verifier (wasip1)")
	}
	corpus := "../../conformance/vectors.json"
	for _, args := range [][]string{{"-corpus", corpus}, nil} {
		r := cmd("", nil, append([]string{"conformance", "-self", "ours", "-impl", "always ok=yes ok", "-require", "ours"}, args...)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "| **every case** | 1072 | all | 531 |")
		assert.Contains(t, r.stdout, "| R8 comparison | 40 | all | 0 |")
		assert.Contains(t, r.stdout, "always ok: 541 cases answered otherwise than the rule: ")
		assert.Contains(t, r.stdout, "... and 521 more (-all lists them)")
	}

	bad := cmd("", nil, "conformance", "-all", "-impl", "always ok=yes ok", "-require", "always ok")
	assert.Equal(t, 1, bad.code)
	// A case an official library answers the same way is told apart from
	// one none does.
	assert.Contains(t, bad.stdout, "always ok: case 1030_secret_empty (R9 keys, secret_empty): answered ok; the rule says invalid_secret; official: svix Go v1.44.0 ok, svix Go v1.99.1 invalid_secret, svix JS 2.5.0 + standardwebhooks 1.1.1 invalid_secret, svix JS 2.5.0 + standardwebhooks 1.3.0 invalid_secret; as svix Go v1.44.0")
	assert.Regexp(t, `always ok: case \d+_flipped_signature_bit \(R8 comparison, flipped_signature_bit\): answered ok; the rule says no_match; official: svix Go v1.44.0 no_match, svix Go v1.99.1 no_match, svix JS 2.5.0 \+ standardwebhooks 1.1.1 no_match, svix JS 2.5.0 \+ standardwebhooks 1.3.0 no_match; no official library answers so`, bad.stdout)
	assert.Contains(t, bad.stderr, "always ok: case ")

	// -serve speaks the protocol: each case of the corpus in, the rule's verdict out.
	data, err := os.ReadFile(corpus)
	require.NoError(t, err)
	k, err := parseCorpus(data)
	require.NoError(t, err)
	var in strings.Builder
	for _, c := range k.cases {
		line, err := json.Marshal(conformanceCase{Name: c.Name, Secret: c.Secret, Headers: c.Headers, Body: c.Body, NowMs: c.NowMs})
		require.NoError(t, err)
		in.Write(append(line, '\n'))
	}
	served := cmd(in.String(), nil, "conformance", "-serve")
	require.Equal(t, 0, served.code, served.stderr)
	lines := strings.Split(strings.TrimSuffix(served.stdout, "\n"), "\n")
	require.Len(t, lines, len(k.cases))
	for i, c := range k.cases {
		assert.Equal(t, c.expected(), lines[i], c.Name)
	}

	bogus := writeFile(t, "old.json", `{"format":"stackwebhook-vectors/0","cases":[]}`)
	assert.Equal(t, 2, cmd("", nil, "conformance", "-corpus", bogus).code, "a corpus of another format is refused")

	// A stackwebhook-vectors/1 corpus from before the verdicts table is read
	// as it was then (its "go" and "js" fields), not as "no verdict".
	before := writeFile(t, "before.json", `{"format":"stackwebhook-vectors/1","cases":[`+
		`{"name":"a","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"go","go":"invalid_secret","js":"invalid_secret"},`+
		`{"name":"b","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"js","go":"ok","js":"ok"}]}`)
	r := cmd("", nil, "conformance", "-corpus", before, "-self", "me")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "| **every case** | 2 | 1 |")
	assert.Contains(t, r.stdout, "me: case b (, ): answered invalid_secret; the rule says ok; official: svix Go v1.44.0 ok, svix JS 2.5.0 ok;")
	// A case that follows a library the corpus does not name, or lacks the
	// verdict it follows, is refused with the case named.
	for name, text := range map[string]string{
		`follow "js" names no library`: `{"format":"stackwebhook-vectors/1","verdicts":{"go":"svix Go v1.44.0"},"cases":[{"name":"a","follow":"js","js":"ok"}]}`,
		`no verdict in "go"`:           `{"format":"stackwebhook-vectors/1","verdicts":{"go":"svix Go v1.44.0"},"cases":[{"name":"a","follow":"go"}]}`,
		`no verdict in "rule"`:         `{"format":"stackwebhook-vectors/1","verdicts":{"go":"svix Go v1.44.0"},"cases":[{"name":"a","follow":"rule","go":"ok"}]}`,
	} {
		r := cmd("", nil, "conformance", "-corpus", writeFile(t, "odd.json", text))
		assert.Equal(t, exitUsage, r.code, name)
		assert.Contains(t, r.stderr, "case a: ", name)
		assert.Contains(t, r.stderr, name)
	}
}

// The runner bounds what it reads on both sides of the protocol and gives
// up on a case a verifier does not answer in time, going on with the next.
func TestConformanceRunnerLimits(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no shell to run a verifier (wasip1)")
	}
	// -serve: a line past the limit is answered as an error, and the
	// protocol goes on.
	in := strings.Repeat("x", maxCaseLine+10) + "\n{\"secret\":\"\"}\nnot json\n"
	served := cmd(in, nil, "conformance", "-serve")
	require.Equal(t, 0, served.code, served.stderr)
	assert.Equal(t, fmt.Sprintf("error: a case longer than %d bytes\ninvalid_secret\nerror: a case that is not a JSON object of the protocol\n", maxCaseLine), served.stdout)

	// Every verdict below is decided by what the verifiers do, not by how
	// fast they do it: the one that hangs waits until it is killed, and the
	// others answer at once, well within a timeout no loaded machine reaches.
	dir := t.TempDir()
	corpus := filepath.Join(dir, "small.json")
	require.NoError(t, os.WriteFile(corpus, []byte(`{"format":"stackwebhook-vectors/1","verdicts":{"go":"svix Go v1.44.0"},"cases":[`+
		`{"name":"a","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"go","go":"invalid_secret"},`+
		`{"name":"b","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"go","go":"invalid_secret"},`+
		`{"name":"c","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"go","go":"invalid_secret"},`+
		`{"name":"d","secret":"","headers":{},"body_b64":"","now_ms":0,"follow":"go","go":"invalid_secret"}]}`), 0o644))
	script := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o755))
		return "sh " + path
	}
	answer := "while read -r line; do\n  case \"$line\" in %s) %s ;; esac\n  echo invalid_secret\ndone\n"

	// A megabyte for an answer is refused for its length, whatever the timeout.
	big := script("big.sh", "head -c 1000000 /dev/zero | tr '\\0' x; echo\nwhile read -r line; do echo invalid_secret; done\n")
	r := cmd("", nil, "conformance", "-corpus", corpus, "-timeout", "10m", "-impl", "big="+big)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "| **every case** | 4 | 3 |")
	assert.Contains(t, r.stdout, fmt.Sprintf("big: case a (, ): answered error: an answer longer than %d bytes;", maxVerdictLine))

	// A verifier that starts a child on case c and waits for it forever:
	// the case times out, the whole process group is killed (the child
	// too), and the run goes on with a fresh verifier at case d.
	pidFile := filepath.Join(dir, "child.pid")
	hang := script("hang.sh", fmt.Sprintf(answer, `*'"name":"c"'*`, "sleep 3600 & echo $! >"+pidFile+"; wait"))
	// A verifier that exits on case b: the case is recorded as a crash and
	// the run goes on.
	crash := script("crash.sh", fmt.Sprintf(answer, `*'"name":"b"'*`, "exit 3"))
	r = cmd("", nil, "conformance", "-corpus", corpus, "-timeout", "5s", "-impl", "hang="+hang, "-impl", "crash="+crash)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "| **every case** | 4 | 3 | 3 |")
	assert.Contains(t, r.stdout, "hang: case c (, ): answered timeout;")
	assert.Contains(t, r.stdout, "crash: case b (, ): answered crash;")
	pid, err := os.ReadFile(pidFile)
	require.NoError(t, err, "the hanging verifier started its child")
	// SIGKILL is sent at once; the child's exit, and its reaping, follow.
	assert.Eventually(t, func() bool {
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, time.Minute, 10*time.Millisecond, "the hanging verifier's child is killed with it")

	// A command that never answers is refused, after a few starts, not
	// restarted for every case.
	r = cmd("", nil, "conformance", "-corpus", corpus, "-impl", "none=exit 1")
	assert.Equal(t, exitRefused, r.code)
	assert.Contains(t, r.stderr, "none: "+errNoStart.Error())
}
