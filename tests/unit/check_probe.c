// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_probe.c - unit tests of the parts of fzramctl's probe module that
 * need no fzram mount: finding the one regular file of a directory, which
 * targets name an instance (mount point, file, loop device, through
 * symbolic links), mount points read from mountinfo, and the statistics
 * read from a file's user.fzram.* xattrs (set here by hand on a plain file,
 * as a daemon with or without the writeback tier would answer), and
 * recomp_algorithm's lines parsed into the secondaries' names.
 *
 * Everything is made in one fresh directory under $TMPDIR (or /tmp), each
 * test under names of its own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "probe.h"
#include "kswap.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

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
	tu_tmpdir_make(base, "check_probe");
}

static void teardown(void)
{
	tu_tmpdir_remove(base, "check_probe");
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
	char p[PATH_MAX];

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
	/* the read-only block_state beside the swap file is not it */
	make_dir("t");
	make_file("t/block_state");
	path_of(p, "t/block_state");
	ck_assert_int_eq(chmod(p, 0444), 0);
	expect_file("t", NULL);
	make_file("t/swapfile");
	expect_file("t", "swapfile");
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
	ck_assert(!kswap_loop_backing(4000000000U, base));
	probe_find_loops(&d);
	ck_assert_uint_eq(d.nloops, 0);
	ck_assert(!probe_in_swaps(base));
	free(d.loops);
}
END_TEST

/* kswap_dir_used() of a directory no loop device is on: none is swap, and
 * the sum is 0 (the policy's trim then does nothing). */
START_TEST(test_dir_used_none)
{
	uint64_t used = 12345;

	ck_assert_int_eq(kswap_dir_used(base, &used), 0);
	ck_assert_uint_eq(used, 0);
}
END_TEST

/* Set user.fzram.@name of @file to @val. */
static void set_attr(const char *file, const char *name, const char *val)
{
	char key[64];

	snprintf(key, sizeof(key), "user.fzram.%s", name);
	ck_assert_msg(setxattr(file, key, val, strlen(val), 0) == 0,
		      "setxattr %s on %s: %s (TMPDIR needs user xattrs)", key,
		      file, strerror(errno));
}

/* A fresh file @name with the xattrs every fzram answers. */
static void attr_file(const char *name, char *path)
{
	make_file(name);
	path_of(path, name);
	set_attr(path, "mm_stat",
		 "    4096     1024     8192        0     8192        1        "
		 "0        0        0\n");
	set_attr(path, "io_stat", "       1        2        0        3\n");
	set_attr(path, "disksize", "67108864\n");
	set_attr(path, "comp_algorithm", "lz4 lz4hc [zstd]\n");
}

/* probe_read_attrs() of @path into a fresh @d. */
static void read_attrs(const char *path, struct probe_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->file = (char *)path;
	probe_read_attrs(d);
	ck_assert(d->has_mm && d->has_io && d->has_size);
	ck_assert_uint_eq(d->mm[STATS_MM_ORIG_DATA_SIZE], 4096);
	ck_assert_uint_eq(d->io[PROBE_IO_NOTIFY_FREE], 3);
	ck_assert_uint_eq(d->disksize, 67108864);
	ck_assert_str_eq(d->alg, "zstd");
}

START_TEST(test_read_attrs_backing)
{
	char p[PATH_MAX];
	struct probe_dev d;

	/* a daemon with the tier: five bd_stat columns, the path */
	attr_file("tier", p);
	set_attr(p, "bd_stat",
		 "     256        3      384   409600   458752\n");
	set_attr(p, "backing_dev", "/var/tmp/my dir/fzram.bk\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, PROBE_BD_NR_COLS);
	ck_assert_uint_eq(d.bd[PROBE_BD_COUNT], 256);
	ck_assert_uint_eq(d.bd[PROBE_BD_READS], 3);
	ck_assert_uint_eq(d.bd[PROBE_BD_WRITES], 384);
	ck_assert_uint_eq(d.bd[PROBE_BD_DATA_BYTES], 409600);
	ck_assert_uint_eq(d.bd[PROBE_BD_USED_BYTES], 458752);
	ck_assert_str_eq(d.backing, "/var/tmp/my dir/fzram.bk");
	free(d.backing);

	/* the tier off: "none", counts of 0 */
	attr_file("none", p);
	set_attr(p, "bd_stat",
		 "       0        0        0        0        0\n");
	set_attr(p, "backing_dev", "none\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, PROBE_BD_NR_COLS);
	ck_assert_uint_eq(d.bd[PROBE_BD_COUNT], 0);
	ck_assert_str_eq(d.backing, "none");
	free(d.backing);

	/* zram's three columns only */
	attr_file("zram", p);
	set_attr(p, "bd_stat", "       7        8        9\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, PROBE_BD_ZRAM_COLS);
	ck_assert_uint_eq(d.bd[PROBE_BD_WRITES], 9);
	ck_assert_ptr_null(d.backing);
}
END_TEST

START_TEST(test_read_attrs_old_daemon)
{
	char p[PATH_MAX];
	struct probe_dev d;

	/* an older daemon has neither attribute: unknown, the rest read */
	attr_file("old", p);
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, 0);
	ck_assert_ptr_null(d.backing);

	/* a malformed bd_stat or an empty backing_dev is unknown too */
	attr_file("bad", p);
	set_attr(p, "bd_stat", "1 2\n");
	set_attr(p, "backing_dev", "\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, 0);
	ck_assert_ptr_null(d.backing);
	attr_file("bad2", p);
	set_attr(p, "bd_stat", "x 1 2 3\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, 0);
	/* four columns are zram's three and a stray one */
	attr_file("four", p);
	set_attr(p, "bd_stat", "1 2 3 4\n");
	read_attrs(p, &d);
	ck_assert_uint_eq(d.bd_cols, PROBE_BD_ZRAM_COLS);
	ck_assert_uint_eq(d.bd[PROBE_BD_COUNT], 1);
}
END_TEST

START_TEST(test_read_attrs_recomp)
{
	char p[PATH_MAX];
	struct probe_dev d;

	/* two secondaries: the bracketed names by priority, the eight
	 * columns of recomp_stat as pages and bytes of priorities 0..3 */
	attr_file("recomp", p);
	set_attr(p, "recomp_algorithm",
		 "#1: lz4 lz4hc [zstd]\n#2: lz4 [lz4hc] zstd\n");
	set_attr(p, "recomp_stat",
		 "      10    40960        5     8000        2     3000        "
		 "0        0\n");
	read_attrs(p, &d);
	ck_assert(d.has_recomp_alg && d.has_recomp_stat);
	ck_assert_str_eq(d.recomp_alg, "zstd,lz4hc");
	ck_assert_uint_eq(d.recomp_pages[0], 10);
	ck_assert_uint_eq(d.recomp_bytes[0], 40960);
	ck_assert_uint_eq(d.recomp_pages[1], 5);
	ck_assert_uint_eq(d.recomp_bytes[1], 8000);
	ck_assert_uint_eq(d.recomp_pages[2], 2);
	ck_assert_uint_eq(d.recomp_bytes[2], 3000);
	ck_assert_uint_eq(d.recomp_pages[3], 0);
	ck_assert_uint_eq(d.recomp_bytes[3], 0);

	/* none set: the daemon answers an empty value, and zeros */
	attr_file("recomp-none", p);
	set_attr(p, "recomp_algorithm", "");
	set_attr(p, "recomp_stat", "1 4096 0 0 0 0 0 0\n");
	read_attrs(p, &d);
	ck_assert(d.has_recomp_alg && d.has_recomp_stat);
	ck_assert_str_eq(d.recomp_alg, "");
	ck_assert_uint_eq(d.recomp_pages[0], 1);

	/* a later column at the end of recomp_stat is no error */
	attr_file("recomp-more", p);
	set_attr(p, "recomp_stat", "1 2 3 4 5 6 7 8 9\n");
	read_attrs(p, &d);
	ck_assert(d.has_recomp_stat);
	ck_assert_uint_eq(d.recomp_bytes[3], 8);

	/* an older daemon has neither: unknown, the rest read */
	attr_file("recomp-old", p);
	read_attrs(p, &d);
	ck_assert(!d.has_recomp_alg && !d.has_recomp_stat);
	ck_assert_str_eq(d.recomp_alg, "");

	/* malformed values are unknown, not half read */
	attr_file("recomp-bad", p);
	set_attr(p, "recomp_algorithm", "#1: lz4 lz4hc zstd\n");
	set_attr(p, "recomp_stat", "1 2 3 4 5 6 7\n");
	read_attrs(p, &d);
	ck_assert(!d.has_recomp_alg && !d.has_recomp_stat);
	ck_assert_str_eq(d.recomp_alg, "");
	attr_file("recomp-bad2", p);
	set_attr(p, "recomp_algorithm", "#1: [zstd]\n#4: [lz4]\n");
	set_attr(p, "recomp_stat", "1 2 3 4 x 6 7 8\n");
	read_attrs(p, &d);
	ck_assert(!d.has_recomp_alg && !d.has_recomp_stat);
}
END_TEST

START_TEST(test_read_attrs_policy)
{
	char p[PATH_MAX];
	struct probe_dev d;

	/* the 14 columns, budget_left -1 (no daily budget) */
	attr_file("policy", p);
	set_attr(p, "policy_stat",
		 "      12     4096      512      300       70        3       "
		 "40       -1     1500        9      900      400        0"
		 "        1\n");
	read_attrs(p, &d);
	ck_assert(d.has_policy);
	ck_assert_uint_eq(d.policy[PROBE_POL_STEPS], 12);
	ck_assert_uint_eq(d.policy[PROBE_POL_AGED], 4096);
	ck_assert_uint_eq(d.policy[PROBE_POL_WRITTEN_BACK], 300);
	ck_assert_uint_eq(d.policy[PROBE_POL_SPILLED], 70);
	ck_assert_uint_eq(d.policy[PROBE_POL_COMPACTED], 40);
	ck_assert_uint_eq(d.policy[PROBE_POL_BUDGET_LEFT], UINT64_MAX);
	ck_assert_uint_eq(d.policy[PROBE_POL_CPU_MS], 1500);
	ck_assert_uint_eq(d.policy[PROBE_POL_SPILL_WAITS], 9);
	ck_assert_uint_eq(d.policy[PROBE_POL_SPILL_MAX_US], 400);
	ck_assert_uint_eq(d.policy[PROBE_POL_PRESSURE], 1);

	/* a budget, and a later column at the end: no error */
	attr_file("policy-more", p);
	set_attr(p, "policy_stat",
		 "1 2 3 4 5 6 7 1048576 9 10 11 12 13 0 99\n");
	read_attrs(p, &d);
	ck_assert(d.has_policy);
	ck_assert_uint_eq(d.policy[PROBE_POL_BUDGET_LEFT], 1048576);
	ck_assert_uint_eq(d.policy[PROBE_POL_SPILL_FAILED], 13);

	/* a daemon without the policy: unknown, the rest read */
	attr_file("policy-old", p);
	read_attrs(p, &d);
	ck_assert(!d.has_policy);

	/* malformed: too few columns, a word, a negative other than -1 */
	attr_file("policy-short", p);
	set_attr(p, "policy_stat", "1 2 3 4 5 6 7 -1 9 10 11 12 13\n");
	read_attrs(p, &d);
	ck_assert(!d.has_policy);
	attr_file("policy-word", p);
	set_attr(p, "policy_stat", "1 2 3 4 x 6 7 -1 9 10 11 12 13 0\n");
	read_attrs(p, &d);
	ck_assert(!d.has_policy);
	attr_file("policy-neg", p);
	set_attr(p, "policy_stat", "1 2 3 4 5 6 7 -12 9 10 11 12 13 0\n");
	read_attrs(p, &d);
	ck_assert(!d.has_policy);
}
END_TEST

/* kswap_used_parse() of @text for @dev: @ret, and @want bytes if found. */
static void expect_swaps(const char *text, const char *dev, int ret,
			 uint64_t want)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	uint64_t used = 777;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(kswap_used_parse(f, dev, &used), ret);
	ck_assert_uint_eq(used, ret == 1 ? want : 777);
	fclose(f);
}

START_TEST(test_swaps_used)
{
	static const char swaps[] =
	    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	    "/dev/zram0                              partition\t4194300"
	    "\t\t1024\t\t100\n"
	    "/dev/loop12                             partition\t2097148"
	    "\t\t455680\t\t32767\n"
	    "/var/my\\040swap                        file\t\t1048572"
	    "\t\t0\t\t-2\n";

	/* Used in KiB, to bytes; the one asked for, not a prefix of it */
	expect_swaps(swaps, "/dev/loop12", 1, 455680ULL * 1024);
	expect_swaps(swaps, "/dev/zram0", 1, 1024 * 1024);
	expect_swaps(swaps, "/dev/loop1", 0, 0);
	expect_swaps(swaps, "/var/my swap", 1, 0);
	expect_swaps(swaps, "Filename", -EINVAL, 0);
	expect_swaps("", "/dev/loop12", 0, 0);
	/* a line cut short, or a word in Used: no figure */
	expect_swaps(
	    "Filename Type Size Used Priority\n/dev/loop3 partition 8\n",
	    "/dev/loop3", -EINVAL, 0);
	expect_swaps("Filename Type Size Used Priority\n"
		     "/dev/loop3 partition 8 1x 5\n",
		     "/dev/loop3", -EINVAL, 0);
}
END_TEST

/* probe_parse_recomp_alg(@s) is @want, or -EINVAL when @want is NULL. */
static void expect_recomp(const char *s, const char *want)
{
	char out[PROBE_RECOMP_MAX_PRIO * PROBE_ALG_LEN];
	int ret = probe_parse_recomp_alg(s, out, sizeof(out));

	if (!want) {
		ck_assert_msg(ret == -EINVAL, "\"%s\": %d, \"%s\"", s, ret,
			      ret ? "" : out);
		return;
	}
	ck_assert_msg(ret == 0, "\"%s\": %d", s, ret);
	ck_assert_str_eq(out, want);
}

START_TEST(test_parse_recomp_alg)
{
	char name[PROBE_ALG_LEN + 8], line[2 * PROBE_ALG_LEN], out[8];

	expect_recomp("", "");
	expect_recomp("\n", "");
	expect_recomp("#1: lz4 lz4hc [zstd]\n", "zstd");
	expect_recomp("#1: lz4 lz4hc [zstd]", "zstd"); /* no newline */
	expect_recomp("#1: [lz4] lz4hc zstd\n#2: lz4 [lz4hc] zstd\n"
		      "#3: lz4 lz4hc [zstd]\n",
		      "lz4,lz4hc,zstd");
	/* priority order, whatever the order of the lines; gaps close */
	expect_recomp("#3: [lz4]\n#1: [zstd]\n", "zstd,lz4");
	expect_recomp("#2: lz4 [lz4hc]\n", "lz4hc");
	/* malformed */
	expect_recomp("lz4 [zstd]\n", NULL); /* no "#N:" */
	expect_recomp("#0: [zstd]\n", NULL); /* the primary */
	expect_recomp("#4: [zstd]\n", NULL); /* out of range */
	expect_recomp("#12: [zstd]\n", NULL);
	expect_recomp("#1 [zstd]\n", NULL);
	expect_recomp("#1: [zstd]\n#1: [lz4]\n", NULL); /* twice */
	expect_recomp("#1: lz4 zstd\n", NULL);		/* none chosen */
	expect_recomp("#1: lz4 []\n", NULL);
	expect_recomp("#1: lz4 [zstd\n", NULL);
	expect_recomp("#1: lz4 [zstd\n#2: ]\n", NULL); /* across lines */
	expect_recomp("#1: [z std]\n", NULL);
	expect_recomp("#1: [[zstd]\n", NULL);
	expect_recomp("#1: [zstd]\ngarbage\n", NULL);
	/* a name of PROBE_ALG_LEN - 1 bytes fits, one more does not */
	memset(name, 'a', PROBE_ALG_LEN - 1);
	name[PROBE_ALG_LEN - 1] = '\0';
	snprintf(line, sizeof(line), "#1: [%s]\n", name);
	expect_recomp(line, name);
	strcat(name, "a");
	snprintf(line, sizeof(line), "#1: [%s]\n", name);
	expect_recomp(line, NULL);
	/* a result that does not fit @out */
	ck_assert_int_eq(
	    probe_parse_recomp_alg("#1: [zstd]\n#2: [lz4]\n", out, sizeof(out)),
	    -EINVAL);
	ck_assert_int_eq(probe_parse_recomp_alg("#1: [zstd]\n", out, 0),
			 -EINVAL);
	ck_assert_int_eq(
	    probe_parse_recomp_alg("#1: [zstd]\n", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "zstd");
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
	tcase_add_test(tc, test_dir_used_none);
	tcase_add_test(tc, test_read_attrs_backing);
	tcase_add_test(tc, test_read_attrs_old_daemon);
	tcase_add_test(tc, test_read_attrs_recomp);
	tcase_add_test(tc, test_parse_recomp_alg);
	tcase_add_test(tc, test_read_attrs_policy);
	tcase_add_test(tc, test_swaps_used);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(probe_suite());
}
