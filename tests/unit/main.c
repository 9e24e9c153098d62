// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runner for the unit tests of lib/.  Every suite runs in one SRunner, so
 * the last line is Check's total: "100%: Checks: N, Failures: 0, Errors: 0".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "unit.h"

bool unit_have_bpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf explains its failures on stderr; the tests that expect a
	 * failure would otherwise bury the report in noise. */
	if (!getenv("XG_UNIT_VERBOSE") && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool have_bpffs(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

int main(void)
{
	SRunner *sr;
	int failed;

	unit_have_bpf = geteuid() == 0 && have_bpffs();
	libbpf_set_print(libbpf_print);
	unit_log_install();

	sr = srunner_create(prefix_suite());
	srunner_add_suite(sr, duration_suite());
	srunner_add_suite(sr, listfile_suite());
	srunner_add_suite(sr, tables_suite());
	srunner_add_suite(sr, layout_suite());
	srunner_add_suite(sr, state_suite());
	srunner_add_suite(sr, program_suite());
	if (!unit_have_bpf)
		printf("Note: not root or no bpffs at /sys/fs/bpf: the tests on "
		       "real maps are left out.\n");

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
