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
 *
 * A dictionary (struct codec_dict) is loaded once, is immutable afterwards
 * and is shared by reference count: a struct codec points at one without
 * owning it, and whoever set the pointer keeps a reference for as long as
 * the codec value is in use.  Pages compressed with a dictionary decode only
 * with the same dictionary: the compressed page does not name it (zstd
 * frames carry no dictionary id, lz4 has no field for one), so the caller
 * remembers which dictionary each page needs (codec_dict_id()).
 */
#ifndef FZRAM_CODEC_H
#define FZRAM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct codec_dict;

struct codec {
	enum codec_alg alg; /* which compressor */
	int level;          /* resolved level, never CODEC_LEVEL_DEFAULT */
	const struct codec_dict *dict; /* NULL: none; the codec does not own a
					* reference (see codec_dict_get()) */
};

/*
 * codec_init() - resolve @name and @level into @out.
 * @name: "lz4", "lz4hc" or "zstd" (exact, case-sensitive).
 * @level: CODEC_LEVEL_DEFAULT, or a level in the algorithm's range:
 *   lz4 1..65537 (acceleration, as the kernel's lz4 backend), lz4hc 1..12,
 *   zstd ZSTD_minCLevel()..ZSTD_maxCLevel() (negative levels are fast modes).
 * On success @out->dict is NULL: set it afterwards to use a dictionary.
 * Return: 0, -ENOENT (unknown name), -ERANGE (level out of range); a failure
 * leaves @out alone.
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
 * With @c->dict set, the page is compressed against that dictionary, which
 * must be of algorithm @c->alg and, for zstd and lz4hc, loaded at level
 * @c->level (their prepared tables depend on the level; lz4's acceleration
 * is free).  No allocation per page: the dictionary's tables are attached
 * (zstd) or copied (lz4: 16 KiB, lz4hc: 256 KiB) into this thread's context.
 * Return: the compressed length (1..@dst_cap), or -E2BIG when the result
 * would not fit in @dst_cap (the caller stores the page raw), or -ENOMEM when
 * this thread's context could not be created, or -EINVAL when @c->dict does
 * not match @c->alg and @c->level as above.
 * Context: lock-free; the first call on a thread allocates its context.
 */
int codec_compress(const struct codec *c, const void *src, void *dst,
		   size_t dst_cap);

/*
 * codec_decompress() - decompress @len bytes at @src into one page @dst.
 * @c->dict must be the dictionary the page was compressed with (NULL if
 * none); lz4 and lz4hc dictionaries decode either of the two (one format),
 * at any level.  Decoding with another dictionary, or without the one it
 * needs, never reads outside @src, @dst or the dictionaries, but is not
 * always detected: zstd and lz4 fail with -EIO when the stream refers to
 * dictionary bytes or tables that are not there, and otherwise return 0
 * with wrong bytes (an lz4 dictionary of the same length always does).
 * Callers must therefore keep, per page, which dictionary decodes it.
 * Return: 0, -EIO when @src is not a valid compressed page of exactly
 * FZ_PAGE_SIZE bytes (corruption), -ENOMEM as above, -EINVAL when @c->dict
 * is of another algorithm family than @c->alg.
 */
int codec_decompress(const struct codec *c, const void *src, size_t len,
		     void *dst);

/* Largest dictionary codec_dict_load() accepts, in bytes. */
#define CODEC_DICT_MAX (1024 * 1024)
/* lz4 and lz4hc use only this many bytes, the end of the dictionary. */
#define CODEC_DICT_LZ4_MAX (64 * 1024)
/* codec_dict_train()'s limits: the smallest @dict_cap, the fewest pages. */
#define CODEC_DICT_TRAIN_MIN_CAP 256 /* ZDICT_DICTSIZE_MIN */
#define CODEC_DICT_TRAIN_MIN_PAGES 8
#define CODEC_DICT_TRAIN_MAX_PAGES (256 * 1024) /* 1 GiB of samples */

/*
 * codec_dict_load() - load a dictionary for algorithm @alg at @level.
 * @buf, @len: the dictionary's bytes, copied (@buf may be freed on return).
 *   zstd: a complete zstd dictionary (magic 0xEC30A437, id, entropy tables,
 *   content), as ZDICT and codec_dict_train() write; raw content without
 *   the zstd header is refused, so a wrong file is an error and not a weak
 *   dictionary.  lz4/lz4hc: any bytes; the last CODEC_DICT_LZ4_MAX of them
 *   are the prefix every page is compressed after.
 * @level: as codec_init() accepts it for @alg (CODEC_LEVEL_DEFAULT, zstd's
 *   0); zstd and lz4hc prepare their match tables for it, and only a codec
 *   of that level compresses with the dictionary.
 * @out: the new dictionary, holding one reference for the caller.
 * Prepared once here: zstd's CDict (by reference to the copy) and DDict,
 * lz4's hashed stream (LZ4_loadDict), lz4hc's (LZ4_loadDictHC).  Memory:
 * the copy plus, zstd, the CDict's tables (they grow with the level),
 * lz4 16 KiB, lz4hc 256 KiB.
 * zstd's fast strategies (below ZSTD_lazy for a page after the
 * dictionary: the negative levels and about 1..5) would reuse a full
 * dictionary's entropy tables on every page without weighing them against
 * the page's own, which cost 9-11% of the ratio on fzram's corpus at
 * levels 1 and 3.  So at those levels the CDict and the DDict are made of
 * the dictionary's content alone (what follows its header and tables, as
 * ZSTD_dct_rawContent: zstd's default tables and repeat offsets, each
 * page's own statistics); at ZSTD_lazy and above of the whole dictionary,
 * whose tables those strategies weigh.  Either way the whole file is
 * parsed and checked first, and the id is the file's (README's dictionary
 * table has the figures, bench/bench_dict measures them).
 * Return: 0, -EINVAL (unknown @alg, @len 0 or above CODEC_DICT_MAX, a zstd
 * dictionary libzstd rejects), -ERANGE (@level out of range), -ENOMEM.
 * Context: allocates; call outside the hot path.
 */
int codec_dict_load(enum codec_alg alg, int level, const void *buf,
		    size_t len, struct codec_dict **out);

/*
 * codec_dict_get() - take one more reference to @d.  Return: @d.
 * Context: any thread, lock-free (atomic count).
 */
struct codec_dict *codec_dict_get(struct codec_dict *d);

/*
 * codec_dict_put() - drop one reference to @d (NULL: nothing); the last one
 * frees it.  No codec_compress()/codec_decompress() may still be using it.
 * Context: any thread, lock-free (atomic count).
 */
void codec_dict_put(struct codec_dict *d);

/* codec_dict_size() - the length of the buffer @d was loaded from. */
size_t codec_dict_size(const struct codec_dict *d);

/*
 * codec_dict_id() - a 32-bit id of @d, never 0: zstd's dictionary id when
 * the dictionary has one, otherwise a hash (FNV-1a) of its bytes.  Equal
 * bytes give equal ids; different dictionaries may collide (1 in 2^32 for
 * hashes; zstd ids are chosen by whoever trained them).
 */
uint32_t codec_dict_id(const struct codec_dict *d);

/* codec_dict_equal() - @a and @b were loaded from the same bytes for the
 * same algorithm and level (so either compresses and decodes as the
 * other). */
bool codec_dict_equal(const struct codec_dict *a, const struct codec_dict *b);

/* codec_dict_alg(), codec_dict_level() - what @d was loaded for (the level
 * resolved as codec_init() does). */
enum codec_alg codec_dict_alg(const struct codec_dict *d);
int codec_dict_level(const struct codec_dict *d);

/*
 * codec_dict_train() - build a dictionary for @alg from sample pages.
 * @pages: @npages pages of FZ_PAGE_SIZE bytes, one after another; each page
 *   is one sample.  At least CODEC_DICT_TRAIN_MIN_PAGES; a few hundred to
 *   a few thousand pages of the kind of data to be stored work best (zstd
 *   advises about 100 times the dictionary size in samples); at most
 *   CODEC_DICT_TRAIN_MAX_PAGES (sample a larger source first).
 * @dict_cap: the most bytes to write (at least CODEC_DICT_TRAIN_MIN_CAP);
 *   zstd writes at most CODEC_DICT_MAX, lz4/lz4hc at most
 *   CODEC_DICT_LZ4_MAX (all they can use).
 * @out, @out_len: the dictionary, *@out_len bytes, as codec_dict_load()
 *   accepts it for @alg.
 * Method: zstd: ZDICT_trainFromBuffer() (fastCover), a complete dictionary.
 *   lz4/lz4hc: the same trainer's content (the segments that recur most,
 *   the most useful last), without the zstd header and entropy tables that
 *   lz4 cannot use, so the whole output is prefix.
 * Return: 0, -EINVAL (unknown @alg, too few pages, @dict_cap too small, or
 * samples that ZDICT cannot train on: all alike, or incompressible),
 * -ENOMEM.
 * Context: allocates and is slow (seconds for thousands of pages): never on
 * the request path.
 */
int codec_dict_train(enum codec_alg alg, const void *pages, size_t npages,
		     size_t dict_cap, void *out, size_t *out_len);

/*
 * codec_thread_release() - free the calling thread's contexts now (they are
 * also freed at thread exit).  Used by tests that count allocations.
 */
void codec_thread_release(void);

#endif /* FZRAM_CODEC_H */
