# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The lists as a whole: files, standard input, a large list, concurrent
# writers, the counters, the JSON the commands print, and what survives an
# unload.

# expect_list LIST PREFIX...: LIST holds exactly these prefixes (any order).
expect_list() {
	local list=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(list_prefixes "$list" | sort)
	if [ "$want" != "$got" ]; then
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
		fail "the $list is not as expected"
	fi
}

test_file_firehol() {
	local f="$TDIR/firehol_level1.netset"
	load_guard
	# The shape of a FireHOL .netset: a comment header, one prefix or
	# address a line, blank lines; plus the odd stray white space and a
	# line ending in CR LF.
	cat >"$f" <<-'EOF'
	#
	# firehol_level1 (a test copy, documentation ranges only)
	#
	# Maintainer      : FireHOL
	# Entries         : 6 subnets, 2 unique IPs
	#

	198.51.100.0/24
	203.0.113.7
	  203.0.113.64/26
	2001:db8:1::/48
	10.77.0.0/24
	EOF
	printf '203.0.113.128/25\r\n\n# end\n' >>"$f"
	xg block --file "$f"
	expect_list blocklist 10.77.0.0/24 198.51.100.0/24 203.0.113.7/32 203.0.113.64/26 \
		2001:db8:1::/48 203.0.113.128/25
	# The client is in 10.77.0.0/24.
	expect_drop 0 4
	# The same file takes the entries off again.
	xg unblock --file "$f"
	expect_list blocklist
	expect_pass 0 4
	# And feeds the allowlist.
	xg allow --file "$f"
	expect_list allowlist 10.77.0.0/24 198.51.100.0/24 203.0.113.7/32 203.0.113.64/26 \
		2001:db8:1::/48 203.0.113.128/25
	xg disallow --file "$f"
	expect_list allowlist
}

# Each prefix counts once, however often the arguments and the file give
# it, and however it is written.
test_file_repeats() {
	local f="$TDIR/repeats.txt" out
	load_guard
	printf '%s\n' 198.51.100.0/24 203.0.113.7 198.51.100.0/24 203.0.113.7/32 \
		2001:db8:1::/48 2001:DB8:1:0::/48 >"$f"
	out=$(xg block 203.0.113.7 198.51.100.0/24 --file "$f")
	case $out in
	"Added 3 entries to the blocklist"*) ;;
	*) fail "block with repeats said: $out" ;;
	esac
	expect_list blocklist 198.51.100.0/24 203.0.113.7/32 2001:db8:1::/48
	out=$(xg unblock --file "$f")
	case $out in
	"Removed 3 entries from the blocklist"*) ;;
	*) fail "unblock with repeats said: $out" ;;
	esac
	expect_list blocklist
}

test_file_stdin() {
	load_guard
	printf '# from a pipe\n198.51.100.0/24\n%s\n' "$CLIENT6" | xg block --file -
	expect_list blocklist 198.51.100.0/24 "$CLIENT6/128"
	expect_drop 0 6
	# Arguments and standard input together.
	printf '203.0.113.0/24\n' | xg block "$CLIENT4" --file -
	expect_list blocklist 198.51.100.0/24 "$CLIENT6/128" 203.0.113.0/24 "$CLIENT4/32"
	expect_drop 0 4
	printf '%s\n%s\n' "$CLIENT4" "$CLIENT6" | xg allow --ttl 1h --file -
	expect_pass 0 4
	expect_pass 0 6
	printf '%s\n' "$CLIENT4" "$CLIENT6" | xg unblock --file -
	expect_list blocklist 198.51.100.0/24 203.0.113.0/24
}

test_file_large() {
	local f="$TDIR/large.netset" start took
	load_guard
	# 100,000 entries: 95,000 addresses (the hash map) and 4,999 /24s
	# (the trie), then the client itself on the last line.
	awk 'BEGIN {
		for (i = 0; i < 95000; i++)
			printf "10.%d.%d.%d\n", 100 + int(i / 65536), int(i / 256) % 256, i % 256
		for (i = 0; i < 4999; i++)
			printf "10.%d.%d.0/24\n", 200 + int(i / 256), i % 256
	}' >"$f"
	echo "$CLIENT4" >>"$f"
	equal "lines in $f" 100000 "$(wc -l <"$f")"
	start=$SECONDS
	xg block --file "$f"
	took=$((SECONDS - start))
	echo "blocking 100,000 entries took ${took}s" >&2
	[ "$took" -le 60 ] || fail "blocking 100,000 entries took ${took}s"
	equal "blocklist size in status" 100000 "$(status_json '.lists.blocklist')"
	equal "blocklist size in list" 100000 "$(list_json '.blocklist | length')"
	expect_drop 0 4
	# A list this large still takes one more entry and gives one back.
	xg unblock "$CLIENT4"
	expect_pass 0 4
	must_say "99999" "$(xg unblock --all)"
	equal "blocklist size" 0 "$(status_json '.lists.blocklist')"
}

test_concurrent_blocks() {
	local i pids=() rc=0 want=() f
	load_guard
	# Sixteen writers at once, some with a file: under the pin path's lock
	# every one of them must land, none overwrite another.
	for i in $(seq 0 15); do
		want+=("10.88.$i.0/24" "10.89.$i.1/32")
		if [ $((i % 4)) -eq 0 ]; then
			f="$TDIR/part$i"
			seq 0 199 | sed "s/^/10.90.$i./" >"$f"
			while read -r line; do want+=("$line/32"); done <"$f"
			xg block "10.88.$i.0/24" "10.89.$i.1" --file "$f" &
		else
			xg block "10.88.$i.0/24" "10.89.$i.1" &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	[ "$rc" -eq 0 ] || fail "a concurrent block failed (exit $rc)"
	expect_list blocklist "${want[@]}"
	# Removals and additions racing each other, on disjoint entries.
	pids=()
	for i in $(seq 0 15); do
		xg unblock "10.88.$i.0/24" &
		pids+=($!)
		xg allow "10.91.$i.1" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	[ "$rc" -eq 0 ] || fail "a concurrent unblock or allow failed (exit $rc)"
	equal "blocklist size" $((${#want[@]} - 16)) "$(status_json '.lists.blocklist')"
	equal "allowlist size" 16 "$(status_json '.lists.allowlist')"
}

# A snapshot of the counters, as "reason packets bytes" lines.
counters_now() {
	xg status --json | jq -r '.counters | to_entries[] | "\(.key) \(.value.packets) \(.value.bytes)"'
}

# delta BEFORE AFTER REASON FIELD(2: packets, 3: bytes)
delta() {
	local a b
	a=$(awk -v r="$3" -v f="$4" '$1 == r { print $f }' <<<"$1")
	b=$(awk -v r="$3" -v f="$4" '$1 == r { print $f }' <<<"$2")
	echo $((b - a))
}

test_counters() {
	local c0 c1 c2 c3 d
	# An IPv4 echo request on the wire: 14 + 20 + 8 + 56 bytes.
	local frame=98
	load_guard
	c0=$(counters_now)
	ip netns exec "${CLI_NS[0]}" ping -4 -q -c 5 -i 0.2 -W 2 "$SERVER4" >&2
	c1=$(counters_now)
	d=$(delta "$c0" "$c1" pass 2)
	[ "$d" -ge 5 ] || fail "pass counted $d packets for 5 passed pings"
	d=$(delta "$c0" "$c1" pass 3)
	[ "$d" -ge $((5 * frame)) ] || fail "pass counted $d bytes for 5 passed pings"
	equal "block packets while nothing is blocked" 0 "$(delta "$c0" "$c1" block 2)"
	# ARP is not IP, and passes.
	d=$(delta "$c0" "$c1" non_ip 2)
	[ "$d" -ge 1 ] || fail "non_ip counted no ARP"

	xg block "$CLIENT4"
	c1=$(counters_now)
	ip netns exec "${CLI_NS[0]}" ping -4 -q -c 5 -i 0.2 -W 1 "$SERVER4" >&2 || true
	c2=$(counters_now)
	# Nothing else in the client's namespace sends from its IPv4 address,
	# so the five requests are all the block counter sees.
	equal "block packets" 5 "$(delta "$c1" "$c2" block 2)"
	equal "block bytes" $((5 * frame)) "$(delta "$c1" "$c2" block 3)"
	d=$(delta "$c1" "$c2" pass 2)
	[ "$d" -lt 5 ] || fail "pass counted $d packets while the pings were blocked"

	xg allow "$CLIENT4"
	ip netns exec "${CLI_NS[0]}" ping -4 -q -c 5 -i 0.2 -W 2 "$SERVER4" >&2
	c3=$(counters_now)
	equal "allow packets" 5 "$(delta "$c2" "$c3" allow 2)"
	equal "allow bytes" $((5 * frame)) "$(delta "$c2" "$c3" allow 3)"
	equal "block packets while allowlisted" 0 "$(delta "$c2" "$c3" block 2)"
	equal "malformed packets" 0 "$(delta "$c0" "$c3" malformed 2)"
}

test_json_shapes() {
	local status list out
	load_guard
	xg block --ttl 1h 198.51.100.0/24
	xg block "$CLIENT6"
	xg allow 203.0.113.7
	status=$(xg status --json)
	list=$(xg list --json)
	printf '%s\n' "$status" "$list" >&2
	# Valid JSON for any parser, not only jq.
	if [ -n "$PYTHON" ]; then
		"$PYTHON" -m json.tool <<<"$status" >/dev/null || fail "status --json is not JSON"
		"$PYTHON" -m json.tool <<<"$list" >/dev/null || fail "list --json is not JSON"
	fi
	jq -e --arg ifname "${IFACE[0]}" '
		(.interfaces | type == "array" and length == 1)
		and (.interfaces[0] | (.ifname == $ifname)
			and (.mode == "native")
			and (.attach == "direct" or .attach == "dispatcher")
			and (.priority | type == "number"))
		and (.counters | type == "object")
		and ([.counters | keys[]] | contains(["pass", "allow", "block"]))
		and ([.counters[] | (.packets | type == "number") and (.bytes | type == "number")] | all)
		and (.lists.blocklist == 2 and .lists.allowlist == 1)
	' <<<"$status" >/dev/null || fail "status --json does not have the documented shape"
	jq -e '
		(keys | contains(["blocklist", "allowlist"]))
		and ([.blocklist[], .allowlist[]]
			| map((.prefix | type == "string")
				and (.expires_in_s == null or (.expires_in_s | type == "number")))
			| all)
		and ([.blocklist[].prefix] == ["198.51.100.0/24", "2001:db8:77::2/128"])
		and (.blocklist[0].expires_in_s > 3590 and .blocklist[0].expires_in_s <= 3600)
		and (.blocklist[1].expires_in_s == null)
		and (.allowlist == [.allowlist[0]] and .allowlist[0].prefix == "203.0.113.7/32")
	' <<<"$list" >/dev/null || fail "list --json does not have the documented shape"
	# In JSON mode an error is JSON too, on standard output.
	must_fail 1 "" "$XG" list --json --pin-path "$PIN-none"
	out=$("$XG" list --json --pin-path "$PIN-none" 2>/dev/null) || true
	jq -e '.error | type == "string"' <<<"$out" >/dev/null ||
		fail "list --json does not print its error as JSON: $out"
}

# An index another version laid out differently (here the IPv4 /24 index
# with a byte per /24, as it was before the lone-host byte): commands that
# only open the state refuse it and say that load makes it afresh; load
# does, and the lists and their verdicts are as they were.
test_load_remakes_old_index() {
	local before
	need_cmd bpftool
	load_guard
	xg block "$CLIENT4" 198.51.100.0/24
	expect_drop 0 4
	before=$(xg list --json)
	xg unload --all
	rm "$PIN/xg_dir_v4"
	bpftool map create "$PIN/xg_dir_v4" type array key 4 value 65536 entries 256 \
		name xg_dir_v4 >&2 || fail "bpftool could not make the old map"
	must_fail 1 "xg_dir_v4 .*xdp-guard load makes it afresh" xg list
	xg load "${IFACE[0]}"
	equal "list after load" "$before" "$(xg list --json)"
	expect_drop 0 4
	xg unblock "$CLIENT4"
	expect_pass 0 4
}

test_unload_keeps_lists() {
	local before
	load_guard
	xg block "$CLIENT4" 198.51.100.0/24
	xg allow 203.0.113.7
	before=$(xg list --json)
	expect_drop 0 4
	xg unload --all
	equal "XDP program after unload" "" "$(xdp_prog_id "${IFACE[0]}")"
	equal "interfaces in status" 0 "$(status_json '.interfaces | length')"
	equal "list after unload" "$before" "$(xg list --json)"
	expect_pass 0 4
	# A second load finds the lists where they were.
	xg load "${IFACE[0]}"
	equal "list after reload" "$before" "$(xg list --json)"
	expect_drop 0 4
	# --purge takes them away with the program.
	must_say "Removed the xdp-guard state at $PIN" "$(xg unload --all --purge)"
	[ ! -e "$PIN" ] || fail "$PIN is still there after --purge: $(ls -A "$PIN")"
	must_fail 1 "^Error: " xg list
	expect_pass 0 4
	# And the next load starts empty.
	xg load "${IFACE[0]}"
	equal "blocklist after purge and load" 0 "$(list_json '.blocklist | length')"
	expect_pass 0 4
}
