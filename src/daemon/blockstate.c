// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blockstate.c - block_state's text: store_block_state() fills a buffer
 * from a cursor, a whole number of lines at a time; when the room left is
 * too small for a line the buffer doubles and the walk goes on from the
 * cursor, so nothing is produced twice.
 *
 * The buffer grows on the request path of an open of block_state, never
 * of the swap file; it cannot wait on our own swap: the daemon's memory is
 * locked and it is an I/O flusher (main.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "blockstate.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Room at least this large before each call: many lines per walk step. */
#define BSTATE_STEP (16 * STORE_BLOCK_STATE_LINE)

int bstate_make(struct store *s, struct bstate **out)
{
	size_t cap = BSTATE_FIRST, len = 0;
	uint64_t cursor = 0;
	struct bstate *b, *nb;

	b = malloc(sizeof(*b) + cap);
	if (!b)
		return -ENOMEM;
	for (;;) {
		size_t n;

		if (cap - len < BSTATE_STEP) {
			if (cap > (SIZE_MAX - sizeof(*b)) / 2)
				goto out_nomem;
			nb = realloc(b, sizeof(*b) + cap * 2);
			if (!nb)
				goto out_nomem;
			b = nb;
			cap *= 2;
		}
		n = store_block_state(s, &cursor, b->text + len, cap - len);
		if (n == 0)
			break;
		len += n;
	}
	b->len = len;
	*out = b;
	return 0;

out_nomem:
	free(b);
	return -ENOMEM;
}

const char *bstate_at(const struct bstate *b, off_t off, size_t size, size_t *n)
{
	if (off < 0 || (uint64_t)off >= b->len) {
		*n = 0;
		return b->text;
	}
	*n = b->len - (size_t)off < size ? b->len - (size_t)off : size;
	return b->text + off;
}

void bstate_free(struct bstate *b)
{
	free(b);
}
