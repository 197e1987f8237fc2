// Package dbtest tests package sqlstore against real databases: a
// throwaway PostgreSQL cluster, which the tests start in a temporary
// directory and stop (Debian's postgresql package provides the server), and
// SQLite; and proves the fleet case, several receiver processes sharing one
// PostgreSQL, under load and with the database stopped and restarted. It is
// a module of its own so that the library requires no database driver.
package dbtest
