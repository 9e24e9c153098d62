// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The allowlist and the blocklist.  Each list spans several maps (one per
 * family; the blocklist also splits single addresses, kept in an exact-match
 * hash, from shorter prefixes, kept in an LPM trie).  This file hides that
 * split: callers see prefixes and entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

#define KEY_MAX sizeof(struct guard_lpm_v6)

/* The maps that make up a list; XG_MAP_COUNT ends the row. */
static const enum xg_map_id list_maps[][5] = {
	[XG_ALLOWLIST] = { XG_MAP_ALLOW_V4, XG_MAP_ALLOW_V6, XG_MAP_COUNT },
	[XG_BLOCKLIST] = { XG_MAP_BLOCK_V4, XG_MAP_BLOCK_V6, XG_MAP_BLKNET_V4,
			   XG_MAP_BLKNET_V6, XG_MAP_COUNT },
};

const char *xg_list_name(enum xg_list list)
{
	return list == XG_ALLOWLIST ? "allowlist" : "blocklist";
}

const char *xg_origin_name(uint32_t origin)
{
	switch (origin) {
	case GUARD_ORIGIN_MANUAL:
		return "manual";
	case GUARD_ORIGIN_AUTOBAN:
		return "autoban";
	default:
		return "unknown";
	}
}

static bool is_lpm(enum xg_map_id map)
{
	return xg_map_layouts[map].type == BPF_MAP_TYPE_LPM_TRIE;
}

static int map_family(enum xg_map_id map)
{
	switch (map) {
	case XG_MAP_ALLOW_V4:
	case XG_MAP_BLOCK_V4:
	case XG_MAP_BLKNET_V4:
		return AF_INET;
	default:
		return AF_INET6;
	}
}

/* Which map holds p on a list, and its key there. */
static enum xg_map_id entry_key(enum xg_list list, const struct xg_prefix *p,
				uint8_t key[KEY_MAX])
{
	bool v4 = p->family == AF_INET;
	int alen = xg_family_addr_len(p->family);
	enum xg_map_id map;

	if (list == XG_ALLOWLIST)
		map = v4 ? XG_MAP_ALLOW_V4 : XG_MAP_ALLOW_V6;
	else if (xg_prefix_is_host(p))
		map = v4 ? XG_MAP_BLOCK_V4 : XG_MAP_BLOCK_V6;
	else
		map = v4 ? XG_MAP_BLKNET_V4 : XG_MAP_BLKNET_V6;

	memset(key, 0, KEY_MAX);
	if (is_lpm(map)) {
		__u32 plen = p->len;

		memcpy(key, &plen, sizeof(plen));
		memcpy(key + sizeof(plen), p->addr, alen);
	} else {
		memcpy(key, p->addr, alen);
	}
	return map;
}

/* The prefix a key of a map stands for. */
static void key_prefix(enum xg_map_id map, const uint8_t *key, struct xg_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = map_family(map);
	if (is_lpm(map)) {
		__u32 plen;

		memcpy(&plen, key, sizeof(plen));
		p->len = plen;
		memcpy(p->addr, key + sizeof(plen), xg_family_addr_len(p->family));
	} else {
		p->len = p->family == AF_INET ? 32 : 128;
		memcpy(p->addr, key, xg_family_addr_len(p->family));
	}
}

/*
 * Call fn for every key of a map.  Keys are collected first, so fn may
 * delete them.
 */
typedef int (*key_fn)(enum xg_map_id map, int fd, const uint8_t *key, void *ctx);

static int foreach_key(const struct xg_state *st, enum xg_map_id map,
		       key_fn fn, void *ctx)
{
	size_t ksize = xg_map_layouts[map].key_size, n = 0, cap = 0;
	int fd = st->map_fds[map], ret = 0;
	uint8_t cur[KEY_MAX], *keys = NULL;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			uint8_t *nk = realloc(keys, ncap * ksize);

			if (!nk) {
				ret = -ENOMEM;
				goto out;
			}
			keys = nk;
			cap = ncap;
		}
		memcpy(keys + n * ksize, cur, ksize);
		prev = keys + n * ksize;
		n++;
	}
	if (errno != ENOENT) {
		ret = -errno;
		pr_warn("cannot walk %s: %s\n", xg_map_layouts[map].name, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && !ret; i++)
		ret = fn(map, fd, keys + i * ksize, ctx);
out:
	free(keys);
	return ret;
}

static int foreach_list_key(const struct xg_state *st, enum xg_list list,
			    key_fn fn, void *ctx)
{
	for (const enum xg_map_id *m = list_maps[list]; *m != XG_MAP_COUNT; m++) {
		int ret = foreach_key(st, *m, fn, ctx);

		if (ret)
			return ret;
	}
	return 0;
}

/* One change made by xg_list_add(), so that it can be undone. */
struct undo {
	enum xg_map_id map;
	bool had_old;
	uint8_t key[KEY_MAX];
	struct guard_entry old;
};

static void undo_changes(const struct xg_state *st, const struct undo *u, size_t n)
{
	/* Backwards, so a prefix given twice ends as it was before. */
	while (n--) {
		int fd = st->map_fds[u[n].map];

		if (u[n].had_old)
			bpf_map_update_elem(fd, u[n].key, &u[n].old, BPF_ANY);
		else
			bpf_map_delete_elem(fd, u[n].key);
	}
}

size_t xg_list_capacity(enum xg_list list, int family)
{
	size_t total = 0;

	for (const enum xg_map_id *m = list_maps[list]; *m != XG_MAP_COUNT; m++)
		if (map_family(*m) == family)
			total += xg_map_layouts[*m].max_entries;
	return total;
}

int xg_list_add(struct xg_state *st, enum xg_list list,
		const struct xg_entry *entries, size_t n, size_t *failed_index)
{
	struct undo *undo;
	int ret = 0;

	undo = calloc(n ? n : 1, sizeof(*undo));
	if (!undo)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct guard_entry val = {
			.expires_ns = entries[i].expires_ns,
			.origin = entries[i].origin,
		};
		struct undo *u = &undo[i];
		int fd;

		u->map = entry_key(list, &entries[i].prefix, u->key);
		fd = st->map_fds[u->map];
		u->had_old = bpf_map_lookup_elem(fd, u->key, &u->old) == 0;
		if (bpf_map_update_elem(fd, u->key, &val, BPF_ANY)) {
			char buf[XG_PREFIX_STRLEN];

			ret = -errno;
			/* Hash maps say E2BIG when full, LPM tries ENOSPC. */
			if (ret == -E2BIG || ret == -ENOSPC) {
				ret = -ENOSPC;
				pr_warn("the %s is full: %s holds at most %u entries; nothing was added\n",
					xg_list_name(list), xg_map_layouts[u->map].name,
					xg_map_layouts[u->map].max_entries);
			} else {
				pr_warn("cannot add %s to the %s: %s; nothing was added\n",
					xg_prefix_format(&entries[i].prefix, buf, sizeof(buf)),
					xg_list_name(list), strerror(-ret));
			}
			if (failed_index)
				*failed_index = i;
			undo_changes(st, undo, i);
			break;
		}
	}
	free(undo);
	return ret;
}

int xg_list_remove(struct xg_state *st, enum xg_list list,
		   const struct xg_prefix *prefixes, size_t n, size_t *missing_index)
{
	struct guard_entry val;
	uint8_t key[KEY_MAX];

	/* Check them all first, so that a typo removes nothing. */
	for (size_t i = 0; i < n; i++) {
		enum xg_map_id map = entry_key(list, &prefixes[i], key);

		if (bpf_map_lookup_elem(st->map_fds[map], key, &val)) {
			if (missing_index)
				*missing_index = i;
			return -ENOENT;
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum xg_map_id map = entry_key(list, &prefixes[i], key);

		/* ENOENT here is the same prefix given twice. */
		if (bpf_map_delete_elem(st->map_fds[map], key) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

struct delete_ctx {
	uint64_t now;		/* 0: delete all; else only expired before now */
	size_t removed;
};

static int delete_key(enum xg_map_id map, int fd, const uint8_t *key, void *ctx)
{
	struct delete_ctx *dc = ctx;
	struct guard_entry val;

	(void)map;
	if (dc->now) {
		if (bpf_map_lookup_elem(fd, key, &val))
			return 0;	/* gone meanwhile */
		if (val.expires_ns == 0 || val.expires_ns > dc->now)
			return 0;
	}
	if (bpf_map_delete_elem(fd, key) == 0)
		dc->removed++;
	else if (errno != ENOENT)
		return -errno;
	return 0;
}

int xg_list_clear(struct xg_state *st, enum xg_list list, size_t *removed)
{
	struct delete_ctx dc = { 0 };
	int ret = foreach_list_key(st, list, delete_key, &dc);

	if (removed)
		*removed = dc.removed;
	return ret;
}

int xg_list_prune(struct xg_state *st, size_t *removed)
{
	struct delete_ctx dc = { .now = xg_now_ns() };
	int ret;

	ret = foreach_list_key(st, XG_ALLOWLIST, delete_key, &dc);
	if (!ret)
		ret = foreach_list_key(st, XG_BLOCKLIST, delete_key, &dc);
	if (removed)
		*removed = dc.removed;
	return ret;
}

struct collect_ctx {
	uint64_t now;
	bool include_expired;
	struct xg_entry *items;
	size_t count, cap;
};

static int collect_key(enum xg_map_id map, int fd, const uint8_t *key, void *ctx)
{
	struct collect_ctx *cc = ctx;
	struct guard_entry val;
	struct xg_entry *e;

	if (bpf_map_lookup_elem(fd, key, &val))
		return 0;
	if (!cc->include_expired && val.expires_ns && val.expires_ns <= cc->now)
		return 0;
	if (cc->count == cc->cap) {
		size_t ncap = cc->cap ? cc->cap * 2 : 256;
		struct xg_entry *n = realloc(cc->items, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cc->items = n;
		cc->cap = ncap;
	}
	e = &cc->items[cc->count++];
	key_prefix(map, key, &e->prefix);
	e->expires_ns = val.expires_ns;
	e->origin = val.origin;
	/* The rate limiter records which rule banned the source. */
	e->rule.port = val.reserved >> 8;
	e->rule.proto = val.reserved & 0xFF;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return xg_prefix_cmp(&((const struct xg_entry *)a)->prefix,
			     &((const struct xg_entry *)b)->prefix);
}

int xg_list_get(struct xg_state *st, enum xg_list list, bool include_expired,
		struct xg_entry **out, size_t *count)
{
	struct collect_ctx cc = { .now = xg_now_ns(), .include_expired = include_expired };
	int ret;

	ret = foreach_list_key(st, list, collect_key, &cc);
	if (ret) {
		free(cc.items);
		return ret;
	}
	if (cc.count)
		qsort(cc.items, cc.count, sizeof(*cc.items), entry_cmp);
	*out = cc.items;
	*count = cc.count;
	return 0;
}
