package stackwebhook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Verify's default clock reads the seconds time.Now reads, on every
// platform (through gettimeofday on linux/amd64).
func TestWallSecondsIsTimeNows(t *testing.T) {
	for range 1000 {
		before := time.Now().Unix()
		got := wallSeconds()
		after := time.Now().Unix()
		if !assert.True(t, before <= got && got <= after, "%d not in [%d, %d]", got, before, after) {
			return
		}
	}
}
