// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library and the XDP program together (root only): entries added with
 * xg_list_add() must be the ones the program matches, deadlines must be on
 * the program's clock, and each verdict must be what xg_reason_action()
 * says and counted where xg_counters_read() reads it.
 *
 * The program is loaded with the same pin path as the state, so that it
 * uses the pinned maps, and run on hand-made frames with
 * BPF_PROG_TEST_RUN.  Nothing is attached to any interface.  The program's
 * parsing is tested in depth by tests/bpf; here each frame only has to
 * reach one verdict.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "unit.h"
#include "guard_maps.h"

#define NS 1000000000ULL

static char *dir;
static struct bpf_object *obj;
static struct xg_state *st;
static int prog_fd;

static void prog_setup(void)
{
	struct bpf_program *prog;
	int err;

	dir = unit_bpf_tmpdir();
	obj = unit_load_object(dir, true);
	prog = bpf_object__find_program_by_name(obj, XG_PROG_NAME);
	ck_assert_ptr_nonnull(prog);
	prog_fd = bpf_program__fd(prog);
	ck_assert_int_ge(prog_fd, 0);
	err = xg_state_open(dir, 0, &st);
	ck_assert_msg(err == 0, "xg_state_open(%s): %d", dir, err);
	ck_assert(xg_state_owns_prog(st, prog_fd));
}

/* Checked; see test_state.c for what happens when a test fails first. */
static void prog_teardown(void)
{
	int err;

	xg_state_close(st);
	bpf_object__close(obj);
	err = unit_rm_tree(dir);
	free(dir);
	ck_assert_msg(err == 0, "removing the pins: %s", strerror(-err));
}

/* ---- frames ------------------------------------------------------------- */

struct frame {
	unsigned char data[256];
	size_t len;
};

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void eth(struct frame *f, uint16_t proto)
{
	static const unsigned char macs[12] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
	};

	memcpy(f->data + f->len, macs, sizeof(macs));
	put16(f->data + f->len + 12, proto);
	f->len += 14;
}

static void vlan(struct frame *f, uint16_t next)
{
	put16(f->data + f->len, 100);	/* TCI: VLAN 100 */
	put16(f->data + f->len + 2, next);
	f->len += 4;
}

/* A TCP SYN to port 80: a header of 20 bytes and nothing after it. */
static void tcp_syn(unsigned char *p)
{
	memset(p, 0, 20);
	put16(p, 40000);
	put16(p + 2, 80);
	p[12] = 5 << 4;		/* data offset */
	p[13] = 0x02;		/* SYN */
	put16(p + 14, 65535);
}

/* Ethernet, IPv4 or IPv6 from p's address, TCP SYN. */
static struct frame tcp_from_prefix(const struct xg_prefix p)
{
	struct frame f = { .len = 0 };
	unsigned char *ip;

	if (p.family == AF_INET) {
		eth(&f, 0x0800);
		ip = f.data + f.len;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 40);
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, p.addr, 4);
		ip[16] = 198;		/* to 198.18.0.1 */
		ip[17] = 18;
		ip[19] = 1;
		f.len += 20;
	} else {
		eth(&f, 0x86dd);
		ip = f.data + f.len;
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, p.addr, 16);
		ip[24] = 0xfd;		/* to fd00::1 */
		ip[39] = 1;
		f.len += 40;
	}
	tcp_syn(f.data + f.len);
	f.len += 20;
	return f;
}

static struct frame tcp_from(const char *src)
{
	return tcp_from_prefix(unit_prefix(src));
}

/* ---- running ------------------------------------------------------------ */

/*
 * Run the program once on f.  Returns the reason it counted (exactly one
 * counter must have moved, by one packet of f's length) and its verdict.
 */
static unsigned int run(const struct frame *f, int *verdict)
{
	unsigned int n = xg_reason_count(), reason = n;
	struct xg_counter *before = calloc(n, sizeof(*before));
	struct xg_counter *after = calloc(n, sizeof(*after));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data,
		    .data_size_in = (__u32)f->len, .repeat = 1);

	ck_assert_ptr_nonnull(before);
	ck_assert_ptr_nonnull(after);
	ck_assert_int_eq(xg_counters_read(st, before), 0);
	ck_assert_msg(bpf_prog_test_run_opts(prog_fd, &opts) == 0,
		      "BPF_PROG_TEST_RUN: %s", strerror(errno));
	ck_assert_int_eq(xg_counters_read(st, after), 0);
	for (unsigned int r = 0; r < n; r++) {
		uint64_t dp = after[r].packets - before[r].packets;
		uint64_t db = after[r].bytes - before[r].bytes;

		if (!dp && !db)
			continue;
		ck_assert_msg(reason == n, "counted as %s and as %s",
			      xg_reason_name(reason), xg_reason_name(r));
		ck_assert_uint_eq(dp, 1);
		ck_assert_uint_eq(db, f->len);
		reason = r;
	}
	ck_assert_msg(reason < n, "no counter moved (verdict %u)", opts.retval);
	*verdict = (int)opts.retval;
	free(before);
	free(after);
	return reason;
}

/* f must get reason want, and the verdict the library names for it. */
static void expect(const struct frame *f, const char *want, const char *what)
{
	int verdict;
	unsigned int reason = run(f, &verdict);
	const char *action = xg_reason_action(reason);

	ck_assert_msg(!strcmp(xg_reason_name(reason), want), "%s: counted as %s, "
		      "expected %s", what, xg_reason_name(reason), want);
	ck_assert_msg(verdict == XDP_PASS || verdict == XDP_DROP,
		      "%s: verdict %d", what, verdict);
	ck_assert_msg(!strcmp(action, verdict == XDP_PASS ? "pass" : "drop"),
		      "%s: the program says %s, xg_reason_action(%s) says %s", what,
		      verdict == XDP_PASS ? "XDP_PASS" : "XDP_DROP",
		      xg_reason_name(reason), action);
}

static void add(enum xg_list list, const char *text, uint64_t expires_ns,
		uint32_t origin)
{
	struct xg_entry e;

	memset(&e, 0, sizeof(e));
	e.prefix = unit_prefix(text);
	e.expires_ns = expires_ns;
	e.origin = origin;
	ck_assert_int_eq(xg_list_add(st, list, &e, 1, NULL), 0);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_reasons_without_lists)
{
	struct frame f;

	f = tcp_from("192.0.2.1");
	expect(&f, "pass", "IPv4 TCP");
	f = tcp_from("2001:db8::1");
	expect(&f, "pass", "IPv6 TCP");

	memset(&f, 0, sizeof(f));
	eth(&f, 0x0806);	/* ARP */
	f.len += 28;
	expect(&f, "non_ip", "ARP");

	memset(&f, 0, sizeof(f));
	eth(&f, 0x8100);
	vlan(&f, 0x8100);
	vlan(&f, 0x8100);
	vlan(&f, 0x0800);
	f.len += 40;
	expect(&f, "unparsed", "three VLAN tags");

	f = tcp_from("192.0.2.1");
	f.data[14] = 0x44;	/* IHL 4: shorter than an IPv4 header */
	expect(&f, "malformed", "IPv4 IHL 4");
	f = tcp_from("192.0.2.1");
	f.len = 14 + 10;	/* cut inside the IP header */
	expect(&f, "malformed", "truncated IPv4");
}
END_TEST

START_TEST(test_blocklist_matches)
{
	struct frame f;

	/* Hosts go to the hashes, prefixes to the tries: the program must
	 * find both, in both families, with the keys the library wrote. */
	add(XG_BLOCKLIST, "192.0.2.7", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "198.51.100.0/24", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "2001:db8::bad", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "2001:db8:beef::/48", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "203.0.113.128/25", 0, GUARD_ORIGIN_MANUAL);

	f = tcp_from("192.0.2.7");
	expect(&f, "block", "blocked v4 host");
	f = tcp_from("192.0.2.8");
	expect(&f, "pass", "the v4 host next to it");
	f = tcp_from("198.51.100.99");
	expect(&f, "block", "in a blocked v4 /24");
	f = tcp_from("198.51.101.1");
	expect(&f, "pass", "outside the /24");
	f = tcp_from("203.0.113.200");
	expect(&f, "block", "in a blocked /25");
	f = tcp_from("203.0.113.127");
	expect(&f, "pass", "just below the /25");
	f = tcp_from("2001:db8::bad");
	expect(&f, "block", "blocked v6 host");
	f = tcp_from("2001:db8::bae");
	expect(&f, "pass", "the v6 host next to it");
	f = tcp_from("2001:db8:beef:1::1");
	expect(&f, "block", "in a blocked v6 /48");
	f = tcp_from("2001:db8:beee::1");
	expect(&f, "pass", "outside the /48");
}
END_TEST

START_TEST(test_allowlist_wins)
{
	struct frame f;

	add(XG_BLOCKLIST, "192.0.2.0/24", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "192.0.2.9", 0, GUARD_ORIGIN_MANUAL);
	add(XG_ALLOWLIST, "192.0.2.9", 0, GUARD_ORIGIN_MANUAL);
	add(XG_ALLOWLIST, "2001:db8::/32", 0, GUARD_ORIGIN_MANUAL);

	f = tcp_from("192.0.2.9");
	expect(&f, "allow", "allowlisted and blocklisted");
	f = tcp_from("192.0.2.10");
	expect(&f, "block", "blocklisted only");
	f = tcp_from("2001:db8:1::1");
	expect(&f, "allow", "in an allowlisted v6 /32");
}
END_TEST

START_TEST(test_removed_entries_stop_matching)
{
	struct xg_prefix p[2];
	struct frame f;

	add(XG_BLOCKLIST, "192.0.2.7", 0, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "198.51.100.0/24", 0, GUARD_ORIGIN_MANUAL);
	p[0] = unit_prefix("192.0.2.7");
	p[1] = unit_prefix("198.51.100.0/24");
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, p, 2, NULL), 0);
	f = tcp_from("192.0.2.7");
	expect(&f, "pass", "unblocked host");
	f = tcp_from("198.51.100.1");
	expect(&f, "pass", "in an unblocked /24");
}
END_TEST

START_TEST(test_deadline_on_program_clock)
{
	struct timespec nap = { 1, 300 * 1000000L };
	struct frame f = tcp_from("192.0.2.7");

	/* xg_now_ns() and bpf_ktime_get_ns() must be one clock: an entry
	 * a second ahead of the library's now blocks, and stops after.  A
	 * second, not less: the first add builds the indexes, which under
	 * AddressSanitizer on a busy machine took over 200 ms. */
	add(XG_BLOCKLIST, "192.0.2.7", xg_now_ns() + NS, GUARD_ORIGIN_MANUAL);
	add(XG_BLOCKLIST, "198.51.100.0/24", xg_now_ns() + NS, GUARD_ORIGIN_MANUAL);
	expect(&f, "block", "before the deadline");
	f = tcp_from("198.51.100.1");
	expect(&f, "block", "a prefix before the deadline");
	f = tcp_from("192.0.2.7");
	nanosleep(&nap, NULL);
	expect(&f, "pass", "after the deadline");
	f = tcp_from("198.51.100.1");
	expect(&f, "pass", "a prefix after the deadline");
}
END_TEST

START_TEST(test_autoban_entry_drops)
{
	struct frame f = tcp_from("192.0.2.66");
	unsigned int reason;
	int verdict;

	/* Counted as a ban, not a block: alone in its /24 it gets no
	 * lone-host byte (a verdict that cannot tell bans), and the host
	 * hash's entry says what it is. */
	add(XG_BLOCKLIST, "192.0.2.66", xg_now_ns() + 60 * NS, GUARD_ORIGIN_AUTOBAN);
	reason = run(&f, &verdict);
	ck_assert_int_eq(verdict, XDP_DROP);
	ck_assert_str_eq(xg_reason_name(reason), "ban");
}
END_TEST

/* ---- the indexes against the plain lookups ------------------------------ */

/*
 * The program answers most sources from the indexes user space builds
 * (guard_maps.h), and IPv4 ones before the full parse (early_verdict_v4);
 * with the config's bits all clear it asks every list itself.  Both must
 * give every source the same verdict and reason.  Lists made at random
 * from a fixed seed (XG_INDEX_SEED=N for another), crowded into a few /16s
 * and /32s so that entries share /24s and nest: hosts and prefixes of the
 * lengths where the indexes change their ways, with and without deadlines
 * (some already past), by hand and by auto-ban, on both lists, added in
 * batches and partly removed again.  Each source is run with the indexes,
 * then again with every config bit clear.
 */
#define INDEX_ROUNDS 4
#define INDEX_ENTRIES 70
#define INDEX_RANDOM_PROBES 150

static uint64_t index_seed, index_rng;

static unsigned int below(unsigned int n)
{
	return (unsigned int)(unit_splitmix64(&index_rng) % n);
}

/* wide: an IPv4 /24 anywhere in its /16, where a host is likely alone (and
 * named by its /24's lone-host byte); else one of a few, crowded. */
static void random_addr(int family, struct xg_prefix *p, bool wide)
{
	static const uint8_t nets4[][2] = { { 10, 1 }, { 10, 2 }, { 192, 0 }, { 198, 51 } };

	memset(p, 0, sizeof(*p));
	p->family = family;
	if (family == AF_INET) {
		const uint8_t *net = nets4[below(4)];

		p->len = 32;
		p->addr[0] = net[0];
		p->addr[1] = net[1];
		p->addr[2] = (uint8_t)(wide ? below(256) : below(3) * 64 + below(3));
		p->addr[3] = (uint8_t)below(256);
	} else {
		p->len = 128;
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = (uint8_t)(0xb8 + below(2));
		p->addr[4] = (uint8_t)below(2);
		p->addr[5] = (uint8_t)below(3);
		p->addr[7] = (uint8_t)below(2);
		p->addr[8] = (uint8_t)below(3);
		p->addr[15] = (uint8_t)below(256);
	}
}

/* Clear the bits past p's length (to_last: set them). */
static void fill_host_bits(struct xg_prefix *p, bool to_last)
{
	unsigned int bits = p->family == AF_INET ? 32 : 128;

	for (unsigned int b = p->len; b < bits; b++) {
		uint8_t bit = (uint8_t)(0x80 >> (b % 8));

		if (to_last)
			p->addr[b / 8] |= bit;
		else
			p->addr[b / 8] &= (uint8_t)~bit;
	}
}

/* p's address plus delta (+1 or -1), as a host. */
static struct xg_prefix step(struct xg_prefix p, int delta)
{
	int i = p.family == AF_INET ? 3 : 15;

	p.len = p.family == AF_INET ? 32 : 128;
	for (; i >= 0; i--) {
		uint8_t old = p.addr[i];

		p.addr[i] = (uint8_t)(old + delta);
		if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0))
			break;
	}
	return p;
}

static struct xg_entry random_entry(enum xg_list list, uint64_t now)
{
	static const uint8_t lens4[] = { 8, 12, 15, 16, 17, 20, 23, 24, 25, 26, 28, 30, 31 };
	static const uint8_t lens6[] = { 16, 24, 28, 32, 33, 40, 48, 56, 64, 96, 120, 127 };
	struct xg_entry e;
	bool host = below(10) < 4;

	memset(&e, 0, sizeof(e));
	random_addr(below(2) ? AF_INET : AF_INET6, &e.prefix, host && below(2));
	if (!host)
		e.prefix.len = e.prefix.family == AF_INET ? lens4[below(sizeof(lens4))] :
							    lens6[below(sizeof(lens6))];
	fill_host_bits(&e.prefix, false);
	e.origin = GUARD_ORIGIN_MANUAL;
	switch (below(6)) {
	case 0:
		e.expires_ns = now + 3600 * NS;
		break;
	case 1:
		e.expires_ns = now + 1000 * 1000;	/* past by the probes */
		break;
	}
	/* Auto-bans as the program makes them: IPv4 hosts, IPv6 hosts and
	 * the prefixes of xdp-guard config --ipv6-prefix. */
	if (list == XG_BLOCKLIST && below(5) == 0 &&
	    (e.prefix.family == AF_INET ? e.prefix.len == 32 :
	     e.prefix.len == 128 || e.prefix.len == 64 || e.prefix.len == 48)) {
		e.origin = GUARD_ORIGIN_AUTOBAN;
		e.expires_ns = now + (below(4) ? 3600 * NS : 1000 * 1000);
	}
	return e;
}

struct probes {
	struct xg_prefix *addr;
	unsigned int *reason;
	size_t n, cap;
};

static void probe_add(struct probes *pr, struct xg_prefix p)
{
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? pr->cap * 2 : 256;
		pr->addr = realloc(pr->addr, pr->cap * sizeof(*pr->addr));
		pr->reason = realloc(pr->reason, pr->cap * sizeof(*pr->reason));
		ck_assert_ptr_nonnull(pr->addr);
		ck_assert_ptr_nonnull(pr->reason);
	}
	pr->addr[pr->n++] = p;
}

/* Inside an entry (its first, last and a random address) and around it. */
static void probes_for(struct probes *pr, const struct xg_prefix *e)
{
	struct xg_prefix first = *e, last = *e, mid = *e;
	unsigned int bits = e->family == AF_INET ? 32 : 128;

	fill_host_bits(&last, true);
	for (unsigned int b = e->len; b < bits; b++)
		if (below(2))
			mid.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	probe_add(pr, step(first, 0));
	probe_add(pr, step(last, 0));
	probe_add(pr, step(mid, 0));
	probe_add(pr, step(first, -1));
	probe_add(pr, step(last, 1));
}

static void index_round(unsigned int round)
{
	struct xg_entry block[INDEX_ENTRIES], allow[INDEX_ENTRIES / 7];
	struct xg_prefix gone[INDEX_ENTRIES / 7];
	/* Every other round without an allowlist: the usual configuration,
	 * which the early verdict tells by one test (EARLY_USUAL). */
	size_t nblock = INDEX_ENTRIES, nallow = round % 2 ? INDEX_ENTRIES / 7 : 0, ngone = 0;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int cfg_fd = xg_state_map_fd(st, "xg_config");
	struct probes pr = { 0 };
	struct guard_config cfg;
	uint64_t now = xg_now_ns();
	uint32_t zero = 0;

	ck_assert_int_ge(cfg_fd, 0);
	for (size_t i = 0; i < nblock; i++)
		block[i] = random_entry(XG_BLOCKLIST, now);
	for (size_t i = 0; i < nallow; i++)
		allow[i] = random_entry(XG_ALLOWLIST, now);
	/* In batches: the first builds the indexes, the others add to them. */
	if (nallow)
		ck_assert_int_eq(xg_list_add(st, XG_ALLOWLIST, allow, nallow, NULL), 0);
	ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block, nblock / 2, NULL), 0);
	for (size_t i = nblock / 2; i < nblock; i += 5)
		ck_assert_int_eq(xg_list_add(st, XG_BLOCKLIST, block + i,
					     nblock - i < 5 ? nblock - i : 5, NULL), 0);
	/* Some go again (each prefix once: a later entry may have replaced
	 * an earlier one of the same prefix). */
	for (size_t i = 0; i < nblock && ngone < sizeof(gone) / sizeof(gone[0]); i += 7) {
		bool seen = false;

		for (size_t j = 0; j < ngone; j++)
			seen |= !xg_prefix_cmp(&gone[j], &block[i].prefix);
		if (!seen)
			gone[ngone++] = block[i].prefix;
	}
	ck_assert_int_eq(xg_list_remove(st, XG_BLOCKLIST, gone, ngone, NULL), 0);
	nanosleep(&nap, NULL);

	for (size_t i = 0; i < nblock; i++)
		probes_for(&pr, &block[i].prefix);
	for (size_t i = 0; i < nallow; i++)
		probes_for(&pr, &allow[i].prefix);
	for (size_t i = 0; i < INDEX_RANDOM_PROBES; i++) {
		struct xg_prefix p;

		random_addr(below(2) ? AF_INET : AF_INET6, &p, false);
		probe_add(&pr, p);
	}

	/* The indexes must be in use, or this compares the lookups with
	 * themselves. */
	ck_assert_int_eq(bpf_map_lookup_elem(cfg_fd, &zero, &cfg), 0);
	ck_assert_msg((cfg.skip_lists & (GUARD_CELLS_V4 | GUARD_INDEX_V6)) ==
			      (GUARD_CELLS_V4 | GUARD_INDEX_V6),
		      "round %u: the indexes are not in use (skip bits %#x)", round,
		      cfg.skip_lists);
	for (size_t i = 0; i < pr.n; i++) {
		struct frame f = tcp_from_prefix(pr.addr[i]);
		int verdict;

		pr.reason[i] = run(&f, &verdict);
	}
	unit_config_skip_set(cfg_fd, 0);
	for (size_t i = 0; i < pr.n; i++) {
		struct frame f = tcp_from_prefix(pr.addr[i]);
		char buf[XG_PREFIX_STRLEN];
		unsigned int plain;
		int verdict;

		plain = run(&f, &verdict);
		ck_assert_msg(plain == pr.reason[i],
			      "round %u, seed %#llx: %s is %s through the indexes, %s "
			      "through the plain lookups", round,
			      (unsigned long long)index_seed,
			      xg_prefix_format(&pr.addr[i], buf, sizeof(buf)),
			      xg_reason_name(pr.reason[i]), xg_reason_name(plain));
	}
	unit_config_skip_set(cfg_fd, cfg.skip_lists);
	ck_assert_int_eq(xg_list_clear(st, XG_BLOCKLIST, NULL), 0);
	ck_assert_int_eq(xg_list_clear(st, XG_ALLOWLIST, NULL), 0);
	free(pr.addr);
	free(pr.reason);
}

START_TEST(test_index_agrees_with_lookups)
{
	const char *seed = getenv("XG_INDEX_SEED");

	index_seed = seed && *seed ? strtoull(seed, NULL, 0) : 0x696e646578ull;
	index_rng = index_seed;
	for (unsigned int round = 0; round < INDEX_ROUNDS; round++)
		index_round(round);
}
END_TEST

Suite *program_suite(void)
{
	Suite *s = suite_create("program");
	TCase *tc;

	if (!unit_have_bpf)
		return s;
	tc = tcase_create("verdicts");
	tcase_add_unchecked_fixture(tc, unit_bpf_base_setup, unit_bpf_base_teardown);
	tcase_add_checked_fixture(tc, prog_setup, prog_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reasons_without_lists);
	tcase_add_test(tc, test_blocklist_matches);
	tcase_add_test(tc, test_allowlist_wins);
	tcase_add_test(tc, test_removed_entries_stop_matching);
	tcase_add_test(tc, test_deadline_on_program_clock);
	tcase_add_test(tc, test_autoban_entry_drops);
	tcase_add_test(tc, test_index_agrees_with_lookups);
	suite_add_tcase(s, tc);
	return s;
}
