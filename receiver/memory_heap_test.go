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

// Review L9, measured: 2,000 ids of 64 KiB (125 MiB of keys) through a store
// bounded at 8 MiB leave the heap within twice that bound.
func TestMemoryStoreHeapStaysWithinBytes(t *testing.T) {
	ctx := context.Background()
	const bound = 8 << 20
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	store := receiver.NewMemoryStore(receiver.WithMaxBytes(bound))
	pad := strings.Repeat("x", 64<<10)
	for i := 0; i < 2000; i++ {
		c, err := store.Claim(ctx, fmt.Sprint(i, pad), time.Minute)
		require.NoError(t, err)
		require.NoError(t, store.Complete(ctx, c, time.Hour))
	}
	grown := int64(heap()) - int64(before)
	t.Logf("heap grew by %.1f MiB for a store bounded at %d MiB", float64(grown)/(1<<20), bound>>20)
	assert.Less(t, grown, int64(2*bound))
	runtime.KeepAlive(store)
}
