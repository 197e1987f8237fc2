//go:build !tinygo

// TinyGo's runtime reports too little of its heap for this measurement.

package receiver_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook/receiver"
)

// Review L9 and review 3, measured: 2,000 ids of 64 KiB (125 MiB of keys)
// through a store bounded at 8 MiB leave the heap within 5% of that bound,
// whether the ids leave by eviction (the store is full) or by expiry (a
// retention that passed, the id claimed again): no evicted or forgotten id
// stays reachable through the store's queue of completed ids.
func TestMemoryStoreHeapStaysWithinBytes(t *testing.T) {
	ctx := context.Background()
	const bound = 8 << 20
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	pad := strings.Repeat("x", 64<<10)
	for _, tc := range []struct {
		name      string
		retention time.Duration
	}{{"evicted", time.Hour}, {"expired", time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1_700_000_000, 0)
			before := heap()
			store := receiver.NewMemoryStore(receiver.WithMaxBytes(bound), receiver.WithMemoryClock(func() time.Time { return now }))
			for i := 0; i < 2000; i++ {
				c, err := store.Claim(ctx, fmt.Sprint(i%100, pad), time.Minute)
				require.NoError(t, err)
				if c.State != receiver.Claimed {
					continue // still held: evicted ids come back only once they are gone
				}
				require.NoError(t, store.Complete(ctx, c, tc.retention))
				now = now.Add(2 * time.Second)
			}
			var grown int64 // the most, measured every 50 ids: what is held varies with the queue's phase
			for i := 0; i < 2000; i++ {
				c, err := store.Claim(ctx, fmt.Sprint(100+i, pad), time.Minute)
				require.NoError(t, err)
				require.NoError(t, store.Complete(ctx, c, tc.retention))
				if i%3 == 0 {
					now = now.Add(2 * time.Second)
				}
				if i%50 == 49 {
					grown = max(grown, int64(heap())-int64(before))
				}
			}
			t.Logf("heap grew by at most %.1f MiB for a store bounded at %d MiB", float64(grown)/(1<<20), bound>>20)
			assert.Less(t, grown, int64(bound*21/20)) // within 5%: the queue held 0.7 MiB more, the pages 0.9 MiB
			runtime.KeepAlive(store)
		})
	}
}
