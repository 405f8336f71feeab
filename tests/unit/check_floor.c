// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_floor.c - unit tests of the transport floor (floor.c) and of the
 * block device built over it (blockdev.c with FZ_FLOOR, as in
 * bench/fzram-floor): the map refuses bad sizes, starts as zeros, keeps
 * each block apart, drops to zeros; the device over it reads back partial
 * and unaligned writes, discards to zeros, and refuses to grow past the
 * map while a shrink and a regrow show the dropped blocks as zeros.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "floor.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "blockdev.h"
#include "check_run.h"
#include "codec.h"
#include "store.h"
#include "testutil.h"

#define PG FZ_PAGE_SIZE
#define NBLK 8
#define DEV (NBLK * PG)

static const unsigned char zeros[PG];

START_TEST(test_map)
{
	static unsigned char a[PG], b[PG], out[PG];
	struct floor *f = NULL;

	ck_assert_int_eq(floor_create(0, &f), -EINVAL);
	ck_assert_int_eq(floor_create(PG + 1, &f), -EINVAL);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(floor_create(DEV, &f), 0);
	ck_assert_uint_eq(floor_bytes(f), DEV);
	for (uint64_t s = 0; s < NBLK; s++) {
		floor_load(f, s, out);
		ck_assert_mem_eq(out, zeros, PG);
	}
	tu_text_page(a, 1);
	tu_text_page(b, 2);
	ck_assert_mem_ne(a, b, PG);
	floor_save(f, 0, a);
	floor_save(f, NBLK - 1, b);
	floor_load(f, 0, out);
	ck_assert_mem_eq(out, a, PG);
	floor_load(f, NBLK - 1, out);
	ck_assert_mem_eq(out, b, PG);
	floor_load(f, 1, out);
	ck_assert_mem_eq(out, zeros, PG);
	floor_drop(f, 0);
	floor_load(f, 0, out);
	ck_assert_mem_eq(out, zeros, PG);
	floor_load(f, NBLK - 1, out);
	ck_assert_mem_eq(out, b, PG);
	floor_destroy(f);
	floor_destroy(NULL);
}
END_TEST

static struct store *make_store(uint64_t size)
{
	struct store_config cfg = {
	    .size = size, .algorithm = "lz4", .level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

static void assert_dev(struct bdev *bd, const unsigned char *model,
		       uint64_t len)
{
	static unsigned char got[DEV];

	ck_assert_int_eq(bdev_read(bd, got, len, 0), (ssize_t)len);
	ck_assert_mem_eq(got, model, len);
}

START_TEST(test_bdev)
{
	static unsigned char model[DEV], page[PG];
	struct store *st = make_store(DEV);
	struct bdev *bd = NULL;

	ck_assert_int_eq(bdev_create(st, &bd), 0);
	assert_dev(bd, model, DEV);
	for (uint64_t s = 0; s < NBLK; s++) {
		tu_text_page(page, s);
		ck_assert_int_eq(bdev_write(bd, page, PG, s * PG), PG);
		memcpy(model + s * PG, page, PG);
	}
	assert_dev(bd, model, DEV);
	/* unaligned, across a block boundary: read-modify-write */
	memset(page, 0xa5, 100);
	ck_assert_int_eq(bdev_write(bd, page, 100, 2 * PG - 50), 100);
	memcpy(model + 2 * PG - 50, page, 100);
	assert_dev(bd, model, DEV);
	/* a whole block and a part of the next discarded */
	ck_assert_int_eq(bdev_discard(bd, 3 * PG, PG + 10), 0);
	memset(model + 3 * PG, 0, PG + 10);
	assert_dev(bd, model, DEV);
	/* past the end */
	ck_assert_int_eq(bdev_write(bd, page, 1, DEV), -ENOSPC);
	ck_assert_int_eq(bdev_read(bd, page, PG, DEV), 0);
	/* the map does not grow; a shrink drops what it cuts off */
	ck_assert_int_eq(bdev_resize(bd, 2 * DEV), -EINVAL);
	ck_assert_uint_eq(bdev_size(bd), DEV);
	ck_assert_int_eq(bdev_resize(bd, DEV / 2), 0);
	ck_assert_uint_eq(bdev_size(bd), DEV / 2);
	ck_assert_int_eq(bdev_resize(bd, DEV), 0);
	memset(model + DEV / 2, 0, DEV / 2);
	assert_dev(bd, model, DEV);
	bdev_destroy(bd);
	store_destroy(st);
}
END_TEST

static Suite *floor_suite(void)
{
	Suite *s = suite_create("floor");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_bdev);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(floor_suite());
}
