// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_xattr.c - unit tests of the user.fzram.* attributes over a real
 * store: every value's format, size probing and -ERANGE, the controls
 * (mem_limit, mem_used_max, compact) and their refusals, unknown names,
 * read-only attributes, the listxattr list, and debug_stat's columns of
 * requests served by each transport (served.h); the second tier's
 * attributes: the writeback line's parser, idle marking, the writeback
 * budget and batch size, backing_dev, bd_stat, and writeback itself over
 * an in-memory backing store (fake_backing.c) and without one (-ENODEV);
 * recompression's: recomp_algorithm (its lines and its read format),
 * algorithm_params (levels of the primary and the secondaries, dictionaries
 * from files and the bad ones, what it reads back), recompress
 * (every key, the refusals, then through the tier with every page read
 * back) and recomp_stat's columns; the hidden binary sample (format,
 * size query, fresh at each read, unlisted, read-only, no read counted).
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
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "cpulat.h"
#include "fake_backing.h"
#include "served.h"
#include "store.h"
#include "tier.h"

#define PG FZ_PAGE_SIZE
#define SIZE (64ULL << 20)
#define P FZ_XATTR_PREFIX

#define NR_SLOTS (SIZE / PG)
/* a slot's flag bit in store_slot_info()'s word */
#define FLAG(f) (1u << ((f)-STORE_F_SAME))

static struct store *st;
static struct tier *tr;
static struct xattr_ctx xc; /* {st, tr} */

/* every attribute, in the order xattr_list gives them */
static const char *const names[] = {
    P "algorithm_params",
    P "backing_dev",
    P "bd_stat",
    P "comp_algorithm",
    P "compact",
    P "cpu_latency_stat",
    P "debug_stat",
    P "disksize",
    P "idle",
    P "io_stat",
    P "mem_limit",
    P "mem_used_max",
    P "mm_stat",
    P "policy",
    P "policy_stat",
    P "recomp_algorithm",
    P "recomp_stat",
    P "recompress",
    P "tier_stat",
    P "writeback",
    P "writeback_batch_size",
    P "writeback_limit",
    P "writeback_limit_enable",
};
#define NR_NAMES (sizeof(names) / sizeof(names[0]))

/* test_debug_stat_served: threads adding to the counters, adds each */
#define SERVED_THREADS 5
#define SERVED_ITERS 200000

static const char *const read_only[] = {
    P "mm_stat",  P "io_stat",	      P "debug_stat",
    P "disksize", P "comp_algorithm", P "bd_stat",
    P "recomp_stat", P "tier_stat", P "policy_stat",
    P "cpu_latency_stat",
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
	ck_assert_int_eq(tier_create(st, &tr), 0);
	xc.store = st;
	xc.tier = tr;
	xc.wait = true; /* the mount directory's; test_started: the file's */
}

/* the store with an in-memory backing store (fake_backing.c) */
static struct backing *bk;

static void setup_backing(void)
{
	struct backing_config cfg = {.path = "fake", .encrypt = true};

	setup();
	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(store_set_backing(st, bk), 0);
}

static void teardown(void)
{
	tier_destroy(tr);
	store_destroy(st);
	backing_destroy(bk);
	ck_assert_uint_eq(fake_ctl.bad_frees, 0);
	tr = NULL;
	st = NULL;
	bk = NULL;
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
static int get(const struct xattr_ctx *x, const char *name, char *out,
	       size_t outlen)
{
	int probe = xattr_get(x, name, NULL, 0);
	int n;

	ck_assert_msg(probe >= 0, "%s: probe %d", name, probe);
	ck_assert_uint_lt((size_t)probe, outlen);
	memset(out, 0x7e, outlen);
	n = xattr_get(x, name, out, outlen - 1);
	ck_assert_msg(n == probe, "%s: %d after probe %d", name, n, probe);
	ck_assert_int_eq(out[n], 0x7e);
	out[n] = '\0';
	ck_assert_msg(strlen(out) == (size_t)n, "%s: NUL inside", name);
	return n;
}

static int set(const struct xattr_ctx *x, const char *name, const char *v)
{
	return xattr_set(x, name, v, strlen(v));
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

static void mm(const struct xattr_ctx *x, uint64_t col[9])
{
	char buf[512];

	get(x, P "mm_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 9);
}

static uint64_t get_u64(const struct xattr_ctx *x, const char *name)
{
	char buf[64];
	int n = get(x, name, buf, sizeof(buf));
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
	n = get(&xc, P "mm_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 9);
	ck_assert_int_eq(n, 9 * 9);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
	ck_assert_str_eq(buf, "       0        0        0        0        0 "
			      "       0        0        0        0\n");

	/* io_stat: four */
	n = get(&xc, P "io_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 4);
	ck_assert_str_eq(buf, "       0        0        0        0\n");

	/*
	 * debug_stat: "version: 1", then zram's 0 and miss_free, then the
	 * requests served through /dev/fuse and through the rings.
	 */
	n = get(&xc, P "debug_stat", buf, sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "version: 1\n", 11), 0);
	ck_assert_int_eq(columns(buf + 11, col, 9), 4);
	ck_assert_uint_eq(col[0], 0);
	ck_assert_uint_eq(col[1], 0);
	ck_assert_int_eq(buf[n - 1], '\n');
	snprintf(want, sizeof(want), "version: 1\n%8llu %8llu %8llu %8llu\n",
		 0ULL, 0ULL, (unsigned long long)served_read(SERVED_DEV),
		 (unsigned long long)served_read(SERVED_RING));
	ck_assert_str_eq(buf, want);

	/* cpu_latency_stat without a hold */
	get(&xc, P "cpu_latency_stat", buf, sizeof(buf));
	ck_assert_str_eq(buf, "      -1        0        0        0        0 "
			      "       0\n");

	ck_assert_uint_eq(get_u64(&xc, P "disksize"), SIZE);
	snprintf(want, sizeof(want), "%llu\n", (unsigned long long)SIZE);
	get(&xc, P "disksize", buf, sizeof(buf));
	ck_assert_str_eq(buf, want);

	get(&xc, P "comp_algorithm", buf, sizeof(buf));
	ck_assert_str_eq(buf, "[lz4] lz4hc zstd\n");

	ck_assert_uint_eq(get_u64(&xc, P "mem_limit"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "mem_used_max"), 0);

	/* the triggers read as an empty value */
	ck_assert_int_eq(get(&xc, P "compact", buf, sizeof(buf)), 0);
	ck_assert_int_eq(xattr_get(&xc, P "compact", NULL, 0), 0);
	ck_assert_int_eq(get(&xc, P "idle", buf, sizeof(buf)), 0);
	ck_assert_int_eq(get(&xc, P "writeback", buf, sizeof(buf)), 0);

	/* the second tier, with no backing store */
	get(&xc, P "backing_dev", buf, sizeof(buf));
	ck_assert_str_eq(buf, "none\n");
	get(&xc, P "bd_stat", buf, sizeof(buf));
	ck_assert_str_eq(buf, "       0        0        0        0        0\n");
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit_enable"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_batch_size"),
			  STORE_WB_DEFAULT_BATCH);
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
	struct xattr_ctx x = {.store = s, .tier = NULL};
	char buf[64];

	get(&x, P "comp_algorithm", buf, sizeof(buf));
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
		int n = xattr_get(&xc, names[i], NULL, 0);

		ck_assert_msg(n >= 0, "%s: %d", names[i], n);
		if (n == 0)
			continue;
		memset(buf, 0x7e, sizeof(buf));
		ck_assert_int_eq(xattr_get(&xc, names[i], buf, (size_t)n - 1),
				 -ERANGE);
		ck_assert_int_eq(xattr_get(&xc, names[i], buf, 1), -ERANGE);
		for (size_t j = 0; j < sizeof(buf); j++)
			ck_assert_int_eq(buf[j], 0x7e);
		ck_assert_int_eq(xattr_get(&xc, names[i], buf, (size_t)n), n);
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
	get(&xc, P "debug_stat", buf, sizeof(buf));
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
	get(&xc, P "debug_stat", buf, sizeof(buf));
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
	mm(&xc, col);
	ck_assert_uint_eq(col[0], 37 * PG);
	ck_assert_uint_gt(col[1], 0);	    /* compr_data_size */
	ck_assert_uint_lt(col[1], 37 * PG); /* it compressed */
	ck_assert_uint_gt(col[2], 0);	    /* mem_used_total */
	ck_assert_uint_ge(col[4], col[2]);  /* mem_used_max >= total */
	ck_assert_uint_eq(get_u64(&xc, P "mem_used_max"), col[4]);
	ck_assert_int_eq(store_discard(st, 100, 10), 0);
	mm(&xc, col);
	ck_assert_uint_eq(col[0], 27 * PG);
	get(&xc, P "io_stat", buf, sizeof(buf));
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
	char longv[XATTR_VALUE_MAX + 2];
	uint64_t col[9];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(
		    xattr_set(&xc, P "mem_limit", good[i].in, good[i].len), 0);
		ck_assert_msg(get_u64(&xc, P "mem_limit") == good[i].want,
			      "\"%s\" read back wrong", good[i].in);
		mm(&xc, col);
		ck_assert_uint_eq(col[3], good[i].want);
	}

	ck_assert_int_eq(set(&xc, P "mem_limit", "1M"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(xattr_set(&xc, P "mem_limit", bad[i].in,
					bad[i].len) == -EINVAL,
			      "bad value %zu accepted", i);
		ck_assert_uint_eq(get_u64(&xc, P "mem_limit"), 1 << 20);
	}

	/* XATTR_VALUE_MAX bytes is the most accepted; leading zeros make it
	 * valid */
	memset(longv, '0', sizeof(longv));
	longv[XATTR_VALUE_MAX - 1] = '1';
	ck_assert_int_eq(xattr_set(&xc, P "mem_limit", longv, XATTR_VALUE_MAX),
			 0);
	ck_assert_uint_eq(get_u64(&xc, P "mem_limit"), 4096);
	longv[XATTR_VALUE_MAX - 1] = '0';
	longv[XATTR_VALUE_MAX] = '1';
	ck_assert_int_eq(
	    xattr_set(&xc, P "mem_limit", longv, XATTR_VALUE_MAX + 1), -EINVAL);
	ck_assert_uint_eq(get_u64(&xc, P "mem_limit"), 4096);
}
END_TEST

/* the limit written through the attribute is the one the store enforces */
START_TEST(test_mem_limit_enforced)
{
	unsigned char page[PG];
	uint64_t col[9], slot;
	char buf[128];
	int ret = 0;

	ck_assert_int_eq(set(&xc, P "mem_limit", "64K"), 0);
	for (slot = 0; slot < 4096; slot++) {
		tu_text_page(page, slot);
		ret = store_write(st, slot, page);
		if (ret)
			break;
	}
	ck_assert_int_eq(ret, -ENOMEM);
	ck_assert_uint_gt(slot, 0);
	mm(&xc, col);
	ck_assert_uint_eq(col[3], 64 * 1024);
	/*
	 * Not col[2] <= 64K: a refused write may leave a page of a zspage
	 * backed (zspool counts pages up to the highest object ever handed
	 * out), so mem_used_total can end a few pages past the limit.  That
	 * is the store's business, not this module's.
	 */
	get(&xc, P "io_stat", buf, sizeof(buf));
	ck_assert_int_eq(columns(buf, col, 9), 4);
	ck_assert_uint_eq(col[1], 1); /* failed_writes */
	ck_assert_int_eq(set(&xc, P "mem_limit", "0\n"), 0);
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
	mm(&xc, col);
	peak = col[4];
	ck_assert_uint_gt(peak, 0);
	ck_assert_int_eq(store_discard(st, 0, 900), 0);
	mm(&xc, col);
	ck_assert_uint_lt(col[2], peak); /* use fell */
	ck_assert_uint_eq(col[4], peak); /* the peak did not */

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(xattr_set(&xc, P "mem_used_max", bad[i].in,
					bad[i].len) == -EINVAL,
			      "bad value %zu accepted", i);
		ck_assert_uint_eq(get_u64(&xc, P "mem_used_max"), peak);
	}

	ck_assert_int_eq(set(&xc, P "mem_used_max", "0"), 0);
	mm(&xc, col);
	ck_assert_uint_lt(col[4], peak);
	ck_assert_uint_eq(col[4], col[2]); /* now the current use */
	ck_assert_uint_eq(get_u64(&xc, P "mem_used_max"), col[2]);

	/* "0\n" works too */
	write_pages(st, 0, 900);
	ck_assert_int_eq(store_discard(st, 0, 900), 0);
	mm(&xc, col);
	ck_assert_uint_gt(col[4], col[2]);
	ck_assert_int_eq(set(&xc, P "mem_used_max", "0\n"), 0);
	mm(&xc, col);
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
	mm(&xc, before);
	ck_assert_uint_eq(before[0], 1000 * PG);
	ck_assert_uint_eq(before[6], 0);

	/* any value, even empty */
	ck_assert_int_eq(xattr_set(&xc, P "compact", "", 0), 0);
	mm(&xc, after);
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
	ck_assert_int_eq(set(&xc, P "compact", "1\n"), 0);
	ck_assert_int_eq(set(&xc, P "compact", "whatever"), 0);
	mm(&xc, before);
	ck_assert_uint_eq(before[6], after[6]);
	ck_assert_uint_eq(before[2], after[2]);
	ck_assert_int_eq(xattr_set(&xc, P "compact", "a\0b", 3), -EINVAL);
}
END_TEST

START_TEST(test_read_only)
{
	char buf[512], again[512];

	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
		get(&xc, read_only[i], buf, sizeof(buf));
		ck_assert_int_eq(set(&xc, read_only[i], "0"), -EPERM);
		ck_assert_int_eq(set(&xc, read_only[i], "banana"), -EPERM);
		ck_assert_int_eq(xattr_set(&xc, read_only[i], NULL, 0), -EPERM);
		get(&xc, read_only[i], again, sizeof(again));
		ck_assert_str_eq(buf, again);
	}
	/* disksize is not resizable through the attribute */
	ck_assert_int_eq(set(&xc, P "disksize", "1M"), -EPERM);
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
		ck_assert_msg(xattr_get(&xc, unknown[i], buf, sizeof(buf)) ==
				  -ENODATA,
			      "get \"%s\"", unknown[i]);
		ck_assert_int_eq(xattr_get(&xc, unknown[i], NULL, 0), -ENODATA);
		ck_assert_msg(set(&xc, unknown[i], "0") == -ENODATA,
			      "set \"%s\"", unknown[i]);
	}
}
END_TEST

/*
 * cpu_latency_stat with a hold (cpulat.h) over a file of the test's own:
 * limit, hold period, holds, time held, whether it is held now, failed
 * writes.
 */
START_TEST(test_cpu_latency_stat)
{
	char path[] = "/tmp/check_xattr_cpulat.XXXXXX", buf[128];
	struct xattr_ctx x = xc;
	struct cpulat *c;
	int fd = mkstemp(path);
	uint64_t col[8];

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(cpulat_start(path, 5, CPULAT_MAX_HOLD_MS, &c), 0);
	x.cpulat = c;
	get(&x, P "cpu_latency_stat", buf, sizeof(buf));
	ck_assert_str_eq(buf, "       5    10000        0        0        0 "
			      "       0\n");
	cpulat_touch(c);
	for (int i = 0; i < 1000; i++) {
		get(&x, P "cpu_latency_stat", buf, sizeof(buf));
		ck_assert_int_eq(columns(buf, col, 8), 6);
		if (col[4])
			break;
		usleep(10000);
	}
	ck_assert_uint_eq(col[0], 5);
	ck_assert_uint_eq(col[2], 1);
	ck_assert_uint_eq(col[4], 1);
	ck_assert_uint_eq(col[5], 0);
	cpulat_stop(c);
	unlink(path);
}
END_TEST

START_TEST(test_list)
{
	char buf[1024];
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
		ck_assert_int_ge(xattr_get(&xc, buf + off, NULL, 0), 0);
		off += strlen(buf + off) + 1;
	}
	ck_assert_uint_eq(off, want);
	ck_assert_int_eq(xattr_list(buf, want), n);
}
END_TEST

/* ---- the second tier ---------------------------------------------------- */

static int parse(const char *v, struct store_wb_req *req)
{
	return xattr_parse_writeback(v, strlen(v), NR_SLOTS, req);
}

/* zram's writeback syntax: every form, alone and mixed, and the refusals */
START_TEST(test_parse_writeback)
{
	static const struct {
		const char *in;
		unsigned int mode;
		unsigned int nranges;
		uint64_t lo0, hi0;
	} good[] = {
	    {"idle", STORE_WB_IDLE, 0, 0, 0},
	    {"idle\n", STORE_WB_IDLE, 0, 0, 0},
	    {"huge", STORE_WB_HUGE, 0, 0, 0},
	    {"huge_idle", STORE_WB_HUGE | STORE_WB_IDLE, 0, 0, 0},
	    {"incompressible", STORE_WB_INCOMPRESSIBLE, 0, 0, 0},
	    {"type=idle", STORE_WB_IDLE, 0, 0, 0},
	    {"type=huge_idle\n", STORE_WB_HUGE | STORE_WB_IDLE, 0, 0, 0},
	    {"type=incompressible", STORE_WB_INCOMPRESSIBLE, 0, 0, 0},
	    {"page_index=7", 0, 1, 7, 7},
	    {"page_indexes=5-9", 0, 1, 5, 9},
	    {"page_indexes=3-3", 0, 1, 3, 3},
	    {"page_index=16383", 0, 1, NR_SLOTS - 1, NR_SLOTS - 1},
	    {"page_indexes=0-16383", 0, 1, 0, NR_SLOTS - 1},
	    {"type=huge page_index=2 page_indexes=10-20", STORE_WB_HUGE, 2, 2,
	     2},
	    {"page_indexes=10-20 idle", STORE_WB_IDLE, 1, 10, 20},
	    {"  idle\tpage_index=1  ", STORE_WB_IDLE, 1, 1, 1},
	    {"idle huge", STORE_WB_IDLE | STORE_WB_HUGE, 0, 0, 0},
	    {"page_index=0007", 0, 1, 7, 7},
	};
	static const char *const bad[] = {
	    "",
	    "\n",
	    "   ",
	    "banana",
	    "IDLE",
	    "idle\n\n",
	    "idle\nhuge",
	    "type=",
	    "type=banana",
	    "type=all",
	    "type",
	    "page_index=",
	    "page_index=-1",
	    "page_index=+1",
	    "page_index=0x10",
	    "page_index=1a",
	    "page_index=16384", /* one past the end */
	    "page_index=18446744073709551615",
	    "page_index=18446744073709551616",
	    "page_indexes=5-3",
	    "page_indexes=5",
	    "page_indexes=5-",
	    "page_indexes=-5",
	    "page_indexes=1--5",
	    "page_indexes=1-2-3",
	    "page_indexes=0-16384",
	    "page_indexes=16384-16384",
	    "idle page_index=99999999",
	    "page_index =1",
	    "pageindex=1",
	    "page_indices=1-2",
	    "idle,huge",
	    "idle=1",
	};
	struct store_wb_req req;
	char line[XATTR_VALUE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(parse(good[i].in, &req) == 0, "\"%s\" refused",
			      good[i].in);
		ck_assert_msg(req.mode == good[i].mode, "\"%s\": mode %u",
			      good[i].in, req.mode);
		ck_assert_uint_eq(req.nranges, good[i].nranges);
		if (req.nranges) {
			ck_assert_uint_eq(req.range[0].lo, good[i].lo0);
			ck_assert_uint_eq(req.range[0].hi, good[i].hi0);
		}
	}
	ck_assert_int_eq(
	    parse("type=huge page_index=2 page_indexes=10-20", &req), 0);
	ck_assert_uint_eq(req.range[1].lo, 10);
	ck_assert_uint_eq(req.range[1].hi, 20);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &req) == -EINVAL, "\"%s\" accepted",
			      bad[i]);
	/* not NUL-terminated: the length counts */
	ck_assert_int_eq(xattr_parse_writeback("idlex", 4, NR_SLOTS, &req), 0);
	ck_assert_uint_eq(req.mode, STORE_WB_IDLE);
	ck_assert_int_eq(xattr_parse_writeback("huge", 3, NR_SLOTS, &req),
			 -EINVAL);

	/* STORE_WB_MAX_RANGES ranges fit; one more does not */
	for (int i = 0; i < STORE_WB_MAX_RANGES; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
				      "page_indexes=%d-%d ", i * 100,
				      i * 100 + 50);
	ck_assert_int_eq(parse(line, &req), 0);
	ck_assert_uint_eq(req.nranges, STORE_WB_MAX_RANGES);
	ck_assert_uint_eq(req.range[STORE_WB_MAX_RANGES - 1].hi,
			  (STORE_WB_MAX_RANGES - 1) * 100 + 50);
	snprintf(line + n, sizeof(line) - n, "page_index=9999");
	ck_assert_int_eq(parse(line, &req), -EINVAL);
	/* the whole line goes through xattr_set's length check */
	ck_assert_int_eq(set(&xc, P "writeback", line), -EINVAL);
}
END_TEST

/* same-filled: one repeated 8-byte word */
static void write_same(struct store *s, uint64_t slot)
{
	uint64_t page[PG / 8];

	for (size_t i = 0; i < PG / 8; i++)
		page[i] = 0x5a5a5a5a5a5a5a5aULL;
	ck_assert_int_eq(store_write(s, slot, page), 0);
}

static bool is_idle(uint64_t slot)
{
	unsigned int flags, len;

	ck_assert_int_eq(store_slot_info(st, slot, &flags, &len), 0);
	return flags & FLAG(STORE_F_IDLE);
}

START_TEST(test_idle)
{
	static const char *const bad[] = {
	    "",	    "\n", "ALL", " all",       "all\n\n",
	    "alll", "al", "-1",	 "+5",	       "0x10",
	    "1.5",  "5 ", "5s",	 "4294967296", "banana",
	};
	unsigned char page[PG];

	write_pages(st, 0, 10);
	write_same(st, 10);
	for (uint64_t i = 0; i <= 10; i++)
		ck_assert(!is_idle(i));

	/* refused values mark nothing */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(set(&xc, P "idle", bad[i]) == -EINVAL,
			      "\"%s\" accepted", bad[i]);
		for (uint64_t j = 0; j <= 10; j++)
			ck_assert(!is_idle(j));
	}

	ck_assert_int_eq(set(&xc, P "idle", "all\n"), 0);
	for (uint64_t i = 0; i < 10; i++)
		ck_assert_msg(is_idle(i), "slot %llu not idle",
			      (unsigned long long)i);
	ck_assert(!is_idle(10)); /* same-filled: skipped, as in zram */
	ck_assert(!is_idle(11)); /* never written */

	/* a read clears the mark, a write too */
	ck_assert_int_eq(store_read(st, 3, page), 0);
	ck_assert(!is_idle(3));
	write_pages(st, 4, 1);
	ck_assert(!is_idle(4));
	ck_assert(is_idle(5));

	/* the age form: 0..9 are 100 s old, 20 is new */
	store_advance_clock(st, 100);
	write_pages(st, 20, 1);
	ck_assert_int_eq(store_read(st, 3, page), 0);
	store_advance_clock(st, 10);
	ck_assert_int_eq(set(&xc, P "idle", "50"), 0);
	ck_assert(is_idle(4));	/* 110 s */
	ck_assert(!is_idle(3)); /* read 10 s ago */
	ck_assert(!is_idle(20));
	ck_assert_int_eq(set(&xc, P "idle", "4294967295"), 0);
	ck_assert(!is_idle(20));
	ck_assert_int_eq(set(&xc, P "idle", "5\n"), 0);
	ck_assert(is_idle(3));
	ck_assert(is_idle(20));
}
END_TEST

/* ENODEV without a backing store, after the line was checked; no change */
START_TEST(test_writeback_no_backing)
{
	struct xattr_ctx none = {.store = st, .tier = NULL};
	unsigned char page[PG], got[PG];
	uint64_t before[9], after[9];

	write_pages(st, 0, 50);
	ck_assert_int_eq(set(&xc, P "idle", "all"), 0);
	mm(&xc, before);
	ck_assert_int_eq(set(&xc, P "writeback", "idle"), -ENODEV);
	ck_assert_int_eq(set(&xc, P "writeback", "page_indexes=0-49"), -ENODEV);
	ck_assert_int_eq(set(&none, P "writeback", "huge"), -ENODEV);
	ck_assert_int_eq(set(&xc, P "writeback", "banana"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "writeback", "page_index=16384"), -EINVAL);
	mm(&xc, after);
	ck_assert_mem_eq(before, after, sizeof(before));
	for (uint64_t i = 0; i < 50; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_mem_eq(got, page, PG);
	}
	/* compact works without a tier, and with one and no backing store */
	ck_assert_int_eq(set(&none, P "compact", "1"), 0);
	ck_assert_int_eq(set(&xc, P "compact", "1"), 0);
}
END_TEST

START_TEST(test_writeback_limits)
{
	static const char *const bad_u64[] = {
	    "",	     "\n", "-1", "+1",	 "abc",
	    "1 2",   " 1", "1K", "0x10", "18446744073709551616",
	    "1\n\n",
	};
	static const char *const bad_bool[] = {
	    "", "\n", "2", "01", "10", "on", "yes", "-1", " 1", "1\n\n",
	};
	static const char *const bad_batch[] = {
	    "0", "257", "-1", "", "\n", "32 ", "abc", "99999999999999999999",
	};

	ck_assert_int_eq(set(&xc, P "writeback_limit", "100"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 100);
	ck_assert_uint_eq(store_wb_limit(st), 100);
	ck_assert_int_eq(set(&xc, P "writeback_limit", "0\n"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 0);
	ck_assert_int_eq(set(&xc, P "writeback_limit", "18446744073709551615"),
			 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), UINT64_MAX);
	ck_assert_int_eq(set(&xc, P "writeback_limit", "77"), 0);
	for (size_t i = 0; i < sizeof(bad_u64) / sizeof(bad_u64[0]); i++) {
		ck_assert_msg(set(&xc, P "writeback_limit", bad_u64[i]) ==
				  -EINVAL,
			      "\"%s\" accepted", bad_u64[i]);
		ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 77);
	}

	ck_assert_int_eq(set(&xc, P "writeback_limit_enable", "1"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit_enable"), 1);
	ck_assert(store_wb_limit_enabled(st));
	for (size_t i = 0; i < sizeof(bad_bool) / sizeof(bad_bool[0]); i++) {
		ck_assert_msg(set(&xc, P "writeback_limit_enable",
				  bad_bool[i]) == -EINVAL,
			      "\"%s\" accepted", bad_bool[i]);
		ck_assert_uint_eq(get_u64(&xc, P "writeback_limit_enable"), 1);
	}
	ck_assert_int_eq(set(&xc, P "writeback_limit_enable", "0\n"), 0);
	ck_assert(!store_wb_limit_enabled(st));
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 77);

	ck_assert_int_eq(set(&xc, P "writeback_batch_size", "1"), 0);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_batch_size"), 1);
	ck_assert_int_eq(set(&xc, P "writeback_batch_size", "256\n"), 0);
	ck_assert_uint_eq(store_wb_batch(st), BK_MAX_BATCH);
	ck_assert_int_eq(set(&xc, P "writeback_batch_size", "64"), 0);
	for (size_t i = 0; i < sizeof(bad_batch) / sizeof(bad_batch[0]); i++) {
		ck_assert_msg(
		    set(&xc, P "writeback_batch_size", bad_batch[i]) == -EINVAL,
		    "\"%s\" accepted", bad_batch[i]);
		ck_assert_uint_eq(get_u64(&xc, P "writeback_batch_size"), 64);
	}
}
END_TEST

/* chosen at mount: a write is refused and changes nothing */
START_TEST(test_backing_dev)
{
	char buf[64];

	ck_assert_int_eq(set(&xc, P "backing_dev", "/tmp/x"), -EBUSY);
	ck_assert_int_eq(set(&xc, P "backing_dev", "none"), -EBUSY);
	get(&xc, P "backing_dev", buf, sizeof(buf));
	ck_assert_str_eq(buf, "none\n");
	ck_assert_ptr_null(store_backing(st));
}
END_TEST

/* bd_stat's columns: five, each "%8llu"; 0..2 in pages, 3..4 bytes */
static void bd(uint64_t col[5])
{
	char buf[256];
	int n = get(&xc, P "bd_stat", buf, sizeof(buf));

	ck_assert_int_eq(columns(buf, col, 5), 5);
	ck_assert_int_eq(n, 5 * 9);
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
}

/* writeback through the attribute, over the in-memory backing store */
/* The file's attributes start the slow jobs and return; tier_stat tells
 * how they went; errors known at once still come back at once. */
START_TEST(test_started)
{
	struct xattr_ctx file = xc;
	uint64_t col[5];
	char buf[512];

	file.wait = false;
	get(&file, P "tier_stat", buf, sizeof(buf));
	ck_assert_str_eq(buf, "writeback state=idle runs=0 last=0 count=0\n"
			      "recompress state=idle runs=0 last=0 count=0\n"
			      "compact state=idle runs=0 last=0 count=0\n");
	write_pages(st, 0, 100);
	ck_assert_int_eq(set(&file, P "idle", "all"), 0);
	ck_assert_int_eq(set(&file, P "writeback", "idle"), 0);
	tier_wait_idle(tr);
	bd(col);
	ck_assert_uint_eq(col[0], 100);
	get(&file, P "tier_stat", buf, sizeof(buf));
	ck_assert_ptr_nonnull(
		strstr(buf, "writeback state=idle runs=1 last=0 count=100\n"));
	/* the budget spent at the start: zram's EIO in the reply, from the
	 * file and the directory alike, and no job started */
	write_pages(st, 0, 10);
	ck_assert_int_eq(set(&file, P "idle", "all"), 0);
	ck_assert_int_eq(set(&file, P "writeback_limit", "0"), 0);
	ck_assert_int_eq(set(&file, P "writeback_limit_enable", "1"), 0);
	ck_assert_int_eq(set(&file, P "writeback", "idle"), -EIO);
	ck_assert_int_eq(set(&xc, P "writeback", "idle"), -EIO);
	tier_wait_idle(tr);
	get(&file, P "tier_stat", buf, sizeof(buf));
	ck_assert_ptr_nonnull(
		strstr(buf, "writeback state=idle runs=1 last=0 count=100\n"));
	bd(col);
	ck_assert_uint_eq(col[0], 90); /* 10 of them written again */
	/* a budget that runs out during the job: its -EIO is in tier_stat */
	ck_assert_int_eq(set(&file, P "writeback_limit", "4"), 0);
	ck_assert_int_eq(set(&file, P "writeback", "idle"), 0);
	tier_wait_idle(tr);
	get(&file, P "tier_stat", buf, sizeof(buf));
	{
		char want[96];

		snprintf(want, sizeof(want),
			 "writeback state=idle runs=2 last=%d count=4\n", -EIO);
		ck_assert_ptr_nonnull(strstr(buf, want));
	}
	bd(col);
	ck_assert_uint_eq(col[0], 94);
	/* malformed lines and no secondary: told at once */
	ck_assert_int_eq(set(&file, P "writeback", "banana"), -EINVAL);
	ck_assert_int_eq(set(&file, P "recompress", "type=idle"), -ENOENT);
	ck_assert_int_eq(set(&file, P "recomp_algorithm", "algo=zstd"), 0);
	ck_assert_int_eq(set(&file, P "recompress", "type=huge"), 0);
	ck_assert_int_eq(set(&file, P "compact", "1"), 0);
	tier_wait_idle(tr);
	get(&file, P "tier_stat", buf, sizeof(buf));
	ck_assert_ptr_nonnull(
		strstr(buf, "recompress state=idle runs=1 last=0 count=0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "compact state=idle runs=1 last=0"));
	for (uint64_t i = 0; i < 10; i++) {
		unsigned char page[PG], got[PG];

		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert(memcmp(page, got, PG) == 0);
	}
}
END_TEST

/* A second job of a kind while one waits to run: EBUSY, the first runs. */
START_TEST(test_started_busy)
{
	struct xattr_ctx file = xc;
	struct store_recomp_req slow = {0};
	uint64_t col[5];
	int busy = 0;

	file.wait = false;
	write_pages(st, 0, 2000);
	ck_assert_int_eq(set(&file, P "recomp_algorithm", "algo=zstd"), 0);
	ck_assert_int_eq(set(&file, P "algorithm_params",
			     "priority=1 level=19"),
			 0);
	/* the worker busy with a slow recompression, writebacks queue */
	ck_assert_int_eq(tier_start_recompress(tr, &slow), 0);
	ck_assert_int_eq(set(&file, P "idle", "all"), 0);
	for (int i = 0; i < 4; i++) {
		int err = set(&file, P "writeback", "idle");

		ck_assert(err == 0 || err == -EBUSY);
		busy += err == -EBUSY;
	}
	ck_assert_int_ge(busy, 1);
	tier_wait_idle(tr);
	bd(col);
	ck_assert_uint_gt(col[0], 0);
}
END_TEST

START_TEST(test_writeback_backing)
{
	unsigned char page[PG], got[PG];
	uint64_t before[9], after[9], col[5];
	char buf[64];

	get(&xc, P "backing_dev", buf, sizeof(buf));
	ck_assert_str_eq(buf, "fake\n");
	ck_assert_int_eq(set(&xc, P "backing_dev", "/x"), -EBUSY);

	write_pages(st, 0, 100);
	write_same(st, 100);
	bd(col);
	ck_assert_uint_eq(col[0], 0);

	/* nothing idle yet: nothing moves */
	ck_assert_int_eq(set(&xc, P "writeback", "idle"), 0);
	bd(col);
	ck_assert_uint_eq(col[0], 0);

	/* a range, no mode: every stored slot in it (not the same-filled) */
	mm(&xc, before);
	ck_assert_int_eq(set(&xc, P "writeback", "page_indexes=90-100"), 0);
	bd(col);
	ck_assert_uint_eq(col[0], 10);
	ck_assert_uint_eq(col[2], 10);
	ck_assert_uint_gt(col[3], 0);
	mm(&xc, after);
	ck_assert_uint_lt(after[1], before[1]); /* compr_data_size */

	/* the budget: enabled and spent is EIO, nothing moves */
	ck_assert_int_eq(set(&xc, P "idle", "all"), 0);
	ck_assert_int_eq(set(&xc, P "writeback_limit", "0"), 0);
	ck_assert_int_eq(set(&xc, P "writeback_limit_enable", "1"), 0);
	ck_assert_int_eq(set(&xc, P "writeback", "idle"), -EIO);
	bd(col);
	ck_assert_uint_eq(col[0], 10);
	ck_assert_int_eq(set(&xc, P "writeback_limit", "5"), 0);
	ck_assert_int_eq(set(&xc, P "writeback", "type=idle page_indexes=0-4"),
			 0);
	bd(col);
	ck_assert_uint_eq(col[0], 15);
	ck_assert_uint_eq(get_u64(&xc, P "writeback_limit"), 0);
	ck_assert_int_eq(set(&xc, P "writeback_limit_enable", "0"), 0);

	/* idle: the rest of 0..89, and then everything is on the backing */
	ck_assert_int_eq(set(&xc, P "writeback", "idle\n"), 0);
	bd(col);
	ck_assert_uint_eq(col[0], 100);
	ck_assert_uint_eq(col[2], 100);
	ck_assert_uint_eq(fake_backing_live(bk), 100);

	/* it all reads back, from the backing store */
	for (uint64_t i = 0; i < 100; i++) {
		unsigned int flags, len;

		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		ck_assert_msg(flags & FLAG(STORE_F_WB), "slot %llu",
			      (unsigned long long)i);
		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_mem_eq(got, page, PG);
	}
	bd(col);
	ck_assert_uint_eq(col[1], 100); /* bd_reads */

	/* the ENOSPC of a full backing store comes through */
	ck_assert_int_eq(store_discard(st, 0, 100), 0);
	write_pages(st, 200, 10);
	fake_ctl.capacity = 3;
	ck_assert_int_eq(set(&xc, P "writeback", "page_indexes=200-209"),
			 -ENOSPC);
	fake_ctl.capacity = 0;
	for (uint64_t i = 200; i < 210; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_mem_eq(got, page, PG);
	}
	/* compact runs the tier's compaction too, without error */
	ck_assert_int_eq(set(&xc, P "compact", "1"), 0);
}
END_TEST

/* ---- recompression ------------------------------------------------------ */

static void recomp_stat(const struct xattr_ctx *x, uint64_t col[8])
{
	char buf[256];
	int n = get(x, P "recomp_stat", buf, sizeof(buf));

	ck_assert_int_eq(columns(buf, col, 8), 8);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
}

static void expect_recomp_algorithm(const char *want)
{
	char buf[512];

	get(&xc, P "recomp_algorithm", buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

START_TEST(test_parse_recomp_algorithm)
{
	static const struct {
		const char *in;
		unsigned int prio;
		enum codec_alg alg;
	} good[] = {
	    {"algo=zstd", 1, CODEC_ZSTD},
	    {"algo=zstd\n", 1, CODEC_ZSTD},
	    {"algo=lz4hc priority=2", 2, CODEC_LZ4HC},
	    {"priority=3 algo=lz4", 3, CODEC_LZ4},
	    {" \talgo=zstd  priority=1 ", 1, CODEC_ZSTD},
	};
	static const struct {
		const char *in;
		int err;
	} bad[] = {
	    {"", -EINVAL},
	    {"\n", -EINVAL},
	    {"   ", -EINVAL},
	    {"zstd", -EINVAL},
	    {"algo=", -EINVAL},
	    {"algo=zstd priority=0", -EINVAL},
	    {"algo=zstd priority=4", -EINVAL},
	    {"algo=zstd priority=-1", -EINVAL},
	    {"algo=zstd priority=", -EINVAL},
	    {"algo=zstd priority=1x", -EINVAL},
	    {"priority=1", -EINVAL},
	    {"algo=zstd algo=lz4", -EINVAL},
	    {"algo=zstd priority=1 priority=2", -EINVAL},
	    {"algo=zstd level=3", -EINVAL},
	    {"algo=zstd\n\n", -EINVAL},
	    {"algo=zstd\npriority=2", -EINVAL},
	    {"algo=zstd,priority=2", -ENOENT},
	    {"algo=brotli", -ENOENT},
	    {"algo=ZSTD", -ENOENT},
	    {"algo=brotli priority=9", -EINVAL},
	};
	enum codec_alg alg;
	unsigned int prio;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *in = good[i].in;

		ck_assert_msg(xattr_parse_recomp_algorithm(in, strlen(in),
							   &prio, &alg) == 0,
			      "'%s' refused", in);
		ck_assert_uint_eq(prio, good[i].prio);
		ck_assert_int_eq(alg, good[i].alg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *in = bad[i].in;
		int err = xattr_parse_recomp_algorithm(in, strlen(in), &prio,
						       &alg);

		ck_assert_msg(err == bad[i].err, "'%s': %d", in, err);
	}
	/* the length counts, not a NUL */
	ck_assert_int_eq(xattr_parse_recomp_algorithm("algo=lz4hc", 8, &prio,
						      &alg),
			 0);
	ck_assert_int_eq(alg, CODEC_LZ4);
}
END_TEST

/* the attribute: set, replace, read one line per set priority */
START_TEST(test_recomp_algorithm)
{
	struct codec c;

	expect_recomp_algorithm("");
	ck_assert_int_eq(xattr_get(&xc, P "recomp_algorithm", NULL, 0), 0);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=zstd\n"), 0);
	expect_recomp_algorithm("#1: lz4 lz4hc [zstd]\n");
	ck_assert(store_recomp(st, 1, &c));
	ck_assert_int_eq(c.alg, CODEC_ZSTD);
	ck_assert(!store_recomp(st, 2, &c));

	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=lz4 priority=3"),
			 0);
	expect_recomp_algorithm("#1: lz4 lz4hc [zstd]\n"
				"#3: [lz4] lz4hc zstd\n");
	ck_assert_int_eq(
	    set(&xc, P "recomp_algorithm", "priority=2 algo=lz4hc"), 0);
	expect_recomp_algorithm("#1: lz4 lz4hc [zstd]\n"
				"#2: lz4 [lz4hc] zstd\n"
				"#3: [lz4] lz4hc zstd\n");
	/* refusals change nothing */
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=brotli"),
			 -ENOENT);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=lz4 priority=0"),
			 -EINVAL);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=lz4 priority=4"),
			 -EINVAL);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "banana"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", ""), -EINVAL);
	expect_recomp_algorithm("#1: lz4 lz4hc [zstd]\n"
				"#2: lz4 [lz4hc] zstd\n"
				"#3: [lz4] lz4hc zstd\n");
	/* a write replaces the priority's algorithm, at its default level */
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=lz4hc"), 0);
	expect_recomp_algorithm("#1: lz4 [lz4hc] zstd\n"
				"#2: lz4 [lz4hc] zstd\n"
				"#3: [lz4] lz4hc zstd\n");
}
END_TEST

START_TEST(test_parse_algorithm_params)
{
	struct xattr_algo_params p;
	static const char *const bad[] = {
	    "",
	    "\n",
	    "level=3",
	    "priority=4 level=3",
	    "priority=-1 level=3",
	    "priority= level=3",
	    "algo=brotli level=3",
	    "algo= level=3",
	    "priority=1 level=",
	    "priority=1 level=3x",
	    "priority=1 level=--3",
	    "priority=1 level=2147483648",
	    "priority=1 level=3 level=4",
	    "priority=1 dict=",
	    "priority=1 banana=1",
	    "priority=1 level",
	};

	ck_assert_int_eq(xattr_parse_algorithm_params("priority=2 level=-7\n",
						      20, &p),
			 0);
	ck_assert_int_eq(p.prio, 2);
	ck_assert_int_eq(p.alg, -1);
	ck_assert(p.has_level);
	ck_assert_int_eq(p.level, -7);
	ck_assert(!p.dict);
	ck_assert_int_eq(
	    xattr_parse_algorithm_params("level=19 algo=zstd", 18, &p), 0);
	ck_assert_int_eq(p.prio, -1);
	ck_assert_int_eq(p.alg, CODEC_ZSTD);
	ck_assert_int_eq(p.level, 19);
	ck_assert_int_eq(
	    xattr_parse_algorithm_params("priority=0 level=1", 18, &p), 0);
	ck_assert_int_eq(p.prio, 0);
	ck_assert_int_eq(xattr_parse_algorithm_params("algo=zstd dict=/x", 17,
						      &p),
			 0);
	ck_assert_uint_eq(p.dict_len, 2);
	ck_assert(memcmp(p.dict, "/x", 2) == 0);
	ck_assert(!p.has_level);
	ck_assert_int_eq(xattr_parse_algorithm_params(
			     "priority=1 level=-2147483648", 28, &p),
			 0);
	ck_assert_int_eq(p.level, -2147483647 - 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xattr_parse_algorithm_params(
				  bad[i], strlen(bad[i]), &p) == -EINVAL,
			      "'%s' accepted", bad[i]);
}
END_TEST

static int level_of(unsigned int prio)
{
	struct codec c;

	ck_assert(store_recomp(st, prio, &c));
	return c.level;
}

START_TEST(test_algorithm_params)
{
	int def;

	/* nothing set: by number -ENOENT, by name -EINVAL */
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 level=3"),
			 -ENOENT);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "algo=zstd level=3"),
			 -EINVAL);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=zstd"), 0);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=lz4hc priority=2"),
			 0);
	def = level_of(1);

	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 level=19"),
			 0);
	ck_assert_int_eq(level_of(1), 19);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "algo=lz4hc level=12\n"),
			 0);
	ck_assert_int_eq(level_of(2), 12);
	ck_assert_int_eq(
	    set(&xc, P "algorithm_params", "priority=2 algo=lz4hc level=3"), 0);
	ck_assert_int_eq(level_of(2), 3);
	{
		char buf[256];

		get(&xc, P "algorithm_params", buf, sizeof(buf));
		ck_assert_str_eq(buf, "priority=0 algo=lz4 level=1\n"
				      "priority=1 algo=zstd level=19\n"
				      "priority=2 algo=lz4hc level=3\n");
	}

	/* refusals change nothing */
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 level=99"),
			 -ERANGE);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "algo=lz4hc level=13"),
			 -ERANGE);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=4 level=3"),
			 -EINVAL);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=3 level=3"),
			 -ENOENT);
	ck_assert_int_eq(
	    set(&xc, P "algorithm_params", "priority=1 algo=lz4hc level=3"),
	    -EINVAL); /* priority 1 is zstd */
	ck_assert_int_eq(set(&xc, P "algorithm_params", "level=3"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "algorithm_params", ""), -EINVAL);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 color=3"),
			 -EINVAL);
	ck_assert_int_eq(
	    set(&xc, P "algorithm_params", "priority=1 dict=/nonexistent/d"),
	    -ENOENT);
	ck_assert_int_eq(
	    set(&xc, P "algorithm_params", "priority=1 dict=relative/d"),
	    -EINVAL);
	ck_assert_int_eq(level_of(1), 19);
	ck_assert_int_eq(level_of(2), 3);
	ck_assert_int_ne(def, 19);
	/* neither level= nor dict=: both back to none, as zram's */
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1"), 0);
	ck_assert_int_eq(level_of(1), def);
	expect_recomp_algorithm("#1: lz4 lz4hc [zstd]\n"
				"#2: lz4 [lz4hc] zstd\n");
}
END_TEST

static void vocab_pages(struct store *s, uint64_t first, uint64_t count)
{
	unsigned char page[PG];

	for (uint64_t i = first; i < first + count; i++) {
		tu_vocab_page(page, i);
		ck_assert_int_eq(store_write(s, i, page), 0);
	}
}

/* A file holding @len bytes of @buf; the caller unlinks @path. */
static void dict_file(char *path, const void *buf, size_t len)
{
	int fd;

	strcpy(path, "/tmp/check_xattr_dict.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* The primary's level, dictionaries from files, and what reads back. */
START_TEST(test_algorithm_params_dict)
{
	enum { N = 64 };
	static unsigned char pages[N * PG], dict[64 * 1024];
	char good[64], empty[64], junk[64], cmd[160], buf[512];
	unsigned char page[PG], back[PG];
	uint64_t pg[STORE_MAX_PRIO + 1], by[STORE_MAX_PRIO + 1], plain;
	size_t dlen;

	for (unsigned int i = 0; i < N; i++)
		tu_vocab_page(pages + i * PG, 1000 + i);
	ck_assert_int_eq(codec_dict_train(CODEC_ZSTD, pages, N, sizeof(dict),
					  dict, &dlen),
			 0);
	dict_file(good, dict, dlen);
	dict_file(empty, "", 0);
	dict_file(junk, "not a dictionary at all", 23);

	/* the primary (lz4 here): by number or by name, level only */
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=0 level=3"),
			 0);
	ck_assert_int_eq(level_of(0), 3);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "algo=lz4 level=5"), 0);
	ck_assert_int_eq(level_of(0), 5);
	get(&xc, P "algorithm_params", buf, sizeof(buf));
	ck_assert_str_eq(buf, "priority=0 algo=lz4 level=5\n");
	vocab_pages(st, 0, 8);

	/* a zstd secondary, first without a dictionary */
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=zstd"), 0);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 level=19"),
			 0);
	ck_assert_int_eq(set(&xc, P "idle", "all"), 0);
	ck_assert_int_eq(set(&xc, P "recompress", "type=idle"), 0);
	store_recomp_stats(st, pg, by);
	ck_assert_uint_eq(pg[1], 8);
	plain = by[1];
	vocab_pages(st, 0, 8); /* back to the primary */
	/* bad files change nothing */
	snprintf(cmd, sizeof(cmd), "priority=1 level=19 dict=%s", empty);
	ck_assert_int_eq(set(&xc, P "algorithm_params", cmd), -EINVAL);
	snprintf(cmd, sizeof(cmd), "priority=1 level=19 dict=%s", junk);
	ck_assert_int_eq(set(&xc, P "algorithm_params", cmd), -EINVAL);
	snprintf(cmd, sizeof(cmd), "priority=1 level=99 dict=%s", good);
	ck_assert_int_eq(set(&xc, P "algorithm_params", cmd), -ERANGE);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 dict=/tmp"),
			 -EINVAL); /* a directory */
	ck_assert_int_eq(level_of(1), 19);
	get(&xc, P "algorithm_params", buf, sizeof(buf));
	ck_assert_str_eq(buf, "priority=0 algo=lz4 level=5\n"
			      "priority=1 algo=zstd level=19\n");
	snprintf(cmd, sizeof(cmd), "algo=zstd level=19 dict=%s", good);
	ck_assert_int_eq(set(&xc, P "algorithm_params", cmd), 0);
	ck_assert_int_eq(level_of(1), 19);
	get(&xc, P "algorithm_params", buf, sizeof(buf));
	snprintf(cmd, sizeof(cmd),
		 "priority=0 algo=lz4 level=5\n"
		 "priority=1 algo=zstd level=19 dict=%s\n",
		 good);
	ck_assert_str_eq(buf, cmd);
	ck_assert_int_eq(set(&xc, P "recompress", "type=huge_idle"), 0);
	ck_assert_int_eq(set(&xc, P "idle", "all"), 0);
	ck_assert_int_eq(set(&xc, P "recompress", "type=idle"), 0);
	store_recomp_stats(st, pg, by);
	ck_assert_uint_eq(pg[1], 8);
	ck_assert_msg(by[1] < plain, "%llu bytes with the dictionary, %llu "
		      "without", (unsigned long long)by[1],
		      (unsigned long long)plain);
	for (uint64_t i = 0; i < 8; i++) {
		tu_vocab_page(page, i);
		ck_assert_int_eq(store_read(st, i, back), 0);
		ck_assert(memcmp(page, back, PG) == 0);
	}
	/* the files may go: the store holds what it loaded */
	unlink(good);
	unlink(empty);
	unlink(junk);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "priority=1 level=3"),
			 0); /* replaces both: no dictionary now */
	get(&xc, P "algorithm_params", buf, sizeof(buf));
	ck_assert_str_eq(buf, "priority=0 algo=lz4 level=5\n"
			      "priority=1 algo=zstd level=3\n");
	for (uint64_t i = 0; i < 8; i++) {
		tu_vocab_page(page, i);
		ck_assert_int_eq(store_read(st, i, back), 0);
		ck_assert(memcmp(page, back, PG) == 0);
	}
}
END_TEST

START_TEST(test_parse_recompress)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "  ",
	    "idle", /* zram's recompress takes type=, not the bare mode */
	    "type=",
	    "type=banana",
	    "type=incompressible",
	    "type=idle type=huge",
	    "threshold=",
	    "threshold=-1",
	    "threshold=4097",
	    "threshold=1k",
	    "max_pages=",
	    "max_pages=ten",
	    "max_pages=10x",
	    "max_pages=0x10",
	    "max_pages=18446744073709551616",
	    "priority=0",
	    "priority=4",
	    "priority=",
	    "algo=",
	    "algo=brotli",
	    "algo=Zstd",
	    "color=red",
	    "type=idle,max_pages=3",
	    "max_pages=1 max_pages=2",
	    "type=idle\n\n",
	    "type=idle\nmax_pages=2",
	};
	struct store_recomp_req req;
	int alg;

	ck_assert_int_eq(xattr_parse_recompress("type=idle\n", 10, &req, &alg),
			 0);
	ck_assert_uint_eq(req.mode, STORE_WB_IDLE);
	ck_assert_uint_eq(req.threshold, 0);
	ck_assert_uint_eq(req.max_pages, 0);
	ck_assert_uint_eq(req.prio, 0);
	ck_assert_int_eq(alg, -1);

	{
		static const char line[] =
		    "algo=lz4hc  max_pages=18446744073709551615\tpriority=3 "
		    "threshold=4096 type=huge_idle";

		ck_assert_int_eq(xattr_parse_recompress(line, strlen(line),
							&req, &alg),
				 0);
	}
	ck_assert_uint_eq(req.mode, STORE_WB_IDLE | STORE_WB_HUGE);
	ck_assert_uint_eq(req.threshold, 4096);
	ck_assert_uint_eq(req.max_pages, UINT64_MAX);
	ck_assert_uint_eq(req.prio, 3);
	ck_assert_int_eq(alg, CODEC_LZ4HC);

	ck_assert_int_eq(xattr_parse_recompress("type=huge", 9, &req, &alg), 0);
	ck_assert_uint_eq(req.mode, STORE_WB_HUGE);
	ck_assert_int_eq(xattr_parse_recompress("threshold=0", 11, &req, &alg),
			 0);
	ck_assert_uint_eq(req.mode, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xattr_parse_recompress(bad[i], strlen(bad[i]),
						     &req, &alg) == -EINVAL,
			      "'%s' accepted", bad[i]);
}
END_TEST

#define RC_PAGES 400

static void assert_pages(uint64_t count)
{
	unsigned char page[PG], got[PG];

	for (uint64_t i = 0; i < count; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_msg(memcmp(got, page, PG) == 0, "slot %llu differs",
			      (unsigned long long)i);
	}
}

/*
 * Through the attribute and the tier: refusals first (nothing changes),
 * then max_pages, then the idle slots with zstd at 19; the stats move
 * from priority 0 to 1, compr_data_size shrinks, every page reads back.
 */
START_TEST(test_recompress)
{
	static const char *const bad[] = {
	    "", "banana", "type=idle priority=0", "type=idle priority=4",
	    "algo=brotli", "max_pages=lots", "type=idle algo=lz4hc",
	    "type=idle priority=2", "priority=1 algo=lz4hc",
	};
	uint64_t col[8], before[9], after[9], sum;
	char buf[256];
	unsigned int flags, len;

	write_pages(st, 0, RC_PAGES);
	recomp_stat(&xc, col);
	ck_assert_uint_eq(col[0], RC_PAGES);
	for (int i = 2; i < 8; i++)
		ck_assert_uint_eq(col[i], 0);
	mm(&xc, before);
	ck_assert_uint_eq(col[1], before[1]); /* compr_data_size */

	/* no secondary set: the store's -ENOENT, as it is */
	ck_assert_int_eq(set(&xc, P "recompress", "type=idle"), -ENOENT);
	ck_assert_int_eq(set(&xc, P "recomp_algorithm", "algo=zstd"), 0);
	ck_assert_int_eq(set(&xc, P "algorithm_params", "algo=zstd level=19"),
			 0);
	ck_assert_int_eq(set(&xc, P "idle", "all"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(set(&xc, P "recompress", bad[i]) == -EINVAL,
			      "'%s' accepted", bad[i]);
	mm(&xc, after);
	ck_assert_mem_eq(before, after, sizeof(before));
	get(&xc, P "recomp_stat", buf, sizeof(buf));

	/* at most max_pages */
	ck_assert_int_eq(set(&xc, P "recompress",
			     "type=idle max_pages=10 algo=zstd"),
			 0);
	recomp_stat(&xc, col);
	ck_assert_uint_le(col[2], 10);
	ck_assert_uint_gt(col[2], 0);

	ck_assert_int_eq(set(&xc, P "recompress", "type=idle\n"), 0);
	recomp_stat(&xc, col);
	mm(&xc, after);
	ck_assert_uint_gt(col[2], 10);
	ck_assert_uint_eq(col[0] + col[2], RC_PAGES);
	ck_assert_uint_eq(col[4] + col[5] + col[6] + col[7], 0);
	ck_assert_uint_lt(after[1], before[1]);
	ck_assert_uint_eq(col[1] + col[3], after[1]);
	ck_assert_uint_eq(after[0], before[0]); /* orig_data_size */
	sum = 0;
	for (uint64_t i = 0; i < RC_PAGES; i++) {
		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		sum += !!(flags & FLAG(STORE_F_RECOMP));
	}
	ck_assert_uint_eq(sum, col[2]);
	assert_pages(RC_PAGES);

	/* without a tier it runs here; priority 1 has nothing left to do */
	{
		struct xattr_ctx none = {.store = st, .tier = NULL};

		ck_assert_int_eq(set(&none, P "recompress", "priority=1"), 0);
	}
	assert_pages(RC_PAGES);
}
END_TEST

/* ---- the hidden binary sample ------------------------------------------ */

#define SAMPLE_SLOTS 40

/* One read of user.fzram.sample into @buf (FZ_SAMPLE_MAX bytes): checks
 * the header, each record's page against what slot was written, no slot
 * twice.  Return: the count; the slots go to @slots. */
static uint32_t read_sample(char *buf, uint64_t *slots)
{
	unsigned char want[PG];
	uint32_t count;
	int n = xattr_get(&xc, P "sample", buf, FZ_SAMPLE_MAX);

	ck_assert_int_ge(n, FZ_SAMPLE_HDR);
	ck_assert_mem_eq(buf, FZ_SAMPLE_MAGIC, 4);
	memcpy(&count, buf + 4, 4);
	ck_assert_uint_le(count, FZ_SAMPLE_PAGES);
	ck_assert_int_eq(n, FZ_SAMPLE_HDR + (int)count * FZ_SAMPLE_REC);
	for (uint32_t i = 0; i < count; i++) {
		const char *rec = buf + FZ_SAMPLE_HDR + i * FZ_SAMPLE_REC;

		memcpy(&slots[i], rec, 8);
		ck_assert_uint_lt(slots[i], SAMPLE_SLOTS);
		for (uint32_t j = 0; j < i; j++)
			ck_assert_uint_ne(slots[i], slots[j]);
		tu_text_page(want, slots[i] + 100);
		ck_assert_msg(memcmp(rec + 8, want, PG) == 0,
			      "slot %" PRIu64 "'s page", slots[i]);
	}
	return count;
}

START_TEST(test_sample)
{
	char *buf = malloc(FZ_SAMPLE_MAX), list[1024], before[512], after[512];
	uint64_t slots[FZ_SAMPLE_PAGES], first[FZ_SAMPLE_PAGES];
	unsigned char p[PG];
	int n;

	ck_assert_ptr_nonnull(buf);
	/* the size query gets the largest value: each read draws anew */
	ck_assert_int_eq(xattr_get(&xc, P "sample", NULL, 0), FZ_SAMPLE_MAX);
	ck_assert_int_eq(xattr_get(&xc, P "sample", buf, FZ_SAMPLE_MAX - 1),
			 -ERANGE);
	ck_assert_uint_eq(read_sample(buf, slots), 0);
	/* read-only, and not listed (getfattr -d would dump 60 KiB) */
	ck_assert_int_eq(set(&xc, P "sample", "0"), -EPERM);
	n = xattr_list(list, sizeof(list));
	ck_assert_int_gt(n, 0);
	for (int at = 0; at < n; at += (int)strlen(list + at) + 1)
		ck_assert_str_ne(list + at, P "sample");

	for (uint64_t i = 0; i < SAMPLE_SLOTS; i++) {
		tu_text_page(p, i + 100);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	memset(p, 0x33, PG);
	ck_assert_int_eq(store_write(st, SAMPLE_SLOTS, p), 0); /* same-filled */
	get(&xc, P "io_stat", before, sizeof(before));
	ck_assert_uint_eq(read_sample(buf, first), FZ_SAMPLE_PAGES);
	ck_assert_uint_eq(read_sample(buf, slots), FZ_SAMPLE_PAGES);
	/* a fresh sample each read */
	ck_assert(memcmp(first, slots, sizeof(slots)) != 0);
	/* and no read counted */
	get(&xc, P "io_stat", after, sizeof(after));
	ck_assert_str_eq(before, after);
	ck_assert_uint_eq(stats_read(store_stats(st)->num_reads), 0);
	free(buf);
}
END_TEST

/* ---- the policy's attributes (xattr_policy.c) ------------------------- */

START_TEST(test_policy_stat_format)
{
	struct policy_stat ps = {.steps = 1,
				 .aged = 2,
				 .recompressed = 3,
				 .written_back = 4,
				 .spilled = 5,
				 .compactions = 6,
				 .compacted = 7,
				 .budget_left = 8,
				 .cpu_ns = 9999999, /* 9 ms */
				 .pressure = true,
				 .trimmed = 15,
				 .bytes_written = 16};
	struct store_spill_stats sp = {
	    .waits = 10, .wait_ns = 11999, .max_ns = 12000, .failed = 13};
	char buf[512];
	int n;

	n = xattr_format_policy_stat(&ps, &sp, buf, sizeof(buf));
	ck_assert_int_eq(n, XATTR_POLICY_STAT_COLS * 9);
	ck_assert_str_eq(buf, "       1        2        3        4        5 "
			      "       6        7        8        9       10 "
			      "      11       12       13        1       15 "
			      "      16\n");
	/* no budget: -1, in the same width */
	ps.budget_left = UINT64_MAX;
	ps.pressure = false;
	n = xattr_format_policy_stat(&ps, &sp, buf, sizeof(buf));
	ck_assert_int_eq(n, XATTR_POLICY_STAT_COLS * 9);
	ck_assert_ptr_nonnull(strstr(buf, "       7       -1        9 "));
	ck_assert_ptr_nonnull(strstr(buf, "        0       15       16\n"));
	/* wide numbers widen their column, as mm_stat's */
	ps.steps = UINT64_MAX - 1;
	n = xattr_format_policy_stat(&ps, &sp, buf, sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "18446744073709551614 ", 21), 0);
	ck_assert_int_eq(xattr_format_policy_stat(&ps, &sp, buf, (size_t)n),
			 -ENOSPC);
}
END_TEST

START_TEST(test_policy_apply)
{
	struct policy_cfg cur, def, out;
	char why[128];

	policy_defaults(&def, true, false, 1ULL << 30);
	cur = def;
	cur.cpu_pct = 20;
	ck_assert_int_eq(xattr_policy_apply("off\n", 4, &cur, &def, &out, why,
					    sizeof(why)),
			 0);
	ck_assert_uint_eq(out.age_s, 0);
	ck_assert_uint_eq(out.cpu_pct, 20); /* the rest kept */
	ck_assert_int_eq(xattr_policy_apply("on", 2, &out, &def, &out, why,
					    sizeof(why)),
			 0);
	ck_assert_uint_eq(out.age_s, def.age_s);
	ck_assert_uint_eq(out.cpu_pct, def.cpu_pct);
	ck_assert_uint_eq(out.wb_daily_bytes, 1ULL << 30);
	/* words on top of the settings in force */
	ck_assert_int_eq(xattr_policy_apply("age=1m psi=0\n", 13, &cur, &def,
					    &out, why, sizeof(why)),
			 0);
	ck_assert_uint_eq(out.age_s, 60);
	ck_assert_uint_eq(out.psi_pct, 0);
	ck_assert_uint_eq(out.cpu_pct, 20);
	/* refusals, with a reason */
	ck_assert_int_eq(xattr_policy_apply("onn", 3, &cur, &def, &out, why,
					    sizeof(why)),
			 -EINVAL);
	ck_assert_int_eq(xattr_policy_apply("", 0, &cur, &def, &out, why,
					    sizeof(why)),
			 -EINVAL);
	ck_assert_int_eq(xattr_policy_apply("on off", 6, &cur, &def, &out, why,
					    sizeof(why)),
			 -EINVAL);
	ck_assert_int_eq(xattr_policy_apply("low=99", 6, &cur, &def, &out, why,
					    sizeof(why)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "low"));
}
END_TEST

static void policy_attr(char *buf, size_t len)
{
	get(&xc, P "policy", buf, len);
}

START_TEST(test_policy_xattr)
{
	char buf[512], before[512];
	uint64_t col[XATTR_POLICY_STAT_COLS];

	/* no policy set on this tier yet: off */
	policy_attr(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "age=off "));
	ck_assert_int_eq(buf[strlen(buf) - 1], '\n');
	/* on: the defaults for this store (no backing, no secondary) */
	ck_assert_int_eq(set(&xc, P "policy", "on\n"), 0);
	policy_attr(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "age=5s "));
	ck_assert_ptr_nonnull(strstr(buf, " recomp_after=off "));
	ck_assert_ptr_nonnull(strstr(buf, " wb_after=off "));
	ck_assert_ptr_nonnull(strstr(buf, " spill=off "));
	ck_assert_int_eq(set(&xc, P "policy", "cpu=5 age=2h"), 0);
	policy_attr(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "age=2h "));
	ck_assert_ptr_nonnull(strstr(buf, " cpu=5 "));
	/* what it reads writes back to the same */
	ck_assert_int_eq(set(&xc, P "policy", buf), 0);
	policy_attr(before, sizeof(before));
	ck_assert_str_eq(before, buf);
	/* bad input: EINVAL, nothing changed */
	ck_assert_int_eq(set(&xc, P "policy", "cpu=0"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "policy", "cpu=7 bogus=1"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "policy", "high=10"), -EINVAL);
	ck_assert_int_eq(set(&xc, P "policy", ""), -EINVAL);
	ck_assert_int_eq(set(&xc, P "policy", "ON"), -EINVAL);
	policy_attr(buf, sizeof(buf));
	ck_assert_str_eq(buf, before);
	/* off keeps the settings for a later age= */
	ck_assert_int_eq(set(&xc, P "policy", "off"), 0);
	policy_attr(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "age=off "));
	ck_assert_ptr_nonnull(strstr(buf, " cpu=5 "));

	/* policy_stat: 14 columns; the policy ran a step; no budget: -1 */
	tier_wait_idle(tr);
	get(&xc, P "policy_stat", buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "       -1 "));
	memcpy(strstr(buf, "      -1"), "       0", 8);
	ck_assert_int_eq(columns(buf, col, XATTR_POLICY_STAT_COLS),
			 XATTR_POLICY_STAT_COLS);
	ck_assert_uint_eq(col[9], 0); /* no spill wait */

	/* without a tier nothing runs it */
	{
		struct xattr_ctx none = {.store = st};

		get(&none, P "policy", buf, sizeof(buf));
		ck_assert_ptr_nonnull(strstr(buf, "age=off "));
		ck_assert_int_eq(set(&none, P "policy", "on"), -ENODEV);
	}
}
END_TEST

/* With a backing store, on means writeback and spill too, the budget half
 * of its size. */
START_TEST(test_policy_xattr_backing)
{
	char buf[512];

	ck_assert_int_eq(set(&xc, P "policy", "on"), 0);
	policy_attr(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " wb_after=20m "));
	ck_assert_ptr_nonnull(strstr(buf, " spill=on "));
	ck_assert_ptr_nonnull(strstr(buf, " wb_daily=256M "));
	ck_assert_int_eq(set(&xc, P "policy", "off"), 0);
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
	tcase_add_test(tc, test_cpu_latency_stat);
	tcase_add_test(tc, test_parse_writeback);
	tcase_add_test(tc, test_idle);
	tcase_add_test(tc, test_writeback_no_backing);
	tcase_add_test(tc, test_writeback_limits);
	tcase_add_test(tc, test_backing_dev);
	tcase_add_test(tc, test_parse_recomp_algorithm);
	tcase_add_test(tc, test_recomp_algorithm);
	tcase_add_test(tc, test_parse_algorithm_params);
	tcase_add_test(tc, test_algorithm_params);
	tcase_add_test(tc, test_algorithm_params_dict);
	tcase_add_test(tc, test_parse_recompress);
	tcase_add_test(tc, test_recompress);
	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_policy_stat_format);
	tcase_add_test(tc, test_policy_apply);
	tcase_add_test(tc, test_policy_xattr);
	suite_add_tcase(s, tc);

	tc = tcase_create("backing");
	tcase_add_checked_fixture(tc, setup_backing, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_writeback_backing);
	tcase_add_test(tc, test_started);
	tcase_add_test(tc, test_started_busy);
	tcase_add_test(tc, test_policy_xattr_backing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(xattr_suite());
}
