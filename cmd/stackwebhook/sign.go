package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

func (c cli) sign(args []string) int {
	fs := c.flagSet("sign", "Usage: stackwebhook sign [flags] [file]\n\nPrints the svix-id, svix-timestamp and svix-signature headers of a body (the file named\nlast, -body FILE, or standard input), or with -curl a command that sends it.")
	secret := fs.String("secret", "", "the endpoint secret, whsec_... (default: $"+secretEnvVar+")")
	id := fs.String("id", "", "the svix-id (default: a random msg_...)")
	timestamp := fs.Int64("timestamp", 0, "the signing time in Unix seconds (default: now)")
	body := bodyFlag(fs)
	curl := fs.String("curl", "", "print a curl command that POSTs the body to this URL instead of the headers")
	maxBody := maxBodyFlag(fs)
	if exit, done := parseFlags(fs, args); done {
		return exit
	}
	k := c.keyFrom(*secret, "")
	if problem := k.problem(true); problem != "" {
		c.errorf("%v: %s", stackwebhook.ErrInvalidSecret, problem)
		return exitUsage
	}
	wh, err := k.webhook()
	if err != nil {
		return c.fail(err)
	}
	file, err := bodyFile(fs, *body)
	if err != nil {
		c.errorf("%v", err)
		return exitUsage
	}
	data, err := c.readBody(file, *maxBody)
	if err != nil {
		c.errorf("%v", err)
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
	sig, err := wh.Sign(*id, at, data)
	if err != nil {
		return c.fail(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	if *curl != "" {
		// A body read from standard input is gone when the printed command
		// runs: it goes into the command itself, if it is text that a
		// terminal shows as it is (line breaks and tabs aside). Nothing
		// non-printable is printed raw: a carriage return, an escape
		// sequence or a bidirectional override could make the command on
		// the screen differ from the one that runs.
		var send string
		switch {
		case file != "-" && file != "":
			send = "--data-binary @" + shellQuote(file)
		case shownAsIs(string(data), "\n\t"):
			// --data-raw, not --data-binary: curl takes a value starting
			// with @ for the name of a file to send.
			send = "--data-raw " + shellQuote(string(data))
		default:
			c.errorf("-curl: this body has bytes that are not printable text (control, format or bidirectional characters, or not UTF-8), which a command printed to a terminal would hide or reorder: give it as a file")
			return exitUsage
		}
		for _, arg := range []struct{ name, value string }{{"the URL", *curl}, {"the message id", *id}, {"the body file's name", file}} {
			if !shownAsIs(arg.value, "") {
				c.errorf("-curl: %s %s has characters that are not printable", arg.name, printable(arg.value))
				return exitUsage
			}
		}
		// -w prints the status, which a 204 answer would otherwise leave unseen.
		fmt.Fprintf(c.stdout, "curl -sS -X POST %s -H 'Content-Type: application/json' -H %s -H %s -H %s %s -w %s\n",
			shellQuote(*curl), shellQuote("svix-id: "+*id), shellQuote("svix-timestamp: "+ts), shellQuote("svix-signature: "+sig),
			send, shellQuote(`\nHTTP %{http_code}\n`))
		return exitOK
	}
	fmt.Fprintf(c.stdout, "svix-id: %s\nsvix-timestamp: %s\nsvix-signature: %s\n", printable(*id), ts, sig)
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
