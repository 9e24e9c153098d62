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

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests.h"

struct guard tg;

void tg_setup(void)
{
	int err = guard_reset(&tg);

	ck_assert_msg(err == 0, "resetting the maps: %s", strerror(-err));
}

/* ---- the IPv4 index, set by hand (guard_maps.h) -------------------------- */

void cells_set(uint32_t flags, unsigned int index, uint8_t bits)
{
	struct guard_cells_v4 *cells = calloc(1, sizeof(*cells));
	struct guard_dir_v4 *dir = calloc(1, sizeof(*dir));
	struct guard_config cfg;
	uint32_t zero = 0, c;

	ck_assert_ptr_nonnull(cells);
	ck_assert_ptr_nonnull(dir);
	cells->cell[index & 0xffff] = bits;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_CELLS_V4], &zero, cells, BPF_ANY), 0);
	for (c = 0; c < GUARD_DIR_CHUNKS; c++)
		ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_DIR_V4], &c, dir, BPF_ANY), 0);
	free(cells);
	free(dir);
	LIST_OK(guard_config_get(&tg, &cfg));
	cfg.skip_lists = (cfg.skip_lists & ~(GUARD_CELLS_V4 | GUARD_CELLS_BANS |
					     GUARD_SKIP_ALLOW_V4)) | flags;
	LIST_OK(guard_config_set(&tg, &cfg));
}

void cell_add(unsigned int index, uint8_t bits)
{
	struct guard_cells_v4 *cells = malloc(sizeof(*cells));
	uint32_t zero = 0;

	ck_assert_ptr_nonnull(cells);
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_CELLS_V4], &zero, cells), 0);
	cells->cell[index & 0xffff] |= bits;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_CELLS_V4], &zero, cells, BPF_ANY), 0);
	free(cells);
}

void dir_set(const char *addr, uint16_t byte)
{
	struct guard_dir_v4 *dir = malloc(sizeof(*dir));
	struct in_addr a;
	uint32_t h, chunk;

	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &a), 1);
	h = ntohl(a.s_addr);
	chunk = h >> 24;
	ck_assert_int_eq(bpf_map_lookup_elem(tg.map_fd[GM_DIR_V4], &chunk, dir), 0);
	dir->cell[(h >> 8) & 0xffff] = byte;
	ck_assert_int_eq(bpf_map_update_elem(tg.map_fd[GM_DIR_V4], &chunk, dir, BPF_ANY), 0);
	free(dir);
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
