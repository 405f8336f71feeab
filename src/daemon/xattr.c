// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr.c - the user.fzram.* attributes: one table of {name, get, set}, each
 * entry a thin wrapper over a store statistic or control, in the text
 * format of the zram sysfs file of the same name.  Adding an attribute
 * (recompress...) is one function or two and one entry.
 *
 * Nothing here keeps state or takes a lock of its own: every value is read
 * from the store's relaxed counters (and served.h's) when asked for, so
 * two reads may see different numbers and a probe with size 0 may be
 * followed by -ERANGE if a column grew in between (getxattr(2) callers
 * retry on -ERANGE).  The slow controls (writeback, the backing store's
 * compaction) are handed to the tier's worker (tier.h), which runs them
 * off this thread; this thread waits for the result holding no lock.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "xattr.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "backing.h"
#include "codec.h"
#include "cpulat.h"
#include "dictfile.h"
#include "served.h"
#include "size.h"
#include "stats.h"
#include "store.h"
#include "tier.h"
#include "util.h"

/*
 * Longest value a getter makes: algorithm_params' line per priority, each
 * with a dictionary's path (below PATH_MAX); backing_dev's path and its
 * newline; mm_stat is 9 columns of up to 20 digits.
 */
#define XATTR_TEXT_MAX ((STORE_MAX_PRIO + 1) * (PATH_MAX + 64))

#define PREFIX_LEN (sizeof(FZ_XATTR_PREFIX) - 1)

/*
 * A getter writes the value into @buf of @len bytes and returns its length
 * or -errno; a setter gets the value already checked for length and NULs.
 * A NULL getter means write-only (-ENODATA), a NULL setter read-only
 * (-EPERM).
 */
struct xattr_def {
	const char *name; /* without FZ_XATTR_PREFIX */
	int (*get)(const struct xattr_ctx *x, char *buf, size_t len);
	int (*set)(const struct xattr_ctx *x, const char *value, size_t len);
};

static int fmt_u64(char *buf, size_t len, uint64_t v)
{
	int n = snprintf(buf, len, "%llu\n", (unsigned long long)v);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* One trailing newline is allowed on every value written (echo adds it). */
static size_t chomp(const char *value, size_t len)
{
	return len && value[len - 1] == '\n' ? len - 1 : len;
}

/*
 * parse_u64() - @len bytes of decimal digits (no sign, no space) into
 * *@out.  Return: 0, -EINVAL (empty, not a digit, above UINT64_MAX).
 */
static int parse_u64(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * parse_int() - @len bytes of an optional '-' and decimal digits into
 * *@out.  Return: 0, -EINVAL (empty, not a number, outside int).
 */
static int parse_int(const char *p, size_t len, int *out)
{
	bool neg = len && p[0] == '-';
	uint64_t v;

	if (parse_u64(p + neg, len - neg, &v) || v > (uint64_t)INT_MAX + neg)
		return -EINVAL;
	*out = neg ? (int)-(int64_t)v : (int)v;
	return 0;
}

/* the enum codec_alg named by the @len bytes at @p; -1 if none is */
static int alg_by_name(const char *p, size_t len)
{
	for (int i = 0; i < CODEC_NR_ALGS; i++)
		if (strlen(codec_name(i)) == len &&
		    memcmp(codec_name(i), p, len) == 0)
			return i;
	return -1;
}

/* the lowest set priority (from @first, up to STORE_MAX_PRIO) of
 * algorithm @alg; -1 */
static int recomp_prio_of(struct store *s, int alg, unsigned int first)
{
	struct codec c;

	for (unsigned int prio = first; prio <= STORE_MAX_PRIO; prio++)
		if (store_recomp(s, prio, &c) && (int)c.alg == alg)
			return (int)prio;
	return -1;
}

/*
 * next_word() - the next word (run of bytes other than space and tab) of
 * the @len bytes at @v from *@at, into *@w and *@wlen.
 * Return: false when there is none left.
 */
static bool next_word(const char *v, size_t len, size_t *at, const char **w,
		      size_t *wlen)
{
	size_t i = *at, start;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i == len) {
		*at = i;
		return false;
	}
	start = i;
	while (i < len && v[i] != ' ' && v[i] != '\t')
		i++;
	*w = v + start;
	*wlen = i - start;
	*at = i;
	return true;
}

/*
 * split_key() - a "key=value" word into the index of its key in @keys
 * (NULL-terminated) and its value.  Return: the index, or -1 when the word
 * has no '=' or an unknown key.
 */
static int split_key(const char *w, size_t wlen, const char *const *keys,
		     const char **val, size_t *vlen)
{
	const char *eq = memchr(w, '=', wlen);
	size_t klen;

	if (!eq)
		return -1;
	klen = (size_t)(eq - w);
	for (int k = 0; keys[k]; k++) {
		if (strlen(keys[k]) == klen && memcmp(keys[k], w, klen) == 0) {
			*val = eq + 1;
			*vlen = wlen - klen - 1;
			return k;
		}
	}
	return -1;
}

/*
 * Write-only triggers have no value, but listxattr names them, and
 * `getfattr -d -m -` reads every name it lists: -ENODATA there would make
 * it report an error for an attribute it was just told exists.  So they
 * read as an empty value.
 */
static int get_empty(const struct xattr_ctx *x, char *buf, size_t len)
{
	(void)x;
	if (len)
		buf[0] = '\0';
	return 0;
}

/* ---- read-only --------------------------------------------------------- */

static int get_bd_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct stats_bd bd;

	store_bd(x->store, &bd);
	return stats_format_bd(&bd, buf, len);
}

/*
 * Append "lz4 lz4hc [zstd]\n" (every algorithm, @sel in brackets) at
 * *@n of @buf (@len bytes, NUL-terminated after).  Return: 0, -ENOSPC.
 */
static int fmt_alg_line(char *buf, size_t len, size_t *n, enum codec_alg sel)
{
	for (int i = 0; i < CODEC_NR_ALGS; i++) {
		bool on = (int)sel == i;
		int w = snprintf(buf + *n, len - *n, "%s%s%s%s", i ? " " : "",
				 on ? "[" : "", codec_name((enum codec_alg)i),
				 on ? "]" : "");

		if (w < 0 || (size_t)w >= len - *n)
			return -ENOSPC;
		*n += (size_t)w;
	}
	if (*n + 2 > len)
		return -ENOSPC;
	buf[(*n)++] = '\n';
	buf[*n] = '\0';
	return 0;
}

static int get_comp_algorithm(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct codec c;
	size_t n = 0;

	store_recomp(x->store, 0, &c); /* priority 0: the primary */
	return fmt_alg_line(buf, len, &n, c.alg) ? -ENOSPC : (int)n;
}

/*
 * zram's two columns, then the daemon's own at the end of the line: the
 * requests each transport served (served.h), one column per transport.
 */
static int get_debug_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	const struct stats *st = store_stats(x->store);
	int n = stats_format_debug(stats_read(st->miss_free), buf, len);
	size_t at;

	if (n < 1 || buf[n - 1] != '\n')
		return n < 0 ? n : -ENOSPC;
	at = (size_t)n - 1; /* over the newline */
	for (int by = 0; by < SERVED_NR; by++) {
		int w = snprintf(buf + at, len - at, " %8llu",
				 (unsigned long long)served_read(by));

		if (w < 0 || (size_t)w >= len - at)
			return -ENOSPC;
		at += (size_t)w;
	}
	if (at + 2 > len)
		return -ENOSPC;
	buf[at++] = '\n';
	buf[at] = '\0';
	return (int)at;
}

static int get_cpu_latency_stat(const struct xattr_ctx *x, char *buf,
				size_t len)
{
	struct cpulat_stat cs;
	int n;

	cpulat_stat(x->cpulat, &cs);
	n = snprintf(buf, len, "%8d %8u %8llu %8llu %8d %8llu\n",
		     x->cpulat ? cs.limit_us : -1, cs.hold_ms,
		     (unsigned long long)cs.holds,
		     (unsigned long long)cs.held_ms, cs.active,
		     (unsigned long long)cs.errors);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int get_disksize(const struct xattr_ctx *x, char *buf, size_t len)
{
	return fmt_u64(buf, len, store_size(x->store));
}

static int get_io_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct stats_io io;

	store_io(x->store, &io);
	return stats_format_io(&io, buf, len);
}

static int get_mm_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(x->store, &mm);
	return stats_format_mm(&mm, buf, len);
}

/*
 * fzram's own: for priorities 0 (the primary) to STORE_MAX_PRIO, the slots
 * in RAM stored with it, then their compressed bytes.
 */
static int get_recomp_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	uint64_t pages[STORE_MAX_PRIO + 1], bytes[STORE_MAX_PRIO + 1];
	int n;

	_Static_assert(STORE_MAX_PRIO == 3, "recomp_stat's eight columns");
	store_recomp_stats(x->store, pages, bytes);
	n = snprintf(buf, len,
		     "%8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
		     (unsigned long long)pages[0], (unsigned long long)bytes[0],
		     (unsigned long long)pages[1], (unsigned long long)bytes[1],
		     (unsigned long long)pages[2], (unsigned long long)bytes[2],
		     (unsigned long long)pages[3], (unsigned long long)bytes[3]);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/*
 * A fresh random sample of the stored pages, in fzram.h's FZ_SAMPLE_*
 * format, into @buf of at least FZ_SAMPLE_MAX bytes; store_sample()
 * changes no slot, access time or counter.
 */
static int get_sample(const struct xattr_ctx *x, char *buf, size_t len)
{
	uint64_t slots[FZ_SAMPLE_PAGES], seed;
	unsigned char *pages;
	struct timespec ts;
	uint32_t count;
	int n;

	if (len < FZ_SAMPLE_MAX)
		return -ERANGE;
	/* 60 KiB: not on the swap path, and freed before the reply */
	pages = malloc((size_t)FZ_SAMPLE_PAGES * FZ_PAGE_SIZE);
	if (!pages)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	n = store_sample(x->store, &seed, pages, slots, FZ_SAMPLE_PAGES);
	if (n >= 0) {
		count = (uint32_t)n;
		memcpy(buf, FZ_SAMPLE_MAGIC, 4);
		memcpy(buf + 4, &count, 4);
		for (int i = 0; i < n; i++) {
			char *rec = buf + FZ_SAMPLE_HDR + i * FZ_SAMPLE_REC;

			memcpy(rec, &slots[i], 8);
			memcpy(rec + 8, pages + (size_t)i * FZ_PAGE_SIZE,
			       FZ_PAGE_SIZE);
		}
		n = FZ_SAMPLE_HDR + n * FZ_SAMPLE_REC;
	}
	free(pages);
	return n;
}

/* ---- read-write -------------------------------------------------------- */

/* The path given at mount (made absolute by the options), or "none". */
static int get_backing_dev(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct backing *bk = store_backing(x->store);
	int n = snprintf(buf, len, "%s\n", bk ? backing_path(bk) : "none");

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/*
 * zram takes backing_dev before the device is set up; fzram's store is set
 * up at mount, with the backing store given there (-o backing=): a write
 * is refused as zram refuses one to a device in use.
 */
static int set_backing_dev(const struct xattr_ctx *x, const char *value,
			   size_t len)
{
	(void)x;
	(void)value;
	(void)len;
	return -EBUSY;
}

/* Reads what the store enforces: the limit rounded up to whole pages. */
static int get_mem_limit(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(x->store, &mm);
	return fmt_u64(buf, len, mm.mem_limit);
}

static int set_mem_limit(const struct xattr_ctx *x, const char *value,
			 size_t len)
{
	uint64_t bytes;

	/* -ERANGE from size_parse is a malformed value here too */
	if (size_parse(value, len, &bytes))
		return -EINVAL;
	/*
	 * The store rounds up to pages with (bytes + 4095) / 4096, which
	 * would wrap a limit within a page of UINT64_MAX to "no limit" or
	 * to one page: clamp it to the largest whole page instead.
	 */
	if (bytes > UINT64_MAX - (FZ_PAGE_SIZE - 1))
		bytes = UINT64_MAX & ~(uint64_t)(FZ_PAGE_SIZE - 1);
	store_set_mem_limit(x->store, bytes);
	return 0;
}

static int get_mem_used_max(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(x->store, &mm);
	return fmt_u64(buf, len, mm.mem_used_max);
}

/* As zram: "0" is the only value, and it resets the peak to the use now. */
static int set_mem_used_max(const struct xattr_ctx *x, const char *value,
			    size_t len)
{
	len = chomp(value, len);
	if (len != 1 || value[0] != '0')
		return -EINVAL;
	store_reset_mem_used_max(x->store);
	return 0;
}

/*
 * One line per set priority, lowest first: "#N: " and comp_algorithm's
 * list with that priority's algorithm in brackets; empty when none is set.
 */
static int get_recomp_algorithm(const struct xattr_ctx *x, char *buf,
				size_t len)
{
	size_t n = 0;
	struct codec c;

	if (len)
		buf[0] = '\0';
	for (unsigned int prio = 1; prio <= STORE_MAX_PRIO; prio++) {
		int w;

		if (!store_recomp(x->store, prio, &c))
			continue;
		w = snprintf(buf + n, len - n, "#%u: ", prio);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
		if (fmt_alg_line(buf, len, &n, c.alg))
			return -ENOSPC;
	}
	return (int)n;
}

/* The level is the algorithm's default; algorithm_params changes it. */
static int set_recomp_algorithm(const struct xattr_ctx *x, const char *value,
				size_t len)
{
	enum codec_alg alg;
	unsigned int prio;
	int err;

	err = xattr_parse_recomp_algorithm(value, len, &prio, &alg);
	if (err)
		return err;
	return store_set_recomp(x->store, prio, codec_name(alg),
				CODEC_LEVEL_DEFAULT);
}

static int get_writeback_batch_size(const struct xattr_ctx *x, char *buf,
				    size_t len)
{
	return fmt_u64(buf, len, store_wb_batch(x->store));
}

static int set_writeback_batch_size(const struct xattr_ctx *x,
				    const char *value, size_t len)
{
	uint64_t n;

	if (parse_u64(value, chomp(value, len), &n) || n < 1 ||
	    n > BK_MAX_BATCH)
		return -EINVAL;
	return store_set_wb_batch(x->store, (unsigned int)n);
}

static int get_writeback_limit(const struct xattr_ctx *x, char *buf, size_t len)
{
	return fmt_u64(buf, len, store_wb_limit(x->store));
}

/* In 4 KiB pages, as zram; spent only while writeback_limit_enable is 1. */
static int set_writeback_limit(const struct xattr_ctx *x, const char *value,
			       size_t len)
{
	uint64_t pages;

	if (parse_u64(value, chomp(value, len), &pages))
		return -EINVAL;
	store_set_wb_limit(x->store, pages);
	return 0;
}

static int get_writeback_limit_enable(const struct xattr_ctx *x, char *buf,
				      size_t len)
{
	return fmt_u64(buf, len, store_wb_limit_enabled(x->store) ? 1 : 0);
}

static int set_writeback_limit_enable(const struct xattr_ctx *x,
				      const char *value, size_t len)
{
	len = chomp(value, len);
	if (len != 1 || (value[0] != '0' && value[0] != '1'))
		return -EINVAL;
	store_set_wb_limit_enable(x->store, value[0] == '1');
	return 0;
}

/* ---- write-only -------------------------------------------------------- */

/*
 * Any value, as zram's compact; the pages freed show in mm_stat.  Then the
 * backing store, on the tier's worker (it moves objects on disk).
 */
static int set_compact(const struct xattr_ctx *x, const char *value, size_t len)
{
	int64_t freed;

	(void)value;
	(void)len;
	if (!x->tier) {
		store_compact(x->store);
		return 0;
	}
	if (!x->wait)
		return tier_start_compact(x->tier);
	freed = tier_compact(x->tier);
	return freed < 0 ? (int)freed : 0;
}

/*
 * "all", or the seconds since the last access (zram's age form, decimal,
 * at most 2^32 - 1): slots not read or written for at least that long.
 */
static int set_idle(const struct xattr_ctx *x, const char *value, size_t len)
{
	uint64_t age;

	len = chomp(value, len);
	if (len == 3 && memcmp(value, "all", 3) == 0) {
		store_mark_idle(x->store, true, 0);
		return 0;
	}
	if (parse_u64(value, len, &age) || age > UINT32_MAX)
		return -EINVAL;
	store_mark_idle(x->store, false, (uint32_t)age);
	return 0;
}

static int set_writeback(const struct xattr_ctx *x, const char *value,
			 size_t len)
{
	struct store_wb_req req;
	int err;

	err = xattr_parse_writeback(value, len,
				    store_size(x->store) / FZ_PAGE_SIZE, &req);
	if (err)
		return err;
	if (!x->tier || !store_backing(x->store))
		return -ENODEV;
	/* a budget spent at the start: zram's EIO, also for a job started
	 * and not waited for (its result would show only in tier_stat) */
	if (store_wb_limit_enabled(x->store) && !store_wb_limit(x->store))
		return -EIO;
	if (!x->wait)
		return tier_start_writeback(x->tier, &req);
	return tier_writeback(x->tier, &req, NULL);
}

/*
 * One line per set priority, lowest first: "priority=N algo=NAME level=L"
 * and " dict=PATH" when it has a dictionary, as algorithm_params takes
 * them (zram's attribute is write-only; reading it here shows what is
 * in force).
 */
static int get_algorithm_params(const struct xattr_ctx *x, char *buf,
				size_t len)
{
	char path[PATH_MAX];
	size_t n = 0;
	struct codec c;

	if (len)
		buf[0] = '\0';
	for (unsigned int prio = 0; prio <= STORE_MAX_PRIO; prio++) {
		uint32_t id;
		int level, w;

		if (!store_recomp(x->store, prio, &c) ||
		    !store_params(x->store, prio, &level, path, sizeof(path),
				  &id))
			continue;
		w = snprintf(buf + n, len - n,
			     "priority=%u algo=%s level=%d%s%s\n", prio,
			     codec_name(c.alg), level, id ? " dict=" : "",
			     id ? path : "");
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return (int)n;
}

/*
 * The level and dictionary of a set priority (named by its number or its
 * algorithm; the primary is priority 0), for the pages compressed from
 * now on, both replaced as zram's: a level not given is the algorithm's
 * default, a dictionary not given is none.  Slots keep decoding with what
 * they were made with.
 */
static int set_algorithm_params(const struct xattr_ctx *x, const char *value,
				size_t len)
{
	struct xattr_algo_params p;
	struct codec_dict *d = NULL;
	char path[PATH_MAX], why[128];
	struct codec c, check;
	int err, level;

	err = xattr_parse_algorithm_params(value, len, &p);
	if (err)
		return err;
	if (p.prio < 0) {
		p.prio = recomp_prio_of(x->store, p.alg, 0);
		if (p.prio < 0)
			return -EINVAL;
	}
	if (!store_recomp(x->store, (unsigned int)p.prio, &c))
		return -ENOENT;
	if (p.alg >= 0 && (int)c.alg != p.alg)
		return -EINVAL;
	level = p.has_level ? p.level : CODEC_LEVEL_DEFAULT;
	err = codec_init(&check, codec_name(c.alg), level);
	if (err)
		return err;
	if (p.dict) {
		/* the daemon's directory is /: a path must say where */
		if (p.dict[0] != '/' || p.dict_len >= sizeof(path) ||
		    memchr(p.dict, '\0', p.dict_len))
			return -EINVAL;
		memcpy(path, p.dict, p.dict_len);
		path[p.dict_len] = '\0';
		err = dictfile_load(path, c.alg, check.level, &d, why,
				    sizeof(why));
		if (err) {
			fz_log(LOG_WARNING, "algorithm_params: dict=%s: %s",
			       path, why);
			return err;
		}
	}
	err = store_set_params(x->store, (unsigned int)p.prio, check.level, d,
			       p.dict ? path : NULL);
	codec_dict_put(d);
	if (err == -ENOSPC)
		fz_log(LOG_WARNING,
		       "algorithm_params: %d dictionaries are in use already",
		       STORE_MAX_DICTS);
	return err;
}

static int set_recompress(const struct xattr_ctx *x, const char *value,
			  size_t len)
{
	struct store_recomp_req req;
	struct codec c;
	int err, alg, prio;

	err = xattr_parse_recompress(value, len, &req, &alg);
	if (err)
		return err;
	if (alg >= 0) {
		prio = recomp_prio_of(x->store, alg, 1);
		if (prio < 0)
			return -EINVAL;
		if (req.prio && req.prio != (unsigned int)prio)
			return -EINVAL;
		req.prio = (unsigned int)prio;
	} else if (req.prio && !store_recomp(x->store, req.prio, &c)) {
		/* the store says -EINVAL too, but -ENOENT if none is set */
		return -EINVAL;
	}
	if (!x->tier)
		return store_recompress(x->store, &req, NULL);
	if (!x->wait) {
		bool any = false;

		/* what the job would find at once, told now */
		for (unsigned int q = 1; q <= STORE_MAX_PRIO; q++)
			any |= store_recomp(x->store, q, &c);
		return any ? tier_start_recompress(x->tier, &req) : -ENOENT;
	}
	return tier_recompress(x->tier, &req, NULL);
}

/*
 * One line per kind of job, "NAME state=idle|queued|running runs=N
 * last=R count=N": the tier's record of the jobs (started or waited for),
 * for those started through the file, which returns before they run.
 */
static int get_tier_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	static const char *const kind[] = {"writeback", "recompress",
					   "compact"};
	size_t n = 0;

	_Static_assert(TIER_NR_KINDS == 3, "a name per kind");
	if (len)
		buf[0] = '\0';
	for (unsigned int k = 0; k < TIER_NR_KINDS; k++) {
		struct tier_status st = {0};
		int w;

		if (x->tier)
			tier_get_status(x->tier, (enum tier_kind)k, &st);
		w = snprintf(buf + n, len - n,
			     "%s state=%s runs=%llu last=%lld count=%llu\n",
			     kind[k],
			     st.running  ? "running"
			     : st.queued ? "queued"
					 : "idle",
			     (unsigned long long)st.runs, (long long)st.last,
			     (unsigned long long)st.last_count);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return (int)n;
}

/* ---- the writeback line ------------------------------------------------ */

static const struct {
	const char *name;
	unsigned int mode;
} wb_modes[] = {
    {"idle", STORE_WB_IDLE},
    {"huge", STORE_WB_HUGE},
    {"huge_idle", STORE_WB_HUGE | STORE_WB_IDLE},
    {"incompressible", STORE_WB_INCOMPRESSIBLE},
};

/* the mode named by the @len bytes at @p; 0 if none is */
static unsigned int wb_mode(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(wb_modes) / sizeof(wb_modes[0]); i++)
		if (strlen(wb_modes[i].name) == len &&
		    memcmp(wb_modes[i].name, p, len) == 0)
			return wb_modes[i].mode;
	return 0;
}

/* whether the word [@p, @p + @len) is "@key=...": *@val gets what follows */
static bool wb_key(const char *p, size_t len, const char *key, const char **val,
		   size_t *vlen)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(p, key, k) != 0 || p[k] != '=')
		return false;
	*val = p + k + 1;
	*vlen = len - k - 1;
	return true;
}

static int wb_add_range(struct store_wb_req *req, uint64_t lo, uint64_t hi,
			uint64_t nr_slots)
{
	if (lo > hi || hi >= nr_slots || req->nranges >= STORE_WB_MAX_RANGES)
		return -EINVAL;
	req->range[req->nranges].lo = lo;
	req->range[req->nranges].hi = hi;
	req->nranges++;
	return 0;
}

/* one word of the line; Return: 0, -EINVAL */
static int wb_word(const char *p, size_t len, uint64_t nr_slots,
		   struct store_wb_req *req)
{
	const char *v, *dash;
	unsigned int mode;
	uint64_t lo, hi;
	size_t vlen;

	mode = wb_mode(p, len);
	if (mode) {
		req->mode |= mode;
		return 0;
	}
	if (wb_key(p, len, "type", &v, &vlen)) {
		mode = wb_mode(v, vlen);
		if (!mode)
			return -EINVAL;
		req->mode |= mode;
		return 0;
	}
	if (wb_key(p, len, "page_index", &v, &vlen)) {
		if (parse_u64(v, vlen, &lo))
			return -EINVAL;
		return wb_add_range(req, lo, lo, nr_slots);
	}
	if (wb_key(p, len, "page_indexes", &v, &vlen)) {
		dash = memchr(v, '-', vlen);
		if (!dash || parse_u64(v, (size_t)(dash - v), &lo) ||
		    parse_u64(dash + 1, vlen - (size_t)(dash - v) - 1, &hi))
			return -EINVAL;
		return wb_add_range(req, lo, hi, nr_slots);
	}
	return -EINVAL;
}

int xattr_parse_writeback(const char *value, size_t len, uint64_t nr_slots,
			  struct store_wb_req *req)
{
	size_t i = 0, words = 0;
	int err;

	memset(req, 0, sizeof(*req));
	if (len && !value)
		return -EINVAL;
	len = chomp(value, len);
	while (i < len) {
		size_t start;

		if (value[i] == ' ' || value[i] == '\t') {
			i++;
			continue;
		}
		start = i;
		while (i < len && value[i] != ' ' && value[i] != '\t')
			i++;
		err = wb_word(value + start, i - start, nr_slots, req);
		if (err)
			return err;
		words++;
	}
	return words ? 0 : -EINVAL;
}

/* ---- the recompression lines ------------------------------------------ */

enum { RA_ALGO, RA_PRIORITY, RA_NR };

int xattr_parse_recomp_algorithm(const char *value, size_t len,
				 unsigned int *prio, enum codec_alg *alg)
{
	static const char *const keys[] = {"algo", "priority", NULL};
	bool seen[RA_NR] = {false};
	const char *w, *v;
	size_t at = 0, wlen, vlen;
	bool unknown_alg = false;
	uint64_t n;
	int k, a;

	if (len && !value)
		return -EINVAL;
	len = chomp(value, len);
	if (memchr(value, '\n', len))
		return -EINVAL; /* one line only */
	*prio = 1;
	while (next_word(value, len, &at, &w, &wlen)) {
		k = split_key(w, wlen, keys, &v, &vlen);
		if (k < 0 || seen[k])
			return -EINVAL;
		seen[k] = true;
		if (k == RA_ALGO) {
			if (!vlen)
				return -EINVAL;
			a = alg_by_name(v, vlen);
			unknown_alg = a < 0;
			if (a >= 0)
				*alg = (enum codec_alg)a;
		} else if (parse_u64(v, vlen, &n) || n < 1 ||
			   n > STORE_MAX_PRIO) {
			return -EINVAL;
		} else {
			*prio = (unsigned int)n;
		}
	}
	if (!seen[RA_ALGO])
		return -EINVAL;
	return unknown_alg ? -ENOENT : 0;
}

enum { AP_PRIORITY, AP_ALGO, AP_LEVEL, AP_DICT, AP_NR };

int xattr_parse_algorithm_params(const char *value, size_t len,
				 struct xattr_algo_params *p)
{
	static const char *const keys[] = {"priority", "algo", "level",
					   "dict", NULL};
	bool seen[AP_NR] = {false};
	const char *w, *v;
	size_t at = 0, wlen, vlen;
	uint64_t n;
	int k;

	memset(p, 0, sizeof(*p));
	p->prio = -1;
	p->alg = -1;
	if (len && !value)
		return -EINVAL;
	len = chomp(value, len);
	if (memchr(value, '\n', len))
		return -EINVAL; /* one line only */
	while (next_word(value, len, &at, &w, &wlen)) {
		k = split_key(w, wlen, keys, &v, &vlen);
		if (k < 0 || seen[k])
			return -EINVAL;
		seen[k] = true;
		switch (k) {
		case AP_PRIORITY:
			if (parse_u64(v, vlen, &n) || n > STORE_MAX_PRIO)
				return -EINVAL;
			p->prio = (int)n;
			break;
		case AP_ALGO:
			p->alg = alg_by_name(v, vlen);
			if (p->alg < 0)
				return -EINVAL;
			break;
		case AP_LEVEL:
			if (parse_int(v, vlen, &p->level))
				return -EINVAL;
			p->has_level = true;
			break;
		default: /* AP_DICT */
			if (!vlen)
				return -EINVAL;
			p->dict = v;
			p->dict_len = vlen;
			break;
		}
	}
	return p->prio < 0 && p->alg < 0 ? -EINVAL : 0;
}

enum { RC_TYPE, RC_THRESHOLD, RC_MAX_PAGES, RC_PRIORITY, RC_ALGO, RC_NR };

int xattr_parse_recompress(const char *value, size_t len,
			   struct store_recomp_req *req, int *alg)
{
	static const char *const keys[] = {"type",     "threshold",
					   "max_pages", "priority",
					   "algo",     NULL};
	bool seen[RC_NR] = {false};
	const char *w, *v;
	size_t at = 0, wlen, vlen;
	unsigned int mode;
	uint64_t n;
	int k, words = 0;

	memset(req, 0, sizeof(*req));
	*alg = -1;
	if (len && !value)
		return -EINVAL;
	len = chomp(value, len);
	if (memchr(value, '\n', len))
		return -EINVAL; /* one line only */
	while (next_word(value, len, &at, &w, &wlen)) {
		k = split_key(w, wlen, keys, &v, &vlen);
		if (k < 0 || seen[k])
			return -EINVAL;
		seen[k] = true;
		words++;
		if (k == RC_ALGO) {
			*alg = alg_by_name(v, vlen);
			if (*alg < 0)
				return -EINVAL;
			continue;
		}
		if (k == RC_TYPE) {
			mode = wb_mode(v, vlen);
			if (!mode || (mode & STORE_WB_INCOMPRESSIBLE))
				return -EINVAL;
			req->mode = mode;
			continue;
		}
		if (parse_u64(v, vlen, &n))
			return -EINVAL;
		if (k == RC_THRESHOLD) {
			if (n > FZ_PAGE_SIZE)
				return -EINVAL;
			req->threshold = (unsigned int)n;
		} else if (k == RC_MAX_PAGES) {
			req->max_pages = n;
		} else { /* RC_PRIORITY */
			if (n < 1 || n > STORE_MAX_PRIO)
				return -EINVAL;
			req->prio = (unsigned int)n;
		}
	}
	return words ? 0 : -EINVAL;
}

/* ---- the table ---------------------------------------------------------- */

/*
 * The attributes, in strcmp order of their names so that listxattr's
 * output is sorted (and getfattr's dump is stable).
 */
static const struct xattr_def xattrs[] = {
    {"algorithm_params", get_algorithm_params, set_algorithm_params},
    {"backing_dev", get_backing_dev, set_backing_dev},
    {"bd_stat", get_bd_stat, NULL},
    {"comp_algorithm", get_comp_algorithm, NULL},
    {"compact", get_empty, set_compact},
    {"cpu_latency_stat", get_cpu_latency_stat, NULL},
    {"debug_stat", get_debug_stat, NULL},
    {"disksize", get_disksize, NULL},
    {"idle", get_empty, set_idle},
    {"io_stat", get_io_stat, NULL},
    {"mem_limit", get_mem_limit, set_mem_limit},
    {"mem_used_max", get_mem_used_max, set_mem_used_max},
    {"mm_stat", get_mm_stat, NULL},
    {"policy", xattr_get_policy, xattr_set_policy},
    {"policy_stat", xattr_get_policy_stat, NULL},
    {"recomp_algorithm", get_recomp_algorithm, set_recomp_algorithm},
    {"recomp_stat", get_recomp_stat, NULL},
    {"recompress", get_empty, set_recompress},
    {"tier_stat", get_tier_stat, NULL},
    {"writeback", get_empty, set_writeback},
    {"writeback_batch_size", get_writeback_batch_size,
     set_writeback_batch_size},
    {"writeback_limit", get_writeback_limit, set_writeback_limit},
    {"writeback_limit_enable", get_writeback_limit_enable,
     set_writeback_limit_enable},
};

#define NR_XATTRS (sizeof(xattrs) / sizeof(xattrs[0]))

/*
 * Binary values, read-only and not named by listxattr (getfattr -d would
 * dump them): the getter makes the value straight into the caller's
 * buffer of at least @max bytes; a size query gets @max, since every read
 * draws a new value.
 */
static const struct {
	const char *name; /* without FZ_XATTR_PREFIX */
	int (*get)(const struct xattr_ctx *x, char *buf, size_t len);
	size_t max;
} bin_xattrs[] = {
    {"sample", get_sample, FZ_SAMPLE_MAX},
};

#define NR_BIN_XATTRS (sizeof(bin_xattrs) / sizeof(bin_xattrs[0]))

/* The index of binary attribute @name, or -1. */
static int lookup_bin(const char *name)
{
	if (!name || strncmp(name, FZ_XATTR_PREFIX, PREFIX_LEN) != 0)
		return -1;
	for (size_t i = 0; i < NR_BIN_XATTRS; i++)
		if (strcmp(bin_xattrs[i].name, name + PREFIX_LEN) == 0)
			return (int)i;
	return -1;
}

static const struct xattr_def *lookup(const char *name)
{
	if (!name || strncmp(name, FZ_XATTR_PREFIX, PREFIX_LEN) != 0)
		return NULL;
	name += PREFIX_LEN;
	for (size_t i = 0; i < NR_XATTRS; i++)
		if (strcmp(xattrs[i].name, name) == 0)
			return &xattrs[i];
	return NULL;
}

int xattr_get(const struct xattr_ctx *x, const char *name, char *buf,
	      size_t size)
{
	const struct xattr_def *d = lookup(name);
	char text[XATTR_TEXT_MAX];
	int b = lookup_bin(name);
	int n;

	if (b >= 0 && size == 0)
		return (int)bin_xattrs[b].max;
	if (b >= 0)
		return size < bin_xattrs[b].max ? -ERANGE
						: bin_xattrs[b].get(x, buf, size);
	if (!d || !d->get)
		return -ENODATA;
	n = d->get(x, text, sizeof(text));
	if (n < 0)
		return n; /* -ENOSPC: XATTR_TEXT_MAX is too small, a bug */
	if (size == 0)
		return n;
	if ((size_t)n > size)
		return -ERANGE;
	memcpy(buf, text, (size_t)n);
	return n;
}

int xattr_set(const struct xattr_ctx *x, const char *name, const char *value,
	      size_t len)
{
	const struct xattr_def *d = lookup(name);

	if (!d && lookup_bin(name) >= 0)
		return -EPERM;
	if (!d)
		return -ENODATA;
	if (!d->set)
		return -EPERM;
	if (len > XATTR_VALUE_MAX || (len && !value) ||
	    (len && memchr(value, '\0', len)))
		return -EINVAL;
	return d->set(x, value, len);
}

int xattr_list(char *buf, size_t size)
{
	size_t total = 0;

	for (size_t i = 0; i < NR_XATTRS; i++)
		total += PREFIX_LEN + strlen(xattrs[i].name) + 1;
	if (size == 0)
		return (int)total;
	if (size < total)
		return -ERANGE;
	for (size_t i = 0, n = 0; i < NR_XATTRS; i++) {
		size_t l = strlen(xattrs[i].name);

		memcpy(buf + n, FZ_XATTR_PREFIX, PREFIX_LEN);
		memcpy(buf + n + PREFIX_LEN, xattrs[i].name, l + 1);
		n += PREFIX_LEN + l + 1;
	}
	return (int)total;
}
