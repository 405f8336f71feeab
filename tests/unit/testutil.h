/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testutil.h - helpers the unit tests share: a reproducible random source,
 * a compressible page that names its tag, a field of /proc/self/status, and
 * a fresh temporary directory.
 * Header-only (static inline), so that each test still links only the
 * modules it names.
 */
#ifndef FZRAM_TESTUTIL_H
#define FZRAM_TESTUTIL_H

#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fzram.h"

/* xorshift64*: reproducible from the seed (never 0), good enough to defeat
 * compressors. */
static inline uint64_t tu_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Fill the FZ_PAGE_SIZE bytes at @p with random words from @seed (any):
 * a page no compressor shrinks. */
static inline void tu_random_page(void *p, uint64_t seed)
{
	unsigned char *b = p;

	seed |= 1;
	for (size_t i = 0; i < FZ_PAGE_SIZE; i += 8) {
		uint64_t w = tu_rng_next(&seed);

		memcpy(b + i, &w, 8);
	}
}

/* Fill the FZ_PAGE_SIZE bytes at @p with text that names @tag: compressible,
 * and different for every tag. */
static inline void tu_text_page(void *p, uint64_t tag)
{
	char *c = p;
	int n = 0;

	while (n < FZ_PAGE_SIZE - 64)
		n += snprintf(c + n, (size_t)(FZ_PAGE_SIZE - n),
			      "page %llu line %d: the quick brown fox %llu\n",
			      (unsigned long long)tag, n,
			      (unsigned long long)(tag * 7 + (uint64_t)n));
	memset(c + n, '.', (size_t)(FZ_PAGE_SIZE - n));
}

/*
 * Fill the FZ_PAGE_SIZE bytes at @p with lines of random letters drawn for
 * @tag from a vocabulary of TU_VOCAB_LINES lines that is the same for
 * every page and every run: little repeats within a page, much across
 * pages, so a dictionary trained on some pages shrinks the others.
 */
#define TU_VOCAB_LINES 1500
#define TU_VOCAB_LINE 48
static inline void tu_vocab_page(void *p, uint64_t tag)
{
	static char vocab[TU_VOCAB_LINES][TU_VOCAB_LINE];
	static int made;
	unsigned char *b = p;
	uint64_t seed = tag * 2654435761ULL + 11;
	size_t n = 0;

	if (!__atomic_load_n(&made, __ATOMIC_ACQUIRE)) {
		uint64_t vs = 0x5eed;

		/* racing first calls write the same bytes */
		for (unsigned int i = 0; i < TU_VOCAB_LINES; i++) {
			for (unsigned int k = 0; k < TU_VOCAB_LINE - 1; k++)
				vocab[i][k] = (char)('a' + tu_rng_next(&vs) % 26);
			vocab[i][TU_VOCAB_LINE - 1] = '\n';
		}
		__atomic_store_n(&made, 1, __ATOMIC_RELEASE);
	}
	while (n + TU_VOCAB_LINE <= FZ_PAGE_SIZE) {
		memcpy(b + n, vocab[tu_rng_next(&seed) % TU_VOCAB_LINES],
		       TU_VOCAB_LINE);
		n += TU_VOCAB_LINE;
	}
	memset(b + n, '#', FZ_PAGE_SIZE - n);
}

/* The kB value of @field ("VmRSS", "RssShmem", ...) in /proc/self/status;
 * fails the test when the file or the field is missing. */
static inline uint64_t tu_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t flen = strlen(field);
	char line[256];
	unsigned long long kb = 0;
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, field, flen) == 0 && line[flen] == ':')
			found = sscanf(line + flen + 1, "%llu", &kb) == 1;
	fclose(f);
	ck_assert_msg(found, "no %s in /proc/self/status", field);
	return kb;
}

/* The number in environment variable @name (a stress test's threads,
 * iterations or seed), or @def when it is unset or empty. */
static inline unsigned long tu_env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* The file of real memory pages (raw FZ_PAGE_SIZE-byte pages, from
 * bench/make-corpus) named by FZRAM_CORPUS, or NULL when it is unset or
 * empty.  make check always sets it; a test program run without it leaves
 * out its corpus tests and exits TU_EXIT_SKIP, so that they are never
 * counted as passed. */
static inline const char *tu_corpus(void)
{
	const char *path = getenv("FZRAM_CORPUS");

	return path && *path ? path : NULL;
}

#define TU_EXIT_SKIP 77 /* automake's SKIP */

/* Make a fresh directory "@name.XXXXXX" under $TMPDIR (or /tmp) and put its
 * canonical path in @dir (PATH_MAX bytes); exits the program if it cannot
 * (a fixture, before any test). */
static inline void tu_tmpdir_make(char *dir, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char t[PATH_MAX];

	snprintf(t, sizeof(t), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 name);
	/* realpath: the tests compare paths with canonical ones */
	if (!mkdtemp(t) || !realpath(t, dir)) {
		perror(t);
		exit(EXIT_FAILURE);
	}
}

/* Remove @dir, made by tu_tmpdir_make(), and all it holds; @name says who
 * complains when that fails. */
static inline void tu_tmpdir_remove(const char *dir, const char *name)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: could not remove %s\n", name, dir);
}

/* After the suite: @ret, or TU_EXIT_SKIP with a message when it passed
 * without its corpus tests. */
static inline int tu_corpus_result(int ret)
{
	if (ret == 0 && !tu_corpus()) {
		printf("SKIP: FZRAM_CORPUS is unset, so the corpus tests did "
		       "not run (make check sets it)\n");
		return TU_EXIT_SKIP;
	}
	return ret;
}

#endif /* FZRAM_TESTUTIL_H */
