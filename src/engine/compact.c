// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * compact.c - compaction, and the validator that debug builds and tests run.
 *
 * Compaction empties a class's sparsest zspages into its fullest ones: with
 * the class's migrate lock held for writing no object is mapped, so objects
 * can move and their handle entries be rewritten (handles stay valid).  The
 * candidates to empty are isolated (off every fullness list) while their
 * objects move, so that the allocator does not refill them.
 *
 * Locks (zspool.h): class->migrate (write) → class->lock, one class at a
 * time; the validator takes every class's at once, in index order.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zspool_int.h"

struct zsp_cand {
	uint32_t id;
	uint16_t inuse;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct zsp_cand *x = a, *y = b;

	if (x->inuse != y->inuse)
		return x->inuse > y->inuse ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Compact class @c; caller holds c->migrate for writing and c->lock. */
static uint64_t compact_class(struct zsp_pool *pool, struct zsp_class *c)
{
	struct zsp_cand *cand;
	size_t n = 0, need, i;
	uint64_t total = 0, before = 0, after, start = c->pages;

	for (int g = 0; g < ZSP_FULLNESS_FULL; g++)
		for (uint32_t id = c->fullness[g]; id;
		     id = desc_of(pool, id)->next) {
			before += backed(c, desc_of(pool, id)->fresh);
			n++;
		}
	if (n == 0)
		return 0;
	/* not on the write path: compaction runs on request */
	cand = malloc(n * sizeof(*cand));
	if (!cand)
		return 0;
	n = 0;
	for (int g = 0; g < ZSP_FULLNESS_FULL; g++)
		for (uint32_t id = c->fullness[g]; id;
		     id = desc_of(pool, id)->next) {
			cand[n].id = id;
			cand[n].inuse = desc_of(pool, id)->inuse;
			total += cand[n].inuse;
			n++;
		}
	qsort(cand, n, sizeof(*cand), cand_cmp);
	/*
	 * The fullest @need zspages are filled up with the objects of the
	 * rest; what does not fill a whole zspage goes to a new one, packed
	 * at its start so that only the pages it needs are backed.
	 */
	need = (size_t)(total / c->objs_per_zspage);
	after = need * c->pages_per_zspage +
		backed(c, (unsigned int)(total % c->objs_per_zspage));
	if (after >= before)
		goto out;
	for (i = need; i < n; i++) {
		zsp_list_del(pool, c, cand[i].id);
		desc_of(pool, cand[i].id)->group = ZSP_FULLNESS_ISOLATED;
		/* off every list, @next remembers the candidate's index */
		desc_of(pool, cand[i].id)->next = (uint32_t)i;
	}
	for (size_t b = 0; b < c->nbatches; b++) {
		for (uint32_t h = c->batches[b]; h < c->batches[b] + ZSP_HBATCH;
		     h++) {
			uint32_t *e = hent(pool, h);
			uint32_t nloc, empty;

			if (!is_live(pool, h) ||
			    desc_of(pool, id_of_loc(c, *e, NULL))->group !=
				ZSP_FULLNESS_ISOLATED)
				continue;
			/* adds one zspage at most, once the rest are full */
			if (zsp_obj_alloc(pool, c, true, &nloc))
				goto out_restore; /* no memory for it */
			memcpy(loc_ptr(pool, nloc), loc_ptr(pool, *e), c->size);
			empty = zsp_obj_free(pool, c, *e);
			*e = nloc;
			if (empty) {
				struct zsp_zspage *d = desc_of(pool, empty);

				cand[d->next].id = 0;
				d->group = ZSP_FULLNESS_NONE;
				zsp_zspage_release(pool, c, empty);
			}
		}
	}
	goto out;
out_restore:
	/* put back what was not emptied (emptied ones have id 0) */
	for (i = need; i < n; i++) {
		if (!cand[i].id)
			continue;
		desc_of(pool, cand[i].id)->group = ZSP_FULLNESS_NONE;
		zsp_regroup(pool, c, cand[i].id);
	}
out:
	free(cand);
	return start > c->pages ? start - c->pages : 0;
}

uint64_t zsp_compact(struct zsp_pool *pool)
{
	uint64_t freed = 0;

	for (unsigned int i = 0; i < pool->nclasses; i++) {
		struct zsp_class *c = &pool->classes[i];

		pthread_rwlock_wrlock(&c->migrate);
		pthread_mutex_lock(&c->lock);
		freed += compact_class(pool, c);
		pthread_mutex_unlock(&c->lock);
		pthread_rwlock_unlock(&c->migrate);
	}
#ifdef ZSP_DEBUG
	{
		char why[256];

		if (zsp_validate(pool, why, sizeof(why))) {
			fprintf(stderr, "zspool: after compaction: %s\n", why);
			abort();
		}
	}
#endif
	ZSP_ADD(&pool->pages_compacted, freed);
	return freed;
}

/* ---- validation -------------------------------------------------------- */

#define BAD(...)                                                               \
	do {                                                                   \
		snprintf(why, why_len, __VA_ARGS__);                           \
		return -EUCLEAN;                                               \
	} while (0)

static int validate_class(struct zsp_pool *pool, struct zsp_class *c, char *why,
			  size_t why_len)
{
	uint64_t zspages = 0, objs = 0, live = 0, pages = 0;

	for (int g = 0; g < ZSP_NR_FULLNESS; g++) {
		uint32_t prev = 0;

		for (uint32_t id = c->fullness[g]; id;
		     prev = id, id = desc_of(pool, id)->next) {
			struct zsp_zspage *d = desc_of(pool, id);
			struct zsp_region *r =
			    &pool->regions[id >> ZSP_REGION_ORD_BITS];
			unsigned int nfree = 0;

			if (r->cls != c->index)
				BAD("class %u: zspage %u in region of class %u",
				    c->size, id, r->cls);
			if (d->group != g || d->prev != prev)
				BAD("class %u: zspage %u bad links", c->size,
				    id);
			if (d->inuse == 0 ||
			    group_of(c, d->inuse) != (unsigned int)g)
				BAD("class %u: zspage %u inuse %u in group %d",
				    c->size, id, d->inuse, g);
			if (d->fresh > c->objs_per_zspage ||
			    d->inuse > d->fresh)
				BAD("class %u: zspage %u fresh %u inuse %u",
				    c->size, id, d->fresh, d->inuse);
			for (uint16_t o = d->freeobj; o != ZSP_NO_OBJ;
			     o = read_link(pool, loc_of(c, id, o))) {
				if (o >= d->fresh || ++nfree > d->fresh)
					BAD("class %u: zspage %u bad free list",
					    c->size, id);
			}
			if (d->inuse + nfree != d->fresh)
				BAD("class %u: zspage %u: %u used + %u free != "
				    "%u",
				    c->size, id, d->inuse, nfree, d->fresh);
			zspages++;
			objs += d->inuse;
			pages += backed(c, d->fresh);
		}
	}
	if (pages != c->pages)
		BAD("class %u: zspages back %llu pages, counted %llu", c->size,
		    (unsigned long long)pages, (unsigned long long)c->pages);
	if (zspages != c->zspages || objs != c->objs)
		BAD("class %u: lists hold %llu zspages %llu objs, counted "
		    "%llu %llu",
		    c->size, (unsigned long long)zspages,
		    (unsigned long long)objs, (unsigned long long)c->zspages,
		    (unsigned long long)c->objs);
	for (size_t b = 0; b < c->nbatches; b++) {
		for (uint32_t h = c->batches[b]; h < c->batches[b] + ZSP_HBATCH;
		     h++) {
			uint32_t loc = *hent(pool, h);
			unsigned int idx;
			uint32_t id;

			if (class_of_handle(pool, h) != c)
				BAD("handle %u: wrong class", h);
			if (!is_live(pool, h))
				continue;
			id = id_of_loc(c, loc, &idx);
			struct zsp_region *r =
			    &pool->regions[id >> ZSP_REGION_ORD_BITS];

			if (!r->desc || r->cls != c->index ||
			    idx >= desc_of(pool, id)->fresh)
				BAD("handle %u: bad location %u", h, loc);
			live++;
		}
	}
	if (live != c->objs)
		BAD("class %u: %llu live handles, %llu objects", c->size,
		    (unsigned long long)live, (unsigned long long)c->objs);
	if (c->nbatches * ZSP_HBATCH != live + c->nfree)
		BAD("class %u: handles leaked", c->size);
	uint64_t nfree = 0;
	for (uint32_t h = c->hfree; h; h = *hent(pool, h))
		if (is_live(pool, h) || ++nfree > c->nfree)
			BAD("class %u: bad free handle list", c->size);
	if (nfree != c->nfree)
		BAD("class %u: %llu free handles listed, %llu counted", c->size,
		    (unsigned long long)nfree, (unsigned long long)c->nfree);
	return 0;
}

int zsp_validate(struct zsp_pool *pool, char *why, size_t why_len)
{
	uint64_t pages = 0;
	unsigned int i;
	int ret = 0;

	/*
	 * Every class at once, in index order (nothing else holds two class
	 * locks), so that the pool's page count is checked against a still
	 * picture even while other threads run.
	 */
	for (i = 0; i < pool->nclasses; i++) {
		pthread_rwlock_wrlock(&pool->classes[i].migrate);
		pthread_mutex_lock(&pool->classes[i].lock);
	}
	for (i = 0; i < pool->nclasses && !ret; i++) {
		ret = validate_class(pool, &pool->classes[i], why, why_len);
		pages += pool->classes[i].pages;
	}
	if (!ret && pages != ZSP_LOAD(&pool->pages_used)) {
		snprintf(why, why_len,
			 "pool: classes hold %llu pages, counted "
			 "%llu",
			 (unsigned long long)pages,
			 (unsigned long long)ZSP_LOAD(&pool->pages_used));
		ret = -EUCLEAN;
	}
	for (i = pool->nclasses; i-- > 0;) {
		pthread_mutex_unlock(&pool->classes[i].lock);
		pthread_rwlock_unlock(&pool->classes[i].migrate);
	}
	return ret;
}
