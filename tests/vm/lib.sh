# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for the tests in this folder, sourced by guest-tests.sh (inside
# the VM) and host-fallback.sh (on the host).
#
# A test is a function test_NAME run by run_tests, each in a bash process
# of its own with `set -e`: any failing command, fail or a failed expect_*
# ends it.  Whatever it creates it registers with `defer`, and the deferred
# commands run in reverse order when the process exits, however it exits.
# Names of interfaces, namespaces and pin directories all start with
# "xgvm<pid>" so that they cannot meet anything else on the machine.

XG_TREE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XG_CLI=$XG_TREE/guard-loader/xdp-guard
# shellcheck disable=SC2034 # for the scripts that source this file
GUARD_OBJ=$XG_TREE/guard-bpf/xdp_guard.bpf.o
# shellcheck disable=SC2034
NEXT_OBJ=$XG_TREE/tests/vm/xdp_next.bpf.o
# Pings per probe: enough to see in a counter, few enough to be quick
# under emulation.
PINGS=5

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Run a command, showing it in the test's log; a failure ends the test.
step() {
	echo "+ $*"
	"$@" || fail "exit status $?: $*"
}

step_fails() {
	echo "+ (must fail) $*"
	if "$@"; then
		fail "succeeded, but should have failed: $*"
	fi
}

expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "ok: $1 = '$2'"
}

expect_ge() {
	[ "$2" -ge "$3" ] || fail "$1: got $2, want at least $3"
	echo "ok: $1 = $2 (at least $3)"
}

expect_match() {
	[[ $2 =~ $3 ]] || fail "$1: '$2' does not match /$3/"
	echo "ok: $1 matches /$3/"
}

DEFERRED=()
# Register a command to undo something; each argument stays one word.
defer() {
	local cmd
	printf -v cmd '%q ' "$@"
	DEFERRED+=("$cmd")
}

run_deferred() {
	local i
	for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${DEFERRED[$i]}" >/dev/null 2>&1 || true
	done
	DEFERRED=()
}

# A veth pair: HOST_IF in the root namespace, where the programs are
# attached and the CLI runs (`ip netns exec` hides /sys/fs/bpf), and
# PEER_IF in namespace NS, which sends the pings.  The peer has two source
# addresses, SRC_A and SRC_B, so that one can be blocked and the other not.
# Also sets GUARD_PIN and NEXT_PIN, pin directories for the maps of the
# guard and of xdp_next.
setup_pair() {
	local id=$$ net
	net=198.19.$((id % 256))
	NS=xgvm$id
	HOST_IF=xgvm${id}h
	PEER_IF=xgvm${id}p
	HOST_IP=$net.1 SRC_A=$net.2 SRC_B=$net.3
	GUARD_PIN=/sys/fs/bpf/xgvm$id-guard
	NEXT_PIN=/sys/fs/bpf/xgvm$id-next

	# Deleting the namespace deletes the pair; whatever the test attaches
	# goes before that.
	defer ip netns del "$NS"
	defer xdp-loader unload --all "$HOST_IF"
	# Two `ip -batch` runs instead of eight ip commands: every exec costs
	# a good part of a second under emulation.
	ip_batch "" "netns add $NS
link add $HOST_IF type veth peer name $PEER_IF netns $NS
addr add $HOST_IP/24 dev $HOST_IF
link set $HOST_IF up"
	ip_batch "$NS" "addr add $SRC_A/24 dev $PEER_IF
addr add $SRC_B/24 dev $PEER_IF
link set $PEER_IF up
link set lo up"
	defer rm -rf "$GUARD_PIN" "$NEXT_PIN"
	mkdir -p "$GUARD_PIN" "$NEXT_PIN"
}

# Run the ip commands in $2, one a line, in namespace $1 (empty: the
# root namespace).
ip_batch() {
	local -a ns=() lines
	[ -z "$1" ] || ns=(-n "$1")
	mapfile -t lines <<<"$2"
	echo "+ ip ${ns[*]} -batch:"
	printf '    %s\n' "${lines[@]}"
	ip "${ns[@]}" -batch - <<<"$2" || fail "ip -batch failed"
}

# ping HOST_IP from source address $1; the status is ping's.  -W bounds
# the wait for the last reply, so a blocked source costs about 2 s.
ping_from() {
	echo "+ ping from $1"
	ip netns exec "$NS" ping -q -n -c "$PINGS" -i 0.2 -W 1 -I "$1" "$HOST_IP"
}

# The bytes of IPv4 address $1, as bpftool takes a key: "198 19 0 2".
ip_bytes() {
	local -a b
	IFS=. read -ra b <<<"$1"
	echo "${b[@]}"
}

# Echo requests from source $1 that xdp_next has seen.
next_count() {
	local map=$NEXT_PIN/xgvm_echo_by_src out
	[ -e "$map" ] || fail "xdp_next's map is not pinned at $map"
	# A source never seen has no entry: bpftool then fails.
	# shellcheck disable=SC2046 # one argument per byte
	out=$(bpftool -j map lookup pinned "$map" key $(ip_bytes "$1") 2>/dev/null) || out='{}'
	jq -r '.formatted.value // 0' <<<"$out"
}

# The CLI, on this test's pin path.
xg() {
	[ -x "$XG_CLI" ] || fail "${XG_CLI#"$XG_TREE"/} is not built: run make"
	"$XG_CLI" "$1" --pin-path "$GUARD_PIN" "${@:2}"
}

# `xdp-guard status --json`, reduced to what jq filter $1 selects (raw
# output); $ifname in the filter is HOST_IF.
guard_status() {
	local out
	out=$(xg status --json) || fail "xdp-guard status --json failed"
	jq -r --arg ifname "$HOST_IF" "$1" <<<"$out"
}

# The guard's packet counter for reason $1 (pass, block, ...).
guard_counter() {
	guard_status ".counters.$1.packets"
}

# Filter $1 applied to HOST_IF's entry in `status --json`.
guard_iface() {
	guard_status ".interfaces[] | select(.ifname == \$ifname) | $1"
}

# The programs on interface $1 as xdp-loader sees them: the first line is
# "NAME MODE" of what is attached (xdp_dispatcher when libxdp chains
# programs), then one "NAME PRIO" per program in the order they run.
xdp_chain() {
	xdp-loader status "$1" | awk -v dev="$1" '
		$1 == dev { print $2, $3 }
		$1 == "=>" { print $3, $2 }'
}

# Id of program $2 in the dispatcher on interface $1.
xdp_prog_id() {
	xdp-loader status "$1" | awk -v name="$2" '$1 == "=>" && $3 == name { print $4 }'
}

# The same chain on one line, for comparing: "xdp_dispatcher skb | a 5 | b 50".
xdp_chain_line() {
	xdp_chain "$1" | paste -sd '|' | sed 's/|/ | /g'
}

# Run the tests named in $@, or every test_* function of the calling
# script in the order written.  Each runs in its own bash process under
# a timeout; the results go to stdout as the lines run.sh parses:
#   XG-TEST PASS|FAIL NAME SECONDS, then for a failure its output as XG-OUT.
# Returns non-zero if any test failed.
run_tests() {
	local script=$1 t log start rc failed=0 passed=0
	shift
	local -a tests=("$@")
	if [ ${#tests[@]} = 0 ]; then
		mapfile -t tests < <(sed -n 's/^\(test_[a-z0-9_]*\)().*/\1/p' "$script")
	fi
	log=$(mktemp)
	for t in "${tests[@]}"; do
		t=test_${t#test_}
		start=$SECONDS
		rc=0
		timeout -k 10 "${XG_TEST_TIMEOUT:-300}" bash "$script" --one "$t" >"$log" 2>&1 || rc=$?
		if [ "$rc" = 0 ]; then
			echo "XG-TEST PASS $t $((SECONDS - start))"
			passed=$((passed + 1))
		else
			[ "$rc" != 124 ] || echo "FAIL: timed out" >>"$log"
			echo "XG-TEST FAIL $t $((SECONDS - start))"
			sed 's/^/XG-OUT /' "$log"
			failed=$((failed + 1))
		fi
	done
	rm -f "$log"
	echo "XG-VM tests: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# The other half of run_tests: in a fresh process, run test $1 with the
# deferred clean-up armed.  `timeout` sends TERM; exiting on it runs the
# EXIT trap too.
run_one() {
	declare -F "$1" >/dev/null || fail "no such test: $1"
	trap run_deferred EXIT
	trap 'exit 143' TERM INT
	set -e
	"$1"
}
