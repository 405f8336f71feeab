/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - the tiers that run themselves (issue 12): what the tier's
 * worker does by itself, decided here from the store's state and a clock,
 * with no I/O and no store calls, so that every decision can be tested
 * against a simulated clock (check_policy).
 *
 * Stages, each off when its setting is 0:
 *   aging       every age_s seconds: mark idle (store_mark_idle()) the
 *               slots not accessed for age_s, so zram's idle marks and
 *               block_state follow the policy, and run the stages below;
 *   recompress  slots not accessed for recomp_after_s are recompressed
 *               with the secondary algorithms (needs one set);
 *   writeback   slots not accessed for wb_after_s are written back (needs
 *               a backing store), at most wb_daily_bytes of backing writes
 *               a day (a budget refilled continuously, on top of zram's
 *               writeback_limit);
 *   spill       with a backing store and a mem_limit: when the pool passes
 *               high_pct of mem_limit, or a write waits for room (its
 *               allocation would take the pool past mem_limit while the
 *               pool is below high_pct: a fresh zspage, high_pct 100), the
 *               coldest slots are written back until it is under low_pct,
 *               so that writes do not fail while the backing store has
 *               room (the budget does not stop it: refusing writes is
 *               worse than wearing the disk);
 *   trim        with a backing store and a swap on the file: when the
 *               slots held in RAM (same-filled ones aside) pass the
 *               slots the kernel says its swap uses (/proc/swaps' Used,
 *               kswap.h) by more than trim_pct, at least that many held
 *               slots are data the kernel has freed without telling the
 *               device; the coldest slots, read-since-written ones first,
 *               are written back until RAM holds no more than that
 *               (within the daily budget), so that fzram's RAM follows
 *               the kernel's Used instead of growing with what it freed;
 *   compact     when the pool's memory not holding objects passes
 *               compact_pct of the pool, compact it.
 * Slots read since they were last written (STORE_ATIME_READ) are demoted
 * read_factor times sooner than the others: the kernel has their page
 * back in RAM, and frees the slot as soon as the page is written to, so
 * most of them are data the kernel no longer needs but cannot tell the
 * device about (issue 12's measurements).
 * Memory pressure (PSI, /proc/pressure/memory "some avg10"): above
 * psi_pct the ages are halved and the CPU share doubled (at most 100%);
 * the policy acts earlier and harder, and backs off when it is gone.
 * CPU share: the background work takes at most cpu_pct of one CPU over
 * time: after a step that took C CPU-seconds the worker sleeps
 * C * (100 - cpu_pct) / cpu_pct before the next.
 *
 * Locks: none; a struct policy belongs to one thread (the tier's worker),
 * which copies a new configuration in between steps.
 */
#ifndef FZRAM_POLICY_H
#define FZRAM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Defaults, chosen for a user who adds only a backing file (see README and
 * fzram(8)).  Issue 12 measured two things fzram holds that kernel zram
 * does not.  Data the kernel has freed without telling the device (it
 * tells a loop device only per whole 2 MiB swap cluster): its amount is
 * what fzram holds beyond the kernel's Used, and trim (10 % over it)
 * writes that much back.  And copies of pages the kernel has back in RAM
 * in its swap cache (zram's swap-ins skip the swap cache and free the
 * slot; a loop device's keep it): those are the slots READ since they were
 * written, as are most freed ones (a page written to after its swap-in
 * goes to another slot next time).  So read-since-written slots go soon:
 * recompressed after 6 s idle, written back after 12 s (the ages /
 * read_factor 100; at 40 s the sustained workload's pool stayed 1.4x
 * zram's, at 12 s it was 0.9x); never-read slots are live data a program
 * keeps, and go only after 10 min (recompression) and 20 min (writeback).
 * Aging every 5 s keeps the stages within 5 s of those ages while marking
 * idle costs one walk of the slots in use per period.  The CPU share (10 %
 * of one CPU) and the daily budget (the backing size once a day,
 * policy_defaults(): far below an SSD's rated writes a day) bound what
 * the background work costs; spill starts at 95 % of mem_limit and stops
 * at 85 %, so that the worker writes ahead of the writes instead of making
 * them wait; compaction at 15 % of the pool free inside its zspages.
 */
#define POLICY_DEFAULT_AGE_S 5
#define POLICY_DEFAULT_RECOMP_AFTER_S 600
#define POLICY_DEFAULT_WB_AFTER_S 1200
#define POLICY_DEFAULT_CPU_PCT 10
#define POLICY_DEFAULT_HIGH_PCT 95
#define POLICY_DEFAULT_LOW_PCT 85
#define POLICY_DEFAULT_COMPACT_PCT 15
#define POLICY_DEFAULT_READ_FACTOR 100
#define POLICY_DEFAULT_PSI_PCT 10
#define POLICY_DEFAULT_TRIM_PCT 10
#define POLICY_DAY_S 86400 /* the budget's period */

struct policy_cfg {
	uint32_t age_s;		 /* aging period; 0: the policy is off */
	uint32_t recomp_after_s; /* 0: no recompression by policy */
	uint32_t wb_after_s;	 /* 0: no writeback by age */
	uint64_t wb_daily_bytes; /* backing bytes a day; 0: no budget */
	unsigned int cpu_pct;	 /* 1..100 */
	bool spill;		 /* spill at the high watermark */
	unsigned int high_pct;	 /* of mem_limit, low_pct < high_pct <= 100 */
	unsigned int low_pct;
	unsigned int compact_pct; /* 0: no compaction by policy; 1..100 */
	unsigned int read_factor; /* 1..1000: read-since-written ages faster */
	unsigned int psi_pct;	  /* 0: ignore pressure; 1..100 */
	unsigned int trim_pct;	  /* 0: no trim; 1..1000: RAM slots may
				     pass the kernel's Used by this much */
};

/*
 * policy_defaults() - the settings a mount gets when it names none: every
 * stage on where it applies (recompression only with a secondary
 * algorithm, writeback and spill only with a backing store), the daily
 * budget @backing_bytes.
 */
void policy_defaults(struct policy_cfg *cfg, bool has_backing,
		     bool has_secondary, uint64_t backing_bytes);

/*
 * policy_parse() - apply a line of words "key=value" (space-separated; as
 * mount options, comma-separated, the caller splits) to *@cfg:
 *   age=DURATION recomp_after=DURATION wb_after=DURATION (a number of
 *   seconds, or with s, m, h or d; 0 or "off": the stage off),
 *   wb_daily=SIZE (K/M/G/T; 0: no budget), cpu=PCT (1..100),
 *   spill=on|off, high=PCT low=PCT (low < high), compact=PCT (0..100),
 *   read_factor=N (1..1000), psi=PCT (0..100), trim=PCT (0..1000; 0 or
 *   off: no trim).
 * @why: on an error, what is wrong ("cpu: '0' is not 1..100"), @why_len
 * bytes at most; may be NULL.
 * Return: 0 with *@cfg updated; -EINVAL (an unknown key, a malformed or
 * out-of-range value, low >= high; *@cfg unchanged).
 */
int policy_parse(const char *line, size_t len, struct policy_cfg *cfg,
		 char *why, size_t why_len);

/*
 * policy_check() - whether every setting of *@cfg is in the ranges that
 * policy_parse() accepts (age_s 0, the policy off, included).
 * Return: 0, -EINVAL.
 */
int policy_check(const struct policy_cfg *cfg);

/*
 * policy_format() - *@cfg as one line that policy_parse() reads back to
 * the same settings, ending in a newline, into @buf (@len bytes).
 * Return: its length, or -ENOSPC.
 */
int policy_format(const struct policy_cfg *cfg, char *buf, size_t len);

/* What the worker sees of the store before each step. */
struct policy_in {
	uint32_t now;		 /* store_now(): seconds */
	uint64_t pool_bytes;	 /* mm_stat's mem_used_total */
	uint64_t obj_bytes;	 /* memory the pool's objects take (class
				    sizes: zsp_stats.obj_bytes) */
	uint64_t mem_limit;	 /* bytes, 0: none */
	bool has_backing;
	uint64_t backing_free;	 /* bytes the backing store can still take */
	bool has_secondary;
	unsigned int psi_pct;	 /* "some avg10", whole percent */
	bool writes_wait;	 /* a write waits for room at mem_limit
				    (store_spill_waiting()) */
	uint64_t ram_slots;	 /* slots held in RAM, same-filled ones
				    aside (pages_stored - same_pages) */
	uint64_t compr_bytes;	 /* their compressed size (compr_data_size) */
	uint64_t kernel_used_slots;	 /* slots the kernel's swap on the file
				    uses; UINT64_MAX: unknown, or no swap */
};

/* What the worker is to do now, in this order. */
struct policy_act {
	bool age;		 /* store_mark_idle(false, idle_age) */
	uint32_t idle_age;
	uint64_t spill_bytes;	 /* pool bytes to free by writing back the
				    coldest slots, read-since-written ones
				    first; 0: none */
	uint64_t trim_bytes;	 /* compressed bytes to write back, the
				    same way, for trim (within the budget);
				    0: none */
	bool recompress;	 /* slots not accessed for recomp_age
				    (recomp_age_read if read since written) */
	uint32_t recomp_age, recomp_age_read;
	bool writeback;		 /* likewise, at most wb_max_bytes of them */
	uint32_t wb_age, wb_age_read;
	uint64_t wb_max_bytes;	 /* the budget left (UINT64_MAX: none) */
	bool compact;
};

/* What a step did, for the budget, the CPU share and policy_stat. */
struct policy_done {
	uint64_t aged, recompressed, written_back, spilled, trimmed; /* slots */
	uint64_t wb_bytes;	 /* backing bytes written (budget) */
	uint64_t spill_bytes;	 /* backing bytes the spill wrote */
	bool compact;		 /* a compaction ran */
	uint64_t compacted;	 /* pool pages it freed */
	uint64_t cpu_ns;	 /* CPU time the step took */
};

/* Counts since the mount, for user.fzram.policy_stat. */
struct policy_stat {
	uint64_t steps, aged, recompressed, written_back, spilled,
		compactions, compacted, trimmed;
	uint64_t bytes_written;	 /* backing bytes written: budget and spill */
	uint64_t budget_left;	 /* bytes, UINT64_MAX without a budget */
	uint64_t cpu_ns;	 /* background CPU time, all steps */
	bool pressure;		 /* acting harder now (PSI) */
};

struct policy {
	struct policy_cfg cfg;
	uint32_t next_age;	 /* when aging is due */
	uint64_t budget;	 /* bytes left today */
	uint32_t budget_t;	 /* when it was last refilled */
	uint64_t sleep_ns;	 /* owed to the CPU share */
	struct policy_stat st;
};

/* policy_init() - start @p with @cfg at time @now (aging due at once). */
void policy_init(struct policy *p, const struct policy_cfg *cfg,
		 uint32_t now);

/* policy_set() - new settings from now on; counts and budget stay (the
 * budget is capped at the new daily amount). */
void policy_set(struct policy *p, const struct policy_cfg *cfg);

/*
 * policy_decide() - what to do now, from @in, into *@act (all false/0:
 * nothing).  Spill is decided on every call; the aging stages only when
 * aging is due (then next_age moves on by age_s).
 */
void policy_decide(struct policy *p, const struct policy_in *in,
		   struct policy_act *act);

/*
 * policy_trim_bytes() - what trim is to write back for @in now (the
 * decision policy_decide() puts in trim_bytes), without changing @p: for
 * a step that reads the kernel's Used again before it acts.
 */
uint64_t policy_trim_bytes(const struct policy *p, const struct policy_in *in);

/* policy_account() - record what the step did (budget, CPU share, counts). */
void policy_account(struct policy *p, const struct policy_done *done);

/*
 * policy_sleep_ms() - how long the worker should wait before the next
 * step: what the CPU share owes (taken from it), or the time to the next
 * aging, whichever is longer, at most @max_ms.
 */
uint32_t policy_sleep_ms(struct policy *p, uint32_t now, uint32_t max_ms);

/*
 * policy_psi_parse() - the "some avg10" of /proc/pressure/memory's text
 * (@len bytes at @text), in whole percent (rounded up) into *@pct.
 * Return: 0, -EINVAL (not that format).
 */
int policy_psi_parse(const char *text, size_t len, unsigned int *pct);

#endif /* FZRAM_POLICY_H */
