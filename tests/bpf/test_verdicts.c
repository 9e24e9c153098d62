// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every parse path and every verdict, with empty lists: well-formed frames
 * pass, non-IP frames pass, frames with more VLAN tags than the parser
 * walks pass unparsed, and each header whose length fields make no sense
 * is dropped as malformed.
 */
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <string.h>

#include "tests.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#ifndef ETH_P_LLDP
#define ETH_P_LLDP 0x88CC
#endif

/* Every catalog frame is well formed, so it passes. */
START_TEST(test_catalog_passes)
{
	const struct frame_case *c = &frame_cases[_i];
	struct frame f;

	frame_init(&f);
	BUILD_OK(c->build(&f, c->ip_version == 4 ? CASE_SRC4 : CASE_SRC6));
	EXPECT_NAMED(c->name, f.data, f.len, GUARD_REASON_PASS);
}
END_TEST

/* Ethernet's minimum frame: short datagrams arrive padded to 60 bytes,
 * and the padding is not part of the datagram. */
START_TEST(test_padded_frames_pass)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	BUILD_OK(frame_pad(&f, FRAME_ETH_MIN));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_tcp(&f, 1, 2, 0x10);
	BUILD_OK(frame_finish(&f));
	BUILD_OK(frame_pad(&f, FRAME_ETH_MIN));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);

	/* IPv6 frames are never short enough to need it, but a sender may
	 * still pad. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	BUILD_OK(frame_pad(&f, 100));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
}
END_TEST

/* ---- non-IP ---------------------------------------------------------- */

static void build_l2(struct frame *f, int tags, uint16_t ethertype,
		     size_t payload)
{
	int i;

	frame_init(f);
	frame_eth(f);
	for (i = 0; i < tags; i++)
		frame_vlan(f, i == 0 && tags > 1 ? ETH_P_8021AD : ETH_P_8021Q,
			   10 + i);
	frame_set_next(f, ethertype);
	frame_payload(f, payload, 0x11);
	BUILD_OK(frame_finish(f));
}

START_TEST(test_non_ip_pass)
{
	struct frame f;

	build_l2(&f, 0, ETH_P_ARP, 28);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	build_l2(&f, 0, ETH_P_LLDP, 46);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	build_l2(&f, 0, 0x1234, 46);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	/* 802.3 with a length field where the ethertype would be. */
	build_l2(&f, 0, 46, 46);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	/* ARP inside one and two VLAN tags. */
	build_l2(&f, 1, ETH_P_ARP, 28);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	build_l2(&f, 2, ETH_P_ARP, 28);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
	/* A bare Ethernet header: the shortest frame the kernel runs. */
	build_l2(&f, 0, ETH_P_ARP, 0);
	ck_assert_uint_eq(f.len, 14);
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
}
END_TEST

/* 0x9100 is a pre-standard QinQ TPID.  Linux does not untag it either
 * (eth_type_vlan() knows 802.1Q and 802.1ad only), so the stack will not
 * see IP inside: passing it as non-IP lets nothing through as IP. */
START_TEST(test_unknown_tpid_is_non_ip)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_vlan(&f, 0x9100, 10);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_NON_IP);
}
END_TEST

/* ---- VLAN nesting ---------------------------------------------------- */

static void build_tagged_ipv4(struct frame *f, const uint16_t *tpids,
			      int tags)
{
	int i;

	frame_init(f);
	frame_eth(f);
	for (i = 0; i < tags; i++)
		frame_vlan(f, tpids[i], 10 + i);
	frame_ipv4(f, CASE_SRC4, CASE_DST4);
	frame_udp(f, 1, 2);
	BUILD_OK(frame_finish(f));
}

START_TEST(test_three_tags_unparsed)
{
	static const uint16_t q3[] = { ETH_P_8021Q, ETH_P_8021Q, ETH_P_8021Q };
	static const uint16_t ad3[] = { ETH_P_8021AD, ETH_P_8021Q,
					ETH_P_8021Q };
	static const uint16_t ad4[] = { ETH_P_8021AD, ETH_P_8021AD,
					ETH_P_8021Q, ETH_P_8021Q };
	struct frame f;

	build_tagged_ipv4(&f, q3, 3);
	EXPECT_FRAME(&f, GUARD_REASON_UNPARSED);
	build_tagged_ipv4(&f, ad3, 3);
	EXPECT_FRAME(&f, GUARD_REASON_UNPARSED);
	build_tagged_ipv4(&f, ad4, 4);
	EXPECT_FRAME(&f, GUARD_REASON_UNPARSED);
}
END_TEST

/* Two tags, in any mix of 802.1Q and 802.1ad, are walked. */
START_TEST(test_two_tags_parsed)
{
	static const uint16_t mixes[][2] = {
		{ ETH_P_8021AD, ETH_P_8021Q },
		{ ETH_P_8021Q, ETH_P_8021Q },
		{ ETH_P_8021AD, ETH_P_8021AD },
		{ ETH_P_8021Q, ETH_P_8021AD },
	};
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
		build_tagged_ipv4(&f, mixes[i], 2);
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		/* Parsed for real: a bad IPv4 header inside is caught. */
		f.data[22] = 0x44;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

/* ---- IPv4 header sanity ---------------------------------------------- */

static void build_ipv4_tcp(struct frame *f, unsigned int ihl)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv4(f, CASE_SRC4, CASE_DST4);
	frame_ipv4_options(f, ihl);
	frame_tcp(f, 40000, 80, 0x02);
	frame_payload(f, 16, 'p');
	BUILD_OK(frame_finish(f));
}

/* Options of every length, ihl 5 to 15, are skipped to find TCP. */
START_TEST(test_ipv4_every_ihl)
{
	struct frame f;
	unsigned int ihl;

	for (ihl = 5; ihl <= 15; ihl++) {
		build_ipv4_tcp(&f, ihl);
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		/* The transport header is found after the options: break
		 * it there and the frame is malformed. */
		f.data[f.l4_off + 12] = 0x40;	/* doff 4 */
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

START_TEST(test_ipv4_bad_version)
{
	static const uint8_t versions[] = { 0, 1, 5, 6, 7, 15 };
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(versions); i++) {
		build_ipv4_tcp(&f, 5);
		f.data[14] = versions[i] << 4 | 5;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

START_TEST(test_ipv4_ihl_below_5)
{
	struct frame f;
	unsigned int ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		build_ipv4_tcp(&f, 5);
		f.data[14] = 0x40 | ihl;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

START_TEST(test_ipv4_bad_total_length)
{
	struct frame f;
	uint16_t tot;

	/* Shorter than the header (with and without options). */
	build_ipv4_tcp(&f, 5);
	for (tot = 0; tot < 20; tot++) {
		frame_put16(&f, 14 + 2, tot);
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
	build_ipv4_tcp(&f, 8);
	frame_put16(&f, 14 + 2, 31);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);

	/* Longer than the frame: a byte short, and absurdly. */
	build_ipv4_tcp(&f, 5);
	tot = frame_get16(&f, 14 + 2);
	frame_put16(&f, 14 + 2, tot + 1);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	frame_put16(&f, 14 + 2, 0xffff);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);

	/* Shorter than the frame is fine (trailing padding) as long as the
	 * transport header fits in it. */
	frame_put16(&f, 14 + 2, 40);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	/* ...and malformed when the transport header does not. */
	frame_put16(&f, 14 + 2, 39);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* ---- IPv4 fragments -------------------------------------------------- */

/* Later fragments carry no transport header: whatever their payload
 * looks like, it is not parsed, at any offset. */
START_TEST(test_ipv4_later_fragment_not_parsed)
{
	static const unsigned int offsets[] = { 8, 16, 1480, 65528 };
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		frame_init(&f);
		frame_eth(&f);
		frame_ipv4(&f, CASE_SRC4, CASE_DST4);
		frame_ipv4_frag(&f, offsets[i], i % 2);
		frame_set_next(&f, IPPROTO_TCP);
		/* Would be a TCP header with doff 0. */
		frame_payload(&f, 20, 0);
		BUILD_OK(frame_finish(&f));
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
	}

	/* An 8-byte later fragment of UDP: UDP length 0 if parsed. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_ipv4_frag(&f, 8, false);
	frame_set_next(&f, IPPROTO_UDP);
	frame_payload(&f, 8, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
}
END_TEST

/* RFC 1858: a first fragment too short to hold the whole TCP header is
 * how port filters are bypassed; it is dropped. */
START_TEST(test_ipv4_tiny_first_fragment)
{
	struct frame f;
	size_t cut;

	for (cut = 0; cut < 20; cut += 4) {
		frame_init(&f);
		frame_eth(&f);
		frame_ipv4(&f, CASE_SRC4, CASE_DST4);
		frame_ipv4_frag(&f, 0, true);
		frame_set_next(&f, IPPROTO_TCP);
		/* The first `cut` bytes of a SYN to port 80. */
		frame_payload(&f, cut, 0);
		BUILD_OK(frame_finish(&f));
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}

	/* The same with UDP: 4 bytes of an 8-byte header. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_ipv4_frag(&f, 0, true);
	frame_set_next(&f, IPPROTO_UDP);
	frame_payload(&f, 4, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* A first fragment (offset 0, MF set) is parsed like a whole datagram. */
START_TEST(test_ipv4_first_fragment_parsed)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_ipv4_frag(&f, 0, true);
	frame_tcp(&f, 1, 2, 0x02);
	frame_payload(&f, 8, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	f.data[f.l4_off + 12] = 0x30;	/* doff 3 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* ---- IPv6 header sanity ---------------------------------------------- */

static void build_ipv6_udp(struct frame *f)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv6(f, CASE_SRC6, CASE_DST6);
	frame_udp(f, 1, 2);
	frame_payload(f, 24, 'q');
	BUILD_OK(frame_finish(f));
}

START_TEST(test_ipv6_bad_version)
{
	static const uint8_t versions[] = { 0, 4, 5, 7, 15 };
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(versions); i++) {
		build_ipv6_udp(&f);
		f.data[14] = versions[i] << 4;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

START_TEST(test_ipv6_bad_payload_length)
{
	struct frame f;
	uint16_t plen;

	build_ipv6_udp(&f);
	plen = frame_get16(&f, 14 + 4);
	frame_put16(&f, 14 + 4, plen + 1);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	frame_put16(&f, 14 + 4, 0xffff);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	/* Shorter than the frame: padding after the datagram... */
	frame_put16(&f, 14 + 4, 8);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	/* ...but not shorter than the transport header. */
	frame_put16(&f, 14 + 4, 7);
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* ---- IPv6 extension headers ------------------------------------------ */

/* Each type alone, at several lengths, then a transport header that is
 * checked: the walk really lands on it. */
START_TEST(test_ipv6_each_extension)
{
	static const struct {
		uint8_t type;
		size_t len;
	} exts[] = {
		{ IPPROTO_HOPOPTS, 8 }, { IPPROTO_HOPOPTS, 64 },
		{ IPPROTO_ROUTING, 8 }, { IPPROTO_ROUTING, 40 },
		{ IPPROTO_DSTOPTS, 8 }, { IPPROTO_DSTOPTS, 1960 },
		{ IPPROTO_AH, 12 }, { IPPROTO_AH, 16 },
		{ IPPROTO_AH, 1028 },	/* the longest AH there is */
	};
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		frame_init(&f);
		frame_eth(&f);
		frame_ipv6(&f, CASE_SRC6, CASE_DST6);
		frame_ipv6_ext(&f, exts[i].type, exts[i].len);
		frame_tcp(&f, 1, 2, 0x02);
		BUILD_OK(frame_finish(&f));
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		f.data[f.l4_off + 12] = 0;	/* doff 0 */
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

/* An extension header whose length runs past the payload. */
START_TEST(test_ipv6_extension_overruns)
{
	static const uint8_t types[] = {
		IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_AH,
	};
	struct frame f;
	unsigned int i;

	for (i = 0; i < sizeof(types); i++) {
		size_t ext = 14 + 40;

		frame_init(&f);
		frame_eth(&f);
		frame_ipv6(&f, CASE_SRC6, CASE_DST6);
		frame_ipv6_ext(&f, types[i], 16);
		frame_udp(&f, 1, 2);
		BUILD_OK(frame_finish(&f));
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		/* 16 + 8 bytes of payload: 32 bytes of header is too long,
		 * 24 is exactly all of it (then no room for UDP). */
		f.data[ext + 1] = types[i] == IPPROTO_AH ? 6 : 3;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
		f.data[ext + 1] = types[i] == IPPROTO_AH ? 4 : 2;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
		f.data[ext + 1] = 0xff;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}

	/* A fragment header needs its 8 bytes. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_set_next(&f, IPPROTO_FRAGMENT);
	frame_payload(&f, 7, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

static void build_ipv6_chain(struct frame *f, int exts, bool bogus_tcp)
{
	int i;

	frame_init(f);
	frame_eth(f);
	frame_ipv6(f, CASE_SRC6, CASE_DST6);
	for (i = 0; i < exts; i++)
		frame_ipv6_ext(f, i == 0 ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS,
			       8);
	frame_tcp(f, 1, 2, 0x02);
	BUILD_OK(frame_finish(f));
	if (bogus_tcp)
		f->data[f->l4_off + 12] = 0x10;		/* doff 1 */
}

/* Up to PARSE_IPV6_EXT_MAX (8) extension headers, the transport header is
 * found and checked; after more, the source is judged and the rest
 * passes unread. */
START_TEST(test_ipv6_chain_bound)
{
	struct frame f;
	int n;

	for (n = 0; n <= 8; n++) {
		build_ipv6_chain(&f, n, false);
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		build_ipv6_chain(&f, n, true);
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
	for (n = 9; n <= 12; n++) {
		build_ipv6_chain(&f, n, false);
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
		build_ipv6_chain(&f, n, true);
		EXPECT_FRAME(&f, GUARD_REASON_PASS);
	}
}
END_TEST

/* Every type in one chain, the fragment header among them. */
START_TEST(test_ipv6_mixed_chain)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_ipv6_ext(&f, IPPROTO_HOPOPTS, 16);
	frame_ipv6_ext(&f, IPPROTO_ROUTING, 24);
	frame_ipv6_frag(&f, 0, true, 99);
	frame_ipv6_ext(&f, IPPROTO_AH, 24);
	frame_ipv6_ext(&f, IPPROTO_DSTOPTS, 8);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	frame_put16(&f, f.l4_off + 4, 7);		/* UDP length 7 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* ---- IPv6 fragments -------------------------------------------------- */

/* A later fragment: the bytes after the fragment header are the middle
 * of the datagram, whatever the header names as next. */
START_TEST(test_ipv6_later_fragment_not_parsed)
{
	static const uint8_t nexts[] = {
		IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6,
		IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_AH,
		IPPROTO_FRAGMENT,
	};
	static const uint8_t fills[] = { 0x00, 0xff };
	struct frame f;
	unsigned int i, j;

	for (i = 0; i < sizeof(nexts); i++) {
		for (j = 0; j < sizeof(fills); j++) {
			frame_init(&f);
			frame_eth(&f);
			frame_ipv6(&f, CASE_SRC6, CASE_DST6);
			frame_ipv6_ext(&f, IPPROTO_HOPOPTS, 8);
			frame_ipv6_frag(&f, 2048, true, 7);
			frame_set_next(&f, nexts[i]);
			frame_payload(&f, 16, fills[j]);
			BUILD_OK(frame_finish(&f));
			EXPECT_FRAME(&f, GUARD_REASON_PASS);
		}
	}
}
END_TEST

START_TEST(test_ipv6_tiny_first_fragment)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_ipv6_frag(&f, 0, true, 7);
	frame_set_next(&f, IPPROTO_TCP);
	frame_payload(&f, 8, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

/* ---- transport headers ----------------------------------------------- */

START_TEST(test_tcp_bad_doff)
{
	struct frame f;
	unsigned int doff;

	for (doff = 0; doff < 5; doff++) {
		build_ipv4_tcp(&f, 5);
		f.data[f.l4_off + 12] = doff << 4;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
	/* Options that run past the datagram: 16 payload bytes leave room
	 * for doff 9, not 10. */
	build_ipv4_tcp(&f, 5);
	f.data[f.l4_off + 12] = 9 << 4;
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	f.data[f.l4_off + 12] = 10 << 4;
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	f.data[f.l4_off + 12] = 15 << 4;
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);

	/* The same over IPv6. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_tcp(&f, 1, 2, 0x02);
	BUILD_OK(frame_finish(&f));
	for (doff = 0; doff < 5; doff++) {
		f.data[f.l4_off + 12] = doff << 4;
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
	f.data[f.l4_off + 12] = 6 << 4;
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
}
END_TEST

START_TEST(test_udp_bad_length)
{
	struct frame f;
	uint16_t len;

	for (len = 0; len < 8; len++) {
		build_ipv6_udp(&f);
		frame_put16(&f, f.l4_off + 4, len);
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);

		frame_init(&f);
		frame_eth(&f);
		frame_ipv4(&f, CASE_SRC4, CASE_DST4);
		frame_udp(&f, 1, 2);
		BUILD_OK(frame_finish(&f));
		frame_put16(&f, f.l4_off + 4, len);
		EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	}
}
END_TEST

/* A datagram whose IP length leaves less than a transport header (the
 * frame itself is long enough: the rest is padding). */
START_TEST(test_l4_cut_by_ip_length)
{
	static const struct {
		uint8_t proto;
		uint16_t min;
	} l4[] = {
		{ IPPROTO_TCP, 20 }, { IPPROTO_UDP, 8 }, { IPPROTO_ICMP, 8 },
		{ IPPROTO_ICMPV6, 8 },
	};
	struct frame f;
	unsigned int i;
	uint16_t n;

	for (i = 0; i < sizeof(l4) / sizeof(l4[0]); i++) {
		for (n = 0; n < l4[i].min; n++) {
			frame_init(&f);
			frame_eth(&f);
			frame_ipv4(&f, CASE_SRC4, CASE_DST4);
			frame_set_next(&f, l4[i].proto);
			frame_payload(&f, 24, 0x50);
			BUILD_OK(frame_finish(&f));
			frame_put16(&f, 14 + 2, 20 + n);
			EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);

			frame_init(&f);
			frame_eth(&f);
			frame_ipv6(&f, CASE_SRC6, CASE_DST6);
			frame_set_next(&f, l4[i].proto);
			frame_payload(&f, 24, 0x50);
			BUILD_OK(frame_finish(&f));
			/* Payload length 0 has its own test below. */
			if (!n)
				continue;
			frame_put16(&f, 14 + 4, n);
			EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
		}
	}
}
END_TEST

/* IPv6 payload length 0 announces a jumbogram (RFC 2675); the parser
 * then takes the frame's length as the datagram's, so the transport
 * header is checked against what the frame holds. */
START_TEST(test_ipv6_payload_length_zero)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_ipv6_ext(&f, IPPROTO_HOPOPTS, 8);
	frame_tcp(&f, 1, 2, 0x02);
	BUILD_OK(frame_finish(&f));
	frame_put16(&f, 14 + 4, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
	f.data[f.l4_off + 12] = 0x40;		/* doff 4 */
	EXPECT_FRAME(&f, GUARD_REASON_MALFORMED);
	/* The frame ends inside the transport header. */
	f.data[f.l4_off + 12] = 0x50;
	EXPECT_REASON(f.data, f.len - 1, GUARD_REASON_MALFORMED);
}
END_TEST

/* ICMP and ICMPv6 under either IP version: the program checks 8 bytes
 * for both numbers, whichever IP carries them. */
START_TEST(test_icmp_minimal)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_icmp(&f, 0, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);

	frame_init(&f);
	frame_eth(&f);
	frame_ipv6(&f, CASE_SRC6, CASE_DST6);
	frame_icmp6(&f, 135, 0);
	BUILD_OK(frame_finish(&f));
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
}
END_TEST

Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdicts");
	TCase *tc;

	tc = tcase_create("catalog");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_loop_test(tc, test_catalog_passes, 0, frame_case_count);
	tcase_add_test(tc, test_padded_frames_pass);
	suite_add_tcase(s, tc);

	tc = tcase_create("l2");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_non_ip_pass);
	tcase_add_test(tc, test_unknown_tpid_is_non_ip);
	tcase_add_test(tc, test_three_tags_unparsed);
	tcase_add_test(tc, test_two_tags_parsed);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv4");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_ipv4_every_ihl);
	tcase_add_test(tc, test_ipv4_bad_version);
	tcase_add_test(tc, test_ipv4_ihl_below_5);
	tcase_add_test(tc, test_ipv4_bad_total_length);
	tcase_add_test(tc, test_ipv4_later_fragment_not_parsed);
	tcase_add_test(tc, test_ipv4_tiny_first_fragment);
	tcase_add_test(tc, test_ipv4_first_fragment_parsed);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv6");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_ipv6_bad_version);
	tcase_add_test(tc, test_ipv6_bad_payload_length);
	tcase_add_test(tc, test_ipv6_each_extension);
	tcase_add_test(tc, test_ipv6_extension_overruns);
	tcase_add_test(tc, test_ipv6_chain_bound);
	tcase_add_test(tc, test_ipv6_mixed_chain);
	tcase_add_test(tc, test_ipv6_later_fragment_not_parsed);
	tcase_add_test(tc, test_ipv6_tiny_first_fragment);
	suite_add_tcase(s, tc);

	tc = tcase_create("l4");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_tcp_bad_doff);
	tcase_add_test(tc, test_udp_bad_length);
	tcase_add_test(tc, test_l4_cut_by_ip_length);
	tcase_add_test(tc, test_ipv6_payload_length_zero);
	tcase_add_test(tc, test_icmp_minimal);
	suite_add_tcase(s, tc);

	return s;
}
