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
		GUARD_SOURCES_MAX, 0 },
	[XG_MAP_EVENTS] = { GUARD_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF,
		0, 0, GUARD_EVENTS_BYTES, 0 },
	[XG_MAP_MARKS] = { GUARD_MAP_MARKS, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_marks), 1, 0 },
	[XG_MAP_CELLS_V4] = { GUARD_MAP_CELLS_V4, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_cells_v4), 1, 0 },
	[XG_MAP_DIR_V4] = { GUARD_MAP_DIR_V4, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_dir_v4), GUARD_DIR_CHUNKS, 0 },
	[XG_MAP_DEEP_V4] = { GUARD_MAP_DEEP_V4, BPF_MAP_TYPE_HASH,
		sizeof(__u32), sizeof(struct guard_deep_v4), GUARD_BLKNET_V4_MAX,
		BPF_F_NO_PREALLOC },
	[XG_MAP_DIR_V6] = { GUARD_MAP_DIR_V6, BPF_MAP_TYPE_HASH,
		sizeof(__u32), sizeof(struct guard_dir_v6), GUARD_DIR_V6_MAX,
		BPF_F_NO_PREALLOC },
	[XG_MAP_RULE_INDEX] = { GUARD_MAP_RULE_INDEX, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_rule_index), 1, 0 },
	[XG_MAP_RULE_ENTRIES] = { GUARD_MAP_RULE_ENTRIES, BPF_MAP_TYPE_ARRAY,
		sizeof(__u32), sizeof(struct guard_rule_entry), GUARD_RULE_ENTRIES, 0 },
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
	if (info.type != want->type || info.key_size != want->key_size ||
	    info.value_size != want->value_size ||
	    info.max_entries != want->max_entries ||
	    info.map_flags != want->flags) {
		pr_warn("%s/%s has a layout this version of xdp-guard does not use "
			"(type %u key %u value %u entries %u flags %#x; expected %u %u %u %u %#x). "
			"It was left by another version: unload xdp-guard and remove %s to start afresh.\n",
			pin_path, want->name, info.type, info.key_size,
			info.value_size, info.max_entries, info.map_flags,
			want->type, want->key_size, want->value_size,
			want->max_entries, want->flags, pin_path);
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
	if (rmdir(pin_path) && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
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
