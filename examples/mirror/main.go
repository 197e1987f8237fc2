// Command mirror keeps a copy of a Stack Auth (now Hexclave) project's users, teams, team
// memberships, team permissions and project permissions in PostgreSQL,
// from Stack's webhooks, exactly once and in any order of delivery; and
// repairs it from Stack's REST API when events were lost.
//
//	mirror serve       # receive webhooks on $ADDR (default :8080) at POST /webhooks/stack
//	mirror reconcile   # list everything through Stack's API and repair the tables
//
// Environment: DATABASE_URL (lib/pq's form); for serve HEXCLAVE_WEBHOOK_SECRET
// (whsec_...); for reconcile HEXCLAVE_PROJECT_ID, HEXCLAVE_SECRET_SERVER_KEY
// and HEXCLAVE_API_URL (default https://api.hexclave.com; a self-hosted
// server's own). Stack Auth renamed itself Hexclave in 2026: each setting
// is also read under its older STACK_ name (STACK_WEBHOOK_SECRET, ...),
// and when both are set the HEXCLAVE_ one wins.
//
// Each message is applied through sqlstore.TxHandler: the tables change
// and the message is recorded in one transaction, so a crash never applies
// a message twice or loses it (Svix delivers it again). The tables' rules
// (schema.go) make any order of delivery end where in-order delivery would.
// Events lost before Svix (Stack gives up on a message when Svix answers
// 429) are repaired by reconcile: run it on a schedule, such as daily.
package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	_ "github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "serve" && os.Args[1] != "reconcile") {
		fmt.Fprintln(os.Stderr, "usage: mirror serve | mirror reconcile")
		os.Exit(2)
	}
	ctx := context.Background()
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	if err := migrate(ctx, db); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if os.Args[1] == "reconcile" {
		api := &stackAPI{base: cmp.Or(setting("API_URL"), defaultAPI), projectID: setting("PROJECT_ID"),
			serverKey: setting("SECRET_SERVER_KEY"), client: &http.Client{Timeout: 30 * time.Second}}
		r, err := reconcile(ctx, db, api)
		if err != nil {
			log.Fatal(err)
		}
		logger.Info("reconciled", "repairs", r.String())
		return
	}
	h, err := newHandler(db, setting("WEBHOOK_SECRET"), logger)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/stack", h)
	server := &http.Server{Addr: cmp.Or(os.Getenv("ADDR"), ":8080"), Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	log.Fatal(server.ListenAndServe())
}

// migrate creates the mirror's tables and views.
func migrate(ctx context.Context, db *sql.DB) error {
	for _, st := range schema {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("mirror schema: %w", err)
		}
	}
	return nil
}

// newHandler is the webhook endpoint: verified, decoded, applied once.
func newHandler(db *sql.DB, secret string, logger *slog.Logger) (http.Handler, error) {
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	return sqlstore.TxHandler(wh, db, sqlstore.Postgres, apply, receiver.WithLogger(logger))
}

// defaultAPI is Hexclave's API host; Stack's own before the rename,
// https://api.stack-auth.com, still answers for projects created there.
const defaultAPI = "https://api.hexclave.com"

// setting reads HEXCLAVE_ plus name, else STACK_ plus name: Hexclave's
// name wins when both are set, so that a deployment can move to the new
// names one at a time.
func setting(name string) string {
	return cmp.Or(os.Getenv("HEXCLAVE_"+name), os.Getenv("STACK_"+name))
}
