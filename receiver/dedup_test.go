package receiver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

func TestDeduplicationAppliesOnce(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	store := receiver.NewMemoryStore()
	rec := recorder{err: errors.New("database down")}
	h := receiver.Handler(s.webhook(t), rec.fn, receiver.WithDeduplication(store))

	assert.Equal(t, http.StatusInternalServerError, serve(h, s.request(http.MethodPost, s.body)).Code)
	assert.Equal(t, 1, rec.calls, "fn ran and failed: the claim is released")
	rec.err = nil
	assert.Equal(t, http.StatusNoContent, serve(h, s.request(http.MethodPost, s.body)).Code)
	assert.Equal(t, 2, rec.calls, "the retry ran fn again")
	for range 3 {
		assert.Equal(t, http.StatusNoContent, serve(h, s.request(http.MethodPost, s.body)).Code, "Svix stops retrying")
	}
	assert.Equal(t, 2, rec.calls, "done: fn does not run again")

	// Another endpoint sharing the store, in its own namespace, applies it
	// once too; the same namespace does not.
	other := receiver.Handler(s.webhook(t), rec.fn, receiver.WithDeduplication(store), receiver.WithNamespace("tenant-b"))
	serve(other, s.request(http.MethodPost, s.body))
	serve(other, s.request(http.MethodPost, s.body))
	assert.Equal(t, 3, rec.calls)
}

// A delivery of an id that another delivery is processing at that moment:
// 409 with Retry-After, and fn is not called; after the first one is done,
// 204 without fn.
func TestDeduplicationInProgress(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	started, finish := make(chan struct{}), make(chan struct{})
	var calls int
	var mu sync.Mutex
	h := receiver.Handler(s.webhook(t), func(context.Context, stackwebhook.Event) error {
		mu.Lock()
		calls++
		mu.Unlock()
		close(started)
		<-finish
		return nil
	}, receiver.WithDeduplication(receiver.NewMemoryStore()), receiver.WithLease(30*time.Second))
	first := make(chan int)
	go func() { first <- serve(h, s.request(http.MethodPost, s.body)).Code }()
	<-started
	w := serve(h, s.request(http.MethodPost, s.body))
	assert.Equal(t, http.StatusConflict, w.Code)
	retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 30, retry, 1)
	close(finish)
	assert.Equal(t, http.StatusNoContent, <-first)
	assert.Equal(t, http.StatusNoContent, serve(h, s.request(http.MethodPost, s.body)).Code)
	assert.Equal(t, 1, calls)
}

type failingStore struct{ receiver.Store }

func (failingStore) Claim(context.Context, string, time.Duration) (receiver.Claim, error) {
	return receiver.Claim{}, errors.New("connection refused")
}

func TestDeduplicationStoreDown(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	var rec recorder
	var logs bytes.Buffer
	h := receiver.Handler(s.webhook(t), rec.fn, receiver.WithDeduplication(failingStore{}),
		receiver.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	w := serve(h, s.request(http.MethodPost, s.body))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.Zero(t, rec.calls, "never processed without deduplication")
	assert.Contains(t, logs.String(), "connection refused")
}

func TestMemoryStoreLeaseAndRetention(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	store := receiver.NewMemoryStore(receiver.WithMemoryClock(func() time.Time { return now }))
	ctx := context.Background()
	c, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	require.Equal(t, receiver.Claimed, c.State)
	// The instance crashed: until the lease passes the id is in progress,
	// then it is taken over.
	now = now.Add(59 * time.Second)
	again, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.InProgress, again.State)
	assert.Equal(t, time.Second, again.RetryAfter)
	now = now.Add(2 * time.Second)
	taken, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Claimed, taken.State)
	assert.ErrorIs(t, store.Complete(ctx, c, time.Hour), receiver.ErrClaimLost, "the crashed claim cannot complete")
	require.NoError(t, store.Complete(ctx, taken, time.Hour))
	done, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Done, done.State)
	now = now.Add(time.Hour + time.Second)
	forgotten, err := store.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Claimed, forgotten.State, "the retention has passed")
}

func TestMemoryStoreBounded(t *testing.T) {
	ctx := context.Background()
	store := receiver.NewMemoryStore(receiver.WithMaxEntries(3))
	for _, id := range []string{"a", "b", "c"} {
		c, err := store.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
		require.NoError(t, store.Complete(ctx, c, time.Hour))
	}
	c, err := store.Claim(ctx, "d", time.Minute) // evicts a, the oldest done
	require.NoError(t, err)
	assert.Equal(t, receiver.Claimed, c.State)
	for id, want := range map[string]receiver.ClaimState{"b": receiver.Done, "c": receiver.Done, "d": receiver.InProgress} {
		got, err := store.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, want, got.State, id)
	}
	got, err := store.Claim(ctx, "a", time.Minute) // evicted: processed again (evicts b)
	require.NoError(t, err)
	assert.Equal(t, receiver.Claimed, got.State)

	// Full of messages in progress: nothing to evict.
	full := receiver.NewMemoryStore(receiver.WithMaxEntries(2))
	for _, id := range []string{"x", "y"} {
		_, err := full.Claim(ctx, id, time.Minute)
		require.NoError(t, err)
	}
	_, err = full.Claim(ctx, "z", time.Minute)
	assert.ErrorIs(t, err, receiver.ErrStoreFull)
}

// fn sees the whole message: the verified id, the signed timestamp, the raw
// body and the request (PathValue included).
func TestMessageInContext(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	var got *receiver.Message
	h := receiver.Handler(s.webhook(t), func(ctx context.Context, ev stackwebhook.Event) error {
		got, _ = receiver.MessageFrom(ctx)
		return nil
	})
	r := s.request(http.MethodPost, s.body)
	r.SetPathValue("tenant", "acme") // as a ServeMux pattern "POST /hooks/{tenant}" sets it
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	require.Equal(t, http.StatusNoContent, w.Code)
	require.NotNil(t, got)
	assert.Equal(t, s.headers["svix-id"], got.ID)
	ts, err := strconv.ParseInt(s.headers["svix-timestamp"], 10, 64)
	require.NoError(t, err)
	assert.Equal(t, time.Unix(ts, 0), got.Timestamp)
	assert.Equal(t, s.body, got.Body)
	assert.Equal(t, "acme", got.Request.PathValue("tenant"))
	assert.Nil(t, got.Departures)
	_, ok := receiver.MessageFrom(context.Background())
	assert.False(t, ok)
}

// A signed payload that departs from Stack's schema: by default fn gets the
// best-effort event and the departures, logged at Warn by path; with
// WithStrictPayloads, 400.
func TestSchemaDrift(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	body, err := stackwebhook.MarshalEvent(&stackwebhook.TeamUpdated{Data: stackwebhook.Team{ID: "team_1", DisplayName: "Secret Name"}})
	require.NoError(t, err)
	var env map[string]any
	require.NoError(t, json.Unmarshal(body, &env))
	delete(env["data"].(map[string]any), "created_at_millis")
	env["data"].(map[string]any)["profile_image_url"] = 987654.5
	body, err = json.Marshal(env)
	require.NoError(t, err)
	req := func() *http.Request {
		r, err := stackwebhooktest.NewRawRequest("/webhooks/stack", secret, body)
		require.NoError(t, err)
		return r
	}

	var logs bytes.Buffer
	var got *receiver.Message
	var event stackwebhook.Event
	h := receiver.Handler(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		got, _ = receiver.MessageFrom(ctx)
		event = ev
		return nil
	}, receiver.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	assert.Equal(t, http.StatusNoContent, serve(h, req()).Code)
	require.NotNil(t, got)
	assert.Equal(t, "Secret Name", event.(*stackwebhook.TeamUpdated).Data.DisplayName)
	require.Len(t, got.Departures, 2)
	assert.Contains(t, logs.String(), "data.created_at_millis")
	assert.Contains(t, logs.String(), "data.profile_image_url")
	assert.NotContains(t, logs.String(), "Secret Name", "paths only, never values")
	assert.NotContains(t, logs.String(), "987654.5")

	var rec recorder
	strict := receiver.Handler(wh, rec.fn, receiver.WithStrictPayloads())
	assert.Equal(t, http.StatusBadRequest, serve(strict, req()).Code)
	assert.Zero(t, rec.calls)
}

// A claim's state prints as a word, in logs and in test failures.
func TestClaimStateString(t *testing.T) {
	assert.Equal(t, "claimed", receiver.Claimed.String())
	assert.Equal(t, "done", receiver.Done.String())
	assert.Equal(t, "in progress", receiver.InProgress.String())
	assert.Equal(t, "ClaimState(0)", receiver.ClaimState(0).String())
	assert.Equal(t, "state in progress", fmt.Sprintf("state %v", receiver.InProgress))
}

// Review item: a message id over MaxMessageIDBytes is refused with 400
// before any store sees it.
func TestLongMessageIDRefused(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	store := &countingStore{Store: receiver.NewMemoryStore()}
	h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { return nil }, receiver.WithDeduplication(store))
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	for _, tc := range []struct {
		id   string
		code int
	}{{strings.Repeat("m", receiver.MaxMessageIDBytes), http.StatusNoContent}, {strings.Repeat("m", receiver.MaxMessageIDBytes+1), http.StatusBadRequest}} {
		req, err := stackwebhooktest.NewRawRequest("/hook", secret, body, stackwebhooktest.WithMessageID(tc.id))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, tc.code, rec.Code, "id of %d bytes", len(tc.id))
	}
	assert.Equal(t, 1, store.claims, "the long id never reached the store")
}

type countingStore struct {
	receiver.Store
	claims int
}

func (s *countingStore) Claim(ctx context.Context, key string, lease time.Duration) (receiver.Claim, error) {
	s.claims++
	return s.Store.Claim(ctx, key, lease)
}
