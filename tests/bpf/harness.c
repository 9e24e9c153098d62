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
		GM_BLKNET_V4, GM_BLKNET_V6, GM_RULES, GM_SOURCES,
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

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() reads this clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

		if (i == GUARD_SLOT_EVENTS_LOST || (!dp && !db))
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
