package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildStripped builds ./size/<name> stripped and returns its size in bytes.
func buildStripped(t *testing.T, name string, extra ...string) int64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(name))
	pkg := name
	if !strings.Contains(name, "/") {
		pkg = "./size/" + name
	}
	args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, extra...)
	cmd := exec.Command("go", append(args, pkg)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A verify-only program must stay within 1.15x the size of the same program
// written directly against crypto/hmac. Sizes are deterministic for one
// toolchain, so this is an assertion, not a measurement.
func TestVerifyOnlyBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	ours := buildStripped(t, "stackwebhook")
	base := buildStripped(t, "hmac")
	ratio := float64(ours) / float64(base)
	t.Logf("stripped: stackwebhook %d B, crypto/hmac %d B, ratio %.3f", ours, base, ratio)
	if ratio > 1.15 {
		t.Errorf("a verify-only program is %.3fx the crypto/hmac baseline; the limit is 1.15x", ratio)
	}
}

// The sizes the README reports beside each other: a verify-only program with
// stackwebhook, with the official library, and the C shared library.
func TestReportSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four programs")
	}
	ours := buildStripped(t, "stackwebhook")
	official := buildStripped(t, "svix")
	base := buildStripped(t, "hmac")
	lib := buildStripped(t, "github.com/stackwebhook/stackwebhook/capi", "-buildmode=c-shared")
	t.Logf("stripped sizes: verify-only with stackwebhook %d B, with svix v1.44.0 %d B (%.2fx ours), crypto/hmac alone %d B; libstackwebhook.so %d B",
		ours, official, float64(official)/float64(ours), base, lib)
}
