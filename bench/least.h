/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmark's two bounds (least.bpf.c, least_rl.bpf.c) share, so
 * that both charge the same for it: the step over Ethernet and one VLAN
 * tag, and the per-CPU counter of verdicts, map included.
 */
#ifndef XDP_GUARD_BENCH_LEAST_H
#define XDP_GUARD_BENCH_LEAST_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Steps over Ethernet and at most one VLAN tag: *l3 is where the header
 * behind them starts, *proto its EtherType (network order).  Returns 0 if
 * the frame is too short for those headers. */
static __always_inline int least_l3(void *data, void *data_end, void **l3, __be16 *proto)
{
	struct ethhdr *eth = data;
	void *p = eth + 1;
	__be16 type;

	if (p > data_end)
		return 0;
	type = eth->h_proto;
	if (type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD)) {
		__be16 *inner = p + 2;		/* the tag's EtherType */

		if ((void *)(inner + 1) > data_end)
			return 0;
		type = *inner;
		p += 4;
	}
	*l3 = p;
	*proto = type;
	return 1;
}

/* The verdicts, per CPU: index 0 passed, 1 dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
} least_count SEC(".maps");

/* Adds one to the verdict's slot, and returns the verdict. */
static __always_inline int counted(__u32 dropped)
{
	__u64 *n = bpf_map_lookup_elem(&least_count, &dropped);

	if (n)
		*n += 1;
	return dropped ? XDP_DROP : XDP_PASS;
}

#endif /* XDP_GUARD_BENCH_LEAST_H */
