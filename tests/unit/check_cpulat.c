// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_cpulat.c - unit tests of the CPU latency hold (cpulat.c), with a
 * file of its own in place of /dev/cpu_dma_latency: every request the
 * hold makes is a 4-byte value appended to it.  Bad values and a missing
 * device are refused; nothing is asked before the first read; a read asks
 * for the limit once, however many follow within the hold; the default is
 * put back once reads stop, and again asked for when they resume; failed
 * writes are counted; stop while held puts the default back; NULL is no
 * hold.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cpulat.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"

#define NONE 2000000000 /* what the hold writes to let go */

static char path[] = "/tmp/check_cpulat.XXXXXX";

static void setup(void)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
	strcpy(path, "/tmp/check_cpulat.XXXXXX");
}

/* The values written so far, up to @max of them, to @v; their number. */
static int written(int32_t *v, int max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, v, sizeof(*v) * (size_t)max);
	close(fd);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(n % (ssize_t)sizeof(*v), 0);
	return (int)(n / (ssize_t)sizeof(*v));
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Wait (at most 10 s) until @n values are written; their number. */
static int wait_written(int32_t *v, int max, int n)
{
	int got = 0;

	for (int i = 0; i < 1000 && (got = written(v, max)) < n; i++)
		sleep_ms(10);
	return got;
}

START_TEST(test_bad)
{
	struct cpulat *c = (struct cpulat *)1;
	struct cpulat_stat st;

	ck_assert_int_eq(cpulat_start(path, -1, 20, &c), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(cpulat_start(path, CPULAT_MAX_US + 1, 20, &c),
			 -EINVAL);
	ck_assert_int_eq(cpulat_start(path, 0, 0, &c), -EINVAL);
	ck_assert_int_eq(
	    cpulat_start(path, 0, CPULAT_MAX_HOLD_MS + 1, &c), -EINVAL);
	ck_assert_int_eq(cpulat_start("/nonexistent/cpu_dma_latency", 0, 20,
				      &c),
			 -ENOENT);
	ck_assert_ptr_null(c);
	/* no hold: every call is a no-op */
	cpulat_touch(NULL);
	cpulat_stat(NULL, &st);
	ck_assert_uint_eq(st.holds, 0);
	ck_assert_int_eq(st.active, 0);
	cpulat_stop(NULL);
	ck_assert_int_eq(written(&(int32_t){0}, 1), 0);
}
END_TEST

START_TEST(test_hold)
{
	struct cpulat *c;
	struct cpulat_stat st;
	int32_t v[16];

	ck_assert_int_eq(cpulat_start(path, 7, 30, &c), 0);
	cpulat_stat(c, &st);
	ck_assert_int_eq(st.limit_us, 7);
	ck_assert_uint_eq(st.hold_ms, 30);
	/* nothing asked before a read */
	sleep_ms(100);
	ck_assert_int_eq(written(v, 16), 0);
	cpulat_stat(c, &st);
	ck_assert_uint_eq(st.holds, 0);
	ck_assert_int_eq(st.active, 0);

	/* a burst of reads: the limit asked for once, then let go */
	for (int i = 0; i < 50; i++)
		cpulat_touch(c);
	ck_assert_int_ge(wait_written(v, 16, 2), 2);
	ck_assert_int_eq(v[0], 7);
	ck_assert_int_eq(v[1], NONE);
	cpulat_stat(c, &st);
	ck_assert_uint_eq(st.holds, 1);
	ck_assert_uint_ge(st.held_ms, 30);
	for (int i = 0; i < 100 && st.active; i++) {
		sleep_ms(10); /* IDLE is stored just after the write */
		cpulat_stat(c, &st);
	}
	ck_assert_int_eq(st.active, 0);

	/* a read after the hold was let go asks again */
	cpulat_touch(c);
	ck_assert_int_ge(wait_written(v, 16, 4), 4);
	ck_assert_int_eq(v[2], 7);
	ck_assert_int_eq(v[3], NONE);
	cpulat_stat(c, &st);
	ck_assert_uint_eq(st.holds, 2);
	ck_assert_uint_eq(st.errors, 0);
	cpulat_stop(c);
}
END_TEST

/*
 * Reads 5 ms apart for 0.6 s with a hold of 200 ms: held throughout, not
 * asked for at every read (a stall of the test longer than the hold may
 * let it go and ask again: a few holds, never one per read).
 */
START_TEST(test_burst)
{
	struct cpulat *c;
	struct cpulat_stat st;
	int32_t v[16];

	ck_assert_int_eq(cpulat_start(path, 7, 200, &c), 0);
	for (int i = 0; i < 120; i++) {
		cpulat_touch(c);
		sleep_ms(5);
	}
	cpulat_stat(c, &st);
	ck_assert_uint_ge(st.holds, 1);
	ck_assert_uint_le(st.holds, 4);
	ck_assert_int_ge(wait_written(v, 16, 2 * (int)st.holds),
			 2 * (int)st.holds);
	for (int i = 0; i < 2 * (int)st.holds; i += 2) {
		ck_assert_int_eq(v[i], 7);
		ck_assert_int_eq(v[i + 1], NONE);
	}
	cpulat_stop(c);
}
END_TEST

/* Writes that fail (/dev/full: ENOSPC) are counted; the hold goes on. */
START_TEST(test_errors)
{
	struct cpulat *c;
	struct cpulat_stat st = {0};

	ck_assert_int_eq(cpulat_start("/dev/full", 0, 10, &c), 0);
	cpulat_touch(c);
	for (int i = 0; i < 1000 && st.errors < 2; i++) {
		sleep_ms(10);
		cpulat_stat(c, &st);
	}
	/* the ask and the release both failed */
	ck_assert_uint_ge(st.errors, 2);
	ck_assert_uint_eq(st.holds, 1);
	cpulat_stop(c);
}
END_TEST

/* Stopping while the limit is held lets it go first. */
START_TEST(test_stop_held)
{
	struct cpulat *c;
	struct cpulat_stat st = {0};
	int32_t v[4];

	ck_assert_int_eq(cpulat_start(path, 0, CPULAT_MAX_HOLD_MS, &c), 0);
	cpulat_touch(c);
	for (int i = 0; i < 1000 && !st.active; i++) {
		sleep_ms(10);
		cpulat_stat(c, &st);
	}
	ck_assert_int_eq(st.active, 1);
	ck_assert_int_eq(written(v, 4), 1);
	ck_assert_int_eq(v[0], 0);
	cpulat_stop(c); /* without waiting out the 10 s hold */
	ck_assert_int_eq(written(v, 4), 2);
	ck_assert_int_eq(v[1], NONE);
}
END_TEST

static Suite *cpulat_suite(void)
{
	Suite *s = suite_create("cpulat");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_hold);
	tcase_add_test(tc, test_burst);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_stop_held);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cpulat_suite());
}
