// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard config: the rate limiter's global settings. */
#include <string.h>

#include "cli.h"
#include "output.h"

struct config_opts {
	struct common_opts common;
	unsigned int v6_prefix_len;
	uint64_t established_ns;
	uint64_t event_window_ns;
	uint64_t events_per_s;
	bool json;
};

static const struct config_opts config_defaults;

static const struct opt_spec config_specs[] = {
	{ .type = OPT_UINT, .name = "ipv6-prefix", .offset = offsetof(struct config_opts, v6_prefix_len),
	  .metavar = "N", .min = 1, .max = 128,
	  .help = "count IPv6 sources per /N prefix (default 64)" },
	{ .type = OPT_DURATION, .name = "established", .offset = offsetof(struct config_opts, established_ns),
	  .metavar = "DURATION", .help = "age that gives a source priority within budgets (default 2s)" },
	{ .type = OPT_DURATION, .name = "event-window", .offset = offsetof(struct config_opts, event_window_ns),
	  .metavar = "DURATION", .help = "one drop event per source per window (default 10s)" },
	{ .type = OPT_U64, .name = "event-rate", .offset = offsetof(struct config_opts, events_per_s),
	  .metavar = "N", .min = 1, .max64 = XG_RATE_MAX,
	  .help = "events per second at most, for all events (default 1000)" },
	{ .type = OPT_FLAG, .name = "json", .short_name = 'j',
	  .offset = offsetof(struct config_opts, json), .help = "show the settings as JSON" },
	COMMON_OPT_SPECS(struct config_opts),
	{ 0 }
};

static int run_config(void *opts)
{
	const struct config_opts *o = opts;
	struct xg_settings set = {
		.v6_prefix_len = o->v6_prefix_len,
		.established_ns = o->established_ns,
		.event_window_ns = o->event_window_ns,
		.events_per_s = o->events_per_s,
	};
	bool change = o->v6_prefix_len || o->established_ns || o->event_window_ns || o->events_per_s;
	char d1[XG_DURATION_STRLEN], d2[XG_DURATION_STRLEN];
	struct xg_state *st = NULL;
	int ret = EXIT_FAIL, err;

	output_set_json(o->json);
	if (cli_begin(&o->common) || xg_state_open(o->common.pin_path, change ? XG_OPEN_LOCK : 0, &st))
		return EXIT_FAIL;
	if (change) {
		err = xg_settings_set(st, &set);
		if (err) {
			pr_error("cannot change the settings: %s", strerror(-err));
			goto out;
		}
	}
	if (xg_settings_get(st, &set)) {
		pr_error("cannot read the settings");
		goto out;
	}
	if (o->json) {
		json_begin_object();
		json_key("ipv6_prefix");
		json_uint(set.v6_prefix_len);
		json_key("established_s");
		json_uint(set.established_ns / 1000000000ULL);
		json_key("event_window_s");
		json_uint(set.event_window_ns / 1000000000ULL);
		json_key("event_rate");
		json_uint(set.events_per_s);
		json_end_object();
		json_finish();
	} else {
		printf("ipv6-prefix   /%u\nestablished   %s\nevent-window  %s\nevent-rate    %llu/s\n",
		       set.v6_prefix_len, xg_duration_format(set.established_ns, d1, sizeof(d1)),
		       xg_duration_format(set.event_window_ns, d2, sizeof(d2)),
		       (unsigned long long)set.events_per_s);
	}
	ret = EXIT_OK;
out:
	xg_state_close(st);
	return ret;
}

const struct command cmd_config = {
	.name = "config",
	.summary = "show or change the rate limiter's settings",
	.description =
	"Without options, show the rate limiter's settings. With options, change\n"
	"them at run time; options not given keep their value. IPv6 sources are\n"
	"counted per prefix, since one subscriber holds a whole /64.",
	.opts = config_specs,
	.defaults = &config_defaults,
	.opts_size = sizeof(struct config_opts),
	.run = run_config,
};
