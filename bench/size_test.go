package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildStripped builds ./size/<name> stripped and returns its size in bytes.
func buildStripped(t *testing.T, name string, env ...string) int64 {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./size/"+name)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./size/%s: %v\n%s", name, err, msg)
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
