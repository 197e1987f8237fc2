package stackwebhook

import (
	"strconv"
	"strings"
)

// What Stack sends for each event, key by key (shared/reference/stack-events.md):
// the JSON kind, whether it may be null, and whether it is required. A key
// is required when Stack has sent it since the event first shipped; keys
// added later are optional so that payloads from older self-hosted Stack
// servers decode. Unknown keys are always allowed.

type kind uint8

const (
	kindString kind = iota + 1
	kindBool
	kindInt
	kindJSON   // any JSON value, kept raw (metadata)
	kindObject // validated against field.object
	kindArray  // of objects, each validated against field.object
)

type field struct {
	key      string
	kind     kind
	nullable bool
	required bool
	object   *schema // for kindObject and kindArray
}

type schema struct {
	fields []field
}

func req(key string, k kind) field { return field{key: key, kind: k, required: true} }
func reqNull(key string, k kind) field {
	return field{key: key, kind: k, nullable: true, required: true}
}
func later(key string, k kind) field     { return field{key: key, kind: k} }
func laterNull(key string, k kind) field { return field{key: key, kind: k, nullable: true} }

var teamSchema = &schema{[]field{
	req("id", kindString),
	req("display_name", kindString),
	reqNull("profile_image_url", kindString),
	req("created_at_millis", kindInt),
	laterNull("client_metadata", kindJSON),           // 2024-08
	laterNull("client_read_only_metadata", kindJSON), // 2024-08
	laterNull("server_metadata", kindJSON),           // 2024-08
}}

var userSchema = &schema{[]field{
	req("id", kindString),
	reqNull("primary_email", kindString),
	req("primary_email_verified", kindBool),
	later("primary_email_auth_enabled", kindBool), // 2024-10
	reqNull("display_name", kindString),
	{key: "selected_team", kind: kindObject, nullable: true, required: true, object: teamSchema},
	reqNull("selected_team_id", kindString),
	reqNull("profile_image_url", kindString),
	req("signed_up_at_millis", kindInt),
	req("has_password", kindBool),
	later("otp_auth_enabled", kindBool),     // 2024-10
	later("passkey_auth_enabled", kindBool), // 2024-10
	reqNull("client_metadata", kindJSON),
	laterNull("client_read_only_metadata", kindJSON), // 2024-08
	reqNull("server_metadata", kindJSON),
	later("last_active_at_millis", kindInt),                                                      // 2024-09
	later("is_anonymous", kindBool),                                                              // 2025-03
	later("is_restricted", kindBool),                                                             // 2026-01
	{key: "restricted_reason", kind: kindObject, nullable: true, object: restrictedReasonSchema}, // 2026-01
	later("restricted_by_admin", kindBool),                                                       // 2026-02
	laterNull("restricted_by_admin_reason", kindString),                                          // 2026-02
	laterNull("restricted_by_admin_private_details", kindString),                                 // 2026-02
	laterNull("country_code", kindString),                                                        // 2026-03
	{key: "risk_scores", kind: kindObject, object: riskScoresSchema},                             // 2026-03
	{key: "oauth_providers", kind: kindArray, required: true, object: oauthProviderSchema},
	req("auth_with_email", kindBool),
	later("requires_totp_mfa", kindBool), // 2024-08
}}

var restrictedReasonSchema = &schema{[]field{req("type", kindString)}}

var riskScoresSchema = &schema{[]field{
	{key: "sign_up", kind: kindObject, required: true, object: &schema{[]field{
		req("bot", kindInt),
		req("free_trial_abuse", kindInt),
	}}},
}}

var oauthProviderSchema = &schema{[]field{
	req("id", kindString),
	req("account_id", kindString),
	laterNull("email", kindString), // Stack's schema: nullable and optional; absent is null
}}

var deletedUserSchema = &schema{[]field{
	req("id", kindString),
	{key: "teams", kind: kindArray, object: &schema{[]field{req("id", kindString)}}}, // 2024-09
}}

var deletedTeamSchema = &schema{[]field{req("id", kindString)}}

var teamMembershipSchema = &schema{[]field{req("team_id", kindString), req("user_id", kindString)}}

var teamPermissionSchema = &schema{[]field{req("id", kindString), req("user_id", kindString), req("team_id", kindString)}}

var projectPermissionSchema = &schema{[]field{req("id", kindString), req("user_id", kindString)}}

var testEventSchema = &schema{[]field{req("message", kindString), req("endpointUrl", kindString)}}

// validate checks the object obj, found at path, against s. obj is valid
// JSON. It reports the first problem in the order of the payload's keys,
// then the first missing required key in the order of s.
//
// It sets *confusable when an unknown key differs from a known one only in
// letter case: encoding/json would decode it into the known field, so such
// members must be stripped before decoding (see strip).
//
// With departures non-nil, it appends every problem there and goes on,
// returning nil: the best-effort decoding wants all of them.
func (s *schema) validate(obj []byte, path string, confusable *bool, departures *[]*PayloadError) error {
	if obj[0] != '{' {
		return depart(departures, payloadError(path, "expected object, got "+jsonKind(obj)))
	}
	var seen uint64 // bit i: s.fields[i] was present
	var err error
	eachMember(obj, func(rawKey, value []byte) bool {
		i := s.index(rawKey)
		if i < 0 { // unknown keys are allowed
			if s.foldIndex(rawKey) >= 0 {
				*confusable = true
			}
			return true
		}
		seen |= 1 << i
		err = depart(departures, s.fields[i].check(value, path, confusable, departures))
		return err == nil
	})
	if err != nil {
		return err
	}
	for i, f := range s.fields {
		if f.required && seen&(1<<i) == 0 {
			if err := depart(departures, payloadError(path+"."+f.key, "missing")); err != nil {
				return err
			}
		}
	}
	return nil
}

// depart returns err, or records it in departures (when not nil) and
// returns nil.
func depart(departures *[]*PayloadError, err error) error {
	if err == nil || departures == nil {
		return err
	}
	*departures = append(*departures, err.(*PayloadError))
	return nil
}

// index returns the index in s of the field whose key is rawKey (a JSON
// string with its quotes), or -1.
func (s *schema) index(rawKey []byte) int {
	raw := keyText(rawKey)
	for i := range s.fields {
		if string(raw) == s.fields[i].key { // compared without a copy
			return i
		}
	}
	return -1
}

// foldIndex is index with the case-insensitive matching of encoding/json.
func (s *schema) foldIndex(rawKey []byte) int {
	key := unquote(rawKey)
	for i := range s.fields {
		if strings.EqualFold(key, s.fields[i].key) {
			return i
		}
	}
	return -1
}

// strip returns a copy of the valid object obj without the members whose key
// matches a field of s only case-insensitively, at every depth s describes,
// so that encoding/json decodes exactly the keys Stack sent.
func (s *schema) strip(obj []byte) []byte {
	out := []byte{'{'}
	eachMember(obj, func(rawKey, value []byte) bool {
		i := s.index(rawKey)
		if i < 0 && s.foldIndex(rawKey) >= 0 {
			return true
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(out, rawKey...), ':')
		if i >= 0 && s.fields[i].object != nil {
			value = s.fields[i].stripValue(value)
		}
		out = append(out, value...)
		return true
	})
	return append(out, '}')
}

func (f *field) stripValue(value []byte) []byte {
	switch value[0] {
	case '{':
		return f.object.strip(value)
	case '[':
		out := []byte{'['}
		eachElement(value, func(n int, elem []byte) bool {
			if n > 0 {
				out = append(out, ',')
			}
			if elem[0] == '{' {
				elem = f.object.strip(elem)
			}
			out = append(out, elem...)
			return true
		})
		return append(out, ']')
	}
	return value
}

// check validates one member's value.
func (f *field) check(value []byte, parent string, confusable *bool, departures *[]*PayloadError) error {
	got := jsonKind(value)
	if got == "null" {
		if f.nullable {
			return nil
		}
		return payloadError(parent+"."+f.key, "expected "+f.kind.String()+", got null")
	}
	ok := false
	switch f.kind {
	case kindString:
		ok = got == "string"
	case kindBool:
		ok = got == "bool"
	case kindInt:
		if got == "number" && !isInt64(value) {
			return payloadError(parent+"."+f.key, "expected integer, got "+string(value))
		}
		ok = got == "number"
	case kindJSON:
		ok = true
	case kindObject:
		if got == "object" {
			return f.object.validate(value, parent+"."+f.key, confusable, departures)
		}
	case kindArray:
		if got == "array" {
			var err error
			path := parent + "." + f.key
			eachElement(value, func(n int, elem []byte) bool {
				err = f.object.validate(elem, path+"["+strconv.Itoa(n)+"]", confusable, departures)
				return err == nil
			})
			return err
		}
	}
	if !ok {
		return payloadError(parent+"."+f.key, "expected "+f.kind.String()+", got "+got)
	}
	return nil
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
