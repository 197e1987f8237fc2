#!/bin/sh
# Prints the ratios docs/performance.md reports from `go test -bench Verify` output
# (median of each benchmark's runs).
# Usage: go test -run '^$' -bench Verify -count 10 | tee bench.txt; ./ratios.sh bench.txt
exec awk '
/^BenchmarkVerify\/size=/ {
	split($1, p, "/"); size = substr(p[2], 6); impl = p[3]; sub(/^impl=/, "", impl); sub(/-[0-9]+$/, "", impl)
	key = size SUBSEP impl; n[key]++; v[key, n[key]] = $3
	if (!(size in seen)) { seen[size] = 1; order[++sizes] = size }
}
function median(key,   i, j, t, m) {
	m = n[key]; for (i = 1; i <= m; i++) a[i] = v[key, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	printf "| body | stackwebhook | bare HMAC | hand-written | svix v1.44.0 | ours / bare HMAC | ours / hand-written | svix / ours |\n"
	printf "|---|---|---|---|---|---|---|---|\n"
	for (i = 1; i <= sizes; i++) {
		s = order[i]; o = median(s SUBSEP "stackwebhook"); h = median(s SUBSEP "hmac")
		w = median(s SUBSEP "handwritten"); x = median(s SUBSEP "svix")
		printf "| %s | %.0f ns | %.0f ns | %.0f ns | %.0f ns | %.2fx | %.2fx | %.2fx |\n", s, o, h, w, x, o / h, o / w, x / o
	}
}' "$@"
