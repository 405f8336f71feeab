/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.h - the store's counters, with zram's meanings, and their text forms
 * in the fixed-column formats of zram's sysfs files (mm_stat, io_stat,
 * debug_stat), so that what people know of zram carries over.
 *
 * Counters are relaxed atomics: each is exact on its own, a snapshot of
 * several is not taken at one instant (as in zram).
 */
#ifndef FZRAM_STATS_H
#define FZRAM_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats {
	uint64_t pages_stored;     /* slots holding data, same-filled included */
	uint64_t compr_data_size;  /* bytes of stored objects (huge: 4096) */
	uint64_t same_pages;       /* slots holding one repeated word */
	uint64_t huge_pages;       /* slots stored raw, now */
	uint64_t huge_pages_since; /* slots stored raw, ever */
	uint64_t max_used_pages;   /* peak of pool pages (mem_used_max) */
	uint64_t failed_reads;     /* reads that failed (corruption) */
	uint64_t failed_writes;    /* writes refused (mem_limit, no memory) */
	uint64_t invalid_io;       /* requests out of range */
	uint64_t notify_free;      /* slots freed by discard / free notices */
	uint64_t miss_free;        /* free notices skipped: slot was busy */
	uint64_t num_reads;        /* pages read */
	uint64_t num_writes;       /* pages written */
	uint64_t bd_count;         /* slots on the backing store, now */
	uint64_t bd_reads;         /* slots read back from it, ever */
	uint64_t bd_writes;        /* slots written back to it, ever */
	uint64_t recomp_pages[4];  /* slots in RAM recompressed with
				      priority 1..3 (index 0 unused) */
	uint64_t recomp_bytes[4];  /* their compressed bytes */
};

#define stats_add(field, v) __atomic_add_fetch(&(field), (v), __ATOMIC_RELAXED)
#define stats_sub(field, v) __atomic_sub_fetch(&(field), (v), __ATOMIC_RELAXED)
#define stats_inc(field) stats_add(field, 1)
#define stats_dec(field) stats_sub(field, 1)
#define stats_read(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* stats_update_max() - raise *@max to @cur if it is lower (lock-free). */
void stats_update_max(uint64_t *max, uint64_t cur);

/* Where each mm_stat column stands in the line (0-based): the order of
 * struct stats_mm and of stats_format_mm(), shared with fzramctl, which
 * reads the line back. */
enum stats_mm_col {
	STATS_MM_ORIG_DATA_SIZE,
	STATS_MM_COMPR_DATA_SIZE,
	STATS_MM_MEM_USED_TOTAL,
	STATS_MM_MEM_LIMIT,
	STATS_MM_MEM_USED_MAX,
	STATS_MM_SAME_PAGES,
	STATS_MM_PAGES_COMPACTED,
	STATS_MM_HUGE_PAGES,
	STATS_MM_HUGE_PAGES_SINCE,
	STATS_MM_NR_COLS
};

/* The nine mm_stat columns; the first five in bytes, the rest counts. */
struct stats_mm {
	uint64_t orig_data_size;
	uint64_t compr_data_size;
	uint64_t mem_used_total;
	uint64_t mem_limit;
	uint64_t mem_used_max;
	uint64_t same_pages;
	uint64_t pages_compacted;
	uint64_t huge_pages;
	uint64_t huge_pages_since;
};
_Static_assert(sizeof(struct stats_mm) ==
		   STATS_MM_NR_COLS * sizeof(uint64_t),
	       "one stats_mm field per mm_stat column");

/* The four io_stat columns. */
struct stats_io {
	uint64_t failed_reads;
	uint64_t failed_writes;
	uint64_t invalid_io;
	uint64_t notify_free;
};

/*
 * bd_stat: zram's three columns (in 4 KiB pages: one per slot), then two of
 * fzram's own at the end: the compressed bytes held on the backing store and
 * the bytes of backing space they take (blocks in use, seal included).
 */
struct stats_bd {
	uint64_t bd_count;
	uint64_t bd_reads;
	uint64_t bd_writes;
	uint64_t bd_data_bytes;
	uint64_t bd_used_bytes;
};

/*
 * stats_format_mm() / stats_format_io() / stats_format_debug() - write the
 * zram text form, newline-terminated, into @buf of @len bytes.
 * mm_stat:    nine columns, "%8llu" each, space separated;
 * io_stat:    four columns, same format;
 * debug_stat: "version: 1\n" then "%8llu %8llu\n" (0, miss_free);
 * bd_stat:    five columns, "%8llu" each (see struct stats_bd).
 * Return: the length written (without the NUL), or -ENOSPC if @buf is short.
 */
int stats_format_mm(const struct stats_mm *mm, char *buf, size_t len);
int stats_format_io(const struct stats_io *io, char *buf, size_t len);
int stats_format_debug(uint64_t miss_free, char *buf, size_t len);
int stats_format_bd(const struct stats_bd *bd, char *buf, size_t len);

#endif /* FZRAM_STATS_H */
