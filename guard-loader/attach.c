// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "output.h"

const char *mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "unknown";
	}
}

static void add_prog(struct xdp_placement *p, struct xdp_program *prog,
		     const struct xg_state *st)
{
	struct chain_prog *cp;

	if (p->nprogs >= CHAIN_MAX)
		return;
	cp = &p->progs[p->nprogs];
	snprintf(cp->name, sizeof(cp->name), "%s", xdp_program__name(prog));
	cp->id = xdp_program__id(prog);
	cp->priority = xdp_program__run_prio(prog);
	cp->is_guard = !strcmp(cp->name, XG_PROG_NAME);
	if (cp->is_guard && p->guard_pos < 0) {
		p->guard_pos = p->nprogs;
		p->guard_ours = st && xg_state_owns_prog(st, xdp_program__fd(prog));
	}
	p->nprogs++;
}

int placement_get(int ifindex, const struct xg_state *st, struct xdp_placement *out)
{
	struct xdp_multiprog *mp;
	long err;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->guard_pos = -1;
	if (!if_indextoname(ifindex, out->ifname))
		return -errno;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err == -ENOENT)
		return 0;
	if (err)
		return (int)err;
	out->mode = xdp_multiprog__attach_mode(mp);
	out->dispatcher = !xdp_multiprog__is_legacy(mp);
	if (out->dispatcher) {
		for (struct xdp_program *prog = xdp_multiprog__next_prog(NULL, mp);
		     prog; prog = xdp_multiprog__next_prog(prog, mp))
			add_prog(out, prog, st);
	} else if (xdp_multiprog__main_prog(mp)) {
		add_prog(out, xdp_multiprog__main_prog(mp), st);
	}
	xdp_multiprog__close(mp);
	return out->nprogs > 0;
}

int placement_scan(const struct xg_state *st, struct xdp_placement **out, size_t *count)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct xdp_placement *list = NULL;
	size_t n = 0;
	int ret = 0;

	*out = NULL;
	*count = 0;
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		struct xdp_placement p, *nl;

		ret = placement_get(i->if_index, st, &p);
		if (ret < 0) {
			/* An interface that vanished meanwhile is no error. */
			if (ret == -ENODEV || ret == -ENXIO) {
				ret = 0;
				continue;
			}
			break;
		}
		ret = 0;
		if (p.guard_pos < 0 || (st && !p.guard_ours))
			continue;
		nl = realloc(list, (n + 1) * sizeof(*list));
		if (!nl) {
			ret = -ENOMEM;
			break;
		}
		list = nl;
		list[n++] = p;
	}
	if_freenameindex(ifs);
	if (ret) {
		free(list);
		return ret;
	}
	*out = list;
	*count = n;
	return 0;
}

int placement_detach_guard(const struct xdp_placement *p)
{
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	long err;
	int ret;

	if (p->guard_pos < 0)
		return -ENOENT;
	/* Detach the program object libxdp gave for this chain, found again
	 * by id: the chain may have changed since p was read. */
	mp = xdp_multiprog__get_from_ifindex(p->ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return (int)err;
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
	} else {
		for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
		     prog = xdp_multiprog__next_prog(prog, mp))
			if (xdp_program__id(prog) == p->progs[p->guard_pos].id)
				break;
	}
	if (!prog || xdp_program__id(prog) != p->progs[p->guard_pos].id)
		ret = -ENOENT;
	else
		ret = xdp_program__detach(prog, p->ifindex, p->mode, 0);
	xdp_multiprog__close(mp);
	return ret;
}
