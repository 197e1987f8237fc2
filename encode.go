package stackwebhook

import (
	"strconv"
	"unicode/utf8"
)

// encoder writes an event's JSON byte for byte as encoding/json's Marshal
// writes the same struct: the keys of schema.go's tables in struct order,
// no white space, strings and raw values escaped as Marshal escapes them
// (<, >, & and U+2028, U+2029 as \u escapes; invalid UTF-8 as \ufffd),
// raw values compacted. encode_test.go compares the two on every payload
// and in FuzzParseEvent. It uses no reflection, so that a program that
// verifies, decodes and encodes links none of encoding/json.
type encoder struct {
	buf []byte
	err error // the first raw value that is not JSON
}

// event writes {"type":...,"data":...} (a ping: {"success":...}); false
// for a nil event, a nil pointer, or a type of another package.
func (e *encoder) event(ev Event) bool {
	if ev == nil {
		return false
	}
	if p, ok := ev.(*SvixPing); ok { // no type, no data: {"success":true}
		if p == nil {
			return false
		}
		e.buf = append(e.buf, `{"success":`...)
		e.buf = strconv.AppendBool(e.buf, p.Success)
		e.buf = append(e.buf, '}')
		return true
	}
	ok := false
	switch v := ev.(type) {
	case *UserCreated:
		ok = v != nil && e.envelope(v, func() { e.user(&v.Data) })
	case *UserUpdated:
		ok = v != nil && e.envelope(v, func() { e.user(&v.Data) })
	case *UserDeleted:
		ok = v != nil && e.envelope(v, func() { e.deletedUser(&v.Data) })
	case *TeamCreated:
		ok = v != nil && e.envelope(v, func() { e.team(&v.Data) })
	case *TeamUpdated:
		ok = v != nil && e.envelope(v, func() { e.team(&v.Data) })
	case *TeamDeleted:
		ok = v != nil && e.envelope(v, func() { e.stringFields(idSchema, v.Data.ID) })
	case *TeamMembershipCreated:
		ok = v != nil && e.envelope(v, func() { e.stringFields(teamMembershipSchema, v.Data.TeamID, v.Data.UserID) })
	case *TeamMembershipDeleted:
		ok = v != nil && e.envelope(v, func() { e.stringFields(teamMembershipSchema, v.Data.TeamID, v.Data.UserID) })
	case *TeamPermissionCreated:
		ok = v != nil && e.envelope(v, func() { e.stringFields(teamPermissionSchema, v.Data.ID, v.Data.UserID, v.Data.TeamID) })
	case *TeamPermissionDeleted:
		ok = v != nil && e.envelope(v, func() { e.stringFields(teamPermissionSchema, v.Data.ID, v.Data.UserID, v.Data.TeamID) })
	case *ProjectPermissionCreated:
		ok = v != nil && e.envelope(v, func() { e.stringFields(projectPermissionSchema, v.Data.ID, v.Data.UserID) })
	case *ProjectPermissionDeleted:
		ok = v != nil && e.envelope(v, func() { e.stringFields(projectPermissionSchema, v.Data.ID, v.Data.UserID) })
	case *IssueCreated:
		ok = v != nil && e.envelope(v, func() { e.issue(&v.Data) })
	case *IssueRegressed:
		ok = v != nil && e.envelope(v, func() { e.issue(&v.Data) })
	case *IssueResolved:
		ok = v != nil && e.envelope(v, func() { e.issue(&v.Data) })
	case *IssueIgnored:
		ok = v != nil && e.envelope(v, func() { e.issue(&v.Data) })
	case *IssueMerged:
		ok = v != nil && e.envelope(v, func() { e.issue(&v.Data) })
	case *TestEvent:
		ok = v != nil && e.envelope(v, func() { e.stringFields(testEventSchema, v.Data.Message, v.Data.EndpointURL) })
	case *UnknownEvent:
		ok = v != nil && e.envelope(v, func() { e.raw("data", v.Data) })
	} // and another package's type is not an event this package sends
	return ok
}

// envelope writes {"type":...,"data":...}, the data by data, and returns
// true (event chains it after its nil check).
func (e *encoder) envelope(ev Event, data func()) bool {
	e.buf = append(e.buf, `{"type":`...)
	e.buf = appendString(e.buf, ev.EventType())
	e.buf = append(e.buf, `,"data":`...)
	data()
	e.buf = append(e.buf, '}')
	return true
}

func (e *encoder) user(u *User) {
	s := userSchema
	e.buf = append(e.buf, '{')
	e.str(s, userID, u.ID)
	e.strPtr(s, userPrimaryEmail, u.PrimaryEmail)
	e.boolean(s, userPrimaryEmailVerified, u.PrimaryEmailVerified)
	e.boolean(s, userPrimaryEmailAuthEnabled, u.PrimaryEmailAuthEnabled)
	e.strPtr(s, userDisplayName, u.DisplayName)
	if e.key(s, userSelectedTeam); u.SelectedTeam == nil {
		e.buf = append(e.buf, "null"...)
	} else {
		e.team(u.SelectedTeam)
	}
	e.strPtr(s, userSelectedTeamID, u.SelectedTeamID)
	e.strPtr(s, userProfileImageURL, u.ProfileImageURL)
	e.int64(s, userSignedUpAtMillis, u.SignedUpAtMillis)
	e.boolean(s, userHasPassword, u.HasPassword)
	e.boolean(s, userOTPAuthEnabled, u.OTPAuthEnabled)
	e.boolean(s, userPasskeyAuthEnabled, u.PasskeyAuthEnabled)
	e.rawField(s, userClientMetadata, u.ClientMetadata)
	e.rawField(s, userClientReadOnlyMetadata, u.ClientReadOnlyMetadata)
	e.rawField(s, userServerMetadata, u.ServerMetadata)
	e.int64(s, userLastActiveAtMillis, u.LastActiveAtMillis)
	e.boolean(s, userIsAnonymous, u.IsAnonymous)
	e.boolean(s, userIsRestricted, u.IsRestricted)
	if e.key(s, userRestrictedReason); u.RestrictedReason == nil {
		e.buf = append(e.buf, "null"...)
	} else {
		e.stringFields(restrictedReasonSchema, u.RestrictedReason.Type)
	}
	e.boolean(s, userRestrictedByAdmin, u.RestrictedByAdmin)
	e.strPtr(s, userRestrictedByAdminReason, u.RestrictedByAdminReason)
	e.strPtr(s, userRestrictedByAdminPrivateDetails, u.RestrictedByAdminPrivateDetails)
	e.strPtr(s, userCountryCode, u.CountryCode)
	e.key(s, userRiskScores)
	e.buf = append(e.buf, '{')
	e.key(riskScoresSchema, 0)
	e.buf = append(e.buf, '{')
	e.int64(signUpRiskSchema, signUpBot, int64(u.RiskScores.SignUp.Bot))
	e.int64(signUpRiskSchema, signUpFreeTrialAbuse, int64(u.RiskScores.SignUp.FreeTrialAbuse))
	e.buf = append(e.buf, "}}"...)
	e.key(s, userOAuthProviders)
	e.buf = append(e.buf, '[') // a nil slice too: Stack never sends null there
	for i := range u.OAuthProviders {
		p := &u.OAuthProviders[i]
		e.comma()
		e.buf = append(e.buf, '{')
		e.str(oauthProviderSchema, oauthID, p.ID)
		e.str(oauthProviderSchema, oauthAccountID, p.AccountID)
		e.strPtr(oauthProviderSchema, oauthEmail, p.Email)
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
	e.key(s, userExternalAuthProviders)
	e.buf = append(e.buf, '[') // a nil slice too, as for oauth_providers
	for i := range u.ExternalAuthProviders {
		e.comma()
		e.stringFields(idSchema, u.ExternalAuthProviders[i].ID)
	}
	e.buf = append(e.buf, ']')
	e.boolean(s, userAuthWithEmail, u.AuthWithEmail)
	e.boolean(s, userRequiresTOTPMFA, u.RequiresTOTPMFA)
	e.buf = append(e.buf, '}')
}

func (e *encoder) issue(is *Issue) {
	s := issueSchema
	e.buf = append(e.buf, '{')
	e.str(s, issueID, is.ID)
	e.str(s, issueShortID, string(is.ShortID))
	e.str(s, issueType, is.Type)
	e.str(s, issueValue, is.Value)
	e.str(s, issueCulprit, is.Culprit)
	e.str(s, issueLevel, is.Level)
	e.str(s, issueStatus, is.Status)
	e.str(s, issueSubstatus, is.Substatus)
	e.int64(s, issueFirstSeenAtMillis, is.FirstSeenAtMillis)
	e.int64(s, issueLastSeenAtMillis, is.LastSeenAtMillis)
	e.str(s, issueTimesSeen, string(is.TimesSeen))
	e.strPtr(s, issueServiceName, is.ServiceName)
	e.strPtr(s, issueEnvironment, is.Environment)
	e.strPtr(s, issueRelease, is.Release)
	e.str(s, issueURL, is.URL)
	e.buf = append(e.buf, '}')
}

func (e *encoder) team(t *Team) {
	s := teamSchema
	e.buf = append(e.buf, '{')
	e.str(s, teamID, t.ID)
	e.str(s, teamDisplayName, t.DisplayName)
	e.strPtr(s, teamProfileImageURL, t.ProfileImageURL)
	e.int64(s, teamCreatedAtMillis, t.CreatedAtMillis)
	e.rawField(s, teamClientMetadata, t.ClientMetadata)
	e.rawField(s, teamClientReadOnlyMetadata, t.ClientReadOnlyMetadata)
	e.rawField(s, teamServerMetadata, t.ServerMetadata)
	e.buf = append(e.buf, '}')
}

func (e *encoder) deletedUser(u *DeletedUser) {
	e.buf = append(e.buf, '{')
	e.str(deletedUserSchema, deletedUserID, u.ID)
	e.key(deletedUserSchema, deletedUserTeams)
	e.buf = append(e.buf, '[') // a nil slice too, as Stack sends a user without teams today
	for i := range u.Teams {
		e.comma()
		e.stringFields(idSchema, u.Teams[i].ID)
	}
	e.buf = append(e.buf, "]}"...)
}

// stringFields writes an object of s's fields, all strings, in order.
func (e *encoder) stringFields(s *schema, values ...string) {
	e.buf = append(e.buf, '{')
	for n, v := range values {
		e.str(s, n, v)
	}
	e.buf = append(e.buf, '}')
}

// key writes s's field n's key and colon, after a comma unless it is the
// object's first.
func (e *encoder) key(s *schema, n int) {
	e.comma()
	e.buf = appendString(e.buf, s.fields[n].key)
	e.buf = append(e.buf, ':')
}

// comma separates a member or element from the one before it.
func (e *encoder) comma() {
	if c := e.buf[len(e.buf)-1]; c != '{' && c != '[' {
		e.buf = append(e.buf, ',')
	}
}

func (e *encoder) str(s *schema, n int, v string) {
	e.key(s, n)
	e.buf = appendString(e.buf, v)
}

func (e *encoder) strPtr(s *schema, n int, v *string) {
	if e.key(s, n); v == nil {
		e.buf = append(e.buf, "null"...)
	} else {
		e.buf = appendString(e.buf, *v)
	}
}

func (e *encoder) boolean(s *schema, n int, v bool) {
	e.key(s, n)
	e.buf = strconv.AppendBool(e.buf, v)
}

func (e *encoder) int64(s *schema, n int, v int64) {
	e.key(s, n)
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

func (e *encoder) rawField(s *schema, n int, v RawMessage) {
	e.key(s, n)
	e.raw(s.fields[n].key, v)
}

// raw writes a raw value compacted, null for nil. A value that is not JSON
// sets e.err (encoding/json's Marshal refuses it too).
func (e *encoder) raw(key string, v RawMessage) {
	if v == nil {
		e.buf = append(e.buf, "null"...)
		return
	}
	if !validJSON(v) {
		if e.err == nil {
			e.err = payloadError(key, "MarshalEvent: not valid JSON")
		}
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = appendCompact(e.buf, v)
}

// appendCompact appends the valid JSON v without its white space, escaping
// <, >, & and U+2028, U+2029 as encoding/json's Marshal does.
func appendCompact(dst []byte, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '<' || c == '>' || c == '&': // only in strings: v is JSON
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && v[i+2]&^1 == 0xA8:
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[v[i+2]&0xF])
			i += 2
		case inString:
			dst = append(dst, c)
			if c == '\\' {
				i++
				dst = append(dst, v[i]) // the escaped byte: never a quote that ends the string
			} else if c == '"' {
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			dst = append(dst, c)
			inString = c == '"'
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json's
// Marshal escapes it.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
}
