//go:build !tinygo

// TinyGo cannot run other programs, and its t.Skip fails a test instead of
// skipping it: this test runs with the standard toolchain only.

package stackwebhook

import (
	"archive/zip"
	"bufio"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadme runs every code block of README.md as a reader would, so that
// the README cannot drift from the code:
//   - Go blocks are complete files: compiled, and run as tests where they are
//     tests, in a module of their own that requires this one;
//   - sh blocks run with bash, in order, in a copy of the repository; `go
//     get`/`go install ...@latest` fetch this checkout from a local module
//     proxy, as they would fetch a release;
//   - the C block is compiled with the command in its first line (and as
//     C++ where g++ exists) and run on a freshly signed message;
//   - the Python block is run against the library the sh block built.
//
// The one line not run is ./test.sh: this test is part of it.
func TestReadme(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds and runs the README's programs (run without -short and -race)")
	}
	if os.Getenv("GOARCH") != "" || os.Getenv("GOOS") != "" {
		t.Skip("a cross-target run: the README's programs are built and run for the host, once")
	}
	for _, tool := range []string{"go", "bash", "cc", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	root, err := os.Getwd()
	require.NoError(t, err)
	// README.md, then docs/ in the order of its files' names (an install
	// block comes before the blocks that use what it installs, in its file
	// or in one before it).
	blocks := readmeBlocks(t, filepath.Join(root, "README.md"))
	require.NotEmpty(t, blocks)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	for _, doc := range docs {
		blocks = append(blocks, readmeBlocks(t, doc)...)
	}
	examples := exampleFiles(t, filepath.Join(root, "examples"))

	tmp := t.TempDir()
	work := filepath.Join(tmp, "checkout")
	copyModule(t, root, work)
	proxy := filepath.Join(tmp, "proxy")
	serveModule(t, root, proxy)
	app := filepath.Join(tmp, "app") // where a user runs go get
	require.NoError(t, os.MkdirAll(app, 0o755))
	run(t, app, nil, "go", "mod", "init", "example.com/app")
	gobin := filepath.Join(tmp, "bin")
	env := []string{
		"GOBIN=" + gobin,
		"PATH=" + gobin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOPROXY=file://" + proxy + "," + goEnv(t, "GOPROXY"),
		"GONOSUMDB=github.com/stackwebhook",
		// A module cache of its own: the version served is always v0.0.1,
		// and a shared cache would keep the first checkout's copy of it.
		"GOMODCACHE=" + filepath.Join(tmp, "modcache"),
		"GOFLAGS=-mod=mod -modcacherw",
	}

	// The bindings install as a user installs them: pip into a virtual
	// environment of Debian's Python (whose setuptools and wheel build
	// offline), gem into a GEM_HOME of this test's own, luarocks into the
	// tree the block names.
	venv := filepath.Join(tmp, "venv")
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		run(t, tmp, nil, "/usr/bin/python3", "-m", "venv", "--system-site-packages", venv)
	} else if os.Getenv("CI") == "true" {
		t.Error("no /usr/bin/python3 (Debian's) to install the Python package with")
	}
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + filepath.Join(venv, "bin") + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
	}
	env = append(env, "GEM_HOME="+filepath.Join(tmp, "gems"))

	goDir := filepath.Join(tmp, "gocode")
	var goFiles int
	for i, b := range blocks {
		switch b.lang {
		case "go":
			require.True(t, strings.HasPrefix(b.text, "package "), "Go block at line %d is not a complete file", b.line)
			formatted, err := format.Source([]byte(b.text))
			require.NoError(t, err, "Go block at line %d", b.line)
			assert.Equal(t, string(formatted), b.text, "Go block at line %d is not gofmt-formatted", b.line)
			if thirdParty(t, b) {
				// A program that needs a driver or a framework is one of
				// examples/, which that module builds and runs as it is.
				assert.True(t, examples[b.text], "%s line %d: a Go block that imports a module other than this one must be a file of examples/, word for word", b.file, b.line)
				continue
			}
			name := "main.go"
			if strings.Contains(b.text, "func Test") {
				name = "readme_test.go"
			}
			dir := filepath.Join(goDir, "block"+strconv.Itoa(i))
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(b.text), 0o644))
			goFiles++
		case "sh":
			script := strings.ReplaceAll(b.text, "./test.sh", ": ./test.sh") // this test runs inside it
			if tool := installer(b.text); tool != "" && !haveTool(t, tool) {
				continue
			}
			dir := work
			if strings.Contains(b.text, "@latest") {
				dir = app
			}
			run(t, dir, env, "bash", "-euo", "pipefail", "-c", script)
		case "c":
			compileAndRunC(t, work, b)
		case "python", "lua", "ruby":
			// Each runs against the package its install block installed:
			// no STACKWEBHOOK_LIB, no path into the source tree.
			var out string
			switch b.lang {
			case "python":
				if _, err := os.Stat(filepath.Join(venv, "bin", "python3")); err != nil {
					continue
				}
				out = run(t, tmp, env, filepath.Join(venv, "bin", "python3"), "-c", b.text)
			case "lua":
				if !haveTool(t, "luajit") || !haveTool(t, "luarocks") {
					continue
				}
				tree := filepath.Join(work, "capi", "lua", "lua_modules", "share", "lua", "5.1")
				out = run(t, tmp, append(env, "LUA_PATH="+tree+"/?.lua;;"), "luajit", "-e", b.text)
			case "ruby":
				if !haveTool(t, "ruby") || !haveTool(t, "gem") {
					continue
				}
				out = run(t, tmp, env, "ruby", "-e", b.text)
			}
			want := "verified\n" // the block's own word when it verifies; Lua's verify returns true
			if b.lang == "lua" {
				want = "true\n"
			}
			assert.Equal(t, want, out, "the %s block at line %d verifies its example", b.lang, b.line)
		default:
			t.Errorf("README line %d: a %q block that this test does not run", b.line, b.lang)
		}
	}
	require.Greater(t, goFiles, 0)
	goMod := "module example.com/readme\n\ngo 1.24\n\nrequire github.com/stackwebhook/stackwebhook v0.0.0\n\n" +
		"replace github.com/stackwebhook/stackwebhook => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(goDir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(goDir, "go.sum"), sum, 0o644))
	run(t, goDir, nil, "go", "vet", "./...")
	run(t, goDir, nil, "go", "test", "-count=1", "./...")
}

// haveTool reports whether a language's runtime is installed; under
// CI=true it must be.
func haveTool(t *testing.T, name string) bool {
	if _, err := exec.LookPath(name); err == nil {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Errorf("%s is not installed: the README's %s block cannot run", name, name)
	}
	return false
}

// installer names the tool an sh block installs a binding with, if it does.
func installer(script string) string {
	for _, tool := range []string{"pip", "luarocks", "gem"} {
		if strings.Contains(script, tool+" ") {
			return map[string]string{"pip": "/usr/bin/python3"}[tool] + map[string]string{"luarocks": "luarocks", "gem": "gem"}[tool]
		}
	}
	return ""
}

type readmeBlock struct {
	lang, text, file string
	line             int
}

// exampleFiles returns the contents of the Go files under dir.
func exampleFiles(t *testing.T, dir string) map[string]bool {
	files := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[string(data)] = true
		}
		return err
	})
	require.NoError(t, err)
	return files
}

// thirdParty reports whether a Go block imports a module other than this
// one and the standard library's.
func thirdParty(t *testing.T, b readmeBlock) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "block.go", b.text, parser.ImportsOnly)
	require.NoError(t, err, "%s line %d", b.file, b.line)
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		first, _, _ := strings.Cut(path, "/")
		if strings.Contains(first, ".") && path != "github.com/stackwebhook/stackwebhook" && !strings.HasPrefix(path, "github.com/stackwebhook/stackwebhook/") {
			return true
		}
	}
	return false
}

// readmeBlocks returns the fenced code blocks of a Markdown file; every one
// must name its language.
func readmeBlocks(t *testing.T, path string) []readmeBlock {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
		line := s.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			lang := strings.TrimPrefix(line, "```")
			require.NotEmpty(t, lang, "README line %d: a code block without a language", n)
			cur = &readmeBlock{lang: lang, line: n, file: filepath.Base(path)}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "    ") && n > 1:
			// Indented code blocks are not allowed: they would escape this test.
			t.Errorf("README line %d: an indented code block; fence it with its language", n)
		}
	}
	require.Nil(t, cur, "an unclosed code block")
	return blocks
}

// compileAndRunC compiles the C block with the command its first line
// gives, as C and as C++, and runs it on a message signed now.
func compileAndRunC(t *testing.T, work string, b readmeBlock) {
	m := regexp.MustCompile(`^/\* verify\.c: (.*) \*/\n`).FindStringSubmatch(b.text)
	require.NotNil(t, m, "the C block's first line gives its build command")
	require.NoError(t, os.WriteFile(filepath.Join(work, "verify.c"), []byte(b.text), 0o644))
	// A C file beside the root package's Go files would stop later go builds there.
	defer os.Remove(filepath.Join(work, "verify.c"))
	run(t, work, nil, "bash", "-c", m[1]+" -Wall -Wextra -Werror")
	if _, err := exec.LookPath("g++"); err == nil {
		cpp := strings.Replace(strings.Replace(m[1], "cc -std=c99", "g++ -x c++", 1), "-o verify", "-o verify-cpp", 1)
		run(t, work, nil, "bash", "-c", cpp+" -Wall -Wextra -Werror")
	}
	wh, err := NewWebhook(pubSecret)
	require.NoError(t, err)
	now := time.Now()
	sig, err := wh.Sign(pubID, now, []byte(pubBody))
	require.NoError(t, err)
	out := run(t, work, nil, "./verify", pubSecret, pubID, strconv.FormatInt(now.Unix(), 10), sig, pubBody)
	assert.Equal(t, "verified\n", out)
	cmd := exec.Command("./verify", pubSecret, pubID, "1614265330", sig, pubBody)
	cmd.Dir = work
	msg, err := cmd.CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(msg), "refused: ", "a refusal is reported")
}

// run runs a command in dir and returns its standard output; it fails the
// test with all the output if the command fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s in %s:\n%s%s", name, strings.Join(args, " "), dir, out, stderr.String())
	return string(out)
}

func goEnv(t *testing.T, name string) string {
	return strings.TrimSpace(run(t, ".", nil, "go", "env", name))
}

// moduleFiles walks this module's files: no .git, no nested module, no
// build output.
func moduleFiles(t *testing.T, root string, visit func(rel string, path string)) {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || d.Name() == "node_modules" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !strings.HasSuffix(rel, ".so") && !strings.HasSuffix(rel, ".test") {
			visit(rel, path)
		}
		return nil
	})
	require.NoError(t, err)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func copyModule(t *testing.T, root, dst string) {
	moduleFiles(t, root, func(rel, path string) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		target := filepath.Join(dst, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(path); err == nil && fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		require.NoError(t, os.WriteFile(target, data, mode))
	})
}

// serveModule lays this checkout out as version v0.0.1 of the module in a
// GOPROXY directory, as a release would be served.
func serveModule(t *testing.T, root, proxy string) {
	const module, version = "github.com/stackwebhook/stackwebhook", "v0.0.1"
	dir := filepath.Join(proxy, module, "@v")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "list"), []byte(version+"\n"), 0o644))
	info := `{"Version":"` + version + `","Time":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, version+".info"), []byte(info), 0o644))
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, version+".mod"), mod, 0o644))
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	require.NoError(t, err)
	z := zip.NewWriter(f)
	moduleFiles(t, root, func(rel, path string) {
		w, err := z.Create(module + "@" + version + "/" + filepath.ToSlash(rel))
		require.NoError(t, err)
		src, err := os.Open(path)
		require.NoError(t, err)
		_, err = io.Copy(w, src)
		src.Close()
		require.NoError(t, err)
	})
	require.NoError(t, z.Close())
	require.NoError(t, f.Close())
}
