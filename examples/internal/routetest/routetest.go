// Package routetest is the test the chi, gin and echo examples share: a
// signed request reaches fn once however often it is delivered, and one
// signed with another secret is refused.
package routetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// Secret is the endpoint secret the route is built with.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Check builds the route with newRoute and delivers a user.created twice,
// then once signed with another secret.
func Check(t *testing.T, newRoute func(*stackwebhook.Webhook, func(context.Context, stackwebhook.Event) error) http.Handler) {
	t.Helper()
	wh, err := stackwebhook.NewWebhook(Secret)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	h := newRoute(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		got = append(got, ev.EventType())
		return nil
	})
	ev := &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1"}}
	for range 2 {
		req, err := stackwebhooktest.NewRequest("/webhooks/stack", Secret, ev, stackwebhooktest.WithMessageID("msg_1"))
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
	req, err := stackwebhooktest.NewRequest("/webhooks/stack", "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", ev)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("a request signed with another secret: status %d", w.Code)
	}
}
