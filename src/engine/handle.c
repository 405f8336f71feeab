// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * handle.c - the handle table: a handle is an index into it, and its 4-byte
 * entry holds the object's location, so that compaction can move objects
 * without the handle's owner knowing.
 *
 * The table is ZSP_NR_HCHUNKS chunks of ZSP_HCHUNK_SIZE entries, each chunk
 * mapped (zero-filled, resident only where touched) when the first batch in
 * it is handed out and never unmapped before the pool.  Handles go to a
 * class ZSP_HBATCH at a time; each batch records its class, so a handle
 * names its class without a lock, and a class finds its handles (for
 * compaction) through its list of batches.  A class's unused handles are
 * linked through their entries; a live bit per handle says which are
 * allocated.  Handle 0 (batch 0) is never handed out.
 *
 * Locks: class->lock (a class's free list, batch list, its batches' entries
 * and live bits) → pool->handle_lock (hnext, installing chunks and a new
 * batch's class).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "zspool_int.h"

int zsp_handles_init(struct zsp_pool *pool)
{
	pool->hnext = ZSP_HBATCH; /* batch 0 unused: handle 0 means none */
	pool->htab = calloc(ZSP_NR_HCHUNKS, sizeof(*pool->htab));
	return pool->htab ? 0 : -ENOMEM;
}

void zsp_handles_destroy(struct zsp_pool *pool)
{
	if (pool->classes) {
		for (unsigned int i = 0; i < pool->nclasses; i++) {
			free(pool->classes[i].batches);
			pool->classes[i].batches = NULL;
		}
	}
	if (pool->htab) {
		for (uint32_t i = 0; i < ZSP_NR_HCHUNKS; i++)
			if (pool->htab[i])
				munmap(pool->htab[i],
				       sizeof(struct zsp_hchunk));
	}
	free(pool->htab);
	pool->htab = NULL;
}

uint64_t zsp_handles_meta_bytes(struct zsp_pool *pool)
{
	uint64_t handles;

	pthread_mutex_lock(&pool->handle_lock);
	handles = pool->hnext;
	pthread_mutex_unlock(&pool->handle_lock);
	/* entries, live bits, batch classes, the chunk directory in use */
	return handles * sizeof(uint32_t) + handles / CHAR_BIT +
	       (handles >> ZSP_HBATCH_SHIFT) +
	       ((handles >> ZSP_HCHUNK_SHIFT) + 1) * sizeof(void *);
}

static void live_set(struct zsp_pool *pool, zsp_handle_t h, bool on)
{
	uint32_t *w =
	    &hchunk(pool, h)->live[(h & (ZSP_HCHUNK_SIZE - 1)) / ZSP_LIVE_BITS];
	uint32_t bit = 1u << (h % ZSP_LIVE_BITS);

	/* a batch's bits are one word of its own: the class lock covers it */
	*w = on ? *w | bit : *w & ~bit;
}

static int grow(uint32_t **v, size_t *cap, size_t need, uint64_t *meta)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	uint32_t *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	ZSP_ADD(meta, (ncap - *cap) * sizeof(**v));
	*v = nv;
	*cap = ncap;
	return 0;
}

int zsp_handle_get(struct zsp_pool *pool, struct zsp_class *c,
		   zsp_handle_t *out)
{
	uint64_t base;
	int ret;

	if (c->hfree) {
		*out = c->hfree;
		c->hfree = *hent(pool, c->hfree);
		c->nfree--;
		live_set(pool, *out, true);
		return 0;
	}
	/* reserve room first so a failure leaves nothing half done */
	ret = grow(&c->batches, &c->batches_cap, c->nbatches + 1,
		   &pool->meta_dyn);
	if (ret)
		return ret;

	pthread_mutex_lock(&pool->handle_lock);
	base = pool->hnext;
	if (base + ZSP_HBATCH > (1ULL << ZSP_HANDLE_BITS)) {
		pthread_mutex_unlock(&pool->handle_lock);
		return -ENOMEM;
	}
	struct zsp_hchunk *ch = pool->htab[base >> ZSP_HCHUNK_SHIFT];
	if (!ch) {
		/* zero-filled and resident only where touched */
		ch = mmap(NULL, sizeof(*ch), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ch == MAP_FAILED) {
			pthread_mutex_unlock(&pool->handle_lock);
			return -ENOMEM;
		}
		__atomic_store_n(&pool->htab[base >> ZSP_HCHUNK_SHIFT], ch,
				 __ATOMIC_RELEASE);
	}
	ch->batch_class[(base & (ZSP_HCHUNK_SIZE - 1)) >> ZSP_HBATCH_SHIFT] =
	    (uint8_t)c->index;
	pool->hnext = base + ZSP_HBATCH;
	pthread_mutex_unlock(&pool->handle_lock);

	c->batches[c->nbatches++] = (uint32_t)base;
	for (uint32_t i = ZSP_HBATCH - 1; i >= 1; i--) {
		*hent(pool, (zsp_handle_t)base + i) = c->hfree;
		c->hfree = (uint32_t)base + i;
	}
	c->nfree += ZSP_HBATCH - 1;
	*out = (zsp_handle_t)base;
	live_set(pool, *out, true);
	return 0;
}

void zsp_handle_put(struct zsp_pool *pool, struct zsp_class *c, zsp_handle_t h)
{
	live_set(pool, h, false);
	*hent(pool, h) = c->hfree;
	c->hfree = h;
	c->nfree++;
}

#ifdef ZSP_DEBUG
static void handle_abort(zsp_handle_t h, const char *what, const char *why)
{
	fprintf(stderr, "fzram: zspool: %s(handle %u): %s\n", what, h, why);
	abort();
}

void zsp_handle_check_issued(struct zsp_pool *pool, zsp_handle_t h,
			     const char *what)
{
	uint64_t hnext;

	pthread_mutex_lock(&pool->handle_lock);
	hnext = pool->hnext;
	pthread_mutex_unlock(&pool->handle_lock);
	/* batch 0 is never handed out; batches below hnext all were */
	if (h < ZSP_HBATCH || h >= hnext)
		handle_abort(h, what, "not a handle this pool handed out");
}

void zsp_handle_check_live(struct zsp_pool *pool, zsp_handle_t h,
			   const char *what)
{
	if (!is_live(pool, h))
		handle_abort(
		    h, what,
		    "not allocated (freed already, or never allocated)");
}
#endif
