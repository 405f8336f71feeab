// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dictfile.c - a compression dictionary read from a file (dictfile.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "dictfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int err, char *why, size_t why_len, const char *what)
{
	if (why && why_len)
		snprintf(why, why_len, "%s", what ? what : strerror(-err));
	return err;
}

int dictfile_load(const char *path, enum codec_alg alg, int level,
		  struct codec_dict **out, char *why, size_t why_len)
{
	unsigned char *buf;
	struct stat st;
	size_t got = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(-errno, why, why_len, NULL);
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return fail(err, why, why_len, NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(-EINVAL, why, why_len, "is not a regular file");
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(-EINVAL, why, why_len, "is empty");
	}
	if (st.st_size > CODEC_DICT_MAX) {
		close(fd);
		return fail(-EINVAL, why, why_len,
			    "is larger than a dictionary can be (1 MiB)");
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return fail(-ENOMEM, why, why_len, NULL);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EINVAL;
			close(fd);
			free(buf);
			return fail(err, why, why_len,
				    n < 0 ? NULL : "shrank while read");
		}
		got += (size_t)n;
	}
	close(fd);
	err = codec_dict_load(alg, level, buf, got, out);
	free(buf);
	if (err == -EINVAL)
		return fail(err, why, why_len,
			    alg == CODEC_ZSTD
				    ? "is not a zstd dictionary (train one "
				      "with fzramctl --train-dict)"
				    : "cannot be loaded as a dictionary");
	if (err)
		return fail(err, why, why_len, NULL);
	return 0;
}
