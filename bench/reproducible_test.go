package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestReproducibleBuilds builds the CLI and the C shared library twice with
// -trimpath, the CLI the second time with -a (every package rebuilt, nothing
// taken from the build cache), and checks that the two are byte for byte the
// same:
// a user who builds the same commit with the same Go version gets the same
// binary, and can compare (AUDIT.md says how).
func TestReproducibleBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds everything twice")
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"stackwebhook", []string{"github.com/stackwebhook/stackwebhook/cmd/stackwebhook"}},
		{"libstackwebhook.so", []string{"-buildmode=c-shared", "github.com/stackwebhook/stackwebhook/capi"}},
	} {
		var builds [2][]byte
		second := []string{"-a"} // rebuild every package
		if tc.name == "libstackwebhook.so" {
			second = nil // a second link of the same packages (with -a too it takes 30 s more)
		}
		for i, extra := range [][]string{nil, second} {
			out := filepath.Join(t.TempDir(), tc.name)
			args := append(append([]string{"build", "-trimpath", "-o", out}, extra...), tc.args...)
			cmd := exec.Command("go", args...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go %v: %v\n%s", args, err, msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			builds[i] = data
		}
		if !bytes.Equal(builds[0], builds[1]) {
			t.Errorf("%s: two builds differ (%d and %d bytes)", tc.name, len(builds[0]), len(builds[1]))
		} else {
			t.Logf("%s: two builds identical, %d bytes", tc.name, len(builds[0]))
		}
	}
}
