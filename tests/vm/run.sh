#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host side of the VM tests: boot each kernel of kernels.conf under qemu
# and run guest-tests.sh inside it.  See README.md in this folder.
#
#   run.sh [-k KERNELS] [-t TESTS] check   run the tests on each kernel
#   run.sh [-k KERNEL] shell               interactive shell in a guest
#   run.sh [-k KERNELS] fetch              fetch and unpack kernels only
#
# KERNELS and TESTS are lists (spaces or commas) of kernel labels from
# kernels.conf and of test names (with or without the test_ prefix).
# Environment:
#   XG_VM_CACHE    kernel cache, default /var/cache/xdp-guard-vm
#   XG_VM_TIMEOUT  seconds one kernel may take, boot included; default 900
#   XG_VM_BUSYBOX  static busybox for the initramfs, default /bin/busybox
#   V=1            show the guest's whole console, not just test results
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$(cd "$HERE/../.." && pwd)
CACHE=${XG_VM_CACHE:-/var/cache/xdp-guard-vm}
BUILD=$HERE/build
TIMEOUT=${XG_VM_TIMEOUT:-900}
BUSYBOX=${XG_VM_BUSYBOX:-/bin/busybox}
GUEST_SCRIPT=$HERE/guest-tests.sh
# What the guest must load, by module name; their dependencies are found
# from each module's own "depends=" and loaded first.  Whatever a kernel
# has built in (virtio on 6.12, say) is skipped.
WANT_MODULES="virtio_pci 9pnet_virtio 9p veth"

die() {
	echo "vmtest: error: $*" >&2
	exit 2
}

usage() {
	sed -n '7,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

need() {
	command -v "$1" >/dev/null ||
		die "$1 not found: install the Debian package $2 (scripts/install-deps.sh does)"
}

check_tools() {
	need qemu-system-x86_64 qemu-system-x86
	need apt-get apt
	need apt-cache apt
	need dpkg-deb dpkg
	need xz xz-utils
	need gzip gzip
	need timeout coreutils
	need flock util-linux
	# The guest runs the host's own programs from the 9p root, so what
	# the tests use must be installed here.
	need xdp-loader xdp-tools
	need bpftool bpftool
	need ip iproute2
	need ping iputils-ping
	need jq jq
	need setsid util-linux
	[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: install the Debian package busybox-static"
	# A dynamically linked busybox (package busybox) cannot run from the
	# initramfs, which holds no libraries.
	# (ldd fails for a static binary, so look at its words, not its status.)
	if [[ $(LC_ALL=C ldd "$BUSYBOX" 2>&1) != *"not a dynamic executable"* ]]; then
		die "$BUSYBOX is dynamically linked: install the Debian package busybox-static"
	fi
	# -virtfs splits its options at commas and the kernel command line at
	# spaces, so the tree's path can contain neither.
	case $TREE in
	*[,[:space:]]*) die "the build tree's path '$TREE' contains a comma or white space" ;;
	esac
}

# The kernel matrix, filtered by -k: parallel arrays LABELS and METAS.
read_matrix() {
	local want=" ${1//,/ } " label meta known=""
	LABELS=() METAS=()
	while read -r label meta; do
		case $label in '' | '#'*) continue ;; esac
		known="$known $label"
		if [ -z "${1:-}" ] || [[ $want == *" $label "* ]]; then
			LABELS+=("$label") METAS+=("$meta")
		fi
	done <"$HERE/kernels.conf"
	for label in $want; do
		[[ " $known " == *" $label "* ]] ||
			die "unknown kernel '$label'; kernels.conf has:$known"
	done
	[ ${#LABELS[@]} -gt 0 ] || die "no kernel selected"
}

# Every requested test must exist in the guest script: better to learn of
# a typo now than after a boot.
check_tests() {
	local t
	for t in ${1//,/ }; do
		grep -q "^test_${t#test_}()" "$GUEST_SCRIPT" ||
			die "no test '$t' in ${GUEST_SCRIPT#"$TREE"/}"
	done
}

# The real linux-image-* package behind a meta package, from the local apt
# lists.  Prints nothing if apt does not know the meta package.
resolve_meta() {
	apt-cache depends "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

decompress() {
	case $1 in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# Module name -> file, over the unpacked package; modules.dep is made by
# depmod at install time, so the package itself has none.
declare -A MODFILE BUILTIN SEEN
index_modules() {
	local moddir=$1 f name
	MODFILE=() BUILTIN=() SEEN=()
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%%.ko*}
		MODFILE[${name//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko*')
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%.ko}
		BUILTIN[${name//-/_}]=1
	done <"$moddir/modules.builtin"
}

# Copy module $1 and, first, its dependencies into $2/modules as plain .ko
# (busybox insmod reads no compressed modules), appending to the load order
# in $2/modules.order.
add_module() {
	local name=${1//-/_} out=$2 deps dep
	[ -z "${SEEN[$name]:-}" ] || return 0
	SEEN[$name]=1
	[ -z "${BUILTIN[$name]:-}" ] || return 0
	[ -n "${MODFILE[$name]:-}" ] || {
		echo "vmtest: module $name is neither a module nor built in" >&2
		return 1
	}
	decompress "${MODFILE[$name]}" >"$out/modules/$name.ko" || {
		echo "vmtest: cannot decompress ${MODFILE[$name]##*/}" >&2
		return 1
	}
	deps=$(tr '\0' '\n' <"$out/modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
	for dep in ${deps//,/ }; do
		add_module "$dep" "$out" || return 1
	done
	echo "$name" >>"$out/modules.order"
}

# Unpack from $1 (a .deb) into $2/out the kernel and the modules the guest
# needs: vmlinuz, release, modules/*.ko, modules.order.  Runs where
# `set -e` does not (under `if`), hence a `|| return` on every step.
unpack_into() {
	local deb=$1 tmp=$2 moddir m
	mkdir -p "$tmp/out/modules" || return 1
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot ./lib/modules || return 1
	moddir=$(echo "$tmp"/lib/modules/*)
	cp "$tmp"/boot/vmlinuz-* "$tmp/out/vmlinuz" || return 1
	echo "${moddir##*/}" >"$tmp/out/release" || return 1
	index_modules "$moddir" || return 1
	for m in $WANT_MODULES; do
		add_module "$m" "$tmp/out" || return 1
	done
	# Remember what it was unpacked for: changing WANT_MODULES re-unpacks.
	echo "$WANT_MODULES" >"$tmp/out/.complete"
}

# Unpack $1 into the cache as $2, replacing it only once all went well.
unpack_kernel() {
	local deb=$1 dest=$2 tmp rc=0
	tmp=$(mktemp -d "$CACHE/kernels/.unpack.XXXXXX") || return 1
	if unpack_into "$deb" "$tmp"; then
		rm -rf "$dest" && mv "$tmp/out" "$dest" || rc=1
	else
		rc=1
	fi
	rm -rf "$tmp"
	return $rc
}

# Make sure the kernel behind meta package $2 is in the cache.  Sets KPKG
# and KDIR.  A kernel that cannot be had is reported loudly, and the caller
# counts it as a failure.
fetch_kernel() {
	local label=$1 meta=$2 deb
	KPKG=$(resolve_meta "$meta")
	if [ -z "$KPKG" ]; then
		echo "vmtest: [$label] CANNOT FETCH: apt does not know $meta (run apt-get update?)" >&2
		return 1
	fi
	KDIR=$CACHE/kernels/$KPKG
	if [ "$(cat "$KDIR/.complete" 2>/dev/null)" = "$WANT_MODULES" ]; then
		return 0
	fi
	mkdir -p "$CACHE/debs" "$CACHE/kernels" ||
		die "cannot create the kernel cache $CACHE: set XG_VM_CACHE to a writable directory"
	# Two runs sharing the cache must not download over each other.
	exec 9>"$CACHE/.lock"
	flock 9
	deb=$(find "$CACHE/debs" -name "${KPKG}_*.deb" | sort -V | tail -n 1)
	if [ -z "$deb" ]; then
		echo "vmtest: [$label] downloading $KPKG (for $meta) into $CACHE/debs"
		# As root apt-get hands downloads to the _apt user, which may not
		# be able to write the cache; it would fall back to root anyway,
		# with a warning.
		if ! (cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$KPKG"); then
			echo "vmtest: [$label] CANNOT FETCH: apt-get download $KPKG failed" >&2
			exec 9>&-
			return 1
		fi
		deb=$(find "$CACHE/debs" -name "${KPKG}_*.deb" | sort -V | tail -n 1)
	fi
	echo "vmtest: [$label] unpacking ${deb##*/}"
	if ! unpack_kernel "$deb" "$KDIR"; then
		echo "vmtest: [$label] CANNOT UNPACK $deb" >&2
		exec 9>&-
		return 1
	fi
	exec 9>&-
}

# initramfs: static busybox, init.sh as /init, the modules and their order.
make_initramfs() {
	local label=$1 stage=$BUILD/$1/initramfs
	rm -rf "$stage"
	mkdir -p "$stage/bin"
	cp "$BUSYBOX" "$stage/bin/busybox"
	cp "$HERE/init.sh" "$stage/init"
	chmod 0755 "$stage/init"
	cp -r "$KDIR/modules" "$KDIR/modules.order" "$stage/"
	(cd "$stage" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$BUILD/$label/initramfs.cpio.gz"
}

# qemu's arguments for kernel $KDIR with extra kernel parameters $1.
qemu_args() {
	local virtfs=security_model=none,readonly=on,multidevs=remap
	QEMU_ARGS=(
		-accel "tcg,thread=multi" -cpu max -m 1024 -smp 2
		-nographic -no-reboot -nic none
		-kernel "$KDIR/vmlinuz" -initrd "$BUILD/$LABEL/initramfs.cpio.gz"
		-virtfs "local,path=/,mount_tag=hostroot,$virtfs"
		-virtfs "local,path=$TREE,mount_tag=buildtree,$virtfs"
		-append "console=ttyS0 panic=-1 quiet xg.tree=$TREE xg.script=$GUEST_SCRIPT $1"
	)
}

# Echo the guest's protocol lines as they arrive, the rest only with V=1;
# keep everything in the log.
show_console() {
	local label=$1 log=$2 line verdict name secs
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		case $line in
		"XG-TEST "*)
			read -r _ verdict name secs <<<"$line"
			printf '[%s] %-5s %s (%s s)\n' "$label" "$verdict" "$name" "$secs"
			;;
		"XG-OUT "*) printf '[%s]   | %s\n' "$label" "${line#XG-OUT }" ;;
		"XG-VM-ERROR "*) printf '[%s] ERROR: %s\n' "$label" "${line#XG-VM-ERROR }" ;;
		"XG-VM "*) printf '[%s] %s\n' "$label" "${line#XG-VM }" ;;
		"XG-VM-EXIT "*) ;;
		*) [ "${V:-0}" = 0 ] || printf '[%s] console: %s\n' "$label" "$line" ;;
		esac
	done
}

# Boot kernel $LABEL ($KDIR) and run the tests; sets K_PASSED, K_FAILED.
run_kernel() {
	local tests=$1 log=$BUILD/$LABEL/console.log rc=0 status
	rm -f "$log"
	make_initramfs "$LABEL"
	qemu_args "xg.tests=${tests// /,}"
	# sed: the firmware and the kernel clear the screen with escape
	# sequences, which would hide the markers from show_console.
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}" </dev/null 2>&1 |
		sed -u 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[c78]//g; s/\r$//' |
		show_console "$LABEL" "$log" || rc=$?
	K_PASSED=$(grep -c '^XG-TEST PASS ' "$log" || true)
	K_FAILED=$(grep -c '^XG-TEST FAIL ' "$log" || true)
	status=$(sed -n 's/^XG-VM-EXIT \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	# Kernel warnings are not our verdict to give, but nobody should have
	# to dig them out of the log.
	grep -E '(BUG|WARNING):|Oops|Call Trace' "$log" | sed "s/^/[$LABEL] kernel: /" || true
	if [ -z "$status" ]; then
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "[$LABEL] ERROR: no result after ${TIMEOUT}s (XG_VM_TIMEOUT), qemu killed; console tail:"
		elif [ "$rc" -gt 128 ]; then
			echo "[$LABEL] ERROR: qemu was killed by SIG$(kill -l $((rc - 128))) before the guest reported; console tail:"
		else
			echo "[$LABEL] ERROR: the guest ended without a result (qemu status $rc); console tail:"
		fi
		tail -n 30 "$log" | sed "s/^/[$LABEL]   | /"
		[ "$K_FAILED" -gt 0 ] || K_FAILED=1
	elif [ "$status" != 0 ] && [ "$K_FAILED" = 0 ]; then
		# The script failed outside any test: a setup error, shown above.
		K_FAILED=1
	elif [ $((K_PASSED + K_FAILED)) = 0 ]; then
		echo "[$LABEL] ERROR: no test ran"
		K_FAILED=1
	fi
	echo "[$LABEL] console log: ${log#"$TREE"/}"
}

cmd_check() {
	local i start secs total_p=0 total_f=0 verdict
	local -a summary=()
	check_tests "$TESTS"
	for i in "${!LABELS[@]}"; do
		LABEL=${LABELS[$i]}
		echo "=== vm $LABEL: ${METAS[$i]}"
		start=$(date +%s)
		if ! fetch_kernel "$LABEL" "${METAS[$i]}"; then
			K_PASSED=0 K_FAILED=1
			KPKG="${KPKG:-${METAS[$i]}} (not fetched)"
		else
			echo "[$LABEL] $KPKG, $(cat "$KDIR/release")"
			mkdir -p "$BUILD/$LABEL"
			run_kernel "$TESTS"
		fi
		secs=$(($(date +%s) - start))
		verdict=PASS
		[ "$K_FAILED" = 0 ] || verdict=FAIL
		echo "=== vm $LABEL: $verdict, $K_PASSED passed, $K_FAILED failed, ${secs} s"
		summary+=("$(printf '%-5s %s  %3d passed, %d failed  %4d s  %s' \
			"$LABEL" "$verdict" "$K_PASSED" "$K_FAILED" "$secs" "$KPKG")")
		total_p=$((total_p + K_PASSED)) total_f=$((total_f + K_FAILED))
	done
	echo "=== vm summary"
	printf '  %s\n' "${summary[@]}"
	echo "$total_p passed, $total_f failed"
	[ "$total_f" = 0 ]
}

cmd_shell() {
	LABEL=${LABELS[0]}
	[ ${#LABELS[@]} = 1 ] || echo "vmtest: several kernels selected; using $LABEL"
	fetch_kernel "$LABEL" "${METAS[0]}" || exit 1
	mkdir -p "$BUILD/$LABEL"
	make_initramfs "$LABEL"
	qemu_args "xg.mode=shell"
	echo "vmtest: booting $KPKG; 'exit' in the guest powers it off, Ctrl-A x kills qemu"
	exec qemu-system-x86_64 "${QEMU_ARGS[@]}"
}

cmd_fetch() {
	local i failed=0
	for i in "${!LABELS[@]}"; do
		if fetch_kernel "${LABELS[$i]}" "${METAS[$i]}"; then
			echo "vmtest: [${LABELS[$i]}] $KPKG ready in $KDIR"
		else
			failed=1
		fi
	done
	return $failed
}

KERNELS=${KERNEL:-} TESTS=${TESTS:-}
while getopts k:t:h opt; do
	case $opt in
	k) KERNELS=$OPTARG ;;
	t) TESTS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || usage

check_tools
read_matrix "$KERNELS"
case $1 in
check) cmd_check ;;
shell) cmd_shell ;;
fetch) cmd_fetch ;;
*) usage ;;
esac
