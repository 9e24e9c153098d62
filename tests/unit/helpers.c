// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the unit tests: log capture, bpffs scratch folders. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "guard_maps.h"
#include "unit.h"

/* ---- log capture ------------------------------------------------------- */

static char log_buf[8192];
static size_t log_len;
static bool log_echo, log_warned;

static void capture(enum xg_log_level level, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (level == XG_LOG_WARN)
		log_warned = true;
	if (log_echo) {
		va_copy(copy, ap);
		fprintf(stderr, "[lib %d] ", level);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (log_len >= sizeof(log_buf) - 1)
		return;
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_buf) - log_len ?
			   (size_t)n : sizeof(log_buf) - log_len - 1;
}

void unit_log_reset(void)
{
	log_len = 0;
	log_buf[0] = '\0';
	log_warned = false;
}

bool unit_log_warned(void)
{
	return log_warned;
}

const char *unit_log_text(void)
{
	return log_buf;
}

void unit_log_install(void)
{
	log_echo = getenv("XG_UNIT_VERBOSE") != NULL;
	unit_log_reset();
	xg_set_print(capture);
}

void unit_config_skip_set(int config_fd, uint32_t skip)
{
	struct guard_config cfg;
	uint32_t zero = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(config_fd, &zero, &cfg), 0);
	cfg.skip_lists = (cfg.skip_lists & ~GUARD_SKIP_BITS) | (skip & GUARD_SKIP_BITS);
	guard_config_next_gen(&cfg);
	ck_assert_int_eq(bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY), 0);
}

uint64_t unit_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct xg_prefix unit_prefix(const char *text)
{
	struct xg_prefix p;
	const char *why = NULL;
	int err = xg_prefix_parse(text, &p, &why);

	ck_assert_msg(err == 0, "parsing \"%s\": %d (%s)", text, err,
		      why ? why : "no reason given");
	return p;
}

/* ---- bpffs scratch folders -------------------------------------------- */

static char bpf_base[PATH_MAX];

const char *unit_bpf_base(void)
{
	return bpf_base;
}

/*
 * Runs in the runner process, before the test case's tests are forked.
 * A failure here cannot fail a test cleanly, so it says why and exits.
 */
void unit_bpf_base_setup(void)
{
	strcpy(bpf_base, "/sys/fs/bpf/xg-unit-XXXXXX");
	if (!mkdtemp(bpf_base)) {
		fprintf(stderr, "unit: mkdtemp %s: %s\n", bpf_base, strerror(errno));
		exit(EXIT_FAILURE);
	}
}

void unit_bpf_base_teardown(void)
{
	int err;

	if (!bpf_base[0])
		return;
	err = unit_rm_tree(bpf_base);
	if (err)
		fprintf(stderr, "unit: could not remove %s: %s\n", bpf_base,
			strerror(-err));
	bpf_base[0] = '\0';
}

char *unit_bpf_tmpdir(void)
{
	char *path;

	ck_assert_msg(bpf_base[0], "no bpffs base folder: fixture missing");
	ck_assert_int_gt(asprintf(&path, "%s/t-XXXXXX", bpf_base), 0);
	ck_assert_msg(mkdtemp(path), "mkdtemp %s: %s", path, strerror(errno));
	return path;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) ? -errno : 0;
	return unlink(path) ? -errno : 0;
}

int unit_rm_tree(const char *path)
{
	int err = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	if (err == -1)
		return errno == ENOENT ? 0 : -errno;
	return err;
}

struct bpf_object *unit_load_object(const char *pin_dir, bool load_prog)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(XG_TEST_BPF_OBJ, &opts);
	ck_assert_msg(obj, "opening %s: %s", XG_TEST_BPF_OBJ, strerror(errno));
	/* Maps are what the library works on; verifying the program would
	 * only slow every state test down. */
	if (!load_prog)
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, false);
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		ck_abort_msg("loading %s pinned at %s: %s", XG_TEST_BPF_OBJ,
			     pin_dir, strerror(-err));
	}
	return obj;
}
