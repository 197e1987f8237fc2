package stackwebhook

import "strings"

// Header names, in the canonical form net/http uses. Looking a canonical name
// up in an http.Header costs no allocation; Verify uses these.
const (
	HeaderSvixID        = "Svix-Id"
	HeaderSvixTimestamp = "Svix-Timestamp"
	HeaderSvixSignature = "Svix-Signature"

	// The same three headers as white-labelled Svix senders (and the
	// Standard Webhooks specification) name them. Verify falls back to this
	// set, whole, when any svix-* header is missing or empty.
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// Headers is the read side of a request's headers: Get returns the value of a
// header, or "" when it is absent. net/http.Header satisfies it (its Get is
// case-insensitive through canonical keys), and so does HeaderMap.
type Headers interface {
	Get(key string) string
}

// HeaderMap adapts a plain map of header names to values, as AWS Lambda
// events, cgo callers and tests have them. Get matches the name in any letter
// case.
//
// A map can hold one name twice in different cases ("svix-id" and
// "SVIX-ID"), which a real HTTP request cannot. Verify refuses such a map
// with ErrInvalidHeaders when the name is one of the six it reads: otherwise
// it could check one value while the handler reads the other.
type HeaderMap map[string]string

// Get returns the value stored under key in any letter case, or "". When
// several keys match, the smallest in byte order wins, so the answer depends
// neither on the case of key nor on map iteration order.
func (m HeaderMap) Get(key string) string {
	found, value, ok := "", "", false
	for k, v := range m {
		if strings.EqualFold(k, key) && (!ok || k < found) {
			found, value, ok = k, v, true
		}
	}
	return value
}

// ambiguity returns the error for the first of the six signature headers
// that m holds under two keys equal but for case, or nil.
func (m HeaderMap) ambiguity() error {
	for i, name := range headerNames {
		n := 0
		for k := range m {
			if len(k) == len(name) && strings.EqualFold(k, name) {
				n++
			}
		}
		if n > 1 {
			return errAmbiguousHeader[i]
		}
	}
	return nil
}

// headerNames are the six headers Verify reads, in errAmbiguousHeader's order.
var headerNames = [...]string{
	HeaderSvixID, HeaderSvixTimestamp, HeaderSvixSignature,
	HeaderWebhookID, HeaderWebhookTimestamp, HeaderWebhookSignature,
}
