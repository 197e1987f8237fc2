// Package released is receiver/sqlstore exactly as released before its
// schema had a version (commit 0b2ba85; only this comment and the package
// name differ): the mixed-version test runs it beside the current store on
// one table, as a fleet does during a rolling deploy. Do not change it.
//
// Package sqlstore keeps receiver's deduplication records in a SQL
// database shared by every instance of a receiver, so that a fleet applies
// each message once. It uses database/sql only: open the *sql.DB with the
// driver of your choice (tested with github.com/lib/pq for PostgreSQL and
// github.com/mattn/go-sqlite3 for SQLite).
//
//	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
//	store, err := sqlstore.New(ctx, db, sqlstore.Postgres)
//	http.Handle("/webhooks/stack", receiver.Handler(wh, fn, receiver.WithDeduplication(store)))
//
// One row a message id: its claim token, whether it is done, and when the
// row expires (Unix milliseconds, by the clocks of the instances, which
// must agree to within a fraction of the lease). Expired rows are deleted
// by Claim itself, at most once a minute, in the calling request: no
// goroutine outlives the Store.
package released

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/stackwebhook/stackwebhook/receiver"
)

// Dialect is the SQL spoken by the database.
type Dialect int

// The dialects New knows.
const (
	Postgres Dialect = iota + 1 // PostgreSQL 9.5 or later
	SQLite                      // SQLite 3.35 or later (RETURNING)
)

// DefaultTable is the table New creates unless WithTable says otherwise.
const DefaultTable = "stackwebhook_messages"

// Option configures New.
type Option func(*Store)

// WithTable names the table (letters, digits and underscores; it may be
// schema-qualified in PostgreSQL: "webhooks.messages").
func WithTable(name string) Option { return func(s *Store) { s.table = name } }

// WithCleanupInterval sets how often Claim deletes expired rows (default
// one minute; 0 never, for a database cleaned otherwise).
func WithCleanupInterval(d time.Duration) Option { return func(s *Store) { s.cleanupEvery = d } }

// WithClock sets the clock of the store (default time.Now), for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Store is a receiver.Store in a SQL database. It is safe for concurrent
// use, and several processes may share its table.
type Store struct {
	db           *sql.DB
	dialect      Dialect
	table        string
	cleanupEvery time.Duration
	now          func() time.Time

	claimSQL, stateSQL, completeSQL, releaseSQL, cleanupSQL string

	mu          sync.Mutex
	lastCleanup time.Time
}

var _ receiver.Store = (*Store)(nil)

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// ErrInvalidConfig: an unknown dialect, a nil database or an invalid table
// name.
var ErrInvalidConfig = errors.New("sqlstore: invalid configuration")

// New returns a Store in db, creating its table if it is missing.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	s := &Store{db: db, dialect: dialect, table: DefaultTable, cleanupEvery: time.Minute, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	if db == nil || (dialect != Postgres && dialect != SQLite) || !tableName.MatchString(s.table) || s.now == nil ||
		(dialect == SQLite && !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(s.table)) {
		return nil, ErrInvalidConfig
	}
	p := func(n int) string { // the n-th placeholder
		if dialect == Postgres {
			return fmt.Sprintf("$%d", n)
		}
		return fmt.Sprintf("?%d", n)
	}
	t := s.table
	// A claim inserts the row, or takes over an expired one, atomically;
	// RETURNING says whether it did.
	s.claimSQL = "INSERT INTO " + t + " (id, token, done, expires_at) VALUES (" + p(1) + ", " + p(2) + ", 0, " + p(3) + ") " +
		"ON CONFLICT (id) DO UPDATE SET token = excluded.token, done = 0, expires_at = excluded.expires_at " +
		"WHERE " + t + ".expires_at < " + p(4) + " RETURNING token"
	s.stateSQL = "SELECT done, expires_at FROM " + t + " WHERE id = " + p(1)
	s.completeSQL = "UPDATE " + t + " SET done = 1, expires_at = " + p(3) + " WHERE id = " + p(1) + " AND token = " + p(2) + " AND done = 0"
	s.releaseSQL = "DELETE FROM " + t + " WHERE id = " + p(1) + " AND token = " + p(2) + " AND done = 0"
	s.cleanupSQL = "DELETE FROM " + t + " WHERE expires_at < " + p(1)
	create := "CREATE TABLE IF NOT EXISTS " + t + " (id TEXT PRIMARY KEY, token TEXT NOT NULL, done SMALLINT NOT NULL, expires_at BIGINT NOT NULL)"
	if _, err := db.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("sqlstore: creating %s: %w", t, err)
	}
	return s, nil
}

// Claim implements receiver.Store.
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (receiver.Claim, error) {
	now := s.now()
	if err := s.cleanup(ctx, now); err != nil {
		return receiver.Claim{}, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	for attempt := 0; attempt < 3; attempt++ {
		var got string
		err := s.db.QueryRowContext(ctx, s.claimSQL, key, token, now.Add(lease).UnixMilli(), now.UnixMilli()).Scan(&got)
		if err == nil {
			return receiver.Claim{Key: key, Token: token, State: receiver.Claimed}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return receiver.Claim{}, fmt.Errorf("sqlstore: claim: %w", err)
		}
		// The row exists and has not expired: done, or claimed by another.
		var done int
		var expires int64
		err = s.db.QueryRowContext(ctx, s.stateSQL, key).Scan(&done, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue // released or cleaned up in between: claim again
		case err != nil:
			return receiver.Claim{}, fmt.Errorf("sqlstore: claim: %w", err)
		case done == 1:
			return receiver.Claim{Key: key, State: receiver.Done}, nil
		default:
			return receiver.Claim{Key: key, State: receiver.InProgress, RetryAfter: time.UnixMilli(expires).Sub(now)}, nil
		}
	}
	return receiver.Claim{}, fmt.Errorf("sqlstore: claim of %q kept changing under it", key)
}

// Complete implements receiver.Store.
func (s *Store) Complete(ctx context.Context, c receiver.Claim, retention time.Duration) error {
	res, err := s.db.ExecContext(ctx, s.completeSQL, c.Key, c.Token, s.now().Add(retention).UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlstore: complete: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return receiver.ErrClaimLost
	}
	return nil
}

// Release implements receiver.Store.
func (s *Store) Release(ctx context.Context, c receiver.Claim) error {
	if _, err := s.db.ExecContext(ctx, s.releaseSQL, c.Key, c.Token); err != nil {
		return fmt.Errorf("sqlstore: release: %w", err)
	}
	return nil
}

// cleanup deletes expired rows if the interval has passed since the last
// time this Store did.
func (s *Store) cleanup(ctx context.Context, now time.Time) error {
	if s.cleanupEvery <= 0 {
		return nil
	}
	s.mu.Lock()
	due := now.Sub(s.lastCleanup) >= s.cleanupEvery
	if due {
		s.lastCleanup = now
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, s.cleanupSQL, now.UnixMilli()); err != nil {
		return fmt.Errorf("sqlstore: deleting expired rows: %w", err)
	}
	return nil
}
