/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault.h - named fault points for tests, armed through the environment in
 * debug builds (--enable-debug, which defines ZSP_DEBUG); in other builds
 * fault_hit() is a constant false and costs nothing.
 *
 *   FZRAM_FAULT=NAME[:AFTER[:COUNT]][,NAME...]
 *
 * arms point NAME: its first AFTER hits pass (default 0), the COUNT hits
 * after them fail (default: every one).  Example: FZRAM_FAULT=bk_write:10:3
 * fails the 11th, 12th and 13th backing writes.  Unknown names are ignored
 * (so that a test written for a later point does not break an older build).
 * The variable is read once, at the first fault_hit().
 */
#ifndef FZRAM_FAULT_H
#define FZRAM_FAULT_H

#include <stdbool.h>

enum fault_point {
	FAULT_BK_WRITE,	      /* a backing-store write fails with EIO */
	FAULT_BK_WRITE_SHORT, /* a backing-store write is cut short */
	FAULT_BK_READ,	      /* a backing-store read fails with EIO */
	FAULT_NR_POINTS
};

#ifdef ZSP_DEBUG
/* fault_hit() - true when armed point @p should fail this time. */
bool fault_hit(enum fault_point p);
#else
static inline bool fault_hit(enum fault_point p)
{
	(void)p;
	return false;
}
#endif

#endif /* FZRAM_FAULT_H */
