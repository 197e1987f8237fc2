package main

import (
	"cmp"
	"context"
	"database/sql"
	"log"
	"log/slog"
	"net/http"
	"os"

	_ "github.com/lib/pq" // the PostgreSQL driver; pgx's stdlib driver works the same way

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// Instances × MaxOpenConns must stay under the server's max_connections; keep as many idle as open.
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(10)
	// Your own table, in your migrations; created here so that the program runs as it is.
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT)"); err != nil {
		log.Fatal(err)
	}
	h, err := sqlstore.TxHandler(wh, db, sqlstore.Postgres, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
		switch e := ev.(type) {
		case *stackwebhook.UserCreated: // a late user.created must not overwrite a newer user.updated
			_, err := tx.ExecContext(ctx, "INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", e.Data.ID, e.Data.PrimaryEmail)
			return err
		case *stackwebhook.UserDeleted:
			_, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = $1", e.Data.ID)
			return err
		}
		return nil // acknowledge what you do not keep
	}, receiver.WithLogger(slog.Default()))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /webhooks/stack", h)
	log.Fatal(http.ListenAndServe(cmp.Or(os.Getenv("ADDR"), ":8080"), nil))
}
