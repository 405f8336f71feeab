/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blockstate.h - the text of the block_state file (fs.h): zram's debugfs
 * per-slot dump, one line per stored slot (store_block_state()), taken
 * whole when the file is opened so that every read of that open sees one
 * consistent text at its offsets.  Its size follows what is stored, not
 * the device's size: a 1 TiB device holding little costs only the lines it
 * prints.
 */
#ifndef FZRAM_BLOCKSTATE_H
#define FZRAM_BLOCKSTATE_H

#include <stddef.h>
#include <sys/types.h>

#include "store.h"

struct bstate {
	size_t len;  /* bytes of text */
	char text[]; /* the lines, not NUL-terminated */
};

/*
 * bstate_make() - the dump of @s as it is now, in a buffer of its own
 * (growing as needed: the first try is BSTATE_FIRST bytes).
 * Return: 0 with *@out set (free with bstate_free()); -ENOMEM.
 * Context: store_block_state()'s (each stored slot's lock in turn); no lock
 * of its own; other threads go on reading and writing the store meanwhile,
 * so a slot changed during the walk shows either state.
 */
#define BSTATE_FIRST (64u * 1024)
int bstate_make(struct store *s, struct bstate **out);

/*
 * bstate_at() - where a read of up to @size bytes at @off starts in @b;
 * *@n gets how many bytes it returns (0 at or past the end).
 */
const char *bstate_at(const struct bstate *b, off_t off, size_t size,
		      size_t *n);

/* bstate_free() - NULL is ignored. */
void bstate_free(struct bstate *b);

#endif /* FZRAM_BLOCKSTATE_H */
