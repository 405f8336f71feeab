/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xattr.h - the user.fzram.* extended attributes of the fzram file, mapped
 * onto the store's statistics and controls, in the value formats of zram's
 * sysfs files so that what people know of zram carries over.
 *
 *   read-only:  mm_stat, io_stat, debug_stat, disksize, comp_algorithm
 *   read-write: mem_limit (size with K/M/G/T suffixes, 0 = none; reads
 *               bytes), mem_used_max (write "0" only: reset the peak)
 *   write-only: compact (any value: compact now; reads as empty)
 *
 * debug_stat is zram's ("version: 1", then 0 and miss_free) with the
 * daemon's own columns after miss_free: the requests served through
 * /dev/fuse and through the io_uring rings (served.h).
 *
 * Values read end in a newline, as sysfs files do.  Values written may end
 * in one newline; anything else malformed is -EINVAL and changes nothing.
 * This module knows nothing of FUSE: fs.c calls it and replies.
 */
#ifndef FZRAM_XATTR_H
#define FZRAM_XATTR_H

#include <stddef.h>

#include "fzram.h"

struct store;


/*
 * xattr_get() - the value of attribute @name (full name, with the prefix).
 * With @size 0, only the length is returned (as getxattr(2)).
 * Return: the value's length; -ENODATA (no such attribute, or write-only),
 * -ERANGE (@size too small for the value).
 */
int xattr_get(struct store *s, const char *name, char *buf, size_t size);

/*
 * xattr_set() - write @len bytes of @value to attribute @name.
 * Return: 0; -ENODATA (no such attribute); -EPERM (read-only attribute);
 * -EINVAL (malformed value: nothing changed).
 * Permission (owner or root) is the caller's check.
 */
int xattr_set(struct store *s, const char *name, const char *value,
	      size_t len);

/*
 * xattr_list() - the NUL-separated list of every attribute name, as
 * listxattr(2); with @size 0 only its length.
 * Return: the length, or -ERANGE.
 */
int xattr_list(char *buf, size_t size);

#endif /* FZRAM_XATTR_H */
