// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store_dict.c - the level and dictionary of each priority, every
 * primary/secondary pair with dictionaries at the level edges
 * (store_set_params): pages written with a dictionary read back equal and
 * take less room than without; a dictionary changed or removed later
 * leaves the slots written with the old one decoding, and stays loaded
 * exactly as long as a slot (in RAM or written back) or a priority needs
 * it; a secondary's dictionary serves recompression; the level of the
 * primary changes live; bad input changes nothing; the table of
 * dictionaries fills up with a clear error; and writes racing dictionary
 * changes from threads lose nothing and leak nothing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "fake_backing.h"
#include "testutil.h"

#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE
/* Page @tag: lines of a shared vocabulary (testutil.h). */
static void page_of(void *p, uint64_t tag)
{
	tu_vocab_page(p, tag);
}

/* A dictionary for @alg at @level, trained on pages @first..+@n. */
static struct codec_dict *train(enum codec_alg alg, int level, uint64_t first,
				size_t n)
{
	unsigned char *pages = malloc(n * PG), *out = malloc(CODEC_DICT_MAX);
	struct codec_dict *d = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(pages);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++)
		page_of(pages + i * PG, first + i);
	ck_assert_int_eq(codec_dict_train(alg, pages, n, 64 * 1024, out, &len),
			 0);
	ck_assert_int_eq(codec_dict_load(alg, level, out, len, &d), 0);
	free(pages);
	free(out);
	return d;
}

static struct store *make(const char *alg, int level)
{
	struct store_config cfg = {.size = 64ULL << 20,
				   .algorithm = alg,
				   .level = level};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

static void assert_read(struct store *s, uint64_t slot, uint64_t tag)
{
	unsigned char got[PG], want[PG];

	page_of(want, tag);
	ck_assert_int_eq(store_read(s, slot, got), 0);
	ck_assert_msg(memcmp(got, want, PG) == 0, "slot %llu differs",
		      (unsigned long long)slot);
}

static void write_range(struct store *s, uint64_t first, uint64_t n,
			uint64_t tag0)
{
	unsigned char p[PG];

	for (uint64_t i = 0; i < n; i++) {
		page_of(p, tag0 + i);
		ck_assert_int_eq(store_write(s, first + i, p), 0);
	}
}

static uint64_t compr(struct store *s)
{
	struct stats_mm mm;

	store_mm(s, &mm);
	return mm.compr_data_size;
}

static unsigned int ndicts(struct store *s)
{
	unsigned int n;
	uint64_t bytes;

	store_dict_stats(s, &n, &bytes);
	ck_assert(n == 0 || bytes > 0);
	return n;
}

/* The primary's dictionary, for each algorithm: smaller, equal, and
 * loaded while needed. */
START_TEST(test_primary)
{
	static const struct {
		const char *name;
		enum codec_alg alg;
		int level;
	} a[] = {{"zstd", CODEC_ZSTD, 1},
		 {"zstd", CODEC_ZSTD, 3},
		 {"lz4", CODEC_LZ4, 1},
		 {"lz4hc", CODEC_LZ4HC, 9}};
	struct store *s = make(a[_i].name, a[_i].level);
	struct codec_dict *d = train(a[_i].alg, a[_i].level, 100000, 400);
	uint64_t plain, with, id = codec_dict_id(d);
	char name[64];
	int level;
	uint32_t got_id;

	write_range(s, 0, 200, 0);
	plain = compr(s);
	ck_assert_int_eq(store_set_params(s, 0, a[_i].level, d, "/x/d.dict"),
			 0);
	codec_dict_put(d); /* the store keeps its own */
	ck_assert_uint_eq(ndicts(s), 1);
	ck_assert(store_params(s, 0, &level, name, sizeof(name), &got_id));
	ck_assert_int_eq(level, a[_i].level);
	ck_assert_str_eq(name, "/x/d.dict");
	ck_assert_uint_eq(got_id, id);
	write_range(s, 200, 200, 0); /* the same pages, with the dictionary */
	with = compr(s) - plain;
	ck_assert_msg(with < plain, "%s: %llu bytes with, %llu without",
		      a[_i].name, (unsigned long long)with,
		      (unsigned long long)plain);
	for (uint64_t i = 0; i < 200; i++) {
		assert_read(s, i, i);
		assert_read(s, 200 + i, i);
	}
	/* removed: still loaded for its 200 slots, until they are gone */
	ck_assert_int_eq(store_set_params(s, 0, a[_i].level, NULL, NULL), 0);
	ck_assert(store_params(s, 0, &level, name, sizeof(name), &got_id));
	ck_assert_uint_eq(got_id, 0);
	ck_assert_str_eq(name, "");
	ck_assert_uint_eq(ndicts(s), 1);
	write_range(s, 400, 10, 7);
	ck_assert_int_eq(store_discard(s, 200, 199), 0);
	ck_assert_uint_eq(ndicts(s), 1);
	assert_read(s, 399, 199);
	ck_assert_int_eq(store_free_notify(s, 399), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	for (uint64_t i = 0; i < 10; i++)
		assert_read(s, 400 + i, 7 + i);
	store_destroy(s);
}
END_TEST

/* Every primary/secondary pair, each with a dictionary of its own, at
 * the level edges: written, recompressed, read back, and nothing left. */
START_TEST(test_pairs)
{
	static const struct {
		const char *name;
		enum codec_alg alg;
		int lo, hi;
	} a[] = {{"lz4", CODEC_LZ4, 1, 65537},
		 {"lz4hc", CODEC_LZ4HC, 1, 12},
		 {"zstd", CODEC_ZSTD, 1, 19}};
	unsigned int pi = (unsigned int)_i / 3, si = (unsigned int)_i % 3;
	/* the primary at its lowest level, the secondary at its highest */
	struct store *s = make(a[pi].name, a[pi].lo);
	struct codec_dict *dp = train(a[pi].alg, a[pi].lo, 100000, 100);
	struct codec_dict *ds = train(a[si].alg, a[si].hi, 200000, 100);
	struct store_recomp_req req = {0};
	uint64_t done;

	ck_assert_int_eq(store_set_params(s, 0, a[pi].lo, dp, NULL), 0);
	ck_assert_int_eq(store_set_recomp(s, 1, a[si].name, a[si].hi), 0);
	ck_assert_int_eq(store_set_params(s, 1, a[si].hi, ds, NULL), 0);
	write_range(s, 0, 64, 0);
	ck_assert_int_eq(store_recompress(s, &req, &done), 0);
	for (uint64_t i = 0; i < 64; i++)
		assert_read(s, i, i);
	ck_assert_int_eq(store_discard(s, 0, 64), 0);
	ck_assert_int_eq(store_set_params(s, 0, a[pi].lo, NULL, NULL), 0);
	ck_assert_int_eq(store_set_recomp(s, 1, NULL, 0), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(s)), 0);
	codec_dict_put(dp);
	codec_dict_put(ds);
	store_destroy(s);
}
END_TEST

/* Two dictionaries in turn, an overwrite frees its slot's hold, and a
 * change of level alone keeps pages decoding. */
START_TEST(test_change)
{
	struct store *s = make("zstd", 3);
	struct codec_dict *d1 = train(CODEC_ZSTD, 3, 100000, 300);
	struct codec_dict *d2 = train(CODEC_ZSTD, 3, 200000, 300);
	struct codec_dict *d5 = train(CODEC_ZSTD, 5, 300000, 300);
	int level;
	uint32_t id;

	ck_assert_int_eq(store_set_params(s, 0, 3, d1, NULL), 0);
	write_range(s, 0, 50, 0);
	ck_assert_int_eq(store_set_params(s, 0, 3, d2, NULL), 0);
	write_range(s, 50, 50, 50);
	ck_assert_uint_eq(ndicts(s), 2);
	/* a level without a dictionary: a dictionary of level 3 is refused
	 * at 5, and nothing changes */
	ck_assert_int_eq(store_set_params(s, 0, 5, d2, NULL), -EINVAL);
	ck_assert(store_params(s, 0, &level, NULL, 0, &id));
	ck_assert_int_eq(level, 3);
	ck_assert_uint_eq(id, codec_dict_id(d2));
	ck_assert_int_eq(store_set_params(s, 0, 5, d5, NULL), 0);
	write_range(s, 100, 50, 100);
	ck_assert_int_eq(store_set_params(s, 0, CODEC_LEVEL_DEFAULT, NULL,
					  NULL),
			 0);
	ck_assert(store_params(s, 0, &level, NULL, 0, &id));
	ck_assert_int_eq(level, 3); /* zstd's default, resolved */
	write_range(s, 150, 50, 150);
	ck_assert_uint_eq(ndicts(s), 3);
	for (uint64_t i = 0; i < 200; i++)
		assert_read(s, i, i);
	/* overwriting d1's slots (now without a dictionary) unloads it */
	write_range(s, 0, 50, 1000);
	ck_assert_uint_eq(ndicts(s), 2);
	for (uint64_t i = 0; i < 50; i++)
		assert_read(s, i, 1000 + i);
	for (uint64_t i = 50; i < 200; i++)
		assert_read(s, i, i);
	ck_assert_int_eq(store_discard(s, 0, 200), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(s)), 0);
	codec_dict_put(d1);
	codec_dict_put(d2);
	codec_dict_put(d5);
	store_destroy(s);
}
END_TEST

/* A secondary's dictionary: recompression uses it, slots decode through
 * it after the secondary is removed, written back and read back too. */
START_TEST(test_secondary)
{
	struct store *s = make("lz4", CODEC_LEVEL_DEFAULT);
	struct codec_dict *d = train(CODEC_ZSTD, 19, 100000, 300);
	struct backing_config bc = {.path = "fake"};
	struct store_recomp_req req = {0};
	struct store_wb_req all = {0};
	struct backing *bk;
	uint64_t done, plain, with;

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(s, bk), 0);
	/* not set yet: nothing to give a dictionary to */
	ck_assert_int_eq(store_set_params(s, 1, 19, d, NULL), -EINVAL);
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	write_range(s, 0, 100, 0);
	ck_assert_int_eq(store_recompress(s, &req, &done), 0);
	ck_assert_uint_eq(done, 100);
	plain = compr(s);
	write_range(s, 0, 100, 0); /* back to lz4, then with the dictionary */
	ck_assert_int_eq(store_set_params(s, 1, 19, d, "d"), 0);
	ck_assert_int_eq(store_recompress(s, &req, &done), 0);
	ck_assert_uint_eq(done, 100);
	with = compr(s);
	ck_assert_msg(with < plain, "%llu bytes with, %llu without",
		      (unsigned long long)with, (unsigned long long)plain);
	/* the secondary replaced by another algorithm: its dictionary goes
	 * with it from the priority, but the slots keep it loaded */
	ck_assert_int_eq(store_set_recomp(s, 1, "lz4hc", 12), 0);
	ck_assert_uint_eq(ndicts(s), 1);
	for (uint64_t i = 0; i < 100; i++)
		assert_read(s, i, i);
	ck_assert_int_eq(store_writeback(s, &all, &done), 0);
	ck_assert_uint_eq(done, 100);
	ck_assert_uint_eq(ndicts(s), 1);
	for (uint64_t i = 0; i < 100; i++)
		assert_read(s, i, i);
	ck_assert_int_eq(store_discard(s, 0, 100), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	ck_assert_uint_eq(fake_backing_live(bk), 0);
	codec_dict_put(d);
	store_destroy(s);
	backing_destroy(bk);
}
END_TEST

START_TEST(test_bad_input)
{
	struct store *s = make("lz4", CODEC_LEVEL_DEFAULT);
	struct codec_dict *z = train(CODEC_ZSTD, 3, 1, 50);
	struct codec_dict *l = train(CODEC_LZ4, 1, 1, 50);
	int level;
	uint32_t id;

	ck_assert_int_eq(store_set_params(s, 0, 1, l, NULL), 0);
	write_range(s, 0, 10, 0);
	/* another algorithm's dictionary, a level out of range, a priority
	 * out of range or not set: refused, and the primary keeps l */
	ck_assert_int_eq(store_set_params(s, 0, 3, z, NULL), -EINVAL);
	ck_assert_int_eq(store_set_params(s, 0, 0, NULL, NULL), -ERANGE);
	ck_assert_int_eq(store_set_params(s, 0, 70000, NULL, NULL), -ERANGE);
	ck_assert_int_eq(store_set_params(s, 4, 1, NULL, NULL), -EINVAL);
	ck_assert_int_eq(store_set_params(s, 2, 1, NULL, NULL), -EINVAL);
	ck_assert(!store_params(s, 2, &level, NULL, 0, &id));
	ck_assert(!store_params(s, 9, &level, NULL, 0, &id));
	ck_assert(store_params(s, 0, &level, NULL, 0, &id));
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(id, codec_dict_id(l));
	ck_assert_uint_eq(ndicts(s), 1);
	write_range(s, 10, 10, 10);
	for (uint64_t i = 0; i < 20; i++)
		assert_read(s, i, i);
	codec_dict_put(z);
	codec_dict_put(l);
	store_destroy(s);
}
END_TEST

/* Text pages that lz4 shrinks with any dictionary (or none). */
static void write_text(struct store *s, uint64_t slot)
{
	unsigned char p[PG];

	tu_text_page(p, slot);
	ck_assert_int_eq(store_write(s, slot, p), 0);
}

static void assert_text(struct store *s, uint64_t slot)
{
	unsigned char got[PG], want[PG];

	tu_text_page(want, slot);
	ck_assert_int_eq(store_read(s, slot, got), 0);
	ck_assert(memcmp(got, want, PG) == 0);
}

/* STORE_MAX_DICTS in use at once, then -ENOSPC; freeing slots makes
 * room. */
START_TEST(test_table_full)
{
	struct store *s = make("lz4", 1);
	struct codec_dict *d[STORE_MAX_DICTS + 1];
	unsigned char raw[4096];
	uint64_t seed = 3;

	for (unsigned int i = 0; i <= STORE_MAX_DICTS; i++) {
		/* lz4 dictionaries are any bytes: distinct ones cheaply */
		for (size_t k = 0; k < sizeof(raw); k++)
			raw[k] = (unsigned char)tu_rng_next(&seed);
		ck_assert_int_eq(codec_dict_load(CODEC_LZ4, 1, raw,
						 sizeof(raw), &d[i]),
				 0);
	}
	/* each dictionary names one slot, the last one stays current */
	for (unsigned int i = 0; i < STORE_MAX_DICTS; i++) {
		ck_assert_int_eq(store_set_params(s, 0, 1, d[i], NULL), 0);
		write_text(s, i);
	}
	ck_assert_uint_eq(ndicts(s), STORE_MAX_DICTS);
	ck_assert_int_eq(store_set_params(s, 0, 1, d[STORE_MAX_DICTS], NULL),
			 -ENOSPC);
	write_text(s, 100); /* still with d[62] */
	ck_assert_int_eq(store_discard(s, 0, 1), 0);
	ck_assert_uint_eq(ndicts(s), STORE_MAX_DICTS - 1);
	ck_assert_int_eq(store_set_params(s, 0, 1, d[STORE_MAX_DICTS], NULL),
			 0);
	write_text(s, 101);
	for (unsigned int i = 1; i < STORE_MAX_DICTS; i++)
		assert_text(s, i);
	assert_text(s, 100);
	assert_text(s, 101);
	for (unsigned int i = 0; i <= STORE_MAX_DICTS; i++)
		codec_dict_put(d[i]);
	store_destroy(s); /* with slots and dictionaries still held */
}
END_TEST

/* The same dictionary set again and again, each time pinned by a slot, and
 * two taking turns: one entry each, never ENOSPC. */
START_TEST(test_reuse)
{
	struct store *s = make("zstd", 3);
	struct codec_dict *a = train(CODEC_ZSTD, 3, 100000, 100);
	struct codec_dict *b = train(CODEC_ZSTD, 3, 200000, 100);
	char name[32];
	int level;
	uint32_t id;

	for (unsigned int i = 0; i < 3 * STORE_MAX_DICTS; i++) {
		ck_assert_int_eq(store_set_params(s, 0, 3, i % 2 ? b : a,
						  i % 2 ? "b" : "a"),
				 0);
		write_range(s, i, 1, i);
	}
	ck_assert_uint_eq(ndicts(s), 2);
	ck_assert(!codec_dict_equal(a, b));
	ck_assert_int_eq(store_set_params(s, 0, 3, a, "a2"), 0);
	ck_assert_uint_eq(ndicts(s), 2);
	ck_assert(store_params(s, 0, &level, name, sizeof(name), &id));
	ck_assert_str_eq(name, "a"); /* the entry's first name */
	for (unsigned int i = 0; i < 3 * STORE_MAX_DICTS; i++)
		assert_read(s, i, i);
	codec_dict_put(a);
	codec_dict_put(b);
	store_destroy(s);
}
END_TEST

/* Writes that fail or store raw drop the dictionary they took: the
 * mem_limit refusal, a page that does not compress, a shrink. */
START_TEST(test_failed_writes)
{
	struct store *s = make("lz4", 1);
	struct codec_dict *d = train(CODEC_LZ4, 1, 100000, 50);
	unsigned char p[PG];
	uint64_t seed = 5;
	struct stats_io io;

	ck_assert_int_eq(store_set_params(s, 0, 1, d, NULL), 0);
	ck_assert_int_eq(store_set_params(s, 0, 1, NULL, NULL), 0);
	ck_assert_uint_eq(ndicts(s), 0); /* nothing named it */
	ck_assert_int_eq(store_set_params(s, 0, 1, d, NULL), 0);
	/* random bytes: stored raw, with no dictionary */
	for (size_t k = 0; k < PG; k += 8) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(p + k, &w, 8);
	}
	ck_assert_int_eq(store_write(s, 0, p), 0);
	ck_assert_int_eq(store_set_params(s, 0, 1, NULL, NULL), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	/* refused by mem_limit */
	ck_assert_int_eq(store_set_params(s, 0, 1, d, NULL), 0);
	store_set_mem_limit(s, 1);
	page_of(p, 1);
	ck_assert_int_eq(store_write(s, 1, p), -ENOMEM);
	store_io(s, &io);
	ck_assert_uint_eq(io.failed_writes, 1);
	store_set_mem_limit(s, 0);
	write_range(s, 1000, 10, 1000); /* slots past the coming shrink */
	ck_assert_int_eq(store_set_params(s, 0, 1, NULL, NULL), 0);
	ck_assert_uint_eq(ndicts(s), 1);
	ck_assert_int_eq(store_resize(s, 1000 * PG), 0);
	ck_assert_uint_eq(ndicts(s), 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(s)), 1); /* the raw page */
	codec_dict_put(d);
	store_destroy(s);
}
END_TEST

/* ---- writes and reads racing dictionary changes ------------------------ */

#define RACE_THREADS 2
#define RACE_SLOTS 256

static struct store *rs;
static int racing;

struct racer {
	unsigned int id;
	unsigned long ops;
	uint64_t tag[RACE_SLOTS];
	unsigned long bad;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	uint64_t seed = r->id + 99;
	unsigned char p[PG], got[PG];

	for (unsigned long n = 0; n < r->ops; n++) {
		uint64_t k = tu_rng_next(&seed) % RACE_SLOTS;
		uint64_t slot = k * RACE_THREADS + r->id;

		switch (tu_rng_next(&seed) % 4) {
		case 0:
		case 1:
			r->tag[k] = tu_rng_next(&seed) % 100000 + 1;
			page_of(p, r->tag[k]);
			if (store_write(rs, slot, p))
				r->bad++;
			break;
		case 2:
			if (store_discard(rs, slot, 1))
				r->bad++;
			r->tag[k] = 0;
			break;
		default:
			if (store_read(rs, slot, got)) {
				r->bad++;
				break;
			}
			if (r->tag[k])
				page_of(p, r->tag[k]);
			else
				memset(p, 0, PG);
			r->bad += memcmp(got, p, PG) != 0;
		}
	}
	__atomic_sub_fetch(&racing, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_race)
{
	struct racer r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	struct codec_dict *d[3];
	unsigned long ops = tu_env_ul("FZRAM_STRESS_OPS", 20000);
	struct store_recomp_req req = {0};
	uint64_t done;
	unsigned int turn = 0;

	rs = make("zstd", 1);
	for (unsigned int i = 0; i < 3; i++)
		d[i] = train(CODEC_ZSTD, 1, 100000 * (i + 1), 100);
	ck_assert_int_eq(store_set_recomp(rs, 1, "zstd", 1), 0);
	racing = RACE_THREADS;
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		r[i].ops = ops;
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_main, &r[i]),
				 0);
	}
	while (__atomic_load_n(&racing, __ATOMIC_ACQUIRE)) {
		struct codec_dict *n = turn % 4 == 3 ? NULL : d[turn % 3];

		ck_assert_int_eq(store_set_params(rs, 0, 1, n, NULL), 0);
		ck_assert_int_eq(store_set_params(rs, 1, 1, d[(turn + 1) % 3],
						  NULL),
				 0);
		ck_assert_int_eq(store_recompress(rs, &req, &done), 0);
		turn++;
	}
	for (unsigned int i = 0; i < RACE_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(r[i].bad, 0);
	}
	ck_assert_uint_gt(turn, 1);
	for (unsigned int i = 0; i < RACE_THREADS; i++)
		for (uint64_t k = 0; k < RACE_SLOTS; k++) {
			if (r[i].tag[k])
				assert_read(rs, k * RACE_THREADS + i,
					    r[i].tag[k]);
		}
	/* nothing left once the slots and the priorities let go */
	ck_assert_int_eq(store_discard(rs, 0, RACE_SLOTS * RACE_THREADS), 0);
	ck_assert_int_eq(store_set_params(rs, 0, 1, NULL, NULL), 0);
	ck_assert_int_eq(store_set_params(rs, 1, 1, NULL, NULL), 0);
	ck_assert_uint_eq(ndicts(rs), 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(rs)), 0);
	for (unsigned int i = 0; i < 3; i++)
		codec_dict_put(d[i]);
	store_destroy(rs);
}
END_TEST

static Suite *dict_suite(void)
{
	Suite *s = suite_create("store_dict");
	TCase *tc = tcase_create("dict");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_primary, 0, 4);
	tcase_add_loop_test(tc, test_pairs, 0, 9);
	tcase_add_test(tc, test_change);
	tcase_add_test(tc, test_secondary);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_table_full);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_failed_writes);
	tcase_add_test(tc, test_race);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(dict_suite());
}
