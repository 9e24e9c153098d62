// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPv4 index (guard_maps.h): which lists have anything in each /16
 * (xg_cells_v4), and the blocklist per /24 (xg_dir_v4, xg_deep_v4), so
 * that the program answers most IPv4 lookups from an array, whatever the
 * size of the lists.  The lists themselves stay the truth; the index is
 * built from them here, and only ever says "look" where there may be
 * something: bits are added before entries go in (xg_index4_add), and
 * cleared only after they are gone: by a build (xg_index4_build), or, for
 * a few single addresses, by looking around each (xg_index4_remove_hosts).
 * The lone-host byte of a /24 is the other way round, being a verdict: it
 * is set only once its address is in (a build, xg_index4_set_lone), and
 * never in a /16 with an allow entry; it is cleared before anything else
 * goes into the /24, and (xg_index4_drop_lone) before its address leaves
 * the blocklist or an allow entry comes in over it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

/* The index as user space builds it, before it goes to the maps.  A DIR
 * chunk is loaded (or zeroed, for a build) only when something touches
 * it. */
struct index4 {
	struct guard_cells_v4 cells;
	struct guard_dir_v4 *dir[GUARD_DIR_CHUNKS];
	bool dir_dirty[GUARD_DIR_CHUNKS];
	bool build;		/* from nothing, or on top of the maps */
	bool lone_ok;		/* no rule may ban: lone-host bytes allowed */
	struct deep_item *deep;	/* /24s with prefixes /25../31 */
	size_t n_deep, cap_deep;
	struct xg_lone_hosts *fresh;	/* an add: /24s its hosts opened */
	int err;
};

struct deep_item {
	__u32 key;		/* the /24: address >> 8, host byte order */
	struct guard_deep_v4 val;
};

static uint32_t addr_of(const uint8_t addr[4])
{
	return (uint32_t)addr[0] << 24 | addr[1] << 16 | addr[2] << 8 | addr[3];
}

/* The range of addresses a prefix covers.  The address is cut to the
 * prefix first: a key may carry bits past its length, which the trie
 * ignores, and so must the index. */
static void prefix_range(const uint8_t addr[4], unsigned int len, uint32_t *first,
			 uint32_t *last)
{
	uint32_t host = len >= 32 ? 0 : ~0U >> len;

	*first = addr_of(addr) & ~host;
	*last = *first | host;
}

static __u16 *dir_cell(struct index4 *ix, const struct xg_state *st, uint32_t slash24)
{
	uint32_t chunk = slash24 >> 16;

	if (!ix->dir[chunk]) {
		ix->dir[chunk] = calloc(1, sizeof(*ix->dir[chunk]));
		if (!ix->dir[chunk]) {
			ix->err = -ENOMEM;
			return NULL;
		}
		if (!ix->build &&
		    bpf_map_lookup_elem(st->map_fds[XG_MAP_DIR_V4], &chunk, ix->dir[chunk])) {
			ix->err = -errno;
			return NULL;
		}
	}
	ix->dir_dirty[chunk] = true;
	return &ix->dir[chunk]->cell[slash24 & 0xffff];
}

static struct deep_item *deep_item(struct index4 *ix, const struct xg_state *st,
				   uint32_t slash24)
{
	struct deep_item *it;

	/* One item per prefix, merged once at the end (deep_merge). */
	if (ix->n_deep == ix->cap_deep) {
		size_t cap = ix->cap_deep ? ix->cap_deep * 2 : 256;
		struct deep_item *grown = realloc(ix->deep, cap * sizeof(*grown));

		if (!grown) {
			ix->err = -ENOMEM;
			return NULL;
		}
		ix->deep = grown;
		ix->cap_deep = cap;
	}
	it = &ix->deep[ix->n_deep++];
	memset(it, 0, sizeof(*it));
	it->key = slash24;
	/* An add goes on top of what the map has (absent: all zero). */
	if (!ix->build)
		bpf_map_lookup_elem(st->map_fds[XG_MAP_DEEP_V4], &slash24, &it->val);
	return it;
}

static int lone_hosts_push(struct xg_lone_hosts *l, uint32_t addr)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		uint32_t *grown = realloc(l->addrs, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->addrs = grown;
		l->cap = cap;
	}
	l->addrs[l->n++] = addr;
	return 0;
}

void xg_lone_hosts_free(struct xg_lone_hosts *l)
{
	free(l->addrs);
	memset(l, 0, sizeof(*l));
}

/*
 * A host into its /24's cell.  The first host of a /24 sets the host bit
 * and, if it may stand alone (no deadline, made by hand, not .0), the
 * lone-host byte; any other host, or a new value for the same one that
 * may not, clears the byte.  An add keeps the byte of a /24 it opens out
 * of the map (index_write) and hands it to xg_index4_set_lone for after
 * the entries are in.
 */
static void index_host(struct index4 *ix, __u16 *d, uint32_t addr, bool plain)
{
	bool allowed = ix->cells.cell[addr >> 16] & GUARD_CELL_ALLOW;
	__u16 lone = (plain && ix->lone_ok && !allowed && (addr & 0xff)) ? addr & 0xff : 0;

	if (!(*d & GUARD_DIR_HOST)) {
		*d |= GUARD_DIR_HOST | lone << GUARD_DIR_LONE_SHIFT;
		if (ix->fresh && lone_hosts_push(ix->fresh, addr))
			ix->err = -ENOMEM;
	} else if ((*d & GUARD_DIR_LONE) >> GUARD_DIR_LONE_SHIFT != lone) {
		*d &= ~GUARD_DIR_LONE;
	}
}

/* One live (or, for an add, any) entry of an IPv4 list into the index. */
static void index_entry(struct index4 *ix, const struct xg_state *st, enum xg_map_id map,
			const uint8_t addr[4], unsigned int len, const struct guard_entry *val)
{
	bool plain = !val->expires_ns && val->origin == GUARD_ORIGIN_MANUAL;
	uint32_t first, last;
	__u16 *d;

	prefix_range(addr, len, &first, &last);
	if (map == XG_MAP_ALLOW_V4) {
		for (uint32_t c = first >> 16; c <= last >> 16; c++)
			ix->cells.cell[c] |= GUARD_CELL_ALLOW;
		return;
	}
	if (map == XG_MAP_BLOCK_V4) {
		ix->cells.cell[first >> 16] |= GUARD_CELL_HOST;
		d = dir_cell(ix, st, first >> 8);
		if (d)
			index_host(ix, d, first, plain);
		return;
	}
	for (uint32_t c = first >> 16; c <= last >> 16; c++)
		ix->cells.cell[c] |= GUARD_CELL_NET;
	if (len <= 24) {
		for (uint64_t s = first >> 8; s <= last >> 8 && !ix->err; s++) {
			d = dir_cell(ix, st, s);
			if (!d)
				break;
			if (!plain)
				*d |= GUARD_DIR_TIMED;
			else if ((*d & GUARD_DIR_LEN) < len + 1)
				*d = (*d & ~GUARD_DIR_LEN) | (len + 1);
		}
	} else {
		struct deep_item *it = deep_item(ix, st, first >> 8);

		d = dir_cell(ix, st, first >> 8);
		if (!it || !d)
			return;
		*d |= GUARD_DIR_DEEP;
		if (!plain) {
			it->val.timed = 1;
			return;
		}
		for (uint32_t a = first & 0xff; a <= (last & 0xff); a++)
			it->val.covered[a >> 3] |= 1U << (a & 7);
	}
}

static int deep_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct deep_item *)a)->key, y = ((const struct deep_item *)b)->key;

	return x < y ? -1 : x > y;
}

/* Several prefixes in one /24 made several items: merge them. */
static void deep_merge(struct index4 *ix)
{
	size_t out = 0;

	if (!ix->n_deep)
		return;
	qsort(ix->deep, ix->n_deep, sizeof(*ix->deep), deep_cmp);
	for (size_t i = 1; i < ix->n_deep; i++) {
		struct deep_item *o = &ix->deep[out];

		if (ix->deep[i].key != o->key) {
			ix->deep[++out] = ix->deep[i];
			continue;
		}
		for (size_t b = 0; b < sizeof(o->val.covered); b++)
			o->val.covered[b] |= ix->deep[i].val.covered[b];
		o->val.timed |= ix->deep[i].val.timed;
	}
	ix->n_deep = out + 1;
}

/* Is key one of the build's /24s?  (For xg_map_prune_u32.) */
static bool deep_found(__u32 key, const void *ctx)
{
	const struct index4 *ix = ctx;
	size_t lo = 0, hi = ix->n_deep;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix->deep[mid].key == key)
			return true;
		if (ix->deep[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Write the deep items; a build also deletes the /24s it did not find,
 * after everything else is written. */
static int deep_write(const struct index4 *ix, const struct xg_state *st)
{
	int fd = st->map_fds[XG_MAP_DEEP_V4];

	for (size_t i = 0; i < ix->n_deep; i++)
		if (bpf_map_update_elem(fd, &ix->deep[i].key, &ix->deep[i].val, BPF_ANY))
			return -errno;
	return ix->build ? xg_map_prune_u32(fd, deep_found, ix) : 0;
}

/*
 * To the maps.  In a build, the DIR chunks nothing touched are all zero;
 * only those that differ from the map are written.  The cells go last: a
 * /16 they open is fully described below them by then.  Without
 * with_cells they are left as the map has them.
 */
static int index_write(struct index4 *ix, const struct xg_state *st, bool with_cells)
{
	struct guard_dir_v4 *cur = NULL, *zero = NULL;
	int ret = 0;
	__u32 k = 0;

	if (ix->err)
		return ix->err;
	if (ix->build) {
		cur = malloc(sizeof(*cur));
		zero = calloc(1, sizeof(*zero));
		if (!cur || !zero)
			ret = -ENOMEM;
	}
	ret = ret ? ret : deep_write(ix, st);
	for (__u32 c = 0; c < GUARD_DIR_CHUNKS && !ret; c++) {
		const struct guard_dir_v4 *want = ix->dir[c] ? ix->dir[c] : zero;

		if (!ix->build && !ix->dir_dirty[c])
			continue;
		if (ix->build) {
			if (bpf_map_lookup_elem(st->map_fds[XG_MAP_DIR_V4], &c, cur)) {
				ret = -errno;
				break;
			}
			if (!memcmp(cur, want, sizeof(*cur)))
				continue;
		}
		if (bpf_map_update_elem(st->map_fds[XG_MAP_DIR_V4], &c, want, BPF_ANY))
			ret = -errno;
	}
	if (!ret && with_cells &&
	    bpf_map_update_elem(st->map_fds[XG_MAP_CELLS_V4], &k, &ix->cells, BPF_ANY))
		ret = -errno;
	free(cur);
	free(zero);
	return ret;
}

static void index_free(struct index4 *ix)
{
	for (int c = 0; c < GUARD_DIR_CHUNKS; c++)
		free(ix->dir[c]);
	free(ix->deep);
	free(ix);
}

/*
 * Build the whole index from what the IPv4 maps hold now.  Entries already
 * expired are left out: the program treats them as absent, and they stay
 * expired.  While a rule may auto-ban, the program can add a host anywhere,
 * so every cell gets the host bit (and the program ignores the /24s'), and
 * no /24 gets a lone-host byte.
 */
int xg_index4_build(const struct xg_state *st, bool bans)
{
	static const enum xg_map_id maps[] = {
		XG_MAP_ALLOW_V4, XG_MAP_BLOCK_V4, XG_MAP_BLKNET_V4,
	};
	struct index4 *ix = calloc(1, sizeof(*ix));
	uint64_t now = xg_now_ns();
	int ret = 0;

	if (!ix)
		return -ENOMEM;
	ix->build = true;
	ix->lone_ok = !bans;
	if (bans)
		memset(ix->cells.cell, GUARD_CELL_HOST, sizeof(ix->cells.cell));
	for (size_t m = 0; m < ARRAY_SIZE(maps) && !ret; m++) {
		bool lpm = xg_map_layouts[maps[m]].type == BPF_MAP_TYPE_LPM_TRIE;
		size_t ksize = xg_map_layouts[maps[m]].key_size;
		struct xg_dump d;

		/* Hosts too while bans are on: the /24s' host bits must be
		 * right the moment the program stops ignoring them. */
		ret = xg_dump_map(st, maps[m], &d);
		for (size_t i = 0; !ret && i < d.n && !ix->err; i++) {
			const uint8_t *key = d.keys + i * ksize;
			__u32 len = 32;

			if (d.vals[i].expires_ns && d.vals[i].expires_ns <= now)
				continue;
			if (lpm) {
				memcpy(&len, key, sizeof(len));
				key += sizeof(len);
			}
			index_entry(ix, st, maps[m], key, len, &d.vals[i]);
		}
		if (!ret)
			xg_dump_free(&d);
	}
	deep_merge(ix);
	if (!ret)
		ret = index_write(ix, st, true);
	index_free(ix);
	return ret;
}

/* An index to change what the maps hold: the cells read now, the /24
 * chunks as they are touched.  *ixp is NULL only when out of memory; a
 * failed read comes back with it, for the caller to free. */
static int index4_from_maps(const struct xg_state *st, struct index4 **ixp)
{
	struct index4 *ix = calloc(1, sizeof(*ix));
	__u32 zero = 0;

	*ixp = ix;
	if (!ix)
		return -ENOMEM;
	return bpf_map_lookup_elem(st->map_fds[XG_MAP_CELLS_V4], &zero, &ix->cells) ? -errno : 0;
}

/* The lone-host bytes of the /24s an add opened leave the index it writes;
 * those still set go to ix->fresh, for xg_index4_set_lone. */
static void hold_back_lone(struct index4 *ix)
{
	struct xg_lone_hosts *f = ix->fresh;
	size_t kept = 0;

	for (size_t i = 0; i < f->n; i++) {
		__u16 *d = &ix->dir[f->addrs[i] >> 24]->cell[(f->addrs[i] >> 8) & 0xffff];

		if (*d & GUARD_DIR_LONE)
			f->addrs[kept++] = f->addrs[i];
		*d &= ~GUARD_DIR_LONE;
	}
	f->n = kept;
}

/*
 * Before entries go in: add what they need to the index in the maps.
 * Only ever more, but for lone-host bytes, which it clears where another
 * host comes in: an entry that replaces one, and may need less (a
 * deadline where there was none), is for a build afterwards.  fresh gets
 * the hosts that open a /24 alone, if lone_ok (no rule may ban), for
 * xg_index4_set_lone once they are in.
 */
int xg_index4_add(const struct xg_state *st, enum xg_list list,
		  const struct xg_entry *entries, size_t n, bool lone_ok,
		  struct xg_lone_hosts *fresh)
{
	struct index4 *ix;
	int ret = index4_from_maps(st, &ix);

	if (!ix)
		return ret;
	ix->lone_ok = lone_ok;
	ix->fresh = fresh;
	for (size_t i = 0; !ret && i < n && !ix->err; i++) {
		const struct xg_prefix *p = &entries[i].prefix;
		struct guard_entry val = {
			.expires_ns = entries[i].expires_ns,
			.origin = entries[i].origin,
		};
		enum xg_map_id map;

		if (p->family != AF_INET)
			continue;
		if (list == XG_ALLOWLIST)
			map = XG_MAP_ALLOW_V4;
		else
			map = p->len == 32 ? XG_MAP_BLOCK_V4 : XG_MAP_BLKNET_V4;
		index_entry(ix, st, map, p->addr, p->len, &val);
	}
	deep_merge(ix);
	if (!ret && !ix->err && fresh)
		hold_back_lone(ix);
	if (!ret)
		ret = index_write(ix, st, true);
	index_free(ix);
	return ret;
}

/* After an add's entries are in: the lone-host bytes xg_index4_add held
 * back, for /24s that still hold those hosts alone as far as the index
 * knows. */
int xg_index4_set_lone(const struct xg_state *st, const struct xg_lone_hosts *fresh)
{
	struct index4 *ix;
	int ret;

	if (!fresh->n)
		return 0;
	ret = index4_from_maps(st, &ix);
	if (!ix)
		return ret;
	for (size_t i = 0; !ret && i < fresh->n && !ix->err; i++) {
		__u16 *d = dir_cell(ix, st, fresh->addrs[i] >> 8);

		if (d && (*d & (GUARD_DIR_HOST | GUARD_DIR_LONE)) == GUARD_DIR_HOST &&
		    !(ix->cells.cell[fresh->addrs[i] >> 16] & GUARD_CELL_ALLOW))
			*d |= (fresh->addrs[i] & 0xff) << GUARD_DIR_LONE_SHIFT;
	}
	if (!ret)
		ret = index_write(ix, st, false);
	index_free(ix);
	return ret;
}

/* The cell a build would give this /24 (host byte order, >> 8) for the
 * live hosts of the blocklist in it, on top of its prefix bits in *d. */
static void hosts_of_slash24(struct index4 *ix, const struct xg_state *st, uint32_t slash24,
			     uint64_t now, __u16 *d)
{
	struct guard_entry val;

	*d &= ~(GUARD_DIR_HOST | GUARD_DIR_LONE);
	for (uint32_t a = 0; a < 256; a++) {
		__be32 key = htonl(slash24 << 8 | a);

		if (!bpf_map_lookup_elem(st->map_fds[XG_MAP_BLOCK_V4], &key, &val) &&
		    (!val.expires_ns || val.expires_ns > now))
			index_host(ix, d, slash24 << 8 | a,
				   !val.expires_ns && val.origin == GUARD_ORIGIN_MANUAL);
	}
}

/*
 * After single IPv4 addresses left the blocklist, while no rule may ban:
 * the /24 of each keeps its host bit only if a live host is still listed
 * there (and gets the lone-host byte if one is left alone), and its /16
 * only if one of its /24s keeps one; what a build would say, at 256
 * lookups per address instead of a dump of every list.
 */
int xg_index4_remove_hosts(const struct xg_state *st, const struct xg_prefix *hosts, size_t n)
{
	uint64_t now = xg_now_ns();
	struct index4 *ix;
	int ret = index4_from_maps(st, &ix);

	if (!ix)
		return ret;
	ix->lone_ok = true;
	for (size_t i = 0; !ret && i < n && !ix->err; i++) {
		uint32_t slash24 = addr_of(hosts[i].addr) >> 8;
		__u16 *d;

		if (hosts[i].family != AF_INET || hosts[i].len != 32)
			continue;
		d = dir_cell(ix, st, slash24);
		if (d && (*d & GUARD_DIR_HOST))
			hosts_of_slash24(ix, st, slash24, now, d);
	}
	for (size_t i = 0; !ret && i < n && !ix->err; i++) {
		uint32_t slash16 = addr_of(hosts[i].addr) >> 16;
		bool any = false;

		if (hosts[i].family != AF_INET || hosts[i].len != 32 ||
		    !(ix->cells.cell[slash16] & GUARD_CELL_HOST))
			continue;
		for (uint32_t s = slash16 << 8; s < (slash16 + 1) << 8 && !any; s++) {
			__u16 *d = dir_cell(ix, st, s);

			any = !d || (*d & GUARD_DIR_HOST);
		}
		if (!any)
			ix->cells.cell[slash16] &= ~GUARD_CELL_HOST;
	}
	if (!ret)
		ret = index_write(ix, st, true);
	index_free(ix);
	return ret;
}

void xg_range4_of(const struct xg_prefix *p, unsigned int widen, struct xg_range4 *r)
{
	prefix_range(p->addr, p->len < widen ? p->len : widen, &r->first, &r->last);
}

/*
 * The lone-host bytes of every /24 the ranges touch, out of the map now,
 * whether or not the index is in use: the program drops on a lone-host
 * byte before it reads the config, so the byte must go before what made
 * it true does.  Clearing one is always safe (the /24's host bit sends
 * the program to the host hash).  Only chunks that held one are written.
 */
int xg_index4_drop_lone(const struct xg_state *st, const struct xg_range4 *ranges, size_t n)
{
	struct guard_dir_v4 *dir[GUARD_DIR_CHUNKS] = { NULL };
	bool changed[GUARD_DIR_CHUNKS] = { false };
	int fd = st->map_fds[XG_MAP_DIR_V4];
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		for (uint64_t s = ranges[i].first >> 8; s <= ranges[i].last >> 8; s++) {
			__u32 c = s >> 16;
			__u16 *d;

			if (!dir[c]) {
				dir[c] = malloc(sizeof(*dir[c]));
				if (!dir[c]) {
					ret = -ENOMEM;
					break;
				}
				if (bpf_map_lookup_elem(fd, &c, dir[c])) {
					ret = -errno;
					break;
				}
			}
			d = &dir[c]->cell[s & 0xffff];
			if (*d & GUARD_DIR_LONE) {
				*d &= ~GUARD_DIR_LONE;
				changed[c] = true;
			}
		}
	}
	for (__u32 c = 0; c < GUARD_DIR_CHUNKS; c++) {
		if (!ret && changed[c] && bpf_map_update_elem(fd, &c, dir[c], BPF_ANY))
			ret = -errno;
		free(dir[c]);
	}
	return ret;
}
