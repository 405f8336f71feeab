// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * backing.c - the backing tier of backing.h: a log of sealed objects packed
 * byte by byte into segments of a file or block device.  This file opens
 * the store (a file, a block device or an O_TMPFILE; O_DIRECT where it
 * works, else buffered), creates and destroys the tier, and makes the calls
 * of backing.h: write (seal, then append), read, free, object_where, and
 * the statistics.  backing_int.h maps the other three files: bk_space.c
 * (segments, blocks, ids), bk_io.c (the bytes) and bk_compact.c (maintain
 * and compaction).
 *
 * Locks, in order: bk->move (rwlock) → bk->lock (mutex).  backing_read()
 * holds bk->move shared from looking its id up to the end of its pread;
 * write, read, free and the statistics take bk->lock briefly, never across
 * I/O or sealing.  The worker's own fields (buffers, the partial block, the
 * generation counter) need no lock: one worker at a time (backing.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backing_int.h"
#include "seal.h"

/* ---- Opening ------------------------------------------------------------ */

/* Open @path, with O_DIRECT unless @no_direct or refused; a block
 * device's size into *@devsize (else UINT64_MAX). */
static int bk_open(struct backing *bk, const char *path, bool no_direct,
		   uint64_t *devsize)
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
	for (int direct = !no_direct; direct >= 0; direct--) {
		int f = flags | (direct ? O_DIRECT : 0);

		if (bk->kind == BK_KIND_FILE)
			bk->fd = open(path, f | O_CREAT, 0600);
		else if (bk->kind == BK_KIND_BLOCK)
			/* exclusive, as zram claims its device: EBUSY when
			 * it is mounted, a swap, or otherwise claimed */
			bk->fd = open(path, f | O_EXCL);
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
	{
		/* clear the flag on this descriptor: an unnamed file cannot be
		 * reopened by name, nor a device opened O_EXCL opened again */
		int fl = fcntl(bk->fd, F_GETFL);

		if (fl < 0 || fcntl(bk->fd, F_SETFL, fl & ~O_DIRECT) < 0)
			return -errno;
	}
	bk->direct = false;
	return 0;
}

/* The worker's buffers, then the space map. */
static int bk_alloc_tables(struct backing *bk)
{
	bk->objs = calloc(BK_MAX_BATCH, sizeof(*bk->objs));
	bk->sbuf = malloc(BK_MAX_BATCH * BK_DISK_MAX);
	if (!bk->objs || !bk->sbuf)
		return -ENOMEM;
	if (posix_memalign((void **)&bk->pbuf, BLK, BLK) != 0 ||
	    posix_memalign((void **)&bk->wbuf, BLK, BK_BUF_SIZE) != 0 ||
	    posix_memalign((void **)&bk->cbuf, BLK, SEG) != 0)
		return -ENOMEM;
	memset(bk->pbuf, 0, BLK);
	return bk_space_init(bk);
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
	r = bk_open(bk, cfg->path, cfg->no_direct, &devsize);
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
	bk_io_init(bk);
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
	bk_io_destroy(bk);
	seal_destroy(bk->seal);
	bk_space_destroy(bk);
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

int backing_relock(struct backing *bk)
{
	return bk->seal ? seal_relock(bk->seal) : 0;
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
		r = bk_id_alloc(bk, &id);
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
		bk_id_put(bk, id);
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
	uint32_t fresh;

	pthread_mutex_lock(&bk->lock);
	ids = bk->id_bytes;
	fresh = bk->fresh;
	pthread_mutex_unlock(&bk->lock);
	/* the tables are touched only up to the segments used so far */
	return sizeof(*bk) + (uint64_t)fresh * sizeof(struct bk_seg) +
	       (uint64_t)fresh * (SEG / BLK) * sizeof(uint16_t) + ids;
}
