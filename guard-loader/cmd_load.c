// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp-guard load: attach the guard to interfaces through libxdp.
 *
 * Everything that can be checked is checked on every interface before the
 * first attach, and an attach that fails undoes the ones before it, so a
 * load either happens on every interface named or on none.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "cli.h"
#include "output.h"
#include "xdp_guard.skel.h"

struct load_opts {
	struct common_opts common;
	int mode;
	unsigned int priority;	/* 0: the program's own */
	struct arg_list ifaces;
};

static const struct opt_enum_value mode_values[] = {
	{ "native", XDP_MODE_NATIVE },
	{ "skb", XDP_MODE_SKB },
	{ NULL, 0 },
};

static const struct load_opts load_defaults = {
	.mode = XDP_MODE_NATIVE,
};

static const struct opt_spec load_specs[] = {
	{ .type = OPT_ENUM, .name = "mode", .short_name = 'm',
	  .offset = offsetof(struct load_opts, mode), .metavar = "MODE",
	  .enum_values = mode_values,
	  .help = "XDP mode: native (in the driver, default) or skb (generic)" },
	{ .type = OPT_UINT, .name = "priority", .short_name = 'P',
	  .offset = offsetof(struct load_opts, priority), .metavar = "N",
	  .min = 1, .max = 1000,
	  .help = "run priority in the dispatcher; lower runs first (default 5)" },
	COMMON_OPT_SPECS(struct load_opts),
	{ .type = OPT_ARGS, .name = "IFACE", .required = true,
	  .offset = offsetof(struct load_opts, ifaces) },
	{ 0 }
};

/* Why an interface cannot take the guard; 0 if it can. */
static int check_iface(const char *ifname, int ifindex, const struct xg_state *st)
{
	struct xdp_placement p;
	int ret;

	ret = placement_get(ifindex, st, &p);
	if (ret < 0) {
		pr_error("cannot read the XDP programs on %s: %s", ifname, strerror(-ret));
		return ret;
	}
	if (ret == 0)
		return 0;
	if (p.guard_pos >= 0) {
		pr_error("xdp-guard is already loaded on %s (program id %u)", ifname,
			 p.progs[p.guard_pos].id);
		return -EEXIST;
	}
	if (!p.dispatcher) {
		pr_error("%s already runs XDP program '%s' (id %u), attached without libxdp's "
			 "dispatcher, so nothing can run beside it; nothing was changed. "
			 "Unload it first, or (on a kernel that runs the dispatcher) load it "
			 "again with xdp-loader so that programs can share %s",
			 ifname, p.progs[0].name, p.progs[0].id, ifname);
		return -EBUSY;
	}
	if (p.mode != XDP_MODE_UNSPEC && p.mode != XDP_MODE_HW)
		pr_debug("%s: joining a dispatcher in %s mode with %d program(s)\n",
			 ifname, mode_name(p.mode), p.nprogs);
	return 0;
}

static struct xdp_program *open_guard(const char *pin_path, unsigned int priority,
				      struct bpf_object **objp)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = pin_path);
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xopts, .prog_name = XG_PROG_NAME);
	struct xdp_program *prog;
	struct bpf_object *obj;
	const void *elf;
	size_t size;
	long err;

	/* The object is embedded: the CLI and the program it loads always
	 * come from the same build. */
	elf = xdp_guard_bpf__elf_bytes(&size);
	obj = bpf_object__open_mem(elf, size, &oopts);
	err = libbpf_get_error(obj);
	if (err) {
		pr_error("cannot open the embedded BPF object: %s", strerror((int)-err));
		return NULL;
	}
	xopts.obj = obj;
	prog = xdp_program__create(&xopts);
	err = libxdp_get_error(prog);
	if (err) {
		pr_error("cannot prepare the XDP program: %s", strerror((int)-err));
		bpf_object__close(obj);
		return NULL;
	}
	if (priority)
		xdp_program__set_run_prio(prog, priority);
	*objp = obj;
	return prog;
}

static void report(const char *ifname, int ifindex, const struct xg_state *st)
{
	struct xdp_placement p;

	if (placement_get(ifindex, st, &p) <= 0 || p.guard_pos < 0) {
		pr_info("xdp-guard loaded on %s\n", ifname);
		return;
	}
	if (p.dispatcher) {
		printf("xdp-guard loaded on %s: %s mode, through the libxdp dispatcher, "
		       "priority %u, position %d of %d\n", ifname, mode_name(p.mode),
		       p.progs[p.guard_pos].priority, p.guard_pos + 1, p.nprogs);
	} else {
		printf("xdp-guard loaded on %s: %s mode, attached directly, because this kernel "
		       "cannot run libxdp's dispatcher; other XDP programs cannot join %s while "
		       "xdp-guard is there\n", ifname, mode_name(p.mode), ifname);
	}
}

static const char *attach_error(int err, int mode)
{
	switch (-err) {
	case EOPNOTSUPP:
		return mode == XDP_MODE_NATIVE ?
			"the driver does not support native XDP; try --mode skb" :
			"this kernel does not support XDP";
	case EBUSY:
	case EEXIST:
		return "another XDP program is in the way (in another mode?)";
	case EPERM:
		return "permission denied";
	default:
		return strerror(-err);
	}
}

static int run_load(void *opts)
{
	const struct load_opts *o = opts;
	const char *pin = o->common.pin_path ? o->common.pin_path : XG_DEFAULT_PIN_PATH;
	int ifindexes[64], lock_fd = -1, ret = EXIT_FAIL, err;
	bool created, stuck = false;
	struct xg_state *st = NULL;
	size_t n = o->ifaces.count, attached = 0;

	if (cli_begin(&o->common))
		return EXIT_FAIL;
	if (n > 64) {
		pr_error("at most 64 interfaces at a time");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		ifindexes[i] = if_nametoindex(o->ifaces.items[i]);
		if (!ifindexes[i]) {
			pr_error("no such interface: %s", o->ifaces.items[i]);
			return EXIT_FAIL;
		}
		for (size_t j = 0; j < i; j++) {
			if (ifindexes[j] == ifindexes[i]) {
				pr_error("%s is named twice", o->ifaces.items[i]);
				return EXIT_USAGE;
			}
		}
	}

	/* A failed first load must leave nothing behind: no empty pin path,
	 * and no maps that commands would fill while nothing reads them. */
	created = access(pin, F_OK) != 0;
	lock_fd = xg_pin_path_lock(pin, true);
	if (lock_fd < 0)
		return EXIT_FAIL;
	/* Maps left at the pin path must be ours before libbpf reuses them;
	 * an older version's indexes are made afresh. */
	if (xg_pin_path_renew(pin) || xg_pin_path_check(pin))
		goto out;
	/* Existing state lets the checks tell our guard from another one. */
	st = cli_open_state_quietly(pin, 0);
	/* Ours to remove on failure only if no state was there once we held
	 * the lock: a first load that ran at the same time and won has its
	 * maps there now, and its program uses them. */
	created = created && !st;

	for (size_t i = 0; i < n; i++)
		if (check_iface(o->ifaces.items[i], ifindexes[i], st))
			goto out;

	for (attached = 0; attached < n; attached++) {
		struct bpf_object *obj = NULL;
		struct xdp_program *prog = open_guard(pin, o->priority, &obj);

		if (!prog)
			goto rollback;
		err = xdp_program__attach(prog, ifindexes[attached], o->mode, 0);
		xdp_program__close(prog);
		bpf_object__close(obj);
		if (err) {
			pr_error("cannot attach to %s: %s", o->ifaces.items[attached],
				 attach_error(err, o->mode));
			goto rollback;
		}
	}

	if (!st)
		st = cli_open_state_quietly(pin, 0);
	/* Fresh maps are empty: let the program skip them from the start. */
	if (st)
		xg_state_refresh(st);
	for (size_t i = 0; i < n; i++)
		report(o->ifaces.items[i], ifindexes[i], st);
	ret = EXIT_OK;
	goto out;

rollback:
	while (attached--) {
		struct xdp_placement p;

		if (placement_get(ifindexes[attached], NULL, &p) > 0 && p.guard_pos >= 0) {
			if (placement_detach_guard(&p)) {
				stuck = true;
				pr_warn("cannot undo the load on %s: unload it by hand\n",
					p.ifname);
			} else
				pr_warn("undid the load on %s\n", p.ifname);
		}
	}
out:
	xg_state_close(st);
	/* The maps this load pinned, unless a program it could not detach
	 * still uses them. */
	if (ret != EXIT_OK && created && !stuck)
		xg_pin_path_remove(pin);
	xg_pin_path_unlock(lock_fd);
	return ret;
}

const struct command cmd_load = {
	.name = "load",
	.summary = "attach xdp-guard to interfaces",
	.description =
	"Attach the xdp-guard XDP program to each IFACE through libxdp: through its\n"
	"dispatcher, next to other XDP programs, where the kernel supports it, and\n"
	"directly otherwise. Every interface shares the maps at the pin path: one\n"
	"allowlist and one blocklist per host. Nothing changes if any IFACE cannot\n"
	"take the program.",
	.opts = load_specs,
	.defaults = &load_defaults,
	.opts_size = sizeof(struct load_opts),
	.run = run_load,
};
