package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func sqlite(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "store.db")+"?_busy_timeout=10000&_journal_mode=WAL")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// stores returns each Store under test, with a clock the test moves.
func stores(t *testing.T, now *atomic.Int64) map[string]receiver.Store {
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	ctx := context.Background()
	out := map[string]receiver.Store{"memory": receiver.NewMemoryStore(receiver.WithMemoryClock(clock))}
	lite, err := sqlstore.New(ctx, sqlite(t), sqlstore.SQLite, sqlstore.WithClock(clock))
	require.NoError(t, err)
	out["sqlite"] = lite
	out["sqlite, own migrations"] = ownMigrations(t, sqlite(t), sqlstore.SQLite, "", clock)
	if pgErr == nil || testingCI() {
		pgStore, err := sqlstore.New(ctx, postgres(t), sqlstore.Postgres, sqlstore.WithClock(clock), sqlstore.WithTable("public.webhook_messages"))
		require.NoError(t, err)
		out["postgres"] = pgStore
		out["postgres, own migrations"] = ownMigrations(t, postgres(t), sqlstore.Postgres, "public.own_messages", clock)
	}
	return out
}

// ownMigrations builds the table from sqlstore.Schema's statements, as a
// team copies them into its migrations, and returns a store that creates
// nothing.
func ownMigrations(t *testing.T, db *sql.DB, dialect sqlstore.Dialect, table string, clock func() time.Time) receiver.Store {
	statements, err := sqlstore.Schema(dialect, table)
	require.NoError(t, err)
	for _, st := range statements {
		_, err := db.Exec(st)
		require.NoError(t, err, st)
	}
	opts := []sqlstore.Option{sqlstore.WithoutSchemaChanges(), sqlstore.WithClock(clock)}
	if table != "" {
		opts = append(opts, sqlstore.WithTable(table))
	}
	s, err := sqlstore.New(context.Background(), db, dialect, opts...)
	require.NoError(t, err)
	return s
}

// The behaviour receiver.Store promises, checked alike on every store.
func TestStoreBehaviour(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1_700_000_000, 0).UnixMilli())
	advance := func(d time.Duration) { now.Add(d.Milliseconds()) }
	ctx := context.Background()
	for name, s := range stores(t, &now) {
		t.Run(name, func(t *testing.T) {
			first, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			require.Equal(t, receiver.Claimed, first.State)
			assert.NotEmpty(t, first.Token)

			busy, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.InProgress, busy.State)
			assert.InDelta(t, time.Minute.Seconds(), busy.RetryAfter.Seconds(), 1)

			// fn failed: released, and the next delivery processes it.
			require.NoError(t, s.Release(ctx, first))
			second, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			require.Equal(t, receiver.Claimed, second.State)
			assert.NotEqual(t, first.Token, second.Token)
			require.NoError(t, s.Release(ctx, first), "releasing a claim that is no longer this one does nothing")
			again, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.InProgress, again.State)

			require.NoError(t, s.Complete(ctx, second, 72*time.Hour))
			done, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Done, done.State)
			assert.ErrorIs(t, s.Complete(ctx, second, time.Hour), receiver.ErrClaimLost, "completing twice")

			// A crashed instance's claim: blocks until its lease passes.
			crashed, err := s.Claim(ctx, "msg_2", 30*time.Second)
			require.NoError(t, err)
			advance(29 * time.Second)
			blocked, err := s.Claim(ctx, "msg_2", 30*time.Second)
			require.NoError(t, err)
			assert.Equal(t, receiver.InProgress, blocked.State)
			advance(2 * time.Second)
			taken, err := s.Claim(ctx, "msg_2", 30*time.Second)
			require.NoError(t, err)
			assert.Equal(t, receiver.Claimed, taken.State)
			assert.ErrorIs(t, s.Complete(ctx, crashed, time.Hour), receiver.ErrClaimLost)
			require.NoError(t, s.Complete(ctx, taken, time.Hour))

			// Retention: done ids are remembered for it, then forgotten.
			advance(72*time.Hour - time.Minute) // 31 s have passed since msg_1 was done
			still, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Done, still.State, "within 72 h")
			advance(2 * time.Minute)
			forgotten, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Claimed, forgotten.State, "after the retention")
		})
	}
}

// Many goroutines (and, for the SQL stores, many connections) claim the
// same ids at once: each id is claimed exactly once.
func TestStoreConcurrentClaims(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Now().UnixMilli())
	ctx := context.Background()
	for name, s := range stores(t, &now) {
		t.Run(name, func(t *testing.T) {
			const ids, workers = 50, 8
			var claimed [ids]atomic.Int32
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < ids; i++ {
						c, err := s.Claim(ctx, fmt.Sprintf("msg_%d", i), time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if c.State == receiver.Claimed {
							claimed[i].Add(1)
							if err := s.Complete(ctx, c, time.Hour); err != nil {
								t.Error(err)
							}
						}
					}
				}()
			}
			wg.Wait()
			for i := range claimed {
				assert.Equal(t, int32(1), claimed[i].Load(), "msg_%d", i)
			}
		})
	}
}

// The SQL store deletes expired rows itself, started by Claim at its
// interval.
func TestSQLStoreDeletesExpiredRows(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Unix(1_700_000_000, 0).UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	ctx := context.Background()
	dbs := map[string]struct {
		db *sql.DB
		d  sqlstore.Dialect
	}{"sqlite": {sqlite(t), sqlstore.SQLite}}
	if pgErr == nil || testingCI() {
		dbs["postgres"] = struct {
			db *sql.DB
			d  sqlstore.Dialect
		}{postgres(t), sqlstore.Postgres}
	}
	for name, tc := range dbs {
		t.Run(name, func(t *testing.T) {
			s, err := sqlstore.New(ctx, tc.db, tc.d, sqlstore.WithClock(clock), sqlstore.WithCleanupInterval(time.Hour))
			require.NoError(t, err)
			for i := 0; i < 10; i++ {
				c, err := s.Claim(ctx, fmt.Sprint("old_", i), time.Minute)
				require.NoError(t, err)
				require.NoError(t, s.Complete(ctx, c, time.Hour))
			}
			count := func() (n int) {
				require.NoError(t, tc.db.QueryRow("SELECT count(*) FROM "+sqlstore.DefaultTable).Scan(&n))
				return n
			}
			assert.Equal(t, 10, count())
			now.Add((2 * time.Hour).Milliseconds())
			assert.Eventually(t, func() bool {
				_, err = s.Claim(ctx, "new", time.Minute) // starts the cleanup, once the one of the first claim is over
				require.NoError(t, err)
				return count() == 1
			}, time.Minute, 10*time.Millisecond, "the expired rows are deleted in the background")
		})
	}
}

func TestSQLStoreRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]sqlstore.Option{{sqlstore.WithTable("x; DROP TABLE y")}, {sqlstore.WithTable("")}, {sqlstore.WithClock(nil)}} {
		_, err := sqlstore.New(ctx, sqlite(t), sqlstore.SQLite, opts...)
		assert.True(t, errors.Is(err, sqlstore.ErrInvalidConfig))
	}
	_, err := sqlstore.New(ctx, nil, sqlstore.SQLite)
	assert.ErrorIs(t, err, sqlstore.ErrInvalidConfig)
	_, err = sqlstore.New(ctx, sqlite(t), sqlstore.Dialect(99))
	assert.ErrorIs(t, err, sqlstore.ErrInvalidConfig)
}

func testingCI() bool { return os.Getenv("CI") == "true" }
