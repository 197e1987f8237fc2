package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

func (c cli) decode(args []string) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: stackwebhook decode [file]\n\nPrints the typed event of a body (a file, or standard input) as indented JSON. It does not verify.")
	}
	maxBody := maxBodyFlag(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		return exitUsage
	}
	body, err := c.readBody(fs.Arg(0), *maxBody)
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
	fmt.Fprintf(typeOut, "event: %s (%T)\n", printable(ev.EventType()), ev)
	fmt.Fprintf(c.stdout, "%s\n", escapeJSON(indented.Bytes()))
	return exitOK
}

// maxBodyFlag adds -max-body: the largest body a command reads.
func maxBodyFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("max-body", receiver.DefaultMaxBodyBytes, "the largest body to read, in bytes (the receiver's default; Svix sends at most 1 MiB)")
}

// readBody reads a file, or standard input for "" and "-", through the
// limit max.
func (c cli) readBody(name string, max int64) ([]byte, error) {
	if name == "" || name == "-" {
		return readLimited(c.stdin, "the body on standard input", max)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, name, max)
}

// readLimited reads all of r, or fails if r holds more than max bytes: a
// command pointed at /dev/zero or a huge file says so instead of running
// out of memory.
func readLimited(r io.Reader, name string, max int64) ([]byte, error) {
	if max <= 0 {
		return nil, fmt.Errorf("-max-body must be positive")
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is over the limit of %d bytes (-max-body raises it)", name, max)
	}
	return b, nil
}
