// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store_tier.c - the store's side of the second tier, over an
 * in-memory backing (fake_backing.c) that counts its live objects: access
 * times and idle marks, writeback by mode and range, largest first, the
 * budget to the page, a slot written, discarded or freed while its
 * writeback is in flight (deterministically, from inside the backing write,
 * and with threads), ENOSPC and failed writes leaving pages in RAM, failed
 * reads, the counters, and block_state.
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

#include <unistd.h>

#include "store_int.h" /* white box: a slot's lock, for test_idle_late */

#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE
#define FL(flag) (1u << ((flag) - STORE_F_SAME))

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

/*
 * A page of @tag whose compressed size grows with @entropy (0..64): the
 * first 64 * @entropy bytes are random, the rest text.
 */
static void sized_page(void *p, uint64_t tag, unsigned int entropy)
{
	unsigned char *b = p;
	uint64_t seed = tag * 2654435761ULL + 1;

	tu_text_page(p, tag);
	for (size_t i = 0; i < (size_t)entropy * 64 && i < PG; i += 8) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(b + i, &w, 8);
	}
}

static unsigned int flags_of(uint64_t slot, unsigned int *len)
{
	return fake_flags_of(st, slot, len);
}

static void assert_read(uint64_t slot, const void *want)
{
	fake_assert_read(st, slot, want);
}

static int wb(unsigned int mode, uint64_t *moved)
{
	struct store_wb_req r = {.mode = mode};

	return store_writeback(st, &r, moved);
}

/* ---- access times and idle --------------------------------------------- */

START_TEST(test_idle_age)
{
	unsigned char p[PG];
	uint32_t t0 = store_now(st);

	for (uint64_t i = 0; i < 10; i++) {
		sized_page(p, i, 4);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	store_advance_clock(st, 100);
	ck_assert_uint_ge(store_now(st), t0 + 100);
	sized_page(p, 3, 4);
	ck_assert_int_eq(store_write(st, 3, p), 0); /* fresh */
	ck_assert_int_eq(store_read(st, 5, p), 0);  /* a read is an access */
	/* slots 3 and 5 were touched just now; the 8 others 100 s ago */
	ck_assert_uint_eq(store_mark_idle(st, false, 50), 8);
	for (uint64_t i = 0; i < 10; i++)
		ck_assert_uint_eq(!!(flags_of(i, NULL) & FL(STORE_F_IDLE)),
				  i != 3 && i != 5);
	/* a read clears the mark, a write too */
	ck_assert_int_eq(store_read(st, 1, p), 0);
	ck_assert(!(flags_of(1, NULL) & FL(STORE_F_IDLE)));
	sized_page(p, 2, 4);
	ck_assert_int_eq(store_write(st, 2, p), 0);
	ck_assert(!(flags_of(2, NULL) & FL(STORE_F_IDLE)));
	ck_assert(flags_of(0, NULL) & FL(STORE_F_IDLE));
	/* nothing is 1000 s old; "all" takes every stored slot */
	ck_assert_uint_eq(store_mark_idle(st, false, 1000), 0);
	ck_assert_uint_eq(store_mark_idle(st, true, 0), 10);
}
END_TEST

/*
 * A slot touched after the idle walk took its "now" (its access time is
 * later than that) is not idle: now - atime must not wrap to 4e9.  The walk
 * is held at the slot's lock while the clock moves and the slot is
 * touched; if the walk only starts later, the slot is fresh to it anyway.
 */
static void *mark_idle_5(void *arg)
{
	(void)arg;
	store_mark_idle(st, false, 5);
	return NULL;
}

START_TEST(test_idle_late)
{
	unsigned char p[PG];
	pthread_t t;
	uint64_t *e, v;

	sized_page(p, 1, 4);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	e = slot_word(chunk_get(st, 0, false), 0);
	v = slot_lock(e);
	ck_assert_int_eq(pthread_create(&t, NULL, mark_idle_5, NULL), 0);
	usleep(100000); /* the walk has its "now", and waits for the lock */
	store_advance_clock(st, 10);
	atime_touch(st, chunk_get(st, 0, false), 0);
	slot_unlock(e, v);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(!(flags_of(0, NULL) & FL(STORE_F_IDLE)));
}
END_TEST

START_TEST(test_idle_skips)
{
	unsigned char p[PG];
	uint64_t moved;

	memset(p, 0x5a, PG); /* same-filled */
	ck_assert_int_eq(store_write(st, 0, p), 0);
	sized_page(p, 1, 4);
	ck_assert_int_eq(store_write(st, 1, p), 0);
	sized_page(p, 2, 4);
	ck_assert_int_eq(store_write(st, 2, p), 0);
	ck_assert_int_eq(wb(0, &moved), 0); /* slots 1, 2 go */
	ck_assert_uint_eq(moved, 2);
	sized_page(p, 3, 4);
	ck_assert_int_eq(store_write(st, 3, p), 0);
	/* same-filled and written-back slots are skipped, as in zram */
	ck_assert_uint_eq(store_mark_idle(st, true, 0), 1);
	ck_assert(!(flags_of(0, NULL) & FL(STORE_F_IDLE)));
	ck_assert(!(flags_of(1, NULL) & FL(STORE_F_IDLE)));
	ck_assert(flags_of(3, NULL) & FL(STORE_F_IDLE));
}
END_TEST

/* ---- writeback --------------------------------------------------------- */

START_TEST(test_writeback_modes)
{
	unsigned char p[PG], want[8][PG];
	struct stats_mm mm0, mm1;
	struct stats_bd bd;
	uint64_t moved;
	unsigned int len;

	/* 0,1: compressible; 2,3: raw (random); 4: same-filled */
	for (uint64_t i = 0; i < 5; i++) {
		if (i == 4)
			memset(want[i], 0, PG);
		else
			sized_page(want[i], i, i >= 2 ? 64 : 4);
		ck_assert_int_eq(store_write(st, i, want[i]), 0);
	}
	ck_assert(flags_of(2, NULL) & FL(STORE_F_HUGE));
	/* idle: nothing is idle yet */
	ck_assert_int_eq(wb(STORE_WB_IDLE, &moved), 0);
	ck_assert_uint_eq(moved, 0);
	ck_assert_int_eq(store_read(st, 0, p), 0); /* touch: stays hot */
	store_advance_clock(st, 10);
	ck_assert_int_eq(store_read(st, 0, p), 0);
	ck_assert_uint_eq(store_mark_idle(st, false, 5), 3); /* 1, 2, 3 */
	/* huge_idle: 2 and 3 */
	store_mm(st, &mm0);
	ck_assert_int_eq(wb(STORE_WB_IDLE | STORE_WB_HUGE, &moved), 0);
	ck_assert_uint_eq(moved, 2);
	store_mm(st, &mm1);
	ck_assert_uint_eq(mm1.compr_data_size, mm0.compr_data_size - 2 * PG);
	ck_assert_uint_eq(mm1.orig_data_size, mm0.orig_data_size - 2 * PG);
	ck_assert_uint_eq(mm1.huge_pages, mm0.huge_pages - 2);
	ck_assert_uint_eq(flags_of(2, &len), FL(STORE_F_WB) | FL(STORE_F_HUGE));
	ck_assert_uint_eq(len, PG);
	ck_assert(!(flags_of(1, NULL) & FL(STORE_F_WB)));
	/* idle: slot 1 (0 was read since the aging, 4 is same-filled) */
	ck_assert_int_eq(wb(STORE_WB_IDLE, &moved), 0);
	ck_assert_uint_eq(moved, 1);
	ck_assert(flags_of(1, NULL) & FL(STORE_F_WB));
	ck_assert(!(flags_of(0, NULL) & FL(STORE_F_WB)));
	ck_assert(!(flags_of(4, NULL) & FL(STORE_F_WB)));
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, 3);
	ck_assert_uint_eq(bd.bd_writes, 3);
	ck_assert_uint_eq(bd.bd_reads, 0);
	ck_assert_uint_eq(fake_backing_live(bk), 3);
	for (uint64_t i = 0; i < 5; i++)
		assert_read(i, want[i]);
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_reads, 3);
	/* a read leaves the slot on the backing store (zram's behaviour) */
	ck_assert(flags_of(1, NULL) & FL(STORE_F_WB));
	/* any: only slot 0 is left in RAM to move */
	ck_assert_int_eq(wb(0, &moved), 0);
	ck_assert_uint_eq(moved, 1);
	store_mm(st, &mm1);
	ck_assert_uint_eq(mm1.compr_data_size, 0);
	ck_assert_uint_eq(mm1.orig_data_size, PG); /* the same-filled page */
}
END_TEST

START_TEST(test_writeback_sizes)
{
	unsigned char want[PG];
	uint64_t moved;
	unsigned int len, seen_raw = 0, seen_small = 0;

	/* objects from very small to raw, each written back and read back;
	 * slot 65: a page of one letter but for its first byte (tiny) */
	for (unsigned int e = 0; e <= 64; e++) {
		sized_page(want, e, e);
		ck_assert_int_eq(store_write(st, e, want), 0);
	}
	memset(want, 'a', PG);
	want[0] = 'b';
	ck_assert_int_eq(store_write(st, 65, want), 0);
	ck_assert_int_eq(wb(0, &moved), 0);
	ck_assert_uint_eq(moved, 66);
	for (unsigned int e = 0; e <= 65; e++) {
		ck_assert(flags_of(e, &len) & FL(STORE_F_WB));
		seen_raw += len == PG;
		seen_small += len < 512;
		if (e < 65) {
			sized_page(want, e, e);
		} else {
			memset(want, 'a', PG);
			want[0] = 'b';
		}
		assert_read(e, want);
	}
	ck_assert_uint_gt(seen_raw, 0);
	ck_assert_uint_gt(seen_small, 0);
}
END_TEST

START_TEST(test_writeback_ranges)
{
	unsigned char p[PG];
	struct store_wb_req r = {.nranges = 2,
				 .range = {{.lo = 2, .hi = 4}, {.lo = 9, .hi = 9}}};
	uint64_t moved;

	for (uint64_t i = 0; i < 12; i++) {
		sized_page(p, i, 4);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	ck_assert_int_eq(store_writeback(st, &r, &moved), 0);
	ck_assert_uint_eq(moved, 4);
	for (uint64_t i = 0; i < 12; i++)
		ck_assert_uint_eq(!!(flags_of(i, NULL) & FL(STORE_F_WB)),
				  (i >= 2 && i <= 4) || i == 9);
	/* bad ranges: nothing done */
	r.nranges = 1;
	r.range[0] = (struct store_wb_range){.lo = 5, .hi = 3};
	ck_assert_int_eq(store_writeback(st, &r, &moved), -EINVAL);
	r.range[0] = (struct store_wb_range){.lo = 0,
					     .hi = store_size(st) / PG};
	ck_assert_int_eq(store_writeback(st, &r, &moved), -EINVAL);
	r.nranges = STORE_WB_MAX_RANGES + 1;
	ck_assert_int_eq(store_writeback(st, &r, &moved), -EINVAL);
	ck_assert(!(flags_of(0, NULL) & FL(STORE_F_WB)));
}
END_TEST

START_TEST(test_largest_first_budget)
{
	unsigned char p[PG];
	uint64_t moved;
	unsigned int len[16];

	ck_assert_int_eq(store_set_wb_batch(st, 2), 0);
	for (uint64_t i = 0; i < 16; i++) {
		sized_page(p, i, (unsigned int)(i * 3 % 16) * 3);
		ck_assert_int_eq(store_write(st, i, p), 0);
		flags_of(i, &len[i]);
	}
	store_set_wb_limit(st, 5);
	store_set_wb_limit_enable(st, true);
	/* the budget runs out before the candidates: EIO, exactly 5 moved */
	ck_assert_int_eq(wb(0, &moved), -EIO);
	ck_assert_uint_eq(moved, 5);
	ck_assert_uint_eq(store_wb_limit(st), 0);
	/* and they were the 5 largest */
	for (uint64_t i = 0; i < 16; i++) {
		unsigned int bigger = 0;

		for (uint64_t k = 0; k < 16; k++)
			bigger += len[k] > len[i];
		if (flags_of(i, NULL) & FL(STORE_F_WB))
			ck_assert_uint_lt(bigger, 5);
		else
			ck_assert_uint_ge(bigger, 4);
	}
	/* spent: EIO at once, nothing moves */
	ck_assert_int_eq(wb(0, &moved), -EIO);
	ck_assert_uint_eq(moved, 0);
	/* disabled: no budget is spent */
	store_set_wb_limit_enable(st, false);
	ck_assert_int_eq(wb(0, &moved), 0);
	ck_assert_uint_eq(moved, 11);
	ck_assert_uint_eq(store_wb_limit(st), 0);
	/* a budget that exactly covers the candidates: no error */
	for (uint64_t i = 0; i < 3; i++) {
		sized_page(p, 100 + i, 8);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	store_set_wb_limit(st, 3);
	store_set_wb_limit_enable(st, true);
	ck_assert_int_eq(wb(0, &moved), 0);
	ck_assert_uint_eq(moved, 3);
	ck_assert_uint_eq(store_wb_limit(st), 0);
	ck_assert_int_eq(store_set_wb_batch(st, 0), -EINVAL);
	ck_assert_int_eq(store_set_wb_batch(st, BK_MAX_BATCH + 1), -EINVAL);
	ck_assert_uint_eq(store_wb_batch(st), 2);
}
END_TEST

/* Inside the backing write: slot 1 overwritten, 2 discarded, 3 freed. */
static unsigned char race_new[PG];

static void race_during_write(void *arg)
{
	(void)arg;
	fake_ctl.during_write = NULL; /* once */
	ck_assert_int_eq(store_write(st, 1, race_new), 0);
	ck_assert_int_eq(store_discard(st, 2, 1), 0);
	ck_assert_int_eq(store_free_notify(st, 3), 0);
}

START_TEST(test_writeback_race)
{
	unsigned char want[5][PG], zero[PG] = {0};
	struct stats_mm mm;
	struct stats_bd bd;
	uint64_t moved;

	for (uint64_t i = 0; i < 5; i++) {
		sized_page(want[i], i, 8);
		ck_assert_int_eq(store_write(st, i, want[i]), 0);
	}
	sized_page(race_new, 77, 8);
	fake_ctl.during_write = race_during_write;
	ck_assert_int_eq(wb(0, &moved), 0);
	/* only 0 and 4 moved; the copies of 1, 2, 3 were freed */
	ck_assert_uint_eq(moved, 2);
	ck_assert_uint_eq(fake_backing_live(bk), 2);
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, 2);
	ck_assert_uint_eq(flags_of(1, NULL), 0); /* in RAM, no stale flag */
	assert_read(0, want[0]);
	assert_read(1, race_new);
	assert_read(2, zero);
	assert_read(3, zero);
	assert_read(4, want[4]);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, PG);
	/* overwrite and discard of written-back slots free their objects */
	ck_assert_int_eq(store_write(st, 0, race_new), 0);
	ck_assert_int_eq(store_discard(st, 4, 1), 0);
	ck_assert_uint_eq(fake_backing_live(bk), 0);
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, 0);
	ck_assert_int_eq(store_discard(st, 0, 2), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(st)), 0);
}
END_TEST

START_TEST(test_writeback_enospc_eio)
{
	unsigned char want[10][PG];
	struct stats_bd bd;
	uint64_t moved;

	for (uint64_t i = 0; i < 10; i++) {
		sized_page(want[i], i, 8);
		ck_assert_int_eq(store_write(st, i, want[i]), 0);
	}
	fake_ctl.capacity = 3;
	store_set_wb_limit(st, 100);
	store_set_wb_limit_enable(st, true);
	ck_assert_int_eq(wb(0, &moved), -ENOSPC);
	ck_assert_uint_eq(moved, 3);
	/* the budget is spent only for what moved */
	ck_assert_uint_eq(store_wb_limit(st), 97);
	for (uint64_t i = 0; i < 10; i++) {
		unsigned int f = flags_of(i, NULL);

		ck_assert(!(f & FL(STORE_F_UNDER_WB)));
		assert_read(i, want[i]);
	}
	/* a failing backing store: EIO, all stays in RAM, nothing spent */
	fake_ctl.capacity = 0;
	fake_ctl.fail_writes = -EIO;
	ck_assert_int_eq(wb(0, &moved), -EIO);
	ck_assert_uint_eq(moved, 0);
	ck_assert_uint_eq(store_wb_limit(st), 97);
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, 3);
	for (uint64_t i = 0; i < 10; i++)
		assert_read(i, want[i]);
	/* and later writebacks work */
	fake_ctl.fail_writes = 0;
	ck_assert_int_eq(wb(0, &moved), 0);
	ck_assert_uint_eq(moved, 7);
	for (uint64_t i = 0; i < 10; i++)
		assert_read(i, want[i]);
}
END_TEST

START_TEST(test_read_failure)
{
	unsigned char p[PG], got[PG];
	struct stats_io io;
	uint64_t moved;

	sized_page(p, 1, 8);
	ck_assert_int_eq(store_write(st, 1, p), 0);
	ck_assert_int_eq(wb(0, &moved), 0);
	fake_ctl.fail_reads = true;
	memset(got, 0xee, PG);
	ck_assert_int_eq(store_read(st, 1, got), -EIO);
	for (size_t i = 0; i < PG; i++)
		ck_assert_uint_eq(got[i], 0); /* never other bytes */
	store_io(st, &io);
	ck_assert_uint_eq(io.failed_reads, 1);
	fake_ctl.fail_reads = false;
	assert_read(1, p);
}
END_TEST

START_TEST(test_no_backing)
{
	struct store_config cfg = {.size = 1 << 20, .level = CODEC_LEVEL_DEFAULT};
	struct store *s;
	struct store_wb_req r = {0};
	struct stats_bd bd;
	uint64_t moved = 99;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	ck_assert_int_eq(store_writeback(s, &r, &moved), -ENODEV);
	ck_assert_uint_eq(moved, 0);
	ck_assert_ptr_null(store_backing(s));
	store_bd(s, &bd);
	ck_assert_uint_eq(bd.bd_count + bd.bd_used_bytes, 0);
	ck_assert_int_eq(store_set_backing(s, NULL), -EINVAL);
	store_destroy(s);
	/* once only */
	ck_assert_int_eq(store_set_backing(st, bk), -EBUSY);
}
END_TEST

/* ---- threads ----------------------------------------------------------- */

#define RACE_SLOTS 96
#define RACE_THREADS 3

struct racer {
	unsigned int id;
	uint64_t ops;
	uint64_t tag[RACE_SLOTS]; /* 0: discarded, reads zeros */
	unsigned int bad;
};

static unsigned int racers_done; /* racers finished (atomic) */

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	uint64_t seed = 1000 + r->id;
	unsigned char p[PG], got[PG];

	for (uint64_t op = 0; op < r->ops; op++) {
		uint64_t k = tu_rng_next(&seed) % RACE_SLOTS;
		uint64_t slot = k * RACE_THREADS + r->id; /* ours alone */
		uint64_t what = tu_rng_next(&seed) % 8;

		if (what < 3) {
			r->tag[k] = op + 1;
			sized_page(p, r->tag[k] * 131 + r->id, 6);
			if (store_write(st, slot, p))
				r->bad++;
		} else if (what == 3) {
			r->tag[k] = 0;
			if (store_discard(st, slot, 1))
				r->bad++;
		} else {
			if (r->tag[k])
				sized_page(p, r->tag[k] * 131 + r->id, 6);
			else
				memset(p, 0, PG);
			if (store_read(st, slot, got) || memcmp(got, p, PG))
				r->bad++;
		}
	}
	__atomic_add_fetch(&racers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_writeback_threads)
{
	struct racer r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	unsigned long ops = tu_env_ul("FZRAM_STRESS_OPS", 20000);
	uint64_t moved, total = 0;
	struct stats_bd bd;

	racers_done = 0;
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		unsigned char p[PG];

		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		r[i].ops = ops;
		/* every slot stored before the race, so there is work at once */
		for (uint64_t k = 0; k < RACE_SLOTS; k++) {
			r[i].tag[k] = k + 1000000;
			sized_page(p, r[i].tag[k] * 131 + i, 6);
			ck_assert_int_eq(store_write(st, k * RACE_THREADS + i, p),
					 0);
		}
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_main, &r[i]),
				 0);
	/* the tier's side, as fast as it can, until the racers are done */
	for (unsigned int round = 0;
	     __atomic_load_n(&racers_done, __ATOMIC_ACQUIRE) < RACE_THREADS;
	     round++) {
		int ret;

		store_mark_idle(st, true, 0);
		ret = wb(round % 2 ? STORE_WB_IDLE : 0, &moved);
		ck_assert_int_eq(ret, 0);
		total += moved;
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(r[i].bad, 0);
	}
	ck_assert_uint_gt(total, 0);
	/* one live backing object per written-back slot: no leak */
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, fake_backing_live(bk));
	/* and nothing at all once everything is discarded */
	fake_assert_all_freed(st, bk, RACE_SLOTS * RACE_THREADS);
}
END_TEST

/* ---- block_state ------------------------------------------------------- */

START_TEST(test_block_state)
{
	unsigned char p[PG];
	char buf[4096], piece[100], all[4096];
	uint64_t cursor = 0, moved;
	size_t n, at = 0;
	unsigned long long idx, sec;
	unsigned int usec;
	char fl[8];

	memset(p, 0, PG);
	ck_assert_int_eq(store_write(st, 3, p), 0); /* s */
	sized_page(p, 1, 64);
	ck_assert_int_eq(store_write(st, 7, p), 0); /* h */
	sized_page(p, 2, 4);
	ck_assert_int_eq(store_write(st, 9000, p), 0); /* another chunk */
	ck_assert_int_eq(store_write(st, 11, p), 0);
	store_advance_clock(st, 30);
	store_mark_idle(st, true, 0);
	{
		struct store_wb_req r = {.nranges = 1,
					 .range = {{.lo = 11, .hi = 11}}};

		ck_assert_int_eq(store_writeback(st, &r, &moved), 0);
		ck_assert_uint_eq(moved, 1);
	}
	n = store_block_state(st, &cursor, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_uint_eq(n, 4 * STORE_BLOCK_STATE_LINE);
	ck_assert_uint_eq(store_block_state(st, &cursor, buf + n, 100), 0);
	ck_assert_int_eq(sscanf(buf, "%llu %llu.%u %7s", &idx, &sec, &usec, fl),
			 4);
	ck_assert_uint_eq(idx, 3);
	ck_assert_uint_eq(usec, 0);
	ck_assert_str_eq(fl, "s.....");
	ck_assert_int_eq(sscanf(buf + 40, "%llu %llu.%u %7s", &idx, &sec, &usec,
				fl),
			 4);
	ck_assert_uint_eq(idx, 7);
	ck_assert_str_eq(fl, "..hi..");
	ck_assert_int_eq(sscanf(buf + 80, "%llu %llu.%u %7s", &idx, &sec, &usec,
				fl),
			 4);
	ck_assert_uint_eq(idx, 11);
	ck_assert_str_eq(fl, ".w....");
	ck_assert_int_eq(sscanf(buf + 120, "%llu %llu.%u %7s", &idx, &sec,
				&usec, fl),
			 4);
	ck_assert_uint_eq(idx, 9000);
	ck_assert_str_eq(fl, "...i..");
	/* a read stamps the access time and clears the idle mark */
	ck_assert_int_eq(store_read(st, 9000, p), 0);
	cursor = 0;
	/* in pieces of two lines: the same text */
	while ((n = store_block_state(st, &cursor, piece, 81)) > 0) {
		ck_assert_uint_le(n, 80);
		memcpy(all + at, piece, n);
		at += n;
	}
	all[at] = '\0';
	ck_assert_uint_eq(at, 4 * STORE_BLOCK_STATE_LINE);
	ck_assert_int_eq(memcmp(all, buf, 120), 0);
	ck_assert_int_eq(sscanf(all + 120, "%llu %llu.%u %7s", &idx, &sec,
				&usec, fl),
			 4);
	ck_assert_str_eq(fl, "......");
	ck_assert_uint_ge(sec, 30);
	/* a short buffer holds no line */
	cursor = 0;
	ck_assert_uint_eq(store_block_state(st, &cursor, piece, 40), 0);
}
END_TEST

START_TEST(test_block_state_sparse)
{
	struct store_config cfg = {.size = 1ULL << 40,
				   .level = CODEC_LEVEL_DEFAULT};
	struct store *s;
	unsigned char p[PG];
	char buf[256];
	uint64_t cursor = 0, meta0;
	size_t n;

	/* 1 TiB with two slots stored: two lines, and metadata for them */
	ck_assert_int_eq(store_create(&cfg, &s), 0);
	meta0 = store_meta_bytes(s);
	sized_page(p, 5, 4);
	ck_assert_int_eq(store_write(s, 5, p), 0);
	ck_assert_int_eq(store_write(s, (1ULL << 28) - 1, p), 0);
	n = store_block_state(s, &cursor, buf, sizeof(buf));
	ck_assert_uint_eq(n, 2 * STORE_BLOCK_STATE_LINE);
	ck_assert_uint_eq(cursor, 1ULL << 28);
	/* two chunks and two access-time stretches, plus the pool's own */
	ck_assert_uint_le(store_meta_bytes(s) - meta0,
			  2 * (STORE_CHUNK_SLOTS * 8 + 64 +
			       STORE_ATIME_SLOTS * 4) + (1u << 20));
	store_destroy(s);
}
END_TEST

static Suite *store_tier_suite(void)
{
	Suite *s = suite_create("store_tier");
	TCase *tc = tcase_create("tier");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_idle_age);
	tcase_add_test(tc, test_idle_late);
	tcase_add_test(tc, test_idle_skips);
	tcase_add_test(tc, test_writeback_modes);
	tcase_add_test(tc, test_writeback_sizes);
	tcase_add_test(tc, test_writeback_ranges);
	tcase_add_test(tc, test_largest_first_budget);
	tcase_add_test(tc, test_writeback_race);
	tcase_add_test(tc, test_writeback_enospc_eio);
	tcase_add_test(tc, test_read_failure);
	tcase_add_test(tc, test_no_backing);
	tcase_add_test(tc, test_writeback_threads);
	tcase_add_test(tc, test_block_state);
	tcase_add_test(tc, test_block_state_sparse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(store_tier_suite());
}
