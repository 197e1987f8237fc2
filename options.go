package stackwebhook

import "time"

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way, unless WithTolerance says otherwise. It is
// the value every official Svix library uses.
const DefaultTolerance = 5 * time.Minute

// config is what the options set; a Webhook copies it once and never changes.
type config struct {
	tolerance time.Duration
	now       func() time.Time // nil: wallSeconds
	err       error            // the first invalid option, reported by the constructor
}

// Option configures a Webhook at construction.
type Option func(*config)

// WithTolerance sets how far, in either direction, a message's timestamp may
// be from the clock. The default is DefaultTolerance.
//
// The tolerance is what stops an attacker from replaying a captured message
// later: widening it widens that window. Timestamps are whole seconds, so
// only the whole seconds of d count. A negative d makes the constructor
// return ErrInvalidOption. VerifyIgnoringTimestamp ignores the tolerance.
func WithTolerance(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.setErr(errNegativeTol)
			return
		}
		c.tolerance = d
	}
}

// WithClock sets the clock that Verify compares timestamps with; the default
// is the system's wall clock, the one time.Now reads. It is read once per
// Verify call, to the whole second (the fraction is dropped, as the official
// JavaScript library does).
//
// It exists for tests and for replaying stored messages; a clock that can be
// set by whoever sends the request defeats the replay protection. A nil
// function makes the constructor return ErrInvalidOption.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.setErr(errNilClock)
			return
		}
		c.now = now
	}
}

// unixNow reads the clock, in whole seconds.
func (c *config) unixNow() int64 {
	if c.now != nil {
		return c.now().Unix()
	}
	return wallSeconds()
}

// toleranceSeconds is the tolerance in whole seconds: timestamps are whole
// seconds, so now-ts > d holds exactly when now-ts > floor(d/1s).
func (c config) toleranceSeconds() int64 { return int64(c.tolerance / time.Second) }

func (c *config) setErr(err error) {
	if c.err == nil {
		c.err = err
	}
}

func newConfig(opts []Option) (config, error) {
	c := config{tolerance: DefaultTolerance}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	return c, c.err
}
