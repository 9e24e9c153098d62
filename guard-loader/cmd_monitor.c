// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard monitor: follow the program's events until interrupted. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"

struct monitor_opts {
	struct common_opts common;
	bool json;
};

static const struct monitor_opts monitor_defaults;

static const struct opt_spec monitor_specs[] = {
	{ .type = OPT_FLAG, .name = "json", .short_name = 'j',
	  .offset = offsetof(struct monitor_opts, json),
	  .help = "one JSON object per line" },
	COMMON_OPT_SPECS(struct monitor_opts),
	{ 0 }
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct monitor_ctx {
	bool json;
	int64_t mono_to_real_ns;	/* add to CLOCK_MONOTONIC for wall time */
	unsigned long long seen;
};

static void wall_time(const struct monitor_ctx *mc, uint64_t mono_ns, char *buf, size_t size)
{
	int64_t real = (int64_t)mono_ns + mc->mono_to_real_ns;
	time_t secs = real / 1000000000LL;
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(real % 1000000000LL / 1000000));
}

static void on_event(const struct xg_event *ev, void *ctx)
{
	struct monitor_ctx *mc = ctx;
	char when[64], src[XG_PREFIX_STRLEN] = "-", rule[XG_MATCH_STRLEN], dur[XG_DURATION_STRLEN];
	const char *reason = xg_reason_name(ev->reason);

	mc->seen++;
	wall_time(mc, ev->time_ns, when, sizeof(when));
	if (ev->source.family)
		xg_prefix_format(&ev->source, src, sizeof(src));
	xg_match_format(&ev->rule, rule, sizeof(rule));
	if (mc->json) {
		json_begin_object();
		json_key("time");
		json_string(when);
		json_key("event");
		json_string(xg_event_type_name(ev->type));
		json_key("source");
		if (ev->source.family)
			json_string(src);
		else
			json_null();
		json_key("rule");
		json_string(rule);
		json_key("reason");
		json_string(reason ? reason : "unknown");
		json_key("ban_s");
		if (ev->type == XG_EVENT_BAN)
			json_uint(ev->ban_ns / 1000000000ULL);
		else
			json_null();
		if (ev->type == XG_EVENT_UNBAN) {
			json_key("expired");
			json_bool(ev->expired);
		}
		json_end_object();
		json_finish();
	} else {
		printf("%s %-6s %-44s rule %-10s reason %s", when, xg_event_type_name(ev->type),
		       src, rule, reason ? reason : "unknown");
		if (ev->type == XG_EVENT_BAN)
			printf(" for %s", xg_duration_format(ev->ban_ns, dur, sizeof(dur)));
		if (ev->type == XG_EVENT_UNBAN)
			printf(" (%s)", ev->expired ? "expired" : "removed");
		printf("\n");
	}
	fflush(stdout);
}

static int run_monitor(void *opts)
{
	const struct monitor_opts *o = opts;
	struct monitor_ctx mc = { .json = o->json };
	struct sigaction sa = { .sa_handler = on_signal };
	struct xg_events *events = NULL;
	struct xg_state *st = NULL;
	uint64_t lost_start = 0, lost_end = 0;
	struct timespec mono, real;
	int ret = EXIT_FAIL;

	output_set_json(o->json);
	/* One object a line, so that `monitor --json | jq` streams. */
	json_set_compact(true);
	if (cli_begin(&o->common) || xg_state_open(o->common.pin_path, 0, &st))
		return EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	mc.mono_to_real_ns = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL +
			     (real.tv_nsec - mono.tv_nsec);
	xg_events_lost(st, &lost_start);
	if (xg_events_open(st, on_event, &mc, &events))
		goto out;

	/* No SA_RESTART: the signal must interrupt the wait. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!o->json)
		fprintf(stderr, "Following events at %s; Ctrl-C to stop\n", xg_state_pin_path(st));
	while (!stop) {
		int n = xg_events_poll(events, 250);

		if (n < 0 && n != -EINTR) {
			pr_error("reading events: %s", strerror(-n));
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	xg_events_lost(st, &lost_end);
	if (ret == EXIT_OK)
		fprintf(stderr, "%llu events shown, %llu lost while monitoring\n", mc.seen,
			(unsigned long long)(lost_end - lost_start));
	xg_events_close(events);
	xg_state_close(st);
	return ret;
}

const struct command cmd_monitor = {
	.name = "monitor",
	.summary = "follow bans, unbans and drops as they happen",
	.description =
	"Print the program's events as they happen: auto-bans, unbans (expired or\n"
	"removed), the first drop of a source in each event window, and budget\n"
	"drops. Each line has a timestamp, the source, the rule, the reason and,\n"
	"for bans, their length. Events are rate-limited in the kernel; on exit\n"
	"(SIGINT or SIGTERM) the number lost meanwhile is reported.",
	.opts = monitor_specs,
	.defaults = &monitor_defaults,
	.opts_size = sizeof(struct monitor_opts),
	.run = run_monitor,
};
