// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpulat.c - the CPU latency hold (cpulat.h).  The read path only sets a
 * flag; the hold's thread asks for the limit when woken, then looks at the
 * flag once per hold period and puts the default back the first time it
 * finds it unset.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cpulat.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* What the kernel holds when nobody asks (PM_QOS_CPU_LATENCY_DEFAULT_VALUE,
 * 2000 s in microseconds): writing it is as good as no request. */
#define CPULAT_NONE 2000000000

enum cpulat_state {
	CPULAT_IDLE,   /* nothing asked; a touch wakes the thread */
	CPULAT_WAKING, /* a touch woke it; it is asking */
	CPULAT_HELD,   /* the limit is held */
};

struct cpulat {
	int fd;		      /* the open device (or the tests' file) */
	int limit_us;	      /* what is asked while held */
	unsigned int hold_ms; /* the hold period */
	int state;	      /* enum cpulat_state; atomic */
	int seen;	      /* a read came in this period; relaxed atomic */
	bool stopping;	      /* under lock */
	pthread_mutex_t lock; /* wakes the thread: state WAKING, stopping */
	pthread_cond_t cond;
	pthread_t thread;
	uint64_t holds;	  /* atomic: written by the thread only */
	uint64_t errors;  /* failed writes; atomic */
	uint64_t held_ns; /* atomic: written by the thread only, at release */
	uint64_t since_ns; /* when the current hold began (the thread's) */
};

/* Write @value; a failure is counted, and logged the first time. */
static void cpulat_ask(struct cpulat *c, int32_t value)
{
	ssize_t n = write(c->fd, &value, sizeof(value));
	int err = n < 0 ? errno : EIO;

	if (n == (ssize_t)sizeof(value))
		return;
	if (__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED) == 1)
		fz_log(LOG_WARNING, "cpu_latency: writing %ld: %s",
		       (long)value, strerror(err));
}

/* Sleep one hold period, or less if told to stop.  Return: stopping. */
static bool cpulat_sleep(struct cpulat *c)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += c->hold_ms / 1000;
	ts.tv_nsec += (long)(c->hold_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->stopping &&
	       pthread_cond_timedwait(&c->cond, &c->lock, &ts) != ETIMEDOUT)
		;
	stop = c->stopping;
	pthread_mutex_unlock(&c->lock);
	return stop;
}

static void *cpulat_thread(void *arg)
{
	struct cpulat *c = arg;
	int idle = CPULAT_IDLE;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		while (!c->stopping &&
		       __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) !=
			   CPULAT_WAKING)
			pthread_cond_wait(&c->cond, &c->lock);
		stop = c->stopping;
		pthread_mutex_unlock(&c->lock);
		if (stop)
			break;
		cpulat_ask(c, c->limit_us);
		c->since_ns = fz_now_ns();
		__atomic_add_fetch(&c->holds, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&c->state, CPULAT_HELD, __ATOMIC_RELEASE);
		/* At least one whole period after the touch that woke us. */
		while (!(stop = cpulat_sleep(c)) &&
		       __atomic_exchange_n(&c->seen, 0, __ATOMIC_RELAXED))
			;
		__atomic_add_fetch(&c->held_ns, fz_now_ns() - c->since_ns,
				   __ATOMIC_RELAXED);
		cpulat_ask(c, CPULAT_NONE);
		__atomic_store_n(&c->state, CPULAT_IDLE, __ATOMIC_SEQ_CST);
		if (stop)
			break;
		/*
		 * A touch between the exchange and IDLE found the limit held
		 * and woke nobody: ask again for it at once.
		 */
		idle = CPULAT_IDLE;
		if (__atomic_load_n(&c->seen, __ATOMIC_SEQ_CST))
			__atomic_compare_exchange_n(&c->state, &idle,
						    CPULAT_WAKING, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
	}
	return NULL;
}

int cpulat_start(const char *path, int limit_us, unsigned int hold_ms,
		 struct cpulat **out)
{
	struct cpulat *c;
	sigset_t old;
	int err;

	*out = NULL;
	if (limit_us < 0 || limit_us > CPULAT_MAX_US || hold_ms < 1 ||
	    hold_ms > CPULAT_MAX_HOLD_MS)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (c->fd < 0) {
		err = -errno;
		free(c);
		return err;
	}
	c->limit_us = limit_us;
	c->hold_ms = hold_ms;
	pthread_mutex_init(&c->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	fz_block_signals(&old);
	err = -pthread_create(&c->thread, NULL, cpulat_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->lock);
		close(c->fd);
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void cpulat_touch(struct cpulat *c)
{
	int idle = CPULAT_IDLE;

	if (!c)
		return;
	if (!__atomic_load_n(&c->seen, __ATOMIC_RELAXED))
		__atomic_store_n(&c->seen, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&c->state, __ATOMIC_RELAXED) != CPULAT_IDLE ||
	    !__atomic_compare_exchange_n(&c->state, &idle, CPULAT_WAKING,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&c->lock);
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void cpulat_stat(struct cpulat *c, struct cpulat_stat *st)
{
	uint64_t ns;

	*st = (struct cpulat_stat){0};
	if (!c)
		return;
	st->limit_us = c->limit_us;
	st->hold_ms = c->hold_ms;
	st->holds = __atomic_load_n(&c->holds, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
	ns = __atomic_load_n(&c->held_ns, __ATOMIC_RELAXED);
	st->active =
	    __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPULAT_HELD;
	st->held_ms = ns / 1000000u;
}

void cpulat_stop(struct cpulat *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	close(c->fd); /* the kernel drops the request with it */
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
