/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake_backing.h - an in-memory backing.h for the store's tier tests
 * (fake_backing.c), with the knobs a test turns through fake_ctl.
 */
#ifndef FZRAM_FAKE_BACKING_H
#define FZRAM_FAKE_BACKING_H

#include <stdint.h>

#include "backing.h"

struct fake_control {
	uint64_t capacity;	 /* most live objects, 0 = FAKE_MAX_OBJECTS */
	uint64_t compact_room;	 /* dead space: objects the next
				    backing_compact() adds to capacity (the
				    size counts them already), 0: none */
	int fail_writes;	 /* non-zero: every item fails with it */
	bool fail_reads;	 /* every read fails -EIO */
	void (*during_write)(void *arg); /* runs inside backing_write() */
	void *arg;
	uint64_t bad_frees;	 /* frees of ids not live: must stay 0 */
};

extern struct fake_control fake_ctl;

/* fake_backing_live() - objects live now. */
uint64_t fake_backing_live(struct backing *bk);

#endif /* FZRAM_FAKE_BACKING_H */
