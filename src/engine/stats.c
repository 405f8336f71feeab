// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stats.c - text snapshots of the counters in zram's sysfs formats.
 * New fields only ever go at the end of a line: scripts parse by column.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stats.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

void stats_update_max(uint64_t *max, uint64_t cur)
{
	uint64_t old = __atomic_load_n(max, __ATOMIC_RELAXED);

	while (cur > old &&
	       !__atomic_compare_exchange_n(max, &old, cur, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static int finish(int n, size_t len)
{
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int stats_format_mm(const struct stats_mm *mm, char *buf, size_t len)
{
	return finish(snprintf(buf, len,
			       "%8llu %8llu %8llu %8llu %8llu %8llu %8llu "
			       "%8llu %8llu\n",
			       (unsigned long long)mm->orig_data_size,
			       (unsigned long long)mm->compr_data_size,
			       (unsigned long long)mm->mem_used_total,
			       (unsigned long long)mm->mem_limit,
			       (unsigned long long)mm->mem_used_max,
			       (unsigned long long)mm->same_pages,
			       (unsigned long long)mm->pages_compacted,
			       (unsigned long long)mm->huge_pages,
			       (unsigned long long)mm->huge_pages_since),
		      len);
}

int stats_format_io(const struct stats_io *io, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "%8llu %8llu %8llu %8llu\n",
			       (unsigned long long)io->failed_reads,
			       (unsigned long long)io->failed_writes,
			       (unsigned long long)io->invalid_io,
			       (unsigned long long)io->notify_free),
		      len);
}

int stats_format_debug(uint64_t miss_free, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "version: %d\n%8llu %8llu\n", 1, 0ULL,
			       (unsigned long long)miss_free),
		      len);
}

int stats_format_bd(const struct stats_bd *bd, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "%8llu %8llu %8llu %8llu %8llu\n",
			       (unsigned long long)bd->bd_count,
			       (unsigned long long)bd->bd_reads,
			       (unsigned long long)bd->bd_writes,
			       (unsigned long long)bd->bd_data_bytes,
			       (unsigned long long)bd->bd_used_bytes),
		      len);
}
