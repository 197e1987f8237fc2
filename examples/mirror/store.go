package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook"
)

// The writes of a read of the API (a refresh's or a reconcile's), each
// taking part in written_seq's order (schema.go): seq is the number the
// reader took before it read, and a row already written by a later reader
// is left alone. A tombstone is final and needs no order.

// writeUsers sets the users' rows, and returns how many changed.
func writeUsers(ctx context.Context, tx *sql.Tx, seq int64, users []stackwebhook.User) (int64, error) {
	ids, emails, names, data := make([]string, len(users)), make([]sql.NullString, len(users)), make([]sql.NullString, len(users)), make([]string, len(users))
	for i := range users {
		u := &users[i]
		b, err := json.Marshal(u)
		if err != nil {
			return 0, err
		}
		ids[i], data[i] = u.ID, string(b)
		if u.PrimaryEmail != nil {
			emails[i] = sql.NullString{String: *u.PrimaryEmail, Valid: true}
		}
		if u.DisplayName != nil {
			names[i] = sql.NullString{String: *u.DisplayName, Valid: true}
		}
	}
	var changed int64
	err := tx.QueryRowContext(ctx, `WITH old AS (SELECT id, data FROM users WHERE id = ANY($2)),
		w AS (INSERT INTO users (id, primary_email, display_name, data, written_seq)
			SELECT r.id, r.email, r.name, r.data::jsonb, $1 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS r (id, email, name, data)
			ON CONFLICT (id) DO UPDATE SET primary_email = excluded.primary_email, display_name = excluded.display_name,
				data = excluded.data, written_seq = excluded.written_seq
			WHERE NOT users.deleted AND users.written_seq < excluded.written_seq
			RETURNING id, data)
		SELECT count(*) FROM w LEFT JOIN old USING (id) WHERE w.data IS DISTINCT FROM old.data`,
		seq, pq.Array(ids), pq.Array(emails), pq.Array(names), pq.Array(data)).Scan(&changed)
	return changed, err
}

// writeTeams sets the teams' rows, and returns how many changed.
func writeTeams(ctx context.Context, tx *sql.Tx, seq int64, teams []stackwebhook.Team) (int64, error) {
	ids, names, data := make([]string, len(teams)), make([]string, len(teams)), make([]string, len(teams))
	for i := range teams {
		b, err := json.Marshal(&teams[i])
		if err != nil {
			return 0, err
		}
		ids[i], names[i], data[i] = teams[i].ID, teams[i].DisplayName, string(b)
	}
	var changed int64
	err := tx.QueryRowContext(ctx, `WITH old AS (SELECT id, data FROM teams WHERE id = ANY($2)),
		w AS (INSERT INTO teams (id, display_name, data, written_seq)
			SELECT r.id, r.name, r.data::jsonb, $1 FROM unnest($2::text[], $3::text[], $4::text[]) AS r (id, name, data)
			ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, data = excluded.data, written_seq = excluded.written_seq
			WHERE NOT teams.deleted AND teams.written_seq < excluded.written_seq
			RETURNING id, data)
		SELECT count(*) FROM w LEFT JOIN old USING (id) WHERE w.data IS DISTINCT FROM old.data`,
		seq, pq.Array(ids), pq.Array(names), pq.Array(data)).Scan(&changed)
	return changed, err
}

// tombstone marks a user (table users) or team (teams) deleted.
func tombstone(ctx context.Context, tx *sql.Tx, table, id string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, deleted) VALUES ($1, true)
		ON CONFLICT (id) DO UPDATE SET deleted = true, data = NULL`, id)
	return err
}

// A set of membership or permission rows: the rows of table whose scope
// columns hold scope's values are exactly rows (each a value per column of
// cols, the table's key), present; the others of the scope become absent.
type rowSet struct {
	table string
	cols  []string // the table's primary key
	scope map[string]string
	rows  [][]string
}

func membersOfTeam(teamID string, users []stackwebhook.User) rowSet {
	s := rowSet{table: "team_members", cols: []string{"team_id", "user_id"}, scope: map[string]string{"team_id": teamID}}
	for _, u := range users {
		s.rows = append(s.rows, []string{teamID, u.ID})
	}
	return s
}

func teamsOfUser(userID string, teams []stackwebhook.Team) rowSet {
	s := rowSet{table: "team_members", cols: []string{"team_id", "user_id"}, scope: map[string]string{"user_id": userID}}
	for _, t := range teams {
		s.rows = append(s.rows, []string{t.ID, userID})
	}
	return s
}

// teamPermissionsIn is the set of team permissions of scope (team_id, and
// user_id for one membership).
func teamPermissionsIn(scope map[string]string, perms []stackwebhook.TeamPermission) rowSet {
	s := rowSet{table: "team_permissions", cols: []string{"team_id", "user_id", "permission_id"}, scope: scope}
	for _, p := range perms {
		s.rows = append(s.rows, []string{p.TeamID, p.UserID, p.ID})
	}
	return s
}

func projectPermissionsOf(userID string, perms []stackwebhook.ProjectPermission) rowSet {
	s := rowSet{table: "project_permissions", cols: []string{"user_id", "permission_id"}, scope: map[string]string{"user_id": userID}}
	for _, p := range perms {
		s.rows = append(s.rows, []string{p.UserID, p.ID})
	}
	return s
}

// write makes the rows present and the rest of the scope absent, and
// returns how many rows changed. An absent row takes seq too, so that an
// older read cannot make it present again; and when the scope names a
// single row (every key column), that row is written either way, for the
// same reason. An empty scope is the whole table.
func (s rowSet) write(ctx context.Context, tx *sql.Tx, seq int64) (int64, error) {
	rows, present := s.rows, true
	if len(rows) == 0 && len(s.scope) == len(s.cols) {
		one := make([]string, len(s.cols))
		for i, c := range s.cols {
			one[i] = s.scope[c]
		}
		rows, present = [][]string{one}, false
	}
	// $1 seq, then one array per key column, then the scope's values.
	args := []any{seq}
	var arrays []string
	for i := range s.cols {
		col := make([]string, len(rows))
		for j, r := range rows {
			col[j] = r[i]
		}
		args = append(args, pq.Array(col))
		arrays = append(arrays, fmt.Sprintf("$%d::text[]", len(args)))
	}
	scope := []string{"true"}
	for _, c := range s.cols {
		if v, ok := s.scope[c]; ok {
			args = append(args, v)
			scope = append(scope, fmt.Sprintf("%s = $%d", c, len(args)))
		}
	}
	t, cols, where := s.table, strings.Join(s.cols, ", "), strings.Join(scope, " AND ")
	unnest := "unnest(" + strings.Join(arrays, ", ") + ") AS r (" + cols + ")"
	var changed int64
	err := tx.QueryRowContext(ctx, `WITH old AS (SELECT `+cols+`, present FROM `+t+` WHERE `+where+`),
		ins AS (INSERT INTO `+t+` (`+cols+`, present, written_seq)
			SELECT r.*, `+fmt.Sprint(present)+`, $1 FROM `+unnest+`
			ON CONFLICT (`+cols+`) DO UPDATE SET present = excluded.present, written_seq = excluded.written_seq
			WHERE `+t+`.written_seq < excluded.written_seq
			RETURNING `+cols+`, present),
		upd AS (UPDATE `+t+` SET present = false, written_seq = $1
			WHERE `+where+` AND written_seq < $1 AND (`+cols+`) NOT IN (SELECT * FROM `+unnest+`)
			RETURNING `+cols+`, present)
		SELECT count(*) FROM (SELECT * FROM ins UNION ALL SELECT * FROM upd) w LEFT JOIN old USING (`+cols+`)
		WHERE w.present IS DISTINCT FROM coalesce(old.present, false)`, args...).Scan(&changed)
	return changed, err
}

// inTx runs fn in a transaction.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // fn's error is the one to report
		return err
	}
	return tx.Commit()
}
