package stackwebhook

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Decimal.Int64 reads what Hexclave writes for its 64-bit counters (the
// decimal text of a Postgres bigint, past 2^53 too) and refuses anything
// else with ErrNotDecimal, never reading it as a float.
func TestDecimalInt64(t *testing.T) {
	for text, want := range map[Decimal]int64{
		"0": 0, "42": 42, "-1": -1, "9007199254740993": 9007199254740993,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64, "007": 7,
	} {
		got, err := text.Int64()
		assert.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for _, text := range []Decimal{"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "٣", "9223372036854775808", "-9223372036854775809", Decimal(strings.Repeat("9", 100))} {
		_, err := text.Int64()
		assert.ErrorIs(t, err, ErrNotDecimal, text)
		assert.LessOrEqual(t, len(err.Error()), 100, "the message quotes at most 32 bytes of the text")
	}
	_, err := Decimal("9223372036854775808").Int64()
	assert.EqualError(t, err, `stackwebhook: "9223372036854775808": outside the range of int64`)
	_, err = Decimal("1.5").Int64()
	assert.True(t, errors.Is(err, ErrNotDecimal))
	assert.EqualError(t, err, `stackwebhook: "1.5": not a decimal integer`)
}

// The counters of the issue fixtures parse, the one past 2^53 exactly.
func TestIssueCounters(t *testing.T) {
	ev, err := ParseEvent(readPayloads(t, "current")["issue.regressed.json"])
	assert.NoError(t, err)
	is := ev.(*IssueRegressed).Data
	n, err := is.TimesSeen.Int64()
	assert.NoError(t, err)
	assert.Equal(t, int64(9007199254740993), n, "not rounded as a float64 would be")
	id, err := is.ShortID.Int64()
	assert.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), id)
}

// KnownType is true for the 18 types and Svix's ping, and false for any
// other text, a type one byte away included.
func TestKnownType(t *testing.T) {
	for _, f := range knownTypes.fields {
		assert.True(t, KnownType(f.key), f.key)
		assert.False(t, KnownType(f.key+"s"), f.key)
		assert.False(t, KnownType(f.key[1:]), f.key)
	}
	assert.Len(t, knownTypes.fields, 18)
	assert.True(t, KnownType(TypeSvixPing))
	for _, t2 := range []string{"", "session.created", "issue.merge", "user.Created"} {
		assert.False(t, KnownType(t2), t2)
	}
}
