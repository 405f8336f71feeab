// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_tier.c - the tier's worker (tier.h) over the store and an in-memory
 * backing (fake_backing.c): jobs queued from several threads at once each
 * get their own result, writeback runs on the worker (not the caller's
 * thread, and with every signal blocked), no backing means -ENODEV; jobs
 * started (not waited for) run in order, one queued per kind (EBUSY),
 * record their results per kind, and those still queued at destroy are
 * dropped without a leak; the worker runs at nice TIER_NICE.
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
#include <sys/resource.h>
#include <unistd.h>

#include "check_run.h"
#include "fake_backing.h"
#include "fake_store.h"
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
	fake_store_open(16ULL << 20, &st, &bk);
	ck_assert_int_eq(tier_create(st, &tr), 0);
}

static void teardown(void)
{
	tier_destroy(tr);
	fake_store_close(&st, &bk);
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

/* The nice value of the worker, seen from inside a backing write (the
 * worker runs the job). */
static int nice_seen = -100;

static void note_nice(void *arg)
{
	(void)arg;
	errno = 0;
	nice_seen = getpriority(PRIO_PROCESS, (id_t)gettid());
}

START_TEST(test_started)
{
	struct store_wb_req all = {0};
	struct store_recomp_req any = {0};
	struct tier_status ts;
	unsigned char p[PG];

	for (uint64_t i = 0; i < 64; i++) {
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	tier_get_status(tr, TIER_WRITEBACK, &ts);
	ck_assert(!ts.queued && !ts.running);
	ck_assert_uint_eq(ts.runs, 0);
	/* recompression with nothing set: its -ENOENT recorded */
	ck_assert_int_eq(tier_start_recompress(tr, &any), 0);
	fake_ctl.during_write = note_nice;
	ck_assert_int_eq(tier_start_writeback(tr, &all), 0);
	ck_assert_int_eq(tier_start_compact(tr), 0);
	tier_wait_idle(tr);
	fake_ctl.during_write = NULL;
	tier_get_status(tr, TIER_RECOMPRESS, &ts);
	ck_assert_uint_eq(ts.runs, 1);
	ck_assert_int_eq(ts.last, -ENOENT);
	tier_get_status(tr, TIER_WRITEBACK, &ts);
	ck_assert(!ts.queued && !ts.running);
	ck_assert_uint_eq(ts.runs, 1);
	ck_assert_int_eq(ts.last, 0);
	ck_assert_uint_eq(ts.last_count, 64);
	ck_assert_int_eq(nice_seen, TIER_NICE);
	tier_get_status(tr, TIER_COMPACT, &ts);
	ck_assert_uint_eq(ts.runs, 1);
	ck_assert_int_ge(ts.last, 0);
	/* waited-for jobs are recorded too */
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	tier_get_status(tr, TIER_WRITEBACK, &ts);
	ck_assert_uint_eq(ts.runs, 2);
	ck_assert_uint_eq(ts.last_count, 0);
	for (uint64_t i = 0; i < 64; i++) {
		unsigned char got[PG];

		tu_text_page(p, i);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert(memcmp(p, got, PG) == 0);
	}
}
END_TEST

/* Jobs still queued when the tier goes are dropped (ASan: no leak), and
 * a second of a kind queued is EBUSY. */
static volatile int hold = 1;

static void slow_write(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&hold, __ATOMIC_ACQUIRE))
		usleep(1000);
}

START_TEST(test_destroy_queued)
{
	struct store_wb_req all = {0};
	struct store_recomp_req any = {0};
	struct tier_status ts;
	unsigned char p[PG];

	tu_text_page(p, 1);
	ck_assert_int_eq(store_write(st, 0, p), 0);
	fake_ctl.during_write = slow_write; /* the first writeback blocks */
	ck_assert_int_eq(tier_start_writeback(tr, &all), 0);
	do {
		tier_get_status(tr, TIER_WRITEBACK, &ts);
	} while (!ts.running);
	ck_assert_int_eq(tier_start_writeback(tr, &all), 0); /* queued */
	ck_assert_int_eq(tier_start_writeback(tr, &all), -EBUSY);
	ck_assert_int_eq(tier_start_recompress(tr, &any), 0);
	ck_assert_int_eq(tier_start_compact(tr), 0);
	tier_get_status(tr, TIER_WRITEBACK, &ts);
	ck_assert(ts.queued && ts.running);
	__atomic_store_n(&hold, 0, __ATOMIC_RELEASE);
	tier_destroy(tr); /* the running one finishes, the rest are dropped */
	tr = NULL;
	fake_ctl.during_write = NULL;
	ck_assert_int_eq(store_read(st, 0, (unsigned char[PG]){0}), 0);
}
END_TEST

static Suite *tier_suite(void)
{
	Suite *s = suite_create("tier");
	TCase *tc = tcase_create("worker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_jobs_from_threads);
	tcase_add_test(tc, test_no_backing);
	tcase_add_test(tc, test_started);
	tcase_add_test(tc, test_destroy_queued);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(tier_suite());
}
