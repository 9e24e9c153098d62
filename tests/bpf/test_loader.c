// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the tests load the program, checked before anything relies on it:
 * nothing is pinned under /sys/fs/bpf (the tests must not touch, nor read,
 * a running xdp-guard's maps), the maps are what lib/guard_maps.h says,
 * and the counters start at zero and count every run.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tests.h"

#define BPFFS "/sys/fs/bpf"

/* ---- finding our objects under a bpffs ------------------------------- */

/* IDs of the loaded program and maps, and how many pinned files refer to
 * each (filled by the walk). */
static struct {
	uint32_t prog_id;
	uint32_t map_id[GM_COUNT];
	int prog_pins;
	int map_pins[GM_COUNT];
} ids;

static uint32_t fd_id(int fd, const char *field)
{
	char path[64], line[128];
	size_t flen = strlen(field);
	uint32_t id = 0;
	FILE *fp;

	/* fdinfo names the kind of object ("map_id:" or "prog_id:"); the
	 * info syscalls would need to know the kind up front. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			id = (uint32_t)strtoul(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(fp);
	return id;
}

static int count_pin(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	uint32_t id;
	int fd, i;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	/* Files that are not BPF objects (the preloaded iterators'
	 * maps.debug and progs.debug) cannot be opened this way. */
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	id = fd_id(fd, "prog_id");
	if (id && id == ids.prog_id)
		ids.prog_pins++;
	id = fd_id(fd, "map_id");
	for (i = 0; id && i < GM_COUNT; i++)
		if (id == ids.map_id[i])
			ids.map_pins[i]++;
	close(fd);
	return 0;
}

/* Returns false if an ID could not be read (then no pin can match). */
static bool collect_ids(const struct guard *g)
{
	bool ok;
	int i;

	memset(&ids, 0, sizeof(ids));
	ids.prog_id = fd_id(g->prog_fd, "prog_id");
	ok = ids.prog_id != 0;
	for (i = 0; i < GM_COUNT; i++) {
		ids.map_id[i] = fd_id(g->map_fd[i], "map_id");
		ok = ok && ids.map_id[i] != 0;
	}
	return ok;
}

static void walk(const char *root)
{
	ck_assert_msg(nftw(root, count_pin, 16, FTW_PHYS) == 0,
		      "walking %s: %s", root, strerror(errno));
}

/* Top-level names that look like ours: where libbpf pins by name when
 * no pin root is given. */
static void list_ours(char *buf, size_t size)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	buf[0] = '\0';
	d = opendir(BPFFS);
	if (!d)
		return;
	while ((de = readdir(d)) && n < size)
		if (!strncmp(de->d_name, "xg_", 3))
			n += snprintf(buf + n, size - n, "%s ", de->d_name);
	closedir(d);
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(test_nothing_pinned)
{
	char before[512], after[512];
	struct bpf_map *map;
	struct guard g;
	struct frame f;
	uint32_t retval;
	int err, i;

	list_ours(before, sizeof(before));
	err = guard_open(&g, NULL);
	ck_assert_msg(err == 0, "load: %s", strerror(-err));

	bpf_object__for_each_map(map, g.obj) {
		ck_assert_msg(bpf_map__pin_path(map) == NULL,
			      "%s has pin path %s", bpf_map__name(map),
			      bpf_map__pin_path(map));
		ck_assert_msg(!bpf_map__is_pinned(map), "%s is pinned",
			      bpf_map__name(map));
	}

	/* Use the maps, then look for them anywhere under bpffs. */
	frame_init(&f);
	BUILD_OK(frame_cases[0].build(&f, CASE_SRC4));
	ck_assert_int_eq(guard_run(&g, f.data, f.len, &retval, NULL, 0), 0);
	ck_assert_int_eq(guard_block(&g, CASE_SRC4, 0), 0);
	ck_assert_msg(collect_ids(&g), "cannot read the object IDs");
	walk(BPFFS);
	ck_assert_msg(ids.prog_pins == 0, "the program is pinned");
	for (i = 0; i < GM_COUNT; i++)
		ck_assert_msg(ids.map_pins[i] == 0, "%s is pinned",
			      guard_map_names[i]);

	guard_close(&g);
	list_ours(after, sizeof(after));
	ck_assert_msg(!strcmp(before, after),
		      BPFFS " changed: before \"%s\", after \"%s\"", before,
		      after);
}
END_TEST

/* In a child (see below): load with pinning on under a private bpffs and
 * count the pins the walk finds.  Exit status: the number of maps not
 * pinned exactly once, or 100 + a step that failed. */
static int child_pin_and_walk(void)
{
	char dir[] = "/tmp/xg-bpffs-XXXXXX";
	struct guard g;
	int err, i, wrong = 0;

	if (unshare(CLONE_NEWNS)) {
		perror("unshare");
		return 101;
	}
	/* Keep the mount below from propagating to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("making / private");
		return 102;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 103;
	}
	if (mount("bpf", dir, "bpf", 0, NULL)) {
		perror("mounting bpffs");
		rmdir(dir);
		return 104;
	}
	err = guard_open(&g, dir);
	if (!err) {
		collect_ids(&g);
		if (nftw(dir, count_pin, 16, FTW_PHYS))
			err = -errno;
		guard_close(&g);
	}
	umount(dir);
	rmdir(dir);
	if (err) {
		fprintf(stderr, "load with pinning: %s\n", strerror(-err));
		return 105;
	}
	for (i = 0; i < GM_COUNT; i++) {
		if (ids.map_pins[i] != 1) {
			fprintf(stderr, "%s pinned %d times\n",
				guard_map_names[i], ids.map_pins[i]);
			wrong++;
		}
	}
	return wrong;
}

/*
 * The check above would pass vacuously if the walk could not see pins.
 * Show that it does: load with pinning left on, on a private bpffs in a
 * private mount namespace, and find every map there.  A child process
 * does it, so that the test process keeps the host's mounts even when
 * the tests run without forking.
 */
START_TEST(test_pin_check_sees_pins)
{
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_pin_and_walk());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "pinning under a private bpffs: status %#x (see stderr)",
		      status);
}
END_TEST

/* The object agrees with lib/guard_maps.h, which user space reads the
 * maps through. */
START_TEST(test_map_layouts)
{
	static const struct {
		enum guard_map_id id;
		enum bpf_map_type type;
		uint32_t key, value, max, flags;
	} want[] = {
		{ GM_ALLOW_V4, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct guard_lpm_v4),
		  sizeof(struct guard_entry), GUARD_ALLOW_V4_MAX,
		  BPF_F_NO_PREALLOC },
		{ GM_ALLOW_V6, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct guard_lpm_v6),
		  sizeof(struct guard_entry), GUARD_ALLOW_V6_MAX,
		  BPF_F_NO_PREALLOC },
		{ GM_BLOCK_V4, BPF_MAP_TYPE_HASH, 4,
		  sizeof(struct guard_entry), GUARD_BLOCK_V4_MAX,
		  BPF_F_NO_PREALLOC },
		{ GM_BLOCK_V6, BPF_MAP_TYPE_HASH, sizeof(struct guard_addr_v6),
		  sizeof(struct guard_entry), GUARD_BLOCK_V6_MAX,
		  BPF_F_NO_PREALLOC },
		{ GM_BLKNET_V4, BPF_MAP_TYPE_LPM_TRIE,
		  sizeof(struct guard_lpm_v4), sizeof(struct guard_entry),
		  GUARD_BLKNET_V4_MAX, BPF_F_NO_PREALLOC },
		{ GM_BLKNET_V6, BPF_MAP_TYPE_LPM_TRIE,
		  sizeof(struct guard_lpm_v6), sizeof(struct guard_entry),
		  GUARD_BLKNET_V6_MAX, BPF_F_NO_PREALLOC },
		{ GM_COUNTERS, BPF_MAP_TYPE_PERCPU_ARRAY, 4,
		  sizeof(struct guard_counter), GUARD_REASON_SLOTS, 0 },
		{ GM_CONFIG, BPF_MAP_TYPE_ARRAY, 4,
		  sizeof(struct guard_config), 1, 0 },
		{ GM_RULES, BPF_MAP_TYPE_HASH, sizeof(struct guard_rule_key),
		  sizeof(struct guard_rule), GUARD_RULES_MAX, 0 },
		{ GM_RULE_STATE, BPF_MAP_TYPE_ARRAY, 4,
		  sizeof(struct guard_rule_state), GUARD_RULES_MAX, 0 },
		{ GM_SOURCES, BPF_MAP_TYPE_LRU_HASH,
		  sizeof(struct guard_source_key), sizeof(struct guard_source),
		  GUARD_SOURCES_MAX, 0 },
		{ GM_EVENTS, BPF_MAP_TYPE_RINGBUF, 0, 0, GUARD_EVENTS_BYTES, 0 },
		{ GM_MARKS, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct guard_marks), 1, 0 },
		{ GM_CELLS_V4, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct guard_cells_v4), 1, 0 },
		{ GM_DIR_V4, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct guard_dir_v4),
		  GUARD_DIR_CHUNKS, 0 },
		{ GM_DEEP_V4, BPF_MAP_TYPE_HASH, 4, sizeof(struct guard_deep_v4),
		  GUARD_BLKNET_V4_MAX, BPF_F_NO_PREALLOC },
		{ GM_DIR_V6, BPF_MAP_TYPE_HASH, 4, sizeof(struct guard_dir_v6),
		  GUARD_DIR_V6_MAX, BPF_F_NO_PREALLOC },
		{ GM_RULE_INDEX, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct guard_rule_index), 1, 0 },
		{ GM_RULE_ENTRIES, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct guard_rule_entry),
		  GUARD_RULE_ENTRIES, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		const char *name = guard_map_names[want[i].id];

		memset(&info, 0, sizeof(info));
		ck_assert_int_eq(bpf_obj_get_info_by_fd(tg.map_fd[want[i].id],
							&info, &len), 0);
		ck_assert_msg(info.type == want[i].type, "%s: type %u",
			      name, info.type);
		ck_assert_msg(info.key_size == want[i].key, "%s: key %u",
			      name, info.key_size);
		ck_assert_msg(info.value_size == want[i].value, "%s: value %u",
			      name, info.value_size);
		ck_assert_msg(info.max_entries == want[i].max, "%s: max %u",
			      name, info.max_entries);
		ck_assert_msg(info.map_flags == want[i].flags, "%s: flags %#x",
			      name, info.map_flags);
		ck_assert_str_eq(info.name, name);
	}
}
END_TEST

/* A fresh load starts from zero, and so does every test after
 * tg_setup(), which the rest of the suite relies on. */
START_TEST(test_counters_start_at_zero)
{
	struct guard_counters c;
	struct guard g;
	struct frame f;
	int i, err;

	err = guard_open(&g, NULL);
	ck_assert_msg(err == 0, "load: %s", strerror(-err));
	err = guard_read_counters(&g, &c);
	guard_close(&g);
	LIST_OK(err);
	for (i = 0; i < GUARD_REASON_SLOTS; i++) {
		ck_assert_uint_eq(c.slot[i].packets, 0);
		ck_assert_uint_eq(c.slot[i].bytes, 0);
	}

	frame_init(&f);
	BUILD_OK(frame_cases[0].build(&f, CASE_SRC4));
	LIST_OK(guard_block(&tg, CASE_SRC4, 0));
	LIST_OK(guard_allow(&tg, "2001:db8::/32", 0));
	EXPECT_FRAME(&f, GUARD_REASON_BLOCK);
	tg_setup();
	LIST_OK(guard_read_counters(&tg, &c));
	for (i = 0; i < GUARD_REASON_SLOTS; i++)
		ck_assert_uint_eq(c.slot[i].packets, 0);
	EXPECT_FRAME(&f, GUARD_REASON_PASS);
}
END_TEST

/* Repeated runs add up, in the kernel's own repeat loop too. */
START_TEST(test_counters_add_up)
{
	struct guard_counters c;
	struct frame f;
	int i;

	frame_init(&f);
	BUILD_OK(frame_cases[0].build(&f, CASE_SRC4));
	for (i = 0; i < 3; i++)
		EXPECT_FRAME(&f, GUARD_REASON_PASS);

	{
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = f.data,
			.data_size_in = f.len,
			.repeat = 1000,
		);

		ck_assert_int_eq(bpf_prog_test_run_opts(tg.prog_fd, &opts), 0);
		ck_assert_uint_eq(opts.retval, XDP_PASS);
	}
	LIST_OK(guard_read_counters(&tg, &c));
	ck_assert_uint_eq(c.slot[GUARD_REASON_PASS].packets, 1003);
	ck_assert_uint_eq(c.slot[GUARD_REASON_PASS].bytes, 1003 * f.len);
}
END_TEST

Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc;

	tc = tcase_create("pinning");
	tcase_add_test(tc, test_nothing_pinned);
	tcase_add_test(tc, test_pin_check_sees_pins);
	suite_add_tcase(s, tc);

	tc = tcase_create("maps");
	tcase_add_checked_fixture(tc, tg_setup, NULL);
	tcase_add_test(tc, test_map_layouts);
	tcase_add_test(tc, test_counters_start_at_zero);
	tcase_add_test(tc, test_counters_add_up);
	suite_add_tcase(s, tc);
	return s;
}
