// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prefixes: xg_prefix_parse, _format, _is_host, _covers, _cmp.
 *
 * The parser is the gate every address from the command line and from list
 * files goes through, so most of this file is input it must refuse.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "unit.h"

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Clear the bits below len, in network byte order. */
static void mask_addr(uint8_t *addr, int bytes, unsigned int len)
{
	for (int i = 0; i < bytes; i++) {
		unsigned int bit = (unsigned int)i * 8;

		if (len <= bit)
			addr[i] = 0;
		else if (len < bit + 8)
			addr[i] &= (uint8_t)(0xff << (bit + 8 - len));
	}
}

/* The canonical text: inet_ntop's address, then "/LEN". */
static void canonical(int family, const uint8_t *addr, unsigned int len,
		      char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	ck_assert_ptr_nonnull(inet_ntop(family, addr, a, sizeof(a)));
	snprintf(buf, size, "%s/%u", a, len);
}

static void assert_rejected(const char *text)
{
	struct xg_prefix p;
	const char *why = NULL;
	int err;

	memset(&p, 0xa5, sizeof(p));
	err = xg_prefix_parse(text, &p, &why);
	ck_assert_msg(err == -EINVAL, "\"%s\": expected -EINVAL, got %d", text, err);
	ck_assert_msg(why && why[0], "\"%s\": rejected without a reason", text);
	/* A reason is a short phrase for a message, not a paragraph. */
	ck_assert_msg(strlen(why) < 200, "\"%s\": reason too long", text);
}

static void assert_parses(const char *text, int family, unsigned int len,
			  const uint8_t *addr)
{
	struct xg_prefix p = unit_prefix(text);

	ck_assert_int_eq(p.family, family);
	ck_assert_uint_eq(p.len, len);
	ck_assert_mem_eq(p.addr, addr, (size_t)addr_len(family));
}

/* ---- accepted input ----------------------------------------------------- */

START_TEST(test_bare_addresses_are_hosts)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t zero[16];
	struct xg_prefix p;
	char buf[XG_PREFIX_STRLEN];

	assert_parses("192.0.2.1", AF_INET, 32, v4);
	assert_parses("2001:db8::1", AF_INET6, 128, v6);
	assert_parses("0.0.0.0", AF_INET, 32, zero);
	assert_parses("::", AF_INET6, 128, zero);

	/* Formatting always names the length, even for a host. */
	p = unit_prefix("192.0.2.1");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "192.0.2.1/32");
	p = unit_prefix("2001:db8::1");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "2001:db8::1/128");
}
END_TEST

START_TEST(test_ipv6_upper_case_and_long_form)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xab };
	struct xg_prefix p;
	char buf[XG_PREFIX_STRLEN];

	assert_parses("2001:DB8::AB", AF_INET6, 128, v6);
	assert_parses("2001:0db8:0000:0000:0000:0000:0000:00ab/128", AF_INET6, 128, v6);
	/* Formatting gives the canonical (RFC 5952) form whatever was typed. */
	p = unit_prefix("2001:0DB8:0:0::00AB");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "2001:db8::ab/128");
}
END_TEST

START_TEST(test_ipv4_mapped_is_ipv6)
{
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 1, 2, 3, 4 };
	static const uint8_t net[16] = { [10] = 0xff, [11] = 0xff };
	struct xg_prefix p;
	char buf[XG_PREFIX_STRLEN];

	/* An IPv4-mapped address is an IPv6 key: the XDP program looks IPv6
	 * sources up in the IPv6 maps, and a v4-mapped source arrives as
	 * IPv6.  Quietly turning it into 1.2.3.4 would block the wrong
	 * traffic. */
	assert_parses("::ffff:1.2.3.4", AF_INET6, 128, mapped);
	assert_parses("::ffff:0:0/96", AF_INET6, 96, net);
	p = unit_prefix("::ffff:1.2.3.4");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "::ffff:1.2.3.4/128");
}
END_TEST

/* Every length 0..32: the all-ones address cut to the length. */
START_TEST(test_ipv4_every_length)
{
	for (unsigned int len = 0; len <= 32; len++) {
		uint8_t addr[4] = { 0xff, 0xff, 0xff, 0xff };
		char text[XG_PREFIX_STRLEN], buf[XG_PREFIX_STRLEN];
		struct xg_prefix p;

		mask_addr(addr, 4, len);
		canonical(AF_INET, addr, len, text, sizeof(text));
		assert_parses(text, AF_INET, len, addr);
		p = unit_prefix(text);
		ck_assert_ptr_eq(xg_prefix_format(&p, buf, sizeof(buf)), buf);
		ck_assert_str_eq(buf, text);
		ck_assert_msg(xg_prefix_is_host(&p) == (len == 32), "%s", text);

		/* Only the last bit of the prefix set: the bit at the boundary
		 * is the one an off-by-one in the host-bit check would refuse. */
		memset(addr, 0, sizeof(addr));
		if (len)
			addr[(len - 1) / 8] = (uint8_t)(0x80 >> ((len - 1) % 8));
		canonical(AF_INET, addr, len, text, sizeof(text));
		assert_parses(text, AF_INET, len, addr);
	}
}
END_TEST

START_TEST(test_ipv6_every_length)
{
	for (unsigned int len = 0; len <= 128; len++) {
		uint8_t addr[16];
		char text[XG_PREFIX_STRLEN], buf[XG_PREFIX_STRLEN];
		struct xg_prefix p;

		memset(addr, 0xff, sizeof(addr));
		mask_addr(addr, 16, len);
		canonical(AF_INET6, addr, len, text, sizeof(text));
		assert_parses(text, AF_INET6, len, addr);
		p = unit_prefix(text);
		ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), text);
		ck_assert_msg(xg_prefix_is_host(&p) == (len == 128), "%s", text);

		memset(addr, 0, sizeof(addr));
		if (len)
			addr[(len - 1) / 8] = (uint8_t)(0x80 >> ((len - 1) % 8));
		canonical(AF_INET6, addr, len, text, sizeof(text));
		assert_parses(text, AF_INET6, len, addr);
	}
}
END_TEST

/* Any single host bit set below any length is refused, with a reason. */
START_TEST(test_ipv4_host_bits_rejected)
{
	char text[XG_PREFIX_STRLEN];

	for (unsigned int len = 0; len < 32; len++) {
		for (unsigned int bit = len; bit < 32; bit++) {
			uint8_t addr[4] = { 10, 0, 0, 0 };

			mask_addr(addr, 4, len);
			addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			canonical(AF_INET, addr, len, text, sizeof(text));
			assert_rejected(text);
		}
	}
}
END_TEST

START_TEST(test_ipv6_host_bits_rejected)
{
	char text[XG_PREFIX_STRLEN];

	for (unsigned int len = 0; len < 128; len++) {
		for (unsigned int bit = len; bit < 128; bit++) {
			uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };

			mask_addr(addr, 16, len);
			addr[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			canonical(AF_INET6, addr, len, text, sizeof(text));
			assert_rejected(text);
		}
	}
}
END_TEST

START_TEST(test_host_bits_example)
{
	/* The header's own example: a typo, not a wish for 10.0.0.0/24. */
	assert_rejected("10.0.0.1/24");
	assert_rejected("2001:db8::1/64");
}
END_TEST

START_TEST(test_zero_length)
{
	static const uint8_t zero[16];
	struct xg_prefix p;
	char buf[XG_PREFIX_STRLEN];

	assert_parses("0.0.0.0/0", AF_INET, 0, zero);
	assert_parses("::/0", AF_INET6, 0, zero);
	p = unit_prefix("0.0.0.0/0");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "0.0.0.0/0");
	p = unit_prefix("::/0");
	ck_assert_str_eq(xg_prefix_format(&p, buf, sizeof(buf)), "::/0");
	/* Everything is a host bit at /0. */
	assert_rejected("1.0.0.0/0");
	assert_rejected("::1/0");
}
END_TEST

/* ---- refused input ------------------------------------------------------ */

static const char *const invalid[] = {
	/* nothing, or nothing but blanks */
	"", " ", "\t", "\n", "\r\n", "/", "//",
	/* not an address */
	"garbage", "localhost", "example.com", "x", "-", "#", "1.2.3.4#x",
	/* IPv4 with the wrong number of parts, or parts out of range */
	"1", "1.2", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3.4", "1..2.3",
	"256.1.1.1", "1.2.3.256", "1.2.3.999", "1.2.3.-4", "-1.2.3.4",
	"+1.2.3.4", "1.2.3.+4", "4294967295", "16909060",
	/* inet_aton's forms: hex, octal, fewer parts.  inet_pton refuses
	 * them, and so must we: is 010 eight or ten? */
	"0x01020304", "0x1.2.3.4", "010.1.1.1", "1.2.3.04", "01.2.3.4",
	"1.2.3.00", "1.2.3.4x",
	/* lengths: missing, signed, padded, out of range, not decimal */
	"/24", "/0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
	"10.0.0.0/-0", "10.0.0.0/08", "10.0.0.0/010", "10.0.0.0/00",
	"10.0.0.0/ 8", "10.0.0.0 /8", "10.0.0.0/8 ", " 10.0.0.0/8",
	"10.0.0.0/\t8", "10.0.0.0/8\n", "10.0.0.0/8\r", "10.0.0.0/8x",
	"10.0.0.0/0x8", "10.0.0.0/8.0", "10.0.0.0/1e1", "10.0.0.0/8/1",
	"10.0.0.0/8/", "10.0.0.0//8", "10.0.0.0/255.0.0.0",
	"10.0.0.0/100", "1.2.3.4/256", "1.2.3.4/288",	/* 288 & 0xff == 32 */
	"1.2.3.4/4294967328",				/* 2^32 + 32 */
	"1.2.3.4/18446744073709551648",			/* 2^64 + 32 */
	"1.2.3.4/99999999999999999999999999999999",
	/* white space around or inside the address */
	" 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1.2.3.4\t", "1. 2.3.4",
	"1.2.3.4 # comment", "1.2.3.4 5.6.7.8",
	/* IPv6 */
	"::1/129", "::/129", "::1/384",			/* 384 & 0xff == 128 */
	"2001:db8::/-1", "2001:db8::/+32", "2001:db8::/032",
	":::1", "1::2::3", "12345::", "::g", "1:2:3:4:5:6:7:8:9",
	"1:2:3:4:5:6:7", "2001:db8:::/48", "::ffff:1.2.3", "::ffff:256.1.1.1",
	"[::1]", "[::1]/128", "::1]", "2001:db8::1 ",
	/* zone ids: a scoped address is no key for a map */
	"fe80::1%eth0", "fe80::1%1", "fe80::%eth0/64", "fe80::1%", "1.2.3.4%eth0",
	/* a port */
	"1.2.3.4:80", "[2001:db8::1]:80",
	/* bytes a C string can still hold */
	"1.2.3.4\x01", "\x7f", "1.2.3.4\xff", "\xef\xbc\x91.2.3.4" /* fullwidth 1 */,
};

START_TEST(test_invalid)
{
	for (size_t i = 0; i < ARRAY_LEN(invalid); i++)
		assert_rejected(invalid[i]);
}
END_TEST

/* Long input must be refused without reading or writing out of bounds. */
START_TEST(test_very_long_input)
{
	static const char *const patterns[] = { "1", "0:", "a", "10.0.0.0/8 ", "/" };
	const size_t sizes[] = { 64, 255, 256, 4095, 4096, 1 << 20 };
	char *text;

	for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
		for (size_t k = 0; k < ARRAY_LEN(patterns); k++) {
			size_t plen = strlen(patterns[k]);

			text = malloc(sizes[s] + 1);
			ck_assert_ptr_nonnull(text);
			for (size_t i = 0; i < sizes[s]; i++)
				text[i] = patterns[k][i % plen];
			text[sizes[s]] = '\0';
			assert_rejected(text);
			free(text);
		}
	}

	/* A valid prefix with a long tail, and a length behind many zeros. */
	text = malloc(10001);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "10.0.0.0/8");
	memset(text + 10, 'x', 9990);
	text[10000] = '\0';
	assert_rejected(text);
	strcpy(text, "10.0.0.0/");
	memset(text + 9, '0', 9989);
	strcpy(text + 9998, "8");
	assert_rejected(text);
	free(text);
}
END_TEST

/* ---- what is written, and where ---------------------------------------- */

START_TEST(test_output_independent_of_prior_contents)
{
	static const char *const texts[] = {
		"1.2.3.4", "10.0.0.0/8", "0.0.0.0/0", "::1", "2001:db8::/32",
	};

	/* Whatever was in the struct before, equal text must give equal
	 * prefixes; compare through the library's own functions. */
	for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
		struct xg_prefix a, b;
		const char *why;

		memset(&a, 0xaa, sizeof(a));
		memset(&b, 0x55, sizeof(b));
		ck_assert_int_eq(xg_prefix_parse(texts[i], &a, &why), 0);
		ck_assert_int_eq(xg_prefix_parse(texts[i], &b, &why), 0);
		ck_assert_msg(xg_prefix_cmp(&a, &b) == 0, "%s", texts[i]);
		ck_assert(xg_prefix_covers(&a, &b));
		ck_assert(xg_prefix_covers(&b, &a));
	}
}
END_TEST

START_TEST(test_ipv4_ignores_unused_bytes)
{
	/* "IPv4 uses addr[0..3]": a struct filled in by hand, with whatever
	 * in the other twelve bytes, is the same prefix. */
	struct xg_prefix a = { .family = AF_INET, .len = 24, .addr = { 10, 1, 2 } };
	struct xg_prefix b = a;
	char buf[XG_PREFIX_STRLEN];

	memset(b.addr + 4, 0xee, 12);
	ck_assert_int_eq(xg_prefix_cmp(&a, &b), 0);
	ck_assert(xg_prefix_covers(&a, &b));
	ck_assert_str_eq(xg_prefix_format(&b, buf, sizeof(buf)), "10.1.2.0/24");
}
END_TEST

START_TEST(test_format_buffer_sizes)
{
	static const char *const texts[] = {
		"255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"::ffff:255.255.255.255", "1111:2222:3333:4444:5555:6666:7777:8888/128",
	};

	/* XG_PREFIX_STRLEN is enough for anything; smaller buffers may get
	 * a cut or empty result, but nothing past their end.  Heap buffers
	 * of the exact size let ASan see a one-byte overflow. */
	for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
		struct xg_prefix p = unit_prefix(texts[i]);
		char want[XG_PREFIX_STRLEN];

		canonical(p.family, p.addr, p.len, want, sizeof(want));
		for (size_t size = 1; size <= XG_PREFIX_STRLEN; size++) {
			char *buf = malloc(size);

			ck_assert_ptr_nonnull(buf);
			memset(buf, 'z', size);
			xg_prefix_format(&p, buf, size);
			if (size > strlen(want))
				ck_assert_str_eq(buf, want);
			free(buf);
		}
	}
}
END_TEST

/* ---- round trips -------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run, so failures reproduce. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static struct xg_prefix random_prefix(void)
{
	struct xg_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = rng() & 1 ? AF_INET6 : AF_INET;
	for (int i = 0; i < addr_len(p.family); i++)
		p.addr[i] = (uint8_t)rng();
	/* Lengths near the ends matter most; draw them more often. */
	switch (rng() % 4) {
	case 0:
		p.len = p.family == AF_INET ? 32 : 128;
		break;
	case 1:
		p.len = (uint8_t)(rng() % 3);
		break;
	default:
		p.len = (uint8_t)(rng() % (p.family == AF_INET ? 33 : 129));
	}
	mask_addr(p.addr, addr_len(p.family), p.len);
	return p;
}

START_TEST(test_round_trip)
{
	for (int i = 0; i < 10000; i++) {
		struct xg_prefix p = random_prefix(), q;
		char buf[XG_PREFIX_STRLEN], again[XG_PREFIX_STRLEN];
		char want[XG_PREFIX_STRLEN];
		const char *why = NULL;
		int err;

		canonical(p.family, p.addr, p.len, want, sizeof(want));
		xg_prefix_format(&p, buf, sizeof(buf));
		ck_assert_str_eq(buf, want);
		err = xg_prefix_parse(buf, &q, &why);
		ck_assert_msg(err == 0, "%s: %d (%s)", buf, err, why ? why : "?");
		ck_assert_int_eq(q.family, p.family);
		ck_assert_uint_eq(q.len, p.len);
		ck_assert_mem_eq(q.addr, p.addr, (size_t)addr_len(p.family));
		ck_assert_int_eq(xg_prefix_cmp(&p, &q), 0);
		ck_assert_str_eq(xg_prefix_format(&q, again, sizeof(again)), buf);
	}
}
END_TEST

/* ---- is_host, covers, cmp ----------------------------------------------- */

START_TEST(test_is_host)
{
	struct xg_prefix p;

	p = unit_prefix("1.2.3.4");
	ck_assert(xg_prefix_is_host(&p));
	p = unit_prefix("1.2.3.4/32");
	ck_assert(xg_prefix_is_host(&p));
	p = unit_prefix("1.2.3.4/31");
	ck_assert(!xg_prefix_is_host(&p));
	p = unit_prefix("0.0.0.0/0");
	ck_assert(!xg_prefix_is_host(&p));
	p = unit_prefix("::1");
	ck_assert(xg_prefix_is_host(&p));
	p = unit_prefix("::ffff:1.2.3.4");
	ck_assert(xg_prefix_is_host(&p));
	/* 32 bits of an IPv6 address is a network, not a host. */
	p = unit_prefix("2001:db8::/32");
	ck_assert(!xg_prefix_is_host(&p));
	p = unit_prefix("2001:db8::2/127");
	ck_assert(!xg_prefix_is_host(&p));
}
END_TEST

static bool covers(const char *outer, const char *inner)
{
	struct xg_prefix o = unit_prefix(outer), i = unit_prefix(inner);

	return xg_prefix_covers(&o, &i);
}

START_TEST(test_covers_examples)
{
	ck_assert(covers("10.0.0.0/8", "10.1.2.3"));
	ck_assert(covers("10.0.0.0/8", "10.0.0.0/8"));
	ck_assert(covers("10.0.0.0/8", "10.128.0.0/9"));
	ck_assert(covers("10.0.0.0/8", "10.255.255.255"));
	ck_assert(!covers("10.0.0.0/8", "11.0.0.0"));
	ck_assert(!covers("10.0.0.0/8", "9.255.255.255"));
	ck_assert(!covers("10.128.0.0/9", "10.0.0.0/8"));
	ck_assert(!covers("10.0.0.0/9", "10.128.0.0/9"));
	ck_assert(covers("0.0.0.0/0", "255.255.255.255"));
	ck_assert(covers("1.2.3.4", "1.2.3.4"));
	ck_assert(!covers("1.2.3.4", "1.2.3.5"));
	ck_assert(covers("2001:db8::/32", "2001:db8:ffff::1"));
	ck_assert(!covers("2001:db8::/32", "2001:db9::1"));
	ck_assert(covers("::/0", "ffff::1"));

	/* Across families: never, not even for ::/0, 0.0.0.0/0 or the
	 * IPv4-mapped range. */
	ck_assert(!covers("::/0", "1.2.3.4"));
	ck_assert(!covers("0.0.0.0/0", "::1"));
	ck_assert(!covers("0.0.0.0/0", "::/0"));
	ck_assert(!covers("::ffff:0:0/96", "1.2.3.4"));
	ck_assert(!covers("1.2.3.4", "::ffff:1.2.3.4"));
}
END_TEST

/* The model the library is checked against. */
static bool ref_covers(const struct xg_prefix *o, const struct xg_prefix *i)
{
	uint8_t a[16], b[16];
	int n = addr_len(o->family);

	if (o->family != i->family || o->len > i->len)
		return false;
	memcpy(a, o->addr, (size_t)n);
	memcpy(b, i->addr, (size_t)n);
	mask_addr(a, n, o->len);
	mask_addr(b, n, o->len);
	return memcmp(a, b, (size_t)n) == 0;
}

static int ref_cmp(const struct xg_prefix *a, const struct xg_prefix *b)
{
	int d;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	d = memcmp(a->addr, b->addr, (size_t)addr_len(a->family));
	if (d)
		return d;
	return (int)a->len - (int)b->len;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Prefixes drawn from a few close addresses, so that covers() is often
 * true and cmp() often has to look at the length. */
static void related_prefixes(struct xg_prefix *out, size_t n)
{
	struct xg_prefix seeds[6];

	for (size_t i = 0; i < ARRAY_LEN(seeds); i++)
		seeds[i] = random_prefix();
	for (size_t i = 0; i < n; i++) {
		struct xg_prefix p = seeds[rng() % ARRAY_LEN(seeds)];
		unsigned int max = p.family == AF_INET ? 32 : 128;

		/* Full address from the seed, flipped low bits, cut anywhere. */
		if (rng() & 1)
			p.addr[addr_len(p.family) - 1] ^= (uint8_t)rng();
		p.len = (uint8_t)(rng() % (max + 1));
		mask_addr(p.addr, addr_len(p.family), p.len);
		out[i] = p;
	}
}

START_TEST(test_covers_model)
{
	enum { N = 300 };
	struct xg_prefix *p = calloc(N, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	related_prefixes(p, N);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			ck_assert_msg(xg_prefix_covers(&p[i], &p[j]) ==
				      ref_covers(&p[i], &p[j]),
				      "covers(%d, %d)", i, j);
	free(p);
}
END_TEST

START_TEST(test_cmp_model)
{
	enum { N = 300 };
	struct xg_prefix *p = calloc(N, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	related_prefixes(p, N / 2);
	for (int i = N / 2; i < N; i++)
		p[i] = random_prefix();
	/* Equal signs with the model on every pair makes it a total order
	 * (antisymmetric, transitive, reflexive) with the documented keys:
	 * family, then address, then length. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			ck_assert_msg(sign(xg_prefix_cmp(&p[i], &p[j])) ==
				      sign(ref_cmp(&p[i], &p[j])),
				      "cmp(%d, %d)", i, j);
	free(p);
}
END_TEST

static int qsort_cmp(const void *a, const void *b)
{
	return xg_prefix_cmp(a, b);
}

START_TEST(test_cmp_sorts)
{
	/* In the order `list` should show them. */
	static const char *const sorted[] = {
		"0.0.0.0/0", "0.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "10.0.0.0",
		"10.0.0.1", "10.1.0.0/16", "192.168.0.0/16", "255.255.255.255",
		"::/0", "::", "::1", "::ffff:0:0/96", "::ffff:1.2.3.4",
		"2001:db8::/32", "2001:db8::/64", "2001:db8::1", "fe80::/10",
		"ffff::/16",
	};
	enum { N = ARRAY_LEN(sorted) };
	struct xg_prefix p[N];
	char buf[XG_PREFIX_STRLEN], want[XG_PREFIX_STRLEN];

	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < N; i++)
			p[i] = unit_prefix(sorted[i]);
		for (int i = N - 1; i > 0; i--) {	/* Fisher-Yates */
			int j = (int)(rng() % (uint64_t)(i + 1));
			struct xg_prefix t = p[i];

			p[i] = p[j];
			p[j] = t;
		}
		qsort(p, N, sizeof(p[0]), qsort_cmp);
		for (int i = 0; i < N; i++) {
			struct xg_prefix w = unit_prefix(sorted[i]);

			xg_prefix_format(&w, want, sizeof(want));
			ck_assert_str_eq(xg_prefix_format(&p[i], buf, sizeof(buf)), want);
		}
	}
}
END_TEST

/* ---- how entries with a deadline nest (xg_timed_nesting) ------------- */

static struct xg_entry timed(const char *text, uint64_t expires_ns)
{
	struct xg_entry e;

	memset(&e, 0, sizeof(e));
	e.prefix = unit_prefix(text);
	e.expires_ns = expires_ns;
	return e;
}

static void assert_nesting(const struct xg_entry *e, size_t n, size_t want,
			   const char *want_deepest)
{
	struct xg_prefix deepest, p;
	char got[XG_PREFIX_STRLEN];
	size_t depth = xg_timed_nesting(e, n, &deepest);

	ck_assert_uint_eq(depth, want);
	if (want_deepest) {
		p = unit_prefix(want_deepest);
		ck_assert_msg(!xg_prefix_cmp(&deepest, &p), "deepest %s, expected %s",
			      xg_prefix_format(&deepest, got, sizeof(got)), want_deepest);
	}
}

START_TEST(test_nesting_counts_timed_chains)
{
	const struct xg_entry chain[] = {
		timed("10.2.3.0/24", 9), timed("10.0.0.0/8", 9), timed("192.0.2.0/24", 9),
		timed("10.2.0.0/16", 0),	/* for good: not in the count */
		timed("10.2.3.4", 9), timed("10.1.0.0/16", 9),
		timed("2001:db8::/32", 9), timed("2001:db8:1::/48", 9),
	};
	/* Siblings under one prefix: the chain goes through one of them. */
	const struct xg_entry siblings[] = {
		timed("10.0.0.0/8", 9), timed("10.1.0.0/16", 9), timed("10.2.0.0/16", 9),
		timed("10.2.128.0/17", 9), timed("10.3.0.0/16", 9),
	};
	/* Given twice: the later entry is the one that stays. */
	const struct xg_entry replaced[] = {
		timed("10.0.0.0/8", 9), timed("10.1.0.0/16", 9), timed("10.1.0.0/16", 0),
		timed("10.1.2.0/24", 9),
	};
	const struct xg_entry none[] = { timed("10.0.0.0/8", 0), timed("10.1.0.0/16", 0) };

	assert_nesting(chain, 0, 0, NULL);
	assert_nesting(none, 2, 0, NULL);
	assert_nesting(chain, sizeof(chain) / sizeof(chain[0]), 3, "10.2.3.4");
	assert_nesting(siblings, sizeof(siblings) / sizeof(siblings[0]), 3, "10.2.128.0/17");
	assert_nesting(replaced, sizeof(replaced) / sizeof(replaced[0]), 2, "10.1.2.0/24");
	assert_nesting(chain + 6, 2, 2, "2001:db8:1::/48");
}
END_TEST

/* Against counting, for every entry, the timed ones that cover it. */
START_TEST(test_nesting_model)
{
	struct xg_entry e[40];
	uint64_t rng = 0x6e657374ull, x;

	for (int round = 0; round < 200; round++) {
		size_t n = 1 + round % 40, want = 0;

		for (size_t i = 0; i < n; i++) {
			struct xg_prefix *p = &e[i].prefix;

			x = unit_splitmix64(&rng);
			memset(&e[i], 0, sizeof(e[i]));
			p->family = AF_INET;
			p->len = (uint8_t)(4 + (x >> 33) % 12);
			p->addr[0] = (uint8_t)((x >> 45) & 0xf0);
			p->addr[1] = (uint8_t)(x >> 53);
			for (unsigned int b = p->len; b < 32; b++)
				p->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			e[i].expires_ns = (x >> 61) ? 9 : 0;
		}
		for (size_t i = 0; i < n; i++) {
			size_t depth = 0;
			bool last = true;

			for (size_t j = i + 1; j < n; j++)
				last &= xg_prefix_cmp(&e[j].prefix, &e[i].prefix) != 0;
			if (!last || !e[i].expires_ns)
				continue;
			for (size_t j = 0; j < n; j++) {
				bool last_j = true;

				for (size_t k = j + 1; k < n; k++)
					last_j &= xg_prefix_cmp(&e[k].prefix, &e[j].prefix) != 0;
				depth += last_j && e[j].expires_ns &&
					 xg_prefix_covers(&e[j].prefix, &e[i].prefix);
			}
			if (depth > want)
				want = depth;
		}
		ck_assert_msg(xg_timed_nesting(e, n, NULL) == want, "round %d: %zu, expected %zu",
			      round, xg_timed_nesting(e, n, NULL), want);
	}
}
END_TEST

Suite *prefix_suite(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_bare_addresses_are_hosts);
	tcase_add_test(tc, test_ipv6_upper_case_and_long_form);
	tcase_add_test(tc, test_ipv4_mapped_is_ipv6);
	tcase_add_test(tc, test_ipv4_every_length);
	tcase_add_test(tc, test_ipv6_every_length);
	tcase_add_test(tc, test_ipv4_host_bits_rejected);
	tcase_add_test(tc, test_ipv6_host_bits_rejected);
	tcase_add_test(tc, test_host_bits_example);
	tcase_add_test(tc, test_zero_length);
	tcase_add_test(tc, test_output_independent_of_prior_contents);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid");
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_very_long_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_ipv4_ignores_unused_bytes);
	tcase_add_test(tc, test_format_buffer_sizes);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("order");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_is_host);
	tcase_add_test(tc, test_covers_examples);
	tcase_add_test(tc, test_covers_model);
	tcase_add_test(tc, test_cmp_model);
	tcase_add_test(tc, test_cmp_sorts);
	suite_add_tcase(s, tc);

	tc = tcase_create("nesting");
	tcase_add_test(tc, test_nesting_counts_timed_chains);
	tcase_add_test(tc, test_nesting_model);
	suite_add_tcase(s, tc);
	return s;
}
