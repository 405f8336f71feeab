// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_xattr.c - unit tests of the user.fzram.* attributes over a real
 * store: every value's format, size probing and -ERANGE, the controls
 * (mem_limit, mem_used_max, compact) and their refusals, unknown names,
 * read-only attributes, the listxattr list, and debug_stat's columns of
 * requests served by each transport (served.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "xattr.h"

#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "served.h"
#include "store.h"

#define PG FZ_PAGE_SIZE
#define SIZE (64ULL << 20)
#define P FZ_XATTR_PREFIX

static struct store *st;

/* every attribute, in the order xattr_list gives them */
static const char *const names[] = {
    P "comp_algorithm", P "compact",   P "debug_stat",	 P "disksize",
    P "io_stat",	P "mem_limit", P "mem_used_max", P "mm_stat",
};
#define NR_NAMES (sizeof(names) / sizeof(names[0]))

/* test_debug_stat_served: threads adding to the counters, adds each */
#define SERVED_THREADS 5
#define SERVED_ITERS 200000

static const char *const read_only[] = {
    P "mm_stat", P "io_stat", P "debug_stat", P "disksize", P "comp_algorithm",
};

static struct store *make(uint64_t size, const char *alg)
{
	struct store_config cfg = {
	    .size = size, .algorithm = alg, .level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

static void setup(void)
{
	st = make(SIZE, "lz4");
}

static void teardown(void)
{
	store_destroy(st);
	st = NULL;
}

static void write_pages(struct store *s, uint64_t first, uint64_t count)
{
	unsigned char page[PG];

	for (uint64_t i = first; i < first + count; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_write(s, i, page), 0);
	}
}

/*
 * Read @name into @out (NUL-terminated), checking on the way that the size-0
 * probe gives the same length and that the bytes past the value are left
 * alone.  Return: the length.
 */
static int get(struct store *s, const char *name, char *out, size_t outlen)
{
	int probe = xattr_get(s, name, NULL, 0);
	int n;

	ck_assert_msg(probe >= 0, "%s: probe %d", name, probe);
	ck_assert_uint_lt((size_t)probe, outlen);
	memset(out, 0x7e, outlen);
	n = xattr_get(s, name, out, outlen - 1);
	ck_assert_msg(n == probe, "%s: %d after probe %d", name, n, probe);
	ck_assert_int_eq(out[n], 0x7e);
	out[n] = '\0';
	ck_assert_msg(strlen(out) == (size_t)n, "%s: NUL inside", name);
	return n;
}

static int set(struct store *s, const char *name, const char *v)
{
	return xattr_set(s, name, v, strlen(v));
}

/* parse whitespace-separated unsigned columns; Return: how many */
static int columns(const char *text, uint64_t *col, int max)
{
	int n = 0;
	const char *p = text;
	char *end;

	while (*p) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		ck_assert_msg(*p >= '0' && *p <= '9', "not a number: %s", p);
		if (n < max)
			col[n] = strtoull(p, &end, 10);
		else
			strtoull(p, &end, 10);
		n++;
		p = end;
	}
	return n;
}

static void mm(struct store *s, uint64_t col[9])
{
	char buf[512];

	get(s, P "mm_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 9);
}

static uint64_t get_u64(struct store *s, const char *name)
{
	char buf[64];
	int n = get(s, name, buf, sizeof(buf));
	char *end;
	uint64_t v;

	ck_assert_int_gt(n, 1);
	ck_assert_int_eq(buf[n - 1], '\n');
	v = strtoull(buf, &end, 10);
	ck_assert_msg(*end == '\n' && end == buf + n - 1, "%s: '%s'", name,
		      buf);
	return v;
}

START_TEST(test_formats)
{
	char buf[512], want[64];
	uint64_t col[9];
	int n;

	/* mm_stat: nine "%8llu" columns, one line */
	n = get(st, P "mm_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 9);
	ck_assert_int_eq(n, 9 * 9);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
	ck_assert_str_eq(buf, "       0        0        0        0        0 "
			      "       0        0        0        0\n");

	/* io_stat: four */
	n = get(st, P "io_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 4);
	ck_assert_str_eq(buf, "       0        0        0        0\n");

	/*
	 * debug_stat: "version: 1", then zram's 0 and miss_free, then the
	 * requests served through /dev/fuse and through the rings.
	 */
	n = get(st, P "debug_stat", buf, sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "version: 1\n", 11), 0);
	ck_assert_int_eq(columns(buf + 11, col, 9), 4);
	ck_assert_uint_eq(col[0], 0);
	ck_assert_uint_eq(col[1], 0);
	ck_assert_int_eq(buf[n - 1], '\n');
	snprintf(want, sizeof(want), "version: 1\n%8llu %8llu %8llu %8llu\n",
		 0ULL, 0ULL, (unsigned long long)served_read(SERVED_DEV),
		 (unsigned long long)served_read(SERVED_RING));
	ck_assert_str_eq(buf, want);

	ck_assert_uint_eq(get_u64(st, P "disksize"), SIZE);
	snprintf(want, sizeof(want), "%llu\n", (unsigned long long)SIZE);
	get(st, P "disksize", buf, sizeof(buf));
	ck_assert_str_eq(buf, want);

	get(st, P "comp_algorithm", buf, sizeof(buf));
	ck_assert_str_eq(buf, "[lz4] lz4hc zstd\n");

	ck_assert_uint_eq(get_u64(st, P "mem_limit"), 0);
	ck_assert_uint_eq(get_u64(st, P "mem_used_max"), 0);

	/* compact is a trigger: it reads as an empty value */
	ck_assert_int_eq(get(st, P "compact", buf, sizeof(buf)), 0);
	ck_assert_int_eq(xattr_get(st, P "compact", NULL, 0), 0);
}
END_TEST

/* the selected algorithm is the bracketed one, whichever it is */
START_TEST(test_comp_algorithm)
{
	static const char *const want[] = {
	    "[lz4] lz4hc zstd\n",
	    "lz4 [lz4hc] zstd\n",
	    "lz4 lz4hc [zstd]\n",
	};
	struct store *s = make(1 << 20, codec_name((enum codec_alg)_i));
	char buf[64];

	get(s, P "comp_algorithm", buf, sizeof(buf));
	ck_assert_str_eq(buf, want[_i]);
	store_destroy(s);
}
END_TEST

/* size 0 gives the length; one byte short is -ERANGE and writes nothing */
START_TEST(test_sizes)
{
	char buf[512];

	write_pages(st, 0, 10);
	for (size_t i = 0; i < NR_NAMES; i++) {
		int n = xattr_get(st, names[i], NULL, 0);

		ck_assert_msg(n >= 0, "%s: %d", names[i], n);
		if (n == 0)
			continue;
		memset(buf, 0x7e, sizeof(buf));
		ck_assert_int_eq(xattr_get(st, names[i], buf, (size_t)n - 1),
				 -ERANGE);
		ck_assert_int_eq(xattr_get(st, names[i], buf, 1), -ERANGE);
		for (size_t j = 0; j < sizeof(buf); j++)
			ck_assert_int_eq(buf[j], 0x7e);
		ck_assert_int_eq(xattr_get(st, names[i], buf, (size_t)n), n);
		ck_assert_int_eq(buf[n], 0x7e);
		ck_assert_int_eq(buf[n - 1], '\n');
	}
}
END_TEST

static void *served_worker(void *arg)
{
	enum served_by by = *(const enum served_by *)arg;

	for (int i = 0; i < SERVED_ITERS; i++)
		served_inc(by);
	return NULL;
}

/*
 * debug_stat's last two columns are the requests each transport served:
 * each counts its own transport alone, exactly under concurrent adds, and
 * zram's two columns before them stay as they were.
 */
START_TEST(test_debug_stat_served)
{
	static const enum served_by by[SERVED_THREADS] = {
	    SERVED_DEV, SERVED_RING, SERVED_RING, SERVED_DEV, SERVED_RING};
	uint64_t dev = served_read(SERVED_DEV);
	uint64_t ring = served_read(SERVED_RING);
	pthread_t tid[SERVED_THREADS];
	char buf[128], want[128];
	uint64_t col[9];

	for (int i = 0; i < 3; i++)
		served_inc(SERVED_DEV);
	ck_assert_uint_eq(served_read(SERVED_DEV), dev + 3);
	ck_assert_uint_eq(served_read(SERVED_RING), ring);
	for (int i = 0; i < 5; i++)
		served_inc(SERVED_RING);
	ck_assert_uint_eq(served_read(SERVED_DEV), dev + 3);
	ck_assert_uint_eq(served_read(SERVED_RING), ring + 5);
	get(st, P "debug_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf + 11, col, 9), 4);
	ck_assert_uint_eq(col[0], 0);
	ck_assert_uint_eq(col[1], 0); /* miss_free: no free notice yet */
	ck_assert_uint_eq(col[2], dev + 3);
	ck_assert_uint_eq(col[3], ring + 5);
	snprintf(want, sizeof(want), "version: 1\n%8d %8d %8llu %8llu\n", 0, 0,
		 (unsigned long long)(dev + 3),
		 (unsigned long long)(ring + 5));
	ck_assert_str_eq(buf, want);

	/* two threads add to /dev/fuse's count, three to the rings' */
	for (int i = 0; i < SERVED_THREADS; i++)
		ck_assert_int_eq(
		    pthread_create(&tid[i], NULL, served_worker, (void *)&by[i]),
		    0);
	for (int i = 0; i < SERVED_THREADS; i++)
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
	get(st, P "debug_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf + 11, col, 9), 4);
	ck_assert_uint_eq(col[2], dev + 3 + 2ULL * SERVED_ITERS);
	ck_assert_uint_eq(col[3], ring + 5 + 3ULL * SERVED_ITERS);
}
END_TEST

/* mm_stat follows the store: orig_data_size is pages * 4096 */
START_TEST(test_mm_stat_tracks_writes)
{
	uint64_t col[9];
	char buf[64];

	write_pages(st, 100, 37);
	mm(st, col);
	ck_assert_uint_eq(col[0], 37 * PG);
	ck_assert_uint_gt(col[1], 0);	    /* compr_data_size */
	ck_assert_uint_lt(col[1], 37 * PG); /* it compressed */
	ck_assert_uint_gt(col[2], 0);	    /* mem_used_total */
	ck_assert_uint_ge(col[4], col[2]);  /* mem_used_max >= total */
	ck_assert_uint_eq(get_u64(st, P "mem_used_max"), col[4]);
	ck_assert_int_eq(store_discard(st, 100, 10), 0);
	mm(st, col);
	ck_assert_uint_eq(col[0], 27 * PG);
	get(st, P "io_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 4);
	ck_assert_uint_eq(col[3], 10); /* notify_free */
}
END_TEST

START_TEST(test_mem_limit)
{
	static const struct {
		const char *in;
		size_t len;
		uint64_t want;
	} good[] = {
	    {"1M", 2, 1 << 20},
	    {"1048576", 7, 1 << 20},
	    {"1m\n", 3, 1 << 20},
	    {"0", 1, 0},
	    {"8K", 2, 8192},
	    {"2G", 2, 2ULL << 30},
	    {"1000", 4, 4096}, /* the store keeps whole pages */
	    {"18446744073709551615", 20, UINT64_MAX & ~4095ULL},
	};
	static const struct {
		const char *in;
		size_t len;
	} bad[] = {
	    {"banana", 6},
	    {"-5", 2},
	    {"1X", 2},
	    {"", 0},
	    {"1M 2", 4},
	    {"1\0M", 3},
	    {"\n", 1},
	    {"1M\n\n", 4},
	    {" 1M", 3},
	    {"1M\0", 3},
	    {"0x10", 4},
	    {"18446744073709551616", 20}, /* -ERANGE in size_parse */
	    {"16777216T", 9},
	};
	char longv[66];
	uint64_t col[9];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(
		    xattr_set(st, P "mem_limit", good[i].in, good[i].len), 0);
		ck_assert_msg(get_u64(st, P "mem_limit") == good[i].want,
			      "\"%s\" read back wrong", good[i].in);
		mm(st, col);
		ck_assert_uint_eq(col[3], good[i].want);
	}

	ck_assert_int_eq(set(st, P "mem_limit", "1M"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(xattr_set(st, P "mem_limit", bad[i].in,
					bad[i].len) == -EINVAL,
			      "bad value %zu accepted", i);
		ck_assert_uint_eq(get_u64(st, P "mem_limit"), 1 << 20);
	}

	/* 64 bytes is the most accepted; leading zeros make it valid */
	memset(longv, '0', sizeof(longv));
	longv[63] = '1';
	ck_assert_int_eq(xattr_set(st, P "mem_limit", longv, 64), 0);
	ck_assert_uint_eq(get_u64(st, P "mem_limit"), 4096);
	longv[63] = '0';
	longv[64] = '1';
	ck_assert_int_eq(xattr_set(st, P "mem_limit", longv, 65), -EINVAL);
	ck_assert_uint_eq(get_u64(st, P "mem_limit"), 4096);
}
END_TEST

/* the limit written through the attribute is the one the store enforces */
START_TEST(test_mem_limit_enforced)
{
	unsigned char page[PG];
	uint64_t col[9], slot;
	char buf[128];
	int ret = 0;

	ck_assert_int_eq(set(st, P "mem_limit", "64K"), 0);
	for (slot = 0; slot < 4096; slot++) {
		tu_text_page(page, slot);
		ret = store_write(st, slot, page);
		if (ret)
			break;
	}
	ck_assert_int_eq(ret, -ENOMEM);
	ck_assert_uint_gt(slot, 0);
	mm(st, col);
	ck_assert_uint_eq(col[3], 64 * 1024);
	/*
	 * Not col[2] <= 64K: a refused write may leave a page of a zspage
	 * backed (zspool counts pages up to the highest object ever handed
	 * out), so mem_used_total can end a few pages past the limit.  That
	 * is the store's business, not this module's.
	 */
	get(st, P "io_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 4);
	ck_assert_uint_eq(col[1], 1); /* failed_writes */
	ck_assert_int_eq(set(st, P "mem_limit", "0\n"), 0);
	ck_assert_int_eq(store_write(st, slot, page), 0);
}
END_TEST

START_TEST(test_mem_used_max)
{
	static const struct {
		const char *in;
		size_t len;
	} bad[] = {
	    {"5", 1}, {"", 0},	  {"00", 2}, {" 0", 2}, {"0\n\n", 3},
	    {"1", 1}, {"0\0", 2}, {"\n", 1}, {"0K", 2}, {"-0", 2},
	};
	uint64_t col[9], peak;

	write_pages(st, 0, 1000);
	mm(st, col);
	peak = col[4];
	ck_assert_uint_gt(peak, 0);
	ck_assert_int_eq(store_discard(st, 0, 900), 0);
	mm(st, col);
	ck_assert_uint_lt(col[2], peak); /* use fell */
	ck_assert_uint_eq(col[4], peak); /* the peak did not */

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(xattr_set(st, P "mem_used_max", bad[i].in,
					bad[i].len) == -EINVAL,
			      "bad value %zu accepted", i);
		ck_assert_uint_eq(get_u64(st, P "mem_used_max"), peak);
	}

	ck_assert_int_eq(set(st, P "mem_used_max", "0"), 0);
	mm(st, col);
	ck_assert_uint_lt(col[4], peak);
	ck_assert_uint_eq(col[4], col[2]); /* now the current use */
	ck_assert_uint_eq(get_u64(st, P "mem_used_max"), col[2]);

	/* "0\n" works too */
	write_pages(st, 0, 900);
	ck_assert_int_eq(store_discard(st, 0, 900), 0);
	mm(st, col);
	ck_assert_uint_gt(col[4], col[2]);
	ck_assert_int_eq(set(st, P "mem_used_max", "0\n"), 0);
	mm(st, col);
	ck_assert_uint_eq(col[4], col[2]);
}
END_TEST

/* freeing every other object leaves sparse zspages that compact merges */
START_TEST(test_compact)
{
	unsigned char page[PG], got[PG];
	uint64_t before[9], after[9];

	write_pages(st, 0, 2000);
	for (uint64_t i = 0; i < 2000; i += 2)
		ck_assert_int_eq(store_discard(st, i, 1), 0);
	mm(st, before);
	ck_assert_uint_eq(before[0], 1000 * PG);
	ck_assert_uint_eq(before[6], 0);

	/* any value, even empty */
	ck_assert_int_eq(xattr_set(st, P "compact", "", 0), 0);
	mm(st, after);
	ck_assert_uint_lt(after[2], before[2]); /* mem_used_total */
	ck_assert_uint_gt(after[6], 0);		/* pages_compacted */
	ck_assert_uint_eq(after[6], (before[2] - after[2]) / PG);
	ck_assert_uint_eq(after[0], before[0]);
	ck_assert_uint_eq(after[1], before[1]);

	/* the data survived the moves */
	for (uint64_t i = 1; i < 2000; i += 2) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_mem_eq(got, page, PG);
	}

	/* nothing left to do: pages_compacted stays; other values accepted */
	ck_assert_int_eq(set(st, P "compact", "1\n"), 0);
	ck_assert_int_eq(set(st, P "compact", "whatever"), 0);
	mm(st, before);
	ck_assert_uint_eq(before[6], after[6]);
	ck_assert_uint_eq(before[2], after[2]);
	ck_assert_int_eq(xattr_set(st, P "compact", "a\0b", 3), -EINVAL);
}
END_TEST

START_TEST(test_read_only)
{
	char buf[512], again[512];

	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
		get(st, read_only[i], buf, sizeof(buf));
		ck_assert_int_eq(set(st, read_only[i], "0"), -EPERM);
		ck_assert_int_eq(set(st, read_only[i], "banana"), -EPERM);
		ck_assert_int_eq(xattr_set(st, read_only[i], NULL, 0), -EPERM);
		get(st, read_only[i], again, sizeof(again));
		ck_assert_str_eq(buf, again);
	}
	/* disksize is not resizable through the attribute */
	ck_assert_int_eq(set(st, P "disksize", "1M"), -EPERM);
	ck_assert_uint_eq(store_size(st), SIZE);
}
END_TEST

START_TEST(test_unknown)
{
	static const char *const unknown[] = {
	    P "nosuch",
	    "user.other",
	    "mm_stat",
	    P "",
	    P "mm_stat2",
	    P "mm_sta",
	    "user.fzram",
	    "user.fzram.MM_STAT",
	    "security.capability",
	    "system.posix_acl_access",
	    "user.fzram..mm_stat",
	    "trusted.fzram.mm_stat",
	    "",
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ck_assert_msg(xattr_get(st, unknown[i], buf, sizeof(buf)) ==
				  -ENODATA,
			      "get \"%s\"", unknown[i]);
		ck_assert_int_eq(xattr_get(st, unknown[i], NULL, 0), -ENODATA);
		ck_assert_msg(set(st, unknown[i], "0") == -ENODATA,
			      "set \"%s\"", unknown[i]);
	}
}
END_TEST

START_TEST(test_list)
{
	char buf[512];
	size_t want = 0, off = 0;
	int n;

	for (size_t i = 0; i < NR_NAMES; i++)
		want += strlen(names[i]) + 1;
	n = xattr_list(NULL, 0);
	ck_assert_int_eq(n, (int)want);

	memset(buf, 0x7e, sizeof(buf));
	ck_assert_int_eq(xattr_list(buf, want - 1), -ERANGE);
	ck_assert_int_eq(xattr_list(buf, 1), -ERANGE);
	ck_assert_int_eq(buf[0], 0x7e);
	ck_assert_int_eq(xattr_list(buf, sizeof(buf)), n);
	ck_assert_int_eq(buf[n], 0x7e);
	ck_assert_int_eq(buf[n - 1], '\0');

	for (size_t i = 0; i < NR_NAMES; i++) {
		ck_assert_str_eq(buf + off, names[i]);
		if (i)
			ck_assert_int_lt(strcmp(names[i - 1], names[i]), 0);
		/* every listed name reads (compact as empty) */
		ck_assert_int_ge(xattr_get(st, buf + off, NULL, 0), 0);
		off += strlen(buf + off) + 1;
	}
	ck_assert_uint_eq(off, want);
	ck_assert_int_eq(xattr_list(buf, want), n);
}
END_TEST

static Suite *xattr_suite(void)
{
	Suite *s = suite_create("xattr");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_formats);
	tcase_add_loop_test(tc, test_comp_algorithm, 0, CODEC_NR_ALGS);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_debug_stat_served);
	tcase_add_test(tc, test_mm_stat_tracks_writes);
	tcase_add_test(tc, test_mem_limit);
	tcase_add_test(tc, test_mem_limit_enforced);
	tcase_add_test(tc, test_mem_used_max);
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(xattr_suite());
}
