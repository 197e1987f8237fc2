package stackwebhook

import (
	"strconv"
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
// With departures non-nil, it records every problem there and goes on,
// returning nil: the best-effort decoding wants them (the first
// MaxDepartures, and a count of the others).
func (s *schema) validate(obj []byte, path string, departures *departureList) error {
	_, err := s.validateAt(obj, 0, path, departures)
	return err
}

// validateAt is validate for the value at b[i]; it also returns the index
// just past that value, so that a nested object is read once.
func (s *schema) validateAt(b []byte, i int, path string, departures *departureList) (int, error) {
	if b[i] != '{' {
		if departures.counted() {
			return valueEnd(b, i), nil
		}
		return valueEnd(b, i), depart(departures, payloadError(path, "expected object, got "+jsonKind(b[i:])))
	}
	var seen uint64 // bit n: s.fields[n] was present
	for i = skipSpace(b, i+1); i < len(b) && b[i] == '"'; {
		keyEnd := stringEnd(b, i)
		rawKey := b[i:keyEnd]
		at := skipSpace(b, skipSpace(b, keyEnd)+1)
		n := s.index(rawKey)
		if n < 0 { // unknown keys are allowed, and ignored
			i = afterValue(b, valueEnd(b, at))
			continue
		}
		seen |= 1 << n
		end, err := s.fields[n].check(b, at, path, departures)
		if err = depart(departures, err); err != nil {
			return 0, err
		}
		i = afterValue(b, end)
	}
	for n, f := range s.fields {
		if f.required && seen&(1<<n) == 0 && !departures.counted() {
			if err := depart(departures, payloadError(path+"."+f.key, "missing")); err != nil {
				return 0, err
			}
		}
	}
	return i + 1, nil
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

// counted reports whether the list is full, and if so counts one more
// departure: the caller then builds no error (nor its path) for it. A nil
// list (strict decoding) is never full.
func (d *departureList) counted() bool {
	if d == nil || len(d.list) < MaxDepartures {
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

// depart returns err, or records it in departures (when not nil) and
// returns nil.
func depart(departures *departureList, err error) error {
	if err == nil || departures == nil {
		return err
	}
	if !departures.counted() {
		departures.list = append(departures.list, err.(*PayloadError))
	}
	return nil
}

// index returns the index in s of the field whose key is rawKey (a JSON
// string with its quotes), or -1.
func (s *schema) index(rawKey []byte) int {
	raw := keyText(rawKey)
	for i := range s.fields {
		if equalKey(raw, s.fields[i].key) {
			return i
		}
	}
	return -1
}

// check validates one member's value, at b[i], and returns the index just
// past it.
func (f *field) check(b []byte, i int, parent string, departures *departureList) (int, error) {
	switch got := jsonKind(b[i:]); {
	case got == "null":
		if f.nullable || departures.counted() {
			return i + 4, nil
		}
		return i + 4, payloadError(parent+"."+f.key, "expected "+f.kind.String()+", got null")
	case f.kind == kindObject && got == "object":
		return f.object.validateAt(b, i, parent+"."+f.key, departures)
	case f.kind == kindArray && got == "array":
		path := parent + "." + f.key
		n := 0
		for i = skipSpace(b, i+1); i < len(b) && b[i] != ']'; n++ {
			var end int
			var err error
			if departures != nil && len(departures.list) >= MaxDepartures {
				// Only counted from here on: no path is built (parent stands
				// in, never read; passing path would move it to the heap).
				end, err = f.object.validateAt(b, i, parent, departures)
			} else {
				end, err = f.object.validateAt(b, i, path+"["+strconv.Itoa(n)+"]", departures)
			}
			if err != nil {
				return 0, err
			}
			i = afterValue(b, end)
		}
		return i + 1, nil
	}
	end := valueEnd(b, i)
	value := b[i:end]
	got := jsonKind(value)
	ok := false
	switch f.kind {
	case kindString:
		ok = got == "string"
	case kindBool:
		ok = got == "bool"
	case kindInt:
		if got == "number" && !isInt64(value) {
			if departures.counted() {
				return end, nil
			}
			if len(value) > 40 { // a number can be a megabyte long
				value = append(value[:40:40], "..."...)
			}
			return end, payloadError(parent+"."+f.key, "expected integer, got "+string(value))
		}
		ok = got == "number"
	case kindJSON:
		ok = true
	}
	if !ok {
		if departures.counted() {
			return end, nil
		}
		return end, payloadError(parent+"."+f.key, "expected "+f.kind.String()+", got "+got)
	}
	return end, nil
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
