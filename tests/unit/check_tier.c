// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_tier.c - the tier's worker (tier.h) over the store and an in-memory
 * backing (fake_backing.c): jobs queued from several threads at once each
 * get their own result, writeback runs on the worker (not the caller's
 * thread, and with every signal blocked), no backing means -ENODEV; jobs
 * started (not waited for) run in order, one queued per kind (EBUSY),
 * record their results per kind, and those still queued at destroy are
 * dropped without a leak; the worker runs at nice TIER_NICE.  With a policy
 * (issue 12): settings set and refused, a step at once that marks idle by
 * the store's clock, a kick that wakes the worker, jobs still served, and
 * a pool at mem_limit spilled under the low watermark with two log lines
 * and nothing lost, and trim down to the kernel's Used (a fake reader).
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
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <syslog.h>
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

/* ---- the policy (issue 12) ------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[4096];
static unsigned int log_lines;

static void note_log(int prio, const char *msg, void *arg)
{
	size_t n;

	(void)arg;
	ck_assert_int_eq(prio, LOG_INFO);
	ck_assert_ptr_null(strchr(msg, '\n'));
	pthread_mutex_lock(&log_lock);
	n = strlen(log_buf);
	snprintf(log_buf + n, sizeof(log_buf) - n, "%s\n", msg);
	log_lines++;
	pthread_mutex_unlock(&log_lock);
}

static bool logged(const char *what)
{
	bool yes;

	pthread_mutex_lock(&log_lock);
	yes = strstr(log_buf, what) != NULL;
	pthread_mutex_unlock(&log_lock);
	return yes;
}

/* Settings with only aging on, every @age_s. */
static struct policy_cfg aging_only(uint32_t age_s)
{
	struct policy_cfg c;

	policy_defaults(&c, false, false, 0);
	c.age_s = age_s;
	c.compact_pct = 0;
	return c;
}

/* Wait (10 s at most: the worker is another thread) until *@ok says
 * the policy's counts are there; the counts at that moment into *@out. */
static bool wait_stat(bool (*ok)(const struct policy_stat *, uint64_t),
		      uint64_t arg, struct policy_stat *out)
{
	for (unsigned int i = 0; i < 10000; i++) {
		tier_policy_stat(tr, out);
		if (ok(out, arg))
			return true;
		usleep(1000);
	}
	return false;
}

static bool steps_at_least(const struct policy_stat *p, uint64_t n)
{
	return p->steps >= n;
}

static bool spilled_back(const struct policy_stat *p, uint64_t n)
{
	(void)n;
	return p->spilled > 0 && logged("policy: spill stopped");
}

START_TEST(test_policy_set_get)
{
	struct policy_cfg c, got;
	struct policy_stat ps;

	tier_get_policy(tr, &got); /* none until one is set */
	ck_assert_uint_eq(got.age_s, 0);
	ck_assert_int_eq(policy_check(&got), 0);
	tier_policy_stat(tr, &ps);
	ck_assert_uint_eq(ps.steps, 0);
	ck_assert_uint_eq(ps.budget_left, UINT64_MAX);

	c = aging_only(86400);
	c.cpu_pct = 0;
	ck_assert_int_eq(tier_set_policy(tr, &c), -EINVAL);
	c = aging_only(86400);
	c.low_pct = c.high_pct;
	ck_assert_int_eq(tier_set_policy(tr, &c), -EINVAL);
	tier_get_policy(tr, &got);
	ck_assert_uint_eq(got.age_s, 0); /* unchanged */

	c = aging_only(86400);
	c.cpu_pct = 33;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	tier_get_policy(tr, &got);
	ck_assert_uint_eq(got.age_s, 86400);
	ck_assert_uint_eq(got.cpu_pct, 33);
	ck_assert(wait_stat(steps_at_least, 1, &ps)); /* a step at once */
	ck_assert_uint_gt(ps.cpu_ns, 0);

	/* off: the settings say so, the counts stay */
	c.age_s = 0;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	tier_get_policy(tr, &got);
	ck_assert_uint_eq(got.age_s, 0);
	tier_wait_idle(tr);
	tier_policy_stat(tr, &ps);
	ck_assert_uint_ge(ps.steps, 1);
}
END_TEST

START_TEST(test_policy_ages_and_kick)
{
	struct policy_cfg c = aging_only(50);
	struct policy_stat ps;
	unsigned char p[PG];
	unsigned int flags, len;
	uint64_t steps;

	for (uint64_t i = 0; i < 20; i++) {
		if (i == 10)
			store_advance_clock(st, 100);
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	ck_assert(wait_stat(steps_at_least, 1, &ps));
	ck_assert_uint_eq(ps.aged, 10); /* those 100 s old, not the rest */
	for (uint64_t i = 0; i < 20; i++) {
		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		ck_assert_int_eq(!!(flags & (1u << (STORE_F_IDLE - STORE_F_SAME))),
				 i < 10);
	}
	/* the next aging is 50 s away: a kick runs a step now (the sleep is
	 * TIER_POLICY_MAX_SLEEP_MS, longer than this wait can be) */
	steps = ps.steps;
	tier_policy_kick(tr);
	ck_assert(wait_stat(steps_at_least, steps + 1, &ps));

	/* jobs asked for still run, with their own result */
	{
		struct store_wb_req r = {.nranges = 1,
					 .range = {{.lo = 3, .hi = 3}}};
		uint64_t moved = 0;

		ck_assert_int_eq(tier_writeback(tr, &r, &moved), 0);
		ck_assert_uint_eq(moved, 1);
	}
	ck_assert_int_eq(store_read(st, 3, p), 0);
	{
		unsigned char want[PG];

		tu_text_page(want, 3);
		ck_assert_int_eq(memcmp(p, want, PG), 0);
	}
}
END_TEST

/* The log cleared and caught, then random pages written from slot 0 on
 * until the pool is at @limit (no spill yet); return how many fit. */
static uint64_t fill_to_limit(uint64_t limit)
{
	unsigned char p[PG];
	uint64_t n = 0;

	log_buf[0] = '\0';
	log_lines = 0;
	tier_set_log(tr, note_log, NULL);
	store_set_mem_limit(st, limit);
	for (; n < 1024; n++) {
		tu_random_page(p, n + 1);
		if (store_write(st, n, p))
			break;
	}
	ck_assert_uint_gt(n, 100);
	ck_assert_uint_lt(n, 1024); /* it did reach the limit */
	return n;
}

/* With room made, the page past fill_to_limit()'s @n goes in, and every
 * page up to it reads back. */
static void write_past_limit(uint64_t n)
{
	unsigned char p[PG], got[PG];

	tu_random_page(p, n + 1);
	ck_assert_int_eq(store_write(st, n, p), 0);
	for (uint64_t i = 0; i <= n; i++) {
		tu_random_page(p, i + 1);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_int_eq(memcmp(got, p, PG), 0);
	}
}

/* A pool at mem_limit with a backing store: the policy spills the
 * coldest slots until it is under the low watermark, says so in two log
 * lines, and loses nothing. */
START_TEST(test_policy_spill)
{
	const uint64_t limit = 1ULL << 20;
	struct policy_cfg c;
	struct policy_stat ps;
	struct stats_mm mm;
	uint64_t n = fill_to_limit(limit);

	store_mm(st, &mm);
	ck_assert_uint_ge(mm.mem_used_total, limit * 95 / 100);

	policy_defaults(&c, true, false, 64ULL << 20);
	c.age_s = 86400;
	c.wb_after_s = 0; /* spill alone */
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	ck_assert(wait_stat(spilled_back, 0, &ps));
	store_mm(st, &mm);
	ck_assert_uint_lt(mm.mem_used_total, limit * 95 / 100);
	ck_assert_uint_ge(ps.compactions, 1);
	ck_assert(logged("policy: spill started: pool"));
	ck_assert_uint_le(log_lines, 4); /* per stage, not per page */
	ck_assert_uint_eq(ps.written_back, 0);
	ck_assert_uint_lt(ps.spilled, n / 2); /* what was needed, not all */
	/* the budget is not spent by spill */
	ck_assert_uint_eq(ps.budget_left, 64ULL << 20);
	/* room again: writes go in */
	write_past_limit(n);
	ck_assert_uint_eq(fake_ctl.bad_frees, 0);
}
END_TEST

static bool spilled_at_least(const struct policy_stat *p, uint64_t n)
{
	return p->spilled >= n;
}

/* With spill on, writes past mem_limit wait for the worker instead of
 * failing: the pool stays at the limit, the data goes to the backing
 * store, nothing is lost. */
START_TEST(test_policy_spill_writes)
{
	const uint64_t limit = 1ULL << 20, pages = 2048; /* 8x the limit */
	struct policy_cfg c;
	struct policy_stat ps;
	struct stats_mm mm;
	struct stats_io io;
	struct stats_bd bd;
	unsigned char p[PG], got[PG];

	store_set_mem_limit(st, limit);
	policy_defaults(&c, true, false, 64ULL << 20);
	c.age_s = 86400;
	c.wb_after_s = 0;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	for (uint64_t i = 0; i < pages; i++) {
		tu_random_page(p, i + 7);
		ck_assert_msg(store_write(st, i, p) == 0, "write %llu",
			      (unsigned long long)i);
		store_mm(st, &mm);
		ck_assert_uint_le(mm.mem_used_total, limit);
	}
	store_io(st, &io);
	ck_assert_uint_eq(io.failed_writes, 0);
	store_bd(st, &bd);
	ck_assert_uint_ge(bd.bd_count, pages - limit / PG);
	/* counted once the step that made room ends */
	ck_assert(wait_stat(spilled_at_least, pages - limit / PG, &ps));
	for (uint64_t i = 0; i < pages; i++) {
		tu_random_page(p, i + 7);
		ck_assert_int_eq(store_read(st, i, got), 0);
		ck_assert_int_eq(memcmp(got, p, PG), 0);
	}
}
END_TEST

/* Spill that can make no room (writeback_limit spent): a write at the
 * limit fails at once, as zram's, not after TIER_SPILL_WAIT_MS; with the
 * budget back, the worker tries again by itself and writes go in. */
START_TEST(test_policy_spill_stuck)
{
	const uint64_t limit = 1ULL << 20;
	struct policy_cfg c;
	struct policy_stat ps;
	struct store_spill_stats ss;
	unsigned char p[PG];
	uint64_t n = fill_to_limit(limit);

	store_set_wb_limit_enable(st, true);
	store_set_wb_limit(st, 0);
	policy_defaults(&c, true, false, 64ULL << 20);
	c.age_s = 86400;
	c.wb_after_s = 0;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	for (unsigned int i = 0; i < 10000 && !logged("spill stopped"); i++)
		usleep(1000);
	ck_assert(logged("policy: spill stopped: writeback_limit spent"));
	for (unsigned int k = 0; k < 3; k++) {
		tu_random_page(p, n + 1);
		ck_assert_int_eq(store_write(st, n, p), -ENOMEM);
	}
	store_spill_stats(st, &ss);
	ck_assert_uint_lt(ss.max_ns, TIER_SPILL_WAIT_MS * 1000000ULL / 2);
	/* the budget back: the worker spills again within a hold */
	store_set_wb_limit(st, 1000);
	ck_assert(wait_stat(spilled_at_least, 1, &ps));
	tier_wait_idle(tr);
	write_past_limit(n);
}
END_TEST

/* A backing store full of dead space (freed objects in its segments):
 * spill compacts it and goes on, rather than failing writes at the limit
 * while compaction would make room. */
START_TEST(test_policy_spill_compacts_backing)
{
	const uint64_t limit = 1ULL << 20;
	struct policy_cfg c;
	struct policy_stat ps;
	uint64_t n = fill_to_limit(limit);

	fake_ctl.capacity = 8;
	fake_ctl.compact_room = 4096; /* what a compaction gives back */
	policy_defaults(&c, true, false, 64ULL << 20);
	c.age_s = 86400;
	c.wb_after_s = 0;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	ck_assert(wait_stat(spilled_at_least, 9, &ps));
	tier_wait_idle(tr);
	ck_assert_uint_eq(fake_ctl.compact_room, 0);
	write_past_limit(n);
}
END_TEST

static bool written_back(const struct policy_stat *p, uint64_t n)
{
	return p->written_back >= n;
}

/* Read-since-written slots go read_factor times sooner. */
START_TEST(test_policy_read_first)
{
	struct policy_cfg c;
	struct policy_stat ps;
	unsigned char p[PG];
	unsigned int flags, len;

	for (uint64_t i = 0; i < 20; i++) {
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	for (uint64_t i = 0; i < 10; i++)
		ck_assert_int_eq(store_read(st, i, p), 0);
	store_advance_clock(st, 100);
	policy_defaults(&c, true, false, 0);
	c.age_s = 86400;
	c.wb_after_s = 1000;
	c.read_factor = 10; /* read ones after 100 s */
	c.spill = false;
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	ck_assert(wait_stat(written_back, 10, &ps));
	tier_wait_idle(tr);
	tier_policy_stat(tr, &ps);
	ck_assert_uint_eq(ps.written_back, 10);
	for (uint64_t i = 0; i < 20; i++) {
		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		ck_assert_int_eq(!!(flags & (1u << (STORE_F_WB - STORE_F_SAME))),
				 i < 10);
	}
}
END_TEST

/* The kernel's Used for trim: kused_slots slots, or "not swap". */
static uint64_t kused_slots;
static int kused_swap; /* atomic: read by the worker */

static int fake_kused(void *arg, uint64_t *bytes)
{
	(void)arg;
	if (!__atomic_load_n(&kused_swap, __ATOMIC_RELAXED))
		return 0;
	*bytes = __atomic_load_n(&kused_slots, __ATOMIC_RELAXED) * PG;
	return 1;
}

static bool trimmed_some(const struct policy_stat *p, uint64_t n)
{
	(void)n;
	return p->trimmed > 0 && logged("policy: trim stopped");
}

static bool compacted_once(const struct policy_stat *p, uint64_t n)
{
	(void)n;
	return p->compactions > 0;
}

/* RAM slots (same-filled ones aside) of the store. */
static uint64_t ram_slots(void)
{
	struct stats_mm mm;

	store_mm(st, &mm);
	return mm.orig_data_size / PG - mm.same_pages;
}

/*
 * Trim: 40 slots held while the kernel says its swap uses 20: written back,
 * read-since-written first, until RAM holds at most 20 + 10 %, then a
 * compaction; every page still reads back equal.  While the file is not
 * swap, nothing moves.
 */
START_TEST(test_policy_trim)
{
	struct policy_cfg c;
	struct policy_stat ps;
	unsigned char p[PG], q[PG];
	unsigned int flags, len;

	for (uint64_t i = 0; i < 40; i++) {
		tu_text_page(p, i);
		ck_assert_int_eq(store_write(st, i, p), 0);
	}
	for (uint64_t i = 0; i < 10; i++)
		ck_assert_int_eq(store_read(st, i, p), 0);
	policy_defaults(&c, true, false, 0);
	c.age_s = 1; /* a step a second while the file is not swap */
	c.wb_after_s = 0;
	c.spill = false;
	c.compact_pct = 100; /* never by itself: only after trim */
	ck_assert_uint_eq(c.trim_pct, 10);
	__atomic_store_n(&kused_swap, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&kused_slots, 20, __ATOMIC_RELAXED);
	tier_set_log(tr, note_log, NULL);
	tier_set_kernel_used(tr, fake_kused, NULL);
	ck_assert_int_eq(tier_set_policy(tr, &c), 0);
	ck_assert(wait_stat(steps_at_least, 3, &ps));
	ck_assert_uint_eq(ps.trimmed, 0);
	ck_assert_uint_eq(ram_slots(), 40);

	__atomic_store_n(&kused_swap, 1, __ATOMIC_RELAXED);
	ck_assert(wait_stat(trimmed_some, 0, &ps));
	ck_assert(logged("policy: trim started"));
	ck_assert_uint_le(ram_slots(), 22);
	ck_assert_uint_ge(ps.trimmed, 18);
	ck_assert_uint_eq(ps.trimmed, 40 - ram_slots());
	ck_assert_uint_gt(ps.bytes_written, 0);
	/* the holes the written-back objects left: compacted after */
	ck_assert(wait_stat(compacted_once, 0, &ps));
	for (uint64_t i = 0; i < 40; i++) {
		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		if (i < 10) /* read since written: first */
			ck_assert(flags & (1u << (STORE_F_WB - STORE_F_SAME)));
		tu_text_page(q, i);
		ck_assert_int_eq(store_read(st, i, p), 0);
		ck_assert(!memcmp(p, q, PG));
	}
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
	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_policy_set_get);
	tcase_add_test(tc, test_policy_ages_and_kick);
	tcase_add_test(tc, test_policy_spill);
	tcase_add_test(tc, test_policy_spill_writes);
	tcase_add_test(tc, test_policy_spill_stuck);
	tcase_add_test(tc, test_policy_spill_compacts_backing);
	tcase_add_test(tc, test_policy_read_first);
	tcase_add_test(tc, test_policy_trim);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(tier_suite());
}
