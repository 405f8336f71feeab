/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * served.h - how many FUSE requests each transport served: the request
 * loop (loop.h) counts those it read from /dev/fuse, the io_uring transport
 * (uring.h) those that came through its rings.  user.fzram.debug_stat
 * shows them after zram's columns (xattr.h), so that a user (and uring.sh)
 * can tell whether -o uring is serving at all.
 *
 * One set of counters per process, as a daemon serves one mount: the
 * transports and the attributes reach it without its being passed through
 * the FUSE layer.  Relaxed atomics, each exact on its own; the transports'
 * threads share the counters' cache line, and an add on a contended line
 * costs far less than serving the request.  Calls nothing.
 */
#ifndef FZRAM_SERVED_H
#define FZRAM_SERVED_H

#include <stdint.h>

/* A transport; a new one gets the next value (and debug_stat a column). */
enum served_by {
	SERVED_DEV,  /* read from /dev/fuse by the request loop */
	SERVED_RING, /* taken from an entry of an io_uring ring */
	SERVED_NR
};

/*
 * served_inc() - count one request served by @by (< SERVED_NR), when it is
 * handed to libfuse.  Context: any thread; one relaxed atomic add.
 */
void served_inc(enum served_by by);

/*
 * served_read() - the requests served by @by (< SERVED_NR) since the
 * process started.  Context: any thread; one relaxed atomic load.
 */
uint64_t served_read(enum served_by by);

#endif /* FZRAM_SERVED_H */
