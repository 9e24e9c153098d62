// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The state at a pin path: the maps xdp-guard pins there, checked against
 * the layout this library was built for, and the lock that orders commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "internal.h"

#define LPM_FLAGS BPF_F_NO_PREALLOC

const struct xg_map_layout xg_map_layouts[XG_MAP_COUNT] = {
	[XG_MAP_ALLOW_V4] = { GUARD_MAP_ALLOW_V4, BPF_MAP_TYPE_LPM_TRIE,
		sizeof(struct guard_lpm_v4), sizeof(struct guard_entry),
		GUARD_ALLOW_V4_MAX, LPM_FLAGS },
	[XG_MAP_ALLOW_V6] = { GUARD_MAP_ALLOW_V6, BPF_MAP_TYPE_LPM_TRIE,
		sizeof(struct guard_lpm_v6), sizeof(struct guard_entry),
		GUARD_ALLOW_V6_MAX, LPM_FLAGS },
	[XG_MAP_BLOCK_V4] = { GUARD_MAP_BLOCK_V4, BPF_MAP_TYPE_HASH,
		sizeof(__be32), sizeof(struct guard_entry),
		GUARD_BLOCK_V4_MAX, BPF_F_NO_PREALLOC },
	[XG_MAP_BLOCK_V6] = { GUARD_MAP_BLOCK_V6, BPF_MAP_TYPE_HASH,
		sizeof(struct guard_addr_v6), sizeof(struct guard_entry),
		GUARD_BLOCK_V6_MAX, BPF_F_NO_PREALLOC },
	[XG_MAP_BLKNET_V4] = { GUARD_MAP_BLKNET_V4, BPF_MAP_TYPE_LPM_TRIE,
		sizeof(struct guard_lpm_v4), sizeof(struct guard_entry),
		GUARD_BLKNET_V4_MAX, LPM_FLAGS },
	[XG_MAP_BLKNET_V6] = { GUARD_MAP_BLKNET_V6, BPF_MAP_TYPE_LPM_TRIE,
		sizeof(struct guard_lpm_v6), sizeof(struct guard_entry),
		GUARD_BLKNET_V6_MAX, LPM_FLAGS },
	[XG_MAP_COUNTERS] = { GUARD_MAP_COUNTERS, BPF_MAP_TYPE_PERCPU_ARRAY,
		sizeof(__u32), sizeof(struct guard_counter),
		GUARD_REASON_SLOTS, 0 },
	[XG_MAP_CONFIG] = { GUARD_MAP_CONFIG, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_config), 1, 0 },
	[XG_MAP_RULES] = { GUARD_MAP_RULES, BPF_MAP_TYPE_HASH,
		sizeof(struct guard_rule_key), sizeof(struct guard_rule),
		GUARD_RULES_MAX, 0 },
	[XG_MAP_RULE_STATE] = { GUARD_MAP_RULE_STATE, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_rule_state), GUARD_RULES_MAX, 0 },
	[XG_MAP_SOURCES] = { GUARD_MAP_SOURCES, BPF_MAP_TYPE_LRU_HASH,
		sizeof(struct guard_source_key), sizeof(struct guard_source),
		GUARD_SOURCES_MAX, 0, true },
	[XG_MAP_EVENTS] = { GUARD_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF,
		0, 0, GUARD_EVENTS_BYTES, 0 },
	[XG_MAP_MARKS] = { GUARD_MAP_MARKS, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_marks), 1, 0, true },
	[XG_MAP_CELLS_V4] = { GUARD_MAP_CELLS_V4, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_cells_v4), 1, 0, true },
	[XG_MAP_DIR_V4] = { GUARD_MAP_DIR_V4, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_dir_v4), GUARD_DIR_CHUNKS, 0, true },
	[XG_MAP_DEEP_V4] = { GUARD_MAP_DEEP_V4, BPF_MAP_TYPE_HASH,
		sizeof(__u32), sizeof(struct guard_deep_v4), GUARD_BLKNET_V4_MAX,
		BPF_F_NO_PREALLOC, true },
	[XG_MAP_DIR_V6] = { GUARD_MAP_DIR_V6, BPF_MAP_TYPE_HASH,
		sizeof(__u32), sizeof(struct guard_dir_v6), GUARD_DIR_V6_MAX,
		BPF_F_NO_PREALLOC, true },
	[XG_MAP_RULE_INDEX] = { GUARD_MAP_RULE_INDEX, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_rule_index), 1, 0, true },
	[XG_MAP_RULE_ENTRIES] = { GUARD_MAP_RULE_ENTRIES, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_rule_entry), GUARD_RULE_ENTRIES, 0, true },
};

static const char *pin_or_default(const char *pin_path)
{
	return pin_path && *pin_path ? pin_path : XG_DEFAULT_PIN_PATH;
}

int xg_check_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	if (st.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	return 0;
}

/* The pin path itself may not exist yet: then its parent must be bpffs. */
static int check_bpffs_for(const char *pin_path)
{
	char *parent, *slash;
	int ret;

	ret = xg_check_bpffs(pin_path);
	if (ret != -ENOENT)
		goto report;
	parent = strdup(pin_path);
	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	ret = xg_check_bpffs(parent);
	free(parent);
report:
	if (ret == -ENOTSUP)
		pr_warn("%s is not on a BPF filesystem (bpffs); mount one there or above it "
			"(mount -t bpf bpf /sys/fs/bpf)\n", pin_path);
	else if (ret && ret != -ENOENT && strchr(strrchr(pin_path, '/') ?: pin_path, '.'))
		pr_warn("cannot use %s as a pin path: names on bpffs cannot contain '.'\n",
			pin_path);
	else if (ret && ret != -ENOENT)
		pr_warn("cannot use %s as a pin path: %s\n", pin_path, strerror(-ret));
	return ret;
}

int xg_pin_path_lock(const char *pin_path, bool create)
{
	int fd, ret;

	pin_path = pin_or_default(pin_path);
	ret = check_bpffs_for(pin_path);
	if (ret && ret != -ENOENT)
		return ret;
	if (create && mkdir(pin_path, 0700) && errno != EEXIST) {
		ret = -errno;
		pr_warn("cannot create %s: %s\n", pin_path, strerror(-ret));
		return ret;
	}
	fd = open(pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret != -ENOENT)
			pr_warn("cannot open %s: %s\n", pin_path, strerror(-ret));
		return ret;
	}
	if (flock(fd, LOCK_EX)) {
		ret = -errno;
		pr_warn("cannot lock %s: %s\n", pin_path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

void xg_pin_path_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);	/* closing drops the flock */
}

static bool layout_matches(const struct bpf_map_info *info, const struct xg_map_layout *want)
{
	return info->type == want->type && info->key_size == want->key_size &&
	       info->value_size == want->value_size &&
	       info->max_entries == want->max_entries && info->map_flags == want->flags;
}

/* 0 if the map behind fd has the expected layout, -EPROTO if not. */
static int check_layout(int fd, const struct xg_map_layout *want,
			const char *pin_path, unsigned int *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int ret;

	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (ret)
		return -errno;
	if (!layout_matches(&info, want)) {
		pr_warn("%s/%s has a layout this version of xdp-guard does not use "
			"(type %u key %u value %u entries %u flags %#x; expected %u %u %u %u %#x). "
			"It was left by another version: %s%s%s.\n",
			pin_path, want->name, info.type, info.key_size,
			info.value_size, info.max_entries, info.map_flags,
			want->type, want->key_size, want->value_size,
			want->max_entries, want->flags,
			want->renewable ? "it holds only what xdp-guard rebuilds, and xdp-guard load "
					  "makes it afresh, keeping the lists" :
					  "unload xdp-guard and remove ",
			want->renewable ? "" : pin_path,
			want->renewable ? "" : " to start afresh");
		return -EPROTO;
	}
	if (id)
		*id = info.id;
	return 0;
}

static int open_pinned(const char *pin_path, const char *name)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_path, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int xg_pin_path_check(const char *pin_path)
{
	pin_path = pin_or_default(pin_path);
	for (int i = 0; i < XG_MAP_COUNT; i++) {
		int fd = open_pinned(pin_path, xg_map_layouts[i].name);
		int ret;

		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			pr_warn("cannot open %s/%s: %s\n", pin_path,
				xg_map_layouts[i].name, strerror(-fd));
			return fd;
		}
		ret = check_layout(fd, &xg_map_layouts[i], pin_path, NULL);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}

/* 1 if a loaded BPF program uses the map with this id, 0 if none does,
 * or a negative errno if the programs cannot be looked through. */
static int map_in_use(__u32 map_id)
{
	__u32 id = 0, ids[64];

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info), n;
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0) {
			if (errno == ENOENT)	/* gone meanwhile */
				continue;
			return -errno;
		}
		info.nr_map_ids = ARRAY_SIZE(ids);
		info.map_ids = (__u64)(unsigned long)ids;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			int ret = -errno;

			close(fd);
			return ret;
		}
		close(fd);
		/* A program with more maps than that is not one of ours,
		 * which have fewer; it may hold the map all the same. */
		if (info.nr_map_ids > ARRAY_SIZE(ids))
			return 1;
		n = info.nr_map_ids;
		for (__u32 i = 0; i < n; i++)
			if (ids[i] == map_id)
				return 1;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Turn off the index bits in the config pinned at pin_path, if any, so
 * that a program loaded on fresh index maps looks in every list until the
 * load's refresh has built them. */
static int config_indexes_off(const char *pin_path)
{
	const __u32 bits = GUARD_CELLS_V4 | GUARD_CELLS_BANS |
			   GUARD_INDEX_V6 | GUARD_INDEX_V6_SHORT | GUARD_RULE_INDEX;
	int fd = open_pinned(pin_path, xg_map_layouts[XG_MAP_CONFIG].name);
	struct guard_config cfg;
	__u32 zero = 0;
	int ret = 0;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	ret = check_layout(fd, &xg_map_layouts[XG_MAP_CONFIG], pin_path, NULL);
	if (!ret && bpf_map_lookup_elem(fd, &zero, &cfg))
		ret = -errno;
	if (!ret && (cfg.skip_lists & bits)) {
		/* Here without a state to write through xg_config_write(). */
		cfg.skip_lists &= ~bits;
		guard_config_next_gen(&cfg);
		if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
			ret = -errno;
	}
	close(fd);
	return ret;
}

/* 1 if the map pinned at pin_path is laid out as l says or is not there,
 * 0 if it is laid out otherwise (its id in *id), or a negative errno. */
static int pinned_as_expected(const char *pin_path, const struct xg_map_layout *l, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = open_pinned(pin_path, l->name), ret;

	if (fd == -ENOENT)
		return 1;
	if (fd < 0)
		return fd;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	*id = info.id;
	return layout_matches(&info, l);
}

int xg_pin_path_renew(const char *pin_path)
{
	bool stale[XG_MAP_COUNT] = { false }, any = false;
	char path[4096];
	int ret;
	__u32 id;

	pin_path = pin_or_default(pin_path);
	/* Any other map amiss: touch nothing, and let the check refuse. */
	for (int i = 0; i < XG_MAP_COUNT; i++)
		if (!xg_map_layouts[i].renewable &&
		    pinned_as_expected(pin_path, &xg_map_layouts[i], &id) != 1)
			return 0;
	/* First make sure every stale one may go, then remove them all. */
	for (int i = 0; i < XG_MAP_COUNT; i++) {
		const struct xg_map_layout *l = &xg_map_layouts[i];
		int used;

		if (!l->renewable)
			continue;
		ret = pinned_as_expected(pin_path, l, &id);
		if (ret < 0)
			return ret;
		if (ret == 1)
			continue;
		used = map_in_use(id);
		if (used) {
			pr_warn("%s/%s was left by another version of xdp-guard, and %s: "
				"unload xdp-guard from every interface, then load it again "
				"(the lists and rules stay)\n", pin_path, l->name,
				used > 0 ? "a loaded program still uses it" :
					   "the loaded programs cannot be looked through");
			return used > 0 ? -EBUSY : used;
		}
		stale[i] = any = true;
	}
	if (!any)
		return 0;
	/* Nothing is lost: the load makes them afresh, and its refresh
	 * rebuilds what they held. */
	ret = config_indexes_off(pin_path);
	for (int i = 0; i < XG_MAP_COUNT && !ret; i++) {
		if (!stale[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_path, xg_map_layouts[i].name);
		if (unlink(path))
			ret = -errno;
		else
			pr_info("%s was left by another version of xdp-guard; it holds only "
				"what xdp-guard rebuilds, so this load makes it afresh\n", path);
	}
	return ret;
}

int xg_pin_path_remove(const char *pin_path)
{
	char path[4096];

	pin_path = pin_or_default(pin_path);
	for (int i = 0; i < XG_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_path, xg_map_layouts[i].name);
		if (unlink(path) && errno != ENOENT) {
			int ret = -errno;

			pr_warn("cannot remove %s: %s\n", path, strerror(-ret));
			return ret;
		}
	}
	/* Other tools may pin their own objects here (xdp-loader --pin-path
	 * shares directories): then the directory stays. */
	/* A bpffs mount point itself cannot go (EBUSY), nor need it. */
	if (rmdir(pin_path) && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT &&
	    errno != EBUSY)
		pr_warn("cannot remove %s: %s\n", pin_path, strerror(errno));
	return 0;
}

int xg_state_open(const char *pin_path, unsigned int flags, struct xg_state **out)
{
	struct xg_state *st;
	int ret;

	pin_path = pin_or_default(pin_path);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->lock_fd = -1;
	for (int i = 0; i < XG_MAP_COUNT; i++)
		st->map_fds[i] = -1;
	st->pin_path = strdup(pin_path);
	if (!st->pin_path) {
		ret = -ENOMEM;
		goto err;
	}

	ret = check_bpffs_for(pin_path);
	if (ret == -ENOENT) {
		pr_warn("no xdp-guard state at %s: load xdp-guard first (xdp-guard load IFACE)\n",
			pin_path);
		goto err;
	}
	if (ret)
		goto err;
	if (flags & XG_OPEN_LOCK) {
		ret = xg_pin_path_lock(pin_path, false);
		if (ret == -ENOENT)
			pr_warn("no xdp-guard state at %s: load xdp-guard first (xdp-guard load IFACE)\n",
				pin_path);
		if (ret < 0)
			goto err;
		st->lock_fd = ret;
	}

	for (int i = 0; i < XG_MAP_COUNT; i++) {
		int fd = open_pinned(pin_path, xg_map_layouts[i].name);

		if (fd < 0) {
			ret = fd;
			if (fd == -ENOENT)
				pr_warn("no xdp-guard state at %s (%s is missing): load xdp-guard first (xdp-guard load IFACE)\n",
					pin_path, xg_map_layouts[i].name);
			else if (fd == -EPERM || fd == -EACCES)
				pr_warn("cannot open %s/%s: permission denied (xdp-guard needs root)\n",
					pin_path, xg_map_layouts[i].name);
			else
				pr_warn("cannot open %s/%s: %s\n", pin_path,
					xg_map_layouts[i].name, strerror(-fd));
			if (fd == -EACCES)
				ret = -EPERM;
			goto err;
		}
		st->map_fds[i] = fd;
		ret = check_layout(fd, &xg_map_layouts[i], pin_path, &st->map_ids[i]);
		if (ret)
			goto err;
	}
	*out = st;
	return 0;
err:
	xg_state_close(st);
	return ret;
}

void xg_state_close(struct xg_state *st)
{
	if (!st)
		return;
	for (int i = 0; i < XG_MAP_COUNT; i++)
		if (st->map_fds[i] >= 0)
			close(st->map_fds[i]);
	xg_pin_path_unlock(st->lock_fd);
	free(st->pin_path);
	free(st);
}

const char *xg_state_pin_path(const struct xg_state *st)
{
	return st->pin_path;
}

int xg_state_map_fd(const struct xg_state *st, const char *name)
{
	for (int i = 0; i < XG_MAP_COUNT; i++)
		if (!strcmp(xg_map_layouts[i].name, name))
			return st->map_fds[i];
	return -ENOENT;
}

bool xg_state_owns_prog(const struct xg_state *st, int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), ids[64];

	info.nr_map_ids = ARRAY_SIZE(ids);
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	for (__u32 i = 0; i < info.nr_map_ids && i < ARRAY_SIZE(ids); i++)
		if (ids[i] == st->map_ids[XG_MAP_COUNTERS])
			return true;
	return false;
}
