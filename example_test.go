package stackwebhook_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// The published vector of the official Svix libraries' tests.
const (
	exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	exampleID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	exampleTS     = "1614265330"
	exampleBody   = `{"test": 2432232314}`
	exampleSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// The clock is set to the message's time; in a server, leave it out.
var exampleClock = stackwebhook.WithClock(func() time.Time { return time.Unix(1614265330, 0) })

func ExampleWebhook_Verify() {
	wh, err := stackwebhook.NewWebhook(exampleSecret, exampleClock)
	if err != nil {
		panic(err) // a malformed secret: a configuration error
	}
	// In a handler these are r.Header and the raw body.
	headers := http.Header{}
	headers.Set(stackwebhook.HeaderSvixID, exampleID)
	headers.Set(stackwebhook.HeaderSvixTimestamp, exampleTS)
	headers.Set(stackwebhook.HeaderSvixSignature, exampleSig)

	fmt.Println(wh.Verify([]byte(exampleBody), headers))

	err = wh.Verify([]byte(`{"test": 1}`), headers)
	fmt.Println(errors.Is(err, stackwebhook.ErrNoMatchingSignature))
	// Output:
	// <nil>
	// true
}

func ExampleWebhook_VerifyIgnoringTimestamp() {
	wh, _ := stackwebhook.NewWebhook(exampleSecret) // the real clock: the message is years old
	headers := stackwebhook.HeaderMap{"svix-id": exampleID, "svix-timestamp": exampleTS, "svix-signature": exampleSig}

	fmt.Println(errors.Is(wh.Verify([]byte(exampleBody), headers), stackwebhook.ErrTimestampTooOld))
	fmt.Println(wh.VerifyIgnoringTimestamp([]byte(exampleBody), headers))
	// Output:
	// true
	// <nil>
}

func ExampleWebhook_Sign() {
	wh, _ := stackwebhook.NewWebhook(exampleSecret)
	sig, _ := wh.Sign(exampleID, time.Unix(1614265330, 0), []byte(exampleBody))
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

func ExampleNewWebhook() {
	_, err := stackwebhook.NewWebhook("whsec_")
	fmt.Println(errors.Is(err, stackwebhook.ErrInvalidSecret))
	_, err = stackwebhook.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", stackwebhook.WithTolerance(time.Minute))
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

func ExampleHeaderMap() {
	// Header names from an AWS Lambda event or a C caller, in any case.
	headers := stackwebhook.HeaderMap{"SVIX-ID": exampleID}
	fmt.Println(headers.Get("svix-id"))
	// Output: msg_p5jXN8AQM9LWM0D4loKWxJek
}

func ExampleReadHeaders() {
	// A stray svix-id beside a whole webhook-* set: Verify checks the
	// webhook-* set, so that id is the message's idempotency key.
	headers := stackwebhook.HeaderMap{
		"svix-id":           "msg_stray",
		"webhook-id":        "msg_1",
		"webhook-timestamp": "1614265330",
		"webhook-signature": "v1,...",
	}
	id, _, _, ok := stackwebhook.ReadHeaders(headers)
	fmt.Println(id, ok)
	// Output: msg_1 true
}
