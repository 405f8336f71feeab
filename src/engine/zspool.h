/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zspool.h - a zsmalloc-style allocator for compressed pages, in user space.
 *
 * Map of the allocator
 * --------------------
 *   pool ──┬─ arena: one memfd, mapped once (MAP_SHARED|MAP_NORESERVE), of
 *          │         reserve_bytes of address space.  Nothing is resident until
 *          │         touched; freed zspages are punched out of the memfd
 *          │         (fallocate PUNCH_HOLE), which returns their memory to the
 *          │         system even when the process is mlockall()ed.  One mapping
 *          │         for the whole pool: vm.max_map_count is never a limit.
 *          ├─ regions: the arena cut in 4 MiB pieces.  A region in use belongs
 *          │         to one size class and holds that class's zspages, each
 *          │         pages_per_zspage contiguous pages, at fixed positions
 *          │         (ordinals); the region keeps a 16-byte descriptor per
 *          │         ordinal.  Empty regions go back to the pool.
 *          ├─ size classes: object sizes 32..4096 in steps of 16.  Each class
 *          │         picks pages_per_zspage in 1..chain (the pool's chain size) to waste
 *          │         the least at the zspage's tail; classes with the same
 *          │         (pages_per_zspage, objs_per_zspage) share one class (the
 *          │         largest size).  Per class, zspages are kept in fullness
 *          │         groups by inuse ratio; allocation takes the fullest
 *          │         zspage that has room.
 *          └─ handles: an object is named by a 32-bit handle, an index into the
 *                    handle table whose 4-byte entry holds the object's
 *                    location (arena offset / 16).  Compaction moves objects
 *                    and rewrites entries, so handles stay valid.  Handles are
 *                    handed to classes in batches of 32; a handle lives and
 *                    dies in one class, which lets compaction find the
 *                    handles of a class without a back pointer per object.
 *
 * Objects are contiguous in the arena even when they straddle pages, so a
 * mapped object is a plain pointer: no copy on map.
 *
 * Locks, in order:  class->migrate (rwlock) → class->lock → pool->region_lock
 *                   → pool->handle_lock.
 * zsp_map() takes class->migrate for reading, so any number of threads read
 * objects of a class at once; compaction takes it for writing, so no object
 * moves while it is mapped.  Allocation and free take class->lock only.  No
 * lock is global on the hot path: region_lock and handle_lock are taken only
 * when a class needs a new region or a new batch of handles.
 *
 * Files: zspool.c (pool, classes, regions, zspages, objects), handle.c (the
 * handle table), compact.c (compaction and zsp_validate()); what they share,
 * and which of them may touch which field, is in zspool_int.h.
 */
#ifndef FZRAM_ZSPOOL_H
#define FZRAM_ZSPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "fzram.h"
typedef uint32_t zsp_handle_t; /* 0 = no object */

#define ZSP_MAX_ALLOC FZ_PAGE_SIZE    /* largest object */
#define ZSP_CLASS_STEP 16              /* size-class granularity */
#define ZSP_MIN_CLASS 32               /* smallest class size */
#define ZSP_DEFAULT_CHAIN 8            /* as CONFIG_ZSMALLOC_CHAIN_SIZE=8 */
#define ZSP_MAX_CHAIN 16               /* the kernel's largest chain size */
#define ZSP_MAX_RESERVE (64ULL << 30)  /* locations are 32 bits of 16 B */
#define ZSP_NR_CLASS_SLOTS                                                     \
	((ZSP_MAX_ALLOC - ZSP_MIN_CLASS) / ZSP_CLASS_STEP + 1)

struct zsp_pool;

/*
 * zsp_pool_create() - make a pool that may grow to @reserve_bytes of zspage
 * memory (rounded up to 4 MiB; 0 or anything above ZSP_MAX_RESERVE means
 * ZSP_MAX_RESERVE), whose zspages have at most @chain pages (0 means
 * ZSP_DEFAULT_CHAIN; longer chains waste less at zspage tails, as
 * CONFIG_ZSMALLOC_CHAIN_SIZE).  Only address space is reserved; nothing is
 * resident.
 * Return: 0 with the pool in *@out, -EINVAL (@chain above ZSP_MAX_CHAIN),
 * -ENOMEM, or the -errno of memfd_create, ftruncate or mmap.
 */
int zsp_pool_create(uint64_t reserve_bytes, unsigned int chain,
		    struct zsp_pool **out);

/* zsp_pool_destroy() - free the pool and all its objects; NULL is ignored. */
void zsp_pool_destroy(struct zsp_pool *pool);

/*
 * zsp_alloc() - reserve @size bytes in @pool; the handle goes to *@out.
 * The object's content is undefined until written through zsp_map().
 * Return: 0, -EINVAL (size 0 or above ZSP_MAX_ALLOC), -ENOMEM (no memory,
 * reserve exhausted, or 2^32 handles in use).
 * Context: takes the class lock, sometimes region_lock or handle_lock; may
 * allocate a region's descriptor table (malloc) and fault in zspage pages.
 */
int zsp_alloc(struct zsp_pool *pool, size_t size, zsp_handle_t *out);

/*
 * zsp_free() - free the object @handle; 0 is ignored.  An emptied zspage's
 * pages go back to the system at once.  @handle must be allocated: a debug
 * build (ZSP_DEBUG) aborts with a message on a double free or on a handle
 * never allocated; other builds corrupt the pool.
 * Context: takes the class lock; the caller must not have @handle mapped.
 */
void zsp_free(struct zsp_pool *pool, zsp_handle_t handle);

/*
 * zsp_map() - pin @handle's object and return its address.  The object stays
 * in place until zsp_unmap(); it may be read and written through the pointer
 * up to its allocated size.  A thread holds at most one mapping at a time
 * (a waiting compaction would otherwise deadlock a nested mapping).
 * @handle must be allocated (a debug build aborts if it is not).
 * Context: takes class->migrate for reading (released by zsp_unmap()); a
 * debug build also takes the class lock briefly.
 */
void *zsp_map(struct zsp_pool *pool, zsp_handle_t handle);

/* zsp_unmap() - end a zsp_map() of @handle. */
void zsp_unmap(struct zsp_pool *pool, zsp_handle_t handle);

/*
 * zsp_compact() - move objects out of sparse zspages into fuller ones of the
 * same class and free the emptied zspages; afterwards each class has at most
 * one zspage that is not full (unless moving would free no page).  Handles
 * stay valid.
 * Return: the number of pages freed by this call (also added to the pool's
 * pages_compacted).
 * Context: takes each class's migrate lock for writing in turn; must not be
 * called with an object mapped by the calling thread.
 */
uint64_t zsp_compact(struct zsp_pool *pool);

struct zsp_stats {
	uint64_t objs;            /* live objects */
	uint64_t obj_bytes;       /* bytes reserved for them (class sizes) */
	uint64_t pages_used;      /* pages of zspage memory (zram's mem_used);
				     a zspage counts the pages up to the end
				     of its last object ever handed out: the
				     rest were never touched */
	uint64_t meta_bytes;      /* descriptors, handle table, region table */
	uint64_t pages_compacted; /* pages freed by compaction, ever */
};

/* zsp_get_stats() - a snapshot of the pool's totals (relaxed atomics). */
void zsp_get_stats(struct zsp_pool *pool, struct zsp_stats *st);

/* zsp_pages_used() - pages of zspage memory now in use (cheap). */
uint64_t zsp_pages_used(struct zsp_pool *pool);

struct zsp_class_stats {
	unsigned int size;             /* object slot size, bytes */
	unsigned int pages_per_zspage; /* 1..the pool's chain size */
	unsigned int objs_per_zspage;  /* objects that fit one zspage */
	uint64_t objs;                 /* live objects */
	uint64_t zspages;              /* zspages in use */
};

/* zsp_nr_classes() - number of distinct (merged) classes. */
unsigned int zsp_nr_classes(const struct zsp_pool *pool);

/*
 * zsp_get_class_stats() - fill @st for distinct class @idx
 * (0..zsp_nr_classes()-1, smallest size first).
 * Return: 0, -EINVAL (@idx out of range).  Context: takes the class lock.
 */
int zsp_get_class_stats(struct zsp_pool *pool, unsigned int idx,
			struct zsp_class_stats *st);

/*
 * zsp_class_size() - the slot size an object of @size bytes occupies,
 * or 0 when @size is 0 or above ZSP_MAX_ALLOC.
 */
unsigned int zsp_class_size(const struct zsp_pool *pool, size_t size);

/*
 * zsp_validate() - walk every class and check the invariants (inuse counts,
 * free lists, fullness groups, handle entries).  Return: 0 or -EUCLEAN with
 * the first broken invariant described in @why (at least 128 bytes).
 * Context: takes every class's migrate and class lock at once, in index
 * order (the only place two class locks are held).  Slow: for tests.
 */
int zsp_validate(struct zsp_pool *pool, char *why, size_t why_len);

#endif /* FZRAM_ZSPOOL_H */
