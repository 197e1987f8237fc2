//go:build !tinygo

package stackwebhook

// Regressions whose expected value is encoding/json's decoding
// (sameDecoding, decode_test.go): the standard toolchain only.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegressionEscapedBackslashKey's keys (regression_test.go), decoded:
// "i\u0064" is id, and the others are unknown keys.
func TestRegressionEscapedKeyDecodesAsEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"type":"team.deleted","data":{"\\":1,"\"":2,"i\u0064":"t","x\\":3}}`,
		`{"type":"user.deleted","data":{"id":"u","teams":[{"\\\"":1,"\u0069d":"t"}]}}`,
	} {
		require.True(t, sameDecoding(t, body, []byte(body)), body)
	}
}

// FuzzDecodeMatchesEncodingJSON,
// testdata/fuzz/FuzzDecodeMatchesEncodingJSON/3ada429539843e56: an array
// key given twice, the second array longer than the first's capacity. The
// first array's short strings were still pending in the string pack when
// the second one moved the elements, so they were set in the old array and
// lost ("0" became ""); json decodes the second array into the first's
// elements and keeps "0". encoding/json decides (sameDecoding); the length
// check makes sure the case is the one that moved the elements.
func TestRegressionRepeatedArrayKeepsPendingStrings(t *testing.T) {
	for _, body := range []string{
		`{"type":"user.created","data":{"id":"u","oauth_providers":[{"id":"0"}],"oauth_providers":[{},{}]}}`,
		`{"type":"user.deleted","data":{"id":"u","teams":[{"id":"0"}],"teams":[{},{},{}]}}`,
	} {
		require.True(t, sameDecoding(t, body, []byte(body)), body)
		ev, _, err := ParseEventBestEffort([]byte(body))
		require.NoError(t, err, body)
		switch e := ev.(type) {
		case *UserCreated:
			assert.Len(t, e.Data.OAuthProviders, 2)
		case *UserDeleted:
			assert.Len(t, e.Data.Teams, 3)
		default:
			t.Fatalf("%T", ev)
		}
	}
}

// TestShortRawValuesAreIndependent's payload, decoded.
func TestShortRawValuesDecodeAsEncodingJSON(t *testing.T) {
	require.True(t, sameDecoding(t, shortRawBody, []byte(shortRawBody)))
}
