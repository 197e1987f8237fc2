package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// statusOf maps the verdict names of conformance/vectors.json onto status codes.
var statusOf = map[string]int{
	"ok": statusOK, "invalid_secret": statusInvalidSecret, "missing_headers": statusMissingHeaders,
	"invalid_headers": statusInvalidHeaders, "too_old": statusTimestampTooOld, "too_new": statusTimestampTooNew,
	"no_match": statusNoMatchingSignature,
}

// writeCases turns conformance/vectors.json into the tab-separated file that the
// C, Python, Lua and Ruby tests read (format: ctest/capi_test.c). The expected
// status is the official verdict the case says the rule follows. Each row has
// the case's headers as sent, for stackwebhook_verify_request, and the three
// values the older functions take: the svix-* values when all three are
// there, else the webhook-* ones when all three are, else the svix-* ones
// (the verdict is then "missing headers" either way); the id of that choice
// is the verified id a successful verification must return.
func writeCases(t *testing.T, path string) int {
	data, err := os.ReadFile("../conformance/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus struct {
		Cases []struct {
			Kind, Secret, Follow, Rule, Go, JS string
			Headers                            map[string]string
			Body                               string `json:"body_b64"`
			NowMs                              int64  `json:"now_ms"`
		}
	}
	if err := json.Unmarshal(data, &corpus); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	n := 0
	for _, c := range corpus.Cases {
		verdict := map[string]string{"go": c.Go, "js": c.JS, "rule": c.Rule}[c.Follow]
		h := map[string]string{}
		var pairs []string
		for name, value := range c.Headers {
			h[strings.ToLower(name)] = value
			pairs = append(pairs, hex.EncodeToString([]byte(name))+":"+hex.EncodeToString([]byte(value)))
		}
		sort.Strings(pairs)
		get := func(set string) (string, string, string) {
			return h[set+"-id"], h[set+"-timestamp"], h[set+"-signature"]
		}
		id, ts, sig := get("svix")
		if id == "" || ts == "" || sig == "" {
			if wid, wts, wsig := get("webhook"); wid != "" && wts != "" && wsig != "" {
				id, ts, sig = wid, wts, wsig
			}
		}
		if strings.Contains(id+ts+sig+c.Secret, "\x00") {
			continue // NUL bytes do not cross a C string (and are refused by the length-delimited calls)
		}
		body, err := base64.StdEncoding.DecodeString(c.Body)
		if err != nil {
			t.Fatal(err)
		}
		eventType := ""
		if strings.HasPrefix(c.Kind, "event_") || c.Kind == "example_event" {
			var env struct{ Type string }
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			eventType = env.Type
		}
		sign := 0
		if c.Kind == "valid" && !strings.Contains(sig, " ") {
			sign = 1
		}
		hx := func(s string) string { return hex.EncodeToString([]byte(s)) }
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\n", statusOf[verdict], hx(c.Secret), hx(id), hx(ts), hx(sig),
			hex.EncodeToString(body), c.NowMs/1000, hx(eventType), sign, strings.Join(pairs, ","))
		n++
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCABI builds the shared and the static library, compiles the C test
// against the hand-written header and each library, runs it on the official
// vectors, and runs the Python tests (ctypes, and the stackwebhook package)
// on the shared library.
func TestCABI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the libraries")
	}
	dir := t.TempDir()
	cases := filepath.Join(dir, "cases.tsv")
	n := writeCases(t, cases)
	t.Logf("%d cases from conformance/vectors.json", n)

	so := filepath.Join(dir, "libstackwebhook.so")
	run(t, nil, "go", "build", "-buildmode=c-shared", "-o", so, ".")
	run(t, nil, "go", "build", "-buildmode=c-archive", "-o", filepath.Join(dir, "libstackwebhook.a"), ".")

	flags := []string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-I.", "ctest/capi_test.c"}
	shared := filepath.Join(dir, "test_shared")
	run(t, nil, "gcc", append(flags, "-o", shared, "-L"+dir, "-Wl,-rpath,"+dir, "-lstackwebhook", "-lpthread")...)
	static := filepath.Join(dir, "test_static")
	run(t, nil, "gcc", append(flags, "-o", static, filepath.Join(dir, "libstackwebhook.a"), "-lpthread")...)
	// The header compiles as C++ too, where a C++ compiler is installed.
	if _, err := exec.LookPath("g++"); err == nil {
		run(t, nil, "g++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++", "stackwebhook.h")
	} else {
		t.Log("no g++: the C++ check of the header is skipped")
	}

	for _, bin := range []string{shared, static} {
		out := run(t, nil, bin, cases)
		t.Logf("%s: %s", filepath.Base(bin), strings.TrimSpace(out))
	}
	env := []string{"STACKWEBHOOK_LIB=" + so, "STACKWEBHOOK_CASES=" + cases, "PYTHONPATH=python"}
	out := run(t, env, "python3", "python/test_capi.py", "-v")
	t.Logf("python ctypes: %s", lastLine(out))
	out = run(t, env, "python3", "python/test_stackwebhook.py", "-v")
	t.Logf("python package: %s", lastLine(out))
	out = run(t, env, "python3", "python/bench.py", "2000")
	t.Logf("python benchmark (2,000 calls, not a measurement): %s", strings.TrimSpace(out))

	// LuaJIT (OpenResty's luajit2 or LuaJIT itself) through ffi.
	if _, err := exec.LookPath("luajit"); err == nil {
		out = run(t, env, "luajit", "lua/test_stackwebhook.lua")
		t.Logf("%s", lastLine(out))
		out = run(t, env, "luajit", "lua/bench.lua", "2000")
		t.Logf("lua benchmark (not a measurement): %s", strings.TrimSpace(out))
	} else {
		requireUnderCI(t, "luajit is not installed (apt-get install luajit2)")
	}

	// Ruby through the ffi gem.
	if err := exec.Command("ruby", "-e", `require "ffi"`).Run(); err == nil {
		out = run(t, env, "ruby", "ruby/test_stackwebhook.rb")
		t.Logf("ruby: %s", lastLine(out))
		out = run(t, env, "ruby", "ruby/bench.rb", "2000")
		t.Logf("ruby benchmark (not a measurement): %s", strings.TrimSpace(out))
	} else {
		requireUnderCI(t, "ruby with the ffi gem is not installed (apt-get install ruby-ffi)")
	}
}

// requireUnderCI fails the test under CI=true, where every step must run,
// and otherwise logs why a part was skipped.
func requireUnderCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Log("skipped: " + why)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
