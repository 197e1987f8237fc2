package receiver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // os.Getenv("STACK_WEBHOOK_SECRET") in a server

// A net/http server that receives Stack's webhooks.
func ExampleHandler() {
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/stack", receiver.Handler(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		fmt.Println("received", ev.EventType(), "as", receiver.MessageID(ctx))
		return nil
	}))
	server := httptest.NewServer(mux) // http.ListenAndServe(":8080", mux) in a server
	defer server.Close()

	// What Stack would send:
	req, _ := stackwebhooktest.NewRequest(server.URL+"/webhooks/stack", secret,
		&stackwebhook.TeamDeleted{Data: stackwebhook.DeletedTeam{ID: "team_1"}},
		stackwebhooktest.WithMessageID("msg_1"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// received team.deleted as msg_1
	// 204
}

// users is an in-memory mirror of Stack's users and their teams, kept in
// sync from user.* and team_membership.* events. It is idempotent on
// svix-id (Svix retries a message with the same id) and tolerates events
// arriving out of order for memberships of unknown users.
type users struct {
	mu      sync.Mutex
	seen    map[string]bool // svix-ids already applied
	byID    map[string]stackwebhook.User
	teamsOf map[string]map[string]bool // user id -> team ids
}

func (u *users) handle(ctx context.Context, ev stackwebhook.Event) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	id := receiver.MessageID(ctx)
	if u.seen[id] {
		return nil // a retry: already applied
	}
	switch e := ev.(type) {
	case *stackwebhook.UserCreated:
		u.byID[e.Data.ID] = e.Data
	case *stackwebhook.UserUpdated:
		u.byID[e.Data.ID] = e.Data
	case *stackwebhook.UserDeleted:
		delete(u.byID, e.Data.ID)
		delete(u.teamsOf, e.Data.ID)
	case *stackwebhook.TeamMembershipCreated:
		if u.teamsOf[e.Data.UserID] == nil {
			u.teamsOf[e.Data.UserID] = map[string]bool{}
		}
		u.teamsOf[e.Data.UserID][e.Data.TeamID] = true
	case *stackwebhook.TeamMembershipDeleted:
		delete(u.teamsOf[e.Data.UserID], e.Data.TeamID)
	}
	u.seen[id] = true
	return nil
}

func (u *users) String() string {
	var lines []string
	for id, user := range u.byID {
		var teams []string
		for t := range u.teamsOf[id] {
			teams = append(teams, t)
		}
		sort.Strings(teams)
		name := "(no name)"
		if user.DisplayName != nil {
			name = *user.DisplayName
		}
		lines = append(lines, fmt.Sprintf("%s %s teams=%v", id, name, teams))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A users table kept in sync from Stack's events, idempotently.
func ExampleHandler_usersTable() {
	wh, _ := stackwebhook.NewWebhook(secret)
	table := &users{seen: map[string]bool{}, byID: map[string]stackwebhook.User{}, teamsOf: map[string]map[string]bool{}}
	h := receiver.Handler(wh, table.handle)

	ada, grace := "Ada", "Grace"
	send := func(msgID string, ev stackwebhook.Event) {
		req, _ := stackwebhooktest.NewRequest("/webhooks/stack", secret, ev, stackwebhooktest.WithMessageID(msgID))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			fmt.Println("refused:", rec.Code)
		}
	}
	send("msg_1", &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1", DisplayName: &ada}})
	send("msg_2", &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u2"}})
	send("msg_3", &stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: "t1", UserID: "u1"}})
	send("msg_4", &stackwebhook.UserUpdated{Data: stackwebhook.User{ID: "u2", DisplayName: &grace}})
	// msg_4 again: Svix retries with the same id. (This body differs only so
	// that the output shows it was not applied a second time.)
	send("msg_4", &stackwebhook.UserUpdated{Data: stackwebhook.User{ID: "u2"}})
	send("msg_5", &stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: "t2", UserID: "u2"}})
	send("msg_6", &stackwebhook.TeamMembershipDeleted{Data: stackwebhook.TeamMembership{TeamID: "t2", UserID: "u2"}})
	fmt.Println(table)
	// Output:
	// u1 Ada teams=[t1]
	// u2 Grace teams=[]
}

// Every request's outcome and latency, for metrics: here, counted by
// outcome.
func ExampleWithObserver() {
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	counts := map[receiver.Outcome]int{}
	h := receiver.Handler(wh, func(context.Context, stackwebhook.Event) error { return nil },
		receiver.WithObserver(func(_ context.Context, r receiver.Report) {
			mu.Lock()
			defer mu.Unlock()
			counts[r.Outcome]++
		}))
	for _, body := range []string{`{"type":"team.deleted","data":{"id":"team_1"}}`, `{"success": true}`} {
		req, err := stackwebhooktest.NewRawRequest("/webhooks/stack", secret, []byte(body))
		if err != nil {
			panic(err)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	fmt.Println(receiver.Applied, counts[receiver.Applied])
	fmt.Println(receiver.PingAcknowledged, counts[receiver.PingAcknowledged])
	// Output:
	// applied 1
	// ping 1
}
