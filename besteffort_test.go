package stackwebhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What ParseEvent accepts, ParseEventBestEffort decodes the same, with no
// departure: every current and older payload.
func TestBestEffortAgreesOnValidPayloads(t *testing.T) {
	for _, dir := range []string{"current", "older"} {
		for name, body := range readPayloads(t, dir) {
			strict, err := ParseEvent(body)
			require.NoError(t, err, name)
			ev, departures, err := ParseEventBestEffort(body)
			require.NoError(t, err, name)
			assert.Empty(t, departures, name)
			assert.Equal(t, strict, ev, name)
		}
	}
}

// Every malformed body of the corpus: ParseEventBestEffort either refuses
// it as ParseEvent does (the envelope is unusable), or reports ParseEvent's
// error as its first departure (after any unexpected keys, which ParseEvent
// ignores), with more after it where there are more.
func TestBestEffortReportsWhatParseEventRefuses(t *testing.T) {
	drifted := 0
	for _, c := range readMalformed(t) {
		_, strictErr := ParseEvent(c.body)
		ev, departures, err := ParseEventBestEffort(c.body)
		if c.OK {
			assert.NoError(t, err, c.Name)
			continue
		}
		var pe *PayloadError
		require.True(t, errors.As(strictErr, &pe), c.Name)
		if err != nil {
			assert.Equal(t, strictErr, err, "%s: an unusable envelope is refused alike", c.Name)
			assert.True(t, pe.Path == "" || pe.Path == "type" || pe.Path == "data", "%s: refused at %q", c.Name, pe.Path)
			continue
		}
		drifted++
		for len(departures) > 0 && departures[0].Problem == ProblemUnexpectedKey {
			departures = departures[1:]
		}
		require.NotEmpty(t, departures, c.Name)
		assert.Equal(t, pe, departures[0], c.Name)
		assert.NotNil(t, ev, c.Name)
	}
	assert.Greater(t, drifted, 20)
}

func TestBestEffortDrift(t *testing.T) {
	var env map[string]any
	require.NoError(t, json.Unmarshal(readPayloads(t, "current")["user.updated-oauth-and-team.json"], &env))
	data := env["data"].(map[string]any)
	delete(data, "display_name")                     // a key removed
	data["primary_email_verified"] = nil             // null where there never was one
	data["signed_up_at_millis"] = "1700000000000"    // another kind
	data["oauth_providers"].([]any)[0] = "github"    // an element of another kind
	data["selected_team"].(map[string]any)["id"] = 7 // nested
	body, err := json.Marshal(env)
	require.NoError(t, err)

	_, err = ParseEvent(body)
	require.ErrorIs(t, err, ErrInvalidPayload)
	ev, departures, err := ParseEventBestEffort(body)
	require.NoError(t, err)
	u := ev.(*UserUpdated).Data
	assert.Equal(t, data["id"], u.ID, "what does not depart is decoded")
	assert.Equal(t, data["primary_email"], *u.PrimaryEmail)
	assert.Nil(t, u.DisplayName)
	assert.False(t, u.PrimaryEmailVerified)
	assert.Zero(t, u.SignedUpAtMillis)
	var paths []string
	for _, d := range departures {
		paths = append(paths, d.Path+": "+d.Problem)
	}
	assert.ElementsMatch(t, []string{
		"data.display_name: missing",
		"data.primary_email_verified: expected bool, got null",
		"data.signed_up_at_millis: expected integer, got string",
		"data.oauth_providers[0]: expected object, got string",
		"data.selected_team.id: expected string, got number",
	}, paths)

	// Without its identifying key, the event cannot be applied: unknown.
	for _, key := range []string{"id"} {
		delete(data, key)
		body, err := json.Marshal(env)
		require.NoError(t, err)
		ev, departures, err := ParseEventBestEffort(body)
		require.NoError(t, err)
		unknown, ok := ev.(*UnknownEvent)
		require.True(t, ok, "%T", ev)
		assert.Equal(t, TypeUserUpdated, unknown.Type)
		assert.Contains(t, departures, &PayloadError{Path: "data.id", Problem: "missing"})
	}
	ev, departures, err = ParseEventBestEffort([]byte(`{"type":"team_membership.created","data":{"team_id":"t","user_id":5}}`))
	require.NoError(t, err)
	assert.IsType(t, &UnknownEvent{}, ev)
	assert.True(t, strings.HasPrefix(departures[0].Path, "data.user_id"))
}

// Review L2: departures are bounded. A 1 MiB body of empty OAuth providers
// departs about a million times; the first MaxDepartures are listed, the
// others counted in one last entry, and the decoding allocates a bounded
// amount (309 MiB before the bound).
func TestBestEffortDeparturesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"user.created","data":{"oauth_providers":[{}`)
	for b.Len() < 1<<20 {
		b.WriteString(`,{}`)
	}
	b.WriteString(`],"id":"u"}}`)
	body := []byte(b.String())
	ev, departures, err := ParseEventBestEffort(body)
	require.NoError(t, err)
	require.Len(t, departures, MaxDepartures+1)
	assert.Equal(t, "data.oauth_providers[0].id", departures[0].Path)
	last := departures[MaxDepartures]
	assert.Empty(t, last.Path)
	assert.Regexp(t, `^\d+ more departures, not listed$`, last.Problem)
	assert.Equal(t, "u", ev.(*UserCreated).Data.ID)
	if !raceEnabled {
		allocs := testing.AllocsPerRun(1, func() { _, _, _ = ParseEventBestEffort(body) })
		t.Logf("%.0f allocations for %d bytes", allocs, len(body))
		assert.Less(t, allocs, 1000.0, "what is only counted allocates nothing")
	}

	// An identifying key that departs after the list is full still makes
	// the event unknown.
	bad := append(body[:len(body)-len(`"u"}}`):len(body)-len(`"u"}}`)], `5}}`...)
	ev, departures, err = ParseEventBestEffort(bad)
	require.NoError(t, err)
	assert.IsType(t, &UnknownEvent{}, ev)
	assert.Len(t, departures, MaxDepartures+1)
}

// A key this release does not know is no error, and ParseEvent ignores it;
// ParseEventBestEffort lists it, so that a receiver sees the sender change,
// its name bounded, at any depth, with array indices in the path.
func TestBestEffortListsUnexpectedKeys(t *testing.T) {
	long := strings.Repeat("k", 1000)
	body := []byte(`{"type":"user.deleted","data":{"id":"u","colour":"red","teams":[{"id":"t"},{"id":"t2","role":"admin"}],"` + long + `":1,"\u0061dded":true}}`)
	strict, err := ParseEvent(body)
	require.NoError(t, err)
	ev, departures, err := ParseEventBestEffort(body)
	require.NoError(t, err)
	assert.Equal(t, strict, ev, "the event is complete")
	var paths []string
	for _, d := range departures {
		assert.Equal(t, ProblemUnexpectedKey, d.Problem)
		paths = append(paths, d.Path)
	}
	assert.Equal(t, []string{"data.colour", "data.teams[1].role", "data." + strings.Repeat("k", 64) + "...", "data.added"}, paths)
}
