// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl.c - fzramctl's messages and its allocations that cannot fail: the
 * tool has nothing to fall back on when memory runs out, so it says so and
 * exits rather than make every caller handle NULL.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs(CTL_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void out_of_memory(void)
{
	ctl_err("out of memory");
	exit(1);
}

void *ctl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *ctl_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *ctl_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(ctl_xmalloc(n), s, n);
}
