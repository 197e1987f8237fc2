package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A Target is one platform a program is built for: with the standard Go
// toolchain (GOOS/GOARCH in Env), or with TinyGo (TinyGo names its target).
type Target struct {
	Name   string
	Env    []string // for the go command
	TinyGo string   // a TinyGo -target
}

// Targets are the rows of the size table of docs/targets.md.
var Targets = []Target{
	{Name: "linux/amd64", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}},
	{Name: "linux/386", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=386"}},
	{Name: "linux/arm (GOARM=7)", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=7"}},
	{Name: "linux/arm64", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}},
	{Name: "linux/riscv64", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=riscv64"}},
	{Name: "linux/s390x", Env: []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=s390x"}},
	{Name: "wasip1/wasm", Env: []string{"CGO_ENABLED=0", "GOOS=wasip1", "GOARCH=wasm"}},
	{Name: "TinyGo wasip1", TinyGo: "wasip1"},
	{Name: "TinyGo wasm (browser)", TinyGo: "wasm"},
	{Name: "TinyGo cortex-m-qemu (flash)", TinyGo: "cortex-m-qemu"},
	{Name: "TinyGo pico, RP2040 (flash)", TinyGo: "pico"},
}

// Programs are the columns: the same verify-only program (./size/...) with
// this library, written directly against the standard library, and with the
// official library; then the program that also decodes (VerifyEvent).
var Programs = []string{"stackwebhook", "hmac", "svix", "verifyevent"}

// ErrDoesNotCompile is returned by Size when the toolchain refuses the
// program for the target (the official library under TinyGo).
var ErrDoesNotCompile = errors.New("does not compile")

var flashRE = regexp.MustCompile(`(?m)^\s*\d+\s+\d+\s+\d+\s+\|\s+(\d+)\s+\d+\s*$`)

// Size builds ./size/<program> (or a package path) for t, stripped, and
// returns its size in bytes: the file for standard Go and for TinyGo's wasm
// targets, the flash image for TinyGo's microcontroller targets. It must run
// in the bench module's directory; TinyGo must be on PATH for TinyGo targets.
func Size(t Target, program string, extra ...string) (int64, error) {
	dir, err := os.MkdirTemp("", "size")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	pkg := program
	if !strings.Contains(program, "/") {
		pkg = "./size/" + program
	}
	var cmd *exec.Cmd
	out := filepath.Join(dir, "prog")
	flash := t.TinyGo != "" && !strings.HasPrefix(t.TinyGo, "wasm") && t.TinyGo != "wasip1"
	switch {
	case t.TinyGo == "":
		args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, extra...)
		cmd = exec.Command("go", append(args, pkg)...)
		cmd.Env = append(os.Environ(), t.Env...)
	case flash:
		out += ".elf"
		cmd = exec.Command("tinygo", "build", "-size", "short", "-target", t.TinyGo, "-o", out, pkg)
	default:
		out += ".wasm"
		cmd = exec.Command("tinygo", "build", "-no-debug", "-target", t.TinyGo, "-o", out, pkg)
	}
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			return 0, fmt.Errorf("%w: %s %s: %s", ErrDoesNotCompile, t.Name, program, lastLine(output.String()))
		}
		return 0, err
	}
	if flash {
		m := flashRE.FindStringSubmatch(output.String())
		if m == nil {
			return 0, fmt.Errorf("%s %s: no size in tinygo's output:\n%s", t.Name, program, output.String())
		}
		return strconv.ParseInt(m[1], 10, 64)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
