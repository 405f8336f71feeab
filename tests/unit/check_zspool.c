// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_zspool.c - unit tests of the allocator alone: every size, a seeded
 * random model of alloc/free/write/compact, compaction, memory given back
 * (with memory locked too: check_zspool_mlock.c), and many threads at once.
 * FZRAM_STRESS_THREADS and FZRAM_STRESS_ITERS scale the threaded stress
 * test; FZRAM_SEED picks its seed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"

static struct zsp_pool *pool;

static void setup(void)
{
	ck_assert_int_eq(zsp_pool_create(0, 0, &pool), 0);
}

static void teardown(void)
{
	zsp_pool_destroy(pool);
	pool = NULL;
}

static void assert_valid(void)
{
	char why[256] = "";
	int ret = zsp_validate(pool, why, sizeof(why));

	ck_assert_msg(ret == 0, "pool invalid: %s", why);
}

static void fill(void *p, size_t len, uint32_t tag)
{
	unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(tag * 131 + i * 7 + (i >> 8));
}

static bool check_fill(const void *p, size_t len, uint32_t tag)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != (unsigned char)(tag * 131 + i * 7 + (i >> 8)))
			return false;
	return true;
}

START_TEST(test_bad_sizes)
{
	zsp_handle_t h = 12345;
	struct zsp_stats st;

	ck_assert_int_eq(zsp_alloc(pool, 0, &h), -EINVAL);
	ck_assert_int_eq(zsp_alloc(pool, ZSP_MAX_ALLOC + 1, &h), -EINVAL);
	ck_assert_int_eq(zsp_alloc(pool, (size_t)-1, &h), -EINVAL);
	ck_assert_uint_eq(h, 12345);
	ck_assert_uint_eq(zsp_class_size(pool, 0), 0);
	ck_assert_uint_eq(zsp_class_size(pool, 4097), 0);
	zsp_get_stats(pool, &st);
	ck_assert_uint_eq(st.objs, 0);
	ck_assert_uint_eq(st.pages_used, 0);
	zsp_free(pool, 0); /* ignored */
}
END_TEST

/* each class's chain length wastes the least; chain sizes 1..16 */
START_TEST(test_geometry)
{
	static const unsigned int chains[] = {ZSP_DEFAULT_CHAIN, 1, 4, 16};
	unsigned int chain = chains[_i], n, prev = 0;
	struct zsp_pool *bad = NULL;

	ck_assert_int_eq(zsp_pool_create(0, ZSP_MAX_CHAIN + 1, &bad), -EINVAL);
	ck_assert_ptr_null(bad);
	zsp_pool_destroy(pool);
	ck_assert_int_eq(zsp_pool_create(0, chain, &pool), 0);
	n = zsp_nr_classes(pool);
	ck_assert_uint_gt(n, chain == 1 ? 20 : 50);
	for (unsigned int i = 0; i < n; i++) {
		struct zsp_class_stats cs;
		unsigned int span;

		ck_assert_int_eq(zsp_get_class_stats(pool, i, &cs), 0);
		ck_assert_uint_gt(cs.size, prev);
		ck_assert_uint_eq(cs.size % ZSP_CLASS_STEP, 0);
		ck_assert(cs.pages_per_zspage >= 1 &&
			  cs.pages_per_zspage <= chain);
		span = cs.pages_per_zspage * FZ_PAGE_SIZE;
		ck_assert_uint_eq(cs.objs_per_zspage, span / cs.size);
		/* no other chain length wastes less of the tail */
		for (unsigned int p = 1; p <= chain; p++) {
			unsigned int sp = p * FZ_PAGE_SIZE;
			double mine = (double)(span % cs.size) / span;
			double other = (double)(sp % cs.size) / sp;

			ck_assert_msg(mine <= other + 1e-12,
				      "class %u: %u pages waste more than %u",
				      cs.size, cs.pages_per_zspage, p);
		}
		prev = cs.size;
	}
	ck_assert_uint_eq(prev, ZSP_MAX_ALLOC);
	ck_assert_int_eq(zsp_get_class_stats(pool, n, NULL), -EINVAL);
}
END_TEST

/* every size 1..4096: allocate, write, read back, free */
START_TEST(test_every_size)
{
	static zsp_handle_t h[ZSP_MAX_ALLOC + 1];
	struct zsp_stats st;
	uint64_t bytes = 0;

	for (size_t s = 1; s <= ZSP_MAX_ALLOC; s++) {
		unsigned int cs = zsp_class_size(pool, s);

		ck_assert_uint_ge(cs, s);
		ck_assert_uint_lt(cs - s, s < ZSP_MIN_CLASS ? ZSP_MIN_CLASS
							    : 1024);
		ck_assert_int_eq(zsp_alloc(pool, s, &h[s]), 0);
		ck_assert_uint_ne(h[s], 0);
		fill(zsp_map(pool, h[s]), s, (uint32_t)s);
		zsp_unmap(pool, h[s]);
		bytes += cs;
	}
	zsp_get_stats(pool, &st);
	ck_assert_uint_eq(st.objs, ZSP_MAX_ALLOC);
	ck_assert_uint_eq(st.obj_bytes, bytes);
	ck_assert_uint_ge(st.pages_used * FZ_PAGE_SIZE, bytes);
	assert_valid();
	for (size_t s = 1; s <= ZSP_MAX_ALLOC; s++) {
		ck_assert_msg(check_fill(zsp_map(pool, h[s]), s, (uint32_t)s),
			      "size %zu corrupted", s);
		zsp_unmap(pool, h[s]);
	}
	for (size_t s = 1; s <= ZSP_MAX_ALLOC; s += 2)
		zsp_free(pool, h[s]);
	assert_valid();
	zsp_compact(pool);
	assert_valid();
	for (size_t s = 2; s <= ZSP_MAX_ALLOC; s += 2) {
		ck_assert(check_fill(zsp_map(pool, h[s]), s, (uint32_t)s));
		zsp_unmap(pool, h[s]);
		zsp_free(pool, h[s]);
	}
	zsp_get_stats(pool, &st);
	ck_assert_uint_eq(st.objs, 0);
	ck_assert_uint_eq(st.obj_bytes, 0);
	ck_assert_uint_eq(st.pages_used, 0);
	assert_valid();
}
END_TEST

struct model_obj {
	zsp_handle_t h;
	uint32_t size;
	uint32_t tag;
};

static void model_verify(struct model_obj *m, size_t n)
{
	struct zsp_stats st;
	uint64_t objs = 0, bytes = 0;

	for (size_t i = 0; i < n; i++) {
		if (!m[i].h)
			continue;
		ck_assert_msg(check_fill(zsp_map(pool, m[i].h), m[i].size,
					 m[i].tag),
			      "object %zu (size %u) corrupted", i, m[i].size);
		zsp_unmap(pool, m[i].h);
		objs++;
		bytes += zsp_class_size(pool, m[i].size);
	}
	zsp_get_stats(pool, &st);
	ck_assert_uint_eq(st.objs, objs);
	ck_assert_uint_eq(st.obj_bytes, bytes);
	assert_valid();
}

/* a long seeded sequence of alloc, free, rewrite and compact vs a model */
START_TEST(test_random_model)
{
	enum { NOBJ = 6000, STEPS = 60000 };
	struct model_obj *m = calloc(NOBJ, sizeof(*m));
	uint64_t seed = 0x5eed0000ULL + (uint64_t)_i;
	uint64_t compacted = 0;

	ck_assert_ptr_nonnull(m);
	for (int step = 0; step < STEPS; step++) {
		size_t i = tu_rng_next(&seed) % NOBJ;
		unsigned int op = tu_rng_next(&seed) % 100;

		if (!m[i].h && op < 70) {
			/* sizes skewed like compressed pages, all reachable */
			uint32_t size =
			    (uint32_t)(tu_rng_next(&seed) % 4096) + 1;

			if (op < 35)
				size = size / 3 + 1;
			ck_assert_int_eq(zsp_alloc(pool, size, &m[i].h), 0);
			m[i].size = size;
			m[i].tag = (uint32_t)step;
			fill(zsp_map(pool, m[i].h), size, m[i].tag);
			zsp_unmap(pool, m[i].h);
		} else if (m[i].h && op < 80) {
			/* rewrite in place */
			m[i].tag = (uint32_t)step;
			fill(zsp_map(pool, m[i].h), m[i].size, m[i].tag);
			zsp_unmap(pool, m[i].h);
		} else if (m[i].h) {
			zsp_free(pool, m[i].h);
			m[i].h = 0;
		}
#ifdef ZSP_DEBUG
		/* debug builds walk every list every few steps */
		if (step % 97 == 0)
			assert_valid();
#endif
		if (step % 15000 == 14999) {
			struct zsp_stats st;

			compacted += zsp_compact(pool);
			zsp_get_stats(pool, &st);
			ck_assert_uint_eq(st.pages_compacted, compacted);
			model_verify(m, NOBJ);
		}
	}
	model_verify(m, NOBJ);
	for (size_t i = 0; i < NOBJ; i++)
		zsp_free(pool, m[i].h);
	ck_assert_uint_eq(zsp_pages_used(pool), 0);
	assert_valid();
	free(m);
}
END_TEST

/* compaction leaves at most one non-full zspage per class and frees pages */
START_TEST(test_compaction)
{
	enum { N = 20000 };
	static zsp_handle_t h[N];
	uint64_t seed = 42, before, after, freed;
	struct zsp_stats st;
	size_t sizes[] = {100, 1000, 2000, 3000};

	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(zsp_alloc(pool, sizes[i % 4], &h[i]), 0);
		fill(zsp_map(pool, h[i]), sizes[i % 4], (uint32_t)i);
		zsp_unmap(pool, h[i]);
	}
	for (size_t i = 0; i < N; i++)
		if (tu_rng_next(&seed) % 4) {
			zsp_free(pool, h[i]);
			h[i] = 0;
		}
	before = zsp_pages_used(pool);
	freed = zsp_compact(pool);
	after = zsp_pages_used(pool);
	ck_assert_uint_gt(freed, 0);
	ck_assert_uint_eq(before - after, freed);
	zsp_get_stats(pool, &st);
	ck_assert_uint_eq(st.pages_compacted, freed);
	/*
	 * Every class with objects was fragmented enough to compact, and
	 * compaction fills the fullest zspages from the rest and packs what
	 * is left into one: each class holds exactly the fewest zspages its
	 * objects fit in (all full but at most one).
	 */
	for (unsigned int c = 0; c < zsp_nr_classes(pool); c++) {
		struct zsp_class_stats cs;
		uint64_t min;

		zsp_get_class_stats(pool, c, &cs);
		min = (cs.objs + cs.objs_per_zspage - 1) / cs.objs_per_zspage;
		ck_assert_uint_eq(cs.zspages, min);
	}
	for (size_t i = 0; i < N; i++) {
		if (!h[i])
			continue;
		ck_assert(check_fill(zsp_map(pool, h[i]), sizes[i % 4],
				     (uint32_t)i));
		zsp_unmap(pool, h[i]);
	}
	/* a second compaction finds nothing to do */
	ck_assert_uint_eq(zsp_compact(pool), 0);
	assert_valid();
}
END_TEST

/* freed zspages go back to the system; 512 MiB stays in few mappings */
START_TEST(test_memory_returned)
{
	enum { N = 131072 }; /* 131072 * 4 KiB = 512 MiB */
	zsp_handle_t *h = calloc(N, sizeof(*h));
	uint64_t base = tu_status_kb("RssShmem"), peak;

	ck_assert_ptr_nonnull(h);
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(zsp_alloc(pool, 4096, &h[i]), 0);
		memset(zsp_map(pool, h[i]), 0xa5, 4096);
		zsp_unmap(pool, h[i]);
	}
	peak = tu_status_kb("RssShmem");
	ck_assert_uint_ge(peak - base, 500 * 1024);
	for (size_t i = 0; i < N; i++)
		zsp_free(pool, h[i]);
	ck_assert_uint_eq(zsp_pages_used(pool), 0);
	ck_assert_uint_lt(tu_status_kb("RssShmem") - base, 4 * 1024);
	free(h);
}
END_TEST

struct thread_arg {
	unsigned int id;
	unsigned long iters;
	uint64_t seed;
	bool *stop;
	bool ok;
};

static void *worker(void *p)
{
	struct thread_arg *a = p;
	enum { LIVE = 512 };
	struct model_obj m[LIVE] = {{0}};
	uint64_t s = a->seed + a->id * 7919;

	a->ok = true;
	for (unsigned long it = 0; it < a->iters; it++) {
		size_t i = tu_rng_next(&s) % LIVE;

		if (m[i].h) {
			void *p2 = zsp_map(pool, m[i].h);

			if (!check_fill(p2, m[i].size, m[i].tag))
				a->ok = false;
			zsp_unmap(pool, m[i].h);
			zsp_free(pool, m[i].h);
			m[i].h = 0;
		} else {
			m[i].size = (uint32_t)(tu_rng_next(&s) % 4096) + 1;
			m[i].tag = (uint32_t)(it * 31 + a->id);
			if (zsp_alloc(pool, m[i].size, &m[i].h)) {
				a->ok = false;
				break;
			}
			fill(zsp_map(pool, m[i].h), m[i].size, m[i].tag);
			zsp_unmap(pool, m[i].h);
		}
	}
	for (size_t i = 0; i < LIVE; i++) {
		if (!m[i].h)
			continue;
		if (!check_fill(zsp_map(pool, m[i].h), m[i].size, m[i].tag))
			a->ok = false;
		zsp_unmap(pool, m[i].h);
		zsp_free(pool, m[i].h);
	}
	return NULL;
}

static void *compactor(void *p)
{
	struct thread_arg *a = p;

	while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE))
		zsp_compact(pool);
	return NULL;
}

/* many threads allocate, write, verify and free while compaction runs */
START_TEST(test_threads)
{
	unsigned int nthreads =
	    (unsigned int)tu_env_ul("FZRAM_STRESS_THREADS", 4);
	unsigned long iters = tu_env_ul("FZRAM_STRESS_ITERS", 100000);
	uint64_t seed = tu_env_ul("FZRAM_SEED", 1);
	pthread_t t[64], ct;
	struct thread_arg a[64], ca = {0};
	bool stop = false;

	if (nthreads > 64)
		nthreads = 64;
	ca.stop = &stop;
	ck_assert_int_eq(pthread_create(&ct, NULL, compactor, &ca), 0);
	for (unsigned int i = 0; i < nthreads; i++) {
		a[i] = (struct thread_arg){.id = i, .iters = iters,
					   .seed = seed};
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(a[i].ok, "thread %u saw corruption (seed %llu)",
			      i, (unsigned long long)seed);
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(ct, NULL);
	ck_assert_uint_eq(zsp_pages_used(pool), 0);
	assert_valid();
}
END_TEST

#ifdef ZSP_DEBUG
/*
 * A debug build aborts on a handle that is not allocated, instead of
 * linking it into a free list twice: each case must raise SIGABRT (Check
 * runs every test in a child of its own).
 */
START_TEST(test_bad_handle)
{
	zsp_handle_t h, other;

	ck_assert_int_eq(zsp_alloc(pool, 100, &h), 0);
	ck_assert_int_eq(zsp_alloc(pool, 100, &other), 0);
	ck_assert_uint_ne(h, other);
	switch (_i) {
	case 0: /* double free */
		zsp_free(pool, h);
		zsp_free(pool, h);
		break;
	case 1: /* a handle of an issued batch, never allocated */
		zsp_free(pool, other + 1);
		break;
	case 2: /* batch 0, which no class ever gets */
		zsp_free(pool, 1);
		break;
	case 3: /* past every handle handed out */
		zsp_free(pool, other + (1u << 20));
		break;
	case 4: /* use after free */
		zsp_free(pool, h);
		zsp_map(pool, h);
		break;
	}
	/* not reached: the pool must have aborted */
	ck_abort_msg("case %d: a bad handle was accepted", _i);
}
END_TEST
#endif

static Suite *zspool_suite(void)
{
	Suite *s = suite_create("zspool");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_bad_sizes);
	tcase_add_loop_test(tc, test_geometry, 0, 4);
	tcase_add_test(tc, test_every_size);
	tcase_add_loop_test(tc, test_random_model, 0, 3);
	tcase_add_test(tc, test_compaction);
	tcase_add_test(tc, test_memory_returned);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
#ifdef ZSP_DEBUG
	tc = tcase_create("debug");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test_raise_signal(tc, test_bad_handle, SIGABRT, 0, 5);
	suite_add_tcase(s, tc);
#endif
	return s;
}

int main(void)
{
	return check_run(zspool_suite());
}
