//go:build !tinygo

// The oracle of these tests is the standard toolchain's encoding/json.
// TinyGo's reflection-based encoding/json is not that oracle (it traps on
// some of these inputs); tinygo_test.go pins TinyGo's own figures.

package stackwebhook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeWithJSON is the decoder this package used before decode.go: one
// json.Unmarshal of the data object into the event's struct. It is the
// oracle decode.go must agree with, value for value and error for error.
func decodeWithJSON(eventType string, data []byte) (Event, error) {
	var ev Event
	var dst any
	switch eventType {
	case TypeUserCreated:
		e := new(UserCreated)
		ev, dst = e, &e.Data
	case TypeUserUpdated:
		e := new(UserUpdated)
		ev, dst = e, &e.Data
	case TypeUserDeleted:
		e := new(UserDeleted)
		ev, dst = e, &e.Data
	case TypeTeamCreated:
		e := new(TeamCreated)
		ev, dst = e, &e.Data
	case TypeTeamUpdated:
		e := new(TeamUpdated)
		ev, dst = e, &e.Data
	case TypeTeamDeleted:
		e := new(TeamDeleted)
		ev, dst = e, &e.Data
	case TypeTeamMembershipCreated:
		e := new(TeamMembershipCreated)
		ev, dst = e, &e.Data
	case TypeTeamMembershipDeleted:
		e := new(TeamMembershipDeleted)
		ev, dst = e, &e.Data
	case TypeTeamPermissionCreated:
		e := new(TeamPermissionCreated)
		ev, dst = e, &e.Data
	case TypeTeamPermissionDeleted:
		e := new(TeamPermissionDeleted)
		ev, dst = e, &e.Data
	case TypeProjectPermissionCreated:
		e := new(ProjectPermissionCreated)
		ev, dst = e, &e.Data
	case TypeProjectPermissionDeleted:
		e := new(ProjectPermissionDeleted)
		ev, dst = e, &e.Data
	case TypeIssueCreated:
		e := new(IssueCreated)
		ev, dst = e, &e.Data
	case TypeIssueRegressed:
		e := new(IssueRegressed)
		ev, dst = e, &e.Data
	case TypeIssueResolved:
		e := new(IssueResolved)
		ev, dst = e, &e.Data
	case TypeIssueIgnored:
		e := new(IssueIgnored)
		ev, dst = e, &e.Data
	case TypeIssueMerged:
		e := new(IssueMerged)
		ev, dst = e, &e.Data
	case TypeStackTest:
		e := new(TestEvent)
		ev, dst = e, &e.Data
	default:
		return nil, nil
	}
	if err := json.Unmarshal(data, dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if reflect.TypeOf(dst).Elem().Kind() == reflect.Struct && asTypeError(err, &typeErr) && typeErr.Type.Kind() == reflect.Int {
			return ev, payloadError("data", err.Error()) // an int's range: decode.go reports it too
		}
		return ev, nil // a value of another kind: decode.go leaves the field too, silently
	}
	return ev, nil
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	*target = t
	return ok
}

// The oracle's preparation: encoding/json matches keys case-insensitively,
// decode.go exactly (Stack's keys are exact), so before json decodes, the
// members whose key matches a field only case-insensitively are removed.

// foldIndex is index with the case-insensitive matching of encoding/json.
func (s *schema) foldIndex(rawKey []byte) int {
	key := unquote(rawKey, true)
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
		i := s.lookup(rawKey)
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

// eachMember calls fn with the raw key (with its quotes) and the raw value of
// every member of the valid object obj, in order, until fn returns false.
func eachMember(obj []byte, fn func(key, value []byte) bool) {
	for i, first := 1, true; ; first = false {
		key, _, at := nextKey(obj, i, first, "")
		if key == nil {
			return
		}
		i = skipValue(obj, at, 0)
		if !fn(key, obj[at:i]) {
			return
		}
	}
}

// eachElement calls fn with every element of the valid array arr, in
// order, until fn returns false.
func eachElement(arr []byte, fn func(index int, value []byte) bool) {
	for i, n := 1, 0; ; n++ {
		at, more := nextElement(arr, i, n == 0)
		if !more {
			return
		}
		i = skipValue(arr, at, 0)
		if !fn(n, arr[at:i]) {
			return
		}
	}
}

// sameDecoding checks that decode.go and encoding/json agree on body, a
// payload of a known type: the same event, field for field, as
// ParseEventBestEffort decodes it before it looks at the identifying keys.
func sameDecoding(t *testing.T, name string, body []byte) bool {
	t.Helper()
	d := decoder{bestEffort: true}
	got, err := d.parse(body)
	if err != nil {
		return false
	}
	switch got.(type) {
	case *UnknownEvent, *SvixPing:
		return false
	}
	s, _ := schemaFor(got.EventType())
	var gotErr error
	if d.intErr != "" {
		gotErr = payloadError("data", d.intErr)
	}
	want, wantErr := decodeWithJSON(got.EventType(), s.strip(d.data))
	if !reflect.DeepEqual(want, got) || fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Errorf("%s: decode.go and encoding/json differ on %s\njson:   %#v %v\nours:   %#v %v", name, body, want, wantErr, got, gotErr)
	}
	return true
}

// Every payload in testdata, current, older and malformed (the malformed
// ones as ParseEventBestEffort decodes them), and variants of the current
// ones with every key repeated, nulled, or of another kind.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	compared := 0
	for _, dir := range []string{"current", "older"} {
		for name, body := range readPayloads(t, dir) {
			if sameDecoding(t, name, body) {
				compared++
			}
			var env map[string]any
			require.NoError(t, json.Unmarshal(body, &env))
			data, ok := env["data"].(map[string]any)
			if !ok {
				continue
			}
			keys := make([]string, 0, len(data))
			for k := range data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				for _, v := range []any{nil, "text", 12, -3.5, true, []any{"x", nil, map[string]any{"id": "y"}}, map[string]any{"id": 1, "k": "v"}} {
					saved := data[k]
					data[k] = v
					variant, err := json.Marshal(env)
					require.NoError(t, err)
					if sameDecoding(t, fmt.Sprintf("%s with %s=%v", name, k, v), variant) {
						compared++
					}
					data[k] = saved
				}
				// The key twice: json decodes the second into what the first left.
				raw := strings.Replace(string(body), `"data":{`, fmt.Sprintf(`"data":{%q:%s,`, k, dupValue(data[k])), 1)
				if sameDecoding(t, name+" with "+k+" twice", []byte(raw)) {
					compared++
				}
			}
		}
	}
	assert.Greater(t, compared, 1000)
}

// dupValue is a JSON value for a key's first occurrence, for the merge
// semantics: an object or array with other content, or another scalar.
func dupValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return `{"display_name":"first","id":"first","extra":1,"sign_up":{"bot":9},"type":"first"}`
	case []any:
		return `[{"id":"a","account_id":"b","email":"c"},{"id":"d"},{"id":"e"},{"id":"f"}]`
	case string:
		return `"first"`
	case nil:
		return `"first"`
	}
	return `null`
}

// The differential target: any input, decoded by decode.go and by
// encoding/json, must give the same event.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, dir := range []string{"current", "older"} {
		for _, body := range readPayloads(f, dir) {
			f.Add(body)
		}
	}
	f.Add([]byte(`{"type":"user.created","data":{"display_name":"\ud800\udc00\ud800x\u00e9\xff","oauth_providers":[{"id":"a"},1,null]}}`))
	f.Add([]byte(`{"type":"team.updated","data":{"id":"a","ID":"b","Id":"c","created_at_millis":1e3}}`))
	// Review L1: a key given three times, long, short, long. json decodes
	// the third into the elements the first left beyond the short length.
	f.Add([]byte(`{"type":"user.created","data":{"oauth_providers":[{"id":"a","email":"x"},{"id":"b","email":"y"}],"oauth_providers":[{"id":"c"}],"oauth_providers":[{"id":"d"},{"account_id":"e"}]}}`))
	f.Add([]byte(`{"type":"user.deleted","data":{"id":"u","teams":[{"id":"a"},{"id":"b"}],"teams":[],"teams":[{},{}]}}`))
	// A string key given twice: packed, then long, then escaped (stringPack).
	f.Add([]byte(`{"type":"team.created","data":{"id":"a","id":"` + strings.Repeat("x", 70) + `","id":"\u00e9","display_name":"` + strings.Repeat("y", 70) + `","display_name":"b"}}`))
	f.Add([]byte(`{"data":{"id":"a"},"type":"team.deleted"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if json.Valid(body) {
			sameDecoding(t, "fuzz", body)
		}
	})
}

// validJSON decides as json.Valid does: on every payload and malformed body
// of testdata, at the nesting limit, and (the fuzz target) on anything.
func TestValidMatchesEncodingJSON(t *testing.T) {
	var inputs [][]byte
	for _, dir := range []string{"current", "older"} {
		for _, body := range readPayloads(t, dir) {
			inputs = append(inputs, body)
			for cut := 0; cut < len(body); cut += 7 { // every prefix is a truncation
				inputs = append(inputs, body[:cut])
			}
		}
	}
	for _, s := range []string{"", " ", "1", "-", "-0", "01", "1.", "1.5e", "1e+5", "0.1E-3", `"\u12"`, `"\uZZZZ"`,
		`"\x"`, "\"a\tb\"", `"\ud800"`, "\"\xff\"", "[1,]", "[,1]", `{"a":1,}`, `{"a" 1}`, `{1:2}`, "[]", "{}",
		"[[[]]]", "nul", "nulll", "true false", "[1 2]", `{"a":{"b":[1,{"c":null}]}}`, "\n[\t1 ,\r2 ]\n", "[1]x"} {
		inputs = append(inputs, []byte(s))
	}
	// skipValue calls itself for each 64 levels: around those bounds, with
	// objects and arrays mixed so that a level's kind must survive the call.
	for _, depth := range []int{63, 64, 65, 127, 128, 129, 9999, 10000, 10001} {
		inputs = append(inputs, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		inputs = append(inputs, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
		inputs = append(inputs, []byte(strings.Repeat(`[{"a":`, depth/2)+"[]"+strings.Repeat(`,"b":2},3]`, depth/2)))
		inputs = append(inputs, []byte(strings.Repeat(`[{"a":`, depth/2)+"[]"+strings.Repeat(`],"b":2},3]`, depth/2)))
	}
	for _, in := range inputs {
		if got, want := validJSON(in), json.Valid(in); got != want {
			t.Errorf("validJSON(%.80q) = %v, json.Valid = %v", in, got, want)
		}
	}
}

func FuzzValidMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"type":"x","data":{}}`, `[1,"a",null,true,{"b":-1.5e3}]`, `"\ud800\u0041"`, "01", "[1,]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if got, want := validJSON(in), json.Valid(in); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", in, got, want)
		}
	})
}

// The allocations of ParseEvent for each event type, pinned: the event;
// one string for the short string values together (stringPack: see
// TestKeptStringsRetainOnlyThemselves), more when they fill it or an array
// of objects outgrows its first capacity (two elements); a block for the
// *string fields; a block of 64 bytes for the raw metadata values of 32
// bytes or less (rawPack), and each longer one; each nested object or
// slice; nothing for the keys, the type, the paths or the checks. For
// every payload that is fewer than json.Unmarshal makes into the same
// struct (10 against 39 for the full user). A change that adds one fails
// here.
func TestParseEventAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("instrumented builds allocate")
	}
	want := map[string]float64{
		"project_permission.created.json": 2, "project_permission.deleted.json": 2, "stack.test.json": 2,
		"team.created.json": 3, "team.deleted.json": 2, "team.updated.json": 5,
		"team_membership.created.json": 2, "team_membership.deleted.json": 2,
		"team_permission.created.json": 2, "team_permission.deleted.json": 2,
		"user.created-anonymous.json": 4, "user.created-email-not-verified.json": 7, // its one external auth provider
		"issue.created.json": 4, "issue.regressed.json": 5, "issue.resolved.json": 3, "issue.ignored.json": 4, "issue.merged.json": 4,
		"stack.test-hexclave.json":   3, // a message over 64 bytes, in its own memory
		"user.deleted-no-teams.json": 2, "user.deleted.json": 3,
		"user.updated-oauth-and-team.json": 10, "user.updated-restricted-by-admin.json": 6,
	}
	for name, body := range readPayloads(t, "current") {
		ev, err := ParseEvent(body)
		require.NoError(t, err, name)
		if _, unknown := ev.(*UnknownEvent); unknown {
			continue
		}
		got := testing.AllocsPerRun(20, func() { _, _ = ParseEvent(body) })
		assert.Equal(t, want[name], got, "%s (%T)", name, ev)
	}
}

// Orders and repetitions the one pass must decode as json does: data before
// type (read again once the type is known), the type changed after data,
// and a string key given twice with values that take the three ways a
// string is set (packed with others, long enough for memory of its own,
// escaped), in every order.
func TestDecodeOrdersAndRepeats(t *testing.T) {
	long := `"` + strings.Repeat("L", packMax+1) + `"`
	values := []string{`"short"`, long, `"esc\u00e9aped"`, `null`, `7`}
	bodies := []string{
		`{"data":{"id":"t1","display_name":"Ops","profile_image_url":null,"created_at_millis":1},"type":"team.created"}`,
		`{"type":"team.deleted","data":{"id":"t1","display_name":"Ops","profile_image_url":null,"created_at_millis":1},"type":"team.created"}`,
		`{"type":"team.created","data":{"id":"a"},"data":{"id":"t1","display_name":"Ops","profile_image_url":null,"created_at_millis":1}}`,
	}
	for _, a := range values {
		for _, b := range values {
			bodies = append(bodies,
				`{"type":"team.created","data":{"id":`+a+`,"display_name":"Ops","id":`+b+`,"profile_image_url":`+a+`,"profile_image_url":`+b+`,"created_at_millis":1}}`,
				`{"type":"user.created","data":{"oauth_providers":[{"id":`+a+`,"account_id":"x","email":`+b+`},{"id":`+b+`,"account_id":`+a+`}],"id":"u"}}`)
		}
	}
	// Arrays whose elements' strings fill the pack mid-array, and move as
	// the slice grows: every pending string must land in the final array.
	var providers, teams []string
	for i := 0; i < 9; i++ {
		providers = append(providers, fmt.Sprintf(`{"id":"%s","account_id":"%d","email":"%s"}`, strings.Repeat(string(rune('a'+i)), 50), i, strings.Repeat("e", i*7)))
		teams = append(teams, fmt.Sprintf(`{"id":"%s"}`, strings.Repeat(string(rune('k'+i)), 40)))
	}
	bodies = append(bodies,
		`{"type":"user.created","data":{"id":"u","display_name":"d","oauth_providers":[`+strings.Join(providers, ",")+`]}}`,
		`{"type":"user.deleted","data":{"id":"u","teams":[`+strings.Join(teams, ",")+`]}}`)
	for _, body := range bodies {
		assert.True(t, sameDecoding(t, "order", []byte(body)), body)
	}
	// Moved, the members decode to the same event.
	typeFirst, err := ParseEvent([]byte(`{"type":"team.created","data":{"id":"t1","display_name":"Ops","profile_image_url":null,"created_at_millis":1}}`))
	require.NoError(t, err)
	dataFirst, err := ParseEvent([]byte(bodies[0]))
	require.NoError(t, err)
	assert.Equal(t, typeFirst, dataFirst)
	changed, err := ParseEvent([]byte(bodies[1]))
	require.NoError(t, err)
	assert.Equal(t, typeFirst, changed)
}

// Every field of every schema, given a value of another kind, is refused
// with the kind its table gives: the walkers of decode.go read each field
// as schema.go describes it.
func TestEveryFieldRefusesAnotherKind(t *testing.T) {
	other := map[kind]string{kindString: "12", kindBool: `"yes"`, kindInt: `"12"`, kindObject: `[1]`, kindArray: `{}`}
	got := map[kind]string{kindString: "number", kindBool: "string", kindInt: "string", kindObject: "array", kindArray: "object"}
	checked := 0
	for _, k := range knownTypes.fields {
		s, _ := schemaFor(k.key)
		for _, f := range s.fields {
			if f.kind == kindJSON {
				continue
			}
			body := `{"type":"` + k.key + `","data":{"` + f.key + `":` + other[f.kind] + `}}`
			_, err := ParseEvent([]byte(body))
			var pe *PayloadError
			require.ErrorAs(t, err, &pe, body)
			assert.Equal(t, PayloadError{Path: "data." + f.key, Problem: "expected " + f.kind.String() + ", got " + got[f.kind]}, *pe, body)
			_, err = ParseEvent([]byte(`{"type":"` + k.key + `","data":{"` + f.key + `":null}}`))
			if !f.nullable {
				require.ErrorAs(t, err, &pe, body)
				assert.Equal(t, PayloadError{Path: "data." + f.key, Problem: "expected " + f.kind.String() + ", got null"}, *pe, body)
			} else if err != nil {
				require.ErrorAs(t, err, &pe, body)
				assert.NotEqual(t, "data."+f.key, pe.Path, "%s: null is allowed", body)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 40)
}

// schemaFor returns what Stack sends for a known event type; false for
// others (the decoder dispatches on knownTypes' indexes instead).
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
	case TypeIssueCreated, TypeIssueRegressed, TypeIssueResolved, TypeIssueIgnored, TypeIssueMerged:
		return issueSchema, true
	case TypeStackTest:
		return testEventSchema, true
	}
	return nil, false
}
