// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr.c - the user.fzram.* attributes: one table of {name, get, set}, each
 * entry a thin wrapper over a store statistic or control, in the text
 * format of the zram sysfs file of the same name.  Adding an attribute
 * (idle, writeback, recompress...) is one function or two and one entry.
 *
 * Nothing here keeps state or takes a lock of its own: every value is read
 * from the store's relaxed counters (and served.h's) when asked for, so
 * two reads may see different numbers and a probe with size 0 may be
 * followed by -ERANGE if a column grew in between (getxattr(2) callers
 * retry on -ERANGE).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "xattr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "served.h"
#include "size.h"
#include "stats.h"
#include "store.h"

/* Longest value xattr_set() accepts; every valid one is far shorter. */
#define XATTR_VALUE_MAX 64
/* Longest value a getter makes: mm_stat is 9 columns of up to 20 digits. */
#define XATTR_TEXT_MAX 256

#define PREFIX_LEN (sizeof(FZ_XATTR_PREFIX) - 1)

/*
 * A getter writes the value into @buf of @len bytes and returns its length
 * or -errno; a setter gets the value already checked for length and NULs.
 * A NULL getter means write-only (-ENODATA), a NULL setter read-only
 * (-EPERM).
 */
struct xattr_def {
	const char *name; /* without FZ_XATTR_PREFIX */
	int (*get)(struct store *s, char *buf, size_t len);
	int (*set)(struct store *s, const char *value, size_t len);
};

static int fmt_u64(char *buf, size_t len, uint64_t v)
{
	int n = snprintf(buf, len, "%llu\n", (unsigned long long)v);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* ---- read-only --------------------------------------------------------- */

static int get_comp_algorithm(struct store *s, char *buf, size_t len)
{
	const char *cur = store_algorithm(s);
	size_t n = 0;

	for (int i = 0; i < CODEC_NR_ALGS; i++) {
		const char *name = codec_name((enum codec_alg)i);
		bool sel = strcmp(name, cur) == 0;
		int w = snprintf(buf + n, len - n, "%s%s%s%s", i ? " " : "",
				 sel ? "[" : "", name, sel ? "]" : "");

		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	if (n + 2 > len)
		return -ENOSPC;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

/*
 * zram's two columns, then the daemon's own at the end of the line: the
 * requests each transport served (served.h), one column per transport.
 */
static int get_debug_stat(struct store *s, char *buf, size_t len)
{
	const struct stats *st = store_stats(s);
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

static int get_disksize(struct store *s, char *buf, size_t len)
{
	return fmt_u64(buf, len, store_size(s));
}

static int get_io_stat(struct store *s, char *buf, size_t len)
{
	struct stats_io io;

	store_io(s, &io);
	return stats_format_io(&io, buf, len);
}

static int get_mm_stat(struct store *s, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(s, &mm);
	return stats_format_mm(&mm, buf, len);
}

/* ---- read-write -------------------------------------------------------- */

/* Reads what the store enforces: the limit rounded up to whole pages. */
static int get_mem_limit(struct store *s, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(s, &mm);
	return fmt_u64(buf, len, mm.mem_limit);
}

static int set_mem_limit(struct store *s, const char *value, size_t len)
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
	store_set_mem_limit(s, bytes);
	return 0;
}

static int get_mem_used_max(struct store *s, char *buf, size_t len)
{
	struct stats_mm mm;

	store_mm(s, &mm);
	return fmt_u64(buf, len, mm.mem_used_max);
}

/* As zram: "0" is the only value, and it resets the peak to the use now. */
static int set_mem_used_max(struct store *s, const char *value, size_t len)
{
	if (len && value[len - 1] == '\n')
		len--;
	if (len != 1 || value[0] != '0')
		return -EINVAL;
	store_reset_mem_used_max(s);
	return 0;
}

/* ---- write-only -------------------------------------------------------- */

/*
 * compact is a trigger and has no value, but listxattr names it, and
 * `getfattr -d -m -` reads every name it lists: -ENODATA there would make
 * it report an error for an attribute it was just told exists.  So it
 * reads as an empty value.
 */
static int get_compact(struct store *s, char *buf, size_t len)
{
	(void)s;
	if (len)
		buf[0] = '\0';
	return 0;
}

/* Any value, as zram's compact; the count freed shows in mm_stat. */
static int set_compact(struct store *s, const char *value, size_t len)
{
	(void)value;
	(void)len;
	store_compact(s);
	return 0;
}

/*
 * The attributes, in strcmp order of their names so that listxattr's
 * output is sorted (and getfattr's dump is stable).
 */
static const struct xattr_def xattrs[] = {
    {"comp_algorithm", get_comp_algorithm, NULL},
    {"compact", get_compact, set_compact},
    {"debug_stat", get_debug_stat, NULL},
    {"disksize", get_disksize, NULL},
    {"io_stat", get_io_stat, NULL},
    {"mem_limit", get_mem_limit, set_mem_limit},
    {"mem_used_max", get_mem_used_max, set_mem_used_max},
    {"mm_stat", get_mm_stat, NULL},
};

#define NR_XATTRS (sizeof(xattrs) / sizeof(xattrs[0]))

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

int xattr_get(struct store *s, const char *name, char *buf, size_t size)
{
	const struct xattr_def *x = lookup(name);
	char text[XATTR_TEXT_MAX];
	int n;

	if (!x || !x->get)
		return -ENODATA;
	n = x->get(s, text, sizeof(text));
	if (n < 0)
		return n; /* -ENOSPC: XATTR_TEXT_MAX is too small, a bug */
	if (size == 0)
		return n;
	if ((size_t)n > size)
		return -ERANGE;
	memcpy(buf, text, (size_t)n);
	return n;
}

int xattr_set(struct store *s, const char *name, const char *value, size_t len)
{
	const struct xattr_def *x = lookup(name);

	if (!x)
		return -ENODATA;
	if (!x->set)
		return -EPERM;
	if (len > XATTR_VALUE_MAX || (len && !value) ||
	    (len && memchr(value, '\0', len)))
		return -EINVAL;
	return x->set(s, value, len);
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
