// SPDX-License-Identifier: GPL-2.0-only
/* Durations: xg_duration_parse, xg_duration_format, xg_now_ns. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"

#define NS 1000000000ULL
#define MIN (60ULL)
#define HOUR (3600ULL)
#define DAY (86400ULL)
#define WEEK (7 * DAY)

static const struct {
	const char *text;
	uint64_t seconds;
} valid[] = {
	{ "1", 1 },
	{ "90", 90 },
	{ "90s", 90 },
	{ "15m", 15 * MIN },
	{ "2h", 2 * HOUR },
	{ "7d", 7 * DAY },
	{ "1w", WEEK },
	{ "1h30m", HOUR + 30 * MIN },
	{ "1h30m15s", HOUR + 30 * MIN + 15 },
	{ "1w2d3h4m5s", WEEK + 2 * DAY + 3 * HOUR + 4 * MIN + 5 },
	{ "90m", 90 * MIN },		/* units need not be normalised */
	{ "3600s", HOUR },
	{ "1d12h", DAY + 12 * HOUR },
	/* the limit itself is accepted, in any spelling */
	{ "3650d", XG_DURATION_MAX_S },
	{ "315360000", XG_DURATION_MAX_S },
	{ "315360000s", XG_DURATION_MAX_S },
	{ "521w3d", XG_DURATION_MAX_S },
	{ "3649d23h59m59s", XG_DURATION_MAX_S - 1 },
};

START_TEST(test_valid)
{
	for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
		uint64_t ns = 12345;
		const char *why = NULL;
		int err = xg_duration_parse(valid[i].text, &ns, &why);

		ck_assert_msg(err == 0, "\"%s\": %d (%s)", valid[i].text, err,
			      why ? why : "no reason");
		ck_assert_msg(ns == valid[i].seconds * NS, "\"%s\": %" PRIu64 " ns",
			      valid[i].text, ns);
	}
}
END_TEST

/* Not a duration at all. */
static const char *const malformed[] = {
	"", " ", "\t", "\n",
	"h", "s", "m", "d", "w", "ms", "m5", "h1",
	"5x", "5 x", "5ms", "5sec", "5min", "5y", "5hh", "1hm",
	"-5", "-5s", "+5", "+5s", "- 5",
	"1.5h", "1,5h", "0.5", ".5s", "5.",
	" 5", "5 ", "5\n", "5s ", "1h 30m", "1h\t30m", "1 h",
	"0x10", "0x10s", "1e3", "1e3s", "inf", "nan", "infinity",
	"5s#", "5s,", "1h-30m", "1h+30m", "5\xc2\xa0s" /* no-break space */,
};

START_TEST(test_malformed)
{
	for (size_t i = 0; i < ARRAY_LEN(malformed); i++) {
		uint64_t ns = 12345;
		const char *why = NULL;
		int err = xg_duration_parse(malformed[i], &ns, &why);

		ck_assert_msg(err == -EINVAL, "\"%s\": expected -EINVAL, got %d",
			      malformed[i], err);
		ck_assert_msg(why && why[0], "\"%s\": rejected without a reason",
			      malformed[i]);
	}
}
END_TEST

/* A unit of more than one letter is an unknown unit, not "5 minutes and a
 * missing number": the reason must say which is wrong. */
START_TEST(test_unknown_unit_reason)
{
	static const char *const bad[] = { "5ms", "5sec", "5min", "5hh", "90x", "1h5us" };

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		uint64_t ns;
		const char *why = NULL;

		ck_assert_int_eq(xg_duration_parse(bad[i], &ns, &why), -EINVAL);
		ck_assert_msg(why && strstr(why, "unknown unit"), "\"%s\": %s", bad[i],
			      why ? why : "no reason");
	}
}
END_TEST

/* Well formed but zero or too long; -ERANGE would be as right as -EINVAL. */
static const char *const out_of_range[] = {
	"0", "0s", "00", "0m", "0h0m", "0w0d0h0m0s",
	"315360001", "315360001s", "3650d1s", "3651d", "522w", "87601h",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999999", "99999999999999999999999999999999s",
	/* Values that wrap to an accepted duration when the seconds are
	 * multiplied by the unit, or the total by 10^9, without a check.
	 * Each comment gives where the unchecked product would land. */
	"18446744075",			/* * 10^9: 1.29 s */
	"18446744075s",
	"307445735m",			/* * 60 * 10^9: 26.3 s */
	"5124096h",			/* 1526.3 s */
	"213504d",			/* 1526.3 s */
	"30501w",			/* 260726.3 s */
	"307445734561825861m",		/* * 60: 44 s */
	"5124095576030432h",		/* * 3600: 3584 s */
	"213503982334602d",		/* * 86400: 61184 s */
	"30500568904944w",		/* * 604800: 579584 s */
	/* Two parts that wrap to 100 s when added. */
	"9223372036854775808s9223372036854775908s",
	"1h9223372036854775808s9223372036854775808s",
};

START_TEST(test_out_of_range)
{
	for (size_t i = 0; i < ARRAY_LEN(out_of_range); i++) {
		uint64_t ns = 12345;
		const char *why = NULL;
		int err = xg_duration_parse(out_of_range[i], &ns, &why);

		ck_assert_msg(err == -EINVAL || err == -ERANGE,
			      "\"%s\": expected -EINVAL or -ERANGE, got %d (%" PRIu64 " ns)",
			      out_of_range[i], err, ns);
		ck_assert_msg(why && why[0], "\"%s\": rejected without a reason",
			      out_of_range[i]);
	}
}
END_TEST

START_TEST(test_long_input)
{
	enum { LEN = 100000 };
	char *text = malloc(LEN + 2);
	uint64_t ns;
	const char *why;

	ck_assert_ptr_nonnull(text);
	/* A long run of digits overflows.  Leading zeros the header leaves
	 * open, but if accepted, 0...01 is one second, not garbage. */
	memset(text, '9', LEN);
	strcpy(text + LEN, "s");
	ck_assert_int_lt(xg_duration_parse(text, &ns, &why), 0);
	memset(text, '0', LEN);
	strcpy(text + LEN, "1");
	ns = 0;
	if (xg_duration_parse(text, &ns, &why) == 0)
		ck_assert_uint_eq(ns, NS);
	/* Many small parts that add up past the limit. */
	for (size_t i = 0; i + 2 <= LEN; i += 2)
		memcpy(text + i, "1w", 2);
	text[LEN] = '\0';
	ck_assert_int_lt(xg_duration_parse(text, &ns, &why), 0);
	free(text);
}
END_TEST

/* ---- formatting --------------------------------------------------------- */

static void assert_format(uint64_t ns, const char *want, const char *or_want)
{
	char *buf = malloc(XG_DURATION_STRLEN);	/* heap: ASan sees overflows */

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_eq(xg_duration_format(ns, buf, XG_DURATION_STRLEN), buf);
	ck_assert_msg(!strcmp(buf, want) || (or_want && !strcmp(buf, or_want)),
		      "%" PRIu64 " ns: \"%s\", expected \"%s\"%s%s%s", ns, buf,
		      want, or_want ? " or \"" : "", or_want ? or_want : "",
		      or_want ? "\"" : "");
	free(buf);
}

START_TEST(test_format)
{
	assert_format(0, "0s", NULL);
	assert_format(NS, "1s", NULL);
	assert_format(59 * NS, "59s", NULL);
	assert_format(MIN * NS, "1m", NULL);
	assert_format(61 * NS, "1m1s", NULL);
	assert_format(90 * NS, "1m30s", NULL);
	assert_format(HOUR * NS, "1h", NULL);
	assert_format(5400 * NS, "1h30m", NULL);
	assert_format((HOUR + 1) * NS, "1h1s", NULL);
	assert_format(3661 * NS, "1h1m1s", NULL);
	assert_format(DAY * NS, "1d", NULL);
	assert_format((DAY + HOUR) * NS, "1d1h", NULL);
	assert_format((2 * DAY + 3661) * NS, "2d1h1m1s", NULL);
	/* Whether weeks are a unit of the output the header leaves open. */
	assert_format(WEEK * NS, "1w", "7d");
	assert_format((WEEK + DAY) * NS, "1w1d", "8d");
	assert_format(XG_DURATION_MAX_S * NS, "521w3d", "3650d");
	/* Whole seconds: the nanoseconds after one second do not show. */
	assert_format(NS + 1, "1s", NULL);
	assert_format(HOUR * NS + 1000, "1h", NULL);
}
END_TEST

START_TEST(test_format_extremes)
{
	/* Past the parser's limit, but a deadline read back from a map can
	 * be anything: it must still fit the documented buffer size. */
	static const uint64_t values[] = {
		UINT64_MAX, UINT64_MAX - 1, UINT64_MAX / 2, 999999999, 1,
	};

	for (size_t i = 0; i < ARRAY_LEN(values); i++) {
		for (size_t size = 1; size <= XG_DURATION_STRLEN; size++) {
			char *buf = malloc(size);

			ck_assert_ptr_nonnull(buf);
			xg_duration_format(values[i], buf, size);
			if (size == XG_DURATION_STRLEN)
				ck_assert_uint_lt(strnlen(buf, size), size);
			free(buf);
		}
	}
}
END_TEST

START_TEST(test_format_canonical)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "90", "1m30s" }, { "90m", "1h30m" }, { "3600s", "1h" },
		{ "1h30m15s", "1h30m15s" }, { "24h", "1d" }, { "1d1s", "1d1s" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint64_t ns;
		const char *why;

		ck_assert_int_eq(xg_duration_parse(cases[i].in, &ns, &why), 0);
		assert_format(ns, cases[i].out, NULL);
	}
}
END_TEST

START_TEST(test_round_trip)
{
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 50000; i++) {
		char buf[XG_DURATION_STRLEN];
		const char *why = NULL;
		uint64_t s, ns;
		int err;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Half short (where most real values are), half anywhere. */
		s = 1 + x % (i & 1 ? XG_DURATION_MAX_S : 100000);
		xg_duration_format(s * NS, buf, sizeof(buf));
		err = xg_duration_parse(buf, &ns, &why);
		ck_assert_msg(err == 0, "%" PRIu64 " s -> \"%s\": %d (%s)", s, buf,
			      err, why ? why : "?");
		ck_assert_msg(ns == s * NS, "%" PRIu64 " s -> \"%s\" -> %" PRIu64 " ns",
			      s, buf, ns);
	}
}
END_TEST

START_TEST(test_now_is_monotonic_clock)
{
	struct timespec a, b;
	uint64_t now, lo, hi;

	clock_gettime(CLOCK_MONOTONIC, &a);
	now = xg_now_ns();
	clock_gettime(CLOCK_MONOTONIC, &b);
	lo = (uint64_t)a.tv_sec * NS + (uint64_t)a.tv_nsec;
	hi = (uint64_t)b.tv_sec * NS + (uint64_t)b.tv_nsec;
	ck_assert_uint_ge(now, lo);
	ck_assert_uint_le(now, hi);
}
END_TEST

Suite *duration_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_unknown_unit_reason);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_long_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_extremes);
	tcase_add_test(tc, test_format_canonical);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_now_is_monotonic_clock);
	suite_add_tcase(s, tc);
	return s;
}
