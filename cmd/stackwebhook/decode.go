package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/stackwebhook/stackwebhook"
)

func (c cli) decode(args []string) int {
	fs := c.flagSet("decode", "Usage: stackwebhook decode [flags] [file]\n\nPrints the typed event of a body (a file, or standard input) as indented JSON. It does not verify.\nAs the receiver does by default, it decodes what it can and says, on standard error, where the body\ndeparts from what Stack sends today (a key missing, null, of another kind, or one this release does\nnot know) and when the event type is one this release does not know.")
	strict := fs.Bool("strict", false, "refuse any departure from Stack's schema (exit status 1), as ParseEvent and the receiver's WithStrictPayloads do")
	body := bodyFlag(fs)
	maxBody := maxBodyFlag(fs)
	if exit, done := parseFlags(fs, args); done {
		return exit
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
	return c.printEvent(data, c.stderr, *strict)
}

// printEvent decodes body (best-effort, or strict) and prints its indented
// JSON to standard output, and the event type, Go type and departures to
// typeOut.
func (c cli) printEvent(body []byte, typeOut io.Writer, strict bool) int {
	var ev stackwebhook.Event
	var departures []*stackwebhook.PayloadError
	var err error
	if strict {
		ev, err = stackwebhook.ParseEvent(body)
	} else {
		ev, departures, err = stackwebhook.ParseEventBestEffort(body)
	}
	if err != nil {
		return c.fail(err)
	}
	out, err := stackwebhook.MarshalEvent(ev)
	if err != nil {
		return c.fail(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(typeOut, "event: %s (%T)\n", printable(ev.EventType()), ev)
	if !stackwebhook.KnownType(ev.EventType()) {
		fmt.Fprintf(typeOut, "a type this release does not know: Stack sends more than it types\n")
	}
	for _, d := range departures {
		if d.Path == "" {
			fmt.Fprintf(typeOut, "departure: %s\n", printable(d.Problem))
			continue
		}
		fmt.Fprintf(typeOut, "departure: %s: %s\n", printable(d.Path), printable(d.Problem))
	}
	fmt.Fprintf(c.stdout, "%s\n", escapeJSON(indented.Bytes()))
	return exitOK
}
