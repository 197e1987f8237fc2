package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// message is what verify checks: headers and the raw body, with notes on
// how the body was read and, for a saved request whose Content-Length
// disagrees with the bytes that follow, the other reading.
type message struct {
	headers http.Header
	body    []byte
	notes   []string
	other   *bodyVariant
}

// maxBodyFlag adds -max-body: the largest body a command reads.
func maxBodyFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("max-body", receiver.DefaultMaxBodyBytes, "the largest body to read, in bytes (the receiver's default; Svix sends at most 1 MiB)")
}

// bodyFlag adds -body, the body's file ("-": standard input).
func bodyFlag(fs *flag.FlagSet) *string {
	return fs.String("body", "-", "the body: a file, or - for standard input (or name the file last, without -body)")
}

// bodyFile returns the file the body comes from: the single file named
// after the flags, or -body; both at once is an error.
func bodyFile(fs *flag.FlagSet, body string) (string, error) {
	switch {
	case fs.NArg() > 1:
		return "", fmt.Errorf("one body file at most; got %d arguments: %q", fs.NArg(), fs.Args())
	case fs.NArg() == 1 && flagGiven(fs, "body"):
		return "", errors.New("give the body once: -body FILE or FILE, not both")
	case fs.NArg() == 1:
		return fs.Arg(0), nil
	}
	return body, nil
}

// flagGiven reports whether the flag name was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// readBody reads a file, or standard input for "" and "-", through the
// limit max. Reading a terminal, it says so first: a command that waits for
// input in silence looks hung (and only a terminal: from /dev/null or a pipe
// the hint would be noise).
func (c cli) readBody(name string, max int64) ([]byte, error) {
	if name == "" || name == "-" {
		if f, ok := c.stdin.(*os.File); ok && isTerminal(f) {
			fmt.Fprintln(c.stderr, "stackwebhook: reading the body from standard input (end it with Ctrl-D; or give a file)")
		}
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

// readRequest reads a saved raw HTTP request: the request line, the
// headers, an empty line and the body. The body is what Content-Length
// says (or the chunks, with Transfer-Encoding: chunked); without either,
// as in a request pasted by hand, it is every byte after the empty line.
// When Content-Length and the bytes that follow disagree, the note says so
// and the other reading is kept for the explanation.
func (c cli) readRequest(name string, maxBody int64) (message, error) {
	// The headers may take up to net/http's default limit on top of the body.
	raw, err := c.readBody(name, maxBody+http.DefaultMaxHeaderBytes)
	if err != nil {
		return message{}, err
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return message{}, fmt.Errorf("-request %s: not a raw HTTP request (a request line, headers, an empty line, the body): %w", name, err)
	}
	after := afterHeaders(raw)
	declared := req.Header.Get("Content-Length")
	switch {
	case len(req.TransferEncoding) > 0:
		body, err := readLimited(req.Body, "the body of "+name, maxBody)
		if err != nil {
			return message{}, err
		}
		return message{headers: req.Header, body: body}, nil
	case declared == "":
		if int64(len(after)) > maxBody {
			return message{}, fmt.Errorf("the body of %s is over the limit of %d bytes (-max-body raises it)", name, maxBody)
		}
		return message{headers: req.Header, body: after,
			notes: []string{fmt.Sprintf("no Content-Length header: the body is all %d bytes after the empty line", len(after))}}, nil
	}
	n := req.ContentLength
	if n > maxBody {
		return message{}, fmt.Errorf("the body of %s is over the limit of %d bytes (-max-body raises it)", name, maxBody)
	}
	if n == int64(len(after)) {
		return message{headers: req.Header, body: after}, nil
	}
	msg := message{headers: req.Header, other: &bodyVariant{body: after,
		change: "as all " + strconv.Itoa(len(after)) + " bytes after the empty line",
		cause:  "the Content-Length header is wrong (a request edited by hand, or saved from a proxy that changed the body)"}}
	if n < int64(len(after)) {
		msg.body = after[:n]
		msg.notes = []string{fmt.Sprintf("Content-Length says %d bytes but %d follow the headers: checked the first %d", n, len(after), n)}
	} else {
		msg.body = after
		msg.notes = []string{fmt.Sprintf("Content-Length says %d bytes but only %d follow the headers: checked those %d", n, len(after), len(after))}
		msg.other = nil
	}
	return msg, nil
}

// afterHeaders returns the bytes after the first empty line of a raw
// request (CRLF or LF line ends).
func afterHeaders(raw []byte) []byte {
	crlf, lf := bytes.Index(raw, []byte("\r\n\r\n")), bytes.Index(raw, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return raw[crlf+4:]
	case lf >= 0:
		return raw[lf+2:]
	}
	return nil
}

// flagMessage builds the message from -id, -timestamp, -signature and the
// body file.
func (c cli) flagMessage(file, id, timestamp, signature string, maxBody int64) (message, error) {
	body, err := c.readBody(file, maxBody)
	if err != nil {
		return message{}, err
	}
	h := http.Header{}
	for k, v := range map[string]string{stackwebhook.HeaderSvixID: id, stackwebhook.HeaderSvixTimestamp: timestamp, stackwebhook.HeaderSvixSignature: signature} {
		if v != "" {
			h.Set(k, v)
		}
	}
	return message{headers: h, body: body}, nil
}
