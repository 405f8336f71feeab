// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_dict.c - what a dictionary buys on the real-memory corpus (issue
 * 11): the orig/compr ratio and the one-core compression and decompression
 * speeds of zstd levels 1 and 3 and lz4 (and lz4hc:9 and zstd:19 as extra
 * rows), each without a dictionary and with dictionaries of a few sizes,
 * and the ratio's gain over the same codec without one.
 *
 * The dictionaries are trained (codec_dict_train()) on one part of the
 * corpus and measured on another, so that they never see the pages they
 * are measured on:
 *   -s half        train on a random sample of the first half of the
 *                  corpus, measure a random sample of the second half
 *                  (the default).  bench/make-corpus writes the programs
 *                  one after another (python, gcc, sort: a third each),
 *                  so this trains on other programs' memory than most of
 *                  what it measures: the hard case.
 *   -s interleave  1 MiB blocks in turn: even blocks train, odd blocks are
 *                  measured: other pages of the same programs.
 *
 * The ratio's rule: same-filled pages (one 64-bit word repeated, which the
 * store keeps in its slot table without compressing) are left out of both
 * samples, so out of both sides of the ratio; a page whose compressed form
 * is not below 4096 bytes counts 4096 (stored raw).  Ratio = 4096 * pages /
 * the sum of those sizes.
 * Speeds, on one core (the process is pinned to the CPU it starts on):
 * compression MB/s = 4096 * pages / seconds to compress all of them;
 * decompression MB/s = 4096 * compressed pages / seconds to decompress
 * them (raw pages need no codec); 1 MB = 10^6 bytes; the median of the
 * rounds.  Every decompressed page is compared with its original after
 * every round: a difference or a failed decompression ends the run (exit
 * 1).  A benchmark: it prints figures and asserts none.
 *
 *   bench_dict [-c CORPUS] [-r ROUNDS] [-n PAGES] [-t PAGES]
 *              [-s half|interleave] [-x]
 *
 * -n pages measured (default 8192, 32 MiB), -t pages trained on (default
 * 4096), -r rounds (default 3), -x leaves out the slow extra rows (lz4hc:9,
 * zstd:19).  CORPUS defaults to $FZRAM_CORPUS, then bench/corpus.bin.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* sched_getcpu, sched_setaffinity */
#endif

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchtime.h"
#include "codec.h"

#define PG FZ_PAGE_SIZE
#define BLOCK_PAGES 256 /* -s interleave: 1 MiB blocks */
#define MAX_ROUNDS 50

/* One row of the table: a codec, and a dictionary size (0: none). */
struct row {
	const char *alg;
	int level;
	size_t dict;
	bool extra; /* slow: left out with -x */
};

static const struct row rows[] = {
	{"zstd", 1, 0, false},        {"zstd", 1, 16384, false},
	{"zstd", 1, 65536, false},    {"zstd", 1, 112640, false},
	{"zstd", 3, 0, false},        {"zstd", 3, 16384, false},
	{"zstd", 3, 65536, false},    {"zstd", 3, 112640, false},
	{"lz4", 1, 0, false},         {"lz4", 1, 65536, false},
	{"lz4hc", 9, 0, true},        {"lz4hc", 9, 65536, true},
	{"zstd", 19, 0, true},        {"zstd", 19, 112640, true},
};
#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

/* The trained dictionaries: zstd's of each size, lz4's (lz4hc's too). */
struct trained {
	enum codec_alg family; /* CODEC_ZSTD or CODEC_LZ4 */
	size_t cap;
	unsigned char *buf;
	size_t len;
};

static struct trained dicts[] = {
	{CODEC_ZSTD, 16384, NULL, 0},
	{CODEC_ZSTD, 65536, NULL, 0},
	{CODEC_ZSTD, 112640, NULL, 0},
	{CODEC_LZ4, 65536, NULL, 0},
};
#define NR_DICTS (sizeof(dicts) / sizeof(dicts[0]))

/* What one row measured. */
struct result {
	double ratio, comp_mbs, decomp_mbs;
	uint64_t raw; /* pages that did not fit below 4096 */
	bool done;
};

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "bench_dict: %s\n", what);
	exit(1);
}

static bool same_filled(const unsigned char *p)
{
	uint64_t first, w;

	memcpy(&first, p, sizeof(first));
	for (size_t i = sizeof(w); i < PG; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (w != first)
			return false;
	}
	return true;
}

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Copy @want pages picked at random (seeded, without repeats) from the
 * @n candidate pages at @cand into @dst; returns how many (fewer when
 * there are fewer candidates).  Shuffles @cand.
 */
static uint64_t sample(const unsigned char *corpus, uint64_t *cand,
		       uint64_t n, uint64_t want, uint64_t seed,
		       unsigned char *dst)
{
	if (want > n)
		want = n;
	for (uint64_t i = 0; i < want; i++) {
		uint64_t j = i + rng(&seed) % (n - i), t = cand[i];

		cand[i] = cand[j];
		cand[j] = t;
		memcpy(dst + i * PG, corpus + cand[i] * PG, PG);
	}
	return want;
}

static const struct trained *trained_for(enum codec_alg alg, size_t cap)
{
	enum codec_alg fam = alg == CODEC_ZSTD ? CODEC_ZSTD : CODEC_LZ4;

	for (size_t i = 0; i < NR_DICTS; i++)
		if (dicts[i].family == fam && dicts[i].cap == cap)
			return &dicts[i];
	return NULL;
}

static void measure(const struct row *r, const unsigned char *src,
		    uint64_t n, unsigned int rounds, unsigned char *cbuf,
		    int *clen, unsigned char *out, struct result *res)
{
	double tc[MAX_ROUNDS], td[MAX_ROUNDS];
	struct codec_dict *d = NULL;
	struct codec c;
	uint64_t compr = 0, ncomp = 0;
	char msg[160];
	int ret;

	ret = codec_init(&c, r->alg, r->level);
	if (ret)
		die("codec_init failed");
	if (r->dict) {
		const struct trained *t = trained_for(c.alg, r->dict);

		ret = codec_dict_load(c.alg, c.level, t->buf, t->len, &d);
		if (ret) {
			snprintf(msg, sizeof(msg), "codec_dict_load %s:%d: %s",
				 r->alg, r->level, strerror(-ret));
			die(msg);
		}
		c.dict = d;
	}
	/* the thread's contexts (and the dictionary's tables) come first */
	if (codec_compress(&c, src, cbuf, PG - 1) == -ENOMEM)
		die("no memory for a codec context");
	for (unsigned int k = 0; k < rounds; k++) {
		uint64_t sum = 0, nc = 0;
		double t0 = now();

		for (uint64_t i = 0; i < n; i++) {
			ret = codec_compress(&c, src + i * PG, cbuf + i * PG,
					     PG - 1);
			if (ret < 0 && ret != -E2BIG) {
				snprintf(msg, sizeof(msg),
					 "compress %s:%d page %llu: %s",
					 r->alg, r->level,
					 (unsigned long long)i,
					 strerror(-ret));
				die(msg);
			}
			clen[i] = ret > 0 ? ret : 0;
		}
		tc[k] = now() - t0;
		for (uint64_t i = 0; i < n; i++) {
			sum += clen[i] ? (uint64_t)clen[i] : PG;
			nc += clen[i] > 0;
		}
		if (k && (sum != compr || nc != ncomp))
			die("a round compressed to another size");
		compr = sum;
		ncomp = nc;

		memset(out, 0, n * PG);
		t0 = now();
		for (uint64_t i = 0; i < n; i++) {
			if (!clen[i])
				continue;
			ret = codec_decompress(&c, cbuf + i * PG,
					       (size_t)clen[i], out + i * PG);
			if (ret) {
				snprintf(msg, sizeof(msg),
					 "decompress %s:%d page %llu: %s",
					 r->alg, r->level,
					 (unsigned long long)i,
					 strerror(-ret));
				die(msg);
			}
		}
		td[k] = now() - t0;
		for (uint64_t i = 0; i < n; i++)
			if (clen[i] &&
			    memcmp(out + i * PG, src + i * PG, PG)) {
				snprintf(msg, sizeof(msg),
					 "%s:%d%s: page %llu decompressed "
					 "differs from its original",
					 r->alg, r->level,
					 r->dict ? " with a dictionary" : "",
					 (unsigned long long)i);
				die(msg);
			}
	}
	codec_dict_put(d);
	res->ratio = (double)(n * PG) / (double)compr;
	res->comp_mbs = (double)(n * PG) / median(tc, rounds) / 1e6;
	res->decomp_mbs = ncomp ? (double)(ncomp * PG) / median(td, rounds) /
					  1e6
				: 0;
	res->raw = n - ncomp;
	res->done = true;
}

/* The row without a dictionary of the same codec as rows[@i]. */
static size_t base_of(size_t i)
{
	while (rows[i].dict)
		i--;
	return i;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_dict [-c CORPUS] [-r ROUNDS] "
			"[-n PAGES] [-t PAGES] [-s half|interleave] [-x]\n");
}

int main(int argc, char **argv)
{
	const char *path = getenv("FZRAM_CORPUS"), *split = "half";
	unsigned int rounds = 3;
	uint64_t want = 8192, twant = 4096, npages, ntr = 0, nme = 0;
	uint64_t same_tr = 0, same_me = 0;
	uint64_t *cand_tr, *cand_me;
	unsigned char *corpus, *src, *tsrc, *cbuf, *out;
	struct result res[NR_ROWS] = {0};
	bool extra = true;
	struct stat sb;
	int opt, fd, *clen, cpu;
	cpu_set_t set;
	double t0;

	while ((opt = getopt(argc, argv, "c:r:n:t:s:xh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'n':
			want = strtoull(optarg, NULL, 10);
			break;
		case 't':
			twant = strtoull(optarg, NULL, 10);
			break;
		case 's':
			split = optarg;
			break;
		case 'x':
			extra = false;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || rounds < 1 || rounds > MAX_ROUNDS ||
	    want < 1 || twant < CODEC_DICT_TRAIN_MIN_PAGES ||
	    twant > CODEC_DICT_TRAIN_MAX_PAGES ||
	    (strcmp(split, "half") && strcmp(split, "interleave"))) {
		usage();
		fprintf(stderr, "  -r 1..%d, -n at least 1, -t %d..%d\n",
			MAX_ROUNDS, CODEC_DICT_TRAIN_MIN_PAGES,
			CODEC_DICT_TRAIN_MAX_PAGES);
		return 2;
	}
	if (!path)
		path = "bench/corpus.bin";
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_size < 2 * PG) {
		fprintf(stderr, "bench_dict: %s: no corpus (make corpus)\n",
			path);
		return 1;
	}
	npages = (uint64_t)sb.st_size / PG;
	corpus = malloc(npages * PG);
	cand_tr = malloc(npages * sizeof(*cand_tr));
	cand_me = malloc(npages * sizeof(*cand_me));
	if (!corpus || !cand_tr || !cand_me)
		die("no memory for the corpus");
	for (uint64_t off = 0; off < npages * PG;) {
		ssize_t n = read(fd, corpus + off, npages * PG - off);

		if (n <= 0)
			die("short read of the corpus");
		off += (uint64_t)n;
	}
	close(fd);

	/* the two parts, same-filled pages left out of both */
	for (uint64_t i = 0; i < npages; i++) {
		bool train = !strcmp(split, "half")
				     ? i < npages / 2
				     : (i / BLOCK_PAGES) % 2 == 0;
		bool same = same_filled(corpus + i * PG);

		if (train && same)
			same_tr++;
		else if (train)
			cand_tr[ntr++] = i;
		else if (same)
			same_me++;
		else
			cand_me[nme++] = i;
	}
	if (ntr < CODEC_DICT_TRAIN_MIN_PAGES || !nme)
		die("too few pages that are not same-filled");
	src = malloc((want < nme ? want : nme) * PG);
	tsrc = malloc((twant < ntr ? twant : ntr) * PG);
	if (!src || !tsrc)
		die("no memory for the samples");
	twant = sample(corpus, cand_tr, ntr, twant, 1, tsrc);
	want = sample(corpus, cand_me, nme, want, 2, src);
	cbuf = malloc(want * PG);
	out = malloc(want * PG);
	clen = malloc(want * sizeof(*clen));
	if (!cbuf || !out || !clen)
		die("no memory for the buffers");

	/* one core: stay on the CPU we started on */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			cpu = -1;
	}

	printf("corpus %s: %llu pages (%.0f MiB); split %s\n", path,
	       (unsigned long long)npages, (double)npages * PG / 1048576.0,
	       split);
	if (!strcmp(split, "half"))
		printf("dictionaries trained on %llu random pages of pages "
		       "0..%llu (first half), measured on %llu random pages of "
		       "pages %llu..%llu (second half)\n",
		       (unsigned long long)twant,
		       (unsigned long long)(npages / 2 - 1),
		       (unsigned long long)want,
		       (unsigned long long)(npages / 2),
		       (unsigned long long)(npages - 1));
	else
		printf("dictionaries trained on %llu random pages of the even "
		       "1 MiB blocks, measured on %llu random pages of the odd "
		       "ones\n",
		       (unsigned long long)twant, (unsigned long long)want);
	printf("same-filled pages left out: %llu of the training part, %llu "
	       "of the measured part; a page not compressed below 4096 bytes "
	       "counts 4096\n",
	       (unsigned long long)same_tr, (unsigned long long)same_me);
	printf("speeds: one thread%s, median of %u rounds, MB = 10^6 bytes "
	       "of pages (decompression: of the compressed pages)\n",
	       cpu >= 0 ? " pinned to one CPU" : "", rounds);

	for (size_t i = 0; i < NR_DICTS; i++) {
		dicts[i].buf = malloc(dicts[i].cap);
		if (!dicts[i].buf)
			die("no memory for a dictionary");
		t0 = now();
		if (codec_dict_train(dicts[i].family, tsrc, twant,
				     dicts[i].cap, dicts[i].buf,
				     &dicts[i].len))
			die("codec_dict_train failed");
		printf("trained %s dictionary: %zu bytes (asked %zu) in "
		       "%.1f s\n",
		       dicts[i].family == CODEC_ZSTD ? "zstd" : "lz4",
		       dicts[i].len, dicts[i].cap, now() - t0);
	}
	fflush(stdout);

	printf("\n| codec    | dictionary | ratio | gain vs none | raw pages "
	       "| compress MB/s | decompress MB/s |\n");
	printf("|----------|-----------:|------:|-------------:|----------:"
	       "|--------------:|----------------:|\n");
	for (size_t i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];
		char name[24], dict[24], gain[24];

		if (r->extra && !extra)
			continue;
		measure(r, src, want, rounds, cbuf, clen, out, &res[i]);
		snprintf(name, sizeof(name), "%s:%d", r->alg, r->level);
		if (r->dict) {
			const struct trained *t =
				trained_for(r->alg[0] == 'z' ? CODEC_ZSTD
							     : CODEC_LZ4,
					    r->dict);

			snprintf(dict, sizeof(dict), "%zu KiB", t->len / 1024);
			snprintf(gain, sizeof(gain), "%+.1f%%",
				 100 * (res[i].ratio /
						res[base_of(i)].ratio -
					1));
		} else {
			snprintf(dict, sizeof(dict), "none");
			snprintf(gain, sizeof(gain), "-");
		}
		printf("| %-8s | %10s | %5.3f | %12s | %9llu | %13.0f | "
		       "%15.0f |\n",
		       name, dict, res[i].ratio, gain,
		       (unsigned long long)res[i].raw, res[i].comp_mbs,
		       res[i].decomp_mbs);
		fflush(stdout);
	}

	/* the conclusion: each codec's best dictionary */
	{
		size_t best = 0;
		double bg = -1e9;

		printf("\nconclusion (split %s): best dictionary gain per "
		       "codec:",
		       split);
		for (size_t i = 0; i < NR_ROWS; i++) {
			size_t b = base_of(i), j;
			double g, gi = -1e9;

			if (i != b || !res[i].done)
				continue;
			for (j = i + 1; j < NR_ROWS && rows[j].dict; j++) {
				g = 100 * (res[j].ratio / res[b].ratio - 1);
				if (g > gi)
					gi = g;
				if (g > bg) {
					bg = g;
					best = j;
				}
			}
			printf(" %s:%d %+.1f%%", rows[i].alg, rows[i].level,
			       gi);
		}
		printf("; ");
		if (bg < 2.0)
			printf("below 2%% everywhere: on this data a dictionary "
			       "does not pay for its memory and bookkeeping\n");
		else
			printf("largest %s:%d with %zu KiB, %+.1f%% ratio at "
			       "%.0f%% of its compression speed\n",
			       rows[best].alg, rows[best].level,
			       rows[best].dict / 1024, bg,
			       100 * res[best].comp_mbs /
				       res[base_of(best)].comp_mbs);
	}

	for (size_t i = 0; i < NR_DICTS; i++)
		free(dicts[i].buf);
	free(corpus);
	free(cand_tr);
	free(cand_me);
	free(src);
	free(tsrc);
	free(cbuf);
	free(out);
	free(clen);
	return 0;
}
