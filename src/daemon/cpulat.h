/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpulat.h - keep the CPUs from sleeping deeply while swap-ins come.
 *
 * A swap-in fault on fzram sleeps while the daemon serves it, and its CPU,
 * with nothing else to run, goes idle.  Waking it again is the largest
 * single cost of the round trip where idle means a deep sleep: on a
 * virtual machine without halt polling the idle vCPU halts and its wake-up
 * goes through the host (about 19 us of a 38 us fault measured here); on
 * bare metal a deep C-state takes tens to hundreds of microseconds to
 * leave.  The kernel's CPU latency QoS (PM QoS, /dev/cpu_dma_latency) is
 * the way a program asks for less: while a process holds it open with a
 * limit written, cpuidle picks no state slower to leave than the limit (0:
 * the CPUs poll while idle, which wakes them at once).
 *
 * Held all the time that would keep every idle CPU busy-polling (or out
 * of its power-saving states) for as long as fzram is mounted.  So the
 * hold follows the traffic: the first read of the swap file after a quiet
 * spell asks for the limit, and a thread of its own puts the default back
 * once no read has come for a hold period (between hold_ms and twice
 * that).  With no swap-in the thread sleeps and the CPUs idle as usual.
 * The kernel drops the request when the descriptor closes, so a daemon
 * that dies leaves nothing behind.
 *
 * Locks: struct cpulat's mutex, only to wake the thread; the read path
 * takes it once per quiet spell, not per request.
 */
#ifndef FZRAM_CPULAT_H
#define FZRAM_CPULAT_H

#include <stdint.h>

#define CPULAT_DEV "/dev/cpu_dma_latency"
#define CPULAT_MAX_US 100000 /* 0.1 s; above that the limit means little */
#define CPULAT_DEFAULT_US 0  /* poll: the only limit a haltpoll guest heeds */
#define CPULAT_MAX_HOLD_MS 10000
#define CPULAT_DEFAULT_HOLD_MS 20

struct cpulat;

/* What the hold has done so far: for user.fzram.cpu_latency_stat. */
struct cpulat_stat {
	uint64_t holds;	  /* times the limit was asked for */
	uint64_t held_ms; /* time it was held, in milliseconds */
	int limit_us;	  /* the limit asked for */
	unsigned int hold_ms;
	int active; /* 1 while it is held */
	uint64_t errors; /* writes to the device that failed */
};

/*
 * cpulat_start() - open @path (CPULAT_DEV; tests give a file of their
 * own) for writing and start the thread that holds @limit_us
 * (0..CPULAT_MAX_US) in it while reads come, released @hold_ms
 * (1..CPULAT_MAX_HOLD_MS) to 2 * @hold_ms after the last one.  The new
 * hold to @out.  Nothing is asked of the kernel until cpulat_touch().
 * Return: 0, or -EINVAL (a value out of range), -errno of open(2) (EACCES
 * for a user who is not root, ENOENT without PM QoS), -ENOMEM, -errno of
 * pthread_create().
 */
int cpulat_start(const char *path, int limit_us, unsigned int hold_ms,
		 struct cpulat **out);

/*
 * cpulat_touch() - a read has come: ask for the limit if it is not held,
 * and keep it for another hold period.  @c may be NULL (no hold).
 * Context: any thread, often; two relaxed atomics while the limit is held.
 */
void cpulat_touch(struct cpulat *c);

/* cpulat_stat() - what @c has done (all zero for NULL); held_ms counts
 * each hold as it ends. */
void cpulat_stat(struct cpulat *c, struct cpulat_stat *st);

/*
 * cpulat_stop() - stop the thread, put the default back, close the
 * descriptor and free @c (NULL: nothing).
 */
void cpulat_stop(struct cpulat *c);

#endif /* FZRAM_CPULAT_H */
