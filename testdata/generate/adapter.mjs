// Answers the conformance protocol (conformance/CONFORMANCE.md) with the
// official JavaScript library, npm svix 2.5.0: one JSON case per line on
// standard input, one verdict per line on standard output.
// Usage: node adapter.mjs (after npm ci in this folder; with
// SVIX_FROM=sw130/package.json, after npm ci in sw130, standardwebhooks 1.3.0)
import { createInterface } from "node:readline";
import { jsVerdict } from "./jsverdict.mjs";

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() !== "") {
    process.stdout.write(jsVerdict(JSON.parse(line)) + "\n");
  }
}
