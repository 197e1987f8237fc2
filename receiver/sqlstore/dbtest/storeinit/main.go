// Command storeinit opens a store the way a receiver instance does at
// start, and exits: 0 if sqlstore.New succeeded, 1 (with the error) if not.
// The simultaneous-first-start test starts several at once.
//
//	storeinit [-released] DRIVER DSN TABLE
//
// DRIVER is postgres or sqlite3; -released uses the store as released
// before its schema had a version (package internal/released).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"

	_ "github.com/lib/pq"
	_ "github.com/mattn/go-sqlite3"

	"github.com/stackwebhook/stackwebhook/receiver/sqlstore"
	"github.com/stackwebhook/stackwebhook/receiver/sqlstore/dbtest/internal/released"
)

func main() {
	old := flag.Bool("released", false, "use the store as released before schema versions")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: storeinit [-released] DRIVER DSN TABLE")
		os.Exit(2)
	}
	driver, dsn, table := flag.Arg(0), flag.Arg(1), flag.Arg(2)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	ctx := context.Background()
	if *old {
		dialect := released.Postgres
		if driver == "sqlite3" {
			dialect = released.SQLite
		}
		_, err = released.New(ctx, db, dialect, released.WithTable(table))
	} else {
		dialect := sqlstore.Postgres
		if driver == "sqlite3" {
			dialect = sqlstore.SQLite
		}
		_, err = sqlstore.New(ctx, db, dialect, sqlstore.WithTable(table))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
