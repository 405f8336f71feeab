// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe.c - find the mounted fzram instances and read what fzramctl lists
 * of them: the xattrs of each one's file, the loop devices on that file
 * (sysfs) and whether the first is swap (/proc/swaps).
 *
 * mountinfo and /proc/swaps escape blanks in paths as octal (\040); both
 * are unescaped before any comparison.  A loop device belongs to a mount
 * when its backing file lies directly in the mount point: an fzram mount
 * holds one writable file, whatever its name (and, from the writeback tier
 * on, the read-only block_state beside it).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "probe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fzram.h"
#include "ctl.h"
#include "kswap.h"


/*
 * mountinfo_walk() - call @fn(mount point, fstype, @arg) for every line of
 * /proc/self/mountinfo until it returns true.
 * Return: 1 when @fn stopped the walk, 0 at the end, -errno.
 */
static int mountinfo_walk(bool (*fn)(const char *, const char *, void *),
			  void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *save, *tok, *mnt = NULL, *type = NULL;
		int i = 0;
		bool dash = false;

		for (tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save), i++) {
			if (i == 4)
				mnt = tok;
			else if (dash) {
				type = tok;
				break;
			} else if (i > 5 && !strcmp(tok, "-"))
				dash = true;
		}
		if (!mnt || !type)
			continue;
		kswap_unescape(mnt);
		if (fn(mnt, type, arg)) {
			ret = 1;
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

struct mount_query {
	const char *dir;
	bool fzram_only;
};

static bool match_mount(const char *mnt, const char *type, void *arg)
{
	const struct mount_query *q = arg;

	return !strcmp(mnt, q->dir) &&
	       (!q->fzram_only || !strcmp(type, PROBE_FSTYPE));
}

bool probe_is_mounted(const char *dir, bool fzram_only)
{
	struct mount_query q = {dir, fzram_only};

	return mountinfo_walk(match_mount, &q) == 1;
}

static bool collect_mount(const char *mnt, const char *type, void *arg)
{
	struct probe_list *l = arg;

	if (strcmp(type, PROBE_FSTYPE))
		return false;
	l->v = ctl_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n++].dir = ctl_xstrdup(mnt);
	return false;
}

char *probe_find_file(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path = NULL;

	if (!d)
		return NULL;
	errno = 0;
	while (!path && (e = readdir(d))) {
		struct stat st;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;

		if (e->d_name[0] == '.')
			continue;
		path = ctl_xmalloc(n);
		snprintf(path, n, "%s/%s", dir, e->d_name);
		/* block_state, beside it, is read-only: the swap file is
		 * the one the owner may write (whoever reads: root passes
		 * every access() test, so the mode is what counts) */
		if (stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & S_IWUSR)) {
			free(path);
			path = NULL;
		}
	}
	closedir(d);
	if (!path)
		errno = errno ? errno : ENOENT;
	return path;
}


static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

void probe_find_loops(struct probe_dev *d)
{
	DIR *sys = opendir("/sys/block");
	struct dirent *e;

	if (!sys)
		return;
	while ((e = readdir(sys))) {
		unsigned int id;
		char end;

		if (sscanf(e->d_name, "loop%u%c", &id, &end) != 1 ||
		    !kswap_loop_backing(id, d->dir))
			continue;
		d->loops = ctl_xrealloc(d->loops, (d->nloops + 1) * sizeof(id));
		d->loops[d->nloops++] = id;
	}
	closedir(sys);
	if (d->nloops > 1)
		qsort(d->loops, d->nloops, sizeof(*d->loops), cmp_uint);
}


bool probe_in_swaps(const char *dev)
{
	FILE *f = fopen("/proc/swaps", "re");
	uint64_t used;
	int ret;

	if (!f)
		return false;
	ret = kswap_used_parse(f, dev, &used);
	fclose(f);
	return ret != 0;
}

/* @d's swap_used: the Used figure of @dev, its first loop device. */
static void read_swap_used(struct probe_dev *d, const char *dev)
{
	FILE *f = fopen("/proc/swaps", "re");

	if (!f)
		return;
	d->has_swap_used = kswap_used_parse(f, dev, &d->swap_used) == 1;
	fclose(f);
}

/* Read xattr user.fzram.@name of @file, NUL-terminated, into @buf. */
static int get_attr(const char *file, const char *name, char *buf, size_t len)
{
	char key[64];
	ssize_t n;

	snprintf(key, sizeof(key), FZ_XATTR_PREFIX "%s", name);
	n = getxattr(file, key, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Parse up to @n decimal columns of @s ("-1", only with @minus_one, is
 * UINT64_MAX); Return: how many were read. */
static size_t parse_cols_m1(const char *s, uint64_t *v, size_t n,
			    bool minus_one)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (minus_one && s[0] == '-' && s[1] == '1' &&
		    !isdigit((unsigned char)s[2])) {
			v[i] = UINT64_MAX;
			s += 2;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		v[i] = strtoull(s, &end, 10);
		s = end;
	}
	return i;
}

static size_t parse_cols(const char *s, uint64_t *v, size_t n)
{
	return parse_cols_m1(s, v, n, false);
}

int probe_parse_recomp_alg(const char *s, char *out, size_t len)
{
	char name[PROBE_RECOMP_NR_PRIOS][PROBE_ALG_LEN] = {{0}};
	size_t n = 0;

	while (*s) {
		const char *eol = s + strcspn(s, "\n"), *l, *r;
		size_t w;

		/* blank lines (the value's end) are no priority */
		if (s[strspn(s, " \t")] == '\n' || !s[strspn(s, " \t")]) {
			s = *eol ? eol + 1 : eol;
			continue;
		}
		if (s[0] != '#' || s[1] < '1' ||
		    s[1] > '0' + PROBE_RECOMP_MAX_PRIO || s[2] != ':' ||
		    *name[s[1] - '0'])
			return -EINVAL;
		l = memchr(s + 3, '[', (size_t)(eol - s - 3));
		r = l ? memchr(l, ']', (size_t)(eol - l)) : NULL;
		w = r ? (size_t)(r - l - 1) : 0;
		if (!w || w >= PROBE_ALG_LEN || strcspn(l + 1, " \t[") < w)
			return -EINVAL;
		memcpy(name[s[1] - '0'], l + 1, w);
		s = *eol ? eol + 1 : eol;
	}
	if (!len)
		return -EINVAL;
	out[0] = '\0';
	for (int p = 1; p <= PROBE_RECOMP_MAX_PRIO; p++) {
		int w;

		if (!*name[p])
			continue;
		w = snprintf(out + n, len - n, "%s%s", n ? "," : "", name[p]);
		if (w < 0 || (size_t)w >= len - n)
			return -EINVAL;
		n += (size_t)w;
	}
	return 0;
}

void probe_read_attrs(struct probe_dev *d)
{
	uint64_t rs[2 * PROBE_RECOMP_NR_PRIOS];
	char buf[PATH_MAX + 16];
	char *l, *r;
	size_t n;

	if (!get_attr(d->file, "mm_stat", buf, sizeof(buf)))
		d->has_mm = parse_cols(buf, d->mm, STATS_MM_NR_COLS) >=
			    STATS_MM_HUGE_PAGES + 1;
	if (!get_attr(d->file, "io_stat", buf, sizeof(buf)))
		d->has_io = parse_cols(buf, d->io, PROBE_IO_NR_COLS) ==
			    PROBE_IO_NR_COLS;
	if (!get_attr(d->file, "disksize", buf, sizeof(buf)))
		d->has_size = parse_cols(buf, &d->disksize, 1) == 1;
	if (!get_attr(d->file, "comp_algorithm", buf, sizeof(buf)) &&
	    (l = strchr(buf, '[')) && (r = strchr(l, ']')) &&
	    (size_t)(r - l) < sizeof(d->alg)) {
		memcpy(d->alg, l + 1, (size_t)(r - l - 1));
		d->alg[r - l - 1] = '\0';
	}
	/* zram's three columns, or fzram's five; anything else is unknown */
	if (!get_attr(d->file, "bd_stat", buf, sizeof(buf))) {
		n = parse_cols(buf, d->bd, PROBE_BD_NR_COLS);
		d->bd_cols = n == PROBE_BD_NR_COLS     ? PROBE_BD_NR_COLS
			     : n >= PROBE_BD_ZRAM_COLS ? PROBE_BD_ZRAM_COLS
						       : 0;
	}
	if (!get_attr(d->file, "backing_dev", buf, sizeof(buf))) {
		n = strlen(buf);
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			buf[--n] = '\0';
		if (n)
			d->backing = ctl_xstrdup(buf);
	}
	if (!get_attr(d->file, "recomp_algorithm", buf, sizeof(buf)))
		d->has_recomp_alg = !probe_parse_recomp_alg(
		    buf, d->recomp_alg, sizeof(d->recomp_alg));
	if (!d->has_recomp_alg)
		d->recomp_alg[0] = '\0';
	/* pages and bytes of priority 0, then 1, 2, 3 */
	if (!get_attr(d->file, "recomp_stat", buf, sizeof(buf)) &&
	    parse_cols(buf, rs, 2 * PROBE_RECOMP_NR_PRIOS) ==
		2 * PROBE_RECOMP_NR_PRIOS) {
		for (int p = 0; p < PROBE_RECOMP_NR_PRIOS; p++) {
			d->recomp_pages[p] = rs[2 * p];
			d->recomp_bytes[p] = rs[2 * p + 1];
		}
		d->has_recomp_stat = true;
	}
	/* the policy's counts; budget_left may be -1 */
	if (!get_attr(d->file, "policy_stat", buf, sizeof(buf)))
		d->has_policy = parse_cols_m1(buf, d->policy, PROBE_POL_NR_COLS,
					      true) == PROBE_POL_NR_COLS;
}

/* dev_probe() - fill @d from the xattrs of its file, sysfs and swaps. */
static void dev_probe(struct probe_dev *d)
{
	char dev[32];

	probe_find_loops(d);
	if (d->nloops) {
		snprintf(dev, sizeof(dev), "/dev/loop%u", d->loops[0]);
		d->swap = probe_in_swaps(dev);
		if (d->swap)
			read_swap_used(d, dev);
	}
	d->file = probe_find_file(d->dir);
	if (!d->file) {
		d->file_err = errno;
		return;
	}
	probe_read_attrs(d);
}

void probe_devs_free(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].dir);
		free(l->v[i].file);
		free(l->v[i].loops);
		free(l->v[i].backing);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int probe_devs_read(struct probe_list *l)
{
	int err = mountinfo_walk(collect_mount, l);

	if (err < 0) {
		ctl_err("/proc/self/mountinfo: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < l->n; i++)
		dev_probe(&l->v[i]);
	return 0;
}

bool probe_dev_matches(const struct probe_dev *d, const char *target)
{
	char real[PATH_MAX];
	const char *t = target;
	unsigned int id;
	char end;

	for (int pass = 0; pass < 2; pass++) {
		if (!strcmp(t, d->dir) || (d->file && !strcmp(t, d->file)))
			return true;
		if (sscanf(t, "/dev/loop%u%c", &id, &end) == 1)
			for (size_t i = 0; i < d->nloops; i++)
				if (d->loops[i] == id)
					return true;
		if (pass || !realpath(target, real))
			break;
		t = real;
	}
	return false;
}
