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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	    "lz4hc", "zstd(level=19)", "lz4hc()",
	};
	static const char *const bad[] = {
	    "",		"brotli",  "ZSTD",	 "zstd:",     "zstd:99",
	    "zstd:x",	"zstd:19x", "lz4hc:13",	 "lz4hc:0",   ":19",
	    "zstd:level=", "zstd::19", "zstd 19", "zstdzstdzstdzstd:1",
	    "zstd(level=23)", "zstd(type=idle)", "zstd:dict=/nonexistent",
	};
	struct setup_args a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		a = (struct setup_args){.recomp = {good[i]}};
		ck_assert_msg(setup_check(&a) == 0, "'%s' refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = (struct setup_args){.recomp = {bad[i]}};
		ck_assert_msg(setup_check(&a) == -1, "'%s' accepted", bad[i]);
		/* the same in the second and third place */
		a = (struct setup_args){.recomp = {"zstd", bad[i]}};
		ck_assert_msg(setup_check(&a) == -1, "'%s' accepted", bad[i]);
		a = (struct setup_args){.recomp = {"zstd", "lz4hc", bad[i]}};
		ck_assert_msg(setup_check(&a) == -1, "'%s' accepted", bad[i]);
	}
	a = (struct setup_args){.algorithm = "lz4", .recomp = {"zstd:19"}};
	ck_assert_int_eq(setup_check(&a), 0);
	expect_opts(&a, "algorithm=lz4,recomp=zstd:19");
	a.options = "poll_us=0";
	a.backing = "/b";
	expect_opts(&a, "algorithm=lz4,backing=/b,recomp=zstd:19,poll_us=0");
	/* three, in priority order; both forms give fzram's */
	a = (struct setup_args){
	    .recomp = {"zstd(level=19)", "lz4hc:level=12", "zstd"}};
	ck_assert_int_eq(setup_check(&a), 0);
	expect_opts(&a, "recomp=zstd:19,recomp2=lz4hc:12,recomp3=zstd");
}
END_TEST

/* A file of @len bytes (pattern @c) at @path, made for the test. */
static void put_file(const char *path, size_t len, char c)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < len; i++)
		fputc(c + (char)(i % 7), f);
	ck_assert_int_eq(fclose(f), 0);
}

/* -p and dictionaries: checked, made absolute, escaped in the -o list */
START_TEST(test_dicts)
{
	char dir[] = "/tmp/check_setup.XXXXXX", cwd[4096];
	char d1[64], d2[64], d3[64], want[512];
	struct setup_args a;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(d1, sizeof(d1), "%s/lz4.dict", dir);
	snprintf(d2, sizeof(d2), "%s/a,b\\c", dir);
	snprintf(d3, sizeof(d3), "%s/x:y", dir);
	put_file(d1, 4096, 'a');
	put_file(d2, 100, 'b');
	put_file(d3, 100, 'c');

	/* -p for the primary: level= and dict= */
	a = (struct setup_args){.algorithm = "lz4hc",
				.alg_params = "level=12 dict=lz4.dict"};
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(setup_check(&a), 0); /* relative: made absolute */
	ck_assert_int_eq(chdir(cwd), 0);
	snprintf(want, sizeof(want), "algorithm=lz4hc,level=12,dict=%s", d1);
	expect_opts(&a, want);
	/* --level with -p's dictionary; a comma and a backslash escaped */
	a = (struct setup_args){.level = "3", .alg_params = d2};
	ck_assert_int_eq(setup_check(&a), -1); /* not key=value */
	{
		char p[160];

		snprintf(p, sizeof(p), "dict=%s", d2);
		a = (struct setup_args){.level = "3", .alg_params = p};
		ck_assert_int_eq(setup_check(&a), 0);
		snprintf(want, sizeof(want),
			 "level=3,dict=%s/a\\,b\\\\c", dir);
		expect_opts(&a, want);
		/* a secondary's, in recomp=, escaped the same way */
		a = (struct setup_args){.recomp = {"lz4", NULL}};
		snprintf(p, sizeof(p), "lz4hc:9:dict=%s", d2);
		a.recomp[1] = p;
		ck_assert_int_eq(setup_check(&a), 0);
		snprintf(want, sizeof(want),
			 "recomp=lz4,recomp2=lz4hc:9:dict=%s/a\\,b\\\\c",
			 dir);
		expect_opts(&a, want);
		/* ':' only breaks recomp= */
		snprintf(p, sizeof(p), "lz4:dict=%s", d3);
		a = (struct setup_args){.recomp = {p}};
		expect_check(a, -1);
		snprintf(p, sizeof(p), "dict=%s", d3);
		a = (struct setup_args){.alg_params = p};
		ck_assert_int_eq(setup_check(&a), 0);
		snprintf(want, sizeof(want), "dict=%s", d3);
		expect_opts(&a, want);
	}
	/* -p's level checked against --algorithm; never with --level */
	expect_check((struct setup_args){.algorithm = "lz4hc",
					 .alg_params = "level=13"},
		     -1);
	expect_check((struct setup_args){.level = "1",
					 .alg_params = "level=1"},
		     -1);
	expect_check((struct setup_args){.alg_params = ""}, -1);
	expect_check((struct setup_args){.alg_params = "priority=1 level=1"},
		     -1);
	/* zstd takes only a zstd dictionary: these bytes are not one */
	a = (struct setup_args){.algorithm = "zstd"};
	snprintf(want, sizeof(want), "dict=%s", d1);
	a.alg_params = want;
	expect_check(a, -1);
	/* a refusal changes nothing: the primary stays as it was */
	a = (struct setup_args){.alg_params = "level=5"};
	ck_assert_int_eq(setup_check(&a), 0);
	a.alg_params = "level=5 dict=/nonexistent";
	ck_assert_int_eq(setup_check(&a), -1);
	ck_assert_str_eq(a.prim.dict, "");
	ck_assert_int_eq(a.prim.level, 5);
	ck_assert_int_eq(unlink(d1), 0);
	ck_assert_int_eq(unlink(d2), 0);
	ck_assert_int_eq(unlink(d3), 0);
	ck_assert_int_eq(rmdir(dir), 0);
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
	tcase_add_test(tc, test_dicts);
	tcase_add_test(tc, test_fzram_opts_short);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(setup_suite());
}
