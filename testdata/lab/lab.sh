#!/usr/bin/env bash
# spntrust Active Directory lab: three Samba AD DCs on loopback addresses,
# a forest trust and an external trust, seeded SPN misconfigurations and
# their healthy twins. See testdata/lab/README.md.
#
#   lab.sh up            provision/start/seed (idempotent; fast when healthy)
#   lab.sh down [--purge] stop the lab's own processes, undo host changes
#   lab.sh status        exit 0 when the lab is up and healthy
#   lab.sh env           print $LAB_DIR/lab.env
#   SCALE=N lab.sh up    also seed N accounts (scale mode); lab.sh unscale undoes it
#   lab.sh seed-hostile  add hostile data (OU=Hostile); unseed-hostile removes it
#   lab.sh stop-dc N     stop DC N (1..3) only; start-dc N starts it again and
#                        waits until it is healthy
#
# Environment: LAB_DIR (default /var/tmp/spntrust-lab), LAB_BASE (default
# 127.0.0.11; the DCs get BASE, BASE+1, BASE+2), LAB_HOSTNET (default 127.0.1,
# the /24 used for seeded host A/PTR records).
set -euo pipefail

# ---- network namespace mode (LAB_NETNS=name) ----------------------------------
# A second, independent lab (e.g. a scale lab) must not touch the shared
# lab's addresses, ports or /etc/hosts: with LAB_NETNS=name the script runs
# itself inside that Linux network namespace (created if missing, with lo up),
# where 127.0.0.11+ are private. `ip netns exec` bind-mounts
# /etc/netns/<name>/{hosts,resolv.conf} over /etc/, so the lab's /etc/hosts
# block lands in the namespace's own file; it is created from the host's
# /etc/hosts without any spntrust-lab block. Processes started by the lab
# (the DCs) stay in the namespace; run clients there too:
# `ip netns exec <name> ...` (see README, "Network namespace mode").
LAB_NETNS=${LAB_NETNS:-}
if [[ -n $LAB_NETNS && ${LAB_IN_NETNS:-} != "$LAB_NETNS" ]]; then
	[[ $LAB_NETNS =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$ ]] || { echo "lab: ERROR: LAB_NETNS must be a short name ([A-Za-z0-9_.-]), got '$LAB_NETNS'" >&2; exit 1; }
	case ${1:-} in
	env)
		d=${LAB_DIR:-/var/tmp/spntrust-lab}
		[[ -f $d/lab.env ]] || { echo "lab: ERROR: no $d/lab.env: run 'LAB_NETNS=$LAB_NETNS $0 up' first" >&2; exit 1; }
		exec cat "$d/lab.env"
		;;
	esac
	[[ $(id -u) -eq 0 ]] || { echo "lab: ERROR: LAB_NETNS needs root (ip netns)" >&2; exit 1; }
	[[ ${LAB_DIR:-/var/tmp/spntrust-lab} != /var/tmp/spntrust-lab ]] ||
		{ echo "lab: ERROR: LAB_NETNS=$LAB_NETNS with the shared lab's LAB_DIR: set LAB_DIR to this lab's own directory (e.g. /var/tmp/spntrust-$LAB_NETNS)" >&2; exit 1; }
	nsdir=/etc/netns/$LAB_NETNS
	if [[ ! -e /run/netns/$LAB_NETNS ]]; then
		ip netns add "$LAB_NETNS"
		echo "$(date -u +%H:%M:%S) lab: created network namespace $LAB_NETNS" >&2
	fi
	mkdir -p "$nsdir"
	if [[ ! -f $nsdir/hosts ]]; then
		awk '$0 ~ /^# BEGIN spntrust-lab/ {skip = 1; next} $0 ~ /^# END spntrust-lab/ {skip = 0; next} !skip {print}' /etc/hosts >"$nsdir/hosts.tmp"
		mv "$nsdir/hosts.tmp" "$nsdir/hosts"
	fi
	if [[ ! -f $nsdir/resolv.conf ]]; then
		# only lo exists in the namespace: the host's resolvers are unreachable
		printf 'nameserver %s\noptions timeout:2 attempts:2\n' "${LAB_BASE:-127.0.0.11}" >"$nsdir/resolv.conf"
	fi
	ip netns exec "$LAB_NETNS" ip link set lo up
	rc=0
	LAB_IN_NETNS=$LAB_NETNS ip netns exec "$LAB_NETNS" "$0" "$@" || rc=$?
	if [[ ${1:-} == down && ${2:-} == --purge && $rc == 0 ]]; then
		if [[ -z $(ip netns pids "$LAB_NETNS" 2>/dev/null) ]]; then
			ip netns del "$LAB_NETNS" && rm -rf -- "$nsdir"
			echo "$(date -u +%H:%M:%S) lab: removed network namespace $LAB_NETNS and $nsdir" >&2
		else
			echo "$(date -u +%H:%M:%S) lab: network namespace $LAB_NETNS still has processes; kept" >&2
		fi
	fi
	exit $rc
fi

LAB_DIR=${LAB_DIR:-/var/tmp/spntrust-lab}
LAB_BASE=${LAB_BASE:-127.0.0.11}
LAB_HOSTNET=${LAB_HOSTNET:-127.0.1}
SCALE=${SCALE:-} # up: also seed N scale accounts (see README, "Scale mode")
SCALE_COMPUTER_PASSWORDS=${SCALE_COMPUTER_PASSWORDS:-} # 1: scale computers get passwords (keys); slower
# Samba's database backend for the provisioned DCs: tdb (Samba's default, the
# normal lab) or mdb (LMDB: no 4 GiB file limit, for SCALE beyond ~100,000).
# Fixed at provisioning (kept in $LAB_DIR/.backend-store, which later
# commands follow when the variable is not set): changing it needs
# `down --purge`.
if [[ -z ${LAB_BACKEND_STORE:-} && -f ${LAB_DIR:-/var/tmp/spntrust-lab}/.backend-store ]]; then
	LAB_BACKEND_STORE=$(<"${LAB_DIR:-/var/tmp/spntrust-lab}/.backend-store")
fi
LAB_BACKEND_STORE=${LAB_BACKEND_STORE:-tdb}
[[ $LAB_BACKEND_STORE == tdb || $LAB_BACKEND_STORE == mdb ]] || { echo "lab: ERROR: LAB_BACKEND_STORE must be tdb or mdb, got '$LAB_BACKEND_STORE'" >&2; exit 1; }
# LAB_SECOND_DC=1: a second DC for lab.test, dc4.lab.test on BASE+3, joined
# with `samba-tool domain join lab.test DC` (it replicates lab.test from DC1).
# Once joined, the lab keeps it (the marker $LAB_DIR/.second-dc) until
# `down --purge`: later commands include it without the variable.
LAB_SECOND_DC=${LAB_SECOND_DC:-}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_VERSION=1 # bump when provisioning changes incompatibly

# Fixed lab password: test material for a throwaway lab on loopback only.
# It is written to $LAB_DIR/admin.password (0600) and never echoed.
LAB_PASSWORD_DEFAULT='SpnTrust-Lab-2026-Pw'

HOSTS_BEGIN='# BEGIN spntrust-lab (managed by testdata/lab/lab.sh)'
HOSTS_END='# END spntrust-lab'

# slapd is not part of the lab: ldapx's tests run their own, a real LDAP
# server that caps unpaged searches as Windows DCs do (Samba caps none).
PACKAGES=(samba samba-ad-dc samba-ad-provision winbind krb5-user ldap-utils dnsutils ldb-tools openssl python3-samba iproute2 util-linux slapd)

# Domain table: index -> values
DOMAIN=(lab.test partner.test extern.test)
REALM=(LAB.TEST PARTNER.TEST EXTERN.TEST)
NETBIOS=(LAB PARTNER EXTERN)
HOSTNAME_=(dc1 dc2 dc3)

log() { printf '%s lab: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- addresses -------------------------------------------------------------
base_prefix=${LAB_BASE%.*}
base_last=${LAB_BASE##*.}
[[ $LAB_BASE =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LAB_BASE must be an IPv4 address"
((base_last >= 1 && base_last <= 252)) || die "LAB_BASE last octet must be 1..252"
[[ $LAB_HOSTNET =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "LAB_HOSTNET must be three octets, e.g. 127.0.1"
# DCS: the indexes of the lab's DCs; 3 (dc4.lab.test) is the second DC of
# lab.test when LAB_SECOND_DC=1 or it was joined before.
DCS=(0 1 2)
if [[ $LAB_SECOND_DC == 1 || -f ${LAB_DIR:-/var/tmp/spntrust-lab}/.second-dc ]]; then
	DCS=(0 1 2 3)
	DOMAIN[3]=${DOMAIN[0]}
	REALM[3]=${REALM[0]}
	NETBIOS[3]=${NETBIOS[0]}
	HOSTNAME_[3]=dc4
	((base_last <= 251)) || die "LAB_BASE last octet must be 1..251 with LAB_SECOND_DC=1"
fi
IP=()
for i in "${DCS[@]}"; do IP[i]="$base_prefix.$((base_last + i))"; done
FQDN=()
for i in "${DCS[@]}"; do FQDN[i]="${HOSTNAME_[i]}.${DOMAIN[i]}"; done
has_dc4() { ((${#DCS[@]} == 4)); }

dc_dir() { echo "$LAB_DIR/dc$(($1 + 1))"; }
pid_file() { echo "$LAB_DIR/dc$(($1 + 1)).pid"; }
log_file() { echo "$LAB_DIR/dc$(($1 + 1)).log"; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (try: sudo $0 $*)"; }

# ---- packages ---------------------------------------------------------------
install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == *'install ok installed'* ]] || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	log "installing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# The packages must not start services of their own (slapd would listen
	# on port 389 of every address, smbd on 445): starts are denied during
	# the install, unless the machine has its own policy (containers do).
	local policy=/usr/sbin/policy-rc.d added=""
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# written by spntrust lab.sh during apt-get install; removed after\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		added=1
	fi
	local rc=0
	apt-get install -y -qq "${missing[@]}" >/dev/null || rc=$?
	[[ -z $added ]] || rm -f "$policy"
	((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
	# A service that was already installed and running is not ours to stop:
	# preflight_ports reports anything on the lab's ports.
}

# lock: serialise up/down of one LAB_DIR (a second caller waits).
lock() {
	exec 9>>"$LAB_DIR/.lock"
	flock -w 300 9 || die "another lab.sh holds $LAB_DIR/.lock"
}

# use_lock / use_unlock: hold the lab tests' use lock ($LAB_DIR/.in-use.lock;
# internal/labenv Require holds it shared for every lab test) exclusively on
# fd 8 while this script changes the lab under running DCs, so that no test
# sees a DC vanish or a database swapped. Bounded: after 300 s of tests still
# running, go ahead with a warning. LAB_USE_LOCK_HELD=1 (set by labenv's
# StopDC, which already holds it) skips it.
use_lock() {
	[[ -z ${LAB_USE_LOCK_HELD:-} ]] || return 0
	# the turnstile (.in-use.wait) makes new tests queue behind us meanwhile
	exec 7>>"$LAB_DIR/.in-use.wait" 8>>"$LAB_DIR/.in-use.lock"
	chmod 0644 "$LAB_DIR/.in-use.wait" "$LAB_DIR/.in-use.lock"
	flock -w 300 7 || log "WARNING: $LAB_DIR/.in-use.wait still held after 300 s; going ahead"
	flock -w 300 8 || log "WARNING: lab tests still hold $LAB_DIR/.in-use.lock after 300 s; going ahead"
	exec 7>&-
}
use_unlock() {
	[[ -z ${LAB_USE_LOCK_HELD:-} ]] || return 0
	exec 8>&-
}

# preflight: a wildcard listener (e.g. the distribution's own smbd started by
# the package install) on a DC port would keep the lab DCs from binding. The
# lab does not stop services it did not start; say what to do instead.
preflight_ports() {
	local p busy=()
	for p in 53 88 135 389 445 464 636 3268 3269; do
		if ss -Hltn "sport = :$p" 2>/dev/null | awk '{print $4}' | grep -E '^(0\.0\.0\.0|\*|\[::\]):' >/dev/null; then
			busy+=("$p")
		fi
	done
	if ((${#busy[@]})); then
		ss -Hltnp 2>/dev/null | grep -E ":($(
			IFS='|'
			echo "${busy[*]}"
		)) " >&2 || true
		die "ports ${busy[*]} are taken on all addresses by the processes above (for the distribution's Samba: systemctl disable --now smbd nmbd winbind samba-ad-dc); the lab will not stop them"
	fi
}

# ---- pids -------------------------------------------------------------------
# lab_pid i: prints the pid of DC i if the pid file names a live samba
# process started with this DC's smb.conf.
lab_pid() {
	local f pid
	f=$(pid_file "$1")
	[[ -s $f ]] || return 1
	pid=$(<"$f")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# samba rewrites its process title, so identify it by executable and by
	# the start time recorded when it was launched (guards against pid reuse).
	[[ -r /proc/$pid/stat ]] || return 1
	[[ $(proc_start "$pid") == "$(cat "$f.start" 2>/dev/null)" ]] || return 1
	case $(readlink "/proc/$pid/exe" 2>/dev/null) in
	*/samba | */unshare | */setsid | */sh | */dash | */bash) ;;
	*) return 1 ;;
	esac
	echo "$pid"
}

# proc_start pid: the process start time (clock ticks since boot), field 22
# of /proc/pid/stat (the comm field may contain spaces: cut after ')').
proc_start() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo "${20}"
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

dc_ports_up() {
	local p
	for p in 53 88 389 445 636 3268; do port_open "${IP[$1]}" "$p" || return 1; done
}

dc_healthy() {
	local pid
	pid=$(lab_pid "$1") || return 1
	dc_ports_up "$1" || return 1
	nsenter -m -t "$pid" test -S /run/samba/ncalrpc/np/lsarpc 2>/dev/null || return 1
	# the local netlogon path (winbindd) must answer too, or trust creation
	# fails with WERR_NO_LOGON_SERVERS
	nsenter -m -t "$pid" timeout 5 wbinfo -P >/dev/null 2>&1 || return 1
}

# ---- host changes -------------------------------------------------------------
# lo_has "ADDR/" or "ADDR/32 ": is that address configured on lo?
# (no grep -q in pipelines: with pipefail an early exit fails the pipeline)
lo_has() {
	local out
	out=$(ip -4 -o addr show dev lo)
	[[ $out == *"inet $1"* ]]
}

add_addresses() {
	local i ip
	touch "$LAB_DIR/added-addresses"
	for i in "${DCS[@]}"; do
		ip=${IP[i]}
		if ! lo_has "$ip/"; then
			ip addr add "$ip/32" dev lo
			grep -qxF "$ip/32" "$LAB_DIR/added-addresses" || echo "$ip/32" >>"$LAB_DIR/added-addresses"
			log "added $ip/32 to lo"
		fi
	done
}

remove_addresses() {
	local a
	[[ -f $LAB_DIR/added-addresses ]] || return 0
	while read -r a; do
		[[ -n $a ]] || continue
		if lo_has "$a "; then
			ip addr del "$a" dev lo && log "removed $a from lo"
		fi
	done <"$LAB_DIR/added-addresses"
	rm -f "$LAB_DIR/added-addresses"
}

hosts_without_block() {
	awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '
		$0 == b {skip = 1; next}
		$0 == e {skip = 0; next}
		!skip {print}' /etc/hosts
}

write_hosts() {
	local want tmp i
	touch "$LAB_DIR/added-hosts" # down removes the block only when this lab wrote it
	want=$(
		echo "$HOSTS_BEGIN"
		for i in "${DCS[@]}"; do echo "${IP[i]} ${FQDN[i]} ${HOSTNAME_[i]}"; done
		echo "$HOSTS_END"
	)
	if awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0==b{p=1} p{print} $0==e{p=0}' /etc/hosts | cmp -s - <(echo "$want"); then
		return 0
	fi
	tmp=$(mktemp)
	{
		hosts_without_block
		echo "$want"
	} >"$tmp"
	# Rewrite in place: /etc/hosts may be a bind mount that rename would break.
	cat "$tmp" >/etc/hosts
	rm -f "$tmp"
	log "updated /etc/hosts lab block"
}

remove_hosts() {
	[[ -f $LAB_DIR/added-hosts ]] || return 0
	rm -f "$LAB_DIR/added-hosts"
	grep -qxF "$HOSTS_BEGIN" /etc/hosts 2>/dev/null || return 0
	local tmp
	tmp=$(mktemp)
	hosts_without_block >"$tmp"
	cat "$tmp" >/etc/hosts
	rm -f "$tmp"
	log "removed /etc/hosts lab block"
}

# ---- TLS --------------------------------------------------------------------
make_tls() {
	local t=$LAB_DIR/tls i
	mkdir -p "$t"
	chmod 0755 "$t"
	if [[ ! -s $t/ca.pem || ! -s $t/ca.key ]]; then
		log "creating lab CA"
		openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
			-keyout "$t/ca.key" -out "$t/ca.pem" -subj "/O=spntrust lab/CN=spntrust lab CA" \
			-set_serial "0x1$(openssl rand -hex 8)" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		chmod 0600 "$t/ca.key"
		chmod 0644 "$t/ca.pem"
		rm -f "$t"/dc*.pem "$t"/dc*.key
	fi
	for i in "${DCS[@]}"; do
		local n="dc$((i + 1))" ext
		if [[ -s $t/$n.pem && -s $t/$n.key ]] &&
			[[ "$(openssl x509 -in "$t/$n.pem" -noout -ext subjectAltName 2>/dev/null)," == *"IP Address:${IP[i]},"* ]] &&
			openssl verify -CAfile "$t/ca.pem" "$t/$n.pem" >/dev/null 2>&1; then
			continue
		fi
		log "issuing TLS certificate for ${FQDN[i]}"
		ext=$(mktemp)
		cat >"$ext" <<-EOF
			basicConstraints=critical,CA:FALSE
			keyUsage=critical,digitalSignature,keyEncipherment
			extendedKeyUsage=serverAuth
			subjectAltName=DNS:${FQDN[i]},DNS:${HOSTNAME_[i]},IP:${IP[i]}
			subjectKeyIdentifier=hash
			authorityKeyIdentifier=keyid
		EOF
		openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$t/$n.key" -out "$t/$n.csr" \
			-subj "/O=spntrust lab/CN=${FQDN[i]}" 2>/dev/null
		openssl x509 -req -in "$t/$n.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -sha256 -days 825 \
			-set_serial "0x1$(openssl rand -hex 8)" -extfile "$ext" -out "$t/$n.pem" 2>/dev/null
		rm -f "$ext" "$t/$n.csr"
		chmod 0600 "$t/$n.key"
		chmod 0644 "$t/$n.pem"
	done
}

# ---- passwords ----------------------------------------------------------------
ensure_password() {
	local f=$LAB_DIR/admin.password
	if [[ ! -s $f ]]; then
		(umask 077 && printf '%s' "$LAB_PASSWORD_DEFAULT" >"$f")
	fi
	chmod 0600 "$f"
	LAB_PASSWORD=$(head -n1 "$f" | tr -d '\r\n')
}

# ---- provisioning -------------------------------------------------------------
forwarder_for() {
	case $1 in
	0 | 3) echo "${IP[1]}" ;; # DC1 (and DC4, its second DC) -> DC2
	1) echo "${IP[2]}" ;; # DC2 -> DC3
	2) echo "" ;;         # DC3 -> nothing
	esac
}

provision() {
	local i=$1 d n fwd
	d=$(dc_dir "$i")
	n="dc$((i + 1))"
	if [[ -f $d/.provisioned && $(<"$d/.provisioned") == "$(provision_stamp "$i")" ]]; then
		return 0
	fi
	if lab_pid "$i" >/dev/null; then
		die "DC $n is running but not provisioned as expected; run '$0 down --purge' first"
	fi
	if [[ -f $LAB_DIR/.backend-store && $(<"$LAB_DIR/.backend-store") != "$LAB_BACKEND_STORE" ]]; then
		die "this lab was provisioned with LAB_BACKEND_STORE=$(<"$LAB_DIR/.backend-store"), not $LAB_BACKEND_STORE: use '$0 down --purge' first to change it"
	fi
	echo "$LAB_BACKEND_STORE" >"$LAB_DIR/.backend-store"
	log "provisioning ${FQDN[i]} (${IP[i]})"
	rm -rf "$d"
	mkdir -p "$d"
	fwd=$(forwarder_for "$i")
	# The dns forwarder is set at provision time so that the host's resolver
	# is never copied into the configuration; DC3 gets a placeholder that is
	# removed below (no forwarding at all).
	samba-tool domain provision \
		--realm="${REALM[i]}" --domain="${NETBIOS[i]}" --server-role=dc \
		--dns-backend=SAMBA_INTERNAL --backend-store="$LAB_BACKEND_STORE" \
		--host-name="${HOSTNAME_[i]}" --host-ip="${IP[i]}" \
		--targetdir="$d" \
		--option="interfaces=${IP[i]}" \
		--option="bind interfaces only=yes" \
		--option="dns forwarder=${fwd:-${IP[i]}}" \
		--option="tls enabled=yes" \
		--option="tls keyfile=$LAB_DIR/tls/$n.key" \
		--option="tls certfile=$LAB_DIR/tls/$n.pem" \
		--option="tls cafile=$LAB_DIR/tls/ca.pem" \
		--option="load printers=no" \
		--option="printcap name=/dev/null" \
		--option="disable spoolss=yes" \
		--adminpass="$LAB_PASSWORD" >"$LAB_DIR/$n.provision.log" 2>&1 ||
		{
			tail -n 20 "$LAB_DIR/$n.provision.log" >&2
			die "provisioning ${FQDN[i]} failed (log: $LAB_DIR/$n.provision.log)"
		}
	fix_smbconf "$i"
	provision_stamp "$i" >"$d/.provisioned"
}

# provision_stamp i: what a DC was provisioned with (the normal lab's stamp is
# unchanged: "VERSION IP"; an mdb lab adds " mdb").
provision_stamp() {
	if [[ $LAB_BACKEND_STORE == mdb ]]; then
		echo "$LAB_VERSION ${IP[$1]} mdb"
	else
		echo "$LAB_VERSION ${IP[$1]}"
	fi
}

# fix_smbconf i: enforce the [global] settings the lab depends on, whatever
# provision wrote (it copies the host resolver into "dns forwarder").
fix_smbconf() {
	local i=$1 conf n fwd
	conf=$(dc_dir "$i")/etc/smb.conf
	n="dc$((i + 1))"
	fwd=$(forwarder_for "$i")
	/usr/bin/python3 - "$conf" "$fwd" "$LAB_DIR/tls/$n.key" "$LAB_DIR/tls/$n.pem" "$LAB_DIR/tls/ca.pem" "$LAB_DIR/$n.samba.log" <<'PY'
import sys, re
conf, fwd, key, cert, ca, logf = sys.argv[1:]
want = {
    "log file": logf,
    "dns forwarder": fwd,
    "tls enabled": "yes",
    "tls keyfile": key,
    "tls certfile": cert,
    "tls cafile": ca,
}
lines = open(conf).read().splitlines()
out, section, seen = [], None, set()
for line in lines:
    m = re.match(r"\s*\[(.+)\]\s*$", line)
    if m:
        if section == "global":
            for k, v in want.items():
                if k not in seen and v:
                    out.append("\t%s = %s" % (k, v))
            seen = set(want)
        section = m.group(1).strip().lower()
        out.append(line)
        continue
    m = re.match(r"\s*([^=;#]+?)\s*=\s*(.*)$", line)
    if section == "global" and m and m.group(1).lower() in want:
        k = m.group(1).lower()
        seen.add(k)
        if want[k]:
            out.append("\t%s = %s" % (k, want[k]))
        continue
    out.append(line)
if section == "global":
    for k, v in want.items():
        if k not in seen and v:
            out.append("\t%s = %s" % (k, v))
open(conf, "w").write("\n".join(out) + "\n")
PY
}

# ---- start / stop -------------------------------------------------------------
start_dc() {
	local i=$1 d conf pid
	if lab_pid "$i" >/dev/null; then return 0; fi
	d=$(dc_dir "$i")
	conf=$d/etc/smb.conf
	log "starting ${FQDN[i]}"
	# Own session (process group = samba's pid) and own mount namespace with a
	# private /run/samba: DCs must not share ncalrpc sockets.
	# /etc/resolv.conf is replaced inside the namespace by the lab's own (DC1's
	# DNS, which forwards along the lab chain), so that winbindd's and
	# samba-tool's DC lookups never query the host's resolver.
	setsid unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run/samba && mount --bind "$1" /etc/resolv.conf && exec samba -s "$0" -F --debug-stdout' \
		"$conf" "$LAB_DIR/resolv.conf" </dev/null >>"$(log_file "$i")" 2>&1 7>&- 8>&- 9>&- &
	pid=$!
	proc_start "$pid" >"$(pid_file "$i").start"
	echo "$pid" >"$(pid_file "$i")"
}

# wait_healthy timeout [i...]: wait (bounded) until the given DCs (default:
# all three) are healthy.
wait_healthy() {
	local timeout=${1:-120} i ok
	shift || true
	local -a which=("$@")
	((${#which[@]})) || which=("${DCS[@]}")
	local deadline=$((SECONDS + timeout))
	while :; do
		ok=1
		for i in "${which[@]}"; do
			lab_pid "$i" >/dev/null || die "DC$((i + 1)) exited during start (log: $(log_file "$i"))"
			dc_healthy "$i" || ok=0
		done
		((ok)) && return 0
		((SECONDS < deadline)) || die "DC(s) $(for i in "${which[@]}"; do printf 'DC%d ' $((i + 1)); done)not healthy after ${timeout}s (logs: $LAB_DIR/dc*.log)"
		sleep 1
	done
}

# stop_dcs [i...]: TERM the given running lab DCs' process groups (default:
# all three; a DC's pgid is the pid we recorded: setsid made it a group
# leader), wait up to 20 s, then KILL. Only processes named by the lab's own
# pid files are touched.
stop_dcs() {
	local i pid pgid deadline left
	local -a which=("$@") groups=() singles=()
	((${#which[@]})) || which=("${DCS[@]}")
	for i in "${which[@]}"; do
		if ! pid=$(lab_pid "$i"); then
			rm -f "$(pid_file "$i")" "$(pid_file "$i").start"
			continue
		fi
		pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
		log "stopping DC$((i + 1)) (pid $pid)"
		if [[ $pgid == "$pid" ]]; then
			kill -TERM -- "-$pid" 2>/dev/null || true
			groups+=("$pid")
		else
			kill -TERM "$pid" 2>/dev/null || true
			singles+=("$pid")
		fi
	done
	deadline=$((SECONDS + 20))
	while :; do
		left=0
		for pid in "${groups[@]}"; do [[ -n $(ps -o pid= -g "$pid" 2>/dev/null) ]] && left=1; done
		for pid in "${singles[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
		((left)) || break
		if ((SECONDS >= deadline)); then
			log "lab processes did not exit in 20s; sending KILL"
			for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
			for pid in "${singles[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
			sleep 1
			break
		fi
		sleep 0.2
	done
	for i in "${which[@]}"; do rm -f "$(pid_file "$i")" "$(pid_file "$i").start"; done
}

# ---- Kerberos and resolver -----------------------------------------------------
write_resolvconf() {
	local tmp
	tmp=$(mktemp "$LAB_DIR/.resolv.conf.XXXXXX")
	printf 'nameserver %s\nsearch %s\noptions timeout:2 attempts:2\n' "${IP[0]}" "${DOMAIN[0]}" >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$LAB_DIR/resolv.conf"
}

write_krb5conf() {
	local f=$LAB_DIR/krb5.conf tmp i
	tmp=$(mktemp "$LAB_DIR/.krb5.conf.XXXXXX")
	{
		echo "[libdefaults]"
		echo "	default_realm = ${REALM[0]}"
		echo "	dns_lookup_kdc = false"
		echo "	dns_lookup_realm = false"
		echo "	rdns = false"
		echo "	dns_canonicalize_hostname = false"
		echo ""
		echo "[realms]"
		for i in 0 1 2; do
			echo "	${REALM[i]} = {"
			echo "		kdc = ${IP[i]}"
			if [[ $i == 0 ]] && has_dc4; then echo "		kdc = ${IP[3]}"; fi
			echo "		admin_server = ${IP[i]}"
			echo "		kpasswd_server = ${IP[i]}"
			echo "	}"
		done
		echo ""
		echo "[domain_realm]"
		for i in 0 1 2; do
			echo "	.${DOMAIN[i]} = ${REALM[i]}"
			echo "	${DOMAIN[i]} = ${REALM[i]}"
		done
	} >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$f"
}

# ---- trusts -------------------------------------------------------------------------
has_trust() { # has_trust dcindex partnerdomain [extra filter]
	ldbsearch -H "$(dc_dir "$1")/private/sam.ldb" \
		"(&(objectClass=trustedDomain)(trustPartner=$2)${3:-})" dn 2>/dev/null | grep '^dn:' >/dev/null
}

# trust_complete j type: both trusted-domain objects exist, two-way, and a
# forest trust has its forest trust information (a half-created trust lacks it).
trust_complete() {
	local j=$1 type=$2 f='(trustDirection=3)(trustType=2)'
	if [[ $type == forest ]]; then
		f+='(trustAttributes:1.2.840.113556.1.4.803:=8)(msDS-TrustForestTrustInfo=*)'
	else
		f+='(trustAttributes:1.2.840.113556.1.4.803:=4)'
	fi
	has_trust 0 "${DOMAIN[j]}" "$f" && has_trust "$j" "${DOMAIN[0]}" "$f"
}

samba_tool_remote() { # run samba-tool inside DC1's namespace with the lab krb5.conf
	local pid
	pid=$(lab_pid 0)
	KRB5_CONFIG=$LAB_DIR/krb5.conf nsenter -m -t "$pid" samba-tool "$@"
}

ensure_trust() { # ensure_trust j type
	local j=$1 type=$2
	if trust_complete "$j" "$type"; then return 0; fi
	log "creating $type trust ${DOMAIN[0]} <-> ${DOMAIN[j]}"
	if has_trust 0 "${DOMAIN[j]}" || has_trust "$j" "${DOMAIN[0]}"; then
		# half-created trust from an interrupted run: remove both sides
		PASSWD=$LAB_PASSWORD samba_tool_remote domain trust delete "${DOMAIN[j]}" --delete-location=both --ipaddress="${IP[j]}" \
			-s "$(dc_dir 0)/etc/smb.conf" -U "Administrator@${REALM[j]}" >>"$LAB_DIR/trust.log" 2>&1 || true
	fi
	local attempt
	for attempt in 1 2 3; do
		if PASSWD=$LAB_PASSWORD samba_tool_remote domain trust create "${DOMAIN[j]}" \
			--type="$type" --direction=both --create-location=both --ipaddress="${IP[j]}" \
			-s "$(dc_dir 0)/etc/smb.conf" -U "Administrator@${REALM[j]}" >>"$LAB_DIR/trust.log" 2>&1; then
			return 0
		fi
		log "trust creation attempt $attempt failed; cleaning up and retrying"
		PASSWD=$LAB_PASSWORD samba_tool_remote domain trust delete "${DOMAIN[j]}" --delete-location=both --ipaddress="${IP[j]}" \
			-s "$(dc_dir 0)/etc/smb.conf" -U "Administrator@${REALM[j]}" >>"$LAB_DIR/trust.log" 2>&1 || true
		sleep 3
	done
	tail -n 20 "$LAB_DIR/trust.log" >&2
	die "creating the $type trust with ${DOMAIN[j]} failed (log: $LAB_DIR/trust.log)"
}

# ---- the second DC of lab.test (LAB_SECOND_DC=1) ------------------------------------
# dc4_in_dc1: DC1's directory has a server object for DC4 (a join, finished
# or not).
dc4_in_dc1() {
	ldbsearch -H "$(dc_dir 0)/private/sam.ldb" -b "CN=Sites,CN=Configuration,$(base_dn 0)" \
		"(&(objectClass=server)(cn=${HOSTNAME_[3]}))" dn 2>/dev/null | grep '^dn:' >/dev/null
}

# remove_dc4_from_dc1: a DC4 that DC1 knows but that is not (or no longer)
# this lab's joined DC4 — an interrupted join, or a replica thrown away by
# unscale — is removed from DC1's directory (its server, nTDSDSA, computer
# account and DNS records), as for any dead DC.
remove_dc4_from_dc1() {
	dc4_in_dc1 || return 0
	log "removing the old ${FQDN[3]} from ${FQDN[0]}'s directory (samba-tool domain demote --remove-other-dead-server)"
	nsenter -m -t "$(lab_pid 0)" samba-tool domain demote --remove-other-dead-server="${HOSTNAME_[3]}" \
		-s "$(dc_dir 0)/etc/smb.conf" >>"$LAB_DIR/dc4.join.log" 2>&1 ||
		die "removing the old ${FQDN[3]} from ${FQDN[0]} failed (log: $LAB_DIR/dc4.join.log)"
}

# join_dc4: join dc4.lab.test to lab.test as a DC (samba-tool domain join ...
# DC: a full replica, replicated from DC1 over DRS), start it and wait until
# it is healthy. Idempotent: a joined DC4 is only started.
join_dc4() {
	local d t0=$SECONDS
	d=$(dc_dir 3)
	if [[ -f $d/.provisioned && $(<"$d/.provisioned") == "$(provision_stamp 3) join" ]]; then
		if ! lab_pid 3 >/dev/null; then
			fix_smbconf 3
			start_dc 3
		fi
		wait_healthy 180 3
		touch "$LAB_DIR/.second-dc"
		return 0
	fi
	if lab_pid 3 >/dev/null; then
		log "stopping ${FQDN[3]}, whose join did not finish"
		stop_dcs 3
	fi
	remove_dc4_from_dc1
	log "joining ${FQDN[3]} (${IP[3]}) to ${DOMAIN[0]} as a second DC (it replicates the domain from ${FQDN[0]})"
	touch "$LAB_DIR/.second-dc" # down stops it and removes its address from now on
	rm -rf "$d"
	mkdir -p "$d"
	# In a mount namespace of its own with a private /run/samba, like the DCs,
	# and the lab's resolver (DC1); the password reaches samba-tool in PASSWD.
	if ! PASSWD=$LAB_PASSWORD KRB5_CONFIG=$LAB_DIR/krb5.conf unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run/samba && mount --bind "$0" /etc/resolv.conf && exec samba-tool "$@"' \
		"$LAB_DIR/resolv.conf" domain join "${DOMAIN[0]}" DC \
		--server="${FQDN[0]}" -U "Administrator@${REALM[0]}" \
		--targetdir="$d" --dns-backend=SAMBA_INTERNAL --backend-store="$LAB_BACKEND_STORE" \
		--option="netbios name=${HOSTNAME_[3]^^}" \
		--option="interfaces=${IP[3]}" \
		--option="bind interfaces only=yes" \
		--option="dns forwarder=$(forwarder_for 3)" \
		--option="tls enabled=yes" \
		--option="tls keyfile=$LAB_DIR/tls/dc4.key" \
		--option="tls certfile=$LAB_DIR/tls/dc4.pem" \
		--option="tls cafile=$LAB_DIR/tls/ca.pem" \
		--option="load printers=no" \
		--option="printcap name=/dev/null" \
		--option="disable spoolss=yes" </dev/null >>"$LAB_DIR/dc4.join.log" 2>&1 7>&- 8>&- 9>&-; then
		tail -n 20 "$LAB_DIR/dc4.join.log" >&2
		die "joining ${FQDN[3]} to ${DOMAIN[0]} failed (log: $LAB_DIR/dc4.join.log); the next 'up' removes the half-joined DC4 and tries again"
	fi
	log "${FQDN[3]} joined in $((SECONDS - t0))s"
	fix_smbconf 3
	start_dc 3
	wait_healthy 180 3
	register_dc4_dns
	link_dc4
	echo "$(provision_stamp 3) join" >"$d/.provisioned"
	log "${FQDN[3]} healthy after $((SECONDS - t0))s"
}

# register_dc4_dns: the join registers no address for a DC on a loopback
# address ("No IPv4 address will be assigned"), and neither does the DC's own
# samba_dnsupdate: run it with DC4's address (its A record and every DC SRV
# record, as a Windows DC registers them), and add its PTR next to DC1's.
register_dc4_dns() {
	local pid o
	pid=$(lab_pid 3)
	nsenter -m -t "$pid" samba_dnsupdate -s "$(dc_dir 3)/etc/smb.conf" --current-ip="${IP[3]}" --use-samba-tool \
		>>"$LAB_DIR/dc4.join.log" 2>&1 || die "registering ${FQDN[3]}'s DNS records failed (log: $LAB_DIR/dc4.join.log)"
	IFS=. read -r -a o <<<"${IP[3]}"
	if [[ -z $(dig +short +time=2 +tries=2 "@${IP[0]}" -x "${IP[3]}" 2>/dev/null) ]]; then
		PASSWD=$LAB_PASSWORD nsenter -m -t "$pid" samba-tool dns add "${IP[0]}" "${o[2]}.${o[1]}.${o[0]}.in-addr.arpa" "${o[3]}" PTR "${FQDN[3]}" \
			-U "Administrator@${REALM[0]}" >>"$LAB_DIR/dc4.join.log" 2>&1 || die "adding ${FQDN[3]}'s PTR failed (log: $LAB_DIR/dc4.join.log)"
	fi
}

# link_dc4: DC4's DNS records (registered on DC4) and its own changes must
# reach DC1 now, not when DC1's KCC and replication schedule get to it
# (minutes; until DC1's replication service has loaded the KCC's new inbound
# links, `drs replicate` over RPC fails with WERR_FILE_NOT_FOUND). So DC1's
# KCC is run, and DC1 pulls the domain and DNS partitions from DC4 into its
# own database (`drs replicate --local`, in DC1's namespace); the DNS
# partitions with --full-sync when DC4's address has not reached DC1's DNS
# by then.
link_dc4() {
	local nc sync
	PASSWD=$LAB_PASSWORD nsenter -m -t "$(lab_pid 0)" samba-tool drs kcc "${FQDN[0]}" -U "Administrator@${REALM[0]}" \
		-s "$(dc_dir 0)/etc/smb.conf" >>"$LAB_DIR/dc4.join.log" 2>&1 ||
		log "WARNING: samba-tool drs kcc on ${FQDN[0]} failed (log: $LAB_DIR/dc4.join.log); its KCC runs again within 5 minutes"
	for sync in "" --full-sync; do
		for nc in "$(base_dn 0)" "DC=DomainDnsZones,$(base_dn 0)" "DC=ForestDnsZones,$(base_dn 0)"; do
			[[ -z $sync || $nc == DC=*DnsZones,* ]] || continue
			PASSWD=$LAB_PASSWORD nsenter -m -t "$(lab_pid 0)" samba-tool drs replicate "${FQDN[0]}" "${FQDN[3]}" "$nc" --local $sync \
				-U "Administrator@${REALM[0]}" -s "$(dc_dir 0)/etc/smb.conf" >>"$LAB_DIR/dc4.join.log" 2>&1 ||
				die "replicating $nc from ${FQDN[3]} to ${FQDN[0]} failed (log: $LAB_DIR/dc4.join.log)"
		done
		[[ $(dig +short +time=2 +tries=2 "@${IP[0]}" "${FQDN[3]}" A 2>/dev/null) == "${IP[3]}" ]] && return 0
	done
	die "${FQDN[3]}'s A record did not reach ${FQDN[0]}'s DNS (log: $LAB_DIR/dc4.join.log)"
}

# replicate_dc4: ask DC4 to pull lab.test's changes from DC1 now (after a
# scale import: DC4 then replicates the imported objects), without waiting.
replicate_dc4() {
	local pid
	pid=$(lab_pid 3) || return 0
	PASSWD=$LAB_PASSWORD nsenter -m -t "$pid" samba-tool drs replicate "${FQDN[3]}" "${FQDN[0]}" "$(base_dn 0)" \
		--async-op -U "Administrator@${REALM[0]}" -s "$(dc_dir 3)/etc/smb.conf" >>"$LAB_DIR/dc4.join.log" 2>&1 ||
		log "WARNING: asking ${FQDN[3]} to replicate from ${FQDN[0]} failed (log: $LAB_DIR/dc4.join.log); it replicates on its own schedule"
}

# ---- lab.env --------------------------------------------------------------------------
write_env() {
	local tmp i n pid
	tmp=$(mktemp "$LAB_DIR/.lab.env.XXXXXX")
	{
		echo "# spntrust Samba AD lab, written by testdata/lab/lab.sh up; no secrets here"
		echo "LAB_DIR=$LAB_DIR"
		echo "LAB_CA_FILE=$LAB_DIR/tls/ca.pem"
		echo "LAB_KRB5_CONFIG=$LAB_DIR/krb5.conf"
		echo "LAB_ADMIN_PASSWORD_FILE=$LAB_DIR/admin.password"
		echo "LAB_ADMIN_USER=Administrator"
		echo "LAB_HOSTNET=$LAB_HOSTNET"
		echo "LAB_SCRIPT=$SCRIPT_DIR/lab.sh"
		echo "LAB_NETNS=${LAB_IN_NETNS:-}"
		echo "LAB_BACKEND_STORE=$LAB_BACKEND_STORE"
		for i in "${DCS[@]}"; do
			n=$((i + 1))
			pid=$(lab_pid "$i" || true)
			echo "LAB_DC${n}_IP=${IP[i]}"
			echo "LAB_DC${n}_FQDN=${FQDN[i]}"
			echo "LAB_DC${n}_DOMAIN=${DOMAIN[i]}"
			echo "LAB_DC${n}_REALM=${REALM[i]}"
			echo "LAB_DC${n}_NETBIOS=${NETBIOS[i]}"
			echo "LAB_DC${n}_DIR=$(dc_dir "$i")"
			echo "LAB_DC${n}_PID=$pid"
		done
	} >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$LAB_DIR/lab.env"
}

seed_stamp() {
	{
		echo "$LAB_VERSION $LAB_BASE $LAB_HOSTNET"
		sha256sum "$SCRIPT_DIR/seed.py" | cut -d' ' -f1
	} | sha256sum | cut -d' ' -f1
}

seed() {
	local stamp
	stamp=$(seed_stamp)
	if [[ -f $LAB_DIR/.seeded && $(<"$LAB_DIR/.seeded") == "$stamp" ]]; then return 0; fi
	log "seeding SPNs, accounts and DNS records"
	rm -f "$LAB_DIR/.seeded"
	local i args=()
	for i in 0 1 2; do
		args+=("--dc" "${IP[i]},${DOMAIN[i]},${FQDN[i]},$(dc_dir "$i")")
	done
	if ! /usr/bin/python3 "$SCRIPT_DIR/seed.py" --password-file "$LAB_DIR/admin.password" \
		--hostnet "$LAB_HOSTNET" "${args[@]}" >"$LAB_DIR/seed.log" 2>&1; then
		tail -n 30 "$LAB_DIR/seed.log" >&2
		die "seeding failed (log: $LAB_DIR/seed.log)"
	fi
	echo "$stamp" >"$LAB_DIR/.seeded"
}

# ---- scale mode (SCALE=N) -------------------------------------------------------------------
# The scale objects live under OU=Scale in lab.test (and a few in partner.test);
# the OU's description records N: that is the marker (`scaled_n`).
scale_ou() { echo "OU=Scale,$(base_dn "$1")"; }
base_dn() {
	local d=${DOMAIN[$1]} out="" p
	for p in ${d//./ }; do out+="${out:+,}DC=$p"; done
	echo "$out"
}

# scaled_n i: N the DC's database was scaled with ("" when not scaled).
scaled_n() {
	ldbsearch -H "$(dc_dir "$1")/private/sam.ldb" -b "$(scale_ou "$1")" -s base description 2>/dev/null |
		sed -n 's/^description: .*SCALE=\([0-9][0-9]*\).*/\1/p' | head -n1 || true
}
has_scale_ou() {
	ldbsearch -H "$(dc_dir "$1")/private/sam.ldb" -b "$(scale_ou "$1")" -s base dn 2>/dev/null | grep '^dn:' >/dev/null
}

usn() { # highestCommittedUSN of a (stopped) DC's database
	ldbsearch -H "$1/private/sam.ldb" --configfile="$1/etc/smb.conf" -b "" -s base highestCommittedUSN 2>/dev/null |
		sed -n 's/^highestCommittedUSN: //p' || true
}

# scale_import i ldif...: bulk-import LDIF into DC i's database while the DC
# keeps serving: stop it briefly for a consistent copy (and, the first time,
# the pre-scale backup that `unscale` restores), start it again, ldbadd into
# the copy (a stopped database: the full Samba module stack runs offline),
# then stop it briefly again and swap the imported database in. The DC is
# down for two restarts (~5 s each), not for the whole import. Changes made to
# the DC between the copy and the swap are lost (warned about).
scale_import() {
	local i=$1 d n work before after f t0
	shift
	d=$(dc_dir "$i")
	n=dc$((i + 1))
	work=$LAB_DIR/scale-work/$n
	use_lock
	# DC4 (lab.test's second DC) replicates from DC1: it must not see DC1's
	# changes between the copy and the swap (they are lost with the swap, and
	# a replica that saw them would skip the imported objects that reuse their
	# USNs). It stays stopped until DC1 runs the imported database.
	local dc4=""
	if [[ $i == 0 ]] && has_dc4 && lab_pid 3 >/dev/null; then
		dc4=1
		stop_dcs 3
	fi
	stop_dcs "$i"
	if [[ ! -d $LAB_DIR/prescale/$n ]]; then
		rm -rf "$LAB_DIR/prescale/$n.tmp"
		mkdir -p "$LAB_DIR/prescale/$n.tmp"
		cp -a "$d/private/sam.ldb" "$d/private/sam.ldb.d" "$LAB_DIR/prescale/$n.tmp/"
		mv "$LAB_DIR/prescale/$n.tmp" "$LAB_DIR/prescale/$n"
	fi
	rm -rf "$work"
	mkdir -p "$LAB_DIR/scale-work"
	cp -a "$d" "$work"
	sed -i "s#$d/#$work/#g; s#$d\$#$work#" "$work/etc/smb.conf"
	before=$(usn "$work")
	start_dc "$i"
	wait_healthy 120 "$i"
	use_unlock
	for f in "$@"; do
		t0=$SECONDS
		log "importing $(grep -c '^dn: ' "$f") objects from $(basename "$f") into a copy of ${FQDN[i]}'s database"
		ldbadd --nosync -o batch_mode:1 -H "$work/private/sam.ldb" --configfile="$work/etc/smb.conf" "$f" >>"$LAB_DIR/scale.log" 2>&1 ||
			{
				tail -n 5 "$LAB_DIR/scale.log" >&2
				wait_healthy 120 "$i"
				die "ldbadd $f failed (log: $LAB_DIR/scale.log); ${FQDN[i]} still runs its unscaled database"
			}
		log "imported $(basename "$f") in $((SECONDS - t0))s"
	done
	use_lock
	stop_dcs "$i"
	after=$(usn "$d")
	if [[ $after != "$before" ]]; then
		log "WARNING: ${FQDN[i]} changed during the import (USN $before -> $after); those changes are replaced by the scaled database"
	fi
	rm -rf "$d/private/sam.ldb.d.old"
	mv "$d/private/sam.ldb.d" "$d/private/sam.ldb.d.old"
	cp -a "$work/private/sam.ldb" "$d/private/sam.ldb"
	mv "$work/private/sam.ldb.d" "$d/private/sam.ldb.d"
	rm -rf "$d/private/sam.ldb.d.old" "$work"
	fix_smbconf "$i"
	start_dc "$i"
	wait_healthy 180 "$i"
	if [[ -n $dc4 ]]; then
		start_dc 3
		wait_healthy 180 3
		replicate_dc4
		log "${FQDN[3]} replicates the imported objects from ${FQDN[0]} in the background"
	fi
	use_unlock
}

scale() {
	local n=$SCALE have t0=$SECONDS dir
	[[ $n =~ ^[0-9]+$ ]] && ((n >= 100)) || die "SCALE must be a number of accounts >= 100, got '$n'"
	have=$(scaled_n 0)
	if [[ -n $have && $have != "$n" ]]; then
		die "lab.test is scaled with SCALE=$have; run '$0 unscale' first, then '$0 up' with SCALE=$n"
	fi
	if [[ $have == "$n" ]] && has_scale_ou 1; then
		echo "$n" >"$LAB_DIR/.scaled"
		return 0
	fi
	log "scale mode: seeding $n accounts into lab.test (OU=Scale)"
	dir=$LAB_DIR/scale-ldif
	rm -rf "$dir"
	/usr/bin/python3 "$SCRIPT_DIR/scale.py" --n "$n" --password-file "$LAB_DIR/admin.password" \
		--domain "${DOMAIN[0]}" --partner "${DOMAIN[1]}" --out-dir "$dir" \
		${SCALE_COMPUTER_PASSWORDS:+--computer-passwords} >>"$LAB_DIR/scale.log" 2>&1 ||
		die "generating the scale LDIF failed (log: $LAB_DIR/scale.log)"
	log "LDIF generated in $((SECONDS - t0))s: $(tail -n1 "$LAB_DIR/scale.log")"
	[[ -n $have ]] || scale_import 0 "$dir/lab.ldif" "$dir/lab-dns.ldif"
	has_scale_ou 1 || scale_import 1 "$dir/partner.ldif"
	rm -rf "$dir"
	echo "$n" >"$LAB_DIR/.scaled"
	log "scale mode: $n accounts seeded in $((SECONDS - t0))s"
}

# restore_prescale: put back the databases saved before the scale import.
restore_prescale() {
	local i n d
	if has_dc4; then
		# DC4's replica holds the scale objects: it is thrown away and joined
		# again by the next up (which first removes it from DC1's directory).
		stop_dcs 3
		rm -rf "$(dc_dir 3)"
		log "removed ${FQDN[3]}'s scaled replica; up joins it again"
	fi
	for i in 0 1; do
		n=dc$((i + 1))
		[[ -d $LAB_DIR/prescale/$n ]] || continue
		d=$(dc_dir "$i")
		stop_dcs "$i"
		log "restoring ${FQDN[i]}'s database from before the scale import"
		rm -rf "$d/private/sam.ldb.d"
		cp -a "$LAB_DIR/prescale/$n/sam.ldb" "$d/private/sam.ldb"
		cp -a "$LAB_DIR/prescale/$n/sam.ldb.d" "$d/private/sam.ldb.d"
	done
	rm -rf "$LAB_DIR/prescale" "$LAB_DIR/scale-work"
	rm -f "$LAB_DIR/.scaled" "$LAB_DIR/.seeded" # re-seed: seed.py may have changed since
}

cmd_unscale() {
	need_root unscale
	lock
	if [[ ! -d $LAB_DIR/prescale ]]; then
		[[ -z $(scaled_n 0) ]] || die "lab.test has OU=Scale but no pre-scale backup in $LAB_DIR/prescale: use '$0 down --purge' and '$0 up'"
		rm -f "$LAB_DIR/.scaled"
		log "the lab is not scaled"
		return 0
	fi
	use_lock
	restore_prescale
	exec 9>&-
	SCALE="" cmd_up
	use_unlock
}

# ---- hostile data (issue 11; opt-in) ----------------------------------------------------------
cmd_seed_hostile() { # seed-hostile [--remove]
	need_root seed-hostile
	lock
	lab_pid 0 >/dev/null || die "DC1 is not running: run '$0 up' first"
	use_lock
	/usr/bin/python3 "$SCRIPT_DIR/hostile.py" --target "$(dc_dir 0)" --domain "${DOMAIN[0]}" "$@" \
		>>"$LAB_DIR/hostile.log" 2>&1 || {
		tail -n 20 "$LAB_DIR/hostile.log" >&2
		die "hostile seeding failed (log: $LAB_DIR/hostile.log)"
	}
	use_unlock
	tail -n 1 "$LAB_DIR/hostile.log" >&2
}

# ---- commands -----------------------------------------------------------------------------
healthy() {
	local i
	[[ -f $LAB_DIR/lab.env && -f $LAB_DIR/.seeded && $(<"$LAB_DIR/.seeded") == "$(seed_stamp)" ]] || return 1
	grep -qxF "LAB_DC1_IP=${IP[0]}" "$LAB_DIR/lab.env" || return 1
	if has_dc4; then [[ -f $(dc_dir 3)/.provisioned ]] || return 1; fi
	for i in "${DCS[@]}"; do dc_healthy "$i" || return 1; done
	trust_complete 1 forest && trust_complete 2 external || return 1
	grep -qxF "$HOSTS_BEGIN" /etc/hosts || return 1
	if [[ -n $SCALE ]]; then
		[[ -f $LAB_DIR/.scaled && $(<"$LAB_DIR/.scaled") == "$SCALE" ]] || return 1
	fi
}

cmd_up() {
	need_root up
	local t0=$SECONDS i
	mkdir -p "$LAB_DIR"
	chmod 0755 "$LAB_DIR"
	# shared/exclusive flock of lab tests (internal/labenv Require, StopDC);
	# created here so that tests not running as root can take it too
	touch "$LAB_DIR/.in-use.lock" "$LAB_DIR/.in-use.wait"
	chmod 0644 "$LAB_DIR/.in-use.lock" "$LAB_DIR/.in-use.wait"
	lock
	if healthy 2>/dev/null; then
		log "lab already up and healthy ($LAB_DIR/lab.env)"
		return 0
	fi
	install_packages
	if ! lab_pid 0 >/dev/null && ! lab_pid 1 >/dev/null && ! lab_pid 2 >/dev/null; then
		preflight_ports
	fi
	ensure_password
	add_addresses
	write_hosts
	make_tls
	write_krb5conf
	write_resolvconf
	for i in 0 1 2; do provision "$i"; done
	for i in 0 1 2; do fix_smbconf "$i"; start_dc "$i"; done
	if has_dc4 && [[ -f $(dc_dir 3)/.provisioned ]]; then fix_smbconf 3; start_dc 3; fi
	wait_healthy 120 $(for i in "${DCS[@]}"; do [[ -f $(dc_dir "$i")/.provisioned ]] && echo "$i"; done)
	log "DCs healthy after $((SECONDS - t0))s"
	ensure_trust 1 forest
	ensure_trust 2 external
	seed
	[[ -z $SCALE ]] || scale
	! has_dc4 || join_dc4
	write_env
	log "lab up in $((SECONDS - t0))s; environment: $LAB_DIR/lab.env"
}

cmd_down() {
	need_root down
	local purge=0 i
	[[ ${1:-} == --purge ]] && purge=1
	[[ -d $LAB_DIR ]] && lock
	stop_dcs
	remove_addresses
	remove_hosts
	if ((purge)); then
		case $LAB_DIR in
		/ | /var | /var/tmp | /tmp | "") die "refusing to purge LAB_DIR=$LAB_DIR" ;;
		esac
		if [[ -d $LAB_DIR ]]; then
			rm -rf -- "$LAB_DIR"
			log "removed $LAB_DIR"
		fi
	else
		rm -f "$LAB_DIR/lab.env"
	fi
	log "lab down"
}

# dc_arg N: the index (0..2) of DC number N (1..3), or die.
dc_arg() {
	if has_dc4; then
		[[ ${1:-} =~ ^[1234]$ ]] || die "want a DC number 1..4, got '${1:-}' (DC1 lab.test, DC2 partner.test, DC3 extern.test, DC4 lab.test's second DC)"
	else
		[[ ${1:-} =~ ^[123]$ ]] || die "want a DC number 1, 2 or 3, got '${1:-}' (DC1 lab.test, DC2 partner.test, DC3 extern.test; DC4 exists with LAB_SECOND_DC=1)"
	fi
	echo $(($1 - 1))
}

# stop-dc N: stop only DC N's samba (its own process group, by its pid file;
# 20 s, then KILL). The other DCs, the addresses and /etc/hosts stay.
cmd_stop_dc() {
	need_root stop-dc
	local i
	i=$(dc_arg "${1:-}")
	[[ -f $(dc_dir "$i")/.provisioned ]] || die "DC$((i + 1)) is not provisioned: run '$0 up' first"
	lock
	if ! lab_pid "$i" >/dev/null; then
		log "DC$((i + 1)) ${FQDN[i]} is not running"
	else
		stop_dcs "$i"
		log "DC$((i + 1)) ${FQDN[i]} stopped"
	fi
	write_env
}

# start-dc N: start DC N the way up does and wait (bounded) until its LDAP,
# Kerberos, DNS and local RPC answer; lab.env gets the new pid.
cmd_start_dc() {
	need_root start-dc
	local i t0=$SECONDS
	i=$(dc_arg "${1:-}")
	[[ -f $(dc_dir "$i")/.provisioned ]] || die "DC$((i + 1)) is not provisioned: run '$0 up' first"
	lock
	if ! lab_pid "$i" >/dev/null; then
		fix_smbconf "$i"
		start_dc "$i"
	fi
	wait_healthy 120 "$i"
	write_env
	log "DC$((i + 1)) ${FQDN[i]} healthy after $((SECONDS - t0))s"
}

cmd_status() {
	local i rc=0 pid
	for i in "${DCS[@]}"; do
		if pid=$(lab_pid "$i"); then
			if dc_healthy "$i"; then
				echo "DC$((i + 1)) ${FQDN[i]} ${IP[i]} pid $pid: up"
			else
				echo "DC$((i + 1)) ${FQDN[i]} ${IP[i]} pid $pid: starting or unhealthy"
				rc=1
			fi
		else
			echo "DC$((i + 1)) ${FQDN[i]} ${IP[i]}: down"
			rc=1
		fi
	done
	for i in 1 2; do
		if [[ -f $(dc_dir 0)/private/sam.ldb ]] && trust_complete "$i" "$([[ $i == 1 ]] && echo forest || echo external)"; then
			echo "trust ${DOMAIN[0]} <-> ${DOMAIN[i]}: present"
		else
			echo "trust ${DOMAIN[0]} <-> ${DOMAIN[i]}: missing"
			rc=1
		fi
	done
	if [[ -f $(dc_dir 0)/private/sam.ldb ]] && ldbsearch -H "$(dc_dir 0)/private/sam.ldb" -b "OU=Hostile,$(base_dn 0)" -s base dn 2>/dev/null | grep '^dn:' >/dev/null; then
		echo "hostile data: present in OU=Hostile (undo: $0 unseed-hostile)"
	fi
	if [[ -f $LAB_DIR/.scaled ]]; then
		echo "scale: $(<"$LAB_DIR/.scaled") accounts in OU=Scale (undo: $0 unscale)"
	fi
	if [[ -f $LAB_DIR/.seeded && $(<"$LAB_DIR/.seeded") == "$(seed_stamp)" ]]; then
		echo "seeds: present"
	else
		echo "seeds: missing or outdated"
		rc=1
	fi
	[[ -f $LAB_DIR/lab.env ]] && echo "env: $LAB_DIR/lab.env" || {
		echo "env: missing"
		rc=1
	}
	return $rc
}

cmd_env() {
	[[ -f $LAB_DIR/lab.env ]] || die "no $LAB_DIR/lab.env: run '$0 up' first"
	cat "$LAB_DIR/lab.env"
}

case ${1:-} in
up) cmd_up ;;
down)
	shift
	cmd_down "$@"
	;;
status) cmd_status ;;
env) cmd_env ;;
unscale) cmd_unscale ;;
seed-hostile) cmd_seed_hostile ;;
unseed-hostile) cmd_seed_hostile --remove ;;
stop-dc) cmd_stop_dc "${2:-}" ;;
start-dc) cmd_start_dc "${2:-}" ;;
*)
	echo "usage: [SCALE=N] $0 up | down [--purge] | status | env | unscale | seed-hostile | unseed-hostile | stop-dc N | start-dc N" >&2
	exit 2
	;;
esac
