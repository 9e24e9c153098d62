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
