/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tier.h - the store's background worker: one thread that runs the slow,
 * I/O-bound jobs of the second tier (writeback, compaction of the backing
 * store) one at a time, off the FUSE request path, and between jobs punches
 * the backing space that frees left empty (backing_maintain(), every
 * TIER_MAINTAIN_MS), and recompression.  A later issue gives it the
 * policies that run these jobs by themselves.
 *
 * A caller (an xattr write) hands a job over and waits for its result, as a
 * write to zram's writeback file returns when the writeback is done; the
 * caller's thread does no I/O and holds no lock while it waits, so the
 * request loop's other workers keep serving.
 *
 * Locks: tier->lock (the job queue) only; jobs run outside it and take the
 * store's and the backing tier's own locks.
 */
#ifndef FZRAM_TIER_H
#define FZRAM_TIER_H

#include <stdint.h>

#include "store.h"

#define TIER_MAINTAIN_MS 1000

struct tier;

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
 * tier_compact() - compact the backing store on the worker and wait (the
 * pool is compacted by the caller, store_compact(): no I/O there).
 * Return: bytes of backing space freed, 0 without a backing tier, or
 * -errno.
 */
int64_t tier_compact(struct tier *t);

#endif /* FZRAM_TIER_H */
