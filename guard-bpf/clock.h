/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The coarse clock (the time of the last tick), read once a jiffy per CPU.
 * It only moves when jiffies does, and the verifier turns bpf_jiffies64()
 * into one load, where the coarse clock's helper is a call that costs a
 * flood packet 2-3 ns.  The tick moves jiffies before the clock: a CPU that
 * reads in between keeps the clock of the tick before for this one, so a
 * reader must allow for the clock being two ticks behind the fine one
 * (COARSE_SLACK_NS in ratelimit.h).
 *
 * Shared by the rate limiter and the benchmark's least rate limiter, so
 * that the bound reads the clock as xdp-guard does.
 */
#ifndef XDP_GUARD_CLOCK_H
#define XDP_GUARD_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "guard_maps.h"

/* The coarse clock, through this CPU's cache of it (NULL: none). */
static __always_inline __u64 coarse_clock(struct guard_clock *cache)
{
	__u64 jiffies = bpf_jiffies64(), ns;

	if (cache && cache->jiffies == jiffies)
		return cache->ns;
	ns = bpf_ktime_get_coarse_ns();
	if (cache) {
		cache->jiffies = jiffies;
		cache->ns = ns;
	}
	return ns;
}

#endif /* XDP_GUARD_CLOCK_H */
