package stackwebhook

import "strconv"

// What Stack sends for each event, key by key (shared/reference/stack-events.md):
// the JSON kind, whether it may be null, and whether it is required. A key
// is required when Stack has sent it since the event first shipped; keys
// added later are optional so that payloads from older self-hosted Stack
// servers decode. Unknown keys are always allowed. decode.go checks a
// payload against these tables as it decodes it.

type kind uint8

const (
	kindString kind = iota + 1
	kindBool
	kindInt
	kindJSON   // any JSON value, kept raw (metadata)
	kindObject // checked against field.object
	kindArray  // of objects, each checked against field.object
)

type field struct {
	key      string
	kind     kind
	nullable bool
	required bool
	// object is the schema of a kindObject's value or of a kindArray's
	// elements: the table's record of the nesting. decode.go's walker for
	// that value names the same schema (decoding it through the field
	// would be a load per object), and the differential tests strip
	// unknown keys by this one, would show the two apart.
	object *schema
}

// A schema is the fields of one object.
type schema struct {
	fields []field
}

// lookup returns the index in s of the field whose key is rawKey (a JSON
// string with its quotes, as in the payload), or -1. Keys match exactly,
// after unescaping, as encoding/json unescapes them ("\u0069d" is id).
// (decode.go first tries the key Stack sends next, and comes here for the
// others: the length, the first and the middle byte rule out most.)
func (s *schema) lookup(rawKey []byte) int {
	k := rawKey[1 : len(rawKey)-1]
	for n := range s.fields {
		if key := s.fields[n].key; len(key) == len(k) && len(k) > 0 && key[0] == k[0] && key[len(k)/2] == k[len(k)/2] && equalKey(k, key) {
			return n
		}
	}
	for _, c := range k {
		if c == '\\' { // rarely: an escaped key, compared unescaped
			key := unquote(rawKey, true)
			for n := range s.fields {
				if s.fields[n].key == key {
					return n
				}
			}
			break
		}
	}
	return -1
}

func req(key string, k kind) field { return field{key: key, kind: k, required: true} }
func reqNull(key string, k kind) field {
	return field{key: key, kind: k, nullable: true, required: true}
}
func later(key string, k kind) field     { return field{key: key, kind: k} }
func laterNull(key string, k kind) field { return field{key: key, kind: k, nullable: true} }

// The index of each field in its schema: decode.go switches on them.
const (
	teamID = iota
	teamDisplayName
	teamProfileImageURL
	teamCreatedAtMillis
	teamClientMetadata
	teamClientReadOnlyMetadata
	teamServerMetadata
)

var teamSchema = &schema{[]field{
	teamID:                     req("id", kindString),
	teamDisplayName:            req("display_name", kindString),
	teamProfileImageURL:        reqNull("profile_image_url", kindString),
	teamCreatedAtMillis:        req("created_at_millis", kindInt),
	teamClientMetadata:         laterNull("client_metadata", kindJSON),           // 2024-08
	teamClientReadOnlyMetadata: laterNull("client_read_only_metadata", kindJSON), // 2024-08
	teamServerMetadata:         laterNull("server_metadata", kindJSON),           // 2024-08
}}

const (
	userID = iota
	userPrimaryEmail
	userPrimaryEmailVerified
	userPrimaryEmailAuthEnabled
	userDisplayName
	userSelectedTeam
	userSelectedTeamID
	userProfileImageURL
	userSignedUpAtMillis
	userHasPassword
	userOTPAuthEnabled
	userPasskeyAuthEnabled
	userClientMetadata
	userClientReadOnlyMetadata
	userServerMetadata
	userLastActiveAtMillis
	userIsAnonymous
	userIsRestricted
	userRestrictedReason
	userRestrictedByAdmin
	userRestrictedByAdminReason
	userRestrictedByAdminPrivateDetails
	userCountryCode
	userRiskScores
	userOAuthProviders
	userExternalAuthProviders
	userAuthWithEmail
	userRequiresTOTPMFA
)

var userSchema = &schema{[]field{
	userID:                              req("id", kindString),
	userPrimaryEmail:                    reqNull("primary_email", kindString),
	userPrimaryEmailVerified:            req("primary_email_verified", kindBool),
	userPrimaryEmailAuthEnabled:         later("primary_email_auth_enabled", kindBool), // 2024-10
	userDisplayName:                     reqNull("display_name", kindString),
	userSelectedTeam:                    {key: "selected_team", kind: kindObject, nullable: true, required: true, object: teamSchema},
	userSelectedTeamID:                  reqNull("selected_team_id", kindString),
	userProfileImageURL:                 reqNull("profile_image_url", kindString),
	userSignedUpAtMillis:                req("signed_up_at_millis", kindInt),
	userHasPassword:                     req("has_password", kindBool),
	userOTPAuthEnabled:                  later("otp_auth_enabled", kindBool),     // 2024-10
	userPasskeyAuthEnabled:              later("passkey_auth_enabled", kindBool), // 2024-10
	userClientMetadata:                  reqNull("client_metadata", kindJSON),
	userClientReadOnlyMetadata:          laterNull("client_read_only_metadata", kindJSON), // 2024-08
	userServerMetadata:                  reqNull("server_metadata", kindJSON),
	userLastActiveAtMillis:              later("last_active_at_millis", kindInt),                                                      // 2024-09
	userIsAnonymous:                     later("is_anonymous", kindBool),                                                              // 2025-03
	userIsRestricted:                    later("is_restricted", kindBool),                                                             // 2026-01
	userRestrictedReason:                {key: "restricted_reason", kind: kindObject, nullable: true, object: restrictedReasonSchema}, // 2026-01
	userRestrictedByAdmin:               later("restricted_by_admin", kindBool),                                                       // 2026-02
	userRestrictedByAdminReason:         laterNull("restricted_by_admin_reason", kindString),                                          // 2026-02
	userRestrictedByAdminPrivateDetails: laterNull("restricted_by_admin_private_details", kindString),                                 // 2026-02
	userCountryCode:                     laterNull("country_code", kindString),                                                        // 2026-03
	userRiskScores:                      {key: "risk_scores", kind: kindObject, object: riskScoresSchema},                             // 2026-03
	userOAuthProviders:                  {key: "oauth_providers", kind: kindArray, required: true, object: oauthProviderSchema},
	userExternalAuthProviders:           {key: "external_auth_providers", kind: kindArray, object: idSchema}, // 2026-08
	userAuthWithEmail:                   req("auth_with_email", kindBool),
	userRequiresTOTPMFA:                 later("requires_totp_mfa", kindBool), // 2024-08
}}

var restrictedReasonSchema = &schema{[]field{req("type", kindString)}}

var riskScoresSchema = &schema{[]field{
	{key: "sign_up", kind: kindObject, required: true, object: signUpRiskSchema},
}}

const (
	signUpBot = iota
	signUpFreeTrialAbuse
)

var signUpRiskSchema = &schema{[]field{
	signUpBot:            req("bot", kindInt),
	signUpFreeTrialAbuse: req("free_trial_abuse", kindInt),
}}

const (
	oauthID = iota
	oauthAccountID
	oauthEmail
)

var oauthProviderSchema = &schema{[]field{
	oauthID:        req("id", kindString),
	oauthAccountID: req("account_id", kindString),
	oauthEmail:     laterNull("email", kindString), // Stack's schema: nullable and optional; absent is null
}}

const (
	deletedUserID = iota
	deletedUserTeams
)

var deletedUserSchema = &schema{[]field{
	deletedUserID:    req("id", kindString),
	deletedUserTeams: {key: "teams", kind: kindArray, object: idSchema}, // 2024-09
}}

// The objects of string fields alone, all required, decoded by
// decoder.stringFields.

var idSchema = &schema{[]field{req("id", kindString)}} // team.deleted's data, user.deleted's teams

var teamMembershipSchema = &schema{[]field{req("team_id", kindString), req("user_id", kindString)}}

var teamPermissionSchema = &schema{[]field{req("id", kindString), req("user_id", kindString), req("team_id", kindString)}}

var projectPermissionSchema = &schema{[]field{req("id", kindString), req("user_id", kindString)}}

var testEventSchema = &schema{[]field{req("message", kindString), req("endpointUrl", kindString)}}

const (
	issueID = iota
	issueShortID
	issueType
	issueValue
	issueCulprit
	issueLevel
	issueStatus
	issueSubstatus
	issueFirstSeenAtMillis
	issueLastSeenAtMillis
	issueTimesSeen
	issueServiceName
	issueEnvironment
	issueRelease
	issueURL
)

// issueSchema is the data of every issue.* event (Hexclave, since about
// 2026-08): every key has been sent since the events first shipped.
var issueSchema = &schema{[]field{
	issueID:                req("id", kindString),
	issueShortID:           req("short_id", kindString), // decimal digits: see Decimal
	issueType:              req("type", kindString),
	issueValue:             req("value", kindString),
	issueCulprit:           req("culprit", kindString),
	issueLevel:             req("level", kindString),
	issueStatus:            req("status", kindString),
	issueSubstatus:         req("substatus", kindString),
	issueFirstSeenAtMillis: req("first_seen_at_millis", kindInt),
	issueLastSeenAtMillis:  req("last_seen_at_millis", kindInt),
	issueTimesSeen:         req("times_seen", kindString), // decimal digits: see Decimal
	issueServiceName:       reqNull("service_name", kindString),
	issueEnvironment:       reqNull("environment", kindString),
	issueRelease:           reqNull("release", kindString),
	issueURL:               req("url", kindString),
}}

func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindBool:
		return "bool"
	case kindInt:
		return "integer"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "JSON value"
}

// MaxDepartures is how many departures ParseEventBestEffort lists; the
// others are counted in one more, last entry. One signed body of 1 MiB
// could otherwise hold hundreds of thousands (and take seconds and hundreds
// of MiB to list).
const MaxDepartures = 100

// departureList holds the departures of a best-effort decoding: the first
// MaxDepartures, and how many more there were.
type departureList struct {
	list []*PayloadError
	more int
}

// full reports whether the list is full, and if so counts one more
// departure: the caller then builds no error (nor its path) for it.
func (d *departureList) full() bool {
	if len(d.list) < MaxDepartures {
		return false
	}
	d.more++
	return true
}

// result is the list, with the count of the others as a last entry.
func (d *departureList) result() []*PayloadError {
	if d.more > 0 {
		return append(d.list, &PayloadError{Problem: strconv.Itoa(d.more) + " more departures, not listed"})
	}
	return d.list
}
