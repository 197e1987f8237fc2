// Package conformance holds the conformance corpus: 1,072 Svix (Standard
// Webhooks) signature cases whose signatures and verdicts come from the
// official libraries (svix Go v1.44.0 and v1.99.1, npm svix 2.5.0), in the
// documented, versioned format of CONFORMANCE.md beside this file. It is a
// package only so that programs can embed the corpus (the stackwebhook CLI
// runs it with `stackwebhook conformance` wherever it is installed); the
// library itself does not import it.
package conformance

import _ "embed"

// Format is the layout version of Corpus; a runner refuses any other.
const Format = "stackwebhook-vectors/1"

// Corpus is the JSON text of vectors.json.
//
//go:embed vectors.json
var Corpus string
