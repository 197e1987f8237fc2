package main

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/riverqueue/river"

	"github.com/stackwebhook/stackwebhook"
)

// refresher is the River worker that reads one entity from Hexclave's API
// and writes it: the step that makes the mirror converge, whatever order
// the events came in, whichever were duplicated, and whatever Stack never
// sends (a team's creator is a member, and has its permissions, without an
// event).
//
// A refresh first clears its mark (so that an event arriving from then on
// enqueues another refresh) and takes its number from mirror_read_seq,
// then reads, then writes in one transaction under written_seq's order.
// Only a 404 for the entity itself tombstones it. A 429 snoozes the job
// until the API's Retry-After; any other failure is retried by River with
// its backoff.
type refresher struct {
	river.WorkerDefaults[refreshArgs]
	db  *sql.DB
	api *stackAPI
}

func (w *refresher) Work(ctx context.Context, job *river.Job[refreshArgs]) error {
	err := w.refresh(ctx, job.Args)
	if rl := (*rateLimited)(nil); errors.As(err, &rl) {
		return river.JobSnooze(rl.After)
	}
	return err
}

func (w *refresher) refresh(ctx context.Context, a refreshArgs) error {
	var seq int64
	if err := w.db.QueryRowContext(ctx, `WITH cleared AS (UPDATE refresh_marks SET queued = false WHERE kind = $1 AND key = $2)
		SELECT nextval('mirror_read_seq')`, a.What, a.key()).Scan(&seq); err != nil {
		return err
	}
	switch a.What {
	case refreshUser:
		u, err := w.api.user(ctx, a.UserID)
		if errors.Is(err, errNotFound) {
			return inTx(ctx, w.db, func(tx *sql.Tx) error { return tombstone(ctx, tx, "users", a.UserID) })
		}
		if err != nil {
			return err
		}
		teams, err := w.api.teams(ctx, a.UserID)
		if err != nil {
			return err
		}
		perms, err := w.api.projectPermissions(ctx, a.UserID)
		if err != nil {
			return err
		}
		return inTx(ctx, w.db, func(tx *sql.Tx) error {
			return writeAll(ctx, tx, seq,
				func() (int64, error) { return writeUsers(ctx, tx, seq, []stackwebhook.User{*u}) },
				teamsOfUser(a.UserID, teams), projectPermissionsOf(a.UserID, perms))
		})
	case refreshTeam:
		t, err := w.api.team(ctx, a.TeamID)
		if errors.Is(err, errNotFound) {
			return inTx(ctx, w.db, func(tx *sql.Tx) error { return tombstone(ctx, tx, "teams", a.TeamID) })
		}
		if err != nil {
			return err
		}
		members, err := w.api.users(ctx, a.TeamID)
		if err != nil {
			return err
		}
		perms, err := w.api.teamPermissions(ctx, a.TeamID, "")
		if err != nil {
			return err
		}
		return inTx(ctx, w.db, func(tx *sql.Tx) error {
			return writeAll(ctx, tx, seq,
				func() (int64, error) { return writeTeams(ctx, tx, seq, []stackwebhook.Team{*t}) },
				membersOfTeam(a.TeamID, members), teamPermissionsIn(map[string]string{"team_id": a.TeamID}, perms))
		})
	case refreshMember:
		// A 404 here is the user's or the team's, not the membership's:
		// it proves the membership absent, and nothing else.
		teams, err := w.api.teams(ctx, a.UserID)
		if err != nil && !errors.Is(err, errNotFound) {
			return err
		}
		var perms []stackwebhook.TeamPermission
		member := slices.ContainsFunc(teams, func(t stackwebhook.Team) bool { return t.ID == a.TeamID })
		if member {
			if perms, err = w.api.teamPermissions(ctx, a.TeamID, a.UserID); err != nil && !errors.Is(err, errNotFound) {
				return err
			}
		}
		pair := map[string]string{"team_id": a.TeamID, "user_id": a.UserID}
		set := rowSet{table: "team_members", cols: []string{"team_id", "user_id"}, scope: pair}
		if member {
			set.rows = [][]string{{a.TeamID, a.UserID}}
		}
		return inTx(ctx, w.db, func(tx *sql.Tx) error {
			return writeAll(ctx, tx, seq, nil, set, teamPermissionsIn(pair, perms))
		})
	case refreshProject:
		perms, err := w.api.projectPermissions(ctx, a.UserID)
		if err != nil && !errors.Is(err, errNotFound) {
			return err
		}
		return inTx(ctx, w.db, func(tx *sql.Tx) error { return writeAll(ctx, tx, seq, nil, projectPermissionsOf(a.UserID, perms)) })
	}
	return river.JobCancel(errors.New("mirror: unknown refresh " + a.What))
}

// writeAll writes an entity's row (row, if not nil) and its sets.
func writeAll(ctx context.Context, tx *sql.Tx, seq int64, row func() (int64, error), sets ...rowSet) error {
	if row != nil {
		if _, err := row(); err != nil {
			return err
		}
	}
	for _, s := range sets {
		if _, err := s.write(ctx, tx, seq); err != nil {
			return err
		}
	}
	return nil
}
