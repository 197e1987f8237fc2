package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/stackwebhook/stackwebhook"
)

func (c cli) decode(args []string) int {
	fs := c.flagSet("decode", "Usage: stackwebhook decode [flags] [file]\n\nPrints the typed event of a body (a file, or standard input) as indented JSON. It does not verify.")
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
	return c.printEvent(data, c.stderr)
}

// printEvent decodes body and prints its indented JSON to standard output,
// and the event type and Go type to typeOut.
func (c cli) printEvent(body []byte, typeOut io.Writer) int {
	ev, err := stackwebhook.ParseEvent(body)
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
	fmt.Fprintf(c.stdout, "%s\n", escapeJSON(indented.Bytes()))
	return exitOK
}
