package dbtest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// cluster is a throwaway PostgreSQL server: its data directory and socket
// live in a temporary directory, it listens on 127.0.0.1 on a free port, and
// TestMain stops it and removes everything.
type cluster struct {
	bin, dir, port string
	asUser         []string // runuser -u postgres -- when running as root (initdb refuses root)
	mu             sync.Mutex
	running        bool
}

var pg *cluster
var pgErr error

// pgBin finds initdb: $STACKWEBHOOK_PG_BIN, or Debian's newest
// /usr/lib/postgresql/*/bin.
func pgBin() (string, error) {
	if dir := os.Getenv("STACKWEBHOOK_PG_BIN"); dir != "" {
		return dir, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", fmt.Errorf("no PostgreSQL server: install Debian's postgresql package, or set STACKWEBHOOK_PG_BIN")
	}
	sort.Strings(matches)
	return filepath.Dir(matches[len(matches)-1]), nil
}

func startCluster() (*cluster, error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stackwebhook-pg")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and no postgres user to run the server as: %w", err)
		}
		if out, err := exec.Command("chown", "-R", u.Username, dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown: %v: %s", err, out)
		}
		c.asUser = []string{"runuser", "-u", u.Username, "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.port = fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	if err := c.run("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, err
	}
	return c, c.start()
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) run(tool string, args ...string) error {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, tool)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", tool, err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (c *cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	opts := fmt.Sprintf("-k %s -p %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", c.dir, c.port)
	if err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "start"); err != nil {
		return err
	}
	c.running = true
	return nil
}

// stop stops the server at once, as a crash or an outage would.
func (c *cluster) stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	c.running = false
	return c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
}

func (c *cluster) dsn() string {
	return "host=127.0.0.1 port=" + c.port + " user=postgres dbname=postgres sslmode=disable connect_timeout=2"
}

func (c *cluster) remove() {
	_ = c.stop()
	_ = os.RemoveAll(c.dir)
}

func TestMain(m *testing.M) {
	pg, pgErr = startCluster()
	code := m.Run()
	if pg != nil {
		pg.remove()
	}
	os.Exit(code)
}

// postgres returns a connection to a fresh database of the throwaway
// cluster. Without a PostgreSQL server the test is skipped, except under
// CI=true, where it fails.
func postgres(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresDSN creates a fresh database in the throwaway cluster and returns
// its connection string.
func postgresDSN(t *testing.T) string {
	t.Helper()
	if pgErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v", pgErr)
		}
		t.Skipf("PostgreSQL: %v", pgErr)
	}
	admin, err := sql.Open("postgres", pg.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "t_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())) + fmt.Sprint(time.Now().UnixNano()%1e6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(pg.dsn(), "dbname=postgres", "dbname="+name, 1)
}
