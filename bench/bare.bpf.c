/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Baselines for the benchmark: the cheapest possible XDP programs.  Built
 * twice, with BARE_VERDICT set to XDP_DROP and XDP_PASS, so that each
 * object holds exactly one program and any loader (ip link, libbpf, the
 * test_run tool) picks it without being told a name.
 *
 * They touch no packet byte and no map: whatever a filter costs above
 * them is the filter's own work.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef BARE_VERDICT
#error "build with -DBARE_VERDICT=XDP_DROP or XDP_PASS"
#endif

SEC("xdp")
int bare(struct xdp_md *ctx)
{
	return BARE_VERDICT;
}

char _license[] SEC("license") = "GPL";
