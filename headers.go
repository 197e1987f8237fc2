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
// case: an exact key wins; otherwise, among keys that differ from the name
// only in case, the smallest in byte order wins, so the answer never depends
// on map iteration order.
type HeaderMap map[string]string

// Get returns the value stored under key in any letter case, or "".
func (m HeaderMap) Get(key string) string {
	if v, ok := m[key]; ok {
		return v
	}
	found, value := "", ""
	for k, v := range m {
		if strings.EqualFold(k, key) && (found == "" || k < found) {
			found, value = k, v
		}
	}
	return value
}
