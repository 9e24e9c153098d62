/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp-guard: drop flood traffic in the driver, before the kernel spends an
 * sk_buff on it.
 *
 * Per packet:
 *   1. parse up to the source address: a frame whose source cannot be
 *      read (truncated, wrong IP version or header length) is dropped as
 *      malformed, non-IP frames pass;
 *   (an IPv4 source is first judged here through the lists' index,
 *   before the rest of the parse: by its /24's lone-host byte before the
 *   config is read, lone_verdict_v4, then early_verdict_v4; what the
 *   index settles does not come to steps 2 and 3)
 *   2. a source on the allowlist passes, whatever else is configured;
 *   3. a source on the blocklist is dropped;
 *   4. the IP lengths, the IPv6 extension headers and the transport
 *      header are checked; malformed ones are dropped;
 *   5. a rate-limit rule for the destination, if any, holds the source to
 *      its meters and the rule's budget (ratelimit.h);
 *   6. everything else passes to the next program in the chain.
 * Every verdict is counted by reason in a per-CPU array.
 *
 * XDP_ABORTED is never returned: no input reaches a path without a verdict.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "guard_maps.h"
#include "clock.h"
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct guard_lpm_v4);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_ALLOW_V4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct guard_lpm_v6);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_ALLOW_V6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_allow_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_BLOCK_V4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_block_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct guard_addr_v6);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_BLOCK_V6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_block_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct guard_lpm_v4);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_BLKNET_V4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_blknet_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct guard_lpm_v6);
	__type(value, struct guard_entry);
	__uint(max_entries, GUARD_BLKNET_V6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_blknet_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_counter);
	__uint(max_entries, GUARD_REASON_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct guard_rule_key);
	__type(value, struct guard_rule);
	__uint(max_entries, GUARD_RULES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_rule_state);
	__uint(max_entries, GUARD_RULES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_rule_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_rule_index);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_rule_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_rule_entry);
	__uint(max_entries, GUARD_RULE_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_rule_entries SEC(".maps");

/* LRU: when full, the least recently seen source makes room.  Losing a
 * source's state only refills its meters; it never blocks anyone. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct guard_source_key);
	__type(value, struct guard_source);
	__uint(max_entries, GUARD_SOURCES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, GUARD_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_events SEC(".maps");

/* One value each: the marks of established sources, and the IPv4 cells
 * (guard_maps.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_marks);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_marks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_cells_v4);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_cells_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct guard_dir_v4);
	__uint(max_entries, GUARD_DIR_CHUNKS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_dir_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct guard_deep_v4);
	__uint(max_entries, GUARD_BLKNET_V4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_deep_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct guard_dir_v6);
	__uint(max_entries, GUARD_DIR_V6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xg_dir_v6 SEC(".maps");

/* Run before ordinary programs in the libxdp dispatcher; let passed
 * packets go on to the next program. */
struct {
	__uint(priority, GUARD_RUN_PRIORITY);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdp_guard);

/*
 * An index into a table of 65536 cells.  Left alone, clang may mask first and
 * byte-swap after, or load two bytes as one swapped word, and older
 * verifiers (6.1, 6.12) lose the bound through the swap; the empty asm
 * makes the mask come last.
 */
static __always_inline __u32 index16(__u32 x)
{
	asm volatile("" : "+r"(x));
	return x & 0xffff;
}

/* The config, and its skip bits (0, look everywhere, if it is missing). */
static __always_inline __u32 read_config(struct guard_config **cfg)
{
	__u32 zero = 0;

	*cfg = bpf_map_lookup_elem(&xg_config, &zero);
	return *cfg ? (*cfg)->skip_lists : 0;
}

/* Per-CPU slot: a plain add, no atomics on the fast path. */
static __always_inline int verdict(__u32 len, __u32 reason, int action)
{
	struct guard_counter *c = bpf_map_lookup_elem(&xg_counters, &reason);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return action;
}

static __always_inline __u32 frame_len(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

/* Only entries with a deadline need the clock, so read it lazily. */
static __always_inline int entry_live(const struct guard_entry *e)
{
	return e && (e->expires_ns == 0 || e->expires_ns > bpf_ktime_get_ns());
}

/*
 * Longest live match in an LPM trie.  An expired longest match must not
 * hide a shorter live one, so look again below it; each pass skips at least
 * one expired entry, and the passes are bounded for the verifier.  Past the
 * bound (more expired prefixes nested around one address) the lookup
 * reports no match until user space removes the expired entries; for the
 * allowlist, user space never lets that many with a deadline nest.
 */
#define LPM_EXPIRED_RETRIES (GUARD_LPM_EXPIRED_MAX + 1)

static __always_inline struct guard_entry *lpm_live(void *map, void *key, __u32 *prefixlen)
{
	int i;

	for (i = 0; i < LPM_EXPIRED_RETRIES; i++) {
		struct guard_entry *e = bpf_map_lookup_elem(map, key);

		if (!e || entry_live(e))
			return e;
		if (e->prefix_len == 0 || e->prefix_len > *prefixlen)
			return NULL;
		*prefixlen = e->prefix_len - 1;
	}
	return NULL;
}

static __always_inline int allowed(struct packet *pkt, __u32 skip)
{
	if (pkt->l3_proto == ETH_P_IP) {
		struct guard_lpm_v4 key = { .prefixlen = 32 };

		if (skip & GUARD_SKIP_ALLOW_V4)
			return 0;
		__builtin_memcpy(key.addr, &pkt->saddr4, 4);
		return lpm_live(&xg_allow_v4, &key, &key.prefixlen) != NULL;
	} else {
		struct guard_lpm_v6 key = { .prefixlen = 128 };

		if (skip & GUARD_SKIP_ALLOW_V6)
			return 0;
		__builtin_memcpy(key.addr, &pkt->saddr6, 16);
		return lpm_live(&xg_allow_v6, &key, &key.prefixlen) != NULL;
	}
}

/* BLOCK for an entry the user made, BAN for one the rate limiter made. */
static __always_inline __u32 block_reason(const struct guard_entry *e)
{
	return e->origin == GUARD_ORIGIN_AUTOBAN ? GUARD_REASON_BAN : GUARD_REASON_BLOCK;
}

static __always_inline __u32 blocked_by_trie_v4(struct packet *pkt)
{
	struct guard_lpm_v4 key = { .prefixlen = 32 };
	struct guard_entry *e;

	__builtin_memcpy(key.addr, &pkt->saddr4, 4);
	e = lpm_live(&xg_blknet_v4, &key, &key.prefixlen);
	return e ? block_reason(e) : 0;
}

/* The /16 cell of an IPv4 address (host order) in xg_cells_v4, or -1 if
 * the map is missing. */
static __always_inline int slash16_cell(__u32 a)
{
	struct guard_cells_v4 *cells;
	__u32 zero = 0;

	cells = bpf_map_lookup_elem(&xg_cells_v4, &zero);
	return cells ? cells->cell[index16(a >> 16)] : -1;
}

/* The /24 cell of an IPv4 address (host order) in xg_dir_v4, or -1 if the
 * map is missing. */
static __always_inline int slash24_cell(__u32 a)
{
	__u32 chunk = a >> 24;
	struct guard_dir_v4 *dir = bpf_map_lookup_elem(&xg_dir_v4, &chunk);

	return dir ? dir->cell[index16(a >> 8)] : -1;
}

/* A /24 cell's lone-host byte, to tell that no other host in the /24 is
 * listed: not while a rule may ban, into the host hash behind the index's
 * back.  (A match is a verdict whatever the config: lone_verdict_v4.) */
static __always_inline __u32 trusted_lone(__u32 d, __u32 skip)
{
	if (skip & GUARD_CELLS_BANS)
		return 0;
	return d >> GUARD_DIR_LONE_SHIFT;
}

/*
 * IPv4 through the index (guard_maps.h): the source's /24 cell d says
 * which lookup, if any, can tell; a prefix without a deadline needs none,
 * nor does an address alone in its /24 without one.  skip may hold the
 * /16's empty lists.  Returns the drop reason, 0 if the source is not
 * blocked, or -1 if only the trie can tell (a prefix with a deadline,
 * whose clock it keeps).
 */
static __always_inline int blocked_indexed_v4(__be32 saddr, int d, __u32 skip)
{
	struct guard_deep_v4 *deep;
	struct guard_entry *e;
	__u32 a, slot, lone;

	/* An empty cell, the common case, answers without the branches
	 * below; not while a rule may ban, into the host hash. */
	if (!d && !(skip & GUARD_CELLS_BANS))
		return 0;
	a = bpf_ntohl(saddr);
	lone = trusted_lone(d, skip);
	if (lone) {
		if ((a & 0xff) == lone)
			return GUARD_REASON_BLOCK;
	} else if (!(skip & GUARD_SKIP_BLOCK_V4) &&
		   ((d & GUARD_DIR_HOST) || (skip & GUARD_CELLS_BANS))) {
		/* Auto-ban adds hosts the index has not seen. */
		e = bpf_map_lookup_elem(&xg_block_v4, &saddr);
		if (entry_live(e))
			return block_reason(e);
	}
	if (skip & GUARD_SKIP_BLKNET_V4)
		return 0;
	if (d & GUARD_DIR_LEN)
		return GUARD_REASON_BLOCK;
	if (d & GUARD_DIR_TIMED)
		return -1;
	if (!(d & GUARD_DIR_DEEP))
		return 0;
	slot = a >> 8;
	deep = bpf_map_lookup_elem(&xg_deep_v4, &slot);
	if (!deep || deep->timed)
		return -1;
	return (deep->covered[(a & 0xff) >> 3] >> (a & 7)) & 1 ? GUARD_REASON_BLOCK : 0;
}

static __always_inline __u32 blocked_by_trie_v6(struct packet *pkt)
{
	struct guard_lpm_v6 key = { .prefixlen = 128 };
	struct guard_entry *e;

	__builtin_memcpy(key.addr, &pkt->saddr6, 16);
	e = lpm_live(&xg_blknet_v6, &key, &key.prefixlen);
	return e ? block_reason(e) : 0;
}

/* IPv6 through its index (guard_maps.h); the same contract as for IPv4. */
static __always_inline __u32 blocked_indexed_v6(struct packet *pkt, __u32 skip)
{
	struct guard_dir_v6 *d;
	struct guard_entry *e;
	__u32 slash32;

	/* Both lists empty: nothing for the index to tell. */
	if ((skip & GUARD_SKIP_BLOCK_V6) && (skip & GUARD_SKIP_BLKNET_V6))
		return 0;
	__builtin_memcpy(&slash32, &pkt->saddr6, 4);
	d = bpf_map_lookup_elem(&xg_dir_v6, &slash32);
	if (!d)
		return (skip & GUARD_INDEX_V6_SHORT) ? blocked_by_trie_v6(pkt) : 0;
	if (d->flags & GUARD_DIR_HOST) {
		e = bpf_map_lookup_elem(&xg_block_v6, &pkt->saddr6);
		if (entry_live(e))
			return block_reason(e);
	}
	/* A ban inside: the longest match may be it, with its own reason. */
	if (d->len && !(d->flags & GUARD_DIR6_BANS))
		return GUARD_REASON_BLOCK;
	if ((d->flags & (GUARD_DIR_TIMED | GUARD_DIR_DEEP | GUARD_DIR6_BANS)) ||
	    (skip & GUARD_INDEX_V6_SHORT))
		return blocked_by_trie_v6(pkt);
	return 0;
}

/* The exact-match hash first: most blocklist entries are single hosts, and
 * a hit there costs one hash lookup whatever the list size.  Returns the
 * drop reason, or 0 if the source is not blocked. */
static __always_inline __u32 blocked(struct packet *pkt, __u32 skip)
{
	struct guard_entry *e;

	if (pkt->l3_proto == ETH_P_IP && (skip & GUARD_CELLS_V4)) {
		int d, r;

		if ((skip & GUARD_SKIP_BLOCK_V4) && (skip & GUARD_SKIP_BLKNET_V4))
			return 0;
		d = slash24_cell(bpf_ntohl(pkt->saddr4));
		if (d >= 0) {
			r = blocked_indexed_v4(pkt->saddr4, d, skip);
			return r >= 0 ? r : blocked_by_trie_v4(pkt);
		}
		/* The index is missing: the plain lookups answer. */
	}
	if (pkt->l3_proto != ETH_P_IP && (skip & GUARD_INDEX_V6))
		return blocked_indexed_v6(pkt, skip);
	if (pkt->l3_proto == ETH_P_IP) {
		if (!(skip & GUARD_SKIP_BLOCK_V4)) {
			e = bpf_map_lookup_elem(&xg_block_v4, &pkt->saddr4);
			if (entry_live(e))
				return block_reason(e);
		}
		return (skip & GUARD_SKIP_BLKNET_V4) ? 0 : blocked_by_trie_v4(pkt);
	}
	if (!(skip & GUARD_SKIP_BLOCK_V6)) {
		e = bpf_map_lookup_elem(&xg_block_v6, &pkt->saddr6);
		if (entry_live(e))
			return block_reason(e);
	}
	return (skip & GUARD_SKIP_BLKNET_V6) ? 0 : blocked_by_trie_v6(pkt);
}

#define GUARD_SKIP_V4_ALL (GUARD_SKIP_ALLOW_V4 | GUARD_SKIP_BLOCK_V4 | GUARD_SKIP_BLKNET_V4)

/* The lists with nothing in the /16 of an IPv4 source, as skip bits. */
static __always_inline __u32 cell_skips(struct packet *pkt, __u32 skip)
{
	int cell;

	if (pkt->l3_proto != ETH_P_IP || !(skip & GUARD_CELLS_V4))
		return skip;
	/* Every IPv4 list empty: the cells have nothing to add. */
	if ((skip & GUARD_SKIP_V4_ALL) == GUARD_SKIP_V4_ALL)
		return skip;
	cell = slash16_cell(bpf_ntohl(pkt->saddr4));
	if (cell < 0)
		return skip;
	if (!(cell & GUARD_CELL_ALLOW))
		skip |= GUARD_SKIP_ALLOW_V4;
	if (!(cell & GUARD_CELL_HOST))
		skip |= GUARD_SKIP_BLOCK_V4;
	if (!(cell & GUARD_CELL_NET))
		skip |= GUARD_SKIP_BLKNET_V4;
	return skip;
}

/* The usual configuration, told by one test of the skip bits: the index
 * in use, no IPv4 allow entry, no rule that may ban.  Each of the bits
 * the general path tests one by one; together, on the path of every IPv4
 * packet, they cost more than the lookups. */
#define EARLY_USUAL_MASK (GUARD_CELLS_V4 | GUARD_SKIP_ALLOW_V4 | GUARD_CELLS_BANS)
#define EARLY_USUAL (GUARD_CELLS_V4 | GUARD_SKIP_ALLOW_V4)

/* An IPv4 header the early look takes: in the frame, and without options
 * (IHL 5), the common case in one compare; others take the full path,
 * which gives the same answers. */
static __always_inline struct iphdr *early_header_v4(struct xdp_md *ctx, __u32 off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + off;

	if ((void *)(iph + 1) > data_end || *(__u8 *)iph != 0x45)
		return NULL;
	return iph;
}

/*
 * The first look at an IPv4 source, before the config is read: its /24
 * cell's lone-host byte naming it.  That byte is a standing verdict
 * (guard_maps.h): user space clears it before anything that would make it
 * wrong, whatever else the config says, so the most common blocked packet
 * needs no other read.
 */
static __always_inline int lone_verdict_v4(__be32 saddr, int d)
{
	/* One compare: a missing map's -1 shifts to no byte, and an address
	 * ending in .0, which never has one, to 0x100 against the cell's 0. */
	return (__u32)(d >> GUARD_DIR_LONE_SHIFT) == ((bpf_ntohl(saddr) - 1) & 0xff) + 1;
}

/*
 * The IPv4 lists, through the index, before the rest of the parse: a
 * flood's packets are all alike, and every store and lookup skipped is
 * time the driver gets back.  Most blocked sources are condemned by their
 * /24's lone-host byte before this (lone_verdict_v4); the others by the
 * cell alone (a prefix around it without a deadline), or by one hash
 * lookup, of the host or of the /24's longer prefixes
 * (blocked_indexed_v4).  Only a prefix with a deadline needs the trie,
 * which the full path asks.  d is the source's /24 cell.
 *
 * The answer is the one the full path would give, reason included: the
 * allowlist comes first there, so with any IPv4 allow entry the source's
 * /16 cell is read, and a /16 with one is left to it.
 * Returns the drop reason, or 0 to go on.  A source that is on neither
 * list goes on with *skip_lists telling the full path to look in no IPv4
 * list: most sources of a random-source flood, for which the rate limiter
 * is what is left.
 */
static __always_inline __u32 early_verdict_v4(__be32 saddr, int d, __u32 *skip_lists)
{
	__u32 skip = *skip_lists;
	int cell, r;

	if (d < 0)
		return 0;
	/* The usual configuration: an empty /24 says the source is on no
	 * list. */
	if ((skip & EARLY_USUAL_MASK) == EARLY_USUAL) {
		if ((skip & GUARD_SKIP_BLOCK_V4) && (skip & GUARD_SKIP_BLKNET_V4))
			return 0;
		if (d == 0) {
			*skip_lists = skip | GUARD_SKIP_V4_ALL;
			return 0;
		}
		goto indexed;
	}
	if (!(skip & GUARD_CELLS_V4) ||
	    ((skip & GUARD_SKIP_BLOCK_V4) && (skip & GUARD_SKIP_BLKNET_V4)))
		return 0;
	if (!(skip & GUARD_SKIP_ALLOW_V4)) {
		cell = slash16_cell(bpf_ntohl(saddr));
		if (cell < 0 || (cell & GUARD_CELL_ALLOW))
			return 0;
	}
indexed:
	r = blocked_indexed_v4(saddr, d, skip);
	if (r == 0)
		*skip_lists = skip | GUARD_SKIP_V4_ALL;
	return r > 0 ? r : 0;
}

#include "ratelimit.h"

SEC("xdp")
int xdp_guard(struct xdp_md *ctx)
{
	struct guard_config *cfg;
	struct iphdr *iph = NULL;
	struct packet pkt;
	__u32 reason, skip, off = 0;
	__u16 proto = 0;

	switch (parse_l2(ctx, &proto, &off)) {
	case PARSE_OK:
		break;
	case PARSE_UNPARSED:
		/* Three or more VLAN tags: we cannot see the source, and the
		 * stack will only accept such a frame if the host has a
		 * matching VLAN stack configured.  Let it decide. */
		return verdict(frame_len(ctx), GUARD_REASON_UNPARSED, XDP_PASS);
	default:
		return verdict(frame_len(ctx), GUARD_REASON_MALFORMED, XDP_DROP);
	}
	if (proto == ETH_P_IP)
		iph = early_header_v4(ctx, off);
	if (iph) {
		__be32 saddr = iph->saddr;
		int d = slash24_cell(bpf_ntohl(saddr));

		/* Before the config: on the path of the most common blocked
		 * packet, its read costs more than the rest together. */
		if (lone_verdict_v4(saddr, d))
			return verdict(frame_len(ctx), GUARD_REASON_BLOCK, XDP_DROP);
		skip = read_config(&cfg);
		reason = early_verdict_v4(saddr, d, &skip);
		/* On no IPv4 list: the budget's gate may know the rest. */
		if (!reason && cfg && cfg->rule_count &&
		    (skip & GUARD_SKIP_V4_ALL) == GUARD_SKIP_V4_ALL)
			reason = budget_gate(ctx, off, skip);
		if (reason)
			return verdict(frame_len(ctx), reason, XDP_DROP);
	} else {
		skip = read_config(&cfg);
	}

	switch (parse_l3(ctx, &pkt, proto, off)) {
	case PARSE_OK:
		break;
	case PARSE_NON_IP:
		return verdict(pkt.len, GUARD_REASON_NON_IP, XDP_PASS);
	default:
		return verdict(pkt.len, GUARD_REASON_MALFORMED, XDP_DROP);
	}

	skip = cell_skips(&pkt, skip);
	/* The allowlist skips every other check, the IP lengths' and the
	 * transport header's sanity included. */
	if (allowed(&pkt, skip))
		return verdict(pkt.len, GUARD_REASON_ALLOW, XDP_PASS);
	reason = blocked(&pkt, skip);
	if (reason)
		return verdict(pkt.len, reason, XDP_DROP);
	if (parse_l3_rest(&pkt, off) != PARSE_OK || parse_l4(&pkt) != PARSE_OK)
		return verdict(pkt.len, GUARD_REASON_MALFORMED, XDP_DROP);
	reason = cfg ? rate_limit(&pkt, cfg) : GUARD_REASON_PASS;
	if (reason != GUARD_REASON_PASS)
		return verdict(pkt.len, reason, XDP_DROP);
	return verdict(pkt.len, GUARD_REASON_PASS, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
