/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - what the daemon's modules share below them all: the clock of the
 * poll windows and the count of runnable tasks that ends them early, the
 * signal mask of worker threads, and the log.
 *
 * It calls no other module of the daemon, so the request loop (loop.h) and
 * the io_uring transport (uring.h) can both use it without using each
 * other.
 */
#ifndef FZRAM_UTIL_H
#define FZRAM_UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* fz_now_ns() - CLOCK_MONOTONIC in nanoseconds: the poll windows. */
uint64_t fz_now_ns(void);

/*
 * fz_loadavg_running() - the tasks runnable now, from @len bytes of
 * /proc/loadavg's text ("0.52 0.58 0.59 3/467 12345": the 3 of the fourth
 * field, which counts the reader too).
 * Return: the count (>= 0), or -1 when the text is not in that form.
 */
long fz_loadavg_running(const char *text, size_t len);

/*
 * fz_block_signals() - block every signal in the calling thread but those a
 * fault raises (SIGSEGV, SIGBUS, SIGFPE, SIGILL), the old mask to @old:
 * threads created now inherit it, so that termination signals reach the
 * main thread.  Restore with pthread_sigmask(SIG_SETMASK, old, NULL).
 */
void fz_block_signals(sigset_t *old);

/*
 * fz_log() - report a problem of the running daemon: to stderr as
 * "fzram: <message>" and to syslog (LOG_DAEMON) at @priority (LOG_ERR,
 * LOG_WARNING, ...), so that it is seen in the foreground and after the
 * daemon has detached alike.  @fmt has no "fzram: " and no newline.
 * Context: any thread; not async-signal-safe.
 */
void fz_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* FZRAM_UTIL_H */
