// Package pgtest runs a throwaway PostgreSQL server for tests: initdb in a
// temporary directory, a server on 127.0.0.1 on a free port, fresh
// databases on demand, and everything removed at the end. It needs a
// PostgreSQL server installed (Debian's postgresql package, or the
// directory of initdb in $STACKWEBHOOK_PG_BIN), and imports no driver.
package pgtest

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
	"time"
)

// Cluster is a throwaway PostgreSQL server: its data directory and socket
// live in a temporary directory, it listens on 127.0.0.1 on a free port, and
// Remove stops it and deletes everything.
type Cluster struct {
	bin, dir, port string
	asUser         []string // runuser -u postgres -- when running as root (initdb refuses root)
	mu             sync.Mutex
	running        bool
}

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

// Launch initialises a cluster in a new temporary directory and starts it.
// As root, it runs the server as the postgres user (initdb refuses root).
func Launch() (*Cluster, error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stackwebhook-pg")
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, dir: dir}
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
	return c, c.Start()
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(tool string, args ...string) error {
	argv := append(append(append([]string{}, c.asUser...), filepath.Join(c.bin, tool)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", tool, err, out)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	opts := fmt.Sprintf("-k %s -p %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", c.dir, c.port)
	if err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "start"); err != nil {
		return err
	}
	c.running = true
	return nil
}

// Stop stops the server at once, as a crash or an outage would.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	c.running = false
	return c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
}

// DSN is the connection string of the database postgres, as lib/pq takes it.
func (c *Cluster) DSN() string {
	return "host=127.0.0.1 port=" + c.port + " user=postgres dbname=postgres sslmode=disable connect_timeout=2"
}

// Remove stops the server and deletes its directory.
func (c *Cluster) Remove() {
	_ = c.Stop()
	_ = os.RemoveAll(c.dir)
}

// CreateDatabase creates a fresh database, named after name and the time,
// through db (a connection to the cluster opened with any driver), and
// returns its connection string.
func (c *Cluster) CreateDatabase(db *sql.DB, name string) (string, error) {
	name = "t_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_", " ", "_").Replace(name)) + fmt.Sprint(time.Now().UnixNano()%1e6)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		return "", err
	}
	return strings.Replace(c.DSN(), "dbname=postgres", "dbname="+name, 1), nil
}
