// SPDX-License-Identifier: GPL-2.0-only
/* List files: xg_listfile_read on in-memory and real files. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"

struct result {
	int err;
	struct xg_prefix *prefixes;
	size_t count;
	struct xg_listfile_error where;
};

/* The list in f, with out and count preset to garbage so that a function
 * that forgets to set them is caught. */
static struct result read_file(FILE *f)
{
	struct result r;

	memset(&r.where, 0, sizeof(r.where));
	r.prefixes = (struct xg_prefix *)&r;	/* not NULL, not freeable */
	r.count = 12345;
	r.err = xg_listfile_read(f, &r.prefixes, &r.count, &r.where);
	if (r.err) {
		ck_assert_msg(r.prefixes == NULL, "error %d but *out is set", r.err);
		r.count = 0;
	}
	return r;
}

/* Reads len bytes of text through fmemopen: embedded NULs included. */
static struct result read_mem(const char *text, size_t len)
{
	struct result r;
	char *copy;
	FILE *f;

	/* fmemopen() refuses a zero size in some C libraries; an empty file
	 * has its own test on a real file. */
	ck_assert_uint_gt(len, 0);
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	f = fmemopen(copy, len, "r");
	ck_assert_ptr_nonnull(f);
	r = read_file(f);
	fclose(f);
	free(copy);
	return r;
}

/* Reads a real file, opened with mode: the cases fmemopen() cannot make. */
static struct result read_path(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);
	struct result r;

	ck_assert_msg(f != NULL, "fopen(%s, %s)", path, mode);
	r = read_file(f);
	fclose(f);
	return r;
}

static struct result read_str(const char *text)
{
	return read_mem(text, strlen(text));
}

/* The list must be exactly these prefixes, in file order. */
static void assert_list(struct result *r, const char *const *want, size_t n)
{
	char got[XG_PREFIX_STRLEN], exp[XG_PREFIX_STRLEN];

	ck_assert_msg(r->err == 0, "error %d on line %u at \"%s\": %s", r->err,
		      r->where.line, r->where.value,
		      r->where.why ? r->where.why : "no reason");
	ck_assert_uint_eq(r->count, n);
	for (size_t i = 0; i < n; i++) {
		struct xg_prefix p = unit_prefix(want[i]);

		xg_prefix_format(&p, exp, sizeof(exp));
		xg_prefix_format(&r->prefixes[i], got, sizeof(got));
		ck_assert_msg(xg_prefix_cmp(&p, &r->prefixes[i]) == 0,
			      "entry %zu: %s, expected %s", i, got, exp);
	}
	free(r->prefixes);
	r->prefixes = NULL;
}

static void assert_error(struct result *r, unsigned int line, const char *value)
{
	ck_assert_msg(r->err == -EINVAL, "expected -EINVAL, got %d", r->err);
	ck_assert_uint_eq(r->where.line, line);
	ck_assert_msg(r->where.why && r->where.why[0], "no reason given");
	if (value)
		ck_assert_str_eq(r->where.value, value);
}

START_TEST(test_plain)
{
	static const char *const want[] = {
		"10.0.0.0/8", "1.2.3.4", "::1", "2001:db8::/32", "::ffff:1.2.3.4",
	};
	struct result r = read_str("10.0.0.0/8\n1.2.3.4\n::1\n2001:db8::/32\n"
				   "::ffff:1.2.3.4\n");

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
	static const char *const want[] = {
		"10.0.0.0/8", "1.2.3.4", "5.6.7.8", "9.9.9.9", "2001:db8::/32",
	};
	struct result r = read_str(
		"# header\n"
		"\n"
		"10.0.0.0/8 # a network\n"
		"   \n"
		"\t\n"
		"1.2.3.4\t# after a tab\n"
		"#1.1.1.1\n"
		"  # indented comment\n"
		"5.6.7.8#no space before it\n"
		"#\n"
		"9.9.9.9 #\n"
		"2001:db8::/32 # 1.2.3.4/33 garbage in a comment is no entry\n"
		"# last line is a comment");

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

/* Spamhaus' DROP format: "prefix ; SBL id", and ';' comment lines. */
START_TEST(test_semicolon_comments)
{
	static const char *const want[] = { "1.10.16.0/20", "2.56.192.0/22", "10.0.0.1" };
	struct result r = read_str("; Spamhaus DROP List 2026/11/27\n"
				   "; Last-Modified: Fri, 27 Nov 2026\n"
				   "1.10.16.0/20 ; SBL256894\n"
				   "2.56.192.0/22 ; SBL459831\n"
				   "10.0.0.1;tight\n");

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

/* A UTF-8 byte order mark before the first line is no part of it; one
 * anywhere else is an error, as any other stray byte. */
START_TEST(test_byte_order_mark)
{
	static const char *const want[] = { "198.51.100.1", "198.51.100.2" };
	struct result r = read_str("\xef\xbb\xbf" "198.51.100.1\n198.51.100.2\n");

	assert_list(&r, want, ARRAY_LEN(want));
	r = read_str("198.51.100.1\n\xef\xbb\xbf" "198.51.100.2\n");
	assert_error(&r, 2, NULL);
}
END_TEST

START_TEST(test_crlf)
{
	static const char *const want[] = { "10.0.0.0/8", "1.2.3.4", "::1", "5.6.7.8" };
	struct result r = read_str("10.0.0.0/8\r\n1.2.3.4\r\n\r\n# c\r\n::1 # c\r\n"
				   "  5.6.7.8  \r\n");

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

START_TEST(test_surrounding_white_space)
{
	static const char *const want[] = {
		"10.0.0.0/8", "1.2.3.4", "::1", "5.6.7.8", "6.7.8.9",
	};
	struct result r = read_str("  10.0.0.0/8  \n\t1.2.3.4\t\n \t ::1 \t \n"
				   "5.6.7.8\v\n\f6.7.8.9\n");

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

START_TEST(test_no_trailing_newline)
{
	static const char *const want[] = { "1.2.3.4", "5.6.7.8" };
	struct result r = read_str("1.2.3.4\n5.6.7.8");

	assert_list(&r, want, ARRAY_LEN(want));
	r = read_str("5.6.7.8");
	assert_list(&r, want + 1, 1);
	r = read_str("5.6.7.8 # c");
	assert_list(&r, want + 1, 1);
}
END_TEST

/* The head of a real FireHOL level-1 .netset file, shortened. */
static const char firehol[] =
	"#\n"
	"# firehol_level1\n"
	"#\n"
	"# ipv4 hash:net ipset\n"
	"#\n"
	"# A firewall blacklist composed from IP lists, providing\n"
	"# maximum protection with minimum false positives. Suitable\n"
	"# for basic protection on all internet facing servers,\n"
	"# routers and firewalls. (includes: bambenek_c2 dshield\n"
	"# feodo fullbogons spamhaus_drop spamhaus_edrop)\n"
	"#\n"
	"# Maintainer      : FireHOL\n"
	"# Maintainer URL  : http://iplists.firehol.org/\n"
	"# List source URL : \n"
	"# Source File Date: Mon Jan  1 00:00:00 UTC 2024\n"
	"#\n"
	"# Category        : attacks\n"
	"# Version         : 12345\n"
	"#\n"
	"# This File Date  : Mon Jan  1 00:05:00 UTC 2024\n"
	"# Update Frequency: 1 min \n"
	"# Aggregation     : none\n"
	"# Entries         : 4 subnets, 16777476 unique IPs\n"
	"#\n"
	"# Full list analysis, including geolocation map, history,\n"
	"# retention policy, overlaps with other lists, etc.\n"
	"# available at:\n"
	"#\n"
	"#  http://iplists.firehol.org/?ipset=firehol_level1\n"
	"#\n"
	"# Generated by FireHOL's update-ipsets.sh\n"
	"# Processed with FireHOL's iprange\n"
	"#\n"
	"0.0.0.0/8\n"
	"1.10.16.0/20\n"
	"1.19.0.0/16\n"
	"5.188.10.179\n";

START_TEST(test_firehol_netset)
{
	static const char *const want[] = {
		"0.0.0.0/8", "1.10.16.0/20", "1.19.0.0/16", "5.188.10.179",
	};
	struct result r = read_str(firehol);

	assert_list(&r, want, ARRAY_LEN(want));
}
END_TEST

START_TEST(test_two_tokens_rejected)
{
	struct result r = read_str("10.0.0.0/8\n1.2.3.4 5.6.7.8\n9.9.9.9\n");

	assert_error(&r, 2, NULL);
	/* Whether the line or the second token is named, it is from line 2. */
	ck_assert_msg(r.where.value[0] && strstr("1.2.3.4 5.6.7.8", r.where.value),
		      "value \"%s\" is not from line 2", r.where.value);

	r = read_str("1.2.3.4\t5.6.7.8\n");
	assert_error(&r, 1, NULL);
	r = read_str("1.2.3.4 # ok\n1.2.3.4 x # not ok\n");
	assert_error(&r, 2, NULL);
}
END_TEST

static const struct {
	const char *text;
	unsigned int line;
	const char *value;
} bad_lines[] = {
	{ "bogus\n", 1, "bogus" },
	{ "1.2.3.4\nbogus\n5.6.7.8\n", 2, "bogus" },
	{ "# c\n\n1.2.3.4\r\n  bogus  \n5.6.7.8\n", 4, "bogus" },
	{ "1.2.3.4\n\n\n\n\n\n\n\n\n10.0.0.1/24\n", 10, "10.0.0.1/24" },
	{ "1.2.3.4\r\n\r\n1.2.3.4/33\r\n", 3, "1.2.3.4/33" },	/* no \r in the value */
	{ "1.2.3.4\n256.0.0.0 # comment\n", 2, "256.0.0.0" },
	{ "1.2.3.4\nlast-line-without-newline", 2, "last-line-without-newline" },
	{ "fe80::1%eth0\n", 1, "fe80::1%eth0" },
	{ "::1\n::1/129\n", 2, "::1/129" },
	{ "#\n#\n#\n1.2.3.4\n\t010.1.1.1\t#octal?\n", 5, "010.1.1.1" },
	/* The first bad line is the one reported. */
	{ "1.2.3.4\nbad1\nbad2\n", 2, "bad1" },
};

START_TEST(test_bad_line_reported)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_lines); i++) {
		struct result r = read_str(bad_lines[i].text);

		assert_error(&r, bad_lines[i].line, bad_lines[i].value);
	}
}
END_TEST

START_TEST(test_nul_byte_rejected)
{
	static const char text[] = "1.2.3.4\n5.6.7.8\0junk\n9.9.9.9\n";
	struct result r = read_mem(text, sizeof(text) - 1);

	/* A NUL would end the line early for anything that reads it as a
	 * C string, and "junk" would vanish: a binary file is no list. */
	assert_error(&r, 2, NULL);
}
END_TEST

START_TEST(test_long_value_cut)
{
	enum { LEN = 1000 };
	char *text = malloc(LEN + 32);
	struct result r;
	size_t n;

	ck_assert_ptr_nonnull(text);
	strcpy(text, "1.2.3.4\n# c\n");
	n = strlen(text);
	memset(text + n, 'z', LEN);
	strcpy(text + n + LEN, "\n5.6.7.8\n");
	r = read_str(text);
	assert_error(&r, 3, NULL);
	ck_assert_uint_lt(strnlen(r.where.value, sizeof(r.where.value)),
			  sizeof(r.where.value));
	ck_assert_uint_gt(strlen(r.where.value), 0);
	/* Cut, so a leading part of the token. */
	ck_assert(strspn(r.where.value, "z") == strlen(r.where.value));
	free(text);
}
END_TEST

START_TEST(test_very_long_lines)
{
	static const char *const want[] = { "1.2.3.4", "5.6.7.8", "9.9.9.9" };
	enum { LEN = 100000 };
	char *text = malloc(3 * LEN + 64), *p = text;
	struct result r;

	ck_assert_ptr_nonnull(text);
	/* An entry after a long indent, a long comment line, and an entry
	 * with a long comment behind it. */
	memset(p, ' ', LEN);
	p += LEN;
	p += sprintf(p, "1.2.3.4\n#");
	memset(p, 'c', LEN);
	p += LEN;
	p += sprintf(p, "\n5.6.7.8 #");
	memset(p, 'c', LEN);
	p += LEN;
	sprintf(p, "\n9.9.9.9\n");
	r = read_str(text);
	assert_list(&r, want, ARRAY_LEN(want));
	free(text);
}
END_TEST

START_TEST(test_empty)
{
	static const char *const comments = "# nothing\n\n   \n\t# more nothing\n";
	struct result r = read_path("/dev/null", "r");

	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.count, 0);
	free(r.prefixes);	/* NULL or an empty array: either is free()able */

	r = read_str(comments);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.count, 0);
	free(r.prefixes);

	r = read_str("\n");
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(r.count, 0);
	free(r.prefixes);
}
END_TEST

START_TEST(test_read_error)
{
	/* A stream that cannot be read: the error must not pass for an
	 * empty list, which would clear a list on `replace`. */
	struct result r = read_path("/dev/null", "w");

	ck_assert_int_lt(r.err, 0);
}
END_TEST

/* A directory opens but cannot be read: the reason must say so. */
START_TEST(test_directory_reason)
{
	struct result r = read_path("/", "r");

	ck_assert_int_eq(r.err, -EISDIR);
	ck_assert_msg(r.where.why && strstr(r.where.why, "directory"), "reason: %s",
		      r.where.why ? r.where.why : "none");
}
END_TEST

START_TEST(test_large_file)
{
	enum { LINES = 100000 };
	char path[] = "/tmp/xg-unit-list-XXXXXX";
	struct xg_prefix *want;
	size_t n = 0;
	struct result r;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w+");
	ck_assert_ptr_nonnull(f);
	/* Unlinked at once: the file goes away however the test ends. */
	unlink(path);
	want = calloc(LINES, sizeof(*want));
	ck_assert_ptr_nonnull(want);

	for (unsigned int i = 0; i < LINES; i++) {
		if (i % 1000 == 0) {
			fprintf(f, "# block %u\n", i / 1000);
		} else if (i % 7 == 0) {
			fprintf(f, "2001:db8:%x:%x::/64\n", i >> 16, i & 0xffff);
			want[n].family = AF_INET6;
			want[n].len = 64;
			want[n].addr[0] = 0x20;
			want[n].addr[1] = 0x01;
			want[n].addr[2] = 0x0d;
			want[n].addr[3] = 0xb8;
			want[n].addr[4] = (uint8_t)(i >> 24);
			want[n].addr[5] = (uint8_t)(i >> 16);
			want[n].addr[6] = (uint8_t)(i >> 8);
			want[n].addr[7] = (uint8_t)i;
			n++;
		} else {
			fprintf(f, "10.%u.%u.%u\r\n", (i >> 16) & 0xff, (i >> 8) & 0xff,
				i & 0xff);
			want[n].family = AF_INET;
			want[n].len = 32;
			want[n].addr[0] = 10;
			want[n].addr[1] = (uint8_t)(i >> 16);
			want[n].addr[2] = (uint8_t)(i >> 8);
			want[n].addr[3] = (uint8_t)i;
			n++;
		}
	}
	ck_assert_int_eq(fflush(f), 0);
	rewind(f);
	r = read_file(f);
	fclose(f);

	ck_assert_msg(r.err == 0, "error %d on line %u", r.err, r.where.line);
	ck_assert_uint_eq(r.count, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(xg_prefix_cmp(&r.prefixes[i], &want[i]) == 0,
			      "entry %zu differs", i);
	free(r.prefixes);
	free(want);
}
END_TEST

START_TEST(test_large_file_error_line)
{
	enum { LINES = 100000 };
	char *text, *p;
	struct result r;

	/* The line number must stay right far into a file. */
	text = malloc((size_t)LINES * 16);
	ck_assert_ptr_nonnull(text);
	p = text;
	for (unsigned int i = 1; i < LINES; i++)
		p += sprintf(p, i % 3 ? "10.0.%u.%u\n" : "# %u %u\n",
			     (i >> 8) & 0xff, i & 0xff);
	sprintf(p, "10.0.0.300\n");
	r = read_str(text);
	assert_error(&r, LINES, "10.0.0.300");
	free(text);
}
END_TEST

Suite *listfile_suite(void)
{
	Suite *s = suite_create("listfile");
	TCase *tc;

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_comments_and_blank_lines);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_semicolon_comments);
	tcase_add_test(tc, test_byte_order_mark);
	tcase_add_test(tc, test_directory_reason);
	tcase_add_test(tc, test_surrounding_white_space);
	tcase_add_test(tc, test_no_trailing_newline);
	tcase_add_test(tc, test_firehol_netset);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_two_tokens_rejected);
	tcase_add_test(tc, test_bad_line_reported);
	tcase_add_test(tc, test_nul_byte_rejected);
	tcase_add_test(tc, test_long_value_cut);
	tcase_add_test(tc, test_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("size");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_very_long_lines);
	tcase_add_test(tc, test_large_file);
	tcase_add_test(tc, test_large_file_error_line);
	suite_add_tcase(s, tc);
	return s;
}
