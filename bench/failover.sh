#!/usr/bin/env bash
# bench/failover.sh — issue 23: the first DC of lab.test fails during a live
# audit and the audit must finish from the second DC (dc4.lab.test, the lab's
# LAB_SECOND_DC=1), with a gap saying so, in bounded time.
#
# A fault proxy (internal/faultnet.Proxy, bench/faultproxy) listens on
# PROXY_IP:636 in front of DC1's real LDAPS port; the audit runs in a mount
# namespace of its own whose /etc/hosts sends dc1.lab.test to the proxy (the
# certificate still verifies: TLS passes through), and DC4 to itself. After
# SILENT_AFTER bytes have gone from DC1 to the audit, the proxy goes silent
# (MODE=silent: every connection held open, nothing forwarded — a hung DC)
# or drops every connection (MODE=drop). The audit is run with the proxy
# forwarding only (the baseline), then with the fault.
#
#   sudo ip netns exec spntrust-scale env LAB_ENV=/var/tmp/spntrust-scale/lab.env bench/failover.sh
#
# Environment: LAB_ENV, PROXY_IP (127.0.0.21), SILENT_AFTER (bytes, 1000000),
# MODE (silent|drop), TIMEOUT (the audit's --timeout, 30s), BENCH_DIR,
# SPNTRUST_BIN (a spntrust binary to measure instead of building this tree).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_ENV=${LAB_ENV:-/var/tmp/spntrust-lab/lab.env}
PROXY_IP=${PROXY_IP:-127.0.0.21}
SILENT_AFTER=${SILENT_AFTER:-1000000}
MODE=${MODE:-silent}
TIMEOUT=${TIMEOUT:-30s}
WORK=${BENCH_DIR:-/var/tmp/spntrust-bench}
GO=${GO:-go}

log() { printf '%s failover: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "run as root (an address on lo, a mount namespace): sudo $0"
[[ $MODE == silent || $MODE == drop ]] || die "MODE must be silent or drop, got '$MODE'"
[[ -r $LAB_ENV ]] || die "no lab environment at $LAB_ENV"
# shellcheck disable=SC1090
. "$LAB_ENV"
[[ -n ${LAB_DC4_FQDN:-} ]] || die "the lab has no second DC of lab.test: LAB_SECOND_DC=1 testdata/lab/lab.sh up (testdata/lab/README.md, \"Second DC\")"
timeout 3 bash -c "exec 3<>/dev/tcp/$LAB_DC4_IP/636" 2>/dev/null || die "$LAB_DC4_FQDN does not answer on 636"

mkdir -p "$WORK"
chmod 0700 "$WORK"
OUT=$WORK/failover-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
# SPNTRUST_BIN: measure that build instead (e.g. one from before the failover).
(cd "$ROOT" && $GO build -o "$WORK/faultproxy" ./bench/faultproxy)
SPNTRUST=${SPNTRUST_BIN:-$WORK/spntrust}
[[ -n ${SPNTRUST_BIN:-} ]] || (cd "$ROOT" && $GO build -o "$WORK/spntrust" ./cmd/spntrust)

added=""
if ! ip -4 -o addr show dev lo | grep -qF "inet $PROXY_IP/"; then
	ip addr add "$PROXY_IP/32" dev lo
	added=1
fi
proxy_pid=""
cleanup() {
	[[ -z $proxy_pid ]] || { kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; }
	[[ -z $added ]] || ip addr del "$PROXY_IP/32" dev lo 2>/dev/null || true
}
trap cleanup EXIT

# /etc/hosts of the audit: dc1.lab.test is the proxy.
awk -v ip="$PROXY_IP" -v n="$LAB_DC1_FQDN" '{ for (i = 2; i <= NF; i++) if ($i == n) { $1 = ip } print }' /etc/hosts >"$OUT/hosts"
grep -q "^$PROXY_IP .*$LAB_DC1_FQDN" "$OUT/hosts" || echo "$PROXY_IP $LAB_DC1_FQDN" >>"$OUT/hosts"
grep -qw "$LAB_DC4_FQDN" "$OUT/hosts" || echo "$LAB_DC4_IP $LAB_DC4_FQDN" >>"$OUT/hosts"

# run NAME SILENT: one audit through a fresh proxy (silent after SILENT bytes; 0: never).
run() {
	local name=$1 after=$2 t0 t1 rc=0 args=()
	[[ $MODE == drop ]] && args+=(-drop)
	"$WORK/faultproxy" -listen "$PROXY_IP:636" -target "$LAB_DC1_IP:636" -silent-after "$after" "${args[@]}" 2>"$OUT/$name.proxy" &
	proxy_pid=$!
	for _ in $(seq 50); do timeout 1 bash -c "exec 3<>/dev/tcp/$PROXY_IP/636" 2>/dev/null && break; sleep 0.1; done
	t0=$(date +%s%N)
	unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$OUT/hosts" \
		/usr/bin/time -f '%e %M' -o "$OUT/$name.time" \
		"$SPNTRUST" audit --timings --server "$LAB_DC1_FQDN" --dns-server "$LAB_DC1_IP" --auth simple --security ldaps \
		--ca-file "$LAB_CA_FILE" --user "$LAB_ADMIN_USER@$LAB_DC1_DOMAIN" --password-file "$LAB_ADMIN_PASSWORD_FILE" \
		--timeout "$TIMEOUT" --save-snapshot "$OUT/$name.snapshot.json" --format json --output "$OUT/$name.report.json" \
		>"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
	t1=$(date +%s%N)
	kill "$proxy_pid" 2>/dev/null || true
	wait "$proxy_pid" 2>/dev/null || true
	proxy_pid=""
	/usr/bin/python3 - "$name" "$(((t1 - t0) / 1000000))" "$rc" "$OUT/$name.snapshot.json" "$OUT/$name.time" "$OUT/$name.proxy" "$OUT/$name.err" <<'PY'
import json, sys, os
name, ms, rc, snap, tf, proxy, err = sys.argv[1:]
rss = open(tf).read().split()[-1] if os.path.exists(tf) else "?"
print("%s: exit %s, %.3f s wall, peak RSS %s MiB" % (name, rc, int(ms) / 1000, int(rss) // 1024 if rss.isdigit() else rss))
for l in open(proxy):
    print("  proxy: " + l.rstrip())
for l in open(err):
    if "timing:" in l:
        print("  " + l.rstrip())
if os.path.exists(snap):
    s = json.load(open(snap))
    lab = [d for d in s["domains"] if d["dnsName"] == "lab.test"]
    print("  DCs contacted: %s" % ", ".join(s["collection"].get("dcsContacted") or []))
    print("  lab.test accounts: %d, accountsCollected %s" % (sum(1 for a in s["accounts"] if a["domain"] == "lab.test"), lab and lab[0].get("accountsCollected")))
    print("  DNS zones read: %s" % ", ".join(sorted({z["name"] for z in s["dns"].get("zones") or []})))
    for g in s["collection"].get("gaps") or []:
        if g["scope"].startswith(("dc:", "domain:lab.test", "dns-zone")):
            print("  gap %s [%s]: %s" % (g["scope"], g["what"], g["error"][:400]))
else:
    print("  no snapshot saved")
PY
}

log "lab $LAB_DIR: DC1 $LAB_DC1_FQDN behind the proxy $PROXY_IP:636, second DC $LAB_DC4_FQDN; output in $OUT"
{
	echo "failover measurement — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); lab $LAB_DIR; --timeout $TIMEOUT; fault: $MODE after $SILENT_AFTER bytes"
	run baseline 0
	run fault "$SILENT_AFTER"
} | tee "$OUT/summary.txt"
