// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_sample.c - random stored pages, decompressed, for training a
 * dictionary from a live store (store_sample()).
 *
 * Each pick draws slots below nslots at random (splitmix64 on the
 * caller's seed) until one is eligible: an object in RAM, compressed (not
 * same-filled, not raw), not written back and not being copied by a
 * writeback or a recompression.  That is uniform over the eligible slots,
 * however they cluster (swap fills runs of slots from the start).  After
 * SAMPLE_PROBES misses (a store nearly empty) it takes the first eligible
 * slot from one more random slot on, wrapping at the end, stepping over
 * chunks never written whole.  A slot already taken in this call counts
 * as ineligible, so a call never returns a slot twice.  Each call looks at
 * SAMPLE_SCAN_MAX slot words at most (a missing chunk counting one), and
 * stops early when a whole turn of the table found nothing new: a sparse
 * or empty store returns quickly.
 *
 * Nothing about a slot changes: the object is decompressed under the
 * slot's lock (its dictionary, named by the slot word, stays loaded while
 * the lock is held) and the slot is unlocked with the very word it was
 * locked with; no access time, idle mark or counter is touched.  Locks:
 * the slot lock, then the allocator's (zsp_map()), as store_read().
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>

#include "store_int.h"

/* Slot words looked at per call, at most: a few milliseconds. */
#define SAMPLE_SCAN_MAX (1u << 22)
/* Random slots tried per page before a scan: enough to find one in a
 * store a thousandth full (98%), a few microseconds. */
#define SAMPLE_PROBES 4096

/* splitmix64: any seed, 0 included, gives a full-period sequence. */
static uint64_t sample_rand(uint64_t *seed)
{
	uint64_t z = (*seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A compressed object in RAM that nothing is copying (slot word @v). */
static bool sample_eligible(uint64_t v)
{
	return (v & SLOT_HANDLE_MASK) &&
	       !(v & (F(STORE_F_SAME) | F(STORE_F_HUGE) | F(STORE_F_WB) |
		      F(STORE_F_UNDER_WB)));
}

static bool sample_taken(const uint64_t *slots, unsigned int n, uint64_t slot)
{
	for (unsigned int i = 0; i < n; i++)
		if (slots[i] == slot)
			return true;
	return false;
}

/*
 * Decompress @slot's object into @page if it is eligible.
 * Return: 1 (taken), 0 (not eligible, or it did not decode: a read of the
 * slot will count that), -ENOMEM (no codec context).
 */
static int sample_take(struct store *s, struct store_chunk *c, uint64_t slot,
		       void *page)
{
	uint64_t *e = slot_word(c, slot);
	uint64_t v = __atomic_load_n(e, __ATOMIC_RELAXED);
	zsp_handle_t h;
	struct codec dec;
	const void *obj;
	int ret;

	if (!sample_eligible(v & ~SLOT_LOCK))
		return 0;
	v = slot_lock(e);
	if (!sample_eligible(v)) {
		slot_unlock(e, v);
		return 0;
	}
	h = (zsp_handle_t)(v & SLOT_HANDLE_MASK);
	obj = zsp_map(s->pool, h);
	dec = slot_codec(s, v);
	ret = codec_decompress(&dec, obj, slot_len(v), page);
	zsp_unmap(s->pool, h);
	slot_unlock(e, v);
	if (ret == -ENOMEM)
		return ret;
	return ret == 0;
}

/* Take @slot if it is stored, eligible and not yet in @slots[0..@got). */
static int sample_probe(struct store *s, uint64_t slot, const uint64_t *slots,
			unsigned int got, void *page)
{
	struct store_chunk *c = chunk_get(s, slot, false);

	if (!c || sample_taken(slots, got, slot))
		return 0;
	return sample_take(s, c, slot, page);
}

/* The first slot from @slot on (wrapping) that sample_probe() takes. */
static int sample_scan(struct store *s, uint64_t n, uint64_t slot,
		       const uint64_t *slots, unsigned int got, void *page,
		       uint64_t *budget, uint64_t *found)
{
	uint64_t left = n; /* one whole turn at most */

	while (left && *budget) {
		struct store_chunk *c = chunk_get(s, slot, false);
		uint64_t stop = chunk_end(slot / STORE_CHUNK_SLOTS, n);

		if (stop - slot > left)
			stop = slot + left;
		if (!c) {
			left -= stop - slot;
			--*budget;
			slot = stop;
		}
		for (; c && slot < stop && *budget; slot++) {
			int taken;

			left--;
			--*budget;
			if (sample_taken(slots, got, slot))
				continue;
			taken = sample_take(s, c, slot, page);
			if (taken) {
				*found = slot;
				return taken;
			}
		}
		if (slot >= n)
			slot = 0;
	}
	return 0;
}

int store_sample(struct store *s, uint64_t *seed, void *pages, uint64_t *slots,
		 unsigned int max)
{
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);
	uint64_t budget = SAMPLE_SCAN_MAX;
	unsigned char *out = pages;
	unsigned int got = 0;

	while (got < max && n && budget) {
		void *page = out + (size_t)got * FZ_PAGE_SIZE;
		uint64_t slot = 0;
		int taken = 0;

		for (unsigned int i = 0; i < SAMPLE_PROBES && budget && !taken;
		     i++, budget--) {
			slot = sample_rand(seed) % n;
			taken = sample_probe(s, slot, slots, got, page);
		}
		if (!taken)
			taken = sample_scan(s, n, sample_rand(seed) % n, slots,
					    got, page, &budget, &slot);
		if (taken < 0)
			return taken;
		if (!taken)
			break; /* a whole turn, or the budget, found nothing */
		slots[got++] = slot;
	}
	return (int)got;
}
