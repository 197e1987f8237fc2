// Command stackwebhook verifies, explains, signs and decodes Stack Auth
// (now Hexclave) webhooks (Svix signatures).
//
//	stackwebhook                        verify and decode a signed sample built in
//	stackwebhook verify  [flags] [file] verify a webhook; on failure, say every check that failed and why
//	stackwebhook sign    [flags] [file] print the three headers for a body (to replay it with curl)
//	stackwebhook decode  [flags] [file] print the typed event of a body as indented JSON
//	stackwebhook fingerprint [flags]    print the fingerprint of a secret, to compare without showing it
//	stackwebhook conformance [flags]    run the conformance corpus against verifiers (conformance/CONFORMANCE.md)
//	stackwebhook version                print the version
//
// The secret comes from -secret or the STACK_WEBHOOK_SECRET environment
// variable. Run a command with -h for its flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
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

// commands are the subcommands, each taking its arguments after the name.
var commands = map[string]func(cli, []string) int{
	"verify":      cli.verify,
	"sign":        cli.sign,
	"decode":      cli.decode,
	"fingerprint": cli.fingerprint,
	"conformance": cli.conformance,
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := cli{stdin, stdout, stderr, getenv}
	if len(args) == 0 {
		return c.sample()
	}
	if command, ok := commands[args[0]]; ok {
		return command(c, args[1:])
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if command, ok := commands[args[1]]; ok {
				return command(cli{stdin, stderr, stdout, getenv}, []string{"-h"}) // usage to stdout
			}
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "stackwebhook", version())
		return exitOK
	}
	fmt.Fprintf(stderr, "stackwebhook: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

const usage = `Usage:
  stackwebhook                        verify and decode a signed sample built in
  stackwebhook verify  [flags] [file] verify a webhook; on failure, say every check that failed and why
  stackwebhook sign    [flags] [file] print the three headers for a body (to replay it with curl)
  stackwebhook decode  [flags] [file] print the typed event of a body as indented JSON
  stackwebhook fingerprint [flags]    print the fingerprint of a secret, to compare without showing it
  stackwebhook conformance [flags]    run the conformance corpus against verifiers
  stackwebhook version                print the version

The secret comes from -secret or the STACK_WEBHOOK_SECRET environment variable.
The body comes from the file named last, -body FILE, or standard input.
Run "stackwebhook help COMMAND" or a command with -h for its flags.
`

// version is the module version the binary was built from.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// parseFlags parses a command's flags, and says how to go on: -h prints the
// usage and exits 0, a flag error exits 2.
func parseFlags(fs *flag.FlagSet, args []string) (exit int, done bool) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	}
	return 0, false
}

// flagSet returns a command's flag set, whose usage text (to c.stderr, or
// standard output for "help COMMAND") starts with synopsis.
func (c cli) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// errorf prints one error line: a single "stackwebhook:" prefix, whatever
// the error's own text begins with.
func (c cli) errorf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintln(c.stderr, "stackwebhook: "+strings.TrimPrefix(msg, "stackwebhook: "))
}

func (c cli) fail(err error) int {
	c.errorf("%v", err)
	return exitRefused
}
