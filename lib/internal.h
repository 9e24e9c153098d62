/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared inside lib/ only; not installed, not for callers. */
#ifndef XDP_GUARD_LIB_INTERNAL_H
#define XDP_GUARD_LIB_INTERNAL_H

#include <sys/socket.h>

#include "xdpguard.h"
#include "guard_maps.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void xg_log(enum xg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_warn(...) xg_log(XG_LOG_WARN, __VA_ARGS__)
#define pr_info(...) xg_log(XG_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xg_log(XG_LOG_DEBUG, __VA_ARGS__)

/* The maps an xg_state holds, in the order of the layout table. */
enum xg_map_id {
	XG_MAP_ALLOW_V4,
	XG_MAP_ALLOW_V6,
	XG_MAP_BLOCK_V4,
	XG_MAP_BLOCK_V6,
	XG_MAP_BLKNET_V4,
	XG_MAP_BLKNET_V6,
	XG_MAP_COUNTERS,
	XG_MAP_CONFIG,
	XG_MAP_RULES,
	XG_MAP_RULE_STATE,
	XG_MAP_SOURCES,
	XG_MAP_EVENTS,
	XG_MAP_MARKS,
	XG_MAP_CELLS_V4,
	XG_MAP_DIR_V4,
	XG_MAP_DEEP_V4,
	XG_MAP_DIR_V6,
	XG_MAP_RULE_INDEX,
	XG_MAP_RULE_ENTRIES,
	XG_MAP_COUNT,
};

/* What a pinned map must look like to be ours. */
struct xg_map_layout {
	const char *name;
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int flags;
	/* Holds nothing the lists and rules cannot give back: an index
	 * built from them, or what the rate limiter keeps while it runs. */
	bool renewable;
};

extern const struct xg_map_layout xg_map_layouts[XG_MAP_COUNT];

struct xg_state {
	char *pin_path;
	int lock_fd;			/* -1 unless opened with XG_OPEN_LOCK */
	int map_fds[XG_MAP_COUNT];
	unsigned int map_ids[XG_MAP_COUNT];
};

/* Address bytes of a family. */
/* Read element 0 of xg_config, and write it back with rule_count kept
 * up to date by the rules code. */
int xg_config_read(struct xg_state *st, struct guard_config *cfg);
int xg_config_write(struct xg_state *st, const struct guard_config *cfg);

/* Does any rule have auto-ban on?  Then the maps it bans into may fill at
 * any time and must never be skipped. */
bool xg_rules_may_ban(struct xg_state *st);

/* Write the rule index and its entries from xg_rules (guard_maps.h); the
 * caller sets GUARD_RULE_INDEX in the config when this succeeds. */
int xg_rule_index_build(struct xg_state *st);
/* xg_state_refresh() after a rule change: the rule index, the skip bits,
 * and the list indexes only if auto-ban came or went. */
int xg_state_refresh_rules(struct xg_state *st);

/* Every entry of a map (lists.c). */
struct xg_dump {
	uint8_t *keys;		/* n keys of the map's key size */
	struct guard_entry *vals;
	size_t n;
};

int xg_dump_map(const struct xg_state *st, enum xg_map_id map, struct xg_dump *d);
void xg_dump_free(struct xg_dump *d);

/* Delete the keys of a map keyed by __u32 that keep() does not want. */
int xg_map_prune_u32(int fd, bool (*keep)(__u32 key, const void *ctx), const void *ctx);

/* The IPv4 index: cells per /16, the blocklist per /24 (index4.c). */
int xg_index4_build(const struct xg_state *st, bool bans);
/* Hosts (host byte order) that opened a /24 alone: its lone-host byte,
 * for once their entries are in. */
struct xg_lone_hosts {
	uint32_t *addrs;
	size_t n, cap;
};
void xg_lone_hosts_free(struct xg_lone_hosts *l);
int xg_index4_add(const struct xg_state *st, enum xg_list list,
		  const struct xg_entry *entries, size_t n, bool lone_ok,
		  struct xg_lone_hosts *fresh);
int xg_index4_set_lone(const struct xg_state *st, const struct xg_lone_hosts *fresh);
/* Addresses first..last, host byte order. */
struct xg_range4 {
	uint32_t first, last;
};
/* The addresses of an IPv4 prefix, widened to a /widen if longer. */
void xg_range4_of(const struct xg_prefix *p, unsigned int widen, struct xg_range4 *r);
/* Before a lone-host byte could turn false: clear those of the /24s the
 * ranges touch, in the map, whether or not the index is in use. */
int xg_index4_drop_lone(const struct xg_state *st, const struct xg_range4 *ranges, size_t n);
/* After single addresses left the blocklist, while no rule may ban:
 * clear their /24 and /16 host bits where no live host is left, and give
 * a /24 left with one its lone-host byte. */
int xg_index4_remove_hosts(const struct xg_state *st, const struct xg_prefix *hosts,
			   size_t n);
/* The IPv6 blocklist per /32 (index6.c); *short_prefix: a prefix too
 * short to spread over its /32s is (build) or was just (add) listed. */
int xg_index6_build(const struct xg_state *st, bool *short_prefix);
int xg_index6_add(const struct xg_state *st, const struct xg_entry *entries, size_t n,
		  bool *short_prefix);

static inline int xg_family_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

#endif
