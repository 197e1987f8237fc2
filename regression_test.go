package stackwebhook

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Inputs that once failed, each named after what it broke. The fuzz corpora
// (fuzz/testdata/fuzz, testdata/fuzz) keep the raw inputs too.

// FuzzDifferential, fuzz/testdata/fuzz/FuzzDifferential/6131e21a97d91ca0:
// a 44-character signature with no padding decodes to 33 bytes, and Verify
// decoded it into a 32-byte array: an index-out-of-range panic any sender
// could trigger. The 88-character v1a entries had the same flaw.
func TestRegressionUnpaddedSignatureOfCanonicalLength(t *testing.T) {
	wh := pubWebhook(t)
	ts := strconv.Itoa(pubTS)
	for _, sig := range []string{strings.Repeat("0", 44), strings.Repeat("A", 43) + "B", strings.Repeat("/", 44)} {
		assert.NotPanics(t, func() {
			assert.ErrorIs(t, wh.Verify([]byte(pubBody), svixSet(pubID, ts, "v1,"+sig)), ErrNoMatchingSignature)
		})
	}
}

// FuzzVerify, testdata/fuzz/FuzzVerify/935de305936398f9: a timestamp that is
// not an integer costs strconv's error (two allocations) and nothing more.
func TestRegressionBadTimestampAllocationBound(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented builds allocate")
	}
	wh, err := NewWebhook("00")
	require.NoError(t, err)
	h := HeaderMap{"svix-id": "0", "svix-timestamp": "A", "svix-signature": "0"}
	body := []byte("0")
	require.ErrorIs(t, wh.Verify(body, h), ErrInvalidHeaders)
	assert.LessOrEqual(t, testing.AllocsPerRun(10, func() { _ = wh.Verify(body, h) }), 2.0)
}

// FuzzParseEvent, testdata/fuzz/FuzzParseEvent/107bed70e5f334f7: a key whose
// text holds a backslash or a quote ("\\" is one backslash) was looked up
// again re-quoted, which is no JSON string, and unquote indexed past its
// end: a panic for any body with such a key, at any depth.
func TestRegressionEscapedBackslashKey(t *testing.T) {
	for _, body := range []string{
		`{"\\":0}`,
		`{"type":"team.deleted","data":{"\\":1,"\"":2,"i\u0064":"t","x\\":3}}`,
		`{"type":"user.deleted","data":{"id":"u","teams":[{"\\\"":1,"\u0069d":"t"}]}}`,
	} {
		assert.NotPanics(t, func() {
			ev, err := ParseEvent([]byte(body))
			if err == nil {
				_, err = MarshalEvent(ev)
				assert.NoError(t, err)
			}
			_, _, _ = ParseEventBestEffort([]byte(body))
		}, body)
	}
	// What the escaped keys decode to, encoding/json decides:
	// TestRegressionEscapedKeyDecodesAsEncodingJSON.
}

// typeIndex names a type by its length and one letter, then compares the
// whole text: every known type finds its own index, and every text one
// byte away from one (changed, cut short or extended) finds none, unless
// it is another known type.
func TestTypeIndex(t *testing.T) {
	index := map[string]int{}
	for k, f := range knownTypes.fields {
		index[f.key] = k
	}
	for k, f := range knownTypes.fields {
		require.Equal(t, k, typeIndex([]byte(f.key)), f.key)
		near := []string{f.key[:len(f.key)-1], f.key + "s", "x" + f.key}
		for i := range len(f.key) {
			for _, c := range []byte("cdtuepsmx._\x00\xff") {
				b := []byte(f.key)
				b[i] = c
				near = append(near, string(b))
			}
		}
		for _, s := range near {
			want, known := index[s]
			if !known {
				want = -1
			}
			assert.Equal(t, want, typeIndex([]byte(s)), "%q", s)
		}
	}
	// Escaped, a known type is still known, as json unescapes it.
	ev, err := ParseEvent([]byte(`{"type":"team\u002edeleted","data":{"id":"t"}}`))
	require.NoError(t, err)
	assert.Equal(t, &TeamDeleted{Data: DeletedTeam{ID: "t"}}, ev)
}

// Short raw values share a block (rawPack), and stay independent: writing
// into one, or appending to one, changes no other. (What they decode to,
// encoding/json decides: TestShortRawValuesDecodeAsEncodingJSON.)
func TestShortRawValuesAreIndependent(t *testing.T) {
	ev, err := ParseEvent([]byte(shortRawBody))
	require.NoError(t, err)
	team := ev.(*TeamUpdated).Data
	client, readOnly, server := bytes.Clone(team.ClientMetadata), bytes.Clone(team.ClientReadOnlyMetadata), bytes.Clone(team.ServerMetadata)
	team.ClientMetadata[0] = 'X'
	team.ClientReadOnlyMetadata = append(team.ClientReadOnlyMetadata, "!!!!"...)
	assert.Equal(t, server, []byte(team.ServerMetadata), "untouched by its neighbours")
	assert.Equal(t, readOnly, []byte(team.ClientReadOnlyMetadata[:len(readOnly)]))
	assert.Equal(t, client[1:], []byte(team.ClientMetadata[1:]))
}

// Three short metadata values in a row, the first given twice (the second
// time shorter, which json writes over the first's bytes).
const shortRawBody = `{"type":"team.updated","data":{"id":"t","display_name":"d","profile_image_url":null,"created_at_millis":1,` +
	`"client_metadata":{"a":1},"client_read_only_metadata":null,"server_metadata":[2],"client_metadata":{}}}`
