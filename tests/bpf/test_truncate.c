// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frames cut short.  Every catalog frame, cut at every length from the
 * Ethernet header (14 bytes) up to one byte short of the whole, is
 * dropped as malformed: the IP length fields describe a datagram the
 * frame no longer holds, wherever the cut falls, be it inside a header
 * or inside the payload of a later fragment.  For a listed source that
 * holds only until its address can be read, at the end of the fixed IP
 * header: from there on its list decides, as the lists answer before
 * the IP lengths are checked.
 *
 * Where the rule does not apply, and what happens instead, is tested
 * too: Ethernet padding past the datagram, frames with more VLAN tags
 * than are parsed, non-IP frames, and frames under 14 bytes, which the
 * kernel refuses to run.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <string.h>

#include "tests.h"

#define ETH_HDR_LEN 14

static void build_case(struct frame *f, const struct frame_case *c)
{
	frame_init(f);
	BUILD_OK(c->build(f, c->ip_version == 4 ? CASE_SRC4 : CASE_SRC6));
}

/* Where a frame's fixed IP header ends: behind Ethernet and its tags. */
static size_t ip_fixed_end(const struct frame *f, int ip_version)
{
	size_t off = ETH_HDR_LEN;

	while (frame_get16(f, off - 2) == ETH_P_8021Q || frame_get16(f, off - 2) == ETH_P_8021AD)
		off += 4;
	return off + (ip_version == 4 ? 20 : 40);
}

/* Cut short, malformed up to listed_from (the whole frame for a source on
 * no list); the reason from there on. */
static void sweep(const struct frame_case *c, int reason, bool listed)
{
	struct frame f;
	size_t len, listed_from;

	build_case(&f, c);
	listed_from = listed ? ip_fixed_end(&f, c->ip_version) : f.len;
	ck_assert_uint_lt(listed_from, f.len + 1);
	for (len = ETH_HDR_LEN; len < listed_from; len++)
		EXPECT_NAMED(c->name, f.data, len, GUARD_REASON_MALFORMED);
	for (; len <= f.len; len++)
		EXPECT_NAMED(c->name, f.data, len, reason);
}

START_TEST(test_truncated)
{
	sweep(&frame_cases[_i], GUARD_REASON_PASS, false);
}
END_TEST

static void allow_sources(void)
{
	tg_setup();
	LIST_OK(guard_allow(&tg, CASE_SRC4, 0));
	LIST_OK(guard_allow(&tg, CASE_SRC6, 0));
}

static void block_sources(void)
{
	tg_setup();
	LIST_OK(guard_block(&tg, CASE_SRC4, 0));
	LIST_OK(guard_block(&tg, CASE_SRC6, 0));
}

/* A frame from an allowed or blocked source gets that source's verdict,
 * cut or whole, once the address is in it, whatever path the parser took
 * to find it: the lists apply to VLAN-tagged frames, to fragments, to long
 * extension header chains... */
START_TEST(test_truncated_allowlisted)
{
	sweep(&frame_cases[_i], GUARD_REASON_ALLOW, true);
}
END_TEST

START_TEST(test_truncated_blocklisted)
{
	sweep(&frame_cases[_i], GUARD_REASON_BLOCK, true);
}
END_TEST

/* Padding after the datagram may be cut freely: only a cut into the
 * datagram itself is malformed. */
START_TEST(test_truncated_padding)
{
	struct frame f;
	size_t len, ip_end;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	ip_end = f.len;
	BUILD_OK(frame_pad(&f, FRAME_ETH_MIN));
	for (len = ETH_HDR_LEN; len < ip_end; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_MALFORMED);
	for (; len <= f.len; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_PASS);
}
END_TEST

/* Three tags: a cut inside the two tags the parser reads is malformed;
 * past them the frame is unparsed, however short. */
START_TEST(test_truncated_three_tags)
{
	struct frame f;
	size_t len;
	int i;

	frame_init(&f);
	frame_eth(&f);
	for (i = 0; i < 3; i++)
		frame_vlan(&f, ETH_P_8021Q, 10 + i);
	frame_ipv4(&f, CASE_SRC4, CASE_DST4);
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	for (len = ETH_HDR_LEN; len < ETH_HDR_LEN + 8; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_MALFORMED);
	for (; len <= f.len; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_UNPARSED);
}
END_TEST

/* Non-IP frames are not parsed past the ethertype, so a cut ARP frame
 * still passes as non-IP; a cut tag around it is malformed. */
START_TEST(test_truncated_non_ip)
{
	struct frame f;
	size_t len;

	frame_init(&f);
	frame_eth(&f);
	frame_set_next(&f, ETH_P_ARP);
	frame_payload(&f, 28, 1);
	BUILD_OK(frame_finish(&f));
	for (len = ETH_HDR_LEN; len <= f.len; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_NON_IP);

	frame_init(&f);
	frame_eth(&f);
	frame_vlan(&f, ETH_P_8021Q, 5);
	frame_set_next(&f, ETH_P_ARP);
	frame_payload(&f, 28, 1);
	BUILD_OK(frame_finish(&f));
	for (len = ETH_HDR_LEN; len < ETH_HDR_LEN + 4; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_MALFORMED);
	for (; len <= f.len; len++)
		EXPECT_REASON(f.data, len, GUARD_REASON_NON_IP);
}
END_TEST

/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header
 * with EINVAL, before the program runs: nothing is counted.  Real
 * drivers do not deliver such frames either, so the program's own
 * "shorter than Ethernet" check is reached by no test. */
START_TEST(test_shorter_than_ethernet_refused)
{
	struct guard_counters before, after;
	struct frame f;
	uint32_t retval;
	size_t len;
	int err;

	build_case(&f, &frame_cases[0]);
	LIST_OK(guard_read_counters(&tg, &before));
	for (len = 0; len < ETH_HDR_LEN; len++) {
		err = guard_run(&tg, f.data, len, &retval, NULL, 0);
		ck_assert_msg(err == -EINVAL, "len %zu: got %d (%s), want -EINVAL",
			      len, err, strerror(-err));
	}
	LIST_OK(guard_read_counters(&tg, &after));
	ck_assert(memcmp(&before, &after, sizeof(before)) == 0);
}
END_TEST

Suite *truncate_suite(void)
{
	Suite *s = suite_create("truncation");
	TCase *tc;

	tc = tcase_create("catalog");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_loop_test(tc, test_truncated, 0, frame_case_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("catalog_allowlisted");
	tcase_add_checked_fixture(tc, allow_sources, NULL);
	tcase_add_loop_test(tc, test_truncated_allowlisted, 0,
			    frame_case_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("catalog_blocklisted");
	tcase_add_checked_fixture(tc, block_sources, NULL);
	tcase_add_loop_test(tc, test_truncated_blocklisted, 0,
			    frame_case_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("other");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_truncated_padding);
	tcase_add_test(tc, test_truncated_three_tags);
	tcase_add_test(tc, test_truncated_non_ip);
	tcase_add_test(tc, test_shorter_than_ethernet_refused);
	suite_add_tcase(s, tc);

	return s;
}
