package receiver_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// Review L6: fn runs longer than the lease. The claim is renewed while fn
// runs, so a duplicate delivered after the lease would have passed twice
// over is answered 409, and the message is applied once.
//
// The store's clock moves only when a renewal reaches it (0.9 of a lease
// each time), so what the duplicate meets is decided by the renewals that
// happened, not by how fast the machine ran them. The real lease only has
// to outlast the handler's own renewal timer, a third of it, by two seconds.
func TestLeaseRenewedWhileFnRuns(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	const lease = 3 * time.Second
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	renewed := make(chan struct{}, 16)
	store := &steppingStore{
		Store: receiver.NewMemoryStore(receiver.WithMemoryClock(clock)),
		before: func() {
			mu.Lock()
			now = now.Add(lease * 9 / 10)
			mu.Unlock()
		},
		after: func() { renewed <- struct{}{} },
	}
	var calls atomic.Int32
	release := make(chan struct{})
	h := receiver.Handler(s.webhook(t), func(ctx context.Context, _ stackwebhook.Event) error {
		calls.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}, receiver.WithDeduplication(store), receiver.WithLease(lease))
	first := make(chan int)
	go func() { first <- serve(h, s.request(http.MethodPost, s.body)).Code }()
	for i := range 3 { // 2.7 leases after the claim by the store's clock
		select {
		case <-renewed:
		case <-time.After(time.Minute):
			t.Fatalf("renewal %d never came: renewals are due every %v", i+1, lease/3)
		}
	}
	dup := serve(h, s.request(http.MethodPost, s.body))
	assert.Equal(t, http.StatusConflict, dup.Code, "the claim is still held")
	close(release)
	assert.Equal(t, http.StatusNoContent, <-first)
	assert.Equal(t, http.StatusNoContent, serve(h, s.request(http.MethodPost, s.body)).Code)
	assert.Equal(t, int32(1), calls.Load(), "applied once")
}

// steppingStore calls before and after around each renewal of the store it
// wraps.
type steppingStore struct {
	receiver.Store
	before, after func()
}

func (s *steppingStore) Extend(ctx context.Context, c receiver.Claim, lease time.Duration) error {
	s.before()
	err := s.Store.(receiver.Extender).Extend(ctx, c, lease)
	s.after()
	return err
}

// onlyStore hides the Extender of the store it wraps.
type onlyStore struct{ receiver.Store }

// lostStore's claims are taken by someone else as soon as they are made.
type lostStore struct{ receiver.Store }

func (lostStore) Extend(context.Context, receiver.Claim, time.Duration) error {
	return receiver.ErrClaimLost
}

// When the claim cannot be held (a store that cannot renew, once the lease
// has passed; a renewal that finds the claim taken), fn's context ends with
// the cause ErrClaimLost, and the answer is 500.
func TestFnContextEndsWhenClaimLost(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	for name, store := range map[string]receiver.Store{
		"no renewal":    onlyStore{receiver.NewMemoryStore()},
		"renewal fails": lostStore{receiver.NewMemoryStore()},
	} {
		t.Run(name, func(t *testing.T) {
			var cause error
			h := receiver.Handler(s.webhook(t), func(ctx context.Context, _ stackwebhook.Event) error {
				select {
				case <-ctx.Done():
					cause = context.Cause(ctx)
					return ctx.Err()
				case <-time.After(time.Minute): // the claim was held far past its lease
					return nil
				}
			}, receiver.WithDeduplication(store), receiver.WithLease(150*time.Millisecond))
			assert.Equal(t, http.StatusInternalServerError, serve(h, s.request(http.MethodPost, s.body)).Code)
			assert.ErrorIs(t, cause, receiver.ErrClaimLost)
		})
	}
}

// The memory store's Extend renews its own live claims only.
func TestMemoryStoreExtend(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	store := receiver.NewMemoryStore(receiver.WithMemoryClock(func() time.Time { return now }))
	ext := store.(receiver.Extender)
	ctx := context.Background()
	c, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	now = now.Add(50 * time.Second)
	require.NoError(t, ext.Extend(ctx, c, time.Minute))
	now = now.Add(50 * time.Second) // 100 s after the claim, 50 s after the renewal
	busy, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.InProgress, busy.State, "renewed")
	assert.ErrorIs(t, ext.Extend(ctx, receiver.Claim{Key: "a", Token: "other"}, time.Minute), receiver.ErrClaimLost)
	require.NoError(t, store.Complete(ctx, c, time.Hour))
	assert.ErrorIs(t, ext.Extend(ctx, c, time.Minute), receiver.ErrClaimLost, "a completed claim")
}

// Review L9: the memory store is bounded in bytes, not only in entries.
func TestMemoryStoreBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	store := receiver.NewMemoryStore(receiver.WithMaxBytes(1 << 20))
	big := func(i int) string {
		return string(rune('a'+i%26)) + string(make([]byte, 64<<10)) + string(rune('0'+i/26%10)) + string(rune('0'+i/260))
	}
	for i := 0; i < 40; i++ { // 2.5 MiB of ids into 1 MiB
		c, err := store.Claim(ctx, big(i), time.Minute)
		require.NoError(t, err)
		require.Equal(t, receiver.Claimed, c.State, "id %d", i)
		require.NoError(t, store.Complete(ctx, c, time.Hour))
	}
	first, err := store.Claim(ctx, big(0), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Claimed, first.State, "the oldest were evicted to stay within the bound")
	last, err := store.Claim(ctx, big(39), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Done, last.State, "the newest are kept")
	_, err = store.Claim(ctx, string(make([]byte, 2<<20)), time.Minute)
	assert.ErrorIs(t, err, receiver.ErrStoreFull, "one id larger than the bound")
}

// HandlerFor refuses the options that belong to Handler's own store.
func TestHandlerForRefusesHandlerOptions(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	a := applierFunc(func(context.Context, receiver.Delivery) receiver.Result {
		return receiver.Result{Outcome: receiver.Applied}
	})
	for _, opt := range []receiver.Option{receiver.WithDeduplication(receiver.NewMemoryStore()), receiver.WithLease(time.Second)} {
		_, err := receiver.HandlerFor(s.webhook(t), a, opt)
		assert.ErrorIs(t, err, receiver.ErrOptionNotApplicable)
	}
	_, err := receiver.HandlerFor(s.webhook(t), nil)
	assert.ErrorIs(t, err, receiver.ErrOptionNotApplicable)
	_, err = receiver.HandlerFor(nil, a)
	assert.True(t, errors.Is(err, receiver.ErrOptionNotApplicable))
}

type applierFunc func(context.Context, receiver.Delivery) receiver.Result

func (f applierFunc) Apply(ctx context.Context, d receiver.Delivery) receiver.Result {
	return f(ctx, d)
}
