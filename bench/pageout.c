// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pageout - push N MiB of this process's own memory to swap with
 * madvise(MADV_PAGEOUT) and time the way out and the ways back in, for
 * bench/vs-zram.  It measures whatever swap is active: the harness makes
 * sure that is the one device under test.
 *
 *   usage: pageout [-s] [-S SEED] MIB CORPUS
 *
 * It maps MIB MiB of private anonymous memory (no huge pages), fills it
 * with the 4 KiB pages of CORPUS (cycling) and keeps a checksum per page.
 * Then:
 *
 *   out     t0; madvise(MADV_PAGEOUT) on the whole region; wait until the
 *           machine's Writeback (/proc/meminfo) has drained, since swap
 *           writes to a loop device complete asynchronously; t1.  VmSwap
 *           must have grown by at least 90% of MIB.
 *   reclaim pages whose write completed after reclaim looked at them stay
 *           in the swap cache, and a fault on them would not reach the
 *           device: if $PAGEOUT_RECLAIM names a cgroup control file
 *           (v2 memory.reclaim, or v1 memory.force_empty of a cgroup that
 *           holds only this process), write to it.  Not timed.
 *   seqin   read the first byte of every page in address order (timed),
 *           then verify every checksum (not timed).
 *   out     page out again (not timed) and reclaim as above.
 *   randin  read the first byte of every page in a seeded random order,
 *           timing each fault with clock_gettime(CLOCK_MONOTONIC); p50 and
 *           p99 of those; verify every checksum.
 *
 * CPU time is the whole machine's busy time from /proc/stat (user, nice,
 * system, irq, softirq, steal) over each timed phase: it includes the
 * kernel's and a swap daemon's work, and anything else that runs.
 *
 * With $PAGEOUT_TRACE set to a tracefs directory (/sys/kernel/tracing), it
 * turns tracing on (tracing_on) for the random swap-in alone and writes a
 * marker ("pageout randin start", "... end") at each end, for
 * bench/faultsplit to cut each fault into its stages.
 *
 * With -s, it stops twice for the harness: after the fill it prints
 * "filled" and reads a line from stdin; after the first page-out (and
 * reclaim) it prints "paged" and reads a line again.
 *
 * Output: one line of key=value figures, starting with "pageout".
 * Exit: 0, 1 (a page differs or too little was swapped out), 2 (usage or
 * setup).
 */
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
#include <time.h>
#include <unistd.h>

#include "procstat.h" /* and pagecheck.h */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096

/* Drop this process's pages left in the swap cache; see the top. */
static void reclaim(size_t bytes)
{
	reclaim_cgroup("pageout", getenv("PAGEOUT_RECLAIM"), bytes);
}

/* Tracing on or off around the random swap-in; see the top. */
static void trace_set(int on)
{
	const char *dir = getenv("PAGEOUT_TRACE");
	char path[512], mark[64];
	int fd, n;

	if (!dir || !*dir)
		return;
	n = snprintf(mark, sizeof(mark), "pageout randin %s\n",
		     on ? "start" : "end");
	for (int step = 0; step < 2; step++) {
		/* on: tracing on, then the marker; off: marker, then off */
		if ((step == 0) == (on != 0)) {
			snprintf(path, sizeof(path), "%s/tracing_on", dir);
			fd = open(path, O_WRONLY);
			if (fd < 0 || write(fd, on ? "1" : "0", 1) != 1)
				fprintf(stderr, "pageout: %s: %s\n", path,
					strerror(errno));
		} else {
			snprintf(path, sizeof(path), "%s/trace_marker", dir);
			fd = open(path, O_WRONLY);
			if (fd < 0 || write(fd, mark, (size_t)n) != n)
				fprintf(stderr, "pageout: %s: %s\n", path,
					strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
}

static void handshake(int on, const char *what)
{
	char line[64];

	if (!on)
		return;
	printf("%s\n", what);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		exit(2);
}

static size_t verify(const unsigned char *mem, const uint64_t *sums,
		     size_t npages, const char *phase)
{
	size_t bad = 0;

	for (size_t i = 0; i < npages; i++)
		if (fnv1a(mem + i * PAGE, PAGE) != sums[i]) {
			if (bad < 10)
				fprintf(stderr,
					"pageout: page %zu differs after %s\n",
					i, phase);
			bad++;
		}
	return bad;
}

static int pageout(unsigned char *mem, size_t len)
{
	if (madvise(mem, len, MADV_PAGEOUT) < 0) {
		fprintf(stderr, "pageout: madvise(MADV_PAGEOUT): %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib, npages, corpus_pages, i, bad = 0, len;
	int stop = 0, opt, fd;
	unsigned char *mem;
	uint64_t *sums;
	size_t *order;
	double *lat;
	volatile unsigned char sink = 0;
	double t0, t1, c0, c1, out_s, out_cpu, seq_s, seq_cpu, rnd_s, rnd_cpu;
	long swap0, swap1, sc_before, sc_after;
	struct stat st;
	char *end;

	while ((opt = getopt(argc, argv, "sS:")) != -1) {
		switch (opt) {
		case 's':
			stop = 1;
			break;
		case 'S':
			rng_state = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	errno = 0;
	mib = strtoul(argv[optind], &end, 10);
	if (errno || *end || mib == 0 || mib > 1 << 20)
		goto usage;
	npages = mib * 256;
	len = npages * PAGE;

	fd = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < PAGE) {
		fprintf(stderr, "pageout: corpus %s: %s\n", argv[optind + 1],
			fd < 0 ? strerror(errno) : "too small");
		return 2;
	}
	corpus_pages = (size_t)st.st_size / PAGE;

	sums = calloc(npages, sizeof(*sums));
	order = calloc(npages, sizeof(*order));
	lat = calloc(npages, sizeof(*lat));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sums || !order || !lat || mem == MAP_FAILED) {
		fprintf(stderr, "pageout: no memory for %zu MiB\n", mib);
		return 2;
	}
	/* Whole pages must be swapped, not a transparent huge page at once. */
	madvise(mem, len, MADV_NOHUGEPAGE);
	if (fill_from_corpus("pageout", mem, npages, fd, corpus_pages, sums,
			     order))
		return 2;
	close(fd);
	for (i = npages - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	handshake(stop, "filled");

	/* Out, timed. */
	swap0 = kb_of("/proc/self/status", "VmSwap");
	c0 = cpu_busy();
	t0 = now();
	if (pageout(mem, len) < 0)
		return 2;
	wait_writeback();
	t1 = now();
	c1 = cpu_busy();
	out_s = t1 - t0;
	out_cpu = c1 - c0;
	swap1 = kb_of("/proc/self/status", "VmSwap");
	sc_before = kb_of("/proc/meminfo", "SwapCached");
	reclaim(len);
	sc_after = kb_of("/proc/meminfo", "SwapCached");
	if (swap1 - swap0 < (long)(mib * 1024) * 9 / 10) {
		fprintf(stderr,
			"pageout: VmSwap grew by %ld kB, less than 90%% of "
			"%zu MiB\n",
			swap1 - swap0, mib);
		bad++;
	}
	handshake(stop, "paged");

	/* Sequential in, timed; verify after. */
	c0 = cpu_busy();
	t0 = now();
	for (i = 0; i < npages; i++)
		sink += mem[i * PAGE];
	t1 = now();
	c1 = cpu_busy();
	seq_s = t1 - t0;
	seq_cpu = c1 - c0;
	bad += verify(mem, sums, npages, "sequential swap-in");

	/* Out again, not timed. */
	if (pageout(mem, len) < 0)
		return 2;
	wait_writeback();
	reclaim(len);

	/* Random in, each fault timed; verify after. */
	trace_set(1);
	c0 = cpu_busy();
	t0 = now();
	for (i = 0; i < npages; i++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		sink += mem[order[i] * PAGE];
		clock_gettime(CLOCK_MONOTONIC, &b);
		lat[i] = (b.tv_sec - a.tv_sec) * 1e6 +
			 (b.tv_nsec - a.tv_nsec) / 1e3;
	}
	t1 = now();
	c1 = cpu_busy();
	trace_set(0);
	rnd_s = t1 - t0;
	rnd_cpu = c1 - c0;
	bad += verify(mem, sums, npages, "random swap-in");
	qsort(lat, npages, sizeof(*lat), cmp_double);

	printf("pageout mib=%zu pages=%zu swapped_kb=%ld swapcached_kb=%ld "
	       "swapcached_after_reclaim_kb=%ld out_s=%.4f out_mbs=%.1f "
	       "seqin_s=%.4f seqin_mbs=%.1f randin_s=%.4f randin_mbs=%.1f "
	       "lat_p50_us=%.2f lat_p99_us=%.2f cpu_out_s=%.2f "
	       "cpu_seqin_s=%.2f cpu_randin_s=%.2f bad=%zu\n",
	       mib, npages, swap1 - swap0, sc_before, sc_after, out_s,
	       (swap1 - swap0) / 1024.0 / out_s, seq_s, mib / seq_s, rnd_s,
	       mib / rnd_s, lat[npages / 2], lat[npages * 99 / 100], out_cpu,
	       seq_cpu, rnd_cpu, bad);
	(void)sink;
	munmap(mem, len);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: pageout [-s] [-S SEED] MIB CORPUS\n");
	return 2;
}
