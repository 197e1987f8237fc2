// Command officialadapter answers the conformance protocol
// (conformance/CONFORMANCE.md) with the official svix Go library: one JSON
// case per line on standard input, one verdict per line on standard output.
// Built with this module's go.mod it runs v1.44.0; built with
// -modfile=go.v1.99.1.mod, v1.99.1. The verdict is official.Verdict's, the
// same that the corpus records in its "go" and "go_v1_99_1" fields (headers
// as net/http hands them over, the library's tolerance applied at the case's
// clock).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/stackwebhook/stackwebhook/fuzz/official"
)

func main() {
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		var c struct {
			Secret  string            `json:"secret"`
			Headers map[string]string `json:"headers"`
			Body    string            `json:"body_b64"`
			NowMs   int64             `json:"now_ms"`
		}
		if err := dec.Decode(&c); err != nil {
			return
		}
		body, err := base64.StdEncoding.DecodeString(c.Body)
		if err != nil {
			fmt.Fprintln(out, "error: body_b64")
			continue
		}
		h := http.Header{}
		for k, v := range c.Headers {
			h.Set(k, v)
		}
		fmt.Fprintln(out, official.Verdict(c.Secret, h, body, time.UnixMilli(c.NowMs)))
		out.Flush()
	}
}
