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

/*
 * user.fzram.sample's binary value (fzramctl --train-dict reads it): a
 * header of FZ_SAMPLE_MAGIC and a u32 count, then count records of a u64
 * slot number and that slot's FZ_PAGE_SIZE bytes, decompressed; integers
 * in the host's byte order.  At most FZ_SAMPLE_PAGES records: as many as
 * fit in one xattr value (XATTR_SIZE_MAX, 64 KiB).
 */
#define FZ_SAMPLE_MAGIC "FZS1" /* 4 bytes, no NUL */
#define FZ_SAMPLE_HDR 8	       /* magic, count */
#define FZ_SAMPLE_REC (8 + FZ_PAGE_SIZE)
#define FZ_SAMPLE_PAGES 15
#define FZ_SAMPLE_MAX (FZ_SAMPLE_HDR + FZ_SAMPLE_PAGES * FZ_SAMPLE_REC)
_Static_assert(FZ_SAMPLE_MAX <= 65536 && FZ_SAMPLE_MAX + FZ_SAMPLE_REC > 65536,
	       "FZ_SAMPLE_PAGES: as many records as fit in 64 KiB");

#endif /* FZRAM_FZRAM_H */
