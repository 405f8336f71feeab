// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * swapin - page this process's own memory out and time single-page
 * swap-in faults on command, for bench/recomp-swapin.  Like pageout, it
 * measures whatever swap is active: the harness makes sure that is the one
 * device under test.
 *
 *   usage: swapin [-S SEED] MIB CORPUS
 *
 * It maps MIB MiB of private anonymous memory (no huge pages), fills it
 * with the 4 KiB pages of CORPUS (cycling), keeps a checksum per page and
 * prints "filled pages=N".  Then it reads commands on stdin, one a line,
 * and answers each with one line on stdout:
 *
 *   out        madvise(MADV_PAGEOUT) on the whole region; wait until the
 *              machine's Writeback has drained; if $SWAPIN_RECLAIM names a
 *              cgroup control file (v1 memory.force_empty, v2
 *              memory.reclaim of a cgroup holding only this process),
 *              write to it, so that no page is left in the swap cache and
 *              every fault below reaches the device.
 *              -> "out swapped_kb=.. swapcached_kb=.. after_reclaim_kb=.."
 *   in K US [W]  touch one byte of K pages (0: all) in a fresh seeded
 *              random order, one every US microseconds (0: back to back),
 *              timing each touch; stop early when a line arrives on stdin
 *              (it is consumed) or the pages run out.  With W > 0, after
 *              every W-th touch (not timed) the page just read is written
 *              (its first byte, with the value it has) and paged out
 *              alone: a swap-out, a write to the device, among the reads.
 *              Only major faults (the page read from the swap device, by
 *              getrusage's ru_majflt) count in the figures; the others are
 *              counted as "minor" (a page still in the swap cache, or
 *              resident).
 *              -> "in touched=.. major=.. minor=.. p50_us=.. p99_us=..
 *                  p999_us=.. max_us=.. max_at_s=.. over_10ms=..
 *                  mean_us=.. writes=.. secs=.. cpu_s=.."
 *              (max_at_s: when the slowest fault began, in seconds from
 *              the command; over_10ms: faults that took more than 10 ms;
 *              cpu_s: the whole machine's busy CPU seconds meanwhile)
 *   dirty      write the first byte of every page with the value it has:
 *              every page dirty, so that the next "out" writes all of
 *              them again (fresh slots).  -> "dirty pages=N"
 *   verify     compare every page with its checksum (faults the rest in).
 *              -> "verify bad=N"
 *   quit       exit: 0 if every verify found every page equal, else 1.
 *
 * Exit: 0, 1 (a page differed), 2 (usage, setup or a failed call).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* the MADV_* flags of sys/mman.h */
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h" /* and pagecheck.h */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096

static unsigned char *mem;
static size_t npages;
static uint64_t *sums;
static size_t *order;
static double *lat;

/* One line of stdin into @buf (without the newline), read byte by byte so
 * that poll() on fd 0 sees whatever is left.  Return: 0, or -1 at EOF. */
static int read_line(char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(0, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? 0 : -1;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = 0;
	return 0;
}

static int line_waiting(void)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};

	return poll(&p, 1, 0) > 0;
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

static int do_out(void)
{
	long sc0, sc1, sw;

	if (madvise(mem, npages * PAGE, MADV_PAGEOUT) < 0) {
		fprintf(stderr, "swapin: madvise(MADV_PAGEOUT): %s\n",
			strerror(errno));
		return -1;
	}
	wait_writeback();
	sc0 = kb_of("/proc/meminfo", "SwapCached");
	reclaim_cgroup("swapin", getenv("SWAPIN_RECLAIM"), npages * PAGE);
	sc1 = kb_of("/proc/meminfo", "SwapCached");
	sw = kb_of("/proc/self/status", "VmSwap");
	printf("out swapped_kb=%ld swapcached_kb=%ld after_reclaim_kb=%ld\n",
	       sw, sc0, sc1);
	return 0;
}

static void do_in(size_t want, long pace_us, size_t every)
{
	volatile unsigned char sink = 0;
	size_t i, nmaj = 0, nmin = 0, over = 0, writes = 0;
	struct timespec next;
	double max = 0, max_at = 0;
	double t0 = now(), c0 = cpu_busy(), sum = 0;
	char line[64];

	if (!want || want > npages)
		want = npages;
	for (i = npages - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < want; i++) {
		struct timespec a, b;
		long m0;

		if (line_waiting()) {
			read_line(line, sizeof(line));
			break;
		}
		if (pace_us > 0) {
			next.tv_nsec += pace_us * 1000;
			next.tv_sec += next.tv_nsec / 1000000000;
			next.tv_nsec %= 1000000000;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
					NULL);
		}
		m0 = majflt();
		clock_gettime(CLOCK_MONOTONIC, &a);
		sink += mem[order[i] * PAGE];
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (every && (i + 1) % every == 0) {
			volatile unsigned char *v = mem + order[i] * PAGE;

			*v = *v;
			if (madvise(mem + order[i] * PAGE, PAGE,
				    MADV_PAGEOUT) == 0)
				writes++;
		}
		if (majflt() == m0) {
			nmin++;
			continue;
		}
		lat[nmaj] = (b.tv_sec - a.tv_sec) * 1e6 +
			    (b.tv_nsec - a.tv_nsec) / 1e3;
		if (lat[nmaj] > max) {
			max = lat[nmaj];
			max_at = a.tv_sec + a.tv_nsec / 1e9 - t0;
		}
		over += lat[nmaj] > 10000;
		sum += lat[nmaj++];
	}
	(void)sink;
	qsort(lat, nmaj, sizeof(*lat), cmp_double);
	if (!nmaj) {
		printf("in touched=%zu major=0 minor=%zu writes=%zu secs=%.2f "
		       "cpu_s=%.2f\n",
		       i, nmin, writes, now() - t0, cpu_busy() - c0);
		return;
	}
	printf("in touched=%zu major=%zu minor=%zu p50_us=%.1f p99_us=%.1f "
	       "p999_us=%.1f max_us=%.1f max_at_s=%.2f over_10ms=%zu "
	       "mean_us=%.1f writes=%zu secs=%.2f cpu_s=%.2f\n",
	       i, nmaj, nmin, lat[nmaj / 2], lat[nmaj * 99 / 100],
	       lat[nmaj * 999 / 1000], lat[nmaj - 1], max_at, over,
	       sum / nmaj, writes, now() - t0, cpu_busy() - c0);
}

static void do_dirty(void)
{
	for (size_t i = 0; i < npages; i++) {
		volatile unsigned char *v = mem + i * PAGE;

		*v = *v;
	}
	printf("dirty pages=%zu\n", npages);
}

static size_t do_verify(void)
{
	size_t bad = 0;

	for (size_t i = 0; i < npages; i++)
		if (fnv1a(mem + i * PAGE, PAGE) != sums[i]) {
			if (bad < 10)
				fprintf(stderr, "swapin: page %zu differs\n",
					i);
			bad++;
		}
	printf("verify bad=%zu\n", bad);
	return bad;
}

int main(int argc, char **argv)
{
	size_t mib, corpus_pages, bad = 0;
	char line[128], *end;
	struct stat st;
	int opt, fd;

	while ((opt = getopt(argc, argv, "S:")) != -1) {
		if (opt != 'S')
			goto usage;
		rng_state = strtoull(optarg, NULL, 0) | 1;
	}
	if (argc - optind != 2)
		goto usage;
	errno = 0;
	mib = strtoul(argv[optind], &end, 10);
	if (errno || *end || mib == 0 || mib > 1 << 20)
		goto usage;
	npages = mib * 256;

	fd = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < PAGE) {
		fprintf(stderr, "swapin: corpus %s: %s\n", argv[optind + 1],
			fd < 0 ? strerror(errno) : "too small");
		return 2;
	}
	corpus_pages = (size_t)st.st_size / PAGE;
	sums = calloc(npages, sizeof(*sums));
	order = calloc(npages, sizeof(*order));
	lat = calloc(npages, sizeof(*lat));
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sums || !order || !lat || mem == MAP_FAILED) {
		fprintf(stderr, "swapin: no memory for %zu MiB\n", mib);
		return 2;
	}
	/* Whole pages must be swapped, not a transparent huge page at once. */
	madvise(mem, npages * PAGE, MADV_NOHUGEPAGE);
	if (fill_from_corpus("swapin", mem, npages, fd, corpus_pages, sums,
			     order))
		return 2;
	close(fd);
	printf("filled pages=%zu\n", npages);
	fflush(stdout);

	while (read_line(line, sizeof(line)) == 0) {
		size_t k, w = 0;
		long us;

		if (!strcmp(line, "out")) {
			if (do_out() < 0)
				return 2;
		} else if (sscanf(line, "in %zu %ld %zu", &k, &us, &w) >= 2) {
			do_in(k, us, w);
		} else if (!strcmp(line, "dirty")) {
			do_dirty();
		} else if (!strcmp(line, "verify")) {
			bad += do_verify();
		} else if (!strcmp(line, "quit")) {
			break;
		} else if (!strcmp(line, "stop")) {
			/* a stop that came after the pages ran out */
			continue;
		} else {
			printf("error unknown command '%s'\n", line);
		}
		fflush(stdout);
	}
	munmap(mem, npages * PAGE);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: swapin [-S SEED] MIB CORPUS\n");
	return 2;
}
