/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fs.h - the FUSE side of fzram: a root directory (inode 1) holding exactly
 * one regular file (inode 2) whose bytes are the store's slots.  The file is
 * fixed-size like a block device: reads and writes at any offset and length,
 * partial blocks read-modify-written under a striped mutex, never-written
 * blocks read as zeros, nothing past the end.  Extended attributes
 * user.fzram.* are the zram sysfs files (xattr.h).
 *
 * This header sets FUSE_USE_VERSION for the whole daemon: include it before
 * any other FUSE header.
 *
 * Locks: stripe mutex (struct fz_fs.stripes, chosen by slot) → the store's
 * slot lock → the allocator's locks (store.h).  Every write to a slot, whole
 * or partial, holds the slot's stripe so that a concurrent read-modify-write
 * cannot bring back data that a full-block write or a discard replaced.
 */
#ifndef FZRAM_FS_H
#define FZRAM_FS_H

#define FUSE_USE_VERSION 34

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <sys/types.h>

#include "store.h"

#define FZ_ROOT_INO 1	  /* the directory */
#define FZ_FILE_INO 2	  /* the one file */
#define FZ_NR_STRIPES 256 /* read-modify-write mutexes, by slot */
#define FZ_NAME_MAX 255	  /* longest file name, bytes */

struct fz_fs {
	struct store *store;	    /* owned by the caller */
	char name[FZ_NAME_MAX + 1]; /* the file's name: no '/', not . or .. */
	uid_t uid;		    /* owner of the file and the directory */
	gid_t gid;
	time_t mount_time;	 /* atime, ctime and first mtime */
	int64_t mtime;		 /* seconds; relaxed atomic, set on write */
	unsigned int open_count; /* opens of the file not yet released;
				    atomic, read from signal handlers */
	pthread_mutex_t stripes[FZ_NR_STRIPES]; /* slot % FZ_NR_STRIPES */
};

/*
 * fz_fs_init() - set up @fs for @store with file name @name (already
 * validated by the options), owned by the daemon's uid and gid.
 * Return: 0, -ENAMETOOLONG, or a pthread error as -errno.
 */
int fz_fs_init(struct fz_fs *fs, struct store *store, const char *name);

/* fz_fs_fini() - release @fs's mutexes; the store is the caller's. */
void fz_fs_fini(struct fz_fs *fs);

/*
 * fz_fs_busy() - whether the file is open (a loop device holds it, say).
 * Context: async-signal-safe (one relaxed atomic load).
 */
int fz_fs_busy(const struct fz_fs *fs);

/* fz_fs_ops() - the operation table to pass to fuse_session_new(). */
const struct fuse_lowlevel_ops *fz_fs_ops(void);

#endif /* FZRAM_FS_H */
