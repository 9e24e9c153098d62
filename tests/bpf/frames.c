// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frame builder: see frames.h.  Byte offsets are those of the RFCs (791,
 * 8200, 9293, 768, 792, 4443); all fields are written big-endian by hand.
 */
#include <arpa/inet.h>
#include <string.h>

#include "frames.h"

#define ETH_HLEN_	14
#define VLAN_HLEN_	4
#define IPV4_HLEN_	20
#define IPV6_HLEN_	40
#define IPV6_FRAG_HLEN_	8
#define TCP_HLEN_	20
#define UDP_HLEN_	8
#define ICMP_HLEN_	8

#define ETHERTYPE_IPV4_	0x0800
#define ETHERTYPE_IPV6_	0x86DD

/* IANA protocol numbers, spelled out here so that this file needs no
 * <netinet/in.h> feature macros. */
#define PROTO_HOPOPTS_	0
#define PROTO_ICMP_	1
#define PROTO_TCP_	6
#define PROTO_UDP_	17
#define PROTO_ROUTING_	43
#define PROTO_FRAGMENT_	44
#define PROTO_AH_	51
#define PROTO_ICMPV6_	58
#define PROTO_DSTOPTS_	60

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void frame_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->l3_off = FRAME_NO_OFF;
	f->l4_off = FRAME_NO_OFF;
	f->l4_proto = -1;
}

/* Reserve n zeroed bytes at the end; NULL (and the frame failed) if they
 * do not fit, or if the frame was already finished: appending then would
 * leave the length fields stale. */
static uint8_t *append(struct frame *f, size_t n)
{
	uint8_t *p;

	if (f->failed || f->finished || n > FRAME_MAX - f->len) {
		f->failed = true;
		return NULL;
	}
	p = f->data + f->len;
	memset(p, 0, n);
	f->len += n;
	return p;
}

void frame_set_next(struct frame *f, uint16_t proto)
{
	if (f->failed)
		return;
	if (f->next_width == 2) {
		frame_put16(f, f->next_off, proto);
	} else if (f->next_width == 1 && proto <= 0xff) {
		f->data[f->next_off] = proto;
	} else {
		f->failed = true;
		return;
	}
	f->next_width = 0;
}

/* Header after header: the previous one must be waiting for a protocol
 * number of this width (2: ethertype, 1: IP protocol). */
static bool chain(struct frame *f, int width, uint16_t proto)
{
	if (f->failed || f->next_width != width) {
		f->failed = true;
		return false;
	}
	frame_set_next(f, proto);
	return !f->failed;
}

static void expect_next(struct frame *f, size_t off, int width)
{
	f->next_off = off;
	f->next_width = width;
}

void frame_eth(struct frame *f)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02,		/* destination */
		0x02, 0, 0, 0, 0, 0x01,		/* source */
	};
	size_t off = f->len;
	uint8_t *p;

	/* Only as the first header: there is no Ethernet-in-something. */
	if (f->len != 0) {
		f->failed = true;
		return;
	}
	p = append(f, ETH_HLEN_);
	if (!p)
		return;
	memcpy(p, macs, sizeof(macs));
	expect_next(f, off + 12, 2);
}

void frame_vlan(struct frame *f, uint16_t tpid, uint16_t vid)
{
	size_t off = f->len;
	uint8_t *p;

	if (!chain(f, 2, tpid))
		return;
	p = append(f, VLAN_HLEN_);
	if (!p)
		return;
	frame_put16(f, off, vid & 0x0fff);
	expect_next(f, off + 2, 2);
}

static bool parse_addr(struct frame *f, int af, const char *text, void *out)
{
	if (inet_pton(af, text, out) != 1) {
		f->failed = true;
		return false;
	}
	return true;
}

/* One IP header per frame: the lengths frame_finish() writes belong to
 * it.  Tunnels can be built with frame_raw() if a test ever needs one. */
static bool first_ip(struct frame *f)
{
	if (f->ip_version) {
		f->failed = true;
		return false;
	}
	return true;
}

void frame_ipv4(struct frame *f, const char *src, const char *dst)
{
	size_t off = f->len;
	uint8_t *p;

	if (!first_ip(f) || !chain(f, 2, ETHERTYPE_IPV4_))
		return;
	p = append(f, IPV4_HLEN_);
	if (!p)
		return;
	p[0] = 0x45;			/* version 4, ihl 5 */
	frame_put16(f, off + 4, 0x4a47);	/* identification */
	p[8] = 64;			/* TTL */
	if (!parse_addr(f, AF_INET, src, p + 12) ||
	    !parse_addr(f, AF_INET, dst, p + 16))
		return;
	f->l3_off = off;
	f->ip_version = 4;
	expect_next(f, off + 9, 1);
}

void frame_ipv4_options(struct frame *f, unsigned int ihl)
{
	uint8_t *p;
	size_t n;

	if (f->failed || f->ip_version != 4 ||
	    f->len != f->l3_off + IPV4_HLEN_ || ihl < 5 || ihl > 15) {
		f->failed = true;
		return;
	}
	n = (ihl - 5) * 4;
	p = append(f, n);
	if (!p)
		return;
	memset(p, 1, n);		/* NOP options */
	f->data[f->l3_off] = 0x40 | ihl;
}

void frame_ipv4_frag(struct frame *f, unsigned int offset, bool more)
{
	if (f->failed || f->ip_version != 4 || offset % 8 ||
	    offset / 8 > 0x1fff) {
		f->failed = true;
		return;
	}
	frame_put16(f, f->l3_off + 6, (more ? 0x2000 : 0) | offset / 8);
}

void frame_ipv6(struct frame *f, const char *src, const char *dst)
{
	size_t off = f->len;
	uint8_t *p;

	if (!first_ip(f) || !chain(f, 2, ETHERTYPE_IPV6_))
		return;
	p = append(f, IPV6_HLEN_);
	if (!p)
		return;
	p[0] = 0x60;			/* version 6, class and flow 0 */
	p[7] = 64;			/* hop limit */
	if (!parse_addr(f, AF_INET6, src, p + 8) ||
	    !parse_addr(f, AF_INET6, dst, p + 24))
		return;
	f->l3_off = off;
	f->ip_version = 6;
	expect_next(f, off + 6, 1);
}

void frame_ipv6_ext(struct frame *f, uint8_t type, size_t len)
{
	size_t off = f->len;
	uint8_t *p;

	switch (type) {
	case PROTO_HOPOPTS_:
	case PROTO_ROUTING_:
	case PROTO_DSTOPTS_:
		/* Hdr Ext Len counts 8-byte units after the first. */
		if (len < 8 || len % 8 || len / 8 - 1 > 0xff)
			goto bad;
		break;
	case PROTO_AH_:
		/* Payload Len counts 4-byte units, minus 2 (RFC 4302). */
		if (len < 12 || len % 4 || len / 4 - 2 > 0xff)
			goto bad;
		break;
	default:
		goto bad;
	}
	if (f->ip_version != 6 || !chain(f, 1, type))
		goto bad;
	p = append(f, len);
	if (!p)
		return;

	if (type == PROTO_AH_) {
		p[1] = len / 4 - 2;
		put32(p + 4, 0x100);	/* SPI */
		put32(p + 8, 1);	/* sequence number; ICV stays zero */
	} else {
		p[1] = len / 8 - 1;
		if (type == PROTO_ROUTING_) {
			/* Type 253 is for experiments (RFC 4727); with
			 * Segments Left 0 every node skips it. */
			p[2] = 253;
			p[3] = 0;
		} else if (len > 2) {
			/* Options area: one PadN option covering it. */
			p[2] = 1;
			p[3] = len - 4;
		}
	}
	expect_next(f, off, 1);
	return;
bad:
	f->failed = true;
}

void frame_ipv6_frag(struct frame *f, unsigned int offset, bool more,
		     uint32_t id)
{
	size_t off = f->len;
	uint8_t *p;

	if (f->ip_version != 6 || offset % 8 || offset / 8 > 0x1fff) {
		f->failed = true;
		return;
	}
	if (!chain(f, 1, PROTO_FRAGMENT_))
		return;
	p = append(f, IPV6_FRAG_HLEN_);
	if (!p)
		return;
	frame_put16(f, off + 2, (uint16_t)(offset | (more ? 1 : 0)));
	put32(p + 4, id);
	expect_next(f, off, 1);
}

/* A transport header closes the chain: nothing after it is a header. */
static uint8_t *l4_header(struct frame *f, int proto, size_t len)
{
	size_t off = f->len;
	uint8_t *p;

	if (!f->ip_version || !chain(f, 1, proto))
		return NULL;
	p = append(f, len);
	if (!p)
		return NULL;
	f->l4_off = off;
	f->l4_proto = proto;
	return p;
}

void frame_tcp(struct frame *f, uint16_t sport, uint16_t dport,
	       uint8_t flags)
{
	uint8_t *p = l4_header(f, PROTO_TCP_, TCP_HLEN_);

	if (!p)
		return;
	frame_put16(f, f->l4_off, sport);
	frame_put16(f, f->l4_off + 2, dport);
	put32(p + 4, 1);		/* sequence number */
	if (flags & 0x10)
		put32(p + 8, 1);	/* acknowledgment number */
	p[12] = 5 << 4;			/* data offset */
	p[13] = flags;
	frame_put16(f, f->l4_off + 14, 65535);	/* window */
}

void frame_tcp_options(struct frame *f, unsigned int doff)
{
	uint8_t *p;
	size_t n;

	if (f->failed || f->l4_proto != PROTO_TCP_ ||
	    f->len != f->l4_off + TCP_HLEN_ || doff < 5 || doff > 15) {
		f->failed = true;
		return;
	}
	n = (doff - 5) * 4;
	p = append(f, n);
	if (!p)
		return;
	memset(p, 1, n);		/* NOP options */
	f->data[f->l4_off + 12] = doff << 4;
}

void frame_udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	if (!l4_header(f, PROTO_UDP_, UDP_HLEN_))
		return;
	frame_put16(f, f->l4_off, sport);
	frame_put16(f, f->l4_off + 2, dport);
}

static void icmp_common(struct frame *f, int proto, uint8_t type,
			uint8_t code)
{
	uint8_t *p = l4_header(f, proto, ICMP_HLEN_);

	if (!p)
		return;
	p[0] = type;
	p[1] = code;
	frame_put16(f, f->l4_off + 4, 1);	/* echo identifier */
	frame_put16(f, f->l4_off + 6, 1);	/* echo sequence */
}

void frame_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	icmp_common(f, PROTO_ICMP_, type, code);
}

void frame_icmp6(struct frame *f, uint8_t type, uint8_t code)
{
	icmp_common(f, PROTO_ICMPV6_, type, code);
}

void frame_payload(struct frame *f, size_t n, uint8_t fill)
{
	uint8_t *p = append(f, n);

	if (p)
		memset(p, fill, n);
}

void frame_raw(struct frame *f, const void *src, size_t n)
{
	uint8_t *p = append(f, n);

	if (p && n)
		memcpy(p, src, n);
}

/* RFC 1071 sum, not yet folded or complemented, so that a pseudo-header
 * and the data can be summed separately. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void l4_checksum(struct frame *f)
{
	size_t len = f->len - f->l4_off;
	size_t csum_off;
	uint32_t sum = 0;
	uint16_t csum;

	switch (f->l4_proto) {
	case PROTO_TCP_:
		csum_off = f->l4_off + 16;
		break;
	case PROTO_UDP_:
		csum_off = f->l4_off + 6;
		break;
	case PROTO_ICMP_:
	case PROTO_ICMPV6_:
		csum_off = f->l4_off + 2;
		break;
	default:
		return;
	}
	frame_put16(f, csum_off, 0);

	/* Pseudo-header (RFC 9293, RFC 8200 section 8.1); plain ICMP over
	 * IPv4 has none. */
	if (f->ip_version == 4 && f->l4_proto != PROTO_ICMP_) {
		sum = sum16(f->data + f->l3_off + 12, 8, 0);
		sum += f->l4_proto + len;
	} else if (f->ip_version == 6) {
		sum = sum16(f->data + f->l3_off + 8, 32, 0);
		sum += (uint32_t)(len >> 16) + (len & 0xffff) + f->l4_proto;
	}
	sum = sum16(f->data + f->l4_off, len, sum);
	csum = fold(sum);
	/* In UDP a zero checksum means "none"; all ones is its stand-in. */
	if (f->l4_proto == PROTO_UDP_ && csum == 0)
		csum = 0xffff;
	frame_put16(f, csum_off, csum);
}

int frame_finish(struct frame *f)
{
	if (f->failed)
		return -1;

	if (f->ip_version == 4) {
		size_t ihl = (f->data[f->l3_off] & 0x0f) * 4;

		frame_put16(f, f->l3_off + 2, f->len - f->l3_off);
		frame_put16(f, f->l3_off + 10, 0);
		frame_put16(f, f->l3_off + 10,
			    fold(sum16(f->data + f->l3_off, ihl, 0)));
	} else if (f->ip_version == 6) {
		frame_put16(f, f->l3_off + 4, f->len - f->l3_off - IPV6_HLEN_);
	}
	if (f->l4_proto == PROTO_UDP_)
		frame_put16(f, f->l4_off + 4, f->len - f->l4_off);
	if (f->l4_off != FRAME_NO_OFF)
		l4_checksum(f);

	f->finished = true;
	return 0;
}

int frame_pad(struct frame *f, size_t min_len)
{
	size_t n;

	if (f->failed || !f->finished || min_len > FRAME_MAX)
		return -1;
	n = min_len > f->len ? min_len - f->len : 0;
	memset(f->data + f->len, 0, n);
	f->len += n;
	return 0;
}
