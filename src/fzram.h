/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fzram.h - the constants every layer agrees on.
 *
 * The engine stores pages of FZ_PAGE_SIZE bytes; the daemon presents them as
 * a file whose block size is the same, and answers requests of at most
 * FZ_MAX_REQUEST bytes (the FUSE max_write it announces and the payload of
 * each io_uring entry, which must be equal); fzramctl reads the daemon's
 * statistics through extended attributes named FZ_XATTR_PREFIX + name.  Each
 * is written here once so that no two layers can disagree.  This header
 * includes nothing and declares no function.
 */
#ifndef FZRAM_FZRAM_H
#define FZRAM_FZRAM_H

#define FZ_PAGE_SHIFT 12
#define FZ_PAGE_SIZE 4096 /* bytes of one stored page: 1 << FZ_PAGE_SHIFT */
_Static_assert(FZ_PAGE_SIZE == 1 << FZ_PAGE_SHIFT, "FZ_PAGE_SHIFT");

#define FZ_MAX_REQUEST (1 << 20) /* bytes of the largest read or write */

#define FZ_XATTR_PREFIX "user.fzram." /* every attribute fzram answers */

#endif /* FZRAM_FZRAM_H */
