package main

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river"
)

// What a refresh reads and writes (refreshArgs.What).
const (
	refreshUser    = "user"    // the user's row, teams and project permissions
	refreshTeam    = "team"    // the team's row, members and their team permissions
	refreshMember  = "member"  // one user's membership of one team, and its permissions
	refreshProject = "project" // one user's project permissions
)

// refreshArgs is a River job: read one entity from the API and write it.
type refreshArgs struct {
	What   string `json:"what"`
	TeamID string `json:"team_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// Kind is River's name of the job kind.
func (refreshArgs) Kind() string { return "mirror_refresh" }

// key names the entity in refresh_marks.
func (a refreshArgs) key() string {
	switch a.What {
	case refreshTeam:
		return a.TeamID
	case refreshMember:
		return a.TeamID + "/" + a.UserID
	}
	return a.UserID
}

// covering is the refresh that reads everything a reads, if there is one:
// a team's refresh covers each membership of the team, a user's covers the
// user's project permissions.
func (a refreshArgs) covering() (refreshArgs, bool) {
	switch a.What {
	case refreshMember:
		return refreshArgs{What: refreshTeam, TeamID: a.TeamID}, true
	case refreshProject:
		return refreshArgs{What: refreshUser, UserID: a.UserID}, true
	}
	return refreshArgs{}, false
}

// queue enqueues refreshes in a delivery's or a reconcile's transaction.
type queue struct {
	river *river.Client[*sql.Tx]
	delay time.Duration // how long a refresh waits, so that a burst shares it
}

// enqueue asks for a refresh of a within tx. It inserts no job when one
// is queued for a, or for an entity whose refresh covers a, that has not
// begun reading: that one will read after tx commits (its start waits on
// the row lock taken here), and so sees what the event reports, since
// Stack sends an event after its change is committed.
func (q *queue) enqueue(ctx context.Context, tx *sql.Tx, a refreshArgs) error {
	if c, ok := a.covering(); ok {
		var queued bool
		err := tx.QueryRowContext(ctx, `SELECT queued FROM refresh_marks WHERE kind = $1 AND key = $2 FOR SHARE`, c.What, c.key()).Scan(&queued)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if queued {
			return nil
		}
	}
	// ON CONFLICT DO UPDATE locks the mark even when its WHERE is false,
	// so the refresh's start (which clears it) waits for this commit.
	var inserted bool
	err := tx.QueryRowContext(ctx, `INSERT INTO refresh_marks (kind, key, queued) VALUES ($1, $2, true)
		ON CONFLICT (kind, key) DO UPDATE SET queued = true WHERE NOT refresh_marks.queued
		RETURNING true`, a.What, a.key()).Scan(&inserted)
	if err == sql.ErrNoRows {
		return nil // queued already
	}
	if err != nil {
		return err
	}
	_, err = q.river.InsertTx(ctx, tx, a, &river.InsertOpts{ScheduledAt: time.Now().Add(q.delay)})
	return err
}
