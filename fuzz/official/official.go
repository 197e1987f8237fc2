// Package official gives the verdict of the official svix Go library,
// github.com/svix/svix-webhooks, on a message at a given clock. The module
// builds against two versions of it from the same source: v1.44.0 with its
// go.mod (the corpus's reference), and v1.99.1, the newest the Go module
// proxy serves (its @latest still answers v1.44.0), with
// -modfile=go.v1.99.1.mod. One build cannot hold both: v1.99.1's package
// imports its own internal packages by the module's path. The vector
// generator (testdata/generate), the differential fuzz targets and the
// conformance adapter all use this package, so that they state the official
// behaviour the same way; Version says which library a build has.
//
// Between the two versions the scheme did not change; v1.57.0 lowercased
// the error strings, and v1.95.0 started refusing empty secrets.
package official

import (
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// Verdicts, named as in conformance/vectors.json.
const (
	OK             = "ok"
	InvalidSecret  = "invalid_secret"
	MissingHeaders = "missing_headers"
	InvalidHeaders = "invalid_headers"
	TooOld         = "too_old"
	TooNew         = "too_new"
	NoMatch        = "no_match"
)

// Version is the version of the official library this program was built
// with: v1.44.0 with go.mod, v1.99.1 with -modfile=go.v1.99.1.mod.
var Version = func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/svix/svix-webhooks" {
				if m.Replace != nil {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return "(unknown)"
}()

// Verdict is the library's verdict on body and headers under secret, at the
// clock now.
//
// The library reads the wall clock (time.Now) in Verify, so Verdict calls
// VerifyIgnoringTimestamp, which performs every other check in the same
// order, and applies the library's tolerance rule at now exactly as its
// webhook.go writes it (verifyTimestamp, the same in both versions), at the
// same point of the order: after the header checks, before the signature
// check. Error strings are matched without regard to case: v1.57.0
// lowercased them.
func Verdict(secret string, headers http.Header, body []byte, now time.Time) string {
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		return InvalidSecret
	}
	sigErr := wh.VerifyIgnoringTimestamp(body, headers)
	if sigErr != nil {
		switch {
		case strings.EqualFold(sigErr.Error(), "Missing Required Headers"):
			return MissingHeaders
		case strings.EqualFold(sigErr.Error(), "Invalid Signature Headers"):
			return InvalidHeaders
		}
	}
	// webhook.go: the header set it reads ...
	tsHeader := headers.Get("svix-timestamp")
	if headers.Get("svix-id") == "" || headers.Get("svix-signature") == "" || tsHeader == "" {
		tsHeader = headers.Get("webhook-timestamp")
	}
	// ... parseTimestampHeader ...
	timeInt, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		panic("official " + Version + ": the library accepted a timestamp ParseInt refuses: " + tsHeader)
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
	case strings.EqualFold(sigErr.Error(), "No matching signature found"):
		return NoMatch
	}
	panic("official " + Version + ": unexpected error: " + sigErr.Error())
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
