package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// schema creates the mirror's tables and views in PostgreSQL, and upgrades
// the counting tables of earlier versions. Every statement is idempotent.
//
// The tables hold what Hexclave holds. A user or team deleted is kept as a
// tombstone (deleted = true): ids are never reused, and a deletion is
// final, so nothing written after it brings the row back. A membership or
// permission is a row, present or absent (present = false once revoked).
//
// written_seq orders the writes of refreshes and reconciles: each takes a
// number from mirror_read_seq before it reads the API, and writes a row only
// if no read that began later has written it (a refresh that read early
// and writes late loses to one that read later). A delivery's own write of
// its payload does not take part: it is provisional, and the refresh it
// enqueues settles the row. refresh_marks holds, per entity, whether a
// refresh is queued and has not begun reading, so that the events of a
// burst share one.
//
// The views (mirror_users, mirror_teams, mirror_team_members,
// mirror_team_permissions, mirror_project_permissions) are the mirror's
// interface: what the application reads.
var schema = []string{
	`CREATE SEQUENCE IF NOT EXISTS mirror_read_seq`,
	`CREATE TABLE IF NOT EXISTS users (
		id TEXT PRIMARY KEY,
		deleted BOOLEAN NOT NULL DEFAULT false,
		primary_email TEXT,
		display_name TEXT,
		data JSONB
	)`,
	`CREATE TABLE IF NOT EXISTS teams (
		id TEXT PRIMARY KEY,
		deleted BOOLEAN NOT NULL DEFAULT false,
		display_name TEXT,
		data JSONB
	)`,
	`CREATE TABLE IF NOT EXISTS team_members (
		team_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		PRIMARY KEY (team_id, user_id)
	)`,
	`CREATE TABLE IF NOT EXISTS team_permissions (
		team_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		PRIMARY KEY (team_id, user_id, permission_id)
	)`,
	`CREATE TABLE IF NOT EXISTS project_permissions (
		user_id TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		PRIMARY KEY (user_id, permission_id)
	)`,
	// From the counting tables of earlier versions: present where the
	// count was positive.
	`DO $$
	DECLARE t TEXT;
	BEGIN
		FOREACH t IN ARRAY ARRAY['users', 'teams', 'team_members', 'team_permissions', 'project_permissions'] LOOP
			EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS written_seq BIGINT NOT NULL DEFAULT 0', t);
		END LOOP;
		FOREACH t IN ARRAY ARRAY['team_members', 'team_permissions', 'project_permissions'] LOOP
			EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS present BOOLEAN NOT NULL DEFAULT true', t);
			IF EXISTS (SELECT 1 FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = t AND column_name = 'net') THEN
				EXECUTE format('UPDATE %I SET present = net > 0', t);
				EXECUTE format('ALTER TABLE %I DROP COLUMN net', t);
			END IF;
		END LOOP;
	END $$`,
	`CREATE INDEX IF NOT EXISTS team_members_user ON team_members (user_id)`,
	`CREATE TABLE IF NOT EXISTS refresh_marks (
		kind TEXT NOT NULL,
		key TEXT NOT NULL,
		queued BOOLEAN NOT NULL,
		PRIMARY KEY (kind, key)
	)`,
	`CREATE TABLE IF NOT EXISTS api_budget (
		id INTEGER PRIMARY KEY,
		tokens DOUBLE PRECISION NOT NULL,
		at TIMESTAMPTZ NOT NULL
	)`,
	`INSERT INTO api_budget VALUES (1, 0, now()) ON CONFLICT DO NOTHING`,
	`CREATE OR REPLACE VIEW mirror_users AS
		SELECT id, primary_email, display_name, data FROM users WHERE NOT deleted AND data IS NOT NULL`,
	`CREATE OR REPLACE VIEW mirror_teams AS
		SELECT id, display_name, data FROM teams WHERE NOT deleted AND data IS NOT NULL`,
	`CREATE OR REPLACE VIEW mirror_team_members AS
		SELECT m.team_id, m.user_id FROM team_members m
		WHERE m.present
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.deleted)
		AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = m.team_id AND t.deleted)`,
	`CREATE OR REPLACE VIEW mirror_team_permissions AS
		SELECT p.team_id, p.user_id, p.permission_id FROM team_permissions p
		JOIN mirror_team_members m ON m.team_id = p.team_id AND m.user_id = p.user_id
		WHERE p.present`,
	`CREATE OR REPLACE VIEW mirror_project_permissions AS
		SELECT p.user_id, p.permission_id FROM project_permissions p
		WHERE p.present
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id AND u.deleted)`,
}

// migrationLock is the advisory lock key under which an instance migrates:
// a fleet's first start runs one migration at a time.
const migrationLock = 0x6d6972726f72 // "mirror"

// migrate creates or upgrades the mirror's tables and River's, holding
// migrationLock on one connection meanwhile.
func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mirror schema: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("mirror schema: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // the session's end releases it too
	for _, st := range schema {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("mirror schema: %w", err)
		}
	}
	migrator, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("river schema: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river schema: %w", err)
	}
	return nil
}
