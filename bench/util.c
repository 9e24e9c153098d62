// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "util.h"

static void vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return 1;
}

int die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return -1;
}

int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int hash_add_ipv4(struct bpf_object *obj, const char *addr)
{
	struct bpf_map *map;
	struct in_addr key;
	uint8_t val = 1;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_HASH)
			break;
	if (!map) {
		warn("hash-add: the object has no hash map");
		return -1;
	}
	if (bpf_map__key_size(map) != sizeof(key) || bpf_map__value_size(map) != sizeof(val)) {
		warn("hash-add: %s has %u-byte keys and %u-byte values, not 4 and 1",
		     bpf_map__name(map), bpf_map__key_size(map), bpf_map__value_size(map));
		return -1;
	}
	if (inet_pton(AF_INET, addr, &key) != 1) {
		warn("hash-add: bad IPv4 address %s", addr);
		return -1;
	}
	if (bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY)) {
		warn("hash-add: cannot update %s: %s", bpf_map__name(map), strerror(errno));
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
