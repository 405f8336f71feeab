/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output.h - fzramctl's columns and the three forms of its listing: aligned
 * text (as zramctl), --raw and --json (as lsblk --json).
 *
 * A listing is a table of cells, one row per fzram and one column per
 * entry of output_opts.col, built by output_cell() from what probe.h read
 * and printed by output_print().  A cell is a malloc'd string, or NULL
 * when the value is unknown (an unreadable xattr, no loop device): empty in
 * text, null in JSON.  Sizes are zramctl's human-readable ones unless
 * --bytes.  The default columns are zramctl's and never change with what
 * is found (a backing store or not), so that scripts see one layout.  Nothing here reads the system but the processor count of
 * STREAMS, and nothing prints but to the FILE * it is given.
 */
#ifndef FZRAM_OUTPUT_H
#define FZRAM_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"

/*
 * The columns: zramctl's, then fzram's own, then the backing store's
 * (BACKING is backing_dev; the BD- columns are bd_stat's: zram's three in
 * 4 KiB pages, shown as sizes of pages * 4096, then fzram's two in bytes),
 * then recompression's (RECOMP is recomp_algorithm's chosen secondaries,
 * "-" when none; RECOMP-PAGES and RECOMP-COMPR sum recomp_stat's
 * priorities 1..3, a count of slots and a size), then the tiers' policy's
 * (policy_stat's spilled, written_back and spill_waits, counts) and
 * SWAP-USED (/proc/swaps' Used of the swap on LOOP, a size; unknown when
 * it is not swap), to read beside DATA.  --output-all's order; new
 * columns only ever come at the end.
 */
enum output_col {
	OUTPUT_COL_NAME,
	OUTPUT_COL_DISKSIZE,
	OUTPUT_COL_DATA,
	OUTPUT_COL_COMPR,
	OUTPUT_COL_ALGORITHM,
	OUTPUT_COL_STREAMS,
	OUTPUT_COL_ZERO_PAGES,
	OUTPUT_COL_TOTAL,
	OUTPUT_COL_MEM_LIMIT,
	OUTPUT_COL_MEM_USED,
	OUTPUT_COL_MIGRATED,
	OUTPUT_COL_COMP_RATIO,
	OUTPUT_COL_MOUNTPOINT,
	OUTPUT_COL_HUGE_PAGES,
	OUTPUT_COL_FAILED_READS,
	OUTPUT_COL_FAILED_WRITES,
	OUTPUT_COL_NOTIFY_FREE,
	OUTPUT_COL_LOOP,
	OUTPUT_COL_SWAP,
	OUTPUT_COL_BACKING,
	OUTPUT_COL_BD_COUNT,
	OUTPUT_COL_BD_READS,
	OUTPUT_COL_BD_WRITES,
	OUTPUT_COL_BD_COMPR,
	OUTPUT_COL_BD_USED,
	OUTPUT_COL_RECOMP,
	OUTPUT_COL_RECOMP_PAGES,
	OUTPUT_COL_RECOMP_COMPR,
	OUTPUT_COL_SPILLED,
	OUTPUT_COL_POLICY_WB,
	OUTPUT_COL_SPILL_WAITS,
	OUTPUT_COL_SWAP_USED,
	OUTPUT_NR_COLS
};

#define OUTPUT_MAX_COLS 64 /* -o may repeat a column, up to this many */

/* What to print and how. */
struct output_opts {
	enum output_col col[OUTPUT_MAX_COLS]; /* in order; repeats allowed */
	size_t ncols;	 /* entries of @col, 1..OUTPUT_MAX_COLS */
	bool bytes;	 /* sizes in bytes (numbers in JSON) */
	bool noheadings; /* no header line (text and raw only) */
	bool raw;	 /* one space between cells, no alignment */
	bool json;	 /* JSON instead of text; @raw is then ignored */
};

/* output_col_name() - the column's upper-case name, as -o takes it. */
const char *output_col_name(enum output_col c);

/* output_col_help() - the one-line description --help prints. */
const char *output_col_help(enum output_col c);

/*
 * output_human_size() - @bytes into @buf of @len bytes as util-linux's
 * size_to_human_string() prints them (and so zramctl): a power of 1024
 * with a one-letter suffix of BKMGTPE and one decimal, rounded, unless it
 * is 0 ("0B", "4K", "1.5M", "1024K" for 1048575).  8 bytes always fit.
 */
void output_human_size(uint64_t bytes, char *buf, size_t len);

/*
 * output_default_columns() / output_all_columns() - set @o's columns to
 * the defaults (NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS
 * MOUNTPOINT) or to every column in enum order.
 */
void output_default_columns(struct output_opts *o);
void output_all_columns(struct output_opts *o);

/*
 * output_parse_columns() - set @o's columns from -o's @list: names
 * separated by commas, any case, repeats allowed, empty names skipped;
 * a leading "+" appends to the defaults.
 * Return: 0, or -EINVAL with the message (without "fzramctl: ") in @why
 * of @why_len bytes: "unknown column: NAME", "too many columns" (above
 * OUTPUT_MAX_COLS) or "--output: no column given", whole when @why_len
 * is OUTPUT_WHY_LEN(@list).  @o's columns are then unspecified.
 */
#define OUTPUT_WHY_LEN(list) (strlen(list) + 32)
int output_parse_columns(struct output_opts *o, const char *list, char *why,
			 size_t why_len);

/*
 * output_cell() - the text of column @c for @d (sizes in bytes with
 * @bytes), malloc'd; NULL when unknown.  Exits on out of memory.
 */
char *output_cell(const struct probe_dev *d, enum output_col c, bool bytes);

/*
 * output_print() - print to @f the table @tab of @rows rows of @o->ncols
 * cells each (row-major; NULL cells allowed) in the form @o asks: JSON
 * {"fzram": [...]}, else text (nothing at all when @rows is 0, as
 * zramctl), aligned or raw.  Errors of @f are left to the caller.
 */
void output_print(FILE *f, const struct output_opts *o, char *const *tab,
		  size_t rows);

#endif /* FZRAM_OUTPUT_H */
