// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allow and block lists: host entries (hash) and prefixes (LPM trie)
 * for both families, their precedence, what each one skips, and expiry
 * on the clock of bpf_ktime_get_ns().
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "tests.h"

#define SEC_NS 1000000000ull

static void tcp4_from(struct frame *f, const char *src)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_tcp(f, 40000, 443, 0x02);
	BUILD_OK(frame_finish(f));
}

static void udp6_from(struct frame *f, const char *src)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_udp(f, 5353, 53);
	frame_payload(f, 8, 0);
	BUILD_OK(frame_finish(f));
}

static void from(struct frame *f, const char *src)
{
	if (strchr(src, ':'))
		udp6_from(f, src);
	else
		tcp4_from(f, src);
}

static void expect_from(const char *src, int reason)
{
	struct frame f;

	from(&f, src);
	EXPECT_FRAME(&f, reason);
}

/* ---- hosts ------------------------------------------------------------ */

START_TEST(test_block_host_v4)
{
	LIST_OK(guard_block(&tg, "192.0.2.1", 0));
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	expect_from("192.0.2.2", GUARD_REASON_PASS);
	expect_from("192.0.2.0", GUARD_REASON_PASS);
	expect_from("1.0.2.192", GUARD_REASON_PASS);	/* byte order */
}
END_TEST

START_TEST(test_block_host_v6)
{
	LIST_OK(guard_block(&tg, "2001:db8::1", 0));
	expect_from("2001:db8::1", GUARD_REASON_BLOCK);
	expect_from("2001:db8::2", GUARD_REASON_PASS);
	expect_from("2001:db8:0:0:1::1", GUARD_REASON_PASS);
	expect_from("::1", GUARD_REASON_PASS);
}
END_TEST

/* Many hosts: each is found, its neighbours are not. */
START_TEST(test_block_many_hosts)
{
	char addr[64];
	int i;

	for (i = 0; i < 256; i += 2) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		LIST_OK(guard_block(&tg, addr, 0));
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		LIST_OK(guard_block(&tg, addr, 0));
	}
	for (i = 0; i < 256; i++) {
		int want = i % 2 ? GUARD_REASON_PASS : GUARD_REASON_BLOCK;

		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		expect_from(addr, want);
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		expect_from(addr, want);
	}
}
END_TEST

/* ---- prefixes --------------------------------------------------------- */

/* A prefix, an address inside it, and one just outside (NULL for /0). */
struct prefix_case {
	const char *cidr;
	const char *inside;
	const char *outside;
};

static const struct prefix_case prefixes[] = {
	{ "0.0.0.0/0", "203.0.113.9", NULL },
	{ "128.0.0.0/1", "200.1.2.3", "127.255.255.255" },
	{ "10.0.0.0/8", "10.255.255.255", "11.0.0.0" },
	{ "172.16.0.0/12", "172.31.0.1", "172.32.0.1" },
	{ "192.0.2.0/24", "192.0.2.255", "192.0.3.0" },
	{ "192.0.2.128/25", "192.0.2.200", "192.0.2.127" },
	{ "192.0.2.0/31", "192.0.2.1", "192.0.2.2" },
	{ "192.0.2.7/32", "192.0.2.7", "192.0.2.6" },	/* in the trie */
	{ "::/0", "2001:db8::1", NULL },
	{ "8000::/1", "fe80::1", "7fff:ffff::1" },
	{ "2001:db8::/32", "2001:db8:ffff::1", "2001:db9::1" },
	{ "2001:db8:1::/48", "2001:db8:1:ffff::1", "2001:db8:2::1" },
	{ "2001:db8:1:2::/64", "2001:db8:1:2:ffff::1", "2001:db8:1:3::1" },
	{ "2001:db8::/127", "2001:db8::1", "2001:db8::2" },
	{ "2001:db8::5/128", "2001:db8::5", "2001:db8::4" },	/* trie */
};

#define N_PREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))

START_TEST(test_block_prefix)
{
	const struct prefix_case *p = &prefixes[_i];

	LIST_OK(guard_block_net(&tg, p->cidr, 0));
	expect_from(p->inside, GUARD_REASON_BLOCK);
	if (p->outside)
		expect_from(p->outside, GUARD_REASON_PASS);
}
END_TEST

START_TEST(test_allow_prefix)
{
	const struct prefix_case *p = &prefixes[_i];
	struct frame f;

	LIST_OK(guard_allow(&tg, p->cidr, 0));
	expect_from(p->inside, GUARD_REASON_ALLOW);
	if (p->outside)
		expect_from(p->outside, GUARD_REASON_PASS);

	/* Allowed even when on the blocklist, by host and by prefix. */
	LIST_OK(guard_block(&tg, p->inside, 0));
	LIST_OK(guard_block_net(&tg, strchr(p->cidr, ':') ? "::/0" :
					   "0.0.0.0/0", 0));
	expect_from(p->inside, GUARD_REASON_ALLOW);
	if (p->outside) {
		from(&f, p->outside);
		EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
	}
}
END_TEST

/* Nested prefixes: any match blocks, whichever is the longest. */
START_TEST(test_block_nested_prefixes)
{
	LIST_OK(guard_block_net(&tg, "10.0.0.0/8", 0));
	LIST_OK(guard_block_net(&tg, "10.1.0.0/16", 0));
	LIST_OK(guard_block_net(&tg, "10.1.2.0/24", 0));
	expect_from("10.1.2.3", GUARD_REASON_BLOCK);
	expect_from("10.1.3.3", GUARD_REASON_BLOCK);
	expect_from("10.2.3.3", GUARD_REASON_BLOCK);
	expect_from("11.1.2.3", GUARD_REASON_PASS);
}
END_TEST

/* The IPv4 and IPv6 lists are separate: a /0 in one leaves the other
 * family alone. */
START_TEST(test_families_separate)
{
	LIST_OK(guard_block_net(&tg, "0.0.0.0/0", 0));
	expect_from(CASE_SRC6, GUARD_REASON_PASS);
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);
	LIST_OK(guard_allow(&tg, "::/0", 0));
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);
	expect_from(CASE_SRC6, GUARD_REASON_ALLOW);
}
END_TEST

/* ---- what each list skips -------------------------------------------- */

/* An allowlisted source skips the transport header checks: a malformed
 * one passes. */
START_TEST(test_allow_skips_l4)
{
	struct frame f;

	LIST_OK(guard_allow(&tg, CASE_SRC4, 0));
	LIST_OK(guard_allow(&tg, "2001:db8::/64", 0));

	tcp4_from(&f, CASE_SRC4);
	f.data[f.l4_off + 12] = 0;			/* doff 0 */
	EXPECT_FRAME(&f, GUARD_REASON_ALLOW);

	udp6_from(&f, CASE_SRC6);
	frame_put16(&f, f.l4_off + 4, 3);		/* UDP length 3 */
	EXPECT_FRAME(&f, GUARD_REASON_ALLOW);

	/* A tiny first fragment. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_ipv4_frag(&f, 0, true);
	frame_set_next(&f, IPPROTO_TCP);
	frame_payload(&f, 8, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_ALLOW);
}
END_TEST

/* ...and the IP lengths' too, which come after the source is known; only
 * a header whose source cannot be read is malformed whatever the lists
 * say. */
START_TEST(test_allow_skips_l3_lengths)
{
	struct frame f;
	uint16_t len;

	LIST_OK(guard_allow(&tg, "0.0.0.0/0", 0));
	LIST_OK(guard_allow(&tg, "::/0", 0));

	tcp4_from(&f, CASE_SRC4);
	len = frame_get16(&f, 14 + 2);
	frame_put16(&f, 14 + 2, len + 1);
	EXPECT_FRAME(&f, GUARD_REASON_ALLOW);

	udp6_from(&f, CASE_SRC6);
	EXPECT_REASON(f.data, f.len - 1, GUARD_REASON_ALLOW);

	/* An extension header that runs off the datagram. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_ipv6_ext(&f, IPPROTO_DSTOPTS, 8);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	f.data[14 + 40 + 1] = 2;
	EXPECT_FRAME(&f, GUARD_REASON_ALLOW);

	tcp4_from(&f, CASE_SRC4);
	f.data[14] = 0x44;				/* ihl 4 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	tcp4_from(&f, CASE_SRC4);
	f.data[14] = 0x65;				/* version 6 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	udp6_from(&f, CASE_SRC6);
	f.data[14] = 0x40;				/* version 4 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	tcp4_from(&f, CASE_SRC4);
	EXPECT_REASON(f.data, 14 + 19, GUARD_REASON_MALFORMED);
	udp6_from(&f, CASE_SRC6);
	EXPECT_REASON(f.data, 14 + 39, GUARD_REASON_MALFORMED);
}
END_TEST

/* The blocklist is consulted before the transport header: a blocked
 * source is counted as blocked whatever its transport header. */
START_TEST(test_block_before_l4)
{
	struct frame f;

	LIST_OK(guard_block(&tg, CASE_SRC4, 0));
	LIST_OK(guard_block_net(&tg, "2001:db8::/32", 0));

	tcp4_from(&f, CASE_SRC4);
	f.data[f.l4_off + 12] = 0x20;			/* doff 2 */
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);

	udp6_from(&f, CASE_SRC6);
	frame_put16(&f, f.l4_off + 4, 0);
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
}
END_TEST

/* A frame with more VLAN tags than the parser walks is not judged by
 * source: it passes as unparsed even from a blocked address. */
START_TEST(test_unparsed_not_judged)
{
	struct frame f;
	int i;

	LIST_OK(guard_block_net(&tg, "0.0.0.0/0", 0));
	frame_init(&f);
	frame_eth(&f);
	for (i = 0; i < 3; i++)
		frame_vlan(&f, ETH_P_8021Q, 10 + i);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_UNPARSED);
}
END_TEST

/* Entries the rate limiter's auto-ban wrote (origin AUTOBAN) drop as
 * "ban", the user's own as "block"; otherwise they behave alike. */
START_TEST(test_ban_counted_as_ban)
{
	uint64_t now = monotonic_ns();

	LIST_OK(guard_ban(&tg, CASE_SRC4, now + 3600 * SEC_NS));
	LIST_OK(guard_ban(&tg, "2001:db8::/64", now + 3600 * SEC_NS));
	expect_from(CASE_SRC4, GUARD_REASON_BAN);
	expect_from(CASE_SRC6, GUARD_REASON_BAN);
	expect_from("192.0.2.2", GUARD_REASON_PASS);
	expect_from("2001:db8:0:1::1", GUARD_REASON_PASS);

	/* The host hash is looked at first: its entry names the reason. */
	LIST_OK(guard_block_net(&tg, "192.0.2.0/24", 0));
	expect_from(CASE_SRC4, GUARD_REASON_BAN);
	/* An expired ban is absent: the user's prefix applies. */
	LIST_OK(guard_ban(&tg, CASE_SRC4, now - SEC_NS));
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);

	/* The allowlist beats a ban too. */
	LIST_OK(guard_allow(&tg, CASE_SRC6, 0));
	expect_from(CASE_SRC6, GUARD_REASON_ALLOW);
}
END_TEST

/* ---- expiry ----------------------------------------------------------- */

/* A deadline in the past acts as absent; one in the future blocks; 0 is
 * forever.  For the host hash and the trie, in both families. */
START_TEST(test_block_expiry)
{
	static const char *const hosts[] = { CASE_SRC4, CASE_SRC6 };
	static const char *const nets[] = { "192.0.2.0/24", "2001:db8::/48" };
	uint64_t now = monotonic_ns();
	int i;

	for (i = 0; i < 2; i++) {
		LIST_OK(guard_block(&tg, hosts[i], 1));
		expect_from(hosts[i], GUARD_REASON_PASS);
		LIST_OK(guard_block(&tg, hosts[i], now - SEC_NS));
		expect_from(hosts[i], GUARD_REASON_PASS);
		LIST_OK(guard_block(&tg, hosts[i], now + 3600 * SEC_NS));
		expect_from(hosts[i], GUARD_REASON_BLOCK);
		LIST_OK(guard_block(&tg, hosts[i], 0));
		expect_from(hosts[i], GUARD_REASON_BLOCK);
		/* Expired again, so the prefix tests below see only the
		 * trie. */
		LIST_OK(guard_block(&tg, hosts[i], 1));

		LIST_OK(guard_block_net(&tg, nets[i], now - SEC_NS));
		expect_from(hosts[i], GUARD_REASON_PASS);
		LIST_OK(guard_block_net(&tg, nets[i], now + 3600 * SEC_NS));
		expect_from(hosts[i], GUARD_REASON_BLOCK);
		LIST_OK(guard_block_net(&tg, nets[i], 0));
		expect_from(hosts[i], GUARD_REASON_BLOCK);
	}
}
END_TEST

/* An expired host entry does not hide a live prefix covering it. */
START_TEST(test_expired_host_falls_through)
{
	LIST_OK(guard_block(&tg, CASE_SRC4, 1));
	LIST_OK(guard_block_net(&tg, "192.0.2.0/24", 0));
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);
	LIST_OK(guard_block(&tg, CASE_SRC6, 1));
	LIST_OK(guard_block_net(&tg, "2001:db8::/32", 0));
	expect_from(CASE_SRC6, GUARD_REASON_BLOCK);
}
END_TEST

/*
 * An expired longer prefix does not hide a live shorter one around it: the
 * program looks again below the expired match.
 */
START_TEST(test_expired_prefix_reveals_shorter)
{
	LIST_OK(guard_block_net(&tg, "192.0.0.0/8", 0));
	LIST_OK(guard_block_net(&tg, "192.0.0.0/16", 1));
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);
	LIST_OK(guard_block_net(&tg, "2001:db8::/32", 0));
	LIST_OK(guard_block_net(&tg, "2001:db8::/48", 1));
	expect_from(CASE_SRC6, GUARD_REASON_BLOCK);

	/* The allowlist too: an expired host entry, a live prefix. */
	LIST_OK(guard_allow(&tg, CASE_SRC4, 1));
	LIST_OK(guard_allow(&tg, "192.0.2.0/24", 0));
	expect_from(CASE_SRC4, GUARD_REASON_ALLOW);
}
END_TEST

/* Seven expired prefixes nested inside a live one: still found (the
 * program looks below expired matches up to eight times). */
START_TEST(test_expired_prefixes_nested)
{
	static const char *const expired[] = {
		"192.0.2.0/30", "192.0.2.0/28", "192.0.2.0/26", "192.0.2.0/24",
		"192.0.0.0/22", "192.0.0.0/20", "192.0.0.0/18",
	};
	unsigned int i;

	LIST_OK(guard_block_net(&tg, "192.0.0.0/8", 0));
	for (i = 0; i < sizeof(expired) / sizeof(expired[0]); i++)
		LIST_OK(guard_block_net(&tg, expired[i], 1));
	expect_from(CASE_SRC4, GUARD_REASON_BLOCK);
	expect_from("192.1.0.1", GUARD_REASON_BLOCK);
	expect_from("193.0.2.1", GUARD_REASON_PASS);
}
END_TEST

START_TEST(test_allow_expiry)
{
	static const char *const hosts[] = { CASE_SRC4, CASE_SRC6 };
	uint64_t now = monotonic_ns();
	int i;

	for (i = 0; i < 2; i++) {
		LIST_OK(guard_block(&tg, hosts[i], 0));
		LIST_OK(guard_allow(&tg, hosts[i], now - SEC_NS));
		expect_from(hosts[i], GUARD_REASON_BLOCK);
		LIST_OK(guard_allow(&tg, hosts[i], now + 3600 * SEC_NS));
		expect_from(hosts[i], GUARD_REASON_ALLOW);
	}
}
END_TEST

/* The deadline is compared with CLOCK_MONOTONIC as the kernel sees it:
 * an entry set to expire shortly blocks, then stops blocking once that
 * time has passed. */
START_TEST(test_expiry_follows_monotonic_clock)
{
	const uint64_t life = 300 * 1000000ull;	/* 0.3 s */
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 400 * 1000000 };
	uint64_t deadline = monotonic_ns() + life;

	LIST_OK(guard_block(&tg, CASE_SRC4, deadline));
	LIST_OK(guard_block_net(&tg, "2001:db8::/32", deadline));
	/* Loaded machines may be slow: only judge "still blocked" if the
	 * deadline is still ahead after the run. */
	{
		struct frame f;
		char why[256];
		bool ok;

		tcp4_from(&f, CASE_SRC4);
		ok = guard_expect(&tg, f.data, f.len, GUARD_REASON_BLOCK,
				  why, sizeof(why));
		if (monotonic_ns() < deadline)
			ck_assert_msg(ok, "%s", why);
	}
	while (monotonic_ns() <= deadline)
		nanosleep(&nap, NULL);
	expect_from(CASE_SRC4, GUARD_REASON_PASS);
	expect_from(CASE_SRC6, GUARD_REASON_PASS);
}
END_TEST

/* ---- the IPv4 index ------------------------------------------------------ */

/* The deep entry of the /24 of addr: the addresses first..last of it
 * covered, and timed. */
static void deep_set(const char *addr, unsigned int first, unsigned int last, uint32_t timed)
{
	struct guard_deep_v4 v = { .timed = timed };
	struct in_addr a;
	uint32_t key;

	ck_assert_int_eq(inet_pton(AF_INET, addr, &a), 1);
	key = ntohl(a.s_addr) >> 8;
	for (unsigned int i = first; i <= last; i++)
		v.covered[i >> 3] |= 1U << (i & 7);
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_DEEP_V4], &key, &v, BPF_ANY), 0);
}

#define CELL_ALL (GUARD_CELL_ALLOW | GUARD_CELL_HOST | GUARD_CELL_NET)
/* A /24 byte that sends every lookup on to the lists. */
#define DIR_ASK (GUARD_DIR_HOST | GUARD_DIR_TIMED)

/* With the index in use, a list whose bit is clear in the source's /16 is
 * not looked at: proof that the program reads the cells, and reads the
 * right one.  (User space never leaves a listed entry's bit clear.) */
START_TEST(test_cells_skip_lists)
{
	LIST_OK(guard_block(&tg, "192.0.2.1", 0));
	LIST_OK(guard_block(&tg, "198.18.0.0/15", 0));
	LIST_OK(guard_allow(&tg, "203.0.113.0/24", 0));
	LIST_OK(guard_block(&tg, "203.0.113.9", 0));

	/* Not in use: every list is looked at, whatever the index says. */
	cells_set(0, 0, 0);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	expect_from("198.19.7.7", GUARD_REASON_BLOCK);
	expect_from("203.0.113.9", GUARD_REASON_ALLOW);

	/* In use, all clear: nothing is looked at. */
	cells_set(GUARD_CELLS_V4, 0, 0);
	expect_from("192.0.2.1", GUARD_REASON_PASS);
	expect_from("198.19.7.7", GUARD_REASON_PASS);
	expect_from("203.0.113.9", GUARD_REASON_PASS);

	/* Each bit opens its own list, in its own cell only (the /24s
	 * below send every lookup on). */
	cells_set(GUARD_CELLS_V4, CELL(192, 0), GUARD_CELL_HOST);
	dir_set("192.0.2.1", DIR_ASK);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	cells_set(GUARD_CELLS_V4, CELL(192, 0), GUARD_CELL_NET | GUARD_CELL_ALLOW);
	dir_set("192.0.2.1", DIR_ASK);
	expect_from("192.0.2.1", GUARD_REASON_PASS);
	cells_set(GUARD_CELLS_V4, CELL(198, 19), GUARD_CELL_NET);
	dir_set("198.19.7.7", DIR_ASK);
	dir_set("198.18.7.7", DIR_ASK);
	expect_from("198.19.7.7", GUARD_REASON_BLOCK);
	expect_from("198.18.7.7", GUARD_REASON_PASS);
	cells_set(GUARD_CELLS_V4, CELL(198, 19), GUARD_CELL_HOST | GUARD_CELL_ALLOW);
	dir_set("198.19.7.7", DIR_ASK);
	expect_from("198.19.7.7", GUARD_REASON_PASS);
	cells_set(GUARD_CELLS_V4, CELL(203, 0), GUARD_CELL_HOST);
	dir_set("203.0.113.9", DIR_ASK);
	expect_from("203.0.113.9", GUARD_REASON_BLOCK);
	cells_set(GUARD_CELLS_V4, CELL(203, 0), GUARD_CELL_HOST | GUARD_CELL_ALLOW);
	dir_set("203.0.113.9", DIR_ASK);
	expect_from("203.0.113.9", GUARD_REASON_ALLOW);
}
END_TEST

/* The index is IPv4 only: IPv6 sources are always looked up. */
START_TEST(test_cells_leave_ipv6_alone)
{
	LIST_OK(guard_block(&tg, CASE_SRC6, 0));
	cells_set(GUARD_CELLS_V4, 0, 0);
	expect_from(CASE_SRC6, GUARD_REASON_BLOCK);
}
END_TEST

/* Behind an open /16, the /24's byte decides which lookup, if any. */
START_TEST(test_dir_host_bit)
{
	LIST_OK(guard_block(&tg, "192.0.2.1", 0));
	cells_set(GUARD_CELLS_V4, CELL(192, 0), CELL_ALL);
	expect_from("192.0.2.1", GUARD_REASON_PASS);	/* byte 0: no lookup */
	dir_set("192.0.2.1", GUARD_DIR_HOST);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	dir_set("192.0.2.1", GUARD_DIR_TIMED);		/* the trie: not there */
	expect_from("192.0.2.1", GUARD_REASON_PASS);
	/* While bans may come, the host hash is asked whatever the byte. */
	cells_set(GUARD_CELLS_V4 | GUARD_CELLS_BANS, CELL(192, 0), CELL_ALL);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
}
END_TEST

/*
 * While no ban may come, the lone-host byte answers for the /24's hosts on
 * its own: the address it names is dropped with nothing in the host hash,
 * and the others are not looked up, so 192.0.2.1, listed there, passes.
 * Prefixes around the /24 still count.  While bans may come, the host hash
 * answers for the others.  The byte's own address is dropped whatever the
 * config says, the index in use or not: user space keeps the byte true at
 * every moment (guard_maps.h).
 */
START_TEST(test_dir_lone_host)
{
	const uint16_t lone7 = GUARD_DIR_HOST | 7 << GUARD_DIR_LONE_SHIFT;

	LIST_OK(guard_block(&tg, "192.0.2.1", 0));
	cells_set(GUARD_CELLS_V4, CELL(192, 0), CELL_ALL);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.1", GUARD_REASON_PASS);
	expect_from("192.0.2.8", GUARD_REASON_PASS);
	dir_set("192.0.2.0", lone7 | (16 + 1));
	expect_from("192.0.2.8", GUARD_REASON_BLOCK);

	cells_set(GUARD_CELLS_V4 | GUARD_CELLS_BANS, CELL(192, 0), CELL_ALL);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	expect_from("192.0.2.8", GUARD_REASON_PASS);

	cells_set(0, CELL(192, 0), CELL_ALL);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
	expect_from("192.0.2.8", GUARD_REASON_PASS);
}
END_TEST

START_TEST(test_dir_prefixes)
{
	uint64_t now = monotonic_ns();

	cells_set(GUARD_CELLS_V4, CELL(198, 18), CELL_ALL);
	/* A plain prefix around the /24: blocked from the byte alone, with
	 * nothing in the trie at all. */
	dir_set("198.18.7.0", 15 + 1);
	expect_from("198.18.7.7", GUARD_REASON_BLOCK);
	expect_from("198.18.8.7", GUARD_REASON_PASS);	/* its byte is 0 */

	/* Timed: the trie and its clock decide. */
	dir_set("198.18.7.0", GUARD_DIR_TIMED);
	expect_from("198.18.7.7", GUARD_REASON_PASS);
	LIST_OK(guard_block(&tg, "198.18.0.0/15", now + 3600 * SEC_NS));
	expect_from("198.18.7.7", GUARD_REASON_BLOCK);
	LIST_OK(guard_block(&tg, "198.18.0.0/15", now - SEC_NS));
	expect_from("198.18.7.7", GUARD_REASON_PASS);

	/* Deep: the covered addresses of the /24, and nothing else. */
	dir_set("198.18.9.0", GUARD_DIR_DEEP);
	deep_set("198.18.9.0", 0, 127, 0);
	expect_from("198.18.9.5", GUARD_REASON_BLOCK);
	expect_from("198.18.9.127", GUARD_REASON_BLOCK);
	expect_from("198.18.9.128", GUARD_REASON_PASS);
	/* A plain covering prefix wins over what the /24 holds. */
	dir_set("198.18.9.0", GUARD_DIR_DEEP | (16 + 1));
	expect_from("198.18.9.200", GUARD_REASON_BLOCK);
	/* Deep and timed, or deep without its entry: the trie. */
	dir_set("198.18.9.0", GUARD_DIR_DEEP);
	deep_set("198.18.9.0", 0, 127, 1);
	expect_from("198.18.9.5", GUARD_REASON_PASS);
	LIST_OK(guard_block(&tg, "198.18.9.0/25", 0));
	expect_from("198.18.9.5", GUARD_REASON_BLOCK);
	dir_set("198.18.10.0", GUARD_DIR_DEEP);
	LIST_OK(guard_block(&tg, "198.18.10.0/26", 0));
	expect_from("198.18.10.5", GUARD_REASON_BLOCK);
	expect_from("198.18.10.64", GUARD_REASON_PASS);
}
END_TEST

/*
 * The early verdict (early_verdict_v4): a /24 cell that condemns the source
 * alone drops it before the full path, and must give the full path's
 * answer, reason included.  The cells below have no allow bit, so with an
 * empty allowlist (GUARD_SKIP_ALLOW_V4) the early verdict is what decides.
 * What these tests check is that answer.  Whether the early path or the
 * full one gave it cannot be seen in a verdict, by design: an early
 * verdict that always went on would pass them too, and only the cost
 * (the benchmark's section 1) would tell.
 */
#define CELL_BLOCKS (GUARD_CELL_HOST | GUARD_CELL_NET)
#define EARLY (GUARD_CELLS_V4 | GUARD_SKIP_ALLOW_V4)

START_TEST(test_early_lone_host)
{
	const uint16_t lone7 = GUARD_DIR_HOST | 7 << GUARD_DIR_LONE_SHIFT;
	struct frame f;

	/* Nothing in the host hash: only the byte can drop 192.0.2.7. */
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.8", GUARD_REASON_PASS);
	/* Hosts in the /24 but no byte (more than one host): a last byte
	 * of 0 is not a match with the missing one. */
	dir_set("192.0.2.0", GUARD_DIR_HOST);
	expect_from("192.0.2.0", GUARD_REASON_PASS);
	dir_set("192.0.2.0", lone7);
	/* Behind two VLAN tags: the source is found where they end. */
	frame_init(&f);
	frame_eth(&f);
	frame_vlan(&f, ETH_P_8021AD, 10);
	frame_vlan(&f, ETH_P_8021Q, 20);
	frame_ipv4(&f, "192.0.2.7", CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);

	/* While bans may come, or with the index off, the byte still
	 * condemns its own address, and only it. */
	cells_set(EARLY | GUARD_CELLS_BANS, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.8", GUARD_REASON_PASS);
	cells_set(GUARD_SKIP_ALLOW_V4, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", lone7);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	expect_from("192.0.2.8", GUARD_REASON_PASS);
	/* A header with options, which the early look leaves to the full
	 * path: the same answer there. */
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", lone7);
	tcp4_from(&f, "192.0.2.7");
	f.data[14] = 0x46;
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
}
END_TEST

START_TEST(test_early_prefix)
{
	uint64_t now = monotonic_ns();
	struct guard_config cfg;

	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", 16 + 1);
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);

	/* Hosts listed in the /24: the host hash comes first on the full
	 * path, and may hold a ban, which names the reason. */
	LIST_OK(guard_ban(&tg, "192.0.2.1", now + 3600 * SEC_NS));
	dir_set("192.0.2.0", GUARD_DIR_HOST | (16 + 1));
	expect_from("192.0.2.1", GUARD_REASON_BAN);
	expect_from("192.0.2.2", GUARD_REASON_BLOCK);
	/* While bans may come, a ban the index has not seen yet. */
	cells_set(EARLY | GUARD_CELLS_BANS, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", 16 + 1);
	expect_from("192.0.2.1", GUARD_REASON_BAN);
	expect_from("192.0.2.2", GUARD_REASON_BLOCK);

	/* With the prefix list empty, its cell bits are old news. */
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	dir_set("192.0.2.0", 16 + 1);
	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.skip_lists |= GUARD_SKIP_BLKNET_V4;
	LIST_OK(guard_config_set(&tg, &cfg));
	expect_from("192.0.2.2", GUARD_REASON_PASS);
}
END_TEST

/* What the early verdict leaves to the full path: an allowed source, and
 * a header whose source cannot be read.  A listed source whose IP lengths
 * are wrong is its list's, on both paths. */
START_TEST(test_early_leaves_allow_and_malformed)
{
	const uint16_t lone7 = GUARD_DIR_HOST | 7 << GUARD_DIR_LONE_SHIFT;
	struct frame f;
	uint16_t len;

	/* An allowlist with an entry in the /16 (where user space gives no
	 * /24 a lone-host byte): the allowlist first. */
	LIST_OK(guard_allow(&tg, "192.0.2.7", 0));
	LIST_OK(guard_allow(&tg, "192.0.2.9", 0));
	cells_set(GUARD_CELLS_V4, CELL(192, 0), CELL_BLOCKS | GUARD_CELL_ALLOW);
	dir_set("192.0.2.0", GUARD_DIR_HOST);
	expect_from("192.0.2.7", GUARD_REASON_ALLOW);
	dir_set("192.0.2.0", 16 + 1);
	expect_from("192.0.2.9", GUARD_REASON_ALLOW);
	expect_from("192.0.2.8", GUARD_REASON_BLOCK);

	cells_set(EARLY, CELL(198, 18), CELL_BLOCKS);
	dir_set("198.18.0.0", lone7);
	dir_set("198.18.1.0", 16 + 1);
	tcp4_from(&f, "198.18.0.7");
	len = frame_get16(&f, 14 + 2);
	frame_put16(&f, 14 + 2, len + 1);		/* longer than the frame */
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
	tcp4_from(&f, "198.18.0.7");
	frame_put16(&f, 14 + 2, 19);			/* shorter than its header */
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
	tcp4_from(&f, "198.18.1.1");
	frame_put16(&f, 14 + 2, 19);
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
	tcp4_from(&f, "198.18.2.1");			/* on no list */
	frame_put16(&f, 14 + 2, 19);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	tcp4_from(&f, "198.18.1.1");
	f.data[14] = 0x44;				/* ihl 4 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	tcp4_from(&f, "198.18.1.1");
	f.data[14] = 0x65;				/* version 6 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	/* A truncated header: not even the source is there to read. */
	tcp4_from(&f, "198.18.0.7");
	EXPECT_REASON(f.data, 14 + 19, GUARD_REASON_MALFORMED);
	tcp4_from(&f, "198.18.0.7");
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
}
END_TEST

/*
 * An empty /24 cell, read by the early verdict, tells the full path that
 * no IPv4 list holds the source: it skips them all, the allowlist included
 * once the /16 has been asked.  The rest of the path still runs.  Every
 * bit of a cell, and a ban the index has not seen, keeps the lists.
 */
START_TEST(test_early_clean_slash24)
{
	struct guard_limit l = { .proto = IPPROTO_TCP, .pps = 1, .burst = 1 };
	uint64_t now = monotonic_ns();

	/* The host hash and the trie say "blocked", the index "nothing":
	 * the index decides, as on the full path. */
	LIST_OK(guard_block(&tg, "192.0.2.7", 0));
	LIST_OK(guard_block(&tg, "198.18.9.0/25", 0));
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	expect_from("192.0.2.7", GUARD_REASON_PASS);
	/* Each bit of the cell sends the source to the lists. */
	dir_set("192.0.2.0", GUARD_DIR_HOST);
	expect_from("192.0.2.7", GUARD_REASON_BLOCK);
	cells_set(EARLY, CELL(198, 18), CELL_BLOCKS);
	dir_set("198.18.9.0", GUARD_DIR_DEEP);
	deep_set("198.18.9.0", 0, 127, 0);
	expect_from("198.18.9.5", GUARD_REASON_BLOCK);
	dir_set("198.18.9.0", GUARD_DIR_TIMED);
	expect_from("198.18.9.5", GUARD_REASON_BLOCK);
	expect_from("198.18.9.200", GUARD_REASON_PASS);

	/* While a rule may ban, the host hash is asked whatever the cell. */
	LIST_OK(guard_ban(&tg, "192.0.2.9", now + 3600 * SEC_NS));
	cells_set(EARLY | GUARD_CELLS_BANS, CELL(192, 0), CELL_BLOCKS);
	expect_from("192.0.2.9", GUARD_REASON_BAN);
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	expect_from("192.0.2.9", GUARD_REASON_PASS);

	/* An allow entry in the /16: the allowlist is asked, not skipped. */
	LIST_OK(guard_allow(&tg, "192.0.2.10", 0));
	cells_set(GUARD_CELLS_V4, CELL(192, 0), CELL_BLOCKS | GUARD_CELL_ALLOW);
	expect_from("192.0.2.10", GUARD_REASON_ALLOW);

	/* Skipping the lists skips nothing after them: the rate limit. */
	cells_set(EARLY, CELL(192, 0), CELL_BLOCKS);
	LIST_OK(guard_limit(&tg, &l));
	expect_from("192.0.2.11", GUARD_REASON_PASS);
	expect_from("192.0.2.11", GUARD_REASON_RATE);
}
END_TEST

/* The /32 value of an IPv6 address in xg_dir_v6 (flags 0xff: delete). */
static void dir6_set(const char *addr, uint8_t len, uint8_t flags)
{
	struct guard_dir_v6 v = { .len = len, .flags = flags };
	uint8_t a[16];
	uint32_t key;

	ck_assert_int_eq(inet_pton(AF_INET6, addr, a), 1);
	memcpy(&key, a, 4);
	if (flags == 0xff)
		bpf_map_delete_elem(tg.map_fd[GM_DIR_V6], &key);
	else
		ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_DIR_V6], &key, &v, BPF_ANY), 0);
}

static void index6_use(uint32_t flags)
{
	struct guard_config cfg;

	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.skip_lists = (cfg.skip_lists & ~(GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT)) | flags;
	LIST_OK(guard_config_set(&tg, &cfg));
}

/* With the IPv6 index in use, the /32's value decides which lookup. */
START_TEST(test_dir6)
{
	uint64_t now = monotonic_ns();

	LIST_OK(guard_block(&tg, "2001:db8::1", 0));
	LIST_OK(guard_block(&tg, "2001:db8:1::/48", 0));

	index6_use(0);
	expect_from("2001:db8::1", GUARD_REASON_BLOCK);
	expect_from("2001:db8:1::7", GUARD_REASON_BLOCK);
	/* In use, nothing for the /32: no lookup at all. */
	index6_use(GUARD_INDEX_V6);
	expect_from("2001:db8::1", GUARD_REASON_PASS);
	expect_from("2001:db8:1::7", GUARD_REASON_PASS);
	/* ...unless a prefix too short to spread exists: the trie. */
	index6_use(GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT);
	expect_from("2001:db8:1::7", GUARD_REASON_BLOCK);
	expect_from("2001:db8::1", GUARD_REASON_PASS);
	index6_use(GUARD_INDEX_V6);

	dir6_set("2001:db8::", 0, GUARD_DIR_HOST);
	expect_from("2001:db8::1", GUARD_REASON_BLOCK);
	expect_from("2001:db8:1::7", GUARD_REASON_PASS);
	dir6_set("2001:db8::", 0, GUARD_DIR_DEEP);
	expect_from("2001:db8::1", GUARD_REASON_PASS);
	expect_from("2001:db8:1::7", GUARD_REASON_BLOCK);
	expect_from("2001:db8:2::7", GUARD_REASON_PASS);
	/* A plain covering prefix: blocked from the value alone. */
	dir6_set("2001:db8::", 32 + 1, 0);
	expect_from("2001:db8:2::7", GUARD_REASON_BLOCK);
	expect_from("2001:db9::7", GUARD_REASON_PASS);
	/* Timed: the trie and its clock. */
	dir6_set("2001:db8::", 0, GUARD_DIR_TIMED);
	expect_from("2001:db8:2::7", GUARD_REASON_PASS);
	LIST_OK(guard_block(&tg, "2001:db8::/32", now + 3600 * SEC_NS));
	expect_from("2001:db8:2::7", GUARD_REASON_BLOCK);
	LIST_OK(guard_block(&tg, "2001:db8::/32", now - SEC_NS));
	expect_from("2001:db8:2::7", GUARD_REASON_PASS);
	dir6_set("2001:db8::", 0, 0xff);
	/* IPv4 is not its business. */
	LIST_OK(guard_block(&tg, "192.0.2.1", 0));
	expect_from("192.0.2.1", GUARD_REASON_BLOCK);
}
END_TEST

Suite *lists_suite(void)
{
	Suite *s = suite_create("lists");
	TCase *tc;

	tc = tcase_create("hosts_and_prefixes");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_block_host_v4);
	tcase_add_test(tc, test_block_host_v6);
	tcase_add_test(tc, test_block_many_hosts);
	tcase_add_loop_test(tc, test_block_prefix, 0, N_PREFIXES);
	tcase_add_loop_test(tc, test_allow_prefix, 0, N_PREFIXES);
	tcase_add_test(tc, test_block_nested_prefixes);
	tcase_add_test(tc, test_families_separate);
	suite_add_tcase(s, tc);

	tc = tcase_create("precedence");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_allow_skips_l4);
	tcase_add_test(tc, test_allow_skips_l3_lengths);
	tcase_add_test(tc, test_block_before_l4);
	tcase_add_test(tc, test_unparsed_not_judged);
	tcase_add_test(tc, test_ban_counted_as_ban);
	suite_add_tcase(s, tc);

	tc = tcase_create("expiry");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_block_expiry);
	tcase_add_test(tc, test_expired_host_falls_through);
	tcase_add_test(tc, test_expired_prefix_reveals_shorter);
	tcase_add_test(tc, test_expired_prefixes_nested);
	tcase_add_test(tc, test_allow_expiry);
	tcase_add_test(tc, test_expiry_follows_monotonic_clock);
	suite_add_tcase(s, tc);

	tc = tcase_create("index");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_cells_skip_lists);
	tcase_add_test(tc, test_cells_leave_ipv6_alone);
	tcase_add_test(tc, test_dir_host_bit);
	tcase_add_test(tc, test_dir_lone_host);
	tcase_add_test(tc, test_dir_prefixes);
	tcase_add_test(tc, test_early_lone_host);
	tcase_add_test(tc, test_early_prefix);
	tcase_add_test(tc, test_early_leaves_allow_and_malformed);
	tcase_add_test(tc, test_early_clean_slash24);
	tcase_add_test(tc, test_dir6);
	suite_add_tcase(s, tc);

	return s;
}
