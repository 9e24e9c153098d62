// SPDX-License-Identifier: GPL-2.0-only
/*
 * The frame builder itself: the other tests, and the benchmark, trust its
 * lengths and checksums, so they are checked here against the RFCs'
 * layouts rather than through the program under test.
 */
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <string.h>

#include "tests.h"

/* One's-complement sum: a correct checksum makes the covered bytes, with
 * the pseudo-header, sum to 0xffff. */
static uint32_t ones_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum += i % 2 ? p[i] : p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

START_TEST(test_ipv4_udp_layout)
{
	struct frame f;
	uint8_t pseudo[12];
	size_t ip = 14, udp = 34;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.1", "198.51.100.7");
	frame_udp(&f, 1000, 53);
	frame_payload(&f, 11, 0xab);
	BUILD_OK(frame_finish(&f));

	ck_assert_uint_eq(f.len, 14 + 20 + 8 + 11);
	ck_assert_uint_eq(f.l3_off, ip);
	ck_assert_uint_eq(f.l4_off, udp);
	ck_assert_uint_eq(frame_get16(&f, 12), ETH_P_IP);
	ck_assert_uint_eq(f.data[ip], 0x45);
	ck_assert_uint_eq(frame_get16(&f, ip + 2), 20 + 8 + 11);
	ck_assert_uint_eq(f.data[ip + 9], IPPROTO_UDP);
	ck_assert_uint_eq(f.data[ip + 12], 192);
	ck_assert_uint_eq(f.data[ip + 19], 7);
	ck_assert_uint_eq(ones_sum(f.data + ip, 20, 0), 0xffff);
	ck_assert_uint_eq(frame_get16(&f, udp), 1000);
	ck_assert_uint_eq(frame_get16(&f, udp + 2), 53);
	ck_assert_uint_eq(frame_get16(&f, udp + 4), 8 + 11);

	memcpy(pseudo, f.data + ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = 0;
	pseudo[11] = 8 + 11;
	ck_assert_uint_eq(ones_sum(f.data + udp, 8 + 11,
				   ones_sum(pseudo, 12, 0)), 0xffff);
}
END_TEST

START_TEST(test_ipv6_chain_layout)
{
	struct frame f;
	size_t ip = 18, ext;

	frame_init(&f);
	frame_eth(&f);
	frame_vlan(&f, ETH_P_8021Q, 42);
	frame_ipv6(&f, "2001:db8::1", "2001:db8::2");
	frame_ipv6_ext(&f, IPPROTO_HOPOPTS, 16);
	frame_ipv6_frag(&f, 1232, true, 7);
	frame_ipv6_ext(&f, IPPROTO_AH, 24);
	frame_tcp(&f, 1, 2, 0x02);
	frame_tcp_options(&f, 6);
	BUILD_OK(frame_finish(&f));

	ck_assert_uint_eq(frame_get16(&f, 12), ETH_P_8021Q);
	ck_assert_uint_eq(frame_get16(&f, 14), 42);
	ck_assert_uint_eq(frame_get16(&f, 16), ETH_P_IPV6);
	ck_assert_uint_eq(f.data[ip] >> 4, 6);
	ck_assert_uint_eq(frame_get16(&f, ip + 4), 16 + 8 + 24 + 24);
	ck_assert_uint_eq(f.data[ip + 6], IPPROTO_HOPOPTS);
	ext = ip + 40;
	ck_assert_uint_eq(f.data[ext], IPPROTO_FRAGMENT);
	ck_assert_uint_eq(f.data[ext + 1], 1);		/* (16 / 8) - 1 */
	ext += 16;
	ck_assert_uint_eq(f.data[ext], IPPROTO_AH);
	ck_assert_uint_eq(frame_get16(&f, ext + 2), 1232 | 1);
	ext += 8;
	ck_assert_uint_eq(f.data[ext], IPPROTO_TCP);
	ck_assert_uint_eq(f.data[ext + 1], 24 / 4 - 2);
	ext += 24;
	ck_assert_uint_eq(f.l4_off, ext);
	ck_assert_uint_eq(f.data[ext + 12] >> 4, 6);
	ck_assert_uint_eq(f.len, ext + 24);
}
END_TEST

START_TEST(test_ipv4_options_and_fragment)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.1", "192.0.2.2");
	frame_ipv4_options(&f, 15);
	frame_ipv4_frag(&f, 64, true);
	frame_set_next(&f, IPPROTO_TCP);
	frame_payload(&f, 8, 0);
	BUILD_OK(frame_finish(&f));

	ck_assert_uint_eq(f.data[14], 0x4f);
	ck_assert_uint_eq(frame_get16(&f, 14 + 2), 60 + 8);
	ck_assert_uint_eq(frame_get16(&f, 14 + 6), 0x2000 | 8);
	ck_assert_uint_eq(ones_sum(f.data + 14, 60, 0), 0xffff);
	ck_assert_uint_eq(f.l4_off, FRAME_NO_OFF);
}
END_TEST

START_TEST(test_errors_are_sticky)
{
	struct frame f;

	/* A bad address. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.300", "192.0.2.2");
	frame_udp(&f, 1, 2);
	ck_assert_int_eq(frame_finish(&f), -1);

	/* Options after the transport header. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.1", "192.0.2.2");
	frame_udp(&f, 1, 2);
	frame_ipv4_options(&f, 6);
	ck_assert_int_eq(frame_finish(&f), -1);

	/* An IPv6 header after Ethernet's payload is already chosen. */
	frame_init(&f);
	frame_eth(&f);
	frame_set_next(&f, ETH_P_ARP);
	frame_ipv6(&f, "::1", "::2");
	ck_assert_int_eq(frame_finish(&f), -1);

	/* More than fits. */
	frame_init(&f);
	frame_eth(&f);
	frame_payload(&f, FRAME_MAX, 0);
	ck_assert_int_eq(frame_finish(&f), -1);

	/* Appending after frame_finish() would leave the lengths stale. */
	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.1", "192.0.2.2");
	BUILD_OK(frame_finish(&f));
	frame_payload(&f, 1, 0);
	ck_assert(f.failed);
}
END_TEST

START_TEST(test_pad)
{
	struct frame f;

	frame_init(&f);
	frame_eth(&f);
	frame_ipv4(&f, "192.0.2.1", "192.0.2.2");
	frame_udp(&f, 1, 2);
	BUILD_OK(frame_finish(&f));
	ck_assert_uint_eq(f.len, 42);
	ck_assert_int_eq(frame_pad(&f, FRAME_ETH_MIN), 0);
	ck_assert_uint_eq(f.len, 60);
	ck_assert_uint_eq(frame_get16(&f, 14 + 2), 28);	/* unchanged */
}
END_TEST

/* Every catalog frame builds; their builders are used everywhere. */
START_TEST(test_catalog_builds)
{
	const struct frame_case *c = &frame_cases[_i];
	struct frame f;

	frame_init(&f);
	ck_assert_msg(c->build(&f, c->ip_version == 4 ? CASE_SRC4 : CASE_SRC6)
		      == 0, "%s does not build", c->name);
}
END_TEST

Suite *frames_suite(void)
{
	Suite *s = suite_create("frames");
	TCase *tc = tcase_create("builder");

	tcase_add_test(tc, test_ipv4_udp_layout);
	tcase_add_test(tc, test_ipv6_chain_layout);
	tcase_add_test(tc, test_ipv4_options_and_fragment);
	tcase_add_test(tc, test_errors_are_sticky);
	tcase_add_test(tc, test_pad);
	tcase_add_loop_test(tc, test_catalog_builds, 0, frame_case_count);
	suite_add_tcase(s, tc);
	return s;
}
