// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_blockdev.c - unit tests of the block device over a real store:
 * unaligned reads, writes, discards and zeroes checked against a model
 * byte array, the bounds at the end, partial and whole-block discard, the
 * stale-slot rule, resize, the corruption log, and several threads writing
 * disjoint bytes of the same blocks at once.
 *
 * store_read() is wrapped at link time (-Wl,--wrap=store_read): the wrapper
 * passes every call on, except for slots a test marks corrupt, which fail
 * as a block that does not decompress does (-EIO, page zeroed).
 *
 * FZRAM_STRESS_THREADS, FZRAM_STRESS_ITERS and FZRAM_SEED size and seed the
 * threaded test.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "blockdev.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "store.h"

#define PG FZ_PAGE_SIZE
#define NBLK 16		/* blocks of the fixture's device */
#define DEV (NBLK * PG) /* its size */

static struct store *st;
static struct bdev *bd;

/* ---- the store_read() wrapper ------------------------------------------- */

int __real_store_read(struct store *s, uint64_t slot, void *page);
int __wrap_store_read(struct store *s, uint64_t slot, void *page);

static bool corrupt[NBLK]; /* set by a test, single-threaded */

int __wrap_store_read(struct store *s, uint64_t slot, void *page)
{
	if (slot < NBLK && corrupt[slot]) {
		memset(page, 0, PG);
		return -EIO;
	}
	return __real_store_read(s, slot, page);
}

/* ---- fixture and helpers ------------------------------------------------ */

static struct store *make_store(uint64_t size)
{
	struct store_config cfg = {
	    .size = size, .algorithm = "lz4", .level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

static void setup(void)
{
	st = make_store(DEV);
	ck_assert_int_eq(bdev_create(st, &bd), 0);
	memset(corrupt, 0, sizeof(corrupt));
}

static void teardown(void)
{
	bdev_destroy(bd);
	bd = NULL;
	store_destroy(st);
	st = NULL;
}

/* Bytes that compress somewhat (4 letters), or not at all (@raw). */
static void fill(uint64_t *rng, unsigned char *p, size_t len, bool raw)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t r = tu_rng_next(rng);

		p[i] = raw ? (unsigned char)(r >> 32)
			   : (unsigned char)("abcd"[(r >> 32) & 3]);
	}
}

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Assert that the whole device reads as @model.  One assertion, after a
 * plain search: Check reports every assertion made through a pipe.
 */
static void assert_dev(const unsigned char *model, uint64_t size)
{
	unsigned char *buf = malloc(size);
	uint64_t i = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(bdev_read(bd, buf, size, 0), (ssize_t)size);
	while (i < size && buf[i] == model[i])
		i++;
	ck_assert_msg(i == size, "byte %llu: read 0x%02x, model 0x%02x",
		      (unsigned long long)i, i < size ? buf[i] : 0,
		      i < size ? model[i] : 0);
	free(buf);
}

static struct stats_mm mm(void)
{
	struct stats_mm m;

	store_mm(st, &m);
	return m;
}

/* pages stored, same-filled included */
static uint64_t stored(void)
{
	return mm().orig_data_size / PG;
}

static uint64_t notify_free(void)
{
	struct stats_io io;

	store_io(st, &io);
	return io.notify_free;
}

/* ---- single-threaded semantics ------------------------------------------ */

/*
 * Seeded random reads, writes, discards and zeroes at any offset and length,
 * some reaching or starting past the end, each checked against a model of
 * the device's bytes (return values as well as data).
 */
START_TEST(test_model)
{
	static unsigned char model[DEV], buf[3 * PG + 1];
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(_i + 1);

	memset(model, 0, sizeof(model));
	for (int op = 0; op < 4000; op++) {
		uint64_t r = tu_rng_next(&rng);
		unsigned int kind = r % 8;
		uint64_t off = tu_rng_next(&rng) % (DEV + 2 * PG);
		size_t len = tu_rng_next(&rng) % sizeof(buf);
		uint64_t in; /* bytes of the request inside the device */
		ssize_t n;

		/* aligned requests too: whole-block paths */
		if (r & (1u << 20))
			off -= off % PG;
		if (r & (1u << 21))
			len -= len % PG;
		in = off < DEV ? (len < DEV - off ? len : DEV - off) : 0;
		switch (kind) {
		case 0:
		case 1:
		case 2:
			fill(&rng, buf, len, r & (1u << 22));
			n = bdev_write(bd, buf, len, off);
			if (len == 0)
				ck_assert_int_eq(n, 0);
			else if (off >= DEV)
				ck_assert_int_eq(n, -ENOSPC);
			else
				ck_assert_int_eq(n, (ssize_t)in);
			if (n > 0)
				memcpy(model + off, buf, in);
			break;
		case 3:
		case 4:
			memset(buf, 0xa5, sizeof(buf));
			n = bdev_read(bd, buf, len, off);
			ck_assert_int_eq(n, (ssize_t)in);
			ck_assert_msg(memcmp(buf, model + (in ? off : 0), in) ==
					  0,
				      "op %d: read [%llu, +%zu) differs", op,
				      (unsigned long long)off, len);
			/* nothing written past what was read */
			if (len > in)
				ck_assert_uint_eq(buf[in], 0xa5);
			break;
		case 5:
		case 6:
			if (kind == 5)
				ck_assert_int_eq(bdev_discard(bd, off, len), 0);
			else
				ck_assert_int_eq(bdev_zero(bd, off, len), 0);
			if (in)
				memset(model + off, 0, in);
			break;
		default:
			assert_dev(model, DEV);
		}
	}
	assert_dev(model, DEV);
	/* a block with data is stored: an object, or same-filled */
	for (uint64_t b = 0; b < NBLK; b++) {
		unsigned int flags, length;

		ck_assert_int_eq(store_slot_info(st, b, &flags, &length), 0);
		if (!all_zero(model + b * PG, PG))
			ck_assert(length > 0 || (flags & 1u));
	}
}
END_TEST

/* Requests at, across and past the end, and malformed ones. */
START_TEST(test_bounds)
{
	static unsigned char buf[2 * PG], model[DEV];
	uint64_t rng = 7;

	memset(model, 0, sizeof(model));
	/* past the end: reads get nothing, writes ENOSPC, clears nothing */
	ck_assert_int_eq(bdev_read(bd, buf, PG, DEV), 0);
	ck_assert_int_eq(bdev_read(bd, buf, PG, UINT64_MAX), 0);
	ck_assert_int_eq(bdev_write(bd, buf, PG, DEV), -ENOSPC);
	ck_assert_int_eq(bdev_write(bd, buf, 1, DEV + 5), -ENOSPC);
	ck_assert_int_eq(bdev_write(bd, buf, 0, DEV + 5), 0);
	ck_assert_int_eq(bdev_discard(bd, DEV, PG), 0);
	ck_assert_int_eq(bdev_zero(bd, DEV + 1, 1), 0);
	/* zero length */
	ck_assert_int_eq(bdev_read(bd, buf, 0, 0), 0);
	ck_assert_int_eq(bdev_write(bd, buf, 0, 0), 0);
	ck_assert_int_eq(bdev_discard(bd, 0, 0), 0);
	/* straddling the end: what is inside, and no more */
	fill(&rng, buf, sizeof(buf), false);
	ck_assert_int_eq(bdev_write(bd, buf, sizeof(buf), DEV - 100), 100);
	memcpy(model + DEV - 100, buf, 100);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(bdev_read(bd, buf, sizeof(buf), DEV - 300), 300);
	ck_assert_int_eq(memcmp(buf, model + DEV - 300, 300), 0);
	ck_assert_int_eq(bdev_discard(bd, DEV - 50, 1000), 0);
	memset(model + DEV - 50, 0, 50);
	assert_dev(model, DEV);
	/* never-written blocks read as zeros */
	memset(buf, 0xff, sizeof(buf));
	ck_assert_int_eq(bdev_read(bd, buf, 2 * PG, 3 * PG + 1), 2 * PG);
	ck_assert(all_zero(buf, 2 * PG));
	/* malformed */
	ck_assert_int_eq(bdev_read(bd, buf, (size_t)SSIZE_MAX + 1, 0), -EINVAL);
	ck_assert_int_eq(bdev_write(bd, buf, (size_t)SSIZE_MAX + 1, 0),
			 -EINVAL);
	ck_assert_int_eq(bdev_discard(bd, UINT64_MAX - 1, 4), -EINVAL);
	ck_assert_int_eq(bdev_zero(bd, 5, UINT64_MAX), -EINVAL);
	assert_dev(model, DEV);
	ck_assert_uint_eq(bdev_size(bd), DEV);
	ck_assert_ptr_eq(bdev_store(bd), st);
}
END_TEST

/*
 * Discard (@_i 0) and zero (@_i 1): a partial block keeps its other bytes
 * and stays stored, a whole block is freed and counted in notify_free.
 */
START_TEST(test_clear)
{
	int (*clear)(struct bdev *, uint64_t, uint64_t) =
	    _i ? bdev_zero : bdev_discard;
	static unsigned char page[PG], model[DEV];
	unsigned int flags, length;
	uint64_t b;

	memset(model, 0, sizeof(model));
	for (b = 2; b < 7; b++) {
		tu_text_page(page, b);
		ck_assert_int_eq(bdev_write(bd, page, PG, b * PG), PG);
		memcpy(model + b * PG, page, PG);
	}
	ck_assert_uint_eq(stored(), 5);

	/* inside one block */
	ck_assert_int_eq(clear(bd, 2 * PG + 100, 200), 0);
	memset(model + 2 * PG + 100, 0, 200);
	assert_dev(model, DEV);
	ck_assert_uint_eq(stored(), 5);
	ck_assert_uint_eq(notify_free(), 0);

	/* a whole block */
	ck_assert_int_eq(clear(bd, 3 * PG, PG), 0);
	memset(model + 3 * PG, 0, PG);
	assert_dev(model, DEV);
	ck_assert_uint_eq(stored(), 4);
	ck_assert_uint_eq(notify_free(), 1);
	ck_assert_int_eq(store_slot_info(st, 3, &flags, &length), 0);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(length, 0);

	/* two partial edges around a whole block */
	ck_assert_int_eq(clear(bd, 4 * PG + PG / 2, PG + PG / 2 + 10), 0);
	memset(model + 4 * PG + PG / 2, 0, PG + PG / 2 + 10);
	assert_dev(model, DEV);
	ck_assert_uint_eq(stored(), 3);
	ck_assert_uint_eq(notify_free(), 2);

	/* a partial clear that leaves the block all zeros: same-filled */
	ck_assert_int_eq(clear(bd, 2 * PG, 100), 0);
	ck_assert_int_eq(clear(bd, 2 * PG + 300, PG - 300), 0);
	memset(model + 2 * PG, 0, PG);
	assert_dev(model, DEV);
	ck_assert_int_eq(store_slot_info(st, 2, &flags, &length), 0);
	ck_assert_uint_ne(flags & 1u, 0); /* STORE_F_SAME */
	ck_assert_uint_eq(mm().same_pages, 1);
	ck_assert_uint_eq(notify_free(), 2);
}
END_TEST

/* Every write, partial or whole, replaces the block's one object. */
START_TEST(test_stale_slot)
{
	static unsigned char buf[PG];
	uint64_t rng = 11;
	unsigned int flags, length;
	struct stats_mm m;

	for (int i = 0; i < 300; i++) {
		size_t off = tu_rng_next(&rng) % PG;
		size_t len = 1 + tu_rng_next(&rng) % (PG - off);

		if (i % 3 == 0) {
			off = 0;
			len = PG;
		}
		fill(&rng, buf, len, i % 5 == 0);
		ck_assert_int_eq(bdev_write(bd, buf, len, 5 * PG + off),
				 (ssize_t)len);
	}
	m = mm();
	ck_assert_int_eq(store_slot_info(st, 5, &flags, &length), 0);
	ck_assert_uint_eq(m.orig_data_size, PG); /* one page stored */
	ck_assert_uint_eq(m.compr_data_size, length);
}
END_TEST

/* Shrink frees what is past the new end; growing shows zeros there. */
START_TEST(test_resize)
{
	static unsigned char page[PG], model[DEV];
	unsigned char c = 0;

	for (uint64_t b = 0; b < NBLK; b++) {
		tu_text_page(page, b);
		ck_assert_int_eq(bdev_write(bd, page, PG, b * PG), PG);
		memcpy(model + b * PG, page, PG);
	}
	ck_assert_int_eq(bdev_resize(bd, 0), -EINVAL);
	ck_assert_int_eq(bdev_resize(bd, DEV / 2 + 1), -EINVAL);
	ck_assert_uint_eq(bdev_size(bd), DEV);

	ck_assert_int_eq(bdev_resize(bd, DEV / 2), 0);
	ck_assert_uint_eq(bdev_size(bd), DEV / 2);
	ck_assert_uint_eq(stored(), NBLK / 2);
	ck_assert_int_eq(bdev_read(bd, page, PG, DEV / 2), 0);
	ck_assert_int_eq(bdev_read(bd, page, 2 * PG, DEV / 2 - 10), 10);
	ck_assert_int_eq(bdev_write(bd, page, 1, DEV / 2), -ENOSPC);
	ck_assert_int_eq(bdev_write(bd, page, 2 * PG, DEV / 2 - PG), PG);
	memcpy(model + DEV / 2 - PG, page, PG);
	assert_dev(model, DEV / 2);

	ck_assert_int_eq(bdev_resize(bd, DEV), 0);
	memset(model + DEV / 2, 0, DEV / 2);
	assert_dev(model, DEV);
	ck_assert_uint_eq(stored(), NBLK / 2);
	ck_assert_int_eq(bdev_write(bd, &c, 1, DEV - 1), 1);
	ck_assert_uint_eq(stored(), NBLK / 2 + 1);
}
END_TEST

/*
 * A block that does not decompress fails reads and read-modify-writes with
 * -EIO, and only the first is logged, naming its slot.
 */
START_TEST(test_corruption_logged_once)
{
	static unsigned char page[PG], buf[2 * PG];
	char log[4096], *line;
	int saved, lines = 0;
	FILE *tmp = tmpfile();
	size_t got;

	ck_assert_ptr_nonnull(tmp);
	for (uint64_t b = 2; b < 7; b++) {
		tu_text_page(page, b);
		ck_assert_int_eq(bdev_write(bd, page, PG, b * PG), PG);
	}
	corrupt[3] = corrupt[5] = true;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
	ck_assert_int_eq(bdev_read(bd, buf, 20, 3 * PG + 10), -EIO);
	ck_assert_int_eq(bdev_read(bd, buf, 2 * PG, 4 * PG), -EIO);
	ck_assert_int_eq(bdev_read(bd, buf, PG, 5 * PG), -EIO);
	ck_assert_int_eq(bdev_write(bd, buf, 10, 5 * PG + 1), -EIO);
	ck_assert_int_eq(bdev_discard(bd, 3 * PG + 1, 10), -EIO);
	/* a write that reached a corrupt block after a good one is short */
	ck_assert_int_eq(bdev_write(bd, buf, 20, 5 * PG - 10), 10);
	/* whole-block writes and discards do not read: they replace it */
	ck_assert_int_eq(bdev_write(bd, buf, PG, 5 * PG), PG);
	ck_assert_int_eq(bdev_discard(bd, 3 * PG, PG), 0);
	ck_assert_int_eq(bdev_read(bd, buf, PG, 4 * PG), PG);
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);

	rewind(tmp);
	got = fread(log, 1, sizeof(log) - 1, tmp);
	log[got] = '\0';
	fclose(tmp);
	for (line = log; (line = strstr(line, "corrupt")); line++)
		lines++;
	ck_assert_msg(lines == 1, "logged %d times: \"%s\"", lines, log);
	ck_assert_msg(strstr(log, "fzram: slot 3 is corrupt") != NULL,
		      "log: \"%s\"", log);
	ck_assert_ptr_null(strstr(log, "slot 5"));
}
END_TEST

/* ---- threads: disjoint bytes of shared blocks --------------------------- */

#define MT_BLOCKS 2  /* every block shared by every thread */
#define MT_CHUNK 700 /* owned runs; 4096 % 700 != 0: edges inside blocks */
#define MT_DEV (MT_BLOCKS * PG)
/* most threads that all own bytes in every block */
#define MT_MAX_THREADS ((PG + MT_CHUNK) / MT_CHUNK)

struct mt_arg {
	unsigned int id, nthreads;
	unsigned long iters;
	uint64_t seed;
	unsigned char model[MT_DEV]; /* this thread's bytes as it wrote them */
	char why[160];		     /* empty, or the first mismatch */
};

static unsigned int mt_owner(uint64_t pos, unsigned int nthreads)
{
	return (unsigned int)(pos / MT_CHUNK % nthreads);
}

/* Check this thread's run [@start, @end) against its model. */
static bool mt_check(struct mt_arg *a, uint64_t start, uint64_t end,
		     const char *when)
{
	unsigned char buf[MT_CHUNK];
	ssize_t n = bdev_read(bd, buf, end - start, start);

	if (n != (ssize_t)(end - start)) {
		snprintf(a->why, sizeof(a->why), "%s: read returned %zd", when,
			 n);
		return false;
	}
	for (uint64_t i = start; i < end; i++) {
		if (buf[i - start] != a->model[i]) {
			snprintf(a->why, sizeof(a->why),
				 "%s: byte %llu reads 0x%02x, thread %u wrote "
				 "0x%02x",
				 when, (unsigned long long)i, buf[i - start],
				 a->id, a->model[i]);
			return false;
		}
	}
	return true;
}

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	unsigned int nruns = (MT_DEV + MT_CHUNK - 1) / MT_CHUNK;
	uint64_t rng = a->seed * 0x100000001b3ULL + a->id + 1;
	unsigned char buf[MT_CHUNK];

	for (unsigned long it = 0; it < a->iters; it++) {
		/* one of this thread's runs, and a piece of it */
		unsigned int mine =
		    (nruns - a->id + a->nthreads - 1) / a->nthreads;
		unsigned int run =
		    a->id +
		    a->nthreads * (unsigned int)(tu_rng_next(&rng) % mine);
		uint64_t start = (uint64_t)run * MT_CHUNK;
		uint64_t end =
		    start + MT_CHUNK < MT_DEV ? start + MT_CHUNK : MT_DEV;
		uint64_t a0 = start + tu_rng_next(&rng) % (end - start);
		uint64_t a1 = a0 + 1 + tu_rng_next(&rng) % (end - a0);
		ssize_t n;

		if (tu_rng_next(&rng) % 8 == 0) {
			if (bdev_zero(bd, a0, a1 - a0) != 0) {
				snprintf(a->why, sizeof(a->why), "zero failed");
				return NULL;
			}
			memset(a->model + a0, 0, a1 - a0);
		} else {
			fill(&rng, buf, a1 - a0, it % 16 == 0);
			n = bdev_write(bd, buf, a1 - a0, a0);
			if (n != (ssize_t)(a1 - a0)) {
				snprintf(a->why, sizeof(a->why),
					 "write returned %zd", n);
				return NULL;
			}
			memcpy(a->model + a0, buf, a1 - a0);
		}
		/* during: a run of ours, maybe another than the one written */
		run = a->id +
		      a->nthreads * (unsigned int)(tu_rng_next(&rng) % mine);
		start = (uint64_t)run * MT_CHUNK;
		end = start + MT_CHUNK < MT_DEV ? start + MT_CHUNK : MT_DEV;
		if (!mt_check(a, start, end, "during"))
			return NULL;
	}
	return NULL;
}

/*
 * Threads own disjoint runs of bytes, interleaved so that every block holds
 * runs of every thread and runs straddle the block edge; each makes partial
 * writes and zeroes inside its runs and reads its runs back.  Every byte
 * must be what its owner last wrote, during and after: a lost
 * read-modify-write (without the stripe lock) shows as a mismatch.
 */
START_TEST(test_threads)
{
	unsigned int nthreads =
	    (unsigned int)tu_env_ul("FZRAM_STRESS_THREADS", 4);
	unsigned long iters = tu_env_ul("FZRAM_STRESS_ITERS", 10000);
	uint64_t seed = tu_env_ul("FZRAM_SEED", 1);
	static struct mt_arg a[MT_MAX_THREADS];
	static unsigned char all[MT_DEV];
	pthread_t t[MT_MAX_THREADS];

	if (nthreads < 2)
		nthreads = 2;
	if (nthreads > MT_MAX_THREADS)
		nthreads = MT_MAX_THREADS;
	teardown();
	st = make_store(MT_DEV);
	ck_assert_int_eq(bdev_create(st, &bd), 0);

	for (unsigned int i = 0; i < nthreads; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].id = i;
		a[i].nthreads = nthreads;
		a[i].iters = iters;
		a[i].seed = seed;
		ck_assert_int_eq(pthread_create(&t[i], NULL, mt_worker, &a[i]),
				 0);
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	for (unsigned int i = 0; i < nthreads; i++)
		ck_assert_msg(a[i].why[0] == '\0', "thread %u (seed %llu): %s",
			      i, (unsigned long long)seed, a[i].why);
	/* after: the whole device is the owners' bytes */
	for (uint64_t i = 0; i < MT_DEV; i++)
		all[i] = a[mt_owner(i, nthreads)].model[i];
	assert_dev(all, MT_DEV);
}
END_TEST

static Suite *blockdev_suite(void)
{
	Suite *s = suite_create("blockdev");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_model, 0, 4);
	tcase_add_test(tc, test_bounds);
	tcase_add_loop_test(tc, test_clear, 0, 2);
	tcase_add_test(tc, test_stale_slot);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_corruption_logged_once);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(blockdev_suite());
}
