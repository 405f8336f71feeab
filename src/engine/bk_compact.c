// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bk_compact.c - giving the backing tier's space back: backing_maintain()
 * punches the blocks and segments that became empty, and backing_compact()
 * moves the live objects of sparse full segments to the head (still
 * sealed: the seal does not bind the offset), repoints their ids and frees
 * the old segments.  Both run on the tier's worker only, so no block they
 * punch can be written again meanwhile (backing_int.h).
 *
 * Locks (backing.h): bk->move (exclusive, only while the moved ids are
 * repointed, so that no reader is between its look-up and its pread) →
 * bk->lock (short, never across I/O: a chunk of the id table, a segment's
 * dirty blocks, a batch's settling).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "backing_int.h"

/* ---- Punching ----------------------------------------------------------- */

uint64_t backing_maintain(struct backing *bk)
{
	uint32_t keep = BK_NONE;
	uint64_t punched = 0;

	pthread_mutex_lock(&bk->lock);
	if (bk->head != BK_NONE && bk->segs[bk->head].live == 0 &&
	    bk->head_fill) {
		/* an empty head starts again at its beginning, so that its
		 * partial block can go too */
		bk->head_fill = 0;
		bk_seg_dirty(bk, bk->head);
	}
	pthread_mutex_unlock(&bk->lock);
	for (;;) {
		uint64_t runs[SEG / BLK][2];
		unsigned int nruns = 0;
		uint64_t b0, skip = UINT64_MAX;
		uint32_t s;

		pthread_mutex_lock(&bk->lock);
		s = bk->dirty_head;
		if (s == BK_NONE) {
			if (keep != BK_NONE)
				bk_seg_dirty(bk, keep);
			pthread_mutex_unlock(&bk->lock);
			break;
		}
		bk->dirty_head = bk->segs[s].dnext;
		bk->segs[s].dirty = 0;
		b0 = (uint64_t)s * (SEG / BLK);
		if (s == bk->head && bk->head_fill % BLK)
			skip = b0 + bk->head_fill / BLK; /* still to rewrite */
		for (uint64_t b = b0; b < b0 + SEG / BLK; b++) {
			if (bk->blk[b] != BK_ONDISK) /* live, or punched */
				continue;
			if (b == skip) {
				keep = s;
				continue;
			}
			bk->blk[b] = 0;
			bk->used_blocks--;
			if (nruns && runs[nruns - 1][1] == b * BLK)
				runs[nruns - 1][1] += BLK;
			else {
				runs[nruns][0] = b * BLK;
				runs[nruns++][1] = (b + 1) * BLK;
			}
		}
		pthread_mutex_unlock(&bk->lock);
		/* no lock: only this thread writes blocks again */
		for (unsigned int i = 0; i < nruns; i++)
			punched +=
			    bk_punch(bk, runs[i][0], runs[i][1] - runs[i][0]);
	}
	return punched;
}

/* ---- Compaction --------------------------------------------------------- */

struct bk_mv {
	uint64_t gen;	/* the entry as found */
	uint64_t where; /* the entry as found */
	uint32_t live;	/* its segment's live bytes, as collected */
	bk_id_t id;
};

/* Emptiest segments first (most gained for what is moved), each segment's
 * objects together and in disk order. */
static int mv_cmp(const void *a, const void *b)
{
	const struct bk_mv *x = a, *y = b;

	if (x->live != y->live)
		return x->live < y->live ? -1 : 1;
	return x->where < y->where ? -1 : x->where > y->where;
}

/* The live objects of the victim segments, in disk order, into *@out. */
static int64_t bk_collect(struct backing *bk, struct bk_mv **out)
{
	struct bk_mv *mv = NULL;
	size_t n = 0, cap = 0;
	uint32_t end;

	pthread_mutex_lock(&bk->lock);
	end = bk->id_next;
	pthread_mutex_unlock(&bk->lock);
	for (uint32_t c = 0; c <= (end - 1) >> BK_ID_SHIFT; c++) {
		pthread_mutex_lock(&bk->lock);
		for (uint32_t i = 0; i < BK_ID_CHUNK; i++) {
			bk_id_t id = c << BK_ID_SHIFT | i;
			struct bk_ent *e;

			if (id >= end)
				break;
			e = ent_live(bk, id);
			if (!e)
				continue;
			if (!bk->segs[(e->where >> BK_LEN_BITS) / SEG].victim)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				struct bk_mv *m =
				    realloc(mv, ncap * sizeof(*m));

				if (!m) {
					pthread_mutex_unlock(&bk->lock);
					free(mv);
					return -ENOMEM;
				}
				mv = m;
				cap = ncap;
			}
			mv[n++] = (struct bk_mv){e->gen, e->where, 0, id};
		}
		pthread_mutex_unlock(&bk->lock);
	}
	/* by offset (all live 0), then each segment's total, then by it */
	qsort(mv, n, sizeof(*mv), mv_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t seg = (mv[i].where >> BK_LEN_BITS) / SEG;
		uint32_t live = 0;

		for (j = i; j < n && (mv[j].where >> BK_LEN_BITS) / SEG == seg;
		     j++)
			live += (uint32_t)(mv[j].where & BK_LEN_MASK);
		for (size_t k = i; k < j; k++)
			mv[k].live = live;
	}
	qsort(mv, n, sizeof(*mv), mv_cmp);
	*out = mv;
	return (int64_t)n;
}

/* Move @n objects of @mv, all in the segment read into bk->cbuf from
 * @seg_off; returns 0, -ENOSPC or -EIO (what moved stays moved). */
static int bk_move(struct backing *bk, const struct bk_mv *mv, unsigned int n,
		   uint64_t seg_off, uint64_t *moved_bytes)
{
	struct bk_obj *o = bk->objs;
	unsigned int moved = 0;
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		o[i].dlen = (unsigned int)(mv[i].where & BK_LEN_MASK);
		o[i].src = bk->cbuf + ((mv[i].where >> BK_LEN_BITS) - seg_off);
	}
	bk_append(bk, o, n, true);

	/* repoint: a reader that found the old place has finished its read */
	pthread_rwlock_wrlock(&bk->move);
	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct bk_ent *e;

		if (o[i].err) {
			err = err ? err : o[i].err;
			o[i].src = NULL;
			continue;
		}
		e = ent_live(bk, mv[i].id);
		if (e && e->gen == mv[i].gen && e->where == mv[i].where) {
			e->where = o[i].off << BK_LEN_BITS | o[i].dlen;
		} else { /* freed meanwhile: the copy is dead */
			bk_unplace(bk, o[i].off, o[i].dlen);
			o[i].src = NULL;
		}
	}
	pthread_mutex_unlock(&bk->lock);
	pthread_rwlock_unlock(&bk->move);

	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		if (!o[i].src)
			continue;
		bk_unplace(bk, mv[i].where >> BK_LEN_BITS, o[i].dlen);
		*moved_bytes += o[i].dlen;
		moved++;
	}
	pthread_mutex_unlock(&bk->lock);
	RELAXED_ADD(&bk->moved, moved);
	return err;
}

int64_t backing_compact(struct backing *bk)
{
	uint64_t moved_bytes = 0, freed = 0;
	struct bk_mv *mv = NULL;
	unsigned int nvictims = 0;
	int64_t n, i = 0;
	int err = 0;

	pthread_mutex_lock(&bk->lock);
	for (uint32_t s = 0; s < bk->fresh; s++) {
		struct bk_seg *g = &bk->segs[s];

		g->victim =
		    g->state == BK_SEG_FULL && g->live &&
		    g->live_bytes < (uint64_t)SEG * BK_COMPACT_LIVE_PCT / 100;
		nvictims += g->victim;
	}
	pthread_mutex_unlock(&bk->lock);
	if (!nvictims)
		return 0;

	n = bk_collect(bk, &mv);
	if (n < 0) {
		err = (int)n;
		n = 0;
	}
	while (i < n && !err) {
		uint64_t seg = (mv[i].where >> BK_LEN_BITS) / SEG;
		uint64_t seg_off = seg * SEG, last;
		int64_t j = i;

		while (j < n && (mv[j].where >> BK_LEN_BITS) / SEG == seg)
			j++;
		last = (mv[j - 1].where >> BK_LEN_BITS) +
		       (mv[j - 1].where & BK_LEN_MASK);
		err = bk_pread(bk, bk->cbuf, round_up(last) - seg_off, seg_off);
		for (int64_t k = i; k < j && !err; k += BK_MAX_BATCH) {
			unsigned int m =
			    (unsigned int)(j - k < BK_MAX_BATCH ? j - k
								: BK_MAX_BATCH);

			err = bk_move(bk, mv + k, m, seg_off, &moved_bytes);
		}
		pthread_mutex_lock(&bk->lock);
		if (bk->segs[seg].state == BK_SEG_FREE)
			freed += SEG;
		pthread_mutex_unlock(&bk->lock);
		i = j;
	}
	free(mv);

	pthread_mutex_lock(&bk->lock);
	for (uint32_t s = 0; s < bk->fresh; s++)
		bk->segs[s].victim = 0;
	pthread_mutex_unlock(&bk->lock);
	backing_maintain(bk);
	if (err && err != -ENOSPC)
		return err;
	return freed > moved_bytes ? (int64_t)(freed - moved_bytes) : 0;
}
