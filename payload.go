package stackwebhook

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
// *PayloadError that matches ErrInvalidPayload and names the JSON path: the
// first in the payload's order (a nested object's before the keys missing
// from the object around it). A body that is not JSON, as json.Valid
// decides, is refused as such, wherever the error is. Its work is linear in
// the size of the payload, whatever its nesting.
//
// It decodes without encoding/json, in one pass over the bytes that checks
// the syntax, the schema and decodes at once (decode.go). The result is
// what json.Unmarshal gives, field for field (strings unescaped alike,
// invalid UTF-8 replaced alike), which a differential test and fuzz target
// check. No string or metadata value shares memory with the payload: short
// strings share one allocation of at most 192 bytes with the event's other
// short strings, metadata values of 32 bytes or less (null, {}) blocks of
// 64 bytes with the event's others (each slice's capacity ending where its
// bytes do, so that writing into one or appending to it changes no other),
// and longer ones have their own, so that a value the caller keeps never
// retains the payload around it. docs/performance.md compares its speed
// with other Go JSON decoders.
func ParseEvent(payload []byte) (Event, error) {
	var d decoder
	ev, err := d.parse(payload)
	switch {
	case err != nil:
		return nil, err
	case d.first != nil:
		return nil, d.first
	case d.intErr != "":
		return nil, payloadError("data", d.intErr)
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
	d := decoder{bestEffort: true}
	if ev, err = d.parse(payload); err != nil {
		return nil, nil, err
	}
	switch ev.(type) {
	case *UnknownEvent, *SvixPing:
		return ev, nil, nil
	}
	departures = d.departures.result()
	if d.identity {
		return &UnknownEvent{Type: ev.EventType(), Data: append(RawMessage(nil), d.data...)}, departures, nil
	}
	// A value of another kind makes encoding/json return an error, after it
	// has decoded every other field and left that one zero; so does this.
	return ev, departures, nil
}

// MarshalEvent encodes ev as Stack sends it: {"type": ..., "data": ...}, or
// {"success": ...} for a *SvixPing. For a decoded current payload it
// reproduces Stack's keys and values (white space and key order aside). It
// is what a test needs to build a body.
//
// Its bytes are exactly what encoding/json's Marshal writes for the same
// struct (keys in struct order, strings escaped alike, raw values
// compacted), except that a nil User.OAuthProviders or DeletedUser.Teams
// encodes as [], as Stack sends them. It uses no reflection: this package
// does not import encoding/json, so a program that only verifies links none
// of it, and one that decodes and encodes works under TinyGo.
//
// It refuses, with ErrInvalidPayload, a nil event, a nil event pointer, an
// Event type of another package, and a raw field (metadata,
// UnknownEvent.Data) that is not valid JSON.
func MarshalEvent(ev Event) ([]byte, error) {
	var e encoder
	if !e.event(ev) {
		return nil, payloadError("", "MarshalEvent: a nil event, or not one of this package's event types")
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

// KnownType reports whether t is an event type this package decodes into a
// typed struct (TypeUserCreated and the others; TypeSvixPing too). Any
// other type decodes as *UnknownEvent: a type Stack added after this
// release, for one.
func KnownType(t string) bool {
	return t == TypeSvixPing || typeIndex([]byte(t)) >= 0
}
