// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kswap.c - the loop devices on an fzram file and their swap's Used
 * figure, from sysfs and /proc/swaps (kswap.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "kswap.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void kswap_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* The first line of @path, without its newline, into @buf (@len bytes). */
static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

bool kswap_loop_backing(unsigned int id, const char *dir)
{
	char path[64], back[PATH_MAX + 16];
	size_t n = strlen(dir);

	snprintf(path, sizeof(path), "/sys/block/loop%u/loop/backing_file", id);
	if (read_line(path, back, sizeof(back)))
		return false;
	/* The file's parent is @dir: there is one file in a mount. */
	return !strncmp(back, dir, n) && back[n] == '/' &&
	       !strchr(back + n + 1, '/');
}

int kswap_used_parse(FILE *f, const char *dev, uint64_t *used)
{
	char *line = NULL, *end;
	size_t cap = 0;
	int ret = 0;

	while (!ret && getline(&line, &cap, f) > 0) {
		char *rest, *num = NULL;
		uint64_t kib;

		end = line + strcspn(line, " \t\n");
		rest = *end ? end + 1 : end;
		*end = '\0';
		kswap_unescape(line);
		if (strcmp(line, dev))
			continue;
		/* Type Size Used: the third word after the name */
		ret = -EINVAL;
		for (int w = 0; w < 3; w++) {
			rest += strspn(rest, " \t");
			num = rest;
			rest += strcspn(rest, " \t\n");
		}
		if (!num || num == rest || !isdigit((unsigned char)*num))
			break;
		errno = 0;
		kib = strtoull(num, &end, 10);
		if (errno || end != rest || kib > UINT64_MAX / 1024)
			break;
		*used = kib * 1024;
		ret = 1;
	}
	free(line);
	return ret;
}

int kswap_dir_used(const char *dir, uint64_t *used)
{
	DIR *sys = opendir("/sys/block");
	struct dirent *e;
	uint64_t sum = 0;
	int found = 0, ret = 0;

	if (!sys)
		return -errno;
	while (ret >= 0 && (e = readdir(sys))) {
		unsigned int id;
		char end, dev[32];
		uint64_t u = 0;
		FILE *f;

		if (sscanf(e->d_name, "loop%u%c", &id, &end) != 1 ||
		    !kswap_loop_backing(id, dir))
			continue;
		f = fopen("/proc/swaps", "re");
		if (!f) {
			ret = -errno;
			break;
		}
		snprintf(dev, sizeof(dev), "/dev/loop%u", id);
		if (kswap_used_parse(f, dev, &u) == 1) {
			sum += u;
			found = 1;
		}
		fclose(f);
	}
	closedir(sys);
	if (ret < 0)
		return ret;
	*used = sum;
	return found;
}
