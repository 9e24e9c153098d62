# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Bad input and impossible requests: each must exit non-zero, say why, and
# leave the lists and the interfaces exactly as they were (`rejects`
# compares list --json and status --json before and after).

# A guard on wire 0 with something on both lists, so that "unchanged"
# means something.
seeded_guard() {
	load_guard
	xg block 198.51.100.0/24 2001:db8:dead::/48 203.0.113.9
	xg allow 203.0.113.7
}

test_rejects_invalid_prefixes() {
	local bad
	seeded_guard
	for bad in 10.0.0.300 10.0.0.0/33 2001:db8::/129 bogus 1.2.3 10.0.0.1/ /24 \
		10.0.0.1/024 10.0.0.0/-8 2001:db8:::1 "10.0.0.1 10.0.0.2" ""; do
		rejects 2 "^Error: '$bad': " xg block "$bad"
	done
	# One bad prefix among good ones: none is added.
	rejects 2 "^Error: 'nonsense': " xg block 10.55.0.1 nonsense 10.55.0.2
	# Every command that takes prefixes checks them the same way.
	rejects 2 "^Error: '10.0.0.0/33': " xg allow 10.0.0.0/33
	rejects 2 "^Error: 'bogus': " xg unblock bogus
	rejects 2 "^Error: 'bogus': " xg disallow bogus
}

test_rejects_host_bits() {
	seeded_guard
	rejects 2 "^Error: '10.1.2.3/24': host bits set" xg block 10.1.2.3/24
	rejects 2 "^Error: '2001:db8::1/64': host bits set" xg block 2001:db8::1/64
	rejects 2 "^Error: '198.51.100.1/24': host bits set" xg unblock 198.51.100.1/24
	rejects 2 "^Error: '203.0.113.7/31': host bits set" xg allow 203.0.113.7/31
}

test_rejects_bad_file_line() {
	local f="$TDIR/list.netset"
	seeded_guard
	printf '%s\n' "# a list with one typo" 10.60.0.0/16 "" 10.61.0.1 10.62.0.0/33 10.63.0.1 >"$f"
	# The error names the file, the line and the value.
	rejects 1 "^Error: $f:5: '10.62.0.0/33': prefix length" xg block --file "$f"
	rejects 1 "^Error: <stdin>:5: '10.62.0.0/33'" xg block --file - <"$f"
	# Arguments that are fine do not rescue a bad file.
	rejects 1 "^Error: $f:5: " xg block 10.64.0.1 --file "$f"
	rejects 1 "^Error: $f:5: " xg allow --file "$f"
	rejects 1 "^Error: $f:5: " xg unblock --file "$f"
	rejects 1 "^Error: cannot open $TDIR/missing: No such file" xg block --file "$TDIR/missing"
	# A host-bits typo in a file is caught too.
	printf '10.70.0.0/16\n10.71.0.1/8\n' >"$f"
	rejects 1 "^Error: $f:2: '10.71.0.1/8': host bits set" xg block --file "$f"
	# A directory opens, but says why it cannot be read.
	rejects 1 "^Error: $TDIR:1: Is a directory" xg block --file "$TDIR"
	# An IPv4-mapped address is an IPv6 entry: added, with a note that
	# it is no IPv4 one.
	must_say "^Note: ::ffff:192.0.2.1/128 is an IPv4-mapped IPv6 prefix: .*give 192.0.2.1\)$" \
		"$(xg block ::ffff:192.0.2.1 2>&1)"
}

# An add with --ttl gives its deadline to entries that had none: said.
test_ttl_over_for_good_says_so() {
	local out
	seeded_guard
	xg block 198.51.100.7 198.51.100.8
	must_say "^Note: 1 of them was listed for good before, and now expires in 5m too$" \
		"$(xg block --ttl 5m 198.51.100.7 198.51.100.9 2>&1)"
	must_say "^Note: it was listed for good before; now it expires in 1h$" \
		"$(xg block --ttl 1h 198.51.100.8 2>&1)"
	equal "entries for good" 0 "$(xg list --json | jq '[.blocklist[] |
		select(.prefix == "198.51.100.7/32" or .prefix == "198.51.100.8/32") |
		select(.expires_in_s == null)] | length')"
	# Nothing to say when none was, nor without --ttl.
	out=$(xg block --ttl 5m 198.51.100.9 2>&1)
	! grep -q "Note" <<<"$out" || fail "a note for an entry that had a deadline: $out"
	xg allow 203.0.113.0/24
	must_say "^Note: it was listed for good before; now it expires in 10m$" \
		"$(xg allow --ttl 10m 203.0.113.0/24 2>&1)"
}

# The program looks past at most seven expired allow prefixes nested
# around an address: allow --ttl never lets eight nest.
test_allow_ttl_nesting_bounded() {
	seeded_guard
	xg allow --ttl 1h 10.0.0.0/8 10.0.0.0/9 10.0.0.0/10 10.0.0.0/11
	xg allow --ttl 1h 10.0.0.0/12 10.0.0.0/13 10.0.0.0/14
	# Siblings do not nest: a second chain of seven beside the first.
	xg allow --ttl 1h 10.64.0.0/10 10.64.0.0/11 10.64.0.0/12
	rejects 1 "^Error: 8 allowlist entries with a deadline would nest around 10.0.0.0/15, and the program looks past at most 7" \
		xg allow --ttl 1h 10.0.0.0/15
	# Without a deadline it cannot expire, and nests freely; nor does
	# one of the chain made permanent count any more.
	xg allow 10.0.0.0/15
	xg allow 10.0.0.0/9
	xg allow --ttl 1h 10.0.0.0/16
	equal "allow entries in 10/8" 12 \
		"$(xg list --json | jq '[.allowlist[] | select(.prefix | startswith("10."))] | length')"
}

test_unblock_absent_removes_nothing() {
	seeded_guard
	rejects 1 "^Error: 198.51.100.9/32 is not on the blocklist; nothing was removed" \
		xg unblock 198.51.100.0/24 198.51.100.9
	# An entry is removed exactly as it was added, not by a longer or
	# shorter prefix.
	rejects 1 "^Error: 198.51.100.0/23 is not on the blocklist" xg unblock 198.51.100.0/23
	rejects 1 "^Error: 2001:db8:de00::/40 is not on the blocklist" xg unblock 2001:db8:de00::/40
	rejects 1 "^Error: 198.51.100.1/32 is not on the blocklist" xg unblock 198.51.100.1
	# Inside a listed prefix is not on the list: a trie lookup finds the
	# /24 for a /25, which must not count as finding the /25.
	rejects 1 "^Error: 198.51.100.0/25 is not on the blocklist" xg unblock 198.51.100.0/25
	rejects 1 "^Error: 2001:db8:dead::/64 is not on the blocklist" xg unblock 2001:db8:dead::/64
	# Named with a real entry: all or nothing, the real one stays too.
	rejects 1 "^Error: 198.51.100.0/25 is not on the blocklist" \
		xg unblock 203.0.113.9 198.51.100.0/25
	# The allowlist is not the blocklist, and the other way round.
	rejects 1 "^Error: 203.0.113.7/32 is not on the blocklist" xg unblock 203.0.113.7
	rejects 1 "^Error: 203.0.113.9/32 is not on the allowlist; nothing was removed" \
		xg disallow 203.0.113.7 203.0.113.9
	# --ignore-missing: what is on the list goes, the rest is counted.
	printf '%s\n' 203.0.113.9 198.51.100.0/25 198.51.100.0/24 >"$TDIR/feed"
	must_say "^Removed 2 entries from the blocklist; 1 was not on it$" \
		"$(xg unblock --ignore-missing --file "$TDIR/feed")"
	must_fail 1 "not on the blocklist" xg unblock 198.51.100.0/24
	must_say "^Removed 0 entries from the blocklist; 3 were not on it$" \
		"$(xg unblock --ignore-missing --file "$TDIR/feed")"
	must_say "^Removed 1 entry from the allowlist; 1 was not on it$" \
		"$(xg disallow --ignore-missing 203.0.113.7 203.0.113.9)"
}

test_zero_prefix_needs_force() {
	load_guard
	xg block 198.51.100.0/24
	rejects 1 "^Error: blocking 0.0.0.0/0 drops all IPv4 traffic.*add --force" xg block 0.0.0.0/0
	rejects 1 "^Error: blocking ::/0 drops all IPv6 traffic.*add --force" xg block ::/0
	# Even one /0 among others stops the whole command.
	rejects 1 "add --force" xg block 10.9.0.0/16 0.0.0.0/0
	# With --force it is done, and drops every IPv4 source...
	xg block --force 0.0.0.0/0
	expect_drop 0 4
	expect_pass 0 6
	# ...but the allowlisted one.
	xg allow "$CLIENT4"
	expect_pass 0 4
}

test_ssh_lockout() {
	local f="$TDIR/list"
	load_guard
	xg block 198.51.100.0/24
	export SSH_CONNECTION="$CLIENT4 50022 $SERVER4 22"
	rejects 1 "^Error: 10.77.0.0/16 covers $CLIENT4/32, the address of this SSH session" \
		xg block 10.77.0.0/16
	rejects 1 "address of this SSH session" xg block "$CLIENT4"
	rejects 1 "address of this SSH session" xg block --ttl 10m 10.0.0.0/8
	printf '203.0.113.0/24\n10.77.0.0/24\n' >"$f"
	rejects 1 "^Error: 10.77.0.0/24 covers $CLIENT4/32" xg block --file "$f"
	# SSH_CLIENT counts too, and IPv6.
	unset SSH_CONNECTION
	export SSH_CLIENT="$CLIENT6 50022 22"
	rejects 1 "^Error: 2001:db8:77::/48 covers $CLIENT6/128" xg block 2001:db8:77::/48
	# The session's address is on the allowlist: no lockout, blocking is fine.
	xg allow "$CLIENT6"
	xg block 2001:db8:77::/48
	expect_pass 0 6
	# Removing the allow entry would expose the session: refused, with
	# --all too; an entry that stays and covers it is enough.
	rejects 1 "^Error: $CLIENT6/128 keeps $CLIENT6/128, the address of this SSH session, from the blocklist's 2001:db8:77::/48" \
		xg disallow "$CLIENT6"
	rejects 1 "^Error: the allowlist keeps $CLIENT6/128" xg disallow --all
	expect_pass 0 6
	xg allow 2001:db8:77::/64
	xg disallow "$CLIENT6"
	expect_pass 0 6
	xg disallow --force 2001:db8:77::/64
	expect_drop 0 6
	# An allow entry that expires before the block does would not keep
	# the session for long enough; one that outlasts it does.
	export SSH_CONNECTION="$CLIENT4 50022 $SERVER4 22"
	xg allow --ttl 5m "$CLIENT4"
	rejects 1 "^Error: 10.77.0.0/16 covers $CLIENT4/32, the address of this SSH session, and the allowlist entry $CLIENT4/32 that covers it expires in" \
		xg block 10.77.0.0/16
	rejects 1 "expires in" xg block --ttl 10m 10.77.0.0/16
	xg block --ttl 2m 10.77.0.0/16
	expect_pass 0 4
	xg unblock 10.77.0.0/16
	xg disallow "$CLIENT4"
	# A link-local session's zone names our interface, not the client.
	export SSH_CONNECTION="fe80::77%$T-h0 50022 fe80::1%$T-h0 22"
	rejects 1 "^Error: fe80::/64 covers fe80::77/128" xg block fe80::/64
	# --force overrides.
	export SSH_CONNECTION="$CLIENT4 50022 $SERVER4 22"
	xg block --force "$CLIENT4"
	expect_drop 0 4
	unset SSH_CONNECTION SSH_CLIENT
}

test_rejects_unknown_interface() {
	local missing="${T}zz"
	seeded_guard
	make_wire 1
	rejects 1 "^Error: no such interface: $missing" xg load "$missing"
	# Named with a good interface: the good one is not loaded either.
	rejects 1 "^Error: no such interface: $missing" xg load "${IFACE[1]}" "$missing"
	equal "XDP program on ${IFACE[1]}" "" "$(xdp_prog_id "${IFACE[1]}")"
	rejects 1 "^Error: no such interface: $missing" xg unload "$missing"
	rejects 1 "^Error: xdp-guard is not loaded on ${IFACE[1]}" xg unload "${IFACE[1]}"
}

test_rejects_unknown_command_and_option() {
	seeded_guard
	rejects 2 "^Error: unknown command 'frobnicate'" "$XG" frobnicate --pin-path "$PIN"
	rejects 2 "^Error: ambiguous command 'un'" "$XG" un --pin-path "$PIN"
	rejects 2 "^Error: unknown option --bogus" xg block --bogus 10.0.0.1
	rejects 2 "^Error: unknown option --frob" xg list --frob
	rejects 2 "^Error: unknown option" "$XG" --frob list
	# A prefix of two options, and a value for a flag, say so.
	rejects 2 "^Error: ambiguous option --f: it could be --file, --force" xg block --f x 10.0.0.1
	rejects 2 "^Error: option --json takes no value" xg list --json=1
	rejects 2 "^Error: option --help takes no value" xg block --help=1
	# Options with bad values.
	rejects 2 "ttl|duration|zero" xg block --ttl 0 10.0.0.1
	rejects 2 "ttl|duration" xg block --ttl soon 10.0.0.1
	rejects 2 "mode|one of" xg load --mode turbo "${IFACE[0]}"
	rejects 2 "priority" xg load --priority 0 "${IFACE[0]}"
	# Options that do not go together, or a command with nothing to do.
	rejects 2 "^Error: nothing to add" xg block
	printf '# nothing yet\n' >"$TDIR/empty.netset"
	rejects 2 "^Error: nothing to add: $TDIR/empty.netset holds no prefix, and none was given" \
		xg block --file "$TDIR/empty.netset"
	rejects 2 "^Error: --all removes every entry: give it without PREFIX... and --file" \
		xg unblock --all 198.51.100.0/24
	rejects 2 "^Error: --purge goes with --all" xg unload --purge "${IFACE[0]}"
	rejects 2 "^Error: give either IFACE... or --all" xg unload --all "${IFACE[0]}"
}

test_rejects_not_root() {
	local bin="$TDIR/bin/xdp-guard" args
	need_cmd setpriv
	seeded_guard
	# A copy the unprivileged user can reach, whatever the tree's mode.
	mkdir -p "$TDIR/bin"
	cp "$XG" "$bin"
	chmod 0755 "$WORK" "$TDIR" "$TDIR/bin" "$bin"
	for args in "list" "status" "block 10.66.0.1" "unblock 198.51.100.0/24" \
		"allow 10.66.0.2" "disallow 203.0.113.7" "load ${IFACE[0]}" "unload --all --purge"; do
		# shellcheck disable=SC2086 # each string is a command line
		rejects 1 "^Error: xdp-guard needs root" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" $args --pin-path "$PIN"
	done
}

test_rejects_pin_path_off_bpffs() {
	local dir="$TDIR/not-bpffs"
	seeded_guard
	make_wire 1
	mkdir -p "$dir"
	rejects 1 "^Error: $dir/state is not on a BPF filesystem" \
		"$XG" load --pin-path "$dir/state" "${IFACE[1]}"
	equal "XDP program on ${IFACE[1]}" "" "$(xdp_prog_id "${IFACE[1]}")"
	rejects 1 "not on a BPF filesystem" "$XG" block --pin-path "$dir" 10.0.0.1
	rejects 1 "not on a BPF filesystem" "$XG" allow --pin-path "$dir" 10.0.0.1
	rejects 1 "not on a BPF filesystem" "$XG" list --pin-path "$dir"
	rejects 1 "not on a BPF filesystem" "$XG" status --pin-path "$dir"
	equal "files left in $dir" "" "$(ls -A "$dir")"
}

test_rejects_second_load() {
	local id
	load_guard
	xg block 198.51.100.0/24
	id=$(xdp_prog_id "${IFACE[0]}")
	rejects 1 "^Error: xdp-guard is already loaded on ${IFACE[0]} \(program id $id\)" \
		xg load "${IFACE[0]}"
	rejects 1 "already loaded on ${IFACE[0]}" xg load --mode skb "${IFACE[0]}"
	# One guard per interface, whatever its pin path.
	rejects 1 "already loaded on ${IFACE[0]}" "$XG" load --pin-path "$PIN-other" "${IFACE[0]}"
	equal "XDP program on ${IFACE[0]}" "$id" "$(xdp_prog_id "${IFACE[0]}")"
	make_wire 1
	rejects 2 "^Error: ${IFACE[1]} is named twice" xg load "${IFACE[1]}" "${IFACE[1]}"
	# One interface already guarded: the other is not loaded either.
	rejects 1 "already loaded on ${IFACE[0]}" xg load "${IFACE[1]}" "${IFACE[0]}"
	equal "XDP program on ${IFACE[1]}" "" "$(xdp_prog_id "${IFACE[1]}")"
	expect_pass 1 4
	# Through a pin path with no state the guard still goes (one whose
	# state is gone must), and the command says what it could not check.
	must_say "^Note: no xdp-guard state could be opened at $PIN-none, so whose guard" \
		"$("$XG" unload --pin-path "$PIN-none" "${IFACE[0]}" 2>&1)"
	equal "XDP program on ${IFACE[0]}" "" "$(xdp_prog_id "${IFACE[0]}")"
	[ ! -e "$PIN-none" ] || fail "unload left $PIN-none"
}

test_rejects_load_beside_foreign_program() {
	local id
	seeded_guard
	make_wire 1
	make_wire 2
	id=$(attach_foreign "${IFACE[1]}")
	[ -n "$id" ] || fail "the foreign program is not attached"
	rejects 1 "^Error: ${IFACE[1]} already runs XDP program 'xdp_other' \(id $id\).*nothing was changed" \
		xg load "${IFACE[1]}"
	rejects 1 "already runs XDP program 'xdp_other'" xg load --mode skb "${IFACE[1]}"
	# All or nothing: the free interface named with it stays free.
	rejects 1 "already runs XDP program 'xdp_other'" xg load "${IFACE[2]}" "${IFACE[1]}"
	equal "XDP program on ${IFACE[1]}" "$id" "$(xdp_prog_id "${IFACE[1]}")"
	equal "XDP program on ${IFACE[2]}" "" "$(xdp_prog_id "${IFACE[2]}")"
	# The foreign program still does its job (it passes everything).
	expect_pass 1 4
}

test_load_refused_leaves_no_state() {
	local id
	make_wire 0
	id=$(attach_foreign "${IFACE[0]}")
	must_fail 1 "already runs XDP program 'xdp_other'" xg load "${IFACE[0]}"
	equal "XDP program on ${IFACE[0]}" "$id" "$(xdp_prog_id "${IFACE[0]}")"
	# Nothing was pinned, not even the directory, for a load that did
	# not happen.
	must_fail 1 "no xdp-guard state" xg list
	[ ! -e "$PIN" ] || fail "a refused load left $PIN: $(ls -A "$PIN")"
	# An attach that fails after the maps were pinned (a bridge has no
	# native XDP) takes them away again: a block would otherwise succeed
	# with nothing to enforce it.
	ip link add "${T}b0" type bridge
	must_fail 1 "cannot attach to ${T}b0" xg load "${T}b0"
	ip link del "${T}b0"
	must_fail 1 "no xdp-guard state" xg block 192.0.2.1
	[ ! -e "$PIN" ] || fail "a failed load left $PIN: $(ls -A "$PIN")"
}
