package bench

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	jsoniter "github.com/json-iterator/go"

	"github.com/stackwebhook/stackwebhook"
)

// A decoder decodes a whole body into v, a pointer to an event struct
// (*stackwebhook.UserCreated, ...), the structs ParseEvent fills, or to
// its mirror with json.RawMessage metadata (peertypes_test.go).
type decoder struct {
	name      string
	unmarshal func(data []byte, v any) error
	// nullRawIsNil: it decodes null into a json.RawMessage as nil, where
	// encoding/json (and ParseEvent) keep the bytes null. Both encode as
	// null again.
	nullRawIsNil bool
}

// decoders are ParseEvent's peers, each with its default configuration:
// encoding/json (classic, or on top of v2 when built with
// GOEXPERIMENT=jsonv2), goccy/go-json v0.12.0, bytedance/sonic v1.15.5 and
// json-iterator/go v1.1.12 (its standard-library-compatible configuration,
// which still decodes null into a json.RawMessage as nil); decode_jsonv2_test.go adds encoding/json/v2
// under GOEXPERIMENT=jsonv2. None of them checks Stack's schema, which
// ParseEvent does in the same time.
var decoders = []decoder{
	{"encoding-json", stdjson.Unmarshal, false},
	{"goccy-go-json", gojson.Unmarshal, false},
	{"sonic", sonic.Unmarshal, false},
	{"jsoniter", jsoniter.ConfigCompatibleWithStandardLibrary.Unmarshal, true},
}

// payloads are Stack's payloads of every event type (the library's
// testdata/events/current), and a team.updated of 1 MiB (its server
// metadata), by name.
func payloads(tb testing.TB) (map[string][]byte, []string) {
	files, err := filepath.Glob("../testdata/events/current/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no payloads: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	big := bytes.Repeat([]byte(`{"note":"lorem ipsum dolor sit amet","n":12345,"ok":true},`), (1<<20)/56)
	out["team.updated-1MiB"] = []byte(`{"type":"team.updated","data":{"id":"7a1c1c43-4f6b-4a2e-9d11-1d1e2b3c4d5e","display_name":"Ops",` +
		`"profile_image_url":null,"created_at_millis":1764288000000,"client_metadata":null,"client_read_only_metadata":null,` +
		`"server_metadata":{"log":[` + string(big[:len(big)-1]) + `]}}}`)
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	return out, names
}

// A known payload is one of payloads that ParseEvent decodes into a typed
// event: its name, its body and the event's struct type.
type known struct {
	name string
	body []byte
	typ  reflect.Type
}

// knownPayloads are payloads' bodies of the event types ParseEvent knows,
// in the order of their names.
func knownPayloads(tb testing.TB) []known {
	bodies, names := payloads(tb)
	var out []known
	for _, name := range names {
		ev, err := stackwebhook.ParseEvent(bodies[name])
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if _, unknown := ev.(*stackwebhook.UnknownEvent); !unknown {
			out = append(out, known{name, bodies[name], reflect.TypeOf(ev).Elem()})
		}
	}
	return out
}

// Every peer decodes every payload into what ParseEvent gives, and every
// copy of the stream BenchmarkDecodeRatio decodes (distinct, whose copies
// must differ): the comparison is between decoders that agree.
func TestPeersAgreeWithParseEvent(t *testing.T) {
	for _, p := range knownPayloads(t) {
		agree(t, p.name, p.body, p.typ)
		stream := distinct(p.body)
		seen := map[string]bool{}
		for k, body := range stream {
			seen[string(body)] = true
			agree(t, fmt.Sprintf("%s, copy %d", p.name, k), body, p.typ)
		}
		if len(p.body) < 8<<10 && uuid.Match(p.body) && len(seen) != 512 {
			t.Errorf("%s: %d distinct copies, want 512", p.name, len(seen))
		}
	}
}

// agree checks that each peer decodes body into typ as ParseEvent does.
func agree(t *testing.T, name string, body []byte, typ reflect.Type) {
	t.Helper()
	ev, err := stackwebhook.ParseEvent(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, d := range decoders {
		v := peerNew(typ)
		if err := d.unmarshal(body, v); err != nil {
			t.Errorf("%s, %s: %v", name, d.name, err)
			continue
		}
		got := asEvent(v, typ)
		same := reflect.DeepEqual(got, ev)
		if !same && d.nullRawIsNil { // then the same once encoded again
			a, errA := stackwebhook.MarshalEvent(ev)
			b, errB := stackwebhook.MarshalEvent(got)
			same = errA == nil && errB == nil && bytes.Equal(a, b)
		}
		if !same {
			t.Errorf("%s: %s decodes otherwise than ParseEvent", name, d.name)
		}
	}
}

// BenchmarkDecode runs ParseEvent (validation and schema check included)
// and each peer on every payload, in one process:
// event=NAME/impl=IMPL. ./decoderatios.sh prints the ratios to the fastest
// peer.
func BenchmarkDecode(b *testing.B) {
	for _, p := range knownPayloads(b) {
		for _, im := range implementations(p.typ) {
			b.Run("event="+p.name+"/impl="+im.name, func(b *testing.B) {
				b.SetBytes(int64(len(p.body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := im.decode(p.body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkVerifyEvent runs Verify and VerifyEvent on the full user payload
// (testdata's user.updated-oauth-and-team), signed by the official library:
// what decoding adds to verifying.
func BenchmarkVerifyEvent(b *testing.B) {
	bodies, _ := payloads(b)
	body := bodies["user.updated-oauth-and-team"]
	h := signedHeaders(b, body)
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=Verify", func(b *testing.B) {
		loop(b, body, h, func(p []byte, h http.Header) error { return wh.Verify(p, h) })
	})
	b.Run("impl=VerifyEvent", func(b *testing.B) {
		loop(b, body, h, func(p []byte, h http.Header) error { _, err := wh.VerifyEvent(p, h); return err })
	})
}
