#!/bin/sh
# Prints the decoding table of docs/performance.md from `go test -bench DecodeRatio`
# output: for each payload, ParseEvent's time, the fastest peer's and
# ParseEvent's time against it (the median of the rounds' ratios), then
# encoding/json's time and ParseEvent's against it, and the allocations of
# ParseEvent and encoding/json per decode. With -count N, each figure is
# the median of the N runs.
# Usage: go test -run '^$' -bench DecodeRatio -benchtime 400x -count 3 | tee d.txt; ./decoderatios.sh d.txt
# (GOEXPERIMENT=jsonv2 adds encoding/json/v2, and runs encoding/json on it.)
exec awk '
/^BenchmarkDecodeRatio\/event=/ {
	ev = $1; sub(/^BenchmarkDecodeRatio\/event=/, "", ev); sub(/-[0-9]+$/, "", ev)
	if (!(ev in seen)) { seen[ev] = 1; order[++evs] = ev }
	for (f = 5; f < NF; f += 2) {
		unit = $(f + 1); key = ev SUBSEP unit; n[key]++; v[key, n[key]] = $f
		if (unit ~ /^x-/) { peer[ev] = substr(unit, 3) }
	}
}
function median(key,   i, j, t, m) {
	m = n[key]; for (i = 1; i <= m; i++) a[i] = v[key, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	printf "| payload | ParseEvent | fastest peer | ParseEvent / fastest | encoding/json | ParseEvent / encoding/json | allocations (ours / encoding/json) |\n"
	printf "|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= evs; i++) {
		e = order[i]; p = peer[e]
		o = median(e SUBSEP "ns/decode-ParseEvent"); j = median(e SUBSEP "ns/decode-encoding-json")
		printf "| %s | %.0f ns | %s %.0f ns | %.2fx | %.0f ns | %.2fx | %d / %d |\n", e, o, p, median(e SUBSEP "ns/decode-" p), median(e SUBSEP "x-" p), j, o / j, median(e SUBSEP "allocs/decode-ParseEvent"), median(e SUBSEP "allocs/decode-encoding-json")
	}
}' "$@"
