/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_next: the "other program" the VM tests put next to xdp-guard.
 *
 * It passes every frame and counts IPv4 ICMP echo requests by source
 * address, so a test can tell which sources got past the programs that run
 * before it in the libxdp dispatcher: a source the guard drops must never
 * show up here (unless the guard runs after it).  Only echo requests are
 * counted because ARP, IPv6 router solicitations and the like arrive on
 * their own schedule and would make the counts unpredictable.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

/* Key: IPv4 source address in network byte order. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xgvm_echo_by_src SEC(".maps");

/* libxdp's default priority: after the guard (5), and easy to move in
 * front of it with `xdp-loader load --prio`. */
struct {
	__uint(priority, 50);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdp_next);

SEC("xdp")
int xdp_next(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u8 *icmp_type;
	__u64 one = 1, *count;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end || iph->ihl < 5 ||
	    iph->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	/* The type is the ICMP header's first byte.  <linux/icmp.h> is not
	 * included: it needs glibc's 32-bit headers under -target bpf. */
	icmp_type = (void *)iph + iph->ihl * 4;
	if ((void *)(icmp_type + 1) > data_end || *icmp_type != 8 /* echo request */)
		return XDP_PASS;

	count = bpf_map_lookup_elem(&xgvm_echo_by_src, &iph->saddr);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		/* Two CPUs may race to insert the first packet of a source;
		 * the loser's count is lost, which the tests allow for by
		 * comparing against "at least". */
		bpf_map_update_elem(&xgvm_echo_by_src, &iph->saddr, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
