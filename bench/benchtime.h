/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * benchtime.h - what the engine's benchmarks (bench_store.c,
 * bench_writeback.c, bench_recomp.c, bench_dict.c) share: wall and process
 * CPU clocks in seconds, and the median of a set of figures.  Static inline
 * functions.
 */
#ifndef FZRAM_BENCH_BENCHTIME_H
#define FZRAM_BENCH_BENCHTIME_H

#include <stdlib.h>
#include <time.h>

/* now() - CLOCK_MONOTONIC, in seconds. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cpu_now() - the process's CPU time (user and system), in seconds. */
static inline double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median() - the median of the @n figures at @v (sorts them in place). */
static inline double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* FZRAM_BENCH_BENCHTIME_H */
