// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store.c - unit tests of the slot store over the allocator and the
 * codecs: the stale-slot rule, discard, same-filled and huge pages, exact
 * counters, mem_limit, bad input, sparse metadata, and many threads on
 * overlapping slots.  Real memory pages from FZRAM_CORPUS round-trip (make
 * check makes a small corpus); without it the program reports SKIP after
 * the other tests pass.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE

static struct store *st;

static const char *const algs[] = {"lz4", "lz4hc", "zstd"};

static struct store *make(uint64_t size, const char *alg, uint64_t limit)
{
	struct store_config cfg = {.size = size,
				   .algorithm = alg,
				   .level = CODEC_LEVEL_DEFAULT,
				   .mem_limit = limit};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

static void setup(void)
{
	st = make(64ULL << 20, "lz4", 0);
}

static void teardown(void)
{
	store_destroy(st);
	st = NULL;
}

static void random_page(void *p, uint64_t seed)
{
	uint64_t *w = p;

	seed |= 1;
	for (size_t i = 0; i < PG / 8; i++)
		w[i] = tu_rng_next(&seed);
}

static void assert_read(struct store *s, uint64_t slot, const void *want)
{
	unsigned char got[PG];

	ck_assert_int_eq(store_read(s, slot, got), 0);
	ck_assert_msg(memcmp(got, want, PG) == 0, "slot %llu differs",
		      (unsigned long long)slot);
}

static void assert_pool_valid(struct store *s)
{
	char why[256] = "";

	ck_assert_msg(zsp_validate(store_pool(s), why, sizeof(why)) == 0,
		      "pool invalid: %s", why);
}

START_TEST(test_unwritten_reads_zero)
{
	unsigned char page[PG], zero[PG] = {0};
	struct stats_mm mm;

	memset(page, 0x5a, PG);
	ck_assert_int_eq(store_read(st, 0, page), 0);
	ck_assert_mem_eq(page, zero, PG);
	memset(page, 0x5a, PG);
	ck_assert_int_eq(store_read(st, (64 << 20) / PG - 1, page), 0);
	ck_assert_mem_eq(page, zero, PG);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.mem_used_total, 0);
}
END_TEST

#define SLOT_INFO_FLAG(f) (1u << ((f) - STORE_F_SAME))
#define RESERVED_FLAGS                                                         \
	(SLOT_INFO_FLAG(STORE_F_IDLE) | SLOT_INFO_FLAG(STORE_F_WB) |           \
	 SLOT_INFO_FLAG(STORE_F_RECOMP) |                                      \
	 SLOT_INFO_FLAG(STORE_F_INCOMPRESSIBLE))

/* overwriting a slot frees its old object first: nothing leaks */
START_TEST(test_overwrite_frees_old)
{
	unsigned char page[PG];
	struct stats_mm mm;
	struct zsp_stats zs;
	unsigned int flags, len = 0;

	for (int i = 0; i < 500; i++) {
		if (i % 3 == 2)
			random_page(page, (uint64_t)i);
		else if (i % 3 == 1)
			memset(page, i & 0xff, PG);
		else
			tu_text_page(page, (uint64_t)i);
		ck_assert_int_eq(store_write(st, 7, page), 0);
		assert_read(st, 7, page);
		store_mm(st, &mm);
		ck_assert_int_eq(store_slot_info(st, 7, &flags, &len), 0);
		/* the flags reserved for idle, writeback and recompression
		 * are never set, and a write leaves none behind */
		ck_assert_uint_eq(flags & RESERVED_FLAGS, 0);
		ck_assert_uint_eq(mm.orig_data_size, PG);
		ck_assert_uint_eq(mm.compr_data_size, len);
		ck_assert_uint_eq(mm.same_pages, i % 3 == 1);
		ck_assert_uint_eq(mm.huge_pages, i % 3 == 2);
		zsp_get_stats(store_pool(st), &zs);
		ck_assert_uint_eq(zs.objs, i % 3 == 1 ? 0 : 1);
		ck_assert_uint_le(mm.mem_used_total,
				  ZSP_MAX_CHAIN * (uint64_t)PG);
	}
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.huge_pages_since, 166);
	assert_pool_valid(st);
}
END_TEST

/* same-filled pages, zeros included, cost no memory and read back */
START_TEST(test_same_filled)
{
	const uint64_t words[] = {0, ~0ULL, 0x0101010101010101ULL,
				  0xdeadbeefdeadbeefULL, 0x0123456789abcdefULL,
				  0xfedcba9876543210ULL};
	uint64_t page[PG / 8];
	struct stats_mm mm;
	unsigned int flags, len;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (size_t j = 0; j < PG / 8; j++)
			page[j] = words[i];
		ck_assert_int_eq(store_write(st, i, page), 0);
		ck_assert_int_eq(store_slot_info(st, i, &flags, &len), 0);
		ck_assert_uint_eq(flags & 1, 1); /* STORE_F_SAME */
	}
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.same_pages, 6);
	ck_assert_uint_eq(mm.orig_data_size, 6 * PG);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(mm.mem_used_total, 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (size_t j = 0; j < PG / 8; j++)
			page[j] = words[i];
		assert_read(st, i, page);
	}
	/* almost same-filled is not same-filled */
	for (size_t j = 0; j < PG / 8; j++)
		page[j] = 0;
	((unsigned char *)page)[PG - 1] = 1;
	ck_assert_int_eq(store_write(st, 10, page), 0);
	assert_read(st, 10, page);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.same_pages, 6);
	ck_assert_uint_gt(mm.compr_data_size, 0);
}
END_TEST

/* distinct wide fill words: 1024 kept as words, the rest compressed */
START_TEST(test_many_fill_words)
{
	uint64_t page[PG / 8];
	struct stats_mm mm;

	for (uint64_t i = 0; i < 1100; i++) {
		for (size_t j = 0; j < PG / 8; j++)
			page[j] = 0x1234567800000000ULL + i;
		ck_assert_int_eq(store_write(st, i, page), 0);
	}
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.same_pages, 1024);
	ck_assert_uint_eq(mm.orig_data_size, 1100 * PG);
	ck_assert_uint_gt(mm.compr_data_size, 0);
	/* a word already in the table is found again */
	for (size_t j = 0; j < PG / 8; j++)
		page[j] = 0x1234567800000000ULL + 5;
	ck_assert_int_eq(store_write(st, 2000, page), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.same_pages, 1025);
	for (uint64_t i = 0; i < 1100; i++) {
		for (size_t j = 0; j < PG / 8; j++)
			page[j] = 0x1234567800000000ULL + i;
		assert_read(st, i, page);
	}
}
END_TEST

/* incompressible pages are stored raw and counted as huge */
START_TEST(test_huge)
{
	unsigned char page[PG];
	struct stats_mm mm;
	unsigned int flags, len;

	random_page(page, 99);
	ck_assert_int_eq(store_write(st, 3, page), 0);
	assert_read(st, 3, page);
	ck_assert_int_eq(store_slot_info(st, 3, &flags, &len), 0);
	ck_assert_uint_eq(len, PG);
	ck_assert_uint_eq(flags & 2, 2); /* STORE_F_HUGE */
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.huge_pages, 1);
	ck_assert_uint_eq(mm.huge_pages_since, 1);
	ck_assert_uint_eq(mm.compr_data_size, PG);
	ck_assert_int_eq(store_discard(st, 3, 1), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.huge_pages, 0);
	ck_assert_uint_eq(mm.huge_pages_since, 1);
}
END_TEST

/* discard frees every slot in the range and counts notify_free */
START_TEST(test_discard)
{
	unsigned char page[PG], zero[PG] = {0};
	struct stats_mm mm;
	struct stats_io io;

	for (uint64_t i = 0; i < 3000; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_write(st, i * 5, page), 0);
	}
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 3000ULL * PG);
	ck_assert_uint_gt(mm.mem_used_total, 0);
	/* half of it */
	ck_assert_int_eq(store_discard(st, 0, 7500), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 1500ULL * PG);
	store_io(st, &io);
	ck_assert_uint_eq(io.notify_free, 7500);
	assert_read(st, 0, zero);
	tu_text_page(page, 1500);
	assert_read(st, 7500, page);
	/* the rest */
	ck_assert_int_eq(store_discard(st, 7500, 7500), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(mm.mem_used_total, 0);
	ck_assert_uint_gt(mm.mem_used_max, 0);
	store_reset_mem_used_max(st);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.mem_used_max, 0);
	/* free notices free too */
	tu_text_page(page, 1);
	ck_assert_int_eq(store_write(st, 1, page), 0);
	ck_assert_int_eq(store_free_notify(st, 1), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	store_io(st, &io);
	ck_assert_uint_eq(io.notify_free, 15001);
	assert_pool_valid(st);
}
END_TEST

/* a random sequence of writes, reads and discards: counters stay exact */
START_TEST(test_counters_model)
{
	enum { SLOTS = 400, STEPS = 6000 };
	static uint64_t ver[SLOTS]; /* 0 = empty */
	static unsigned char kind[SLOTS];
	unsigned char page[PG], want[PG];
	uint64_t seed = 7;

	memset(ver, 0, sizeof(ver));
	for (int step = 1; step <= STEPS; step++) {
		uint64_t slot = tu_rng_next(&seed) % SLOTS;
		unsigned int op = (unsigned int)(tu_rng_next(&seed) % 10);

		if (op < 6) {
			unsigned char k =
			    (unsigned char)(tu_rng_next(&seed) % 3);

			if (k == 0)
				tu_text_page(page, (uint64_t)step);
			else if (k == 1)
				memset(page, step & 0xff, PG);
			else
				random_page(page, (uint64_t)step);
			ck_assert_int_eq(store_write(st, slot, page), 0);
			ver[slot] = (uint64_t)step;
			kind[slot] = k;
		} else if (op < 8) {
			uint64_t n = tu_rng_next(&seed) % 8 + 1;

			if (slot + n > SLOTS)
				n = SLOTS - slot;
			ck_assert_int_eq(store_discard(st, slot, n), 0);
			for (uint64_t j = slot; j < slot + n; j++)
				ver[j] = 0;
		} else {
			if (!ver[slot])
				memset(want, 0, PG);
			else if (kind[slot] == 0)
				tu_text_page(want, ver[slot]);
			else if (kind[slot] == 1)
				memset(want, ver[slot] & 0xff, PG);
			else
				random_page(want, ver[slot]);
			assert_read(st, slot, want);
		}
		if (step % 500 == 0) {
			uint64_t stored = 0, same = 0, huge = 0, compr = 0;
			struct stats_mm mm;

			for (uint64_t j = 0; j < SLOTS; j++) {
				unsigned int fl, len;

				if (!ver[j])
					continue;
				stored++;
				same += kind[j] == 1;
				huge += kind[j] == 2;
				store_slot_info(st, j, &fl, &len);
				compr += len;
			}
			store_mm(st, &mm);
			ck_assert_uint_eq(mm.orig_data_size, stored * PG);
			ck_assert_uint_eq(mm.same_pages, same);
			ck_assert_uint_eq(mm.huge_pages, huge);
			ck_assert_uint_eq(mm.compr_data_size, compr);
			assert_pool_valid(st);
		}
	}
}
END_TEST

/* a write past mem_limit fails cleanly and keeps the slot's old content */
START_TEST(test_mem_limit)
{
	struct store *s = make(64ULL << 20, "lz4", 64 * PG);
	unsigned char page[PG], old[PG];
	struct stats_mm mm;
	struct stats_io io;
	uint64_t slot;
	int ret = 0;

	tu_text_page(old, 12345);
	ck_assert_int_eq(store_write(s, 0, old), 0);
	for (slot = 1; slot < 10000; slot++) {
		random_page(page, slot);
		ret = store_write(s, slot, page);
		if (ret)
			break;
	}
	ck_assert_int_eq(ret, -ENOMEM);
	store_mm(s, &mm);
	ck_assert_uint_le(mm.mem_used_total, 64 * PG);
	ck_assert_uint_eq(mm.mem_limit, 64 * PG);
	store_io(s, &io);
	ck_assert_uint_eq(io.failed_writes, 1);
	/* an overwrite of slot 0 that does not fit leaves slot 0 intact */
	random_page(page, 777);
	ck_assert_int_eq(store_write(s, 0, page), -ENOMEM);
	assert_read(s, 0, old);
	store_io(s, &io);
	ck_assert_uint_eq(io.failed_writes, 2);
	/* raising the limit lets it through */
	store_set_mem_limit(s, 0);
	ck_assert_int_eq(store_write(s, 0, page), 0);
	assert_read(s, 0, page);
	store_destroy(s);
}
END_TEST

/* refused writes of small objects leave no page behind either */
START_TEST(test_mem_limit_small)
{
	struct store *s = make(64ULL << 20, "lz4", 16 * PG);
	unsigned char page[PG];
	struct stats_mm mm;
	int refused = 0;

	for (uint64_t slot = 0; slot < 3000 && refused < 50; slot++) {
		tu_text_page(page, slot * 977);
		/* vary the compressed size across classes */
		memset(page + 1024 + (slot % 7) * 300, (int)slot, 200);
		if (store_write(s, slot, page) == -ENOMEM)
			refused++;
		store_mm(s, &mm);
		ck_assert_uint_le(mm.mem_used_total, 16 * PG);
		ck_assert_uint_le(mm.mem_used_max, 17 * PG);
	}
	ck_assert_int_eq(refused, 50);
	assert_pool_valid(s);
	store_destroy(s);
}
END_TEST

START_TEST(test_bad_input)
{
	struct store_config cfg = {.level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;
	unsigned char page[PG];
	struct stats_io io;
	struct stats_mm mm;
	uint64_t nslots = (64ULL << 20) / PG;

	cfg.size = 0;
	ck_assert_int_eq(store_create(&cfg, &s), -EINVAL);
	cfg.size = 4097;
	ck_assert_int_eq(store_create(&cfg, &s), -EINVAL);
	cfg.size = (STORE_MAX_SLOTS + 1) * PG;
	ck_assert_int_eq(store_create(&cfg, &s), -EINVAL);
	cfg.size = 1 << 20;
	cfg.algorithm = "nosuch";
	ck_assert_int_eq(store_create(&cfg, &s), -ENOENT);
	cfg.algorithm = "lz4hc";
	cfg.level = 99;
	ck_assert_int_eq(store_create(&cfg, &s), -ERANGE);
	cfg.algorithm = "lz4";
	cfg.level = CODEC_LEVEL_DEFAULT;
	cfg.huge_threshold = PG + 1;
	ck_assert_int_eq(store_create(&cfg, &s), -EINVAL);
	cfg.huge_threshold = 0;
	cfg.chain = ZSP_MAX_CHAIN + 1;
	ck_assert_int_eq(store_create(&cfg, &s), -EINVAL);
	ck_assert_ptr_null(s);

	tu_text_page(page, 1);
	ck_assert_int_eq(store_write(st, 0, page), 0);
	ck_assert_int_eq(store_write(st, nslots, page), -EINVAL);
	ck_assert_int_eq(store_read(st, nslots, page), -EINVAL);
	ck_assert_int_eq(store_read(st, UINT64_MAX, page), -EINVAL);
	ck_assert_int_eq(store_discard(st, 0, nslots + 1), -EINVAL);
	ck_assert_int_eq(store_discard(st, 1, UINT64_MAX), -EINVAL);
	ck_assert_int_eq(store_free_notify(st, nslots), -EINVAL);
	store_io(st, &io);
	ck_assert_uint_eq(io.invalid_io, 6);
	ck_assert_uint_eq(io.notify_free, 0);
	/* the failed requests changed nothing */
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, PG);
	tu_text_page(page, 1);
	assert_read(st, 0, page);
	ck_assert_int_eq(store_resize(st, 12345), -EINVAL);
	ck_assert_uint_eq(store_size(st), 64ULL << 20);
}
END_TEST

/* shrinking frees the slots past the new end; growing reads zeros */
START_TEST(test_resize)
{
	unsigned char page[PG], zero[PG] = {0};
	struct stats_mm mm;

	for (uint64_t i = 0; i < 100; i++) {
		tu_text_page(page, i);
		ck_assert_int_eq(store_write(st, i, page), 0);
	}
	ck_assert_int_eq(store_resize(st, 50 * PG), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 50 * PG);
	ck_assert_int_eq(store_read(st, 50, page), -EINVAL);
	ck_assert_int_eq(store_resize(st, 200 * PG), 0);
	assert_read(st, 60, zero);
	tu_text_page(page, 49);
	assert_read(st, 49, page);
}
END_TEST

static volatile int resize_go;

static void *resize_writer(void *p)
{
	while (!__atomic_load_n(&resize_go, __ATOMIC_ACQUIRE))
		;
	store_write(st, 15, p);
	return NULL;
}

/* a shrink racing with a write past the new end never keeps its data */
START_TEST(test_resize_race)
{
	unsigned char page[PG], got[PG];
	struct stats_mm mm;

	tu_text_page(page, 5);
	for (int it = 0; it < 3000; it++) {
		pthread_t t;

		ck_assert_int_eq(store_resize(st, 16 * PG), 0);
		resize_go = 0;
		pthread_create(&t, NULL, resize_writer, page);
		__atomic_store_n(&resize_go, 1, __ATOMIC_RELEASE);
		for (volatile int d = 0; d < (it % 64) * 50; d++)
			;
		ck_assert_int_eq(store_resize(st, 15 * PG), 0);
		pthread_join(t, NULL);
		store_mm(st, &mm);
		ck_assert_uint_eq(mm.orig_data_size, 0);
		ck_assert_uint_eq(mm.mem_used_total, 0);
		ck_assert_int_eq(store_resize(st, 16 * PG), 0);
		ck_assert_int_eq(store_read(st, 15, got), 0);
		ck_assert_msg(got[0] == 0 && !memcmp(got, got + 1, PG - 1),
			      "old data past the end came back (iteration %d)",
			      it);
	}
}
END_TEST

/* metadata grows with what is stored: an empty 1 TiB store is small */
START_TEST(test_sparse_metadata)
{
	uint64_t before = tu_status_kb("VmRSS"), after;
	struct store *s = make(1ULL << 40, "lz4", 0);
	unsigned char page[PG];

	after = tu_status_kb("VmRSS");
	ck_assert_uint_lt(store_meta_bytes(s), 1 << 20);
#ifndef __SANITIZE_THREAD__
	/* ThreadSanitizer's shadow of what is touched counts in VmRSS */
	ck_assert_uint_lt(after - before, 1024);
#else
	(void)before;
	(void)after;
#endif
	/* the far end works without touching anything in between */
	tu_text_page(page, 3);
	ck_assert_int_eq(store_write(s, (1ULL << 40) / PG - 1, page), 0);
	assert_read(s, (1ULL << 40) / PG - 1, page);
	ck_assert_uint_lt(store_meta_bytes(s), 1 << 20);
	store_destroy(s);
}
END_TEST

/* page @i of a mix: text, random and same-filled in turn */
static void mixed_page(void *page, uint64_t i)
{
	if (i % 3 == 0)
		tu_text_page(page, i);
	else if (i % 3 == 1)
		random_page(page, i);
	else
		memset(page, (int)i, PG);
}

/* every algorithm round-trips every kind of page through the store */
START_TEST(test_algorithms)
{
	struct store *s = make(16ULL << 20, algs[_i], 0);
	unsigned char page[PG];
	struct stats_mm mm;

	for (uint64_t i = 0; i < 300; i++) {
		mixed_page(page, i);
		ck_assert_int_eq(store_write(s, i, page), 0);
	}
	for (uint64_t i = 0; i < 300; i++) {
		mixed_page(page, i);
		assert_read(s, i, page);
	}
	store_mm(s, &mm);
	ck_assert_uint_lt(mm.compr_data_size, mm.orig_data_size);
	ck_assert_str_eq(store_algorithm(s), algs[_i]);
	store_destroy(s);
}
END_TEST

/* real memory pages from the corpus, when one is at hand */
START_TEST(test_corpus)
{
	const char *path = tu_corpus();
	enum { MAXP = 4096 };
	unsigned char *buf;
	struct store *s;
	struct stats_mm mm;
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(path); /* the case is added only with one */
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "FZRAM_CORPUS=%s: %s", path, strerror(errno));
	buf = malloc((size_t)MAXP * PG);
	ck_assert_ptr_nonnull(buf);
	n = read(fd, buf, (size_t)MAXP * PG);
	close(fd);
	ck_assert_msg(n >= PG, "FZRAM_CORPUS=%s: no whole page", path);
	s = make(MAXP * (uint64_t)PG, algs[_i], 0);
	for (ssize_t i = 0; i < n / PG; i++)
		ck_assert_int_eq(store_write(s, (uint64_t)i, buf + i * PG), 0);
	for (ssize_t i = 0; i < n / PG; i++)
		assert_read(s, (uint64_t)i, buf + i * PG);
	store_mm(s, &mm);
	ck_assert_uint_eq(mm.orig_data_size, (uint64_t)(n / PG) * PG);
	ck_assert_uint_lt(mm.compr_data_size, mm.orig_data_size);
	store_destroy(s);
	free(buf);
}
END_TEST

/*
 * The threads share MT_SLOTS slots: each slot pair (2k, 2k+1) is owned by
 * thread k % MT_THREADS, which alone writes, discards and free-notifies it
 * and so knows exactly what each of its slots must read back (a lost write
 * that reads as zeros fails).  Every thread also reads the others' slots,
 * racing their owners on the same slot locks and chunk; such a read must be
 * a page the owner wrote to that slot, or zeros.
 */
enum { MT_THREADS = 4, MT_SLOTS = 48, MT_ITERS = 20000 };

struct mt_arg {
	unsigned int id;
	bool ok;
	char why[160]; /* the first wrong page */
};

static unsigned int mt_owner(uint64_t slot)
{
	return (unsigned int)(slot / 2 % MT_THREADS);
}

/* a page that says which slot and version it is, checkable on its own */
static void mt_page(unsigned char *p, uint64_t slot, uint64_t ver)
{
	uint64_t *w = (uint64_t *)p;

	if (ver % 4 == 0) {
		memset(p, 0, PG); /* same-filled */
		return;
	}
	if (ver % 4 == 1)
		random_page(p, ver);
	else
		tu_text_page(p, ver);
	w[0] = slot;
	w[1] = ver;
}

/* another thread's slot: zeros, or a page its owner wrote there */
static bool mt_plausible(const unsigned char *p, uint64_t slot)
{
	unsigned char want[PG];
	const uint64_t *w = (const uint64_t *)p;
	uint64_t ver = w[1];

	for (size_t i = 0; i < PG; i++)
		if (p[i])
			goto nonzero;
	return true; /* empty, discarded or same-filled */
nonzero:
	if (w[0] != slot || ver >> 32 != mt_owner(slot))
		return false;
	mt_page(want, slot, ver);
	return memcmp(want, p, PG) == 0;
}

static void mt_fail(struct mt_arg *a, const char *what, uint64_t slot,
		    uint64_t ver)
{
	if (!a->ok)
		return;
	a->ok = false;
	snprintf(a->why, sizeof(a->why),
		 "%s: slot %llu (expected version %llu)", what,
		 (unsigned long long)slot, (unsigned long long)ver);
}

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	unsigned char page[PG], want[PG];
	/* what each of this thread's slots holds: a version, or 0 = zeros */
	uint64_t last[MT_SLOTS] = {0};
	uint64_t seed = 1000 + a->id;

	a->ok = true;
	for (int i = 0; i < MT_ITERS; i++) {
		uint64_t slot = tu_rng_next(&seed) % MT_SLOTS;
		unsigned int op = (unsigned int)(tu_rng_next(&seed) % 10);
		uint64_t ver = ((uint64_t)a->id << 32) | (uint64_t)i;
		int ret;

		if (mt_owner(slot) != a->id) {
			/* someone else's: read it while its owner works */
			if (store_read(st, slot, page) ||
			    !mt_plausible(page, slot))
				mt_fail(a, "foreign slot read wrong", slot, 0);
		} else if (op < 5) {
			mt_page(page, slot, ver);
			if (store_write(st, slot, page))
				mt_fail(a, "write failed", slot, ver);
			/* an all-zero page reads back as zeros, like none */
			last[slot] = ver % 4 == 0 ? 0 : ver;
		} else if (op < 8) {
			if (last[slot])
				mt_page(want, slot, last[slot]);
			else
				memset(want, 0, PG);
			if (store_read(st, slot, page) ||
			    memcmp(page, want, PG) != 0)
				mt_fail(a, "own slot read wrong", slot,
					last[slot]);
		} else if (op < 9) {
			/* the pair, or its second slot alone */
			uint64_t first = slot & ~1ULL, n = 2;

			if (slot & 1) {
				first = slot;
				n = 1;
			}
			if (store_discard(st, first, n))
				mt_fail(a, "discard failed", slot, 0);
			for (uint64_t k = first; k < first + n; k++)
				last[k] = 0;
		} else {
			/* -EBUSY: a reader held the lock, the page stays */
			ret = store_free_notify(st, slot);
			if (ret == 0)
				last[slot] = 0;
			else if (ret != -EBUSY)
				mt_fail(a, "free_notify failed", slot, 0);
		}
		if (a->id == 0 && i % 5000 == 0)
			store_compact(st);
	}
	/* at the end, every slot of this thread holds exactly its last page */
	for (uint64_t slot = 0; slot < MT_SLOTS; slot++) {
		if (mt_owner(slot) != a->id)
			continue;
		if (last[slot])
			mt_page(want, slot, last[slot]);
		else
			memset(want, 0, PG);
		if (store_read(st, slot, page) || memcmp(page, want, PG) != 0)
			mt_fail(a, "final read wrong", slot, last[slot]);
	}
	return NULL;
}

/* mixed operations from many threads on overlapping slots */
START_TEST(test_threads)
{
	enum { T = MT_THREADS };
	pthread_t t[T];
	struct mt_arg a[T];
	struct stats_mm mm;
	struct stats_io io;

	for (unsigned int i = 0; i < T; i++) {
		a[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, mt_worker, &a[i]),
				 0);
	}
	for (unsigned int i = 0; i < T; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(a[i].ok, "thread %u: %s", i, a[i].why);
	}
	assert_pool_valid(st);
	ck_assert_int_eq(store_discard(st, 0, MT_SLOTS), 0);
	store_mm(st, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(mm.same_pages, 0);
	ck_assert_uint_eq(mm.huge_pages, 0);
	ck_assert_uint_eq(mm.mem_used_total, 0);
	store_io(st, &io);
	ck_assert_uint_eq(io.failed_reads, 0);
	ck_assert_uint_eq(io.failed_writes, 0);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_unwritten_reads_zero);
	tcase_add_test(tc, test_overwrite_frees_old);
	tcase_add_test(tc, test_same_filled);
	tcase_add_test(tc, test_huge);
	tcase_add_test(tc, test_many_fill_words);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_counters_model);
	tcase_add_test(tc, test_mem_limit);
	tcase_add_test(tc, test_mem_limit_small);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_resize_race);
	tcase_add_test(tc, test_sparse_metadata);
	tcase_add_loop_test(tc, test_algorithms, 0, 3);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	if (tu_corpus()) {
		tc = tcase_create("corpus");
		tcase_set_timeout(tc, 600);
		tcase_add_loop_test(tc, test_corpus, 0, 3);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tu_corpus_result(check_run(store_suite()));
}
