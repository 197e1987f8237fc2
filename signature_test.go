package stackwebhook

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first published vector of the official libraries' tests
// (shared/reference/svix-scheme.md): every table below varies it.
const (
	pubSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	pubID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	pubTS     = 1614265330
	pubBody   = `{"test": 2432232314}`
	pubSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func at(sec int64, nsec int64) Option {
	return WithClock(func() time.Time { return time.Unix(sec, nsec) })
}

func pubWebhook(t testing.TB, opts ...Option) *Webhook {
	t.Helper()
	wh, err := NewWebhook(pubSecret, append([]Option{at(pubTS, 0)}, opts...)...)
	require.NoError(t, err)
	return wh
}

func svixSet(id, ts, sig string) HeaderMap {
	return HeaderMap{"svix-id": id, "svix-timestamp": ts, "svix-signature": sig}
}

func TestVerifySemantics(t *testing.T) {
	ts := strconv.Itoa(pubTS)
	sigOnly := strings.TrimPrefix(pubSig, "v1,")
	for _, tc := range []struct {
		name    string
		headers Headers
		want    error
	}{
		{"svix headers", svixSet(pubID, ts, pubSig), nil},
		{"webhook headers", HeaderMap{"webhook-id": pubID, "webhook-timestamp": ts, "webhook-signature": pubSig}, nil},
		{"fallback: svix set incomplete, webhook set whole",
			HeaderMap{"svix-id": pubID, "webhook-id": pubID, "webhook-timestamp": ts, "webhook-signature": pubSig}, nil},
		{"fallback: an empty svix header counts as missing",
			HeaderMap{"svix-id": pubID, "svix-timestamp": "", "svix-signature": pubSig, "webhook-id": pubID, "webhook-timestamp": ts, "webhook-signature": pubSig}, nil},
		{"no mixing of the two sets", HeaderMap{"svix-id": pubID, "webhook-timestamp": ts, "svix-signature": pubSig}, ErrMissingHeaders},
		{"a whole svix set wins over the webhook set",
			HeaderMap{"svix-id": pubID, "svix-timestamp": ts, "svix-signature": "v1,AAAA", "webhook-id": pubID, "webhook-timestamp": ts, "webhook-signature": pubSig}, ErrNoMatchingSignature},
		{"no headers", HeaderMap{}, ErrMissingHeaders},
		{"nil headers", nil, ErrMissingHeaders},
		{"nil http.Header", http.Header(nil), ErrMissingHeaders},
		{"empty id", svixSet("", ts, pubSig), ErrMissingHeaders},
		{"empty timestamp", svixSet(pubID, "", pubSig), ErrMissingHeaders},
		{"empty signature", svixSet(pubID, ts, ""), ErrMissingHeaders},
		{"missing headers come before a bad timestamp", svixSet("", "x", pubSig), ErrMissingHeaders},

		{"timestamp +N reads as N", svixSet(pubID, "+"+ts, pubSig), nil},
		{"timestamp 0N reads as N", svixSet(pubID, "000"+ts, pubSig), nil},
		{"timestamp with letters", svixSet(pubID, ts+"abc", pubSig), ErrInvalidHeaders},
		{"timestamp with a space", svixSet(pubID, " "+ts, pubSig), ErrInvalidHeaders},
		{"timestamp as a float", svixSet(pubID, "1.614265330e9", pubSig), ErrInvalidHeaders},
		{"timestamp with underscores", svixSet(pubID, "1_614_265_330", pubSig), ErrInvalidHeaders},
		{"timestamp past int64", svixSet(pubID, "9223372036854775808", pubSig), ErrInvalidHeaders},
		{"bad timestamp comes before no match", svixSet(pubID, "x", "v1,junk"), ErrInvalidHeaders},

		{"v1,S,junk checks S", svixSet(pubID, ts, pubSig+",junk"), nil},
		{"empty entries are skipped", svixSet(pubID, ts, "  v1,AAAA   "+pubSig+"  "), nil},
		{"rotation: the match in second place", svixSet(pubID, ts, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw= "+pubSig), nil},
		{"entries are split on spaces only", svixSet(pubID, ts, "v1,AAAA\t"+pubSig), ErrNoMatchingSignature},
		{"version V1", svixSet(pubID, ts, "V1,"+sigOnly), ErrNoMatchingSignature},
		{"version v2", svixSet(pubID, ts, "v2,"+sigOnly), ErrNoMatchingSignature},
		{"version v1a on a secret", svixSet(pubID, ts, "v1a,"+sigOnly), ErrNoMatchingSignature},
		{"no comma", svixSet(pubID, ts, sigOnly), ErrNoMatchingSignature},
		{"empty signature part", svixSet(pubID, ts, "v1,"), ErrNoMatchingSignature},
		{"unpadded spelling", svixSet(pubID, ts, strings.TrimSuffix(pubSig, "=")), ErrNoMatchingSignature},
		// ...1OE= and ...1OF= decode to the same 32 bytes with lenient base64.
		{"non-canonical padding bits", svixSet(pubID, ts, strings.TrimSuffix(pubSig, "E=")+"F="), ErrNoMatchingSignature},
		{"a line break inside", svixSet(pubID, ts, pubSig[:20]+"\n"+pubSig[20:len(pubSig)-1]), ErrNoMatchingSignature},
		{"URL-safe alphabet", svixSet(pubID, ts, strings.NewReplacer("+", "-", "/", "_").Replace(pubSig)), ErrNoMatchingSignature},
		{"tampered id", svixSet(pubID+"x", ts, pubSig), ErrNoMatchingSignature},
		{"tampered timestamp", svixSet(pubID, strconv.Itoa(pubTS+1), pubSig), ErrNoMatchingSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wh := pubWebhook(t, WithTolerance(math.MaxInt64))
			err := wh.Verify([]byte(pubBody), tc.headers)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			verdictOf(t, err) // exactly one sentinel
		})
	}
}

func TestVerifyTamperedBody(t *testing.T) {
	wh := pubWebhook(t)
	h := svixSet(pubID, strconv.Itoa(pubTS), pubSig)
	body := []byte(pubBody)
	require.NoError(t, wh.Verify(body, h))
	for i := range body {
		for bit := range 8 {
			changed := bytes.Clone(body)
			changed[i] ^= 1 << bit
			require.ErrorIs(t, wh.Verify(changed, h), ErrNoMatchingSignature, "byte %d bit %d", i, bit)
		}
	}
	assert.ErrorIs(t, wh.Verify(append(bytes.Clone(body), '\n'), h), ErrNoMatchingSignature, "re-serialised body")
	assert.ErrorIs(t, wh.Verify(body[:len(body)-1], h), ErrNoMatchingSignature)
	assert.Equal(t, pubBody, string(body), "Verify must not modify the payload")
}

func TestToleranceBoundaries(t *testing.T) {
	h := svixSet(pubID, strconv.Itoa(pubTS), pubSig)
	body := []byte(pubBody)
	for _, tc := range []struct {
		name      string
		tolerance time.Duration
		sec, nsec int64 // the clock
		want      error
	}{
		{"exactly on time", DefaultTolerance, pubTS, 0, nil},
		{"300 s old", DefaultTolerance, pubTS + 300, 0, nil},
		{"300.999 s old: the clock counts whole seconds", DefaultTolerance, pubTS + 300, 999_999_999, nil},
		{"301 s old", DefaultTolerance, pubTS + 301, 0, ErrTimestampTooOld},
		{"300 s ahead", DefaultTolerance, pubTS - 300, 0, nil},
		{"299.5 s ahead reads as 300", DefaultTolerance, pubTS - 300, 500_000_000, nil},
		{"300.5 s ahead reads as 301", DefaultTolerance, pubTS - 301, 500_000_000, ErrTimestampTooNew},
		{"301 s ahead", DefaultTolerance, pubTS - 301, 0, ErrTimestampTooNew},
		{"zero tolerance, same second", 0, pubTS, 999_999_999, nil},
		{"zero tolerance, 1 s old", 0, pubTS + 1, 0, ErrTimestampTooOld},
		{"zero tolerance, 1 s ahead", 0, pubTS - 1, 0, ErrTimestampTooNew},
		{"1.5 s tolerance counts as 1 s: 1 s old", 1500 * time.Millisecond, pubTS + 1, 0, nil},
		{"1.5 s tolerance counts as 1 s: 2 s old", 1500 * time.Millisecond, pubTS + 2, 0, ErrTimestampTooOld},
		{"an hour of tolerance", time.Hour, pubTS + 3600, 0, nil},
		{"an hour and a second", time.Hour, pubTS + 3601, 0, ErrTimestampTooOld},
		{"clock at the far future", DefaultTolerance, 1 << 62, 0, ErrTimestampTooOld},
		{"clock before 1970", DefaultTolerance, -1 << 40, 0, ErrTimestampTooNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wh := pubWebhook(t, WithTolerance(tc.tolerance), at(tc.sec, tc.nsec))
			err := wh.Verify(body, h)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.NoError(t, wh.VerifyIgnoringTimestamp(body, h), "no tolerance check")
			// VerifyAt uses its own clock, not the Webhook's.
			offClock := pubWebhook(t, WithTolerance(tc.tolerance), at(0, 0))
			err = offClock.VerifyAt(body, h, time.Unix(tc.sec, tc.nsec))
			if tc.want == nil {
				assert.NoError(t, err, "VerifyAt")
			} else {
				assert.ErrorIs(t, err, tc.want, "VerifyAt")
			}
		})
	}
}

func TestInt64ExtremeTimestamps(t *testing.T) {
	wh := pubWebhook(t, WithTolerance(math.MaxInt64))
	// Signature checks come after the tolerance; these never match, but the
	// tolerance must not overflow on the way.
	for _, tc := range []struct {
		ts   string
		sec  int64
		want error
	}{
		{"9223372036854775807", pubTS, ErrTimestampTooNew},
		{"-9223372036854775808", pubTS, ErrTimestampTooOld},
		{"9223372036854775807", math.MinInt64 / 2, ErrTimestampTooNew},
		{"-9223372036854775808", math.MaxInt64 / 2, ErrTimestampTooOld},
		{"9223372036854775807", math.MaxInt64 / 2, ErrTimestampTooNew},
		{"-9223372036854775808", -1, ErrTimestampTooOld},
	} {
		wh := pubWebhook(t, at(tc.sec, 0))
		err := wh.Verify([]byte(pubBody), svixSet(pubID, tc.ts, pubSig))
		assert.ErrorIs(t, err, tc.want, "ts %s at %d", tc.ts, tc.sec)
	}
	// The widest tolerance, MaxInt64 ns, is 9223372036 whole seconds.
	wide := pubWebhook(t, WithTolerance(math.MaxInt64), at(-1, 0))
	edge := int64(-1 - math.MaxInt64/int64(time.Second))
	assert.ErrorIs(t, wide.Verify([]byte(pubBody), svixSet(pubID, strconv.FormatInt(edge, 10), pubSig)), ErrNoMatchingSignature)
	assert.ErrorIs(t, wide.Verify([]byte(pubBody), svixSet(pubID, strconv.FormatInt(edge-1, 10), pubSig)), ErrTimestampTooOld)
	assert.ErrorIs(t, wh.VerifyIgnoringTimestamp([]byte(pubBody), svixSet(pubID, "9223372036854775807", pubSig)), ErrNoMatchingSignature)
}

func TestExceeds(t *testing.T) {
	for _, tc := range []struct {
		a, b, limit int64
		want        bool
	}{
		{5, 5, 0, false},
		{6, 5, 0, true},
		{305, 5, 300, false},
		{306, 5, 300, true},
		{math.MaxInt64, math.MinInt64, 300, true}, // true difference 2^64-1
		{math.MaxInt64, -1, math.MaxInt64, true},  // 2^63 > MaxInt64
		{math.MaxInt64, 0, math.MaxInt64, false},
		{math.MinInt64, math.MaxInt64, 0, false},
		{-1, math.MaxInt64, 0, false},
		{0, math.MinInt64, math.MaxInt64, true}, // 2^63
		{0, math.MinInt64 + 1, math.MaxInt64, false},
		{math.MinInt64, math.MinInt64, 0, false},
		{-10, -20, 9, true},
	} {
		assert.Equal(t, tc.want, exceeds(tc.a, tc.b, tc.limit), "exceeds(%d, %d, %d)", tc.a, tc.b, tc.limit)
	}
}

func TestTenThousandEntries(t *testing.T) {
	wh := pubWebhook(t)
	entries := make([]string, 10_000)
	for i := range entries {
		entries[i] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	}
	ts := strconv.Itoa(pubTS)
	assert.ErrorIs(t, wh.Verify([]byte(pubBody), svixSet(pubID, ts, strings.Join(entries, " "))), ErrNoMatchingSignature)
	entries[len(entries)-1] = pubSig
	assert.NoError(t, wh.Verify([]byte(pubBody), svixSet(pubID, ts, strings.Join(entries, " "))))
}

func TestConstructorsRefuseBadKeys(t *testing.T) {
	for _, secret := range []string{
		"", "whsec_", "whsec_=", "whsec_====",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "whsec_MfKQ9r8GKYqr\r\nTwjUPD8ILPZIo2LaLaSw",
		" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La LaSw",
		"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==",
		"whsec_-_-_", "whsec_M", "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", "whsec_MfKQ\x00",
	} {
		_, err := NewWebhook(secret)
		assert.ErrorIs(t, err, ErrInvalidSecret, "NewWebhook(%q)", secret)
	}
	for _, key := range [][]byte{nil, {}} {
		_, err := NewWebhookRaw(key)
		assert.ErrorIs(t, err, ErrInvalidSecret)
	}
}

func TestConstructorsAccept(t *testing.T) {
	ts := strconv.Itoa(pubTS)
	h := svixSet(pubID, ts, pubSig)
	for _, secret := range []string{
		pubSecret,
		strings.TrimPrefix(pubSecret, "whsec_"), // no prefix
	} {
		wh, err := NewWebhook(secret, at(pubTS, 0))
		require.NoError(t, err, secret)
		assert.NoError(t, wh.Verify([]byte(pubBody), h))
	}
	// A 23-byte key needs padding in base64: both spellings are accepted.
	key := []byte("0123456789abcdefghijklm")
	a, err := NewWebhook("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=")
	require.NoError(t, err)
	b, err := NewWebhook("whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0")
	require.NoError(t, err)
	assert.Equal(t, key, a.key)
	assert.Equal(t, key, b.key)
}

func TestRawKeyIsCopied(t *testing.T) {
	secret, err := NewWebhook(pubSecret)
	require.NoError(t, err)
	key := bytes.Clone(secret.key)
	wh, err := NewWebhookRaw(key, at(pubTS, 0))
	require.NoError(t, err)
	for i := range key {
		key[i] = 0
	}
	assert.NoError(t, wh.Verify([]byte(pubBody), svixSet(pubID, strconv.Itoa(pubTS), pubSig)))
}

func TestInvalidOptions(t *testing.T) {
	_, err := NewWebhook(pubSecret, WithTolerance(-time.Second))
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = NewWebhookRaw([]byte("k"), WithClock(nil))
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = NewWebhookV1a(func(msg, sig []byte) bool { return false }, WithTolerance(-1))
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = NewWebhookV1a(nil)
	assert.ErrorIs(t, err, ErrInvalidSecret)
	_, err = NewWebhook(pubSecret, nil) // a nil Option is ignored
	assert.NoError(t, err)
}

func TestUnusableWebhooks(t *testing.T) {
	h := svixSet(pubID, strconv.Itoa(pubTS), pubSig)
	var zero Webhook
	var null *Webhook
	for _, wh := range []*Webhook{&zero, null} {
		assert.ErrorIs(t, wh.Verify([]byte(pubBody), h), ErrInvalidSecret)
		assert.ErrorIs(t, wh.VerifyIgnoringTimestamp([]byte(pubBody), h), ErrInvalidSecret)
		_, err := wh.Sign(pubID, time.Unix(pubTS, 0), nil)
		assert.ErrorIs(t, err, ErrInvalidSecret)
	}
	pub, err := NewWebhookV1a(func(msg, sig []byte) bool { return true }, at(pubTS, 0))
	require.NoError(t, err)
	_, err = pub.Sign(pubID, time.Unix(pubTS, 0), nil)
	assert.ErrorIs(t, err, ErrInvalidSecret)
	assert.ErrorIs(t, pub.Verify([]byte(pubBody), h), ErrNoMatchingSignature, "a public-key Webhook skips v1 entries")
}

func TestHeaderMapGet(t *testing.T) {
	m := HeaderMap{"svix-id": "a", "SVIX-TIMESTAMP": "b", "Svix-Signature": "c", "x": "1", "X": "2"}
	assert.Equal(t, "a", m.Get("Svix-Id"))
	assert.Equal(t, "a", m.Get("svix-id"))
	assert.Equal(t, "b", m.Get("svix-timestamp"))
	assert.Equal(t, "c", m.Get("SVIX-signature"))
	assert.Equal(t, "", m.Get("webhook-id"))
	assert.Equal(t, "2", m.Get("x"), "the smallest key in byte order, whatever the case asked")
	assert.Equal(t, "2", m.Get("X"), "the smallest key in byte order, whatever the case asked")
	for range 50 { // map order must not matter
		assert.Equal(t, "v2", HeaderMap{"sViX-iD": "v1", "SVIX-ID": "v2", "svix-iD": "v3"}.Get("svix-id"))
	}
	assert.Equal(t, "", HeaderMap(nil).Get("svix-id"))
}

// A captured delivery's headers in a HeaderMap, plus the same header again in
// another case: Verify cannot know which one the handler will read, so it
// refuses the map, naming the header.
func TestAmbiguousHeaderMapRefused(t *testing.T) {
	wh := pubWebhook(t)
	ts := strconv.Itoa(pubTS)
	for _, name := range []string{"svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature"} {
		h := HeaderMap{"svix-id": pubID, "svix-timestamp": ts, "svix-signature": pubSig,
			"webhook-id": pubID, "webhook-timestamp": ts, "webhook-signature": pubSig}
		h[strings.ToUpper(name)] = h[name] + "x"
		err := wh.Verify([]byte(pubBody), h)
		if assert.ErrorIs(t, err, ErrInvalidHeaders, name) {
			assert.Contains(t, err.Error(), name)
		}
	}
	// The same name twice in one case is a map's single key: accepted.
	assert.NoError(t, wh.Verify([]byte(pubBody), HeaderMap{"SVIX-ID": pubID, "svix-timestamp": ts, "Svix-Signature": pubSig}))
	// Other headers may repeat in any case.
	h := svixSet(pubID, ts, pubSig)
	h["x-forwarded-for"], h["X-Forwarded-For"] = "a", "b"
	assert.NoError(t, wh.Verify([]byte(pubBody), h))
}

// A header full of well-formed v1a entries costs at most MaxV1aSignatures
// signature checks.
func TestV1aEntriesChecked(t *testing.T) {
	calls := 0
	wh, err := NewWebhookV1a(func(msg, sig []byte) bool { calls++; return false }, at(pubTS, 0))
	require.NoError(t, err)
	entry := "v1a," + strings.Repeat("A", 86) + "=="
	ts := strconv.Itoa(pubTS)
	for _, n := range []int{1, MaxV1aSignatures, MaxV1aSignatures + 1, 11_000} {
		calls = 0
		header := "v1a,short v1," + strings.Repeat("A", 44) + " " + strings.TrimSuffix(strings.Repeat(entry+" ", n), " ")
		assert.ErrorIs(t, wh.Verify([]byte(pubBody), svixSet(pubID, ts, header)), ErrNoMatchingSignature)
		assert.Equal(t, min(n, MaxV1aSignatures), calls, "%d entries", n)
	}
	// What reaches verify is the signed content and the decoded signature.
	var gotMsg, gotSig []byte
	wh, err = NewWebhookV1a(func(msg, sig []byte) bool { gotMsg, gotSig = bytes.Clone(msg), bytes.Clone(sig); return true }, at(pubTS, 0))
	require.NoError(t, err)
	require.NoError(t, wh.Verify([]byte(pubBody), svixSet(pubID, ts, entry)))
	assert.Equal(t, pubID+"."+ts+"."+pubBody, string(gotMsg))
	assert.Equal(t, make([]byte, 64), gotSig)
}

func TestDecodeKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", "0123456789abcdefghijklm"},
		{"whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0", "0123456789abcdefghijklm"},
		{"MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", "0123456789abcdefghijklm"},
		{"whsec_", ""},
	} {
		got, err := DecodeKey(tc.in, SecretPrefix)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, string(got), tc.in)
	}
	for _, in := range []string{"whsec_MDEy\nMzQ1", "whsec_ MDEy", "whsec_-_-_", "WHSEC_MDEy"} {
		_, err := DecodeKey(in, SecretPrefix)
		assert.ErrorIs(t, err, ErrInvalidSecret, in)
	}
}

func TestConcurrentUse(t *testing.T) {
	cases := loadVectors(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(cases); i += 8 {
				c := cases[i]
				if c.Kind != "valid" {
					continue
				}
				// Each goroutine shares the Webhook with the others through
				// the corpus' repeated secrets and its own message.
				wh, err := NewWebhook(c.Secret, WithClock(func() time.Time { return time.UnixMilli(c.NowMs) }))
				if !assert.NoError(t, err) {
					return
				}
				body := mustBase64(c.Body)
				for range 3 {
					assert.NoError(t, wh.Verify(body, HeaderMap(c.Headers)), c.Name)
					assert.ErrorIs(t, wh.Verify(append(bytes.Clone(body), 'x'), HeaderMap(c.Headers)), ErrNoMatchingSignature)
				}
			}
		}()
	}
	// And one Webhook hammered by all goroutines at once.
	shared := pubWebhook(t)
	h := svixSet(pubID, strconv.Itoa(pubTS), pubSig)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				assert.NoError(t, shared.Verify([]byte(pubBody), h))
				assert.ErrorIs(t, shared.Verify([]byte(pubBody+" "), h), ErrNoMatchingSignature)
				s, err := shared.Sign(pubID, time.Unix(pubTS, 0), []byte(pubBody))
				assert.NoError(t, err)
				assert.Equal(t, pubSig, s)
			}
		}()
	}
	wg.Wait()
}

func TestVerifyAllocatesNothing(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented builds allocate")
	}
	wh, err := NewWebhook(pubSecret, WithTolerance(math.MaxInt64))
	require.NoError(t, err)
	for _, size := range []int{0, 128, 1 << 10, 16 << 10, 1 << 20} {
		body := bytes.Repeat([]byte("a"), size)
		sig, err := wh.Sign(pubID, time.Unix(pubTS, 0), body)
		require.NoError(t, err)
		h := http.Header{}
		h.Set("svix-id", pubID)
		h.Set("svix-timestamp", strconv.Itoa(pubTS))
		h.Set("svix-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "+sig)
		require.NoError(t, wh.Verify(body, h))
		allocs := testing.AllocsPerRun(20, func() {
			if wh.Verify(body, h) != nil {
				panic("verify failed")
			}
		})
		assert.Zero(t, allocs, "Verify of %d bytes", size)
		assert.Zero(t, testing.AllocsPerRun(20, func() { _ = wh.VerifyAt(body, h, time.Unix(pubTS, 0)) }), "VerifyAt")
		failing := testing.AllocsPerRun(20, func() { _ = wh.Verify(body[:size/2], h) })
		assert.Zero(t, failing, "a failing Verify of %d bytes", size)
	}
}

func mustBase64(s string) []byte {
	b, err := b64.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// A signature header split into several values on the way (a proxy that
// splits on commas, as AWS API Gateway's multi-value headers do, or one
// that repeats the header per entry) verifies through MultiValueHeaders
// when its entries do, and only then; read as a plain http.Header, only its
// first value counts, as in the official libraries. The genuine entry is
// the published vector's.
func TestSplitSignatureHeader(t *testing.T) {
	wh := pubWebhook(t)
	other := "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	_, genuine, _ := strings.Cut(pubSig, ",")
	for _, tc := range []struct {
		name   string
		values []string
		ok     bool
	}{
		{"one value", []string{pubSig}, true},
		{"split on its comma", []string{"v1", genuine}, true},
		{"a rotation list split on commas", strings.Split(other+" "+pubSig, ","), true},
		{"a rotation list split on commas, genuine first", strings.Split(pubSig+" "+other, ","), true},
		{"one value per entry", []string{other, pubSig}, true},
		{"one value per entry, some empty", []string{other, "", pubSig}, true},
		{"split, without the genuine entry", strings.Split(other+" "+other, ","), false},
		{"one value per entry, without the genuine entry", []string{other, other}, false},
		{"split, the genuine entry cut short", []string{"v1", genuine[:43]}, false},
		{"split, the genuine entry under another version", []string{"v2", genuine}, false},
		{"split, the genuine entry broken across values", []string{"v1," + genuine[:20], genuine[20:]}, false},
	} {
		h := http.Header{}
		h.Set("svix-id", pubID)
		h.Set("svix-timestamp", strconv.Itoa(pubTS))
		h["Svix-Signature"] = tc.values
		err := wh.Verify([]byte(pubBody), MultiValueHeaders(h))
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, ErrNoMatchingSignature, tc.name)
		}
		// The first value alone, as http.Header's Get reads it.
		assert.Equal(t, tc.values[0] == pubSig, wh.Verify([]byte(pubBody), h) == nil, tc.name+" (http.Header)")
		// The webhook-* set is read the same way.
		w := http.Header{"Webhook-Id": {pubID}, "Webhook-Timestamp": {strconv.Itoa(pubTS)}, "Webhook-Signature": tc.values}
		assert.Equal(t, err == nil, wh.Verify([]byte(pubBody), MultiValueHeaders(w)) == nil, tc.name+" (webhook-*)")
	}
}
