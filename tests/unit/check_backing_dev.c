// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_backing_dev.c - unit tests for how backing.c opens its store (with
 * seal.c and fault.c): the kinds of path it takes, the size it gives, and
 * the buffered path where O_DIRECT is not to be had.  The tier's logic on a
 * regular file is tested in check_backing.c.
 *
 * A directory (an O_TMPFILE without a name); a regular file (its mode, the
 * default size rounded down to whole segments, the metadata's size); bad
 * paths and sizes too small before or after rounding.  The buffered path
 * (no_direct, and, as root, ramfs in a private mount namespace, which
 * refuses O_DIRECT and punching for real) with round trips, compaction and
 * punching; a block device (as root: a loop device with autoclear over a
 * file in /tmp) with its size cap, discard and ENOSPC; the tests that need
 * root pass, saying SKIP, without it.  Needs no corpus.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "backing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "backing_testutil.h"
#include "check_run.h"
#include "testutil.h"

#define PAGE FZ_PAGE_SIZE
#define MIB (1024ULL * 1024)

/* ---- Opening ------------------------------------------------------------ */

START_TEST(test_tmpfile)
{
	char dir[] = "/tmp/check_backing_dir.XXXXXX";
	struct backing_config cfg = {.size = 2 * MIB, .encrypt = true};
	struct backing *bk = NULL;
	uint8_t a[777], out[777];
	struct dirent *de;
	int entries = 0;
	DIR *d;
	bk_id_t id;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	cfg.path = dir;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(backing_kind(bk), BK_KIND_TMPFILE);
	ck_assert_str_eq(backing_path(bk), dir);
	bt_fill(a, sizeof(a), 9);
	id = bt_put(bk, 3, a, sizeof(a));
	ck_assert_int_eq(backing_read(bk, id, 3, out, sizeof(out)), 0);
	ck_assert_mem_eq(a, out, sizeof(a));
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	ck_assert_int_eq(entries, 0); /* the file has no name */
	backing_destroy(bk);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_open_file)
{
	char dir[] = "/tmp/check_backing_dir.XXXXXX";
	char path[128];
	struct backing_config cfg = {.encrypt = true};
	struct backing *bk = NULL;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store", dir);
	cfg.path = path;
	/* size 0: the default size, rounded down to whole segments */
	cfg.default_size = BK_MIN_SIZE + BK_SEG_SIZE + 1000;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(backing_kind(bk), BK_KIND_FILE);
	ck_assert_uint_eq(bt_stats(bk).size, BK_MIN_SIZE + BK_SEG_SIZE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq((uint64_t)st.st_size, BK_MIN_SIZE + BK_SEG_SIZE);
	/* segments, blocks and no ids yet: a small fraction of the store */
	ck_assert_uint_lt(backing_meta_bytes(bk), 8192);
	backing_destroy(bk);
	ck_assert_int_eq(stat(path, &st), 0); /* a file keeps its name */
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * A 1 TiB backing file (sparse) costs RAM for what is used, not for its
 * size: no table is touched before the space it maps is, so creating it
 * adds little to the process's resident memory, and the metadata reported
 * grows with the segments written.
 */
START_TEST(test_huge_sparse)
{
	char dir[] = "/tmp/check_backing_dir.XXXXXX";
	char path[128];
	struct backing_config cfg = {.encrypt = true, .size = 1ULL << 40};
	struct backing *bk = NULL;
	uint8_t data[2000];
	struct bk_item it = {.slot = 1, .data = data, .len = sizeof(data)};
	uint64_t rss0, meta0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store", dir);
	cfg.path = path;
	rss0 = tu_status_kb("VmRSS");
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_uint_eq(bt_stats(bk).size, 1ULL << 40);
	/* 4 Mi segments: touching their tables would be 80 MiB and more */
	ck_assert_uint_lt(tu_status_kb("VmRSS") - rss0, 8 * 1024);
	meta0 = backing_meta_bytes(bk);
	ck_assert_uint_lt(meta0, 64 * 1024);
	bt_fill(data, sizeof(data), 1);
	ck_assert_int_eq(backing_write(bk, &it, 1), 1);
	ck_assert_uint_gt(backing_meta_bytes(bk), meta0);
	ck_assert_uint_lt(backing_meta_bytes(bk), 256 * 1024);
	backing_free(bk, it.id);
	backing_destroy(bk);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_bad_paths)
{
	char dir[] = "/tmp/check_backing_dir.XXXXXX";
	char fifo[128];
	struct backing_config cfg = {.size = 4 * MIB, .encrypt = true};
	struct backing *bk = NULL;

	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL); /* no path */
	cfg.path = "";
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	cfg.path = fifo;
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	cfg.path = "/dev/null"; /* a character device */
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	cfg.path = "/nonexistent-dir/x";
	ck_assert_int_eq(backing_create(&cfg, &bk), -ENOENT);
	/* too small, before or after rounding */
	bt_tmp_setup();
	cfg.path = bt_tmp_path;
	cfg.size = BK_MIN_SIZE - 1;
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	cfg.size = 0;
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	ck_assert_ptr_null(bk);
	bt_tmp_teardown();
	unlink(fifo);
	rmdir(dir);
}
END_TEST

/* ---- Buffered: O_DIRECT not used ---------------------------------------- */

/* Whether a descriptor of this process open on a path starting with
 * @prefix has O_DIRECT (read from /proc/self/fdinfo); false when none is
 * open on it. */
static bool open_direct(const char *prefix)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	bool direct = false;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char link[300], target[256], line[128];
		unsigned long flags;
		ssize_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strncmp(target, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fdinfo/%s",
			 de->d_name);
		f = fopen(link, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %lo", &flags) == 1 &&
			    (flags & O_DIRECT))
				direct = true;
		fclose(f);
	}
	closedir(d);
	return direct;
}

#define X_OBJS 3000

/* Every kind of work on @bk, a store of at least 16 MiB held in @file (NULL
 * for an O_TMPFILE): X_OBJS objects of random lengths written in batches
 * and read back; two in three freed, compaction (something moves and
 * reads back), punching (@punches: the file's allocated space follows
 * used_bytes; else nothing is punched); all freed, accounting at zero;
 * the space written again. */
static void exercise(struct backing *bk, const char *file, bool punches)
{
	static bk_id_t ids[X_OBJS];
	static unsigned int lens[X_OBJS];
	uint8_t *buf = malloc(64 * PAGE), want[PAGE], got[PAGE];
	struct bk_item it[64];
	struct backing_stats st;
	uint64_t rng = 31;

	ck_assert_ptr_nonnull(buf);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < X_OBJS;) {
			unsigned int m = 0;

			for (; m < 64 && i < X_OBJS; m++, i++) {
				lens[i] = 1 + (unsigned int)(tu_rng_next(&rng) %
							     PAGE);
				bt_fill(buf + m * PAGE, lens[i], i + round);
				it[m] = (struct bk_item){.slot = i,
							 .data = buf + m * PAGE,
							 .len = lens[i]};
			}
			ck_assert_int_eq(backing_write(bk, it, m), (int)m);
			for (unsigned int k = 0; k < m; k++)
				ids[i - m + k] = it[k].id;
		}
		for (size_t i = 0; i < X_OBJS; i++) {
			bt_fill(want, lens[i], i + round);
			ck_assert_int_eq(
			    backing_read(bk, ids[i], i, got, lens[i]), 0);
			ck_assert_mem_eq(want, got, lens[i]);
		}
		for (size_t i = 0; i < X_OBJS; i++) {
			if (i % 3 == 0)
				continue;
			backing_free(bk, ids[i]);
			ids[i] = 0;
		}
		ck_assert_int_gt(backing_compact(bk), 0);
		backing_maintain(bk);
		st = bt_stats(bk);
		ck_assert_uint_gt(st.moved, 0);
		if (punches) {
			ck_assert_uint_gt(st.punched_bytes, 0);
			if (file) {
				uint64_t a = bt_alloc_bytes(file);

				ck_assert_uint_le(a, st.used_bytes + 16 * 4096);
				ck_assert_uint_ge(a + 16 * 4096, st.used_bytes);
			}
		} else {
			ck_assert_uint_eq(st.punched_bytes, 0);
		}
		for (size_t i = 0; i < X_OBJS; i += 3) {
			bt_fill(want, lens[i], i + round);
			ck_assert_int_eq(
			    backing_read(bk, ids[i], i, got, lens[i]), 0);
			ck_assert_mem_eq(want, got, lens[i]);
			backing_free(bk, ids[i]);
		}
		backing_maintain(bk);
		st = bt_stats(bk);
		ck_assert_uint_eq(st.objects, 0);
		ck_assert_uint_eq(st.stored_bytes, 0);
		ck_assert_uint_eq(st.used_bytes, 0);
		ck_assert_uint_eq(st.read_errors, 0);
		ck_assert_uint_eq(st.write_errors, 0);
		if (punches && file)
			ck_assert_uint_le(bt_alloc_bytes(file), 16 * 4096);
	}
	free(buf);
}

/* _i: 0 sealed, 1 plain.  no_direct: the buffered path on a filesystem that
 * takes O_DIRECT (as the control shows), with the page cache advice. */
START_TEST(test_buffered)
{
	struct backing_config cfg = {
	    .path = bt_tmp_path, .size = 24 * MIB, .encrypt = _i == 0};
	struct backing *bk = NULL;

	/* the control: this filesystem takes O_DIRECT, and the check sees it */
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert(open_direct(bt_tmp_path));
	backing_destroy(bk);
	ck_assert(!open_direct(bt_tmp_path));

	cfg.no_direct = true;
	bk = NULL;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert(!open_direct(bt_tmp_path));
	ck_assert_int_eq(backing_kind(bk), BK_KIND_FILE);
	exercise(bk, bt_tmp_path, true);
	backing_destroy(bk);
	ck_assert_uint_le(bt_tmp_alloc_bytes(), 16 * 4096);
}
END_TEST

/* A filesystem that refuses O_DIRECT for real, and punching too: ramfs,
 * mounted in a mount namespace of this test's own (private, so nothing
 * propagates out; it vanishes with the process however the test ends).
 * Root only; skipped (passing) without it. */
START_TEST(test_ramfs)
{
	char dir[] = "/tmp/check_backing_ramfs.XXXXXX";
	char path[128];
	struct backing_config cfg = {.size = 16 * MIB, .encrypt = true};
	struct backing *bk = NULL;
	uint8_t a[999], out[999];
	bk_id_t id;

	if (geteuid() != 0) {
		printf("ramfs: SKIP, not root\n");
		return;
	}
	if (unshare(CLONE_NEWNS) != 0) {
		printf("ramfs: SKIP, no mount namespace (%s)\n",
		       strerror(errno));
		return;
	}
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (mount("check_backing", dir, "ramfs", 0, "mode=0700") != 0) {
		printf("ramfs: SKIP, cannot mount ramfs (%s)\n",
		       strerror(errno));
		rmdir(dir);
		return;
	}

	/* a file: O_DIRECT refused at open, reopened buffered; no punch */
	snprintf(path, sizeof(path), "%s/store", dir);
	cfg.path = path;
	ck_assert_int_lt(open(path, O_RDWR | O_CREAT | O_DIRECT, 0600), 0);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(backing_kind(bk), BK_KIND_FILE);
	ck_assert(!open_direct(path));
	exercise(bk, NULL, false);
	backing_destroy(bk);

	/* an O_TMPFILE there: the same refusal on the other open */
	cfg.path = dir;
	bk = NULL;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(backing_kind(bk), BK_KIND_TMPFILE);
	ck_assert(!open_direct(dir));
	bt_fill(a, sizeof(a), 5);
	id = bt_put(bk, 5, a, sizeof(a));
	ck_assert_int_eq(backing_read(bk, id, 5, out, sizeof(out)), 0);
	ck_assert_mem_eq(a, out, sizeof(a));
	backing_destroy(bk);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(umount2(dir, 0), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- A block device ----------------------------------------------------- */

struct loopdev {
	int fd;	       /* open on the device; its last close detaches it */
	int num;       /* N of /dev/loopN */
	char path[32]; /* /dev/loopN */
	char file[64]; /* the file behind it */
};

/* Attach @ld->file to a free loop device with LO_FLAGS_AUTOCLEAR, so that it
 * detaches itself when its last descriptor closes, even if the test dies.
 * Return: 0, or -errno (then there is no device to be had: skip). */
static int loop_attach(struct loopdev *ld)
{
	int ctl, ffd, r = -EBUSY;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	ffd = open(ld->file, O_RDWR | O_CLOEXEC);
	if (ffd < 0) {
		r = -errno;
		close(ctl);
		return r;
	}
	/* another program may take the free device first: EBUSY, again */
	for (int tries = 0; tries < 20 && r == -EBUSY; tries++) {
		struct loop_config lc;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0) {
			r = -errno;
			break;
		}
		ld->num = n;
		snprintf(ld->path, sizeof(ld->path), "/dev/loop%d", n);
		ld->fd = open(ld->path, O_RDWR | O_CLOEXEC);
		if (ld->fd < 0) { /* its node may not be there yet */
			r = errno == ENOENT || errno == ENXIO ? -EBUSY : -errno;
			usleep(20000);
			continue;
		}
		memset(&lc, 0, sizeof(lc));
		lc.fd = (uint32_t)ffd;
		lc.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(ld->fd, LOOP_CONFIGURE, &lc) == 0) {
			r = 0;
			break;
		}
		r = -errno;
		if (r == -EINVAL || r == -ENOTTY) {
			/* no LOOP_CONFIGURE (before Linux 5.8): the old two
			 * steps, with a moment between them without autoclear
			 */
			struct loop_info64 li;

			memset(&li, 0, sizeof(li));
			li.lo_flags = LO_FLAGS_AUTOCLEAR;
			if (ioctl(ld->fd, LOOP_SET_FD, ffd) == 0) {
				if (ioctl(ld->fd, LOOP_SET_STATUS64, &li) ==
				    0) {
					r = 0;
					break;
				}
				r = -errno;
				ioctl(ld->fd, LOOP_CLR_FD, 0);
			} else {
				r = -errno;
			}
		}
		close(ld->fd);
		ld->fd = -1;
	}
	close(ffd);
	close(ctl);
	return r;
}

/* /sys/block/loopN/@attr as a number, or 0. */
static uint64_t loop_sysfs(const struct loopdev *ld, const char *attr)
{
	char p[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/loop%d/%s", ld->num, attr);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Whether loopN still has @ld->file behind it. */
static bool loop_attached(const struct loopdev *ld)
{
	char p[128], back[256];
	bool ours = false;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/block/loop%d/loop/backing_file", ld->num);
	f = fopen(p, "r");
	if (!f)
		return false;
	if (fgets(back, sizeof(back), f)) {
		back[strcspn(back, "\n")] = 0;
		ours = strcmp(back, ld->file) == 0;
	}
	fclose(f);
	return ours;
}

/* The suite's lock (tests/integ/lib.sh), shared, so that an integration
 * test that wants the machine alone does not run beside this one; waits a
 * minute at most, and goes on without it when it cannot be had. */
static int suite_lock_shared(void)
{
	const char *p = getenv("FZRAM_TEST_LOCK");
	int fd = open(p && *p ? p : "/tmp/fzram-integ.lock",
		      O_RDONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	for (int i = 0; i < 600; i++) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0)
			return fd;
		usleep(100000);
	}
	printf("blockdev: the suite's lock stayed held; going on\n");
	return fd;
}

#define LOOP_FILE_SIZE (5ULL * BK_SEG_SIZE + 100 * 1024)

/* Root only, and a loop device to be had; skipped (passing) without.  A
 * loop device over a file in /tmp: the size cap from BLKGETSIZE64, round
 * trips through it, BLKDISCARD punching (the file behind it loses the
 * space) or its EOPNOTSUPP fallback, ENOSPC, a device below BK_MIN_SIZE;
 * no device is left behind. */
START_TEST(test_blockdev)
{
	struct loopdev ld = {.fd = -1};
	struct backing_config cfg = {.size = 64 * MIB, .encrypt = true};
	struct backing *bk = NULL;
	static bk_id_t ids[2000];
	static uint8_t data[16][3000];
	uint8_t out[3000], want[3000];
	struct bk_item it[16];
	struct loop_info64 li;
	uint64_t devsize, flip;
	unsigned int flen;
	bool discard;
	size_t n = 0;
	int fd, lock;

	if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0) {
		printf("blockdev: SKIP, not root or no /dev/loop-control\n");
		return;
	}
	snprintf(ld.file, sizeof(ld.file), "/tmp/check_backing_loop.XXXXXX");
	fd = mkstemp(ld.file);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)LOOP_FILE_SIZE), 0);
	close(fd);
	lock = suite_lock_shared();
	if (loop_attach(&ld) != 0) {
		printf("blockdev: SKIP, no loop device to be had\n");
		unlink(ld.file);
		if (lock >= 0)
			close(lock);
		return;
	}
	ck_assert(loop_attached(&ld));
	ck_assert_int_eq(ioctl(ld.fd, BLKGETSIZE64, &devsize), 0);
	ck_assert_uint_eq(devsize, LOOP_FILE_SIZE);
	discard = loop_sysfs(&ld, "queue/discard_max_bytes") > 0;

	/* the cap: 64 MiB asked, the device's whole segments given */
	cfg.path = ld.path;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_int_eq(backing_kind(bk), BK_KIND_BLOCK);
	ck_assert_str_eq(backing_path(bk), ld.path);
	ck_assert_uint_eq(bt_stats(bk).size, 5ULL * BK_SEG_SIZE);
	ck_assert(open_direct(ld.path));
	/* claimed exclusively: a second tier (or a mount) cannot have it */
	{
		struct backing *bk2 = NULL;
		int ex = open(ld.path, O_RDWR | O_EXCL);

		ck_assert_int_eq(backing_create(&cfg, &bk2), -EBUSY);
		ck_assert_int_eq(ex, -1);
		ck_assert_int_eq(errno, EBUSY);
	}

	/* round trips; the bytes are in the file where the device put them */
	for (int b = 0; b < 8; b++) {
		for (int k = 0; k < 16; k++) {
			bt_fill(data[k], 100 + 180 * k, (uint64_t)(b * 16 + k));
			it[k] = (struct bk_item){.slot = (uint64_t)(b * 16 + k),
						 .data = data[k],
						 .len = 100 + 180 * k};
		}
		ck_assert_int_eq(backing_write(bk, it, 16), 16);
		for (int k = 0; k < 16; k++)
			ids[b * 16 + k] = it[k].id;
	}
	for (int i = 0; i < 128; i++) {
		unsigned int len = 100 + 180 * (i % 16);

		bt_fill(want, len, (uint64_t)i);
		ck_assert_int_eq(
		    backing_read(bk, ids[i], (uint64_t)i, out, len), 0);
		ck_assert_mem_eq(want, out, len);
	}
	ck_assert_int_eq(backing_object_where(bk, ids[77], &flip, &flen), 0);
	fd = open(ld.file, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, out, 1, (off_t)(flip + 40)), 1);
	out[0] ^= 0x20;
	ck_assert_int_eq(pwrite(fd, out, 1, (off_t)(flip + 40)), 1);
	ck_assert_int_eq(fdatasync(fd), 0);
	close(fd);
	ck_assert_int_eq(backing_read(bk, ids[77], 77, out, 100 + 180 * 13),
			 -EIO);
	ck_assert_int_eq(backing_read(bk, ids[78], 78, out, 100 + 180 * 14), 0);
	ck_assert_uint_gt(bt_alloc_bytes(ld.file), 64 * 1024);

	/* punching: BLKDISCARD, which the loop driver turns into holes in
	 * the file, or nothing at all where the device has no discard */
	for (int i = 0; i < 128; i++)
		backing_free(bk, ids[i]);
	backing_maintain(bk);
	ck_assert_uint_eq(bt_stats(bk).used_bytes, 0);
	if (discard) {
		ck_assert_uint_gt(bt_stats(bk).punched_bytes, 0);
		ck_assert_uint_le(bt_alloc_bytes(ld.file), 16 * 4096);
	} else {
		ck_assert_uint_eq(bt_stats(bk).punched_bytes, 0);
	}
	printf("blockdev: %s, %llu bytes punched (discard %s)\n", ld.path,
	       (unsigned long long)bt_stats(bk).punched_bytes,
	       discard ? "supported" : "not supported: the fallback");
	backing_destroy(bk);

	/* ENOSPC: size 0 takes the default, capped by the device too; four
	 * segments of 86 objects, the fifth kept for compaction */
	cfg.size = 0;
	cfg.default_size = UINT64_MAX;
	bk = NULL;
	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_uint_eq(bt_stats(bk).size, 5ULL * BK_SEG_SIZE);
	n = bt_fill_up(bk, ids, 2000);
	ck_assert_uint_eq(n, 4 * (BK_SEG_SIZE / 3016));
	bt_check_range(bk, ids, 0, n);
	for (size_t i = 0; i < n / 2; i++)
		backing_free(bk, ids[i]);
	bt_fill(data[0], 3000, 9000);
	it[0] = (struct bk_item){.slot = 9000, .data = data[0], .len = 3000};
	ck_assert_int_eq(backing_write(bk, it, 1), 1);
	ck_assert_int_eq(backing_read(bk, it[0].id, 9000, out, 3000), 0);
	ck_assert_mem_eq(out, data[0], 3000);
	ck_assert_uint_eq(bt_stats(bk).read_errors, 0);
	backing_destroy(bk);

	/* a device smaller than BK_MIN_SIZE is refused */
	ck_assert_int_eq(ioctl(ld.fd, LOOP_GET_STATUS64, &li), 0);
	li.lo_sizelimit = 3ULL * BK_SEG_SIZE;
	ck_assert_int_eq(ioctl(ld.fd, LOOP_SET_STATUS64, &li), 0);
	ck_assert_int_eq(ioctl(ld.fd, BLKGETSIZE64, &devsize), 0);
	ck_assert_uint_eq(devsize, 3ULL * BK_SEG_SIZE);
	bk = NULL;
	ck_assert_int_eq(backing_create(&cfg, &bk), -EINVAL);
	ck_assert_ptr_null(bk);

	/* the last close detaches it */
	close(ld.fd);
	for (int i = 0; i < 200 && loop_attached(&ld); i++)
		usleep(10000);
	ck_assert_msg(!loop_attached(&ld), "%s still attached", ld.path);
	unlink(ld.file);
	if (lock >= 0)
		close(lock);
}
END_TEST

static Suite *backing_dev_suite(void)
{
	Suite *s = suite_create("backing_dev");
	TCase *tb = tcase_create("buffered");
	TCase *tf = tcase_create("open");

	tcase_add_checked_fixture(tb, bt_tmp_setup, bt_tmp_teardown);
	tcase_set_timeout(tb, 300);
	tcase_add_loop_test(tb, test_buffered, 0, 2);
	suite_add_tcase(s, tb);

	tcase_set_timeout(tf, 60);
	tcase_add_test(tf, test_tmpfile);
	tcase_add_test(tf, test_open_file);
	tcase_add_test(tf, test_huge_sparse);
	tcase_add_test(tf, test_bad_paths);
	tcase_add_test(tf, test_ramfs);
	tcase_add_test(tf, test_blockdev);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return check_run(backing_dev_suite());
}
