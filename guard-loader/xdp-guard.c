// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp-guard: command dispatch.  The commands are declared in their own
 * files; this table is the one list of them, and `help` prints from it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "output.h"

#ifndef XG_VERSION
#define XG_VERSION "unknown"
#endif

const struct command *const commands[] = {
	&cmd_load,
	&cmd_unload,
	&cmd_block,
	&cmd_unblock,
	&cmd_allow,
	&cmd_disallow,
	&cmd_list,
	&cmd_status,
	&cmd_limit,
	&cmd_monitor,
	&cmd_config,
	&cmd_help,
	NULL,
};

void print_version(void)
{
	printf("xdp-guard %s (libbpf %s)\n", XG_VERSION, libbpf_version_string());
}

static void print_usage(FILE *f)
{
	fputs("Usage: xdp-guard COMMAND [options] [args]\n"
	      "       xdp-guard help [COMMAND]\n"
	      "       xdp-guard --version\n\n"
	      "Drop flood traffic in XDP before it reaches the network stack.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; commands[i]; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nCommands may be abbreviated to any unique prefix.\n"
	      "See 'xdp-guard COMMAND --help' or xdp-guard(8).\n", f);
}

int cli_begin(const struct common_opts *common)
{
	output_set_verbosity(common->verbose);
	if (geteuid() != 0) {
		pr_error("xdp-guard needs root: it loads XDP programs and opens pinned BPF maps");
		return -1;
	}
	return 0;
}

struct xg_state *cli_open_state_quietly(const char *pin_path, unsigned int flags)
{
	xg_print_fn_t old = xg_set_print(NULL);
	struct xg_state *st = NULL;

	if (xg_state_open(pin_path, flags, &st))
		st = NULL;
	xg_set_print(old);
	return st;
}

const char *cli_time_left(uint64_t expires_ns, uint64_t now, char *buf, size_t size)
{
	if (!expires_ns)
		return "never";
	if (expires_ns <= now)
		return "expired";
	return xg_duration_format(expires_ns - now, buf, size);
}

/* ---- help ---- */

struct help_opts {
	struct arg_list args;
};

static const struct help_opts help_defaults;

static const struct opt_spec help_specs[] = {
	{ .type = OPT_ARGS, .name = "COMMAND", .single = true,
	  .offset = offsetof(struct help_opts, args) },
	{ 0 }
};

static int run_help(void *opts)
{
	const struct help_opts *o = opts;
	const struct command *cmd;

	if (o->args.count == 0) {
		print_usage(stdout);
		return EXIT_OK;
	}
	cmd = command_find(o->args.items[0]);
	if (!cmd)
		return EXIT_USAGE;
	params_print_help(cmd, stdout);
	return EXIT_OK;
}

const struct command cmd_help = {
	.name = "help",
	.summary = "show the commands, or one command's options",
	.description = "Without COMMAND, list the commands. With COMMAND, show its options.",
	.opts = help_specs,
	.defaults = &help_defaults,
	.opts_size = sizeof(struct help_opts),
	.run = run_help,
};

int main(int argc, char **argv)
{
	const struct command *cmd;
	/* Room for the largest options struct, aligned for any member. */
	union {
		char buf[512];
		max_align_t align;
	} opts;
	int ret;

	output_hook_libraries();
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		print_version();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argv[1][0] == '-') {
		pr_error("unknown option '%s': the command comes first", argv[1]);
		fprintf(stderr, "Try 'xdp-guard help'.\n");
		return EXIT_USAGE;
	}
	cmd = command_find(argv[1]);
	if (!cmd)
		return EXIT_USAGE;
	if (cmd->opts_size > sizeof(opts.buf)) {
		pr_error("internal: options of '%s' do not fit", cmd->name);
		return EXIT_FAIL;
	}
	ret = params_parse(cmd, argc - 1, argv + 1, opts.buf);
	if (ret > 0)
		return EXIT_OK;
	if (ret < 0)
		return EXIT_USAGE;
	return cmd->run(opts.buf);
}
