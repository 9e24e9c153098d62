#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# xdp-guard on a kernel that refuses libxdp's dispatcher (freplace), such
# as the 6.18 development machines: run on the host, as root.
#
#   host-fallback.sh [TEST...]   run the named tests, or all of them
#
# On such a kernel libxdp attaches one program directly.  xdp-guard must
# say so in one line, a second program must get libxdp's own error, and
# status must report the direct attachment.  The first test checks the
# premise: on a kernel where xdp-loader builds a dispatcher these tests
# cannot test anything, and they fail instead of passing vacuously.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIBXDP_NO_DISPATCHER="Existing program is not using a dispatcher, can't replace; unload first"

test_host_kernel_refuses_dispatcher() {
	local chain
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	chain=$(xdp_chain_line "$HOST_IF")
	[ "$chain" = "xdp_next skb" ] ||
		fail "xdp-loader attached '$chain': this kernel runs libxdp's dispatcher, so the fallback cannot be tested here (the VM tests cover the dispatcher)"
	echo "ok: xdp-loader attached xdp_next directly"
}

# One line on stdout, nothing on stderr, in both modes.
test_host_load_falls_back() {
	local mode out err
	setup_pair
	err=$(mktemp)
	defer rm -f "$err"
	for mode in native skb; do
		out=$(xg load --mode "$mode" "$HOST_IF" 2>"$err")
		echo "$out"
		cat "$err"
		expect_eq "$mode: lines printed by load" "$(wc -l <<<"$out")" 1
		expect_eq "$mode: stderr of load" "$(cat "$err")" ""
		expect_match "$mode: load's report" "$out" \
			"^xdp-guard loaded on $HOST_IF: $mode mode, attached directly, because this kernel cannot run libxdp's dispatcher"
		expect_eq "$mode: what xdp-loader sees" "$(xdp_chain_line "$HOST_IF")" "xdp_guard $mode"
		step xg unload "$HOST_IF"
	done
}

# A libxdp program arriving after the guard gets libxdp's error; the guard
# stays, alone, and keeps dropping.
test_host_second_program_refused() {
	local out
	setup_pair
	step xg load --mode skb "$HOST_IF"
	step xg block "$SRC_B"
	echo "+ (must fail) xdp-loader load -m skb $HOST_IF $NEXT_OBJ"
	if out=$(xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ" 2>&1); then
		fail "xdp-loader attached a second program: $out"
	fi
	echo "$out"
	expect_match "xdp-loader's error" "$out" "libxdp: $LIBXDP_NO_DISPATCHER"
	expect_eq "what stays attached" "$(xdp_chain_line "$HOST_IF")" "xdp_guard skb"
	step ping_from "$SRC_A"
	step_fails ping_from "$SRC_B"
}

# The other order: a program attached directly first, then xdp-guard load,
# which refuses and changes nothing.
test_host_load_beside_direct_program_refused() {
	local out
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	echo "+ (must fail) xg load --mode skb $HOST_IF"
	if out=$(xg load --mode skb "$HOST_IF" 2>&1); then
		fail "xdp-guard load succeeded: $out"
	fi
	echo "$out"
	expect_match "xdp-guard's error" "$out" \
		"already runs XDP program 'xdp_next' .*attached without libxdp's dispatcher.*nothing was changed"
	expect_eq "what stays attached" "$(xdp_chain_line "$HOST_IF")" "xdp_next skb"
}

test_host_status_direct() {
	local text
	setup_pair
	step xg load --mode skb "$HOST_IF"
	text=$(xg status)
	echo "$text"
	expect_match "status line" "$text" "$HOST_IF +skb +direct +priority 5 +position 1 of 1"
	expect_eq "status --json" "$(guard_iface '[.mode, .attach, .priority, .position,
		(.programs[] | [.name, .guard])] | flatten | join(" ")')" \
		"skb direct 5 1 xdp_guard true"
}

# ---- main ---------------------------------------------------------------

if [ "${1:-}" = --one ]; then
	run_one "$2"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "host-fallback: run as root" >&2; exit 2; }
for f in "$NEXT_OBJ" "$XG_CLI"; do
	[ -e "$f" ] || { echo "host-fallback: ${f#"$XG_TREE"/} is not built: run make" >&2; exit 2; }
done
# A fresh machine may have no bpffs mounted; the CLI and libxdp need one.
if ! mountpoint -q /sys/fs/bpf; then
	echo "host-fallback: mounting bpffs on /sys/fs/bpf"
	mount -t bpf bpf /sys/fs/bpf || exit 2
fi
echo "host-fallback: kernel $(uname -r)"
# The results in the form people read; run_tests writes them for run.sh.
# pipefail: the script's status is run_tests'.
set -o pipefail
run_tests "${BASH_SOURCE[0]}" "$@" |
	sed -u 's/^XG-TEST \([A-Z]*\) \([^ ]*\) \([0-9]*\)$/\1  \2 (\3 s)/; s/^XG-OUT /  | /; s/^XG-VM tests: //'
