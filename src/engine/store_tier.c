// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_tier.c - the store's side of the second tier: idle marking,
 * writeback of slots to the backing tier (backing.h), the budget, bd_stat
 * and block_state.
 *
 * Writeback, as zram's: the picked slots are sorted largest object first
 * (or, for the policy, taken coldest first in bounded passes: see "coldest
 * first" below), then moved in batches.  For each batch, under each slot's lock in turn,
 * the object is copied out of the pool and the slot marked
 * STORE_F_UNDER_WB; with no lock held the batch is sealed and written
 * (backing_write()); then, under each slot's lock again, a slot still
 * marked (nothing wrote, discarded or freed it meanwhile: any of those
 * replaces the whole word) gets the backing object's id and its pool
 * object is freed, while a slot that changed keeps its new content and the
 * copy written for it is freed.  So a slot ends with its newest data and no
 * space leaks on either tier.
 *
 * Only one writeback runs at a time (the tier's worker, tier.h), which is
 * what makes the flag enough: nothing else sets it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

/* ---- clock and idle ---------------------------------------------------- */

uint32_t store_now(const struct store *s)
{
	return now_sec(s);
}

void store_advance_clock(struct store *s, uint32_t seconds)
{
	__atomic_sub_fetch(&s->epoch_ns, (int64_t)seconds * 1000000000,
			   __ATOMIC_RELAXED);
}

uint64_t store_mark_idle(struct store *s, bool all, uint32_t min_age)
{
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);
	uint32_t now = now_sec(s);
	uint64_t marked = 0;

	for (uint64_t ci = 0; ci * STORE_CHUNK_SLOTS < n; ci++) {
		struct store_chunk *c = chunk_get(s, ci * STORE_CHUNK_SLOTS,
						  false);
		uint64_t end = chunk_end(ci, n);

		for (uint64_t slot = ci * STORE_CHUNK_SLOTS; c && slot < end;
		     slot++) {
			uint64_t *e = slot_word(c, slot);
			uint64_t v = __atomic_load_n(e, __ATOMIC_RELAXED);
			uint32_t at;

			/* unlocked peek: only stored slots are locked */
			if (!slot_used(v & ~SLOT_LOCK) ||
			    (v & (F(STORE_F_SAME) | F(STORE_F_WB))))
				continue;
			v = slot_lock(e);
			at = atime_sec(atime_load(s, c, slot));
			/* a slot touched since @now was read is not idle
			 * (and now - at would wrap) */
			if (slot_used(v) &&
			    !(v & (F(STORE_F_SAME) | F(STORE_F_WB))) &&
			    (all || (at <= now && now - at >= min_age))) {
				v |= F(STORE_F_IDLE);
				marked++;
			}
			slot_unlock(e, v);
		}
	}
	return marked;
}

/* ---- backing tier and budget ------------------------------------------- */

int store_set_backing(struct store *s, struct backing *bk)
{
	struct backing *none = NULL;

	if (!bk)
		return -EINVAL;
	if (!__atomic_compare_exchange_n(&s->bk, &none, bk, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return -EBUSY;
	return 0;
}

struct backing *store_backing(const struct store *s)
{
	return __atomic_load_n(&s->bk, __ATOMIC_ACQUIRE);
}

void store_set_wb_limit(struct store *s, uint64_t pages)
{
	__atomic_store_n(&s->wb_limit, pages, __ATOMIC_RELAXED);
}

uint64_t store_wb_limit(const struct store *s)
{
	return __atomic_load_n(&s->wb_limit, __ATOMIC_RELAXED);
}

void store_set_wb_limit_enable(struct store *s, bool on)
{
	__atomic_store_n(&s->wb_limit_enable, on, __ATOMIC_RELAXED);
}

bool store_wb_limit_enabled(const struct store *s)
{
	return __atomic_load_n(&s->wb_limit_enable, __ATOMIC_RELAXED);
}

int store_set_wb_batch(struct store *s, unsigned int n)
{
	if (n < 1 || n > BK_MAX_BATCH)
		return -EINVAL;
	__atomic_store_n(&s->wb_batch, n, __ATOMIC_RELAXED);
	return 0;
}

unsigned int store_wb_batch(const struct store *s)
{
	return __atomic_load_n(&s->wb_batch, __ATOMIC_RELAXED);
}

/*
 * Take one page of budget; false when it is enabled and spent.  Only the
 * writeback takes from it (one at a time), so a set by the user between
 * the load and the store is the only race, and the user's value wins on
 * the next take.
 */
static bool budget_take(struct store *s)
{
	uint64_t left;

	if (!store_wb_limit_enabled(s))
		return true;
	left = __atomic_load_n(&s->wb_limit, __ATOMIC_RELAXED);
	while (left) {
		if (__atomic_compare_exchange_n(&s->wb_limit, &left, left - 1,
						true, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* Give back a page taken by budget_take() for a slot that did not move. */
static void budget_return(struct store *s)
{
	if (store_wb_limit_enabled(s))
		__atomic_add_fetch(&s->wb_limit, 1, __ATOMIC_RELAXED);
}

/* ---- writeback --------------------------------------------------------- */

/* What one writeback request picks: store_wb_req's mode and ages. */
struct wb_filter {
	unsigned int mode;
	uint32_t now; /* the access-time clock when the request started */
	uint32_t min_age, min_age_read;
};

/* A slot word that writeback may move under @mode. */
static bool wb_eligible(uint64_t v, unsigned int mode)
{
	if (!slot_used(v) || (v & (F(STORE_F_SAME) | F(STORE_F_WB) |
				   F(STORE_F_UNDER_WB))))
		return false;
	if ((mode & STORE_WB_IDLE) && !(v & F(STORE_F_IDLE)))
		return false;
	if ((mode & STORE_WB_HUGE) && !(v & F(STORE_F_HUGE)))
		return false;
	if ((mode & STORE_WB_INCOMPRESSIBLE) &&
	    !(v & F(STORE_F_INCOMPRESSIBLE)))
		return false;
	return true;
}

/* @slot's access-time word when @f filters by age (0 when it does not:
 * zram's requests never look at access times). */
static uint32_t wb_atime(struct store *s, struct store_chunk *c,
			 uint64_t slot, const struct wb_filter *f)
{
	return f->min_age || f->min_age_read ? atime_load(s, c, slot) : 0;
}

/* Slot word @v, whose access-time word is @a, passes @f. */
static bool wb_pass(uint64_t v, uint32_t a, const struct wb_filter *f)
{
	return wb_eligible(v, f->mode) &&
	       atime_old(a, f->now, f->min_age, f->min_age_read);
}

int store_list_add(struct store_list *l, uint64_t key)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint64_t *k = realloc(l->key, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		l->key = k;
		l->cap = cap;
	}
	l->key[l->n++] = key;
	return 0;
}

static int key_cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

void store_list_sort(struct store_list *l)
{
	size_t w = 0;

	if (!l->n)
		return;
	qsort(l->key, l->n, sizeof(*l->key), key_cmp_desc);
	/* overlapping ranges name a slot twice: keep the first */
	for (size_t i = 0; i < l->n; i++)
		if (!w || l->key[i] != l->key[w - 1])
			l->key[w++] = l->key[i];
	l->n = w;
}

int store_walk(struct store *s, uint64_t lo, uint64_t end,
	       int (*fn)(struct store *s, struct store_chunk *c,
			 uint64_t slot, uint64_t v, void *arg),
	       void *arg)
{
	for (uint64_t slot = lo; slot < end;) {
		uint64_t ci = slot / STORE_CHUNK_SLOTS;
		struct store_chunk *c = chunk_get(s, slot, false);
		uint64_t stop = chunk_end(ci, end);

		for (; c && slot < stop; slot++) {
			uint64_t v = __atomic_load_n(slot_word(c, slot),
						     __ATOMIC_RELAXED);
			int ret;

			if (!slot_used(v & ~SLOT_LOCK))
				continue;
			ret = fn(s, c, slot, v & ~SLOT_LOCK, arg);
			if (ret)
				return ret;
		}
		slot = stop;
	}
	return 0;
}

struct wb_collect_arg {
	const struct wb_filter *f;
	struct store_list *l;
};

static int wb_collect_one(struct store *s, struct store_chunk *c,
			  uint64_t slot, uint64_t v, void *arg)
{
	struct wb_collect_arg *a = arg;

	if (!wb_pass(v, wb_atime(s, c, slot, a->f), a->f))
		return 0;
	return store_list_add(a->l, (uint64_t)slot_len(v) << 32 | slot);
}

static int wb_collect(struct store *s, const struct wb_filter *f,
		      uint64_t lo, uint64_t end, struct store_list *l)
{
	struct wb_collect_arg a = {.f = f, .l = l};

	return store_walk(s, lo, end, wb_collect_one, &a);
}

/* What a batch remembers of each slot it copied. */
struct wb_pick {
	uint64_t slot;
	zsp_handle_t handle;
};

/* One request's progress. */
struct wb_run {
	const struct wb_filter *f;
	uint64_t max_bytes;	/* 0: no limit */
	uint64_t moved, bytes;	/* slots, compressed bytes moved */
	bool spent;		/* the budget ran out before the slots did */
	struct bk_item *items;	/* [BK_MAX_BATCH] */
	struct wb_pick *picks;	/* [BK_MAX_BATCH] */
};

/* Whether @run has moved the bytes it may (it stops then). */
static bool wb_enough(const struct wb_run *run, uint64_t pending)
{
	return run->max_bytes && run->bytes + pending >= run->max_bytes;
}

/*
 * Copy up to @max of the candidates @key[*@next..@n) into the batch; each
 * slot is checked again under its lock and marked STORE_F_UNDER_WB.  Stops
 * early once the batch and what @run moved reach its max_bytes.
 * Return: the number copied; *@next advances; @run->spent is set when the
 * budget ran out before the candidates did.
 */
static unsigned int wb_fill(struct store *s, const uint64_t *key, size_t n,
			    size_t *next, unsigned int max,
			    struct wb_run *run)
{
	unsigned int got = 0;
	uint64_t pending = 0;

	while (got < max && *next < n && !wb_enough(run, pending)) {
		uint64_t slot = key[*next] & 0xffffffffULL;
		struct store_chunk *c = chunk_get(s, slot, false);
		unsigned char *buf = s->wb_buf + (size_t)got * FZ_PAGE_SIZE;
		uint64_t *e, v;
		zsp_handle_t h;

		if (!c || slot >= __atomic_load_n(&s->nslots,
						  __ATOMIC_ACQUIRE)) {
			(*next)++;
			continue;
		}
		e = slot_word(c, slot);
		v = slot_lock(e);
		if (!wb_pass(v, wb_atime(s, c, slot, run->f), run->f)) {
			slot_unlock(e, v);
			(*next)++;
			continue;
		}
		if (!budget_take(s)) {
			slot_unlock(e, v);
			run->spent = true;
			break;
		}
		h = (zsp_handle_t)(v & SLOT_HANDLE_MASK);
		memcpy(buf, zsp_map(s->pool, h), slot_len(v));
		zsp_unmap(s->pool, h);
		run->items[got] = (struct bk_item){.slot = slot,
						   .data = buf,
						   .len = slot_len(v)};
		run->picks[got] = (struct wb_pick){.slot = slot, .handle = h};
		slot_unlock(e, v | F(STORE_F_UNDER_WB));
		pending += slot_len(v);
		got++;
		(*next)++;
	}
	return got;
}

/*
 * Install what the batch wrote, slot by slot (see the top).  Return: the
 * first item's error (-ENOSPC, -EIO, -ENOMEM) or 0; @run's counts grow.
 */
static int wb_commit(struct store *s, unsigned int n, struct wb_run *run)
{
	const struct bk_item *items = run->items;
	const struct wb_pick *picks = run->picks;
	bool nospc = false;
	int err = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct store_chunk *c = chunk_get(s, picks[i].slot, false);
		uint64_t *e = slot_word(c, picks[i].slot);
		uint64_t v = slot_lock(e);
		bool same = (v & F(STORE_F_UNDER_WB)) &&
			    (zsp_handle_t)(v & SLOT_HANDLE_MASK) ==
				    picks[i].handle;

		if (!items[i].id) {
			if (!err)
				err = items[i].err ? items[i].err : -EIO;
			nospc |= items[i].err == -ENOSPC;
			budget_return(s);
			slot_unlock(e, v & ~F(STORE_F_UNDER_WB));
			continue;
		}
		if (!same) {
			/* written, discarded or freed meanwhile: it wins */
			backing_free(s->bk, items[i].id);
			budget_return(s);
			slot_unlock(e, v);
			continue;
		}
		zsp_free(s->pool, picks[i].handle);
		stats_sub(s->st.compr_data_size, slot_len(v));
		stats_dec(s->st.pages_stored);
		if (v & F(STORE_F_HUGE))
			stats_dec(s->st.huge_pages);
		if (slot_prio(v)) { /* recompression's counts are of RAM */
			stats_dec(s->st.recomp_pages[slot_prio(v)]);
			stats_sub(s->st.recomp_bytes[slot_prio(v)],
				  slot_len(v));
		}
		stats_inc(s->st.bd_count);
		stats_inc(s->st.bd_writes);
		__atomic_add_fetch(&s->wb_bytes_total, slot_len(v),
				   __ATOMIC_RELAXED);
		run->moved++;
		run->bytes += slot_len(v);
		/* the access time stays; the idle mark goes, as in zram; the
		 * object keeps what decodes it */
		slot_unlock(e, (uint64_t)items[i].id |
				       ((uint64_t)slot_len(v) << SLOT_LEN_SHIFT) |
				       F(STORE_F_WB) |
				       (v & (F(STORE_F_HUGE) | SLOT_CODEC_FIELDS)));
	}
	/* what a write at mem_limit asks before it waits (store_spill.c) */
	store_spill_set_full(s, nospc);
	return err;
}

/* Move the candidates @key[0..@n) in that order, a batch at a time, until
 * they run out, the budget or @run's max_bytes does, or a write fails. */
static int wb_move(struct store *s, const uint64_t *key, size_t n,
		   struct wb_run *run)
{
	size_t next = 0;
	int ret = 0;

	while (next < n && !ret && !run->spent && !wb_enough(run, 0)) {
		unsigned int got, batch = store_wb_batch(s);
		int w;

		got = wb_fill(s, key, n, &next, batch, run);
		if (!got)
			break;
		w = backing_write(s->bk, run->items, got);
		if (w < 0) {
			for (unsigned int i = 0; i < got; i++) {
				run->items[i].id = 0;
				run->items[i].err = w;
			}
		}
		ret = wb_commit(s, got, run);
	}
	return ret;
}

/* ---- coldest first: bounded passes ------------------------------------- */

/*
 * STORE_WB_COLDEST takes the slots in rank order: read since written
 * first, then the rest; within each, oldest access first; ties by slot.
 * The rank is one 64-bit key (the group in bit 63, the seconds in bits
 * 32..62, the slot below), so that the order is total and a pass can
 * resume after the last rank it took.  Memory stays bounded whatever the
 * device's size: each pass walks the slot table once and keeps the
 * smallest ranks above the previous pass's last in a max-heap, sorts and
 * moves them, and the next pass starts above them.  The heap holds
 * WB_COLD_PASS ranks (32 KiB) at first and doubles after each full pass up
 * to WB_COLD_MAX (512 KiB), so that a large request does not walk the
 * table once per few thousand slots.  A pass that finds fewer candidates
 * than the heap holds is the last.  A slot
 * touched during a request gets a later rank; it is taken again only if it
 * still passes the filter and ranks above the passes already made.
 */
#define WB_COLD_PASS 4096
#define WB_COLD_MAX 65536

static uint64_t cold_rank(uint64_t slot, uint32_t a)
{
	return (uint64_t)!(a & STORE_ATIME_READ) << 63 |
	       (uint64_t)atime_sec(a) << 32 | slot;
}

struct cold_heap {
	uint64_t *key; /* [cap]: a max-heap of ranks */
	size_t n, cap;
};

static void cold_swap(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/* Keep @k if it is among the @h->cap smallest seen. */
static void cold_push(struct cold_heap *h, uint64_t k)
{
	size_t i;

	if (h->n < h->cap) {
		i = h->n++;
		h->key[i] = k;
		while (i && h->key[(i - 1) / 2] < h->key[i]) {
			cold_swap(&h->key[(i - 1) / 2], &h->key[i]);
			i = (i - 1) / 2;
		}
		return;
	}
	if (k >= h->key[0])
		return;
	h->key[0] = k;
	for (i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && h->key[l] > h->key[m])
			m = l;
		if (r < h->n && h->key[r] > h->key[m])
			m = r;
		if (m == i)
			break;
		cold_swap(&h->key[i], &h->key[m]);
		i = m;
	}
}

static int key_cmp_asc(const void *a, const void *b)
{
	return -key_cmp_desc(a, b);
}

struct cold_scan_arg {
	const struct wb_filter *f;
	bool have_floor;
	uint64_t floor; /* take only ranks above it, when have_floor */
	struct cold_heap *h;
};

static int cold_scan_one(struct store *s, struct store_chunk *c,
			 uint64_t slot, uint64_t v, void *arg)
{
	struct cold_scan_arg *a = arg;
	uint32_t at;
	uint64_t k;

	if (!wb_eligible(v, a->f->mode))
		return 0;
	at = atime_load(s, c, slot);
	if (!atime_old(at, a->f->now, a->f->min_age, a->f->min_age_read))
		return 0;
	k = cold_rank(slot, at);
	if (!a->have_floor || k > a->floor)
		cold_push(a->h, k);
	return 0;
}

/* @req's ranges sorted and merged (so a pass sees each slot once), or the
 * whole device of @n slots; the number of ranges into *@nr. */
static void wb_ranges(const struct store_wb_req *req, uint64_t n,
		      struct store_wb_range *r, unsigned int *nr)
{
	unsigned int m = 0;

	if (!req->nranges) {
		r[0] = (struct store_wb_range){.lo = 0, .hi = n - 1};
		*nr = 1;
		return;
	}
	for (unsigned int i = 0; i < req->nranges; i++) {
		unsigned int j = i;

		r[i] = req->range[i];
		for (; j && r[j - 1].lo > r[j].lo; j--) {
			struct store_wb_range t = r[j - 1];

			r[j - 1] = r[j];
			r[j] = t;
		}
	}
	for (unsigned int i = 1; i < req->nranges; i++) {
		if (r[i].lo <= r[m].hi + 1) {
			if (r[i].hi > r[m].hi)
				r[m].hi = r[i].hi;
		} else {
			r[++m] = r[i];
		}
	}
	*nr = m + 1;
}

static int wb_coldest(struct store *s, const struct store_wb_req *req,
		      uint64_t n, struct wb_run *run)
{
	struct store_wb_range r[STORE_WB_MAX_RANGES];
	struct cold_heap h = {.key = malloc(WB_COLD_PASS * sizeof(*h.key)),
			      .cap = WB_COLD_PASS};
	uint64_t floor = 0;
	bool have_floor = false;
	unsigned int nr;
	int ret = 0;

	if (!h.key)
		return -ENOMEM;
	wb_ranges(req, n, r, &nr);
	while (!ret && !run->spent && !wb_enough(run, 0)) {
		struct cold_scan_arg a = {.f = run->f,
					  .have_floor = have_floor,
					  .floor = floor,
					  .h = &h};

		h.n = 0;
		for (unsigned int i = 0; i < nr; i++)
			store_walk(s, r[i].lo, r[i].hi + 1, cold_scan_one, &a);
		if (!h.n)
			break;
		qsort(h.key, h.n, sizeof(*h.key), key_cmp_asc);
		ret = wb_move(s, h.key, h.n, run);
		if (h.n < h.cap)
			break; /* that pass saw every candidate left */
		floor = h.key[h.n - 1];
		have_floor = true;
		if (h.cap < WB_COLD_MAX) {
			uint64_t *k = realloc(h.key, 2 * h.cap * sizeof(*k));

			if (k) { /* else go on with the heap it has */
				h.key = k;
				h.cap *= 2;
			}
		}
	}
	free(h.key);
	return ret;
}

int store_writeback(struct store *s, const struct store_wb_req *req,
		    uint64_t *moved)
{
	struct bk_item items[BK_MAX_BATCH];
	struct wb_pick picks[BK_MAX_BATCH];
	struct wb_filter f = {.mode = req->mode,
			      .now = now_sec(s),
			      .min_age = req->min_age,
			      .min_age_read = req->min_age_read};
	struct wb_run run = {.f = &f,
			     .max_bytes = req->max_bytes,
			     .items = items,
			     .picks = picks};
	struct store_list l = {0};
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);
	int ret = 0;

	if (moved)
		*moved = 0;
	if (req->nranges > STORE_WB_MAX_RANGES ||
	    (req->order != STORE_WB_LARGEST && req->order != STORE_WB_COLDEST))
		return -EINVAL;
	for (unsigned int i = 0; i < req->nranges; i++)
		if (req->range[i].lo > req->range[i].hi ||
		    req->range[i].hi >= n)
			return -EINVAL;
	if (!store_backing(s))
		return -ENODEV;
	if (store_wb_limit_enabled(s) && !store_wb_limit(s))
		return -EIO;
	if (!s->wb_buf) {
		s->wb_buf = malloc((size_t)BK_MAX_BATCH * FZ_PAGE_SIZE);
		if (!s->wb_buf)
			return -ENOMEM;
	}
	if (req->order == STORE_WB_COLDEST) {
		ret = wb_coldest(s, req, n, &run);
		goto out;
	}
	if (!req->nranges) {
		ret = wb_collect(s, &f, 0, n, &l);
	} else {
		for (unsigned int i = 0; i < req->nranges && !ret; i++)
			ret = wb_collect(s, &f, req->range[i].lo,
					 req->range[i].hi + 1, &l);
	}
	if (ret)
		goto out;
	store_list_sort(&l);
	ret = wb_move(s, l.key, l.n, &run);
out:
	if (!ret && run.spent)
		ret = -EIO;
	free(l.key);
	if (moved)
		*moved = run.moved;
	return ret;
}

uint64_t store_wb_bytes_total(struct store *s)
{
	return __atomic_load_n(&s->wb_bytes_total, __ATOMIC_RELAXED);
}

/* ---- statistics and block_state ---------------------------------------- */

void store_bd(struct store *s, struct stats_bd *bd)
{
	struct backing *bk = store_backing(s);
	struct backing_stats bs = {0};

	if (bk)
		backing_get_stats(bk, &bs);
	bd->bd_count = stats_read(s->st.bd_count);
	bd->bd_reads = stats_read(s->st.bd_reads);
	bd->bd_writes = stats_read(s->st.bd_writes);
	bd->bd_data_bytes = bs.data_bytes;
	bd->bd_used_bytes = bs.used_bytes;
}

size_t store_block_state(struct store *s, uint64_t *cursor, char *buf,
			 size_t len)
{
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);
	uint64_t slot = *cursor;
	size_t at = 0;

	while (slot < n && len - at >= STORE_BLOCK_STATE_LINE + 1) {
		uint64_t ci = slot / STORE_CHUNK_SLOTS;
		struct store_chunk *c = chunk_get(s, slot, false);
		uint64_t stop = chunk_end(ci, n);

		for (; c && slot < stop &&
		       len - at >= STORE_BLOCK_STATE_LINE + 1;
		     slot++) {
			/* a snapshot: no lock, the request loop never waits */
			uint64_t v = __atomic_load_n(slot_word(c, slot),
						     __ATOMIC_ACQUIRE);
			uint32_t sec = atime_sec(atime_load(s, c, slot));
			int w;

			if (!slot_used(v & ~SLOT_LOCK))
				continue;
			w = snprintf(buf + at, len - at,
				     "%12llu %12u.000000 %c%c%c%c%c%c\n",
				     (unsigned long long)slot, sec,
				     v & F(STORE_F_SAME) ? 's' : '.',
				     v & F(STORE_F_WB) ? 'w' : '.',
				     v & F(STORE_F_HUGE) ? 'h' : '.',
				     v & F(STORE_F_IDLE) ? 'i' : '.',
				     v & F(STORE_F_RECOMP) ? 'r' : '.',
				     v & F(STORE_F_INCOMPRESSIBLE) ? 'n'
								     : '.');
			if (w < 0 || (size_t)w >= len - at)
				break; /* cannot happen: the line is 40 */
			at += (size_t)w;
		}
		if (!c || slot == stop)
			slot = stop;
		else
			break;
	}
	*cursor = slot;
	return at;
}
