# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the benchmark scripts (run.sh, accuracy.sh, rounds.sh): what a
# run must undo, and the cleanup that undoes it on every way out, Ctrl-C
# included; and, for run.sh and rounds.sh, the work folder with its bpffs
# and the veth pairs between namespaces.  The sourcing script sets LOG_TAG
# first, then fills WORK, BPFFS, PIDS and NAMESPACES as it creates things.

WORK=
BPFFS=
PIDS=()
NAMESPACES=()

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }

cleanup() {
	local pid ns
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Deleting a namespace deletes its veths, which detaches their XDP
	# programs, and its nftables tables.
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# Unmounting the private bpffs drops every pin made there.
	if [ -n "$BPFFS" ] && mountpoint -q "$BPFFS"; then
		umount "$BPFFS" || log "could not unmount $BPFFS"
	fi
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted; cleaning up"; exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1; }

# WORK, a temporary folder named for TAG, with BPFFS, a bpffs of our own,
# mounted in it: pins there are visible under `ip netns exec` (which
# hides /sys/fs/bpf), are nobody else's, and vanish with the unmount in
# cleanup().
work_setup() { # TAG
	WORK=$(mktemp -d "/tmp/xdp-guard-$1.XXXXXX") || exit 1
	BPFFS="$WORK/bpffs"
	mkdir "$BPFFS"
	if ! mount -t bpf bpf "$BPFFS"; then
		echo "$1: cannot mount a bpffs" >&2
		exit 1
	fi
	# libxdp (under xdp-guard and xdp-filter) keeps its own state there
	# too, instead of /sys/fs/bpf/xdp.
	export LIBXDP_BPFFS="$BPFFS"
	# The lockout check of `xdp-guard block` refuses lists that cover the
	# SSH client.  Our state is attached only to our own veths, so it
	# cannot lock anyone out, and the result must not depend on where the
	# operator logged in from.
	unset SSH_CONNECTION SSH_CLIENT
}

# A veth pair, addressed and up, between two namespaces that exist:
# NS_A DEV_A MAC_A IP_A NS_B DEV_B MAC_B IP_B.
veth_pair() {
	local nsa=$1 deva=$2 maca=$3 ipa=$4 nsb=$5 devb=$6 macb=$7 ipb=$8

	ip link add "$deva" netns "$nsa" address "$maca" type veth \
		peer name "$devb" netns "$nsb" address "$macb" || exit 1
	ip -n "$nsa" addr add "$ipa/24" dev "$deva"
	ip -n "$nsb" addr add "$ipb/24" dev "$devb"
	ip -n "$nsa" link set "$deva" up
	ip -n "$nsb" link set "$devb" up
}

# A veth pair between two new namespaces, with GRO on: the arguments of
# veth_pair.  Either namespace may exist already.
make_link() {
	local nsa=$1 deva=$2 nsb=$5 devb=$6 ns
	for ns in "$nsa" "$nsb"; do
		[[ " ${NAMESPACES[*]} " == *" $ns "* ]] && continue
		ip netns add "$ns" || exit 1
		NAMESPACES+=("$ns")
		ip -n "$ns" link set lo up
	done
	veth_pair "$@"
	# Frames sent with XDP_TX reach a veth only if it runs XDP or has
	# GRO on; GRO on everywhere keeps the no-XDP receivers reachable
	# and every receiver on the same footing.
	ip netns exec "$nsb" ethtool -K "$devb" gro on >/dev/null
	ip netns exec "$nsa" ethtool -K "$deva" gro on >/dev/null
}
