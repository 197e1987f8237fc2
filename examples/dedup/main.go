package main

import (
	"cmp"
	"context"
	"database/sql"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	// Every instance of the service shares one store: each message is applied once, fleet-wide.
	// (receiver.NewMemoryStore() serves one process.)
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// New needs the database: at start, wait for it rather than exit into a crash loop.
	var store *sqlstore.Store
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		if store, err = sqlstore.New(context.Background(), db, sqlstore.Postgres); err == nil { // creates its table if missing
			break
		}
		log.Printf("the deduplication store is not ready (%v); trying again in %v", err, wait)
		time.Sleep(wait)
	}
	http.Handle("POST /webhooks/stack/{tenant}", receiver.Handler(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		msg, _ := receiver.MessageFrom(ctx) // the verified id, signed timestamp, raw body, request, departures
		log.Println("received", ev.EventType(), msg.ID, msg.Timestamp, msg.Request.PathValue("tenant"))
		return nil
	},
		receiver.WithDeduplication(store),   // applied once; 72 h retention, 1 min lease (WithRetention, WithLease)
		receiver.WithLogger(slog.Default()), // refusals and departures, bounded and escaped; never the secret or body
	))
	log.Fatal(http.ListenAndServe(cmp.Or(os.Getenv("ADDR"), ":8080"), nil))
}
