// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* The /24 byte of an IPv4 address in a table of 64 KiB chunks, one per /8
 * (least.bpf.c): read the chunk, set the byte, write it back. */
static int set_slash24(int fd, uint32_t host)
{
	uint32_t top = host >> 24;
	uint8_t *chunk = malloc(65536);
	int ret = -1;

	if (chunk && !bpf_map_lookup_elem(fd, &top, chunk)) {
		chunk[(host >> 8) & 0xffff] = 1;
		ret = bpf_map_update_elem(fd, &top, chunk, BPF_ANY);
	}
	free(chunk);
	return ret;
}

int src_add_ipv4(struct bpf_object *obj, const char *addr)
{
	struct bpf_map *map;
	struct in_addr key;
	uint8_t val = 1;
	bool table = false;
	int ret;

	/* The object's source list: the first map of either shape. */
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_HASH &&
		    bpf_map__key_size(map) == sizeof(key) && bpf_map__value_size(map) == sizeof(val))
			break;
		table = bpf_map__type(map) == BPF_MAP_TYPE_ARRAY &&
			bpf_map__max_entries(map) == 256 && bpf_map__value_size(map) == 65536;
		if (table)
			break;
	}
	if (!map) {
		warn("src-add: the object has no hash map of 4-byte keys and 1-byte values, "
		     "and no array of 256 64 KiB values");
		return -1;
	}
	if (inet_pton(AF_INET, addr, &key) != 1) {
		warn("src-add: bad IPv4 address %s", addr);
		return -1;
	}
	if (table)
		ret = set_slash24(bpf_map__fd(map), ntohl(key.s_addr));
	else
		ret = bpf_map_update_elem(bpf_map__fd(map), &key, &val, BPF_ANY);
	if (ret) {
		warn("src-add: cannot update %s: %s", bpf_map__name(map), strerror(errno));
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
