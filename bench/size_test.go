package bench

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A verify-only program must stay within 1.05x the size of the same program
// written directly against the standard library, on every standard Go
// target, and within 1.03x on linux/amd64 and wasip1 (1.023x and 1.025x
// with Go 1.26: the root package imports no encoding/json, whose
// initialisation alone weighed 1.8%). Sizes are deterministic for one
// toolchain, so this is an assertion, not a measurement.
func TestVerifyOnlyBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs per target")
	}
	for _, target := range Targets {
		if target.TinyGo != "" {
			continue // TestTinyGoSizes
		}
		ours, err := Size(target, "stackwebhook")
		if err != nil {
			t.Fatal(err)
		}
		base, err := Size(target, "hmac")
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(ours) / float64(base)
		t.Logf("%s stripped: stackwebhook %d B, standard library %d B, ratio %.4f", target.Name, ours, base, ratio)
		limit := 1.05
		if target.Name == "linux/amd64" || target.Name == "wasip1/wasm" {
			limit = 1.03
		}
		if ratio > limit {
			t.Errorf("%s: a verify-only program is %.4fx the standard-library one; the limit is %.2fx", target.Name, ratio, limit)
		}
	}
}

// Under TinyGo the programs are ten to twenty times smaller, so what the
// library adds (its error texts, the header rules, the HMAC pool) weighs
// more: 1.096x on wasip1, 1.164x on the Cortex-M3. The official library
// does not compile. Decoding (VerifyEvent) adds at most 30% to the
// verify-only program (1.234x on wasip1, 1.224x on the Cortex-M3): no
// reflection is linked. Runs where TinyGo is on PATH (test.sh puts it
// there).
func TestTinyGoSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with TinyGo")
	}
	if _, err := exec.LookPath("tinygo"); err != nil {
		t.Skip("tinygo is not on PATH")
	}
	limits := map[string]float64{"wasip1": 1.15, "cortex-m-qemu": 1.2}
	for _, target := range Targets {
		limit, ok := limits[target.TinyGo]
		if !ok {
			continue
		}
		ours, err := Size(target, "stackwebhook")
		if err != nil {
			t.Fatal(err)
		}
		base, err := Size(target, "hmac")
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(ours) / float64(base)
		t.Logf("%s: stackwebhook %d B, standard library %d B, ratio %.4f", target.Name, ours, base, ratio)
		if ratio > limit {
			t.Errorf("%s: %.4fx; the limit is %.2fx", target.Name, ratio, limit)
		}
		decoding, err := Size(target, "verifyevent")
		if err != nil {
			t.Fatal(err)
		}
		r := float64(decoding) / float64(ours)
		t.Logf("%s: with VerifyEvent %d B, %.4fx the verify-only program", target.Name, decoding, r)
		if r > 1.3 {
			t.Errorf("%s: a VerifyEvent program is %.4fx the verify-only one; the limit is 1.3x", target.Name, r)
		}
	}
}

// A program that checks only HMAC signatures links no ed25519 code, on any
// standard Go target: crypto/ed25519 is imported only by ../publickey. The
// public-key program is the control: it does link it.
func TestHMACOnlyLinksNoEd25519(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, target := range Targets {
		if target.TinyGo != "" || strings.HasPrefix(target.Name, "wasip1") {
			continue // symbols are read from ELF files
		}
		for _, tc := range []struct {
			pkg  string
			want bool
		}{{"./size/stackwebhook", false}, {"./size/publickey", true}} {
			out := filepath.Join(t.TempDir(), "prog")
			cmd := exec.Command("go", "build", "-trimpath", "-o", out, tc.pkg)
			cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), target.Env...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", target.Name, err, msg)
			}
			f, err := elf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			syms, err := f.Symbols()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range syms {
				if strings.Contains(s.Name, "ed25519") {
					n++
				}
			}
			if got := n > 0; got != tc.want {
				t.Errorf("%s %s: %d ed25519 symbols linked", target.Name, tc.pkg, n)
			}
		}
	}
}

// The sizes docs/targets.md reports beside each other (go run ./cmd/sizetable
// prints the whole table).
func TestReportSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four programs")
	}
	amd64 := Targets[0]
	ours, err := Size(amd64, "stackwebhook")
	if err != nil {
		t.Fatal(err)
	}
	official, err := Size(amd64, "svix")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := Size(Target{Name: "c-shared"}, "github.com/stackwebhook/stackwebhook/capi", "-buildmode=c-shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripped sizes: verify-only with stackwebhook %d B, with svix v1.44.0 %d B (%.2fx ours); libstackwebhook.so %d B",
		ours, official, float64(official)/float64(ours), lib)
}

// The size programs do what they claim: each accepts a body the official
// library signed and refuses it altered (the hmac program is the baseline
// every ratio divides by, so it must verify for real too).
func TestSizeProgramsVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four programs")
	}
	body, err := os.ReadFile("../testdata/events/current/team.created.json")
	if err != nil {
		t.Fatal(err)
	}
	h := signedHeaders(t, body)
	head := secret + "\n" + h.Get("svix-id") + "\n" + h.Get("svix-timestamp") + "\n" + h.Get("svix-signature") + "\n"
	for _, program := range Programs {
		out := filepath.Join(t.TempDir(), "prog")
		if msg, err := exec.Command("go", "build", "-o", out, "./size/"+program).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", program, err, msg)
		}
		for _, tc := range []struct {
			body []byte
			exit int
		}{{body, 0}, {append([]byte(" "), body...), 1}} {
			cmd := exec.Command(out)
			cmd.Stdin = strings.NewReader(head + string(tc.body))
			err := cmd.Run()
			exit := 0
			if ee, ok := err.(*exec.ExitError); ok {
				exit = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if exit != tc.exit {
				t.Errorf("%s: exit %d, want %d", program, exit, tc.exit)
			}
		}
	}
}
