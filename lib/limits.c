// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rate-limit rules and the rate limiter's settings.  Rules are stored as
 * the program uses them (GCRA intervals and tolerances, see guard_maps.h)
 * next to the numbers the user gave, which is what xg_limit_list() returns.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/bpf.h>

#include "internal.h"
#include "rule_index.h"

#define NS_PER_S 1000000000ULL

int xg_match_parse(const char *text, struct xg_match *out, const char **why)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} protos[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		       { "icmp", IPPROTO_ICMP }, { "any", 0 } };
	const char *dummy, *slash;
	unsigned long port = 0;

	if (!why)
		why = &dummy;
	if (!text || !*text) {
		*why = "empty";
		return -EINVAL;
	}
	slash = strchr(text, '/');
	if (slash) {
		const char *p = text;

		if (slash == text || (text[0] == '0' && slash - text > 1)) {
			*why = "expected PORT/PROTO, like 8000/tcp";
			return -EINVAL;
		}
		for (; p < slash; p++) {
			if (*p < '0' || *p > '9') {
				*why = "the port is not a number";
				return -EINVAL;
			}
			port = port * 10 + (unsigned long)(*p - '0');
			if (port > 65535) {
				*why = "the port is over 65535";
				return -EINVAL;
			}
		}
		if (port == 0) {
			*why = "port 0: to match all ports, give the protocol alone (tcp, udp)";
			return -EINVAL;
		}
		text = slash + 1;
	}
	if (!slash && *text >= '0' && *text <= '9' && strspn(text, "0123456789") == strlen(text)) {
		*why = "a port needs its protocol, like 8000/tcp or 8000/udp";
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		if (strcasecmp(text, protos[i].name))
			continue;
		if (slash && protos[i].proto != IPPROTO_TCP && protos[i].proto != IPPROTO_UDP) {
			*why = "only tcp and udp have ports";
			return -EINVAL;
		}
		out->port = port;
		out->proto = protos[i].proto;
		return 0;
	}
	*why = "unknown protocol (use tcp, udp, icmp or any)";
	return -EINVAL;
}

char *xg_match_format(const struct xg_match *m, char *buf, size_t size)
{
	const char *proto;

	switch (m->proto) {
	case IPPROTO_TCP:
		proto = "tcp";
		break;
	case IPPROTO_UDP:
		proto = "udp";
		break;
	case IPPROTO_ICMP:
		proto = "icmp";
		break;
	case 0:
		proto = "any";
		break;
	default:
		proto = "?";
	}
	if (m->port)
		snprintf(buf, size, "%u/%s", m->port, proto);
	else
		snprintf(buf, size, "%s", proto);
	return buf;
}

static uint64_t default_burst(uint64_t rate)
{
	return rate / 5 ? rate / 5 : 1;
}

/* The burst in effect: as given, or the default. */
static void fill_defaults(struct xg_limit *l)
{
	if (l->pps && !l->burst)
		l->burst = default_burst(l->pps);
	if (l->bps && !l->bytes_burst)
		l->bytes_burst = default_burst(l->bps);
	if (l->syn_pps && !l->syn_burst)
		l->syn_burst = default_burst(l->syn_pps);
}

int xg_limit_validate(const struct xg_limit *l, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if ((l->burst && !l->pps) || (l->bytes_burst && !l->bps) || (l->syn_burst && !l->syn_pps)) {
		*why = "a burst needs its rate (burst with pps, bytes burst with bps, syn burst with syn-pps)";
		return -EINVAL;
	}
	if (!l->pps && !l->bps && !l->syn_pps && !l->budget_pps && !l->budget_syn_pps) {
		*why = "a rule needs at least one limit (pps, bps, syn-pps, budget-pps or budget-syn-pps)";
		return -EINVAL;
	}
	if (l->pps > XG_RATE_MAX || l->syn_pps > XG_RATE_MAX || l->budget_pps > XG_RATE_MAX ||
	    l->budget_syn_pps > XG_RATE_MAX || l->bps > 100 * XG_RATE_MAX) {
		*why = "rate too high";
		return -EINVAL;
	}
	if (l->burst > XG_RATE_MAX || l->syn_burst > XG_RATE_MAX || l->bytes_burst > 100 * XG_RATE_MAX) {
		*why = "burst too large";
		return -EINVAL;
	}
	if (!l->ban_after_ns != !l->ban_for_ns) {
		*why = "auto-ban needs both ban-after and ban-for";
		return -EINVAL;
	}
	if (l->ban_after_ns && !l->pps && !l->bps && !l->syn_pps) {
		*why = "auto-ban needs a per-source limit (pps, bps or syn-pps) to exceed";
		return -EINVAL;
	}
	if (l->match.port && l->match.proto != IPPROTO_TCP && l->match.proto != IPPROTO_UDP) {
		*why = "only tcp and udp rules have ports";
		return -EINVAL;
	}
	if (l->syn_pps && l->match.proto != IPPROTO_TCP && l->match.proto != 0) {
		*why = "SYN limits apply to TCP: use them on a tcp or any rule";
		return -EINVAL;
	}
	return 0;
}

/* A packet meter of rate per second and burst packets. */
static struct guard_meter meter(uint64_t rate, uint64_t burst)
{
	struct guard_meter m = { 0 };

	if (!rate)
		return m;
	m.interval_ns = NS_PER_S / rate;
	if (!m.interval_ns)
		m.interval_ns = 1;
	m.tolerance_ns = (burst ? burst - 1 : 0) * m.interval_ns;
	return m;
}

static void rule_key(const struct xg_match *m, struct guard_rule_key *key)
{
	memset(key, 0, sizeof(*key));
	key->port = m->port;
	key->proto = m->proto;
}

struct slot_ctx {
	uint64_t used;		/* bit per slot */
	unsigned int count;
};

static int rule_walk(struct xg_state *st, struct slot_ctx *sc)
{
	int fd = st->map_fds[XG_MAP_RULES];
	struct guard_rule_key key, *prev = NULL;
	struct guard_rule rule;

	_Static_assert(GUARD_RULES_MAX <= 64, "slot bitmap is one u64");
	memset(sc, 0, sizeof(*sc));
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (bpf_map_lookup_elem(fd, &key, &rule) == 0 && rule.slot < GUARD_RULES_MAX) {
			sc->used |= 1ULL << rule.slot;
			sc->count++;
		}
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

bool xg_rules_may_ban(struct xg_state *st)
{
	int fd = st->map_fds[XG_MAP_RULES];
	struct guard_rule_key key, *prev = NULL;
	struct guard_rule rule;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (bpf_map_lookup_elem(fd, &key, &rule) == 0 && (rule.flags & GUARD_RULE_BAN))
			return true;
		prev = &key;
	}
	return false;
}

static bool entry_holds(int fd, __u32 e, const struct guard_rule_entry *want)
{
	struct guard_rule_entry have;

	return bpf_map_lookup_elem(fd, &e, &have) == 0 && !memcmp(&have, want, sizeof(have));
}

/*
 * Each rule's content goes to the element of its slot that the live index
 * does not name, unless the one it names holds it already; the index goes
 * last.  A packet in flight thus reads either the old rule or the new,
 * whole (guard_maps.h).
 */
int xg_rule_index_build(struct xg_state *st)
{
	int rules_fd = st->map_fds[XG_MAP_RULES], entries_fd = st->map_fds[XG_MAP_RULE_ENTRIES];
	int index_fd = st->map_fds[XG_MAP_RULE_INDEX];
	struct xg_rule_ref refs[GUARD_RULES_MAX];
	bool live[GUARD_RULE_ENTRIES] = { false };
	struct guard_rule_key key, *prev = NULL;
	struct guard_rule_index *ix;
	struct guard_config cfg;
	struct guard_rule rule;
	size_t n = 0, i;
	__u32 zero = 0;
	int ret;

	ix = malloc(sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ret = xg_config_read(st, &cfg);
	if (ret)
		goto out;
	/* Without the config bit, nothing reads the entries. */
	if ((cfg.skip_lists & GUARD_RULE_INDEX) &&
	    bpf_map_lookup_elem(index_fd, &zero, ix) == 0) {
		const __u8 *b = (const __u8 *)ix;

		for (i = 0; i < sizeof(*ix); i++)
			if (b[i] && b[i] <= GUARD_RULE_ENTRIES)
				live[b[i] - 1] = true;
	}

	while (bpf_map_get_next_key(rules_fd, prev, &key) == 0) {
		struct guard_rule_entry want;
		bool keep = false;
		__u32 e;

		prev = &key;
		if (bpf_map_lookup_elem(rules_fd, &key, &rule) || rule.slot >= GUARD_RULES_MAX ||
		    n == GUARD_RULES_MAX)
			continue;
		memset(&want, 0, sizeof(want));
		want.key = key;
		want.rule = rule;
		e = 2 * rule.slot;
		if (live[e] || live[e + 1]) {
			__u32 cur = live[e] ? e : e + 1;

			keep = entry_holds(entries_fd, cur, &want);
			e = keep ? cur : cur ^ 1;
		}
		if (!keep && bpf_map_update_elem(entries_fd, &e, &want, BPF_ANY)) {
			ret = -errno;
			goto out;
		}
		refs[n].key = key;
		refs[n].entry = e;
		n++;
	}
	if (errno != ENOENT) {
		ret = -errno;
		goto out;
	}
	xg_rule_index_fill(ix, refs, n);
	ret = bpf_map_update_elem(index_fd, &zero, ix, BPF_ANY) ? -errno : 0;
out:
	free(ix);
	return ret;
}

int xg_config_read(struct xg_state *st, struct guard_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(st->map_fds[XG_MAP_CONFIG], &zero, cfg) ? -errno : 0;
}

/* Every write moves the config's generation on: the program may hold
 * answers derived from the config and the maps it stood for (struct
 * guard_gate), which must not outlive a change.  cfg is what the caller
 * read and changed, so its generation is the current one. */
int xg_config_write(struct xg_state *st, const struct guard_config *cfg)
{
	struct guard_config next = *cfg;
	__u32 zero = 0;

	guard_config_next_gen(&next);
	return bpf_map_update_elem(st->map_fds[XG_MAP_CONFIG], &zero, &next, BPF_ANY) ? -errno : 0;
}

/* Keep config.rule_count equal to the number of rules: the program skips
 * rate limiting entirely while it is 0. */
static int update_rule_count(struct xg_state *st)
{
	struct guard_config cfg;
	struct slot_ctx sc;
	int ret;

	ret = rule_walk(st, &sc);
	if (!ret)
		ret = xg_config_read(st, &cfg);
	if (ret)
		return ret;
	cfg.rule_count = sc.count;
	ret = xg_config_write(st, &cfg);
	/* Auto-ban may have come or gone with the rule. */
	return ret ? ret : xg_state_refresh_rules(st);
}

int xg_limit_set(struct xg_state *st, const struct xg_limit *in)
{
	struct guard_rule rule = { 0 }, old;
	struct guard_rule_key key;
	struct xg_limit l = *in;
	struct slot_ctx sc;
	const char *why;
	int fd = st->map_fds[XG_MAP_RULES], ret;

	if (xg_limit_validate(&l, &why)) {
		pr_warn("invalid rule: %s\n", why);
		return -EINVAL;
	}
	fill_defaults(&l);
	rule_key(&l.match, &key);

	if (bpf_map_lookup_elem(fd, &key, &old) == 0) {
		rule.slot = old.slot;	/* a changed rule keeps its budget state */
	} else {
		struct guard_rule_state fresh = { 0 };

		ret = rule_walk(st, &sc);
		if (ret)
			return ret;
		if (sc.used == ~0ULL) {
			pr_warn("all %d rule slots are in use\n", GUARD_RULES_MAX);
			return -ENOSPC;
		}
		rule.slot = __builtin_ctzll(~sc.used);
		if (bpf_map_update_elem(st->map_fds[XG_MAP_RULE_STATE], &rule.slot, &fresh, BPF_ANY))
			return -errno;
	}

	rule.pkt = meter(l.pps, l.burst);
	rule.syn = meter(l.syn_pps, l.syn_burst);
	/* Budgets hold a fifth of a second of burst, like the defaults. */
	rule.budget = meter(l.budget_pps, default_burst(l.budget_pps));
	rule.budget_syn = meter(l.budget_syn_pps, default_burst(l.budget_syn_pps));
	if (l.bps) {
		/* ns per byte in 16.16 fixed point; the burst in ns of credit. */
		rule.bytes.interval_ns = (NS_PER_S << 16) / l.bps;
		/* 128 bits: a burst over 18 GB times 10^9 does not fit in 64. */
		rule.bytes.tolerance_ns = (uint64_t)((unsigned __int128)l.bytes_burst * NS_PER_S / l.bps);
		rule.flags |= GUARD_RULE_BYTES;
	}
	if (l.syn_pps)
		rule.flags |= GUARD_RULE_SYN;
	if (l.budget_pps)
		rule.flags |= GUARD_RULE_BUDGET;
	if (l.budget_syn_pps)
		rule.flags |= GUARD_RULE_BUDGET_SYN;
	if (l.ban_after_ns) {
		rule.flags |= GUARD_RULE_BAN;
		rule.ban_after_ns = l.ban_after_ns;
		rule.ban_for_ns = l.ban_for_ns;
	}
	rule.pps = l.pps;
	rule.burst = l.burst;
	rule.bps = l.bps;
	rule.bytes_burst = l.bytes_burst;
	rule.syn_pps = l.syn_pps;
	rule.syn_burst = l.syn_burst;
	rule.budget_pps = l.budget_pps;
	rule.budget_syn_pps = l.budget_syn_pps;

	if (bpf_map_update_elem(fd, &key, &rule, BPF_ANY)) {
		ret = -errno;
		pr_warn("cannot store the rule: %s\n", strerror(-ret));
		return ret;
	}
	return update_rule_count(st);
}

int xg_limit_remove(struct xg_state *st, const struct xg_match *m)
{
	struct guard_rule_key key;

	rule_key(m, &key);
	if (bpf_map_delete_elem(st->map_fds[XG_MAP_RULES], &key))
		return -errno;
	return update_rule_count(st);
}

static int match_rank(const struct xg_match *m)
{
	return m->port ? 0 : m->proto ? 1 : 2;
}

static int limit_cmp(const void *a, const void *b)
{
	const struct xg_match *x = &((const struct xg_limit *)a)->match;
	const struct xg_match *y = &((const struct xg_limit *)b)->match;

	if (match_rank(x) != match_rank(y))
		return match_rank(x) - match_rank(y);
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->proto - y->proto;
}

int xg_limit_list(struct xg_state *st, struct xg_limit **out, size_t *count)
{
	int fd = st->map_fds[XG_MAP_RULES];
	struct guard_rule_key key, *prev = NULL;
	struct xg_limit *items;
	struct guard_rule rule;
	size_t n = 0;

	items = calloc(GUARD_RULES_MAX, sizeof(*items));
	if (!items)
		return -ENOMEM;
	while (n < GUARD_RULES_MAX && bpf_map_get_next_key(fd, prev, &key) == 0) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &rule))
			continue;
		items[n] = (struct xg_limit){
			.match = { .port = key.port, .proto = key.proto },
			.pps = rule.pps, .burst = rule.burst,
			.bps = rule.bps, .bytes_burst = rule.bytes_burst,
			.syn_pps = rule.syn_pps, .syn_burst = rule.syn_burst,
			.budget_pps = rule.budget_pps, .budget_syn_pps = rule.budget_syn_pps,
			.ban_after_ns = rule.ban_after_ns, .ban_for_ns = rule.ban_for_ns,
		};
		n++;
	}
	qsort(items, n, sizeof(*items), limit_cmp);
	*out = items;
	*count = n;
	return 0;
}

int xg_sources_count(struct xg_state *st, size_t *count)
{
	int fd = st->map_fds[XG_MAP_SOURCES];
	struct guard_source_key key, next;
	void *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	if (errno != ENOENT)
		return -errno;
	*count = n;
	return 0;
}

int xg_settings_get(struct xg_state *st, struct xg_settings *out)
{
	struct guard_config cfg;
	int ret = xg_config_read(st, &cfg);

	if (ret)
		return ret;
	out->v6_prefix_len = cfg.v6_prefix_len ?: GUARD_V6_PREFIX_DEFAULT;
	out->established_ns = cfg.established_ns ?: GUARD_ESTABLISHED_NS_DEFAULT;
	out->event_window_ns = cfg.event_window_ns ?: GUARD_EVENT_WINDOW_NS_DEFAULT;
	/* As given (the meter's interval is rounded); the program's default
	 * when no event meter is set is 1000/s. */
	out->events_per_s = cfg.events_per_s ? cfg.events_per_s :
			    cfg.events.interval_ns ? NS_PER_S / cfg.events.interval_ns : 1000;
	return 0;
}

int xg_settings_set(struct xg_state *st, const struct xg_settings *in)
{
	struct guard_config cfg;
	int ret = xg_config_read(st, &cfg);

	if (ret)
		return ret;
	if (in->v6_prefix_len > 128 || (in->events_per_s && in->events_per_s > XG_RATE_MAX)) {
		pr_warn("invalid setting: IPv6 prefix length over 128, or event rate too high\n");
		return -EINVAL;
	}
	if (in->v6_prefix_len)
		cfg.v6_prefix_len = in->v6_prefix_len;
	if (in->established_ns)
		cfg.established_ns = in->established_ns;
	if (in->event_window_ns)
		cfg.event_window_ns = in->event_window_ns;
	if (in->events_per_s) {
		cfg.events = meter(in->events_per_s, default_burst(in->events_per_s));
		cfg.events_per_s = in->events_per_s;
	}
	return xg_config_write(st, &cfg);
}
