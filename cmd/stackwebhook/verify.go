package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/publickey"
)

func (c cli) verify(args []string) int {
	fs := c.flagSet("verify", "Usage: stackwebhook verify [flags] [file]\n\nVerifies a webhook: the body is the file named last, -body FILE, or standard input.\nOn failure it says every check that failed and the most likely cause, and exits 1.")
	secret := fs.String("secret", "", "the endpoint secret, whsec_... (default: $"+secretEnvVar+")")
	publicKey := fs.String("public-key", "", "verify v1a signatures with this whpk_... public key instead of a secret")
	id := fs.String("id", "", "the svix-id header")
	timestamp := fs.String("timestamp", "", "the svix-timestamp header")
	signature := fs.String("signature", "", "the svix-signature header")
	request := fs.String("request", "", "a saved raw HTTP request (request line, headers, empty line, body) instead of -id, -timestamp, -signature and the body")
	body := bodyFlag(fs)
	nowFlag := fs.String("now", "", "the clock: Unix seconds or RFC 3339 (default: now); use the delivery time to check a saved request")
	tolerance := fs.Duration("tolerance", stackwebhook.DefaultTolerance, "how far the timestamp may be from the clock")
	maxBody := maxBodyFlag(fs)
	if exit, done := parseFlags(fs, args); done {
		return exit
	}
	now, err := parseNow(*nowFlag)
	if err != nil {
		c.errorf("-now: %v", err)
		return exitUsage
	}
	// A key that cannot verify anything is reported before any input is
	// read: waiting for a body first would only delay the answer.
	k := c.keyFrom(*secret, *publicKey)
	wh, err := k.webhook(stackwebhook.WithTolerance(*tolerance))
	if err != nil {
		c.explain(err, message{}, nil, k, now, *tolerance)
		return exitRefused
	}
	var msg message
	if *request != "" {
		for _, name := range []string{"id", "timestamp", "signature", "body"} {
			if flagGiven(fs, name) {
				c.errorf("-request holds the headers and the body: it cannot be combined with -%s", name)
				return exitUsage
			}
		}
		if fs.NArg() > 0 {
			c.errorf("-request holds the body: it cannot be combined with the file %q", fs.Arg(0))
			return exitUsage
		}
		msg, err = c.readRequest(*request, *maxBody)
	} else {
		var file string
		if file, err = bodyFile(fs, *body); err == nil {
			msg, err = c.flagMessage(file, *id, *timestamp, *signature, *maxBody)
		}
	}
	if err != nil {
		c.errorf("%v", err)
		return exitUsage
	}
	for _, name := range []string{stackwebhook.HeaderSvixSignature, stackwebhook.HeaderWebhookSignature} {
		if n := len(msg.headers.Values(name)); n > 1 {
			msg.notes = append(msg.notes, fmt.Sprintf("the %s header came as %d values: a proxy split it (on commas, as AWS API Gateway's multi-value headers do) or repeated it; its entries were read from all of them", strings.ToLower(name), n))
		}
	}
	for _, note := range msg.notes {
		fmt.Fprintln(c.stderr, "note:", note)
	}

	if err := wh.VerifyAt(msg.body, stackwebhook.MultiValueHeaders(msg.headers), now); err != nil {
		c.explain(err, msg, wh, k, now, *tolerance)
		return exitRefused
	}
	id2 := svixID(msg)
	ev, err := stackwebhook.ParseEvent(msg.body)
	if err != nil {
		fmt.Fprintf(c.stdout, "verified (%d body bytes), but the body is not a Stack webhook payload: %s\n", len(msg.body), printable(err.Error()))
		return exitOK
	}
	fmt.Fprintf(c.stdout, "verified: %s (svix-id %s, %d body bytes)\n", printable(ev.EventType()), printable(id2), len(msg.body))
	return exitOK
}

// webhook builds the Webhook of the key.
func (k key) webhook(opts ...stackwebhook.Option) (*stackwebhook.Webhook, error) {
	if k.public {
		return publickey.NewWebhook(k.text, opts...)
	}
	return stackwebhook.NewWebhook(k.text, opts...)
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

func svixID(msg message) string {
	id, _, _, _ := stackwebhook.ReadHeaders(stackwebhook.MultiValueHeaders(msg.headers))
	return id
}
