// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * size.c - byte sizes with K/M/G/T suffixes, for options and xattrs.
 * Strict where memparse() is lax: garbage after the number is an error, so
 * that "size=4GX" or "mem_limit=-5" never silently mean something else.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "size.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int size_parse(const char *str, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	unsigned int shift = 0;
	bool over = false; /* the digits are above UINT64_MAX */

	if (len && str[len - 1] == '\n')
		len--;
	if (i == len || str[i] < '0' || str[i] > '9')
		return -EINVAL;
	for (; i < len && str[i] >= '0' && str[i] <= '9'; i++) {
		unsigned int d = (unsigned int)(str[i] - '0');

		/* Malformed beats too large: scan on, decide at the end. */
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	if (i < len) {
		static const char units[] = "kmgt";
		const char *u = memchr(units, str[i] | 0x20, 4);

		if (!u)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		i++;
		if (len - i == 2 && !strncmp(str + i, "iB", 2))
			i += 2;
		else if (len - i == 1 && str[i] == 'B')
			i++;
	}
	if (i != len)
		return -EINVAL;
	if (over || (shift && v > (UINT64_MAX >> shift)))
		return -ERANGE;
	*out = v << shift;
	return 0;
}
