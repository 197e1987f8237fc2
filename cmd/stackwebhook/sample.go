package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// The built-in sample: a user.deleted webhook signed by the official svix
// Go library v1.44.0 (conformance/vectors.json, case example_event), with the
// secret of the official libraries' published test vector.
const (
	sampleSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sampleID        = "msg_2pGmZ7xVtJ3c9QbWkR4nYd8sLfH"
	sampleTimestamp = 1764288000
	sampleSignature = "v1,li2TpYadM5BfLX2NF1WPP0y94eRO1IvQaXJTPWj060Y="
	sampleBody      = `{"type":"user.deleted","data":{"id":"3e4d5c6b-7a89-4b0c-8d1e-2f3a4b5c6d7e","teams":[{"id":"5f0c3a1e-8d2b-4c6f-9e7a-1b2c3d4e5f60"}]}}`
)

// sample verifies and decodes the built-in sample, as a receiver would,
// at the time it was signed.
func (c cli) sample() int {
	wh, err := stackwebhook.NewWebhook(sampleSecret)
	if err != nil {
		return c.fail(err)
	}
	h := http.Header{}
	h.Set(stackwebhook.HeaderSvixID, sampleID)
	h.Set(stackwebhook.HeaderSvixTimestamp, fmt.Sprint(sampleTimestamp))
	h.Set(stackwebhook.HeaderSvixSignature, sampleSignature)
	signedAt := time.Unix(sampleTimestamp, 0)
	if err := wh.VerifyAt([]byte(sampleBody), h, signedAt); err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "verified: the built-in sample %s, signed by the official svix library at %s\n",
		sampleID, signedAt.UTC().Format(time.RFC3339))
	return c.printEvent([]byte(sampleBody), c.stdout, true)
}
