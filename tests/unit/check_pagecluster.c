// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_pagecluster.c - unit tests of pagecluster.c on files in a temporary
 * directory standing in for /proc/sys/vm/page-cluster and the state file:
 * values parsed and refused; the first apply records the value found, a
 * second keeps it; restore puts it back and removes the state, leaves a
 * value someone else set since, does nothing without state, and drops a
 * state it cannot read; keep touches nothing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pagecluster.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"

static char dir[64], sysctl[128], state[128];

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(s, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *get(const char *path)
{
	static char buf[64];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void setup(void)
{
	strcpy(dir, "/tmp/check_pagecluster.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sysctl, sizeof(sysctl), "%s/page-cluster", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	put(sysctl, "3\n");
}

static void teardown(void)
{
	unlink(sysctl);
	unlink(state);
	rmdir(dir);
}

START_TEST(test_parse)
{
	int v = 99;

	ck_assert_int_eq(pc_parse("keep", &v), 0);
	ck_assert_int_eq(v, PC_KEEP);
	ck_assert_int_eq(pc_parse("0", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(pc_parse("10", &v), 0);
	ck_assert_int_eq(v, 10);
	v = 7;
	ck_assert_int_eq(pc_parse("11", &v), -EINVAL);
	ck_assert_int_eq(pc_parse("-1", &v), -EINVAL);
	ck_assert_int_eq(pc_parse("", &v), -EINVAL);
	ck_assert_int_eq(pc_parse("5x", &v), -EINVAL);
	ck_assert_int_eq(pc_parse(" 5", &v), -EINVAL);
	ck_assert_int_eq(pc_parse("Keep", &v), -EINVAL);
	ck_assert_int_eq(pc_parse(NULL, &v), -EINVAL);
	ck_assert_int_eq(v, 7);
}
END_TEST

START_TEST(test_apply_restore)
{
	ck_assert_int_eq(pc_apply(sysctl, state, 5), 0);
	ck_assert_str_eq(get(sysctl), "5\n");
	ck_assert_str_eq(get(state), "3 5\n");
	/* a second fzram: the value found first is the one to restore */
	ck_assert_int_eq(pc_apply(sysctl, state, 6), 0);
	ck_assert_str_eq(get(sysctl), "6\n");
	ck_assert_str_eq(get(state), "3 6\n");
	ck_assert_int_eq(pc_restore(sysctl, state), 1);
	ck_assert_str_eq(get(sysctl), "3\n");
	ck_assert_ptr_null(get(state));
	/* nothing to do now */
	ck_assert_int_eq(pc_restore(sysctl, state), 0);
	ck_assert_str_eq(get(sysctl), "3\n");
}
END_TEST

START_TEST(test_changed_since)
{
	/* changed between two swapons: the new value is the one to put back */
	ck_assert_int_eq(pc_apply(sysctl, state, 5), 0);
	put(sysctl, "2\n");
	ck_assert_int_eq(pc_apply(sysctl, state, 6), 0);
	ck_assert_str_eq(get(state), "2 6\n");
	ck_assert_int_eq(pc_restore(sysctl, state), 1);
	ck_assert_str_eq(get(sysctl), "2\n");
	ck_assert_ptr_null(get(state));
	/* changed while up: left as it is */
	put(sysctl, "3\n");
	ck_assert_int_eq(pc_apply(sysctl, state, 5), 0);
	put(sysctl, "2\n"); /* the administrator's */
	ck_assert_int_eq(pc_restore(sysctl, state), 0);
	ck_assert_str_eq(get(sysctl), "2\n");
	ck_assert_ptr_null(get(state));
}
END_TEST

START_TEST(test_keep_and_errors)
{
	char missing[160];

	ck_assert_int_eq(pc_apply(sysctl, state, PC_KEEP), 0);
	ck_assert_str_eq(get(sysctl), "3\n");
	ck_assert_ptr_null(get(state));
	ck_assert_int_eq(pc_apply(sysctl, state, PC_MAX + 1), -EINVAL);
	ck_assert_ptr_null(get(state));
	/* no sysctl to read: nothing recorded */
	snprintf(missing, sizeof(missing), "%s/none", dir);
	ck_assert_int_eq(pc_apply(missing, state, 5), -ENOENT);
	ck_assert_ptr_null(get(state));
	/* a state it cannot read: apply starts again from the sysctl */
	put(state, "");
	ck_assert_int_eq(pc_apply(sysctl, state, 5), 0);
	ck_assert_str_eq(get(state), "3 5\n");
	put(sysctl, "3\n");
	/* a state it cannot read is dropped, the sysctl left */
	put(state, "garbage\n");
	ck_assert_int_eq(pc_restore(sysctl, state), -EINVAL);
	ck_assert_ptr_null(get(state));
	ck_assert_str_eq(get(sysctl), "3\n");
	/* an unreadable sysctl value */
	put(sysctl, "x\n");
	ck_assert_int_eq(pc_apply(sysctl, state, 5), -EINVAL);
	ck_assert_ptr_null(get(state));
}
END_TEST

static Suite *pc_suite(void)
{
	Suite *s = suite_create("pagecluster");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_apply_restore);
	tcase_add_test(tc, test_changed_since);
	tcase_add_test(tc, test_keep_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(pc_suite());
}
