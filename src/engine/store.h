/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the table of 4 KiB slots behind the fzram file, with zram's
 * semantics: same-filled pages cost no memory, pages that do not compress
 * below the huge threshold are stored raw, an overwrite frees the old object
 * first (the stale-slot rule), discard frees, mem_limit refuses cleanly.
 *
 * Slot entry: one 64-bit word per slot, in chunks of STORE_CHUNK_SLOTS that
 * are allocated on first write, so metadata grows with what is stored, not
 * with the size.  The word holds:
 *   bits  0..31  zspool handle; or the fill word (same-filled, when its two
 *                halves are equal); or an index into the store's table of
 *                wider fill words; or, later, a backing-file block
 *   bits 32..44  object length in bytes (1..4096; 4096 = stored raw)
 *   bit  45      the slot lock
 *   bits 46..52  flags: same, huge, idle, written back, recompressed,
 *                incompressible, wide fill word (enum store_flag); idle,
 *                written back, recompressed and incompressible are
 *                reserved (see below) and never set today
 *   bits 53..63  free, for later (e.g. recompression priority)
 *
 * Reserved for the next tiers: STORE_F_IDLE (issue 10's idle mark: set by
 * idle marking, cleared by a read or write of the slot), STORE_F_WB (the
 * slot's bits 0..31 name a backing-store object instead of a handle),
 * STORE_F_RECOMP and STORE_F_INCOMPRESSIBLE (issue 11's recompression, and
 * its "no secondary codec shrinks it" mark), so that block_state's flags
 * "s w h i r n" each have their bit.  A write replaces the whole word, so
 * it clears them all.  Issue 10's last-access time (32 bits per stored
 * slot) does not fit the 11 free bits: it belongs in an array beside the
 * slot words, allocated only where slots are stored, and the slot lock
 * serialises its updates with the slot's.
 *
 * Locks: slot lock (a bit in the slot word, spin-then-yield) → the
 * allocator's locks (zspool.h) → wordtab lock.  Compression runs outside
 * every lock; allocation runs outside the slot lock, as in zram.
 */
#ifndef FZRAM_STORE_H
#define FZRAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fzram.h"
#include "stats.h"

#define STORE_CHUNK_SLOTS 8192           /* slots per metadata chunk */
#define STORE_MAX_SLOTS (1ULL << 32)     /* 16 TiB */
#define STORE_DEFAULT_HUGE_THRESHOLD 3072 /* 3/4 of a page, like zram */

enum store_flag {
	STORE_F_SAME = 46,           /* one repeated 8-byte word */
	STORE_F_HUGE = 47,           /* stored raw */
	STORE_F_IDLE = 48,           /* marked idle (idle marking) */
	STORE_F_WB = 49,             /* written back to the backing file */
	STORE_F_RECOMP = 50,         /* recompressed with a second codec */
	STORE_F_INCOMPRESSIBLE = 51, /* no codec made it smaller */
	STORE_F_WIDE = 52,           /* fill word kept in the word table */
	STORE_NR_FLAGS
};
/* the picture above; store.c asserts that the other fields fit beside */
_Static_assert(STORE_F_SAME == 46 && STORE_NR_FLAGS == 53,
	       "store.h's slot word layout");

struct store_config {
	uint64_t size;           /* bytes: 4096..STORE_MAX_SLOTS*4096,
				    a multiple of 4096 */
	const char *algorithm;   /* "lz4" (NULL), "lz4hc", "zstd" */
	int level;               /* CODEC_LEVEL_DEFAULT or a valid level */
	uint64_t mem_limit;      /* bytes of pool memory, 0 = no limit */
	unsigned int huge_threshold; /* compressed >= this: raw; 0 = default */
	unsigned int chain;      /* most pages per zspage, 1..ZSP_MAX_CHAIN;
				    0 = ZSP_DEFAULT_CHAIN (8) */
};

struct store;

/*
 * store_create() - a store of @cfg->size bytes with nothing written.
 * Return: 0 with *@out set; -EINVAL (size 0, not a multiple of 4096, too
 * large, huge_threshold above 4096, chain above 16), -ENOENT (unknown algorithm), -ERANGE
 * (level out of range), -ENOMEM, or an allocator error.
 */
int store_create(const struct store_config *cfg, struct store **out);

/* store_destroy() - free everything; NULL is ignored. */
void store_destroy(struct store *s);

/*
 * store_write() - store one page @page in @slot, replacing what was there.
 * Return: 0; -EINVAL (slot out of range: counted in invalid_io); -ENOMEM
 * (the write would take pool memory past mem_limit, or memory ran out:
 * counted in failed_writes; the slot keeps its earlier content).
 * Context: compresses with the calling thread's codec context, allocates
 * without the slot lock, then takes the slot lock to swap the entry.
 */
int store_write(struct store *s, uint64_t slot, const void *page);

/*
 * store_read() - copy @slot's page into @page (any alignment); a
 * never-written or discarded slot reads as zeros.
 * Return: 0; -EINVAL (out of range: invalid_io); -EIO (the object did not
 * decompress: counted in failed_reads; @page is zeroed); -ENOMEM (this
 * thread's codec context could not be made; @page is zeroed).
 * Context: takes the slot lock, then maps the object.
 */
int store_read(struct store *s, uint64_t slot, void *page);

/*
 * store_discard() - free every slot in [@first, @first + @count); each slot
 * counts in notify_free, as zram's discard does.
 * Return: 0, -EINVAL (range past the end, or overflowing: nothing freed).
 * Context: takes each slot lock in turn (waits for a busy slot).
 */
int store_discard(struct store *s, uint64_t first, uint64_t count);

/*
 * store_free_notify() - a swap slot-free notice: free @slot unless its lock
 * is busy, in which case count miss_free and leave it (the next write to the
 * slot frees it: the stale-slot rule).
 * Return: 0, -EBUSY (missed), -EINVAL (out of range).
 */
int store_free_notify(struct store *s, uint64_t slot);

/*
 * store_resize() - change the size to @size bytes (rules as store_create);
 * shrinking frees the slots past the new end first.
 * Return: 0, -EINVAL.  Concurrent I/O past the new end fails with -EINVAL.
 */
int store_resize(struct store *s, uint64_t size);

/* store_size() - the size in bytes. */
uint64_t store_size(const struct store *s);

/*
 * store_set_mem_limit() - cap pool memory at @bytes (0 = none); memory
 * already used is kept, later writes past the cap fail.
 */
void store_set_mem_limit(struct store *s, uint64_t bytes);

/* store_reset_mem_used_max() - set mem_used_max to the memory used now. */
void store_reset_mem_used_max(struct store *s);

/*
 * store_compact() - compact the allocator now.
 * Return: pages freed by this call.
 */
uint64_t store_compact(struct store *s);

/* store_mm() / store_io() - snapshots of mm_stat and io_stat columns. */
void store_mm(struct store *s, struct stats_mm *mm);
void store_io(struct store *s, struct stats_io *io);

/* store_stats() - the raw counters (read-only view, relaxed reads). */
const struct stats *store_stats(const struct store *s);

/* store_algorithm() - the name of the selected algorithm. */
const char *store_algorithm(const struct store *s);

/*
 * store_meta_bytes() - bytes of metadata: slot chunks and directory, the
 * fill-word table and the allocator's descriptors and handle table.
 */
uint64_t store_meta_bytes(struct store *s);

/* store_pool() - the allocator behind the store, for statistics. */
struct zsp_pool *store_pool(struct store *s);

/*
 * store_slot_info() - the flags word of @slot (bits of enum store_flag,
 * shifted down so that bit 0 is STORE_F_SAME) and its object length; for
 * tests and debug output.  Return: 0, -EINVAL.
 */
int store_slot_info(struct store *s, uint64_t slot, unsigned int *flags,
		    unsigned int *length);

#endif /* FZRAM_STORE_H */
