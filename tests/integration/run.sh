#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Integration tests of xdp-guard: the real CLI and real packets, on veth
# pairs between network namespaces (see lib.sh for the network).  Needs root.
#
#   run.sh [-v] [-l] [-t SECONDS] [TEST...]
#     TEST   a test name, with or without the test_ prefix (default: all)
#     -l     list the tests and exit
#     -v     print every test's log, not only the logs of failed tests (V=1)
#     -t N   stop a test that runs longer than N seconds (default 180)
#   Environment:
#     XG_DEBUG_SHELL=1  when a test fails and the runner has a terminal, open a
#                       shell inside that test's network before it is removed
#     XDP_GUARD=PATH    the CLI to test (default: this tree's guard-loader/xdp-guard)
#     XG_SKIP_IS_FAIL=1 count skipped tests as failed (the default under CI=true,
#                       where every prerequisite should be installed)
#
# Each test_* function runs in a subshell of its own, with its own
# namespaces, interfaces and pin path (/sys/fs/bpf/<stem>), all named after
# this run's PID and the test's number, and removes them when it ends,
# however it ends: passed, failed, skipped, timed out or interrupted.  The
# runner sweeps whatever carries its prefix once more on its way out.
# The last line reads "N passed, N failed" (", N skipped" when some were),
# and the exit status is 1 if any test failed.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPDIR=$(cd "$HERE/../.." && pwd)
XG=${XDP_GUARD:-$TOPDIR/guard-loader/xdp-guard}
BPF_OBJ=$TOPDIR/guard-bpf/xdp_guard.bpf.o
BPFFS=/sys/fs/bpf
# As in xdp-tools: an exit status no test returns by accident.
SKIP_RC=249
TEST_TIMEOUT=180
VERBOSE=${V:-0}
[ "$VERBOSE" = 1 ] || VERBOSE=0
if [ -z "${XG_SKIP_IS_FAIL:-}" ] && [ "${CI:-}" = true ]; then
	XG_SKIP_IS_FAIL=1
fi
# Everything this run creates starts with PFX: interface names have at most
# 15 characters, and "xgi" + PID (7 digits at most) + "t" + test number +
# a role letter and a digit fits.
PFX="xgi$$"
WORK=""
CURRENT_PID=""
WATCHDOG_PID=""

# shellcheck source=lib.sh
source "$HERE/lib.sh"
# Traffic first: when everything fails, that is where it shows plainest.
TEST_FILES=("$HERE"/tests-traffic.sh "$HERE"/tests-lists.sh "$HERE"/tests-input.sh
	"$HERE"/tests-ratelimit.sh)
for f in "${TEST_FILES[@]}"; do
	# shellcheck disable=SC1090 # the test files are found at run time
	source "$f"
done

die() {
	echo "run.sh: $*" >&2
	exit 1
}

# The tests in the order they are written in the files.
all_tests() {
	grep -ho '^test_[a-z0-9_]*()' "${TEST_FILES[@]}" | tr -d '()'
}

# Remove whatever this run left: normally nothing, since every test cleans
# up after itself; this is for a test killed before its own teardown.
sweep() {
	local ns dev dir

	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${PFX}t"); do
		# shellcheck disable=SC2046 # one PID a word
		kill $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for dev in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
		grep "^${PFX}t"); do
		ip link del dev "$dev" 2>/dev/null
	done
	for dir in "$BPFFS/${PFX}t"*; do
		[ -e "$dir" ] && rm -rf "$dir"
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}

stop_watchdog() {
	if [ -n "$WATCHDOG_PID" ]; then
		kill "$WATCHDOG_PID" 2>/dev/null
		wait "$WATCHDOG_PID" 2>/dev/null
		WATCHDOG_PID=""
	fi
}

# kill_tree SIG PID: signal PID and every process below it, PID first.  A
# test's shell runs its TERM trap only once its foreground command ends,
# and what it waits for may be a grandchild: a command in $(...) or in a
# pipeline.  The shell must have the signal before that command dies, or
# it would start its teardown first and the signal would cut it short.
# Children are found before their parent is signalled, so that none is
# lost to a parent that exits at once.
kill_tree() {
	local child children
	children=$(pgrep -P "$2" 2>/dev/null)
	kill "-$1" "$2" 2>/dev/null
	for child in $children; do
		kill_tree "$1" "$child"
	done
}

on_exit() {
	local rc=$?
	stop_watchdog
	if [ -n "$CURRENT_PID" ]; then
		kill_tree TERM "$CURRENT_PID"
		wait "$CURRENT_PID" 2>/dev/null
	fi
	sweep
	exit "$rc"
}

on_signal() {
	echo >&2
	echo "run.sh: interrupted, cleaning up" >&2
	exit 130
}

# ---- inside a test's subshell ---------------------------------------------

debug_shell() {
	local rc=$1
	{
		echo
		echo "*** $TEST_NAME failed (exit $rc); its log: $TDIR.log"
		echo "*** Namespaces: ${NETNS[*]:-none}; interfaces: ${LINKS[*]:-none}"
		echo "*** Pin path: $PIN.  Try: \$XG status --pin-path \$PIN,"
		echo "***   ip netns exec ${NETNS[0]:-NS} ping $SERVER4"
		echo "*** The end of its log:"
		tail -n 5 "$TDIR.log" | sed 's/^/***   /'
		echo "*** Exit this shell to tear the test down and go on."
	} >/dev/tty
	T=$T PIN=$PIN XG=$XG TDIR=$TDIR PS1="[xg-debug $TEST_NAME] \\w# " \
		bash --norc -i </dev/tty >/dev/tty 2>&1
}

# The EXIT trap of a test: undo everything the test made, in the order
# that leaves nothing behind, whatever state the test stopped in.
teardown() {
	local rc=$1 ns dev pids pid
	set +eE
	trap - ERR
	# Once begun, it finishes: a late TERM (the watchdog's) must not cut
	# it short.  A teardown that hangs is killed after 20 s.
	trap '' TERM

	if [ "$rc" -ne 0 ] && [ "$rc" -ne "$SKIP_RC" ] && [ "$DEBUG_SHELL" = 1 ]; then
		debug_shell "$rc"
	fi
	# Processes the test started in the root namespace (a monitor, say),
	# which the namespaces' end would not stop.
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	# Servers and floods inside the namespaces.
	for ns in "${NETNS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086 # one PID a word
		[ -z "$pids" ] || kill $pids 2>/dev/null
	done
	# Detach from each of our interfaces by name first: that works
	# whatever state PIN is in.  `unload --all --purge` then removes the
	# maps; it goes by the state at PIN to tell our interfaces from
	# anyone else's, so it runs only when that state opens.
	for dev in "${LINKS[@]}"; do
		"$XG" unload --pin-path "$PIN" "$dev" >/dev/null 2>&1
		ip link set dev "$dev" xdp off 2>/dev/null
	done
	if "$XG" list --pin-path "$PIN" >/dev/null 2>&1; then
		"$XG" unload --all --purge --pin-path "$PIN" >&2 ||
			echo "teardown: unload --all --purge failed" >&2
	fi
	for dev in "${LINKS[@]}"; do
		ip link del dev "$dev" 2>/dev/null
	done
	for ns in "${NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# The backstop: a pin path the CLI did not remove (damaged state, or
	# maps pinned by xdp-loader that the CLI does not know), and any
	# other directory a test made beside it.
	shopt -s nullglob
	rm -rf "$PIN" "$PIN"-*
	exit "$rc"
}

# Run one test function in this subshell.
test_body() {
	T="${PFX}t$1"
	TEST_NAME=$2
	PIN="$BPFFS/$T"
	TDIR="$WORK/$TEST_NAME"
	NETNS=()
	LINKS=()
	PIDS=()
	declare -a IFACE=() CLI_NS=() SRV_NS=()
	# The lockout check reads these; a developer running the tests over
	# SSH must get the same results as CI.
	unset SSH_CONNECTION SSH_CLIENT
	mkdir -p "$TDIR"
	trap 'teardown $?' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	set -eEuo pipefail
	shopt -s inherit_errexit
	trap 'echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: \`$BASH_COMMAND\` exited $?" >&2' ERR
	"$TEST_NAME"
}

# ---- the runner -----------------------------------------------------------

# run_test N NAME: run test NAME as number N; prints its result line.
# Returns 0 (passed), 1 (failed) or SKIP_RC.
run_test() {
	local n=$1 name=$2 log="$WORK/$2.log" rc start

	printf '  %-44s ' "$name"
	start=$SECONDS
	# Appending, so that the watchdog's note is not overwritten.
	: >"$log"
	(test_body "$n" "$name") >>"$log" 2>&1 &
	CURRENT_PID=$!
	if [ "$DEBUG_SHELL" != 1 ]; then
		# Stop a test that hangs: its shell and all it waits for, so
		# that its EXIT trap runs and tears it down.  If even that
		# hangs, kill it all; sweep() takes what it leaves at the end.
		(
			# Told to stand down, take the sleep along and go quietly.
			trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
			sleep "$TEST_TIMEOUT" &
			sleeper=$!
			wait "$sleeper"
			echo "FAIL: timed out after $TEST_TIMEOUT s" >>"$log"
			kill_tree TERM "$CURRENT_PID"
			sleep 20 &
			sleeper=$!
			wait "$sleeper"
			echo "FAIL: no teardown within 20 s; killed" >>"$log"
			kill_tree KILL "$CURRENT_PID"
		) &
		WATCHDOG_PID=$!
	fi
	wait "$CURRENT_PID"
	rc=$?
	CURRENT_PID=""
	stop_watchdog

	if [ "$rc" -eq 0 ]; then
		echo "PASS ($((SECONDS - start))s)"
	elif [ "$rc" -eq "$SKIP_RC" ]; then
		echo "SKIPPED: $(grep -m1 '^SKIP: ' "$log" | cut -c7-)"
	else
		echo "FAIL (exit $rc, $((SECONDS - start))s)"
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne "$SKIP_RC" ] || [ "$VERBOSE" = 1 ]; then
		sed 's/^/      | /' "$log"
	fi
	[ "$rc" -eq 0 ] || [ "$rc" -eq "$SKIP_RC" ] || return 1
	return "$rc"
}

main() {
	local opt name n=0 passed=0 failed=0 skipped=0 rc
	local -a tests=() known=()

	while getopts "lvt:h" opt; do
		case $opt in
		l) all_tests; exit 0 ;;
		v) VERBOSE=1 ;;
		t) TEST_TIMEOUT=$OPTARG ;;
		*) sed -n '5,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))

	mapfile -t known < <(all_tests)
	for name in "$@"; do
		name=test_${name#test_}
		[[ " ${known[*]} " == *" $name "* ]] || die "no test named $name (see run.sh -l)"
		tests+=("$name")
	done
	[ ${#tests[@]} -gt 0 ] || tests=("${known[@]}")

	[ "$(id -u)" -eq 0 ] ||
		die "the integration tests need root: they make namespaces and load XDP programs"
	[ -x "$XG" ] || die "$XG is not built: run make at the top of the tree"
	[ -f "$BPF_OBJ" ] || die "$BPF_OBJ is not built: run make at the top of the tree"
	if ! mount | grep -q " on $BPFFS type bpf "; then
		echo "run.sh: mounting a BPF filesystem on $BPFFS" >&2
		mount -t bpf bpf "$BPFFS" || die "cannot mount bpffs on $BPFFS"
	fi

	DEBUG_SHELL=0
	if [ "${XG_DEBUG_SHELL:-0}" = 1 ]; then
		if [ -t 0 ] && [ -r /dev/tty ]; then
			DEBUG_SHELL=1
		else
			echo "run.sh: XG_DEBUG_SHELL ignored: no terminal" >&2
		fi
	fi

	WORK=$(mktemp -d "${TMPDIR:-/tmp}/xg-integration.XXXXXX")
	trap on_exit EXIT
	trap on_signal INT TERM

	echo "xdp-guard integration tests: $XG on $(uname -r), ${#tests[@]} tests (prefix $PFX)"
	for name in "${tests[@]}"; do
		n=$((n + 1))
		# Not `run_test || rc=$?`: inside an || list bash ignores set -e,
		# down into every subshell, and the tests rely on it.
		run_test "$n" "$name"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
		elif [ "$rc" -eq "$SKIP_RC" ]; then
			skipped=$((skipped + 1))
		else
			failed=$((failed + 1))
		fi
	done

	if [ "$skipped" -gt 0 ] && [ "${XG_SKIP_IS_FAIL:-0}" = 1 ]; then
		echo "$skipped test(s) skipped, and skips count as failures here (CI or XG_SKIP_IS_FAIL=1)"
		failed=$((failed + skipped))
		skipped=0
	fi
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
}

main "$@"
