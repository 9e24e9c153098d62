/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small builder for test frames: Ethernet, VLAN tags, IPv4 (options,
 * fragments), IPv6 (extension headers, fragments), TCP, UDP, ICMP, ICMPv6.
 *
 * Headers are appended outermost first.  Each header fills in the "next
 * protocol" field of the header before it (ethertype, IPv4 protocol, IPv6
 * next header), so a frame reads like its layering:
 *
 *	struct frame f;
 *
 *	frame_init(&f);
 *	frame_eth(&f);
 *	frame_vlan(&f, ETH_P_8021Q, 100);
 *	frame_ipv6(&f, "2001:db8::1", "2001:db8::2");
 *	frame_ipv6_ext(&f, IPPROTO_DSTOPTS, 8);
 *	frame_udp(&f, 1234, 53);
 *	frame_payload(&f, 32, 0xab);
 *	if (frame_finish(&f))
 *		... a step failed ...
 *
 * frame_finish() writes the length fields (IPv4 total length, IPv6 payload
 * length, UDP length) from what was appended, then the checksums, so a
 * finished frame is well formed.  Tests that want a broken frame break it
 * afterwards through the offsets recorded in struct frame.
 *
 * Errors are sticky: a step that does not fit or gets a bad argument marks
 * the frame failed and later steps do nothing, so callers can check once,
 * at frame_finish().
 *
 * The builder does byte-level writes only (no kernel structs), so it builds
 * the same bytes on any host and can be used by benchmarks and traffic
 * generators as well as by the tests.
 */
#ifndef XDP_GUARD_TESTS_FRAMES_H
#define XDP_GUARD_TESTS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Larger than any frame the tests need; well under a page, so a frame
 * always fits the linear buffer of BPF_PROG_TEST_RUN. */
#define FRAME_MAX 2048

/* Ethernet's minimum frame length without the FCS: see frame_pad(). */
#define FRAME_ETH_MIN 60

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;		/* bytes appended so far */

	/* Offsets of the headers appended, for tests that poke at them
	 * after frame_finish(); FRAME_NO_OFF where there is none. */
	size_t l3_off;		/* the IP header */
	size_t l4_off;		/* the transport header built by frame_tcp etc. */
	int ip_version;		/* 4, 6, or 0 before any IP header */
	int l4_proto;		/* IPPROTO_* of the transport header, or -1 */

	/* Internal: the field that the next header's protocol number goes
	 * into, and its width (0 when there is none pending). */
	size_t next_off;
	int next_width;
	bool finished;
	bool failed;
};

#define FRAME_NO_OFF ((size_t)-1)

void frame_init(struct frame *f);

/* Ethernet header from 02:00:00:00:00:01 to 02:00:00:00:00:02.  The
 * ethertype is written by the next header, or by frame_set_next(). */
void frame_eth(struct frame *f);

/* Write the pending "next protocol" field directly: an ethertype after
 * frame_eth()/frame_vlan(), an IP protocol number after an IP or extension
 * header.  For frames whose inner part the builder does not know (ARP,
 * ESP, GRE...), followed by frame_raw() or frame_payload(). */
void frame_set_next(struct frame *f, uint16_t proto);

/* A VLAN tag: tpid is ETH_P_8021Q or ETH_P_8021AD (or anything else). */
void frame_vlan(struct frame *f, uint16_t tpid, uint16_t vid);

/* IP headers; addresses in text form.  TTL 64, no options. */
void frame_ipv4(struct frame *f, const char *src, const char *dst);
void frame_ipv6(struct frame *f, const char *src, const char *dst);

/* Grow the IPv4 header just appended to ihl 32-bit words (5..15), filled
 * with NOP options.  Only directly after frame_ipv4(). */
void frame_ipv4_options(struct frame *f, unsigned int ihl);

/* Mark the IPv4 datagram as a fragment: offset in bytes (a multiple of
 * 8), more = the MF flag.  Any time between frame_ipv4() and
 * frame_finish() (which computes the header checksum over it). */
void frame_ipv4_frag(struct frame *f, unsigned int offset, bool more);

/* An IPv6 extension header of len bytes in total.  type is
 * IPPROTO_HOPOPTS, IPPROTO_ROUTING or IPPROTO_DSTOPTS (len a multiple of
 * 8, at least 8) or IPPROTO_AH (len a multiple of 4, at least 12). */
void frame_ipv6_ext(struct frame *f, uint8_t type, size_t len);

/* An IPv6 fragment header: offset in bytes (multiple of 8), more = M. */
void frame_ipv6_frag(struct frame *f, unsigned int offset, bool more,
		     uint32_t id);

/* Transport headers.  flags is the TCP flag byte (0x02 = SYN...). */
void frame_tcp(struct frame *f, uint16_t sport, uint16_t dport,
	       uint8_t flags);
/* Grow the TCP header just appended to doff words (5..15) of NOP
 * options.  Only directly after frame_tcp(). */
void frame_tcp_options(struct frame *f, unsigned int doff);
void frame_udp(struct frame *f, uint16_t sport, uint16_t dport);
void frame_icmp(struct frame *f, uint8_t type, uint8_t code);
void frame_icmp6(struct frame *f, uint8_t type, uint8_t code);

/* Payload: n bytes of fill, or n bytes copied from p. */
void frame_payload(struct frame *f, size_t n, uint8_t fill);
void frame_raw(struct frame *f, const void *p, size_t n);

/* Write lengths and checksums.  0 on success, -1 if any step failed. */
int frame_finish(struct frame *f);

/* After frame_finish(): zero-pad to at least min_len bytes, as a NIC pads
 * short frames to FRAME_ETH_MIN.  The IP lengths keep their values, so
 * the padding is outside the datagram. */
int frame_pad(struct frame *f, size_t min_len);

/* Byte-order helpers for tests that edit a finished frame in place. */
static inline void frame_put16(struct frame *f, size_t off, uint16_t v)
{
	f->data[off] = v >> 8;
	f->data[off + 1] = v & 0xff;
}

static inline uint16_t frame_get16(const struct frame *f, size_t off)
{
	return (uint16_t)(f->data[off] << 8 | f->data[off + 1]);
}

#endif /* XDP_GUARD_TESTS_FRAMES_H */
