// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - the FUSE request loop: a leader polls the device, the other
 * workers wait their turn (see loop.h).
 *
 * Lock: fz_loop.lock protects .leader, .stop and .err; .cond is signalled
 * when the lead is free or the loop stops.  The leader reads the device
 * outside the lock, and every request is served outside it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* FUSE_WRITE in <linux/fuse.h>, the kernel's ABI: fixed since FUSE 7.0. */
#define FZ_FUSE_WRITE 16

/*
 * Largest write request the leader serves itself: four pages of data, with
 * room for the headers.  Handing a request on costs a wake-up, worth it
 * only when there is much to compress: fio 4 KiB random writes (queue
 * depth 4) through the loop device ran at 421 MB/s served in place, 269
 * MB/s handed on, while swap-out (writes of up to 512 KiB) ran at 663 MB/s
 * handed on and 454 MB/s all served by the leader.
 */
#define FZ_LOOP_IN_PLACE_MAX ((size_t)16384 + 4096)

/* How long the sleeping leader waits before it looks at .stop again. */
#define FZ_LOOP_SLEEP_MS 100

struct fz_loop {
	struct fuse_session *se;
	int fd;		  /* the session's /dev/fuse, O_NONBLOCK */
	uint64_t poll_ns; /* busy-poll window after the last request */
	_Atomic uint64_t last_ns; /* when a request last arrived; relaxed */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the lead is free, or stop */
	bool leader;	     /* a worker is waiting for a request; lock */
	bool stop;	     /* workers must return; lock */
	int err;	     /* first fatal error, -errno; lock */
	sem_t finish;	     /* posted by a worker that stops the loop */
};

static uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool fz_loop_stopping(struct fz_loop *l)
{
	bool stop;

	pthread_mutex_lock(&l->lock);
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	return stop || fuse_session_exited(l->se);
}

/* Stop every worker; @err (-errno or 0) is kept if it is the first. */
static void fz_loop_stop(struct fz_loop *l, int err)
{
	pthread_mutex_lock(&l->lock);
	if (!l->stop) {
		l->stop = true;
		l->err = err;
		sem_post(&l->finish);
	}
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/*
 * The leader's wait: read the device without blocking; while the last
 * request is recent, yield and read again, else sleep in poll().
 * Return: the request's size (> 0), 0 when the session is over, -errno.
 */
static int fz_loop_wait(struct fz_loop *l, struct fuse_buf *buf)
{
	struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
	unsigned int n = 0;
	int res;

	for (;;) {
		/* The lock costs a little: look at .stop now and then. */
		if ((++n & 63) == 0 && fz_loop_stopping(l))
			return 0;
		res = fuse_session_receive_buf(l->se, buf);
		if (res > 0) {
			atomic_store_explicit(&l->last_ns, fz_now_ns(),
					      memory_order_relaxed);
			return res;
		}
		if (res == 0 || fuse_session_exited(l->se))
			return 0; /* unmounted, or fuse_session_exit() */
		if (res == -EINTR)
			continue; /* an interrupted request: read again */
		if (res != -EAGAIN)
			return res;
		if (fz_now_ns() - atomic_load_explicit(&l->last_ns,
						       memory_order_relaxed) <
		    l->poll_ns) {
			sched_yield();
			continue;
		}
		if (fz_loop_stopping(l))
			return 0;
		if (poll(&pfd, 1, FZ_LOOP_SLEEP_MS) == -1 && errno != EINTR)
			return -errno;
	}
}

/*
 * Should the leader serve the request in @buf itself?  Everything but a
 * large write: the opcode is the second 32-bit field of the request header
 * (struct fuse_in_header in <linux/fuse.h>), and a write's data follows
 * its header in the buffer.  A request spliced into a pipe is handed on.
 */
static bool fz_loop_in_place(const struct fuse_buf *buf)
{
	uint32_t opcode;

	if ((buf->flags & FUSE_BUF_IS_FD) || buf->size < 8)
		return false;
	memcpy(&opcode, (const char *)buf->mem + 4, sizeof(opcode));
	return opcode != FZ_FUSE_WRITE || buf->size <= FZ_LOOP_IN_PLACE_MAX;
}

/* Give the lead up, waking one waiting worker (no system call if none). */
static void fz_loop_release(struct fz_loop *l)
{
	pthread_mutex_lock(&l->lock);
	l->leader = false;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static void *fz_loop_worker(void *arg)
{
	struct fz_loop *l = arg;
	struct fuse_buf buf;
	int res;

	memset(&buf, 0, sizeof(buf));
	for (;;) {
		pthread_mutex_lock(&l->lock);
		while (l->leader && !l->stop)
			pthread_cond_wait(&l->cond, &l->lock);
		if (l->stop) {
			pthread_mutex_unlock(&l->lock);
			break;
		}
		l->leader = true;
		pthread_mutex_unlock(&l->lock);

		/* Lead: serve reads in place, hand anything else on. */
		for (;;) {
			res = fz_loop_wait(l, &buf);
			if (res <= 0 || !fz_loop_in_place(&buf))
				break;
			fuse_session_process_buf(l->se, &buf);
		}
		fz_loop_release(l);
		if (res <= 0) {
			fz_loop_stop(l, res);
			break;
		}
		fuse_session_process_buf(l->se, &buf);
	}
	free(buf.mem);
	return NULL;
}

int fz_loop_run(struct fuse_session *se, const struct fz_loop_config *cfg)
{
	pthread_t *threads;
	sigset_t all, old;
	struct fz_loop l;
	unsigned int i, started = 0;
	int flags, err = 0;

	if (!se || !cfg || cfg->threads < 1 ||
	    cfg->threads > FZ_LOOP_MAX_THREADS ||
	    cfg->poll_us > FZ_LOOP_MAX_POLL_US)
		return -EINVAL;
	memset(&l, 0, sizeof(l));
	l.se = se;
	l.fd = fuse_session_fd(se);
	l.poll_ns = (uint64_t)cfg->poll_us * 1000u;
	flags = fcntl(l.fd, F_GETFL);
	if (flags == -1 || fcntl(l.fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -errno;
	threads = calloc(cfg->threads, sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	if (sem_init(&l.finish, 0, 0) == -1) {
		err = -errno;
		goto out_free;
	}

	/* The workers inherit a full mask: signals go to this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < cfg->threads; i++) {
		err = -pthread_create(&threads[i], NULL, fz_loop_worker, &l);
		if (err)
			break;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (started == cfg->threads) {
		/* A signal handler's fuse_session_exit() interrupts this. */
		while (!fuse_session_exited(se) && !fz_loop_stopping(&l))
			sem_wait(&l.finish);
		fz_loop_stop(&l, 0);
	} else {
		fz_loop_stop(&l, err);
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	err = l.err;
	sem_destroy(&l.finish);
out_free:
	pthread_cond_destroy(&l.cond);
	pthread_mutex_destroy(&l.lock);
	free(threads);
	return err;
}
