// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_setup.c - unit tests of the parts of fzramctl --swapon that run
 * nothing: setup_check()'s refusals (the backing store's options above all:
 * a relative path, --backing-size or --backing-encrypt without --backing, a
 * size below the tier's smallest, an encrypt value other than on or off)
 * and the -o list setup_fzram_opts() builds for fzram, with a backing path
 * holding commas and backslashes escaped as fuse_opt_parse() reads them and
 * every buffer too short refused.
 *
 * setup_check() prints each refusal to stderr; the tests look only at its
 * return value and at what it must leave alone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "setup.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"

/* setup_check() of @a: @want (0 or -1); the priority is kept on error. */
static void expect_check(struct setup_args a, int want)
{
	a.priority = 12345;
	ck_assert_int_eq(setup_check(&a), want);
	if (want)
		ck_assert_int_eq(a.priority, 12345);
}

/* setup_fzram_opts() of @a, which must fit, is @want. */
static void expect_opts(const struct setup_args *a, const char *want)
{
	char buf[SETUP_FZRAM_OPTS_LEN];

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(setup_fzram_opts(a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

static void unset_fail_at(void)
{
	unsetenv("FZRAMCTL_FAIL_AT");
}

START_TEST(test_check_backing)
{
	char longp[SETUP_BACKING_MAX + 2];

	/* accepted: a file, a directory; with a size and either cipher */
	expect_check((struct setup_args){.backing = "/var/tmp/fzram.bk"}, 0);
	expect_check((struct setup_args){.backing = "/var/tmp/"}, 0);
	expect_check((struct setup_args){.backing = "/dev/vdb",
					 .backing_size = "8G",
					 .backing_encrypt = "off"},
		     0);
	expect_check((struct setup_args){.backing = "/a,b\\c",
					 .backing_size = "1M",
					 .backing_encrypt = "on"},
		     0);
	/* a relative or empty path: the daemon runs from / */
	expect_check((struct setup_args){.backing = "fzram.bk"}, -1);
	expect_check((struct setup_args){.backing = "./fzram.bk"}, -1);
	expect_check((struct setup_args){.backing = ""}, -1);
	/* too long a path */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	expect_check((struct setup_args){.backing = longp}, -1);
	longp[sizeof(longp) - 2] = '\0'; /* SETUP_BACKING_MAX bytes */
	expect_check((struct setup_args){.backing = longp}, 0);
	/* the tier's options need the tier */
	expect_check((struct setup_args){.backing_size = "1G"}, -1);
	expect_check((struct setup_args){.backing_encrypt = "off"}, -1);
	/* sizes: a size, at least 1M */
	expect_check((struct setup_args){.backing = "/b", .backing_size = "0"},
		     -1);
	expect_check(
	    (struct setup_args){.backing = "/b", .backing_size = "1023K"}, -1);
	expect_check(
	    (struct setup_args){.backing = "/b", .backing_size = "1048576"}, 0);
	expect_check(
	    (struct setup_args){.backing = "/b", .backing_size = "banana"}, -1);
	expect_check((struct setup_args){.backing = "/b", .backing_size = "-1G"},
		     -1);
	expect_check((struct setup_args){.backing = "/b", .backing_size = ""},
		     -1);
	/* on or off, nothing else */
	expect_check(
	    (struct setup_args){.backing = "/b", .backing_encrypt = "yes"}, -1);
	expect_check(
	    (struct setup_args){.backing = "/b", .backing_encrypt = "ON"}, -1);
	expect_check((struct setup_args){.backing = "/b", .backing_encrypt = ""},
		     -1);
}
END_TEST

START_TEST(test_check_others)
{
	/* the options before the tier keep their checks */
	expect_check((struct setup_args){.size = "64M", .priority_arg = "5"},
		     0);
	expect_check((struct setup_args){.size = "1000"}, -1);
	expect_check((struct setup_args){.algorithm = "lzo"}, -1);
	expect_check((struct setup_args){.priority_arg = "40000"}, -1);
	expect_check((struct setup_args){.options = "a, b"}, -1);
	{
		struct setup_args a = {.priority_arg = "7"};

		ck_assert_int_eq(setup_check(&a), 0);
		ck_assert_int_eq(a.priority, 7);
	}
}
END_TEST

/* --recomp ALG[:LEVEL]: checked as fzram's recomp=, passed through */
START_TEST(test_recomp)
{
	static const char *const good[] = {
	    "zstd", "zstd:19", "zstd:level=19", "lz4hc:12", "lz4:1", "zstd:-5",
	    "lz4hc",
	};
	static const char *const bad[] = {
	    "",		"brotli",  "ZSTD",	 "zstd:",     "zstd:99",
	    "zstd:x",	"zstd:19x", "lz4hc:13",	 "lz4hc:0",   ":19",
	    "zstd:level=", "zstd::19", "zstd 19", "zstdzstdzstdzstd:1",
	};
	struct setup_args a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		a = (struct setup_args){.recomp = good[i]};
		ck_assert_msg(setup_check(&a) == 0, "'%s' refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = (struct setup_args){.recomp = bad[i]};
		ck_assert_msg(setup_check(&a) == -1, "'%s' accepted", bad[i]);
	}
	a = (struct setup_args){.algorithm = "lz4", .recomp = "zstd:19"};
	expect_opts(&a, "algorithm=lz4,recomp=zstd:19");
	a.options = "poll_us=0";
	a.backing = "/b";
	expect_opts(&a, "algorithm=lz4,backing=/b,recomp=zstd:19,poll_us=0");
}
END_TEST

START_TEST(test_fzram_opts)
{
	struct setup_args a = {.size = NULL};

	expect_opts(&a, "");
	a.backing = "/var/tmp/fzram.bk";
	expect_opts(&a, "backing=/var/tmp/fzram.bk");
	a.options = "poll_us=0";
	expect_opts(&a, "backing=/var/tmp/fzram.bk,poll_us=0");
	a = (struct setup_args){.size = "64M",
				.algorithm = "zstd",
				.level = "1",
				.mem_limit = "16M",
				.backing = "/var/tmp/",
				.backing_size = "1G",
				.backing_encrypt = "off",
				.options = "uring,nomlock"};
	expect_opts(&a, "size=64M,algorithm=zstd,level=1,mem_limit=16M,"
			"backing=/var/tmp/,backing_size=1G,backing_encrypt=off,"
			"uring,nomlock");
	/* commas and backslashes of the path escaped; nothing else is */
	a = (struct setup_args){.backing = "/a,b\\c d", .backing_size = "2M"};
	expect_opts(&a, "backing=/a\\,b\\\\c d,backing_size=2M");
	a = (struct setup_args){.options = "poll_us=5"};
	expect_opts(&a, "poll_us=5");
}
END_TEST

START_TEST(test_fzram_opts_short)
{
	struct setup_args a = {.size = "64M",
			       .backing = "/x,y",
			       .backing_encrypt = "on",
			       .options = "uring"};
	const char *want = "size=64M,backing=/x\\,y,backing_encrypt=on,uring";
	size_t need = strlen(want) + 1;
	char buf[128];

	/* every length short of the whole list and its NUL is refused and
	 * never written past */
	for (size_t len = 0; len < need; len++) {
		memset(buf, 'x', sizeof(buf));
		ck_assert_int_eq(setup_fzram_opts(&a, buf, len), -ENAMETOOLONG);
		for (size_t i = len; i < sizeof(buf); i++)
			ck_assert_msg(buf[i] == 'x', "len %zu: wrote byte %zu",
				      len, i);
	}
	ck_assert_int_eq(setup_fzram_opts(&a, buf, need), 0);
	ck_assert_str_eq(buf, want);
	/* the longest path setup_check() accepts fits, escaped whole */
	{
		static char p[SETUP_BACKING_MAX + 1];
		static char big[SETUP_FZRAM_OPTS_LEN];

		memset(p, ',', SETUP_BACKING_MAX);
		p[0] = '/';
		a = (struct setup_args){.backing = p,
					.size = "1T",
					.algorithm = "lz4hc",
					.level = "12",
					.mem_limit = "1T",
					.backing_size = "1T",
					.backing_encrypt = "off",
					.options = NULL};
		ck_assert_int_eq(setup_check(&a), 0);
		ck_assert_int_eq(setup_fzram_opts(&a, big, sizeof(big)), 0);
		ck_assert_ptr_nonnull(strstr(big, "backing=/\\,\\,"));
	}
}
END_TEST

static Suite *setup_suite(void)
{
	Suite *s = suite_create("setup");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, unset_fail_at, NULL);
	tcase_add_test(tc, test_check_backing);
	tcase_add_test(tc, test_check_others);
	tcase_add_test(tc, test_fzram_opts);
	tcase_add_test(tc, test_recomp);
	tcase_add_test(tc, test_fzram_opts_short);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(setup_suite());
}
