// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_options.c - the daemon's command line (options.h): the input, cut at
 * NUL bytes into at most 16 arguments after "fzram", goes through
 * opts_parse() as main() passes it.  Checked: 0 or -1; what is accepted
 * keeps options.h's invariants (a size that is a positive multiple of
 * 4096, a known algorithm, poll_us and threads in range, the file name a
 * single component); opts_free() frees everything (ASan's leak check).
 * opts_parse() prints its refusals to stderr: run with -close_fd_mask=2 to
 * keep them out of the way.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fs.h" /* FUSE_USE_VERSION, before any FUSE header */
#include "fuzz.h"
#include "options.h"

#include <string.h>

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	char *buf;
	struct fuse_args args;
	struct opts o;
	size_t i, start = 0;
	int argc = 1, r;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "fzram";
	for (i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (buf[i] != '\0')
			continue;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	memset(&o, 0, sizeof(o));
	r = opts_parse(&args, &o);
	fuzz_assert(r == 0 || r == -1, "opts_parse returned %d", r);
	if (r == 0) {
		fuzz_assert(o.size > 0 && o.size % 4096 == 0, "size %llu",
			    (unsigned long long)o.size);
		fuzz_assert(o.algorithm && (!strcmp(o.algorithm, "lz4") ||
					    !strcmp(o.algorithm, "lz4hc") ||
					    !strcmp(o.algorithm, "zstd")),
			    "algorithm accepted");
		fuzz_assert(o.poll_us <= 100000, "poll_us %u", o.poll_us);
		fuzz_assert(o.threads <= 256, "threads %u", o.threads);
		fuzz_assert(o.file && o.file[0] && !strchr(o.file, '/') &&
				    strlen(o.file) <= 255 &&
				    strcmp(o.file, ".") && strcmp(o.file, ".."),
			    "file '%s'", o.file ? o.file : "(null)");
	}
	opts_free(&o);
	fuse_opt_free_args(&args);
	free(buf);
	return 0;
}
