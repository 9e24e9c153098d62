# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Real packets: a client namespace pings and connects to a server namespace
# through an interface that xdp-guard guards (see lib.sh).  What the CLI
# puts on the lists must decide what gets through, and nothing else.

test_block_ipv4() {
	load_guard
	with_tcp 0
	expect_pass 0 4
	xg block "$CLIENT4"
	expect_drop 0 4
	# The other family is not touched.
	expect_pass 0 6
	xg unblock "$CLIENT4"
	expect_pass 0 4
	# The allowlist wins over the blocklist, and only while it holds.
	xg block "$CLIENT4"
	expect_drop 0 4
	xg allow "$CLIENT4"
	expect_pass 0 4
	xg disallow "$CLIENT4"
	expect_drop 0 4
}

test_block_ipv6() {
	load_guard
	with_tcp 0
	expect_pass 0 6
	xg block "$CLIENT6"
	expect_drop 0 6
	expect_pass 0 4
	xg unblock "$CLIENT6"
	expect_pass 0 6
	xg block "$CLIENT6"
	expect_drop 0 6
	xg allow "$CLIENT6"
	expect_pass 0 6
	xg disallow "$CLIENT6"
	expect_drop 0 6
}

test_block_prefix() {
	load_guard
	with_tcp 0
	# Neighbouring prefixes do not cover the client.
	xg block 10.77.1.0/24 10.76.0.0/16 2001:db8:77:1::/64
	expect_pass 0 4
	expect_pass 0 6
	xg block 10.77.0.0/24 2001:db8:77::/64
	expect_drop 0 4
	expect_drop 0 6
	xg unblock 10.77.0.0/24 2001:db8:77::/64
	expect_pass 0 4
	expect_pass 0 6
	# Short prefixes, in the longest-match trie.
	xg block 10.0.0.0/8 2001:db8::/32
	expect_drop 0 4
	expect_drop 0 6
	# Unblocking one address does not cut a hole in a blocked prefix...
	must_fail 1 "$CLIENT4/32 is not on the blocklist" xg unblock "$CLIENT4"
	expect_drop 0 4
	# ...allowlisting it does, and for that address only.
	xg allow "$CLIENT4" 2001:db8:77::2/128
	expect_pass 0 4
	expect_pass 0 6
}

test_ttl_block_expires() {
	local left text
	load_guard
	xg block --ttl 2s "$CLIENT4"
	left=$(list_json '.blocklist[0].expires_in_s')
	((left >= 1 && left <= 2)) || fail "expires_in_s is $left, not 1 or 2"
	text=$(xg list)
	must_say "$CLIENT4/32 +[12]s +manual" "$text"
	expect_drop 0 4
	sleep 2
	expect_pass 0 4
	equal "blocklist entries after expiry" 0 "$(list_json '.blocklist | length')"
	must_say "Blocklist \(0 entries\)" "$(xg list)"
	equal "status blocklist size" 0 "$(status_json '.lists.blocklist')"
}

test_ttl_allow_expires() {
	local left
	load_guard
	xg block "$CLIENT6"
	xg allow --ttl 2s "$CLIENT6"
	left=$(list_json '.allowlist[0].expires_in_s')
	((left >= 1 && left <= 2)) || fail "expires_in_s is $left, not 1 or 2"
	expect_pass 0 6
	sleep 2
	# The allowlist entry is gone, the block it covered is back.
	expect_drop 0 6
	equal "allowlist entries after expiry" 0 "$(list_json '.allowlist | length')"
	equal "blocklist entries" 1 "$(list_json '.blocklist | length')"
}

test_two_interfaces_share_lists() {
	local text
	make_wire 0
	make_wire 1
	xg load "${IFACE[0]}" "${IFACE[1]}"
	equal "interfaces in status" "${IFACE[0]} ${IFACE[1]}" \
		"$(status_json '[.interfaces[].ifname] | sort | join(" ")')"
	text=$(xg status)
	must_say "Interfaces \(2\)" "$text"
	must_say "${IFACE[0]} +native" "$text"
	must_say "${IFACE[1]} +native" "$text"
	expect_pass 0 4
	expect_pass 1 4
	# One block, both interfaces.
	xg block "$CLIENT4"
	expect_drop 0 4
	expect_drop 1 4
	xg unblock "$CLIENT4"
	expect_pass 0 4
	expect_pass 1 4
	# Unloading one interface leaves the other guarded, with the same list.
	xg unload "${IFACE[1]}"
	xg block "$CLIENT4"
	expect_drop 0 4
	expect_pass 1 4
	equal "interfaces in status" "${IFACE[0]}" "$(status_json '[.interfaces[].ifname] | join(" ")')"
}

test_skb_mode() {
	make_wire 0
	xg load --mode skb "${IFACE[0]}"
	equal "mode" skb "$(status_json '.interfaces[0].mode')"
	equal "attached program" "$(status_json '.interfaces[0].program_id')" \
		"$(xdp_prog_id "${IFACE[0]}")"
	expect_pass 0 4
	xg block "$CLIENT4" "$CLIENT6"
	expect_drop 0 4
	expect_drop 0 6
}

test_xdp_loader_interop() {
	need_cmd xdp-loader
	make_wire 0
	# The installed object, loaded by xdp-tools' own loader, pinning its
	# maps where xdp-guard looks for them.
	echo "+ xdp-loader load --pin-path $PIN ${IFACE[0]} $BPF_OBJ" >&2
	xdp-loader load --pin-path "$PIN" "${IFACE[0]}" "$BPF_OBJ" >&2
	expect_pass 0 4
	xg block "$CLIENT4"
	expect_drop 0 4
	equal "interfaces in status" "${IFACE[0]}" "$(status_json '[.interfaces[].ifname] | join(" ")')"
	equal "guard in status" xdp_guard \
		"$(status_json '.interfaces[0].programs[] | select(.guard) | .name')"
	xg unblock "$CLIENT4"
	expect_pass 0 4
	# And the CLI can take it off again.
	xg unload "${IFACE[0]}"
	equal "XDP program after unload" "" "$(xdp_prog_id "${IFACE[0]}")"
}

# The demo (make demo) is a story told with real traffic: keep it working.
test_demo() {
	local pid rc=0 out="$TDIR/demo.out" p="${T}d"
	need_cmd python3
	# Its names start with ours, so that the runner's sweep would find
	# what it left if it were killed.
	DEMO_PREFIX="$p" DEMO_FAST=1 DEMO_ATTACK_SECONDS=5 XDP_GUARD="$XG" \
		bash "$TOPDIR/scripts/demo.sh" </dev/null >"$out" 2>&1 &
	pid=$!
	wait "$pid" || rc=$?
	cat "$out" >&2
	equal "demo exit status" 0 "$rc"
	must_say "^==> What happened" "$(cat "$out")"
	must_say "after the block: [0-9]+ in all, and 0 failed" "$(cat "$out")"
	# It cleaned up after itself.
	equal "namespaces left by the demo" "" "$(ip netns list | grep "^$p-" || true)"
	equal "interfaces left by the demo" "" "$(ip -o link show | grep ": $p" || true)"
	[ ! -e "/sys/fs/bpf/$p" ] || fail "the demo left /sys/fs/bpf/$p"
}
