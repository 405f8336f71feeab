// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - the decisions of the tiers that run themselves (policy.h):
 * settings and their text form, when each stage is due, the daily budget
 * and the CPU share.  Pure: no I/O, no clock of its own, no store call;
 * the worker (tier.c) feeds it the store's state and does what it says.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "size.h"

#define NS_PER_MS 1000000ULL
#define WHY_VALUE_MAX 32 /* characters of a bad value quoted in @why */

void policy_defaults(struct policy_cfg *cfg, bool has_backing,
		     bool has_secondary, uint64_t backing_bytes)
{
	*cfg = (struct policy_cfg){
		.age_s = POLICY_DEFAULT_AGE_S,
		.recomp_after_s = has_secondary ? POLICY_DEFAULT_RECOMP_AFTER_S
						: 0,
		.wb_after_s = has_backing ? POLICY_DEFAULT_WB_AFTER_S : 0,
		.wb_daily_bytes = has_backing ? backing_bytes : 0,
		.cpu_pct = POLICY_DEFAULT_CPU_PCT,
		.spill = has_backing,
		.high_pct = POLICY_DEFAULT_HIGH_PCT,
		.low_pct = POLICY_DEFAULT_LOW_PCT,
		.compact_pct = POLICY_DEFAULT_COMPACT_PCT,
		.read_factor = POLICY_DEFAULT_READ_FACTOR,
		.psi_pct = POLICY_DEFAULT_PSI_PCT,
		.trim_pct = POLICY_DEFAULT_TRIM_PCT,
	};
}

int policy_check(const struct policy_cfg *cfg)
{
	if (cfg->cpu_pct < 1 || cfg->cpu_pct > 100)
		return -EINVAL;
	if (cfg->high_pct < 1 || cfg->high_pct > 100 ||
	    cfg->low_pct >= cfg->high_pct)
		return -EINVAL;
	if (cfg->compact_pct > 100 || cfg->psi_pct > 100)
		return -EINVAL;
	if (cfg->read_factor < 1 || cfg->read_factor > 1000)
		return -EINVAL;
	if (cfg->trim_pct > 1000)
		return -EINVAL;
	return 0;
}

/* ---- text ------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int
why_set(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Digits only into *@out; -EINVAL (none, or anything else), -ERANGE. */
static int parse_u64(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(v[i] - '0');

		if (d > 9)
			return -EINVAL;
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* A number of seconds with an optional s, m, h or d; "off" is 0. */
static int parse_duration(const char *v, size_t n, uint32_t *out)
{
	static const struct {
		char c;
		uint32_t mul;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', POLICY_DAY_S}};
	uint64_t x, mul = 1;
	int ret;

	if (n == 3 && !memcmp(v, "off", 3)) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; n && i < sizeof(units) / sizeof(units[0]); i++)
		if (v[n - 1] == units[i].c) {
			mul = units[i].mul;
			n--;
			break;
		}
	ret = parse_u64(v, n, &x);
	if (ret)
		return ret;
	if (x > UINT32_MAX / mul)
		return -ERANGE;
	*out = (uint32_t)(x * mul);
	return 0;
}

/* A whole percent (an optional '%') in [@lo, @hi]. */
static int parse_pct(const char *v, size_t n, unsigned int lo, unsigned int hi,
		     unsigned int *out)
{
	uint64_t x;
	int ret;

	if (n && v[n - 1] == '%')
		n--;
	ret = parse_u64(v, n, &x);
	if (ret)
		return ret;
	if (x < lo || x > hi)
		return -ERANGE;
	*out = (unsigned int)x;
	return 0;
}

enum policy_key {
	PK_AGE,
	PK_RECOMP_AFTER,
	PK_WB_AFTER,
	PK_WB_DAILY,
	PK_CPU,
	PK_SPILL,
	PK_HIGH,
	PK_LOW,
	PK_COMPACT,
	PK_READ_FACTOR,
	PK_PSI,
	PK_TRIM,
	PK_NR_KEYS
};

static const char *const policy_keys[PK_NR_KEYS] = {
	[PK_AGE] = "age",
	[PK_RECOMP_AFTER] = "recomp_after",
	[PK_WB_AFTER] = "wb_after",
	[PK_WB_DAILY] = "wb_daily",
	[PK_CPU] = "cpu",
	[PK_SPILL] = "spill",
	[PK_HIGH] = "high",
	[PK_LOW] = "low",
	[PK_COMPACT] = "compact",
	[PK_READ_FACTOR] = "read_factor",
	[PK_PSI] = "psi",
	[PK_TRIM] = "trim",
};

/* What each key takes, for @why. */
static const char *const policy_takes[PK_NR_KEYS] = {
	[PK_AGE] = "a duration (seconds, or with s, m, h, d; off)",
	[PK_RECOMP_AFTER] = "a duration (seconds, or with s, m, h, d; off)",
	[PK_WB_AFTER] = "a duration (seconds, or with s, m, h, d; off)",
	[PK_WB_DAILY] = "a size (K, M, G, T; 0 or off: no budget)",
	[PK_CPU] = "1..100",
	[PK_SPILL] = "on or off",
	[PK_HIGH] = "1..100",
	[PK_LOW] = "0..99",
	[PK_COMPACT] = "0..100",
	[PK_READ_FACTOR] = "1..1000",
	[PK_PSI] = "0..100",
	[PK_TRIM] = "0..1000 or off",
};

/* Apply one "key=value" word to *@cfg. */
static int parse_word(const char *w, size_t n, struct policy_cfg *cfg,
		      char *why, size_t why_len)
{
	const char *eq = memchr(w, '=', n);
	const char *v;
	size_t kn, vn;
	unsigned int k;
	uint64_t sz;
	int ret = 0;

	if (!eq)
		return why_set(why, why_len, "'%.*s' is not key=value",
			       (int)(n > WHY_VALUE_MAX ? WHY_VALUE_MAX : n),
			       w);
	kn = (size_t)(eq - w);
	v = eq + 1;
	vn = n - kn - 1;
	for (k = 0; k < PK_NR_KEYS; k++)
		if (strlen(policy_keys[k]) == kn &&
		    !memcmp(policy_keys[k], w, kn))
			break;
	if (k == PK_NR_KEYS)
		return why_set(why, why_len, "unknown setting '%.*s'",
			       (int)(kn > WHY_VALUE_MAX ? WHY_VALUE_MAX : kn),
			       w);
	if (!vn)
		return why_set(why, why_len, "%s: empty value", policy_keys[k]);
	switch ((enum policy_key)k) {
	case PK_AGE:
		ret = parse_duration(v, vn, &cfg->age_s);
		break;
	case PK_RECOMP_AFTER:
		ret = parse_duration(v, vn, &cfg->recomp_after_s);
		break;
	case PK_WB_AFTER:
		ret = parse_duration(v, vn, &cfg->wb_after_s);
		break;
	case PK_WB_DAILY:
		if (vn == 3 && !memcmp(v, "off", 3)) {
			cfg->wb_daily_bytes = 0;
			break;
		}
		ret = size_parse(v, vn, &sz); /* no newline: split on it */
		if (!ret)
			cfg->wb_daily_bytes = sz;
		break;
	case PK_CPU:
		ret = parse_pct(v, vn, 1, 100, &cfg->cpu_pct);
		break;
	case PK_SPILL:
		if (vn == 2 && !memcmp(v, "on", 2))
			cfg->spill = true;
		else if (vn == 3 && !memcmp(v, "off", 3))
			cfg->spill = false;
		else
			ret = -EINVAL;
		break;
	case PK_HIGH:
		ret = parse_pct(v, vn, 1, 100, &cfg->high_pct);
		break;
	case PK_LOW:
		ret = parse_pct(v, vn, 0, 99, &cfg->low_pct);
		break;
	case PK_COMPACT:
		ret = parse_pct(v, vn, 0, 100, &cfg->compact_pct);
		break;
	case PK_READ_FACTOR:
		ret = parse_pct(v, vn, 1, 1000, &cfg->read_factor);
		break;
	case PK_PSI:
		ret = parse_pct(v, vn, 0, 100, &cfg->psi_pct);
		break;
	case PK_TRIM:
		if (vn == 3 && !memcmp(v, "off", 3))
			cfg->trim_pct = 0;
		else
			ret = parse_pct(v, vn, 0, 1000, &cfg->trim_pct);
		break;
	case PK_NR_KEYS:
		break;
	}
	if (ret)
		return why_set(why, why_len, "%s: '%.*s' is %s%s",
			       policy_keys[k],
			       (int)(vn > WHY_VALUE_MAX ? WHY_VALUE_MAX : vn),
			       v, ret == -ERANGE ? "out of range: " : "not ",
			       policy_takes[k]);
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int policy_parse(const char *line, size_t len, struct policy_cfg *cfg,
		 char *why, size_t why_len)
{
	struct policy_cfg c = *cfg;
	unsigned int words = 0;
	size_t i = 0;
	int ret;

	while (i < len) {
		size_t j;

		if (is_space(line[i])) {
			i++;
			continue;
		}
		for (j = i; j < len && !is_space(line[j]); j++)
			if (!line[j])
				return why_set(why, why_len,
					       "a NUL byte in the settings");
		ret = parse_word(line + i, j - i, &c, why, why_len);
		if (ret)
			return ret;
		words++;
		i = j;
	}
	if (!words)
		return why_set(why, why_len, "no settings");
	if (c.low_pct >= c.high_pct)
		return why_set(why, why_len, "low: %u is not below high (%u)",
			       c.low_pct, c.high_pct);
	if (policy_check(&c))
		return why_set(why, why_len, "a setting out of range");
	*cfg = c;
	return 0;
}

static void format_duration(char *buf, size_t len, uint32_t s)
{
	if (!s)
		snprintf(buf, len, "off");
	else if (s % POLICY_DAY_S == 0)
		snprintf(buf, len, "%ud", s / POLICY_DAY_S);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
}

static void format_size(char *buf, size_t len, uint64_t b)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (b && u < 3 && b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)b);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)b, units[u]);
}

int policy_format(const struct policy_cfg *cfg, char *buf, size_t len)
{
	char age[16], rc[16], wb[16], daily[32];
	int n;

	format_duration(age, sizeof(age), cfg->age_s);
	format_duration(rc, sizeof(rc), cfg->recomp_after_s);
	format_duration(wb, sizeof(wb), cfg->wb_after_s);
	format_size(daily, sizeof(daily), cfg->wb_daily_bytes);
	n = snprintf(buf, len,
		     "age=%s recomp_after=%s wb_after=%s wb_daily=%s cpu=%u "
		     "spill=%s high=%u low=%u compact=%u read_factor=%u "
		     "psi=%u trim=%u\n",
		     age, rc, wb, daily, cfg->cpu_pct, cfg->spill ? "on" : "off",
		     cfg->high_pct, cfg->low_pct, cfg->compact_pct,
		     cfg->read_factor, cfg->psi_pct, cfg->trim_pct);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* ---- decisions -------------------------------------------------------- */

/*
 * Refill the budget for the time since budget_t: wb_daily_bytes a day,
 * continuously.  What a call adds is the difference of what the whole
 * time since the clock's zero stands for at @now and at budget_t, so that
 * the rounding of frequent calls does not add up: a day of calls a second
 * apart refills exactly wb_daily_bytes, a budget below a byte a second
 * included.
 */
static void policy_refill(struct policy *p, uint32_t now)
{
	uint64_t b = p->cfg.wb_daily_bytes, add;

	if (!b) {
		p->budget = UINT64_MAX;
		p->budget_t = now;
		return;
	}
	if (p->budget > b) /* from no budget, or a smaller daily amount */
		p->budget = b;
	if (now <= p->budget_t) {
		p->budget_t = now;
		return;
	}
	add = (uint64_t)((unsigned __int128)b * now / POLICY_DAY_S -
			 (unsigned __int128)b * p->budget_t / POLICY_DAY_S);
	p->budget = add >= b - p->budget ? b : p->budget + add;
	p->budget_t = now;
}

void policy_init(struct policy *p, const struct policy_cfg *cfg,
		 uint32_t now)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->next_age = now;
	p->budget = cfg->wb_daily_bytes ? cfg->wb_daily_bytes : UINT64_MAX;
	p->budget_t = now;
	p->st.budget_left = p->budget;
}

void policy_set(struct policy *p, const struct policy_cfg *cfg)
{
	uint32_t old_age = p->cfg.age_s;

	/* the next aging is due the new period after the last one */
	if (old_age && cfg->age_s) {
		uint32_t last = p->next_age >= old_age ? p->next_age - old_age
						       : 0;

		if (cfg->age_s < old_age || p->next_age > last + cfg->age_s)
			p->next_age = last + cfg->age_s;
	}
	p->cfg = *cfg;
	if (!cfg->wb_daily_bytes)
		p->budget = UINT64_MAX;
	else if (p->budget > cfg->wb_daily_bytes)
		p->budget = cfg->wb_daily_bytes;
	p->st.budget_left = p->budget;
}

/* @age, halved under pressure, at least a second. */
static uint32_t eff_age(uint32_t age, bool pressure)
{
	if (pressure)
		age /= 2;
	return age ? age : 1;
}

/* The age of a slot read since it was written: read_factor times less. */
static uint32_t read_age(uint32_t age, unsigned int factor)
{
	age /= factor ? factor : 1;
	return age ? age : 1;
}

/* Whether the pool's memory not holding objects reaches compact_pct. */
static bool compact_due(const struct policy_cfg *cfg,
			const struct policy_in *in)
{
	unsigned __int128 slack;

	if (!cfg->compact_pct || !in->pool_bytes ||
	    in->obj_bytes >= in->pool_bytes)
		return false;
	slack = in->pool_bytes - in->obj_bytes;
	return slack * 100 >= (unsigned __int128)in->pool_bytes *
				      cfg->compact_pct;
}

/* Pool bytes to free at the watermarks, 0 below the high one unless a
 * write waits (then at least the gap between the watermarks). */
static uint64_t spill_due(const struct policy_cfg *cfg,
			  const struct policy_in *in)
{
	unsigned __int128 high, low;
	uint64_t want;

	if (!cfg->spill || !in->has_backing || !in->mem_limit ||
	    !in->backing_free)
		return 0;
	high = (unsigned __int128)in->mem_limit * cfg->high_pct / 100;
	low = (unsigned __int128)in->mem_limit * cfg->low_pct / 100;
	if (!in->writes_wait &&
	    (in->pool_bytes < high || in->pool_bytes <= low))
		return 0;
	want = in->pool_bytes > low ? in->pool_bytes - (uint64_t)low
				    : (uint64_t)(high - low);
	if (!want)
		want = 1; /* a slot */
	return want < in->backing_free ? want : in->backing_free;
}

/*
 * Compressed bytes to write back so that the slots held in RAM are no more
 * than the kernel's Used plus trim_pct: as many slots as the excess, at
 * their average size, within the budget and the backing store's room.
 */
uint64_t policy_trim_bytes(const struct policy *p, const struct policy_in *in)
{
	const struct policy_cfg *cfg = &p->cfg;
	unsigned __int128 allowed, bytes;
	uint64_t excess;

	if (!cfg->trim_pct || !in->has_backing || !in->backing_free ||
	    in->kernel_used_slots == UINT64_MAX || !p->budget || !in->ram_slots)
		return 0;
	allowed = (unsigned __int128)in->kernel_used_slots +
		  (unsigned __int128)in->kernel_used_slots * cfg->trim_pct / 100;
	if (in->ram_slots <= allowed)
		return 0;
	excess = in->ram_slots - (uint64_t)allowed;
	bytes = (unsigned __int128)in->compr_bytes * excess / in->ram_slots;
	if (!bytes)
		bytes = 1; /* a slot */
	if (bytes > p->budget)
		bytes = p->budget;
	if (bytes > in->backing_free)
		bytes = in->backing_free;
	return (uint64_t)bytes;
}

void policy_decide(struct policy *p, const struct policy_in *in,
		   struct policy_act *act)
{
	const struct policy_cfg *c = &p->cfg;
	bool pressure;

	memset(act, 0, sizeof(*act));
	policy_refill(p, in->now);
	p->st.budget_left = p->budget;
	pressure = c->psi_pct && in->psi_pct > c->psi_pct;
	p->st.pressure = c->age_s && pressure;
	if (!c->age_s)
		return;
	act->spill_bytes = spill_due(c, in);
	act->trim_bytes = policy_trim_bytes(p, in);
	act->compact = compact_due(c, in);
	if (in->now < p->next_age)
		return;
	act->age = true;
	act->idle_age = eff_age(c->age_s, pressure);
	if (c->recomp_after_s && in->has_secondary) {
		act->recompress = true;
		act->recomp_age = eff_age(c->recomp_after_s, pressure);
		act->recomp_age_read = read_age(act->recomp_age, c->read_factor);
	}
	if (c->wb_after_s && in->has_backing && in->backing_free &&
	    p->budget) {
		act->writeback = true;
		act->wb_age = eff_age(c->wb_after_s, pressure);
		act->wb_age_read = read_age(act->wb_age, c->read_factor);
		act->wb_max_bytes = p->budget;
	}
	p->next_age = in->now + act->idle_age;
}

/* The CPU share in force: doubled under pressure, at most all of it. */
static unsigned int cpu_share(const struct policy *p)
{
	unsigned int s = p->cfg.cpu_pct;

	if (p->st.pressure)
		s *= 2;
	if (s > 100)
		s = 100;
	return s ? s : 1;
}

void policy_account(struct policy *p, const struct policy_done *done)
{
	unsigned int share = cpu_share(p);
	unsigned __int128 owe;

	if (p->budget != UINT64_MAX)
		p->budget -= done->wb_bytes < p->budget ? done->wb_bytes
							: p->budget;
	p->st.steps++;
	p->st.aged += done->aged;
	p->st.recompressed += done->recompressed;
	p->st.written_back += done->written_back;
	p->st.spilled += done->spilled;
	p->st.trimmed += done->trimmed;
	p->st.bytes_written += done->wb_bytes + done->spill_bytes;
	p->st.compactions += done->compact;
	p->st.compacted += done->compacted;
	p->st.cpu_ns += done->cpu_ns;
	p->st.budget_left = p->budget;
	owe = (unsigned __int128)done->cpu_ns * (100 - share) / share;
	if (owe > UINT64_MAX - p->sleep_ns)
		p->sleep_ns = UINT64_MAX;
	else
		p->sleep_ns += (uint64_t)owe;
}

uint32_t policy_sleep_ms(struct policy *p, uint32_t now, uint32_t max_ms)
{
	uint64_t owed = p->sleep_ns / NS_PER_MS +
			(p->sleep_ns % NS_PER_MS ? 1 : 0);
	uint64_t to_age = 0, ms;

	if (p->cfg.age_s && p->next_age > now)
		to_age = (uint64_t)(p->next_age - now) * 1000;
	ms = owed > to_age ? owed : to_age;
	if (ms > max_ms)
		ms = max_ms;
	p->sleep_ns -= ms * NS_PER_MS < p->sleep_ns ? ms * NS_PER_MS
						    : p->sleep_ns;
	return (uint32_t)ms;
}

/* ---- pressure --------------------------------------------------------- */

int policy_psi_parse(const char *text, size_t len, unsigned int *pct)
{
	static const char key[] = "avg10=";
	size_t i = 0;

	/* the line that starts with "some " */
	while (i < len) {
		size_t end = i;

		while (end < len && text[end] != '\n')
			end++;
		if (end - i > 5 && !memcmp(text + i, "some ", 5)) {
			size_t k = i + 5;
			unsigned int whole = 0, digits = 0;
			bool frac = false;

			while (k < end && text[k] == ' ')
				k++;
			if (end - k < sizeof(key) - 1 ||
			    memcmp(text + k, key, sizeof(key) - 1))
				return -EINVAL;
			k += sizeof(key) - 1;
			for (; k < end && text[k] >= '0' && text[k] <= '9';
			     k++, digits++) {
				if (whole > 1000)
					return -EINVAL;
				whole = whole * 10 + (unsigned int)(text[k] -
								    '0');
			}
			if (!digits)
				return -EINVAL;
			if (k < end && text[k] == '.') {
				k++;
				if (k == end || text[k] < '0' || text[k] > '9')
					return -EINVAL;
				for (; k < end && text[k] >= '0' &&
				       text[k] <= '9';
				     k++)
					frac |= text[k] != '0';
			}
			if (k < end && text[k] != ' ')
				return -EINVAL;
			*pct = whole + (frac ? 1 : 0);
			return 0;
		}
		i = end + 1;
	}
	return -EINVAL;
}
