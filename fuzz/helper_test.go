package fuzz

import (
	"io"
	"testing"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
	svix "github.com/svix/svix-webhooks/go"
)

// The requests stackwebhooktest builds for users' tests are ones the
// official library accepts, as it would accept Stack's.
func TestHelperRequestsVerifyWithOfficialLibrary(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	official, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	name := "Zoë 山田"
	for _, ev := range []stackwebhook.Event{
		&stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1", DisplayName: &name}},
		&stackwebhook.TeamDeleted{Data: stackwebhook.DeletedTeam{ID: "t1"}},
		&stackwebhook.TestEvent{Data: stackwebhook.TestEventData{Message: "hi", EndpointURL: "https://example.com"}},
	} {
		req, err := stackwebhooktest.NewRequest("/hook", secret, ev, stackwebhooktest.WithMessageID("msg_official"))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if err := official.Verify(body, req.Header); err != nil {
			t.Errorf("%s: the official library refused the helper's request: %v", ev.EventType(), err)
		}
	}
}
