// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * setup.c - fzramctl --swapon and --swapoff (see setup.h for the steps).
 *
 * run() is the one way a tool is started: posix_spawnp() with stdin from
 * /dev/null and stdout and stderr in memfds, read back once the child has
 * exited, so that a daemon which forks and keeps them open cannot make
 * fzramctl wait.  Waits for the kernel (a loop device letting go of its
 * file, the mount's file appearing) poll every POLL_MS for at most
 * SETTLE_MS.  Two --swapon at once are serialised by flock() on
 * /run/fzram, so they never pick the same directory.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "setup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fzram.h"
#include "backing.h"
#include "codec.h"
#include "size.h"
#include "ctl.h"
#include "probe.h"
#include "kswap.h"
#include "pagecluster.h"

#define SETTLE_MS 5000 /* bound on every wait for the kernel */
#define POLL_MS 20     /* between two looks while waiting */

extern char **environ;

/* ---- running the tools ---- */

/* Sleep @ms milliseconds, signals or not. */
static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

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
	pid_t pid, w;

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
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		snprintf(why, why_len, "'%s': waitpid: %s", cmd,
			 strerror(errno));
		goto out_close;
	}
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
	ctl_err("%s: %s", step, why);
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
	for (int ms = 0; kswap_loop_backing(id, dir); ms += POLL_MS) {
		if (ms >= SETTLE_MS) {
			ctl_err("losetup: %s is still attached after %d s", dev,
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
	if (!probe_in_swaps(dev))
		return 0;
	return run_step("swapoff", argv, NULL, 0);
}

/* Whether @dir is /run/fzram/N, which fzramctl made and may remove. */
static bool is_run_dir(const char *dir)
{
	size_t n = strlen(SETUP_RUN_DIR "/");

	return !strncmp(dir, SETUP_RUN_DIR "/", n) && dir[n] &&
	       !strchr(dir + n, '/');
}

/*
 * unmount_dir() - unmount @dir if mounted (retrying while busy, for a
 * loop device that is still letting go), then remove it if under /run/fzram.
 */
static int unmount_dir(const char *dir)
{
	for (int ms = 0; probe_is_mounted(dir, false); ms += POLL_MS) {
		if (umount2(dir, 0) == 0)
			break;
		if (errno != EBUSY || ms >= SETTLE_MS) {
			ctl_err("umount: %s: %s", dir, strerror(errno));
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	if (is_run_dir(dir) && rmdir(dir) && errno != ENOENT) {
		ctl_err("rmdir: %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* dev_teardown() - swapoff, losetup -d, umount, rmdir; stop at a failure. */
static int dev_teardown(const struct probe_dev *d)
{
	for (size_t i = 0; i < d->nloops; i++)
		if (swap_off(d->loops[i]) || loop_detach(d->loops[i], d->dir))
			return -1;
	return unmount_dir(d->dir);
}

/* ---- --swapon ---- */

/* detach_loops() - losetup -d every loop device on the file in @dir. */
static int detach_loops(const char *dir)
{
	struct probe_dev d = {.dir = (char *)dir};
	int ret = 0;

	probe_find_loops(&d);
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
	ctl_err("%s: failed on purpose (FZRAMCTL_FAIL_AT=%s)", step, step);
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
		snprintf(dir, len, SETUP_RUN_DIR "/%u", n);
		if (probe_is_mounted(dir, false) || !dir_empty(dir))
			continue;
		if (mkdir(dir, 0755) == 0 || errno == EEXIST)
			return 0;
		ctl_err("mount: %s: %s", dir, strerror(errno));
		return -1;
	}
	ctl_err("mount: no free directory in " SETUP_RUN_DIR);
	return -1;
}

/* Append @s to @buf (@n bytes used of @len), with commas and backslashes
 * escaped by a backslash when @esc; Return: 0, or -ENAMETOOLONG when it does not fit. */
static int opts_put(char *buf, size_t len, size_t *n, const char *s, bool esc)
{
	for (; *s; s++) {
		if (esc && (*s == ',' || *s == '\\')) {
			if (*n + 1 >= len)
				return -ENAMETOOLONG;
			buf[(*n)++] = '\\';
		}
		if (*n + 1 >= len)
			return -ENAMETOOLONG;
		buf[(*n)++] = *s;
	}
	buf[*n] = '\0';
	return 0;
}

/* Append ",NAME=VALUE" (no comma first) to @buf, VALUE escaped if @esc. */
static int opts_kv(char *buf, size_t len, size_t *n, const char *name,
		   const char *val, bool esc)
{
	int err = opts_put(buf, len, n, *n ? "," : "", false);

	if (!err)
		err = opts_put(buf, len, n, name, false);
	if (!err)
		err = opts_put(buf, len, n, "=", false);
	if (!err)
		err = opts_put(buf, len, n, val, esc);
	return err;
}

int setup_fzram_opts(const struct setup_args *a, char *buf, size_t len)
{
	static const char *const recomp_names[SETUP_MAX_RECOMP] = {
	    "recomp", "recomp2", "recomp3"};
	char level[16], rv[CODECARG_DICT_MAX + 64];
	const char *lv = a->level;
	size_t n = 0;
	int err = 0;

	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	if (!lv && a->prim.level_set) { /* from -p level= */
		snprintf(level, sizeof(level), "%d", a->prim.level);
		lv = level;
	}
	/* Only paths may hold a comma: sizes and names cannot. */
	const struct {
		const char *name, *val;
		bool esc;
	} kv[] = {
	    {"size", a->size, false},
	    {"algorithm", a->algorithm, false},
	    {"level", lv, false},
	    {"dict", *a->prim.dict ? a->prim.dict : NULL, true},
	    {"mem_limit", a->mem_limit, false},
	    {"backing", a->backing, true},
	    {"backing_size", a->backing_size, false},
	    {"backing_encrypt", a->backing_encrypt, false},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]) && !err; i++)
		if (kv[i].val)
			err = opts_kv(buf, len, &n, kv[i].name, kv[i].val,
				      kv[i].esc);
	for (int p = 0; p < SETUP_MAX_RECOMP && !err && a->sec[p].alg; p++) {
		err = codecarg_recomp_value(&a->sec[p], rv, sizeof(rv));
		if (!err)
			err = opts_kv(buf, len, &n, recomp_names[p], rv, true);
	}
	if (!err && a->options) {
		err = opts_put(buf, len, &n, n ? "," : "", false);
		if (!err)
			err = opts_put(buf, len, &n, a->options, false);
	}
	return err;
}

/* The daemon fzramctl runs: $FZRAM, or fzram from PATH. */
static const char *fzram_cmd(void)
{
	const char *env = getenv("FZRAM");

	return env && *env ? env : "fzram";
}

/* Print @s for a shell: as it is when safe, else in single quotes. */
static void put_quoted(const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789%+,-./:=@_") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

int setup_dry_run(const struct setup_args *a)
{
	static char opts[SETUP_FZRAM_OPTS_LEN];

	if (setup_fzram_opts(a, opts, sizeof(opts))) {
		ctl_err("mount: the fzram options are too long");
		return 1;
	}
	put_quoted(fzram_cmd());
	if (*opts) {
		fputs(" -o ", stdout);
		put_quoted(opts);
	}
	puts(" " SETUP_RUN_DIR "/N");
	return 0;
}

/* mount_fzram() - run fzram on @dir; wait for its file into @file. */
static int mount_fzram(const struct setup_args *a, const char *dir, char **file)
{
	char opts[SETUP_FZRAM_OPTS_LEN], fzram[PATH_MAX];
	char *argv[] = {fzram, "-o", opts, (char *)dir, NULL};

	snprintf(fzram, sizeof(fzram), "%s", fzram_cmd());
	if (setup_fzram_opts(a, opts, sizeof(opts))) {
		ctl_err("mount: the fzram options are too long");
		return -1;
	}
	if (!*opts) {
		argv[1] = (char *)dir;
		argv[2] = NULL;
	}
	if (fail_at("mount") || run_step("mount", argv, NULL, 0))
		return -1;
	if (!probe_is_mounted(dir, true)) {
		ctl_err("mount: %s exited but %s is not mounted", fzram, dir);
		return -1;
	}
	for (int ms = 0; !(*file = probe_find_file(dir)); ms += POLL_MS) {
		if (ms >= SETTLE_MS) {
			ctl_err("mount: no file in %s: %s", dir,
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
		ctl_err("losetup: unexpected output: '%s'", dev);
		return -1;
	}
	return 0;
}

/* vm.page-cluster for the swap just brought up (see the top). */
static void page_cluster_set(int value)
{
	int err = pc_apply(PC_SYSCTL, PC_STATE, value);

	if (err)
		ctl_err("warning: vm.page-cluster: could not set %d (%s); the "
			"swap is up, its swap-in slower",
			value, strerror(-err));
}

/*
 * Put vm.page-cluster back if no fzram in SETUP_RUN_DIR is on a loop
 * device any more (a plain mount there, as in contrib/fstab.example, is no
 * swap).  Under the lock --swapon holds, so that a --swapon between the
 * look and the restore cannot set a value that nobody then puts back.
 */
static void page_cluster_restore(void)
{
	struct probe_list l = {NULL, 0};
	bool ours = false;
	int lock, err;

	lock = open(SETUP_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 && errno == ENOENT) {
		/* no fzramctl swap ever here: only a state to drop */
		err = pc_restore(PC_SYSCTL, PC_STATE);
		goto out_err;
	}
	if (lock < 0 || flock(lock, LOCK_EX)) {
		ctl_err("warning: vm.page-cluster: lock %s: %s; not put back",
			SETUP_RUN_DIR, strerror(errno));
		goto out;
	}
	if (probe_devs_read(&l))
		goto out;
	for (size_t i = 0; i < l.n; i++)
		ours |= is_run_dir(l.v[i].dir) && l.v[i].nloops;
	probe_devs_free(&l);
	if (ours)
		goto out;
	err = pc_restore(PC_SYSCTL, PC_STATE);
out_err:
	if (err < 0)
		ctl_err("warning: vm.page-cluster: could not put back the "
			"value fzramctl --swapon found (%s)",
			strerror(-err));
out:
	if (lock >= 0)
		close(lock);
}

/*
 * swap_up() - mount, mkswap, losetup, swapon in /run/fzram/N, undoing
 * everything on a failure.  Prints the loop device.  Return: 0 or 1.
 */
static int swap_up(const struct setup_args *a, const char *dir)
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
	page_cluster_set(a->page_cluster);
	goto out;

out_detach:
	if (detach_loops(dir))
		goto out_stuck;
out_unmount:
	if (unmount_dir(dir))
		goto out_stuck;
	goto out;
out_stuck:
	ctl_err("could not undo everything: see above");
out:
	free(file);
	return ret;
}

int setup_swapon(const struct setup_args *a)
{
	char dir[sizeof(SETUP_RUN_DIR) + 16];
	int lock, ret = 1;

	if (mkdir(SETUP_RUN_DIR, 0755) && errno != EEXIST) {
		ctl_err("mount: %s: %s", SETUP_RUN_DIR, strerror(errno));
		return 1;
	}
	/* Two fzramctl --swapon at once must not pick the same directory. */
	lock = open(SETUP_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		ctl_err("mount: lock %s: %s", SETUP_RUN_DIR, strerror(errno));
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

int setup_swapoff(const char *target)
{
	struct probe_list l = {NULL, 0};
	bool found = false;
	int ret = 0;

	if (probe_devs_read(&l))
		return 1;
	for (size_t i = 0; i < l.n; i++) {
		if (target && !probe_dev_matches(&l.v[i], target))
			continue;
		found = true;
		if (dev_teardown(&l.v[i]))
			ret = 1;
		if (target)
			break;
	}
	if (target && !found) {
		ctl_err("%s: not an fzram mount, file or loop device", target);
		ret = 1;
	}
	probe_devs_free(&l);
	page_cluster_restore();
	return ret;
}

/* ---- checking the options ---- */

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

_Static_assert(BK_MIN_SIZE == 1 << 20, "--backing-size's message says 1M");

/* check_backing() - the three --backing options, as setup_check(). */
static int check_backing(const struct setup_args *a)
{
	uint64_t v;

	if (a->backing &&
	    (a->backing[0] != '/' || strlen(a->backing) > SETUP_BACKING_MAX)) {
		ctl_err("--backing: '%s' is not an absolute path (a file, a "
			"block device or a directory, at most %d bytes)",
			a->backing, SETUP_BACKING_MAX);
		return -1;
	}
	if (!a->backing && (a->backing_size || a->backing_encrypt)) {
		ctl_err("--backing-size and --backing-encrypt need --backing");
		return -1;
	}
	if (a->backing_size &&
	    (size_parse(a->backing_size, strlen(a->backing_size), &v) ||
	     v < BK_MIN_SIZE)) {
		ctl_err("--backing-size: '%s' is not a size of at least 1M "
			"(bytes, with an optional K, M, G or T suffix)",
			a->backing_size);
		return -1;
	}
	if (a->backing_encrypt && strcmp(a->backing_encrypt, "on") &&
	    strcmp(a->backing_encrypt, "off")) {
		ctl_err("--backing-encrypt: '%s' is not on or off",
			a->backing_encrypt);
		return -1;
	}
	return 0;
}

/*
 * check_codecs() - --algorithm, --level, -p and each --recomp, into @prim
 * and @sec (see setup.h), so that a mistake is told before anything is
 * done.
 */
static int check_codecs(const struct setup_args *a, struct codecarg *prim,
			struct codecarg *sec)
{
	char why[CODECARG_WHY_LEN];
	int min, max, def, level;

	*prim = (struct codecarg){.alg = a->algorithm};
	if (codec_level_range(a->algorithm ? a->algorithm : CODEC_DEFAULT_NAME,
			      &min, &max, &def)) {
		ctl_err("--algorithm: '%s' is not one of " CODEC_NAME_LIST,
			a->algorithm);
		return -1;
	}
	if (a->level) {
		if (parse_int(a->level, min, max, &level)) {
			ctl_err("--level: '%s' is not a level of %s (%d to %d)",
				a->level, a->algorithm ? a->algorithm
						       : CODEC_DEFAULT_NAME,
				min, max);
			return -1;
		}
		prim->level_set = true;
		prim->level = level;
	}
	if (a->alg_params) {
		struct codecarg p = *prim;

		if (codecarg_parse_params(a->alg_params, &p, why,
					  sizeof(why))) {
			ctl_err("--algorithm-params: '%s': %s", a->alg_params,
				why);
			return -1;
		}
		if (a->level && p.level_set) {
			ctl_err("--algorithm-params: '%s': level= and --level "
				"both set the level; give one",
				a->alg_params);
			return -1;
		}
		if (!p.level_set) {
			p.level_set = prim->level_set;
			p.level = prim->level;
		}
		*prim = p;
	}
	/* Only -p can have given a dictionary or a level that fails here. */
	if (a->alg_params && codecarg_check(prim, false, why, sizeof(why))) {
		ctl_err("--algorithm-params: '%s': %s", a->alg_params, why);
		return -1;
	}
	for (int i = 0; i < SETUP_MAX_RECOMP; i++) {
		sec[i] = (struct codecarg){.alg = NULL};
		if (!a->recomp[i])
			continue;
		if (codecarg_parse_recomp(a->recomp[i], &sec[i], why,
					  sizeof(why)) ||
		    codecarg_check(&sec[i], true, why, sizeof(why))) {
			ctl_err("--recomp: '%s' (priority %d): %s",
				a->recomp[i], i + 1, why);
			return -1;
		}
	}
	return 0;
}

int setup_check(struct setup_args *a)
{
	struct codecarg prim, sec[SETUP_MAX_RECOMP]; /* 16 KiB of paths */
	const char *fail = getenv("FZRAMCTL_FAIL_AT");
	int priority = a->priority;
	uint64_t v;

	if (a->size && (size_parse(a->size, strlen(a->size), &v) || !v ||
			v % FZ_PAGE_SIZE)) {
		ctl_err("--size: '%s' is not a size (a positive multiple of "
			"%d, with an optional K, M, G or T suffix)",
			a->size, FZ_PAGE_SIZE);
		return -1;
	}
	if (a->mem_limit &&
	    size_parse(a->mem_limit, strlen(a->mem_limit), &v)) {
		ctl_err("--mem-limit: '%s' is not a size (bytes, with an "
			"optional K, M, G or T suffix; 0 for none)",
			a->mem_limit);
		return -1;
	}
	if (check_backing(a))
		return -1;
	if (a->options &&
	    (!*a->options || strlen(a->options) > SETUP_OPTIONS_MAX ||
	     strpbrk(a->options, " \t\n") || a->options[0] == ',' ||
	     a->options[strlen(a->options) - 1] == ',')) {
		ctl_err("--options: '%s' is not a list of fzram -o options "
			"(comma-separated, no spaces, at most %d bytes)",
			a->options, SETUP_OPTIONS_MAX);
		return -1;
	}
	if (a->priority_arg &&
	    parse_int(a->priority_arg, -1, 32767, &priority)) {
		ctl_err("--priority: '%s' is not a number from -1 to 32767",
			a->priority_arg);
		return -1;
	}
	if (check_codecs(a, &prim, sec))
		return -1;
	if (fail && strcmp(fail, "mount") && strcmp(fail, "mkswap") &&
	    strcmp(fail, "losetup") && strcmp(fail, "swapon")) {
		ctl_err("FZRAMCTL_FAIL_AT: '%s' is not one of mount, mkswap, "
			"losetup, swapon",
			fail);
		return -1;
	}
	if (a->page_cluster_arg &&
	    pc_parse(a->page_cluster_arg, &a->page_cluster)) {
		ctl_err("--page-cluster: '%s' is not a number from 0 to %d or "
			"'keep'",
			a->page_cluster_arg, PC_MAX);
		return -1;
	}
	if (!a->page_cluster_arg)
		a->page_cluster = PC_DEFAULT;
	a->priority = priority;
	a->prim = prim;
	memcpy(a->sec, sec, sizeof(sec));
	return 0;
}
