/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between trafficgen.bpf.c and trafficgen.c: what the generator's
 * XDP program needs to know about the template frame.  Fixed-width types
 * only.
 */
#ifndef XDP_GUARD_BENCH_TRAFFICGEN_H
#define XDP_GUARD_BENCH_TRAFFICGEN_H

#include <linux/types.h>

/*
 * Source rewriting.  With src_bits > 0 the program gives packet number i
 * the IPv4 source src_base + perm(i), where perm is a bijection on
 * [0, 2^src_bits), so every 2^src_bits consecutive packets carry that many
 * distinct sources, in a scrambled order: a random-source flood whose
 * sources neither a cache nor a trie walk can predict.
 */
struct tg_config {
	__u32 src_bits;		/* 0: send the template as it is */
	__u32 src_base;		/* host byte order */
	__u32 l3_off;		/* offset of the IPv4 header in the frame */
	__u32 l4_csum_off;	/* offset of the UDP/TCP checksum; 0: none */
	__u16 ip_csum;		/* the template's checksums, as they sit */
	__u16 l4_csum;		/*   in the frame (network byte order)   */
	__u32 tmpl_src;		/* the template's source, network byte order */
	/* Pacing: with slot_ns > 0, time is cut into slots of slot_ns, and a
	 * run sends its frame only while fewer than slot_frames went out in
	 * the current slot; it drops its copy of the template otherwise. */
	__u64 slot_ns;
	__u32 slot_frames;
	__u32 pad;
};

#endif
