# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared by the benchmark scripts (run.sh, accuracy.sh): what a run must
# undo, and the cleanup that undoes it on every way out, Ctrl-C included.
# The sourcing script sets LOG_TAG first, then fills WORK, BPFFS, PIDS and
# NAMESPACES as it creates things.

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
