// Command capi is stackwebhook's C ABI, built with
//
//	go build -buildmode=c-shared  -o libstackwebhook.so ./capi
//	go build -buildmode=c-archive -o libstackwebhook.a  ./capi
//
// The functions are declared, and documented, in the hand-written
// stackwebhook.h beside this file.
package main

/*
#include <stddef.h>
#include <stdint.h>

// The layouts of stackwebhook_header and stackwebhook_message in
// stackwebhook.h, under names of their own: the hand-written header's
// prototypes (const char *) would clash with the ones cgo writes (char *).
typedef struct {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} swh_header;

typedef struct {
  long long timestamp;
  size_t id_len;
  size_t type_len;
  size_t needed;
} swh_message;
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

func main() {} // required by -buildmode=c-shared and c-archive

// The status codes of stackwebhook.h.
const (
	statusOK                  = 0
	statusInvalidSecret       = 1
	statusMissingHeaders      = 2
	statusInvalidHeaders      = 3
	statusTimestampTooOld     = 4
	statusTimestampTooNew     = 5
	statusNoMatchingSignature = 6
	statusInvalidPayload      = 7
	statusInvalidArgument     = 8
	statusBufferTooSmall      = 9
)

// defaultTolerance is the tolerance_seconds that selects stackwebhook.DefaultTolerance.
const defaultTolerance = 0

// status maps an error of the library onto its status code.
func status(err error) C.int {
	for _, s := range []struct {
		err  error
		code C.int
	}{
		{stackwebhook.ErrInvalidSecret, statusInvalidSecret},
		{stackwebhook.ErrMissingHeaders, statusMissingHeaders},
		{stackwebhook.ErrInvalidHeaders, statusInvalidHeaders},
		{stackwebhook.ErrTimestampTooOld, statusTimestampTooOld},
		{stackwebhook.ErrTimestampTooNew, statusTimestampTooNew},
		{stackwebhook.ErrNoMatchingSignature, statusNoMatchingSignature},
		{stackwebhook.ErrInvalidPayload, statusInvalidPayload},
	} {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	if err == nil {
		return statusOK
	}
	return statusInvalidArgument // ErrInvalidOption
}

// Handles: numbers that C holds, mapped to Webhooks that Go holds. C never
// holds a Go pointer; a freed number is never given out again.
var (
	handles    sync.Map // uint64 -> *stackwebhook.Webhook
	lastHandle atomic.Uint64
)

func lookup(h C.uint64_t) (*stackwebhook.Webhook, bool) {
	v, ok := handles.Load(uint64(h))
	if !ok {
		return nil, false
	}
	return v.(*stackwebhook.Webhook), true
}

// headerValues is the three header values a C caller passes.
type headerValues struct{ id, timestamp, signature string }

func (v headerValues) Get(key string) string {
	switch key {
	case stackwebhook.HeaderSvixID:
		return v.id
	case stackwebhook.HeaderSvixTimestamp:
		return v.timestamp
	case stackwebhook.HeaderSvixSignature:
		return v.signature
	}
	return ""
}

func headers(msgID, timestamp, signature *C.char) headerValues {
	return headerValues{C.GoString(msgID), C.GoString(timestamp), C.GoString(signature)} // NULL gives ""
}

// payloadBytes views the caller's payload without copying it.
func payloadBytes(p *C.uchar, n C.size_t) ([]byte, bool) {
	return bytesOf((*C.char)(unsafe.Pointer(p)), n)
}

// bytesOf views n bytes at p without copying them: NULL is the empty string
// when n is 0, and not ok otherwise.
func bytesOf(p *C.char, n C.size_t) ([]byte, bool) {
	if p == nil {
		return nil, n == 0
	}
	if uint64(n) > math.MaxInt {
		return nil, false
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)), true
}

func clock(nowUnix C.longlong) time.Time {
	if nowUnix == 0 {
		return time.Now()
	}
	return time.Unix(int64(nowUnix), 0)
}

// copyOut writes s and a NUL into out if it fits, and the size needed into
// *needed.
func copyOut(s string, out *C.char, size C.size_t, needed *C.size_t) C.int {
	n := len(s) + 1
	if needed != nil {
		*needed = C.size_t(n)
	}
	if out == nil || uint64(size) < uint64(n) {
		return statusBufferTooSmall
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(out)), n)
	copy(dst, s)
	dst[n-1] = 0
	return statusOK
}

//export stackwebhook_verify
func stackwebhook_verify(secret, msgID, timestamp, signature *C.char, payload *C.uchar, payloadLen C.size_t, nowUnix C.longlong) C.int {
	body, ok := payloadBytes(payload, payloadLen)
	if !ok {
		return statusInvalidArgument
	}
	wh, err := stackwebhook.NewWebhook(C.GoString(secret))
	if err != nil {
		return status(err)
	}
	return status(wh.VerifyAt(body, headers(msgID, timestamp, signature), clock(nowUnix)))
}

func newHandle(make func(key string, opts ...stackwebhook.Option) (*stackwebhook.Webhook, error), key *C.char, toleranceSeconds C.longlong, out *C.uint64_t) C.int {
	return newHandleOf(make, C.GoString(key), toleranceSeconds, out)
}

func newHandleOf(make func(key string, opts ...stackwebhook.Option) (*stackwebhook.Webhook, error), key string, toleranceSeconds C.longlong, out *C.uint64_t) C.int {
	if out == nil || toleranceSeconds < 0 {
		return statusInvalidArgument
	}
	var opts []stackwebhook.Option
	if toleranceSeconds != defaultTolerance {
		tol := time.Duration(math.MaxInt64)
		if int64(toleranceSeconds) <= math.MaxInt64/int64(time.Second) {
			tol = time.Duration(toleranceSeconds) * time.Second
		}
		opts = append(opts, stackwebhook.WithTolerance(tol))
	}
	wh, err := make(key, opts...)
	if err != nil {
		return status(err)
	}
	h := lastHandle.Add(1)
	handles.Store(h, wh)
	*out = C.uint64_t(h)
	return statusOK
}

//export stackwebhook_new
func stackwebhook_new(secret *C.char, toleranceSeconds C.longlong, out *C.uint64_t) C.int {
	return newHandle(stackwebhook.NewWebhook, secret, toleranceSeconds, out)
}

//export stackwebhook_new_key
func stackwebhook_new_key(key *C.char, keyLen C.size_t, publicKey C.int, toleranceSeconds C.longlong, out *C.uint64_t) C.int {
	text, ok := bytesOf(key, keyLen)
	if !ok {
		return statusInvalidArgument
	}
	constructor := stackwebhook.NewWebhook
	if publicKey != 0 {
		constructor = publickey.NewWebhook
	}
	// A NUL byte is no base64: the constructors refuse such a key whole,
	// where a C string would have been cut short at it.
	return newHandleOf(constructor, string(text), toleranceSeconds, out)
}

//export stackwebhook_new_public_key
func stackwebhook_new_public_key(publicKey *C.char, toleranceSeconds C.longlong, out *C.uint64_t) C.int {
	return newHandle(publickey.NewWebhook, publicKey, toleranceSeconds, out)
}

//export stackwebhook_free
func stackwebhook_free(h C.uint64_t) C.int {
	if _, loaded := handles.LoadAndDelete(uint64(h)); !loaded {
		return statusInvalidArgument
	}
	return statusOK
}

//export stackwebhook_handle_verify
func stackwebhook_handle_verify(h C.uint64_t, msgID, timestamp, signature *C.char, payload *C.uchar, payloadLen C.size_t, nowUnix C.longlong) C.int {
	wh, ok := lookup(h)
	body, okBody := payloadBytes(payload, payloadLen)
	if !ok || !okBody {
		return statusInvalidArgument
	}
	return status(wh.VerifyAt(body, headers(msgID, timestamp, signature), clock(nowUnix)))
}

//export stackwebhook_sign
func stackwebhook_sign(h C.uint64_t, msgID *C.char, timestamp C.longlong, payload *C.uchar, payloadLen C.size_t, out *C.char, outSize C.size_t, needed *C.size_t) C.int {
	wh, ok := lookup(h)
	body, okBody := payloadBytes(payload, payloadLen)
	if !ok || !okBody {
		return statusInvalidArgument
	}
	sig, err := wh.Sign(C.GoString(msgID), time.Unix(int64(timestamp), 0), body)
	if err != nil {
		return status(err)
	}
	return copyOut(sig, out, outSize, needed)
}

//export stackwebhook_verify_event
func stackwebhook_verify_event(h C.uint64_t, msgID, timestamp, signature *C.char, payload *C.uchar, payloadLen C.size_t, nowUnix C.longlong, typeOut *C.char, typeSize C.size_t, needed *C.size_t) C.int {
	wh, ok := lookup(h)
	body, okBody := payloadBytes(payload, payloadLen)
	if !ok || !okBody {
		return statusInvalidArgument
	}
	if err := wh.VerifyAt(body, headers(msgID, timestamp, signature), clock(nowUnix)); err != nil {
		return status(err)
	}
	ev, err := stackwebhook.ParseEvent(body)
	if err != nil {
		return status(err)
	}
	if strings.IndexByte(ev.EventType(), 0) >= 0 {
		// C would read the type up to the NUL: another type than the one
		// whose data was checked.
		return statusInvalidPayload
	}
	return copyOut(ev.EventType(), typeOut, typeSize, needed)
}

// The flags of stackwebhook_verify_request.
const flagDecodeEvent = 1

// requestHeaders builds the request's headers from the caller's pairs, as
// net/http would hold them: names in any case (and the CGI form HTTP_SVIX_ID,
// as WSGI, Rack and Django's request.META give them), repeated names as
// several values. A NUL byte in a name or a value is refused: C callers
// would read the value up to it, and the message id that an application
// deduplicates on would not be the one verified. So is the id or timestamp
// of either set given more than once: which one was checked would be for
// the reader to guess. (A repeated signature header is a split one, read
// whole through stackwebhook.MultiValueHeaders.) A NULL array or string of
// non-zero length is errInvalidArgument.
func requestHeaders(pairs *C.swh_header, count C.size_t) (http.Header, error) {
	if pairs == nil && count != 0 || uint64(count) > math.MaxInt32 {
		return nil, errNullHeaders
	}
	h := make(http.Header, 8)
	for _, p := range unsafe.Slice(pairs, int(count)) {
		name, okName := bytesOf(p.name, p.name_len)
		value, okValue := bytesOf(p.value, p.value_len)
		if !okName || !okValue {
			return nil, errNullHeaders
		}
		if where := bytesIndexNUL(name, value); where >= 0 {
			return nil, fmt.Errorf("%w: the header %s holds a NUL byte in its %s", stackwebhook.ErrInvalidHeaders, strconv.Quote(string(name)), [2]string{"name", "value"}[where])
		}
		if canonical := signatureHeader(name); canonical != "" {
			h[canonical] = append(h[canonical], string(value))
		}
	}
	for _, name := range []string{stackwebhook.HeaderSvixID, stackwebhook.HeaderSvixTimestamp, stackwebhook.HeaderWebhookID, stackwebhook.HeaderWebhookTimestamp} {
		if n := len(h.Values(name)); n > 1 {
			return nil, fmt.Errorf("%w: the header %s is given %d times", stackwebhook.ErrInvalidHeaders, strings.ToLower(name), n)
		}
	}
	return h, nil
}

// signatureHeaders are the six headers Verify may read, canonical.
var signatureHeaders = [...]string{
	stackwebhook.HeaderSvixID, stackwebhook.HeaderSvixTimestamp, stackwebhook.HeaderSvixSignature,
	stackwebhook.HeaderWebhookID, stackwebhook.HeaderWebhookTimestamp, stackwebhook.HeaderWebhookSignature,
}

// signatureHeader returns the canonical name of the signature header name
// stands for, in any letter case or in the CGI form (HTTP_SVIX_ID), or ""
// for any other header: those are not kept (Verify never reads them), which
// spares copying every header of the request.
func signatureHeader(name []byte) string {
	cgi := len(name) > 5 && string(name[:5]) == "HTTP_"
	if cgi {
		name = name[5:]
	}
	for _, h := range signatureHeaders {
		if len(name) != len(h) {
			continue
		}
		match := true
		for i := range name {
			c := name[i]
			if cgi && c == '_' {
				c = '-'
			}
			if c|0x20 != h[i]|0x20 || (c == '-') != (h[i] == '-') {
				match = false
				break
			}
		}
		if match {
			return h
		}
	}
	return ""
}

// bytesIndexNUL returns 0 if name holds a NUL byte, 1 if value does, else -1.
func bytesIndexNUL(name, value []byte) int {
	for i, b := range [2][]byte{name, value} {
		if bytes.IndexByte(b, 0) >= 0 {
			return i
		}
	}
	return -1
}

var (
	errInvalidArgument = errors.New("stackwebhook: invalid argument")
	errNullHeaders     = fmt.Errorf("%w: a NULL header array, name or value of non-zero length", errInvalidArgument)
)

//export stackwebhook_verify_request
func stackwebhook_verify_request(h C.uint64_t, pairs *C.swh_header, count C.size_t, payload *C.uchar, payloadLen C.size_t, nowUnix C.longlong, flags C.int, out *C.char, outSize C.size_t, msg *C.swh_message) C.int {
	if msg == nil {
		return statusInvalidArgument
	}
	*msg = C.swh_message{}
	code, answer, ts := verifyRequest(h, pairs, count, payload, payloadLen, nowUnix, flags)
	msg.needed = C.size_t(len(answer.text))
	if code != statusOK {
		// The failure's text, cut short to fit (never a reason to fail).
		if out != nil && outSize > 0 {
			text := answer.text
			if uint64(len(text)) > uint64(outSize) {
				text = text[:outSize-1] + "\x00"
			}
			copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), len(text)), text)
		}
		return code
	}
	msg.timestamp = C.longlong(ts)
	msg.id_len = C.size_t(answer.idLen)
	msg.type_len = C.size_t(answer.typeLen)
	if out == nil || uint64(outSize) < uint64(len(answer.text)) {
		return statusBufferTooSmall // verified: call again with msg->needed bytes
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), len(answer.text)), answer.text)
	return statusOK
}

// answer is what stackwebhook_verify_request writes into out: the verified
// id and the event type, each NUL-terminated, or a failure's text.
type answer struct {
	text           string
	idLen, typeLen int
}

func failed(err error) answer { return answer{text: err.Error() + "\x00"} }

func verifyRequest(h C.uint64_t, pairs *C.swh_header, count C.size_t, payload *C.uchar, payloadLen C.size_t, nowUnix C.longlong, flags C.int) (C.int, answer, int64) {
	wh, ok := lookup(h)
	if !ok {
		return statusInvalidArgument, failed(fmt.Errorf("%w: not a live handle", errInvalidArgument)), 0
	}
	if flags&^flagDecodeEvent != 0 {
		return statusInvalidArgument, failed(fmt.Errorf("%w: unknown flags %#x", errInvalidArgument, int(flags))), 0
	}
	body, ok := payloadBytes(payload, payloadLen)
	if !ok {
		return statusInvalidArgument, failed(fmt.Errorf("%w: a NULL payload of non-zero length", errInvalidArgument)), 0
	}
	pairsRead, err := requestHeaders(pairs, count)
	if err != nil {
		return status(err), failed(err), 0 // errNullHeaders: status's default, invalid argument
	}
	headers := stackwebhook.MultiValueHeaders(pairsRead)
	if err := wh.VerifyAt(body, headers, clock(nowUnix)); err != nil {
		return status(err), failed(err), 0
	}
	id, timestamp, _, _ := stackwebhook.ReadHeaders(headers)
	ts, _ := strconv.ParseInt(timestamp, 10, 64) // Verify parsed it
	a := answer{text: id + "\x00", idLen: len(id)}
	if flags&flagDecodeEvent != 0 {
		ev, err := stackwebhook.ParseEvent(body)
		if err != nil {
			return status(err), failed(err), 0
		}
		if strings.IndexByte(ev.EventType(), 0) >= 0 {
			return statusInvalidPayload, failed(fmt.Errorf("%w: the event type holds a NUL byte", stackwebhook.ErrInvalidPayload)), 0
		}
		a.text += ev.EventType() + "\x00"
		a.typeLen = len(ev.EventType())
	}
	return statusOK, a, ts
}
