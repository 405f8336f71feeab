/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.h - the FUSE request loop: worker threads that poll before they
 * sleep.
 *
 * Every swap-in fault on fzram is a round trip: the faulting task → the
 * loop device's worker → a FUSE request → the daemon → the reply → the
 * block layer's completion → the faulting task.  On a virtual machine
 * without halt polling, waking a sleeping thread on an idle CPU costs
 * tens of microseconds, several times the work of serving a page.  So the
 * daemon does not sleep between the requests of a burst: one thread at a
 * time (the leader) waits for the next request by polling the FUSE device
 * without blocking, yielding the CPU to anything runnable between polls,
 * for up to poll_us microseconds after the last request; only then does it
 * sleep in poll(2).  It also sleeps at once when more tasks are runnable
 * than there are CPUs (/proc/loadavg, looked at every 16 polls): a polling
 * CPU is busy to the scheduler, so under real memory pressure, where the
 * faulting task, the loop device's worker and the request threads all
 * want the CPUs, polling would delay the very fault it waits to serve
 * (bench/vs-zram's workload 4; README).  The CPU latency hold (cpulat.h)
 * keeps idle CPUs quick to wake meanwhile.
 *
 * A small request (a read of up to 64 KiB, such as a
 * swap-in: a few pages to decompress and a fault waiting on it; a write
 * of up to 16 KiB; a discard of up to 8 MiB; anything else but setattr and
 * setxattr) the leader serves itself and keeps the lead, since handing it
 * on would cost a wake-up of its own.  Before serving a larger one, or a
 * setattr or setxattr (a shrinking truncate, a compaction: rare, and they
 * can run long), it hands the lead to a waiting worker, so that the writes
 * of a swap-out (up to 1 MiB of pages to compress each) are compressed in
 * parallel, and a long request never holds up the others.
 *
 * poll_us 0 never polls: the leader sleeps at once, as libfuse's own loop
 * does.
 *
 * Locks: struct fz_loop.lock (leader hand-off) only; requests are served
 * outside it.
 */
#ifndef FZRAM_LOOP_H
#define FZRAM_LOOP_H

#include "fs.h" /* FUSE_USE_VERSION, before any FUSE header */

#define FZ_LOOP_MAX_THREADS 256
#define FZ_LOOP_MAX_POLL_US 100000 /* 0.1 s */
/* Longer than the gaps between a burst's requests, so that a burst is
 * served without a wake-up, and short enough that polling after the last
 * one costs little CPU. */
#define FZ_LOOP_DEFAULT_POLL_US 200

/*
 * Hooks around every request read from /dev/fuse, for a transport that
 * needs to see them (uring.h watches for FUSE_INIT): @before gets the
 * request before fuse_session_process_buf(), @after runs once it returns.
 * Either may be NULL.  They run on the worker that serves the request, on
 * several workers at once, and get @hook_arg.
 */
struct fz_loop_config {
	unsigned int threads; /* workers, 1..FZ_LOOP_MAX_THREADS */
	unsigned int poll_us; /* busy-poll window, 0..FZ_LOOP_MAX_POLL_US */
	void (*before)(const struct fuse_buf *buf, void *arg); /* or NULL */
	void (*after)(void *arg);			       /* or NULL */
	void *hook_arg; /* given to both hooks */
};

/*
 * fz_loop_run() - serve @se with @cfg->threads workers until the session is
 * exited (fuse_session_exit(), e.g. from a signal handler, or the file
 * system is unmounted).  Call from the main thread with the termination
 * signals' handlers installed: the workers block every signal, so signals
 * land on the caller, whose wait they interrupt.  Puts the session's
 * device in non-blocking mode.
 * Return: 0, or -EINVAL (bad @cfg), -errno (fcntl, thread creation, a
 * fatal read error of the device).
 */
int fz_loop_run(struct fuse_session *se, const struct fz_loop_config *cfg);

#endif /* FZRAM_LOOP_H */
