package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/conformance"
)

// The conformance suite: the cases of conformance/vectors.json (format
// stackwebhook-vectors/1, described in conformance/CONFORMANCE.md; built into
// this program) run against any verifier through a line protocol, one JSON
// case in, one verdict out.

// conformanceCase is one case as the protocol sends it (a subset of the
// corpus's fields), with what the runner compares against.
type conformanceCase struct {
	Name     string            `json:"name"`
	Kind     string            `json:"kind,omitempty"`
	Category string            `json:"category,omitempty"`
	Secret   string            `json:"secret"`
	Headers  map[string]string `json:"headers"`
	Body     string            `json:"body_b64"`
	NowMs    int64             `json:"now_ms"`

	Follow string `json:"follow,omitempty"`
	Rule   string `json:"rule,omitempty"`
	// official holds the official libraries' verdicts, by corpus field
	// ("go", "go_v1_99_1", "js"); never sent to a verifier.
	official map[string]string
}

// expected is the verdict of the documented rule.
func (c conformanceCase) expected() string {
	if c.Follow == "rule" {
		return c.Rule
	}
	return c.official[c.Follow]
}

// corpus is a parsed corpus: its cases, and the official libraries whose
// verdicts they record (corpus field and name, as "svix Go v1.44.0").
type corpus struct {
	cases    []conformanceCase
	official []library
}

type library struct{ field, name string }

// verdictWords are the answers of the protocol, one for each sentinel.
var verdictWords = []struct {
	err  error
	word string
}{
	{stackwebhook.ErrInvalidSecret, "invalid_secret"},
	{stackwebhook.ErrMissingHeaders, "missing_headers"},
	{stackwebhook.ErrInvalidHeaders, "invalid_headers"},
	{stackwebhook.ErrTimestampTooOld, "too_old"},
	{stackwebhook.ErrTimestampTooNew, "too_new"},
	{stackwebhook.ErrNoMatchingSignature, "no_match"},
}

// libraryVerdict is this library's answer to a case.
func libraryVerdict(c conformanceCase) string {
	body, err := base64.StdEncoding.DecodeString(c.Body)
	if err != nil {
		return "error: body_b64"
	}
	wh, err := stackwebhook.NewWebhook(c.Secret)
	if err == nil {
		err = wh.VerifyAt(body, stackwebhook.HeaderMap(c.Headers), time.UnixMilli(c.NowMs))
	}
	if err == nil {
		return "ok"
	}
	for _, v := range verdictWords {
		if errors.Is(err, v.err) {
			return v.word
		}
	}
	return "error: " + err.Error()
}

func (c cli) conformance(args []string) int {
	fs := c.flagSet("conformance", `Usage: stackwebhook conformance [flags]

Runs the conformance corpus against verifiers and prints a Markdown matrix: for each
category of cases, how many each verifier answers as the documented rule does.
A verifier is a command speaking the line protocol (conformance/CONFORMANCE.md): it reads
one JSON case per line on standard input and writes one verdict per line.
With -serve, this command is such a verifier itself (this library, through the CLI).`)
	corpusFile := fs.String("corpus", "", "the corpus, format "+conformance.Format+" (default: the corpus built into this program)")
	serve := fs.Bool("serve", false, "answer the line protocol on standard input and output, with this library")
	self := fs.String("self", "", "also run this library in-process, under this column name")
	timeout := fs.Duration("timeout", 10*time.Second, "how long a verifier may take over one case; past it the case counts as \"timeout\" and the verifier is restarted at the next case")
	all := fs.Bool("all", false, "list every disagreement, not the first 20 of each verifier")
	var impls, required multiFlag
	fs.Var(&impls, "impl", "a verifier, as NAME=COMMAND (run with sh -c); repeatable")
	fs.Var(&required, "require", "NAME must answer every case as the rule does, or the exit status is 1; repeatable")
	if exit, done := parseFlags(fs, args); done {
		return exit
	}
	if *serve {
		return c.serveConformance()
	}
	data := []byte(conformance.Corpus)
	if *corpusFile != "" {
		var err error
		if data, err = os.ReadFile(*corpusFile); err != nil {
			c.errorf("%v", err)
			return exitUsage
		}
	}
	k, err := parseCorpus(data)
	if err != nil {
		c.errorf("%s: %v", cmp.Or(*corpusFile, "the built-in corpus"), err)
		return exitUsage
	}
	var names []string
	results := map[string][]string{} // implementation -> verdict per case
	if *self != "" {
		names = append(names, *self)
		for _, kc := range k.cases {
			results[*self] = append(results[*self], libraryVerdict(kc))
		}
	}
	for _, impl := range impls {
		name, command, ok := strings.Cut(impl, "=")
		if !ok {
			c.errorf("-impl %q: want NAME=COMMAND", impl)
			return exitUsage
		}
		verdicts, err := runVerifier(command, k.cases, *timeout)
		if err != nil {
			c.errorf("%s: %v", name, err)
			return exitRefused
		}
		names = append(names, name)
		results[name] = verdicts
	}
	printMatrix(c.stdout, k.cases, names, results)
	limit := 20
	if *all {
		limit = -1
	}
	printDisagreements(c.stdout, k, names, results, limit)
	exit := exitOK
	for _, name := range required {
		got := results[name]
		for i, kc := range k.cases {
			if got == nil || got[i] != kc.expected() {
				line, _ := disagreement(k, name, kc, verdictAt(got, i))
				c.errorf("%s", line)
				exit = exitRefused
			}
		}
	}
	return exit
}

func verdictAt(v []string, i int) string {
	if v == nil {
		return "(not run)"
	}
	return v[i]
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// verdictsBeforeTable is how a stackwebhook-vectors/1 corpus written before
// the verdicts table was added is read: its cases held these two fields.
var verdictsBeforeTable = map[string]string{"go": "svix Go v1.44.0", "js": "svix JS 2.5.0"}

// parseCorpus reads a corpus of format conformance.Format. A case must
// follow a library the corpus names (or the rule) and carry that verdict:
// a corpus read otherwise than it was meant is refused, never misread.
func parseCorpus(data []byte) (corpus, error) {
	var raw struct {
		Format   string
		Verdicts map[string]string
		Cases    []json.RawMessage
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return corpus{}, err
	}
	if raw.Format != conformance.Format {
		return corpus{}, fmt.Errorf("format %q, want %q", raw.Format, conformance.Format)
	}
	if raw.Verdicts == nil {
		// Written before the table existed: the fields then were these.
		raw.Verdicts = verdictsBeforeTable
	}
	var k corpus
	for field, name := range raw.Verdicts {
		k.official = append(k.official, library{field, name})
	}
	sort.Slice(k.official, func(i, j int) bool { return k.official[i].name < k.official[j].name })
	for _, rc := range raw.Cases {
		var kc conformanceCase
		var fields map[string]any
		if err := json.Unmarshal(rc, &kc); err != nil {
			return corpus{}, err
		}
		if err := json.Unmarshal(rc, &fields); err != nil {
			return corpus{}, err
		}
		kc.official = map[string]string{}
		for _, lib := range k.official {
			kc.official[lib.field], _ = fields[lib.field].(string)
		}
		if _, named := raw.Verdicts[kc.Follow]; !named && kc.Follow != "rule" {
			return corpus{}, fmt.Errorf("case %s: follow %q names no library of the verdicts table and is not \"rule\"", kc.Name, kc.Follow)
		}
		if kc.expected() == "" {
			return corpus{}, fmt.Errorf("case %s: no verdict in %q, which it follows", kc.Name, kc.Follow)
		}
		k.cases = append(k.cases, kc)
	}
	return k, nil
}

// Line limits of the protocol: a case line (the largest in the corpus is
// under 30 KB) and a verdict line. A longer line is answered, or counted,
// as an error, and the protocol goes on at the next line.
const (
	maxCaseLine    = 4 << 20
	maxVerdictLine = 4 << 10
)

// readLine reads one line of at most max bytes without its line break. A
// longer line is read through to its end and discarded: tooLong is true.
// At the end of the input it returns io.EOF (after a last line without a
// line break, on the next call).
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && (len(line) > 0 || tooLong):
			return line, tooLong, nil
		case err != nil:
			return nil, false, err
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, nil
	}
}

// errTimeout is a verifier taking longer than the timeout over a case.
var errTimeout = errors.New("timeout")

// errNoStart is a verifier that never answers: it ended on its first case
// at each of its first starts, and would fail every case the same way.
var errNoStart = errors.New("ended before answering a case, at each of its first starts")

// Verdicts the runner records for a case the verifier did not answer.
const (
	verdictTimeout = "timeout"
	verdictCrash   = "crash"
)

// noStartLimit is how many starts in a row that end without an answer, at
// the beginning of a run, make a verifier one that never answers.
const noStartLimit = 3

// runVerifier runs command over every case and returns one verdict each. A
// case the verifier does not answer within timeout gets the verdict
// "timeout"; a case during which it ends (a crash, an exit) gets "crash".
// Either way its whole process group is killed and it is started again at
// the next case, so that one case does not stop the run. A verifier that
// ends on its first case noStartLimit times in a row before it has answered
// anything is an error (a command that does not run).
func runVerifier(command string, cases []conformanceCase, timeout time.Duration) ([]string, error) {
	verdicts := make([]string, 0, len(cases))
	answered, silentStarts := false, 0
	for len(verdicts) < len(cases) {
		got, err := runVerifierFrom(command, cases[len(verdicts):], timeout)
		verdicts = append(verdicts, got...)
		answered = answered || len(got) > 0
		switch {
		case err == nil:
		case err == errTimeout:
			verdicts = append(verdicts, verdictTimeout)
		default:
			if silentStarts++; !answered && silentStarts == noStartLimit {
				return nil, fmt.Errorf("%w: %v", errNoStart, err)
			}
			verdicts = append(verdicts, verdictCrash)
		}
	}
	return verdicts, nil
}

// runVerifierFrom runs command once, sends it cases and reads verdicts until
// all are in, the verifier ends, or it takes longer than timeout over one.
func runVerifierFrom(command string, cases []conformanceCase, timeout time.Duration) ([]string, error) {
	cmd := exec.Command("sh", "-c", command)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second // a child left holding the pipes does not keep Wait waiting
	inOwnGroup(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		killGroup(cmd) // all verdicts are in, or it failed: what it does now does not count
		_ = cmd.Wait()
	}()
	go func() {
		w := bufio.NewWriter(in)
		enc := json.NewEncoder(w)
		for _, k := range cases {
			if enc.Encode(conformanceCase{Name: k.Name, Kind: k.Kind, Category: k.Category, Secret: k.Secret, Headers: k.Headers, Body: k.Body, NowMs: k.NowMs}) != nil {
				break
			}
		}
		w.Flush()
		in.Close()
	}()
	type answer struct {
		line string
		err  error
	}
	answers := make(chan answer)
	done := make(chan struct{})
	defer close(done)
	go func() {
		r := bufio.NewReaderSize(out, maxVerdictLine+1)
		for {
			line, tooLong, err := readLine(r, maxVerdictLine)
			a := answer{strings.TrimSpace(string(line)), err}
			if tooLong {
				a.line = fmt.Sprintf("error: an answer longer than %d bytes", maxVerdictLine)
			}
			select {
			case answers <- a:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	verdicts := make([]string, 0, len(cases))
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for range cases {
		timer.Reset(timeout)
		select {
		case a := <-answers:
			if a.err == io.EOF {
				return verdicts, io.ErrUnexpectedEOF // ended with cases left
			}
			if a.err != nil {
				return verdicts, a.err
			}
			verdicts = append(verdicts, a.line)
		case <-timer.C:
			return verdicts, errTimeout
		}
	}
	return verdicts, nil
}

// serveConformance answers the protocol with this library.
func (c cli) serveConformance() int {
	r := bufio.NewReaderSize(c.stdin, 1<<16)
	w := bufio.NewWriter(c.stdout)
	defer w.Flush()
	for {
		line, tooLong, err := readLine(r, maxCaseLine)
		if err == io.EOF {
			return exitOK
		} else if err != nil {
			c.errorf("conformance -serve: %v", err)
			return exitUsage
		}
		var k conformanceCase
		switch {
		case tooLong:
			fmt.Fprintf(w, "error: a case longer than %d bytes\n", maxCaseLine)
		case len(bytes.TrimSpace(line)) == 0:
			continue
		case json.Unmarshal(line, &k) != nil:
			fmt.Fprintln(w, "error: a case that is not a JSON object of the protocol")
		default:
			fmt.Fprintln(w, libraryVerdict(k))
		}
		w.Flush()
	}
}

// disagreement describes a verifier's answer that differs from the rule's
// verdict, with the case's category and every official library's verdict,
// and whether one of them answers the same: a spelling choice an official
// library shares, or an answer none gives.
func disagreement(k corpus, name string, c conformanceCase, got string) (line string, shared bool) {
	var official, same []string
	for _, lib := range k.official {
		v := c.official[lib.field]
		official = append(official, lib.name+" "+v)
		if v == got {
			same = append(same, lib.name)
		}
	}
	sharedWith := "no official library answers so"
	if len(same) > 0 {
		sharedWith = "as " + strings.Join(same, " and ")
	}
	return fmt.Sprintf("%s: case %s (%s, %s): answered %s; the rule says %s; official: %s; %s",
		name, c.Name, c.Category, c.Kind, printable(got), c.expected(), strings.Join(official, ", "), sharedWith), len(same) > 0
}

// printDisagreements lists, for each verifier, the cases it answers
// otherwise than the rule (at most limit each, unless limit < 0), after a
// count of those an official library answers the same way.
func printDisagreements(w io.Writer, k corpus, names []string, results map[string][]string, limit int) {
	for _, name := range names {
		var lines []string
		shared := 0
		for i, c := range k.cases {
			got := results[name][i]
			if got == c.expected() {
				continue
			}
			line, isShared := disagreement(k, name, c, got)
			if isShared {
				shared++
			}
			lines = append(lines, line)
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d cases answered otherwise than the rule: %d as an official library does, %d as none does\n", name, len(lines), shared, len(lines)-shared)
		for i, l := range lines {
			if limit >= 0 && i == limit {
				fmt.Fprintf(w, "  ... and %d more (-all lists them)\n", len(lines)-limit)
				break
			}
			fmt.Fprintln(w, "  "+l)
		}
	}
}

// everyCase is the matrix's key for the row of all cases: no category's name.
const everyCase = "\x00every case"

func printMatrix(w io.Writer, cases []conformanceCase, names []string, results map[string][]string) {
	counts := map[string]int{}
	agree := map[string]map[string]int{}
	for _, n := range names {
		agree[n] = map[string]int{}
	}
	for i, k := range cases {
		cat := cmp.Or(k.Category, "(no category)")
		counts[cat]++
		for _, n := range names {
			if results[n][i] == k.expected() {
				agree[n][cat]++
				agree[n][everyCase]++
			}
		}
	}
	cats := make([]string, 0, len(counts))
	for cat := range counts {
		cats = append(cats, cat)
	}
	sort.Strings(cats)
	fmt.Fprintf(w, "| category | cases | %s |\n|---|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(names)))
	row := func(label string, cat string, total int) {
		cells := make([]string, len(names))
		for j, n := range names {
			cells[j] = fmt.Sprint(agree[n][cat])
			if agree[n][cat] == total {
				cells[j] = "all"
			}
		}
		fmt.Fprintf(w, "| %s | %d | %s |\n", label, total, strings.Join(cells, " | "))
	}
	for _, cat := range cats {
		row(cat, cat, counts[cat])
	}
	row("**every case**", everyCase, len(cases))
}
