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

static int autobans(struct xg_state *st, struct xg_entry **out, size_t *n)
{
	struct xg_entry *all;
	size_t count, kept = 0;
	int ret = xg_list_get(st, XG_BLOCKLIST, true, &all, &count);

	if (ret)
		return ret;
	for (size_t i = 0; i < count; i++)
		if (all[i].origin == GUARD_ORIGIN_AUTOBAN)
			all[kept++] = all[i];
	*out = all;
	*n = kept;
	return 0;
}

/* Report auto-bans that were there last time and are gone or expired now. */
static int watch_unbans(struct xg_events *ev, uint64_t now)
{
	struct xg_entry *cur;
	size_t ncur, live = 0;
	int ret;

	ret = autobans(ev->st, &cur, &ncur);
	if (ret)
		return ret;
	for (size_t i = 0; i < ev->nbans; i++) {
		const struct xg_entry *old = &ev->bans[i];
		const struct xg_entry *found = NULL;
		struct xg_event out = { .type = XG_EVENT_UNBAN, .time_ns = now };

		for (size_t j = 0; j < ncur && !found; j++)
			if (!xg_prefix_cmp(&cur[j].prefix, &old->prefix))
				found = &cur[j];
		if (found && (!found->expires_ns || found->expires_ns > now))
			continue;
		out.source = old->prefix;
		out.rule = old->rule;
		out.reason = GUARD_REASON_BAN;
		out.expired = found || (old->expires_ns && old->expires_ns <= now);
		ev->fn(&out, ev->ctx);
		ev->delivered++;
	}
	/* Keep only the live ones, so each unban is told once. */
	for (size_t j = 0; j < ncur; j++)
		if (!cur[j].expires_ns || cur[j].expires_ns > now)
			cur[live++] = cur[j];
	free(ev->bans);
	ev->bans = cur;
	ev->nbans = live;
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
	/* Bans already in place when we start are not news, but their end is. */
	ret = autobans(st, &ev->bans, &ev->nbans);
	if (ret) {
		xg_events_close(ev);
		return ret;
	}
	ev->last_watch_ns = xg_now_ns();
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
