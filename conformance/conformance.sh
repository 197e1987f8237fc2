#!/bin/sh
# Runs the conformance corpus (conformance/vectors.json, format stackwebhook-vectors/1; see CONFORMANCE.md)
# against this library (in-process and through the CLI), the C ABI (through the Python, LuaJIT and Ruby
# packages, each answering every case as the rule does), and the
# official Go library (v1.44.0 and v1.99.1) and JavaScript library (svix 2.5.0 with standardwebhooks 1.1.1, as this
# repository's lock pins it, and with 1.3.0, as a fresh install takes it), and prints the compatibility matrix in
# Markdown: for each rule's cases, how many each verifier answers as the documented rule does, then each
# verifier's disagreements with the official libraries' verdicts. Fails if this library, its CLI or a
# binding misses any. Needs Go, gcc, Python 3, LuaJIT with lua-cjson, Ruby with ffi, Node and npm (npm ci
# fetches the official JavaScript library).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/stackwebhook" ./cmd/stackwebhook
go build -buildmode=c-shared -o "$tmp/libstackwebhook.so" ./capi
(cd fuzz && go build -o "$tmp/officialadapter" ./cmd/officialadapter &&
	go build -modfile=go.v1.99.1.mod -o "$tmp/officialadapter-v1.99.1" ./cmd/officialadapter)
(cd testdata/generate && npm ci --no-audit --no-fund --silent && cd sw130 && npm ci --no-audit --no-fund --silent)
STACKWEBHOOK_LIB="$tmp/libstackwebhook.so" PYTHONPATH=capi/python "$tmp/stackwebhook" conformance \
	-corpus conformance/vectors.json \
	-self "stackwebhook" \
	-impl "CLI=$tmp/stackwebhook conformance -serve" \
	-impl "C ABI (Python)=python3 capi/python/conformance_adapter.py" \
	-impl "C ABI (LuaJIT)=luajit capi/lua/conformance_adapter.lua" \
	-impl "C ABI (Ruby)=ruby capi/ruby/conformance_adapter.rb" \
	-impl "svix Go v1.44.0=$tmp/officialadapter" \
	-impl "svix Go v1.99.1=$tmp/officialadapter-v1.99.1" \
	-impl "svix JS 2.5.0 + standardwebhooks 1.1.1=node testdata/generate/adapter.mjs" \
	-impl "svix JS 2.5.0 + standardwebhooks 1.3.0=SVIX_FROM=testdata/generate/sw130/package.json node testdata/generate/adapter.mjs" \
	-require stackwebhook -require CLI -require "C ABI (Python)" -require "C ABI (LuaJIT)" -require "C ABI (Ruby)" "$@"
