package stackwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
)

// The prefixes Svix puts in front of the base64 of a key. Both are optional
// in the constructors and must be written in lower case.
const (
	SecretPrefix    = "whsec_"
	PublicKeyPrefix = "whpk_"
)

// NewWebhook returns a Webhook that verifies (and signs) v1 HMAC-SHA256
// signatures with the key encoded in secret, as the Svix dashboard and Stack
// Auth show it: "whsec_" followed by the standard base64 of the key.
//
// The prefix is optional. The base64 may be padded or not; anything else is
// refused with ErrInvalidSecret: white space or line breaks (secrets pasted
// from a terminal are a common mistake, and silently dropping characters
// would hide a wrong secret), the URL-safe alphabet, and above all an empty
// key, with which anyone could sign (the official Go library v1.44.0
// accepts one).
func NewWebhook(secret string, opts ...Option) (*Webhook, error) {
	key, ok := decodeBase64(strings.TrimPrefix(secret, SecretPrefix))
	if !ok {
		return nil, errSecretEncoding
	}
	return NewWebhookRaw(key, opts...)
}

// NewWebhookRaw is NewWebhook for a key that is already bytes. It copies key,
// so the caller may reuse or wipe its slice. An empty key is refused with
// ErrInvalidSecret.
func NewWebhookRaw(key []byte, opts ...Option) (*Webhook, error) {
	if len(key) == 0 {
		return nil, errEmptyKey
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	key = append([]byte(nil), key...)
	return &Webhook{
		key:  key,
		macs: &sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, key)} }},
		cfg:  cfg,
	}, nil
}

// NewWebhookV1a returns a Webhook that checks v1a entries with verify,
// which must report whether sig (64 bytes) is a valid signature of msg (the
// signed content id "." timestamp "." body) under the sender's public key.
// Header reading, the tolerance, the canonical base64 of each entry and the
// MaxV1aSignatures bound are this package's, as for v1.
//
// Use publickey.NewWebhook, which calls this with ed25519 and refuses weak
// keys. It is a separate package, and this constructor takes a function,
// because importing crypto/ed25519 at all links its code: programs that check
// only HMAC signatures stay smaller. A nil verify is refused with
// ErrInvalidSecret.
func NewWebhookV1a(verify func(msg, sig []byte) bool, opts ...Option) (*Webhook, error) {
	if verify == nil {
		return nil, errNilV1a
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Webhook{verifyV1a: verify, cfg: cfg}, nil
}

// DecodeKey returns the bytes of a key written as Svix writes them: prefix
// (for example SecretPrefix or PublicKeyPrefix), optional, then the standard
// base64 of the key, padded or not. White space, line breaks and the URL-safe
// alphabet are refused with ErrInvalidSecret, so that every accepted string
// means exactly one key. An empty key is returned as such: the constructors
// decide whether it is acceptable.
func DecodeKey(key, prefix string) ([]byte, error) {
	b, ok := decodeBase64(strings.TrimPrefix(key, prefix))
	if !ok {
		return nil, errKeyEncoding
	}
	return b, nil
}

// decodeBase64 decodes the standard base64 alphabet, padded or unpadded. It
// refuses line breaks, which encoding/base64 would otherwise skip, so that
// every accepted string is the key and nothing else.
func decodeBase64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	enc := base64.RawStdEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.StdEncoding
	}
	b, err := enc.DecodeString(s)
	return b, err == nil
}
