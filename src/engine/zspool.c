// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zspool.c - size classes, zspages, fullness groups, handles and compaction.
 *
 * The layout is described in zspool.h.  Here, the bookkeeping:
 *
 * - A zspage is named by its id, (region << ZSP_REGION_ORD_BITS) | ordinal;
 *   region 0 is never used, so id 0 means "none".  Its 16-byte descriptor
 *   lives in the region's table.  Free objects of a zspage form a list
 *   threaded through the objects themselves (the first two bytes of a free
 *   object hold the next free index); objects never handed out are counted
 *   by @fresh instead, so a new zspage is not touched until it is used.
 * - A location is the object's arena offset divided by 16: every class size
 *   is a multiple of 16 and every zspage starts on a page, so it is exact.
 * - Fullness groups 0..9 hold zspages whose inuse ratio is in that tenth;
 *   group 10 holds full zspages.  An empty zspage is released at once.
 *
 * Lock order and what each lock protects are in zspool.h; fields below say
 * which lock protects them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "zspool.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ZSP_REGION_SHIFT 22 /* 4 MiB regions */
#define ZSP_REGION_SIZE (1ULL << ZSP_REGION_SHIFT)
#define ZSP_REGION_PAGES (1u << (ZSP_REGION_SHIFT - FZ_PAGE_SHIFT))
#define ZSP_REGION_ORD_BITS 10 /* up to 1024 zspages per region */
#define ZSP_REGION_ORD_MASK ((1u << ZSP_REGION_ORD_BITS) - 1)
#define ZSP_LOC_SHIFT 4 /* a location counts 16-byte units of the arena */
#define ZSP_LOC_UNIT (1u << ZSP_LOC_SHIFT)
#define ZSP_HANDLE_BITS 32 /* zsp_handle_t, and a location's width */
#define ZSP_HCHUNK_SHIFT 16 /* handles per handle-table chunk: 65536 */
#define ZSP_HCHUNK_SIZE (1u << ZSP_HCHUNK_SHIFT)
#define ZSP_HBATCH_SHIFT 5 /* handles given to a class at once: 32 */
#define ZSP_HBATCH (1u << ZSP_HBATCH_SHIFT)
#define ZSP_LIVE_BITS 32 /* handles per word of a chunk's live bitmap */
#define ZSP_NR_HCHUNKS (1u << (ZSP_HANDLE_BITS - ZSP_HCHUNK_SHIFT))
#define ZSP_DESC_MIN 8 /* descriptors a new region's table starts with */
#define ZSP_NO_OBJ 0xffff

/* Every object starts on a location: class sizes are whole units. */
_Static_assert(ZSP_MIN_CLASS % ZSP_LOC_UNIT == 0, "ZSP_MIN_CLASS");
_Static_assert(ZSP_CLASS_STEP % ZSP_LOC_UNIT == 0, "ZSP_CLASS_STEP");
/* A location (32 bits of 16-byte units) reaches the whole reserve. */
_Static_assert(ZSP_MAX_RESERVE <= 1ULL << (ZSP_HANDLE_BITS + ZSP_LOC_SHIFT),
	       "ZSP_MAX_RESERVE");
/* Any ordinal of a region fits its bits of a zspage id. */
_Static_assert(ZSP_REGION_PAGES <= 1u << ZSP_REGION_ORD_BITS,
	       "ZSP_REGION_ORD_BITS");
/* Object indices within a zspage fit 16 bits, ZSP_NO_OBJ excluded. */
_Static_assert(ZSP_MAX_CHAIN * FZ_PAGE_SIZE / ZSP_MIN_CLASS < ZSP_NO_OBJ,
	       "ZSP_NO_OBJ");
/* A batch owns one whole live word, which its class lock covers. */
_Static_assert(ZSP_HBATCH == ZSP_LIVE_BITS, "ZSP_LIVE_BITS");

enum zsp_fullness {
	ZSP_FULLNESS_FULL = 10, /* groups 0..9: inuse ratio by tenths */
	ZSP_NR_FULLNESS,
	ZSP_FULLNESS_NONE = 0xfe,     /* new, on no list */
	ZSP_FULLNESS_ISOLATED = 0xff, /* being emptied by compaction */
};

struct zsp_zspage {
	uint32_t next;    /* fullness list, or free-ordinal list; class->lock */
	uint32_t prev;    /* fullness list; class->lock */
	uint16_t inuse;   /* live objects, <= objs_per_zspage */
	uint16_t freeobj; /* first freed object, ZSP_NO_OBJ if none */
	uint16_t fresh;   /* objects ever handed out; those >= fresh are free */
	uint8_t group;    /* enum zsp_fullness */
	uint8_t unused;
};

struct zsp_region {
	struct zsp_zspage *desc; /* per ordinal; NULL while the region is free */
	uint32_t room_next;      /* class's list of regions with room */
	uint32_t room_prev;
	uint32_t free_ord;       /* freed ordinals, stacked through desc.next,
				    stored +1 (0 = none) */
	uint16_t cls;            /* owning class index */
	uint16_t bump;           /* ordinals ever handed out */
	uint16_t nlive;          /* zspages in use */
	uint16_t max_ord;        /* ZSP_REGION_PAGES / pages_per_zspage */
	uint16_t desc_cap;       /* entries allocated in desc (>= bump); the
				    table grows with use, under class->lock */
	uint8_t on_room;         /* on the class's room list */
};

struct zsp_hchunk {
	uint32_t ent[ZSP_HCHUNK_SIZE]; /* live: location; free: next free
					  handle of the class (0 = end) */
	uint32_t live[ZSP_HCHUNK_SIZE / ZSP_LIVE_BITS]; /* bit set: handle in use; one
						word per batch */
	uint8_t batch_class[ZSP_HCHUNK_SIZE / ZSP_HBATCH]; /* batch's class */
};

struct zsp_class {
	pthread_rwlock_t migrate; /* read: mapped objects; write: compaction */
	pthread_mutex_t lock;     /* everything below */
	unsigned int size;        /* object slot size */
	unsigned int objs_per_zspage;
	unsigned int pages_per_zspage;
	unsigned int index;
	uint32_t fullness[ZSP_NR_FULLNESS]; /* list heads (zspage ids) */
	uint32_t room_head;                 /* regions with a free ordinal */
	uint64_t objs;                      /* live objects */
	uint64_t zspages;                   /* zspages in use */
	uint64_t pages;                     /* pages backing them */
	uint32_t hfree;                     /* first unused handle, 0 = none */
	uint64_t nfree;                     /* unused handles */
	uint32_t *batches; /* first handle of each batch the class owns */
	size_t nbatches, batches_cap;
};

struct zsp_pool {
	int fd;            /* memfd behind the arena */
	char *arena;       /* reserve bytes, MAP_SHARED */
	uint64_t reserve;  /* bytes of address space */
	unsigned int chain; /* most pages in a zspage */
	uint32_t nregions; /* reserve >> ZSP_REGION_SHIFT */
	struct zsp_region *regions;

	pthread_mutex_t region_lock; /* the three fields below */
	uint32_t region_hw;          /* regions ever used (+1: region 0 unused) */
	uint32_t *region_free;       /* stack of free regions */
	uint32_t nregion_free;

	pthread_mutex_t handle_lock; /* hnext and installing chunks */
	uint64_t hnext;              /* first handle never given out */
	struct zsp_hchunk **htab;    /* ZSP_NR_HCHUNKS pointers */

	struct zsp_class *classes; /* distinct classes, by size */
	unsigned int nclasses;
	uint8_t size_to_class[ZSP_NR_CLASS_SLOTS]; /* slot size -> class */

	/* relaxed atomic counters */
	uint64_t objs;            /* live objects */
	uint64_t obj_bytes;       /* class bytes of live objects */
	uint64_t pages_used;      /* zspage pages backed (see backed()) */
	uint64_t pages_compacted; /* pages freed by compaction */
	uint64_t meta_dyn;        /* descriptor tables, handle stacks */
};

#define ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define SUB(p, v) __atomic_sub_fetch((p), (v), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

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

/* ---- zspage ids, locations, descriptors -------------------------------- */

static struct zsp_zspage *desc_of(struct zsp_pool *pool, uint32_t id)
{
	struct zsp_region *r = &pool->regions[id >> ZSP_REGION_ORD_BITS];

	return &r->desc[id & ZSP_REGION_ORD_MASK];
}

static uint64_t zspage_off(const struct zsp_class *c, uint32_t id)
{
	uint64_t region = id >> ZSP_REGION_ORD_BITS;
	uint64_t ord = id & ZSP_REGION_ORD_MASK;

	return (region << ZSP_REGION_SHIFT) +
	       ord * c->pages_per_zspage * FZ_PAGE_SIZE;
}

/* the zspage holding location @loc of class @c, and the object's index */
static uint32_t id_of_loc(const struct zsp_class *c, uint32_t loc,
			  unsigned int *idx)
{
	uint64_t off = (uint64_t)loc << ZSP_LOC_SHIFT;
	uint32_t region = (uint32_t)(off >> ZSP_REGION_SHIFT);
	uint32_t page = (uint32_t)(off >> FZ_PAGE_SHIFT) & (ZSP_REGION_PAGES - 1);
	uint32_t id = (region << ZSP_REGION_ORD_BITS) |
		      (page / c->pages_per_zspage);

	if (idx)
		*idx = (unsigned int)((off - zspage_off(c, id)) / c->size);
	return id;
}

static uint32_t loc_of(const struct zsp_class *c, uint32_t id, unsigned int i)
{
	return (uint32_t)((zspage_off(c, id) + (uint64_t)i * c->size) >>
			  ZSP_LOC_SHIFT);
}

static void *loc_ptr(struct zsp_pool *pool, uint32_t loc)
{
	return pool->arena + ((uint64_t)loc << ZSP_LOC_SHIFT);
}

/*
 * Pages of a zspage that hold memory: those up to the end of the highest
 * object handed out (@fresh is that high-water mark; freed objects below it
 * are reused first).  A zspage's pages are punched out when it is released
 * and when @fresh drops below a page, so the pages past that point were
 * never touched since.
 */
static uint64_t backed(const struct zsp_class *c, unsigned int fresh)
{
	return ((uint64_t)fresh * c->size + FZ_PAGE_SIZE - 1) / FZ_PAGE_SIZE;
}

static uint16_t read_link(struct zsp_pool *pool, uint32_t loc)
{
	uint16_t v;

	memcpy(&v, loc_ptr(pool, loc), sizeof(v));
	return v;
}

/* ---- fullness groups (caller holds class->lock) ------------------------ */

static unsigned int group_of(const struct zsp_class *c, unsigned int inuse)
{
	if (inuse >= c->objs_per_zspage)
		return ZSP_FULLNESS_FULL;
	return inuse * ZSP_FULLNESS_FULL / c->objs_per_zspage;
}

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

static void list_del(struct zsp_pool *pool, struct zsp_class *c, uint32_t id)
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

static void regroup(struct zsp_pool *pool, struct zsp_class *c, uint32_t id)
{
	struct zsp_zspage *d = desc_of(pool, id);
	unsigned int g = group_of(c, d->inuse);

	if (d->group == g || d->group == ZSP_FULLNESS_ISOLATED)
		return;
	list_del(pool, c, id);
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
	ADD(&pool->meta_dyn, cap * sizeof(*desc));
	return 0;
}

static void region_release(struct zsp_pool *pool, struct zsp_class *c,
			   uint32_t ri)
{
	struct zsp_region *r = &pool->regions[ri];

	room_del(pool, c, ri);
	SUB(&pool->meta_dyn, r->desc_cap * sizeof(*r->desc));
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
		ADD(&pool->meta_dyn, (cap - r->desc_cap) * sizeof(*nd));
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

/* Give an empty zspage's pages back to the system and its ordinal back to
 * its region.  The punch happens before the ordinal can be reused. */
static void zspage_release(struct zsp_pool *pool, struct zsp_class *c,
			   uint32_t id)
{
	uint32_t ri = id >> ZSP_REGION_ORD_BITS;
	uint32_t ord = id & ZSP_REGION_ORD_MASK;
	struct zsp_region *r = &pool->regions[ri];

	list_del(pool, c, id);
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
	SUB(&pool->pages_used, pages);
	if (r->nlive == 0)
		region_release(pool, c, ri);
	else
		room_add(pool, c, ri);
}

/* ---- objects (caller holds class->lock) -------------------------------- */

static int obj_alloc(struct zsp_pool *pool, struct zsp_class *c, bool may_grow,
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
		ADD(&pool->pages_used, more);
	}
	d->inuse++;
	regroup(pool, c, id);
	c->objs++;
	*loc = loc_of(c, id, idx);
	return 0;
}

/* Return: the zspage's id when this emptied it (to be released), else 0. */
static uint32_t obj_free(struct zsp_pool *pool, struct zsp_class *c,
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
			SUB(&pool->pages_used, was - now);
		}
	} else {
		memcpy(loc_ptr(pool, loc), &link, sizeof(link));
		d->freeobj = (uint16_t)idx;
	}
	d->inuse--;
	c->objs--;
	if (d->inuse == 0)
		return id;
	regroup(pool, c, id);
	return 0;
}

/* ---- handles ----------------------------------------------------------- */

static struct zsp_hchunk *hchunk(struct zsp_pool *pool, zsp_handle_t h)
{
	return __atomic_load_n(&pool->htab[h >> ZSP_HCHUNK_SHIFT],
			       __ATOMIC_ACQUIRE);
}

static uint32_t *hent(struct zsp_pool *pool, zsp_handle_t h)
{
	return &hchunk(pool, h)->ent[h & (ZSP_HCHUNK_SIZE - 1)];
}

static struct zsp_class *class_of_handle(struct zsp_pool *pool, zsp_handle_t h)
{
	struct zsp_hchunk *ch = hchunk(pool, h);

	return &pool->classes[ch->batch_class[(h & (ZSP_HCHUNK_SIZE - 1)) >>
					      ZSP_HBATCH_SHIFT]];
}

static void live_set(struct zsp_pool *pool, zsp_handle_t h, bool on)
{
	uint32_t *w = &hchunk(pool, h)
			       ->live[(h & (ZSP_HCHUNK_SIZE - 1)) / ZSP_LIVE_BITS];
	uint32_t bit = 1u << (h % ZSP_LIVE_BITS);

	/* a batch's bits are one word of its own: the class lock covers it */
	*w = on ? *w | bit : *w & ~bit;
}

static bool is_live(struct zsp_pool *pool, zsp_handle_t h)
{
	return hchunk(pool, h)->live[(h & (ZSP_HCHUNK_SIZE - 1)) /
				     ZSP_LIVE_BITS] >>
		       (h % ZSP_LIVE_BITS) &
	       1;
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
	ADD(meta, (ncap - *cap) * sizeof(**v));
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Take a handle for class @c (caller holds class->lock). */
static int handle_get(struct zsp_pool *pool, struct zsp_class *c,
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

/* Return @h to class @c's unused handles (caller holds class->lock). */
static void handle_put(struct zsp_pool *pool, struct zsp_class *c,
		       zsp_handle_t h)
{
	live_set(pool, h, false);
	*hent(pool, h) = c->hfree;
	c->hfree = h;
	c->nfree++;
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
	pool->hnext = ZSP_HBATCH; /* batch 0 unused: handle 0 means none */

	ret = -ENOMEM;
	pool->regions = calloc(pool->nregions, sizeof(*pool->regions));
	pool->region_free = calloc(pool->nregions, sizeof(uint32_t));
	pool->htab = calloc(ZSP_NR_HCHUNKS, sizeof(*pool->htab));
	if (!pool->regions || !pool->region_free || !pool->htab)
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
	for (unsigned int i = 0; i < pool->nclasses; i++) {
		struct zsp_class *c = &pool->classes[i];

		free(c->batches);
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
	if (pool->htab) {
		for (uint32_t i = 0; i < ZSP_NR_HCHUNKS; i++)
			if (pool->htab[i])
				munmap(pool->htab[i], sizeof(struct zsp_hchunk));
	}
	free(pool->htab);
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
	ret = handle_get(pool, c, &h);
	if (ret)
		goto out_unlock;
	ret = obj_alloc(pool, c, true, &loc);
	if (ret) {
		handle_put(pool, c, h);
		goto out_unlock;
	}
	*hent(pool, h) = loc;
	ADD(&pool->objs, 1);
	ADD(&pool->obj_bytes, c->size);
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
	c = class_of_handle(pool, h);
	pthread_mutex_lock(&c->lock);
	e = hent(pool, h);
	empty = obj_free(pool, c, *e);
	handle_put(pool, c, h);
	if (empty)
		zspage_release(pool, c, empty);
	pthread_mutex_unlock(&c->lock);
	SUB(&pool->objs, 1);
	SUB(&pool->obj_bytes, c->size);
}

void *zsp_map(struct zsp_pool *pool, zsp_handle_t h)
{
	struct zsp_class *c = class_of_handle(pool, h);

	pthread_rwlock_rdlock(&c->migrate);
	return loc_ptr(pool, *hent(pool, h));
}

void zsp_unmap(struct zsp_pool *pool, zsp_handle_t h)
{
	pthread_rwlock_unlock(&class_of_handle(pool, h)->migrate);
}

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
		list_del(pool, c, cand[i].id);
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
			/* grows by one zspage at most, once the rest are full */
			if (obj_alloc(pool, c, true, &nloc))
				goto out_restore; /* no memory for it */
			memcpy(loc_ptr(pool, nloc), loc_ptr(pool, *e), c->size);
			empty = obj_free(pool, c, *e);
			*e = nloc;
			if (empty) {
				struct zsp_zspage *d = desc_of(pool, empty);

				cand[d->next].id = 0;
				d->group = ZSP_FULLNESS_NONE;
				zspage_release(pool, c, empty);
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
		regroup(pool, c, cand[i].id);
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
	ADD(&pool->pages_compacted, freed);
	return freed;
}

uint64_t zsp_pages_used(struct zsp_pool *pool)
{
	return LOAD(&pool->pages_used);
}

void zsp_get_stats(struct zsp_pool *pool, struct zsp_stats *st)
{
	uint64_t hw, handles;

	pthread_mutex_lock(&pool->region_lock);
	hw = pool->region_hw;
	pthread_mutex_unlock(&pool->region_lock);
	pthread_mutex_lock(&pool->handle_lock);
	handles = pool->hnext;
	pthread_mutex_unlock(&pool->handle_lock);

	st->objs = LOAD(&pool->objs);
	st->obj_bytes = LOAD(&pool->obj_bytes);
	st->pages_used = LOAD(&pool->pages_used);
	st->pages_compacted = LOAD(&pool->pages_compacted);
	st->meta_bytes = sizeof(*pool) +
			 pool->nclasses * sizeof(struct zsp_class) +
			 hw * (sizeof(struct zsp_region) + sizeof(uint32_t)) +
			 handles * sizeof(uint32_t) + handles / CHAR_BIT +
			 (handles >> ZSP_HBATCH_SHIFT) +
			 ((handles >> ZSP_HCHUNK_SHIFT) + 1) * sizeof(void *) +
			 LOAD(&pool->meta_dyn);
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

/* ---- validation -------------------------------------------------------- */

#define BAD(...)                                                               \
	do {                                                                   \
		snprintf(why, why_len, __VA_ARGS__);                           \
		return -EUCLEAN;                                               \
	} while (0)

static int validate_class(struct zsp_pool *pool, struct zsp_class *c,
			  char *why, size_t why_len)
{
	uint64_t zspages = 0, objs = 0, live = 0, pages = 0;

	for (int g = 0; g < ZSP_NR_FULLNESS; g++) {
		uint32_t prev = 0;

		for (uint32_t id = c->fullness[g]; id;
		     prev = id, id = desc_of(pool, id)->next) {
			struct zsp_zspage *d = desc_of(pool, id);
			struct zsp_region *r = &pool->regions[id >> ZSP_REGION_ORD_BITS];
			unsigned int nfree = 0;

			if (r->cls != c->index)
				BAD("class %u: zspage %u in region of class %u",
				    c->size, id, r->cls);
			if (d->group != g || d->prev != prev)
				BAD("class %u: zspage %u bad links", c->size,
				    id);
			if (d->inuse == 0 || group_of(c, d->inuse) != (unsigned int)g)
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
	if (!ret && pages != LOAD(&pool->pages_used)) {
		snprintf(why, why_len, "pool: classes hold %llu pages, counted "
				       "%llu",
			 (unsigned long long)pages,
			 (unsigned long long)LOAD(&pool->pages_used));
		ret = -EUCLEAN;
	}
	for (i = pool->nclasses; i-- > 0;) {
		pthread_mutex_unlock(&pool->classes[i].lock);
		pthread_rwlock_unlock(&pool->classes[i].migrate);
	}
	return ret;
}
