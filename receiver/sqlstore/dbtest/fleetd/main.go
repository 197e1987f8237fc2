// Command fleetd is one instance of a receiver fleet for the tests of
// package dbtest: receiver.Handler with deduplication in PostgreSQL. It
// listens on 127.0.0.1 (an ephemeral port), prints "listening on ADDR",
// and appends the id of every message it applies to APPLIED_FILE, one a
// line. Environment: DATABASE_URL, STACK_WEBHOOK_SECRET, APPLIED_FILE.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	_ "github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func main() {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(20)
	if idle, err := strconv.Atoi(os.Getenv("DB_MAX_IDLE")); err == nil {
		db.SetMaxIdleConns(idle) // otherwise database/sql's default, 2
	}
	store, err := sqlstore.New(context.Background(), db, sqlstore.Postgres)
	if err != nil {
		log.Fatal(err)
	}
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.OpenFile(os.Getenv("APPLIED_FILE"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	apply := func(ctx context.Context, ev stackwebhook.Event) error {
		time.Sleep(2 * time.Millisecond) // some work: widens the window in which duplicates race
		mu.Lock()
		defer mu.Unlock()
		_, err := fmt.Fprintln(out, receiver.MessageID(ctx))
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", l.Addr())
	server := &http.Server{
		Handler:           receiver.Handler(wh, apply, receiver.WithDeduplication(store), receiver.WithLogger(logger)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
	}
	log.Fatal(server.Serve(l))
}
