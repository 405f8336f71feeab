// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fault.c - the fault points of fault.h: parsed once from FZRAM_FAULT,
 * counted with atomics so that any thread may hit a point.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fault.h"

#ifdef ZSP_DEBUG
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_names[FAULT_NR_POINTS] = {
    [FAULT_BK_WRITE] = "bk_write",
    [FAULT_BK_WRITE_SHORT] = "bk_write_short",
    [FAULT_BK_READ] = "bk_read",
};

struct fault_arm {
	bool armed;
	uint64_t after;	 /* hits that pass first */
	uint64_t count;	 /* hits that fail then; UINT64_MAX = all */
	uint64_t hits;	 /* atomic */
};

static struct fault_arm fault_arms[FAULT_NR_POINTS];
static pthread_once_t fault_once = PTHREAD_ONCE_INIT;

static void fault_parse_one(char *spec)
{
	char *name = strtok(spec, ":");
	char *after = strtok(NULL, ":");
	char *count = strtok(NULL, ":");

	if (!name)
		return;
	for (int i = 0; i < FAULT_NR_POINTS; i++) {
		if (strcmp(fault_names[i], name) != 0)
			continue;
		fault_arms[i].after = after ? strtoull(after, NULL, 10) : 0;
		fault_arms[i].count =
			count ? strtoull(count, NULL, 10) : UINT64_MAX;
		fault_arms[i].armed = true;
	}
}

static void fault_init(void)
{
	const char *env = getenv("FZRAM_FAULT");
	char *copy, *save = NULL, *tok;

	if (!env || !*env || !(copy = strdup(env)))
		return;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		fault_parse_one(tok);
	free(copy);
}

bool fault_hit(enum fault_point p)
{
	struct fault_arm *a;
	uint64_t n;

	pthread_once(&fault_once, fault_init);
	if ((unsigned int)p >= FAULT_NR_POINTS || !fault_arms[p].armed)
		return false;
	a = &fault_arms[p];
	n = __atomic_fetch_add(&a->hits, 1, __ATOMIC_RELAXED);
	return n >= a->after && n - a->after < a->count;
}
#endif /* ZSP_DEBUG */
