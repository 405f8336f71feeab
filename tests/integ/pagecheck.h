/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pagecheck.h - what the swap helpers (tests/integ/swapfill.c and
 * bench/pageout.c) share: a page checksum and a reproducible random source,
 * so that each page can be verified after it comes back from swap.  Each
 * helper is built on its own with cc, so this is a header of static
 * functions rather than a module.
 */
#ifndef FZRAM_PAGECHECK_H
#define FZRAM_PAGECHECK_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a over @n bytes: cheap, and any changed byte changes it. */
static inline uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* xorshift64*: deterministic "random" bytes, no libc state. */
static uint64_t rng_state = 88172645463325252ULL;

static inline uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

#endif /* FZRAM_PAGECHECK_H */
