// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpattach: attach the one XDP program of an object to an interface of
 * the current network namespace in native mode, or detach what is there.
 *
 *   xdpattach [--src-add ADDR]... IFACE OBJECT [PINDIR]
 *   xdpattach IFACE off
 *
 * For the benchmark's bare baselines.  `ip link set ... xdp obj` would do,
 * but iproute2 creates folders in the first bpffs it finds, which under
 * `ip netns exec` may be anyone's.  Without PINDIR this touches no bpffs
 * at all: every map is private.  With PINDIR, maps that ask to be pinned
 * by name are pinned there, or reused if they already are, so that a
 * program can be attached to state prepared beforehand.
 *
 * --src-add puts an IPv4 address into the source list of the floor
 * (floor.bpf.c) or the least filter (least.bpf.c) once it is loaded,
 * before it is attached: the map is private, so nothing else could fill
 * it.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "util.h"

const char *progname = "xdpattach";

#define MAX_ADDS 8

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src-add", required_argument, NULL, 'a' },
		{ 0 }
	};
	const char *usage = "usage: xdpattach [--src-add ADDR]... IFACE OBJECT [PINDIR] | "
			    "xdpattach IFACE off";
	const char *add[MAX_ADDS], *iface, *path;
	unsigned int nadd = 0;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int ifindex, err, c, nargs;

	LIBBPF_OPTS(bpf_object_open_opts, opts);

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'a')
			return die("%s", usage);
		if (nadd == MAX_ADDS)
			return die("at most %d --src-add", MAX_ADDS);
		add[nadd++] = optarg;
	}
	nargs = argc - optind;
	if (nargs != 2 && nargs != 3)
		return die("%s", usage);
	iface = argv[optind];
	path = argv[optind + 1];
	ifindex = if_nametoindex(iface);
	if (!ifindex)
		return die("no interface %s here", iface);
	if (!strcmp(path, "off")) {
		err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
		return err ? die("cannot detach from %s: %s", iface, strerror(-err)) : 0;
	}

	libbpf_set_print(quiet_libbpf);
	opts.pin_root_path = nargs == 3 ? argv[optind + 2] : NULL;
	obj = bpf_object__open_file(path, &opts);
	if (!obj)
		return die("cannot open %s: %s", path, strerror(errno));
	if (nargs == 2)
		bpf_object__for_each_map(map, obj)
			bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err) {
		err = die("cannot load %s: %s", path, strerror(-err));
		goto out;
	}
	for (unsigned int i = 0; i < nadd; i++)
		if (src_add_ipv4(obj, add[i])) {
			err = 1;
			goto out;
		}
	prog = bpf_object__next_program(obj, NULL);
	if (!prog) {
		err = die("%s holds no program", path);
		goto out;
	}
	/* The attachment outlives this process: it belongs to the device,
	 * and holds the program's maps. */
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		err = die("cannot attach to %s: %s", iface, strerror(-err));
out:
	bpf_object__close(obj);
	return err;
}
