// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay.c - main() for a harness built without libFuzzer: feeds it every
 * file named on the command line, and every file in every directory named
 * (not recursively), each once, in name order.  A broken promise aborts
 * (fuzz.h) with the file's name printed before it; a file that cannot be
 * read is exit 2.  "make check" runs each harness's seed corpus this way
 * (tests/fuzz/replay.sh), and a crash file from a fuzzing run is replayed
 * the same way:  tests/fuzz/fuzz_size-replay crash-1234...
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int replay_file(const char *path, unsigned long *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "replay: %s: out of memory\n",
					path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	/* An exact-size copy, so that ASan catches a read past the input. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	(*n)++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, unsigned long *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0, cap = 0, i;
	int ret = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nr == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				ret = -1;
				break;
			}
			names = nn;
		}
		names[nr] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[nr]) {
			ret = -1;
			break;
		}
		sprintf(names[nr], "%s/%s", dir, e->d_name);
		nr++;
	}
	closedir(d);
	if (names)
		qsort(names, nr, sizeof(*names), by_name);
	for (i = 0; i < nr; i++) {
		if (!ret && replay_file(names[i], n))
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		int err;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 2;
		}
		err = S_ISDIR(st.st_mode) ? replay_dir(argv[i], &n)
					  : replay_file(argv[i], &n);
		if (err)
			return 2;
	}
	if (n == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 2;
	}
	printf("replay: %lu inputs, every promise kept\n", n);
	return 0;
}
