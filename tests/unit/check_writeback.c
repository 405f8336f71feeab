// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_writeback.c - the whole second tier in one process: the store, the
 * real backing tier on a file in /tmp, and the tier's worker.  Writeback
 * racing writes, discards and free notices on the same slots from several
 * threads, with every read checked, then no leak on either tier (the pool
 * empty, the backing store's objects, bytes and the file's blocks back to
 * zero); a backing file altered or replayed behind the store's back gives
 * -EIO and failed_reads, never other bytes; compaction through the worker
 * keeps every page.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tier.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "testutil.h"

#include "backing.h"
#include "codec.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE
#define NSLOTS 4096

static char path[64];
static struct store *st;
static struct backing *bk;
static struct tier *tr;

static void setup(void)
{
	struct store_config cfg = {.size = (uint64_t)NSLOTS * PG,
				   .level = CODEC_LEVEL_DEFAULT};
	struct backing_config bc = {.encrypt = true};
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_writeback.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	bc.path = path;
	bc.default_size = (uint64_t)NSLOTS * PG;
	ck_assert_int_eq(store_create(&cfg, &st), 0);
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(st, bk), 0);
	ck_assert_int_eq(tier_create(st, &tr), 0);
}

static void teardown(void)
{
	tier_destroy(tr);
	store_destroy(st);
	backing_destroy(bk);
	unlink(path);
}

/* slot @slot's page for version @ver (0: never written, zeros) */
static void page_for(void *p, uint64_t slot, uint64_t ver)
{
	if (!ver) {
		memset(p, 0, PG);
		return;
	}
	tu_text_page(p, slot * 100003 + ver);
}

static uint64_t file_blocks(void)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return (uint64_t)sb.st_blocks * 512;
}

/* ---- threads ----------------------------------------------------------- */

#define NTHREADS 3
#define PER_THREAD (NSLOTS / NTHREADS) /* slots k * NTHREADS + id */

struct racer {
	unsigned int id;
	unsigned long ops;
	uint64_t ver[PER_THREAD];
	unsigned long bad;
};

/* the version slot @s holds: its racer's, or 1 for the few left over */
static uint64_t ver_of(const struct racer *r, uint64_t s)
{
	return s / NTHREADS < PER_THREAD ? r[s % NTHREADS].ver[s / NTHREADS]
					 : 1;
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	uint64_t seed = 77 + r->id;
	unsigned char p[PG], got[PG];

	for (unsigned long op = 1; op <= r->ops; op++) {
		uint64_t k = tu_rng_next(&seed) % PER_THREAD;
		uint64_t slot = k * NTHREADS + r->id, what;

		what = tu_rng_next(&seed) % 10;
		if (what < 4) {
			r->ver[k] = op;
			page_for(p, slot, op);
			if (store_write(st, slot, p))
				r->bad++;
		} else if (what == 4) {
			r->ver[k] = 0;
			if (store_discard(st, slot, 1))
				r->bad++;
		} else if (what == 5) {
			/* a free notice may miss a busy slot: then it stays */
			if (store_free_notify(st, slot) == 0)
				r->ver[k] = 0;
		} else {
			page_for(p, slot, r->ver[k]);
			if (store_read(st, slot, got) || memcmp(got, p, PG))
				r->bad++;
		}
	}
	return NULL;
}

START_TEST(test_race_no_leak)
{
	struct racer *r = calloc(NTHREADS, sizeof(*r));
	pthread_t t[NTHREADS];
	unsigned long ops = tu_env_ul("FZRAM_STRESS_OPS", 30000);
	uint64_t moved_total = 0;
	struct backing_stats bs;
	struct stats_bd bd;
	struct stats_mm mm;
	unsigned char p[PG];

	ck_assert_ptr_nonnull(r);
	/* a start: every slot written once */
	for (uint64_t s = 0; s < NSLOTS; s++) {
		page_for(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
		if (s / NTHREADS < PER_THREAD)
			r[s % NTHREADS].ver[s / NTHREADS] = 1;
	}
	for (unsigned int i = 0; i < NTHREADS; i++) {
		r[i].id = i;
		r[i].ops = ops;
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_main, &r[i]),
				 0);
	}
	/* the worker writes back, compacts and punches under them */
	for (unsigned int round = 0; round < 40; round++) {
		uint64_t moved = 0;
		struct store_wb_req req = {0};

		store_mark_idle(st, true, 0);
		req.mode = round % 3 ? STORE_WB_IDLE : 0;
		ck_assert_int_eq(tier_writeback(tr, &req, &moved), 0);
		moved_total += moved;
		if (round % 5 == 4)
			ck_assert_int_ge(tier_compact(tr), 0);
	}
	for (unsigned int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(r[i].bad, 0);
	}
	ck_assert_uint_gt(moved_total, 0);
	/* every slot as its owner last left it */
	for (uint64_t s = 0; s < NSLOTS; s++) {
		unsigned char got[PG];

		page_for(p, s, ver_of(r, s));
		ck_assert_int_eq(store_read(st, s, got), 0);
		ck_assert_msg(memcmp(got, p, PG) == 0, "slot %llu",
			      (unsigned long long)s);
	}
	/* one backing object per written-back slot */
	store_bd(st, &bd);
	backing_get_stats(bk, &bs);
	ck_assert_uint_eq(bd.bd_count, bs.objects);
	/* nothing on either tier once everything is discarded */
	ck_assert_int_eq(store_discard(st, 0, NSLOTS), 0);
	/* compaction, then the punching, on the worker (backing.h: its job) */
	ck_assert_int_ge(tier_compact(tr), 0);
	backing_get_stats(bk, &bs);
	store_bd(st, &bd);
	store_mm(st, &mm);
	ck_assert_uint_eq(bd.bd_count, 0);
	ck_assert_uint_eq(bs.objects, 0);
	ck_assert_uint_eq(bs.data_bytes, 0);
	ck_assert_uint_eq(bs.used_bytes, 0);
	ck_assert_uint_eq(file_blocks(), 0);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(st)), 0);
	free(r);
}
END_TEST

/* ---- the backing file altered behind the store's back ------------------ */

static void file_io(void *buf, size_t len, off_t off, bool write)
{
	int fd = open(path, O_RDWR);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	ck_assert_int_eq(n, (ssize_t)len);
	close(fd);
}

/* Read every slot of [0, @n): each is its page or -EIO with zeros. */
static unsigned int count_eio(uint64_t n, uint64_t ver)
{
	unsigned char p[PG], got[PG], zero[PG] = {0};
	unsigned int eio = 0;

	for (uint64_t s = 0; s < n; s++) {
		int ret = store_read(st, s, got);

		page_for(p, s, ver);
		if (ret == -EIO) {
			ck_assert_int_eq(memcmp(got, zero, PG), 0);
			eio++;
		} else {
			ck_assert_int_eq(ret, 0);
			ck_assert_msg(memcmp(got, p, PG) == 0,
				      "slot %llu: other bytes",
				      (unsigned long long)s);
		}
	}
	return eio;
}

START_TEST(test_tamper)
{
	unsigned char p[PG], blk[PG];
	struct store_wb_req all = {0};
	struct stats_io io;
	unsigned int eio;

	for (uint64_t s = 0; s < 64; s++) {
		page_for(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	/* one flipped bit in every 4 KiB block in use */
	for (off_t off = 0; off < (off_t)(64 * PG); off += PG) {
		file_io(blk, PG, off, false);
		blk[100] ^= 0x10;
		file_io(blk, PG, off, true);
	}
	eio = count_eio(64, 1);
	ck_assert_uint_gt(eio, 0);
	store_io(st, &io);
	ck_assert_uint_eq(io.failed_reads, eio);
}
END_TEST

START_TEST(test_replay)
{
	unsigned char p[PG], *old;
	struct store_wb_req all = {0};
	struct stats_io io;
	const size_t span = 2 * BK_SEG_SIZE;
	unsigned int eio;

	old = malloc(span);
	ck_assert_ptr_nonnull(old);
	for (uint64_t s = 0; s < 64; s++) {
		page_for(p, s, 1);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	file_io(old, span, 0, false); /* version 1, as written */
	/* version 2 of every slot, written back; the old objects freed */
	for (uint64_t s = 0; s < 64; s++) {
		page_for(p, s, 2);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_int_ge(tier_compact(tr), 0);
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	/* replay the old image over the file: version 1 must not come back */
	file_io(old, span, 0, true);
	eio = count_eio(64, 2);
	ck_assert_uint_gt(eio, 0);
	store_io(st, &io);
	ck_assert_uint_eq(io.failed_reads, eio);
	free(old);
}
END_TEST

START_TEST(test_compact_keeps_pages)
{
	unsigned char p[PG];
	struct store_wb_req all = {0};
	struct backing_stats bs0, bs1;
	uint64_t seed = 5;

	for (uint64_t s = 0; s < NSLOTS; s++) {
		page_for(p, s, 3);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	for (uint64_t s = 0; s < NSLOTS; s++)
		if (tu_rng_next(&seed) % 4)
			ck_assert_int_eq(store_discard(st, s, 1), 0);
	backing_get_stats(bk, &bs0);
	ck_assert_int_gt(tier_compact(tr), 0);
	backing_get_stats(bk, &bs1);
	ck_assert_uint_lt(bs1.used_bytes, bs0.used_bytes);
	ck_assert_uint_le(bs1.used_bytes, bs1.data_bytes * 13 / 10);
	ck_assert_uint_le(file_blocks(), bs1.used_bytes + 16 * PG);
	for (uint64_t s = 0; s < NSLOTS; s++) {
		unsigned char got[PG];
		unsigned int fl, len;

		ck_assert_int_eq(store_slot_info(st, s, &fl, &len), 0);
		page_for(p, s, len ? 3 : 0);
		ck_assert_int_eq(store_read(st, s, got), 0);
		ck_assert_int_eq(memcmp(got, p, PG), 0);
	}
}
END_TEST

/*
 * Freed space is punched even while jobs keep the worker busy: with a job
 * every 200 ms (never a whole idle second), the worker still runs its
 * maintenance every TIER_MAINTAIN_MS, so used_bytes falls to 0 well within
 * 20 jobs (4 s).
 */
START_TEST(test_maintain_between_jobs)
{
	unsigned char p[PG];
	struct store_wb_req all = {0};
	struct backing_stats bs;
	unsigned int jobs = 0;

	for (uint64_t s = 0; s < 2048; s++) {
		page_for(p, s, 4);
		ck_assert_int_eq(store_write(st, s, p), 0);
	}
	ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
	ck_assert_int_eq(store_discard(st, 0, 2048), 0);
	backing_get_stats(bk, &bs);
	ck_assert_uint_gt(bs.used_bytes, 0);
	while (bs.used_bytes && jobs < 20) {
		usleep(200000);
		ck_assert_int_eq(tier_writeback(tr, &all, NULL), 0);
		jobs++;
		backing_get_stats(bk, &bs);
	}
	ck_assert_uint_eq(bs.used_bytes, 0);
	ck_assert_uint_eq(file_blocks(), 0);
}
END_TEST

static Suite *writeback_suite(void)
{
	Suite *s = suite_create("writeback");
	TCase *tc = tcase_create("tier");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_race_no_leak);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_compact_keeps_pages);
	tcase_add_test(tc, test_maintain_between_jobs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(writeback_suite());
}
