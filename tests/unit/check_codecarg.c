// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_codecarg.c - unit tests of fzramctl's algorithm words: --recomp in
 * fzram's ALG[:LEVEL][:dict=PATH] and zram-generator's ALG(level=N,dict=PATH)
 * forms, -p's "level=N dict=PATH", every level edge of every algorithm, and
 * the dictionary checks (missing, empty, too large, a directory, a FIFO,
 * garbage for zstd, a trained zstd dictionary, a relative path made
 * absolute, ':' refused only in a secondary's path), each refusal leaving
 * the value alone.
 *
 * The files are made in one fresh directory under $TMPDIR (or /tmp).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "codecarg.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "codec.h"
#include "testutil.h"

static char base[PATH_MAX]; /* the test's directory, canonical */

static void setup(void)
{
	tu_tmpdir_make(base, "check_codecarg");
}

static void teardown(void)
{
	tu_tmpdir_remove(base, "check_codecarg");
}

/* The path of @name in the test's directory (a static buffer). */
static const char *at(const char *name)
{
	static char p[2 * PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, name);
	return p;
}

/* Write @len bytes of @buf to @name in the test's directory. */
static void put_file(const char *name, const void *buf, size_t len)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_msg(fd >= 0, "%s: %s", at(name), strerror(errno));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* @n pages of text (tu_text_page()): something zstd can train on. */
static unsigned char *text_pages(size_t n, uint32_t seed)
{
	unsigned char *p = malloc(n * FZ_PAGE_SIZE);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		tu_text_page(p + i * FZ_PAGE_SIZE, (uint64_t)seed * 1000 + i);
	return p;
}

/* A zstd dictionary trained on text_pages(), written to @name. */
static void put_zstd_dict(const char *name)
{
	size_t len = 0, cap = 16 * 1024;
	unsigned char *pages = text_pages(256, 3), *d = malloc(cap);

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(codec_dict_train(CODEC_ZSTD, pages, 256, cap, d, &len),
			 0);
	put_file(name, d, len);
	free(pages);
	free(d);
}

/* ---- parsing ---- */

START_TEST(test_parse_recomp)
{
	static const struct {
		const char *s, *alg;
		bool level_set;
		int level;
		const char *dict;
	} good[] = {
	    {"zstd", "zstd", false, 0, ""},
	    {"zstd:19", "zstd", true, 19, ""},
	    {"zstd:level=19", "zstd", true, 19, ""},
	    {"zstd:-5", "zstd", true, -5, ""},
	    {"lz4hc:+12", "lz4hc", true, 12, ""},
	    {"zstd:dict=/a/b", "zstd", false, 0, "/a/b"},
	    {"zstd:19:dict=/a,b c", "zstd", true, 19, "/a,b c"},
	    {"zstd:level=3:dict=rel/d", "zstd", true, 3, "rel/d"},
	    {"zstd:dict=/x:19", "zstd", false, 0, "/x:19"}, /* the rest */
	    {"zstd(level=19)", "zstd", true, 19, ""},
	    {"zstd(level=19,dict=/d)", "zstd", true, 19, "/d"},
	    {"zstd(dict=/d,level=1)", "zstd", true, 1, "/d"},
	    {"zstd(dict=/d level=1)", "zstd", true, 1, "/d"},
	    {"lz4(dict=/d)", "lz4", false, 0, "/d"},
	    {"lz4()", "lz4", false, 0, ""},
	};
	static const char *const bad[] = {
	    "",
	    "brotli",
	    "ZSTD",
	    "zstd 19",
	    "zstd:",
	    "zstd::19",
	    "zstd:19:",
	    "zstd:x",
	    "zstd:19x",
	    "zstd:level=",
	    "zstd:19:20",
	    "zstd:19:level=3",
	    "zstd:dict=",
	    "zstd:foo=1",
	    "zstd:priority=1",
	    ":19",
	    "zstd(",
	    "zstd(level=19",
	    "zstd(level=19))",
	    "zstd((level=19)",
	    "zstd(level=19)x",
	    "zstd(19)",
	    "zstd(level=x)",
	    "zstd(level=1,level=2)",
	    "zstd(dict=/a,dict=/b)",
	    "zstd(dict=)",
	    "zstd(type=idle)",
	    "(type=idle)",
	    "zstd:99999999999",
	};
	char why[CODECARG_WHY_LEN];
	struct codecarg a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(!codecarg_parse_recomp(good[i].s, &a, why,
						     sizeof(why)),
			      "'%s' refused: %s", good[i].s, why);
		ck_assert_str_eq(a.alg, good[i].alg);
		ck_assert_msg(a.level_set == good[i].level_set, "%s",
			      good[i].s);
		if (good[i].level_set)
			ck_assert_int_eq(a.level, good[i].level);
		ck_assert_str_eq(a.dict, good[i].dict);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(codecarg_parse_recomp(bad[i], &a, why,
						    sizeof(why)) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(why[0], "'%s': no reason given", bad[i]);
	}
	/* the reasons name what is wrong */
	codecarg_parse_recomp("brotli:3", &a, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "'brotli' is not one of lz4"));
	codecarg_parse_recomp("zstd(type=idle)", &a, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "type=idle"));
}
END_TEST

START_TEST(test_parse_params)
{
	char why[CODECARG_WHY_LEN];
	struct codecarg a = {.alg = "zstd"};

	ck_assert_int_eq(codecarg_parse_params("level=9 dict=/etc/d", &a, why,
					       sizeof(why)),
			 0);
	ck_assert(a.level_set);
	ck_assert_int_eq(a.level, 9);
	ck_assert_str_eq(a.dict, "/etc/d");
	ck_assert_str_eq(a.alg, "zstd"); /* left alone */
	ck_assert_int_eq(
	    codecarg_parse_params("  dict=/d\t", &a, why, sizeof(why)), 0);
	ck_assert(!a.level_set);
	ck_assert_str_eq(a.dict, "/d");
	ck_assert_int_eq(codecarg_parse_params("level=-3", &a, why, sizeof(why)),
			 0);
	ck_assert_int_eq(a.level, -3);
	ck_assert_str_eq(a.dict, "");
	static const char *const bad[] = {
	    "",		 "  ",		"level=",      "level=x",
	    "dict=",	 "9",		"level=1 level=2",
	    "algo=zstd", "priority=1", "dict=/a dict=/b",
	    "level=1,dict=/d",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(codecarg_parse_params(bad[i], &a, why,
						    sizeof(why)) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(why[0], "'%s': no reason given", bad[i]);
	}
}
END_TEST

/* ---- checking ---- */

/* Every algorithm's level edges: min and max in, one beyond either out. */
START_TEST(test_check_levels)
{
	char why[CODECARG_WHY_LEN];

	for (int i = 0; i < CODEC_NR_ALGS; i++) {
		const char *n = codec_name((enum codec_alg)i);
		int min, max, def;
		struct codecarg a = {.alg = n, .level_set = true};

		ck_assert_int_eq(codec_level_range(n, &min, &max, &def), 0);
		a.level = min;
		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)), 0);
		a.level = max;
		ck_assert_int_eq(codecarg_check(&a, false, why, sizeof(why)), 0);
		a.level = min - 1;
		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)),
				 -EINVAL);
		ck_assert_ptr_nonnull(strstr(why, "out of range"));
		a.level = max + 1;
		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)),
				 -EINVAL);
		a.level_set = false; /* the default */
		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)), 0);
	}
	{
		struct codecarg a = {.alg = NULL, .level_set = true,
				     .level = 65537}; /* lz4's top */

		ck_assert_int_eq(codecarg_check(&a, false, why, sizeof(why)), 0);
		a.alg = "lzo";
		ck_assert_int_eq(codecarg_check(&a, false, why, sizeof(why)),
				 -EINVAL);
	}
}
END_TEST

/* codecarg_check() of @alg at @level with dictionary @path: @want; on error
 * the path is as given. */
static void expect_dict(const char *alg, int level, const char *path,
			bool secondary, int want)
{
	struct codecarg a = {.alg = alg,
			     .level_set = level != CODEC_LEVEL_DEFAULT,
			     .level = level};
	char why[CODECARG_WHY_LEN] = "";
	int got;

	snprintf(a.dict, sizeof(a.dict), "%s", path);
	got = codecarg_check(&a, secondary, why, sizeof(why));
	ck_assert_msg(got == want, "%s/%d %s: %d, not %d (%s)", alg, level,
		      path, got, want, why);
	if (want)
		ck_assert_str_eq(a.dict, path);
	else
		ck_assert_msg(a.dict[0] == '/', "%s: not absolute", a.dict);
	ck_assert_msg(!want || why[0], "%s: no reason given", path);
}

START_TEST(test_check_dicts)
{
	static unsigned char big[CODEC_DICT_MAX + 1];
	unsigned char raw[300];
	char rel[PATH_MAX], cwd[PATH_MAX];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	put_file("raw", raw, sizeof(raw));
	put_file("empty", "", 0);
	put_file("big", big, sizeof(big));
	put_file("max", big, CODEC_DICT_MAX);
	put_file("a:b", raw, sizeof(raw));
	put_zstd_dict("zstd.dict");
	ck_assert_int_eq(mkdir(at("dir"), 0755), 0);
	ck_assert_int_eq(mkfifo(at("fifo"), 0644), 0);

	/* lz4 and lz4hc take any bytes, zstd only a zstd dictionary */
	expect_dict("lz4", CODEC_LEVEL_DEFAULT, at("raw"), true, 0);
	expect_dict("lz4hc", 12, at("raw"), true, 0);
	expect_dict("lz4", 1, at("max"), false, 0);
	expect_dict("zstd", CODEC_LEVEL_DEFAULT, at("raw"), true, -EINVAL);
	expect_dict("zstd", 1, at("zstd.dict"), true, 0);
	expect_dict("zstd", 19, at("zstd.dict"), false, 0);
	expect_dict("zstd", -5, at("zstd.dict"), true, 0);
	expect_dict("lz4", CODEC_LEVEL_DEFAULT, at("zstd.dict"), true, 0);
	/* missing, empty, too large, not a regular file */
	expect_dict("zstd", 3, at("none"), true, -ENOENT);
	expect_dict("lz4", 3, at("none/x"), true, -ENOENT);
	expect_dict("lz4", 1, at("empty"), true, -EINVAL);
	expect_dict("lz4", 1, at("big"), true, -EINVAL);
	expect_dict("lz4", 1, at("dir"), true, -EINVAL);
	expect_dict("lz4", 1, at("fifo"), true, -EINVAL); /* never blocks */
	expect_dict("lz4", 1, "/dev/null", true, -EINVAL);
	/* the level still counts when there is a dictionary */
	expect_dict("lz4hc", 13, at("raw"), true, -EINVAL);
	/* ':' ends recomp='s fields: refused for a secondary only */
	expect_dict("lz4", 1, at("a:b"), true, -EINVAL);
	expect_dict("lz4", 1, at("a:b"), false, 0);
	/* unreadable (root reads anything: not checked as root) */
	if (geteuid() != 0) {
		put_file("secret", raw, sizeof(raw));
		ck_assert_int_eq(chmod(at("secret"), 0), 0);
		expect_dict("lz4", 1, at("secret"), true, -EACCES);
	}
	/* a relative path is made absolute, as the daemon runs from / */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(base), 0);
	{
		struct codecarg a = {.alg = "zstd", .dict = "./zstd.dict"};
		char why[CODECARG_WHY_LEN];

		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)), 0);
		ck_assert_str_eq(a.dict, at("zstd.dict"));
		snprintf(rel, sizeof(rel), "dir/../raw");
		snprintf(a.dict, sizeof(a.dict), "%s", rel);
		a.alg = "lz4";
		ck_assert_int_eq(codecarg_check(&a, true, why, sizeof(why)), 0);
		ck_assert_str_eq(a.dict, at("raw"));
	}
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_recomp_value)
{
	struct codecarg a = {.alg = "zstd"};
	char buf[64];

	ck_assert_int_eq(codecarg_recomp_value(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "zstd");
	a.level_set = true;
	a.level = -7;
	ck_assert_int_eq(codecarg_recomp_value(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "zstd:-7");
	strcpy(a.dict, "/etc/fzram/a,b.dict");
	ck_assert_int_eq(codecarg_recomp_value(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "zstd:-7:dict=/etc/fzram/a,b.dict");
	a.level_set = false;
	ck_assert_int_eq(codecarg_recomp_value(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "zstd:dict=/etc/fzram/a,b.dict");
	/* one byte short of the value and its NUL */
	{
		size_t need = strlen(buf) + 1;

		ck_assert_int_eq(codecarg_recomp_value(&a, buf, need - 1),
				 -ENAMETOOLONG);
		ck_assert_int_eq(codecarg_recomp_value(&a, buf, need), 0);
	}
	/* what the parser reads back from it is the same */
	{
		struct codecarg b;
		char why[CODECARG_WHY_LEN];

		a.level_set = true;
		a.level = 19;
		ck_assert_int_eq(codecarg_recomp_value(&a, buf, sizeof(buf)), 0);
		ck_assert_int_eq(codecarg_parse_recomp(buf, &b, why, sizeof(why)),
				 0);
		ck_assert_str_eq(b.alg, a.alg);
		ck_assert(b.level_set);
		ck_assert_int_eq(b.level, 19);
		ck_assert_str_eq(b.dict, a.dict);
	}
}
END_TEST

static Suite *codecarg_suite(void)
{
	Suite *s = suite_create("codecarg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_recomp);
	tcase_add_test(tc, test_parse_params);
	tcase_add_test(tc, test_check_levels);
	tcase_add_test(tc, test_check_dicts);
	tcase_add_test(tc, test_recomp_value);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(codecarg_suite());
}
