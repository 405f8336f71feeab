/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backing_testutil.h - helpers the backing tier's tests (check_backing.c,
 * check_backing_dev.c) share: a temporary file in /tmp as a fixture,
 * reproducible object bytes, one-object writes, the tier's counters and a
 * file's allocated space.  Header-only (static inline), like testutil.h;
 * include it once per test program, after backing.h.
 */
#ifndef FZRAM_BACKING_TESTUTIL_H
#define FZRAM_BACKING_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backing.h"
#include "testutil.h"

/* The fixture's file: a path that bt_tmp_setup() has made, "" before. */
static char bt_tmp_path[64];

/* Checked fixture setup: create an empty file in /tmp and name it in
 * bt_tmp_path (mkstemp; the test fails when it cannot). */
static inline void bt_tmp_setup(void)
{
	int fd;

	snprintf(bt_tmp_path, sizeof(bt_tmp_path), "/tmp/check_backing.XXXXXX");
	fd = mkstemp(bt_tmp_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

/* Checked fixture teardown: remove bt_tmp_path's file. */
static inline void bt_tmp_teardown(void)
{
	unlink(bt_tmp_path);
}

/* Fill the @len bytes at @p with bytes that only (@key, @len) decide, and
 * that do not compress. */
static inline void bt_fill(uint8_t *p, unsigned int len, uint64_t key)
{
	uint64_t s = key * 0x9e3779b97f4a7c15ULL + len + 1;

	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(tu_rng_next(&s) >> 24);
}

/* @bk's counters now (backing_get_stats). */
static inline struct backing_stats bt_stats(struct backing *bk)
{
	struct backing_stats st;

	backing_get_stats(bk, &st);
	return st;
}

/* Write one object of @len bytes at @data for @slot to @bk, asserting that
 * it is stored; its id (never 0). */
static inline bk_id_t bt_put(struct backing *bk, uint64_t slot,
			     const void *data, unsigned int len)
{
	struct bk_item it = {.slot = slot, .data = data, .len = len};

	ck_assert_int_eq(backing_write(bk, &it, 1), 1);
	ck_assert_int_eq(it.err, 0);
	ck_assert_uint_ne(it.id, 0);
	return it.id;
}

/* The bytes allocated to the file at @path (st_blocks), which punching
 * gives back; fails the test when it cannot be stat'ed. */
static inline uint64_t bt_alloc_bytes(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/* The bytes allocated to the fixture's file (bt_tmp_path). */
static inline uint64_t bt_tmp_alloc_bytes(void)
{
	return bt_alloc_bytes(bt_tmp_path);
}

/*
 * bt_fill_up() - write objects of 3000 bytes (slot i holds bt_fill(.., i)),
 * 16 a batch, until the store is full: every item of a batch either has
 * an id or, from the first refused one on, -ENOSPC and no id.  @ids gets
 * them (room for @cap).  Return: the number written.
 */
static inline size_t bt_fill_up(struct backing *bk, bk_id_t *ids, size_t cap)
{
	static uint8_t data[16][3000];
	struct bk_item it[16];
	size_t n = 0;
	int w = 16;

	while (w == 16) {
		for (int k = 0; k < 16; k++) {
			bt_fill(data[k], 3000, n + k);
			it[k] = (struct bk_item){
			    .slot = n + k, .data = data[k], .len = 3000};
		}
		w = backing_write(bk, it, 16);
		ck_assert_int_ge(w, 0);
		for (int k = 0; k < 16; k++) {
			if (k < w) {
				ck_assert_int_eq(it[k].err, 0);
				ids[n + k] = it[k].id;
			} else { /* this and the ones after it */
				ck_assert_int_eq(it[k].err, -ENOSPC);
				ck_assert_uint_eq(it[k].id, 0);
			}
		}
		n += (size_t)w;
		ck_assert_uint_lt(n + 16, cap);
	}
	return n;
}

/* bt_check_range() - objects [@lo, @hi) of bt_fill_up() read back equal. */
static inline void bt_check_range(struct backing *bk, const bk_id_t *ids,
				  size_t lo, size_t hi)
{
	uint8_t out[3000], want[3000];

	for (size_t i = lo; i < hi; i++) {
		bt_fill(want, 3000, i);
		ck_assert_int_eq(backing_read(bk, ids[i], i, out, 3000), 0);
		ck_assert_mem_eq(out, want, 3000);
	}
}

#endif /* FZRAM_BACKING_TESTUTIL_H */
