#!/usr/bin/env bash
# Runs every check of the project: formatting, vet and staticcheck on every
# module, the tests of every module (the C ABI and the Python, LuaJIT, nginx
# and Ruby bindings included), the pure-Go packages' tests on arm, arm64,
# riscv64, s390x (big-endian), 386 and wasip1, the TinyGo tests and a
# microcontroller run, the SQL stores against a throwaway PostgreSQL and
# SQLite with fleet and load runs, the framework examples, the binary-size
# limits, every benchmark once and the fuzz seeds.
#
# Needs Go, gcc and Python 3. What else it needs it fetches: Go tools through
# the Go module proxy; as root, Debian's qemu-user, qemu-system-arm,
# postgresql, luajit2, nginx-light, libnginx-mod-http-lua, ruby-ffi, ruby-rack,
# ruby-sinatra, luarocks,
# lua-cjson and Debian's python3-venv, -setuptools, -wheel, -werkzeug, -django
# and -starlette through apt-get (starting none of their services). TinyGo is used when `tinygo` is on PATH,
# or installed with the script named by TINYGO_INSTALL. A step whose tools
# cannot be had is skipped with a one-line reason, except under CI=true,
# where every step must run.
#
# FUZZTIME (default 200000x, about 20 s here) is how long the differential fuzz
# target runs against each version of the official library, as -fuzztime takes
# it. The default is a count: with a duration, Go 1.26's fuzz coordinator can
# end a clean run with a spurious "context deadline exceeded" failure
# (golang/go#75804, fixed in Go 1.27). Set FUZZTIME=50000000x for a real
# campaign (about an hour here).
set -euo pipefail
cd "$(dirname "$0")"

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
WAZERO=github.com/tetratelabs/wazero/cmd/wazero@v1.12.0
# The packages without cgo, which must build and pass on every target.
PURE_PACKAGES=(. ./publickey ./receiver ./stackwebhooktest ./cmd/stackwebhook)
modules=(. bench fuzz testdata/generate receiver/sqlstore/dbtest examples)
ci=${CI:-false}
started=$SECONDS
skipped=()

step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - started)); }
# skip STEP REASON: skips a step, or fails under CI=true.
skip() {
	if [ "$ci" = true ]; then
		echo "FAIL: $1 cannot run under CI: $2"
		exit 1
	fi
	echo "SKIP: $1: $2"
	skipped+=("$1: $2")
}
as_root() { [ "$(id -u)" = 0 ]; }
apt_updated=false
# apt_install PACKAGE...: installs Debian packages as root (false otherwise),
# without starting any service they bring: the tests start their own
# servers and stop them.
apt_install() {
	as_root && command -v apt-get >/dev/null || return 1
	if [ "$apt_updated" = false ]; then
		apt-get update -qq >/dev/null && apt_updated=true
	fi
	local policy=/usr/sbin/policy-rc.d created=false status=0
	[ -e "$policy" ] || { printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=true; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || status=$?
	[ "$created" = false ] || rm -f "$policy"
	return $status
}

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT

step "hygiene: gofmt, no build outputs or compiled binaries tracked"
# Tracked files only: building the gem copies the Go source into an ignored folder.
unformatted=$(git ls-files -z '*.go' | xargs -0 gofmt -l)
if [ -n "$unformatted" ]; then
	echo "gofmt would change: $unformatted"
	exit 1
fi
ignored=$(git ls-files -ci --exclude-standard 2>/dev/null || true)
binaries=$(git ls-files -z 2>/dev/null | xargs -0 -r sh -c 'for f; do
	[ -f "$f" ] || continue
	case $(head -c 4 "$f" | od -An -tx1 | tr -d " \n") in
	7f454c46 | cffaedfe | cefaedfe | 4d5a* | 0061736d | 213c6172) echo "$f" ;;
	esac
done' sh)
if [ -n "$ignored$binaries" ]; then
	echo "tracked build outputs or compiled binaries: $ignored $binaries"
	exit 1
fi

step "runtimes of the bindings: LuaJIT with luarocks and lua-cjson, nginx with its Lua module, Ruby's ffi, Rack and Sinatra, Debian's Python with Werkzeug, Django and Starlette (as root, through apt-get)"
if ! command -v luajit >/dev/null || [ ! -e /usr/share/nginx/modules/ngx_http_lua_module.so ] ||
	! ruby -e 'require "ffi"; require "rack"; require "sinatra/base"' 2>/dev/null || ! command -v luarocks >/dev/null ||
	! luajit -e 'require "cjson"' 2>/dev/null || ! /usr/bin/python3 -c 'import venv, setuptools, wheel, werkzeug, django, starlette' 2>/dev/null; then
	# Debian's nginx Lua module needs OpenResty's luajit2, which replaces luajit.
	apt_install luajit2 nginx-light libnginx-mod-http-lua ruby ruby-ffi ruby-rack ruby-sinatra luarocks lua-cjson \
		python3-venv python3-setuptools python3-wheel python3-werkzeug python3-django python3-starlette || true
fi
for tool in luajit nginx ruby luarocks; do
	command -v "$tool" >/dev/null || skip "the $tool binding tests" "$tool is not installed (apt-get install luajit2 nginx-light libnginx-mod-http-lua ruby-ffi luarocks lua-cjson, as root)"
done

for m in "${modules[@]}"; do
	step "go vet + staticcheck: $m"
	(cd "$m" && go vet ./... && go run "$STATICCHECK" ./...)
done

step "root module: tests under -race (includes capi: the C and Python ABI tests)"
go test -race -count=1 ./...

step "root module: tests without instrumentation (allocation pins)"
go test -count=1 ./...

step "wasip1: tests under wazero"
GOBIN="$tools" go install "$WAZERO"
PATH="$tools:$PATH" GOWASIRUNTIME=wazero GOOS=wasip1 GOARCH=wasm \
	go test -count=1 -exec "$(go env GOROOT)/lib/wasm/go_wasip1_wasm_exec" "${PURE_PACKAGES[@]}"

step "386: tests where the kernel runs 386 binaries"
printf 'package main\nfunc main() {}\n' >"$tools/probe.go"
GOARCH=386 CGO_ENABLED=0 go build -o "$tools/probe386" "$tools/probe.go"
if "$tools/probe386" 2>/dev/null; then
	GOARCH=386 CGO_ENABLED=0 go test -count=1 "${PURE_PACKAGES[@]}"
else
	# Debian's qemu-i386 (7.2) crashes on every Go 1.26 program (SIGSEGV in
	# runtime.runqput), so there is no emulated fallback: build and vet.
	echo "this kernel cannot execute 386 binaries and qemu-i386 cannot run Go 1.26 programs: 386 is built and vetted, not tested"
	GOARCH=386 CGO_ENABLED=0 go vet "${PURE_PACKAGES[@]}" # compiles the tests too
fi

step "arm (GOARM=7), arm64, riscv64, s390x (big-endian): tests under qemu-user"
if ! command -v qemu-s390x >/dev/null; then
	apt_install qemu-user || true
fi
if command -v qemu-s390x >/dev/null; then
	for pair in arm:qemu-arm arm64:qemu-aarch64 riscv64:qemu-riscv64 s390x:qemu-s390x; do
		echo "--- ${pair%%:*}"
		GOARCH=${pair%%:*} GOARM=7 CGO_ENABLED=0 go test -count=1 -exec "${pair#*:}" "${PURE_PACKAGES[@]}"
	done
else
	skip "arm, arm64, riscv64, s390x tests" "qemu-user is not installed (apt-get install qemu-user, as root)"
fi

step "TinyGo: tests for wasip1, a Cortex-M3 program under qemu-system-arm, sizes"
if ! command -v tinygo >/dev/null && [ -n "${TINYGO_INSTALL:-}" ] && [ -x "$TINYGO_INSTALL" ]; then
	eval "$(TINYGO_APT_EXTRA=qemu-system-arm "$TINYGO_INSTALL")"
fi
if command -v tinygo >/dev/null; then
	tinygo version
	if ! command -v qemu-system-arm >/dev/null; then
		apt_install qemu-system-arm || true
	fi
	# wasip1 runs through the `wasmtime` TinyGo calls; the installer's shim
	# maps it onto wazero. -tags safe keeps testify's go-spew off unsafe
	# reflection that TinyGo lacks.
	quiet() { grep -v "is not a recognized feature for this target" || true; }
	# The root package, the receiver and the test helper: what runs on small
	# targets (publickey and the CLI are tested on every other target).
	tinygo test -target=wasip1 -tags safe . ./receiver ./stackwebhooktest 2>&1 | quiet
	if command -v qemu-system-arm >/dev/null; then
		out=$(cd bench && tinygo run -target=cortex-m-qemu ./tinygo/cortexm 2>&1 | tr -d "\r" | quiet)
		echo "$out"
		grep -q '^verified$' <<<"$out" && grep -q '^tampered body refused$' <<<"$out" ||
			{ echo "FAIL: the Cortex-M3 program did not verify"; exit 1; }
	else
		skip "Cortex-M3 run" "qemu-system-arm is not installed (apt-get install qemu-system-arm, as root)"
	fi
else
	skip "TinyGo" "tinygo is not on PATH and TINYGO_INSTALL names no installer"
fi

step "receiver/sqlstore: TxHandler and the stores on PostgreSQL (a throwaway cluster) and SQLite, a fleet of receivers, load with a database outage, the kill -9 fleet run"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${STACKWEBHOOK_PG_BIN:-}" ] && as_root; then
	# Install the server without Debian's default cluster: the tests start
	# their own in a temporary directory and stop it.
	mkdir -p /etc/postgresql-common
	echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
	apt_install postgresql || true
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${STACKWEBHOOK_PG_BIN:-}" ]; then
	(cd receiver/sqlstore/dbtest && go test -count=1 -race ./...)
else
	skip "PostgreSQL store tests" "no PostgreSQL server (apt-get install postgresql, as root); the SQLite and memory stores are still tested"
	(cd receiver/sqlstore/dbtest && go test -count=1 -race ./...)
fi

step "bindings as packages: a Python wheel in a fresh virtual environment without Go, a gem in a fresh GEM_HOME, a rock in a fresh luarocks tree, each tested as installed"
STACKWEBHOOK_PACKAGES=1 go test -count=1 -run '^TestInstalledPackages$' -v ./capi

step "examples: receivers on chi, gin, echo and AWS Lambda; the mirror (2,000 deliveries to three killed and restarted instances converging through River refreshes, reconcile, the guide's commands, against a fake Hexclave API) on a throwaway PostgreSQL; Prometheus metrics"
(cd examples && go test -count=1 ./...)

step "bench: tests (binary sizes on every target, the JSON peers' agreement) and every benchmark once, the decoding ones also beside encoding/json/v2 (GOEXPERIMENT=jsonv2)"
(cd bench && go test -count=1 ./... && go test -count=1 -run '^$' -bench . -benchtime 1x ./... &&
	GOEXPERIMENT=jsonv2 go test -count=1 -run 'TestPeersAgree' -bench Decode -benchtime 1x .)

step "timing: Verify's comparison shows no leak; a deliberately leaky build (a byte loop that returns at the first difference) is caught"
(cd bench && go run ./cmd/timingcheck && go run -tags stackwebhook_leaky_compare ./cmd/timingcheck -expect-leak)

step "fuzz: seed corpora of every target, then a short real run (200,000 executions) of the differential target, against the official library v1.44.0 and v1.99.1"
for modfile in go.mod go.v1.99.1.mod; do
	echo "--- $modfile"
	(cd fuzz && go vet -modfile="$modfile" ./... && go test -modfile="$modfile" -count=1 ./... &&
		go test -modfile="$modfile" -run '^$' -fuzz '^FuzzDifferential$' -fuzztime "${FUZZTIME:-200000x}" -fuzzminimizetime 5s -parallel 1 .)
done

step "conformance: the corpus against this library, its CLI, the C ABI and both official libraries"
if command -v node >/dev/null && command -v npm >/dev/null; then
	sh conformance/conformance.sh
else
	skip "the conformance matrix" "Node and npm are not installed (the official JavaScript library runs on them)"
fi

step "testdata/generate: builds"
(cd testdata/generate && go build -o /dev/null .)

echo
if [ ${#skipped[@]} -gt 0 ]; then
	printf 'skipped: %s\n' "${skipped[@]}"
fi
echo "all checks passed in $((SECONDS - started)) s"
