package main

import (
	"bufio"
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
)

// The conformance suite: the cases of testdata/vectors.json (format
// stackwebhook-vectors/1, described in testdata/CONFORMANCE.md) run against
// any verifier through a line protocol, one JSON case in, one verdict out.

const corpusFormat = "stackwebhook-vectors/1"

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
	Go     string `json:"go,omitempty"`
	JS     string `json:"js,omitempty"`
}

// expected is the verdict of the documented rule.
func (c conformanceCase) expected() string {
	return map[string]string{"go": c.Go, "js": c.JS, "rule": c.Rule}[c.Follow]
}

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
A verifier is a command speaking the line protocol (testdata/CONFORMANCE.md): it reads
one JSON case per line on standard input and writes one verdict per line.
With -serve, this command is such a verifier itself (this library, through the CLI).`)
	corpusFile := fs.String("corpus", "testdata/vectors.json", "the corpus, format "+corpusFormat)
	serve := fs.Bool("serve", false, "answer the line protocol on standard input and output, with this library")
	self := fs.String("self", "", "also run this library in-process, under this column name")
	var impls, required multiFlag
	fs.Var(&impls, "impl", "a verifier, as NAME=COMMAND (run with sh -c); repeatable")
	fs.Var(&required, "require", "NAME must answer every case as the rule does, or the exit status is 1; repeatable")
	if exit, done := parseFlags(fs, args); done {
		return exit
	}
	if *serve {
		return c.serveConformance()
	}
	cases, err := readCorpus(*corpusFile)
	if err != nil {
		c.errorf("%v", err)
		return exitUsage
	}
	var names []string
	results := map[string][]string{} // implementation -> verdict per case
	if *self != "" {
		names = append(names, *self)
		for _, k := range cases {
			results[*self] = append(results[*self], libraryVerdict(k))
		}
	}
	for _, impl := range impls {
		name, command, ok := strings.Cut(impl, "=")
		if !ok {
			c.errorf("-impl %q: want NAME=COMMAND", impl)
			return exitUsage
		}
		verdicts, err := runVerifier(command, cases)
		if err != nil {
			c.errorf("%s: %v", name, err)
			return exitRefused
		}
		names = append(names, name)
		results[name] = verdicts
	}
	printMatrix(c.stdout, cases, names, results)
	exit := exitOK
	for _, name := range required {
		for i, k := range cases {
			if got := results[name]; got == nil || got[i] != k.expected() {
				c.errorf("%s: case %s: got %s, want %s", name, k.Name, printable(verdictAt(got, i)), k.expected())
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

func readCorpus(file string) ([]conformanceCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var corpus struct {
		Format string
		Cases  []conformanceCase
	}
	if err := json.Unmarshal(data, &corpus); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if corpus.Format != corpusFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", file, corpus.Format, corpusFormat)
	}
	return corpus.Cases, nil
}

// runVerifier runs command, sends every case and reads one verdict each.
func runVerifier(command string, cases []conformanceCase) ([]string, error) {
	cmd := exec.Command("sh", "-c", command)
	cmd.Stderr = os.Stderr
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
	go func() {
		w := bufio.NewWriter(in)
		enc := json.NewEncoder(w)
		for _, k := range cases {
			_ = enc.Encode(conformanceCase{Name: k.Name, Kind: k.Kind, Category: k.Category, Secret: k.Secret, Headers: k.Headers, Body: k.Body, NowMs: k.NowMs})
		}
		w.Flush()
		in.Close()
	}()
	r := bufio.NewReaderSize(out, 1<<16)
	verdicts := make([]string, 0, len(cases))
	for range cases {
		line, err := r.ReadString('\n')
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("after %d verdicts: %v", len(verdicts), err)
		}
		verdicts = append(verdicts, strings.TrimSpace(line))
	}
	// All verdicts are in: whatever the verifier writes or exits with now
	// does not count (a verifier that keeps writing gets SIGPIPE).
	out.Close()
	_ = cmd.Wait()
	return verdicts, nil
}

// serveConformance answers the protocol with this library.
func (c cli) serveConformance() int {
	dec := json.NewDecoder(c.stdin)
	w := bufio.NewWriter(c.stdout)
	defer w.Flush()
	for {
		var k conformanceCase
		if err := dec.Decode(&k); err == io.EOF {
			return exitOK
		} else if err != nil {
			c.errorf("conformance -serve: %v", err)
			return exitUsage
		}
		fmt.Fprintln(w, libraryVerdict(k))
		w.Flush()
	}
}

func printMatrix(w io.Writer, cases []conformanceCase, names []string, results map[string][]string) {
	counts := map[string]int{}
	agree := map[string]map[string]int{}
	for _, n := range names {
		agree[n] = map[string]int{}
	}
	for i, k := range cases {
		cat := k.Category
		counts[cat]++
		for _, n := range names {
			if results[n][i] == k.expected() {
				agree[n][cat]++
				agree[n][""]++
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
	row("**every case**", "", len(cases))
}
