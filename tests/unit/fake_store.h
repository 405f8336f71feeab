/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake_store.h - the fixture of the store's tier tests: a store over the
 * in-memory backing (fake_backing.c), with fake_ctl cleared, and its
 * teardown, which checks that no id was freed that was not live.
 */
#ifndef FZRAM_FAKE_STORE_H
#define FZRAM_FAKE_STORE_H

#include <check.h>
#include <string.h>

#include "codec.h"
#include "fake_backing.h"
#include "store.h"
#include "zspool.h"

/* fake_store_open() - an lz4 store of @size bytes over a fresh fake
 * backing, into *@st and *@bk. */
static inline void fake_store_open(uint64_t size, struct store **st,
				   struct backing **bk)
{
	struct store_config cfg = {
	    .size = size, .algorithm = "lz4", .level = CODEC_LEVEL_DEFAULT};
	struct backing_config bc = {.path = "fake"};

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(store_create(&cfg, st), 0);
	ck_assert_int_eq(backing_create(&bc, bk), 0);
	ck_assert_int_eq(store_set_backing(*st, *bk), 0);
}

/* fake_store_close() - destroy both (NULL after). */
static inline void fake_store_close(struct store **st, struct backing **bk)
{
	ck_assert_uint_eq(fake_ctl.bad_frees, 0);
	store_destroy(*st);
	backing_destroy(*bk);
	*st = NULL;
	*bk = NULL;
}

/* fake_flags_of() - @slot's flags (store_slot_info()), its length into
 * *@len unless NULL. */
static inline unsigned int fake_flags_of(struct store *s, uint64_t slot,
					 unsigned int *len)
{
	unsigned int f, l;

	ck_assert_int_eq(store_slot_info(s, slot, &f, &l), 0);
	if (len)
		*len = l;
	return f;
}

/* fake_assert_read() - @slot reads back as the page at @want. */
static inline void fake_assert_read(struct store *s, uint64_t slot,
				    const void *want)
{
	unsigned char got[FZ_PAGE_SIZE];

	ck_assert_int_eq(store_read(s, slot, got), 0);
	ck_assert_msg(memcmp(got, want, FZ_PAGE_SIZE) == 0, "slot %llu differs",
		      (unsigned long long)slot);
}

/* Discard @nslots slots from 0 and check that nothing is left anywhere: no
 * backing object, no bd_count, no data, no pool page (the race tests'
 * leak check). */
static inline void fake_assert_all_freed(struct store *s, struct backing *bk,
					 uint64_t nslots)
{
	struct stats_bd bd;
	struct stats_mm mm;

	ck_assert_int_eq(store_discard(s, 0, nslots), 0);
	ck_assert_uint_eq(fake_backing_live(bk), 0);
	store_bd(s, &bd);
	ck_assert_uint_eq(bd.bd_count, 0);
	store_mm(s, &mm);
	ck_assert_uint_eq(mm.orig_data_size, 0);
	ck_assert_uint_eq(mm.compr_data_size, 0);
	ck_assert_uint_eq(zsp_pages_used(store_pool(s)), 0);
}

#endif /* FZRAM_FAKE_STORE_H */
