package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stackwebhook/stackwebhook"
)

func (c cli) decode(args []string) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: stackwebhook decode [file]\n\nPrints the typed event of a body (a file, or standard input) as indented JSON. It does not verify.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		return exitUsage
	}
	body, err := c.readBody(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(c.stderr, "stackwebhook:", err)
		return exitUsage
	}
	return c.printEvent(body, c.stderr)
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
	fmt.Fprintf(typeOut, "event: %s (%T)\n", ev.EventType(), ev)
	fmt.Fprintf(c.stdout, "%s\n", indented.Bytes())
	return exitOK
}

// readBody reads a file, or standard input for "" and "-".
func (c cli) readBody(name string) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(c.stdin)
	}
	return os.ReadFile(name)
}
