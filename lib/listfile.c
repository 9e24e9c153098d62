// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * List files: one prefix per line, '#' comments, blank lines.  The format
 * of FireHOL's .netset and .ipset files, and of most published blocklists;
 * ';' starts a comment too, as in Spamhaus' DROP lists ("1.2.3.0/24 ;
 * SBL123"), and a UTF-8 byte order mark before the first line is skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void set_error(struct xg_listfile_error *err, unsigned int line,
		      const char *value, size_t value_len, const char *why)
{
	if (!err)
		return;
	err->line = line;
	if (value_len >= sizeof(err->value))
		value_len = sizeof(err->value) - 1;
	memcpy(err->value, value, value_len);
	err->value[value_len] = '\0';
	err->why = why;
}

static int append(struct xg_prefix **items, size_t *count, size_t *cap,
		  const struct xg_prefix *p)
{
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct xg_prefix *n = realloc(*items, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		*items = n;
		*cap = ncap;
	}
	(*items)[(*count)++] = *p;
	return 0;
}

int xg_listfile_read(FILE *f, struct xg_prefix **out, size_t *count,
		     struct xg_listfile_error *err)
{
	struct xg_prefix *items = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	unsigned int lineno = 0;
	char *line = NULL;
	ssize_t got;
	int ret = 0;

	*out = NULL;
	*count = 0;
	while ((got = getline(&line, &linecap, f)) >= 0) {
		char *start = line, *end, *comment;
		struct xg_prefix p;
		const char *why;

		lineno++;
		if ((size_t)got != strlen(line)) {
			/* A NUL byte inside the line: not a text file. */
			set_error(err, lineno, "", 0, "not a text line (NUL byte)");
			ret = -EINVAL;
			goto out;
		}
		/* Invisible in an editor, and fatal to the first address. */
		if (lineno == 1 && !strncmp(start, "\xef\xbb\xbf", 3))
			start += 3;
		comment = strpbrk(start, "#;");
		if (comment)
			*comment = '\0';
		while (isspace((unsigned char)*start))
			start++;
		end = start + strlen(start);
		while (end > start && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (start == end)
			continue;
		for (char *c = start; c < end; c++) {
			if (isspace((unsigned char)*c)) {
				set_error(err, lineno, start, end - start,
					  "more than one entry on the line");
				ret = -EINVAL;
				goto out;
			}
		}
		if (xg_prefix_parse(start, &p, &why)) {
			set_error(err, lineno, start, end - start, why);
			ret = -EINVAL;
			goto out;
		}
		ret = append(&items, &n, &cap, &p);
		if (ret) {
			set_error(err, lineno, start, end - start, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		/* A directory, say: getline() left the reason in errno. */
		ret = errno ? -errno : -EIO;
		set_error(err, lineno + 1, "", 0, strerror(-ret));
	}
out:
	free(line);
	if (ret) {
		free(items);
		return ret;
	}
	*out = items;
	*count = n;
	return 0;
}
