// Command timingcheck looks for a timing leak in Verify's comparison, in the
// manner of dudect: it times Verify on two classes of forged signature,
// interleaved at random, and applies Welch's t-test to the two samples.
//
//   - class "none": the expected MAC with every byte changed, so that it
//     matches the expected MAC in none of its bytes;
//   - class "all-but-last": the expected MAC with its last byte changed.
//
// A comparison that stops at the first differing byte takes longer on the
// second class: t = (mean none - mean all-but-last) / its standard error
// goes negative and grows with the number of measurements. The check is
// one-sided for that reason: a leak is t < -threshold (10, dudect's bound for
// "definitely not constant time"). Two classes that both differ from the
// first byte, but in other byte values, show a residual of about 0.1 ns
// (t of +8 to +17 at 400,000 measurements on this project's machine): the
// values themselves, not where they stop matching, so it says nothing about
// how much of a forged signature is right. It exits 1 when a leak is found
// in every one of -runs runs, or, with -expect-leak, in none.
//
//	go run ./cmd/timingcheck                                                   # Verify as built: passes
//	go run -tags stackwebhook_leaky_compare ./cmd/timingcheck -expect-leak     # an early-exit byte loop instead: flagged
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

func main() {
	n := flag.Int("n", 400_000, "measurements")
	reps := flag.Int("reps", 8, "Verify calls per measurement")
	threshold := flag.Float64("threshold", 10, "the |t| above which the comparison is called leaky (dudect: 10, definitely not constant time)")
	expectLeak := flag.Bool("expect-leak", false, "fail unless a leak is found (for the leaky build)")
	runs := flag.Int("runs", 3, "independent runs: a leak is reported if every run finds one (with -expect-leak: if any does)")
	flag.Parse()

	key := []byte("0123456789abcdef0123456789abcdef")
	wh, err := stackwebhook.NewWebhookRaw(key, stackwebhook.WithClock(func() time.Time { return time.Unix(1_700_000_000, 0) }))
	if err != nil {
		panic(err)
	}
	id, ts, body := "msg_timing", int64(1_700_000_000), make([]byte, 128)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	forge := func(change func(sig []byte)) string {
		sig := append([]byte(nil), want...)
		change(sig)
		return "v1," + base64.StdEncoding.EncodeToString(sig)
	}
	// The two classes differ only in the bytes compared: one header map, and
	// both signatures in one string, side by side in memory, so that nothing
	// but their content tells them apart (as dudect fills one buffer).
	both := forge(func(sig []byte) {
		for i := range sig {
			sig[i] ^= 0xff
		}
	}) + forge(func(sig []byte) { sig[len(sig)-1] ^= 0x01 })
	classes := [2]string{both[:len(both)/2], both[len(both)/2:]}
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", strconv.FormatInt(ts, 10))
	h.Set("svix-signature", classes[0])
	signature := h["Svix-Signature"]
	for _, sig := range classes {
		signature[0] = sig
		if !isNoMatch(wh.Verify(body, h)) {
			panic("a forged signature was not refused")
		}
	}

	leaks := 0
	for run := 1; run <= *runs; run++ {
		t, m0, m1, count := measure(wh, body, h, signature, classes, *n, *reps)
		fmt.Printf("timingcheck: run %d: %d measurements of %d calls; mean ns/call: none %.2f, all-but-last %.2f; Welch t = %.2f (t < -%.1f flags a leak)\n",
			run, count, *reps, m0, m1, t, *threshold)
		if t < -*threshold {
			leaks++
		}
	}
	leak := leaks == *runs
	if *expectLeak {
		leak = leaks > 0
	}

	switch {
	case leak && !*expectLeak:
		fmt.Println("timingcheck: LEAK: Verify's time depends on how many bytes of a forged signature match")
		os.Exit(1)
	case !leak && *expectLeak:
		fmt.Println("timingcheck: no leak found where one was expected")
		os.Exit(1)
	case leak:
		fmt.Println("timingcheck: leak found, as expected of this build")
	default:
		fmt.Println("timingcheck: no leak found")
	}
}

// measure times n interleaved measurements of reps calls, the class of each
// drawn at random, and returns Welch's t with the two means.
func measure(wh *stackwebhook.Webhook, body []byte, h http.Header, signature []string, classes [2]string, n, reps int) (t, m0, m1 float64, count int) {
	var samples [2][]float64
	for range 10_000 { // warm up
		signature[0] = classes[rand.IntN(2)]
		_ = wh.Verify(body, h)
	}
	for range n {
		c := rand.IntN(2)
		signature[0] = classes[c]
		start := time.Now()
		for range reps {
			_ = wh.Verify(body, h)
		}
		samples[c] = append(samples[c], float64(time.Since(start).Nanoseconds())/float64(reps))
	}
	// As dudect does, drop the slowest measurements (interrupts, scheduling),
	// at one common cut-off for both classes.
	cut := percentile(append(append([]float64(nil), samples[0]...), samples[1]...), 0.9)
	for c := range samples {
		samples[c] = below(samples[c], cut)
	}
	t, m0, m1 = welch(samples[0], samples[1])
	return t, m0, m1, len(samples[0]) + len(samples[1])
}

func isNoMatch(err error) bool { return errors.Is(err, stackwebhook.ErrNoMatchingSignature) }

func percentile(x []float64, p float64) float64 {
	sort.Float64s(x)
	return x[int(p*float64(len(x)-1))]
}

func below(x []float64, cut float64) []float64 {
	out := x[:0]
	for _, v := range x {
		if v <= cut {
			out = append(out, v)
		}
	}
	return out
}

// welch returns Welch's t statistic of two samples, and their means.
func welch(a, b []float64) (t, ma, mb float64) {
	mean := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	variance := func(x []float64, m float64) float64 {
		s := 0.0
		for _, v := range x {
			s += (v - m) * (v - m)
		}
		return s / float64(len(x)-1)
	}
	ma, mb = mean(a), mean(b)
	return (ma - mb) / math.Sqrt(variance(a, ma)/float64(len(a))+variance(b, mb)/float64(len(b))), ma, mb
}
