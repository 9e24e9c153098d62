// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "xdpguard.h"
#include "output.h"

static unsigned int verbosity;
static bool json_mode;

void output_set_verbosity(unsigned int verbose)
{
	verbosity = verbose;
}

void output_set_json(bool json)
{
	json_mode = json;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	/* Warnings and info always; debug from -v. */
	if (level == LOG_DEBUG && verbosity < 1)
		return;
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static void json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void pr_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "Error: %s\n", msg);
	if (json_mode) {
		fputs("{\"error\": ", stdout);
		json_escaped(stdout, msg);
		fputs("}\n", stdout);
	}
}

/*
 * Library messages are demoted one level: their warnings show from -v and
 * their chatter from -vv.  What matters to the user, xdp-guard says itself.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((unsigned int)level + 1 > verbosity)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if ((unsigned int)level + 1 > verbosity)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * libxdpguard's messages are xdp-guard's own and are not demoted.  The
 * library warns only on the way to failing, so its warnings are the error
 * the user sees, through the same function as every other error.
 */
static void xg_print(enum xg_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t len;

	if (level != XG_LOG_WARN) {
		vlog((enum log_level)level, fmt, ap);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[len - 1] = '\0';
	pr_error("%s", msg);
}

void output_hook_libraries(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	xg_set_print(xg_print);
}

/* ---- JSON ---- */

#define JSON_DEPTH_MAX 16

static int depth;
static bool first_in_level[JSON_DEPTH_MAX] = { true };
static bool after_key;
static bool compact;

void json_set_compact(bool on)
{
	compact = on;
}

static void indent(void)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* Separator and indentation before a value or a key. */
static void before_item(void)
{
	if (after_key) {
		after_key = false;
		return;
	}
	if (depth > 0) {
		if (!first_in_level[depth])
			fputs(compact ? ", " : ",", stdout);
		if (!compact) {
			fputc('\n', stdout);
			indent();
		}
	}
	first_in_level[depth] = false;
}

static void open_level(char c)
{
	before_item();
	fputc(c, stdout);
	if (depth + 1 < JSON_DEPTH_MAX)
		depth++;
	first_in_level[depth] = true;
}

static void close_level(char c)
{
	bool empty = first_in_level[depth];

	depth--;
	if (!empty && !compact) {
		fputc('\n', stdout);
		indent();
	}
	fputc(c, stdout);
}

void json_begin_object(void) { open_level('{'); }
void json_end_object(void) { close_level('}'); }
void json_begin_array(void) { open_level('['); }
void json_end_array(void) { close_level(']'); }

void json_key(const char *key)
{
	before_item();
	json_escaped(stdout, key);
	fputs(": ", stdout);
	after_key = true;
}

void json_string(const char *s)
{
	before_item();
	json_escaped(stdout, s);
}

void json_uint(uint64_t v)
{
	before_item();
	fprintf(stdout, "%llu", (unsigned long long)v);
}

void json_int(int64_t v)
{
	before_item();
	fprintf(stdout, "%lld", (long long)v);
}

void json_bool(bool v)
{
	before_item();
	fputs(v ? "true" : "false", stdout);
}

void json_null(void)
{
	before_item();
	fputs("null", stdout);
}

void json_finish(void)
{
	fputc('\n', stdout);
	depth = 0;
	first_in_level[0] = true;
}
