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

// MultiValueHeaders reads h, a request's headers with every value of each
// name (net/http's r.Header converts to it as it is: it is a
// map[string][]string keyed by canonical names), for a request that may
// have passed through a proxy that splits headers. A signature header that
// arrives as several values was split on the way: some proxies split a
// header on commas (AWS API Gateway's multi-value headers turn
// "v1,S1 v1,S2" into "v1", "S1 v1", "S2"), others repeat it once per entry.
// Get then returns the values joined both ways, with spaces and with
// commas, so that every entry the sender wrote is read whichever way it was
// split; an entry only counts if it matches, so this admits nothing that
// the whole header would refuse. Every other header reads as http.Header's
// Get reads it: its first value.
//
// Verify(body, r.Header) reads the first value of each header, as the
// official libraries do; receiver.Handler, the CLI and the C library read
// through MultiValueHeaders. It is a function of its own so that programs
// that do not call it link none of it.
func MultiValueHeaders(h map[string][]string) Headers { return multiValueHeaders(h) }

type multiValueHeaders map[string][]string

func (h multiValueHeaders) Get(key string) string {
	values := h[key]
	switch {
	case len(values) == 0:
		return ""
	case len(values) == 1 || (key != HeaderSvixSignature && key != HeaderWebhookSignature):
		return values[0]
	}
	return strings.Join(values, " ") + " " + strings.Join(values, ",")
}
