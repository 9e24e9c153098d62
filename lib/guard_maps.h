/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Map layouts shared by the XDP program and user space.
 *
 * This header is the single description of every map xdp-guard pins: its
 * name, key and value types and capacity.  The BPF side builds its map
 * definitions from it, and lib/ checks pinned maps against it before using
 * them, so a layout change here is caught as "incompatible maps" instead of
 * being silently misread.  Fixed-width types only: the same bytes are read
 * by a 64-bit kernel and by user space.
 */
#ifndef XDP_GUARD_GUARD_MAPS_H
#define XDP_GUARD_GUARD_MAPS_H

#include <linux/types.h>

/*
 * Run priority in the libxdp dispatcher: lower runs first.  libxdp's default
 * is 50 and xdp-filter uses 10; a flood filter must see packets before
 * anything that spends work on them, so the guard takes 5.
 */
#define GUARD_RUN_PRIORITY 5

/* Map names, which are also the file names under the pin path. */
#define GUARD_MAP_ALLOW_V4	"xg_allow_v4"
#define GUARD_MAP_ALLOW_V6	"xg_allow_v6"
#define GUARD_MAP_BLOCK_V4	"xg_block_v4"	/* single addresses, exact match */
#define GUARD_MAP_BLOCK_V6	"xg_block_v6"
#define GUARD_MAP_BLKNET_V4	"xg_blknet_v4"	/* shorter prefixes, longest match */
#define GUARD_MAP_BLKNET_V6	"xg_blknet_v6"
#define GUARD_MAP_COUNTERS	"xg_counters"
#define GUARD_MAP_CONFIG	"xg_config"	/* one struct guard_config */
#define GUARD_MAP_RULES		"xg_rules"	/* rate-limit rules */
#define GUARD_MAP_RULE_STATE	"xg_rule_state"	/* per-rule budget buckets */
#define GUARD_MAP_SOURCES	"xg_sources"	/* per-source buckets, LRU */
#define GUARD_MAP_EVENTS	"xg_events"	/* ring buffer to user space */
#define GUARD_MAP_MARKS		"xg_marks"	/* sources lately established, hashed */
#define GUARD_MAP_CELLS_V4	"xg_cells_v4"	/* which lists have entries in each /16 */
#define GUARD_MAP_DIR_V4	"xg_dir_v4"	/* the blocklist per /24 */
#define GUARD_MAP_DEEP_V4	"xg_deep_v4"	/* prefixes /25../31, per /24 */
#define GUARD_MAP_DIR_V6	"xg_dir_v6"	/* the IPv6 blocklist per /32 */
#define GUARD_MAP_RULE_INDEX	"xg_rule_index"	/* each port's and protocol's rule */
#define GUARD_MAP_RULE_ENTRIES	"xg_rule_entries"	/* the rules the index names */

/*
 * Capacities.  Hash maps are created with BPF_F_NO_PREALLOC (LPM tries
 * require it), so an empty list costs only its bucket array; entries take
 * memory as they are added.
 */
/* The program looks past at most GUARD_LPM_EXPIRED_MAX expired prefixes
 * nested around an address in a trie, to a shorter live one (lpm_live() in
 * the program); user space keeps the allowlist within that. */
#define GUARD_LPM_EXPIRED_MAX	7
#define GUARD_ALLOW_V4_MAX	65536
#define GUARD_ALLOW_V6_MAX	65536
#define GUARD_BLOCK_V4_MAX	1048576
#define GUARD_BLOCK_V6_MAX	262144
#define GUARD_BLKNET_V4_MAX	262144
#define GUARD_BLKNET_V6_MAX	65536
#define GUARD_RULES_MAX		64
#define GUARD_SOURCES_MAX	131072
#define GUARD_EVENTS_BYTES	(256 * 1024)

/*
 * Blocklist entries for a full-length address (/32, /128) live in a hash map
 * keyed by the bare address: one hash lookup, whatever the list size.  All
 * other prefixes live in an LPM trie.  The allowlist is an LPM trie only.
 */
struct guard_lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];		/* network byte order */
};

struct guard_lpm_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct guard_addr_v6 {
	__u8 addr[16];
};

/* Where an entry came from, shown by `list`. */
enum guard_origin {
	GUARD_ORIGIN_MANUAL = 0,	/* block/allow on the command line or a file */
	GUARD_ORIGIN_AUTOBAN = 1,	/* added by the rate limiter */
};

/*
 * Value of every allowlist and blocklist entry.  expires_ns is a deadline on
 * the clock of bpf_ktime_get_ns() (CLOCK_MONOTONIC); 0 means never.  The
 * XDP program treats an expired entry as absent and never deletes it itself
 * (deleting on the fast path would take the map's lock); user space removes
 * expired entries when a list fills up.
 *
 * prefix_len repeats the key's length in the value: an LPM lookup does not
 * say which prefix matched, and when the longest match has expired the
 * program must look again one bit shorter, or an expired /16 would hide a
 * live /8 around it.
 */
struct guard_entry {
	__u64 expires_ns;
	__u32 origin;		/* enum guard_origin */
	__u16 rule_port;	/* autoban: the rule that banned the source */
	__u8 rule_proto;
	__u8 prefix_len;
};

/*
 * Why a packet got its verdict.  Each reason indexes the per-CPU counter
 * array.  The array has room for GUARD_REASON_SLOTS reasons so that new
 * reasons do not change the pinned layout.
 */
enum guard_reason {
	GUARD_REASON_PASS = 0,		/* IP, on no list: XDP_PASS */
	GUARD_REASON_ALLOW,		/* source allowlisted: XDP_PASS */
	GUARD_REASON_BLOCK,		/* source blocklisted: XDP_DROP */
	GUARD_REASON_MALFORMED,		/* bad or truncated headers: XDP_DROP */
	GUARD_REASON_NON_IP,		/* ARP, LLDP, ...: XDP_PASS */
	GUARD_REASON_UNPARSED,		/* more VLAN tags than parsed: XDP_PASS */
	GUARD_REASON_RATE,		/* over the source's pps or bps: XDP_DROP */
	GUARD_REASON_SYN_RATE,		/* over the source's SYN/s: XDP_DROP */
	GUARD_REASON_BUDGET,		/* over the rule's budget for all sources: XDP_DROP */
	GUARD_REASON_BAN,		/* source auto-banned by a rule: XDP_DROP */
	GUARD_REASON_COUNT,
};

#define GUARD_REASON_SLOTS 32
/* Not a verdict: events the ring buffer could not take, or that the event
 * rate limit held back.  Kept in the last counter slot. */
#define GUARD_SLOT_EVENTS_LOST (GUARD_REASON_SLOTS - 1)

/* Not a counter either: per CPU, the coarse clock as the program last
 * read it and the jiffy it read it in (clock.h), as a
 * struct guard_clock.  A slot of this array, which every packet's verdict
 * reads anyway, rather than a map of its own. */
#define GUARD_SLOT_CLOCK (GUARD_REASON_SLOTS - 2)

struct guard_clock {
	__u64 jiffies;
	__u64 ns;
};

/*
 * Not a counter either: per CPU, the budget's gate, as a
 * struct guard_gate.  Under a spoofed flood the rule's budget drops every
 * new source, and what the full path does to tell so (the transport
 * header into the packet's fields, the rule index's chain of lookups, the
 * rule's state, the coarse clock) comes out the same for every packet of
 * the flood until the next tick.  Each drop of a new source that found
 * its rule's budget spent beyond a new source's share on the coarse clock
 * leaves that answer here (the last one per CPU); until jiffies moves on,
 * or user space writes the config, a packet from a source on no IPv4 list,
 * to the same protocol and destination port, without a mark, is dropped
 * on it (budget_gate() in ratelimit.h).  The answer is the full path's:
 * within one jiffy the coarse clock stands still and a budget only fills
 * (but for a charge lost to a race below half the tolerance, which the
 * full path may see and the gate does not: budget_charge()); the marks
 * are read afresh; every change of a rule ends with a write of the
 * config, whose generation the stamp holds.
 */
#define GUARD_SLOT_GATE (GUARD_REASON_SLOTS - 3)

struct guard_gate {
	__u64 stamp;		/* jiffies << 16 | the config's generation; 0: none */
	/* What it holds for, written and read as one word (.all), after the
	 * stamp is read and before it is written: a reader never pairs a
	 * stamp with half of another answer's fields, even where XDP runs
	 * preemptibly (PREEMPT_RT). */
	union {
		struct {
			__u32 rule_word;	/* the rule's key, as the marks' slot takes it */
			__be16 dport;		/* network order */
			__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
			__u8 epoch;		/* guard_mark_epoch() of that jiffy's coarse clock */
		};
		__u64 all;
	};
};

struct guard_counter {
	__u64 packets;
	__u64 bytes;
};

/* ---- rate limiting ---------------------------------------------------- */

/*
 * Every bucket is a GCRA ("virtual scheduling") meter: it keeps the
 * theoretical arrival time (tat) of the next conforming packet.  A packet
 * at time now conforms if tat - now <= tolerance; it then moves tat to
 * max(tat, now) + interval.  That is a token bucket of rate 1/interval and
 * depth tolerance/interval + 1, kept in one u64 per bucket.
 */
struct guard_meter {
	__u64 interval_ns;	/* cost of one packet (or, for bytes, see below) */
	__u64 tolerance_ns;	/* burst: (burst - 1) * interval */
};

/* What a rule applies to.  port 0 with a protocol: all of that protocol
 * ("icmp", "tcp"); port 0 and protocol 0: all traffic ("any"). */
struct guard_rule_key {
	__u16 port;		/* destination port, host byte order */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 0 */
	__u8 pad;
};

#define GUARD_RULE_SYN		(1U << 0)	/* syn meter set */
#define GUARD_RULE_BYTES	(1U << 1)	/* byte meter set */
#define GUARD_RULE_BUDGET	(1U << 2)	/* budget meter set */
#define GUARD_RULE_BUDGET_SYN	(1U << 3)	/* budget SYN meter set */
#define GUARD_RULE_BAN		(1U << 4)	/* auto-ban set */

struct guard_rule {
	__u32 slot;		/* index into xg_rule_state */
	__u32 flags;		/* GUARD_RULE_* */
	/* Per source. */
	struct guard_meter pkt;
	/* Bytes: interval_ns is ns per byte in 16.16 fixed point. */
	struct guard_meter bytes;
	struct guard_meter syn;
	/* For the whole rule, all sources together. */
	struct guard_meter budget;
	struct guard_meter budget_syn;
	/* Auto-ban: a source over its limit for ban_after_ns is blocked for
	 * ban_for_ns. */
	__u64 ban_after_ns;
	__u64 ban_for_ns;
	/* The rule as the user gave it, for display. */
	__u64 pps, burst, bps, bytes_burst, syn_pps, syn_burst;
	__u64 budget_pps, budget_syn_pps;
};

/* Shared by all CPUs: updated with compare-and-swap. */
struct guard_rule_state {
	__u64 budget_tat;
	__u64 budget_syn_tat;
	__u64 last_event_ns;	/* budget drop events, one per window */
	__u64 over_since_ns;	/* start of the current run of budget drops */
	__u64 last_over_ns;	/* last budget drop, to the millisecond */
};

/*
 * The rule index: a packet's rule in one array read, where xg_rules takes
 * a hash lookup for each of the three places a rule may be (port and
 * protocol, protocol, any), the three of them for a packet no rule covers.
 * Under a flood against a rule that hash was the largest cost left.
 *
 * Each byte names the rule that xg_rules would give a packet, as its
 * xg_rule_entries element + 1; 0 is no rule.  TCP and UDP packets with a
 * transport header are found by destination port, all others by protocol
 * (ICMPv6 as ICMP).  User space rebuilds both after every rule change, under
 * the pin path's lock, and a rule's new content goes to one of the two
 * elements that belong to its slot (2 * slot, 2 * slot + 1), the one the
 * live index does not name, so the program never reads a rule half
 * written.  The config bit GUARD_RULE_INDEX says the index is in use;
 * without it the program looks in xg_rules.
 */
#define GUARD_RULE_ENTRIES	(2 * GUARD_RULES_MAX)

struct guard_rule_index {
	__u8 tcp[65536];	/* by destination port */
	__u8 udp[65536];
	__u8 proto[256];	/* every other packet, by protocol */
};

struct guard_rule_entry {
	struct guard_rule_key key;	/* the rule's key in xg_rules */
	__u32 pad;
	struct guard_rule rule;
};

/*
 * A source as rate limiting counts it: an IPv4 address, or an IPv6 prefix
 * of config.v6_prefix_len bits (one attacker owns a whole /64), per rule.
 */
struct guard_source_key {
	__u8 addr[16];		/* IPv4 in addr[0..3], rest zero */
	struct guard_rule_key rule;
	__u8 family;		/* 4 or 6 */
	__u8 pad[3];
};

struct guard_source {
	__u64 pkt_tat;
	__u64 bytes_tat;
	__u64 syn_tat;
	__u64 first_seen_ns;
	__u64 over_since_ns;	/* start of the current run of drops, 0: none */
	__u64 last_drop_ns;
	__u64 last_event_ns;	/* last "first drop" event for this source */
	__u64 last_pass_ns;	/* its last packet that passed */
};

/*
 * Marks of established sources, for the budget's early drop.  While a
 * budget is spent beyond what a new source may use, a packet whose source
 * has no mark is dropped before the source is looked up: under a spoofed
 * flood that lookup, a cache miss in a large LRU map, is most of the cost
 * of every packet.  A source's slot (a hash of its key) holds the epoch in
 * which a packet of it, tracked already, last passed while the budget was
 * not dropping and within a second of its previous pass (or, during a run
 * of drops, renewed a mark it had): a source that is, or may grow,
 * established.  A mark counts in that epoch and the next, so it
 * lasts GUARD_MARK_EPOCH_NS to twice that and then fades without anyone
 * clearing it.  Slots shared by two sources only cost the
 * lookup that a mark stands for: the verdict comes from the source's own
 * state.  The epoch is stored as 1..255, so 0 (never marked) never counts.
 */
#define GUARD_MARK_SLOTS	65536
#define GUARD_MARK_EPOCH_SHIFT	38	/* epochs of 2^38 ns, about 4.6 minutes */
#define GUARD_MARK_EPOCH_NS	(1ULL << GUARD_MARK_EPOCH_SHIFT)

struct guard_marks {
	__u8 epoch[GUARD_MARK_SLOTS];
};

/* A source's mark slot: each of its key's words times its own odd
 * constant, summed, the top bits.  The products are independent of each
 * other, so the program computes them side by side; a chained hash made
 * every flood packet wait for six multiplications in a row.  Here so that
 * user space (the tests) finds the slot the program uses; the program
 * passes an IPv4 source's words itself, without writing its key out. */
static inline __u32 guard_mark_mix(__u32 w0, __u32 w1, __u32 w2, __u32 w3, __u32 w4, __u32 w5)
{
	return (w0 * 0x9E3779B1U + w1 * 0x85EBCA77U + w2 * 0xC2B2AE3DU +
		w3 * 0x27D4EB2FU + w4 * 0x165667B1U + w5 * 0xD3A2646DU) >> 16;
}

static inline __u32 guard_mark_slot(const struct guard_source_key *key)
{
	__u32 w[6];

	_Static_assert(sizeof(*key) == sizeof(w), "six words");
	__builtin_memcpy(w, key, sizeof(w));
	return guard_mark_mix(w[0], w[1], w[2], w[3], w[4], w[5]);
}

/* (now >> GUARD_MARK_EPOCH_SHIFT) % 255 + 1, without a division: BPF has
 * no high multiply, so clang turns a % 255 into a divide instruction, and
 * a passing packet of a rule with a budget may take the epoch twice (to
 * ask for its mark, and to renew it).  For
 * every 32-bit x, x * 0x80808081 >> 39 is x / 255 (the constant is 2^39 /
 * 255 rounded up, and 255 times it exceeds 2^39 by 127, under 2^(39-32));
 * x here is under 2^26. */
static inline __u8 guard_mark_epoch(__u64 now)
{
	__u32 x = now >> GUARD_MARK_EPOCH_SHIFT;
	__u32 q = ((__u64)x * 0x80808081ULL) >> 39;

	return x - q * 255 + 1;
}

#define GUARD_V6_PREFIX_DEFAULT 64
#define GUARD_ESTABLISHED_NS_DEFAULT (2ULL * 1000000000ULL)
#define GUARD_EVENT_WINDOW_NS_DEFAULT (10ULL * 1000000000ULL)

/* Global settings, element 0 of xg_config.  All zero means defaults, so
 * the program behaves when loaded by plain xdp-loader. */
struct guard_config {
	__u32 rule_count;	/* 0: skip rate limiting entirely */
	__u32 v6_prefix_len;	/* 0: GUARD_V6_PREFIX_DEFAULT */
	__u64 established_ns;	/* age after which a source has priority in budgets */
	__u64 event_window_ns;	/* one "first drop" event per source per window */
	struct guard_meter events;	/* rate limit on all events; 0: 1000/s */
	__u64 events_tat;
	__u32 skip_lists;	/* GUARD_SKIP_*: maps known to be empty; the top
				 * 16 bits: the generation (GUARD_CONFIG_GEN_SHIFT) */
	__u32 events_per_s;	/* the event rate as given, for display */
};

/*
 * Maps the program need not look in, because user space knows them to be
 * empty.  Only user space writes these bits, under the pin path's lock,
 * after every change to a list or a rule; a map the rate limiter may ban
 * into is never skipped while a rule with auto-ban exists.  All clear (a
 * fresh config, as after a plain xdp-loader load) means look everywhere.
 * The point: an empty allowlist or prefix list costs nothing per packet,
 * and an empty host list's bucket array stays out of the cache.
 */
#define GUARD_SKIP_ALLOW_V4	(1U << 0)
#define GUARD_SKIP_ALLOW_V6	(1U << 1)
#define GUARD_SKIP_BLOCK_V4	(1U << 2)
#define GUARD_SKIP_BLOCK_V6	(1U << 3)
#define GUARD_SKIP_BLKNET_V4	(1U << 4)
#define GUARD_SKIP_BLKNET_V6	(1U << 5)
/* xg_cells_v4, xg_dir_v4 and xg_deep_v4 are up to date: a list whose bit
 * is clear in the cell of a packet's source has nothing for it. */
#define GUARD_CELLS_V4		(1U << 6)
/* ...and was built while a rule may auto-ban: every cell has the host bit. */
#define GUARD_CELLS_BANS	(1U << 7)
/* xg_dir_v6 is up to date (never while a rule may auto-ban)... */
#define GUARD_INDEX_V6		(1U << 8)
/* ...and a prefix shorter than GUARD_DIR6_SPREAD_MIN exists. */
#define GUARD_INDEX_V6_SHORT	(1U << 9)
/* xg_rule_index and xg_rule_entries hold the rules of xg_rules. */
#define GUARD_RULE_INDEX	(1U << 10)
/* The top 16 bits count user space's writes of the config, modulo 2^16,
 * so that what the program derived from an older config is known to be
 * old (struct guard_gate). */
#define GUARD_CONFIG_GEN_SHIFT	16
#define GUARD_SKIP_BITS		((1U << GUARD_CONFIG_GEN_SHIFT) - 1)

static inline __u32 guard_config_gen(__u32 skip_lists)
{
	return skip_lists >> GUARD_CONFIG_GEN_SHIFT;
}

/* What every write of the config by user space does to it first. */
static inline void guard_config_next_gen(struct guard_config *cfg)
{
	cfg->skip_lists += 1U << GUARD_CONFIG_GEN_SHIFT;
}

/*
 * Which IPv4 lists have anything in each /16, indexed by the first two
 * bytes of the address: the allowlist and the prefix trie when a prefix
 * overlaps the /16, the host hash when an address in it is listed.  A
 * flood from space no list touches then costs no lookup at all, where it
 * would otherwise miss in the host hash's bucket array (16 MiB, out of
 * every cache) and walk the tries.  User space keeps the cells, under the
 * pin path's lock: bits are set before entries go in and cleared only
 * after they are gone, so a cell never says "nothing" while there is
 * something.  While a rule may auto-ban, every cell has the host bit, as
 * the program bans into the host hash without touching the cells.
 */
#define GUARD_CELL_ALLOW	(1U << 0)
#define GUARD_CELL_HOST		(1U << 1)
#define GUARD_CELL_NET		(1U << 2)
#define GUARD_CELL_COUNT	65536

struct guard_cells_v4 {
	__u8 cell[GUARD_CELL_COUNT];
};

/*
 * The IPv4 blocklist's index by /24, so that a lookup costs the same with
 * a million entries as with ten: one 16-bit cell per /24, in 256 values of
 * 128 KiB (one per first address byte, indexed by the next two), says in
 * its low byte
 *   GUARD_DIR_LEN    the longest prefix of /0../24 around the /24 that has
 *                    no deadline and was made by hand, plus one (0: none):
 *                    the whole /24 is blocked, no lookup needed;
 *   GUARD_DIR_TIMED  a prefix of /0../24 around it has a deadline (or came
 *                    from auto-ban): ask the trie, which knows the time;
 *   GUARD_DIR_DEEP   prefixes of /25../31 lie inside: see xg_deep_v4;
 *   GUARD_DIR_HOST   single addresses inside are listed: ask the host hash;
 * and in its high byte (GUARD_DIR_LONE), when not 0, the last byte of the
 * one address listed in the /24, which has no deadline and was made by
 * hand: then the address itself answers, without the host hash.  Most
 * listed /24s hold one address, and a hash lookup costs more than all the
 * rest of a blocked packet's path.  An address ending in .0 never gets the
 * byte.  The byte is more than a mark, it is a verdict, which the program
 * takes before it reads the config, whatever the config says.  So user
 * space keeps it true at every moment, whether or not the index is in use
 * (GUARD_CELLS_V4): it sets it only after its entry is in the hash, and
 * never in a /16 with an allow entry or while a rule may auto-ban; it
 * clears it before another address goes into the /24, before its own
 * entry changes or leaves, and before an allow entry comes into its /16.
 * xg_deep_v4 maps such a /24 (the address shifted right by 8, in host byte
 * order) to the addresses its hand-made, deadline-free prefixes cover, and
 * whether any of its prefixes has a deadline (then the trie decides).
 * The trie and the host hash stay the lists themselves; user space builds
 * the index from them, under the same rules as the cells (GUARD_CELLS_V4
 * covers both): more is marked before entries go in, less only after they
 * are gone.  While a rule may auto-ban, the program ignores the host bit,
 * and the lone-host byte but for its verdict on its own address (which
 * the rate limiter never meets, to ban it).
 */
#define GUARD_DIR_LEN		0x1f
#define GUARD_DIR_DEEP		0x20
#define GUARD_DIR_HOST		0x40
#define GUARD_DIR_TIMED		0x80
#define GUARD_DIR_LONE		0xff00
#define GUARD_DIR_LONE_SHIFT	8
#define GUARD_DIR_CHUNKS	256

struct guard_dir_v4 {
	__u16 cell[65536];
};

struct guard_deep_v4 {
	__u8 covered[32];	/* bit i of byte j: address 8j+i of the /24 */
	__u32 timed;		/* some prefix here has a deadline: ask the trie */
	__u32 pad;
};

/*
 * The IPv6 blocklist's index by /32, for the same reason: a hash keyed by
 * the address's first four bytes (as they are, network order) holds every
 * /32 anything listed touches.  A /32 that is not there has nothing
 * listed, unless a prefix shorter than /24 exists (GUARD_INDEX_V6_SHORT):
 * those are not spread over their /32s, and send every lookup to the
 * trie.  len is the longest prefix of /24../32 around the /32 without a
 * deadline and made by hand, plus one (0: none); flags: GUARD_DIR_HOST
 * (addresses in the host hash), GUARD_DIR_TIMED (such a prefix with a
 * deadline) and GUARD_DIR_DEEP (longer prefixes inside); both of the
 * latter send the lookup to the trie.  GUARD_DIR6_BANS: an auto-ban
 * prefix lies here, so len may not answer for it (the longest match is a
 * ban, not a block): the trie tells.  Not used while a rule may
 * auto-ban: bans go anywhere in IPv6; a ban outlives its rule, though.
 */
#define GUARD_DIR6_SPREAD_MIN	24	/* shortest prefix spread over its /32s */
#define GUARD_DIR6_BANS		0x01	/* in flags, beside HOST, DEEP, TIMED */
#define GUARD_DIR_V6_MAX	524288

struct guard_dir_v6 {
	__u8 len;
	__u8 flags;
	__u16 pad;
};

enum guard_event_type {
	GUARD_EVENT_BAN = 1,		/* a source was auto-banned */
	GUARD_EVENT_DROP = 2,		/* first drop of a source in a window */
	GUARD_EVENT_BUDGET = 3,		/* first budget drop of a rule in a window */
};

struct guard_event {
	__u64 time_ns;		/* bpf_ktime_get_ns() */
	__u64 ban_ns;		/* GUARD_EVENT_BAN: ban length */
	__u32 type;		/* enum guard_event_type */
	__u32 reason;		/* enum guard_reason of the drop */
	struct guard_source_key source;	/* for BUDGET: rule only */
	__u8 prefix_len;	/* of source.addr */
	__u8 pad[7];
};

#endif /* XDP_GUARD_GUARD_MAPS_H */
