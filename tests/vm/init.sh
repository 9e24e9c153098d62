#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the VM tests' initramfs (built by run.sh).
#
# The guest has no disk: it borrows the host's / over 9p (read-only), puts
# writable tmpfs over the few places programs write to, mounts the build
# tree from its own 9p share at the same path as on the host, and chroots
# into the result, so the host's xdp-loader, ip, bpftool and our build run
# unchanged.  Kernel command line parameters (all set by run.sh):
#   xg.tree=DIR      the build tree, exported as 9p tag "buildtree"
#   xg.script=FILE   test script to run in the chroot
#   xg.tests=A,B     tests to run (empty: all)
#   xg.mode=shell    interactive shell instead of the script
# Everything ends in one line "XG-VM-EXIT <status>" for the host to parse,
# then poweroff.  Nothing here may exit: if init dies the kernel panics and
# the host sees no marker.

/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t devtmpfs dev /dev
# The initramfs has no /dev/console node (building one needs mknod, i.e.
# root); devtmpfs has it, so take it from there.
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin

finish() {
	echo "XG-VM-EXIT $1"
	poweroff -f
	sleep 10	# poweroff -f returns before the machine is gone
}

fatal() {
	echo "XG-VM-ERROR $*"
	finish 2
}

mount -t proc proc /proc
hostname vmtest

tree='' script='' tests='' mode=run
# The command line is one line of words.
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	xg.tree=*) tree=${arg#xg.tree=} ;;
	xg.script=*) script=${arg#xg.script=} ;;
	xg.tests=*) tests=$(echo "${arg#xg.tests=}" | tr , ' ') ;;
	xg.mode=*) mode=${arg#xg.mode=} ;;
	esac
done
[ -n "$tree" ] || fatal "no xg.tree= on the kernel command line"

# Load order computed on the host from the modules' dependencies.
while read -r mod; do
	insmod "/modules/$mod.ko" || fatal "insmod $mod failed"
done </modules.order

R=/newroot
mkdir -p $R
# msize: 9p's default of 8 KiB makes every exec and library read crawl.
# cache=loose is safe because nothing on the share changes during a run.
p9opts=trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose
mount -t 9p -o $p9opts hostroot $R || fatal "mounting the host's / over 9p failed"
mount -t proc proc $R/proc || fatal "mount proc"
mount -t sysfs sys $R/sys || fatal "mount sysfs"
mount -t devtmpfs dev $R/dev || fatal "mount devtmpfs"
mkdir -p $R/dev/pts && mount -t devpts devpts $R/dev/pts
# What udev would add to /dev; bash's <(...) needs /dev/fd.
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin
ln -s /proc/self/fd/1 $R/dev/stdout
ln -s /proc/self/fd/2 $R/dev/stderr
mount -t bpf bpf $R/sys/fs/bpf || fatal "mount bpffs"
for d in /tmp /run /var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs $R$d || fatal "mount tmpfs on $d"
done
# After the tmpfs mounts: a tree under /tmp on the host (a CI clone, say)
# would otherwise be hidden by the guest's own /tmp.
mkdir -p "$R$tree" || fatal "cannot create $tree in the guest"
mount -t 9p -o $p9opts buildtree "$R$tree" ||
	fatal "mounting the build tree $tree over 9p failed"

echo "XG-VM kernel $(uname -r), build tree $tree"
envs="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TERM=linux XG_VM_KERNEL=$(uname -r)"

if [ "$mode" = shell ]; then
	echo "XG-VM shell: tests are in $script; run it with test names to run a few."
	echo "XG-VM 'exit' powers the guest off; Ctrl-A x kills qemu."
	# setsid -c makes the serial port the shell's controlling terminal,
	# so job control and Ctrl-C work (/dev/console cannot be one).
	tty=$R/dev/ttyS0
	# shellcheck disable=SC2086 # $envs is a list of words
	chroot $R /usr/bin/env -i $envs HISTFILE=/tmp/.bash_history \
		/usr/bin/setsid -c /bin/bash -i <>"$tty" >&0 2>&0
	finish $?
fi

[ -n "$script" ] || fatal "no xg.script= on the kernel command line"
# shellcheck disable=SC2086 # word splitting of $envs and $tests is wanted
chroot $R /usr/bin/env -i $envs /bin/bash "$script" $tests
finish $?
