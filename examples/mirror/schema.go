package main

// schema creates the mirror's tables and views in PostgreSQL. Every
// statement is idempotent.
//
// Svix delivers in no order, so the tables keep what an in-order delivery
// would end with, in any order:
//
//   - users and teams keep a tombstone (deleted = true) when deleted: ids are
//     never reused, so a delete wins over a create or update that arrives
//     after it. A create only inserts a row that is absent, so a late
//     user.created never overwrites a newer user.updated;
//   - memberships and permissions are pairs that can be granted, revoked and
//     granted again: each keeps a counter, +1 a created, -1 a deleted, and
//     exists while it is positive. Stack alternates the two for a pair, so
//     the sum is the same in any order;
//   - a membership or permission of a deleted user or team does not exist,
//     whatever its counter (Stack deletes them without events when a team is
//     deleted), and a team permission exists only with its membership.
//
// The views (mirror_users, mirror_teams, mirror_team_members,
// mirror_team_permissions, mirror_project_permissions) are what the
// application reads.
var schema = []string{
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
		net INTEGER NOT NULL,
		PRIMARY KEY (team_id, user_id)
	)`,
	`CREATE TABLE IF NOT EXISTS team_permissions (
		team_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		net INTEGER NOT NULL,
		PRIMARY KEY (team_id, user_id, permission_id)
	)`,
	`CREATE TABLE IF NOT EXISTS project_permissions (
		user_id TEXT NOT NULL,
		permission_id TEXT NOT NULL,
		net INTEGER NOT NULL,
		PRIMARY KEY (user_id, permission_id)
	)`,
	`CREATE OR REPLACE VIEW mirror_users AS
		SELECT id, primary_email, display_name, data FROM users WHERE NOT deleted AND data IS NOT NULL`,
	`CREATE OR REPLACE VIEW mirror_teams AS
		SELECT id, display_name, data FROM teams WHERE NOT deleted AND data IS NOT NULL`,
	`CREATE OR REPLACE VIEW mirror_team_members AS
		SELECT m.team_id, m.user_id FROM team_members m
		WHERE m.net > 0
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.deleted)
		AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = m.team_id AND t.deleted)`,
	`CREATE OR REPLACE VIEW mirror_team_permissions AS
		SELECT p.team_id, p.user_id, p.permission_id FROM team_permissions p
		JOIN mirror_team_members m ON m.team_id = p.team_id AND m.user_id = p.user_id
		WHERE p.net > 0`,
	`CREATE OR REPLACE VIEW mirror_project_permissions AS
		SELECT p.user_id, p.permission_id FROM project_permissions p
		WHERE p.net > 0
		AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id AND u.deleted)`,
}
