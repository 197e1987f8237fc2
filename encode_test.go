package stackwebhook

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceMarshal is MarshalEvent's specification: encoding/json's Marshal
// of the same struct, {"type":...,"data":...}, with a nil
// User.OAuthProviders, User.ExternalAuthProviders or DeletedUser.Teams as [].
func referenceMarshal(t testing.TB, ev Event) string {
	if p, ok := ev.(*SvixPing); ok {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		return string(b)
	}
	type plainUser User // without User's MarshalJSON, which is MarshalEvent's encoder
	type plainDeletedUser DeletedUser
	data := dataField(ev)
	switch d := data.(type) {
	case User:
		if d.OAuthProviders == nil {
			d.OAuthProviders = []OAuthProvider{}
		}
		if d.ExternalAuthProviders == nil {
			d.ExternalAuthProviders = []ExternalAuthProvider{}
		}
		data = plainUser(d)
	case DeletedUser:
		if d.Teams == nil {
			d.Teams = []DeletedUserTeam{}
		}
		data = plainDeletedUser(d)
	}
	b, err := json.Marshal(struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}{ev.EventType(), data})
	require.NoError(t, err)
	return string(b)
}

// awkward holds what encoding/json escapes in strings: HTML's <, > and &,
// the two line separators JavaScript refuses, control bytes, invalid UTF-8
// (which becomes \ufffd), and what it leaves alone (DEL, other non-ASCII).
var awkward = []string{
	"", "plain", `<script>&amp;</script>`, "quote \" back \\ slash /",
	"\b\f\n\r\t\x00\x01\x1f\x7f", "line\u2028para\u2029", "bad \xff\xfe utf8 \xe2\x80", "Zoë 🚀 — \u2027\u202a",
}

func TestMarshalEventIsEncodingJSONs(t *testing.T) {
	for _, dir := range []string{"current", "older"} {
		for name, payload := range readPayloads(t, dir) {
			ev, _, err := ParseEventBestEffort(payload)
			require.NoError(t, err, name)
			out, err := MarshalEvent(ev)
			require.NoError(t, err, name)
			assert.Equal(t, referenceMarshal(t, ev), string(out), name)
		}
	}

	ptr := func(s string) *string { return &s }
	for _, s := range awkward {
		quoted, err := json.Marshal(s)
		require.NoError(t, err)
		metadata := RawMessage(" { \"k\" : [ \"" + `<\"&\u2028` + "\u2028 \u2029\" , 1.5e3 , null ] } ")
		for _, ev := range []Event{
			&UserCreated{Data: User{ID: s, PrimaryEmail: ptr(s), DisplayName: ptr(s), ClientMetadata: metadata,
				SelectedTeam:     &Team{ID: s, DisplayName: s, ServerMetadata: quoted},
				RestrictedReason: &RestrictedReason{Type: s}, SignedUpAtMillis: -1 << 63, LastActiveAtMillis: 1<<63 - 1,
				RiskScores:     RiskScores{SignUp: SignUpRiskScores{Bot: -7, FreeTrialAbuse: 100}},
				OAuthProviders: []OAuthProvider{{ID: s, AccountID: s, Email: ptr(s)}, {}}}},
			&UserUpdated{Data: User{ID: s, OAuthProviders: []OAuthProvider{}}},
			&UserDeleted{Data: DeletedUser{ID: s, Teams: []DeletedUserTeam{{ID: s}, {ID: "t"}}}},
			&UserDeleted{Data: DeletedUser{ID: s}},
			&TeamUpdated{Data: Team{ID: s, DisplayName: s, ProfileImageURL: ptr(s), ClientReadOnlyMetadata: RawMessage("\t[ ]\n")}},
			&TeamDeleted{Data: DeletedTeam{ID: s}},
			&TeamMembershipDeleted{Data: TeamMembership{TeamID: s, UserID: s + "u"}},
			&TeamPermissionCreated{Data: TeamPermission{ID: s, UserID: "u", TeamID: "t"}},
			&ProjectPermissionDeleted{Data: ProjectPermission{ID: s, UserID: "u"}},
			&TestEvent{Data: TestEventData{Message: s, EndpointURL: s}},
			&UnknownEvent{Type: s, Data: metadata},
			&UnknownEvent{Type: s},
			&SvixPing{Success: s == ""},
		} {
			out, err := MarshalEvent(ev)
			require.NoError(t, err, "%q", s)
			assert.Equal(t, referenceMarshal(t, ev), string(out), "%T %q", ev, s)
		}
	}
}

// A User or DeletedUser marshals alone as within MarshalEvent.
func TestMarshalUserAsEncodingJSON(t *testing.T) {
	u := User{ID: "<u>", ClientMetadata: RawMessage(`{ "a": "&" }`)}
	b, err := json.Marshal(u)
	require.NoError(t, err)
	type plainUser User
	u.OAuthProviders = []OAuthProvider{}
	u.ExternalAuthProviders = []ExternalAuthProvider{}
	want, err := json.Marshal(plainUser(u))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(b))

	b, err = json.Marshal(DeletedUser{ID: "u"})
	require.NoError(t, err)
	type plainDeletedUser DeletedUser
	want, err = json.Marshal(plainDeletedUser{ID: "u", Teams: []DeletedUserTeam{}})
	require.NoError(t, err)
	assert.Equal(t, string(want), string(b))
}

func TestMarshalEventRefuses(t *testing.T) {
	for _, ev := range []Event{nil, (*UserCreated)(nil), (*UnknownEvent)(nil), (*SvixPing)(nil), (*TeamDeleted)(nil), foreignEvent{}} {
		_, err := MarshalEvent(ev)
		assert.ErrorIs(t, err, ErrInvalidPayload, "%T", ev)
	}
	for _, ev := range []Event{
		&UnknownEvent{Type: "x", Data: RawMessage(`{`)},
		&TeamCreated{Data: Team{ID: "t", ServerMetadata: RawMessage(`{"a":1} x`)}},
		&UserCreated{Data: User{SelectedTeam: &Team{ClientMetadata: RawMessage{}}}},
	} {
		_, err := MarshalEvent(ev)
		var pe *PayloadError
		require.ErrorAs(t, err, &pe, "%T", ev)
		assert.Contains(t, pe.Problem, "not valid JSON")
		if runtime.Compiler != "tinygo" { // whose encoding/json panics here: wasm has no recover
			_, err = json.Marshal(dataField(ev))
			assert.Error(t, err, "encoding/json refuses it too")
		}
	}
}

type foreignEvent struct{}

func (foreignEvent) EventType() string { return "foreign" }

// RawMessage behaves as encoding/json's RawMessage in both directions.
func TestRawMessageAsEncodingJSONs(t *testing.T) {
	type ours struct{ A, B RawMessage }
	type theirs struct{ A, B json.RawMessage }
	in := `{"A": [1, {"x": "<&>"}], "B": null}`
	var o ours
	var th theirs
	require.NoError(t, json.Unmarshal([]byte(in), &o))
	require.NoError(t, json.Unmarshal([]byte(in), &th))
	assert.Equal(t, string(th.A), string(o.A))
	assert.Equal(t, string(th.B), string(o.B))
	o.B, th.B = nil, nil
	a, err := json.Marshal(o)
	require.NoError(t, err)
	b, err := json.Marshal(th)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(a))
	assert.Error(t, (*RawMessage)(nil).UnmarshalJSON([]byte("1")))
}

// FuzzAppendString checks the string and raw-value encoders against
// encoding/json on any bytes.
func FuzzAppendString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Add(` { "a" : "\"<x>\u2028" , "b" : [ 1 , true ] } `)
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendString(nil, s)))
		if validJSON([]byte(s)) {
			want, err := json.Marshal(json.RawMessage(s))
			require.NoError(t, err)
			require.Equal(t, string(want), string(appendCompact(nil, []byte(s))))
		}
	})
}
