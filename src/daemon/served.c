// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * served.c - the per-transport request counters (served.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "served.h"

/* Requests served, by transport; relaxed atomics. */
static uint64_t served_count[SERVED_NR];

void served_inc(enum served_by by)
{
	__atomic_add_fetch(&served_count[by], 1, __ATOMIC_RELAXED);
}

uint64_t served_read(enum served_by by)
{
	return __atomic_load_n(&served_count[by], __ATOMIC_RELAXED);
}
