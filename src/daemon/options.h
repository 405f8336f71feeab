/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.h - the fzram command line:
 *
 *   fzram [-f] [-d] [-s] [-o OPTIONS] [SOURCE] MOUNTPOINT
 *
 * SOURCE is accepted and ignored, so that "mount -t fuse.fzram fzram DIR -o
 * size=2G" works through mount.fuse3.  Our -o options (size, algorithm,
 * level, mem_limit, file, nomlock, poll_us, uring, cpu_latency,
 * cpu_latency_hold, threads, backing,
 * backing_size, backing_encrypt, recomp, recomp2, recomp3, dict, and the
 * policy's: policy, age, recomp_after, wb_after, wb_daily, cpu, spill,
 * high, low, compact, read_factor, psi, trim) are taken out and checked here; the rest
 * of the command line (-f, -d, -s, clone_fd, max_idle_threads, and every
 * FUSE or mount option) is left in the fuse_args for fuse_parse_cmdline()
 * and fuse_session_new(), which reject what they do not know.  What the
 * backing path is (file, block device, directory) is checked when it is
 * opened (main.c, backing_create()), not here.  max_idle_threads is libfuse's,
 * but main.c takes it as the number of request threads when threads= is not
 * given (what it meant before threads= existed).
 */
#ifndef FZRAM_OPTS_H
#define FZRAM_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <fuse_opt.h>

#include "policy.h"
#include "store.h" /* STORE_MAX_PRIO */

#define OPTS_DEFAULT_FILE "swapfile"
#define OPTS_DEFAULT_ALGORITHM "lz4"
#define OPTS_MAX_DEFAULT_SIZE (4ULL << 30) /* as zram-generator: 4 GiB */

struct opts {
	uint64_t size;	       /* bytes, > 0, a multiple of 4096 */
	const char *algorithm; /* "lz4", "lz4hc" or "zstd" (checked) */
	int level;	       /* CODEC_LEVEL_DEFAULT or in range (checked) */
	uint64_t mem_limit;    /* bytes, 0 = none */
	char *file;	     /* file name, 1..255 bytes, no '/', not . or .. */
	bool nomlock;	     /* do not mlockall() */
	unsigned int poll_us; /* loop.h: busy-poll window, 0..100000 */
	bool uring;	      /* uring.h: FUSE over io_uring if offered */
	int cpu_latency_us;   /* cpulat.h: 0..CPULAT_MAX_US, -1 = off */
	unsigned int cpu_latency_hold_ms; /* 1..CPULAT_MAX_HOLD_MS */
	bool cpu_latency_set; /* cpu_latency= or cpu_latency_hold= given */
	unsigned int threads; /* loop.h's workers, 1..256; 0 = not given */
	char *backing;	      /* backing=PATH, the second tier (backing.h): a
				 file, block device or directory; NULL = none */
	uint64_t backing_size; /* bytes, 0 = the device's size */
	bool backing_encrypt;  /* seal what goes there (default on) */
	const char *recomp[STORE_MAX_PRIO + 1]; /* recomp=, recomp2=,
				 recomp3=: the secondary algorithm of
				 priorities 1..3 (checked); [0] unused,
				 NULL = none */
	int recomp_level[STORE_MAX_PRIO + 1]; /* CODEC_LEVEL_DEFAULT or
				 in range for recomp[i] (checked) */
	char *dict[STORE_MAX_PRIO + 1]; /* dict= ([0], the primary's) and
				 recomp...:dict=: absolute paths, read in
				 main.c; NULL = none */
	bool policy_off;      /* policy=off: zram's one-shot controls only */
	char *policy_words;   /* the policy's options as given, "age=30
				 cpu=5" (each checked), for opts_policy();
				 NULL = none */
	char *source;	     /* ignored; NULL if not given */
	int nr_positional;   /* non-option arguments seen */
	char *positional[2]; /* [SOURCE] MOUNTPOINT, as given */
	bool size_set;	     /* size= was given */
	bool level_set;	     /* level= was given */
	bool backing_size_set;	  /* backing_size= was given */
	bool backing_encrypt_set; /* backing_encrypt= was given */
};

/*
 * opts_parse() - take our options out of @args (FUSE_ARGS_INIT(argc, argv))
 * into @o, leaving every other argument in @args for libfuse, followed by
 * the mountpoint if one was given.  Fills in the defaults (size: half of
 * physical memory, at most 4 GiB, as zram-generator) and checks the values.
 * On error prints one line "fzram: OPTION: why" to stderr.
 * Return: 0, or -1 (message printed).  Call opts_free() in both cases.
 */
int opts_parse(struct fuse_args *args, struct opts *o);

/*
 * opts_policy() - the policy the mount runs: policy_defaults() for its
 * backing store (of @backing_bytes) and secondary algorithms, the policy's
 * options applied on top, age_s 0 with policy=off.  opts_parse() has
 * checked them with the backing store's size guessed, so that a mount
 * with bad ones is refused before it starts.
 * Return: 0, or -1 (low not below high: "fzram: low: ..." printed).
 */
int opts_policy(const struct opts *o, uint64_t backing_bytes,
		struct policy_cfg *out);

/* opts_free() - free what opts_parse() allocated in @o. */
void opts_free(struct opts *o);

/* opts_help() - print usage, our options and libfuse's to stdout. */
void opts_help(const char *progname);

/* opts_version() - print fzram's version and libfuse's to stdout. */
void opts_version(void);

/*
 * opts_default_size() - half of physical memory, at most 4 GiB, in bytes
 * (a multiple of FZ_PAGE_SIZE, at least one page).
 */
uint64_t opts_default_size(void);

#endif /* FZRAM_OPTS_H */
