// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>

#include "internal.h"

static void default_print(enum xg_log_level level, const char *fmt, va_list ap)
{
	if (level == XG_LOG_DEBUG)
		return;
	vfprintf(stderr, fmt, ap);
}

static xg_print_fn_t print_fn = default_print;

xg_print_fn_t xg_set_print(xg_print_fn_t fn)
{
	xg_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void xg_log(enum xg_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}
