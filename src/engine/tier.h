/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tier.h - the store's background worker: one thread that runs the slow,
 * I/O-bound jobs of the second tier (writeback, compaction of the backing
 * store) one at a time, off the FUSE request path, and between jobs punches
 * the backing space that frees left empty (backing_maintain(), every
 * TIER_MAINTAIN_MS), and recompression.  A later issue gives it the
 * policies that run these jobs by themselves.
 *
 * A caller hands a job over and either waits for its result (tier_writeback()
 * and the like), as a write to zram's writeback file returns when the
 * writeback is done, or leaves it to run (tier_start_writeback() and the
 * like) and reads how it went later (tier_get_status()).  The daemon starts
 * the jobs an attribute of the swap file asks for, because the kernel holds
 * the file's inode lock for the whole setxattr and every swap write would
 * wait behind it; it waits for those asked on the mount's directory.  The
 * caller's thread does no I/O and holds no lock while it waits, so the
 * request loop's other workers keep serving.  The worker runs at nice
 * TIER_NICE, behind the request threads when both want a CPU.
 *
 * With a policy set (tier_set_policy(), policy.h) the worker also runs
 * the tiers by itself: between the jobs asked for (which come first) it
 * runs policy steps, each bounded (TIER_STEP_RECOMP_PAGES slots
 * recompressed, TIER_STEP_WB_BYTES written back) so that a job asked for
 * waits little and the CPU share is kept: after each step the worker
 * sleeps what the share owes (the step's thread CPU time), or until the
 * next aging (at most a second while trim watches a swap).  A write that
 * finds the pool at mem_limit kicks the worker (store_set_spill()), which
 * then spills before anything else; spill is not held back by the CPU
 * share (what it owes is paid after).  The worker reads
 * /proc/pressure/memory, and for trim the kernel's Used of the swap on
 * the file (tier_set_kernel_used()), about every TIER_PSI_MS.  It logs when a
 * stage starts and stops working, through tier_set_log(), never per page.
 *
 * Locks: tier->lock (the job queue, the policy's settings and counts) and
 * tier->set_lock (serialises tier_set_policy(); taken before tier->lock
 * and before the store's spill settings); jobs and policy steps run outside
 * them and take the store's and the backing tier's own locks.
 */
#ifndef FZRAM_TIER_H
#define FZRAM_TIER_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "store.h"

#define TIER_MAINTAIN_MS 1000
#define TIER_NICE 10
#define TIER_SPILL_WAIT_MS 3000	     /* a write at mem_limit waits for room */
#define TIER_STEP_RECOMP_PAGES 256   /* slots a policy step recompresses */
#define TIER_STEP_WB_BYTES (4u << 20) /* bytes a policy step writes back */
#define TIER_POLICY_MAX_SLEEP_MS 10000 /* longest sleep between steps */
#define TIER_PSI_MS 1000	     /* how often pressure (and, for trim,
					the kernel's Used) is read */
#define TIER_KUSED_FRESH_MS 100	     /* trim acts on a Used this fresh */
#define TIER_TRIM_BACKOFF_MS 60000   /* longest hold after trim misses */
#define TIER_KICK_MS 250	     /* longest wait while spill is on */

struct tier;

/* The kinds of job. */
enum tier_kind {
	TIER_WRITEBACK,
	TIER_RECOMPRESS,
	TIER_COMPACT,
	TIER_NR_KINDS
};

/* How the jobs of one kind went (tier_get_status()). */
struct tier_status {
	bool queued;	     /* one started and not yet running */
	bool running;	     /* one is running (started or waited for) */
	uint64_t runs;	     /* jobs finished */
	int64_t last;	     /* the last one's result: 0 or -errno (compact:
				backing bytes freed) */
	uint64_t last_count; /* slots it moved or recompressed (compact:
				pool pages freed) */
};

/*
 * tier_create() - start the worker for @s (which must outlive it).  With no
 * backing tier set the worker still runs: writeback then fails -ENODEV.
 * The worker blocks every signal, so that they reach the caller's threads.
 * Return: 0 with *@out set; -ENOMEM, -errno of pthread_create.
 */
int tier_create(struct store *s, struct tier **out);

/*
 * tier_destroy() - let a running job finish, stop the worker and free.
 * Jobs waiting behind it fail with -ECANCELED.  NULL is ignored.  It takes
 * the store's spill back to zram's first; with a spill policy set, call it
 * when no write is in flight (a write may still call the tier's kick it
 * loaded, store_set_spill()).
 */
void tier_destroy(struct tier *t);

/*
 * tier_writeback() - run store_writeback(@req) on the worker and wait.
 * Return and *@moved: store_writeback()'s; -ECANCELED when the tier is
 * being destroyed.
 */
int tier_writeback(struct tier *t, const struct store_wb_req *req,
		   uint64_t *moved);

/*
 * tier_recompress() - run store_recompress(@req) on the worker and wait.
 * Return and *@done: store_recompress()'s; -ECANCELED as above.
 */
int tier_recompress(struct tier *t, const struct store_recomp_req *req,
		    uint64_t *done);

/*
 * tier_compact() - compact the pool (store_compact()) and the backing store
 * on the worker, and wait.
 * Return: bytes of backing space freed, 0 without a backing tier, or
 * -errno.
 */
int64_t tier_compact(struct tier *t);

/*
 * tier_start_writeback(), tier_start_recompress(), tier_start_compact() -
 * queue the job with a copy of @req and return at once; it runs after
 * those queued before it, and its result goes to tier_get_status().
 * Return: 0; -EBUSY when one of that kind is queued and not yet running
 * (ask again once it runs); -ECANCELED (the tier is stopping); -ENOMEM.
 */
int tier_start_writeback(struct tier *t, const struct store_wb_req *req);
int tier_start_recompress(struct tier *t, const struct store_recomp_req *req);
int tier_start_compact(struct tier *t);

/* tier_get_status() - how the jobs of @kind went, into *@out. */
void tier_get_status(struct tier *t, enum tier_kind kind,
		     struct tier_status *out);

/* tier_wait_idle() - wait until every job queued before the call has run. */
void tier_wait_idle(struct tier *t);

/*
 * tier_set_policy() - run the tiers by themselves with @cfg from now on
 * (policy.h; @cfg->age_s 0 turns the policy off), between the jobs asked
 * for.  With spill on and a backing store, a write at mem_limit waits up
 * to TIER_SPILL_WAIT_MS for the worker to make room (store_set_spill()),
 * and the worker is kicked when a write leaves the pool above high_pct
 * (store_set_spill_high()); otherwise writes fail at mem_limit as zram's.
 * Return: 0, -EINVAL (a setting out of range: policy_check(); nothing
 * changes).
 */
int tier_set_policy(struct tier *t, const struct policy_cfg *cfg);

/* tier_get_policy(), tier_policy_stat() - the settings in force, and what
 * the policy has done (counts since tier_create(), kept when the policy is
 * turned off and on again). */
void tier_get_policy(struct tier *t, struct policy_cfg *out);
void tier_policy_stat(struct tier *t, struct policy_stat *out);

/*
 * tier_policy_kick() - run a policy step now rather than after the sleep
 * (a write wants room).  Never blocks: it sets a flag and signals the
 * worker only if the queue's lock is free at once (when it is not, the
 * worker sees the flag when its wait ends: while spill is on it waits at
 * most TIER_KICK_MS at a time).  Nothing happens without a policy.
 */
void tier_policy_kick(struct tier *t);

/*
 * tier_set_log() - where the worker's log lines go: @fn(@priority, @msg,
 * @arg) with a syslog priority (LOG_INFO for the policy's stages, LOG_ERR
 * when a step fails) and a line without a newline; called on the worker's
 * thread.  NULL (the default): none.  Set it before tier_set_policy().
 */
typedef void tier_log_fn(int priority, const char *msg, void *arg);
void tier_set_log(struct tier *t, tier_log_fn *fn, void *arg);

/*
 * tier_set_kernel_used() - how the policy's trim learns what the kernel's
 * swap on the file uses: @fn(@arg, &bytes) returns 1 with the bytes in use
 * (/proc/swaps' Used: kswap_dir_used()), 0 when the file is not swap,
 * -errno; called on the worker's thread, with no tier lock held, about
 * every TIER_PSI_MS (and again right before trim acts).  NULL (the
 * default): unknown, and trim does nothing.  @arg must live until
 * tier_destroy() or the next call.  Context: takes tier->lock.
 */
typedef int tier_kused_fn(void *arg, uint64_t *bytes);
void tier_set_kernel_used(struct tier *t, tier_kused_fn *fn, void *arg);

#endif /* FZRAM_TIER_H */
