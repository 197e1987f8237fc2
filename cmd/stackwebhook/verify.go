package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

// message is what verify checks: headers and the raw body.
type message struct {
	headers http.Header
	body    []byte
}

func (c cli) verify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	secret := fs.String("secret", "", "the endpoint secret, whsec_... (default: $"+secretEnvVar+")")
	publicKey := fs.String("public-key", "", "verify v1a signatures with this whpk_... public key instead of a secret")
	id := fs.String("id", "", "the svix-id header")
	timestamp := fs.String("timestamp", "", "the svix-timestamp header")
	signature := fs.String("signature", "", "the svix-signature header")
	request := fs.String("request", "", "a saved raw HTTP request (headers and body), instead of -id, -timestamp, -signature and -body")
	bodyFile := fs.String("body", "-", "the body: a file, or - for standard input")
	nowFlag := fs.String("now", "", "the clock: Unix seconds or RFC 3339 (default: now); use the delivery time to check a saved request")
	tolerance := fs.Duration("tolerance", stackwebhook.DefaultTolerance, "how far the timestamp may be from the clock")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: stackwebhook verify [flags]\n\nVerifies a webhook. On failure it says which check failed and the most likely cause, and exits 1.")
		fs.PrintDefaults()
	}
	maxBody := maxBodyFlag(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		fmt.Fprintln(c.stderr, "stackwebhook: -now:", err)
		return exitUsage
	}
	msg, err := c.readMessage(*request, *bodyFile, *id, *timestamp, *signature, *maxBody)
	if err != nil {
		fmt.Fprintln(c.stderr, "stackwebhook:", err)
		return exitUsage
	}

	opts := []stackwebhook.Option{stackwebhook.WithTolerance(*tolerance)}
	var wh *stackwebhook.Webhook
	if *publicKey != "" {
		wh, err = publickey.NewWebhook(*publicKey, opts...)
	} else {
		if *secret == "" {
			*secret = c.getenv(secretEnvVar)
		}
		wh, err = stackwebhook.NewWebhook(*secret, opts...)
	}
	if err != nil {
		c.explain(err, msg, nil, *secret, now, *tolerance)
		return exitRefused
	}
	if err := wh.VerifyAt(msg.body, msg.headers, now); err != nil {
		c.explain(err, msg, wh, *secret, now, *tolerance)
		return exitRefused
	}
	ev, err := stackwebhook.ParseEvent(msg.body)
	if err != nil {
		fmt.Fprintf(c.stdout, "verified, but the body is not a Stack webhook payload: %s\n", printable(err.Error()))
		return exitOK
	}
	fmt.Fprintf(c.stdout, "verified: %s (svix-id %s)\n", printable(ev.EventType()), printable(svixID(msg.headers)))
	return exitOK
}

// readMessage takes headers and body from a saved raw HTTP request, or from
// the flags and the body file.
func (c cli) readMessage(request, bodyFile, id, timestamp, signature string, maxBody int64) (message, error) {
	if request != "" {
		// The headers may take up to net/http's default limit on top of the body.
		raw, err := c.readBody(request, maxBody+http.DefaultMaxHeaderBytes)
		if err != nil {
			return message{}, err
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return message{}, fmt.Errorf("-request %s: not a raw HTTP request: %w", request, err)
		}
		body, err := readLimited(req.Body, "the body of "+request, maxBody)
		if err != nil {
			return message{}, err
		}
		return message{req.Header, body}, nil
	}
	body, err := c.readBody(bodyFile, maxBody)
	if err != nil {
		return message{}, err
	}
	h := http.Header{}
	for k, v := range map[string]string{stackwebhook.HeaderSvixID: id, stackwebhook.HeaderSvixTimestamp: timestamp, stackwebhook.HeaderSvixSignature: signature} {
		if v != "" {
			h.Set(k, v)
		}
	}
	return message{h, body}, nil
}

// parseNow reads -now: "" is the current time.
func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("want Unix seconds or RFC 3339, such as 2026-11-29T10:00:00Z")
	}
	return t, nil
}

func svixID(h http.Header) string {
	id, _, _, _ := stackwebhook.ReadHeaders(h)
	return id
}
