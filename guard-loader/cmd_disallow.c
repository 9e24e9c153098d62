// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard disallow: remove prefixes from the allowlist. */
#include "listedit.h"

static const struct list_remove_opts disallow_defaults;

static const struct opt_spec disallow_specs[] = {
	LIST_ALL_SPEC("allowlist"),
	LIST_FILE_SPEC(struct list_remove_opts),
	{ .type = OPT_FLAG, .name = "force",
	  .offset = offsetof(struct list_remove_opts, force),
	  .help = "remove even what keeps this SSH session's address from the blocklist" },
	LIST_IGNORE_MISSING_SPEC("allowlist"),
	COMMON_OPT_SPECS(struct list_remove_opts),
	LIST_ARGS_SPEC(struct list_remove_opts),
	{ 0 }
};

static int run_disallow(void *opts)
{
	return listedit_remove(XG_ALLOWLIST, opts);
}

const struct command cmd_disallow = {
	.name = "disallow",
	.summary = "remove entries from the allowlist",
	.description =
	"Remove each PREFIX from the allowlist, exactly as it was added. If any PREFIX\n"
	"is not on the allowlist, nothing is removed (with --ignore-missing, the rest\n"
	"is). --all empties the allowlist.\n"
	"Refuses to remove what keeps the address of this SSH session from the\n"
	"blocklist, unless --force.",
	.opts = disallow_specs,
	.defaults = &disallow_defaults,
	.opts_size = sizeof(struct list_remove_opts),
	.run = run_disallow,
};
