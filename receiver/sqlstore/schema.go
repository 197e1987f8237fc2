package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is the version of the store's table that this release
// creates, and brings an older table up to:
//
//  1. the table (id, token, done, expires_at), as the first release made
//     it, without a record of its version;
//  2. an index on expires_at, so that deleting expired rows reads only
//     them, and the version record: a table named like the store's with
//     "_version" appended, one row ('schema', version).
//
// An instance of an older release keeps working on a table of a newer
// version during a rolling deploy: no version changes a column an older
// release uses. A store that finds a version newer than SchemaVersion
// refuses to start (ErrSchemaTooNew): that table was made for a release
// newer than this one, whose rules this one cannot know.
const SchemaVersion = 2

// ErrSchemaTooNew: the table's schema version is newer than SchemaVersion.
var ErrSchemaTooNew = errors.New("sqlstore: the table's schema is newer than this release knows")

// ErrNoTable: WithoutSchemaChanges was given and the table does not exist.
var ErrNoTable = errors.New("sqlstore: the table does not exist")

// WithoutSchemaChanges makes New create and change nothing, for teams whose
// migrations (goose, golang-migrate, Atlas, ...) own every table: apply the
// statements of Schema in a migration first. New then only checks that the
// table is there at a version this release can use.
func WithoutSchemaChanges() Option { return func(s *Store) { s.schemaChanges = false } }

// Schema returns the statements that create the store's table named table
// (DefaultTable if "") at SchemaVersion, in order, for a team to copy into
// its own migrations. Each is idempotent (IF NOT EXISTS, and an upsert of
// the version record), so they also bring a table of an older version up
// to date. On PostgreSQL, for a large existing table, build the index with
// CREATE INDEX CONCURRENTLY outside a transaction instead, as New does, so
// that claims are not blocked while it builds.
func Schema(dialect Dialect, table string) ([]string, error) {
	if table == "" {
		table = DefaultTable
	}
	if !validTable(dialect, table) {
		return nil, ErrInvalidConfig
	}
	return []string{
		createTable(table),
		createVersionTable(table),
		"CREATE INDEX IF NOT EXISTS " + indexName(table) + " ON " + table + " (expires_at)",
		recordVersion(table, SchemaVersion),
	}, nil
}

func createTable(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + table + " (id TEXT PRIMARY KEY, token TEXT NOT NULL, done SMALLINT NOT NULL, expires_at BIGINT NOT NULL)"
}

func versionTable(table string) string { return table + "_version" }

func createVersionTable(table string) string {
	return "CREATE TABLE IF NOT EXISTS " + versionTable(table) + " (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
}

// indexName is the index's name, unqualified: PostgreSQL creates it in the
// table's schema.
func indexName(table string) string {
	_, name, ok := strings.Cut(table, ".")
	if !ok {
		name = table
	}
	return name + "_expires_at"
}

// recordVersion raises the recorded version to v, never lowers it.
func recordVersion(table string, v int) string {
	vt := versionTable(table)
	return fmt.Sprintf("INSERT INTO %s (name, version) VALUES ('schema', %d) ON CONFLICT (name) DO UPDATE SET version = excluded.version WHERE %s.version < excluded.version", vt, v, vt)
}

// execer is what a migration runs on: a *sql.DB, or one *sql.Conn when it
// holds a lock.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// exists reports whether the table (or index, on PostgreSQL) name exists.
func (s *Store) exists(ctx context.Context, q execer, name string) (bool, error) {
	var found bool
	var err error
	if s.dialect == Postgres {
		err = q.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&found)
	} else {
		err = q.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE name = ?1", name).Scan(&found)
	}
	return found, err
}

// version returns the table's schema version: 0 if there is no table, 1 if
// there is one without a version record (the first release's), else the
// recorded version.
func (s *Store) version(ctx context.Context, q execer) (int, error) {
	if ok, err := s.exists(ctx, q, s.table); err != nil || !ok {
		return 0, err
	}
	if ok, err := s.exists(ctx, q, versionTable(s.table)); err != nil || !ok {
		return 1, err
	}
	v := 1
	err := q.QueryRowContext(ctx, "SELECT version FROM "+versionTable(s.table)+" WHERE name = 'schema'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 1, nil
	}
	return v, err
}

// prepareSchema brings the table to SchemaVersion (unless
// WithoutSchemaChanges), then checks that its version is one this release
// can use.
func (s *Store) prepareSchema(ctx context.Context) error {
	if s.schemaChanges {
		var err error
		if s.dialect == Postgres {
			err = s.migratePostgres(ctx)
		} else {
			err = retryBusy(ctx, func() error { return s.migrateSQLite(ctx) })
		}
		if err != nil {
			return fmt.Errorf("sqlstore: preparing %s: %w", s.table, err)
		}
	}
	var v int
	err := retryBusy(ctx, func() (err error) { v, err = s.version(ctx, s.db); return err })
	switch {
	case err != nil:
		return fmt.Errorf("sqlstore: reading the schema version of %s: %w", s.table, err)
	case v > SchemaVersion:
		return fmt.Errorf("%w: %s has schema version %d, and this release knows versions up to %d: deploy a release that knows version %d (an older instance keeps working beside it)",
			ErrSchemaTooNew, s.table, v, SchemaVersion, v)
	case v == 0:
		return fmt.Errorf("%w: %s; create it with the statements of sqlstore.Schema, or let New create it (no WithoutSchemaChanges)", ErrNoTable, s.table)
	}
	return nil
}

// resolvePostgres returns the table PostgreSQL resolves table to, with its
// schema: the one search_path finds if it exists (a table of the first
// release in a later schema is the one brought up to date, not shadowed by
// a new one in the first), else where CREATE TABLE would put it. Unquoted
// names fold to lower case, so Hooks, hooks and public.hooks are one table,
// and one migration lock. A name that only quoting could spell (a schema
// such as "My-Schema" in search_path) is kept as written.
func resolvePostgres(ctx context.Context, db *sql.DB, table string) (string, error) {
	var resolved sql.NullString // NULL: no schema to create it in; kept as written
	err := db.QueryRowContext(ctx, "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)", table).Scan(&resolved)
	switch {
	case errors.Is(err, sql.ErrNoRows) && strings.Contains(table, "."):
		resolved, err = sql.NullString{String: strings.ToLower(table), Valid: true}, nil
	case errors.Is(err, sql.ErrNoRows):
		err = db.QueryRowContext(ctx, "SELECT current_schema() || '.' || lower($1)", table).Scan(&resolved)
	}
	if err != nil {
		return "", err
	}
	if !resolved.Valid || !tableName.MatchString(resolved.String) {
		return table, nil
	}
	return resolved.String, nil
}

// migratePostgres holds an advisory lock, on one connection, while it
// creates or changes anything: instances starting at once then take turns,
// instead of racing in PostgreSQL's catalog (concurrent CREATE TABLE IF NOT
// EXISTS fails with a unique violation on pg_type in all but one). The
// index is built CONCURRENTLY, so that claims go on while it builds.
//
// The others wait for the lock by trying it again every 50 ms, not inside
// pg_advisory_lock: a session blocked in a statement holds a snapshot, and
// CREATE INDEX CONCURRENTLY waits for every such snapshot to end, which
// would be a deadlock.
func (s *Store) migratePostgres(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := "stackwebhook.sqlstore:" + s.table // as resolved by New: one key per table, however spelled
	for {
		var locked bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", key).Scan(&locked); err != nil {
			return err
		}
		if locked {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", key) //nolint:errcheck // the session ends with the connection anyway
	v, err := s.version(ctx, conn)
	if err != nil || v >= SchemaVersion {
		return err // a newer version is reported by prepareSchema
	}
	if err := s.create(ctx, conn, createTable(s.table), s.table); err != nil {
		return err
	}
	if err := s.create(ctx, conn, createVersionTable(s.table), versionTable(s.table)); err != nil {
		return err
	}
	index := indexName(s.table)
	if schema, _, ok := strings.Cut(s.table, "."); ok {
		index = schema + "." + index
	}
	// A CONCURRENTLY build that failed leaves an invalid index behind,
	// which IF NOT EXISTS would keep: drop it and build again.
	var valid sql.NullBool
	err = conn.QueryRowContext(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)", index).Scan(&valid)
	if err == nil && valid.Valid && !valid.Bool {
		if _, err := conn.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+index); err != nil {
			return err
		}
	} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE INDEX CONCURRENTLY IF NOT EXISTS "+indexName(s.table)+" ON "+s.table+" (expires_at)"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, recordVersion(s.table, SchemaVersion))
	return err
}

// create runs a CREATE ... IF NOT EXISTS; if it fails but name exists
// afterwards (a process that does not take the lock, an older release,
// created it at the same moment), that is success.
func (s *Store) create(ctx context.Context, q execer, statement, name string) error {
	_, err := q.ExecContext(ctx, statement)
	if err == nil {
		return nil
	}
	if ok, checkErr := s.exists(ctx, q, name); checkErr == nil && ok {
		return nil
	}
	return err
}

// sqliteBusyFor is how long New retries SQLite's "database is locked".
const sqliteBusyFor = 10 * time.Second

// retryBusy runs f until it succeeds, fails otherwise, or has met SQLite's
// "database is locked" (SQLITE_BUSY) for sqliteBusyFor. A new connection's
// PRAGMA journal_mode=WAL (a DSN's _journal_mode=WAL) returns it at once,
// without waiting in the busy timeout, while other processes open the same
// new file: a fleet's first start on SQLite met it once in 60 starts. The
// message is SQLite's own, whatever the driver.
func retryBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(sqliteBusyFor)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "database is locked") || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// migrateSQLite runs in one IMMEDIATE transaction: SQLite lets one writer
// in at a time, and the others wait (busy_timeout) instead of failing.
func (s *Store) migrateSQLite(ctx context.Context) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		if _, endErr := conn.ExecContext(context.WithoutCancel(ctx), end); err == nil {
			err = endErr
		}
	}()
	v, err := s.version(ctx, conn)
	if err != nil || v >= SchemaVersion {
		return err
	}
	statements, err := Schema(s.dialect, s.table)
	if err != nil {
		return err
	}
	for _, st := range statements {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	return nil
}
