package main

import (
	"context"
	"database/sql"
	"time"
)

// budget is a token bucket in PostgreSQL (the api_budget row) that every
// instance of the fleet draws from before each API request, so that the
// fleet together stays under rate requests a second, with bursts of up to
// burst. A request always takes its token, going into debt when there is
// none, and waits until the debt it left is paid: requests are served in
// the order they asked, at the rate.
type budget struct {
	db          *sql.DB
	rate, burst float64
}

func (b *budget) wait(ctx context.Context) error {
	var left float64
	err := b.db.QueryRowContext(ctx, `UPDATE api_budget SET
			tokens = LEAST($2::float8, tokens + EXTRACT(EPOCH FROM clock_timestamp() - at)::float8 * $1::float8) - 1,
			at = clock_timestamp()
		WHERE id = 1 RETURNING tokens`, b.rate, b.burst).Scan(&left)
	if err != nil || left >= 0 {
		return err
	}
	t := time.NewTimer(time.Duration(-left / b.rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
