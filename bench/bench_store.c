// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_store.c - store and load the real-memory corpus through the engine
 * and print what it costs: pages per second stored and loaded (every page
 * verified), the compression ratio, the allocator's space efficiency before
 * and after freeing half the pages at random and compacting, and metadata
 * bytes per stored page.  A benchmark: it prints figures, it asserts none
 * (it fails only when a page reads back wrong).
 *
 *   bench_store [-c CORPUS] [-a ALG[:LEVEL]]... [-t THREADS] [-r ROUNDS]
 *               [-C CHAIN] [-g GIB] [-v]
 *
 * -C sets the most pages per zspage (default 8, up to 16).  -g stores the
 * corpus over and over until GIB GiB are stored (each copy's pages made
 * distinct), then reports the mappings the process holds and whether
 * mlockall() could lock it all.
 *
 * CORPUS defaults to $FZRAM_CORPUS, then bench/corpus.bin ("make corpus").
 * Without -a it runs lz4 and zstd:1.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"
#include "codec.h"
#include "store.h"
#include "zspool.h"

#define PG FZ_PAGE_SIZE

struct job {
	struct store *s;
	const unsigned char *corpus;
	uint64_t first, end;
	uint64_t npages; /* corpus pages; slots past them reuse the corpus */
	bool write;
	bool bad;
};

static unsigned int chain; /* -C */

/* slot @i's page: corpus page i % npages, made distinct per copy */
static const unsigned char *page_of(const struct job *j, uint64_t i,
				    unsigned char *buf)
{
	const unsigned char *src = j->corpus + (i % j->npages) * PG;
	uint64_t copy = i / j->npages, w;

	if (!copy)
		return src;
	memcpy(buf, src, PG);
	memcpy(&w, buf + 64, sizeof(w));
	w ^= copy;
	memcpy(buf + 64, &w, sizeof(w));
	return buf;
}

static void *run_job(void *p)
{
	struct job *j = p;
	unsigned char page[PG], want[PG];

	for (uint64_t i = j->first; i < j->end; i++) {
		const unsigned char *src = page_of(j, i, want);

		if (j->write) {
			if (store_write(j->s, i, src))
				j->bad = true;
		} else if (store_read(j->s, i, page) || memcmp(page, src, PG)) {
			j->bad = true;
		}
	}
	return NULL;
}

/* store or load every page with @threads threads; Return: seconds */
static double pass(struct store *s, const unsigned char *corpus,
		   uint64_t npages, uint64_t nslots, unsigned int threads,
		   bool write, double *cpu)
{
	pthread_t t[64];
	struct job j[64];
	double t0 = now(), c0 = cpu_now();

	for (unsigned int i = 0; i < threads; i++) {
		j[i] = (struct job){.s = s,
				    .corpus = corpus,
				    .first = nslots * i / threads,
				    .end = nslots * (i + 1) / threads,
				    .npages = npages,
				    .write = write};
		pthread_create(&t[i], NULL, run_job, &j[i]);
	}
	for (unsigned int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		if (j[i].bad) {
			fprintf(stderr, "bench_store: a page %s wrong\n",
				write ? "failed to store" : "read back");
			exit(1);
		}
	}
	*cpu = cpu_now() - c0;
	return now() - t0;
}

static void class_table(struct store *s)
{
	struct zsp_pool *pool = store_pool(s);

	printf("  %6s %5s %5s %9s %8s %7s\n", "size", "pages", "objs",
	       "objects", "zspages", "inuse%");
	for (unsigned int i = 0; i < zsp_nr_classes(pool); i++) {
		struct zsp_class_stats cs;

		zsp_get_class_stats(pool, i, &cs);
		if (!cs.zspages)
			continue;
		printf("  %6u %5u %5u %9llu %8llu %6.1f%%\n", cs.size,
		       cs.pages_per_zspage, cs.objs_per_zspage,
		       (unsigned long long)cs.objs,
		       (unsigned long long)cs.zspages,
		       100.0 * (double)cs.objs /
			       ((double)cs.zspages * cs.objs_per_zspage));
	}
}

static void report_space(const char *when, struct store *s)
{
	struct stats_mm mm;
	uint64_t pages, meta = store_meta_bytes(s);

	struct zsp_stats zs;

	store_mm(s, &mm);
	zsp_get_stats(store_pool(s), &zs);
	pages = mm.orig_data_size / PG;
	printf("  %-22s pages %8llu  same %7llu  huge %7llu  compr %7.1f MiB"
	       "  mem_used %7.1f MiB\n",
	       when, (unsigned long long)pages,
	       (unsigned long long)mm.same_pages,
	       (unsigned long long)mm.huge_pages,
	       (double)mm.compr_data_size / 1048576.0,
	       (double)mm.mem_used_total / 1048576.0);
	printf("  %-22s ratio orig/compr %.3f  orig/mem_used %.3f  "
	       "efficiency compr/mem_used %.2f%%  metadata %.2f B/page\n",
	       "", (double)mm.orig_data_size / (double)mm.compr_data_size,
	       (double)mm.orig_data_size / (double)mm.mem_used_total,
	       100.0 * (double)mm.compr_data_size / (double)mm.mem_used_total,
	       pages ? (double)meta / (double)pages : 0.0);
	printf("  %-22s lost to slot rounding %.2f MiB, to zspage tails and "
	       "free slots %.2f MiB\n",
	       "", (double)(zs.obj_bytes - mm.compr_data_size) / 1048576.0,
	       (double)(mm.mem_used_total - zs.obj_bytes) / 1048576.0);
}

/* "ALG[:LEVEL]" into @name and the level */
static int parse_spec(const char *spec, char *name, size_t len)
{
	const char *colon = strchr(spec, ':');

	snprintf(name, len, "%.*s",
		 (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
	return colon ? atoi(colon + 1) : CODEC_LEVEL_DEFAULT;
}

static int bench_one(const char *spec, const unsigned char *corpus,
		     uint64_t npages, unsigned int threads, unsigned int rounds,
		     bool verbose)
{
	char name[32];
	int level = parse_spec(spec, name, sizeof(name));
	double wr[32], rd[32], wcpu[32], rcpu[32];
	struct store *s = NULL;
	int ret;

	for (unsigned int r = 0; r < rounds; r++) {
		struct store_config cfg = {.size = npages * PG,
					   .algorithm = name,
					   .level = level,
					   .chain = chain};

		store_destroy(s);
		ret = store_create(&cfg, &s);
		if (ret) {
			fprintf(stderr, "bench_store: %s: %s\n", spec,
				strerror(-ret));
			return 1;
		}
		wr[r] = pass(s, corpus, npages, npages, threads, true,
			     &wcpu[r]);
		rd[r] = pass(s, corpus, npages, npages, threads, false,
			     &rcpu[r]);
	}
	printf("%s, chain %u, %u thread%s, %llu pages, median of %u rounds:\n",
	       spec, chain ? chain : ZSP_DEFAULT_CHAIN, threads,
	       threads > 1 ? "s" : "", (unsigned long long)npages, rounds);
	double w = median(wr, rounds), rdm = median(rd, rounds);
	printf("  store  %9.0f pages/s  %7.1f MB/s  (%.2f CPU s/GiB)\n",
	       (double)npages / w, (double)npages * PG / w / 1e6,
	       median(wcpu, rounds) / ((double)npages * PG / 1073741824.0));
	printf("  load   %9.0f pages/s  %7.1f MB/s  (%.2f CPU s/GiB)\n",
	       (double)npages / rdm, (double)npages * PG / rdm / 1e6,
	       median(rcpu, rounds) / ((double)npages * PG / 1073741824.0));
	report_space("stored:", s);
	if (verbose)
		class_table(s);

	/* free half the pages at random, then compact */
	uint64_t seed = 12345, freed;
	for (uint64_t i = 0; i < npages; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 33) & 1)
			store_discard(s, i, 1);
	}
	report_space("half freed:", s);
	freed = store_compact(s);
	report_space("compacted:", s);
	printf("  compaction freed %llu pages\n", (unsigned long long)freed);
	if (verbose)
		class_table(s);
	store_destroy(s);
	return 0;
}

static unsigned long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long n = 0;
	int ch;

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void print_status(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			printf("  %s", line);
	fclose(f);
}

/* store @gib GiB made of the corpus; count mappings; try mlockall */
static int bench_scale(const char *spec, const unsigned char *corpus,
		       uint64_t npages, unsigned int threads, double gib)
{
	uint64_t nslots = (uint64_t)(gib * 1073741824.0) / PG;
	char name[32];
	struct store_config cfg = {.size = nslots * PG,
				   .algorithm = name,
				   .level = parse_spec(spec, name, sizeof(name)),
				   .chain = chain};
	unsigned long maps0 = count_maps();
	struct store *s;
	struct stats_mm mm;
	double t, cpu;
	int ret;

	ret = store_create(&cfg, &s);
	if (ret) {
		fprintf(stderr, "bench_store: %s: %s\n", spec, strerror(-ret));
		return 1;
	}
	t = pass(s, corpus, npages, nslots, threads, true, &cpu);
	store_mm(s, &mm);
	printf("%s: stored %.1f GiB in %.1f s; pool %.2f GiB; "
	       "mappings %lu before, %lu after\n",
	       spec, (double)mm.orig_data_size / 1073741824.0, t,
	       (double)mm.mem_used_total / 1073741824.0, maps0, count_maps());
	ret = mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	printf("  mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT): %s\n",
	       ret ? strerror(errno) : "ok");
	print_status("VmLck");
	print_status("VmRSS");
	t = pass(s, corpus, npages, nslots, threads, false, &cpu);
	printf("  every page read back and verified in %.1f s\n", t);
	munlockall();
	store_destroy(s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FZRAM_CORPUS");
	const char *specs[16];
	unsigned int nspecs = 0, threads = 1, rounds = 3;
	bool verbose = false;
	double gib = 0;
	unsigned char *corpus;
	struct stat sb;
	uint64_t npages;
	int opt, fd, ret = 0;

	while ((opt = getopt(argc, argv, "c:a:t:r:C:g:vh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'a':
			if (nspecs < 16)
				specs[nspecs++] = optarg;
			break;
		case 't':
			threads = (unsigned int)atoi(optarg);
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'C':
			chain = (unsigned int)atoi(optarg);
			break;
		case 'g':
			gib = atof(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_store [-c CORPUS] [-a ALG[:LEVEL]]"
				"... [-t THREADS] [-r ROUNDS] [-C CHAIN] "
				"[-g GIB] [-v]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (threads < 1 || threads > 64 || rounds < 1 || rounds > 32) {
		fprintf(stderr, "bench_store: -t takes 1..64, -r 1..32\n");
		return 2;
	}
	if (!nspecs) {
		specs[nspecs++] = "lz4";
		specs[nspecs++] = "zstd:1";
	}
	if (!path)
		path = "bench/corpus.bin";
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < PG) {
		fprintf(stderr,
			"bench_store: %s: no corpus (make it with \"make "
			"corpus\")\n",
			path);
		return 1;
	}
	npages = (uint64_t)sb.st_size / PG;
	corpus = malloc(npages * PG);
	if (!corpus) {
		fprintf(stderr, "bench_store: out of memory\n");
		return 1;
	}
	for (uint64_t off = 0; off < npages * PG;) {
		ssize_t n = read(fd, corpus + off, npages * PG - off);

		if (n <= 0) {
			fprintf(stderr, "bench_store: %s: short read\n", path);
			return 1;
		}
		off += (uint64_t)n;
	}
	close(fd);
	printf("corpus %s: %llu pages (%.1f MiB)\n", path,
	       (unsigned long long)npages, (double)npages * PG / 1048576.0);
	if (gib > 0)
		ret = bench_scale(specs[0], corpus, npages, threads, gib);
	for (unsigned int i = 0; i < nspecs && !ret && gib <= 0; i++)
		ret = bench_one(specs[i], corpus, npages, threads, rounds,
				verbose);
	free(corpus);
	return ret;
}
