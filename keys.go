package stackwebhook

import (
	"crypto/ed25519"
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

// NewWebhookPublicKey returns a Webhook that verifies v1a (ed25519)
// signatures with publicKey: "whpk_" (optional) followed by the standard
// base64 of a 32-byte ed25519 public key. It checks v1a entries only and
// cannot Sign. A key that does not decode or is not 32 bytes is refused with
// ErrInvalidSecret.
//
// No official Svix library verifies v1a yet; the byte layout of the signed
// content is the same as v1's (id.timestamp.body), as the Svix server signs it.
func NewWebhookPublicKey(publicKey string, opts ...Option) (*Webhook, error) {
	key, ok := decodeBase64(strings.TrimPrefix(publicKey, PublicKeyPrefix))
	if !ok {
		return nil, errPublicKeyEncode
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, errPublicKeyLength
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Webhook{
		publicKey: ed25519.PublicKey(key),
		// Set here, not named in Verify, so that a program that never calls
		// NewWebhookPublicKey does not link crypto/ed25519.
		verifyEd25519: func(pub, msg, sig []byte) bool { return ed25519.Verify(pub, msg, sig) },
		cfg:           cfg,
	}, nil
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
