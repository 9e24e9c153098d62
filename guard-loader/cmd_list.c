// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard list: the allowlist and the blocklist, with time left. */
#include <stdlib.h>

#include "cli.h"
#include "guard_maps.h"
#include "output.h"

struct list_opts {
	struct common_opts common;
	bool json;
};

static const struct list_opts list_defaults;

static const struct opt_spec list_specs[] = {
	{ .type = OPT_FLAG, .name = "json", .short_name = 'j',
	  .offset = offsetof(struct list_opts, json),
	  .help = "print JSON: {\"blocklist\": [...], \"allowlist\": [...]}" },
	COMMON_OPT_SPECS(struct list_opts),
	{ 0 }
};

static void print_json(const char *key, const struct xg_entry *e, size_t n, uint64_t now)
{
	char buf[XG_PREFIX_STRLEN];

	json_key(key);
	json_begin_array();
	for (size_t i = 0; i < n; i++) {
		json_begin_object();
		json_key("prefix");
		json_string(xg_prefix_format(&e[i].prefix, buf, sizeof(buf)));
		json_key("expires_in_s");
		if (e[i].expires_ns)
			json_uint(e[i].expires_ns > now ? (e[i].expires_ns - now) / 1000000000ULL : 0);
		else
			json_null();
		json_key("origin");
		json_string(xg_origin_name(e[i].origin));
		if (e[i].origin == GUARD_ORIGIN_AUTOBAN) {
			char rule[XG_MATCH_STRLEN];

			json_key("rule");
			json_string(xg_match_format(&e[i].rule, rule, sizeof(rule)));
		}
		json_end_object();
	}
	json_end_array();
}

static void print_text(enum xg_list list, const struct xg_entry *e, size_t n, uint64_t now)
{
	char pbuf[XG_PREFIX_STRLEN], tbuf[XG_DURATION_STRLEN];

	printf("%c%s (%zu %s)\n", xg_list_name(list)[0] - 'a' + 'A', xg_list_name(list) + 1,
	       n, n == 1 ? "entry" : "entries");
	if (!n)
		return;
	printf("  %-44s %-12s %s\n", "PREFIX", "EXPIRES IN", "ORIGIN");
	for (size_t i = 0; i < n; i++) {
		char rule[XG_MATCH_STRLEN] = "";

		if (e[i].origin == GUARD_ORIGIN_AUTOBAN)
			xg_match_format(&e[i].rule, rule, sizeof(rule));
		printf("  %-44s %-12s %s%s%s\n", xg_prefix_format(&e[i].prefix, pbuf, sizeof(pbuf)),
		       cli_time_left(e[i].expires_ns, now, tbuf, sizeof(tbuf)),
		       xg_origin_name(e[i].origin), rule[0] ? " by " : "", rule);
	}
}

static int run_list(void *opts)
{
	const struct list_opts *o = opts;
	struct xg_entry *block = NULL, *allow = NULL;
	size_t nblock = 0, nallow = 0;
	struct xg_state *st = NULL;
	int ret = EXIT_FAIL;
	uint64_t now;

	output_set_json(o->json);
	if (cli_begin(&o->common) || xg_state_open(o->common.pin_path, 0, &st))
		goto out;
	if (xg_list_get(st, XG_BLOCKLIST, false, &block, &nblock) ||
	    xg_list_get(st, XG_ALLOWLIST, false, &allow, &nallow)) {
		pr_error("cannot read the lists at %s", xg_state_pin_path(st));
		goto out;
	}
	now = xg_now_ns();
	if (o->json) {
		json_begin_object();
		print_json("blocklist", block, nblock, now);
		print_json("allowlist", allow, nallow, now);
		json_end_object();
		json_finish();
	} else {
		print_text(XG_BLOCKLIST, block, nblock, now);
		print_text(XG_ALLOWLIST, allow, nallow, now);
	}
	ret = EXIT_OK;
out:
	free(block);
	free(allow);
	xg_state_close(st);
	return ret;
}

const struct command cmd_list = {
	.name = "list",
	.summary = "show the blocklist and the allowlist",
	.description =
	"Show every entry of the blocklist and the allowlist, with the time left on\n"
	"entries that expire. Expired entries are not shown; the program ignores\n"
	"them, and they are removed when a list fills up.",
	.opts = list_specs,
	.defaults = &list_defaults,
	.opts_size = sizeof(struct list_opts),
	.run = run_list,
};
