// SPDX-License-Identifier: GPL-2.0-only
/*
 * mklist: a deterministic blocklist of N entries in a realistic mix, for
 * the scale section of the benchmark.
 *
 *   mklist N [--seed S] [--probes FILE] > list
 *
 * The mix follows published blocklists (FireHOL, Spamhaus DROP, abuse
 * feeds): most entries are single addresses, some are prefixes, whose
 * lengths cluster at /24 (IPv4) and /48 to /64 (IPv6) with a tail of
 * shorter and longer ones:
 *   85% IPv4 addresses, 5% IPv4 prefixes /12../31,
 *    8% IPv6 addresses, 2% IPv6 prefixes /29../96.
 * IPv4 entries come from public unicast space only, never from 10.0.0.0/8
 * (the benchmark's own addresses), loopback, link-local or multicast, so
 * that the benchmark's traffic is never listed by accident.  IPv6 entries
 * come from 2000::/3 only.
 *
 * --probes FILE writes addresses for the lookups to measure, one
 * "NAME ADDRESS" per line.  xdp-guard settles some IPv4 hits from its /24
 * index alone and looks others up, so each IPv4 probe is of one kind at
 * every list size, and every list has one of each:
 *   hit4      a listed address alone in its /24, under no prefix;
 *   hitpair4  a listed address that shares its /24 with another;
 *   hitnet4   inside a listed prefix of /24 or shorter, in a /24 with no
 *             listed address;
 *   hitdeep4  inside a listed /25../31, in a /24 no shorter prefix covers
 *             and with no listed address;
 *   miss4     an IPv4 address in a /24 that no entry touches;
 * and hit6, miss6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *progname = "mklist";

struct p4 {
	uint32_t addr;		/* host byte order */
	uint8_t len;
};

struct p6 {
	uint8_t addr[16];
	uint8_t len;
};

/* splitmix64: small, fast and fully determined by its seed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Prefix lengths and their weights. */
struct len_weight {
	uint8_t len;
	unsigned int weight;
};

static const struct len_weight v4_lens[] = {
	{ 12, 1 }, { 13, 1 }, { 14, 2 }, { 15, 2 }, { 16, 6 }, { 17, 3 },
	{ 18, 4 }, { 19, 5 }, { 20, 6 }, { 21, 6 }, { 22, 8 }, { 23, 8 },
	{ 24, 30 }, { 25, 3 }, { 26, 3 }, { 27, 3 }, { 28, 3 }, { 29, 3 },
	{ 30, 2 }, { 31, 1 }, { 0, 0 }
};

static const struct len_weight v6_lens[] = {
	{ 29, 2 }, { 32, 10 }, { 36, 3 }, { 40, 5 }, { 44, 5 }, { 48, 30 },
	{ 52, 5 }, { 56, 15 }, { 60, 5 }, { 64, 18 }, { 96, 2 }, { 0, 0 }
};

static uint8_t pick_len(const struct len_weight *t)
{
	unsigned int total = 0, r;

	for (const struct len_weight *w = t; w->len; w++)
		total += w->weight;
	r = rnd() % total;
	for (const struct len_weight *w = t; w->len; w++) {
		if (r < w->weight)
			return w->len;
		r -= w->weight;
	}
	return t->len;
}

static uint32_t mask4(uint8_t len)
{
	return len ? ~0U << (32 - len) : 0;
}

/* Public unicast only: 1.0.0.0 - 223.255.255.255, minus the ranges
 * the benchmark or the host itself use. */
static bool v4_allowed(uint32_t first, uint32_t last)
{
	static const struct { uint32_t net; uint8_t len; } excluded[] = {
		{ 0x00000000, 8 },	/* 0.0.0.0/8 */
		{ 0x0A000000, 8 },	/* 10.0.0.0/8: the benchmark's own */
		{ 0x7F000000, 8 },	/* loopback */
		{ 0xA9FE0000, 16 },	/* link-local */
		{ 0xE0000000, 3 },	/* multicast and reserved */
	};

	for (size_t i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++) {
		uint32_t lo = excluded[i].net, hi = lo | ~mask4(excluded[i].len);

		if (first <= hi && last >= lo)
			return false;
	}
	return true;
}

/* A bijection on 32-bit numbers (the murmur3 finaliser), so that
 * counting 0, 1, 2... gives distinct addresses in a scattered order. */
static uint32_t scatter(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85EBCA6BU;
	x ^= x >> 13;
	x *= 0xC2B2AE35U;
	x ^= x >> 16;
	return x;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_p4(const void *a, const void *b)
{
	const struct p4 *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->len - y->len;
}

static int cmp_p6(const void *a, const void *b)
{
	const struct p6 *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	return c ? c : x->len - y->len;
}

static void random_v6(uint8_t addr[16])
{
	uint64_t hi = rnd(), lo = rnd();

	for (int i = 0; i < 8; i++) {
		addr[i] = hi >> (56 - 8 * i);
		addr[8 + i] = lo >> (56 - 8 * i);
	}
	addr[0] = (addr[0] & 0x1f) | 0x20;	/* 2000::/3 */
}

static void mask6(uint8_t addr[16], uint8_t len)
{
	for (int i = 0; i < 16; i++) {
		int bits = len - 8 * i;

		if (bits <= 0)
			addr[i] = 0;
		else if (bits < 8)
			addr[i] &= 0xff << (8 - bits);
	}
}

static bool covers6(const struct p6 *p, const uint8_t addr[16])
{
	uint8_t a[16];

	memcpy(a, addr, 16);
	mask6(a, p->len);
	return !memcmp(a, p->addr, 16);
}

static bool v4_covered(const struct p4 *nets, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if ((a & mask4(nets[i].len)) == nets[i].addr)
			return true;
	return false;
}

/* Is any address of a's /24 in hosts (sorted)? */
static bool v4_slash24_listed(const uint32_t *hosts, size_t n, uint32_t a)
{
	size_t lo = 0, hi = n;

	a &= 0xffffff00;
	while (lo < hi) {	/* the first host >= the /24's first address */
		size_t mid = lo + (hi - lo) / 2;

		if (hosts[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && (hosts[lo] & 0xffffff00) == a;
}

/* Is a covered by a prefix of /24 or shorter (a whole-/24 verdict)? */
static bool v4_covered_short(const struct p4 *nets, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if (nets[i].len <= 24 && (a & mask4(nets[i].len)) == nets[i].addr)
			return true;
	return false;
}

/* Does any prefix cover a's /24, or lie inside it? */
static bool v4_slash24_touched(const struct p4 *nets, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if (nets[i].len <= 24 ? (a & mask4(nets[i].len)) == nets[i].addr :
					(nets[i].addr >> 8) == (a >> 8))
			return true;
	return false;
}

/* The IPv4 entries, hosts sorted, for the probes. */
struct list4 {
	const uint32_t *hosts;
	size_t n_hosts;
	const struct p4 *nets;
	size_t n_nets;
};

/* Probe kinds: each tells whether its element i qualifies, and the
 * address to probe if so. */
static bool host_alone(const struct list4 *l, size_t i, uint32_t *a)
{
	uint32_t h = l->hosts[i], net = h & 0xffffff00;

	*a = h;
	/* A .0 address never gets the /24's lone-host byte. */
	return (h & 0xff) && !v4_covered(l->nets, l->n_nets, h) &&
	       (i == 0 || (l->hosts[i - 1] & 0xffffff00) != net) &&
	       (i + 1 == l->n_hosts || (l->hosts[i + 1] & 0xffffff00) != net);
}

static bool host_paired(const struct list4 *l, size_t i, uint32_t *a)
{
	*a = l->hosts[i];
	return i + 1 < l->n_hosts && !v4_covered(l->nets, l->n_nets, *a) &&
	       (l->hosts[i + 1] & 0xffffff00) == (*a & 0xffffff00);
}

static bool net_short(const struct list4 *l, size_t i, uint32_t *a)
{
	*a = l->nets[i].addr + 1;	/* past the network address */
	return l->nets[i].len <= 24 && !v4_slash24_listed(l->hosts, l->n_hosts, *a);
}

static bool net_deep(const struct list4 *l, size_t i, uint32_t *a)
{
	*a = l->nets[i].addr + 1;
	return l->nets[i].len >= 25 && !v4_covered_short(l->nets, l->n_nets, *a) &&
	       !v4_slash24_listed(l->hosts, l->n_hosts, *a);
}

/* The probe of a kind nearest the middle of its array (hosts or nets),
 * so that it is no outlier of the address space; 0 if there is none. */
static uint32_t probe4(const struct list4 *l, size_t n,
		       bool (*kind)(const struct list4 *, size_t, uint32_t *))
{
	uint32_t a;

	for (size_t j = 0; j < n; j++)
		if (kind(l, (n / 2 + j) % n, &a))
			return a;
	return 0;
}

static bool v6_covered(const struct p6 *p, size_t n, const uint8_t a[16])
{
	for (size_t i = 0; i < n; i++)
		if (covers6(&p[i], a))
			return true;
	return false;
}

static void print4(FILE *f, const char *name, uint32_t a, int len)
{
	uint32_t be = htonl(a);
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &be, buf, sizeof(buf));
	if (name)
		fprintf(f, "%s ", name);
	if (len >= 0 && len < 32)
		fprintf(f, "%s/%d\n", buf, len);
	else
		fprintf(f, "%s\n", buf);
}

static void print6(FILE *f, const char *name, const uint8_t a[16], int len)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	if (name)
		fprintf(f, "%s ", name);
	if (len >= 0 && len < 128)
		fprintf(f, "%s/%d\n", buf, len);
	else
		fprintf(f, "%s\n", buf);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "probes", required_argument, NULL, 'p' },
		{ 0 }
	};
	const char *probes = NULL;
	uint64_t seed = 5;
	size_t n, n4h, n4p, n6h, n6p, i, k;
	uint32_t *hosts4, counter = 0;
	struct p4 *nets4;
	struct p6 *hosts6, *nets6;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'p': probes = optarg; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || (n = strtoul(argv[optind], NULL, 0)) < 8 || n > 10000000) {
		fprintf(stderr, "Usage: mklist N [--seed S] [--probes FILE]   (8 <= N <= 10^7)\n");
		return 2;
	}
	rng_state = seed;

	/* The mix; every kind at least once (IPv4 prefixes twice, one of each
	 * probe's kind), the rest to IPv4 hosts. */
	n4p = n * 5 / 100 > 2 ? n * 5 / 100 : 2;
	n6h = n * 8 / 100 ? n * 8 / 100 : 1;
	n6p = n * 2 / 100 ? n * 2 / 100 : 1;
	n4h = n - n4p - n6h - n6p;

	hosts4 = calloc(n4h, sizeof(*hosts4));
	nets4 = calloc(n4p, sizeof(*nets4));
	hosts6 = calloc(n6h, sizeof(*hosts6));
	nets6 = calloc(n6p, sizeof(*nets6));
	if (!hosts4 || !nets4 || !hosts6 || !nets6)
		return die("out of memory");

	/* IPv4 addresses: distinct by construction. */
	for (i = 0; i < n4h; counter++) {
		uint32_t a = scatter(counter ^ (uint32_t)seed);

		if (v4_allowed(a, a))
			hosts4[i++] = a;
	}
	/* The last one shares the first one's /24, for hitpair4. */
	hosts4[n4h - 1] = hosts4[0] ^ 1;
	for (i = 1; i + 1 < n4h; i++)
		if (hosts4[i] == hosts4[n4h - 1])
			hosts4[n4h - 1] = hosts4[0] ^ 2;
	/* Prefixes may repeat: draw, sort, drop repeats, draw again. */
	for (k = 0; k < n4p;) {
		while (k < n4p) {
			uint8_t len = pick_len(v4_lens);
			uint32_t a = (uint32_t)rnd() & mask4(len);

			/* The first two: one of /24 or shorter, one longer. */
			if ((k == 0 && len > 24) || (k == 1 && len < 25))
				continue;

			if (v4_allowed(a, a | ~mask4(len)))
				nets4[k++] = (struct p4){ a, len };
		}
		qsort(nets4, k, sizeof(*nets4), cmp_p4);
		for (i = 1, k = 1; i < n4p; i++)
			if (cmp_p4(&nets4[i], &nets4[k - 1]))
				nets4[k++] = nets4[i];
	}
	for (i = 0; i < n6h; i++) {
		random_v6(hosts6[i].addr);
		hosts6[i].len = 128;
	}
	for (k = 0; k < n6p;) {
		while (k < n6p) {
			random_v6(nets6[k].addr);
			nets6[k].len = pick_len(v6_lens);
			mask6(nets6[k].addr, nets6[k].len);
			k++;
		}
		qsort(nets6, k, sizeof(*nets6), cmp_p6);
		for (i = 1, k = 1; i < n6p; i++)
			if (cmp_p6(&nets6[i], &nets6[k - 1]))
				nets6[k++] = nets6[i];
	}

	printf("# xdp-guard benchmark blocklist: %zu entries, seed %llu\n", n,
	       (unsigned long long)seed);
	for (i = 0; i < n4h; i++)
		print4(stdout, NULL, hosts4[i], 32);
	for (i = 0; i < n4p; i++)
		print4(stdout, NULL, nets4[i].addr, nets4[i].len);
	for (i = 0; i < n6h; i++)
		print6(stdout, NULL, hosts6[i].addr, 128);
	for (i = 0; i < n6p; i++)
		print6(stdout, NULL, nets6[i].addr, nets6[i].len);
	if (fflush(stdout) || ferror(stdout))
		return die("cannot write the list: %s", strerror(errno));

	if (probes) {
		static const struct {
			const char *name;
			bool on_nets;
			bool (*ok)(const struct list4 *, size_t, uint32_t *);
		} kinds4[] = {
			{ "hit4", false, host_alone },
			{ "hitpair4", false, host_paired },
			{ "hitnet4", true, net_short },
			{ "hitdeep4", true, net_deep },
		};
		struct list4 l4 = { hosts4, n4h, nets4, n4p };
		FILE *f = fopen(probes, "w");
		uint32_t a;
		uint8_t a6[16];

		if (!f)
			return die("cannot write %s: %s", probes, strerror(errno));
		qsort(hosts4, n4h, sizeof(*hosts4), cmp_u32);
		for (i = 0; i < sizeof(kinds4) / sizeof(kinds4[0]); i++) {
			a = probe4(&l4, kinds4[i].on_nets ? n4p : n4h, kinds4[i].ok);
			if (!a)
				return die("no %s probe in this list", kinds4[i].name);
			print4(f, kinds4[i].name, a, 32);
		}
		do {
			a = (uint32_t)rnd();
		} while (!v4_allowed(a, a) || v4_slash24_listed(hosts4, n4h, a) ||
			 v4_slash24_touched(nets4, n4p, a));
		print4(f, "miss4", a, 32);
		print6(f, "hit6", hosts6[n6h / 2].addr, 128);
		do {
			random_v6(a6);
		} while (v6_covered(nets6, n6p, a6));
		print6(f, "miss6", a6, 128);
		fclose(f);
	}
	free(hosts4);
	free(nets4);
	free(hosts6);
	free(nets6);
	return 0;
}
