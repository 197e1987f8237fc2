package main

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestMain(m *testing.M) { program.Main(m) }

// freshDB returns a fresh database with the mirror's schema and River's.
// Without a PostgreSQL server the test is skipped, except under CI=true.
func freshDB(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := program.Postgres(t.(*testing.T))
	db, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, migrate(t.Context(), db))
	return db, dsn
}

// harness is one mirror instance in the test's process, on a fresh
// database, reading a fake Hexclave.
type harness struct {
	db    *sql.DB
	fake  *fakeHexclave
	stack *stack
	cfg   *config
	rc    *river.Client[*sql.Tx]
	h     http.Handler
	sent  int
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newHarness(t *testing.T) *harness {
	db, _ := freshDB(t)
	fake := newFakeHexclave(t)
	cfg := &config{db: db, api: fake.api(), workers: 4, rescue: time.Minute}
	rc, err := cfg.queueClient(quiet, cfg.workers)
	require.NoError(t, err)
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	h, err := cfg.handler(wh, rc, quiet)
	require.NoError(t, err)
	return &harness{db: db, fake: fake, stack: &stack{f: fake}, cfg: cfg, rc: rc, h: h}
}

// work starts the instance's refresh workers.
func (hs *harness) work(t *testing.T) {
	require.NoError(t, hs.rc.Start(t.Context()))
	t.Cleanup(func() { _ = hs.rc.Stop(t.Context()) })
}

// deliver sends one message as Svix does (signed now), and wants 204.
func (hs *harness) deliver(t *testing.T, id string, ev stackwebhook.Event) {
	t.Helper()
	hs.sent++
	req, err := stackwebhooktest.NewRequest("/webhooks/stack", secret, ev, stackwebhooktest.WithMessageID(id))
	require.NoError(t, err)
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, req)
	require.Equal(t, http.StatusNoContent, w.Code, "%s (%s): %s", id, ev.EventType(), w.Body)
}

// deliverAll delivers events in order, as msg_0, msg_1, ...
func (hs *harness) deliverAll(t *testing.T, events []stackwebhook.Event) {
	t.Helper()
	for i, ev := range events {
		hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
	}
}

// settle waits until the job queue is empty: every refresh enqueued has
// run (or was given up, which fails the test).
func settle(t testing.TB, db *sql.DB) {
	t.Helper()
	for {
		var pending, discarded int
		require.NoError(t, db.QueryRow(`SELECT count(*) FILTER (WHERE state NOT IN ('completed', 'discarded', 'cancelled')),
			count(*) FILTER (WHERE state IN ('discarded', 'cancelled')) FROM river_job`).Scan(&pending, &discarded))
		require.Zero(t, discarded, "refreshes given up")
		if pending == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mirrorState is what the mirror's views show, as sorted lines.
func mirrorState(t testing.TB, db *sql.DB) []string {
	var out []string
	for _, q := range []string{
		"SELECT 'user ' || id || ' ' || coalesce(primary_email, '-') || ' ' || coalesce(display_name, '-') FROM mirror_users",
		"SELECT 'team ' || id || ' ' || display_name FROM mirror_teams",
		"SELECT 'member ' || team_id || ' ' || user_id FROM mirror_team_members",
		"SELECT 'team permission ' || team_id || ' ' || user_id || ' ' || permission_id FROM mirror_team_permissions",
		"SELECT 'project permission ' || user_id || ' ' || permission_id FROM mirror_project_permissions",
	} {
		out = append(out, lines(t, db, q)...)
	}
	sort.Strings(out)
	return out
}

func lines(t testing.TB, db *sql.DB, q string, args ...any) []string {
	rows, err := db.Query(q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		out = append(out, line)
	}
	require.NoError(t, rows.Err())
	return out
}

// fakeState is the fake's state in mirrorState's lines.
func (f *fakeHexclave) state() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, u := range f.users {
		out = append(out, fmt.Sprintf("user %s %s %s", u.ID, deref(u.PrimaryEmail), deref(u.DisplayName)))
	}
	for _, t := range f.teams {
		out = append(out, fmt.Sprintf("team %s %s", t.ID, t.DisplayName))
	}
	for k := range f.members {
		out = append(out, "member "+k[0]+" "+k[1])
	}
	for k := range f.teamPerms {
		out = append(out, "team permission "+k[0]+" "+k[1]+" "+k[2])
	}
	for k := range f.projectPerms {
		out = append(out, "project permission "+k[0]+" "+k[1])
	}
	sort.Strings(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// A project's life delivered shuffled, with duplicates and with an older
// update of a user retried last: once the refreshes have run, the mirror
// equals Hexclave, creators included (Stack sends no event for them), a
// creator who left and came back is a member, and the newer name wins.
// Before the refreshes, the creators are missing: what the events alone
// can tell.
func TestRefreshesConverge(t *testing.T) {
	hs := newHarness(t)
	s := hs.stack
	type msg struct {
		id string
		ev stackwebhook.Event
	}
	var msgs []msg
	add := func(evs []stackwebhook.Event) {
		for _, ev := range evs {
			msgs = append(msgs, msg{fmt.Sprintf("msg_%03d", len(msgs)), ev})
		}
	}
	ada, adaTeam, evs := s.signUp("ada")
	add(evs)
	bob, _, evs := s.signUp("bob")
	add(evs)
	cy, _, evs := s.signUp("cy")
	add(evs)
	ops, evs := s.createTeam("Ops", ada)
	add(evs)
	add(s.addMember(ops, bob))
	add(s.addMember(ops, cy))
	add(s.grantTeam(ops, bob, "$invite_members", true))
	add(s.grantTeam(ops, bob, "$invite_members", false))
	add(s.grantProject(bob, "support", true))
	add(s.removeMember(ops, ada)) // the creator leaves, and is added back
	add(s.addMember(ops, ada))
	add(s.addMember(adaTeam, bob))
	add(s.renameTeam(ops, "Operations"))
	older := len(msgs)
	add(s.rename(bob, "Bob v2"))
	add(s.rename(bob, "Bob v3"))
	add(s.deleteUser(cy))
	lab, evs := s.createTeam("Lab", bob)
	add(evs)
	add(s.addMember(lab, ada))
	add(s.deleteTeam(lab))

	// Shuffle, duplicate a third, and deliver the older rename last (its
	// earlier attempts failed, and Svix retried it).
	rng := rand.New(rand.NewPCG(7, 8))
	var run []msg
	for i, m := range msgs {
		if i == older {
			continue
		}
		run = append(run, m)
		if rng.IntN(3) == 0 {
			run = append(run, m)
		}
	}
	rng.Shuffle(len(run), func(i, j int) { run[i], run[j] = run[j], run[i] })
	run = append(run, msgs[older])
	for _, m := range run {
		hs.deliver(t, m.id, m.ev)
	}
	before := mirrorState(t, hs.db)
	assert.NotContains(t, before, "member "+ops+" "+ada+" ", "precondition: no event says the creator is a member")
	assert.Contains(t, before, "user "+bob+" bob@example.com Bob v2", "precondition: the older update, delivered last, is what the events say")

	hs.work(t)
	settle(t, hs.db)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
	assert.Contains(t, mirrorState(t, hs.db), "member "+ops+" "+ada)
	t.Logf("%d deliveries, %d API calls", len(run), hs.fake.calls.Load())
}

// Fifty events about one team, delivered before the refresh begins, cost
// one refresh: one job, three API calls.
func TestBurstSharesOneRefresh(t *testing.T) {
	hs := newHarness(t)
	team, evs := hs.stack.createTeam("Burst", "")
	hs.deliver(t, "msg_created", evs[0])
	for i := range 49 {
		hs.deliver(t, fmt.Sprintf("msg_%d", i), hs.stack.renameTeam(team, fmt.Sprintf("Burst %d", i))[0])
	}
	var jobs int
	require.NoError(t, hs.db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&jobs))
	assert.Equal(t, 1, jobs)
	hs.work(t)
	settle(t, hs.db)
	// One team refresh: GET /teams/{id}, /users?team_id=, /team-permissions?team_id=.
	assert.Equal(t, int64(3), hs.fake.calls.Load())
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))

	// An event arriving once the refresh has begun gets a refresh of its own.
	hs.deliver(t, "msg_after", hs.stack.renameTeam(team, "Burst, after")[0])
	settle(t, hs.db)
	require.NoError(t, hs.db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&jobs))
	assert.Equal(t, 2, jobs)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
}

// A membership's events while its team's refresh is queued ride on it;
// a project permission's on its user's.
func TestCoveredRefreshesAreNotQueued(t *testing.T) {
	hs := newHarness(t)
	s := hs.stack
	ada, adaTeam, evs := s.signUp("ada")
	for i, ev := range evs {
		hs.deliver(t, fmt.Sprintf("msg_signup_%d", i), ev)
	}
	bob, _, evs := s.signUp("bob")
	for i, ev := range evs {
		hs.deliver(t, fmt.Sprintf("msg_bob_%d", i), ev)
	}
	for i, ev := range append(s.addMember(adaTeam, bob), s.grantProject(ada, "billing", true)...) {
		hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
	}
	var kinds []string
	kinds = append(kinds, lines(t, hs.db, `SELECT args->>'what' FROM river_job ORDER BY id`)...)
	assert.Equal(t, []string{refreshTeam, refreshUser, refreshTeam, refreshUser}, kinds)
	hs.work(t)
	settle(t, hs.db)
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
}

// A 429 snoozes the refresh until the API's Retry-After; nothing is lost.
func TestRefreshWaitsOutRateLimit(t *testing.T) {
	hs := newHarness(t)
	var limited atomic.Int64
	hs.fake.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if limited.Add(1) <= 3 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"code":"RATE_LIMITED"}`, http.StatusTooManyRequests)
			return true
		}
		return false
	})
	_, _, evs := hs.stack.signUp("ada")
	for i, ev := range evs {
		hs.deliver(t, fmt.Sprintf("msg_%d", i), ev)
	}
	hs.work(t)
	settle(t, hs.db)
	assert.Greater(t, limited.Load(), int64(3), "three 429s, then answers")
	assert.Equal(t, hs.fake.state(), mirrorState(t, hs.db))
	var snoozed int
	require.NoError(t, hs.db.QueryRow(`SELECT count(*) FROM river_job WHERE attempted_by IS NOT NULL AND array_length(errors, 1) IS NULL AND (metadata ? 'snoozes')`).Scan(&snoozed))
	assert.Positive(t, snoozed, "a 429 is a snooze, not a failed attempt")
}

// Two instances drawing from one budget of 20 requests a second (burst 1)
// take at least a second for 21 requests between them. (A lower bound:
// a loaded machine only makes it longer.)
func TestBudgetIsSharedByTheFleet(t *testing.T) {
	db, _ := freshDB(t)
	a, b := &budget{db: db, rate: 20, burst: 1}, &budget{db: db, rate: 20, burst: 1}
	start := time.Now()
	done := make(chan error, 21)
	for i := range 21 {
		go func() {
			if i%2 == 0 {
				done <- a.wait(t.Context())
			} else {
				done <- b.wait(t.Context())
			}
		}()
	}
	for range 21 {
		require.NoError(t, <-done)
	}
	assert.GreaterOrEqual(t, time.Since(start), 950*time.Millisecond)
}

// The user's stored data keeps what Hexclave sends today, its external
// auth providers included.
func TestStoredUserKeepsExternalAuthProviders(t *testing.T) {
	hs := newHarness(t)
	u := stackwebhook.User{ID: "9f3c2a1e-0000-4000-8000-000000000001", PrimaryEmail: ptr("ext@example.com"),
		OAuthProviders: []stackwebhook.OAuthProvider{}, ExternalAuthProviders: []stackwebhook.ExternalAuthProvider{{ID: "better-auth-integration"}}}
	hs.deliver(t, "msg_ext", &stackwebhook.UserCreated{Data: u})
	var got string
	require.NoError(t, hs.db.QueryRow("SELECT data -> 'external_auth_providers' ->> 0 FROM users").Scan(&got))
	assert.JSONEq(t, `{"id":"better-auth-integration"}`, got)
}

// The counting tables of earlier versions are upgraded in place: a count
// above zero is a present row.
func TestUpgradeFromCounters(t *testing.T) {
	dsn := program.Postgres(t)
	db, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	defer db.Close()
	for _, st := range []string{
		`CREATE TABLE team_members (team_id TEXT NOT NULL, user_id TEXT NOT NULL, net INTEGER NOT NULL, PRIMARY KEY (team_id, user_id))`,
		`INSERT INTO team_members VALUES ('t1', 'u1', 1), ('t1', 'u2', 0), ('t2', 'u1', -1)`,
	} {
		_, err := db.Exec(st)
		require.NoError(t, err)
	}
	require.NoError(t, migrate(t.Context(), db))
	require.NoError(t, migrate(t.Context(), db)) // idempotent
	assert.Equal(t, []string{"t1 u1"}, lines(t, db, `SELECT team_id || ' ' || user_id FROM mirror_team_members`))
	assert.Equal(t, []string{"t1 u2 false"}, lines(t, db, `SELECT team_id || ' ' || user_id || ' ' || present FROM team_members WHERE user_id = 'u2'`))
}
