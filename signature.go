package stackwebhook

// This file is the verifier, in the order a message flows through it:
// Verify -> ReadHeaders -> parse the timestamp -> checkTimestamp ->
// matchHMAC (or matchV1a) -> nextSignature. It imports neither net/http,
// fmt, encoding/json nor reflect, so that it fits small builds and a C
// shared library.

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook checks the signatures of messages from one Svix endpoint. It is
// immutable after construction and safe for concurrent use by any number of
// goroutines. Build one with NewWebhook, NewWebhookRaw or
// publickey.NewWebhook, once, and reuse it: the zero value verifies nothing
// (every call returns ErrInvalidSecret).
type Webhook struct {
	key  []byte     // the HMAC key; nil for a public-key Webhook
	macs *sync.Pool // of *macState keyed with key: Verify allocates nothing

	// verifyV1a checks one 64-byte v1a signature of a message; nil for a
	// secret. Set by NewWebhookV1a, so that a program that checks only HMAC
	// signatures links no ed25519 code.
	verifyV1a func(msg, sig []byte) bool

	cfg config
}

// Verify checks that payload, the raw request body exactly as received, was
// signed by the holder of this Webhook's key, under the id and timestamp in
// headers, and that the timestamp is within the tolerance of the clock.
//
// It returns nil only when some signature entry matches. Otherwise the error
// satisfies errors.Is with exactly one of ErrMissingHeaders,
// ErrInvalidHeaders, ErrTimestampTooOld, ErrTimestampTooNew,
// ErrNoMatchingSignature (checked in that order, as the official libraries
// do) or ErrInvalidSecret (a Webhook not made by a constructor). A HeaderMap
// that holds one of the six header names twice, in different letter cases,
// is ambiguous and refused with ErrInvalidHeaders before anything else.
//
// The rules, for auditors:
//   - Headers: svix-id, svix-timestamp and svix-signature; if any of them is
//     missing or empty, the whole webhook-* set is used instead, never a mix.
//   - The timestamp is a base-10 integer as strconv.ParseInt reads it ("+5"
//     and "05" are 5); the signed content uses its plain decimal form.
//   - The signed content is id "." timestamp "." payload. The payload bytes
//     are streamed into the MAC as they are: never decoded, trimmed, copied
//     or re-serialised. Parse JSON after Verify, not before.
//   - The signature header is a list of "version,signature" entries separated
//     by single spaces; empty entries are skipped, and so is anything after a
//     second comma ("v1,S,x" is checked as "v1,S"); of a header given
//     several times, the first value (MultiValueHeaders reads a header a
//     proxy split as a whole). A secret Webhook checks "v1" entries, a
//     public-key Webhook "v1a" entries; other versions are skipped. A
//     public-key Webhook checks at most MaxV1aSignatures
//     well-formed v1a entries and ignores the rest, so that a header full of
//     them cannot cost more than a few ed25519 checks. An entry matches when
//     it is the canonical padded base64 of the expected bytes, compared in
//     constant time (hmac.Equal, in equalMAC); any other spelling of the
//     same bytes does not match.
//
// With a secret and a net/http.Header, Verify makes no allocation. Its time
// depends on the lengths of the inputs and on the number of entries, not on
// the key or on how close a forged signature is.
func (wh *Webhook) Verify(payload []byte, headers Headers) error {
	if wh == nil {
		return errNoKey
	}
	return wh.verify(payload, headers, wh.cfg.unixNow)
}

// VerifyAt is Verify with the clock reading now instead of the Webhook's
// clock, for callers that hold the time themselves (a C caller, a CLI
// replaying a saved request with --now). now must come from a clock the
// sender does not control, or the replay protection is gone.
func (wh *Webhook) VerifyAt(payload []byte, headers Headers, now time.Time) error {
	return wh.verify(payload, headers, now.Unix)
}

// VerifyIgnoringTimestamp is Verify without the tolerance check: the
// timestamp must still be an integer and is still part of what is signed.
//
// A message it accepts may be a replay of one captured at any time in the
// past. Use it only to re-check stored messages, and deduplicate on svix-id.
func (wh *Webhook) VerifyIgnoringTimestamp(payload []byte, headers Headers) error {
	return wh.verify(payload, headers, nil)
}

// Sign returns the "v1,<base64>" signature entry of payload under this
// Webhook's secret, for msgID and the whole seconds of timestamp, exactly as
// a Svix sender puts it in svix-signature. It signs whatever it is given. A
// Webhook made from a public key cannot sign: ErrInvalidSecret.
func (wh *Webhook) Sign(msgID string, timestamp time.Time, payload []byte) (string, error) {
	if wh == nil || wh.macs == nil {
		if wh != nil && wh.verifyV1a != nil {
			return "", errSignWithPublic
		}
		return "", errNoKey
	}
	s := wh.macs.Get().(*macState)
	sum := s.sign(msgID, timestamp.Unix(), "", payload)
	wh.macs.Put(s)
	var out [3 + v1Base64Len]byte
	copy(out[:], "v1,")
	b64.Encode(out[3:], sum[:])
	return string(out[:]), nil
}

// verify runs every check; the tolerance one at clock's second (Unix time),
// unless clock is nil.
func (wh *Webhook) verify(payload []byte, headers Headers, clock func() int64) error {
	if wh == nil || (wh.macs == nil && wh.verifyV1a == nil) {
		return errNoKey
	}
	if m, isMap := headers.(HeaderMap); isMap {
		if err := m.ambiguity(); err != nil {
			return err
		}
	}
	id, timestamp, signatures, ok := ReadHeaders(headers)
	if !ok {
		return errMissingHeaders
	}
	ts, ok := parseInt64(timestamp)
	if digits := strings.TrimPrefix(timestamp, "-"); !ok || (digits[0] == '0' && timestamp != "0") {
		var err error // "+1", "01", "-0": what is signed is the number's canonical text
		if ts, err = strconv.ParseInt(timestamp, 10, 64); err != nil {
			return errBadTimestamp
		}
		timestamp = ""
	}
	if clock != nil {
		if err := wh.checkTimestamp(ts, clock()); err != nil {
			return err
		}
	}
	if wh.verifyV1a != nil {
		return wh.matchV1a(id, ts, payload, signatures)
	}
	return wh.matchHMAC(id, ts, timestamp, payload, signatures)
}

// ReadHeaders returns the three header values Verify checks: the svix-* set
// if all three are non-empty, else the webhook-* set if all three are
// non-empty, else ok == false (Verify's ErrMissingHeaders). Use its id, not a
// header read by hand, as the idempotency key of a verified message: when
// the svix-* set is incomplete, Verify checks the webhook-* set's id, and a
// replayer can add a stray svix-id of their choosing beside a captured
// delivery whose headers were renamed to webhook-*.
func ReadHeaders(h Headers) (id, timestamp, signatures string, ok bool) {
	if h == nil {
		return "", "", "", false
	}
	id, timestamp, signatures = h.Get(HeaderSvixID), h.Get(HeaderSvixTimestamp), h.Get(HeaderSvixSignature)
	if id != "" && timestamp != "" && signatures != "" {
		return id, timestamp, signatures, true
	}
	id, timestamp, signatures = h.Get(HeaderWebhookID), h.Get(HeaderWebhookTimestamp), h.Get(HeaderWebhookSignature)
	return id, timestamp, signatures, id != "" && timestamp != "" && signatures != ""
}

// checkTimestamp applies the tolerance both ways at the clock's whole second
// now: too old if now-ts > tolerance, too new if ts-now > tolerance.
func (wh *Webhook) checkTimestamp(ts, now int64) error {
	tol := wh.cfg.toleranceSeconds()
	if exceeds(now, ts, tol) {
		return errTooOld
	}
	if exceeds(ts, now, tol) {
		return errTooNew
	}
	return nil
}

// exceeds reports whether a-b > limit (limit >= 0) for every int64 a and b,
// without the overflow that a plain a-b has at the extremes.
func exceeds(a, b, limit int64) bool {
	switch {
	case a < 0 && b >= 0: // a-b is negative, hence <= limit
		return false
	case a >= 0 && b < 0 && a-b < 0: // a-b overflowed past MaxInt64
		return true
	default: // a-b does not overflow
		return a-b > limit
	}
}

// Lengths of canonical padded base64 signatures.
const (
	v1Base64Len  = 44 // base64 of a 32-byte HMAC-SHA256
	v1aBase64Len = 88 // base64 of a 64-byte ed25519 signature
)

// b64 decodes signatures. Strict refuses non-zero padding bits, so that two
// spellings of one signature cannot both match. It still skips \r and \n;
// requiring the exact canonical length (44 or 88) rules those out too.
var b64 = base64.StdEncoding.Strict()

// matchHMAC checks v1 entries. tsText is ts as strconv.FormatInt writes it,
// or "" to have it written.
func (wh *Webhook) matchHMAC(id string, ts int64, tsText string, payload []byte, signatures string) error {
	s := wh.macs.Get().(*macState)
	want := s.sign(id, ts, tsText, payload)
	wh.macs.Put(s)
	var enc [v1Base64Len]byte
	var got [sha256.Size + 1]byte // Decode may write DecodedLen(44) = 33 bytes
	for rest := signatures; rest != ""; {
		var sig string
		if sig, rest = nextSignature(rest, "v1"); len(sig) != len(enc) {
			continue
		}
		copy(enc[:], sig)
		if n, err := b64.Decode(got[:], enc[:]); err == nil && n == sha256.Size && equalMAC(got[:n], want[:]) {
			return nil
		}
	}
	return errNoMatch
}

// MaxV1aSignatures is how many well-formed v1a entries (88 characters of
// canonical base64) a public-key Webhook checks in one message; later ones
// are ignored. Svix sends one, two while a key is rotated. Without a bound, a
// 1 MiB header of v1a entries would cost about a second of CPU on ed25519
// checks; an HMAC is cheap enough that v1 entries are all checked, as the
// official libraries do.
const MaxV1aSignatures = 4

// matchV1a checks v1a entries. crypto/ed25519 takes the message whole, so
// here, and only here, the signed content is assembled in one buffer.
func (wh *Webhook) matchV1a(id string, ts int64, payload []byte, signatures string) error {
	var msg []byte
	var enc [v1aBase64Len]byte
	var got [64 + 2]byte // Decode may write DecodedLen(88) = 66 bytes
	checked := 0
	for rest := signatures; rest != "" && checked < MaxV1aSignatures; {
		var sig string
		if sig, rest = nextSignature(rest, "v1a"); len(sig) != len(enc) {
			continue
		}
		copy(enc[:], sig)
		n, err := b64.Decode(got[:], enc[:])
		if err != nil || n != 64 {
			continue
		}
		checked++
		if msg == nil {
			msg = make([]byte, 0, len(id)+22+len(payload))
			msg = append(strconv.AppendInt(append(append(msg, id...), '.'), ts, 10), '.')
			msg = append(msg, payload...)
		}
		if wh.verifyV1a(msg, got[:n]) {
			return nil
		}
	}
	return errNoMatch
}

// nextSignature reads entries of the signature header up to and including
// the next one whose version is exactly version, and returns its signature
// part and what follows it; sig is "" when no such entry is left. Entries are
// separated by single spaces; empty entries and entries without a comma are
// skipped; "v,S,rest" gives S. (A plain function rather than an iterator:
// under TinyGo an iterator's closure allocates on every call.)
func nextSignature(header, version string) (sig, rest string) {
	for header != "" {
		entry := header
		if i := strings.IndexByte(header, ' '); i >= 0 {
			entry, header = header[:i], header[i+1:]
		} else {
			header = ""
		}
		if len(entry) > len(version) && entry[len(version)] == ',' && entry[:len(version)] == version {
			sig = entry[len(version)+1:]
			if i := strings.IndexByte(sig, ','); i >= 0 {
				sig = sig[:i]
			}
			return sig, header
		}
	}
	return "", ""
}

// macState is one keyed HMAC-SHA256 with its scratch space. Webhook keeps
// them in a sync.Pool, so each is used by one goroutine at a time.
type macState struct {
	mac     hash.Hash
	scratch [128]byte
	sum     [sha256.Size]byte // Sum's destination: a local array would escape through the interface
}

// sign returns HMAC(key, id "." ts "." payload), with ts in decimal: tsText
// when it is not "" (the header's text, when it is already canonical), else
// written here. The id and timestamp go through the fixed scratch buffer and
// the payload straight into the MAC: nothing is concatenated and nothing is
// allocated.
func (s *macState) sign(id string, ts int64, tsText string, payload []byte) [sha256.Size]byte {
	s.mac.Reset()
	n := 0
	for id != "" {
		c := copy(s.scratch[n:], id)
		n, id = n+c, id[c:]
		if n == len(s.scratch) {
			s.mac.Write(s.scratch[:n])
			n = 0
		}
	}
	const maxTail = 1 + 20 + 1 // "." + "-9223372036854775808" + "."
	if n > len(s.scratch)-maxTail {
		s.mac.Write(s.scratch[:n])
		n = 0
	}
	b := append(s.scratch[:n], '.')
	if tsText != "" && len(tsText) < maxTail-1 {
		b = append(b, tsText...)
	} else {
		b = strconv.AppendInt(b, ts, 10)
	}
	b = append(b, '.')
	s.mac.Write(b)
	s.mac.Write(payload)
	s.mac.Sum(s.sum[:0])
	return s.sum
}
