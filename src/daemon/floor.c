// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor.c - the transport floor's page map (floor.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "floor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fzram.h"

struct floor {
	char *map;      /* bytes long, anonymous */
	uint64_t bytes; /* a multiple of FZ_PAGE_SIZE */
};

int floor_create(uint64_t bytes, struct floor **out)
{
	struct floor *f;

	if (bytes == 0 || bytes % FZ_PAGE_SIZE || bytes > SIZE_MAX)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	/* Populated: no write pays a page fault, as no engine needs to. */
	f->map = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return -ENOMEM;
	}
	f->bytes = bytes;
	*out = f;
	return 0;
}

void floor_destroy(struct floor *f)
{
	if (!f)
		return;
	munmap(f->map, f->bytes);
	free(f);
}

uint64_t floor_bytes(const struct floor *f)
{
	return f->bytes;
}

void floor_load(const struct floor *f, uint64_t slot, void *dst)
{
	memcpy(dst, f->map + slot * FZ_PAGE_SIZE, FZ_PAGE_SIZE);
}

void floor_save(struct floor *f, uint64_t slot, const void *src)
{
	memcpy(f->map + slot * FZ_PAGE_SIZE, src, FZ_PAGE_SIZE);
}

void floor_drop(struct floor *f, uint64_t slot)
{
	static const char zeros[FZ_PAGE_SIZE];
	char *p = f->map + slot * FZ_PAGE_SIZE;

	/* swapon --discard discards the whole device: a page that reads as
	 * zeros is not written again. */
	if (memcmp(p, zeros, FZ_PAGE_SIZE))
		memset(p, 0, FZ_PAGE_SIZE);
}
