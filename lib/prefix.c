// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* IPv4 and IPv6 prefixes: parse, format, compare. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "internal.h"

static int max_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Strictly decimal, no sign, no leading zero, within 0..max. */
static int parse_len(const char *s, int max, const char **why)
{
	int val = 0;

	if (!*s) {
		*why = "missing prefix length after '/'";
		return -1;
	}
	if (s[0] == '0' && s[1]) {
		*why = "prefix length has a leading zero";
		return -1;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9') {
			*why = "prefix length is not a number";
			return -1;
		}
		val = val * 10 + (*s - '0');
		if (val > max) {
			*why = max == 32 ? "prefix length over 32 for IPv4" :
					   "prefix length over 128 for IPv6";
			return -1;
		}
	}
	return val;
}

const char xg_why_host_bits[] = "host bits set below the prefix length";

/* Mask of the prefix bits in byte i of an address. */
static uint8_t byte_mask(const struct xg_prefix *p, int i)
{
	int keep = p->len - i * 8;

	if (keep >= 8)
		return 0xFF;
	return keep <= 0 ? 0 : (uint8_t)(0xFF << (8 - keep));
}

static bool host_bits_clear(const struct xg_prefix *p)
{
	for (int i = 0; i < xg_family_addr_len(p->family); i++)
		if (p->addr[i] & ~byte_mask(p, i))
			return false;
	return true;
}

void xg_prefix_clear_host_bits(struct xg_prefix *p)
{
	for (int i = 0; i < xg_family_addr_len(p->family); i++)
		p->addr[i] &= byte_mask(p, i);
}

int xg_prefix_parse(const char *text, struct xg_prefix *out, const char **why)
{
	const char *dummy, *slash;
	char addr[INET6_ADDRSTRLEN];
	struct xg_prefix p = { 0 };
	size_t addr_len;
	int len;

	if (!why)
		why = &dummy;
	if (!text || !*text) {
		*why = "empty";
		return -EINVAL;
	}
	slash = strchr(text, '/');
	addr_len = slash ? (size_t)(slash - text) : strlen(text);
	if (addr_len == 0) {
		*why = "missing address before '/'";
		return -EINVAL;
	}
	if (addr_len >= sizeof(addr)) {
		*why = "not an IP address (too long)";
		return -EINVAL;
	}
	memcpy(addr, text, addr_len);
	addr[addr_len] = '\0';

	p.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, addr, p.addr) != 1) {
		/* Only call it a bad IPv4 address if it looks like one. */
		if (p.family == AF_INET6)
			*why = "not an IPv6 address";
		else if (strspn(addr, "0123456789.") == addr_len && strchr(addr, '.'))
			*why = "not an IPv4 address";
		else
			*why = "not an IP address";
		return -EINVAL;
	}
	if (slash) {
		len = parse_len(slash + 1, max_len(p.family), why);
		if (len < 0)
			return -EINVAL;
	} else {
		len = max_len(p.family);
	}
	p.len = len;
	if (!host_bits_clear(&p)) {
		*why = xg_why_host_bits;
		return -EINVAL;
	}
	*out = p;
	return 0;
}

char *xg_prefix_format(const struct xg_prefix *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, "%s/%u", addr, p->len);
	return buf;
}

bool xg_prefix_is_host(const struct xg_prefix *p)
{
	return p->len == max_len(p->family);
}

bool xg_prefix_covers(const struct xg_prefix *outer, const struct xg_prefix *inner)
{
	int full = outer->len / 8, rest = outer->len % 8;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	if (memcmp(outer->addr, inner->addr, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xFF << (8 - rest));

		if ((outer->addr[full] ^ inner->addr[full]) & mask)
			return false;
	}
	return true;
}

int xg_prefix_cmp(const struct xg_prefix *a, const struct xg_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	r = memcmp(a->addr, b->addr, xg_family_addr_len(a->family));
	if (r)
		return r < 0 ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}
