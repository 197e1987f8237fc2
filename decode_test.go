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

// sameDecoding checks that decode.go and encoding/json agree on body, a
// payload of a known type: the same event, field for field.
func sameDecoding(t *testing.T, name string, body []byte) bool {
	t.Helper()
	eventType, data, err := envelope(body)
	if err != nil {
		return false
	}
	s, ok := schemaFor(eventType)
	if !ok {
		return false
	}
	confusable := false
	_ = s.validate(data, "data", &confusable, &[]*PayloadError{})
	if confusable {
		data = s.strip(data)
	}
	want, wantErr := decodeWithJSON(eventType, data)
	got, gotErr := decodeEvent(eventType, data)
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
	for _, depth := range []int{64, 65, 10000, 10001} {
		inputs = append(inputs, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		inputs = append(inputs, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
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
