// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_stats.c - unit tests of the counters' text forms: zram's column
 * layouts, short buffers refused, and the lock-free peak.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stats.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"

START_TEST(test_mm_stat)
{
	struct stats_mm mm = {1, 2, 3, 4, 5, 6, 7, 8, 18446744073709551615ULL};
	unsigned long long v[9];
	char buf[256];
	int n = stats_format_mm(&mm, buf, sizeof(buf));

	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq((size_t)n, strlen(buf));
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_int_eq(sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu "
				     "%llu",
				&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
				&v[7], &v[8]),
			 9);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(v[i], (unsigned long long)i + 1);
	ck_assert_uint_eq(v[8], 18446744073709551615ULL);
	/* fixed columns: small numbers are right-aligned in 8 */
	ck_assert_int_eq(strncmp(buf, "       1        2 ", 18), 0);
	ck_assert_int_eq(stats_format_mm(&mm, buf, 20), -ENOSPC);
}
END_TEST

START_TEST(test_io_debug)
{
	struct stats_io io = {10, 20, 0, 40};
	char buf[128];

	ck_assert_int_gt(stats_format_io(&io, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "      10       20        0       40\n");
	ck_assert_int_gt(stats_format_debug(3, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "version: 1\n       0        3\n");
	ck_assert_int_eq(stats_format_io(&io, buf, 10), -ENOSPC);
	ck_assert_int_eq(stats_format_debug(3, buf, 5), -ENOSPC);
}
END_TEST

static uint64_t peak;

static void *raiser(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg;

	for (uint64_t i = 0; i < 100000; i++)
		stats_update_max(&peak, base + i);
	return NULL;
}

START_TEST(test_update_max)
{
	pthread_t t[4];

	peak = 0;
	stats_update_max(&peak, 5);
	stats_update_max(&peak, 3);
	ck_assert_uint_eq(peak, 5);
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, raiser, (void *)(i * 1000));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(peak, 3000 + 99999);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mm_stat);
	tcase_add_test(tc, test_io_debug);
	tcase_add_test(tc, test_update_max);
	suite_add_tcase(s, tc);
	return check_run(s);
}
