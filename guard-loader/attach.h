/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where xdp-guard runs: what libxdp reports about an interface's XDP
 * programs, seen from the guard's side.  Shared by load, unload and status.
 */
#ifndef XDP_GUARD_ATTACH_H
#define XDP_GUARD_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <xdp/libxdp.h>

#include "xdpguard.h"

#define CHAIN_MAX 10	/* libxdp's dispatcher holds at most 10 programs */

struct chain_prog {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t id;
	unsigned int priority;
	bool is_guard;
};

struct xdp_placement {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum xdp_attach_mode mode;
	bool dispatcher;		/* false: attached directly (legacy) */
	int nprogs;
	struct chain_prog progs[CHAIN_MAX];	/* in run order */
	int guard_pos;			/* index in progs of the guard, or -1 */
	bool guard_ours;		/* the guard uses the state's maps */
};

/*
 * What runs on ifindex.  Returns 1 if an XDP program is attached, 0 if
 * none, or a negative errno.  st (may be NULL) decides guard_ours.
 */
int placement_get(int ifindex, const struct xg_state *st, struct xdp_placement *out);
/* "native", "skb", "hw" or "unknown" */
const char *mode_name(enum xdp_attach_mode mode);
/*
 * Every interface of this namespace whose XDP chain holds an xdp-guard
 * program (only those using st's maps if st is given).  Free *out.
 */
int placement_scan(const struct xg_state *st, struct xdp_placement **out, size_t *count);
/* Detach the guard from the interface in p; other programs stay. */
int placement_detach_guard(const struct xdp_placement *p);

#endif
