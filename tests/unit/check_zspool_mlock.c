// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_zspool_mlock.c - the allocator with all memory locked, as the daemon
 * runs: freed zspages must still go back to the system.
 *
 * A program of its own so that it can report SKIP (exit 77) when it cannot
 * run, instead of passing without checking: under ASan (mlockall would lock
 * the sanitizer's shadow memory as it is touched) and where mlockall is
 * refused (RLIMIT_MEMLOCK without CAP_IPC_LOCK).  The soft limit is raised to
 * the hard one first, so it runs wherever the process may lock enough.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "check_run.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define MLOCK_FLAGS (MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)

START_TEST(test_mlocked)
{
	enum { N = 16384 }; /* 64 MiB */
	zsp_handle_t *h = calloc(N, sizeof(*h));
	struct zsp_pool *pool = NULL;
	uint64_t base;
	unsigned char *p;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(zsp_pool_create(0, 0, &pool), 0);
	/* main() found that this works here: a failure now is a failure */
	ck_assert_msg(mlockall(MLOCK_FLAGS) == 0, "mlockall: %s",
		      strerror(errno));
	ck_assert_uint_ne(tu_status_kb("VmLck"), 0);
	base = tu_status_kb("RssShmem");
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(zsp_alloc(pool, 4096, &h[i]), 0);
		memset(zsp_map(pool, h[i]), 0x3c, 4096);
		zsp_unmap(pool, h[i]);
	}
	ck_assert_uint_ge(tu_status_kb("RssShmem") - base, 60 * 1024);
	for (size_t i = 0; i < N; i++)
		zsp_free(pool, h[i]);
	ck_assert_uint_lt(tu_status_kb("RssShmem") - base, 2 * 1024);
	/* and the pool keeps working on the punched pages */
	ck_assert_int_eq(zsp_alloc(pool, 1000, &h[0]), 0);
	memset(zsp_map(pool, h[0]), 0x9a, 1000);
	zsp_unmap(pool, h[0]);
	p = zsp_map(pool, h[0]);
	for (size_t i = 0; i < 1000; i++)
		ck_assert_uint_eq(p[i], 0x9a);
	zsp_unmap(pool, h[0]);
	zsp_free(pool, h[0]);
	munlockall();
	zsp_pool_destroy(pool);
	free(h);
}
END_TEST

static Suite *mlock_suite(void)
{
	Suite *s = suite_create("zspool_mlock");
	TCase *tc = tcase_create("mlocked");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mlocked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
#ifdef UNDER_ASAN
	(void)mlock_suite; /* built, never run here */
	printf("SKIP: mlockall under ASan would lock its shadow memory\n");
	return 77;
#else
	struct zsp_pool *pool;
	struct rlimit rl;
	int ret;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	/* as the test will: with a pool's reserve already mapped */
	if (zsp_pool_create(0, 0, &pool) != 0) {
		printf("FAIL: zsp_pool_create\n");
		return EXIT_FAILURE;
	}
	ret = mlockall(MLOCK_FLAGS) ? errno : 0;
	munlockall();
	zsp_pool_destroy(pool);
	if (ret) {
		printf("SKIP: mlockall: %s (RLIMIT_MEMLOCK, no CAP_IPC_LOCK)\n",
		       strerror(ret));
		return 77;
	}
	return check_run(mlock_suite());
#endif
}
