// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's fixed tables: verdict reasons, list and origin names, list
 * capacities; and where its messages go.  Each is checked against the place it must agree with:
 * guard_maps.h, and the XDP program's source for what it does per reason.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "unit.h"
#include "guard_maps.h"

/* The marks' epoch divides by multiplying (guard_mark_epoch()): it must
 * give what % 255 gives, for every epoch a 64-bit clock can reach (2^26
 * of them), at both ends of each. */
START_TEST(test_mark_epoch_matches_modulo)
{
	const uint64_t last = UINT64_MAX >> GUARD_MARK_EPOCH_SHIFT;

	for (uint64_t e = 0; e <= last; e++) {
		uint8_t want = e % 255 + 1;
		uint64_t start = e << GUARD_MARK_EPOCH_SHIFT;

		if (guard_mark_epoch(start) != want ||
		    guard_mark_epoch(start | (GUARD_MARK_EPOCH_NS - 1)) != want)
			ck_abort_msg("epoch %llu: got %u, want %u", (unsigned long long)e,
				     guard_mark_epoch(start), want);
	}
}
END_TEST

START_TEST(test_reason_count)
{
	ck_assert_uint_eq(xg_reason_count(), GUARD_REASON_COUNT);
	/* Counters are indexed by reason; the array must hold them all. */
	ck_assert_uint_le(xg_reason_count(), GUARD_REASON_SLOTS);
}
END_TEST

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;

	ck_assert_msg(f, "cannot open %s", path);
	n = getdelim(&text, &cap, '\0', f);
	ck_assert_int_gt(n, 0);
	fclose(f);
	return text;
}

/*
 * The names xdpguard.h promises, in order: the quoted words of the comment
 * just above xg_reason_name()'s declaration.  The contract is that comment,
 * so the test reads it rather than a copy that could drift from it.
 */
static size_t documented_reasons(char names[][32], size_t max)
{
	char *text = read_text(XG_TEST_LIB_HEADER);
	char *decl = strstr(text, "const char *xg_reason_name(");
	char *open, *close, *p;
	size_t n = 0;

	ck_assert_msg(decl, "no xg_reason_name() in %s", XG_TEST_LIB_HEADER);
	*decl = '\0';
	/* The last comment to open before the declaration. */
	open = NULL;
	for (p = decl; p > text + 1; p--)
		if (p[-2] == '/' && p[-1] == '*') {
			open = p;
			break;
		}
	ck_assert_msg(open, "no comment above xg_reason_name()");
	close = strstr(open, "*/");
	ck_assert_ptr_nonnull(close);
	*close = '\0';
	for (p = strchr(open, '"'); p; p = strchr(p + 1, '"')) {
		char *end = strchr(p + 1, '"');

		ck_assert_ptr_nonnull(end);
		ck_assert_uint_lt(n, max);
		ck_assert_uint_lt((size_t)(end - p - 1), sizeof(names[0]));
		memcpy(names[n], p + 1, (size_t)(end - p - 1));
		names[n][end - p - 1] = '\0';
		n++;
		p = end;
	}
	free(text);
	return n;
}

START_TEST(test_reason_names)
{
	char want[GUARD_REASON_SLOTS][32];
	size_t documented = documented_reasons(want, ARRAY_LEN(want));
	unsigned int n = xg_reason_count();

	ck_assert_msg(documented == n, "xdpguard.h names %zu reasons, the library "
		      "has %u", documented, n);
	for (unsigned int i = 0; i < n; i++) {
		const char *a = xg_reason_name(i);

		ck_assert_ptr_nonnull(a);
		ck_assert_str_eq(a, want[i]);
		/* A word: they are JSON keys and column headers. */
		ck_assert_uint_gt(strlen(a), 0);
		ck_assert_uint_eq(strspn(a, "abcdefghijklmnopqrstuvwxyz_"), strlen(a));
		for (unsigned int j = i + 1; j < n; j++)
			ck_assert_str_ne(a, xg_reason_name(j));
	}
	/* The first ones are fixed by enum guard_reason, which the program
	 * counts with. */
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_PASS), "pass");
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_ALLOW), "allow");
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_BLOCK), "block");
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_MALFORMED), "malformed");
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_NON_IP), "non_ip");
	ck_assert_str_eq(xg_reason_name(GUARD_REASON_UNPARSED), "unparsed");
}
END_TEST

START_TEST(test_reason_actions)
{
	for (unsigned int i = 0; i < xg_reason_count(); i++) {
		const char *a = xg_reason_action(i);

		ck_assert_msg(a && (!strcmp(a, "pass") || !strcmp(a, "drop")),
			      "reason %s: action \"%s\"", xg_reason_name(i),
			      a ? a : "(null)");
	}
}
END_TEST

START_TEST(test_reason_out_of_range)
{
	/* A counter slot beyond the known reasons (GUARD_REASON_SLOTS has
	 * room for a newer program's) must not read past the table.  What
	 * comes back is not specified; that it does not crash is, under
	 * ASan. */
	static const unsigned int reasons[] = {
		GUARD_REASON_COUNT, GUARD_REASON_SLOTS - 1, GUARD_REASON_SLOTS,
		UINT_MAX,
	};

	for (size_t i = 0; i < ARRAY_LEN(reasons); i++) {
		const char *name = xg_reason_name(reasons[i]);
		const char *action = xg_reason_action(reasons[i]);

		if (name)
			ck_assert_uint_lt(strlen(name), 64);
		if (action)
			ck_assert_uint_lt(strlen(action), 64);
	}
}
END_TEST

/*
 * What the XDP program does for a reason, read from its source: where it
 * names the reason in the call, `verdict(LEN, GUARD_REASON_X, XDP_Y)`.
 * Reasons it computes (block or ban, the rate limits) are checked by
 * running the program, as root, in test_program.c.  Reading the source
 * rather than copying the answer means a change in the program that is not
 * made in the library fails here too, without root.
 */
START_TEST(test_reason_actions_match_source)
{
	static const char call[] = "verdict(", named[] = ", GUARD_REASON_";
	char *text = read_text(XG_TEST_BPF_SRC);
	unsigned int count = xg_reason_count();
	size_t found = 0;

	for (char *p = strstr(text, call); p; p = strstr(p + 1, call)) {
		char *end = strchr(p, ';'), *arg = strstr(p, named);
		char reason[32], action[16];
		unsigned int r;

		/* The definition, and calls with a reason worked out. */
		if (!end || !arg || arg > end)
			continue;
		ck_assert_msg(sscanf(arg + strlen(named), "%31[A-Z0-9_], XDP_%15[A-Z]",
				     reason, action) == 2,
			      "cannot read the verdict at: %.60s", p);
		for (char *c = reason; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (char *c = action; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (r = 0; r < count; r++)
			if (!strcmp(xg_reason_name(r), reason))
				break;
		ck_assert_msg(r < count, "the program counts reason \"%s\", which "
			      "the library does not know", reason);
		ck_assert_msg(!strcmp(xg_reason_action(r), action),
			      "reason %s: the program does XDP_%s, the library says %s",
			      reason, action, xg_reason_action(r));
		found++;
	}
	free(text);
	/* pass, allow, malformed, non_ip, unparsed at least. */
	ck_assert_msg(found >= 5, "only %zu verdicts found in %s", found,
		      XG_TEST_BPF_SRC);
}
END_TEST

START_TEST(test_list_and_origin_names)
{
	ck_assert_pstr_eq(xg_list_name(XG_ALLOWLIST), "allowlist");
	ck_assert_pstr_eq(xg_list_name(XG_BLOCKLIST), "blocklist");
	ck_assert_pstr_eq(xg_origin_name(GUARD_ORIGIN_MANUAL), "manual");
	ck_assert_pstr_eq(xg_origin_name(GUARD_ORIGIN_AUTOBAN), "autoban");
	/* An origin from a newer program: anything but a crash. */
	(void)xg_origin_name(2);
	(void)xg_origin_name(UINT32_MAX);
}
END_TEST

START_TEST(test_list_capacity)
{
	/* The allowlist is one trie per family.  The blocklist keeps hosts
	 * in a hash and shorter prefixes in a trie, so it holds both. */
	ck_assert_uint_eq(xg_list_capacity(XG_ALLOWLIST, AF_INET), GUARD_ALLOW_V4_MAX);
	ck_assert_uint_eq(xg_list_capacity(XG_ALLOWLIST, AF_INET6), GUARD_ALLOW_V6_MAX);
	ck_assert_uint_eq(xg_list_capacity(XG_BLOCKLIST, AF_INET),
			  GUARD_BLOCK_V4_MAX + GUARD_BLKNET_V4_MAX);
	ck_assert_uint_eq(xg_list_capacity(XG_BLOCKLIST, AF_INET6),
			  GUARD_BLOCK_V6_MAX + GUARD_BLKNET_V6_MAX);
}
END_TEST

START_TEST(test_set_print)
{
	struct xg_state *st = NULL;
	xg_print_fn_t prev;

	/* /tmp is no bpffs: xg_state_open() refuses it, needing no root,
	 * and says why at warning level. */
	unit_log_reset();
	ck_assert_int_eq(xg_state_open("/tmp", 0, &st), -ENOTSUP);
	ck_assert_msg(unit_log_warned(), "no warning; the log has \"%s\"",
		      unit_log_text());

	/* NULL silences the library, and the old function comes back. */
	prev = xg_set_print(NULL);
	ck_assert_ptr_nonnull(prev);
	unit_log_reset();
	ck_assert_int_eq(xg_state_open("/tmp", 0, &st), -ENOTSUP);
	ck_assert_ptr_null(xg_set_print(prev));
	ck_assert_str_eq(unit_log_text(), "");
	ck_assert(!unit_log_warned());
}
END_TEST

Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_mark_epoch_matches_modulo);
	tcase_add_test(tc, test_reason_count);
	tcase_add_test(tc, test_reason_names);
	tcase_add_test(tc, test_reason_out_of_range);
	tcase_add_test(tc, test_reason_actions);
	tcase_add_test(tc, test_reason_actions_match_source);
	tcase_add_test(tc, test_list_and_origin_names);
	tcase_add_test(tc, test_list_capacity);
	tcase_add_test(tc, test_set_print);
	suite_add_tcase(s, tc);
	return s;
}
