// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output.c - fzramctl's column table, its cells and the text, raw and JSON
 * forms of the listing (see output.h).
 *
 * The text form aligns each column to its widest cell (or header): text
 * and yes/no left, numbers right, the last column unpadded.  --raw puts
 * one space between cells and escapes blanks, control characters and a
 * literal "\x" as \xHH, so that every row splits on spaces.  --json
 * escapes '"' and '\\' with a backslash and control characters as \u00XX;
 * other bytes pass as they are.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "output.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fzram.h"
#include "ctl.h"
#include "stats.h"

/* How a column's cells are aligned and written in JSON. */
enum col_kind {
	KIND_TEXT,  /* left-aligned, a JSON string */
	KIND_SIZE,  /* bytes: human-readable unless --bytes */
	KIND_COUNT, /* a number */
	KIND_RATIO, /* a number with 4 decimals */
	KIND_BOOL,  /* yes/no, a JSON boolean */
};

struct col_def {
	const char *name;
	enum col_kind kind;
	const char *help;
};

static const struct col_def cols[OUTPUT_NR_COLS] = {
    [OUTPUT_COL_NAME] = {"NAME", KIND_TEXT, "the fzram file"},
    [OUTPUT_COL_DISKSIZE] = {"DISKSIZE", KIND_SIZE,
			     "limit on the uncompressed amount of data"},
    [OUTPUT_COL_DATA] = {"DATA", KIND_SIZE, "uncompressed size of stored data"},
    [OUTPUT_COL_COMPR] = {"COMPR", KIND_SIZE, "compressed size of stored data"},
    [OUTPUT_COL_ALGORITHM] = {"ALGORITHM", KIND_TEXT,
			      "the selected compression algorithm"},
    [OUTPUT_COL_STREAMS] = {"STREAMS", KIND_COUNT,
			    "number of concurrent compress operations"},
    [OUTPUT_COL_ZERO_PAGES] = {"ZERO-PAGES", KIND_COUNT,
			       "same-filled pages with no allocated memory"},
    [OUTPUT_COL_TOTAL] = {"TOTAL", KIND_SIZE,
			  "all pool memory, allocator fragmentation included"},
    [OUTPUT_COL_MEM_LIMIT] = {"MEM-LIMIT", KIND_SIZE,
			      "memory limit on the pool (0: none)"},
    [OUTPUT_COL_MEM_USED] = {"MEM-USED", KIND_SIZE, "peak of the pool memory"},
    [OUTPUT_COL_MIGRATED] = {"MIGRATED", KIND_COUNT,
			     "pages freed by compaction"},
    [OUTPUT_COL_COMP_RATIO] = {"COMP-RATIO", KIND_RATIO,
			       "compression ratio: DATA/TOTAL"},
    [OUTPUT_COL_MOUNTPOINT] = {"MOUNTPOINT", KIND_TEXT,
			       "where fzram is mounted"},
    [OUTPUT_COL_HUGE_PAGES] = {"HUGE-PAGES", KIND_COUNT,
			       "incompressible pages stored raw"},
    [OUTPUT_COL_FAILED_READS] = {"FAILED-READS", KIND_COUNT,
				 "reads that failed (corruption)"},
    [OUTPUT_COL_FAILED_WRITES] = {"FAILED-WRITES", KIND_COUNT,
				  "writes that failed (memory limit)"},
    [OUTPUT_COL_NOTIFY_FREE] = {"NOTIFY-FREE", KIND_COUNT,
				"pages freed by discards"},
    [OUTPUT_COL_LOOP] = {"LOOP", KIND_TEXT, "loop device attached to the file"},
    [OUTPUT_COL_SWAP] = {"SWAP", KIND_BOOL, "whether the loop device is swap"},
    [OUTPUT_COL_BACKING] = {"BACKING", KIND_TEXT,
			    "backing store of the writeback tier, or none"},
    [OUTPUT_COL_BD_COUNT] = {"BD-COUNT", KIND_SIZE,
			     "pages held on the backing store (x 4 KiB)"},
    [OUTPUT_COL_BD_READS] = {"BD-READS", KIND_SIZE,
			     "pages read back from it, ever (x 4 KiB)"},
    [OUTPUT_COL_BD_WRITES] = {"BD-WRITES", KIND_SIZE,
			      "pages written back to it, ever (x 4 KiB)"},
    [OUTPUT_COL_BD_COMPR] = {"BD-COMPR", KIND_SIZE,
			     "compressed size of the data held there"},
    [OUTPUT_COL_BD_USED] = {"BD-USED", KIND_SIZE,
			    "backing space in use, encryption included"},
    [OUTPUT_COL_RECOMP] = {"RECOMP", KIND_TEXT,
			   "secondary algorithms by priority, or -"},
    [OUTPUT_COL_RECOMP_PAGES] = {"RECOMP-PAGES", KIND_COUNT,
				 "pages stored recompressed"},
    [OUTPUT_COL_RECOMP_COMPR] = {"RECOMP-COMPR", KIND_SIZE,
				 "compressed size of those pages"},
    [OUTPUT_COL_SPILLED] = {"SPILLED", KIND_COUNT,
			    "pages spilled to the backing store at the limit"},
    [OUTPUT_COL_POLICY_WB] = {"POLICY-WB", KIND_COUNT,
			      "idle pages the policy wrote back"},
    [OUTPUT_COL_SPILL_WAITS] = {"SPILL-WAITS", KIND_COUNT,
				"writes that waited for a spill"},
    [OUTPUT_COL_SWAP_USED] = {"SWAP-USED", KIND_SIZE,
			      "swap in use by the kernel (/proc/swaps)"},
};

/* recomp_stat's sum over the secondaries of @v (pages or bytes). */
static uint64_t recomp_sum(const uint64_t v[PROBE_RECOMP_NR_PRIOS])
{
	uint64_t sum = 0;

	for (int p = 1; p <= PROBE_RECOMP_MAX_PRIO; p++)
		sum += v[p];
	return sum;
}

static const enum output_col default_cols[] = {
    OUTPUT_COL_NAME,	OUTPUT_COL_ALGORITHM,  OUTPUT_COL_DISKSIZE,
    OUTPUT_COL_DATA,	OUTPUT_COL_COMPR,      OUTPUT_COL_TOTAL,
    OUTPUT_COL_STREAMS, OUTPUT_COL_MOUNTPOINT,
};

const char *output_col_name(enum output_col c)
{
	return cols[c].name;
}

const char *output_col_help(enum output_col c)
{
	return cols[c].help;
}

void output_default_columns(struct output_opts *o)
{
	o->ncols = sizeof(default_cols) / sizeof(default_cols[0]);
	memcpy(o->col, default_cols, sizeof(default_cols));
}

void output_all_columns(struct output_opts *o)
{
	o->ncols = OUTPUT_NR_COLS;
	for (int i = 0; i < OUTPUT_NR_COLS; i++)
		o->col[i] = (enum output_col)i;
}

/* ---- the columns of -o ---- */

int output_parse_columns(struct output_opts *o, const char *list, char *why,
			 size_t why_len)
{
	char *copy, *save, *tok;
	size_t n = 0;
	int ret = 0;

	if (*list == '+') {
		list++;
		output_default_columns(o);
		n = o->ncols;
	}
	copy = ctl_xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		int c = 0;

		while (c < OUTPUT_NR_COLS && strcasecmp(tok, cols[c].name))
			c++;
		if (c == OUTPUT_NR_COLS) {
			snprintf(why, why_len, "unknown column: %s", tok);
			ret = -EINVAL;
		} else if (n == OUTPUT_MAX_COLS) {
			snprintf(why, why_len, "too many columns");
			ret = -EINVAL;
		} else {
			o->col[n++] = (enum output_col)c;
		}
	}
	free(copy);
	if (!ret && !n) {
		snprintf(why, why_len, "--output: no column given");
		ret = -EINVAL;
	}
	o->ncols = n;
	return ret;
}

/* ---- cells ---- */

void output_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	int exp = 0;
	uint64_t dec = bytes, frac = 0;

	while (exp < 60 && bytes >= (1ULL << (exp + 10)))
		exp += 10;
	if (exp) {
		dec = bytes >> exp;
		frac = bytes & ((1ULL << exp) - 1);
		/* three digits, then round to one as util-linux does */
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) >> (exp - 10);
		else
			frac = (frac * 1000) >> exp;
		frac = ((frac + 50) / 100);
		if (frac == 10) {
			dec++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", dec, frac,
			 letters[exp / 10]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", dec, letters[exp / 10]);
}

/* Format @v, a size, into @buf as asked. */
static void fmt_size(uint64_t v, bool bytes, char *buf, size_t len)
{
	if (bytes)
		snprintf(buf, len, "%" PRIu64, v);
	else
		output_human_size(v, buf, len);
}

char *output_cell(const struct probe_dev *d, enum output_col c, bool bytes)
{
	static const uint8_t mm_of[OUTPUT_NR_COLS] = {
	    [OUTPUT_COL_DATA] = STATS_MM_ORIG_DATA_SIZE + 1,
	    [OUTPUT_COL_COMPR] = STATS_MM_COMPR_DATA_SIZE + 1,
	    [OUTPUT_COL_TOTAL] = STATS_MM_MEM_USED_TOTAL + 1,
	    [OUTPUT_COL_MEM_LIMIT] = STATS_MM_MEM_LIMIT + 1,
	    [OUTPUT_COL_MEM_USED] = STATS_MM_MEM_USED_MAX + 1,
	    [OUTPUT_COL_ZERO_PAGES] = STATS_MM_SAME_PAGES + 1,
	    [OUTPUT_COL_MIGRATED] = STATS_MM_PAGES_COMPACTED + 1,
	    [OUTPUT_COL_HUGE_PAGES] = STATS_MM_HUGE_PAGES + 1,
	};
	/* bd_stat's column + 1, and what it is multiplied by: 4 KiB pages
	 * for zram's three, bytes for fzram's two */
	static const uint8_t bd_of[OUTPUT_NR_COLS] = {
	    [OUTPUT_COL_BD_COUNT] = PROBE_BD_COUNT + 1,
	    [OUTPUT_COL_BD_READS] = PROBE_BD_READS + 1,
	    [OUTPUT_COL_BD_WRITES] = PROBE_BD_WRITES + 1,
	    [OUTPUT_COL_BD_COMPR] = PROBE_BD_DATA_BYTES + 1,
	    [OUTPUT_COL_BD_USED] = PROBE_BD_USED_BYTES + 1,
	};
	/* policy_stat's column + 1 */
	static const uint8_t pol_of[OUTPUT_NR_COLS] = {
	    [OUTPUT_COL_SPILLED] = PROBE_POL_SPILLED + 1,
	    [OUTPUT_COL_POLICY_WB] = PROBE_POL_WRITTEN_BACK + 1,
	    [OUTPUT_COL_SPILL_WAITS] = PROBE_POL_SPILL_WAITS + 1,
	};
	static const uint8_t io_of[OUTPUT_NR_COLS] = {
	    [OUTPUT_COL_FAILED_READS] = PROBE_IO_FAILED_READS + 1,
	    [OUTPUT_COL_FAILED_WRITES] = PROBE_IO_FAILED_WRITES + 1,
	    [OUTPUT_COL_NOTIFY_FREE] = PROBE_IO_NOTIFY_FREE + 1,
	};
	char buf[64];
	uint64_t v;

	switch (c) {
	case OUTPUT_COL_NAME:
		return d->file ? ctl_xstrdup(d->file) : NULL;
	case OUTPUT_COL_MOUNTPOINT:
		return ctl_xstrdup(d->dir);
	case OUTPUT_COL_ALGORITHM:
		return *d->alg ? ctl_xstrdup(d->alg) : NULL;
	case OUTPUT_COL_STREAMS:
		snprintf(buf, sizeof(buf), "%ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
		return ctl_xstrdup(buf);
	case OUTPUT_COL_LOOP:
		if (!d->nloops)
			return NULL;
		snprintf(buf, sizeof(buf), "/dev/loop%u", d->loops[0]);
		return ctl_xstrdup(buf);
	case OUTPUT_COL_SWAP:
		return ctl_xstrdup(d->swap ? "yes" : "no");
	case OUTPUT_COL_BACKING:
		return d->backing ? ctl_xstrdup(d->backing) : NULL;
	case OUTPUT_COL_RECOMP:
		if (!d->has_recomp_alg)
			return NULL;
		return ctl_xstrdup(*d->recomp_alg ? d->recomp_alg : "-");
	case OUTPUT_COL_DISKSIZE:
		if (!d->has_size)
			return NULL;
		fmt_size(d->disksize, bytes, buf, sizeof(buf));
		return ctl_xstrdup(buf);
	case OUTPUT_COL_COMP_RATIO:
		if (!d->has_mm)
			return NULL;
		snprintf(buf, sizeof(buf), "%.4f",
			 d->mm[STATS_MM_MEM_USED_TOTAL]
			     ? (double)d->mm[STATS_MM_ORIG_DATA_SIZE] /
				   (double)d->mm[STATS_MM_MEM_USED_TOTAL]
			     : 0.0);
		return ctl_xstrdup(buf);
	default:
		break;
	}
	if (c == OUTPUT_COL_RECOMP_PAGES || c == OUTPUT_COL_RECOMP_COMPR) {
		if (!d->has_recomp_stat)
			return NULL;
		v = recomp_sum(c == OUTPUT_COL_RECOMP_PAGES ? d->recomp_pages
							    : d->recomp_bytes);
	} else if (bd_of[c]) {
		if (bd_of[c] > d->bd_cols)
			return NULL;
		v = d->bd[bd_of[c] - 1];
		if (bd_of[c] <= PROBE_BD_ZRAM_COLS)
			v *= FZ_PAGE_SIZE;
	} else if (pol_of[c]) {
		if (!d->has_policy)
			return NULL;
		v = d->policy[pol_of[c] - 1];
	} else if (c == OUTPUT_COL_SWAP_USED) {
		if (!d->has_swap_used)
			return NULL;
		v = d->swap_used;
	} else if (io_of[c]) {
		if (!d->has_io)
			return NULL;
		v = d->io[io_of[c] - 1];
	} else {
		if (!d->has_mm || !mm_of[c])
			return NULL;
		v = d->mm[mm_of[c] - 1];
	}
	if (cols[c].kind == KIND_SIZE)
		fmt_size(v, bytes, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return ctl_xstrdup(buf);
}

/* ---- the three forms ---- */

/* Print @s for --raw: blanks, controls and "\x" escaped as \xHH. */
static void put_raw(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isspace(ch) || iscntrl(ch) || (ch == '\\' && s[1] == 'x'))
			fprintf(f, "\\x%02x", ch);
		else
			putc(ch, f);
	}
}

/* Print @s as a JSON string. */
static void put_json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			putc(ch, f);
	}
	putc('"', f);
}

/* Print a lower-case column name as a JSON key. */
static void put_json_key(FILE *f, const char *name)
{
	char key[32];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(key); i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	key[i] = '\0';
	put_json_string(f, key);
	fputs(": ", f);
}

/* print_json() - {"fzram": [ {...}, ... ]}, as lsblk --json. */
static void print_json(FILE *f, const struct output_opts *o, char *const *tab,
		       size_t rows)
{
	fprintf(f, "{\n   \"fzram\": [");
	for (size_t r = 0; r < rows; r++) {
		fprintf(f, "%s\n      {", r ? "," : "");
		for (size_t c = 0; c < o->ncols; c++) {
			const char *v = tab[r * o->ncols + c];
			enum col_kind k = cols[o->col[c]].kind;

			fprintf(f, "%s\n         ", c ? "," : "");
			put_json_key(f, cols[o->col[c]].name);
			if (!v)
				fputs("null", f);
			else if (k == KIND_BOOL)
				fputs(!strcmp(v, "yes") ? "true" : "false", f);
			else if (k == KIND_COUNT || k == KIND_RATIO ||
				 (k == KIND_SIZE && o->bytes))
				fputs(v, f);
			else
				put_json_string(f, v);
		}
		fprintf(f, "\n      }");
	}
	fprintf(f, "%s]\n}\n", rows ? "\n   " : "");
}

/* Print one cell (@v may be NULL) padded to @w, or raw. */
static void put_cell(FILE *f, const struct output_opts *o, size_t c,
		     const char *v, size_t w)
{
	bool right = cols[o->col[c]].kind != KIND_TEXT &&
		     cols[o->col[c]].kind != KIND_BOOL;
	bool last = c + 1 == o->ncols;
	int pad = (int)(w - strlen(v ? v : ""));

	if (c)
		putc(' ', f);
	if (o->raw) {
		put_raw(f, v ? v : "");
		return;
	}
	if (right)
		fprintf(f, "%*s%s", pad, "", v ? v : "");
	else
		fprintf(f, "%s%*s", v ? v : "", last ? 0 : pad, "");
}

/* print_text() - aligned columns (header unless -n), or --raw. */
static void print_text(FILE *f, const struct output_opts *o, char *const *tab,
		       size_t rows)
{
	size_t w[OUTPUT_MAX_COLS];

	if (!rows)
		return; /* as zramctl: no devices, no header */
	for (size_t c = 0; c < o->ncols; c++) {
		w[c] = o->noheadings ? 0 : strlen(cols[o->col[c]].name);
		for (size_t r = 0; r < rows; r++) {
			const char *v = tab[r * o->ncols + c];

			if (v && strlen(v) > w[c])
				w[c] = strlen(v);
		}
	}
	if (!o->noheadings) {
		for (size_t c = 0; c < o->ncols; c++)
			put_cell(f, o, c, cols[o->col[c]].name, w[c]);
		putc('\n', f);
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < o->ncols; c++)
			put_cell(f, o, c, tab[r * o->ncols + c], w[c]);
		putc('\n', f);
	}
}

void output_print(FILE *f, const struct output_opts *o, char *const *tab,
		  size_t rows)
{
	if (o->json)
		print_json(f, o, tab, rows);
	else
		print_text(f, o, tab, rows);
}
