/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xattr.h - the user.fzram.* extended attributes of the fzram file, mapped
 * onto the store's statistics and controls, in the value formats of zram's
 * sysfs files so that what people know of zram carries over.
 *
 *   read-only:  bd_stat, comp_algorithm, cpu_latency_stat (fzram's own:
 *               "limit_us hold_ms holds held_ms active errors" of the
 *               CPU latency hold, cpulat.h; limit_us -1 and the rest 0
 *               when there is none),
 *               debug_stat, disksize, io_stat, mm_stat, recomp_stat (fzram's own: slots and bytes of each
 *               priority, 0 the primary algorithm), tier_stat (fzram's
 *               own: a line per kind of background job, how the last
 *               one went)
 *   read-write: mem_limit (size with K/M/G/T suffixes, 0 = none; reads
 *               bytes), mem_used_max (write "0" only: reset the peak),
 *               writeback_limit (4 KiB pages), writeback_limit_enable
 *               (0/1), writeback_batch_size (1..BK_MAX_BATCH),
 *               backing_dev (reads the path or "none"; a write is -EBUSY:
 *               the backing store is chosen at mount), recomp_algorithm
 *               (xattr_parse_recomp_algorithm(); reads one line per set
 *               priority, "#N: lz4 lz4hc [zstd]"), algorithm_params
 *               (xattr_parse_algorithm_params(); reads one line per set
 *               priority from 0, "priority=N algo=NAME level=L" and
 *               " dict=PATH" if it has one)
 *   write-only: compact (any value: compact the pool, then the backing
 *               store), idle ("all", or seconds: mark slots idle),
 *               writeback (zram's syntax, xattr_parse_writeback()),
 *               recompress (xattr_parse_recompress()); these read as
 *               empty
 *   policy:     (xattr_policy.c) policy (read-write: policy_format()'s
 *               line; a write is "on" (the defaults), "off", or
 *               key=value words applied on top of the settings in force,
 *               policy_parse()), policy_stat (read-only: xattr_format_
 *               policy_stat()'s 16 columns)
 *   hidden:     sample (read-only, binary, not named by xattr_list():
 *               a fresh random sample of the stored pages at each read,
 *               decompressed, in fzram.h's FZ_SAMPLE_* format, for
 *               fzramctl --train-dict; sampling changes no slot)
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "fzram.h"
#include "policy.h"
#include "store.h"

struct tier;
struct cpulat;

/* Longest value xattr_set() accepts: room for a writeback line naming
 * STORE_WB_MAX_RANGES page_indexes of 20-digit numbers. */
#define XATTR_VALUE_MAX 1024

/* What the attributes act on; both the caller's, for as long as a call. */
struct xattr_ctx {
	struct store *store; /* statistics and controls */
	struct tier *tier;   /* the store's worker: writeback and the backing
				store's compaction, recompression; NULL:
				writeback is -ENODEV, compact does the
				pool alone, recompress runs here */
	bool wait;	     /* writeback, recompress and compact wait for
				their job and return its result (the mount
				directory's attributes); false: they start
				it and return (the file's: the kernel holds
				its inode lock for the whole setxattr, so a
				swap write would wait behind the job);
				tier_stat tells how it went */
	struct cpulat *cpulat; /* the CPU latency hold (cpulat.h); NULL:
				none, cpu_latency_stat reads "-1 0 0 0 0 0" */
};

/*
 * xattr_get() - the value of attribute @name (full name, with the prefix).
 * With @size 0, only the length is returned (as getxattr(2)); for sample,
 * whose every read draws a new value, the largest length (FZ_SAMPLE_MAX),
 * and a read needs a buffer of that size.
 * Return: the value's length; -ENODATA (no such attribute), -ERANGE
 * (@size too small for the value), -ENOMEM (sample).
 */
int xattr_get(const struct xattr_ctx *x, const char *name, char *buf,
	      size_t size);

/*
 * xattr_set() - write @len bytes of @value to attribute @name.
 * Return: 0; -ENODATA (no such attribute); -EPERM (read-only attribute);
 * -EINVAL (malformed value, longer than XATTR_VALUE_MAX or with a NUL:
 * nothing changed); -EBUSY (backing_dev); for recomp_algorithm and
 * algorithm_params -ENOENT (an unknown algorithm, or a priority not set)
 * and -ERANGE (a level out of the algorithm's range); for algorithm_params'
 * dict= what dictfile_load() returns (-ENOENT, -EACCES, -EINVAL: not a
 * dictionary of that algorithm; a relative path is -EINVAL too) and
 * -ENOSPC (STORE_MAX_DICTS dictionaries in use); for recompress what
 * tier_recompress() returns (-ENOENT: no secondary algorithm is set;
 * -EINVAL: the priority asked for is not set; -ENOMEM; -ECANCELED);
 * and for writeback what
 * tier_writeback() returns: -ENODEV (no backing store), -EIO (the budget
 * is spent, or a backing write failed), -ENOSPC (the backing store is
 * full), -ENOMEM, -ECANCELED (the daemon is stopping).
 * Permission (owner or root) is the caller's check.
 * Context: writeback, recompress and compact wait for the tier's worker
 * (tier.h; recompress runs on the calling thread without one); the
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

/*
 * xattr_parse_recomp_algorithm() - parse a recomp_algorithm value of @len
 * bytes at @value (one trailing newline allowed): the words
 *   algo=NAME        lz4, lz4hc or zstd (required)
 *   priority=N       1..STORE_MAX_PRIO (default 1, as zram)
 * separated by spaces or tabs, in any order, each at most once.
 * Return: 0 with *@prio and *@alg set; -EINVAL (empty, an unknown or
 * repeated word, no algo=, a priority that is not 1..STORE_MAX_PRIO);
 * -ENOENT (an algorithm fzram does not have, as store_set_recomp()).
 * *@prio and *@alg are undefined on error.
 */
int xattr_parse_recomp_algorithm(const char *value, size_t len,
				 unsigned int *prio, enum codec_alg *alg);

/* What an algorithm_params line names; the caller resolves algo= to the
 * set priority that has it. */
struct xattr_algo_params {
	int prio;  /* priority=N, 0..STORE_MAX_PRIO; -1: not given */
	int alg;   /* algo=NAME as an enum codec_alg; -1: not given */
	bool has_level;
	int level; /* level=N, any int (the codec checks the range) */
	const char *dict; /* dict=PATH: PATH's @dict_len bytes inside the
			     parsed value (not NUL-terminated); NULL: none */
	size_t dict_len;
};

/*
 * xattr_parse_algorithm_params() - parse an algorithm_params value of
 * @len bytes at @value (one trailing newline allowed): the words
 *   priority=N | algo=NAME   which algorithm (at least one)
 *   level=N                  a decimal level, may be negative (zstd)
 *   dict=PATH                a dictionary file (PATH without spaces)
 * in any order, each at most once; priority 0 is the primary.  Neither
 * level= nor dict= resets both to none (the default level, no
 * dictionary), as zram's.
 * Return: 0 with *@p filled; -EINVAL (empty, an unknown or repeated word,
 * neither priority= nor algo=, a priority above STORE_MAX_PRIO, an
 * unknown algorithm, a level that is not a decimal int, an empty dict=).
 */
int xattr_parse_algorithm_params(const char *value, size_t len,
				 struct xattr_algo_params *p);

/*
 * xattr_parse_recompress() - parse a recompress value of @len bytes at
 * @value (one trailing newline allowed) into *@req and *@alg: the words
 *   type=idle|huge|huge_idle   which slots (default: any stored slot)
 *   threshold=BYTES            only objects of at least that many bytes,
 *                              0..FZ_PAGE_SIZE (0: any)
 *   max_pages=N                most slots tried (0: no limit)
 *   priority=N                 1..STORE_MAX_PRIO: that priority alone
 *   algo=NAME                  the set priority with that algorithm
 * any subset (at least one word), in any order, each at most once.
 * Return: 0 with *@req set (prio 0 unless priority= was given) and *@alg
 * the enum codec_alg of algo=, or -1 when not given; -EINVAL (empty, an
 * unknown or repeated word, a bad number or type, priority 0 or above
 * STORE_MAX_PRIO, an unknown algorithm).  Undefined on error.
 */
int xattr_parse_recompress(const char *value, size_t len,
			   struct store_recomp_req *req, int *alg);

/* ---- the policy's attributes (xattr_policy.c), for xattr.c's table --- */

/* xattr_get_policy() / xattr_set_policy() - user.fzram.policy: the
 * settings in force, as policy_format() (age=off without a tier); a write
 * as above, -EINVAL with nothing changed (the reason logged), -ENODEV
 * without a tier. */
int xattr_get_policy(const struct xattr_ctx *x, char *buf, size_t len);
int xattr_set_policy(const struct xattr_ctx *x, const char *value,
		     size_t len);

/* xattr_get_policy_stat() - user.fzram.policy_stat, from the tier's
 * counts and the store's spill counts (zeros without a tier). */
int xattr_get_policy_stat(const struct xattr_ctx *x, char *buf, size_t len);

/*
 * xattr_format_policy_stat() - one line of 14 columns, "%8llu" each and
 * space separated as mm_stat, newline-terminated: steps aged recompressed
 * written_back spilled compactions compacted budget_left_bytes (-1 when
 * there is no budget) cpu_ms spill_waits spill_wait_us spill_max_us
 * spill_failed pressure (0/1).  fzramctl reads exactly this; new columns
 * go at the end.
 * Return: its length, or -ENOSPC.
 */
#define XATTR_POLICY_STAT_COLS 16
int xattr_format_policy_stat(const struct policy_stat *ps,
			     const struct store_spill_stats *sp, char *buf,
			     size_t len);

/*
 * xattr_policy_apply() - the settings a write of @len bytes at @value to
 * user.fzram.policy makes from *@cur, into *@out: "off" (*@cur with
 * age_s 0), "on" (*@defaults), or policy_parse()'s words on a copy of
 * *@cur; one trailing newline allowed.
 * Return: 0; -EINVAL (*@out undefined, @why says what is wrong).
 */
int xattr_policy_apply(const char *value, size_t len,
		       const struct policy_cfg *cur,
		       const struct policy_cfg *defaults,
		       struct policy_cfg *out, char *why, size_t why_len);

#endif /* FZRAM_XATTR_H */
