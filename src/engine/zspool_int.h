/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zspool_int.h - what the allocator's three files share; not an API.
 *
 * zspool.h's map says how pool, regions, classes, zspages and handles fit
 * together and gives the lock order.  The allocator is three files:
 *   zspool.c   the pool, size classes, regions, zspages, objects; alloc,
 *              free, map, statistics;
 *   handle.c   the handle table: handing handles to classes in batches,
 *              taking and returning them, the live bitmap;
 *   compact.c  compaction and the debug validator.
 * Nothing outside these files includes this header.
 *
 * Bookkeeping:
 * - A zspage is named by its id, (region << ZSP_REGION_ORD_BITS) | ordinal;
 *   region 0 is never used, so id 0 means "none".  Its 16-byte descriptor
 *   lives in the region's table.  Free objects of a zspage form a list
 *   threaded through the objects themselves (the first two bytes of a free
 *   object hold the next free index); objects never handed out are counted
 *   by @fresh instead, so a new zspage is not touched until it is used.
 * - A location is the object's arena offset in ZSP_LOC_UNIT (16-byte)
 *   units: every class size is a multiple of it and every zspage starts on
 *   a page, so it is exact.
 * - Fullness groups 0..9 hold zspages whose inuse ratio is in that tenth;
 *   group 10 holds full zspages.  An empty zspage is released at once.
 *
 * Who may touch what (every field is also labelled below):
 * - Set by zsp_pool_create() and read-only afterwards, read by any file
 *   without a lock: pool->fd, arena, reserve, chain, nregions, classes,
 *   nclasses, size_to_class; a class's size, objs_per_zspage,
 *   pages_per_zspage, index.
 * - pool->region_lock and the fields under it, and a region's room list and
 *   descriptor table: zspool.c only.  Regions and descriptors of class c
 *   are changed under c->lock, through zspool.c's functions; compact.c reads
 *   them under c->lock and sets an isolated zspage's group and next.
 * - pool->handle_lock, hnext, htab, and a hchunk's live bits and
 *   batch_class: handle.c only (htab entries are published with release
 *   ordering, so hchunk() reads them anywhere).  A class's hfree, nfree and
 *   batches: handle.c, under the class lock; compact.c reads them there.
 * - A hchunk's ent[] of a live handle (its location): written by zsp_alloc()
 *   under the class lock and by compaction under the class lock with the
 *   class's migrate lock held for writing; read by zsp_map() under migrate
 *   for reading.  A free handle's ent[] links the class's free handles:
 *   handle.c's.
 * - class->migrate: zsp_map/zsp_unmap (read), zsp_compact and zsp_validate
 *   (write), in compact.c.
 * - The pool's counters: relaxed atomics (ZSP_ADD, ZSP_SUB, ZSP_LOAD),
 *   from any file.
 */
#ifndef FZRAM_ZSPOOL_INT_H
#define FZRAM_ZSPOOL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fzram.h"
#include "zspool.h"

#define ZSP_REGION_SHIFT 22 /* 4 MiB regions */
#define ZSP_REGION_SIZE (1ULL << ZSP_REGION_SHIFT)
#define ZSP_REGION_PAGES (1u << (ZSP_REGION_SHIFT - FZ_PAGE_SHIFT))
#define ZSP_REGION_ORD_BITS 10 /* up to 1024 zspages per region */
#define ZSP_REGION_ORD_MASK ((1u << ZSP_REGION_ORD_BITS) - 1)
#define ZSP_LOC_SHIFT 4 /* a location counts 16-byte units of the arena */
#define ZSP_LOC_UNIT (1u << ZSP_LOC_SHIFT)
#define ZSP_HANDLE_BITS 32  /* zsp_handle_t, and a location's width */
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
_Static_assert(ZSP_MAX_CHAIN *FZ_PAGE_SIZE / ZSP_MIN_CLASS < ZSP_NO_OBJ,
	       "ZSP_NO_OBJ");
/* A batch owns one whole live word, which its class lock covers. */
_Static_assert(ZSP_HBATCH == ZSP_LIVE_BITS, "ZSP_LIVE_BITS");

enum zsp_fullness {
	ZSP_FULLNESS_FULL = 10, /* groups 0..9: inuse ratio by tenths */
	ZSP_NR_FULLNESS,
	ZSP_FULLNESS_NONE = 0xfe,     /* new, on no list */
	ZSP_FULLNESS_ISOLATED = 0xff, /* being emptied by compaction */
};

/* A zspage's descriptor; every field under its class's lock. */
struct zsp_zspage {
	uint32_t next;	  /* fullness list, or free-ordinal list; while
			     isolated by compaction: its candidate index */
	uint32_t prev;	  /* fullness list */
	uint16_t inuse;	  /* live objects, <= objs_per_zspage */
	uint16_t freeobj; /* first freed object, ZSP_NO_OBJ if none */
	uint16_t fresh;	  /* objects ever handed out; those >= fresh are free */
	uint8_t group;	  /* enum zsp_fullness */
	uint8_t unused;
};

/* A region in use belongs to class @cls; its fields are under that
 * class's lock (a free region's, under pool->region_lock). */
struct zsp_region {
	struct zsp_zspage
	    *desc;	    /* per ordinal; NULL while the region is free */
	uint32_t room_next; /* class's list of regions with room */
	uint32_t room_prev;
	uint32_t free_ord; /* freed ordinals, stacked through desc.next,
			      stored +1 (0 = none) */
	uint16_t cls;	   /* owning class index */
	uint16_t bump;	   /* ordinals ever handed out */
	uint16_t nlive;	   /* zspages in use */
	uint16_t max_ord;  /* ZSP_REGION_PAGES / pages_per_zspage */
	uint16_t desc_cap; /* entries allocated in desc (>= bump); the
			      table grows with use, under class->lock */
	uint8_t on_room;   /* on the class's room list */
};

/* ZSP_HCHUNK_SIZE handles' entries; a batch's part is under its class's
 * lock, batch_class is written once under pool->handle_lock. */
struct zsp_hchunk {
	uint32_t ent[ZSP_HCHUNK_SIZE]; /* live: location; free: next free
					  handle of the class (0 = end) */
	uint32_t live[ZSP_HCHUNK_SIZE / ZSP_LIVE_BITS];	   /* bit set: handle in
							      use; a word per
							      batch */
	uint8_t batch_class[ZSP_HCHUNK_SIZE / ZSP_HBATCH]; /* batch's class */
};

struct zsp_class {
	pthread_rwlock_t migrate; /* read: mapped objects; write: compaction */
	pthread_mutex_t lock;	  /* everything below but the constants */
	unsigned int size;	  /* object slot size; constant */
	unsigned int objs_per_zspage;	    /* constant */
	unsigned int pages_per_zspage;	    /* constant */
	unsigned int index;		    /* in pool->classes; constant */
	uint32_t fullness[ZSP_NR_FULLNESS]; /* list heads (zspage ids) */
	uint32_t room_head;		    /* regions with a free ordinal */
	uint64_t objs;			    /* live objects */
	uint64_t zspages;		    /* zspages in use */
	uint64_t pages;			    /* pages backing them */
	uint32_t hfree;	   /* first unused handle, 0 = none; handle.c */
	uint64_t nfree;	   /* unused handles; handle.c */
	uint32_t *batches; /* first handle of each batch the class owns;
			      handle.c */
	size_t nbatches, batches_cap;
};

struct zsp_pool {
	int fd;		    /* memfd behind the arena */
	char *arena;	    /* reserve bytes, MAP_SHARED */
	uint64_t reserve;   /* bytes of address space */
	unsigned int chain; /* most pages in a zspage */
	uint32_t nregions;  /* reserve >> ZSP_REGION_SHIFT */
	struct zsp_region *regions;

	pthread_mutex_t region_lock; /* the three fields below; zspool.c */
	uint32_t region_hw;    /* regions ever used (+1: region 0 unused) */
	uint32_t *region_free; /* stack of free regions */
	uint32_t nregion_free;

	pthread_mutex_t handle_lock; /* hnext and installing chunks; handle.c */
	uint64_t hnext;		     /* first handle never given out */
	struct zsp_hchunk **htab;    /* ZSP_NR_HCHUNKS pointers */

	struct zsp_class *classes; /* distinct classes, by size */
	unsigned int nclasses;
	uint8_t size_to_class[ZSP_NR_CLASS_SLOTS]; /* slot size -> class */

	/* relaxed atomic counters */
	uint64_t objs;		  /* live objects */
	uint64_t obj_bytes;	  /* class bytes of live objects */
	uint64_t pages_used;	  /* zspage pages backed (see backed()) */
	uint64_t pages_compacted; /* pages freed by compaction */
	uint64_t meta_dyn;	  /* descriptor tables, handle stacks */
};

#define ZSP_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_RELAXED)
#define ZSP_SUB(p, v) __atomic_sub_fetch((p), (v), __ATOMIC_RELAXED)
#define ZSP_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

/* ---- zspage ids, locations, descriptors -------------------------------- */

static inline struct zsp_zspage *desc_of(struct zsp_pool *pool, uint32_t id)
{
	struct zsp_region *r = &pool->regions[id >> ZSP_REGION_ORD_BITS];

	return &r->desc[id & ZSP_REGION_ORD_MASK];
}

static inline uint64_t zspage_off(const struct zsp_class *c, uint32_t id)
{
	uint64_t region = id >> ZSP_REGION_ORD_BITS;
	uint64_t ord = id & ZSP_REGION_ORD_MASK;

	return (region << ZSP_REGION_SHIFT) +
	       ord * c->pages_per_zspage * FZ_PAGE_SIZE;
}

/* the zspage holding location @loc of class @c, and the object's index */
static inline uint32_t id_of_loc(const struct zsp_class *c, uint32_t loc,
				 unsigned int *idx)
{
	uint64_t off = (uint64_t)loc << ZSP_LOC_SHIFT;
	uint32_t region = (uint32_t)(off >> ZSP_REGION_SHIFT);
	uint32_t page =
	    (uint32_t)(off >> FZ_PAGE_SHIFT) & (ZSP_REGION_PAGES - 1);
	uint32_t id =
	    (region << ZSP_REGION_ORD_BITS) | (page / c->pages_per_zspage);

	if (idx)
		*idx = (unsigned int)((off - zspage_off(c, id)) / c->size);
	return id;
}

static inline uint32_t loc_of(const struct zsp_class *c, uint32_t id,
			      unsigned int i)
{
	return (uint32_t)((zspage_off(c, id) + (uint64_t)i * c->size) >>
			  ZSP_LOC_SHIFT);
}

static inline void *loc_ptr(struct zsp_pool *pool, uint32_t loc)
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
static inline uint64_t backed(const struct zsp_class *c, unsigned int fresh)
{
	return ((uint64_t)fresh * c->size + FZ_PAGE_SIZE - 1) / FZ_PAGE_SIZE;
}

static inline uint16_t read_link(struct zsp_pool *pool, uint32_t loc)
{
	uint16_t v;

	memcpy(&v, loc_ptr(pool, loc), sizeof(v));
	return v;
}

/* caller holds class->lock */
static inline unsigned int group_of(const struct zsp_class *c,
				    unsigned int inuse)
{
	if (inuse >= c->objs_per_zspage)
		return ZSP_FULLNESS_FULL;
	return inuse * ZSP_FULLNESS_FULL / c->objs_per_zspage;
}

/* ---- handles ----------------------------------------------------------- */

static inline struct zsp_hchunk *hchunk(struct zsp_pool *pool, zsp_handle_t h)
{
	return __atomic_load_n(&pool->htab[h >> ZSP_HCHUNK_SHIFT],
			       __ATOMIC_ACQUIRE);
}

static inline uint32_t *hent(struct zsp_pool *pool, zsp_handle_t h)
{
	return &hchunk(pool, h)->ent[h & (ZSP_HCHUNK_SIZE - 1)];
}

static inline struct zsp_class *class_of_handle(struct zsp_pool *pool,
						zsp_handle_t h)
{
	struct zsp_hchunk *ch = hchunk(pool, h);

	return &pool->classes[ch->batch_class[(h & (ZSP_HCHUNK_SIZE - 1)) >>
					      ZSP_HBATCH_SHIFT]];
}

static inline bool is_live(struct zsp_pool *pool, zsp_handle_t h)
{
	return hchunk(pool, h)
		       ->live[(h & (ZSP_HCHUNK_SIZE - 1)) / ZSP_LIVE_BITS] >>
		   (h % ZSP_LIVE_BITS) &
	       1;
}

/* ---- zspool.c: zspages and objects (caller holds class->lock) ---------- */

/* zsp_list_del() - take zspage @id off its fullness list (if on one). */
void zsp_list_del(struct zsp_pool *pool, struct zsp_class *c, uint32_t id);

/* zsp_regroup() - move zspage @id to the fullness group of its inuse count;
 * an isolated zspage stays where it is. */
void zsp_regroup(struct zsp_pool *pool, struct zsp_class *c, uint32_t id);

/*
 * zsp_zspage_release() - give the empty zspage @id's pages back to the
 * system and its ordinal back to its region (the punch happens before the
 * ordinal can be reused); an emptied region goes back to the pool.
 */
void zsp_zspage_release(struct zsp_pool *pool, struct zsp_class *c,
			uint32_t id);

/*
 * zsp_obj_alloc() - take an object of class @c from its fullest zspage with
 * room; with @may_grow, make a new zspage when none has room.
 * Return: 0 with the location in *@loc, -ENOSPC (none has room and not
 * @may_grow), -ENOMEM.  Context: may take pool->region_lock.
 */
int zsp_obj_alloc(struct zsp_pool *pool, struct zsp_class *c, bool may_grow,
		  uint32_t *loc);

/*
 * zsp_obj_free() - free the object at @loc.
 * Return: the zspage's id when this emptied it (the caller releases it with
 * zsp_zspage_release()), else 0.
 */
uint32_t zsp_obj_free(struct zsp_pool *pool, struct zsp_class *c, uint32_t loc);

/* ---- handle.c: the handle table ---------------------------------------- */

/* zsp_handles_init() - allocate the table's chunk directory.
 * Return: 0, -ENOMEM. */
int zsp_handles_init(struct zsp_pool *pool);

/* zsp_handles_destroy() - free the table and every class's batch list;
 * before the classes are freed.  Safe on a partly made pool. */
void zsp_handles_destroy(struct zsp_pool *pool);

/* zsp_handles_meta_bytes() - bytes of the handle table and the batch
 * lists' fixed part.  Context: takes handle_lock. */
uint64_t zsp_handles_meta_bytes(struct zsp_pool *pool);

/*
 * zsp_handle_get() - take an unused handle of class @c, marked live; a new
 * batch when the class has none.
 * Return: 0 with the handle in *@out, -ENOMEM (no memory, or 2^32 handles
 * given out).  Context: caller holds c->lock; may take handle_lock.
 */
int zsp_handle_get(struct zsp_pool *pool, struct zsp_class *c,
		   zsp_handle_t *out);

/* zsp_handle_put() - return @h to class @c's unused handles (caller holds
 * c->lock). */
void zsp_handle_put(struct zsp_pool *pool, struct zsp_class *c, zsp_handle_t h);

#ifdef ZSP_DEBUG
/*
 * Debug builds check every handle given to zsp_free() and zsp_map(), so that
 * a double free, or a free of a handle never allocated, aborts with a message
 * naming @what and @h instead of corrupting the free lists.
 *
 * zsp_handle_check_issued() - abort unless @h was handed out to a class
 * (then class_of_handle() may be called).  Context: takes handle_lock.
 * zsp_handle_check_live() - abort unless @h is allocated now.  Context:
 * caller holds @h's class lock.
 */
void zsp_handle_check_issued(struct zsp_pool *pool, zsp_handle_t h,
			     const char *what);
void zsp_handle_check_live(struct zsp_pool *pool, zsp_handle_t h,
			   const char *what);
#endif

#endif /* FZRAM_ZSPOOL_INT_H */
