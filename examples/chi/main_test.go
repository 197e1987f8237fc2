package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// A signed request reaches fn once, however often it is delivered; a
// tampered one is refused.
func TestRoute(t *testing.T) {
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	fn := func(ctx context.Context, ev stackwebhook.Event) error {
		got = append(got, ev.EventType())
		return nil
	}
	h := router(wh, fn)
	ev := &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1"}}
	for range 2 {
		req, err := stackwebhooktest.NewRequest("/webhooks/stack", secret, ev, stackwebhooktest.WithMessageID("msg_1"))
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusNoContent {
			t.Fatalf("status %d", w.Code)
		}
	}
	if len(got) != 1 || got[0] != stackwebhook.TypeUserCreated {
		t.Fatalf("fn got %v, want one user.created", got)
	}
	req, _ := stackwebhooktest.NewRequest("/webhooks/stack", "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", ev)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("a request signed with another secret: status %d", w.Code)
	}
}
