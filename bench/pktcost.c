// SPDX-License-Identifier: GPL-2.0-only
/*
 * pktcost: the cost of one packet through an XDP program, measured with
 * BPF_PROG_TEST_RUN and `repeat`.  The time per packet includes the
 * kernel's test harness: compare programs with each other (a bare XDP_DROP
 * is the reference), not with zero.
 *
 * The kernel reports its own mean, but in whole nanoseconds, which is too
 * coarse when a bare program takes 5 ns.  This tool reads the thread's CPU
 * clock around the call instead: like the kernel's timer it leaves out
 * the time the thread spends preempted, which matters on a busy machine,
 * and the call's fixed setup cost is spread over `repeat` runs.
 *
 *   pktcost [--runs K] [--sets S] [--repeat N] [--load-only]
 *           --prog NAME=OBJECT[,pin=DIR][,deny-src=ADDR][,src-add=ADDR]...
 *           --case LABEL=NAME:FRAME...
 *
 * --prog loads OBJECT's XDP program under NAME.  Its maps are private to
 * this process, unless pin=DIR: then they are pinned there by name (or
 * reused if already there), so that `xdp-guard -p DIR` can fill the lists
 * before the measurement, exactly as an operator would.  deny-src= adds a
 * source-address rule to an xdp-filter object's maps (filter_ipv4 or
 * filter_ipv6), as `xdp-filter ip ADDR --mode src` does.  src-add= puts
 * an IPv4 address into the source list of the floor (floor.bpf.c) or the
 * least filter (least.bpf.c).  Both may be given more than once.
 *
 * FRAME is "udp4,SRC,DST", "udp6,SRC,DST" or "vlan-udp4,VID,SRC,DST": a
 * 64-byte UDP frame.
 *
 * Runs go round-robin over the cases, so that a slow moment of a noisy
 * machine hits every case alike.  --sets S makes S sets of K runs each,
 * one after the other.  Prints one line per case:
 *   LABEL <tab> median_ns <tab> min_ns <tab> max_ns <tab> action <tab> kernel_ns
 *         <tab> fastest_ns <tab> every run's ns, comma-separated, in run order
 * where median_ns is over all runs, kernel_ns is the median of the kernel's
 * whole-nanosecond figure, and fastest_ns is the median over the sets of
 * each set's fastest run.  The median tells what a packet costs on this
 * machine as it is; the fastest, what it costs the program when nothing
 * else slows the CPU down.  On a machine shared with other guests they
 * part: there are spells of seconds in which the same program runs at
 * two thirds of its speed, and programs that read memory lose more in
 * them than a bare one, so the ratios of medians carry the spells' share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "util.h"

const char *progname = "pktcost";

#define MAX_PROGS 16
#define MAX_CASES 64
#define MAX_RUNS 101
#define MAX_SETS 15
#define FRAME_LEN 64

/* xdp-filter's map value bit for "match the source" (MAP_FLAG_SRC in
 * xdp-tools' xdp-filter/common_kern_user.h). */
#define XDPFILT_FLAG_SRC 1

struct prog {
	char name[32];
	struct bpf_object *obj;
	int fd;
};

struct tcase {
	char label[64];
	struct prog *prog;
	struct frame frame;
	double ns[MAX_RUNS * MAX_SETS];	/* set after set, run order */
	double kernel_ns[MAX_RUNS * MAX_SETS];	/* the kernel's own figure, for comparison */
	unsigned int action;
};

static struct prog progs[MAX_PROGS];
static struct tcase cases[MAX_CASES];
static unsigned int nprogs, ncases;

static const char *action_name(unsigned int a)
{
	static const char *const names[] = { "aborted", "drop", "pass", "tx", "redirect" };

	return a < 5 ? names[a] : "unknown";
}

/* A source-address deny rule in xdp-filter's per-CPU hash maps. */
static int xdpfilt_deny_src(struct bpf_object *obj, const char *addr)
{
	uint8_t key[16];
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	const char *mapname = af == AF_INET ? "filter_ipv4" : "filter_ipv6";
	struct bpf_map *map = bpf_object__find_map_by_name(obj, mapname);
	int ncpus = libbpf_num_possible_cpus(), ret;
	uint64_t *vals;

	if (!map) {
		warn("deny-src: the object has no %s map (not an xdp-filter object?)", mapname);
		return -1;
	}
	if (inet_pton(af, addr, key) != 1) {
		warn("deny-src: bad address %s", addr);
		return -1;
	}
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -1;
	for (int i = 0; i < ncpus; i++)
		vals[i] = XDPFILT_FLAG_SRC;
	ret = bpf_map_update_elem(bpf_map__fd(map), key, vals, BPF_ANY);
	if (ret)
		warn("deny-src: cannot update %s: %s", mapname, strerror(errno));
	free(vals);
	return ret ? -1 : 0;
}

/* NAME=OBJECT[,pin=DIR][,deny-src=ADDR][,src-add=ADDR]... */
static int add_prog(char *spec)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts);
	char *eq = strchr(spec, '='), *path, *opt, *save = NULL;
	const char *pin = NULL, *deny[8], *add[8];
	unsigned int ndeny = 0, nadd = 0;
	struct prog *p = &progs[nprogs];
	struct bpf_program *bp;
	struct bpf_map *map;

	if (!eq || nprogs == MAX_PROGS)
		return die_usage("bad --prog %s (NAME=OBJECT[,pin=DIR][,deny-src=ADDR]"
				 "[,src-add=ADDR])", spec);
	*eq = '\0';
	snprintf(p->name, sizeof(p->name), "%s", spec);
	path = strtok_r(eq + 1, ",", &save);
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strncmp(opt, "pin=", 4))
			pin = opt + 4;
		else if (!strncmp(opt, "deny-src=", 9) && ndeny < 8)
			deny[ndeny++] = opt + 9;
		else if (!strncmp(opt, "src-add=", 8) && nadd < 8)
			add[nadd++] = opt + 8;
		else
			return die_usage("--prog %s: unknown option %s", p->name, opt);
	}

	oopts.pin_root_path = pin;
	p->obj = bpf_object__open_file(path, &oopts);
	if (!p->obj)
		return die_usage("cannot open %s: %s", path, strerror(errno));
	/* Without pin=, keep every map private: never read or write the
	 * state of a filter running on this machine. */
	if (!pin)
		bpf_object__for_each_map(map, p->obj)
			bpf_map__set_pin_path(map, NULL);
	if (bpf_object__load(p->obj))
		return die_usage("cannot load %s: %s", path, strerror(errno));
	bp = bpf_object__next_program(p->obj, NULL);
	if (!bp)
		return die_usage("%s holds no program", path);
	p->fd = bpf_program__fd(bp);
	for (unsigned int i = 0; i < ndeny; i++)
		if (xdpfilt_deny_src(p->obj, deny[i]))
			return -1;
	for (unsigned int i = 0; i < nadd; i++)
		if (src_add_ipv4(p->obj, add[i]))
			return -1;
	nprogs++;
	return 0;
}

static int build_frame(struct frame *f, char *spec)
{
	char *save = NULL, *kind = strtok_r(spec, ",", &save);
	char *a = strtok_r(NULL, ",", &save), *b = strtok_r(NULL, ",", &save);
	char *c = strtok_r(NULL, ",", &save);
	size_t hdr;

	if (!kind || !a || !b)
		return -1;
	frame_init(f);
	frame_eth(f);
	if (!strcmp(kind, "udp4")) {
		frame_ipv4(f, a, b);
		hdr = 14 + 20 + 8;
	} else if (!strcmp(kind, "udp6")) {
		frame_ipv6(f, a, b);
		hdr = 14 + 40 + 8;
	} else if (!strcmp(kind, "vlan-udp4") && c) {
		frame_vlan(f, 0x8100, strtoul(a, NULL, 0));
		frame_ipv4(f, b, c);
		hdr = 14 + 4 + 20 + 8;
	} else {
		return -1;
	}
	frame_udp(f, 40000, 9000);
	frame_payload(f, FRAME_LEN - hdr, 0x5a);
	return frame_finish(f);
}

/* LABEL=NAME:FRAME */
static int add_case(char *spec)
{
	char *eq = strchr(spec, '='), *colon;
	struct tcase *c = &cases[ncases];
	unsigned int i;

	if (!eq || !(colon = strchr(eq, ':')) || ncases == MAX_CASES)
		return die_usage("bad --case %s (LABEL=PROG:FRAME)", spec);
	*eq = *colon = '\0';
	snprintf(c->label, sizeof(c->label), "%s", spec);
	for (i = 0; i < nprogs && strcmp(progs[i].name, eq + 1); i++)
		;
	if (i == nprogs)
		return die_usage("--case %s: no --prog named %s (give --prog first)",
				 c->label, eq + 1);
	c->prog = &progs[i];
	if (build_frame(&c->frame, colon + 1))
		return die_usage("--case %s: bad frame (udp4,SRC,DST | udp6,SRC,DST | "
				 "vlan-udp4,VID,SRC,DST)", c->label);
	ncases++;
	return 0;
}

static double cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int run_case(struct tcase *c, unsigned int repeat, double *ns, double *kernel_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = c->frame.data,
		.data_size_in = c->frame.len,
		.repeat = repeat,
	);

	double t0 = cpu_now_ns();

	if (bpf_prog_test_run_opts(c->prog->fd, &opts)) {
		warn("%s: BPF_PROG_TEST_RUN: %s", c->label, strerror(errno));
		return -1;
	}
	*ns = (cpu_now_ns() - t0) / repeat;
	*kernel_ns = opts.duration;
	c->action = opts.retval;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "case", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' },
		{ "sets", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "load-only", no_argument, NULL, 'l' },
		{ 0 }
	};
	unsigned int runs = 7, sets = 1, repeat = 2000000, total;
	bool load_only = false;
	int c;

	libbpf_set_print(quiet_libbpf);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (add_prog(optarg))
				return 1;
			break;
		case 'c':
			if (add_case(optarg))
				return 2;
			break;
		case 'r': runs = strtoul(optarg, NULL, 0); break;
		case 's': sets = strtoul(optarg, NULL, 0); break;
		case 'n': repeat = strtoul(optarg, NULL, 0); break;
		case 'l': load_only = true; break;
		default: return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || sets < 1 || sets > MAX_SETS || repeat < 1)
		return die("--runs 1..%d, --sets 1..%d, --repeat >= 1", MAX_RUNS, MAX_SETS);
	total = runs * sets;
	if (load_only)
		return 0;

	/* One untimed pass warms caches and the maps' first lookups. */
	for (unsigned int i = 0; i < ncases; i++) {
		double ns, kns;

		if (run_case(&cases[i], repeat / 10 + 1, &ns, &kns))
			return 1;
	}
	for (unsigned int r = 0; r < total; r++)
		for (unsigned int i = 0; i < ncases; i++)
			if (run_case(&cases[i], repeat, &cases[i].ns[r], &cases[i].kernel_ns[r]))
				return 1;

	for (unsigned int i = 0; i < ncases; i++) {
		struct tcase *t = &cases[i];
		double lo = t->ns[0], hi = t->ns[0], fastest[MAX_SETS];
		static char samples[MAX_RUNS * MAX_SETS * 16];
		size_t used = 0;

		samples[0] = '\0';
		for (unsigned int r = 0; r < total; r++)
			used += snprintf(samples + used, sizeof(samples) - used, "%s%.2f",
					 r ? "," : "", t->ns[r]);
		for (unsigned int r = 1; r < total; r++) {
			lo = t->ns[r] < lo ? t->ns[r] : lo;
			hi = t->ns[r] > hi ? t->ns[r] : hi;
		}
		for (unsigned int s = 0; s < sets; s++) {
			fastest[s] = t->ns[s * runs];
			for (unsigned int r = s * runs + 1; r < (s + 1) * runs; r++)
				fastest[s] = t->ns[r] < fastest[s] ? t->ns[r] : fastest[s];
		}
		printf("%s\t%.2f\t%.2f\t%.2f\t%s\t%.0f\t%.2f\t%s\n", t->label,
		       median(t->ns, total), lo, hi, action_name(t->action),
		       median(t->kernel_ns, total), median(fastest, sets), samples);
	}
	for (unsigned int i = 0; i < nprogs; i++)
		bpf_object__close(progs[i].obj);
	return 0;
}
