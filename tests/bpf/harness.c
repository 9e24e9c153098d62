// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load the XDP program for testing and talk to its maps: see harness.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "rule_index.h"

const char *guard_obj_path = "../../guard-bpf/xdp_guard.bpf.o";

const char *const guard_map_names[GM_COUNT] = {
	[GM_ALLOW_V4] = GUARD_MAP_ALLOW_V4,
	[GM_ALLOW_V6] = GUARD_MAP_ALLOW_V6,
	[GM_BLOCK_V4] = GUARD_MAP_BLOCK_V4,
	[GM_BLOCK_V6] = GUARD_MAP_BLOCK_V6,
	[GM_BLKNET_V4] = GUARD_MAP_BLKNET_V4,
	[GM_BLKNET_V6] = GUARD_MAP_BLKNET_V6,
	[GM_COUNTERS] = GUARD_MAP_COUNTERS,
	[GM_CONFIG] = GUARD_MAP_CONFIG,
	[GM_RULES] = GUARD_MAP_RULES,
	[GM_RULE_STATE] = GUARD_MAP_RULE_STATE,
	[GM_SOURCES] = GUARD_MAP_SOURCES,
	[GM_EVENTS] = GUARD_MAP_EVENTS,
	[GM_MARKS] = GUARD_MAP_MARKS,
	[GM_CELLS_V4] = GUARD_MAP_CELLS_V4,
	[GM_DIR_V4] = GUARD_MAP_DIR_V4,
	[GM_DEEP_V4] = GUARD_MAP_DEEP_V4,
	[GM_DIR_V6] = GUARD_MAP_DIR_V6,
	[GM_RULE_INDEX] = GUARD_MAP_RULE_INDEX,
	[GM_RULE_ENTRIES] = GUARD_MAP_RULE_ENTRIES,
};

int guard_open(struct guard *g, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct bpf_program *prog;
	struct bpf_map *map;
	int i, err;

	memset(g, 0, sizeof(*g));
	g->prog_fd = -1;
	for (i = 0; i < GM_COUNT; i++)
		g->map_fd[i] = -1;

	g->ncpus = libbpf_num_possible_cpus();
	if (g->ncpus <= 0)
		return g->ncpus ? g->ncpus : -EINVAL;

	g->obj = bpf_object__open_file(guard_obj_path, &opts);
	if (!g->obj) {
		err = -errno;
		goto fail;
	}

	/* The object asks for LIBBPF_PIN_BY_NAME.  Left alone, libbpf would
	 * reuse whatever maps a running xdp-guard pinned under
	 * /sys/fs/bpf, so the tests would read the live counters and
	 * lists, and write to them.  Clearing the pin path makes every map
	 * new and private to this process. */
	if (!pin_root) {
		bpf_object__for_each_map(map, g->obj) {
			err = bpf_map__set_pin_path(map, NULL);
			if (err)
				goto fail;
		}
	}

	err = bpf_object__load(g->obj);
	if (err)
		goto fail;

	prog = bpf_object__find_program_by_name(g->obj, "xdp_guard");
	if (!prog) {
		err = -ENOENT;
		goto fail;
	}
	g->prog_fd = bpf_program__fd(prog);

	for (i = 0; i < GM_COUNT; i++) {
		map = bpf_object__find_map_by_name(g->obj, guard_map_names[i]);
		if (!map) {
			err = -ENOENT;
			goto fail;
		}
		g->map_fd[i] = bpf_map__fd(map);
	}
	return 0;

fail:
	guard_close(g);
	return err < 0 ? err : -EINVAL;
}

void guard_close(struct guard *g)
{
	bpf_object__close(g->obj);	/* closes the program and map fds */
	g->obj = NULL;
	g->prog_fd = -1;
}

/* Delete every key of a hash-like map (hash, LRU hash, LPM trie). */
static int empty_map(int fd)
{
	uint8_t key[64];	/* larger than any key of ours */

	/* Always delete the first key: deleting while stepping through
	 * with get_next_key would skip entries. */
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Zero every element of an array (per-CPU or not: the buffer is sized
 * for per-CPU values, which is enough for either). */
static int zero_array(int fd, uint32_t entries, size_t value_size, int ncpus)
{
	uint32_t i;
	void *zero;
	int err = 0;

	zero = calloc((size_t)ncpus, (value_size + 7) & ~(size_t)7);
	if (!zero)
		return -ENOMEM;
	for (i = 0; i < entries && !err; i++)
		if (bpf_map_update_elem(fd, &i, zero, BPF_ANY))
			err = -errno;
	free(zero);
	return err;
}

int guard_reset(const struct guard *g)
{
	static const enum guard_map_id hashes[] = {
		GM_ALLOW_V4, GM_ALLOW_V6, GM_BLOCK_V4, GM_BLOCK_V6,
		GM_BLKNET_V4, GM_BLKNET_V6, GM_RULES, GM_SOURCES, GM_DEEP_V4,
		GM_DIR_V6,
	};
	unsigned int i;
	int err = 0;

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]) && !err; i++)
		err = empty_map(g->map_fd[hashes[i]]);
	if (!err)
		err = zero_array(g->map_fd[GM_COUNTERS], GUARD_REASON_SLOTS,
				 sizeof(struct guard_counter), g->ncpus);
	if (!err)
		err = zero_array(g->map_fd[GM_CONFIG], 1,
				 sizeof(struct guard_config), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_RULE_STATE], GUARD_RULES_MAX,
				 sizeof(struct guard_rule_state), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_MARKS], 1, sizeof(struct guard_marks), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_CELLS_V4], 1, sizeof(struct guard_cells_v4), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_DIR_V4], GUARD_DIR_CHUNKS,
				 sizeof(struct guard_dir_v4), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_RULE_INDEX], 1, sizeof(struct guard_rule_index), 1);
	if (!err)
		err = zero_array(g->map_fd[GM_RULE_ENTRIES], GUARD_RULE_ENTRIES,
				 sizeof(struct guard_rule_entry), 1);
	return err;
}

int guard_run(const struct guard *g, const void *data, size_t len,
	      uint32_t *retval, void *out, size_t out_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out ? out_size : 0,
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(g->prog_fd, &opts);
	if (err)
		return err;
	*retval = opts.retval;
	return 0;
}

bool guard_slot_is_verdict(int slot)
{
	return slot != GUARD_SLOT_EVENTS_LOST && slot != GUARD_SLOT_CLOCK &&
	       slot != GUARD_SLOT_GATE;
}

int guard_read_counters(const struct guard *g, struct guard_counters *c)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t n = (size_t)g->ncpus;
	__u32 keys[GUARD_REASON_SLOTS], count = GUARD_REASON_SLOTS, out;
	struct guard_counter *values;
	size_t i, k;
	int err;

	/* All slots in one syscall: the tests read the counters around
	 * every run, tens of thousands of times. */
	values = calloc(GUARD_REASON_SLOTS * n, sizeof(*values));
	if (!values)
		return -ENOMEM;
	err = bpf_map_lookup_batch(g->map_fd[GM_COUNTERS], NULL, &out, keys,
				   values, &count, &opts);
	/* ENOENT: the batch reached the end of the map, as it must. */
	if (err && errno == ENOENT)
		err = 0;
	else if (err)
		err = -errno;
	if (!err && count != GUARD_REASON_SLOTS)
		err = -EIO;

	memset(c, 0, sizeof(*c));
	for (k = 0; !err && k < GUARD_REASON_SLOTS; k++) {
		if (keys[k] >= GUARD_REASON_SLOTS) {
			err = -EIO;
			break;
		}
		for (i = 0; i < n; i++) {
			c->slot[keys[k]].packets += values[k * n + i].packets;
			c->slot[keys[k]].bytes += values[k * n + i].bytes;
		}
	}
	free(values);
	return err;
}

int guard_reason_action(int reason)
{
	switch (reason) {
	case GUARD_REASON_PASS:
	case GUARD_REASON_ALLOW:
	case GUARD_REASON_NON_IP:
	case GUARD_REASON_UNPARSED:
		return XDP_PASS;
	case GUARD_REASON_BLOCK:
	case GUARD_REASON_MALFORMED:
	case GUARD_REASON_RATE:
	case GUARD_REASON_SYN_RATE:
	case GUARD_REASON_BUDGET:
	case GUARD_REASON_BAN:
		return XDP_DROP;
	default:
		return -1;
	}
}

const char *guard_reason_name(int reason)
{
	static const char *const names[GUARD_REASON_COUNT] = {
		[GUARD_REASON_PASS] = "pass",
		[GUARD_REASON_ALLOW] = "allow",
		[GUARD_REASON_BLOCK] = "block",
		[GUARD_REASON_MALFORMED] = "malformed",
		[GUARD_REASON_NON_IP] = "non_ip",
		[GUARD_REASON_UNPARSED] = "unparsed",
		[GUARD_REASON_RATE] = "rate",
		[GUARD_REASON_SYN_RATE] = "syn_rate",
		[GUARD_REASON_BUDGET] = "budget",
		[GUARD_REASON_BAN] = "ban",
	};

	if (reason == GUARD_SLOT_EVENTS_LOST)
		return "events_lost";
	if (reason == GUARD_SLOT_CLOCK)
		return "(the rate limiter's clock)";
	if (reason == GUARD_SLOT_GATE)
		return "(the budget's gate)";
	if (reason >= 0 && reason < GUARD_REASON_COUNT && names[reason])
		return names[reason];
	return "(unknown reason)";
}

const char *xdp_action_name(uint32_t action)
{
	switch (action) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "(unknown action)";
	}
}

/* "ADDR[/LEN]" into an address of 4 or 16 bytes and a prefix length. */
static int parse_cidr(const char *cidr, uint8_t addr[16], size_t *addr_len,
		      uint32_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	char *end;
	long len;

	if (strlen(cidr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cidr);
	slash = strchr(cidr, '/');
	if (slash)
		buf[slash - cidr] = '\0';

	if (inet_pton(AF_INET, buf, addr) == 1)
		*addr_len = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*addr_len = 16;
	else
		return -EINVAL;

	*plen = *addr_len * 8;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len < 0 ||
		    len > (long)*plen)
			return -EINVAL;
		*plen = len;
	}
	return 0;
}

/* An entry as libxdpguard writes it: the key's length repeated in the
 * value, which the program needs to look below an expired prefix. */
static int update(int fd, const void *key, uint32_t plen, uint64_t expires_ns,
		  uint32_t origin)
{
	struct guard_entry e = {
		.expires_ns = expires_ns,
		.origin = origin,
		.prefix_len = plen,
	};

	return bpf_map_update_elem(fd, key, &e, BPF_ANY) ? -errno : 0;
}

static int trie_add(const struct guard *g, enum guard_map_id v4,
		    enum guard_map_id v6, const char *cidr,
		    uint64_t expires_ns, uint32_t origin)
{
	uint8_t addr[16];
	size_t addr_len;
	uint32_t plen;
	int err;

	err = parse_cidr(cidr, addr, &addr_len, &plen);
	if (err)
		return err;
	if (addr_len == 4) {
		struct guard_lpm_v4 key = { .prefixlen = plen };

		memcpy(key.addr, addr, 4);
		return update(g->map_fd[v4], &key, plen, expires_ns, origin);
	} else {
		struct guard_lpm_v6 key = { .prefixlen = plen };

		memcpy(key.addr, addr, 16);
		return update(g->map_fd[v6], &key, plen, expires_ns, origin);
	}
}

int guard_allow(const struct guard *g, const char *cidr, uint64_t expires_ns)
{
	return trie_add(g, GM_ALLOW_V4, GM_ALLOW_V6, cidr, expires_ns,
			GUARD_ORIGIN_MANUAL);
}

int guard_block_net(const struct guard *g, const char *cidr,
		    uint64_t expires_ns)
{
	return trie_add(g, GM_BLKNET_V4, GM_BLKNET_V6, cidr, expires_ns,
			GUARD_ORIGIN_MANUAL);
}

static int block_add(const struct guard *g, const char *cidr,
		     uint64_t expires_ns, uint32_t origin)
{
	uint8_t addr[16];
	size_t addr_len;
	uint32_t plen;
	int err;

	err = parse_cidr(cidr, addr, &addr_len, &plen);
	if (err)
		return err;
	if (plen != addr_len * 8)
		return trie_add(g, GM_BLKNET_V4, GM_BLKNET_V6, cidr,
				expires_ns, origin);
	if (addr_len == 4)
		return update(g->map_fd[GM_BLOCK_V4], addr, plen, expires_ns,
			      origin);
	return update(g->map_fd[GM_BLOCK_V6], addr, plen, expires_ns, origin);
}

int guard_block(const struct guard *g, const char *cidr, uint64_t expires_ns)
{
	return block_add(g, cidr, expires_ns, GUARD_ORIGIN_MANUAL);
}

int guard_ban(const struct guard *g, const char *cidr, uint64_t expires_ns)
{
	return block_add(g, cidr, expires_ns, GUARD_ORIGIN_AUTOBAN);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* bpf_ktime_get_ns() reads this clock. */
uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* And bpf_ktime_get_coarse_ns() this one: the time at the last tick. */
uint64_t monotonic_coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

int guard_run_counted(const struct guard *g, const void *data, size_t len,
		      uint32_t *retval, int *reason, char *why,
		      size_t why_size)
{
	struct guard_counters before, after;
	uint8_t out[4096];
	int err, i;

	*reason = -1;
	if (len > sizeof(out)) {
		snprintf(why, why_size, "frame of %zu bytes is too long", len);
		return -EINVAL;
	}
	err = guard_read_counters(g, &before);
	if (!err)
		err = guard_run(g, data, len, retval, out, sizeof(out));
	if (!err)
		err = guard_read_counters(g, &after);
	if (err) {
		snprintf(why, why_size, "len %zu: %s", len, strerror(-err));
		return err;
	}

	for (i = 0; i < GUARD_REASON_SLOTS; i++) {
		uint64_t dp = after.slot[i].packets - before.slot[i].packets;
		uint64_t db = after.slot[i].bytes - before.slot[i].bytes;

		if (!guard_slot_is_verdict(i) || (!dp && !db))
			continue;
		if (*reason >= 0 || dp != 1 || db != len) {
			snprintf(why, why_size,
				 "len %zu: counter %s moved by %llu packets, "
				 "%llu bytes; want one counter to move by "
				 "1 packet, %zu bytes",
				 len, guard_reason_name(i),
				 (unsigned long long)dp,
				 (unsigned long long)db, len);
			return -EPROTO;
		}
		*reason = i;
	}
	if (*reason < 0) {
		snprintf(why, why_size, "len %zu: no counter moved", len);
		return -EPROTO;
	}
	if (memcmp(out, data, len)) {
		snprintf(why, why_size, "len %zu: the frame was modified", len);
		return -EPROTO;
	}
	return 0;
}

bool guard_expect(const struct guard *g, const void *data, size_t len,
		  int want_reason, char *why, size_t why_size)
{
	int want_action = guard_reason_action(want_reason);
	uint32_t retval;
	int reason;

	if (guard_run_counted(g, data, len, &retval, &reason, why, why_size))
		return false;
	if ((int)retval != want_action || reason != want_reason) {
		snprintf(why, why_size,
			 "len %zu: got %s (counter %s), want %s (counter %s)",
			 len, xdp_action_name(retval),
			 guard_reason_name(reason),
			 xdp_action_name(want_action),
			 guard_reason_name(want_reason));
		return false;
	}
	return true;
}

/* ---- rate limiting ---------------------------------------------------- */

#define NS_PER_S 1000000000ull

/* A packet meter of rate per second and burst packets, as the library
 * builds it: see struct guard_meter. */
static struct guard_meter meter(uint64_t rate, uint64_t burst)
{
	struct guard_meter m = { 0 };

	if (!rate)
		return m;
	m.interval_ns = NS_PER_S / rate ? NS_PER_S / rate : 1;
	m.tolerance_ns = (burst ? burst - 1 : 0) * m.interval_ns;
	return m;
}

static uint64_t fifth(uint64_t rate)
{
	return rate / 5 ? rate / 5 : 1;
}

/* Slots used by the rules in the map, and how many rules there are. */
static int rule_slots(const struct guard *g, uint64_t *used, uint32_t *count)
{
	int fd = g->map_fd[GM_RULES];
	struct guard_rule_key key, prev;
	struct guard_rule rule;
	bool first = true;

	_Static_assert(GUARD_RULES_MAX <= 64, "slot bitmap is one u64");
	*used = 0;
	*count = 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &prev, &key)) {
		if (bpf_map_lookup_elem(fd, &key, &rule))
			return -errno;
		if (rule.slot < GUARD_RULES_MAX)
			*used |= 1ull << rule.slot;
		(*count)++;
		prev = key;
		first = false;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* The rule index for the rules in the map, as the library builds it, but
 * each rule always in the first of its slot's two entries: nothing runs
 * the program while the tests write. */
static int build_rule_index(const struct guard *g)
{
	int fd = g->map_fd[GM_RULES];
	struct xg_rule_ref refs[GUARD_RULES_MAX];
	struct guard_rule_key key, prev;
	struct guard_rule_index *ix;
	bool first = true;
	uint32_t zero = 0;
	size_t n = 0;
	int err = 0;

	while (n < GUARD_RULES_MAX && !bpf_map_get_next_key(fd, first ? NULL : &prev, &key)) {
		struct guard_rule_entry e = { .key = key };
		uint32_t entry;

		if (bpf_map_lookup_elem(fd, &key, &e.rule))
			return -errno;
		entry = 2 * e.rule.slot;
		if (bpf_map_update_elem(g->map_fd[GM_RULE_ENTRIES], &entry, &e, BPF_ANY))
			return -errno;
		refs[n].key = key;
		refs[n].entry = entry;
		n++;
		prev = key;
		first = false;
	}
	ix = malloc(sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	xg_rule_index_fill(ix, refs, n);
	if (bpf_map_update_elem(g->map_fd[GM_RULE_INDEX], &zero, ix, BPF_ANY))
		err = -errno;
	free(ix);
	return err;
}

/* After a rule change: the count, and the index in use. */
static int set_rule_count(const struct guard *g)
{
	struct guard_config cfg;
	uint64_t used;
	uint32_t count;
	int err;

	err = rule_slots(g, &used, &count);
	if (!err && !g->rules_unindexed)
		err = build_rule_index(g);
	if (!err)
		err = guard_config_get(g, &cfg);
	if (err)
		return err;
	cfg.rule_count = count;
	if (g->rules_unindexed)
		cfg.skip_lists &= ~GUARD_RULE_INDEX;
	else
		cfg.skip_lists |= GUARD_RULE_INDEX;
	return guard_config_set(g, &cfg);
}

int guard_limit(const struct guard *g, const struct guard_limit *l)
{
	struct guard_rule_key key = { .port = l->port, .proto = l->proto };
	struct guard_rule rule = { 0 }, old;
	int fd = g->map_fd[GM_RULES];
	uint64_t used;
	uint32_t count;
	int err;

	if (!bpf_map_lookup_elem(fd, &key, &old)) {
		rule.slot = old.slot;
	} else {
		struct guard_rule_state fresh = { 0 };

		err = rule_slots(g, &used, &count);
		if (err)
			return err;
		if (used == ~0ull)
			return -ENOSPC;
		rule.slot = __builtin_ctzll(~used);
		if (bpf_map_update_elem(g->map_fd[GM_RULE_STATE], &rule.slot,
					&fresh, BPF_ANY))
			return -errno;
	}

	rule.pkt = meter(l->pps, l->burst);
	rule.syn = meter(l->syn_pps, l->syn_burst);
	rule.budget = meter(l->budget_pps, l->budget_burst ?: fifth(l->budget_pps));
	rule.budget_syn = meter(l->budget_syn_pps,
				l->budget_syn_burst ?: fifth(l->budget_syn_pps));
	if (l->bps) {
		rule.bytes.interval_ns = (NS_PER_S << 16) / l->bps;
		rule.bytes.tolerance_ns = l->bytes_burst * NS_PER_S / l->bps;
		rule.flags |= GUARD_RULE_BYTES;
	}
	if (l->syn_pps)
		rule.flags |= GUARD_RULE_SYN;
	if (l->budget_pps)
		rule.flags |= GUARD_RULE_BUDGET;
	if (l->budget_syn_pps)
		rule.flags |= GUARD_RULE_BUDGET_SYN;
	if (l->ban_after_ns) {
		rule.flags |= GUARD_RULE_BAN;
		rule.ban_after_ns = l->ban_after_ns;
		rule.ban_for_ns = l->ban_for_ns;
	}
	rule.pps = l->pps;
	rule.burst = l->burst;
	rule.bps = l->bps;
	rule.bytes_burst = l->bytes_burst;
	rule.syn_pps = l->syn_pps;
	rule.syn_burst = l->syn_burst;
	rule.budget_pps = l->budget_pps;
	rule.budget_syn_pps = l->budget_syn_pps;

	if (bpf_map_update_elem(fd, &key, &rule, BPF_ANY))
		return -errno;
	return set_rule_count(g);
}

int guard_unlimit(const struct guard *g, uint16_t port, uint8_t proto)
{
	struct guard_rule_key key = { .port = port, .proto = proto };

	if (bpf_map_delete_elem(g->map_fd[GM_RULES], &key))
		return -errno;
	return set_rule_count(g);
}

int guard_config_get(const struct guard *g, struct guard_config *cfg)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(g->map_fd[GM_CONFIG], &zero, cfg) ? -errno : 0;
}

int guard_config_set(const struct guard *g, const struct guard_config *cfg)
{
	struct guard_config next = *cfg;
	uint32_t zero = 0;

	/* As the library's every write does (xg_config_write()). */
	guard_config_next_gen(&next);
	return bpf_map_update_elem(g->map_fd[GM_CONFIG], &zero, &next, BPF_ANY) ?
		       -errno : 0;
}

int guard_sources(const struct guard *g, struct guard_source_key *keys,
		  struct guard_source *values, size_t max, size_t *count)
{
	int fd = g->map_fd[GM_SOURCES];
	struct guard_source_key key, prev;
	struct guard_source value;
	bool first = true;

	*count = 0;
	while (!bpf_map_get_next_key(fd, first ? NULL : &prev, &key)) {
		/* The LRU may drop an entry between the two calls; nothing
		 * runs the program meanwhile here, so treat that as an
		 * error rather than guess. */
		if (bpf_map_lookup_elem(fd, &key, &value))
			return -errno;
		if (*count < max) {
			if (keys)
				keys[*count] = key;
			if (values)
				values[*count] = value;
		}
		(*count)++;
		prev = key;
		first = false;
	}
	return errno == ENOENT ? 0 : -errno;
}

struct event_sink {
	struct guard_event *ev;
	size_t max;
	size_t count;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct event_sink *sink = ctx;

	/* The program only ever writes whole struct guard_event records. */
	if (size != sizeof(struct guard_event))
		return -EMSGSIZE;
	if (sink->ev && sink->count < sink->max)
		memcpy(&sink->ev[sink->count], data, size);
	sink->count++;
	return 0;
}

int guard_read_events(const struct guard *g, struct guard_event *ev,
		      size_t max, size_t *count)
{
	struct event_sink sink = { .ev = ev, .max = max };
	struct ring_buffer *rb;
	int err;

	/* A fresh reader each time: the consumer position lives in the
	 * map's shared page, so it carries on where the last one stopped. */
	rb = ring_buffer__new(g->map_fd[GM_EVENTS], on_event, &sink, NULL);
	if (!rb)
		return -errno;
	err = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	*count = sink.count;
	return err < 0 ? err : 0;
}
