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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <malloc.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_format, ZSTD_dct_rawContent */
#include <zstd.h>
#include <zdict.h>

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

/* ---- dictionaries ---- */

#define DICT_SYNTH_PAGES 64
#define DICT_ZSTD_CAP (110 * 1024) /* zstd's CLI default */
#define DICT_LZ4_CAP CODEC_DICT_LZ4_MAX

static size_t dict_cap(enum codec_alg alg)
{
	return alg == CODEC_ZSTD ? DICT_ZSTD_CAP : DICT_LZ4_CAP;
}

/* @n synthetic text and heap pages from @seed, one malloc'd run. */
static unsigned char *synth_pages(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n * PAGE);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		fill_page(p + i * PAGE, i % 2 ? PAGE_HEAP : PAGE_TEXT,
			  seed * 1000 + i);
	return p;
}

/* A dictionary trained on @n pages at @pages and loaded at @level. */
static struct codec_dict *train_load(enum codec_alg alg, int level,
				     const unsigned char *pages, size_t n)
{
	size_t cap = dict_cap(alg), len = 0;
	unsigned char *buf = malloc(cap);
	struct codec_dict *d = NULL;
	int ret;

	ck_assert_ptr_nonnull(buf);
	ret = codec_dict_train(alg, pages, n, cap, buf, &len);
	ck_assert_msg(ret == 0, "%s: train = %d", codec_name(alg), ret);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, cap);
	ret = codec_dict_load(alg, level, buf, len, &d);
	ck_assert_msg(ret == 0, "%s/%d: load = %d", codec_name(alg), level,
		      ret);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(codec_dict_size(d), len);
	ck_assert_int_eq(codec_dict_alg(d), alg);
	ck_assert_uint_ne(codec_dict_id(d), 0);
	free(buf);
	return d;
}

static struct codec_dict *synth_dict(enum codec_alg alg, int level,
				     uint64_t seed)
{
	unsigned char *pages = synth_pages(DICT_SYNTH_PAGES, seed);
	struct codec_dict *d = train_load(alg, level, pages, DICT_SYNTH_PAGES);

	free(pages);
	return d;
}

/* Every cfg, with a dictionary: every kind of page round trips, fits or
 * reports -E2BIG, and text and heap pages come out smaller than without. */
START_TEST(test_dict_round_trip)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	struct codec plain = c;
	struct codec_dict *d = synth_dict(c.alg, c.level, 1);
	static unsigned char page[PAGE];
	long with = 0, without = 0;
	int kind, seed, len;

	ck_assert_int_eq(codec_dict_level(d), c.level);
	c.dict = d;
	for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
		for (seed = 1; seed <= 4; seed++) {
			/* seeds of the dictionary's own kind, not its pages */
			fill_page(page, kind, 500 + seed);
			len = round_trip(&c, page, BIG_CAP);
			ck_assert_int_gt(len, 0);
			if (kind == PAGE_TEXT || kind == PAGE_HEAP) {
				with += len;
				without += round_trip(&plain, page, BIG_CAP);
			}
			len = round_trip(&c, page, HUGE_CAP);
			if (kind == PAGE_RANDOM)
				ck_assert_int_eq(len, -E2BIG);
			else
				ck_assert_int_gt(len, 0);
		}
	}
	ck_assert_msg(with < without, "%s/%d: %ld with a dictionary, %ld "
		      "without", cfg->name, cfg->level, with, without);
	codec_dict_put(d);
}
END_TEST

/* Dictionaries from the same bytes, algorithm and level are equal; any
 * difference makes them not. */
START_TEST(test_dict_equal)
{
	struct codec_dict *a = synth_dict(CODEC_ZSTD, 3, 1);
	struct codec_dict *same = synth_dict(CODEC_ZSTD, 3, 1);
	struct codec_dict *other = synth_dict(CODEC_ZSTD, 3, 2);
	struct codec_dict *level = synth_dict(CODEC_ZSTD, 5, 1);
	struct codec_dict *lz = synth_dict(CODEC_LZ4, 1, 1);

	ck_assert(a != same);
	ck_assert(codec_dict_equal(a, same));
	ck_assert(codec_dict_equal(a, a));
	ck_assert(!codec_dict_equal(a, other));
	ck_assert(!codec_dict_equal(a, level));
	ck_assert(!codec_dict_equal(a, lz));
	codec_dict_put(a);
	codec_dict_put(same);
	codec_dict_put(other);
	codec_dict_put(level);
	codec_dict_put(lz);
}
END_TEST

/* One page, one cap one byte short of the result: -E2BIG, then the next
 * call with the same dictionary still works (nothing left half-done). */
START_TEST(test_dict_tight_cap)
{
	const struct codec_cfg *cfg = &cfgs[_i];
	struct codec c = get_codec(cfg->name, cfg->level);
	static unsigned char page[PAGE];
	int len;

	c.dict = synth_dict(c.alg, c.level, 2);
	fill_page(page, PAGE_HEAP, 77);
	len = round_trip(&c, page, BIG_CAP);
	ck_assert_int_gt(len, 1);
	ck_assert_int_eq(round_trip(&c, page, len - 1), -E2BIG);
	ck_assert_int_eq(round_trip(&c, page, BIG_CAP), len);
	codec_dict_put((struct codec_dict *)c.dict);
}
END_TEST

/* Interleaving dictionary and plain pages on one thread's contexts. */
START_TEST(test_dict_interleave)
{
	static const char *const names[] = {"lz4", "lz4hc", "zstd"};
	static unsigned char page[PAGE];
	unsigned char a[BIG_CAP], b[BIG_CAP];
	int i, j, la, lb;

	for (i = 0; i < 3; i++) {
		struct codec plain = get_codec(names[i], CODEC_LEVEL_DEFAULT);
		struct codec c = plain;

		c.dict = synth_dict(c.alg, c.level, 3);
		fill_page(page, PAGE_TEXT, 31);
		la = codec_compress(&plain, page, a, sizeof(a));
		lb = codec_compress(&c, page, b, sizeof(b));
		for (j = 0; j < 20; j++) {
			const struct codec *cc = j % 3 ? &c : &plain;
			unsigned char o[BIG_CAP];
			int lo = codec_compress(cc, page, o, sizeof(o));

			/* the same input gives the same output each time */
			ck_assert_int_eq(lo, j % 3 ? lb : la);
			ck_assert_mem_eq(o, j % 3 ? b : a, lo);
		}
		ck_assert_int_lt(lb, la);
		codec_dict_put((struct codec_dict *)c.dict);
	}
}
END_TEST

/* Pages of the corpus that the store would compress (not same-filled). */
static unsigned char *corpus_pages(size_t max, size_t *n, size_t *skipped)
{
	const char *path = tu_corpus();
	unsigned char *p = malloc(max * PAGE);
	FILE *f;

	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(p);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "FZRAM_CORPUS=%s: %s", path, strerror(errno));
	*n = 0;
	*skipped = 0;
	while (*n < max && fread(p + *n * PAGE, PAGE, 1, f) == 1) {
		const uint64_t *w = (const uint64_t *)(p + *n * PAGE);
		size_t i;

		for (i = 1; i < PAGE / 8 && w[i] == w[0]; i++)
			;
		if (i == PAGE / 8)
			(*skipped)++;
		else
			(*n)++;
	}
	fclose(f);
	return p;
}

/*
 * A dictionary trained on the first half of the corpus, measured on the
 * second: everything round trips; the ratios are printed, not asserted
 * (whether a dictionary pays depends on the data).
 */
START_TEST(test_dict_corpus)
{
	static const struct codec_cfg dcfgs[] = {
	    {"lz4", 1}, {"lz4hc", 9}, {"zstd", 1}, {"zstd", 3}, {"zstd", 19},
	};
	size_t n, skipped, half, i;
	unsigned char *p = corpus_pages(CORPUS_MAX_PAGES, &n, &skipped), *odd;
	int k;

	ck_assert_uint_ge(n, 2 * CODEC_DICT_TRAIN_MIN_PAGES);
	half = n / 2;
	/* the odd pages, the measured ones of the "alternate" split */
	odd = malloc(half * PAGE);
	ck_assert_ptr_nonnull(odd);
	for (i = 0; i < half; i++)
		memcpy(odd + i * PAGE, p + (2 * i + 1) * PAGE, PAGE);
	printf("dict corpus: %zu pages (%zu same-filled left out); "
	       "\"halves\": trained on the first %zu, measured on the other "
	       "%zu; \"alternate\": trained on the odd pages, measured on "
	       "the even\n",
	       n, skipped, half, n - half);
	for (k = 0; k < 2 * (int)(sizeof(dcfgs) / sizeof(dcfgs[0])); k++) {
		const struct codec_cfg *cfg = &dcfgs[k / 2];
		struct codec plain = get_codec(cfg->name, cfg->level);
		struct codec c = plain;
		long with = 0, without = 0, orig = 0;
		bool alt = k % 2;

		c.dict = train_load(c.alg, c.level, alt ? odd : p, half);
		for (i = alt ? 0 : half; i < n; i += alt ? 2 : 1) {
			int lw = round_trip(&c, p + i * PAGE, BIG_CAP);
			int lo = round_trip(&plain, p + i * PAGE, BIG_CAP);

			/* the store keeps a page raw rather than grown */
			with += lw < PAGE ? lw : PAGE;
			without += lo < PAGE ? lo : PAGE;
			orig += PAGE;
		}
		printf("dict corpus: %-9s %-5s %2d: ratio %.3f without, %.3f "
		       "with a %zu-byte dictionary (%+.1f%%)\n",
		       alt ? "alternate" : "halves", cfg->name, cfg->level,
		       (double)orig / without,
		       (double)orig / with, codec_dict_size(c.dict),
		       100.0 * ((double)without / with - 1));
		ck_assert_int_le(with, orig);
		codec_dict_put((struct codec_dict *)c.dict);
	}
	fflush(stdout);
	free(odd);
	free(p);
}
END_TEST

enum dict_outcome { DO_EIO, DO_WRONG, DO_RIGHT, DO_NR };

/* Decode @len bytes of @buf with @c, from exact-size copies, and say how. */
static enum dict_outcome decode_outcome(const struct codec *c,
					const unsigned char *buf, int len,
					const unsigned char *want)
{
	unsigned char *out = malloc(PAGE);
	enum dict_outcome o;
	int ret;

	ck_assert_ptr_nonnull(out);
	ret = decompress_copy(c, buf, len, out);
	ck_assert_msg(ret == 0 || ret == -EIO, "%s: decode = %d",
		      codec_name(c->alg), ret);
	if (ret)
		o = DO_EIO;
	else
		o = memcmp(out, want, PAGE) ? DO_WRONG : DO_RIGHT;
	free(out);
	return o;
}

/*
 * Pages compressed with one dictionary, decoded with another of the same
 * algorithm, one of the same length but other bytes, and none: never a
 * crash or an out-of-bounds read (ASan), only -EIO or a page; how often the
 * page is wrong is printed (no codec here can always tell, see codec.h).
 */
START_TEST(test_dict_wrong)
{
	static const char *const names[] = {"lz4", "lz4hc", "zstd"};
	const char *name = names[_i];
	struct codec c = get_codec(name, CODEC_LEVEL_DEFAULT);
	struct codec other = c, none = c, same_len = c;
	size_t cap = dict_cap(c.alg), len;
	unsigned char *dbuf = malloc(cap), *pages;
	struct codec_dict *d, *d2, *d3;
	int counts[3][DO_NR] = {{0}};
	int i, j, n = 0;

	ck_assert_ptr_nonnull(dbuf);
	pages = synth_pages(DICT_SYNTH_PAGES, 4);
	ck_assert_int_eq(codec_dict_train(c.alg, pages, DICT_SYNTH_PAGES, cap,
					  dbuf, &len),
			 0);
	ck_assert_int_eq(codec_dict_load(c.alg, c.level, dbuf, len, &d), 0);
	/* same length, other bytes: the content's second half changed */
	for (i = (int)len / 2; i < (int)len; i++)
		dbuf[i] ^= 0x5a;
	j = codec_dict_load(c.alg, c.level, dbuf, len, &d3);
	if (c.alg == CODEC_ZSTD)
		ck_assert(j == 0 || j == -EINVAL);
	else
		ck_assert_int_eq(j, 0);
	if (j)
		d3 = NULL;
	free(pages);
	d2 = synth_dict(c.alg, c.level, 99);
	c.dict = d;
	other.dict = d2;
	same_len.dict = d3;
	none.dict = NULL;
	for (i = 0; i < 2 * DICT_SYNTH_PAGES; i++) {
		static unsigned char page[PAGE], buf[BIG_CAP];
		int l;

		/* pages near what the dictionary learned, and others */
		fill_page(page, i % 2 ? PAGE_HEAP : PAGE_TEXT,
			  i < DICT_SYNTH_PAGES ? 4000 + i : 90000 + i);
		l = codec_compress(&c, page, buf, sizeof(buf));
		ck_assert_int_gt(l, 0);
		ck_assert_int_eq(decode_outcome(&c, buf, l, page), DO_RIGHT);
		counts[0][decode_outcome(&other, buf, l, page)]++;
		counts[1][decode_outcome(&none, buf, l, page)]++;
		if (d3)
			counts[2][decode_outcome(&same_len, buf, l, page)]++;
		n++;
	}
	printf("dict wrong %-5s: of %d pages, another dict: %d EIO %d wrong "
	       "%d right; none: %d EIO %d wrong %d right; same length: %d "
	       "EIO %d wrong %d right%s\n",
	       name, n, counts[0][DO_EIO], counts[0][DO_WRONG],
	       counts[0][DO_RIGHT], counts[1][DO_EIO], counts[1][DO_WRONG],
	       counts[1][DO_RIGHT], counts[2][DO_EIO], counts[2][DO_WRONG],
	       counts[2][DO_RIGHT], d3 ? "" : " (refused)");
	fflush(stdout);
	/* a page that needs the dictionary must not decode without it */
	ck_assert_int_lt(counts[1][DO_RIGHT], n);
	ck_assert_int_lt(counts[0][DO_RIGHT], n);
	codec_dict_put(d);
	codec_dict_put(d2);
	codec_dict_put(d3);
	free(dbuf);
}
END_TEST

/* A dictionary meets only its own algorithm and level: -EINVAL otherwise;
 * lz4 and lz4hc share one format, so each decodes the other's pages. */
START_TEST(test_dict_mismatch)
{
	struct codec_dict *dl = synth_dict(CODEC_LZ4, 1, 5);
	struct codec_dict *dh = synth_dict(CODEC_LZ4HC, 9, 5);
	struct codec_dict *dz = synth_dict(CODEC_ZSTD, 3, 5);
	struct codec lz4 = get_codec("lz4", 1), lz4hc = get_codec("lz4hc", 9);
	struct codec zstd = get_codec("zstd", 3), c;
	static unsigned char page[PAGE], buf[BIG_CAP];
	unsigned char out[PAGE];
	int len;

	fill_page(page, PAGE_TEXT, 8);
	c = zstd;
	c.dict = dl;
	ck_assert_int_eq(codec_compress(&c, page, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(codec_decompress(&c, buf, 10, out), -EINVAL);
	c = lz4;
	c.dict = dz;
	ck_assert_int_eq(codec_compress(&c, page, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(codec_decompress(&c, buf, 10, out), -EINVAL);
	c.dict = dh; /* an lz4hc dictionary does not compress lz4 */
	ck_assert_int_eq(codec_compress(&c, page, buf, sizeof(buf)), -EINVAL);
	/* levels: zstd and lz4hc must match, lz4's acceleration is free */
	c = get_codec("zstd", 1);
	c.dict = dz;
	ck_assert_int_eq(codec_compress(&c, page, buf, sizeof(buf)), -EINVAL);
	c = get_codec("lz4hc", 12);
	c.dict = dh;
	ck_assert_int_eq(codec_compress(&c, page, buf, sizeof(buf)), -EINVAL);
	c = get_codec("lz4", 8);
	c.dict = dl;
	ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
	/* lz4hc's page with lz4's codec and the same dictionary, and back */
	lz4hc.dict = dh;
	len = codec_compress(&lz4hc, page, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	c = lz4;
	c.dict = dh;
	ck_assert_int_eq(decompress_copy(&c, buf, len, out), 0);
	ck_assert_mem_eq(out, page, PAGE);
	lz4.dict = dl;
	len = codec_compress(&lz4, page, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	c = lz4hc;
	c.dict = dl;
	ck_assert_int_eq(decompress_copy(&c, buf, len, out), 0);
	ck_assert_mem_eq(out, page, PAGE);
	codec_dict_put(dl);
	codec_dict_put(dh);
	codec_dict_put(dz);
}
END_TEST

/* Bytes malloc has handed out, as glibc counts them: from the heap and
 * mmapped (0 under ASan, which keeps its own books and checks leaks). */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

#define DICT_REFS_WARM 8

/* get/put count; the last put frees everything load made; the dictionary is
 * a copy, independent of the caller's buffer. */
START_TEST(test_dict_refs)
{
	static unsigned char page[PAGE];
	unsigned char *pages = synth_pages(DICT_SYNTH_PAGES, 6);
	size_t cap = DICT_ZSTD_CAP, len, before;
	unsigned char *buf = malloc(cap);
	struct codec_dict *d;
	int pass;

	ck_assert_ptr_nonnull(buf);
	/*
	 * The first DICT_REFS_WARM passes size this thread's contexts and
	 * fill glibc's per-thread cache (up to 7 freed chunks a size, which
	 * mallinfo2 counts as in use), the last one counts.
	 */
	for (pass = 0; pass < (DICT_REFS_WARM + 1) * CODEC_NR_ALGS; pass++) {
		int a = pass % CODEC_NR_ALGS;
		struct codec c = {.alg = a, .level = a == CODEC_LZ4HC ? 9 : 1};
		unsigned char *copy;

		ck_assert_int_eq(codec_dict_train(a, pages, DICT_SYNTH_PAGES,
						  cap, buf, &len),
				 0);
		copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, buf, len);
		/*
		 * Warm this thread's contexts with a dictionary first (zstd
		 * resizes its workspace for the CDict's parameters), then
		 * count the heap.
		 */
		fill_page(page, PAGE_TEXT, 1);
		ck_assert_int_eq(codec_dict_load(a, c.level, copy, len, &d), 0);
		c.dict = d;
		ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
		codec_dict_put(d);
		before = heap_in_use();
		ck_assert_int_eq(codec_dict_load(a, c.level, copy, len, &d), 0);
		memset(copy, 0xee, len); /* load made its own copy */
		ck_assert_ptr_eq(codec_dict_get(d), d);
		ck_assert_ptr_eq(codec_dict_get(d), d);
		c.dict = d;
		ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
		codec_dict_put(d);
		codec_dict_put(d);
		/* one reference left: still whole */
		ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
		ck_assert_uint_eq(codec_dict_size(d), len);
		codec_dict_put(d);
		if (pass >= DICT_REFS_WARM * CODEC_NR_ALGS)
			ck_assert_uint_eq(heap_in_use(), before);
		free(copy);
	}
	codec_dict_put(NULL);
	free(buf);
	free(pages);
}
END_TEST

START_TEST(test_dict_ids)
{
	unsigned char *pages = synth_pages(DICT_SYNTH_PAGES, 7);
	size_t cap = DICT_ZSTD_CAP, len;
	unsigned char *buf = malloc(cap);
	struct codec_dict *a, *b, *z;
	uint32_t zid;

	ck_assert_ptr_nonnull(buf);
	/* lz4: a hash of the bytes; equal bytes, equal ids */
	memset(buf, 'x', 1000);
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 1, buf, 1000, &a), 0);
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4HC, 9, buf, 1000, &b), 0);
	ck_assert_uint_eq(codec_dict_id(a), codec_dict_id(b));
	codec_dict_put(b);
	buf[999] = 'y';
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 1, buf, 1000, &b), 0);
	ck_assert_uint_ne(codec_dict_id(a), codec_dict_id(b));
	codec_dict_put(a);
	codec_dict_put(b);
	/* one byte of lz4 dictionary works too */
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 1, buf, 1, &a), 0);
	codec_dict_put(a);
	/* zstd: the dictionary's own id, as libzstd reads it */
	ck_assert_int_eq(codec_dict_train(CODEC_ZSTD, pages, DICT_SYNTH_PAGES,
					  cap, buf, &len),
			 0);
	zid = ZSTD_getDictID_fromDict(buf, len);
	ck_assert_uint_ne(zid, 0);
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, len, &z), 0);
	ck_assert_uint_eq(codec_dict_id(z), zid);
	codec_dict_put(z);
	free(buf);
	free(pages);
}
END_TEST

/* Bad dictionaries and bad training input: -EINVAL or -ERANGE, nothing
 * returned. */
START_TEST(test_dict_bad)
{
	static unsigned char big[CODEC_DICT_MAX + 1];
	unsigned char *pages = synth_pages(DICT_SYNTH_PAGES, 8);
	size_t cap = DICT_ZSTD_CAP, len = 12345;
	unsigned char *buf = malloc(cap), *out = malloc(cap);
	struct codec_dict *d = (struct codec_dict *)&len; /* must stay */
	uint32_t magic = 0xEC30A437;
	uint64_t s = 9;
	size_t i, zlen;
	int a;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(out);
	for (a = 0; a < CODEC_NR_ALGS; a++) {
		ck_assert_int_eq(codec_dict_load(a, 1, big, 0, &d), -EINVAL);
		ck_assert_int_eq(codec_dict_load(a, 1, NULL, 10, &d), -EINVAL);
		ck_assert_int_eq(
		    codec_dict_load(a, 1, big, CODEC_DICT_MAX + 1, &d),
		    -EINVAL);
		ck_assert_int_eq(codec_dict_load(a, CODEC_LEVEL_DEFAULT - 1,
						 "abcdefgh", 8, &d),
				 -ERANGE);
	}
	ck_assert_int_eq(codec_dict_load(CODEC_NR_ALGS, 1, "abcdefgh", 8, &d),
			 -EINVAL);
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 0, "abcdefgh", 8, &d),
			 -ERANGE);
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4HC, 13, "abcdefgh", 8, &d),
			 -ERANGE);
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, ZSTD_maxCLevel() + 1,
					 "abcdefgh", 8, &d),
			 -ERANGE);
	/* the largest size is fine for lz4 (it uses the end) */
	ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 1, big, CODEC_DICT_MAX, &d),
			 0);
	codec_dict_put(d);
	d = (struct codec_dict *)&len;

	/* zstd: garbage, without and with the magic, and short */
	for (i = 0; i < cap; i++)
		buf[i] = tu_rng_next(&s);
	buf[0] = 0; /* not the magic */
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 4096, &d),
			 -EINVAL);
	memset(buf, 0, 4096);
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 4096, &d),
			 -EINVAL);
	for (i = 0; i < 4096; i++)
		buf[i] = tu_rng_next(&s);
	memcpy(buf, &magic, 4);
	for (i = 0; i < 50; i++) {
		buf[8 + i] ^= 0xff;
		ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 4096, &d),
				 -EINVAL);
	}
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 4, &d), -EINVAL);
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 8, &d), -EINVAL);
	/* a real one cut short in its tables */
	ck_assert_int_eq(codec_dict_train(CODEC_ZSTD, pages, DICT_SYNTH_PAGES,
					  cap, buf, &zlen),
			 0);
	ck_assert_int_eq(codec_dict_load(CODEC_ZSTD, 3, buf, 40, &d), -EINVAL);
	ck_assert_ptr_eq(d, (struct codec_dict *)&len);

	/* training */
	for (a = 0; a < CODEC_NR_ALGS; a++) {
		len = 12345;
		ck_assert_int_eq(
		    codec_dict_train(a, pages, CODEC_DICT_TRAIN_MIN_PAGES - 1,
				     cap, out, &len),
		    -EINVAL);
		ck_assert_int_eq(codec_dict_train(a, pages, DICT_SYNTH_PAGES,
						  CODEC_DICT_TRAIN_MIN_CAP - 1,
						  out, &len),
				 -EINVAL);
		ck_assert_int_eq(codec_dict_train(a, NULL, DICT_SYNTH_PAGES,
						  cap, out, &len),
				 -EINVAL);
		ck_assert_uint_eq(len, 12345);
		/* the fewest pages and the smallest cap do */
		ck_assert_int_eq(
		    codec_dict_train(a, pages, CODEC_DICT_TRAIN_MIN_PAGES,
				     cap, out, &len),
		    0);
		ck_assert_int_eq(codec_dict_train(a, pages, DICT_SYNTH_PAGES,
						  CODEC_DICT_TRAIN_MIN_CAP,
						  out, &len),
				 0);
		ck_assert_uint_le(len, CODEC_DICT_TRAIN_MIN_CAP);
		ck_assert_int_eq(codec_dict_load(a, CODEC_LEVEL_DEFAULT, out,
						 len, &d),
				 0);
		codec_dict_put(d);
	}
	ck_assert_int_eq(codec_dict_train(CODEC_NR_ALGS, pages,
					  DICT_SYNTH_PAGES, cap, out, &len),
			 -EINVAL);
	free(out);
	free(buf);
	free(pages);
}
END_TEST

/* What ZDICT does with degenerate samples: an error, or a dictionary that
 * loads and round trips; never a crash. */
START_TEST(test_dict_degenerate)
{
	static unsigned char page[PAGE];
	unsigned char *pages = malloc(DICT_SYNTH_PAGES * PAGE);
	size_t cap = DICT_ZSTD_CAP, len, i;
	unsigned char *out = malloc(cap);
	uint64_t s = 11;
	int a, kind, ret;

	ck_assert_ptr_nonnull(pages);
	ck_assert_ptr_nonnull(out);
	for (kind = 0; kind < 2; kind++) {
		for (i = 0; i < DICT_SYNTH_PAGES * PAGE; i++)
			pages[i] = kind ? tu_rng_next(&s) : 0;
		for (a = 0; a < CODEC_NR_ALGS; a++) {
			struct codec c = {.alg = a, .level = 1};
			struct codec_dict *d;

			ret = codec_dict_train(a, pages, DICT_SYNTH_PAGES, cap,
					       out, &len);
			printf("dict degenerate: %s pages, %s: %d (%zu bytes)"
			       "\n",
			       kind ? "random" : "zero", codec_name(a), ret,
			       ret ? 0 : len);
			ck_assert(ret == 0 || ret == -EINVAL);
			if (ret)
				continue;
			ck_assert_int_eq(codec_dict_load(a, 1, out, len, &d),
					 0);
			c.dict = d;
			fill_page(page, PAGE_HEAP, 3);
			ck_assert_int_gt(round_trip(&c, page, BIG_CAP), 0);
			codec_dict_put(d);
		}
	}
	fflush(stdout);
	free(out);
	free(pages);
}
END_TEST

/* CDicts and HC streams at the edges of the level ranges round trip. */
START_TEST(test_dict_levels)
{
	struct {
		enum codec_alg alg;
		int level, want;
	} lv[] = {
	    {CODEC_ZSTD, ZSTD_minCLevel(), ZSTD_minCLevel()},
	    {CODEC_ZSTD, -1, -1},
	    {CODEC_ZSTD, 0, 3},
	    {CODEC_ZSTD, CODEC_LEVEL_DEFAULT, 3},
	    {CODEC_ZSTD, 1, 1},
	    {CODEC_ZSTD, 19, 19},
	    {CODEC_ZSTD, ZSTD_maxCLevel(), ZSTD_maxCLevel()},
	    {CODEC_LZ4HC, 1, 1},
	    {CODEC_LZ4HC, CODEC_LEVEL_DEFAULT, 9},
	    {CODEC_LZ4HC, 12, 12},
	    {CODEC_LZ4, 1, 1},
	    {CODEC_LZ4, 65537, 65537},
	};
	static unsigned char page[PAGE];
	int i, kind, l1 = 0, l12 = 0;

	for (i = 0; i < (int)(sizeof(lv) / sizeof(lv[0])); i++) {
		struct codec_dict *d = synth_dict(lv[i].alg, lv[i].level, 12);
		struct codec c = {.alg = lv[i].alg, .level = lv[i].want};
		long total = 0;

		ck_assert_int_eq(codec_dict_level(d), lv[i].want);
		c.dict = d;
		for (kind = 0; kind < PAGE_NR_KINDS; kind++) {
			fill_page(page, kind, 1200 + kind);
			total += round_trip(&c, page, BIG_CAP);
		}
		if (lv[i].alg == CODEC_LZ4HC && lv[i].want == 1)
			l1 = total;
		if (lv[i].alg == CODEC_LZ4HC && lv[i].want == 12)
			l12 = total;
		codec_dict_put(d);
	}
	/* the HC stream keeps the level it was loaded at */
	ck_assert_int_lt(l12, l1);
}
END_TEST

/*
 * @len bytes at @dict compressed into @dst with libzstd itself, @page with
 * the frame codec.c writes (magicless, no size, checksum or id), the
 * dictionary as @type at @level.  Return: the length.
 */
static size_t zstd_ref(const void *dict, size_t len,
		       ZSTD_dictContentType_e type, int level,
		       const unsigned char *page, unsigned char *dst)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_CDict *cd;
	size_t ret;

	ck_assert_ptr_nonnull(cctx);
	if (type == ZSTD_dct_fullDict) {
		cd = ZSTD_createCDict_byReference(dict, len, level);
	} else {
		/* the parameters of a page after @len bytes, as codec.c */
		cd = ZSTD_createCDict_advanced(
		    dict, len, ZSTD_dlm_byRef, type,
		    ZSTD_getCParams(level, PAGE, len), ZSTD_defaultCMem);
	}
	ck_assert_ptr_nonnull(cd);
	ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(
	    cctx, ZSTD_c_format, ZSTD_f_zstd1_magicless)));
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
	ck_assert(!ZSTD_isError(ZSTD_CCtx_refCDict(cctx, cd)));
	ret = ZSTD_compress2(cctx, dst, BIG_CAP, page, PAGE);
	ck_assert(!ZSTD_isError(ret));
	ZSTD_freeCDict(cd);
	ZSTD_freeCCtx(cctx);
	return ret;
}

/*
 * zstd below ZSTD_lazy (levels 1 and 3, the negative ones) compresses
 * against the dictionary's content alone, as raw content; lazy and up
 * (6, 19) against the whole dictionary: every page comes out byte for byte
 * as libzstd writes it with that kind of dictionary, not the other, and
 * round trips.
 */
START_TEST(test_dict_zstd_content)
{
	static const struct {
		int level;
		bool content; /* the content only, else the whole */
	} lv[] = {{-5, true}, {1, true}, {3, true}, {6, false}, {19, false}};
	unsigned char *pages = synth_pages(DICT_SYNTH_PAGES, 13);
	size_t cap = DICT_ZSTD_CAP, len, hdr;
	unsigned char *buf = malloc(cap);
	static unsigned char page[PAGE], out[BIG_CAP], ref[BIG_CAP];
	int i, k, differs;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(codec_dict_train(CODEC_ZSTD, pages, DICT_SYNTH_PAGES,
					  cap, buf, &len),
			 0);
	hdr = ZDICT_getDictHeaderSize(buf, len);
	ck_assert(!ZDICT_isError(hdr));
	ck_assert_uint_lt(hdr, len);
	for (i = 0; i < (int)(sizeof(lv) / sizeof(lv[0])); i++) {
		struct codec c = get_codec("zstd", lv[i].level);
		struct codec_dict *d;

		ck_assert_int_eq(
		    codec_dict_load(CODEC_ZSTD, lv[i].level, buf, len, &d), 0);
		c.dict = d;
		differs = 0;
		for (k = 0; k < 16; k++) {
			size_t l, lc, lf;

			fill_page(page, k % 2 ? PAGE_HEAP : PAGE_TEXT,
				  1300 + k);
			l = (size_t)codec_compress(&c, page, out, sizeof(out));
			ck_assert_int_gt((int)l, 0);
			lc = zstd_ref(buf + hdr, len - hdr, ZSTD_dct_rawContent,
				      lv[i].level, page, ref);
			if (lv[i].content) {
				ck_assert_uint_eq(l, lc);
				ck_assert_mem_eq(out, ref, l);
			} else {
				differs += l != lc || memcmp(out, ref, l);
			}
			lf = zstd_ref(buf, len, ZSTD_dct_fullDict, lv[i].level,
				      page, ref);
			if (lv[i].content) {
				differs += l != lf || memcmp(out, ref, l);
			} else {
				ck_assert_uint_eq(l, lf);
				ck_assert_mem_eq(out, ref, l);
			}
			ck_assert_int_eq(round_trip(&c, page, BIG_CAP),
					 (int)l);
		}
		/* the two kinds compress differently: the check can fail */
		ck_assert_msg(differs > 0, "level %d: content and whole alike",
			      lv[i].level);
		/* the id and size are the whole file's, as before */
		ck_assert_uint_eq(codec_dict_id(d),
				  ZSTD_getDictID_fromDict(buf, len));
		ck_assert_uint_eq(codec_dict_size(d), len);
		codec_dict_put(d);
	}
	free(buf);
	free(pages);
}
END_TEST

struct dict_mt_arg {
	struct codec_dict *dicts[CODEC_NR_ALGS];
	int id;
	int failures;
};

/* Each thread holds its own references and compresses with every shared
 * dictionary; no ck_assert here. */
static void *dict_mt_worker(void *p)
{
	struct dict_mt_arg *arg = p;
	struct codec c[CODEC_NR_ALGS];
	unsigned char page[PAGE], out[PAGE], buf[BIG_CAP];
	int i, len;

	for (i = 0; i < CODEC_NR_ALGS; i++) {
		struct codec_dict *d = codec_dict_get(arg->dicts[i]);

		c[i].alg = codec_dict_alg(d);
		c[i].level = codec_dict_level(d);
		c[i].dict = d;
	}
	for (i = 0; i < MT_ITERS; i++) {
		struct codec *cc = &c[(i + arg->id) % CODEC_NR_ALGS];
		const struct codec_dict *keep = cc->dict;

		if (i % 5 == 4)
			cc->dict = NULL; /* a plain page now and then */
		fill_page(page, (i / CODEC_NR_ALGS) % PAGE_NR_KINDS,
			  arg->id * 100000 + i);
		len = codec_compress(cc, page, buf, sizeof(buf));
		if (len <= 0 || codec_decompress(cc, buf, len, out) ||
		    memcmp(page, out, PAGE))
			arg->failures++;
		cc->dict = keep;
	}
	for (i = 0; i < CODEC_NR_ALGS; i++)
		codec_dict_put((struct codec_dict *)c[i].dict);
	return NULL;
}

START_TEST(test_dict_threads)
{
	pthread_t th[MT_THREADS];
	struct dict_mt_arg args[MT_THREADS];
	struct codec_dict *dicts[CODEC_NR_ALGS];
	int i, a;

	dicts[CODEC_LZ4] = synth_dict(CODEC_LZ4, 1, 13);
	dicts[CODEC_LZ4HC] = synth_dict(CODEC_LZ4HC, 4, 13);
	dicts[CODEC_ZSTD] = synth_dict(CODEC_ZSTD, 1, 13);
	for (i = 0; i < MT_THREADS; i++) {
		for (a = 0; a < CODEC_NR_ALGS; a++)
			args[i].dicts[a] = dicts[a];
		args[i].id = i;
		args[i].failures = 0;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, dict_mt_worker, &args[i]), 0);
	}
	/* the loader's references go while the threads still hold theirs */
	for (a = 0; a < CODEC_NR_ALGS; a++)
		codec_dict_get(dicts[a]);
	for (a = 0; a < CODEC_NR_ALGS; a++)
		codec_dict_put(dicts[a]);
	for (i = 0; i < MT_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(args[i].failures == 0, "thread %d: %d failures",
			      i, args[i].failures);
	}
	for (a = 0; a < CODEC_NR_ALGS; a++)
		codec_dict_put(dicts[a]);
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

	tc = tcase_create("dict");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_dict_round_trip, 0, NR_CFGS);
	tcase_add_test(tc, test_dict_equal);
	tcase_add_loop_test(tc, test_dict_tight_cap, 0, NR_CFGS);
	tcase_add_test(tc, test_dict_interleave);
	tcase_add_loop_test(tc, test_dict_wrong, 0, 3);
	tcase_add_test(tc, test_dict_mismatch);
	tcase_add_test(tc, test_dict_refs);
	tcase_add_test(tc, test_dict_ids);
	tcase_add_test(tc, test_dict_bad);
	tcase_add_test(tc, test_dict_degenerate);
	tcase_add_test(tc, test_dict_levels);
	tcase_add_test(tc, test_dict_zstd_content);
	tcase_add_test(tc, test_dict_threads);
	suite_add_tcase(s, tc);

	if (tu_corpus()) {
		tc = tcase_create("corpus");
		tcase_set_timeout(tc, 300);
		tcase_add_test(tc, test_corpus);
		tcase_add_test(tc, test_dict_corpus);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tu_corpus_result(check_run(codec_suite()));
}
