// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr_policy.c - the policy's attributes (xattr.h): user.fzram.policy,
 * the settings of the tiers that run themselves (policy.h, tier.h), and
 * user.fzram.policy_stat, what they did.  Entries of xattr.c's table.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "xattr.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "backing.h"
#include "policy.h"
#include "store.h"
#include "tier.h"
#include "util.h"

int xattr_format_policy_stat(const struct policy_stat *ps,
			     const struct store_spill_stats *sp, char *buf,
			     size_t len)
{
	char budget[24];
	int n;

	if (ps->budget_left == UINT64_MAX)
		snprintf(budget, sizeof(budget), "%8lld", -1LL);
	else
		snprintf(budget, sizeof(budget), "%8llu",
			 (unsigned long long)ps->budget_left);
	n = snprintf(buf, len,
		     "%8llu %8llu %8llu %8llu %8llu %8llu %8llu %s %8llu %8llu "
		     "%8llu %8llu %8llu %8llu %8llu %8llu\n",
		     (unsigned long long)ps->steps,
		     (unsigned long long)ps->aged,
		     (unsigned long long)ps->recompressed,
		     (unsigned long long)ps->written_back,
		     (unsigned long long)ps->spilled,
		     (unsigned long long)ps->compactions,
		     (unsigned long long)ps->compacted, budget,
		     (unsigned long long)(ps->cpu_ns / 1000000),
		     (unsigned long long)sp->waits,
		     (unsigned long long)(sp->wait_ns / 1000),
		     (unsigned long long)(sp->max_ns / 1000),
		     (unsigned long long)sp->failed, ps->pressure ? 1ULL : 0ULL,
		     (unsigned long long)ps->trimmed,
		     (unsigned long long)ps->bytes_written);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int xattr_policy_apply(const char *value, size_t len,
		       const struct policy_cfg *cur,
		       const struct policy_cfg *defaults,
		       struct policy_cfg *out, char *why, size_t why_len)
{
	if (len && value[len - 1] == '\n')
		len--;
	if (len == 2 && !memcmp(value, "on", 2)) {
		*out = *defaults;
		return 0;
	}
	*out = *cur;
	if (len == 3 && !memcmp(value, "off", 3)) {
		out->age_s = 0;
		return 0;
	}
	return policy_parse(value, len, out, why, why_len);
}

/* The settings a mount gets by default for this store (options.c makes
 * the same from the mount options). */
static void store_policy_defaults(struct store *s, struct policy_cfg *out)
{
	struct backing *bk = store_backing(s);
	struct backing_stats bs = {0};
	struct codec c;
	bool secondary = false;

	if (bk)
		backing_get_stats(bk, &bs);
	for (unsigned int prio = 1; prio <= STORE_MAX_PRIO; prio++)
		secondary |= store_recomp(s, prio, &c);
	policy_defaults(out, bk != NULL, secondary, bs.size);
}

int xattr_get_policy(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct policy_cfg c;

	if (x->tier) {
		tier_get_policy(x->tier, &c);
	} else {
		store_policy_defaults(x->store, &c);
		c.age_s = 0;
	}
	return policy_format(&c, buf, len);
}

int xattr_set_policy(const struct xattr_ctx *x, const char *value,
		     size_t len)
{
	/* the read of the settings in force, the change and the write are
	 * one step: two writers changing one key each keep both changes */
	static pthread_mutex_t rmw = PTHREAD_MUTEX_INITIALIZER;
	struct policy_cfg cur, def, next;
	char why[128] = "";
	int err;

	if (!x->tier)
		return -ENODEV;
	pthread_mutex_lock(&rmw);
	tier_get_policy(x->tier, &cur);
	store_policy_defaults(x->store, &def);
	err = xattr_policy_apply(value, len, &cur, &def, &next, why,
				 sizeof(why));
	if (!err)
		err = tier_set_policy(x->tier, &next);
	else
		err = -EINVAL;
	pthread_mutex_unlock(&rmw);
	if (err == -EINVAL && why[0])
		fz_log(LOG_WARNING, "policy: %s", why);
	return err;
}

int xattr_get_policy_stat(const struct xattr_ctx *x, char *buf, size_t len)
{
	struct policy_stat ps = {.budget_left = UINT64_MAX};
	struct store_spill_stats sp = {0};

	if (x->tier)
		tier_policy_stat(x->tier, &ps);
	store_spill_stats(x->store, &sp);
	return xattr_format_policy_stat(&ps, &sp, buf, len);
}
