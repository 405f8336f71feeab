// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_sample.c - random stored pages, decompressed, for training a
 * dictionary from a live store (store_sample()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>

#include "store_int.h"

int store_sample(struct store *s, uint64_t *seed, void *pages,
		 uint64_t *slots, unsigned int max)
{
	(void)s;
	(void)seed;
	(void)pages;
	(void)slots;
	(void)max;
	return -ENOSYS; /* not yet */
}
