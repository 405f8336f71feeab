// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store_recomp.c - recompression with secondary algorithms, as zram's
 * recompress: the secondaries of priorities 1..STORE_MAX_PRIO, and the
 * walk that tries them on the slots a request picks.
 *
 * Each slot is done on its own, in the way of a writeback batch of one
 * (store_tier.c): under the slot's lock its object is copied out and the
 * slot marked STORE_F_UNDER_WB; with no lock held it is decompressed (with
 * the algorithm the slot names) and compressed again with each priority in
 * turn; a result that saves a size class is allocated and, under the
 * slot's lock again, installed if the slot is still marked (nothing wrote,
 * discarded or freed it meanwhile), or freed if it is not.  So the slot
 * ends with its newest content and nothing leaks.  Only one recompression
 * or writeback runs at a time (the tier's worker), which is what makes the
 * flag enough.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- dictionaries ------------------------------------------------------ */

void store_dict_put(struct store *s, unsigned int di)
{
	struct codec_dict *d;
	char *name;

	if (!di || __atomic_sub_fetch(&s->dict[di].refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* the last reference: nothing names the entry any more, and only
	 * a holder of one could take another */
	pthread_mutex_lock(&s->dict_lock);
	d = s->dict[di].d;
	name = s->dict[di].name;
	s->dict[di].name = NULL;
	__atomic_store_n(&s->dict[di].d, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->dict_lock);
	codec_dict_put(d);
	free(name);
}

/* One more reference to entry @di unless its count is 0 already (its last
 * holder is emptying it); caller holds dict_lock. */
static bool dict_ref_live(struct store *s, unsigned int di)
{
	uint64_t r = __atomic_load_n(&s->dict[di].refs, __ATOMIC_RELAXED);

	while (r)
		if (__atomic_compare_exchange_n(&s->dict[di].refs, &r, r + 1,
						true, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * The entry for @d, holding one reference for the caller (the priority's):
 * one already loaded from the same bytes (so that setting a dictionary
 * again, or going back to an earlier one, takes no new entry; it keeps
 * its first name, and @name is freed), else a free one; 0 when all are in
 * use.
 */
static unsigned int dict_install(struct store *s, struct codec_dict *d,
				 char *name)
{
	unsigned int di = 0;

	pthread_mutex_lock(&s->dict_lock);
	for (unsigned int i = 1; i <= STORE_MAX_DICTS && !di; i++)
		if (s->dict[i].d && codec_dict_equal(s->dict[i].d, d) &&
		    dict_ref_live(s, i))
			di = i;
	if (di) {
		pthread_mutex_unlock(&s->dict_lock);
		free(name);
		return di;
	}
	for (unsigned int i = 1; i <= STORE_MAX_DICTS && !di; i++) {
		if (s->dict[i].d)
			continue;
		di = i;
		s->dict[i].name = name;
		__atomic_store_n(&s->dict[i].refs, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&s->dict[i].d, codec_dict_get(d),
				 __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&s->dict_lock);
	return di;
}

void store_dict_stats(struct store *s, unsigned int *n, uint64_t *bytes)
{
	*n = 0;
	*bytes = 0;
	pthread_mutex_lock(&s->dict_lock);
	for (unsigned int i = 1; i <= STORE_MAX_DICTS; i++) {
		if (!s->dict[i].d)
			continue;
		(*n)++;
		*bytes += codec_dict_size(s->dict[i].d);
	}
	pthread_mutex_unlock(&s->dict_lock);
}

/* Make @c with dictionary entry @di priority @prio's codec; the entry's
 * reference passes to the priority, the old one's is returned to drop
 * (after recomp_lock is released: dropping may take dict_lock). */
static unsigned int prio_replace(struct store *s, unsigned int prio,
				 const struct codec *c, unsigned int di)
{
	unsigned int old = s->cur_dict[prio];

	s->recomp[prio] = *c;
	s->cur_dict[prio] = di;
	return old;
}

int store_set_params(struct store *s, unsigned int prio, int level,
		     struct codec_dict *dict, const char *name)
{
	unsigned int di = 0, old;
	struct codec c;
	char *copy = NULL;
	int ret;

	if (prio > STORE_MAX_PRIO)
		return -EINVAL;
	if (!store_recomp(s, prio, &c))
		return -EINVAL;
	ret = codec_init(&c, codec_name(c.alg), level);
	if (ret)
		return ret;
	if (dict) {
		if (codec_dict_alg(dict) != c.alg ||
		    codec_dict_level(dict) != c.level)
			return -EINVAL;
		if (name && !(copy = strdup(name)))
			return -ENOMEM;
		di = dict_install(s, dict, copy);
		if (!di) {
			free(copy);
			return -ENOSPC;
		}
		/* the entry's (equal) dictionary: the one the slots name */
		c.dict = s->dict[di].d;
	}
	/* waits for the writes compressing with the old codec to take
	 * their reference; they keep theirs after */
	pthread_rwlock_wrlock(&s->recomp_lock);
	if (!s->recomp_set[prio] || s->recomp[prio].alg != c.alg) {
		/* the secondary was removed or replaced meanwhile */
		pthread_rwlock_unlock(&s->recomp_lock);
		store_dict_put(s, di);
		return -EINVAL;
	}
	old = prio_replace(s, prio, &c, di);
	pthread_rwlock_unlock(&s->recomp_lock);
	store_dict_put(s, old);
	return 0;
}

bool store_params(struct store *s, unsigned int prio, int *level,
		  char *name, size_t name_len, uint32_t *dict_id)
{
	unsigned int di;
	bool set;

	if (prio > STORE_MAX_PRIO)
		return false;
	pthread_rwlock_rdlock(&s->recomp_lock);
	set = s->recomp_set[prio];
	di = s->cur_dict[prio];
	if (set) {
		*level = s->recomp[prio].level;
		*dict_id = di ? codec_dict_id(s->dict[di].d) : 0;
		if (name_len)
			snprintf(name, name_len, "%s",
				 di && s->dict[di].name ? s->dict[di].name
							: "");
	}
	pthread_rwlock_unlock(&s->recomp_lock);
	return set;
}

/* ---- the secondaries --------------------------------------------------- */

int store_set_recomp(struct store *s, unsigned int prio, const char *name,
		     int level)
{
	struct codec c = {0};
	unsigned int old;
	int ret;

	if (prio < 1 || prio > STORE_MAX_PRIO)
		return -EINVAL;
	if (name) {
		ret = codec_init(&c, name, level);
		if (ret)
			return ret;
	}
	/* a new algorithm starts with no dictionary, as zram's params */
	pthread_rwlock_wrlock(&s->recomp_lock);
	s->recomp_set[prio] = name != NULL;
	old = prio_replace(s, prio, &c, 0);
	pthread_rwlock_unlock(&s->recomp_lock);
	store_dict_put(s, old);
	return 0;
}

bool store_recomp(struct store *s, unsigned int prio, struct codec *out)
{
	bool set;

	if (prio > STORE_MAX_PRIO)
		return false;
	pthread_rwlock_rdlock(&s->recomp_lock);
	set = s->recomp_set[prio];
	if (set) {
		*out = s->recomp[prio];
		out->dict = NULL; /* not referenced: see store_params() */
	}
	pthread_rwlock_unlock(&s->recomp_lock);
	return set;
}

void store_recomp_stats(struct store *s, uint64_t pages[STORE_MAX_PRIO + 1],
			uint64_t bytes[STORE_MAX_PRIO + 1])
{
	uint64_t p = 0, b = 0;

	for (unsigned int i = 1; i <= STORE_MAX_PRIO; i++) {
		pages[i] = stats_read(s->st.recomp_pages[i]);
		bytes[i] = stats_read(s->st.recomp_bytes[i]);
		p += pages[i];
		b += bytes[i];
	}
	/* the rest of what is in RAM: same-filled pages count, no bytes */
	pages[0] = stats_read(s->st.pages_stored) - p;
	bytes[0] = stats_read(s->st.compr_data_size) - b;
}

/* ---- the walk ---------------------------------------------------------- */

/* The priorities one request tries: [lo, hi], each with its codec. */
struct rc_plan {
	unsigned int lo, hi;
	bool top; /* hi is the highest priority set: failing it is final */
	uint32_t now; /* the access-time clock when the request started */
	bool set[STORE_MAX_PRIO + 1];
	struct codec codec[STORE_MAX_PRIO + 1];
	unsigned int dict[STORE_MAX_PRIO + 1]; /* held for the walk */
};

/* @slot's access-time word when @req filters by age, else 0 (not read). */
static uint32_t rc_atime(struct store *s, struct store_chunk *c,
			 uint64_t slot, const struct store_recomp_req *req)
{
	return req->min_age || req->min_age_read ? atime_load(s, c, slot) : 0;
}

/* A slot word the walk may try under @req and @plan, with access-time
 * word @a. */
static bool rc_eligible(uint64_t v, uint32_t a,
			const struct store_recomp_req *req,
			const struct rc_plan *plan)
{
	if (!atime_old(a, plan->now, req->min_age, req->min_age_read))
		return false;
	if (!slot_used(v) ||
	    (v & (F(STORE_F_SAME) | F(STORE_F_WB) | F(STORE_F_UNDER_WB) |
		  F(STORE_F_INCOMPRESSIBLE))))
		return false;
	if ((req->mode & STORE_WB_IDLE) && !(v & F(STORE_F_IDLE)))
		return false;
	if ((req->mode & STORE_WB_HUGE) && !(v & F(STORE_F_HUGE)))
		return false;
	if (req->threshold && slot_len(v) < req->threshold)
		return false;
	/* nothing left to try above the priority it already has */
	return slot_prio(v) < plan->hi;
}

struct rc_collect_arg {
	const struct store_recomp_req *req;
	const struct rc_plan *plan;
	struct store_list *l;
};

static int rc_collect_one(struct store *s, struct store_chunk *c,
			  uint64_t slot, uint64_t v, void *arg)
{
	struct rc_collect_arg *a = arg;

	if (!rc_eligible(v, rc_atime(s, c, slot, a->req), a->req, a->plan))
		return 0;
	return store_list_add(a->l, (uint64_t)slot_len(v) << 32 | slot);
}

static int rc_collect(struct store *s, const struct store_recomp_req *req,
		      const struct rc_plan *plan, struct store_list *l)
{
	struct rc_collect_arg a = {.req = req, .plan = plan, .l = l};

	return store_walk(s, 0, __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE),
			  rc_collect_one, &a);
}

/* Size classes are ZSP_CLASS_STEP apart: a result saves memory only when
 * it takes a smaller one. */
static unsigned int rc_class(unsigned int len)
{
	return (len + ZSP_CLASS_STEP - 1) / ZSP_CLASS_STEP;
}

enum rc_outcome {
	RC_SKIPPED,	    /* the slot changed, or is no longer eligible */
	RC_DONE,	    /* recompressed */
	RC_INCOMPRESSIBLE, /* no priority shrank it */
	RC_FAILED,	    /* out of memory, or its object did not decode */
};

/* Recompress @slot; see the top of the file. */
static enum rc_outcome rc_slot(struct store *s, uint64_t slot,
			       const struct store_recomp_req *req,
			       const struct rc_plan *plan)
{
	static __thread unsigned char obj[FZ_PAGE_SIZE], page[FZ_PAGE_SIZE],
		out[FZ_PAGE_SIZE];
	struct store_chunk *c = chunk_get(s, slot, false);
	unsigned int len, best_len = 0, best_prio = 0, p, di;
	uint64_t *e, v, nv;
	zsp_handle_t h, nh = 0;
	struct codec dec;
	bool huge;

	if (!c)
		return RC_SKIPPED;
	e = slot_word(c, slot);
	v = slot_lock(e);
	if (!rc_eligible(v, rc_atime(s, c, slot, req), req, plan)) {
		slot_unlock(e, v);
		return RC_SKIPPED;
	}
	h = (zsp_handle_t)(v & SLOT_HANDLE_MASK);
	len = slot_len(v);
	huge = v & F(STORE_F_HUGE);
	memcpy(obj, zsp_map(s->pool, h), len);
	zsp_unmap(s->pool, h);
	dec = slot_codec(s, v);
	p = slot_prio(v);
	di = slot_dict(v);
	store_dict_ref(s, di); /* for the decoding, outside the lock */
	slot_unlock(e, v | F(STORE_F_UNDER_WB));

	if (huge) {
		memcpy(page, obj, FZ_PAGE_SIZE);
	} else if (codec_decompress(&dec, obj, len, page)) {
		store_dict_put(s, di);
		goto out_clear; /* store_read() will report it */
	}
	store_dict_put(s, di);
	for (unsigned int q = p + 1 > plan->lo ? p + 1 : plan->lo;
	     q <= plan->hi && !best_len; q++) {
		int n;

		if (!plan->set[q])
			continue;
		n = codec_compress(&plan->codec[q], page, out, len - 1);
		if (n == -ENOMEM)
			goto out_clear; /* no context: not the page's fault */
		if (n < 0)
			continue; /* -E2BIG: not smaller */
		if (rc_class((unsigned int)n) >= rc_class(len) ||
		    (req->threshold && (unsigned int)n >= req->threshold))
			continue;
		best_len = (unsigned int)n;
		best_prio = q;
	}
	if (!best_len) {
		/* the highest priority there is did not shrink it either */
		v = slot_lock(e);
		if ((v & F(STORE_F_UNDER_WB)) &&
		    (zsp_handle_t)(v & SLOT_HANDLE_MASK) == h) {
			v &= ~F(STORE_F_UNDER_WB);
			if (plan->top)
				v |= F(STORE_F_INCOMPRESSIBLE);
			slot_unlock(e, v);
			return RC_INCOMPRESSIBLE;
		}
		slot_unlock(e, v);
		return RC_SKIPPED;
	}
	if (zsp_alloc(s->pool, best_len, &nh))
		goto out_clear;
	memcpy(zsp_map(s->pool, nh), out, best_len);
	zsp_unmap(s->pool, nh);
	stats_update_max(&s->st.max_used_pages, zsp_pages_used(s->pool));

	v = slot_lock(e);
	if (!(v & F(STORE_F_UNDER_WB)) ||
	    (zsp_handle_t)(v & SLOT_HANDLE_MASK) != h) {
		/* written, discarded or freed meanwhile: it wins */
		slot_unlock(e, v);
		zsp_free(s->pool, nh);
		return RC_SKIPPED;
	}
	zsp_free(s->pool, h);
	stats_sub(s->st.compr_data_size, len);
	stats_add(s->st.compr_data_size, best_len);
	if (huge)
		stats_dec(s->st.huge_pages);
	if (slot_prio(v)) {
		stats_dec(s->st.recomp_pages[slot_prio(v)]);
		stats_sub(s->st.recomp_bytes[slot_prio(v)], len);
	}
	stats_inc(s->st.recomp_pages[best_prio]);
	stats_add(s->st.recomp_bytes[best_prio], best_len);
	/* the slot now names the new dictionary (the walk holds it) */
	store_dict_ref(s, plan->dict[best_prio]);
	store_dict_put(s, slot_dict(v));
	/* flags but the codec's, huge and the mark stay (idle among them) */
	nv = (v & ~(SLOT_HANDLE_MASK | SLOT_LEN_FIELD | SLOT_CODEC_FIELDS |
		    F(STORE_F_HUGE) | F(STORE_F_UNDER_WB) | SLOT_LOCK)) |
	     (uint64_t)nh | ((uint64_t)best_len << SLOT_LEN_SHIFT) |
	     ((uint64_t)plan->codec[best_prio].alg << SLOT_ALG_SHIFT) |
	     ((uint64_t)best_prio << SLOT_PRIO_SHIFT) |
	     ((uint64_t)plan->dict[best_prio] << SLOT_DICT_SHIFT) |
	     F(STORE_F_RECOMP);
	slot_unlock(e, nv);
	return RC_DONE;

out_clear:
	v = slot_lock(e);
	if ((v & F(STORE_F_UNDER_WB)) &&
	    (zsp_handle_t)(v & SLOT_HANDLE_MASK) == h)
		v &= ~F(STORE_F_UNDER_WB);
	slot_unlock(e, v);
	return RC_FAILED;
}

int store_recompress(struct store *s, const struct store_recomp_req *req,
		     uint64_t *done)
{
	struct rc_plan plan = {.now = now_sec(s)};
	struct store_list l = {0};
	uint64_t tried = 0, ok = 0;
	bool any = false;
	int ret;

	if (done)
		*done = 0;
	if (req->prio > STORE_MAX_PRIO ||
	    (req->mode & ~(unsigned int)(STORE_WB_IDLE | STORE_WB_HUGE)))
		return -EINVAL;
	pthread_rwlock_rdlock(&s->recomp_lock);
	for (unsigned int q = 1; q <= STORE_MAX_PRIO; q++) {
		plan.set[q] = s->recomp_set[q];
		plan.codec[q] = s->recomp[q];
		plan.dict[q] = s->cur_dict[q];
		store_dict_ref(s, plan.dict[q]);
		any |= plan.set[q];
	}
	pthread_rwlock_unlock(&s->recomp_lock);
	if (!any) {
		ret = -ENOENT;
		goto out;
	}
	if (req->prio) {
		if (!plan.set[req->prio]) {
			ret = -EINVAL;
			goto out;
		}
		plan.lo = plan.hi = req->prio;
		plan.top = true;
		for (unsigned int q = req->prio + 1; q <= STORE_MAX_PRIO; q++)
			if (plan.set[q])
				plan.top = false;
	} else {
		plan.top = true;
		plan.lo = 1;
		for (unsigned int q = 1; q <= STORE_MAX_PRIO; q++)
			if (plan.set[q])
				plan.hi = q;
	}
	ret = rc_collect(s, req, &plan, &l);
	if (ret)
		goto out;
	store_list_sort(&l);
	for (size_t i = 0; i < l.n; i++) {
		enum rc_outcome o;

		if (req->max_pages && tried == req->max_pages)
			break;
		o = rc_slot(s, l.key[i] & 0xffffffffULL, req, &plan);
		/* as zram: every slot tried counts against max_pages */
		if (o != RC_SKIPPED)
			tried++;
		if (o == RC_DONE)
			ok++;
	}
out:
	free(l.key);
	for (unsigned int q = 1; q <= STORE_MAX_PRIO; q++)
		store_dict_put(s, plan.dict[q]);
	if (done)
		*done = ok;
	return ret;
}
