/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.h - what fzramctl learns of the running system: the mounted fzram
 * instances, the loop devices on their files and which of those are swap.
 *
 * The mounts are found by their type, fuse.fzram, in /proc/self/mountinfo;
 * of each, only the user.fzram.* xattrs of its one writable file are read,
 * so any running daemon answers.  The loop devices attached to a file are
 * found in /sys/block/loopN/loop/backing_file, and whether one is swap in
 * /proc/swaps.  Nothing here changes the system.
 *
 * A struct probe_dev holds one instance as read at one moment; the values
 * are not read again.  Errors go to stderr (ctl_err()) only where a
 * function says so.
 */
#ifndef FZRAM_PROBE_H
#define FZRAM_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define PROBE_FSTYPE "fuse.fzram" /* the type fzram mounts with */

/* Where each io_stat column stands in the line: the order of struct
 * stats_io and of stats_format_io(). */
enum probe_io_col {
	PROBE_IO_FAILED_READS,
	PROBE_IO_FAILED_WRITES,
	PROBE_IO_INVALID_IO,
	PROBE_IO_NOTIFY_FREE,
	PROBE_IO_NR_COLS
};

/* Where each bd_stat column stands in the line: zram's three (4 KiB pages),
 * then fzram's two (bytes); the order of struct stats_bd. */
enum probe_bd_col {
	PROBE_BD_COUNT,
	PROBE_BD_READS,
	PROBE_BD_WRITES,
	PROBE_BD_DATA_BYTES,
	PROBE_BD_USED_BYTES,
	PROBE_BD_NR_COLS
};

#define PROBE_BD_ZRAM_COLS 3 /* bd_stat's columns in zram */

/* Where each policy_stat column stands in the line (the tiers' policy,
 * counts since the mount; slots unless named otherwise).  budget_left is
 * "-1" without a daily budget: read as UINT64_MAX.  Later columns may
 * follow: they are ignored. */
enum probe_pol_col {
	PROBE_POL_STEPS,
	PROBE_POL_AGED,
	PROBE_POL_RECOMPRESSED,
	PROBE_POL_WRITTEN_BACK,
	PROBE_POL_SPILLED,
	PROBE_POL_COMPACTIONS,
	PROBE_POL_COMPACTED,   /* pool pages */
	PROBE_POL_BUDGET_LEFT, /* bytes */
	PROBE_POL_CPU_MS,
	PROBE_POL_SPILL_WAITS,	 /* writes that waited for a spill */
	PROBE_POL_SPILL_WAIT_US, /* their waits, summed */
	PROBE_POL_SPILL_MAX_US,
	PROBE_POL_SPILL_FAILED,
	PROBE_POL_PRESSURE, /* 1 while memory pressure is high */
	PROBE_POL_NR_COLS
};

/* Priorities of recompression: 0 the primary algorithm, then the
 * secondaries 1..PROBE_RECOMP_MAX_PRIO (recomp_algorithm's "#N:"). */
#define PROBE_RECOMP_MAX_PRIO 3
#define PROBE_RECOMP_NR_PRIOS (PROBE_RECOMP_MAX_PRIO + 1)
#define PROBE_ALG_LEN 32 /* an algorithm's name and its NUL fit */

/* A mounted fzram and what hangs on it. */
struct probe_dev {
	char *dir;    /* mount point, malloc'd */
	char *file;   /* dir/NAME, the one regular file; NULL if unread */
	int file_err; /* errno of the failed look for @file, else 0 */
	unsigned int *loops;  /* loop device numbers on @file, ascending */
	size_t nloops;	      /* entries in @loops */
	bool swap;	      /* /dev/loop<loops[0]> is in /proc/swaps */
	bool has_mm;	      /* @mm holds at least the first 8 columns */
	bool has_io;	      /* @io holds all its columns */
	bool has_size;	      /* @disksize was read */
	unsigned int bd_cols; /* columns of @bd read: 0 (no bd_stat, as from
				 an older daemon), PROBE_BD_ZRAM_COLS or
				 PROBE_BD_NR_COLS */
	bool has_recomp_alg;  /* @recomp_alg was read (a daemon older than
				 recompression has no recomp_algorithm) */
	bool has_recomp_stat; /* @recomp_pages and @recomp_bytes were read */
	bool has_policy;      /* @policy was read (a daemon without the
				 tiers' policy has no policy_stat) */
	bool has_swap_used;   /* @swap is true and @swap_used was read */
	uint64_t mm[STATS_MM_NR_COLS]; /* mm_stat, indexed by stats_mm_col */
	uint64_t io[PROBE_IO_NR_COLS]; /* io_stat, indexed by probe_io_col */
	uint64_t bd[PROBE_BD_NR_COLS]; /* bd_stat, indexed by probe_bd_col */
	uint64_t policy[PROBE_POL_NR_COLS]; /* policy_stat, by probe_pol_col */
	uint64_t swap_used;	 /* bytes: /proc/swaps' Used of the swap on
				    /dev/loop<loops[0]> */
	uint64_t disksize;	 /* bytes */
	char alg[PROBE_ALG_LEN]; /* the bracketed comp_algorithm; "" if
				    unread */
	/* the secondary algorithms by priority, comma-separated ("zstd" or
	 * "zstd,lz4hc"); "" when none is set */
	char recomp_alg[PROBE_RECOMP_MAX_PRIO * PROBE_ALG_LEN];
	/* recomp_stat: slots in RAM stored with each priority's algorithm
	 * (0 the primary), and their compressed bytes */
	uint64_t recomp_pages[PROBE_RECOMP_NR_PRIOS];
	uint64_t recomp_bytes[PROBE_RECOMP_NR_PRIOS];
	char *backing; /* backing_dev as read (a path or "none"), malloc'd;
			  NULL if unread */
};

/* Every mounted fzram, in mountinfo's order. */
struct probe_list {
	struct probe_dev *v; /* malloc'd array of @n */
	size_t n;
};

/*
 * probe_is_mounted() - whether @dir is a mount point (of fzram only, with
 * @fzram_only).  An unreadable mountinfo counts as "not mounted".
 */
bool probe_is_mounted(const char *dir, bool fzram_only);

/*
 * probe_find_file() - the path of the swap file in mount @dir: the one
 * regular file its owner may write (the read-only block_state beside it is
 * not; nor are dot files).
 * Return: a malloc'd path, or NULL with errno set (ENOENT if none yet).
 */
char *probe_find_file(const char *dir);

/*
 * probe_find_loops() - append to @d->loops (and @d->nloops) the loop
 * devices on the file in @d->dir, ascending; only @d->dir is read.
 */
void probe_find_loops(struct probe_dev *d);

/*
 * probe_in_swaps() - whether block device @dev ("/dev/loopN") is listed in
 * /proc/swaps.  An unreadable /proc/swaps counts as "no".
 */
bool probe_in_swaps(const char *dev);

/*
 * probe_devs_read() - every mounted fzram, probed, into @l (empty on
 * entry).  Free with probe_devs_free(), on failure too.
 * Return: 0, or -errno when mountinfo cannot be read (printed).
 */
int probe_devs_read(struct probe_list *l);

/*
 * probe_parse_recomp_alg() - recomp_algorithm's value @s ("#N: lz4 lz4hc
 * [zstd]" lines, N 1..PROBE_RECOMP_MAX_PRIO in any order, the bracketed
 * name the one chosen; no line at all when none is set) into @out of
 * @len bytes: the chosen names by priority, comma-separated, "" for none.
 * Return: 0, or -EINVAL (a line without "#N: ", N out of range or given
 * twice, no bracketed name or an empty one, one of PROBE_ALG_LEN bytes or
 * more, blanks inside the brackets, a result longer than @len); @out is
 * then unspecified.
 */
int probe_parse_recomp_alg(const char *s, char *out, size_t len);

/*
 * probe_read_attrs() - fill @d's statistics (mm_stat, io_stat, disksize,
 * comp_algorithm, bd_stat, backing_dev, recomp_algorithm, recomp_stat,
 * policy_stat) from the user.fzram.* xattrs of @d->file, which must be
 * set.  An attribute that cannot be read or parsed leaves its fields
 * unknown (has_*, bd_cols 0, backing NULL); recomp_stat needs its eight
 * columns and policy_stat its PROBE_POL_NR_COLS (more are allowed: new
 * ones come at the end).  Nothing is printed.
 * @d->backing is malloc'd: probe_devs_free() frees it.
 */
void probe_read_attrs(struct probe_dev *d);

/* probe_devs_free() - free what probe_devs_read() put in @l; @l is empty. */
void probe_devs_free(struct probe_list *l);

/*
 * probe_dev_matches() - whether @target names @d: its mount point, its
 * file or a loop device attached to it (after resolving symbolic links).
 */
bool probe_dev_matches(const struct probe_dev *d, const char *target);

#endif /* FZRAM_PROBE_H */
