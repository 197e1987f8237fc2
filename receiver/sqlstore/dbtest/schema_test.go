package dbtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore/dbtest/internal/released"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// A fleet's first deploy on a fresh database: three instances call New at
// the same moment for a table that does not exist yet, 20 times over (a new
// table each round). Every one starts. The store as released before, which
// raced in PostgreSQL's catalog, is run the same way for comparison, and
// its failures are reported, not asserted (a race need not show).
func TestSimultaneousFirstStart(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "storeinit")
	out, err := exec.Command("go", "build", "-o", bin, "./storeinit").CombinedOutput()
	require.NoError(t, err, "%s", out)
	const rounds, instances = 20, 3
	start := func(args ...string) (failed int, texts []string) {
		cmds := make([]*exec.Cmd, instances)
		outs := make([]*bytes.Buffer, instances)
		for i := range cmds {
			cmds[i] = exec.Command(bin, args...)
			outs[i] = &bytes.Buffer{}
			cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		}
		for _, c := range cmds { // as close together as the OS starts them
			require.NoError(t, c.Start())
		}
		for i, c := range cmds {
			if c.Wait() != nil {
				failed++
				texts = append(texts, strings.TrimSpace(outs[i].String()))
			}
		}
		return failed, texts
	}
	type target struct {
		name, driver string
		dsn          func(round int) string
	}
	targets := []target{{"sqlite", "sqlite3", func(round int) string {
		return "file:" + filepath.Join(t.TempDir(), "store.db") + "?_busy_timeout=10000&_journal_mode=WAL"
	}}}
	if pgErr == nil || testingCI() {
		dsn := postgresDSN(t)
		targets = append(targets, target{"postgres", "postgres", func(int) string { return dsn }})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			var releasedFailed, failed int
			for round := 0; round < rounds; round++ {
				n, texts := start(tg.driver, tg.dsn(round), fmt.Sprintf("messages_%d", round))
				failed += n
				assert.Zero(t, n, "round %d: %d of %d instances failed to start: %q", round, n, instances, texts)
				n, _ = start("-released", tg.driver, tg.dsn(round), fmt.Sprintf("released_%d", round))
				releasedFailed += n
			}
			t.Logf("%s, %d rounds of %d instances at once: %d of %d failed to start; the store as released before: %d of %d",
				tg.name, rounds, instances, failed, rounds*instances, releasedFailed, rounds*instances)
		})
	}
}

// testDB is a fresh database with its dialect, in this release's and in
// the released store's terms.
type testDB struct {
	db      *sql.DB
	dialect sqlstore.Dialect
	old     released.Dialect
}

// dbs returns a fresh SQLite database and, where PostgreSQL runs, a fresh
// PostgreSQL one, by name.
func dbs(t *testing.T) map[string]testDB {
	out := map[string]testDB{"sqlite": {sqlite(t), sqlstore.SQLite, released.SQLite}}
	if pgErr == nil || testingCI() {
		out["postgres"] = testDB{postgres(t), sqlstore.Postgres, released.Postgres}
	}
	return out
}

// A rolling deploy: instances of the released store and of this one share a
// table while deliveries flow, and this one's New brings the table to the
// current schema in the middle of it (on PostgreSQL, an index built
// CONCURRENTLY while claims go on). Every message is applied exactly once,
// whichever version claimed it.
func TestMixedVersions(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	for name, d := range dbs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			old, err := released.New(ctx, d.db, d.old)
			require.NoError(t, err)
			var mu sync.Mutex
			applied := map[string]int{}
			apply := func(ctx context.Context, ev stackwebhook.Event) error {
				time.Sleep(time.Millisecond)
				mu.Lock()
				defer mu.Unlock()
				applied[receiver.MessageID(ctx)]++
				return nil
			}
			handlers := []http.Handler{receiver.Handler(wh, apply, receiver.WithDeduplication(old))}
			var hmu sync.RWMutex
			var delivered atomic.Int64
			const messages, copies = 150, 4
			var wg sync.WaitGroup
			for w := 0; w < 6; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := w; i < messages*copies; i += 6 {
						id := fmt.Sprintf("msg_%d", i%messages)
						body := []byte(fmt.Sprintf(`{"type":"team.deleted","data":{"id":"team_%d"}}`, i%messages))
						for {
							req, err := stackwebhooktest.NewRawRequest("/hooks", secret, body, stackwebhooktest.WithMessageID(id))
							if err != nil {
								panic(err)
							}
							hmu.RLock()
							h := handlers[i%len(handlers)]
							hmu.RUnlock()
							rec := httptest.NewRecorder()
							h.ServeHTTP(rec, req)
							if rec.Code < 300 {
								break
							}
							time.Sleep(5 * time.Millisecond) // in progress elsewhere: retry, as Svix does
						}
						delivered.Add(1)
					}
				}(w)
			}
			for delivered.Load() < messages*copies/3 { // a third delivered: deploy the new release
				time.Sleep(time.Millisecond)
			}
			current, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			hmu.Lock()
			handlers = append(handlers, receiver.Handler(wh, apply, receiver.WithDeduplication(current)))
			hmu.Unlock()
			wg.Wait()

			require.Len(t, applied, messages)
			for id, n := range applied {
				assert.Equal(t, 1, n, "%s applied %d times", id, n)
			}
			v, err := schemaVersion(d.db)
			require.NoError(t, err)
			assert.Equal(t, sqlstore.SchemaVersion, v)
			// The released store still starts on the table as it is now.
			_, err = released.New(ctx, d.db, d.old)
			assert.NoError(t, err)
		})
	}
}

func schemaVersion(db *sql.DB) (int, error) {
	var v int
	err := db.QueryRow("SELECT version FROM " + sqlstore.DefaultTable + "_version WHERE name = 'schema'").Scan(&v)
	return v, err
}

// A team's own migrations: the table built from Schema's statements, as a
// user copies them, then a store that creates nothing; it behaves as every
// store must (TestStoreBehaviour runs it too). Without the table it refuses
// to start, naming what to do.
func TestOwnMigrations(t *testing.T) {
	for name, d := range dbs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, err := sqlstore.New(ctx, d.db, d.dialect, sqlstore.WithoutSchemaChanges())
			require.ErrorIs(t, err, sqlstore.ErrNoTable)
			assert.Contains(t, err.Error(), "sqlstore.Schema")
			exists, _ := tableExists(d.db, d.dialect, sqlstore.DefaultTable)
			assert.False(t, exists, "WithoutSchemaChanges created the table")

			statements, err := sqlstore.Schema(d.dialect, "")
			require.NoError(t, err)
			for range 2 { // a migration run twice changes nothing
				for _, st := range statements {
					_, err := d.db.Exec(st)
					require.NoError(t, err, st)
				}
			}
			s, err := sqlstore.New(ctx, d.db, d.dialect, sqlstore.WithoutSchemaChanges())
			require.NoError(t, err)
			c, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			require.NoError(t, s.Complete(ctx, c, time.Hour))
			again, err := s.Claim(ctx, "msg_1", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Done, again.State)
			v, err := schemaVersion(d.db)
			require.NoError(t, err)
			assert.Equal(t, sqlstore.SchemaVersion, v)
		})
	}
	_, err := sqlstore.Schema(sqlstore.SQLite, "a.b")
	assert.ErrorIs(t, err, sqlstore.ErrInvalidConfig)
}

func tableExists(db *sql.DB, dialect sqlstore.Dialect, name string) (bool, error) {
	var ok bool
	if dialect == sqlstore.Postgres {
		return ok, db.QueryRow("SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok)
	}
	return ok, db.QueryRow("SELECT count(*) > 0 FROM sqlite_master WHERE name = ?", name).Scan(&ok)
}

// A table made for a newer release: the store refuses to start, naming both
// versions; one of the released kind, with rows, is brought up to date
// with its rows kept.
func TestSchemaVersions(t *testing.T) {
	for name, d := range dbs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			old, err := released.New(ctx, d.db, d.old)
			require.NoError(t, err)
			c, err := old.Claim(ctx, "msg_kept", time.Minute)
			require.NoError(t, err)
			require.NoError(t, old.Complete(ctx, c, time.Hour))

			s, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			got, err := s.Claim(ctx, "msg_kept", time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Done, got.State, "the released table's rows are kept")
			index, err := tableExists(d.db, d.dialect, sqlstore.DefaultTable+"_expires_at")
			require.NoError(t, err)
			assert.True(t, index, "the index of version 2")

			_, err = d.db.Exec("UPDATE " + sqlstore.DefaultTable + "_version SET version = 99")
			require.NoError(t, err)
			_, err = sqlstore.New(ctx, d.db, d.dialect)
			require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
			assert.Contains(t, err.Error(), "schema version 99")
			assert.Contains(t, err.Error(), fmt.Sprintf("versions up to %d", sqlstore.SchemaVersion))
			_, err = sqlstore.New(ctx, d.db, d.dialect, sqlstore.WithoutSchemaChanges())
			assert.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
		})
	}
}
