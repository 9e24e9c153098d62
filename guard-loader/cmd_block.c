// SPDX-License-Identifier: GPL-2.0-only
/* xdp-guard block: add source prefixes to the blocklist. */
#include "listedit.h"

static const struct list_add_opts block_defaults;

static const struct opt_spec block_specs[] = {
	LIST_TTL_SPEC("blocklist"),
	LIST_FILE_SPEC(struct list_add_opts),
	{ .type = OPT_FLAG, .name = "force",
	  .offset = offsetof(struct list_add_opts, force),
	  .help = "block even a /0 or the address of this SSH session" },
	COMMON_OPT_SPECS(struct list_add_opts),
	LIST_ARGS_SPEC(struct list_add_opts),
	{ 0 }
};

static int run_block(void *opts)
{
	return listedit_add(XG_BLOCKLIST, opts);
}

const struct command cmd_block = {
	.name = "block",
	.summary = "drop traffic from addresses or prefixes",
	.description =
	"Add each PREFIX (an IPv4 or IPv6 address, or a CIDR prefix such as\n"
	"198.51.100.0/24 or 2001:db8::/32) to the blocklist: xdp-guard drops their\n"
	"packets from now on. A prefix already blocked gets the new expiry. Every\n"
	"prefix is checked before any is added, and if one cannot be added (a full\n"
	"list) none is. The allowlist wins over the blocklist.",
	.opts = block_specs,
	.defaults = &block_defaults,
	.opts_size = sizeof(struct list_add_opts),
	.run = run_block,
};
