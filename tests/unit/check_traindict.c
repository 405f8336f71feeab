// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_traindict.c - fzramctl --train-dict without a mount: the checks of
 * --size and --algorithm and the number of pages wanted; the parser of
 * user.fzram.sample's value; which pages are kept; picking pages from a
 * small file (all of it) and a large one (at random, distinct); the atomic
 * write (content, mode 0600, nothing left on failure); and whole runs from
 * a file of pages: a dictionary that loads for each algorithm, and each
 * error (missing source, too few pages, unwritable OUT, a directory as
 * SOURCE) leaving nothing behind.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "traindict.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "fzram.h"

#define PG FZ_PAGE_SIZE

static char dir[] = "/tmp/check_traindict.XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/check_traindict.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Entries in the test directory. */
static int nfiles(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* @name in the test directory; each call's string stays until the test
 * ends (a ring larger than any test's calls). */
static char *path_of(const char *name)
{
	static char p[32][512];
	static int k;

	k = (k + 1) % 32;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/*
 * A file of @n pages: page i is text of tag i when i % 4 is 0 or 1, zeros
 * when 2, random when 3 (with @every_text, all text).
 */
static void make_pages(const char *path, uint64_t n, bool every_text)
{
	unsigned char p[PG];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	for (uint64_t i = 0; i < n; i++) {
		if (every_text || i % 4 < 2)
			tu_text_page(p, i);
		else if (i % 4 == 2)
			memset(p, 0, PG);
		else
			tu_random_page(p, i);
		ck_assert_int_eq(write(fd, p, PG), PG);
	}
	close(fd);
}

START_TEST(test_check)
{
	struct traindict_args a = {.out = "x", .source = "y"};
	struct traindict_plan p;

	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_int_eq(p.alg, CODEC_ZSTD);
	ck_assert_uint_eq(p.dict_size, TRAINDICT_DEFAULT_SIZE);
	/* 100 times the dictionary: 6.4 MB of pages */
	ck_assert_uint_eq(p.want, 1600);
	a.size = "110K";
	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_uint_eq(p.dict_size, 110 * 1024);
	a.size = "256";
	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_uint_eq(p.want, TRAINDICT_MIN_WANT);
	a.size = "1M";
	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_uint_eq(p.want, 25600);
	a.algorithm = "lz4hc";
	ck_assert_int_eq(traindict_check(&a, &p), -1); /* lz4 uses 64K */
	a.size = "64K";
	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_int_eq(p.alg, CODEC_LZ4HC);
	a.algorithm = "lz4";
	ck_assert_int_eq(traindict_check(&a, &p), 0);
	ck_assert_int_eq(p.alg, CODEC_LZ4);

	/* the refusals leave @p alone */
	memset(&p, 0x5a, sizeof(p));
	a.algorithm = "gzip";
	ck_assert_int_eq(traindict_check(&a, &p), -1);
	a.algorithm = "ZSTD";
	ck_assert_int_eq(traindict_check(&a, &p), -1);
	a.algorithm = NULL;
	static const char *const bad[] = {
	    "", "12Q", "-1", "0", "255", "1M1", "2M", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.size = bad[i];
		ck_assert_msg(traindict_check(&a, &p) == -1, "size \"%s\"",
			      bad[i]);
	}
	ck_assert_uint_eq(p.dict_size, 0x5a5a5a5a5a5a5a5aULL);
}
END_TEST

START_TEST(test_parse_sample)
{
	static unsigned char buf[FZ_SAMPLE_MAX + 8];
	uint32_t count = 3;

	memcpy(buf, FZ_SAMPLE_MAGIC, 4);
	memcpy(buf + 4, &count, 4);
	ck_assert_int_eq(
	    traindict_parse_sample(buf, FZ_SAMPLE_HDR + 3 * FZ_SAMPLE_REC), 3);
	/* a length that is not the count's */
	ck_assert_int_eq(
	    traindict_parse_sample(buf, FZ_SAMPLE_HDR + 2 * FZ_SAMPLE_REC), -1);
	ck_assert_int_eq(
	    traindict_parse_sample(buf, FZ_SAMPLE_HDR + 3 * FZ_SAMPLE_REC + 1),
	    -1);
	ck_assert_int_eq(traindict_parse_sample(buf, 7), -1);
	count = 0;
	memcpy(buf + 4, &count, 4);
	ck_assert_int_eq(traindict_parse_sample(buf, FZ_SAMPLE_HDR), 0);
	/* more records than one value holds */
	count = FZ_SAMPLE_PAGES + 1;
	memcpy(buf + 4, &count, 4);
	ck_assert_int_eq(
	    traindict_parse_sample(buf, FZ_SAMPLE_HDR + count * FZ_SAMPLE_REC),
	    -1);
	count = 0;
	memcpy(buf + 4, &count, 4);
	buf[3] = '2';
	ck_assert_int_eq(traindict_parse_sample(buf, FZ_SAMPLE_HDR), -1);
}
END_TEST

START_TEST(test_keep)
{
	unsigned char p[PG];
	uint64_t w = 0x0123456789abcdefULL;

	tu_text_page(p, 1);
	ck_assert(traindict_keep(p));
	memset(p, 0, PG);
	ck_assert(!traindict_keep(p));
	for (size_t i = 0; i < PG; i += 8)
		memcpy(p + i, &w, 8);
	ck_assert(!traindict_keep(p)); /* same-filled, not zero */
	p[PG - 1] ^= 1;
	ck_assert(traindict_keep(p)); /* one byte off: compresses */
	tu_random_page(p, 5);
	ck_assert(!traindict_keep(p)); /* would be stored raw */
}
END_TEST

/* Page @got of @pages is tu_text_page() of which tag?  -1: none. */
static long tag_of(const unsigned char *page, uint64_t ntags)
{
	unsigned char want[PG];
	unsigned long long t;

	if (sscanf((const char *)page, "page %llu ", &t) != 1 || t >= ntags)
		return -1;
	tu_text_page(want, t);
	return memcmp(want, page, PG) ? -1 : (long)t;
}

/* @n pages of @pages, each a text page of the file, no page twice. */
static void check_picked(const unsigned char *pages, long n, uint64_t ntags)
{
	char *seen = calloc(ntags, 1);

	ck_assert_ptr_nonnull(seen);
	for (long i = 0; i < n; i++) {
		long t = tag_of(pages + i * PG, ntags);

		ck_assert_msg(t >= 0, "page %ld is no text page of the file",
			      i);
		ck_assert_msg(t % 4 < 2, "page %ld: tag %ld not kept", i, t);
		ck_assert_msg(!seen[t], "tag %ld twice", t);
		seen[t] = 1;
	}
	free(seen);
}

/* make_pages() of @n pages, opened for reading. */
static int open_pages(const char *f, uint64_t n)
{
	int fd;

	make_pages(f, n, false);
	fd = open(f, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_read_small_file)
{
	const char *f = path_of("pages");
	int fd = open_pages(f, 400);
	unsigned char *pages;
	long n;

	/* all 200 text pages, not the zero or random ones */
	n = traindict_read_file(fd, f, 400 * PG, 300, 1, &pages);
	ck_assert_int_eq(n, 200);
	check_picked(pages, n, 400);
	free(pages);
	/* fewer wanted than kept: a random subset, still distinct */
	n = traindict_read_file(fd, f, 400 * PG, 150, 1, &pages);
	ck_assert_int_eq(n, 150);
	check_picked(pages, n, 400);
	free(pages);
	/* a trailing partial page does not count */
	n = traindict_read_file(fd, f, 4 * PG + 100, 150, 1, &pages);
	ck_assert_int_eq(n, 2);
	free(pages);
	close(fd);
}
END_TEST

START_TEST(test_read_large_file)
{
	const char *f = path_of("pages");
	int fd = open_pages(f, 2000);
	unsigned char *pages, *again;
	long n;

	/* 2000 pages > 4 * 100: random pages, half of them kept */
	n = traindict_read_file(fd, f, 2000 * PG, 100, 7, &pages);
	ck_assert_int_eq(n, 100);
	check_picked(pages, n, 2000);
	/* from all over the file, and another seed picks others */
	n = traindict_read_file(fd, f, 2000 * PG, 100, 8, &again);
	ck_assert_int_eq(n, 100);
	ck_assert(memcmp(pages, again, 100 * PG) != 0);
	{
		long hi = 0;

		for (long i = 0; i < n; i++)
			if (tag_of(pages + i * PG, 2000) >= 1000)
				hi++;
		ck_assert_int_gt(hi, 20);
		ck_assert_int_lt(hi, 80);
	}
	free(pages);
	free(again);
	close(fd);
}
END_TEST

/* More than 4x the pages wanted, and fewer than wanted that compress: every
 * page is tried once and the read ends (it looped for ever once). */
START_TEST(test_read_file_few_kept)
{
	const char *f = path_of("zeros");
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unsigned char *pages;
	long n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 500 * PG), 0); /* same-filled pages */
	n = traindict_read_file(fd, f, 500 * PG, 100, 3, &pages);
	ck_assert_int_eq(n, 0);
	free(pages);
	close(fd);
}
END_TEST

START_TEST(test_write)
{
	const char *out = path_of("dict");
	char tmp[512];
	char got[16] = {0};
	struct stat sb;
	int fd;

	umask(077);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out);
	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(traindict_write(fd, tmp, out, "dictionary", 10), 0);
	close(fd);
	ck_assert_int_eq(stat(out, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(sb.st_size, 10);
	fd = open(out, O_RDONLY);
	ck_assert_int_eq(read(fd, got, sizeof(got)), 10);
	close(fd);
	ck_assert_str_eq(got, "dictionary");
	ck_assert_int_eq(nfiles(), 1); /* no temporary left */

	/* a rename that fails removes the temporary, keeps OUT */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out);
	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
	    traindict_write(fd, tmp, path_of("no/such/dir"), "other", 5), -1);
	close(fd);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(nfiles(), 1);
	umask(022);
}
END_TEST

/* A whole run from a file of pages: for each algorithm a dictionary that
 * loads, of at most the size asked for. */
START_TEST(test_run_file)
{
	static const char *const algs[] = {"zstd", "lz4", "lz4hc"};
	struct traindict_args a = {.out = path_of("dict"),
				   .source = path_of("pages"),
				   .algorithm = algs[_i],
				   .size = "16K",
				   .quiet = true};
	unsigned char *buf = malloc(CODEC_DICT_MAX);
	struct codec_dict *d;
	enum codec_alg alg;
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(
	    codec_init(&(struct codec){0}, algs[_i], CODEC_LEVEL_DEFAULT), 0);
	alg = _i == 0 ? CODEC_ZSTD : _i == 1 ? CODEC_LZ4 : CODEC_LZ4HC;
	make_pages(a.source, 600, false);
	ck_assert_int_eq(traindict_run(&a), 0);
	fd = open(a.out, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, CODEC_DICT_MAX);
	close(fd);
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, 16 * 1024);
	ck_assert_int_eq(
	    codec_dict_load(alg, CODEC_LEVEL_DEFAULT, buf, (size_t)n, &d), 0);
	codec_dict_put(d);
	if (alg == CODEC_ZSTD)
		ck_assert_mem_eq(buf, "\x37\xa4\x30\xec", 4);
	ck_assert_int_eq(nfiles(), 2); /* pages and dict, no temporary */
	free(buf);
}
END_TEST

/* Each error: exit status 1 and no file made (an OUT there stays). */
START_TEST(test_run_errors)
{
	struct traindict_args a = {
	    .out = path_of("dict"), .source = path_of("pages"), .quiet = true};
	unsigned char p[PG];
	int fd;

	/* a missing source */
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 0);
	/* a directory as source */
	a.source = dir;
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 0);
	/* too few compressible pages: 7 text pages, the rest zeros and
	 * random */
	a.source = path_of("pages");
	fd = open(a.source, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 40; i++) {
		if (i < 7)
			tu_text_page(p, (uint64_t)i);
		else if (i % 2)
			memset(p, 0, PG);
		else
			tu_random_page(p, (uint64_t)i);
		ck_assert_int_eq(write(fd, p, PG), PG);
	}
	close(fd);
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 1);
	/* an empty file */
	fd = open(a.source, O_WRONLY | O_TRUNC);
	close(fd);
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 1);
	/* enough pages, but OUT cannot be made */
	make_pages(a.source, 100, true);
	a.out = path_of("missing/dict");
	ck_assert_int_eq(traindict_run(&a), 1);
	a.out = dir;
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 1);
	/* bad options, checked before anything */
	a.out = path_of("dict");
	a.size = "1K1";
	ck_assert_int_eq(traindict_run(&a), 1);
	a.size = NULL;
	a.algorithm = "brotli";
	ck_assert_int_eq(traindict_run(&a), 1);
	ck_assert_int_eq(nfiles(), 1);
	/* and then it works, replacing an OUT already there */
	a.algorithm = NULL;
	fd = open(a.out, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_eq(write(fd, "old", 3), 3);
	close(fd);
	ck_assert_int_eq(traindict_run(&a), 0);
	ck_assert_int_eq(nfiles(), 2);
	{
		struct stat sb;

		ck_assert_int_eq(stat(a.out, &sb), 0);
		ck_assert_int_gt(sb.st_size, 3);
		ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	}
}
END_TEST

static Suite *traindict_suite(void)
{
	Suite *s = suite_create("traindict");
	TCase *tc = tcase_create("traindict");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_parse_sample);
	tcase_add_test(tc, test_keep);
	tcase_add_test(tc, test_read_small_file);
	tcase_add_test(tc, test_read_large_file);
	tcase_add_test(tc, test_read_file_few_kept);
	tcase_add_test(tc, test_write);
	tcase_add_loop_test(tc, test_run_file, 0, 3);
	tcase_add_test(tc, test_run_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(traindict_suite());
}
