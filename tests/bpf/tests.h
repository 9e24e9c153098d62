/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the test files of the BPF suite: the loaded program each test
 * runs against, and assertions built on guard_expect().
 */
#ifndef XDP_GUARD_TESTS_BPF_TESTS_H
#define XDP_GUARD_TESTS_BPF_TESTS_H

#include <check.h>

#include "cases.h"
#include "frames.h"
#include "harness.h"

/*
 * The program every test runs against, loaded once by main().  Loading
 * costs more than most tests (the host hash maps allocate their bucket
 * arrays), so instead each test starts from tg_setup() (a checked
 * fixture), which empties the lists and zeroes the counters: the state of
 * a fresh load, whatever the test before did or how it ended.
 */
extern struct guard tg;
void tg_setup(void);

/*
 * The IPv4 index (guard_maps.h), which user space builds and the harness
 * does not: tests that need it set it by hand.  cells_set() clears the
 * whole index, sets /16 cell index (CELL(a, b)) to bits, and switches the
 * index on or off (flags: GUARD_CELLS_V4, GUARD_CELLS_BANS,
 * GUARD_CELLS_LONE, and GUARD_SKIP_ALLOW_V4 for an empty IPv4 allowlist;
 * other skip bits given are added, none else cleared);
 * cell_add() ors bits into one more /16 cell; dir_set() sets the /24 cell
 * of an address.
 */
#define CELL(a, b) ((a) << 8 | (b))
void cells_set(uint32_t flags, unsigned int index, uint8_t bits);
void cell_add(unsigned int index, uint8_t bits);
void dir_set(const char *addr, uint16_t byte);

/* Build a frame and fail the test if the builder did. */
#define BUILD_OK(expr) \
	ck_assert_msg((expr) == 0, "frame builder failed: %s", #expr)

/* Run (data, len) and assert the verdict and the one counter it moved. */
#define EXPECT_REASON(data, len, reason)				\
	do {								\
		char why_[256];						\
		ck_assert_msg(guard_expect(&tg, (data), (len), (reason), \
					   why_, sizeof(why_)),		\
			      "%s", why_);				\
	} while (0)

#define EXPECT_FRAME(f, reason) EXPECT_REASON((f)->data, (f)->len, (reason))

/* The same, naming the frame in the failure: for loops over the catalog,
 * where the loop index alone would not say which frame failed. */
#define EXPECT_NAMED(name, data, len, reason)				\
	do {								\
		char why_[256];						\
		ck_assert_msg(guard_expect(&tg, (data), (len), (reason), \
					   why_, sizeof(why_)),		\
			      "%s: %s", (name), why_);			\
	} while (0)

#define LIST_OK(expr)							\
	do {								\
		int err_ = (expr);					\
		ck_assert_msg(err_ == 0, "%s: %s", #expr,		\
			      strerror(-err_));				\
	} while (0)

Suite *frames_suite(void);
Suite *loader_suite(void);
Suite *verdict_suite(void);
Suite *lists_suite(void);
Suite *truncate_suite(void);
Suite *fuzz_suite(void);
Suite *ratelimit_suite(void);

#endif /* XDP_GUARD_TESTS_BPF_TESTS_H */
