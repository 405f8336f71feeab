/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * setup.h - fzramctl --swapon and --swapoff: bring an fzram swap up or take
 * it down by running the system's tools.
 *
 * --swapon brings up a swap in four steps: mount /run/fzram/N (the fzram
 * daemon), mkswap, losetup --direct-io=on, swapon --discard.  Every step
 * runs as a child whose stdout and stderr go to memory files (not pipes:
 * the daemon forks and may keep them open), and a failed step undoes the
 * ones before it in reverse, so that nothing is ever left half set up.
 * --swapoff takes the same steps down in order (swapoff, losetup -d,
 * umount, rmdir) and stops at the first that fails: a swap is never left on
 * a loop device whose file is gone.
 *
 * Once the swap is on, --swapon sets vm.page-cluster (pagecluster.h);
 * --swapoff puts it back when no fzram in SETUP_RUN_DIR is on a loop
 * device any more.  Neither
 * fails for it: what went wrong is printed as a warning.
 *
 * For the tests, FZRAMCTL_FAIL_AT=mount|mkswap|losetup|swapon makes that
 * step of --swapon fail on purpose, and FZRAM names the daemon to run.
 * Every failure is printed (ctl_err()) where it happens.
 */
#ifndef FZRAM_SETUP_H
#define FZRAM_SETUP_H

#include <stddef.h>

#include "codecarg.h"

#define SETUP_RUN_DIR "/run/fzram" /* where --swapon mounts, as N */
#define SETUP_DEFAULT_PRIORITY 100 /* of the swap, as zram-generator */
#define SETUP_OPTIONS_MAX 512	   /* bytes of --options */
#define SETUP_BACKING_MAX 4095	   /* bytes of --backing (PATH_MAX - 1) */
#define SETUP_MAX_RECOMP 3	   /* --recomp's: priorities 1, 2, 3 */
/* bytes of the -o list setup_fzram_opts() builds, at most: --backing and
 * the four dictionary paths escaped (each byte at most two), --options,
 * the other values */
#define SETUP_FZRAM_OPTS_LEN                                                   \
	(2 * SETUP_BACKING_MAX + SETUP_OPTIONS_MAX +                           \
	 (1 + SETUP_MAX_RECOMP) * (2 * CODECARG_DICT_MAX + 64) + 512)

/* The options of --swapon, as given; NULL for "not given". */
struct setup_args {
	const char *size, *algorithm, *level, *mem_limit; /* NULL: fzram's */
	const char *backing;	  /* -o backing=: an absolute path, or NULL */
	const char *backing_size; /* -o backing_size=, or NULL (needs
				     @backing) */
	const char *backing_encrypt; /* "on" or "off", or NULL (needs
					@backing) */
	const char *alg_params;	  /* -p 'level=N dict=PATH' for the primary
				     (zramctl's --algorithm-params), or NULL */
	const char *recomp[SETUP_MAX_RECOMP]; /* --recomp ALG[:LEVEL]
				     [:dict=PATH] or ALG(level=N,dict=PATH):
				     the secondary algorithms of priorities
				     1, 2, 3 in order; NULL from the first
				     not given */
	const char *options;	  /* more of fzram's -o options, or NULL */
	const char *priority_arg; /* NULL: SETUP_DEFAULT_PRIORITY */
	int priority;		  /* set by setup_check() from @priority_arg */
	const char *page_cluster_arg; /* --page-cluster: 0..PC_MAX or "keep";
				     NULL: PC_DEFAULT (pagecluster.h) */
	int page_cluster;	  /* set by setup_check(): PC_KEEP or 0.. */
	/* Set by setup_check(), for setup_fzram_opts(): */
	struct codecarg prim;	  /* --algorithm, --level and -p, checked;
				     the dictionary absolute */
	struct codecarg sec[SETUP_MAX_RECOMP]; /* each --recomp, checked;
				     .alg NULL where none */
};

/*
 * setup_check() - validate @a (and FZRAMCTL_FAIL_AT) before anything is
 * done, printing what is wrong: sizes, paths, levels in their algorithm's
 * range, each dictionary loaded once as the daemon will (codecarg.h).  On
 * success @a->priority is set from @a->priority_arg when given, and
 * @a->prim and @a->sec from the algorithm options (relative dictionary
 * paths made absolute).  On error nothing changes.
 * Return: 0, or -1 (printed).
 */
int setup_check(struct setup_args *a);

/*
 * setup_fzram_opts() - the -o list for fzram that @a asks for, into @buf of
 * @len bytes (SETUP_FZRAM_OPTS_LEN is enough for any @a that passed
 * setup_check(), which fills in what the algorithm options become):
 * size=, algorithm=, level=, dict=, mem_limit=, backing=, backing_size=,
 * backing_encrypt=, recomp=, recomp2=, recomp3= for those given, in this
 * order, then @a->options; "" when none.  In the backing and dictionary
 * paths, commas and backslashes are escaped with a backslash, as
 * fuse_opt_parse() reads them.
 * Return: 0, or -ENAMETOOLONG when @buf is too short (its content is then
 * unspecified).
 */
int setup_fzram_opts(const struct setup_args *a, char *buf, size_t len);

/*
 * setup_dry_run() - print, on one line, the fzram command setup_swapon()
 * would mount with (the directory as SETUP_RUN_DIR "/N"), each argument
 * quoted for a shell where it needs it; run nothing.
 * Return: the exit status, 0 or 1 (the options too long).
 * Context: @a passed setup_check(); any user.
 */
int setup_dry_run(const struct setup_args *a);

/*
 * setup_swapon() - take the lock on /run/fzram, pick the first free
 * /run/fzram/N and bring a swap up there as @a says; print its loop
 * device on stdout.  A failed step undoes those before it.
 * Return: the exit status, 0 or 1.
 * Context: root; @a passed setup_check().
 */
int setup_swapon(const struct setup_args *a);

/*
 * setup_swapoff() - take down the fzram @target names (a mount point, its
 * file or its loop device), or every fzram when @target is NULL: swapoff,
 * losetup -d, umount, and rmdir if the mount point is /run/fzram/N.
 * Return: the exit status, 0 or 1 (when @target names no fzram or a step
 * failed).
 * Context: root.
 */
int setup_swapoff(const char *target);

#endif /* FZRAM_SETUP_H */
