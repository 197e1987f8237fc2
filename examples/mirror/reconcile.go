package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"
)

// repairs counts the rows reconcile changed, and the refreshes it
// enqueued for entities that the lists left out.
type repairs struct{ users, teams, members, teamPermissions, projectPermissions, refreshes int64 }

func (r repairs) String() string {
	return fmt.Sprintf("users %d, teams %d, memberships %d, team permissions %d, project permissions %d, refreshes enqueued %d",
		r.users, r.teams, r.members, r.teamPermissions, r.projectPermissions, r.refreshes)
}

// reconciler repairs the mirror from the API's lists, for whatever no
// delivered event touched (events lost before Svix).
//
// It reads every list to its end: /users and /teams by their cursors, each
// team's members (/users?team_id=), and every direct team and project
// permission of the project (one list each): 4 + teams + (users + teams) /
// 1000 requests in all, whatever the number of users. It writes what it read
// under the same order as a refresh (written_seq, taken before the first
// read), so a refresh that read later wins, and running it while webhooks
// flow is safe. A user or team the mirror holds that a list leaves out is
// not deleted on that ground: reconcile enqueues its refresh, whose GET
// decides, and only a 404 tombstones it.
//
// It refuses, writing nothing, a list it cannot trust (stackAPI.list: an
// answer without items, a cursor seen twice, a page that stays empty after
// a cursor), and more than maxMissing entities left out, which is more
// likely an API fault than deletions without events.
type reconciler struct {
	db         *sql.DB
	api        *stackAPI
	queue      *queue
	maxMissing int
}

func (rc *reconciler) run(ctx context.Context) (repairs, error) {
	var r repairs
	var seq int64
	if err := rc.db.QueryRowContext(ctx, `SELECT nextval('mirror_read_seq')`).Scan(&seq); err != nil {
		return r, err
	}
	users, err := rc.api.users(ctx, "")
	if err != nil {
		return r, err
	}
	teams, err := rc.api.teams(ctx, "")
	if err != nil {
		return r, err
	}
	members := rowSet{table: "team_members", cols: []string{"team_id", "user_id"}}
	for _, t := range teams {
		us, err := rc.api.users(ctx, t.ID)
		if err != nil {
			return r, err
		}
		members.rows = append(members.rows, membersOfTeam(t.ID, us).rows...)
	}
	teamPerms, err := rc.api.teamPermissions(ctx, "", "")
	if err != nil {
		return r, err
	}
	projectPerms, err := rc.api.projectPermissions(ctx, "")
	if err != nil {
		return r, err
	}
	missingUsers, err := missing(ctx, rc.db, "users", users, userID)
	if err != nil {
		return r, err
	}
	missingTeams, err := missing(ctx, rc.db, "teams", teams, teamID)
	if err != nil {
		return r, err
	}
	if n := len(missingUsers) + len(missingTeams); n > rc.maxMissing {
		return r, fmt.Errorf("the lists leave out %d users and %d teams the mirror holds, more than -max-missing %d: nothing written", len(missingUsers), len(missingTeams), rc.maxMissing)
	}
	err = inTx(ctx, rc.db, func(tx *sql.Tx) error {
		var errs [6]error
		r.users, errs[0] = writeUsers(ctx, tx, seq, users)
		r.teams, errs[1] = writeTeams(ctx, tx, seq, teams)
		r.members, errs[2] = members.write(ctx, tx, seq)
		r.teamPermissions, errs[3] = teamPermissionsIn(nil, teamPerms).write(ctx, tx, seq)
		everyone := projectPermissionsOf("", projectPerms)
		everyone.scope = nil
		r.projectPermissions, errs[4] = everyone.write(ctx, tx, seq)
		if err := errors.Join(errs[:]...); err != nil {
			return err
		}
		for _, id := range missingUsers {
			errs[5] = errors.Join(errs[5], rc.queue.enqueue(ctx, tx, refreshArgs{What: refreshUser, UserID: id}))
		}
		for _, id := range missingTeams {
			errs[5] = errors.Join(errs[5], rc.queue.enqueue(ctx, tx, refreshArgs{What: refreshTeam, TeamID: id}))
		}
		r.refreshes = int64(len(missingUsers) + len(missingTeams))
		return errs[5]
	})
	return r, err
}

// missing lists the live rows of table (users or teams) whose ids listed
// leaves out.
func missing[T any](ctx context.Context, db *sql.DB, table string, listed []T, id func(*T) string) ([]string, error) {
	ids := make([]string, len(listed))
	for i := range listed {
		ids[i] = id(&listed[i])
	}
	rows, err := db.QueryContext(ctx, `SELECT id FROM `+table+` t WHERE NOT deleted
		AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS l (id) WHERE l.id = t.id) ORDER BY id`, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// runReconcile is `mirror reconcile`.
func runReconcile(ctx context.Context, logger *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	deadline := fs.Duration("deadline", 30*time.Minute, "give up when the API still fails (429, 5xx, no answer) after this long")
	maxMissing := fs.Int("max-missing", 100, "refuse to go on when the lists leave out more users and teams than this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *deadline)
	defer cancel()
	c, err := load(ctx, logger, false)
	if err != nil {
		return err
	}
	c.api.retry = true
	rc, err := c.queueClient(logger, 0)
	if err != nil {
		return err
	}
	r, err := (&reconciler{db: c.db, api: c.api, queue: &queue{river: rc}, maxMissing: *maxMissing}).run(ctx)
	if err != nil {
		return err
	}
	logger.Info("reconciled", "repairs", r.String())
	return nil
}
