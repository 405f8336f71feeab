// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_codec.c - unit tests for codec.c, linked against that module alone.
 *
 * Every algorithm and a spread of levels round-trips zero, same-filled, text,
 * random and heap-like pages; incompressible pages must report -E2BIG rather
 * than overflow; corrupted or mis-sized input must give -EIO without reading
 * outside the buffer (run under -fsanitize=address to see that); threads must
 * each get working contexts of their own.  FZRAM_CORPUS names a file of
 * raw 4096-byte pages (bench/make-corpus; make check makes a small one):
 * up to 2000 of them are round-tripped through every algorithm too.
 * Without it the program reports SKIP after the other tests pass.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "codec.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <zstd.h>

#include "check_run.h"
#include "testutil.h"

#define PAGE FZ_PAGE_SIZE
#define BIG_CAP 8192  /* above every algorithm's bound for one page */
#define HUGE_CAP 3072 /* what the store would accept as compressed */
#define MT_THREADS 4
#define MT_ITERS 2000
#define CORPUS_MAX_PAGES 2000

struct codec_cfg {
	const char *name;
	int level;
};

static const struct codec_cfg cfgs[] = {
    {"lz4", 1},	  {"lz4", 8},	{"lz4hc", 1}, {"lz4hc", 9}, {"lz4hc", 12},
    {"zstd", -5}, {"zstd", -1}, {"zstd", 1},  {"zstd", 3},  {"zstd", 19},
};
#define NR_CFGS ((int)(sizeof(cfgs) / sizeof(cfgs[0])))

enum page_kind {
	PAGE_ZERO,
	PAGE_SAME,
	PAGE_TEXT,
	PAGE_HEAP,
	PAGE_RANDOM,
	PAGE_NR_KINDS
};

static const char *const words[] = {
    "the",    "page",	"memory", "swap",     "kernel", "zram",	  "of",
    "and",    "is",	"a",	  "compress", "block",	"device", "to",
    "fuse",   "daemon", "handle", "pool",     "class",	"zspage", "in",
    "object", "free",	"list",	  "lock",     "slot",	"write",  "read",
};
#define NR_WORDS ((int)(sizeof(words) / sizeof(words[0])))

static size_t put_text(unsigned char *p, size_t room, uint64_t *s)
{
	size_t n = 0;

	while (n < room) {
		const char *w = words[tu_rng_next(s) % NR_WORDS];
		size_t len = strlen(w);

		if (n + len + 1 > room)
			break;
		memcpy(p + n, w, len);
		n += len;
		p[n++] = (tu_rng_next(s) % 11) ? ' ' : '\n';
	}
	return n;
}

/*
 * Something like a malloc arena: chunk headers, then pointer arrays, small
 * integers, NUL-terminated strings or zeroed padding.
 */
static void fill_heap(unsigned char *p, uint64_t *s)
{
	size_t off = 0;

	memset(p, 0, PAGE);
	while (off + 16 <= PAGE) {
		size_t chunk = 32 + 16 * (tu_rng_next(s) % 12);
		uint64_t hdr = chunk | 1;
		size_t i, end;

		if (off + chunk > PAGE)
			chunk = PAGE - off;
		memcpy(p + off, &hdr, 8);
		end = off + chunk;
		off += 16;
		switch (tu_rng_next(s) % 4) {
		case 0:
			for (i = off; i + 8 <= end; i += 8) {
				uint64_t ptr = 0x000055d4c3a00000ULL +
					       16 * (tu_rng_next(s) % 4096);
				memcpy(p + i, &ptr, 8);
			}
			break;
		case 1:
			for (i = off; i + 4 <= end; i += 4) {
				uint32_t v = tu_rng_next(s) % 100;
				memcpy(p + i, &v, 4);
			}
			break;
		case 2:
			if (end - off > 1) /* keep a NUL at the end */
				put_text(p + off, end - off - 1, s);
			break;
		default:
			break;
		}
		off = end;
	}
}

static void fill_page(unsigned char *p, enum page_kind kind, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	uint64_t word = 0xdeadbeefcafebabeULL;
	size_t i;

	switch (kind) {
	case PAGE_ZERO:
		memset(p, 0, PAGE);
		break;
	case PAGE_SAME:
		for (i = 0; i < PAGE; i += 8)
			memcpy(p + i, &word, 8);
		break;
	case PAGE_TEXT:
		memset(p, ' ', PAGE);
		put_text(p, PAGE, &s);
		break;
	case PAGE_HEAP:
		fill_heap(p, &s);
		break;
	default:
		for (i = 0; i < PAGE; i += 8) {
			uint64_t v = tu_rng_next(&s);

			memcpy(p + i, &v, 8);
		}
		break;
	}
}

static struct codec get_codec(const char *name, int level)
{
	struct codec c;
	int ret = codec_init(&c, name, level);

	ck_assert_msg(ret == 0, "codec_init(%s, %d) = %d", name, level, ret);
	return c;
}

/* Compress @src within @cap, decompress from an exact-size copy, compare. */
static int round_trip(const struct codec *c, const unsigned char *src,
		      size_t cap)
{
	unsigned char *buf = malloc(cap);
	unsigned char *copy, out[PAGE];
	int len, ret;

	ck_assert_ptr_nonnull(buf);
	len = codec_compress(c, src, buf, cap);
	if (len < 0) {
		free(buf);
		return len;
	}
	ck_assert_int_ge(len, 1);
	ck_assert_int_le(len, (int)cap);
	copy = malloc(len); /* so ASan sees any read past the end */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	memset(out, 0x5a, sizeof(out));
	ret = codec_decompress(c, copy, len, out);
	ck_assert_msg(ret == 0, "%s/%d: decompress = %d", codec_name(c->alg),
		      c->level, ret);
	ck_assert_msg(!memcmp(out, src, PAGE), "%s/%d: page differs",
		      codec_name(c->alg), c->level);
	free(copy);
	free(buf);
	return len;
}

START_TEST(test_round_trip)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	static unsigned char page[PAGE];
	int kind, seed, len;

	ck_assert_int_eq(c.level, cfg->level);
	for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
		for (seed = 1; seed <= 3; seed++) {
			fill_page(page, kind, seed);
			len = round_trip(&c, page, BIG_CAP);
			ck_assert_int_gt(len, 0);
			len = round_trip(&c, page, HUGE_CAP);
			if (kind == PAGE_RANDOM) {
				ck_assert_int_eq(len, -E2BIG);
				continue;
			}
			ck_assert_msg(len > 0, "%s/%d kind %d: %d", cfg->name,
				      cfg->level, kind, len);
			/* trivial pages must shrink to almost nothing */
			if (kind == PAGE_ZERO || kind == PAGE_SAME)
				ck_assert_int_lt(len, 64);
		}
	}
}
END_TEST

/*
 * A cap one byte short of the output must fail; the exact cap (zstd: a few
 * bytes more) must do.
 */
START_TEST(test_tight_cap)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	static unsigned char page[PAGE];
	int kind, len, ret, cap;

	for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
		fill_page(page, kind, 7);
		len = round_trip(&c, page, BIG_CAP);
		ck_assert_int_gt(len, 1);
		ret = round_trip(&c, page, len - 1);
		ck_assert_msg(ret == -E2BIG, "%s/%d kind %d: cap %d gave %d",
			      cfg->name, cfg->level, kind, len - 1, ret);
		/*
		 * zstd's block writer wants a few bytes of room beyond its
		 * result (up to 9 measured); lz4 fills the cap exactly.
		 */
		cap = c.alg == CODEC_ZSTD ? len + 16 : len;
		ret = round_trip(&c, page, cap);
		ck_assert_msg(ret > 0, "%s/%d kind %d: cap %d gave %d",
			      cfg->name, cfg->level, kind, cap, ret);
	}
	ck_assert_int_eq(codec_compress(&c, page, page, 0), -E2BIG);
}
END_TEST

START_TEST(test_init_errors)
{
	struct codec c = {.alg = CODEC_LZ4, .level = 1};
	int min, max, def;

	ck_assert_int_eq(codec_init(&c, "lzo", 1), -ENOENT);
	ck_assert_int_eq(codec_init(&c, "LZ4", 1), -ENOENT);
	ck_assert_int_eq(codec_init(&c, "lz4 ", 1), -ENOENT);
	ck_assert_int_eq(codec_init(&c, "", 1), -ENOENT);
	ck_assert_int_eq(codec_init(&c, NULL, 1), -ENOENT);
	ck_assert_int_eq(codec_init(&c, "lz4", 0), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "lz4", 65538), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "lz4", -1), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "lz4hc", 0), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "lz4hc", 13), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "zstd", ZSTD_maxCLevel() + 1), -ERANGE);
	ck_assert_int_eq(codec_init(&c, "zstd", ZSTD_minCLevel() - 1), -ERANGE);
	/* a failed init leaves @out alone */
	ck_assert_int_eq(c.alg, CODEC_LZ4);
	ck_assert_int_eq(c.level, 1);

	ck_assert_int_eq(codec_level_range("nope", &min, &max, &def), -ENOENT);
	ck_assert_int_eq(codec_level_range(NULL, &min, &max, &def), -ENOENT);
}
END_TEST

START_TEST(test_levels)
{
	struct codec c;
	int min, max, def;

	ck_assert_int_eq(codec_level_range("lz4", &min, &max, &def), 0);
	ck_assert_int_eq(min, 1);
	ck_assert_int_eq(max, 65537);
	ck_assert_int_eq(def, 1);
	ck_assert_int_eq(codec_level_range("lz4hc", &min, &max, &def), 0);
	ck_assert_int_eq(min, 1);
	ck_assert_int_eq(max, 12);
	ck_assert_int_eq(def, 9);
	ck_assert_int_eq(codec_level_range("zstd", &min, &max, &def), 0);
	ck_assert_int_eq(min, ZSTD_minCLevel());
	ck_assert_int_eq(max, ZSTD_maxCLevel());
	ck_assert_int_eq(def, 3);

	c = get_codec("lz4", CODEC_LEVEL_DEFAULT);
	ck_assert_int_eq(c.alg, CODEC_LZ4);
	ck_assert_int_eq(c.level, 1);
	c = get_codec("lz4", 65537);
	ck_assert_int_eq(c.level, 65537);
	c = get_codec("lz4hc", CODEC_LEVEL_DEFAULT);
	ck_assert_int_eq(c.alg, CODEC_LZ4HC);
	ck_assert_int_eq(c.level, 9);
	c = get_codec("zstd", CODEC_LEVEL_DEFAULT);
	ck_assert_int_eq(c.alg, CODEC_ZSTD);
	ck_assert_int_eq(c.level, 3);
	c = get_codec("zstd", 0);
	ck_assert_int_eq(c.level, 3);
	c = get_codec("zstd", ZSTD_minCLevel());
	ck_assert_int_eq(c.level, ZSTD_minCLevel());

	ck_assert_str_eq(codec_name(CODEC_LZ4), "lz4");
	ck_assert_str_eq(codec_name(CODEC_LZ4HC), "lz4hc");
	ck_assert_str_eq(codec_name(CODEC_ZSTD), "zstd");
	ck_assert_ptr_null(codec_name(CODEC_NR_ALGS));

	/* the names messages list are codec_name()'s, in order */
	{
		char list[64] = "";

		for (int a = 0; a < CODEC_NR_ALGS; a++) {
			if (a)
				strcat(list, ", ");
			strcat(list, codec_name((enum codec_alg)a));
		}
		ck_assert_str_eq(list, CODEC_NAME_LIST);
		ck_assert_str_eq(CODEC_DEFAULT_NAME, codec_name(CODEC_LZ4));
	}
}
END_TEST

/* Extreme levels still round trip (lz4's top acceleration, zstd's fastest). */
START_TEST(test_extreme_levels)
{
	static unsigned char page[PAGE];
	struct codec c[3];
	int i, kind;

	c[0] = get_codec("lz4", 65537);
	c[1] = get_codec("zstd", ZSTD_minCLevel());
	c[2] = get_codec("zstd", ZSTD_maxCLevel());
	for (i = 0; i < 3; i++) {
		for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
			fill_page(page, kind, 3);
			ck_assert_int_gt(round_trip(&c[i], page, BIG_CAP), 0);
		}
	}
}
END_TEST

static int decompress_copy(const struct codec *c, const unsigned char *src,
			   size_t len, unsigned char *out)
{
	unsigned char *copy = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, src, len);
	ret = codec_decompress(c, copy, len, out);
	free(copy);
	return ret;
}

START_TEST(test_corrupt)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	static unsigned char page[PAGE], buf[BIG_CAP], bad[BIG_CAP];
	unsigned char out[PAGE];
	uint64_t s = 42;
	int kind, len, i, ret, nr_eio = 0, nr_trials = 0;

	for (kind = PAGE_TEXT; kind <= PAGE_HEAP; kind++) {
		fill_page(page, kind, 5);
		len = codec_compress(&c, page, buf, sizeof(buf));
		ck_assert_int_gt(len, 8);

		/* truncation is always caught */
		ck_assert_int_eq(decompress_copy(&c, buf, len - 1, out), -EIO);
		ck_assert_int_eq(decompress_copy(&c, buf, len / 2, out), -EIO);
		ck_assert_int_eq(decompress_copy(&c, buf, 1, out), -EIO);
		ck_assert_int_eq(decompress_copy(&c, buf, 0, out), -EIO);

		/*
		 * A flipped literal byte decodes into a wrong page that no
		 * codec here can notice (nor can zram's); what matters is no
		 * crash, no read past the input and -EIO for broken structure.
		 */
		for (i = 0; i < 300; i++) {
			int nflip = 1 + tu_rng_next(&s) % 4, f;

			memcpy(bad, buf, len);
			for (f = 0; f < nflip; f++)
				bad[tu_rng_next(&s) % len] ^=
				    1 + tu_rng_next(&s) % 255;
			ret = decompress_copy(&c, bad, len, out);
			ck_assert_msg(ret == 0 || ret == -EIO, "ret %d", ret);
			nr_eio += ret == -EIO;
			nr_trials++;
		}
	}
	ck_assert_msg(nr_eio > 0, "%s/%d: no corruption detected in %d",
		      cfg->name, cfg->level, nr_trials);

	/* garbage */
	memset(bad, 0xff, 256);
	ck_assert_int_eq(decompress_copy(&c, bad, 256, out), -EIO);
	memset(bad, 0, 256);
	ck_assert_int_eq(decompress_copy(&c, bad, 256, out), -EIO);
	for (i = 0; i < 200; i++) {
		size_t n = 1 + tu_rng_next(&s) % 512, j;

		for (j = 0; j < n; j++)
			bad[j] = tu_rng_next(&s);
		ret = decompress_copy(&c, bad, n, out);
		ck_assert_int_eq(ret, -EIO);
	}
}
END_TEST

/* A valid stream handed over with the wrong length is corruption. */
START_TEST(test_wrong_length)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	static unsigned char page[PAGE], buf[BIG_CAP];
	unsigned char out[PAGE];
	int kind, len;

	for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
		fill_page(page, kind, 9);
		memset(buf, 0, sizeof(buf));
		len = codec_compress(&c, page, buf, sizeof(buf));
		ck_assert_int_gt(len, 1);
		ck_assert_int_eq(decompress_copy(&c, buf, len, out), 0);
		ck_assert_int_eq(decompress_copy(&c, buf, len - 1, out), -EIO);
		/* trailing zero bytes, as a size class's slack would hold */
		ck_assert_int_eq(decompress_copy(&c, buf, len + 1, out), -EIO);
		ck_assert_int_eq(decompress_copy(&c, buf, len + 16, out), -EIO);
	}
}
END_TEST

/* A stream decoded by the other algorithm is corruption too. */
START_TEST(test_cross_alg)
{
	static unsigned char page[PAGE], buf[BIG_CAP];
	unsigned char out[PAGE];
	struct codec lz4 = get_codec("lz4", 1);
	struct codec zstd = get_codec("zstd", 3);
	int len;

	fill_page(page, PAGE_TEXT, 1);
	len = codec_compress(&lz4, page, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(decompress_copy(&zstd, buf, len, out), -EIO);
	len = codec_compress(&zstd, page, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(decompress_copy(&lz4, buf, len, out), -EIO);
}
END_TEST

struct mt_arg {
	int id;
	int failures;
};

static const struct codec_cfg mt_cfgs[] = {
    {"lz4", 1},	 {"lz4hc", 4}, {"zstd", 1},
    {"zstd", 3}, {"lz4", 8},   {"zstd", -1},
};
#define NR_MT_CFGS ((int)(sizeof(mt_cfgs) / sizeof(mt_cfgs[0])))

/* No ck_assert here: failures are counted and checked by the main thread. */
static void *mt_worker(void *p)
{
	struct mt_arg *arg = p;
	struct codec c[NR_MT_CFGS];
	unsigned char page[PAGE], out[PAGE], buf[BIG_CAP];
	int i, len;

	for (i = 0; i < NR_MT_CFGS; i++)
		if (codec_init(&c[i], mt_cfgs[i].name, mt_cfgs[i].level))
			arg->failures++;
	for (i = 0; i < MT_ITERS; i++) {
		const struct codec *cc = &c[(i + arg->id) % NR_MT_CFGS];

		fill_page(page, (i / NR_MT_CFGS) % PAGE_NR_KINDS,
			  arg->id * 100000 + i);
		len = codec_compress(cc, page, buf, sizeof(buf));
		if (len <= 0 || codec_decompress(cc, buf, len, out) ||
		    memcmp(page, out, PAGE))
			arg->failures++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t th[MT_THREADS];
	struct mt_arg args[MT_THREADS];
	int i;

	for (i = 0; i < MT_THREADS; i++) {
		args[i].id = i;
		args[i].failures = 0;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, mt_worker, &args[i]), 0);
	}
	for (i = 0; i < MT_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(args[i].failures == 0, "thread %d: %d failures",
			      i, args[i].failures);
	}
}
END_TEST

START_TEST(test_release)
{
	static unsigned char page[PAGE];
	int i, pass;

	fill_page(page, PAGE_HEAP, 11);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < NR_CFGS; i++) {
			struct codec c = get_codec(cfgs[i].name, cfgs[i].level);

			ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
		}
		codec_thread_release();
		codec_thread_release(); /* twice is harmless */
	}
	/* the zstd level must be set again on a new context */
	{
		struct codec z1 = get_codec("zstd", 1);
		struct codec z19 = get_codec("zstd", 19);
		unsigned char a[BIG_CAP], b[BIG_CAP];
		int la, lb;

		fill_page(page, PAGE_TEXT, 12);
		lb = codec_compress(&z19, page, b, sizeof(b));
		codec_thread_release();
		la = codec_compress(&z1, page, a, sizeof(a));
		ck_assert_int_gt(la, 0);
		codec_thread_release();
		ck_assert_int_eq(codec_compress(&z19, page, a, sizeof(a)), lb);
		ck_assert_mem_eq(a, b, lb);
	}
}
END_TEST

START_TEST(test_corpus)
{
	const char *path = tu_corpus();
	static const struct codec_cfg corpus_cfgs[] = {
	    {"lz4", 1},
	    {"lz4hc", 9},
	    {"zstd", 1},
	    {"zstd", 3},
	};
	static unsigned char page[PAGE];
	long total[4] = {0};
	int nr = 0, i;
	FILE *f;

	ck_assert_ptr_nonnull(path); /* the case is added only with one */
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "FZRAM_CORPUS=%s: %s", path, strerror(errno));
	while (nr < CORPUS_MAX_PAGES && fread(page, PAGE, 1, f) == 1) {
		for (i = 0; i < 4; i++) {
			struct codec c = get_codec(corpus_cfgs[i].name,
						   corpus_cfgs[i].level);

			total[i] += round_trip(&c, page, BIG_CAP);
		}
		nr++;
	}
	fclose(f);
	ck_assert_msg(nr > 0, "FZRAM_CORPUS=%s: no whole page", path);
	for (i = 0; i < 4; i++)
		ck_assert_int_lt(total[i], (long)nr * (PAGE + 64));
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc;

	tc = tcase_create("round_trip");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_round_trip, 0, NR_CFGS);
	tcase_add_loop_test(tc, test_tight_cap, 0, NR_CFGS);
	tcase_add_test(tc, test_extreme_levels);
	suite_add_tcase(s, tc);

	tc = tcase_create("init");
	tcase_add_test(tc, test_init_errors);
	tcase_add_test(tc, test_levels);
	suite_add_tcase(s, tc);

	tc = tcase_create("corrupt");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_corrupt, 0, NR_CFGS);
	tcase_add_loop_test(tc, test_wrong_length, 0, NR_CFGS);
	tcase_add_test(tc, test_cross_alg);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_release);
	suite_add_tcase(s, tc);

	if (tu_corpus()) {
		tc = tcase_create("corpus");
		tcase_set_timeout(tc, 300);
		tcase_add_test(tc, test_corpus);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tu_corpus_result(check_run(codec_suite()));
}
