#!/bin/sh
# Regenerates ../../conformance/vectors.json from the official libraries, reproducibly.
set -eu
cd "$(dirname "$0")"
corpus=../../conformance/vectors.json
go run . -seed "${SEED:-1}" -out "$corpus"
adapter=$(mktemp)
trap 'rm -f "$adapter"' EXIT
(cd ../../fuzz && go build -modfile=go.v1.99.1.mod -o "$adapter" ./cmd/officialadapter)
npm ci --no-audit --no-fund --silent
node goverdicts.mjs "$corpus" go_v1_99_1 "svix Go v1.99.1" "$adapter"
node verdicts.mjs "$corpus"
(cd sw130 && npm ci --no-audit --no-fund --silent)
SVIX_FROM=sw130/package.json node verdicts.mjs "$corpus" js_sw1_3_0 "svix JS 2.5.0 + standardwebhooks 1.3.0"
node v1a.mjs ../v1a.json
