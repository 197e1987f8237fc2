package receiver_test

import (
	"context"
	"errors"
	"net/http"
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

// Every way a request ends reaches the observer, with the status answered.
func TestObserverSeesEveryOutcome(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	var mu sync.Mutex
	var reports []receiver.Report
	observe := receiver.WithObserver(func(_ context.Context, r receiver.Report) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, r)
	})
	fail := false
	block, blocked := make(chan struct{}), make(chan struct{})
	fn := func(ctx context.Context, ev stackwebhook.Event) error {
		if receiver.MessageID(ctx) == "msg_slow" {
			close(blocked)
			<-block
		}
		if fail {
			return errors.New("database down")
		}
		return nil
	}
	h := receiver.Handler(wh, fn, receiver.WithDeduplication(receiver.NewMemoryStore()), observe)
	down := receiver.Handler(wh, fn, receiver.WithDeduplication(failingStore{}), observe)
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	send := func(h http.Handler, id string, body []byte) int {
		req, err := stackwebhooktest.NewRawRequest("/hook", secret, body, stackwebhooktest.WithMessageID(id))
		require.NoError(t, err)
		return serve(h, req).Code
	}
	send(h, "msg_1", body)                           // applied
	send(h, "msg_1", body)                           // duplicate
	send(h, "msg_ping", []byte(`{"success": true}`)) // ping
	send(down, "msg_2", body)                        // store failed
	fail = true
	send(h, "msg_3", body) // fn failed
	fail = false
	bad, _ := stackwebhooktest.NewRawRequest("/hook", secret, body)
	bad.Header.Set("svix-signature", "v1,AAAA")
	serve(h, bad) // refused
	slow := make(chan int)
	go func() { slow <- send(h, "msg_slow", body) }()
	<-blocked
	send(h, "msg_slow", body) // busy
	close(block)
	<-slow

	want := []struct {
		outcome receiver.Outcome
		status  int
	}{
		{receiver.Applied, 204}, {receiver.Duplicate, 204}, {receiver.PingAcknowledged, 204}, {receiver.StoreFailed, 503},
		{receiver.FnFailed, 500}, {receiver.Refused, 401}, {receiver.Busy, 409}, {receiver.Applied, 204},
	}
	require.Len(t, reports, len(want))
	for i, w := range want {
		r := reports[i]
		assert.Equal(t, w.outcome, r.Outcome, "report %d: %s", i, r.Outcome)
		assert.Equal(t, w.status, r.Status, "report %d", i)
		assert.Greater(t, r.Latency, time.Duration(0))
	}
	assert.Equal(t, "team.deleted", reports[0].EventType)
	assert.Equal(t, "msg_1", reports[0].MessageID)
	assert.Equal(t, "svix.ping", reports[2].EventType)
	assert.EqualError(t, reports[4].Err, "database down")
	assert.Contains(t, reports[5].Reason, "signature")
	assert.Positive(t, reports[6].RetryAfter)
	assert.Equal(t, receiver.RefusedNoMatch, reports[5].Refusal)
	for i, r := range reports {
		if i != 5 {
			assert.Empty(t, r.Refusal, "report %d: only a refusal has one", i)
		}
	}
	for o := receiver.Applied; o <= receiver.PingAcknowledged; o++ {
		assert.Regexp(t, `^[a-z_]+$`, o.String(), "a label value without spaces")
	}
	assert.Equal(t, "fn_failed", receiver.FnFailed.String())
	assert.Equal(t, "store_failed", receiver.StoreFailed.String())
	assert.Equal(t, "Outcome(99)", receiver.Outcome(99).String())
}

// Every refusal reaches the observer with its bounded Refusal and the
// status it is answered with.
func TestObserverRefusals(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	var last receiver.Report
	opts := []receiver.Option{receiver.WithMaxBodyBytes(1 << 10), receiver.WithObserver(func(_ context.Context, r receiver.Report) { last = r })}
	h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { return nil }, opts...)
	strict := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { return nil }, append(opts, receiver.WithStrictPayloads())...)
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	signed := func(body []byte, opts ...stackwebhooktest.Option) *http.Request {
		r, err := stackwebhooktest.NewRawRequest("/hook", secret, body, opts...)
		require.NoError(t, err)
		return r
	}
	edit := func(r *http.Request, f func(*http.Request)) *http.Request { f(r); return r }
	for _, tc := range []struct {
		h       http.Handler
		r       *http.Request
		refusal receiver.Refusal
		status  int
	}{
		{h, edit(signed(body), func(r *http.Request) { r.Method = http.MethodGet }), receiver.RefusedMethod, 405},
		{h, signed(make([]byte, 2<<10)), receiver.RefusedBodyTooLarge, 413},
		{h, edit(signed(body), func(r *http.Request) { r.Header.Del("svix-id") }), receiver.RefusedMissingHeaders, 401},
		{h, edit(signed(body), func(r *http.Request) { r.Header.Set("svix-timestamp", "soon") }), receiver.RefusedInvalidHeaders, 401},
		{h, signed(body, stackwebhooktest.WithTimestamp(time.Now().Add(-time.Hour))), receiver.RefusedTooOld, 401},
		{h, signed(body, stackwebhooktest.WithTimestamp(time.Now().Add(time.Hour))), receiver.RefusedTooNew, 401},
		{h, edit(signed(body), func(r *http.Request) { r.Header.Set("svix-signature", "v1,AAAA") }), receiver.RefusedNoMatch, 401},
		{h, signed(body, stackwebhooktest.WithMessageID("msg_"+strings.Repeat("x", receiver.MaxMessageIDBytes))), receiver.RefusedIDTooLong, 400},
		{strict, signed([]byte(`{"type":"team.deleted","data":{"id":7}}`)), receiver.RefusedPayload, 400},
	} {
		last = receiver.Report{}
		assert.Equal(t, tc.status, serve(tc.h, tc.r).Code, tc.refusal)
		assert.Equal(t, receiver.Refused, last.Outcome, tc.refusal)
		assert.Equal(t, tc.refusal, last.Refusal)
		assert.Equal(t, tc.status, last.Status, tc.refusal)
	}
}

// Drift reaches the observer in bounded terms, and every answer stays 2xx:
// a key removed, a null, a key this release does not know (in an array
// element too), and an event type it does not know.
func TestObserverSeesDrift(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	var last receiver.Report
	h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { return nil },
		receiver.WithObserver(func(_ context.Context, r receiver.Report) { last = r }))
	for _, tc := range []struct {
		body    string
		want    []receiver.Departure
		unknown bool
	}{
		{`{"type":"team.deleted","data":{"id":"t1"}}`, nil, false},
		{`{"type":"user.deleted","data":{"id":"u1","teams":[{"id":"t1"},{"id":"t2","role":"admin"}],"deleted_by":"admin"}}`,
			[]receiver.Departure{{Field: "data.teams[].role", Kind: receiver.DepartureUnexpected}, {Field: "data.deleted_by", Kind: receiver.DepartureUnexpected}}, false},
		{`{"type":"team_permission.created","data":{"id":"p","user_id":null}}`,
			[]receiver.Departure{{Field: "data.user_id", Kind: receiver.DepartureNull}, {Field: "data.team_id", Kind: receiver.DepartureMissing}}, false},
		{`{"type":"team.updated","data":{"id":"t","display_name":7,"profile_image_url":null,"created_at_millis":1}}`,
			[]receiver.Departure{{Field: "data.display_name", Kind: receiver.DepartureWrongKind}}, false},
		{`{"type":"session.created","data":{"id":"s1"}}`, nil, true},
	} {
		req, err := stackwebhooktest.NewRawRequest("/hook", secret, []byte(tc.body))
		require.NoError(t, err)
		last = receiver.Report{}
		assert.Equal(t, http.StatusNoContent, serve(h, req).Code, tc.body)
		assert.Equal(t, tc.want, last.Departures, tc.body)
		assert.Equal(t, tc.unknown, last.UnknownType, tc.body)
	}
}
