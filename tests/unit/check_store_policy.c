// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store_policy.c - the store's side of issue 12's self-running tiers,
 * over the in-memory backing (fake_backing.c) and the store's own clock
 * (store_advance_clock()): the access time's read bit (set by reads,
 * cleared by writes, masked in block_state and idle marking), the age
 * filters of writeback and recompression, the coldest-first order (read
 * since written first, each group oldest first, across bounded passes),
 * max_bytes and store_wb_bytes_total, and spill at mem_limit: a write
 * waiting for a worker that writes back, one that waits in vain, no spill,
 * a full backing store, the high-watermark kick, and a threaded race of
 * writers at the limit, readers and the spilling worker.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "fake_backing.h"
#include "fake_store.h"
#include "testutil.h"

#include "store_int.h" /* white box: the access-time words */

#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE
#define FL(flag) (1u << ((flag)-STORE_F_SAME))

static struct store *st;
static struct backing *bk;

static void setup(void)
{
	fake_store_open(64ULL << 20, &st, &bk);
}

static void teardown(void)
{
	fake_store_close(&st, &bk);
}

/* A page no compressor shrinks (stored raw: one pool page each), named by
 * @slot and @gen in its first 16 bytes. */
static void raw_page(void *p, uint64_t slot, uint64_t gen)
{
	tu_random_page(p, slot * 1000003 + gen);
	memcpy(p, &slot, 8);
	memcpy((unsigned char *)p + 8, &gen, 8);
}

static unsigned int flags_of(uint64_t slot, unsigned int *len)
{
	return fake_flags_of(st, slot, len);
}

static bool moved_out(uint64_t slot)
{
	return flags_of(slot, NULL) & FL(STORE_F_WB);
}

static uint32_t atime_of(uint64_t slot)
{
	return atime_load(st, chunk_get(st, slot, false), slot);
}

static void assert_read(uint64_t slot, const void *want)
{
	fake_assert_read(st, slot, want);
}

static void assert_raw(uint64_t slot, uint64_t gen)
{
	unsigned char want[PG];

	raw_page(want, slot, gen);
	assert_read(slot, want);
}

static int wb_req(enum store_wb_order order, uint32_t min_age,
		  uint32_t min_age_read, uint64_t max_bytes, uint64_t *moved)
{
	struct store_wb_req r = {.order = order,
				 .min_age = min_age,
				 .min_age_read = min_age_read,
				 .max_bytes = max_bytes};

	return store_writeback(st, &r, moved);
}

/* The slot the next one-object writeback moves (max_bytes 1), or -1;
 * @seen marks the slots 0..63 moved before. */
static int64_t next_coldest(bool seen[64])
{
	uint64_t moved;

	ck_assert_int_eq(wb_req(STORE_WB_COLDEST, 0, 0, 1, &moved), 0);
	if (!moved)
		return -1;
	ck_assert_uint_eq(moved, 1);
	for (uint64_t s = 0; s < 64; s++)
		if (moved_out(s) && !seen[s]) {
			seen[s] = true;
			return (int64_t)s;
		}
	return -1;
}

/* ---- the read bit ------------------------------------------------------ */

START_TEST(test_read_bit)
{
	unsigned char p[PG], got[PG];
	uint64_t moved;
	uint32_t a;

	raw_page(p, 0, 1);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	ck_assert_uint_eq(atime_of(0) & STORE_ATIME_READ, 0);
	store_advance_clock(st, 7);
	/* read twice within one second of the clock (tried again if the
	 * second turned meanwhile): the second read leaves the word */
	for (int tries = 0;; tries++) {
		uint32_t t = store_now(st);

		ck_assert_int_lt(tries, 10);
		ck_assert_int_eq(store_read(st, 0, got), 0);
		a = atime_of(0);
		ck_assert_int_eq(store_read(st, 0, got), 0);
		if (store_now(st) != t)
			continue;
		ck_assert_uint_eq(a, t | STORE_ATIME_READ);
		ck_assert_uint_eq(atime_of(0), a);
		break;
	}
	/* a write clears it */
	store_advance_clock(st, 3);
	raw_page(p, 0, 2);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	a = atime_of(0);
	ck_assert_uint_eq(a & STORE_ATIME_READ, 0);
	ck_assert_uint_le(store_now(st) - a, 1);
	/* same-filled: the write clears it, the read sets it */
	ck_assert_int_eq(store_read(st, 0, got), 0);
	memset(p, 0x3c, PG);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	ck_assert_uint_eq(atime_of(0) & STORE_ATIME_READ, 0);
	ck_assert_int_eq(store_read(st, 0, got), 0);
	ck_assert(atime_of(0) & STORE_ATIME_READ);
	assert_read(0, p);
	/* a written-back slot: moving it keeps the word, a read sets it */
	raw_page(p, 1, 1);
	ck_assert_int_eq(store_write(st, 1, p), 0);
	a = atime_of(1);
	ck_assert_int_eq(wb_req(STORE_WB_LARGEST, 0, 0, 0, &moved), 0);
	ck_assert_uint_eq(moved, 1);
	ck_assert(moved_out(1));
	ck_assert_uint_eq(atime_of(1), a);
	store_advance_clock(st, 5);
	assert_raw(1, 1);
	ck_assert(atime_of(1) & STORE_ATIME_READ);
	ck_assert_uint_le(store_now(st) - atime_sec(atime_of(1)), 1);
	ck_assert_uint_ge(atime_sec(atime_of(1)), atime_sec(a) + 5);
	ck_assert_uint_eq(stats_read(store_stats(st)->bd_reads), 1);
}
END_TEST

/* block_state prints the seconds, idle marking compares them */
START_TEST(test_read_bit_masked)
{
	unsigned char p[PG];
	char buf[4096];
	uint64_t cursor = 0;
	unsigned long long idx;
	unsigned int sec;
	uint32_t t0, t1;
	size_t n;

	raw_page(p, 4, 1);
	ck_assert_int_eq(store_write(st, 4, p), 0);
	store_advance_clock(st, 20);
	t0 = store_now(st);
	assert_raw(4, 1); /* read at 20 s: the word is 2^31 + 20 */
	t1 = store_now(st);
	ck_assert(atime_of(4) & STORE_ATIME_READ);
	n = store_block_state(st, &cursor, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(sscanf(buf, "%llu %u.", &idx, &sec), 2);
	ck_assert_uint_eq(idx, 4);
	ck_assert_uint_ge(sec, t0);
	ck_assert_uint_le(sec, t1);
	/* 50 s later it is 50 s idle, not "touched in the future" */
	store_advance_clock(st, 50);
	ck_assert_uint_eq(store_mark_idle(st, false, 60), 0);
	ck_assert_uint_eq(store_mark_idle(st, false, 40), 1);
	ck_assert(flags_of(4, NULL) & FL(STORE_F_IDLE));
}
END_TEST

/* ---- age filters ------------------------------------------------------- */

/*
 * Slots 0..9 written at t0, 10..19 at t0 + 100, slot 5 read at t0 + 100;
 * now t0 + 130: 0..9 but 5 are 130 s old, never read; 5 is 30 s old, read;
 * 10..19 are 30 s old, never read.
 */
static void age_setup(void)
{
	unsigned char p[PG];

	for (uint64_t i = 0; i < 10; i++) {
		raw_page(p, i, 1);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	store_advance_clock(st, 100);
	for (uint64_t i = 10; i < 20; i++) {
		raw_page(p, i, 1);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	assert_raw(5, 1);
	store_advance_clock(st, 30);
}

static void wb_age_order(enum store_wb_order order)
{
	uint64_t moved;

	age_setup();
	/* nothing is 200 s old */
	ck_assert_int_eq(wb_req(order, 200, 0, 0, &moved), 0);
	ck_assert_uint_eq(moved, 0);
	/* 100 s: the nine old never-read slots; slot 5 was read 30 s ago */
	ck_assert_int_eq(wb_req(order, 100, 0, 0, &moved), 0);
	ck_assert_uint_eq(moved, 9);
	for (uint64_t i = 0; i < 20; i++)
		ck_assert_uint_eq(moved_out(i), i < 10 && i != 5);
	/* the read age: 40 s is too much for slot 5, 20 s is not; the
	 * never-read 30 s old ones keep the 1000 s rule */
	ck_assert_int_eq(wb_req(order, 1000, 40, 0, &moved), 0);
	ck_assert_uint_eq(moved, 0);
	ck_assert_int_eq(wb_req(order, 1000, 20, 0, &moved), 0);
	ck_assert_uint_eq(moved, 1);
	ck_assert(moved_out(5));
	/* min_age 0 takes any never-read slot even with a read age */
	ck_assert_int_eq(wb_req(order, 0, 500, 0, &moved), 0);
	ck_assert_uint_eq(moved, 10);
	for (uint64_t i = 0; i < 20; i++) {
		ck_assert(moved_out(i));
		assert_raw(i, 1);
	}
}

START_TEST(test_wb_age_largest)
{
	wb_age_order(STORE_WB_LARGEST);
}
END_TEST

START_TEST(test_wb_age_coldest)
{
	wb_age_order(STORE_WB_COLDEST);
}
END_TEST

START_TEST(test_wb_bad_order)
{
	struct store_wb_req r = {.order = (enum store_wb_order)7};
	unsigned char p[PG];
	uint64_t moved = 99;

	raw_page(p, 0, 1);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	ck_assert_int_eq(store_writeback(st, &r, &moved), -EINVAL);
	ck_assert_uint_eq(moved, 0);
	ck_assert(!moved_out(0));
}
END_TEST

/* recompression: the young slots are never tried, the old ones all are */
START_TEST(test_recomp_age)
{
	struct store_recomp_req r = {.min_age = 100};
	unsigned char p[PG];
	uint64_t done;
	const unsigned int tried =
	    FL(STORE_F_RECOMP) | FL(STORE_F_INCOMPRESSIBLE);

	for (uint64_t i = 0; i < 10; i++) {
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	store_advance_clock(st, 100);
	for (uint64_t i = 10; i < 20; i++) {
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	tu_text_page(p, 5);
	assert_read(5, p);
	store_advance_clock(st, 30);
	ck_assert_int_eq(store_set_recomp(st, 1, "zstd", 19), 0);
	r.min_age = 200;
	ck_assert_int_eq(store_recompress(st, &r, &done), 0);
	ck_assert_uint_eq(done, 0);
	for (uint64_t i = 0; i < 20; i++)
		ck_assert_uint_eq(flags_of(i, NULL) & tried, 0);
	r.min_age = 100;
	ck_assert_int_eq(store_recompress(st, &r, &done), 0);
	for (uint64_t i = 0; i < 20; i++)
		ck_assert_uint_eq(!!(flags_of(i, NULL) & tried),
				  i < 10 && i != 5);
	/* slot 5 by the read age */
	r.min_age = 1000;
	r.min_age_read = 40;
	ck_assert_int_eq(store_recompress(st, &r, &done), 0);
	ck_assert_uint_eq(flags_of(5, NULL) & tried, 0);
	r.min_age_read = 20;
	ck_assert_int_eq(store_recompress(st, &r, &done), 0);
	ck_assert(flags_of(5, NULL) & tried);
	for (uint64_t i = 10; i < 20; i++)
		ck_assert_uint_eq(flags_of(i, NULL) & tried, 0);
	for (uint64_t i = 0; i < 20; i++) {
		tu_text_page(p, i);
		assert_read(i, p);
	}
}
END_TEST

/* ---- coldest first, max_bytes ------------------------------------------ */

START_TEST(test_coldest_order)
{
	static const int64_t want[] = {6, 2, 0, 1, 3, 4, 5, 7};
	bool seen[64] = {false};
	unsigned char p[PG];

	/* slot i written at 10 i s; then 6 read at 80, 2 at 90 */
	for (uint64_t i = 0; i < 8; i++) {
		raw_page(p, i, 1);
		ck_assert_int_eq(store_write(st, i, p), 0);
		store_advance_clock(st, 10);
	}
	assert_raw(6, 1);
	store_advance_clock(st, 10);
	assert_raw(2, 1);
	store_advance_clock(st, 10);
	/* one object at a time (max_bytes 1: the first slot reaches it) */
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		ck_assert_int_eq(next_coldest(seen), want[k]);
	ck_assert_int_eq(next_coldest(seen), -1);
	for (uint64_t i = 0; i < 8; i++)
		assert_raw(i, 1);
}
END_TEST

/*
 * Across passes: more candidates than one pass keeps (a few thousand),
 * written in a scrambled slot order a second apart, some read later; a
 * writeback of M objects takes exactly the read ones and then the oldest
 * written.
 */
#define MP_SLOTS 6000
#define MP_MOVE 4500
START_TEST(test_coldest_passes)
{
	static uint64_t order[MP_SLOTS];
	static bool want[MP_SLOTS];
	unsigned char p[PG];
	uint64_t moved, nread = 0, bytes0 = store_wb_bytes_total(st);

	for (uint64_t i = 0; i < MP_SLOTS; i++) {
		order[i] = i * 7919 % MP_SLOTS;
		raw_page(p, order[i], 1);
		ck_assert_int_eq(store_write(st, order[i], p), 0);
		store_advance_clock(st, 1);
	}
	/* every 10th of the youngest third read, in write order */
	for (uint64_t i = MP_SLOTS - MP_SLOTS / 3; i < MP_SLOTS; i += 10) {
		assert_raw(order[i], 1);
		want[order[i]] = true;
		nread++;
		store_advance_clock(st, 1);
	}
	for (uint64_t i = 0, left = MP_MOVE - nread; left; i++)
		if (!want[order[i]]) {
			want[order[i]] = true;
			left--;
		}
	ck_assert_int_eq(
	    wb_req(STORE_WB_COLDEST, 0, 0, (uint64_t)MP_MOVE * PG, &moved), 0);
	ck_assert_uint_eq(moved, MP_MOVE);
	for (uint64_t s = 0; s < MP_SLOTS; s++)
		ck_assert_msg(moved_out(s) == want[s], "slot %llu",
			      (unsigned long long)s);
	ck_assert_uint_eq(store_wb_bytes_total(st) - bytes0,
			  (uint64_t)MP_MOVE * PG);
	for (uint64_t s = 0; s < MP_SLOTS; s += 97)
		assert_raw(s, 1);
	/* the rest, with ranges that overlap: each slot once */
	{
		struct store_wb_req r = {
		    .order = STORE_WB_COLDEST,
		    .nranges = 3,
		    .range = {{100, 5000}, {0, 200}, {4000, MP_SLOTS - 1}}};

		ck_assert_int_eq(store_writeback(st, &r, &moved), 0);
		ck_assert_uint_eq(moved, MP_SLOTS - MP_MOVE);
	}
	ck_assert_uint_eq(fake_backing_live(bk), MP_SLOTS);
	ck_assert_uint_eq(store_wb_bytes_total(st) - bytes0,
			  (uint64_t)MP_SLOTS * PG);
}
END_TEST

/* max_bytes stops once reached (the last object may cross it), largest
 * first as zram's; store_wb_bytes_total counts what moved, for good */
START_TEST(test_max_bytes)
{
	unsigned char p[PG];
	unsigned int len[8], l;
	uint64_t moved, sum = 0, t0 = store_wb_bytes_total(st);

	for (uint64_t i = 0; i < 8; i++) {
		uint64_t seed = i + 1;

		/* random bytes, more with each i, before text: longer */
		tu_text_page(p, i);
		for (size_t k = 0; k < (2 + 5 * i) * 64; k += 8) {
			uint64_t r = tu_rng_next(&seed);

			memcpy(p + k, &r, 8);
		}
		ck_assert_int_eq(store_write(st, i, p), 0);
		flags_of(i, &len[i]);
	}
	for (uint64_t i = 1; i < 8; i++)
		ck_assert_uint_gt(len[i], len[i - 1]);
	/* one byte more than the largest: the two largest */
	ck_assert_int_eq(wb_req(STORE_WB_LARGEST, 0, 0, len[7] + 1, &moved), 0);
	ck_assert_uint_eq(moved, 2);
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_uint_eq(moved_out(i), i >= 6);
	ck_assert_uint_eq(store_wb_bytes_total(st) - t0, len[6] + len[7]);
	/* exactly the next one's length: that one alone */
	ck_assert_int_eq(wb_req(STORE_WB_LARGEST, 0, 0, len[5], &moved), 0);
	ck_assert_uint_eq(moved, 1);
	ck_assert(moved_out(5) && !moved_out(4));
	for (uint64_t i = 5; i < 8; i++) {
		flags_of(i, &l);
		ck_assert_uint_eq(l, len[i]);
		sum += l;
	}
	ck_assert_uint_eq(store_wb_bytes_total(st) - t0, sum);
	/* freeing what moved does not take it back */
	ck_assert_int_eq(store_discard(st, 5, 3), 0);
	ck_assert_uint_eq(store_wb_bytes_total(st) - t0, sum);
	ck_assert_uint_eq(fake_backing_live(bk), 0);
}
END_TEST

/* ---- spill ------------------------------------------------------------- */

/* The tier's worker, reduced: on a kick, write back the coldest
 * batch_bytes (or nothing, when !work) and wake the writers. */
struct spiller {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pending, stop, work;
	uint64_t batch_bytes;
	unsigned int kicks;   /* (atomic) */
	unsigned int waiting; /* store_spill_waiting() at the last kick */
	uint64_t moved, runs; /* the worker's */
	int last;	      /* its last store_writeback() result */
	pthread_t t;
};

static void spill_kick(void *arg)
{
	struct spiller *w = arg;

	__atomic_add_fetch(&w->kicks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&w->waiting, store_spill_waiting(st),
			 __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->lock);
	w->pending = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void *spiller_main(void *arg)
{
	struct spiller *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		uint64_t moved = 0;

		if (!w->pending) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		w->pending = false;
		pthread_mutex_unlock(&w->lock);
		if (w->work) {
			w->last = wb_req(STORE_WB_COLDEST, 0, 0, w->batch_bytes,
					 &moved);
			w->moved += moved;
			w->runs++;
			store_spill_wake(st);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void spiller_start(struct spiller *w, bool work, uint64_t batch)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->work = work;
	w->batch_bytes = batch;
	ck_assert_int_eq(pthread_create(&w->t, NULL, spiller_main, w), 0);
}

static void spiller_stop(struct spiller *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	ck_assert_int_eq(pthread_join(w->t, NULL), 0);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

static uint64_t failed_writes(void)
{
	struct stats_io io;

	store_io(st, &io);
	return io.failed_writes;
}

/* Write raw pages from slot 0 on until the pool is at @pages of limit
 * (spill off); return how many fit (the next one failed). */
static uint64_t fill_to_limit(uint64_t pages)
{
	unsigned char p[PG];
	uint64_t n = 0;
	int ret;

	store_set_mem_limit(st, pages * PG);
	for (;; n++) {
		raw_page(p, n, 1);
		ret = store_write(st, n, p);
		if (ret)
			break;
	}
	ck_assert_int_eq(ret, -ENOMEM);
	ck_assert_uint_gt(n, pages / 2);
	ck_assert_uint_eq(failed_writes(), 1);
	return n;
}

START_TEST(test_spill_worker)
{
	struct spiller w;
	struct store_spill_stats ss;
	unsigned char p[PG];
	uint64_t n = fill_to_limit(64), total;

	spiller_start(&w, true, 8 * PG);
	store_set_spill(st, 10000, spill_kick, &w);
	/* three times what fits: each write at the limit waits for a batch */
	total = 4 * n;
	for (uint64_t s = n; s < total; s++) {
		raw_page(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
		ck_assert_uint_le(zsp_pages_used(store_pool(st)), 64);
	}
	spiller_stop(&w);
	ck_assert_uint_eq(failed_writes(), 1);
	store_spill_stats(st, &ss);
	ck_assert_uint_gt(ss.waits, 0);
	ck_assert_uint_eq(ss.failed, 0);
	ck_assert_uint_gt(ss.wait_ns, 0);
	ck_assert_uint_le(ss.max_ns, ss.wait_ns);
	ck_assert_uint_ge(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED),
			  ss.waits);
	ck_assert_uint_ge(w.moved, total - n - 1);
	for (uint64_t s = 0; s < total; s++)
		assert_raw(s, 1);
}
END_TEST

/* a kick that frees nothing: the write fails after wait_ms, counted */
START_TEST(test_spill_timeout)
{
	struct spiller w;
	struct store_spill_stats ss;
	unsigned char p[PG];
	uint64_t n = fill_to_limit(32);

	spiller_start(&w, false, 0);
	store_set_spill(st, 30, spill_kick, &w);
	raw_page(p, n, 1);
	ck_assert_int_eq(store_write(st, n, p), -ENOMEM);
	spiller_stop(&w);
	ck_assert_uint_eq(failed_writes(), 2);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.waits, 1);
	ck_assert_uint_eq(ss.failed, 1);
	ck_assert_uint_ge(ss.wait_ns, 30 * 1000000ULL);
	ck_assert_uint_eq(ss.max_ns, ss.wait_ns);
	ck_assert_uint_ge(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 1);
	/* the worker saw the write waiting when kicked; not after */
	ck_assert_uint_eq(w.waiting, 1);
	ck_assert_uint_eq(store_spill_waiting(st), 0);
	/* slot n keeps nothing, the others their pages */
	ck_assert_uint_eq(flags_of(n, NULL), 0);
	for (uint64_t s = 0; s < n; s++)
		assert_raw(s, 1);
}
END_TEST

/* without spill (or without a backing store) zram's: at once, no kick */
START_TEST(test_spill_off)
{
	struct spiller w;
	struct store_spill_stats ss;
	unsigned char p[PG];
	uint64_t n = fill_to_limit(32);

	spiller_start(&w, true, 8 * PG);
	store_set_spill(st, 0, spill_kick, &w);
	raw_page(p, n, 1);
	ck_assert_int_eq(store_write(st, n, p), -ENOMEM);
	ck_assert_uint_eq(failed_writes(), 2);
	spiller_stop(&w);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 0);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.waits, 0);
	ck_assert_uint_eq(ss.failed, 0);

	/* spill set, no backing store */
	{
		struct store_config cfg = {.size = 1ULL << 20,
					   .level = CODEC_LEVEL_DEFAULT,
					   .mem_limit = 8 * PG};
		struct store *s2;
		unsigned int kicks;
		int ret = 0;

		ck_assert_int_eq(store_create(&cfg, &s2), 0);
		spiller_start(&w, false, 0);
		store_set_spill(s2, 10000, spill_kick, &w);
		for (uint64_t s = 0; s < 64 && !ret; s++) {
			raw_page(p, s, 1);
			ret = store_write(s2, s, p);
		}
		ck_assert_int_eq(ret, -ENOMEM);
		spiller_stop(&w);
		kicks = __atomic_load_n(&w.kicks, __ATOMIC_RELAXED);
		ck_assert_uint_eq(kicks, 0);
		store_spill_stats(s2, &ss);
		ck_assert_uint_eq(ss.waits, 0);
		store_destroy(s2);
	}
}
END_TEST

/* a full backing store: no wait; room again: waits; full found while
 * waiting: the write fails at once, not at the end of wait_ms */
START_TEST(test_spill_backing_full)
{
	struct spiller w;
	struct store_spill_stats ss;
	unsigned char p[PG];
	uint64_t n = fill_to_limit(32), moved, s;
	int ret = 0;

	fake_ctl.capacity = 4;
	ck_assert_int_eq(wb_req(STORE_WB_COLDEST, 0, 0, 0, &moved), -ENOSPC);
	ck_assert_uint_eq(moved, 4);
	spiller_start(&w, true, PG);
	store_set_spill(st, 10000, spill_kick, &w);
	/* the four freed pages fill again, then the next write fails at
	 * once: nothing waited, nobody was kicked */
	for (s = n; !ret; s++) {
		raw_page(p, s, 1);
		ret = store_write(st, s, p);
	}
	ck_assert_int_eq(ret, -ENOMEM);
	s--; /* the slot that failed */
	ck_assert_uint_eq(failed_writes(), 2);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.waits, 0);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 0);

	/* a written-back slot freed: room for one; the write waits for the
	 * worker, which moves one more */
	ck_assert(moved_out(0));
	ck_assert_int_eq(store_discard(st, 0, 1), 0);
	ck_assert_int_eq(store_write(st, s, p), 0);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.waits, 1);
	ck_assert_uint_eq(ss.failed, 0);
	ck_assert_uint_eq(fake_backing_live(bk), 4);

	/* the backing store is full again, which the worker finds out
	 * while the next write waits: it fails well before 10 s */
	raw_page(p, s + 1, 1);
	ck_assert_int_eq(store_write(st, s + 1, p), -ENOMEM);
	spiller_stop(&w);
	ck_assert_int_eq(w.last, -ENOSPC);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.waits, 2);
	ck_assert_uint_eq(ss.failed, 1);
	ck_assert_uint_lt(ss.max_ns, 10000 * 1000000ULL);
	ck_assert_uint_eq(failed_writes(), 3);
	for (uint64_t k = 1; k <= s; k++)
		assert_raw(k, 1);
	ck_assert_uint_eq(flags_of(s + 1, NULL), 0);
}
END_TEST

/* the early kick: once past the mark, again only after a wake */
START_TEST(test_spill_high)
{
	unsigned char p[PG];
	unsigned int kicks = 0;
	struct spiller w; /* only its kick count: no thread */
	uint64_t s = 0;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	store_set_mem_limit(st, 100 * PG);
	store_set_spill(st, 1000, spill_kick, &w);
	store_set_spill_high(st, 80);
	for (; zsp_pages_used(store_pool(st)) < 80; s++) {
		raw_page(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
		kicks = __atomic_load_n(&w.kicks, __ATOMIC_RELAXED);
		ck_assert_uint_eq(kicks, zsp_pages_used(store_pool(st)) > 80);
	}
	/* past it: one kick, however many writes */
	for (uint64_t k = 0; k < 5; k++, s++) {
		raw_page(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_uint_gt(zsp_pages_used(store_pool(st)), 80);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 1);
	store_spill_wake(st);
	raw_page(p, s, 1);
	ck_assert_int_eq(store_write(st, s++, p), 0);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 2);
	/* below the mark, no kick even after a wake */
	ck_assert_int_eq(store_discard(st, 0, s), 0);
	store_spill_wake(st);
	raw_page(p, 0, 2);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 2);
	/* off (0), and with spill off: none */
	for (s = 1; zsp_pages_used(store_pool(st)) <= 85; s++) {
		raw_page(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 3);
	store_spill_wake(st);
	store_set_spill_high(st, 0);
	raw_page(p, s, 1);
	ck_assert_int_eq(store_write(st, s++, p), 0);
	store_set_spill_high(st, 80);
	store_set_spill(st, 0, spill_kick, &w);
	raw_page(p, s, 1);
	ck_assert_int_eq(store_write(st, s++, p), 0);
	ck_assert_uint_eq(__atomic_load_n(&w.kicks, __ATOMIC_RELAXED), 3);
	assert_raw(0, 2);
	for (uint64_t k = 1; k < s; k++)
		assert_raw(k, 1);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
}
END_TEST

/* ---- the race ---------------------------------------------------------- */

#define RACE_WRITERS 2
#define RACE_SLOTS 400 /* per writer: slots w, w + 2, ... */
#define RACE_LIMIT 128 /* pool pages: a third of what is written */

struct racer {
	unsigned int id;
	unsigned long ops;
	uint64_t gen[RACE_SLOTS]; /* the last written, per own slot */
	uint64_t errors, bad;
};

static unsigned int writers_done;

static void *race_writer(void *arg)
{
	struct racer *r = arg;
	uint64_t seed = r->id + 11;
	unsigned char p[PG];

	for (unsigned long op = 0; op < r->ops; op++) {
		uint64_t k = tu_rng_next(&seed) % RACE_SLOTS;
		uint64_t slot = k * RACE_WRITERS + r->id;

		raw_page(p, slot, r->gen[k] + 1);
		if (store_write(st, slot, p))
			r->errors++;
		else
			r->gen[k]++;
		/* each writer may be one page past it for a moment: between
		 * its allocation and undoing it */
		ck_assert_uint_le(zsp_pages_used(store_pool(st)),
				  RACE_LIMIT + RACE_WRITERS);
	}
	__atomic_add_fetch(&writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Reads any slot: zeros (never written) or a page naming its slot, with
 * a generation that never goes back. */
static void *race_reader(void *arg)
{
	static uint64_t seen[RACE_SLOTS * RACE_WRITERS];
	struct racer *r = arg;
	uint64_t seed = 99;
	unsigned char p[PG], want[PG];

	while (__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE) <
	       RACE_WRITERS) {
		uint64_t slot =
		    tu_rng_next(&seed) % (RACE_SLOTS * RACE_WRITERS);
		uint64_t s, gen;

		if (store_read(st, slot, p)) {
			r->errors++;
			continue;
		}
		memcpy(&s, p, 8);
		memcpy(&gen, p + 8, 8);
		if (!s && !gen) {
			if (seen[slot])
				r->bad++;
			continue;
		}
		raw_page(want, slot, gen);
		if (s != slot || gen < seen[slot] || memcmp(p, want, PG))
			r->bad++;
		seen[slot] = gen;
	}
	return NULL;
}

START_TEST(test_spill_race)
{
	struct racer r[RACE_WRITERS + 1];
	pthread_t t[RACE_WRITERS + 1];
	struct store_spill_stats ss;
	struct spiller w;
	struct stats_bd bd;

	writers_done = 0;
	store_set_mem_limit(st, RACE_LIMIT * PG);
	spiller_start(&w, true, 16 * PG);
	store_set_spill(st, 30000, spill_kick, &w);
	store_set_spill_high(st, 90);
	for (unsigned int i = 0; i <= RACE_WRITERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		r[i].ops = tu_env_ul("FZRAM_STRESS_OPS", 6000);
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL,
				   i < RACE_WRITERS ? race_writer : race_reader,
				   &r[i]),
		    0);
	}
	for (unsigned int i = 0; i <= RACE_WRITERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(r[i].errors, 0);
		ck_assert_uint_eq(r[i].bad, 0);
	}
	spiller_stop(&w);
	ck_assert_int_eq(w.last, 0);
	ck_assert_uint_gt(w.moved, 0);
	ck_assert_uint_eq(failed_writes(), 0);
	store_spill_stats(st, &ss);
	ck_assert_uint_eq(ss.failed, 0);
	/* every slot holds its last write */
	for (unsigned int i = 0; i < RACE_WRITERS; i++)
		for (uint64_t k = 0; k < RACE_SLOTS; k++)
			if (r[i].gen[k])
				assert_raw(k * RACE_WRITERS + i, r[i].gen[k]);
	store_bd(st, &bd);
	ck_assert_uint_gt(bd.bd_count, 0);
	ck_assert_uint_eq(bd.bd_count, fake_backing_live(bk));
	/* nothing left anywhere once everything is discarded */
	fake_assert_all_freed(st, bk, RACE_SLOTS * RACE_WRITERS);
}
END_TEST

/* ---- spill set and unset while writes wait ---------------------------- */

#define TOGGLE_ROUNDS 200000

static unsigned int toggle_null_args, toggle_kicks; /* (atomic) */
static bool toggle_stop;			    /* (atomic) */

/* The kick a write calls: never with another pair's argument. */
static void toggle_kick(void *arg)
{
	__atomic_add_fetch(&toggle_kicks, 1, __ATOMIC_RELAXED);
	if (arg != &toggle_kicks)
		__atomic_add_fetch(&toggle_null_args, 1, __ATOMIC_RELAXED);
}

/* Writes at the limit: each waits (spill on) or fails (off). */
static void *toggle_writer(void *arg)
{
	unsigned char p[PG];
	uint64_t slot = (uint64_t)(uintptr_t)arg;

	raw_page(p, slot, 1);
	while (!__atomic_load_n(&toggle_stop, __ATOMIC_ACQUIRE))
		(void)store_write(st, slot, p);
	return NULL;
}

/* tier_set_policy() turning spill on and off while writes wait at the
 * limit: a write that loads the kick as it is being set or unset calls it
 * with its own argument, never with NULL (the tier's kick would crash). */
START_TEST(test_spill_toggle)
{
	uint64_t n = fill_to_limit(16);
	pthread_t t[2];

	toggle_null_args = toggle_kicks = 0;
	toggle_stop = false;
	for (uintptr_t i = 0; i < 2; i++)
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, toggle_writer, (void *)(n + i)),
		    0);
	/* on a loaded machine the writers may miss every "on" window of the
	 * first rounds: go on (bounded) until one kick shows the race ran */
	for (unsigned int i = 0;
	     i < TOGGLE_ROUNDS ||
	     (!__atomic_load_n(&toggle_kicks, __ATOMIC_RELAXED) &&
	      i < 10 * TOGGLE_ROUNDS);
	     i++) {
		store_set_spill(st, 10000, toggle_kick, &toggle_kicks);
		store_set_spill(st, 0, NULL, NULL);
	}
	__atomic_store_n(&toggle_stop, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_uint_gt(toggle_kicks, 0);
	ck_assert_uint_eq(toggle_null_args, 0);
	for (uint64_t s = 0; s < n; s++)
		assert_raw(s, 1);
}
END_TEST

static Suite *store_policy_suite(void)
{
	Suite *s = suite_create("store_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_read_bit);
	tcase_add_test(tc, test_read_bit_masked);
	tcase_add_test(tc, test_wb_age_largest);
	tcase_add_test(tc, test_wb_age_coldest);
	tcase_add_test(tc, test_wb_bad_order);
	tcase_add_test(tc, test_recomp_age);
	tcase_add_test(tc, test_coldest_order);
	tcase_add_test(tc, test_coldest_passes);
	tcase_add_test(tc, test_max_bytes);
	tcase_add_test(tc, test_spill_worker);
	tcase_add_test(tc, test_spill_timeout);
	tcase_add_test(tc, test_spill_off);
	tcase_add_test(tc, test_spill_backing_full);
	tcase_add_test(tc, test_spill_high);
	tcase_add_test(tc, test_spill_race);
	tcase_add_test(tc, test_spill_toggle);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(store_policy_suite());
}
