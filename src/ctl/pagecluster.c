// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagecluster.c - fzram's vm.page-cluster, set and put back (pagecluster.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pagecluster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pc_parse(const char *s, int *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "keep") == 0) {
		*out = PC_KEEP;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > PC_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* The first bytes of file @path, as a string in @buf of @len bytes. */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return err;
}

/* The one number in file @path, 0..31 (the kernel's range). */
static int read_num(const char *path, int *out)
{
	char buf[32], *end;
	long v;
	int err = read_small(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < 0 || v > 31)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Write all of @s to @path (O_TRUNC, and O_CREAT when @create). */
static int write_str(const char *path, const char *s, int create)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0),
		  0644);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* @state's "FOUND SET" pair. */
static int read_state(const char *state, int *found, int *set)
{
	char buf[64];
	int err = read_small(state, buf, sizeof(buf));

	if (err)
		return err;
	if (sscanf(buf, "%d %d", found, set) != 2 || *found < 0 ||
	    *found > 31 || *set < 0 || *set > 31)
		return -EINVAL;
	return 0;
}

/* Replace @state with @s whole: a new file renamed over it. */
static int write_state(const char *state, const char *s)
{
	char tmp[4096];
	int err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", state) >= sizeof(tmp))
		return -ENAMETOOLONG;
	err = write_str(tmp, s, 1);
	if (!err && rename(tmp, state))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int pc_apply(const char *sysctl, const char *state, int value)
{
	char buf[32];
	int found, set, now, err;

	if (value == PC_KEEP)
		return 0;
	if (value < 0 || value > PC_MAX)
		return -EINVAL;
	err = read_num(sysctl, &now);
	if (err)
		return err;
	/* No state yet, or one we cannot read (start again from what is
	 * there), or one whose value someone changed since: the value now
	 * is the one to put back. */
	if (read_state(state, &found, &set) || now != set)
		found = now;
	snprintf(buf, sizeof(buf), "%d %d\n", found, value);
	err = write_state(state, buf);
	if (err)
		return err;
	snprintf(buf, sizeof(buf), "%d\n", value);
	return write_str(sysctl, buf, 0);
}

int pc_restore(const char *sysctl, const char *state)
{
	char buf[32];
	int found, set, now, err, ret = 0;

	err = read_state(state, &found, &set);
	if (err == -ENOENT)
		return 0;
	if (err) {
		unlink(state);
		return err;
	}
	err = read_num(sysctl, &now);
	if (err)
		return err; /* the state stays: a later swapoff tries again */
	if (now == set) {
		snprintf(buf, sizeof(buf), "%d\n", found);
		err = write_str(sysctl, buf, 0);
		if (err)
			return err;
		ret = 1;
	}
	if (unlink(state) && errno != ENOENT)
		return -errno;
	return ret;
}
