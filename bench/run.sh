#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The xdp-guard benchmark (issue 5): run by `make bench` (or `make -C bench
# run`).  Prints a Markdown table on stdout and writes the same data as JSON
# to $OUT.  Progress goes to stderr.  QUICK=1 runs a short version;
# SECTIONS="1 3" runs only some sections.
#
# Sections:
#   1. per-packet cost through BPF_PROG_TEST_RUN (pktcost)
#   2. live traffic on a veth pair (trafficgen), 64-byte frames
#   3. scale: blocklists of 10 to 1M entries (mklist, xdp-guard block --file)
#   4. goodput of an HTTP server under floods (httpd, wrk, trafficgen)
#
# Every figure is a median over several runs, and every ratio is against a
# baseline measured in the same invocation.  Runs of different receivers
# are interleaved round by round, so that a busy moment of a shared machine
# does not land on one of them only.
#
# Nothing here leaves the machine: all traffic runs between network
# namespaces of our own, among 10.99.0.0/16, 10.100.0.0/15, 10.104.0.0/15
# and fd00:99::/64 (test_run only).  All
# state lives in a private bpffs mounted under a temporary folder; the
# namespaces, programs, pins, processes and that folder go away on exit,
# including on Ctrl-C.
#
# This is a benchmark, not a test: it reports, it does not judge.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
GUARD="$TOP/guard-loader/xdp-guard"
GUARD_OBJ="$TOP/guard-bpf/xdp_guard.bpf.o"
XDPFILT_DIR=${XDPFILT_DIR:-/usr/lib/x86_64-linux-gnu/bpf}
OUT=${OUT:-$HERE/results.json}
QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
SECTIONS=${SECTIONS:-1 2 3 4}		# a subset, e.g. SECTIONS="1 3"

if [ -n "$QUICK" ]; then
	TR_SETS=3 TR_RUNS=11 TR_REPEAT=100000	# test_run: sets, runs per case in each, packets per run
	LIVE_ROUNDS=1 LIVE_SECS=0.5		# live: rounds, seconds per sample
	SCALE_SIZES="10 10000 100000 1000000" LOAD_REPS=1
	GP_ROUNDS=1 GP_SECS=2			# goodput: rounds, wrk seconds
else
	# Many short runs in sets: the median of all of them, and the
	# median of each set's fastest (pktcost.c says why both).
	TR_SETS=5 TR_RUNS=25 TR_REPEAT=200000
	# Many short samples rather than a few long ones: on a shared
	# machine the rate of one receiver swings by half from one
	# half-second to the next, and a median of nine resists that
	# better than a median of five.
	LIVE_ROUNDS=9 LIVE_SECS=0.5
	SCALE_SIZES="10 10000 100000 1000000" LOAD_REPS=3
	GP_ROUNDS=3 GP_SECS=2
fi

# Addresses, all inside our namespaces.
TX_IP=10.99.0.1 RX_IP=10.99.0.2			# live: sender, receiver
TX_MAC=02:58:47:00:00:01 RX_MAC=02:58:47:00:00:02
ATTACKER=10.99.0.66				# live: the blocked source
LEGIT=$TX_IP					# live: a source on no list
FLOOD_BASE=10.100.0.0 FLOOD_SOURCES=131072	# random sources, on no list
FLOODNET_BASE=10.104.0.0 FLOODNET=10.104.0.0/15	# random sources, in a blocked prefix
CL_IP=10.99.1.1 SRV_IP=10.99.1.2		# goodput: client, server
CL_MAC=02:58:47:00:01:01 SRV_MAC=02:58:47:00:01:02
ATT_IP=10.99.2.1 SRVA_IP=10.99.2.2		# goodput: the attacker's link
ATT_MAC=02:58:47:00:02:01 SRVA_MAC=02:58:47:00:02:02
GP_ATTACKER=10.99.2.66
V6_ATTACKER=fd00:99::66 V6_LEGIT=fd00:99::1 V6_DST=fd00:99::2
# Goodput: the server's CPU, and the CPU that stands for the outside world
# (client and attacker); see section 4.
SERVER_CPU=0 ATTACK_CPU=1
SERVER_WORK_US=100				# CPU per request of the server
# The generator, like any sender on this machine, is as fast as the fastest
# receiver, so a full-rate flood saturates the server's CPU whatever the
# filter.  A second flood at a fixed rate shows what each filter leaves
# of the server when it can keep up: 1 Mpps of 64-byte frames is about
# 0.7 Gbit/s on the wire.  It arrives in groups of 64 frames, as from a
# NIC that coalesces interrupts.
PACED_PPS=1000000
# A rate-limit rule for the rows that wait for issue 4: per source well
# above the legitimate rate, and a budget for all sources together far
# below a flood.
# least_rl.bpf.c has the same port compiled in (LEAST_RL_PORT).
RL_MATCH=9000/udp RL_PPS=1000 RL_BUDGET=100000
# The same flood against the same rule with a budget that admits none of
# it: the drop path alone, for xdp-guard and the least rate limiter
# (least_rl_closed.bpf.o is built with this budget).
RL_CLOSED_BUDGET=1
# Live legitimate traffic goes to an endpoint of its own, whose rule (in
# the same state as RL_MATCH's) it stays far under, budget included: the
# whole pipeline, meters and counters, without a drop.
LEGIT_PORT=8000 LEGIT_MATCH=8000/udp LEGIT_LIMIT=1000000000

TAG="xgb$$"
NS_TX="$TAG-tx" NS_RX="$TAG-rx" NS_CL="$TAG-cl" NS_ATT="$TAG-att" NS_SRV="$TAG-srv"
LOG_TAG=bench
# shellcheck source=lib.sh
. "$HERE/lib.sh"

# ---- results ---------------------------------------------------------
#
# One TSV line per row: section, id, label, value, unit, baseline ids
# (comma-separated), samples (comma-separated), note, and for test_run
# rows the fastest runs' figure (pktcost.c).  An empty value is "n/a"; the
# note says why.  report() turns the file into JSON and Markdown.

RESULTS=

record() {
	local IFS=$'\t'
	printf '%s\n' "$*" >>"$RESULTS"
}

# Median of the numbers given as arguments; nothing if none.
median() {
	[ $# -gt 0 ] || return 0
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

median_or_unknown() { if [ $# -gt 0 ]; then median "$@"; else echo '?'; fi; }

join_by() { local IFS="$1"; shift; printf '%s' "$*"; }

# ---- setup -------------------------------------------------------------

check_prereqs() {
	local t
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: needs root (network namespaces, XDP, bpffs)" >&2
		exit 1
	fi
	for t in ip ethtool jq bpftool taskset chrt pgrep; do
		if ! have "$t"; then
			echo "bench: $t is missing (make deps installs it)" >&2
			exit 1
		fi
	done
	for t in "$GUARD" "$GUARD_OBJ" "$HERE/pktcost" "$HERE/trafficgen"; do
		if [ ! -e "$t" ]; then
			echo "bench: $t is missing: run make first" >&2
			exit 1
		fi
	done
}

setup_work() {
	work_setup bench
	RESULTS="$WORK/results.tsv"
	: >"$RESULTS"
}

# ---- receivers on a veth -------------------------------------------------
#
# Each attaches one filter to DEV in NS; detach_all removes whatever is
# there.  xdp-guard state is made once (new_guard_state, then the lists)
# and reused by every round: `xdp-guard unload` keeps the pinned maps.

attach_bare() { # NS DEV OBJECT [xdpattach options]
	local ns=$1 dev=$2 obj=$3
	shift 3
	ip netns exec "$ns" "$HERE/xdpattach" "$@" "$dev" "$HERE/$obj"
}

attach_guard() { # NS PIN DEV...
	local ns=$1 pin=$2
	shift 2
	ip netns exec "$ns" "$GUARD" load -p "$pin" "$@" >/dev/null
}

attach_xdpfilter() { # NS DEV ATTACKER
	ip netns exec "$1" xdp-filter load -p allow -f ipv4,ipv6 "$2" >/dev/null &&
		ip netns exec "$1" xdp-filter ip "$3" -m src >/dev/null
}

attach_nft() { # NS DEV ATTACKER
	ip netns exec "$1" nft -f - <<-EOF
	table netdev xgbench {
		chain ingress {
			type filter hook ingress device "$2" priority -500; policy accept;
			ip saddr $3 drop
		}
	}
	EOF
}

detach_all() { # NS PIN|"" DEV...
	local ns=$1 pin=$2 dev
	shift 2
	if [ -n "$pin" ]; then
		ip netns exec "$ns" "$GUARD" unload -p "$pin" "$@" >/dev/null 2>&1
	fi
	ip netns exec "$ns" nft delete table netdev xgbench 2>/dev/null
	for dev in "$@"; do
		ip netns exec "$ns" xdp-filter unload "$dev" >/dev/null 2>&1
		ip netns exec "$ns" "$HERE/xdpattach" "$dev" off 2>/dev/null
	done
	return 0
}

# Create xdp-guard state at PIN without attaching it: pktcost loads the
# object with PIN as its pin root, which pins the maps there.
new_guard_state() { # PIN
	"$HERE/pktcost" --load-only --prog "g=$GUARD_OBJ,pin=$1"
}

# A rate-limit rule, set as an operator would.
guard_limit() { # PIN MATCH PPS [BUDGET]
	"$GUARD" limit -p "$1" "$2" --pps "$3" ${4:+--budget-pps "$4"} >/dev/null
}

guard_block() { # PIN ARGS...
	local pin=$1
	shift
	"$GUARD" block -p "$pin" "$@" >/dev/null
}

# Rate limiting is issue 4.  Its rows are measured when the CLI has the
# `limit` command, and say "n/a (not built)" before.
HAVE_LIMIT=
detect_ratelimit() {
	if "$GUARD" limit --help >/dev/null 2>&1; then
		HAVE_LIMIT=1
		log "rate limiting: present; its rows are measured"
	else
		log "rate limiting: not built (issue 4); its rows say n/a"
	fi
}
# The floor program's rows (sections 1 and 2): what issue 5's targets for
# a blocked source leave room for on this machine.
FLOOR_NOTE="the lower bound for any filter that looks the source up in a hash map (bench/floor.bpf.c: Ethernet, IPv4 bounds, one hash lookup)"
LEAST_NOTE="the lower bound for any filter that finds the source behind a VLAN tag, decides from memory and counts its verdicts (bench/least.bpf.c: Ethernet, one VLAN tag, IPv4 bounds, one inlined array read, one per-CPU counter)"

LEAST_RL_NOTE="the lower bound for any rate limiter that holds a rule to a budget and spares its established sources (bench/least_rl.bpf.c: Ethernet, one VLAN tag, IPv4 and UDP bounds, the rule as one port compare, the coarse clock, the budget's line, one byte of a 64 KiB table of sources, one per-CPU counter; for each packet within the budget, its source's bucket in an LRU hash of 131072)"

RL_NA="n/a (not built): rate limiting is issue 4; this row fills in once xdp-guard has the limit command"

# ---- section 1: per-packet cost (BPF_PROG_TEST_RUN) ------------------

section_testrun() {
	local pin="$BPFFS/s1" pinrl="$BPFFS/s1-rl" extra=() id ns lo hi act kns samples
	local f4="$RX_IP" f6="$V6_DST"
	log "1. per-packet cost through BPF_PROG_TEST_RUN ($TR_SETS sets of $TR_RUNS runs of $TR_REPEAT packets)"
	new_guard_state "$pin" || return
	guard_block "$pin" "$ATTACKER" "$V6_ATTACKER" || return
	if [ -n "$HAVE_LIMIT" ]; then
		# A rule the traffic stays far under: the cost of the meters,
		# not of a drop.
		new_guard_state "$pinrl" && guard_limit "$pinrl" "$RL_MATCH" 1000000000 || return
		extra+=(--prog "grl=$GUARD_OBJ,pin=$pinrl" --case "guard-ratelimit=grl:udp4,$LEGIT,$f4")
	fi
	if [ -e "$XDPFILT_DIR/xdpfilt_alw_ip.o" ]; then
		extra+=(--prog "xf=$XDPFILT_DIR/xdpfilt_alw_ip.o,deny-src=$ATTACKER"
			--prog "xfall=$XDPFILT_DIR/xdpfilt_alw_all.o,deny-src=$ATTACKER"
			--case "xdpfilter-block4=xf:udp4,$ATTACKER,$f4"
			--case "xdpfilter-pass4=xf:udp4,$LEGIT,$f4"
			--case "xdpfilter-all-block4=xfall:udp4,$ATTACKER,$f4")
	else
		log "no xdp-filter objects in $XDPFILT_DIR (xdp-tools): its rows are left out"
	fi
	"$HERE/pktcost" --sets "$TR_SETS" --runs "$TR_RUNS" --repeat "$TR_REPEAT" \
		--prog "drop=$HERE/bare_drop.bpf.o" \
		--prog "pass=$HERE/bare_pass.bpf.o" \
		--prog "floor=$HERE/floor.bpf.o,src-add=$ATTACKER" \
		--prog "least=$HERE/least.bpf.o,src-add=$ATTACKER" \
		--prog "guard=$GUARD_OBJ,pin=$pin" \
		--case "bare-drop=drop:udp4,$ATTACKER,$f4" \
		--case "bare-pass=pass:udp4,$LEGIT,$f4" \
		--case "floor-block4=floor:udp4,$ATTACKER,$f4" \
		--case "least-block4=least:udp4,$ATTACKER,$f4" \
		--case "guard-block4=guard:udp4,$ATTACKER,$f4" \
		--case "guard-pass4=guard:udp4,$LEGIT,$f4" \
		--case "guard-block6=guard:udp6,$V6_ATTACKER,$f6" \
		--case "guard-pass6=guard:udp6,$V6_LEGIT,$f6" \
		--case "guard-vlan4=guard:vlan-udp4,100,$LEGIT,$f4" \
		"${extra[@]}" >"$WORK/s1.tsv" || { log "pktcost failed"; return; }

	declare -A label=(
		[bare-drop]="bare XDP_DROP program"
		[bare-pass]="bare XDP_PASS program"
		[floor-block4]="floor: parse + one hash lookup of the source, hit, drop"
		[least-block4]="least filter: parse + one array read + a counter, hit, drop"
		[guard-block4]="xdp-guard: blocked IPv4 source"
		[guard-pass4]="xdp-guard: passing IPv4 source (on neither list)"
		[guard-block6]="xdp-guard: blocked IPv6 source"
		[guard-pass6]="xdp-guard: passing IPv6 source"
		[guard-vlan4]="xdp-guard: passing IPv4 source, VLAN-tagged"
		[guard-ratelimit]="xdp-guard: passing IPv4 source through a rate-limit rule"
		[xdpfilter-block4]="xdp-filter (ipv4,ipv6 features): source-IP deny rule, matching"
		[xdpfilter-pass4]="xdp-filter (ipv4,ipv6 features): source-IP deny rule, not matching"
		[xdpfilter-all-block4]="xdp-filter (all features, its default): deny rule matching"
	)
	declare -A base=(
		[floor-block4]="bare-drop" [least-block4]="bare-drop"
		[guard-block4]="bare-drop,floor-block4,least-block4,xdpfilter-block4" [guard-block6]="bare-drop"
		[guard-pass4]="bare-pass,xdpfilter-pass4" [guard-pass6]="bare-pass"
		[guard-vlan4]="bare-pass" [guard-ratelimit]="bare-pass,guard-pass4"
		[xdpfilter-block4]="bare-drop" [xdpfilter-pass4]="bare-pass"
		[xdpfilter-all-block4]="bare-drop"
	)
	# What a row means beyond its label, ahead of the figures.
	declare -A why=(
		[floor-block4]="$FLOOR_NOTE; above 1.5x the bare drop, the 1.5x target is out of reach on this machine for any such filter"
		[least-block4]="$LEAST_NOTE; above 1.5x the bare drop, the 1.5x target is out of reach on this machine for any filter"
	)
	while IFS=$'\t' read -r id ns lo hi act kns fast samples; do
		record testrun "$id" "${label[$id]}" "$ns" ns "${base[$id]:-}" "$samples" \
			"${why[$id]:+${why[$id]}; }verdict $act; fastest runs $fast ns; min $lo, max $hi; kernel's own figure ${kns} ns" \
			"$fast"
	done <"$WORK/s1.tsv"
	[ -n "$HAVE_LIMIT" ] || record testrun guard-ratelimit "${label[guard-ratelimit]}" "" ns "" "" "$RL_NA"
}

# ---- section 2: live traffic on veth -------------------------------------

declare -A LIVE LIVELOST

# One sample: send from NS_TX for LIVE_SECS and file the rate under ID.
live_sample() { # ID [trafficgen options]
	local id=$1 out pps
	shift
	out=$(ip netns exec "$NS_TX" "$HERE/trafficgen" --dev tx0 --dst-mac "$RX_MAC" \
		--dst "$RX_IP" --duration "$LIVE_SECS" --runs 1 "$@" 2>/dev/null)
	pps=$(sed -n 's/^pps=\([0-9]*\).*/\1/p' <<<"$out")
	if [ -z "$pps" ]; then
		log "  $id: no rate measured"
		return
	fi
	LIVE[$id]+="${LIVE[$id]:+ }$(awk -v p="$pps" 'BEGIN { printf "%.3f", p / 1e6 }')"
	LIVELOST[$id]+="${LIVELOST[$id]:+ }$(sed -n 's/.* lost=\([0-9.]*\).*/\1/p' <<<"$out")"
}

section_live() {
	local pin="$BPFFS/s2" pinrl="$BPFFS/s2-rl" pinrlc="$BPFFS/s2-rlc" r list="$WORK/list-10000"
	local flood=(--src "$FLOOD_BASE" --sources "$FLOOD_SOURCES")
	local floodnet=(--src "$FLOODNET_BASE" --sources "$FLOOD_SOURCES")
	log "2. live traffic, $LIVE_ROUNDS round(s) of ${LIVE_SECS}s per receiver"
	make_link "$NS_TX" tx0 "$TX_MAC" "$TX_IP" "$NS_RX" rx0 "$RX_MAC" "$RX_IP"

	# The guard carries a realistic 10k-entry list besides the attacker
	# and the prefix the second flood comes from.
	"$HERE/mklist" 10000 >"$list"
	new_guard_state "$pin" || return
	guard_block "$pin" --file "$list" || return
	guard_block "$pin" "$ATTACKER" "$FLOODNET" || return
	if [ -n "$HAVE_LIMIT" ]; then
		new_guard_state "$pinrl" && guard_limit "$pinrl" "$RL_MATCH" "$RL_PPS" "$RL_BUDGET" &&
			guard_limit "$pinrl" "$LEGIT_MATCH" "$LEGIT_LIMIT" "$LEGIT_LIMIT" &&
			guard_block "$pinrl" --file "$list" || return
		new_guard_state "$pinrlc" &&
			guard_limit "$pinrlc" "$RL_MATCH" "$RL_PPS" "$RL_CLOSED_BUDGET" &&
			guard_block "$pinrlc" --file "$list" || return
	fi

	for ((r = 1; r <= LIVE_ROUNDS; r++)); do
		log "  round $r"
		attach_bare "$NS_RX" rx0 bare_drop.bpf.o && live_sample drop --src "$ATTACKER" &&
			live_sample drop-flood "${flood[@]}"
		detach_all "$NS_RX" "" rx0
		attach_bare "$NS_RX" rx0 bare_pass.bpf.o &&
			live_sample pass --src "$LEGIT" --dport "$LEGIT_PORT"
		detach_all "$NS_RX" "" rx0
		attach_bare "$NS_RX" rx0 floor.bpf.o --src-add "$ATTACKER" &&
			live_sample floor --src "$ATTACKER"
		detach_all "$NS_RX" "" rx0
		attach_bare "$NS_RX" rx0 least.bpf.o --src-add "$ATTACKER" &&
			live_sample least --src "$ATTACKER"
		detach_all "$NS_RX" "" rx0
		if attach_guard "$NS_RX" "$pin" rx0; then
			live_sample guard-block --src "$ATTACKER"
			# Without the limit command, through the lists alone.
			[ -n "$HAVE_LIMIT" ] || live_sample guard-pass --src "$LEGIT" --dport "$LEGIT_PORT"
			live_sample guard-flood "${flood[@]}"
			live_sample guard-floodnet "${floodnet[@]}"
		fi
		detach_all "$NS_RX" "$pin" rx0
		if [ -n "$HAVE_LIMIT" ] && attach_guard "$NS_RX" "$pinrl" rx0; then
			# The legitimate traffic first, as the bare XDP_PASS row:
			# not in the wake of a flood whose passes the stack is
			# still working through.
			live_sample guard-pass --src "$LEGIT" --dport "$LEGIT_PORT"
			live_sample guard-rl-flood "${flood[@]}"
			detach_all "$NS_RX" "$pinrl" rx0
		fi
		if [ -n "$HAVE_LIMIT" ] && attach_guard "$NS_RX" "$pinrlc" rx0; then
			live_sample guard-rl-closed "${flood[@]}"
			detach_all "$NS_RX" "$pinrlc" rx0
		fi
		attach_bare "$NS_RX" rx0 least_rl.bpf.o && live_sample least-rl "${flood[@]}"
		detach_all "$NS_RX" "" rx0
		attach_bare "$NS_RX" rx0 least_rl_closed.bpf.o && live_sample least-rl-closed "${flood[@]}"
		detach_all "$NS_RX" "" rx0
		if have xdp-filter && attach_xdpfilter "$NS_RX" rx0 "$ATTACKER"; then
			live_sample xdpfilter --src "$ATTACKER"
		fi
		detach_all "$NS_RX" "" rx0
		if have nft && attach_nft "$NS_RX" rx0 "$ATTACKER"; then
			live_sample nft --src "$ATTACKER"
		fi
		detach_all "$NS_RX" "" rx0
		live_sample none --src "$ATTACKER"
	done

	live_record drop "bare XDP_DROP program (native)" "" ""
	live_record drop-flood "bare XDP_DROP program, random-source flood ($FLOOD_SOURCES sources) (native)" "" \
		"the baseline of the random-source rows: writing a new source into every frame costs the generator time, which a single-source baseline would charge to the receiver"
	live_record pass "bare XDP_PASS program (native)" "" \
		"passed frames go up the stack: this is the stack's rate"
	live_record floor "floor: parse + one hash lookup of the source, hit, drop (native)" drop \
		"$FLOOR_NOTE; below 0.95x the bare drop, the 0.95x target is out of reach on this machine for any such filter"
	live_record least "least filter: parse + one array read + a counter, hit, drop (native)" drop \
		"$LEAST_NOTE; below 0.95x the bare drop, the 0.95x target is out of reach on this machine for any filter"
	live_record guard-block "xdp-guard dropping a blocked source" drop,floor,least,xdpfilter \
		"10k-entry list loaded; the source is alone in its /24, which the /24 index names (the exact-match hash holds it too)"
	live_record guard-pass "xdp-guard passing legitimate traffic" pass \
		"same frames as the bare XDP_PASS row, through the full pipeline: 10k-entry list${HAVE_LIMIT:+, and a rule for their port ($LEGIT_MATCH: $LEGIT_LIMIT pps per source and for all) that they stay under}"
	live_record guard-flood "xdp-guard, random-source flood ($FLOOD_SOURCES sources), blocklist miss path" drop-flood \
		"no rate-limit rule: every packet misses both lists and is passed up the stack"
	live_record guard-floodnet "xdp-guard, random-source flood ($FLOOD_SOURCES sources) inside a blocked prefix" drop-flood \
		"every packet dropped by a blocked prefix: the drop path with unpredictable sources"
	live_record least-rl "least rate limiter, random-source flood ($FLOOD_SOURCES sources) against its rule (native)" drop-flood \
		"$LEAST_RL_NOTE; at or above 0.70x the bare drop, the 0.70x target is within reach of a rate limiter on this machine"
	if [ -n "$HAVE_LIMIT" ]; then
		live_record guard-rl-flood "xdp-guard, random-source flood against a rate-limit rule" drop-flood,least-rl \
			"rule $RL_MATCH: $RL_PPS pps per source, budget $RL_BUDGET pps for all sources"
	else
		record live guard-rl-flood "xdp-guard, random-source flood against a rate-limit rule" "" Mpps "" "" "$RL_NA"
	fi
	live_record least-rl-closed "least rate limiter, the same flood, its budget admitting none of it ($RL_CLOSED_BUDGET pps) (native)" drop-flood \
		"the same program with a budget of $RL_CLOSED_BUDGET packet a second: its drop path alone, without the packets the budget admits (their sources' lookups, and the stack's work on them)"
	if [ -n "$HAVE_LIMIT" ]; then
		live_record guard-rl-closed "xdp-guard, the same flood, the rule's budget admitting none of it ($RL_CLOSED_BUDGET pps)" drop-flood,least-rl-closed \
			"rule $RL_MATCH: $RL_PPS pps per source, budget $RL_CLOSED_BUDGET pps for all sources: its drop path alone"
	else
		record live guard-rl-closed "xdp-guard, the same flood, the rule's budget admitting none of it ($RL_CLOSED_BUDGET pps)" "" Mpps "" "" "$RL_NA"
	fi
	live_record xdpfilter "xdp-filter (ipv4,ipv6 features) with a source-IP deny rule" drop ""
	live_record nft "nftables netdev ingress drop (no XDP, GRO on)" drop ""
	live_record none "no filter at all (GRO on; the stack drops: no socket)" drop ""
}

live_record() { # ID LABEL BASELINES NOTE
	local id=$1 note=$4 s l lost
	read -ra s <<<"${LIVE[$id]:-}"
	read -ra l <<<"${LIVELOST[$id]:-}"
	if [ ${#s[@]} -eq 0 ]; then
		record live "$id" "$2" "" Mpps "" "" "n/a: not measured (see stderr)"
		return
	fi
	# Frames the receiver's ring refused are not in the rate; say if
	# there were any worth mentioning.
	lost=$([ ${#l[@]} -gt 0 ] && median "${l[@]}")
	if awk -v x="${lost:-0}" 'BEGIN { exit !(x >= 0.001) }'; then
		note+="${note:+; }$(awk -v x="$lost" 'BEGIN { printf "%.1f%%", 100 * x }') of offered frames refused by the receiver's ring"
	fi
	# The spread of the samples: how far this machine lets a ratio be
	# trusted.
	note+="${note:+; }min $(printf '%s\n' "${s[@]}" | sort -g | head -n1), max $(printf '%s\n' "${s[@]}" | sort -g | tail -n1)"
	record live "$id" "$2" "$(median "${s[@]}")" Mpps "$3" "$(join_by , "${s[@]}")" "$note"
}

# ---- section 3: scale ----------------------------------------------------

# Memory of maps pinned at PIN (all of them if no names are given), in
# MiB, as the kernel accounts it (bpftool's memlock).
map_memory() { # PIN [NAME...]
	local pin=$1 m total=0 b
	shift
	[ $# -gt 0 ] || set -- $(ls "$pin" 2>/dev/null)
	for m in "$@"; do
		# Pins that are not maps (none today) count nothing.
		b=$(bpftool -j map show pinned "$pin/$m" 2>/dev/null | jq -r '.bytes_memlock // empty')
		total=$((total + ${b:-0}))
	done
	awk -v b="$total" 'BEGIN { printf "%.2f", b / 1048576 }'
}

section_scale() {
	local n rep pin t0 t1 secs mem args=() cases=() name addr id
	declare -A loads probe
	log "3. scale: blocklists of $SCALE_SIZES entries"
	for n in $SCALE_SIZES; do
		"$HERE/mklist" "$n" --probes "$WORK/probes-$n" >"$WORK/list-$n"
	done
	for ((rep = 1; rep <= LOAD_REPS; rep++)); do
		for n in $SCALE_SIZES; do
			pin="$BPFFS/s3-$n"
			new_guard_state "$pin" || return
			t0=$(date +%s.%N)
			if ! guard_block "$pin" --file "$WORK/list-$n"; then
				log "  loading $n entries failed"
				continue
			fi
			t1=$(date +%s.%N)
			secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
			log "  $n entries loaded in ${secs}s"
			loads[$n]+="${loads[$n]:+ }$secs"
			# Keep the last state of each size for the lookups;
			# unpinning the others frees their maps.
			[ "$rep" -eq "$LOAD_REPS" ] || rm -rf "$pin"
		done
	done

	args=(--prog "drop=$HERE/bare_drop.bpf.o")
	cases=(--case "bare-drop=drop:udp4,$RX_IP,$RX_IP")
	for n in $SCALE_SIZES; do
		[ -d "$BPFFS/s3-$n" ] || continue
		args+=(--prog "g$n=$GUARD_OBJ,pin=$BPFFS/s3-$n")
		while read -r name addr; do
			probe[$name]=$addr
		done <"$WORK/probes-$n"
		cases+=(--case "miss4-$n=g$n:udp4,${probe[miss4]},$RX_IP"
			--case "hit4-$n=g$n:udp4,${probe[hit4]},$RX_IP"
			--case "hitpair4-$n=g$n:udp4,${probe[hitpair4]},$RX_IP"
			--case "hitnet4-$n=g$n:udp4,${probe[hitnet4]},$RX_IP"
			--case "hitdeep4-$n=g$n:udp4,${probe[hitdeep4]},$RX_IP"
			--case "miss6-$n=g$n:udp6,${probe[miss6]},$V6_DST"
			--case "hit6-$n=g$n:udp6,${probe[hit6]},$V6_DST")
	done
	"$HERE/pktcost" --sets "$TR_SETS" --runs "$TR_RUNS" --repeat "$TR_REPEAT" \
		"${args[@]}" "${cases[@]}" >"$WORK/s3.tsv" || log "pktcost failed"

	local first
	first=${SCALE_SIZES%% *}
	local -A what=([miss4]="IPv4 miss (on no list)"
		[hit4]="IPv4 hit, single address alone in its /24"
		[hitpair4]="IPv4 hit, single address sharing its /24"
		[hitnet4]="IPv4 hit, inside a prefix of /24 or shorter"
		[hitdeep4]="IPv4 hit, inside a /25-/31 prefix"
		[miss6]="IPv6 miss" [hit6]="IPv6 hit, single address")
	local kind lo hi act kns ns fast samples
	for kind in miss4 hit4 hitpair4 hitnet4 hitdeep4 miss6 hit6; do
		for n in $SCALE_SIZES; do
			ns=
			IFS=$'\t' read -r id ns lo hi act kns fast samples < <(grep -P "^$kind-$n\t" "$WORK/s3.tsv")
			[ -n "${ns:-}" ] || continue
			record scale "$kind-$n" "per packet, ${what[$kind]}, $n entries" "$ns" ns \
				"$([ "$n" = "$first" ] && echo bare-drop || echo "$kind-$first")" "$samples" \
				"verdict $act; fastest runs $fast ns; min $lo, max $hi" "$fast"
		done
	done
	ns=
	IFS=$'\t' read -r id ns lo hi act kns fast samples < <(grep -P "^bare-drop\t" "$WORK/s3.tsv")
	[ -n "${ns:-}" ] && record scale bare-drop "per packet, bare XDP_DROP program" "$ns" ns "" "$samples" \
		"fastest runs $fast ns" "$fast"
	for n in $SCALE_SIZES; do
		local s=()
		read -ra s <<<"${loads[$n]:-}"
		[ ${#s[@]} -gt 0 ] || continue
		secs=$(median "${s[@]}")
		record scale "load-$n" "xdp-guard block --file, $n entries" "$secs" s "" "$(join_by , "${s[@]}")" \
			"$(awk -v n="$n" -v s="$secs" 'BEGIN { if (s > 0 && n >= 10000) printf "%.0f entries/s", n / s }')"
	done
	for n in $SCALE_SIZES; do
		mem=$(map_memory "$BPFFS/s3-$n" xg_block_v4 xg_block_v6 xg_blknet_v4 xg_blknet_v6 \
			xg_cells_v4 xg_dir_v4 xg_deep_v4 xg_dir_v6)
		record scale "mem-$n" "blocklist maps, memory (memlock), $n entries" "$mem" MiB "" "" \
			"xg_block_v4/v6, xg_blknet_v4/v6 and the indexes (xg_cells_v4, xg_dir_v4, xg_deep_v4, xg_dir_v6), from bpftool map show; all of xdp-guard's maps: $(map_memory "$BPFFS/s3-$n") MiB"
	done
}

# ---- section 4: goodput under attack -------------------------------------
#
# Three namespaces: the client (wrk) and the attacker each have their own
# link to the server (httpd).  A flood hurts a server by taking the CPU
# that receives it, ahead of the application, so the emulation puts the
# receive work where a NIC would:
#   - the server's CPU (SERVER_CPU) runs httpd, which spends
#     SERVER_WORK_US of CPU per request like a (very small) model, and all
#     receive work of the attacker's link: that link's NAPI runs in a
#     kernel thread (threaded NAPI) pinned there, at SCHED_FIFO 50 as
#     threaded interrupt handlers run, so that like softirq work it comes
#     before the application.  On veth the receive work would otherwise
#     run on the sender's CPU, and a flood would cost the server nothing.
#     wrk runs there too: it costs the same with and without a flood, so
#     the ratio is the server CPU the flood takes;
#   - the other CPU (ATTACK_CPU) is the attacker's alone.
# The flood gets its own link because the generator, unlike a remote
# attacker, can always outrun the receiver: on a shared veth ring the
# client's packets would be lost at the full ring whatever the filter.
# Each scenario is measured under a flood at the generator's full rate
# and under one at PACED_PPS.  The bare XDP_DROP row is the floor: receive
# work on veth across CPUs (handing each frame back to the sender's page
# pool, cache lines moving between the CPUs) costs far more per frame
# than any filter, so what the floor loses is the harness's share.

wrk_rate() {
	ip netns exec "$NS_CL" taskset -c "$SERVER_CPU" \
		wrk -t1 -c32 -d"${GP_SECS}s" "http://$SRV_IP:8080/" 2>/dev/null |
		awk '/^Requests\/sec:/ { print $2 }'
}

# CPU time (user + system) of a thread so far, in clock ticks.
thread_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

declare -A GP GPATT GPOFF GPCPU GPPAIR
GP_NAPI=

# goodput under one attack, filed under ID-KIND (KIND: full or paced),
# with what the attacker delivered and what receiving it cost the server.
gp_attack() { # ID KIND BASE [trafficgen options]
	local id=$1 kind=$2 base=$3 att gen out off t0 t1 s0 s1
	shift 3
	ip netns exec "$NS_ATT" taskset -c "$ATTACK_CPU" "$HERE/trafficgen" \
		--dev att0 --dst-mac "$SRVA_MAC" --src "$GP_ATTACKER" --dst "$SRVA_IP" \
		--duration "$(awk -v s="$GP_SECS" 'BEGIN { print s + 1.5 }')" --runs 1 "$@" \
		>"$WORK/gen.out" 2>/dev/null &
	gen=$!
	PIDS+=("$gen")
	sleep 0.5
	t0=$(thread_ticks "$GP_NAPI") s0=$(date +%s.%N)
	att=$(wrk_rate)
	t1=$(thread_ticks "$GP_NAPI") s1=$(date +%s.%N)
	wait "$gen"
	out=$(sed -n 's/^pps=\([0-9]*\).*/\1/p' "$WORK/gen.out")
	off=$(sed -n 's/.* offered=\([0-9]*\).*/\1/p' "$WORK/gen.out")
	id+="-$kind"
	[ -n "$att" ] && GP[$id]+="${GP[$id]:+ }$att"
	# The ratio of this round's pair too: the two runs are seconds
	# apart, so a busy spell of the machine mostly hits both.
	[ -n "$base" ] && [ -n "$att" ] &&
		GPPAIR[$id]+="${GPPAIR[$id]:+ }$(awk -v a="$att" -v b="$base" 'BEGIN { printf "%.3f", a / b }')"
	[ -n "$out" ] && GPATT[$id]+="${GPATT[$id]:+ }$(awk -v p="$out" 'BEGIN { printf "%.2f", p / 1e6 }')"
	[ -n "$off" ] && GPOFF[$id]+="${GPOFF[$id]:+ }$(awk -v p="$off" 'BEGIN { printf "%.2f", p / 1e6 }')"
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		GPCPU[$id]+="${GPCPU[$id]:+ }$(awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" \
			-v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (s1 - s0) }')"
	fi
}

# One round of a scenario: goodput without an attack, under a flood at the
# generator's full rate, and under one at PACED_PPS.
gp_round() { # ID
	local id=$1 base
	base=$(wrk_rate)
	[ -n "$base" ] && GP[$id-base]+="${GP[$id-base]:+ }$base"
	gp_attack "$id" full "$base"
	gp_attack "$id" paced "$base" --rate "$PACED_PPS"
}

attach_nft_both() { # NS ATTACKER DEV...
	local ns=$1 src=$2 dev
	shift 2
	for dev in "$@"; do
		ip netns exec "$ns" nft -f - <<-EOF || return 1
		table netdev xgbench {
			chain in-$dev {
				type filter hook ingress device "$dev" priority -500; policy accept;
				ip saddr $src drop
			}
		}
		EOF
	done
}

# The note of an "under attack" row, from the arrays of section_goodput's
# loop (p: paired ratios, g and o: delivered and offered attack rates,
# c: CPU share of the attacker's NAPI thread).
gp_note() {
	printf 'paired per-round ratio %s; attack delivered %s Mpps (offered %s); ' \
		"$(median_or_unknown "${p[@]}")" "$(median_or_unknown "${g[@]}")" \
		"$(median_or_unknown "${o[@]}")"
	printf "its receive work took %s%% of the server's CPU" "$(median_or_unknown "${c[@]}")"
}

section_goodput() {
	local pin="$BPFFS/s4" pinrl="$BPFFS/s4-rl" r httpd id before after
	if ! have wrk; then
		record goodput none-att "goodput under attack" "" "req/s" "" "" "n/a: wrk is not installed"
		return
	fi
	log "4. goodput under attack, $GP_ROUNDS round(s) of ${GP_SECS}s"
	make_link "$NS_CL" cl0 "$CL_MAC" "$CL_IP" "$NS_SRV" srv0 "$SRV_MAC" "$SRV_IP"
	make_link "$NS_ATT" att0 "$ATT_MAC" "$ATT_IP" "$NS_SRV" srv1 "$SRVA_MAC" "$SRVA_IP"

	# The NAPI thread's name holds the device name, which is not unique
	# across namespaces: find ours as the one that appears.
	before=$(pgrep '^napi/' | sort)
	ip netns exec "$NS_SRV" sh -c 'echo 1 > /sys/class/net/srv1/threaded' || return
	after=$(pgrep '^napi/' | sort)
	GP_NAPI=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
	if [ -z "$GP_NAPI" ]; then
		log "cannot find the NAPI thread of the attacker's link"
		return
	fi
	taskset -p -c "$SERVER_CPU" "$GP_NAPI" >/dev/null
	chrt -f -p 50 "$GP_NAPI" || log "cannot make the NAPI thread SCHED_FIFO"

	ip netns exec "$NS_SRV" taskset -c "$SERVER_CPU" "$HERE/httpd" --port 8080 \
		--work-us "$SERVER_WORK_US" &
	httpd=$!
	PIDS+=("$httpd")
	sleep 0.3
	new_guard_state "$pin" && guard_block "$pin" "$GP_ATTACKER" || return
	if [ -n "$HAVE_LIMIT" ]; then
		new_guard_state "$pinrl" && guard_limit "$pinrl" "$RL_MATCH" "$RL_PPS" "$RL_BUDGET" || return
	fi

	for ((r = 1; r <= GP_ROUNDS; r++)); do
		log "  round $r"
		gp_round none
		# The floor: the cheapest filter there is, on the attacker's
		# link only.  What goodput it loses is the harness's share.
		attach_bare "$NS_SRV" srv1 bare_drop.bpf.o && gp_round drop
		detach_all "$NS_SRV" "" srv1
		if have nft && attach_nft_both "$NS_SRV" "$GP_ATTACKER" srv0 srv1; then
			gp_round nft
		fi
		ip netns exec "$NS_SRV" nft delete table netdev xgbench 2>/dev/null
		attach_guard "$NS_SRV" "$pin" srv0 srv1 && gp_round guard
		detach_all "$NS_SRV" "$pin" srv0 srv1
		if [ -n "$HAVE_LIMIT" ] && attach_guard "$NS_SRV" "$pinrl" srv0 srv1; then
			gp_round guard-rl
			detach_all "$NS_SRV" "$pinrl" srv0 srv1
		fi
	done

	local -A what=([none]="no filter" [drop]="bare XDP_DROP on the attacker's link (the floor)"
		[nft]="nftables netdev ingress drop"
		[guard]="xdp-guard blocking the attacker" [guard-rl]="xdp-guard rate-limiting the attacker")
	# The paced flood gets what it asks only if the sender keeps up: the
	# note says what it offered.
	local -A flood=([full]="a full-rate flood"
		[paced]="a flood paced at $(awk -v p="$PACED_PPS" 'BEGIN { print p / 1e6 }') Mpps")
	local kind b=() a=() g=() c=() o=() p=()
	for id in none drop nft guard guard-rl; do
		if [ "$id" = guard-rl ] && [ -z "$HAVE_LIMIT" ]; then
			record goodput guard-rl-full "under attack, ${what[$id]}" "" "req/s" "" "" "$RL_NA"
			continue
		fi
		read -ra b <<<"${GP[$id-base]:-}"
		[ ${#b[@]} -gt 0 ] || continue
		record goodput "$id-base" "no attack, ${what[$id]}" "$(median "${b[@]}")" "req/s" "" \
			"$(join_by , "${b[@]}")" ""
		for kind in full paced; do
			read -ra a <<<"${GP[$id-$kind]:-}"
			read -ra g <<<"${GPATT[$id-$kind]:-}"
			read -ra c <<<"${GPCPU[$id-$kind]:-}"
			read -ra o <<<"${GPOFF[$id-$kind]:-}"
			read -ra p <<<"${GPPAIR[$id-$kind]:-}"
			[ ${#a[@]} -gt 0 ] || continue
			record goodput "$id-$kind" "under ${flood[$kind]}, ${what[$id]}" \
				"$(median "${a[@]}")" "req/s" "$id-base" "$(join_by , "${a[@]}")" "$(gp_note)"
		done
	done
}

# ---- report ----------------------------------------------------------------

report() {
	local git loadavg_end
	git=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
	loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)
	jq -R -s \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg kernel "$(uname -r)" --arg cpus "$(nproc)" --arg git "$git" \
		--arg quick "${QUICK:+1}" --arg la0 "$LOADAVG_START" --arg la1 "$loadavg_end" \
		--arg guard_obj "$(sha256sum "$GUARD_OBJ" | cut -c1-16)" \
		--arg params "test_run ${TR_SETS}x${TR_RUNS}x${TR_REPEAT}; live ${LIVE_ROUNDS}x${LIVE_SECS}s; load reps $LOAD_REPS; goodput ${GP_ROUNDS}x${GP_SECS}s" '
	def num: if . == "" then null else tonumber end;
	def titles: {
		testrun: "1. Per-packet cost through BPF_PROG_TEST_RUN (64-byte frames; lower is better)",
		live: "2. Live traffic on veth, 64-byte frames, rate seen by the sender (higher is better)",
		scale: "3. Blocklist scale",
		goodput: "4. HTTP goodput under a flood (wrk, 32 connections)"
	};
	(split("\n") | map(select(length > 0) | split("\t") | {
		section: .[0], id: .[1], label: .[2], value: (.[3] | num), unit: .[4],
		baselines: (.[5] | if . == "" then [] else split(",") end),
		samples: (.[6] | if . == "" then [] else split(",") | map(tonumber) end),
		note: .[7], fastest: (.[8] // "" | num)
	})) as $rows
	| ($rows | map({key: (.section + "/" + .id), value: .value}) | from_entries) as $val
	| ($rows | map({key: (.section + "/" + .id), value: .fastest}) | from_entries) as $fast
	| ($rows | map({key: (.section + "/" + .id), value: .label}) | from_entries) as $lab
	| {
		meta: {date: $date, kernel: $kernel, cpus: ($cpus | tonumber), git: $git,
		       guard_object_sha256: $guard_obj, quick: ($quick == "1"),
		       loadavg_start: $la0, loadavg_end: $la1, parameters: $params},
		sections: [ $rows | group_by(.section)[] | {
			id: .[0].section, title: titles[.[0].section],
			rows: map(. as $r | $r + {ratios: [ $r.baselines[] as $b
				| ($val[$r.section + "/" + $b]) as $bv
				| select($bv != null and $bv != 0 and $r.value != null)
				| ($fast[$r.section + "/" + $b]) as $bf
				| {baseline: $b, baseline_label: $lab[$r.section + "/" + $b],
				   ratio: ((($r.value / $bv) * 1000 | round) / 1000)}
				+ (if $r.fastest != null and $bf != null and $bf != 0
				   then {fastest_ratio: ((($r.fastest / $bf) * 1000 | round) / 1000)}
				   else {} end) ]}
				| if .fastest == null then del(.fastest) else . end | del(.baselines))
		} ] | sort_by(.title)
	}' "$RESULTS" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"

	jq -r '
	def fmt: if . == null then "n/a" elif . >= 100 then (. * 10 | round / 10 | tostring)
		else (. * 100 | round / 100 | tostring) end;
	"## xdp-guard benchmark\n",
	"\(.meta.date), kernel \(.meta.kernel), \(.meta.cpus) CPUs, git \(.meta.git)\(if .meta.quick then ", QUICK" else "" end); load average \(.meta.loadavg_start) at start, \(.meta.loadavg_end) at end. Medians; ratios are against baselines measured in the same run. In sections 1 and 3, \"fastest runs\" is the median over sets of runs of each set'"'"'s fastest run (bench/README.md).\n",
	(.sections[] |
		"### \(.title)\n",
		"| measurement | median | unit | ratio | notes |",
		"|---|---:|---|---|---|",
		(.rows[] | "| \(.label) | \(.value | fmt) | \(.unit) | \(
			[.ratios[] | "\(.ratio)x \(.baseline_label)\(
				if .fastest_ratio then " (fastest runs: \(.fastest_ratio)x)" else "" end)"]
			| join("; ")) | \(
			.note // "" | gsub("\\|"; "/")) |"),
		"")' "$OUT"
}

main() {
	check_prereqs
	setup_work
	LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
	log "results go to $OUT; work folder $WORK${QUICK:+; QUICK}"
	detect_ratelimit
	[[ " $SECTIONS " == *" 1 "* ]] && section_testrun
	[[ " $SECTIONS " == *" 2 "* ]] && section_live
	[[ " $SECTIONS " == *" 3 "* ]] && section_scale
	[[ " $SECTIONS " == *" 4 "* ]] && section_goodput
	report
}

main "$@"
