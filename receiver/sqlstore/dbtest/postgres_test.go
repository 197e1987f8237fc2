package dbtest

import (
	"database/sql"
	"os"
	"testing"

	_ "github.com/lib/pq"

	"github.com/stackwebhook/stackwebhook/receiver/sqlstore/dbtest/pgtest"
)

var pg *pgtest.Cluster
var pgErr error

func TestMain(m *testing.M) {
	pg, pgErr = pgtest.Launch()
	code := m.Run()
	if pg != nil {
		pg.Remove()
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
	admin, err := sql.Open("postgres", pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	dsn, err := pg.CreateDatabase(admin, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}
