/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uring.h - FUSE over io_uring (Linux 6.14 and later), beside /dev/fuse.
 *
 * With it, the kernel hands each request to a queue of the CPU it was
 * made on, and one thread per CPU, bound to that CPU, serves the queue:
 * a swap-in's request, its reply and the block layer's completion then all
 * run on the CPU of the loop device's worker, without waking another CPU.
 * libfuse 3.14 does not know the protocol, so this module:
 *   - installs a custom I/O on the session (fuse_session_custom_io()):
 *     reads are plain reads of /dev/fuse, and replies are written to
 *     /dev/fuse, except the reply to a request that came through a ring,
 *     which is copied into that ring entry's buffers;
 *   - when the kernel offers it in FUSE_INIT (it does when the fuse
 *     module's enable_uring is on), sets up a ring and a thread for every
 *     possible CPU's queue, and only if all of them are ready sets
 *     FUSE_OVER_IO_URING in the reply: from then on the kernel holds every
 *     request until each queue is registered;
 *   - then registers the ring entries of every queue and serves them,
 *     feeding each request to fuse_session_process_buf().
 * Requests that do not go through the rings (FUSE_INIT, interrupts,
 * forgets) are still read from /dev/fuse by the request loop (loop.h),
 * which main.c gives the two hooks below.  This module does not call the
 * loop, nor the loop this module.
 *
 * What keeps -o uring from serving is logged with fz_log() (util.h): a
 * kernel that does not offer it, or rings or threads that cannot be set
 * up; requests are then served through /dev/fuse.  Every function that can
 * fail returns 0 or -errno.
 */
#ifndef FZRAM_URING_H
#define FZRAM_URING_H

#include "fs.h" /* FUSE_USE_VERSION, before any FUSE header */

/*
 * fz_uring_setup() - prepare @se, already mounted, for io_uring: install
 * the custom I/O.  Each ring thread polls for @poll_us microseconds after
 * a request before it sleeps, as the request loop does.  The rings are set
 * up while FUSE_INIT is answered (see the hooks below).
 * Return: 0, -ENOSYS (built without liburing), -errno.
 */
int fz_uring_setup(struct fuse_session *se, unsigned int poll_us);

/*
 * fz_uring_before_request() - the request loop's before hook
 * (struct fz_loop_config): sees every request read from /dev/fuse before
 * it is processed, and notes a FUSE_INIT that offers io_uring, so that its
 * reply sets the rings up and accepts it (or logs that the kernel does not
 * offer it).  @arg is unused (NULL).
 */
void fz_uring_before_request(const struct fuse_buf *buf, void *arg);

/*
 * fz_uring_after_request() - the request loop's after hook: once FUSE_INIT
 * has been answered on this thread, tells the ring threads to register and
 * serve (or, if the answer could not be written, to end).  @arg is unused.
 */
void fz_uring_after_request(void *arg);

/*
 * fz_uring_stop() - after the session is unmounted: wait for the ring
 * threads, which end when the kernel cancels their entries, and free the
 * rings.
 */
void fz_uring_stop(void);

#endif /* FZRAM_URING_H */
