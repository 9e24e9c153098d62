/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declared subcommands and options.
 *
 * Each subcommand has an options struct, a const default value of it and a
 * const option table.  params_parse() fills a copy of the defaults from
 * argv through typed parsers; the table itself is never modified, so help
 * text, synopsis and man page checks all read the same declaration.
 */
#ifndef XDP_GUARD_PARAMS_H
#define XDP_GUARD_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum opt_type {
	OPT_END = 0,
	OPT_FLAG,	/* bool, set to true */
	OPT_COUNT,	/* unsigned int, +1 each time (-vv) */
	OPT_STRING,	/* const char * */
	OPT_UINT,	/* unsigned int, within [min, max] */
	OPT_U64,	/* uint64_t, within [min, max64] */
	OPT_DURATION,	/* uint64_t nanoseconds, xg_duration_parse() */
	OPT_ENUM,	/* int, one of enum_values */
	OPT_ARGS,	/* struct arg_list: the positional arguments */
};

struct opt_enum_value {
	const char *name;
	int value;
};

struct arg_list {
	char **items;
	size_t count;
};

struct opt_spec {
	enum opt_type type;
	const char *name;		/* long name; for OPT_ARGS the metavar */
	char short_name;		/* 0 if none */
	size_t offset;			/* in the command's options struct */
	const char *metavar;		/* value placeholder, e.g. "DIR" */
	const char *help;
	const struct opt_enum_value *enum_values;	/* OPT_ENUM, ends with NULL name */
	unsigned int min, max;		/* OPT_UINT; OPT_U64 uses min too */
	uint64_t max64;			/* OPT_U64 */
	bool required;			/* OPT_ARGS: at least one */
	bool single;			/* OPT_ARGS: at most one */
};

/* Options every command that touches state accepts. */
struct common_opts {
	const char *pin_path;
	unsigned int verbose;
};

struct command {
	const char *name;
	const char *summary;		/* one line, for the command list */
	const char *description;	/* a paragraph, for --help */
	const struct opt_spec *opts;	/* ends with OPT_END */
	const void *defaults;		/* default options struct */
	size_t opts_size;
	int (*run)(void *opts);		/* returns an exit status */
};

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/*
 * Parse argv (argv[0] is the command name) into opts, which receives a
 * copy of cmd->defaults first.  Returns 0 to run the command, 1 if help
 * was printed, or -1 after printing a usage error.
 */
int params_parse(const struct command *cmd, int argc, char **argv, void *opts);
/* "xdp-guard CMD [--opt X] ... ARGS..." from the table. */
void params_print_synopsis(const struct command *cmd, FILE *f);
void params_print_help(const struct command *cmd, FILE *f);

/* "xdp-guard VERSION (libbpf ...)" on stdout. */
void print_version(void);

/* The commands, in the order `help` lists them. */
extern const struct command *const commands[];
/* Unique-prefix lookup; prints an error and returns NULL when it fails. */
const struct command *command_find(const char *name);

#define COMMON_OPT_SPECS(opts_type)							\
	{ .type = OPT_STRING, .name = "pin-path", .short_name = 'p',		\
	  .offset = offsetof(opts_type, common.pin_path), .metavar = "DIR",		\
	  .help = "state directory on bpffs (default " XG_DEFAULT_PIN_PATH ")" }, \
	{ .type = OPT_COUNT, .name = "verbose", .short_name = 'v',		\
	  .offset = offsetof(opts_type, common.verbose),				\
	  .help = "more detail; -vv and -vvv add libbpf's and libxdp's messages" }

#endif
