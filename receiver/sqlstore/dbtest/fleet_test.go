package dbtest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const fleetSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// instance is one fleetd process.
type instance struct {
	cmd     *exec.Cmd
	url     string
	applied string // its APPLIED_FILE
}

// startFleet builds fleetd and starts n instances sharing the database dsn,
// with env added to their environment.
func startFleet(t *testing.T, dsn string, n int, env ...string) []*instance {
	dir := t.TempDir()
	bin := filepath.Join(dir, "fleetd")
	build := exec.Command("go", "build", "-o", bin, "./fleetd")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var fleet []*instance
	for i := 0; i < n; i++ {
		in := &instance{applied: filepath.Join(dir, fmt.Sprintf("applied-%d.log", i))}
		in.cmd = exec.Command(bin)
		in.cmd.Env = append(append(os.Environ(), "DATABASE_URL="+dsn, "STACK_WEBHOOK_SECRET="+fleetSecret, "APPLIED_FILE="+in.applied), env...)
		logFile, err := os.Create(in.applied + ".stderr")
		require.NoError(t, err)
		in.cmd.Stderr = logFile // its refusals and store errors: read on failure
		t.Cleanup(func() {
			logFile.Close()
			if t.Failed() {
				data, _ := os.ReadFile(logFile.Name())
				t.Logf("fleetd %d stderr (last 4 KiB):\n%s", i, data[max(0, len(data)-4096):])
			}
		})
		stdout, err := in.cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, in.cmd.Start())
		t.Cleanup(func() { _ = in.cmd.Process.Kill(); _ = in.cmd.Wait() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		in.url = "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening on")) + "/"
		fleet = append(fleet, in)
	}
	return fleet
}

// appliedCounts reads how often each message id was applied, fleet-wide.
func appliedCounts(t *testing.T, fleet []*instance) (map[string]int, []int) {
	counts := map[string]int{}
	var per []int
	for _, in := range fleet {
		data, err := os.ReadFile(in.applied)
		if os.IsNotExist(err) {
			per = append(per, 0)
			continue
		}
		require.NoError(t, err)
		lines := strings.Fields(string(data))
		per = append(per, len(lines))
		for _, id := range lines {
			counts[id]++
		}
	}
	return counts, per
}

// peakRSS is the peak resident memory of a process, from /proc.
func peakRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// message is one webhook as Svix would send it: its id, its body, and a
// fresh signature at every delivery (Svix re-signs retries).
type message struct {
	id   string
	body []byte
}

func newMessage(i int, run string) message {
	body := fmt.Sprintf(`{"type":"team.deleted","data":{"id":"team_%s_%d"}}`, run, i)
	return message{id: fmt.Sprintf("msg_%s_%d", run, i), body: []byte(body)}
}

func (m message) request(url string, at time.Time) *http.Request {
	r, err := stackwebhooktest.NewRawRequest(url, fleetSecret, m.body, stackwebhooktest.WithMessageID(m.id), stackwebhooktest.WithTimestamp(at))
	if err != nil {
		panic(err)
	}
	return r
}

var client = &http.Client{Timeout: 30 * time.Second}

// deliver sends m until an instance answers 2xx, as Svix retries: after a
// 409, 5xx or a connection error it waits (Retry-After, capped) and tries
// again, at another instance. It returns the number of attempts, or 0 if
// it gave up at the deadline.
func deliver(fleet []*instance, m message, deadline time.Time, pick func(int) int) (attempts int, statuses []int) {
	for attempts = 1; time.Now().Before(deadline); attempts++ {
		resp, err := client.Do(m.request(fleet[pick(len(fleet))].url, time.Now()))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses = append(statuses, resp.StatusCode)
			if resp.StatusCode/100 == 2 {
				return attempts, statuses
			}
		}
		time.Sleep(time.Duration(20+attempts*10) * time.Millisecond)
	}
	return 0, statuses
}

func randomPick(n int) int {
	var b [1]byte
	_, _ = rand.Read(b[:])
	return int(b[0]) % n
}

// The fleet case: three receiver processes behind no proxy, sharing one
// PostgreSQL, each message delivered four times at once to random
// instances: every message's fn succeeds exactly once, fleet-wide.
func TestFleetAppliesEachMessageOnce(t *testing.T) {
	fleet := startFleet(t, postgresDSN(t), 3)
	const messages, copies = 150, 4
	var wg sync.WaitGroup
	var failed atomic.Int32
	deadline := time.Now().Add(5 * time.Minute) // a guard against a hang, not a budget
	for i := 0; i < messages; i++ {
		m := newMessage(i, "fleet")
		for c := 0; c < copies; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if n, _ := deliver(fleet, m, deadline, randomPick); n == 0 {
					failed.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	require.Zero(t, failed.Load(), "every delivery was acknowledged")
	counts, per := appliedCounts(t, fleet)
	assert.Len(t, counts, messages)
	for i := 0; i < messages; i++ {
		assert.Equal(t, 1, counts[newMessage(i, "fleet").id], "message %d", i)
	}
	t.Logf("applied per instance: %v", per)
	busy := 0
	for _, n := range per {
		if n > 0 {
			busy++
		}
	}
	assert.GreaterOrEqual(t, busy, 2, "the work was spread over the fleet")
}

// loadResult is what a load run measured.
type loadResult struct {
	requests   int
	byKind     map[string]map[int]int // kind -> status -> count
	latencies  []time.Duration
	elapsed    time.Duration
	valid      []string // ids of the valid messages sent
	strayIDs   []string // svix-ids a replayer added
	outage503s int
}

// runLoad sends a mix for duration from workers concurrent clients at the
// fleet: new valid messages, duplicates (re-signed), replays of a captured
// delivery with its headers renamed to webhook-* and a stray svix-id,
// forged signatures, stale timestamps, bodies over the limit and slow
// bodies. Valid messages are delivered until acknowledged, as Svix would.
func runLoad(t *testing.T, fleet []*instance, duration time.Duration, workers int, outage func()) *loadResult {
	res := &loadResult{byKind: map[string]map[int]int{}}
	var mu sync.Mutex
	record := func(kind string, status int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if res.byKind[kind] == nil {
			res.byKind[kind] = map[int]int{}
		}
		res.byKind[kind][status]++
		res.requests++
		if d > 0 {
			res.latencies = append(res.latencies, d)
		}
	}
	send := func(kind string, r *http.Request) int {
		start := time.Now()
		resp, err := client.Do(r)
		if err != nil {
			record(kind, -1, 0)
			return -1
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		record(kind, resp.StatusCode, time.Since(start))
		return resp.StatusCode
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var next atomic.Int64
	var sent sync.Map // id -> message
	stop := time.Now().Add(duration)
	// A sender keeps delivering a message until it is acknowledged, as Svix
	// does for hours. A claim stranded by the outage (taken just before the
	// database stopped, its release refused) blocks the id for a whole
	// lease, so a message may need until a lease after the load ends.
	giveUp := stop.Add(receiver.DefaultLease + 2*time.Minute)
	if outage != nil {
		go outage()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				url := fleet[(w+i)%len(fleet)].url
				switch i % 8 {
				case 0, 1, 2: // a new valid message, delivered until acknowledged
					m := newMessage(int(next.Add(1)), run)
					sent.Store(m.id, m)
					mu.Lock()
					res.valid = append(res.valid, m.id)
					mu.Unlock()
					for attempt := 0; ; attempt++ {
						status := send("valid", m.request(fleet[(w+i+attempt)%len(fleet)].url, time.Now()))
						if status/100 == 2 {
							break
						}
						if status == http.StatusServiceUnavailable {
							mu.Lock()
							res.outage503s++
							mu.Unlock()
						}
						if time.Now().After(giveUp) {
							t.Errorf("%s never acknowledged in %d attempts", m.id, attempt+1)
							break
						}
						time.Sleep(25 * time.Millisecond)
					}
				case 3: // a duplicate of any message sent, re-signed now
					sent.Range(func(_, v any) bool {
						send("duplicate", v.(message).request(url, time.Now()))
						return false
					})
				case 4: // a captured delivery, headers renamed, a stray svix-id
					sent.Range(func(_, v any) bool {
						captured := v.(message).request(url, time.Now())
						replay, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(v.(message).body))
						for _, name := range []string{"id", "timestamp", "signature"} {
							replay.Header.Set("webhook-"+name, captured.Header.Get("svix-"+name))
						}
						stray := fmt.Sprintf("msg_stray_%s_%d_%d", run, w, i)
						replay.Header.Set("svix-id", stray)
						mu.Lock()
						res.strayIDs = append(res.strayIDs, stray)
						mu.Unlock()
						send("replay", replay)
						return false
					})
				case 5: // a forged signature
					r := newMessage(i, "forged"+run).request(url, time.Now())
					r.Header.Set("svix-signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
					send("forged", r)
				case 6: // a stale timestamp, or a body over the limit
					if i%16 == 6 {
						send("stale", newMessage(i, "stale"+run).request(url, time.Now().Add(-10*time.Minute)))
					} else {
						big := message{id: "msg_big", body: bytes.Repeat([]byte("x"), 1<<20+1)}
						send("oversize", big.request(url, time.Now()))
					}
				case 7: // a valid duplicate whose body arrives slowly
					sent.Range(func(_, v any) bool {
						m := v.(message)
						signed := m.request(url, time.Now())
						pr, pw := io.Pipe()
						go func() {
							for _, chunk := range [][]byte{m.body[:10], m.body[10:]} {
								time.Sleep(50 * time.Millisecond)
								pw.Write(chunk)
							}
							pw.Close()
						}()
						slow, _ := http.NewRequest(http.MethodPost, url, pr)
						slow.Header = signed.Header
						slow.ContentLength = int64(len(m.body))
						send("slow", slow)
						return false
					})
				}
			}
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func (r *loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	return r.latencies[int(math.Min(float64(len(r.latencies)-1), p*float64(len(r.latencies))))]
}

// checkLoad asserts what a load run must show: every valid message applied
// exactly once; no stray id applied; forged and stale refused; oversize
// refused; memory bounded.
func checkLoad(t *testing.T, fleet []*instance, res *loadResult) {
	counts, _ := appliedCounts(t, fleet)
	require.NotEmpty(t, res.valid)
	for _, id := range res.valid {
		assert.Equal(t, 1, counts[id], id)
	}
	for _, id := range res.strayIDs {
		assert.Zero(t, counts[id], "a replayer's stray id was applied: %s", id)
	}
	assert.Equal(t, len(res.valid), len(counts), "only valid messages were applied")
	for kind, want := range map[string]int{"forged": 401, "stale": 401, "oversize": 413} {
		for status, n := range res.byKind[kind] {
			assert.Equal(t, want, status, "%s: %d answers of %d", kind, n, status)
		}
	}
	for _, in := range fleet {
		rss := peakRSS(in.cmd.Process.Pid)
		assert.Less(t, rss, int64(200<<20), "peak memory of an instance")
		t.Logf("instance %d: peak RSS %d MiB", in.cmd.Process.Pid, rss>>20)
	}
	t.Logf("%d requests in %s: %.0f requests/s; latency p50 %s, p99 %s; by kind %v",
		res.requests, res.elapsed.Round(time.Millisecond), float64(res.requests)/res.elapsed.Seconds(),
		res.percentile(0.5).Round(time.Microsecond), res.percentile(0.99).Round(time.Microsecond), res.byKind)
}

// loadDuration is the length of a load run: short in the test command,
// LOAD_DURATION (a Go duration) for the longer run docs/receiver.md reports.
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("LOAD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err)
		return d
	}
	return 3 * time.Second
}

func TestLoad(t *testing.T) {
	fleet := startFleet(t, postgresDSN(t), 2)
	res := runLoad(t, fleet, loadDuration(t), 16, nil)
	checkLoad(t, fleet, res)
}

// The same load with PostgreSQL stopped a third of the way in and started
// again at two thirds: 503s while it is down, and afterwards every message
// applied exactly once.
func TestLoadWithDatabaseOutage(t *testing.T) {
	fleet := startFleet(t, postgresDSN(t), 2)
	d := loadDuration(t)
	res := runLoad(t, fleet, d, 16, func() {
		time.Sleep(d / 3)
		if err := pg.Stop(); err != nil {
			t.Error(err)
		}
		time.Sleep(d / 3)
		if err := pg.Start(); err != nil {
			t.Error(err)
		}
	})
	assert.Positive(t, res.outage503s, "503 while the database was down")
	checkLoad(t, fleet, res)
}

// The figures of docs/receiver.md's pool sizing: the same load against two
// instances whose pools keep database/sql's default of 2 idle connections,
// then as many idle as open (20), side by side in one run. Measurement only
// (POOL_SIZING=1): nothing is asserted but that the load ran correctly.
func TestPoolSizing(t *testing.T) {
	if os.Getenv("POOL_SIZING") == "" {
		t.Skip("a measurement: POOL_SIZING=1 (with LOAD_DURATION, default 3s)")
	}
	type figures struct {
		rate float64
		p90  time.Duration
	}
	var got []figures
	for _, idle := range []string{"2", "20"} {
		fleet := startFleet(t, postgresDSN(t), 2, "DB_MAX_IDLE="+idle)
		res := runLoad(t, fleet, loadDuration(t), 32, nil)
		checkLoad(t, fleet, res)
		got = append(got, figures{float64(res.requests) / res.elapsed.Seconds(), res.percentile(0.9)})
		t.Logf("SetMaxIdleConns(%s): %.0f requests/s, p90 %s", idle, got[len(got)-1].rate, got[len(got)-1].p90.Round(time.Millisecond))
	}
	t.Logf("idle = open: %.2fx the throughput, p90 %s against %s", got[1].rate/got[0].rate, got[1].p90.Round(time.Millisecond), got[0].p90.Round(time.Millisecond))
}
