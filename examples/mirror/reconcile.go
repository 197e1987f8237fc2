package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stackwebhook/stackwebhook"
)

// snapshot is Stack's state as its API lists it.
type snapshot struct {
	users       []stackwebhook.User
	teams       []stackwebhook.Team
	members     map[[2]string]bool // {team, user}
	teamPerms   map[[3]string]bool // {team, user, permission}
	projectPerm map[[2]string]bool // {user, permission}
}

// fetch lists everything the mirror keeps.
func fetch(ctx context.Context, api *stackAPI) (*snapshot, error) {
	s := &snapshot{members: map[[2]string]bool{}, teamPerms: map[[3]string]bool{}, projectPerm: map[[2]string]bool{}}
	var err error
	if s.users, err = api.users(ctx); err != nil {
		return nil, err
	}
	if s.teams, err = api.teams(ctx, ""); err != nil {
		return nil, err
	}
	for i := range s.users {
		u := &s.users[i]
		its, err := api.teams(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range its {
			s.members[[2]string{t.ID, u.ID}] = true
			perms, err := api.teamPermissions(ctx, t.ID, u.ID)
			if err != nil {
				return nil, err
			}
			for _, p := range perms {
				s.teamPerms[[3]string{t.ID, u.ID, p.ID}] = true
			}
		}
		perms, err := api.projectPermissions(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range perms {
			s.projectPerm[[2]string{u.ID, p.ID}] = true
		}
	}
	return s, nil
}

// repairs counts what reconcile changed.
type repairs struct{ users, teams, members, teamPermissions, projectPermissions int64 }

func (r repairs) String() string {
	return fmt.Sprintf("rows repaired: %d users, %d teams, %d memberships, %d team permissions, %d project permissions",
		r.users, r.teams, r.members, r.teamPermissions, r.projectPermissions)
}

// reconcile makes the mirror's tables say what Stack's API says, in one
// transaction: users and teams it lists are written (tombstones lifted, as
// the API is the truth), those it does not list become tombstones; every
// counter is set to 1 for a pair it lists and to 0 for one it does not.
// Webhooks applied while it runs can be counted twice or lost: run it when
// deliveries are quiet, or again.
func reconcile(ctx context.Context, db *sql.DB, api *stackAPI) (repairs, error) {
	var r repairs
	s, err := fetch(ctx, api)
	if err != nil {
		return r, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return r, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	exec := func(n *int64, query string, args ...any) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		*n += k
		return err
	}
	userIDs, teamIDs := []string{}, []string{}
	for i := range s.users {
		u := &s.users[i]
		data, err := json.Marshal(u)
		if err != nil {
			return r, err
		}
		userIDs = append(userIDs, u.ID)
		if err := exec(&r.users, `INSERT INTO users (id, primary_email, display_name, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET deleted = false, primary_email = excluded.primary_email, display_name = excluded.display_name, data = excluded.data
			WHERE users.deleted OR users.data IS DISTINCT FROM excluded.data OR users.primary_email IS DISTINCT FROM excluded.primary_email
			OR users.display_name IS DISTINCT FROM excluded.display_name`, u.ID, u.PrimaryEmail, u.DisplayName, string(data)); err != nil {
			return r, err
		}
	}
	for i := range s.teams {
		t := &s.teams[i]
		data, err := json.Marshal(t)
		if err != nil {
			return r, err
		}
		teamIDs = append(teamIDs, t.ID)
		if err := exec(&r.teams, `INSERT INTO teams (id, display_name, data) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET deleted = false, display_name = excluded.display_name, data = excluded.data
			WHERE teams.deleted OR teams.data IS DISTINCT FROM excluded.data OR teams.display_name IS DISTINCT FROM excluded.display_name`,
			t.ID, t.DisplayName, string(data)); err != nil {
			return r, err
		}
	}
	// What the API does not list is gone.
	if err := tombstoneAbsent(ctx, tx, &r.users, "users", userIDs); err != nil {
		return r, err
	}
	if err := tombstoneAbsent(ctx, tx, &r.teams, "teams", teamIDs); err != nil {
		return r, err
	}
	// Counters: 1 for each pair listed, 0 for every other.
	pairs := []struct {
		table, columns string
		n              *int64
		listed         [][]string
	}{
		{"team_members", "team_id, user_id", &r.members, pairList(s.members)},
		{"team_permissions", "team_id, user_id, permission_id", &r.teamPermissions, tripleList(s.teamPerms)},
		{"project_permissions", "user_id, permission_id", &r.projectPermissions, pairList(s.projectPerm)},
	}
	for _, p := range pairs {
		list, err := json.Marshal(p.listed)
		if err != nil {
			return r, err
		}
		cols := strings.Split(p.columns, ", ")
		elems := make([]string, len(cols))
		for i := range cols {
			elems[i] = fmt.Sprintf("e->>%d", i)
		}
		listed := "SELECT " + strings.Join(elems, ", ") + " FROM jsonb_array_elements($1::jsonb) e"
		if err := exec(p.n, "INSERT INTO "+p.table+" ("+p.columns+", net) SELECT *, 1 FROM ("+listed+") l "+
			"ON CONFLICT ("+p.columns+") DO UPDATE SET net = 1 WHERE "+p.table+".net <> 1", string(list)); err != nil {
			return r, err
		}
		if err := exec(p.n, "UPDATE "+p.table+" SET net = 0 WHERE net <> 0 AND ("+p.columns+") NOT IN ("+listed+")", string(list)); err != nil {
			return r, err
		}
	}
	return r, tx.Commit()
}

func pairList(m map[[2]string]bool) [][]string {
	out := [][]string{}
	for k := range m {
		out = append(out, k[:])
	}
	return out
}

func tripleList(m map[[3]string]bool) [][]string {
	out := [][]string{}
	for k := range m {
		out = append(out, k[:])
	}
	return out
}

// tombstoneAbsent marks deleted every live row of table whose id is not in
// ids.
func tombstoneAbsent(ctx context.Context, tx *sql.Tx, n *int64, table string, ids []string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET deleted = true, display_name = NULL, data = NULL"+
		map[string]string{"users": ", primary_email = NULL", "teams": ""}[table]+
		" WHERE NOT deleted AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))", string(list))
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}
