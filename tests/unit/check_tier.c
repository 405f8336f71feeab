// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_tier.c - the tier's worker (tier.h) over the store and an in-memory
 * backing (fake_backing.c): jobs queued from several threads at once each
 * get their own result, writeback runs on the worker (not the caller's
 * thread, and with every signal blocked), no backing means -ENODEV.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tier.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "check_run.h"
#include "fake_backing.h"
#include "testutil.h"

#include "codec.h"

#define PG FZ_PAGE_SIZE
#define NCALLERS 4
#define PER_CALLER 50

static struct store *st;
static struct backing *bk;
static struct tier *tr;

static void setup(void)
{
	struct store_config cfg = {.size = 16ULL << 20,
				   .level = CODEC_LEVEL_DEFAULT};
	struct backing_config bc = {.path = "fake"};

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(store_create(&cfg, &st), 0);
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(st, bk), 0);
	ck_assert_int_eq(tier_create(st, &tr), 0);
}

static void teardown(void)
{
	tier_destroy(tr);
	store_destroy(st);
	backing_destroy(bk);
}

static pthread_t writer_thread;
static int writer_blocks_term; /* the worker's mask holds SIGTERM */

static void note_thread(void *arg)
{
	sigset_t cur;

	(void)arg;
	writer_thread = pthread_self();
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	writer_blocks_term = sigismember(&cur, SIGTERM) == 1 &&
			     sigismember(&cur, SIGINT) == 1;
}

struct caller {
	unsigned int id;
	uint64_t moved;
	int ret;
};

/* Each caller writes its own slots back, by range, one job per slot. */
static void *caller_main(void *arg)
{
	struct caller *c = arg;

	for (unsigned int i = 0; i < PER_CALLER; i++) {
		uint64_t slot = c->id * PER_CALLER + i, moved = 0;
		struct store_wb_req r = {.nranges = 1,
					 .range = {{.lo = slot, .hi = slot}}};
		int ret = tier_writeback(tr, &r, &moved);

		if (ret && !c->ret)
			c->ret = ret;
		c->moved += moved;
	}
	return NULL;
}

START_TEST(test_jobs_from_threads)
{
	struct caller c[NCALLERS];
	pthread_t t[NCALLERS];
	unsigned char p[PG];
	struct stats_bd bd;

	for (uint64_t s = 0; s < NCALLERS * PER_CALLER; s++) {
		tu_text_page(p, s);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	fake_ctl.during_write = note_thread;
	for (unsigned int i = 0; i < NCALLERS; i++) {
		c[i] = (struct caller){.id = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, caller_main, &c[i]),
				 0);
	}
	for (unsigned int i = 0; i < NCALLERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(c[i].ret, 0);
		ck_assert_uint_eq(c[i].moved, PER_CALLER);
	}
	/* the backing writes ran on the worker, not on a caller, and the
	 * worker takes no termination signal (the daemon's main thread does) */
	ck_assert(!pthread_equal(writer_thread, pthread_self()));
	ck_assert_int_eq(writer_blocks_term, 1);
	for (unsigned int i = 0; i < NCALLERS; i++)
		ck_assert(!pthread_equal(writer_thread, t[i]));
	store_bd(st, &bd);
	ck_assert_uint_eq(bd.bd_count, NCALLERS * PER_CALLER);
	for (uint64_t s = 0; s < NCALLERS * PER_CALLER; s++) {
		unsigned char got[PG];

		tu_text_page(p, s);
		ck_assert_int_eq(store_read(st, s, got), 0);
		ck_assert_int_eq(memcmp(got, p, PG), 0);
	}
	/* errors come back to the caller that asked */
	{
		struct store_wb_req r = {.nranges = 1,
					 .range = {{.lo = 5, .hi = 4}}};

		ck_assert_int_eq(tier_writeback(tr, &r, NULL), -EINVAL);
	}
	ck_assert_int_eq(tier_compact(tr), 0); /* the fake frees nothing */
}
END_TEST

START_TEST(test_no_backing)
{
	struct store_config cfg = {.size = 1 << 20, .level = CODEC_LEVEL_DEFAULT};
	struct store *s;
	struct tier *t;
	struct store_wb_req r = {0};

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	ck_assert_int_eq(tier_create(s, &t), 0);
	ck_assert_int_eq(tier_writeback(t, &r, NULL), -ENODEV);
	ck_assert_int_eq(tier_compact(t), 0);
	tier_destroy(t);
	store_destroy(s);
	tier_destroy(NULL);
}
END_TEST

static Suite *tier_suite(void)
{
	Suite *s = suite_create("tier");
	TCase *tc = tcase_create("worker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jobs_from_threads);
	tcase_add_test(tc, test_no_backing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(tier_suite());
}
