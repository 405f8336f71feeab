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
 *                wider fill words; or, with STORE_F_WB, the backing-store
 *                object's id (backing.h)
 *   bits 32..44  object length in bytes (1..4096; 4096 = stored raw), in
 *                RAM or on the backing store
 *   bit  45      the slot lock
 *   bits 46..53  flags (enum store_flag): same, huge, idle, written back,
 *                recompressed, incompressible, wide fill word, under
 *                writeback or recompression
 *   bits 54..55  the algorithm that decodes the object (enum codec_alg:
 *                level-independent), so that a slot keeps decoding when the
 *                algorithm of its priority is changed later
 *   bits 56..57  the priority it was compressed with: 0 the primary
 *                algorithm, 1..STORE_MAX_PRIO a secondary (recompressed)
 *   bits 58..63  the dictionary that decodes it: 0 none, else an index
 *                into the store's table of STORE_MAX_DICTS dictionaries
 *
 * A write replaces the whole word, so it clears every flag: the idle mark,
 * and STORE_F_UNDER_WB, which tells a writeback or a recompression in
 * flight that the slot it copied has changed (zram's ZRAM_UNDER_WB): it
 * then frees what it made instead of installing it.  A read clears the idle
 * mark only.  A written-back slot keeps its algorithm and priority.
 * A written-back slot keeps STORE_F_HUGE when its object is a raw page (so
 * that a read knows not to decompress it) but no longer counts in
 * huge_pages, compr_data_size or pages_stored (zram's meaning of mm_stat:
 * what is in RAM); it counts in bd_count.
 *
 * Access times: every slot has a last-access time, seconds since the
 * store was made (zram's ac_time), set by each read and write: 31 bits of
 * seconds, and STORE_ATIME_READ, which a read sets and a write (also of a
 * same-filled page) clears, so that the policy can tell the slots read
 * since they were written (issue 12).  Every comparison of ages (idle
 * marking, the age filters of writeback and recompression, block_state's
 * time) takes the seconds alone.  Writeback and recompression keep both.
 * They live in arrays of STORE_ATIME_SLOTS beside the slot words, one per
 * stretch of that many slots, allocated the first time a slot in the
 * stretch is written: a stretch never written costs nothing, one in use 4
 * bytes a slot (2 KiB).  A stretch is one swap cluster: the kernel hands
 * out swap slots a cluster of 512 at a time, so a stretch in use is mostly
 * full.  The slot lock serialises their updates with the slot's.
 *
 * Locks: slot lock (a bit in the slot word, spin-then-yield) → the
 * allocator's locks (zspool.h) → wordtab lock; slot lock → dict_lock (a
 * leaf: dropping a slot's dictionary may empty its entry).  recomp_lock
 * (a rwlock over each priority's codec) is held with no other store lock:
 * writes take it for reading just to copy the primary's codec and a
 * reference to its dictionary, and references are dropped only after it
 * is released.  Compression runs outside
 * every lock; allocation runs outside the slot lock, as in zram.  The
 * spill's lock (store_spill.c) is a leaf taken with no other store lock
 * held; a write waits for room at mem_limit holding none of them, and
 * calls the spill's kick with none held.
 */
#ifndef FZRAM_STORE_H
#define FZRAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backing.h"
#include "codec.h"
#include "fzram.h"
#include "stats.h"

#define STORE_CHUNK_SLOTS 8192           /* slots per metadata chunk */
#define STORE_MAX_SLOTS (1ULL << 32)     /* 16 TiB */
#define STORE_DEFAULT_HUGE_THRESHOLD 3072 /* 3/4 of a page, like zram */
#define STORE_ATIME_SLOTS 512            /* slots per access-time array */
/* An access-time word: seconds in bits 0..30 (68 years), and this bit
 * when the slot was read since it was last written. */
#define STORE_ATIME_READ (1u << 31)
#define STORE_WB_DEFAULT_BATCH 32        /* writeback_batch_size */
#define STORE_WB_MAX_RANGES 16           /* page_index(es) per request */
#define STORE_MAX_PRIO 3                 /* secondary algorithms: 1..3 */

enum store_flag {
	STORE_F_SAME = 46,           /* one repeated 8-byte word */
	STORE_F_HUGE = 47,           /* stored raw */
	STORE_F_IDLE = 48,           /* marked idle (idle marking) */
	STORE_F_WB = 49,             /* written back to the backing file */
	STORE_F_RECOMP = 50,         /* recompressed with a second codec */
	STORE_F_INCOMPRESSIBLE = 51, /* no codec made it smaller */
	STORE_F_WIDE = 52,           /* fill word kept in the word table */
	STORE_F_UNDER_WB = 53,       /* copied by a writeback or a
					recompression in flight */
	STORE_NR_FLAGS
};
/* the picture above; store.c asserts that the other fields fit beside */
_Static_assert(STORE_F_SAME == 46 && STORE_NR_FLAGS == 54,
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

/* ---- the second tier: idle tracking and writeback ---------------------- */

/* store_now() - seconds since the store was made (the access-time clock). */
uint32_t store_now(const struct store *s);

/*
 * store_advance_clock() - move the access-time clock @seconds ahead, as if
 * that long had passed; for tests of age-based idle marking.
 */
void store_advance_clock(struct store *s, uint32_t seconds);

/*
 * store_mark_idle() - mark stored slots idle: every one (@all), or those
 * not read or written for at least @min_age seconds.  Same-filled and
 * written-back slots are skipped, as in zram.
 * Return: the number of slots marked (already idle ones included).
 * Context: takes each stored slot's lock in turn; walks only the chunks
 * that exist.
 */
uint64_t store_mark_idle(struct store *s, bool all, uint32_t min_age);

/*
 * store_set_backing() - give the store its backing tier (which stays the
 * caller's and must outlive the store's use of it).  Once only: the tier is
 * chosen at mount, as zram's backing_dev is before init.
 * Return: 0, -EBUSY (one is already set), -EINVAL (@bk NULL).
 */
int store_set_backing(struct store *s, struct backing *bk);

/* store_backing() - the backing tier, or NULL. */
struct backing *store_backing(const struct store *s);

/* What store_writeback() may pick: each bit set must hold for a slot. */
enum store_wb_mode {
	STORE_WB_IDLE = 1u << 0,	   /* marked idle */
	STORE_WB_HUGE = 1u << 1,	   /* stored raw */
	STORE_WB_INCOMPRESSIBLE = 1u << 2, /* marked incompressible */
};

/* [lo, hi], both inclusive, as zram's page_indexes=LO-HI. */
struct store_wb_range {
	uint64_t lo, hi;
};

/* The order a writeback takes the slots it picked in. */
enum store_wb_order {
	STORE_WB_LARGEST = 0, /* zram's: largest objects first */
	STORE_WB_COLDEST,     /* the policy's: slots read since written
				 first, then the rest, each oldest access
				 first */
};

struct store_wb_req {
	unsigned int mode;    /* enum store_wb_mode bits; 0: any stored slot */
	unsigned int nranges; /* 0: the whole device */
	struct store_wb_range range[STORE_WB_MAX_RANGES];
	/* the policy's (issue 12); all 0 for zram's requests: */
	uint32_t min_age;      /* only slots not accessed for this many
				  seconds (0: any)... */
	uint32_t min_age_read; /* ...or this many, when read since last
				  written (STORE_ATIME_READ; 0: min_age) */
	enum store_wb_order order;
	uint64_t max_bytes;    /* stop once this many compressed bytes are
				  moved (0: no limit) */
};

/*
 * store_writeback() - move the slots that @req picks (in RAM, not
 * same-filled, within the ranges, matching every mode bit, and old enough
 * for @req's ages) to the backing tier in @req's order, in batches of the
 * writeback batch size.  A slot written, discarded or freed while its
 * batch is in flight keeps its newest content; the copy written for it is
 * freed.  Counts bd_writes per slot moved, and spends the budget when it
 * is enabled.
 * Ages: a slot qualifies when its access time (seconds, without
 * STORE_ATIME_READ) is at least @req->min_age seconds before the call's
 * start, or @req->min_age_read when it was read since written and that is
 * not 0; an age of 0 takes any slot.  zram's requests leave them 0.
 * Order: STORE_WB_LARGEST sorts every picked slot, largest object first
 * (zram's; a list of 8 bytes a picked slot); STORE_WB_COLDEST takes the
 * read-since-written slots, then the others, each group oldest access
 * first, in passes (each walks the slot table once) of 4096 slots, then
 * twice as many each pass up to 65536 (at most 512 KiB whatever the
 * device's size).
 * @req->max_bytes: stop once that many compressed bytes (slot lengths, as
 * compr_data_size) were moved; the last slot may take the total past it by
 * less than one object (so a request always moves a slot when one
 * qualifies).  0: no limit.
 * Return: 0 (all picked slots moved, none was picked, or max_bytes was
 * reached); -ENODEV (no backing tier); -EIO (the budget is spent: at the
 * start, or before the last picked slot; or a backing write failed: those
 * slots stay in RAM); -ENOSPC (the backing store is full: the rest stay in
 * RAM; writes waiting for room at mem_limit fail now, see
 * store_set_spill()); -EINVAL (a range past the end or with lo > hi, an
 * unknown order: nothing done); -ENOMEM.  *@moved (if not NULL) gets the
 * number of slots moved, also on an error.
 * Context: one caller at a time (the tier's worker, tier.h); I/O runs with
 * no slot lock held.
 */
int store_writeback(struct store *s, const struct store_wb_req *req,
		    uint64_t *moved);

/*
 * store_wb_bytes_total() - compressed bytes store_writeback() ever moved
 * to the backing tier (the slot lengths; monotonic, never reset), for a
 * policy's budget of backing writes.
 */
uint64_t store_wb_bytes_total(struct store *s);

/*
 * store_set_wb_limit() / store_wb_limit() - the writeback budget left, in
 * 4 KiB pages (one per slot moved, zram's writeback_limit); spent only
 * while enabled (store_set_wb_limit_enable(), zram's
 * writeback_limit_enable, off by default).
 */
void store_set_wb_limit(struct store *s, uint64_t pages);
uint64_t store_wb_limit(const struct store *s);
void store_set_wb_limit_enable(struct store *s, bool on);
bool store_wb_limit_enabled(const struct store *s);

/*
 * store_set_wb_batch() / store_wb_batch() - objects per backing write,
 * 1..BK_MAX_BATCH (zram's writeback_batch_size; default
 * STORE_WB_DEFAULT_BATCH).  Return of the setter: 0, -EINVAL.
 */
int store_set_wb_batch(struct store *s, unsigned int n);
unsigned int store_wb_batch(const struct store *s);

/* store_bd() - bd_stat's columns (zeros without a backing tier). */
void store_bd(struct store *s, struct stats_bd *bd);

/*
 * store_block_state() - zram's debugfs block_state, one line per stored
 * slot ("%12llu %12u.000000 %c%c%c%c%c%c\n": index, access time, flags
 * s w h i r n or '.'), from slot *@cursor on: as many whole lines as fit in
 * @len bytes.  *@cursor advances past the slots written out.
 * Return: bytes written, 0 when no stored slot is left (or @len is not
 * above STORE_BLOCK_STATE_LINE: a line and its NUL must fit).
 * Context: a snapshot without locks (each line is one slot's state at one
 * instant; the request loop never waits for it); walks only the chunks
 * that exist.
 */
#define STORE_BLOCK_STATE_LINE 40 /* bytes per line */
size_t store_block_state(struct store *s, uint64_t *cursor, char *buf,
			 size_t len);

/* ---- recompression with secondary algorithms --------------------------- */

/*
 * store_set_recomp() - make algorithm @name at @level (CODEC_LEVEL_DEFAULT
 * or in range) the secondary algorithm of priority @prio
 * (1..STORE_MAX_PRIO), or remove it (@name NULL).  Slots already
 * recompressed keep decoding: each remembers its algorithm.
 * Return: 0; -EINVAL (@prio out of range); -ENOENT (unknown algorithm);
 * -ERANGE (level out of range).  Nothing changes on an error.
 */
int store_set_recomp(struct store *s, unsigned int prio, const char *name,
		     int level);

/*
 * store_recomp() - the algorithm and level of priority @prio into *@out
 * (0: the primary), with @out->dict NULL (store_params() names the
 * dictionary).  Return: true, or false when @prio has none (or is out of
 * range).
 */
bool store_recomp(struct store *s, unsigned int prio, struct codec *out);

struct store_recomp_req {
	unsigned int mode;	/* STORE_WB_IDLE and/or STORE_WB_HUGE bits:
				   each must hold; 0: any stored slot */
	unsigned int threshold; /* only objects of at least this many bytes,
				   and the result must be below it; 0: any */
	uint64_t max_pages;	/* most slots tried; 0: no limit */
	unsigned int prio;	/* 0: each set priority in turn, lowest first,
				   until one shrinks the object; else this
				   one alone */
	uint32_t min_age;	/* as store_wb_req's (0: any): only slots
				   not accessed for this many seconds... */
	uint32_t min_age_read;	/* ...or this many when read since written
				   (0: min_age); zram's requests: both 0 */
};

/*
 * store_recompress() - recompress the slots @req picks, largest first, as
 * zram's recompress: in RAM, not same-filled, not marked incompressible,
 * not already at (or above) the highest priority to try, and old enough
 * for @req's ages (as store_writeback()'s, from the call's start).  A slot's object
 * is decompressed and compressed again with each priority above its own in
 * turn; the first result that takes a smaller size class (and is below the
 * threshold, if one is set) replaces the object, and the slot is marked
 * recompressed with that priority.  When even the highest set priority
 * does not shrink it, the slot is marked incompressible and not tried
 * again (until it is written).  A slot written, discarded or freed while
 * it is being recompressed keeps its newest content; the new object is
 * freed.
 * Return: 0; -ENOENT (no secondary algorithm is set); -EINVAL (@req->prio
 * above STORE_MAX_PRIO or not set; a mode bit other than idle and huge);
 * -ENOMEM.  *@done (if not NULL) gets the number of slots recompressed.
 * Context: one caller at a time (the tier's worker); compression runs with
 * no lock held, each slot's lock is taken only to copy and to install.
 */
int store_recompress(struct store *s, const struct store_recomp_req *req,
		     uint64_t *done);

/*
 * store_recomp_stats() - slots in RAM per priority and their bytes
 * (compressed, as compr_data_size); index 0 is the primary algorithm's.
 */
void store_recomp_stats(struct store *s, uint64_t pages[STORE_MAX_PRIO + 1],
			uint64_t bytes[STORE_MAX_PRIO + 1]);

/* ---- level and dictionary of each priority ---------------------------- */

/* Dictionaries in use at once (all priorities, current and old ones that
 * slots still need): the slot word's six bits, 0 meaning none. */
#define STORE_MAX_DICTS 63

/*
 * store_set_params() - priority @prio's level and dictionary for the pages
 * compressed from now on (0: the primary algorithm, for writes;
 * 1..STORE_MAX_PRIO: a secondary that is set, for recompression), as
 * zram's algorithm_params: both are replaced.  Slots already stored keep
 * decoding with what they were written with: each names its dictionary,
 * and a dictionary stays loaded as long as one slot (in RAM or written
 * back) needs it or a priority uses it.
 * @level: CODEC_LEVEL_DEFAULT or in the algorithm's range.
 * @dict: NULL (none), or a dictionary loaded for the priority's algorithm
 *   at @level (codec_dict_load()); the store takes its own reference.
 * @name: what algorithm_params shows for @dict (its path), copied; may be
 *   NULL.
 * Return: 0; -EINVAL (@prio out of range or not set; @dict of another
 * algorithm or level); -ERANGE (@level); -ENOSPC (STORE_MAX_DICTS
 * dictionaries are in use); -ENOMEM.  Nothing changes on an error.
 * Setting a dictionary loaded from the same bytes as one loaded already
 * (again, or going back to an earlier one) reuses its entry and keeps the
 * entry's first @name.
 * Context: takes recomp_lock for writing, so waits for the writes that
 * are copying the primary's codec at that moment (not for their
 * compression: each keeps the dictionary it took).
 */
int store_set_params(struct store *s, unsigned int prio, int level,
		     struct codec_dict *dict, const char *name);

/*
 * store_params() - priority @prio's level, and its dictionary's name
 * (copied into @name, @name_len bytes; "" when it has none or none was
 * given) and id (codec_dict_id(), 0 for none).
 * Return: true, or false when @prio has no algorithm (nothing is set).
 */
bool store_params(struct store *s, unsigned int prio, int *level,
		  char *name, size_t name_len, uint32_t *dict_id);

/*
 * store_dict_stats() - dictionaries loaded now (*@n) and their bytes
 * (*@bytes, the files' sizes).
 */
void store_dict_stats(struct store *s, unsigned int *n, uint64_t *bytes);

/* ---- sampling ---------------------------------------------------------- */

/*
 * store_sample() - up to @max stored pages picked at random, decompressed
 * into @pages (FZ_PAGE_SIZE each) with their slot numbers in @slots, for
 * training a dictionary from a live store.  Only compressed objects in RAM
 * are taken (not same-filled, raw or written-back ones, nor those a
 * writeback or recompression is copying).  Nothing about a slot changes:
 * no access time, no idle mark, no statistics.  No slot comes back twice
 * in one call; fewer than @max come back when fewer are stored, or when a
 * call's bound on the slots it looks at (a few million) runs out first,
 * so a sparse or empty store answers quickly.  Meant for a small @max (a
 * getxattr's worth: the check for repeats is linear).
 * @seed: the caller's random state (any value to start; updated).
 * Return: the number of pages (0 when none is stored), or -ENOMEM.
 * Context: takes each sampled slot's lock while it decompresses, with this
 * thread's codec context.
 */
int store_sample(struct store *s, uint64_t *seed, void *pages,
		 uint64_t *slots, unsigned int max);

/* ---- spill at mem_limit (issue 12) ------------------------------------- */

/*
 * store_set_spill() - what a write does when the pool is at mem_limit:
 * with @wait_ms 0 (the default) it fails -ENOMEM at once, as zram's;
 * otherwise it calls @kick(@arg) (the tier's worker: write the coldest
 * slots back) and waits up to @wait_ms for the pool to drop below the
 * limit, trying again each time it does, and fails -ENOMEM only then.
 * Waits are counted (store_spill_stats()).  @kick runs on the writing
 * thread and must not block.
 * A write does not wait (fails at once, as zram's) without a backing
 * store, or while it is full: a writeback that got -ENOSPC wakes the
 * waiting writes to fail; a later batch without -ENOSPC, or a
 * written-back slot freed, lets writes wait again.  The failed write
 * counts in failed_writes as zram's, and, if it waited, in the spill's
 * failed.  @kick may be NULL (the writes wait for a wake all the same).
 * The wait sits after the page is compressed and its allocation undone,
 * with no slot lock, no recomp_lock and no allocator or backing lock held,
 * so the worker's store_writeback() never waits for a waiting write.  (The
 * daemon's block device holds its stripe mutex across store_write(): the
 * stripe stays busy while its write waits; the worker calls the store
 * directly.)  Waits time out on CLOCK_MONOTONIC, wait_ms from the write's
 * first wait.
 * Context: wakes the waiting writes (they look again: spill may be off).
 * Set @kick and @arg once, before writes start, or keep @arg valid until
 * the store is destroyed: a write already past its load of them may still
 * call the earlier pair.  A @kick NULL keeps the last @arg, so that a
 * write racing the unset calls the old kick with its own argument (never
 * NULL); the same @kick may be set again with another @arg.
 */
void store_set_spill(struct store *s, unsigned int wait_ms,
		     void (*kick)(void *arg), void *arg);

/*
 * store_set_spill_high() - the early kick: while spill is set
 * (store_set_spill() with @wait_ms above 0), a write whose allocation
 * leaves the pool above @pct% of mem_limit calls the spill's kick, once
 * until the next store_spill_wake() (one flag: the write path costs a
 * compare), so that the worker writes back before writes have to wait.
 * @pct: 1..100 (above 100 is taken as 100); 0 (the default) off.
 */
void store_set_spill_high(struct store *s, unsigned int pct);

/* store_spill_wake() - wake the writes waiting for room (the worker calls
 * it after each batch it frees), and re-arm the early kick.
 * Context: takes the spill's lock, a leaf. */
void store_spill_wake(struct store *s);

/*
 * store_spill_fail() - the worker can make no room now (the backing store
 * full, writeback_limit spent, a backing write failed, nothing left to
 * write back, or it holds spill back after one of those): the writes
 * waiting fail now, and later writes at mem_limit fail at once, as
 * zram's, until a writeback batch without -ENOSPC or a written-back slot
 * freed (as for a full backing store).  Takes the spill's lock.
 */
void store_spill_fail(struct store *s);

/* store_spill_waiting() - the writes waiting for room now (counted from
 * before their kick until a wake or their time is up), for the worker: a
 * write may wait while the pool is below the high watermark (its
 * allocation needed a fresh zspage). */
unsigned int store_spill_waiting(struct store *s);

struct store_spill_stats {
	uint64_t waits;	   /* writes that waited for room */
	uint64_t wait_ns;  /* their total wait */
	uint64_t max_ns;   /* the longest */
	uint64_t failed;   /* writes that waited and still failed */
};

/* store_spill_stats() - the counts since the store was made (relaxed
 * reads); a write that waited counts once, however many times it was
 * woken. */
void store_spill_stats(struct store *s, struct store_spill_stats *out);

#endif /* FZRAM_STORE_H */
