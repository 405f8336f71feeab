// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sustain - sustained swapping that checks every page it touches, for
 * bench/vs-zram's fifth workload.  Run it in a memory cgroup far below MIB:
 * the kernel's own reclaim does the swapping.
 *
 *   usage: sustain [-S SECONDS] [-w PERMILLE] [-r SEED] MIB [CORPUS]
 *
 * It maps MIB MiB of private anonymous memory (no huge pages) and fills
 * every page: with a page of CORPUS (the pages in turn, cycling), or
 * without a corpus with generated text (words from a small vocabulary and
 * runs of zeros: about as compressible as the corpus).  The first 16
 * bytes of each page are its stamp: the page's number and how many times
 * it was rewritten, so that no two pages are equal and a page returned in
 * another's place is caught.  A 64-bit checksum per page is kept outside
 * that memory.
 *
 * Then for SECONDS (default 120) it touches pages chosen at random
 * (uniformly, from a seeded xorshift): each touched page is checked
 * against its checksum, and PERMILLE of them (default 250) are then
 * rewritten with another page (another corpus page, or newly generated)
 * and a new stamp.  When the first touch starts it prints "touching";
 * when the time is up
 *
 *   ran touches=N rewrites=N wrong=N seconds=S
 *
 * and waits for a line on stdin (the harness reads the swap's state while
 * the memory is still held); then it checks every page once more and
 * prints
 *
 *   sustain ok=0|1 wrong=N final_wrong=N touches=N rewrites=N seconds=S
 *           touches_per_s=N
 *
 * where wrong counts the pages found wrong during the run (each page
 * once) and final_wrong those wrong in the last check.  Exit: 0 when no
 * page was wrong, 1 when one was, 2 on usage or setup errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* MADV_NOHUGEPAGE */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procstat.h" /* and pagecheck.h */

#define PAGE 4096
#define STAMP 16 /* bytes: page number, generation */

struct pages {
	unsigned char *mem;
	size_t npages;
	uint64_t *sums;		/* sums[i]: fnv1a of page i as last written */
	uint32_t *gen;		/* gen[i]: times page i was rewritten */
	unsigned char *wrong;	/* wrong[i]: page i was found wrong */
	int corpus_fd;		/* -1: generated pages */
	size_t corpus_pages;
	size_t next;		/* the next corpus page to use */
};

/* Text with runs of zeros, from the xorshift: compresses about 2-3x. */
static void generate(unsigned char *p)
{
	static const char *const words[] = {
	    "swap ", "page ", "slot ", "pool ", "zone ", "memory ", "kernel ",
	    "reclaim ", "cgroup ", "compress ", "the ", "of ", "and ", "to ",
	    "a ", "in ", "is ", "it ", "that ", "for "};
	size_t off = 0;

	while (off < PAGE) {
		uint64_t r = rng();

		if ((r & 15) == 0) { /* a run of zeros, up to 255 bytes */
			size_t n = (r >> 8) & 255;

			if (n > PAGE - off)
				n = PAGE - off;
			memset(p + off, 0, n);
			off += n;
		} else if ((r & 15) == 1) { /* a number: random digits */
			for (int k = 0; k < 6 && off < PAGE; k++)
				p[off++] = (unsigned char)('0' + (r >> (8 + 4 * k)) % 10);
		} else {
			const char *w = words[(r >> 8) % 20];
			size_t n = strlen(w);

			if (n > PAGE - off)
				n = PAGE - off;
			memcpy(p + off, w, n);
			off += n;
		}
	}
}

/* (Re)write page @i: new content, a new stamp, its checksum. */
static int write_page(struct pages *pg, size_t i)
{
	unsigned char *p = pg->mem + i * PAGE;
	uint64_t stamp[2] = {i, pg->gen[i]};

	if (pg->corpus_fd >= 0) {
		off_t at = (off_t)(pg->next++ % pg->corpus_pages) * PAGE;

		if (pread(pg->corpus_fd, p, PAGE, at) != PAGE) {
			fprintf(stderr, "sustain: short corpus read\n");
			return -1;
		}
	} else {
		generate(p);
	}
	memcpy(p, stamp, STAMP);
	pg->sums[i] = fnv1a(p, PAGE);
	return 0;
}

/* Check page @i; a wrong one is reported (the first ten) and marked.
 * Return: 1 when it is wrong, else 0. */
static int check_page(struct pages *pg, size_t i, const char *when)
{
	if (fnv1a(pg->mem + i * PAGE, PAGE) == pg->sums[i])
		return 0;
	if (!pg->wrong[i]) {
		static unsigned reported;

		if (reported++ < 10)
			fprintf(stderr, "sustain: page %zu is wrong %s\n", i,
				when);
		pg->wrong[i] = 1;
	}
	return 1;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 120, permille = 250, mib, v;
	size_t touches = 0, rewrites = 0, wrong = 0, final_wrong = 0, i;
	struct pages pg = {.corpus_fd = -1};
	double t0, t1;
	char line[64];
	int opt;

	while ((opt = getopt(argc, argv, "S:w:r:")) != -1) {
		switch (opt) {
		case 'S':
			if (parse_ul(optarg, 1UL << 30, &seconds) || !seconds)
				goto usage;
			break;
		case 'w':
			if (parse_ul(optarg, 1000, &permille))
				goto usage;
			break;
		case 'r':
			if (parse_ul(optarg, ~0UL, &v))
				goto usage;
			rng_state = v | 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 1 || argc - optind > 2 ||
	    parse_ul(argv[optind], 1UL << 20, &mib) || !mib)
		goto usage;
	if (argc - optind == 2) {
		struct stat st;

		pg.corpus_fd = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
		if (pg.corpus_fd < 0 || fstat(pg.corpus_fd, &st) < 0 ||
		    st.st_size < PAGE) {
			fprintf(stderr, "sustain: corpus %s: %s\n",
				argv[optind + 1],
				pg.corpus_fd < 0 ? strerror(errno)
						 : "too small");
			return 2;
		}
		pg.corpus_pages = (size_t)st.st_size / PAGE;
	}

	pg.npages = mib * (1 << 20) / PAGE;
	pg.sums = calloc(pg.npages, sizeof(*pg.sums));
	pg.gen = calloc(pg.npages, sizeof(*pg.gen));
	pg.wrong = calloc(pg.npages, 1);
	pg.mem = mmap(NULL, pg.npages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pg.sums || !pg.gen || !pg.wrong || pg.mem == MAP_FAILED) {
		fprintf(stderr, "sustain: no memory for %lu MiB\n", mib);
		return 2;
	}
	/* Whole pages must be swapped, not a transparent huge page at once. */
	madvise(pg.mem, pg.npages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pg.npages; i++)
		if (write_page(&pg, i))
			return 2;

	printf("touching\n");
	fflush(stdout);
	t0 = now();
	do {
		/* Between clock reads, a batch of touches. */
		for (int k = 0; k < 256; k++) {
			i = rng() % pg.npages;
			check_page(&pg, i, "during the run");
			touches++;
			if (rng() % 1000 < permille) {
				pg.gen[i]++;
				if (write_page(&pg, i))
					return 2;
				rewrites++;
			}
		}
		t1 = now();
	} while (t1 - t0 < (double)seconds);
	for (i = 0; i < pg.npages; i++)
		wrong += pg.wrong[i];
	printf("ran touches=%zu rewrites=%zu wrong=%zu seconds=%.1f\n",
	       touches, rewrites, wrong, t1 - t0);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 2;

	for (i = 0; i < pg.npages; i++)
		final_wrong += check_page(&pg, i, "in the last check");
	wrong = 0;
	for (i = 0; i < pg.npages; i++)
		wrong += pg.wrong[i];
	printf("sustain ok=%d wrong=%zu final_wrong=%zu touches=%zu "
	       "rewrites=%zu seconds=%.1f touches_per_s=%.0f\n",
	       !wrong, wrong, final_wrong, touches, rewrites, t1 - t0,
	       touches / (t1 - t0));
	munmap(pg.mem, pg.npages * PAGE);
	return wrong ? 1 : 0;
usage:
	fprintf(stderr, "usage: sustain [-S SECONDS] [-w PERMILLE] [-r SEED] "
			"MIB [CORPUS]\n");
	return 2;
}
