package stackwebhook

import "errors"

// The errors a caller can test for with errors.Is. Every error returned by
// this package matches exactly one of them; the error text may carry more
// detail for humans (which header, which check), but that text is not part of
// the API.
//
// Verification failures are reported in the order the official libraries use:
// missing headers, then an unreadable timestamp, then a timestamp outside the
// tolerance, then no matching signature.
var (
	// ErrInvalidSecret: the secret, raw key or public key given to a
	// constructor is empty or malformed, or the Webhook was not built by a
	// constructor (the zero value, or nil), or Sign was called on a Webhook
	// that holds only a public key.
	ErrInvalidSecret = errors.New("stackwebhook: invalid secret")

	// ErrInvalidOption: an Option was given an unusable value (a negative
	// tolerance, a nil clock).
	ErrInvalidOption = errors.New("stackwebhook: invalid option")

	// ErrMissingHeaders: neither the svix-* nor the webhook-* header set is
	// complete (a header that is present but empty counts as missing).
	ErrMissingHeaders = errors.New("stackwebhook: missing required headers")

	// ErrInvalidHeaders: the timestamp header is not a base-10 integer, or
	// a HeaderMap holds one of the signature headers twice, in different
	// letter cases.
	ErrInvalidHeaders = errors.New("stackwebhook: invalid signature headers")

	// ErrTimestampTooOld: the message was signed more than the tolerance ago.
	// It may be a replay, or the receiver's clock may be ahead.
	ErrTimestampTooOld = errors.New("stackwebhook: message timestamp too old")

	// ErrTimestampTooNew: the message claims to be signed more than the
	// tolerance in the future. The sender's or receiver's clock is wrong.
	ErrTimestampTooNew = errors.New("stackwebhook: message timestamp too new")

	// ErrNoMatchingSignature: no entry of the signature header matches the
	// message under this Webhook's key. The body, id or timestamp was changed,
	// the secret is the wrong one, or the signature is not ours to check (for
	// example only v1a entries and a symmetric secret).
	ErrNoMatchingSignature = errors.New("stackwebhook: no matching signature found")
)

// detailError adds a human-readable detail to one sentinel. Every value of it
// is a package-level variable, so that returning one never allocates.
type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

func detail(sentinel error, text string) error { return &detailError{sentinel, text} }

var (
	errNoKey          = detail(ErrInvalidSecret, "the Webhook was not made by NewWebhook, NewWebhookRaw or publickey.NewWebhook")
	errMissingHeaders = detail(ErrMissingHeaders, "need svix-id, svix-timestamp and svix-signature (or the three webhook-* headers), all non-empty")
	errBadTimestamp   = detail(ErrInvalidHeaders, "the timestamp header is not a base-10 integer of Unix seconds")
	errTooOld         = detail(ErrTimestampTooOld, "the timestamp is older than the tolerance allows (replay, or the receiver's clock is ahead)")
	errTooNew         = detail(ErrTimestampTooNew, "the timestamp is further in the future than the tolerance allows (a clock is wrong)")
	errNoMatch        = detail(ErrNoMatchingSignature, "no signature entry matches the id, timestamp and body under this key")
	errSignWithPublic = detail(ErrInvalidSecret, "a Webhook made from a public key can verify but not sign")
	errNegativeTol    = detail(ErrInvalidOption, "WithTolerance: the tolerance must not be negative")
	errNilClock       = detail(ErrInvalidOption, "WithClock: the clock must not be nil")
	errEmptyKey       = detail(ErrInvalidSecret, "the key is empty: anyone could sign with it")
	errSecretEncoding = detail(ErrInvalidSecret, "the secret is not \"whsec_\" followed by standard base64")
	errKeyEncoding    = detail(ErrInvalidSecret, "the key is not standard base64 (padded or not, no white space)")
	errNilV1a         = detail(ErrInvalidSecret, "NewWebhookV1a: the verify function is nil")
)

// errAmbiguousHeader names, for each of headerNames, the header a HeaderMap
// holds twice.
var errAmbiguousHeader = [len(headerNames)]error{
	detail(ErrInvalidHeaders, "the HeaderMap holds svix-id twice, in different letter cases"),
	detail(ErrInvalidHeaders, "the HeaderMap holds svix-timestamp twice, in different letter cases"),
	detail(ErrInvalidHeaders, "the HeaderMap holds svix-signature twice, in different letter cases"),
	detail(ErrInvalidHeaders, "the HeaderMap holds webhook-id twice, in different letter cases"),
	detail(ErrInvalidHeaders, "the HeaderMap holds webhook-timestamp twice, in different letter cases"),
	detail(ErrInvalidHeaders, "the HeaderMap holds webhook-signature twice, in different letter cases"),
}

// ErrInvalidPayload: the body is signed but is not a Stack webhook payload
// that this package can decode: not JSON, not an object, no string "type",
// no object "data", or a data object that lacks a key Stack always sends or
// holds a value of the wrong JSON type. The error is a *PayloadError, which
// names the JSON path.
var ErrInvalidPayload = errors.New("stackwebhook: invalid payload")

// PayloadError says where a payload departs from what Stack sends. It
// matches ErrInvalidPayload with errors.Is.
type PayloadError struct {
	Path    string // the JSON path, such as "data.selected_team.display_name"; "" for the whole body
	Problem string // such as "expected string, got null" or "missing"
}

// Error says where and what: "stackwebhook: invalid payload: data.id: missing".
func (e *PayloadError) Error() string {
	if e.Path == "" {
		return ErrInvalidPayload.Error() + ": " + e.Problem
	}
	return ErrInvalidPayload.Error() + ": " + e.Path + ": " + e.Problem
}

// Unwrap returns ErrInvalidPayload.
func (e *PayloadError) Unwrap() error { return ErrInvalidPayload }

func payloadError(path, problem string) error { return &PayloadError{Path: path, Problem: problem} }
