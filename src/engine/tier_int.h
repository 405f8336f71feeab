/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tier_int.h - what tier.c (the worker and its queue) and tier_policy.c
 * (the policy's steps) share: the tier itself.  Not for other modules.
 *
 *   tier ─┬─ queue of jobs (head..tail), their status per kind  [lock]
 *         ├─ the policy asked for (pol_cfg, pol_new), its counts  [lock]
 *         ├─ kicked: a write wants room                        [atomic]
 *         └─ pol: the worker's own state of the policy (struct policy,
 *            the stages still to run, the log's view of each stage),
 *            touched by the worker thread alone
 */
#ifndef FZRAM_TIER_INT_H
#define FZRAM_TIER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "tier.h"

struct tier_job;

/* What the log says of a stage: working or not, and what it did since it
 * started working. */
struct tier_stage {
	bool on;	/* logged as started */
	uint64_t run;	/* slots in this aging period's run */
	uint64_t slots; /* since it started */
	uint64_t bytes;
};

/* The worker's own state of the policy (no lock: one thread). */
struct tier_pol {
	struct policy p;
	bool inited;	      /* p was policy_init()ed (counts kept after) */
	bool on;	      /* steps run */
	bool spill;	      /* spill is on (a backing store): wait briefly */
	int64_t due_ms;	      /* the next step, CLOCK_MONOTONIC ms */
	struct policy_act pend; /* the aging stages still to run... */
	bool pend_age, pend_recomp, pend_wb; /* ...these of them */
	int64_t psi_ms;	      /* when pressure was last read */
	unsigned int psi;     /* what it was */
	int64_t spill_hold_ms; /* spill moved nothing: not again before */
	int64_t compact_hold_ms; /* one compaction an aging period */
	int64_t trim_hold_ms; /* trim moved nothing: not again before */
	int64_t trim_backoff_ms; /* the hold after the last miss (doubles) */
	bool trim_last;	      /* the last step trimmed */
	bool trim_compact;    /* trim left holes: compact when allowed */
	int64_t kused_ms;     /* when the kernel's Used was last read */
	uint64_t kused_slots;	      /* what it was, in slots (UINT64_MAX: none) */
	struct tier_stage st_spill, st_recomp, st_wb, st_compact, st_trim;
	bool budget_spent;    /* logged */
	bool pressure;	      /* logged */
	tier_log_fn *log;     /* copied from the tier's with the settings */
	void *log_arg;
};

struct tier {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_mutex_t set_lock; /* serialises tier_set_policy() */
	pthread_cond_t work;	  /* a job was queued, a kick, or stop */
	pthread_cond_t done;	  /* a job finished */
	struct tier_job *head, *tail;	      /* queue, under lock */
	bool stop;			      /* under lock */
	struct tier_status st[TIER_NR_KINDS]; /* under lock */
	struct policy_cfg pol_cfg;	      /* under lock: asked for */
	bool pol_new;			      /* under lock: not yet taken */
	bool pol_spill;			      /* under lock: spill set up */
	struct policy_stat pol_st;	      /* under lock: a copy of
						 pol.p.st after each step */
	tier_log_fn *log;		      /* under lock */
	void *log_arg;
	tier_kused_fn *kused_fn;	      /* under lock */
	void *kused_arg;
	int kicked;			      /* atomic: a write wants room */
	struct tier_pol pol;		      /* the worker's */
};

/* tier_mono_ms() - CLOCK_MONOTONIC in milliseconds. */
int64_t tier_mono_ms(void);

/*
 * tier_policy_take() - the worker takes the settings asked for (pol_cfg)
 * into pol.  Caller holds t->lock.
 */
void tier_policy_take(struct tier *t);

/*
 * tier_policy_step() - one bounded policy step: read the store's state,
 * decide, act, account.  Return: milliseconds to wait before the next.
 * Context: the worker, no tier lock held.
 */
uint32_t tier_policy_step(struct tier *t);

/*
 * tier_policy_unset() - take the store's spill settings back to zram's
 * (no kick, no wait), for tier_destroy().
 */
void tier_policy_unset(struct tier *t);

#endif /* FZRAM_TIER_INT_H */
