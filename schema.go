package stackwebhook

import (
	"encoding/binary"
	"strconv"
)

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
	object   *schema // for kindObject and kindArray
}

// A schema is the fields of one object, with a table that finds a field by
// its key at the cost of one hash and one comparison.
type schema struct {
	fields   []field
	required uint64 // bit n: fields[n] is required
	seed     uint64
	slots    [128]uint8 // 1 + the index in fields of the key that hashes here; 0: none
}

// newSchema indexes fields: it finds a seed for which no two keys hash
// alike, trying odd seeds in order, so that every build finds the same.
func newSchema(fields []field) *schema {
	if len(fields) > 64 {
		panic("stackwebhook: more than 64 fields in one object") // decode.go keeps a bit per field
	}
	s := &schema{fields: fields}
	for n, f := range fields {
		if f.required {
			s.required |= 1 << n
		}
	}
search:
	for s.seed = 1; s.seed < 1<<20; s.seed += 2 {
		s.slots = [128]uint8{}
		for n := range fields {
			h := keyHash([]byte(fields[n].key), s.seed)
			if s.slots[h] != 0 {
				continue search
			}
			s.slots[h] = uint8(n + 1)
		}
		return s
	}
	panic("stackwebhook: no seed separates the keys " + fields[0].key + "...")
}

// keyHash hashes a key by its length and its first and last eight bytes
// (all of them, up to 16), then spreads it over the 128 slots by seed.
func keyHash(k []byte, seed uint64) uint8 {
	h := uint64(len(k))
	if len(k) >= 8 {
		h ^= binary.LittleEndian.Uint64(k)*0x9E3779B97F4A7C15 ^ binary.LittleEndian.Uint64(k[len(k)-8:])*0xC2B2AE3D27D4EB4F
	} else {
		for _, c := range k {
			h = h<<8 | uint64(c)
		}
		h *= 0x9E3779B97F4A7C15
	}
	return uint8((h * seed) >> 57)
}

// lookup returns the index in s of the field whose key is rawKey (a JSON
// string with its quotes, as in the payload), or -1. Keys match exactly,
// after unescaping, as encoding/json unescapes them ("\u0069d" is id).
func (s *schema) lookup(rawKey []byte) int {
	k := rawKey[1 : len(rawKey)-1]
	if slot := s.slots[keyHash(k, s.seed)]; slot != 0 && equalKey(k, s.fields[slot-1].key) {
		return int(slot - 1)
	}
	for _, c := range k {
		if c == '\\' { // rarely: an escaped key
			return s.lookup([]byte(`"` + unquote(rawKey, true) + `"`))
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

var teamSchema = newSchema([]field{
	teamID:                     req("id", kindString),
	teamDisplayName:            req("display_name", kindString),
	teamProfileImageURL:        reqNull("profile_image_url", kindString),
	teamCreatedAtMillis:        req("created_at_millis", kindInt),
	teamClientMetadata:         laterNull("client_metadata", kindJSON),           // 2024-08
	teamClientReadOnlyMetadata: laterNull("client_read_only_metadata", kindJSON), // 2024-08
	teamServerMetadata:         laterNull("server_metadata", kindJSON),           // 2024-08
})

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
	userAuthWithEmail
	userRequiresTOTPMFA
)

var userSchema = newSchema([]field{
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
	userAuthWithEmail:                   req("auth_with_email", kindBool),
	userRequiresTOTPMFA:                 later("requires_totp_mfa", kindBool), // 2024-08
})

var restrictedReasonSchema = newSchema([]field{req("type", kindString)})

var riskScoresSchema = newSchema([]field{
	{key: "sign_up", kind: kindObject, required: true, object: signUpRiskSchema},
})

const (
	signUpBot = iota
	signUpFreeTrialAbuse
)

var signUpRiskSchema = newSchema([]field{
	signUpBot:            req("bot", kindInt),
	signUpFreeTrialAbuse: req("free_trial_abuse", kindInt),
})

const (
	oauthID = iota
	oauthAccountID
	oauthEmail
)

var oauthProviderSchema = newSchema([]field{
	oauthID:        req("id", kindString),
	oauthAccountID: req("account_id", kindString),
	oauthEmail:     laterNull("email", kindString), // Stack's schema: nullable and optional; absent is null
})

const (
	deletedUserID = iota
	deletedUserTeams
)

var deletedUserSchema = newSchema([]field{
	deletedUserID:    req("id", kindString),
	deletedUserTeams: {key: "teams", kind: kindArray, object: idSchema}, // 2024-09
})

// The objects of string fields alone, all required, decoded by
// decoder.stringFields.

var idSchema = newSchema([]field{req("id", kindString)}) // team.deleted's data, user.deleted's teams

var teamMembershipSchema = newSchema([]field{req("team_id", kindString), req("user_id", kindString)})

var teamPermissionSchema = newSchema([]field{req("id", kindString), req("user_id", kindString), req("team_id", kindString)})

var projectPermissionSchema = newSchema([]field{req("id", kindString), req("user_id", kindString)})

var testEventSchema = newSchema([]field{req("message", kindString), req("endpointUrl", kindString)})

// schemaFor returns what Stack sends for a known event type; false for
// others.
func schemaFor(eventType string) (*schema, bool) {
	switch eventType {
	case TypeUserCreated, TypeUserUpdated:
		return userSchema, true
	case TypeUserDeleted:
		return deletedUserSchema, true
	case TypeTeamCreated, TypeTeamUpdated:
		return teamSchema, true
	case TypeTeamDeleted:
		return idSchema, true
	case TypeTeamMembershipCreated, TypeTeamMembershipDeleted:
		return teamMembershipSchema, true
	case TypeTeamPermissionCreated, TypeTeamPermissionDeleted:
		return teamPermissionSchema, true
	case TypeProjectPermissionCreated, TypeProjectPermissionDeleted:
		return projectPermissionSchema, true
	case TypeStackTest:
		return testEventSchema, true
	}
	return nil, false
}

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
