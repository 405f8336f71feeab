/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procstat.h - what bench/pageout.c, bench/pidout.c and bench/swapin.c
 * read of the machine: a monotonic clock, /proc/meminfo-style fields, the
 * machine's busy CPU time, waiting for writeback, and emptying a memory
 * cgroup's swap cache; and, for pageout.c and swapin.c, filling their
 * memory with corpus pages and sorting latencies; bench/sustain.c uses the
 * clock.  Static functions: include it in one .c file per program.
 */
#ifndef FZRAM_BENCH_PROCSTAT_H
#define FZRAM_BENCH_PROCSTAT_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/integ/pagecheck.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* @key's value in kB from @file ("Key:   123 kB" lines), or -1. */
static inline long kb_of(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	char line[256];
	size_t n = strlen(key);
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/*
 * Seconds the machine's CPUs have spent polling while idle (cpuidle's
 * POLL state, /sys/devices/system/cpu/cpuN/cpuidle/stateK/time in
 * microseconds): busy for the host or the package, though the kernel
 * counts it as idle.  fzram's cpu_latency hold (cpulat.h) makes idle CPUs
 * poll, so the CPU figures count it as busy.
 */
/* Open /sys/devices/system/cpu/cpu@cpu/cpuidle/state@k/@leaf, or NULL. */
static inline FILE *cpuidle_open(int cpu, int k, const char *leaf)
{
	char path[96];

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/%s", cpu, k,
		 leaf);
	return fopen(path, "r");
}

static inline double cpu_poll(void)
{
	char path[64], name[16];
	unsigned long long us;
	double s = 0;

	for (int cpu = 0;; cpu++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d",
			 cpu);
		if (access(path, F_OK))
			return s; /* no more CPUs */
		for (int k = 0;; k++) {
			FILE *f = cpuidle_open(cpu, k, "name");
			int is_poll;

			if (!f)
				break; /* no more states (or no cpuidle) */
			is_poll = fgets(name, sizeof(name), f) &&
				  !strncmp(name, "POLL", 4);
			fclose(f);
			if (!is_poll || !(f = cpuidle_open(cpu, k, "time")))
				continue;
			if (fscanf(f, "%llu", &us) == 1)
				s += us / 1e6;
			fclose(f);
		}
	}
}

/* Busy seconds of the whole machine so far, from the "cpu" line, with the
 * time idle CPUs spent polling (cpu_poll()). */
static inline double cpu_busy(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
		   (hz > 0 ? hz : 100) +
	       cpu_poll();
}

/* Wait (at most 60 s) until Writeback in /proc/meminfo is below 1 MiB. */
static inline void wait_writeback(void)
{
	struct timespec ts = {0, 200 * 1000};

	for (int i = 0; i < 300000; i++) {
		long wb = kb_of("/proc/meminfo", "Writeback");

		if (wb >= 0 && wb < 1024)
			return;
		nanosleep(&ts, NULL);
	}
}

/*
 * Drop the pages left in the swap cache of a memory cgroup: write to its
 * control @file (cgroup v2 memory.reclaim: @bytes; v1 memory.force_empty:
 * 0).  @prog prefixes the messages.  Nothing if @file is NULL or empty.
 */
static inline void reclaim_cgroup(const char *prog, const char *file,
				  size_t bytes)
{
	char buf[64];
	int fd, n;

	if (!file || !*file)
		return;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
		return;
	}
	if (strstr(file, "force_empty"))
		n = snprintf(buf, sizeof(buf), "0\n");
	else
		n = snprintf(buf, sizeof(buf), "%zu\n", bytes);
	/* memory.reclaim answers EAGAIN when it found less than asked. */
	if (write(fd, buf, (size_t)n) < 0 && errno != EAGAIN)
		fprintf(stderr, "%s: write %s: %s\n", prog, file,
			strerror(errno));
	close(fd);
}

/* qsort()'s order of doubles. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Fill the @npages pages at @mem with the @corpus_pages pages of the file
 * @fd, cycling; each page's checksum to @sums[i], and @order[i] = i.
 * @prog prefixes the message.  Return: 0, or -1 on a short read.
 */
static inline int fill_from_corpus(const char *prog, unsigned char *mem,
				   size_t npages, int fd, size_t corpus_pages,
				   uint64_t *sums, size_t *order)
{
	for (size_t i = 0; i < npages; i++) {
		unsigned char *p = mem + i * 4096;

		if (pread(fd, p, 4096, (off_t)(i % corpus_pages) * 4096) !=
		    4096) {
			fprintf(stderr, "%s: short corpus read\n", prog);
			return -1;
		}
		sums[i] = fnv1a(p, 4096);
		order[i] = i;
	}
	return 0;
}

#endif /* FZRAM_BENCH_PROCSTAT_H */
