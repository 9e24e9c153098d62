// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard unblock: remove prefixes from the blocklist. */
#include "listedit.h"

static const struct list_remove_opts unblock_defaults;

static const struct opt_spec unblock_specs[] = {
	LIST_ALL_SPEC("blocklist"),
	LIST_FILE_SPEC(struct list_remove_opts),
	LIST_IGNORE_MISSING_SPEC("blocklist"),
	COMMON_OPT_SPECS(struct list_remove_opts),
	LIST_ARGS_SPEC(struct list_remove_opts),
	{ 0 }
};

static int run_unblock(void *opts)
{
	return listedit_remove(XG_BLOCKLIST, opts);
}

const struct command cmd_unblock = {
	.name = "unblock",
	.summary = "remove entries from the blocklist",
	.description =
	"Remove each PREFIX from the blocklist, exactly as it was blocked (unblocking\n"
	"one address does not cut a hole in a blocked prefix). If any PREFIX is not\n"
	"on the blocklist, nothing is removed (with --ignore-missing, the rest is).\n"
	"--all empties the blocklist.",
	.opts = unblock_specs,
	.defaults = &unblock_defaults,
	.opts_size = sizeof(struct list_remove_opts),
	.run = run_unblock,
};
