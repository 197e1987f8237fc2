package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// TxHandler returns a handler that applies each message exactly once to
// db: it makes every check of receiver.Handler, then, in one transaction,
// records the message's id in the store's table (DefaultTable, created or
// brought up to SchemaVersion as New does) and calls fn with that
// transaction. What fn writes through tx and the record commit together or
// not at all, so a crash at any moment (kill -9 inside fn, between its
// writes and the commit, or after the commit before the answer) neither
// loses the message (Svix delivers it again, and it is applied) nor applies
// it twice (the record is there, and the delivery is answered 204 without
// calling fn).
//
//	h, err := sqlstore.TxHandler(wh, db, sqlstore.Postgres, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
//		if e, ok := ev.(*stackwebhook.UserCreated); ok {
//			_, err := tx.ExecContext(ctx, "INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING", e.Data.ID, e.Data.PrimaryEmail)
//			return err
//		}
//		return nil
//	})
//
// It answers as receiver.Handler does before fn, and then:
//
//   - 204 without calling fn for a message already applied (within the
//     retention, receiver.WithRetention, by default 72 hours);
//   - for a concurrent delivery of a message whose transaction is open, it
//     waits for that transaction, up to DuplicateWait, and then answers 204
//     if it committed, applies the message if it rolled back, or answers 409
//     with Retry-After if it is still open;
//   - 500 when fn returns an error or panics (the transaction is rolled
//     back; the panic goes on up), unless the error says that the
//     connection to the database broke (see connectionLost): that is a
//     database failure, answered as below;
//   - 503 with Retry-After when the database fails (at BEGIN, at the
//     record, or at COMMIT: a COMMIT whose outcome is unknown is answered
//     503 too, and the retry finds out).
//
// fn must do all its work through tx, and must not commit or roll it back.
// Its context carries the message (receiver.MessageFrom). The options
// WithMaxBodyBytes, WithLogger, WithNamespace, WithRetention,
// WithStrictPayloads and WithObserver apply; WithDeduplication and WithLease
// do not, and are refused with receiver.ErrOptionNotApplicable.
//
// The record shares the table, and its rules, with Store: a fleet that
// moves from receiver.Handler with this store to TxHandler keeps what it
// has applied. On SQLite a concurrent delivery waits in the driver's busy
// timeout instead (set one, such as _busy_timeout=10000 with
// github.com/mattn/go-sqlite3), and is answered 503 if it passes.
//
// TxHandler does not need the database to answer when it is called: an
// instance started during an outage constructs, answers every verified
// delivery 503 with Retry-After while the database cannot be reached, and
// prepares the table (as New does) at the first delivery after it answers,
// instead of exiting into a crash loop. Any other failure of New (an
// invalid configuration; a table too new, found at construction) is
// returned.
func TxHandler(wh *stackwebhook.Webhook, db *sql.DB, dialect Dialect, fn func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error, opts ...receiver.Option) (http.Handler, error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: a nil function", receiver.ErrOptionNotApplicable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := New(ctx, db, dialect)
	switch {
	case err == nil:
		return s.TxHandler(wh, fn, opts...)
	case !unreachable(err):
		return nil, err
	}
	return receiver.HandlerFor(wh, &lazyTxApplier{db: db, dialect: dialect, fn: fn}, opts...)
}

// unreachable reports whether New failed because the database could not
// be reached (in time), rather than for what it found.
func unreachable(err error) bool {
	return connectionLost(err) || errors.Is(err, context.DeadlineExceeded)
}

// lazyTxApplier is TxHandler's applier while the database has not yet
// answered: each delivery tries New (one at a time; the others are
// answered at once), and the first success is kept.
type lazyTxApplier struct {
	db      *sql.DB
	dialect Dialect
	fn      func(context.Context, *sql.Tx, stackwebhook.Event) error

	mu    sync.Mutex
	ready atomic.Pointer[txApplier]
}

// errNotReady: another delivery is preparing the table right now.
var errNotReady = errors.New("sqlstore: the database has not answered since the start; preparing the table")

func (l *lazyTxApplier) Apply(ctx context.Context, d receiver.Delivery) receiver.Result {
	if a := l.ready.Load(); a != nil {
		return a.Apply(ctx, d)
	}
	if !l.mu.TryLock() {
		return receiver.Result{Outcome: receiver.StoreFailed, Err: errNotReady}
	}
	defer l.mu.Unlock()
	if a := l.ready.Load(); a != nil {
		return a.Apply(ctx, d)
	}
	prepare, cancel := context.WithTimeout(ctx, prepareTimeout)
	s, err := New(prepare, l.db, l.dialect)
	cancel()
	if err != nil {
		return receiver.Result{Outcome: receiver.StoreFailed, Err: fmt.Errorf("%w: %w", errNotReady, err)}
	}
	a := &txApplier{s: s, fn: l.fn}
	l.ready.Store(a)
	return a.Apply(ctx, d)
}

// prepareTimeout bounds one attempt of a lazy TxHandler to prepare the
// table within a delivery: Svix waits 15 seconds for an answer.
const prepareTimeout = 10 * time.Second

// TxHandler is the function TxHandler on this store's table (WithTable,
// WithoutSchemaChanges and the other options of New apply).
func (s *Store) TxHandler(wh *stackwebhook.Webhook, fn func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error, opts ...receiver.Option) (http.Handler, error) {
	if fn == nil {
		return nil, fmt.Errorf("%w: a nil function", receiver.ErrOptionNotApplicable)
	}
	return receiver.HandlerFor(wh, &txApplier{s: s, fn: fn}, opts...)
}

// DuplicateWait is how long TxHandler lets a delivery wait for another
// delivery's open transaction of the same message before answering 409.
// Svix waits 15 seconds for an answer.
const DuplicateWait = 5 * time.Second

type txApplier struct {
	s  *Store
	fn func(context.Context, *sql.Tx, stackwebhook.Event) error
}

func (a *txApplier) Apply(ctx context.Context, d receiver.Delivery) receiver.Result {
	a.s.startCleanup()
	tx, err := a.s.db.BeginTx(ctx, nil)
	if err != nil {
		return receiver.Result{Outcome: receiver.StoreFailed, Err: fmt.Errorf("sqlstore: begin: %w", err)}
	}
	defer tx.Rollback() //nolint:errcheck // fn's error, a refusal, a panic on its way up; after Commit, ErrTxDone
	wait, cancel := context.WithTimeout(ctx, DuplicateWait)
	claim, err := a.s.claim(wait, tx, a.s.txClaimSQL, d.Key, d.Retention)
	waited := wait.Err() != nil && ctx.Err() == nil
	cancel()
	switch {
	case err != nil && waited:
		return receiver.Result{Outcome: receiver.Busy, RetryAfter: DuplicateWait}
	case err != nil:
		return receiver.Result{Outcome: receiver.StoreFailed, Err: err}
	case claim.State == receiver.Done:
		return receiver.Result{Outcome: receiver.Duplicate}
	case claim.State == receiver.InProgress: // a claim of receiver.Handler's
		return receiver.Result{Outcome: receiver.Busy, RetryAfter: claim.RetryAfter}
	}
	if err := a.fn(ctx, tx, d.Event); err != nil {
		if connectionLost(err) {
			return receiver.Result{Outcome: receiver.StoreFailed, Err: fmt.Errorf("sqlstore: the connection to the database broke inside fn: %w", err)}
		}
		return receiver.Result{Outcome: receiver.FnFailed, Err: err}
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			err = fmt.Errorf("the request ended before the commit: %w", context.Cause(ctx))
		}
		return receiver.Result{Outcome: receiver.StoreFailed, Err: fmt.Errorf("sqlstore: commit: %w", err)}
	}
	return receiver.Result{Outcome: receiver.Applied}
}
