// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_util.c - unit tests of the daemon's shared helpers (util.c): the
 * runnable-task count read from /proc/loadavg's text, which ends the
 * request loop's polling on a crowded machine (loop.c), on real and
 * malformed texts and on this machine's own file; the clock only moves
 * forward.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "util.h"

#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"

static long running(const char *s)
{
	return fz_loadavg_running(s, strlen(s));
}

START_TEST(test_loadavg_forms)
{
	ck_assert_int_eq(running("0.52 0.58 0.59 3/467 12345\n"), 3);
	ck_assert_int_eq(running("12.00 10.50 9.99 17/2048 99\n"), 17);
	ck_assert_int_eq(running("0.00 0.00 0.00 0/1 1"), 0);
	ck_assert_int_eq(running("0.00 0.00 0.00 123456/200000 7\n"), 123456);
}
END_TEST

START_TEST(test_loadavg_malformed)
{
	static const char *const bad[] = {
	    "", "\n", "0.52 0.58 0.59", "0.52 0.58 0.59 ", "0.52 0.58 0.59 3",
	    "0.52 0.58 0.59 /467", "0.52 0.58 0.59 x/467", "0.52  0.58 0.59 3/4",
	    " 0.52 0.58 0.59 3/4", "0.52 0.58 0.59 -3/4",
	    "0.52 0.58 0.59 99999999999999999999/4",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(running(bad[i]) == -1, "'%s' read as %ld", bad[i],
			      running(bad[i]));
	/* the length is respected: the text is cut before the '/' */
	ck_assert_int_eq(fz_loadavg_running("0.1 0.2 0.3 5/9", 13), -1);
	ck_assert_int_eq(fz_loadavg_running("0.1 0.2 0.3 5/9", 14), 5);
}
END_TEST

/* This machine's own file reads, and counts at least this test. */
START_TEST(test_loadavg_proc)
{
	char text[128];
	int fd = open("/proc/loadavg", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return; /* no /proc here: the loop polls as before */
	n = read(fd, text, sizeof(text));
	close(fd);
	ck_assert_int_gt(n, 0);
	ck_assert_int_ge(fz_loadavg_running(text, (size_t)n), 1);
}
END_TEST

START_TEST(test_clock)
{
	uint64_t a = fz_now_ns(), b = fz_now_ns();

	ck_assert_uint_gt(a, 0);
	ck_assert_uint_ge(b, a);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_loadavg_forms);
	tcase_add_test(tc, test_loadavg_malformed);
	tcase_add_test(tc, test_loadavg_proc);
	tcase_add_test(tc, test_clock);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(util_suite());
}
