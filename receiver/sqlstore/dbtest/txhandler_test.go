package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

// database is a fresh database of one dialect.
type database struct {
	db      *sql.DB
	dialect sqlstore.Dialect
}

// databases returns a fresh SQLite database and, when the throwaway
// cluster runs (always under CI=true), a fresh PostgreSQL one.
func databases(t *testing.T) map[string]database {
	out := map[string]database{"sqlite": {sqlite(t), sqlstore.SQLite}}
	if pgErr == nil || testingCI() {
		out["postgres"] = database{postgres(t), sqlstore.Postgres}
	}
	return out
}

// effects is the table fn writes to in the tests of TxHandler: one row per
// application of a message.
func (d database) createEffects(t *testing.T) {
	_, err := d.db.Exec("CREATE TABLE effects (msg_id TEXT NOT NULL, team_id TEXT NOT NULL)")
	require.NoError(t, err)
}

func (d database) insertEffect(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
	q := "INSERT INTO effects (msg_id, team_id) VALUES ($1, $2)"
	if d.dialect == sqlstore.SQLite {
		q = "INSERT INTO effects (msg_id, team_id) VALUES (?1, ?2)"
	}
	_, err := tx.ExecContext(ctx, q, receiver.MessageID(ctx), ev.(*stackwebhook.TeamDeleted).Data.ID)
	return err
}

func (d database) effects(t *testing.T, msgID string) (n int) {
	q := "SELECT count(*) FROM effects WHERE msg_id = $1"
	if d.dialect == sqlstore.SQLite {
		q = "SELECT count(*) FROM effects WHERE msg_id = ?1"
	}
	require.NoError(t, d.db.QueryRow(q, msgID).Scan(&n))
	return n
}

func (d database) records(t *testing.T) (n int) {
	require.NoError(t, d.db.QueryRow("SELECT count(*) FROM "+sqlstore.DefaultTable).Scan(&n))
	return n
}

func txWebhook(t *testing.T) *stackwebhook.Webhook {
	wh, err := stackwebhook.NewWebhook(fleetSecret)
	require.NoError(t, err)
	return wh
}

func post(h http.Handler, m message) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, m.request("/hook", time.Now()))
	return w.Code
}

// The message's record and fn's writes commit together: applied once
// however often it is delivered; an fn error rolls both back (500) and the
// retry applies it; MessageFrom works inside fn.
func TestTxHandlerAppliesOnce(t *testing.T) {
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d.createEffects(t)
			fail := errors.New("constraint violated")
			var failNext bool
			var seen *receiver.Message
			h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
				seen, _ = receiver.MessageFrom(ctx)
				if err := d.insertEffect(ctx, tx, ev); err != nil {
					return err
				}
				if failNext {
					failNext = false
					return fail // after the write: it must be rolled back
				}
				return nil
			})
			require.NoError(t, err)
			m := newMessage(1, "tx")
			failNext = true
			assert.Equal(t, http.StatusInternalServerError, post(h, m))
			assert.Zero(t, d.effects(t, m.id), "fn's write rolled back")
			assert.Zero(t, d.records(t), "the record rolled back with it")
			for range 3 {
				assert.Equal(t, http.StatusNoContent, post(h, m))
			}
			assert.Equal(t, 1, d.effects(t, m.id), "applied once")
			require.NotNil(t, seen)
			assert.Equal(t, m.id, seen.ID)
			assert.Equal(t, m.body, seen.Body)
		})
	}
}

// Concurrent deliveries of one message: the first applies it; the others
// wait for its transaction and are answered 204 (or 409 if it stays open
// longer than DuplicateWait); never applied twice.
func TestTxHandlerConcurrentDuplicates(t *testing.T) {
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d.createEffects(t)
			d.db.SetMaxOpenConns(16)
			h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
				if err := d.insertEffect(ctx, tx, ev); err != nil {
					return err
				}
				time.Sleep(30 * time.Millisecond) // a window for the duplicates to race into
				return nil
			})
			require.NoError(t, err)
			const messages, copies = 10, 6
			var wg sync.WaitGroup
			statuses := make(chan int, messages*copies)
			for i := 0; i < messages; i++ {
				for c := 0; c < copies; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses <- post(h, newMessage(i, "dup"))
					}()
				}
			}
			wg.Wait()
			close(statuses)
			counts := map[int]int{}
			for s := range statuses {
				counts[s]++
			}
			t.Logf("answers: %v", counts)
			for s := range counts {
				assert.Contains(t, []int{204, 409, 503}, s)
			}
			for i := 0; i < messages; i++ {
				m := newMessage(i, "dup")
				assert.Equal(t, http.StatusNoContent, post(h, m), "after the storm")
				assert.Equal(t, 1, d.effects(t, m.id), "message %d applied once", i)
			}
		})
	}
}

// The database down: 503 with Retry-After, fn not called. The options that
// belong to receiver.Handler's store are refused.
func TestTxHandlerDatabaseDownAndOptions(t *testing.T) {
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			called := false
			h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(context.Context, *sql.Tx, stackwebhook.Event) error {
				called = true
				return nil
			})
			require.NoError(t, err)
			_, err = sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(context.Context, *sql.Tx, stackwebhook.Event) error { return nil },
				receiver.WithDeduplication(receiver.NewMemoryStore()))
			assert.ErrorIs(t, err, receiver.ErrOptionNotApplicable)
			_, err = sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, nil)
			assert.ErrorIs(t, err, receiver.ErrOptionNotApplicable)
			require.NoError(t, d.db.Close())
			w := httptest.NewRecorder()
			h.ServeHTTP(w, newMessage(1, "down").request("/hook", time.Now()))
			assert.Equal(t, http.StatusServiceUnavailable, w.Code)
			assert.NotEmpty(t, w.Header().Get("Retry-After"))
			assert.False(t, called)
		})
	}
}

// A panic in fn rolls the transaction back and goes on up; the next
// delivery applies the message.
func TestTxHandlerPanicRollsBack(t *testing.T) {
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			d.createEffects(t)
			panics := true
			h, err := sqlstore.TxHandler(txWebhook(t), d.db, d.dialect, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
				if err := d.insertEffect(ctx, tx, ev); err != nil {
					return err
				}
				if panics {
					panics = false
					panic("boom")
				}
				return nil
			})
			require.NoError(t, err)
			m := newMessage(1, "panic")
			assert.PanicsWithValue(t, "boom", func() { post(h, m) })
			assert.Zero(t, d.effects(t, m.id))
			assert.Equal(t, http.StatusNoContent, post(h, m))
			assert.Equal(t, 1, d.effects(t, m.id))
		})
	}
}

// TxHandler shares its records with Store: a message applied through
// receiver.Handler with the store is not applied again by TxHandler, and a
// claim in progress there is answered 409 here.
func TestTxHandlerSharesTheStoresRecords(t *testing.T) {
	ctx := context.Background()
	for name, d := range databases(t) {
		t.Run(name, func(t *testing.T) {
			s, err := sqlstore.New(ctx, d.db, d.dialect)
			require.NoError(t, err)
			done, err := s.Claim(ctx, newMessage(1, "shared").id, time.Minute)
			require.NoError(t, err)
			require.NoError(t, s.Complete(ctx, done, time.Hour))
			_, err = s.Claim(ctx, newMessage(2, "shared").id, time.Minute)
			require.NoError(t, err)
			calls := 0
			h, err := s.TxHandler(txWebhook(t), func(context.Context, *sql.Tx, stackwebhook.Event) error { calls++; return nil })
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, post(h, newMessage(1, "shared")))
			assert.Equal(t, http.StatusConflict, post(h, newMessage(2, "shared")))
			assert.Equal(t, http.StatusNoContent, post(h, newMessage(3, "shared")))
			assert.Equal(t, 1, calls)
			c, err := s.Claim(ctx, newMessage(3, "shared").id, time.Minute)
			require.NoError(t, err)
			assert.Equal(t, receiver.Done, c.State, "TxHandler's record, seen by the store")
		})
	}
}
