/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backing_int.h - what the backing tier's four files share; not an API.
 *
 * backing.h's map says how space, objects and the seal fit together and
 * gives the lock order.  The tier is four files:
 *   backing.c     opening the store, create and destroy; the calls
 *                 (write, read, free, object_where) and the statistics;
 *   bk_space.c    the space map (segments, their free and dirty lists, the
 *                 per-block counts), placing objects at the head, and the id
 *                 table;
 *   bk_io.c       the bytes: the per-thread read buffer, pread and pwrite
 *                 with the fault points, the io_uring batch, punching, and
 *                 appending a batch of objects to the log (laying it out in
 *                 extents around the head's partial block);
 *   bk_compact.c  backing_maintain() (punching what became empty) and
 *                 backing_compact().
 * Nothing outside these files includes this header.
 *
 * Space.  The store is nsegs segments of BK_SEG_SIZE bytes.  One segment at
 * a time is the head (OPEN): objects are appended at head_fill.  An object
 * that does not fit in the rest of the head closes it (FULL) and opens a
 * segment from the free list.  Every 4 KiB block has a 16-bit word: the low
 * 15 bits count the live objects touching it (an object of at most
 * BK_MAX_OBJECT + BK_SEAL_OVERHEAD bytes touches at most three blocks), the
 * top bit (BK_ONDISK) says it holds bytes that were written and not yet
 * punched; used_blocks counts those blocks.  Every segment counts its live
 * objects and their bytes; a FULL segment whose count drops to zero goes
 * back on the free list at once (its blocks are punched later).  A block
 * whose count drops to zero puts its segment on the dirty list, which
 * backing_maintain() walks to punch runs of such blocks; the head's partly
 * filled block is never punched, it still has to be rewritten with the next
 * batch.  Space is reused only by the worker (backing_write and
 * backing_compact), the thread that also punches, so a block punched after
 * bk->lock is dropped cannot have been written again meanwhile.
 *
 * Ids.  The id table is chunks of BK_ID_CHUNK 16-byte entries {generation,
 * offset << BK_LEN_BITS | disk length}, allocated as ids first reach them;
 * a free entry has generation 0 and the next free id in its second word.
 *
 * Who may touch what (every field is also labelled below):
 * - Set by backing_create() and read-only afterwards, read by any file
 *   without a lock: path, kind, fd, direct, size, nsegs, seal, overhead.
 * - bk->lock (a mutex) covers the segment, block and id tables, the lists,
 *   the head and the counters that are not atomics; it is never held across
 *   I/O or sealing.  Its functions here say "caller holds bk->lock".
 * - bk->move (a rwlock, taken before bk->lock): backing_read() holds it
 *   shared from looking an id up to the end of its pread; compaction holds
 *   it exclusive while it repoints the ids it moved.
 * - The worker's own fields (the buffers, the partial block, the generation
 *   counter, the ring, no_punch) need no lock: one worker at a time
 *   (backing.h); backing_destroy() punches too, with no call running.
 * - The counters: relaxed atomics (RELAXED_ADD, RELAXED_LOAD), from any
 *   file.
 */
#ifndef FZRAM_BACKING_INT_H
#define FZRAM_BACKING_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "backing.h"
#include "seal.h"

_Static_assert(BK_SEAL_OVERHEAD == SEAL_TAG, "seal overhead");
_Static_assert(BK_SEG_SIZE % BK_BLOCK_SIZE == 0, "segment of blocks");

#define BLK BK_BLOCK_SIZE
#define SEG BK_SEG_SIZE
#define BK_NONE UINT32_MAX /* no segment, end of a list */
#define BK_ONDISK 0x8000u  /* block holds unpunched bytes */
#define BK_COUNT 0x7fffu   /* live objects touching a block */
#define BK_DISK_MAX (BK_MAX_OBJECT + BK_SEAL_OVERHEAD)
#define BK_LEN_BITS 13 /* disk length in an entry */
#define BK_LEN_MASK ((1u << BK_LEN_BITS) - 1)
/* offsets fit 51 bits; segment numbers stay below BK_NONE (UINT32_MAX) */
#define BK_MAX_SIZE ((1ULL << 50) - BK_SEG_SIZE)
#define BK_ID_SHIFT 12		 /* ids per chunk: 4096 (64 KiB) */
#define BK_ID_CHUNK (1u << BK_ID_SHIFT)
#define BK_MAX_ID (UINT32_MAX - 1)
/* A batch of at most BK_MAX_BATCH objects of at most BK_DISK_MAX bytes
 * touches at most 6 segments (each closed one holds more than
 * BK_SEG_SIZE - BK_DISK_MAX of it); each extent adds at most two blocks. */
#define BK_MAX_EXT 8
#define BK_BUF_SIZE (BK_MAX_BATCH * BK_DISK_MAX + 2 * BK_MAX_EXT * BLK)
#define BK_RBUF_SIZE (3 * BLK) /* the blocks one object can touch */
#define BK_RING_DEPTH 16
/* Free segments only compaction may open: with the store full of sparse
 * segments, it can still move a victim (less than a segment of live data)
 * out, and so make room again.  Writes see a store this much smaller. */
#define BK_RESERVE_SEGS 1

_Static_assert(BK_DISK_MAX <= BK_LEN_MASK, "length bits");
_Static_assert((BK_MAX_BATCH * BK_DISK_MAX) / (SEG - BK_DISK_MAX) + 2 <=
		   BK_MAX_EXT,
	       "extents per batch");

#define RELAXED_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

enum bk_seg_state {
	BK_SEG_FREE, /* on the free list */
	BK_SEG_OPEN, /* the head */
	BK_SEG_FULL, /* closed; free again when live drops to 0 */
};

struct bk_seg {
	uint32_t live;	     /* live objects in it */
	uint32_t live_bytes; /* their bytes on disk */
	uint32_t next;	     /* free list link, when FREE */
	uint32_t dnext;	     /* dirty list link, when dirty */
	uint8_t state;	     /* enum bk_seg_state */
	uint8_t dirty;	     /* on the dirty list */
	uint8_t victim;	     /* chosen by the running backing_compact() */
};

struct bk_ent {
	uint64_t gen;	/* 0: a free entry */
	uint64_t where; /* offset << BK_LEN_BITS | disk length; free: the
			   next free id */
};
_Static_assert(sizeof(struct bk_ent) == 16, "id entry");

/* One object of an append: a new one (sealed) or one compaction moves. */
struct bk_obj {
	const uint8_t *src; /* in: its bytes on disk; NULL: skip */
	unsigned int dlen;  /* in: their length */
	uint64_t off;	    /* out: where they went */
	int err;	    /* out: 0, -ENOSPC, -EIO */
	uint8_t ext;	    /* the extent that writes it */
};

struct backing {
	char *path;		/* as given */
	enum backing_kind kind; /* what it is */
	int fd;			/* open read-write */
	bool direct;		/* opened O_DIRECT */
	bool no_punch;		/* the store refused a punch: never again */
	bool ready;		/* created: destroy gives its space back */
	uint64_t size;		/* whole segments */
	uint32_t nsegs;		/* size / SEG */
	struct seal *seal;	/* NULL: encryption off */
	unsigned int overhead;	/* disk bytes - data bytes of an object */

	pthread_rwlock_t move; /* shared by reads, exclusive to repoint */
	pthread_mutex_t lock;  /* the tables and counters below */

	struct bk_seg *segs;   /* [nsegs]; protected by lock */
	uint16_t *blk;	       /* [size / BLK]; protected by lock */
	uint32_t free_head;    /* free segments that were used; protected by
				  lock */
	uint32_t fresh;	       /* [fresh, nsegs) never used: free, not on the
				  list; protected by lock */
	uint32_t nfree;	       /* free segments, on the list or fresh;
				  protected by lock */
	uint32_t dirty_head;   /* segments to punch; protected by lock */
	uint32_t head;	       /* open segment or BK_NONE; lock */
	uint32_t head_fill;    /* bytes appended to the head; lock */
	struct bk_ent **ids;   /* chunk directory; protected by lock */
	uint32_t ids_cap;      /* chunks the directory has room for */
	uint32_t id_next;      /* first id never handed out; lock */
	uint32_t id_free;      /* free list of ids, 0: empty; lock */
	uint64_t objects;      /* live ids; protected by lock */
	uint64_t data_bytes;   /* their data lengths; lock */
	uint64_t stored_bytes; /* their disk lengths; lock */
	uint64_t used_blocks;  /* blocks with BK_ONDISK; lock */
	uint64_t id_bytes;     /* RAM of the id table; lock */

	/* the worker's own: one caller at a time */
	uint8_t *pbuf;	     /* the head's partial block (BLK, aligned) */
	uint8_t *wbuf;	     /* a batch's blocks (BK_BUF_SIZE, aligned) */
	uint8_t *sbuf;	     /* sealed objects of a batch */
	uint8_t *cbuf;	     /* one segment read by compaction (aligned) */
	struct bk_obj *objs; /* [BK_MAX_BATCH] */
	uint64_t gen;	     /* last generation handed out */
#ifdef HAVE_LIBURING
	struct io_uring ring; /* for the batch writes */
	bool ring_made;	      /* made: io_uring_queue_exit() at destroy */
	bool ring_ok;	      /* made and usable */
#endif

	/* counters: relaxed atomics */
	uint64_t reads;		/* objects read */
	uint64_t writes;	/* objects written */
	uint64_t read_errors;	/* reads that failed */
	uint64_t write_errors;	/* objects whose write failed */
	uint64_t moved;		/* objects moved by compaction */
	uint64_t punched_bytes; /* bytes punched, ever */
};

static inline uint64_t round_down(uint64_t v)
{
	return v & ~(uint64_t)(BLK - 1);
}

static inline uint64_t round_up(uint64_t v)
{
	return round_down(v + BLK - 1);
}

/* The entry of @id, which was handed out; caller holds bk->lock. */
static inline struct bk_ent *ent(struct backing *bk, bk_id_t id)
{
	return &bk->ids[id >> BK_ID_SHIFT][id & (BK_ID_CHUNK - 1)];
}

/* The entry of @id when it is live, else NULL; caller holds bk->lock. */
static inline struct bk_ent *ent_live(struct backing *bk, bk_id_t id)
{
	struct bk_ent *e;

	if (id == 0 || id >= bk->id_next)
		return NULL;
	e = ent(bk, id);
	return e->gen ? e : NULL;
}

/* ---- bk_space.c: caller holds bk->lock, except init and destroy ------- */

/*
 * bk_space_init() - allocate the segment and block tables of bk->nsegs
 * segments, every segment free (lowest first), no head.
 * Return: 0 or -ENOMEM (what was allocated is freed by bk_space_destroy()).
 * Context: backing_create(), before the tier is shared.
 */
int bk_space_init(struct backing *bk);

/* bk_space_destroy() - free the segment, block and id tables (any part of
 * them may be missing).  Context: backing_destroy(). */
void bk_space_destroy(struct backing *bk);

/* bk_seg_dirty() - put segment @s on the dirty list (once). */
void bk_seg_dirty(struct backing *bk, uint32_t s);

/* bk_seg_free() - put segment @s on the free list. */
void bk_seg_free(struct backing *bk, uint32_t s);

/*
 * bk_place() - reserve @len bytes at the head, opening a new one when they
 * do not fit, and count them live in their blocks and segment; the offset
 * goes to *@off.  Only compaction (@reserve) may take the last
 * BK_RESERVE_SEGS free segments.
 * Return: 0 or -ENOSPC.
 */
int bk_place(struct backing *bk, unsigned int len, bool reserve, uint64_t *off);

/* bk_unplace() - the object at @off, @len bytes, is no longer live: drop
 * its counts (a block at zero dirties its segment; a FULL segment at zero
 * is free again). */
void bk_unplace(struct backing *bk, uint64_t off, unsigned int len);

/*
 * bk_id_alloc() - a free id into *@out (its entry is the caller's to fill).
 * Allocates (a chunk, or a larger directory) on the worker only, never on
 * the request path.
 * Return: 0 or -ENOMEM (no memory, or every id handed out).
 */
int bk_id_alloc(struct backing *bk, bk_id_t *out);

/* bk_id_put() - put live id @id back on the free list. */
void bk_id_put(struct backing *bk, bk_id_t id);

/* ---- bk_io.c: no lock held, except where said ----------------------- */

/* bk_io_init() - make the io_uring for batch writes when built with
 * liburing; without one (kernel too old, io_uring disabled) pwrite does.
 * Context: backing_create(). */
void bk_io_init(struct backing *bk);

/* bk_io_destroy() - tear the ring down, if made.  Context:
 * backing_destroy(). */
void bk_io_destroy(struct backing *bk);

/*
 * bk_rbuf() - the calling thread's aligned read buffer of BK_RBUF_SIZE
 * bytes, made on its first call and freed when the thread exits.
 * Return: the buffer, or NULL (no memory).  Context: any thread, no lock
 * held.
 */
uint8_t *bk_rbuf(void);

/* bk_pread() - read @len bytes at @off into @buf (aligned for O_DIRECT).
 * Return: 0, -EIO (short, or the FAULT_BK_READ point), -errno of pread. */
int bk_pread(struct backing *bk, void *buf, size_t len, uint64_t off);

/*
 * bk_punch() - give [@off, @off + @len) back to the store (PUNCH_HOLE on a
 * file, BLKDISCARD on a block device); a store that has no such thing is
 * never asked again (its space is still reused).
 * Return: bytes punched (0 on failure).  Context: the worker, or destroy.
 */
uint64_t bk_punch(struct backing *bk, uint64_t off, uint64_t len);

/*
 * bk_append() - place, lay out and write the @n objects of @o (skipping
 * those with no src); compaction passes @reserve.  On return each placed
 * object has err 0 and its offset, and still counts as live in its blocks
 * and segment: the caller gives it an id or a new place in the table, or
 * unplaces it.  The others have err -ENOSPC (skipped, or no room: then
 * this and the ones after it) or -EIO (its write failed after a retry; its
 * space is given back).
 * Return: the objects written.
 * Context: the worker only; takes bk->lock to place and to settle, never
 * across the I/O.
 */
unsigned int bk_append(struct backing *bk, struct bk_obj *o, unsigned int n,
		       bool reserve);

#endif /* FZRAM_BACKING_INT_H */
