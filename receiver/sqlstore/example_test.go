package sqlstore_test

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

// Each message's writes and its record commit in one transaction: applied
// exactly once, whatever crashes. (sql.Open needs a driver, such as
// github.com/lib/pq, imported for its side effect.)
func ExampleTxHandler() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := sqlstore.TxHandler(wh, db, sqlstore.Postgres, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
		switch e := ev.(type) {
		case *stackwebhook.TeamCreated:
			_, err := tx.ExecContext(ctx, "INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", e.Data.ID, e.Data.DisplayName)
			return err
		case *stackwebhook.TeamDeleted:
			_, err := tx.ExecContext(ctx, "DELETE FROM teams WHERE id = $1", e.Data.ID)
			return err
		}
		return nil
	}, receiver.WithRetention(receiver.DefaultRetention))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /webhooks/stack", h)
}
