// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard allow: add source prefixes to the allowlist. */
#include "listedit.h"

static const struct list_add_opts allow_defaults;

static const struct opt_spec allow_specs[] = {
	LIST_TTL_SPEC("allowlist"),
	LIST_FILE_SPEC(struct list_add_opts),
	COMMON_OPT_SPECS(struct list_add_opts),
	LIST_ARGS_SPEC(struct list_add_opts),
	{ 0 }
};

static int run_allow(void *opts)
{
	return listedit_add(XG_ALLOWLIST, opts);
}

const struct command cmd_allow = {
	.name = "allow",
	.summary = "never drop traffic from addresses or prefixes",
	.description =
	"Add each PREFIX to the allowlist. Traffic from an allowlisted source always\n"
	"passes: it skips the blocklist and every other check. Use it for the\n"
	"addresses you manage the host from, load balancers and health checkers.",
	.opts = allow_specs,
	.defaults = &allow_defaults,
	.opts_size = sizeof(struct list_add_opts),
	.run = run_allow,
};
