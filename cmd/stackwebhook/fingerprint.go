package main

import (
	"crypto/sha256"
	"fmt"

	"github.com/stackwebhook/stackwebhook"
)

// A key names the key a command was given: a secret or a public key, as
// typed.
type key struct {
	text   string
	public bool
}

// what names the kind of key, as messages say it.
func (k key) what() string {
	if k.public {
		return "public key"
	}
	return "secret"
}

// fingerprint identifies a key without revealing it: the first 4 bytes of
// the SHA-256 of the decoded key bytes, so that one key has one fingerprint
// however it is written (with or without whsec_, padded or not).
func (k key) fingerprint() string {
	prefix := stackwebhook.SecretPrefix
	if k.public {
		prefix = stackwebhook.PublicKeyPrefix
	}
	b, err := stackwebhook.DecodeKey(k.text, prefix)
	if err != nil || len(b) == 0 {
		return "(none: not a valid key)"
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x", sum[:4])
}

func (c cli) fingerprint(args []string) int {
	fs := c.flagSet("fingerprint", "Usage: stackwebhook fingerprint [flags]\n\nPrints the fingerprint of a secret (or public key): compare the one of the secret your\nserver uses with the one of the dashboard's, without showing either.")
	secret := fs.String("secret", "", "the endpoint secret, whsec_... (default: $"+secretEnvVar+")")
	publicKey := fs.String("public-key", "", "a whpk_... public key instead of a secret")
	if exit, done := parseFlags(fs, args); done {
		return exit
	}
	if fs.NArg() > 0 {
		c.errorf("fingerprint takes no arguments; pass the key with -secret or -public-key, or set %s", secretEnvVar)
		return exitUsage
	}
	k := c.keyFrom(*secret, *publicKey)
	if problem := k.problem(false); problem != "" {
		c.errorf("%s", problem)
		return exitUsage
	}
	fmt.Fprintln(c.stdout, k.fingerprint())
	return exitOK
}

// keyFrom is the key a command was given: -public-key if set, else -secret,
// else the environment.
func (c cli) keyFrom(secret, publicKey string) key {
	if publicKey != "" {
		return key{text: publicKey, public: true}
	}
	if secret == "" {
		secret = c.getenv(secretEnvVar)
	}
	return key{text: secret}
}
