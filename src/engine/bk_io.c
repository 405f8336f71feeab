// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bk_io.c - the backing tier's bytes on the store: the per-thread read
 * buffer, pread and pwrite with the fault points (fault.h), a batch's
 * writes on io_uring (or pwrite), punching, and appending a batch of
 * objects to the log.
 *
 * A batch.  The caller (backing_write, compaction) has the objects' bytes
 * ready (sealed before any lock is taken); bk_append() gives each its
 * offset at the head under bk->lock; then, without the lock, they are laid
 * out in the batch buffer as extents (one per segment touched: from the
 * block holding its first object's start, whose earlier bytes come from the
 * head's partial block, to the end of its last object, rounded up to a
 * block) and every extent is written at once (io_uring, or pwrite).  An
 * extent that fails or comes back short is written once more with pwrite;
 * if that fails too its objects are given back (their counts dropped, so
 * maintain punches what they took) and the head goes back to where that
 * extent began when it was the last one.
 *
 * Locks: bk_append() takes bk->lock to place and to settle the batch, never
 * across I/O; everything else here takes no lock.  The buffers, the ring
 * and no_punch are the worker's (one at a time, backing.h); the read buffer
 * is the calling thread's own.
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
#include <unistd.h>

#include "backing_int.h"
#include "fault.h"

/* One write of an append: a run of blocks in one segment. */
struct bk_ext {
	uint64_t start;	     /* disk offset, block aligned */
	uint64_t end;	     /* end of its last object */
	size_t pos;	     /* where it begins in bk->wbuf */
	uint32_t seg;	     /* the segment it lies in */
	uint32_t first_fill; /* head_fill before its first object */
	int err;	     /* 0, or after the retry -ENOSPC (the file's
				filesystem is full) or -EIO */
};

/* ---- The ring ----------------------------------------------------------- */

void bk_io_init(struct backing *bk)
{
#ifdef HAVE_LIBURING
	/* without a ring (kernel too old, or io_uring disabled) pwrite does */
	bk->ring_made = io_uring_queue_init(BK_RING_DEPTH, &bk->ring, 0) == 0;
	bk->ring_ok = bk->ring_made;
#else
	(void)bk;
#endif
}

void bk_io_destroy(struct backing *bk)
{
#ifdef HAVE_LIBURING
	if (bk->ring_made) /* also after a failure made it unusable */
		io_uring_queue_exit(&bk->ring);
#else
	(void)bk;
#endif
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
uint8_t *bk_rbuf(void)
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
int bk_pread(struct backing *bk, void *buf, size_t len, uint64_t off)
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
	unsigned int queued = 0, submitted = 0, done = 0;
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
	/*
	 * Submit until every entry is in.  The kernel may take fewer than
	 * asked (an entry it could not prepare, no memory): what it did not
	 * take cannot be taken back from the queue, so the ring is not used
	 * again; those writes keep res 0 and go through the pwrite retry,
	 * and only the submitted ones are waited for.
	 */
	while (submitted < queued) {
		int r = io_uring_submit(&bk->ring);

		if (r == -EINTR)
			continue;
		if (r <= 0) {
			bk->ring_ok = false;
			break;
		}
		submitted += (unsigned int)r;
	}
	while (done < submitted) {
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
 * with pwrite, then marked -ENOSPC (no room on the file's filesystem) or
 * -EIO. */
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
		if (res[k] == (ssize_t)len)
			ext[k].err = 0;
		else if (res[k] == -ENOSPC || res[k] == -EDQUOT)
			ext[k].err = -ENOSPC; /* the filesystem is full */
		else
			ext[k].err = -EIO;
		if (!ext[k].err && !bk->direct)
			/* keep what left RAM out of the page cache */
			(void)posix_fadvise(bk->fd, (off_t)ext[k].start,
					    (off_t)len, POSIX_FADV_DONTNEED);
	}
}

/* Give [@off, @off + @len) back to the store; bytes punched. */
uint64_t bk_punch(struct backing *bk, uint64_t off, uint64_t len)
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

/* ---- Appending a batch (the worker) ------------------------------------ */

/*
 * Place, lay out and write the objects of @o (skipping those with no src).
 * On return each placed object has err 0 and its offset, and still counts
 * as live in its blocks and segment: the caller gives it an id or a new
 * place in the table, or unplaces it.  Returns the objects written.
 */
unsigned int bk_append(struct backing *bk, struct bk_obj *o, unsigned int n,
		       bool reserve)
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
