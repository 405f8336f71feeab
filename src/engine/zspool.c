// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zspool.c - the pool, size classes, regions, zspages and objects: alloc,
 * free, map and statistics.
 *
 * The layout is described in zspool.h, the bookkeeping and who may touch
 * which field in zspool_int.h; the handle table is in handle.c, compaction
 * and the validator in compact.c.
 *
 * Locks (zspool.h): class->migrate → class->lock → pool->region_lock →
 * pool->handle_lock.  Functions below that take a class say so; the rest
 * run with the caller holding class->lock.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zspool_int.h"

/* ---- geometry ---------------------------------------------------------- */

static unsigned int slot_of(size_t size)
{
	if (size < ZSP_MIN_CLASS)
		size = ZSP_MIN_CLASS;
	return (unsigned int)((size - ZSP_MIN_CLASS + ZSP_CLASS_STEP - 1) /
			      ZSP_CLASS_STEP);
}

/* pages_per_zspage for @size that wastes the least of the zspage's tail */
static unsigned int best_pages(unsigned int size, unsigned int chain)
{
	unsigned int best = 1;
	uint64_t best_used = 0;

	for (unsigned int n = 1; n <= chain; n++) {
		uint64_t span = (uint64_t)n * FZ_PAGE_SIZE;
		uint64_t used = span / size * size;

		/* used/span > best_used/best_span, in integers */
		if (used * best * FZ_PAGE_SIZE > best_used * span) {
			best = n;
			best_used = used;
		}
	}
	return best;
}

static int build_classes(struct zsp_pool *pool)
{
	unsigned int pages[ZSP_NR_CLASS_SLOTS], objs[ZSP_NR_CLASS_SLOTS];
	int rep[ZSP_NR_CLASS_SLOTS]; /* slot of the class it merges into */
	unsigned int n = 0;

	for (int s = ZSP_NR_CLASS_SLOTS - 1; s >= 0; s--) {
		unsigned int size = ZSP_MIN_CLASS + (unsigned int)s * ZSP_CLASS_STEP;

		pages[s] = best_pages(size, pool->chain);
		objs[s] = pages[s] * FZ_PAGE_SIZE / size;
		rep[s] = s;
		if (s + 1 < ZSP_NR_CLASS_SLOTS && pages[s] == pages[s + 1] &&
		    objs[s] == objs[s + 1])
			rep[s] = rep[s + 1];
		else
			n++;
	}
	pool->classes = calloc(n, sizeof(*pool->classes));
	if (!pool->classes)
		return -ENOMEM;
	pool->nclasses = n;

	unsigned int idx = 0;
	for (int s = 0; s < ZSP_NR_CLASS_SLOTS; s++) {
		if (rep[s] != s)
			continue;
		struct zsp_class *c = &pool->classes[idx];
		pthread_rwlockattr_t ra;

		pthread_rwlockattr_init(&ra);
		/* compaction must not starve behind a stream of readers */
		pthread_rwlockattr_setkind_np(
			&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&c->migrate, &ra);
		pthread_rwlockattr_destroy(&ra);
		pthread_mutex_init(&c->lock, NULL);
		c->size = ZSP_MIN_CLASS + (unsigned int)s * ZSP_CLASS_STEP;
		c->pages_per_zspage = pages[s];
		c->objs_per_zspage = objs[s];
		c->index = idx;
		/* smaller slots that merged into this one share it */
		for (int t = s; t >= 0 && rep[t] == s; t--)
			pool->size_to_class[t] = (uint8_t)idx;
		idx++;
	}
	return 0;
}

static struct zsp_class *class_of_size(struct zsp_pool *pool, size_t size)
{
	return &pool->classes[pool->size_to_class[slot_of(size)]];
}

unsigned int zsp_class_size(const struct zsp_pool *pool, size_t size)
{
	if (size == 0 || size > ZSP_MAX_ALLOC)
		return 0;
	return pool->classes[pool->size_to_class[slot_of(size)]].size;
}

unsigned int zsp_nr_classes(const struct zsp_pool *pool)
{
	return pool->nclasses;
}

/* ---- fullness groups (caller holds class->lock) ------------------------ */

static void list_add(struct zsp_pool *pool, struct zsp_class *c, uint32_t id,
		     unsigned int g)
{
	struct zsp_zspage *d = desc_of(pool, id);

	d->group = (uint8_t)g;
	d->prev = 0;
	d->next = c->fullness[g];
	if (d->next)
		desc_of(pool, d->next)->prev = id;
	c->fullness[g] = id;
}

void zsp_list_del(struct zsp_pool *pool, struct zsp_class *c, uint32_t id)
{
	struct zsp_zspage *d = desc_of(pool, id);

	if (d->group >= ZSP_NR_FULLNESS)
		return;
	if (d->prev)
		desc_of(pool, d->prev)->next = d->next;
	else
		c->fullness[d->group] = d->next;
	if (d->next)
		desc_of(pool, d->next)->prev = d->prev;
	d->group = ZSP_FULLNESS_NONE;
}

void zsp_regroup(struct zsp_pool *pool, struct zsp_class *c, uint32_t id)
{
	struct zsp_zspage *d = desc_of(pool, id);
	unsigned int g = group_of(c, d->inuse);

	if (d->group == g || d->group == ZSP_FULLNESS_ISOLATED)
		return;
	zsp_list_del(pool, c, id);
	list_add(pool, c, id, g);
}

/* ---- regions and zspages (caller holds class->lock) -------------------- */

static void room_del(struct zsp_pool *pool, struct zsp_class *c, uint32_t ri)
{
	struct zsp_region *r = &pool->regions[ri];

	if (!r->on_room)
		return;
	if (r->room_prev)
		pool->regions[r->room_prev].room_next = r->room_next;
	else
		c->room_head = r->room_next;
	if (r->room_next)
		pool->regions[r->room_next].room_prev = r->room_prev;
	r->on_room = 0;
}

static void room_add(struct zsp_pool *pool, struct zsp_class *c, uint32_t ri)
{
	struct zsp_region *r = &pool->regions[ri];

	if (r->on_room)
		return;
	r->room_prev = 0;
	r->room_next = c->room_head;
	if (c->room_head)
		pool->regions[c->room_head].room_prev = ri;
	c->room_head = ri;
	r->on_room = 1;
}

static int region_new(struct zsp_pool *pool, struct zsp_class *c)
{
	uint32_t ri = 0;
	unsigned int max_ord = ZSP_REGION_PAGES / c->pages_per_zspage;
	unsigned int cap = max_ord < ZSP_DESC_MIN ? max_ord : ZSP_DESC_MIN;
	struct zsp_zspage *desc;

	/*
	 * On the write path, under reclaim: the daemon is mlocked and this is
	 * a small calloc, so it cannot recurse into the swap it serves.
	 */
	desc = calloc(cap, sizeof(*desc));
	if (!desc)
		return -ENOMEM;
	pthread_mutex_lock(&pool->region_lock);
	if (pool->nregion_free)
		ri = pool->region_free[--pool->nregion_free];
	else if (pool->region_hw < pool->nregions)
		ri = pool->region_hw++;
	pthread_mutex_unlock(&pool->region_lock);
	if (!ri) {
		free(desc);
		return -ENOMEM;
	}
	struct zsp_region *r = &pool->regions[ri];
	r->desc = desc;
	r->cls = (uint16_t)c->index;
	r->bump = 0;
	r->nlive = 0;
	r->free_ord = 0;
	r->max_ord = (uint16_t)max_ord;
	r->desc_cap = (uint16_t)cap;
	r->on_room = 0;
	room_add(pool, c, ri);
	ZSP_ADD(&pool->meta_dyn, cap * sizeof(*desc));
	return 0;
}

static void region_release(struct zsp_pool *pool, struct zsp_class *c,
			   uint32_t ri)
{
	struct zsp_region *r = &pool->regions[ri];

	room_del(pool, c, ri);
	ZSP_SUB(&pool->meta_dyn, r->desc_cap * sizeof(*r->desc));
	free(r->desc);
	r->desc = NULL;
	pthread_mutex_lock(&pool->region_lock);
	pool->region_free[pool->nregion_free++] = ri;
	pthread_mutex_unlock(&pool->region_lock);
}

static int zspage_new(struct zsp_pool *pool, struct zsp_class *c, uint32_t *out)
{
	struct zsp_region *r;
	uint32_t ri, ord;
	int ret;

	if (!c->room_head) {
		ret = region_new(pool, c);
		if (ret < 0)
			return ret;
	}
	ri = c->room_head;
	r = &pool->regions[ri];
	if (!r->free_ord && r->bump == r->desc_cap) {
		/*
		 * Only holders of class->lock read this table, so it may move.
		 * It grows by an eighth, to stay close to what is used.
		 */
		unsigned int cap = r->desc_cap + r->desc_cap / 8u + 4u;
		struct zsp_zspage *nd;

		if (cap > r->max_ord)
			cap = r->max_ord;
		/* write path: a small realloc, rarely; the daemon is mlocked */
		nd = realloc(r->desc, cap * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		ZSP_ADD(&pool->meta_dyn, (cap - r->desc_cap) * sizeof(*nd));
		r->desc = nd;
		r->desc_cap = (uint16_t)cap;
	}
	if (r->free_ord) {
		ord = r->free_ord - 1;
		r->free_ord = r->desc[ord].next;
	} else {
		ord = r->bump++;
	}
	if (!r->free_ord && r->bump == r->max_ord)
		room_del(pool, c, ri);
	r->nlive++;

	struct zsp_zspage *d = &r->desc[ord];
	memset(d, 0, sizeof(*d));
	d->freeobj = ZSP_NO_OBJ;
	d->group = ZSP_FULLNESS_NONE;
	*out = (ri << ZSP_REGION_ORD_BITS) | ord;
	c->zspages++;
	return 0;
}

void zsp_zspage_release(struct zsp_pool *pool, struct zsp_class *c,
			uint32_t id)
{
	uint32_t ri = id >> ZSP_REGION_ORD_BITS;
	uint32_t ord = id & ZSP_REGION_ORD_MASK;
	struct zsp_region *r = &pool->regions[ri];

	zsp_list_del(pool, c, id);
	/* Failure leaves the pages resident but still reusable: no data loss */
	(void)fallocate(pool->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)zspage_off(c, id),
			(off_t)c->pages_per_zspage * FZ_PAGE_SIZE);
	uint64_t pages = backed(c, r->desc[ord].fresh);

	r->desc[ord].next = r->free_ord;
	r->desc[ord].group = ZSP_FULLNESS_NONE;
	r->free_ord = ord + 1;
	r->nlive--;
	c->zspages--;
	c->pages -= pages;
	ZSP_SUB(&pool->pages_used, pages);
	if (r->nlive == 0)
		region_release(pool, c, ri);
	else
		room_add(pool, c, ri);
}

/* ---- objects (caller holds class->lock) -------------------------------- */

int zsp_obj_alloc(struct zsp_pool *pool, struct zsp_class *c, bool may_grow,
		  uint32_t *loc)
{
	uint32_t id = 0;
	unsigned int idx;
	int ret;

	for (int g = ZSP_FULLNESS_FULL - 1; g >= 0 && !id; g--)
		id = c->fullness[g];
	if (!id) {
		if (!may_grow)
			return -ENOSPC;
		ret = zspage_new(pool, c, &id);
		if (ret < 0)
			return ret;
	}
	struct zsp_zspage *d = desc_of(pool, id);
	if (d->freeobj != ZSP_NO_OBJ) {
		idx = d->freeobj;
		d->freeobj = read_link(pool, loc_of(c, id, idx));
	} else {
		uint64_t more = backed(c, d->fresh + 1u) - backed(c, d->fresh);

		idx = d->fresh++;
		c->pages += more;
		ZSP_ADD(&pool->pages_used, more);
	}
	d->inuse++;
	zsp_regroup(pool, c, id);
	c->objs++;
	*loc = loc_of(c, id, idx);
	return 0;
}

uint32_t zsp_obj_free(struct zsp_pool *pool, struct zsp_class *c,
		      uint32_t loc)
{
	unsigned int idx;
	uint32_t id = id_of_loc(c, loc, &idx);
	struct zsp_zspage *d = desc_of(pool, id);
	uint16_t link = d->freeobj;

	if (idx + 1u == d->fresh) {
		/*
		 * The last object handed out: give it back to @fresh, and its
		 * page to the system if no other object is on it, so that a
		 * write refused by mem_limit leaves no page behind.
		 */
		uint64_t was = backed(c, d->fresh), now = backed(c, idx);

		d->fresh--;
		if (now < was) {
			/* an emptied zspage is punched whole on release */
			if (d->inuse > 1)
				(void)fallocate(
					pool->fd,
					FALLOC_FL_PUNCH_HOLE |
						FALLOC_FL_KEEP_SIZE,
					(off_t)(zspage_off(c, id) +
						now * FZ_PAGE_SIZE),
					(off_t)((was - now) * FZ_PAGE_SIZE));
			c->pages -= was - now;
			ZSP_SUB(&pool->pages_used, was - now);
		}
	} else {
		memcpy(loc_ptr(pool, loc), &link, sizeof(link));
		d->freeobj = (uint16_t)idx;
	}
	d->inuse--;
	c->objs--;
	if (d->inuse == 0)
		return id;
	zsp_regroup(pool, c, id);
	return 0;
}

/* ---- public API -------------------------------------------------------- */

int zsp_pool_create(uint64_t reserve_bytes, unsigned int chain,
		    struct zsp_pool **out)
{
	struct zsp_pool *pool;
	int ret;

	if (chain > ZSP_MAX_CHAIN)
		return -EINVAL;
	if (reserve_bytes == 0 || reserve_bytes > ZSP_MAX_RESERVE)
		reserve_bytes = ZSP_MAX_RESERVE;
	reserve_bytes = (reserve_bytes + ZSP_REGION_SIZE - 1) &
			~(ZSP_REGION_SIZE - 1);
	/* region 0 is never handed out: location 0 and zspage id 0 mean none */
	reserve_bytes += ZSP_REGION_SIZE;
	if (reserve_bytes > ZSP_MAX_RESERVE)
		reserve_bytes = ZSP_MAX_RESERVE;

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->fd = -1;
	pool->arena = MAP_FAILED;
	pool->reserve = reserve_bytes;
	pool->chain = chain ? chain : ZSP_DEFAULT_CHAIN;
	pool->nregions = (uint32_t)(reserve_bytes >> ZSP_REGION_SHIFT);
	pool->region_hw = 1;
	pthread_mutex_init(&pool->region_lock, NULL);
	pthread_mutex_init(&pool->handle_lock, NULL);

	ret = -ENOMEM;
	pool->regions = calloc(pool->nregions, sizeof(*pool->regions));
	pool->region_free = calloc(pool->nregions, sizeof(uint32_t));
	if (!pool->regions || !pool->region_free || zsp_handles_init(pool))
		goto out_free;
	ret = build_classes(pool);
	if (ret)
		goto out_free;

	pool->fd = memfd_create("fzram-pool", MFD_CLOEXEC);
	if (pool->fd < 0) {
		ret = -errno;
		goto out_free;
	}
	if (ftruncate(pool->fd, (off_t)reserve_bytes) < 0) {
		ret = -errno;
		goto out_free;
	}
	pool->arena = mmap(NULL, reserve_bytes, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_NORESERVE, pool->fd, 0);
	if (pool->arena == MAP_FAILED) {
		ret = -errno;
		goto out_free;
	}
	/*
	 * 4 KiB pages only: a huge page would make one small write take 2 MiB
	 * and a 4 KiB punch free nothing.  Advice, so failure is harmless.
	 */
	(void)madvise(pool->arena, reserve_bytes, MADV_NOHUGEPAGE);
	/* Swapped secrets live here: keep them out of core dumps (advice). */
	(void)madvise(pool->arena, reserve_bytes, MADV_DONTDUMP);
	*out = pool;
	return 0;

out_free:
	zsp_pool_destroy(pool);
	return ret;
}

void zsp_pool_destroy(struct zsp_pool *pool)
{
	if (!pool)
		return;
	if (pool->arena != MAP_FAILED)
		munmap(pool->arena, pool->reserve);
	if (pool->fd >= 0)
		close(pool->fd);
	zsp_handles_destroy(pool);
	for (unsigned int i = 0; i < pool->nclasses; i++) {
		struct zsp_class *c = &pool->classes[i];

		pthread_mutex_destroy(&c->lock);
		pthread_rwlock_destroy(&c->migrate);
	}
	free(pool->classes);
	if (pool->regions) {
		for (uint32_t i = 0; i < pool->nregions; i++)
			free(pool->regions[i].desc);
	}
	free(pool->regions);
	free(pool->region_free);
	pthread_mutex_destroy(&pool->region_lock);
	pthread_mutex_destroy(&pool->handle_lock);
	free(pool);
}

int zsp_alloc(struct zsp_pool *pool, size_t size, zsp_handle_t *out)
{
	struct zsp_class *c;
	zsp_handle_t h;
	uint32_t loc;
	int ret;

	if (size == 0 || size > ZSP_MAX_ALLOC)
		return -EINVAL;
	c = class_of_size(pool, size);
	pthread_mutex_lock(&c->lock);
	ret = zsp_handle_get(pool, c, &h);
	if (ret)
		goto out_unlock;
	ret = zsp_obj_alloc(pool, c, true, &loc);
	if (ret) {
		zsp_handle_put(pool, c, h);
		goto out_unlock;
	}
	*hent(pool, h) = loc;
	ZSP_ADD(&pool->objs, 1);
	ZSP_ADD(&pool->obj_bytes, c->size);
	*out = h;
out_unlock:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void zsp_free(struct zsp_pool *pool, zsp_handle_t h)
{
	struct zsp_class *c;
	uint32_t *e, empty;

	if (!h)
		return;
#ifdef ZSP_DEBUG
	zsp_handle_check_issued(pool, h, "zsp_free");
#endif
	c = class_of_handle(pool, h);
	pthread_mutex_lock(&c->lock);
#ifdef ZSP_DEBUG
	/* a second free would link the handle into the free list twice */
	zsp_handle_check_live(pool, h, "zsp_free");
#endif
	e = hent(pool, h);
	empty = zsp_obj_free(pool, c, *e);
	zsp_handle_put(pool, c, h);
	if (empty)
		zsp_zspage_release(pool, c, empty);
	pthread_mutex_unlock(&c->lock);
	ZSP_SUB(&pool->objs, 1);
	ZSP_SUB(&pool->obj_bytes, c->size);
}

void *zsp_map(struct zsp_pool *pool, zsp_handle_t h)
{
	struct zsp_class *c;

#ifdef ZSP_DEBUG
	zsp_handle_check_issued(pool, h, "zsp_map");
#endif
	c = class_of_handle(pool, h);
	pthread_rwlock_rdlock(&c->migrate);
#ifdef ZSP_DEBUG
	/* migrate → class lock is the lock order */
	pthread_mutex_lock(&c->lock);
	zsp_handle_check_live(pool, h, "zsp_map");
	pthread_mutex_unlock(&c->lock);
#endif
	return loc_ptr(pool, *hent(pool, h));
}

void zsp_unmap(struct zsp_pool *pool, zsp_handle_t h)
{
	pthread_rwlock_unlock(&class_of_handle(pool, h)->migrate);
}

/* ---- statistics -------------------------------------------------------- */

uint64_t zsp_pages_used(struct zsp_pool *pool)
{
	return ZSP_LOAD(&pool->pages_used);
}

void zsp_get_stats(struct zsp_pool *pool, struct zsp_stats *st)
{
	uint64_t hw;

	pthread_mutex_lock(&pool->region_lock);
	hw = pool->region_hw;
	pthread_mutex_unlock(&pool->region_lock);

	st->objs = ZSP_LOAD(&pool->objs);
	st->obj_bytes = ZSP_LOAD(&pool->obj_bytes);
	st->pages_used = ZSP_LOAD(&pool->pages_used);
	st->pages_compacted = ZSP_LOAD(&pool->pages_compacted);
	st->meta_bytes = sizeof(*pool) +
			 pool->nclasses * sizeof(struct zsp_class) +
			 hw * (sizeof(struct zsp_region) + sizeof(uint32_t)) +
			 zsp_handles_meta_bytes(pool) +
			 ZSP_LOAD(&pool->meta_dyn);
}

int zsp_get_class_stats(struct zsp_pool *pool, unsigned int idx,
			struct zsp_class_stats *st)
{
	struct zsp_class *c;

	if (idx >= pool->nclasses)
		return -EINVAL;
	c = &pool->classes[idx];
	pthread_mutex_lock(&c->lock);
	st->size = c->size;
	st->pages_per_zspage = c->pages_per_zspage;
	st->objs_per_zspage = c->objs_per_zspage;
	st->objs = c->objs;
	st->zspages = c->zspages;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
