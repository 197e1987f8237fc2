package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// connectionLost reports whether err, returned by TxHandler's fn, says that
// the connection to the database broke or the server would not serve it,
// rather than that fn's work failed: then the delivery is answered 503 with
// Retry-After (StoreFailed), as for a failure at BEGIN or COMMIT, and
// counted as the database's failure, not the application's.
//
// It recognises the errors of database/sql and the operating system's
// network errors, and, through the SQLState method that lib/pq's and pgx's
// errors have, PostgreSQL's classes 08 (connection exception) and 57P
// (the server shutting down, or not yet accepting connections). Errors
// wrapped with %w are looked through.
func connectionLost(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		state := coded.SQLState()
		return strings.HasPrefix(state, "08") || strings.HasPrefix(state, "57P")
	}
	return false
}
