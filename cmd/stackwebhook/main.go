// Command stackwebhook verifies, explains, signs and decodes Stack Auth
// webhooks (Svix signatures).
//
//	stackwebhook                 verify and decode a signed sample built in
//	stackwebhook verify  [flags] verify a webhook; on failure, say which check failed and why
//	stackwebhook sign    [flags] print the three headers for a body (to replay it with curl)
//	stackwebhook decode  [file]  print the typed event of a body as indented JSON
//
// The secret comes from -secret or the STACK_WEBHOOK_SECRET environment
// variable. Run a subcommand with -h for its flags.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses.
const (
	exitOK       = 0
	exitRefused  = 1 // verification or decoding failed
	exitUsage    = 2
	secretEnvVar = "STACK_WEBHOOK_SECRET"
)

// cli is one run's input and output, so that tests can drive run.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := cli{stdin, stdout, stderr, getenv}
	if len(args) == 0 {
		return c.sample()
	}
	switch args[0] {
	case "verify":
		return c.verify(args[1:])
	case "sign":
		return c.sign(args[1:])
	case "decode":
		return c.decode(args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "stackwebhook: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

const usage = `Usage:
  stackwebhook                 verify and decode a signed sample built in
  stackwebhook verify  [flags] verify a webhook; on failure, say which check failed and why
  stackwebhook sign    [flags] print the three headers for a body (to replay it with curl)
  stackwebhook decode  [file]  print the typed event of a body as indented JSON

The secret comes from -secret or the STACK_WEBHOOK_SECRET environment variable.
Run a command with -h for its flags.
`
