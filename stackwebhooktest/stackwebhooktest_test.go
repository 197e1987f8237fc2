package stackwebhooktest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestNewRequestVerifies(t *testing.T) {
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	ev := &stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: "t", UserID: "u"}}
	req, err := stackwebhooktest.NewRequest("/hook", secret, ev)
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, req.Method)
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	got, err := wh.VerifyEvent(body, req.Header)
	require.NoError(t, err)
	assert.Equal(t, ev, got)
	assert.Regexp(t, `^msg_test_[0-9a-f]{24}$`, req.Header.Get("svix-id"))
}

func TestOptions(t *testing.T) {
	at := time.Unix(1700000000, 0)
	h, err := stackwebhooktest.Headers(secret, []byte("{}"), stackwebhooktest.WithMessageID("msg_x"), stackwebhooktest.WithTimestamp(at))
	require.NoError(t, err)
	assert.Equal(t, "msg_x", h.Get("svix-id"))
	assert.Equal(t, strconv.FormatInt(at.Unix(), 10), h.Get("svix-timestamp"))

	// A message signed an hour ago fails the tolerance: tests can check that.
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	old, err := stackwebhooktest.NewRawRequest("/", secret, []byte("{}"), stackwebhooktest.WithTimestamp(time.Now().Add(-time.Hour)))
	require.NoError(t, err)
	assert.ErrorIs(t, wh.Verify([]byte("{}"), old.Header), stackwebhook.ErrTimestampTooOld)
}

func TestRefusals(t *testing.T) {
	_, err := stackwebhooktest.Headers("whsec_", nil)
	assert.ErrorIs(t, err, stackwebhook.ErrInvalidSecret)
	_, err = stackwebhooktest.NewRequest("/", secret, nil)
	assert.True(t, errors.Is(err, stackwebhook.ErrInvalidPayload))
	_, err = stackwebhooktest.NewRawRequest("::bad url", secret, nil)
	assert.Error(t, err)
}

// ExampleNewRequest tests a handler of your own.
func ExampleNewRequest() {
	wh, _ := stackwebhook.NewWebhook(secret)
	myHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := wh.VerifyEvent(body, r.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "handled ", ev.EventType())
	})

	req, _ := stackwebhooktest.NewRequest("/webhooks/stack", secret,
		&stackwebhook.UserDeleted{Data: stackwebhook.DeletedUser{ID: "u1"}})
	rec := httptest.NewRecorder()
	myHandler.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body)
	// Output: 200 handled user.deleted
}
