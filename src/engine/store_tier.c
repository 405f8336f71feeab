// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_tier.c - the store's side of the second tier: idle marking,
 * writeback of slots to the backing tier (backing.h), the budget, bd_stat
 * and block_state.
 *
 * Writeback, as zram's: the picked slots are sorted largest object first,
 * then moved in batches.  For each batch, under each slot's lock in turn,
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

static int wb_collect(struct store *s, unsigned int mode, uint64_t lo,
		      uint64_t end, struct store_list *l)
{
	for (uint64_t slot = lo; slot < end;) {
		uint64_t ci = slot / STORE_CHUNK_SLOTS;
		struct store_chunk *c = chunk_get(s, slot, false);
		uint64_t stop = chunk_end(ci, end);

		for (; c && slot < stop; slot++) {
			uint64_t v = __atomic_load_n(slot_word(c, slot),
						     __ATOMIC_RELAXED);
			int ret;

			if (!wb_eligible(v & ~SLOT_LOCK, mode))
				continue;
			ret = store_list_add(l, (uint64_t)slot_len(v) << 32 | slot);
			if (ret)
				return ret;
		}
		slot = stop;
	}
	return 0;
}

/* What a batch remembers of each slot it copied. */
struct wb_pick {
	uint64_t slot;
	zsp_handle_t handle;
};

/*
 * Copy up to @max of the candidates from *@next on into the batch; each
 * slot is checked again under its lock and marked STORE_F_UNDER_WB.
 * Return: the number copied; *@next advances; *@spent is set when the
 * budget ran out before the candidates did.
 */
static unsigned int wb_fill(struct store *s, const struct store_list *l,
			    size_t *next, unsigned int mode, unsigned int max,
			    struct bk_item *items, struct wb_pick *picks,
			    bool *spent)
{
	unsigned int n = 0;

	while (n < max && *next < l->n) {
		uint64_t slot = l->key[*next] & 0xffffffffULL;
		struct store_chunk *c = chunk_get(s, slot, false);
		unsigned char *buf = s->wb_buf + (size_t)n * FZ_PAGE_SIZE;
		uint64_t *e, v;
		zsp_handle_t h;

		if (!c || slot >= __atomic_load_n(&s->nslots,
						  __ATOMIC_ACQUIRE)) {
			(*next)++;
			continue;
		}
		e = slot_word(c, slot);
		v = slot_lock(e);
		if (!wb_eligible(v, mode)) {
			slot_unlock(e, v);
			(*next)++;
			continue;
		}
		if (!budget_take(s)) {
			slot_unlock(e, v);
			*spent = true;
			break;
		}
		h = (zsp_handle_t)(v & SLOT_HANDLE_MASK);
		memcpy(buf, zsp_map(s->pool, h), slot_len(v));
		zsp_unmap(s->pool, h);
		items[n] = (struct bk_item){.slot = slot,
					    .data = buf,
					    .len = slot_len(v)};
		picks[n] = (struct wb_pick){.slot = slot, .handle = h};
		slot_unlock(e, v | F(STORE_F_UNDER_WB));
		n++;
		(*next)++;
	}
	return n;
}

/*
 * Install what the batch wrote, slot by slot (see the top).  Return: the
 * first item's error (-ENOSPC, -EIO, -ENOMEM) or 0; *@moved grows.
 */
static int wb_commit(struct store *s, const struct bk_item *items,
		     const struct wb_pick *picks, unsigned int n,
		     uint64_t *moved)
{
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
		(*moved)++;
		/* the access time stays; the idle mark goes, as in zram; the
		 * object keeps what decodes it */
		slot_unlock(e, (uint64_t)items[i].id |
				       ((uint64_t)slot_len(v) << SLOT_LEN_SHIFT) |
				       F(STORE_F_WB) |
				       (v & (F(STORE_F_HUGE) | SLOT_CODEC_FIELDS)));
	}
	return err;
}

int store_writeback(struct store *s, const struct store_wb_req *req,
		    uint64_t *moved)
{
	struct bk_item items[BK_MAX_BATCH];
	struct wb_pick picks[BK_MAX_BATCH];
	struct store_list l = {0};
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);
	uint64_t done = 0;
	size_t next = 0;
	bool spent = false;
	int ret = 0;

	if (moved)
		*moved = 0;
	if (req->nranges > STORE_WB_MAX_RANGES)
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
	if (!req->nranges) {
		ret = wb_collect(s, req->mode, 0, n, &l);
	} else {
		for (unsigned int i = 0; i < req->nranges && !ret; i++)
			ret = wb_collect(s, req->mode, req->range[i].lo,
					 req->range[i].hi + 1, &l);
	}
	if (ret)
		goto out;
	store_list_sort(&l);
	while (next < l.n && !ret && !spent) {
		unsigned int got, batch = store_wb_batch(s);
		int w;

		got = wb_fill(s, &l, &next, req->mode, batch, items, picks,
			      &spent);
		if (!got)
			break;
		w = backing_write(s->bk, items, got);
		if (w < 0) {
			for (unsigned int i = 0; i < got; i++) {
				items[i].id = 0;
				items[i].err = w;
			}
		}
		ret = wb_commit(s, items, picks, got, &done);
	}
	if (!ret && spent)
		ret = -EIO;
out:
	free(l.key);
	if (moved)
		*moved = done;
	return ret;
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
