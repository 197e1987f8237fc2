package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstalledPackages builds and installs each binding the way its
// ecosystem installs it, into a fresh environment, and runs that language's
// tests against the installed copy (never the source tree, never
// STACKWEBHOOK_LIB):
//
//   - Python: a wheel built with pip (offline: --no-build-isolation, with
//     Debian's setuptools and wheel), installed into a fresh virtual
//     environment and tested with Go absent from PATH; and pip install of
//     the source into a virtual environment that sees Debian's Werkzeug,
//     Django and Starlette, whose header objects the tests then require;
//   - Ruby: gem build, then gem install --local into a fresh GEM_HOME (the
//     gem compiles the library with Go);
//   - Lua: luarocks make into a fresh tree.
//
// It takes a minute or two, so it runs only when STACKWEBHOOK_PACKAGES=1, as
// the test command sets it in a step of its own.
func TestInstalledPackages(t *testing.T) {
	if os.Getenv("STACKWEBHOOK_PACKAGES") != "1" {
		t.Skip("set STACKWEBHOOK_PACKAGES=1 (the test command does) to build and install the packages")
	}
	tmp := t.TempDir()
	cases := filepath.Join(tmp, "cases.tsv")
	writeCases(t, cases)
	base := []string{"STACKWEBHOOK_CASES=" + cases, "STACKWEBHOOK_INSTALLED=1"}
	// testCopy copies a test file out of the source tree, so that nothing
	// beside it can be imported instead of the installed package.
	testCopy := func(src string) string {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return dst
	}

	t.Run("python", func(t *testing.T) {
		py := "/usr/bin/python3"
		if _, err := os.Stat(py); err != nil {
			requireUnderCI(t, "no Debian python3 (with python3-venv, python3-setuptools, python3-wheel)")
			return
		}
		build := filepath.Join(tmp, "build-venv")
		runIn(t, tmp, nil, py, "-m", "venv", "--system-site-packages", build)
		dist := filepath.Join(tmp, "dist")
		runIn(t, "python", nil, filepath.Join(build, "bin", "pip"), "wheel", "-q", "--no-build-isolation", "--no-deps", "-w", dist, ".")
		wheels, _ := filepath.Glob(filepath.Join(dist, "stackwebhook-*.whl"))
		if len(wheels) != 1 || strings.Contains(wheels[0], "none-any") {
			t.Fatalf("want one platform wheel, got %v", wheels)
		}
		fresh := filepath.Join(tmp, "fresh-venv")
		runIn(t, tmp, nil, py, "-m", "venv", fresh)
		runIn(t, tmp, nil, filepath.Join(fresh, "bin", "pip"), "install", "-q", "--no-index", wheels[0])
		noGo := "PATH=" + filepath.Join(fresh, "bin") + ":/usr/bin:/bin"
		if out, err := exec.Command("env", "-i", noGo, "sh", "-c", "command -v go").CombinedOutput(); err == nil {
			t.Fatalf("go is still on PATH: %s", out)
		}
		out := runIn(t, tmp, append(cleanEnv(noGo), base...), filepath.Join(fresh, "bin", "python3"), testCopy("python/test_stackwebhook.py"))
		t.Logf("the wheel, in a fresh virtual environment without Go: %s", lastLine(out))

		// pip install of the source, beside Debian's web frameworks.
		runIn(t, "python", nil, filepath.Join(build, "bin", "pip"), "install", "-q", "--no-build-isolation", ".")
		out = runIn(t, tmp, append(cleanEnv("PATH="+os.Getenv("PATH")), append(base, "STACKWEBHOOK_FRAMEWORKS=1")...),
			filepath.Join(build, "bin", "python3"), testCopy("python/test_stackwebhook.py"))
		t.Logf("pip install of the source, with Werkzeug, Django and Starlette: %s", lastLine(out))
	})

	t.Run("ruby", func(t *testing.T) {
		if _, err := exec.LookPath("gem"); err != nil {
			requireUnderCI(t, "no ruby (apt-get install ruby ruby-ffi)")
			return
		}
		gem := filepath.Join(tmp, "stackwebhook.gem")
		runIn(t, "ruby", nil, "gem", "build", "-q", "stackwebhook.gemspec", "-o", gem)
		home := filepath.Join(tmp, "gems")
		env := append(cleanEnv("PATH="+os.Getenv("PATH")), append(base, "GEM_HOME="+home)...)
		runIn(t, tmp, env, "gem", "install", "-q", "--local", "--no-document", gem)
		out := runIn(t, tmp, env, "ruby", testCopy("ruby/test_stackwebhook.rb"))
		t.Logf("the gem, installed in a fresh GEM_HOME: %s", lastLine(out))
	})

	t.Run("lua", func(t *testing.T) {
		if _, err := exec.LookPath("luarocks"); err != nil {
			requireUnderCI(t, "no luarocks (apt-get install luarocks)")
			return
		}
		tree := filepath.Join(tmp, "lua-tree")
		runIn(t, "lua", nil, "luarocks", "make", "--tree", tree, "stackwebhook-0.1.0-1.rockspec")
		env := append(cleanEnv("PATH="+os.Getenv("PATH")), append(base, "LUA_PATH="+filepath.Join(tree, "share/lua/5.1/?.lua")+";;")...)
		out := runIn(t, tmp, env, "luajit", testCopy("lua/test_stackwebhook.lua"))
		t.Logf("the rock, installed in a fresh tree: %s", lastLine(out))
	})
}

// cleanEnv is the environment less what points at a library or a source
// tree, with path (a "PATH=..." entry) as its PATH.
func cleanEnv(path string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH", "STACKWEBHOOK_LIB", "PYTHONPATH", "LUA_PATH", "LUA_CPATH", "GEM_HOME", "GEM_PATH", "RUBYLIB":
			continue
		}
		env = append(env, kv)
	}
	return append(env, path)
}

// runIn runs a command in dir with exactly env (the process's environment
// when env is nil) and returns its combined output, failing the test with
// it if the command fails.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
