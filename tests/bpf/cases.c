// SPDX-License-Identifier: GPL-2.0-only
/*
 * The catalog of well-formed frames: see cases.h.  Each entry takes one
 * path through parse.h; together they visit every header the parser knows.
 */
#include <netinet/in.h>
#include <linux/if_ether.h>

#include "cases.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* Payloads are short: every frame is cut at every length by the
 * truncation tests, and nothing in the program looks past the headers. */

static int ipv4_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv4_tcp_payload(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_tcp(f, 40000, 443, 0x18);
	frame_payload(f, 100, 'x');
	return frame_finish(f);
}

static int ipv4_tcp_options(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_tcp(f, 40000, 443, 0x02);
	frame_tcp_options(f, 15);
	return frame_finish(f);
}

static int ipv4_udp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_udp(f, 5353, 53);
	frame_payload(f, 32, 0xab);
	return frame_finish(f);
}

static int ipv4_udp_empty(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_udp(f, 5353, 53);
	return frame_finish(f);
}

static int ipv4_icmp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_icmp(f, 8, 0);		/* echo request */
	frame_payload(f, 56, 0x5a);
	return frame_finish(f);
}

static int ipv4_options_ihl6(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_ipv4_options(f, 6);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv4_options_ihl15(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_ipv4_options(f, 15);
	frame_udp(f, 5353, 53);
	frame_payload(f, 8, 0xab);
	return frame_finish(f);
}

static int ipv4_first_fragment(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_ipv4_frag(f, 0, true);
	frame_udp(f, 5353, 53);
	frame_payload(f, 64, 0xab);
	return frame_finish(f);
}

static int ipv4_later_fragment(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_ipv4_frag(f, 1480, false);
	frame_set_next(f, IPPROTO_UDP);
	frame_payload(f, 64, 0xab);
	return frame_finish(f);
}

/* The middle of a TCP segment: 12 zero bytes would be a TCP header with
 * doff 0, cut short, if the program wrongly parsed it. */
static int ipv4_later_fragment_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_ipv4_frag(f, 8, true);
	frame_set_next(f, IPPROTO_TCP);
	frame_payload(f, 12, 0);
	return frame_finish(f);
}

static int ipv4_gre(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv4(f, src, CASE_DST4);
	frame_set_next(f, IPPROTO_GRE);
	frame_payload(f, 24, 0);
	return frame_finish(f);
}

static int vlan_ipv4_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_vlan(f, ETH_P_8021Q, 100);
	frame_ipv4(f, src, CASE_DST4);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int qinq_ipv4_udp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_vlan(f, ETH_P_8021AD, 200);
	frame_vlan(f, ETH_P_8021Q, 100);
	frame_ipv4(f, src, CASE_DST4);
	frame_udp(f, 5353, 53);
	frame_payload(f, 16, 0xab);
	return frame_finish(f);
}

/* Two 802.1Q tags (no 802.1ad): old switches stack them that way. */
static int vlan2_ipv4_icmp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_vlan(f, ETH_P_8021Q, 200);
	frame_vlan(f, ETH_P_8021Q, 100);
	frame_ipv4(f, src, CASE_DST4);
	frame_icmp(f, 8, 0);
	return frame_finish(f);
}

static int vlan_ipv6_icmp6(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_vlan(f, ETH_P_8021Q, 100);
	frame_ipv6(f, src, CASE_DST6);
	frame_icmp6(f, 128, 0);		/* echo request */
	frame_payload(f, 16, 0x5a);
	return frame_finish(f);
}

static int qinq_ipv6_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_vlan(f, ETH_P_8021AD, 200);
	frame_vlan(f, ETH_P_8021Q, 100);
	frame_ipv6(f, src, CASE_DST6);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv6_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv6_tcp_options(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_tcp(f, 40000, 443, 0x12);
	frame_tcp_options(f, 8);
	frame_payload(f, 20, 'y');
	return frame_finish(f);
}

static int ipv6_udp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_udp(f, 5353, 53);
	frame_payload(f, 32, 0xab);
	return frame_finish(f);
}

static int ipv6_icmp6(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_icmp6(f, 128, 0);
	frame_payload(f, 56, 0x5a);
	return frame_finish(f);
}

static int ipv6_hopopts(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_HOPOPTS, 8);
	frame_udp(f, 5353, 53);
	return frame_finish(f);
}

static int ipv6_routing(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_ROUTING, 24);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv6_dstopts(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_DSTOPTS, 16);
	frame_icmp6(f, 128, 0);
	return frame_finish(f);
}

static int ipv6_ah(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_AH, 24);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

/* The largest options header a short frame can carry: 1 KiB. */
static int ipv6_big_hopopts(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_HOPOPTS, 1024);
	frame_udp(f, 5353, 53);
	return frame_finish(f);
}

static int ipv6_first_fragment(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 0, true, 0x1234);
	frame_udp(f, 5353, 53);
	frame_payload(f, 64, 0xab);
	return frame_finish(f);
}

/* Offset 0 and no more fragments (RFC 6946): the whole datagram. */
static int ipv6_atomic_fragment(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 0, false, 0x1234);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

static int ipv6_later_fragment(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 1232, false, 0x1234);
	frame_set_next(f, IPPROTO_UDP);
	frame_payload(f, 64, 0xab);
	return frame_finish(f);
}

static int ipv6_later_fragment_tcp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 8, true, 0x1234);
	frame_set_next(f, IPPROTO_TCP);
	frame_payload(f, 12, 0);
	return frame_finish(f);
}

/*
 * A later fragment of an AH-protected datagram: AH sits in the
 * fragmentable part (RFC 8200 4.5), so the fragment header names it
 * while the bytes that follow are from the middle of the datagram.  The
 * 0xff fill would read as an AH header 1 KiB long.
 */
static int ipv6_later_fragment_ah(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 1232, false, 0x1234);
	frame_set_next(f, IPPROTO_AH);
	frame_payload(f, 64, 0xff);
	return frame_finish(f);
}

/* Likewise with a destination options header in the fragmentable part. */
static int ipv6_later_fragment_dstopts(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_frag(f, 1232, true, 0x1234);
	frame_set_next(f, IPPROTO_DSTOPTS);
	frame_payload(f, 64, 0xff);
	return frame_finish(f);
}

/* Every extension header type in one chain, in RFC 8200's order. */
static int ipv6_chain(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_HOPOPTS, 8);
	frame_ipv6_ext(f, IPPROTO_DSTOPTS, 8);
	frame_ipv6_ext(f, IPPROTO_ROUTING, 24);
	frame_ipv6_frag(f, 0, true, 0x1234);
	frame_ipv6_ext(f, IPPROTO_AH, 16);
	frame_ipv6_ext(f, IPPROTO_DSTOPTS, 16);
	frame_tcp(f, 40000, 443, 0x02);
	return frame_finish(f);
}

/* As many extension headers as the parser walks (PARSE_IPV6_EXT_MAX);
 * the transport header after them is still read. */
static int ipv6_chain8(struct frame *f, const char *src)
{
	int i;

	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_HOPOPTS, 8);
	for (i = 0; i < 7; i++)
		frame_ipv6_ext(f, IPPROTO_DSTOPTS, 8);
	frame_udp(f, 5353, 53);
	return frame_finish(f);
}

/* One more than the parser walks: the source is judged, the transport
 * header is not read. */
static int ipv6_chain9(struct frame *f, const char *src)
{
	int i;

	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_HOPOPTS, 8);
	for (i = 0; i < 8; i++)
		frame_ipv6_ext(f, i % 2 ? IPPROTO_ROUTING : IPPROTO_DSTOPTS,
			       8);
	frame_udp(f, 5353, 53);
	return frame_finish(f);
}

static int ipv6_esp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_set_next(f, IPPROTO_ESP);
	frame_payload(f, 64, 0xee);
	return frame_finish(f);
}

/* "No next header" (59); RFC 8200 says to ignore what follows. */
static int ipv6_no_next(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_ipv6_ext(f, IPPROTO_DSTOPTS, 8);
	frame_set_next(f, 59);
	frame_payload(f, 16, 0);
	return frame_finish(f);
}

static int ipv6_sctp(struct frame *f, const char *src)
{
	frame_eth(f);
	frame_ipv6(f, src, CASE_DST6);
	frame_set_next(f, IPPROTO_SCTP);
	frame_payload(f, 32, 0);
	return frame_finish(f);
}

#define CASE(fn, v) { #fn, fn, v }

const struct frame_case frame_cases[] = {
	CASE(ipv4_tcp, 4),
	CASE(ipv4_tcp_payload, 4),
	CASE(ipv4_tcp_options, 4),
	CASE(ipv4_udp, 4),
	CASE(ipv4_udp_empty, 4),
	CASE(ipv4_icmp, 4),
	CASE(ipv4_options_ihl6, 4),
	CASE(ipv4_options_ihl15, 4),
	CASE(ipv4_first_fragment, 4),
	CASE(ipv4_later_fragment, 4),
	CASE(ipv4_later_fragment_tcp, 4),
	CASE(ipv4_gre, 4),
	CASE(vlan_ipv4_tcp, 4),
	CASE(qinq_ipv4_udp, 4),
	CASE(vlan2_ipv4_icmp, 4),
	CASE(vlan_ipv6_icmp6, 6),
	CASE(qinq_ipv6_tcp, 6),
	CASE(ipv6_tcp, 6),
	CASE(ipv6_tcp_options, 6),
	CASE(ipv6_udp, 6),
	CASE(ipv6_icmp6, 6),
	CASE(ipv6_hopopts, 6),
	CASE(ipv6_routing, 6),
	CASE(ipv6_dstopts, 6),
	CASE(ipv6_ah, 6),
	CASE(ipv6_big_hopopts, 6),
	CASE(ipv6_first_fragment, 6),
	CASE(ipv6_atomic_fragment, 6),
	CASE(ipv6_later_fragment, 6),
	CASE(ipv6_later_fragment_tcp, 6),
	CASE(ipv6_later_fragment_ah, 6),
	CASE(ipv6_later_fragment_dstopts, 6),
	CASE(ipv6_chain, 6),
	CASE(ipv6_chain8, 6),
	CASE(ipv6_chain9, 6),
	CASE(ipv6_esp, 6),
	CASE(ipv6_no_next, 6),
	CASE(ipv6_sctp, 6),
};

const unsigned int frame_case_count =
	sizeof(frame_cases) / sizeof(frame_cases[0]);
