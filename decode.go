package stackwebhook

import (
	"encoding/json"
	"strconv"
)

// This file decodes the data object of a known event into its struct
// straight from the raw JSON, without encoding/json's reflection: the keys
// are fixed and known (schema.go). It gives exactly what json.Unmarshal
// gives, which decode_test.go checks over every payload in testdata and
// FuzzDecodeMatchesEncodingJSON over arbitrary ones:
//
//   - keys match exactly: a key that matches a field only in another letter
//     case is an unknown key, as Stack's keys are exact (json would take
//     it, so the oracle strips such keys first); unknown keys are skipped; a key given twice is decoded twice, the second into
//     what the first left (objects and array elements merge, as in json);
//   - strings are unescaped as json does: invalid UTF-8 and lone surrogates
//     become U+FFFD;
//   - integers are parsed by strconv.ParseInt; a value of another kind, or
//     null into a field that is not a pointer, slice or raw JSON, leaves the
//     field as it was (json's UnmarshalTypeError, which ParseEvent's schema
//     check has already refused, and ParseEventBestEffort reports);
//   - metadata keeps the raw bytes of the value, null included.
//
// It never recurses deeper than the types nest (four levels), whatever the
// input.

// decodeEvent decodes data, the data object of an event of a known type,
// into a new event. The error is json's for an int that overflows on a
// 32-bit platform (risk scores), which ParseEvent reports as encoding/json
// did.
func decodeEvent(eventType string, data []byte) (Event, error) {
	d := decoder{data: data, src: string(data)}
	var ev Event
	switch eventType {
	case TypeUserCreated:
		e := new(UserCreated)
		d.user(&e.Data, data, 0)
		ev = e
	case TypeUserUpdated:
		e := new(UserUpdated)
		d.user(&e.Data, data, 0)
		ev = e
	case TypeUserDeleted:
		e := new(UserDeleted)
		d.deletedUser(&e.Data, data, 0)
		ev = e
	case TypeTeamCreated:
		e := new(TeamCreated)
		d.team(&e.Data, data, 0)
		ev = e
	case TypeTeamUpdated:
		e := new(TeamUpdated)
		d.team(&e.Data, data, 0)
		ev = e
	case TypeTeamDeleted:
		e := new(TeamDeleted)
		d.strings(data, [3]string{"id"}, [3]*string{&e.Data.ID})
		ev = e
	case TypeTeamMembershipCreated:
		e := new(TeamMembershipCreated)
		d.strings(data, [3]string{"team_id", "user_id"}, [3]*string{&e.Data.TeamID, &e.Data.UserID})
		ev = e
	case TypeTeamMembershipDeleted:
		e := new(TeamMembershipDeleted)
		d.strings(data, [3]string{"team_id", "user_id"}, [3]*string{&e.Data.TeamID, &e.Data.UserID})
		ev = e
	case TypeTeamPermissionCreated:
		e := new(TeamPermissionCreated)
		d.strings(data, [3]string{"id", "user_id", "team_id"}, [3]*string{&e.Data.ID, &e.Data.UserID, &e.Data.TeamID})
		ev = e
	case TypeTeamPermissionDeleted:
		e := new(TeamPermissionDeleted)
		d.strings(data, [3]string{"id", "user_id", "team_id"}, [3]*string{&e.Data.ID, &e.Data.UserID, &e.Data.TeamID})
		ev = e
	case TypeProjectPermissionCreated:
		e := new(ProjectPermissionCreated)
		d.strings(data, [3]string{"id", "user_id"}, [3]*string{&e.Data.ID, &e.Data.UserID})
		ev = e
	case TypeProjectPermissionDeleted:
		e := new(ProjectPermissionDeleted)
		d.strings(data, [3]string{"id", "user_id"}, [3]*string{&e.Data.ID, &e.Data.UserID})
		ev = e
	case TypeStackTest:
		e := new(TestEvent)
		d.strings(data, [3]string{"message", "endpointUrl"}, [3]*string{&e.Data.Message, &e.Data.EndpointURL})
		ev = e
	default:
		return nil, nil
	}
	if d.err != "" {
		return ev, payloadError("data", d.err)
	}
	return ev, nil
}

// decoder holds what one decoding shares: the data and one string copy of
// it, of which the keys are substrings while they are compared (one
// allocation for all of them, dropped when the decoding ends); a block of
// strings for the *string fields to point into; and the first error, as
// json reports the first.
//
// Every string value gets its own copy, as with json.Unmarshal: a string a
// caller keeps (a user's id, say) retains its own bytes, never the payload
// around it, whose metadata end users write and can make large.
type decoder struct {
	data []byte
	src  string
	strs []string
	err  string
}

// text returns the string value v, a slice of d.data, in its own memory.
func (d *decoder) text(v []byte) string { return unquote(v) }

// key returns the member key v, a slice of d.data, without copying it:
// a substring of d.src, or unescaped.
func (d *decoder) key(v []byte) string {
	if !plainString(v) {
		return unquote(v)
	}
	off := cap(d.data) - cap(v) // v shares d.data's array, from this offset
	return d.src[off+1 : off+len(v)-1]
}

// The walkers below take the data and the index of a value in it, decode
// it, and return the index just past it, so that a nested object is read
// once, not first measured and then read. Values they do not descend into
// are measured with valueEnd.

// memberKey reads the key of the member at b[i], b a slice of d.data
// (false at the closing brace), and returns the index of its value. The key
// is a substring of d.src, or unescaped: comparing it allocates nothing, on
// any compiler.
func (d *decoder) memberKey(b []byte, i int) (key string, value int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	end := stringEnd(b, i)
	return d.key(b[i:end]), skipSpace(b, skipSpace(b, end)+1), true
}

func (d *decoder) user(u *User, b []byte, i int) int {
	if i = openObject(b, i); i < 0 {
		return -1
	}
	for {
		key, at, ok := d.memberKey(b, i)
		if !ok {
			return i + 1 // past the closing brace
		}
		switch key { // the values decoded in place
		case "selected_team":
			if b[at] == 'n' {
				u.SelectedTeam = nil
				break
			}
			if u.SelectedTeam == nil { // json allocates first, whatever the value's kind
				u.SelectedTeam = new(Team)
			}
			i = afterValue(b, d.team(u.SelectedTeam, b, at))
			continue
		case "risk_scores":
			i = afterValue(b, d.riskScores(&u.RiskScores, b, at))
			continue
		case "oauth_providers":
			i = afterValue(b, d.oauthProviders(&u.OAuthProviders, b, at))
			continue
		}
		v, end := valueAt(b, at)
		i = afterValue(b, end)
		switch key {
		case "id":
			d.setString(&u.ID, v)
		case "primary_email":
			d.setStringPtr(&u.PrimaryEmail, v)
		case "primary_email_verified":
			setBool(&u.PrimaryEmailVerified, v)
		case "primary_email_auth_enabled":
			setBool(&u.PrimaryEmailAuthEnabled, v)
		case "display_name":
			d.setStringPtr(&u.DisplayName, v)
		case "selected_team":
			u.SelectedTeam = nil // null (other values are decoded above)
		case "selected_team_id":
			d.setStringPtr(&u.SelectedTeamID, v)
		case "profile_image_url":
			d.setStringPtr(&u.ProfileImageURL, v)
		case "signed_up_at_millis":
			setInt64(&u.SignedUpAtMillis, v)
		case "has_password":
			setBool(&u.HasPassword, v)
		case "otp_auth_enabled":
			setBool(&u.OTPAuthEnabled, v)
		case "passkey_auth_enabled":
			setBool(&u.PasskeyAuthEnabled, v)
		case "client_metadata":
			setRaw(&u.ClientMetadata, v)
		case "client_read_only_metadata":
			setRaw(&u.ClientReadOnlyMetadata, v)
		case "server_metadata":
			setRaw(&u.ServerMetadata, v)
		case "last_active_at_millis":
			setInt64(&u.LastActiveAtMillis, v)
		case "is_anonymous":
			setBool(&u.IsAnonymous, v)
		case "is_restricted":
			setBool(&u.IsRestricted, v)
		case "restricted_reason":
			if v[0] == 'n' {
				u.RestrictedReason = nil
				break
			}
			if u.RestrictedReason == nil {
				u.RestrictedReason = new(RestrictedReason)
			}
			d.strings(v, [3]string{"type"}, [3]*string{&u.RestrictedReason.Type})
		case "restricted_by_admin":
			setBool(&u.RestrictedByAdmin, v)
		case "restricted_by_admin_reason":
			d.setStringPtr(&u.RestrictedByAdminReason, v)
		case "restricted_by_admin_private_details":
			d.setStringPtr(&u.RestrictedByAdminPrivateDetails, v)
		case "country_code":
			d.setStringPtr(&u.CountryCode, v)
		case "auth_with_email":
			setBool(&u.AuthWithEmail, v)
		case "requires_totp_mfa":
			setBool(&u.RequiresTOTPMFA, v)
		}
	}
}

// team decodes the value at b[i] into t if it is an object, and returns the
// index past it.
func (d *decoder) team(t *Team, b []byte, i int) int {
	start := i
	if i = openObject(b, i); i < 0 {
		return valueEnd(b, start)
	}
	for {
		key, at, ok := d.memberKey(b, i)
		if !ok {
			return i + 1 // past the closing brace
		}
		v, end := valueAt(b, at)
		i = afterValue(b, end)
		switch key {
		case "id":
			d.setString(&t.ID, v)
		case "display_name":
			d.setString(&t.DisplayName, v)
		case "profile_image_url":
			d.setStringPtr(&t.ProfileImageURL, v)
		case "created_at_millis":
			setInt64(&t.CreatedAtMillis, v)
		case "client_metadata":
			setRaw(&t.ClientMetadata, v)
		case "client_read_only_metadata":
			setRaw(&t.ClientReadOnlyMetadata, v)
		case "server_metadata":
			setRaw(&t.ServerMetadata, v)
		}
	}
}

func (d *decoder) riskScores(r *RiskScores, b []byte, i int) int {
	start := i
	if i = openObject(b, i); i < 0 {
		return valueEnd(b, start)
	}
	for {
		key, at, ok := d.memberKey(b, i)
		if !ok {
			return i + 1 // past the closing brace
		}
		v, end := valueAt(b, at)
		i = afterValue(b, end)
		if key != "sign_up" || v[0] != '{' {
			continue
		}
		for j := openObject(v, 0); ; {
			k, vat, more := d.memberKey(v, j)
			if !more {
				break
			}
			w, wend := valueAt(v, vat)
			j = afterValue(v, wend)
			switch k {
			case "bot":
				d.setInt(&r.SignUp.Bot, w, "bot")
			case "free_trial_abuse":
				d.setInt(&r.SignUp.FreeTrialAbuse, w, "free_trial_abuse")
			}
		}
	}
}

// grow makes s long enough to hold element n, as json does for an array
// decoded into a slice: within the capacity it extends the length over the
// elements already there (what an earlier, longer value of the same key
// left: json decodes into them, merging), beyond it it appends a zero one.
func grow[E any](s []E, n int) []E {
	if n < len(s) {
		return s
	}
	if n < cap(s) {
		return s[:n+1]
	}
	var zero E
	return append(s, zero)
}

// truncate ends s after n elements, as json does at an array's end: an
// empty array gives a new empty slice (dropping what was there, capacity
// included), a longer one keeps the capacity.
func truncate[E any](s []E, n int) []E {
	if n == 0 {
		return []E{}
	}
	return s[:n]
}

// oauthProviders decodes an array into *s as json does: element n goes
// into the existing (*s)[n] when there is one (grow), the slice ends with
// the last element, and [] gives an empty, non-nil slice.
func (d *decoder) oauthProviders(s *[]OAuthProvider, b []byte, i int) int {
	switch b[i] {
	case 'n':
		*s = nil
		return i + 4
	case '[':
	default:
		return valueEnd(b, i)
	}
	n := 0
	for i = skipSpace(b, i+1); i < len(b) && b[i] != ']'; n++ {
		v, end := valueAt(b, i)
		i = afterValue(b, end)
		*s = grow(*s, n)
		p := &(*s)[n]
		for j := openObject(v, 0); j >= 0; {
			k, vat, more := d.memberKey(v, j)
			if !more {
				break
			}
			w, wend := valueAt(v, vat)
			j = afterValue(v, wend)
			switch k {
			case "id":
				d.setString(&p.ID, w)
			case "account_id":
				d.setString(&p.AccountID, w)
			case "email":
				d.setStringPtr(&p.Email, w)
			}
		}
	}
	*s = truncate(*s, n)
	return i + 1
}

func (d *decoder) deletedUser(u *DeletedUser, b []byte, i int) int {
	if i = openObject(b, i); i < 0 {
		return -1
	}
	for {
		key, at, ok := d.memberKey(b, i)
		if !ok {
			return i + 1 // past the closing brace
		}
		v, end := valueAt(b, at)
		i = afterValue(b, end)
		switch key {
		case "id":
			d.setString(&u.ID, v)
		case "teams":
			switch v[0] {
			case 'n':
				u.Teams = nil
			case '[':
				n := 0
				for j := skipSpace(v, 1); j < len(v) && v[j] != ']'; n++ {
					w, wend := valueAt(v, j)
					j = afterValue(v, wend)
					u.Teams = grow(u.Teams, n)
					d.strings(w, [3]string{"id"}, [3]*string{&u.Teams[n].ID})
				}
				u.Teams = truncate(u.Teams, n)
			}
		}
	}
}

// strings decodes the string members of obj named in keys into the fields
// at the same index of dsts (unused places nil). It does nothing if obj is
// not an object.
func (d *decoder) strings(obj []byte, keys [3]string, dsts [3]*string) {
	for i := openObject(obj, 0); i >= 0; {
		key, at, ok := d.memberKey(obj, i)
		if !ok {
			return
		}
		v, end := valueAt(obj, at)
		i = afterValue(obj, end)
		for f, k := range keys {
			if dsts[f] != nil && key == k {
				d.setString(dsts[f], v)
			}
		}
	}
}

func (d *decoder) setString(dst *string, v []byte) {
	if v[0] == '"' {
		*dst = d.text(v)
	}
}

// setStringPtr sets a *string field: null sets nil; any other value
// allocates the string first, as json does, then decodes into it if it is a
// string (another kind leaves it ""). The strings pointed to are taken from
// a block, eight at a time.
func (d *decoder) setStringPtr(dst **string, v []byte) {
	if v[0] == 'n' {
		*dst = nil
		return
	}
	if *dst == nil {
		if len(d.strs) == cap(d.strs) {
			d.strs = make([]string, 0, 8)
		}
		d.strs = d.strs[:len(d.strs)+1]
		*dst = &d.strs[len(d.strs)-1]
	}
	d.setString(*dst, v)
}

func setBool(dst *bool, v []byte) {
	switch v[0] {
	case 't':
		*dst = true
	case 'f':
		*dst = false
	}
}

func setInt64(dst *int64, v []byte) {
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			*dst = n
		}
	}
}

// setInt sets an int field; on a 32-bit platform a value over its range is
// the error json gives (risk scores are the only int fields).
func (d *decoder) setInt(dst *int, v []byte, key string) {
	if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return
	}
	if int64(int(n)) != n {
		if d.err == "" {
			d.err = "json: cannot unmarshal number " + string(v) + " into Go struct field SignUpRiskScores.risk_scores.sign_up." + key + " of type int"
		}
		return
	}
	*dst = int(n)
}

// setRaw keeps the raw bytes of any value, as json.RawMessage does.
func setRaw(dst *json.RawMessage, v []byte) {
	*dst = append((*dst)[:0], v...)
}
