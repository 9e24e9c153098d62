// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPv6 blocklist's index by /32 (guard_maps.h: xg_dir_v6).  As for
 * IPv4 (index4.c), the lists stay the truth and the index only ever says
 * "look" where there may be something: an add marks more before its
 * entries go in, and a build after removals says less.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

struct dir6_item {
	__u32 key;		/* the first four address bytes, as they are */
	struct guard_dir_v6 val;
};

struct index6 {
	struct dir6_item *items;
	size_t n, cap;
	bool short_prefix;	/* one shorter than GUARD_DIR6_SPREAD_MIN */
	int err;
};

static struct guard_dir_v6 *item(struct index6 *ix, __u32 key)
{
	struct dir6_item *it;

	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		struct dir6_item *grown = realloc(ix->items, cap * sizeof(*grown));

		if (!grown) {
			ix->err = -ENOMEM;
			return NULL;
		}
		ix->items = grown;
		ix->cap = cap;
	}
	it = &ix->items[ix->n++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	return &it->val;
}

/* One entry of the IPv6 blocklist into the index. */
static void index_entry(struct index6 *ix, const uint8_t addr[16], unsigned int len,
			const struct guard_entry *val)
{
	bool plain = !val->expires_ns && val->origin == GUARD_ORIGIN_MANUAL;
	/* A host's ban is found in the host hash before len is asked. */
	__u8 bans = val->origin == GUARD_ORIGIN_AUTOBAN && len < 128 ? GUARD_DIR6_BANS : 0;
	struct guard_dir_v6 *d;
	uint32_t first;

	memcpy(&first, addr, 4);
	first = ntohl(first);
	if (len == 128) {
		d = item(ix, htonl(first));
		if (d)
			d->flags |= GUARD_DIR_HOST;
		return;
	}
	if (len > 32) {
		d = item(ix, htonl(first));
		if (d)
			d->flags |= GUARD_DIR_DEEP | bans;
		return;
	}
	if (len < GUARD_DIR6_SPREAD_MIN) {
		ix->short_prefix = true;
		return;
	}
	first &= len ? ~0U << (32 - len) : 0;
	for (uint64_t k = first; k <= (first | (len == 32 ? 0 : ~0U >> len)) && !ix->err; k++) {
		d = item(ix, htonl((uint32_t)k));
		if (!d)
			return;
		if (!plain)
			d->flags |= GUARD_DIR_TIMED | bans;
		else if (d->len < len + 1)
			d->len = len + 1;
	}
}

static int item_cmp(const void *a, const void *b)
{
	__u32 x = ntohl(((const struct dir6_item *)a)->key);
	__u32 y = ntohl(((const struct dir6_item *)b)->key);

	return x < y ? -1 : x > y;
}

/* One item per /32: the longest len, every flag. */
static void merge(struct index6 *ix)
{
	size_t out = 0;

	if (!ix->n)
		return;
	qsort(ix->items, ix->n, sizeof(*ix->items), item_cmp);
	for (size_t i = 1; i < ix->n; i++) {
		struct dir6_item *o = &ix->items[out];

		if (ix->items[i].key != o->key) {
			ix->items[++out] = ix->items[i];
			continue;
		}
		if (ix->items[i].val.len > o->val.len)
			o->val.len = ix->items[i].val.len;
		o->val.flags |= ix->items[i].val.flags;
	}
	ix->n = out + 1;
}

/* Is key one of the build's /32s?  (For xg_map_prune_u32.) */
static bool found(__u32 key, const void *ctx)
{
	const struct index6 *ix = ctx;
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		__u32 k = ntohl(ix->items[mid].key), want = ntohl(key);

		if (k == want)
			return true;
		if (k < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

#define BATCH 8192

static int write_items(const struct xg_state *st, struct index6 *ix)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	int fd = st->map_fds[XG_MAP_DIR_V6];
	__u32 *keys = malloc(BATCH * sizeof(*keys));
	struct guard_dir_v6 *vals = malloc(BATCH * sizeof(*vals));
	int ret = 0;

	if (!keys || !vals)
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < ix->n; i += BATCH) {
		__u32 count = ix->n - i < BATCH ? ix->n - i : BATCH;

		for (__u32 j = 0; j < count; j++) {
			keys[j] = ix->items[i + j].key;
			vals[j] = ix->items[i + j].val;
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, &opts))
			ret = -errno;
	}
	free(keys);
	free(vals);
	return ret;
}

int xg_index6_build(const struct xg_state *st, bool *short_prefix)
{
	static const enum xg_map_id maps[] = { XG_MAP_BLOCK_V6, XG_MAP_BLKNET_V6 };
	struct index6 ix = { 0 };
	uint64_t now = xg_now_ns();
	int ret = 0;

	for (size_t m = 0; m < ARRAY_SIZE(maps) && !ret; m++) {
		bool lpm = xg_map_layouts[maps[m]].type == BPF_MAP_TYPE_LPM_TRIE;
		size_t ksize = xg_map_layouts[maps[m]].key_size;
		struct xg_dump d;

		ret = xg_dump_map(st, maps[m], &d);
		for (size_t i = 0; !ret && i < d.n && !ix.err; i++) {
			const uint8_t *key = d.keys + i * ksize;
			__u32 len = 128;

			if (d.vals[i].expires_ns && d.vals[i].expires_ns <= now)
				continue;
			if (lpm) {
				memcpy(&len, key, sizeof(len));
				key += sizeof(len);
			}
			index_entry(&ix, key, len, &d.vals[i]);
		}
		if (!ret)
			xg_dump_free(&d);
	}
	ret = ret ? ret : ix.err;
	merge(&ix);
	/* More first, then less. */
	if (!ret)
		ret = write_items(st, &ix);
	if (!ret)
		ret = xg_map_prune_u32(st->map_fds[XG_MAP_DIR_V6], found, &ix);
	*short_prefix = ix.short_prefix;
	free(ix.items);
	return ret;
}

#define BULK_MIN 1024

/* Fold what the map holds into the items (sorted, merged) it shares keys
 * with. */
static int merge_map(const struct xg_state *st, struct index6 *ix)
{
	int fd = st->map_fds[XG_MAP_DIR_V6];
	__u32 *keys = malloc(BATCH * sizeof(*keys)), token = 0;
	struct guard_dir_v6 *vals = malloc(BATCH * sizeof(*vals));
	bool first = true;
	int ret = 0;

	if (!keys || !vals)
		ret = -ENOMEM;
	while (!ret) {
		__u32 count = BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, keys, vals,
					       &count, NULL);

		if (err && errno != ENOENT) {
			ret = -errno;
			break;
		}
		for (__u32 j = 0; j < count; j++) {
			size_t lo = 0, hi = ix->n;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (ntohl(ix->items[mid].key) < ntohl(keys[j]))
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < ix->n && ix->items[lo].key == keys[j]) {
				struct guard_dir_v6 *v = &ix->items[lo].val;

				if (vals[j].len > v->len)
					v->len = vals[j].len;
				v->flags |= vals[j].flags;
			}
		}
		if (err)	/* ENOENT: that was the last batch */
			break;
		first = false;
	}
	free(keys);
	free(vals);
	return ret;
}

int xg_index6_add(const struct xg_state *st, const struct xg_entry *entries, size_t n,
		  bool *short_prefix)
{
	struct index6 ix = { 0 };
	int ret = 0;

	for (size_t i = 0; i < n && !ix.err; i++) {
		struct guard_entry val = {
			.expires_ns = entries[i].expires_ns,
			.origin = entries[i].origin,
		};

		if (entries[i].prefix.family == AF_INET6)
			index_entry(&ix, entries[i].prefix.addr, entries[i].prefix.len, &val);
	}
	ret = ix.err;
	merge(&ix);
	/* On top of what the map has: key by key for a few, or the whole map
	 * read in bulk for a list file (for a new list, nothing to read). */
	if (!ret && ix.n > BULK_MIN)
		ret = merge_map(st, &ix);
	for (size_t i = 0; !ret && ix.n <= BULK_MIN && i < ix.n; i++) {
		struct guard_dir_v6 cur;

		if (bpf_map_lookup_elem(st->map_fds[XG_MAP_DIR_V6], &ix.items[i].key, &cur))
			continue;
		if (cur.len > ix.items[i].val.len)
			ix.items[i].val.len = cur.len;
		ix.items[i].val.flags |= cur.flags;
	}
	if (!ret)
		ret = write_items(st, &ix);
	*short_prefix = ix.short_prefix;
	free(ix.items);
	return ret;
}
