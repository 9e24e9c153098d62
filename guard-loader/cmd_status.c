// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard status: where the guard runs, what it counted, list sizes. */
#include <stdlib.h>

#include "attach.h"
#include "cli.h"
#include "guard_maps.h"
#include "output.h"

struct status_opts {
	struct common_opts common;
	bool json;
};

static const struct status_opts status_defaults;

static const struct opt_spec status_specs[] = {
	{ .type = OPT_FLAG, .name = "json", .short_name = 'j',
	  .offset = offsetof(struct status_opts, json),
	  .help = "print JSON: interfaces, counters, lists, rules, tracked_sources, bans, events_lost, pin_path" },
	COMMON_OPT_SPECS(struct status_opts),
	{ 0 }
};

static void json_placement(const struct xdp_placement *p)
{
	const struct chain_prog *g = &p->progs[p->guard_pos];

	json_begin_object();
	json_key("ifname");
	json_string(p->ifname);
	json_key("ifindex");
	json_uint(p->ifindex);
	json_key("mode");
	json_string(mode_name(p->mode));
	json_key("attach");
	json_string(p->dispatcher ? "dispatcher" : "direct");
	json_key("priority");
	json_uint(g->priority);
	json_key("position");
	json_uint(p->guard_pos + 1);
	json_key("program_id");
	json_uint(g->id);
	json_key("programs");
	json_begin_array();
	for (int i = 0; i < p->nprogs; i++) {
		json_begin_object();
		json_key("position");
		json_uint(i + 1);
		json_key("name");
		json_string(p->progs[i].name);
		json_key("id");
		json_uint(p->progs[i].id);
		json_key("priority");
		json_uint(p->progs[i].priority);
		json_key("guard");
		json_bool(i == p->guard_pos);
		json_end_object();
	}
	json_end_array();
	json_end_object();
}

static void text_placement(const struct xdp_placement *p)
{
	const struct chain_prog *g = &p->progs[p->guard_pos];

	printf("  %-16s %-6s %-10s priority %-4u position %d of %d\n", p->ifname,
	       mode_name(p->mode), p->dispatcher ? "dispatcher" : "direct",
	       g->priority, p->guard_pos + 1, p->nprogs);
	for (int i = 0; i < p->nprogs; i++)
		if (i != p->guard_pos)
			printf("  %-16s   %d. %s (priority %u, id %u)\n", "", i + 1,
			       p->progs[i].name, p->progs[i].priority, p->progs[i].id);
}

static int run_status(void *opts)
{
	const struct status_opts *o = opts;
	struct xdp_placement *places = NULL;
	struct xg_counter *counters = NULL;
	struct xg_entry *block = NULL, *allow = NULL;
	size_t nplaces = 0, nblock = 0, nallow = 0;
	unsigned int nreasons = xg_reason_count();
	struct xg_state *st = NULL;
	struct xg_limit *rules = NULL;
	size_t nrules = 0, nsources = 0, nbans = 0;
	uint64_t events_lost = 0;
	int ret = EXIT_FAIL;

	output_set_json(o->json);
	if (cli_begin(&o->common) || xg_state_open(o->common.pin_path, 0, &st))
		goto out;
	counters = calloc(nreasons, sizeof(*counters));
	if (!counters || xg_counters_read(st, counters)) {
		pr_error("cannot read the counters");
		goto out;
	}
	if (xg_list_get(st, XG_BLOCKLIST, false, &block, &nblock) ||
	    xg_list_get(st, XG_ALLOWLIST, false, &allow, &nallow)) {
		pr_error("cannot read the lists");
		goto out;
	}
	for (size_t i = 0; i < nblock; i++)
		nbans += block[i].origin == GUARD_ORIGIN_AUTOBAN;
	if (xg_limit_list(st, &rules, &nrules) || xg_sources_count(st, &nsources) ||
	    xg_events_lost(st, &events_lost)) {
		pr_error("cannot read the rate limiter's state");
		goto out;
	}
	if (placement_scan(st, &places, &nplaces)) {
		pr_error("cannot read the interfaces' XDP programs");
		goto out;
	}

	if (o->json) {
		json_begin_object();
		json_key("pin_path");
		json_string(xg_state_pin_path(st));
		json_key("interfaces");
		json_begin_array();
		for (size_t i = 0; i < nplaces; i++)
			json_placement(&places[i]);
		json_end_array();
		json_key("counters");
		json_begin_object();
		for (unsigned int r = 0; r < nreasons; r++) {
			json_key(xg_reason_name(r));
			json_begin_object();
			json_key("action");
			json_string(xg_reason_action(r));
			json_key("packets");
			json_uint(counters[r].packets);
			json_key("bytes");
			json_uint(counters[r].bytes);
			json_end_object();
		}
		json_end_object();
		json_key("lists");
		json_begin_object();
		json_key("blocklist");
		json_uint(nblock);
		json_key("allowlist");
		json_uint(nallow);
		json_end_object();
		json_key("rules");
		limit_print_rules(rules, nrules, true);
		json_key("tracked_sources");
		json_uint(nsources);
		json_key("bans");
		json_uint(nbans);
		json_key("events_lost");
		json_uint(events_lost);
		json_end_object();
		json_finish();
	} else {
		printf("Pin path: %s\n", xg_state_pin_path(st));
		printf("Interfaces (%zu):\n", nplaces);
		if (!nplaces)
			printf("  none: xdp-guard is not loaded with this pin path\n");
		for (size_t i = 0; i < nplaces; i++)
			text_placement(&places[i]);
		printf("Lists:\n  blocklist  %zu (%zu auto-ban%s)\n  allowlist  %zu\n",
		       nblock, nbans, nbans == 1 ? "" : "s", nallow);
		printf("Rate-limit rules (%zu):\n", nrules);
		if (!nrules)
			printf("  none\n");
		limit_print_rules(rules, nrules, false);
		printf("  tracked sources %zu, events lost %llu\n", nsources,
		       (unsigned long long)events_lost);
		printf("Counters:\n  %-10s %-6s %14s %16s\n", "REASON", "ACTION", "PACKETS", "BYTES");
		for (unsigned int r = 0; r < nreasons; r++)
			printf("  %-10s %-6s %14llu %16llu\n", xg_reason_name(r),
			       xg_reason_action(r), (unsigned long long)counters[r].packets,
			       (unsigned long long)counters[r].bytes);
	}
	ret = EXIT_OK;
out:
	free(places);
	free(rules);
	free(counters);
	free(block);
	free(allow);
	xg_state_close(st);
	return ret;
}

const struct command cmd_status = {
	.name = "status",
	.summary = "show interfaces, counters and list sizes",
	.description =
	"Show every interface xdp-guard runs on (mode, attached through the libxdp\n"
	"dispatcher or directly, priority, position in the chain and the other\n"
	"programs there), the packet and byte counters for each verdict reason,\n"
	"the list sizes, the rate-limit rules, the sources being tracked, the\n"
	"auto-bans in force, events lost, and the pin path.",
	.opts = status_specs,
	.defaults = &status_defaults,
	.opts_size = sizeof(struct status_opts),
	.run = run_status,
};
