package main

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestMain(m *testing.M) { program.Main(m) }

// freshDB returns a fresh database with the mirror's schema. Without a
// PostgreSQL server the test is skipped, except under CI=true.
func freshDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", program.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, migrate(t.Context(), db))
	return db
}

// delivery is one message of the session: its Svix id and its event.
type delivery struct {
	id string
	ev stackwebhook.Event
}

func ptr(s string) *string { return &s }

func user(id, email, name string) stackwebhook.User {
	return stackwebhook.User{ID: id, PrimaryEmail: ptr(email), DisplayName: ptr(name), SignedUpAtMillis: 1764288000000,
		OAuthProviders: []stackwebhook.OAuthProvider{}}
}

func team(id, name string) stackwebhook.Team {
	return stackwebhook.Team{ID: id, DisplayName: name, CreatedAtMillis: 1764288000000}
}

// The ids of the session.
const (
	ada, bob, cy          = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	adaTeam, bobTeam, ops = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
	lab                   = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
)

// session is a project's life as Stack sends it, in the order Stack sends
// it (stack-events: a personal team's team.created before its
// user.created; no membership events for a team's creator; a membership
// followed by its default permission; a user's deletion as one
// team_membership.deleted per team beside user.deleted, and no permission
// deletions; a team's deletion as team.deleted alone).
func session() []delivery {
	var out []delivery
	add := func(ev stackwebhook.Event) {
		out = append(out, delivery{fmt.Sprintf("msg_session_%02d", len(out)), ev})
	}
	// Ada signs up: her personal team, then her.
	add(&stackwebhook.TeamCreated{Data: team(adaTeam, "Ada's team")})
	add(&stackwebhook.UserCreated{Data: user(ada, "ada@example.com", "Ada")})
	// Bob signs up.
	add(&stackwebhook.TeamCreated{Data: team(bobTeam, "Bob's team")})
	add(&stackwebhook.UserCreated{Data: user(bob, "bob@example.com", "Bob")})
	// Ada creates a second team, with herself as creator, and adds Bob.
	add(&stackwebhook.TeamCreated{Data: team(ops, "Ops")})
	add(&stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: ops, UserID: bob}})
	add(&stackwebhook.TeamPermissionCreated{Data: stackwebhook.TeamPermission{ID: "team_member", UserID: bob, TeamID: ops}})
	// Bob is granted, then refused, the right to invite.
	add(&stackwebhook.TeamPermissionCreated{Data: stackwebhook.TeamPermission{ID: "$invite_members", UserID: bob, TeamID: ops}})
	add(&stackwebhook.TeamPermissionDeleted{Data: stackwebhook.TeamPermission{ID: "$invite_members", UserID: bob, TeamID: ops}})
	// Project permissions: Ada keeps hers; Bob's is granted, revoked,
	// granted again.
	add(&stackwebhook.ProjectPermissionCreated{Data: stackwebhook.ProjectPermission{ID: "billing_admin", UserID: ada}})
	add(&stackwebhook.ProjectPermissionCreated{Data: stackwebhook.ProjectPermission{ID: "support", UserID: bob}})
	add(&stackwebhook.ProjectPermissionDeleted{Data: stackwebhook.ProjectPermission{ID: "support", UserID: bob}})
	add(&stackwebhook.ProjectPermissionCreated{Data: stackwebhook.ProjectPermission{ID: "support", UserID: bob}})
	// Updates.
	renamed := team(ops, "Operations")
	renamed.ServerMetadata = []byte(`{"tier":"gold"}`)
	add(&stackwebhook.TeamUpdated{Data: renamed})
	adaNow := user(ada, "ada@example.org", "Ada Lovelace")
	adaNow.SelectedTeamID, adaNow.SelectedTeam = ptr(ops), &renamed
	add(&stackwebhook.UserUpdated{Data: adaNow})
	// Cy signs up and joins Ops; a lab team is made and Cy joins it too.
	add(&stackwebhook.UserCreated{Data: user(cy, "cy@example.com", "Cy")})
	add(&stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: ops, UserID: cy}})
	add(&stackwebhook.TeamPermissionCreated{Data: stackwebhook.TeamPermission{ID: "team_member", UserID: cy, TeamID: ops}})
	add(&stackwebhook.TeamCreated{Data: team(lab, "Lab")})
	add(&stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: lab, UserID: cy}})
	add(&stackwebhook.TeamPermissionCreated{Data: stackwebhook.TeamPermission{ID: "team_member", UserID: cy, TeamID: lab}})
	// The lab team is deleted: team.deleted alone.
	add(&stackwebhook.TeamDeleted{Data: stackwebhook.DeletedTeam{ID: lab}})
	// Bob deletes his account: a membership deletion per team, and the
	// user's, concurrently.
	add(&stackwebhook.TeamMembershipDeleted{Data: stackwebhook.TeamMembership{TeamID: bobTeam, UserID: bob}})
	add(&stackwebhook.TeamMembershipDeleted{Data: stackwebhook.TeamMembership{TeamID: ops, UserID: bob}})
	add(&stackwebhook.UserDeleted{Data: stackwebhook.DeletedUser{ID: bob, Teams: []stackwebhook.DeletedUserTeam{{ID: bobTeam}, {ID: ops}}}})
	// Svix's ping from the dashboard, and an event type the mirror ignores.
	add(&stackwebhook.SvixPing{Success: true})
	return out
}

// state is what the mirror's views show, as sorted lines.
func state(t *testing.T, db *sql.DB) []string {
	var out []string
	for _, q := range []string{
		"SELECT 'user ' || id || ' ' || coalesce(primary_email, '-') || ' ' || coalesce(display_name, '-') || ' ' || data::text FROM mirror_users",
		"SELECT 'team ' || id || ' ' || display_name || ' ' || data::text FROM mirror_teams",
		"SELECT 'member ' || team_id || ' ' || user_id FROM mirror_team_members",
		"SELECT 'team permission ' || team_id || ' ' || user_id || ' ' || permission_id FROM mirror_team_permissions",
		"SELECT 'project permission ' || user_id || ' ' || permission_id FROM mirror_project_permissions",
	} {
		rows, err := db.Query(q)
		require.NoError(t, err)
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			out = append(out, line)
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// reset empties the tables and the handler's records.
func reset(t *testing.T, db *sql.DB) {
	_, err := db.Exec("TRUNCATE users, teams, team_members, team_permissions, project_permissions, stackwebhook_messages")
	require.NoError(t, err)
}

func send(t *testing.T, h http.Handler, d delivery) {
	req, err := stackwebhooktest.NewRequest("/webhooks/stack", secret, d.ev, stackwebhooktest.WithMessageID(d.id))
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, http.StatusNoContent, w.Code, "%s (%s): %s", d.id, d.ev.EventType(), w.Body)
}

// Any order, with duplicates, ends where in-order delivery does: deletes
// win over late creates and updates, a late user.created does not
// overwrite user.updated, a deleted team's or user's memberships and
// permissions are not resurrected, and a revoked grant stays revoked.
func TestShuffledDeliveryEndsInOrder(t *testing.T) {
	db := freshDB(t)
	h, err := newHandler(db, secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	events := session()
	for _, d := range events {
		send(t, h, d)
	}
	want := state(t, db)
	t.Logf("in order: %d lines", len(want))
	// What in-order delivery shows, checked by hand once, so that a
	// mistake that changes every order alike is caught too.
	assert.Equal(t, []string{
		"member " + ops + " " + cy,
		"project permission " + ada + " billing_admin",
		"team " + adaTeam + " Ada's team",
		"team " + bobTeam + " Bob's team",
		"team " + ops + " Operations",
		"team permission " + ops + " " + cy + " team_member",
		"user " + ada + " ada@example.org Ada Lovelace",
		"user " + cy + " cy@example.com Cy",
	}, trimData(want))

	rng := rand.New(rand.NewPCG(1, 2))
	const orders = 40
	for n := 0; n < orders; n++ {
		reset(t, db)
		var run []delivery
		for _, d := range events {
			run = append(run, d)
			if rng.IntN(3) == 0 { // a duplicate, as Svix retries
				run = append(run, d)
			}
		}
		rng.Shuffle(len(run), func(i, j int) { run[i], run[j] = run[j], run[i] })
		if n%4 == 3 { // some runs concurrent, as a fleet applies them
			var wg sync.WaitGroup
			for _, d := range run {
				wg.Add(1)
				go func() { defer wg.Done(); sendUntilApplied(t, h, d) }()
			}
			wg.Wait()
		} else {
			for _, d := range run {
				send(t, h, d)
			}
		}
		require.Equal(t, want, state(t, db), "order %d", n)
	}
}

// sendUntilApplied retries a 409 (the same message in flight), as Svix
// does.
func sendUntilApplied(t *testing.T, h http.Handler, d delivery) {
	for {
		req, err := stackwebhooktest.NewRequest("/webhooks/stack", secret, d.ev, stackwebhooktest.WithMessageID(d.id))
		if err != nil {
			t.Error(err)
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == http.StatusNoContent {
			return
		}
		if w.Code != http.StatusConflict {
			t.Errorf("%s: %d %s", d.id, w.Code, w.Body)
			return
		}
	}
}

// trimData drops the JSON at the end of user and team lines.
func trimData(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if j := strings.Index(l, " {"); j >= 0 {
			l = l[:j]
		}
		out[i] = l
	}
	return out
}

// The user's stored data keeps what Hexclave sends today, its external
// auth providers included.
func TestStoredUserKeepsExternalAuthProviders(t *testing.T) {
	db := freshDB(t)
	h, err := newHandler(db, secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	u := user("9f3c2a1e-0000-4000-8000-000000000001", "ext@example.com", "Ext")
	u.ExternalAuthProviders = []stackwebhook.ExternalAuthProvider{{ID: "better-auth-integration"}}
	send(t, h, delivery{"msg_ext", &stackwebhook.UserCreated{Data: u}})
	var got string
	require.NoError(t, db.QueryRow("SELECT data::jsonb -> 'external_auth_providers' ->> 0 FROM users").Scan(&got))
	assert.JSONEq(t, `{"id":"better-auth-integration"}`, got)
}
