#!/bin/sh
# Regenerates ../vectors.json from the official libraries, reproducibly.
set -eu
cd "$(dirname "$0")"
go run . -seed "${SEED:-1}" -out ../vectors.json
npm ci --no-audit --no-fund --silent
node verdicts.mjs ../vectors.json
node v1a.mjs ../v1a.json
