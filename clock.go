//go:build !(linux && amd64) || tinygo

package stackwebhook

import "time"

// wallSeconds reads the system's wall clock, in whole seconds: Verify's
// default clock.
func wallSeconds() int64 { return time.Now().Unix() }
