// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backing.c - the backing tier of backing.h: a log of sealed objects packed
 * byte by byte into segments of a file or block device.
 *
 * Space.  The store is nsegs segments of BK_SEG_SIZE bytes.  One segment at
 * a time is the head (OPEN): objects are appended at head_fill.  An object
 * that does not fit in the rest of the head closes it (FULL) and opens a
 * segment from the free list.  Every 4 KiB block has a 16-bit word: the low
 * 15 bits count the live objects touching it (an object of at most
 * BK_MAX_OBJECT + BK_SEAL_OVERHEAD bytes touches at most three blocks), the
 * top bit (BK_ONDISK) says it holds bytes that were written and not yet
 * punched; used_bytes counts those blocks.  Every segment counts its live
 * objects and their bytes; a FULL segment whose count drops to zero goes
 * back on the free list at once (its blocks are punched later).  A block
 * whose count drops to zero puts its segment on the dirty list, which
 * backing_maintain() walks to punch runs of such blocks; the head's partly
 * filled block is never punched, it still has to be rewritten with the next
 * batch.  Space is reused only by the worker (backing_write and
 * backing_compact), the thread that also punches, so a block punched after
 * bk->lock is dropped cannot have been written again meanwhile.
 *
 * A batch.  The objects are sealed into a staging buffer before any lock is
 * taken; then, under bk->lock, each gets its offset at the head; then,
 * without the lock, they are laid out in the batch buffer as extents (one
 * per segment touched: from the block holding its first object's start,
 * whose earlier bytes come from the head's partial block, to the end of its
 * last object, rounded up to a block) and every extent is written at once
 * (io_uring, or pwrite).  An extent that fails or comes back short is
 * written once more with pwrite; if that fails too its objects are given
 * back (their counts dropped, so maintain punches what they took) and the
 * head goes back to where that extent began when it was the last one.
 *
 * Ids.  The id table is chunks of BK_ID_CHUNK 16-byte entries {generation,
 * offset << BK_LEN_BITS | disk length}, allocated as ids first reach them;
 * a free entry has generation 0 and the next free id in its second word.
 *
 * Locks, in order: bk->move (rwlock) → bk->lock (mutex).  bk->lock covers
 * the segment, block and id tables and the counters that are not atomics;
 * it is never held across I/O or sealing.  The worker's own fields (buffers,
 * the partial block, the generation counter) need no lock: one worker at a
 * time (backing.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "fault.h"
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
#define BK_MAX_SIZE (1ULL << 50) /* offsets fit 51 bits, segs 32 */
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

/* One write of an append: a run of blocks in one segment. */
struct bk_ext {
	uint64_t start;	     /* disk offset, block aligned */
	uint64_t end;	     /* end of its last object */
	size_t pos;	     /* where it begins in bk->wbuf */
	uint32_t seg;	     /* the segment it lies in */
	uint32_t first_fill; /* head_fill before its first object */
	int err;	     /* 0, or -EIO after the retry */
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
	uint32_t free_head;    /* free segments; protected by lock */
	uint32_t nfree;	       /* how many; protected by lock */
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

static uint64_t round_down(uint64_t v)
{
	return v & ~(uint64_t)(BLK - 1);
}

static uint64_t round_up(uint64_t v)
{
	return round_down(v + BLK - 1);
}

/* ---- Per-thread read buffers ------------------------------------------ */

static pthread_key_t bk_rkey;
static bool bk_rkey_ok;
static pthread_once_t bk_ronce = PTHREAD_ONCE_INIT;

static void bk_rkey_make(void)
{
	bk_rkey_ok = pthread_key_create(&bk_rkey, free) == 0;
}

/* The calling thread's aligned read buffer of BK_RBUF_SIZE bytes.  Made on
 * its first read and freed when it exits: 12 KiB once per thread, with no
 * lock held, so it cannot wait on anything the tier holds. */
static uint8_t *bk_rbuf(void)
{
	void *p;

	pthread_once(&bk_ronce, bk_rkey_make);
	if (!bk_rkey_ok)
		return NULL;
	p = pthread_getspecific(bk_rkey);
	if (p)
		return p;
	if (posix_memalign(&p, BLK, BK_RBUF_SIZE) != 0)
		return NULL;
	if (pthread_setspecific(bk_rkey, p) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- I/O, with the fault points ---------------------------------------- */

/* Read @len bytes at @off into @buf, all or -EIO. */
static int bk_pread(struct backing *bk, void *buf, size_t len, uint64_t off)
{
	ssize_t n;

	if (fault_hit(FAULT_BK_READ))
		return -EIO;
	do
		n = pread(bk->fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* How much of a @len-byte write to submit: 0 for an injected failure
 * (*@fail set), half of it (whole blocks) for an injected short write. */
static size_t bk_fault_len(size_t len, bool *fail)
{
	*fail = fault_hit(FAULT_BK_WRITE);
	if (*fail)
		return 0;
	if (fault_hit(FAULT_BK_WRITE_SHORT))
		return round_down(len / 2);
	return len;
}

/* Write @len bytes at @off; the bytes written or -errno. */
static ssize_t bk_pwrite(struct backing *bk, const void *buf, size_t len,
			 uint64_t off)
{
	bool fail;
	size_t l = bk_fault_len(len, &fail);
	ssize_t n;

	if (fail)
		return -EIO;
	if (l == 0)
		return 0;
	do
		n = pwrite(bk->fd, buf, l, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static size_t ext_len(const struct bk_ext *e)
{
	return round_up(e->end) - e->start;
}

#ifdef HAVE_LIBURING
/* Submit every extent's write on the ring and reap them into @res. */
static void bk_ring_write(struct backing *bk, struct bk_ext *ext,
			  unsigned int n, ssize_t *res)
{
	unsigned int queued = 0, done = 0;
	struct io_uring_cqe *cqe;
	bool fail;

	for (unsigned int k = 0; k < n; k++) {
		struct io_uring_sqe *sqe;
		size_t l = bk_fault_len(ext_len(&ext[k]), &fail);

		res[k] = fail ? -EIO : 0;
		if (fail || l == 0)
			continue;
		sqe = io_uring_get_sqe(&bk->ring);
		if (!sqe) { /* not expected: BK_RING_DEPTH > BK_MAX_EXT */
			res[k] = -EAGAIN;
			continue;
		}
		io_uring_prep_write(sqe, bk->fd, bk->wbuf + ext[k].pos,
				    (unsigned int)l, ext[k].start);
		io_uring_sqe_set_data(sqe, (void *)(uintptr_t)k);
		queued++;
	}
	while (queued > 0) {
		int r = io_uring_submit(&bk->ring);

		if (r >= 0)
			break;
		if (r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			/* the entries stay queued: never submit on this ring
			 * again, and let every write go through the retry */
			bk->ring_ok = false;
			for (unsigned int k = 0; k < n; k++)
				res[k] = -EIO;
			return;
		}
	}
	while (done < queued) {
		int r = io_uring_wait_cqe(&bk->ring, &cqe);

		if (r == -EINTR)
			continue;
		if (r < 0) {
			bk->ring_ok = false;
			for (unsigned int k = 0; k < n; k++)
				res[k] = -EIO;
			return;
		}
		res[(uintptr_t)io_uring_cqe_get_data(cqe)] = cqe->res;
		io_uring_cqe_seen(&bk->ring, cqe);
		done++;
	}
}
#endif

/* Write every extent of a batch; a failed or short one is written once more
 * with pwrite, then marked -EIO. */
static void bk_write_exts(struct backing *bk, struct bk_ext *ext,
			  unsigned int n)
{
	ssize_t res[BK_MAX_EXT];

#ifdef HAVE_LIBURING
	if (bk->ring_ok)
		bk_ring_write(bk, ext, n, res);
	else
#endif
		for (unsigned int k = 0; k < n; k++)
			res[k] = bk_pwrite(bk, bk->wbuf + ext[k].pos,
					   ext_len(&ext[k]), ext[k].start);
	for (unsigned int k = 0; k < n; k++) {
		size_t len = ext_len(&ext[k]);

		if (res[k] != (ssize_t)len)
			res[k] = bk_pwrite(bk, bk->wbuf + ext[k].pos, len,
					   ext[k].start);
		ext[k].err = res[k] == (ssize_t)len ? 0 : -EIO;
		if (!ext[k].err && !bk->direct)
			/* keep what left RAM out of the page cache */
			(void)posix_fadvise(bk->fd, (off_t)ext[k].start,
					    (off_t)len, POSIX_FADV_DONTNEED);
	}
}

/* Give [@off, @off + @len) back to the store; bytes punched. */
static uint64_t bk_punch(struct backing *bk, uint64_t off, uint64_t len)
{
	int r;

	if (bk->no_punch || len == 0)
		return 0;
	if (bk->kind == BK_KIND_BLOCK) {
		uint64_t range[2] = {off, len};

		r = ioctl(bk->fd, BLKDISCARD, range);
	} else {
		r = fallocate(bk->fd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len);
	}
	if (r == 0) {
		RELAXED_ADD(&bk->punched_bytes, len);
		return len;
	}
	if (errno == EOPNOTSUPP || errno == ENOTTY)
		bk->no_punch = true; /* the space is still reused */
	return 0;
}

/* ---- Space: caller holds bk->lock -------------------------------------- */

static void seg_dirty(struct backing *bk, uint32_t s)
{
	if (bk->segs[s].dirty)
		return;
	bk->segs[s].dirty = 1;
	bk->segs[s].dnext = bk->dirty_head;
	bk->dirty_head = s;
}

static void seg_free(struct backing *bk, uint32_t s)
{
	bk->segs[s].state = BK_SEG_FREE;
	bk->segs[s].next = bk->free_head;
	bk->free_head = s;
	bk->nfree++;
}

static void blk_get(struct backing *bk, uint64_t off, unsigned int len)
{
	for (uint64_t b = off / BLK; b <= (off + len - 1) / BLK; b++) {
		if (!(bk->blk[b] & BK_ONDISK)) {
			bk->blk[b] |= BK_ONDISK;
			bk->used_blocks++;
		}
		bk->blk[b]++;
	}
}

/* The object at @off, @len bytes, is no longer live. */
static void bk_unplace(struct backing *bk, uint64_t off, unsigned int len)
{
	uint32_t s = (uint32_t)(off / SEG);

	for (uint64_t b = off / BLK; b <= (off + len - 1) / BLK; b++)
		if ((--bk->blk[b] & BK_COUNT) == 0)
			seg_dirty(bk, (uint32_t)(b / (SEG / BLK)));
	bk->segs[s].live--;
	bk->segs[s].live_bytes -= len;
	if (bk->segs[s].live == 0 && bk->segs[s].state == BK_SEG_FULL)
		seg_free(bk, s);
}

/* Reserve @len bytes at the head, opening a new one when they do not fit;
 * only compaction (@reserve) may take the last BK_RESERVE_SEGS free ones. */
static int bk_place(struct backing *bk, unsigned int len, bool reserve,
		    uint64_t *off)
{
	uint32_t s;

	if (bk->head == BK_NONE || bk->head_fill + len > SEG) {
		s = bk->free_head;
		if (s == BK_NONE || (!reserve && bk->nfree <= BK_RESERVE_SEGS))
			return -ENOSPC;
		bk->free_head = bk->segs[s].next;
		bk->nfree--;
		if (bk->head != BK_NONE) {
			uint32_t h = bk->head;

			bk->segs[h].state = BK_SEG_FULL;
			if (bk->segs[h].live == 0)
				seg_free(bk, h);
			seg_dirty(bk, h); /* its tail may hold stale blocks */
		}
		bk->head = s;
		bk->head_fill = 0;
		bk->segs[s].state = BK_SEG_OPEN;
	}
	*off = (uint64_t)bk->head * SEG + bk->head_fill;
	bk->head_fill += len;
	blk_get(bk, *off, len);
	bk->segs[bk->head].live++;
	bk->segs[bk->head].live_bytes += len;
	return 0;
}

/* ---- Ids: caller holds bk->lock ---------------------------------------- */

static struct bk_ent *ent(struct backing *bk, bk_id_t id)
{
	return &bk->ids[id >> BK_ID_SHIFT][id & (BK_ID_CHUNK - 1)];
}

static struct bk_ent *ent_live(struct backing *bk, bk_id_t id)
{
	struct bk_ent *e;

	if (id == 0 || id >= bk->id_next)
		return NULL;
	e = ent(bk, id);
	return e->gen ? e : NULL;
}

/* A free id.  Allocates (a chunk, or a larger directory) on the worker only,
 * never on the request path; a failure leaves the object unwritten. */
static int id_alloc(struct backing *bk, bk_id_t *out)
{
	uint32_t c;

	if (bk->id_free) {
		*out = bk->id_free;
		bk->id_free = (uint32_t)ent(bk, *out)->where;
		return 0;
	}
	if (bk->id_next > BK_MAX_ID)
		return -ENOMEM;
	c = bk->id_next >> BK_ID_SHIFT;
	if (c >= bk->ids_cap) {
		uint32_t ncap = bk->ids_cap ? bk->ids_cap * 2 : 16;
		struct bk_ent **d = realloc(bk->ids, ncap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		memset(d + bk->ids_cap, 0, (ncap - bk->ids_cap) * sizeof(*d));
		bk->id_bytes += (ncap - bk->ids_cap) * sizeof(*d);
		bk->ids = d;
		bk->ids_cap = ncap;
	}
	if (!bk->ids[c]) {
		bk->ids[c] = calloc(BK_ID_CHUNK, sizeof(struct bk_ent));
		if (!bk->ids[c])
			return -ENOMEM;
		bk->id_bytes += BK_ID_CHUNK * sizeof(struct bk_ent);
	}
	*out = bk->id_next++;
	return 0;
}

static void id_put(struct backing *bk, bk_id_t id)
{
	struct bk_ent *e = ent(bk, id);

	e->gen = 0;
	e->where = bk->id_free;
	bk->id_free = id;
}

/* ---- Appending a batch (the worker) ------------------------------------ */

/*
 * Place, lay out and write the objects of @o (skipping those with no src).
 * On return each placed object has err 0 and its offset, and still counts
 * as live in its blocks and segment: the caller gives it an id or a new
 * place in the table, or unplaces it.  Returns the objects written.
 */
static unsigned int bk_append(struct backing *bk, struct bk_obj *o,
			      unsigned int n, bool reserve)
{
	struct bk_ext ext[BK_MAX_EXT];
	unsigned int next = 0, written = 0;
	bool full = false;
	size_t pos = 0;

	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct bk_ext *e = next ? &ext[next - 1] : NULL;
		uint64_t off;

		o[i].err = -ENOSPC;
		if (!o[i].src || full)
			continue;
		if (bk_place(bk, o[i].dlen, reserve, &off) != 0) {
			full = true; /* this and the ones after it */
			continue;
		}
		o[i].err = 0;
		if (!e || e->seg != off / SEG) {
			e = &ext[next++];
			e->seg = (uint32_t)(off / SEG);
			e->start = round_down(off);
			e->pos = round_up(pos);
			/* the head as the batch found it, or a new one */
			e->first_fill = (uint32_t)(off % SEG);
		}
		e->end = off + o[i].dlen;
		pos = e->pos + (e->end - e->start);
		o[i].off = off;
		o[i].ext = (uint8_t)(next - 1);
	}
	pthread_mutex_unlock(&bk->lock);
	if (next == 0)
		return 0;

	for (unsigned int k = 0; k < next; k++) {
		struct bk_ext *e = &ext[k];
		size_t head = (size_t)(e->first_fill % BLK);
		size_t len = ext_len(e);

		/* the earlier bytes of the head's partial block */
		if (head)
			memcpy(bk->wbuf + e->pos, bk->pbuf, head);
		memset(bk->wbuf + e->pos + (e->end - e->start), 0,
		       len - (e->end - e->start));
	}
	for (unsigned int i = 0; i < n; i++)
		if (!o[i].err)
			memcpy(bk->wbuf + ext[o[i].ext].pos +
				   (o[i].off - ext[o[i].ext].start),
			       o[i].src, o[i].dlen);

	bk_write_exts(bk, ext, next);

	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		if (o[i].err)
			continue;
		if (ext[o[i].ext].err) {
			bk_unplace(bk, o[i].off, o[i].dlen);
			o[i].err = ext[o[i].ext].err;
		} else {
			written++;
		}
	}
	if (ext[next - 1].err && bk->head == ext[next - 1].seg)
		bk->head_fill = ext[next - 1].first_fill; /* as before it */
	pthread_mutex_unlock(&bk->lock);

	if (!ext[next - 1].err && ext[next - 1].end % BLK) {
		struct bk_ext *e = &ext[next - 1];

		memcpy(bk->pbuf,
		       bk->wbuf + e->pos + (round_down(e->end) - e->start),
		       e->end % BLK);
	}
	return written;
}

/* ---- Opening ------------------------------------------------------------ */

static int bk_open(struct backing *bk, const char *path, uint64_t *devsize)
{
	struct stat st;
	int flags = O_RDWR | O_CLOEXEC;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		bk->kind = BK_KIND_FILE;
	} else if (S_ISREG(st.st_mode)) {
		bk->kind = BK_KIND_FILE;
	} else if (S_ISBLK(st.st_mode)) {
		bk->kind = BK_KIND_BLOCK;
	} else if (S_ISDIR(st.st_mode)) {
		bk->kind = BK_KIND_TMPFILE;
	} else {
		return -EINVAL;
	}
	for (int direct = 1; direct >= 0; direct--) {
		int f = flags | (direct ? O_DIRECT : 0);

		if (bk->kind == BK_KIND_FILE)
			bk->fd = open(path, f | O_CREAT, 0600);
		else if (bk->kind == BK_KIND_BLOCK)
			bk->fd = open(path, f);
		else
			bk->fd = open(path, f | O_TMPFILE, 0600);
		if (bk->fd >= 0) {
			bk->direct = direct;
			break;
		}
		if (direct && errno == EINVAL)
			continue; /* O_DIRECT refused: buffered */
		if (bk->kind == BK_KIND_TMPFILE &&
		    (errno == EOPNOTSUPP || errno == EISDIR))
			return -EOPNOTSUPP;
		return -errno;
	}
	if (fstat(bk->fd, &st) < 0)
		return -errno;
	if (bk->kind == BK_KIND_BLOCK ? !S_ISBLK(st.st_mode)
				      : !S_ISREG(st.st_mode))
		return -EINVAL; /* it changed under us */
	*devsize = UINT64_MAX;
	if (bk->kind == BK_KIND_BLOCK &&
	    ioctl(bk->fd, BLKGETSIZE64, devsize) < 0)
		return -errno;
	return 0;
}

/* Extend a file to the size; make sure O_DIRECT really works on it, or
 * reopen it buffered. */
static int bk_prepare(struct backing *bk)
{
	struct stat st;
	int r;

	if (bk->kind != BK_KIND_BLOCK) {
		if (fstat(bk->fd, &st) < 0)
			return -errno;
		if ((uint64_t)st.st_size < bk->size &&
		    ftruncate(bk->fd, (off_t)bk->size) < 0)
			return -errno;
	}
	if (!bk->direct)
		return 0;
	/* not bk_pread(): a probe is no fault point */
	r = pread(bk->fd, bk->pbuf, BLK, 0) < 0 ? -errno : 0;
	if (r != -EINVAL)
		return 0; /* works, or fails for another reason later */
	if (bk->kind == BK_KIND_TMPFILE) {
		/* an unnamed file cannot be reopened by name: clear the flag */
		int fl = fcntl(bk->fd, F_GETFL);

		if (fl < 0 || fcntl(bk->fd, F_SETFL, fl & ~O_DIRECT) < 0)
			return -errno;
	} else {
		int fd = open(bk->path, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		close(bk->fd);
		bk->fd = fd;
	}
	bk->direct = false;
	return 0;
}

static int bk_alloc_tables(struct backing *bk)
{
	bk->segs = calloc(bk->nsegs, sizeof(*bk->segs));
	/* resident only where touched: calloc of this size maps zeros */
	bk->blk = calloc(bk->size / BLK, sizeof(*bk->blk));
	bk->objs = calloc(BK_MAX_BATCH, sizeof(*bk->objs));
	bk->sbuf = malloc(BK_MAX_BATCH * BK_DISK_MAX);
	if (!bk->segs || !bk->blk || !bk->objs || !bk->sbuf)
		return -ENOMEM;
	if (posix_memalign((void **)&bk->pbuf, BLK, BLK) != 0 ||
	    posix_memalign((void **)&bk->wbuf, BLK, BK_BUF_SIZE) != 0 ||
	    posix_memalign((void **)&bk->cbuf, BLK, SEG) != 0)
		return -ENOMEM;
	memset(bk->pbuf, 0, BLK);
	bk->free_head = BK_NONE;
	bk->dirty_head = BK_NONE;
	bk->head = BK_NONE;
	for (uint32_t s = bk->nsegs; s-- > 0;)
		seg_free(bk, s); /* lowest first */
	return 0;
}

int backing_create(const struct backing_config *cfg, struct backing **out)
{
	struct backing *bk;
	uint64_t devsize, size;
	int r;

	if (!cfg || !cfg->path || !*cfg->path || !out)
		return -EINVAL;
	bk = calloc(1, sizeof(*bk));
	if (!bk)
		return -ENOMEM;
	bk->fd = -1;
	pthread_rwlock_init(&bk->move, NULL);
	pthread_mutex_init(&bk->lock, NULL);
	bk->id_next = 1; /* 0 means none */
	bk->path = strdup(cfg->path);
	r = -ENOMEM;
	if (!bk->path)
		goto out_free;
	r = bk_open(bk, cfg->path, &devsize);
	if (r)
		goto out_free;
	size = cfg->size ? cfg->size : cfg->default_size;
	if (size > devsize)
		size = devsize;
	if (size > BK_MAX_SIZE)
		size = BK_MAX_SIZE;
	size -= size % SEG;
	r = -EINVAL;
	if (size < BK_MIN_SIZE)
		goto out_free;
	bk->size = size;
	bk->nsegs = (uint32_t)(size / SEG);
	r = bk_alloc_tables(bk);
	if (r)
		goto out_free;
	r = bk_prepare(bk);
	if (r)
		goto out_free;
	if (cfg->encrypt) {
		r = seal_create(cfg->force_xchacha, &bk->seal);
		if (r)
			goto out_free;
		bk->overhead = BK_SEAL_OVERHEAD;
	}
#ifdef HAVE_LIBURING
	/* without a ring (kernel too old, or io_uring disabled) pwrite does */
	bk->ring_ok = io_uring_queue_init(BK_RING_DEPTH, &bk->ring, 0) == 0;
#endif
	bk->ready = true;
	*out = bk;
	return 0;

out_free:
	backing_destroy(bk);
	return r;
}

void backing_destroy(struct backing *bk)
{
	if (!bk)
		return;
	if (bk->fd >= 0) {
		/* an O_TMPFILE vanishes on close: nothing to give back */
		if (bk->kind != BK_KIND_TMPFILE && bk->ready)
			(void)bk_punch(bk, 0, bk->size);
		close(bk->fd);
	}
#ifdef HAVE_LIBURING
	if (bk->ring_ok)
		io_uring_queue_exit(&bk->ring);
#endif
	seal_destroy(bk->seal);
	if (bk->ids)
		for (uint32_t c = 0; c < bk->ids_cap; c++)
			free(bk->ids[c]);
	free(bk->ids);
	free(bk->segs);
	free(bk->blk);
	free(bk->objs);
	free(bk->sbuf);
	free(bk->pbuf);
	free(bk->wbuf);
	free(bk->cbuf);
	free(bk->path);
	pthread_rwlock_destroy(&bk->move);
	pthread_mutex_destroy(&bk->lock);
	free(bk);
}

const char *backing_path(const struct backing *bk)
{
	return bk->path;
}

enum backing_kind backing_kind(const struct backing *bk)
{
	return bk->kind;
}

bool backing_encrypted(const struct backing *bk)
{
	return bk->seal != NULL;
}

const char *backing_cipher(const struct backing *bk)
{
	return bk->seal ? seal_name(bk->seal) : "none";
}

/* ---- The calls ---------------------------------------------------------- */

int backing_write(struct backing *bk, struct bk_item *items, unsigned int n)
{
	struct bk_obj *o = bk->objs;
	unsigned int written = 0, failed = 0;
	uint64_t gens[BK_MAX_BATCH];

	if (n == 0 || n > BK_MAX_BATCH)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (items[i].len == 0 || items[i].len > BK_MAX_OBJECT ||
		    !items[i].data)
			return -EINVAL;

	/* seal before any lock */
	for (unsigned int i = 0; i < n; i++) {
		items[i].id = 0;
		items[i].err = 0;
		gens[i] = ++bk->gen;
		o[i].dlen = items[i].len + bk->overhead;
		o[i].src = items[i].data;
		if (bk->seal) {
			uint8_t *dst = bk->sbuf + (size_t)i * BK_DISK_MAX;

			o[i].src = dst;
			if (seal_close(bk->seal, items[i].slot, gens[i],
				       items[i].data, items[i].len, dst) != 0)
				o[i].src = NULL;
		}
	}

	bk_append(bk, o, n, false);

	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct bk_ent *e;
		bk_id_t id;
		int r;

		if (!o[i].src) {
			items[i].err = -EIO;
			failed++;
			continue;
		}
		if (o[i].err) {
			items[i].err = o[i].err;
			failed += o[i].err == -EIO;
			continue;
		}
		r = id_alloc(bk, &id);
		if (r) {
			bk_unplace(bk, o[i].off, o[i].dlen);
			items[i].err = r;
			continue;
		}
		e = ent(bk, id);
		e->gen = gens[i];
		e->where = o[i].off << BK_LEN_BITS | o[i].dlen;
		items[i].id = id;
		bk->objects++;
		bk->data_bytes += items[i].len;
		bk->stored_bytes += o[i].dlen;
		written++;
	}
	pthread_mutex_unlock(&bk->lock);
	RELAXED_ADD(&bk->writes, written);
	RELAXED_ADD(&bk->write_errors, failed);
	return (int)written;
}

int backing_read(struct backing *bk, bk_id_t id, uint64_t slot, void *out,
		 unsigned int len)
{
	uint8_t *buf = bk_rbuf();
	struct bk_ent *e;
	uint64_t gen, off, first;
	unsigned int dlen;
	int r;

	if (!buf)
		return -ENOMEM;
	pthread_rwlock_rdlock(&bk->move);
	pthread_mutex_lock(&bk->lock);
	e = ent_live(bk, id);
	gen = e ? e->gen : 0;
	off = e ? e->where >> BK_LEN_BITS : 0;
	dlen = e ? (unsigned int)(e->where & BK_LEN_MASK) : 0;
	pthread_mutex_unlock(&bk->lock);
	if (!e || dlen != len + bk->overhead) {
		pthread_rwlock_unlock(&bk->move);
		return -EINVAL;
	}
	first = round_down(off);
	r = bk_pread(bk, buf, round_up(off + dlen) - first, first);
	pthread_rwlock_unlock(&bk->move);
	if (r == 0) {
		if (bk->seal)
			r = seal_open(bk->seal, slot, gen, buf + (off - first),
				      dlen, out);
		else
			memcpy(out, buf + (off - first), len);
	}
	RELAXED_ADD(&bk->reads, 1);
	if (r) {
		RELAXED_ADD(&bk->read_errors, 1);
		return -EIO;
	}
	return 0;
}

void backing_free(struct backing *bk, bk_id_t id)
{
	struct bk_ent *e;
	unsigned int dlen;

	if (!id)
		return;
	pthread_mutex_lock(&bk->lock);
	e = ent_live(bk, id);
	if (e) {
		dlen = (unsigned int)(e->where & BK_LEN_MASK);
		bk_unplace(bk, e->where >> BK_LEN_BITS, dlen);
		id_put(bk, id);
		bk->objects--;
		bk->data_bytes -= dlen - bk->overhead;
		bk->stored_bytes -= dlen;
	}
	pthread_mutex_unlock(&bk->lock);
}

int backing_object_where(struct backing *bk, bk_id_t id, uint64_t *off,
			 unsigned int *disk_len)
{
	struct bk_ent *e;

	pthread_mutex_lock(&bk->lock);
	e = ent_live(bk, id);
	if (e) {
		*off = e->where >> BK_LEN_BITS;
		*disk_len = (unsigned int)(e->where & BK_LEN_MASK);
	}
	pthread_mutex_unlock(&bk->lock);
	return e ? 0 : -EINVAL;
}

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
		seg_dirty(bk, bk->head);
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
				seg_dirty(bk, keep);
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
	for (uint32_t s = 0; s < bk->nsegs; s++) {
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
	for (uint32_t s = 0; s < bk->nsegs; s++)
		bk->segs[s].victim = 0;
	pthread_mutex_unlock(&bk->lock);
	backing_maintain(bk);
	if (err && err != -ENOSPC)
		return err;
	return freed > moved_bytes ? (int64_t)(freed - moved_bytes) : 0;
}

/* ---- Statistics --------------------------------------------------------- */

void backing_get_stats(struct backing *bk, struct backing_stats *st)
{
	pthread_mutex_lock(&bk->lock);
	st->objects = bk->objects;
	st->data_bytes = bk->data_bytes;
	st->stored_bytes = bk->stored_bytes;
	st->used_bytes = bk->used_blocks * BLK;
	pthread_mutex_unlock(&bk->lock);
	st->size = bk->size;
	st->reads = RELAXED_LOAD(&bk->reads);
	st->writes = RELAXED_LOAD(&bk->writes);
	st->read_errors = RELAXED_LOAD(&bk->read_errors);
	st->write_errors = RELAXED_LOAD(&bk->write_errors);
	st->moved = RELAXED_LOAD(&bk->moved);
	st->punched_bytes = RELAXED_LOAD(&bk->punched_bytes);
}

uint64_t backing_meta_bytes(struct backing *bk)
{
	uint64_t ids;

	pthread_mutex_lock(&bk->lock);
	ids = bk->id_bytes;
	pthread_mutex_unlock(&bk->lock);
	return sizeof(*bk) + (uint64_t)bk->nsegs * sizeof(struct bk_seg) +
	       bk->size / BLK * sizeof(uint16_t) + ids;
}
