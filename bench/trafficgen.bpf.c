/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Traffic generator, kernel side.  Run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES over a template frame: every run returns
 * XDP_TX, and the kernel sends the frame out of the interface named in
 * the context, so it arrives at the veth peer's XDP hook.
 *
 * In live-frame mode the kernel recycles the frame's page without
 * restoring its contents, so whatever this program wrote last time is
 * still there.  Every write is therefore absolute, derived from the
 * template values in the configuration, never from what the frame holds.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "trafficgen.h"

const volatile struct tg_config cfg;

/* Packet sequence number, and frames sent (returned XDP_TX), which user
 * space reads.  One generator thread runs this program, so plain
 * increments are enough. */
__u32 seq;
__u64 sent;
/* Pacing: the current slot, and frames sent in it. */
__u64 cur_slot;
__u32 slot_sent;

static __always_inline __u32 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* RFC 1624: the checksum after a 32-bit field changes from old to new.
 * All quantities are taken as they sit in memory; one's complement sums
 * come out the same in either byte order. */
static __always_inline __u16 csum_replace4(__u16 csum, __u32 old, __u32 new)
{
	__u32 sum = (__u16)~csum;

	sum += (__u16)~old + (__u16)~(old >> 16);
	sum += (new & 0xffff) + (new >> 16);
	return ~fold(sum);
}

/* A bijection on src_bits-bit numbers: xorshift and odd multiplies each
 * are one, so their composition is too. */
static __always_inline __u32 scramble(__u32 x, __u32 bits)
{
	__u32 mask = bits >= 32 ? ~0U : (1U << bits) - 1;
	__u32 half = (bits + 1) / 2;

	x &= mask;
	x ^= x >> half;
	x = (x * 0x9E3779B1U) & mask;
	x ^= x >> half;
	x = (x * 0x85EBCA77U) & mask;
	x ^= x >> half;
	return x;
}

/*
 * Pacing.  The runs of one call follow each other as fast as the CPU goes;
 * a run that comes when the current slot's frames are all out drops its
 * copy instead of sending it, which turns the kernel's loop into a clock.
 * Frames leave in groups of slot_frames at the start of each slot, as a
 * NIC that coalesces interrupts hands them to the host: evenly spaced
 * single frames would instead cost the receiver a wake-up each, which no
 * NIC under load does.  Slots missed (the sender was busy flushing, or
 * preempted) are lost, not made up, so no group exceeds slot_frames.
 */
static __always_inline int paced_out(void)
{
	__u64 slot;

	if (!cfg.slot_ns)
		return 1;
	slot = bpf_ktime_get_ns() / cfg.slot_ns;
	if (slot != cur_slot) {
		cur_slot = slot;
		slot_sent = 0;
	}
	if (slot_sent >= cfg.slot_frames)
		return 0;
	slot_sent++;
	return 1;
}

SEC("xdp")
int tg_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bits = cfg.src_bits, l3 = cfg.l3_off & 0xff;
	__u32 new_src;
	__u8 *ip;

	if (!paced_out())
		return XDP_DROP;
	sent++;
	if (bits == 0 || bits > 32)
		return XDP_TX;
	ip = data + l3;
	if ((void *)(ip + 20) > data_end)
		return XDP_TX;

	new_src = bpf_htonl(cfg.src_base + scramble(seq++, bits));
	/* saddr at byte 12, header checksum at byte 10. */
	__builtin_memcpy(ip + 12, &new_src, 4);
	*(__u16 *)(ip + 10) = csum_replace4(cfg.ip_csum, cfg.tmpl_src, new_src);

	if (cfg.l4_csum_off && cfg.l4_csum) {
		__u8 *p = data + (cfg.l4_csum_off & 0xff);
		__u16 c;

		if ((void *)(p + 2) > data_end)
			return XDP_TX;
		c = csum_replace4(cfg.l4_csum, cfg.tmpl_src, new_src);
		/* In UDP a computed zero is sent as all ones (RFC 768). */
		*(__u16 *)p = c ? c : 0xffff;
	}
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
