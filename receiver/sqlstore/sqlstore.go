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
// For exactly-once effects, apply each message and record it in one
// transaction with TxHandler: nothing is applied twice, whatever crashes.
//
// One row a message id: its claim token, whether it is done, and when the
// row expires (Unix milliseconds by the database's clock: the instances'
// own clocks play no part, so an instance whose clock runs ahead cannot
// take over a claim that is still held). Expired rows are deleted at most
// once a minute, in batches, by a goroutine that Claim starts and that ends
// with the batch: it neither slows a claim nor makes one fail (a failure is
// logged, WithLogger, and tried again at the next interval).
//
// New creates the table, or brings one of an older release up to
// SchemaVersion, taking turns with other instances starting at the same
// moment (an advisory lock on PostgreSQL, an IMMEDIATE transaction on
// SQLite), so that a fleet's first deploy on a fresh database starts every
// instance. Teams whose own migrations own every table give
// WithoutSchemaChanges and apply the statements of Schema themselves.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
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
// schema-qualified in PostgreSQL: "webhooks.messages"). On PostgreSQL, New
// resolves an unqualified name once, as PostgreSQL does: to the table
// search_path finds, or, if there is none, to the schema where CREATE TABLE
// puts it; the store then uses that table whatever search_path later says.
func WithTable(name string) Option { return func(s *Store) { s.table = name } }

// WithCleanupInterval sets how often Claim deletes expired rows (default
// one minute; 0 never, for a database cleaned otherwise).
func WithCleanupInterval(d time.Duration) Option { return func(s *Store) { s.cleanupEvery = d } }

// WithClock makes the store judge expiry by now instead of the database's
// clock: for tests, which move time. Hazard: in production every instance
// would then judge by its own clock, and one running a lease ahead would
// take over claims still held.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now, s.clockSet = now, true } }

// WithLogger makes the store log, at Warn, the failures of its background
// deletion of expired rows, which no request sees.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.logger = l } }

// Store is a receiver.Store in a SQL database. It is safe for concurrent
// use, and several processes may share its table.
type Store struct {
	db           *sql.DB
	dialect      Dialect
	table        string
	cleanupEvery time.Duration
	now          func() time.Time
	clockSet     bool // WithClock: now replaces the database's clock
	logger       *slog.Logger

	claimSQL, stateSQL, completeSQL, releaseSQL, extendSQL, cleanupSQL string
	txClaimSQL                                                         string

	schemaChanges bool // New may create and migrate the table

	mu          sync.Mutex
	lastCleanup time.Time
	cleaning    bool
}

var _ receiver.Store = (*Store)(nil)

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// ErrInvalidConfig: an unknown dialect, a nil database or an invalid table
// name.
var ErrInvalidConfig = errors.New("sqlstore: invalid configuration")

// validTable reports whether table is a name the dialect's store accepts.
func validTable(dialect Dialect, table string) bool {
	switch dialect {
	case Postgres:
		return tableName.MatchString(table)
	case SQLite:
		return tableName.MatchString(table) && !strings.Contains(table, ".")
	}
	return false
}

// New returns a Store in db, creating its table if it is missing and
// bringing it up to SchemaVersion (see WithoutSchemaChanges). It fails with
// ErrSchemaTooNew if the table was made for a newer release.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	s := &Store{db: db, dialect: dialect, table: DefaultTable, cleanupEvery: time.Minute, now: time.Now, schemaChanges: true}
	for _, opt := range opts {
		opt(s)
	}
	if db == nil || !validTable(dialect, s.table) || s.now == nil {
		return nil, ErrInvalidConfig
	}
	if dialect == Postgres {
		table, err := resolvePostgres(ctx, db, s.table)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: resolving %s: %w", s.table, err)
		}
		s.table = table
	}
	p := func(n int) string { // the n-th placeholder
		if dialect == Postgres {
			return fmt.Sprintf("$%d", n)
		}
		return fmt.Sprintf("?%d", n)
	}
	// now(n) is the time a statement judges by: the database's, in Unix
	// milliseconds, unless WithClock passes one as the statement's last
	// parameter, n (see withClock).
	num := func(n int) string { // a number: PostgreSQL cannot infer $3 + $4
		if dialect == Postgres {
			return "CAST(" + p(n) + " AS BIGINT)"
		}
		return p(n)
	}
	now := func(n int) string {
		if s.clockSet {
			return num(n)
		}
		return dbNow(dialect)
	}
	t := s.table
	// A claim inserts the row, or takes over an expired one, atomically;
	// RETURNING says whether it did. Parameters: id, token, lease (ms).
	// done is 0 for a claim; the transactional claim records the message
	// as done at once (1), since the transaction that inserts it also
	// applies it, with the retention for the lease.
	claimSQL := func(done string) string {
		return "INSERT INTO " + t + " (id, token, done, expires_at) VALUES (" + p(1) + ", " + p(2) + ", " + done + ", " + now(4) + " + " + num(3) + ") " +
			"ON CONFLICT (id) DO UPDATE SET token = excluded.token, done = " + done + ", expires_at = excluded.expires_at " +
			"WHERE " + t + ".expires_at < " + now(4) + " RETURNING token"
	}
	s.claimSQL, s.txClaimSQL = claimSQL("0"), claimSQL("1")
	s.stateSQL = "SELECT done, expires_at - " + now(2) + " FROM " + t + " WHERE id = " + p(1)
	s.completeSQL = "UPDATE " + t + " SET done = 1, expires_at = " + now(4) + " + " + num(3) + " WHERE id = " + p(1) + " AND token = " + p(2) + " AND done = 0"
	s.extendSQL = "UPDATE " + t + " SET expires_at = " + now(4) + " + " + num(3) + " WHERE id = " + p(1) + " AND token = " + p(2) + " AND done = 0"
	s.releaseSQL = "DELETE FROM " + t + " WHERE id = " + p(1) + " AND token = " + p(2) + " AND done = 0"
	// Cleanup deletes at most cleanupBatch expired rows a statement, found
	// through the index on expires_at, so that no statement holds many locks
	// or runs long. The outer condition checks the expiry again: a row the
	// subquery found expired may have been taken over (by TxHandler, with
	// the message applied) while the DELETE waited for its lock, and
	// PostgreSQL re-reads only the outer condition on the row it finds once
	// the lock is free.
	s.cleanupSQL = "DELETE FROM " + t + " WHERE id IN (SELECT id FROM " + t + " WHERE expires_at < " + now(1) + " LIMIT " + fmt.Sprint(cleanupBatch) + ") AND expires_at < " + now(1)
	if err := s.prepareSchema(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// dbNow is the dialect's expression for the database's clock in Unix
// milliseconds. PostgreSQL's clock_timestamp() is the time of the
// statement, not of the transaction's start.
func dbNow(d Dialect) string {
	if d == Postgres {
		return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
	}
	return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
}

// cleanupBatch is how many expired rows one cleanup statement deletes.
const cleanupBatch = 1000

// withClock appends the WithClock time to the arguments of a statement
// that judges time, as its last parameter; without WithClock the statement
// reads the database's clock and takes no such parameter.
func (s *Store) withClock(args ...any) []any {
	if s.clockSet {
		return append(args, s.now().UnixMilli())
	}
	return args
}

// Claim implements receiver.Store.
func (s *Store) Claim(ctx context.Context, key string, lease time.Duration) (receiver.Claim, error) {
	s.startCleanup()
	return s.claim(ctx, s.db, s.claimSQL, key, lease)
}

// querier is a *sql.DB, or the *sql.Tx of TxHandler.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// claim runs a claim statement (claimSQL, or txClaimSQL with the retention
// as the lease) on q, and reads what holds the key when it did not take it.
func (s *Store) claim(ctx context.Context, q querier, statement, key string, lease time.Duration) (receiver.Claim, error) {
	token := newToken()
	for attempt := 0; attempt < 3; attempt++ {
		var got string
		err := q.QueryRowContext(ctx, statement, s.withClock(key, token, lease.Milliseconds())...).Scan(&got)
		if err == nil {
			return receiver.Claim{Key: key, Token: token, State: receiver.Claimed}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return receiver.Claim{}, fmt.Errorf("sqlstore: claim: %w", err)
		}
		// The row exists and has not expired: done, or claimed by another.
		var done int
		var left int64
		err = q.QueryRowContext(ctx, s.stateSQL, s.withClock(key)...).Scan(&done, &left)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue // released or cleaned up in between: claim again
		case err != nil:
			return receiver.Claim{}, fmt.Errorf("sqlstore: claim: %w", err)
		case done == 1:
			return receiver.Claim{Key: key, State: receiver.Done}, nil
		default:
			return receiver.Claim{Key: key, State: receiver.InProgress, RetryAfter: time.Duration(max(left, 0)) * time.Millisecond}, nil
		}
	}
	return receiver.Claim{}, fmt.Errorf("sqlstore: claim of %q kept changing under it", key)
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Complete implements receiver.Store.
func (s *Store) Complete(ctx context.Context, c receiver.Claim, retention time.Duration) error {
	return s.updateClaim(ctx, "complete", s.completeSQL, c, retention)
}

// Extend implements receiver.Extender: the claim lasts lease from now, by
// the database's clock.
func (s *Store) Extend(ctx context.Context, c receiver.Claim, lease time.Duration) error {
	return s.updateClaim(ctx, "extend", s.extendSQL, c, lease)
}

// updateClaim runs statement (completeSQL or extendSQL) on the claim c with
// the duration d, and fails with ErrClaimLost unless it changed c's row.
func (s *Store) updateClaim(ctx context.Context, op, statement string, c receiver.Claim, d time.Duration) error {
	res, err := s.db.ExecContext(ctx, statement, s.withClock(c.Key, c.Token, d.Milliseconds())...)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
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

// cleanupTimeout bounds one background cleanup.
const cleanupTimeout = time.Minute

// startCleanup starts a deletion of expired rows in the background if the
// interval has passed since the last one started and none is running.
func (s *Store) startCleanup() {
	if s.cleanupEvery <= 0 {
		return
	}
	now := s.now()
	s.mu.Lock()
	due := !s.cleaning && now.Sub(s.lastCleanup) >= s.cleanupEvery
	if due {
		s.lastCleanup, s.cleaning = now, true
	}
	s.mu.Unlock()
	if !due {
		return
	}
	go func() {
		defer func() {
			s.mu.Lock()
			s.cleaning = false
			s.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := s.deleteExpired(ctx); err != nil && s.logger != nil {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "sqlstore: deleting expired rows failed; tried again at the next interval",
				slog.String("table", s.table), slog.String("error", err.Error()))
		}
	}()
}

// deleteExpired deletes expired rows, a batch at a time, until none is
// left.
func (s *Store) deleteExpired(ctx context.Context) error {
	for {
		res, err := s.db.ExecContext(ctx, s.cleanupSQL, s.withClock()...)
		if err != nil {
			return fmt.Errorf("sqlstore: deleting expired rows: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n < cleanupBatch {
			return err
		}
	}
}
