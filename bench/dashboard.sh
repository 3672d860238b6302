#!/bin/sh
# Issue 22: the dashboard's pages against the store's size. Runs
# BenchmarkDashboard (serve/dashboard_bench_test.go): 100 runs of a
# 50,000-account generated estate recorded through history.Store, on SQLite
# and on PostgreSQL (a private cluster, internal/pgtest; `make
# deps-postgres`), each page timed at 10, 50 and 100 runs. Prints each
# page's time, its ratio to the same page at 10 runs (growth with the
# store), and its ratio to ref-report (reading one stored report back,
# measured in the same run). No figure is asserted.
#
#   bench/dashboard.sh            # BENCHTIME=5x by default
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
BENCHTIME=${BENCHTIME:-5x}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$GO" test ./serve -run '^$' -bench '^BenchmarkDashboard$' -benchtime "$BENCHTIME" -timeout 60m -v >"$out" 2>&1 || { cat "$out"; exit 1; }
grep -E 'estate:|runs recorded' "$out" | sed 's/^ *//'
awk '
/^BenchmarkDashboard\// {
	split($1, p, "/"); eng = p[2]; sz = p[3]; sub(/^runs=/, "", sz); page = p[4]; sub(/-[0-9]+$/, "", page)
	ns = $3; bytes = ""
	for (i = 4; i <= NF; i++) if ($(i+1) == "page-bytes") bytes = $i
	key = eng SUBSEP page; t[key, sz] = ns; b[key, sz] = bytes
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	sizes[sz] = 1
}
END {
	printf "%-9s %-14s %6s %12s %10s %9s %11s\n", "engine", "page", "runs", "ms/op", "x at 10", "x ref", "page bytes"
	for (k = 1; k <= n; k++) {
		key = order[k]; split(key, kp, SUBSEP)
		for (s = 0; s <= 100; s++) {
			if (!((key, s) in t)) continue
			ref = t[kp[1] SUBSEP "ref-report", s]
			printf "%-9s %-14s %6d %12.2f %10.2f %9.2f %11s\n", kp[1], kp[2], s, t[key, s] / 1e6, t[key, s] / t[key, 10], t[key, s] / ref, b[key, s]
		}
	}
}' "$out"
