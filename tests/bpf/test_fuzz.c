// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mutated and random frames, from a fixed seed so that a failure can be
 * replayed.  Whatever the input, the program returns XDP_DROP or XDP_PASS
 * (never XDP_ABORTED or anything else), moves exactly one counter by one
 * packet and the frame's length, takes the verdict that goes with that
 * counter, and leaves the frame as it was.  At the end the counters add
 * up to the number of runs and the bytes sent.
 *
 * The frames depend on the seed alone.  With rate limiting on, which of
 * them the meters drop also depends on timing, so only the invariants,
 * not the counts, repeat from run to run.
 *
 *   XG_FUZZ_SEED=N     another seed (the default is fixed)
 *   XG_FUZZ_ITERS=N    another number of frames (default 5000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "tests.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define DEFAULT_SEED 0x7864702d67756172ull	/* "xdp-guar" */
#define DEFAULT_ITERS 5000
/* Short enough for every run to be quick, long enough for the largest
 * catalog frame plus some growth. */
#define FUZZ_MAX_LEN 1200

static uint64_t rng;

/* splitmix64: tiny, and the same sequence on every libc. */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	char *end;
	uint64_t n;

	if (!v || !*v)
		return def;
	n = strtoull(v, &end, 0);
	return *end ? def : n;
}

/*
 * Sources, so that the allow and block paths are taken as well: the
 * setup puts each on the lists its comment says.
 */
#define N_SOURCES 6

static const char *const sources4[N_SOURCES] = {
	CASE_SRC4,		/* on no list */
	"192.0.2.10",		/* allowed */
	"192.0.2.20",		/* blocked host */
	"198.18.5.5",		/* in a blocked prefix */
	"192.0.2.30",		/* allowed and blocked */
	"192.0.2.40",		/* auto-banned */
};

static const char *const sources6[N_SOURCES] = {
	CASE_SRC6,
	"2001:db8::10",
	"2001:db8::20",
	"2001:db8:bad::5",
	"2001:db8::30",
	"2001:db8:ba::40",
};

static void fuzz_setup(void)
{
	tg_setup();
	LIST_OK(guard_allow(&tg, "192.0.2.10", 0));
	LIST_OK(guard_allow(&tg, "192.0.2.30", 0));
	LIST_OK(guard_block(&tg, "192.0.2.20", 0));
	LIST_OK(guard_block(&tg, "192.0.2.30", 0));
	LIST_OK(guard_block(&tg, "198.18.0.0/15", 0));
	LIST_OK(guard_ban(&tg, "192.0.2.40", 0));
	LIST_OK(guard_allow(&tg, "2001:db8::10", 0));
	LIST_OK(guard_allow(&tg, "2001:db8::30", 0));
	LIST_OK(guard_block(&tg, "2001:db8::20", 0));
	LIST_OK(guard_block(&tg, "2001:db8::30", 0));
	LIST_OK(guard_block(&tg, "2001:db8:bad::/48", 0));
	LIST_OK(guard_ban(&tg, "2001:db8:ba::/64", 0));
}

static void add_rule(uint16_t port, uint8_t proto, uint32_t slot)
{
	const uint64_t ms = 1000000;
	struct guard_rule_key key = { .port = port, .proto = proto };
	struct guard_rule rule = {
		.slot = slot,
		.flags = GUARD_RULE_SYN | GUARD_RULE_BYTES | GUARD_RULE_BUDGET |
			 GUARD_RULE_BUDGET_SYN | GUARD_RULE_BAN,
		/* Bursts of a few packets, then one per 10 ms: a loop that
		 * runs frames back to back is over most of the time. */
		.pkt = { .interval_ns = 10 * ms, .tolerance_ns = 30 * ms },
		/* 16.16 fixed point ns per byte: 1 us per byte. */
		.bytes = { .interval_ns = 1000ull << 16,
			   .tolerance_ns = 2000 * 1000 },
		.syn = { .interval_ns = 50 * ms, .tolerance_ns = 50 * ms },
		.budget = { .interval_ns = 1 * ms, .tolerance_ns = 20 * ms },
		.budget_syn = { .interval_ns = 5 * ms, .tolerance_ns = 10 * ms },
		.ban_after_ns = 5 * ms,
		.ban_for_ns = 3600ull * 1000 * ms,
	};

	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_RULES], &key, &rule,
					     BPF_ANY), 0);
}

/* The same lists, and rate limiting on for everything: rules for TCP
 * port 443, UDP, and "any", with every meter, budgets and auto-ban. */
static void fuzz_rate_setup(void)
{
	struct guard_config cfg = { .rule_count = 3 };
	uint32_t zero = 0;

	fuzz_setup();
	add_rule(443, IPPROTO_TCP, 0);
	add_rule(0, IPPROTO_UDP, 1);
	add_rule(0, 0, 2);
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_CONFIG], &zero, &cfg,
					     BPF_ANY), 0);
}

static uint16_t interesting16(size_t len, size_t l3_off)
{
	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		return 0xffff;
	case 2:
		return (uint16_t)(len - l3_off);
	case 3:
		return (uint16_t)(len - l3_off + 1);
	case 4:
		return (uint16_t)(len - l3_off - 1);
	case 5:
		return (uint16_t)below(64);
	default:
		return (uint16_t)rnd();
	}
}

static uint8_t interesting_proto(void)
{
	static const uint8_t protos[] = {
		IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT,
		IPPROTO_DSTOPTS, IPPROTO_AH, IPPROTO_ESP, 59 /* none */,
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
	};

	return below(4) ? protos[below(sizeof(protos))] : (uint8_t)rnd();
}

/* One mutation of f, aimed at the fields the parser reads. */
static void mutate(struct frame *f)
{
	size_t l3 = f->l3_off != FRAME_NO_OFF ? f->l3_off : 14;
	size_t l4 = f->l4_off != FRAME_NO_OFF ? f->l4_off : l3 + 20;
	size_t at;

	switch (below(13)) {
	case 0:		/* a bit anywhere in the headers */
		at = below(f->len < 128 ? f->len : 128);
		f->data[at] ^= 1 << below(8);
		break;
	case 1:		/* a byte anywhere in the headers */
		at = below(f->len < 128 ? f->len : 128);
		f->data[at] = below(2) ? (uint8_t)rnd() : below(2) ? 0 : 0xff;
		break;
	case 2:		/* IP version and IHL */
		f->data[l3] = (uint8_t)(below(16) << 4 | below(16));
		break;
	case 3:		/* IPv4 total length or IPv6 payload length */
		frame_put16(f, l3 + (f->ip_version == 6 ? 4 : 2),
			    interesting16(f->len, l3));
		break;
	case 4:		/* IPv4 fragment field */
		frame_put16(f, l3 + 6, below(2) ? (uint16_t)rnd() :
					   (uint16_t)(below(4) << 13));
		break;
	case 5:		/* next protocol: IPv4 protocol, IPv6 next header */
		f->data[l3 + (f->ip_version == 6 ? 6 : 9)] =
			interesting_proto();
		break;
	case 6:		/* first extension header: next header, length */
		if (l3 + 42 <= f->len) {
			f->data[l3 + 40] = interesting_proto();
			f->data[l3 + 41] = below(2) ? below(4) : (uint8_t)rnd();
		}
		break;
	case 7:		/* TCP data offset, UDP length */
		if (l4 + 13 <= f->len)
			f->data[l4 + 12] = (uint8_t)(below(16) << 4);
		if (l4 + 6 <= f->len && below(2))
			frame_put16(f, l4 + 4, (uint16_t)below(16));
		break;
	case 8:		/* cut */
		f->len = 14 + below(f->len - 14 + 1);
		break;
	case 9:		/* trailing bytes (padding, or junk) */
		at = 1 + below(64);
		if (f->len + at <= FUZZ_MAX_LEN) {
			memset(f->data + f->len, below(2) ? 0 : (int)below(256),
			       at);
			f->len += at;
		}
		break;
	case 10: {	/* outermost ethertype */
		static const uint16_t types[] = {
			ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD,
			ETH_P_ARP,
		};

		frame_put16(f, 12, below(4) ? types[below(5)] :
					      (uint16_t)rnd());
		break;
	}
	case 11:	/* one more VLAN tag outside the others */
		if (f->len + 4 <= FUZZ_MAX_LEN) {
			memmove(f->data + 16, f->data + 12, f->len - 12);
			frame_put16(f, 12, below(2) ? ETH_P_8021Q :
						      ETH_P_8021AD);
			f->len += 4;
			if (f->l3_off != FRAME_NO_OFF)
				f->l3_off += 4;
			if (f->l4_off != FRAME_NO_OFF)
				f->l4_off += 4;
		}
		break;
	default:	/* a random run of bytes after the Ethernet header */
		at = 14 + below(f->len > 14 ? f->len - 14 : 1);
		while (at < f->len && below(8))
			f->data[at++] = (uint8_t)rnd();
		break;
	}
}

static void random_frame(struct frame *f)
{
	static const uint16_t types[] = {
		ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD,
	};
	size_t i;

	frame_init(f);
	f->len = 14 + below(FUZZ_MAX_LEN - 14);
	for (i = 0; i < f->len; i++)
		f->data[i] = (uint8_t)rnd();
	frame_put16(f, 12, below(8) ? types[below(4)] : (uint16_t)rnd());
	/* Mostly the right version nibble, to get past the first check. */
	if (below(4)) {
		uint16_t type = frame_get16(f, 12);

		if (type == ETH_P_IP && f->len > 14)
			f->data[14] = 0x40 | (5 + below(11));
		else if (type == ETH_P_IPV6 && f->len > 14)
			f->data[14] = 0x60;
	}
}

/*
 * A frame of the catalog, from one of the sources of its family, mutated up
 * to three times: a quarter of them not at all, since the lists' verdicts
 * need well-formed frames.
 */
static void catalog_frame(struct frame *f, const char *const *src4, size_t n4,
			  const char *const *src6, size_t n6)
{
	const struct frame_case *c = &frame_cases[below(frame_case_count)];
	const char *src = c->ip_version == 4 ? src4[below((uint32_t)n4)] :
					       src6[below((uint32_t)n6)];
	int m = below(4);

	frame_init(f);
	BUILD_OK(c->build(f, src));
	while (m--)
		mutate(f);
}

static void dump(const struct frame *f, char *buf, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < f->len && i < 80 && n + 3 < size; i++)
		n += snprintf(buf + n, size - n, "%02x", f->data[i]);
	if (i < f->len && n + 4 < size)
		snprintf(buf + n, size - n, "...");
}

/* Run the fuzz loop; hits[] gets the frames counted for each reason. */
static void fuzz(uint64_t hits[GUARD_REASON_SLOTS], uint64_t *iters_out)
{
	uint64_t seed = env_u64("XG_FUZZ_SEED", DEFAULT_SEED);
	uint64_t iters = env_u64("XG_FUZZ_ITERS", DEFAULT_ITERS);
	uint64_t bytes = 0, n, packets = 0, total_bytes = 0;
	struct guard_counters end;
	struct frame f;
	int i;

	rng = seed;
	for (n = 0; n < iters; n++) {
		char why[256], hex[200];
		uint32_t retval;
		int reason, err;

		if (below(8) == 0) {
			random_frame(&f);
		} else {
			catalog_frame(&f, sources4, N_SOURCES, sources6, N_SOURCES);
		}

		err = guard_run_counted(&tg, f.data, f.len, &retval, &reason,
					why, sizeof(why));
		dump(&f, hex, sizeof(hex));
		ck_assert_msg(!err, "seed %#" PRIx64 " frame %" PRIu64 ": %s; "
			      "frame %s", seed, n, why, hex);
		ck_assert_msg(retval == XDP_PASS || retval == XDP_DROP,
			      "seed %#" PRIx64 " frame %" PRIu64 ": returned %s "
			      "(%u); frame %s", seed, n,
			      xdp_action_name(retval), retval, hex);
		ck_assert_msg((int)retval == guard_reason_action(reason),
			      "seed %#" PRIx64 " frame %" PRIu64 ": returned %s "
			      "but counted %s; frame %s", seed, n,
			      xdp_action_name(retval),
			      guard_reason_name(reason), hex);
		hits[reason]++;
		bytes += f.len;
	}

	/* The counters agree with what each run moved, and add up to the
	 * runs: no verdict went uncounted or was counted twice. */
	LIST_OK(guard_read_counters(&tg, &end));
	for (i = 0; i < GUARD_REASON_SLOTS; i++) {
		if (!guard_slot_is_verdict(i))
			continue;
		ck_assert_msg(end.slot[i].packets == hits[i],
			      "counter %s: %llu packets, %llu seen",
			      guard_reason_name(i),
			      (unsigned long long)end.slot[i].packets,
			      (unsigned long long)hits[i]);
		packets += end.slot[i].packets;
		total_bytes += end.slot[i].bytes;
	}
	ck_assert_uint_eq(packets, iters);
	ck_assert_uint_eq(total_bytes, bytes);

	/* On stdout, in line with Check's own report. */
	printf("fuzz: seed %#" PRIx64 ", %" PRIu64 " frames:", seed, iters);
	for (i = 0; i < GUARD_REASON_COUNT; i++)
		if (hits[i])
			printf(" %s %" PRIu64, guard_reason_name(i), hits[i]);
	printf("\n");
	*iters_out = iters;
}

START_TEST(test_fuzz)
{
	static const int reasons[] = {
		GUARD_REASON_PASS, GUARD_REASON_ALLOW, GUARD_REASON_BLOCK,
		GUARD_REASON_MALFORMED, GUARD_REASON_NON_IP,
		GUARD_REASON_UNPARSED, GUARD_REASON_BAN,
	};
	uint64_t hits[GUARD_REASON_SLOTS] = { 0 }, iters;
	unsigned int i;

	fuzz(hits, &iters);
	/* A fuzz run that never reached a verdict tests nothing about
	 * it.  (Shorter runs, asked for by hand, may miss some.) */
	if (iters >= DEFAULT_ITERS)
		for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
			ck_assert_msg(hits[reasons[i]] > 0,
				      "no frame was counted as %s",
				      guard_reason_name(reasons[i]));
}
END_TEST

/* With rate limiting on, the program takes its meters, budgets, bans and
 * events into account too; the same invariants hold. */
START_TEST(test_fuzz_rate_limited)
{
	uint64_t hits[GUARD_REASON_SLOTS] = { 0 }, iters;

	fuzz(hits, &iters);
	if (iters >= DEFAULT_ITERS)
		ck_assert_msg(hits[GUARD_REASON_RATE] +
			      hits[GUARD_REASON_SYN_RATE] +
			      hits[GUARD_REASON_BUDGET] > 0,
			      "rate limiting dropped nothing");
}
END_TEST

/*
 * The IPv4 index, where the early verdict (early_verdict_v4) answers before
 * the full parse.  These lists have no allow entry, the configuration the
 * early verdict tells by one test; the index is set as user space would
 * set it for them.  Each mutated frame runs twice: with the index, and with
 * every config bit clear, where the program asks each list itself.
 * Whatever a mutation did to the headers, both must give the same verdict
 * and reason: the early verdict reads the IPv4 header before the full
 * parse does, and must leave every frame it cannot judge to it.
 */
static const char *const index_sources4[] = {
	CASE_SRC4,		/* on no list */
	"203.0.113.20",		/* blocked, alone in its /24: its lone byte */
	"203.0.113.21",		/* beside it */
	"198.18.5.5",		/* in a blocked /15: its /24's prefix length */
	"198.20.0.1",		/* just past the /15 */
};
#define N_INDEX_SOURCES (sizeof(index_sources4) / sizeof(index_sources4[0]))

static void fuzz_index_setup(void)
{
	char a[32];

	tg_setup();
	LIST_OK(guard_block(&tg, "203.0.113.20", 0));
	LIST_OK(guard_block(&tg, "198.18.0.0/15", 0));
	cells_set(GUARD_CELLS_V4 | GUARD_SKIP_ALLOW_V4, CELL(203, 0),
		  GUARD_CELL_HOST);
	cell_add(CELL(198, 18), GUARD_CELL_NET);
	cell_add(CELL(198, 19), GUARD_CELL_NET);
	dir_set("203.0.113.0", GUARD_DIR_HOST | 20 << GUARD_DIR_LONE_SHIFT);
	for (unsigned int i = 0; i < 512; i++) {
		snprintf(a, sizeof(a), "198.%u.%u.0", 18 + i / 256, i % 256);
		dir_set(a, 15 + 1);
	}
}

static void run_once(const struct frame *f, uint32_t *retval, int *reason, uint64_t n,
		     const char *how)
{
	char why[256], hex[200];

	if (guard_run_counted(&tg, f->data, f->len, retval, reason, why, sizeof(why))) {
		dump(f, hex, sizeof(hex));
		ck_abort_msg("frame %" PRIu64 " %s: %s; frame %s", n, how, why, hex);
	}
}

START_TEST(test_fuzz_index_agrees)
{
	uint64_t iters = env_u64("XG_FUZZ_ITERS", DEFAULT_ITERS), n, early_blocks = 0;
	struct guard_config indexed, plain;
	struct frame f;

	rng = env_u64("XG_FUZZ_SEED", DEFAULT_SEED);
	LIST_OK(guard_config_get(&tg, &indexed));
	plain = indexed;
	plain.skip_lists = 0;
	for (n = 0; n < iters; n++) {
		uint32_t ret_indexed, ret_plain;
		int why_indexed, why_plain;
		char hex[200];

		/* IPv6 from CASE_SRC6 (sources6[0]), on no list here. */
		catalog_frame(&f, index_sources4, N_INDEX_SOURCES, sources6, 1);
		LIST_OK(guard_config_set(&tg, &indexed));
		run_once(&f, &ret_indexed, &why_indexed, n, "with the index");
		LIST_OK(guard_config_set(&tg, &plain));
		run_once(&f, &ret_plain, &why_plain, n, "without it");
		dump(&f, hex, sizeof(hex));
		ck_assert_msg(why_indexed == why_plain && ret_indexed == ret_plain,
			      "seed %#" PRIx64 " frame %" PRIu64 ": %s with the index, %s "
			      "without it; frame %s", env_u64("XG_FUZZ_SEED", DEFAULT_SEED), n,
			      guard_reason_name(why_indexed), guard_reason_name(why_plain), hex);
		early_blocks += why_indexed == GUARD_REASON_BLOCK;
	}
	/* Blocked sources among them, or the index decided nothing. */
	if (iters >= DEFAULT_ITERS)
		ck_assert_msg(early_blocks > 0, "no frame was blocked");
}
END_TEST

Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = tcase_create("mutated_frames");

	tcase_add_checked_fixture(tc, fuzz_setup, NULL);
	/* Thousands of runs, each with two counter reads: allow for a slow
	 * machine when CK_FORK=yes makes the timeout apply. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);

	tc = tcase_create("mutated_frames_rate_limited");
	tcase_add_checked_fixture(tc, fuzz_rate_setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz_rate_limited);
	suite_add_tcase(s, tc);

	tc = tcase_create("mutated_frames_indexed");
	tcase_add_checked_fixture(tc, fuzz_index_setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz_index_agrees);
	suite_add_tcase(s, tc);
	return s;
}
