// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fs.c - the FUSE low-level operations of fzram: thin handlers that map a
 * directory with one fixed-size file onto the block device (blockdev.h) and
 * its extended attributes onto xattr.c, and serve the read-only block_state
 * beside it (blockstate.h).  Every handler replies exactly once, before it
 * returns (the rule in fs.h).
 *
 * The file behaves like the block device it stands in for: its size
 * changes only by an explicit truncate to a non-zero multiple of 4096
 * (bdev_resize), O_TRUNC at open is ignored (as a block device ignores it,
 * so that "dd of=FILE" works), writes past the end write what fits and
 * then fail with ENOSPC.  Opens use direct I/O so that the kernel keeps no
 * page-cache copy of what is swapped to us, and parallel direct writes
 * (fz_reply_open_file()).
 *
 * block_state is a regular file of mode 0400 and size 0 (its length is
 * not known until it is made): an open makes the whole text (bstate_make())
 * and keeps it in fi->fh until release; direct I/O makes the kernel send
 * every read, past the size of 0, to us.  It cannot be written, truncated
 * or opened for writing (EACCES, mode changes EPERM), by root either, and
 * has no attributes: they stay on the swap file.
 *
 * Locks: none of its own (see blockdev.h for the device's).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fuse.h>
#include <linux/limits.h>
#include <sys/uio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"
#include "blockstate.h"
#include "xattr.h"

#define FZ_ATTR_TIMEOUT_DIR 1.0
/* st_blocks and mtime change with every write: let the kernel ask. */
#define FZ_ATTR_TIMEOUT_FILE 0.0
#define FZ_ENTRY_TIMEOUT 1.0
/* Large enough for every user.fzram.* value and the list of names. */
#define FZ_XATTR_BUF 4096

static struct fz_fs *fz_from(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int64_t fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts.tv_sec;
}

static void fz_touch(struct fz_fs *fs)
{
	int64_t now = fz_now();

	/* Relaxed: mtime is advisory, a racing older value is harmless. */
	if (__atomic_load_n(&fs->mtime, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&fs->mtime, now, __ATOMIC_RELAXED);
}

static int fz_owner_or_root(fuse_req_t req, const struct fz_fs *fs)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return ctx->uid == 0 || ctx->uid == fs->uid;
}

/*
 * The attributes are on the file and on the mount's directory alike; only
 * the slow jobs differ: asked on the directory they are waited for, asked
 * on the file they are started (xattr.h: the kernel holds the file's inode
 * lock across a setxattr, and the loop device's writes to it would wait).
 */
static bool fz_has_xattrs(fuse_ino_t ino)
{
	return ino == FZ_FILE_INO || ino == FZ_ROOT_INO;
}

/* fz_xattr_ctx() - what the attributes of inode @ino act on. */
static struct xattr_ctx fz_xattr_ctx(const struct fz_fs *fs, fuse_ino_t ino)
{
	struct xattr_ctx x = {.store = fs->store,
			      .tier = fs->tier,
			      .wait = ino == FZ_ROOT_INO,
			      .cpulat = fs->cpulat};

	return x;
}

/* fz_ino_of() - the inode named @name in the root, or 0. */
static fuse_ino_t fz_ino_of(const struct fz_fs *fs, const char *name)
{
	if (strcmp(name, fs->name) == 0)
		return FZ_FILE_INO;
	if (strcmp(name, FZ_STATE_NAME) == 0)
		return FZ_STATE_INO;
	return 0;
}

/* fz_perm() - the fixed permission bits of @ino. */
static mode_t fz_perm(fuse_ino_t ino)
{
	return ino == FZ_ROOT_INO ? 0755 : ino == FZ_STATE_INO ? 0400 : 0600;
}

/* fz_stat() - the attributes of @ino; Return: 0, -ENOENT. */
static int fz_stat(struct fz_fs *fs, fuse_ino_t ino, struct stat *st)
{
	struct stats_mm mm;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_blksize = FZ_PAGE_SIZE;
	st->st_atime = fs->mount_time;
	if (ino == FZ_ROOT_INO) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_mtime = fs->mount_time;
		st->st_ctime = fs->mount_time;
		return 0;
	}
	if (ino == FZ_STATE_INO) {
		/* Size 0: the text is made at open (see the top). */
		st->st_mode = S_IFREG | 0400;
		st->st_nlink = 1;
		st->st_mtime = __atomic_load_n(&fs->mtime, __ATOMIC_RELAXED);
		st->st_ctime = st->st_mtime;
		return 0;
	}
	if (ino != FZ_FILE_INO)
		return -ENOENT;
	st->st_mode = S_IFREG | 0600;
	st->st_nlink = 1;
	st->st_size = bdev_size(fs->bdev);
	/* du shows the compressed footprint, allocator overhead included. */
	store_mm(fs->store, &mm);
	st->st_blocks = (mm.mem_used_total + 511) / 512;
	st->st_mtime = __atomic_load_n(&fs->mtime, __ATOMIC_RELAXED);
	st->st_ctime = st->st_mtime;
	return 0;
}

static void fz_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* O_TRUNC reaches open(), where it is ignored as on a block device;
	 * without this the kernel would send a truncate to 0 first. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/* 1 MiB: what libfuse 3.14's receive buffer holds (256 pages of data
	 * and a page for the headers) when the kernel has FUSE_MAX_PAGES; the
	 * kernel never sends more than the max_write we answer. */
	conn->max_write = FZ_MAX_REQUEST;
}

static void fz_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fz_fs *fs = fz_from(req);
	struct fuse_entry_param e;
	fuse_ino_t ino;

	if (parent != FZ_ROOT_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	ino = fz_ino_of(fs, name);
	if (!ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	e.attr_timeout = FZ_ATTR_TIMEOUT_FILE;
	e.entry_timeout = FZ_ENTRY_TIMEOUT;
	fz_stat(fs, ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void fz_reply_attr(fuse_req_t req, struct fz_fs *fs, fuse_ino_t ino)
{
	struct stat st;

	if (fz_stat(fs, ino, &st)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st,
			ino == FZ_ROOT_INO ? FZ_ATTR_TIMEOUT_DIR
					   : FZ_ATTR_TIMEOUT_FILE);
}

static void fz_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)fi;
	fz_reply_attr(req, fz_from(req), ino);
}

/*
 * Only the swap file's size changes (a non-zero multiple of 4096; shrinking
 * frees the slots past the new end); block_state's cannot (EACCES).  Mode
 * and owner are fixed: setting them to what they are succeeds, anything
 * else is EPERM.  Times are accepted; a new mtime is kept (the swap file's:
 * block_state shows it too).
 */
static void fz_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);
	mode_t perm = fz_perm(ino);
	uint64_t size;
	int err;

	(void)fi;
	if (ino != FZ_ROOT_INO && ino != FZ_FILE_INO && ino != FZ_STATE_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (((to_set & FUSE_SET_ATTR_MODE) &&
	     (attr->st_mode & 07777) != perm) ||
	    ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != fs->uid) ||
	    ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != fs->gid)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if ((to_set & (FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME |
		       FUSE_SET_ATTR_ATIME)) &&
	    !fz_owner_or_root(req, fs)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (ino != FZ_FILE_INO) {
			fuse_reply_err(req,
				       ino == FZ_STATE_INO ? EACCES : EISDIR);
			return;
		}
		if (attr->st_size <= 0) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		size = attr->st_size;
		if (size != bdev_size(fs->bdev)) {
			err = bdev_resize(fs->bdev, size);
			if (err) {
				fuse_reply_err(req, -err);
				return;
			}
			fz_touch(fs);
		}
	}
	if (ino == FZ_FILE_INO && (to_set & FUSE_SET_ATTR_MTIME_NOW))
		fz_touch(fs);
	else if (ino == FZ_FILE_INO && (to_set & FUSE_SET_ATTR_MTIME))
		__atomic_store_n(&fs->mtime, (int64_t)attr->st_mtime,
				 __ATOMIC_RELAXED);
	fz_reply_attr(req, fs, ino);
}

static void fz_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);
	const char *names[] = {".", "..", fs->name, FZ_STATE_NAME};
	const fuse_ino_t inos[] = {FZ_ROOT_INO, FZ_ROOT_INO, FZ_FILE_INO,
				   FZ_STATE_INO};
	const off_t nr = sizeof(inos) / sizeof(inos[0]);
	char buf[4 * (FZ_NAME_MAX + 64)];
	size_t used = 0;
	struct stat st;
	off_t i;

	(void)fi;
	if (ino != FZ_ROOT_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(&st, 0, sizeof(st));
	for (i = off < 0 ? 0 : off; i < nr; i++) {
		size_t n;

		st.st_ino = inos[i];
		st.st_mode = inos[i] == FZ_ROOT_INO ? S_IFDIR : S_IFREG;
		n = fuse_add_direntry(req, buf + used, size - used, names[i],
				      &st, i + 1);
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

/*
 * block_state: read-only for everyone; the text is made now, whole, and
 * lives in fi->fh until release (see the top).
 */
static void fz_open_state(fuse_req_t req, struct fz_fs *fs,
			  struct fuse_file_info *fi)
{
	struct bstate *b;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	err = bstate_make(fs->store, &b);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)b;
	fi->direct_io = 1; /* reads past the size of 0 reach us */
	fi->keep_cache = 0;
	fi->noflush = 1;
	/* An interrupted open gets no release: free it here. */
	if (fuse_reply_open(req, fi) != 0)
		bstate_free(b);
}

/*
 * The swap file's open reply: direct I/O, no flush, and parallel direct
 * writes.  Without FOPEN_PARALLEL_DIRECT_WRITES the kernel takes the
 * inode's lock for each direct write, so that writers in several processes
 * (dd, fio, a loop device's submissions) reach us one at a time.  libfuse
 * 3.14.0's fuse_file_info has no bit for it, so the reply is built here as
 * fuse_reply_open() would build it (its fill_open()), with the flag added.
 * Return: fuse_reply_open()'s: 0, or -errno (-ENOENT: the open was
 * interrupted, and gets no release).
 */
static int fz_reply_open_file(fuse_req_t req, const struct fuse_file_info *fi)
{
	struct fuse_open_out arg;
	struct iovec iov = {.iov_base = &arg, .iov_len = sizeof(arg)};

	memset(&arg, 0, sizeof(arg));
	arg.fh = fi->fh;
	arg.open_flags =
	    FOPEN_DIRECT_IO | FOPEN_NOFLUSH | FOPEN_PARALLEL_DIRECT_WRITES;
	return fuse_reply_iov(req, &iov, 1);
}

static void fz_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);

	if (ino == FZ_ROOT_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (ino == FZ_STATE_INO) {
		fz_open_state(req, fs, fi);
		return;
	}
	if (ino != FZ_FILE_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* The kernel checks nothing without -o default_permissions. */
	if (!fz_owner_or_root(req, fs)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	/* O_TRUNC is ignored: the file is a device (see the top). */
	__atomic_add_fetch(&fs->open_count, 1, __ATOMIC_SEQ_CST);
	/* An interrupted open gets no release: undo the count. */
	if (fz_reply_open_file(req, fi) != 0)
		__atomic_sub_fetch(&fs->open_count, 1, __ATOMIC_SEQ_CST);
}

static void fz_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);

	if (ino == FZ_FILE_INO)
		__atomic_sub_fetch(&fs->open_count, 1, __ATOMIC_SEQ_CST);
	else if (ino == FZ_STATE_INO)
		bstate_free((struct bstate *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* Read and write go to the file at a real offset; else reply and say no. */
static bool io_args_ok(fuse_req_t req, fuse_ino_t ino, off_t off)
{
	if (ino != FZ_FILE_INO) {
		fuse_reply_err(req, ino == FZ_STATE_INO ? EACCES : EISDIR);
		return false;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return false;
	}
	return true;
}

/* block_state: from the text made at open, at the offset asked. */
static void fz_read_state(fuse_req_t req, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	const struct bstate *b = (const struct bstate *)(uintptr_t)fi->fh;
	const char *p;
	char *copy;
	size_t n;

	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	p = bstate_at(b, off, size, &n);
	/*
	 * Reply from a copy: the kernel can complete the read inside our
	 * writev, the reader close the file and a release on another thread
	 * free the text before writev returns, and anything that looks at
	 * the reply's memory after the call (ASan's writev check does) would
	 * read freed memory.
	 */
	copy = n ? malloc(n) : NULL;
	if (n && !copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (n)
		memcpy(copy, p, n);
	fuse_reply_buf(req, copy, n);
	free(copy);
}

/*
 * Reads at or past the end return 0 bytes; a read straddling the end
 * returns what is inside.  Every failure is EIO to the reader.
 */
static void fz_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);
	uint64_t dev_size = bdev_size(fs->bdev);
	uint64_t pos = off;
	ssize_t n;
	char *buf;

	if (ino == FZ_STATE_INO) {
		fz_read_state(req, size, off, fi);
		return;
	}
	if (!io_args_ok(req, ino, off))
		return;
	/* a swap-in: keep the CPUs awake for the faults after it */
	cpulat_touch(fs->cpulat);
	if (pos >= dev_size || size == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > dev_size - pos)
		size = dev_size - pos;
	/*
	 * At most FZ_MAX_REQUEST: the kernel sends no read larger than
	 * max_pages, which libfuse derives from the max_write of fz_init().
	 * Allocating on the swap-in path cannot wait on our own swap: the
	 * daemon's memory is locked and it is an I/O flusher (main.c).
	 */
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = bdev_read(fs->bdev, buf, size, pos);
	if (n < 0)
		fuse_reply_err(req, EIO);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

/*
 * A write reaching past the end writes what fits and returns that short
 * count (the kernel retries the rest and gets ENOSPC); if nothing fits,
 * ENOSPC.  A failure after some blocks were written also returns the
 * short count, so the caller learns exactly what landed.
 */
static void fz_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);
	ssize_t n;

	(void)fi;
	if (!io_args_ok(req, ino, off))
		return;
	n = bdev_write(fs->bdev, data, size, off);
	if (n > 0)
		fz_touch(fs);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, n);
}

/*
 * Punching a hole or zeroing a range frees the whole blocks it covers and
 * zeroes the partial edges; the part past the end is ignored.  Plain
 * allocation succeeds inside the file (everything is always "allocated")
 * and fails with ENOSPC past it, since the file cannot grow.
 */
static void fz_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct fuse_file_info *fi)
{
	struct fz_fs *fs = fz_from(req);
	uint64_t end;
	int err;

	(void)fi;
	if (ino != FZ_FILE_INO) {
		fuse_reply_err(req, ino == FZ_STATE_INO ? EACCES : ENODEV);
		return;
	}
	if (offset < 0 || length <= 0 || offset > INT64_MAX - length) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	end = (uint64_t)offset + (uint64_t)length;
	if (mode == 0) {
		fuse_reply_err(req, end <= bdev_size(fs->bdev) ? 0 : ENOSPC);
		return;
	}
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		err = bdev_discard(fs->bdev, offset, length);
	else if (mode == FALLOC_FL_ZERO_RANGE ||
		 mode == (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE))
		err = bdev_zero(fs->bdev, offset, length);
	else
		err = -EOPNOTSUPP;
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fz_touch(fs);
	fuse_reply_err(req, 0);
}

/* Nothing is cached in the daemon: every write is in the store already. */
static void fz_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void fz_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void fz_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fz_fs *fs = fz_from(req);
	struct stats_mm mm;
	struct statvfs st;
	uint64_t stored;

	(void)ino;
	store_mm(fs->store, &mm);
	memset(&st, 0, sizeof(st));
	st.f_bsize = FZ_PAGE_SIZE;
	st.f_frsize = FZ_PAGE_SIZE;
	st.f_blocks = bdev_size(fs->bdev) / FZ_PAGE_SIZE;
	stored = mm.orig_data_size / FZ_PAGE_SIZE;
	st.f_bfree = stored < st.f_blocks ? st.f_blocks - stored : 0;
	st.f_bavail = st.f_bfree;
	st.f_files = 3;
	st.f_ffree = 0;
	st.f_favail = 0;
	st.f_namemax = FZ_NAME_MAX;
	fuse_reply_statfs(req, &st);
}

static int fz_is_ours(const char *name)
{
	return strncmp(name, FZ_XATTR_PREFIX, strlen(FZ_XATTR_PREFIX)) == 0;
}

/* Reply to a getxattr or listxattr: the error, the length asked for by a
 * @size of 0, or the @n bytes at @buf. */
static void fz_reply_xattr_value(fuse_req_t req, const char *buf,
				 size_t size, int n)
{
	if (n < 0)
		fuse_reply_err(req, -n);
	else if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
}

static void fz_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct fz_fs *fs = fz_from(req);
	struct xattr_ctx x = fz_xattr_ctx(fs, ino);
	char small[FZ_XATTR_BUF], *buf = small;
	int n;

	if (!fz_has_xattrs(ino) || !fz_is_ours(name)) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	/* the sample is stored memory: the owner's or root's only */
	if (strcmp(name, FZ_XATTR_PREFIX "sample") == 0 &&
	    !fz_owner_or_root(req, fs)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	if (size > sizeof(small)) {
		/* user.fzram.sample's 60 KiB: a control, not the swap path */
		buf = malloc(size);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	n = xattr_get(&x, name, size ? buf : NULL, size);
	fz_reply_xattr_value(req, buf, size, n);
	if (buf != small)
		free(buf);
}

static void fz_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char buf[FZ_XATTR_BUF];
	int n;

	if (!fz_has_xattrs(ino)) {
		if (size == 0)
			fuse_reply_xattr(req, 0);
		else
			fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	n = xattr_list(size ? buf : NULL, size);
	fz_reply_xattr_value(req, buf, size, n);
}

/* Flags (XATTR_CREATE, XATTR_REPLACE) are ignored: the names are fixed. */
static void fz_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	struct fz_fs *fs = fz_from(req);
	struct xattr_ctx x = fz_xattr_ctx(fs, ino);
	int err;

	(void)flags;
	if (!fz_owner_or_root(req, fs)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (!fz_has_xattrs(ino) || !fz_is_ours(name)) {
		fuse_reply_err(req, ENOTSUP);
		return;
	}
	/* On the directory, a writeback waits here for the tier's worker:
	 * see xattr.h. */
	err = xattr_set(&x, name, value, size);
	fuse_reply_err(req, -err);
}

static void fz_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (fz_has_xattrs(ino) && fz_is_ours(name))
		fuse_reply_err(req, EPERM);
	else
		fuse_reply_err(req, ENODATA);
}

static const struct fuse_lowlevel_ops fz_ops = {
    .init = fz_init,
    .lookup = fz_lookup,
    .getattr = fz_getattr,
    .setattr = fz_setattr,
    .readdir = fz_readdir,
    .open = fz_open,
    .release = fz_release,
    .read = fz_read,
    .write = fz_write,
    .fallocate = fz_fallocate,
    .flush = fz_flush,
    .fsync = fz_fsync,
    .statfs = fz_statfs,
    .getxattr = fz_getxattr,
    .listxattr = fz_listxattr,
    .setxattr = fz_setxattr,
    .removexattr = fz_removexattr,
};

const struct fuse_lowlevel_ops *fz_fs_ops(void)
{
	return &fz_ops;
}

int fz_fs_init(struct fz_fs *fs, struct bdev *bdev, const char *name)
{
	memset(fs, 0, sizeof(*fs));
	if (strlen(name) > FZ_NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(fs->name, name);
	fs->bdev = bdev;
	fs->store = bdev_store(bdev);
	fs->uid = getuid();
	fs->gid = getgid();
	fs->mount_time = fz_now();
	fs->mtime = fs->mount_time;
	return 0;
}

int fz_fs_busy(const struct fz_fs *fs)
{
	return __atomic_load_n(&fs->open_count, __ATOMIC_RELAXED) > 0;
}
