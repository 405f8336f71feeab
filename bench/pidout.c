// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pidout - push another, running process's memory to swap with
 * process_madvise(MADV_PAGEOUT), for bench/vs-zram's live-process workload.
 * Like pageout, it measures whatever swap is active: the harness makes sure
 * that is the one device under test.
 *
 *   usage: pidout [-r RECLAIM_FILE] PID
 *
 * It reads /proc/PID/maps and takes every private mapping that is writable
 * or anonymous (no inode): heap, stacks, pymalloc arenas, the written .data
 * and .bss of libraries.  [vdso], [vvar] and [vsyscall] are left out.  Then:
 *
 *   out     t0; process_madvise(pidfd, MADV_PAGEOUT) over those mappings,
 *           at most IOV_MAX (1024) of them per call; wait until the
 *           machine's Writeback (/proc/meminfo) has drained, since swap
 *           writes to a loop device complete asynchronously; t1.
 *   reclaim with -r, write to RECLAIM_FILE: v2 memory.reclaim (the bytes
 *           paged out) or v1 memory.force_empty (0) of a cgroup that holds
 *           only the target, so that the pages whose write completed after
 *           reclaim looked at them leave the swap cache and the target's
 *           next touch reaches the device.  Not timed.
 *
 * The target should be blocked (say, reading stdin) while this runs: its
 * own faults would bring pages back in during the page-out.
 *
 * CPU time is the whole machine's busy time from /proc/stat over the timed
 * phase: the kernel's and a swap daemon's work, and anything else that runs.
 *
 * Output: one line of key=value figures, starting with "pidout"; swapped_kb
 * is the growth of the target's VmSwap.  Exit: 0, 1 (nothing was swapped
 * out, or a call failed), 2 (usage or setup).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* syscall() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
/* glibc before 2.36 has neither wrapper; the numbers are the same on every
 * architecture that has the calls. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

#define BATCH 1024 /* IOV_MAX: process_madvise takes no more per call */

/* Drop the target's pages left in the swap cache; see the top. */
static void reclaim(const char *file, size_t bytes)
{
	reclaim_cgroup("pidout", file, bytes);
}

/*
 * The private writable or anonymous mappings of @pid, into *@out (malloc'd).
 * Return: how many, or -errno.
 */
static long read_maps(pid_t pid, struct iovec **out)
{
	char path[64], line[4096], perms[8], name[4096];
	struct iovec *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, inode;

		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %4095s", &start, &end,
			   perms, &inode, name) < 4)
			continue;
		if (perms[3] != 'p' || (perms[1] != 'w' && inode != 0))
			continue;
		if (!strcmp(name, "[vdso]") || !strncmp(name, "[vvar", 5) ||
		    !strcmp(name, "[vsyscall]"))
			continue;
		if (n == cap) {
			struct iovec *nv;

			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n].iov_base = (void *)start;
		v[n].iov_len = end - start;
		n++;
	}
	fclose(f);
	*out = v;
	return (long)n;
}

/*
 * MADV_PAGEOUT over @n ranges of the process behind @pidfd, BATCH at a time.
 * A call that stops short (a mapping gone, or the kernel's cap on the bytes
 * of one call) is resumed where it stopped; a range that fails is skipped
 * and counted in *@errors.  Return: the bytes advised.
 */
static size_t page_out(int pidfd, struct iovec *v, size_t n, size_t *errors)
{
	size_t i = 0, done = 0;

	while (i < n) {
		size_t cnt = n - i < BATCH ? n - i : BATCH;
		long r = syscall(SYS_process_madvise, pidfd, &v[i], cnt,
				 MADV_PAGEOUT, 0U);

		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (*errors < 5)
				fprintf(stderr,
					"pidout: process_madvise %p+%zu: %s\n",
					v[i].iov_base, v[i].iov_len,
					strerror(errno));
			(*errors)++;
			i++;
			continue;
		}
		if (r == 0) { /* no progress: do not spin on this range */
			(*errors)++;
			i++;
			continue;
		}
		done += (size_t)r;
		/* Step over what was advised, splitting a range it cut. */
		while (r > 0 && i < n) {
			if ((size_t)r >= v[i].iov_len) {
				r -= (long)v[i].iov_len;
				i++;
			} else {
				v[i].iov_base = (char *)v[i].iov_base + r;
				v[i].iov_len -= (size_t)r;
				r = 0;
			}
		}
	}
	return done;
}

int main(int argc, char **argv)
{
	const char *reclaim_file = NULL;
	char status[64], *end;
	struct iovec *v = NULL;
	size_t errors = 0, advised;
	long nvma, swap0, swap1, sc_before, sc_after;
	double t0, t1, c0, c1;
	int opt, pidfd;
	pid_t pid;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		switch (opt) {
		case 'r':
			reclaim_file = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	errno = 0;
	pid = (pid_t)strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0)
		goto usage;
	snprintf(status, sizeof(status), "/proc/%d/status", (int)pid);

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
	if (pidfd < 0) {
		fprintf(stderr, "pidout: pidfd_open %d: %s\n", (int)pid,
			strerror(errno));
		return 2;
	}
	nvma = read_maps(pid, &v);
	if (nvma <= 0) {
		fprintf(stderr, "pidout: /proc/%d/maps: %s\n", (int)pid,
			nvma < 0 ? strerror((int)-nvma) : "no mappings");
		return 2;
	}

	/* Out, timed. */
	swap0 = kb_of(status, "VmSwap");
	c0 = cpu_busy();
	t0 = now();
	advised = page_out(pidfd, v, (size_t)nvma, &errors);
	wait_writeback();
	t1 = now();
	c1 = cpu_busy();
	swap1 = kb_of(status, "VmSwap");
	if (swap0 < 0 || swap1 < 0) {
		fprintf(stderr, "pidout: no VmSwap in %s\n", status);
		return 2;
	}
	sc_before = kb_of("/proc/meminfo", "SwapCached");
	reclaim(reclaim_file, (size_t)(swap1 - swap0) * 1024);
	sc_after = kb_of("/proc/meminfo", "SwapCached");
	if (swap1 <= swap0)
		fprintf(stderr, "pidout: VmSwap of %d did not grow\n",
			(int)pid);

	printf("pidout pid=%d vmas=%ld advised_kb=%zu swap_before_kb=%ld "
	       "swap_after_kb=%ld swapped_kb=%ld out_s=%.4f out_mbs=%.1f "
	       "cpu_out_s=%.2f swapcached_kb=%ld "
	       "swapcached_after_reclaim_kb=%ld errors=%zu\n",
	       (int)pid, nvma, advised / 1024, swap0, swap1, swap1 - swap0,
	       t1 - t0, (swap1 - swap0) / 1024.0 / (t1 - t0), c1 - c0,
	       sc_before, sc_after, errors);
	free(v);
	close(pidfd);
	return swap1 > swap0 && !errors ? 0 : 1;
usage:
	fprintf(stderr, "usage: pidout [-r RECLAIM_FILE] PID\n");
	return 2;
}
