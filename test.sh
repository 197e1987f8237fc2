#!/usr/bin/env bash
# Runs every check of the project: formatting, vet, staticcheck, the root
# module's tests under the race detector, every nested module, and the
# benchmarks once so that they cannot rot. Needs Go (and, as issues land,
# gcc, Python 3 and Node); everything else it fetches through the Go proxy.
set -euo pipefail
cd "$(dirname "$0")"

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
WAZERO=github.com/tetratelabs/wazero/cmd/wazero@v1.12.0
# The packages without cgo, which must build and pass everywhere.
PURE_PACKAGES=". ./receiver ./stackwebhooktest ./cmd/stackwebhook"
modules=(. bench fuzz testdata/generate)

step() { printf '\n=== %s\n' "$*"; }

step gofmt
unformatted=$(gofmt -l . | grep -v '/node_modules/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted"
	exit 1
fi

for m in "${modules[@]}"; do
	step "go vet + staticcheck: $m"
	(cd "$m" && go vet ./... && go run "$STATICCHECK" ./...)
done

step "root module: tests under -race (includes capi: the C and Python ABI tests)"
go test -race -count=1 ./...

step "root module: tests without instrumentation (allocation pins)"
go test -count=1 ./...

step "constrained builds: wasip1/wasm tests under wazero, 386 tests, arm build (CGO_ENABLED=0)"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
GOBIN="$tools" go install "$WAZERO"
PATH="$tools:$PATH" GOWASIRUNTIME=wazero GOOS=wasip1 GOARCH=wasm \
	go test -count=1 -exec "$(go env GOROOT)/lib/wasm/go_wasip1_wasm_exec" $PURE_PACKAGES
GOARCH=386 CGO_ENABLED=0 go test -count=1 $PURE_PACKAGES
GOARCH=arm GOARM=7 CGO_ENABLED=0 go vet $PURE_PACKAGES

step "bench: tests (binary size) and every benchmark once"
(cd bench && go test -count=1 ./... && go test -count=1 -run '^$' -bench . -benchtime 1x ./...)

step "fuzz: seed corpora of every target, then a short real run of the differential target"
(cd fuzz && go test -count=1 ./... && go test -run '^$' -fuzz '^FuzzDifferential$' -fuzztime "${FUZZTIME:-30s}" -fuzzminimizetime 5s -parallel 1 .)

step "testdata/generate: builds"
(cd testdata/generate && go build -o /dev/null .)

echo
echo "all checks passed"
