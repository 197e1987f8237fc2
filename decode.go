package stackwebhook

import "strconv"

// This file reads a webhook body in one pass over its bytes: it checks the
// JSON syntax (as encoding/json's Valid decides it), finds the envelope,
// checks the data object against Stack's schema (schema.go) and decodes it
// into its struct, all at once, with the lexer of jsonlex.go. It gives
// exactly what json.Unmarshal gives, which decode_test.go checks over every
// payload in testdata and FuzzDecodeMatchesEncodingJSON over arbitrary ones:
//
//   - keys match exactly: a key that matches a field only in another letter
//     case is an unknown key, as Stack's keys are exact (json would take
//     it, so the oracle strips such keys first); unknown keys are skipped;
//     a key given twice is decoded twice, the second into what the first
//     left (objects and array elements merge, as in json);
//   - strings are unescaped as json does: invalid UTF-8 and lone surrogates
//     become U+FFFD; no string value shares memory with the payload (short
//     ones share a small block of their own, pack.go), so that a string
//     the caller keeps retains nothing of the payload around it;
//   - integers are parsed as strconv.ParseInt does; a value of another
//     kind, or null into a field that is not a pointer, slice or raw JSON,
//     leaves the field as it was (json's UnmarshalTypeError), and is a
//     departure from the schema;
//   - metadata keeps the raw bytes of the value, null included, copied
//     (short ones into a shared block of their own, rawpack.go).
//
// It recurses no deeper than the types nest (four levels), whatever the
// input: the values it does not decode are skipped by the lexer's loop.

// decoder holds what one reading shares: the body, how deep the value being
// read is, the departures from the schema of the data object being
// decoded, where in it the reading is (for their paths), and a block of
// strings for the *string fields to point into.
type decoder struct {
	b     []byte
	depth int // objects and arrays open around the value being read

	bestEffort bool
	first      *PayloadError // the first departure (ParseEvent's error)
	departures departureList // with bestEffort: every departure
	identity   bool          // data.id, data.team_id or data.user_id departs
	intErr     string        // json's error for an int out of range (32-bit platforms)

	path [4]pathStep // below data
	np   int

	data []byte     // the data object of the body
	strs []string   // for *string fields
	raws rawPack    // for raw values
	text stringPack // for string values
}

// A pathStep is a key, or with index >= 0, an element of an array.
type pathStep struct {
	key   string
	index int
}

// parse reads payload whole and returns its event: a typed event for a
// known type (its departures, if any, in d), an *UnknownEvent, or Svix's
// ping. err is a *PayloadError when the body is not JSON, or has no usable
// envelope: an object with a string "type" and an object "data".
//
// Stack sends "type" before "data", and the data object is then decoded as
// it is read. When "data" comes first, or a later "type" changes the event
// type, the last data object is read again once its type is known.
func (d *decoder) parse(payload []byte) (Event, error) {
	d.b = payload
	b := payload
	i := skipSpace(b, 0)
	if i < len(b) && b[i] != '{' {
		if !validJSON(b) {
			return nil, payloadError("", "not valid JSON")
		}
		return nil, payloadError("", "expected object, got "+kindOf(b[i]))
	}
	if i >= len(b) {
		return nil, payloadError("", "not valid JSON")
	}
	var typ, data, success []byte // the raw values of the last members of those names
	var name string               // typ's text, when a string
	k := -1                       // typ's index in knownTypes; -1: unknown
	var ev Event                  // the event decoded from the data object at evAt,
	evAt, evType := -1, -1        // as evType
	m := d.object(envelopeSchema, i)
	for d.member(&m) {
		switch at := m.i; m.n {
		case envelopeType:
			typ, name, k = nil, "", -1
			if b[at] != '"' {
				m.i = skipValue(b, at, d.depth)
			} else if end, escaped := scanString(b, at); end >= 0 {
				m.i, typ = end, b[at:end]
				name, k = eventType(typ, escaped)
			} else {
				m.i = -1
			}
			if typ == nil && m.i >= 0 {
				typ = b[at:m.i]
			}
		case envelopeData:
			if k >= 0 && b[at] == '{' {
				d.reset()
				ev, m.i = d.event(k, at)
				evAt, evType = at, k
			} else {
				m.i = skipValue(b, at, d.depth)
			}
			if m.i >= 0 {
				data = b[at:m.i]
			}
		case envelopeSuccess:
			if m.i = skipValue(b, at, d.depth); m.i >= 0 {
				success = b[at:m.i]
			}
		}
	}
	if m.i < 0 || skipSpace(b, m.i) != len(b) {
		return nil, payloadError("", "not valid JSON")
	}
	switch {
	case typ == nil && data == nil && success != nil && (success[0] == 't' || success[0] == 'f'):
		return &SvixPing{Success: success[0] == 't'}, nil
	case typ == nil:
		return nil, payloadError("type", "missing")
	case typ[0] != '"':
		return nil, payloadError("type", "expected string, got "+kindOf(typ[0]))
	case data == nil:
		return nil, payloadError("data", "missing")
	case data[0] != '{':
		return nil, payloadError("data", "expected object, got "+kindOf(data[0]))
	}
	d.data = data
	if k < 0 {
		return &UnknownEvent{Type: name, Data: append(RawMessage(nil), data...)}, nil
	}
	if dataAt := cap(b) - cap(data); evAt != dataAt || evType != k { // never, as Stack sends it
		d.reset()
		ev, _ = d.event(k, dataAt)
	}
	d.text.flush()
	return ev, nil
}

// The members of the envelope.
const (
	envelopeType = iota
	envelopeData
	envelopeSuccess
)

var envelopeSchema = &schema{[]field{
	envelopeType:    {key: "type"},
	envelopeData:    {key: "data"},
	envelopeSuccess: {key: "success"}, // Svix's ping: {"success": true}
}}

// The index of each known event type in knownTypes.
const (
	evUserCreated = iota
	evUserUpdated
	evUserDeleted
	evTeamCreated
	evTeamUpdated
	evTeamDeleted
	evTeamMembershipCreated
	evTeamMembershipDeleted
	evTeamPermissionCreated
	evTeamPermissionDeleted
	evProjectPermissionCreated
	evProjectPermissionDeleted
	evIssueCreated
	evIssueRegressed
	evIssueResolved
	evIssueIgnored
	evIssueMerged
	evStackTest
)

// knownTypes are the event types this package decodes, as a schema of
// keys, to find one by its text.
var knownTypes = &schema{[]field{
	evUserCreated:              {key: TypeUserCreated},
	evUserUpdated:              {key: TypeUserUpdated},
	evUserDeleted:              {key: TypeUserDeleted},
	evTeamCreated:              {key: TypeTeamCreated},
	evTeamUpdated:              {key: TypeTeamUpdated},
	evTeamDeleted:              {key: TypeTeamDeleted},
	evTeamMembershipCreated:    {key: TypeTeamMembershipCreated},
	evTeamMembershipDeleted:    {key: TypeTeamMembershipDeleted},
	evTeamPermissionCreated:    {key: TypeTeamPermissionCreated},
	evTeamPermissionDeleted:    {key: TypeTeamPermissionDeleted},
	evProjectPermissionCreated: {key: TypeProjectPermissionCreated},
	evProjectPermissionDeleted: {key: TypeProjectPermissionDeleted},
	evIssueCreated:             {key: TypeIssueCreated},
	evIssueRegressed:           {key: TypeIssueRegressed},
	evIssueResolved:            {key: TypeIssueResolved},
	evIssueIgnored:             {key: TypeIssueIgnored},
	evIssueMerged:              {key: TypeIssueMerged},
	evStackTest:                {key: TypeStackTest},
}}

// eventType returns the text of typ, a raw JSON string, and its index in
// knownTypes, or -1. A known type's text is the constant, not a copy.
func eventType(typ []byte, escaped bool) (string, int) {
	t := typ[1 : len(typ)-1]
	if escaped { // rarely: compared unescaped, as json unescapes it
		t = []byte(unquote(typ, true))
	}
	if k := typeIndex(t); k >= 0 {
		return knownTypes.fields[k].key, k
	}
	return string(t), -1
}

// typeIndex returns the index in knownTypes of the type spelled t, or -1.
// The length and one letter name the only candidate (the types of one
// length differ in a verb, created, updated or deleted, and in their first
// word; issue.merged shares its length with user.* and team.*, and
// issue.created with issue.ignored), which one comparison then confirms.
func typeIndex(t []byte) int {
	var k int
	switch len(t) {
	case len(TypeStackTest):
		k = evStackTest
	case len(TypeUserCreated): // user.*, team.* and issue.merged
		if t[0] == 'i' {
			k = evIssueMerged
			break
		}
		k = evUserCreated
		if t[0] == 't' {
			k = evTeamCreated
		}
		switch t[len("user.")] {
		case 'u':
			k++ // updated
		case 'd':
			k += 2 // deleted
		}
	case len(TypeIssueCreated): // issue.created and issue.ignored
		k = evIssueCreated
		if t[len("issue.")] == 'i' {
			k = evIssueIgnored
		}
	case len(TypeIssueResolved):
		k = evIssueResolved
	case len(TypeIssueRegressed):
		k = evIssueRegressed
	case len(TypeTeamMembershipCreated): // team_membership.* and team_permission.*
		k = evTeamMembershipCreated
		if t[len("team_")] == 'p' {
			k = evTeamPermissionCreated
		}
		if t[len("team_membership.")] == 'd' {
			k++ // deleted
		}
	case len(TypeProjectPermissionCreated):
		k = evProjectPermissionCreated
		if t[len("project_permission.")] == 'd' {
			k++ // deleted
		}
	default:
		return -1
	}
	if !equalKey(t, knownTypes.fields[k].key) {
		return -1
	}
	return k
}

// ProblemUnexpectedKey is the Problem of a departure that is a key this
// release does not know: the event is complete, and the sender sends more.
const ProblemUnexpectedKey = "unexpected key"

// maxKeyInPath bounds an unknown key as a departure's path names it.
const maxKeyInPath = 64

// unknownKey is an unknown raw key as a path names it: unescaped, at most
// maxKeyInPath bytes.
func unknownKey(raw []byte) string {
	k := raw[1 : len(raw)-1]
	for _, c := range k {
		if c == '\\' { // escaped: unescaped, as json reads it
			k = []byte(unquote(raw, true))
			break
		}
	}
	if len(k) > maxKeyInPath {
		return string(k[:maxKeyInPath]) + "..."
	}
	return string(k)
}

// reset forgets the departures of a data object read before.
func (d *decoder) reset() {
	d.first, d.departures, d.identity, d.intErr = nil, departureList{}, false, ""
}

// event decodes the data object at b[at], of a known type, into a new
// event, and returns it and the index past the object (-1: not JSON).
func (d *decoder) event(k, at int) (Event, int) {
	switch k {
	case evUserCreated:
		e := new(UserCreated)
		return e, d.user(&e.Data, at)
	case evUserUpdated:
		e := new(UserUpdated)
		return e, d.user(&e.Data, at)
	case evUserDeleted:
		e := new(UserDeleted)
		return e, d.deletedUser(&e.Data, at)
	case evTeamCreated:
		e := new(TeamCreated)
		return e, d.team(&e.Data, at)
	case evTeamUpdated:
		e := new(TeamUpdated)
		return e, d.team(&e.Data, at)
	case evTeamDeleted:
		e := new(TeamDeleted)
		return e, d.stringFields(idSchema, [3]*string{&e.Data.ID}, at)
	case evTeamMembershipCreated:
		e := new(TeamMembershipCreated)
		return e, d.stringFields(teamMembershipSchema, [3]*string{&e.Data.TeamID, &e.Data.UserID}, at)
	case evTeamMembershipDeleted:
		e := new(TeamMembershipDeleted)
		return e, d.stringFields(teamMembershipSchema, [3]*string{&e.Data.TeamID, &e.Data.UserID}, at)
	case evTeamPermissionCreated:
		e := new(TeamPermissionCreated)
		return e, d.stringFields(teamPermissionSchema, [3]*string{&e.Data.ID, &e.Data.UserID, &e.Data.TeamID}, at)
	case evTeamPermissionDeleted:
		e := new(TeamPermissionDeleted)
		return e, d.stringFields(teamPermissionSchema, [3]*string{&e.Data.ID, &e.Data.UserID, &e.Data.TeamID}, at)
	case evProjectPermissionCreated:
		e := new(ProjectPermissionCreated)
		return e, d.stringFields(projectPermissionSchema, [3]*string{&e.Data.ID, &e.Data.UserID}, at)
	case evProjectPermissionDeleted:
		e := new(ProjectPermissionDeleted)
		return e, d.stringFields(projectPermissionSchema, [3]*string{&e.Data.ID, &e.Data.UserID}, at)
	case evIssueCreated:
		e := new(IssueCreated)
		return e, d.issue(&e.Data, at)
	case evIssueRegressed:
		e := new(IssueRegressed)
		return e, d.issue(&e.Data, at)
	case evIssueResolved:
		e := new(IssueResolved)
		return e, d.issue(&e.Data, at)
	case evIssueIgnored:
		e := new(IssueIgnored)
		return e, d.issue(&e.Data, at)
	case evIssueMerged:
		e := new(IssueMerged)
		return e, d.issue(&e.Data, at)
	case evStackTest:
		e := new(TestEvent)
		return e, d.stringFields(testEventSchema, [3]*string{&e.Data.Message, &e.Data.EndpointURL}, at)
	}
	return nil, skipValue(d.b, at, d.depth)
}

// members reads the members of one object of a schema: see decoder.member.
type members struct {
	s     *schema
	i     int    // where the reading is: at a member's value, after it, or -1: not JSON
	first bool   // no member read yet
	seen  uint64 // bit n: s.fields[n] was present
	n     int    // the field of the member just read (-1: none yet)
}

// field describes the member just read.
func (m *members) field() *field { return &m.s.fields[m.n] }

// object starts reading the object at b[at] (an opening brace).
func (d *decoder) object(s *schema, at int) members {
	d.depth++
	return members{s: s, i: at + 1, first: true, n: -1}
}

// member reads up to the next member of a field of m.s, skipping the
// others, and returns true, m.i at its value: the caller reads it and sets m.i past
// it. At the object's end it reports the required fields that were not
// there, sets m.i past the closing brace, and returns false; on bytes that
// are not JSON, it sets m.i to -1 and returns false.
//
// It first tries the key of the field after the last one read, as Stack
// sends the fields in the order of its schema (and of schema.go): one
// comparison, no scan of the key, no hash.
func (d *decoder) member(m *members) bool {
	for m.i >= 0 {
		want := ""
		if m.n+1 < len(m.s.fields) {
			want = m.s.fields[m.n+1].key
		}
		key, matched, at := nextKey(d.b, m.i, m.first, want)
		m.first = false
		if key == nil {
			if m.i = at; at >= 0 {
				d.depth--
				if m.seen != 1<<len(m.s.fields)-1 { // all there, as Stack sends them
					d.missing(m.s, m.seen)
				}
			}
			return false
		}
		n := m.n + 1
		if !matched {
			n = m.s.lookup(key)
		}
		if n < 0 { // unknown keys are allowed: decoded, ignored, and in best-effort mode listed
			if d.bestEffort && !d.departures.full() {
				d.record(unknownKey(key), ProblemUnexpectedKey)
			}
			m.i = skipValue(d.b, at, d.depth)
			continue
		}
		m.seen |= 1 << n
		m.i, m.n = at, n
		return true
	}
	return false
}

// The walkers below decode an object of their schema at b[at] and return
// the index just past it, or -1 where the bytes are not JSON. Those called
// for a member (f) read a value of any kind there, and report a departure
// where it is not an object.

func (d *decoder) user(u *User, at int) int {
	m := d.object(userSchema, at)
	for d.member(&m) {
		f, at := m.field(), m.i
		switch m.n {
		case userID:
			m.i = d.str(&u.ID, f, at)
		case userPrimaryEmail:
			m.i = d.strPtr(&u.PrimaryEmail, f, at)
		case userPrimaryEmailVerified:
			m.i = d.boolean(&u.PrimaryEmailVerified, f, at)
		case userPrimaryEmailAuthEnabled:
			m.i = d.boolean(&u.PrimaryEmailAuthEnabled, f, at)
		case userDisplayName:
			m.i = d.strPtr(&u.DisplayName, f, at)
		case userSelectedTeam:
			var object bool
			if m.i, object = pointer(d, &u.SelectedTeam, f, at); object {
				d.push(f.key, -1)
				m.i = d.team(u.SelectedTeam, at)
				d.pop()
			}
		case userSelectedTeamID:
			m.i = d.strPtr(&u.SelectedTeamID, f, at)
		case userProfileImageURL:
			m.i = d.strPtr(&u.ProfileImageURL, f, at)
		case userSignedUpAtMillis:
			m.i = d.int64(&u.SignedUpAtMillis, f, at)
		case userHasPassword:
			m.i = d.boolean(&u.HasPassword, f, at)
		case userOTPAuthEnabled:
			m.i = d.boolean(&u.OTPAuthEnabled, f, at)
		case userPasskeyAuthEnabled:
			m.i = d.boolean(&u.PasskeyAuthEnabled, f, at)
		case userClientMetadata:
			m.i = d.raw(&u.ClientMetadata, f, at)
		case userClientReadOnlyMetadata:
			m.i = d.raw(&u.ClientReadOnlyMetadata, f, at)
		case userServerMetadata:
			m.i = d.raw(&u.ServerMetadata, f, at)
		case userLastActiveAtMillis:
			m.i = d.int64(&u.LastActiveAtMillis, f, at)
		case userIsAnonymous:
			m.i = d.boolean(&u.IsAnonymous, f, at)
		case userIsRestricted:
			m.i = d.boolean(&u.IsRestricted, f, at)
		case userRestrictedReason:
			var object bool
			if m.i, object = pointer(d, &u.RestrictedReason, f, at); object {
				d.push(f.key, -1)
				m.i = d.stringFields(restrictedReasonSchema, [3]*string{&u.RestrictedReason.Type}, at)
				d.pop()
			}
		case userRestrictedByAdmin:
			m.i = d.boolean(&u.RestrictedByAdmin, f, at)
		case userRestrictedByAdminReason:
			m.i = d.strPtr(&u.RestrictedByAdminReason, f, at)
		case userRestrictedByAdminPrivateDetails:
			m.i = d.strPtr(&u.RestrictedByAdminPrivateDetails, f, at)
		case userCountryCode:
			m.i = d.strPtr(&u.CountryCode, f, at)
		case userRiskScores:
			m.i = d.riskScores(&u.RiskScores, f, at)
		case userOAuthProviders:
			m.i = objects(d, &u.OAuthProviders, f, at, d.oauthProvider)
		case userExternalAuthProviders:
			m.i = objects(d, &u.ExternalAuthProviders, f, at, d.externalAuthProvider)
		case userAuthWithEmail:
			m.i = d.boolean(&u.AuthWithEmail, f, at)
		case userRequiresTOTPMFA:
			m.i = d.boolean(&u.RequiresTOTPMFA, f, at)
		default:
			m.i = skipValue(d.b, at, d.depth)
		}
	}
	return m.i
}

func (d *decoder) team(t *Team, at int) int {
	m := d.object(teamSchema, at)
	for d.member(&m) {
		f, at := m.field(), m.i
		switch m.n {
		case teamID:
			m.i = d.str(&t.ID, f, at)
		case teamDisplayName:
			m.i = d.str(&t.DisplayName, f, at)
		case teamProfileImageURL:
			m.i = d.strPtr(&t.ProfileImageURL, f, at)
		case teamCreatedAtMillis:
			m.i = d.int64(&t.CreatedAtMillis, f, at)
		case teamClientMetadata:
			m.i = d.raw(&t.ClientMetadata, f, at)
		case teamClientReadOnlyMetadata:
			m.i = d.raw(&t.ClientReadOnlyMetadata, f, at)
		case teamServerMetadata:
			m.i = d.raw(&t.ServerMetadata, f, at)
		default:
			m.i = skipValue(d.b, at, d.depth)
		}
	}
	return m.i
}

func (d *decoder) riskScores(r *RiskScores, f *field, at int) int {
	if d.b[at] != '{' {
		return d.other(f, at)
	}
	d.push(f.key, -1)
	defer d.pop()
	m := d.object(riskScoresSchema, at)
	for d.member(&m) { // sign_up, the one field
		if d.b[m.i] != '{' {
			m.i = d.other(m.field(), m.i)
			continue
		}
		d.push(m.field().key, -1)
		n := d.object(signUpRiskSchema, m.i)
		for d.member(&n) {
			switch n.n {
			case signUpBot:
				n.i = d.int(&r.SignUp.Bot, n.field(), n.i)
			case signUpFreeTrialAbuse:
				n.i = d.int(&r.SignUp.FreeTrialAbuse, n.field(), n.i)
			default:
				n.i = skipValue(d.b, n.i, d.depth)
			}
		}
		d.pop()
		m.i = n.i
	}
	return m.i
}

// pointer prepares the pointer field *p for the value at b[at] as json
// does: null sets nil; any other value first allocates *p if it is nil,
// whatever the value's kind. For an object it returns at and true, and the
// caller decodes the object into *p; another kind is a departure that
// leaves *p as it is, and pointer returns the index past it.
func pointer[T any](d *decoder, p **T, f *field, at int) (end int, object bool) {
	if d.b[at] == 'n' {
		*p = nil
		return d.other(f, at), false
	}
	if *p == nil {
		*p = new(T)
	}
	if d.b[at] != '{' {
		return d.other(f, at), false
	}
	return at, true
}

// grow makes s long enough to hold element n, as json does for an array
// decoded into a slice: within the capacity it extends the length over the
// elements already there (what an earlier, longer value of the same key
// left: json decodes into them, merging), beyond it it appends a zero one.
// A first element comes with room for a second: Stack's arrays are short
// (a user's OAuth providers, a deleted user's teams), and one allocation
// then holds them, where appending one at a time takes two and moves the
// first. The capacity is not part of the result: json grows its slices
// otherwise, and what lies beyond the length is zero either way until a
// value writes it. (Room for four saves nothing more on Stack's payloads,
// and under TinyGo, whose append starts larger, it costs bytes.)
func grow[E any](s []E, n int) []E {
	if n < len(s) {
		return s
	}
	if n < cap(s) {
		return s[:n+1]
	}
	if cap(s) == 0 {
		return make([]E, 1, firstCap)
	}
	var zero E
	return append(s, zero)
}

// firstCap is the capacity of a slice decoded from a non-empty array.
const firstCap = 2

// truncate ends s after n elements, as json does at an array's end: an
// empty array gives a new empty slice (dropping what was there, capacity
// included), a longer one keeps the capacity.
func truncate[E any](s []E, n int) []E {
	if n == 0 {
		return []E{}
	}
	return s[:n]
}

// objects decodes an array of objects into *s as json does: element n goes
// into the existing (*s)[n] when there is one (grow), the slice ends with
// the last element, [] gives an empty, non-nil slice, and null nil. elem
// decodes one object at b[at] and returns the index past it; an element
// that is not an object is a departure, and left as it is.
func objects[E any](d *decoder, s *[]E, f *field, at int, elem func(e *E, at int) int) int {
	switch d.b[at] {
	case 'n':
		*s = nil
		return d.other(f, at)
	case '[':
	default:
		return d.other(f, at)
	}
	if i := skipSpace(d.b, at+1); i < len(d.b) && d.b[i] == ']' && cap(*s) == 0 { // [], with no elements to keep
		*s = []E{}
		return i + 1
	}
	d.push(f.key, -1) // popped at each return below
	d.depth++
	i, n := at+1, 0
	if cap(*s) > 0 { // an earlier value of this key: its elements may hold pending fields
		d.text.flush()
	}
	mark := d.text.mark()
	for first := true; ; first = false {
		at, more := nextElement(d.b, i, first)
		if !more {
			d.depth--
			d.pop()
			*s = truncate(*s, n)
			return at
		}
		if n == cap(*s) && d.text.since(mark) {
			d.text.flush() // the elements move: set their pending fields first
		}
		*s = grow(*s, n)
		d.push("", n)
		if d.b[at] == '{' {
			i = elem(&(*s)[n], at)
		} else if i = skipValue(d.b, at, d.depth); i >= 0 && d.wants("") {
			d.record("", "expected object, got "+kindOf(d.b[at]))
		}
		d.pop()
		if i < 0 {
			d.pop()
			return -1
		}
		n++
	}
}

// oauthProvider decodes one element of oauth_providers.
func (d *decoder) oauthProvider(p *OAuthProvider, at int) int {
	m := d.object(oauthProviderSchema, at)
	for d.member(&m) {
		switch m.n {
		case oauthID:
			m.i = d.str(&p.ID, m.field(), m.i)
		case oauthAccountID:
			m.i = d.str(&p.AccountID, m.field(), m.i)
		case oauthEmail:
			m.i = d.strPtr(&p.Email, m.field(), m.i)
		default:
			m.i = skipValue(d.b, m.i, d.depth)
		}
	}
	return m.i
}

// externalAuthProvider decodes one element of external_auth_providers.
func (d *decoder) externalAuthProvider(p *ExternalAuthProvider, at int) int {
	return d.stringFields(idSchema, [3]*string{&p.ID}, at)
}

// issue decodes the data of an issue.* event.
func (d *decoder) issue(is *Issue, at int) int {
	m := d.object(issueSchema, at)
	for d.member(&m) {
		f, at := m.field(), m.i
		switch m.n {
		case issueID:
			m.i = d.str(&is.ID, f, at)
		case issueShortID:
			m.i = d.str((*string)(&is.ShortID), f, at)
		case issueType:
			m.i = d.str(&is.Type, f, at)
		case issueValue:
			m.i = d.str(&is.Value, f, at)
		case issueCulprit:
			m.i = d.str(&is.Culprit, f, at)
		case issueLevel:
			m.i = d.str(&is.Level, f, at)
		case issueStatus:
			m.i = d.str(&is.Status, f, at)
		case issueSubstatus:
			m.i = d.str(&is.Substatus, f, at)
		case issueFirstSeenAtMillis:
			m.i = d.int64(&is.FirstSeenAtMillis, f, at)
		case issueLastSeenAtMillis:
			m.i = d.int64(&is.LastSeenAtMillis, f, at)
		case issueTimesSeen:
			m.i = d.str((*string)(&is.TimesSeen), f, at)
		case issueServiceName:
			m.i = d.strPtr(&is.ServiceName, f, at)
		case issueEnvironment:
			m.i = d.strPtr(&is.Environment, f, at)
		case issueRelease:
			m.i = d.strPtr(&is.Release, f, at)
		case issueURL:
			m.i = d.str(&is.URL, f, at)
		default:
			m.i = skipValue(d.b, at, d.depth)
		}
	}
	return m.i
}

// teamRef decodes one element of user.deleted's teams.
func (d *decoder) teamRef(t *DeletedUserTeam, at int) int {
	return d.stringFields(idSchema, [3]*string{&t.ID}, at)
}

func (d *decoder) deletedUser(u *DeletedUser, at int) int {
	m := d.object(deletedUserSchema, at)
	for d.member(&m) {
		switch f, at := m.field(), m.i; m.n {
		case deletedUserID:
			m.i = d.str(&u.ID, f, at)
		case deletedUserTeams:
			m.i = objects(d, &u.Teams, f, at, d.teamRef)
		default:
			m.i = skipValue(d.b, at, d.depth)
		}
	}
	return m.i
}

// stringFields decodes the object at b[at], whose fields in s are all
// strings, into the field at the same index in dsts.
func (d *decoder) stringFields(s *schema, dsts [3]*string, at int) int {
	m := d.object(s, at)
	for d.member(&m) {
		m.i = d.str(dsts[m.n], m.field(), m.i)
	}
	return m.i
}

// The setters below read the value at b[at] for the field f and return the
// index just past it (-1: not JSON). A value of f's kind is decoded into
// the field; null or another kind is left to other.

func (d *decoder) str(dst *string, f *field, at int) int {
	if d.b[at] != '"' {
		return d.other(f, at)
	}
	end, escaped := scanString(d.b, at)
	switch {
	case end < 0:
	case escaped:
		d.text.set(dst, unquote(d.b[at:end], escaped))
	default:
		d.text.add(dst, d.b[at+1:end-1])
	}
	return end
}

// strPtr sets a *string field: null sets nil; any other value allocates the
// string first, as json does, then decodes into it if it is a string
// (another kind leaves it ""). The strings pointed to are taken from a
// block, eight at a time; a string longer than packMax in the payload gets a
// header of its own instead, and its slot in the block is emptied, so that the block
// points only to short strings: a kept pointer retains the block, at most
// seven short strings besides its own, and their packs (about 2 KiB), never
// another field's long value.
func (d *decoder) strPtr(dst **string, f *field, at int) int {
	if d.b[at] == 'n' {
		*dst = nil
		return d.other(f, at)
	}
	if *dst == nil {
		if len(d.strs) == cap(d.strs) {
			d.strs = make([]string, 0, 8)
		}
		d.strs = d.strs[:len(d.strs)+1]
		*dst = &d.strs[len(d.strs)-1]
	}
	end := d.str(*dst, f, at)
	if d.b[at] == '"' && end-at-2 > packMax {
		// A long string (raw): set now, never packed (a short one may
		// still be pending in the pack, and stays where it will be set).
		own := new(string)
		*own, **dst = **dst, ""
		*dst = own
	}
	return end
}

func (d *decoder) boolean(dst *bool, f *field, at int) int {
	switch d.b[at] {
	case 't':
		*dst = true
		return literalAt(d.b, at, "true")
	case 'f':
		*dst = false
		return literalAt(d.b, at, "false")
	}
	return d.other(f, at)
}

func (d *decoder) int64(dst *int64, f *field, at int) int {
	n, ok, end := d.integer(f, at)
	if ok {
		*dst = n
	}
	return end
}

// int sets an int field; on a 32-bit platform a value over its range is the
// error json gives (risk scores are the only int fields).
func (d *decoder) int(dst *int, f *field, at int) int {
	n, ok, end := d.integer(f, at)
	switch {
	case !ok:
	case int64(int(n)) != n:
		if d.intErr == "" {
			d.intErr = "json: cannot unmarshal number " + string(d.b[at:end]) + " into Go struct field SignUpRiskScores.risk_scores.sign_up." + f.key + " of type int"
		}
	default:
		*dst = int(n)
	}
	return end
}

// integer reads an integer for f: ok is false for another kind, or for a
// number that is not an int64 (a departure).
func (d *decoder) integer(f *field, at int) (n int64, ok bool, end int) {
	if c := d.b[at]; c != '-' && (c < '0' || c > '9') {
		return 0, false, d.other(f, at)
	}
	if end = numberAt(d.b, at); end < 0 {
		return 0, false, -1
	}
	if n, ok = parseInt64(d.b[at:end]); !ok {
		d.notInteger(f, d.b[at:end])
	}
	return n, ok, end
}

// raw keeps the raw bytes of any value, as RawMessage does.
func (d *decoder) raw(dst *RawMessage, f *field, at int) int {
	end := skipValue(d.b, at, d.depth)
	if end < 0 {
		return -1
	}
	if d.b[at] == 'n' && !f.nullable && d.wants(f.key) {
		d.record(f.key, "expected "+f.kind.String()+", got null")
	}
	v := d.b[at:end]
	if cap(*dst) >= len(v) { // json appends to what was there: the same bytes
		*dst = append((*dst)[:0], v...)
		return end
	}
	*dst = d.raws.copy(v)
	return end
}

// other reads a value that is not of f's kind, leaving the field as it is:
// null departs unless f is nullable; another kind departs.
func (d *decoder) other(f *field, at int) int {
	end := skipValue(d.b, at, d.depth)
	if end < 0 {
		return -1
	}
	if got := kindOf(d.b[at]); (got != "null" || !f.nullable) && d.wants(f.key) {
		d.record(f.key, "expected "+f.kind.String()+", got "+got)
	}
	return end
}

// notInteger reports a number that is not an int64.
func (d *decoder) notInteger(f *field, v []byte) {
	if !d.wants(f.key) {
		return
	}
	if len(v) > 40 { // a number can be a megabyte long
		v = append(v[:40:40], "..."...)
	}
	d.record(f.key, "expected integer, got "+string(v))
}

// missing reports the required fields of s that an object lacked.
func (d *decoder) missing(s *schema, seen uint64) {
	for n := range s.fields {
		if f := &s.fields[n]; f.required && seen&(1<<n) == 0 && d.wants(f.key) {
			d.record(f.key, "missing")
		}
	}
}

// wants is called once for each departure, at key of the object being
// read ("" for the element being read), and reports whether to record it:
// ParseEvent records the first, ParseEventBestEffort the first
// MaxDepartures and counts the others. It notes a departure of a key that
// identifies the object.
func (d *decoder) wants(key string) bool {
	if d.np == 0 && (key == "id" || key == "team_id" || key == "user_id") {
		d.identity = true
	}
	if !d.bestEffort {
		return d.first == nil
	}
	return !d.departures.full()
}

// record records a departure at key ("" for the element being read).
func (d *decoder) record(key, problem string) {
	path := "data"
	for _, s := range d.path[:d.np] {
		if s.index >= 0 {
			path += "[" + strconv.Itoa(s.index) + "]"
		} else {
			path += "." + s.key
		}
	}
	if key != "" {
		path += "." + key
	}
	e := &PayloadError{Path: path, Problem: problem}
	if !d.bestEffort {
		d.first = e
		return
	}
	d.departures.list = append(d.departures.list, e)
}

func (d *decoder) push(key string, index int) {
	d.path[d.np] = pathStep{key, index}
	d.np++
}

func (d *decoder) pop() { d.np-- }
