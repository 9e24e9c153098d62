// SPDX-License-Identifier: GPL-2.0-only
/*
 * Another vendor's XDP program, as far as xdp-guard can tell: it passes
 * everything and knows nothing of libxdp (no run config, no dispatcher).
 * The tests attach it directly with bpftool to check that `xdp-guard load`
 * refuses to push it aside and changes nothing.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_other(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
