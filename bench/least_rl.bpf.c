/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The least rate limiter: the work that any filter holding a destination to
 * a budget, while letting its established sources through, cannot skip for
 * a packet of a spoofed flood, done the cheapest way there is.
 *
 * Per-source limits alone cannot stop a flood from many sources: each
 * source sends little.  What stops it is a budget for the rule as a whole,
 * and a budget alone would refuse the rule's legitimate clients with the
 * flood, so the filter must also tell a source it has seen established
 * from a new one.  For each packet of such a flood it must therefore:
 *   - find the destination's rule: here a compare with one port, cheaper
 *     than any lookup (LEAST_RL_PORT, the benchmark's rule);
 *   - read the coarse clock, once a jiffy per CPU, as xdp-guard does
 *     (clock.h: the verifier makes bpf_jiffies64() one load, where the
 *     clock's helper is a call);
 *   - read the budget's state, a line every CPU shares;
 *   - look the source up in memory large enough for the flood's sources:
 *     here one byte of a 64 KiB table at a hash of the address, the
 *     smallest with a slot for each of 65536 of them;
 *   - count the verdict.
 * And for each packet the budget lets through, it must hold the source to
 * its own limit (issue 5's flood row has one of 1000 packets a second), so
 * it must find that source's bucket, exactly, among as many sources as
 * the flood has: here one lookup in an LRU hash keyed by the address alone,
 * as large as xdp-guard's map of sources, and a plain write.  A source not
 * there is added.  Of a flood held to a budget of 100000 packets a second,
 * that is every packet the budget admits; a rate limiter without
 * per-source limits would skip it, and would not be one that issue 5 asks
 * for.
 * It parses Ethernet, one VLAN tag, the IPv4 header (with its options, to
 * find the port) and the UDP header's bounds.
 *
 * Where this program misses issue 5's ratio for a random-source flood, every
 * rate limiter that spares established clients misses it on that machine.
 * No source is ever marked here (the benchmark sends no client), so every
 * packet over the budget is dropped, and one within it passes if its source
 * is within its own limit.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "clock.h"
#include "least.h"

#define LEAST_RL_PORT 9000		/* run.sh: RL_MATCH=9000/udp */
/* run.sh's RL_BUDGET.  least_rl_closed.bpf.o is built with 1 (run.sh's
 * RL_CLOSED_BUDGET): a budget that admits none of a flood, so that its row
 * shows the drop path alone, without the admitted packets' cost. */
#ifndef LEAST_RL_BUDGET_PPS
#define LEAST_RL_BUDGET_PPS 100000
#endif
#define BUDGET_INTERVAL_NS (1000000000ULL / LEAST_RL_BUDGET_PPS)
/*
 * The budget's burst as xdp-guard sets it (a fifth of a second's worth,
 * lib/limits.c), of which a new source, as every source of the flood is,
 * may use half (ratelimit.h): the bound must admit what xdp-guard admits.
 * A burst of 500 (5 ms) admitted 0.3-0.5 of the budget on a machine that
 * loses its CPU for milliseconds at a time: while no packet comes, the
 * budget that the tolerance cannot hold is lost.
 */
#define BUDGET_BURST (LEAST_RL_BUDGET_PPS / 5 ? LEAST_RL_BUDGET_PPS / 5 : 1)
#define BUDGET_TOLERANCE_NS ((BUDGET_BURST - 1) * BUDGET_INTERVAL_NS / 2)
#define SOURCE_INTERVAL_NS 1000000	/* 1000 packets a second: run.sh's RL_PPS */
/* A burst of a fifth of a second, xdp-guard limit's default. */
#define SOURCE_TOLERANCE_NS (200 * SOURCE_INTERVAL_NS)

struct budget {
	__u64 tat;		/* GCRA: theoretical arrival time */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct budget);
	__uint(max_entries, 1);
} least_rl_budget SEC(".maps");

struct seen_table {
	__u8 epoch[65536];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct seen_table);
	__uint(max_entries, 1);
} least_rl_seen SEC(".maps");

/* Each source's bucket: its theoretical arrival time. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __be32);
	__type(value, __u64);
	__uint(max_entries, GUARD_SOURCES_MAX);
} least_rl_sources SEC(".maps");

/* This CPU's cache of the coarse clock (clock.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_clock);
	__uint(max_entries, 1);
} least_rl_clock SEC(".maps");

/* A source's own epoch counts if it is this one (about a second long). */
static __always_inline int seen_lately(struct seen_table *seen, __u32 saddr, __u64 now)
{
	__u32 slot = (saddr * 0x9E3779B1U) >> 16;

	return seen->epoch[slot & 0xffff] == (__u8)((now >> 30) | 1);
}

SEC("xdp")
int least_rl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct seen_table *seen;
	struct budget *b;
	struct udphdr *udp;
	struct iphdr *ip;
	__u32 zero = 0;
	__u64 now, tat, *src;
	__be32 saddr;
	__be16 proto;
	void *l3;

	if (!least_l3(data, data_end, &l3, &proto))
		return XDP_PASS;
	if (proto != bpf_htons(ETH_P_IP))
		return counted(0);
	ip = l3;
	if ((void *)(ip + 1) > data_end)
		return counted(1);
	if (ip->protocol != IPPROTO_UDP)
		return counted(0);
	udp = l3 + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return counted(1);
	if (udp->dest != bpf_htons(LEAST_RL_PORT))
		return counted(0);

	now = coarse_clock(bpf_map_lookup_elem(&least_rl_clock, &zero));
	b = bpf_map_lookup_elem(&least_rl_budget, &zero);
	seen = bpf_map_lookup_elem(&least_rl_seen, &zero);
	if (!b || !seen)
		return counted(0);
	tat = b->tat;
	if (tat > now && tat - now > BUDGET_TOLERANCE_NS && !seen_lately(seen, ip->saddr, now))
		return counted(1);
	/* Within the budget: the source's own limit, then both move.
	 * Plain writes: a lost charge only lets one more packet through. */
	saddr = ip->saddr;
	src = bpf_map_lookup_elem(&least_rl_sources, &saddr);
	if (src) {
		__u64 stat = *src > now ? *src : now;

		if (stat - now > SOURCE_TOLERANCE_NS)
			return counted(1);
		*src = stat + SOURCE_INTERVAL_NS;
	} else {
		__u64 first = now + SOURCE_INTERVAL_NS;

		bpf_map_update_elem(&least_rl_sources, &saddr, &first, BPF_ANY);
	}
	b->tat = (tat > now ? tat : now) + BUDGET_INTERVAL_NS;
	return counted(0);
}

char _license[] SEC("license") = "GPL";
