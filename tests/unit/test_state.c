// SPDX-License-Identifier: GPL-2.0-only
/*
 * State and lists against real maps (root only): the maps are made by
 * loading the XDP object's maps with libbpf, pinned by name under a fresh
 * folder in bpffs, exactly as the loader would; nothing is attached.
 *
 * Entries are also read back from the maps directly, with the key layouts
 * of guard_maps.h: what matters in the end is that the XDP program finds
 * them where it looks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "unit.h"
#include "guard_maps.h"
#include "internal.h"	/* xg_state_refresh_rules() */

#define NS 1000000000ULL

static char *dir;
static struct xg_state *st;

static void state_setup(void)
{
	struct bpf_object *obj;
	int err;

	dir = unit_bpf_tmpdir();
	obj = unit_load_object(dir, false);
	/* The pins keep the maps; the object is no longer needed. */
	bpf_object__close(obj);
	err = xg_state_open(dir, 0, &st);
	ck_assert_msg(err == 0, "xg_state_open(%s): %d", dir, err);
	unit_log_reset();
}

/* Checked: runs in the test's process, and fails the test if the pins
 * cannot be removed.  A test that fails earlier ends its process without
 * it; the tcase's unchecked teardown then removes the whole base folder. */
static void state_teardown(void)
{
	int err;

	xg_state_close(st);
	st = NULL;
	err = unit_rm_tree(dir);
	free(dir);
	dir = NULL;
	ck_assert_msg(err == 0, "removing the pins: %s", strerror(-err));
}

static struct xg_entry entry(const char *text, uint64_t expires_ns, uint32_t origin)
{
	struct xg_entry e;

	memset(&e, 0, sizeof(e));
	e.prefix = unit_prefix(text);
	e.expires_ns = expires_ns;
	e.origin = origin;
	return e;
}

static int map_fd(const char *name)
{
	int fd = xg_state_map_fd(st, name);

	ck_assert_msg(fd >= 0, "no fd for map %s: %d", name, fd);
	return fd;
}

/* Is key exactly a key of the map (not merely matched by a shorter
 * prefix, as a trie lookup would)?  Its value goes to out. */
static bool map_has_key(const char *name, const void *key, size_t key_size,
			struct guard_entry *out)
{
	int fd = map_fd(name);
	unsigned char cur[64], next[64];
	int err;

	ck_assert_uint_le(key_size, sizeof(cur));
	for (err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, cur, next)) {
		memcpy(cur, next, key_size);
		if (!memcmp(cur, key, key_size))
			return bpf_map_lookup_elem(fd, cur, out) == 0;
	}
	return false;
}

/* Find p where the XDP program looks for that list: blocklisted hosts in
 * the hashes by bare address, everything else in a trie. */
static bool map_lookup(enum xg_list list, const struct xg_prefix *p,
		       struct guard_entry *out)
{
	bool v4 = p->family == AF_INET;

	if (list == XG_BLOCKLIST && xg_prefix_is_host(p))
		return map_has_key(v4 ? GUARD_MAP_BLOCK_V4 : GUARD_MAP_BLOCK_V6,
				   p->addr, v4 ? 4 : 16, out);
	if (v4) {
		struct guard_lpm_v4 key = { .prefixlen = p->len };

		memcpy(key.addr, p->addr, 4);
		return map_has_key(list == XG_BLOCKLIST ? GUARD_MAP_BLKNET_V4 :
				   GUARD_MAP_ALLOW_V4, &key, sizeof(key), out);
	} else {
		struct guard_lpm_v6 key = { .prefixlen = p->len };

		memcpy(key.addr, p->addr, 16);
		return map_has_key(list == XG_BLOCKLIST ? GUARD_MAP_BLKNET_V6 :
				   GUARD_MAP_ALLOW_V6, &key, sizeof(key), out);
	}
}

/* Count the keys of one map. */
static size_t map_count(const char *name)
{
	int fd = map_fd(name);
	unsigned char key[64], next[64];
	size_t n = 0;
	int err;

	for (err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, sizeof(key));
		n++;
	}
	return n;
}

/* The list, through the library, must be exactly want (already sorted). */
static void assert_get(enum xg_list list, bool include_expired,
		       const struct xg_entry *want, size_t n)
{
	struct xg_entry *got = NULL;
	size_t count = 999;
	char a[XG_PREFIX_STRLEN], b[XG_PREFIX_STRLEN];
	int err;

	err = xg_list_get(st, list, include_expired, &got, &count);
	ck_assert_int_eq(err, 0);
	if (count != n) {
		/* Name them: "5 entries, expected 3" alone says little. */
		char names[1024] = "";
		size_t len = 0;

		for (size_t i = 0; i < count && len < sizeof(names) - 64; i++) {
			xg_prefix_format(&got[i].prefix, a, sizeof(a));
			len += (size_t)snprintf(names + len, sizeof(names) - len, " %s", a);
		}
		ck_abort_msg("%s: %zu entries, expected %zu:%s", xg_list_name(list),
			     count, n, names);
	}
	for (size_t i = 0; i < n; i++) {
		xg_prefix_format(&got[i].prefix, a, sizeof(a));
		xg_prefix_format(&want[i].prefix, b, sizeof(b));
		ck_assert_msg(xg_prefix_cmp(&got[i].prefix, &want[i].prefix) == 0,
			      "%s[%zu]: %s, expected %s", xg_list_name(list), i, a, b);
		ck_assert_msg(got[i].expires_ns == want[i].expires_ns,
			      "%s: expires %llu, expected %llu", a,
			      (unsigned long long)got[i].expires_ns,
			      (unsigned long long)want[i].expires_ns);
		ck_assert_msg(got[i].origin == want[i].origin, "%s: origin %u, expected %u",
			      a, got[i].origin, want[i].origin);
	}
	free(got);
}

static int cmp_entry(const void *a, const void *b)
{
	return xg_prefix_cmp(&((const struct xg_entry *)a)->prefix,
			     &((const struct xg_entry *)b)->prefix);
}

static struct guard_config config_now(void)
{
	struct guard_config cfg;
	uint32_t zero = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(xg_state_map_fd(st, GUARD_MAP_CONFIG),
					     &zero, &cfg), 0);
	return cfg;
}

/* The skip bits the program reads: set for exactly the empty maps, and
 * never for a map auto-ban writes to while a rule bans. */
static uint32_t skip_bits(void)
{
	return config_now().skip_lists & GUARD_SKIP_BITS;
}

/* The config's generation (GUARD_CONFIG_GEN_SHIFT). */
static uint32_t config_gen(void)
{
	return guard_config_gen(config_now().skip_lists);
}

/* The cell of a.b.x.x, as the program indexes it. */
#define CELL(a, b) ((uint32_t)(a) << 8 | (uint32_t)(b))

/* A run of cells, first to last inclusive, expected to have bits. */
struct cell_run {
	uint32_t first, last;
	uint8_t bits;
};

static struct guard_cells_v4 *cells_get(void)
{
	struct guard_cells_v4 *c = malloc(sizeof(*c));	/* 64 KiB: not on the stack */
	uint32_t zero = 0;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_CELLS_V4), &zero, c), 0);
	return c;
}

static void cells_put(const struct guard_cells_v4 *c)
{
	uint32_t zero = 0;

	ck_assert_int_eq(bpf_map_update_elem(map_fd(GUARD_MAP_CELLS_V4), &zero, c,
					     BPF_ANY), 0);
}

/*
 * Every one of the 65536 cells must be exactly rest plus the bits of the
 * runs it lies in, and the config must say flags (GUARD_CELLS_V4 and
 * GUARD_CELLS_BANS) about them.  A cell with a bit too many costs only a
 * lookup, but one with a bit too few lets a listed source through, so both
 * count.  Returns how many cells have any bit at all, so that a caller
 * can also state how far an entry reaches.
 */
static size_t assert_cells(uint32_t flags, uint8_t rest, const struct cell_run *runs,
			   size_t n)
{
	uint32_t skip = skip_bits();
	struct guard_cells_v4 *c;
	size_t wrong = 0, marked = 0;
	char first[128] = "";

	ck_assert_msg((skip & (GUARD_CELLS_V4 | GUARD_CELLS_BANS)) == flags,
		      "skip_lists %#x: cells flags %#x, expected %#x", skip,
		      skip & (GUARD_CELLS_V4 | GUARD_CELLS_BANS), flags);
	c = cells_get();
	for (uint32_t i = 0; i < GUARD_CELL_COUNT; i++) {
		uint8_t want = rest;

		for (size_t r = 0; r < n; r++)
			if (i >= runs[r].first && i <= runs[r].last)
				want |= runs[r].bits;
		if (c->cell[i])
			marked++;
		if (c->cell[i] == want)
			continue;
		if (!wrong++)
			snprintf(first, sizeof(first), "cell %u.%u is %#x, expected %#x",
				 i >> 8, i & 0xff, c->cell[i], want);
	}
	free(c);
	ck_assert_msg(!wrong, "%zu cells wrong, first: %s", wrong, first);
	return marked;
}

/* The /24 a.b.c.0: its place in xg_dir_v4 (chunk a, cell b << 8 | c) and
 * its key in xg_deep_v4 alike (the address shifted right by 8). */
#define NET24(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
/* What GUARD_DIR_LEN says for a prefix of length plen without deadline. */
#define DIR_LEN(plen) ((uint8_t)((plen) + 1))
/* A /24's host bit with the lone-host byte of its one address, .octet. */
#define DIR_LONE(octet) ((uint16_t)(GUARD_DIR_HOST | (octet) << GUARD_DIR_LONE_SHIFT))

/*
 * A run of /24s, first to last inclusive, and what a prefix (or several)
 * gives each: flags (GUARD_DIR_TIMED, _DEEP, _HOST), a length in the
 * GUARD_DIR_LEN bits, and a lone-host byte (DIR_LONE).  Where runs
 * overlap, a /24 is expected to have the flags of all of them and the
 * longest length, as the index keeps them.
 */
struct dir_run {
	uint32_t first, last;
	uint16_t bits;
};

static const char *dir_bits_text(uint16_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%#x (len %u%s%s%s, lone .%u)", v, v & GUARD_DIR_LEN,
		 v & GUARD_DIR_TIMED ? " timed" : "", v & GUARD_DIR_DEEP ? " deep" : "",
		 v & GUARD_DIR_HOST ? " host" : "", v >> GUARD_DIR_LONE_SHIFT);
	return buf;
}

/*
 * Every /24 cell of all GUARD_DIR_CHUNKS chunks of xg_dir_v4 must be
 * exactly what the runs it lies in give it (0 outside every run), and the
 * config must say the index is in use.  A cell that says less than the
 * lists lets a listed source through; one that says more (a length the
 * lists do not give) drops what nothing blocks: both count.  Returns how
 * many /24s have any bit at all.
 */
static size_t assert_dir(const struct dir_run *runs, size_t n)
{
	struct guard_dir_v4 *got = malloc(sizeof(*got));	/* 128 KiB each */
	struct guard_dir_v4 *want = malloc(sizeof(*want));
	int fd = map_fd(GUARD_MAP_DIR_V4);
	size_t wrong = 0, marked = 0;
	char first[192] = "", a[64], b[64];

	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(skip_bits() & GUARD_CELLS_V4, "skip_lists %#x: index not in use",
		      skip_bits());
	for (uint32_t c = 0; c < GUARD_DIR_CHUNKS; c++) {
		uint32_t base = c << 16, top = base | 0xffff;

		memset(want, 0, sizeof(*want));
		for (size_t r = 0; r < n; r++) {
			uint32_t lo = runs[r].first > base ? runs[r].first : base;
			uint32_t hi = runs[r].last < top ? runs[r].last : top;
			uint8_t len = runs[r].bits & GUARD_DIR_LEN;

			for (uint32_t s = lo; s <= hi; s++) {
				__u16 *w = &want->cell[s & 0xffff];

				*w |= runs[r].bits & (uint16_t)~GUARD_DIR_LEN;
				if ((*w & GUARD_DIR_LEN) < len)
					*w = (uint16_t)((*w & ~GUARD_DIR_LEN) | len);
			}
		}
		ck_assert_int_eq(bpf_map_lookup_elem(fd, &c, got), 0);
		for (uint32_t i = 0; i < 65536; i++) {
			if (got->cell[i])
				marked++;
			if (got->cell[i] == want->cell[i])
				continue;
			if (!wrong++)
				snprintf(first, sizeof(first), "/24 %u.%u.%u is %s, expected %s",
					 c, i >> 8, i & 0xff,
					 dir_bits_text(got->cell[i], a, sizeof(a)),
					 dir_bits_text(want->cell[i], b, sizeof(b)));
		}
	}
	free(got);
	free(want);
	ck_assert_msg(!wrong, "%zu /24s wrong, first: %s", wrong, first);
	return marked;
}

/* One key of xg_deep_v4 with its value. */
struct deep_kv {
	uint32_t key;
	struct guard_deep_v4 val;
};

static int cmp_deep_kv(const void *a, const void *b)
{
	uint32_t x = ((const struct deep_kv *)a)->key, y = ((const struct deep_kv *)b)->key;

	return x < y ? -1 : x > y;
}

/* Every key of xg_deep_v4 and its value, sorted by key, in *out (to be
 * freed); returns how many. */
static size_t deep_list(struct deep_kv **out)
{
	int fd = map_fd(GUARD_MAP_DEEP_V4);
	struct deep_kv *kv = NULL;
	uint32_t key, next;
	size_t n = 0;
	int err;

	for (err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		struct deep_kv *grown = realloc(kv, (n + 1) * sizeof(*kv));

		ck_assert_ptr_nonnull(grown);
		kv = grown;
		key = next;
		kv[n].key = key;
		ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &kv[n].val), 0);
		n++;
	}
	ck_assert_int_eq(errno, ENOENT);
	if (n)
		qsort(kv, n, sizeof(*kv), cmp_deep_kv);
	*out = kv;
	return n;
}

/* What one /24 of xg_deep_v4 must hold: the addresses (last byte) of the
 * runs covered, nothing else, and timed. */
struct deep_want {
	uint32_t key;
	uint32_t timed;
	size_t n;
	struct {
		unsigned int first, last;
	} runs[4];
};

/* xg_deep_v4 must hold exactly want (sorted by key), covered bit by bit. */
static void assert_deep(const struct deep_want *want, size_t n)
{
	struct deep_kv *got;
	size_t count = deep_list(&got);
	char msg[512] = "";
	size_t len = 0;

	if (count != n) {
		len = (size_t)snprintf(msg, sizeof(msg), "xg_deep_v4: %zu keys, expected %zu:",
				       count, n);
		for (size_t i = 0; i < count && len < sizeof(msg) - 32; i++)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, " %u.%u.%u",
						got[i].key >> 16, (got[i].key >> 8) & 0xff,
						got[i].key & 0xff);
	}
	for (size_t i = 0; !len && i < n; i++) {
		uint32_t k = want[i].key, g = got[i].key;

		if (g != k) {
			len = (size_t)snprintf(msg, sizeof(msg),
					       "xg_deep_v4[%zu]: %u.%u.%u, expected %u.%u.%u",
					       i, g >> 16, (g >> 8) & 0xff, g & 0xff, k >> 16,
					       (k >> 8) & 0xff, k & 0xff);
			break;
		}
		if (got[i].val.timed != want[i].timed)
			len = (size_t)snprintf(msg, sizeof(msg),
					       "deep %u.%u.%u: timed %u, expected %u", k >> 16,
					       (k >> 8) & 0xff, k & 0xff, got[i].val.timed,
					       want[i].timed);
		for (unsigned int a = 0; !len && a < 256; a++) {
			bool in = (got[i].val.covered[a >> 3] >> (a & 7)) & 1, expect = false;

			for (size_t r = 0; r < want[i].n; r++)
				if (a >= want[i].runs[r].first && a <= want[i].runs[r].last)
					expect = true;
			if (in != expect)
				len = (size_t)snprintf(msg, sizeof(msg),
						       "deep %u.%u.%u: address %u %s, expected %s",
						       k >> 16, (k >> 8) & 0xff, k & 0xff, a,
						       in ? "covered" : "not covered",
						       expect ? "covered" : "not");
		}
	}
	free(got);
	ck_assert_msg(!len, "%s", msg);
}

/* The whole /24 index: xg_dir_v4 as assert_dir, xg_deep_v4 as assert_deep.
 * Returns how many /24s have any bit. */
static size_t assert_index(const struct dir_run *runs, size_t n,
			   const struct deep_want *deep, size_t n_deep)
{
	size_t marked = assert_dir(runs, n);

	assert_deep(deep, n_deep);
	return marked;
}

/* ---- opening ------------------------------------------------------------ */

START_TEST(test_open)
{
	static const char *const names[] = {
		GUARD_MAP_ALLOW_V4, GUARD_MAP_ALLOW_V6, GUARD_MAP_BLOCK_V4,
		GUARD_MAP_BLOCK_V6, GUARD_MAP_BLKNET_V4, GUARD_MAP_BLKNET_V6,
		GUARD_MAP_COUNTERS,
	};

	ck_assert_str_eq(xg_state_pin_path(st), dir);
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		map_fd(names[i]);
	ck_assert_int_eq(xg_state_map_fd(st, "xg_nonexistent"), -ENOENT);
	ck_assert_int_eq(xg_state_map_fd(st, ""), -ENOENT);
	ck_assert_int_eq(xg_pin_path_check(dir), 0);
}
END_TEST

/* ---- add and get -------------------------------------------------------- */

START_TEST(test_add_and_get_sorted)
{
	uint64_t later = xg_now_ns() + 3600 * NS;
	struct xg_entry in[] = {
		entry("2001:db8::5", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("192.168.1.0/24", later, GUARD_ORIGIN_AUTOBAN),
		entry("::1", later, GUARD_ORIGIN_MANUAL),
		entry("1.2.3.4", later, GUARD_ORIGIN_AUTOBAN),
		entry("fe80::/10", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.1", 0, GUARD_ORIGIN_MANUAL),
		entry("0.0.0.0/0", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry sorted[ARRAY_LEN(in)];
	size_t failed = 999;

	memcpy(sorted, in, sizeof(in));
	qsort(sorted, ARRAY_LEN(sorted), sizeof(sorted[0]), cmp_entry);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, in, ARRAY_LEN(in), &failed), 0);
	assert_get(XG_BLOCKLIST, false, sorted, ARRAY_LEN(sorted));
	assert_get(XG_BLOCKLIST, true, sorted, ARRAY_LEN(sorted));
	assert_get(XG_ALLOWLIST, true, NULL, 0);

	/* Hosts in the hashes, everything else in the tries: where the XDP
	 * program looks, with the value it reads. */
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V4), 2);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V6), 2);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V4), 3);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V6), 2);
	for (size_t i = 0; i < ARRAY_LEN(in); i++) {
		struct guard_entry v;

		ck_assert(map_lookup(XG_BLOCKLIST, &in[i].prefix, &v));
		ck_assert_uint_eq(v.expires_ns, in[i].expires_ns);
		ck_assert_uint_eq(v.origin, in[i].origin);
	}

	/* The same entries on the allowlist: all in the tries. */
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, in, ARRAY_LEN(in), NULL), 0);
	assert_get(XG_ALLOWLIST, false, sorted, ARRAY_LEN(sorted));
	ck_assert_uint_eq(map_count(GUARD_MAP_ALLOW_V4), 5);
	ck_assert_uint_eq(map_count(GUARD_MAP_ALLOW_V6), 4);
	assert_get(XG_BLOCKLIST, false, sorted, ARRAY_LEN(sorted));
}
END_TEST

START_TEST(test_add_nothing)
{
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, NULL, 0, NULL), 0);
	assert_get(XG_BLOCKLIST, true, NULL, 0);
}
END_TEST

/* ---- unbans, as xg_events_poll() tells them --------------------------- */

struct unbans_seen {
	int count;
	struct xg_event last;
};

static void count_unban(const struct xg_event *ev, void *ctx)
{
	struct unbans_seen *seen = ctx;

	if (ev->type == XG_EVENT_UNBAN) {
		seen->count++;
		seen->last = *ev;
	}
}

/* Past the interval at which the blocklist is looked at, then a poll. */
static void poll_after_watch(struct xg_events *ev)
{
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	ck_assert_int_ge(xg_events_poll(ev, 0), 0);
}

/* A ban that ended before the watch began, expired but not pruned yet, was
 * never live for it: no unban, on the first look or any later one. */
START_TEST(test_unban_not_told_for_old_ban)
{
	struct xg_entry old = entry("192.0.2.9", xg_now_ns() + 1000, GUARD_ORIGIN_AUTOBAN);
	struct timespec ms = { .tv_nsec = 1000 * 1000 };
	struct unbans_seen seen = { 0 };
	struct xg_events *ev;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &old, 1, NULL), 0);
	nanosleep(&ms, NULL);
	ck_assert_int_eq(xg_events_open(st, count_unban, &seen, &ev), 0);
	poll_after_watch(ev);
	poll_after_watch(ev);
	xg_events_close(ev);
	ck_assert_int_eq(seen.count, 0);
}
END_TEST

/* A ban blocked again by hand is a manual entry now: the source is still
 * dropped, so no unban, then or when the manual entry goes.  A ban removed
 * beside it is told, once. */
START_TEST(test_unban_not_told_when_made_manual)
{
	uint64_t later = xg_now_ns() + 3600 * NS;
	struct xg_entry bans[] = {
		entry("192.0.2.9", later, GUARD_ORIGIN_AUTOBAN),
		entry("198.51.100.7", later, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry manual = entry("192.0.2.9", 0, GUARD_ORIGIN_MANUAL);
	struct xg_prefix removed = unit_prefix("198.51.100.7");
	struct unbans_seen seen = { 0 };
	struct xg_events *ev;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, bans, 2, NULL), 0);
	ck_assert_int_eq(xg_events_open(st, count_unban, &seen, &ev), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &manual, 1, NULL), 0);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &removed, 1, NULL), 0);
	poll_after_watch(ev);
	ck_assert_int_eq(seen.count, 1);
	ck_assert_int_eq(xg_prefix_cmp(&seen.last.source, &removed), 0);
	ck_assert(!seen.last.expired);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &manual.prefix, 1, NULL), 0);
	poll_after_watch(ev);
	xg_events_close(ev);
	ck_assert_int_eq(seen.count, 1);
}
END_TEST

/* Exactly the prefix asked for: a trie's shorter match around it is not
 * its entry; an expired entry is still found. */
START_TEST(test_find_exact)
{
	uint64_t past = xg_now_ns() + 1000, later = xg_now_ns() + 600 * NS;
	struct xg_entry e[] = {
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.7", later, GUARD_ORIGIN_AUTOBAN),
		entry("2001:db8::/32", past, GUARD_ORIGIN_MANUAL),
	};
	struct xg_prefix p;
	struct xg_entry got;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, e, 3, NULL), 0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(xg_list_find(st, XG_BLOCKLIST, &e[i].prefix, &got), 0);
		ck_assert_int_eq(xg_prefix_cmp(&got.prefix, &e[i].prefix), 0);
		ck_assert_uint_eq(got.expires_ns, e[i].expires_ns);
		ck_assert_uint_eq(got.origin, e[i].origin);
	}
	p = unit_prefix("10.1.0.0/16");
	ck_assert_int_eq(xg_list_find(st, XG_BLOCKLIST, &p, &got), -ENOENT);
	p = unit_prefix("10.0.0.1");
	ck_assert_int_eq(xg_list_find(st, XG_BLOCKLIST, &p, &got), -ENOENT);
	p = unit_prefix("192.0.2.7");
	ck_assert_int_eq(xg_list_find(st, XG_ALLOWLIST, &p, &got), -ENOENT);
}
END_TEST

/* A ban that expired and was pruned before the next look ended by its
 * deadline all the same: told as expired.  One blocked again by hand with
 * a deadline of its own is not followed, even once that has passed. */
START_TEST(test_unban_expired_even_if_pruned)
{
	struct xg_entry later = entry("198.51.100.7", xg_now_ns() + 3600 * NS,
				      GUARD_ORIGIN_AUTOBAN);
	struct timespec nap = { 0, 500 * 1000 * 1000 };
	struct xg_prefix expired = unit_prefix("192.0.2.9");
	struct unbans_seen seen = { 0 };
	struct xg_entry soon, manual;
	struct xg_events *ev;
	size_t pruned = 0;

	/* The first add builds the indexes, which takes a while under
	 * AddressSanitizer: the deadlines are taken after it. */
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &later, 1, NULL), 0);
	soon = entry("192.0.2.9", xg_now_ns() + 300 * 1000 * 1000, GUARD_ORIGIN_AUTOBAN);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &soon, 1, NULL), 0);
	ck_assert_int_eq(xg_events_open(st, count_unban, &seen, &ev), 0);
	/* Outlives the ban's deadline, not the look a second later. */
	manual = entry("198.51.100.7", xg_now_ns() + 900 * 1000 * 1000, GUARD_ORIGIN_MANUAL);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &manual, 1, NULL), 0);
	nanosleep(&nap, NULL);
	ck_assert_int_eq(xg_list_prune_one(st, XG_BLOCKLIST, &pruned), 0);
	ck_assert_uint_eq(pruned, 1);
	poll_after_watch(ev);
	xg_events_close(ev);
	ck_assert_int_eq(seen.count, 1);
	ck_assert_int_eq(xg_prefix_cmp(&seen.last.source, &expired), 0);
	ck_assert(seen.last.expired);
}
END_TEST

START_TEST(test_add_updates)
{
	uint64_t t1 = xg_now_ns() + 600 * NS, t2 = t1 + 600 * NS;
	struct xg_entry a[] = {
		entry("1.2.3.4", t1, GUARD_ORIGIN_AUTOBAN),
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry b[] = {
		entry("1.2.3.4", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.0/8", t2, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry want[] = { b[0], b[1] };

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, a, 2, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, b, 2, NULL), 0);
	assert_get(XG_BLOCKLIST, true, want, 2);
}
END_TEST

/*
 * Entry bad_at of a batch is impossible: nothing of the batch may stay,
 * and the entries it overwrote must get their old values back.  The batch
 * holds prefixes that an entry already there covers: a trie lookup finds
 * the covering entry for them, which must not pass for "was there".
 */
static void assert_add_refused(struct xg_prefix bad, size_t bad_at)
{
	uint64_t t1 = xg_now_ns() + 600 * NS;
	struct xg_entry before[] = {
		entry("1.2.3.4", t1, GUARD_ORIGIN_AUTOBAN),
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry batch[] = {
		entry("1.2.3.4", 0, GUARD_ORIGIN_MANUAL),		/* overwrites */
		entry("2001:db8:1::1", 0, GUARD_ORIGIN_MANUAL),		/* covered */
		entry("10.1.0.0/16", 0, GUARD_ORIGIN_MANUAL),		/* covered */
		entry("2001:db8::/32", t1, GUARD_ORIGIN_AUTOBAN),	/* overwrites */
		entry("5.6.7.8", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8:2::/48", 0, GUARD_ORIGIN_MANUAL),	/* covered */
	};
	char text[XG_PREFIX_STRLEN];
	size_t failed = 999;
	int err;

	ck_assert_uint_lt(bad_at, ARRAY_LEN(batch));
	batch[bad_at].prefix = bad;
	xg_prefix_format(&bad, text, sizeof(text));
	for (int l = XG_ALLOWLIST; l <= XG_BLOCKLIST; l++) {
		ck_assert_int_eq(xg_list_add(st, l, before, ARRAY_LEN(before), NULL), 0);
		err = xg_list_add(st, l, batch, ARRAY_LEN(batch), &failed);
		ck_assert_msg(err < 0, "%s: entry %zu (\"%s\", family %d, len %u) "
			      "accepted", xg_list_name(l), bad_at, text, bad.family,
			      bad.len);
		ck_assert_uint_eq(failed, bad_at);
		assert_get(l, true, before, ARRAY_LEN(before));
	}
}

START_TEST(test_add_bad_family)
{
	struct xg_prefix bad = unit_prefix("9.9.9.9");

	bad.family = AF_UNIX;
	assert_add_refused(bad, 4);
	bad.family = 0;
	assert_add_refused(bad, 5);
}
END_TEST

START_TEST(test_add_bad_length)
{
	struct xg_prefix bad = unit_prefix("9.9.9.9");

	bad.len = 33;
	assert_add_refused(bad, 4);
	bad = unit_prefix("2001:db8:3::1");
	bad.len = 129;
	assert_add_refused(bad, 5);
	bad.len = 255;
	assert_add_refused(bad, 1);
}
END_TEST

/*
 * A batch one entry larger than a map: -ENOSPC, and nothing of it stays.
 * The kernel says -ENOSPC for a full trie but -E2BIG for a full hash; the
 * contract promises -ENOSPC for both.
 */
static void fill_until_full(enum xg_list list, int family, size_t capacity)
{
	size_t n = capacity + 1, failed = 0;
	uint64_t t1 = xg_now_ns() + 600 * NS;
	struct xg_entry keep[] = {
		family == AF_INET ? entry("0.0.0.1", t1, GUARD_ORIGIN_AUTOBAN) :
				    entry("::1", t1, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry *batch = calloc(n, sizeof(*batch));
	int err;

	ck_assert_ptr_nonnull(batch);
	ck_assert_int_eq(xg_list_add(st, list, keep, 1, NULL), 0);
	/* Entry 0 overwrites the one entry already there, so the batch holds
	 * capacity + 1 different hosts and exactly one does not fit. */
	batch[0] = keep[0];
	batch[0].expires_ns = 0;
	batch[0].origin = GUARD_ORIGIN_MANUAL;
	for (size_t i = 1; i < n; i++) {
		struct xg_prefix *p = &batch[i].prefix;

		p->family = family;
		p->len = family == AF_INET ? 32 : 128;
		/* 10.x.y.z or 2001:db8::x:y:z: distinct, never ::1 */
		p->addr[0] = family == AF_INET ? 10 : 0x20;
		if (family == AF_INET6) {
			p->addr[1] = 0x01;
			p->addr[2] = 0x0d;
			p->addr[3] = 0xb8;
		}
		p->addr[family == AF_INET ? 1 : 13] = (uint8_t)(i >> 16);
		p->addr[family == AF_INET ? 2 : 14] = (uint8_t)(i >> 8);
		p->addr[family == AF_INET ? 3 : 15] = (uint8_t)i;
	}
	err = xg_list_add(st, list, batch, n, &failed);
	ck_assert_msg(err == -ENOSPC, "%s, %zu entries into %zu: %d",
		      xg_list_name(list), n, capacity, err);
	ck_assert_uint_ge(failed, 1);
	ck_assert_uint_lt(failed, n);
	assert_get(list, true, keep, 1);
	/* The cells the batch marked before it failed are cleared again:
	 * only the entry kept has one. */
	if (family == AF_INET) {
		const struct cell_run run = {
			CELL(0, 0), CELL(0, 0),
			list == XG_ALLOWLIST ? GUARD_CELL_ALLOW : GUARD_CELL_HOST,
		};

		ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, &run, 1), 1);
	}
	free(batch);
}

START_TEST(test_full_allowlist)
{
	/* The allowlist is one trie per family. */
	fill_until_full(XG_ALLOWLIST, AF_INET, GUARD_ALLOW_V4_MAX);
}
END_TEST

START_TEST(test_full_block_hash)
{
	/* Hosts on the blocklist go to the hash; v6 is the smaller one. */
	fill_until_full(XG_BLOCKLIST, AF_INET6, GUARD_BLOCK_V6_MAX);
}
END_TEST

/* ---- remove ------------------------------------------------------------- */

static struct xg_entry four[4];

static void add_four(enum xg_list list)
{
	four[0] = entry("1.2.3.4", 0, GUARD_ORIGIN_MANUAL);
	four[1] = entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL);
	four[2] = entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL);
	four[3] = entry("2001:db8::1", 0, GUARD_ORIGIN_AUTOBAN);
	ck_assert_int_eq(xg_list_add(st, list, four, 4, NULL), 0);
}

START_TEST(test_remove)
{
	for (int l = XG_ALLOWLIST; l <= XG_BLOCKLIST; l++) {
		struct xg_prefix rm[2];
		struct xg_entry left[2];

		add_four(l);
		rm[0] = four[3].prefix;
		rm[1] = four[1].prefix;
		left[0] = four[0];
		left[1] = four[2];
		ck_assert_int_eq(xg_list_remove(st, l, NULL, 0, NULL), 0);
		ck_assert_int_eq(xg_list_remove(st, l, rm, 2, NULL), 0);
		assert_get(l, true, left, 2);
	}
	/* The blocklist's maps agree: 1.2.3.4 left in the v4 hash,
	 * 2001:db8::/32 in the v6 trie. */
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V4), 1);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V6), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V4), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V6), 1);
}
END_TEST

/* One missing prefix in the batch, at index at: nothing removed. */
static void assert_remove_refused(enum xg_list list, const char *missing, size_t at)
{
	struct xg_prefix rm[] = { four[0].prefix, four[1].prefix, four[2].prefix,
				  four[3].prefix };
	size_t idx = 999;
	int err;

	ck_assert_uint_lt(at, ARRAY_LEN(rm));
	rm[at] = unit_prefix(missing);
	err = xg_list_remove(st, list, rm, ARRAY_LEN(rm), &idx);
	ck_assert_msg(err == -ENOENT, "%s: removing with %s missing: %d",
		      xg_list_name(list), missing, err);
	ck_assert_uint_eq(idx, at);
	assert_get(list, true, four, 4);
}

START_TEST(test_remove_all_or_nothing)
{
	for (int l = XG_ALLOWLIST; l <= XG_BLOCKLIST; l++) {
		add_four(l);
		assert_remove_refused(l, "9.9.9.9", 0);
		assert_remove_refused(l, "9.9.9.9", 1);
		assert_remove_refused(l, "9.9.9.9", 3);
		assert_remove_refused(l, "::", 2);
		/* Covered by an entry, but not an entry: a trie lookup would
		 * find 10.0.0.0/8 for these, and must not count as found. */
		assert_remove_refused(l, "10.1.0.0/16", 2);
		assert_remove_refused(l, "10.0.0.0/9", 3);
		assert_remove_refused(l, "10.0.0.7", 0);
		assert_remove_refused(l, "2001:db8:1::/48", 1);
		assert_remove_refused(l, "2001:db8::2", 1);
		/* Wider than an entry. */
		assert_remove_refused(l, "10.0.0.0/7", 2);
		assert_remove_refused(l, "1.2.3.4/31", 3);
	}
}
END_TEST

START_TEST(test_remove_wrong_list)
{
	struct xg_prefix rm = unit_prefix("10.0.0.0/8");
	size_t idx = 999;

	add_four(XG_BLOCKLIST);
	ck_assert_int_eq(xg_list_remove(st, XG_ALLOWLIST, &rm, 1, &idx), -ENOENT);
	ck_assert_uint_eq(idx, 0);
	assert_get(XG_BLOCKLIST, true, four, 4);
}
END_TEST

/* ---- clear -------------------------------------------------------------- */

#define SKIP_ALL (GUARD_SKIP_ALLOW_V4 | GUARD_SKIP_ALLOW_V6 | GUARD_SKIP_BLOCK_V4 | \
		  GUARD_SKIP_BLOCK_V6 | GUARD_SKIP_BLKNET_V4 | GUARD_SKIP_BLKNET_V6)

START_TEST(test_skip_bits)
{
	struct xg_entry one[] = { entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL) };
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};

	/* Every refresh also leaves the IPv4 cells, the rule index and,
	 * while no rule may ban, the IPv6 index and the lone-host bytes
	 * up to date. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(skip_bits(), SKIP_ALL | GUARD_CELLS_V4 | GUARD_INDEX_V6 | GUARD_RULE_INDEX);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, one, 1, NULL), 0);
	ck_assert_uint_eq(skip_bits(), (SKIP_ALL & ~GUARD_SKIP_BLOCK_V4) | GUARD_CELLS_V4 |
				       GUARD_INDEX_V6 | GUARD_RULE_INDEX);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &one[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(skip_bits(), SKIP_ALL | GUARD_CELLS_V4 | GUARD_INDEX_V6 | GUARD_RULE_INDEX);
	/* A banning rule: the maps bans go to are looked in, empty or not,
	 * the cells say so (GUARD_CELLS_BANS: host bit everywhere), and
	 * neither the IPv6 index nor the lone-host bytes are used. */
	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	ck_assert_uint_eq(skip_bits(), GUARD_SKIP_ALLOW_V4 | GUARD_SKIP_ALLOW_V6 |
				       GUARD_SKIP_BLKNET_V4 | GUARD_CELLS_V4 |
				       GUARD_CELLS_BANS | GUARD_RULE_INDEX);
	ck_assert_int_eq(xg_limit_remove(st, &ban.match), 0);
	ck_assert_uint_eq(skip_bits(), SKIP_ALL | GUARD_CELLS_V4 | GUARD_INDEX_V6 | GUARD_RULE_INDEX);
}
END_TEST

/* ---- the rule index ------------------------------------------------------ */

static void rule_index_get(struct guard_rule_index *ix)
{
	__u32 zero = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_RULE_INDEX), &zero, ix), 0);
}

/* The element an index byte names; the byte must name one. */
static struct guard_rule_entry rule_entry_named(__u8 named)
{
	struct guard_rule_entry e;
	__u32 i = named - 1u;

	ck_assert_msg(named >= 1 && named <= GUARD_RULE_ENTRIES, "index byte %u", named);
	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_RULE_ENTRIES), &i, &e), 0);
	return e;
}

#define EXPECT_NAMES(byte, want_port, want_proto, want_pps)				\
	do {										\
		struct guard_rule_entry e_ = rule_entry_named(byte);			\
		ck_assert_msg(e_.key.port == (want_port) && e_.key.proto == (want_proto) && \
			      e_.rule.pps == (want_pps), "names %u/%u pps %llu",		\
			      e_.key.port, e_.key.proto, (unsigned long long)e_.rule.pps);	\
	} while (0)

static void set_rule(uint16_t port, uint8_t proto, uint64_t pps)
{
	struct xg_limit l = { .match = { .port = port, .proto = proto }, .pps = pps };

	ck_assert_int_eq(xg_limit_set(st, &l), 0);
}

/* Each port and protocol names the rule the program would find in
 * xg_rules: port and protocol, then protocol, then any. */
START_TEST(test_rule_index_order)
{
	struct guard_rule_index *ix = malloc(sizeof(*ix));
	struct xg_match any = { .port = 0, .proto = 0 };

	ck_assert_ptr_nonnull(ix);
	set_rule(8000, IPPROTO_TCP, 10);
	set_rule(0, IPPROTO_TCP, 20);
	set_rule(53, IPPROTO_UDP, 30);
	set_rule(0, IPPROTO_ICMP, 40);
	set_rule(0, 0, 50);
	ck_assert(skip_bits() & GUARD_RULE_INDEX);
	rule_index_get(ix);
	EXPECT_NAMES(ix->tcp[8000], 8000, IPPROTO_TCP, 10);
	EXPECT_NAMES(ix->tcp[8001], 0, IPPROTO_TCP, 20);
	EXPECT_NAMES(ix->tcp[53], 0, IPPROTO_TCP, 20);
	EXPECT_NAMES(ix->udp[53], 53, IPPROTO_UDP, 30);
	EXPECT_NAMES(ix->udp[8000], 0, 0, 50);
	EXPECT_NAMES(ix->proto[IPPROTO_TCP], 0, IPPROTO_TCP, 20);
	EXPECT_NAMES(ix->proto[IPPROTO_UDP], 0, 0, 50);
	EXPECT_NAMES(ix->proto[IPPROTO_ICMP], 0, IPPROTO_ICMP, 40);
	EXPECT_NAMES(ix->proto[IPPROTO_GRE], 0, 0, 50);

	/* Without "any", what only it covered has no rule. */
	ck_assert_int_eq(xg_limit_remove(st, &any), 0);
	rule_index_get(ix);
	ck_assert_uint_eq(ix->udp[8000], 0);
	ck_assert_uint_eq(ix->proto[IPPROTO_GRE], 0);
	EXPECT_NAMES(ix->udp[53], 53, IPPROTO_UDP, 30);
	EXPECT_NAMES(ix->tcp[8001], 0, IPPROTO_TCP, 20);
	free(ix);
}
END_TEST

/*
 * Every rule change writes the config, and every write moves its
 * generation on: the program's budget gate (struct guard_gate) holds an
 * answer only as long as the generation it was found under.  Also a
 * change that leaves every skip bit as it was.
 */
START_TEST(test_rule_change_moves_generation)
{
	struct xg_match m = { .port = 8000, .proto = IPPROTO_UDP };
	struct xg_limit l = { .match = m, .pps = 100, .budget_pps = 1000 };
	uint32_t gen = config_gen(), bits;

	ck_assert_int_eq(xg_limit_set(st, &l), 0);
	ck_assert_uint_gt(config_gen(), gen);
	gen = config_gen();
	bits = skip_bits();
	l.budget_pps = 1000000;
	ck_assert_int_eq(xg_limit_set(st, &l), 0);
	ck_assert_uint_eq(skip_bits(), bits);
	ck_assert_uint_gt(config_gen(), gen);
	gen = config_gen();
	ck_assert_int_eq(xg_limit_remove(st, &m), 0);
	ck_assert_uint_gt(config_gen(), gen);

	/* The refresh after a rule change, which rebuilds the rule index,
	 * writes the config after it even with every bit as it was: a gate
	 * armed from the old index in between goes stale too. */
	gen = config_gen();
	bits = skip_bits();
	ck_assert_int_eq(xg_state_refresh_rules(st), 0);
	ck_assert_uint_eq(skip_bits(), bits);
	ck_assert_uint_gt(config_gen(), gen);
}
END_TEST

/* A changed rule goes to the element the index does not name, and the one
 * it named keeps the old content: a packet in flight reads one or the
 * other whole.  An unchanged rule stays where it is. */
START_TEST(test_rule_index_no_overwrite)
{
	struct guard_rule_index *ix = malloc(sizeof(*ix));
	__u8 first, second, third;

	ck_assert_ptr_nonnull(ix);
	set_rule(8000, IPPROTO_TCP, 10);
	rule_index_get(ix);
	first = ix->tcp[8000];
	EXPECT_NAMES(first, 8000, IPPROTO_TCP, 10);

	set_rule(8000, IPPROTO_TCP, 20);
	rule_index_get(ix);
	second = ix->tcp[8000];
	ck_assert_uint_ne(second, first);
	EXPECT_NAMES(second, 8000, IPPROTO_TCP, 20);
	EXPECT_NAMES(first, 8000, IPPROTO_TCP, 10);

	set_rule(8000, IPPROTO_TCP, 30);
	rule_index_get(ix);
	third = ix->tcp[8000];
	ck_assert_uint_ne(third, second);
	EXPECT_NAMES(third, 8000, IPPROTO_TCP, 30);
	EXPECT_NAMES(second, 8000, IPPROTO_TCP, 20);

	/* Another rule's change, or a refresh, leaves this one alone. */
	set_rule(0, IPPROTO_UDP, 5);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	rule_index_get(ix);
	ck_assert_uint_eq(ix->tcp[8000], third);
	free(ix);
}
END_TEST

/* A state whose index was never built (made by a version without it, or
 * set up by hand) gets one at the next refresh, as at load. */
START_TEST(test_rule_index_built_at_refresh)
{
	struct guard_rule_index *ix = calloc(1, sizeof(*ix));
	__u32 zero = 0;

	ck_assert_ptr_nonnull(ix);
	set_rule(443, IPPROTO_TCP, 10);
	ck_assert_int_eq(bpf_map_update_elem(map_fd(GUARD_MAP_RULE_INDEX), &zero, ix, BPF_ANY), 0);
	unit_config_skip_set(map_fd(GUARD_MAP_CONFIG), skip_bits() & ~GUARD_RULE_INDEX);

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert(skip_bits() & GUARD_RULE_INDEX);
	rule_index_get(ix);
	EXPECT_NAMES(ix->tcp[443], 443, IPPROTO_TCP, 10);
	free(ix);
}
END_TEST

/* A rule change that leaves auto-ban as it was rebuilds the rule index
 * and nothing else: with a million list entries a rebuild of the list
 * indexes takes seconds, which `xdp-guard limit` should not.  A cell
 * spoiled by hand shows whether they were rebuilt. */
START_TEST(test_rule_change_keeps_list_indexes)
{
	struct guard_cells_v4 *c;
	struct guard_rule_index *ix = malloc(sizeof(*ix));
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};

	ck_assert_ptr_nonnull(ix);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	c = cells_get();
	c->cell[CELL(198, 51)] = GUARD_CELL_NET;
	cells_put(c);
	free(c);

	set_rule(8000, IPPROTO_TCP, 10);
	set_rule(8000, IPPROTO_TCP, 20);
	rule_index_get(ix);
	EXPECT_NAMES(ix->tcp[8000], 8000, IPPROTO_TCP, 20);
	c = cells_get();
	ck_assert_uint_eq(c->cell[CELL(198, 51)], GUARD_CELL_NET);
	free(c);

	/* Auto-ban coming is another matter: every cell changes. */
	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	c = cells_get();
	ck_assert_uint_eq(c->cell[CELL(198, 51)], GUARD_CELL_HOST);
	free(c);
	free(ix);
}
END_TEST

/* ---- IPv4 cells --------------------------------------------------------- */

/* Nothing listed: no cell has a bit.  The cells are spoiled first, so the
 * zeros are the refresh's doing and not the fresh map's. */
START_TEST(test_cells_empty)
{
	struct guard_cells_v4 *junk = malloc(sizeof(*junk));

	ck_assert_ptr_nonnull(junk);
	memset(junk, GUARD_CELL_ALLOW | GUARD_CELL_HOST | GUARD_CELL_NET, sizeof(*junk));
	cells_put(junk);
	free(junk);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, NULL, 0), 0);
}
END_TEST

/*
 * One entry on an empty list marks the cells it overlaps with its list's
 * bit, and no others.  Twice: with the cells in use, where the add marks
 * them itself, and with a config as a plain xdp-loader load leaves it
 * (cells not in use, and here spoiled), where the add, or the refresh
 * after it, must build every cell from the lists.
 */
static size_t assert_marks(enum xg_list list, const char *text, uint8_t bit,
			   uint32_t first, uint32_t last)
{
	struct xg_entry e = entry(text, 0, GUARD_ORIGIN_MANUAL);
	struct cell_run run = { first, last, bit };
	size_t marked = 0;

	for (int in_use = 1; in_use >= 0; in_use--) {
		ck_assert_int_eq(xg_list_clear(st, XG_ALLOWLIST, NULL), 0);
		ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
		ck_assert_int_eq(xg_state_refresh(st), 0);
		if (!in_use) {
			struct guard_cells_v4 *junk = malloc(sizeof(*junk));

			ck_assert_ptr_nonnull(junk);
			memset(junk, 0xff, sizeof(*junk));
			cells_put(junk);
			free(junk);
			unit_config_skip_set(map_fd(GUARD_MAP_CONFIG), 0);
		}
		ck_assert_int_eq(xg_list_add(st, list, &e, 1, NULL), 0);
		marked = assert_cells(GUARD_CELLS_V4, 0, &run, bit ? 1 : 0);
	}
	return marked;
}

START_TEST(test_cells_mark)
{
	/* A host: its own /16 only, in the host bit.  Spelled out once:
	 * 192.0 is cell 192 << 8 | 0. */
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "192.0.2.7", GUARD_CELL_HOST,
				       0xC000, 0xC000), 1);
	/* A /15: both its /16s, in the net bit. */
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "198.18.0.0/15", GUARD_CELL_NET,
				       CELL(198, 18), CELL(198, 19)), 2);
	/* Longer than /16: the one /16 around it. */
	ck_assert_uint_eq(assert_marks(XG_ALLOWLIST, "203.0.113.0/24", GUARD_CELL_ALLOW,
				       CELL(203, 0), CELL(203, 0)), 1);
	/* On the allowlist a host is a prefix like any other. */
	ck_assert_uint_eq(assert_marks(XG_ALLOWLIST, "192.0.2.7", GUARD_CELL_ALLOW,
				       CELL(192, 0), CELL(192, 0)), 1);
	/* Shorter: 2^(16-12) cells. */
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "172.16.0.0/12", GUARD_CELL_NET,
				       CELL(172, 16), CELL(172, 31)), 16);
	/* Exactly /16, and the edges of the table. */
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "10.20.0.0/16", GUARD_CELL_NET,
				       CELL(10, 20), CELL(10, 20)), 1);
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "255.255.255.255", GUARD_CELL_HOST,
				       CELL(255, 255), CELL(255, 255)), 1);
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "0.0.0.0/0", GUARD_CELL_NET,
				       CELL(0, 0), CELL(255, 255)), GUARD_CELL_COUNT);
	/* IPv6 has no cells. */
	ck_assert_uint_eq(assert_marks(XG_BLOCKLIST, "2001:db8::1", 0, 0, 0), 0);
	ck_assert_uint_eq(assert_marks(XG_ALLOWLIST, "::/0", 0, 0, 0), 0);
}
END_TEST

/* A prefix given with bits past its length (the parser refuses one, the
 * API takes it) covers what the trie matches: the bits are ignored. */
START_TEST(test_cells_mark_host_bits)
{
	struct xg_entry e = entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL);
	const struct cell_run want[] = {
		{ CELL(10, 0), CELL(10, 255), GUARD_CELL_NET },
	};

	e.prefix.addr[1] = 1;	/* 10.1.0.0/8 */
	e.prefix.addr[3] = 3;
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &e, 1, NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, want, ARRAY_LEN(want)), 256);
	/* And a rebuild, from the key as the trie stored it. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, want, ARRAY_LEN(want)), 256);
}
END_TEST

/* Several entries at once, some sharing a /16: each cell gets the union. */
START_TEST(test_cells_mark_batch)
{
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.3.9", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.0.0/20", 0, GUARD_ORIGIN_MANUAL),
		/* Marks 198.18 before the /15 comes: the /15 must still
		 * mark 198.19. */
		entry("198.18.7.0/24", 0, GUARD_ORIGIN_MANUAL),
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("198.19.7.1", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("198.18.5.0/24", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct cell_run want[] = {
		{ CELL(192, 0), CELL(192, 0), GUARD_CELL_HOST | GUARD_CELL_NET },
		{ CELL(198, 18), CELL(198, 19), GUARD_CELL_NET },
		{ CELL(198, 18), CELL(198, 18), GUARD_CELL_ALLOW },
		{ CELL(198, 19), CELL(198, 19), GUARD_CELL_HOST },
		{ CELL(203, 0), CELL(203, 0), GUARD_CELL_ALLOW },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, want, ARRAY_LEN(want)), 4);
}
END_TEST

/*
 * Removing entries clears the bits nothing else needs: per /16 and per
 * list, so a bit another entry in the same /16 still needs stays, and so
 * does another list's bit in the same cell.
 */
START_TEST(test_cells_remove)
{
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.99.1", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.1", 0, GUARD_ORIGIN_MANUAL),
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("10.1.2.3", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_prefix rm_hosts[] = {
		unit_prefix("192.0.2.7"), unit_prefix("198.51.100.1"),
	};
	struct xg_prefix rm_nets[] = {
		unit_prefix("198.18.0.0/15"), unit_prefix("10.0.0.0/8"),
	};
	struct xg_prefix rm_allow = unit_prefix("203.0.113.0/24");
	const struct cell_run all[] = {
		{ CELL(192, 0), CELL(192, 0), GUARD_CELL_HOST },
		{ CELL(198, 51), CELL(198, 51), GUARD_CELL_HOST },
		{ CELL(198, 18), CELL(198, 19), GUARD_CELL_NET },
		{ CELL(10, 0), CELL(10, 255), GUARD_CELL_NET },
		{ CELL(10, 1), CELL(10, 1), GUARD_CELL_HOST },
		{ CELL(203, 0), CELL(203, 0), GUARD_CELL_ALLOW | GUARD_CELL_NET },
	};
	/* 192.0.99.1 still needs 192.0's host bit; 198.51 had only the one. */
	const struct cell_run no_hosts[] = {
		all[0], all[2], all[3], all[4], all[5],
	};
	/* 10.1.2.3 keeps 10.1's host bit when the /8 around it goes. */
	const struct cell_run no_nets[] = {
		all[0], all[4], all[5],
	};
	/* The same prefix on the blocklist keeps 203.0's net bit. */
	const struct cell_run no_allow[] = {
		all[0], all[4], { CELL(203, 0), CELL(203, 0), GUARD_CELL_NET },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	assert_cells(GUARD_CELLS_V4, 0, all, ARRAY_LEN(all));

	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, rm_hosts, ARRAY_LEN(rm_hosts),
					NULL), 0);
	assert_cells(GUARD_CELLS_V4, 0, no_hosts, ARRAY_LEN(no_hosts));
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, rm_nets, ARRAY_LEN(rm_nets),
					NULL), 0);
	assert_cells(GUARD_CELLS_V4, 0, no_nets, ARRAY_LEN(no_nets));
	ck_assert_int_eq(xg_list_remove(st, XG_ALLOWLIST, &rm_allow, 1, NULL), 0);
	assert_cells(GUARD_CELLS_V4, 0, no_allow, ARRAY_LEN(no_allow));
}
END_TEST

/* Clearing the blocklist takes its host and net bits and leaves the
 * allowlist's; clearing the allowlist then leaves nothing. */
START_TEST(test_cells_clear)
{
	struct xg_entry both[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct cell_run all[] = {
		{ CELL(192, 0), CELL(192, 0), GUARD_CELL_ALLOW | GUARD_CELL_HOST },
		{ CELL(198, 18), CELL(198, 19), GUARD_CELL_ALLOW | GUARD_CELL_NET },
		{ CELL(203, 0), CELL(203, 0), GUARD_CELL_ALLOW | GUARD_CELL_NET },
	};
	const struct cell_run allowed[] = {
		{ CELL(192, 0), CELL(192, 0), GUARD_CELL_ALLOW },
		{ CELL(198, 18), CELL(198, 19), GUARD_CELL_ALLOW },
		{ CELL(203, 0), CELL(203, 0), GUARD_CELL_ALLOW },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, both, ARRAY_LEN(both), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, both, ARRAY_LEN(both), NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, all, ARRAY_LEN(all)), 4);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, allowed, ARRAY_LEN(allowed)), 4);
	ck_assert_int_eq(xg_list_clear(st, XG_ALLOWLIST, NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, NULL, 0), 0);
}
END_TEST

/*
 * While a rule may auto-ban, the program can put a host in any /16 without
 * touching the cells: every cell has the host bit.  When the last such
 * rule goes, only the /16s of real hosts keep it.  A rule that does not
 * ban changes nothing.
 */
START_TEST(test_cells_bans)
{
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = { entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL) };
	struct xg_entry later[] = { entry("10.9.9.9", 0, GUARD_ORIGIN_MANUAL) };
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};
	struct xg_limit no_ban = { .match = { .port = 0, .proto = 0 }, .pps = 10 };
	struct xg_limit other = { .match = { .port = 53, .proto = IPPROTO_UDP }, .pps = 10 };
	const struct cell_run lists[] = {
		{ CELL(192, 0), CELL(192, 0), GUARD_CELL_HOST },
		{ CELL(198, 18), CELL(198, 19), GUARD_CELL_NET },
		{ CELL(203, 0), CELL(203, 0), GUARD_CELL_ALLOW },
		{ CELL(10, 9), CELL(10, 9), GUARD_CELL_HOST },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, lists, 3), 4);

	/* A rule without auto-ban bans nowhere. */
	ck_assert_int_eq(xg_limit_set(st, &other), 0);
	assert_cells(GUARD_CELLS_V4, 0, lists, 3);

	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4 | GUARD_CELLS_BANS, GUARD_CELL_HOST,
				       lists, 3), GUARD_CELL_COUNT);
	/* Lists change meanwhile: the host bit stays everywhere. */
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, later, 1, NULL), 0);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[0].prefix, 1, NULL), 0);
	assert_cells(GUARD_CELLS_V4 | GUARD_CELLS_BANS, GUARD_CELL_HOST, &lists[1], 2);
	/* 192.0.2.7 back, for what follows. */
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, 1, NULL), 0);

	/* Auto-ban goes when the rule changes to one that does not ban... */
	ck_assert_int_eq(xg_limit_set(st, &no_ban), 0);
	assert_cells(GUARD_CELLS_V4, 0, lists, ARRAY_LEN(lists));
	/* ...comes back with it, and goes when it is removed. */
	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	assert_cells(GUARD_CELLS_V4 | GUARD_CELLS_BANS, GUARD_CELL_HOST, lists,
		     ARRAY_LEN(lists));
	ck_assert_int_eq(xg_limit_remove(st, &ban.match), 0);
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, lists, ARRAY_LEN(lists)), 5);
	ck_assert_int_eq(xg_limit_remove(st, &other.match), 0);
	assert_cells(GUARD_CELLS_V4, 0, lists, ARRAY_LEN(lists));
}
END_TEST

/*
 * An entry whose deadline has passed is absent for the program, so a
 * rebuild (here, a refresh after removing another entry) leaves its
 * cells out: the entry itself stays until a prune.  One with a deadline
 * ahead counts.
 */
START_TEST(test_cells_expired)
{
	/* The library takes a deadline already passed, as it takes any. */
	uint64_t now = xg_now_ns(), past = now - 1, ahead = now + 3600 * NS;
	struct xg_entry block[] = {
		entry("192.0.2.7", past, GUARD_ORIGIN_AUTOBAN),
		entry("198.18.0.0/15", past, GUARD_ORIGIN_MANUAL),
		entry("10.1.2.3", ahead, GUARD_ORIGIN_AUTOBAN),
		entry("100.64.0.0/10", ahead, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.1", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("203.0.113.0/24", past, GUARD_ORIGIN_MANUAL),
		entry("172.16.0.0/16", ahead, GUARD_ORIGIN_MANUAL),
	};
	const struct cell_run live[] = {
		{ CELL(10, 1), CELL(10, 1), GUARD_CELL_HOST },
		{ CELL(100, 64), CELL(100, 127), GUARD_CELL_NET },
		{ CELL(172, 16), CELL(172, 16), GUARD_CELL_ALLOW },
	};
	struct xg_entry kept[4];
	size_t removed = 999;

	ck_assert_uint_gt(now, 1);
	memcpy(kept, block, sizeof(kept));
	qsort(kept, ARRAY_LEN(kept), sizeof(kept[0]), cmp_entry);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[4].prefix, 1, NULL), 0);
	/* Removing a single address looks only around it; a build (as at
	 * load, or after a prefix goes) leaves the expired out. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	/* Still listed: only the cells leave them out. */
	assert_get(XG_BLOCKLIST, true, kept, ARRAY_LEN(kept));
	ck_assert_uint_eq(assert_cells(GUARD_CELLS_V4, 0, live, ARRAY_LEN(live)), 66);
	/* A prune deletes them, and the cells stay as they are. */
	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 3);
	assert_cells(GUARD_CELLS_V4, 0, live, ARRAY_LEN(live));
}
END_TEST

/* ---- the IPv4 blocklist per /24 ----------------------------------------- */

/*
 * Each test checks the index twice: as the adds left it (xg_index4_add,
 * with the index in use beforehand), and after a refresh, which builds it
 * again from the maps alone.
 */

/* The whole IPv4 index as the program sees it: the cells, then the /24
 * cells of every chunk. */
struct index4_copy {
	struct guard_cells_v4 cells;
	struct guard_dir_v4 dir[GUARD_DIR_CHUNKS];
};

static struct index4_copy *index4_copy(void)
{
	struct index4_copy *c = malloc(sizeof(*c));	/* 32 MiB */
	uint32_t zero = 0;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_CELLS_V4), &zero, &c->cells), 0);
	for (uint32_t k = 0; k < GUARD_DIR_CHUNKS; k++)
		ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_DIR_V4), &k, &c->dir[k]), 0);
	return c;
}

/* How many /16 and /24 cells differ. */
static size_t index4_diff(const struct index4_copy *a, const struct index4_copy *b)
{
	size_t n = 0;

	for (size_t i = 0; i < GUARD_CELL_COUNT; i++)
		n += a->cells.cell[i] != b->cells.cell[i];
	for (size_t k = 0; k < GUARD_DIR_CHUNKS; k++)
		for (size_t i = 0; i < ARRAY_LEN(a->dir[k].cell); i++)
			n += a->dir[k].cell[i] != b->dir[k].cell[i];
	return n;
}

/*
 * Single addresses off the blocklist: the index around each is put right
 * at once, as a build would have it, without a build.  A live host left
 * in the /24 keeps its bit, an expired one does not; a /16 keeps its bit
 * while one of its /24s does.  A cell spoiled by hand (a host bit on an
 * empty /16) shows that no build ran, until a banning rule makes removals
 * build again.
 */
START_TEST(test_remove_hosts_in_place)
{
	uint64_t now = xg_now_ns(), past = now - 1;
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.8", 0, GUARD_ORIGIN_MANUAL),	/* keeps 192.0.2 */
		entry("192.0.3.1", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.3.2", past, GUARD_ORIGIN_AUTOBAN),	/* expired */
		entry("198.51.100.1", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.0.0/16", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.9", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_prefix first[] = { block[0].prefix, block[2].prefix, block[4].prefix };
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};
	struct index4_copy *in_place, *built;
	struct guard_cells_v4 *c;
	const uint32_t spoiled = CELL(10, 77);

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	c = cells_get();
	c->cell[spoiled] = GUARD_CELL_HOST;
	cells_put(c);
	free(c);

	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, first, ARRAY_LEN(first), NULL), 0);
	in_place = index4_copy();
	ck_assert_uint_eq(in_place->cells.cell[spoiled], GUARD_CELL_HOST);
	ck_assert(in_place->dir[192].cell[NET24(192, 0, 2) & 0xffff] & GUARD_DIR_HOST);
	ck_assert(!(in_place->dir[192].cell[NET24(192, 0, 3) & 0xffff] & GUARD_DIR_HOST));
	ck_assert(in_place->cells.cell[CELL(192, 0)] & GUARD_CELL_HOST);
	ck_assert_uint_eq(in_place->cells.cell[CELL(198, 51)], GUARD_CELL_NET);
	ck_assert_uint_eq(in_place->dir[198].cell[NET24(198, 51, 100) & 0xffff], DIR_LEN(16));

	/* Exactly what a build makes, but for the spoiled cell. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	built = index4_copy();
	ck_assert_uint_eq(built->cells.cell[spoiled], 0);
	ck_assert_uint_eq(index4_diff(in_place, built), 1);
	free(in_place);

	/* The last host of 192.0: the /16 goes too. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[1].prefix, 1, NULL), 0);
	in_place = index4_copy();
	ck_assert_uint_eq(in_place->cells.cell[CELL(192, 0)], 0);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	free(built);
	built = index4_copy();
	ck_assert_uint_eq(index4_diff(in_place, built), 0);
	free(in_place);
	free(built);

	/* While a rule may ban, a removal builds. */
	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	c = cells_get();
	c->cell[spoiled] = 0;
	cells_put(c);
	free(c);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[6].prefix, 1, NULL), 0);
	c = cells_get();
	ck_assert_uint_eq(c->cell[spoiled], GUARD_CELL_HOST);
	free(c);
}
END_TEST

/* A listed host sets the host bit of its own /24 and of no other, with the
 * lone-host byte as it is alone there, but for an address ending in .0;
 * IPv6 touches the /24 index nowhere, and the allowlist only takes the
 * lone-host bytes of its /16s (test_dir_lone_allow).  The table's edges
 * too. */
START_TEST(test_dir_host)
{
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8:1::/48", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("192.0.2.0/24", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.9", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry edges[] = {
		entry("0.0.0.0", 0, GUARD_ORIGIN_MANUAL),
		entry("255.255.255.255", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run host[] = {
		{ NET24(192, 0, 2), NET24(192, 0, 2), DIR_LONE(7) },
	};
	const struct dir_run host_allowed[] = {
		{ NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_HOST },
	};
	const struct dir_run both[] = {
		{ NET24(0, 0, 0), NET24(0, 0, 0), GUARD_DIR_HOST },
		{ NET24(255, 255, 255), NET24(255, 255, 255), DIR_LONE(255) },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_uint_eq(assert_index(host, ARRAY_LEN(host), NULL, 0), 1);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_uint_eq(assert_index(host_allowed, ARRAY_LEN(host_allowed), NULL, 0), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(host_allowed, ARRAY_LEN(host_allowed), NULL, 0), 1);

	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, edges, ARRAY_LEN(edges), NULL), 0);
	ck_assert_uint_eq(assert_index(both, ARRAY_LEN(both), NULL, 0), 2);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(both, ARRAY_LEN(both), NULL, 0), 2);
}
END_TEST

/* On an empty blocklist, add (one xg_list_add per entry, in order) and
 * check, then rebuild and check again.  Returns the /24s marked. */
static size_t assert_dir_adds(const struct xg_entry *e, size_t n, const struct dir_run *runs,
			      size_t n_runs)
{
	size_t marked;

	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &e[i], 1, NULL), 0);
	marked = assert_index(runs, n_runs, NULL, 0);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(runs, n_runs, NULL, 0), marked);
	return marked;
}

/*
 * A prefix of /0../24 without deadline, made by hand, blocks each /24 it
 * covers outright: GUARD_DIR_LEN is its length plus one, and nested ones
 * leave the longest.  Each alone on the list.
 */
START_TEST(test_dir_len)
{
	const struct xg_entry slash15[] = { entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir_run slash15_runs[] = {
		{ NET24(198, 18, 0), NET24(198, 19, 255), DIR_LEN(15) },
	};
	const struct xg_entry slash24[] = { entry("203.0.113.0/24", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir_run slash24_runs[] = {
		{ NET24(203, 0, 113), NET24(203, 0, 113), DIR_LEN(24) },
	};
	/* The /16 inside the /8, in both orders: the /8 added after the
	 * /16 must not shorten it. */
	const struct xg_entry nested[] = {
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("10.1.0.0/16", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct xg_entry nested_rev[] = { nested[1], nested[0] };
	const struct dir_run nested_runs[] = {
		{ NET24(10, 0, 0), NET24(10, 255, 255), DIR_LEN(8) },
		{ NET24(10, 1, 0), NET24(10, 1, 255), DIR_LEN(16) },
	};
	const struct xg_entry all[] = { entry("0.0.0.0/0", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir_run all_runs[] = {
		{ NET24(0, 0, 0), NET24(255, 255, 255), DIR_LEN(0) },
	};

	/* Spelled out once: 198.18.0.0/15 is 16 in the 512 /24s of
	 * 198.18.0.x to 198.19.255.x. */
	ck_assert_uint_eq(DIR_LEN(15), 16);
	ck_assert_uint_eq(NET24(198, 18, 0), 0xC61200);
	ck_assert_uint_eq(assert_dir_adds(slash15, 1, slash15_runs, 1), 512);
	ck_assert_uint_eq(assert_dir_adds(slash24, 1, slash24_runs, 1), 1);
	ck_assert_uint_eq(assert_dir_adds(nested, 2, nested_runs, 2), 65536);
	ck_assert_uint_eq(assert_dir_adds(nested_rev, 2, nested_runs, 2), 65536);
	/* The same pair in one batch. */
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, nested_rev, 2, NULL), 0);
	ck_assert_uint_eq(assert_index(nested_runs, 2, NULL, 0), 65536);
	ck_assert_uint_eq(assert_dir_adds(all, 1, all_runs, 1), 1U << 24);
}
END_TEST

/*
 * A prefix of /0../24 with a deadline, or not made by hand, leaves the
 * answer to the trie: GUARD_DIR_TIMED and no length.  One around or inside
 * a plain prefix gives its /24s both.
 */
START_TEST(test_dir_timed)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry timed[] = {
		entry("100.64.0.0/10", ahead, GUARD_ORIGIN_MANUAL),
		/* No deadline, but auto-ban's. */
		entry("192.0.2.0/24", 0, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry plain[] = {
		/* Inside the timed /10... */
		entry("100.64.0.0/16", 0, GUARD_ORIGIN_MANUAL),
		/* ...and around a timed /20. */
		entry("172.16.0.0/16", 0, GUARD_ORIGIN_MANUAL),
		entry("172.16.16.0/20", ahead, GUARD_ORIGIN_AUTOBAN),
	};
	const struct dir_run timed_runs[] = {
		{ NET24(100, 64, 0), NET24(100, 127, 255), GUARD_DIR_TIMED },
		{ NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_TIMED },
	};
	const struct dir_run all_runs[] = {
		timed_runs[0], timed_runs[1],
		{ NET24(100, 64, 0), NET24(100, 64, 255), DIR_LEN(16) },
		{ NET24(172, 16, 0), NET24(172, 16, 255), DIR_LEN(16) },
		{ NET24(172, 16, 16), NET24(172, 16, 31), GUARD_DIR_TIMED },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, timed, ARRAY_LEN(timed), NULL), 0);
	ck_assert_uint_eq(assert_index(timed_runs, ARRAY_LEN(timed_runs), NULL, 0),
			  (1U << 14) + 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(timed_runs, ARRAY_LEN(timed_runs), NULL, 0),
			  (1U << 14) + 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, plain, ARRAY_LEN(plain), NULL), 0);
	ck_assert_uint_eq(assert_index(all_runs, ARRAY_LEN(all_runs), NULL, 0),
			  (1U << 14) + 1 + 256);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(all_runs, ARRAY_LEN(all_runs), NULL, 0),
			  (1U << 14) + 1 + 256);
}
END_TEST

/* Given again with a deadline, a prefix that had none must stop blocking
 * from the index alone: the add alone only ever adds, so it builds again. */
START_TEST(test_dir_readd_with_deadline)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry plain = entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry timed = entry("10.0.0.0/8", ahead, GUARD_ORIGIN_MANUAL);
	const struct dir_run plain_runs[] = {
		{ NET24(10, 0, 0), NET24(10, 255, 255), DIR_LEN(8) },
	};
	const struct dir_run timed_runs[] = {
		{ NET24(10, 0, 0), NET24(10, 255, 255), GUARD_DIR_TIMED },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &plain, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(plain_runs, 1, NULL, 0), 1U << 16);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &timed, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(timed_runs, 1, NULL, 0), 1U << 16);
}
END_TEST

/*
 * Prefixes of /25../31 set GUARD_DIR_DEEP on their /24 (and nothing
 * else there), and xg_deep_v4 says which of its addresses the plain ones
 * cover, and whether any has a deadline (or came from auto-ban).
 */
START_TEST(test_dir_deep)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry first = entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry second = entry("203.0.113.200/30", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry edge = entry("203.0.113.254/31", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry timed[] = {
		entry("203.0.113.16/28", ahead, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.128/26", 0, GUARD_ORIGIN_AUTOBAN),
	};
	const struct dir_run one[] = {
		{ NET24(203, 0, 113), NET24(203, 0, 113), GUARD_DIR_DEEP },
	};
	const struct dir_run two[] = {
		{ NET24(198, 51, 100), NET24(198, 51, 100), GUARD_DIR_DEEP }, one[0],
	};
	const struct deep_want deep_first[] = {
		{ NET24(203, 0, 113), 0, 1, { { 0, 127 } } },
	};
	const struct deep_want deep_second[] = {
		{ NET24(203, 0, 113), 0, 2, { { 0, 127 }, { 200, 203 } } },
	};
	const struct deep_want deep_more[] = {
		/* Timed, whatever the plain ones in the /24 cover. */
		{ NET24(198, 51, 100), 1, 0, { { 0, 0 } } },
		{ NET24(203, 0, 113), 1, 3, { { 0, 127 }, { 200, 203 }, { 254, 255 } } },
	};

	ck_assert_uint_eq(NET24(203, 0, 113), 203U << 16 | 113);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &first, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(one, 1, deep_first, 1), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(one, 1, deep_first, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &second, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(one, 1, deep_second, 1), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(one, 1, deep_second, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &edge, 1, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, timed, ARRAY_LEN(timed), NULL), 0);
	ck_assert_uint_eq(assert_index(two, 2, deep_more, 2), 2);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(two, 2, deep_more, 2), 2);
}
END_TEST

/*
 * Several prefixes of /25../31 in one /24, added in one batch (as a list
 * file is): the /24's deep value gets every one of them, each in the
 * order given.  Only a plain prefix covers its addresses, and a timed one
 * anywhere in the /24 sends its lookups to the trie.
 */
START_TEST(test_dir_deep_batch)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry batch[] = {
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.200/30", 0, GUARD_ORIGIN_MANUAL),
		/* The timed one first: the plain one after must not undo it. */
		entry("198.51.100.16/28", ahead, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.128/25", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run runs[] = {
		{ NET24(198, 51, 100), NET24(198, 51, 100), GUARD_DIR_DEEP },
		{ NET24(203, 0, 113), NET24(203, 0, 113), GUARD_DIR_DEEP },
	};
	const struct deep_want deep[] = {
		{ NET24(198, 51, 100), 1, 1, { { 128, 255 } } },
		{ NET24(203, 0, 113), 0, 2, { { 0, 127 }, { 200, 203 } } },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, batch, ARRAY_LEN(batch), NULL), 0);
	ck_assert_uint_eq(assert_index(runs, ARRAY_LEN(runs), deep, ARRAY_LEN(deep)), 2);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(runs, ARRAY_LEN(runs), deep, ARRAY_LEN(deep)), 2);
}
END_TEST

/*
 * Removing entries rebuilds the index: a /24 falls back to the longest
 * prefix left around it, a /24 whose last deep prefix goes loses its deep
 * key and bit, and the host bit stays while a host in the /24 does.
 */
START_TEST(test_dir_remove)
{
	struct xg_entry block[] = {
		entry("10.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
		entry("10.1.0.0/16", 0, GUARD_ORIGIN_MANUAL),
		entry("10.1.2.0/24", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.200/30", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.9", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.3.1", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run slash8 = { NET24(10, 0, 0), NET24(10, 255, 255), DIR_LEN(8) };
	const struct dir_run slash16 = { NET24(10, 1, 0), NET24(10, 1, 255), DIR_LEN(16) };
	const struct dir_run slash24 = { NET24(10, 1, 2), NET24(10, 1, 2), DIR_LEN(24) };
	const struct dir_run deep113 = { NET24(203, 0, 113), NET24(203, 0, 113),
					 GUARD_DIR_DEEP };
	const struct dir_run deep100 = { NET24(198, 51, 100), NET24(198, 51, 100),
					 GUARD_DIR_DEEP };
	const struct dir_run host2 = { NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_HOST };
	const struct dir_run host3 = { NET24(192, 0, 3), NET24(192, 0, 3), DIR_LONE(1) };
	const struct dir_run lone9 = { NET24(192, 0, 2), NET24(192, 0, 2), DIR_LONE(9) };
	const struct dir_run all[] = {
		slash8, slash16, slash24, deep113, deep100, host2, host3,
	};
	const struct dir_run no16[] = { slash8, slash24, deep113, deep100, host2, host3 };
	const struct dir_run no113[] = { slash8, slash24, deep100, host2, host3 };
	const struct dir_run one_host[] = { slash8, slash24, deep100, lone9 };
	const struct dir_run no_host[] = { slash8, slash24, deep100 };
	const struct dir_run no8[] = { slash24, deep100 };
	const struct dir_run no24[] = { deep100 };
	const struct deep_want deep_all[] = {
		{ NET24(198, 51, 100), 0, 1, { { 0, 127 } } },
		{ NET24(203, 0, 113), 0, 2, { { 0, 127 }, { 200, 203 } } },
	};
	const struct deep_want deep_part[] = {
		deep_all[0],
		{ NET24(203, 0, 113), 0, 1, { { 200, 203 } } },
	};
	struct xg_prefix rm_hosts[] = { block[6].prefix, block[8].prefix };

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, 4, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &block[4], ARRAY_LEN(block) - 4,
				     NULL), 0);
	ck_assert_uint_eq(assert_index(all, ARRAY_LEN(all), deep_all, 2), 65536 + 4);

	/* 10.1 back to the /8's length; 10.1.2 keeps its own. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[1].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(no16, ARRAY_LEN(no16), deep_all, 2), 65536 + 4);
	/* One of two deep prefixes of 203.0.113: the other's addresses stay. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[3].prefix, 1, NULL), 0);
	assert_index(no16, ARRAY_LEN(no16), deep_part, 2);
	/* The last: its key and its deep bit go, 198.51.100's stay. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[4].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(no113, ARRAY_LEN(no113), deep_all, 1), 65536 + 3);
	/* 192.0.2.9 keeps 192.0.2's host bit, and is alone there now;
	 * 192.0.3 had only the one. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, rm_hosts, 2, NULL), 0);
	ck_assert_uint_eq(assert_index(one_host, ARRAY_LEN(one_host), deep_all, 1), 65536 + 2);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[7].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(no_host, ARRAY_LEN(no_host), deep_all, 1), 65536 + 1);
	/* The /8: only the /24 inside it is left of 10.x. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(no8, ARRAY_LEN(no8), deep_all, 1), 2);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[2].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_index(no24, ARRAY_LEN(no24), deep_all, 1), 1);
}
END_TEST

/*
 * The lone-host byte names an address alone in its /24, without deadline
 * and made by hand, as soon as the add that brought it returns; a second
 * address, or a deadline, takes it away at once, and it comes back when
 * the other leaves (in place, without a build).  Two addresses in one add
 * give none, one address twice does; an auto-ban entry gives none.  None
 * while a rule may ban.
 */
START_TEST(test_dir_lone)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry seven = entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry eight = entry("192.0.2.8", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry seven_timed = entry("192.0.2.7", ahead, GUARD_ORIGIN_MANUAL);
	struct xg_entry batch[] = {
		entry("198.51.100.1", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.2", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.5", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.5", 0, GUARD_ORIGIN_MANUAL),
		entry("100.64.0.9", 0, GUARD_ORIGIN_AUTOBAN),
	};
	const struct dir_run lone7 = { NET24(192, 0, 2), NET24(192, 0, 2), DIR_LONE(7) };
	const struct dir_run host2 = { NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_HOST };
	const struct dir_run batch_runs[] = {
		{ NET24(100, 64, 0), NET24(100, 64, 0), GUARD_DIR_HOST },
		{ NET24(198, 51, 100), NET24(198, 51, 100), GUARD_DIR_HOST },
		{ NET24(203, 0, 113), NET24(203, 0, 113), DIR_LONE(5) },
	};
	const struct dir_run banning_runs[] = {
		batch_runs[0], batch_runs[1],
		{ NET24(203, 0, 113), NET24(203, 0, 113), GUARD_DIR_HOST },
	};
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &seven, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(&lone7, 1), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir(&lone7, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &eight, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(&host2, 1), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir(&host2, 1), 1);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &eight.prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(&lone7, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &seven_timed, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(&host2, 1), 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir(&host2, 1), 1);

	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, batch, ARRAY_LEN(batch), NULL), 0);
	ck_assert_uint_eq(assert_dir(batch_runs, ARRAY_LEN(batch_runs)), 3);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir(batch_runs, ARRAY_LEN(batch_runs)), 3);

	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	ck_assert_uint_eq(assert_dir(banning_runs, ARRAY_LEN(banning_runs)), 3);
	ck_assert_int_eq(xg_limit_remove(st, &ban.match), 0);
	ck_assert_uint_eq(assert_dir(batch_runs, ARRAY_LEN(batch_runs)), 3);
}
END_TEST

/*
 * The program drops on a lone-host byte before it reads the config, where
 * the allowlist would come first: an allow entry anywhere in a /16 takes
 * the bytes of all its /24s away as it comes in, no add or build gives
 * one there while it stays, and they come back when it leaves.  A prefix
 * wider than a /16 clears every /16 it covers.
 */
START_TEST(test_dir_lone_allow)
{
	struct xg_entry hosts[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("10.1.2.3", 0, GUARD_ORIGIN_MANUAL),
		entry("10.200.0.9", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry five = entry("192.0.3.5", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry near = entry("192.0.9.1", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry wide = entry("10.0.0.0/9", 0, GUARD_ORIGIN_MANUAL);
	const struct dir_run lone[] = {
		{ NET24(10, 1, 2), NET24(10, 1, 2), DIR_LONE(3) },
		{ NET24(10, 200, 0), NET24(10, 200, 0), DIR_LONE(9) },
		{ NET24(192, 0, 2), NET24(192, 0, 2), DIR_LONE(7) },
		{ NET24(192, 0, 3), NET24(192, 0, 3), DIR_LONE(5) },
	};
	const struct dir_run allowed[] = {
		{ NET24(10, 1, 2), NET24(10, 1, 2), GUARD_DIR_HOST },
		lone[1],
		{ NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_HOST },
		{ NET24(192, 0, 3), NET24(192, 0, 3), GUARD_DIR_HOST },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, hosts, ARRAY_LEN(hosts), NULL), 0);
	ck_assert_uint_eq(assert_dir(lone, 3), 3);

	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, &near, 1, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, &wide, 1, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &five, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(allowed, ARRAY_LEN(allowed)), 4);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir(allowed, ARRAY_LEN(allowed)), 4);

	ck_assert_int_eq(xg_list_remove(st, XG_ALLOWLIST, &near.prefix, 1, NULL), 0);
	ck_assert_int_eq(xg_list_remove(st, XG_ALLOWLIST, &wide.prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir(lone, ARRAY_LEN(lone)), 4);
}
END_TEST

/* The cell of a /24 as the map holds it now, index in use or not. */
static uint16_t dir_cell_now(uint32_t slash24)
{
	struct guard_dir_v4 *dir = malloc(sizeof(*dir));
	uint32_t chunk = slash24 >> 16;
	uint16_t cell;

	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_DIR_V4), &chunk, dir), 0);
	cell = dir->cell[slash24 & 0xffff];
	free(dir);
	return cell;
}

/*
 * Clearing lone-host bytes ahead of a change works on the map itself, so
 * that it holds while the index is not in use (a build failed): it takes
 * the byte of every /24 a range touches, and nothing else.
 */
START_TEST(test_dir_drop_lone)
{
	struct xg_entry hosts[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.4.7", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.5.7", 0, GUARD_ORIGIN_MANUAL),
		entry("198.51.100.200", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.1", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct xg_range4 ranges[] = {
		{ NET24(192, 0, 2) << 8 | 7, NET24(192, 0, 2) << 8 | 7 },
		{ NET24(192, 0, 4) << 8, NET24(192, 0, 5) << 8 | 0xff },
		{ NET24(203, 0, 113) << 8 | 1, NET24(203, 0, 113) << 8 | 1 },
	};
	struct xg_prefix host = unit_prefix("192.0.2.7");
	struct xg_range4 r;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, hosts, ARRAY_LEN(hosts), NULL), 0);
	ck_assert_uint_eq(dir_cell_now(NET24(192, 0, 2)), DIR_LONE(7));
	ck_assert_uint_eq(dir_cell_now(NET24(203, 0, 113)) & GUARD_DIR_LONE, 1 << GUARD_DIR_LONE_SHIFT);
	unit_config_skip_set(map_fd(GUARD_MAP_CONFIG), skip_bits() & ~GUARD_CELLS_V4);

	ck_assert_int_eq(xg_index4_drop_lone(st, ranges, ARRAY_LEN(ranges)), 0);
	ck_assert_uint_eq(dir_cell_now(NET24(192, 0, 2)), GUARD_DIR_HOST);
	ck_assert_uint_eq(dir_cell_now(NET24(192, 0, 4)), GUARD_DIR_HOST);
	ck_assert_uint_eq(dir_cell_now(NET24(192, 0, 5)), GUARD_DIR_HOST);
	ck_assert_uint_eq(dir_cell_now(NET24(198, 51, 100)), DIR_LONE(200));
	/* The prefix's bits stay: only the byte goes. */
	ck_assert_uint_eq(dir_cell_now(NET24(203, 0, 113)), GUARD_DIR_HOST | GUARD_DIR_DEEP);

	/* Widened to its /16, a host clears its neighbours' too. */
	xg_range4_of(&host, 16, &r);
	ck_assert_uint_eq(r.first, NET24(192, 0, 0) << 8);
	ck_assert_uint_eq(r.last, NET24(192, 0, 255) << 8 | 0xff);
	xg_range4_of(&host, 32, &r);
	ck_assert_uint_eq(r.first, r.last);
	r = (struct xg_range4){ 0, 0xffffffff };
	ck_assert_int_eq(xg_index4_drop_lone(st, &r, 1), 0);
	ck_assert_uint_eq(dir_cell_now(NET24(198, 51, 100)), GUARD_DIR_HOST);
}
END_TEST

/* Clearing the blocklist leaves every /24 cell 0 and no deep key, whatever
 * the allowlist holds. */
START_TEST(test_dir_clear)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry block[] = {
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
		entry("10.9.9.9", ahead, GUARD_ORIGIN_AUTOBAN),
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("100.64.0.0/10", ahead, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.114.0/27", ahead, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.7", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run runs[] = {
		{ NET24(192, 0, 2), NET24(192, 0, 2), GUARD_DIR_HOST },
		{ NET24(10, 9, 9), NET24(10, 9, 9), GUARD_DIR_HOST },
		{ NET24(198, 18, 0), NET24(198, 19, 255), DIR_LEN(15) },
		{ NET24(100, 64, 0), NET24(100, 127, 255), GUARD_DIR_TIMED },
		{ NET24(203, 0, 113), NET24(203, 0, 114), GUARD_DIR_DEEP },
	};
	const struct deep_want deep[] = {
		{ NET24(203, 0, 113), 0, 1, { { 0, 127 } } },
		{ NET24(203, 0, 114), 1, 0, { { 0, 0 } } },
	};
	size_t removed = 0;

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_uint_eq(assert_index(runs, ARRAY_LEN(runs), deep, ARRAY_LEN(deep)),
			  2 + 512 + (1U << 14) + 2);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, &removed), 0);
	ck_assert_uint_eq(removed, ARRAY_LEN(block));
	ck_assert_uint_eq(assert_index(NULL, 0, NULL, 0), 0);
	/* The allowlist is still there, and still out of the /24 index. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(NULL, 0, NULL, 0), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_ALLOW_V4), ARRAY_LEN(allow));
}
END_TEST

/*
 * An entry whose deadline has passed is absent for the program, so a
 * rebuild (here, a refresh after removing an unrelated entry) leaves it
 * out of the /24 index as it does out of the cells: its bits, and a deep key only it
 * needed.  A live prefix in the same /24 keeps its own.
 */
START_TEST(test_dir_expired)
{
	uint64_t now = xg_now_ns(), past = now - 1, ahead = now + 3600 * NS;
	struct xg_entry block[] = {
		entry("198.18.0.0/15", past, GUARD_ORIGIN_MANUAL),
		entry("192.0.2.7", past, GUARD_ORIGIN_AUTOBAN),
		/* Would make 203.0.113 timed. */
		entry("203.0.113.0/25", past, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.128/25", 0, GUARD_ORIGIN_MANUAL),
		/* Alone in its /24: the key goes. */
		entry("203.0.114.64/26", past, GUARD_ORIGIN_MANUAL),
		entry("100.64.0.0/10", ahead, GUARD_ORIGIN_MANUAL),
		entry("10.1.2.3", ahead, GUARD_ORIGIN_AUTOBAN),
		entry("198.51.100.1", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run live[] = {
		{ NET24(100, 64, 0), NET24(100, 127, 255), GUARD_DIR_TIMED },
		{ NET24(10, 1, 2), NET24(10, 1, 2), GUARD_DIR_HOST },
		{ NET24(203, 0, 113), NET24(203, 0, 113), GUARD_DIR_DEEP },
	};
	const struct deep_want deep[] = {
		{ NET24(203, 0, 113), 0, 1, { { 128, 255 } } },
	};
	struct deep_kv *kv;
	size_t removed = 0;

	ck_assert_uint_gt(now, 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	/* An add marks every entry it is given, expired or not (more is
	 * harmless): 203.0.114 has a key for the rebuild to delete. */
	ck_assert_uint_eq(deep_list(&kv), 2);
	free(kv);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[7].prefix, 1, NULL), 0);
	/* Removing a single address looks only around it; a build leaves
	 * the expired out. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(live, ARRAY_LEN(live), deep, ARRAY_LEN(deep)),
			  (1U << 14) + 2);
	/* Still listed: only the index leaves them out. */
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V4), 5);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V4), 2);
	/* A prune deletes them, and the index stays as it is. */
	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 4);
	assert_index(live, ARRAY_LEN(live), deep, ARRAY_LEN(deep));
}
END_TEST

/* A prefix given with bits past its length (the parser refuses one, the
 * API takes it) indexes as what the trie matches: the bits are ignored,
 * in the /24 cells as in the deep addresses. */
START_TEST(test_dir_host_bits)
{
	struct xg_entry e[] = {
		entry("198.18.0.0/15", 0, GUARD_ORIGIN_MANUAL),
		entry("203.0.113.0/25", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir_run runs[] = {
		{ NET24(198, 18, 0), NET24(198, 19, 255), DIR_LEN(15) },
		{ NET24(203, 0, 113), NET24(203, 0, 113), GUARD_DIR_DEEP },
	};
	const struct deep_want deep[] = {
		{ NET24(203, 0, 113), 0, 1, { { 0, 127 } } },
	};

	e[0].prefix.addr[2] = 7;	/* 198.18.7.9/15 */
	e[0].prefix.addr[3] = 9;
	e[1].prefix.addr[3] = 77;	/* 203.0.113.77/25 */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, e, ARRAY_LEN(e), NULL), 0);
	ck_assert_uint_eq(assert_index(runs, ARRAY_LEN(runs), deep, 1), 513);
	/* And a rebuild, from the keys as the trie stored them. */
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_index(runs, ARRAY_LEN(runs), deep, 1), 513);
}
END_TEST

/* ---- the IPv6 blocklist per /32 ----------------------------------------- */

/*
 * xg_dir_v6 is keyed by the first four bytes of the address as they sit in
 * it; the tests name a /32 by those bytes read as a number, most
 * significant first: NET32(0x2001, 0x0db8) is 2001:db8::/32, the key bytes
 * 20 01 0d b8.  As for IPv4, each test checks the index as the adds left
 * it (the index in use beforehand) and after a refresh, which builds it
 * again from the maps alone.
 */
#define NET32(hi, lo) ((uint32_t)(hi) << 16 | (uint32_t)(lo))
/* What len says for a prefix of /24../32 without deadline, made by hand. */
#define DIR6_LEN(plen) ((uint8_t)((plen) + 1))
/* The flags the config has about the index. */
#define INDEX6_FLAGS (GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT)

/*
 * A run of /32s, first to last inclusive, and the value a prefix (or
 * several) gives each.  Where runs overlap, a /32 is expected to have the
 * flags of all of them and the longest len, as the index keeps them.
 */
struct dir6_run {
	uint32_t first, last;
	uint8_t len, flags;
};

/* One key of xg_dir_v6 (as NET32 names it) with its value. */
struct dir6_kv {
	uint32_t net;
	struct guard_dir_v6 val;
};

static int cmp_dir6_kv(const void *a, const void *b)
{
	uint32_t x = ((const struct dir6_kv *)a)->net, y = ((const struct dir6_kv *)b)->net;

	return x < y ? -1 : x > y;
}

static const char *dir6_text(const struct dir6_kv *kv, char *buf, size_t size)
{
	snprintf(buf, size, "%x:%x::/32 len %u flags %#x%s%s%s pad %u", kv->net >> 16,
		 kv->net & 0xffff, kv->val.len, kv->val.flags,
		 kv->val.flags & GUARD_DIR_HOST ? " host" : "",
		 kv->val.flags & GUARD_DIR_DEEP ? " deep" : "",
		 kv->val.flags & GUARD_DIR_TIMED ? " timed" : "", kv->val.pad);
	return buf;
}

/* Every key of xg_dir_v6 with its value, sorted, in *out (to be freed);
 * returns how many. */
static size_t dir6_list(struct dir6_kv **out)
{
	int fd = map_fd(GUARD_MAP_DIR_V6);
	struct dir6_kv *kv = NULL;
	uint8_t key[4], next[4];
	size_t n = 0;
	int err;

	for (err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, key, next)) {
		struct dir6_kv *grown = realloc(kv, (n + 1) * sizeof(*kv));

		ck_assert_ptr_nonnull(grown);
		kv = grown;
		memcpy(key, next, sizeof(key));
		kv[n].net = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
			    (uint32_t)key[2] << 8 | key[3];
		ck_assert_int_eq(bpf_map_lookup_elem(fd, key, &kv[n].val), 0);
		n++;
	}
	ck_assert_int_eq(errno, ENOENT);
	if (n)
		qsort(kv, n, sizeof(*kv), cmp_dir6_kv);
	*out = kv;
	return n;
}

/* The keys xg_dir_v6 should hold for runs, merged and sorted, in *out (to
 * be freed); returns how many. */
static size_t dir6_expected(const struct dir6_run *runs, size_t n, struct dir6_kv **out)
{
	size_t total = 0, k = 0, merged = 0;
	struct dir6_kv *kv;

	for (size_t r = 0; r < n; r++) {
		ck_assert_uint_le(runs[r].first, runs[r].last);
		total += (size_t)(runs[r].last - runs[r].first) + 1;
	}
	kv = calloc(total ? total : 1, sizeof(*kv));
	ck_assert_ptr_nonnull(kv);
	for (size_t r = 0; r < n; r++)
		for (uint64_t net = runs[r].first; net <= runs[r].last; net++, k++) {
			kv[k].net = (uint32_t)net;
			kv[k].val.len = runs[r].len;
			kv[k].val.flags = runs[r].flags;
		}
	if (total)
		qsort(kv, total, sizeof(*kv), cmp_dir6_kv);
	for (size_t i = 0; i < total; i++) {
		struct dir6_kv *m = &kv[merged ? merged - 1 : 0];

		if (merged && m->net == kv[i].net) {
			m->val.flags |= kv[i].val.flags;
			if (m->val.len < kv[i].val.len)
				m->val.len = kv[i].val.len;
			continue;
		}
		kv[merged++] = kv[i];
	}
	*out = kv;
	return merged;
}

/*
 * xg_dir_v6 must hold exactly the /32s of the runs, each with exactly the
 * value they give it (pad 0), and no other key; the config must say flags
 * (GUARD_INDEX_V6, GUARD_INDEX_V6_SHORT) about it.  A /32 missing, or with
 * a flag or a len too few, lets a listed source through; one too many, or
 * a len the lists do not give, drops what nothing blocks: all count.
 * Returns how many keys there are.
 */
static size_t assert_dir6(uint32_t flags, const struct dir6_run *runs, size_t n)
{
	uint32_t skip = skip_bits();
	struct dir6_kv *got, *want;
	size_t n_got = dir6_list(&got), n_want = dir6_expected(runs, n, &want);
	size_t g = 0, w = 0, wrong = 0;
	char first[256] = "", a[96], b[96];

	ck_assert_msg((skip & INDEX6_FLAGS) == flags,
		      "skip_lists %#x: IPv6 index flags %#x, expected %#x", skip,
		      skip & INDEX6_FLAGS, flags);
	while (g < n_got || w < n_want) {
		if (w == n_want || (g < n_got && got[g].net < want[w].net)) {
			if (!wrong++)
				snprintf(first, sizeof(first), "%s, expected no key",
					 dir6_text(&got[g], a, sizeof(a)));
			g++;
		} else if (g == n_got || want[w].net < got[g].net) {
			if (!wrong++)
				snprintf(first, sizeof(first), "no key, expected %s",
					 dir6_text(&want[w], b, sizeof(b)));
			w++;
		} else {
			if (memcmp(&got[g].val, &want[w].val, sizeof(got[g].val)) &&
			    !wrong++)
				snprintf(first, sizeof(first), "%s, expected %s",
					 dir6_text(&got[g], a, sizeof(a)),
					 dir6_text(&want[w], b, sizeof(b)));
			g++;
			w++;
		}
	}
	free(got);
	free(want);
	ck_assert_msg(!wrong, "xg_dir_v6: %zu keys, expected %zu; %zu wrong, first: %s",
		      n_got, n_want, wrong, first);
	return n_got;
}

/* assert_dir6, then a refresh (a build from the maps alone) and again. */
static size_t assert_dir6_rebuilt(uint32_t flags, const struct dir6_run *runs, size_t n)
{
	size_t keys = assert_dir6(flags, runs, n);

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir6(flags, runs, n), keys);
	return keys;
}

/* On an empty blocklist, add (one xg_list_add per entry, in order), check,
 * rebuild and check again.  Returns the keys. */
static size_t assert_dir6_adds(const struct xg_entry *e, size_t n, const struct dir6_run *runs,
			       size_t n_runs)
{
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &e[i], 1, NULL), 0);
	return assert_dir6_rebuilt(GUARD_INDEX_V6, runs, n_runs);
}

/* Nothing listed: the index is in use and empty, with no short prefix.
 * A key and the short flag are put there first, so that this is the
 * refresh's doing and not the fresh map's. */
START_TEST(test_dir6_empty)
{
	const uint8_t key[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct guard_dir_v6 junk = { .len = DIR6_LEN(32), .flags = GUARD_DIR_HOST };

	ck_assert_int_eq(bpf_map_update_elem(map_fd(GUARD_MAP_DIR_V6), key, &junk, BPF_ANY), 0);
	unit_config_skip_set(map_fd(GUARD_MAP_CONFIG), skip_bits() | GUARD_INDEX_V6_SHORT);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, NULL, 0), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_DIR_V6), 0);
}
END_TEST

/* A listed host gives its own /32 the host flag and nothing else: one key
 * however many hosts the /32 has.  The key's edges too. */
START_TEST(test_dir6_host)
{
	struct xg_entry one = entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL);
	struct xg_entry more[] = {
		entry("2001:db8::2", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry edges[] = {
		entry("::1", 0, GUARD_ORIGIN_MANUAL),
		entry("ffff:ffff::1", 0, GUARD_ORIGIN_MANUAL),
	};
	const uint8_t key[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	const struct dir6_run host[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), 0, GUARD_DIR_HOST },
	};
	const struct dir6_run both[] = {
		{ 0, 0, 0, GUARD_DIR_HOST },
		{ 0xffffffff, 0xffffffff, 0, GUARD_DIR_HOST },
	};
	struct guard_dir_v6 val;

	ck_assert_uint_eq(NET32(0x2001, 0x0db8), 0x20010db8);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &one, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, host, 1), 1);
	/* Spelled out once: the key is the bytes 20 01 0d b8, as the
	 * program copies them from the packet. */
	ck_assert_int_eq(bpf_map_lookup_elem(map_fd(GUARD_MAP_DIR_V6), key, &val), 0);
	ck_assert_uint_eq(val.len, 0);
	ck_assert_uint_eq(val.flags, GUARD_DIR_HOST);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, host, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, more, ARRAY_LEN(more), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, host, 1), 1);

	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, edges, ARRAY_LEN(edges), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, both, 2), 2);
}
END_TEST

/*
 * A prefix of /24../32 without deadline, made by hand, gives every /32 it
 * covers len = its length plus one; nested ones leave the longest.  Each
 * alone on the list, nested ones in both orders and in one batch.
 */
START_TEST(test_dir6_len)
{
	const struct xg_entry slash32[] = { entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir6_run slash32_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), DIR6_LEN(32), 0 },
	};
	const struct xg_entry slash31[] = { entry("2001:db8::/31", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir6_run slash31_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db9), DIR6_LEN(31), 0 },
	};
	const struct xg_entry slash30[] = { entry("2001:db8::/30", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir6_run slash30_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0dbb), DIR6_LEN(30), 0 },
	};
	const struct xg_entry slash24[] = { entry("2001:d00::/24", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir6_run slash24_runs[] = {
		{ NET32(0x2001, 0x0d00), NET32(0x2001, 0x0dff), DIR6_LEN(24), 0 },
	};
	/* The last /24: the walk over its /32s ends at ffff:ffff. */
	const struct xg_entry top[] = { entry("ffff:ff00::/24", 0, GUARD_ORIGIN_MANUAL) };
	const struct dir6_run top_runs[] = {
		{ 0xffffff00, 0xffffffff, DIR6_LEN(24), 0 },
	};
	/* The /32 inside the /30: the /30 added after it must not shorten it. */
	const struct xg_entry nested[] = { slash30[0], slash32[0] };
	const struct xg_entry nested_rev[] = { slash32[0], slash30[0] };
	const struct dir6_run nested_runs[] = { slash30_runs[0], slash32_runs[0] };
	struct xg_entry bits = entry("2001:d00::/24", 0, GUARD_ORIGIN_MANUAL);

	ck_assert_uint_eq(DIR6_LEN(32), 33);
	ck_assert_uint_eq(assert_dir6_adds(slash32, 1, slash32_runs, 1), 1);
	ck_assert_uint_eq(assert_dir6_adds(slash31, 1, slash31_runs, 1), 2);
	ck_assert_uint_eq(assert_dir6_adds(slash30, 1, slash30_runs, 1), 4);
	ck_assert_uint_eq(assert_dir6_adds(slash24, 1, slash24_runs, 1), 256);
	ck_assert_uint_eq(assert_dir6_adds(top, 1, top_runs, 1), 256);
	ck_assert_uint_eq(assert_dir6_adds(nested, 2, nested_runs, 2), 4);
	ck_assert_uint_eq(assert_dir6_adds(nested_rev, 2, nested_runs, 2), 4);
	/* The same pair in one batch. */
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, nested_rev, 2, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, nested_runs, 2), 4);

	/* Bits past the length (the API takes them; the parser does not)
	 * are ignored: 2001:db8::/24 indexes as 2001:d00::/24. */
	bits.prefix.addr[2] = 0x0d;
	bits.prefix.addr[3] = 0xb8;
	ck_assert_uint_eq(assert_dir6_adds(&bits, 1, slash24_runs, 1), 256);
}
END_TEST

/*
 * Prefixes of /33../127 set GUARD_DIR_DEEP on their /32 and nothing else;
 * a prefix of /24../32 with a deadline, or not made by hand, sets
 * GUARD_DIR_TIMED and no len.  A plain one with them gives both.
 */
START_TEST(test_dir6_deep_timed)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry deep[] = {
		entry("2001:db8:1::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9:0:0:1::/96", 0, GUARD_ORIGIN_MANUAL),
		/* The edges: one bit past a /32, one short of a host. */
		entry("2001:dba:8000::/33", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbb::2/127", 0, GUARD_ORIGIN_MANUAL),
		/* Timed or not, deep is deep; a ban also says it is one,
		 * so that no plain len around it answers for it. */
		entry("2001:dbc:1::/48", ahead, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry timed[] = {
		entry("2001:dc0::/32", ahead, GUARD_ORIGIN_MANUAL),
		/* No deadline, but auto-ban's. */
		entry("2001:dc1::/32", 0, GUARD_ORIGIN_AUTOBAN),
		entry("2001:dc4::/30", ahead, GUARD_ORIGIN_MANUAL),
		/* A host with a deadline is a host: the hash knows the time. */
		entry("2001:dd0::1", ahead, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry plain[] = {
		/* Inside the timed /30... */
		entry("2001:dc5::/32", 0, GUARD_ORIGIN_MANUAL),
		/* ...and around a /48. */
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run deep_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0dbb), 0, GUARD_DIR_DEEP },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbc), 0,
		  GUARD_DIR_DEEP | GUARD_DIR6_BANS },
	};
	const struct dir6_run timed_runs[] = {
		deep_runs[0], deep_runs[1],
		{ NET32(0x2001, 0x0dc0), NET32(0x2001, 0x0dc0), 0, GUARD_DIR_TIMED },
		{ NET32(0x2001, 0x0dc1), NET32(0x2001, 0x0dc1), 0,
		  GUARD_DIR_TIMED | GUARD_DIR6_BANS },
		{ NET32(0x2001, 0x0dc4), NET32(0x2001, 0x0dc7), 0, GUARD_DIR_TIMED },
		{ NET32(0x2001, 0x0dd0), NET32(0x2001, 0x0dd0), 0, GUARD_DIR_HOST },
	};
	const struct dir6_run all_runs[] = {
		timed_runs[0], timed_runs[1], timed_runs[2], timed_runs[3], timed_runs[4],
		timed_runs[5],
		{ NET32(0x2001, 0x0dc5), NET32(0x2001, 0x0dc5), DIR6_LEN(32), 0 },
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), DIR6_LEN(32), 0 },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, deep, ARRAY_LEN(deep), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, deep_runs, 2), 5);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, timed, ARRAY_LEN(timed), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, timed_runs,
					      ARRAY_LEN(timed_runs)), 5 + 2 + 4 + 1);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, plain, ARRAY_LEN(plain), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, all_runs, ARRAY_LEN(all_runs)),
			  5 + 2 + 4 + 1);
}
END_TEST

/*
 * A prefix shorter than /24 is not spread over its /32s: no key, but the
 * config says one exists, and stops saying so when the last one goes.
 */
START_TEST(test_dir6_short)
{
	struct xg_entry block[] = {
		entry("2000::/16", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	/* The edges: all of it, and one bit short of spreading. */
	struct xg_entry shortest[] = {
		entry("::/0", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:e00::/23", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run slash32[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), DIR6_LEN(32), 0 },
	};
	const uint32_t both = GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT;

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(both, NULL, 0), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &block[1], 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(both, slash32, 1), 1);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, slash32, 1), 1);

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, shortest, ARRAY_LEN(shortest), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(both, slash32, 1), 1);
	/* One of two short ones left: still short. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &shortest[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(both, slash32, 1), 1);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &shortest[1].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, slash32, 1), 1);
}
END_TEST

/*
 * Removing entries builds the index again: a /32 falls back to the longest
 * prefix left around it, loses a flag when the last entry that gave it
 * goes, and its key when nothing is left in it.  Clearing the blocklist
 * leaves no key and no short prefix.
 */
START_TEST(test_dir6_remove)
{
	struct xg_entry block[] = {
		entry("2001:db8::/30", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9::2", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dba:1::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dba::5", 0, GUARD_ORIGIN_MANUAL),
		/* Alone in its /32. */
		entry("2001:dc0::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dc1:1::/64", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run slash30 = { NET32(0x2001, 0x0db8), NET32(0x2001, 0x0dbb),
					  DIR6_LEN(30), 0 };
	const struct dir6_run slash32 = { NET32(0x2001, 0x0db9), NET32(0x2001, 0x0db9),
					  DIR6_LEN(32), 0 };
	const struct dir6_run host9 = { NET32(0x2001, 0x0db9), NET32(0x2001, 0x0db9), 0,
					GUARD_DIR_HOST };
	const struct dir6_run deep_a = { NET32(0x2001, 0x0dba), NET32(0x2001, 0x0dba), 0,
					 GUARD_DIR_DEEP };
	const struct dir6_run host_a = { NET32(0x2001, 0x0dba), NET32(0x2001, 0x0dba), 0,
					 GUARD_DIR_HOST };
	const struct dir6_run host_c0 = { NET32(0x2001, 0x0dc0), NET32(0x2001, 0x0dc0), 0,
					  GUARD_DIR_HOST };
	const struct dir6_run deep_c1 = { NET32(0x2001, 0x0dc1), NET32(0x2001, 0x0dc1), 0,
					  GUARD_DIR_DEEP };
	const struct dir6_run all[] = { slash30, slash32, host9, deep_a, host_a, host_c0,
					deep_c1 };
	const struct dir6_run no_c0[] = { slash30, slash32, host9, deep_a, host_a, deep_c1 };
	const struct dir6_run no_c1[] = { slash30, slash32, host9, deep_a, host_a };
	const struct dir6_run no32[] = { slash30, host9, deep_a, host_a };
	const struct dir6_run no_host9[] = { slash30, deep_a, host_a };
	const struct dir6_run no_deep[] = { slash30, host_a };
	const struct dir6_run no30[] = { host_a };
	struct xg_entry short_one = entry("2000::/16", 0, GUARD_ORIGIN_MANUAL);
	size_t removed = 0;

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, all, ARRAY_LEN(all)), 6);

	/* The only host of its /32, the only deep prefix of its /32. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[6].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, no_c0, ARRAY_LEN(no_c0)), 5);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[7].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, no_c1, ARRAY_LEN(no_c1)), 4);
	/* The /32 inside the /30: back to the /30's len. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[1].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, no32, ARRAY_LEN(no32)), 4);
	/* One of two hosts: the flag stays; then the other. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[2].prefix, 1, NULL), 0);
	assert_dir6(GUARD_INDEX_V6, no32, ARRAY_LEN(no32));
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[3].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, no_host9, ARRAY_LEN(no_host9)), 4);
	/* The deep prefix beside a host: the host flag stays. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[4].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, no_deep, ARRAY_LEN(no_deep)), 4);
	/* The /30: three of its /32s have nothing left. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, no30, ARRAY_LEN(no30)), 1);

	/* Clear: no key, no short prefix; the index stays in use. */
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &short_one, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT, all,
				      ARRAY_LEN(all)), 6);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, &removed), 0);
	ck_assert_uint_eq(removed, ARRAY_LEN(block) + 1);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, NULL, 0), 0);
}
END_TEST

/*
 * An entry whose deadline has passed is absent for the program, so a
 * rebuild (here, after removing an unrelated entry) leaves it out of the
 * /32 index: its flags, its len, a key only it needed, the short flag.
 * Live entries in the same /32s keep theirs.
 */
START_TEST(test_dir6_expired)
{
	uint64_t now = xg_now_ns(), past = now - 1, ahead = now + 3600 * NS;
	struct xg_entry block[] = {
		/* Alone in their /32s: the keys go. */
		entry("2001:db8::1", past, GUARD_ORIGIN_AUTOBAN),
		entry("2001:db9::/32", past, GUARD_ORIGIN_MANUAL),
		entry("2001:dba:1::/48", past, GUARD_ORIGIN_MANUAL),
		entry("2000::/16", past, GUARD_ORIGIN_MANUAL),
		/* Around a live /32: only that one's key stays, with its len. */
		entry("2001:dbc::/30", past, GUARD_ORIGIN_MANUAL),
		entry("2001:dbd::/32", 0, GUARD_ORIGIN_MANUAL),
		/* Beside live ones: their flags stay, the expired ones' go. */
		entry("2001:dc0::/32", ahead, GUARD_ORIGIN_MANUAL),
		entry("2001:dc0:1::/48", past, GUARD_ORIGIN_MANUAL),
		entry("2001:dc1::1", ahead, GUARD_ORIGIN_AUTOBAN),
		entry("2001:dc1::/32", past, GUARD_ORIGIN_AUTOBAN),
		entry("2001:dd0::1", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run live[] = {
		{ NET32(0x2001, 0x0dbd), NET32(0x2001, 0x0dbd), DIR6_LEN(32), 0 },
		{ NET32(0x2001, 0x0dc0), NET32(0x2001, 0x0dc0), 0, GUARD_DIR_TIMED },
		{ NET32(0x2001, 0x0dc1), NET32(0x2001, 0x0dc1), 0, GUARD_DIR_HOST },
	};
	size_t removed = 0;

	ck_assert_uint_gt(now, 1);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	/* An add marks every entry it is given, expired or not (more is
	 * harmless): the rebuild has keys and a flag to take away. */
	ck_assert_uint_eq(map_count(GUARD_MAP_DIR_V6), 3 + 4 + 3);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, INDEX6_FLAGS);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[10].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, live, ARRAY_LEN(live)), 3);
	/* Still listed: only the index leaves them out. */
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V6), 2);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V6), 8);
	/* A prune deletes them, and the index stays as it is. */
	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 7);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, live, ARRAY_LEN(live)), 3);
}
END_TEST

/*
 * While a rule may auto-ban, the program may ban anywhere in IPv6 without
 * a key: the index is not in use, short prefix or not, and changes to the
 * lists meanwhile do not bring it back.  When auto-ban goes (the rule
 * removed, or changed to one that does not ban), it is built again from
 * the lists as they are then.  A rule that does not ban changes nothing.
 */
START_TEST(test_dir6_bans)
{
	struct xg_entry block[] = {
		entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2000::/16", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry later[] = {
		entry("2001:dc0::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dc1::1", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry short_later = entry("2002::/16", 0, GUARD_ORIGIN_MANUAL);
	struct xg_prefix gone[] = { block[0].prefix, block[2].prefix };
	struct xg_limit ban = {
		.match = { .port = 0, .proto = 0 }, .pps = 10,
		.ban_after_ns = NS, .ban_for_ns = 60 * NS,
	};
	struct xg_limit no_ban = { .match = { .port = 0, .proto = 0 }, .pps = 10 };
	struct xg_limit other = { .match = { .port = 53, .proto = IPPROTO_UDP }, .pps = 10 };
	const struct dir6_run before[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), 0, GUARD_DIR_HOST },
		{ NET32(0x2001, 0x0db9), NET32(0x2001, 0x0db9), DIR6_LEN(32), 0 },
	};
	const struct dir6_run after[] = {
		before[1],
		{ NET32(0x2001, 0x0dc0), NET32(0x2001, 0x0dc0), 0, GUARD_DIR_DEEP },
		{ NET32(0x2001, 0x0dc1), NET32(0x2001, 0x0dc1), 0, GUARD_DIR_HOST },
	};
	const uint32_t both = GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT;

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_uint_eq(assert_dir6(both, before, ARRAY_LEN(before)), 2);
	/* A rule without auto-ban bans nowhere. */
	ck_assert_int_eq(xg_limit_set(st, &other), 0);
	ck_assert_uint_eq(assert_dir6(both, before, ARRAY_LEN(before)), 2);

	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);
	/* Lists change meanwhile: still not in use. */
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, gone, ARRAY_LEN(gone), NULL), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, later, ARRAY_LEN(later), NULL), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);

	/* The rule goes: built from the lists as they are now. */
	ck_assert_int_eq(xg_limit_remove(st, &ban.match), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, after, ARRAY_LEN(after)), 3);

	/* A short prefix added while a rule bans: not flagged then, but
	 * when auto-ban goes, here by changing the rule to one that does
	 * not ban. */
	ck_assert_int_eq(xg_limit_set(st, &ban), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &short_later, 1, NULL), 0);
	ck_assert_uint_eq(skip_bits() & INDEX6_FLAGS, 0);
	ck_assert_int_eq(xg_limit_set(st, &no_ban), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(both, after, ARRAY_LEN(after)), 3);
	ck_assert_int_eq(xg_limit_remove(st, &no_ban.match), 0);
	ck_assert_int_eq(xg_limit_remove(st, &other.match), 0);
	ck_assert_uint_eq(assert_dir6(both, after, ARRAY_LEN(after)), 3);
}
END_TEST

/*
 * Entries in one /32 added in one batch (as a list file is) end in one
 * key with every flag and the longest len, whatever their order; added to
 * a /32 that has a key already, they keep what it had.
 */
START_TEST(test_dir6_batch)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry batch[] = {
		entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8:1::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry more[] = {
		/* The shorter after the longer, and timed after plain. */
		entry("2001:dbc::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/30", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/31", ahead, GUARD_ORIGIN_MANUAL),
		/* Onto the key above. */
		entry("2001:db8::/31", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run one[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), DIR6_LEN(32),
		  GUARD_DIR_HOST | GUARD_DIR_DEEP },
	};
	const struct dir6_run all[] = {
		one[0],
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db9), DIR6_LEN(31), 0 },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbf), DIR6_LEN(30), 0 },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbc), DIR6_LEN(32), 0 },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbd), 0, GUARD_DIR_TIMED },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, batch, ARRAY_LEN(batch), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, one, 1), 1);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, more, ARRAY_LEN(more), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, all, ARRAY_LEN(all)), 6);
}
END_TEST

/*
 * A batch too big to merge key by key (a list file: here 1280 /32s) is
 * merged with what the map holds all the same: keys it shares keep their
 * flags and longer len, keys it does not share stay as they are.
 */
START_TEST(test_dir6_batch_bulk)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry before[] = {
		entry("2001:1::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:f01::/32", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry file[] = {
		entry("2001:b00::/24", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:c00::/24", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:d00::/24", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db8:1::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:e00::/24", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:f00::/24", ahead, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run first[] = {
		{ NET32(0x2001, 0x0001), NET32(0x2001, 0x0001), 0, GUARD_DIR_HOST },
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), 0, GUARD_DIR_HOST },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbc), DIR6_LEN(32), 0 },
		{ NET32(0x2001, 0x0f01), NET32(0x2001, 0x0f01), DIR6_LEN(32), 0 },
	};
	const struct dir6_run all[] = {
		first[0], first[1], first[2], first[3],
		{ NET32(0x2001, 0x0b00), NET32(0x2001, 0x0eff), DIR6_LEN(24), 0 },
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), 0, GUARD_DIR_DEEP },
		{ NET32(0x2001, 0x0f00), NET32(0x2001, 0x0fff), 0, GUARD_DIR_TIMED },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, before, ARRAY_LEN(before), NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, first, ARRAY_LEN(first)), 4);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, file, ARRAY_LEN(file), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, all, ARRAY_LEN(all)), 1 + 5 * 256);
}
END_TEST

/* The same over a map too big to read in one go: 8448 /32s, each given a
 * len by a /24 and then the timed flag by a /25. */
START_TEST(test_dir6_batch_bulk_many)
{
	enum { NETS = 33 };
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry plain[NETS], timed[2 * NETS];
	const struct dir6_run plain_run = {
		NET32(0x2400, 0x0000), NET32(0x2400, NETS * 256 - 1), DIR6_LEN(24), 0,
	};
	const struct dir6_run both = {
		NET32(0x2400, 0x0000), NET32(0x2400, NETS * 256 - 1), DIR6_LEN(24),
		GUARD_DIR_TIMED,
	};

	memset(plain, 0, sizeof(plain));
	memset(timed, 0, sizeof(timed));
	for (int i = 0; i < NETS; i++) {
		/* 2400:ii00::/24, and its halves 2400:ii00::/25, 2400:ii80::/25. */
		plain[i].prefix.family = AF_INET6;
		plain[i].prefix.len = 24;
		plain[i].prefix.addr[0] = 0x24;
		plain[i].prefix.addr[2] = (uint8_t)i;
		plain[i].origin = GUARD_ORIGIN_MANUAL;
		for (int h = 0; h < 2; h++) {
			timed[2 * i + h] = plain[i];
			timed[2 * i + h].prefix.len = 25;
			timed[2 * i + h].prefix.addr[3] = h ? 0x80 : 0;
			timed[2 * i + h].expires_ns = ahead;
		}
	}
	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, plain, NETS, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, &plain_run, 1), NETS * 256);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, timed, 2 * NETS, NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, &both, 1), NETS * 256);
}
END_TEST

/* IPv4 entries (even one whose bytes spell 2001:db8) and the allowlist
 * write no key, and a short prefix on the allowlist is no short prefix
 * of the blocklist. */
/* A prefix of /24../32 given again with a deadline where it had none (or
 * by auto-ban where it was made by hand) must lose its len: otherwise the
 * program blocks the /32 outright after the deadline has passed. */
START_TEST(test_dir6_readd_with_deadline)
{
	uint64_t ahead = xg_now_ns() + 3600 * NS;
	struct xg_entry plain[] = {
		entry("2001:db8::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/30", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry timed[] = {
		entry("2001:db8::/32", ahead, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/30", 0, GUARD_ORIGIN_AUTOBAN),
	};
	const struct dir6_run plain_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), DIR6_LEN(32), 0 },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbf), DIR6_LEN(30), 0 },
	};
	const struct dir6_run timed_runs[] = {
		{ NET32(0x2001, 0x0db8), NET32(0x2001, 0x0db8), 0, GUARD_DIR_TIMED },
		{ NET32(0x2001, 0x0dbc), NET32(0x2001, 0x0dbf), 0,
		  GUARD_DIR_TIMED | GUARD_DIR6_BANS },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, plain, ARRAY_LEN(plain), NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, plain_runs, 2), 5);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, timed, ARRAY_LEN(timed), NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, timed_runs, 2), 5);
}
END_TEST

START_TEST(test_dir6_untouched)
{
	struct xg_entry block[] = {
		entry("32.1.13.184", 0, GUARD_ORIGIN_MANUAL),
		entry("32.1.13.0/24", 0, GUARD_ORIGIN_MANUAL),
		entry("32.1.14.0/25", 0, GUARD_ORIGIN_MANUAL),
		entry("32.0.0.0/8", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry allow[] = {
		entry("2001:db8::1", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:db9::/32", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dbc::/30", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dc0:1::/48", 0, GUARD_ORIGIN_MANUAL),
		entry("2000::/16", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry mixed[] = {
		entry("198.51.100.7", 0, GUARD_ORIGIN_MANUAL),
		entry("2001:dd0::1", 0, GUARD_ORIGIN_MANUAL),
	};
	const struct dir6_run host[] = {
		{ NET32(0x2001, 0x0dd0), NET32(0x2001, 0x0dd0), 0, GUARD_DIR_HOST },
	};

	ck_assert_int_eq(xg_state_refresh(st), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, ARRAY_LEN(block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, ARRAY_LEN(allow), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, NULL, 0), 0);
	/* Removals from either list build it again: still nothing. */
	ck_assert_int_eq(xg_list_remove(st, XG_ALLOWLIST, &allow[0].prefix, 1, NULL), 0);
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, &block[0].prefix, 1, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, NULL, 0), 0);
	/* In a batch with an IPv6 host, only the host counts. */
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, mixed, ARRAY_LEN(mixed), NULL), 0);
	ck_assert_uint_eq(assert_dir6_rebuilt(GUARD_INDEX_V6, host, 1), 1);
	ck_assert_int_eq(xg_list_clear(st, XG_ALLOWLIST, NULL), 0);
	ck_assert_uint_eq(assert_dir6(GUARD_INDEX_V6, host, 1), 1);
}
END_TEST

START_TEST(test_clear)
{
	size_t removed = 999;

	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, &removed), 0);
	ck_assert_uint_eq(removed, 0);

	add_four(XG_ALLOWLIST);
	add_four(XG_BLOCKLIST);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, &removed), 0);
	ck_assert_uint_eq(removed, 4);
	assert_get(XG_BLOCKLIST, true, NULL, 0);
	assert_get(XG_ALLOWLIST, true, four, 4);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V4), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLOCK_V6), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V4), 0);
	ck_assert_uint_eq(map_count(GUARD_MAP_BLKNET_V6), 0);

	ck_assert_int_eq(xg_list_clear(st, XG_ALLOWLIST, NULL), 0);
	assert_get(XG_ALLOWLIST, true, NULL, 0);
}
END_TEST

START_TEST(test_clear_large)
{
	enum { N = 5000 };
	struct xg_entry *e = calloc(N, sizeof(*e));
	size_t removed = 0;

	/* More than one batch of keys, however the library walks the map. */
	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < N; i++) {
		e[i].prefix.family = AF_INET;
		e[i].prefix.len = i % 2 ? 32 : 24;
		e[i].prefix.addr[0] = 10;
		e[i].prefix.addr[1] = (uint8_t)(i >> 8);
		e[i].prefix.addr[2] = (uint8_t)i;
		e[i].prefix.addr[3] = i % 2 ? 1 : 0;
	}
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, e, N, NULL), 0);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, &removed), 0);
	ck_assert_uint_eq(removed, N);
	assert_get(XG_BLOCKLIST, true, NULL, 0);
	free(e);
}
END_TEST

/* ---- expiry ------------------------------------------------------------- */

/*
 * Entries whose deadline passes during the test, added through the library
 * like any other: 100 ms ahead, then a nap.  (Writing a past deadline into
 * the map would tie the test to the value's layout.)
 */
START_TEST(test_expired_entries)
{
	/* A second's margin: the first add of a state builds the indexes,
	 * which under AddressSanitizer takes a good part of one. */
	uint64_t now = xg_now_ns(), soon = now + NS;
	uint64_t later = now + 3600 * NS;
	struct timespec nap = { 1, 100 * 1000000L };
	struct xg_entry live_block[] = {
		entry("1.2.3.4", 0, GUARD_ORIGIN_MANUAL),
		entry("10.0.0.0/8", later, GUARD_ORIGIN_AUTOBAN),
		entry("2001:db8::1", later, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry live_allow[] = {
		entry("192.0.2.0/24", 0, GUARD_ORIGIN_MANUAL),
	};
	struct xg_entry all_block[] = {
		live_block[0],
		entry("5.6.7.8", soon, GUARD_ORIGIN_AUTOBAN),
		live_block[1],
		/* Inside a live entry: expiry is per entry, not per address. */
		entry("10.1.0.0/16", soon, GUARD_ORIGIN_MANUAL),
		entry("172.16.0.0/12", soon, GUARD_ORIGIN_AUTOBAN),
		live_block[2],
		entry("2001:db8::2", soon, GUARD_ORIGIN_AUTOBAN),
		entry("2001:db8:1::/48", soon, GUARD_ORIGIN_AUTOBAN),
	};
	struct xg_entry all_allow[] = {
		live_allow[0],
		entry("::1", soon, GUARD_ORIGIN_AUTOBAN),
	};
	size_t removed = 999;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, all_block,
				     ARRAY_LEN(all_block), NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, all_allow,
				     ARRAY_LEN(all_allow), NULL), 0);
	assert_get(XG_BLOCKLIST, false, all_block, ARRAY_LEN(all_block));
	nanosleep(&nap, NULL);

	assert_get(XG_BLOCKLIST, false, live_block, ARRAY_LEN(live_block));
	assert_get(XG_BLOCKLIST, true, all_block, ARRAY_LEN(all_block));
	assert_get(XG_ALLOWLIST, false, live_allow, 1);
	assert_get(XG_ALLOWLIST, true, all_allow, 2);

	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 6);
	assert_get(XG_BLOCKLIST, true, live_block, ARRAY_LEN(live_block));
	assert_get(XG_ALLOWLIST, true, live_allow, 1);

	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(xg_list_prune(st, NULL), 0);
}
END_TEST

START_TEST(test_entry_expires)
{
	/* Through the library only: an entry added with a short deadline is
	 * listed until it passes, and gone from the live list after. */
	struct xg_entry e = entry("1.2.3.4", xg_now_ns() + NS, GUARD_ORIGIN_AUTOBAN);
	struct timespec nap = { 1, 100 * 1000000L };
	size_t removed = 0;

	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, &e, 1, NULL), 0);
	assert_get(XG_BLOCKLIST, false, &e, 1);
	nanosleep(&nap, NULL);
	assert_get(XG_BLOCKLIST, false, NULL, 0);
	assert_get(XG_BLOCKLIST, true, &e, 1);
	ck_assert_int_eq(xg_list_prune(st, &removed), 0);
	ck_assert_uint_eq(removed, 1);
	assert_get(XG_BLOCKLIST, true, NULL, 0);
}
END_TEST

/* ---- counters ----------------------------------------------------------- */

START_TEST(test_counters_zero)
{
	unsigned int n = xg_reason_count();
	struct xg_counter *c = malloc(n * sizeof(*c));	/* exact: ASan */

	ck_assert_ptr_nonnull(c);
	memset(c, 0xff, n * sizeof(*c));
	ck_assert_int_eq(xg_counters_read(st, c), 0);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(c[i].packets, 0);
		ck_assert_uint_eq(c[i].bytes, 0);
	}
	free(c);
}
END_TEST

START_TEST(test_counters_sum_cpus)
{
	int cpus = libbpf_num_possible_cpus();
	unsigned int n = xg_reason_count();
	struct guard_counter *v;
	struct xg_counter *c;
	__u32 key = GUARD_REASON_BLOCK;
	uint64_t packets = 0, bytes = 0;

	ck_assert_int_gt(cpus, 0);
	v = calloc((size_t)cpus, sizeof(*v));
	c = malloc(n * sizeof(*c));
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(c);
	/* What the XDP program would have counted, one slot per CPU. */
	for (int i = 0; i < cpus; i++) {
		v[i].packets = (uint64_t)i + 1;
		v[i].bytes = 1500 * ((uint64_t)i + 1);
		packets += v[i].packets;
		bytes += v[i].bytes;
	}
	ck_assert_int_eq(bpf_map_update_elem(map_fd(GUARD_MAP_COUNTERS), &key, v, BPF_ANY), 0);
	ck_assert_int_eq(xg_counters_read(st, c), 0);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(c[i].packets, i == key ? packets : 0);
		ck_assert_uint_eq(c[i].bytes, i == key ? bytes : 0);
	}
	free(c);
	free(v);
}
END_TEST

/* ---- locking and ownership ---------------------------------------------- */

START_TEST(test_lock_excludes)
{
	struct xg_state *locked = NULL;
	int go[2], got[2], status;
	struct pollfd pfd;
	pid_t pid;
	char c = 0;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(got), 0);
	/* Forked before anything is locked, so the child holds no copy of
	 * the lock's file descriptor (that would keep a flock() alive). */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		alarm(20);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		fd = xg_pin_path_lock(dir, false);
		if (fd < 0)
			_exit(3);
		c = 'L';
		if (write(got[1], &c, 1) != 1)
			_exit(4);
		xg_pin_path_unlock(fd);
		_exit(0);
	}
	ck_assert_int_eq(xg_state_open(dir, XG_OPEN_LOCK, &locked), 0);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	pfd.fd = got[0];
	pfd.events = POLLIN;
	ck_assert_msg(poll(&pfd, 1, 500) == 0, "took the lock while it was held");
	xg_state_close(locked);
	ck_assert_msg(poll(&pfd, 1, 10000) == 1, "did not get the lock once free");
	ck_assert_int_eq(read(got[0], &c, 1), 1);
	ck_assert_int_eq(c, 'L');
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(go[1]);
	close(got[0]);
	close(got[1]);
}
END_TEST

START_TEST(test_lock_create)
{
	char *path;
	struct stat sb;
	int fd;

	ck_assert_int_gt(asprintf(&path, "%s/new", dir), 0);
	ck_assert_int_lt(xg_pin_path_lock(path, false), 0);
	ck_assert_int_ne(stat(path, &sb), 0);
	fd = xg_pin_path_lock(path, true);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(xg_check_bpffs(path), 0);
	xg_pin_path_unlock(fd);
	/* Unlocked: it can be taken again at once. */
	fd = xg_pin_path_lock(path, false);
	ck_assert_int_ge(fd, 0);
	xg_pin_path_unlock(fd);
	free(path);
}
END_TEST

START_TEST(test_owns_prog)
{
	struct bpf_object *ours, *theirs;
	char *other = unit_bpf_tmpdir();

	/* Loaded with the same pin path, the program reuses the pinned maps:
	 * ours.  Loaded elsewhere it has maps of its own: not ours. */
	ours = unit_load_object(dir, true);
	theirs = unit_load_object(other, true);
	ck_assert(xg_state_owns_prog(st, bpf_program__fd(
		bpf_object__find_program_by_name(ours, XG_PROG_NAME))));
	ck_assert(!xg_state_owns_prog(st, bpf_program__fd(
		bpf_object__find_program_by_name(theirs, XG_PROG_NAME))));
	ck_assert(!xg_state_owns_prog(st, -1));
	bpf_object__close(ours);
	bpf_object__close(theirs);
	ck_assert_int_eq(unit_rm_tree(other), 0);
	free(other);
}
END_TEST

Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc;

	if (!unit_have_bpf)
		return s;

	tc = tcase_create("lists");
	tcase_add_unchecked_fixture(tc, unit_bpf_base_setup, unit_bpf_base_teardown);
	tcase_add_checked_fixture(tc, state_setup, state_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_open);
	tcase_add_test(tc, test_add_and_get_sorted);
	tcase_add_test(tc, test_add_nothing);
	tcase_add_test(tc, test_add_updates);
	tcase_add_test(tc, test_add_bad_family);
	tcase_add_test(tc, test_add_bad_length);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_remove_all_or_nothing);
	tcase_add_test(tc, test_remove_wrong_list);
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_skip_bits);
	tcase_add_test(tc, test_rule_index_order);
	tcase_add_test(tc, test_rule_change_moves_generation);
	tcase_add_test(tc, test_rule_index_no_overwrite);
	tcase_add_test(tc, test_rule_index_built_at_refresh);
	tcase_add_test(tc, test_rule_change_keeps_list_indexes);
	tcase_add_test(tc, test_cells_empty);
	tcase_add_test(tc, test_cells_mark);
	tcase_add_test(tc, test_cells_mark_batch);
	tcase_add_test(tc, test_cells_mark_host_bits);
	tcase_add_test(tc, test_cells_remove);
	tcase_add_test(tc, test_cells_clear);
	tcase_add_test(tc, test_cells_bans);
	tcase_add_test(tc, test_cells_expired);
	tcase_add_test(tc, test_dir_host);
	tcase_add_test(tc, test_remove_hosts_in_place);
	tcase_add_test(tc, test_dir_len);
	tcase_add_test(tc, test_dir_timed);
	tcase_add_test(tc, test_dir_readd_with_deadline);
	tcase_add_test(tc, test_dir_deep);
	tcase_add_test(tc, test_dir_deep_batch);
	tcase_add_test(tc, test_dir_remove);
	tcase_add_test(tc, test_dir_lone);
	tcase_add_test(tc, test_dir_lone_allow);
	tcase_add_test(tc, test_dir_drop_lone);
	tcase_add_test(tc, test_dir_clear);
	tcase_add_test(tc, test_dir_expired);
	tcase_add_test(tc, test_dir_host_bits);
	tcase_add_test(tc, test_dir6_empty);
	tcase_add_test(tc, test_dir6_host);
	tcase_add_test(tc, test_dir6_len);
	tcase_add_test(tc, test_dir6_deep_timed);
	tcase_add_test(tc, test_dir6_short);
	tcase_add_test(tc, test_dir6_remove);
	tcase_add_test(tc, test_dir6_expired);
	tcase_add_test(tc, test_dir6_bans);
	tcase_add_test(tc, test_dir6_batch);
	tcase_add_test(tc, test_dir6_batch_bulk);
	tcase_add_test(tc, test_dir6_batch_bulk_many);
	tcase_add_test(tc, test_dir6_readd_with_deadline);
	tcase_add_test(tc, test_dir6_untouched);
	tcase_add_test(tc, test_clear_large);
	tcase_add_test(tc, test_expired_entries);
	tcase_add_test(tc, test_entry_expires);
	tcase_add_test(tc, test_find_exact);
	tcase_add_test(tc, test_unban_not_told_for_old_ban);
	tcase_add_test(tc, test_unban_not_told_when_made_manual);
	tcase_add_test(tc, test_unban_expired_even_if_pruned);
	tcase_add_test(tc, test_counters_zero);
	tcase_add_test(tc, test_counters_sum_cpus);
	tcase_add_test(tc, test_lock_excludes);
	tcase_add_test(tc, test_lock_create);
	tcase_add_test(tc, test_owns_prog);
	suite_add_tcase(s, tc);

	/* Filling maps to the brim takes a while under ASan. */
	tc = tcase_create("full");
	tcase_add_unchecked_fixture(tc, unit_bpf_base_setup, unit_bpf_base_teardown);
	tcase_add_checked_fixture(tc, state_setup, state_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_full_allowlist);
	tcase_add_test(tc, test_full_block_hash);
	suite_add_tcase(s, tc);
	return s;
}
