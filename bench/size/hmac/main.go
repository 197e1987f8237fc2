// Command hmac is the same verify-only program as ../stackwebhook written
// directly against crypto/hmac: the baseline of the binary-size comparison.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook/bench/size/input"
)

func main() {
	secret, id, timestamp, signature, body, ok := input.Read()
	if !ok {
		os.Exit(2)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		os.Exit(2)
	}
	if err := verify(key, id, timestamp, signature, body); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}

func verify(key []byte, id, timestamp, signatures string, body []byte) error {
	if id == "" || timestamp == "" || signatures == "" {
		return errors.New("missing headers")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("invalid timestamp")
	}
	now := time.Now().Unix()
	if now-ts > 300 {
		return errors.New("too old")
	}
	if ts-now > 300 {
		return errors.New("too new")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, entry := range strings.Split(signatures, " ") {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		sig, _, _ = strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching signature")
}
