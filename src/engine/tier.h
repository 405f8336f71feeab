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
 * Locks: tier->lock (the job queue) only; jobs run outside it and take the
 * store's and the backing tier's own locks.
 */
#ifndef FZRAM_TIER_H
#define FZRAM_TIER_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "store.h"

#define TIER_MAINTAIN_MS 1000
#define TIER_NICE 10

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
 * Jobs waiting behind it fail with -ECANCELED.  NULL is ignored.
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
 * for.  Return: 0, -EINVAL (a setting out of range).
 */
int tier_set_policy(struct tier *t, const struct policy_cfg *cfg);

/* tier_get_policy(), tier_policy_stat() - the settings in force, and what
 * the policy has done. */
void tier_get_policy(struct tier *t, struct policy_cfg *out);
void tier_policy_stat(struct tier *t, struct policy_stat *out);

#endif /* FZRAM_TIER_H */
