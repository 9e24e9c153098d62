/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers every subcommand shares, and the subcommands themselves. */
#ifndef XDP_GUARD_CLI_H
#define XDP_GUARD_CLI_H

#include <stddef.h>

#include "xdpguard.h"
#include "params.h"

/* Apply the common options (verbosity) and check for root. */
int cli_begin(const struct common_opts *common);
/* The state if it opens, else NULL, without the library's warnings: for
 * commands that work with or without it (load, unload). */
struct xg_state *cli_open_state_quietly(const char *pin_path, unsigned int flags);
/* "never", "expired" or the time left, e.g. "4m59s". */
const char *cli_time_left(uint64_t expires_ns, uint64_t now, char *buf, size_t size);

extern const struct command cmd_load;
extern const struct command cmd_unload;
extern const struct command cmd_block;
extern const struct command cmd_unblock;
extern const struct command cmd_allow;
extern const struct command cmd_disallow;
extern const struct command cmd_list;
extern const struct command cmd_status;
extern const struct command cmd_limit;
extern const struct command cmd_monitor;
extern const struct command cmd_config;
extern const struct command cmd_help;

/* The rules as `limit` shows them (text, or a JSON array). */
void limit_print_rules(const struct xg_limit *rules, size_t n, bool json);

#endif
