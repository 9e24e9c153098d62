#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# How much of the verifier's budget (1M instructions) the XDP program takes
# on the running kernel: prints the verifier's "processed N insns" line.
#
#   bash scripts/verifier-insns.sh [OBJECT]   (default guard-bpf/xdp_guard.bpf.o)
#
# bpftool pins the object's maps by name under /sys/fs/bpf when it loads
# it, beside whatever is there.  So the load runs in a mount namespace of
# its own, on a fresh bpffs mounted over /sys/fs/bpf: the pins, and the
# program, go away with it.  Needs root and bpftool.
set -eu
obj=${1:-"$(dirname "$0")/../guard-bpf/xdp_guard.bpf.o"}
[ -r "$obj" ] || { echo "verifier-insns: no $obj (run make first)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "verifier-insns: bpftool is not installed" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private sh -c '
	mount -t bpf bpf /sys/fs/bpf &&
	bpftool -d prog load "$1" /sys/fs/bpf/xg-verifier-insns type xdp' sh "$obj" >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; echo "verifier-insns: the load failed" >&2; exit 1; }
grep -E '^processed [0-9]+ insns' "$log"
