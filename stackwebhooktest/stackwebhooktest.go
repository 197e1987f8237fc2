// Package stackwebhooktest builds signed webhook requests for your own
// tests, so that a handler can be tested without a network or a Stack
// server, as Stack would call it:
//
//	req, err := stackwebhooktest.NewRequest("/webhooks/stack", secret, &stackwebhook.UserCreated{Data: user})
//	rec := httptest.NewRecorder()
//	myHandler.ServeHTTP(rec, req)
//
// The signatures are the ones a Svix sender makes (stackwebhook's Sign,
// which the project checks against the official libraries).
package stackwebhooktest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

type config struct {
	id  string
	now time.Time
}

// Option sets a field of the message; the defaults are a fresh random
// message id and the current time.
type Option func(*config)

// WithMessageID sets the svix-id header, for tests of idempotency.
func WithMessageID(id string) Option { return func(c *config) { c.id = id } }

// WithTimestamp sets the signing time, for tests of the tolerance.
func WithTimestamp(t time.Time) Option { return func(c *config) { c.now = t } }

func newConfig(opts []Option) config {
	var b [12]byte
	_, _ = rand.Read(b[:])
	c := config{id: "msg_test_" + hex.EncodeToString(b[:]), now: time.Now()}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// Headers returns the svix-id, svix-timestamp and svix-signature headers
// of body signed with secret ("whsec_..."). An invalid secret returns
// stackwebhook.ErrInvalidSecret.
func Headers(secret string, body []byte, opts ...Option) (http.Header, error) {
	c := newConfig(opts)
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	sig, err := wh.Sign(c.id, c.now, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(stackwebhook.HeaderSvixID, c.id)
	h.Set(stackwebhook.HeaderSvixTimestamp, strconv.FormatInt(c.now.Unix(), 10))
	h.Set(stackwebhook.HeaderSvixSignature, sig)
	return h, nil
}

// NewRawRequest returns a POST request to target with body and its
// signature headers, ready for a handler's ServeHTTP or an http.Client.
func NewRawRequest(target, secret string, body []byte, opts ...Option) (*http.Request, error) {
	h, err := Headers(secret, body, opts...)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// NewRequest is NewRawRequest for an event, encoded as Stack sends it
// (stackwebhook.MarshalEvent).
func NewRequest(target, secret string, ev stackwebhook.Event, opts ...Option) (*http.Request, error) {
	body, err := stackwebhook.MarshalEvent(ev)
	if err != nil {
		return nil, err
	}
	return NewRawRequest(target, secret, body, opts...)
}
