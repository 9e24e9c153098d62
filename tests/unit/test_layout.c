// SPDX-License-Identifier: GPL-2.0-only
/*
 * The map layout: the library must expect every map exactly as the XDP
 * object defines it, or it would refuse (or worse, misread) the maps that
 * the loader pins.
 *
 * Two ways of checking.  Without privileges: open the built object with
 * libbpf (no load) and compare each map with the library's layout table.
 * That table is internal (lib/internal.h), which these tests can reach
 * because they compile the library's sources.  As root, through the public
 * interface: pin maps made from the object's definitions, and see that
 * xg_pin_path_check() and xg_state_open() accept them and refuse any one
 * of them changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "unit.h"
#include "internal.h"

struct map_def {
	char name[32];
	enum bpf_map_type type;
	unsigned int key_size, value_size, max_entries, flags;
};

/* The maps the object defines, as libbpf reads them without loading;
 * -errno if it cannot be opened.  No assertions: the suite calls it too. */
static int read_object_maps(struct map_def *out, size_t max)
{
	struct bpf_object *obj = bpf_object__open_file(XG_TEST_BPF_OBJ, NULL);
	struct bpf_map *map;
	int n = 0;

	if (!obj)
		return -errno;
	bpf_object__for_each_map(map, obj) {
		/* .rodata, .bss and the like are libbpf's, not pinned state. */
		if (bpf_map__is_internal(map))
			continue;
		if ((size_t)n == max) {
			n = -E2BIG;
			break;
		}
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_map__name(map));
		out[n].type = bpf_map__type(map);
		out[n].key_size = bpf_map__key_size(map);
		out[n].value_size = bpf_map__value_size(map);
		out[n].max_entries = bpf_map__max_entries(map);
		out[n].flags = bpf_map__map_flags(map);
		n++;
	}
	bpf_object__close(obj);
	return n;
}

static size_t object_maps(struct map_def *out, size_t max)
{
	int n = read_object_maps(out, max);

	ck_assert_msg(n >= 0, "reading the maps of %s: %s (run make in guard-bpf)",
		      XG_TEST_BPF_OBJ, strerror(-n));
	return (size_t)n;
}

static const struct xg_map_layout *layout_of(const char *name)
{
	for (size_t i = 0; i < XG_MAP_COUNT; i++)
		if (xg_map_layouts[i].name && !strcmp(xg_map_layouts[i].name, name))
			return &xg_map_layouts[i];
	return NULL;
}

START_TEST(test_table_matches_object)
{
	struct map_def maps[64];
	size_t n = object_maps(maps, ARRAY_LEN(maps));

	/* Every map of the object is one the library knows, field by field. */
	for (size_t i = 0; i < n; i++) {
		const struct xg_map_layout *l = layout_of(maps[i].name);

		ck_assert_msg(l, "the object defines map %s; the library does not "
			      "know it", maps[i].name);
		ck_assert_msg(l->type == maps[i].type, "%s: type %u, object %u",
			      l->name, l->type, maps[i].type);
		ck_assert_msg(l->key_size == maps[i].key_size, "%s: key_size %u, object %u",
			      l->name, l->key_size, maps[i].key_size);
		ck_assert_msg(l->value_size == maps[i].value_size,
			      "%s: value_size %u, object %u", l->name, l->value_size,
			      maps[i].value_size);
		ck_assert_msg(l->max_entries == maps[i].max_entries,
			      "%s: max_entries %u, object %u", l->name,
			      l->max_entries, maps[i].max_entries);
		ck_assert_msg(l->flags == maps[i].flags, "%s: flags %#x, object %#x",
			      l->name, l->flags, maps[i].flags);
	}
	/* And every map the library expects is in the object. */
	ck_assert_uint_eq(n, XG_MAP_COUNT);
}
END_TEST

START_TEST(test_table_matches_header)
{
	/* The lists and counters as guard_maps.h describes them, so that
	 * the table and the object cannot drift together unnoticed. */
	static const struct xg_map_layout want[XG_MAP_COUNT] = {
		[XG_MAP_ALLOW_V4] = { GUARD_MAP_ALLOW_V4, BPF_MAP_TYPE_LPM_TRIE,
			sizeof(struct guard_lpm_v4), sizeof(struct guard_entry),
			GUARD_ALLOW_V4_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_ALLOW_V6] = { GUARD_MAP_ALLOW_V6, BPF_MAP_TYPE_LPM_TRIE,
			sizeof(struct guard_lpm_v6), sizeof(struct guard_entry),
			GUARD_ALLOW_V6_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_BLOCK_V4] = { GUARD_MAP_BLOCK_V4, BPF_MAP_TYPE_HASH,
			sizeof(__u32), sizeof(struct guard_entry),
			GUARD_BLOCK_V4_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_BLOCK_V6] = { GUARD_MAP_BLOCK_V6, BPF_MAP_TYPE_HASH,
			sizeof(struct guard_addr_v6), sizeof(struct guard_entry),
			GUARD_BLOCK_V6_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_BLKNET_V4] = { GUARD_MAP_BLKNET_V4, BPF_MAP_TYPE_LPM_TRIE,
			sizeof(struct guard_lpm_v4), sizeof(struct guard_entry),
			GUARD_BLKNET_V4_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_BLKNET_V6] = { GUARD_MAP_BLKNET_V6, BPF_MAP_TYPE_LPM_TRIE,
			sizeof(struct guard_lpm_v6), sizeof(struct guard_entry),
			GUARD_BLKNET_V6_MAX, BPF_F_NO_PREALLOC },
		[XG_MAP_COUNTERS] = { GUARD_MAP_COUNTERS, BPF_MAP_TYPE_PERCPU_ARRAY,
			sizeof(__u32), sizeof(struct guard_counter),
			GUARD_REASON_SLOTS, 0 },
	};

	for (size_t i = 0; i < XG_MAP_COUNT; i++) {
		const struct xg_map_layout *l = &xg_map_layouts[i];

		/* Maps added later are checked against the object above. */
		if (!want[i].name)
			continue;
		ck_assert_pstr_eq(l->name, want[i].name);
		ck_assert_uint_eq(l->type, want[i].type);
		ck_assert_uint_eq(l->key_size, want[i].key_size);
		ck_assert_uint_eq(l->value_size, want[i].value_size);
		ck_assert_uint_eq(l->max_entries, want[i].max_entries);
		ck_assert_uint_eq(l->flags, want[i].flags);
	}
}
END_TEST

/* ---- as root: pinned maps ------------------------------------------------ */

/* What to change in one map to make it not ours. */
enum mutation { SAME, VALUE_SIZE, KEY_SIZE, MAX_ENTRIES, TYPE, FLAGS, MUTATIONS };

static const char *const mutation_names[] = {
	"same", "value_size", "key_size", "max_entries", "type", "flags",
};

/* Largest value of a per-CPU map: PCPU_MIN_UNIT_SIZE in the kernel. */
#define PERCPU_VALUE_MAX (32 * 1024)

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* def changed by m into out.  False when the kernel cannot make such a
 * map at all: an array's key is 4 bytes, a ring buffer has neither key nor
 * value nor flags. */
static bool mutate(const struct map_def *def, enum mutation m, struct map_def *out)
{
	struct map_def d = *def;
	bool ringbuf = d.type == BPF_MAP_TYPE_RINGBUF;

	switch (m) {
	case SAME:
		break;
	case VALUE_SIZE:
		if (ringbuf)
			return false;
		d.value_size += 8;
		break;
	case KEY_SIZE:
		if (ringbuf || is_array(d.type))
			return false;
		d.key_size += 4;
		break;
	case MAX_ENTRIES:
		/* A ring buffer's size is a power of two. */
		d.max_entries = ringbuf ? d.max_entries * 2 : d.max_entries + 1;
		break;
	case TYPE:
		/* Another type that the same key and value fit. */
		switch (d.type) {
		case BPF_MAP_TYPE_LPM_TRIE:
		case BPF_MAP_TYPE_LRU_HASH:
			d.type = BPF_MAP_TYPE_HASH;
			break;
		case BPF_MAP_TYPE_HASH:
			d.type = BPF_MAP_TYPE_PERCPU_HASH;
			break;
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			d.type = BPF_MAP_TYPE_ARRAY;
			break;
		case BPF_MAP_TYPE_ARRAY:
			/* The closest other type, where the kernel takes it: a
			 * per-CPU value must fit a per-CPU unit (32 KiB), so the
			 * 64 KiB tables (marks, cells) become a hash instead. */
			d.type = d.value_size <= PERCPU_VALUE_MAX ?
				 BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_HASH;
			break;
		default:
			return false;
		}
		break;
	case FLAGS:
		if (ringbuf)
			return false;
		/* Read-only for programs: the XDP program could not write. */
		d.flags |= BPF_F_RDONLY_PROG;
		break;
	default:
		return false;
	}
	*out = d;
	return true;
}

/* Pin a map made from def, changed by m, at dir/name. */
static void pin_map(const char *dir, const struct map_def *def, enum mutation m)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct map_def d;
	char path[512];
	int fd;

	ck_assert_msg(mutate(def, m, &d), "%s: %s cannot change", def->name,
		      mutation_names[m]);
	opts.map_flags = d.flags;
	fd = bpf_map_create(d.type, d.name, d.key_size, d.value_size, d.max_entries,
			    &opts);
	ck_assert_msg(fd >= 0, "creating %s (%s changed): %s", d.name,
		      mutation_names[m], strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", dir, d.name);
	ck_assert_msg(bpf_obj_pin(fd, path) == 0, "pinning %s: %s", path,
		      strerror(errno));
	close(fd);
}

static char *pin_dir;

static void pin_setup(void)
{
	pin_dir = unit_bpf_tmpdir();
	unit_log_reset();
}

/* Checked: runs in the test's process after a passing test.  A failed
 * test skips it; the parent's unchecked teardown removes the base folder
 * with everything under it. */
static void pin_teardown(void)
{
	int err = unit_rm_tree(pin_dir);

	free(pin_dir);
	pin_dir = NULL;
	ck_assert_msg(err == 0, "removing the pins: %s", strerror(-err));
}

START_TEST(test_check_accepts_object_maps)
{
	struct map_def maps[64];
	size_t n = object_maps(maps, ARRAY_LEN(maps));
	struct xg_state *st = NULL;

	/* Nothing pinned yet: loading creates the maps, so no objection. */
	ck_assert_int_eq(xg_pin_path_check(pin_dir), 0);
	ck_assert_int_eq(xg_state_open(pin_dir, 0, &st), -ENOENT);

	/* Pinned one by one: every partial set is fine for the check, and
	 * not yet state for xg_state_open. */
	for (size_t i = 0; i < n; i++) {
		pin_map(pin_dir, &maps[i], SAME);
		ck_assert_msg(xg_pin_path_check(pin_dir) == 0, "with %zu maps", i + 1);
		if (i + 1 < n)
			ck_assert_int_eq(xg_state_open(pin_dir, 0, &st), -ENOENT);
	}
	ck_assert_int_eq(xg_state_open(pin_dir, 0, &st), 0);
	ck_assert_ptr_nonnull(st);
	xg_state_close(st);
}
END_TEST

/* How many maps the object has, found when the suite is built: one test
 * for each.  Without the object the object tcase reports why. */
static int object_map_count(void)
{
	struct map_def maps[64];
	int n = read_object_maps(maps, ARRAY_LEN(maps));

	return n > 0 ? n : 0;
}

/* Map _i of the object, changed in every way the kernel can make. */
START_TEST(test_check_refuses_changed_map)
{
	struct map_def maps[64], d;
	size_t n = object_maps(maps, ARRAY_LEN(maps));
	size_t bad = (size_t)_i;

	ck_assert_uint_lt(bad, n);
	for (int m = SAME + 1; m < MUTATIONS; m++) {
		struct xg_state *st = NULL;
		int err;

		if (!mutate(&maps[bad], m, &d))
			continue;
		ck_assert_int_eq(unit_rm_tree(pin_dir), 0);
		ck_assert_int_eq(mkdir(pin_dir, 0700), 0);

		pin_map(pin_dir, &maps[bad], m);
		unit_log_reset();
		err = xg_pin_path_check(pin_dir);
		ck_assert_msg(err == -EPROTO, "%s with %s changed: check gave %d",
			      maps[bad].name, mutation_names[m], err);
		ck_assert_msg(strstr(unit_log_text(), maps[bad].name),
			      "the warning does not name %s: \"%s\"", maps[bad].name,
			      unit_log_text());

		/* With the others beside it, the state is there but not ours. */
		for (size_t i = 0; i < n; i++)
			if (i != bad)
				pin_map(pin_dir, &maps[i], SAME);
		ck_assert_int_eq(xg_pin_path_check(pin_dir), -EPROTO);
		unit_log_reset();
		err = xg_state_open(pin_dir, 0, &st);
		ck_assert_msg(err == -EPROTO, "%s with %s changed: open gave %d",
			      maps[bad].name, mutation_names[m], err);
		ck_assert_msg(unit_log_text()[0],
			      "xg_state_open said nothing at -EPROTO");
	}
}
END_TEST

/* Pin every map of the object as it is, but map bad changed by m. */
static void pin_all_but(const struct map_def *maps, size_t n, size_t bad, enum mutation m)
{
	ck_assert_int_eq(unit_rm_tree(pin_dir), 0);
	ck_assert_int_eq(mkdir(pin_dir, 0700), 0);
	for (size_t i = 0; i < n; i++)
		pin_map(pin_dir, &maps[i], i == bad ? m : SAME);
}

static bool pinned(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	return access(path, F_OK) == 0;
}

static int pinned_fd(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	ck_assert_msg(fd >= 0, "opening %s: %s", path, strerror(errno));
	return fd;
}

static __u32 config_skip(void)
{
	int fd = pinned_fd(GUARD_MAP_CONFIG);
	struct guard_config cfg;
	__u32 zero = 0;

	ck_assert_int_eq(bpf_map_lookup_elem(fd, &zero, &cfg), 0);
	close(fd);
	return cfg.skip_lists & GUARD_SKIP_BITS;
}

static void config_skip_set(__u32 skip)
{
	int fd = pinned_fd(GUARD_MAP_CONFIG);

	unit_config_skip_set(fd, skip);
	close(fd);
}

#define INDEX_BITS (GUARD_CELLS_V4 | GUARD_INDEX_V6 | GUARD_RULE_INDEX)

/*
 * A map another version laid out differently, that holds only what
 * xdp-guard rebuilds (an index, the rate limiter's per-source state): the
 * load's xg_pin_path_renew() removes its pin, so that the load makes it
 * afresh, and turns the config's index bits off until the load's refresh;
 * every other map stays as it was, and the check passes after it.  A map
 * of any other kind is left for the check to refuse, and beside one such,
 * nothing is touched at all.
 */
START_TEST(test_renew_remakes_rebuilt_maps)
{
	struct map_def maps[64];
	size_t n = object_maps(maps, ARRAY_LEN(maps)), renewed = 0;

	for (size_t bad = 0; bad < n; bad++) {
		const struct xg_map_layout *l = layout_of(maps[bad].name);
		enum mutation m = maps[bad].type == BPF_MAP_TYPE_RINGBUF ? MAX_ENTRIES : VALUE_SIZE;

		ck_assert_ptr_nonnull(l);
		pin_all_but(maps, n, bad, m);
		if (strcmp(maps[bad].name, GUARD_MAP_CONFIG))
			config_skip_set(INDEX_BITS | GUARD_SKIP_ALLOW_V4);
		unit_log_reset();
		ck_assert_int_eq(xg_pin_path_renew(pin_dir), 0);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(pinned(maps[i].name) == (i != bad || !l->renewable),
				      "%s changed: %s %s", maps[bad].name, maps[i].name,
				      pinned(maps[i].name) ? "kept" : "removed");
		if (!l->renewable) {
			ck_assert_int_eq(xg_pin_path_check(pin_dir), -EPROTO);
			continue;
		}
		renewed++;
		ck_assert_msg(strstr(unit_log_text(), maps[bad].name), "nothing said of %s: \"%s\"",
			      maps[bad].name, unit_log_text());
		ck_assert_uint_eq(config_skip(), GUARD_SKIP_ALLOW_V4);
		ck_assert_int_eq(xg_pin_path_check(pin_dir), 0);
	}
	ck_assert_uint_eq(renewed, 8);

	/* The host hash and the /24 index both amiss. */
	pin_all_but(maps, n, n, SAME);
	for (size_t i = 0; i < n; i++) {
		char path[512];
		const struct xg_map_layout *l = layout_of(maps[i].name);

		if (strcmp(maps[i].name, GUARD_MAP_BLOCK_V4) && strcmp(maps[i].name, GUARD_MAP_DIR_V4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, l->name);
		ck_assert_int_eq(unlink(path), 0);
		pin_map(pin_dir, &maps[i], VALUE_SIZE);
	}
	config_skip_set(INDEX_BITS);
	ck_assert_int_eq(xg_pin_path_renew(pin_dir), 0);
	ck_assert(pinned(GUARD_MAP_DIR_V4));
	ck_assert_uint_eq(config_skip(), INDEX_BITS);
	ck_assert_int_eq(xg_pin_path_check(pin_dir), -EPROTO);
}
END_TEST

/* A program holding the old map: nothing is removed, and the load is
 * refused with a message naming the map. */
START_TEST(test_renew_refuses_map_in_use)
{
	struct map_def maps[64];
	size_t n = object_maps(maps, ARRAY_LEN(maps)), bad = n;
	int map_fd, prog_fd;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(maps[i].name, GUARD_MAP_DIR_V4))
			bad = i;
	ck_assert_uint_lt(bad, n);
	pin_all_but(maps, n, bad, VALUE_SIZE);
	config_skip_set(INDEX_BITS);
	map_fd = pinned_fd(GUARD_MAP_DIR_V4);
	{
		/* r1 = the map; r0 = XDP_PASS; exit */
		struct bpf_insn insns[] = {
			{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
			  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
			{ 0 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xg_unit_holds", "GPL", insns,
					ARRAY_LEN(insns), NULL);
	}
	ck_assert_msg(prog_fd >= 0, "loading a program that holds the map: %s",
		      strerror(errno));
	unit_log_reset();
	ck_assert_int_eq(xg_pin_path_renew(pin_dir), -EBUSY);
	ck_assert_msg(strstr(unit_log_text(), GUARD_MAP_DIR_V4), "nothing said of %s: \"%s\"",
		      GUARD_MAP_DIR_V4, unit_log_text());
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(pinned(maps[i].name), "%s removed", maps[i].name);
	ck_assert_uint_eq(config_skip(), INDEX_BITS);
	close(prog_fd);
	close(map_fd);
}
END_TEST

START_TEST(test_not_bpffs)
{
	char dir[] = "/tmp/xg-unit-XXXXXX";
	struct xg_state *st = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(xg_check_bpffs("/sys/fs/bpf"), 0);
	ck_assert_int_eq(xg_check_bpffs(pin_dir), 0);
	ck_assert_int_eq(xg_check_bpffs(dir), -ENOTSUP);
	ck_assert_int_eq(xg_check_bpffs("/nonexistent/xg-unit"), -ENOENT);
	unit_log_reset();
	ck_assert_int_eq(xg_state_open(dir, 0, &st), -ENOTSUP);
	ck_assert_msg(unit_log_text()[0], "xg_state_open said nothing at -ENOTSUP");
	rmdir(dir);
}
END_TEST

START_TEST(test_missing_pin_path)
{
	struct xg_state *st = NULL;
	char *path;

	ck_assert_int_gt(asprintf(&path, "%s/not-there", pin_dir), 0);
	ck_assert_int_eq(xg_state_open(path, 0, &st), -ENOENT);
	free(path);
}
END_TEST

Suite *layout_suite(void)
{
	Suite *s = suite_create("layout");
	TCase *tc;

	tc = tcase_create("object");
	tcase_add_test(tc, test_table_matches_object);
	tcase_add_test(tc, test_table_matches_header);
	suite_add_tcase(s, tc);

	if (unit_have_bpf) {
		tc = tcase_create("pinned");
		tcase_add_unchecked_fixture(tc, unit_bpf_base_setup,
					    unit_bpf_base_teardown);
		tcase_add_checked_fixture(tc, pin_setup, pin_teardown);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, test_check_accepts_object_maps);
		tcase_add_loop_test(tc, test_check_refuses_changed_map, 0,
				    object_map_count());
		tcase_add_test(tc, test_renew_remakes_rebuilt_maps);
		tcase_add_test(tc, test_renew_refuses_map_in_use);
		tcase_add_test(tc, test_not_bpffs);
		tcase_add_test(tc, test_missing_pin_path);
		suite_add_tcase(s, tc);
	}
	return s;
}
