package stackwebhook

import (
	"encoding/json"
	"errors"
)

// ErrInvalidPayload: the body is signed but is not a Stack webhook payload
// that this package can decode: not JSON, not an object, no string "type",
// no object "data", or a data object that lacks a key Stack always sends or
// holds a value of the wrong JSON type. The error is a *PayloadError, which
// names the JSON path.
var ErrInvalidPayload = errors.New("stackwebhook: invalid payload")

// PayloadError says where a payload departs from what Stack sends. It
// matches ErrInvalidPayload with errors.Is.
type PayloadError struct {
	Path    string // the JSON path, such as "data.selected_team.display_name"; "" for the whole body
	Problem string // such as "expected string, got null" or "missing"
}

// Error says where and what: "stackwebhook: invalid payload: data.id: missing".
func (e *PayloadError) Error() string {
	if e.Path == "" {
		return ErrInvalidPayload.Error() + ": " + e.Problem
	}
	return ErrInvalidPayload.Error() + ": " + e.Path + ": " + e.Problem
}

// Unwrap returns ErrInvalidPayload.
func (e *PayloadError) Unwrap() error { return ErrInvalidPayload }

func payloadError(path, problem string) error { return &PayloadError{Path: path, Problem: problem} }

// VerifyEvent is Verify followed, only if it succeeds, by ParseEvent. A
// verification failure is returned as Verify returns it; a signed body that
// does not decode returns ErrInvalidPayload (a sender bug, not an attack:
// retrying will not help).
func (wh *Webhook) VerifyEvent(payload []byte, headers Headers) (Event, error) {
	if err := wh.Verify(payload, headers); err != nil {
		return nil, err
	}
	return ParseEvent(payload)
}

// ParseEvent decodes a Stack webhook body into one of this package's event
// types (*UserCreated, *TeamDeleted, ...), or *UnknownEvent for a type it
// does not know. It does not check signatures: call it only on a body that
// Verify accepted, or use VerifyEvent.
//
// It requires every key that Stack has sent for the event since the event
// first shipped, non-null unless Stack may send null, and of the right JSON
// type; keys Stack added later may be absent (older self-hosted Stack
// servers do not send them) and are then left at their zero value. Unknown
// keys are ignored, and so is a key that matches a field only in another
// letter case (Stack's keys are exact). Any departure returns a
// *PayloadError that matches ErrInvalidPayload and names the JSON path. Its
// work is linear in the size of the payload, whatever its nesting.
//
// It decodes without encoding/json: one pass validates the JSON and finds
// the envelope, one checks the schema, one decodes, each reading a nested
// object once (decode.go). The result is what json.Unmarshal gives, field
// for field (strings unescaped alike, invalid UTF-8 replaced alike), which
// a differential test and fuzz target check; every string value is its own
// copy, so that a string the caller keeps never retains the payload around
// it. It takes 0.29x to 0.56x the time of a plain json.Unmarshal into the
// same struct (classic encoding/json, on AMD EPYC; the README compares it
// with other decoders).
func ParseEvent(payload []byte) (Event, error) {
	eventType, data, ping, err := envelope(payload)
	if err != nil || ping != nil {
		return ping, err
	}
	s, ok := schemaFor(eventType)
	if !ok {
		return &UnknownEvent{Type: eventType, Data: append(json.RawMessage(nil), data...)}, nil
	}
	if err := s.validate(data, "data", nil); err != nil {
		return nil, err
	}
	ev, err := decodeEvent(eventType, data)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// ParseEventBestEffort decodes a payload that may depart from what Stack
// sends today (a key removed, null where there never was one, a value of
// another kind), so that a receiver keeps working while Stack's schema
// drifts. It returns the event as far as it can be decoded, a field whose
// value departs left at its zero value, and the departures, each a
// *PayloadError naming its path as ParseEvent would: the first
// MaxDepartures in the payload's order and, if there were more, one last
// entry with an empty Path whose Problem counts the others. For a payload
// that ParseEvent accepts, it returns the same event and no departure.
//
// The keys that identify an object, data.id, data.team_id and data.user_id,
// must still be strings: when one departs, the event comes back as an
// *UnknownEvent (with the departures), since it cannot be applied to any
// object. err is non-nil, with ErrInvalidPayload, only when the body is not
// a JSON object with a string "type" and an object "data".
func ParseEventBestEffort(payload []byte) (ev Event, departures []*PayloadError, err error) {
	eventType, data, ping, err := envelope(payload)
	if err != nil || ping != nil {
		return ping, nil, err
	}
	s, ok := schemaFor(eventType)
	unknown := &UnknownEvent{Type: eventType, Data: append(json.RawMessage(nil), data...)}
	if !ok {
		return unknown, nil, nil
	}
	var list departureList
	_ = s.validate(data, "data", &list)
	departures = list.result()
	if identityDeparts(s, data, list) {
		return unknown, departures, nil
	}
	// A value of another kind makes encoding/json return an error, after it
	// has decoded every other field and left that one zero; the validator
	// has recorded the departure.
	ev, _ = decodeEvent(eventType, data)
	return ev, departures, nil
}

// identityDeparts reports whether data.id, data.team_id or data.user_id
// departs: from the listed departures, or, when some were only counted, by
// checking those keys alone.
func identityDeparts(s *schema, data []byte, list departureList) bool {
	for _, d := range list.list {
		if d.Path == "data.id" || d.Path == "data.team_id" || d.Path == "data.user_id" {
			return true
		}
	}
	if list.more == 0 {
		return false
	}
	var identity schema
	for _, f := range s.fields {
		if f.key == "id" || f.key == "team_id" || f.key == "user_id" {
			identity.fields = append(identity.fields, f)
		}
	}
	return identity.validate(data, "data", nil) != nil
}

// envelope checks that payload is a JSON object with a string "type" and an
// object "data", and returns them; or, for Svix's ping (an object with a
// boolean "success" and neither "type" nor "data"), returns it as ping.
func envelope(payload []byte) (eventType string, data []byte, ping *SvixPing, err error) {
	var top topMembers
	if !validJSON(payload, &top) {
		return "", nil, nil, payloadError("", "not valid JSON")
	}
	if start := skipSpace(payload, 0); payload[start] != '{' {
		return "", nil, nil, payloadError("", "expected object, got "+jsonKind(payload[start:]))
	}
	switch {
	case top.typ == nil && top.data == nil && top.success != nil && (top.success[0] == 't' || top.success[0] == 'f'):
		return "", nil, &SvixPing{Success: top.success[0] == 't'}, nil
	case top.typ == nil:
		return "", nil, nil, payloadError("type", "missing")
	case top.typ[0] != '"':
		return "", nil, nil, payloadError("type", "expected string, got "+jsonKind(top.typ))
	case top.data == nil:
		return "", nil, nil, payloadError("data", "missing")
	case top.data[0] != '{':
		return "", nil, nil, payloadError("data", "expected object, got "+jsonKind(top.data))
	}
	return unquote(top.typ), top.data, nil, nil
}

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
		return deletedTeamSchema, true
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

// MarshalEvent encodes ev as Stack sends it: {"type": ..., "data": ...}. For
// a decoded current payload it reproduces Stack's keys and values (white
// space and key order aside). It is what a test needs to build a body.
//
// It uses encoding/json (tests and stackwebhooktest call it, not
// receivers); decoding does not, so a program that only verifies and
// decodes links none of encoding/json's reflection.
func MarshalEvent(ev Event) ([]byte, error) {
	if ev == nil {
		return nil, payloadError("", "MarshalEvent: nil event")
	}
	switch e := ev.(type) {
	case *UnknownEvent:
		return json.Marshal(e) // tagged "type" and "data"
	case *SvixPing:
		return json.Marshal(e) // {"success":true}, as Svix sends it
	}
	body, err := json.Marshal(ev) // {"data":...}: each event struct has Data alone
	if err != nil {
		return nil, err
	}
	if body[0] != '{' { // a nil *UserCreated, say
		return nil, payloadError("", "MarshalEvent: nil "+ev.EventType()+" event")
	}
	typ, _ := json.Marshal(ev.EventType())
	out := make([]byte, 0, len(body)+len(typ)+10)
	out = append(append(append(out, `{"type":`...), typ...), ',')
	return append(out, body[1:]...), nil
}
