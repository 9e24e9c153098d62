// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp-guard unload: detach the guard; other XDP programs stay.
 *
 * The maps stay pinned unless --purge is given, so that a reload (or an
 * upgrade that keeps the layout) finds the lists as they were.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "output.h"

struct unload_opts {
	struct common_opts common;
	bool all;
	bool purge;
	struct arg_list ifaces;
};

static const struct unload_opts unload_defaults;

static const struct opt_spec unload_specs[] = {
	{ .type = OPT_FLAG, .name = "all", .short_name = 'a',
	  .offset = offsetof(struct unload_opts, all),
	  .help = "unload from every interface that uses the pin path's maps" },
	{ .type = OPT_FLAG, .name = "purge",
	  .offset = offsetof(struct unload_opts, purge),
	  .help = "with --all: also remove the pinned maps (lists, rules, counters)" },
	COMMON_OPT_SPECS(struct unload_opts),
	{ .type = OPT_ARGS, .name = "IFACE",
	  .offset = offsetof(struct unload_opts, ifaces) },
	{ 0 }
};

static int purge_state(const char *pin, const struct xg_state *st)
{
	struct xdp_placement *left;
	size_t nleft;

	if (placement_scan(st, &left, &nleft))
		return -1;
	free(left);
	if (nleft) {
		pr_error("not purging %s: xdp-guard still runs on %zu interface(s) with these maps",
			 pin, nleft);
		return -1;
	}
	if (xg_pin_path_remove(pin))
		return -1;
	printf("Removed the xdp-guard state at %s\n", pin);
	return 0;
}

static int run_unload(void *opts)
{
	const struct unload_opts *o = opts;
	const char *pin = o->common.pin_path ? o->common.pin_path : XG_DEFAULT_PIN_PATH;
	struct xdp_placement *targets = NULL;
	struct xg_state *st = NULL;
	int ret = EXIT_FAIL;
	size_t n = 0;

	if (cli_begin(&o->common))
		return EXIT_FAIL;
	if (o->all == (o->ifaces.count > 0)) {
		pr_error(o->all ? "give either IFACE... or --all, not both" :
				  "name the interfaces to unload from, or use --all");
		return EXIT_USAGE;
	}
	if (o->purge && !o->all) {
		pr_error("--purge goes with --all: the maps are shared by every interface");
		return EXIT_USAGE;
	}
	/* Unloading must work even when the state is gone or damaged. */
	st = cli_open_state_quietly(pin, XG_OPEN_LOCK);

	if (o->all) {
		/* Without the state there is no telling which guards are
		 * ours: a mistyped --pin-path must not unload them all. */
		if (!st) {
			pr_error("no xdp-guard state at %s, so --all has nothing to go by; "
				 "name the interfaces to unload from", pin);
			goto out;
		}
		if (placement_scan(st, &targets, &n))
			goto out;
		if (n == 0 && !o->purge) {
			printf("xdp-guard is not loaded on any interface\n");
			ret = EXIT_OK;
			goto out;
		}
	} else {
		targets = calloc(o->ifaces.count, sizeof(*targets));
		if (!targets)
			goto out;
		/* Check every interface before changing any. */
		for (n = 0; n < o->ifaces.count; n++) {
			const char *ifname = o->ifaces.items[n];
			int ifindex = if_nametoindex(ifname);

			if (!ifindex) {
				pr_error("no such interface: %s", ifname);
				goto out;
			}
			if (placement_get(ifindex, st, &targets[n]) < 0 ||
			    targets[n].guard_pos < 0) {
				pr_error("xdp-guard is not loaded on %s", ifname);
				goto out;
			}
			/* Another pin path's guard is someone else's; without
			 * state here there is no telling, and a guard whose
			 * state is gone must still be removable. */
			if (st && !targets[n].guard_ours) {
				pr_error("the xdp-guard on %s uses other maps than those at %s "
					 "(it was loaded with another --pin-path)", ifname, pin);
				goto out;
			}
		}
	}

	ret = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		int err = placement_detach_guard(&targets[i]);

		if (err) {
			pr_error("cannot unload from %s: %s", targets[i].ifname, strerror(-err));
			ret = EXIT_FAIL;
			continue;
		}
		printf("xdp-guard unloaded from %s", targets[i].ifname);
		if (targets[i].nprogs > 1)
			printf("; %d other program(s) stay", targets[i].nprogs - 1);
		printf("\n");
	}
	/* Removable without state on purpose (its state may be gone), but
	 * a mistyped --pin-path lands here too: say what was not checked. */
	if (!st && n)
		pr_warn("Note: no xdp-guard state could be opened at %s, so whose guard this was "
			"could not be checked; the maps it used stay where they were pinned\n", pin);
	if (ret == EXIT_OK && o->purge && purge_state(pin, st))
		ret = EXIT_FAIL;
out:
	free(targets);
	xg_state_close(st);
	return ret;
}

const struct command cmd_unload = {
	.name = "unload",
	.summary = "detach xdp-guard from interfaces",
	.description =
	"Detach xdp-guard from each IFACE, or with --all from every interface that\n"
	"uses the maps at the pin path. Other XDP programs on the interface stay.\n"
	"The lists and counters stay pinned for the next load unless --purge is given.",
	.opts = unload_specs,
	.defaults = &unload_defaults,
	.opts_size = sizeof(struct unload_opts),
	.run = run_unload,
};
