// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Events from the XDP program's ring buffer, plus the unbans, which no
 * packet announces: an auto-ban ends by time or by `unblock`, so the
 * blocklist is watched for auto-ban entries that go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "internal.h"

#define NS_PER_S 1000000000ULL
#define WATCH_INTERVAL_NS NS_PER_S

struct xg_events {
	struct xg_state *st;
	struct ring_buffer *rb;
	xg_event_fn fn;
	void *ctx;
	int delivered;
	/* Auto-bans seen on the last look at the blocklist. */
	struct xg_entry *bans;
	size_t nbans;
	uint64_t last_watch_ns;
};

const char *xg_event_type_name(enum xg_event_type type)
{
	switch (type) {
	case XG_EVENT_BAN:
		return "ban";
	case XG_EVENT_DROP:
		return "drop";
	case XG_EVENT_BUDGET:
		return "budget";
	case XG_EVENT_UNBAN:
		return "unban";
	}
	return "unknown";
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct xg_events *ev = ctx;
	const struct guard_event *raw = data;
	struct xg_event out = { 0 };

	if (size < sizeof(*raw))
		return 0;
	out.type = raw->type;
	out.time_ns = raw->time_ns;
	out.reason = raw->reason;
	out.ban_ns = raw->ban_ns;
	out.rule.port = raw->source.rule.port;
	out.rule.proto = raw->source.rule.proto;
	if (raw->source.family == 4 || raw->source.family == 6) {
		out.source.family = raw->source.family == 4 ? AF_INET : AF_INET6;
		out.source.len = raw->prefix_len;
		memcpy(out.source.addr, raw->source.addr, sizeof(out.source.addr));
	}
	ev->fn(&out, ev->ctx);
	ev->delivered++;
	return 0;
}

static int entry_prefix_cmp(const void *key, const void *elem)
{
	return xg_prefix_cmp(key, &((const struct xg_entry *)elem)->prefix);
}

/* Keep the entries of e that are live auto-bans, in place; their count. */
static size_t keep_live_bans(struct xg_entry *e, size_t n, uint64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (e[i].origin == GUARD_ORIGIN_AUTOBAN &&
		    (!e[i].expires_ns || e[i].expires_ns > now))
			e[kept++] = e[i];
	return kept;
}

/*
 * Report the auto-bans that were live last time and have ended since: gone
 * from the blocklist, or expired.  One that became a manual entry (blocked
 * again by hand) has not ended for the source, which is still dropped, and
 * is no longer ours to follow.
 */
static int watch_unbans(struct xg_events *ev, uint64_t now)
{
	struct xg_entry *cur;
	size_t ncur;
	int ret;

	/* Sorted by prefix (xg_list_get), so each old ban is one search. */
	ret = xg_list_get(ev->st, XG_BLOCKLIST, true, &cur, &ncur);
	if (ret)
		return ret;
	for (size_t i = 0; i < ev->nbans; i++) {
		const struct xg_entry *old = &ev->bans[i];
		const struct xg_entry *found;
		struct xg_event out = { .type = XG_EVENT_UNBAN, .time_ns = now };

		/* Made a manual entry: no longer ours to follow, live or
		 * not.  Still a live ban: not over. */
		found = bsearch(&old->prefix, cur, ncur, sizeof(*cur), entry_prefix_cmp);
		if (found && (found->origin != GUARD_ORIGIN_AUTOBAN ||
			      !found->expires_ns || found->expires_ns > now))
			continue;
		out.source = old->prefix;
		out.rule = old->rule;
		out.reason = GUARD_REASON_BAN;
		/* Expired, even if pruned since: its deadline says so. */
		out.expired = found || (old->expires_ns && old->expires_ns <= now);
		ev->fn(&out, ev->ctx);
		ev->delivered++;
	}
	/* Keep only the live ones, so each unban is told once. */
	free(ev->bans);
	ev->bans = cur;
	ev->nbans = keep_live_bans(cur, ncur, now);
	ev->last_watch_ns = now;
	return 0;
}

int xg_events_open(struct xg_state *st, xg_event_fn fn, void *ctx, struct xg_events **out)
{
	struct xg_events *ev = calloc(1, sizeof(*ev));
	int ret;

	if (!ev)
		return -ENOMEM;
	ev->st = st;
	ev->fn = fn;
	ev->ctx = ctx;
	ev->rb = ring_buffer__new(st->map_fds[XG_MAP_EVENTS], on_sample, ev, NULL);
	if (!ev->rb) {
		ret = -errno;
		pr_warn("cannot read the event ring buffer: %s\n", strerror(-ret));
		free(ev);
		return ret;
	}
	/* Bans already in place when we start are not news, but their end
	 * is.  Those that ended before, expired but not yet pruned, are
	 * neither. */
	ret = xg_list_get(st, XG_BLOCKLIST, true, &ev->bans, &ev->nbans);
	if (ret) {
		xg_events_close(ev);
		return ret;
	}
	ev->last_watch_ns = xg_now_ns();
	ev->nbans = keep_live_bans(ev->bans, ev->nbans, ev->last_watch_ns);
	*out = ev;
	return 0;
}

int xg_events_poll(struct xg_events *ev, int timeout_ms)
{
	uint64_t now;
	int ret;

	ev->delivered = 0;
	ret = ring_buffer__poll(ev->rb, timeout_ms);
	if (ret < 0)
		return ret == -EINTR ? -EINTR : ret;
	now = xg_now_ns();
	if (now - ev->last_watch_ns >= WATCH_INTERVAL_NS) {
		ret = watch_unbans(ev, now);
		if (ret)
			return ret;
	}
	return ev->delivered;
}

void xg_events_close(struct xg_events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev->bans);
	free(ev);
}
