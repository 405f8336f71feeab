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
#include "served.h"
#include "util.h"

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

#include <linux/fuse.h>

/*
 * The most work the leader does itself, by kind of request.  Handing a
 * request on costs a wake-up of another worker, worth paying only when
 * the work outlasts it: compressing a few pages takes less time than the
 * wake-up, so small writes are served in place, while the large writes of
 * a swap-out are handed on and compressed in parallel.  Reads decompress,
 * several times faster than compressing, so a swap-in's readahead (8
 * pages) stays in place; a discard only frees slots, cheap per page.
 * bench/vs-zram measures where the limits pay off.
 */
#define FZ_LOOP_WRITE_IN_PLACE_MAX (16u << 10)	  /* bytes of data */
#define FZ_LOOP_READ_IN_PLACE_MAX (64u << 10)	  /* bytes asked for */
#define FZ_LOOP_DISCARD_IN_PLACE_MAX (8ull << 20) /* bytes of range */

/* How long the sleeping leader waits before it looks at .stop again. */
#define FZ_LOOP_SLEEP_MS 100

/* How many polls between two looks at /proc/loadavg (each poll is a read
 * of the device and a sched_yield(), a microsecond or two). */
#define FZ_LOOP_CROWD_EVERY 16

struct fz_loop {
	struct fuse_session *se;
	struct fz_loop_config cfg; /* a copy of the caller's: the hooks */
	int fd;			  /* the session's /dev/fuse, O_NONBLOCK */
	uint64_t poll_ns;	  /* busy-poll window after the last request */
	int loadavg_fd;		  /* /proc/loadavg, -1: not open (poll on
				     whatever else runs) */
	long ncpu;		  /* CPUs online, >= 1 */
	_Atomic uint64_t last_ns; /* when a request last arrived; relaxed */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the lead is free, or stop */
	bool leader;	     /* a worker is waiting for a request; lock */
	bool stop;	     /* workers must return; lock */
	int err;	     /* first fatal error, -errno; lock */
	sem_t finish;	     /* posted by a worker that stops the loop */
};

static bool fz_loop_stopping(struct fz_loop *l)
{
	bool stop;

	pthread_mutex_lock(&l->lock);
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	return stop || fuse_session_exited(l->se);
}

/*
 * Stop every worker; @err (-errno or 0) is kept if it is the first.  Also
 * exits the session, so that libfuse answers every later read with 0
 * (the leader stops at once, even under a stream of requests).
 */
static void fz_loop_stop(struct fz_loop *l, int err)
{
	fuse_session_exit(l->se);
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
 * Are more tasks runnable than there are CPUs?  Then a polling leader
 * takes a CPU from a task that needs it (the faulting task itself, the
 * loop device's worker, the other request threads): a CPU that polls is
 * busy to the scheduler, so a task woken meanwhile waits in a run queue
 * rather than running there.  The CPU latency hold (cpulat.h) keeps an
 * idle CPU quick to wake without that cost, so the leader sleeps instead.
 */
static bool fz_loop_crowded(const struct fz_loop *l)
{
	char text[128];
	ssize_t n;
	long running;

	if (l->loadavg_fd < 0)
		return false;
	n = pread(l->loadavg_fd, text, sizeof(text), 0);
	if (n <= 0)
		return false;
	running = fz_loadavg_running(text, (size_t)n);
	return running > l->ncpu;
}

/*
 * The leader's wait: read the device without blocking; while the last
 * request is recent and no task waits for a CPU, yield and read again,
 * else sleep in poll().
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
		if (fz_now_ns() - atomic_load_explicit(
					   &l->last_ns, memory_order_relaxed) <
			    l->poll_ns &&
		    (n % FZ_LOOP_CROWD_EVERY || !fz_loop_crowded(l))) {
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
 * Should the leader serve the request in @buf itself?  Everything but
 * large reads, writes and discards (fallocate), and the setattr and
 * setxattr that can run long (a shrinking truncate frees every slot past
 * the new end; user.fzram.compact walks every size class) but are rare:
 * the request is a struct fuse_in_header followed by the operation's own
 * header, and a write's data after that (<linux/fuse.h>).  A request
 * spliced into a pipe is handed on.
 */
static bool fz_loop_in_place(const struct fuse_buf *buf)
{
	const char *p = buf->mem;
	struct fuse_in_header in;
	struct fuse_read_in rd;
	struct fuse_fallocate_in fa;

	if ((buf->flags & FUSE_BUF_IS_FD) || buf->size < sizeof(in))
		return false;
	memcpy(&in, p, sizeof(in));
	switch (in.opcode) {
	case FUSE_WRITE:
		return buf->size <= sizeof(in) + sizeof(struct fuse_write_in) +
					FZ_LOOP_WRITE_IN_PLACE_MAX;
	case FUSE_READ:
		if (buf->size < sizeof(in) + sizeof(rd))
			return true; /* malformed: libfuse answers it */
		memcpy(&rd, p + sizeof(in), sizeof(rd));
		return rd.size <= FZ_LOOP_READ_IN_PLACE_MAX;
	case FUSE_FALLOCATE:
		if (buf->size < sizeof(in) + sizeof(fa))
			return true;
		memcpy(&fa, p + sizeof(in), sizeof(fa));
		return fa.length <= FZ_LOOP_DISCARD_IN_PLACE_MAX;
	case FUSE_SETATTR:
	case FUSE_SETXATTR:
		return false;
	default:
		return true;
	}
}

/* Serve one request read from /dev/fuse, with the caller's hooks. */
static void fz_loop_process(struct fz_loop *l, const struct fuse_buf *buf)
{
	const struct fz_loop_config *cfg = &l->cfg;

	served_inc(SERVED_DEV);
	if (cfg->before)
		cfg->before(buf, cfg->hook_arg);
	fuse_session_process_buf(l->se, buf);
	if (cfg->after)
		cfg->after(cfg->hook_arg);
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

		/* Lead: serve small requests in place, hand large ones on. */
		for (;;) {
			res = fz_loop_wait(l, &buf);
			if (res <= 0 || !fz_loop_in_place(&buf))
				break;
			fz_loop_process(l, &buf);
			/* The poll window runs from the end of the work. */
			atomic_store_explicit(&l->last_ns, fz_now_ns(),
					      memory_order_relaxed);
		}
		if (res <= 0) {
			fz_loop_stop(l, res); /* before anyone can lead */
			fz_loop_release(l);
			break;
		}
		fz_loop_release(l);
		fz_loop_process(l, &buf);
	}
	free(buf.mem);
	return NULL;
}

int fz_loop_run(struct fuse_session *se, const struct fz_loop_config *cfg)
{
	pthread_t *threads;
	sigset_t old;
	struct fz_loop l;
	unsigned int i, started = 0;
	int flags, err = 0;

	if (!se || !cfg || cfg->threads < 1 ||
	    cfg->threads > FZ_LOOP_MAX_THREADS ||
	    cfg->poll_us > FZ_LOOP_MAX_POLL_US)
		return -EINVAL;
	memset(&l, 0, sizeof(l));
	l.se = se;
	l.cfg = *cfg;
	l.fd = fuse_session_fd(se);
	l.poll_ns = (uint64_t)cfg->poll_us * 1000u;
	flags = fcntl(l.fd, F_GETFL);
	if (flags == -1 || fcntl(l.fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return -errno;
	threads = calloc(cfg->threads, sizeof(*threads));
	if (!threads)
		return -ENOMEM;
	/* Without /proc the leader polls as it did before it looked. */
	l.loadavg_fd = l.poll_ns ? open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
				 : -1;
	l.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (l.ncpu < 1)
		l.ncpu = 1;
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	if (sem_init(&l.finish, 0, 0) == -1) {
		err = -errno;
		goto out_free;
	}

	/* The workers inherit the mask: signals go to this thread. */
	fz_block_signals(&old);
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
	if (l.loadavg_fd >= 0)
		close(l.loadavg_fd);
	free(threads);
	return err;
}
