package stackwebhook

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The event types Stack Auth (now Hexclave) sends, as they appear in the payload's "type".
const (
	TypeUserCreated              = "user.created"
	TypeUserUpdated              = "user.updated"
	TypeUserDeleted              = "user.deleted"
	TypeTeamCreated              = "team.created"
	TypeTeamUpdated              = "team.updated"
	TypeTeamDeleted              = "team.deleted"
	TypeTeamMembershipCreated    = "team_membership.created"
	TypeTeamMembershipDeleted    = "team_membership.deleted"
	TypeTeamPermissionCreated    = "team_permission.created"
	TypeTeamPermissionDeleted    = "team_permission.deleted"
	TypeProjectPermissionCreated = "project_permission.created" // sent, though Stack does not document it
	TypeProjectPermissionDeleted = "project_permission.deleted" // sent, though Stack does not document it
	TypeIssueCreated             = "issue.created"              // Hexclave's error tracking: a new issue
	TypeIssueRegressed           = "issue.regressed"            // a resolved issue seen again
	TypeIssueResolved            = "issue.resolved"             // marked resolved
	TypeIssueIgnored             = "issue.ignored"              // marked ignored
	TypeIssueMerged              = "issue.merged"               // others merged into this one (the surviving issue)
	TypeStackTest                = "stack.test"                 // the dashboard's "test endpoint" button
	TypeSvixPing                 = "svix.ping"                  // Svix's "send example" body: see SvixPing
)

// Event is one decoded webhook payload. ParseEvent returns one of the
// pointer types below; type-switch on them. Any type this package does not
// know arrives as *UnknownEvent, never as an error.
type Event interface {
	// EventType is the payload's "type", such as "user.created".
	EventType() string
}

// UserCreated is user.created. Stack sends it with SelectedTeam null even
// when it creates a personal team at sign-up: that team arrives as its own
// team.created, usually first.
type UserCreated struct {
	Data User `json:"data"`
}

// UserUpdated is user.updated: the user after the update. Upgrading an
// anonymous user to a real account sends this, not a second user.created.
// Verifying or changing an email through contact channels, or linking an
// OAuth account, sends none.
type UserUpdated struct {
	Data User `json:"data"`
}

// UserDeleted is user.deleted. Stack also sends one team_membership.deleted
// per team of the user, all started concurrently with it (in no order: any
// of them may arrive first), and no permission deletions.
type UserDeleted struct {
	Data DeletedUser `json:"data"`
}

// TeamCreated is team.created. Creating a team with a creator sends no
// membership or permission events for the creator.
type TeamCreated struct {
	Data Team `json:"data"`
}

// TeamUpdated is team.updated: the team after the update.
type TeamUpdated struct {
	Data Team `json:"data"`
}

// TeamDeleted is team.deleted. It is the only event sent when a team is
// deleted: no membership or permission deletions come with it.
type TeamDeleted struct {
	Data DeletedTeam `json:"data"`
}

// TeamMembershipCreated is team_membership.created. One
// team_permission.created per default permission follows it.
type TeamMembershipCreated struct {
	Data TeamMembership `json:"data"`
}

// TeamMembershipDeleted is team_membership.deleted.
type TeamMembershipDeleted struct {
	Data TeamMembership `json:"data"`
}

// TeamPermissionCreated is team_permission.created.
type TeamPermissionCreated struct {
	Data TeamPermission `json:"data"`
}

// TeamPermissionDeleted is team_permission.deleted.
type TeamPermissionDeleted struct {
	Data TeamPermission `json:"data"`
}

// ProjectPermissionCreated is project_permission.created.
type ProjectPermissionCreated struct {
	Data ProjectPermission `json:"data"`
}

// ProjectPermissionDeleted is project_permission.deleted.
type ProjectPermissionDeleted struct {
	Data ProjectPermission `json:"data"`
}

// TestEvent is stack.test, sent by the dashboard's "test endpoint" button.
type TestEvent struct {
	Data TestEventData `json:"data"`
}

// SvixPing is the body Svix itself sends when "Send Example" is pressed in
// its App Portal (which Stack Cloud's dashboard embeds) for an event type
// without an example: {"success": true}, with no "type" and no "data",
// signed with the endpoint's secret like any message. ParseEvent returns it
// for a JSON object that has a boolean "success" and neither "type" nor
// "data". It is not a Stack event: acknowledge it and apply nothing
// (receiver.Handler answers it 204 without calling its function).
type SvixPing struct {
	Success bool `json:"success"`
}

// EventType returns "svix.ping", Svix's name for it (the body has no type).
func (*SvixPing) EventType() string { return TypeSvixPing }

// UnknownEvent is any event type this package does not know (Stack adds
// types over time). Data is the payload's "data" value, unparsed.
type UnknownEvent struct {
	Type string     `json:"type"`
	Data RawMessage `json:"data"`
}

// EventType returns TypeUserCreated.
func (*UserCreated) EventType() string { return TypeUserCreated }

// EventType returns TypeUserUpdated.
func (*UserUpdated) EventType() string { return TypeUserUpdated }

// EventType returns TypeUserDeleted.
func (*UserDeleted) EventType() string { return TypeUserDeleted }

// EventType returns TypeTeamCreated.
func (*TeamCreated) EventType() string { return TypeTeamCreated }

// EventType returns TypeTeamUpdated.
func (*TeamUpdated) EventType() string { return TypeTeamUpdated }

// EventType returns TypeTeamDeleted.
func (*TeamDeleted) EventType() string { return TypeTeamDeleted }

// EventType returns TypeTeamMembershipCreated.
func (*TeamMembershipCreated) EventType() string { return TypeTeamMembershipCreated }

// EventType returns TypeTeamMembershipDeleted.
func (*TeamMembershipDeleted) EventType() string { return TypeTeamMembershipDeleted }

// EventType returns TypeTeamPermissionCreated.
func (*TeamPermissionCreated) EventType() string { return TypeTeamPermissionCreated }

// EventType returns TypeTeamPermissionDeleted.
func (*TeamPermissionDeleted) EventType() string { return TypeTeamPermissionDeleted }

// EventType returns TypeProjectPermissionCreated.
func (*ProjectPermissionCreated) EventType() string { return TypeProjectPermissionCreated }

// EventType returns TypeProjectPermissionDeleted.
func (*ProjectPermissionDeleted) EventType() string { return TypeProjectPermissionDeleted }

// EventType returns TypeIssueCreated.
func (*IssueCreated) EventType() string { return TypeIssueCreated }

// EventType returns TypeIssueRegressed.
func (*IssueRegressed) EventType() string { return TypeIssueRegressed }

// EventType returns TypeIssueResolved.
func (*IssueResolved) EventType() string { return TypeIssueResolved }

// EventType returns TypeIssueIgnored.
func (*IssueIgnored) EventType() string { return TypeIssueIgnored }

// EventType returns TypeIssueMerged.
func (*IssueMerged) EventType() string { return TypeIssueMerged }

// EventType returns TypeStackTest.
func (*TestEvent) EventType() string { return TypeStackTest }

// EventType returns the payload's "type".
func (e *UnknownEvent) EventType() string { return e.Type }

// RawMessage is a raw JSON value, as encoding/json's RawMessage is: it
// encodes as itself (compacted), nil as null, and decodes to a copy of the
// value. Convert it freely: json.Unmarshal(u.ClientMetadata, &v) takes it
// as it is, and json.RawMessage(u.ClientMetadata) is one. It is declared
// here so that this package imports no encoding/json: a program that only
// verifies links none of it.
type RawMessage []byte

// MarshalJSON returns m, or null when m is nil.
func (m RawMessage) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	return m, nil
}

// UnmarshalJSON sets *m to a copy of data.
func (m *RawMessage) UnmarshalJSON(data []byte) error {
	if m == nil {
		return payloadError("", "RawMessage: UnmarshalJSON on a nil pointer")
	}
	*m = append((*m)[0:0], data...)
	return nil
}

// User is the data of user.created and user.updated, and what Stack's
// server-side user object holds. Pointer fields are JSON null when unset.
//
// Stack keeps these invariants: IsRestricted == (RestrictedReason != nil);
// the two RestrictedByAdmin strings are nil unless RestrictedByAdmin;
// SelectedTeamID equals SelectedTeam.ID (or both are nil); the
// PrimaryEmail booleans are false when PrimaryEmail is nil. This package
// does not enforce them.
//
// Payloads from older self-hosted Stack servers lack the keys added since
// (see the field comments); those fields are then zero, and the metadata
// fields nil.
type User struct {
	ID                   string  `json:"id"`                     // a UUID
	PrimaryEmail         *string `json:"primary_email"`          // nil: no primary email
	PrimaryEmailVerified bool    `json:"primary_email_verified"` //
	// PrimaryEmailAuthEnabled: the primary email can be used to sign in. Since 2024-10.
	PrimaryEmailAuthEnabled bool    `json:"primary_email_auth_enabled"`
	DisplayName             *string `json:"display_name"`     // at most 256 characters
	SelectedTeam            *Team   `json:"selected_team"`    // the team the user has selected
	SelectedTeamID          *string `json:"selected_team_id"` // equals SelectedTeam.ID
	ProfileImageURL         *string `json:"profile_image_url"`
	SignedUpAtMillis        int64   `json:"signed_up_at_millis"` // Unix milliseconds; see SignedUpAt
	HasPassword             bool    `json:"has_password"`
	OTPAuthEnabled          bool    `json:"otp_auth_enabled"`     // since 2024-10
	PasskeyAuthEnabled      bool    `json:"passkey_auth_enabled"` // since 2024-10
	// The three metadata fields hold the raw JSON value Stack sent: any
	// value, or null (unset metadata is null, not {}). They are nil when the
	// key was absent (client_read_only_metadata before 2024-08); nil encodes
	// as null, as Stack sends unset metadata today.
	ClientMetadata         RawMessage `json:"client_metadata"`
	ClientReadOnlyMetadata RawMessage `json:"client_read_only_metadata"` // since 2024-08
	ServerMetadata         RawMessage `json:"server_metadata"`
	LastActiveAtMillis     int64      `json:"last_active_at_millis"` // Unix milliseconds; since 2024-09
	IsAnonymous            bool       `json:"is_anonymous"`          // since 2025-03
	IsRestricted           bool       `json:"is_restricted"`         // since 2026-01
	// RestrictedReason says why the user is restricted; nil when not. Since 2026-01.
	RestrictedReason *RestrictedReason `json:"restricted_reason"`
	// RestrictedByAdmin: an administrator restricted the user. Since 2026-02.
	RestrictedByAdmin               bool            `json:"restricted_by_admin"`
	RestrictedByAdminReason         *string         `json:"restricted_by_admin_reason"`          // shown to the user; since 2026-02
	RestrictedByAdminPrivateDetails *string         `json:"restricted_by_admin_private_details"` // for administrators only; since 2026-02
	CountryCode                     *string         `json:"country_code"`                        // ISO 3166-1 alpha-2, upper case; since 2026-03
	RiskScores                      RiskScores      `json:"risk_scores"`                         // since 2026-03
	OAuthProviders                  []OAuthProvider `json:"oauth_providers"`                     // may be empty, never null
	// ExternalAuthProviders are the external auth integrations the user
	// signed in through (Hexclave, since about 2026-08; nil before). It
	// may be empty, never null.
	ExternalAuthProviders []ExternalAuthProvider `json:"external_auth_providers"`
	// AuthWithEmail is deprecated by Stack: it equals HasPassword || OTPAuthEnabled.
	AuthWithEmail bool `json:"auth_with_email"`
	// RequiresTOTPMFA is deprecated by Stack. Since 2024-08.
	RequiresTOTPMFA bool `json:"requires_totp_mfa"`
}

// MarshalJSON encodes the user as Stack does. A nil OAuthProviders or
// ExternalAuthProviders encodes as [], since Stack never sends null there;
// everything else is encoded as the struct tags say.
func (u User) MarshalJSON() ([]byte, error) {
	var e encoder
	e.user(&u)
	return e.buf, e.err
}

// SignedUpAt is SignedUpAtMillis as a time.Time.
func (u *User) SignedUpAt() time.Time { return time.UnixMilli(u.SignedUpAtMillis) }

// LastActiveAt is LastActiveAtMillis as a time.Time (the Unix epoch when an
// older Stack server did not send it).
func (u *User) LastActiveAt() time.Time { return time.UnixMilli(u.LastActiveAtMillis) }

// RestrictedReason says why a user is restricted.
type RestrictedReason struct {
	// Type is one of the RestrictedReason constants; Stack may add others.
	Type string `json:"type"`
}

// The values of RestrictedReason.Type.
const (
	RestrictedAnonymous                 = "anonymous"                   // an anonymous user
	RestrictedEmailNotVerified          = "email_not_verified"          // the project requires a verified email
	RestrictedRestrictedByAdministrator = "restricted_by_administrator" // see User.RestrictedByAdminReason
)

// RiskScores are Stack's risk assessments of a user.
type RiskScores struct {
	SignUp SignUpRiskScores `json:"sign_up"`
}

// SignUpRiskScores are assessed at sign-up, each from 0 (no risk) to 100.
type SignUpRiskScores struct {
	Bot            int `json:"bot"`
	FreeTrialAbuse int `json:"free_trial_abuse"`
}

// OAuthProvider is one OAuth account linked to a user.
type OAuthProvider struct {
	ID        string  `json:"id"`         // the provider config id: "github", "google", ...
	AccountID string  `json:"account_id"` // the provider's own id of the account
	Email     *string `json:"email"`      // nil when the provider gave none
}

// ExternalAuthProvider is one external auth integration a user signed in
// through, such as "better-auth-integration".
type ExternalAuthProvider struct {
	ID string `json:"id"`
}

// Team is the data of team.created and team.updated, and User.SelectedTeam.
type Team struct {
	ID              string  `json:"id"` // a UUID
	DisplayName     string  `json:"display_name"`
	ProfileImageURL *string `json:"profile_image_url"`
	CreatedAtMillis int64   `json:"created_at_millis"` // Unix milliseconds; see CreatedAt
	// Raw JSON values, as on User; nil when absent (before 2024-08). nil
	// encodes as null, as Stack sends unset metadata today.
	ClientMetadata         RawMessage `json:"client_metadata"`
	ClientReadOnlyMetadata RawMessage `json:"client_read_only_metadata"`
	ServerMetadata         RawMessage `json:"server_metadata"`
}

// CreatedAt is CreatedAtMillis as a time.Time.
func (t *Team) CreatedAt() time.Time { return time.UnixMilli(t.CreatedAtMillis) }

// DeletedUser is the data of user.deleted.
type DeletedUser struct {
	ID string `json:"id"` // the user's UUID
	// Teams are the teams the user belonged to; nil from Stack servers older
	// than September 2024, which sent the id alone. nil encodes as [], as
	// Stack sends a user without teams today.
	Teams []DeletedUserTeam `json:"teams"`
}

// MarshalJSON encodes the deleted user as Stack does today: a nil Teams
// as [].
func (d DeletedUser) MarshalJSON() ([]byte, error) {
	var e encoder
	e.deletedUser(&d)
	return e.buf, e.err
}

// DeletedUserTeam is one team of a deleted user.
type DeletedUserTeam struct {
	ID string `json:"id"` // the team's UUID
}

// DeletedTeam is the data of team.deleted.
type DeletedTeam struct {
	ID string `json:"id"` // the team's UUID
}

// TeamMembership is the data of team_membership.created and .deleted.
type TeamMembership struct {
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
}

// TeamPermission is the data of team_permission.created and .deleted.
type TeamPermission struct {
	// ID is a permission id, not a UUID: one the project defines (such as
	// PermissionTeamMember) or a system one starting with "$" (such as
	// PermissionUpdateTeam). Ids match ^\$?[a-z0-9_:]+$.
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	TeamID string `json:"team_id"`
}

// ProjectPermission is the data of project_permission.created and .deleted.
type ProjectPermission struct {
	ID     string `json:"id"` // a permission id, as TeamPermission.ID
	UserID string `json:"user_id"`
}

// Permission ids Stack creates by default. Projects define their own too;
// system ids start with "$".
const (
	PermissionTeamMember    = "team_member"
	PermissionTeamAdmin     = "team_admin"
	PermissionUpdateTeam    = "$update_team"
	PermissionDeleteTeam    = "$delete_team"
	PermissionReadMembers   = "$read_members"
	PermissionRemoveMembers = "$remove_members"
	PermissionInviteMembers = "$invite_members"
	PermissionManageAPIKeys = "$manage_api_keys"
)

// TestEventData is the data of stack.test.
type TestEventData struct {
	Message     string `json:"message"`
	EndpointURL string `json:"endpointUrl"` // camelCase, unlike every other key
}

// IssueCreated is issue.created: Hexclave's error tracking saw a new issue
// (Status "unresolved", Substatus "new"). The issue events are sent only to
// projects that installed Hexclave's webhooks app, at most one per issue
// every five minutes; issues have no REST API, so one lost before Svix
// cannot be read back.
type IssueCreated struct {
	Data Issue `json:"data"`
}

// IssueRegressed is issue.regressed: a resolved issue was seen again
// (Status "unresolved", Substatus "regressed").
type IssueRegressed struct {
	Data Issue `json:"data"`
}

// IssueResolved is issue.resolved (Status "resolved", Substatus "ongoing").
type IssueResolved struct {
	Data Issue `json:"data"`
}

// IssueIgnored is issue.ignored (Status "ignored", Substatus "ongoing").
type IssueIgnored struct {
	Data Issue `json:"data"`
}

// IssueMerged is issue.merged: other issues were merged into this one, the
// surviving issue (Status "unresolved", Substatus "ongoing").
type IssueMerged struct {
	Data Issue `json:"data"`
}

// Issue is the data of every issue.* event: an error group of Hexclave's
// error tracking. All 15 keys are always sent.
type Issue struct {
	ID string `json:"id"` // a UUID
	// ShortID is the issue's number in the project, a 64-bit counter sent
	// as a JSON string of decimal digits: the exact text is kept (a JSON
	// number could not carry it past 2^53); ShortID.Int64 parses it.
	ShortID   Decimal `json:"short_id"`
	Type      string  `json:"type"`      // the error's type, such as "TypeError"
	Value     string  `json:"value"`     // the error's message
	Culprit   string  `json:"culprit"`   // where in the code
	Level     string  `json:"level"`     // such as "error"
	Status    string  `json:"status"`    // one of the IssueStatus constants
	Substatus string  `json:"substatus"` // one of the IssueSubstatus constants
	// FirstSeenAtMillis and LastSeenAtMillis are Unix milliseconds.
	FirstSeenAtMillis int64 `json:"first_seen_at_millis"`
	LastSeenAtMillis  int64 `json:"last_seen_at_millis"`
	// TimesSeen is how often the issue occurred, a 64-bit count sent as a
	// string of decimal digits, as ShortID.
	TimesSeen   Decimal `json:"times_seen"`
	ServiceName *string `json:"service_name"` // nil when not reported
	Environment *string `json:"environment"`  // nil when not reported
	Release     *string `json:"release"`      // nil when not reported
	URL         string  `json:"url"`          // the issue in Hexclave's dashboard
}

// The values of Issue.Status and Issue.Substatus.
const (
	IssueStatusUnresolved   = "unresolved"
	IssueStatusResolved     = "resolved"
	IssueStatusIgnored      = "ignored"
	IssueSubstatusNew       = "new"
	IssueSubstatusOngoing   = "ongoing"
	IssueSubstatusRegressed = "regressed"
)

// Decimal is a JSON string that holds a 64-bit integer in decimal, as
// Hexclave sends counters that a JSON number could not carry exactly: the
// text as sent, which Int64 parses. It encodes as the string it holds.
type Decimal string

// Int64 returns the integer d holds. Text other than an optional minus
// sign and decimal digits (a plus sign, a space, a fraction, an exponent,
// nothing at all), or a value outside int64, is an error that wraps
// ErrNotDecimal; d is never read as a float.
func (d Decimal) Int64() (int64, error) {
	s := string(d)
	digits := strings.TrimPrefix(s, "-")
	ok := digits != ""
	for i := 0; ok && i < len(digits); i++ {
		ok = '0' <= digits[i] && digits[i] <= '9'
	}
	if ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return 0, &decimalError{s, "outside the range of int64"}
	}
	return 0, &decimalError{s, "not a decimal integer"}
}

// ErrNotDecimal: a Decimal whose text is not a decimal 64-bit integer.
var ErrNotDecimal = errors.New("stackwebhook: not a decimal 64-bit integer")

type decimalError struct{ text, problem string }

func (e *decimalError) Error() string {
	text := e.text
	if len(text) > 32 {
		text = text[:32] + "..."
	}
	return "stackwebhook: " + strconv.Quote(text) + ": " + e.problem
}

func (e *decimalError) Unwrap() error { return ErrNotDecimal }
