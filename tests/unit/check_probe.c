// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_probe.c - unit tests of the parts of fzramctl's probe module that
 * need no fzram mount: finding the one regular file of a directory, which
 * targets name an instance (mount point, file, loop device, through
 * symbolic links), and mount points read from mountinfo.
 *
 * Everything is made in one fresh directory under $TMPDIR (or /tmp), each
 * test under names of its own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "probe.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"

static char base[PATH_MAX]; /* the test's directory, canonical */

static void path_of(char *buf, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", base, name);

	ck_assert_int_lt(n, PATH_MAX);
}

static void make_dir(const char *name)
{
	char p[PATH_MAX];

	path_of(p, name);
	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
}

static void make_file(const char *name)
{
	char p[PATH_MAX];
	int fd;

	path_of(p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", p, strerror(errno));
	close(fd);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char t[PATH_MAX];

	snprintf(t, sizeof(t), "%s/check_probe.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	/* realpath: a target is matched against canonical paths */
	if (!mkdtemp(t) || !realpath(t, base)) {
		perror(t);
		exit(EXIT_FAILURE);
	}
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "check_probe: could not remove %s\n", base);
}

/* probe_find_file(@dir name) is @want (a name in it), or NULL and ENOENT. */
static void expect_file(const char *dir, const char *want)
{
	char d[PATH_MAX], w[PATH_MAX + 8];
	char *got;

	path_of(d, dir);
	errno = 0;
	got = probe_find_file(d);
	if (!want) {
		ck_assert_msg(!got, "%s: found %s", d, got);
		ck_assert_int_eq(errno, ENOENT);
		return;
	}
	snprintf(w, sizeof(w), "%s/%s", d, want);
	ck_assert_msg(got && !strcmp(got, w), "%s: %s, expected %s", d,
		      got ? got : "(none)", w);
	free(got);
}

START_TEST(test_find_file)
{
	/* nothing yet: ENOENT, as while a daemon is starting */
	make_dir("empty");
	expect_file("empty", NULL);
	expect_file("missing", NULL);
	/* dot files and directories are not the file */
	make_dir("m");
	make_file("m/.hidden");
	make_dir("m/sub");
	make_file("m/sub/inner");
	expect_file("m", NULL);
	make_file("m/swap file");
	expect_file("m", "swap file");
}
END_TEST

START_TEST(test_dev_matches)
{
	char mnt[PATH_MAX], file[PATH_MAX], link[PATH_MAX], t[PATH_MAX + 16];
	unsigned int loops[] = {3, 12};
	struct probe_dev d = {.loops = loops, .nloops = 2};

	make_dir("mnt");
	make_file("mnt/swap");
	path_of(mnt, "mnt");
	path_of(file, "mnt/swap");
	path_of(link, "link");
	ck_assert_int_eq(symlink(mnt, link), 0);
	d.dir = mnt;
	d.file = file;

	ck_assert(probe_dev_matches(&d, mnt));
	ck_assert(probe_dev_matches(&d, file));
	ck_assert(probe_dev_matches(&d, "/dev/loop3"));
	ck_assert(probe_dev_matches(&d, "/dev/loop12"));
	/* through a symbolic link, or a path that is not canonical */
	ck_assert(probe_dev_matches(&d, link));
	snprintf(t, sizeof(t), "%s/swap", link);
	ck_assert(probe_dev_matches(&d, t));
	snprintf(t, sizeof(t), "%s/./swap", mnt);
	ck_assert(probe_dev_matches(&d, t));
	snprintf(t, sizeof(t), "%s/", mnt);
	ck_assert(probe_dev_matches(&d, t));

	/* other loop devices, partitions, other paths */
	ck_assert(!probe_dev_matches(&d, "/dev/loop1"));
	ck_assert(!probe_dev_matches(&d, "/dev/loop123"));
	ck_assert(!probe_dev_matches(&d, "/dev/loop3p1"));
	ck_assert(!probe_dev_matches(&d, "/dev/loop"));
	ck_assert(!probe_dev_matches(&d, base));
	snprintf(t, sizeof(t), "%s/swap2", mnt);
	ck_assert(!probe_dev_matches(&d, t));
	ck_assert(!probe_dev_matches(&d, "/nonexistent"));
	/* the file of an instance whose file was not found */
	d.file = NULL;
	ck_assert(!probe_dev_matches(&d, file));
	ck_assert(probe_dev_matches(&d, mnt));
	d.nloops = 0;
	ck_assert(!probe_dev_matches(&d, "/dev/loop3"));
}
END_TEST

START_TEST(test_is_mounted)
{
	/* /proc is mounted wherever /proc/self/mountinfo can be read */
	ck_assert(probe_is_mounted("/proc", false));
	ck_assert(!probe_is_mounted("/proc", true)); /* not fuse.fzram */
	ck_assert(!probe_is_mounted(base, false));
	ck_assert(!probe_is_mounted("/proc/", false)); /* exact paths only */
}
END_TEST

START_TEST(test_loops)
{
	struct probe_dev d = {.dir = base};

	/* no loop device is attached to a file in a new directory */
	ck_assert(!probe_loop_backing(4000000000U, base));
	probe_find_loops(&d);
	ck_assert_uint_eq(d.nloops, 0);
	ck_assert(!probe_in_swaps(base));
	free(d.loops);
}
END_TEST

static Suite *probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("core");

	/* unchecked: the directory is removed even when a test fails */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_find_file);
	tcase_add_test(tc, test_dev_matches);
	tcase_add_test(tc, test_is_mounted);
	tcase_add_test(tc, test_loops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(probe_suite());
}
