// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF suite: runs guard-bpf/xdp_guard.bpf.o through BPF_PROG_TEST_RUN.
 *
 *   test_xdp_guard [PATH-TO-xdp_guard.bpf.o]
 *
 * Needs root (loading BPF programs and creating maps).  Without it the
 * suite fails, loudly: a skipped BPF suite would look like a passing one.
 * CK_VERBOSITY=verbose lists every test; CK_RUN_SUITE / CK_RUN_CASE pick
 * some.  Tests run in one process; CK_FORK=yes gives each its own (and
 * then per-test timeouts apply).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "tests.h"

struct guard tg;

void tg_setup(void)
{
	int err = guard_reset(&tg);

	ck_assert_msg(err == 0, "resetting the maps: %s", strerror(-err));
}

/* libbpf's info and debug lines (such as the one about libxdp's
 * .xdp_run_config section, which libbpf does not know) would bury the
 * test report; its warnings and errors are worth seeing. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level > LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* Fail once, with the reason, instead of once per test. */
static int load(void)
{
	int err;

	if (geteuid() != 0) {
		fprintf(stderr,
			"Error: the BPF tests load XDP programs and need root "
			"(run: sudo make -C tests/bpf check).\n");
		return -1;
	}
	if (access(guard_obj_path, R_OK)) {
		fprintf(stderr, "Error: %s: %s (build it: make -C guard-bpf)\n",
			guard_obj_path, strerror(errno));
		return -1;
	}
	err = guard_open(&tg, NULL);
	if (err) {
		fprintf(stderr, "Error: loading %s: %s\n", guard_obj_path,
			strerror(-err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [xdp_guard.bpf.o]\n", argv[0]);
		return 2;
	}
	if (argc == 2)
		guard_obj_path = argv[1];
	libbpf_set_print(libbpf_print);

	if (load())
		return 1;

	sr = srunner_create(frames_suite());
	srunner_add_suite(sr, loader_suite());
	srunner_add_suite(sr, verdict_suite());
	srunner_add_suite(sr, lists_suite());
	srunner_add_suite(sr, truncate_suite());
	srunner_add_suite(sr, ratelimit_suite());
	srunner_add_suite(sr, fuzz_suite());

	/* One process for all tests unless CK_FORK says otherwise: a fork
	 * per test costs more than the test under the sanitizers, and the
	 * leak check then runs once, at exit, over everything. */
	if (!getenv("CK_FORK"))
		srunner_set_fork_status(sr, CK_NOFORK);

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	guard_close(&tg);
	return failed ? 1 : 0;
}
