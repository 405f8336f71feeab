// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bk_space.c - the backing tier's space map and id table: segments (free,
 * open, full; the free and dirty lists), the per-block live counts, placing
 * an object at the head and taking it out again, and handing out and taking
 * back ids.  backing_int.h says how they are laid out.
 *
 * No I/O here, and no lock taken: every function but init and destroy runs
 * with the caller holding bk->lock (backing_int.h), so that one object's
 * counts, its segment and its id change together.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backing_int.h"

/* ---- Tables ------------------------------------------------------------- */

int bk_space_init(struct backing *bk)
{
	bk->segs = calloc(bk->nsegs, sizeof(*bk->segs));
	/* resident only where touched: calloc of this size maps zeros */
	bk->blk = calloc(bk->size / BLK, sizeof(*bk->blk));
	if (!bk->segs || !bk->blk)
		return -ENOMEM;
	bk->free_head = BK_NONE;
	bk->dirty_head = BK_NONE;
	bk->head = BK_NONE;
	/* every segment is free, but only those freed after use are on the
	 * list: the never-used ones, [fresh, nsegs), are taken in order, so
	 * that nothing of the tables is touched (made resident) before the
	 * space it maps is used */
	bk->fresh = 0;
	bk->nfree = bk->nsegs;
	return 0;
}

void bk_space_destroy(struct backing *bk)
{
	if (bk->ids)
		for (uint32_t c = 0; c < bk->ids_cap; c++)
			free(bk->ids[c]);
	free(bk->ids);
	free(bk->segs);
	free(bk->blk);
}

/* ---- Space: caller holds bk->lock -------------------------------------- */

void bk_seg_dirty(struct backing *bk, uint32_t s)
{
	if (bk->segs[s].dirty)
		return;
	bk->segs[s].dirty = 1;
	bk->segs[s].dnext = bk->dirty_head;
	bk->dirty_head = s;
}

void bk_seg_free(struct backing *bk, uint32_t s)
{
	bk->segs[s].state = BK_SEG_FREE;
	bk->segs[s].next = bk->free_head;
	bk->free_head = s;
	bk->nfree++;
}

static void blk_get(struct backing *bk, uint64_t off, unsigned int len)
{
	for (uint64_t b = off / BLK; b <= (off + len - 1) / BLK; b++) {
		if (!(bk->blk[b] & BK_ONDISK)) {
			bk->blk[b] |= BK_ONDISK;
			bk->used_blocks++;
		}
		bk->blk[b]++;
	}
}

/* The object at @off, @len bytes, is no longer live. */
void bk_unplace(struct backing *bk, uint64_t off, unsigned int len)
{
	uint32_t s = (uint32_t)(off / SEG);

	for (uint64_t b = off / BLK; b <= (off + len - 1) / BLK; b++)
		if ((--bk->blk[b] & BK_COUNT) == 0)
			bk_seg_dirty(bk, (uint32_t)(b / (SEG / BLK)));
	bk->segs[s].live--;
	bk->segs[s].live_bytes -= len;
	if (bk->segs[s].live == 0 && bk->segs[s].state == BK_SEG_FULL)
		bk_seg_free(bk, s);
}

/* Reserve @len bytes at the head, opening a new one when they do not fit;
 * only compaction (@reserve) may take the last BK_RESERVE_SEGS free ones. */
int bk_place(struct backing *bk, unsigned int len, bool reserve, uint64_t *off)
{
	uint32_t s;

	if (bk->head == BK_NONE || bk->head_fill + len > SEG) {
		if (!bk->nfree || (!reserve && bk->nfree <= BK_RESERVE_SEGS))
			return -ENOSPC;
		s = bk->free_head;
		if (s != BK_NONE)
			bk->free_head = bk->segs[s].next; /* reuse first */
		else
			s = bk->fresh++; /* then space never used */
		bk->nfree--;
		if (bk->head != BK_NONE) {
			uint32_t h = bk->head;

			bk->segs[h].state = BK_SEG_FULL;
			if (bk->segs[h].live == 0)
				bk_seg_free(bk, h);
			bk_seg_dirty(bk,
				     h); /* its tail may hold stale blocks */
		}
		bk->head = s;
		bk->head_fill = 0;
		bk->segs[s].state = BK_SEG_OPEN;
	}
	*off = (uint64_t)bk->head * SEG + bk->head_fill;
	bk->head_fill += len;
	blk_get(bk, *off, len);
	bk->segs[bk->head].live++;
	bk->segs[bk->head].live_bytes += len;
	return 0;
}

/* ---- Ids: caller holds bk->lock ---------------------------------------- */

/* A free id.  Allocates (a chunk, or a larger directory) on the worker only,
 * never on the request path; a failure leaves the object unwritten. */
int bk_id_alloc(struct backing *bk, bk_id_t *out)
{
	uint32_t c;

	if (bk->id_free) {
		*out = bk->id_free;
		bk->id_free = (uint32_t)ent(bk, *out)->where;
		return 0;
	}
	if (bk->id_next > BK_MAX_ID)
		return -ENOMEM;
	c = bk->id_next >> BK_ID_SHIFT;
	if (c >= bk->ids_cap) {
		uint32_t ncap = bk->ids_cap ? bk->ids_cap * 2 : 16;
		struct bk_ent **d = realloc(bk->ids, ncap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		memset(d + bk->ids_cap, 0, (ncap - bk->ids_cap) * sizeof(*d));
		bk->id_bytes += (ncap - bk->ids_cap) * sizeof(*d);
		bk->ids = d;
		bk->ids_cap = ncap;
	}
	if (!bk->ids[c]) {
		bk->ids[c] = calloc(BK_ID_CHUNK, sizeof(struct bk_ent));
		if (!bk->ids[c])
			return -ENOMEM;
		bk->id_bytes += BK_ID_CHUNK * sizeof(struct bk_ent);
	}
	*out = bk->id_next++;
	return 0;
}

void bk_id_put(struct backing *bk, bk_id_t id)
{
	struct bk_ent *e = ent(bk, id);

	e->gen = 0;
	e->where = bk->id_free;
	bk->id_free = id;
}
