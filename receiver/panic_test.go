//go:build !tinygo

// TinyGo's recover does not work on wasm, where its tests run.

package receiver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// Review L7: a panic in fn releases the claim and goes on up; the next
// delivery processes the message at once instead of getting 409.
func TestPanicReleasesTheClaim(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	store := receiver.NewMemoryStore()
	calls := 0
	var outcomes []receiver.Outcome
	h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	}, receiver.WithDeduplication(store), receiver.WithObserver(func(_ context.Context, r receiver.Report) { outcomes = append(outcomes, r.Outcome) }))
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	req, err := stackwebhooktest.NewRawRequest("/hook", secret, body, stackwebhooktest.WithMessageID("msg_panic"))
	require.NoError(t, err)
	assert.PanicsWithValue(t, "boom", func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	req, err = stackwebhooktest.NewRawRequest("/hook", secret, body, stackwebhooktest.WithMessageID("msg_panic"))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNoContent, rec.Code, "the retry after a panic")
	assert.Equal(t, 2, calls)
	assert.Equal(t, []receiver.Outcome{receiver.FnFailed, receiver.Applied}, outcomes, "the panic is observed")
}

// Review L8: a namespace with a colon could collide with another's keys
// ("a:b" + "msg_1" and "a" + "b:msg_1"): refused when the handler is made.
func TestNamespaceWithColonRefused(t *testing.T) {
	wh, err := stackwebhook.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	fn := func(context.Context, stackwebhook.Event) error { return nil }
	assert.Panics(t, func() { receiver.Handler(wh, fn, receiver.WithNamespace("a:b")) })
	assert.NotPanics(t, func() { receiver.Handler(wh, fn, receiver.WithNamespace("tenant_a")) })
}

// A byte bound that is not positive is a configuration error.
func TestMemoryStoreRefusesZeroBytes(t *testing.T) {
	assert.Panics(t, func() { receiver.NewMemoryStore(receiver.WithMaxBytes(0)) })
}
