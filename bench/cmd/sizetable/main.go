// Command sizetable prints the table (docs/targets.md) of verify-only program sizes:
// every target of bench.Targets, with standard Go and with TinyGo, for this
// library, the standard library alone and the official library. Run it from
// the bench directory, with TinyGo on PATH:
//
//	go run ./cmd/sizetable
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/stackwebhook/stackwebhook/bench"
)

func main() {
	if _, err := exec.LookPath("tinygo"); err != nil {
		fmt.Fprintln(os.Stderr, "sizetable: tinygo is not on PATH; the TinyGo rows need it")
		os.Exit(1)
	}
	fmt.Println("| target | stackwebhook | standard library alone | ours / standard library | official svix v1.44.0 | with VerifyEvent | VerifyEvent / Verify |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, t := range bench.Targets {
		sizes := map[string]int64{}
		cells := map[string]string{}
		for _, p := range bench.Programs {
			n, err := bench.Size(t, p)
			switch {
			case errors.Is(err, bench.ErrDoesNotCompile):
				cells[p] = "does not compile"
			case err != nil:
				fmt.Fprintln(os.Stderr, "sizetable:", err)
				os.Exit(1)
			default:
				sizes[p], cells[p] = n, group(n)
			}
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", t.Name, cells["stackwebhook"], cells["hmac"],
			ratio(sizes["stackwebhook"], sizes["hmac"]), cells["svix"], cells["verifyevent"], ratio(sizes["verifyevent"], sizes["stackwebhook"]))
	}
}

func ratio(a, b int64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fx", float64(a)/float64(b))
}

// group writes n with thousands separators: 1,786,018.
func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
