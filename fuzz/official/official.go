// Package official gives the verdict of the official svix Go library,
// github.com/svix/svix-webhooks v1.44.0, on a message, at a given clock. The
// vector generator (testdata/generate) and the differential fuzz targets
// both use it, so that both state the official behaviour the same way.
package official

import (
	"net/http"
	"strconv"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// Verdicts, named as in testdata/vectors.json.
const (
	OK             = "ok"
	InvalidSecret  = "invalid_secret"
	MissingHeaders = "missing_headers"
	InvalidHeaders = "invalid_headers"
	TooOld         = "too_old"
	TooNew         = "too_new"
	NoMatch        = "no_match"
)

// Verdict is the official Go library's verdict on body and headers under
// secret, at the clock now.
//
// The library reads the wall clock (time.Now) in Verify, so Verdict calls
// VerifyIgnoringTimestamp, which performs every other check in the same
// order, and applies the library's tolerance rule at now exactly as its
// webhook.go writes it (verifyTimestamp), at the same point of the order:
// after the header checks, before the signature check.
func Verdict(secret string, headers http.Header, body []byte, now time.Time) string {
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		return InvalidSecret
	}
	sigErr := wh.VerifyIgnoringTimestamp(body, headers)
	if sigErr != nil {
		switch sigErr.Error() {
		case "Missing Required Headers":
			return MissingHeaders
		case "Invalid Signature Headers":
			return InvalidHeaders
		}
	}
	// webhook.go v1.44.0: the header set it reads ...
	tsHeader := headers.Get("svix-timestamp")
	if headers.Get("svix-id") == "" || headers.Get("svix-signature") == "" || tsHeader == "" {
		tsHeader = headers.Get("webhook-timestamp")
	}
	// ... parseTimestampHeader ...
	timeInt, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		panic("official: the library accepted a timestamp ParseInt refuses: " + tsHeader)
	}
	timestamp := time.Unix(timeInt, 0)
	// ... and verifyTimestamp, with its package-level tolerance.
	tolerance := 5 * time.Minute
	if now.Sub(timestamp) > tolerance {
		return TooOld
	}
	if timestamp.Unix() > now.Add(tolerance).Unix() {
		return TooNew
	}
	switch {
	case sigErr == nil:
		return OK
	case sigErr.Error() == "No matching signature found":
		return NoMatch
	}
	panic("official: unexpected error: " + sigErr.Error())
}

// Sign is the official library's v1 signature of body under key.
func Sign(key []byte, id string, ts int64, body []byte) string {
	wh, err := svix.NewWebhookRaw(key)
	if err != nil {
		panic(err)
	}
	s, err := wh.Sign(id, time.Unix(ts, 0), body)
	if err != nil {
		panic(err)
	}
	return s
}
