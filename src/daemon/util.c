// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - the daemon's clock, worker signal mask and log (util.h).
 */
#include "config.h"

#include "util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long fz_loadavg_running(const char *text, size_t len)
{
	size_t i = 0;
	unsigned int field;
	long n = 0;

	/* Skip the three averages: each is digits, a '.', digits, a blank. */
	for (field = 0; field < 3; field++) {
		size_t start = i;

		while (i < len && text[i] != ' ')
			i++;
		if (i == start || i == len)
			return -1;
		i++;
	}
	if (i == len || text[i] < '0' || text[i] > '9')
		return -1;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (n > 100000000)
			return -1;
		n = n * 10 + (text[i] - '0');
	}
	if (i == len || text[i] != '/')
		return -1;
	return n;
}

void fz_block_signals(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, old);
}

void fz_log(int priority, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write, so that lines of two threads do not mix. */
	fprintf(stderr, "fzram: %s\n", msg);
	syslog(priority, "%s", msg);
}
