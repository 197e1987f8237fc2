package dbtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore/dbtest/internal/released"
)

// Review L3: expiry is judged by the database's clock. A claim's row
// expires a lease after the database's now, and only a store told to use
// its own clock (WithClock, for tests) could take over a live claim by
// running ahead: an instance 61 s ahead did, before.
func TestExpiryByTheDatabasesClock(t *testing.T) {
	ctx := context.Background()
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			a, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			c, err := a.Claim(ctx, "msg_clock", time.Minute)
			require.NoError(t, err)
			require.Equal(t, receiver.Claimed, c.State)
			nowSQL := "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
			if d.dialect == sqlstore.SQLite {
				nowSQL = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
			}
			var left int64
			require.NoError(t, d.db.QueryRow("SELECT expires_at - "+nowSQL+" FROM "+sqlstore.DefaultTable+" WHERE id = 'msg_clock'").Scan(&left))
			assert.InDelta(t, time.Minute.Milliseconds(), left, 2000, "expires a lease after the database's now")

			b, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			busy, err := b.Claim(ctx, "msg_clock", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.InProgress, busy.State)
			assert.InDelta(t, 60, busy.RetryAfter.Seconds(), 2)

			// What the default avoids: an instance judging by a clock 61 s ahead.
			ahead, err := sqlstore.New(ctx, d.db, d.dialect, sqlstore.WithClock(func() time.Time { return time.Now().Add(61 * time.Second) }))
			require.NoError(t, err)
			stolen, err := ahead.Claim(ctx, "msg_clock", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Claimed, stolen.State, "WithClock's hazard, as documented")
		})
	}
}

// The SQL store renews a live claim by the database's clock, and refuses
// to renew one that is no longer its own.
func TestSQLStoreExtend(t *testing.T) {
	ctx := context.Background()
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			c, err := s.Claim(ctx, "msg_extend", 2*time.Second)
			require.NoError(t, err)
			require.NoError(t, s.Extend(ctx, c, time.Hour))
			busy, err := s.Claim(ctx, "msg_extend", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.InProgress, busy.State)
			assert.InDelta(t, time.Hour.Seconds(), busy.RetryAfter.Seconds(), 5)
			assert.ErrorIs(t, s.Extend(ctx, receiver.Claim{Key: c.Key, Token: "other"}, time.Hour), receiver.ErrClaimLost)
			require.NoError(t, s.Complete(ctx, c, time.Hour))
			assert.ErrorIs(t, s.Extend(ctx, c, time.Hour), receiver.ErrClaimLost, "done")
		})
	}
}

// syncBuffer is a log destination that a background goroutine may write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Review L4: the deletion of expired rows can neither slow a claim nor make
// one fail. A cleanup stuck behind a row lock (held here by another
// transaction) leaves claims as they were; when it fails (its statement
// cancelled), claims go on, and the failure is logged.
func TestCleanupNeitherBlocksNorFailsClaims(t *testing.T) {
	ctx := context.Background()
	db := postgres(t)
	var clock struct {
		sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.now }
	var logs syncBuffer
	s, err := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithClock(now), sqlstore.WithCleanupInterval(time.Hour),
		sqlstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		c, err := s.Claim(ctx, fmt.Sprint("old_", i), time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Complete(ctx, c, time.Minute))
	}
	// Another transaction holds a lock on an expired row.
	locker, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer locker.Rollback()
	_, err = locker.Exec("SELECT id FROM " + sqlstore.DefaultTable + " WHERE id = 'old_3' FOR UPDATE")
	require.NoError(t, err)

	clock.Lock()
	clock.now = clock.now.Add(2 * time.Hour) // everything expired; the cleanup is due
	clock.Unlock()
	claimWithin := func(id string) {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a blocked claim would wait for ever
		defer cancel()
		c, err := s.Claim(cctx, id, time.Minute)
		require.NoError(t, err, "the claim of %s", id)
		assert.Equal(t, receiver.Claimed, c.State)
	}
	pokes := 0
	blocked := func() bool { // a claim starts the cleanup (once the startup's is over), which blocks on old_3
		pokes++
		claimWithin(fmt.Sprint("new_", pokes))
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %"+sqlstore.DefaultTable+"%'").Scan(&n))
		return n == 1
	}
	require.Eventually(t, blocked, time.Minute, 10*time.Millisecond, "the cleanup is waiting for the lock")
	for i := 0; i < 20; i++ {
		claimWithin(fmt.Sprint("during_", i)) // the old Claim waited here for the cleanup
	}
	// The cleanup fails: claims go on, the failure is logged.
	_, err = db.Exec("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %" + sqlstore.DefaultTable + "%'")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "deleting expired rows failed") }, time.Minute, 10*time.Millisecond)
	claimWithin("after_failure")
}

// Review 3, medium: a cleanup that found a record expired, and waited for
// its row lock while TxHandler took the record over, must not delete it
// once that transaction commits: the message was applied with it, and its
// redelivery must find it done.
func TestCleanupSparesRecordTakenOver(t *testing.T) {
	ctx := context.Background()
	d := database{postgres(t), sqlstore.Postgres}
	d.createEffects(t)
	var clock struct {
		sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.now }
	advance := func(by time.Duration) { clock.Lock(); clock.now = clock.now.Add(by); clock.Unlock() }
	// The records and TxHandler use a store that never cleans up; the
	// cleanup is the one started by another store's first claim, once the
	// takeover holds its lock.
	s, err := sqlstore.New(ctx, d.db, sqlstore.Postgres, sqlstore.WithClock(now), sqlstore.WithCleanupInterval(0))
	require.NoError(t, err)
	cleaner, err := sqlstore.New(ctx, d.db, sqlstore.Postgres, sqlstore.WithClock(now), sqlstore.WithCleanupInterval(time.Hour))
	require.NoError(t, err)

	taken, other := newMessage(1, "takeover"), newMessage(2, "takeover")
	for _, m := range []message{taken, other} { // records that expire in a minute
		c, err := s.Claim(ctx, m.id, time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Complete(ctx, c, time.Minute))
	}
	gone := func(id string) bool {
		var n int
		require.NoError(t, d.db.QueryRow("SELECT count(*) FROM "+sqlstore.DefaultTable+" WHERE id = $1", id).Scan(&n))
		return n == 0
	}
	advance(30 * time.Minute) // both expired

	inFn, commit := make(chan struct{}), make(chan struct{})
	calls := 0
	h, err := s.TxHandler(txWebhook(t), func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
		calls++
		if calls == 1 {
			close(inFn)
			<-commit
		}
		return d.insertEffect(ctx, tx, ev)
	})
	require.NoError(t, err)
	answered := make(chan int)
	go func() { answered <- post(h, taken) }() // takes the expired record over, holds its row lock
	<-inFn

	_, err = cleaner.Claim(ctx, "msg_poke", time.Minute) // starts the cleanup, which waits for the row lock
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, d.db.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %"+sqlstore.DefaultTable+"%'").Scan(&n))
		return n == 1
	}, time.Minute, 10*time.Millisecond, "the cleanup waits for the taken-over record's lock")
	close(commit)
	require.Equal(t, http.StatusNoContent, <-answered)
	// The cleanup's statement ends once the lock is free: it deletes the
	// other expired record in the same statement.
	require.Eventually(t, func() bool { return gone(other.id) }, time.Minute, 10*time.Millisecond, "the cleanup ran")

	assert.False(t, gone(taken.id), "the record taken over and committed was deleted by the cleanup")
	assert.Equal(t, http.StatusNoContent, post(h, taken))
	assert.Equal(t, 1, d.effects(t, taken.id), "applied once")
	assert.Equal(t, 1, calls)
}

// Review 3, low: a version-1 table that search_path finds in a later
// schema is the one brought up to date, with its records; no new, empty
// table appears in the first schema.
func TestUpgradeFindsTableOnSearchPath(t *testing.T) {
	ctx := context.Background()
	dsn := postgresDSN(t)
	admin, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec("CREATE SCHEMA first; CREATE SCHEMA later")
	require.NoError(t, err)
	old, err := released.New(ctx, admin, released.Postgres, released.WithTable("later.hooks"))
	require.NoError(t, err)
	c, err := old.Claim(ctx, "msg_kept", time.Minute)
	require.NoError(t, err)
	require.NoError(t, old.Complete(ctx, c, time.Hour))

	db, err := sql.Open("postgres", dsn+" search_path=first,later")
	require.NoError(t, err)
	defer db.Close()
	s, err := sqlstore.New(ctx, db, sqlstore.Postgres, sqlstore.WithTable("hooks"))
	require.NoError(t, err)
	got, err := s.Claim(ctx, "msg_kept", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, receiver.Done, got.State, "the record in the table that was there")
	for name, want := range map[string]bool{"first.hooks": false, "later.hooks_version": true, "later.hooks_expires_at": true} {
		found, err := tableExists(admin, sqlstore.Postgres, name)
		require.NoError(t, err)
		assert.Equal(t, want, found, name)
	}
}

// Review 3, low: instances that spell one table differently (Hooks and
// hooks, public.hooks and hooks) take turns at their first start: the
// migration's lock is keyed on the table PostgreSQL resolves the name to.
func TestFirstStartSpellingsTakeTurns(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "storeinit")
	out, err := exec.Command("go", "build", "-o", bin, "./storeinit").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dsn := postgresDSN(t)
	failed := 0
	for round := 0; round < 20; round++ {
		var cmds []*exec.Cmd
		var outs []*bytes.Buffer
		for _, spelling := range []string{"hooks_%d", "Hooks_%d", "public.hooks_%d", "PUBLIC.HOOKS_%d"} {
			c := exec.Command(bin, "postgres", dsn, fmt.Sprintf(spelling, round))
			b := &bytes.Buffer{}
			c.Stdout, c.Stderr = b, b
			cmds, outs = append(cmds, c), append(outs, b)
		}
		for _, c := range cmds {
			require.NoError(t, c.Start())
		}
		for i, c := range cmds {
			if c.Wait() != nil {
				failed++
				t.Logf("round %d, %s: %s", round, c.Args[3], outs[i])
			}
		}
	}
	assert.Zero(t, failed, "instances that failed to start")
}

// Operations: the connection lost inside fn (here the server ends fn's own
// session, as a failover or a restart does) is a database failure, 503 with
// Retry-After, not fn's error (500); the redelivery applies the message once.
func TestTxHandlerConnectionLostInFn(t *testing.T) {
	d := database{postgres(t), sqlstore.Postgres}
	d.createEffects(t)
	calls := 0
	h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
		calls++
		if err := d.insertEffect(ctx, tx, ev); err != nil {
			return err
		}
		if calls == 1 {
			_, err := tx.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			return fmt.Errorf("updating the team: %w", err)
		}
		return nil
	})
	require.NoError(t, err)
	m := newMessage(1, "lost")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, m.request("/hook", time.Now()))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusNoContent, post(h, m))
	assert.Equal(t, 1, d.effects(t, m.id), "applied once")
}

// Operations: an instance started while the database is down constructs
// its TxHandler, answers 503 with Retry-After, and applies deliveries once
// the database answers, instead of exiting into a crash loop.
func TestTxHandlerStartsDuringOutage(t *testing.T) {
	d := database{postgres(t), sqlstore.Postgres}
	d.createEffects(t)
	require.NoError(t, pg.Stop())
	t.Cleanup(func() { _ = pg.Start() }) // for the tests after this one, whatever happens here
	h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, d.insertEffect)
	require.NoError(t, err, "constructs without the database")
	m := newMessage(1, "outage")
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, m.request("/hook", time.Now()))
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
	}
	require.NoError(t, pg.Start())
	assert.Equal(t, http.StatusNoContent, post(h, m))
	assert.Equal(t, http.StatusNoContent, post(h, m))
	assert.Equal(t, 1, d.effects(t, m.id), "applied once")
	assert.Equal(t, 1, d.records(t))

	_, err = sqlstore.TxHandler(txWebhook(t), d.db, sqlstore.Dialect(99), d.insertEffect)
	assert.ErrorIs(t, err, sqlstore.ErrInvalidConfig, "a configuration error is still returned")
}
