// Package publickey verifies Svix "v1a" signatures: ed25519 over the same
// id "." timestamp "." body that v1 signs with HMAC, checked with the
// sender's public key ("whpk_..."), which need not be kept secret.
//
//	wh, err := publickey.NewWebhook(os.Getenv("STACK_WEBHOOK_PUBLIC_KEY"))
//	// then exactly as with stackwebhook.NewWebhook:
//	err = wh.Verify(body, r.Header)
//
// It is a package of its own because importing crypto/ed25519 links its code
// into a program whether it is called or not; a program that checks only
// HMAC signatures imports the root package alone and stays smaller. The
// Webhook it returns is a *stackwebhook.Webhook: the header rules, the
// tolerance, the errors and the bound on v1a entries per message
// (stackwebhook.MaxV1aSignatures) are the root package's.
package publickey

import (
	"crypto/ed25519"
	"crypto/subtle"

	"github.com/stackwebhook/stackwebhook"
)

// The errors of NewWebhook. Each matches stackwebhook.ErrInvalidSecret with
// errors.Is, as every refused key does.
var (
	errLength     = keyError("the public key is not 32 bytes long (an ed25519 public key)")
	errSmallOrder = keyError("the public key is a point of small order: one fixed signature would verify many messages (an unset or zeroed key buffer is one)")
)

// NewWebhook returns a Webhook that verifies v1a (ed25519) signatures with
// publicKey: stackwebhook.PublicKeyPrefix ("whpk_", optional) followed by
// the standard base64 of a 32-byte ed25519 public key. It checks v1a entries
// only (v1 entries are skipped) and cannot Sign.
//
// It refuses, with stackwebhook.ErrInvalidSecret, a key that does not decode
// as stackwebhook.DecodeKey reads it, that is not 32 bytes, or whose point
// has an order dividing 8, in any of its encodings. With such a key (the
// identity, or 32 zero bytes from a buffer never filled) one fixed signature
// verifies every message, or one in eight: anyone could forge.
//
// No official Svix library verifies v1a yet; the signed content has the
// same byte layout as v1's, as the Svix server signs it.
func NewWebhook(publicKey string, opts ...stackwebhook.Option) (*stackwebhook.Webhook, error) {
	key, err := stackwebhook.DecodeKey(publicKey, stackwebhook.PublicKeyPrefix)
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, errLength
	}
	if hasSmallOrder(key) {
		return nil, errSmallOrder
	}
	pub := ed25519.PublicKey(key)
	return stackwebhook.NewWebhookV1a(func(msg, sig []byte) bool { return ed25519.Verify(pub, msg, sig) }, opts...)
}

// smallOrder lists the y coordinates of the eight points of order dividing
// 8 (the identity, order 1; -1, order 2; 0, order 4; two of order 8), as
// libsodium's ge25519_has_small_order lists them, plus the non-canonical
// encodings y = p and y = p+1 that Go's ed25519 also accepts (0 and 1 again).
// The top bit, the sign of x, is compared as zero: every point's x takes
// either sign (for x = 0 the set bit is the non-canonical "-0").
var smallOrder = [...][32]byte{
	{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// hasSmallOrder reports whether key encodes a point of order dividing 8.
func hasSmallOrder(key []byte) bool {
	var y [32]byte
	copy(y[:], key)
	y[31] &= 0x7f
	for _, bad := range smallOrder {
		if subtle.ConstantTimeCompare(y[:], bad[:]) == 1 {
			return true
		}
	}
	return false
}

// keyError is a refusal of a key that matches stackwebhook.ErrInvalidSecret.
type keyError string

func (e keyError) Error() string        { return stackwebhook.ErrInvalidSecret.Error() + ": " + string(e) }
func (e keyError) Is(target error) bool { return target == stackwebhook.ErrInvalidSecret }
