/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * traindict.h - fzramctl --train-dict OUT [--size BYTES] [--algorithm ALG]
 * SOURCE: train a dictionary for fzram's dict= from the pages of SOURCE and
 * write it to OUT.
 *
 * SOURCE is either a live fzram (its mount point, its file or a loop device
 * on it, as probe.h tells) or a regular file of 4 KiB pages.  A live fzram
 * is sampled through its hidden user.fzram.sample attribute, read again and
 * again until enough distinct slots came back: its file is never read, so
 * no access time, idle mark or statistic of the store changes.  A file is
 * read whole when it is small, else at random pages.  Either way only
 * pages that compress are kept (not same-filled ones, not those lz4 does
 * not bring below the huge threshold), as the store keeps only those.
 *
 * How many pages: about 100 times the dictionary's size in samples, as
 * zstd advises (TRAINDICT_SAMPLE_FACTOR), and at least TRAINDICT_MIN_WANT,
 * or all a smaller source has; at most CODEC_DICT_TRAIN_MAX_PAGES.
 *
 * OUT is written whole or not at all: a temporary file beside it (made
 * before any sampling, so that an unwritable OUT fails at once), mode
 * 0644, fsync'd, renamed over OUT; any failure removes it.  Every error is
 * printed with ctl_err() where it happens.
 */
#ifndef FZRAM_TRAINDICT_H
#define FZRAM_TRAINDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

#define TRAINDICT_DEFAULT_SIZE (64 * 1024) /* bytes of dictionary */
#define TRAINDICT_DEFAULT_ALG "zstd"
#define TRAINDICT_SAMPLE_FACTOR 100 /* sample bytes per dictionary byte */
#define TRAINDICT_MIN_WANT 1024	    /* pages wanted at least */
/* live sampling gives up after this many reads in a row brought no new
 * slot (the store has no more, or the rest are hard to hit) */
#define TRAINDICT_IDLE_READS 64

/* The command line of --train-dict, as given; NULL for "not given". */
struct traindict_args {
	const char *out;       /* OUT */
	const char *size;      /* --size, NULL: TRAINDICT_DEFAULT_SIZE */
	const char *algorithm; /* --algorithm, NULL: TRAINDICT_DEFAULT_ALG */
	const char *source;    /* SOURCE */
	bool quiet;	       /* print nothing on success */
};

/* What traindict_check() made of the arguments. */
struct traindict_plan {
	enum codec_alg alg;
	size_t dict_size; /* bytes, CODEC_DICT_TRAIN_MIN_CAP..the most the
			     algorithm uses */
	size_t want;	  /* pages to sample */
};

/*
 * traindict_check() - validate @a's size and algorithm into @p, printing
 * what is wrong: the size must parse (size.h), be at least
 * CODEC_DICT_TRAIN_MIN_CAP and at most what the algorithm uses
 * (CODEC_DICT_MAX for zstd, CODEC_DICT_LZ4_MAX for lz4 and lz4hc).
 * Return: 0, or -1 (printed).
 */
int traindict_check(const struct traindict_args *a, struct traindict_plan *p);

/*
 * traindict_parse_sample() - the records of one user.fzram.sample value
 * of @len bytes at @buf (fzram.h's FZ_SAMPLE_* format).
 * Return: the count (the records start at @buf + FZ_SAMPLE_HDR), or -1
 * when the magic is wrong or the length does not match the count.
 */
int traindict_parse_sample(const void *buf, size_t len);

/*
 * traindict_keep() - whether page @page is worth training on: not
 * same-filled (one repeated 8-byte word), and lz4 brings it below 3/4 of
 * a page (the store's huge threshold).
 */
bool traindict_keep(const void *page);

/*
 * traindict_read_file() - up to @want pages of the regular file open as
 * @fd (@size bytes) that traindict_keep() keeps, into *@pages (malloc'd,
 * the caller's).  A file of at most 4 * @want pages is read whole (a
 * random @want of its kept pages are kept when there are more); a larger
 * one at random distinct pages, at most 16 * @want of them.  @seed: any.
 * Return: the number of pages, or -errno (read error; printed with
 * @name).
 */
long traindict_read_file(int fd, const char *name, uint64_t size, size_t want,
			 uint64_t seed, unsigned char **pages);

/*
 * traindict_write() - write @len bytes at @buf to the temporary file open
 * as @fd, make it 0644, fsync it and rename @tmp to @out.
 * Return: 0, or -1 (printed; @tmp is removed).
 */
int traindict_write(int fd, const char *tmp, const char *out, const void *buf,
		    size_t len);

/*
 * traindict_run() - the whole of --train-dict: check, open the temporary
 * OUT, sample SOURCE, train, check that the dictionary loads
 * (codec_dict_load()), write OUT, and unless quiet print one line of what
 * was done.
 * Return: the exit status, 0 or 1.
 */
int traindict_run(const struct traindict_args *a);

#endif /* FZRAM_TRAINDICT_H */
