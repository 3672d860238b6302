#!/usr/bin/env bash
# bench/bench.sh — issue 10: time and peak memory of a spntrust audit against
# the floor (ldapsearch paging the same attributes out of the same DC) and
# against peer tools (ldapdomaindump, impacket GetUserSPNs), all in one run,
# against the same lab DC. Prints each tool's median and its ratio to the
# floor, and the targets. See bench/RESULTS.md.
#
#   sudo bench/bench.sh              # or: sudo make bench
#   REPEAT=5 sudo bench/bench.sh     # runs per tool (median reported; default 3)
#   ROWS="floor spntrust ldapdomaindump" sudo bench/bench.sh   # only these rows
#   LAB_ENV=/var/tmp/spntrust-scale/lab.env ip netns exec spntrust-scale bench/bench.sh
#                                    # a lab in its own network namespace
#
# Needs the Samba AD lab up (sudo make lab-up, or lab-up SCALE=N for the real
# measurement); installs the Debian packages it needs (idempotently).
# Nothing secret is printed: passwords are read from the lab's password file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_ENV=${LAB_ENV:-/var/tmp/spntrust-lab/lab.env}
REPEAT=${REPEAT:-3}
# ROWS: the rows to measure (default: all); the floor is always measured.
ROWS=${ROWS:-}
WORK=${BENCH_DIR:-/var/tmp/spntrust-bench}
GO=${GO:-go}

log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs packages): sudo $0"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive number, got '$REPEAT'"
[[ -r $LAB_ENV ]] || die "no lab environment at $LAB_ENV: start the lab first (sudo make lab-up; see testdata/lab/README.md)"
# shellcheck disable=SC1090
. "$LAB_ENV"

# ---- packages (idempotent) ---------------------------------------------------------------
pkgs=(time ldap-utils python3-ldapdomaindump python3-impacket)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
TIME=/usr/bin/time
PY=/usr/bin/python3 # Debian's python, where python3-impacket lives (not a pyenv shim)
GETUSERSPNS=/usr/share/doc/python3-impacket/examples/GetUserSPNs.py
[[ -x $TIME ]] || die "$TIME missing after installing 'time'"
[[ -r $GETUSERSPNS ]] || die "$GETUSERSPNS missing after installing python3-impacket"

# ---- lab facts ------------------------------------------------------------------------------
DC=$LAB_DC1_FQDN
DCIP=$LAB_DC1_IP
DOMAIN=$LAB_DC1_DOMAIN
NETBIOS=$LAB_DC1_NETBIOS
BASE="DC=${DOMAIN//./,DC=}"
CA=$LAB_CA_FILE
PWFILE=$LAB_ADMIN_PASSWORD_FILE
USER_UPN="$LAB_ADMIN_USER@$DOMAIN"
timeout 3 bash -c "exec 3<>/dev/tcp/$DCIP/636" 2>/dev/null || die "$DC ($DCIP) does not answer on 636: is the lab up? (sudo make lab-up)"
# The scale mode marks OU=Scale with "... SCALE=N" (testdata/lab/README.md).
SCALE_N=$(LDAPTLS_CACERT=$CA ldapsearch -LLL -x -H "ldaps://$DC" -D "$USER_UPN" -y "$PWFILE" -b "OU=Scale,$BASE" -s base description 2>/dev/null |
	sed -n 's/^description: .*SCALE=\([0-9][0-9]*\).*/\1/p' | head -n1 || true)

mkdir -p "$WORK"
chmod 0700 "$WORK"
OUT=$WORK/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

log "building spntrust into $WORK (not bin/: other builds may be running)"
(cd "$ROOT" && $GO build -o "$WORK/spntrust" ./cmd/spntrust)
SPNTRUST=$WORK/spntrust

# The attributes the audit's collector requests (ldapx.SPNAccountAttributes):
# the floor pages exactly these.
ATTRS=$(sed -n '/^var SPNAccountAttributes = \[\]string{/,/^}/p' "$ROOT/ldapx/accounts.go" | grep -o '"[^"]*"' | tr -d '"' | tr '\n' ' ')
[[ -n $ATTRS ]] || die "could not read SPNAccountAttributes from ldapx/accounts.go"

# ---- measuring ------------------------------------------------------------------------------
# measure NAME CMD...: runs CMD $REPEAT times under /usr/bin/time; records the
# wall time and the peak resident set size (%M, the "Maximum resident set
# size" of time -v) of each run, and the exit status. stdout/stderr go to
# $OUT/NAME.{out,err} (the last run's).
declare -A MED_T MED_M STATUS NOTE
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
want() { [[ -z $ROWS || $1 == floor || " $ROWS " == *" $1 "* ]]; }
measure() {
	local name=$1 r ok=0 fail=0 t0 t1
	shift
	want "$name" || return 1
	: >"$OUT/$name.times"
	: >"$OUT/$name.errs"
	for ((r = 1; r <= REPEAT; r++)); do
		t0=$(date +%s%N)
		if $TIME -f '%e %M %x' -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
			t1=$(date +%s%N)
			ok=$((ok + 1))
			# time's %e has 10 ms resolution: the wall time is measured
			# around it in nanoseconds instead (fork and exec included).
			tail -n1 "$OUT/$name.time" | awk -v ns=$((t1 - t0)) '{ printf "%.3f %s %s\n", ns / 1e9, $2, $3 }' >>"$OUT/$name.times"
			cat "$OUT/$name.err" >>"$OUT/$name.errs"
		else
			fail=$((fail + 1))
			break # a tool that fails once fails every time here; do not repeat it
		fi
	done
	if ((fail)); then
		STATUS[$name]="failed (exit $(tail -n1 "$OUT/$name.time" | awk '{print $3}'))"
		MED_T[$name]=nan
		MED_M[$name]=nan
		return 1
	fi
	STATUS[$name]=ok
	MED_T[$name]=$(awk '{print $1}' "$OUT/$name.times" | median)
	MED_M[$name]=$(awk '{print $2}' "$OUT/$name.times" | median)
	log "$name: median ${MED_T[$name]} s, ${MED_M[$name]} KiB over $ok runs"
}

# ---- the tools ------------------------------------------------------------------------------
export LDAPTLS_CACERT=$CA

PW=$(cat "$PWFILE") # for the two tools that take it only on the command line; never printed
# 1. The floor: ldapsearch paging the audit's attributes, SPN holders only,
#    LDAPS with a simple bind (the same transport and bind as run 2).
# shellcheck disable=SC2206
FLOOR=(ldapsearch -LLL -x -H "ldaps://$DC" -D "$USER_UPN" -y "$PWFILE" -b "$BASE"
	-E pr=1000/noprompt '(servicePrincipalName=*)' $ATTRS)
# 1a. For information: the same search without paging. A Windows DC caps it
#     at MaxPageSize (1000); Samba answers it in full, and pages cost it
#     about three times as much.
# shellcheck disable=SC2206
FLOOR_UNPAGED=(ldapsearch -LLL -x -H "ldaps://$DC" -D "$USER_UPN" -y "$PWFILE" -b "$BASE"
	'(servicePrincipalName=*)' $ATTRS)
# 1b. For information: the floor plus the AD-integrated DNS zones the audit
#     also reads over LDAP (the dnsNode objects of the DNS partitions), one
#     search after the other, as a single ldapsearch user would.
FLOOR_ZONES=(bash -c 'ldapsearch "$@" -b "$0" -E pr=1000/noprompt "(servicePrincipalName=*)" '"$ATTRS"' &&
	for c in "CN=MicrosoftDNS,DC=DomainDnsZones,$0" "CN=MicrosoftDNS,DC=ForestDnsZones,$0"; do
		ldapsearch "$@" -b "$c" -E pr=1000/noprompt "(objectClass=dnsNode)" name dnsRecord dNSTombstoned || exit; done'
	"$BASE" -LLL -x -H "ldaps://$DC" -D "$USER_UPN" -y "$PWFILE")
# 2. spntrust audit: collection (LDAP, DNS for every SPN host, KDC clock) and
#    every check, JSON report. Same LDAPS simple bind as the floor.
#    --timings prints how long LDAP, DNS and the KDC took (stderr).
AUDIT=("$SPNTRUST" audit --timings --domain "$DOMAIN" --dns-server "$DCIP" --auth simple --security ldaps --ca-file "$CA"
	--user "$USER_UPN" --password-file "$PWFILE" --format json --output /dev/null)
# 2p. the same, paging every search from its first request (--paging
#     always) as the floor does, instead of only when the DC caps an
#     unpaged search (the default, --paging auto).
AUDIT_PAGED=("${AUDIT[@]}" --paging always)
# 2k. the audit without the AS-REQ key probes (--key-probes=false): they are
#     paced (--key-probe-rate, default 200/s) and bounded (--key-probe-limit,
#     default 5,000 accounts), so on a large directory they take
#     limit/rate = 25 s by design, whatever the rest costs; this row is
#     everything else.
AUDIT_NOKEYS=("${AUDIT[@]}" --key-probes=false)
# 2a. the same, with every SPN host asked of the DC's DNS server instead of
#     answered from the AD zones (--dns-source dns), for comparison.
AUDIT_DNS=("${AUDIT[@]}" --dns-source dns)
# 2b. the checks alone: replaying the snapshot saved by a live audit (loading
#     the file, every check, the JSON report).
REPLAY=("$SPNTRUST" audit --from "$OUT/snapshot.json" --format json --output /dev/null)
# 2c. spntrust audit with its default bind (Kerberos, GSSAPI signing every
#     message on port 389), for information.
AUDIT_KRB=(env KRB5_CONFIG="$LAB_KRB5_CONFIG" "$SPNTRUST" audit --domain "$DOMAIN" --dns-server "$DCIP"
	--user "$LAB_ADMIN_USER@$LAB_DC1_REALM" --password-file "$PWFILE" --format json --output /dev/null)
# 2d. spntrust audit with NTLMv2 in SASL GSS-SPNEGO, every message sealed on
#     389: the bind GetUserSPNs would make, for the row beside it.
AUDIT_NTLM=("$SPNTRUST" audit --domain "$DOMAIN" --dns-server "$DCIP" --auth ntlm
	--user "$NETBIOS\\$LAB_ADMIN_USER" --password-file "$PWFILE" --format json --output /dev/null)
# 3. ldapdomaindump over LDAPS with a simple bind (it has no CA option and
#    ldap3 does not read LDAPTLS_CACERT: it does not verify the certificate).
mkdir -p "$OUT/ldd"
LDD=($PY /usr/bin/ldapdomaindump -at SIMPLE -u "$NETBIOS\\$LAB_ADMIN_USER" -p "$PW" -o "$OUT/ldd" "ldaps://$DC")
# 4. impacket GetUserSPNs: NTLM bind on 389, then Kerberos (-k).
GUS_NTLM=($PY "$GETUSERSPNS" -dc-ip "$DCIP" "$DOMAIN/$LAB_ADMIN_USER:$PW")
GUS_KRB=(env KRB5_CONFIG="$LAB_KRB5_CONFIG" $PY "$GETUSERSPNS" -k -dc-ip "$DCIP" "$DOMAIN/$LAB_ADMIN_USER:$PW")

# ---- sanity: what the floor and spntrust read (and the snapshot the replay uses) ----------------
"$SPNTRUST" audit --domain "$DOMAIN" --dns-server "$DCIP" --auth simple --security ldaps --ca-file "$CA" \
	--user "$USER_UPN" --password-file "$PWFILE" --save-snapshot "$OUT/snapshot.json" --format json --output "$OUT/report.json" \
	>/dev/null 2>"$OUT/sanity.err" || die "spntrust audit of $DOMAIN failed: $(tail -n1 "$OUT/sanity.err")"
SNAP_ACCOUNTS=$($PY -c 'import json,sys; s=json.load(open(sys.argv[1])); print(len(s["accounts"]), sum(len(a["spns"]) for a in s["accounts"]), len(s["dns"]["hosts"]))' "$OUT/snapshot.json" 2>/dev/null || echo "? ? ?")

log "measuring against $DC ($DCIP), $REPEAT runs each${SCALE_N:+, lab scaled with SCALE=$SCALE_N}; output in $OUT"
# A warm-up of the DC (its caches) before any measured run, so the first tool
# measured is not penalised.
"${FLOOR[@]}" >/dev/null 2>"$OUT/warmup.err" || die "ldapsearch against $DC failed: $(tail -n1 "$OUT/warmup.err")"

# Each tool's runs are consecutive, in a fixed order (not interleaved); the
# DC's caches are warm for all of them after the warm-up.
measure floor "${FLOOR[@]}" || true
FLOOR_ENTRIES=$(grep -c '^dn: ' "$OUT/floor.out" || true)
FLOOR_SPNS=$(grep -ci '^servicePrincipalName: ' "$OUT/floor.out" || true)
measure floor-unpaged "${FLOOR_UNPAGED[@]}" || true
measure floor-zones "${FLOOR_ZONES[@]}" || true
measure spntrust "${AUDIT[@]}" || true
measure spntrust-nokeys "${AUDIT_NOKEYS[@]}" || true
measure spntrust-paged "${AUDIT_PAGED[@]}" || true
measure spntrust-dnsserver "${AUDIT_DNS[@]}" || true
measure spntrust-krb "${AUDIT_KRB[@]}" || true
measure spntrust-ntlm "${AUDIT_NTLM[@]}" || true
measure spntrust-replay "${REPLAY[@]}" || true
# Medians of the audit's phases over its runs.
PHASES=""
for ph in ldap ldap.zones dns kdc kdc.keys; do
	want spntrust || break
	m=$(sed -n "s/^spntrust: timing: $ph \([0-9.]*\)s$/\1/p" "$OUT/spntrust.errs" | median)
	PHASES+="$ph $m s, "
done
measure ldapdomaindump "${LDD[@]}" || true
! want ldapdomaindump || [[ -s $OUT/ldd/domain_users.json ]] || { STATUS[ldapdomaindump]="failed (no domain_users.json)"; MED_T[ldapdomaindump]=nan; }
why() { # the last line a failed tool printed (its reason), never its command line
	cat "$OUT/$1.err" "$OUT/$1.out" 2>/dev/null | grep -v '^Impacket v\|^$' | grep -vF "$PW" | tail -n1 | cut -c1-160
}
# GetUserSPNs exits 0 after printing "[-] <error>": it ran only if it printed
# its table (the ServicePrincipalName column).
for m in ntlm krb; do
	want "getuserspns-$m" || continue
	v=GUS_${m^^}[@]
	if measure "getuserspns-$m" "${!v}" && grep -q 'ServicePrincipalName' "$OUT/getuserspns-$m.out"; then :; else
		STATUS[getuserspns-$m]="failed"
		MED_T[getuserspns-$m]=nan
		MED_M[getuserspns-$m]=nan
		NOTE[getuserspns-$m]=$(why "getuserspns-$m")
	fi
done

# ---- report ---------------------------------------------------------------------------------
ratio() { # ratio A B: A/B to two decimals, or "-"
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2f", a / b }'
}
{
	echo
	echo "spntrust benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "DC: $DC ($DCIP)${SCALE_N:+, lab scaled: SCALE=$SCALE_N}; $REPEAT runs per tool, medians"
	echo "floor read $FLOOR_ENTRIES entries, $FLOOR_SPNS SPNs; spntrust's snapshot: $SNAP_ACCOUNTS (accounts, SPNs, DNS answers)"
	echo
	printf '%-20s %10s %12s %10s %10s  %s\n' tool "time (s)" "peak RSS" "time/floor" "RSS/floor" status
	for t in floor floor-unpaged floor-zones spntrust spntrust-nokeys spntrust-paged spntrust-dnsserver spntrust-krb spntrust-ntlm spntrust-replay ldapdomaindump getuserspns-ntlm getuserspns-krb; do
		rss=${MED_M[$t]:-nan}
		[[ $rss == nan ]] && rss_h=- || rss_h="$((${rss%.*} / 1024)) MiB"
		printf '%-20s %10s %12s %10s %10s  %s\n' "$t" "${MED_T[$t]:-nan}" "$rss_h" \
			"$(ratio "${MED_T[$t]:-nan}" "${MED_T[floor]}")" "$(ratio "${MED_M[$t]:-nan}" "${MED_M[floor]}")" \
			"${STATUS[$t]:-not run}${NOTE[$t]:+: ${NOTE[$t]}}"
	done
	echo
	echo "spntrust phases (medians): ${PHASES%, } (LDAP includes DC discovery and ldap.zones, the AD DNS zones, read beside the accounts on two more connections; the rest is start-up, checks and the report)"
	echo "floor-unpaged: the floor's search without paging (for information: a Windows DC would cap it at 1000 entries)"
	echo "floor-zones: the floor, then the DNS zones' dnsNode objects the audit also reads (for information; the target is against the floor)"
	echo "spntrust: --paging auto (the default: unpaged searches, paged only if the DC caps them); spntrust-paged: --paging always, every search paged like the floor's"
	echo "spntrust-dnsserver: --dns-source dns (every SPN host asked of the DC's DNS server, as before the zone reader)"
	echo "spntrust-krb: Kerberos bind, GSSAPI-signed LDAP on 389; spntrust-ntlm: NTLMv2 in GSS-SPNEGO, sealed LDAP on 389 (the bind GetUserSPNs lacks); spntrust-replay: --from the saved snapshot (load + checks + report)"
	echo
	echo "targets (issue 23; issue 10 asked for 1.2x):"
	r=$(ratio "${MED_T[spntrust]}" "${MED_T[floor]}")
	echo "  spntrust (full audit, key probes included) <= 1.0x ldapsearch: $r x  $(awk -v r="$r" 'BEGIN { if (r == "-") print "n/a"; else if (r <= 1.0) print "met"; else print "MISSED" }')"
	r=$(ratio "${MED_T[spntrust-nokeys]:-nan}" "${MED_T[floor]}")
	echo "  spntrust-nokeys (everything but the paced key probes) <= 1.0x: $r x  $(awk -v r="$r" 'BEGIN { if (r == "-") print "n/a"; else if (r <= 1.0) print "met"; else print "MISSED" }')"
	for peer in ldapdomaindump getuserspns-ntlm getuserspns-krb; do
		if [[ ${MED_T[$peer]:-nan} == nan ]]; then
			echo "  faster than $peer: n/a ($peer did not run: ${STATUS[$peer]:-not run})"
		else
			echo "  faster than $peer: $(awk -v a="${MED_T[spntrust]}" -v b="${MED_T[$peer]}" 'BEGIN { if (a == "nan") print "n/a"; else if (a < b) printf "met (%.2fx its time)", a / b; else printf "MISSED (%.2fx its time)", a / b }')"
		fi
	done
	echo
	echo "raw runs (wall s, peak KiB, exit): $OUT/*.times; outputs: $OUT"
} | tee "$OUT/summary.txt"
