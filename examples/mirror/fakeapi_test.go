package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stackwebhook/stackwebhook"
)

// fakeHexclave is Hexclave's REST API for one project as the mirror reads
// it, written from Stack's backend (apps/backend/src/app/api/latest:
// users/crud.tsx, teams/crud.tsx, team-permissions, project-permissions)
// and the reference's notes on Hexclave:
//
//   - server access only: x-stack-access-type server, the project id and
//     the secret server key, else 401; a query parameter an endpoint does
//     not take is a 400, as Stack's schema validation answers;
//   - GET /users pages by cursor (at most 1000, and a limit is required
//     above 1000 users): the cursor is the id of the next page's first row,
//     and when that row is gone the page is empty with no next cursor;
//     ?team_id= lists a team's members;
//   - GET /teams pages the same way (Hexclave); ?user_id= lists a user's
//     teams;
//   - GET /users/{id} and /teams/{id}: 404 when absent;
//   - the permission lists answer every direct grant of their filter;
//   - a team's creator is a member, with the creator's permissions, and
//     sign-up grants the default project permissions, without events.
//
// Tests change the state through a *stack (what Stack does and sends) and
// inject faults through the hooks.
type fakeHexclave struct {
	mu           sync.Mutex
	users        map[string]stackwebhook.User
	teams        map[string]stackwebhook.Team
	members      map[[2]string]bool // team, user
	teamPerms    map[[3]string]bool // team, user, permission
	projectPerms map[[2]string]bool // user, permission

	calls atomic.Int64 // requests answered, whatever the answer
	// fault, when set (setFault), may answer a request itself (true): a
	// 429, a 500, a malformed body. It runs before the state is read,
	// without mu.
	fault atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]
	// betweenPages runs after a page of /users is answered (without mu).
	betweenPages func(nextCursor string)

	server *httptest.Server
}

func newFakeHexclave(t testing.TB) *fakeHexclave {
	f := &fakeHexclave{users: map[string]stackwebhook.User{}, teams: map[string]stackwebhook.Team{},
		members: map[[2]string]bool{}, teamPerms: map[[3]string]bool{}, projectPerms: map[[2]string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/users/{id}", f.getUser)
	mux.HandleFunc("GET /api/v1/users", f.listUsers)
	mux.HandleFunc("GET /api/v1/teams/{id}", f.getTeam)
	mux.HandleFunc("GET /api/v1/teams", f.listTeams)
	mux.HandleFunc("GET /api/v1/team-permissions", f.listTeamPermissions)
	mux.HandleFunc("GET /api/v1/project-permissions", f.listProjectPermissions)
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		h := r.Header
		if h.Get("x-stack-access-type") != "server" || h.Get("x-stack-project-id") != "proj_1" || h.Get("x-stack-secret-server-key") != "ssk_good" {
			http.Error(w, `{"code":"INVALID_SECRET_SERVER_KEY"}`, http.StatusUnauthorized)
			return
		}
		if fault := f.fault.Load(); fault != nil && (*fault)(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.server.Close)
	return f
}

// setFault sets the fault hook (nil: none).
func (f *fakeHexclave) setFault(fn func(w http.ResponseWriter, r *http.Request) bool) {
	if fn == nil {
		f.fault.Store(nil)
		return
	}
	f.fault.Store(&fn)
}

// api is a client of the fake, as the mirror configures it.
func (f *fakeHexclave) api() *stackAPI {
	return &stackAPI{base: f.server.URL, projectID: "proj_1", serverKey: "ssk_good", client: f.server.Client()}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// takes answers 400 when the query has a parameter outside allowed.
func takes(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			http.Error(w, `{"code":"SCHEMA_ERROR","error":"query contains unknown properties: `+k+`"}`, http.StatusBadRequest)
			return false
		}
	}
	return true
}

func (f *fakeHexclave) getUser(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	u, ok := f.users[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		http.Error(w, `{"code":"USER_NOT_FOUND"}`, http.StatusNotFound)
		return
	}
	reply(w, u)
}

func (f *fakeHexclave) getTeam(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	t, ok := f.teams[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		http.Error(w, `{"code":"TEAM_NOT_FOUND"}`, http.StatusNotFound)
		return
	}
	reply(w, t)
}

// paginate answers one page of ids (sorted), as Prisma's cursor does.
func paginate(w http.ResponseWriter, r *http.Request, ids []string, item func(string) any) (next string, ok bool) {
	slices.Sort(ids)
	q := r.URL.Query()
	limit := len(ids)
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			http.Error(w, `{"code":"SCHEMA_ERROR","error":"limit"}`, http.StatusBadRequest)
			return "", false
		}
		limit = n
	} else if len(ids) > 1000 {
		http.Error(w, `{"code":"SCHEMA_ERROR","error":"limit is required above 1000 items"}`, http.StatusBadRequest)
		return "", false
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		start = slices.Index(ids, c)
		if start < 0 { // the cursor's row is gone
			reply(w, map[string]any{"items": []any{}, "is_paginated": true, "pagination": map[string]any{"next_cursor": nil}})
			return "", true
		}
	}
	end := min(start+limit, len(ids))
	items := make([]any, 0, end-start)
	for _, id := range ids[start:end] {
		items = append(items, item(id))
	}
	var nc any
	if end < len(ids) {
		next, nc = ids[end], ids[end]
	}
	reply(w, map[string]any{"items": items, "is_paginated": true, "pagination": map[string]any{"next_cursor": nc}})
	return next, true
}

func (f *fakeHexclave) listUsers(w http.ResponseWriter, r *http.Request) {
	if !takes(w, r, "limit", "cursor", "team_id", "include_anonymous", "include_restricted") {
		return
	}
	f.mu.Lock()
	team := r.URL.Query().Get("team_id")
	var ids []string
	for id := range f.users {
		if team == "" || f.members[[2]string{team, id}] {
			ids = append(ids, id)
		}
	}
	next, ok := paginate(w, r, ids, func(id string) any { return f.users[id] })
	f.mu.Unlock()
	if ok && next != "" && f.betweenPages != nil {
		f.betweenPages(next)
	}
}

func (f *fakeHexclave) listTeams(w http.ResponseWriter, r *http.Request) {
	if !takes(w, r, "limit", "cursor", "user_id") {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	user := r.URL.Query().Get("user_id")
	var ids []string
	for id := range f.teams {
		if user == "" || f.members[[2]string{id, user}] {
			ids = append(ids, id)
		}
	}
	paginate(w, r, ids, func(id string) any { return f.teams[id] })
}

func (f *fakeHexclave) listTeamPermissions(w http.ResponseWriter, r *http.Request) {
	if !takes(w, r, "team_id", "user_id", "recursive") {
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	items := []stackwebhook.TeamPermission{}
	for k := range f.teamPerms {
		if (q.Get("team_id") == "" || q.Get("team_id") == k[0]) && (q.Get("user_id") == "" || q.Get("user_id") == k[1]) {
			items = append(items, stackwebhook.TeamPermission{TeamID: k[0], UserID: k[1], ID: k[2]})
		}
	}
	reply(w, map[string]any{"items": items, "is_paginated": false})
}

func (f *fakeHexclave) listProjectPermissions(w http.ResponseWriter, r *http.Request) {
	if !takes(w, r, "user_id", "recursive") {
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	items := []stackwebhook.ProjectPermission{}
	for k := range f.projectPerms {
		if q.Get("user_id") == "" || q.Get("user_id") == k[0] {
			items = append(items, stackwebhook.ProjectPermission{UserID: k[0], ID: k[1]})
		}
	}
	reply(w, map[string]any{"items": items, "is_paginated": false})
}

// stack is Stack's backend for the fake: each action changes the fake's
// state and returns the events Stack sends for it (stack-events: a
// personal team's team.created before its user.created; nothing for a
// team's creator or for sign-up's default permissions; a member's default
// permission after its membership; a user's deletion as one
// team_membership.deleted per team and user.deleted, with no permission
// deletions; a team's deletion as team.deleted alone).
type stack struct {
	f    *fakeHexclave
	next int // the next id's number
}

func (s *stack) id(prefix byte) string {
	s.next++
	return fmt.Sprintf("%c%07x-0000-4000-8000-%012x", prefix, s.next, s.next)
}

func ptr(s string) *string { return &s }

// signUp creates a user with a personal team, of which the user is the
// creator (team_admin), and the project's default sign-up permission.
func (s *stack) signUp(name string) (userID, teamID string, events []stackwebhook.Event) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	userID, teamID = s.id('a'), s.id('b')
	u := stackwebhook.User{ID: userID, PrimaryEmail: ptr(name + "@example.com"), DisplayName: ptr(name),
		SignedUpAtMillis: 1764288000000, OAuthProviders: []stackwebhook.OAuthProvider{}}
	t := stackwebhook.Team{ID: teamID, DisplayName: name + "'s Team", CreatedAtMillis: 1764288000000}
	f.users[userID], f.teams[teamID] = u, t
	f.members[[2]string{teamID, userID}] = true
	f.teamPerms[[3]string{teamID, userID, "team_admin"}] = true
	f.projectPerms[[2]string{userID, "member"}] = true
	return userID, teamID, []stackwebhook.Event{&stackwebhook.TeamCreated{Data: t}, &stackwebhook.UserCreated{Data: u}}
}

// createTeam creates a shared team with a creator.
func (s *stack) createTeam(name, creator string) (string, []stackwebhook.Event) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	id := s.id('c')
	t := stackwebhook.Team{ID: id, DisplayName: name, CreatedAtMillis: 1764288000000}
	f.teams[id] = t
	if _, ok := f.users[creator]; ok {
		f.members[[2]string{id, creator}] = true
		f.teamPerms[[3]string{id, creator, "team_admin"}] = true
	}
	return id, []stackwebhook.Event{&stackwebhook.TeamCreated{Data: t}}
}

// addMember adds a user to a team with the default member permission.
func (s *stack) addMember(team, user string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.teams[team]; !ok || f.members[[2]string{team, user}] {
		return nil
	}
	if _, ok := f.users[user]; !ok {
		return nil
	}
	f.members[[2]string{team, user}] = true
	f.teamPerms[[3]string{team, user, "team_member"}] = true
	return []stackwebhook.Event{
		&stackwebhook.TeamMembershipCreated{Data: stackwebhook.TeamMembership{TeamID: team, UserID: user}},
		&stackwebhook.TeamPermissionCreated{Data: stackwebhook.TeamPermission{ID: "team_member", TeamID: team, UserID: user}},
	}
}

// removeMember removes a user from a team, and the permissions held there.
func (s *stack) removeMember(team, user string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.members[[2]string{team, user}] {
		return nil
	}
	delete(f.members, [2]string{team, user})
	for k := range f.teamPerms {
		if k[0] == team && k[1] == user {
			delete(f.teamPerms, k)
		}
	}
	return []stackwebhook.Event{&stackwebhook.TeamMembershipDeleted{Data: stackwebhook.TeamMembership{TeamID: team, UserID: user}}}
}

// grantTeam grants (or revokes) a team permission to a member.
func (s *stack) grantTeam(team, user, perm string, grant bool) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := [3]string{team, user, perm}
	if !f.members[[2]string{team, user}] || f.teamPerms[k] == grant {
		return nil
	}
	p := stackwebhook.TeamPermission{ID: perm, TeamID: team, UserID: user}
	if grant {
		f.teamPerms[k] = true
		return []stackwebhook.Event{&stackwebhook.TeamPermissionCreated{Data: p}}
	}
	delete(f.teamPerms, k)
	return []stackwebhook.Event{&stackwebhook.TeamPermissionDeleted{Data: p}}
}

// grantProject grants (or revokes) a project permission.
func (s *stack) grantProject(user, perm string, grant bool) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	k := [2]string{user, perm}
	if _, ok := f.users[user]; !ok || f.projectPerms[k] == grant {
		return nil
	}
	p := stackwebhook.ProjectPermission{ID: perm, UserID: user}
	if grant {
		f.projectPerms[k] = true
		return []stackwebhook.Event{&stackwebhook.ProjectPermissionCreated{Data: p}}
	}
	delete(f.projectPerms, k)
	return []stackwebhook.Event{&stackwebhook.ProjectPermissionDeleted{Data: p}}
}

// rename updates a user's display name.
func (s *stack) rename(user, name string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[user]
	if !ok {
		return nil
	}
	u.DisplayName = ptr(name)
	f.users[user] = u
	return []stackwebhook.Event{&stackwebhook.UserUpdated{Data: u}}
}

// renameTeam updates a team's display name.
func (s *stack) renameTeam(team, name string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.teams[team]
	if !ok {
		return nil
	}
	t.DisplayName = name
	f.teams[team] = t
	return []stackwebhook.Event{&stackwebhook.TeamUpdated{Data: t}}
}

// deleteUser deletes a user: a membership deletion per team, then the
// user's (sent concurrently by Stack).
func (s *stack) deleteUser(user string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[user]; !ok {
		return nil
	}
	var events []stackwebhook.Event
	var teams []stackwebhook.DeletedUserTeam
	for k := range f.members {
		if k[1] == user {
			delete(f.members, k)
			teams = append(teams, stackwebhook.DeletedUserTeam{ID: k[0]})
			events = append(events, &stackwebhook.TeamMembershipDeleted{Data: stackwebhook.TeamMembership{TeamID: k[0], UserID: user}})
		}
	}
	for k := range f.teamPerms {
		if k[1] == user {
			delete(f.teamPerms, k)
		}
	}
	for k := range f.projectPerms {
		if k[0] == user {
			delete(f.projectPerms, k)
		}
	}
	delete(f.users, user)
	return append(events, &stackwebhook.UserDeleted{Data: stackwebhook.DeletedUser{ID: user, Teams: teams}})
}

// deleteTeam deletes a team, its memberships and their permissions.
func (s *stack) deleteTeam(team string) []stackwebhook.Event {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.teams[team]; !ok {
		return nil
	}
	for k := range f.members {
		if k[0] == team {
			delete(f.members, k)
		}
	}
	for k := range f.teamPerms {
		if k[0] == team {
			delete(f.teamPerms, k)
		}
	}
	delete(f.teams, team)
	return []stackwebhook.Event{&stackwebhook.TeamDeleted{Data: stackwebhook.DeletedTeam{ID: team}}}
}
