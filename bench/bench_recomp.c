// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_recomp.c - recompression on the real-memory corpus, the figures of
 * issue 11's targets:
 *   - the stored data's orig/compr ratio with the primary alone, and after
 *     "idle all" + recompress type=idle with a secondary (default zstd:19),
 *     and the second over the first;
 *   - the recompression's rate (pages/s tried, MB/s of pages) and CPU s;
 *   - the latency of reading a recompressed slot against reading a slot of
 *     a store whose primary is zstd:1 (p50, p99; random order, one thread,
 *     every page checked);
 *   - what the request path loses meanwhile: the read latency of slots on
 *     one thread while a recompression (of every slot, on a second store:
 *     reads clear idle marks) runs on another, against the same reads with
 *     nothing running.
 * A benchmark: it prints figures and asserts none (it fails only when a
 * page reads back wrong or a step fails).
 *
 *   bench_recomp [-c CORPUS] [-p ALG[:LEVEL]] [-s ALG[:LEVEL]] [-n READS]
 *
 * -p is the primary (default lz4), -s the secondary (default zstd:19).
 * CORPUS defaults to $FZRAM_CORPUS, then bench/corpus.bin.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchtime.h"
#include "codec.h"
#include "store.h"

#define PG FZ_PAGE_SIZE

static const unsigned char *corpus;
static uint64_t npages;

static int parse(const char *spec, char *name, size_t len, int *level)
{
	const char *c = strchr(spec, ':');

	snprintf(name, len, "%.*s", c ? (int)(c - spec) : (int)strlen(spec),
		 spec);
	*level = c ? atoi(c + 1) : CODEC_LEVEL_DEFAULT;
	return 0;
}

static struct store *fill(const char *alg, int level)
{
	struct store_config cfg = {.size = npages * PG,
				   .algorithm = alg,
				   .level = level};
	struct store *s = NULL;
	int ret = store_create(&cfg, &s);

	if (ret) {
		fprintf(stderr, "bench_recomp: %s: %s\n", alg, strerror(-ret));
		exit(1);
	}
	for (uint64_t i = 0; i < npages; i++)
		if (store_write(s, i, corpus + i * PG)) {
			fprintf(stderr, "bench_recomp: store_write failed\n");
			exit(1);
		}
	return s;
}

static double ratio(struct store *s)
{
	struct stats_mm mm;

	store_mm(s, &mm);
	return (double)mm.orig_data_size / (double)mm.compr_data_size;
}

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Read @n random slots (only recompressed ones if @recomp_only), every one
 * checked; their latencies in @lat, in microseconds. */
static void reads(struct store *s, unsigned int n, double *lat, uint64_t seed,
		  bool recomp_only)
{
	unsigned char page[PG];

	for (unsigned int i = 0; i < n;) {
		uint64_t slot = rng(&seed) % npages;
		unsigned int fl, len;
		double t;

		store_slot_info(s, slot, &fl, &len);
		if (recomp_only &&
		    !(fl & (1u << (STORE_F_RECOMP - STORE_F_SAME))))
			continue;
		t = now();
		if (store_read(s, slot, page) ||
		    memcmp(page, corpus + slot * PG, PG)) {
			fprintf(stderr, "bench_recomp: slot %llu wrong\n",
				(unsigned long long)slot);
			exit(1);
		}
		lat[i++] = (now() - t) * 1e6;
	}
}

static double pct(double *v, unsigned int n, double p)
{
	median(v, n); /* sorts */
	return v[(size_t)(n * p)];
}

struct bg {
	struct store *s;
	unsigned int mode; /* the request's type */
	uint64_t done;
	double secs, cpu;
	int ret;
	int finished; /* atomic */
};

static void *run_recomp(void *arg)
{
	struct bg *b = arg;
	struct store_recomp_req r = {.mode = b->mode};
	struct timespec ts;
	double t0 = now(), c0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	c0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	b->ret = store_recompress(b->s, &r, &b->done);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	b->cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - c0;
	b->secs = now() - t0;
	__atomic_store_n(&b->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FZRAM_CORPUS"), *pri = "lz4", *sec = "zstd:19";
	unsigned int nreads = 20000;
	char pname[32], sname[32];
	int plevel, slevel, opt, fd;
	unsigned char *buf;
	struct stat sb;
	double *lat, *lat2, r_pri, r_after, idle_p50, idle_p99;
	struct store *s, *z1;
	struct bg b;
	pthread_t t;

	while ((opt = getopt(argc, argv, "c:p:s:n:h")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'p':
			pri = optarg;
			break;
		case 's':
			sec = optarg;
			break;
		case 'n':
			nreads = (unsigned int)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench_recomp [-c CORPUS] "
					"[-p ALG[:LEVEL]] [-s ALG[:LEVEL]] "
					"[-n READS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nreads < 100) {
		fprintf(stderr, "bench_recomp: -n takes at least 100\n");
		return 2;
	}
	if (!path)
		path = "bench/corpus.bin";
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < PG) {
		fprintf(stderr, "bench_recomp: %s: no corpus (make corpus)\n",
			path);
		return 1;
	}
	npages = (uint64_t)sb.st_size / PG;
	buf = malloc(npages * PG);
	lat = malloc(nreads * sizeof(*lat));
	lat2 = malloc(nreads * sizeof(*lat2));
	if (!buf || !lat || !lat2)
		return 1;
	for (uint64_t off = 0; off < npages * PG;) {
		ssize_t n = read(fd, buf + off, npages * PG - off);

		if (n <= 0)
			return 1;
		off += (uint64_t)n;
	}
	close(fd);
	corpus = buf;
	parse(pri, pname, sizeof(pname), &plevel);
	parse(sec, sname, sizeof(sname), &slevel);
	printf("corpus %s: %llu pages (%.1f MiB); primary %s, secondary %s\n",
	       path, (unsigned long long)npages,
	       (double)npages * PG / 1048576.0, pri, sec);

	s = fill(pname, plevel);
	r_pri = ratio(s);
	/* the request path with nothing running: reads of primary slots */
	reads(s, nreads, lat, 1, false);
	idle_p50 = pct(lat, nreads, 0.5);
	idle_p99 = pct(lat, nreads, 0.99);
	if (store_set_recomp(s, 1, sname, slevel)) {
		fprintf(stderr, "bench_recomp: bad secondary %s\n", sec);
		return 2;
	}
	store_mark_idle(s, true, 0);
	/* the target's run: idle all, recompress type=idle, nothing else */
	b = (struct bg){.s = s, .mode = STORE_WB_IDLE};
	run_recomp(&b);
	if (b.ret) {
		fprintf(stderr, "bench_recomp: recompress: %s\n",
			strerror(-b.ret));
		return 1;
	}
	printf("recompression (type=idle): %llu of %llu slots recompressed "
	       "in %.2f s (%.0f pages/s, %.1f MB/s of pages), %.2f CPU s "
	       "(%.0f%% of a core)\n",
	       (unsigned long long)b.done, (unsigned long long)npages, b.secs,
	       (double)npages / b.secs, (double)npages * PG / b.secs / 1e6,
	       b.cpu, 100 * b.cpu / b.secs);
	r_after = ratio(s);
	/* read cost of recompressed slots against a zstd:1 store's */
	reads(s, nreads, lat, 3, true);
	z1 = fill("zstd", 1);
	printf("ratio orig/compr of a zstd:1 store of the same pages: %.3f "
	       "(%.2fx %s's)\n",
	       ratio(z1), ratio(z1) / r_pri, pri);
	reads(z1, nreads, lat2, 3, false);
	{
		double a50 = pct(lat, nreads, 0.5), a99 = pct(lat, nreads, 0.99);
		double z50 = pct(lat2, nreads, 0.5),
		       z99 = pct(lat2, nreads, 0.99);

		printf("read of a recompressed slot: p50 %.2f us, p99 %.2f us; "
		       "of a zstd:1 slot: p50 %.2f, p99 %.2f; %.2fx / %.2fx\n",
		       a50, a99, z50, z99, a50 / z50, a99 / z99);
	}
	store_destroy(z1);
	/* the request path meanwhile: a second store recompressed (any
	 * slot: reads clear idle marks) on a thread, reads on this one */
	{
		struct store *s2 = fill(pname, plevel);
		unsigned int k = 0;
		unsigned char page[PG];
		uint64_t seed = 2;
		struct bg b2 = {.s = s2, .mode = 0};

		store_set_recomp(s2, 1, sname, slevel);
		pthread_create(&t, NULL, run_recomp, &b2);
		while (!__atomic_load_n(&b2.finished, __ATOMIC_ACQUIRE) &&
		       k < nreads) {
			uint64_t slot = rng(&seed) % npages;
			double t0 = now();

			if (store_read(s2, slot, page) ||
			    memcmp(page, corpus + slot * PG, PG)) {
				fprintf(stderr, "bench_recomp: wrong read "
						"during recompression\n");
				return 1;
			}
			lat2[k++] = (now() - t0) * 1e6;
		}
		pthread_join(t, NULL);
		if (k >= 100)
			printf("reads while another thread recompresses (%u): "
			       "p50 %.1f us, p99 %.1f us; with nothing "
			       "running: p50 %.1f, p99 %.1f\n",
			       k, pct(lat2, k, 0.5), pct(lat2, k, 0.99),
			       idle_p50, idle_p99);
		store_destroy(s2);
	}
	printf("ratio orig/compr: %s alone %.3f; after recompress %.3f; "
	       "%.2fx\n",
	       pri, r_pri, r_after, r_after / r_pri);
	store_destroy(s);
	free(buf);
	free(lat);
	free(lat2);
	return 0;
}
