/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mechanism behind block, unblock, allow and disallow: gather prefixes
 * from the command line and --file, validate them all, then change the list
 * in one all-or-nothing step under the pin path's lock.
 */
#ifndef XDP_GUARD_LISTEDIT_H
#define XDP_GUARD_LISTEDIT_H

#include "cli.h"

struct list_add_opts {
	struct common_opts common;
	uint64_t ttl_ns;	/* 0: never expires */
	const char *file;
	bool force;
	struct arg_list prefixes;
};

struct list_remove_opts {
	struct common_opts common;
	bool all;
	bool force;		/* disallow only */
	bool ignore_missing;	/* skip prefixes not on the list */
	const char *file;
	struct arg_list prefixes;
};

int listedit_add(enum xg_list list, const struct list_add_opts *o);
int listedit_remove(enum xg_list list, const struct list_remove_opts *o);

#define LIST_TTL_SPEC(what)							\
	{ .type = OPT_DURATION, .name = "ttl", .short_name = 't',		\
	  .offset = offsetof(struct list_add_opts, ttl_ns), .metavar = "DURATION", \
	  .help = "the " what " entries expire after DURATION (90s, 15m, 2h, 7d, 1w)" }
#define LIST_FILE_SPEC(opts_type)							\
	{ .type = OPT_STRING, .name = "file", .short_name = 'f',		\
	  .offset = offsetof(opts_type, file), .metavar = "FILE",			\
	  .help = "also read prefixes from FILE, one a line ('-': stdin)" }
#define LIST_ALL_SPEC(what)							\
	{ .type = OPT_FLAG, .name = "all", .short_name = 'a',			\
	  .offset = offsetof(struct list_remove_opts, all),			\
	  .help = "remove every entry of the " what }
#define LIST_IGNORE_MISSING_SPEC(what)						\
	{ .type = OPT_FLAG, .name = "ignore-missing",				\
	  .offset = offsetof(struct list_remove_opts, ignore_missing),		\
	  .help = "remove what is on the " what " and skip the rest, not nothing" }
#define LIST_ARGS_SPEC(opts_type)							\
	{ .type = OPT_ARGS, .name = "PREFIX", .offset = offsetof(opts_type, prefixes) }

#endif
