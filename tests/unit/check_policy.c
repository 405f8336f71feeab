// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_policy.c - the policy's decisions (policy.h) against a simulated
 * clock, no sleeps: defaults per backing and secondary; parse and format
 * round trip and every refusal (nothing changed, a reason given); when
 * aging is due; the ages and read_factor; the daily budget's continuous
 * refill and its cap; spill at the watermarks; compaction at compact_pct;
 * trim against the kernel's Used; pressure halving ages and doubling the
 * CPU share; the CPU share's sleep;
 * /proc/pressure/memory's text.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "policy.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "check_run.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Field by field: a struct's padding need not compare equal. */
static bool cfg_eq(const struct policy_cfg *a, const struct policy_cfg *b)
{
	return a->age_s == b->age_s && a->recomp_after_s == b->recomp_after_s &&
	       a->wb_after_s == b->wb_after_s &&
	       a->wb_daily_bytes == b->wb_daily_bytes &&
	       a->cpu_pct == b->cpu_pct && a->spill == b->spill &&
	       a->high_pct == b->high_pct && a->low_pct == b->low_pct &&
	       a->compact_pct == b->compact_pct &&
	       a->read_factor == b->read_factor && a->psi_pct == b->psi_pct &&
	       a->trim_pct == b->trim_pct;
}

static struct policy_cfg defaults_full(void)
{
	struct policy_cfg c;

	policy_defaults(&c, true, true, 8 * GiB);
	return c;
}

/* A store with room: backing, secondary, no pressure, nothing to spill. */
static struct policy_in in_at(uint32_t now)
{
	return (struct policy_in){.now = now,
				  .pool_bytes = 100 * MiB,
				  .obj_bytes = 90 * MiB,
				  .mem_limit = 0,
				  .has_backing = true,
				  .backing_free = 4 * GiB,
				  .has_secondary = true,
				  .psi_pct = 0,
				  .kernel_used_slots = UINT64_MAX};
}

START_TEST(test_defaults)
{
	struct policy_cfg c;

	policy_defaults(&c, false, false, 0);
	ck_assert_uint_eq(c.age_s, POLICY_DEFAULT_AGE_S);
	ck_assert_uint_ne(c.age_s, 0);
	ck_assert_uint_eq(c.recomp_after_s, 0);
	ck_assert_uint_eq(c.wb_after_s, 0);
	ck_assert_uint_eq(c.wb_daily_bytes, 0);
	ck_assert(!c.spill);
	ck_assert_uint_eq(c.compact_pct, POLICY_DEFAULT_COMPACT_PCT);
	ck_assert_int_eq(policy_check(&c), 0);

	policy_defaults(&c, false, true, 0);
	ck_assert_uint_eq(c.recomp_after_s, POLICY_DEFAULT_RECOMP_AFTER_S);
	ck_assert_uint_eq(c.wb_after_s, 0);
	ck_assert(!c.spill);

	policy_defaults(&c, true, false, 8 * GiB);
	ck_assert_uint_eq(c.recomp_after_s, 0);
	ck_assert_uint_eq(c.wb_after_s, POLICY_DEFAULT_WB_AFTER_S);
	ck_assert_uint_eq(c.wb_daily_bytes, 8 * GiB);
	ck_assert(c.spill);
	ck_assert_uint_lt(c.low_pct, c.high_pct);
	ck_assert_uint_eq(c.cpu_pct, POLICY_DEFAULT_CPU_PCT);
	ck_assert_uint_eq(c.read_factor, POLICY_DEFAULT_READ_FACTOR);
	ck_assert_uint_eq(c.psi_pct, POLICY_DEFAULT_PSI_PCT);
	ck_assert_int_eq(policy_check(&c), 0);
	/* the aim: read-since-written slots go within a minute */
	ck_assert_uint_le(c.wb_after_s / c.read_factor, 60);
	ck_assert_uint_ge(c.wb_after_s, 600);
}
END_TEST

static int parse_str(const char *s, struct policy_cfg *c, char *why)
{
	return policy_parse(s, strlen(s), c, why, 128);
}

START_TEST(test_parse_values)
{
	struct policy_cfg c = defaults_full();
	char why[128] = "";

	ck_assert_int_eq(parse_str("age=30 recomp_after=5m wb_after=2h "
				   "wb_daily=1G cpu=25 spill=off high=90 "
				   "low=70 compact=40 read_factor=8 psi=20\n",
				   &c, why),
			 0);
	ck_assert_uint_eq(c.age_s, 30);
	ck_assert_uint_eq(c.recomp_after_s, 300);
	ck_assert_uint_eq(c.wb_after_s, 7200);
	ck_assert_uint_eq(c.wb_daily_bytes, GiB);
	ck_assert_uint_eq(c.cpu_pct, 25);
	ck_assert(!c.spill);
	ck_assert_uint_eq(c.high_pct, 90);
	ck_assert_uint_eq(c.low_pct, 70);
	ck_assert_uint_eq(c.compact_pct, 40);
	ck_assert_uint_eq(c.read_factor, 8);
	ck_assert_uint_eq(c.psi_pct, 20);
	ck_assert_uint_eq(c.trim_pct, POLICY_DEFAULT_TRIM_PCT);
	ck_assert_int_eq(parse_str("trim=250", &c, why), 0);
	ck_assert_uint_eq(c.trim_pct, 250);
	ck_assert_int_eq(parse_str("trim=off", &c, why), 0);
	ck_assert_uint_eq(c.trim_pct, 0);
	ck_assert_int_eq(parse_str("trim=1000%", &c, why), 0);
	ck_assert_uint_eq(c.trim_pct, 1000);

	/* one word changes one setting; the rest stay */
	ck_assert_int_eq(parse_str("  wb_after=off\t age=1d ", &c, why), 0);
	ck_assert_uint_eq(c.wb_after_s, 0);
	ck_assert_uint_eq(c.age_s, 86400);
	ck_assert_uint_eq(c.cpu_pct, 25);
	ck_assert_int_eq(
	    parse_str("age=off wb_daily=off spill=on cpu=100%", &c, why), 0);
	ck_assert_uint_eq(c.age_s, 0);
	ck_assert_uint_eq(c.wb_daily_bytes, 0);
	ck_assert(c.spill);
	ck_assert_uint_eq(c.cpu_pct, 100);
	/* high and low are checked together, after every word */
	ck_assert_int_eq(parse_str("high=60 low=50", &c, why), 0);
	ck_assert_int_eq(parse_str("low=95 high=99", &c, why), 0);
	ck_assert_uint_eq(c.low_pct, 95);
	ck_assert_uint_eq(c.high_pct, 99);
	/* the largest duration; a NULL why */
	ck_assert_int_eq(policy_parse("age=4294967295", 14, &c, NULL, 0), 0);
	ck_assert_uint_eq(c.age_s, UINT32_MAX);
	/* len bounds the line: what follows is not read */
	ck_assert_int_eq(policy_parse("cpu=5 cpu=x", 5, &c, why, sizeof(why)),
			 0);
	ck_assert_uint_eq(c.cpu_pct, 5);
}
END_TEST

static const struct {
	const char *line;
	const char *why; /* a part of the reason */
} refusals[] = {
	{"", "no settings"},
	{" \n", "no settings"},
	{"foo=1", "unknown setting 'foo'"},
	{"ages=1", "unknown setting"},
	{"age", "not key=value"},
	{"age=", "age: empty value"},
	{"cpu=", "cpu: empty value"},
	{"age=-1", "age: '-1'"},
	{"age=1x", "age: '1x'"},
	{"age=1.5", "age"},
	{"age=s", "age"},
	{"age=4294967296", "out of range"},
	{"age=49711d", "out of range"},
	{"wb_after=99999999999999999999", "wb_after"},
	{"recomp_after=10w", "recomp_after"},
	{"wb_daily=1X", "wb_daily"},
	{"wb_daily=99999999999T", "out of range"},
	{"wb_daily=-5", "wb_daily"},
	{"cpu=0", "cpu: '0' is out of range: 1..100"},
	{"cpu=101", "cpu"},
	{"cpu=abc", "cpu: 'abc' is not 1..100"},
	{"spill=yes", "spill"},
	{"high=0", "high"},
	{"high=101", "high"},
	{"low=100", "low"},
	{"low=95", "not below high"},
	{"high=85", "not below high"},
	{"high=50 low=50", "not below high"},
	{"compact=101", "compact"},
	{"read_factor=0", "read_factor"},
	{"read_factor=1001", "read_factor"},
	{"psi=101", "psi"},
	{"trim=1001", "trim"},
	{"trim=on", "trim"},
	{"trim=-1", "trim"},
	{"cpu=20 foo=1", "unknown"}, /* a good word before a bad one */
	{"cpu=20 age=", "empty"},
};

START_TEST(test_parse_refusals)
{
	const struct policy_cfg orig = defaults_full(); /* high 95, low 85 */
	struct policy_cfg c = orig;
	char why[128];

	strcpy(why, "");
	ck_assert_int_eq(parse_str(refusals[_i].line, &c, why), -EINVAL);
	ck_assert_msg(cfg_eq(&c, &orig), "'%s' changed cfg", refusals[_i].line);
	ck_assert_msg(strstr(why, refusals[_i].why), "'%s': why '%s'",
		      refusals[_i].line, why);
}
END_TEST

START_TEST(test_parse_nul)
{
	struct policy_cfg c = defaults_full(), orig = c;

	ck_assert_int_eq(policy_parse("cpu=2\0x", 7, &c, NULL, 0), -EINVAL);
	ck_assert(cfg_eq(&c, &orig));
}
END_TEST

START_TEST(test_format_round_trip)
{
	struct policy_cfg cfgs[5], back;
	char buf[256], why[128];
	int n;

	cfgs[0] = defaults_full();
	policy_defaults(&cfgs[1], false, false, 0);
	cfgs[2] = cfgs[0];
	cfgs[2].age_s = 0;
	cfgs[2].recomp_after_s = 61;
	cfgs[2].wb_after_s = 7 * 86400;
	cfgs[2].wb_daily_bytes = 12345;
	cfgs[2].spill = false;
	cfgs[2].low_pct = 0;
	cfgs[2].high_pct = 1;
	cfgs[2].compact_pct = 0;
	cfgs[2].psi_pct = 0;
	cfgs[2].trim_pct = 0;
	cfgs[3] = cfgs[0];
	cfgs[3].age_s = UINT32_MAX;
	cfgs[3].wb_daily_bytes = UINT64_MAX;
	cfgs[3].read_factor = 1000;
	cfgs[3].cpu_pct = 100;
	cfgs[3].trim_pct = 1000;
	cfgs[4] = cfgs[0];
	cfgs[4].wb_daily_bytes = 3ULL << 40;
	cfgs[4].recomp_after_s = 7200;
	for (unsigned int i = 0; i < 5; i++) {
		n = policy_format(&cfgs[i], buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		ck_assert_uint_eq(strlen(buf), (size_t)n);
		ck_assert_int_eq(buf[n - 1], '\n');
		memset(&back, 0, sizeof(back));
		back.cpu_pct = 1;
		back.read_factor = 1;
		back.high_pct = 100;
		ck_assert_msg(
		    policy_parse(buf, (size_t)n, &back, why, sizeof(why)) == 0,
		    "'%s': %s", buf, why);
		ck_assert_msg(cfg_eq(&back, &cfgs[i]),
			      "'%s' read back differently", buf);
	}
	n = policy_format(&cfgs[0], buf, sizeof(buf));
	ck_assert_int_eq(policy_format(&cfgs[0], buf, (size_t)n), -ENOSPC);
	ck_assert_int_eq(policy_format(&cfgs[0], buf, (size_t)n + 1), n);
	/* readable units */
	ck_assert_ptr_nonnull(strstr(buf, "wb_daily=8G"));
	ck_assert_ptr_nonnull(strstr(buf, "wb_after=20m"));
}
END_TEST

START_TEST(test_check)
{
	struct policy_cfg c = defaults_full(), b;

	ck_assert_int_eq(policy_check(&c), 0);
	b = c, b.cpu_pct = 0;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.low_pct = b.high_pct;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.high_pct = 101, b.low_pct = 1;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.read_factor = 0;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.compact_pct = 101;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.psi_pct = 101;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
	b = c, b.trim_pct = 1001;
	ck_assert_int_eq(policy_check(&b), -EINVAL);
}
END_TEST

START_TEST(test_aging_due)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(1000);

	c.age_s = 20;
	policy_init(&p, &c, 1000);
	policy_decide(&p, &in, &a); /* due at once */
	ck_assert(a.age);
	ck_assert_uint_eq(a.idle_age, 20);
	ck_assert(a.recompress && a.writeback);
	ck_assert_uint_eq(p.next_age, 1020);
	for (uint32_t t = 1001; t < 1020; t++) {
		in.now = t;
		policy_decide(&p, &in, &a);
		ck_assert_msg(!a.age && !a.recompress && !a.writeback,
			      "aging at %u", t);
	}
	in.now = 1020;
	policy_decide(&p, &in, &a);
	ck_assert(a.age);
	ck_assert_uint_eq(p.next_age, 1040);
	/* a late step: the next is a period after it, not at once again */
	in.now = 1100;
	policy_decide(&p, &in, &a);
	ck_assert(a.age);
	in.now = 1101;
	policy_decide(&p, &in, &a);
	ck_assert(!a.age);
	ck_assert_uint_eq(p.next_age, 1120);

	/* a shorter period takes effect from the last aging */
	c.age_s = 5;
	policy_set(&p, &c);
	ck_assert_uint_eq(p.next_age, 1105);
	/* the policy off: nothing at all */
	c.age_s = 0;
	policy_set(&p, &c);
	in.now = 5000;
	in.mem_limit = 100 * MiB; /* at the limit: spill would be due */
	in.obj_bytes = 10 * MiB;  /* and compaction */
	policy_decide(&p, &in, &a);
	ck_assert(!a.age && !a.spill_bytes && !a.compact && !a.writeback);
}
END_TEST

START_TEST(test_stages_apply)
{
	struct policy_cfg c;
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	/* without a secondary or a backing, those stages stay off even when
	 * their settings say otherwise */
	c = defaults_full();
	policy_init(&p, &c, 0);
	in.has_secondary = false;
	in.has_backing = false;
	policy_decide(&p, &in, &a);
	ck_assert(a.age && !a.recompress && !a.writeback);
	/* a full backing store takes no writeback */
	in = in_at(100);
	in.backing_free = 0;
	policy_decide(&p, &in, &a);
	ck_assert(a.age && a.recompress && !a.writeback);
	/* each stage off by its setting */
	c.recomp_after_s = 0;
	c.wb_after_s = 0;
	policy_set(&p, &c);
	in = in_at(200);
	policy_decide(&p, &in, &a);
	ck_assert(a.age && !a.recompress && !a.writeback);
}
END_TEST

START_TEST(test_ages_read_factor)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	c.recomp_after_s = 600;
	c.wb_after_s = 1800;
	c.read_factor = 30;
	policy_init(&p, &c, 0);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.recomp_age, 600);
	ck_assert_uint_eq(a.recomp_age_read, 20);
	ck_assert_uint_eq(a.wb_age, 1800);
	ck_assert_uint_eq(a.wb_age_read, 60);
	ck_assert_uint_eq(a.wb_max_bytes, 8 * GiB);

	/* at least a second */
	c.recomp_after_s = 10;
	c.wb_after_s = 1;
	c.read_factor = 1000;
	policy_set(&p, &c);
	in.now = p.next_age;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.recomp_age_read, 1);
	ck_assert_uint_eq(a.wb_age, 1);
	ck_assert_uint_eq(a.wb_age_read, 1);

	/* read_factor 1: read slots age as the others */
	c.read_factor = 1;
	c.wb_after_s = 100;
	policy_set(&p, &c);
	in.now = p.next_age;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.wb_age_read, 100);
}
END_TEST

START_TEST(test_budget)
{
	const uint64_t day = 1 * GiB;
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_done d = {0};
	struct policy_in in = in_at(0);

	c.wb_daily_bytes = day;
	c.age_s = 1;
	policy_init(&p, &c, 0);
	ck_assert_uint_eq(p.st.budget_left, day); /* starts full */
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.wb_max_bytes, day);
	d.wb_bytes = day + 5; /* a step may overshoot by a batch */
	policy_account(&p, &d);
	ck_assert_uint_eq(p.st.budget_left, 0);
	/* spent: no writeback until some refills */
	p.next_age = 0; /* aging due again, no time passed */
	policy_decide(&p, &in, &a);
	ck_assert(a.age);
	ck_assert(!a.writeback);

	/* refilled continuously: a second at a time over half a day gives
	 * half the daily amount (each call's fraction is kept) */
	d.wb_bytes = 0;
	for (uint32_t t = 1; t <= POLICY_DAY_S / 2; t++) {
		in.now = t;
		policy_decide(&p, &in, &a);
		if (t == 1) {
			ck_assert(a.writeback);
			ck_assert_uint_eq(a.wb_max_bytes, day / POLICY_DAY_S);
		}
	}
	ck_assert_uint_eq(p.budget, day / 2);
	/* the same half day in one call */
	policy_init(&p, &c, 0);
	d.wb_bytes = day;
	policy_account(&p, &d);
	in.now = POLICY_DAY_S / 2;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.wb_max_bytes, day / 2);
	/* never above the daily amount */
	in.now = 10 * POLICY_DAY_S;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.wb_max_bytes, day);

	/* a small budget, asked every second, still refills at its rate */
	c.wb_daily_bytes = 1000;
	policy_init(&p, &c, 0);
	d.wb_bytes = 1000;
	policy_account(&p, &d);
	for (uint32_t t = 1; t <= POLICY_DAY_S / 2; t++) {
		in.now = t;
		policy_decide(&p, &in, &a);
	}
	ck_assert_uint_eq(p.budget, 500);

	/* capped by a smaller daily amount; none: UINT64_MAX */
	c.wb_daily_bytes = day;
	policy_init(&p, &c, 0);
	c.wb_daily_bytes = 10 * MiB;
	policy_set(&p, &c);
	ck_assert_uint_eq(p.st.budget_left, 10 * MiB);
	c.wb_daily_bytes = 0;
	policy_set(&p, &c);
	ck_assert_uint_eq(p.st.budget_left, UINT64_MAX);
	in.now = p.next_age;
	policy_decide(&p, &in, &a);
	ck_assert(a.writeback);
	ck_assert_uint_eq(a.wb_max_bytes, UINT64_MAX);
	d.wb_bytes = 100 * GiB;
	policy_account(&p, &d);
	ck_assert_uint_eq(p.st.budget_left, UINT64_MAX);
	/* from no budget to one: it starts full, not spent */
	c.wb_daily_bytes = 2 * MiB;
	policy_set(&p, &c);
	ck_assert_uint_eq(p.st.budget_left, 2 * MiB);
}
END_TEST

START_TEST(test_spill)
{
	struct policy_cfg c = defaults_full(); /* high 95, low 85 */
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	policy_init(&p, &c, 0);
	in.mem_limit = 1000 * MiB;
	in.pool_bytes = 949 * MiB; /* below high */
	in.obj_bytes = in.pool_bytes;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	in.pool_bytes = 950 * MiB; /* at high: down to low */
	in.obj_bytes = in.pool_bytes;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 100 * MiB);
	in.pool_bytes = 1000 * MiB; /* decided on every call */
	in.obj_bytes = in.pool_bytes;
	in.now = 1;
	policy_decide(&p, &in, &a);
	ck_assert(!a.age);
	ck_assert_uint_eq(a.spill_bytes, 150 * MiB);
	/* no more than the backing store takes; none when it is full */
	in.backing_free = 7 * MiB;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 7 * MiB);
	in.backing_free = 0;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	/* not without a backing store or a mem_limit, nor when off */
	in.backing_free = GiB;
	in.has_backing = false;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	in.has_backing = true;
	in.mem_limit = 0;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	in.mem_limit = 1000 * MiB;
	c.spill = false;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	/* not counted against the budget: spent, spill still decided */
	c.spill = true;
	c.wb_daily_bytes = MiB;
	policy_set(&p, &c);
	policy_account(&p,
		       &(struct policy_done){.wb_bytes = MiB, .spilled = 10});
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 150 * MiB);
	ck_assert_uint_eq(p.st.spilled, 10);
}
END_TEST

/* Trim: RAM slots beyond the kernel's Used plus trim_pct go, at their
 * average size, within the budget and the backing store's room. */
START_TEST(test_trim)
{
	struct policy_cfg c = defaults_full(); /* trim 10 */
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	ck_assert_uint_eq(c.trim_pct, 10);
	policy_init(&p, &c, 0);
	in.kernel_used_slots = 1000;
	in.ram_slots = 1100; /* at the allowance: nothing */
	in.compr_bytes = 1100 * 2000;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	in.ram_slots = 1200; /* 100 slots over, 2000 bytes each */
	in.compr_bytes = 1200 * 2000;
	in.now = 1;
	policy_decide(&p, &in, &a);
	ck_assert(!a.age); /* decided on every call, not only at aging */
	ck_assert_uint_eq(a.trim_bytes, 100 * 2000);
	/* the kernel's Used unknown (not swap, or no reader): nothing */
	in.kernel_used_slots = UINT64_MAX;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	/* nothing used at all: every slot held is beyond it */
	in.kernel_used_slots = 0;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 1200 * 2000);
	in.kernel_used_slots = 1000;
	/* capped by the backing store's room; none without one */
	in.backing_free = 5000;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 5000);
	in.backing_free = 0;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	in.backing_free = GiB;
	in.has_backing = false;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	in.has_backing = true;
	/* a larger allowance */
	c.trim_pct = 50;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	in.ram_slots = 1600;
	in.compr_bytes = 1600 * 2000;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 100 * 2000);
	/* within the budget, which it spends; off with trim=0 */
	c.wb_daily_bytes = 150 * 1000;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 150 * 1000);
	policy_account(&p, &(struct policy_done){.wb_bytes = 150 * 1000,
						  .trimmed = 75});
	ck_assert_uint_eq(p.st.trimmed, 75);
	ck_assert_uint_eq(p.st.bytes_written, 150 * 1000);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	c.wb_daily_bytes = 0;
	c.trim_pct = 0;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	/* nor with the policy off */
	c.trim_pct = 10;
	c.age_s = 0;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.trim_bytes, 0);
	/* the spill's bytes count as written, not against the budget */
	policy_account(&p, &(struct policy_done){.spill_bytes = 7});
	ck_assert_uint_eq(p.st.bytes_written, 150 * 1000 + 7);
}
END_TEST

/* A write waiting at mem_limit while the pool is below high (its
 * allocation needed a fresh zspage; high 100): spill all the same, or the
 * write waits in vain and fails. */
START_TEST(test_spill_write_waits)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	c.high_pct = 100;
	c.low_pct = 90;
	policy_init(&p, &c, 0);
	in.mem_limit = 1000 * MiB;
	in.pool_bytes = 999 * MiB; /* below high: nothing unless one waits */
	in.obj_bytes = in.pool_bytes;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	in.writes_wait = true;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 99 * MiB); /* down to low */
	/* below low (mem_limit lowered, a tiny one): the watermarks' gap */
	in.pool_bytes = 800 * MiB;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 100 * MiB);
	/* still not past what the backing store takes, nor without room */
	in.backing_free = MiB;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, MiB);
	in.backing_free = 0;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
	in.backing_free = GiB;
	c.spill = false;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.spill_bytes, 0);
}
END_TEST

START_TEST(test_compact)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	c.compact_pct = 25;
	policy_init(&p, &c, 0);
	in.pool_bytes = 100 * MiB;
	in.obj_bytes = 76 * MiB; /* 24 % free */
	policy_decide(&p, &in, &a);
	ck_assert(!a.compact);
	in.obj_bytes = 75 * MiB; /* 25 % */
	in.now = 1;
	policy_decide(&p, &in, &a);
	ck_assert(a.compact);
	in.pool_bytes = 0;
	in.obj_bytes = 0;
	policy_decide(&p, &in, &a);
	ck_assert(!a.compact);
	in.pool_bytes = 4096;
	policy_decide(&p, &in, &a);
	ck_assert(a.compact); /* an empty zspage */
	c.compact_pct = 0;
	policy_set(&p, &c);
	policy_decide(&p, &in, &a);
	ck_assert(!a.compact);
	policy_account(&p,
		       &(struct policy_done){.compact = true, .compacted = 7});
	policy_account(&p, &(struct policy_done){.compact = true});
	ck_assert_uint_eq(p.st.compactions, 2);
	ck_assert_uint_eq(p.st.compacted, 7);
}
END_TEST

START_TEST(test_pressure)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	c.age_s = 20;
	c.recomp_after_s = 600;
	c.wb_after_s = 1800;
	c.read_factor = 30;
	c.psi_pct = 10;
	c.cpu_pct = 10;
	policy_init(&p, &c, 0);
	in.psi_pct = 10; /* not above */
	policy_decide(&p, &in, &a);
	ck_assert(!p.st.pressure);
	ck_assert_uint_eq(a.idle_age, 20);
	in.psi_pct = 11;
	in.now = 20;
	policy_decide(&p, &in, &a);
	ck_assert(p.st.pressure);
	ck_assert_uint_eq(a.idle_age, 10);
	ck_assert_uint_eq(a.recomp_age, 300);
	ck_assert_uint_eq(a.recomp_age_read, 10);
	ck_assert_uint_eq(a.wb_age, 900);
	ck_assert_uint_eq(a.wb_age_read, 30);
	ck_assert_uint_eq(p.next_age, 30); /* ages more often */
	/* the CPU share doubled: 1 ms of work owes 4 ms, not 9 */
	policy_account(&p, &(struct policy_done){.cpu_ns = 1000000});
	ck_assert_uint_eq(p.sleep_ns, 4000000);
	/* gone: back off */
	in.psi_pct = 0;
	in.now = 30;
	policy_decide(&p, &in, &a);
	ck_assert(!p.st.pressure);
	ck_assert_uint_eq(a.idle_age, 20);
	/* psi=0 ignores pressure */
	c.psi_pct = 0;
	policy_set(&p, &c);
	in.psi_pct = 100;
	policy_decide(&p, &in, &a);
	ck_assert(!p.st.pressure);
	/* a share of 60 % doubles to all of it: no sleep owed */
	c.psi_pct = 10;
	c.cpu_pct = 60;
	policy_set(&p, &c);
	p.sleep_ns = 0;
	policy_decide(&p, &in, &a);
	ck_assert(p.st.pressure);
	policy_account(&p, &(struct policy_done){.cpu_ns = 5000000});
	ck_assert_uint_eq(p.sleep_ns, 0);
	/* age 1 halves to 1, never 0 */
	c.age_s = 1;
	policy_set(&p, &c);
	in.now = p.next_age;
	policy_decide(&p, &in, &a);
	ck_assert_uint_eq(a.idle_age, 1);
}
END_TEST

START_TEST(test_cpu_share)
{
	struct policy_cfg c = defaults_full();
	struct policy p;
	struct policy_act a;
	struct policy_in in = in_at(0);

	c.age_s = 10;
	c.cpu_pct = 10;
	policy_init(&p, &c, 0);
	policy_decide(&p, &in, &a); /* next aging at 10 */
	/* 2 ms of CPU at 10 %: 18 ms of sleep owed */
	policy_account(&p, &(struct policy_done){.cpu_ns = 2000000, .aged = 5});
	ck_assert_uint_eq(p.sleep_ns, 18000000);
	ck_assert_uint_eq(p.st.cpu_ns, 2000000);
	ck_assert_uint_eq(p.st.steps, 1);
	ck_assert_uint_eq(p.st.aged, 5);
	/* when aging is due sooner than that (now 10), the debt rules... */
	ck_assert_uint_eq(policy_sleep_ms(&p, 10, 1000), 18);
	ck_assert_uint_eq(p.sleep_ns, 0); /* ...and is taken */
	/* ...else the time to the next aging, at most max_ms */
	ck_assert_uint_eq(policy_sleep_ms(&p, 3, 100000), 7000);
	ck_assert_uint_eq(policy_sleep_ms(&p, 3, 500), 500);
	/* a debt longer than max_ms is paid over several sleeps */
	policy_account(&p, &(struct policy_done){.cpu_ns = 100000000});
	ck_assert_uint_eq(p.sleep_ns, 900000000ULL);
	ck_assert_uint_eq(policy_sleep_ms(&p, 10, 500), 500);
	ck_assert_uint_eq(policy_sleep_ms(&p, 10, 500), 400);
	ck_assert_uint_eq(policy_sleep_ms(&p, 10, 500), 0);
	/* a fraction of a millisecond rounds up */
	policy_account(&p, &(struct policy_done){.cpu_ns = 1});
	ck_assert_uint_eq(p.sleep_ns, 9);
	ck_assert_uint_eq(policy_sleep_ms(&p, 10, 500), 1);
	ck_assert_uint_eq(p.sleep_ns, 0);
	/* 100 %: never sleeps for the share */
	c.cpu_pct = 100;
	policy_set(&p, &c);
	policy_account(&p, &(struct policy_done){.cpu_ns = 50000000});
	ck_assert_uint_eq(p.sleep_ns, 0);
	/* the budget is spent by writeback bytes only */
	ck_assert_uint_eq(p.st.budget_left, 8 * GiB);
	policy_account(&p, &(struct policy_done){.wb_bytes = GiB,
						 .written_back = 3,
						 .recompressed = 4});
	ck_assert_uint_eq(p.st.budget_left, 7 * GiB);
	ck_assert_uint_eq(p.st.written_back, 3);
	ck_assert_uint_eq(p.st.recompressed, 4);
	ck_assert_uint_eq(p.st.steps, 5);
}
END_TEST

static int psi(const char *text, unsigned int *pct)
{
	return policy_psi_parse(text, strlen(text), pct);
}

START_TEST(test_psi_parse)
{
	unsigned int pct = 77;

	ck_assert_int_eq(psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
			     "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
			     &pct),
			 0);
	ck_assert_uint_eq(pct, 0);
	ck_assert_int_eq(
	    psi("some avg10=12.34 avg60=3.10 avg300=0.75 total=123456789\n"
		"full avg10=10.00 avg60=2.00 avg300=0.50 total=98765\n",
		&pct),
	    0);
	ck_assert_uint_eq(pct, 13); /* rounded up */
	ck_assert_int_eq(psi("some avg10=0.01 avg60=0.00 avg300=0.00 "
			     "total=5\n",
			     &pct),
			 0);
	ck_assert_uint_eq(pct, 1);
	ck_assert_int_eq(psi("some avg10=100.00 avg60=99.00 avg300=90.00 "
			     "total=5",
			     &pct),
			 0);
	ck_assert_uint_eq(pct, 100);
	/* "some" need not come first */
	ck_assert_int_eq(psi("full avg10=50.00 avg60=0.00 avg300=0.00 "
			     "total=0\nsome avg10=7.00 avg60=0.00 "
			     "avg300=0.00 total=0\n",
			     &pct),
			 0);
	ck_assert_uint_eq(pct, 7);
	ck_assert_int_eq(psi("some avg10=3 total=0", &pct), 0);
	ck_assert_uint_eq(pct, 3);

	pct = 77;
	ck_assert_int_eq(psi("", &pct), -EINVAL);
	ck_assert_int_eq(psi("full avg10=1.00 avg60=0.00 avg300=0.00 "
			     "total=0\n",
			     &pct),
			 -EINVAL);
	ck_assert_int_eq(psi("some avg60=1.00 avg10=2.00\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=x.00 avg60=0\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=1. avg60=0\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=1.0x avg60=0\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=-1.00\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("some avg10=99999999999999.00\n", &pct), -EINVAL);
	ck_assert_int_eq(psi("something avg10=1.00\n", &pct), -EINVAL);
	ck_assert_uint_eq(pct, 77); /* untouched on every refusal */
	/* len bounds the text */
	ck_assert_int_eq(policy_psi_parse("some avg10=5.00 x", 13, &pct),
			 -EINVAL);
	ck_assert_int_eq(policy_psi_parse("some avg10=5.00 x", 16, &pct), 0);
	ck_assert_uint_eq(pct, 5);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_parse_values);
	tcase_add_loop_test(tc, test_parse_refusals, 0,
			    (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, test_parse_nul);
	tcase_add_test(tc, test_format_round_trip);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_psi_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide");
	tcase_add_test(tc, test_aging_due);
	tcase_add_test(tc, test_stages_apply);
	tcase_add_test(tc, test_ages_read_factor);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_spill);
	tcase_add_test(tc, test_spill_write_waits);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_pressure);
	tcase_add_test(tc, test_cpu_share);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(policy_suite());
}
