// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blockdev.c - the block device over the store (see blockdev.h): requests
 * at byte offsets cut into per-block pieces, read-modify-write of partial
 * blocks under striped mutexes, discard and zero, and the one log line of
 * corruption.
 *
 * Locks: stripe mutex → the store's slot lock → the allocator's locks.  A
 * stripe is held only around one block's store calls, never across two
 * blocks, so two requests can never wait on each other's stripes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "blockdev.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "util.h"
#ifdef FZ_FLOOR
#include "floor.h"
#endif

struct bdev {
	struct store *store; /* the caller's; outlives the device */
#ifdef FZ_FLOOR
	struct floor *floor; /* bench/fzram-floor: the blocks (floor.h) */
#endif
	pthread_mutex_t
	    stripes[BDEV_NR_STRIPES]; /* by slot % BDEV_NR_STRIPES */
};

/* The part of a request [pos, end) that lies in pos's block. */
struct bdev_piece {
	uint64_t slot; /* the block */
	size_t off;    /* first byte of the piece inside the block */
	size_t len;    /* bytes: 1..FZ_PAGE_SIZE - off */
};

/* Once a run: a corrupt slot is read again on every retry, and one line
 * says what failed_reads goes on counting. */
static atomic_bool bdev_corrupt_logged;

/* bdev_split() - the first piece of [@pos, @end), @pos < @end. */
static struct bdev_piece bdev_split(uint64_t pos, uint64_t end)
{
	struct bdev_piece p;

	p.slot = pos / FZ_PAGE_SIZE;
	p.off = pos % FZ_PAGE_SIZE;
	p.len = FZ_PAGE_SIZE - p.off;
	if (p.len > end - pos)
		p.len = end - pos;
	return p;
}

static pthread_mutex_t *bdev_stripe(struct bdev *bd, uint64_t slot)
{
	return &bd->stripes[slot % BDEV_NR_STRIPES];
}

/*
 * Where a block's bytes live: the store, or in bench/fzram-floor (built
 * with FZ_FLOOR) the floor's plain page map instead (floor.h), so that the
 * floor daemon runs every line of this file and of the transports but the
 * engine's.
 */
static int bdev_load(struct bdev *bd, uint64_t slot, void *dst)
{
#ifdef FZ_FLOOR
	floor_load(bd->floor, slot, dst);
	return 0;
#else
	return store_read(bd->store, slot, dst);
#endif
}

static int bdev_save(struct bdev *bd, uint64_t slot, const void *src)
{
#ifdef FZ_FLOOR
	floor_save(bd->floor, slot, src);
	return 0;
#else
	return store_write(bd->store, slot, src);
#endif
}

static int bdev_drop(struct bdev *bd, uint64_t slot)
{
#ifdef FZ_FLOOR
	floor_drop(bd->floor, slot);
	return 0;
#else
	return store_discard(bd->store, slot, 1);
#endif
}

/*
 * bdev_corrupt() - @slot did not decompress, or its copy on the backing
 * store could not be read or opened (backing.h).  The engine counted it in
 * failed_reads and prints nothing; say it here, once, naming the slot, so
 * that a damaged store shows in the log and not only as EIO to the reader.
 * Context: called with no stripe held (the log may block).
 */
static void bdev_corrupt(uint64_t slot)
{
	if (atomic_exchange_explicit(&bdev_corrupt_logged, true,
				     memory_order_relaxed))
		return;
	fz_log(LOG_ERR,
	       "slot %llu is corrupt: it did not decompress or could not be "
	       "read from the backing store; reads of it fail with EIO "
	       "(io_stat failed_reads counts them; logged once)",
	       (unsigned long long)slot);
}

/*
 * The store's error on the write side, in the device's terms.  -ENOMEM
 * means mem_limit was reached (or memory ran out): the device is full as
 * far as the writer is concerned.  zram answers -EIO here; -ENOSPC tells
 * the user what happened and still fails a swap-out the same way.
 * Anything else (-EIO from the read of a read-modify-write, -EINVAL for a
 * slot gone under a concurrent shrink) is an I/O error.
 */
static int bdev_write_err(int err)
{
	return err == -ENOMEM ? -ENOSPC : -EIO;
}

/*
 * bdev_write_piece() - write @p's bytes from @data (NULL: zeros); a partial
 * block is read, patched and written back.
 * Return: 0 or a store error (-errno).
 * Context: takes the slot's stripe.  No allocation here: the page of the
 * read-modify-write is on the stack of the thread serving the request, so
 * that a swap-out, made while the kernel reclaims memory, never waits for
 * memory on our side beyond the store's own allocation.
 */
static int bdev_write_piece(struct bdev *bd, const struct bdev_piece *p,
			    const void *data)
{
	pthread_mutex_t *stripe = bdev_stripe(bd, p->slot);
	char page[FZ_PAGE_SIZE];
	int err;

	pthread_mutex_lock(stripe);
	if (p->len == FZ_PAGE_SIZE && data) {
		err = bdev_save(bd, p->slot, data);
		goto out_unlock;
	}
	err = bdev_load(bd, p->slot, page);
	if (err)
		goto out_unlock;
	if (data)
		memcpy(page + p->off, data, p->len);
	else
		memset(page + p->off, 0, p->len);
	err = bdev_save(bd, p->slot, page);
out_unlock:
	pthread_mutex_unlock(stripe);
	if (err == -EIO)
		bdev_corrupt(p->slot);
	return err;
}

/* Discard and zero: free whole blocks, zero the covered bytes of others. */
static int bdev_clear(struct bdev *bd, uint64_t off, uint64_t len)
{
	uint64_t size = bdev_size(bd), end, pos;
	struct bdev_piece p;
	int err;

	if (len > UINT64_MAX - off)
		return -EINVAL;
	end = off + len < size ? off + len : size;
	for (pos = off; pos < end; pos += p.len) {
		p = bdev_split(pos, end);
		if (p.len < FZ_PAGE_SIZE) {
			err = bdev_write_piece(bd, &p, NULL);
		} else {
			/* the stripe: see the lock order in blockdev.h */
			pthread_mutex_lock(bdev_stripe(bd, p.slot));
			err = bdev_drop(bd, p.slot);
			pthread_mutex_unlock(bdev_stripe(bd, p.slot));
		}
		if (err)
			return bdev_write_err(err);
	}
	return 0;
}

int bdev_create(struct store *store, struct bdev **out)
{
	struct bdev *bd;
	int i, err;

	/* At startup, before any request: nothing here runs under reclaim. */
	bd = calloc(1, sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	bd->store = store;
#ifdef FZ_FLOOR
	err = floor_create(store_size(store), &bd->floor);
	if (err) {
		free(bd);
		return err;
	}
#endif
	for (i = 0; i < BDEV_NR_STRIPES; i++) {
		err = pthread_mutex_init(&bd->stripes[i], NULL);
		if (err)
			goto out_stripes;
	}
	*out = bd;
	return 0;

out_stripes:
	while (i--)
		pthread_mutex_destroy(&bd->stripes[i]);
#ifdef FZ_FLOOR
	floor_destroy(bd->floor);
#endif
	free(bd);
	return -err;
}

void bdev_destroy(struct bdev *bd)
{
	int i;

	if (!bd)
		return;
	for (i = 0; i < BDEV_NR_STRIPES; i++)
		pthread_mutex_destroy(&bd->stripes[i]);
#ifdef FZ_FLOOR
	floor_destroy(bd->floor);
#endif
	free(bd);
}

struct store *bdev_store(const struct bdev *bd)
{
	return bd->store;
}

uint64_t bdev_size(const struct bdev *bd)
{
	return store_size(bd->store);
}

ssize_t bdev_read(struct bdev *bd, void *buf, size_t len, uint64_t off)
{
	uint64_t size = bdev_size(bd), end, pos;
	char page[FZ_PAGE_SIZE];
	struct bdev_piece p;
	int err;

	if (len > SSIZE_MAX)
		return -EINVAL;
	if (off >= size || len == 0)
		return 0;
	end = len < size - off ? off + len : size;
	for (pos = off; pos < end; pos += p.len) {
		char *dst = (char *)buf + (pos - off);

		p = bdev_split(pos, end);
		if (p.len == FZ_PAGE_SIZE) {
			err = bdev_load(bd, p.slot, dst);
		} else {
			err = bdev_load(bd, p.slot, page);
			if (!err)
				memcpy(dst, page + p.off, p.len);
		}
		if (err == -EIO)
			bdev_corrupt(p.slot);
		if (err)
			return err;
	}
	return (ssize_t)(end - off);
}

ssize_t bdev_write(struct bdev *bd, const void *buf, size_t len, uint64_t off)
{
	uint64_t size = bdev_size(bd), end, pos;
	struct bdev_piece p;
	int err = 0;

	if (len > SSIZE_MAX)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (off >= size)
		return -ENOSPC;
	end = len < size - off ? off + len : size;
	for (pos = off; pos < end; pos += p.len) {
		p = bdev_split(pos, end);
		err = bdev_write_piece(bd, &p, (const char *)buf + (pos - off));
		if (err)
			break;
	}
	/* A short count tells the caller exactly which bytes landed. */
	if (pos > off)
		return (ssize_t)(pos - off);
	return bdev_write_err(err);
}

int bdev_discard(struct bdev *bd, uint64_t off, uint64_t len)
{
	return bdev_clear(bd, off, len);
}

int bdev_zero(struct bdev *bd, uint64_t off, uint64_t len)
{
	return bdev_clear(bd, off, len);
}

int bdev_resize(struct bdev *bd, uint64_t size)
{
#ifdef FZ_FLOOR
	uint64_t old = bdev_size(bd), slot;
	int err;

	/* the floor's map has the size it was made with */
	if (size > floor_bytes(bd->floor))
		return -EINVAL;
	err = store_resize(bd->store, size);
	/* blocks past a new end read as zeros when it grows again */
	for (slot = size / FZ_PAGE_SIZE; !err && slot < old / FZ_PAGE_SIZE;
	     slot++)
		floor_drop(bd->floor, slot);
	return err;
#else
	return store_resize(bd->store, size);
#endif
}
