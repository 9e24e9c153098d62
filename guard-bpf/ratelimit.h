/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rate limiting for xdp-guard: per-source meters, per-rule budgets,
 * auto-ban and events.  Included by xdp_guard.bpf.c after its maps.
 *
 * Per packet that has a rule (destination port and protocol, then the
 * protocol alone, then "any"):
 *   0. a budget spent beyond what even an established source may use drops
 *      the packet at once, before the source is looked up (and before the
 *      fine clock is read); so does one
 *      spent beyond what a new source may use, unless the source carries
 *      a mark of having lately passed from before the budget's current
 *      run of drops (guard_maps.h);
 *   1. a known source is held to its own meters (pps, bytes/s, SYN/s);
 *      while it keeps going over, it is banned after ban_after;
 *   2. the rule's budget holds all sources together; established sources
 *      (seen for longer than config.established_ns, and since before the
 *      budget's current run of drops began) may use the whole budget
 *      burst, new ones only half of it, so under a spoofed flood the
 *      budget's remaining room goes to the sources that were there before
 *      it, even when the flood's own sources recur and grow old;
 *   3. a new source gets state only once it has passed the budget, so a
 *      random-source flood cannot churn the per-source map faster than
 *      the budget allows.
 *
 * Meters of one source are updated without atomics: a source's packets
 * usually land on one CPU (RSS hashes its flows), and a lost update only
 * makes the meter a little generous.  Budgets are shared by every source
 * and CPU, so near their limit they move with compare-and-swap
 * (budget_charge()).
 */
#ifndef XDP_GUARD_RATELIMIT_H
#define XDP_GUARD_RATELIMIT_H

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MSEC 1000000ULL
/* A source that has not dropped for this long is no longer "over". */
#define OVER_GAP_NS NS_PER_SEC
#define EVENTS_INTERVAL_DEFAULT_NS 1000000ULL	/* 1000 events/s */
#define EVENTS_TOLERANCE_DEFAULT_NS 100000000ULL	/* bursts of 100 */
#define CAS_TRIES 4
/* How far the coarse clock may be behind the fine one: two ticks at
 * HZ=100 or more, the tick itself and the moment in each when jiffies has
 * moved on and the coarse clock not yet (clock.h). */
#define COARSE_SLACK_NS (20 * NS_PER_MSEC)

/* The coarse clock (clock.h), for the checks that most of a flood's
 * packets end at; each CPU's cache of it is a slot of the counters.
 * *jiffies: the jiffy it belongs to (0 if unknown; never so in a 64-bit
 * jiffies, which starts far from 0). */
static __always_inline __u64 coarse_now(__u64 *jiffies)
{
	__u32 slot = GUARD_SLOT_CLOCK;
	struct guard_clock *cache = bpf_map_lookup_elem(&xg_counters, &slot);
	__u64 ns;

	_Static_assert(sizeof(struct guard_clock) == sizeof(struct guard_counter),
		       "the clock lives in a counter slot");
	ns = coarse_clock(cache);
	*jiffies = cache ? cache->jiffies : 0;
	return ns;
}

/* GCRA test: the tat after this packet, or 0 if it does not conform. */
static __always_inline __u64 meter_next(__u64 tat, __u64 interval, __u64 tolerance,
					__u64 now)
{
	if (tat < now)
		tat = now;
	if (tat - now > tolerance)
		return 0;
	return tat + interval;
}

/* The same on a meter shared by all CPUs. */
static __always_inline int meter_shared(__u64 *tat, __u64 interval, __u64 tolerance,
					__u64 now)
{
	int i;

	for (i = 0; i < CAS_TRIES; i++) {
		__u64 old = *(volatile __u64 *)tat;
		__u64 next = meter_next(old, interval, tolerance, now);

		if (!next)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return 1;
	}
	/* Every try lost a race: the meter is being hammered from all CPUs,
	 * which is what a budget exists to stop. */
	return 0;
}

/*
 * A budget's meter: meter_shared(), but a plain write while the budget
 * stays under half the tolerance it is held to.  Every passing packet of
 * the rule charges it, and a locked instruction on each costs the rule's
 * clients more than the rest of their bookkeeping.  Down there a charge
 * lost to a race refuses nothing: it only leaves the budget a packet
 * further from its limit.  Near the limit, where a charge decides who is
 * refused, every one moves with compare-and-swap.
 */
static __always_inline int budget_charge(__u64 *tat, __u64 interval, __u64 tolerance, __u64 now)
{
	__u64 old = *(volatile __u64 *)tat;
	__u64 next = meter_next(old, interval, tolerance, now);

	if (next && next - now <= tolerance / 2) {
		*tat = next;
		return 1;
	}
	return meter_shared(tat, interval, tolerance, now);
}

/*
 * Move one of a source's meters from seen, as step 1 read it, to next.
 * Meters on the coarse clock refill on every CPU at the same tick, so two
 * CPUs often pass a packet of one source at once, and a plain write would
 * lose one of the two charges; here the second is charged on top of the
 * first, or refused if it no longer conforms (after the budget charged
 * it: such a race costs the rule's budget a packet).
 */
static __always_inline int meter_commit(__u64 *tat, __u64 seen, __u64 next, __u64 interval,
					__u64 tolerance, __u64 now)
{
	int i;

	for (i = 0; i < CAS_TRIES; i++) {
		__u64 cur = __sync_val_compare_and_swap(tat, seen, next);

		if (cur == seen)
			return 1;
		seen = cur;
		next = meter_next(seen, interval, tolerance, now);
		if (!next)
			return 0;
	}
	return 0;
}

static __always_inline void count_lost_event(void)
{
	__u32 slot = GUARD_SLOT_EVENTS_LOST;
	struct guard_counter *c = bpf_map_lookup_elem(&xg_counters, &slot);

	if (c)
		c->packets++;
}

static __always_inline void emit_event(struct guard_config *cfg, struct guard_event *ev)
{
	__u64 interval = cfg->events.interval_ns ?: EVENTS_INTERVAL_DEFAULT_NS;
	__u64 tolerance = cfg->events.interval_ns ? cfg->events.tolerance_ns :
			  EVENTS_TOLERANCE_DEFAULT_NS;

	/* Events have their own rate limit, so a flood cannot flood the
	 * reader; what is held back is counted as lost. */
	if (!meter_shared(&cfg->events_tat, interval, tolerance, ev->time_ns) ||
	    bpf_ringbuf_output(&xg_events, ev, sizeof(*ev), 0))
		count_lost_event();
}

/* The rule index's answer (guard_maps.h); with it, no hash lookup. */
static __always_inline struct guard_rule *find_rule_indexed(struct packet *pkt, __u8 proto,
							    struct guard_rule_key *key)
{
	struct guard_rule_index *ix;
	struct guard_rule_entry *e;
	__u32 zero = 0, entry;

	ix = bpf_map_lookup_elem(&xg_rule_index, &zero);
	if (!ix)
		return NULL;
	if (pkt->has_l4 && proto == IPPROTO_TCP)
		entry = ix->tcp[index16(pkt->dport)];
	else if (pkt->has_l4 && proto == IPPROTO_UDP)
		entry = ix->udp[index16(pkt->dport)];
	else
		entry = ix->proto[proto];
	if (!entry)
		return NULL;
	entry -= 1;
	e = bpf_map_lookup_elem(&xg_rule_entries, &entry);
	if (!e)
		return NULL;
	*key = e->key;
	return &e->rule;
}

static __always_inline struct guard_rule *find_rule(struct packet *pkt, __u32 flags,
						    struct guard_rule_key *key)
{
	struct guard_rule *rule;
	__u8 proto = pkt->l4_proto;

	if (proto == IPPROTO_ICMPV6)
		proto = IPPROTO_ICMP;	/* one "icmp" rule for both families */
	if (flags & GUARD_RULE_INDEX)
		return find_rule_indexed(pkt, proto, key);
	key->pad = 0;
	if (pkt->has_l4 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		key->port = pkt->dport;
		key->proto = proto;
		rule = bpf_map_lookup_elem(&xg_rules, key);
		if (rule)
			return rule;
	}
	key->port = 0;
	key->proto = proto;
	rule = bpf_map_lookup_elem(&xg_rules, key);
	if (rule)
		return rule;
	key->proto = 0;
	return bpf_map_lookup_elem(&xg_rules, key);
}

/* The mask of word i (bytes 4i..4i+3, in memory order) of a /plen. */
static __always_inline __u32 prefix_word_mask(__u32 plen, int i)
{
	int keep = (int)plen - i * 32;

	if (keep >= 32)
		return 0xffffffff;
	if (keep <= 0)
		return 0;
	return bpf_htonl(0xffffffffU << (32 - keep));
}

/* The last word of a source's key: its family, then padding. */
static __always_inline __u32 key_tail(__u8 family)
{
	struct {
		__u8 family, pad[3];
	} tail = { .family = family };
	__u32 w;

	_Static_assert(sizeof(tail) == 4, "one word");
	__builtin_memcpy(&w, &tail, 4);
	return w;
}

/* The prefix an IPv6 source is tracked by (an IPv4 source: its /32). */
static __always_inline __u32 v6_source_prefix(const struct guard_config *cfg)
{
	__u32 plen = cfg->v6_prefix_len ?: GUARD_V6_PREFIX_DEFAULT;

	return plen > 128 ? 128 : plen;
}

/* The prefix length a source's key stands for, from the key: worked out
 * where a ban or an event needs it, rather than carried through the meters
 * beside the key (the verifier would follow each value it can take). */
static __always_inline __u8 source_prefix(const struct guard_config *cfg,
					  const struct guard_source_key *key)
{
	return key->family == 4 ? 32 : v6_source_prefix(cfg);
}

/*
 * A source's key, written a word at a time: guard_mark_slot() reads it
 * back in words, and a word read of bytes just stored one by one waits
 * for them.  key must be 4-byte aligned.
 */
static __always_inline void source_key(struct packet *pkt, struct guard_config *cfg,
				       const struct guard_rule_key *rule,
				       struct guard_source_key *key)
{
	__u32 *w = (__u32 *)key;

	_Static_assert(sizeof(*key) == 6 * 4 && sizeof(*rule) == 4, "the key's words");
	__builtin_memcpy(&w[4], rule, 4);
	w[5] = key_tail(pkt->l3_proto == ETH_P_IP ? 4 : 6);
	if (pkt->l3_proto == ETH_P_IP) {
		w[0] = pkt->saddr4;
		w[1] = w[2] = w[3] = 0;
	} else {
		__u32 plen = v6_source_prefix(cfg);
		__u32 a[4];
		int i;

		__builtin_memcpy(a, &pkt->saddr6, 16);
		/* Clear the bits past the prefix: one key per /plen. */
#pragma unroll
		for (i = 0; i < 4; i++)
			w[i] = a[i] & prefix_word_mask(plen, i);
	}
}

static __always_inline void ban_source(struct guard_config *cfg, struct guard_rule *rule,
				       struct guard_source_key *key, __u8 prefix_len,
				       __u64 now)
{
	struct guard_entry entry = {
		.expires_ns = now + rule->ban_for_ns,
		.origin = GUARD_ORIGIN_AUTOBAN,
		.rule_port = key->rule.port,
		.rule_proto = key->rule.proto,
		.prefix_len = prefix_len,
	};
	struct guard_event ev = {
		.time_ns = now,
		.ban_ns = rule->ban_for_ns,
		.type = GUARD_EVENT_BAN,
		.reason = GUARD_REASON_BAN,
		.source = *key,
		.prefix_len = prefix_len,
	};

	if (key->family == 4) {
		struct guard_cells_v4 *cells;
		__u32 zero = 0;

		/* While a rule may ban, user space gives every cell the host
		 * bit, and the program ignores the index's; this covers the
		 * moment after the rule came in and before that.  The /24 no
		 * longer holds one address alone. */
		struct guard_dir_v4 *dir;
		__u32 chunk = key->addr[0];

		cells = bpf_map_lookup_elem(&xg_cells_v4, &zero);
		if (cells)
			cells->cell[index16(key->addr[0] << 8 | key->addr[1])] |= GUARD_CELL_HOST;
		dir = bpf_map_lookup_elem(&xg_dir_v4, &chunk);
		if (dir) {
			__u16 *c = &dir->cell[index16(key->addr[1] << 8 | key->addr[2])];

			*c = GUARD_DIR_HOST | (*c & ~GUARD_DIR_LONE);
		}
		bpf_map_update_elem(&xg_block_v4, key->addr, &entry, BPF_ANY);
	} else {
		struct guard_dir_v6 mark = {
			.flags = prefix_len == 128 ? GUARD_DIR_HOST : GUARD_DIR_DEEP,
		};
		struct guard_dir_v6 *d;
		__u32 slash32;

		/* User space stops using the IPv6 index while a rule may ban;
		 * this covers the moment after the rule came in, before that
		 * (only the first /32 of a ban set shorter than /32). */
		__builtin_memcpy(&slash32, key->addr, 4);
		d = bpf_map_lookup_elem(&xg_dir_v6, &slash32);
		if (d)
			d->flags |= mark.flags;
		else
			bpf_map_update_elem(&xg_dir_v6, &slash32, &mark, BPF_NOEXIST);
		if (prefix_len == 128) {
			bpf_map_update_elem(&xg_block_v6, key->addr, &entry, BPF_ANY);
		} else {
			struct guard_lpm_v6 lpm = { .prefixlen = prefix_len };

			__builtin_memcpy(lpm.addr, key->addr, 16);
			bpf_map_update_elem(&xg_blknet_v6, &lpm, &entry, BPF_ANY);
		}
	}
	emit_event(cfg, &ev);
}

/* May an event go out, the last one having gone at last_ns (0: never)?
 * "Never" must not depend on the uptime being longer than the window.
 * Signed: now may be the coarse clock, a little behind a last_ns read
 * from the fine one. */
static __always_inline int window_open(struct guard_config *cfg, __u64 last_ns, __u64 now)
{
	return !last_ns ||
	       (__s64)(now - last_ns) >= (__s64)(cfg->event_window_ns ?: GUARD_EVENT_WINDOW_NS_DEFAULT);
}

/* A known source went over one of its meters. */
static __always_inline int source_over(struct guard_config *cfg, struct guard_rule *rule,
				       struct guard_source *src, struct guard_source_key *key,
				       __u32 reason, __u64 now)
{
	__u8 prefix_len = source_prefix(cfg, key);

	/* Signed: now may be the coarse clock, a little behind times written
	 * from the fine one (meters_on_tick()). */
	if (!src->over_since_ns || (__s64)(now - src->last_drop_ns) > (__s64)OVER_GAP_NS)
		src->over_since_ns = now;
	src->last_drop_ns = now;

	if ((rule->flags & GUARD_RULE_BAN) &&
	    (__s64)(now - src->over_since_ns) >= (__s64)rule->ban_after_ns) {
		src->over_since_ns = 0;
		ban_source(cfg, rule, key, prefix_len, now);
	} else if (window_open(cfg, src->last_event_ns, now)) {
		struct guard_event ev = {
			/* The fine clock, even for meters on the coarse one:
			 * rare, and what the monitor shows. */
			.time_ns = bpf_ktime_get_ns(),
			.type = GUARD_EVENT_DROP,
			.reason = reason,
			.source = *key,
			.prefix_len = prefix_len,
		};

		src->last_event_ns = now;
		emit_event(cfg, &ev);
	}
	return reason;
}

static __always_inline int budget_over(struct guard_config *cfg, struct guard_rule_state *rs,
				       const struct guard_rule_key *rkey, __u64 now)
{
	/* Like a source's run of drops (source_over), but written at most
	 * once a millisecond: every CPU shares this line.  now may be the
	 * coarse clock: compared signed, as in window_open(), and what is
	 * written (rarely) comes from the fine one, since sources' first
	 * sight is compared with it. */
	__s64 since = (__s64)(now - rs->last_over_ns);

	if (since > (__s64)NS_PER_MSEC) {
		__u64 fine = bpf_ktime_get_ns();

		if (since > (__s64)OVER_GAP_NS)
			rs->over_since_ns = fine;
		rs->last_over_ns = fine;
	}
	if (window_open(cfg, rs->last_event_ns, now)) {
		struct guard_event ev = {
			.time_ns = bpf_ktime_get_ns(),
			.type = GUARD_EVENT_BUDGET,
			.reason = GUARD_REASON_BUDGET,
		};

		rs->last_event_ns = ev.time_ns;
		ev.source.rule = *rkey;
		emit_event(cfg, &ev);
	}
	return GUARD_REASON_BUDGET;
}

/*
 * Is the budget spent beyond a tolerance?  Beyond the whole of it, even an
 * established source would be refused; beyond half, a new one would.
 * Either way the packet can go before its source is looked up, which is
 * most of the cost of a random-source flood.  A plain read; the CAS comes
 * later for packets that may pass.
 */
static __always_inline int budget_spent(__u64 tat, __u64 tolerance, __u64 now)
{
	return tat > now && tat - now > tolerance;
}

static __always_inline int marked_in(struct guard_marks *marks, __u32 slot, __u8 cur)
{
	__u8 seen = marks->epoch[slot & (GUARD_MARK_SLOTS - 1)];

	return seen && (seen == cur || seen == (cur == 1 ? 255 : cur - 1));
}

static __always_inline int marked(struct guard_marks *marks, __u32 slot, __u64 now)
{
	return marked_in(marks, slot, guard_mark_epoch(now));
}

/* Written only when the epoch moved on: every CPU reads these lines. */
static __always_inline void mark(struct guard_marks *marks, __u32 slot, __u64 now)
{
	__u8 cur = guard_mark_epoch(now);
	__u8 *seen = &marks->epoch[slot & (GUARD_MARK_SLOTS - 1)];

	if (*seen != cur)
		*seen = cur;
}

/*
 * May the source's own meters run on the coarse clock?  Only if each
 * enabled one lets COARSE_SLACK_NS' worth of packets through at once: a
 * meter whose clock stands still for a tick or two and then jumps admits
 * its rate exactly when its tolerance covers the jump, and only one packet
 * a tick when it does not (a high rate with a burst of 1).  With the default
 * burst, a fifth of a second, it does; a flood from a few sources is then
 * refused without the fine clock, the largest cost of its packets.  Not
 * with auto-ban, whose time over the limit and ban deadline keep the fine
 * clock's precision; such a flood goes to the blocklist soon enough.
 */
static __always_inline int meters_on_tick(const struct guard_rule *rule)
{
	return !(rule->flags & GUARD_RULE_BAN) &&
	       (!rule->pkt.interval_ns || rule->pkt.tolerance_ns >= COARSE_SLACK_NS) &&
	       (!(rule->flags & GUARD_RULE_BYTES) || rule->bytes.tolerance_ns >= COARSE_SLACK_NS) &&
	       (!(rule->flags & GUARD_RULE_SYN) || rule->syn.tolerance_ns >= COARSE_SLACK_NS);
}

/*
 * May the budgets hold established sources on the coarse clock too?  New
 * sources are held to their half on it throughout (step 0); an
 * established one may use the whole tolerance, which must then cover the
 * clock's jump, as for the source's own meters (meters_on_tick()).
 */
static __always_inline int budgets_on_tick(const struct guard_rule *rule)
{
	return (!(rule->flags & GUARD_RULE_BUDGET) ||
		rule->budget.tolerance_ns >= COARSE_SLACK_NS) &&
	       (!(rule->flags & GUARD_RULE_BUDGET_SYN) ||
		rule->budget_syn.tolerance_ns >= COARSE_SLACK_NS);
}

/* The stamp of a gate (struct guard_gate): a jiffy and a config. */
static __always_inline __u64 gate_stamp(__u64 jiffies, __u32 cfg_bits)
{
	return jiffies << 16 | guard_config_gen(cfg_bits);
}

/*
 * A packet found its rule's budget spent beyond what a new source may use,
 * on the coarse clock of the given jiffy: leave that answer for the rest
 * of the jiffy, to packets of the same protocol and destination port.
 * Only for IPv4 TCP and UDP, the only packets budget_gate() judges: there
 * the rule is told by the two alone.  cfg_bits: the config as read before
 * the rule was, so that a change after that read makes the gate stale.
 */
static __noinline void gate_arm(const struct packet *pkt, __u32 cfg_bits, __u64 jiffies,
				     __u32 rule_word, __u64 coarse)
{
	struct guard_gate next = {
		.rule_word = rule_word,
		.dport = bpf_htons(pkt->dport),
		.proto = pkt->l4_proto,
		.epoch = guard_mark_epoch(coarse),
	};
	__u32 slot = GUARD_SLOT_GATE;
	struct guard_gate *gate;

	_Static_assert(sizeof(struct guard_gate) == sizeof(struct guard_counter),
		       "the gate lives in a counter slot");
	if (!jiffies || pkt->l3_proto != ETH_P_IP || !pkt->has_l4 ||
	    (pkt->l4_proto != IPPROTO_TCP && pkt->l4_proto != IPPROTO_UDP))
		return;
	gate = bpf_map_lookup_elem(&xg_counters, &slot);
	if (!gate)
		return;
	/* The answer, then the stamp that makes it count (struct
	 * guard_gate). */
	gate->all = next.all;
	asm volatile("" ::: "memory");
	gate->stamp = gate_stamp(jiffies, cfg_bits);
}

/*
 * The budget's drop through its gate, for an IPv4 packet whose source is
 * on no list (struct guard_gate): GUARD_REASON_BUDGET, or 0 to take the
 * full path.  What the full path would answer: its header checks, for a
 * header without options (parse_ipv4(), parse_l4()); its rule, told by the
 * protocol and port; the budget, spent beyond a new source's share all
 * through the jiffy; and the mark, read here.  Skipped: a run of drops'
 * bookkeeping (budget_over()), which the drop that armed the gate did and
 * the first of the next jiffy does again; the events it holds back are
 * late by a tick.
 */
static __always_inline __u32 budget_gate(struct xdp_md *ctx, __u32 off, __u32 cfg_bits)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 slot = GUARD_SLOT_GATE, zero = 0, l4_off, mslot;
	struct guard_gate *gate, held;
	struct guard_marks *marks;
	struct udphdr *ports;
	struct iphdr *iph;

	gate = bpf_map_lookup_elem(&xg_counters, &slot);
	if (!gate || gate->stamp != gate_stamp(bpf_jiffies64(), cfg_bits))
		return 0;
	asm volatile("" ::: "memory");
	held.all = *(volatile __u64 *)&gate->all;
	iph = ipv4_header(data, data_end, off);
	if (!iph || *(__u8 *)iph != 0x45 || iph->protocol != held.proto ||
	    (iph->frag_off & bpf_htons(0x1FFF)))
		return 0;
	l4_off = off + sizeof(*iph);
	if (!transport_header_ok(data, data_end, l4_off, off + bpf_ntohs(iph->tot_len),
				 iph->protocol))
		return 0;
	/* TCP's ports sit where UDP's do. */
	ports = (void *)(iph + 1);
	if (ports->dest != held.dport)
		return 0;
	mslot = guard_mark_mix(iph->saddr, 0, 0, 0, held.rule_word, key_tail(4));
	marks = bpf_map_lookup_elem(&xg_marks, &zero);
	if (!marks || marked_in(marks, mslot, held.epoch))
		return 0;
	return GUARD_REASON_BUDGET;
}

/*
 * The rate-limit verdict: GUARD_REASON_PASS, or the reason to drop.
 */

static __always_inline int rate_limit(struct packet *pkt, struct guard_config *cfg)
{
	struct guard_source_key skey __attribute__((aligned(8)));
	struct guard_rule_key rkey;
	struct guard_rule_state *rs;
	struct guard_marks *marks;
	struct guard_source *src;
	struct guard_rule *rule;
	__u64 now, coarse, jiffies, mnow, cost, pkt_tat, bytes_tat, syn_tat;
	__u64 seen_pkt = 0;
	__u32 slot, zero = 0, mslot, rword = 0, cfg_bits = cfg->skip_lists;
	int is_syn, established, new_refused = 0, quiet = 0, before_drops = 0, on_tick;
	int gate = 0;

	if (!cfg->rule_count)
		return GUARD_REASON_PASS;
	/* IPv6 neighbour discovery (router and neighbour solicitations and
	 * advertisements, redirects) is never limited: like ARP for IPv4, the
	 * host cannot reach its link without it, and it comes from neighbours
	 * that share fe80::/64, so one limit would hold them all.  Only with
	 * the hop limit of 255 that RFC 4861 requires of it, which no router
	 * forwards: the host would drop any other as invalid, and a remote
	 * sender would otherwise have a way past every rule.  Protocol 58
	 * over IPv4 is no such thing. */
	if (pkt->l3_proto == ETH_P_IPV6 && pkt->l4_proto == IPPROTO_ICMPV6 && pkt->has_l4 &&
	    pkt->icmp_type >= 133 && pkt->icmp_type <= 137 && pkt->hop_limit == 255)
		return GUARD_REASON_PASS;
	rule = find_rule(pkt, cfg_bits, &rkey);
	if (!rule)
		return GUARD_REASON_PASS;

	/*
	 * The early drops read the coarse clock (the last tick), which costs
	 * far less than the fine one in a flood where most packets go no
	 * further.  It is behind by up to two ticks (clock.h).  Beyond the
	 * whole tolerance a slack makes up for that, so the drop is exact.
	 * New sources are held to their half on the coarse clock throughout
	 * (step 2 too), so the early drop and the full check agree to the
	 * packet; the budget's rate is the same on either clock.
	 */
	coarse = coarse_now(&jiffies);
	is_syn = (pkt->tcp_flags & (TCP_FLAG_SYN_BIT | TCP_FLAG_ACK_BIT)) == TCP_FLAG_SYN_BIT;
	slot = rule->slot;
	rs = bpf_map_lookup_elem(&xg_rule_state, &slot);
	__builtin_memcpy(&rword, &rkey, 4);
	if (rs && (rule->flags & GUARD_RULE_BUDGET)) {
		/* Spent beyond a new source's share on this jiffy's clock:
		 * so it stays until the next (guard_gate). */
		gate = new_refused = budget_spent(rs->budget_tat, rule->budget.tolerance_ns / 2,
						  coarse);
		if (budget_spent(rs->budget_tat, rule->budget.tolerance_ns + COARSE_SLACK_NS, coarse)) {
			gate_arm(pkt, cfg_bits, jiffies, rword, coarse);
			return budget_over(cfg, rs, &rkey, coarse);
		}
	}
	if (rs && is_syn && (rule->flags & GUARD_RULE_BUDGET_SYN)) {
		if (budget_spent(rs->budget_syn_tat, rule->budget_syn.tolerance_ns + COARSE_SLACK_NS,
				 coarse))
			return budget_over(cfg, rs, &rkey, coarse);
		new_refused |= budget_spent(rs->budget_syn_tat,
					    rule->budget_syn.tolerance_ns / 2, coarse);
	}
	/* An IPv4 source's mark slot straight from its address: the key
	 * (guard_mark_slot()) is written out only for a packet that gets
	 * past the early drop, which most of a spoofed flood does not. */
	if (pkt->l3_proto == ETH_P_IP) {
		mslot = guard_mark_mix(pkt->saddr4, 0, 0, 0, rword, key_tail(4));
	} else {
		source_key(pkt, cfg, &rkey, &skey);
		mslot = guard_mark_slot(&skey);
	}
	marks = bpf_map_lookup_elem(&xg_marks, &zero);
	/* Only an established source could pass now, and this one has not
	 * been seen established lately. */
	if (rs && new_refused && marks && !marked(marks, mslot, coarse)) {
		if (gate)
			gate_arm(pkt, cfg_bits, jiffies, rword, coarse);
		return budget_over(cfg, rs, &rkey, coarse);
	}
	if (pkt->l3_proto == ETH_P_IP)
		source_key(pkt, cfg, &rkey, &skey);
	src = bpf_map_lookup_elem(&xg_sources, &skey);

	/* 1. The source's own meters: all must conform, then all move.  On
	 * the coarse clock if they may (meters_on_tick()): a packet they
	 * refuse then never reads the fine one. */
	on_tick = meters_on_tick(rule);
	mnow = on_tick ? coarse : bpf_ktime_get_ns();
	cost = ((__u64)pkt->len * rule->bytes.interval_ns) >> 16;
	if (src) {
		pkt_tat = seen_pkt = src->pkt_tat;
		bytes_tat = src->bytes_tat;
		syn_tat = src->syn_tat;
		if (rule->pkt.interval_ns) {
			pkt_tat = meter_next(pkt_tat, rule->pkt.interval_ns,
					     rule->pkt.tolerance_ns, mnow);
			if (!pkt_tat)
				return source_over(cfg, rule, src, &skey,
						   GUARD_REASON_RATE, mnow);
		}
		if (rule->flags & GUARD_RULE_BYTES) {
			bytes_tat = meter_next(bytes_tat, cost, rule->bytes.tolerance_ns, mnow);
			if (!bytes_tat)
				return source_over(cfg, rule, src, &skey,
						   GUARD_REASON_RATE, mnow);
		}
		if (is_syn && (rule->flags & GUARD_RULE_SYN)) {
			syn_tat = meter_next(syn_tat, rule->syn.interval_ns,
					     rule->syn.tolerance_ns, mnow);
			if (!syn_tat)
				return source_over(cfg, rule, src, &skey,
						   GUARD_REASON_SYN_RATE, mnow);
		}
	}
	/* Steps 2 and 3 on the coarse clock too, if they may
	 * (budgets_on_tick()): on a VM the fine clock costs a passing packet
	 * more than the rest of its bookkeeping.  Otherwise read again even
	 * if mnow came from it: a second read on the path of passing packets
	 * under short bursts costs less than the verifier's work on two
	 * copies of step 1 kept apart by a flag.  Either way, times compared
	 * with now are compared signed: some were written from the other
	 * clock. */
	now = on_tick && budgets_on_tick(rule) ? coarse : bpf_ktime_get_ns();

	/* 2. The budget for the rule as a whole. */
	if (rs && (rule->flags & (GUARD_RULE_BUDGET | GUARD_RULE_BUDGET_SYN))) {
		__u64 age_needed = cfg->established_ns ?: GUARD_ESTABLISHED_NS_DEFAULT;

		/* Established: old enough, and there before the current run
		 * of budget drops began.  Sources of a spoofed flood that got
		 * through the half burst grow old too, but never that. */
		quiet = (__s64)(now - rs->last_over_ns) > (__s64)OVER_GAP_NS;
		before_drops = quiet || (src && src->first_seen_ns < rs->over_since_ns);
		established = src && (__s64)(now - src->first_seen_ns) >= (__s64)age_needed &&
			      before_drops;
		/* SYNs first: a SYN flood the SYN budget holds back must not
		 * also spend the packet budget that every client shares. */
		if (is_syn && (rule->flags & GUARD_RULE_BUDGET_SYN) &&
		    !budget_charge(&rs->budget_syn_tat, rule->budget_syn.interval_ns,
				  established ? rule->budget_syn.tolerance_ns :
						rule->budget_syn.tolerance_ns / 2,
				  established ? now : coarse))
			return budget_over(cfg, rs, &rkey, now);
		if ((rule->flags & GUARD_RULE_BUDGET) &&
		    !budget_charge(&rs->budget_tat, rule->budget.interval_ns,
				  established ? rule->budget.tolerance_ns :
						rule->budget.tolerance_ns / 2,
				  established ? now : coarse))
			return budget_over(cfg, rs, &rkey, now);
	}

	/* 3. Conforming: commit the meters, or start tracking the source.
	 * The packet meter of a source near its limit moves with compare-and-
	 * swap (meter_commit()).  Elsewhere a lost charge would not have
	 * refused anything, and a locked instruction on every passing packet
	 * would cost more than the rest of the meters; the byte and SYN
	 * meters, rarely the ones a flood runs into, take plain writes. */
	if (src && rule->pkt.interval_ns && pkt_tat - mnow > rule->pkt.tolerance_ns / 2) {
		/* Refused here only for losing a race: the source's next
		 * packets go over in step 1, which does the bookkeeping. */
		if (!meter_commit(&src->pkt_tat, seen_pkt, pkt_tat, rule->pkt.interval_ns,
				  rule->pkt.tolerance_ns, mnow))
			return GUARD_REASON_RATE;
	} else if (src) {
		src->pkt_tat = pkt_tat;
	}
	if (src) {
		src->bytes_tat = bytes_tat;
		src->syn_tat = syn_tat;
	}
	/* A tracked source that passes while the budget is quiet is marked:
	 * it is, or may grow, established, and the early drop must let it
	 * through to be asked.  Not on its first packet: the first burst of
	 * a spoofed flood passes while the budget is still quiet, and its
	 * sources, each seen once, would fill the marks.  Nor when its last
	 * packet passed long ago: a flood that pauses and comes back finds
	 * the budget quiet, and its sources tracked from before.  Nor during
	 * a run of drops, although those sources were seen before it: each
	 * mark they got would send its share of the flood to the lookup that
	 * the early drop exists to avoid.  A source marked before the run
	 * keeps its mark current through it. */
	if (src && marks &&
	    (quiet ? (__s64)(now - src->last_pass_ns) <= (__s64)OVER_GAP_NS :
		     before_drops && marked(marks, mslot, now)))
		mark(marks, mslot, now);
	if (src) {
		src->last_pass_ns = now;
	} else {
		struct guard_source fresh = {
			/* The fine clock, whichever now is: first sight is
			 * compared with the start of the budget's run of
			 * drops, which is taken from it (budget_over()).  A
			 * new source is rare next to the packets of a known
			 * one. */
			.first_seen_ns = bpf_ktime_get_ns(),
			.last_pass_ns = now,
			.pkt_tat = mnow + rule->pkt.interval_ns,
			.bytes_tat = mnow + cost,
			.syn_tat = is_syn ? mnow + rule->syn.interval_ns : 0,
		};

		/* Fails only if another CPU raced us to it, or memory is
		 * short: either way the packet passes (fail open). */
		bpf_map_update_elem(&xg_sources, &skey, &fresh, BPF_NOEXIST);
	}
	return GUARD_REASON_PASS;
}

#endif /* XDP_GUARD_RATELIMIT_H */
