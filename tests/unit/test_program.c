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

/* Ethernet, IPv4 or IPv6 from src, TCP SYN. */
static struct frame tcp_from(const char *src)
{
	struct frame f = { .len = 0 };
	unsigned char *ip;
	struct xg_prefix p = unit_prefix(src);

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
	suite_add_tcase(s, tc);
	return s;
}
