package stackwebhook_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

func ExampleWebhook_VerifyEvent() {
	// Signed by the official svix Go library (conformance/vectors.json, case
	// example_event). In a handler: the raw body and r.Header.
	body := []byte(`{"type":"user.deleted","data":{"id":"3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e","teams":[{"id":"5f0c3a1e-8d2b-4c6f-9e7a-1b2c3d4e5f60"}]}}`)
	headers := http.Header{}
	headers.Set("svix-id", "msg_2pGmZ7xVtJ3c9QbWkR4nYd8sLfH")
	headers.Set("svix-timestamp", "1764288000")
	headers.Set("svix-signature", "v1,li2TpYadM5BfLX2NF1WPP0y94eRO1IvQaXJTPWj060Y=")

	wh, err := stackwebhook.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		stackwebhook.WithClock(func() time.Time { return time.Unix(1764288000, 0) })) // leave out in a server
	if err != nil {
		panic(err)
	}
	event, err := wh.VerifyEvent(body, headers)
	switch {
	case errors.Is(err, stackwebhook.ErrInvalidPayload):
		fmt.Println("signed, but not a Stack payload:", err) // answer 400
		return
	case err != nil:
		fmt.Println("not from Stack:", err) // answer 401
		return
	}
	switch e := event.(type) {
	case *stackwebhook.UserCreated, *stackwebhook.UserUpdated:
		fmt.Println("upsert the user")
	case *stackwebhook.UserDeleted:
		fmt.Println("delete user", e.Data.ID, "from", len(e.Data.Teams), "team(s)")
	case *stackwebhook.UnknownEvent:
		fmt.Println("ignore", e.Type)
	}
	// Output: delete user 3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e from 1 team(s)
}

func ExampleParseEvent() {
	event, err := stackwebhook.ParseEvent([]byte(`{"type":"team_membership.created","data":{"team_id":"t1","user_id":"u1"}}`))
	if err != nil {
		panic(err)
	}
	m := event.(*stackwebhook.TeamMembershipCreated)
	fmt.Println(m.EventType(), m.Data.UserID, "joined", m.Data.TeamID)

	_, err = stackwebhook.ParseEvent([]byte(`{"type":"team.deleted","data":{"id":null}}`))
	fmt.Println(err)
	// Output:
	// team_membership.created u1 joined t1
	// stackwebhook: invalid payload: data.id: expected string, got null
}

func ExampleMarshalEvent() {
	// A body for a test, as Stack would send it (sign it with
	// stackwebhooktest, or Webhook.Sign).
	body, err := stackwebhook.MarshalEvent(&stackwebhook.TeamUpdated{Data: stackwebhook.Team{
		ID:             "t1",
		DisplayName:    "Ops <on call>",
		ServerMetadata: stackwebhook.RawMessage(`{ "seats": 12 }`),
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(body))
	// Output:
	// {"type":"team.updated","data":{"id":"t1","display_name":"Ops \u003con call\u003e","profile_image_url":null,"created_at_millis":0,"client_metadata":null,"client_read_only_metadata":null,"server_metadata":{"seats":12}}}
}

func ExampleRawMessage() {
	event, err := stackwebhook.ParseEvent([]byte(`{"type":"team.created","data":{"id":"t1","display_name":"Ops","profile_image_url":null,` +
		`"created_at_millis":1764288000000,"client_metadata":null,"client_read_only_metadata":null,"server_metadata":{"plan":"pro","seats":12}}}`))
	if err != nil {
		panic(err)
	}
	// Metadata stays raw JSON: decode it into your own type.
	var billing struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
	}
	if err := json.Unmarshal(event.(*stackwebhook.TeamCreated).Data.ServerMetadata, &billing); err != nil {
		panic(err)
	}
	fmt.Println(billing.Plan, billing.Seats)
	// Output: pro 12
}

func ExampleDecimal_Int64() {
	// An issue.* event from Hexclave's error tracking: its counters are
	// decimal strings, since they can pass 2^53.
	ev, err := stackwebhook.ParseEvent([]byte(`{"type":"issue.regressed","data":{"id":"3241a285-8329-4d69-8f3d-316e08cf140c",` +
		`"short_id":"42","type":"TypeError","value":"x is undefined","culprit":"app.tsx","level":"error","status":"unresolved",` +
		`"substatus":"regressed","first_seen_at_millis":1787000000000,"last_seen_at_millis":1787486400000,` +
		`"times_seen":"9007199254740993","service_name":null,"environment":"production","release":null,"url":"https://app.hexclave.com/i/42"}}`))
	if err != nil {
		panic(err)
	}
	issue := ev.(*stackwebhook.IssueRegressed).Data
	seen, err := issue.TimesSeen.Int64() // errors.Is(err, stackwebhook.ErrNotDecimal) for any other text
	if err != nil {
		panic(err)
	}
	fmt.Println(issue.ShortID, issue.Status, issue.Substatus, seen)
	// Output: 42 unresolved regressed 9007199254740993
}
