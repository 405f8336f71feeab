/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blockdev.h - a block device over the store: bytes at any offset and
 * length, mapped onto the store's 4 KiB slots.  This is what every
 * transport serves: the FUSE file (fs.h) today, a ublk target tomorrow.  It
 * knows nothing of FUSE: it includes no FUSE header and returns -errno in
 * the device's terms, which each transport turns into its own replies.
 *
 * Map: byte offset @off lies in block (slot) off / FZ_PAGE_SIZE, at
 * off % FZ_PAGE_SIZE inside it; a request is cut into pieces that each stay
 * inside one block (bdev_split() in blockdev.c, written once).
 *
 * Semantics, those of zram behind a block device:
 *   - the device has bdev_size() bytes, a multiple of FZ_PAGE_SIZE, and
 *     changes size only through bdev_resize();
 *   - a block never written (or discarded) reads as zeros;
 *   - nothing lies past the end: reads there return 0 bytes, writes there
 *     fail with -ENOSPC, a request straddling the end is cut at the end;
 *   - a partial-block write reads the block, patches it and writes it back
 *     (read-modify-write), under the block's stripe mutex;
 *   - every write replaces the block's stored object and frees the old one
 *     (the store's stale-slot rule), partial or whole, so overwriting a
 *     block never costs more memory than the block's newest content;
 *   - discard and zero free the whole blocks they cover (a freed block
 *     reads as zeros and holds no memory) and zero the covered bytes of a
 *     partial block by read-modify-write: that block stays stored, as a
 *     same-filled page (no pool memory) if it is now all zeros;
 *   - a block that does not decompress is corruption: the store counts it
 *     in failed_reads, the request fails with -EIO, and the first such
 *     block of the daemon's run is logged (fz_log(), naming the slot).
 *
 * Locks, in order: stripe mutex (BDEV_NR_STRIPES of them, chosen by slot)
 * → the store's slot lock → the allocator's locks (store.h).  Every write
 * to a block, whole or partial, and every discard of one holds the block's
 * stripe, so that a read-modify-write cannot bring back bytes that a
 * concurrent whole-block write or discard replaced, nor lose bytes another
 * partial write of the same block put there.  Reads take no stripe: a read
 * concurrent with a write sees each block's old or new content, as on a
 * block device.
 */
#ifndef FZRAM_BLOCKDEV_H
#define FZRAM_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"

#define BDEV_NR_STRIPES 256 /* read-modify-write mutexes, by slot */

struct bdev;

/*
 * bdev_create() - a block device over @store, which stays the caller's and
 * must outlive it; the device is as large as the store.
 * Return: 0 with *@out set; -ENOMEM, or a pthread error as -errno.
 */
int bdev_create(struct store *store, struct bdev **out);

/* bdev_destroy() - free @bd (no request may be running); NULL is ignored. */
void bdev_destroy(struct bdev *bd);

/* bdev_store() - the store behind @bd, for statistics and attributes. */
struct store *bdev_store(const struct bdev *bd);

/* bdev_size() - the size in bytes (a relaxed snapshot under resizes). */
uint64_t bdev_size(const struct bdev *bd);

/*
 * bdev_read() - copy @len bytes from byte @off into @buf (at any address:
 * no alignment needed); the part past the end is not read.
 * Return: the bytes read (0 when @off is at or past the end, or @len is 0);
 * -EIO (a block did not decompress: corruption, see the top); -ENOMEM
 * (this thread's decompression context could not be made); -EINVAL (@len
 * above SSIZE_MAX, or a block went past the end under a concurrent
 * shrink).  On an error @buf holds nothing meaningful.
 * Context: takes each slot lock in turn, no stripe; never allocates but
 * for the decompression context, made once per thread.
 */
ssize_t bdev_read(struct bdev *bd, void *buf, size_t len, uint64_t off);

/*
 * bdev_write() - write @len bytes of @buf at byte @off, block by block; the
 * part past the end is not written.
 * Return: the bytes written: @len, or fewer when the request reaches past
 * the end or a block failed after others were written (the blocks before
 * it are written, the rest untouched); 0 when @len is 0; else, nothing
 * written, -ENOSPC (@off at or past the end, or the first block could not
 * be stored: mem_limit reached or memory ran out), -EIO (the first block
 * failed otherwise: its read-modify-write met corruption, or it went past
 * the end under a concurrent shrink), -EINVAL (@len above SSIZE_MAX).
 * Context: takes each block's stripe, then the store's locks.  No
 * allocation but the store's (see store_write()); the page of a
 * read-modify-write is on the caller's stack.
 */
ssize_t bdev_write(struct bdev *bd, const void *buf, size_t len, uint64_t off);

/*
 * bdev_discard() - forget the bytes [@off, @off + @len): whole blocks are
 * freed (each counted in notify_free), the covered bytes of partial blocks
 * zeroed (see the top); afterwards the range reads as zeros.  The part past
 * the end is ignored.
 * Return: 0 (also for @len 0 and a range wholly past the end); -EINVAL
 * (@off + @len overflows); -ENOSPC or -EIO when a partial block could not
 * be rewritten, as bdev_write(): the blocks before it are done.
 * Context: takes each block's stripe in turn.
 */
int bdev_discard(struct bdev *bd, uint64_t off, uint64_t len);

/*
 * bdev_zero() - make [@off, @off + @len) read as zeros.  The result is that
 * of bdev_discard(), and so is the work: a freed block reads as zeros and
 * costs less than a stored page of zeros, so whole blocks are freed here
 * too.  Bounds, return and context as bdev_discard().
 */
int bdev_zero(struct bdev *bd, uint64_t off, uint64_t len);

/*
 * bdev_resize() - change the size to @size bytes: a non-zero multiple of
 * FZ_PAGE_SIZE up to STORE_MAX_SLOTS blocks.  Shrinking frees the blocks
 * past the new end; growing again shows them as zeros.
 * Return: 0, -EINVAL (bad size; nothing changed).
 * Context: the store's resize lock, then each freed slot's lock.
 */
int bdev_resize(struct bdev *bd, uint64_t size);

#endif /* FZRAM_BLOCKDEV_H */
