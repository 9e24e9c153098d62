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

/*
 * Capacities.  Hash maps are created with BPF_F_NO_PREALLOC (LPM tries
 * require it), so an empty list costs only its bucket array; entries take
 * memory as they are added.
 */
#define GUARD_ALLOW_V4_MAX	65536
#define GUARD_ALLOW_V6_MAX	65536
#define GUARD_BLOCK_V4_MAX	1048576
#define GUARD_BLOCK_V6_MAX	262144
#define GUARD_BLKNET_V4_MAX	262144
#define GUARD_BLKNET_V6_MAX	65536

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
 * (deleting on the fast path would take the map's lock); user space prunes
 * expired entries whenever it changes a list.
 */
struct guard_entry {
	__u64 expires_ns;
	__u32 origin;		/* enum guard_origin */
	__u32 reserved;		/* zero; room for a rule id */
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
	GUARD_REASON_COUNT,
};

#define GUARD_REASON_SLOTS 32

struct guard_counter {
	__u64 packets;
	__u64 bytes;
};

#endif /* XDP_GUARD_GUARD_MAPS_H */
