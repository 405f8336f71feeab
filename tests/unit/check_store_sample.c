// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_store_sample.c - store_sample(): pages come back equal to what was
 * written, with their slot numbers, also recompressed ones; same-filled,
 * raw, written-back slots and slots under writeback never come back;
 * sampling changes nothing (block_state with its access times and idle
 * marks, mm_stat, io_stat); an empty or sparse store returns at once, a
 * run of slots is sampled evenly; @max
 * is respected and no slot comes back twice in one call.  Over an in-memory
 * backing (fake_backing.c) for the written-back slots.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "fake_backing.h"
#include "testutil.h"

#define PG FZ_PAGE_SIZE
#define SIZE (64ULL << 20)
#define NSLOTS (SIZE / PG)

static struct store *make(const char *alg)
{
	struct store_config cfg = {
	    .size = SIZE, .algorithm = alg, .level = CODEC_LEVEL_DEFAULT};
	struct store *s = NULL;

	ck_assert_int_eq(store_create(&cfg, &s), 0);
	return s;
}

/* The page written to @slot: compressible text that names it. */
static void page_of(void *p, uint64_t slot)
{
	tu_text_page(p, slot * 31 + 5);
}

/* Every page in @pages is page_of() its slot; no slot twice; each slot is
 * one @ok allows. */
static void check_sample(const unsigned char *pages, const uint64_t *slots,
			 int n, bool (*ok)(uint64_t slot))
{
	unsigned char want[PG];

	for (int i = 0; i < n; i++) {
		ck_assert_msg(slots[i] < NSLOTS, "slot %llu out of range",
			      (unsigned long long)slots[i]);
		ck_assert_msg(ok(slots[i]), "slot %llu must not be sampled",
			      (unsigned long long)slots[i]);
		for (int j = 0; j < i; j++)
			ck_assert_msg(slots[j] != slots[i], "slot %llu twice",
				      (unsigned long long)slots[i]);
		page_of(want, slots[i]);
		ck_assert_msg(memcmp(pages + (size_t)i * PG, want, PG) == 0,
			      "slot %llu's page differs",
			      (unsigned long long)slots[i]);
	}
}

static bool any_slot(uint64_t slot)
{
	(void)slot;
	return true;
}

/* The whole block_state of @s, malloc'd (NUL-terminated). */
static char *block_state(struct store *s)
{
	size_t cap = 1 << 20, at = 0;
	char *buf = malloc(cap);
	uint64_t cursor = 0;
	size_t n;

	ck_assert_ptr_nonnull(buf);
	while ((n = store_block_state(s, &cursor, buf + at, cap - at)) > 0) {
		at += n;
		ck_assert_uint_lt(at + STORE_BLOCK_STATE_LINE + 1, cap);
	}
	buf[at] = '\0';
	return buf;
}

START_TEST(test_empty)
{
	struct store *s = make("lz4");
	unsigned char pages[4 * PG], p[PG];
	uint64_t slots[4], seed = 1;

	ck_assert_int_eq(store_sample(s, &seed, pages, slots, 4), 0);
	/* same-filled and discarded slots are no sample either */
	memset(p, 0, PG);
	ck_assert_int_eq(store_write(s, 10, p), 0);
	memset(p, 0x5a, PG);
	ck_assert_int_eq(store_write(s, NSLOTS - 1, p), 0);
	page_of(p, 20);
	ck_assert_int_eq(store_write(s, 20, p), 0);
	ck_assert_int_eq(store_discard(s, 20, 1), 0);
	ck_assert_int_eq(store_sample(s, &seed, pages, slots, 4), 0);
	ck_assert_int_eq(store_sample(s, &seed, pages, slots, 0), 0);
	store_destroy(s);
}
END_TEST

/* Few pages far apart: each call finds them all, quickly, once each. */
START_TEST(test_sparse)
{
	static const uint64_t at[] = {0, 7, 8191, 8192, 12000, NSLOTS - 1};
	const int nat = (int)(sizeof(at) / sizeof(at[0]));
	struct store *s = make("zstd");
	unsigned char pages[8 * PG], p[PG];
	uint64_t slots[8], seed = 42;

	for (int i = 0; i < nat; i++) {
		page_of(p, at[i]);
		ck_assert_int_eq(store_write(s, at[i], p), 0);
	}
	for (int round = 0; round < 20; round++) {
		int n = store_sample(s, &seed, pages, slots, 8);

		ck_assert_int_eq(n, nat);
		check_sample(pages, slots, n, any_slot);
		/* the bound: fewer than all asked for returns that many */
		n = store_sample(s, &seed, pages, slots, 3);
		ck_assert_int_eq(n, 3);
		check_sample(pages, slots, n, any_slot);
	}
	store_destroy(s);
}
END_TEST

/* Pages in one run at the start, as swap fills a device: every one comes
 * up about as often (a scan from a random slot would take the run's first
 * slot nearly every time). */
START_TEST(test_uniform)
{
	enum { RUN = 100, PER_CALL = 10, CALLS = 200 };
	struct store *s = make("lz4");
	unsigned char pages[PER_CALL * PG], p[PG];
	uint64_t slots[PER_CALL], seed = 9;
	unsigned int hits[RUN] = {0}, most = 0;

	for (uint64_t i = 0; i < RUN; i++) {
		page_of(p, i);
		ck_assert_int_eq(store_write(s, i, p), 0);
	}
	for (int c = 0; c < CALLS; c++) {
		int n = store_sample(s, &seed, pages, slots, PER_CALL);

		ck_assert_int_eq(n, PER_CALL);
		check_sample(pages, slots, n, any_slot);
		for (int i = 0; i < n; i++)
			hits[slots[i]]++;
	}
	/* 20 expected each */
	for (int i = 0; i < RUN; i++) {
		ck_assert_msg(hits[i] > 0, "slot %d never sampled", i);
		if (hits[i] > most)
			most = hits[i];
	}
	ck_assert_uint_le(most, 50);
	store_destroy(s);
}
END_TEST

/* Many pages: max respected, no duplicates, equal pages, different
 * samples from different seeds and calls. */
START_TEST(test_max_and_distinct)
{
	const char *alg = _i == 0 ? "lz4" : _i == 1 ? "lz4hc" : "zstd";
	struct store *s = make(alg);
	unsigned char *pages = malloc(64 * PG), p[PG];
	uint64_t slots[64], first[16], seed = 7;
	unsigned int differ = 0;
	int n;

	ck_assert_ptr_nonnull(pages);
	for (uint64_t i = 0; i < 300; i++) {
		page_of(p, i * 3);
		ck_assert_int_eq(store_write(s, i * 3, p), 0);
	}
	for (unsigned int max = 1; max <= 64; max *= 2) {
		n = store_sample(s, &seed, pages, slots, max);
		ck_assert_int_eq(n, (int)max);
		check_sample(pages, slots, n, any_slot);
	}
	n = store_sample(s, &seed, pages, first, 16);
	ck_assert_int_eq(n, 16);
	for (int round = 0; round < 4; round++) {
		n = store_sample(s, &seed, pages, slots, 16);
		ck_assert_int_eq(n, 16);
		differ += memcmp(first, slots, sizeof(first)) != 0;
	}
	ck_assert_uint_eq(differ, 4);
	free(pages);
	store_destroy(s);
}
END_TEST

/* Slot kinds: 0 mod 5 same-filled, 1 raw, 2 written back, 3 and 4 in RAM
 * compressed (4 recompressed with a secondary algorithm). */
#define KINDS_SLOTS 200

static bool kind_ok(uint64_t slot)
{
	return slot % 5 >= 3;
}

static int recompress_all(struct store *s)
{
	struct store_recomp_req req = {0};
	uint64_t done;

	ck_assert_int_eq(store_recompress(s, &req, &done), 0);
	return (int)done;
}

static void write_kinds(struct store *s, struct backing **bk)
{
	struct backing_config bc = {.path = "fake"};
	struct store_wb_req wb = {.nranges = 0};
	unsigned char p[PG];
	uint64_t done;

	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&bc, bk), 0);
	ck_assert_int_eq(store_set_backing(s, *bk), 0);
	/* the ones to write back first, alone in the store */
	for (uint64_t i = 2; i < KINDS_SLOTS; i += 5) {
		page_of(p, i);
		ck_assert_int_eq(store_write(s, i, p), 0);
	}
	ck_assert_int_eq(store_writeback(s, &wb, &done), 0);
	ck_assert_uint_eq(done, KINDS_SLOTS / 5);
	/* then those recompressed */
	for (uint64_t i = 4; i < KINDS_SLOTS; i += 5) {
		page_of(p, i);
		ck_assert_int_eq(store_write(s, i, p), 0);
	}
	ck_assert_int_eq(store_set_recomp(s, 1, "zstd", 19), 0);
	ck_assert_int_eq(recompress_all(s), KINDS_SLOTS / 5);
	for (uint64_t i = 0; i < KINDS_SLOTS; i += 5) {
		memset(p, (int)(i & 0xff) | 1, PG);
		ck_assert_int_eq(store_write(s, i, p), 0);
		tu_random_page(p, i + 1);
		ck_assert_int_eq(store_write(s, i + 1, p), 0);
		page_of(p, i + 3);
		ck_assert_int_eq(store_write(s, i + 3, p), 0);
	}
}

START_TEST(test_kinds_and_nothing_changes)
{
	struct store *s = make("lz4");
	struct backing *bk;
	unsigned char *pages = malloc(KINDS_SLOTS * PG);
	uint64_t slots[KINDS_SLOTS], seed = 3, seen = 0;
	struct stats_mm mm0, mm1;
	struct stats_io io0, io1;
	struct stats_bd bd0, bd1;
	unsigned int flags, len;
	char *before, *after;
	int n;

	ck_assert_ptr_nonnull(pages);
	write_kinds(s, &bk);
	ck_assert_int_eq(store_slot_info(s, 1, &flags, &len), 0);
	ck_assert(flags & (1u << (STORE_F_HUGE - STORE_F_SAME)));
	/* access times from second 0; now is later, so a touch would show;
	 * half the slots idle, so a cleared mark would show */
	store_advance_clock(s, 1000);
	ck_assert_uint_gt(store_mark_idle(s, true, 0), 0);
	page_of(pages, 13);
	ck_assert_int_eq(store_write(s, 13, pages), 0); /* not idle */
	store_mm(s, &mm0);
	store_io(s, &io0);
	store_bd(s, &bd0);
	before = block_state(s);
	ck_assert_ptr_nonnull(strstr(before, " ...i..\n"));

	for (int round = 0; round < 10; round++) {
		n = store_sample(s, &seed, pages, slots, 16);
		ck_assert_int_eq(n, 16);
		check_sample(pages, slots, n, kind_ok);
		for (int i = 0; i < n; i++)
			seen |= 1ULL << (slots[i] % 5);
	}
	/* every eligible slot, at most once: all 80 of them, no other */
	n = store_sample(s, &seed, pages, slots, KINDS_SLOTS);
	ck_assert_int_eq(n, 2 * KINDS_SLOTS / 5);
	check_sample(pages, slots, n, kind_ok);
	ck_assert_uint_eq(seen, (1u << 3) | (1u << 4));

	store_mm(s, &mm1);
	store_io(s, &io1);
	store_bd(s, &bd1);
	after = block_state(s);
	ck_assert_msg(strcmp(before, after) == 0, "block_state changed");
	ck_assert_mem_eq(&mm0, &mm1, sizeof(mm0));
	ck_assert_mem_eq(&io0, &io1, sizeof(io0));
	ck_assert_mem_eq(&bd0, &bd1, sizeof(bd0));
	ck_assert_uint_eq(stats_read(store_stats(s)->num_reads), 0);
	free(before);
	free(after);
	free(pages);
	store_destroy(s);
	backing_destroy(bk);
}
END_TEST

/* A slot that a writeback has copied (STORE_F_UNDER_WB) is not sampled. */
static struct store *uw_store;
static int uw_calls, uw_got;

static void sample_during_write(void *arg)
{
	unsigned char pages[4 * PG];
	uint64_t slots[4], seed = 11;

	(void)arg;
	uw_calls++;
	uw_got = store_sample(uw_store, &seed, pages, slots, 4);
}

START_TEST(test_under_writeback)
{
	struct backing_config bc = {.path = "fake"};
	struct store_wb_req wb = {.nranges = 0};
	struct backing *bk;
	unsigned char p[PG];
	uint64_t done;

	uw_store = make("zstd");
	memset(&fake_ctl, 0, sizeof(fake_ctl));
	ck_assert_int_eq(backing_create(&bc, &bk), 0);
	ck_assert_int_eq(store_set_backing(uw_store, bk), 0);
	for (uint64_t i = 0; i < 3; i++) {
		page_of(p, i * 1000);
		ck_assert_int_eq(store_write(uw_store, i * 1000, p), 0);
	}
	uw_got = -1;
	fake_ctl.during_write = sample_during_write;
	ck_assert_int_eq(store_writeback(uw_store, &wb, &done), 0);
	fake_ctl.during_write = NULL;
	ck_assert_uint_eq(done, 3);
	ck_assert_int_eq(uw_calls, 1);
	ck_assert_int_eq(uw_got, 0); /* all three were being copied */
	store_destroy(uw_store);
	backing_destroy(bk);
}
END_TEST

static Suite *sample_suite(void)
{
	Suite *s = suite_create("store_sample");
	TCase *tc = tcase_create("sample");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_sparse);
	tcase_add_test(tc, test_uniform);
	tcase_add_loop_test(tc, test_max_and_distinct, 0, 3);
	tcase_add_test(tc, test_kinds_and_nothing_changes);
	tcase_add_test(tc, test_under_writeback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(sample_suite());
}
