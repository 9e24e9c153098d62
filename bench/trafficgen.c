// SPDX-License-Identifier: GPL-2.0-only
/*
 * trafficgen: send 64-byte UDP frames at the highest rate one core can
 * manage, or at a given rate, without a NIC, for the benchmark's
 * live-traffic sections.
 *
 * The frames are sent by the kernel itself: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs trafficgen.bpf.c over a template frame
 * `repeat` times, and each run's XDP_TX sends a copy out of --dev, to the
 * XDP hook of the veth peer (which must sit in another network namespace).
 * The rate reported is what the sender sees: frames the device delivered
 * to its peer per second of wall time.  Frames the peer's ring had no room
 * for are counted apart (the veth's xdp_xmit_errors statistic), so a receiver
 * that falls behind shows as a lower rate, not as a higher loss nobody
 * sees.  With the peer's NAPI in softirq (the default), the receiver's
 * work runs on the sender's CPU after each batch, so a costly receiver
 * slows the sender down: that is what makes the rate a measure of the
 * receiver.
 *
 *   trafficgen --dev tx0 --dst-mac 02:58:47:00:00:02 \
 *              --src 10.99.0.1 --dst 10.99.0.2 [--sources 65536] \
 *              [--dport 9000] [--duration 2] [--runs 3] [--rate PPS]
 *
 * Prints "pps=MEDIAN runs=R1,R2,... offered=MEDIAN lost=FRACTION" on
 * stdout: delivered frames per second, each run's, frames handed to the
 * device per second, and the share of those the peer had no room for.
 * Exits early, still printing what it measured, on SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "trafficgen.h"
#include "trafficgen.skel.h"
#include "util.h"

const char *progname = "trafficgen";

struct options {
	const char *dev;
	const char *src;
	const char *dst;
	uint8_t dst_mac[6];
	bool have_dst_mac;
	unsigned int sources;
	unsigned int size;
	unsigned int batch;
	unsigned int runs;
	double duration;
	double rate;		/* frames per second to offer; 0: as fast as possible */
	uint16_t sport, dport;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fputs("Usage: trafficgen --dev IFACE --dst-mac MAC [options]\n"
	      "  --src ADDR        IPv4 source (default 10.99.0.1); with --sources,\n"
	      "                    the first of the range\n"
	      "  --dst ADDR        IPv4 destination (default 10.99.0.2)\n"
	      "  --dport PORT      UDP destination port (default 9000)\n"
	      "  --sources N       rewrite the source per packet over N distinct\n"
	      "                    addresses (a power of two, 2..2^24)\n"
	      "  --size BYTES      frame length without FCS (default 64)\n"
	      "  --duration SEC    length of one run (default 2)\n"
	      "  --runs K          runs; the median is printed (default 3)\n"
	      "  --batch N         live-frame batch size, 1..256 (default 64)\n"
	      "  --rate PPS        offer PPS frames per second, in groups of\n"
	      "                    --batch frames, instead of all the CPU can send\n", f);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

static int dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	close(fd);
	if (!ret)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return ret;
}

/*
 * The veth's own count of XDP frames it passed to its peer, and of those
 * the peer's ring refused: the sums of its tx_queue_N_xdp_xmit and
 * tx_queue_N_xdp_xmit_errors statistics.  -1 if the device has none.
 */
static int xmit_counters(const char *dev, uint64_t *ok, uint64_t *err)
{
	struct ifreq ifr = { 0 };
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;
	uint32_t n;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !info.n_stats)
		goto out;
	n = info.n_stats;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(uint64_t));
	if (!names || !stats)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	ifr.ifr_data = (void *)names;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	ifr.ifr_data = (void *)stats;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	*ok = *err = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *name = (const char *)names->data + (size_t)i * ETH_GSTRING_LEN;
		size_t len = strnlen(name, ETH_GSTRING_LEN);

		if (strncmp(name, "tx_queue_", 9))
			continue;
		if (len > 16 && !strncmp(name + len - 16, "_xdp_xmit_errors", 16)) {
			*err += stats->data[i];
			ret = 0;
		} else if (len > 9 && !strncmp(name + len - 9, "_xdp_xmit", 9)) {
			*ok += stats->data[i];
			ret = 0;
		}
	}
out:
	free(names);
	free(stats);
	close(fd);
	return ret;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 't' },
		{ "dport", required_argument, NULL, 'P' },
		{ "sources", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'z' },
		{ "duration", required_argument, NULL, 'T' },
		{ "runs", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long port;
	int c;

	*o = (struct options){
		.src = "10.99.0.1", .dst = "10.99.0.2", .size = 64, .batch = 64,
		.runs = 3, .duration = 2.0, .sport = 40000, .dport = 9000,
	};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac))
				return die_usage("bad MAC address: %s", optarg);
			o->have_dst_mac = true;
			break;
		case 's': o->src = optarg; break;
		case 't': o->dst = optarg; break;
		case 'P':
			port = strtoul(optarg, NULL, 0);
			if (port < 1 || port > 65535)
				return die_usage("--dport must be 1..65535");
			o->dport = port;
			break;
		case 'n': o->sources = strtoul(optarg, NULL, 0); break;
		case 'z': o->size = strtoul(optarg, NULL, 0); break;
		case 'T': o->duration = strtod(optarg, NULL); break;
		case 'r': o->runs = strtoul(optarg, NULL, 0); break;
		case 'b': o->batch = strtoul(optarg, NULL, 0); break;
		case 'R': o->rate = strtod(optarg, NULL); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (!o->dev || !o->have_dst_mac)
		return die_usage("--dev and --dst-mac are required");
	if (o->sources == 1 || (o->sources & (o->sources - 1)) || o->sources > (1U << 24))
		return die_usage("--sources must be a power of two from 2 to 2^24");
	if (o->size < 60 || o->size > 1500)
		return die_usage("--size must be 60..1500");
	if (o->batch < 1 || o->batch > 256 || o->runs < 1 || o->runs > 100 ||
	    !(o->duration > 0 && o->duration <= 600) || !(o->rate >= 0 && o->rate <= 1e9))
		return die_usage("--batch 1..256, --runs 1..100, --duration (0, 600], --rate 0..1e9");
	return 0;
}

/* Ethernet, IPv4, UDP, padded with payload to exactly o->size bytes. */
static int build_frame(const struct options *o, const uint8_t src_mac[6], struct frame *f)
{
	frame_init(f);
	frame_eth(f);
	frame_ipv4(f, o->src, o->dst);
	frame_udp(f, o->sport, o->dport);
	frame_payload(f, o->size - 14 - 20 - 8, 0x5a);
	if (frame_finish(f))
		return -1;
	memcpy(f->data, o->dst_mac, 6);
	memcpy(f->data + 6, src_mac, 6);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run_result {
	double delivered_pps;	/* frames the peer took, per second */
	double offered_pps;	/* frames handed to the device, per second */
	double lost;		/* share of offered frames the peer refused */
};

/* One run: send for o->duration seconds.  0, or -1 on error. */
static int run_once(struct trafficgen_bpf *skel, int ifindex, const struct frame *f,
		    const struct options *o, struct run_result *res)
{
	int prog_fd = bpf_program__fd(skel->progs.tg_tx);
	struct xdp_md ctx = {
		.data_end = f->len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->data,
		.data_size_in = f->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = o->batch,
	);
	/* Start small and double each call while it takes less than call_s,
	 * so the stop time is met closely whatever the rate.  Pacing is done by the program
	 * (see trafficgen.bpf.c), not by sleeping here: each call sets up a
	 * page pool, which takes about a millisecond, and sends nothing
	 * meanwhile.  For the same reason paced calls grow longer, so that
	 * the gaps cost the rate little. */
	unsigned long long repeat = 16384, sent0 = skel->bss->sent;
	uint64_t ok0 = 0, err0 = 0, ok1 = 0, err1 = 0;
	bool counted = xmit_counters(o->dev, &ok0, &err0) == 0;
	double t0 = now_s(), t, last = t0, call_s = o->rate > 0 ? 0.1 : 0.025;

	while (!stop) {
		opts.repeat = repeat;
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			if (errno == EINTR)
				break;
			warn("BPF_PROG_TEST_RUN: %s", strerror(errno));
			return -1;
		}
		t = now_s();
		if (t - t0 >= o->duration)
			break;
		if (t - last < call_s && repeat < (1ULL << 26))
			repeat *= 2;
		last = t;
	}
	t = now_s();
	if (t <= t0)
		return -1;
	/* What the program sent: with pacing, most runs drop instead. */
	res->offered_pps = (skel->bss->sent - sent0) / (t - t0);
	res->delivered_pps = res->offered_pps;
	res->lost = 0;
	/* Without the device's counters (not a veth?), all we know is
	 * what was offered. */
	if (counted && xmit_counters(o->dev, &ok1, &err1) == 0 && ok1 + err1 > ok0 + err0) {
		double share = (double)(ok1 - ok0) / (double)((ok1 - ok0) + (err1 - err0));

		res->delivered_pps = res->offered_pps * share;
		res->lost = 1 - share;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct trafficgen_bpf *skel = NULL;
	struct options o;
	struct frame f;
	uint8_t src_mac[6];
	double rates[100], offered[100], lost[100];
	unsigned int done = 0;
	int ifindex, ret = 1;

	if (parse_args(argc, argv, &o))
		return 2;
	ifindex = if_nametoindex(o.dev);
	if (!ifindex)
		return die("no interface %s in this network namespace", o.dev);
	if (dev_mac(o.dev, src_mac))
		return die("cannot read the MAC address of %s", o.dev);
	if (build_frame(&o, src_mac, &f))
		return die("cannot build the frame");

	libbpf_set_print(quiet_libbpf);
	skel = trafficgen_bpf__open();
	if (!skel)
		return die("cannot open the generator program: %s", strerror(errno));
	if (o.rate > 0) {
		struct tg_config *c = (struct tg_config *)&skel->rodata->cfg;

		/* Groups of one batch: what the receiver's NAPI takes in one
		 * poll, and well within its 256-frame ring. */
		c->slot_frames = o.batch;
		c->slot_ns = 1e9 * o.batch / o.rate;
	}
	if (o.sources) {
		struct tg_config *c = (struct tg_config *)&skel->rodata->cfg;
		uint32_t src;

		inet_pton(AF_INET, o.src, &src);
		c->src_bits = __builtin_ctz(o.sources);
		c->src_base = ntohl(src);
		c->l3_off = f.l3_off;
		c->tmpl_src = src;
		memcpy(&c->ip_csum, f.data + f.l3_off + 10, 2);
		c->l4_csum_off = f.l4_off + 6;
		memcpy(&c->l4_csum, f.data + f.l4_off + 6, 2);
	}
	if (trafficgen_bpf__load(skel)) {
		warn("cannot load the generator program: %s", strerror(errno));
		goto out;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (done = 0; done < o.runs && !stop; done++) {
		struct run_result r;

		if (run_once(skel, ifindex, &f, &o, &r))
			goto out;
		rates[done] = r.delivered_pps;
		offered[done] = r.offered_pps;
		lost[done] = r.lost;
		fprintf(stderr, "trafficgen: run %u: %.3f Mpps delivered, %.3f Mpps offered\n",
			done + 1, r.delivered_pps / 1e6, r.offered_pps / 1e6);
	}
	if (done) {
		char runs[100 * 16];
		size_t used = 0;

		/* Each run's rate, in run order, before median() sorts. */
		for (unsigned int i = 0; i < done; i++)
			used += snprintf(runs + used, sizeof(runs) - used, "%s%.0f",
					 i ? "," : "", rates[i]);
		printf("pps=%.0f runs=%s offered=%.0f lost=%.4f\n", median(rates, done), runs,
		       median(offered, done), median(lost, done));
		ret = stop ? 130 : 0;
	}
out:
	trafficgen_bpf__destroy(skel);
	return ret;
}
