#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The xdp-guard demo (`make demo`): an inference endpoint under a flood,
# and xdp-guard dropping the attacker while a legitimate client carries on.
# Needs root and no network card: everything lives in network namespaces
# made here and removed on the way out, Ctrl-C included.
#
#   client   10.78.0.10 --+
#                         +-- bridge (netns lan) -- uplink ===== server 10.78.0.1
#   attacker 10.78.0.66 --+                          ^  tc cable
#                                      xdp-guard runs here, in the root namespace
#
# The CLI must run in the root namespace, where the bpffs is, so the veth
# end it guards is there; a tc cable passes what xdp-guard lets through on
# to the server's veth.  The root namespace gets no address and no route.
# Every xdp-guard command uses a private pin path, not the default one,
# so a guard already running on this machine is not touched.
#
# Environment: DEMO_ATTACK_SECONDS (default 12), DEMO_FAST=1 (shorter pauses),
# DEMO_PREFIX (what its names start with; the tests give theirs, so that
# their clean-up finds what a killed demo leaves).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPDIR=$(cd "$HERE/.." && pwd)
XG=${XDP_GUARD:-$TOPDIR/guard-loader/xdp-guard}

# Names carry the PID, so two demos (or a demo and the tests) never meet.
P=${DEMO_PREFIX:-xgd$$}
PIN="/sys/fs/bpf/${DEMO_PREFIX:-xg-demo-$$}"
# The longest interface name is P and one letter, and names stop at 15.
if [ ${#P} -gt 14 ]; then
	echo "demo.sh: DEMO_PREFIX '$P' is longer than 14 characters" >&2
	exit 2
fi
NS_LAN="$P-lan"
NS_CLI="$P-client"
NS_ATT="$P-attacker"
NS_SRV="$P-server"
UPLINK="${P}g"		# guarded by xdp-guard
SRVLINK="${P}s"
SERVER=10.78.0.1
CLIENT=10.78.0.10
ATTACKER=10.78.0.66
PORT=8000
ATTACK_SECONDS=${DEMO_ATTACK_SECONDS:-12}
PAUSE=3
[ "${DEMO_FAST:-0}" = 1 ] && PAUSE=1

WORK=""
CREATED_NS=()
CREATED_LINKS=()

# ---- output ---------------------------------------------------------------

if [ -t 1 ]; then
	BOLD=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GREEN=$'\e[32m' OFF=$'\e[0m'
else
	BOLD="" DIM="" RED="" GREEN="" OFF=""
fi

step() {
	printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"
}

say() {
	printf '    %s\n' "$*"
}

# show ARGS...: run xdp-guard on the demo's pin path, showing the command as
# an operator would type it.
show() {
	printf '    %s$ xdp-guard %s%s\n' "$DIM" "$*" "$OFF"
	"$XG" "$1" --pin-path "$PIN" "${@:2}" 2>&1 | sed 's/^/      /'
}

die() {
	printf '%sdemo: %s%s\n' "$RED" "$*" "$OFF" >&2
	exit 1
}

# ---- clean-up ---------------------------------------------------------------

cleanup() {
	local rc=$? ns dev pids
	trap - EXIT INT TERM
	set +e
	# The client, the server and the flood live in the namespaces.
	for ns in "${CREATED_NS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one PID a word
		[ -z "$pids" ] || kill $pids 2>/dev/null
	done
	"$XG" unload --pin-path "$PIN" "$UPLINK" >/dev/null 2>&1
	if "$XG" list --pin-path "$PIN" >/dev/null 2>&1; then
		"$XG" unload --all --purge --pin-path "$PIN" >/dev/null 2>&1
	fi
	for dev in "${CREATED_LINKS[@]}"; do
		ip link del dev "$dev" 2>/dev/null
	done
	for ns in "${CREATED_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$PIN"
	[ -z "$WORK" ] || rm -rf "$WORK"
	if [ "$rc" -ne 0 ]; then
		printf '\ndemo: stopped (exit %d); the namespaces, interfaces and pin path are removed\n' \
			"$rc" >&2
	fi
	exit "$rc"
}

# ---- the programs in the namespaces ----------------------------------------

# The legitimate client: one HTTP request every 100 ms, each with a 2 s
# timeout, one line per request in its log ("ok" or "fail ..."), until
# the stop file appears or 120 s have passed.
CLIENT_PY='
import sys, time, os, urllib.request
url, log, stop = sys.argv[1:4]
end = time.monotonic() + 120
with open(log, "a", buffering=1) as out:
    while time.monotonic() < end and not os.path.exists(stop):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                out.write("ok\n" if r.status == 200 else "fail %d\n" % r.status)
        except Exception as e:
            out.write("fail %s\n" % e)
        time.sleep(0.1)
'

# The attacker: UDP datagrams at the server as fast as one Python loop can
# send them, for at most SECONDS and at most 5 million, then the count.
FLOOD_PY='
import socket, sys, time
host, port, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"x" * 512
sent, end = 0, time.monotonic() + seconds
while sent < 5000000 and time.monotonic() < end:
    for _ in range(1000):
        try:
            s.sendto(payload, (host, port))
            sent += 1
        except OSError:
            pass  # a full queue or an ICMP error: keep going, it is a flood
with open(out, "w") as f:
    f.write("%d\n" % sent)
'

# ---- the network ------------------------------------------------------------

add_ns() {
	ip netns add "$1"
	CREATED_NS+=("$1")
	# No IPv6 in the demo: nothing on the wire but the story's traffic.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set dev lo up
}

# host NS ADDR: the namespace's veth0 (already moved there) gets ADDR.
host_addr() {
	ip -n "$1" addr add "$2/24" dev veth0
	ip -n "$1" link set dev veth0 up
}

build_network() {
	add_ns "$NS_LAN"
	add_ns "$NS_CLI"
	add_ns "$NS_ATT"
	add_ns "$NS_SRV"
	ip -n "$NS_LAN" link add br0 type bridge
	ip -n "$NS_LAN" link set dev br0 up
	# Client and attacker share the lan; port names in the lan: cli, att.
	ip -n "$NS_LAN" link add cli type veth peer name veth0 netns "$NS_CLI"
	ip -n "$NS_LAN" link add att type veth peer name veth0 netns "$NS_ATT"
	# The uplink: one end on the bridge, the other in the root namespace.
	ip link add "$UPLINK" type veth peer name up0 netns "$NS_LAN"
	CREATED_LINKS+=("$UPLINK")
	for port in cli att up0; do
		ip -n "$NS_LAN" link set dev "$port" master br0
		ip -n "$NS_LAN" link set dev "$port" up
	done
	host_addr "$NS_CLI" "$CLIENT"
	host_addr "$NS_ATT" "$ATTACKER"
	# The server's veth, joined to the uplink by a tc cable.
	ip link add "$SRVLINK" type veth peer name veth0 netns "$NS_SRV"
	CREATED_LINKS+=("$SRVLINK")
	host_addr "$NS_SRV" "$SERVER"
	for dev in "$UPLINK" "$SRVLINK"; do
		sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		ip link set dev "$dev" up
		tc qdisc add dev "$dev" clsact
	done
	if ! tc filter add dev "$UPLINK" ingress protocol all u32 match u32 0 0 \
		action mirred egress redirect dev "$SRVLINK" ||
		! tc filter add dev "$SRVLINK" ingress protocol all u32 match u32 0 0 \
			action mirred egress redirect dev "$UPLINK"; then
		die "tc cannot redirect frames here (the u32 classifier or the mirred action is missing)"
	fi
}

start_server() {
	local _
	mkdir -p "$WORK/www/v1"
	# What a client of an inference server asks first: the models.
	printf '{"object": "list", "data": [{"id": "demo-7b", "object": "model"}]}\n' \
		>"$WORK/www/v1/models"
	ip netns exec "$NS_SRV" "$PYTHON" -m http.server --bind "$SERVER" \
		--directory "$WORK/www" "$PORT" </dev/null >"$WORK/server.log" 2>&1 &
	for _ in $(seq 100); do
		if ip netns exec "$NS_SRV" ss -Hltn "sport = :$PORT" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	die "the HTTP server did not start: $(cat "$WORK/server.log")"
}

# ---- what the demo reads ------------------------------------------------------

client_ok() {
	grep -c '^ok' "$WORK/client.log" || true
}

client_failed() {
	grep -c '^fail' "$WORK/client.log" || true
}

counter() {
	"$XG" status --json --pin-path "$PIN" | jq -r ".counters.\"$1\".packets"
}

# ---- the story ------------------------------------------------------------------

main() {
	local ok0 ok1 ok2 ok3 pass1 pass2 block2 block3 sent attack_pid t0

	[ "$(id -u)" -eq 0 ] || die "run as root: the demo makes namespaces and loads XDP"
	[ -x "$XG" ] || die "$XG is not built: run make first (make demo does)"
	for cmd in ip tc jq ss; do
		command -v "$cmd" >/dev/null || die "$cmd is missing (scripts/install-deps.sh installs it)"
	done
	# Debian's python3 first: a version manager's shim can take seconds.
	PYTHON=/usr/bin/python3
	[ -x "$PYTHON" ] || PYTHON=$(command -v python3) ||
		die "python3 is missing (scripts/install-deps.sh installs it)"
	if ! mount | grep -q ' on /sys/fs/bpf type bpf '; then
		mount -t bpf bpf /sys/fs/bpf || die "cannot mount the BPF filesystem on /sys/fs/bpf"
	fi

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/xg-demo.XXXXXX")

	printf '%sxdp-guard demo%s: an inference endpoint, a client and an attacker\n' "$BOLD" "$OFF"
	say "Everything runs in network namespaces made for this demo; no real interface"
	say "is touched. xdp-guard keeps its state in $PIN."

	step "Building the network"
	build_network
	say "server   $SERVER:$PORT  (netns $NS_SRV), an HTTP server standing in for an inference API"
	say "client   $CLIENT       (netns $NS_CLI)"
	say "attacker $ATTACKER       (netns $NS_ATT)"
	say "Both reach the server only through $UPLINK, where xdp-guard will run."

	step "Loading xdp-guard on $UPLINK"
	show load "$UPLINK"

	step "Starting the server and the client"
	start_server
	: >"$WORK/client.log"
	ip netns exec "$NS_CLI" "$PYTHON" -c "$CLIENT_PY" "http://$SERVER:$PORT/v1/models" \
		"$WORK/client.log" "$WORK/stop" </dev/null >/dev/null 2>&1 &
	sleep "$PAUSE"
	ok0=$(client_ok)
	say "The client asks for /v1/models ten times a second: $ok0 answers so far, $(client_failed) failed."

	step "The attacker floods the server (UDP, up to $ATTACK_SECONDS s)"
	ok1=$(client_ok)
	ip netns exec "$NS_ATT" "$PYTHON" -c "$FLOOD_PY" "$SERVER" 9999 "$ATTACK_SECONDS" \
		"$WORK/sent" </dev/null >/dev/null 2>&1 &
	attack_pid=$!
	t0=$SECONDS
	sleep "$PAUSE"
	say "xdp-guard passes everything that is on no list; look at the 'pass' counter:"
	show status
	pass1=$(counter pass)

	step "The operator blocks the attacker"
	show block --ttl 10m "$ATTACKER"
	block2=$(counter block)
	pass2=$(counter pass)
	ok2=$(client_ok)
	sleep "$PAUSE"
	say "Now the attacker's packets are dropped in XDP, before the kernel builds a socket"
	say "buffer for them: watch 'block' climb while 'pass' stands almost still."
	show status
	block3=$(counter block)
	say "The attacker itself cannot reach the server any more:"
	if ip netns exec "$NS_ATT" "$PYTHON" -c "import urllib.request as u; u.urlopen('http://$SERVER:$PORT/v1/models', timeout=2)" \
		>/dev/null 2>&1; then
		say "${RED}it still can: something is wrong${OFF}"
	else
		say "its own HTTP request timed out."
	fi

	step "Waiting for the flood to end"
	wait "$attack_pid" || true
	sent=$(cat "$WORK/sent" 2>/dev/null || echo "?")
	say "The attacker sent $sent packets in $((SECONDS - t0)) s."
	sleep 1
	touch "$WORK/stop"
	sleep 0.5
	ok3=$(client_ok)
	show list

	step "What happened"
	local failed
	failed=$(client_failed)
	say "1. A client at $CLIENT asked the server for its models ten times a second."
	say "2. The attacker at $ATTACKER flooded the server: $sent UDP packets."
	say "   They were on no list, so xdp-guard passed them on: the 'pass' counter"
	say "   reached $pass1 within $PAUSE s."
	say "3. The operator ran 'xdp-guard block --ttl 10m $ATTACKER'. From then on the"
	say "   flood was dropped in XDP, before the network stack spent any work on it:"
	say "   $((block3 - block2)) packets in the next $PAUSE s, $(counter block) in all. Meanwhile 'pass'"
	say "   grew by only $(($(counter pass) - pass2)): the client's own packets, a few for each request."
	say "4. The client got $ok1 answers before the flood, $((ok2 - ok1)) during it and $((ok3 - ok2))"
	say "   after the block: $ok3 in all, and $failed failed."
	if [ "$failed" -eq 0 ]; then
		say "${GREEN}The legitimate client was not disturbed at any point.${OFF}"
	else
		say "${RED}The client saw $failed failed requests:${OFF}"
		grep '^fail' "$WORK/client.log" | sort | uniq -c | sed 's/^/      /'
	fi
	say "5. The namespaces, the interfaces and $PIN are removed now."
	[ "$failed" -eq 0 ]
}

main "$@"
