/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * backing.h - the second tier: compressed objects written out of RAM to a
 * backing store (a regular file, a block device, or an unnamed file in a
 * directory), packed several to a 4 KiB block, each sealed with an
 * authenticated cipher (seal.h) unless encryption is off.
 *
 * Map of the tier:
 *
 *   backing ─┬─ space: [0, size) cut into segments of BK_SEG_SIZE bytes;
 *            │   a segment is free, open (the log head: objects are
 *            │   appended to it) or full.  Objects are packed byte by byte
 *            │   one after the other, never across a segment's end; a 4 KiB
 *            │   block may hold pieces of several objects and an object may
 *            │   span two blocks.  Every block and segment counts the live
 *            │   objects touching it: a block whose count drops to zero is
 *            │   punched (fallocate PUNCH_HOLE on a file, BLKDISCARD on a
 *            │   block device, where supported) by backing_maintain(); a
 *            │   segment whose count drops to zero is free again.
 *            ├─ objects: a table of ids (bk_id_t, 32 bits, 0 = none), like
 *            │   the pool's handles: id → {disk offset, length on disk,
 *            │   generation}.  The store keeps only the id in the slot word;
 *            │   backing_compact() moves an object by changing its table
 *            │   entry, so ids never change while the object lives.
 *            └─ seal: a random key made at backing_create(), in locked,
 *                undumpable memory, wiped at backing_destroy().  Each object
 *                is sealed with its slot number and a generation (a 64-bit
 *                counter, never reused under one key) as associated data and
 *                nonce, so an object that is altered, moved to another
 *                offset or slot, or replayed from an earlier write fails to
 *                open: backing_read() returns -EIO, never other bytes.
 *
 * Writes: backing_write() takes a batch of objects, seals them, appends them
 * to the log head and writes the touched blocks with asynchronous, batched
 * I/O (io_uring through liburing when built with it, else pwritev), and
 * returns when they are on the store (not fsync'd: swap need not survive a
 * reboot).  The last, partly filled block of the head stays in memory and is
 * rewritten with the next batch, so that single objects do not cost a block
 * each.  The file is opened with O_DIRECT where the filesystem allows it, so
 * that the tier does not fill the page cache with what it moved out of RAM.
 *
 * Compaction: backing_compact() picks full segments whose live bytes are
 * below BK_COMPACT_LIVE_PCT of the segment, copies their live objects to the
 * head (still sealed: the seal does not bind the offset) and frees the old
 * segments, so that after random frees the space used returns close to the
 * data held.  One segment is kept back from backing_write() for compaction,
 * so that a store full of sparse segments can still be compacted: writes
 * see a store one segment smaller.
 *
 * Locks, in order: the caller's (the store's slot lock) → bk->move (a
 * rwlock: backing_read() holds it shared from looking up an id to the end of
 * its read; backing_compact() holds it exclusive only while it repoints the
 * ids it moved, before it frees their old space) → bk->lock (a mutex over
 * the space map and the id table; never held across I/O).  backing_write()
 * and backing_compact() are called from one thread at a time (the tier's
 * worker, tier.h); backing_read() and backing_free() from any thread, at
 * once.  The caller guarantees that one id is not read or freed by two
 * threads at once, and not read after it is freed (the store's slot lock).
 *
 * Metadata is kept as offsets and ids in flat arrays, never pointers, so
 * that a later daemon can keep it in shared memory across a restart: per
 * segment a small struct (live objects, live bytes, list links), per 4 KiB
 * block a 16-bit count (live objects touching it, and a bit saying the block
 * holds bytes not yet punched), and the id table, 16 bytes an id, in chunks
 * allocated as ids are first handed out; free ids are a list threaded
 * through their entries.
 *
 * With encryption off (backing_config.encrypt false) objects are written as
 * they are, without a tag: then nothing detects bytes altered on the store
 * beyond what the store itself reports (an I/O error), and a read returns
 * whatever the store gives back.  Use it only where the store is trusted.
 */
#ifndef FZRAM_BACKING_H
#define FZRAM_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fzram.h"

#define BK_SEG_SIZE (256u * 1024)	 /* bytes per segment */
#define BK_BLOCK_SIZE 4096u		 /* punch and I/O unit */
#define BK_MIN_SIZE (4ULL * BK_SEG_SIZE) /* smallest usable store */
#define BK_MAX_OBJECT FZ_PAGE_SIZE	 /* longest object (a raw page) */
#define BK_SEAL_OVERHEAD 16		 /* bytes a sealed object adds */
#define BK_COMPACT_LIVE_PCT 75		 /* compact segments below this */
#define BK_MAX_BATCH 256		 /* most objects per backing_write() */

typedef uint32_t bk_id_t; /* 0: no object */

enum backing_kind {
	BK_KIND_FILE,	 /* a regular file, named by the path */
	BK_KIND_BLOCK,	 /* a block device */
	BK_KIND_TMPFILE, /* an unnamed file (O_TMPFILE) in a directory */
};

struct backing_config {
	const char *path;      /* regular file (created 0600 if missing), block
				  device, or directory (an O_TMPFILE in it) */
	uint64_t size;	       /* cap in bytes, 0 = @default_size; rounded down
				  to whole segments; at least BK_MIN_SIZE */
	uint64_t default_size; /* used when @size is 0: the device's size */
	bool encrypt;	       /* seal every object (the default) */
	bool force_xchacha;    /* seal with XChaCha20-Poly1305 even where
				  AES-256-GCM is available (tests) */
	bool no_direct;	       /* for tests: never try O_DIRECT (the
				  buffered path, as where it is refused) */
};

struct backing;

/*
 * backing_create() - open (or create) @cfg->path as the backing store and
 * make a fresh key when @cfg->encrypt.  A regular file is created with mode
 * 0600 if missing (an existing one is used as it is: its old content is
 * never read, and is punched out as space is reused); it is extended with
 * ftruncate to the size if shorter.  A block device's size caps @size; it
 * is opened exclusively (O_EXCL), as zram claims its backing device.
 * Return: 0 with *@out set; -EBUSY (a block device in use: mounted, a swap,
 * or opened exclusively elsewhere); -EINVAL (no path; a size below BK_MIN_SIZE
 * after rounding or after the device's cap; a path that is neither a regular
 * file, a block device nor a directory); -EOPNOTSUPP (a directory whose
 * filesystem has no O_TMPFILE); -errno of open or ftruncate; -ENOMEM; -EIO
 * (the cipher library would not start).
 */
int backing_create(const struct backing_config *cfg, struct backing **out);

/*
 * backing_destroy() - punch out every block in use (a file keeps its name
 * and size, none of its space; an O_TMPFILE vanishes), close, and wipe the
 * key.  No call may be running.  NULL is ignored.
 */
void backing_destroy(struct backing *bk);

/* backing_path() - the path given at create, for user.fzram.backing_dev. */
const char *backing_path(const struct backing *bk);

/* backing_kind() - what the path turned out to be. */
enum backing_kind backing_kind(const struct backing *bk);

/* backing_encrypted() - whether objects are sealed. */
bool backing_encrypted(const struct backing *bk);

/* One object of a batch. */
struct bk_item {
	uint64_t slot;	  /* in: the slot it belongs to (sealed in) */
	const void *data; /* in: the object: compressed bytes, or a raw page */
	unsigned int len; /* in: 1..BK_MAX_OBJECT */
	bk_id_t id;	  /* out: its id, or 0 when not written */
	int err;	  /* out: 0, or why it was not written (below) */
};

/*
 * backing_write() - seal and write the @n objects of @items (1..BK_MAX_BATCH)
 * in one batch.  On return each item has either an id (written, readable,
 * counted) or an error: -ENOSPC (no room left in the store: this and the
 * items after it are not written), -EIO (the I/O failed, or wrote short,
 * after a retry: none of the items of the failed I/O is written; their space
 * is not leaked), -ENOMEM.
 * Return: the number of items written (0..@n), or -EINVAL (@n or a length
 * out of range: nothing written).
 * Context: the tier's worker only (one caller at a time); takes bk->lock
 * briefly to allocate, never across I/O.
 */
int backing_write(struct backing *bk, struct bk_item *items, unsigned int n);

/*
 * backing_read() - read object @id, written for @slot with length @len,
 * open it and copy its @len bytes into @out (any alignment).
 * Return: 0; -EIO (the read failed or was short, or the object did not open:
 * altered, moved or replayed; @out then holds nothing meaningful); -EINVAL
 * (@id not live, or @len not the object's length); -ENOMEM (no buffer).
 * Context: any thread, holding the caller's lock over @id; synchronous
 * (pread); takes bk->move shared.
 */
int backing_read(struct backing *bk, bk_id_t id, uint64_t slot, void *out,
		 unsigned int len);

/*
 * backing_free() - forget object @id; its blocks are punched by the next
 * backing_maintain() once nothing else lives in them.  No I/O, O(1): safe
 * under the caller's slot lock.  0 is ignored.
 */
void backing_free(struct backing *bk, bk_id_t id);

/*
 * backing_compact() - move the live objects of sparse segments (see the
 * top) to the head, free those segments and punch them.
 * Return: bytes of space freed (>= 0), or -errno of the I/O (what was moved
 * before it stays moved; nothing is lost).
 * Context: the tier's worker only.
 */
int64_t backing_compact(struct backing *bk);

/*
 * backing_maintain() - punch the blocks and segments that became empty.
 * Return: bytes punched.  Context: the tier's worker only.
 */
uint64_t backing_maintain(struct backing *bk);

struct backing_stats {
	uint64_t size;		/* bytes the tier may use */
	uint64_t objects;	/* live objects */
	uint64_t data_bytes;	/* their lengths as given to backing_write() */
	uint64_t stored_bytes;	/* their bytes on the store, seal included */
	uint64_t used_bytes;	/* bytes of blocks holding live data, or
				   freed and not yet punched */
	uint64_t reads;		/* objects read */
	uint64_t writes;	/* objects written (moves not counted) */
	uint64_t read_errors;	/* reads that failed: I/O or a bad seal */
	uint64_t write_errors;	/* objects whose write failed */
	uint64_t moved;		/* objects moved by compaction */
	uint64_t punched_bytes; /* bytes punched, ever */
};

/* backing_get_stats() - a snapshot of the counters (relaxed reads). */
void backing_get_stats(struct backing *bk, struct backing_stats *st);

/* backing_meta_bytes() - bytes of RAM the tier's metadata takes (the
 * segment, block and id tables; not the fixed I/O buffers). */
uint64_t backing_meta_bytes(struct backing *bk);

/*
 * backing_object_where() - where live object @id lies on the store: its
 * byte offset into *@off and its length on disk (seal included) into
 * *@disk_len.  For tests and debugging (to alter, swap or replay the bytes
 * of an object on disk).
 * Return: 0, or -EINVAL (@id not live).  Context: takes bk->lock.
 */
int backing_object_where(struct backing *bk, bk_id_t id, uint64_t *off,
			 unsigned int *disk_len);

/*
 * backing_relock() - lock the key's memory again in a child of fork() (a
 * daemon going to the background): locks are not inherited, and the key
 * must never reach a swap device.
 * Return: 0 (also with encryption off), or -errno of mlock.
 */
int backing_relock(struct backing *bk);

/* backing_cipher() - the name of the cipher sealing objects, or "none". */
const char *backing_cipher(const struct backing *bk);

#endif /* FZRAM_BACKING_H */
