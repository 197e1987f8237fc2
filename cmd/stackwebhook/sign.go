package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

func (c cli) sign(args []string) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	secret := fs.String("secret", "", "the endpoint secret, whsec_... (default: $"+secretEnvVar+")")
	id := fs.String("id", "", "the svix-id (default: a random msg_...)")
	timestamp := fs.Int64("timestamp", 0, "the signing time in Unix seconds (default: now)")
	bodyFile := fs.String("body", "-", "the body: a file, or - for standard input")
	curl := fs.String("curl", "", "print a curl command that POSTs the body to this URL instead of the headers")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: stackwebhook sign [flags]\n\nPrints the svix-id, svix-timestamp and svix-signature headers of a body.")
		fs.PrintDefaults()
	}
	maxBody := maxBodyFlag(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	if *secret == "" {
		*secret = c.getenv(secretEnvVar)
	}
	wh, err := stackwebhook.NewWebhook(*secret)
	if err != nil {
		fmt.Fprintf(c.stderr, "stackwebhook: %v: %s\n", err, secretProblem(*secret))
		return exitUsage
	}
	body, err := c.readBody(*bodyFile, *maxBody)
	if err != nil {
		fmt.Fprintln(c.stderr, "stackwebhook:", err)
		return exitUsage
	}
	if *id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		*id = "msg_" + hex.EncodeToString(b[:])
	}
	at := time.Now()
	if *timestamp != 0 {
		at = time.Unix(*timestamp, 0)
	}
	sig, err := wh.Sign(*id, at, body)
	if err != nil {
		return c.fail(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	if *curl != "" {
		data := "--data-binary @-"
		if *bodyFile != "-" {
			data = "--data-binary @" + shellQuote(*bodyFile)
		}
		fmt.Fprintf(c.stdout, "curl -X POST %s -H 'Content-Type: application/json' -H %s -H %s -H %s %s\n",
			shellQuote(*curl), shellQuote("svix-id: "+*id), shellQuote("svix-timestamp: "+ts), shellQuote("svix-signature: "+sig), data)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "svix-id: %s\nsvix-timestamp: %s\nsvix-signature: %s\n", *id, ts, sig)
	return exitOK
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += `'\''`
		} else {
			out += string(r)
		}
	}
	return out + "'"
}
