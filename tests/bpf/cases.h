/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A catalog of well-formed IP frames, one per parse path of the program.
 * The verdict tests check each passes; the truncation tests cut each at
 * every length; the fuzz test mutates them.
 */
#ifndef XDP_GUARD_TESTS_CASES_H
#define XDP_GUARD_TESTS_CASES_H

#include "frames.h"

/* Sources and destinations of the catalog frames (RFC 5737, RFC 3849). */
#define CASE_SRC4 "192.0.2.1"
#define CASE_DST4 "198.51.100.1"
#define CASE_SRC6 "2001:db8::1"
#define CASE_DST6 "2001:db8:ffff::1"

struct frame_case {
	const char *name;
	/* Builds the frame with the given source address (CASE_SRC4 or
	 * CASE_SRC6 in the catalog, but any of the right family works);
	 * returns frame_finish()'s result. */
	int (*build)(struct frame *f, const char *src);
	int ip_version;
};

extern const struct frame_case frame_cases[];
extern const unsigned int frame_case_count;

#endif /* XDP_GUARD_TESTS_CASES_H */
