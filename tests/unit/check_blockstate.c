// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_blockstate.c - block_state's text (blockstate.c) over a real store:
 * one line per stored slot and nothing for slots never written, the same
 * text whether it fit the first buffer or had to grow, and reads at any
 * offset (bstate_at) returning exactly the bytes there.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "blockstate.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"

#include "codec.h"
#include "store.h"

#define PG FZ_PAGE_SIZE

static struct store *st;

static void setup(void)
{
	/* 1 TiB: the text must follow what is stored, not the size */
	struct store_config cfg = {.size = 1ULL << 40,
				   .level = CODEC_LEVEL_DEFAULT};

	ck_assert_int_eq(store_create(&cfg, &st), 0);
}

static void teardown(void)
{
	store_destroy(st);
	st = NULL;
}

static void write_slot(uint64_t slot)
{
	unsigned char page[PG];

	tu_text_page(page, slot);
	ck_assert_int_eq(store_write(st, slot, page), 0);
}

static size_t count_lines(const struct bstate *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++)
		n += b->text[i] == '\n';
	return n;
}

START_TEST(test_empty)
{
	struct bstate *b;

	ck_assert_int_eq(bstate_make(st, &b), 0);
	ck_assert_uint_eq(b->len, 0);
	bstate_free(b);
	bstate_free(NULL);
}
END_TEST

/* a few slots spread over the terabyte: a line each, in slot order */
START_TEST(test_sparse)
{
	static const uint64_t slots[] = {0,    1,	   8191,
					 8192, 1ULL << 20, (1ULL << 28) - 1};
	struct bstate *b;
	const char *p;
	char want[64];

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		write_slot(slots[i]);
	ck_assert_int_eq(bstate_make(st, &b), 0);
	ck_assert_uint_eq(count_lines(b), sizeof(slots) / sizeof(slots[0]));
	ck_assert_uint_eq(b->len, 6 * STORE_BLOCK_STATE_LINE);
	p = b->text;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		snprintf(want, sizeof(want), "%12llu ",
			 (unsigned long long)slots[i]);
		ck_assert_int_eq(strncmp(p, want, 13), 0);
		p = memchr(p, '\n', b->len - (size_t)(p - b->text)) + 1;
	}
	bstate_free(b);
}
END_TEST

/* more lines than BSTATE_FIRST holds: the buffer grows, no line is lost
 * or doubled, and reads at every offset give the bytes there */
START_TEST(test_grows)
{
	const uint64_t n = 3 * BSTATE_FIRST / STORE_BLOCK_STATE_LINE + 7;
	struct bstate *b;
	size_t got, off = 0;
	const char *p;
	char *copy;

	for (uint64_t i = 0; i < n; i++)
		write_slot(i * 3);
	ck_assert_int_eq(bstate_make(st, &b), 0);
	ck_assert_uint_gt(b->len, BSTATE_FIRST);
	ck_assert_uint_eq(count_lines(b), n);
	ck_assert_uint_eq(b->len, n * STORE_BLOCK_STATE_LINE);

	/* reassemble from reads of an odd size */
	copy = malloc(b->len);
	ck_assert_ptr_nonnull(copy);
	for (;;) {
		p = bstate_at(b, (off_t)off, 4093, &got);
		if (!got)
			break;
		ck_assert_uint_le(got, 4093);
		memcpy(copy + off, p, got);
		off += got;
	}
	ck_assert_uint_eq(off, b->len);
	ck_assert_mem_eq(copy, b->text, b->len);
	free(copy);

	/* at and past the end, and a negative offset: nothing */
	bstate_at(b, (off_t)b->len, 100, &got);
	ck_assert_uint_eq(got, 0);
	bstate_at(b, (off_t)b->len + 5000, 100, &got);
	ck_assert_uint_eq(got, 0);
	bstate_at(b, -1, 100, &got);
	ck_assert_uint_eq(got, 0);
	/* straddling the end: what is left */
	bstate_at(b, (off_t)b->len - 10, 100, &got);
	ck_assert_uint_eq(got, 10);
	bstate_free(b);
}
END_TEST

static Suite *blockstate_suite(void)
{
	Suite *s = suite_create("blockstate");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_sparse);
	tcase_add_test(tc, test_grows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(blockstate_suite());
}
