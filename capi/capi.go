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
*/
import "C"

import (
	"errors"
	"math"
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
	wh, err := make(C.GoString(key), opts...)
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
