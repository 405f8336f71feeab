// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store_recomp.c - recompression with secondary algorithms: every
 * primary/secondary pair and level edge round-trips; threshold, max_pages,
 * priorities and zram's skip rules; slots marked incompressible and not
 * tried again; changing a priority's algorithm later leaves old slots
 * decoding; a recompressed slot written back and read from the backing
 * store decodes with its own algorithm; the per-priority counts; bad input;
 * and recompression racing writes, discards and free notices on the same
 * slots from threads, with no leak.  Over an in-memory backing
 * (fake_backing.c) where a backing store is needed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "fake_backing.h"
#include "testutil.h"

#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE
#define FL(flag) (1u << ((flag) - STORE_F_SAME))

static const char *const algs[] = {"lz4", "lz4hc", "zstd"};

static struct store *make(const char *alg)
{
	struct store_config cfg = {.size = 32ULL << 20,
				   .algorithm = alg,
				   .level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

/* A text page of @tag, made less regular by @noise random words. */
static void page_of(void *p, uint64_t tag, unsigned int noise)
{
	unsigned char *b = p;
	uint64_t seed = tag * 2654435761ULL + 7;

	tu_text_page(p, tag);
	for (unsigned int i = 0; i < noise; i++) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(b + (w % (PG / 8)) * 8, &w, 8);
	}
}

static unsigned int flags_of(struct store *s, uint64_t slot, unsigned int *len)
{
	unsigned int f, l;

	ck_assert_int_eq(store_slot_info(s, slot, &f, &l), 0);
	if (len)
		*len = l;
	return f;
}

static void assert_read(struct store *s, uint64_t slot, const void *want)
{
	unsigned char got[PG];

	ck_assert_int_eq(store_read(s, slot, got), 0);
	ck_assert_msg(memcmp(got, want, PG) == 0, "slot %llu differs",
		      (unsigned long long)slot);
}

static int recomp(struct store *s, unsigned int mode, unsigned int threshold,
		  uint64_t max_pages, unsigned int prio, uint64_t *done)
{
	struct store_recomp_req r = {.mode = mode,
				     .threshold = threshold,
				     .max_pages = max_pages,
				     .prio = prio};

	return store_recompress(s, &r, done);
}

/* ---- pairs and levels -------------------------------------------------- */

/* _i: primary algs[i / 3], secondary algs[i % 3] */
START_TEST(test_pairs)
{
	const char *pri = algs[_i / 3], *sec = algs[_i % 3];
	int lmin, lmax, ldef;
	struct store *s = make(pri);
	unsigned char want[PG];
	uint64_t done, pages[STORE_MAX_PRIO + 1], bytes[STORE_MAX_PRIO + 1];
	struct stats_mm mm0, mm1;

	ck_assert_int_eq(codec_level_range(sec, &lmin, &lmax, &ldef), 0);
	for (uint64_t i = 0; i < 48; i++) {
		page_of(want, i, (unsigned int)(i % 4) * 40);
		ck_assert_int_eq(store_write(s, i, want), 0);
	}
	store_mm(s, &mm0);
	/* the strongest level of the secondary, then the fastest */
	ck_assert_int_eq(store_set_recomp(s, 1, sec, lmax > 19 ? 19 : lmax),
			 0);
	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), 0);
	store_mm(s, &mm1);
	ck_assert_uint_le(mm1.compr_data_size, mm0.compr_data_size);
	store_recomp_stats(s, pages, bytes);
	ck_assert_uint_eq(pages[1], done);
	ck_assert_uint_eq(pages[0] + pages[1], 48);
	ck_assert_uint_eq(bytes[0] + bytes[1], mm1.compr_data_size);
	for (uint64_t i = 0; i < 48; i++) {
		unsigned int f = flags_of(s, i, NULL);

		/* each slot either recompressed or marked as not shrinking */
		ck_assert(!!(f & FL(STORE_F_RECOMP)) !=
			  !!(f & FL(STORE_F_INCOMPRESSIBLE)));
		page_of(want, i, (unsigned int)(i % 4) * 40);
		assert_read(s, i, want);
	}
	/* a stronger secondary than zram's primary shrinks something */
	if (strcmp(sec, "zstd") == 0 && strcmp(pri, "zstd") != 0)
		ck_assert_uint_gt(done, 0);
	/* the fastest level, as priority 2: only what 1 left can change */
	ck_assert_int_eq(store_set_recomp(s, 2, sec, lmin), 0);
	ck_assert_int_eq(recomp(s, 0, 0, 0, 2, &done), 0);
	for (uint64_t i = 0; i < 48; i++) {
		page_of(want, i, (unsigned int)(i % 4) * 40);
		assert_read(s, i, want);
	}
	store_destroy(s);
}
END_TEST

/* ---- the request's rules ----------------------------------------------- */

START_TEST(test_threshold_max_pages)
{
	struct store *s = make("lz4");
	unsigned char want[PG];
	unsigned int len[32];
	uint64_t done;

	for (uint64_t i = 0; i < 32; i++) {
		page_of(want, i, (unsigned int)i * 12);
		ck_assert_int_eq(store_write(s, i, want), 0);
		flags_of(s, i, &len[i]);
	}
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	/* max_pages: at most 5 slots tried, the largest ones */
	ck_assert_int_eq(recomp(s, 0, 0, 5, 0, &done), 0);
	ck_assert_uint_le(done, 5);
	{
		unsigned int touched = 0;

		for (uint64_t i = 0; i < 32; i++) {
			unsigned int f = flags_of(s, i, NULL);

			if (f & (FL(STORE_F_RECOMP) |
				 FL(STORE_F_INCOMPRESSIBLE))) {
				unsigned int bigger = 0;

				touched++;
				for (uint64_t k = 0; k < 32; k++)
					bigger += len[k] > len[i];
				ck_assert_uint_lt(bigger, 5);
			}
		}
		ck_assert_uint_eq(touched, 5);
	}
	for (uint64_t i = 0; i < 32; i++) {
		page_of(want, i, (unsigned int)i * 12);
		assert_read(s, i, want);
	}
	store_destroy(s);

	/* threshold: only objects of at least 2000 bytes are tried */
	s = make("lz4");
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	for (uint64_t i = 0; i < 32; i++) {
		page_of(want, i, (unsigned int)i * 12);
		ck_assert_int_eq(store_write(s, i, want), 0);
	}
	ck_assert_int_eq(recomp(s, 0, 2000, 0, 0, &done), 0);
	{
		unsigned int tried = 0, small = 0;

		for (uint64_t i = 0; i < 32; i++) {
			unsigned int f = flags_of(s, i, NULL);
			bool t = f & (FL(STORE_F_RECOMP) |
				      FL(STORE_F_INCOMPRESSIBLE));

			if (len[i] < 2000) {
				small++;
				ck_assert(!t);
			} else {
				tried += t;
				ck_assert(t);
			}
		}
		ck_assert_uint_gt(small, 0);
		ck_assert_uint_gt(tried, 0);
	}
	for (uint64_t i = 0; i < 32; i++) {
		page_of(want, i, (unsigned int)i * 12);
		assert_read(s, i, want);
	}
	store_destroy(s);
}
END_TEST

START_TEST(test_skip_rules)
{
	struct store *s = make("lz4");
	struct backing_config bc = {.path = "fake"};
	struct backing *bk;
	struct store_wb_req wb = {.nranges = 1, .range = {{.lo = 2, .hi = 2}}};
	unsigned char p[PG], rnd[PG];
	uint64_t done, seed = 99;

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(s, bk), 0);
	memset(p, 0x11, PG);
	ck_assert_int_eq(store_write(s, 0, p), 0); /* same-filled */
	for (size_t i = 0; i < PG; i += 8) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(rnd + i, &w, 8);
	}
	ck_assert_int_eq(store_write(s, 1, rnd), 0); /* raw, cannot shrink */
	page_of(p, 2, 20);
	ck_assert_int_eq(store_write(s, 2, p), 0);
	ck_assert_int_eq(store_writeback(s, &wb, &done), 0); /* written back */
	ck_assert_uint_eq(done, 1);
	page_of(p, 3, 20);
	ck_assert_int_eq(store_write(s, 3, p), 0);
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 3), 0);

	/* idle mode: nothing is idle */
	ck_assert_int_eq(recomp(s, STORE_WB_IDLE, 0, 0, 0, &done), 0);
	ck_assert_uint_eq(done, 0);
	/* huge mode: slot 1 tried, does not shrink: incompressible */
	ck_assert_int_eq(recomp(s, STORE_WB_HUGE, 0, 0, 0, &done), 0);
	ck_assert_uint_eq(done, 0);
	ck_assert(flags_of(s, 1, NULL) & FL(STORE_F_INCOMPRESSIBLE));
	ck_assert(flags_of(s, 1, NULL) & FL(STORE_F_HUGE));
	/* any: only slot 3 (0 same-filled, 1 incompressible, 2 written back) */
	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), 0);
	ck_assert_uint_eq(done, 1);
	ck_assert(flags_of(s, 3, NULL) & FL(STORE_F_RECOMP));
	ck_assert(!(flags_of(s, 2, NULL) & FL(STORE_F_RECOMP)));
	ck_assert(!(flags_of(s, 0, NULL) & FL(STORE_F_RECOMP)));
	/* already at the highest priority: not tried again */
	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), 0);
	ck_assert_uint_eq(done, 0);
	/* a write clears the incompressible mark */
	ck_assert_int_eq(store_write(s, 1, rnd), 0);
	ck_assert(!(flags_of(s, 1, NULL) & FL(STORE_F_INCOMPRESSIBLE)));
	assert_read(s, 1, rnd);
	page_of(p, 2, 20);
	assert_read(s, 2, p);
	page_of(p, 3, 20);
	assert_read(s, 3, p);
	store_destroy(s);
	backing_destroy(bk);
}
END_TEST

START_TEST(test_priorities_and_changes)
{
	struct store *s = make("lz4");
	unsigned char want[PG];
	uint64_t done, pages[STORE_MAX_PRIO + 1], bytes[STORE_MAX_PRIO + 1];
	struct codec c;

	for (uint64_t i = 0; i < 40; i++) {
		page_of(want, i, 30);
		ck_assert_int_eq(store_write(s, i, want), 0);
	}
	ck_assert(store_recomp(s, 0, &c));
	ck_assert_int_eq(c.alg, CODEC_LZ4);
	ck_assert(!store_recomp(s, 1, &c));
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	ck_assert_int_eq(store_set_recomp(s, 3, "lz4hc", 12), 0);
	ck_assert(store_recomp(s, 3, &c));
	ck_assert_int_eq(c.alg, CODEC_LZ4HC);
	ck_assert_int_eq(c.level, 12);
	/* priority 3 only: lz4hc */
	ck_assert_int_eq(recomp(s, 0, 0, 0, 3, &done), 0);
	store_recomp_stats(s, pages, bytes);
	ck_assert_uint_eq(pages[3], done);
	ck_assert_uint_eq(pages[1], 0);
	/* a priority's algorithm changed: the slots keep decoding */
	ck_assert_int_eq(store_set_recomp(s, 3, "zstd", 1), 0);
	for (uint64_t i = 0; i < 40; i++) {
		page_of(want, i, 30);
		assert_read(s, i, want);
	}
	/* removed: gone from the plan, slots still decode */
	ck_assert_int_eq(store_set_recomp(s, 3, NULL, 0), 0);
	ck_assert(!store_recomp(s, 3, &c));
	ck_assert_int_eq(recomp(s, 0, 0, 0, 3, &done), -EINVAL);
	for (uint64_t i = 0; i < 40; i++) {
		page_of(want, i, 30);
		assert_read(s, i, want);
	}
	/* overwrite a recompressed slot: its count goes */
	store_recomp_stats(s, pages, bytes);
	if (pages[3]) {
		uint64_t before = pages[3];

		for (uint64_t i = 0; i < 40; i++)
			if (flags_of(s, i, NULL) & FL(STORE_F_RECOMP)) {
				page_of(want, i, 30);
				ck_assert_int_eq(store_write(s, i, want), 0);
				break;
			}
		store_recomp_stats(s, pages, bytes);
		ck_assert_uint_eq(pages[3], before - 1);
	}
	store_destroy(s);
}
END_TEST

START_TEST(test_bad_input)
{
	struct store *s = make("lz4");
	struct codec c;
	uint64_t done = 7;

	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), -ENOENT);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(store_set_recomp(s, 0, "zstd", 3), -EINVAL);
	ck_assert_int_eq(store_set_recomp(s, 4, "zstd", 3), -EINVAL);
	ck_assert_int_eq(store_set_recomp(s, 1, "lzo", 3), -ENOENT);
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 99), -ERANGE);
	ck_assert(!store_recomp(s, 1, &c)); /* nothing changed */
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 3), 0);
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 99), -ERANGE);
	ck_assert(store_recomp(s, 1, &c));
	ck_assert_int_eq(c.level, 3);
	ck_assert(!store_recomp(s, 4, &c));
	ck_assert_int_eq(recomp(s, 0, 0, 0, 4, &done), -EINVAL);
	ck_assert_int_eq(recomp(s, 0, 0, 0, 2, &done), -EINVAL); /* not set */
	ck_assert_int_eq(recomp(s, STORE_WB_INCOMPRESSIBLE, 0, 0, 0, &done),
			 -EINVAL);
	store_destroy(s);
}
END_TEST

/* A recompressed slot, written back and read back, decodes as zstd. */
START_TEST(test_writeback_keeps_codec)
{
	struct store *s = make("lz4");
	struct backing_config bc = {.path = "fake"};
	struct backing *bk;
	struct store_wb_req all = {0};
	unsigned char want[PG];
	uint64_t done, pages[STORE_MAX_PRIO + 1], bytes[STORE_MAX_PRIO + 1];

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(s, bk), 0);
	for (uint64_t i = 0; i < 16; i++) {
		page_of(want, i, 10);
		ck_assert_int_eq(store_write(s, i, want), 0);
	}
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), 0);
	ck_assert_uint_gt(done, 0);
	ck_assert_int_eq(store_writeback(s, &all, &done), 0);
	ck_assert_uint_eq(done, 16);
	store_recomp_stats(s, pages, bytes); /* counts are of RAM */
	ck_assert_uint_eq(pages[1], 0);
	ck_assert_uint_eq(bytes[1], 0);
	for (uint64_t i = 0; i < 16; i++) {
		unsigned int f = flags_of(s, i, NULL);

		ck_assert(f & FL(STORE_F_WB));
		page_of(want, i, 10);
		assert_read(s, i, want);
	}
	ck_assert_int_eq(store_discard(s, 0, 16), 0);
	ck_assert_uint_eq(fake_backing_live(bk), 0);
	store_destroy(s);
	backing_destroy(bk);
}
END_TEST

START_TEST(test_block_state_flags)
{
	struct store *s = make("lz4");
	unsigned char p[PG], rnd[PG];
	char buf[200];
	uint64_t cursor = 0, done, seed = 5;
	size_t n;

	page_of(p, 1, 10);
	ck_assert_int_eq(store_write(s, 0, p), 0);
	for (size_t i = 0; i < PG; i += 8) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(rnd + i, &w, 8);
	}
	ck_assert_int_eq(store_write(s, 1, rnd), 0);
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	ck_assert_int_eq(recomp(s, 0, 0, 0, 0, &done), 0);
	ck_assert_uint_eq(done, 1);
	n = store_block_state(s, &cursor, buf, sizeof(buf));
	ck_assert_uint_eq(n, 2 * STORE_BLOCK_STATE_LINE);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, " ....r.\n"));
	ck_assert_ptr_nonnull(strstr(buf, " ..h..n\n"));
	store_destroy(s);
}
END_TEST

/* ---- threads ----------------------------------------------------------- */

#define RACE_SLOTS 120
#define RACE_THREADS 3

static struct store *rs;
static unsigned int racers_done;

struct racer {
	unsigned int id;
	unsigned long ops;
	uint64_t tag[RACE_SLOTS]; /* 0: discarded */
	unsigned long bad;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	uint64_t seed = 31 + r->id;
	unsigned char p[PG], got[PG];

	for (unsigned long op = 1; op <= r->ops; op++) {
		uint64_t k = tu_rng_next(&seed) % RACE_SLOTS;
		uint64_t slot = k * RACE_THREADS + r->id;
		uint64_t what = tu_rng_next(&seed) % 8;

		if (what < 3) {
			r->tag[k] = op * 8 + r->id;
			page_of(p, r->tag[k], 20);
			if (store_write(rs, slot, p))
				r->bad++;
		} else if (what == 3) {
			r->tag[k] = 0;
			if (store_discard(rs, slot, 1))
				r->bad++;
		} else if (what == 4) {
			if (store_free_notify(rs, slot) == 0)
				r->tag[k] = 0;
		} else {
			if (r->tag[k])
				page_of(p, r->tag[k], 20);
			else
				memset(p, 0, PG);
			if (store_read(rs, slot, got) || memcmp(got, p, PG))
				r->bad++;
		}
	}
	__atomic_add_fetch(&racers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_race)
{
	struct racer r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	unsigned long ops = tu_env_ul("FZRAM_STRESS_OPS", 20000);
	uint64_t done, total = 0, pages[STORE_MAX_PRIO + 1],
		       bytes[STORE_MAX_PRIO + 1];
	unsigned char p[PG];
	struct stats_mm mm;

	rs = make("lz4");
	racers_done = 0;
	ck_assert_int_eq(store_set_recomp(rs, 1, "lz4hc", 12), 0);
	ck_assert_int_eq(store_set_recomp(rs, 2, "zstd", 3), 0);
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		r[i].ops = ops;
		for (uint64_t k = 0; k < RACE_SLOTS; k++) {
			r[i].tag[k] = (k + 1) * 1000003ULL + i;
			page_of(p, r[i].tag[k], 20);
			ck_assert_int_eq(
			    store_write(rs, k * RACE_THREADS + i, p), 0);
		}
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_main, &r[i]),
				 0);
	while (__atomic_load_n(&racers_done, __ATOMIC_ACQUIRE) <
	       RACE_THREADS) {
		ck_assert_int_eq(recomp(rs, 0, 0, 0, 0, &done), 0);
		total += done;
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(r[i].bad, 0);
	}
	ck_assert_uint_gt(total, 0);
	for (unsigned int i = 0; i < RACE_THREADS; i++)
		for (uint64_t k = 0; k < RACE_SLOTS; k++) {
			if (r[i].tag[k])
				page_of(p, r[i].tag[k], 20);
			else
				memset(p, 0, PG);
			assert_read(rs, k * RACE_THREADS + i, p);
		}
	/* the counts add up, and nothing is left after a discard of all */
	store_mm(rs, &mm);
	store_recomp_stats(rs, pages, bytes);
	ck_assert_uint_eq(bytes[0] + bytes[1] + bytes[2] + bytes[3],
			  mm.compr_data_size);
	ck_assert_int_eq(store_discard(rs, 0, RACE_SLOTS * RACE_THREADS), 0);
	store_mm(rs, &mm);
	store_recomp_stats(rs, pages, bytes);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	for (unsigned int q = 0; q <= STORE_MAX_PRIO; q++) {
		ck_assert_uint_eq(pages[q], 0);
		ck_assert_uint_eq(bytes[q], 0);
	}
	ck_assert_uint_eq(zsp_pages_used(store_pool(rs)), 0);
	store_destroy(rs);
}
END_TEST

static Suite *recomp_suite(void)
{
	Suite *s = suite_create("store_recomp");
	TCase *tc = tcase_create("recomp");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_pairs, 0, 9);
	tcase_add_test(tc, test_threshold_max_pages);
	tcase_add_test(tc, test_skip_rules);
	tcase_add_test(tc, test_priorities_and_changes);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_writeback_keeps_codec);
	tcase_add_test(tc, test_block_state_flags);
	tcase_add_test(tc, test_race);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(recomp_suite());
}
