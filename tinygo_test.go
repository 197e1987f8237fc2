//go:build tinygo

package stackwebhook

import (
	"runtime"
	"strconv"
	"testing"
)

// Under TinyGo (test.sh runs tinygo test -target=wasip1), Verify's
// allocations come from TinyGo's build of the standard library alone, as
// measured piece by piece: crypto/sha256's Sum moves its state copy to the
// heap (72 B, twice per HMAC) and crypto/hmac's Reset allocates 4 B. This
// package's code adds none: a range-over-func iterator and its closure once
// cost 19 allocations and 365 B a call.
func TestTinyGoVerifyAllocations(t *testing.T) {
	wh := pubWebhook(t)
	h := svixSet(pubID, strconv.Itoa(pubTS), pubSig)
	body := []byte(pubBody)
	if err := wh.Verify(body, h); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	const runs = 100
	runtime.ReadMemStats(&before)
	for range runs {
		_ = wh.Verify(body, h)
	}
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / runs
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / runs
	t.Logf("Verify under TinyGo: %.1f allocations, %.0f B per call", allocs, bytes)
	if allocs > 4 || bytes > 152 {
		t.Errorf("Verify allocates %.1f times, %.0f B per call", allocs, bytes)
	}
}

// ParseEvent under TinyGo: no reflection, and no conversion of bytes to a
// string to compare a key (TinyGo allocates for each; that made 539
// allocations), so what it allocates is what the standard toolchain does,
// plus TinyGo's own: 14 allocations and 1,157 B for the full user payload
// on wasip1 (1,141 B before User's 28th field, ExternalAuthProviders, whose
// slice header grew the event by 12 B, 16 as TinyGo rounds it; 16 and 1,269 B while skipping a value kept its stack of open
// containers in a slice, which TinyGo put on the heap; 46 and 2,903 B when
// each string had an allocation of its own and the type, the paths and a
// copy of the data took more); the
// encoding/json path took 113 allocations on a Cortex-M3 for a smaller one.
func TestTinyGoParseEventAllocations(t *testing.T) {
	body := readPayloads(t, "current")["user.updated-oauth-and-team.json"]
	if _, err := ParseEvent(body); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	const runs = 20
	runtime.ReadMemStats(&before)
	for range runs {
		_, _ = ParseEvent(body)
	}
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / runs
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / runs
	t.Logf("ParseEvent of the full user payload under TinyGo: %.1f allocations, %.0f B", allocs, bytes)
	if allocs > 14 || bytes > 1157 {
		t.Errorf("ParseEvent allocates %.1f times, %.0f B", allocs, bytes)
	}
}
