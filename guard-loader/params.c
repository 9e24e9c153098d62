// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdpguard.h"
#include "output.h"
#include "params.h"

static size_t count_specs(const struct opt_spec *specs)
{
	size_t n = 0;

	while (specs[n].type != OPT_END)
		n++;
	return n;
}

static const struct opt_spec *args_spec(const struct command *cmd)
{
	for (const struct opt_spec *s = cmd->opts; s->type != OPT_END; s++)
		if (s->type == OPT_ARGS)
			return s;
	return NULL;
}

void params_print_synopsis(const struct command *cmd, FILE *f)
{
	const struct opt_spec *args = args_spec(cmd);

	fprintf(f, "xdp-guard %s", cmd->name);
	for (const struct opt_spec *s = cmd->opts; s->type != OPT_END; s++) {
		if (s->type == OPT_ARGS)
			continue;
		if (s->metavar)
			fprintf(f, " [--%s %s]", s->name, s->metavar);
		else
			fprintf(f, " [--%s]", s->name);
	}
	if (args)
		fprintf(f, args->required ? " %s%s" : " [%s%s]", args->name,
			args->single ? "" : "...");
	fputc('\n', f);
}

void params_print_help(const struct command *cmd, FILE *f)
{
	fputs("Usage: ", f);
	params_print_synopsis(cmd, f);
	fprintf(f, "\n%s\n\nOptions:\n", cmd->description);
	for (const struct opt_spec *s = cmd->opts; s->type != OPT_END; s++) {
		char left[64];

		if (s->type == OPT_ARGS)
			continue;
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
			 s->short_name ? '-' : ' ', s->short_name ? s->short_name : ' ',
			 s->short_name ? ", " : "  ", s->name,
			 s->metavar ? " " : "", s->metavar ? s->metavar : "");
		fprintf(f, "  %-30s %s\n", left, s->help);
		if (s->type == OPT_ENUM) {
			fputs("  ", f);
			fprintf(f, "%-30s one of:", "");
			for (const struct opt_enum_value *v = s->enum_values; v->name; v++)
				fprintf(f, " %s", v->name);
			fputc('\n', f);
		}
	}
	fprintf(f, "  %-30s %s\n", "-h, --help", "show this help");
	fprintf(f, "  %-30s %s\n", "    --version", "show the version of xdp-guard");
}

static void usage_hint(const struct command *cmd)
{
	fprintf(stderr, "Try 'xdp-guard %s --help' for more.\n", cmd->name);
}

static int set_value(const struct command *cmd, const struct opt_spec *s,
		     const char *arg, void *opts)
{
	char *field = (char *)opts + s->offset;
	const char *why;

	switch (s->type) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_COUNT:
		(*(unsigned int *)field)++;
		return 0;
	case OPT_STRING:
		if (!*arg) {
			pr_error("--%s needs a non-empty %s", s->name, s->metavar);
			return -1;
		}
		*(const char **)field = arg;
		return 0;
	case OPT_UINT: {
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' ||
		    v < s->min || v > s->max) {
			pr_error("--%s: '%s' is not a whole number from %u to %u",
				 s->name, arg, s->min, s->max);
			return -1;
		}
		*(unsigned int *)field = v;
		return 0;
	}
	case OPT_U64: {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || v < s->min || v > s->max64) {
			pr_error("--%s: '%s' is not a whole number from %u to %llu",
				 s->name, arg, s->min, (unsigned long long)s->max64);
			return -1;
		}
		*(uint64_t *)field = v;
		return 0;
	}
	case OPT_DURATION:
		if (xg_duration_parse(arg, (uint64_t *)field, &why)) {
			pr_error("--%s: '%s': %s", s->name, arg, why);
			return -1;
		}
		return 0;
	case OPT_ENUM:
		for (const struct opt_enum_value *v = s->enum_values; v->name; v++) {
			if (!strcmp(v->name, arg)) {
				*(int *)field = v->value;
				return 0;
			}
		}
		pr_error("--%s: '%s' is not one of the choices (see xdp-guard %s --help)",
			 s->name, arg, cmd->name);
		return -1;
	default:
		return -1;
	}
}

/*
 * Why getopt_long() refused a long option: a prefix of more than one
 * option, a value for a flag, or no such option.  It says only "?".
 */
static void report_long_option(const struct option *longopts, const char *what)
{
	const char *name = what + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name), matches = 0;
	const struct option *match = NULL;
	char list[256] = "";

	if (strncmp(what, "--", 2)) {
		pr_error("unknown option %s", what);
		return;
	}
	for (const struct option *o = longopts; o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len) {
			match = o;
			matches = 1;
			break;
		}
		match = o;
		matches++;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s--%s",
			 matches > 1 ? ", " : "", o->name);
	}
	if (matches > 1)
		pr_error("ambiguous option %.*s: it could be %s", (int)(len + 2), what, list);
	else if (match && eq && match->has_arg == no_argument)
		pr_error("option --%s takes no value", match->name);
	else
		pr_error("unknown option %s", what);
}

int params_parse(const struct command *cmd, int argc, char **argv, void *opts)
{
	size_t n = count_specs(cmd->opts);
	struct option *longopts;
	bool *seen;
	const struct opt_spec *args;
	/* ':' first: report a missing value apart from an unknown option.
	 * No '+': options and arguments may mix, as in the xdp-tools. */
	char shortopts[128] = ":h";
	size_t sl = 2;
	int ret = 0, c, idx;

	memcpy(opts, cmd->defaults, cmd->opts_size);
	longopts = calloc(n + 3, sizeof(*longopts));
	seen = calloc(n + 1, sizeof(*seen));
	if (!seen) {
		free(longopts);
		return -1;
	}
	if (!longopts)
		return -1;
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		const struct opt_spec *s = &cmd->opts[i];

		if (s->type == OPT_ARGS)
			continue;
		longopts[j].name = s->name;
		longopts[j].has_arg = s->metavar ? required_argument : no_argument;
		longopts[j].val = 256 + (int)i;
		j++;
		if (s->short_name && sl + 3 < sizeof(shortopts)) {
			shortopts[sl++] = s->short_name;
			if (s->metavar)
				shortopts[sl++] = ':';
		}
	}
	longopts[j].name = "help";
	longopts[j].val = 'h';
	longopts[j + 1].name = "version";
	longopts[j + 1].val = 'V';
	shortopts[sl] = '\0';

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const struct opt_spec *s = NULL;

		if (c == 'h') {
			params_print_help(cmd, stdout);
			ret = 1;
			goto out;
		}
		if (c == 'V') {
			print_version();
			ret = 1;
			goto out;
		}
		if (c == '?' || c == ':') {
			const char *what = argv[optind - 1];

			/* optopt is a long option's val too: --help=1
			 * gives 'h'. */
			if (optopt && optopt < 256 && strncmp(what, "--", 2))
				pr_error(c == ':' ? "option -%c needs a value" :
					 "unknown option -%c", optopt);
			else if (c == ':')
				pr_error("option %s needs a value", what);
			else
				report_long_option(longopts, what);
			usage_hint(cmd);
			ret = -1;
			goto out;
		}
		if (c >= 256) {
			s = &cmd->opts[c - 256];
		} else {
			for (size_t i = 0; i < n; i++)
				if (cmd->opts[i].short_name == c)
					s = &cmd->opts[i];
		}
		/* A value given twice is a mistake to report, not a choice to
		 * make for the user (which --file did they mean?). */
		if (s && s->type != OPT_COUNT && seen[s - cmd->opts]) {
			pr_error("--%s is given twice", s->name);
			usage_hint(cmd);
			ret = -1;
			goto out;
		}
		if (s)
			seen[s - cmd->opts] = true;
		if (!s || set_value(cmd, s, optarg, opts)) {
			usage_hint(cmd);
			ret = -1;
			goto out;
		}
	}

	args = args_spec(cmd);
	if (args) {
		struct arg_list *list = (struct arg_list *)((char *)opts + args->offset);

		list->items = argv + optind;
		list->count = argc - optind;
		if (args->required && list->count == 0) {
			pr_error("missing %s", args->name);
			usage_hint(cmd);
			ret = -1;
		} else if (args->single && list->count > 1) {
			pr_error("one %s at a time", args->name);
			usage_hint(cmd);
			ret = -1;
		}
	} else if (optind < argc) {
		pr_error("unexpected argument '%s'", argv[optind]);
		usage_hint(cmd);
		ret = -1;
	}
out:
	free(seen);
	free(longopts);
	return ret;
}

const struct command *command_find(const char *name)
{
	const struct command *found = NULL;
	size_t len = strlen(name);
	int matches = 0;

	for (size_t i = 0; commands[i]; i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
		if (!strncmp(commands[i]->name, name, len)) {
			found = commands[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches == 0) {
		pr_error("unknown command '%s'", name);
	} else {
		int shown = 0;

		fprintf(stderr, "Error: ambiguous command '%s': it could be", name);
		for (size_t i = 0; commands[i]; i++) {
			if (strncmp(commands[i]->name, name, len))
				continue;
			shown++;
			fprintf(stderr, "%s %s", shown == 1 ? "" : shown == matches ? " or" : ",",
				commands[i]->name);
		}
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try 'xdp-guard help'.\n");
	return NULL;
}
