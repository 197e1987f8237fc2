package receiver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signed is a request from conformance/vectors.json: signed by the official
// svix Go library, with the clock it was checked at.
type signed struct {
	kind, secret string
	headers      map[string]string
	body         []byte
	now          time.Time
}

func officialRequests(t *testing.T, keep func(kind string) bool) []signed {
	data, err := os.ReadFile("../conformance/vectors.json")
	require.NoError(t, err)
	var corpus struct {
		Cases []struct {
			Kind, Secret, Go string
			Headers          map[string]string
			Body             string `json:"body_b64"`
			NowMs            int64  `json:"now_ms"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &corpus))
	var out []signed
	for _, c := range corpus.Cases {
		if c.Go == "ok" && keep(c.Kind) {
			body, err := base64.StdEncoding.DecodeString(c.Body)
			require.NoError(t, err)
			out = append(out, signed{c.Kind, c.Secret, c.Headers, body, time.UnixMilli(c.NowMs)})
		}
	}
	require.NotEmpty(t, out)
	return out
}

func (s signed) webhook(t *testing.T) *stackwebhook.Webhook {
	wh, err := stackwebhook.NewWebhook(s.secret, stackwebhook.WithClock(func() time.Time { return s.now }))
	require.NoError(t, err)
	return wh
}

func (s signed) request(method string, body []byte) *http.Request {
	r := httptest.NewRequest(method, "/webhooks/stack", bytes.NewReader(body))
	for k, v := range s.headers {
		r.Header.Set(k, v)
	}
	return r
}

// recorder counts the calls of fn and keeps the last event and message id.
type recorder struct {
	calls int
	event stackwebhook.Event
	id    string
	err   error
}

func (rec *recorder) fn(ctx context.Context, ev stackwebhook.Event) error {
	rec.calls++
	rec.event, rec.id = ev, receiver.MessageID(ctx)
	return rec.err
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDeliversEveryEvent(t *testing.T) {
	for _, s := range officialRequests(t, func(k string) bool { return strings.HasPrefix(k, "event_") }) {
		var rec recorder
		w := serve(receiver.Handler(s.webhook(t), rec.fn), s.request(http.MethodPost, s.body))
		assert.Equal(t, http.StatusNoContent, w.Code, s.kind)
		require.Equal(t, 1, rec.calls, s.kind)
		want, err := stackwebhook.ParseEvent(s.body)
		require.NoError(t, err)
		assert.Equal(t, want, rec.event)
		assert.Equal(t, s.headers["svix-id"], rec.id)
	}
}

func TestRefusals(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_user.created-anonymous" })[0]
	notStack := officialRequests(t, func(k string) bool { return k == "valid" })
	var notPayload signed
	for _, c := range notStack {
		if _, err := stackwebhook.ParseEvent(c.body); err != nil && c.headers["svix-id"] != "" {
			notPayload = c
			break
		}
	}
	require.NotNil(t, notPayload.body)

	for _, tc := range []struct {
		name    string
		handler func(rec *recorder) http.Handler
		req     *http.Request
		code    int
	}{
		{"GET", func(rec *recorder) http.Handler { return receiver.Handler(s.webhook(t), rec.fn) }, s.request(http.MethodGet, nil), http.StatusMethodNotAllowed},
		{"PUT", func(rec *recorder) http.Handler { return receiver.Handler(s.webhook(t), rec.fn) }, s.request(http.MethodPut, s.body), http.StatusMethodNotAllowed},
		{"over the limit", func(rec *recorder) http.Handler {
			return receiver.Handler(s.webhook(t), rec.fn, receiver.WithMaxBodyBytes(int64(len(s.body)-1)))
		}, s.request(http.MethodPost, s.body), http.StatusRequestEntityTooLarge},
		{"tampered body", func(rec *recorder) http.Handler { return receiver.Handler(s.webhook(t), rec.fn) },
			s.request(http.MethodPost, append(bytes.Clone(s.body), '\n')), http.StatusUnauthorized},
		{"wrong secret", func(rec *recorder) http.Handler {
			wh, err := stackwebhook.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			require.NoError(t, err)
			return receiver.Handler(wh, rec.fn)
		}, s.request(http.MethodPost, s.body), http.StatusUnauthorized},
		{"clock skew", func(rec *recorder) http.Handler {
			wh, err := stackwebhook.NewWebhook(s.secret, stackwebhook.WithClock(func() time.Time { return s.now.Add(time.Hour) }))
			require.NoError(t, err)
			return receiver.Handler(wh, rec.fn)
		}, s.request(http.MethodPost, s.body), http.StatusUnauthorized},
		{"no headers", func(rec *recorder) http.Handler { return receiver.Handler(s.webhook(t), rec.fn) },
			httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(s.body)), http.StatusUnauthorized},
		{"signed, not a Stack payload", func(rec *recorder) http.Handler { return receiver.Handler(notPayload.webhook(t), rec.fn) },
			notPayload.request(http.MethodPost, notPayload.body), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			w := serve(tc.handler(&rec), tc.req)
			assert.Equal(t, tc.code, w.Code)
			assert.Zero(t, rec.calls, "fn must not be called")
			if tc.code == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", w.Header().Get("Allow"))
			}
		})
	}
}

func TestHandlerErrorMeansRetry(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.created" })[0]
	rec := recorder{err: errors.New("database down")}
	w := serve(receiver.Handler(s.webhook(t), rec.fn), s.request(http.MethodPost, s.body))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, 1, rec.calls)
}

func TestLogsNeverHoldSecretOrBody(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_user.updated-oauth-and-team" })[0]
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	rec := recorder{err: errors.New("boom")}
	h := receiver.Handler(s.webhook(t), rec.fn, receiver.WithLogger(logger))
	serve(h, s.request(http.MethodPost, s.body))                                              // fn fails
	serve(h, s.request(http.MethodPost, append(bytes.Clone(s.body), ' ')))                    // bad signature
	serve(h, s.request(http.MethodGet, nil))                                                  // bad method
	serve(h, s.request(http.MethodPost, []byte(`{"type":"team.deleted","data":{"id":1.5}}`))) // bad signature too

	out := logs.String()
	assert.Equal(t, 4, strings.Count(out, "\n"), out)
	assert.Contains(t, out, s.headers["svix-id"])
	assert.Contains(t, out, `"status":401`)
	assert.Contains(t, out, "boom")
	for _, secret := range []string{s.secret, strings.TrimPrefix(s.secret, "whsec_"), s.headers["svix-signature"][3:]} {
		assert.NotContains(t, out, secret)
	}
	assert.NotContains(t, out, "Grace", "no body content in logs")
	assert.NotContains(t, out, "Compilers", "no body content in logs")
}

// attrRecorder is a slog.Handler that keeps attribute values as they are,
// unescaped, as a careless handler would write them.
type attrRecorder struct{ values *[]string }

func (a attrRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (a attrRecorder) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a attrRecorder) WithGroup(string) slog.Handler            { return a }
func (a attrRecorder) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(at slog.Attr) bool { *a.values = append(*a.values, at.Value.String()); return true })
	return nil
}

// An unauthenticated request's svix-id is logged bounded and escaped: a
// 100 KiB id, or one with a line break and a terminal escape, never reaches
// the log whole or raw.
func TestLoggedSenderStringsAreBoundedAndEscaped(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.deleted" })[0]
	for _, id := range []string{strings.Repeat("A", 100<<10), "msg_1\n\x1b]0;owned\x07level=INFO msg=verified", "msg_\xff\xfe"} {
		var values []string
		h := receiver.Handler(s.webhook(t), (&recorder{}).fn, receiver.WithLogger(slog.New(attrRecorder{&values})))
		r := s.request(http.MethodPost, s.body)
		r.Header.Set("svix-id", id)
		assert.Equal(t, http.StatusUnauthorized, serve(h, r).Code)
		require.NotEmpty(t, values)
		for _, v := range values {
			assert.LessOrEqual(t, len(v), 256, "a logged value is bounded")
			assert.NotContains(t, v, "\n")
			assert.NotContains(t, v, "\x1b")
			assert.True(t, utf8.ValidString(v))
		}
	}
}

func TestWebhookHeaderSetMessageID(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.deleted" })[0]
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(s.body))
	r.Header.Set("webhook-id", s.headers["svix-id"])
	r.Header.Set("webhook-timestamp", s.headers["svix-timestamp"])
	r.Header.Set("webhook-signature", s.headers["svix-signature"])
	var rec recorder
	w := serve(receiver.Handler(s.webhook(t), rec.fn), r)
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, s.headers["svix-id"], rec.id)
}

// When the svix-* set is incomplete, Verify checks the webhook-* set: the id
// handed to fn must be the one that was verified, not a stray svix-id.
func TestMessageIDIsTheVerifiedOne(t *testing.T) {
	s := officialRequests(t, func(k string) bool { return k == "event_team.deleted" })[0]
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(s.body))
	r.Header.Set("svix-id", "msg_stray")
	r.Header.Set("webhook-id", s.headers["svix-id"])
	r.Header.Set("webhook-timestamp", s.headers["svix-timestamp"])
	r.Header.Set("webhook-signature", s.headers["svix-signature"])
	var rec recorder
	w := serve(receiver.Handler(s.webhook(t), rec.fn), r)
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, s.headers["svix-id"], rec.id)
}

// Svix's "send example" body, exactly as its App Portal sends it, signed
// with the endpoint's secret: answered 204 without calling fn, in the
// default and the strict mode, with and without deduplication, and logged
// at info.
func TestSvixPingAcknowledged(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	for _, opts := range [][]receiver.Option{nil, {receiver.WithStrictPayloads()}, {receiver.WithDeduplication(receiver.NewMemoryStore())}} {
		var logs bytes.Buffer
		called := false
		h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { called = true; return nil },
			append(opts, receiver.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))...)
		req, err := stackwebhooktest.NewRawRequest("/hook", secret, []byte(`{"success": true}`))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusNoContent, rec.Code)
		assert.False(t, called, "fn was called for a ping")
		assert.Contains(t, logs.String(), "level=INFO")
		assert.Contains(t, logs.String(), "Svix ping acknowledged")
	}
}
