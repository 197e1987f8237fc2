package stackwebhook

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectedType is the Go type ParseEvent must return for each event type.
var expectedType = map[string]string{
	TypeUserCreated:              "*stackwebhook.UserCreated",
	TypeUserUpdated:              "*stackwebhook.UserUpdated",
	TypeUserDeleted:              "*stackwebhook.UserDeleted",
	TypeTeamCreated:              "*stackwebhook.TeamCreated",
	TypeTeamUpdated:              "*stackwebhook.TeamUpdated",
	TypeTeamDeleted:              "*stackwebhook.TeamDeleted",
	TypeTeamMembershipCreated:    "*stackwebhook.TeamMembershipCreated",
	TypeTeamMembershipDeleted:    "*stackwebhook.TeamMembershipDeleted",
	TypeTeamPermissionCreated:    "*stackwebhook.TeamPermissionCreated",
	TypeTeamPermissionDeleted:    "*stackwebhook.TeamPermissionDeleted",
	TypeProjectPermissionCreated: "*stackwebhook.ProjectPermissionCreated",
	TypeProjectPermissionDeleted: "*stackwebhook.ProjectPermissionDeleted",
	TypeIssueCreated:             "*stackwebhook.IssueCreated",
	TypeIssueRegressed:           "*stackwebhook.IssueRegressed",
	TypeIssueResolved:            "*stackwebhook.IssueResolved",
	TypeIssueIgnored:             "*stackwebhook.IssueIgnored",
	TypeIssueMerged:              "*stackwebhook.IssueMerged",
	TypeStackTest:                "*stackwebhook.TestEvent",
}

func readPayloads(t testing.TB, dir string) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata/events", dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = b
	}
	return out
}

// dataOf returns the "data" value of a payload, decoded generically.
func dataOf(t testing.TB, payload []byte) any {
	var env struct{ Data any }
	require.NoError(t, json.Unmarshal(payload, &env))
	return env.Data
}

func TestCurrentPayloadsRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for name, payload := range readPayloads(t, "current") {
		ev, err := ParseEvent(payload)
		require.NoError(t, err, name)
		seen[ev.EventType()] = true
		var env struct{ Type string }
		require.NoError(t, json.Unmarshal(payload, &env))
		assert.Equal(t, env.Type, ev.EventType(), name)
		if want, known := expectedType[env.Type]; known {
			assert.Equal(t, want, fmt.Sprintf("%T", ev), name)
		} else {
			assert.IsType(t, &UnknownEvent{}, ev, name)
		}

		// The whole event encodes back to the payload, as JSON values.
		out, err := MarshalEvent(ev)
		require.NoError(t, err)
		assert.JSONEq(t, string(payload), string(out), name)

		// And so does Data alone: what callers store and forward.
		data, err := json.Marshal(dataField(ev))
		require.NoError(t, err)
		want, err := json.Marshal(dataOf(t, payload))
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(data), name)
	}
	for typ := range expectedType {
		assert.True(t, seen[typ], "testdata/events/current has no %s payload", typ)
	}
}

// dataField returns the Data field of any event.
func dataField(ev Event) any {
	switch e := ev.(type) {
	case *UserCreated:
		return e.Data
	case *UserUpdated:
		return e.Data
	case *UserDeleted:
		return e.Data
	case *TeamCreated:
		return e.Data
	case *TeamUpdated:
		return e.Data
	case *TeamDeleted:
		return e.Data
	case *TeamMembershipCreated:
		return e.Data
	case *TeamMembershipDeleted:
		return e.Data
	case *TeamPermissionCreated:
		return e.Data
	case *TeamPermissionDeleted:
		return e.Data
	case *ProjectPermissionCreated:
		return e.Data
	case *ProjectPermissionDeleted:
		return e.Data
	case *IssueCreated:
		return e.Data
	case *IssueRegressed:
		return e.Data
	case *IssueResolved:
		return e.Data
	case *IssueIgnored:
		return e.Data
	case *IssueMerged:
		return e.Data
	case *TestEvent:
		return e.Data
	case *UnknownEvent:
		return e.Data
	}
	panic(fmt.Sprintf("unknown event %T", ev))
}

func TestDecodedFields(t *testing.T) {
	p := readPayloads(t, "current")

	ev, err := ParseEvent(p["user.updated-oauth-and-team.json"])
	require.NoError(t, err)
	u := ev.(*UserUpdated).Data
	assert.Equal(t, "grace@example.org", *u.PrimaryEmail)
	assert.Equal(t, "Grace Hopper 🚀 — Zoë", *u.DisplayName)
	require.NotNil(t, u.SelectedTeam)
	assert.Equal(t, "Compilers, Inc.", u.SelectedTeam.DisplayName)
	assert.Equal(t, *u.SelectedTeamID, u.SelectedTeam.ID)
	assert.Equal(t, time.UnixMilli(1714000000123), u.SelectedTeam.CreatedAt())
	assert.JSONEq(t, `["a", 1, true, null]`, string(u.SelectedTeam.ClientMetadata))
	assert.JSONEq(t, `"read-only note"`, string(u.SelectedTeam.ClientReadOnlyMetadata))
	assert.JSONEq(t, `12.5`, string(u.SelectedTeam.ServerMetadata))
	assert.JSONEq(t, `["tag-1", "tag-2"]`, string(u.ClientMetadata))
	assert.JSONEq(t, `42`, string(u.ServerMetadata))
	require.Len(t, u.OAuthProviders, 2)
	assert.Equal(t, OAuthProvider{ID: "github", AccountID: "583231", Email: ptr("grace@users.noreply.github.com")}, u.OAuthProviders[0])
	assert.Nil(t, u.OAuthProviders[1].Email)
	assert.Equal(t, time.Date(2025, 11, 27, 0, 0, 0, 123e6, time.UTC), u.SignedUpAt().UTC())
	assert.Equal(t, time.Date(2025, 11, 28, 0, 0, 0, 456e6, time.UTC), u.LastActiveAt().UTC())
	assert.True(t, u.OTPAuthEnabled && u.PasskeyAuthEnabled && u.RequiresTOTPMFA)
	assert.Equal(t, "US", *u.CountryCode)

	ev, err = ParseEvent(p["user.created-anonymous.json"])
	require.NoError(t, err)
	a := ev.(*UserCreated).Data
	assert.True(t, a.IsAnonymous)
	assert.True(t, a.IsRestricted)
	assert.Equal(t, &RestrictedReason{Type: RestrictedAnonymous}, a.RestrictedReason)
	assert.Nil(t, a.PrimaryEmail)
	assert.Nil(t, a.SelectedTeam)
	assert.Equal(t, RawMessage("null"), a.ClientMetadata, "null metadata stays null, not absent")
	assert.NotNil(t, a.OAuthProviders, "an empty array stays empty, not null")

	ev, err = ParseEvent(p["user.updated-restricted-by-admin.json"])
	require.NoError(t, err)
	r := ev.(*UserUpdated).Data
	assert.Equal(t, RestrictedRestrictedByAdministrator, r.RestrictedReason.Type)
	assert.Equal(t, "Your account is under review.", *r.RestrictedByAdminReason)

	ev, err = ParseEvent(p["user.created-email-not-verified.json"])
	require.NoError(t, err)
	assert.Equal(t, SignUpRiskScores{Bot: 87, FreeTrialAbuse: 42}, ev.(*UserCreated).Data.RiskScores.SignUp)
	assert.Equal(t, RestrictedEmailNotVerified, ev.(*UserCreated).Data.RestrictedReason.Type)

	ev, err = ParseEvent(p["team_permission.created.json"])
	require.NoError(t, err)
	assert.Equal(t, PermissionReadMembers, ev.(*TeamPermissionCreated).Data.ID)

	ev, err = ParseEvent(p["stack.test.json"])
	require.NoError(t, err)
	assert.Equal(t, "https://hooks.example.com/stack", ev.(*TestEvent).Data.EndpointURL)

	ev, err = ParseEvent(p["unknown.session-created.json"])
	require.NoError(t, err)
	assert.Equal(t, "session.created", ev.EventType())
	assert.JSONEq(t, `{"id": "sess_1", "user_id": "3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e", "ip": "203.0.113.9"}`, string(ev.(*UnknownEvent).Data))
}

func ptr[T any](v T) *T { return &v }

func TestOlderPayloads(t *testing.T) {
	p := readPayloads(t, "older")

	ev, err := ParseEvent(p["user.created-2024-07-13-keys.json"])
	require.NoError(t, err)
	u := ev.(*UserCreated).Data
	assert.Equal(t, "3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e", u.ID)
	assert.False(t, u.IsAnonymous)
	assert.Zero(t, u.LastActiveAtMillis)
	assert.Nil(t, u.ClientReadOnlyMetadata, "absent, not null")
	assert.Equal(t, RawMessage("null"), u.ClientMetadata)
	require.NotNil(t, u.SelectedTeam)
	assert.Nil(t, u.SelectedTeam.ServerMetadata)

	ev, err = ParseEvent(p["user.updated-2025-02-19-keys.json"])
	require.NoError(t, err)
	assert.True(t, ev.(*UserUpdated).Data.PrimaryEmailAuthEnabled)
	assert.Nil(t, ev.(*UserUpdated).Data.CountryCode)

	ev, err = ParseEvent(p["user.deleted-2024-07.json"])
	require.NoError(t, err)
	assert.Nil(t, ev.(*UserDeleted).Data.Teams)

	ev, err = ParseEvent(p["team.created-2024-07.json"])
	require.NoError(t, err)
	assert.Equal(t, "Old Team", ev.(*TeamCreated).Data.DisplayName)
}

// malformedCase is a body of testdata/events/malformed.json with the JSON
// path and problem expected of it, or OK for an edge case that must decode.
type malformedCase struct {
	Name, Path, Problem string
	OK                  bool
	body                []byte
}

func readMalformed(t *testing.T) []malformedCase {
	data, err := os.ReadFile("testdata/events/malformed.json")
	require.NoError(t, err)
	var corpus struct {
		Cases []struct {
			malformedCase
			Body    string
			BodyB64 string `json:"body_b64"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &corpus))
	out := make([]malformedCase, 0, len(corpus.Cases))
	for _, c := range corpus.Cases {
		c.body = []byte(c.Body)
		if c.BodyB64 != "" {
			c.body, err = base64.StdEncoding.DecodeString(c.BodyB64)
			require.NoError(t, err)
		}
		out = append(out, c.malformedCase)
	}
	require.NotEmpty(t, out)
	return out
}

func TestMalformedPayloads(t *testing.T) {
	malformed := 0
	for _, c := range readMalformed(t) {
		ev, err := ParseEvent(c.body)
		if c.OK {
			assert.NoError(t, err, c.Name)
			assert.NotNil(t, ev, c.Name)
			continue
		}
		malformed++
		assert.Nil(t, ev, c.Name)
		require.ErrorIs(t, err, ErrInvalidPayload, c.Name)
		var pe *PayloadError
		require.True(t, errors.As(err, &pe), c.Name)
		assert.Equal(t, c.Path, pe.Path, c.Name)
		assert.Equal(t, c.Problem, pe.Problem, c.Name)
		verdictOf(t, err)
	}
	assert.GreaterOrEqual(t, malformed, 30)
}

func TestPayloadErrorMessage(t *testing.T) {
	_, err := ParseEvent([]byte(`{"type":"team.created","data":{"id":"t","display_name":null,"profile_image_url":null,"created_at_millis":1}}`))
	assert.EqualError(t, err, "stackwebhook: invalid payload: data.display_name: expected string, got null")
}

func TestDeepNesting(t *testing.T) {
	for _, depth := range []int{5000, 200_000} {
		body := `{"type":"team.updated","data":{"id":"t","display_name":"T","profile_image_url":null,"created_at_millis":1,"server_metadata":` +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}`
		ev, err := ParseEvent([]byte(body))
		if depth > 10000 { // encoding/json's nesting limit
			assert.ErrorIs(t, err, ErrInvalidPayload)
			continue
		}
		require.NoError(t, err)
		assert.Len(t, ev.(*TeamUpdated).Data.ServerMetadata, 2*depth)
	}
}

// referenceRow is one key of a table in testdata/events/stack-events.md, a
// copy of shared/reference/stack-events.md: the source these tests take
// required, nullable and kind from, independently of schema.go.
type referenceRow struct {
	key, kind string
	nullable  bool
	since     string
}

// referenceTable reads the table under the heading that starts with heading.
func referenceTable(t *testing.T, heading string) []referenceRow {
	f, err := os.Open("testdata/events/stack-events.md")
	require.NoError(t, err)
	defer f.Close()
	// The Issue table has no "since" column: every key shipped with the events.
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| ([^|]+) \\| (null|no) \\|(?: ([0-9-]+) \\|)?$")
	var rows []referenceRow
	in := false
	for s := bufio.NewScanner(f); s.Scan(); {
		line := s.Text()
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## "+heading)
			continue
		}
		if m := row.FindStringSubmatch(line); in && m != nil {
			rows = append(rows, referenceRow{key: m[1], kind: kindOfReference(m[2]), nullable: m[3] == "null", since: m[4]})
		}
	}
	require.NotEmpty(t, rows, heading)
	return rows
}

func kindOfReference(text string) string {
	switch {
	case strings.HasPrefix(text, "string"):
		return "string"
	case strings.HasPrefix(text, "bool"):
		return "bool"
	case strings.HasPrefix(text, "integer"):
		return "integer"
	case strings.HasPrefix(text, "JSON"):
		return "JSON"
	case strings.HasPrefix(text, "array"):
		return "array"
	case strings.HasPrefix(text, "`") && !strings.HasPrefix(text, "`{"):
		return "string" // one of the values listed: `unresolved`, `resolved` or `ignored`
	}
	return "object" // Team, `{type}`, `{sign_up: ...}`
}

// wrongValue is a JSON value of another kind than kind.
func wrongValue(kind string) (value any, got string) {
	if kind == "string" {
		return 12345, "number"
	}
	return "text", "string"
}

// TestEveryReferenceKey checks, for every key of the User and Team tables,
// that ParseEvent refuses it missing (only if Stack sent it from the start),
// null (only if the reference says it cannot be), and of the wrong kind.
func TestEveryReferenceKey(t *testing.T) {
	base := readPayloads(t, "current")
	for _, tc := range []struct {
		table, file, path string
		at                func(data map[string]any) map[string]any
	}{
		{"User", "user.updated-oauth-and-team.json", "data", func(d map[string]any) map[string]any { return d }},
		{"Issue", "issue.created.json", "data", func(d map[string]any) map[string]any { return d }},
		{"Team", "team.updated.json", "data", func(d map[string]any) map[string]any { return d }},
		{"Team", "user.updated-oauth-and-team.json", "data.selected_team", func(d map[string]any) map[string]any {
			return d["selected_team"].(map[string]any)
		}},
	} {
		rows := referenceTable(t, tc.table)
		first := rows[0].since // the table's first key shipped with the event
		for _, row := range rows {
			first = min(first, row.since)
		}
		for _, row := range rows {
			path := tc.path + "." + row.key
			try := func(change func(obj map[string]any)) error {
				var payload map[string]any
				require.NoError(t, json.Unmarshal(base[tc.file], &payload))
				change(tc.at(payload["data"].(map[string]any)))
				body, err := json.Marshal(payload)
				require.NoError(t, err)
				_, err = ParseEvent(body)
				return err
			}
			expectProblem := func(err error, problem string) {
				var pe *PayloadError
				if assert.True(t, errors.As(err, &pe), "%s: %s", path, problem) {
					assert.Equal(t, path, pe.Path)
					assert.Equal(t, problem, pe.Problem)
				}
			}

			err := try(func(obj map[string]any) { delete(obj, row.key) })
			if row.since == first {
				expectProblem(err, "missing")
			} else {
				assert.NoError(t, err, "%s (since %s) may be absent", path, row.since)
			}

			err = try(func(obj map[string]any) { obj[row.key] = nil })
			if row.nullable {
				assert.NoError(t, err, "%s may be null", path)
			} else {
				expectProblem(err, "expected "+row.kind+", got null")
			}

			if row.kind != "JSON" {
				v, got := wrongValue(row.kind)
				err = try(func(obj map[string]any) { obj[row.key] = v })
				expectProblem(err, "expected "+row.kind+", got "+got)
			}
		}
	}
}

// The small events, from the reference's prose: every key required, never null.
func TestSmallEventKeys(t *testing.T) {
	for typ, keys := range map[string][]string{
		TypeUserDeleted:              {"id"},
		TypeTeamDeleted:              {"id"},
		TypeTeamMembershipCreated:    {"team_id", "user_id"},
		TypeTeamMembershipDeleted:    {"team_id", "user_id"},
		TypeTeamPermissionCreated:    {"id", "user_id", "team_id"},
		TypeTeamPermissionDeleted:    {"id", "user_id", "team_id"},
		TypeProjectPermissionCreated: {"id", "user_id"},
		TypeProjectPermissionDeleted: {"id", "user_id"},
		TypeStackTest:                {"message", "endpointUrl"},
	} {
		for _, key := range keys {
			for _, tc := range []struct {
				value   string
				problem string
			}{{"", "missing"}, {"null", "expected string, got null"}, {"7", "expected string, got number"}} {
				fields := []string{}
				for _, k := range keys {
					switch {
					case k != key:
						fields = append(fields, fmt.Sprintf("%q:%q", k, "v"))
					case tc.value != "":
						fields = append(fields, fmt.Sprintf("%q:%s", k, tc.value))
					}
				}
				body := fmt.Sprintf(`{"type":%q,"data":{%s}}`, typ, strings.Join(fields, ","))
				_, err := ParseEvent([]byte(body))
				var pe *PayloadError
				require.True(t, errors.As(err, &pe), body)
				assert.Equal(t, "data."+key, pe.Path, body)
				assert.Equal(t, tc.problem, pe.Problem, body)
			}
		}
	}
}

func TestVerifyEvent(t *testing.T) {
	for _, c := range loadVectors(t) {
		if !strings.HasPrefix(c.Kind, "event_") && c.Kind != "valid" {
			continue
		}
		wh, err := NewWebhook(c.Secret, WithClock(func() time.Time { return time.UnixMilli(c.NowMs) }))
		require.NoError(t, err)
		h := http.Header{}
		for k, v := range c.Headers {
			h.Set(k, v)
		}
		body := mustBase64(c.Body)
		ev, err := wh.VerifyEvent(body, h)
		direct, parseErr := ParseEvent(body)
		if parseErr != nil {
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, ErrInvalidPayload, c.Name) // signed, but not a Stack payload
			continue
		}
		require.NoError(t, err, c.Name)
		assert.Equal(t, direct, ev)
		if strings.HasPrefix(c.Kind, "event_") {
			assert.NotEqual(t, "", ev.EventType())
		}
		// A tampered body fails verification before any parsing.
		_, err = wh.VerifyEvent(append(body, ' '), h)
		assert.ErrorIs(t, err, ErrNoMatchingSignature)
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, p := range readPayloads(f, "current") {
		f.Add(p)
	}
	for _, p := range readPayloads(f, "older") {
		f.Add(p)
	}
	f.Add([]byte(`{"type":"user.deleted","data":{"id":"u","teams":[{"id":"t"}]}}`))
	f.Add([]byte(`{"t\u0079pe":"x","data":{}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := ParseEvent(payload)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPayload)
			require.Nil(t, ev)
			return
		}
		// Whatever decodes encodes, as encoding/json encodes it, and what it
		// encodes decodes to the same event.
		out, err := MarshalEvent(ev)
		require.NoError(t, err)
		require.Equal(t, referenceMarshal(t, ev), string(out))
		again, err := ParseEvent(out)
		require.NoError(t, err, "%s", out)
		require.Equal(t, ev.EventType(), again.EventType())
	})
}

// encoding/json matches keys case-insensitively; Stack's keys are exact, so
// a key that differs only in case is an unknown key and must change nothing.
func TestKeysDifferingInCaseAreUnknown(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"type":"team.deleted","data":{"id":"t","ID":5,"Id":"wrong"}}`))
	require.NoError(t, err)
	assert.Equal(t, "t", ev.(*TeamDeleted).Data.ID)

	var payload map[string]any
	require.NoError(t, json.Unmarshal(readPayloads(t, "current")["user.updated-oauth-and-team.json"], &payload))
	data := payload["data"].(map[string]any)
	data["Display_Name"] = 5
	data["selected_team"].(map[string]any)["DISPLAY_NAME"] = false
	data["oauth_providers"].([]any)[1].(map[string]any)["Email"] = "x@example.com"
	body, err := json.Marshal(payload)
	require.NoError(t, err)
	ev, err = ParseEvent(body)
	require.NoError(t, err)
	u := ev.(*UserUpdated).Data
	assert.Equal(t, "Grace Hopper 🚀 — Zoë", *u.DisplayName)
	assert.Equal(t, "Compilers, Inc.", u.SelectedTeam.DisplayName)
	assert.Nil(t, u.OAuthProviders[1].Email)
}

// Found by FuzzParseEvent (testdata/fuzz/FuzzParseEvent/37cba630319cebfa):
// an event type with invalid UTF-8 must decode as encoding/json decodes it
// (U+FFFD), or a re-encoded event would change type.
func TestRegressionInvalidUTF8EventType(t *testing.T) {
	ev, err := ParseEvent([]byte("{\"type\":\"\xcd\",\"data\":{}}"))
	require.NoError(t, err)
	assert.Equal(t, "\uFFFD", ev.EventType())
	out, err := MarshalEvent(ev)
	require.NoError(t, err)
	again, err := ParseEvent(out)
	require.NoError(t, err)
	assert.Equal(t, ev.EventType(), again.EventType())
}

// Events built by hand with zero values (as tests and stackwebhooktest build
// them) encode with every key Stack sends today: each key of the reference's
// User and Team tables, and user.deleted's teams as [].
func TestMarshalZeroEventsAsStackSends(t *testing.T) {
	keysOf := func(ev Event) map[string]any {
		body, err := MarshalEvent(ev)
		require.NoError(t, err)
		_, err = ParseEvent(body)
		require.NoError(t, err, "%s", body)
		var env struct{ Data map[string]any }
		require.NoError(t, json.Unmarshal(body, &env))
		return env.Data
	}
	for _, tc := range []struct {
		table string
		ev    Event
	}{
		{"User", &UserCreated{Data: User{ID: "u1"}}},
		{"User", &UserUpdated{Data: User{ID: "u1"}}},
		{"Team", &TeamCreated{Data: Team{ID: "t1"}}},
		{"Team", &TeamUpdated{Data: Team{ID: "t1"}}},
	} {
		data := keysOf(tc.ev)
		for _, row := range referenceTable(t, tc.table) {
			assert.Contains(t, data, row.key, "%s: %s", tc.ev.EventType(), row.key)
		}
	}
	selected := keysOf(&UserCreated{Data: User{ID: "u1", SelectedTeam: &Team{ID: "t1"}}})["selected_team"].(map[string]any)
	for _, row := range referenceTable(t, "Team") {
		assert.Contains(t, selected, row.key, "selected_team.%s", row.key)
	}
	assert.Equal(t, []any{}, keysOf(&UserDeleted{Data: DeletedUser{ID: "u1"}})["teams"])
}

// Stack's schema declares oauth_providers[].email nullable and optional: an
// absent email decodes as nil.
func TestOAuthProviderWithoutEmail(t *testing.T) {
	var env map[string]any
	require.NoError(t, json.Unmarshal(readPayloads(t, "current")["user.updated-oauth-and-team.json"], &env))
	providers := env["data"].(map[string]any)["oauth_providers"].([]any)
	require.NotEmpty(t, providers)
	delete(providers[0].(map[string]any), "email")
	body, err := json.Marshal(env)
	require.NoError(t, err)
	ev, err := ParseEvent(body)
	require.NoError(t, err)
	assert.Nil(t, ev.(*UserUpdated).Data.OAuthProviders[0].Email)
	delete(providers[0].(map[string]any), "account_id")
	body, err = json.Marshal(env)
	require.NoError(t, err)
	_, err = ParseEvent(body)
	var pe *PayloadError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "data.oauth_providers[0].account_id", pe.Path)
}

// Svix's "send example" body, {"success": true} with no "type" (the
// reference's account of what Svix sends), decodes as a *SvixPing; an
// object with a "type" or "data", or a "success" that is not a boolean, is
// no ping.
func TestSvixPing(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"success": true}`))
	require.NoError(t, err)
	assert.Equal(t, &SvixPing{Success: true}, ev)
	assert.Equal(t, "svix.ping", ev.EventType())
	ev, departures, err := ParseEventBestEffort([]byte(`{"success": true}`))
	require.NoError(t, err)
	assert.Empty(t, departures)
	assert.Equal(t, &SvixPing{Success: true}, ev)
	body, err := MarshalEvent(ev)
	require.NoError(t, err)
	assert.JSONEq(t, `{"success": true}`, string(body))

	for _, notPing := range []string{`{}`, `{"success": "yes"}`, `{"success": null}`, `{"success": true, "data": {}}`} {
		_, err := ParseEvent([]byte(notPing))
		assert.ErrorIs(t, err, ErrInvalidPayload, notPing)
	}
	ev, err = ParseEvent([]byte(`{"success": true, "type": "team.deleted", "data": {"id": "t"}}`))
	require.NoError(t, err)
	assert.IsType(t, &TeamDeleted{}, ev)

	wh, err := NewWebhook(pubSecret, at(1700000000, 0))
	require.NoError(t, err)
	sig, err := wh.Sign("msg_ping", time.Unix(1700000000, 0), []byte(`{"success": true}`))
	require.NoError(t, err)
	ev, err = wh.VerifyEvent([]byte(`{"success": true}`), svixSet("msg_ping", "1700000000", sig))
	require.NoError(t, err)
	assert.IsType(t, &SvixPing{}, ev)
}
