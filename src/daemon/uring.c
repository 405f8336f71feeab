// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uring.c - FUSE over io_uring beside libfuse 3.14 (see uring.h).
 *
 * Each ring entry is a header (the request's fuse_in_header, the
 * operation's own header, and the kernel's entry fields) and a payload
 * buffer with room in front of it: a request is rebuilt in place there,
 * in the layout /dev/fuse would have given, and handed to
 * fuse_session_process_buf().  The reply libfuse writes comes back to our
 * writev hook on the same thread, which copies it into the entry; the
 * thread then commits the entry and fetches the next request in one
 * command.
 *
 * The hook takes for the reply only what carries the request's unique;
 * anything else the serving thread writes (libfuse answers a queued
 * interrupt from whichever thread it is on) goes to /dev/fuse.
 *
 * A command the kernel fails drops its entry, and the queue goes on with
 * the others; the thread ends when the connection is gone or its last
 * entry is dropped (logged: the CPU's requests would then wait).
 *
 * Once FUSE_INIT is answered with FUSE_OVER_IO_URING, the kernel holds
 * every new request until each CPU's queue has registered an entry (Linux
 * 6.14's fuse_block_alloc()): a queue that never registers hangs the mount.
 * So the rings are set up before the answer, while serving FUSE_INIT: the
 * entries are allocated and one thread per queue is started, which
 * creates its ring (io_uring_queue_init()) and reports.  Only if every
 * ring is ready does the answer accept io_uring; otherwise the failure is
 * logged, everything is freed, and the answer leaves it out: the kernel
 * then serves through /dev/fuse.  Once the answer is written, the request
 * loop's after hook tells the threads to register their entries and serve.
 *
 * The commands name a duplicate of the session's /dev/fuse descriptor:
 * fuse_session_unmount() closes the session's, and a lazily unmounted file
 * may still have users to serve.  The threads end when the kernel ends the
 * connection (the mount's last user gone); fz_uring_stop() waits for that.
 *
 * Threads: one per possible CPU, bound to it when it is online; each owns
 * its ring and its entries, and nothing is shared between them but the
 * session.  The INIT flags are thread-local to the request loop's thread
 * that serves FUSE_INIT.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "uring.h"
#include "served.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/fuse.h>

#ifdef HAVE_LIBURING
#include <liburing.h>

/* The kernel's ABI, <linux/fuse.h> 7.42 (Linux 6.14); Debian 12's headers
 * are older. */
#define FZ_FUSE_OVER_IO_URING (1ULL << 41)
#define FZ_FUSE_INIT_EXT (1U << 30)
#define FZ_URING_IN_OUT_HEADER_SZ 128
#define FZ_URING_OP_IN_OUT_SZ 128
#define FZ_IO_URING_CMD_REGISTER 1
#define FZ_IO_URING_CMD_COMMIT_AND_FETCH 2

struct fz_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;  /* set by the kernel; given back on commit */
	uint32_t payload_sz; /* bytes in the payload buffer, both ways */
	uint32_t padding;
	uint64_t reserved;
};

struct fz_uring_req_header {
	char in_out[FZ_URING_IN_OUT_HEADER_SZ]; /* fuse_in/out_header */
	char op_in[FZ_URING_OP_IN_OUT_SZ];	/* the operation's header */
	struct fz_uring_ent_in_out ring_ent_in_out;
};

struct fz_uring_cmd_req { /* in the SQE's 80-byte command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

#define FZ_RING_DEPTH 2		   /* entries per CPU queue */
#define FZ_RING_PAYLOAD FZ_MAX_REQUEST /* equal to the max_write of fs.c */
#define FZ_RING_HEADROOM 4096	   /* room to rebuild the request */

struct fz_ring_ent {
	struct fz_uring_req_header hdr;
	char *mem;     /* FZ_RING_HEADROOM + FZ_RING_PAYLOAD */
	char *payload; /* mem + FZ_RING_HEADROOM */
	struct iovec iov[2];
	uint64_t unique; /* of the request being served */
	bool replied;	 /* the writev hook filled the reply in */
};

struct fz_ring_q {
	unsigned int qid; /* the CPU */
	pthread_t thread;
	bool started;
	int err; /* its ring's setup: 0 or -errno; set before it posts .ready */
	struct io_uring ring;
	struct fz_ring_ent ents[FZ_RING_DEPTH];
};

static struct {
	struct fuse_session *se;
	int fd;	     /* the session's /dev/fuse */
	int ring_fd; /* our own duplicate of it, for the rings' commands */
	bool setup;  /* fz_uring_setup() succeeded */
	atomic_bool accepted; /* INIT answered with io_uring */
	atomic_flag gone;     /* .go was posted (by the after hook or stop) */
	atomic_bool run;      /* what .go means: register and serve, or end */
	sem_t ready;	      /* posted by each thread once its ring is set up */
	sem_t go;	      /* posted once per thread started */
	uint64_t poll_ns;     /* busy-poll window, as loop.h's */
	unsigned int nr_q;
	struct fz_ring_q *qs;
} fz_ur = {.gone = ATOMIC_FLAG_INIT};

static __thread struct fz_ring_ent *fz_cur_ent; /* being served here */
static __thread bool fz_init_offered;		/* serving an INIT */
static __thread bool fz_init_answered; /* its rings await the after hook */

/* Copy a reply into @e: the out header, then the payload. */
static ssize_t fz_ent_capture(struct fz_ring_ent *e, const struct iovec *iov,
			      int count)
{
	size_t done = 0, total = 0;
	int i;

	if (count < 1 || iov[0].iov_len != sizeof(struct fuse_out_header)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(e->hdr.in_out, iov[0].iov_base, iov[0].iov_len);
	for (i = 1; i < count; i++) {
		if (iov[i].iov_len > FZ_RING_PAYLOAD - done) {
			errno = EINVAL;
			return -1;
		}
		memcpy(e->payload + done, iov[i].iov_base, iov[i].iov_len);
		done += iov[i].iov_len;
	}
	e->hdr.ring_ent_in_out.payload_sz = (uint32_t)done;
	e->replied = true;
	total = iov[0].iov_len + done;
	return (ssize_t)total;
}

static int fz_rings_prepare(void);

/*
 * Accept io_uring in the reply to FUSE_INIT, once every ring is set up
 * (see the top of the file); without them, answer as libfuse would.
 */
static ssize_t fz_init_reply(int fd, struct iovec *iov, int count)
{
	struct fuse_out_header oh;
	struct fuse_init_out out;
	struct iovec v[2];
	ssize_t res;

	if (count != 2 || iov[0].iov_len != sizeof(oh) ||
	    iov[1].iov_len < offsetof(struct fuse_init_out, flags2) + 4 ||
	    iov[1].iov_len > sizeof(out))
		return writev(fd, iov, count);
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (oh.error != 0 || fz_rings_prepare() < 0)
		return writev(fd, iov, count);
	memset(&out, 0, sizeof(out));
	memcpy(&out, iov[1].iov_base, iov[1].iov_len);
	out.flags |= FZ_FUSE_INIT_EXT;
	out.flags2 |= (uint32_t)(FZ_FUSE_OVER_IO_URING >> 32);
	v[0] = iov[0];
	v[1].iov_base = &out;
	v[1].iov_len = iov[1].iov_len;
	res = writev(fd, v, 2);
	if (res >= 0)
		atomic_store(&fz_ur.accepted, true);
	fz_init_answered = true; /* the after hook starts or ends the rings */
	return res;
}

static ssize_t fz_io_writev(int fd, struct iovec *iov, int count, void *ud)
{
	struct fuse_out_header oh;

	(void)ud;
	/*
	 * On a ring thread, the reply to the request it serves goes into the
	 * entry; anything else libfuse writes meanwhile (its EAGAIN to an
	 * interrupt it had queued) goes to the device, as it would have.
	 */
	if (fz_cur_ent && count >= 1 && iov[0].iov_len == sizeof(oh)) {
		memcpy(&oh, iov[0].iov_base, sizeof(oh));
		if (oh.unique == fz_cur_ent->unique)
			return fz_ent_capture(fz_cur_ent, iov, count);
	}
	if (fz_init_offered) {
		fz_init_offered = false;
		return fz_init_reply(fd, iov, count);
	}
	return writev(fd, iov, count);
}

static ssize_t fz_io_read(int fd, void *buf, size_t len, void *ud)
{
	(void)ud;
	return read(fd, buf, len);
}

static const struct fuse_custom_io fz_io = {
    .writev = fz_io_writev,
    .read = fz_io_read,
};

int fz_uring_setup(struct fuse_session *se, unsigned int poll_us)
{
	int err;

	fz_ur.poll_ns = (uint64_t)poll_us * 1000u;
	fz_ur.se = se;
	fz_ur.fd = fuse_session_fd(se);
	fz_ur.ring_fd = fcntl(fz_ur.fd, F_DUPFD_CLOEXEC, 3);
	if (fz_ur.ring_fd < 0)
		return -errno;
	/* With a value of 0 and pshared 0, sem_init() cannot fail. */
	sem_init(&fz_ur.ready, 0, 0);
	sem_init(&fz_ur.go, 0, 0);
	err = fuse_session_custom_io(se, &fz_io, fz_ur.fd);
	if (err) {
		sem_destroy(&fz_ur.go);
		sem_destroy(&fz_ur.ready);
		close(fz_ur.ring_fd);
		return err < 0 ? err : -EINVAL;
	}
	fz_ur.setup = true;
	return 0;
}

void fz_uring_before_request(const struct fuse_buf *buf, void *arg)
{
	struct fuse_in_header in;
	struct fuse_init_in init;

	(void)arg;
	if (!fz_ur.setup || (buf->flags & FUSE_BUF_IS_FD) ||
	    buf->size < sizeof(in) + sizeof(init))
		return;
	memcpy(&in, buf->mem, sizeof(in));
	if (in.opcode != FUSE_INIT)
		return;
	memcpy(&init, (const char *)buf->mem + sizeof(in), sizeof(init));
	fz_init_offered = (init.flags & FZ_FUSE_INIT_EXT) &&
			  (init.flags2 & (FZ_FUSE_OVER_IO_URING >> 32));
	if (!fz_init_offered)
		fz_log(LOG_WARNING,
		       "uring: the kernel does not offer FUSE over io_uring "
		       "(Linux 6.14 or later, with the fuse module's "
		       "enable_uring=Y); requests are served through "
		       "/dev/fuse");
}

static void fz_ring_prep(struct fz_ring_q *q, struct fz_ring_ent *e,
			 uint32_t cmd_op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct fz_uring_cmd_req *req;
	unsigned char *raw = (unsigned char *)sqe;

	/*
	 * Never NULL: at most FZ_RING_DEPTH commands are queued, and the ring
	 * has twice as many entries.  The SQE is 128 bytes
	 * (IORING_SETUP_SQE128), twice struct io_uring_sqe, all of it ours to
	 * zero; the empty asm hides that from the compiler's bounds check.
	 */
	__asm__("" : "+r"(raw));
	memset(raw, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fz_ur.ring_fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = (uint64_t)(uintptr_t)e;
	req = (struct fz_uring_cmd_req *)sqe->cmd;
	req->qid = (uint16_t)q->qid;
	if (cmd_op == FZ_IO_URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	} else {
		req->commit_id = e->hdr.ring_ent_in_out.commit_id;
	}
}

/* Serve the request in @e; fill in an error reply if libfuse sent none. */
static void fz_ring_serve(struct fz_ring_ent *e)
{
	struct fuse_in_header in;
	struct fuse_out_header oh;
	uint32_t psz = e->hdr.ring_ent_in_out.payload_sz;
	struct fuse_buf buf;
	size_t op_sz;
	char *start;

	memcpy(&in, e->hdr.in_out, sizeof(in));
	e->unique = in.unique;
	e->replied = false;
	if (in.len >= sizeof(in) + (size_t)psz && psz <= FZ_RING_PAYLOAD &&
	    (op_sz = in.len - sizeof(in) - psz) <= FZ_URING_OP_IN_OUT_SZ) {
		start = e->payload - op_sz - sizeof(in);
		memcpy(start, &in, sizeof(in));
		memcpy(start + sizeof(in), e->hdr.op_in, op_sz);
		memset(&buf, 0, sizeof(buf));
		buf.size = in.len;
		buf.mem = start;
		fz_cur_ent = e;
		served_inc(SERVED_RING);
		fuse_session_process_buf(fz_ur.se, &buf);
		fz_cur_ent = NULL;
	}
	if (!e->replied) {
		memset(&oh, 0, sizeof(oh));
		oh.len = sizeof(oh);
		oh.error = -EIO;
		oh.unique = in.unique;
		memcpy(e->hdr.in_out, &oh, sizeof(oh));
		e->hdr.ring_ent_in_out.payload_sz = 0;
	}
}

/* Whether a failed command's @res means the connection is gone. */
static bool fz_ring_gone(int res)
{
	return res == -ENOTCONN || res == -ECONNABORTED || res == -ECANCELED ||
	       res == -ENODEV || res == -EBADF;
}

static void fz_ring_log(const struct fz_ring_q *q, const char *what, int res)
{
	fz_log(LOG_ERR, "ring %u: %s: %s", q->qid, what, strerror(-res));
}

/* Free @q's entries' buffers: only while no command of @q holds them. */
static void fz_ring_free_ents(struct fz_ring_q *q)
{
	unsigned int j;

	for (j = 0; j < FZ_RING_DEPTH; j++) {
		free(q->ents[j].mem);
		q->ents[j].mem = NULL;
		q->ents[j].payload = NULL;
	}
}

/* Submit what is queued; a transient failure is retried.  Return: the
 * number submitted, or -errno. */
static int fz_ring_submit(struct fz_ring_q *q)
{
	int res;

	while ((res = io_uring_submit(&q->ring)) == -EAGAIN || res == -EINTR)
		sched_yield();
	return res;
}

static void *fz_ring_thread(void *arg)
{
	struct fz_ring_q *q = arg;
	struct io_uring_cqe *cqe;
	struct fz_ring_ent *e;
	cpu_set_t set;
	char name[16];
	uint64_t last;
	int i, res, live = FZ_RING_DEPTH;

	snprintf(name, sizeof(name), "fzram-ring%u", q->qid);
	pthread_setname_np(pthread_self(), name);
	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	/* An offline CPU keeps its queue registered but its thread unbound. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	res = io_uring_queue_init(2 * FZ_RING_DEPTH, &q->ring,
				  IORING_SETUP_SQE128);
	q->err = res < 0 ? res : 0;
	sem_post(&fz_ur.ready);
	if (res < 0)
		return NULL; /* fz_rings_prepare() logs and frees */
	while (sem_wait(&fz_ur.go) == -1)
		; /* EINTR: every signal is blocked here, but be safe */
	if (!atomic_load(&fz_ur.run)) {
		io_uring_queue_exit(&q->ring);
		return NULL;
	}
	for (i = 0; i < FZ_RING_DEPTH; i++)
		fz_ring_prep(q, &q->ents[i], FZ_IO_URING_CMD_REGISTER);
	res = fz_ring_submit(q);
	if (res < 0) {
		fz_log(LOG_ERR,
		       "uring: ring %u: cannot register its entries: %s; the "
		       "kernel holds every request until each CPU's ring is "
		       "registered",
		       q->qid, strerror(-res));
		io_uring_queue_exit(&q->ring);
		return NULL;
	}
	last = fz_now_ns();
	for (;;) {
		res = io_uring_peek_cqe(&q->ring, &cqe);
		if (res == -EAGAIN) {
			if (fz_now_ns() - last < fz_ur.poll_ns) {
				/* Returning from the system call runs the
				 * task work that posts a completion. */
				sched_yield();
				continue;
			}
			res = io_uring_wait_cqe(&q->ring, &cqe);
		}
		if (res == -EINTR)
			continue;
		if (res < 0)
			break;
		e = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&q->ring, cqe);
		if (res < 0) {
			if (fz_ring_gone(res))
				break;
			fz_ring_log(q, "a command failed", res);
			if (--live == 0) {
				fz_ring_log(q, "no entry left", -ENOBUFS);
				break;
			}
			continue;
		}
		fz_ring_serve(e);
		fz_ring_prep(q, e, FZ_IO_URING_CMD_COMMIT_AND_FETCH);
		res = fz_ring_submit(q);
		if (res < 0) {
			fz_ring_log(q, "submit failed", res);
			break;
		}
		last = fz_now_ns();
	}
	io_uring_queue_exit(&q->ring);
	return NULL;
}

/* Post .go to every thread started: @run, register and serve, or end. */
static void fz_rings_go(bool run)
{
	unsigned int i;

	if (atomic_flag_test_and_set(&fz_ur.gone))
		return;
	atomic_store(&fz_ur.run, run);
	for (i = 0; i < fz_ur.nr_q; i++)
		if (fz_ur.qs[i].started)
			sem_post(&fz_ur.go);
}

/* Join the threads started (after fz_rings_go()) and free the rings. */
static void fz_rings_free(void)
{
	unsigned int i;

	for (i = 0; i < fz_ur.nr_q; i++)
		if (fz_ur.qs[i].started)
			pthread_join(fz_ur.qs[i].thread, NULL);
	for (i = 0; i < fz_ur.nr_q; i++)
		fz_ring_free_ents(&fz_ur.qs[i]);
	free(fz_ur.qs);
	fz_ur.qs = NULL;
	fz_ur.nr_q = 0;
}

/*
 * Set up every CPU's ring before FUSE_INIT is answered (see the top of the
 * file): allocate the entries, start one thread per queue and wait for each
 * to report its ring.  Called once, on the request loop's thread serving
 * FUSE_INIT.
 * Return: 0 (every thread waits for fz_rings_go()), or -errno: logged, the
 * threads ended and everything freed.
 */
static int fz_rings_prepare(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int i, j, nr_q, nr_failed = 0, first_failed = 0;
	const char *what = "cannot allocate the rings";
	sigset_t old;
	int err = 0;

	if (n < 1)
		n = 1;
	nr_q = (unsigned int)n;
	fz_ur.qs = calloc(nr_q, sizeof(*fz_ur.qs));
	if (!fz_ur.qs) {
		err = -ENOMEM;
		goto out_log;
	}
	fz_ur.nr_q = nr_q;
	for (i = 0; i < fz_ur.nr_q; i++) {
		struct fz_ring_q *q = &fz_ur.qs[i];

		q->qid = i;
		for (j = 0; j < FZ_RING_DEPTH; j++) {
			struct fz_ring_ent *e = &q->ents[j];

			e->mem = malloc(FZ_RING_HEADROOM + FZ_RING_PAYLOAD);
			if (!e->mem) {
				err = -ENOMEM;
				goto out_free;
			}
			e->payload = e->mem + FZ_RING_HEADROOM;
			e->iov[0].iov_base = &e->hdr;
			e->iov[0].iov_len = sizeof(e->hdr);
			e->iov[1].iov_base = e->payload;
			e->iov[1].iov_len = FZ_RING_PAYLOAD;
		}
	}
	what = "cannot start a ring thread";
	fz_block_signals(&old);
	for (i = 0; i < fz_ur.nr_q; i++) {
		err = -pthread_create(&fz_ur.qs[i].thread, NULL, fz_ring_thread,
				      &fz_ur.qs[i]);
		if (err)
			break;
		fz_ur.qs[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < fz_ur.nr_q; i++) {
		if (!fz_ur.qs[i].started)
			continue;
		while (sem_wait(&fz_ur.ready) == -1)
			; /* EINTR */
	}
	for (i = 0; i < fz_ur.nr_q; i++) {
		if (fz_ur.qs[i].started && fz_ur.qs[i].err) {
			if (!nr_failed++)
				first_failed = i;
		}
	}
	if (!err && !nr_failed)
		return 0;
	if (nr_failed)
		err = fz_ur.qs[first_failed].err;
out_free:
	fz_rings_go(false);
	fz_rings_free();
out_log:
	if (nr_failed)
		fz_log(LOG_ERR,
		       "uring: ring %u: io_uring_queue_init: %s (%u of %u "
		       "rings); -o uring is not serving: requests are served "
		       "through /dev/fuse",
		       first_failed, strerror(-err), nr_failed, nr_q);
	else
		fz_log(LOG_ERR,
		       "uring: %s: %s; -o uring is not serving: requests are "
		       "served through /dev/fuse",
		       what, strerror(-err));
	return err;
}

void fz_uring_after_request(void *arg)
{
	(void)arg;
	/* FUSE_INIT was answered on this thread: register, or end. */
	if (fz_init_answered) {
		fz_init_answered = false;
		fz_rings_go(atomic_load(&fz_ur.accepted));
	}
}

void fz_uring_stop(void)
{
	if (!fz_ur.setup)
		return;
	if (fz_ur.qs) {
		fz_rings_go(false); /* if the after hook has not */
		fz_rings_free();
	}
	sem_destroy(&fz_ur.go);
	sem_destroy(&fz_ur.ready);
	close(fz_ur.ring_fd);
	fz_ur.setup = false;
}

#else /* !HAVE_LIBURING */

int fz_uring_setup(struct fuse_session *se, unsigned int poll_us)
{
	(void)se;
	(void)poll_us;
	return -ENOSYS;
}

void fz_uring_before_request(const struct fuse_buf *buf, void *arg)
{
	(void)buf;
	(void)arg;
}

void fz_uring_after_request(void *arg)
{
	(void)arg;
}

void fz_uring_stop(void)
{
}

#endif /* HAVE_LIBURING */
