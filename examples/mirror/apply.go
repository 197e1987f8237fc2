package main

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/stackwebhook/stackwebhook"
)

// applier writes each delivered event to the mirror and enqueues the
// refreshes of what it touched, in the transaction in which
// sqlstore.TxHandler records the message: a reader sees the event's
// payload as soon as the delivery is answered, and the refresh cannot be
// lost or enqueued twice for one message.
//
// The payload's write is provisional. Svix delivers in no order and
// retries with new timestamps, so an older update can arrive last and be
// written over a newer one; Stack sends nothing for a team's creator; an
// event can be lost before Svix. The refresh that each event enqueues
// reads Hexclave's state and settles the rows. Deletions are final (ids
// are never reused) and need no refresh: a user.deleted or team.deleted
// tombstones the row, and nothing written later brings it back. Events
// the mirror does not keep are acknowledged.
type applier struct{ queue *queue }

func (m *applier) apply(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	refresh := func(a refreshArgs, err error) error {
		if err != nil {
			return err
		}
		return m.queue.enqueue(ctx, tx, a)
	}
	switch e := ev.(type) {
	case *stackwebhook.UserCreated:
		return refresh(refreshArgs{What: refreshUser, UserID: e.Data.ID}, putUser(exec, &e.Data, false))
	case *stackwebhook.UserUpdated:
		return refresh(refreshArgs{What: refreshUser, UserID: e.Data.ID}, putUser(exec, &e.Data, true))
	case *stackwebhook.UserDeleted:
		return tombstone(ctx, tx, "users", e.Data.ID)
	case *stackwebhook.TeamCreated:
		return refresh(refreshArgs{What: refreshTeam, TeamID: e.Data.ID}, putTeam(exec, &e.Data, false))
	case *stackwebhook.TeamUpdated:
		return refresh(refreshArgs{What: refreshTeam, TeamID: e.Data.ID}, putTeam(exec, &e.Data, true))
	case *stackwebhook.TeamDeleted:
		return tombstone(ctx, tx, "teams", e.Data.ID)
	case *stackwebhook.TeamMembershipCreated:
		return refresh(member(e.Data), putMember(exec, e.Data, true))
	case *stackwebhook.TeamMembershipDeleted:
		return refresh(member(e.Data), putMember(exec, e.Data, false))
	case *stackwebhook.TeamPermissionCreated:
		return refresh(member(stackwebhook.TeamMembership{TeamID: e.Data.TeamID, UserID: e.Data.UserID}), putTeamPermission(exec, e.Data, true))
	case *stackwebhook.TeamPermissionDeleted:
		return refresh(member(stackwebhook.TeamMembership{TeamID: e.Data.TeamID, UserID: e.Data.UserID}), putTeamPermission(exec, e.Data, false))
	case *stackwebhook.ProjectPermissionCreated:
		return refresh(refreshArgs{What: refreshProject, UserID: e.Data.UserID}, putProjectPermission(exec, e.Data, true))
	case *stackwebhook.ProjectPermissionDeleted:
		return refresh(refreshArgs{What: refreshProject, UserID: e.Data.UserID}, putProjectPermission(exec, e.Data, false))
	}
	return nil
}

func member(m stackwebhook.TeamMembership) refreshArgs {
	return refreshArgs{What: refreshMember, TeamID: m.TeamID, UserID: m.UserID}
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

func putMember(exec execFunc, m stackwebhook.TeamMembership, present bool) error {
	return exec(`INSERT INTO team_members (team_id, user_id, present) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO UPDATE SET present = excluded.present`, m.TeamID, m.UserID, present)
}

func putTeamPermission(exec execFunc, p stackwebhook.TeamPermission, present bool) error {
	return exec(`INSERT INTO team_permissions (team_id, user_id, permission_id, present) VALUES ($1, $2, $3, $4)
		ON CONFLICT (team_id, user_id, permission_id) DO UPDATE SET present = excluded.present`, p.TeamID, p.UserID, p.ID, present)
}

func putProjectPermission(exec execFunc, p stackwebhook.ProjectPermission, present bool) error {
	return exec(`INSERT INTO project_permissions (user_id, permission_id, present) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, permission_id) DO UPDATE SET present = excluded.present`, p.UserID, p.ID, present)
}
