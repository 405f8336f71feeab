/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * codec.h - one interface over the page compressors: lz4, lz4hc and zstd.
 *
 * A struct codec is a small value (algorithm + level) that any number of
 * threads may share.  The compression and decompression contexts are not in
 * it: each thread that calls codec_compress()/codec_decompress() gets its own
 * contexts on first use, keeps them for its lifetime and frees them when it
 * exits, so the hot path never allocates after a thread's first page and no
 * lock is ever taken.
 *
 * Everything works on one page of FZ_PAGE_SIZE bytes.
 */
#ifndef FZRAM_CODEC_H
#define FZRAM_CODEC_H

#include <stddef.h>

#include "fzram.h"
/* Level value meaning "the algorithm's default level". */
#define CODEC_LEVEL_DEFAULT (-1000000)

enum codec_alg {
	CODEC_LZ4,
	CODEC_LZ4HC,
	CODEC_ZSTD,
	CODEC_NR_ALGS
};

/* The algorithm used when none is named, and every name in enum order, as
 * messages list them; check_codec ties both to codec_name(). */
#define CODEC_DEFAULT_NAME "lz4"
#define CODEC_NAME_LIST "lz4, lz4hc, zstd"

struct codec {
	enum codec_alg alg; /* which compressor */
	int level;          /* resolved level, never CODEC_LEVEL_DEFAULT */
};

/*
 * codec_init() - resolve @name and @level into @out.
 * @name: "lz4", "lz4hc" or "zstd" (exact, case-sensitive).
 * @level: CODEC_LEVEL_DEFAULT, or a level in the algorithm's range:
 *   lz4 1..65537 (acceleration, as the kernel's lz4 backend), lz4hc 1..12,
 *   zstd ZSTD_minCLevel()..ZSTD_maxCLevel() (negative levels are fast modes).
 * Return: 0, -ENOENT (unknown name), -ERANGE (level out of range).
 * Use codec_level_range() to word the error for the user.
 */
int codec_init(struct codec *out, const char *name, int level);

/*
 * codec_level_range() - the accepted levels of algorithm @name.
 * Return: 0 with *@min, *@max and *@def set, or -ENOENT.
 */
int codec_level_range(const char *name, int *min, int *max, int *def);

/* codec_name() - the algorithm's name, as codec_init() accepts it. */
const char *codec_name(enum codec_alg alg);

/*
 * codec_compress() - compress one page @src into @dst, at most @dst_cap bytes.
 * Return: the compressed length (1..@dst_cap), or -E2BIG when the result
 * would not fit in @dst_cap (the caller stores the page raw), or -ENOMEM when
 * this thread's context could not be created.
 * Context: lock-free; the first call on a thread allocates its context.
 */
int codec_compress(const struct codec *c, const void *src, void *dst,
		   size_t dst_cap);

/*
 * codec_decompress() - decompress @len bytes at @src into one page @dst.
 * Return: 0, -EIO when @src is not a valid compressed page of exactly
 * FZ_PAGE_SIZE bytes (corruption), -ENOMEM as above.
 */
int codec_decompress(const struct codec *c, const void *src, size_t len,
		     void *dst);

/*
 * codec_thread_release() - free the calling thread's contexts now (they are
 * also freed at thread exit).  Used by tests that count allocations.
 */
void codec_thread_release(void);

#endif /* FZRAM_CODEC_H */
