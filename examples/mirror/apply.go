package main

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/stackwebhook/stackwebhook"
)

// apply writes one event to the mirror through tx: the function that
// sqlstore.TxHandler calls, in the transaction that records the message,
// so that each message counts once (the counters depend on it). Events the
// mirror does not keep are acknowledged.
func apply(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	switch e := ev.(type) {
	case *stackwebhook.UserCreated:
		return putUser(exec, &e.Data, false)
	case *stackwebhook.UserUpdated:
		return putUser(exec, &e.Data, true)
	case *stackwebhook.UserDeleted:
		return exec(`INSERT INTO users (id, deleted) VALUES ($1, true)
			ON CONFLICT (id) DO UPDATE SET deleted = true, primary_email = NULL, display_name = NULL, data = NULL`, e.Data.ID)
	case *stackwebhook.TeamCreated:
		return putTeam(exec, &e.Data, false)
	case *stackwebhook.TeamUpdated:
		return putTeam(exec, &e.Data, true)
	case *stackwebhook.TeamDeleted:
		return exec(`INSERT INTO teams (id, deleted) VALUES ($1, true)
			ON CONFLICT (id) DO UPDATE SET deleted = true, display_name = NULL, data = NULL`, e.Data.ID)
	case *stackwebhook.TeamMembershipCreated:
		return countMember(exec, e.Data, +1)
	case *stackwebhook.TeamMembershipDeleted:
		return countMember(exec, e.Data, -1)
	case *stackwebhook.TeamPermissionCreated:
		return countTeamPermission(exec, e.Data, +1)
	case *stackwebhook.TeamPermissionDeleted:
		return countTeamPermission(exec, e.Data, -1)
	case *stackwebhook.ProjectPermissionCreated:
		return countProjectPermission(exec, e.Data, +1)
	case *stackwebhook.ProjectPermissionDeleted:
		return countProjectPermission(exec, e.Data, -1)
	}
	return nil
}

type execFunc func(query string, args ...any) error

// putUser inserts the user; an update also overwrites a row that is there.
// Neither touches a tombstone.
func putUser(exec execFunc, u *stackwebhook.User, update bool) error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	onConflict := "DO NOTHING"
	if update {
		onConflict = "DO UPDATE SET primary_email = excluded.primary_email, display_name = excluded.display_name, data = excluded.data WHERE NOT users.deleted"
	}
	return exec("INSERT INTO users (id, primary_email, display_name, data) VALUES ($1, $2, $3, $4) ON CONFLICT (id) "+onConflict,
		u.ID, u.PrimaryEmail, u.DisplayName, string(data))
}

func putTeam(exec execFunc, t *stackwebhook.Team, update bool) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	onConflict := "DO NOTHING"
	if update {
		onConflict = "DO UPDATE SET display_name = excluded.display_name, data = excluded.data WHERE NOT teams.deleted"
	}
	return exec("INSERT INTO teams (id, display_name, data) VALUES ($1, $2, $3) ON CONFLICT (id) "+onConflict, t.ID, t.DisplayName, string(data))
}

func countMember(exec execFunc, m stackwebhook.TeamMembership, delta int) error {
	return exec(`INSERT INTO team_members (team_id, user_id, net) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO UPDATE SET net = team_members.net + excluded.net`, m.TeamID, m.UserID, delta)
}

func countTeamPermission(exec execFunc, p stackwebhook.TeamPermission, delta int) error {
	return exec(`INSERT INTO team_permissions (team_id, user_id, permission_id, net) VALUES ($1, $2, $3, $4)
		ON CONFLICT (team_id, user_id, permission_id) DO UPDATE SET net = team_permissions.net + excluded.net`, p.TeamID, p.UserID, p.ID, delta)
}

func countProjectPermission(exec execFunc, p stackwebhook.ProjectPermission, delta int) error {
	return exec(`INSERT INTO project_permissions (user_id, permission_id, net) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, permission_id) DO UPDATE SET net = project_permissions.net + excluded.net`, p.UserID, p.ID, delta)
}
