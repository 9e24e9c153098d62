#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# xdp-guard under the libxdp dispatcher: the tests run inside the VM (see
# run.sh and init.sh), as root, on the host's programs shared over 9p.
#
#   guest-tests.sh [TEST...]   run the named tests, or all of them
#
# Every test builds its own veth pair and namespace (setup_pair in lib.sh)
# and attaches to the end in the root namespace.  The other program in the
# chain is xdp_next (xdp_next.bpf.c): priority 50, and a per-source count
# of the echo requests that reach it.
#
# test_loader_* need only xdp-loader and the BPF object; test_cli_* use the
# real CLI (guard-loader/xdp-guard), always on the test's own pin path.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- xdp-loader and the BPF object ------------------------------------

# The guard's own XDP_RUN_CONFIG (priority 5) puts it before a program of
# libxdp's default priority, whichever is loaded first.
test_loader_chain_order() {
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	step xdp-loader load -m skb -p "$GUARD_PIN" "$HOST_IF" "$GUARD_OBJ"
	expect_eq "chain, guard loaded second" "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher skb | xdp_guard 5 | xdp_next 50"
	step xdp-loader unload --all "$HOST_IF"

	step xdp-loader load -m skb -p "$GUARD_PIN" "$HOST_IF" "$GUARD_OBJ"
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	expect_eq "chain, guard loaded first" "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher skb | xdp_guard 5 | xdp_next 50"
}

# ---- the CLI ------------------------------------------------------------

# Requirement 1: `xdp-guard load` on an interface that already has a libxdp
# program joins the dispatcher, in front of it, and says where it went.
test_cli_load_joins_chain() {
	local out
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	out=$(xg load --mode skb "$HOST_IF")
	echo "$out"
	expect_match "load's report" "$out" \
		"loaded on $HOST_IF: skb mode, through the libxdp dispatcher, priority 5, position 1 of 2"
	expect_eq chain "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher skb | xdp_guard 5 | xdp_next 50"
}

# Requirements 2, 3 and 7: the guard loaded by xdp-loader next to another
# program, a source blocked with the CLI on the same pin path.  The blocked
# source's pings are dropped in the dispatcher and never reach xdp_next;
# the other source's pass the guard and reach it; the guard counts both.
cli_block() {
	local mode=$1 a0 b0 pass0 block0
	setup_pair
	step xdp-loader load --mode "$mode" --pin-path "$GUARD_PIN" "$HOST_IF" "$GUARD_OBJ"
	step xdp-loader load --mode "$mode" --pin-path "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	expect_eq chain "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher $mode | xdp_guard 5 | xdp_next 50"
	step ping_from "$SRC_B"
	expect_ge "echo requests from $SRC_B at xdp_next before the block" \
		"$(next_count "$SRC_B")" "$PINGS"

	step xg block "$SRC_B"
	a0=$(next_count "$SRC_A") b0=$(next_count "$SRC_B")
	pass0=$(guard_counter pass) block0=$(guard_counter block)
	step ping_from "$SRC_A"
	step_fails ping_from "$SRC_B"
	expect_ge "new echo requests from $SRC_A at xdp_next" \
		$(($(next_count "$SRC_A") - a0)) "$PINGS"
	expect_eq "echo requests from blocked $SRC_B at xdp_next" \
		"$(next_count "$SRC_B")" "$b0"
	expect_ge "guard's pass counter" $(($(guard_counter pass) - pass0)) "$PINGS"
	expect_ge "guard's block counter" $(($(guard_counter block) - block0)) "$PINGS"
}

test_cli_block_skb() {
	cli_block skb
}

test_cli_block_native() {
	cli_block native
}

# Requirement 7 with the CLI doing the load: both modes on veth, through
# the dispatcher, and blocking works.  The blocklist stays at the pin path
# across the unload.
test_cli_load_modes() {
	local mode
	setup_pair
	for mode in native skb; do
		step xdp-loader load -m "$mode" -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
		step xg load --mode "$mode" "$HOST_IF"
		[ "$mode" != native ] || step xg block "$SRC_B"
		expect_eq "$mode: chain" "$(xdp_chain_line "$HOST_IF")" \
			"xdp_dispatcher $mode | xdp_guard 5 | xdp_next 50"
		expect_eq "$mode: status mode and attach" \
			"$(guard_iface '.mode + " " + .attach')" "$mode dispatcher"
		step ping_from "$SRC_A"
		step_fails ping_from "$SRC_B"
		step xdp-loader unload --all "$HOST_IF"
	done
}

# Requirement 4, one way: unloading the guard leaves the other program
# attached and seeing traffic, the formerly blocked source's too.
test_cli_unload_keeps_other() {
	local b0
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	step xg load --mode skb "$HOST_IF"
	step xg block "$SRC_B"
	step_fails ping_from "$SRC_B"
	b0=$(next_count "$SRC_B")

	step xg unload "$HOST_IF"
	expect_match "chain after unloading the guard" "$(xdp_chain_line "$HOST_IF")" \
		"^xdp_dispatcher skb \| xdp_next 50$"
	step ping_from "$SRC_B"
	expect_ge "echo requests from $SRC_B at xdp_next after the unload" \
		$(($(next_count "$SRC_B") - b0)) "$PINGS"
}

# Requirement 4, the other way: unloading the other program leaves the
# guard attached and dropping.
test_cli_other_unload_keeps_guard() {
	local id block0
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	step xg load --mode skb "$HOST_IF"
	step xg block "$SRC_B"
	id=$(xdp_prog_id "$HOST_IF" xdp_next)
	[ -n "$id" ] || fail "xdp_next not found on $HOST_IF"

	step xdp-loader unload -i "$id" "$HOST_IF"
	expect_match "chain after unloading xdp_next" "$(xdp_chain_line "$HOST_IF")" \
		"^xdp_dispatcher skb \| xdp_guard 5$"
	block0=$(guard_counter block)
	step ping_from "$SRC_A"
	step_fails ping_from "$SRC_B"
	expect_ge "guard's block counter" $(($(guard_counter block) - block0)) "$PINGS"
}

# Requirement 5: status, as text and as JSON, shows the dispatcher, the
# guard's priority and position, and its neighbour.
test_cli_status() {
	local text id
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	step xg load --mode skb "$HOST_IF"
	id=$(xdp_prog_id "$HOST_IF" xdp_next)

	text=$(xg status)
	echo "$text"
	expect_match "status line" "$text" \
		"$HOST_IF +skb +dispatcher +priority 5 +position 1 of 2"
	expect_match "neighbour line" "$text" "2\\. xdp_next \\(priority 50, id $id\\)"

	expect_eq "status --json" "$(guard_iface '[.mode, .attach, .priority, .position,
			(.programs[] | [.position, .name, .priority, .guard])] |
			flatten | join(" ")')" \
		"skb dispatcher 5 1 1 xdp_guard 5 true 2 xdp_next 50 false"
}

# Requirement 6, with the CLI's priority: --priority 60 puts the guard
# after xdp_next (50).  Then a blocked source's pings reach xdp_next before
# the guard drops them: the order is real, not just reported.
test_cli_priority_guard() {
	local b0
	setup_pair
	step xdp-loader load -m skb -p "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	step xg load --mode skb --priority 60 "$HOST_IF"
	expect_eq chain "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher skb | xdp_next 50 | xdp_guard 60"
	expect_eq "status priority and position" \
		"$(guard_iface '[.priority, .position] | join(" ")')" \
		"60 2"

	step xg block "$SRC_B"
	b0=$(next_count "$SRC_B")
	step_fails ping_from "$SRC_B"
	expect_ge "echo requests from blocked $SRC_B at xdp_next, which runs first" \
		$(($(next_count "$SRC_B") - b0)) "$PINGS"
}

# Requirement 6, with xdp-loader's priority: --prio 1 puts the other
# program in front of the guard.
test_cli_priority_other() {
	setup_pair
	step xg load --mode skb "$HOST_IF"
	step xdp-loader load --mode skb --prio 1 --pin-path "$NEXT_PIN" "$HOST_IF" "$NEXT_OBJ"
	expect_eq chain "$(xdp_chain_line "$HOST_IF")" \
		"xdp_dispatcher skb | xdp_next 1 | xdp_guard 5"
	expect_eq "status priority, position, first program" \
		"$(guard_iface '[.priority, .position, .programs[0].name,
			.programs[0].priority] | join(" ")')" \
		"5 2 xdp_next 1"
}

# ---- main ---------------------------------------------------------------

if [ "${1:-}" = --one ]; then
	run_one "$2"
	exit 0
fi

echo "XG-VM $(dpkg-query -W xdp-tools libxdp1 | paste -sd ' ')"
if ! mountpoint -q /sys/fs/bpf; then
	echo "XG-VM-ERROR no bpffs at /sys/fs/bpf"
	exit 2
fi
for f in "$GUARD_OBJ" "$NEXT_OBJ"; do
	[ -f "$f" ] || { echo "XG-VM-ERROR ${f#"$XG_TREE"/} is not built: run make"; exit 2; }
done
run_tests "${BASH_SOURCE[0]}" "$@"
