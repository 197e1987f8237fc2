package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// fleetDeliveries is the number of deliveries of TestFleetConverges.
const fleetDeliveries = 2000

// message is one Svix message: its id, its event, and the number of the
// action that sent it.
type message struct {
	id     string
	ev     stackwebhook.Event
	action int
}

// scenario drives Stack through a project's life, batch by batch, and
// returns each batch's messages as Svix would deliver them: 5% lost before
// Svix, a quarter delivered twice, shuffled. Updates of one user come in
// pairs whose older one is held back and delivered at the very end (its
// earlier attempts failed). lost counts the events that never reach Svix.
type scenario struct {
	s        *stack
	rng      *rand.Rand
	users    []string
	teams    []string
	heldBack []message
	n        int
	lost     int
	action   int
	groups   map[string]string // the fake's state by group (groupOf)
	changed  map[string]int    // the last action that changed each group
}

// groupOf names the group of a state line: a user's or team's row, one
// membership, one membership's team permissions, one user's project
// permissions.
func groupOf(line string) string {
	f := strings.Fields(line)
	switch {
	case f[0] == "user" || (f[0] == "team" && f[1] != "permission"):
		return f[0] + ":" + f[1]
	case f[0] == "member":
		return "member:" + f[1] + ":" + f[2]
	case f[0] == "team":
		return "tperm:" + f[2] + ":" + f[3]
	}
	return "pperm:" + f[2]
}

func groups(state []string) map[string]string {
	g := map[string]string{}
	for _, l := range state {
		g[groupOf(l)] += l + "\n"
	}
	return g
}

// track records which groups the last action changed.
func (sc *scenario) track() {
	now := groups(sc.s.f.state())
	for k, v := range now {
		if sc.groups[k] != v {
			sc.changed[k] = sc.action
		}
	}
	for k := range sc.groups {
		if _, ok := now[k]; !ok {
			sc.changed[k] = sc.action
		}
	}
	sc.groups = now
}

func (sc *scenario) pick(ids []string) string { return ids[sc.rng.IntN(len(ids))] }

// batch runs about size actions and returns their deliveries.
func (sc *scenario) batch(size int) []message {
	var out []message
	emit := func(evs []stackwebhook.Event, holdFirst bool) {
		sc.action++
		sc.track()
		for i, ev := range evs {
			sc.n++
			m := message{fmt.Sprintf("msg_%05d", sc.n), ev, sc.action}
			switch {
			case sc.rng.IntN(20) == 0:
				sc.lost++
			case holdFirst && i == 0:
				sc.heldBack = append(sc.heldBack, m)
			default:
				out = append(out, m)
				if sc.rng.IntN(4) == 0 {
					out = append(out, m)
				}
			}
		}
	}
	for len(out) < size {
		switch r := sc.rng.IntN(100); {
		case r < 25 || len(sc.users) < 4:
			u, team, evs := sc.s.signUp("user" + strconv.Itoa(sc.n))
			sc.users, sc.teams = append(sc.users, u), append(sc.teams, team)
			emit(evs, false)
		case r < 33:
			team, evs := sc.s.createTeam("team"+strconv.Itoa(sc.n), sc.pick(sc.users))
			sc.teams = append(sc.teams, team)
			emit(evs, false)
		case r < 55:
			emit(sc.s.addMember(sc.pick(sc.teams), sc.pick(sc.users)), false)
		case r < 60:
			// A member (often the creator) leaves and comes back.
			team, user := sc.pick(sc.teams), sc.pick(sc.users)
			emit(append(sc.s.removeMember(team, user), sc.s.addMember(team, user)...), false)
		case r < 66:
			emit(sc.s.removeMember(sc.pick(sc.teams), sc.pick(sc.users)), false)
		case r < 74:
			emit(sc.s.grantTeam(sc.pick(sc.teams), sc.pick(sc.users), "$invite_members", sc.rng.IntN(2) == 0), false)
		case r < 80:
			emit(sc.s.grantProject(sc.pick(sc.users), "support", sc.rng.IntN(2) == 0), false)
		case r < 90:
			// Two updates of one user; the older is retried last.
			u := sc.pick(sc.users)
			emit(append(sc.s.rename(u, "name "+strconv.Itoa(sc.n)), sc.s.rename(u, "name "+strconv.Itoa(sc.n+1))...), true)
		case r < 93:
			emit(sc.s.renameTeam(sc.pick(sc.teams), "renamed "+strconv.Itoa(sc.n)), false)
		case r < 97:
			emit(sc.s.deleteUser(sc.pick(sc.users)), false)
		default:
			emit(sc.s.deleteTeam(sc.pick(sc.teams)), false)
		}
	}
	sc.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// fleet is three `mirror serve` processes on one database, which the test
// kills with SIGKILL and restarts.
type fleet struct {
	t     *testing.T
	bin   string
	env   []string
	mu    sync.Mutex
	procs [3]*program.Running
	kills int
}

func (fl *fleet) start(i int) {
	r := program.Run(fl.t, fl.bin, []string{"serve"}, fl.env...)
	r.Listening(fl.t)
	fl.mu.Lock()
	fl.procs[i] = r
	fl.mu.Unlock()
}

// url returns the webhook URL of a random instance.
func (fl *fleet) url(rng *rand.Rand) string {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.procs[rng.IntN(3)].URL + "/webhooks/stack"
}

// killOne kills a random instance with SIGKILL and starts another in its
// place.
func (fl *fleet) killOne(rng *rand.Rand) {
	i := rng.IntN(3)
	fl.mu.Lock()
	r := fl.procs[i]
	fl.mu.Unlock()
	r.Kill()
	fl.kills++
	fl.start(i)
}

// Deliveries of a project's life (sign-ups with personal teams, shared
// teams, memberships with default permissions, creators who leave and
// rejoin, grants and revocations, updates of one user with the older
// retried last, deletions) to three `mirror serve` instances, shuffled, a
// quarter duplicated, 5% lost before Svix, with instances killed by
// SIGKILL while they work: once the job queue is empty, the mirror equals
// the fake Hexclave for every entity a delivered event touched, and no
// reconcile ran.
func TestFleetConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet test runs three servers")
	}
	fake := newFakeHexclave(t)
	db, dsn := freshDB(t)
	fl := &fleet{t: t, bin: program.Build(t), env: []string{"DATABASE_URL=" + dsn, "HEXCLAVE_WEBHOOK_SECRET=" + secret,
		"HEXCLAVE_API_URL=" + fake.server.URL, "HEXCLAVE_PROJECT_ID=proj_1", "HEXCLAVE_SECRET_SERVER_KEY=ssk_good",
		"MIRROR_API_RATE=2000", "MIRROR_REFRESH_DELAY=300ms", "MIRROR_RESCUE_AFTER=4s", "MIRROR_WORKERS=8"}}
	for i := range 3 {
		fl.start(i)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("FLEET_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("FLEET_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	sc := &scenario{s: &stack{f: fake}, rng: rng, groups: map[string]string{}, changed: map[string]int{}}

	var delivered []message
	var sent atomic.Int64
	deliver := func(msgs []message) {
		work := make(chan message)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(w)+2))
				for m := range work {
					for attempt := 0; ; attempt++ {
						if attempt == 10000 {
							t.Errorf("%s never acknowledged", m.id)
							break
						}
						if post(fl.url(r), m) {
							sent.Add(1)
							break
						}
						time.Sleep(20 * time.Millisecond) // Svix's next attempt
					}
				}
			}()
		}
		for _, m := range msgs {
			work <- m
		}
		close(work)
		wg.Wait()
	}
	// Batches of 200 deliveries; an instance is killed during each.
	for len(delivered) < fleetDeliveries-len(sc.heldBack) {
		msgs := sc.batch(min(200, fleetDeliveries-len(delivered)))
		delivered = append(delivered, msgs...)
		done := make(chan struct{})
		go func() { defer close(done); deliver(msgs) }()
		// Halfway through the batch, an instance is killed (here, on the
		// test's goroutine, which starts its replacement).
		for sent.Load() < int64(len(delivered)-len(msgs)/2) {
			time.Sleep(5 * time.Millisecond)
		}
		fl.killOne(rng)
		<-done
	}
	deliver(sc.heldBack)
	delivered = append(delivered, sc.heldBack...)
	last := time.Now()
	settle(t, db)
	converged := time.Since(last)

	diffs, compared := compareTouched(t, db, sc, delivered)
	assert.Empty(t, diffs)
	calls := fake.calls.Load()
	t.Logf("%d deliveries (%d events lost before Svix), %d instances killed; %d of %d groups compared, %d differ; converged %.1f s after the last delivery; %d API calls, %.2f a delivery",
		len(delivered), sc.lost, fl.kills, compared, len(sc.groups), len(diffs), converged.Seconds(), calls, float64(calls)/float64(len(delivered)))
	assert.Less(t, float64(calls)/float64(len(delivered)), 2.0, "API calls a delivery")
}

// post delivers m once, signed now, as Svix's attempt: true when
// acknowledged (2xx).
func post(url string, m message) bool {
	req, err := stackwebhooktest.NewRequest(url, secret, m.ev, stackwebhooktest.WithMessageID(m.id))
	if err != nil {
		panic(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// compareTouched compares the mirror with the fake, group by group
// (groupOf), for every group a delivered event covers: one whose refresh
// reads it (or whose tombstone hides it) sent at or after the group's last
// change. A group changed later by an event lost before Svix is not
// compared: the mirror promises nothing about it until a reconcile.
func compareTouched(t *testing.T, db *sql.DB, sc *scenario, delivered []message) (diffs []string, compared int) {
	user, userGone, team, pair, project := map[string]int{}, map[string]int{}, map[string]int{}, map[[2]string]int{}, map[string]int{}
	mark := func(m map[string]int, k string, a int) { m[k] = max(m[k], a) }
	markPair := func(team, user string, a int) { pair[[2]string{team, user}] = max(pair[[2]string{team, user}], a) }
	for _, m := range delivered {
		a := m.action
		switch e := m.ev.(type) {
		case *stackwebhook.UserCreated:
			mark(user, e.Data.ID, a)
		case *stackwebhook.UserUpdated:
			mark(user, e.Data.ID, a)
		case *stackwebhook.UserDeleted:
			mark(userGone, e.Data.ID, a)
		case *stackwebhook.TeamCreated:
			mark(team, e.Data.ID, a)
		case *stackwebhook.TeamUpdated:
			mark(team, e.Data.ID, a)
		case *stackwebhook.TeamDeleted:
			mark(team, e.Data.ID, a)
		case *stackwebhook.TeamMembershipCreated:
			markPair(e.Data.TeamID, e.Data.UserID, a)
		case *stackwebhook.TeamMembershipDeleted:
			markPair(e.Data.TeamID, e.Data.UserID, a)
		case *stackwebhook.TeamPermissionCreated:
			markPair(e.Data.TeamID, e.Data.UserID, a)
		case *stackwebhook.TeamPermissionDeleted:
			markPair(e.Data.TeamID, e.Data.UserID, a)
		case *stackwebhook.ProjectPermissionCreated:
			mark(project, e.Data.UserID, a)
		case *stackwebhook.ProjectPermissionDeleted:
			mark(project, e.Data.UserID, a)
		}
	}
	covered := func(g string) int {
		f := strings.Split(g, ":")
		switch f[0] {
		case "user":
			return max(user[f[1]], userGone[f[1]])
		case "team":
			return team[f[1]]
		case "member":
			return max(user[f[2]], userGone[f[2]], team[f[1]], pair[[2]string{f[1], f[2]}])
		case "tperm":
			return max(userGone[f[2]], team[f[1]], pair[[2]string{f[1], f[2]}])
		}
		return max(user[f[1]], userGone[f[1]], project[f[1]])
	}
	want, got := sc.groups, groups(mirrorState(t, db))
	all := map[string]bool{}
	for k := range want {
		all[k] = true
	}
	for k := range got {
		all[k] = true
	}
	for g := range all {
		c := covered(g)
		if c == 0 || c < sc.changed[g] {
			continue
		}
		if f := strings.Split(g, ":"); f[0] == "tperm" { // shown only with its membership
			if m := "member:" + f[1] + ":" + f[2]; covered(m) < sc.changed[m] {
				continue
			}
		}
		compared++
		if want[g] != got[g] {
			diffs = append(diffs, fmt.Sprintf("%s: Hexclave %q, mirror %q", g, want[g], got[g]))
		}
	}
	sort.Strings(diffs)
	return diffs, compared
}
