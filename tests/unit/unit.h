/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the unit tests of lib/: one suite constructor per file, and
 * the helpers more than one file needs.
 *
 * The tests are written against the contract in lib/xdpguard.h.  Where
 * they look inside the library (internal.h: the map layout table, the
 * state's map fds) the comment at that test says why.
 */
#ifndef XDP_GUARD_TESTS_UNIT_H
#define XDP_GUARD_TESTS_UNIT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "xdpguard.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

Suite *prefix_suite(void);
Suite *duration_suite(void);
Suite *listfile_suite(void);
Suite *tables_suite(void);
Suite *layout_suite(void);
Suite *state_suite(void);
Suite *program_suite(void);

/* Set by main(): root and a bpffs at /sys/fs/bpf, so real maps can be made. */
extern bool unit_have_bpf;

/*
 * Everything the library logs goes through here, whatever the level, so a
 * test can check that a warning names what it should.  Printed to stderr
 * too when XG_UNIT_VERBOSE is set in the environment.
 */
void unit_log_reset(void);
const char *unit_log_text(void);
/* Was anything logged at XG_LOG_WARN since the reset? */
bool unit_log_warned(void);
void unit_log_install(void);

/* Parse text that must be valid; fails the test otherwise. */
struct xg_prefix unit_prefix(const char *text);

/* Set the config's skip bits (those of GUARD_SKIP_BITS in skip) through
 * the pinned config map at config_fd, as the library writes the config:
 * the rest kept, the generation moved on. */
void unit_config_skip_set(int config_fd, uint32_t skip);

/* splitmix64: the next number from *state, the same on every run and
 * libc, so that a random test replays from its seed. */
uint64_t unit_splitmix64(uint64_t *state);

/*
 * A scratch folder under /sys/fs/bpf for one test case.  The parent
 * (Check's unchecked fixture) makes it and removes it with everything in
 * it, so the pins go away even when a test dies before its own teardown:
 * in fork mode a failed assertion ends the test process at once.
 */
const char *unit_bpf_base(void);
void unit_bpf_base_setup(void);
void unit_bpf_base_teardown(void);
/* mkdtemp() a fresh folder inside the base; returns a malloc'd path. */
char *unit_bpf_tmpdir(void);
/* rm -r for bpffs: unlink pins, remove folders. 0 or -errno. */
int unit_rm_tree(const char *path);

/*
 * Load the XDP object's maps (and only its maps: the program is not
 * loaded unless load_prog) pinned by name under pin_dir, the way xdp-guard
 * creates them.  Returns the open object, or NULL with the test failed.
 */
struct bpf_object *unit_load_object(const char *pin_dir, bool load_prog);

#endif
