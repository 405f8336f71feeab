// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_store.c - the engine driven by a byte string: each record is an
 * operation (write, read, discard, free notice, overwrite, compaction of
 * the pool and of the backing store, idle marking, the clock, writeback,
 * recompression, secondary algorithms, a memory limit) on a store of
 * NR_SLOTS slots with a backing store on an unnamed file, checked against a
 * model that holds every slot's page.
 *
 * Checked: every read returns the model's page (zeros for a slot never
 * written or freed); a write refused at the memory limit (-ENOMEM) leaves
 * the slot as it was; every return is one store.h documents; in debug
 * builds the pool's validator passes after every operation; and at the end,
 * after everything is discarded and compacted, the store holds no page, no
 * compressed byte and no backing object (nothing leaked).
 *
 * The first byte picks the store: algorithm, whether the backing store
 * seals its objects, the zspage chain length.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"
#include "fuzz.h"
#include "store.h"
#include "zspool.h"

#include <errno.h>
#include <string.h>

#define NR_SLOTS 48u

static uint8_t model[NR_SLOTS][FZ_PAGE_SIZE];

/* A page of kind @kind from @seed: each way the store keeps a page. */
static void make_page(uint8_t *p, unsigned int kind, uint32_t seed)
{
	uint64_t w = 0x9e3779b97f4a7c15ull * (seed + 1);
	uint32_t x = seed * 2654435761u + 1;
	unsigned int i;

	switch (kind % 6) {
	case 0: /* zeros */
		memset(p, 0, FZ_PAGE_SIZE);
		break;
	case 1: /* one repeated 8-byte word */
		for (i = 0; i < FZ_PAGE_SIZE; i += 8)
			memcpy(p + i, &w, 8);
		break;
	case 2: /* one repeated byte */
		memset(p, (int)(seed & 0xff), FZ_PAGE_SIZE);
		break;
	case 3: /* text-like */
		for (i = 0; i < FZ_PAGE_SIZE; i++)
			p[i] = (uint8_t)("abcdefgh swap "[(i * (seed % 5 + 1)) % 14]);
		break;
	case 4: /* one byte of noise in two */
		for (i = 0; i < FZ_PAGE_SIZE; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = i % 2 ? (uint8_t)(x >> 16) : (uint8_t)i;
		}
		break;
	default: /* noise: raw */
		for (i = 0; i < FZ_PAGE_SIZE; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = (uint8_t)(x >> 16);
		}
	}
}

static void validate(struct store *s, const char *after)
{
#ifdef ZSP_DEBUG
	char why[256];

	if (zsp_validate(store_pool(s), why, sizeof(why)))
		fuzz_fail("pool invalid after %s: %s", after, why);
#else
	(void)s;
	(void)after;
#endif
}

static void check_slot(struct store *s, unsigned int slot)
{
	static uint8_t page[FZ_PAGE_SIZE];
	int r = store_read(s, slot, page);

	fuzz_assert(r == 0, "store_read(%u): %d", slot, r);
	fuzz_assert(!memcmp(page, model[slot], FZ_PAGE_SIZE),
		    "slot %u reads wrong", slot);
}

struct in {
	const uint8_t *p;
	size_t left;
};

static unsigned int next(struct in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static const char *const algs[] = {"lz4", "lz4hc", "zstd"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_config cfg = {.size = NR_SLOTS * FZ_PAGE_SIZE,
				   .level = CODEC_LEVEL_DEFAULT};
	struct backing_config bc = {.path = "/tmp", .size = BK_MIN_SIZE};
	static uint8_t page[FZ_PAGE_SIZE];
	struct in in = {data, size};
	struct backing *bk = NULL;
	struct backing_stats bs;
	struct stats_mm mm;
	struct store *s;
	unsigned int first, slot;
	int r;

	if (size < 1)
		return 0;
	first = next(&in);
	cfg.algorithm = algs[first % 3];
	cfg.chain = 1 + (first >> 2) % 16;
	bc.encrypt = first & 0x40;
	bc.no_direct = true;
	r = store_create(&cfg, &s);
	if (r)
		fuzz_fail("store_create: %d", r);
	r = backing_create(&bc, &bk);
	if (r)
		fuzz_fail("backing_create on /tmp: %d", r);
	if (store_set_backing(s, bk))
		fuzz_fail("store_set_backing");
	memset(model, 0, sizeof(model));

	while (in.left) {
		unsigned int op = next(&in), a = next(&in), b = next(&in);

		switch (op % 13) {
		case 0:
		case 1: /* write (twice as likely: the store needs pages) */
			slot = a % NR_SLOTS;
			make_page(page, b, (uint32_t)(op * 131 + a));
			r = store_write(s, slot, page);
			fuzz_assert(r == 0 || r == -ENOMEM, "write: %d", r);
			if (!r)
				memcpy(model[slot], page, FZ_PAGE_SIZE);
			break;
		case 2: /* read */
			check_slot(s, a % NR_SLOTS);
			break;
		case 3: { /* discard: swap's slot-free notices */
			uint64_t f = a % NR_SLOTS, n = b % 8;

			if (f + n > NR_SLOTS)
				n = NR_SLOTS - f;
			r = store_discard(s, f, n);
			fuzz_assert(r == 0, "discard %llu+%llu: %d",
				    (unsigned long long)f, (unsigned long long)n,
				    r);
			memset(model[f], 0, n * FZ_PAGE_SIZE);
			break;
		}
		case 4: /* free notice */
			r = store_free_notify(s, a % NR_SLOTS);
			fuzz_assert(r == 0, "free_notify: %d", r);
			memset(model[a % NR_SLOTS], 0, FZ_PAGE_SIZE);
			break;
		case 5:
			store_compact(s);
			break;
		case 6:
			store_mark_idle(s, a & 1, b);
			break;
		case 7:
			store_advance_clock(s, a * 16u);
			break;
		case 8: { /* writeback */
			struct store_wb_req req = {
			    .mode = a & 7,
			    .order = (b & 1) ? STORE_WB_COLDEST
					     : STORE_WB_LARGEST,
			    .min_age = (b & 2) ? b : 0,
			    .max_bytes = (b & 4) ? (uint64_t)a * 64 : 0,
			};
			uint64_t moved;

			if (a & 8) {
				req.nranges = 1;
				req.range[0].lo = b % NR_SLOTS;
				req.range[0].hi = req.range[0].lo +
						  (a >> 4) % (NR_SLOTS - req.range[0].lo);
			}
			r = store_writeback(s, &req, &moved);
			fuzz_assert(r == 0 || r == -ENOSPC || r == -EIO ||
					    r == -ENOMEM,
				    "writeback: %d", r);
			break;
		}
		case 9: { /* recompress */
			struct store_recomp_req req = {
			    .mode = a & 3,
			    .threshold = (a & 4) ? b * 16u : 0,
			    .max_pages = (b & 1) ? b : 0,
			    .prio = (a >> 3) % (STORE_MAX_PRIO + 1),
			};
			uint64_t done;

			r = store_recompress(s, &req, &done);
			fuzz_assert(r == 0 || r == -ENOENT || r == -EINVAL ||
					    r == -ENOMEM,
				    "recompress: %d", r);
			break;
		}
		case 10: { /* a secondary algorithm, set or removed */
			unsigned int prio = 1 + a % STORE_MAX_PRIO;

			r = store_set_recomp(s, prio,
					     (b & 3) == 3 ? NULL : algs[b & 3],
					     CODEC_LEVEL_DEFAULT);
			fuzz_assert(r == 0, "set_recomp: %d", r);
			break;
		}
		case 11: /* a memory limit (0: none), in 4 KiB pages */
			store_set_mem_limit(s, (a & 1) ? 0 : (uint64_t)b * 4096);
			break;
		default: {
			int64_t freed = backing_compact(bk);

			fuzz_assert(freed >= 0, "backing_compact: %lld",
				    (long long)freed);
			break;
		}
		}
		validate(s, "an operation");
	}

	for (slot = 0; slot < NR_SLOTS; slot++)
		check_slot(s, slot);
	/* Nothing may be left once every slot is discarded. */
	r = store_discard(s, 0, NR_SLOTS);
	fuzz_assert(r == 0, "discard all: %d", r);
	store_compact(s);
	validate(s, "the final discard");
	store_mm(s, &mm);
	fuzz_assert(mm.orig_data_size == 0 && mm.compr_data_size == 0 &&
			    mm.same_pages == 0 && mm.huge_pages == 0,
		    "left after discarding all: orig %llu compr %llu same %llu "
		    "huge %llu",
		    (unsigned long long)mm.orig_data_size,
		    (unsigned long long)mm.compr_data_size,
		    (unsigned long long)mm.same_pages,
		    (unsigned long long)mm.huge_pages);
	fuzz_assert(mm.mem_used_total == 0, "%llu pool bytes left",
		    (unsigned long long)mm.mem_used_total);
	backing_get_stats(bk, &bs);
	fuzz_assert(bs.objects == 0 && bs.data_bytes == 0,
		    "%llu backing objects left",
		    (unsigned long long)bs.objects);
	store_destroy(s);
	backing_destroy(bk);
	return 0;
}
