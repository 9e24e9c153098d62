/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one output path of the CLI: log messages and errors on stderr, and a
 * small streaming JSON writer for --json.  In JSON mode errors are also
 * written to stdout as {"error": "..."} so that a script reading stdout
 * always gets a JSON document.
 */
#ifndef XDP_GUARD_OUTPUT_H
#define XDP_GUARD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_WARN, LOG_INFO, LOG_DEBUG };

/* 0: warnings and info; 1 (-v): debug and library warnings; 2: all. */
void output_set_verbosity(unsigned int verbose);
void output_set_json(bool json);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* "Error: ..." on stderr (and {"error": ...} on stdout in JSON mode). */
void pr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf, libxdp and libxdpguard messages through log_msg(). */
void output_hook_libraries(void);

/* Streaming JSON to stdout, indented two spaces a level. */
void json_begin_object(void);
void json_end_object(void);
void json_begin_array(void);
void json_end_array(void);
void json_key(const char *key);
void json_string(const char *s);
void json_uint(uint64_t v);
void json_int(int64_t v);
void json_bool(bool v);
void json_null(void);
/* End the document with a newline. */
void json_finish(void);
/* One document a line (JSON Lines), for streams such as `monitor`. */
void json_set_compact(bool compact);

#endif
