/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - what every part of fzramctl shares: its name, its one-line error
 * messages and the allocations that end the program when memory runs out.
 *
 * fzramctl is five modules over this one: probe (mounts, loop devices,
 * swaps), setup (--swapon and --swapoff), output (columns and the text,
 * raw and JSON forms), traindict (--train-dict) and fzramctl.c (the
 * command line).  They talk to the
 * daemon only through its xattrs; none calls the daemon's code.
 */
#ifndef FZRAM_CTL_H
#define FZRAM_CTL_H

#include <stddef.h>

#define CTL_PROG "fzramctl" /* the prefix of every message */

/*
 * ctl_err() - print "fzramctl: " and the message, as one line to stderr.
 * @fmt has no prefix and no newline.
 */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * ctl_xmalloc() - malloc(@n) (at least one byte); on failure print "out of
 * memory" and exit(1), so the result is never NULL.
 */
void *ctl_xmalloc(size_t n);

/* ctl_xrealloc() - realloc(@p, @n), exiting as ctl_xmalloc() on failure. */
void *ctl_xrealloc(void *p, size_t n);

/* ctl_xstrdup() - a malloc'd copy of @s, exiting as ctl_xmalloc(). */
char *ctl_xstrdup(const char *s);

#endif /* FZRAM_CTL_H */
