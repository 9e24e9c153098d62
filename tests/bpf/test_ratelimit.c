// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rate limiting (guard-bpf/ratelimit.h): which rule a packet falls under,
 * the per-source meters (packets, bytes, SYNs), IPv6 sources per prefix,
 * the rule's budget for all sources, auto-ban, and the events.
 *
 * Timing: a test run takes microseconds, so meters of one packet per
 * second do not refill noticeably while a test runs back to back, and
 * counts come out exact.  Refill is shown by moving a meter's tat in the
 * map, and once by sleeping.  Loops of thousands of runs, which a loaded
 * machine may stretch past a second, pin the meter instead, or allow for
 * the refill they measured.  Times the program sets are checked against
 * CLOCK_MONOTONIC read before and after the run that set them.
 */
#define _GNU_SOURCE	/* sched_getcpu(), CPU_SET() */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <bpf/bpf.h>

#include "tests.h"

#define MS_NS 1000000ull
#define SEC_NS 1000000000ull
#define HOUR_NS (3600 * SEC_NS)
/* How far the program's coarse clock may be behind CLOCK_MONOTONIC: two
 * ticks at HZ=100 (COARSE_SLACK_NS in ratelimit.h). */
#define COARSE_BEHIND_NS (20 * MS_NS)

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* More CPUs than any machine the tests run on. */
#define GATE_CPUS_MAX 1024

static void rl_setup(void)
{
	size_t n;

	tg_setup();
	/* guard_reset() leaves the ring buffer alone, and other tests (the
	 * fuzz test above all) fill it. */
	LIST_OK(guard_read_events(&tg, NULL, 0, &n));
}

/* The same, with rules only in xg_rules: the program's other way to find
 * them. */
static void rl_setup_unindexed(void)
{
	rl_setup();
	tg.rules_unindexed = true;
}

static void rl_teardown_unindexed(void)
{
	tg.rules_unindexed = false;
}

/* The same, with the lists empty as user space says so: every IPv4 list's
 * skip bit and the IPv4 index (all cells empty) on, as in a real state,
 * where IPv4 sources reach the rate limiter through the early verdict.
 * For tests that add no list entries and no auto-ban. */
static void rl_setup_indexed(void)
{
	rl_setup();
	cells_set(GUARD_CELLS_V4 | GUARD_SKIP_ALLOW_V4 | GUARD_SKIP_BLOCK_V4 |
		  GUARD_SKIP_BLKNET_V4, 0, 0);
}

static bool is_v6(const char *addr)
{
	return strchr(addr, ':') != NULL;
}

/*
 * A frame from src (IPv4 or IPv6) to the catalog's destination: proto is
 * IPPROTO_TCP (with flags), IPPROTO_UDP, or IPPROTO_ICMP (an echo request,
 * ICMPv6 for an IPv6 source).  Padded with payload to len bytes when len
 * is more than the headers take.
 */
static void build(struct frame *f, const char *src, int proto, uint16_t dport,
		  uint8_t flags, size_t len)
{
	frame_init(f);
	frame_eth(f);
	if (is_v6(src))
		frame_ipv6(f, src, CASE_DST6);
	else
		frame_ipv4(f, src, CASE_DST4);
	switch (proto) {
	case IPPROTO_TCP:
		frame_tcp(f, 40000, dport, flags);
		break;
	case IPPROTO_UDP:
		frame_udp(f, 40000, dport);
		break;
	default:
		if (is_v6(src))
			frame_icmp6(f, 128, 0);
		else
			frame_icmp(f, 8, 0);
	}
	if (len > f->len)
		frame_payload(f, len - f->len, 0);
	BUILD_OK(frame_finish(f));
	if (len)
		ck_assert_uint_eq(f->len, len);
}

/*
 * A later fragment (offset 8) of a datagram of protocol proto.  Its first
 * bytes are what a UDP or TCP header to port 8000 would be, so only the
 * parser's knowing that a later fragment has no transport header keeps a
 * port rule from matching it.
 */
static void later_fragment(struct frame *f, const char *src, uint8_t proto)
{
	static const uint8_t fake_l4[8] = { 0x9c, 0x40, 0x1f, 0x40, 0, 8, 0, 0 };

	frame_init(f);
	frame_eth(f);
	if (is_v6(src)) {
		frame_ipv6(f, src, CASE_DST6);
		frame_ipv6_frag(f, 8, false, 0x4242);
	} else {
		frame_ipv4(f, src, CASE_DST4);
		frame_ipv4_frag(f, 8, false);
	}
	frame_set_next(f, proto);
	frame_raw(f, fake_l4, sizeof(fake_l4));
	frame_payload(f, 16, 0);
	BUILD_OK(frame_finish(f));
}

static void expect_udp(const char *src, uint16_t dport, int reason)
{
	struct frame f;

	build(&f, src, IPPROTO_UDP, dport, 0, 0);
	EXPECT_FRAME(&f, reason);
}

static void expect_tcp(const char *src, uint16_t dport, uint8_t flags, int reason)
{
	struct frame f;

	build(&f, src, IPPROTO_TCP, dport, flags, 0);
	EXPECT_FRAME(&f, reason);
}

/* Run f until it is refused: assert the refusal's reason and return how
 * many passed before it. */
static unsigned int passes_before(const struct frame *f, int want_reason)
{
	unsigned int n;

	for (n = 0; n < 10000; n++) {
		char why[256];
		uint32_t retval;
		int reason;

		ck_assert_msg(guard_run_counted(&tg, f->data, f->len, &retval,
						&reason, why, sizeof(why)) == 0,
			      "%s", why);
		if (reason == GUARD_REASON_PASS)
			continue;
		ck_assert_msg(reason == want_reason && retval == XDP_DROP,
			      "after %u passed: got %s (counter %s), want "
			      "XDP_DROP (counter %s)", n, xdp_action_name(retval),
			      guard_reason_name(reason),
			      guard_reason_name(want_reason));
		return n;
	}
	ck_abort_msg("never refused in %u runs", n);
	return n;
}

static void limit(const struct guard_limit *l)
{
	LIST_OK(guard_limit(&tg, l));
}

/* A rule of one packet per second, burst b: exact counts under test. */
static void limit_pps(uint16_t port, uint8_t proto, uint64_t b)
{
	struct guard_limit l = { .port = port, .proto = proto, .pps = 1, .burst = b };

	limit(&l);
}

/* Change one field of the configuration, keeping the others. */
#define SET_CONFIG(field, value)					\
	do {								\
		struct guard_config cfg_;				\
									\
		LIST_OK(guard_config_get(&tg, &cfg_));			\
		cfg_.field = (value);					\
		LIST_OK(guard_config_set(&tg, &cfg_));			\
	} while (0)

/* The key a source is tracked under: addr is the address as the program
 * keeps it (an IPv6 source already cut to its prefix). */
static struct guard_source_key skey(const char *addr, uint16_t port, uint8_t proto)
{
	struct guard_source_key k;

	memset(&k, 0, sizeof(k));
	k.rule.port = port;
	k.rule.proto = proto;
	if (is_v6(addr)) {
		k.family = 6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, k.addr), 1);
	} else {
		k.family = 4;
		ck_assert_int_eq(inet_pton(AF_INET, addr, k.addr), 1);
	}
	return k;
}

static bool source_get(const struct guard_source_key *k, struct guard_source *v)
{
	return bpf_map_lookup_elem(tg.map_fd[GM_SOURCES], k, v) == 0;
}

static void source_put(const struct guard_source_key *k, const struct guard_source *v)
{
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_SOURCES], k, v, BPF_ANY), 0);
}

/* Move the first sight of addr's state under the "any" rule ago_ns back. */
static void source_age(const char *addr, uint64_t ago_ns)
{
	struct guard_source_key k = skey(addr, 0, 0);
	struct guard_source v;

	ck_assert(source_get(&k, &v));
	v.first_seen_ns -= ago_ns;
	source_put(&k, &v);
}

static size_t source_count(void)
{
	size_t n;

	LIST_OK(guard_sources(&tg, NULL, NULL, 0, &n));
	return n;
}

static void forget_sources(void)
{
	struct guard_source_key k;

	while (!bpf_map_get_next_key(tg.map_fd[GM_SOURCES], NULL, &k))
		ck_assert_int_eq(bpf_map_delete_elem(tg.map_fd[GM_SOURCES], &k), 0);
}

/* ---- which rule applies ----------------------------------------------- */

/*
 * Which rule a frame fell under, seen from the outside: with every rule
 * roomy enough to pass it, the program starts tracking its source under
 * the rule's key.  Returns false if it tracked nothing (no rule).
 */
static bool rule_of(const struct frame *f, struct guard_rule_key *rk)
{
	struct guard_source_key k;
	size_t n;

	forget_sources();
	EXPECT_FRAME(f, GUARD_REASON_PASS);
	LIST_OK(guard_sources(&tg, &k, NULL, 1, &n));
	ck_assert_uint_le(n, 1);
	if (n)
		*rk = k.rule;
	return n == 1;
}

#define EXPECT_RULE(f, want_port, want_proto)					\
	do {									\
		struct guard_rule_key rk_;					\
		ck_assert_msg(rule_of((f), &rk_), "no rule matched");		\
		ck_assert_msg(rk_.port == (want_port) && rk_.proto == (want_proto), \
			      "matched %u/%u, want %u/%u", rk_.port, rk_.proto,	\
			      (unsigned int)(want_port), (unsigned int)(want_proto)); \
	} while (0)

#define EXPECT_NO_RULE(f)							\
	do {									\
		struct guard_rule_key rk_;					\
		ck_assert_msg(!rule_of((f), &rk_), "matched %u/%u, want none",	\
			      rk_.port, rk_.proto);				\
	} while (0)

/* Port rule, then protocol rule, then "any"; taking one away uncovers
 * the next. */
START_TEST(test_rule_precedence)
{
	struct frame tcp8000, tcp8001, udp8000, icmp;

	limit_pps(8000, IPPROTO_TCP, 100);
	limit_pps(0, IPPROTO_TCP, 100);
	limit_pps(0, 0, 100);
	build(&tcp8000, CASE_SRC4, IPPROTO_TCP, 8000, TCP_ACK, 0);
	build(&tcp8001, CASE_SRC4, IPPROTO_TCP, 8001, TCP_ACK, 0);
	build(&udp8000, CASE_SRC4, IPPROTO_UDP, 8000, 0, 0);
	build(&icmp, CASE_SRC4, IPPROTO_ICMP, 0, 0, 0);

	EXPECT_RULE(&tcp8000, 8000, IPPROTO_TCP);
	EXPECT_RULE(&tcp8001, 0, IPPROTO_TCP);
	EXPECT_RULE(&udp8000, 0, 0);
	EXPECT_RULE(&icmp, 0, 0);

	LIST_OK(guard_unlimit(&tg, 8000, IPPROTO_TCP));
	EXPECT_RULE(&tcp8000, 0, IPPROTO_TCP);
	LIST_OK(guard_unlimit(&tg, 0, IPPROTO_TCP));
	EXPECT_RULE(&tcp8000, 0, 0);
	LIST_OK(guard_unlimit(&tg, 0, 0));
	EXPECT_NO_RULE(&tcp8000);
}
END_TEST

/*
 * With the rule index in use, the index alone says which rule a packet
 * has: pointed elsewhere, it wins over xg_rules.  Without the config bit,
 * xg_rules decides, whatever the index holds.
 */
START_TEST(test_rule_index_decides)
{
	struct guard_rule_index *ix = malloc(sizeof(*ix));
	struct frame tcp8000;
	struct guard_config cfg;
	uint32_t zero = 0;

	ck_assert_ptr_nonnull(ix);
	limit_pps(8000, IPPROTO_TCP, 100);
	limit_pps(0, 0, 100);
	build(&tcp8000, CASE_SRC4, IPPROTO_TCP, 8000, TCP_ACK, 0);
	EXPECT_RULE(&tcp8000, 8000, IPPROTO_TCP);

	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_RULE_INDEX], &zero, ix), 0);
	ck_assert_uint_ne(ix->tcp[8000], ix->tcp[8001]);
	ix->tcp[8000] = ix->tcp[8001];		/* the "any" rule's entry */
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULE_INDEX], &zero, ix, BPF_ANY), 0);
	EXPECT_RULE(&tcp8000, 0, 0);
	ix->tcp[8000] = 0;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULE_INDEX], &zero, ix, BPF_ANY), 0);
	EXPECT_NO_RULE(&tcp8000);

	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.skip_lists &= ~GUARD_RULE_INDEX;
	LIST_OK(guard_config_set(&tg, &cfg));
	EXPECT_RULE(&tcp8000, 8000, IPPROTO_TCP);
	free(ix);
}
END_TEST

/* The matched rule's meter is the one that counts: each rule keeps its
 * own bucket for the same source. */
START_TEST(test_rule_own_meter)
{
	limit_pps(8000, IPPROTO_TCP, 1);
	limit_pps(0, IPPROTO_TCP, 3);

	expect_tcp(CASE_SRC4, 8000, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 8000, TCP_ACK, GUARD_REASON_RATE);
	expect_tcp(CASE_SRC4, 8001, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 8002, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 8003, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 8001, TCP_ACK, GUARD_REASON_RATE);
	ck_assert_uint_eq(source_count(), 2);
}
END_TEST

/* The same port number for UDP and TCP is two rules. */
START_TEST(test_rule_udp_tcp_same_port)
{
	struct frame udp, tcp;

	build(&udp, CASE_SRC4, IPPROTO_UDP, 53, 0, 0);
	build(&tcp, CASE_SRC4, IPPROTO_TCP, 53, TCP_ACK, 0);

	limit_pps(53, IPPROTO_UDP, 100);
	EXPECT_RULE(&udp, 53, IPPROTO_UDP);
	EXPECT_NO_RULE(&tcp);
	limit_pps(53, IPPROTO_TCP, 100);
	EXPECT_RULE(&tcp, 53, IPPROTO_TCP);
	EXPECT_RULE(&udp, 53, IPPROTO_UDP);
	LIST_OK(guard_unlimit(&tg, 53, IPPROTO_UDP));
	EXPECT_NO_RULE(&udp);
}
END_TEST

/* One "icmp" rule covers ICMP and ICMPv6. */
START_TEST(test_rule_icmp_both_families)
{
	struct guard_source_key k, want;
	struct frame icmp4, icmp6, udp;
	size_t n;

	build(&icmp4, CASE_SRC4, IPPROTO_ICMP, 0, 0, 0);
	build(&icmp6, CASE_SRC6, IPPROTO_ICMP, 0, 0, 0);
	build(&udp, CASE_SRC4, IPPROTO_UDP, 53, 0, 0);
	limit_pps(0, IPPROTO_ICMP, 1);

	EXPECT_RULE(&icmp4, 0, IPPROTO_ICMP);
	EXPECT_RULE(&icmp6, 0, IPPROTO_ICMP);
	LIST_OK(guard_sources(&tg, &k, NULL, 1, &n));
	want = skey("2001:db8::", 0, IPPROTO_ICMP);
	ck_assert_mem_eq(&k, &want, sizeof(k));
	EXPECT_NO_RULE(&udp);

	/* And limits them, each source in its own bucket. */
	EXPECT_FRAME(&icmp6, GUARD_REASON_PASS);
	EXPECT_FRAME(&icmp6, GUARD_REASON_RATE);
	EXPECT_FRAME(&icmp4, GUARD_REASON_PASS);
	EXPECT_FRAME(&icmp4, GUARD_REASON_RATE);
}
END_TEST

/* A later fragment has no ports: only protocol and "any" rules can match
 * it.  A first fragment carries the transport header and matches by
 * port. */
START_TEST(test_rule_fragments)
{
	struct frame frag4, frag6, frag4_tcp, first;

	later_fragment(&frag4, CASE_SRC4, IPPROTO_UDP);
	later_fragment(&frag6, CASE_SRC6, IPPROTO_UDP);
	later_fragment(&frag4_tcp, CASE_SRC4, IPPROTO_TCP);
	frame_init(&first);
	frame_eth(&first);
	frame_ipv4(&first, CASE_SRC4, CASE_DST4);
	frame_ipv4_frag(&first, 0, true);
	frame_udp(&first, 40000, 8000);
	frame_payload(&first, 16, 0);
	BUILD_OK(frame_finish(&first));

	limit_pps(8000, IPPROTO_UDP, 100);
	limit_pps(8000, IPPROTO_TCP, 100);
	EXPECT_NO_RULE(&frag4);
	EXPECT_NO_RULE(&frag6);
	EXPECT_NO_RULE(&frag4_tcp);
	EXPECT_RULE(&first, 8000, IPPROTO_UDP);

	limit_pps(0, IPPROTO_UDP, 100);
	EXPECT_RULE(&frag4, 0, IPPROTO_UDP);
	EXPECT_RULE(&frag6, 0, IPPROTO_UDP);
	EXPECT_NO_RULE(&frag4_tcp);
	EXPECT_RULE(&first, 8000, IPPROTO_UDP);

	limit_pps(0, 0, 100);
	EXPECT_RULE(&frag4_tcp, 0, 0);
	LIST_OK(guard_unlimit(&tg, 0, IPPROTO_UDP));
	EXPECT_RULE(&frag4, 0, 0);
}
END_TEST

START_TEST(test_no_rule_passes)
{
	int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	for (i = 0; i < 5; i++) {
		expect_udp(CASE_SRC4, 8001, GUARD_REASON_PASS);
		expect_tcp(CASE_SRC4, 8000, TCP_SYN, GUARD_REASON_PASS);
	}
	ck_assert_uint_eq(source_count(), 0);
}
END_TEST

/* config.rule_count 0 turns rate limiting off, rules or not. */
START_TEST(test_rule_count_zero)
{
	int i;

	limit_pps(0, 0, 1);
	SET_CONFIG(rule_count, 0);
	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	ck_assert_uint_eq(source_count(), 0);

	SET_CONFIG(rule_count, 1);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
}
END_TEST

/* ---- per-source meters ------------------------------------------------ */

/* Burst B: B packets pass, then the source is refused until its meter
 * refills; other sources have their own. */
START_TEST(test_pps_burst)
{
	struct guard_source_key ka = skey(CASE_SRC4, 8000, IPPROTO_UDP);
	struct guard_source sa;
	uint64_t t;
	int i;

	uint64_t first_tat;

	limit_pps(8000, IPPROTO_UDP, 5);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	ck_assert(source_get(&ka, &sa));
	first_tat = sa.pkt_tat;
	for (i = 1; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);

	for (i = 0; i < 5; i++)
		expect_udp("192.0.2.2", 8000, GUARD_REASON_PASS);
	expect_udp("192.0.2.2", 8000, GUARD_REASON_RATE);

	/* Refused packets did not move the meter: four more passes went
	 * in, so tat is four seconds after the first pass left it.  (Its
	 * base is the clock the meters run on, the coarse one here, so it
	 * is not compared with first_seen_ns, which is fine.) */
	ck_assert(source_get(&ka, &sa));
	ck_assert_uint_eq(sa.pkt_tat - first_tat, 4 * SEC_NS);

	/* Three seconds of the four-second tolerance in use: room for
	 * exactly two.  On the meters' clock: a tat three seconds after the
	 * fine clock would be more than three after the coarse one. */
	t = monotonic_coarse_ns();
	sa.pkt_tat = t + 3 * SEC_NS;
	source_put(&ka, &sa);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);

	/* Idle long enough: the whole burst again, no more. */
	sa.pkt_tat = t - 60 * SEC_NS;
	source_put(&ka, &sa);
	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
}
END_TEST

/* 10 pps with this burst: the burst passes and the next is refused; after
 * 120 ms (one interval and a little), one packet passes again. */
static void expect_refill(unsigned int burst)
{
	struct guard_limit l = { .port = 8000, .proto = IPPROTO_UDP, .pps = 10, .burst = burst };
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 120 * MS_NS };

	limit(&l);
	for (unsigned int i = 0; i < burst; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	nanosleep(&nap, NULL);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
}

/* Refill on the program's own clock: 10 packets/s, burst 1. */
START_TEST(test_pps_refills_with_time)
{
	expect_refill(1);
}
END_TEST

/* With a burst that covers a tick, the meters run on the coarse clock:
 * the rate still refills on time, a packet per interval slept. */
START_TEST(test_pps_refills_on_tick)
{
	expect_refill(5);
}
END_TEST

/* A burst shorter than a tick keeps the fine clock: a thousand a second
 * with a burst of one lets a packet through every 1.5 ms, where the
 * coarse clock, standing still for a tick (4 ms at HZ=250), would not. */
START_TEST(test_meter_fine_when_burst_short)
{
	struct guard_limit l = { .port = 8000, .proto = IPPROTO_UDP, .pps = 1000, .burst = 1 };
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 1500 * 1000 };
	int i;

	limit(&l);
	for (i = 0; i < 10; i++) {
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
		nanosleep(&nap, NULL);
	}
}
END_TEST

/* IPv6 sources are counted per /64 by default. */
START_TEST(test_v6_prefix_shares_bucket)
{
	struct guard_source_key k = skey("2001:db8:1:2::", 0, IPPROTO_UDP);
	struct guard_source v;

	limit_pps(0, IPPROTO_UDP, 3);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2:ffff:ffff:ffff:ffff", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	expect_udp("2001:db8:1:2:8000::9", 53, GUARD_REASON_RATE);
	expect_udp("2001:db8:1:3::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:1:ffff::1", 53, GUARD_REASON_PASS);
	ck_assert(source_get(&k, &v));
	ck_assert_uint_eq(source_count(), 3);
}
END_TEST

/* v6_prefix_len 128: every address is its own source. */
START_TEST(test_v6_prefix_128)
{
	struct guard_source_key k = skey("2001:db8:1:2::1", 0, IPPROTO_UDP);
	struct guard_source v;
	int i;

	limit_pps(0, IPPROTO_UDP, 3);
	SET_CONFIG(v6_prefix_len, 128);
	for (i = 0; i < 3; i++)
		expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	for (i = 0; i < 3; i++)
		expect_udp("2001:db8:1:2::2", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::2", 53, GUARD_REASON_RATE);
	ck_assert(source_get(&k, &v));
	ck_assert_uint_eq(source_count(), 2);
}
END_TEST

/* A prefix length off the byte boundary cuts inside a byte: /60 keeps
 * the top 12 bits of the fourth group. */
START_TEST(test_v6_prefix_unaligned)
{
	struct guard_source_key k1 = skey("2001:db8:1::", 0, IPPROTO_UDP);
	struct guard_source_key k2 = skey("2001:db8:1:10::", 0, IPPROTO_UDP);
	struct guard_source v;

	limit_pps(0, IPPROTO_UDP, 3);
	SET_CONFIG(v6_prefix_len, 60);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:f::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:f::1", 53, GUARD_REASON_RATE);
	expect_udp("2001:db8:1:12::1", 53, GUARD_REASON_PASS);
	ck_assert(source_get(&k1, &v));
	ck_assert(source_get(&k2, &v));
	ck_assert_uint_eq(source_count(), 2);
}
END_TEST

/*
 * Bytes per second: 1000 B/s with a 3000-byte burst, so a 1000-byte frame
 * costs a second and a 100-byte frame a tenth.  A packet conforms while
 * the meter is at most the tolerance ahead, so the burst is the tolerance
 * divided by the cost, plus the packet that finds the meter exactly full.
 */
START_TEST(test_bytes_meter)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .bps = 1000, .bytes_burst = 3000,
	};
	struct frame big, small, small_a;

	limit(&l);
	build(&big, CASE_SRC4, IPPROTO_UDP, 8000, 0, 1000);
	build(&small_a, CASE_SRC4, IPPROTO_UDP, 8000, 0, 100);
	build(&small, "192.0.2.2", IPPROTO_UDP, 8000, 0, 100);

	ck_assert_uint_eq(passes_before(&big, GUARD_REASON_RATE), 3 + 1);
	/* Spent is spent, whatever the next frame's size. */
	EXPECT_FRAME(&small_a, GUARD_REASON_RATE);
	ck_assert_uint_eq(passes_before(&small, GUARD_REASON_RATE), 30 + 1);
}
END_TEST

/* SYN/s counts SYNs without ACK only; SYN drops are SYN_RATE. */
START_TEST(test_syn_meter)
{
	struct guard_limit l = {
		.port = 443, .proto = IPPROTO_TCP, .syn_pps = 1, .syn_burst = 2,
	};
	int i;

	limit(&l);
	for (i = 0; i < 10; i++) {
		expect_tcp(CASE_SRC4, 443, TCP_ACK, GUARD_REASON_PASS);
		expect_tcp(CASE_SRC4, 443, TCP_SYN | TCP_ACK, GUARD_REASON_PASS);
	}
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_SYN_RATE);
	/* Only SYNs are held back. */
	expect_tcp(CASE_SRC4, 443, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_SYN | TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_RST, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_SYN_RATE);

	/* ECN bits on a SYN do not hide it. */
	expect_tcp("192.0.2.2", 443, TCP_SYN | TCP_ECE | TCP_CWR, GUARD_REASON_PASS);
	expect_tcp("192.0.2.2", 443, TCP_SYN | TCP_ECE | TCP_CWR, GUARD_REASON_PASS);
	expect_tcp("192.0.2.2", 443, TCP_SYN | TCP_ECE | TCP_CWR,
		   GUARD_REASON_SYN_RATE);
}
END_TEST

/* ---- budgets ---------------------------------------------------------- */

#define FLOOD_NET "203.0.113."

static void flood_addr(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, FLOOD_NET "%u", i);
}

/* A source tracked since long before established_ns (2 s by default). */
/* The budgets' mark of a source (guard_maps.h): its slot's epoch byte. */
static uint8_t mark_get(const struct guard_source_key *k)
{
	struct guard_marks *m = malloc(sizeof(*m));
	uint32_t zero = 0;
	uint8_t epoch;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_MARKS], &zero, m), 0);
	epoch = m->epoch[guard_mark_slot(k)];
	free(m);
	return epoch;
}

static void mark_put(const struct guard_source_key *k, uint8_t epoch)
{
	struct guard_marks *m = malloc(sizeof(*m));
	uint32_t zero = 0;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_MARKS], &zero, m), 0);
	m->epoch[guard_mark_slot(k)] = epoch;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_MARKS], &zero, m, BPF_ANY), 0);
	free(m);
}

/* A source tracked for 3 s, marked as its packets before any budget drop
 * would have marked it. */
static void put_established(const char *addr, uint16_t port, uint8_t proto)
{
	struct guard_source_key k = skey(addr, port, proto);
	struct guard_source v = { .first_seen_ns = monotonic_ns() - 3 * SEC_NS };

	source_put(&k, &v);
	mark_put(&k, guard_mark_epoch(monotonic_ns()));
}

/*
 * A budget of one packet per second, burst 10 (tolerance 9 s): new sources
 * get half the tolerance, 4.5 s, which is five packets; an established
 * source may take the budget on to its full tolerance, five more.  A new
 * source is tracked only if it passed.
 */
START_TEST(test_budget_new_and_established)
{
	struct guard_limit l = { .proto = 0, .budget_pps = 1, .budget_burst = 10 };
	struct guard_source_key k;
	struct guard_source v;
	char addr[32];
	unsigned int i;

	limit(&l);
	put_established(CASE_SRC4, 0, 0);
	for (i = 0; i < 20; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 5 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	ck_assert_uint_eq(source_count(), 1 + 5);
	for (i = 0; i < 20; i++) {
		flood_addr(addr, sizeof(addr), i);
		k = skey(addr, 0, 0);
		ck_assert_msg(source_get(&k, &v) == (i < 5), "%s tracked: %d", addr, !(i < 5));
	}

	/* Tracked but young: still new to the budget. */
	flood_addr(addr, sizeof(addr), 0);
	expect_udp(addr, 53, GUARD_REASON_BUDGET);
	/* The established source has the rest. */
	for (i = 0; i < 5; i++)
		expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_BUDGET);
	ck_assert_uint_eq(source_count(), 1 + 5);
}
END_TEST

/* config.established_ns sets the age that counts as established. */
START_TEST(test_budget_established_setting)
{
	struct guard_limit l = { .proto = 0, .budget_pps = 1, .budget_burst = 10 };
	char addr[32];
	unsigned int i;

	limit(&l);
	/* Source 0 twice, before any drop: tracked, then marked.  Five new
	 * packets in all, then drops. */
	flood_addr(addr, sizeof(addr), 0);
	expect_udp(addr, 53, GUARD_REASON_PASS);
	for (i = 0; i < 5; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 4 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	flood_addr(addr, sizeof(addr), 0);
	expect_udp(addr, 53, GUARD_REASON_BUDGET);

	/* Established after 1 ns: source 0, seen 100 ms ago (the budget
	 * reads its clock to the tick), now is; by default it would not
	 * be. */
	source_age(addr, 100 * MS_NS);
	SET_CONFIG(established_ns, 1);
	expect_udp(addr, 53, GUARD_REASON_PASS);
	/* Untracked sources are new, whatever the setting. */
	expect_udp(FLOOD_NET "100", 53, GUARD_REASON_BUDGET);
}
END_TEST

/* A source refused by its own meter does not spend the budget. */
START_TEST(test_budget_after_source_meters)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .pps = 1, .burst = 1, .budget_pps = 1,
		.budget_burst = 10,
	};
	char addr[32];
	unsigned int i;

	limit(&l);
	expect_udp(CASE_SRC4, 53, GUARD_REASON_PASS);
	for (i = 0; i < 20; i++)
		expect_udp(CASE_SRC4, 53, GUARD_REASON_RATE);
	for (i = 0; i < 5; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 4 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
}
END_TEST

/* A budget spent beyond even an established source's share drops a
 * packet before its source is looked at: a tracked source over its own
 * meter is then counted under the budget, not its rate, and its run of
 * drops (what auto-ban counts) does not start. */
START_TEST(test_budget_spent_drops_first)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .pps = 1, .burst = 1, .budget_pps = 1,
		.budget_burst = 1,
	};
	struct guard_source_key k = skey(CASE_SRC4, 0, IPPROTO_UDP);
	struct guard_source src;
	int i;

	limit(&l);
	expect_udp(CASE_SRC4, 53, GUARD_REASON_PASS);
	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 53, GUARD_REASON_BUDGET);
	ck_assert(source_get(&k, &src));
	ck_assert_uint_eq(src.over_since_ns, 0);
	ck_assert_uint_eq(src.last_drop_ns, 0);
}
END_TEST

/* A flood from many sources: the budget lets the first few through and
 * the per-source map grows by those few only.  The loop may take long
 * enough on a loaded machine for the budget to refill by a packet or two;
 * the map must still hold exactly the sources that passed. */
START_TEST(test_budget_many_sources)
{
	struct guard_limit l = { .proto = 0, .budget_pps = 1, .budget_burst = 10 };
	unsigned int i, passed = 0, refused = 0;
	uint64_t t0, refill;
	struct frame f;

	limit(&l);
	t0 = monotonic_ns();
	for (i = 0; i < 1000; i++) {
		char addr[32], why[256];
		uint32_t retval;
		int reason;

		snprintf(addr, sizeof(addr), "10.%u.%u.1", i / 256, i % 256);
		build(&f, addr, IPPROTO_UDP, 53, 0, 0);
		ck_assert_msg(guard_run_counted(&tg, f.data, f.len, &retval, &reason,
						why, sizeof(why)) == 0, "%s", why);
		passed += reason == GUARD_REASON_PASS;
		refused += reason == GUARD_REASON_BUDGET;
	}
	refill = (monotonic_ns() - t0) / SEC_NS + 1;
	ck_assert_uint_ge(passed, 5);
	ck_assert_uint_le(passed, 5 + refill);
	ck_assert_uint_eq(passed + refused, 1000);
	ck_assert_uint_eq(source_count(), passed);
}
END_TEST

/* The SYN budget holds SYNs only. */
START_TEST(test_budget_syn)
{
	struct guard_limit l = {
		.port = 443, .proto = IPPROTO_TCP, .budget_syn_pps = 1,
		.budget_syn_burst = 5,
	};
	char addr[32];
	unsigned int i;

	/* Tolerance 4 s, half of it for new sources: three SYNs. */
	limit(&l);
	for (i = 0; i < 10; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_tcp(addr, 443, TCP_SYN, i < 3 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	for (i = 10; i < 20; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_tcp(addr, 443, TCP_ACK, GUARD_REASON_PASS);
	}
}
END_TEST

/* A SYN flood the SYN budget refuses leaves the packet budget to the rest
 * of the traffic: the SYN budget is spent first. */
START_TEST(test_budget_syn_spares_packet_budget)
{
	struct guard_limit l = {
		.port = 443, .proto = IPPROTO_TCP, .budget_pps = 1, .budget_burst = 11,
		.budget_syn_pps = 1, .budget_syn_burst = 5,
	};
	char addr[32];
	unsigned int i;

	/* New sources get half of each tolerance: three SYNs (of the SYN
	 * budget's 4 s) and six packets (of the packet budget's 10 s).  The
	 * three SYNs that pass spend three packets; the thirty refused
	 * spend none, so three more packets pass after them. */
	limit(&l);
	for (i = 0; i < 33; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_tcp(addr, 443, TCP_SYN, i < 3 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	for (i = 0; i < 4; i++) {
		flood_addr(addr, sizeof(addr), 100 + i);
		expect_tcp(addr, 443, TCP_ACK, i < 3 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
}
END_TEST

/*
 * "Established" means old enough and there before the budget's current run
 * of drops: a source of the flood that got in and grew old during it stays
 * new (half the tolerance), while a client from before the flood keeps the
 * whole of it.
 */
START_TEST(test_established_predates_budget_drops)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 11,
	};
	struct guard_source_key kc = skey("192.0.2.50", 0, IPPROTO_UDP);
	struct guard_source_key ks = skey("192.0.2.51", 0, IPPROTO_UDP);
	struct guard_source old = { 0 };
	struct guard_rule_state rs;
	char addr[32];
	uint32_t slot = 0;
	uint64_t now;
	unsigned int i;

	/* Tolerance 10 s, half for new sources: six new packets, then drops. */
	limit(&l);
	for (i = 0; i < 7; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 6 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	/* The run of drops began 5 s ago; the client was seen 10 s ago, the
	 * spoofed source 3 s ago: both are older than the 2 s it takes. */
	now = monotonic_ns();
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_RULE_STATE], &slot, &rs), 0);
	rs.over_since_ns = now - 5 * SEC_NS;
	rs.last_over_ns = now;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULE_STATE], &slot, &rs, BPF_ANY), 0);
	old.first_seen_ns = now - 10 * SEC_NS;
	source_put(&kc, &old);
	old.first_seen_ns = now - 3 * SEC_NS;
	source_put(&ks, &old);
	/* Both marked, as if by a hash collision for the spoofed one: the
	 * verdict comes from the source's own state, not from the mark. */
	mark_put(&kc, guard_mark_epoch(now));
	mark_put(&ks, guard_mark_epoch(now));
	expect_udp("192.0.2.51", 53, GUARD_REASON_BUDGET);
	expect_udp("192.0.2.50", 53, GUARD_REASON_PASS);
}
END_TEST

/* A packet of a tracked source that passes while the budget is not
 * dropping marks the source with the current epoch; a flood source let in
 * during a run of drops is not marked. */
START_TEST(test_marks_made_while_quiet)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 11,
	};
	struct guard_source_key k = skey("192.0.2.60", 0, IPPROTO_UDP);
	struct guard_source_key kf;
	struct guard_rule_state rs;
	uint32_t slot = 0;
	char addr[32];
	uint8_t e0, e1, got;
	unsigned int i;

	limit(&l);
	/* The first packet only starts tracking the source: a spoofed
	 * flood's sources are each seen once. */
	expect_udp("192.0.2.60", 53, GUARD_REASON_PASS);
	ck_assert_uint_eq(mark_get(&k), 0);
	e0 = guard_mark_epoch(monotonic_ns());
	expect_udp("192.0.2.60", 53, GUARD_REASON_PASS);
	e1 = guard_mark_epoch(monotonic_ns());
	got = mark_get(&k);
	ck_assert_msg(got == e0 || got == e1, "mark %u, epoch %u..%u", got, e0, e1);

	/* Spend the rest of the new sources' half (six packets): drops
	 * begin. */
	for (i = 0; i < 5; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 4 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	/* One second of budget comes back.  The run of drops goes on (a
	 * drop just now, as a flood would make): the source the budget lets
	 * in arrives during it, and gets no mark. */
	sleep(1);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_RULE_STATE], &slot, &rs), 0);
	rs.last_over_ns = monotonic_ns();
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULE_STATE], &slot, &rs, BPF_ANY), 0);
	flood_addr(addr, sizeof(addr), 10);
	kf = skey(addr, 0, IPPROTO_UDP);
	expect_udp(addr, 53, GUARD_REASON_PASS);
	ck_assert_uint_eq(mark_get(&kf), 0);
}
END_TEST

/*
 * What a flood that pauses and comes back looks like: its sources tracked
 * from before, their last packets passed long ago, and the budget quiet.
 * Such a packet passes but gives no mark; a second one soon after does.
 */
START_TEST(test_no_mark_after_long_silence)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 11,
	};
	struct guard_source_key k = skey("192.0.2.61", 0, IPPROTO_UDP);
	uint64_t now = monotonic_ns();
	struct guard_source v = {
		.first_seen_ns = now - 10 * SEC_NS,
		.last_pass_ns = now - 5 * SEC_NS,
	};
	struct guard_source after;

	limit(&l);
	source_put(&k, &v);
	expect_udp("192.0.2.61", 53, GUARD_REASON_PASS);
	ck_assert_uint_eq(mark_get(&k), 0);
	/* The pass itself was recorded ... */
	ck_assert(source_get(&k, &after));
	ck_assert_uint_ge(after.last_pass_ns + COARSE_BEHIND_NS, now);
	/* ... so the next packet, within a second, is a client's. */
	expect_udp("192.0.2.61", 53, GUARD_REASON_PASS);
	ck_assert_uint_ne(mark_get(&k), 0);
}
END_TEST

/*
 * During a run of drops, a source seen before the run gets no new mark,
 * however often it comes; one marked before the run has its mark brought
 * to the current epoch, so that a client busy through a long flood keeps
 * it.
 */
START_TEST(test_marks_during_drops)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 11,
	};
	struct guard_source_key ka = skey("192.0.2.62", 0, IPPROTO_UDP);
	struct guard_source_key kb = skey("192.0.2.63", 0, IPPROTO_UDP);
	struct guard_rule_state rs = { 0 };
	uint64_t now = monotonic_ns();
	struct guard_source v = {
		.first_seen_ns = now - 10 * SEC_NS,
		.last_pass_ns = now,
	};
	uint8_t cur = guard_mark_epoch(now), prev = cur == 1 ? 255 : cur - 1, got;
	uint32_t slot = 0;

	limit(&l);
	/* A run of drops that began 5 s ago and goes on; the budget itself
	 * is not spent, so both sources' packets pass. */
	rs.over_since_ns = now - 5 * SEC_NS;
	rs.last_over_ns = now;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULE_STATE], &slot, &rs, BPF_ANY), 0);
	source_put(&ka, &v);
	source_put(&kb, &v);
	ck_assert_uint_ne(guard_mark_slot(&ka), guard_mark_slot(&kb));
	mark_put(&kb, prev);

	expect_udp("192.0.2.62", 53, GUARD_REASON_PASS);
	expect_udp("192.0.2.62", 53, GUARD_REASON_PASS);
	ck_assert_uint_eq(mark_get(&ka), 0);
	expect_udp("192.0.2.63", 53, GUARD_REASON_PASS);
	got = mark_get(&kb);
	ck_assert_msg(got == guard_mark_epoch(monotonic_ns()) || got == cur,
		      "mark %u, epoch %u", got, cur);
}
END_TEST

/*
 * While the budget is spent beyond the new sources' half, a source without
 * a current mark is dropped before it is looked up, even one established
 * by its age; with a mark it is looked up and passes.  A mark two epochs
 * old has faded.
 */
START_TEST(test_unmarked_dropped_early)
{
	struct guard_limit l = { .proto = 0, .budget_pps = 1, .budget_burst = 10 };
	struct guard_source_key k = skey(CASE_SRC4, 0, 0);
	struct guard_source before, after;
	char addr[32];
	uint8_t now_epoch;
	unsigned int i;

	limit(&l);
	put_established(CASE_SRC4, 0, 0);
	for (i = 0; i < 6; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 53, i < 5 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	now_epoch = guard_mark_epoch(monotonic_ns());

	mark_put(&k, 0);
	ck_assert(source_get(&k, &before));
	expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_BUDGET);
	/* Dropped before the lookup: its meters did not move. */
	ck_assert(source_get(&k, &after));
	ck_assert_uint_eq(after.pkt_tat, before.pkt_tat);

	/* Two epochs back has faded; the one before the current still
	 * counts (wrapping from 1 to 255). */
	mark_put(&k, now_epoch > 2 ? now_epoch - 2 : now_epoch + 253);
	expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_BUDGET);
	mark_put(&k, now_epoch == 1 ? 255 : now_epoch - 1);
	expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_PASS);
	mark_put(&k, now_epoch);
	expect_tcp(CASE_SRC4, 80, TCP_ACK, GUARD_REASON_PASS);
}
END_TEST

/*
 * A spent budget drops only what its rule covers, after every other
 * verdict: the lists' (through the IPv4 index, set as user space would
 * for the two entries), the malformed transport header, and not a later
 * fragment (no port, so no port rule) nor other ports and protocols.
 */
START_TEST(test_spent_budget_keeps_other_verdicts)
{
	struct guard_limit port_rule = {
		.port = 8000, .proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 1,
	};
	/* A malformed header reads as port 0, which this rule covers too. */
	struct guard_limit any_rule = { .proto = 0, .budget_pps = 1, .budget_burst = 1 };
	struct frame f;
	uint16_t len;

	LIST_OK(guard_block(&tg, "198.51.100.66", 0));
	LIST_OK(guard_allow(&tg, "203.0.113.77", 0));
	cells_set(GUARD_CELLS_V4, CELL(198, 51), GUARD_CELL_HOST);
	cell_add(CELL(203, 0), GUARD_CELL_ALLOW);
	dir_set("198.51.100.66", 66 << GUARD_DIR_LONE_SHIFT | GUARD_DIR_HOST);
	limit(&port_rule);
	expect_udp("192.0.2.5", 8000, GUARD_REASON_PASS);
	expect_udp("192.0.2.6", 8000, GUARD_REASON_BUDGET);
	expect_udp("192.0.2.6", 8000, GUARD_REASON_BUDGET);

	expect_udp("198.51.100.66", 8000, GUARD_REASON_BLOCK);
	expect_udp("203.0.113.77", 8000, GUARD_REASON_ALLOW);
	later_fragment(&f, "192.0.2.7", IPPROTO_UDP);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	expect_udp("192.0.2.7", 8001, GUARD_REASON_PASS);
	expect_tcp("192.0.2.7", 8000, TCP_ACK, GUARD_REASON_PASS);
	expect_udp("192.0.2.8", 8000, GUARD_REASON_BUDGET);

	limit(&any_rule);
	build(&f, "192.0.2.9", IPPROTO_ICMP, 0, 0, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	expect_udp("192.0.2.10", 53, GUARD_REASON_BUDGET);
	for (len = 0; len < 8; len++) {
		build(&f, "192.0.2.11", IPPROTO_UDP, 53, 0, 0);
		frame_put16(&f, f.l4_off + 4, len);
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
	/* An IP length that cuts the UDP header short. */
	build(&f, "192.0.2.11", IPPROTO_UDP, 53, 0, 0);
	frame_put16(&f, f.l3_off + 2, 20 + 4);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	/* A TCP data offset below the header's own length. */
	build(&f, "192.0.2.11", IPPROTO_TCP, 80, TCP_ACK, 0);
	f.data[f.l4_off + 12] = 4 << 4;
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	expect_tcp("192.0.2.11", 80, TCP_ACK, GUARD_REASON_BUDGET);
}
END_TEST

/* An ICMPv6 message of type type from src with the given hop limit. */
static void build_icmp6_hops(struct frame *f, const char *src, uint8_t type, uint8_t hops)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_icmp6(f, type, 0);
	frame_payload(f, 16, 0);
	BUILD_OK(frame_finish(f));
	/* Outside the checksum's pseudo-header: patched after it. */
	f->data[f->l3_off + 7] = hops;
}

/* Neighbour discovery (ICMPv6 133-137, with the hop limit of 255 that RFC
 * 4861 requires) is never limited, even by an icmp rule of one packet per
 * second; an echo request from the same source is.  So are the same types
 * with any other hop limit, which only a sender beyond a router can have
 * sent, and IPv4 packets of protocol 58, which are not ICMPv6 at all. */
START_TEST(test_neighbour_discovery_not_limited)
{
	static const uint8_t nd_start[8] = { 135 };
	uint8_t type;
	struct frame f;
	int i;

	limit_pps(0, IPPROTO_ICMP, 1);
	for (type = 133; type <= 137; type++) {
		build_icmp6_hops(&f, "fe80::1", type, 255);
		for (i = 0; i < 5; i++)
			EXPECT_FRAME(&f, GUARD_REASON_PASS);
	}
	build(&f, "fe80::1", IPPROTO_ICMP, 0, 0, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	EXPECT_FRAME(&f, GUARD_REASON_RATE);

	build_icmp6_hops(&f, "2001:db8:77::1", 135, 254);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	EXPECT_FRAME(&f, GUARD_REASON_RATE);

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.77", CASE_DST4);
	frame_set_next(&f, IPPROTO_ICMPV6);
	frame_raw(&f, nd_start, sizeof(nd_start));
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	EXPECT_FRAME(&f, GUARD_REASON_RATE);
}
END_TEST

/* ---- auto-ban --------------------------------------------------------- */

static void expect_ban_entry(const struct guard_entry *e, uint16_t port, uint8_t proto,
			     uint8_t plen, uint64_t t0, uint64_t t1, uint64_t ban_for)
{
	ck_assert_uint_eq(e->origin, GUARD_ORIGIN_AUTOBAN);
	ck_assert_uint_eq(e->rule_port, port);
	ck_assert_uint_eq(e->rule_proto, proto);
	ck_assert_uint_eq(e->prefix_len, plen);
	ck_assert_uint_ge(e->expires_ns, t0 + ban_for);
	ck_assert_uint_le(e->expires_ns, t1 + ban_for);
}

static size_t map_size(enum guard_map_id id)
{
	uint8_t key[64], next[64];
	size_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(tg.map_fd[id], prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

/*
 * ban_after 1 ns: the first drop starts the run of drops, the next one,
 * later by more than a nanosecond, bans.  The ban is a blocklist entry,
 * so it holds the source on every port.
 */
START_TEST(test_autoban_v4)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .pps = 1, .burst = 2,
		.ban_after_ns = 1, .ban_for_ns = HOUR_NS,
	};
	struct in_addr a;
	struct guard_entry e;
	uint64_t t0, t1;

	ck_assert_int_eq(inet_pton(AF_INET, CASE_SRC4, &a), 1);
	limit(&l);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);

	t0 = monotonic_ns();
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	t1 = monotonic_ns();
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_BLOCK_V4], &a, &e), 0);
	expect_ban_entry(&e, 8000, IPPROTO_UDP, 32, t0, t1, HOUR_NS);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 1);
	ck_assert_uint_eq(map_size(GM_BLKNET_V4), 0);

	expect_udp(CASE_SRC4, 8000, GUARD_REASON_BAN);
	expect_tcp(CASE_SRC4, 22, TCP_SYN, GUARD_REASON_BAN);
	expect_udp("192.0.2.2", 8000, GUARD_REASON_PASS);
}
END_TEST

/* A ban marks its /16 and /24 in the index, so that it holds before user
 * space has opened every cell for the rule (or if it never could); the
 * /24's lone-host byte, naming another address, goes. */
START_TEST(test_autoban_marks_index)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 1, .ban_for_ns = HOUR_NS,
	};
	struct guard_cells_v4 *cells = malloc(sizeof(*cells));
	struct guard_dir_v4 *dir = malloc(sizeof(*dir));
	struct guard_config cfg;
	uint32_t zero = 0, chunk = 192;

	ck_assert_ptr_nonnull(cells);
	ck_assert_ptr_nonnull(dir);
	limit(&l);
	LIST_OK(guard_config_get(&tg, &cfg));
	/* In use, and all clear but for 192.0.2.7 alone in its /24. */
	cfg.skip_lists |= GUARD_CELLS_V4;
	LIST_OK(guard_config_set(&tg, &cfg));
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_DIR_V4], &chunk, dir), 0);
	dir->cell[0 << 8 | 2] = GUARD_DIR_HOST | 7 << GUARD_DIR_LONE_SHIFT;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_DIR_V4], &chunk, dir, BPF_ANY), 0);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 1);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_BAN);

	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_CELLS_V4], &zero, cells), 0);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_DIR_V4], &chunk, dir), 0);
	ck_assert_uint_eq(cells->cell[192 << 8 | 0], GUARD_CELL_HOST);	/* 192.0.2.1 */
	ck_assert_uint_eq(dir->cell[0 << 8 | 2], GUARD_DIR_HOST);
	free(cells);
	free(dir);
}
END_TEST

/* An IPv6 ban marks its /32 in the IPv6 index, for the moment before user
 * space stops using it for the rule: a /64 as deep, a host as a host. */
START_TEST(test_autoban_marks_index_v6)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 1, .ban_for_ns = HOUR_NS,
	};
	struct guard_dir_v6 d;
	uint8_t a[16];
	uint32_t key;

	ck_assert_int_eq(inet_pton(AF_INET6, CASE_SRC6, a), 1);
	memcpy(&key, a, 4);
	limit(&l);
	expect_udp(CASE_SRC6, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC6, 8000, GUARD_REASON_RATE);
	expect_udp(CASE_SRC6, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLKNET_V6), 1);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_DIR_V6], &key, &d), 0);
	ck_assert_uint_eq(d.flags, GUARD_DIR_DEEP);
	ck_assert_uint_eq(d.len, 0);
}
END_TEST

/*
 * ban_after 10 s: a source is banned once its drops have gone on that
 * long, with no gap of over a second between them; a gap starts the run
 * afresh.  The run's start is moved into the past in the map.
 */
START_TEST(test_autoban_after)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 10 * SEC_NS, .ban_for_ns = HOUR_NS,
	};
	struct guard_source_key ka = skey(CASE_SRC4, 8000, IPPROTO_UDP);
	struct guard_source_key kb = skey("192.0.2.2", 8000, IPPROTO_UDP);
	struct guard_source v;
	struct in_addr a;
	struct guard_entry e;
	uint64_t t;
	int i;

	limit(&l);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);

	/* Dropping for 11 s, the last drop half a second ago. */
	ck_assert(source_get(&ka, &v));
	ck_assert_uint_ne(v.over_since_ns, 0);
	t = monotonic_ns();
	v.over_since_ns = t - 11 * SEC_NS;
	v.last_drop_ns = t - SEC_NS / 2;
	source_put(&ka, &v);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_int_eq(inet_pton(AF_INET, CASE_SRC4, &a), 1);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_BLOCK_V4], &a, &e), 0);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_BAN);

	/* Unblocked by hand, still over its limit: a ban ends the run of
	 * drops, so it takes another ban_after to be banned again. */
	ck_assert_int_eq(bpf_map_delete_elem(tg.map_fd[GM_BLOCK_V4], &a), 0);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);

	/* The same, but the last drop two seconds ago: a new run. */
	expect_udp("192.0.2.2", 8000, GUARD_REASON_PASS);
	expect_udp("192.0.2.2", 8000, GUARD_REASON_RATE);
	ck_assert(source_get(&kb, &v));
	t = monotonic_ns();
	v.over_since_ns = t - 11 * SEC_NS;
	v.last_drop_ns = t - 2 * SEC_NS;
	source_put(&kb, &v);
	expect_udp("192.0.2.2", 8000, GUARD_REASON_RATE);
	expect_udp("192.0.2.2", 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);
	ck_assert(source_get(&kb, &v));
	ck_assert_uint_ge(v.over_since_ns, t);
}
END_TEST

/* Without auto-ban, drops go on for ever and nothing is banned. */
START_TEST(test_no_autoban_without_flag)
{
	struct guard_source_key k = skey(CASE_SRC4, 8000, IPPROTO_UDP);
	struct guard_source v;
	int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert(source_get(&k, &v));
	v.over_since_ns = monotonic_ns() - HOUR_NS;
	source_put(&k, &v);
	for (i = 0; i < 10; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);
	ck_assert_uint_eq(map_size(GM_BLKNET_V4), 0);
}
END_TEST

/* An IPv6 source is banned as the prefix it is counted by: a /64 in the
 * trie by default. */
START_TEST(test_autoban_v6_prefix)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 1, .ban_for_ns = 60 * SEC_NS,
	};
	struct guard_lpm_v6 key = { .prefixlen = 64 };
	struct guard_entry e;
	uint64_t t0, t1;

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1:2::", key.addr), 1);
	limit(&l);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t0 = monotonic_ns();
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t1 = monotonic_ns();

	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_BLKNET_V6], &key, &e), 0);
	expect_ban_entry(&e, 0, IPPROTO_UDP, 64, t0, t1, 60 * SEC_NS);
	ck_assert_uint_eq(map_size(GM_BLKNET_V6), 1);
	ck_assert_uint_eq(map_size(GM_BLOCK_V6), 0);

	expect_tcp("2001:db8:1:2:abcd::7", 443, TCP_SYN, GUARD_REASON_BAN);
	expect_udp("2001:db8:1:3::1", 53, GUARD_REASON_PASS);
}
END_TEST

/* With v6_prefix_len 128 the ban is for one address, in the host hash. */
START_TEST(test_autoban_v6_host)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 1, .ban_for_ns = 60 * SEC_NS,
	};
	struct guard_addr_v6 key;
	struct guard_entry e;
	uint64_t t0, t1;

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1:2::1", key.addr), 1);
	limit(&l);
	SET_CONFIG(v6_prefix_len, 128);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t0 = monotonic_ns();
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t1 = monotonic_ns();

	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_BLOCK_V6], &key, &e), 0);
	expect_ban_entry(&e, 0, IPPROTO_UDP, 128, t0, t1, 60 * SEC_NS);
	ck_assert_uint_eq(map_size(GM_BLOCK_V6), 1);
	ck_assert_uint_eq(map_size(GM_BLKNET_V6), 0);

	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_BAN);
	expect_udp("2001:db8:1:2::2", 53, GUARD_REASON_PASS);
}
END_TEST

/* The allowlist comes before rate limiting: never limited, never
 * banned, never tracked. */
START_TEST(test_allowlisted_never_limited)
{
	/* Budget burst 3: room for the check below that the rule still
	 * holds other sources (a budget spent outright would drop their
	 * packets as "budget" before their own meter is consulted). */
	struct guard_limit l = {
		.proto = 0, .pps = 1, .burst = 1, .budget_pps = 1, .budget_burst = 3,
		.ban_after_ns = 1, .ban_for_ns = HOUR_NS,
	};
	int i;

	LIST_OK(guard_allow(&tg, CASE_SRC4, 0));
	LIST_OK(guard_allow(&tg, "2001:db8::/64", 0));
	limit(&l);
	for (i = 0; i < 20; i++) {
		expect_udp(CASE_SRC4, 53, GUARD_REASON_ALLOW);
		expect_tcp(CASE_SRC6, 443, TCP_SYN, GUARD_REASON_ALLOW);
	}
	ck_assert_uint_eq(source_count(), 0);
	ck_assert_uint_eq(map_size(GM_BLOCK_V4), 0);
	ck_assert_uint_eq(map_size(GM_BLKNET_V6), 0);
	/* The rule is live for everyone else. */
	expect_udp("192.0.2.2", 53, GUARD_REASON_PASS);
	expect_udp("192.0.2.2", 53, GUARD_REASON_RATE);
}
END_TEST

/* ---- events ----------------------------------------------------------- */

#define MAX_EVENTS 16

/* Keep a tracked source over its packet meter for the next hour, so that
 * a long loop of its packets is all drops even on a slow machine. */
static void hold_over(const char *addr, uint16_t port, uint8_t proto)
{
	struct guard_source_key k = skey(addr, port, proto);
	struct guard_source v;

	ck_assert(source_get(&k, &v));
	v.pkt_tat = monotonic_ns() + HOUR_NS;
	source_put(&k, &v);
}

static uint64_t lost_events(void)
{
	struct guard_counters c;

	LIST_OK(guard_read_counters(&tg, &c));
	return c.slot[GUARD_SLOT_EVENTS_LOST].packets;
}

static size_t read_events(struct guard_event *ev)
{
	size_t n;

	LIST_OK(guard_read_events(&tg, ev, MAX_EVENTS, &n));
	ck_assert_uint_le(n, MAX_EVENTS);
	return n;
}

static void expect_event_source(const struct guard_event *ev, const char *addr,
				uint16_t port, uint8_t proto, uint8_t plen)
{
	struct guard_source_key want = skey(addr, port, proto);

	ck_assert_mem_eq(&ev->source, &want, sizeof(want));
	ck_assert_uint_eq(ev->prefix_len, plen);
}

/* The first drop of a source in the event window is told, the rest are
 * not; each source has its own window. */
START_TEST(test_event_drop)
{
	struct guard_event ev[MAX_EVENTS];
	uint64_t t0, t1;
	int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	ck_assert_uint_eq(read_events(ev), 0);
	t0 = monotonic_ns();
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	t1 = monotonic_ns();
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_DROP);
	ck_assert_uint_eq(ev[0].reason, GUARD_REASON_RATE);
	ck_assert_uint_ge(ev[0].time_ns, t0);
	ck_assert_uint_le(ev[0].time_ns, t1);
	ck_assert_uint_eq(ev[0].ban_ns, 0);
	expect_event_source(&ev[0], CASE_SRC4, 8000, IPPROTO_UDP, 32);

	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(read_events(ev), 0);

	expect_udp("2001:db8:1:2::1", 8000, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(read_events(ev), 1);
	expect_event_source(&ev[0], "2001:db8:1:2::", 8000, IPPROTO_UDP, 64);

	/* A shorter window: the next drop starts a new one. */
	SET_CONFIG(event_window_ns, 1);
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_DROP);
	expect_event_source(&ev[0], CASE_SRC4, 8000, IPPROTO_UDP, 32);
	ck_assert_uint_eq(lost_events(), 0);
}
END_TEST

/* Meters on the coarse clock (a burst that covers a tick) still stamp
 * their events with the fine one. */
START_TEST(test_event_time_on_tick)
{
	struct guard_limit l = { .port = 8000, .proto = IPPROTO_UDP, .pps = 10, .burst = 5 };
	struct guard_event ev[MAX_EVENTS];
	uint64_t t0, t1;
	int i;

	limit(&l);
	for (i = 0; i < 5; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	ck_assert_uint_eq(read_events(ev), 0);
	t0 = monotonic_ns();
	expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	t1 = monotonic_ns();
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_DROP);
	ck_assert_uint_ge(ev[0].time_ns, t0);
	ck_assert_uint_le(ev[0].time_ns, t1);
}
END_TEST

START_TEST(test_event_syn_drop)
{
	struct guard_limit l = {
		.port = 443, .proto = IPPROTO_TCP, .syn_pps = 1, .syn_burst = 1,
	};
	struct guard_event ev[MAX_EVENTS];

	limit(&l);
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_PASS);
	expect_tcp(CASE_SRC4, 443, TCP_SYN, GUARD_REASON_SYN_RATE);
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_DROP);
	ck_assert_uint_eq(ev[0].reason, GUARD_REASON_SYN_RATE);
	expect_event_source(&ev[0], CASE_SRC4, 443, IPPROTO_TCP, 32);
}
END_TEST

/* A ban is told with its length and the prefix banned. */
START_TEST(test_event_ban)
{
	struct guard_limit l = {
		.proto = IPPROTO_UDP, .pps = 1, .burst = 1,
		.ban_after_ns = 1, .ban_for_ns = 60 * SEC_NS,
	};
	struct guard_event ev[MAX_EVENTS];
	uint64_t t0, t1;

	limit(&l);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_PASS);
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t0 = monotonic_ns();
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_RATE);
	t1 = monotonic_ns();
	expect_udp("2001:db8:1:2::1", 53, GUARD_REASON_BAN);

	ck_assert_uint_eq(read_events(ev), 2);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_DROP);
	ck_assert_uint_eq(ev[1].type, GUARD_EVENT_BAN);
	ck_assert_uint_eq(ev[1].reason, GUARD_REASON_BAN);
	ck_assert_uint_eq(ev[1].ban_ns, 60 * SEC_NS);
	ck_assert_uint_ge(ev[1].time_ns, t0);
	ck_assert_uint_le(ev[1].time_ns, t1);
	expect_event_source(&ev[1], "2001:db8:1:2::", 0, IPPROTO_UDP, 64);
}
END_TEST

/* The first budget drop of a rule in a window is told, with the rule
 * and no source. */
START_TEST(test_event_budget)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 2,
	};
	struct guard_event ev[MAX_EVENTS];
	struct guard_source_key want;
	char addr[32];
	unsigned int i;

	/* Tolerance 1 s, half for new sources: one passes. */
	limit(&l);
	for (i = 0; i < 4; i++) {
		flood_addr(addr, sizeof(addr), i);
		expect_udp(addr, 8000, i < 1 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(ev[0].type, GUARD_EVENT_BUDGET);
	ck_assert_uint_eq(ev[0].reason, GUARD_REASON_BUDGET);
	memset(&want, 0, sizeof(want));
	want.rule.port = 8000;
	want.rule.proto = IPPROTO_UDP;
	ck_assert_mem_eq(&ev[0].source, &want, sizeof(want));
	ck_assert_uint_eq(ev[0].prefix_len, 0);
}
END_TEST

/* The events' own meter: one a second with a burst of three lets three
 * through; the others are counted as lost, and the drops go on all the
 * same. */
START_TEST(test_event_meter)
{
	struct guard_event ev[MAX_EVENTS];
	struct guard_config cfg;
	int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.event_window_ns = 1;	/* every drop wants an event */
	cfg.events.interval_ns = SEC_NS;
	cfg.events.tolerance_ns = 2 * SEC_NS;
	LIST_OK(guard_config_set(&tg, &cfg));

	expect_udp(CASE_SRC4, 8000, GUARD_REASON_PASS);
	for (i = 0; i < 8; i++)
		expect_udp(CASE_SRC4, 8000, GUARD_REASON_RATE);
	ck_assert_uint_eq(read_events(ev), 3);
	ck_assert_uint_eq(lost_events(), 5);
}
END_TEST

/* With no meter set, 1000 events a second in bursts of 100. */
START_TEST(test_event_meter_default)
{
	const unsigned int drops = 300;
	uint64_t t0, elapsed_ms, lost;
	struct frame f;
	size_t n;
	unsigned int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	SET_CONFIG(event_window_ns, 1);
	build(&f, CASE_SRC4, IPPROTO_UDP, 8000, 0, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	hold_over(CASE_SRC4, 8000, IPPROTO_UDP);
	t0 = monotonic_ns();
	for (i = 0; i < drops; i++)
		EXPECT_FRAME(&f, GUARD_REASON_RATE);
	elapsed_ms = (monotonic_ns() - t0) / MS_NS;

	LIST_OK(guard_read_events(&tg, NULL, 0, &n));
	lost = lost_events();
	ck_assert_uint_eq(n + lost, drops);
	/* The burst (tolerance 100 ms at 1 ms each: 101), plus what
	 * refilled while the loop ran. */
	ck_assert_uint_ge(n, 101);
	ck_assert_uint_le(n, 101 + elapsed_ms + 1);
}
END_TEST

/* A full ring buffer loses events, counted like the ones held back; once
 * read, it takes them again. */
START_TEST(test_event_ring_full)
{
	/* More than GUARD_EVENTS_BYTES can hold, whatever the record size. */
	const unsigned int drops = GUARD_EVENTS_BYTES / sizeof(struct guard_event) + 100;
	struct guard_event ev[MAX_EVENTS];
	struct guard_config cfg;
	struct frame f;
	uint32_t retval;
	size_t n;
	unsigned int i;

	limit_pps(8000, IPPROTO_UDP, 1);
	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.event_window_ns = 1;
	cfg.events.interval_ns = 1;		/* the meter lets all through */
	cfg.events.tolerance_ns = HOUR_NS;
	LIST_OK(guard_config_set(&tg, &cfg));

	build(&f, CASE_SRC4, IPPROTO_UDP, 8000, 0, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	hold_over(CASE_SRC4, 8000, IPPROTO_UDP);
	for (i = 0; i < drops; i++) {
		LIST_OK(guard_run(&tg, f.data, f.len, &retval, NULL, 0));
		ck_assert_uint_eq(retval, XDP_DROP);
	}
	LIST_OK(guard_read_events(&tg, NULL, 0, &n));
	ck_assert_uint_gt(lost_events(), 0);
	ck_assert_uint_eq(n + lost_events(), drops);

	EXPECT_FRAME(&f, GUARD_REASON_RATE);
	ck_assert_uint_eq(read_events(ev), 1);
	ck_assert_uint_eq(n + lost_events(), drops);
}
END_TEST

/* The budget tests, which run with either fixture: they add no list
 * entries and no auto-ban. */
/* ---- the budget's gate (struct guard_gate) ---------------------------- */

/* The gate is per CPU: a test that wants the gate its last run left
 * keeps its runs on one CPU. */
static void stay_on_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	ck_assert_int_ge(cpu, 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Each CPU's gate; returns how many CPUs there are (at most max). */
static int gates_read(struct guard_gate *gates, int max)
{
	uint32_t slot = GUARD_SLOT_GATE;

	ck_assert_int_le(tg.ncpus, max);
	_Static_assert(sizeof(struct guard_gate) % 8 == 0, "per-CPU values are 8-byte units");
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_COUNTERS], &slot, gates), 0);
	return tg.ncpus;
}

static void gates_clear(void)
{
	struct guard_gate gates[GATE_CPUS_MAX];
	uint32_t slot = GUARD_SLOT_GATE;

	memset(gates, 0, sizeof(gates));
	ck_assert_int_le(tg.ncpus, GATE_CPUS_MAX);
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_COUNTERS], &slot, gates, BPF_ANY), 0);
}

/* One frame's verdict: the action and the counter it moved. */
struct outcome {
	uint32_t action;
	int reason;
};

static struct outcome run_outcome(const struct frame *f)
{
	struct outcome o;
	char why[256];

	ck_assert_msg(guard_run_counted(&tg, f->data, f->len, &o.action, &o.reason, why,
					sizeof(why)) == 0,
		      "%s", why);
	return o;
}

/*
 * Whether this CPU's gate answers a new source's packet to 8000/udp now.
 * For one run the rule's budget state is set back to full, which user
 * space never does without writing the config: the full path then
 * passes the packet, and the gate, which does not read that state (it
 * needs not: within its jiffy the budget only fills), drops it.  The
 * state is put back after.
 */
static bool gate_answers(void)
{
	struct guard_rule_key rk = { .port = 8000, .proto = IPPROTO_UDP };
	struct guard_rule_state saved, full;
	struct guard_rule rule;
	int fd = tg.map_fd[GM_RULE_STATE];
	struct outcome o;
	struct frame f;

	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_RULES], &rk, &rule), 0);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &rule.slot, &saved), 0);
	full = saved;
	full.budget_tat = 0;
	ck_assert_int_eq(bpf_map_update_elem(fd, &rule.slot, &full, BPF_ANY), 0);
	build(&f, "203.0.113.250", IPPROTO_UDP, 8000, 0, 0);
	o = run_outcome(&f);
	ck_assert_int_eq(bpf_map_update_elem(fd, &rule.slot, &saved, BPF_ANY), 0);
	ck_assert(o.reason == GUARD_REASON_BUDGET || o.reason == GUARD_REASON_PASS);
	return o.reason == GUARD_REASON_BUDGET;
}

/* New sources, one address each, from space no list touches. */
static void new_source(char *buf, size_t size, unsigned int i)
{
	snprintf(buf, size, "198.18.%u.%u", (i >> 8) & 0xff, i & 0xff);
}

/*
 * A spent budget leaves its answer in the gate of the CPU that found it,
 * and the flood's next packets are dropped there without the full path:
 * only a tick (or a config write) takes them back to it.  With the gate
 * cleared before each packet, each is the full path's again.
 */
START_TEST(test_gate_drops_flood)
{
	struct guard_limit l = {
		.port = 8000, .proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 10,
	};
	struct guard_rule_key rk = { .port = 8000, .proto = IPPROTO_UDP };
	struct guard_gate gates[GATE_CPUS_MAX];
	struct guard_config cfg;
	unsigned int i, armed = 0, gated = 0;
	uint32_t rule_word;
	uint64_t t0, t1;
	char addr[32];
	int c, n;

	stay_on_cpu();
	limit(&l);
	t0 = monotonic_coarse_ns();
	for (i = 0; i < 6; i++) {
		new_source(addr, sizeof(addr), i);
		expect_udp(addr, 8000, i < 5 ? GUARD_REASON_PASS : GUARD_REASON_BUDGET);
	}
	t1 = monotonic_ns();

	LIST_OK(guard_config_get(&tg, &cfg));
	memcpy(&rule_word, &rk, sizeof(rule_word));
	n = gates_read(gates, GATE_CPUS_MAX);
	for (c = 0; c < n; c++) {
		if (!gates[c].stamp)
			continue;
		armed++;
		ck_assert_uint_eq(gates[c].stamp & 0xffff, guard_config_gen(cfg.skip_lists));
		ck_assert_uint_eq(gates[c].proto, IPPROTO_UDP);
		ck_assert_uint_eq(gates[c].dport, htons(8000));
		ck_assert_uint_eq(gates[c].rule_word, rule_word);
		ck_assert(gates[c].epoch == guard_mark_epoch(t0) ||
			  gates[c].epoch == guard_mark_epoch(t1));
	}
	ck_assert_uint_eq(armed, 1);

	/* Armed again just before, the gate answers (unless a tick came in
	 * between, each time); a tick later it is stale, and 30 ms is three
	 * ticks at HZ=100. */
	for (i = 0; i < 3 && !gated; i++) {
		new_source(addr, sizeof(addr), 10 + i);
		expect_udp(addr, 8000, GUARD_REASON_BUDGET);
		gated = gate_answers();
	}
	ck_assert(gated);
	usleep(30000);
	ck_assert(!gate_answers());
	gated = 0;

	/* Each probe's packet goes to the full path when a tick came
	 * between, and the drop after it arms the gate again.  100 runs
	 * take a millisecond or two, far fewer than 50 ticks. */
	for (i = 0; i < 100; i++) {
		new_source(addr, sizeof(addr), 100 + i);
		expect_udp(addr, 8000, GUARD_REASON_BUDGET);
		gated += gate_answers();
	}
	ck_assert_msg(gated >= 50, "the gate answered %u of 100", gated);

	for (i = 0; i < 20; i++) {
		gates_clear();
		ck_assert(!gate_answers());
	}
}
END_TEST

enum gate_frame_kind {
	GF_PLAIN, GF_OTHER_PORT, GF_TCP, GF_ICMP, GF_MARKED, GF_BLOCKED, GF_ALLOWED,
	GF_UDP_LEN, GF_IP_LEN, GF_TCP_DOFF, GF_LATER_FRAGMENT, GF_FIRST_FRAGMENT,
	GF_OPTIONS, GF_OPTIONS_FAKE_PORT, GF_VLAN, GF_V6, GF_COUNT,
};

/* The frames the gate must answer as the full path does, or leave to it:
 * each kind tells apart a gate without one of its checks. */
static void gate_frame(struct frame *f, enum gate_frame_kind kind, unsigned int variant)
{
	static const uint8_t fake_ports[4] = { 0x9c, 0x40, 0x1f, 0x40 };	/* 40000 -> 8000 */

	switch (kind) {
	case GF_PLAIN:
		build(f, "203.0.113.5", IPPROTO_UDP, 8000, 0, 0);
		break;
	case GF_OTHER_PORT:
		build(f, "203.0.113.5", IPPROTO_UDP, 8001, 0, 0);
		break;
	case GF_TCP:
		build(f, "203.0.113.5", IPPROTO_TCP, 8000, TCP_ACK, 0);
		break;
	case GF_ICMP:
		build(f, "203.0.113.5", IPPROTO_ICMP, 0, 0, 0);
		break;
	case GF_MARKED:
		build(f, "203.0.113.9", IPPROTO_UDP, 8000, 0, 0);
		break;
	case GF_BLOCKED:
		build(f, "198.51.100.66", IPPROTO_UDP, 8000, 0, 0);
		break;
	case GF_ALLOWED:
		build(f, "192.0.2.77", IPPROTO_UDP, 8000, 0, 0);
		break;
	case GF_UDP_LEN:
		build(f, "203.0.113.5", IPPROTO_UDP, 8000, 0, 0);
		frame_put16(f, f->l4_off + 4, variant % 8);
		break;
	case GF_IP_LEN:
		/* A total length that cuts the UDP header short. */
		build(f, "203.0.113.5", IPPROTO_UDP, 8000, 0, 0);
		frame_put16(f, f->l3_off + 2, 20 + variant % 8);
		break;
	case GF_TCP_DOFF:
		build(f, "203.0.113.5", IPPROTO_TCP, 8000, TCP_ACK, 0);
		f->data[f->l4_off + 12] = (variant % 5) << 4;
		break;
	case GF_LATER_FRAGMENT:
		later_fragment(f, "203.0.113.5", IPPROTO_UDP);
		break;
	case GF_FIRST_FRAGMENT:
		frame_init(f);
		frame_eth(f);
		frame_ipv4(f, "203.0.113.5", CASE_DST4);
		frame_ipv4_frag(f, 0, true);
		frame_udp(f, 40000, 8000);
		BUILD_OK(frame_finish(f));
		break;
	case GF_OPTIONS:
	case GF_OPTIONS_FAKE_PORT:
		/* With options the ports are further in; in the second, the
		 * options' last bytes read as port 8000 where the ports of a
		 * header without them would be. */
		frame_init(f);
		frame_eth(f);
		frame_ipv4(f, "203.0.113.5", CASE_DST4);
		frame_ipv4_options(f, 6);
		frame_udp(f, 40000, kind == GF_OPTIONS ? 8000 : 8001);
		BUILD_OK(frame_finish(f));
		if (kind == GF_OPTIONS_FAKE_PORT)
			memcpy(&f->data[f->l3_off + 20], fake_ports, sizeof(fake_ports));
		break;
	case GF_VLAN:
		frame_init(f);
		frame_eth(f);
		frame_vlan(f, ETH_P_8021Q, 7);
		frame_ipv4(f, "203.0.113.5", CASE_DST4);
		frame_udp(f, 40000, 8000);
		BUILD_OK(frame_finish(f));
		break;
	case GF_V6:
		build(f, "2001:db8::5", IPPROTO_UDP, 8000, 0, 0);
		break;
	default:
		ck_abort();
	}
}

/*
 * The gate answers as the full path would, or leaves the packet to it:
 * each frame runs once with the gate just armed and once with it cleared,
 * and both runs must give one verdict and one reason.  The lists hold a
 * blocked and (with_allow) an allowed address, through the IPv4 index, so
 * the early verdict takes its usual path or the other one; the rules are
 * a budget on 8000/udp, spent for new sources but with room for the one
 * established source, and a roomy 8000/tcp.
 */
static void gate_agrees(bool with_allow)
{
	struct guard_limit udp_rule = {
		.port = 8000, .proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 1000,
	};
	struct guard_limit tcp_rule = {
		.port = 8000, .proto = IPPROTO_TCP, .pps = 1000000, .burst = 1000000,
	};
	unsigned int kind, round, gated = 0;
	struct frame arm, f;
	char addr[32];

	stay_on_cpu();
	LIST_OK(guard_block(&tg, "198.51.100.66", 0));
	if (with_allow)
		LIST_OK(guard_allow(&tg, "192.0.2.77", 0));
	cells_set(GUARD_CELLS_V4 | (with_allow ? 0 : GUARD_SKIP_ALLOW_V4),
		  CELL(198, 51), GUARD_CELL_HOST);
	if (with_allow)
		cell_add(CELL(192, 0), GUARD_CELL_ALLOW);
	dir_set("198.51.100.66", 66 << GUARD_DIR_LONE_SHIFT | GUARD_DIR_HOST);
	limit(&udp_rule);
	limit(&tcp_rule);
	put_established("203.0.113.9", 8000, IPPROTO_UDP);
	/* New sources take half the budget's 999 s of tolerance. */
	for (round = 0; round < 1000; round++) {
		new_source(addr, sizeof(addr), round);
		build(&f, addr, IPPROTO_UDP, 8000, 0, 0);
		if (run_outcome(&f).reason == GUARD_REASON_BUDGET)
			break;
	}
	ck_assert_uint_lt(round, 1000);

	build(&arm, "203.0.113.200", IPPROTO_UDP, 8000, 0, 0);
	for (round = 0; round < 8; round++) {
		for (kind = 0; kind < GF_COUNT; kind++) {
			struct outcome gate_on, gate_off;

			gate_frame(&f, kind, round);
			ck_assert_int_eq(run_outcome(&arm).reason, GUARD_REASON_BUDGET);
			gate_on = run_outcome(&f);
			/* Armed before the run if it still is after it
			 * (or a drop of the run armed it again). */
			gated += gate_answers();
			gates_clear();
			gate_off = run_outcome(&f);
			ck_assert_msg(gate_on.action == gate_off.action &&
				      gate_on.reason == gate_off.reason,
				      "frame kind %u, round %u: %s (%s) with the gate, "
				      "%s (%s) without", kind, round,
				      xdp_action_name(gate_on.action), guard_reason_name(gate_on.reason),
				      xdp_action_name(gate_off.action), guard_reason_name(gate_off.reason));
		}
	}
	ck_assert_msg(gated >= GF_COUNT * 8 / 2, "the gate was armed for %u of %u runs", gated,
		      GF_COUNT * 8);
}

START_TEST(test_gate_agrees_usual)
{
	gate_agrees(false);
}
END_TEST

START_TEST(test_gate_agrees_with_allowlist)
{
	gate_agrees(true);
}
END_TEST

/*
 * A rule's change writes the config, and the gate it left goes stale at
 * once, not at the next tick: the budget taken off the rule, or the rule
 * removed, lets the next packet through.
 */
START_TEST(test_gate_follows_rule_change)
{
	struct guard_limit tight = {
		.port = 8000, .proto = IPPROTO_UDP, .budget_pps = 1, .budget_burst = 2,
	};
	/* No budget: a rule that changes keeps its budget's state. */
	struct guard_limit roomy = { .port = 8000, .proto = IPPROTO_UDP, .pps = 1000, .burst = 1000 };
	unsigned int round, i = 0;
	char addr[32];

	stay_on_cpu();
	for (round = 0; round < 20; round++) {
		struct frame f;

		limit(&tight);
		/* At most one new source passes; then the gate is armed. */
		new_source(addr, sizeof(addr), i++);
		build(&f, addr, IPPROTO_UDP, 8000, 0, 0);
		if (run_outcome(&f).reason == GUARD_REASON_PASS) {
			new_source(addr, sizeof(addr), i++);
			expect_udp(addr, 8000, GUARD_REASON_BUDGET);
		}
		if (round % 2) {
			limit(&roomy);
		} else {
			LIST_OK(guard_unlimit(&tg, 8000, IPPROTO_UDP));
		}
		new_source(addr, sizeof(addr), i++);
		expect_udp(addr, 8000, GUARD_REASON_PASS);
	}
}
END_TEST

static void add_budget_tests(TCase *tc)
{
	tcase_add_test(tc, test_budget_new_and_established);
	tcase_add_test(tc, test_budget_established_setting);
	tcase_add_test(tc, test_budget_after_source_meters);
	tcase_add_test(tc, test_budget_many_sources);
	tcase_add_test(tc, test_budget_syn);
	tcase_add_test(tc, test_budget_syn_spares_packet_budget);
	tcase_add_test(tc, test_budget_spent_drops_first);
	tcase_add_test(tc, test_established_predates_budget_drops);
	tcase_add_test(tc, test_marks_made_while_quiet);
	tcase_add_test(tc, test_unmarked_dropped_early);
	tcase_add_test(tc, test_no_mark_after_long_silence);
	tcase_add_test(tc, test_marks_during_drops);
}

Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	tcase_add_test(tc, test_rule_precedence);
	tcase_add_test(tc, test_rule_own_meter);
	tcase_add_test(tc, test_rule_udp_tcp_same_port);
	tcase_add_test(tc, test_rule_icmp_both_families);
	tcase_add_test(tc, test_rule_fragments);
	tcase_add_test(tc, test_no_rule_passes);
	tcase_add_test(tc, test_rule_count_zero);
	tcase_add_test(tc, test_rule_index_decides);
	suite_add_tcase(s, tc);

	/* The rule lookups again, with the rules in xg_rules alone. */
	tc = tcase_create("rules-unindexed");
	tcase_add_checked_fixture(tc, rl_setup_unindexed, rl_teardown_unindexed);
	tcase_add_test(tc, test_rule_precedence);
	tcase_add_test(tc, test_rule_own_meter);
	tcase_add_test(tc, test_rule_udp_tcp_same_port);
	tcase_add_test(tc, test_rule_icmp_both_families);
	tcase_add_test(tc, test_rule_fragments);
	tcase_add_test(tc, test_no_rule_passes);
	tcase_add_test(tc, test_rule_count_zero);
	tcase_add_test(tc, test_spent_budget_keeps_other_verdicts);
	suite_add_tcase(s, tc);

	tc = tcase_create("meters");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	tcase_add_test(tc, test_pps_burst);
	tcase_add_test(tc, test_pps_refills_with_time);
	tcase_add_test(tc, test_pps_refills_on_tick);
	tcase_add_test(tc, test_meter_fine_when_burst_short);
	tcase_add_test(tc, test_v6_prefix_shares_bucket);
	tcase_add_test(tc, test_v6_prefix_128);
	tcase_add_test(tc, test_v6_prefix_unaligned);
	tcase_add_test(tc, test_bytes_meter);
	tcase_add_test(tc, test_syn_meter);
	suite_add_tcase(s, tc);

	tc = tcase_create("budgets");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	add_budget_tests(tc);
	tcase_add_test(tc, test_neighbour_discovery_not_limited);
	tcase_add_test(tc, test_spent_budget_keeps_other_verdicts);
	suite_add_tcase(s, tc);

	/* The budgets again, with the lists' bits and index as user space
	 * sets them. */
	tc = tcase_create("budgets-indexed");
	tcase_add_checked_fixture(tc, rl_setup_indexed, NULL);
	add_budget_tests(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("gate");
	tcase_add_checked_fixture(tc, rl_setup_indexed, NULL);
	tcase_add_test(tc, test_gate_drops_flood);
	tcase_add_test(tc, test_gate_agrees_usual);
	tcase_add_test(tc, test_gate_follows_rule_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("gate-allowlist");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	tcase_add_test(tc, test_gate_agrees_with_allowlist);
	suite_add_tcase(s, tc);

	tc = tcase_create("autoban");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	tcase_add_test(tc, test_autoban_v4);
	tcase_add_test(tc, test_autoban_marks_index);
	tcase_add_test(tc, test_autoban_marks_index_v6);
	tcase_add_test(tc, test_autoban_after);
	tcase_add_test(tc, test_no_autoban_without_flag);
	tcase_add_test(tc, test_autoban_v6_prefix);
	tcase_add_test(tc, test_autoban_v6_host);
	tcase_add_test(tc, test_allowlisted_never_limited);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, rl_setup, NULL);
	tcase_add_test(tc, test_event_drop);
	tcase_add_test(tc, test_event_time_on_tick);
	tcase_add_test(tc, test_event_syn_drop);
	tcase_add_test(tc, test_event_ban);
	tcase_add_test(tc, test_event_budget);
	tcase_add_test(tc, test_event_meter);
	tcase_add_test(tc, test_event_meter_default);
	tcase_add_test(tc, test_event_ring_full);
	suite_add_tcase(s, tc);

	return s;
}
