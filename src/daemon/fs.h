/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs.h - the FUSE side of fzram: a root directory (inode 1) holding one
 * regular file (inode 2) whose bytes are those of the block device
 * (blockdev.h), and whose extended attributes user.fzram.* are the zram
 * sysfs files (xattr.h); beside it the read-only file block_state (inode
 * 3), zram's debugfs per-slot dump (blockstate.h), made afresh at each
 * open.  The swap file is the only writable file and the only one with
 * attributes.  The handlers are thin, as in libfuse's
 * example/hello_ll.c: take the request apart, call the block device or the
 * attributes, reply.
 *
 * This header sets FUSE_USE_VERSION for the whole daemon: include it before
 * any other FUSE header.
 *
 * The reply rule: every handler replies exactly once, before it returns,
 * on the thread that called it.  Both transports depend on it:
 *   - uring.c marks the ring entry it is serving around
 *     fuse_session_process_buf(), and its writev hook copies the reply
 *     carrying that request's unique into the entry.  If the handler
 *     returns without a reply the thread answers EIO in its place and
 *     commits the entry; a reply made later, or from another thread, finds
 *     no entry, goes to /dev/fuse, and the kernel, which no longer knows
 *     the request, refuses it.
 *   - loop.c and uring.c hand the handler a write's data inside the
 *     buffer the request was received in, which they reuse for the next
 *     request as soon as the handler returns.
 * So work that must outlive a request (a writeback tier writing pages to a
 * backing file, say) may not keep the request: do the work inside the
 * handler and then reply, or copy what it needs (into the store, or a
 * buffer of its own) and reply first, before handing that copy to another
 * thread.  Never fuse_reply_*() from that thread.
 *
 * Locks: the handlers take none of their own; the block device's and the
 * store's are in blockdev.h and store.h.
 */
#ifndef FZRAM_FS_H
#define FZRAM_FS_H

#define FUSE_USE_VERSION 34

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include "blockdev.h"
#include "cpulat.h"
#include "store.h"
#include "tier.h"

#define FZ_ROOT_INO 1	/* the directory */
#define FZ_FILE_INO 2	/* the swap file */
#define FZ_STATE_INO 3	/* block_state, read-only */
#define FZ_STATE_NAME "block_state" /* its name; file= may not take it */
#define FZ_NAME_MAX 255 /* longest file name, bytes */

struct fz_fs {
	struct bdev *bdev;	    /* the file's bytes; the caller's */
	struct store *store;	    /* bdev_store(bdev): attributes, stats */
	struct tier *tier;	    /* the store's worker (writeback); set by
				       main before the loop runs; the caller's */
	struct cpulat *cpulat;	    /* touched by every read of the file
				       (cpulat.h); set by main before the
				       loop runs, NULL: none */
	char name[FZ_NAME_MAX + 1]; /* the file's name: no '/', not . or .. */
	uid_t uid;		    /* owner of the file and the directory */
	gid_t gid;
	time_t mount_time;	 /* atime, ctime and first mtime */
	int64_t mtime;		 /* seconds; relaxed atomic, set on write */
	unsigned int open_count; /* opens of the file not yet released;
				    atomic, read from signal handlers */
};

/*
 * fz_fs_init() - set up @fs to serve @bdev as the file @name (already
 * validated by the options), owned by the daemon's uid and gid.  @fs holds
 * nothing that needs freeing; @bdev must outlive the session.
 * Return: 0, -ENAMETOOLONG.
 */
int fz_fs_init(struct fz_fs *fs, struct bdev *bdev, const char *name);

/*
 * fz_fs_busy() - whether the file is open (a loop device holds it, say).
 * Context: async-signal-safe (one relaxed atomic load).
 */
int fz_fs_busy(const struct fz_fs *fs);

/* fz_fs_ops() - the operation table to pass to fuse_session_new(). */
const struct fuse_lowlevel_ops *fz_fs_ops(void);

#endif /* FZRAM_FS_H */
