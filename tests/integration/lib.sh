# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers for the integration tests: the test network, the CLI wrapper and
# the assertions.  run.sh sources this file; the functions run inside one
# test's subshell, where run.sh has set:
#   T      the test's name stem, unique to this run and test (xgi<pid>t<n>);
#          every interface and namespace the test makes starts with it
#   PIN    the test's own pin path, /sys/fs/bpf/$T
#   TDIR   the test's scratch directory
#   XG     the xdp-guard binary under test
#   HERE   this folder
# and records what the test creates in NETNS and LINKS, and the processes it
# leaves running in the root namespace in PIDS, which the teardown in run.sh
# removes.
#
# The network of one "wire" K (make_wire K):
#
#   netns $T-cliK            root namespace                    netns $T-srvK
#   veth0 CLIENT4/6 ---- ${T}gK ==tc mirred== ${T}sK ---- veth0 SERVER4/6
#                        xdp-guard here
#
# The CLI must run in the root namespace, where the bpffs at /sys/fs/bpf is
# (`ip netns exec` hides it), so the interface it guards, ${T}gK, is there.
# The root namespace gets no address and no route: tc ingress filters pass
# every frame between ${T}gK and ${T}sK unchanged, like a cable, so the
# client and the server talk only through the guarded interface and nothing
# here can reach, or be reached from, the host's own networks.

# Addresses exist only inside the test namespaces.  Every wire uses the
# same ones: one blocked address then stands for the same client on every
# wire, which is what the shared-blocklist test needs.
CLIENT4=10.77.0.2
SERVER4=10.77.0.1
CLIENT6=2001:db8:77::2
SERVER6=2001:db8:77::1
TCP_PORT=8080
# Debian's python3 when it is there: a version manager's shim in PATH can
# take seconds to start.
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3 || true)
fi

# ---- assertions -----------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip REASON: a prerequisite is missing; the runner reports the test as
# skipped, not failed.
skip() {
	echo "SKIP: $*" >&2
	exit "$SKIP_RC"
}

need_cmd() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || skip "$cmd is not installed"
	done
}

# must_fail STATUS PATTERN CMD...: CMD exits with STATUS (1: it failed,
# 2: a usage error, as the man pages document), and its output (stdout and
# stderr) matches the extended regular expression PATTERN.  The output is
# kept in LAST_OUT and copied to the log.
must_fail() {
	local want=$1 pattern=$2 rc=0
	shift 2
	LAST_OUT=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$LAST_OUT" >&2
	[ "$rc" -ne 0 ] || fail "succeeded but should have failed: $*"
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, not $want"
	grep -qE -- "$pattern" <<<"$LAST_OUT" ||
		fail "'$*' failed without saying /$pattern/"
}

# must_say PATTERN TEXT: TEXT matches PATTERN.
must_say() {
	grep -qE -- "$1" <<<"$2" || fail "expected /$1/ in: $2"
}

# equal WHAT EXPECTED ACTUAL
equal() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# ---- the CLI --------------------------------------------------------------

# xg CMD ARGS...: xdp-guard on this test's pin path, echoed to the log.
xg() {
	echo "+ xdp-guard $1 --pin-path $PIN ${*:2}" >&2
	"$XG" "$1" --pin-path "$PIN" "${@:2}"
}

# The lists and everything in status but the counters, which move with
# every packet: what a rejected command must leave exactly as it was.
snapshot() {
	xg list --json
	xg status --json | jq 'del(.counters)'
}

# rejects STATUS PATTERN CMD...: as must_fail, and CMD changes neither the
# lists nor the interfaces (list --json and status --json before and after).
rejects() {
	local before after
	before=$(snapshot)
	must_fail "$@"
	after=$(snapshot)
	if [ "$before" != "$after" ]; then
		diff -u <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
		fail "'${*:3}' was rejected but changed the state"
	fi
}

# status_json FILTER: one value from status --json, through jq.
status_json() {
	xg status --json | jq -er "$1"
}

# list_json FILTER: one value from list --json, through jq.
list_json() {
	xg list --json | jq -er "$1"
}

# The prefixes of a list, one a line, sorted as the CLI sorts them.
list_prefixes() {
	xg list --json | jq -r ".$1[].prefix"
}

# counter REASON [packets|bytes]
counter() {
	status_json ".counters.\"$1\".${2:-packets}"
}

# ---- the network ----------------------------------------------------------

# Quiet IPv6 in a namespace: no duplicate address detection (addresses are
# usable at once), no router solicitations, no unsolicited MLD reports, so
# that the counters see little besides the test's own packets.
quiet_ipv6() {
	local c="net.ipv6.conf.$2"
	ip netns exec "$1" sysctl -qw "$c.accept_dad=0" "$c.accept_ra=0" \
		"$c.router_solicitations=0" "$c.mldv1_unsolicited_report_interval=0" \
		"$c.mldv2_unsolicited_report_interval=0"
}

# ns_host NS ADDR4 ADDR6: bring up lo and veth0 in NS with these addresses.
ns_host() {
	local ns=$1
	ip -n "$ns" link set dev lo up
	quiet_ipv6 "$ns" veth0
	ip -n "$ns" addr add "$2/24" dev veth0
	ip -n "$ns" addr add "$3/64" dev veth0 nodad
	ip -n "$ns" link set dev veth0 up
}

# root_port DEV: a root-namespace end of a veth pair.  No IPv6 either, so
# the host sends nothing of its own through the test network.
root_port() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
	ip link set dev "$1" up
	tc qdisc add dev "$1" clsact
}

# tc_cable A B: every frame that A receives leaves through B, and back.
# XDP runs before tc ingress, so what xdp-guard drops on A never crosses.
tc_cable() {
	tc filter add dev "$1" ingress protocol all u32 match u32 0 0 \
		action mirred egress redirect dev "$2"
	tc filter add dev "$2" ingress protocol all u32 match u32 0 0 \
		action mirred egress redirect dev "$1"
}

# make_wire K: build wire K (see the top of this file).  Sets IFACE[K],
# CLI_NS[K] and SRV_NS[K].
make_wire() {
	local k=$1 g="${T}g$1" s="${T}s$1" cli="$T-cli$1" srv="$T-srv$1"

	need_cmd ip tc ping jq
	ip netns add "$cli"
	NETNS+=("$cli")
	ip netns add "$srv"
	NETNS+=("$srv")
	ip link add "$g" type veth peer name veth0 netns "$cli"
	LINKS+=("$g")
	ip link add "$s" type veth peer name veth0 netns "$srv"
	LINKS+=("$s")
	root_port "$g"
	root_port "$s"
	tc_cable "$g" "$s" 2>"$TDIR/tc.err" ||
		skip "tc cannot redirect frames (u32 or mirred missing): $(cat "$TDIR/tc.err")"
	ns_host "$cli" "$CLIENT4" "$CLIENT6"
	ns_host "$srv" "$SERVER4" "$SERVER6"
	IFACE[k]=$g
	CLI_NS[k]=$cli
	SRV_NS[k]=$srv
}

server_addr() {
	if [ "$1" = 6 ]; then echo "$SERVER6"; else echo "$SERVER4"; fi
}

client_addr() {
	if [ "$1" = 6 ]; then echo "$CLIENT6"; else echo "$CLIENT4"; fi
}

# ping_server K FAMILY: ping's exit status for two echo requests from the
# client of wire K: 0 if an answer came back, 1 if none did.
ping_server() {
	ip netns exec "${CLI_NS[$1]}" ping "-$2" -n -q -c 2 -i 0.2 -W "${3:-2}" \
		"$(server_addr "$2")" >&2
}

# start_tcp_server K: the greeting server in the server namespace of wire K,
# listening once this returns.  The teardown ends it with the namespace.
start_tcp_server() {
	local _
	[ -n "$PYTHON" ] || skip "python3 is not installed"
	ip netns exec "${SRV_NS[$1]}" "$PYTHON" "$HERE/tcp_hello.py" "$TCP_PORT" \
		</dev/null >>"$TDIR/tcp_hello.log" 2>&1 &
	for _ in $(seq 50); do
		if ip netns exec "${SRV_NS[$1]}" ss -Hltn "sport = :$TCP_PORT" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	fail "the TCP server did not start: $(cat "$TDIR/tcp_hello.log")"
}

# tcp_server K FAMILY [SECONDS]: exit status of a TCP connection from the
# client of wire K that must read the server's greeting: 0 if it did, 124
# if it timed out (the SYN went unanswered).
tcp_server() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "${CLI_NS[$1]}" timeout "${3:-3}" bash -c \
		'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r -t 2 line <&3 && [ "$line" = hello ]' \
		tcp "$(server_addr "$2")" "$TCP_PORT" >&2
}

# Client K reaches the server over FAMILY, by ping and by TCP.  While the
# client was blocked, its neighbour discovery went unanswered too, and a
# neighbour entry left failed makes the first packets after an unblock
# fail without leaving the client: forget such entries first.
expect_pass() {
	local k=$1 fam=$2 rc=0
	ip -n "${CLI_NS[$k]}" neigh flush all 2>/dev/null || true
	ping_server "$k" "$fam" || fail "wire $k: ping over IPv$fam got no answer"
	if [ -n "${TCP_ON:-}" ]; then
		tcp_server "$k" "$fam" || rc=$?
		[ "$rc" -eq 0 ] || fail "wire $k: TCP over IPv$fam failed (exit $rc)"
	fi
}

# Client K is dropped over FAMILY: ping unanswered, TCP SYN unanswered.
# Both wait for an answer that should not come, so they wait side by side.
expect_drop() {
	local k=$1 fam=$2 rc=0 tcp_pid="" tcp_rc=0
	if [ -n "${TCP_ON:-}" ]; then
		# A second is plenty on a veth, where an answer takes microseconds.
		tcp_server "$k" "$fam" 1 &
		tcp_pid=$!
	fi
	ping_server "$k" "$fam" 1 || rc=$?
	[ -z "$tcp_pid" ] || wait "$tcp_pid" || tcp_rc=$?
	[ "$rc" -eq 1 ] || fail "wire $k: ping over IPv$fam should get no answer (exit $rc)"
	# 124: timed out in connect().  A refused connection would fail at
	# once, and would mean the SYN reached the server.
	[ -z "$tcp_pid" ] || [ "$tcp_rc" -eq 124 ] ||
		fail "wire $k: TCP over IPv$fam should time out (exit $tcp_rc)"
}

# with_tcp K: from now on expect_pass/expect_drop also try TCP on wire K.
with_tcp() {
	start_tcp_server "$1"
	TCP_ON=1
}

# load_guard: make wire 0 and load xdp-guard on it.
load_guard() {
	make_wire 0
	xg load "${IFACE[0]}"
}

# A foreign XDP program on DEV, attached directly, without libxdp.  Prints
# its program id.
attach_foreign() {
	local obj="$HERE/xdp_other.bpf.o" pin="$PIN-foreign"
	need_cmd bpftool
	[ -f "$obj" ] || skip "$obj is not built: run make in tests/integration"
	mkdir -p "$pin"
	bpftool prog load "$obj" "$pin/prog" type xdp >&2
	bpftool net attach xdp pinned "$pin/prog" dev "$1" >&2
	# The attachment holds the program now; the pin is not needed.
	rm -rf "$pin"
	xdp_prog_id "$1"
}

# The id of the XDP program on DEV, empty if none.
xdp_prog_id() {
	ip -j link show dev "$1" | jq -r '.[0].xdp.prog.id // empty'
}
