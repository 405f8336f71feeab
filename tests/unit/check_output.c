// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_output.c - unit tests of fzramctl's output module: human sizes as
 * zramctl prints them, each column's cell from a probe_dev made by hand
 * (the backing store's too, from a daemon with bd_stat, one with zram's
 * three columns only and one without: unknown cells; recompression's from
 * a daemon with secondaries, with none and without the attributes),
 * the text, --raw, --noheadings and --json forms byte for byte (with the
 * escaping of quotes, backslashes, blanks, control characters and
 * non-ASCII bytes), and -o's column lists with their errors.
 *
 * Printing goes to an open_memstream() buffer, compared whole.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "output.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* A probe_dev with every value known and each column distinct. */
static struct probe_dev dev_full(char *dir, char *file, unsigned int *loops,
				 size_t nloops)
{
	struct probe_dev d = {
	    .dir = dir,
	    .file = file,
	    .loops = loops,
	    .nloops = nloops,
	    .swap = true,
	    .has_mm = true,
	    .has_io = true,
	    .has_size = true,
	    .disksize = 64ULL << 20,
	};

	d.mm[STATS_MM_ORIG_DATA_SIZE] = 3ULL << 20; /* 3M */
	d.mm[STATS_MM_COMPR_DATA_SIZE] = 1572864;   /* 1.5M */
	d.mm[STATS_MM_MEM_USED_TOTAL] = 1ULL << 20; /* 1M */
	d.mm[STATS_MM_MEM_LIMIT] = 0;		    /* 0B */
	d.mm[STATS_MM_MEM_USED_MAX] = 2ULL << 20;   /* 2M */
	d.mm[STATS_MM_SAME_PAGES] = 11;
	d.mm[STATS_MM_PAGES_COMPACTED] = 12;
	d.mm[STATS_MM_HUGE_PAGES] = 13;
	d.mm[STATS_MM_HUGE_PAGES_SINCE] = 14;
	d.io[PROBE_IO_FAILED_READS] = 21;
	d.io[PROBE_IO_FAILED_WRITES] = 22;
	d.io[PROBE_IO_INVALID_IO] = 23;
	d.io[PROBE_IO_NOTIFY_FREE] = 24;
	d.bd_cols = PROBE_BD_NR_COLS;
	d.bd[PROBE_BD_COUNT] = 256;	    /* pages: 1M */
	d.bd[PROBE_BD_READS] = 3;	    /* 12K */
	d.bd[PROBE_BD_WRITES] = 384;	    /* 1.5M */
	d.bd[PROBE_BD_DATA_BYTES] = 409600; /* 400K */
	d.bd[PROBE_BD_USED_BYTES] = 458752; /* 448K */
	d.backing = "/var/tmp/fzram.bk";
	strcpy(d.alg, "zstd");
	d.has_recomp_alg = d.has_recomp_stat = true;
	strcpy(d.recomp_alg, "zstd,lz4hc");
	d.recomp_pages[0] = 100; /* the primary's: not in the sums */
	d.recomp_bytes[0] = 409600;
	d.recomp_pages[1] = 5;	     /* 5 + 2 + 1 = 8 */
	d.recomp_bytes[1] = 1048576; /* 1M + 512K + 0 = 1.5M */
	d.recomp_pages[2] = 2;
	d.recomp_bytes[2] = 524288;
	d.recomp_pages[3] = 1;
	d.recomp_bytes[3] = 0;
	d.has_policy = true;
	for (int i = 0; i < PROBE_POL_NR_COLS; i++)
		d.policy[i] = 100 + (uint64_t)i; /* 100 steps, 101 aged, ... */
	d.policy[PROBE_POL_BUDGET_LEFT] = UINT64_MAX;
	d.has_swap_used = true;
	d.swap_used = 5ULL << 19; /* 2.5M */
	return d;
}

/* Set @o's columns from @list, which must parse. */
static void set_cols(struct output_opts *o, const char *list)
{
	char why[256];

	ck_assert_msg(output_parse_columns(o, list, why, sizeof(why)) == 0,
		      "%s: %s", list, why);
}

/* The cells of @n devices for @o's columns, row-major. */
static char **make_tab(const struct output_opts *o,
		       const struct probe_dev *devs, size_t n)
{
	char **tab = calloc(n * o->ncols + 1, sizeof(*tab));

	ck_assert_ptr_nonnull(tab);
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < o->ncols; c++)
			tab[r * o->ncols + c] =
			    output_cell(&devs[r], o->col[c], o->bytes);
	return tab;
}

static void free_tab(char **tab, size_t cells)
{
	for (size_t i = 0; i < cells; i++)
		free(tab[i]);
	free(tab);
}

/* What output_print() writes for @tab of @rows rows, malloc'd. */
static char *print_to_string(const struct output_opts *o, char *const *tab,
			     size_t rows)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	output_print(f, o, tab, rows);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(strlen(buf), len); /* no NUL was written */
	return buf;
}

/* Print the cells of @devs with @o and compare with @want. */
static void expect_print(const struct output_opts *o,
			 const struct probe_dev *devs, size_t n,
			 const char *want)
{
	char **tab = make_tab(o, devs, n);
	char *got = print_to_string(o, tab, n);

	ck_assert_str_eq(got, want);
	free(got);
	free_tab(tab, n * o->ncols);
}

/* The cell of column @c for @d, compared with @want (NULL: unknown). */
static void expect_cell(const struct probe_dev *d, enum output_col c,
			bool bytes, const char *want)
{
	char *got = output_cell(d, c, bytes);

	if (!want)
		ck_assert_msg(!got, "%s: '%s', expected unknown",
			      output_col_name(c), got);
	else
		ck_assert_msg(got && !strcmp(got, want),
			      "%s%s: '%s', expected '%s'", output_col_name(c),
			      bytes ? " (bytes)" : "", got ? got : "(null)",
			      want);
	free(got);
}

/* ---- human sizes ---- */

START_TEST(test_human_size)
{
	/* Values and what util-linux's size_to_human_string() makes of
	 * them: one decimal, rounded half up from three digits; the unit
	 * changes at exactly 1024 of the one below. */
	static const struct {
		uint64_t v;
		const char *want;
	} t[] = {
	    {0, "0B"},
	    {1, "1B"},
	    {1023, "1023B"},
	    {1024, "1K"},
	    {1025, "1K"},
	    {1075, "1K"},   /* .049 rounds down */
	    {1076, "1.1K"}, /* .050 rounds up */
	    {1536, "1.5K"},
	    {2047, "2K"}, /* 1.999 rounds to the next whole */
	    {4096, "4K"},
	    {1048575, "1024K"}, /* one byte short of 1M: 1023.999K */
	    {1048576, "1M"},
	    {1572864, "1.5M"},
	    {10590617, "10.1M"},
	    {64ULL << 20, "64M"},
	    {(1ULL << 30) - 1, "1024M"},
	    {1ULL << 30, "1G"},
	    {(4ULL << 30) + (1ULL << 29), "4.5G"},
	    {1ULL << 40, "1T"},
	    {1ULL << 50, "1P"},
	    {1ULL << 60, "1E"},
	    {1ULL << 63, "8E"},
	    {(15ULL << 60) + (1ULL << 59), "15.5E"},
	    {UINT64_MAX, "16E"},
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		memset(buf, 'x', sizeof(buf));
		output_human_size(t[i].v, buf, sizeof(buf));
		ck_assert_msg(!strcmp(buf, t[i].want),
			      "%llu: '%s', expected '%s'",
			      (unsigned long long)t[i].v, buf, t[i].want);
	}
	/* 8 bytes are enough for the longest form, "1023.9K". */
	output_human_size(1048575 - 52, buf, 8);
	ck_assert_str_eq(buf, "1023.9K");
}
END_TEST

/* ---- cells ---- */

START_TEST(test_cells)
{
	unsigned int loops[] = {7, 9};
	struct probe_dev d =
	    dev_full("/run/fzram/0", "/run/fzram/0/swap", loops, 2);
	char streams[32];

	snprintf(streams, sizeof(streams), "%ld",
		 sysconf(_SC_NPROCESSORS_ONLN));
	expect_cell(&d, OUTPUT_COL_NAME, false, "/run/fzram/0/swap");
	expect_cell(&d, OUTPUT_COL_MOUNTPOINT, false, "/run/fzram/0");
	expect_cell(&d, OUTPUT_COL_ALGORITHM, false, "zstd");
	expect_cell(&d, OUTPUT_COL_STREAMS, false, streams);
	expect_cell(&d, OUTPUT_COL_LOOP, false, "/dev/loop7"); /* the first */
	expect_cell(&d, OUTPUT_COL_SWAP, false, "yes");
	/* sizes: human, or bytes */
	expect_cell(&d, OUTPUT_COL_DISKSIZE, false, "64M");
	expect_cell(&d, OUTPUT_COL_DISKSIZE, true, "67108864");
	expect_cell(&d, OUTPUT_COL_DATA, false, "3M");
	expect_cell(&d, OUTPUT_COL_DATA, true, "3145728");
	expect_cell(&d, OUTPUT_COL_COMPR, false, "1.5M");
	expect_cell(&d, OUTPUT_COL_COMPR, true, "1572864");
	expect_cell(&d, OUTPUT_COL_TOTAL, false, "1M");
	expect_cell(&d, OUTPUT_COL_TOTAL, true, "1048576");
	expect_cell(&d, OUTPUT_COL_MEM_LIMIT, false, "0B");
	expect_cell(&d, OUTPUT_COL_MEM_LIMIT, true, "0");
	expect_cell(&d, OUTPUT_COL_MEM_USED, false, "2M");
	expect_cell(&d, OUTPUT_COL_MEM_USED, true, "2097152");
	/* counts are the same either way; each from its own column */
	for (int bytes = 0; bytes < 2; bytes++) {
		expect_cell(&d, OUTPUT_COL_ZERO_PAGES, bytes, "11");
		expect_cell(&d, OUTPUT_COL_MIGRATED, bytes, "12");
		expect_cell(&d, OUTPUT_COL_HUGE_PAGES, bytes, "13");
		expect_cell(&d, OUTPUT_COL_FAILED_READS, bytes, "21");
		expect_cell(&d, OUTPUT_COL_FAILED_WRITES, bytes, "22");
		expect_cell(&d, OUTPUT_COL_NOTIFY_FREE, bytes, "24");
		expect_cell(&d, OUTPUT_COL_COMP_RATIO, bytes, "3.0000");
	}
	/* the backing store: zram's columns are 4 KiB pages, shown as
	 * sizes (pages * 4096); fzram's two are bytes */
	expect_cell(&d, OUTPUT_COL_BACKING, false, "/var/tmp/fzram.bk");
	expect_cell(&d, OUTPUT_COL_BACKING, true, "/var/tmp/fzram.bk");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "1M");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, true, "1048576");
	expect_cell(&d, OUTPUT_COL_BD_READS, false, "12K");
	expect_cell(&d, OUTPUT_COL_BD_READS, true, "12288");
	expect_cell(&d, OUTPUT_COL_BD_WRITES, false, "1.5M");
	expect_cell(&d, OUTPUT_COL_BD_WRITES, true, "1572864");
	expect_cell(&d, OUTPUT_COL_BD_COMPR, false, "400K");
	expect_cell(&d, OUTPUT_COL_BD_COMPR, true, "409600");
	expect_cell(&d, OUTPUT_COL_BD_USED, false, "448K");
	expect_cell(&d, OUTPUT_COL_BD_USED, true, "458752");
	/* no backing store: the daemon says "none", its counts are 0 */
	d.backing = "none";
	memset(d.bd, 0, sizeof(d.bd));
	expect_cell(&d, OUTPUT_COL_BACKING, false, "none");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "0B");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, true, "0");
	expect_cell(&d, OUTPUT_COL_BD_USED, false, "0B");
	/* a page count as large as a 16 TiB file's is no overflow */
	d.bd[PROBE_BD_COUNT] = 1ULL << 32;
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "16T");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, true, "17592186044416");

	d.mm[STATS_MM_ORIG_DATA_SIZE] = 2;
	d.mm[STATS_MM_MEM_USED_TOTAL] = 3;
	expect_cell(&d, OUTPUT_COL_COMP_RATIO, false, "0.6667");
	d.mm[STATS_MM_MEM_USED_TOTAL] = 0; /* empty pool: no division */
	expect_cell(&d, OUTPUT_COL_COMP_RATIO, false, "0.0000");
}
END_TEST

START_TEST(test_cells_unknown)
{
	struct probe_dev d = dev_full("/m", NULL, NULL, 0);

	d.swap = false;
	d.has_mm = d.has_io = d.has_size = false;
	d.alg[0] = '\0';
	expect_cell(&d, OUTPUT_COL_NAME, false, NULL);
	expect_cell(&d, OUTPUT_COL_MOUNTPOINT, false, "/m");
	expect_cell(&d, OUTPUT_COL_ALGORITHM, false, NULL);
	expect_cell(&d, OUTPUT_COL_LOOP, false, NULL);
	expect_cell(&d, OUTPUT_COL_SWAP, false, "no");
	expect_cell(&d, OUTPUT_COL_DISKSIZE, false, NULL);
	expect_cell(&d, OUTPUT_COL_DATA, true, NULL);
	expect_cell(&d, OUTPUT_COL_TOTAL, false, NULL);
	expect_cell(&d, OUTPUT_COL_ZERO_PAGES, false, NULL);
	expect_cell(&d, OUTPUT_COL_COMP_RATIO, false, NULL);
	expect_cell(&d, OUTPUT_COL_FAILED_READS, false, NULL);
	expect_cell(&d, OUTPUT_COL_NOTIFY_FREE, false, NULL);
	/* mm_stat and io_stat are independent */
	d.has_io = true;
	expect_cell(&d, OUTPUT_COL_FAILED_WRITES, false, "22");
	expect_cell(&d, OUTPUT_COL_DATA, false, NULL);
	d.has_io = false;
	d.has_mm = true;
	expect_cell(&d, OUTPUT_COL_DATA, false, "3M");
	expect_cell(&d, OUTPUT_COL_FAILED_WRITES, false, NULL);
}
END_TEST

START_TEST(test_cells_backing_unknown)
{
	static const enum output_col bd[] = {
	    OUTPUT_COL_BD_COUNT, OUTPUT_COL_BD_READS, OUTPUT_COL_BD_WRITES,
	    OUTPUT_COL_BD_COMPR, OUTPUT_COL_BD_USED,
	};
	struct probe_dev d = dev_full("/m", "/m/f", NULL, 0);

	/* an older daemon: no bd_stat, no backing_dev; nothing else is
	 * lost with them */
	d.bd_cols = 0;
	d.backing = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(bd); i++)
		for (int bytes = 0; bytes < 2; bytes++)
			expect_cell(&d, bd[i], bytes, NULL);
	expect_cell(&d, OUTPUT_COL_BACKING, false, NULL);
	expect_cell(&d, OUTPUT_COL_DATA, false, "3M");
	expect_cell(&d, OUTPUT_COL_FAILED_READS, false, "21");
	/* zram's three columns only: fzram's two are unknown */
	d.bd_cols = PROBE_BD_ZRAM_COLS;
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "1M");
	expect_cell(&d, OUTPUT_COL_BD_READS, true, "12288");
	expect_cell(&d, OUTPUT_COL_BD_WRITES, false, "1.5M");
	expect_cell(&d, OUTPUT_COL_BD_COMPR, false, NULL);
	expect_cell(&d, OUTPUT_COL_BD_USED, true, NULL);
}
END_TEST

START_TEST(test_cells_recomp)
{
	struct probe_dev d = dev_full("/m", "/m/f", NULL, 0);

	/* the secondaries by priority; slots and bytes of priorities 1..3,
	 * the primary's left out */
	for (int bytes = 0; bytes < 2; bytes++) {
		expect_cell(&d, OUTPUT_COL_RECOMP, bytes, "zstd,lz4hc");
		expect_cell(&d, OUTPUT_COL_RECOMP_PAGES, bytes, "8");
	}
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, false, "1.5M");
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, true, "1572864");
	/* each priority counts: the third alone */
	memset(d.recomp_pages + 1, 0, 2 * sizeof(d.recomp_pages[0]));
	memset(d.recomp_bytes + 1, 0, 2 * sizeof(d.recomp_bytes[0]));
	d.recomp_bytes[3] = 3000;
	expect_cell(&d, OUTPUT_COL_RECOMP_PAGES, false, "1");
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, true, "3000");
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, false, "2.9K");
	/* no secondary set: "-", and nothing recompressed */
	d.recomp_alg[0] = '\0';
	d.recomp_pages[3] = d.recomp_bytes[3] = 0;
	expect_cell(&d, OUTPUT_COL_RECOMP, false, "-");
	expect_cell(&d, OUTPUT_COL_RECOMP_PAGES, false, "0");
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, false, "0B");
	expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, true, "0");
	/* an older daemon: unknown, each attribute on its own, and
	 * nothing else lost with them */
	d.has_recomp_alg = false;
	expect_cell(&d, OUTPUT_COL_RECOMP, false, NULL);
	expect_cell(&d, OUTPUT_COL_RECOMP_PAGES, false, "0");
	d.has_recomp_stat = false;
	for (int bytes = 0; bytes < 2; bytes++) {
		expect_cell(&d, OUTPUT_COL_RECOMP_PAGES, bytes, NULL);
		expect_cell(&d, OUTPUT_COL_RECOMP_COMPR, bytes, NULL);
	}
	expect_cell(&d, OUTPUT_COL_DATA, false, "3M");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "1M");
}
END_TEST

START_TEST(test_cells_policy)
{
	struct probe_dev d = dev_full("/m", "/m/f", NULL, 0);
	struct output_opts o = {.ncols = 0};

	/* policy_stat's spilled, written_back and spill_waits, counts */
	for (int bytes = 0; bytes < 2; bytes++) {
		expect_cell(&d, OUTPUT_COL_SPILLED, bytes, "104");
		expect_cell(&d, OUTPUT_COL_POLICY_WB, bytes, "103");
		expect_cell(&d, OUTPUT_COL_SPILL_WAITS, bytes, "109");
	}
	/* the swap's Used, a size beside DATA */
	expect_cell(&d, OUTPUT_COL_SWAP_USED, false, "2.5M");
	expect_cell(&d, OUTPUT_COL_SWAP_USED, true, "2621440");
	set_cols(&o, "DATA,SWAP-USED,SPILLED");
	expect_print(&o, &d, 1,
		     "DATA SWAP-USED SPILLED\n"
		     "  3M      2.5M     104\n");
	o.json = true;
	o.bytes = true;
	expect_print(&o, &d, 1,
		     "{\n   \"fzram\": [\n      {\n"
		     "         \"data\": 3145728,\n"
		     "         \"swap-used\": 2621440,\n"
		     "         \"spilled\": 104\n"
		     "      }\n   ]\n}\n");
	/* a daemon without the policy: its three unknown, nothing else
	 * lost; not swap: SWAP-USED unknown on its own */
	d.has_policy = false;
	for (int bytes = 0; bytes < 2; bytes++) {
		expect_cell(&d, OUTPUT_COL_SPILLED, bytes, NULL);
		expect_cell(&d, OUTPUT_COL_POLICY_WB, bytes, NULL);
		expect_cell(&d, OUTPUT_COL_SPILL_WAITS, bytes, NULL);
	}
	expect_cell(&d, OUTPUT_COL_SWAP_USED, false, "2.5M");
	expect_cell(&d, OUTPUT_COL_BD_COUNT, false, "1M");
	d.has_swap_used = false;
	expect_cell(&d, OUTPUT_COL_SWAP_USED, false, NULL);
	expect_cell(&d, OUTPUT_COL_DATA, false, "3M");
}
END_TEST

START_TEST(test_recomp_forms)
{
	struct probe_dev devs[3] = {
	    dev_full("/r/0", "/r/0/swapfile", NULL, 0),
	    dev_full("/r/1", "/r/1/swapfile", NULL, 0),
	    dev_full("/r/2", "/r/2/swapfile", NULL, 0),
	};
	struct output_opts o = {.ncols = 0};

	/* the second has no secondary, the third an older daemon */
	devs[1].recomp_alg[0] = '\0';
	memset(devs[1].recomp_pages, 0, sizeof(devs[1].recomp_pages));
	memset(devs[1].recomp_bytes, 0, sizeof(devs[1].recomp_bytes));
	devs[2].has_recomp_alg = devs[2].has_recomp_stat = false;
	set_cols(&o, "MOUNTPOINT,RECOMP,RECOMP-PAGES,RECOMP-COMPR");
	expect_print(&o, devs, 3,
		     "MOUNTPOINT RECOMP     RECOMP-PAGES RECOMP-COMPR\n"
		     "/r/0       zstd,lz4hc            8         1.5M\n"
		     "/r/1       -                     0           0B\n"
		     "/r/2                                           \n");
	o.raw = o.bytes = true;
	expect_print(&o, devs, 3,
		     "MOUNTPOINT RECOMP RECOMP-PAGES RECOMP-COMPR\n"
		     "/r/0 zstd,lz4hc 8 1572864\n"
		     "/r/1 - 0 0\n"
		     "/r/2   \n");
	/* JSON: RECOMP a string, RECOMP-PAGES a number, RECOMP-COMPR a
	 * string unless --bytes; unknown is null */
	o.raw = o.bytes = false;
	o.json = true;
	set_cols(&o, "RECOMP,RECOMP-PAGES,RECOMP-COMPR");
	expect_print(&o, devs, 3,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"recomp\": \"zstd,lz4hc\",\n"
		     "         \"recomp-pages\": 8,\n"
		     "         \"recomp-compr\": \"1.5M\"\n"
		     "      },\n"
		     "      {\n"
		     "         \"recomp\": \"-\",\n"
		     "         \"recomp-pages\": 0,\n"
		     "         \"recomp-compr\": \"0B\"\n"
		     "      },\n"
		     "      {\n"
		     "         \"recomp\": null,\n"
		     "         \"recomp-pages\": null,\n"
		     "         \"recomp-compr\": null\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
	o.bytes = true;
	expect_print(&o, devs, 1,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"recomp\": \"zstd,lz4hc\",\n"
		     "         \"recomp-pages\": 8,\n"
		     "         \"recomp-compr\": 1572864\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
}
END_TEST

START_TEST(test_backing_forms)
{
	struct probe_dev devs[2] = {
	    dev_full("/r/0", "/r/0/swapfile", NULL, 0),
	    dev_full("/r/1", "/r/1/swapfile", NULL, 0),
	};
	struct output_opts o = {.ncols = 0};

	/* the second is served by a daemon without the tier: blank cells,
	 * the last one unpadded */
	devs[1].bd_cols = 0;
	devs[1].backing = NULL;
	set_cols(&o, "MOUNTPOINT,BD-COUNT,BD-USED,BACKING");
	expect_print(&o, devs, 2,
		     "MOUNTPOINT BD-COUNT BD-USED BACKING\n"
		     "/r/0             1M    448K /var/tmp/fzram.bk\n"
		     "/r/1                        \n");
	/* JSON: sizes are strings, numbers with --bytes; unknown is null */
	o.json = true;
	set_cols(&o, "BACKING,BD-COUNT");
	expect_print(&o, devs, 2,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"backing\": \"/var/tmp/fzram.bk\",\n"
		     "         \"bd-count\": \"1M\"\n"
		     "      },\n"
		     "      {\n"
		     "         \"backing\": null,\n"
		     "         \"bd-count\": null\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
	o.bytes = true;
	expect_print(&o, devs, 1,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"backing\": \"/var/tmp/fzram.bk\",\n"
		     "         \"bd-count\": 1048576\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
}
END_TEST

/* ---- the three forms ---- */

START_TEST(test_text)
{
	unsigned int loop = 3;
	struct probe_dev devs[2] = {
	    dev_full("/mnt/a", "/mnt/a/f", &loop, 1),
	    dev_full("/b", "/b/g", NULL, 0),
	};
	struct output_opts o = {.ncols = 0};

	devs[1].mm[STATS_MM_ORIG_DATA_SIZE] = 4096;
	devs[1].swap = false;
	/* text left, sizes right, the last column unpadded */
	set_cols(&o, "NAME,DATA,SWAP");
	expect_print(&o, devs, 2,
		     "NAME     DATA SWAP\n"
		     "/mnt/a/f   3M yes\n"
		     "/b/g       4K no\n");
	/* an unknown cell is blank, padded like any other */
	set_cols(&o, "LOOP,ZERO-PAGES,MOUNTPOINT");
	expect_print(&o, devs, 2,
		     "LOOP       ZERO-PAGES MOUNTPOINT\n"
		     "/dev/loop3         11 /mnt/a\n"
		     "                   11 /b\n");
	/* --bytes */
	o.bytes = true;
	set_cols(&o, "DATA,NAME");
	expect_print(&o, devs, 2,
		     "   DATA NAME\n"
		     "3145728 /mnt/a/f\n"
		     "   4096 /b/g\n");
	/* --noheadings: the headers' widths no longer count */
	o.bytes = false;
	o.noheadings = true;
	set_cols(&o, "SWAP,DATA,ALGORITHM");
	expect_print(&o, devs, 2,
		     "yes 3M zstd\n"
		     "no  4K zstd\n");
	/* no rows: nothing at all, not even the header (as zramctl) */
	o.noheadings = false;
	expect_print(&o, devs, 0, "");
	o.raw = true;
	expect_print(&o, devs, 0, "");
}
END_TEST

START_TEST(test_raw)
{
	struct probe_dev devs[2] = {
	    dev_full("/mnt/my dir", "/mnt/my dir/f\tx", NULL, 0),
	    dev_full("/m", "/m/a\\b\\x41\x7f\xc3\xa9\n", NULL, 0),
	};
	struct output_opts o = {.raw = true};

	devs[1].has_size = false;
	set_cols(&o, "NAME,DISKSIZE,SWAP");
	/* one space between cells, no alignment; blanks, control
	 * characters and a literal "\x" as \xHH; a lone backslash and
	 * non-ASCII bytes as they are; an unknown cell empty */
	expect_print(&o, devs, 2,
		     "NAME DISKSIZE SWAP\n"
		     "/mnt/my\\x20dir/f\\x09x 64M yes\n"
		     "/m/a\\b\\x5cx41\\x7f\xc3\xa9\\x0a  yes\n");
	o.noheadings = true;
	set_cols(&o, "MOUNTPOINT");
	expect_print(&o, devs, 2, "/mnt/my\\x20dir\n/m\n");
}
END_TEST

START_TEST(test_json)
{
	unsigned int loop = 5;
	struct probe_dev devs[2] = {
	    dev_full("/r/0", "/r/0/\"q\"\\\x01\x1f \x7f\xc3\xa9", &loop, 1),
	    dev_full("/r/1", NULL, NULL, 0),
	};
	struct output_opts o = {.json = true};

	devs[1].swap = false;
	devs[1].has_size = false;
	set_cols(&o, "NAME,DISKSIZE,ZERO-PAGES,COMP-RATIO,SWAP,LOOP");
	/* keys in lower case; '"' and '\' escaped with a backslash, other
	 * control characters as \u00XX, DEL and non-ASCII bytes as they
	 * are; human sizes are strings, counts and ratios numbers,
	 * yes/no booleans, unknown cells null */
	expect_print(&o, devs, 2,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"name\": \"/r/0/\\\"q\\\"\\\\\\u0001\\u001f "
		     "\x7f\xc3\xa9\",\n"
		     "         \"disksize\": \"64M\",\n"
		     "         \"zero-pages\": 11,\n"
		     "         \"comp-ratio\": 3.0000,\n"
		     "         \"swap\": true,\n"
		     "         \"loop\": \"/dev/loop5\"\n"
		     "      },\n"
		     "      {\n"
		     "         \"name\": null,\n"
		     "         \"disksize\": null,\n"
		     "         \"zero-pages\": 11,\n"
		     "         \"comp-ratio\": 3.0000,\n"
		     "         \"swap\": false,\n"
		     "         \"loop\": null\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
	/* --bytes: sizes become numbers; --raw and -n change nothing */
	o.bytes = o.raw = o.noheadings = true;
	set_cols(&o, "DISKSIZE,MOUNTPOINT");
	expect_print(&o, devs, 1,
		     "{\n"
		     "   \"fzram\": [\n"
		     "      {\n"
		     "         \"disksize\": 67108864,\n"
		     "         \"mountpoint\": \"/r/0\"\n"
		     "      }\n"
		     "   ]\n"
		     "}\n");
	/* no rows: an empty array */
	expect_print(&o, devs, 0, "{\n   \"fzram\": []\n}\n");
}
END_TEST

/* ---- the columns of -o ---- */

/* @o's columns, as "NAME,DATA,...". */
static void cols_string(const struct output_opts *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < o->ncols && n < len; c++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", c ? "," : "",
				      output_col_name(o->col[c]));
}

static void expect_cols(const char *list, const char *want)
{
	struct output_opts o = {.ncols = 0};
	char why[256] = "", got[1024];

	ck_assert_msg(output_parse_columns(&o, list, why, sizeof(why)) == 0,
		      "'%s' refused: %s", list, why);
	cols_string(&o, got, sizeof(got));
	ck_assert_msg(!strcmp(got, want), "'%s': %s, expected %s", list, got,
		      want);
}

static void expect_bad_cols(const char *list, const char *want)
{
	struct output_opts o = {.ncols = 0};
	size_t len = OUTPUT_WHY_LEN(list);
	char *why = malloc(len);

	ck_assert_ptr_nonnull(why);
	strcpy(why, "untouched");
	ck_assert_int_eq(output_parse_columns(&o, list, why, len), -EINVAL);
	ck_assert_str_eq(why, want);
	free(why);
}

#define DEFAULTS "NAME,ALGORITHM,DISKSIZE,DATA,COMPR,TOTAL,STREAMS,MOUNTPOINT"

START_TEST(test_parse_columns)
{
	expect_cols("NAME", "NAME");
	expect_cols("DATA,NAME", "DATA,NAME");
	/* any case */
	expect_cols("name,Zero-Pages,comp-RATIO", "NAME,ZERO-PAGES,COMP-RATIO");
	/* repeats are kept, in order */
	expect_cols("NAME,DATA,NAME", "NAME,DATA,NAME");
	/* empty names between commas are skipped */
	expect_cols(",,SWAP,,LOOP,", "SWAP,LOOP");
	/* "+" appends to the defaults */
	expect_cols("+ZERO-PAGES", DEFAULTS ",ZERO-PAGES");
	expect_cols("+name", DEFAULTS ",NAME");
	expect_cols("+", DEFAULTS);

	expect_bad_cols("", "--output: no column given");
	expect_bad_cols(",", "--output: no column given");
	expect_bad_cols(",,,", "--output: no column given");
	expect_bad_cols("NAME,BOGUS", "unknown column: BOGUS");
	expect_bad_cols("bogus,NAME", "unknown column: bogus");
	/* whole names only: no prefixes, no blanks, no "+" but first */
	expect_bad_cols("NAM", "unknown column: NAM");
	expect_bad_cols("NAMES", "unknown column: NAMES");
	expect_bad_cols("NAME, DATA", "unknown column:  DATA");
	expect_bad_cols("NAME,+DATA", "unknown column: +DATA");
	expect_bad_cols("ZERO_PAGES", "unknown column: ZERO_PAGES");
	/* the first error wins */
	expect_bad_cols("X1,X2", "unknown column: X1");
}
END_TEST

START_TEST(test_parse_columns_limit)
{
	char list[OUTPUT_MAX_COLS * 5 + 16], want[OUTPUT_MAX_COLS * 5 + 16];
	size_t n = 0;

	/* exactly OUTPUT_MAX_COLS */
	for (int i = 0; i < OUTPUT_MAX_COLS; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sLOOP",
				      i ? "," : "");
	strcpy(want, list);
	expect_cols(list, want);
	/* one more */
	strcat(list, ",SWAP");
	expect_bad_cols(list, "too many columns");
	/* the defaults count: "+" and 56 more fill it, 57 do not */
	n = (size_t)snprintf(list, sizeof(list), "+");
	for (int i = 0; i < OUTPUT_MAX_COLS - 8; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sSWAP",
				      i ? "," : "");
	{
		struct output_opts o = {.ncols = 0};

		set_cols(&o, list);
		ck_assert_uint_eq(o.ncols, OUTPUT_MAX_COLS);
		ck_assert_int_eq(o.col[7], OUTPUT_COL_MOUNTPOINT);
		ck_assert_int_eq(o.col[8], OUTPUT_COL_SWAP);
	}
	strcat(list, ",SWAP");
	expect_bad_cols(list, "too many columns");
	/* a long unknown name is reported whole */
	memset(list, 'X', 300);
	list[300] = '\0';
	{
		char wantx[400];

		snprintf(wantx, sizeof(wantx), "unknown column: %s", list);
		expect_bad_cols(list, wantx);
	}
}
END_TEST

START_TEST(test_column_table)
{
	struct output_opts o = {.ncols = 0};
	char got[1024];

	output_default_columns(&o);
	cols_string(&o, got, sizeof(got));
	ck_assert_str_eq(got, DEFAULTS);
	output_all_columns(&o);
	cols_string(&o, got, sizeof(got));
	ck_assert_str_eq(got, "NAME,DISKSIZE,DATA,COMPR,ALGORITHM,STREAMS,"
			      "ZERO-PAGES,TOTAL,MEM-LIMIT,MEM-USED,MIGRATED,"
			      "COMP-RATIO,MOUNTPOINT,HUGE-PAGES,FAILED-READS,"
			      "FAILED-WRITES,NOTIFY-FREE,LOOP,SWAP,BACKING,"
			      "BD-COUNT,BD-READS,BD-WRITES,BD-COMPR,BD-USED,"
			      "RECOMP,RECOMP-PAGES,RECOMP-COMPR,SPILLED,"
			      "POLICY-WB,SPILL-WAITS,SWAP-USED");
	/* every column has a help line, and -o finds it by its name */
	for (int c = 0; c < OUTPUT_NR_COLS; c++) {
		const char *help = output_col_help((enum output_col)c);

		ck_assert_msg(help && *help, "column %d has no help", c);
		expect_cols(output_col_name((enum output_col)c),
			    output_col_name((enum output_col)c));
	}
	ck_assert_str_eq(output_col_help(OUTPUT_COL_COMP_RATIO),
			 "compression ratio: DATA/TOTAL");
}
END_TEST

static Suite *output_suite(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_human_size);
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_cells_unknown);
	tcase_add_test(tc, test_cells_backing_unknown);
	tcase_add_test(tc, test_backing_forms);
	tcase_add_test(tc, test_cells_recomp);
	tcase_add_test(tc, test_recomp_forms);
	tcase_add_test(tc, test_cells_policy);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_parse_columns);
	tcase_add_test(tc, test_parse_columns_limit);
	tcase_add_test(tc, test_column_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(output_suite());
}
