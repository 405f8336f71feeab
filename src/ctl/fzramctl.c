// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fzramctl.c - the zramctl of fzram: list the mounted fzram instances with
 * zramctl's columns, and bring an fzram swap up or down in one command.
 *
 * Listing finds the mounts by their type, fuse.fzram, in
 * /proc/self/mountinfo and reads nothing but the user.fzram.* xattrs of the
 * one file in each, so it works against any running daemon.  The loop device
 * attached to a file is found in /sys/block/loopN/loop/backing_file, and
 * whether it is swap in /proc/swaps.
 *
 * --swapon brings up a swap in four steps: mount /run/fzram/N, mkswap,
 * losetup --direct-io=on, swapon --discard.  Every step runs as a child whose
 * stdout and stderr go to memory files (not pipes: the daemon forks and may
 * keep them open), and a failed step undoes the ones before it in reverse,
 * so that nothing is ever left half set up.  --swapoff takes the same steps
 * down in order and stops at the first that fails: a swap is never left on a
 * loop device whose file is gone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fzram.h"
#include "codec.h"
#include "size.h"
#include "stats.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define PROG "fzramctl"
#define RUN_DIR "/run/fzram"
#define FSTYPE "fuse.fzram"
#define SETTLE_MS 5000	     /* bound on every wait for the kernel */
#define POLL_MS 20	     /* between two looks while waiting */
#define DEFAULT_PRIORITY 100 /* as zram-generator */
#define MAX_COLS 64	     /* -o may repeat a column, up to this many */
#define OPTIONS_MAX 512	     /* bytes of --options */

extern char **environ;

/* ---- messages ---- */

/* err_msg() - print "fzramctl: " and the message, as one line to stderr. */
static void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		err_msg("out of memory");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- mounts, loop devices, swaps ---- */

/* A mounted fzram and what hangs on it. */
struct fz_dev {
	char *dir;    /* mount point */
	char *file;   /* dir/NAME, the single regular file; NULL if unread */
	int file_err; /* errno of the failed look for @file, else 0 */
	unsigned int
	    *loops; /* loop device numbers backed by @file, ascending */
	size_t nloops;
	bool swap; /* /dev/loop<loops[0]> is in /proc/swaps */
	bool has_mm, has_io, has_size; /* which xattrs were read */
	uint64_t mm[STATS_MM_NR_COLS]; /* mm_stat columns, as zram */
	uint64_t io[4];		       /* io_stat columns */
	uint64_t disksize;
	char alg[32]; /* the bracketed comp_algorithm; "" if unread */
};

enum { IO_FAILED_READS, IO_FAILED_WRITES, IO_INVALID, IO_NOTIFY_FREE };

/* Undo mountinfo's and /proc/swaps' octal escapes (\040 for a space). */
static void unescape(char *s)
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
		unescape(mnt);
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
	       (!q->fzram_only || !strcmp(type, FSTYPE));
}

/* is_mounted() - whether @dir is a mount point (of fzram only, if asked). */
static bool is_mounted(const char *dir, bool fzram_only)
{
	struct mount_query q = {dir, fzram_only};

	return mountinfo_walk(match_mount, &q) == 1;
}

struct dev_list {
	struct fz_dev *v;
	size_t n;
};

static bool collect_mount(const char *mnt, const char *type, void *arg)
{
	struct dev_list *l = arg;

	if (strcmp(type, FSTYPE))
		return false;
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v) {
		err_msg("out of memory");
		exit(1);
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n++].dir = xstrdup(mnt);
	return false;
}

/*
 * find_file() - the path of the single regular file in mount @dir.
 * Return: a malloc'd path, or NULL with errno set (ENOENT if none yet).
 */
static char *find_file(const char *dir)
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
		path = xmalloc(n);
		snprintf(path, n, "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			path = NULL;
		}
	}
	closedir(d);
	if (!path)
		errno = errno ? errno : ENOENT;
	return path;
}

/* Read sysfs file @path into @buf without its trailing newline. */
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

/* loop_backing() - whether loop device @id is attached to a file in @dir. */
static bool loop_backing(unsigned int id, const char *dir)
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

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/* find_loops() - fill @d->loops with the loop devices on @d->dir's file. */
static void find_loops(struct fz_dev *d)
{
	DIR *sys = opendir("/sys/block");
	struct dirent *e;

	if (!sys)
		return;
	while ((e = readdir(sys))) {
		unsigned int id;
		char end;

		if (sscanf(e->d_name, "loop%u%c", &id, &end) != 1 ||
		    !loop_backing(id, d->dir))
			continue;
		d->loops = realloc(d->loops, (d->nloops + 1) * sizeof(id));
		if (!d->loops) {
			err_msg("out of memory");
			exit(1);
		}
		d->loops[d->nloops++] = id;
	}
	closedir(sys);
	if (d->nloops > 1)
		qsort(d->loops, d->nloops, sizeof(*d->loops), cmp_uint);
}

/* in_swaps() - whether block device @dev (/dev/loopN) is in /proc/swaps. */
static bool in_swaps(const char *dev)
{
	FILE *f = fopen("/proc/swaps", "re");
	char *line = NULL, *end;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		end = line + strcspn(line, " \t\n");
		*end = '\0';
		unescape(line);
		found = !strcmp(line, dev);
	}
	free(line);
	fclose(f);
	return found;
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

/* Parse up to @n decimal columns of @s; Return: how many were read. */
static size_t parse_cols(const char *s, uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			break;
		v[i] = strtoull(s, &end, 10);
		s = end;
	}
	return i;
}

/* dev_probe() - fill @d from the xattrs of its file, sysfs and swaps. */
static void dev_probe(struct fz_dev *d)
{
	char buf[512], dev[32];
	char *l, *r;

	find_loops(d);
	if (d->nloops) {
		snprintf(dev, sizeof(dev), "/dev/loop%u", d->loops[0]);
		d->swap = in_swaps(dev);
	}
	d->file = find_file(d->dir);
	if (!d->file) {
		d->file_err = errno;
		return;
	}
	if (!get_attr(d->file, "mm_stat", buf, sizeof(buf)))
		d->has_mm = parse_cols(buf, d->mm, STATS_MM_NR_COLS) >=
			    STATS_MM_HUGE_PAGES + 1;
	if (!get_attr(d->file, "io_stat", buf, sizeof(buf)))
		d->has_io = parse_cols(buf, d->io, 4) == 4;
	if (!get_attr(d->file, "disksize", buf, sizeof(buf)))
		d->has_size = parse_cols(buf, &d->disksize, 1) == 1;
	if (!get_attr(d->file, "comp_algorithm", buf, sizeof(buf)) &&
	    (l = strchr(buf, '[')) && (r = strchr(l, ']')) &&
	    (size_t)(r - l) < sizeof(d->alg)) {
		memcpy(d->alg, l + 1, (size_t)(r - l - 1));
		d->alg[r - l - 1] = '\0';
	}
}

static void devs_free(struct dev_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].dir);
		free(l->v[i].file);
		free(l->v[i].loops);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* devs_read() - every mounted fzram, probed.  Return: 0 or -errno. */
static int devs_read(struct dev_list *l)
{
	int err = mountinfo_walk(collect_mount, l);

	if (err < 0) {
		err_msg("/proc/self/mountinfo: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < l->n; i++)
		dev_probe(&l->v[i]);
	return 0;
}

/*
 * dev_matches() - whether @target names @d: its mount point, its file or a
 * loop device attached to it (after resolving symbolic links).
 */
static bool dev_matches(const struct fz_dev *d, const char *target)
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

/* ---- running the tools ---- */

/* Read memory file @fd from its start into @buf, trimmed of white space. */
static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	n = n < 0 ? 0 : n;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
}

/* Write @argv joined by spaces into @buf (truncated to fit). */
static void join_argv(char *buf, size_t len, char *const argv[])
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && n + 1 < len; i++) {
		snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
		n += strlen(buf + n);
	}
}

/*
 * run() - run @argv (argv[0] searched in PATH) with stdin from /dev/null,
 * and wait for it.  Its stdout, trimmed, goes to @out (may be NULL).
 * Return: 0 when it exited with status 0; else -1 with @why saying how it
 * failed: the command, its exit status or signal, its stderr on one line.
 */
static int run(char *const argv[], char *out, size_t out_len, char *why,
	       size_t why_len)
{
	posix_spawn_file_actions_t fa;
	char err[1024], cmd[512];
	int fd_out, fd_err, status, e;
	pid_t pid;

	join_argv(cmd, sizeof(cmd), argv);
	fd_out = memfd_create("fzramctl-stdout", MFD_CLOEXEC);
	fd_err = memfd_create("fzramctl-stderr", MFD_CLOEXEC);
	if (fd_out < 0 || fd_err < 0) {
		e = errno;
		snprintf(why, why_len, "%s: %s", cmd, strerror(e));
		goto out_close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd_out, 1);
	posix_spawn_file_actions_adddup2(&fa, fd_err, 2);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		snprintf(why, why_len, "%s: %s", argv[0], strerror(e));
		goto out_close;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		slurp(fd_out, out, out_len);
	slurp(fd_err, err, sizeof(err));
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		close(fd_out);
		close(fd_err);
		return 0;
	}
	if (WIFEXITED(status))
		snprintf(why, why_len, "'%s' exited with status %d%s%s", cmd,
			 WEXITSTATUS(status), *err ? ": " : "", err);
	else
		snprintf(why, why_len, "'%s' killed by signal %d%s%s", cmd,
			 WTERMSIG(status), *err ? ": " : "", err);
out_close:
	if (fd_out >= 0)
		close(fd_out);
	if (fd_err >= 0)
		close(fd_err);
	return -1;
}

/* run_step() - run() and, on failure, print "fzramctl: @step: why". */
static int run_step(const char *step, char *const argv[], char *out,
		    size_t out_len)
{
	char why[2048];

	if (run(argv, out, out_len, why, sizeof(why)) == 0)
		return 0;
	err_msg("%s: %s", step, why);
	return -1;
}

/* ---- the steps, up and down ---- */

/* loop_detach() - losetup -d loop @id, and wait until it lets go of @dir. */
static int loop_detach(unsigned int id, const char *dir)
{
	char dev[32];
	char *argv[] = {"losetup", "-d", dev, NULL};

	snprintf(dev, sizeof(dev), "/dev/loop%u", id);
	if (run_step("losetup", argv, NULL, 0))
		return -1;
	/* The kernel detaches asynchronously, when the last opener closes. */
	for (int ms = 0; loop_backing(id, dir); ms += POLL_MS) {
		if (ms >= SETTLE_MS) {
			err_msg("losetup: %s is still attached after %d s", dev,
				SETTLE_MS / 1000);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	return 0;
}

/* swap_off() - swapoff loop @id if it is swap. */
static int swap_off(unsigned int id)
{
	char dev[32];
	char *argv[] = {"swapoff", dev, NULL};

	snprintf(dev, sizeof(dev), "/dev/loop%u", id);
	if (!in_swaps(dev))
		return 0;
	return run_step("swapoff", argv, NULL, 0);
}

/* Whether @dir is /run/fzram/N, which fzramctl made and may remove. */
static bool is_run_dir(const char *dir)
{
	size_t n = strlen(RUN_DIR "/");

	return !strncmp(dir, RUN_DIR "/", n) && dir[n] && !strchr(dir + n, '/');
}

/*
 * unmount_dir() - unmount @dir if mounted (retrying while busy, for a
 * loop device that is still letting go), then remove it if under /run/fzram.
 */
static int unmount_dir(const char *dir)
{
	for (int ms = 0; is_mounted(dir, false); ms += POLL_MS) {
		if (umount2(dir, 0) == 0)
			break;
		if (errno != EBUSY || ms >= SETTLE_MS) {
			err_msg("umount: %s: %s", dir, strerror(errno));
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	if (is_run_dir(dir) && rmdir(dir) && errno != ENOENT) {
		err_msg("rmdir: %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* dev_teardown() - swapoff, losetup -d, umount, rmdir; stop at a failure. */
static int dev_teardown(const struct fz_dev *d)
{
	for (size_t i = 0; i < d->nloops; i++)
		if (swap_off(d->loops[i]) || loop_detach(d->loops[i], d->dir))
			return -1;
	return unmount_dir(d->dir);
}

/* ---- --swapon ---- */

struct swapon_args {
	const char *size, *algorithm, *level, *mem_limit; /* NULL: fzram's */
	const char *options; /* more of fzram's -o options, or NULL */
	const char *priority_arg; /* NULL: DEFAULT_PRIORITY */
	int priority;		  /* parsed by check_swapon() */
};

/* detach_loops() - losetup -d every loop device on the file in @dir. */
static int detach_loops(const char *dir)
{
	struct fz_dev d = {.dir = (char *)dir};
	int ret = 0;

	find_loops(&d);
	for (size_t i = 0; i < d.nloops && !ret; i++)
		ret = loop_detach(d.loops[i], dir);
	free(d.loops);
	return ret;
}

/* Whether the env asks @step to fail on purpose (for the tests). */
static bool fail_at(const char *step)
{
	const char *s = getenv("FZRAMCTL_FAIL_AT");

	if (!s || strcmp(s, step))
		return false;
	err_msg("%s: failed on purpose (FZRAMCTL_FAIL_AT=%s)", step, step);
	return true;
}

/* Whether @dir holds nothing (a missing @dir counts as empty). */
static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return errno == ENOENT;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/*
 * pick_dir() - create (or take, if empty) the first free /run/fzram/N into
 * @dir.  The caller holds the lock on /run/fzram.  Return: 0 or -1.
 */
static int pick_dir(char *dir, size_t len)
{
	for (unsigned int n = 0; n < 1024; n++) {
		snprintf(dir, len, RUN_DIR "/%u", n);
		if (is_mounted(dir, false) || !dir_empty(dir))
			continue;
		if (mkdir(dir, 0755) == 0 || errno == EEXIST)
			return 0;
		err_msg("mount: %s: %s", dir, strerror(errno));
		return -1;
	}
	err_msg("mount: no free directory in " RUN_DIR);
	return -1;
}

/* Build fzram's -o list from the options given, into @buf. */
static void fzram_opts(const struct swapon_args *a, char *buf, size_t len)
{
	const char *names[] = {"size", "algorithm", "level", "mem_limit"};
	const char *vals[] = {a->size, a->algorithm, a->level, a->mem_limit};
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < 4; i++)
		if (vals[i] && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
					      n ? "," : "", names[i], vals[i]);
	if (a->options && n < len)
		snprintf(buf + n, len - n, "%s%s", n ? "," : "", a->options);
}

/* mount_fzram() - run fzram on @dir; wait for its file into @file. */
static int mount_fzram(const struct swapon_args *a, const char *dir,
		       char **file)
{
	char opts[OPTIONS_MAX + 256], fzram[PATH_MAX];
	char *argv[] = {fzram, "-o", opts, (char *)dir, NULL};
	const char *env = getenv("FZRAM");

	snprintf(fzram, sizeof(fzram), "%s", env && *env ? env : "fzram");
	fzram_opts(a, opts, sizeof(opts));
	if (!*opts) {
		argv[1] = (char *)dir;
		argv[2] = NULL;
	}
	if (fail_at("mount") || run_step("mount", argv, NULL, 0))
		return -1;
	if (!is_mounted(dir, true)) {
		err_msg("mount: %s exited but %s is not mounted", fzram, dir);
		return -1;
	}
	for (int ms = 0; !(*file = find_file(dir)); ms += POLL_MS) {
		if (ms >= SETTLE_MS) {
			err_msg("mount: no file in %s: %s", dir,
				strerror(errno));
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	return 0;
}

/* Parse the loop device name losetup --show printed: "/dev/loopN". */
static int parse_loop(const char *dev, unsigned int *id)
{
	char end;

	if (sscanf(dev, "/dev/loop%u%c", id, &end) != 1) {
		err_msg("losetup: unexpected output: '%s'", dev);
		return -1;
	}
	return 0;
}

/*
 * swap_up() - mount, mkswap, losetup, swapon in /run/fzram/N, undoing
 * everything on a failure.  Prints the loop device.  Return: 0 or 1.
 */
static int swap_up(const struct swapon_args *a, const char *dir)
{
	char dev[64], prio[16], *file = NULL;
	char *mkswap[] = {"mkswap", NULL, NULL};
	char *losetup[] = {
	    "losetup", "--direct-io=on", "--find", "--show", NULL, NULL};
	char *swapon[] = {"swapon", "--discard", "--priority", prio, dev, NULL};
	unsigned int id;
	int ret = 1;

	if (mount_fzram(a, dir, &file))
		goto out_unmount;
	mkswap[1] = losetup[4] = file;
	if (fail_at("mkswap") || run_step("mkswap", mkswap, NULL, 0))
		goto out_unmount;
	if (fail_at("losetup"))
		goto out_unmount;
	/* A loop device on the new file is ours even if losetup failed. */
	if (run_step("losetup", losetup, dev, sizeof(dev)) ||
	    parse_loop(dev, &id))
		goto out_detach;
	snprintf(prio, sizeof(prio), "%d", a->priority);
	if (fail_at("swapon") || run_step("swapon", swapon, NULL, 0))
		goto out_detach;
	printf("%s\n", dev);
	ret = 0;
	goto out;

out_detach:
	if (detach_loops(dir))
		goto out_stuck;
out_unmount:
	if (unmount_dir(dir))
		goto out_stuck;
	goto out;
out_stuck:
	err_msg("could not undo everything: see above");
out:
	free(file);
	return ret;
}

/* cmd_swapon() - take the lock on /run/fzram and bring a swap up. */
static int cmd_swapon(const struct swapon_args *a)
{
	char dir[sizeof(RUN_DIR) + 16];
	int lock, ret = 1;

	if (mkdir(RUN_DIR, 0755) && errno != EEXIST) {
		err_msg("mount: %s: %s", RUN_DIR, strerror(errno));
		return 1;
	}
	/* Two fzramctl --swapon at once must not pick the same directory. */
	lock = open(RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		err_msg("mount: lock %s: %s", RUN_DIR, strerror(errno));
		goto out;
	}
	if (pick_dir(dir, sizeof(dir)) == 0)
		ret = swap_up(a, dir);
out:
	if (lock >= 0)
		close(lock);
	return ret;
}

/* ---- --swapoff ---- */

/* cmd_swapoff() - tear down @target's fzram, or all with @target NULL. */
static int cmd_swapoff(const char *target)
{
	struct dev_list l = {NULL, 0};
	bool found = false;
	int ret = 0;

	if (devs_read(&l))
		return 1;
	for (size_t i = 0; i < l.n; i++) {
		if (target && !dev_matches(&l.v[i], target))
			continue;
		found = true;
		if (dev_teardown(&l.v[i]))
			ret = 1;
		if (target)
			break;
	}
	if (target && !found) {
		err_msg("%s: not an fzram mount, file or loop device", target);
		ret = 1;
	}
	devs_free(&l);
	return ret;
}

/* ---- listing ---- */

enum col_kind {
	KIND_TEXT,  /* left-aligned, a JSON string */
	KIND_SIZE,  /* bytes: human-readable unless --bytes */
	KIND_COUNT, /* a number */
	KIND_RATIO, /* a number with 4 decimals */
	KIND_BOOL,  /* yes/no, a JSON boolean */
};

enum col_id {
	COL_NAME,
	COL_DISKSIZE,
	COL_DATA,
	COL_COMPR,
	COL_ALGORITHM,
	COL_STREAMS,
	COL_ZERO_PAGES,
	COL_TOTAL,
	COL_MEM_LIMIT,
	COL_MEM_USED,
	COL_MIGRATED,
	COL_COMP_RATIO,
	COL_MOUNTPOINT,
	COL_HUGE_PAGES,
	COL_FAILED_READS,
	COL_FAILED_WRITES,
	COL_NOTIFY_FREE,
	COL_LOOP,
	COL_SWAP,
	COL_NR
};

struct col_def {
	const char *name;
	enum col_kind kind;
	const char *help;
};

static const struct col_def cols[COL_NR] = {
    [COL_NAME] = {"NAME", KIND_TEXT, "the fzram file"},
    [COL_DISKSIZE] = {"DISKSIZE", KIND_SIZE,
		      "limit on the uncompressed amount of data"},
    [COL_DATA] = {"DATA", KIND_SIZE, "uncompressed size of stored data"},
    [COL_COMPR] = {"COMPR", KIND_SIZE, "compressed size of stored data"},
    [COL_ALGORITHM] = {"ALGORITHM", KIND_TEXT,
		       "the selected compression algorithm"},
    [COL_STREAMS] = {"STREAMS", KIND_COUNT,
		     "number of concurrent compress operations"},
    [COL_ZERO_PAGES] = {"ZERO-PAGES", KIND_COUNT,
			"same-filled pages with no allocated memory"},
    [COL_TOTAL] = {"TOTAL", KIND_SIZE,
		   "all pool memory, allocator fragmentation included"},
    [COL_MEM_LIMIT] = {"MEM-LIMIT", KIND_SIZE,
		       "memory limit on the pool (0: none)"},
    [COL_MEM_USED] = {"MEM-USED", KIND_SIZE, "peak of the pool memory"},
    [COL_MIGRATED] = {"MIGRATED", KIND_COUNT, "pages freed by compaction"},
    [COL_COMP_RATIO] = {"COMP-RATIO", KIND_RATIO,
			"compression ratio: DATA/TOTAL"},
    [COL_MOUNTPOINT] = {"MOUNTPOINT", KIND_TEXT, "where fzram is mounted"},
    [COL_HUGE_PAGES] = {"HUGE-PAGES", KIND_COUNT,
			"incompressible pages stored raw"},
    [COL_FAILED_READS] = {"FAILED-READS", KIND_COUNT,
			  "reads that failed (corruption)"},
    [COL_FAILED_WRITES] = {"FAILED-WRITES", KIND_COUNT,
			   "writes that failed (memory limit)"},
    [COL_NOTIFY_FREE] = {"NOTIFY-FREE", KIND_COUNT, "pages freed by discards"},
    [COL_LOOP] = {"LOOP", KIND_TEXT, "loop device attached to the file"},
    [COL_SWAP] = {"SWAP", KIND_BOOL, "whether the loop device is swap"},
};

static const enum col_id default_cols[] = {
    COL_NAME,  COL_ALGORITHM, COL_DISKSIZE, COL_DATA,
    COL_COMPR, COL_TOTAL,     COL_STREAMS,  COL_MOUNTPOINT,
};

struct list_opts {
	enum col_id col[MAX_COLS];
	size_t ncols;
	bool bytes, noheadings, raw, json;
};

/*
 * human_size() - @bytes as util-linux's size_to_human_string() prints them:
 * a power of 1024 with a one-letter suffix, one decimal unless it is 0.
 */
static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	int exp = 0;
	uint64_t dec = bytes, frac = 0;

	while (exp < 60 && bytes >= (1ULL << (exp + 10)))
		exp += 10;
	if (exp) {
		dec = bytes >> exp;
		frac = bytes & ((1ULL << exp) - 1);
		/* three digits, then round to one as util-linux does */
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) >> (exp - 10);
		else
			frac = (frac * 1000) >> exp;
		frac = ((frac + 50) / 100);
		if (frac == 10) {
			dec++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", dec, frac,
			 letters[exp / 10]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", dec, letters[exp / 10]);
}

/* Format @v, a size, into @buf as asked. */
static void fmt_size(uint64_t v, bool bytes, char *buf, size_t len)
{
	if (bytes)
		snprintf(buf, len, "%" PRIu64, v);
	else
		human_size(v, buf, len);
}

/*
 * cell() - the text of column @c for @d, malloc'd; NULL when unknown (an
 * unreadable xattr, no loop device): printed empty, or null in JSON.
 */
static char *cell(const struct fz_dev *d, enum col_id c, bool bytes)
{
	static const uint8_t mm_of[COL_NR] = {
	    [COL_DATA] = STATS_MM_ORIG_DATA_SIZE + 1,
	    [COL_COMPR] = STATS_MM_COMPR_DATA_SIZE + 1,
	    [COL_TOTAL] = STATS_MM_MEM_USED_TOTAL + 1,
	    [COL_MEM_LIMIT] = STATS_MM_MEM_LIMIT + 1,
	    [COL_MEM_USED] = STATS_MM_MEM_USED_MAX + 1,
	    [COL_ZERO_PAGES] = STATS_MM_SAME_PAGES + 1,
	    [COL_MIGRATED] = STATS_MM_PAGES_COMPACTED + 1,
	    [COL_HUGE_PAGES] = STATS_MM_HUGE_PAGES + 1,
	};
	static const uint8_t io_of[COL_NR] = {
	    [COL_FAILED_READS] = IO_FAILED_READS + 1,
	    [COL_FAILED_WRITES] = IO_FAILED_WRITES + 1,
	    [COL_NOTIFY_FREE] = IO_NOTIFY_FREE + 1,
	};
	char buf[64];
	uint64_t v;

	switch (c) {
	case COL_NAME:
		return d->file ? xstrdup(d->file) : NULL;
	case COL_MOUNTPOINT:
		return xstrdup(d->dir);
	case COL_ALGORITHM:
		return *d->alg ? xstrdup(d->alg) : NULL;
	case COL_STREAMS:
		snprintf(buf, sizeof(buf), "%ld",
			 sysconf(_SC_NPROCESSORS_ONLN));
		return xstrdup(buf);
	case COL_LOOP:
		if (!d->nloops)
			return NULL;
		snprintf(buf, sizeof(buf), "/dev/loop%u", d->loops[0]);
		return xstrdup(buf);
	case COL_SWAP:
		return xstrdup(d->swap ? "yes" : "no");
	case COL_DISKSIZE:
		if (!d->has_size)
			return NULL;
		fmt_size(d->disksize, bytes, buf, sizeof(buf));
		return xstrdup(buf);
	case COL_COMP_RATIO:
		if (!d->has_mm)
			return NULL;
		snprintf(buf, sizeof(buf), "%.4f",
			 d->mm[STATS_MM_MEM_USED_TOTAL]
			     ? (double)d->mm[STATS_MM_ORIG_DATA_SIZE] /
				   (double)d->mm[STATS_MM_MEM_USED_TOTAL]
			     : 0.0);
		return xstrdup(buf);
	default:
		break;
	}
	if (io_of[c]) {
		if (!d->has_io)
			return NULL;
		v = d->io[io_of[c] - 1];
	} else {
		if (!d->has_mm || !mm_of[c])
			return NULL;
		v = d->mm[mm_of[c] - 1];
	}
	if (cols[c].kind == KIND_SIZE)
		fmt_size(v, bytes, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return xstrdup(buf);
}

/* Print @s for --raw: blanks, controls and "\x" escaped as \xHH. */
static void put_raw(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isspace(ch) || iscntrl(ch) || (ch == '\\' && s[1] == 'x'))
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

/* Print @s as a JSON string. */
static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* Print a lower-case column name as a JSON key. */
static void put_json_key(const char *name)
{
	char key[32];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(key); i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	key[i] = '\0';
	put_json_string(key);
	fputs(": ", stdout);
}

/* print_json() - {"fzram": [ {...}, ... ]}, as lsblk --json. */
static void print_json(const struct list_opts *o, char **tab, size_t rows)
{
	printf("{\n   \"fzram\": [");
	for (size_t r = 0; r < rows; r++) {
		printf("%s\n      {", r ? "," : "");
		for (size_t c = 0; c < o->ncols; c++) {
			const char *v = tab[r * o->ncols + c];
			enum col_kind k = cols[o->col[c]].kind;

			printf("%s\n         ", c ? "," : "");
			put_json_key(cols[o->col[c]].name);
			if (!v)
				fputs("null", stdout);
			else if (k == KIND_BOOL)
				fputs(!strcmp(v, "yes") ? "true" : "false",
				      stdout);
			else if (k == KIND_COUNT || k == KIND_RATIO ||
				 (k == KIND_SIZE && o->bytes))
				fputs(v, stdout);
			else
				put_json_string(v);
		}
		printf("\n      }");
	}
	printf("%s]\n}\n", rows ? "\n   " : "");
}

/* Print one cell (@v may be NULL) padded to @w, or raw. */
static void put_cell(const struct list_opts *o, size_t c, const char *v,
		     size_t w)
{
	bool right = cols[o->col[c]].kind != KIND_TEXT &&
		     cols[o->col[c]].kind != KIND_BOOL;
	bool last = c + 1 == o->ncols;
	int pad = (int)(w - strlen(v ? v : ""));

	if (c)
		putchar(' ');
	if (o->raw) {
		put_raw(v ? v : "");
		return;
	}
	if (right)
		printf("%*s%s", pad, "", v ? v : "");
	else
		printf("%s%*s", v ? v : "", last ? 0 : pad, "");
}

/* print_text() - aligned columns (header unless -n), or --raw. */
static void print_text(const struct list_opts *o, char **tab, size_t rows)
{
	size_t w[MAX_COLS];

	if (!rows)
		return; /* as zramctl: no devices, no header */
	for (size_t c = 0; c < o->ncols; c++) {
		w[c] = o->noheadings ? 0 : strlen(cols[o->col[c]].name);
		for (size_t r = 0; r < rows; r++) {
			const char *v = tab[r * o->ncols + c];

			if (v && strlen(v) > w[c])
				w[c] = strlen(v);
		}
	}
	if (!o->noheadings) {
		for (size_t c = 0; c < o->ncols; c++)
			put_cell(o, c, cols[o->col[c]].name, w[c]);
		putchar('\n');
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < o->ncols; c++)
			put_cell(o, c, tab[r * o->ncols + c], w[c]);
		putchar('\n');
	}
}

/* cmd_list() - list the fzram mounts (only those @targets name, if any). */
static int cmd_list(const struct list_opts *o, char **targets, int ntargets)
{
	struct dev_list l = {NULL, 0};
	char **tab;
	size_t rows = 0;
	int ret = 0;

	if (devs_read(&l))
		return 1;
	for (int t = 0; t < ntargets; t++) {
		size_t i = 0;

		while (i < l.n && !dev_matches(&l.v[i], targets[t]))
			i++;
		if (i == l.n) {
			err_msg("%s: not an fzram mount, file or loop device",
				targets[t]);
			ret = 1;
		}
	}
	tab = xmalloc(l.n * o->ncols * sizeof(*tab));
	for (size_t i = 0; i < l.n; i++) {
		bool want = ntargets == 0;

		for (int t = 0; t < ntargets && !want; t++)
			want = dev_matches(&l.v[i], targets[t]);
		if (!want)
			continue;
		if (!l.v[i].file)
			err_msg("%s: %s", l.v[i].dir,
				strerror(l.v[i].file_err));
		for (size_t c = 0; c < o->ncols; c++)
			tab[rows * o->ncols + c] =
			    cell(&l.v[i], o->col[c], o->bytes);
		rows++;
	}
	if (o->json)
		print_json(o, tab, rows);
	else
		print_text(o, tab, rows);
	for (size_t i = 0; i < rows * o->ncols; i++)
		free(tab[i]);
	free(tab);
	devs_free(&l);
	return ret;
}

/* ---- command line ---- */

/* parse_columns() - -o LIST into @o; "+LIST" extends the defaults. */
static int parse_columns(struct list_opts *o, const char *list)
{
	char *copy, *save, *tok;
	size_t n = 0;
	int ret = 0;

	if (*list == '+') {
		list++;
		n = sizeof(default_cols) / sizeof(default_cols[0]);
		memcpy(o->col, default_cols, sizeof(default_cols));
	}
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		int c = 0;

		while (c < COL_NR && strcasecmp(tok, cols[c].name))
			c++;
		if (c == COL_NR) {
			err_msg("unknown column: %s", tok);
			ret = -1;
		} else if (n == MAX_COLS) {
			err_msg("too many columns");
			ret = -1;
		} else {
			o->col[n++] = (enum col_id)c;
		}
	}
	free(copy);
	if (!ret && !n) {
		err_msg("--output: no column given");
		ret = -1;
	}
	o->ncols = n;
	return ret;
}

/* Parse all of @s as an int in @min..@max. */
static int parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* check_swapon() - validate the --swapon options; nothing changes on error. */
static int check_swapon(struct swapon_args *a)
{
	const char *alg = a->algorithm ? a->algorithm : CODEC_DEFAULT_NAME;
	const char *fail = getenv("FZRAMCTL_FAIL_AT");
	int min, max, def, level;
	uint64_t v;

	if (a->size && (size_parse(a->size, strlen(a->size), &v) || !v ||
			v % FZ_PAGE_SIZE)) {
		err_msg("--size: '%s' is not a size (a positive multiple of "
			"%d, with an optional K, M, G or T suffix)",
			a->size, FZ_PAGE_SIZE);
		return -1;
	}
	if (a->mem_limit &&
	    size_parse(a->mem_limit, strlen(a->mem_limit), &v)) {
		err_msg("--mem-limit: '%s' is not a size (bytes, with an "
			"optional K, M, G or T suffix; 0 for none)",
			a->mem_limit);
		return -1;
	}
	if (a->options && (!*a->options || strlen(a->options) > OPTIONS_MAX ||
			   strpbrk(a->options, " \t\n") ||
			   a->options[0] == ',' ||
			   a->options[strlen(a->options) - 1] == ',')) {
		err_msg("--options: '%s' is not a list of fzram -o options "
			"(comma-separated, no spaces, at most %d bytes)",
			a->options, OPTIONS_MAX);
		return -1;
	}
	if (a->priority_arg &&
	    parse_int(a->priority_arg, -1, 32767, &a->priority)) {
		err_msg("--priority: '%s' is not a number from -1 to 32767",
			a->priority_arg);
		return -1;
	}
	if (codec_level_range(alg, &min, &max, &def)) {
		err_msg("--algorithm: '%s' is not one of " CODEC_NAME_LIST,
			alg);
		return -1;
	}
	if (a->level && parse_int(a->level, min, max, &level)) {
		err_msg("--level: '%s' is not a level of %s (%d to %d)",
			a->level, alg, min, max);
		return -1;
	}
	if (fail && strcmp(fail, "mount") && strcmp(fail, "mkswap") &&
	    strcmp(fail, "losetup") && strcmp(fail, "swapon")) {
		err_msg("FZRAMCTL_FAIL_AT: '%s' is not one of mount, mkswap, "
			"losetup, swapon",
			fail);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	printf("Usage:\n"
	       " " PROG " [options] [<file|mountpoint|loopdev>...]\n"
	       " " PROG " --swapon [--size <size>] [--algorithm <alg>] "
	       "[--level <n>]\n"
	       "          [--priority <prio>] [--mem-limit <size>]\n"
	       " " PROG " --swapoff <file|mountpoint|loopdev> | --all\n"
	       "\nList fzram instances, or bring an fzram swap up or down.\n"
	       "\nOptions:\n"
	       " -o, --output <list>     columns to print (+<list> adds to "
	       "the defaults)\n"
	       "     --output-all        print every column\n"
	       " -b, --bytes             print sizes in bytes\n"
	       " -n, --noheadings        do not print a header line\n"
	       "     --raw               use the raw output format\n"
	       "     --json              use the JSON output format\n"
	       "     --swapon            mount " RUN_DIR "/N, mkswap, "
	       "losetup, swapon\n"
	       "     --size <size>       size of the swap (fzram's default: "
	       "half of RAM, at most 4G)\n"
	       "     --algorithm <alg>   " CODEC_NAME_LIST "\n"
	       "     --level <n>         compression level\n"
	       "     --priority <prio>   swap priority, -1 to 32767 "
	       "(default %d)\n"
	       "     --mem-limit <size>  cap on the pool's memory (0: none)\n"
	       "     --options <list>    more fzram -o options (poll_us=N, "
	       "uring, nomlock)\n"
	       "     --swapoff           swapoff, losetup -d, umount\n"
	       "     --all               with --swapoff: every fzram\n"
	       " -h, --help              display this help\n"
	       " -V, --version           display version\n"
	       "\nAvailable output columns:\n",
	       DEFAULT_PRIORITY);
	for (int c = 0; c < COL_NR; c++)
		printf(" %13s  %s\n", cols[c].name, cols[c].help);
	printf("\nSee fzramctl(8).\n");
}

enum {
	OPT_OUTPUT_ALL = 256,
	OPT_RAW,
	OPT_JSON,
	OPT_SWAPON,
	OPT_SWAPOFF,
	OPT_ALL,
	OPT_SIZE,
	OPT_ALGORITHM,
	OPT_LEVEL,
	OPT_PRIORITY,
	OPT_MEM_LIMIT,
	OPT_OPTIONS,
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"output-all", no_argument, NULL, OPT_OUTPUT_ALL},
    {"bytes", no_argument, NULL, 'b'},
    {"noheadings", no_argument, NULL, 'n'},
    {"raw", no_argument, NULL, OPT_RAW},
    {"json", no_argument, NULL, OPT_JSON},
    {"swapon", no_argument, NULL, OPT_SWAPON},
    {"swapoff", no_argument, NULL, OPT_SWAPOFF},
    {"all", no_argument, NULL, OPT_ALL},
    {"size", required_argument, NULL, OPT_SIZE},
    {"algorithm", required_argument, NULL, OPT_ALGORITHM},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"mem-limit", required_argument, NULL, OPT_MEM_LIMIT},
    {"options", required_argument, NULL, OPT_OPTIONS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Report a getopt error (opterr is 0) as one line. */
static void bad_option(int ch, char *const argv[])
{
	const char *arg = argv[optind - 1];
	char shrt[3] = {'-', (char)optopt, '\0'};

	if (ch == ':') /* the option that lacks it was the last one read */
		err_msg("%s: needs an argument", arg);
	else if (optopt > 0 && optopt < 256) /* an unknown short option */
		err_msg("unknown option: %s", shrt);
	else
		err_msg("unknown option: %s", arg);
}

/* The command line, parsed. */
struct cli {
	struct list_opts lo;
	struct swapon_args sa;
	bool swapon, swapoff, all; /* the mode */
	bool list_opt, sw_opt;	   /* options of listing, of --swapon seen */
	bool output_all;
	const char *output; /* -o LIST */
};

/*
 * parse_cli() - getopt into @c.
 * Return: -1 to go on, else the exit status (--help, --version, errors).
 */
static int parse_cli(int argc, char *argv[], struct cli *c)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:bnhV", long_opts, NULL)) !=
	       -1) {
		c->list_opt |= ch == 'o' || ch == 'b' || ch == 'n' ||
			       ch == OPT_OUTPUT_ALL || ch == OPT_RAW ||
			       ch == OPT_JSON;
		c->sw_opt |= ch >= OPT_SIZE && ch <= OPT_OPTIONS;
		switch (ch) {
		case OPT_OUTPUT_ALL:
			c->output = NULL;
			c->output_all = true;
			break;
		case 'o':
			c->output = optarg;
			c->output_all = false;
			break;
		case 'b':
			c->lo.bytes = true;
			break;
		case 'n':
			c->lo.noheadings = true;
			break;
		case OPT_RAW:
			c->lo.raw = true;
			break;
		case OPT_JSON:
			c->lo.json = true;
			break;
		case OPT_SWAPON:
			c->swapon = true;
			break;
		case OPT_SWAPOFF:
			c->swapoff = true;
			break;
		case OPT_ALL:
			c->all = true;
			break;
		case OPT_SIZE:
			c->sa.size = optarg;
			break;
		case OPT_ALGORITHM:
			c->sa.algorithm = optarg;
			break;
		case OPT_LEVEL:
			c->sa.level = optarg;
			break;
		case OPT_PRIORITY:
			c->sa.priority_arg = optarg;
			break;
		case OPT_MEM_LIMIT:
			c->sa.mem_limit = optarg;
			break;
		case OPT_OPTIONS:
			c->sa.options = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf(PROG " from fzram " PACKAGE_VERSION "\n");
			return 0;
		default:
			bad_option(ch, argv);
			return 1;
		}
	}
	return -1;
}

/* check_modes() - refuse options that do not go with the mode chosen. */
static int check_modes(const struct cli *c)
{
	if (c->swapon && c->swapoff) {
		err_msg("--swapon and --swapoff are mutually exclusive");
		return -1;
	}
	if ((c->swapon || c->swapoff) && c->list_opt) {
		err_msg("--output, --output-all, --bytes, --noheadings, --raw "
			"and --json are for listing only");
		return -1;
	}
	if (c->sw_opt && !c->swapon) {
		err_msg("--size, --algorithm, --level, --priority, "
			"--mem-limit and --options need --swapon");
		return -1;
	}
	if (c->all && !c->swapoff) {
		err_msg("--all needs --swapoff");
		return -1;
	}
	return 0;
}

/* main_list() - choose the columns, then list. */
static int main_list(struct cli *c, char **targets, int ntargets)
{
	struct list_opts *lo = &c->lo;

	if (c->output && parse_columns(lo, c->output))
		return 1;
	if (c->output_all) {
		lo->ncols = COL_NR;
		for (int i = 0; i < COL_NR; i++)
			lo->col[i] = (enum col_id)i;
	} else if (!c->output) {
		lo->ncols = sizeof(default_cols) / sizeof(default_cols[0]);
		memcpy(lo->col, default_cols, sizeof(default_cols));
	}
	return cmd_list(lo, targets, ntargets);
}

int main(int argc, char *argv[])
{
	struct cli c = {.sa.priority = DEFAULT_PRIORITY};
	int ret = parse_cli(argc, argv, &c);

	if (ret >= 0)
		return ret;
	if (check_modes(&c))
		return 1;
	if (c.swapon) {
		if (optind < argc) {
			err_msg("--swapon: unexpected argument: %s",
				argv[optind]);
			return 1;
		}
		if (check_swapon(&c.sa))
			return 1;
		if (geteuid() != 0) {
			err_msg("--swapon: must be run as root");
			return 1;
		}
		return cmd_swapon(&c.sa);
	}
	if (c.swapoff) {
		if (c.all == (optind < argc) || optind + 1 < argc) {
			err_msg("--swapoff: give one file, mount point or loop "
				"device, or --all");
			return 1;
		}
		if (geteuid() != 0) {
			err_msg("--swapoff: must be run as root");
			return 1;
		}
		return cmd_swapoff(c.all ? NULL : argv[optind]);
	}
	return main_list(&c, argv + optind, argc - optind);
}
