// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_writeback.c - the second tier on the real-memory corpus: store the
 * corpus, mark it idle, write it all back to a backing file on a local
 * disk, and print what it costs and what it takes:
 *   - writeback speed: MB/s of pages moved out of RAM and of bytes written,
 *     and CPU seconds per GiB of pages;
 *   - backing space: bytes in use (the tier's count, and the file's
 *     allocated blocks) over the compressed bytes held there, after the
 *     writeback, and again after half of the slots are discarded at random
 *     and the tier compacted;
 *   - read-back: latency of one written-back page read at random (p50,
 *     p99; the file is opened O_DIRECT, so every read goes to the disk
 *     unless the filesystem refuses it, which is printed), CPU s/GiB;
 *   - all of it with encryption on and off, and the difference;
 *   - the cipher alone, in memory: CPU seconds to seal and to open a GiB
 *     of pages' objects (the corpus compressed as the store would), for
 *     AES-256-GCM and XChaCha20-Poly1305: the CPU cost of encryption per
 *     GiB without the disk's noise in it.
 * A benchmark: it prints figures and asserts none (it fails only when a page
 * reads back wrong or a step fails).
 *
 *   bench_writeback [-c CORPUS] [-d DIR] [-a ALG[:LEVEL]] [-r ROUNDS]
 *                   [-n READS] [-b BATCH]
 *
 * DIR (default: the current directory) holds the backing file while it
 * runs; it is removed at the end.  CORPUS defaults to $FZRAM_CORPUS, then
 * bench/corpus.bin ("make corpus").  Figures are medians over ROUNDS
 * (default 3) rounds, encryption on and off alternating.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backing.h"
#include "benchtime.h"
#include "codec.h"
#include "seal.h"
#include "store.h"

#define PG FZ_PAGE_SIZE
#define MAX_ROUNDS 15

struct figures {
	double wb_mbs;	     /* pages moved, MB/s */
	double wb_disk_mbs;  /* bytes written to the backing store, MB/s */
	double wb_cpu;	     /* CPU s per GiB of pages moved */
	double ratio_tier;   /* used_bytes / data_bytes after writeback */
	double ratio_file;   /* st_blocks * 512 / data_bytes */
	double ratio_tier2;  /* the same after half discarded + compacted */
	double ratio_file2;
	double rd_p50_us, rd_p99_us;
	double rd_cpu;	     /* CPU s per GiB of pages read back */
	double compr_ratio;  /* pages / compressed bytes */
};

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double file_bytes(const char *path)
{
	struct stat sb;

	if (stat(path, &sb))
		return 0;
	return (double)sb.st_blocks * 512;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "bench_writeback: %s: %s\n", what, strerror(-err));
	return 1;
}

static int one_round(const char *alg, int level, bool encrypt,
		     const unsigned char *corpus, uint64_t npages,
		     const char *dir, unsigned int nreads, unsigned int batch,
		     struct figures *f)
{
	struct store_config cfg = {.size = npages * PG,
				   .algorithm = alg,
				   .level = level};
	char path[4096];
	struct store *s = NULL;
	struct backing *bk = NULL;
	struct store_wb_req all = {0};
	struct backing_stats bs;
	struct stats_mm mm;
	unsigned char page[PG];
	double t0, c0, *lat = NULL;
	uint64_t moved, seed = 0x9e3779b97f4a7c15ULL, written0;
	int ret;

	snprintf(path, sizeof(path), "%s/bench-writeback.%d.img", dir,
		 (int)getpid());
	unlink(path);
	ret = store_create(&cfg, &s);
	if (ret)
		return fail("store_create", ret);
	for (uint64_t i = 0; i < npages; i++)
		if ((ret = store_write(s, i, corpus + i * PG)))
			return fail("store_write", ret);
	store_mm(s, &mm);
	f->compr_ratio = (double)mm.orig_data_size / (double)mm.compr_data_size;
	{
		struct backing_config bc = {.path = path,
					    .default_size = npages * PG * 2,
					    .encrypt = encrypt};

		ret = backing_create(&bc, &bk);
		if (ret)
			return fail(path, ret);
	}
	store_set_backing(s, bk);
	store_set_wb_batch(s, batch);
	store_mark_idle(s, true, 0);
	backing_get_stats(bk, &bs);
	written0 = bs.stored_bytes;
	t0 = now();
	c0 = cpu_now();
	ret = store_writeback(s, &all, &moved);
	f->wb_cpu = cpu_now() - c0;
	t0 = now() - t0;
	if (ret)
		return fail("store_writeback", ret);
	backing_get_stats(bk, &bs);
	f->wb_mbs = (double)moved * PG / t0 / 1e6;
	f->wb_disk_mbs = (double)(bs.stored_bytes - written0) / t0 / 1e6;
	f->wb_cpu /= (double)moved * PG / (1 << 30);
	f->ratio_tier = (double)bs.used_bytes / (double)bs.data_bytes;
	f->ratio_file = file_bytes(path) / (double)bs.data_bytes;

	/* read-back latency of single pages, at random, every one checked */
	lat = malloc(nreads * sizeof(*lat));
	if (!lat)
		return fail("malloc", -ENOMEM);
	c0 = cpu_now();
	for (unsigned int i = 0; i < nreads; i++) {
		uint64_t slot = rng(&seed) % npages;
		double t = now();

		ret = store_read(s, slot, page);
		lat[i] = (now() - t) * 1e6;
		if (ret || memcmp(page, corpus + slot * PG, PG)) {
			fprintf(stderr, "bench_writeback: slot %llu read back "
					"wrong (%d)\n",
				(unsigned long long)slot, ret);
			return 1;
		}
	}
	f->rd_cpu = (cpu_now() - c0) / ((double)nreads * PG / (1 << 30));
	f->rd_p50_us = median(lat, nreads);
	f->rd_p99_us = lat[(size_t)(nreads * 0.99)];
	free(lat);

	/* half the slots discarded at random, then the tier compacted */
	for (uint64_t i = 0; i < npages; i++)
		if (rng(&seed) & 1)
			store_discard(s, i, 1);
	backing_maintain(bk);
	if (backing_compact(bk) < 0)
		return fail("backing_compact", -EIO);
	backing_maintain(bk);
	backing_get_stats(bk, &bs);
	f->ratio_tier2 = (double)bs.used_bytes / (double)bs.data_bytes;
	f->ratio_file2 = file_bytes(path) / (double)bs.data_bytes;
	/* what is left still reads back */
	for (uint64_t i = 0; i < npages; i++) {
		unsigned int fl, len;

		store_slot_info(s, i, &fl, &len);
		if (!len)
			continue;
		if (store_read(s, i, page) || memcmp(page, corpus + i * PG, PG)) {
			fprintf(stderr, "bench_writeback: slot %llu wrong after "
					"compaction\n",
				(unsigned long long)i);
			return 1;
		}
	}
	store_destroy(s);
	backing_destroy(bk);
	unlink(path);
	return 0;
}

/*
 * Seal, then open, the corpus's objects (lz4, raw past 3/4 of a page, as
 * the store keeps them) until a GiB of pages has gone through; print CPU
 * seconds per GiB of pages for each cipher.
 */
static int cipher_cost(const unsigned char *corpus, uint64_t npages)
{
	const uint64_t gib_pages = (1ULL << 30) / PG;
	unsigned char *obj = malloc(npages * PG), *out = malloc(PG + SEAL_TAG);
	unsigned char *sealed = malloc(npages * (PG + SEAL_TAG));
	unsigned int *len = malloc(npages * sizeof(*len));
	struct codec c;
	int ret = 1;

	if (!obj || !out || !sealed || !len || codec_init(&c, "lz4", CODEC_LEVEL_DEFAULT))
		goto out;
	for (uint64_t i = 0; i < npages; i++) {
		int n = codec_compress(&c, corpus + i * PG, obj + i * PG,
				       STORE_DEFAULT_HUGE_THRESHOLD - 1);

		if (n < 0) {
			memcpy(obj + i * PG, corpus + i * PG, PG);
			n = PG;
		}
		len[i] = (unsigned int)n;
	}
	for (int x = 0; x < 2; x++) {
		struct seal *sl;
		double c0, seal_s, open_s;
		unsigned char back[PG];

		if (seal_create(x == 1, &sl))
			goto out;
		c0 = cpu_now();
		for (uint64_t k = 0; k < gib_pages; k++) {
			uint64_t i = k % npages;

			seal_close(sl, i, k + 1, obj + i * PG, len[i], out);
		}
		seal_s = cpu_now() - c0;
		/* opening: each object sealed once, opened over and over */
		for (uint64_t i = 0; i < npages; i++)
			seal_close(sl, i, i + 1, obj + i * PG, len[i],
				   sealed + i * (PG + SEAL_TAG));
		c0 = cpu_now();
		for (uint64_t k = 0; k < gib_pages; k++) {
			uint64_t i = k % npages;

			if (seal_open(sl, i, i + 1,
				      sealed + i * (PG + SEAL_TAG),
				      len[i] + SEAL_TAG, back) ||
			    memcmp(back, obj + i * PG, len[i])) {
				fprintf(stderr, "bench_writeback: an object "
						"did not open\n");
				seal_destroy(sl);
				goto out;
			}
		}
		c0 = cpu_now() - c0;
		open_s = c0;
		printf("cipher %-18s seal %.3f CPU s per GiB of pages, open "
		       "%.3f (the memcmp included)\n",
		       seal_name(sl), seal_s, open_s);
		seal_destroy(sl);
	}
	ret = 0;
out:
	free(obj);
	free(out);
	free(sealed);
	free(len);
	return ret;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FZRAM_CORPUS"), *dir = ".", *spec = "lz4";
	unsigned int rounds = 3, nreads = 20000, batch = STORE_WB_DEFAULT_BATCH;
	struct figures fig[2][MAX_ROUNDS];
	char alg[32];
	int level = CODEC_LEVEL_DEFAULT, opt, fd;
	unsigned char *corpus;
	struct stat sb;
	uint64_t npages;

	while ((opt = getopt(argc, argv, "c:d:a:r:n:b:h")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'a':
			spec = optarg;
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'n':
			nreads = (unsigned int)atoi(optarg);
			break;
		case 'b':
			batch = (unsigned int)atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: bench_writeback [-c CORPUS] [-d DIR] "
				"[-a ALG[:LEVEL]] [-r ROUNDS] [-n READS] "
				"[-b BATCH]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || nreads < 100 || batch < 1 ||
	    batch > BK_MAX_BATCH) {
		fprintf(stderr, "bench_writeback: -r takes 1..%d, -n at least "
				"100, -b 1..%u\n",
			MAX_ROUNDS, BK_MAX_BATCH);
		return 2;
	}
	snprintf(alg, sizeof(alg), "%s", spec);
	if (strchr(alg, ':')) {
		level = atoi(strchr(alg, ':') + 1);
		*strchr(alg, ':') = '\0';
	}
	if (!path)
		path = "bench/corpus.bin";
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < PG) {
		fprintf(stderr, "bench_writeback: %s: no corpus (make it with "
				"\"make corpus\")\n",
			path);
		return 1;
	}
	npages = (uint64_t)sb.st_size / PG;
	corpus = malloc(npages * PG);
	if (!corpus)
		return 1;
	for (uint64_t off = 0; off < npages * PG;) {
		ssize_t n = read(fd, corpus + off, npages * PG - off);

		if (n <= 0)
			return 1;
		off += (uint64_t)n;
	}
	close(fd);
	printf("corpus %s: %llu pages (%.1f MiB); backing file in %s; %s, "
	       "batch %u, %u reads\n",
	       path, (unsigned long long)npages,
	       (double)npages * PG / 1048576.0, dir, spec, batch, nreads);
	if (cipher_cost(corpus, npages))
		return 1;
	for (unsigned int r = 0; r < rounds; r++)
		for (int e = 0; e < 2; e++) {
			bool enc = (r + (unsigned int)e) % 2 == 0;

			if (one_round(alg, level, enc, corpus, npages, dir,
				      nreads, batch, &fig[enc][r]))
				return 1;
		}
	printf("%-34s %12s %12s\n", "median of rounds", "encrypted", "plain");
#define ROW(label, field, fmt)                                                 \
	do {                                                                   \
		double v[2][MAX_ROUNDS];                                       \
		for (int e = 1; e >= 0; e--)                                   \
			for (unsigned int r = 0; r < rounds; r++)              \
				v[e][r] = fig[e][r].field;                     \
		printf("%-34s " fmt " " fmt "\n", label, median(v[1], rounds), \
		       median(v[0], rounds));                                  \
	} while (0)
	ROW("compression ratio", compr_ratio, "%12.2f");
	ROW("writeback MB/s (pages)", wb_mbs, "%12.0f");
	ROW("writeback MB/s (to disk)", wb_disk_mbs, "%12.0f");
	ROW("writeback CPU s/GiB", wb_cpu, "%12.3f");
	ROW("space: used / data (tier)", ratio_tier, "%12.3f");
	ROW("space: used / data (file blocks)", ratio_file, "%12.3f");
	ROW("after half freed + compact (tier)", ratio_tier2, "%12.3f");
	ROW("after half freed + compact (file)", ratio_file2, "%12.3f");
	ROW("read-back p50 us", rd_p50_us, "%12.1f");
	ROW("read-back p99 us", rd_p99_us, "%12.1f");
	ROW("read-back CPU s/GiB", rd_cpu, "%12.3f");
	{
		double w[2][MAX_ROUNDS], rd[2][MAX_ROUNDS];

		for (int e = 0; e < 2; e++)
			for (unsigned int r = 0; r < rounds; r++) {
				w[e][r] = fig[e][r].wb_cpu;
				rd[e][r] = fig[e][r].rd_cpu;
			}
		printf("encryption CPU cost s/GiB: writeback %.3f, read-back "
		       "%.3f\n",
		       median(w[1], rounds) - median(w[0], rounds),
		       median(rd[1], rounds) - median(rd[0], rounds));
	}
	free(corpus);
	return 0;
}
