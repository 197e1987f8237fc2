package dbtest

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chaosSlot is one receiver of the chaos fleet: a process that is killed
// and started again.
type chaosSlot struct {
	url  atomic.Value // string; "" while down
	cmd  *exec.Cmd    // guarded by the fleet's mu
	logs *os.File
}

// chaosFleet runs n chaosd processes in mode, restarting each one that
// dies until stop is closed.
type chaosFleet struct {
	t        *testing.T
	bin, dsn string
	mode     string
	slots    []*chaosSlot
	mu       sync.Mutex
	starts   int
	stopping atomic.Bool
	wg       sync.WaitGroup
}

func startChaosFleet(t *testing.T, bin, dsn, mode string, n int) *chaosFleet {
	f := &chaosFleet{t: t, bin: bin, dsn: dsn, mode: mode}
	for i := 0; i < n; i++ {
		logs, err := os.Create(filepath.Join(t.TempDir(), fmt.Sprintf("chaosd-%d.stderr", i)))
		require.NoError(t, err)
		s := &chaosSlot{logs: logs}
		s.url.Store("")
		f.slots = append(f.slots, s)
		require.NoError(t, f.start(s))
		f.wg.Add(1)
		go f.supervise(s)
	}
	return f
}

// start starts the slot's process and waits until it listens.
func (f *chaosFleet) start(s *chaosSlot) error {
	cmd := exec.Command(f.bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+f.dsn, "STACK_WEBHOOK_SECRET="+fleetSecret, "MODE="+f.mode)
	cmd.Stderr = s.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("chaosd did not start: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s.cmd = cmd
	f.starts++
	if f.stopping.Load() { // stop came while it started
		_ = cmd.Process.Kill()
		return nil
	}
	s.url.Store("http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening on")))
	return nil
}

// kill kills the slot's process, as kill -9 does, and reports whether
// there was one to kill.
func (f *chaosFleet) kill(s *chaosSlot) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return s.cmd != nil && s.cmd.Process.Kill() == nil
}

// supervise restarts the slot's process whenever it dies.
func (f *chaosFleet) supervise(s *chaosSlot) {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		cmd := s.cmd
		f.mu.Unlock()
		_ = cmd.Wait()
		s.url.Store("")
		if f.stopping.Load() {
			return
		}
		for f.start(s) != nil {
			if f.stopping.Load() {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (f *chaosFleet) stop() {
	f.mu.Lock()
	f.stopping.Store(true)
	f.mu.Unlock()
	for _, s := range f.slots {
		f.kill(s)
	}
	f.wg.Wait()
}

// crashes counts the crashes the processes announced, by where.
func (f *chaosFleet) crashes() map[string]int {
	out := map[string]int{}
	for _, s := range f.slots {
		data, err := os.ReadFile(s.logs.Name())
		require.NoError(f.t, err)
		for _, line := range strings.Split(string(data), "\n") {
			if where, ok := strings.CutPrefix(line, "crash "); ok {
				out[where]++
			}
		}
	}
	return out
}

// chaosResult is what one run found in the database.
type chaosResult struct {
	messages, lost, doubled, attempts, kills, starts, unacknowledged int
	crashes                                                          map[string]int
	elapsed                                                          time.Duration
}

// runChaos delivers messages to a fleet of three chaosd in mode as Svix
// does (each until a 2xx, after non-2xx answers, connection errors and
// timeouts; one in four sent as two concurrent copies; every attempt
// re-signed), while a chaos loop arms crashes inside the receivers and
// kill -9s them from outside, and counts each message's effects.
//
// The run is decided by what happened, not by how fast: it delivers at
// least messages messages, and goes on with more until every kind of crash
// in need has happened at least once (at most maxChaosMessages), so that a
// fast machine that delivers before the chaos strikes still meets it.
func runChaos(t *testing.T, bin, mode string, messages int, need ...string) chaosResult {
	dsn := postgresDSN(t)
	db, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE effects (msg_id TEXT NOT NULL, team_id TEXT NOT NULL)")
	require.NoError(t, err)
	fleet := startChaosFleet(t, bin, dsn, mode, 3)
	defer fleet.stop()

	client := &http.Client{Timeout: 3 * time.Second}
	var attempts atomic.Int64
	deliver := func(m message, deadline time.Time) bool {
		for time.Now().Before(deadline) {
			url := fleet.slots[rand.IntN(len(fleet.slots))].url.Load().(string)
			if url == "" {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			attempts.Add(1)
			resp, err := client.Do(m.request(url+"/hook", time.Now()))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					return true
				}
			}
			time.Sleep(time.Duration(20+rand.IntN(80)) * time.Millisecond)
		}
		return false
	}

	done := make(chan struct{})
	var kills atomic.Int64
	go func() { // the chaos loop
		wheres := []string{"before", "between", "after"}
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(time.Duration(100+rand.IntN(150)) * time.Millisecond):
			}
			s := fleet.slots[rand.IntN(len(fleet.slots))]
			url := s.url.Load().(string)
			if url == "" {
				continue
			}
			if i%4 == 3 { // kill -9 from outside, at whatever moment
				if f := fleet; f.kill(s) {
					kills.Add(1)
				}
				continue
			}
			if resp, err := http.Post(url+"/crash?at="+wheres[rand.IntN(len(wheres))], "", nil); err == nil {
				resp.Body.Close()
			}
		}
	}()

	run := mode + fmt.Sprint(time.Now().UnixNano()%1e9)
	start := time.Now()
	// A guard against a hang, not a budget: a correct fleet acknowledges
	// every message however slowly a loaded machine runs it.
	deadline := start.Add(5 * time.Minute)
	var wg sync.WaitGroup
	var failed atomic.Int64
	work := make(chan int)
	for w := 0; w < 24; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				m := newMessage(i, run)
				copies := 1
				if i%4 == 0 {
					copies = 2
				}
				var cw sync.WaitGroup
				for c := 0; c < copies; c++ {
					cw.Add(1)
					go func() {
						defer cw.Done()
						if !deliver(m, deadline) {
							failed.Add(1)
						}
					}()
				}
				cw.Wait()
			}
		}()
	}
	sent := 0
	for ; sent < maxChaosMessages; sent++ {
		if sent >= messages && sent%100 == 0 && met(fleet.crashes(), need) {
			break
		}
		work <- sent
	}
	close(work)
	wg.Wait()
	close(done)
	fleet.stop()
	res := chaosResult{messages: sent, attempts: int(attempts.Load()), kills: int(kills.Load()), crashes: fleet.crashes(),
		unacknowledged: int(failed.Load()), elapsed: time.Since(start)}
	fleet.mu.Lock()
	res.starts = fleet.starts
	fleet.mu.Unlock()
	counts := map[string]int{}
	rows, err := db.Query("SELECT msg_id, count(*) FROM effects GROUP BY msg_id")
	require.NoError(t, err)
	for rows.Next() {
		var id string
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		counts[id] = n
	}
	require.NoError(t, rows.Err())
	for i := 0; i < sent; i++ {
		switch n := counts[newMessage(i, run).id]; {
		case n == 0:
			res.lost++
		case n > 1:
			res.doubled += n - 1
		}
	}
	return res
}

// maxChaosMessages bounds a chaos run that waits for its crashes.
const maxChaosMessages = 30_000

// met reports whether every kind of crash in need has happened.
func met(crashes map[string]int, need []string) bool {
	for _, where := range need {
		if crashes[where] == 0 {
			return false
		}
	}
	return true
}

func (r chaosResult) String() string {
	return fmt.Sprintf("%d messages in %.1f s (%d deliveries never acknowledged), %d delivery attempts, %d processes started, %d kill -9 from outside, crashes inside (before the write / between the write and the commit / after the commit): %d / %d / %d; effects lost: %d, doubled: %d",
		r.messages, r.elapsed.Seconds(), r.unacknowledged, r.attempts, r.starts, r.kills, r.crashes["before"], r.crashes["between"], r.crashes["after"], r.lost, r.doubled)
}

// The kill -9 fleet run. Three receivers share a throwaway PostgreSQL; a
// sender behaving as Svix delivers 1,000 messages while receivers are
// killed at random moments, inside fn and outside, and started again.
// Through TxHandler every message's effect is in the database exactly once.
// Through receiver.Handler with WithDeduplication, effect and record are two
// commits: a crash between them applies the message again once the lease
// passes, and the run prints how often.
func TestKillNineFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("the kill -9 fleet run takes about half a minute")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "chaosd")
	out, err := exec.Command("go", "build", "-o", bin, "./chaosd").CombinedOutput()
	require.NoError(t, err, "%s", out)
	const messages = 1000

	tx := runChaos(t, bin, "tx", messages, "before", "between", "after")
	t.Logf("TxHandler: %s", tx)
	assert.Zero(t, tx.unacknowledged, "every delivery was acknowledged before the deadline")
	assert.Zero(t, tx.lost, "TxHandler lost effects")
	assert.Zero(t, tx.doubled, "TxHandler doubled effects")
	for _, where := range []string{"before", "between", "after"} {
		assert.Positive(t, tx.crashes[where], "TxHandler was crashed %s", where)
	}

	claim := runChaos(t, bin, "claim", messages, "between")
	t.Logf("Handler with WithDeduplication: %s", claim)
	assert.Zero(t, claim.unacknowledged, "every delivery was acknowledged before the deadline")
	assert.Zero(t, claim.lost, "the claim-based handler lost effects")
	assert.Positive(t, claim.crashes["between"], "the claim-based handler was crashed between effect and record")
	assert.GreaterOrEqual(t, claim.doubled, claim.crashes["between"],
		"each crash between the effect and the record applies the message again")
}
