package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
)

// fakeStack serves the part of Stack's REST API that reconcile reads, for
// one project, with a server key, from a fixed state: the session's end as
// Stack itself holds it (creators are members of their teams, with
// team_admin, which no webhook says).
func fakeStack(t *testing.T) *httptest.Server {
	adaNow := user(ada, "ada@example.org", "Ada Lovelace")
	renamed := team(ops, "Operations")
	renamed.ServerMetadata = []byte(`{"tier":"gold"}`)
	adaNow.SelectedTeamID, adaNow.SelectedTeam = ptr(ops), &renamed
	users := []stackwebhook.User{adaNow, user(cy, "cy@example.com", "Cy")}
	teams := []stackwebhook.Team{team(adaTeam, "Ada's team"), team(bobTeam, "Bob's team"), renamed}
	membership := map[string][]string{ada: {adaTeam, ops}, cy: {ops}}
	teamPerms := map[[2]string][]string{{adaTeam, ada}: {"team_admin"}, {ops, ada}: {"team_admin"}, {ops, cy}: {"team_member"}}
	projectPerms := map[string][]string{ada: {"billing_admin"}}

	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(v))
	}
	mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		// One user a page, so that the cursor is followed.
		i, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		page := map[string]any{"items": users[i : i+1], "pagination": map[string]any{}}
		if i+1 < len(users) {
			page["pagination"] = map[string]any{"next_cursor": strconv.Itoa(i + 1)}
		}
		reply(w, page)
	})
	mux.HandleFunc("GET /api/v1/teams", func(w http.ResponseWriter, r *http.Request) {
		uid := r.URL.Query().Get("user_id")
		if uid == "" {
			reply(w, map[string]any{"items": teams})
			return
		}
		var of []stackwebhook.Team
		for _, tm := range teams {
			for _, id := range membership[uid] {
				if tm.ID == id {
					of = append(of, tm)
				}
			}
		}
		reply(w, map[string]any{"items": of})
	})
	mux.HandleFunc("GET /api/v1/team-permissions", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		items := []stackwebhook.TeamPermission{}
		for _, id := range teamPerms[[2]string{q.Get("team_id"), q.Get("user_id")}] {
			items = append(items, stackwebhook.TeamPermission{ID: id, TeamID: q.Get("team_id"), UserID: q.Get("user_id")})
		}
		reply(w, map[string]any{"items": items, "is_paginated": false})
	})
	mux.HandleFunc("GET /api/v1/project-permissions", func(w http.ResponseWriter, r *http.Request) {
		uid := r.URL.Query().Get("user_id")
		items := []stackwebhook.ProjectPermission{}
		for _, id := range projectPerms[uid] {
			items = append(items, stackwebhook.ProjectPermission{ID: id, UserID: uid})
		}
		reply(w, map[string]any{"items": items, "is_paginated": false})
	})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header
		if h.Get("x-stack-access-type") != "server" || h.Get("x-stack-project-id") != "proj_1" || h.Get("x-stack-secret-server-key") != "ssk_good" {
			http.Error(w, `{"code":"INVALID_SECRET_SERVER_KEY"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	return server
}

// Events lost before Svix leave the mirror wrong; reconcile repairs it to
// what Stack's API lists, and a second run finds nothing to repair.
func TestReconcileRepairsLostEvents(t *testing.T) {
	db := freshDB(t)
	h, err := newHandler(db, secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	lost := map[string]bool{}
	for _, d := range session() {
		switch d.ev.(type) {
		case *stackwebhook.UserDeleted, *stackwebhook.TeamUpdated, *stackwebhook.TeamDeleted:
			lost[d.id] = true // Stack gave up on these (Svix answered 429)
			continue
		case *stackwebhook.ProjectPermissionCreated:
			if d.ev.(*stackwebhook.ProjectPermissionCreated).Data.UserID == ada {
				lost[d.id] = true
				continue
			}
		}
		send(t, h, d)
	}
	require.Len(t, lost, 4)
	before := trimData(state(t, db))
	assert.Contains(t, before, "user "+bob+" bob@example.com Bob", "the lost user.deleted left Bob")
	assert.Contains(t, before, "team "+lab+" Lab", "the lost team.deleted left the lab")

	server := fakeStack(t)
	bad := &stackAPI{base: server.URL, projectID: "proj_1", serverKey: "ssk_wrong", client: server.Client()}
	_, err = reconcile(t.Context(), db, bad)
	require.ErrorContains(t, err, "401")
	assert.Equal(t, before, trimData(state(t, db)), "a failed reconcile changes nothing")

	api := &stackAPI{base: server.URL, projectID: "proj_1", serverKey: "ssk_good", client: server.Client()}
	r, err := reconcile(t.Context(), db, api)
	require.NoError(t, err)
	t.Logf("first run: %s", r)
	assert.Equal(t, []string{
		"member " + adaTeam + " " + ada,
		"member " + ops + " " + ada,
		"member " + ops + " " + cy,
		"project permission " + ada + " billing_admin",
		"team " + adaTeam + " Ada's team",
		"team " + bobTeam + " Bob's team",
		"team " + ops + " Operations",
		"team permission " + adaTeam + " " + ada + " team_admin",
		"team permission " + ops + " " + ada + " team_admin",
		"team permission " + ops + " " + cy + " team_member",
		"user " + ada + " ada@example.org Ada Lovelace",
		"user " + cy + " cy@example.com Cy",
	}, trimData(state(t, db)))
	var gold string
	require.NoError(t, db.QueryRow("SELECT data->'server_metadata'->>'tier' FROM mirror_teams WHERE id = $1", ops).Scan(&gold))
	assert.Equal(t, "gold", gold, "the team's data as the API sent it")

	again, err := reconcile(t.Context(), db, api)
	require.NoError(t, err)
	assert.Equal(t, repairs{}, again, "nothing left to repair")

	// After the repair, a late delivery of a lost event changes nothing
	// that is decided: Bob stays deleted, the lab too.
	for _, d := range session() {
		if lost[d.id] {
			send(t, h, d)
		}
	}
	after := trimData(state(t, db))
	assert.NotContains(t, after, "user "+bob+" bob@example.com Bob")
	assert.NotContains(t, after, "team "+lab+" Lab")
}
