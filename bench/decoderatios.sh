#!/bin/sh
# Prints the README's decoding table from `go test -bench Decode` output:
# for each payload, ParseEvent's time (median of its runs), the fastest
# peer's and their ratio, encoding/json's and its ratio, and the
# allocations of ParseEvent and encoding/json.
# Usage: go test -run '^$' -bench Decode -count 6 | tee d.txt; ./decoderatios.sh d.txt
# (GOEXPERIMENT=jsonv2 adds encoding/json/v2, and runs encoding/json on it.)
exec awk '
/^BenchmarkDecode\/event=/ {
	split($1, p, "/"); ev = substr(p[2], 7); impl = p[3]; sub(/^impl=/, "", impl); sub(/-[0-9]+$/, "", impl)
	key = ev SUBSEP impl; n[key]++; v[key, n[key]] = $3
	for (f = 4; f <= NF; f++) if ($f == "allocs/op") allocs[key] = $(f - 1)
	if (!(impl in seenImpl)) { seenImpl[impl] = 1; impls[++nimpl] = impl }
	if (!(ev in seen)) { seen[ev] = 1; order[++evs] = ev }
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
		e = order[i]; o = median(e SUBSEP "ParseEvent"); best = 0; bestName = ""
		for (k = 1; k <= nimpl; k++) {
			im = impls[k]; if (im == "ParseEvent" || !((e SUBSEP im) in n)) continue
			t = median(e SUBSEP im); if (best == 0 || t < best) { best = t; bestName = im }
		}
		j = median(e SUBSEP "encoding-json")
		printf "| %s | %.0f ns | %s %.0f ns | %.2fx | %.0f ns | %.2fx | %s / %s |\n", e, o, bestName, best, o / best, j, o / j, allocs[e SUBSEP "ParseEvent"], allocs[e SUBSEP "encoding-json"]
	}
}' "$@"
