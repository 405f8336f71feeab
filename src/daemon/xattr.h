/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xattr.h - the user.fzram.* extended attributes of the fzram file, mapped
 * onto the store's statistics and controls, in the value formats of zram's
 * sysfs files so that what people know of zram carries over.
 *
 *   read-only:  bd_stat, comp_algorithm, debug_stat, disksize, io_stat,
 *               mm_stat
 *   read-write: mem_limit (size with K/M/G/T suffixes, 0 = none; reads
 *               bytes), mem_used_max (write "0" only: reset the peak),
 *               writeback_limit (4 KiB pages), writeback_limit_enable
 *               (0/1), writeback_batch_size (1..BK_MAX_BATCH),
 *               backing_dev (reads the path or "none"; a write is -EBUSY:
 *               the backing store is chosen at mount)
 *   write-only: compact (any value: compact the pool, then the backing
 *               store), idle ("all", or seconds: mark slots idle),
 *               writeback (zram's syntax, xattr_parse_writeback());
 *               these read as empty
 *
 * debug_stat is zram's ("version: 1", then 0 and miss_free) with the
 * daemon's own columns after miss_free: the requests served through
 * /dev/fuse and through the io_uring rings (served.h).  bd_stat is
 * stats_format_bd()'s five columns.
 *
 * Values read end in a newline, as sysfs files do.  Values written may end
 * in one newline; anything else malformed is -EINVAL and changes nothing.
 * This module knows nothing of FUSE: fs.c calls it and replies.
 */
#ifndef FZRAM_XATTR_H
#define FZRAM_XATTR_H

#include <stddef.h>
#include <stdint.h>

#include "fzram.h"
#include "store.h"

struct tier;

/* Longest value xattr_set() accepts: room for a writeback line naming
 * STORE_WB_MAX_RANGES page_indexes of 20-digit numbers. */
#define XATTR_VALUE_MAX 1024

/* What the attributes act on; both the caller's, for as long as a call. */
struct xattr_ctx {
	struct store *store; /* statistics and controls */
	struct tier *tier;   /* the store's worker: writeback and the backing
				store's compaction; NULL: writeback is
				-ENODEV and compact does the pool alone */
};

/*
 * xattr_get() - the value of attribute @name (full name, with the prefix).
 * With @size 0, only the length is returned (as getxattr(2)).
 * Return: the value's length; -ENODATA (no such attribute), -ERANGE
 * (@size too small for the value).
 */
int xattr_get(const struct xattr_ctx *x, const char *name, char *buf,
	      size_t size);

/*
 * xattr_set() - write @len bytes of @value to attribute @name.
 * Return: 0; -ENODATA (no such attribute); -EPERM (read-only attribute);
 * -EINVAL (malformed value, longer than XATTR_VALUE_MAX or with a NUL:
 * nothing changed); -EBUSY (backing_dev); and for writeback what
 * tier_writeback() returns: -ENODEV (no backing store), -EIO (the budget
 * is spent, or a backing write failed), -ENOSPC (the backing store is
 * full), -ENOMEM, -ECANCELED (the daemon is stopping).
 * Permission (owner or root) is the caller's check.
 * Context: writeback and compact wait for the tier's worker (tier.h); the
 * calling thread holds no lock meanwhile.
 */
int xattr_set(const struct xattr_ctx *x, const char *name, const char *value,
	      size_t len);

/*
 * xattr_list() - the NUL-separated list of every attribute name, as
 * listxattr(2); with @size 0 only its length.
 * Return: the length, or -ERANGE.
 */
int xattr_list(char *buf, size_t size);

/*
 * xattr_parse_writeback() - parse a writeback value of @len bytes at
 * @value (not NUL-terminated; one trailing newline allowed) for a device
 * of @nr_slots slots into *@req.  Words separated by spaces or tabs, any
 * number, in any order:
 *   idle | huge | huge_idle | incompressible   the mode (bits OR together)
 *   type=MODE                                  the same, as a key
 *   page_index=N                               the slot N
 *   page_indexes=LO-HI                         slots LO to HI, inclusive
 * With ranges the writeback is restricted to them (at most
 * STORE_WB_MAX_RANGES); with ranges and no mode every stored slot in them
 * is picked (mode 0), as in zram.
 * Return: 0; -EINVAL (empty, an unknown word or mode, a number that is not
 * decimal or is past the device's end, LO > HI, too many ranges);
 * *@req is undefined on error.
 */
int xattr_parse_writeback(const char *value, size_t len, uint64_t nr_slots,
			  struct store_wb_req *req);

#endif /* FZRAM_XATTR_H */
