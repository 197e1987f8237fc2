package bench

import (
	stdjson "encoding/json"
	"reflect"
	"testing"

	"github.com/stackwebhook/stackwebhook"
)

// The peers decode into these mirrors of the event structs that hold
// metadata: the same fields, tags and layout, with encoding/json's
// RawMessage where the library has its own stackwebhook.RawMessage. Given
// the library's type, a peer decodes metadata through its UnmarshalJSON
// method, which goccy/go-json v0.12.0 does more slowly than its
// json.RawMessage path (team.updated: about 890 ns against 780 ns on this
// project's machine): the comparison would flatter ParseEvent.
// TestPeerTypesMirror keeps the mirrors exact.

type peerTeam struct {
	ID                     string             `json:"id"`
	DisplayName            string             `json:"display_name"`
	ProfileImageURL        *string            `json:"profile_image_url"`
	CreatedAtMillis        int64              `json:"created_at_millis"`
	ClientMetadata         stdjson.RawMessage `json:"client_metadata"`
	ClientReadOnlyMetadata stdjson.RawMessage `json:"client_read_only_metadata"`
	ServerMetadata         stdjson.RawMessage `json:"server_metadata"`
}

type peerUser struct {
	ID                              string                              `json:"id"`
	PrimaryEmail                    *string                             `json:"primary_email"`
	PrimaryEmailVerified            bool                                `json:"primary_email_verified"`
	PrimaryEmailAuthEnabled         bool                                `json:"primary_email_auth_enabled"`
	DisplayName                     *string                             `json:"display_name"`
	SelectedTeam                    *peerTeam                           `json:"selected_team"`
	SelectedTeamID                  *string                             `json:"selected_team_id"`
	ProfileImageURL                 *string                             `json:"profile_image_url"`
	SignedUpAtMillis                int64                               `json:"signed_up_at_millis"`
	HasPassword                     bool                                `json:"has_password"`
	OTPAuthEnabled                  bool                                `json:"otp_auth_enabled"`
	PasskeyAuthEnabled              bool                                `json:"passkey_auth_enabled"`
	ClientMetadata                  stdjson.RawMessage                  `json:"client_metadata"`
	ClientReadOnlyMetadata          stdjson.RawMessage                  `json:"client_read_only_metadata"`
	ServerMetadata                  stdjson.RawMessage                  `json:"server_metadata"`
	LastActiveAtMillis              int64                               `json:"last_active_at_millis"`
	IsAnonymous                     bool                                `json:"is_anonymous"`
	IsRestricted                    bool                                `json:"is_restricted"`
	RestrictedReason                *stackwebhook.RestrictedReason      `json:"restricted_reason"`
	RestrictedByAdmin               bool                                `json:"restricted_by_admin"`
	RestrictedByAdminReason         *string                             `json:"restricted_by_admin_reason"`
	RestrictedByAdminPrivateDetails *string                             `json:"restricted_by_admin_private_details"`
	CountryCode                     *string                             `json:"country_code"`
	RiskScores                      stackwebhook.RiskScores             `json:"risk_scores"`
	OAuthProviders                  []stackwebhook.OAuthProvider        `json:"oauth_providers"`
	ExternalAuthProviders           []stackwebhook.ExternalAuthProvider `json:"external_auth_providers"`
	AuthWithEmail                   bool                                `json:"auth_with_email"`
	RequiresTOTPMFA                 bool                                `json:"requires_totp_mfa"`
}

type peerTeamEvent struct {
	Data peerTeam `json:"data"`
}

type peerUserEvent struct {
	Data peerUser `json:"data"`
}

// peerTypes maps each event struct with metadata to its mirror.
var peerTypes = map[reflect.Type]reflect.Type{
	reflect.TypeFor[stackwebhook.UserCreated](): reflect.TypeFor[peerUserEvent](),
	reflect.TypeFor[stackwebhook.UserUpdated](): reflect.TypeFor[peerUserEvent](),
	reflect.TypeFor[stackwebhook.TeamCreated](): reflect.TypeFor[peerTeamEvent](),
	reflect.TypeFor[stackwebhook.TeamUpdated](): reflect.TypeFor[peerTeamEvent](),
}

// peerNew returns a pointer to a new value for a peer to decode an event
// of type t (an event struct) into: its mirror, or t itself.
func peerNew(t reflect.Type) any {
	if m, ok := peerTypes[t]; ok {
		return reflect.New(m).Interface()
	}
	return reflect.New(t).Interface()
}

// asEvent reads what a peer decoded (a pointer from peerNew(t)) as the
// event of type t: a mirror has t's layout.
func asEvent(v any, t reflect.Type) stackwebhook.Event {
	return reflect.NewAt(t, reflect.ValueOf(v).UnsafePointer()).Interface().(stackwebhook.Event)
}

func TestPeerTypesMirror(t *testing.T) {
	raw, stdRaw := reflect.TypeFor[stackwebhook.RawMessage](), reflect.TypeFor[stdjson.RawMessage]()
	var same func(path string, ours, mirror reflect.Type)
	same = func(path string, ours, mirror reflect.Type) {
		switch {
		case ours == mirror, ours == raw && mirror == stdRaw:
			return
		case ours.Kind() == reflect.Pointer && mirror.Kind() == reflect.Pointer:
			same(path, ours.Elem(), mirror.Elem())
			return
		case ours.Kind() != reflect.Struct || mirror.Kind() != reflect.Struct:
			t.Errorf("%s: %v against %v", path, ours, mirror)
			return
		}
		if ours.NumField() != mirror.NumField() || ours.Size() != mirror.Size() {
			t.Errorf("%s: %d fields of %d bytes against %d of %d", path, ours.NumField(), ours.Size(), mirror.NumField(), mirror.Size())
			return
		}
		for i := range ours.NumField() {
			a, b := ours.Field(i), mirror.Field(i)
			if a.Name != b.Name || a.Tag != b.Tag || a.Offset != b.Offset {
				t.Errorf("%s: field %d is %s %q at %d against %s %q at %d", path, i, a.Name, a.Tag, a.Offset, b.Name, b.Tag, b.Offset)
			}
			same(path+"."+a.Name, a.Type, b.Type)
		}
	}
	for ours, mirror := range peerTypes {
		same(ours.Name(), ours, mirror)
	}
}
