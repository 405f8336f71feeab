// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tier.c - the tier's worker thread (tier.h): a queue of jobs, each waited
 * for by the thread that queued it or left to run on its own (started),
 * and backing_maintain() and the policy's steps (tier_policy.c) between
 * them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tier.h"
#include "tier_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "backing.h"

/*
 * A job waited for lives on the stack of the thread that waits; a started
 * one (detached) is allocated, holds its own copy of the request, and is
 * freed by the worker once it has run.
 */
struct tier_job {
	enum tier_kind op;
	const struct store_wb_req *req; /* TIER_WRITEBACK */
	const struct store_recomp_req *rreq; /* TIER_RECOMPRESS */
	struct store_wb_req req_copy;	/* a detached job's */
	struct store_recomp_req rreq_copy;
	bool detached;
	uint64_t moved;			/* out: slots moved or recompressed */
	int64_t result;			/* out */
	bool done;			/* under tier->lock */
	struct tier_job *next;		/* the queue, under tier->lock */
};

static void tier_run(struct tier *t, struct tier_job *j)
{
	struct backing *bk = store_backing(t->store);

	switch (j->op) {
	case TIER_WRITEBACK:
		j->result = store_writeback(t->store, j->req, &j->moved);
		break;
	case TIER_RECOMPRESS:
		j->result = store_recompress(t->store, j->rreq, &j->moved);
		break;
	case TIER_COMPACT:
		j->moved = store_compact(t->store);
		j->result = bk ? backing_compact(bk) : 0;
		if (bk && j->result >= 0)
			backing_maintain(bk);
		break;
	default: /* tier_wait_idle()'s marker */
		break;
	}
}

int64_t tier_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a step is due now: a kick (taken), or its time.  Caller holds
 * t->lock. */
static bool tier_step_due(struct tier *t)
{
	if (!t->pol.on)
		return false;
	if (__atomic_exchange_n(&t->kicked, 0, __ATOMIC_ACQ_REL))
		return true;
	return tier_mono_ms() >= t->pol.due_ms;
}

/*
 * The worker: jobs in order, and backing_maintain() whenever
 * TIER_MAINTAIN_MS have passed since the last one, between jobs as well as
 * when idle, so that a steady stream of jobs does not keep freed space
 * from being punched; with a policy, its steps when no job waits.
 */
static void *tier_main(void *arg)
{
	struct tier *t = arg;
	int64_t last = tier_mono_ms();

	/* behind the request threads when both want a CPU (Linux: the nice
	 * value is the thread's); failing is harmless */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), TIER_NICE);

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct tier_job *j = t->head;
		struct backing *bk = store_backing(t->store);
		int64_t due = last + TIER_MAINTAIN_MS, wake = INT64_MAX;
		struct timespec ts;

		if (bk && tier_mono_ms() >= due) {
			pthread_mutex_unlock(&t->lock);
			backing_maintain(bk);
			last = tier_mono_ms();
			pthread_mutex_lock(&t->lock);
			continue;
		}
		if (j) {
			struct tier_status none = {0}; /* the marker's:
							 not recorded */
			struct tier_status *st =
				j->op < TIER_NR_KINDS ? &t->st[j->op] : &none;

			t->head = j->next;
			if (!t->head)
				t->tail = NULL;
			if (j->detached)
				st->queued = false;
			st->running = true;
			pthread_mutex_unlock(&t->lock);
			tier_run(t, j);
			pthread_mutex_lock(&t->lock);
			st->running = false;
			st->runs++;
			st->last = j->result;
			st->last_count = j->moved;
			if (j->detached) {
				free(j);
			} else {
				j->done = true;
				pthread_cond_broadcast(&t->done);
			}
			continue;
		}
		if (t->pol_new)
			tier_policy_take(t);
		if (tier_step_due(t)) {
			uint32_t ms;

			pthread_mutex_unlock(&t->lock);
			ms = tier_policy_step(t);
			pthread_mutex_lock(&t->lock);
			t->pol.due_ms = tier_mono_ms() + ms;
			t->pol_st = t->pol.p.st;
			continue;
		}
		if (bk)
			wake = due;
		if (t->pol.on && t->pol.due_ms < wake)
			wake = t->pol.due_ms;
		/* a kick that found the lock taken is seen this soon */
		if (t->pol.on && t->pol.spill &&
		    tier_mono_ms() + TIER_KICK_MS < wake)
			wake = tier_mono_ms() + TIER_KICK_MS;
		if (wake == INT64_MAX) { /* nothing to maintain: wait */
			pthread_cond_wait(&t->work, &t->lock);
			continue;
		}
		ts.tv_sec = (time_t)(wake / 1000);
		ts.tv_nsec = (long)(wake % 1000) * 1000000;
		pthread_cond_timedwait(&t->work, &t->lock, &ts);
	}
	/* what is still queued will not run */
	for (struct tier_job *j = t->head, *next; j; j = next) {
		next = j->next;
		if (j->detached) {
			free(j);
			continue;
		}
		j->result = -ECANCELED;
		j->done = true;
	}
	t->head = t->tail = NULL;
	pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int tier_create(struct store *s, struct tier **out)
{
	struct tier *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret;

	if (!t)
		return -ENOMEM;
	t->store = s;
	/* no policy until one is set; the settings a first write of
	 * user.fzram.policy changes */
	policy_defaults(&t->pol_cfg, false, false, 0);
	t->pol_cfg.age_s = 0;
	t->pol_st.budget_left = UINT64_MAX;
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->set_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&t->done, NULL);
	/* the worker takes no signal: they are for the caller's threads
	 * (the daemon's main thread waits for its termination signals) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t->thread, NULL, tier_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		pthread_cond_destroy(&t->work);
		pthread_cond_destroy(&t->done);
		pthread_mutex_destroy(&t->set_lock);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return -ret;
	}
	*out = t;
	return 0;
}

void tier_destroy(struct tier *t)
{
	if (!t)
		return;
	tier_policy_unset(t); /* no write kicks a tier being freed */
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->work);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->set_lock);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Append @j to the queue; caller holds t->lock. */
static void tier_enqueue(struct tier *t, struct tier_job *j)
{
	if (t->tail)
		t->tail->next = j;
	else
		t->head = j;
	t->tail = j;
	pthread_cond_signal(&t->work);
}

/* Queue @j and wait until it has run (or the tier stopped). */
static void tier_submit(struct tier *t, struct tier_job *j)
{
	pthread_mutex_lock(&t->lock);
	if (t->stop) {
		j->result = -ECANCELED;
		pthread_mutex_unlock(&t->lock);
		return;
	}
	tier_enqueue(t, j);
	while (!j->done)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

/* Queue a detached copy of @j, unless one of its kind waits already. */
static int tier_start(struct tier *t, const struct tier_job *j)
{
	struct tier_job *d = malloc(sizeof(*d));
	int ret = 0;

	if (!d)
		return -ENOMEM;
	*d = *j;
	d->detached = true;
	d->next = NULL;
	if (j->req) {
		d->req_copy = *j->req;
		d->req = &d->req_copy;
	}
	if (j->rreq) {
		d->rreq_copy = *j->rreq;
		d->rreq = &d->rreq_copy;
	}
	pthread_mutex_lock(&t->lock);
	if (t->stop)
		ret = -ECANCELED;
	else if (t->st[j->op].queued)
		ret = -EBUSY;
	if (!ret) {
		t->st[j->op].queued = true;
		tier_enqueue(t, d);
	}
	pthread_mutex_unlock(&t->lock);
	if (ret)
		free(d);
	return ret;
}

int tier_start_writeback(struct tier *t, const struct store_wb_req *req)
{
	struct tier_job j = {.op = TIER_WRITEBACK, .req = req};

	return tier_start(t, &j);
}

int tier_start_recompress(struct tier *t, const struct store_recomp_req *req)
{
	struct tier_job j = {.op = TIER_RECOMPRESS, .rreq = req};

	return tier_start(t, &j);
}

int tier_start_compact(struct tier *t)
{
	struct tier_job j = {.op = TIER_COMPACT};

	return tier_start(t, &j);
}

void tier_get_status(struct tier *t, enum tier_kind kind,
		     struct tier_status *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->st[kind];
	pthread_mutex_unlock(&t->lock);
}

void tier_wait_idle(struct tier *t)
{
	struct tier_job j = {.op = TIER_NR_KINDS}; /* a no-op, last in line */

	tier_submit(t, &j);
}

int tier_writeback(struct tier *t, const struct store_wb_req *req,
		   uint64_t *moved)
{
	struct tier_job j = {.op = TIER_WRITEBACK, .req = req};

	tier_submit(t, &j);
	if (moved)
		*moved = j.moved;
	return (int)j.result;
}

int tier_recompress(struct tier *t, const struct store_recomp_req *req,
		    uint64_t *done)
{
	struct tier_job j = {.op = TIER_RECOMPRESS, .rreq = req};

	tier_submit(t, &j);
	if (done)
		*done = j.moved;
	return (int)j.result;
}

int64_t tier_compact(struct tier *t)
{
	struct tier_job j = {.op = TIER_COMPACT};

	tier_submit(t, &j);
	return j.result;
}
