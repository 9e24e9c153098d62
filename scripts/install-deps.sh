#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian 12 packages xdp-guard needs to build, test, run the
# demo and the benchmarks.  Installs only what is missing and says what it
# installs.  `--check` lists what is missing and installs nothing.
set -euo pipefail

PACKAGES=(
	# build
	make gcc libc6-dev pkg-config clang llvm bpftool
	libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	# tests
	check mandoc jq iproute2 iputils-ping ethtool python3 util-linux
	bsdextrautils procps
	# the dispatcher tests boot Debian's kernels under qemu
	qemu-system-x86 busybox-static kmod xz-utils
	# xdp-loader, xdp-filter; the demo and the benchmarks
	xdp-tools nftables wrk
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
echo "install-deps: missing: ${missing[*]}"
if [ "${1:-}" = --check ]; then
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root to install them (apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "install-deps: installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
