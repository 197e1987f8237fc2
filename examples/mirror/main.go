// Command mirror keeps a copy of a Hexclave (formerly Stack Auth) project's
// users, teams, team memberships, team permissions and project permissions
// in PostgreSQL, from its webhooks and its REST API, and converges to
// Hexclave's state whatever order the webhooks arrive in.
//
//	mirror serve       # webhooks at POST /webhooks/stack on $ADDR (default :8080), and the refresh workers;
//	                   # GET /healthz answers 200 while the database answers
//	mirror reconcile   # walk every list of the API and repair what no event reported
//
// Each delivered event is written at once, in the transaction in which
// sqlstore.TxHandler records the message, with a refresh of every entity
// it touched enqueued in the same transaction on a River job queue
// (github.com/riverqueue/river) in the same database. Every serve
// instance works the queue: a refresh reads the entity from the API and
// writes what Hexclave holds, so the mirror ends equal to Hexclave for
// every entity a delivered event touched, even when Svix delivered an
// older update last or Stack sent no event at all (a team's creator). A
// job held by an instance that died is taken up by another after
// MIRROR_RESCUE_AFTER. Events lost before Svix touch nothing: reconcile,
// run on a schedule, finds those.
//
// Environment (each HEXCLAVE_ setting is also read under its older STACK_
// name; when both are set the HEXCLAVE_ one wins):
//
//	DATABASE_URL                 PostgreSQL, in lib/pq's form
//	HEXCLAVE_WEBHOOK_SECRET      whsec_..., the endpoint's signing secret (serve)
//	HEXCLAVE_API_URL             default https://api.hexclave.com; a self-hosted server's own
//	HEXCLAVE_PROJECT_ID          the project
//	HEXCLAVE_SECRET_SERVER_KEY   a secret server key of the project
//	MIRROR_API_RATE              API requests a second for the whole fleet (default 10)
//	MIRROR_REFRESH_DELAY         how long a refresh waits for more events about its entity (default 1s)
//	MIRROR_WORKERS               refreshes at once in one instance (default 10)
//	MIRROR_RESCUE_AFTER          when a refresh held by a dead instance runs again (default 2m)
package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	_ "github.com/lib/pq"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "serve" && os.Args[1] != "reconcile") {
		fmt.Fprintln(os.Stderr, "usage: mirror serve | mirror reconcile [-deadline 30m] [-max-missing 100]")
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if os.Args[1] == "serve" {
		err = serve(ctx, logger)
	} else {
		err = runReconcile(ctx, logger, os.Args[2:])
	}
	if err != nil {
		logger.Error("mirror "+os.Args[1], "err", err)
		os.Exit(1)
	}
}

// config is the environment's settings.
type config struct {
	db      *sql.DB
	api     *stackAPI
	workers int
	delay   time.Duration
	rescue  time.Duration
}

func load(ctx context.Context, logger *slog.Logger, waitForDB bool) (*config, error) {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	// An instance that starts while the database is down waits for it
	// (serve); reconcile, run by a scheduler, reports it.
	for delay := 500 * time.Millisecond; ; delay = min(2*delay, 15*time.Second) {
		err = migrate(ctx, db)
		if err == nil || !waitForDB || ctx.Err() != nil {
			break
		}
		logger.Warn("database not ready; retrying", "err", err, "in", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	if err != nil {
		return nil, err
	}
	rate, err := number("MIRROR_API_RATE", 10)
	if err != nil {
		return nil, err
	}
	workers, err := number("MIRROR_WORKERS", 10)
	if err != nil {
		return nil, err
	}
	c := &config{db: db, workers: int(workers)}
	if c.delay, err = duration("MIRROR_REFRESH_DELAY", time.Second); err != nil {
		return nil, err
	}
	if c.rescue, err = duration("MIRROR_RESCUE_AFTER", 2*time.Minute); err != nil {
		return nil, err
	}
	c.api = &stackAPI{base: cmp.Or(setting("API_URL"), defaultAPI), projectID: setting("PROJECT_ID"),
		serverKey: setting("SECRET_SERVER_KEY"), client: &http.Client{Timeout: 30 * time.Second},
		limit: &budget{db: db, rate: rate, burst: max(rate, 1)}}
	if c.api.projectID == "" || c.api.serverKey == "" {
		return nil, errors.New("HEXCLAVE_PROJECT_ID and HEXCLAVE_SECRET_SERVER_KEY (or their STACK_ names) are required")
	}
	return c, nil
}

// queueClient is the River client of the mirror's refresh jobs; with
// workers > 0 it works them too.
func (c *config) queueClient(logger *slog.Logger, workers int) (*river.Client[*sql.Tx], error) {
	ws := river.NewWorkers()
	river.AddWorker(ws, &refresher{db: c.db, api: c.api})
	rc := &river.Config{Workers: ws, Logger: logger, JobTimeout: c.rescue / 2, RescueStuckJobsAfter: c.rescue}
	if workers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
	}
	return river.NewClient(riverdatabasesql.New(c.db), rc)
}

// handler is the webhook endpoint: verified, decoded, applied once, with
// its refreshes enqueued on rc.
func (c *config) handler(wh *stackwebhook.Webhook, rc *river.Client[*sql.Tx], logger *slog.Logger) (http.Handler, error) {
	m := &applier{queue: &queue{river: rc, delay: c.delay}}
	return sqlstore.TxHandler(wh, c.db, sqlstore.Postgres, m.apply, receiver.WithLogger(logger))
}

func serve(ctx context.Context, logger *slog.Logger) error {
	wh, err := stackwebhook.NewWebhook(setting("WEBHOOK_SECRET"))
	if err != nil {
		return err
	}
	c, err := load(ctx, logger, true)
	if err != nil {
		return err
	}
	rc, err := c.queueClient(logger, c.workers)
	if err != nil {
		return err
	}
	h, err := c.handler(wh, rc, logger)
	if err != nil {
		return err
	}
	if err := rc.Start(ctx); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/stack", h)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := c.db.PingContext(r.Context()); err != nil {
			http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
		}
	})
	server := &http.Server{Addr: cmp.Or(os.Getenv("ADDR"), ":8080"), Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.ListenAndServe() }()
	select {
	case err = <-served:
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = server.Shutdown(shutdown)
		err = errors.Join(err, rc.Stop(shutdown))
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
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

func number(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number", name, v)
	}
	return n, nil
}

func duration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 2s", name, v)
	}
	return d, nil
}
