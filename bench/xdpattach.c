// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpattach: attach the one XDP program of an object to an interface of
 * the current network namespace in native mode, or detach what is there.
 *
 *   xdpattach IFACE OBJECT [PINDIR]
 *   xdpattach IFACE off
 *
 * For the benchmark's bare baselines.  `ip link set ... xdp obj` would do,
 * but iproute2 creates folders in the first bpffs it finds, which under
 * `ip netns exec` may be anyone's.  Without PINDIR this touches no bpffs
 * at all: every map is private.  With PINDIR, maps that ask to be pinned
 * by name are pinned there, or reused if they already are, so that a
 * program can be attached to state prepared beforehand.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "util.h"

const char *progname = "xdpattach";

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int ifindex, err;

	LIBBPF_OPTS(bpf_object_open_opts, opts);

	if (argc != 3 && argc != 4)
		return die("usage: xdpattach IFACE OBJECT [PINDIR] | xdpattach IFACE off");
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex)
		return die("no interface %s here", argv[1]);
	if (!strcmp(argv[2], "off")) {
		err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
		return err ? die("cannot detach from %s: %s", argv[1], strerror(-err)) : 0;
	}

	libbpf_set_print(quiet_libbpf);
	opts.pin_root_path = argc == 4 ? argv[3] : NULL;
	obj = bpf_object__open_file(argv[2], &opts);
	if (!obj)
		return die("cannot open %s: %s", argv[2], strerror(errno));
	if (argc == 3)
		bpf_object__for_each_map(map, obj)
			bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err)
		return die("cannot load %s: %s", argv[2], strerror(-err));
	prog = bpf_object__next_program(obj, NULL);
	if (!prog)
		return die("%s holds no program", argv[2]);
	/* The attachment outlives this process: it belongs to the device. */
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		return die("cannot attach to %s: %s", argv[1], strerror(-err));
	bpf_object__close(obj);
	return 0;
}
