// Package bench measures stackwebhook's Verify side by side with the official
// svix Go library (v1.44.0) and with the limit any verifier has: a bare
// pre-keyed HMAC-SHA256 over the same signed content. It is a module of its
// own so that no user of stackwebhook downloads the official library.
//
// Run: go test -bench . -count 10 | tee new.txt, then ./ratios.sh new.txt.
package bench

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook"
	svix "github.com/svix/svix-webhooks/go"
)

const (
	secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	msgID  = "msg_p5jXN8AQM9LWM0D4loKWxJek"
)

var sizes = []int{128, 1 << 10, 16 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// message is a body of n bytes signed now by the official library, in an
// http.Header with canonical keys, as net/http delivers it.
func message(b *testing.B, n int) ([]byte, http.Header) {
	body := make([]byte, n)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	return body, signedHeaders(b, body)
}

// signedHeaders signs body now with the official library and returns the
// svix-* headers, with canonical keys.
func signedHeaders(b testing.TB, body []byte) http.Header {
	official, err := svix.NewWebhook(secret)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	sig, err := official.Sign(msgID, now, body)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set("svix-id", msgID)
	h.Set("svix-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("svix-signature", sig)
	return h
}

func BenchmarkVerify(b *testing.B) {
	for _, n := range sizes {
		body, h := message(b, n)
		b.Run(fmt.Sprintf("size=%s/impl=stackwebhook", sizeName(n)), func(b *testing.B) {
			wh, err := stackwebhook.NewWebhook(secret)
			if err != nil {
				b.Fatal(err)
			}
			loop(b, body, h, func(p []byte, h http.Header) error { return wh.Verify(p, h) })
		})
		b.Run(fmt.Sprintf("size=%s/impl=svix", sizeName(n)), func(b *testing.B) {
			wh, err := svix.NewWebhook(secret)
			if err != nil {
				b.Fatal(err)
			}
			loop(b, body, h, wh.Verify)
		})
		b.Run(fmt.Sprintf("size=%s/impl=handwritten", sizeName(n)), func(b *testing.B) {
			// The floor of any verifier with net/http: the same checks written
			// directly against crypto/hmac for one goroutine (three header
			// reads, the clock, the integer, one decode, one compare), with a
			// pre-keyed HMAC and reused scratch space.
			mac := preKeyed(b)
			scratch := make([]byte, 0, 64+n)
			var got, want [sha256.Size]byte
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				id, ts, sig := h.Get("Svix-Id"), h.Get("Svix-Timestamp"), h.Get("Svix-Signature")
				t, err := strconv.ParseInt(ts, 10, 64)
				if err != nil || time.Now().Unix()-t > 300 || id == "" {
					b.Fatal("bad message")
				}
				scratch = append(append(append(append(scratch[:0], id...), '.'), ts...), '.')
				mac.Reset()
				mac.Write(scratch)
				mac.Write(body)
				mac.Sum(want[:0])
				var enc [44]byte
				copy(enc[:], sig[3:])
				if _, err := base64.StdEncoding.Decode(got[:], enc[:]); err != nil || !hmac.Equal(got[:], want[:]) {
					b.Fatal("no match")
				}
			}
		})
		b.Run(fmt.Sprintf("size=%s/impl=hmac", sizeName(n)), func(b *testing.B) {
			// The limit: one pre-keyed HMAC, reset between messages, over the
			// signed content already laid out in reused scratch space, with
			// nothing parsed and nothing compared.
			mac := preKeyed(b)
			content := []byte(msgID + "." + h.Get("svix-timestamp") + "." + string(body))
			sum := make([]byte, 0, sha256.Size)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				mac.Reset()
				mac.Write(content)
				sum = mac.Sum(sum[:0])
			}
		})
	}
}

// loop times verify on one message, which must verify.
func loop(b *testing.B, body []byte, h http.Header, verify func([]byte, http.Header) error) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := verify(body, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel runs Verify on every core (-cpu 1,2 compares one
// core with two).
func BenchmarkVerifyParallel(b *testing.B) {
	body, h := message(b, 1<<10)
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := wh.Verify(body, h); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func preKeyed(b *testing.B) hash.Hash {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		b.Fatal(err)
	}
	return hmac.New(sha256.New, key)
}
