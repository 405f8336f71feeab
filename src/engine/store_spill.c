// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_spill.c - spill at mem_limit (issue 12): a write that finds the
 * pool at mem_limit kicks the tier's worker, which writes the coldest
 * slots back and wakes it after each batch, and waits for room instead of
 * failing at once; and the early kick at a high watermark, so that the
 * worker is usually ahead and writes seldom wait.
 *
 * Where the wait sits: in store_object() (store.c), after the page is
 * compressed and its allocation, having taken the pool past the limit, is
 * undone.  The writer holds no slot lock then (allocation runs outside
 * it), not recomp_lock (released once the primary's codec is copied), no
 * allocator or backing lock: only a reference to its dictionary, which
 * nothing waits for.  store_writeback() needs none of that, so the worker
 * always makes progress while writes wait.  The daemon's block device
 * holds a stripe mutex across store_write(): a waiting write keeps its
 * stripe busy, which is fine because the worker calls the store directly,
 * never through the block device, and other stripes go on.
 *
 * Lost wakes: a write takes spill_gen before each allocation and waits
 * only while it is unchanged, so a wake that comes between the failed
 * allocation and the wait makes it retry at once.
 *
 * A full backing store: a writeback batch that gets -ENOSPC sets bk_full
 * and wakes the waiting writes, which then fail; while it is set, writes
 * at the limit fail at once, as zram's.  A batch without -ENOSPC, or a
 * written-back slot freed, clears it (the next write at the limit then
 * waits one round of the worker to learn whether there is room again).
 * The worker sets it the same way (store_spill_fail()) whenever it can
 * make no room, so that writes do not wait out wait_ms in vain.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>

#include "store_int.h"

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void store_spill_init(struct store *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->spill_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->spill_cond, &ca);
	pthread_condattr_destroy(&ca);
}

void store_spill_fini(struct store *s)
{
	pthread_cond_destroy(&s->spill_cond);
	pthread_mutex_destroy(&s->spill_lock);
}

/* Wake the waiting writes; caller holds no store lock. */
static void spill_broadcast(struct store *s)
{
	pthread_mutex_lock(&s->spill_lock);
	__atomic_add_fetch(&s->spill_gen, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->spill_waiting, 0, __ATOMIC_RELEASE); /* woken */
	pthread_cond_broadcast(&s->spill_cond);
	pthread_mutex_unlock(&s->spill_lock);
}

void store_set_spill(struct store *s, unsigned int wait_ms,
		     void (*kick)(void *arg), void *arg)
{
	/*
	 * A write loads the kick, then its argument, with no lock: the
	 * argument goes first and is never taken back, so that a write that
	 * sees a kick sees the argument stored with it (or a later one),
	 * never NULL from unsetting it (which crashed the tier's kick).
	 */
	if (kick)
		__atomic_store_n(&s->spill_arg, arg, __ATOMIC_RELEASE);
	__atomic_store_n(&s->spill_kick, kick, __ATOMIC_RELEASE);
	__atomic_store_n(&s->spill_wait_ms, wait_ms, __ATOMIC_RELEASE);
	/* the writes waiting look again: spill may be off now */
	spill_broadcast(s);
}

void store_set_spill_high(struct store *s, unsigned int pct)
{
	__atomic_store_n(&s->spill_high_pct, pct > 100 ? 100 : pct,
			 __ATOMIC_RELAXED);
}

void store_spill_wake(struct store *s)
{
	__atomic_store_n(&s->spill_kicked, false, __ATOMIC_RELAXED);
	spill_broadcast(s);
}

static void spill_kick(struct store *s)
{
	void (*kick)(void *) =
	    __atomic_load_n(&s->spill_kick, __ATOMIC_ACQUIRE);

	if (kick) /* its argument was stored before it (store_set_spill) */
		kick(__atomic_load_n(&s->spill_arg, __ATOMIC_ACQUIRE));
}

void store_spill_kick_high(struct store *s)
{
	if (!__atomic_load_n(&s->spill_wait_ms, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&s->spill_kicked, __ATOMIC_RELAXED) ||
	    __atomic_exchange_n(&s->spill_kicked, true, __ATOMIC_ACQ_REL))
		return;
	spill_kick(s);
}

static bool spill_can_wait(struct store *s)
{
	return __atomic_load_n(&s->spill_wait_ms, __ATOMIC_ACQUIRE) &&
	       store_backing(s) &&
	       !__atomic_load_n(&s->bk_full, __ATOMIC_ACQUIRE);
}

int store_spill_wait(struct store *s, struct spill_wait *w)
{
	unsigned int ms = __atomic_load_n(&s->spill_wait_ms, __ATOMIC_ACQUIRE);
	struct timespec ts;
	int64_t now;
	bool counted;
	int ret = 0;

	if (!spill_can_wait(s))
		return -ENOMEM;
	now = mono_ns();
	if (!w->start_ns) {
		w->start_ns = now;
		w->deadline_ns = now + (int64_t)ms * 1000000;
	}
	if (now >= w->deadline_ns)
		return -ENOMEM;
	/*
	 * Counted before the kick, so that the step it starts sees it, and
	 * only until the next wake, which zeroes the count: a write woken and
	 * not yet running again does not look as if it waited still.
	 */
	pthread_mutex_lock(&s->spill_lock);
	counted = __atomic_load_n(&s->spill_gen, __ATOMIC_RELAXED) == w->gen;
	if (counted)
		__atomic_add_fetch(&s->spill_waiting, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->spill_lock);
	spill_kick(s); /* with no lock held: it may take the tier's */
	ts.tv_sec = (time_t)(w->deadline_ns / 1000000000);
	ts.tv_nsec = (long)(w->deadline_ns % 1000000000);
	pthread_mutex_lock(&s->spill_lock);
	while (__atomic_load_n(&s->spill_gen, __ATOMIC_RELAXED) == w->gen) {
		if (pthread_cond_timedwait(&s->spill_cond, &s->spill_lock,
					   &ts) == ETIMEDOUT) {
			if (__atomic_load_n(&s->spill_gen, __ATOMIC_RELAXED) ==
			    w->gen)
				ret = -ENOMEM;
			break;
		}
	}
	/* out of time with no wake since it was counted: uncount it */
	if (counted &&
	    __atomic_load_n(&s->spill_gen, __ATOMIC_RELAXED) == w->gen)
		__atomic_sub_fetch(&s->spill_waiting, 1, __ATOMIC_RELEASE);
	w->gen = __atomic_load_n(&s->spill_gen, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->spill_lock);
	/* woken: the write tries its allocation again, also when spill went
	 * off or cannot make room (mem_limit may have been raised); the next
	 * call fails at once then */
	return ret;
}

void store_spill_end(struct store *s, const struct spill_wait *w, bool ok)
{
	uint64_t ns;

	if (!w->start_ns)
		return;
	ns = (uint64_t)(mono_ns() - w->start_ns);
	__atomic_add_fetch(&s->spill_st.waits, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->spill_st.wait_ns, ns, __ATOMIC_RELAXED);
	stats_update_max(&s->spill_st.max_ns, ns);
	if (!ok)
		__atomic_add_fetch(&s->spill_st.failed, 1, __ATOMIC_RELAXED);
}

void store_spill_set_full(struct store *s, bool full)
{
	if (__atomic_load_n(&s->bk_full, __ATOMIC_RELAXED) == full)
		return;
	__atomic_store_n(&s->bk_full, full, __ATOMIC_RELEASE);
	if (full)
		spill_broadcast(s); /* they fail now rather than at the end */
}

unsigned int store_spill_waiting(struct store *s)
{
	return __atomic_load_n(&s->spill_waiting, __ATOMIC_ACQUIRE);
}

void store_spill_fail(struct store *s)
{
	store_spill_set_full(s, true);
}

void store_spill_stats(struct store *s, struct store_spill_stats *out)
{
	out->waits = __atomic_load_n(&s->spill_st.waits, __ATOMIC_RELAXED);
	out->wait_ns = __atomic_load_n(&s->spill_st.wait_ns, __ATOMIC_RELAXED);
	out->max_ns = __atomic_load_n(&s->spill_st.max_ns, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&s->spill_st.failed, __ATOMIC_RELAXED);
}
