package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// coded is an error with a SQLState, as lib/pq's and pgx's errors are.
type coded string

func (c coded) Error() string    { return "pq: " + string(c) }
func (c coded) SQLState() string { return string(c) }

func TestConnectionLost(t *testing.T) {
	for _, tc := range []struct {
		err  error
		lost bool
	}{
		{driver.ErrBadConn, true},
		{sql.ErrConnDone, true},
		{fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{fmt.Errorf("write: %w", syscall.EPIPE), true},
		{fmt.Errorf("updating the team: %w", coded("57P01")), true}, // admin_shutdown, as pg_terminate_backend
		{coded("08006"), true},                                      // connection_failure
		{coded("57P03"), true},                                      // cannot_connect_now
		{coded("23505"), false},                                     // unique_violation: fn's own
		{coded("57014"), false},                                     // query_canceled: fn's context
		{errors.New("constraint violated"), false},
		{io.EOF, false},
		{sql.ErrNoRows, false},
		{sql.ErrTxDone, false},
	} {
		assert.Equal(t, tc.lost, connectionLost(tc.err), "%v", tc.err)
	}
}
