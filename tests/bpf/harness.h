/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test harness for the XDP program: load guard-bpf/xdp_guard.bpf.o without
 * pinning anything, run frames through BPF_PROG_TEST_RUN, read the per-CPU
 * counters, fill the allow and block lists.
 *
 * Functions return 0 or a negative errno, so that the Check tests can
 * report what went wrong next to the assertion that failed.
 */
#ifndef XDP_GUARD_TESTS_HARNESS_H
#define XDP_GUARD_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "guard_maps.h"

/* The object under test; test_main sets it from argv[1]. */
extern const char *guard_obj_path;

enum guard_map_id {
	GM_ALLOW_V4,
	GM_ALLOW_V6,
	GM_BLOCK_V4,
	GM_BLOCK_V6,
	GM_BLKNET_V4,
	GM_BLKNET_V6,
	GM_COUNTERS,
	GM_CONFIG,
	GM_RULES,
	GM_RULE_STATE,
	GM_SOURCES,
	GM_EVENTS,
	GM_MARKS,
	GM_CELLS_V4,
	GM_DIR_V4,
	GM_DEEP_V4,
	GM_DIR_V6,
	GM_RULE_INDEX,
	GM_RULE_ENTRIES,
	GM_COUNT,
};

extern const char *const guard_map_names[GM_COUNT];

struct guard {
	struct bpf_object *obj;
	int prog_fd;
	int map_fd[GM_COUNT];
	int ncpus;		/* possible CPUs: the per-CPU value count */
	/* guard_limit() leaves the rule index off, so that the program
	 * looks in xg_rules, as after a plain xdp-loader load. */
	bool rules_unindexed;
};

/* Counters of every slot, summed over CPUs.  Slot GUARD_SLOT_EVENTS_LOST
 * counts events, not packets: it is no verdict's. */
struct guard_counters {
	struct guard_counter slot[GUARD_REASON_SLOTS];
};

/*
 * Open and load the object at guard_obj_path with every map's pin path
 * cleared, so the maps are private to this process and nothing under
 * bpffs is read or written.  pin_root: NULL for that; otherwise maps keep
 * their pinning and use this directory (only the test that proves the
 * pinning check can see pins uses this).
 */
int guard_open(struct guard *g, const char *pin_root);
void guard_close(struct guard *g);

/* Empty every list, rule and tracked source, zero the counters and the
 * configuration (which turns rate limiting off): the state of a fresh
 * load.  The event ring buffer is left alone: tests that read events
 * empty it first with guard_read_events(). */
int guard_reset(const struct guard *g);

/* Run one frame; *retval gets the XDP action.  If out is not NULL it gets
 * the frame as the program left it (out_size bytes at most). */
int guard_run(const struct guard *g, const void *data, size_t len,
	      uint32_t *retval, void *out, size_t out_size);

int guard_read_counters(const struct guard *g, struct guard_counters *c);
/* Whether a slot of the counters counts verdicts: not the events lost, nor
 * the rate limiter's clock and gate, which live there too. */
bool guard_slot_is_verdict(int slot);

/* XDP action that goes with each reason. */
int guard_reason_action(int reason);
const char *guard_reason_name(int reason);
const char *xdp_action_name(uint32_t action);

/*
 * Lists.  cidr is "ADDR" or "ADDR/LEN", IPv4 or IPv6.  expires_ns is a
 * deadline on CLOCK_MONOTONIC, 0 for never.
 *   guard_allow:     the allowlist trie;
 *   guard_block:     a full-length address goes to the host hash map and
 *                    anything shorter to the trie, as the CLI will do;
 *   guard_block_net: the trie, whatever the length (a /32 there is legal).
 */
int guard_allow(const struct guard *g, const char *cidr, uint64_t expires_ns);
int guard_block(const struct guard *g, const char *cidr, uint64_t expires_ns);
int guard_block_net(const struct guard *g, const char *cidr,
		    uint64_t expires_ns);
/* A blocklist entry as the rate limiter's auto-ban writes it (origin
 * GUARD_ORIGIN_AUTOBAN), in the hash or the trie like guard_block. */
int guard_ban(const struct guard *g, const char *cidr, uint64_t expires_ns);

uint64_t monotonic_ns(void);
uint64_t monotonic_coarse_ns(void);

/* ---- rate limiting ---------------------------------------------------- */

/*
 * A rule in the numbers a user gives, turned into struct guard_rule the way
 * lib/limits.c does it (xg_limit_set()), so the tests exercise the program
 * with the rules the CLI would write.  Bursts are given explicitly; a
 * budget burst of 0 means a fifth of the rate, which is what the CLI
 * always uses (it has no budget burst option).  Auto-ban is on when
 * ban_after_ns is nonzero, as in the library.
 */
struct guard_limit {
	uint16_t port;		/* 0: the whole protocol */
	uint8_t proto;		/* IPPROTO_TCP, _UDP, _ICMP, 0 for any */
	uint64_t pps, burst;
	uint64_t bps, bytes_burst;
	uint64_t syn_pps, syn_burst;
	uint64_t budget_pps, budget_burst;
	uint64_t budget_syn_pps, budget_syn_burst;
	uint64_t ban_after_ns, ban_for_ns;
};

/* Add or replace a rule: a new rule takes the lowest free budget slot
 * (zeroed), a replaced one keeps its slot; config.rule_count is set to
 * the number of rules, as the library keeps it. */
int guard_limit(const struct guard *g, const struct guard_limit *l);
int guard_unlimit(const struct guard *g, uint16_t port, uint8_t proto);

int guard_config_get(const struct guard *g, struct guard_config *cfg);
int guard_config_set(const struct guard *g, const struct guard_config *cfg);

/* Up to max tracked sources (keys and/or values may be NULL); *count gets
 * how many there are in all. */
int guard_sources(const struct guard *g, struct guard_source_key *keys,
		  struct guard_source *values, size_t max, size_t *count);

/* Consume every event waiting in the ring buffer: up to max are copied to
 * ev (which may be NULL to throw them away), *count gets how many there
 * were in all. */
int guard_read_events(const struct guard *g, struct guard_event *ev,
		      size_t max, size_t *count);

/*
 * Run a frame and find the counter it moved.  0 if exactly one slot moved,
 * by one packet and len bytes, and the frame came back unmodified (the
 * program never writes packets); *reason is then that slot.  Otherwise a
 * negative errno, with a description in why.
 */
int guard_run_counted(const struct guard *g, const void *data, size_t len,
		      uint32_t *retval, int *reason, char *why,
		      size_t why_size);

/*
 * guard_run_counted(), and the verdict is the one that goes with
 * want_reason (guard_reason_action()) and the counter that moved is
 * want_reason's.  Returns true if all held; otherwise false with a
 * description in why.
 */
bool guard_expect(const struct guard *g, const void *data, size_t len,
		  int want_reason, char *why, size_t why_size);

#endif /* XDP_GUARD_TESTS_HARNESS_H */
