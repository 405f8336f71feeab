// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tier_policy.c - the policy's steps on the tier's worker (tier.h,
 * policy.h): read what the store looks like, let policy_decide() say what
 * to do, do a bounded part of it, and tell policy_account() what it took.
 *
 * A step does one thing, in this order: spill (a write may be waiting;
 * written back coldest first, then the pool compacted so that the freed
 * objects give memory back, then the waiting writes woken); else trim
 * (coldest first, every other step while another stage waits; a
 * compaction follows a trim run); else a compaction when due (at most one
 * an aging period); else the aging
 * stages decided at the last aging, one part at a time: marking idle,
 * TIER_STEP_RECOMP_PAGES recompressed, TIER_STEP_WB_BYTES written back.
 * A stage whose part was full stays pending for the next step, which
 * follows after what the CPU share owes; the next aging comes after that.
 * The aging stages use the store's age filters (min_age, min_age_read),
 * not the idle marks: the idle marks follow the policy for zram's tools.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tier.h"
#include "tier_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backing.h"
#include "fzram.h"
#include "zspool.h"

#define PSI_PATH "/proc/pressure/memory"

/* @b as "12 MiB", or "600 KiB" below 10 MiB, into @buf. */
static const char *mib(char buf[32], uint64_t b)
{
	if (b >= (10ULL << 20))
		snprintf(buf, 32, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, 32, "%llu KiB", (unsigned long long)(b >> 10));
	return buf;
}

__attribute__((format(printf, 3, 4))) static void
pol_log(struct tier_pol *w, int prio, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!w->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->log(prio, msg, w->log_arg);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* "some avg10" of PSI_PATH in whole percent; 0 without the file (a
 * kernel without PSI) or when it does not read as expected. */
static unsigned int read_psi(void)
{
	char buf[256];
	unsigned int pct;
	ssize_t n;
	int fd = open(PSI_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || policy_psi_parse(buf, (size_t)n, &pct))
		return 0;
	return pct;
}

/* The kernel's Used of the swap on the file, in slots, into
 * w->kused_slots (UINT64_MAX: no reader, not swap, or unreadable). */
static void read_kused(struct tier *t)
{
	struct tier_pol *w = &t->pol;
	tier_kused_fn *fn;
	void *arg;
	uint64_t b = 0;

	pthread_mutex_lock(&t->lock);
	fn = t->kused_fn;
	arg = t->kused_arg;
	pthread_mutex_unlock(&t->lock);
	w->kused_slots = UINT64_MAX;
	if (fn && fn(arg, &b) == 1)
		w->kused_slots = b / FZ_PAGE_SIZE;
	w->kused_ms = tier_mono_ms();
}

static void pol_in(struct tier *t, struct policy_in *in)
{
	struct store *s = t->store;
	struct tier_pol *w = &t->pol;
	struct backing *bk = store_backing(s);
	struct stats_mm mm;
	struct zsp_stats zs;
	struct codec c;
	int64_t now = tier_mono_ms();

	memset(in, 0, sizeof(*in));
	in->now = store_now(s);
	store_mm(s, &mm);
	zsp_get_stats(store_pool(s), &zs);
	in->pool_bytes = mm.mem_used_total;
	in->obj_bytes = zs.obj_bytes;
	in->mem_limit = mm.mem_limit;
	if (bk) {
		struct backing_stats bs;

		backing_get_stats(bk, &bs);
		in->has_backing = true;
		in->backing_free =
			bs.size > bs.used_bytes ? bs.size - bs.used_bytes : 0;
	}
	for (unsigned int prio = 1; prio <= STORE_MAX_PRIO; prio++)
		if (store_recomp(s, prio, &c))
			in->has_secondary = true;
	if (w->psi_ms == 0 || now - w->psi_ms >= TIER_PSI_MS) {
		w->psi = read_psi();
		w->psi_ms = now;
	}
	in->psi_pct = w->psi;
	in->writes_wait = store_spill_waiting(s) > 0;
	in->ram_slots = mm.orig_data_size / FZ_PAGE_SIZE > mm.same_pages
				? mm.orig_data_size / FZ_PAGE_SIZE - mm.same_pages
				: 0;
	in->compr_bytes = mm.compr_data_size;
	if (!w->p.cfg.trim_pct || !bk)
		w->kused_slots = UINT64_MAX; /* not read: trim cannot act */
	else if (w->kused_ms == 0 || now - w->kused_ms >= TIER_PSI_MS)
		read_kused(t);
	in->kernel_used_slots = w->kused_slots;
}

/* A stage's part did @slots (@bytes): log when it starts working. */
static void stage_did(struct tier_pol *w, struct tier_stage *st,
		      const char *what, uint64_t slots, uint64_t bytes)
{
	st->run += slots;
	st->slots += slots;
	st->bytes += bytes;
	if (slots && !st->on) {
		st->on = true;
		if (st == &w->st_wb)
			pol_log(w, LOG_INFO,
				"policy: %s started: slots idle for %us "
				"(%us if read since written)",
				what, w->pend.wb_age, w->pend.wb_age_read);
		else if (st == &w->st_recomp)
			pol_log(w, LOG_INFO,
				"policy: %s started: slots idle for %us "
				"(%us if read since written)",
				what, w->pend.recomp_age,
				w->pend.recomp_age_read);
		else
			pol_log(w, LOG_INFO, "policy: %s started", what);
	}
}

/* A stage's run (an aging period's, or a spill) ended: log when it did
 * nothing after working, with what it did since it started. */
static void stage_end(struct tier_pol *w, struct tier_stage *st,
		      const char *what, const char *why)
{
	char b[32];

	if (st->on && (!st->run || why)) {
		pol_log(w, LOG_INFO, "policy: %s stopped%s%s: %llu slots, %s",
			what, why ? ": " : "", why ? why : "",
			(unsigned long long)st->slots, mib(b, st->bytes));
		st->on = false;
		st->slots = st->bytes = 0;
	}
	st->run = 0;
}

/* Write back the coldest slots, read-since-written first, up to @want
 * compressed bytes (a step's TIER_STEP_WB_BYTES at most): the slots moved
 * into *@moved, the backing bytes written into *@bytes.
 * Return: store_writeback()'s. */
static int wb_coldest(struct store *s, uint64_t want, uint64_t *moved,
		      uint64_t *bytes)
{
	struct store_wb_req req = {
		.mode = 0,
		.order = STORE_WB_COLDEST,
		.max_bytes = want < TIER_STEP_WB_BYTES ? want
						       : TIER_STEP_WB_BYTES,
	};
	uint64_t before = store_wb_bytes_total(s);
	int ret = store_writeback(s, &req, moved);

	*bytes = store_wb_bytes_total(s) - before;
	return ret;
}

/* Write back the coldest slots for the spill; false: nothing more can be
 * spilled now (nothing to move, or the backing store said no). */
static bool do_spill(struct tier *t, const struct policy_in *in,
		     const struct policy_act *a, struct policy_done *d)
{
	struct store *s = t->store;
	struct tier_pol *w = &t->pol;
	uint64_t moved = 0, bytes = 0;
	struct backing *bk = store_backing(s);
	bool roomed = false; /* the backing store's compaction made room */
	const char *why = NULL;
	char b1[32], b2[32];
	int ret;

	if (!w->st_spill.on)
		pol_log(w, LOG_INFO, "policy: spill started: pool %s above %s",
			mib(b1, in->pool_bytes),
			mib(b2, in->mem_limit * w->p.cfg.high_pct / 100));
	w->st_spill.on = true; /* logged above, also when nothing moves */
	ret = wb_coldest(s, a->spill_bytes, &moved, &bytes);
	/*
	 * Full: freed objects leave dead space in the backing store's
	 * segments, which only its compaction gives back; nothing else runs
	 * it while the pool stays compact, so do it here, and go on at once
	 * if it made room.
	 */
	if (ret == -ENOSPC && bk && backing_compact(bk) > 0) {
		backing_maintain(bk);
		ret = 0;
		roomed = true;
	}
	d->spilled += moved;
	d->spill_bytes += bytes;
	/* the objects written back leave holes: give the memory back */
	d->compact = true;
	d->compacted += store_compact(s);
	stage_did(w, &w->st_spill, "spill", moved, bytes);
	if (ret < 0 || (!moved && !roomed)) /* the writes waiting fail, not
					       after TIER_SPILL_WAIT_MS */
		store_spill_fail(s);
	store_spill_wake(s);
	if (ret == -ENOSPC)
		why = "the backing store is full";
	else if (ret == -EIO)
		why = "writeback_limit spent or a backing write failed";
	else if (ret < 0)
		why = strerror(-ret);
	else if (!moved && !roomed)
		why = "no slot left to write back";
	if (why) {
		stage_end(w, &w->st_spill, "spill", why);
		w->spill_hold_ms = tier_mono_ms() + TIER_MAINTAIN_MS;
		return false;
	}
	return true;
}

/* Write back the coldest slots for trim, within the budget (decided);
 * false: nothing was moved (then not again for a while, longer after
 * each miss: up to TIER_TRIM_BACKOFF_MS). */
static bool do_trim(struct tier *t, const struct policy_in *in,
		    const struct policy_act *a, struct policy_done *d)
{
	struct tier_pol *w = &t->pol;
	struct backing *bk = store_backing(t->store);
	uint64_t moved = 0, bytes = 0;
	const char *why = NULL;
	char b1[32], b2[32];
	int ret;

	ret = wb_coldest(t->store, a->trim_bytes, &moved, &bytes);
	/* full of dead space: its compaction makes room (as for spill) */
	if (ret == -ENOSPC && bk && backing_compact(bk) > 0) {
		backing_maintain(bk);
		ret = 0;
		if (!moved) /* room made: try again soon, not a miss */
			return false;
	}
	d->trimmed += moved;
	d->wb_bytes += bytes;
	if (moved && !w->st_trim.on) {
		pol_log(w, LOG_INFO,
			"policy: trim started: %s held in RAM, the swap uses %s",
			mib(b1, in->ram_slots * FZ_PAGE_SIZE),
			mib(b2, in->kernel_used_slots * FZ_PAGE_SIZE));
		w->st_trim.on = true;
	}
	stage_did(w, &w->st_trim, "trim", moved, bytes);
	if (ret == -ENOSPC)
		why = "the backing store is full";
	else if (ret < 0)
		why = strerror(-ret);
	else if (!moved)
		why = "no slot left to write back";
	if (why) {
		stage_end(w, &w->st_trim, "trim", why);
		w->trim_backoff_ms = w->trim_backoff_ms
					     ? w->trim_backoff_ms * 2
					     : TIER_MAINTAIN_MS;
		if (w->trim_backoff_ms > TIER_TRIM_BACKOFF_MS)
			w->trim_backoff_ms = TIER_TRIM_BACKOFF_MS;
		w->trim_hold_ms = tier_mono_ms() + w->trim_backoff_ms;
		return false;
	}
	w->trim_backoff_ms = 0;
	/* the objects written back leave holes: a compaction follows (at
	 * most one an aging period), whatever compact_pct says */
	w->trim_compact = true;
	return true;
}

static void do_compact(struct tier *t, struct policy_done *d)
{
	struct tier_pol *w = &t->pol;
	struct backing *bk = store_backing(t->store);
	uint64_t pages = store_compact(t->store);

	/* as the compact job (tier.c) */
	if (bk && backing_compact(bk) >= 0)
		backing_maintain(bk);
	d->compact = true;
	d->compacted += pages;
	stage_did(w, &w->st_compact, "compaction", pages, pages * FZ_PAGE_SIZE);
	stage_end(w, &w->st_compact, "compaction", NULL);
	w->compact_hold_ms =
		tier_mono_ms() +
		1000LL * (w->p.cfg.age_s < 60 ? w->p.cfg.age_s : 60);
}

static void do_recompress(struct tier *t, struct policy_done *d)
{
	struct tier_pol *w = &t->pol;
	struct store_recomp_req req = {
		.max_pages = TIER_STEP_RECOMP_PAGES,
		.min_age = w->pend.recomp_age,
		.min_age_read = w->pend.recomp_age_read,
	};
	uint64_t done = 0;
	int ret = store_recompress(t->store, &req, &done);

	d->recompressed += done;
	stage_did(w, &w->st_recomp, "recompression", done, 0);
	/* tried slots are marked, so the same request moves on: go on while
	 * it finds some */
	w->pend_recomp = ret == 0 && done > 0;
	if (!w->pend_recomp)
		stage_end(w, &w->st_recomp, "recompression",
			  ret < 0 && ret != -ENOENT ? strerror(-ret) : NULL);
}

static void do_writeback(struct tier *t, struct policy_done *d)
{
	struct store *s = t->store;
	struct tier_pol *w = &t->pol;
	uint64_t left = w->p.budget, moved = 0, before, bytes;
	struct store_wb_req req = {
		.mode = 0,
		.min_age = w->pend.wb_age,
		.min_age_read = w->pend.wb_age_read,
		.order = STORE_WB_COLDEST,
		.max_bytes = left < TIER_STEP_WB_BYTES ? left
						       : TIER_STEP_WB_BYTES,
	};
	const char *why = NULL;
	int ret;

	if (!left) {
		w->pend_wb = false;
		if (!w->budget_spent)
			pol_log(w, LOG_INFO,
				"policy: writeback paused: the daily budget "
				"(wb_daily) is spent");
		w->budget_spent = true;
		stage_end(w, &w->st_wb, "writeback", "the budget is spent");
		return;
	}
	w->budget_spent = false;
	before = store_wb_bytes_total(s);
	ret = store_writeback(s, &req, &moved);
	bytes = store_wb_bytes_total(s) - before;
	d->written_back += moved;
	d->wb_bytes += bytes;
	stage_did(w, &w->st_wb, "writeback", moved, bytes);
	w->pend_wb = ret == 0 && moved && bytes >= req.max_bytes;
	if (ret == -ENOSPC)
		why = "the backing store is full";
	else if (ret < 0)
		why = strerror(-ret);
	if (!w->pend_wb)
		stage_end(w, &w->st_wb, "writeback", why);
}

/* The aging stages decided now replace those still pending. */
static void take_aging(struct tier_pol *w, const struct policy_act *a)
{
	if (!a->age)
		return;
	w->pend = *a;
	w->pend_age = true;
	w->pend_recomp = a->recompress;
	w->pend_wb = a->writeback;
	if (!a->recompress)
		stage_end(w, &w->st_recomp, "recompression", NULL);
	if (!a->writeback && !w->budget_spent)
		stage_end(w, &w->st_wb, "writeback", NULL);
}

uint32_t tier_policy_step(struct tier *t)
{
	struct tier_pol *w = &t->pol;
	struct policy_in in;
	struct policy_act a;
	struct policy_done d = {0};
	uint64_t cpu0 = thread_cpu_ns();
	int64_t now_ms;
	bool spilling = false, trimming = false, other, more;
	uint32_t ms, now_s;

	pol_in(t, &in);
	policy_decide(&w->p, &in, &a);
	/* trim acts on the kernel's Used of now, not of up to a second ago:
	 * slots allocated since then may not have reached the store yet */
	if (a.trim_bytes && tier_mono_ms() - w->kused_ms >= TIER_KUSED_FRESH_MS) {
		read_kused(t);
		in.kernel_used_slots = w->kused_slots;
		a.trim_bytes = policy_trim_bytes(&w->p, &in);
	}
	if (w->p.st.pressure != w->pressure) {
		w->pressure = w->p.st.pressure;
		if (w->pressure)
			pol_log(w, LOG_INFO,
				"policy: memory pressure (some avg10 %u%%): "
				"ages halved, CPU share doubled",
				in.psi_pct);
		else
			pol_log(w, LOG_INFO, "policy: memory pressure gone");
	}
	take_aging(w, &a);
	if (!a.compact)
		stage_end(w, &w->st_compact, "compaction", NULL);
	now_ms = tier_mono_ms();
	if (a.spill_bytes && now_ms >= w->spill_hold_ms) {
		spilling = do_spill(t, &in, &a, &d);
	} else {
		/* no room can be made now (held back, or the backing store
		 * has none): writes waiting fail now, as zram's */
		if (in.writes_wait)
			store_spill_fail(t->store);
		if (!a.spill_bytes)
			stage_end(w, &w->st_spill, "spill",
				  "under the high watermark");
		if (!a.trim_bytes)
			stage_end(w, &w->st_trim, "trim",
				  !w->p.budget ? "the daily budget is spent"
				  : in.has_backing && !in.backing_free
				      ? "the backing store is full"
				      : "RAM holds no more than the swap uses");
		/* trim takes every other step while another stage waits */
		w->trim_compact = w->trim_compact && w->p.cfg.compact_pct;
		other = (a.compact || w->trim_compact) ||
			w->pend_age || w->pend_recomp || w->pend_wb;
		if (a.trim_bytes && now_ms >= w->trim_hold_ms &&
		    !(w->trim_last && other)) {
			trimming = do_trim(t, &in, &a, &d);
		} else if ((a.compact || w->trim_compact) &&
			   now_ms >= w->compact_hold_ms) {
			w->trim_compact = false;
			do_compact(t, &d);
		} else if (w->pend_age) {
			d.aged = store_mark_idle(t->store, false,
						 w->pend.idle_age);
			w->pend_age = false;
		} else if (w->pend_recomp) {
			do_recompress(t, &d);
		} else if (w->pend_wb) {
			do_writeback(t, &d);
		}
	}
	w->trim_last = trimming;
	more = w->pend_age || w->pend_recomp || w->pend_wb || trimming;
	d.cpu_ns = thread_cpu_ns() - cpu0;
	policy_account(&w->p, &d);
	if (spilling) /* writes may be waiting: the share is paid after */
		return 0;
	/* with a stage pending, only what the share owes (as if aging were
	 * due now); else until the next aging too, or, while trim watches a
	 * swap, a second at most (as if aging were due then): the share's
	 * debt is paid whole either way */
	now_s = store_now(t->store);
	if (more)
		now_s = w->p.next_age;
	else if (w->kused_slots != UINT64_MAX && w->p.next_age > now_s + 1)
		now_s = w->p.next_age - TIER_PSI_MS / 1000;
	ms = policy_sleep_ms(&w->p, now_s, TIER_POLICY_MAX_SLEEP_MS);
	/* spill held back: try again when the hold ends, for writes at the
	 * limit fail at once meanwhile and no longer kick */
	now_ms = tier_mono_ms();
	if (a.spill_bytes && w->spill_hold_ms > now_ms &&
	    w->spill_hold_ms - now_ms < ms)
		ms = (uint32_t)(w->spill_hold_ms - now_ms);
	return ms;
}

void tier_policy_take(struct tier *t)
{
	struct tier_pol *w = &t->pol;
	const struct policy_cfg *c = &t->pol_cfg;
	uint32_t now = store_now(t->store);

	t->pol_new = false;
	if (!w->inited) {
		policy_init(&w->p, c, now);
		w->inited = true;
	} else {
		bool was_on = w->on;

		policy_set(&w->p, c);
		if (!was_on)
			w->p.next_age = now;
	}
	w->on = c->age_s != 0;
	w->spill = t->pol_spill;
	w->log = t->log;
	w->log_arg = t->log_arg;
	w->due_ms = 0; /* a step at once, with the new settings */
	w->spill_hold_ms = w->compact_hold_ms = w->trim_hold_ms = 0;
	w->trim_backoff_ms = 0;
	w->kused_ms = 0;
	if (!w->on)
		w->pend_age = w->pend_recomp = w->pend_wb = false;
	t->pol_st = w->p.st;
	__atomic_store_n(&t->kicked, 0, __ATOMIC_RELAXED);
}

void tier_policy_kick(struct tier *t)
{
	__atomic_store_n(&t->kicked, 1, __ATOMIC_RELEASE);
	/* never wait: a writer at mem_limit calls this */
	if (pthread_mutex_trylock(&t->lock) == 0) {
		pthread_cond_signal(&t->work);
		pthread_mutex_unlock(&t->lock);
	}
}

static void tier_kick_cb(void *arg)
{
	tier_policy_kick(arg);
}

/* The store's side of spill, as @on says.  Caller holds t->set_lock. */
static void set_store_spill(struct tier *t, bool on, unsigned int high_pct)
{
	if (on) {
		store_set_spill_high(t->store, high_pct);
		store_set_spill(t->store, TIER_SPILL_WAIT_MS, tier_kick_cb, t);
	} else {
		store_set_spill(t->store, 0, NULL, NULL);
		store_set_spill_high(t->store, 0);
	}
}

int tier_set_policy(struct tier *t, const struct policy_cfg *cfg)
{
	bool spill;

	if (policy_check(cfg))
		return -EINVAL;
	spill = cfg->age_s && cfg->spill && store_backing(t->store);
	pthread_mutex_lock(&t->set_lock);
	if (!spill) /* writes stop waiting before the worker stops spilling */
		set_store_spill(t, false, 0);
	pthread_mutex_lock(&t->lock);
	t->pol_cfg = *cfg;
	t->pol_new = true;
	t->pol_spill = spill;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->lock);
	if (spill)
		set_store_spill(t, true, cfg->high_pct);
	pthread_mutex_unlock(&t->set_lock);
	return 0;
}

void tier_policy_unset(struct tier *t)
{
	pthread_mutex_lock(&t->set_lock);
	set_store_spill(t, false, 0);
	pthread_mutex_unlock(&t->set_lock);
}

void tier_get_policy(struct tier *t, struct policy_cfg *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->pol_cfg;
	pthread_mutex_unlock(&t->lock);
}

void tier_policy_stat(struct tier *t, struct policy_stat *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->pol_st;
	pthread_mutex_unlock(&t->lock);
}

void tier_set_kernel_used(struct tier *t, tier_kused_fn *fn, void *arg)
{
	pthread_mutex_lock(&t->lock);
	t->kused_fn = fn;
	t->kused_arg = arg;
	pthread_mutex_unlock(&t->lock);
}

void tier_set_log(struct tier *t, tier_log_fn *fn, void *arg)
{
	pthread_mutex_lock(&t->lock);
	t->log = fn;
	t->log_arg = arg;
	pthread_mutex_unlock(&t->lock);
}
