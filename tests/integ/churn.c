// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * churn - a verifying workload for kernel reclaim: MIB MiB of pages, each
 * holding text made from its index and a generation, walked PASSES times
 * in a random order; every page is checked against what it should hold,
 * and one in four is written again with the next generation (so that the
 * kernel frees its swap slot and writes the page to a new one).  Run in a
 * memory cgroup whose limit is below MIB, the kernel's own reclaim swaps
 * the pages out and in (policy.sh).
 *
 *   usage: churn MIB PASSES
 *
 * Output: "ok N pages, P passes, R rewritten, C checked" on success;
 * "WRONG page I generation G" (and exit 1) at the first mismatch.
 * Exit: 0, 1 (a wrong page), 2 (usage or setup).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pagecheck.h"

#define PAGE 4096

static const char *const words[] = {
    "swap",  "page",  "slot",	"zspage", "class", "object", "memory",
    "cold",  "hot",   "idle",	"write",  "read",  "kernel", "cluster",
    "fzram", "zram",  "backing", "tier",  "spill", "policy", "age",
};

/* The text page @i holds at generation @g: words drawn from a generator
 * seeded by both, compressible about as real memory is. */
static void make_page(unsigned char *p, uint64_t i, unsigned int g)
{
	size_t n = 0;

	rng_state = (i + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)g + 1) << 40;
	n = (size_t)snprintf((char *)p, PAGE, "page %llu generation %u:",
			     (unsigned long long)i, g);
	while (n < PAGE) {
		uint64_t r = rng();
		const char *w = words[r % (sizeof(words) / sizeof(words[0]))];
		size_t len = strlen(w);

		if (r >> 60 == 0) { /* a number now and then */
			char num[24];

			len = (size_t)snprintf(num, sizeof(num), " %llu",
					       (unsigned long long)(r >> 20));
			memcpy(p + n, num, len < PAGE - n ? len : PAGE - n);
		} else {
			p[n] = ' ';
			if (n + 1 < PAGE)
				memcpy(p + n + 1, w,
				       len < PAGE - n - 1 ? len : PAGE - n - 1);
			len++;
		}
		n += len;
	}
}

int main(int argc, char **argv)
{
	unsigned long mib, passes;
	uint64_t npages, rewritten = 0, checked = 0;
	unsigned char *mem, want[PAGE];
	unsigned int *gen;
	uint64_t *order;

	if (argc != 3 || (mib = strtoul(argv[1], NULL, 10)) == 0 ||
	    (passes = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: churn MIB PASSES\n");
		return 2;
	}
	npages = (uint64_t)mib << 20 >> 12;
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gen = calloc(npages, sizeof(*gen));
	order = malloc(npages * sizeof(*order));
	if (mem == MAP_FAILED || !gen || !order) {
		perror("churn: memory");
		return 2;
	}
	for (uint64_t i = 0; i < npages; i++) {
		make_page(mem + i * PAGE, i, 0);
		order[i] = i;
	}
	for (unsigned long pass = 0; pass < passes; pass++) {
		uint64_t seed = 0x1234567ULL + pass;

		/* a fresh random order each pass (Fisher-Yates) */
		for (uint64_t i = npages - 1; i > 0; i--) {
			uint64_t j, t;

			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			j = (seed >> 17) % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (uint64_t k = 0; k < npages; k++) {
			uint64_t i = order[k];

			make_page(want, i, gen[i]);
			if (memcmp(mem + i * PAGE, want, PAGE)) {
				printf("WRONG page %llu generation %u\n",
				       (unsigned long long)i, gen[i]);
				free(order);
				free(gen);
				return 1;
			}
			checked++;
			if ((i + pass) % 4 == 0) {
				make_page(mem + i * PAGE, i, ++gen[i]);
				rewritten++;
			}
		}
	}
	printf("ok %llu pages, %lu passes, %llu rewritten, %llu checked\n",
	       (unsigned long long)npages, passes,
	       (unsigned long long)rewritten, (unsigned long long)checked);
	free(order);
	free(gen);
	munmap(mem, npages * PAGE);
	return 0;
}
