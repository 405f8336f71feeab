// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapfill - push N MiB of this process's own memory out to swap and check
 * that every page comes back intact.  The swap test (swap.sh) runs it with
 * fzram as the only swap area.
 *
 *   usage: swapfill MIB [FILE]
 *
 * It maps MIB MiB of private anonymous memory and fills it with pages from
 * $FZRAM_CORPUS (raw 4096-byte pages, cycling), or without a corpus with a
 * synthetic mix (text, zeros, random bytes); every 16th page is instead
 * filled with one repeated non-zero word, so that same-filled pages reach
 * the device (kernels since 6.12 keep zero pages out of swap devices).  It
 * keeps a checksum of each page, calls madvise(MADV_PAGEOUT) on its own
 * region only, and checks that VmSwap in /proc/self/status grew by at least
 * half of MIB.  Then it touches every page back in, by a write that
 * changes nothing (so that the kernel frees each slot as the page comes
 * back), and compares checksums.
 *
 * With FILE (the fzram file), it also reads user.fzram.mm_stat after the
 * page-out, waiting (bounded) for the stored data to reach what was swapped
 * out less the zero pages, since swap writes complete asynchronously.
 *
 * Environment for writeback.sh: SWAPFILL_MARKER=TEXT writes TEXT at the
 * start of every page that is not same-filled, so that the test can look
 * for it in a backing file; SWAPFILL_WAIT=1 prints "paused" once the pages
 * are out (and mm_stat read) and waits for a line (or end of file) on
 * stdin before touching them back in, so that the test can act on them
 * meanwhile.
 *
 * Output, one item a line, for swap.sh to parse:
 *   pages N zero_pages Z same_pages S
 *   vmswap_before_kb K
 *   vmswap_after_kb K
 *   mm_stat <the nine columns>            (with FILE)
 *   ok N pages, VmSwap peak K kB
 * Exit: 0, 1 (a mismatch or too little swapped out), 2 (usage or setup).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* the MADV_* flags of sys/mman.h */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pagecheck.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096
#define SAME_EVERY 16

static long vmswap_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSwap: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void synth_page(unsigned char *p, size_t i)
{
	size_t k;

	switch (i % 3) {
	case 0: /* text */
		for (k = 0; k < PAGE;) {
			int n = snprintf(
			    (char *)p + k, PAGE - k,
			    "%08zu page %zu line %zu of swapfill\n", i, i, k);
			if (n <= 0)
				break;
			k += (size_t)n < PAGE - k ? (size_t)n : PAGE - k;
		}
		break;
	case 1: /* zeros */
		memset(p, 0, PAGE);
		break;
	default: /* random */
		for (k = 0; k < PAGE; k += 8) {
			uint64_t r = rng();
			memcpy(p + k, &r, 8);
		}
		break;
	}
}

static int is_zero(const unsigned char *p)
{
	for (size_t k = 0; k < PAGE; k++)
		if (p[k])
			return 0;
	return 1;
}

/* mm_stat of @file into @buf; its first column in *@orig.  0 or -1. */
static int read_mm(const char *file, char *buf, size_t len, uint64_t *orig)
{
	ssize_t n = getxattr(file, "user.fzram.mm_stat", buf, len - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	*orig = strtoull(buf, NULL, 10);
	return 0;
}

int main(int argc, char **argv)
{
	const char *corpus = getenv("FZRAM_CORPUS");
	const char *marker = getenv("SWAPFILL_MARKER");
	const char *wait = getenv("SWAPFILL_WAIT");
	size_t marker_len = marker ? strlen(marker) : 0;
	const char *file = argc > 2 ? argv[2] : NULL;
	size_t mib, npages, zero_pages = 0, same_pages = 0, bad = 0;
	size_t corpus_pages = 0, i;
	unsigned char *mem;
	uint64_t *sums;
	long before, after, peak;
	int fd = -1;
	char *end;

	if (marker_len > PAGE) {
		fprintf(stderr, "swapfill: SWAPFILL_MARKER is too long\n");
		return 2;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: swapfill MIB [FZRAM_FILE]\n");
		return 2;
	}
	errno = 0;
	mib = strtoul(argv[1], &end, 10);
	if (errno || *end || mib == 0 || mib > 1 << 20) {
		fprintf(stderr, "swapfill: bad MIB '%s'\n", argv[1]);
		return 2;
	}
	npages = mib * 256;

	if (corpus && *corpus) {
		struct stat st;

		fd = open(corpus, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < PAGE) {
			fprintf(stderr, "swapfill: corpus %s: %s\n", corpus,
				fd < 0 ? strerror(errno) : "too small");
			return 2;
		}
		corpus_pages = (size_t)st.st_size / PAGE;
	}

	sums = calloc(npages, sizeof(*sums));
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sums || mem == MAP_FAILED) {
		fprintf(stderr, "swapfill: no memory for %zu MiB\n", mib);
		return 2;
	}
	/* Whole pages must be swapped, not a transparent huge page at once. */
	madvise(mem, npages * PAGE, MADV_NOHUGEPAGE);

	for (i = 0; i < npages; i++) {
		unsigned char *p = mem + i * PAGE;

		if (i % SAME_EVERY == SAME_EVERY - 1) {
			uint64_t w = 0x0101010101010101ULL * (1 + i % 251);

			for (size_t k = 0; k < PAGE; k += 8)
				memcpy(p + k, &w, 8);
			same_pages++;
		} else if (fd >= 0) {
			ssize_t n = pread(fd, p, PAGE,
					  (off_t)(i % corpus_pages) * PAGE);

			if (n != PAGE) {
				fprintf(stderr,
					"swapfill: short corpus read\n");
				return 2;
			}
		} else {
			synth_page(p, i);
		}
		if (marker_len && i % SAME_EVERY != SAME_EVERY - 1)
			memcpy(p, marker, marker_len);
		if (is_zero(p))
			zero_pages++;
		sums[i] = fnv1a(p, PAGE);
	}
	if (fd >= 0)
		close(fd);
	printf("pages %zu zero_pages %zu same_pages %zu\n", npages, zero_pages,
	       same_pages);

	before = vmswap_kb();
	printf("vmswap_before_kb %ld\n", before);
	/* Reclaim may leave some pages (busy, racing): try a few times. */
	after = before;
	for (int t = 0; t < 4; t++) {
		if (madvise(mem, npages * PAGE, MADV_PAGEOUT) < 0) {
			fprintf(stderr, "swapfill: madvise(MADV_PAGEOUT): %s\n",
				strerror(errno));
			return 2;
		}
		after = vmswap_kb();
		if (after - before >= (long)(mib * 1024) * 9 / 10)
			break;
	}
	printf("vmswap_after_kb %ld\n", after);
	peak = after;
	fflush(stdout);
	if (before < 0 || after - before < (long)(mib * 1024) / 2) {
		fprintf(stderr,
			"swapfill: VmSwap grew by %ld kB, less than half of "
			"%zu MiB\n",
			after - before, mib);
		bad = 1;
	}

	if (file) {
		/* Pages still out that are not zero should all be stored. */
		long out = (after - before) / 4;
		uint64_t want = 0, orig = 0;
		char mm[512];
		int tries = 300;

		if (out > (long)zero_pages)
			want =
			    (uint64_t)(out - (long)zero_pages) * PAGE / 10 * 9;
		while (read_mm(file, mm, sizeof(mm), &orig) == 0 &&
		       orig < want && --tries > 0) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
		if (read_mm(file, mm, sizeof(mm), &orig) < 0) {
			fprintf(stderr, "swapfill: getxattr %s: %s\n", file,
				strerror(errno));
			return 2;
		}
		printf("mm_stat %s\n", mm);
		fflush(stdout);
	}
	if (wait && *wait && strcmp(wait, "0") != 0) {
		char line[16];

		printf("paused\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			clearerr(stdin); /* end of file: go on as well */
	}

	for (i = 0; i < npages; i++) {
		uint64_t h;

		/*
		 * Touch the page first with a write that changes nothing (a
		 * locked add of 0 faults as a write): the kernel frees the
		 * swap slot of a page swapped in by a write fault at once,
		 * where a read fault leaves it to the swap cache, to be freed
		 * (and discarded) whenever reclaim gets to it.
		 */
		__atomic_fetch_add((uint64_t *)(void *)(mem + i * PAGE), 0,
				   __ATOMIC_RELAXED);
		h = fnv1a(mem + i * PAGE, PAGE);

		if (h != sums[i]) {
			if (bad < 10)
				fprintf(stderr,
					"swapfill: page %zu differs after "
					"swap-in\n",
					i);
			bad++;
		}
	}
	if (vmswap_kb() > peak)
		peak = vmswap_kb();
	munmap(mem, npages * PAGE);
	free(sums);
	if (fd >= 0)
		close(fd);
	if (bad) {
		fprintf(stderr, "swapfill: FAILED (%zu problems)\n", bad);
		return 1;
	}
	printf("ok %zu pages, VmSwap peak %ld kB\n", npages, peak);
	return 0;
}
