package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
)

// reconcilerOf is a reconcile of the harness's mirror, with pages of
// pageSize.
func (hs *harness) reconciler(pageSize int) *reconciler {
	api := hs.fake.api()
	api.pageSize, api.retry, api.backoff = pageSize, true, 10*time.Millisecond
	return &reconciler{db: hs.db, api: api, queue: &queue{river: hs.rc}, maxMissing: 100}
}

// project builds a project in the fake: users signed up (each with a
// personal team), shared teams with members, grants; and returns its
// events.
func project(s *stack, users int) (ids []string, events []stackwebhook.Event) {
	for i := range users {
		u, _, evs := s.signUp(fmt.Sprintf("user%d", i))
		ids = append(ids, u)
		events = append(events, evs...)
	}
	for i := 0; i+2 < users; i += 10 {
		team, evs := s.createTeam(fmt.Sprintf("team%d", i), ids[i])
		events = append(events, evs...)
		events = append(events, s.addMember(team, ids[i+1])...)
		events = append(events, s.addMember(team, ids[i+2])...)
		events = append(events, s.grantTeam(team, ids[i+1], "$invite_members", true)...)
		events = append(events, s.grantProject(ids[i+2], "support", true)...)
	}
	return ids, events
}

// Events lost before Svix (here: every other one) leave the mirror wrong;
// reconcile repairs it to what Hexclave lists, creators included, and a
// second run finds nothing to repair.
func TestReconcileRepairsLostEvents(t *testing.T) {
	hs := newHarness(t)
	_, events := project(hs.stack, 30)
	for i, ev := range events {
		if i%2 == 0 {
			hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
		}
	}
	require.NotEqual(t, hs.fake.state(), mirrorState(t, hs.db), "precondition")
	r, err := hs.reconciler(7).run(t.Context())
	require.NoError(t, err)
	t.Logf("repairs: %s", r)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
	again, err := hs.reconciler(7).run(t.Context())
	require.NoError(t, err)
	assert.Equal(t, repairs{}, again)
}

// Stack's user list pages by a cursor that is a user's id; when that user
// is deleted between two page requests, the next page comes back empty
// without a cursor. Reconcile steps back and goes on: it tombstones no one
// who lives, and the deleted user, left out of the list, is tombstoned by
// its refresh's 404.
func TestReconcileCursorUserDeletedBetweenPages(t *testing.T) {
	hs := newHarness(t)
	ids, _ := project(hs.stack, 249)
	_, err := hs.reconciler(1000).run(t.Context()) // the mirror holds every user
	require.NoError(t, err)
	var deleted atomic.Value
	hs.fake.betweenPages = func(next string) {
		if deleted.Load() == nil && next > ids[100] { // once, mid-list
			deleted.Store(next)
			hs.stack.deleteUser(next) // its events are lost
		}
	}
	r, err := hs.reconciler(50).run(t.Context())
	require.NoError(t, err)
	require.NotNil(t, deleted.Load(), "precondition: a cursor's user was deleted")
	assert.Equal(t, int64(1), r.refreshes, "the deleted user, left out, is refreshed")
	assert.Zero(t, r.users, "no user row changed")
	var live int
	require.NoError(t, hs.db.QueryRow(`SELECT count(*) FROM mirror_users`).Scan(&live))
	assert.Equal(t, 249, live, "reconcile itself tombstones nobody")
	hs.work(t)
	settle(t, hs.db)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
}

// A list reconcile cannot trust is an error, with nothing written: a 200
// without items, a cursor seen twice, a page that stays empty after a
// cursor, and more users left out than -max-missing.
func TestReconcileRefusesUntrustedLists(t *testing.T) {
	for name, fault := range map[string]func(w http.ResponseWriter, r *http.Request) bool{
		"a 200 without items": func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/users" && r.URL.Query().Get("cursor") != "" {
				reply(w, map[string]any{"is_paginated": true, "pagination": map[string]any{"next_cursor": nil}})
				return true
			}
			return false
		},
		"a cursor seen twice": func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/teams" && r.URL.Query().Get("user_id") == "" {
				reply(w, map[string]any{"items": []any{stackwebhook.Team{ID: "c-again", DisplayName: "again"}}, "pagination": map[string]any{"next_cursor": "c-again"}})
				return true
			}
			return false
		},
		"an empty page after a cursor twice": func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/users" && r.URL.Query().Get("cursor") != "" {
				reply(w, map[string]any{"items": []any{}, "pagination": map[string]any{"next_cursor": nil}})
				return true
			}
			return false
		},
		"most users left out": func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/v1/users" && r.URL.Query().Get("team_id") == "" {
				reply(w, map[string]any{"items": []any{}, "pagination": map[string]any{"next_cursor": nil}})
				return true
			}
			return false
		},
	} {
		t.Run(name, func(t *testing.T) {
			hs := newHarness(t)
			_, events := project(hs.stack, 120)
			for i, ev := range events {
				hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
			}
			hs.stack.rename(hs.stack.f.someUser(), "renamed without an event")
			before := tables(t, hs)
			hs.fake.setFault(fault)
			_, err := hs.reconciler(50).run(t.Context())
			require.Error(t, err)
			t.Log(err)
			assert.Equal(t, before, tables(t, hs), "nothing written")
		})
	}
}

// someUser is one of the fake's users.
func (f *fakeHexclave) someUser() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range f.users {
		return id
	}
	return ""
}

// tables is every row of the mirror's tables and of the job queue.
func tables(t *testing.T, hs *harness) []string {
	var out []string
	for _, table := range []string{"users", "teams", "team_members", "team_permissions", "project_permissions", "refresh_marks", "river_job"} {
		out = append(out, lines(t, hs.db, `SELECT t::text FROM `+table+` t ORDER BY 1`)...)
	}
	return out
}

// A storm of 429s (with Retry-After) and 503s is waited out; one that
// outlasts the deadline is an error, with nothing written.
func TestReconcileRetriesWithinDeadline(t *testing.T) {
	hs := newHarness(t)
	_, events := project(hs.stack, 40)
	for i, ev := range events {
		if i%3 == 0 {
			hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
		}
	}
	var n atomic.Int64
	storm := func(until int64) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			switch i := n.Add(1); {
			case i > until:
				return false
			case i%2 == 0:
				http.Error(w, "upstream", http.StatusServiceUnavailable)
			default:
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"code":"RATE_LIMITED"}`, http.StatusTooManyRequests)
			}
			return true
		}
	}
	hs.fake.setFault(storm(1 << 62))
	before := tables(t, hs)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	_, err := hs.reconciler(10).run(ctx)
	require.Error(t, err)
	assert.Equal(t, before, tables(t, hs), "nothing written")

	n.Store(0)
	hs.fake.setFault(storm(8)) // four 429s and four 503s in a row
	_, err = hs.reconciler(10).run(t.Context())
	require.NoError(t, err)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
}

// `mirror reconcile` as a scheduler runs it: exit status 0 and a log line
// of repairs; 1 when the API answers what it cannot trust.
func TestReconcileCommand(t *testing.T) {
	fake := newFakeHexclave(t)
	project(&stack{f: fake}, 12)
	_, dsn := freshDB(t)
	bin := program.Build(t)
	env := []string{"DATABASE_URL=" + dsn, "HEXCLAVE_API_URL=" + fake.server.URL, "HEXCLAVE_PROJECT_ID=proj_1", "HEXCLAVE_SECRET_SERVER_KEY=ssk_good"}
	run := program.Run(t, bin, []string{"reconcile", "-deadline", "5m"}, env...)
	require.NoError(t, <-run.Exited, run.Output.String())
	assert.Contains(t, run.Output.String(), "users 12, teams 13")

	fake.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		reply(w, map[string]any{"is_paginated": true})
		return true
	})
	run = program.Run(t, bin, []string{"reconcile"}, env...)
	err := <-run.Exited
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, run.Output.String(), "a 200 without items")
}

// A reconcile of 100,000 users makes users/1000 + teams/1000 + teams + 2
// requests, whatever the mirror holds; its time is reported.
func TestReconcileScale(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 users")
	}
	hs := newHarness(t)
	const users = 100_000
	f := hs.fake
	for i := range users {
		id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
		f.users[id] = stackwebhook.User{ID: id, PrimaryEmail: ptr(id + "@example.com"), OAuthProviders: []stackwebhook.OAuthProvider{}}
		f.projectPerms[[2]string{id, "member"}] = true
	}
	const teams = 500
	for i := range teams {
		id := fmt.Sprintf("%08x-0000-4000-8000-000000000001", i)
		f.teams[id] = stackwebhook.Team{ID: id, DisplayName: "team"}
		for j := range 20 {
			u := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i*20+j)
			f.members[[2]string{id, u}] = true
			f.teamPerms[[3]string{id, u, "team_member"}] = true
		}
	}
	start := time.Now()
	r, err := hs.reconciler(1000).run(t.Context())
	require.NoError(t, err)
	elapsed := time.Since(start)
	want := users/1000 + 1 + teams + 2 // /users pages, one page of /teams, each team's members, two permission lists
	assert.Equal(t, int64(want), f.calls.Load())
	assert.Equal(t, int64(users), r.users)
	t.Logf("100,000 users, %d teams: %d requests, %.1f s (%s)", teams, f.calls.Load(), elapsed.Seconds(), r)
}

// Reconcile runs while webhooks flow: a user renamed (and refreshed)
// after reconcile read the user list keeps the newer name; reconcile's
// older read does not overwrite it.
func TestReconcileLosesToNewerRefresh(t *testing.T) {
	hs := newHarness(t)
	ids, events := project(hs.stack, 5)
	hs.deliverAll(t, events)
	var fired atomic.Bool
	var during error
	hs.fake.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		// Reconcile's first request for the team list: the user list has
		// been read.
		if r.URL.Path == "/api/v1/teams" && r.URL.Query().Get("user_id") == "" && fired.CompareAndSwap(false, true) {
			hs.stack.rename(ids[0], "renamed during reconcile")
			during = (&refresher{db: hs.db, api: hs.fake.api()}).refresh(context.Background(), refreshArgs{What: refreshUser, UserID: ids[0]})
		}
		return false
	})
	_, err := hs.reconciler(1000).run(t.Context())
	require.NoError(t, err)
	require.NoError(t, during)
	assert.Equal(t, []string{"renamed during reconcile"}, lines(t, hs.db, `SELECT display_name FROM mirror_users WHERE id = $1`, ids[0]))
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
}
