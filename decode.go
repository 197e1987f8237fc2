package stackwebhook

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file decodes the data object of a known event into its struct
// straight from the raw JSON, without encoding/json's reflection: the keys
// are fixed and known (schema.go). It gives exactly what json.Unmarshal
// gives, which decode_test.go checks over every payload in testdata and
// FuzzDecodeMatchesEncodingJSON over arbitrary ones:
//
//   - keys match exactly (ParseEvent has stripped the members whose key
//     matches only case-insensitively, which json would also take); unknown
//     keys are skipped; a key given twice is decoded twice, the second into
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
	var d decoder
	var ev Event
	switch eventType {
	case TypeUserCreated:
		e := new(UserCreated)
		d.user(&e.Data, data)
		ev = e
	case TypeUserUpdated:
		e := new(UserUpdated)
		d.user(&e.Data, data)
		ev = e
	case TypeUserDeleted:
		e := new(UserDeleted)
		d.deletedUser(&e.Data, data)
		ev = e
	case TypeTeamCreated:
		e := new(TeamCreated)
		d.team(&e.Data, data)
		ev = e
	case TypeTeamUpdated:
		e := new(TeamUpdated)
		d.team(&e.Data, data)
		ev = e
	case TypeTeamDeleted:
		e := new(TeamDeleted)
		d.strings(data, "id", &e.Data.ID)
		ev = e
	case TypeTeamMembershipCreated:
		e := new(TeamMembershipCreated)
		d.strings(data, "team_id", &e.Data.TeamID, "user_id", &e.Data.UserID)
		ev = e
	case TypeTeamMembershipDeleted:
		e := new(TeamMembershipDeleted)
		d.strings(data, "team_id", &e.Data.TeamID, "user_id", &e.Data.UserID)
		ev = e
	case TypeTeamPermissionCreated:
		e := new(TeamPermissionCreated)
		d.strings(data, "id", &e.Data.ID, "user_id", &e.Data.UserID, "team_id", &e.Data.TeamID)
		ev = e
	case TypeTeamPermissionDeleted:
		e := new(TeamPermissionDeleted)
		d.strings(data, "id", &e.Data.ID, "user_id", &e.Data.UserID, "team_id", &e.Data.TeamID)
		ev = e
	case TypeProjectPermissionCreated:
		e := new(ProjectPermissionCreated)
		d.strings(data, "id", &e.Data.ID, "user_id", &e.Data.UserID)
		ev = e
	case TypeProjectPermissionDeleted:
		e := new(ProjectPermissionDeleted)
		d.strings(data, "id", &e.Data.ID, "user_id", &e.Data.UserID)
		ev = e
	case TypeStackTest:
		e := new(TestEvent)
		d.strings(data, "message", &e.Data.Message, "endpointUrl", &e.Data.EndpointURL)
		ev = e
	default:
		return nil, nil
	}
	if d.err != "" {
		return ev, payloadError("data", d.err)
	}
	return ev, nil
}

// decoder holds the first error, as json reports the first.
type decoder struct{ err string }

// nextMember returns the member of obj at or after index i (a member's
// start, or the closing brace) and the index of the next one.
func nextMember(obj []byte, i int) (key, value []byte, next int, ok bool) {
	if i >= len(obj) || obj[i] != '"' {
		return nil, nil, i, false
	}
	keyEnd := stringEnd(obj, i)
	start := skipSpace(obj, skipSpace(obj, keyEnd)+1) // past ':'
	end := valueEnd(obj, start)
	next = skipSpace(obj, end)
	if next < len(obj) && obj[next] == ',' {
		next = skipSpace(obj, next+1)
	}
	return obj[i:keyEnd], obj[start:end], next, true
}

// nextElement is nextMember for the elements of an array.
func nextElement(arr []byte, i int) (value []byte, next int, ok bool) {
	if i >= len(arr) || arr[i] == ']' {
		return nil, i, false
	}
	end := valueEnd(arr, i)
	next = skipSpace(arr, end)
	if next < len(arr) && arr[next] == ',' {
		next = skipSpace(arr, next+1)
	}
	return arr[i:end], next, true
}

// members starts the iteration over obj; false if obj is not an object.
func members(obj []byte) (int, bool) {
	return skipSpace(obj, 1), len(obj) > 0 && obj[0] == '{'
}

func (d *decoder) user(u *User, obj []byte) {
	i, ok := members(obj)
	for key, v := []byte(nil), []byte(nil); ok; {
		if key, v, i, ok = nextMember(obj, i); !ok {
			break
		}
		switch string(keyText(key)) {
		case "id":
			setString(&u.ID, v)
		case "primary_email":
			setStringPtr(&u.PrimaryEmail, v)
		case "primary_email_verified":
			setBool(&u.PrimaryEmailVerified, v)
		case "primary_email_auth_enabled":
			setBool(&u.PrimaryEmailAuthEnabled, v)
		case "display_name":
			setStringPtr(&u.DisplayName, v)
		case "selected_team":
			if v[0] == 'n' {
				u.SelectedTeam = nil
				break
			}
			if u.SelectedTeam == nil { // json allocates first, whatever the value's kind
				u.SelectedTeam = new(Team)
			}
			d.team(u.SelectedTeam, v)
		case "selected_team_id":
			setStringPtr(&u.SelectedTeamID, v)
		case "profile_image_url":
			setStringPtr(&u.ProfileImageURL, v)
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
			d.strings(v, "type", &u.RestrictedReason.Type)
		case "restricted_by_admin":
			setBool(&u.RestrictedByAdmin, v)
		case "restricted_by_admin_reason":
			setStringPtr(&u.RestrictedByAdminReason, v)
		case "restricted_by_admin_private_details":
			setStringPtr(&u.RestrictedByAdminPrivateDetails, v)
		case "country_code":
			setStringPtr(&u.CountryCode, v)
		case "risk_scores":
			d.riskScores(&u.RiskScores, v)
		case "oauth_providers":
			d.oauthProviders(&u.OAuthProviders, v)
		case "auth_with_email":
			setBool(&u.AuthWithEmail, v)
		case "requires_totp_mfa":
			setBool(&u.RequiresTOTPMFA, v)
		}
	}
}

func (d *decoder) team(t *Team, obj []byte) {
	i, ok := members(obj)
	for key, v := []byte(nil), []byte(nil); ok; {
		if key, v, i, ok = nextMember(obj, i); !ok {
			break
		}
		switch string(keyText(key)) {
		case "id":
			setString(&t.ID, v)
		case "display_name":
			setString(&t.DisplayName, v)
		case "profile_image_url":
			setStringPtr(&t.ProfileImageURL, v)
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

func (d *decoder) riskScores(r *RiskScores, obj []byte) {
	i, ok := members(obj)
	for key, v := []byte(nil), []byte(nil); ok; {
		if key, v, i, ok = nextMember(obj, i); !ok {
			break
		}
		if string(keyText(key)) == "sign_up" && v[0] == '{' {
			j, more := members(v)
			for k, w := []byte(nil), []byte(nil); more; {
				if k, w, j, more = nextMember(v, j); !more {
					break
				}
				switch string(keyText(k)) {
				case "bot":
					d.setInt(&r.SignUp.Bot, w, "bot")
				case "free_trial_abuse":
					d.setInt(&r.SignUp.FreeTrialAbuse, w, "free_trial_abuse")
				}
			}
		}
	}
}

// oauthProviders decodes an array into *s as json does: element n goes
// into the existing (*s)[n] when there is one, the slice ends with the last
// element, and [] gives an empty, non-nil slice.
func (d *decoder) oauthProviders(s *[]OAuthProvider, arr []byte) {
	switch arr[0] {
	case 'n':
		*s = nil
		return
	case '[':
	default:
		return
	}
	n := 0
	i := skipSpace(arr, 1)
	for v := []byte(nil); ; n++ {
		var ok bool
		if v, i, ok = nextElement(arr, i); !ok {
			break
		}
		if n == len(*s) {
			*s = append(*s, OAuthProvider{})
		}
		p := &(*s)[n]
		d.strings(v, "id", &p.ID, "account_id", &p.AccountID)
		j, more := members(v)
		for k, w := []byte(nil), []byte(nil); more; {
			if k, w, j, more = nextMember(v, j); !more {
				break
			}
			if string(keyText(k)) == "email" {
				setStringPtr(&p.Email, w)
			}
		}
	}
	if *s == nil {
		*s = []OAuthProvider{}
	}
	*s = (*s)[:n]
}

func (d *decoder) deletedUser(u *DeletedUser, obj []byte) {
	i, ok := members(obj)
	for key, v := []byte(nil), []byte(nil); ok; {
		if key, v, i, ok = nextMember(obj, i); !ok {
			break
		}
		switch string(keyText(key)) {
		case "id":
			setString(&u.ID, v)
		case "teams":
			switch v[0] {
			case 'n':
				u.Teams = nil
			case '[':
				n := 0
				j := skipSpace(v, 1)
				for w := []byte(nil); ; n++ {
					var more bool
					if w, j, more = nextElement(v, j); !more {
						break
					}
					if n == len(u.Teams) {
						u.Teams = append(u.Teams, DeletedUserTeam{})
					}
					d.strings(w, "id", &u.Teams[n].ID)
				}
				if u.Teams == nil {
					u.Teams = []DeletedUserTeam{}
				}
				u.Teams = u.Teams[:n]
			}
		}
	}
}

// strings decodes the string members of obj named in pairs: key, then the
// field it goes into. It does nothing if obj is not an object.
func (d *decoder) strings(obj []byte, fields ...any) {
	i, ok := members(obj)
	for key, v := []byte(nil), []byte(nil); ok; {
		if key, v, i, ok = nextMember(obj, i); !ok {
			break
		}
		k := keyText(key)
		for f := 0; f < len(fields); f += 2 {
			if string(k) == fields[f].(string) {
				setString(fields[f+1].(*string), v)
			}
		}
	}
}

func setString(dst *string, v []byte) {
	if v[0] == '"' {
		*dst = unquote(v)
	}
}

// setStringPtr sets a *string field: null sets nil; any other value
// allocates the string first, as json does, then decodes into it if it is a
// string (another kind leaves it "").
func setStringPtr(dst **string, v []byte) {
	if v[0] == 'n' {
		*dst = nil
		return
	}
	if *dst == nil {
		*dst = new(string)
	}
	setString(*dst, v)
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

// unquote decodes s, a valid JSON string with its quotes, as encoding/json
// does: invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(s []byte) string {
	if plainString(s) {
		return string(s[1 : len(s)-1])
	}
	s = s[1 : len(s)-1]
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\' && r+1 < len(s):
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1:])
				r += 4
				if utf16.IsSurrogate(rr) && r+6 < len(s)+0 && s[r+1] == '\\' && s[r+2] == 'u' {
					if dec := utf16.DecodeRune(rr, hex4(s[r+3:])); dec != utf8.RuneError {
						rr = dec
						r += 6
					} else {
						rr = utf8.RuneError
					}
				} else if utf16.IsSurrogate(rr) {
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return string(b)
}

// hex4 reads the four hex digits of a \u escape (valid: json.Valid passed).
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// keyText is the text of rawKey, a JSON string with its quotes: the bytes
// between the quotes when there is no escape, else the unescaped text.
func keyText(rawKey []byte) []byte {
	if plainString(rawKey) {
		return rawKey[1 : len(rawKey)-1]
	}
	return []byte(unquote(rawKey))
}
