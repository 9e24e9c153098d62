/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by the benchmark's tools. */
#ifndef XDP_GUARD_BENCH_UTIL_H
#define XDP_GUARD_BENCH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

/* Messages go to stderr, prefixed with the tool's name; stdout carries
 * only results, so the driver script can read it. */
extern const char *progname;

void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warn(), then return 1: `return die(...)` from main. */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warn(), then return -1: for option parsers. */
int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf's informational chatter hidden; its warnings kept. */
int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);

/* Put the IPv4 address addr into the source list of a loaded object: its
 * first hash map of 4-byte keys and 1-byte values (floor.bpf.c: the
 * address, value 1), or its first array of 256 64 KiB values (least.bpf.c:
 * the byte of the address's /24 set to 1).  0, or -1 after a warning. */
int src_add_ipv4(struct bpf_object *obj, const char *addr);

/* Median of n values (n >= 1); sorts v in place. */
double median(double *v, size_t n);

#endif
