package publickey_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

// The key of the Svix server's v1a test, and a signature of the first
// published vector made with it.
const (
	testKey  = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
	testID   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	testTS   = 1614265330
	testBody = `{"test": 2432232314}`
	testSig  = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
)

func at(sec int64) stackwebhook.Option {
	return stackwebhook.WithClock(func() time.Time { return time.Unix(sec, 0) })
}

func svixSet(id, ts, sig string) stackwebhook.HeaderMap {
	return stackwebhook.HeaderMap{"svix-id": id, "svix-timestamp": ts, "svix-signature": sig}
}

func TestPublishedVector(t *testing.T) {
	wh, err := publickey.NewWebhook(testKey)
	require.NoError(t, err)
	h := svixSet(testID, strconv.Itoa(testTS), testSig)
	assert.NoError(t, wh.VerifyIgnoringTimestamp([]byte(testBody), h))
	assert.ErrorIs(t, wh.VerifyIgnoringTimestamp([]byte(`{"test": 2432232315}`), h), stackwebhook.ErrNoMatchingSignature)
	assert.ErrorIs(t, wh.Verify([]byte(testBody), h), stackwebhook.ErrTimestampTooOld)
	_, err = wh.Sign(testID, time.Unix(testTS, 0), nil)
	assert.ErrorIs(t, err, stackwebhook.ErrInvalidSecret, "a public key cannot sign")
	v1 := svixSet(testID, strconv.Itoa(testTS), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	assert.ErrorIs(t, wh.VerifyIgnoringTimestamp([]byte(testBody), v1), stackwebhook.ErrNoMatchingSignature, "v1 entries are skipped")
}

func TestMalformedKeysRefused(t *testing.T) {
	for _, key := range []string{
		"", "whpk_", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whpk_AAAA",
		testKey + "\n", " " + testKey, "whpk_" + strings.Repeat("A", 88),
		strings.NewReplacer("+", "-", "/", "_").Replace(testKey) + "-", // URL-safe alphabet
	} {
		_, err := publickey.NewWebhook(key)
		assert.ErrorIs(t, err, stackwebhook.ErrInvalidSecret, "NewWebhook(%q)", key)
	}
	for _, key := range []string{testKey, strings.TrimSuffix(testKey, "="), strings.TrimPrefix(testKey, "whpk_")} {
		_, err := publickey.NewWebhook(key)
		assert.NoError(t, err, "NewWebhook(%q)", key)
	}
	_, err := publickey.NewWebhook(testKey, stackwebhook.WithTolerance(-1))
	assert.ErrorIs(t, err, stackwebhook.ErrInvalidOption)
}

// testdata/v1a.json: ed25519 signatures made by Node's crypto (independent
// of Go's) with the key of the Svix server's v1a test.
func TestV1aVectors(t *testing.T) {
	data, err := os.ReadFile("../testdata/v1a.json")
	require.NoError(t, err)
	var corpus struct {
		PublicKey string `json:"public_key"`
		Cases     []struct {
			ID, Timestamp, Signature string
			Body                     string `json:"body_b64"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &corpus))
	require.NotEmpty(t, corpus.Cases)
	for _, c := range corpus.Cases {
		body, err := base64.StdEncoding.DecodeString(c.Body)
		require.NoError(t, err)
		ts, err := strconv.ParseInt(c.Timestamp, 10, 64)
		require.NoError(t, err)
		wh, err := publickey.NewWebhook(corpus.PublicKey, at(ts))
		require.NoError(t, err)
		h := http.Header{}
		h.Set("webhook-id", c.ID)
		h.Set("webhook-timestamp", c.Timestamp)
		h.Set("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "+c.Signature)
		assert.NoError(t, wh.Verify(body, h), c.ID)

		// Any change to the content fails.
		h.Set("webhook-id", c.ID+"x")
		assert.ErrorIs(t, wh.Verify(body, h), stackwebhook.ErrNoMatchingSignature)
		h.Set("webhook-id", c.ID)
		assert.ErrorIs(t, wh.Verify(append(body, ' '), h), stackwebhook.ErrNoMatchingSignature)

		// A secret Webhook skips v1a entries.
		sec, err := stackwebhook.NewWebhookRaw([]byte("0123456789abcdef01234567"), at(ts))
		require.NoError(t, err)
		assert.ErrorIs(t, sec.Verify(body, h), stackwebhook.ErrNoMatchingSignature)
	}
}

// FuzzDifferential, fuzz/testdata/fuzz/FuzzDifferential/6131e21a97d91ca0:
// an 88-character entry with no padding decodes to 65 bytes, and Verify once
// decoded it into a 64-byte array: a panic any sender could trigger.
func TestRegressionUnpaddedSignatureOfCanonicalLength(t *testing.T) {
	wh, err := publickey.NewWebhook(testKey, at(testTS))
	require.NoError(t, err)
	for _, sig := range []string{strings.Repeat("0", 88), strings.Repeat("A", 86) + "=B", strings.Repeat("+", 88)} {
		assert.NotPanics(t, func() {
			err := wh.Verify([]byte(testBody), svixSet(testID, strconv.Itoa(testTS), "v1a,"+sig))
			assert.ErrorIs(t, err, stackwebhook.ErrNoMatchingSignature)
		})
	}
}

// A header just under net/http's 1 MiB limit, filled with well-formed v1a
// entries of 64 zero bytes (each one a whole ed25519 check), then the genuine
// signature: only the first stackwebhook.MaxV1aSignatures entries are
// checked, so it fails, and costs a few one-entry checks (see
// BenchmarkV1aHeaderFlood for the time).
func TestV1aHeaderFloodIsBounded(t *testing.T) {
	wh, err := publickey.NewWebhook(testKey, at(testTS))
	require.NoError(t, err)
	flood := floodHeader()
	require.Greater(t, len(flood), 900_000)
	h := svixSet(testID, strconv.Itoa(testTS), flood+" "+testSig)
	assert.ErrorIs(t, wh.Verify([]byte(testBody), h), stackwebhook.ErrNoMatchingSignature)

	// Within the bound, the genuine entry is found after the forged ones.
	few := strings.Repeat(zeroV1a+" ", stackwebhook.MaxV1aSignatures-1) + testSig
	assert.NoError(t, wh.Verify([]byte(testBody), svixSet(testID, strconv.Itoa(testTS), few)))
}

var zeroV1a = "v1a," + base64.StdEncoding.EncodeToString(make([]byte, 64))

func floodHeader() string {
	n := (1<<20 - 4096) / (len(zeroV1a) + 1)
	return strings.TrimSuffix(strings.Repeat(zeroV1a+" ", n), " ")
}

func BenchmarkV1aHeaderFlood(b *testing.B) {
	wh, err := publickey.NewWebhook(testKey, at(testTS))
	require.NoError(b, err)
	for _, bc := range []struct{ name, header string }{
		{"one-entry", testSig},
		{"1MiB-of-v1a", floodHeader()},
	} {
		h := svixSet(testID, strconv.Itoa(testTS), bc.header)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_ = wh.Verify([]byte(testBody), h)
			}
		})
	}
}

// The curve, independently of crypto/ed25519: edwards25519 in math/big.
var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	curveD = func() *big.Int { // -121665/121666
		d := new(big.Int).ModInverse(big.NewInt(121666), fieldP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, fieldP)
	}()
	groupL, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
)

type point struct{ x, y *big.Int }

func (a point) add(b point) point {
	p := fieldP
	t := new(big.Int).Mul(a.x, b.x)
	t.Mul(t, a.y).Mul(t, b.y).Mul(t, curveD).Mod(t, p) // d x1 x2 y1 y2
	xn := new(big.Int).Add(new(big.Int).Mul(a.x, b.y), new(big.Int).Mul(a.y, b.x))
	yn := new(big.Int).Add(new(big.Int).Mul(a.y, b.y), new(big.Int).Mul(a.x, b.x)) // a = -1
	xd := new(big.Int).Add(big.NewInt(1), t)
	yd := new(big.Int).Sub(big.NewInt(1), t)
	x := xn.Mul(xn, xd.ModInverse(xd.Mod(xd, p), p)).Mod(xn, p)
	y := yn.Mul(yn, yd.ModInverse(yd.Mod(yd, p), p)).Mod(yn, p)
	return point{x, y}
}

func (a point) mul(k *big.Int) point {
	r := point{big.NewInt(0), big.NewInt(1)}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = r.add(r)
		if k.Bit(i) == 1 {
			r = r.add(a)
		}
	}
	return r
}

// decompress returns the point with this y (and x even), if there is one.
func decompress(y *big.Int) (point, bool) {
	p := fieldP
	num := new(big.Int).Sub(new(big.Int).Mul(y, y), big.NewInt(1))
	den := new(big.Int).Add(new(big.Int).Mul(curveD, new(big.Int).Mul(y, y)), big.NewInt(1))
	x2 := num.Mul(num, den.ModInverse(den.Mod(den, p), p)).Mod(num, p)
	x := new(big.Int).ModSqrt(x2, p)
	if x == nil {
		return point{}, false
	}
	if x.Bit(0) == 1 {
		x.Sub(p, x)
	}
	return point{x, new(big.Int).Set(y)}, true
}

// torsion returns the eight points of order dividing 8, found as multiples of
// [L]P for a point P of full order 8L.
func torsion(t *testing.T) []point {
	for y := int64(2); y < 100; y++ {
		P, ok := decompress(big.NewInt(y))
		if !ok {
			continue
		}
		Q := P.mul(groupL) // in the torsion subgroup
		if Q4 := Q.mul(big.NewInt(4)); Q4.x.Sign() == 0 && Q4.y.Cmp(big.NewInt(1)) == 0 {
			continue // order below 8
		}
		pts := []point{{big.NewInt(0), big.NewInt(1)}}
		for k := 1; k < 8; k++ {
			pts = append(pts, pts[k-1].add(Q))
		}
		return pts
	}
	t.Fatal("no point of order 8L found")
	return nil
}

// encodings returns every 32-byte string that crypto/ed25519 could read as
// the point: y and, where it fits in 255 bits, y+p; either sign bit.
func encodings(pt point) [][]byte {
	var out [][]byte
	limit := new(big.Int).Lsh(big.NewInt(1), 255)
	for _, y := range []*big.Int{pt.y, new(big.Int).Add(pt.y, fieldP)} {
		if y.Cmp(limit) >= 0 {
			continue
		}
		for sign := 0; sign < 2; sign++ {
			le := make([]byte, 32)
			y.FillBytes(le)
			for i, j := 0, 31; i < j; i, j = i+1, j-1 {
				le[i], le[j] = le[j], le[i]
			}
			le[31] |= byte(sign << 7)
			out = append(out, le)
		}
	}
	return out
}

func TestSmallOrderKeysRefused(t *testing.T) {
	pts := torsion(t)
	seen := map[string]bool{}
	for _, pt := range pts {
		for _, enc := range encodings(pt) {
			seen[string(enc)] = true
			_, err := publickey.NewWebhook("whpk_" + base64.StdEncoding.EncodeToString(enc))
			assert.ErrorIs(t, err, stackwebhook.ErrInvalidSecret, "small-order key %x", enc)
		}
	}
	assert.Len(t, seen, 14, "7 y encodings (5 canonical, p and p+1) with either sign bit")

	// Why: with the identity as the key, crypto/ed25519 accepts one fixed
	// signature (R = identity, S = 0) for every message.
	identity := make([]byte, 32)
	identity[0] = 1
	forged := append(append([]byte(nil), identity...), make([]byte, 32)...)
	for _, msg := range []string{"a", "b", testID + "." + strconv.Itoa(testTS) + "." + testBody} {
		assert.True(t, ed25519.Verify(identity, []byte(msg), forged), "the forgery works on the raw primitive")
	}

	// A key next to a small-order one, of full order, is accepted.
	for y := int64(2); y < 40; y++ {
		if pt, ok := decompress(big.NewInt(y)); ok {
			enc := encodings(pt)[0]
			_, err := publickey.NewWebhook("whpk_" + base64.StdEncoding.EncodeToString(enc))
			assert.NoError(t, err, "y = %d", y)
		}
	}
}

func FuzzNewWebhook(f *testing.F) {
	for _, s := range []string{testKey, "whpk_", "", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whpk_AAAA",
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		wh, err := publickey.NewWebhook(key)
		if err != nil {
			if !errors.Is(err, stackwebhook.ErrInvalidSecret) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if _, err := wh.Sign("id", time.Unix(0, 0), nil); !errors.Is(err, stackwebhook.ErrInvalidSecret) {
			t.Fatal("a public-key Webhook signed")
		}
		if err := wh.VerifyIgnoringTimestamp(nil, svixSet("i", "1", zeroV1a)); !errors.Is(err, stackwebhook.ErrNoMatchingSignature) {
			t.Fatalf("a zero signature: %v", err)
		}
	})
}
