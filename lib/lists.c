// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The allowlist and the blocklist.  Each list spans several maps (one per
 * family; the blocklist also splits single addresses, kept in an exact-match
 * hash, from shorter prefixes, kept in an LPM trie).  This file hides that
 * split: callers see prefixes and entries.
 */
#include <arpa/inet.h>
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

/*
 * The value of exactly the prefix of length len under key, in map: 0, or
 * -ENOENT (-errno for other failures).  A trie lookup returns the longest
 * match, which may be a shorter prefix around this one: only the same
 * length is this entry.
 */
static int lookup_exact(const struct xg_state *st, enum xg_map_id map, const uint8_t *key,
			unsigned int len, struct guard_entry *val)
{
	if (bpf_map_lookup_elem(st->map_fds[map], key, val))
		return -errno;
	return is_lpm(map) && val->prefix_len != len ? -ENOENT : 0;
}

/* A list entry from its prefix and its value in the map. */
static void entry_from_val(const struct xg_prefix *p, const struct guard_entry *v,
			   struct xg_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->prefix = *p;
	e->expires_ns = v->expires_ns;
	e->origin = v->origin;
	e->rule.port = v->rule_port;
	e->rule.proto = v->rule_proto;
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

/* Every entry of a map, read in bulk (struct xg_dump: internal.h): hash
 * maps through the batch API (one system call per few thousand entries,
 * which is what makes a million-entry list quick to list, prune or clear),
 * LPM tries key by key, since they have no batch operations. */

#define BATCH 8192

static bool has_batch(enum xg_map_id map)
{
	return xg_map_layouts[map].type == BPF_MAP_TYPE_HASH;
}

static int dump_grow(struct xg_dump *d, size_t ksize, size_t want)
{
	uint8_t *k = realloc(d->keys, want * ksize);
	struct guard_entry *v;

	if (!k)
		return -ENOMEM;
	d->keys = k;
	v = realloc(d->vals, want * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->vals = v;
	return 0;
}

void xg_dump_free(struct xg_dump *d)
{
	free(d->keys);
	free(d->vals);
	memset(d, 0, sizeof(*d));
}

static int dump_batched(int fd, size_t ksize, struct xg_dump *d)
{
	__u64 token = 0;
	bool first = true;

	for (;;) {
		__u32 count = BATCH;
		int ret;

		if (dump_grow(d, ksize, d->n + BATCH))
			return -ENOMEM;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   d->keys + d->n * ksize, d->vals + d->n, &count, NULL);
		if (ret && errno != ENOENT)
			return -errno;
		d->n += count;
		if (ret)	/* ENOENT: that was the last batch */
			return 0;
		first = false;
	}
}

static int dump_by_key(int fd, size_t ksize, struct xg_dump *d)
{
	uint8_t cur[KEY_MAX];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (d->n % BATCH == 0 && dump_grow(d, ksize, d->n + BATCH))
			return -ENOMEM;
		memcpy(d->keys + d->n * ksize, cur, ksize);
		prev = d->keys + d->n * ksize;
		/* Gone meanwhile: skip it. */
		if (bpf_map_lookup_elem(fd, cur, &d->vals[d->n]) == 0)
			d->n++;
	}
	return errno == ENOENT ? 0 : -errno;
}

int xg_dump_map(const struct xg_state *st, enum xg_map_id map, struct xg_dump *d)
{
	size_t ksize = xg_map_layouts[map].key_size;
	int fd = st->map_fds[map], ret;

	memset(d, 0, sizeof(*d));
	ret = has_batch(map) ? dump_batched(fd, ksize, d) : dump_by_key(fd, ksize, d);
	if (ret) {
		pr_warn("cannot read %s: %s\n", xg_map_layouts[map].name, strerror(-ret));
		xg_dump_free(d);
	}
	return ret;
}

/* Delete keys (n of them, packed) from a map. */
static int delete_keys(const struct xg_state *st, enum xg_map_id map,
		       const uint8_t *keys, size_t n)
{
	size_t ksize = xg_map_layouts[map].key_size;
	int fd = st->map_fds[map];

	for (size_t i = 0; i < n;) {
		__u32 count = n - i < BATCH ? n - i : BATCH;

		if (has_batch(map)) {
			if (bpf_map_delete_batch(fd, keys + i * ksize, &count, NULL) &&
			    errno != ENOENT)
				return -errno;
			/* ENOENT stops a batch at a key deleted meanwhile:
			 * step over it and go on. */
			i += count ? count : 1;
		} else {
			if (bpf_map_delete_elem(fd, keys + i * ksize) && errno != ENOENT)
				return -errno;
			i++;
		}
	}
	return 0;
}

int xg_map_prune_u32(int fd, bool (*keep)(__u32 key, const void *ctx), const void *ctx)
{
	__u32 *gone = NULL, key, next;
	size_t n_gone = 0;
	void *prev = NULL;
	int ret = 0;

	/* Collect first: deleting while walking would lose the walk's place. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (!keep(next, ctx)) {
			__u32 *g = realloc(gone, (n_gone + 1) * sizeof(*g));

			if (!g) {
				ret = -ENOMEM;
				break;
			}
			gone = g;
			gone[n_gone++] = next;
		}
		key = next;
		prev = &key;
	}
	for (size_t i = 0; !ret && i < n_gone; i++)
		if (bpf_map_delete_elem(fd, &gone[i]) && errno != ENOENT)
			ret = -errno;
	free(gone);
	return ret;
}

static bool map_empty(const struct xg_state *st, enum xg_map_id map)
{
	uint8_t key[KEY_MAX];

	return bpf_map_get_next_key(st->map_fds[map], NULL, key) != 0;
}

static int refresh(struct xg_state *st, bool rebuild_cells, bool rules_changed);

/*
 * Before an add: the lone-host bytes it could make false (guard_maps.h)
 * go first, whether or not the index is in use.  An allow entry clears
 * those of the /16s it comes into (a /16 with one gets none), and a host
 * entry that may not stand alone (a deadline, or a ban) those of its /24.
 * Other adds leave every lone-host byte true.
 */
static int drop_lone_for_add(struct xg_state *st, enum xg_list list,
			     const struct xg_entry *entries, size_t n)
{
	struct xg_range4 *ranges = malloc((n ? n : 1) * sizeof(*ranges));
	size_t k = 0;
	int ret;

	if (!ranges)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct xg_prefix *p = &entries[i].prefix;

		if (p->family != AF_INET)
			continue;
		if (list == XG_ALLOWLIST)
			xg_range4_of(p, 16, &ranges[k++]);
		else if (p->len == 32 &&
			 (entries[i].expires_ns || entries[i].origin != GUARD_ORIGIN_MANUAL))
			xg_range4_of(p, 32, &ranges[k++]);
	}
	ret = k ? xg_index4_drop_lone(st, ranges, k) : 0;
	free(ranges);
	return ret;
}

/* Before entries go in: mark them in the indexes (building them first if
 * they are not in use yet); lone gets what xg_index4_set_lone is to set
 * once they are in. */
static int index_add(struct xg_state *st, enum xg_list list,
		     const struct xg_entry *entries, size_t n, struct xg_lone_hosts *lone)
{
	struct guard_config cfg;
	bool short_prefix = false;
	int ret;

	ret = drop_lone_for_add(st, list, entries, n);
	if (!ret)
		ret = xg_config_read(st, &cfg);
	if (!ret && !(cfg.skip_lists & GUARD_CELLS_V4)) {
		/* Not in use yet: build it from the lists as they are (for a
		 * new state, empty), so that this add only marks its own. */
		ret = refresh(st, true, false);
		if (!ret)
			ret = xg_config_read(st, &cfg);
	}
	if (ret)
		return ret;
	/* Each index on its own: one whose build failed is not in use, and
	 * the refresh after the add tries it again. */
	if (cfg.skip_lists & GUARD_CELLS_V4) {
		ret = xg_index4_add(st, list, entries, n, !(cfg.skip_lists & GUARD_CELLS_BANS), lone);
		if (ret)
			return ret;
	}
	if (list != XG_BLOCKLIST || !(cfg.skip_lists & GUARD_INDEX_V6))
		return 0;
	ret = xg_index6_add(st, entries, n, &short_prefix);
	if (ret) {
		/* Full, most likely: rather than refuse the entries, the
		 * program goes back to the plain lookups until a build. */
		pr_warn("cannot update the IPv6 index: %s; the program looks in every IPv6 list\n",
			strerror(-ret));
		cfg.skip_lists &= ~(GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT);
		return xg_config_write(st, &cfg);
	}
	if (short_prefix && !(cfg.skip_lists & GUARD_INDEX_V6_SHORT)) {
		cfg.skip_lists |= GUARD_INDEX_V6_SHORT;
		return xg_config_write(st, &cfg);
	}
	return 0;
}

/*
 * After a change: which maps are empty, and the indexes.  rebuild_cells is
 * false after an add, which marked its entries beforehand, and after a
 * rule change, which leaves the lists as they were (auto-ban coming or
 * going rebuilds them anyway); rules_changed rebuilds the rule index.
 */
static int refresh(struct xg_state *st, bool rebuild_cells, bool rules_changed)
{
	static const struct {
		enum xg_map_id map;
		__u32 bit;
		bool ban_target;	/* the rate limiter's auto-ban writes here */
	} lists[] = {
		{ XG_MAP_ALLOW_V4, GUARD_SKIP_ALLOW_V4, false },
		{ XG_MAP_ALLOW_V6, GUARD_SKIP_ALLOW_V6, false },
		{ XG_MAP_BLOCK_V4, GUARD_SKIP_BLOCK_V4, true },
		{ XG_MAP_BLOCK_V6, GUARD_SKIP_BLOCK_V6, true },
		{ XG_MAP_BLKNET_V4, GUARD_SKIP_BLKNET_V4, false },
		{ XG_MAP_BLKNET_V6, GUARD_SKIP_BLKNET_V6, true },
	};
	bool bans = xg_rules_may_ban(st);
	struct guard_config cfg;
	__u32 skip = 0;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (map_empty(st, lists[i].map) && !(lists[i].ban_target && bans))
			skip |= lists[i].bit;
	ret = xg_config_read(st, &cfg);
	if (ret)
		return ret;
	/* Auto-ban coming or going changes every cell's host bit. */
	if (rebuild_cells || !(cfg.skip_lists & GUARD_CELLS_V4) ||
	    bans != !!(cfg.skip_lists & GUARD_CELLS_BANS)) {
		ret = xg_index4_build(st, bans);
		if (ret) {
			pr_warn("cannot update the IPv4 index: %s; the program looks in every list\n",
				strerror(-ret));
			skip &= ~GUARD_CELLS_V4;
		} else {
			skip |= GUARD_CELLS_V4 | (bans ? GUARD_CELLS_BANS : 0);
		}
	} else {
		skip |= cfg.skip_lists & (GUARD_CELLS_V4 | GUARD_CELLS_BANS);
	}
	/* Bans go anywhere in IPv6: no index while a rule may ban. */
	if (!bans && (rebuild_cells || !(cfg.skip_lists & GUARD_INDEX_V6))) {
		bool short_prefix = false;

		ret = xg_index6_build(st, &short_prefix);
		if (ret)
			pr_warn("cannot update the IPv6 index: %s; the program looks in every IPv6 list\n",
				strerror(-ret));
		else
			skip |= GUARD_INDEX_V6 | (short_prefix ? GUARD_INDEX_V6_SHORT : 0);
	} else if (!bans) {
		skip |= cfg.skip_lists & (GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT);
	}
	if (rules_changed || !(cfg.skip_lists & GUARD_RULE_INDEX)) {
		ret = xg_rule_index_build(st);
		if (ret)
			pr_warn("cannot update the rule index: %s; the program looks in the rules map\n",
				strerror(-ret));
		else
			skip |= GUARD_RULE_INDEX;
	} else {
		skip |= GUARD_RULE_INDEX;
	}
	/* A rule's change is news to the program even when the bits stay:
	 * the write moves the generation on. */
	if ((cfg.skip_lists & GUARD_SKIP_BITS) == skip && !rules_changed)
		return 0;
	cfg.skip_lists = (cfg.skip_lists & ~GUARD_SKIP_BITS) | skip;
	return xg_config_write(st, &cfg);
}

int xg_state_refresh(struct xg_state *st)
{
	return refresh(st, true, true);
}

int xg_state_refresh_rules(struct xg_state *st)
{
	return refresh(st, false, true);
}

/* One change made by xg_list_add(), so that it can be undone. */
/* What an update overwrote: entry index's old value, to put back. */
struct undo_old {
	size_t index;
	struct guard_entry old;
};

/* The values entries overwrote, in the order of their entries.  Most
 * adds go into empty space, so this stays small where an entry per
 * entry (key and all) would take 48 MB for a million. */
struct undo_log {
	struct undo_old *olds;
	size_t n, cap;
};

static int undo_note(struct undo_log *log, size_t index, const struct guard_entry *old)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 64;
		struct undo_old *grown = realloc(log->olds, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		log->olds = grown;
		log->cap = cap;
	}
	log->olds[log->n++] = (struct undo_old){ index, *old };
	return 0;
}

/* Undo entries 0..n-1: each key gets its old value back, or goes. */
static void undo_changes(const struct xg_state *st, enum xg_list list,
			 const struct xg_entry *entries, size_t n, const struct undo_log *log)
{
	size_t k = log->n;
	uint8_t key[KEY_MAX];

	/* Backwards, so a prefix given twice ends as it was before. */
	while (n--) {
		enum xg_map_id map = entry_key(list, &entries[n].prefix, key);
		int fd = st->map_fds[map];

		while (k && log->olds[k - 1].index > n)
			k--;
		if (k && log->olds[k - 1].index == n)
			bpf_map_update_elem(fd, key, &log->olds[--k].old, BPF_ANY);
		else
			bpf_map_delete_elem(fd, key);
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

/* Entries waiting to be written to one hash map in one system call. */
struct pending {
	enum xg_map_id map;
	size_t n;
	uint8_t *keys;
	struct guard_entry *vals;
	size_t *index;		/* position of each in the caller's array */
};

/* Write the pending batch; on failure *failed is the entry that failed. */
static int flush(const struct xg_state *st, struct pending *p, size_t *failed)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = p->n;
	int ret = 0;

	if (!p->n)
		return 0;
	if (bpf_map_update_batch(st->map_fds[p->map], p->keys, p->vals, &count, &opts)) {
		ret = -errno;
		*failed = p->index[count < p->n ? count : p->n - 1];
	}
	p->n = 0;
	return ret;
}

static void report_add_error(enum xg_list list, enum xg_map_id map,
			     const struct xg_prefix *p, int err)
{
	char buf[XG_PREFIX_STRLEN];

	/* Hash maps say E2BIG when full, LPM tries ENOSPC.  Detail for -v:
	 * the caller reports the failure (a full list may be pruned and
	 * the add tried again). */
	if (err == -E2BIG || err == -ENOSPC)
		pr_info("the %s is full: %s holds at most %u entries\n",
			xg_list_name(list), xg_map_layouts[map].name,
			xg_map_layouts[map].max_entries);
	else
		pr_info("cannot add %s to the %s: %s\n",
			xg_prefix_format(p, buf, sizeof(buf)), xg_list_name(list),
			strerror(-err));
}

/* A prefix the maps can hold: a known family and a length within it. */
static bool prefix_valid(const struct xg_prefix *p)
{
	return (p->family == AF_INET && p->len <= 32) ||
	       (p->family == AF_INET6 && p->len <= 128);
}

int xg_list_add(struct xg_state *st, enum xg_list list,
		const struct xg_entry *entries, size_t n, size_t *failed_index)
{
	bool checked[XG_MAP_COUNT] = { false }, empty[XG_MAP_COUNT] = { false };
	struct pending p = { .map = XG_MAP_COUNT };
	struct xg_lone_hosts lone = { 0 };
	size_t failed = 0, processed = 0;
	bool replaced_prefix = false;
	struct undo_log undo = { 0 };
	int ret = 0;

	/* Checked before anything is written, so nothing needs undoing. */
	for (size_t i = 0; i < n; i++) {
		if (!prefix_valid(&entries[i].prefix)) {
			pr_warn("entry %zu is not an IPv4 or IPv6 prefix; nothing was added\n", i);
			if (failed_index)
				*failed_index = i;
			return -EINVAL;
		}
	}
	ret = index_add(st, list, entries, n, &lone);
	if (ret) {
		pr_warn("cannot update the indexes: %s; nothing was added\n", strerror(-ret));
		xg_lone_hosts_free(&lone);
		/* What it did write may say "blocked" of a prefix that is
		 * not on the list: build the indexes again from the lists. */
		refresh(st, true, false);
		return ret;
	}
	p.keys = malloc(BATCH * KEY_MAX);
	p.vals = malloc(BATCH * sizeof(*p.vals));
	p.index = malloc(BATCH * sizeof(*p.index));
	if (!p.keys || !p.vals || !p.index) {
		ret = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < n; i++) {
		struct guard_entry val = {
			.expires_ns = entries[i].expires_ns,
			.origin = entries[i].origin,
			.rule_port = entries[i].rule.port,
			.rule_proto = entries[i].rule.proto,
			.prefix_len = entries[i].prefix.len,
		};
		uint8_t key[KEY_MAX];
		struct guard_entry old;
		enum xg_map_id map;
		size_t ksize;
		int fd;

		map = entry_key(list, &entries[i].prefix, key);
		fd = st->map_fds[map];
		ksize = xg_map_layouts[map].key_size;
		/* Remember what an update overwrites, to put it back if a later
		 * one fails; a map that was empty has nothing to remember. */
		if (!checked[map]) {
			empty[map] = map_empty(st, map);
			checked[map] = true;
		}
		if (!empty[map] && lookup_exact(st, map, key, entries[i].prefix.len, &old) == 0) {
			ret = undo_note(&undo, i, &old);
			if (ret) {
				failed = i;
				break;
			}
			if (map == XG_MAP_BLKNET_V4 || map == XG_MAP_BLKNET_V6)
				replaced_prefix = true;
		}
		/* From here on, the undo covers this entry. */
		processed = i + 1;

		if (!has_batch(map)) {
			ret = flush(st, &p, &failed);
			if (ret)
				break;
			if (bpf_map_update_elem(fd, key, &val, BPF_ANY)) {
				ret = -errno;
				failed = i;
				break;
			}
			continue;
		}
		if (p.map != map || p.n == BATCH) {
			ret = flush(st, &p, &failed);
			if (ret)
				break;
			p.map = map;
		}
		memcpy(p.keys + p.n * ksize, key, ksize);
		p.vals[p.n] = val;
		p.index[p.n] = i;
		p.n++;
	}
	if (!ret)
		ret = flush(st, &p, &failed);
	if (ret) {
		uint8_t key[KEY_MAX];

		report_add_error(list, entry_key(list, &entries[failed].prefix, key),
				 &entries[failed].prefix, ret);
		if (ret == -E2BIG)
			ret = -ENOSPC;
		if (failed_index)
			*failed_index = failed;
		/* Undo every entry looked at so far: for one that was never
		 * written, putting back its old value (or deleting a key that
		 * is not there) changes nothing. */
		undo_changes(st, list, entries, processed, &undo);
	}
out:
	free(p.keys);
	free(p.vals);
	free(p.index);
	free(undo.olds);
	/* Only now that they are in may an address alone in its /24 be
	 * dropped on the index's word; if this fails, the host hash answers
	 * for them until a build. */
	if (!ret)
		xg_index4_set_lone(st, &lone);
	xg_lone_hosts_free(&lone);
	/* Also after a failure: the undo may have emptied a map again, and
	 * the index marked for what was not added may be cleared.  A prefix
	 * that replaced one may have lost what made the index skip its
	 * lookup (a deadline where there was none): build it again too. */
	refresh(st, ret != 0 || replaced_prefix, false);
	return ret;
}

/*
 * Before addresses leave the IPv4 host hash (its keys, one after the
 * other): the lone-host bytes of their /24s, one of which may name an
 * address on its way out.  The refresh after the removal, with the index
 * right again, gives a /24 left with one address its byte back.
 */
static int drop_lone_for_removal(struct xg_state *st, const uint8_t *keys, size_t n)
{
	struct xg_range4 *ranges = malloc((n ? n : 1) * sizeof(*ranges));
	int ret;

	if (!ranges)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		__be32 addr;

		memcpy(&addr, keys + i * sizeof(addr), sizeof(addr));
		ranges[i].first = ranges[i].last = ntohl(addr);
	}
	ret = xg_index4_drop_lone(st, ranges, n);
	free(ranges);
	return ret;
}

/*
 * Can a removal update the indexes around its entries instead of building
 * them again (about 1.5 s with a million entries)?  Yes for a few single
 * IPv4 addresses off the blocklist while the IPv4 index is in use and no
 * rule may ban: xg_index4_remove_hosts() looks at each one's /24.  Past
 * XG_REMOVE_HOSTS_MAX addresses its 256 lookups apiece cost more than a
 * build.
 */
#define XG_REMOVE_HOSTS_MAX 1024

static bool only_v4_hosts_left(struct xg_state *st, enum xg_list list,
			       const struct xg_prefix *prefixes, size_t n)
{
	struct guard_config cfg;

	if (list != XG_BLOCKLIST || n > XG_REMOVE_HOSTS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (prefixes[i].family != AF_INET || prefixes[i].len != 32)
			return false;
	return xg_config_read(st, &cfg) == 0 && (cfg.skip_lists & GUARD_CELLS_V4) &&
	       !(cfg.skip_lists & GUARD_CELLS_BANS) && !xg_rules_may_ban(st);
}

int xg_list_remove(struct xg_state *st, enum xg_list list,
		   const struct xg_prefix *prefixes, size_t n, size_t *missing_index)
{
	struct guard_entry val;
	uint8_t key[KEY_MAX];
	struct xg_range4 *hosts;
	size_t n_hosts = 0;
	int ret;

	/* Check them all first, so that a typo removes nothing. */
	for (size_t i = 0; i < n; i++) {
		enum xg_map_id map = entry_key(list, &prefixes[i], key);

		if (lookup_exact(st, map, key, prefixes[i].len, &val)) {
			if (missing_index)
				*missing_index = i;
			return -ENOENT;
		}
	}
	/* The lone-host bytes of the IPv4 hosts' /24s first (as
	 * drop_lone_for_removal() does for keys). */
	hosts = malloc((n ? n : 1) * sizeof(*hosts));
	if (!hosts)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (entry_key(list, &prefixes[i], key) == XG_MAP_BLOCK_V4)
			xg_range4_of(&prefixes[i], 32, &hosts[n_hosts++]);
	ret = n_hosts ? xg_index4_drop_lone(st, hosts, n_hosts) : 0;
	free(hosts);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		enum xg_map_id map = entry_key(list, &prefixes[i], key);

		/* ENOENT here is the same prefix given twice. */
		if (bpf_map_delete_elem(st->map_fds[map], key) && errno != ENOENT) {
			ret = -errno;
			/* The indexes must not go on dropping for what did
			 * leave. */
			xg_state_refresh(st);
			return ret;
		}
	}
	if (only_v4_hosts_left(st, list, prefixes, n) &&
	    xg_index4_remove_hosts(st, prefixes, n) == 0)
		return refresh(st, false, false);
	return xg_state_refresh(st);
}

/* Delete the entries of a list that expired before now (all if now is 0). */
static int delete_entries(struct xg_state *st, enum xg_list list, uint64_t now,
			  size_t *removed)
{
	size_t total = 0;

	for (const enum xg_map_id *m = list_maps[list]; *m != XG_MAP_COUNT; m++) {
		size_t ksize = xg_map_layouts[*m].key_size, kept = 0;
		struct xg_dump d;
		int ret = xg_dump_map(st, *m, &d);

		if (ret)
			return ret;
		for (size_t i = 0; i < d.n; i++) {
			if (now && (d.vals[i].expires_ns == 0 || d.vals[i].expires_ns > now))
				continue;
			memmove(d.keys + kept * ksize, d.keys + i * ksize, ksize);
			kept++;
		}
		if (kept && *m == XG_MAP_BLOCK_V4)
			ret = drop_lone_for_removal(st, d.keys, kept);
		if (!ret)
			ret = delete_keys(st, *m, d.keys, kept);
		xg_dump_free(&d);
		if (ret) {
			/* Part may be gone: the indexes must not go on
			 * dropping for it (as in xg_list_remove()). */
			if (total || kept)
				xg_state_refresh(st);
			return ret;
		}
		total += kept;
	}
	if (removed)
		*removed += total;
	return total ? xg_state_refresh(st) : 0;
}

int xg_list_clear(struct xg_state *st, enum xg_list list, size_t *removed)
{
	if (removed)
		*removed = 0;
	return delete_entries(st, list, 0, removed);
}

int xg_list_prune(struct xg_state *st, size_t *removed)
{
	uint64_t now = xg_now_ns();
	int ret;

	if (removed)
		*removed = 0;
	ret = delete_entries(st, XG_ALLOWLIST, now, removed);
	if (!ret)
		ret = delete_entries(st, XG_BLOCKLIST, now, removed);
	return ret;
}

int xg_list_prune_one(struct xg_state *st, enum xg_list list, size_t *removed)
{
	if (removed)
		*removed = 0;
	return delete_entries(st, list, xg_now_ns(), removed);
}

/* By prefix, and for one prefix the later entry last (qsort is not
 * stable; the index keeps the order given). */
struct nest_item {
	const struct xg_entry *e;
	size_t index;
};

static int nest_cmp(const void *a, const void *b)
{
	const struct nest_item *x = a, *y = b;
	int r = xg_prefix_cmp(&x->e->prefix, &y->e->prefix);

	return r ? r : (x->index > y->index) - (x->index < y->index);
}

size_t xg_timed_nesting(const struct xg_entry *e, size_t n, struct xg_prefix *deepest)
{
	struct nest_item *items = calloc(n ? n : 1, sizeof(*items));
	const struct xg_prefix **open = calloc(n ? n : 1, sizeof(*open));
	size_t depth = 0, best = 0;

	if (!items || !open) {
		free(items);
		free(open);
		return SIZE_MAX;	/* cannot tell: treat as too deep */
	}
	for (size_t i = 0; i < n; i++)
		items[i] = (struct nest_item){ .e = &e[i], .index = i };
	qsort(items, n, sizeof(*items), nest_cmp);
	/* Sorted by prefix, a prefix comes before those it covers: walk with
	 * the chain of timed ones that cover the current entry. */
	for (size_t i = 0; i < n; i++) {
		const struct xg_entry *cur = items[i].e;

		/* A prefix given again: only its last entry counts. */
		if (i + 1 < n && !xg_prefix_cmp(&cur->prefix, &items[i + 1].e->prefix))
			continue;
		if (!cur->expires_ns)
			continue;
		while (depth && !xg_prefix_covers(open[depth - 1], &cur->prefix))
			depth--;
		open[depth++] = &cur->prefix;
		if (depth > best) {
			best = depth;
			if (deepest)
				*deepest = cur->prefix;
		}
	}
	free(items);
	free(open);
	return best;
}

int xg_list_find(struct xg_state *st, enum xg_list list, const struct xg_prefix *p,
		 struct xg_entry *out)
{
	uint8_t key[KEY_MAX];
	struct guard_entry val;
	enum xg_map_id map;
	int ret;

	if (!prefix_valid(p))
		return -EINVAL;
	map = entry_key(list, p, key);
	ret = lookup_exact(st, map, key, p->len, &val);
	if (!ret)
		entry_from_val(p, &val, out);
	return ret;
}

static int entry_cmp(const void *a, const void *b)
{
	return xg_prefix_cmp(&((const struct xg_entry *)a)->prefix,
			     &((const struct xg_entry *)b)->prefix);
}

int xg_list_get(struct xg_state *st, enum xg_list list, bool include_expired,
		struct xg_entry **out, size_t *count)
{
	uint64_t now = xg_now_ns();
	struct xg_entry *items = NULL;
	size_t n = 0;

	for (const enum xg_map_id *m = list_maps[list]; *m != XG_MAP_COUNT; m++) {
		size_t ksize = xg_map_layouts[*m].key_size;
		struct xg_entry *grown;
		struct xg_dump d;
		int ret = xg_dump_map(st, *m, &d);

		if (ret) {
			free(items);
			return ret;
		}
		grown = realloc(items, (n + d.n + 1) * sizeof(*items));
		if (!grown) {
			xg_dump_free(&d);
			free(items);
			return -ENOMEM;
		}
		items = grown;
		for (size_t i = 0; i < d.n; i++) {
			const struct guard_entry *v = &d.vals[i];
			struct xg_prefix p;

			if (!include_expired && v->expires_ns && v->expires_ns <= now)
				continue;
			key_prefix(*m, d.keys + i * ksize, &p);
			entry_from_val(&p, v, &items[n++]);
		}
		xg_dump_free(&d);
	}
	if (n)
		qsort(items, n, sizeof(*items), entry_cmp);
	*out = items;
	*count = n;
	return 0;
}
