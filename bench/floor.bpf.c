/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The floor for the benchmark: the least work a source-address blocklist
 * kept in a hash map must do.  It reads the Ethernet header, checks the
 * IPv4 header against the end of the frame, looks the source up in one
 * hash map, and drops on a hit.  No VLAN, no IPv6, no counters, no other
 * map.
 *
 * Issue 5 asks for a blocked source at a fixed ratio to the bare XDP_DROP
 * program (bare.bpf.c).  A filter that looks the source up in a hash map
 * cannot cost less than this, so if this program alone misses a ratio on
 * a machine, every such filter misses it there: the gap between the bare
 * drop and this is what parsing and one lookup cost, not what xdp-guard
 * adds.  (An array indexed by the address is cheaper to look up, since the
 * verifier inlines it, and is not bounded by this.)
 *
 * The benchmark puts the blocked address in the map before measuring
 * (pktcost's src-add=, xdpattach's --src-add); the map is private to
 * the loader and never pinned.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, __u8);
	__uint(max_entries, 1024);
} floor_src SEC(".maps");

SEC("xdp")
int floor_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;		/* not even Ethernet: not ours */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;		/* truncated IPv4 */
	/*
	 * Version and IHL are knowingly not checked: the source address sits
	 * at a fixed offset, so no header field can move it, and a frame
	 * whose header makes no sense is the stack's to drop.
	 */
	return bpf_map_lookup_elem(&floor_src, &ip->saddr) ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
