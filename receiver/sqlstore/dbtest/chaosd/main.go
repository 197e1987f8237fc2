// Command chaosd is one receiver of the kill -9 fleet test of package
// dbtest. Each message's effect is a row in the table effects of the shared
// PostgreSQL database. MODE=tx applies it through sqlstore.TxHandler, in
// the transaction of its record; MODE=claim through receiver.Handler with
// WithDeduplication on the same store (LEASE, default 2s), where the
// effect and the record are two commits.
//
// Besides POST /hook, it serves POST /crash?at=WHERE, which arms a crash:
// the next message that reaches WHERE kills this process with SIGKILL, as
// kill -9 would, after printing "crash WHERE" on stderr. WHERE is before
// (in fn, before its write), between (in fn, after its write: before the
// commit in tx mode, before the record in claim mode) or after (after the
// commit and the record, before the answer).
//
// It listens on 127.0.0.1 (an ephemeral port) and prints "listening on
// ADDR". Environment: DATABASE_URL, STACK_WEBHOOK_SECRET, MODE, LEASE.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

// armed is where the next crash happens: "", "before", "between", "after".
var armed atomic.Value

func crashIf(where string) {
	if armed.Load() == where && armed.CompareAndSwap(where, "") {
		fmt.Fprintln(os.Stderr, "crash", where)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}

func main() {
	armed.Store("")
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(20)
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS effects (msg_id TEXT NOT NULL, team_id TEXT NOT NULL)"); err != nil {
		log.Fatal(err)
	}
	observe := receiver.WithObserver(func(_ context.Context, r receiver.Report) {
		if r.Outcome == receiver.Applied {
			crashIf("after")
		}
	})
	const insert = "INSERT INTO effects (msg_id, team_id) VALUES ($1, $2)"
	var hook http.Handler
	switch os.Getenv("MODE") {
	case "tx":
		hook, err = sqlstore.TxHandler(wh, db, sqlstore.Postgres, func(ctx context.Context, tx *sql.Tx, ev stackwebhook.Event) error {
			crashIf("before")
			if _, err := tx.ExecContext(ctx, insert, receiver.MessageID(ctx), ev.(*stackwebhook.TeamDeleted).Data.ID); err != nil {
				return err
			}
			crashIf("between")
			return nil
		}, observe)
	case "claim":
		lease, perr := time.ParseDuration(os.Getenv("LEASE"))
		if perr != nil {
			lease = 2 * time.Second
		}
		store, serr := sqlstore.New(context.Background(), db, sqlstore.Postgres)
		if serr != nil {
			log.Fatal(serr)
		}
		hook = receiver.Handler(wh, func(ctx context.Context, ev stackwebhook.Event) error {
			crashIf("before")
			if _, err := db.ExecContext(ctx, insert, receiver.MessageID(ctx), ev.(*stackwebhook.TeamDeleted).Data.ID); err != nil {
				return err
			}
			crashIf("between")
			return nil
		}, receiver.WithDeduplication(store), receiver.WithLease(lease), observe)
	default:
		log.Fatal("MODE must be tx or claim")
	}
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hook", hook)
	mux.HandleFunc("POST /crash", func(w http.ResponseWriter, r *http.Request) {
		armed.Store(r.URL.Query().Get("at"))
		w.WriteHeader(http.StatusNoContent)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening on", l.Addr())
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	log.Fatal(server.Serve(l))
}
