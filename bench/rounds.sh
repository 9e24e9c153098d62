#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Live rounds of a few receivers, interleaved, for comparing builds: each
# round attaches each receiver in turn to the receiving end of a veth
# pair and sends it the same traffic for a short while.  The first
# receiver is the baseline: the report gives each receiver's median rate,
# its ratio to the baseline's median, and the median of its per-round
# ratios (a round's receivers run seconds apart, so a slow spell of the
# machine tends to hit them alike).  run.sh's section 2 takes nine rounds;
# on a machine shared with other guests, comparing two builds whose rates
# differ by a few percent takes more.
#
#   rounds.sh [-n ROUNDS] [-s SECS] [--src ADDR] [--sources N]
#             [--guard 'COMMAND ARGS']... NAME=OBJECT[,src-add=ADDR][@guard]...
#
#   -n ROUNDS     rounds (default 30)
#   -s SECS       seconds per sample (default 0.5)
#   --src ADDR    the source of every frame (default: the random-source
#                 flood of run.sh, 131072 sources from 10.100.0.0)
#   --sources N   with --src, rewrite the source over N addresses
#   --guard CMD   an xdp-guard command (without -p) run against the state
#                 of every receiver marked @guard, in order, before the
#                 rounds: "limit 9000/udp --pps 1000 --budget-pps 1",
#                 "block 10.99.0.66"
#   NAME=OBJECT   attached with xdpattach, its maps private; with
#                 ,src-add=ADDR, ADDR goes into the source list of the
#                 floor or the least filter (xdpattach --src-add)
#   NAME=OBJECT@guard
#                 an xdp-guard object (the tree's or any build of it),
#                 attached with xdpattach to a state of its own, made by
#                 pktcost --load-only and filled by the --guard commands
#
# Frames are 64-byte UDP to 10.99.0.2, port 9000.  All traffic stays
# between two namespaces of our own; the namespaces and a private bpffs
# go away on exit, Ctrl-C included.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUARD="$HERE/../guard-loader/xdp-guard"
TAG="xgr$$"
NS_TX="$TAG-tx" NS_RX="$TAG-rx"
TX_MAC=02:58:47:00:00:01 RX_MAC=02:58:47:00:00:02
TX_IP=10.99.0.1 RX_IP=10.99.0.2
# shellcheck disable=SC2034 # read by lib.sh's log()
LOG_TAG=rounds
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ROUNDS=30 SECS=0.5
TRAFFIC=(--src 10.100.0.0 --sources 131072)
GUARD_CMDS=()
# The header from the synopsis down: no line numbers to keep in step.
usage() { sed -n '/^#   rounds.sh \[/,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	-n) ROUNDS=$2; shift 2 ;;
	-s) SECS=$2; shift 2 ;;
	--src) TRAFFIC=(--src "$2"); shift 2 ;;
	--sources) TRAFFIC+=(--sources "$2"); shift 2 ;;
	--guard) GUARD_CMDS+=("$2"); shift 2 ;;
	-h|--help) usage ;;
	-*) echo "rounds: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "rounds: give at least two receivers, the baseline first" >&2; usage; }
[ "$(id -u)" -eq 0 ] || { echo "rounds: needs root" >&2; exit 1; }
for t in "$HERE/xdpattach" "$HERE/trafficgen" "$HERE/pktcost"; do
	[ -x "$t" ] || { echo "rounds: $t is missing: run make first" >&2; exit 1; }
done

work_setup rounds
make_link "$NS_TX" tx0 "$TX_MAC" "$TX_IP" "$NS_RX" rx0 "$RX_MAC" "$RX_IP"

NAMES=() OBJS=() PINS=() ADDS=()
for spec in "$@"; do
	name=${spec%%=*} obj=${spec#*=} guard='' add=''
	if [[ $obj == *@guard ]]; then
		obj=${obj%@guard} guard=1
	fi
	if [[ $obj == *,src-add=* ]]; then
		add=${obj#*,src-add=} obj=${obj%%,src-add=*}
	fi
	[ -e "$obj" ] || { log "$name: no such object $obj"; exit 1; }
	[ -z "$add" ] || [ -z "$guard" ] || { log "$name: src-add is for the bare programs"; exit 1; }
	pin=
	if [ -n "$guard" ]; then
		pin="$BPFFS/${#NAMES[@]}"
		mkdir "$pin" && "$HERE/pktcost" --load-only --prog "g=$obj,pin=$pin" || exit 1
		for cmd in "${GUARD_CMDS[@]}"; do
			# shellcheck disable=SC2086 # a command line, split as given
			"$GUARD" $cmd -p "$pin" >/dev/null || { log "$name: xdp-guard $cmd failed"; exit 1; }
		done
	fi
	NAMES+=("$name") OBJS+=("$obj") PINS+=("$pin") ADDS+=("$add")
done

declare -A RATES
for ((r = 1; r <= ROUNDS; r++)); do
	for i in "${!NAMES[@]}"; do
		ip netns exec "$NS_RX" "$HERE/xdpattach" ${ADDS[i]:+--src-add "${ADDS[i]}"} \
			rx0 "${OBJS[i]}" ${PINS[i]:+"${PINS[i]}"} ||
			{ log "${NAMES[i]}: cannot attach"; exit 1; }
		pps=$(ip netns exec "$NS_TX" "$HERE/trafficgen" --dev tx0 --dst-mac "$RX_MAC" \
			--dst "$RX_IP" --duration "$SECS" --runs 1 "${TRAFFIC[@]}" 2>/dev/null |
			sed -n 's/^pps=\([0-9]*\).*/\1/p')
		ip netns exec "$NS_RX" "$HERE/xdpattach" rx0 off
		# A lost sample loses its round for every receiver.
		RATES[$i]+="${RATES[$i]:+ }${pps:-nan}"
	done
	log "round $r of $ROUNDS"
done

for i in "${!NAMES[@]}"; do
	printf '%s %s\n' "${NAMES[i]}" "${RATES[$i]}"
done | awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	name[NR] = $1
	for (r = 2; r <= NF; r++) rate[NR, r - 1] = $r
	rounds = NF - 1
}
END {
	printf "%-12s %10s %10s %12s %s\n", "receiver", "Mpps", "ratio", "per-round", "(min-max Mpps)"
	for (k = 1; k <= NR; k++) {
		n = 0; m = 0; lo = ""; hi = ""
		for (r = 1; r <= rounds; r++) {
			if (rate[k, r] == "nan" || rate[1, r] == "nan" || rate[1, r] == 0) continue
			v[++n] = rate[k, r]; q[++m] = rate[k, r] / rate[1, r]
			if (lo == "" || v[n] < lo) lo = v[n]
			if (hi == "" || v[n] > hi) hi = v[n]
		}
		if (!n) { printf "%-12s no samples\n", name[k]; continue }
		med[k] = median(v, n)
		printf "%-12s %10.3f %9.3fx %11.3fx (%.2f-%.2f)\n", name[k], med[k] / 1e6,
			med[k] / med[1], median(q, m), lo / 1e6, hi / 1e6
	}
	printf "%d rounds; ratios are to %s\n", rounds, name[1]
}'
