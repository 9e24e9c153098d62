// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard_maps.h"
#include "listedit.h"
#include "output.h"

struct prefix_set {
	struct xg_prefix *items;
	size_t count;
};

/* The reason, and for host bits the network address the user may mean. */
static void report_bad_prefix(const char *text, const char *why, const char *file,
			      unsigned int line)
{
	char hint[XG_PREFIX_STRLEN + 32] = "";
	char where[4096] = "";
	struct xg_prefix p;

	if (why == xg_why_host_bits) {
		/* Parse it as the host address it also is, then cut it. */
		char addr[XG_PREFIX_STRLEN];
		const char *slash = strchr(text, '/');
		size_t len = slash ? (size_t)(slash - text) : 0;

		if (slash && len < sizeof(addr)) {
			memcpy(addr, text, len);
			addr[len] = '\0';
			if (xg_prefix_parse(addr, &p, NULL) == 0) {
				char buf[XG_PREFIX_STRLEN];

				p.len = atoi(slash + 1);
				xg_prefix_clear_host_bits(&p);
				snprintf(hint, sizeof(hint), " (did you mean %s?)",
					 xg_prefix_format(&p, buf, sizeof(buf)));
			}
		}
	}
	if (file)
		snprintf(where, sizeof(where), "%s:%u: ", file, line);
	pr_error("%s'%s': %s%s", where, text, why, hint);
}

static int gather_args(const struct arg_list *args, struct prefix_set *set)
{
	for (size_t i = 0; i < args->count; i++) {
		const char *why;

		if (xg_prefix_parse(args->items[i], &set->items[set->count], &why)) {
			report_bad_prefix(args->items[i], why, NULL, 0);
			return -1;
		}
		set->count++;
	}
	return 0;
}

static int gather_file(const char *file, struct prefix_set *set)
{
	struct xg_listfile_error err = { 0 };
	bool is_stdin = !strcmp(file, "-");
	struct xg_prefix *items, *merged;
	FILE *f = is_stdin ? stdin : fopen(file, "r");
	size_t count;
	int ret;

	if (!f) {
		pr_error("cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	ret = xg_listfile_read(f, &items, &count, &err);
	if (!is_stdin)
		fclose(f);
	if (ret) {
		const char *name = is_stdin ? "<stdin>" : file;

		if (err.value[0])
			report_bad_prefix(err.value, err.why, name, err.line);
		else
			pr_error("%s:%u: %s", name, err.line, err.why ? err.why : strerror(-ret));
		return -1;
	}
	merged = realloc(set->items, (set->count + count + 1) * sizeof(*merged));
	if (!merged) {
		free(items);
		pr_error("out of memory");
		return -1;
	}
	memcpy(merged + set->count, items, count * sizeof(*items));
	set->items = merged;
	set->count += count;
	free(items);
	return 0;
}

static uint64_t prefix_hash(const struct xg_prefix *p)
{
	uint64_t h = (uint64_t)p->family << 8 | p->len;
	int alen = p->family == AF_INET ? 4 : 16;

	for (int i = 0; i < alen; i += 4) {
		uint32_t w;

		memcpy(&w, p->addr + i, 4);
		h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
	}
	return h ^ h >> 29;
}

/*
 * Drop repeats, keeping the first of each in its place: a hash set of
 * indexes, linear probing.  Sorting a million prefixes to find them took
 * a sixth of the time a list that size takes to load.  Returns the count
 * kept, or 0 with errno set if memory is short.
 */
static size_t drop_repeats(struct xg_prefix *items, size_t count)
{
	size_t size = 16, kept = 0;
	size_t *slots;

	while (size < 2 * count)
		size *= 2;
	slots = malloc(size * sizeof(*slots));
	if (!slots)
		return 0;
	memset(slots, 0xff, size * sizeof(*slots));	/* SIZE_MAX: empty */
	for (size_t i = 0; i < count; i++) {
		size_t h = prefix_hash(&items[i]) & (size - 1);

		while (slots[h] != SIZE_MAX && xg_prefix_cmp(&items[slots[h]], &items[i]))
			h = (h + 1) & (size - 1);
		if (slots[h] != SIZE_MAX)
			continue;
		items[kept] = items[i];
		slots[h] = kept++;
	}
	free(slots);
	return kept;
}

/*
 * All prefixes of a command, validated, each once (so that counts are of
 * distinct entries); nothing is changed here.  Returns an exit status:
 * EXIT_USAGE for a bad argument, EXIT_FAIL for a bad file.
 */
static int gather(const struct arg_list *args, const char *file, struct prefix_set *set)
{
	size_t kept = 0;

	set->count = 0;
	set->items = calloc(args->count + 1, sizeof(*set->items));
	if (!set->items) {
		pr_error("out of memory");
		return EXIT_FAIL;
	}
	if (gather_args(args, set))
		return EXIT_USAGE;
	if (file && gather_file(file, set))
		return EXIT_FAIL;
	if (set->count) {
		kept = drop_repeats(set->items, set->count);
		if (!kept) {
			pr_error("out of memory");
			return EXIT_FAIL;
		}
	}
	set->count = kept;
	return EXIT_OK;
}

/* The address of the SSH client this command came through, if any. */
static bool ssh_client(struct xg_prefix *out)
{
	const char *env = getenv("SSH_CONNECTION");
	char addr[64];
	size_t len;

	if (!env || !*env)
		env = getenv("SSH_CLIENT");
	if (!env || !*env)
		return false;
	/* A link-local client comes with its zone (fe80::1%eth0), which
	 * names our interface, not the address. */
	len = strcspn(env, " %");
	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, env, len);
	addr[len] = '\0';
	return xg_prefix_parse(addr, out, NULL) == 0;
}

static bool on_list(const struct xg_entry *entries, size_t n, const struct xg_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (xg_prefix_covers(&entries[i].prefix, p))
			return true;
	return false;
}

/* Does entry e last as long as something that expires at expires_ns (0:
 * never)? */
static bool outlasts(const struct xg_entry *e, uint64_t expires_ns)
{
	return !e->expires_ns || (expires_ns && e->expires_ns >= expires_ns);
}

/*
 * The allowlist entry that covers p for as long as a block that expires at
 * expires_ns (0: never) lasts, or failing that the one that covers it
 * now and expires last.  NULL if none covers p.
 */
static const struct xg_entry *allow_cover(const struct xg_entry *allow, size_t n,
					  const struct xg_prefix *p, uint64_t expires_ns)
{
	const struct xg_entry *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct xg_entry *e = &allow[i];

		if (!xg_prefix_covers(&e->prefix, p))
			continue;
		if (outlasts(e, expires_ns))
			return e;
		if (!best || e->expires_ns > best->expires_ns)
			best = e;
	}
	return best;
}

/*
 * Refuse blocks that would cut the operator off: a /0, or a prefix that
 * covers the SSH client this command came through and that the allowlist
 * does not protect for as long as the block lasts (expires_ns, 0: for
 * good).  --force overrides both.
 */
static int lockout_check(const struct prefix_set *set, const struct xg_entry *allow,
			 size_t nallow, uint64_t expires_ns, uint64_t now)
{
	struct xg_prefix me;
	char buf[XG_PREFIX_STRLEN], mebuf[XG_PREFIX_STRLEN];
	bool have_me = ssh_client(&me);
	const struct xg_entry *cover = have_me ? allow_cover(allow, nallow, &me, expires_ns) : NULL;
	bool cover_lasts = cover && outlasts(cover, expires_ns);
	int ret = 0;

	for (size_t i = 0; i < set->count && !ret; i++) {
		const struct xg_prefix *p = &set->items[i];

		if (p->len == 0) {
			pr_error("blocking %s drops all %s traffic that is not on the allowlist; "
				 "add --force if that is what you want",
				 xg_prefix_format(p, buf, sizeof(buf)),
				 p->family == AF_INET ? "IPv4" : "IPv6");
			ret = -1;
		} else if (have_me && xg_prefix_covers(p, &me) && !cover_lasts) {
			char what[2 * XG_PREFIX_STRLEN + 16], left[XG_DURATION_STRLEN];

			xg_prefix_format(&me, mebuf, sizeof(mebuf));
			if (xg_prefix_cmp(p, &me))
				snprintf(what, sizeof(what), "%s covers %s,",
					 xg_prefix_format(p, buf, sizeof(buf)), mebuf);
			else
				snprintf(what, sizeof(what), "%s is", mebuf);
			if (cover)
				pr_error("%s the address of this SSH session, and the allowlist "
					 "entry %s that covers it expires in %s, before this block "
					 "does: then you would be locked out. Allowlist your address "
					 "for good first (xdp-guard allow %s), or add --force",
					 what, xg_prefix_format(&cover->prefix, buf, sizeof(buf)),
					 xg_duration_format(cover->expires_ns > now ?
							    cover->expires_ns - now : 0,
							    left, sizeof(left)),
					 mebuf);
			else
				pr_error("%s the address of this SSH session: blocking it would lock "
					 "you out. Allowlist your address first (xdp-guard allow %s), "
					 "or add --force", what, mebuf);
			ret = -1;
		}
	}
	return ret;
}

/* Blocking what the allowlist covers has no effect: say so. */
static void note_allowlisted(const struct prefix_set *set, const struct xg_entry *allow,
			     size_t nallow)
{
	char buf[XG_PREFIX_STRLEN];
	size_t noted = 0;

	/* A quadratic walk; skip it for huge inputs rather than stall. */
	if (!nallow || (double)nallow * (double)set->count > 5e7)
		return;
	for (size_t i = 0; i < set->count; i++) {
		if (!on_list(allow, nallow, &set->items[i]))
			continue;
		if (noted++ < 5)
			pr_warn("Note: %s is on the allowlist, which wins: it will not be dropped\n",
				xg_prefix_format(&set->items[i], buf, sizeof(buf)));
	}
	if (noted > 5)
		pr_warn("Note: %zu more blocked prefixes are on the allowlist\n", noted - 5);
}

/* Which part of the list is full: the blocklist keeps single addresses
 * apart from prefixes, each with its own room (block(8), Capacity). */
static void full_error(enum xg_list list, const struct xg_prefix *p)
{
	pr_error("the %s has no room for more %s %s; nothing was changed",
		 xg_list_name(list), p->family == AF_INET ? "IPv4" : "IPv6",
		 list == XG_BLOCKLIST ? (xg_prefix_is_host(p) ? "addresses" : "prefixes") :
					"entries");
}

/*
 * ::ffff:a.b.c.d is an IPv6 key: it matches IPv6 packets that carry it as
 * their source, never IPv4 traffic from a.b.c.d, which is what an operator
 * who types it usually means.  Say so, and go on.
 */
static void note_v4_mapped(const struct prefix_set *set)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char buf[XG_PREFIX_STRLEN], v4[INET_ADDRSTRLEN];

	for (size_t i = 0; i < set->count; i++) {
		const struct xg_prefix *p = &set->items[i];

		if (p->family != AF_INET6 || p->len <= 96 || memcmp(p->addr, mapped, 12))
			continue;
		inet_ntop(AF_INET, p->addr + 12, v4, sizeof(v4));
		pr_warn("Note: %s is an IPv4-mapped IPv6 prefix: it matches IPv6 packets that "
			"carry it, not IPv4 traffic (for that, give %s)\n",
			xg_prefix_format(p, buf, sizeof(buf)), p->len == 128 ? v4 : "the IPv4 prefix");
		return;
	}
}

/*
 * The program looks past at most GUARD_LPM_EXPIRED_MAX expired prefixes
 * nested around an address to a live one around them; more, and an
 * allowlisted source could be dropped once they expire.  Only entries with
 * a deadline expire, so an allow with --ttl must not nest more of them.
 * Expired ones count too until they are deleted: they go first.
 */
static int allow_nesting_check(struct xg_state *st, const struct xg_entry *adds, size_t nadd)
{
	struct xg_entry *all = NULL, *grown;
	char buf[XG_PREFIX_STRLEN];
	struct xg_prefix deep;
	size_t n = 0, depth;

	if (xg_list_prune_one(st, XG_ALLOWLIST, NULL) ||
	    xg_list_get(st, XG_ALLOWLIST, true, &all, &n)) {
		pr_error("cannot read the allowlist to check how its entries nest");
		free(all);
		return -1;
	}
	grown = realloc(all, (n + nadd) * sizeof(*all));
	if (!grown) {
		pr_error("out of memory");
		free(all);
		return -1;
	}
	all = grown;
	/* After the list's own: an added prefix replaces its entry. */
	memcpy(all + n, adds, nadd * sizeof(*adds));
	depth = xg_timed_nesting(all, n + nadd, &deep);
	free(all);
	if (depth <= GUARD_LPM_EXPIRED_MAX)
		return 0;
	pr_error("%zu allowlist entries with a deadline would nest around %s, and the program "
		 "looks past at most %d expired ones to an entry around them: give some of "
		 "them no --ttl, or remove some first", depth,
		 xg_prefix_format(&deep, buf, sizeof(buf)), GUARD_LPM_EXPIRED_MAX);
	return -1;
}

/*
 * How many of the prefixes are listed for good now: an add with --ttl
 * gives them its deadline (an entry has one expiry), which is easy to miss.
 * A lookup each, so not for the largest files, where it would cost more
 * than the add.
 */
#define DOWNGRADE_CHECK_MAX 100000

static size_t count_for_good(struct xg_state *st, enum xg_list list,
			     const struct prefix_set *set)
{
	size_t n = 0;

	if (set->count > DOWNGRADE_CHECK_MAX)
		return 0;
	for (size_t i = 0; i < set->count; i++) {
		struct xg_entry e;

		if (!xg_list_find(st, list, &set->items[i], &e) && !e.expires_ns)
			n++;
	}
	return n;
}

int listedit_add(enum xg_list list, const struct list_add_opts *o)
{
	struct prefix_set set = { 0 };
	struct xg_entry *entries = NULL, *allow = NULL;
	struct xg_state *st = NULL;
	char buf[XG_DURATION_STRLEN], pbuf[XG_PREFIX_STRLEN];
	size_t failed = 0, nallow = 0, for_good = 0;
	uint64_t now;
	int ret = EXIT_FAIL, err;

	if (cli_begin(&o->common))
		return EXIT_FAIL;
	ret = gather(&o->prefixes, o->file, &set);
	if (ret != EXIT_OK)
		goto out;
	ret = EXIT_FAIL;
	if (set.count == 0) {
		if (o->file)
			pr_error("nothing to add: %s holds no prefix, and none was given",
				 o->file);
		else
			pr_error("nothing to add: give PREFIX... or --file FILE");
		ret = EXIT_USAGE;
		goto out;
	}
	if (xg_state_open(o->common.pin_path, XG_OPEN_LOCK, &st))
		goto out;
	/* The program's clock: what entries' deadlines are kept on. */
	now = xg_now_ns();
	if (list == XG_BLOCKLIST) {
		/* Read once for both checks.  Without the lockout check
		 * (--force), an unreadable allowlist only costs the note. */
		if (xg_list_get(st, XG_ALLOWLIST, false, &allow, &nallow)) {
			allow = NULL;
			nallow = 0;
			if (!o->force) {
				pr_error("cannot read the allowlist");
				goto out;
			}
		}
		if (!o->force &&
		    lockout_check(&set, allow, nallow, o->ttl_ns ? now + o->ttl_ns : 0, now))
			goto out;
		note_allowlisted(&set, allow, nallow);
	}
	note_v4_mapped(&set);
	if (o->ttl_ns)
		for_good = count_for_good(st, list, &set);
	entries = calloc(set.count, sizeof(*entries));
	if (!entries) {
		pr_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < set.count; i++) {
		entries[i].prefix = set.items[i];
		entries[i].expires_ns = o->ttl_ns ? now + o->ttl_ns : 0;
		entries[i].origin = GUARD_ORIGIN_MANUAL;
	}
	if (list == XG_ALLOWLIST && o->ttl_ns && allow_nesting_check(st, entries, set.count))
		goto out;
	err = xg_list_add(st, list, entries, set.count, &failed);
	if (err == -ENOSPC) {
		/* Expired entries still take room until someone removes them;
		 * a full list is the time to.  Reading a large list is slow,
		 * so this is not done on every change. */
		size_t pruned = 0;

		if (xg_list_prune(st, &pruned) == 0 && pruned) {
			pr_info("Removed %zu expired entries to make room\n", pruned);
			err = xg_list_add(st, list, entries, set.count, &failed);
		}
	}
	if (err) {
		if (err != -ENOSPC)
			pr_error("cannot add %s to the %s: %s; nothing was changed",
				 xg_prefix_format(&set.items[failed], pbuf, sizeof(pbuf)),
				 xg_list_name(list), strerror(-err));
		else
			full_error(list, &set.items[failed]);
		goto out;
	}
	for (size_t i = 0; i < set.count && o->common.verbose; i++)
		printf("  %s\n", xg_prefix_format(&set.items[i], pbuf, sizeof(pbuf)));
	printf("Added %zu %s to the %s", set.count, set.count == 1 ? "entry" : "entries",
	       xg_list_name(list));
	if (o->ttl_ns)
		printf(", expiring in %s", xg_duration_format(o->ttl_ns, buf, sizeof(buf)));
	printf("\n");
	/* for_good is counted only with --ttl: buf holds it. */
	if (for_good && set.count == 1)
		pr_warn("Note: it was listed for good before; now it expires in %s\n", buf);
	else if (for_good)
		pr_warn("Note: %zu of them %s listed for good before, and now expire%s in %s "
			"too\n", for_good, for_good == 1 ? "was" : "were",
			for_good == 1 ? "s" : "", buf);
	ret = EXIT_OK;
out:
	free(entries);
	free(allow);
	free(set.items);
	xg_state_close(st);
	return ret;
}

static bool in_set(const struct prefix_set *set, const struct xg_prefix *p)
{
	for (size_t i = 0; i < set->count; i++)
		if (!xg_prefix_cmp(&set->items[i], p))
			return true;
	return false;
}

/*
 * Refuse to take from the allowlist what keeps the SSH client this command
 * came through from a blocklist entry that covers it (all: the whole
 * allowlist).  --force overrides.
 */
static int exposure_check(struct xg_state *st, const struct prefix_set *set, bool all)
{
	struct xg_entry *allow = NULL, *block = NULL;
	const struct xg_entry *blocker = NULL, *removed = NULL;
	char mebuf[XG_PREFIX_STRLEN], bbuf[XG_PREFIX_STRLEN], abuf[XG_PREFIX_STRLEN];
	size_t nallow = 0, nblock = 0;
	struct xg_prefix me;
	int ret = 0;

	if (!ssh_client(&me))
		return 0;
	if (xg_list_get(st, XG_ALLOWLIST, false, &allow, &nallow) ||
	    xg_list_get(st, XG_BLOCKLIST, false, &block, &nblock)) {
		pr_error("cannot read the lists to check the address of this SSH session; "
			 "add --force to go ahead without the check");
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < nblock && !blocker; i++)
		if (xg_prefix_covers(&block[i].prefix, &me))
			blocker = &block[i];
	if (!blocker)
		goto out;
	for (size_t i = 0; i < nallow; i++) {
		if (!xg_prefix_covers(&allow[i].prefix, &me))
			continue;
		if (!all && !in_set(set, &allow[i].prefix))
			goto out;	/* still covered by what stays */
		removed = &allow[i];
	}
	if (!removed)
		goto out;	/* blocked already: nothing to lose */
	xg_prefix_format(&me, mebuf, sizeof(mebuf));
	xg_prefix_format(&blocker->prefix, bbuf, sizeof(bbuf));
	if (all)
		snprintf(abuf, sizeof(abuf), "the allowlist");
	else
		xg_prefix_format(&removed->prefix, abuf, sizeof(abuf));
	pr_error("%s keeps %s, the address of this SSH session, from the blocklist's %s: "
		 "removing it would lock you out. Unblock %s first, or add --force",
		 abuf, mebuf, bbuf, bbuf);
	ret = -1;
out:
	free(allow);
	free(block);
	return ret;
}

/* --ignore-missing: keep in set only the prefixes on the list; how many
 * went. */
static size_t keep_listed(struct xg_state *st, enum xg_list list, struct prefix_set *set)
{
	size_t listed = 0, missing;

	for (size_t i = 0; i < set->count; i++) {
		struct xg_entry e;

		if (!xg_list_find(st, list, &set->items[i], &e))
			set->items[listed++] = set->items[i];
	}
	missing = set->count - listed;
	set->count = listed;
	return missing;
}

int listedit_remove(enum xg_list list, const struct list_remove_opts *o)
{
	struct prefix_set set = { 0 };
	struct xg_state *st = NULL;
	char pbuf[XG_PREFIX_STRLEN];
	size_t missing = 0, removed = 0, failed = 0;
	int ret = EXIT_FAIL, err;

	if (cli_begin(&o->common))
		return EXIT_FAIL;
	ret = gather(&o->prefixes, o->file, &set);
	if (ret != EXIT_OK)
		goto out;
	ret = EXIT_FAIL;
	if (o->all == (set.count > 0)) {
		if (o->all)
			pr_error("--all removes every entry: give it without PREFIX... and --file");
		else if (o->file)
			pr_error("nothing to remove: %s holds no prefix, and none was given",
				 o->file);
		else
			pr_error("nothing to remove: give PREFIX..., --file FILE or --all");
		ret = EXIT_USAGE;
		goto out;
	}
	if (xg_state_open(o->common.pin_path, XG_OPEN_LOCK, &st))
		goto out;
	if (o->ignore_missing && !o->all)
		missing = keep_listed(st, list, &set);
	if (list == XG_ALLOWLIST && !o->force && exposure_check(st, &set, o->all))
		goto out;
	if (o->all) {
		err = xg_list_clear(st, list, &removed);
		if (err) {
			pr_error("cannot clear the %s: %s", xg_list_name(list), strerror(-err));
			goto out;
		}
		printf("Emptied the %s: removed %zu %s\n", xg_list_name(list), removed,
		       removed == 1 ? "entry" : "entries");
		ret = EXIT_OK;
		goto out;
	}
	err = set.count ? xg_list_remove(st, list, set.items, set.count, &failed) : 0;
	if (err == -ENOENT) {
		pr_error("%s is not on the %s; nothing was removed",
			 xg_prefix_format(&set.items[failed], pbuf, sizeof(pbuf)),
			 xg_list_name(list));
		goto out;
	}
	if (err) {
		pr_error("cannot remove from the %s: %s", xg_list_name(list), strerror(-err));
		goto out;
	}
	printf("Removed %zu %s from the %s", set.count, set.count == 1 ? "entry" : "entries",
	       xg_list_name(list));
	if (missing)
		printf("; %zu %s not on it", missing, missing == 1 ? "was" : "were");
	printf("\n");
	ret = EXIT_OK;
out:
	free(set.items);
	xg_state_close(st);
	return ret;
}
