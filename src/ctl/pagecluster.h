/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagecluster.h - the vm.page-cluster that fzramctl --swapon sets for an
 * fzram swap and --swapoff puts back.
 *
 * Kernel zram is read one page per fault (its users set page-cluster 0);
 * every fzram swap-in is a round trip through the loop device and the
 * daemon, so fzram wants the kernel's swap readahead to bring many pages
 * per trip: --swapon sets vm.page-cluster to PC_DEFAULT (or what
 * --page-cluster says, or leaves it with "keep").  The value it found is
 * kept in a state file (PC_STATE) by the first fzram swap that changes it,
 * with the value set; a later --swapon keeps the value found unless
 * someone set another since (that one is then the value to put back);
 * --swapoff of the last fzram swap puts the value found back, unless
 * someone set another since (then it is left alone), and removes the
 * state file.  The state file is replaced whole (a new file renamed over
 * it), never written in place.
 *
 * Locks: none here; the callers hold the lock on SETUP_RUN_DIR (setup.c):
 * --swapon while it brings a swap up, --swapoff around its look at what
 * is left and the restore.
 */
#ifndef FZRAM_PAGECLUSTER_H
#define FZRAM_PAGECLUSTER_H

#define PC_SYSCTL "/proc/sys/vm/page-cluster"
#define PC_STATE "/run/fzram-page-cluster" /* "FOUND SET\n" */
#define PC_DEFAULT 5 /* bench/vs-zram -p: see README, Tuning */
#define PC_MAX 10    /* 1024 pages a fault: more is never useful */
#define PC_KEEP (-1) /* --page-cluster keep: leave it as it is */

/*
 * pc_parse() - @s as a page-cluster: "keep" (PC_KEEP) or 0..PC_MAX.
 * Return: 0 with *@out set; -EINVAL (nothing set).
 */
int pc_parse(const char *s, int *out);

/*
 * pc_apply() - set the sysctl file @sysctl to @value (0..PC_MAX; PC_KEEP
 * does nothing), first recording in @state the value to put back and
 * @value: the value found then by an earlier fzram, kept in @state, if the
 * sysctl still holds what that one set; else the value there now.
 * Return: 0; -errno of the failed read or write (the sysctl is unchanged
 * when @state could not be written).
 */
int pc_apply(const char *sysctl, const char *state, int value);

/*
 * pc_restore() - if @state exists: write the value found back to @sysctl
 * if it still holds the value set, then remove @state.  Without @state,
 * nothing.
 * Return: 1 when it wrote the value back, 0 when it had nothing to do or
 * left a value someone else set, -errno (-EINVAL for a @state it cannot
 * read, which is removed).
 */
int pc_restore(const char *sysctl, const char *state);

#endif /* FZRAM_PAGECLUSTER_H */
