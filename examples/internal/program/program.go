// Package program runs an example's main package as its users run it: built
// with go build, configured by environment, on a throwaway PostgreSQL.
package program

import (
	"bytes"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook/receiver/sqlstore/dbtest/pgtest"
)

var (
	cluster    *pgtest.Cluster
	clusterErr error
	launch     sync.Once
)

// Main runs the package's tests and removes the throwaway cluster after
// them, if one was started: call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Remove()
	}
	os.Exit(code)
}

// Postgres returns the connection string of a fresh database in a
// throwaway cluster started at the first call. Without a PostgreSQL
// server the test is skipped, except under CI=true, where it fails.
func Postgres(t *testing.T) string {
	t.Helper()
	launch.Do(func() { cluster, clusterErr = pgtest.Launch() })
	if clusterErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v", clusterErr)
		}
		t.Skipf("PostgreSQL: %v", clusterErr)
	}
	admin, err := sql.Open("postgres", cluster.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	dsn, err := cluster.CreateDatabase(admin, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Running is a started program.
type Running struct {
	URL    string      // http://ADDR
	Output *syncBuffer // what it wrote on standard output and error
	Exited chan error  // its exit, once it has exited
	done   chan struct{}
	cmd    *exec.Cmd
	addr   string
}

// Start builds the main package in the current directory and runs it
// with env and ADDR set to a free loopback address; the program is killed
// when the test ends. Listening waits until it serves.
func Start(t *testing.T, env ...string) *Running {
	t.Helper()
	return Run(t, Build(t), nil, env...)
}

// Build builds the main package in the current directory and returns the
// binary's path.
func Build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "program")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Run runs bin with args, env and ADDR set to a free loopback address, as
// Start does.
func Run(t *testing.T, bin string, args []string, env ...string) *Running {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Running{addr: l.Addr().String(), Output: &syncBuffer{}, Exited: make(chan error, 1), done: make(chan struct{})}
	r.URL = "http://" + r.addr
	l.Close()
	r.cmd = exec.Command(bin, args...)
	r.cmd.Env = append(os.Environ(), append(env, "ADDR="+r.addr)...)
	r.cmd.Stdout, r.cmd.Stderr = r.Output, r.Output
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		close(r.done)
		r.Exited <- err
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.done
		if t.Failed() {
			t.Logf("the program's output:\n%s", r.Output)
		}
	})
	return r
}

// Kill kills the program with SIGKILL and waits for its exit.
func (r *Running) Kill() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

// Listening waits until the program accepts connections; it fails the
// test if the program exits first.
func (r *Running) Listening(t *testing.T) {
	t.Helper()
	if !r.Wait(func() bool {
		c, err := net.Dial("tcp", r.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("the program exited before listening:\n%s", r.Output)
	}
}

// Wait polls cond until it holds (true) or the program exits (false):
// decided by either event, not by a time.
func (r *Running) Wait(cond func() bool) bool {
	for !cond() {
		select {
		case err := <-r.Exited:
			r.Exited <- err
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

// syncBuffer is an output buffer the program writes while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
