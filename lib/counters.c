// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Verdict reasons and their per-CPU counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

static const struct {
	const char *name;
	const char *action;
} reasons[GUARD_REASON_COUNT] = {
	[GUARD_REASON_PASS] = { "pass", "pass" },
	[GUARD_REASON_ALLOW] = { "allow", "pass" },
	[GUARD_REASON_BLOCK] = { "block", "drop" },
	[GUARD_REASON_MALFORMED] = { "malformed", "drop" },
	[GUARD_REASON_NON_IP] = { "non_ip", "pass" },
	[GUARD_REASON_UNPARSED] = { "unparsed", "pass" },
	[GUARD_REASON_RATE] = { "rate", "drop" },
	[GUARD_REASON_SYN_RATE] = { "syn_rate", "drop" },
	[GUARD_REASON_BUDGET] = { "budget", "drop" },
	[GUARD_REASON_BAN] = { "ban", "drop" },
};

_Static_assert(GUARD_REASON_COUNT <= GUARD_SLOT_GATE,
	       "more reasons than counter slots");

unsigned int xg_reason_count(void)
{
	return GUARD_REASON_COUNT;
}

const char *xg_reason_name(unsigned int reason)
{
	return reason < GUARD_REASON_COUNT ? reasons[reason].name : NULL;
}

const char *xg_reason_action(unsigned int reason)
{
	return reason < GUARD_REASON_COUNT ? reasons[reason].action : NULL;
}

/* Sum one slot of the per-CPU counter array over all CPUs. */
static int read_slot(int fd, __u32 slot, struct guard_counter *percpu, int ncpus,
		     struct xg_counter *out)
{
	out->packets = out->bytes = 0;
	if (bpf_map_lookup_elem(fd, &slot, percpu))
		return -errno;
	for (int c = 0; c < ncpus; c++) {
		out->packets += percpu[c].packets;
		out->bytes += percpu[c].bytes;
	}
	return 0;
}

int xg_events_lost(struct xg_state *st, uint64_t *lost)
{
	int ncpus = libbpf_num_possible_cpus(), ret;
	struct guard_counter *percpu;
	struct xg_counter sum;

	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	ret = read_slot(st->map_fds[XG_MAP_COUNTERS], GUARD_SLOT_EVENTS_LOST, percpu,
			ncpus, &sum);
	free(percpu);
	if (!ret)
		*lost = sum.packets;
	return ret;
}

int xg_counters_read(struct xg_state *st, struct xg_counter *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct guard_counter *percpu;
	int fd = st->map_fds[XG_MAP_COUNTERS];

	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 r = 0; r < GUARD_REASON_COUNT; r++) {
		int ret = read_slot(fd, r, percpu, ncpus, &out[r]);

		if (ret) {
			free(percpu);
			return ret;
		}
	}
	free(percpu);
	return 0;
}
