// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard limit: set, change, remove and show rate-limit rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

struct limit_opts {
	struct common_opts common;
	uint64_t pps, burst, bps, bytes_burst, syn_pps, syn_burst;
	uint64_t budget_pps, budget_syn_pps;
	uint64_t ban_after_ns, ban_for_ns;
	bool remove;
	bool json;
	struct arg_list match;
};

static const struct limit_opts limit_defaults;

/* Byte rates go a hundred times higher than packet rates (1e11 B/s is
 * 800 Gbit/s); both bounds are the library's. */
#define RATE_SPEC(field, lname, meta, limit, text)				\
	{ .type = OPT_U64, .name = lname, .offset = offsetof(struct limit_opts, field), \
	  .metavar = meta, .min = 1, .max64 = limit, .help = text }

static const struct opt_spec limit_specs[] = {
	RATE_SPEC(pps, "pps", "N", XG_RATE_MAX, "packets per second from each source"),
	RATE_SPEC(burst, "burst", "N", XG_RATE_MAX, "packets a source may send at once (default pps/5)"),
	RATE_SPEC(bps, "bps", "N", 100 * XG_RATE_MAX, "bytes per second from each source"),
	RATE_SPEC(bytes_burst, "bytes-burst", "N", 100 * XG_RATE_MAX, "bytes a source may send at once (default bps/5)"),
	RATE_SPEC(syn_pps, "syn-pps", "N", XG_RATE_MAX, "new TCP connections (SYN) per second from each source"),
	RATE_SPEC(syn_burst, "syn-burst", "N", XG_RATE_MAX, "SYNs a source may send at once (default syn-pps/5)"),
	RATE_SPEC(budget_pps, "budget-pps", "N", XG_RATE_MAX, "packets per second for all sources together"),
	RATE_SPEC(budget_syn_pps, "budget-syn-pps", "N", XG_RATE_MAX, "SYNs per second for all sources together"),
	{ .type = OPT_DURATION, .name = "ban-after", .offset = offsetof(struct limit_opts, ban_after_ns),
	  .metavar = "DURATION", .help = "ban a source that stays over its limit this long (seconds, or 30s, 2m)" },
	{ .type = OPT_DURATION, .name = "ban-for", .offset = offsetof(struct limit_opts, ban_for_ns),
	  .metavar = "DURATION", .help = "how long an auto-ban lasts (10m, 1h, ...)" },
	{ .type = OPT_FLAG, .name = "remove", .short_name = 'r',
	  .offset = offsetof(struct limit_opts, remove), .help = "remove the rule for MATCH" },
	{ .type = OPT_FLAG, .name = "json", .short_name = 'j',
	  .offset = offsetof(struct limit_opts, json), .help = "show the rules as JSON (when no MATCH is given)" },
	COMMON_OPT_SPECS(struct limit_opts),
	{ .type = OPT_ARGS, .name = "MATCH", .single = true,
	  .offset = offsetof(struct limit_opts, match) },
	{ 0 }
};

static bool any_limit(const struct limit_opts *o)
{
	return o->pps || o->burst || o->bps || o->bytes_burst || o->syn_pps || o->syn_burst ||
	       o->budget_pps || o->budget_syn_pps || o->ban_after_ns || o->ban_for_ns;
}

static void json_rule(const struct xg_limit *l)
{
	char buf[XG_MATCH_STRLEN];

#define JSON_OPT(key, v) do { json_key(key); if (v) json_uint(v); else json_null(); } while (0)
	json_begin_object();
	json_key("match");
	json_string(xg_match_format(&l->match, buf, sizeof(buf)));
	JSON_OPT("pps", l->pps);
	JSON_OPT("burst", l->burst);
	JSON_OPT("bps", l->bps);
	JSON_OPT("bytes_burst", l->bytes_burst);
	JSON_OPT("syn_pps", l->syn_pps);
	JSON_OPT("syn_burst", l->syn_burst);
	JSON_OPT("budget_pps", l->budget_pps);
	JSON_OPT("budget_syn_pps", l->budget_syn_pps);
	JSON_OPT("ban_after_s", l->ban_after_ns / 1000000000ULL);
	JSON_OPT("ban_for_s", l->ban_for_ns / 1000000000ULL);
	json_end_object();
#undef JSON_OPT
}

void limit_print_rules(const struct xg_limit *rules, size_t n, bool json)
{
	char buf[XG_MATCH_STRLEN], d1[XG_DURATION_STRLEN], d2[XG_DURATION_STRLEN];

	if (json) {
		json_begin_array();
		for (size_t i = 0; i < n; i++)
			json_rule(&rules[i]);
		json_end_array();
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xg_limit *l = &rules[i];

		printf("  %-10s", xg_match_format(&l->match, buf, sizeof(buf)));
		if (l->pps)
			printf(" pps %llu burst %llu", (unsigned long long)l->pps,
			       (unsigned long long)l->burst);
		if (l->bps)
			printf(" bps %llu burst %llu", (unsigned long long)l->bps,
			       (unsigned long long)l->bytes_burst);
		if (l->syn_pps)
			printf(" syn-pps %llu burst %llu", (unsigned long long)l->syn_pps,
			       (unsigned long long)l->syn_burst);
		if (l->budget_pps)
			printf(" budget-pps %llu", (unsigned long long)l->budget_pps);
		if (l->budget_syn_pps)
			printf(" budget-syn-pps %llu", (unsigned long long)l->budget_syn_pps);
		if (l->ban_after_ns)
			printf(" ban-after %s ban-for %s",
			       xg_duration_format(l->ban_after_ns, d1, sizeof(d1)),
			       xg_duration_format(l->ban_for_ns, d2, sizeof(d2)));
		printf("\n");
	}
}

static int show_rules(struct xg_state *st, bool json)
{
	struct xg_limit *rules;
	size_t n;

	if (xg_limit_list(st, &rules, &n)) {
		pr_error("cannot read the rules");
		return EXIT_FAIL;
	}
	if (json) {
		json_begin_object();
		json_key("rules");
		limit_print_rules(rules, n, true);
		json_end_object();
		json_finish();
	} else {
		printf("Rate-limit rules (%zu):\n", n);
		if (!n)
			printf("  none\n");
		limit_print_rules(rules, n, false);
	}
	free(rules);
	return EXIT_OK;
}

static int run_limit(void *opts)
{
	const struct limit_opts *o = opts;
	char buf[XG_MATCH_STRLEN];
	struct xg_state *st = NULL;
	struct xg_limit l = { 0 };
	const char *why;
	int ret = EXIT_FAIL, err;

	output_set_json(o->json);
	if (cli_begin(&o->common))
		return EXIT_FAIL;
	if (o->match.count && xg_match_parse(o->match.items[0], &l.match, &why)) {
		pr_error("'%s': %s", o->match.items[0], why);
		return EXIT_USAGE;
	}
	if (!o->match.count && (o->remove || any_limit(o))) {
		pr_error("name the traffic the rule is for: PORT/PROTO (8000/tcp), tcp, udp, icmp or any");
		return EXIT_USAGE;
	}
	if (o->remove && any_limit(o)) {
		pr_error("--remove takes no limits");
		return EXIT_USAGE;
	}
	if (o->match.count && !o->remove && !any_limit(o)) {
		pr_error("give the limits for %s (--pps, --syn-pps, --budget-pps, ...), or --remove",
			 o->match.items[0]);
		return EXIT_USAGE;
	}
	l.pps = o->pps;
	l.burst = o->burst;
	l.bps = o->bps;
	l.bytes_burst = o->bytes_burst;
	l.syn_pps = o->syn_pps;
	l.syn_burst = o->syn_burst;
	l.budget_pps = o->budget_pps;
	l.budget_syn_pps = o->budget_syn_pps;
	l.ban_after_ns = o->ban_after_ns;
	l.ban_for_ns = o->ban_for_ns;
	if (o->match.count && !o->remove && xg_limit_validate(&l, &why)) {
		pr_error("%s: %s", o->match.items[0], why);
		return EXIT_USAGE;
	}

	if (xg_state_open(o->common.pin_path, o->match.count ? XG_OPEN_LOCK : 0, &st))
		return EXIT_FAIL;
	if (!o->match.count) {
		ret = show_rules(st, o->json);
		goto out;
	}
	xg_match_format(&l.match, buf, sizeof(buf));
	if (o->remove) {
		err = xg_limit_remove(st, &l.match);
		if (err == -ENOENT)
			pr_error("there is no rule for %s", buf);
		else if (err)
			pr_error("cannot remove the rule for %s: %s", buf, strerror(-err));
		else
			printf("Removed the rule for %s\n", buf);
		ret = err ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	err = xg_limit_set(st, &l);
	if (err) {
		if (err != -EINVAL && err != -ENOSPC)
			pr_error("cannot set the rule for %s: %s", buf, strerror(-err));
		goto out;
	}
	printf("Rule for %s set\n", buf);
	ret = EXIT_OK;
out:
	xg_state_close(st);
	return ret;
}

const struct command cmd_limit = {
	.name = "limit",
	.summary = "set, change, remove or show rate-limit rules",
	.description =
	"Without MATCH, show the rules. With MATCH and limits, set the rule for\n"
	"MATCH, or replace it: the rule becomes exactly what the options say. MATCH\n"
	"is PORT/PROTO for a destination port (8000/tcp, 443/udp), a protocol alone\n"
	"(tcp, udp, icmp: all its traffic), or any. A packet uses the most specific\n"
	"rule. Per-source limits hold each source (an IPv4 address, an IPv6 /64 by\n"
	"default); budgets hold all sources of the rule together; a source that stays\n"
	"over its limit for --ban-after is blocked for --ban-for. Rules change at run\n"
	"time, without reloading the program.",
	.opts = limit_specs,
	.defaults = &limit_defaults,
	.opts_size = sizeof(struct limit_opts),
	.run = run_limit,
};
