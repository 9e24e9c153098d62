// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Durations such as "90s", "15m" or "1h30m", and the monotonic clock. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NS_PER_S 1000000000ULL

static const struct {
	char suffix;
	uint64_t seconds;
} units[] = {
	{ 'w', 7 * 24 * 3600 },
	{ 'd', 24 * 3600 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};

static uint64_t unit_seconds(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (units[i].suffix == c)
			return units[i].seconds;
	return 0;
}

int xg_duration_parse(const char *text, uint64_t *out_ns, const char **why)
{
	const char *dummy, *s = text;
	uint64_t total = 0;

	if (!why)
		why = &dummy;
	if (!s || !*s) {
		*why = "empty duration";
		return -EINVAL;
	}
	while (*s) {
		uint64_t num = 0, mult;
		const char *digits = s;

		while (*s >= '0' && *s <= '9') {
			num = num * 10 + (uint64_t)(*s - '0');
			if (num > XG_DURATION_MAX_S) {
				*why = "duration too long (at most 10 years)";
				return -ERANGE;
			}
			s++;
		}
		if (s == digits) {
			*why = "expected a number (like 90s, 15m, 2h, 7d, 1w)";
			return -EINVAL;
		}
		if (*s == '\0') {
			/* A bare number means seconds, but only on its own:
			 * in "1h30" the trailing 30 is ambiguous. */
			if (digits != text) {
				*why = "number without a unit after another unit";
				return -EINVAL;
			}
			mult = 1;
		} else {
			mult = unit_seconds(*s);
			/* "5ms" is not 5 minutes and a stray s. */
			if (!mult || isalpha((unsigned char)s[1])) {
				*why = "unknown unit (use s, m, h, d or w)";
				return -EINVAL;
			}
			s++;
		}
		if (num > XG_DURATION_MAX_S / mult ||
		    total + num * mult > XG_DURATION_MAX_S) {
			*why = "duration too long (at most 10 years)";
			return -ERANGE;
		}
		total += num * mult;
	}
	if (total == 0) {
		*why = "duration must be longer than zero";
		return -EINVAL;
	}
	*out_ns = total * NS_PER_S;
	return 0;
}

char *xg_duration_format(uint64_t ns, char *buf, size_t size)
{
	uint64_t secs = ns / NS_PER_S;
	size_t used = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (secs == 0) {
		snprintf(buf, size, "0s");
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units) && used < size; i++) {
		uint64_t n = secs / units[i].seconds;

		if (!n)
			continue;
		secs -= n * units[i].seconds;
		used += snprintf(buf + used, size - used, "%llu%c",
				 (unsigned long long)n, units[i].suffix);
	}
	return buf;
}

uint64_t xg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}
