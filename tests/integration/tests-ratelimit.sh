# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Rate limiting with real packets: per-source limits, SYN limits, auto-bans
# and their events, and the limit and config commands.  Floods are bounded
# (a count at a rate, or "until banned" with a deadline) and go only from a
# client namespace to a server namespace (see lib.sh).  The machines that
# run this are busy, so every check on traffic has wide margins: a limit of
# 50 a second must let through less than a quarter of a flood, not exactly
# 50 a second; and what must pass is sent within its burst, so that no
# scheduling hiccup can make it go over.

RL_PORT=9000		# the port the rules are for
OPEN_PORT=9001		# a port no rule matches
OTHER4=10.77.0.3	# a second source in the client namespace

# ---- traffic ----------------------------------------------------------------

need_python() {
	[ -n "$PYTHON" ] || skip "python3 is not installed"
}

# add_source K ADDR...: more source addresses for the client of wire K.
add_source() {
	local addr
	for addr in "${@:2}"; do
		if [[ $addr == *:* ]]; then
			ip -n "${CLI_NS[$1]}" addr add "$addr/128" dev veth0 nodad
		else
			ip -n "${CLI_NS[$1]}" addr add "$addr/32" dev veth0
		fi
	done
}

# start_sink K PORT: rl_traffic.py's counting server on PORT (UDP and TCP)
# in the server namespace of wire K, listening once this returns.
start_sink() {
	local k=$1 port=$2 _
	ip netns exec "${SRV_NS[$k]}" "$PYTHON" "$HERE/rl_traffic.py" sink "$port" \
		</dev/null >"$TDIR/sink-$port.json" 2>>"$TDIR/sink.log" &
	SINK_PID[port]=$!
	# It listens on TCP after it bound UDP: both are ready then.
	for _ in $(seq 50); do
		if ip netns exec "${SRV_NS[$k]}" ss -Hltn "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	fail "the sink on port $port did not start: $(cat "$TDIR/sink.log")"
}

# stop_sink PORT: stop the sink on PORT; its counts are then in
# $TDIR/sink-PORT.json for `arrived`.
stop_sink() {
	local rc=0
	# Let what is still queued on the veths reach the socket first.
	sleep 0.2
	kill -TERM "${SINK_PID[$1]}"
	wait "${SINK_PID[$1]}" || rc=$?
	[ "$rc" -eq 0 ] || fail "the sink on port $1 exited $rc: $(cat "$TDIR/sink.log")"
	echo "sink on port $1 counted: $(cat "$TDIR/sink-$1.json")" >&2
}

# arrived PORT SRC: the datagrams from SRC that the sink on PORT counted.
arrived() {
	jq -r --arg s "$2" '.[$s] // 0' "$TDIR/sink-$1.json"
}

# The server's address in the family of SRC.
server_for() {
	if [[ $1 == *:* ]]; then echo "$SERVER6"; else echo "$SERVER4"; fi
}

# send_udp K SRC PORT COUNT [RATE]: COUNT datagrams from SRC (an address of
# the client of wire K) to the server's PORT, RATE a second (default: as
# fast as they go).  Prints how many were sent.
send_udp() {
	ip netns exec "${CLI_NS[$1]}" "$PYTHON" "$HERE/rl_traffic.py" udp "$2" \
		"$(server_for "$2")" "$3" "$4" "${5:-0}"
}

# ping_flood K FAMILY: 100 echo requests 2 ms apart from the client of wire
# K; prints how many were answered.
ping_flood() {
	local out
	# ping exits 1 when nothing came back, which is a count too.
	out=$(ip netns exec "${CLI_NS[$1]}" ping "-$2" -n -q -c 100 -i 0.002 -W 1 \
		"$(server_addr "$2")") || true
	echo "$out" >&2
	out=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	# No summary (ping could not run): nothing was answered.
	echo "${out:-0}"
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds; fails
# (returns 1) if it has not within SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# autoban_of PREFIX: the blocklist holds PREFIX as an auto-ban.  Not through
# xg: polled, it would fill the log.
autoban_of() {
	"$XG" list --pin-path "$PIN" --json |
		jq -e --arg p "$1" '.blocklist[] | select(.prefix == $p and .origin == "autoban")' \
			>/dev/null
}

not_autoban_of() {
	! autoban_of "$1"
}

# flood_until_banned K SRC PREFIX: flood the rule's port from SRC, 500
# datagrams a second, until PREFIX is auto-banned (8 s at most), then stop.
flood_until_banned() {
	local pid rc=0
	# Not through send_udp: $! must be the sender itself, not a subshell
	# that a kill would leave it running without.
	ip netns exec "${CLI_NS[$1]}" "$PYTHON" "$HERE/rl_traffic.py" udp "$2" \
		"$(server_for "$2")" "$RL_PORT" 4000 500 >/dev/null &
	pid=$!
	wait_for 8 autoban_of "$3" || rc=$?
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	[ "$rc" -eq 0 ] || fail "$2 flooded and was not banned within 8 s: $(xg list)"
}

# has_connection K PORT: the server of wire K has an established TCP
# connection on PORT.
has_connection() {
	ip netns exec "${SRV_NS[$1]}" ss -Htn state established "sport = :$2" | grep -q .
}

# ---- the monitor ----------------------------------------------------------

# start_monitor NAME ARGS...: xdp-guard monitor in the background, its output
# in $TDIR/NAME.out and $TDIR/NAME.err; MON_PID is its PID.  Returns once it
# handles SIGINT and SIGTERM, so that a signal cannot come too early.
start_monitor() {
	local name=$1
	shift
	echo "+ xdp-guard monitor --pin-path $PIN $* &" >&2
	"$XG" monitor --pin-path "$PIN" "$@" >"$TDIR/$name.out" 2>"$TDIR/$name.err" &
	MON_PID=$!
	PIDS+=("$MON_PID")
	wait_for 5 catches_stop_signals "$MON_PID" ||
		fail "the monitor did not start: $(cat "$TDIR/$name.err")"
}

# catches_stop_signals PID: PID has handlers for SIGINT (bit 1 of SigCgt)
# and SIGTERM (bit 14).
catches_stop_signals() {
	local mask
	mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$mask" ] && (((0x$mask & 0x4002) == 0x4002))
}

# stop_monitor NAME SIGNAL: stop the monitor with SIGNAL; it must exit 0
# and end by saying how many events it showed and lost.
stop_monitor() {
	local rc=0
	echo "+ kill -$2 monitor" >&2
	kill "-$2" "$MON_PID"
	wait "$MON_PID" || rc=$?
	# Gone and reaped: the teardown must not signal a reused PID.
	PIDS=("${PIDS[@]/$MON_PID/}")
	sed "s/^/$1 out: /" "$TDIR/$1.out" >&2
	sed "s/^/$1 err: /" "$TDIR/$1.err" >&2
	equal "monitor's exit status after SIG$2" 0 "$rc"
	must_say "^[0-9]+ events shown, [0-9]+ lost while monitoring$" "$(tail -n 1 "$TDIR/$1.err")"
}

# json_events NAME FILTER: how many events in the JSON lines of monitor
# NAME pass FILTER (a jq condition); fails if a line is not JSON.
json_events() {
	jq -s "map(select($2)) | length" "$TDIR/$1.out"
}

# ---- traffic tests ----------------------------------------------------------

test_ratelimit_udp_per_source() {
	local rate0 rate1 rate2 flood_pid flood_sent legit_sent open_sent got
	need_python
	load_guard
	add_source 0 "$OTHER4"
	start_sink 0 "$RL_PORT"
	start_sink 0 "$OPEN_PORT"
	# A first exchange, so that neither source waits for ARP during a flood.
	expect_pass 0 4
	xg limit "$RL_PORT/udp" --pps 50 --burst 10
	rate0=$(counter rate)

	# A flood of about 0.8 s from one source and, during it, a second
	# source sending 10 datagrams, as many as its burst: the flood must not
	# cost the second source anything.
	send_udp 0 "$CLIENT4" "$RL_PORT" 2000 2500 >"$TDIR/flood.sent" &
	flood_pid=$!
	sleep 0.1
	legit_sent=$(send_udp 0 "$OTHER4" "$RL_PORT" 10 20)
	wait "$flood_pid"
	flood_sent=$(cat "$TDIR/flood.sent")
	rate1=$(counter rate)
	# A port without a rule is not limited, for the same source.
	open_sent=$(send_udp 0 "$CLIENT4" "$OPEN_PORT" 500 2500)
	rate2=$(counter rate)
	stop_sink "$RL_PORT"
	stop_sink "$OPEN_PORT"

	((flood_sent > 1000)) || fail "the flood sent only $flood_sent datagrams"
	got=$(arrived "$RL_PORT" "$CLIENT4")
	echo "flood: $got of $flood_sent arrived; rate drops $((rate1 - rate0))" >&2
	# 50/s with a burst of 10 lets about 50 of 2000 through; a quarter is
	# a margin no busy machine should need.
	((got > 0)) || fail "a limit is not a block: none of the flood arrived"
	((got * 4 < flood_sent)) || fail "$got of $flood_sent flood datagrams passed a 50/s limit"
	((rate1 - rate0 >= flood_sent / 2)) ||
		fail "the rate counter grew by $((rate1 - rate0)) for a flood of $flood_sent"
	equal "datagrams of the client within its limit" "$legit_sent" "$(arrived "$RL_PORT" "$OTHER4")"
	equal "datagrams to the port without a rule" "$open_sent" "$(arrived "$OPEN_PORT" "$CLIENT4")"
	equal "rate drops on the port without a rule" "$rate1" "$rate2"
	(($(status_json .tracked_sources) >= 2)) || fail "fewer than 2 tracked sources"
}

test_ratelimit_icmp_ping_flood() {
	local fam got rate0 rate1
	load_guard
	expect_pass 0 4
	expect_pass 0 6
	xg limit icmp --pps 10
	# One rule for both: ICMPv6 echo requests are held to the icmp rule.
	for fam in 4 6; do
		rate0=$(counter rate)
		got=$(ping_flood 0 "$fam")
		rate1=$(counter rate)
		echo "IPv$fam: $got of 100 answered; rate drops $((rate1 - rate0))" >&2
		# 10/s, a burst of 2, about 0.2 to 2 s of flood: 4 to 25 answers.
		((got > 0 && got < 50)) || fail "IPv$fam ping flood: $got of 100 answered at 10/s"
		((rate1 - rate0 >= 50)) || fail "IPv$fam: the rate counter grew by $((rate1 - rate0))"
		# Limited, not blocked: at a calm pace pings are answered.
		expect_pass 0 "$fam"
	done
}

test_ratelimit_syn() {
	local echo_pid rc=0 out n syn0 syn1
	need_python
	load_guard
	add_source 0 "$OTHER4"
	start_sink 0 "$RL_PORT"
	xg limit "$RL_PORT/tcp" --syn-pps 5
	# A connection made before the flood, by the source that will flood,
	# exchanging a line every 50 ms for 2.5 s.
	ip netns exec "${CLI_NS[0]}" "$PYTHON" "$HERE/rl_traffic.py" echo "$CLIENT4" "$SERVER4" \
		"$RL_PORT" 2.5 0.05 >"$TDIR/echo.out" 2>&1 &
	echo_pid=$!
	wait_for 5 has_connection 0 "$RL_PORT" ||
		fail "the long connection did not open: $(cat "$TDIR/echo.out")"

	syn0=$(counter syn_rate)
	out=$(ip netns exec "${CLI_NS[0]}" "$PYTHON" "$HERE/rl_traffic.py" syn "$CLIENT4" "$SERVER4" \
		"$RL_PORT" 100 0.5)
	syn1=$(counter syn_rate)
	echo "$out; syn_rate drops $((syn1 - syn0))" >&2
	n=$(awk '{print $2}' <<<"$out")
	# 5 SYNs a second with a burst of 1: 1 or 2 of 100 attempts at once.
	((n < 50)) || fail "$out at 5 SYNs/s"
	((syn1 - syn0 >= 50)) || fail "the syn_rate counter grew by $((syn1 - syn0))"
	# Another source connects as usual.
	out=$(ip netns exec "${CLI_NS[0]}" "$PYTHON" "$HERE/rl_traffic.py" syn "$OTHER4" "$SERVER4" \
		"$RL_PORT" 1 2)
	equal "connection from the other source" "established 1 of 1" "$out"
	# The flooding source's established connection never missed a line.
	wait "$echo_pid" || rc=$?
	cat "$TDIR/echo.out" >&2
	equal "exit status of the established connection" 0 "$rc"
	must_say "^echoed ([0-9]+) of \1$" "$(cat "$TDIR/echo.out")"
}

# ---- auto-ban -----------------------------------------------------------------

test_autoban_unblock() {
	local ban0 ban1 text left
	need_python
	load_guard
	start_sink 0 "$RL_PORT"
	expect_pass 0 4
	xg limit "$RL_PORT/udp" --pps 20 --ban-after 1 --ban-for 10m
	# In text mode this time; the JSON mode has the expiry test.
	start_monitor mon
	flood_until_banned 0 "$CLIENT4" "$CLIENT4/32"

	equal "the auto-ban in list --json" \
		"{\"prefix\":\"$CLIENT4/32\",\"origin\":\"autoban\",\"rule\":\"$RL_PORT/udp\"}" \
		"$(list_json '.blocklist[] | del(.expires_in_s)' | jq -c .)"
	left=$(list_json '.blocklist[0].expires_in_s')
	((left >= 590 && left <= 600)) || fail "the 10m ban expires in $left s"
	must_say "^  $CLIENT4/32 +[0-9hms]+ +autoban by $RL_PORT/udp$" "$(xg list)"
	equal "bans in status" 1 "$(status_json .bans)"
	text=$(xg status)
	must_say "blocklist +1 \(1 auto-bans?\)" "$text"

	# Banned is blocked: its packets go as ban now, whatever rule they
	# match (ICMP has none) and however slowly they come.
	ban0=$(counter ban)
	expect_drop 0 4
	send_udp 0 "$CLIENT4" "$RL_PORT" 5 10 >/dev/null
	ban1=$(counter ban)
	((ban1 - ban0 >= 7)) || fail "2 pings and 5 datagrams of a banned source: ban grew by $((ban1 - ban0))"
	# The same host's IPv6 /64 is another source, and was not banned.
	expect_pass 0 6

	# unblock lifts the ban early.
	xg unblock "$CLIENT4"
	equal "bans in status after unblock" 0 "$(status_json .bans)"
	equal "blocklist after unblock" 0 "$(list_json '.blocklist | length')"
	expect_pass 0 4
	# Its UDP passes again: what the sink counts from now on is all of it.
	stop_sink "$RL_PORT"
	start_sink 0 "$RL_PORT"
	send_udp 0 "$CLIENT4" "$RL_PORT" 5 10 >/dev/null
	stop_sink "$RL_PORT"
	equal "datagrams after unblock" 5 "$(arrived "$RL_PORT" "$CLIENT4")"

	# The monitor saw the ban and the unban, and SIGTERM ends it cleanly.
	wait_for 5 grep -q " unban " "$TDIR/mon.out" || fail "the monitor reported no unban"
	stop_monitor mon TERM
	must_say "^Following events at $PIN; Ctrl-C to stop$" "$(head -n 1 "$TDIR/mon.err")"
	text=$(cat "$TDIR/mon.out")
	must_say "Z ban +$CLIENT4/32 +rule $RL_PORT/udp +reason ban for 10m$" "$text"
	must_say "Z unban +$CLIENT4/32 +rule $RL_PORT/udp +reason ban \(removed\)$" "$text"
}

# An IPv6 source this time: banned as its /64.  The ban runs out by itself,
# and a JSON monitor follows it.
test_autoban_expires() {
	local prefix=2001:db8:77::/64 left
	need_python
	load_guard
	expect_pass 0 6
	xg limit "$RL_PORT/udp" --pps 20 --ban-after 1 --ban-for 3s
	start_monitor mon --json
	flood_until_banned 0 "$CLIENT6" "$prefix"
	left=$(list_json '.blocklist[0].expires_in_s')
	((left <= 3)) || fail "a 3 s ban expires in $left s"
	expect_drop 0 6
	expect_pass 0 4
	# Gone from the list and from the program's view within a few seconds.
	wait_for 8 not_autoban_of "$prefix" || fail "the 3 s ban is still there: $(xg list)"
	equal "bans in status after expiry" 0 "$(status_json .bans)"
	expect_pass 0 6
	wait_for 5 grep -q '"event": *"unban"' "$TDIR/mon.out" || fail "the monitor reported no unban"
	stop_monitor mon INT

	# Every line is a JSON object, and these events are among them.
	equal "JSON lines from the monitor" "$(wc -l <"$TDIR/mon.out")" \
		"$(jq -c . "$TDIR/mon.out" | wc -l)"
	equal "drop events of the flood" 1 "$(json_events mon \
		".event == \"drop\" and .source == \"$prefix\" and .rule == \"$RL_PORT/udp\" and .reason == \"rate\"")"
	equal "ban events" 1 "$(json_events mon \
		".event == \"ban\" and .source == \"$prefix\" and .rule == \"$RL_PORT/udp\" and .reason == \"ban\" and .ban_s == 3")"
	equal "unban events" 1 "$(json_events mon \
		".event == \"unban\" and .source == \"$prefix\" and .rule == \"$RL_PORT/udp\" and .expired == true")"
	must_say "^[0-9]+ events shown, 0 lost while monitoring$" "$(cat "$TDIR/mon.err")"

	# A JSON monitor with nothing to show ends as cleanly on SIGTERM.
	start_monitor quiet --json
	stop_monitor quiet TERM
	must_say "^0 events shown, 0 lost while monitoring$" "$(cat "$TDIR/quiet.err")"
	equal "output of a monitor with nothing to show" "" "$(cat "$TDIR/quiet.out")"
}

test_allowlisted_never_limited() {
	local pid_a sent_a sent_b rate0 ban0 allow0
	need_python
	load_guard
	add_source 0 "$OTHER4"
	start_sink 0 "$RL_PORT"
	expect_pass 0 4
	xg allow "$CLIENT4"
	xg limit "$RL_PORT/udp" --pps 20 --ban-after 1 --ban-for 10m
	rate0=$(counter rate)
	ban0=$(counter ban)
	allow0=$(counter allow)
	# Both sources flood at 500/s for 3 s: the allowlisted one is neither
	# limited nor banned; the other is both, which shows the rule was live.
	send_udp 0 "$CLIENT4" "$RL_PORT" 1500 500 >"$TDIR/a.sent" &
	pid_a=$!
	sent_b=$(send_udp 0 "$OTHER4" "$RL_PORT" 1500 500)
	wait "$pid_a"
	sent_a=$(cat "$TDIR/a.sent")
	stop_sink "$RL_PORT"

	equal "datagrams from the allowlisted source" "$sent_a" "$(arrived "$RL_PORT" "$CLIENT4")"
	(($(counter allow) - allow0 >= sent_a)) || fail "the allow counter grew by less than $sent_a"
	not_autoban_of "$CLIENT4/32" || fail "the allowlisted source was banned: $(xg list)"
	(($(arrived "$RL_PORT" "$OTHER4") * 2 < sent_b)) ||
		fail "the other source got $(arrived "$RL_PORT" "$OTHER4") of $sent_b through"
	# Dropped as rate until the ban, as ban after it.
	(($(counter rate) + $(counter ban) - rate0 - ban0 >= sent_b / 2)) ||
		fail "the rate and ban counters barely grew"
	autoban_of "$OTHER4/32" || fail "the other source, over its limit for 3 s, was not banned"
	expect_pass 0 4
}

# ---- the limit and config commands --------------------------------------------

# limit_json FILTER: a value from limit --json, through jq.
limit_json() {
	xg limit --json | jq -cer "$1"
}

# The rule for MATCH from limit --json, keys sorted, on one line.
rule_json() {
	limit_json ".rules[] | select(.match == \"$1\")" | jq -cS .
}

# rule_is MATCH JSON: the rule for MATCH is exactly JSON (any key order).
rule_is() {
	equal "rule $1" "$(jq -cS . <<<"$2")" "$(rule_json "$1")"
}

# keeps SHOWCMD STATUS PATTERN CMD...: as must_fail (lib.sh), and the output
# of `xg SHOWCMD` (limit or config, with --json) is the same after CMD.
# Cheaper than rejects, which runs four commands around each one: a block
# of rejections is framed by one full_state before and one after.
keeps() {
	local show=$1 before after
	shift
	before=$(xg "$show" --json)
	must_fail "$@"
	after=$(xg "$show" --json)
	if [ "$before" != "$after" ]; then
		diff -u <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
		fail "'${*:3}' was rejected but changed what $show shows"
	fi
}

limit_rejects() {
	keeps limit "$@"
}

config_rejects() {
	keeps config "$@"
}

# Everything a rejected command must leave alone: the lists, the
# interfaces, the rules and the settings.
full_state() {
	snapshot
	xg limit --json
	xg config --json
}

test_limit_set_change_show_remove() {
	local out want others
	load_guard
	equal "rules of a new guard" 0 "$(limit_json '.rules | length')"
	equal "limit with no rules" "$(printf 'Rate-limit rules (0):\n  none')" "$(xg limit)"

	out=$(xg limit 8000/tcp --pps 200 --syn-pps 20 --budget-pps 50000)
	equal "confirmation" "Rule for 8000/tcp set" "$out"
	xg limit icmp --pps 10
	xg limit any --budget-pps 100000 --budget-syn-pps 500
	xg limit 53/udp --bps 100000 --bytes-burst 5000
	# Port rules first, by port, then protocol rules, then any; bursts as
	# in effect, the defaults (a fifth of the rate) included.
	want=$(printf '%s\n' "Rate-limit rules (4):" \
		"  53/udp     bps 100000 burst 5000" \
		"  8000/tcp   pps 200 burst 40 syn-pps 20 burst 4 budget-pps 50000" \
		"  icmp       pps 10 burst 2" \
		"  any        budget-pps 100000 budget-syn-pps 500")
	equal "limit" "$want" "$(xg limit)"
	equal "matches in limit --json" '["53/udp","8000/tcp","icmp","any"]' "$(limit_json '[.rules[].match]')"
	# Every rule has every key, null for what it does not set.
	rule_is 8000/tcp '{"match": "8000/tcp", "pps": 200, "burst": 40, "bps": null,
		"bytes_burst": null, "syn_pps": 20, "syn_burst": 4, "budget_pps": 50000,
		"budget_syn_pps": null, "ban_after_s": null, "ban_for_s": null}'
	rule_is 53/udp '{"match": "53/udp", "pps": null, "burst": null, "bps": 100000,
		"bytes_burst": 5000, "syn_pps": null, "syn_burst": null, "budget_pps": null,
		"budget_syn_pps": null, "ban_after_s": null, "ban_for_s": null}'
	equal "rules in status --json" "$(limit_json .rules)" "$(status_json .rules | jq -c .)"

	# Changing a rule: it becomes exactly what the options say; what they
	# leave out is off, and the other rules are untouched.
	others=$(limit_json '[.rules[] | select(.match != "8000/tcp")]')
	out=$(xg limit 8000/tcp --pps 100 --burst 7 --ban-after 5s --ban-for 10m)
	equal "confirmation" "Rule for 8000/tcp set" "$out"
	rule_is 8000/tcp '{"match": "8000/tcp", "pps": 100, "burst": 7, "bps": null,
		"bytes_burst": null, "syn_pps": null, "syn_burst": null, "budget_pps": null,
		"budget_syn_pps": null, "ban_after_s": 5, "ban_for_s": 600}'
	equal "the other rules" "$others" "$(limit_json '[.rules[] | select(.match != "8000/tcp")]')"
	must_say "^  8000/tcp   pps 100 burst 7 ban-after 5s ban-for 10m$" "$(xg limit)"
	equal "rules after a change" 4 "$(limit_json '.rules | length')"

	out=$(xg limit --remove icmp)
	equal "confirmation" "Removed the rule for icmp" "$out"
	equal "matches after removing icmp" '["53/udp","8000/tcp","any"]' \
		"$(limit_json '[.rules[].match]')"
	xg limit -r 53/udp
	xg limit --remove any
	xg limit --remove 8000/tcp
	equal "rules after removing them all" 0 "$(limit_json '.rules | length')"
	equal "rules in status" 0 "$(status_json '.rules | length')"
}

test_limit_rejects() {
	local p before
	load_guard
	xg block 198.51.100.0/24
	xg limit 8000/tcp --pps 200 --syn-pps 20
	# Protocols in any case: ICMP is the icmp rule.
	xg limit ICMP --pps 10 --ban-after 10s --ban-for 1m
	equal "the ICMP rule" icmp "$(limit_json '.rules[] | select(.match == "icmp") | .match')"
	before=$(full_state)
	# Matches.
	limit_rejects 2 "^Error: '80/sctp': unknown protocol" xg limit 80/sctp --pps 5
	limit_rejects 2 "^Error: 'TLS': unknown protocol" xg limit TLS --pps 5
	limit_rejects 2 "^Error: '8000': a port needs its protocol, like 8000/tcp" xg limit 8000 --pps 5
	limit_rejects 2 "^Error: ambiguous option --ban: it could be --ban-after, --ban-for" \
		xg limit 53/udp --pps 5 --ban 5s
	limit_rejects 2 "^Error: '0/udp': port 0" xg limit 0/udp --pps 5
	limit_rejects 2 "^Error: '65536/udp': the port is over 65535" xg limit 65536/udp --pps 5
	limit_rejects 2 "^Error: '80/icmp': only tcp and udp have ports" xg limit 80/icmp --pps 5
	limit_rejects 2 "^Error: '80/any': only tcp and udp have ports" xg limit 80/any --pps 5
	limit_rejects 2 "^Error: one MATCH at a time" xg limit 8000/tcp 8001/tcp --pps 5
	# Limits that do not fit the match, or each other.
	limit_rejects 2 "^Error: 53/udp: SYN limits apply to TCP" xg limit 53/udp --syn-pps 5
	limit_rejects 2 "^Error: icmp: SYN limits apply to TCP" xg limit icmp --syn-pps 5
	limit_rejects 2 "^Error: 53/udp: a burst needs its rate" xg limit 53/udp --pps 5 --syn-burst 3
	limit_rejects 2 "^Error: 53/udp: a burst needs its rate" xg limit 53/udp --bps 900 --burst 3
	limit_rejects 2 "^Error: 53/udp: " xg limit 53/udp --burst 3
	limit_rejects 2 "^Error: 53/udp: auto-ban needs both" xg limit 53/udp --pps 5 --ban-after 5s
	limit_rejects 2 "^Error: 53/udp: auto-ban needs both" xg limit 53/udp --pps 5 --ban-for 5m
	limit_rejects 2 "^Error: 53/udp: auto-ban needs a per-source limit" \
		xg limit 53/udp --budget-pps 500 --ban-after 5s --ban-for 5m
	limit_rejects 2 "^Error: --pps: '0' is not a whole number" xg limit 53/udp --pps 0
	limit_rejects 2 "^Error: --pps: '1000000001' is not" xg limit 53/udp --pps 1000000001
	limit_rejects 2 "^Error: --pps: 'many' is not" xg limit 53/udp --pps many
	limit_rejects 2 "^Error: --ban-after: " xg limit 53/udp --pps 5 --ban-after 0 --ban-for 5m
	# What to do is unclear.
	limit_rejects 2 "^Error: give the limits for 8000/tcp" xg limit 8000/tcp
	limit_rejects 2 "^Error: name the traffic the rule is for" xg limit --pps 5
	limit_rejects 2 "^Error: --remove takes no limits" xg limit --remove 8000/tcp --pps 5
	limit_rejects 2 "^Error: unknown option --rate" xg limit 8000/tcp --rate 5
	# A bad change leaves the rule it would have changed as it was.
	limit_rejects 2 "^Error: 8000/tcp: auto-ban needs both" xg limit 8000/tcp --pps 1 --ban-after 5s
	limit_rejects 2 "^Error: icmp: SYN limits" xg limit icmp --syn-pps 1
	# Removing what is not there.
	limit_rejects 1 "^Error: there is no rule for 8001/tcp" xg limit --remove 8001/tcp
	limit_rejects 1 "^Error: there is no rule for tcp" xg limit --remove tcp
	# Errors are also JSON on stdout with --json.
	limit_rejects 1 '^\{"error": "there is no rule for udp"\}$' xg limit --json --remove udp
	equal "the state after the rejections" "$before" "$(full_state)"

	# 64 rules at most; a full table still takes changes to its rules.
	for p in $(seq 1001 1062); do
		"$XG" limit --pin-path "$PIN" "$p/udp" --pps 5 >/dev/null
	done
	equal "rules" 64 "$(limit_json '.rules | length')"
	limit_rejects 1 "^Error: all 64 rule slots are in use" xg limit 2000/udp --pps 5
	xg limit 1001/udp --pps 6
	rule_is 1001/udp '{"match": "1001/udp", "pps": 6, "burst": 1, "bps": null,
		"bytes_burst": null, "syn_pps": null, "syn_burst": null, "budget_pps": null,
		"budget_syn_pps": null, "ban_after_s": null, "ban_for_s": null}'
}

# The rules and the settings live in pinned maps: they outlast the program.
test_limit_rules_survive_reload() {
	local rules settings got
	load_guard
	xg limit icmp --pps 10
	xg limit 8000/tcp --pps 100 --syn-pps 10 --ban-after 30s --ban-for 1h
	xg config --ipv6-prefix 48 --event-window 30s
	rules=$(limit_json .)
	settings=$(xg config --json | jq -c .)
	xg unload "${IFACE[0]}"
	equal "rules while unloaded" "$rules" "$(limit_json .)"
	xg load "${IFACE[0]}"
	equal "rules after a new load" "$rules" "$(limit_json .)"
	equal "settings after a new load" "$settings" "$(xg config --json | jq -c .)"
	# And the new program holds to them.
	got=$(ping_flood 0 4)
	((got > 0 && got < 50)) || fail "after the reload, $got of 100 pings answered at 10/s"
}

test_config_settings() {
	local want before
	load_guard
	want=$(printf '%s\n' "ipv6-prefix   /64" "established   2s" "event-window  10s" \
		"event-rate    1000/s")
	equal "default settings" "$want" "$(xg config)"
	equal "default settings as JSON" \
		'{"ipv6_prefix":64,"established_s":2,"event_window_s":10,"event_rate":1000}' \
		"$(xg config --json | jq -c .)"

	# Options given change; the others keep their value.
	xg config --ipv6-prefix 56
	equal "settings" '{"ipv6_prefix":56,"established_s":2,"event_window_s":10,"event_rate":1000}' \
		"$(xg config --json | jq -c .)"
	want=$(printf '%s\n' "ipv6-prefix   /56" "established   5s" "event-window  1m" \
		"event-rate    50/s")
	equal "config with changes" "$want" "$(xg config --established 5s --event-window 1m --event-rate 50)"
	equal "settings" '{"ipv6_prefix":56,"established_s":5,"event_window_s":60,"event_rate":50}' \
		"$(xg config --json | jq -c .)"
	# Back to the defaults, given as values.
	xg config --ipv6-prefix 64 --established 2 --event-window 10s --event-rate 1000
	equal "settings" '{"ipv6_prefix":64,"established_s":2,"event_window_s":10,"event_rate":1000}' \
		"$(xg config --json | jq -c .)"

	xg config --ipv6-prefix 60
	xg limit icmp --pps 10
	before=$(full_state)
	config_rejects 2 "^Error: --ipv6-prefix: '0' is not a whole number from 1 to 128" \
		xg config --ipv6-prefix 0
	config_rejects 2 "^Error: --ipv6-prefix: '129' is not" xg config --ipv6-prefix 129
	config_rejects 2 "^Error: --ipv6-prefix: '/56' is not" xg config --ipv6-prefix /56
	config_rejects 2 "^Error: --established: '0': duration must be longer than zero" \
		xg config --established 0
	config_rejects 2 "^Error: --established: " xg config --established soon
	config_rejects 2 "^Error: --event-window: " xg config --event-window -1
	config_rejects 2 "^Error: --event-rate: '0' is not" xg config --event-rate 0
	config_rejects 2 "^Error: --event-rate: '1000000001' is not" xg config --event-rate 1000000001
	# A bad value among good ones: none is applied.
	config_rejects 2 "^Error: --ipv6-prefix: " xg config --event-rate 5 --ipv6-prefix 200
	config_rejects 2 "^Error: unexpected argument 'ipv6-prefix'" xg config ipv6-prefix 48
	equal "the state after the rejections" "$before" "$(full_state)"
	equal "IPv6 prefix after the rejections" 60 "$(xg config --json | jq .ipv6_prefix)"
}

# IPv6 sources are counted per prefix: per /64 by default, per /56 once
# config says so.  A rule of 1 packet a second with a burst of 20 lets a
# source send 20 at once; 15 from each of two addresses fit if they are two
# sources, and overdraw by about 10 if they are one.
test_config_ipv6_prefix_shares_bucket() {
	local a=2001:db8:77::2 same64=2001:db8:77::3 other64=2001:db8:77:5::2 r0 r1
	need_python
	load_guard
	add_source 0 "$same64" "$other64"
	xg limit "$RL_PORT/udp" --pps 1 --burst 20
	r0=$(counter rate)
	send_udp 0 "$a" "$RL_PORT" 15 >/dev/null
	send_udp 0 "$other64" "$RL_PORT" 15 >/dev/null
	r1=$(counter rate)
	equal "drops of two /64s, each within its burst" 0 $((r1 - r0))
	send_udp 0 "$same64" "$RL_PORT" 15 >/dev/null
	r0=$(counter rate)
	echo "one /64, two addresses: $((r0 - r1)) drops" >&2
	((r0 - r1 >= 5)) || fail "two addresses in one /64 had separate meters: $((r0 - r1)) drops"

	xg config --ipv6-prefix 56
	# A rule of its own, so that no meter from before is reused.
	xg limit "$OPEN_PORT/udp" --pps 1 --burst 20
	send_udp 0 "$a" "$OPEN_PORT" 15 >/dev/null
	send_udp 0 "$other64" "$OPEN_PORT" 15 >/dev/null
	r1=$(counter rate)
	echo "one /56, two /64s: $((r1 - r0)) drops" >&2
	((r1 - r0 >= 5)) || fail "two /64s in one /56 had separate meters: $((r1 - r0)) drops"
	# Sources: two /64s for the first rule, one /56 for the second.
	equal "tracked sources" 3 "$(status_json .tracked_sources)"
}
