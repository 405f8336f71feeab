/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store_int.h - the store's insides, shared by store.c (the slot table:
 * write, read, discard, resize), store_tier.c (the second tier: idle
 * marking, writeback, bd_stat, block_state), store_recomp.c,
 * store_sample.c and store_spill.c (waits for room at mem_limit).  Not for
 * use outside the store: store.h is the interface.
 */
#ifndef FZRAM_STORE_INT_H
#define FZRAM_STORE_INT_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "backing.h"
#include "codec.h"
#include "store.h"
#include "zspool.h"

#define STORE_WORDTAB_MAX 1024 /* distinct wide fill words kept */
#define STORE_WORDTAB_BLOCK 64 /* allocated this many at a time */

/* The slot word's fields, as store.h draws them. */
#define SLOT_HANDLE_BITS 32
#define SLOT_HANDLE_MASK ((1ULL << SLOT_HANDLE_BITS) - 1)
#define SLOT_LEN_SHIFT SLOT_HANDLE_BITS
#define SLOT_LEN_BITS 13
#define SLOT_LEN_MASK ((1ULL << SLOT_LEN_BITS) - 1)
#define SLOT_LOCK_BIT (SLOT_LEN_SHIFT + SLOT_LEN_BITS)
#define SLOT_LOCK (1ULL << SLOT_LOCK_BIT)
#define F(flag) (1ULL << (flag))
#define SLOT_FLAGS_MASK                                                        \
	((~0ULL >> (64 - STORE_NR_FLAGS)) & ~((1ULL << STORE_F_SAME) - 1))

/* Bits 0..31: a handle, a narrow fill word, or a word-table index. */
_Static_assert(sizeof(zsp_handle_t) * 8 == SLOT_HANDLE_BITS, "handle bits");
_Static_assert(STORE_WORDTAB_MAX - 1 <= SLOT_HANDLE_MASK, "word index bits");
/* Bits 32..44: a length of 1..FZ_PAGE_SIZE. */
_Static_assert(FZ_PAGE_SIZE <= SLOT_LEN_MASK, "length bits");
/* Bit 45, the lock, right below the first flag; flags end within 64 bits,
 * and store_slot_info() hands them out in an unsigned int. */
_Static_assert(SLOT_LOCK_BIT + 1 == STORE_F_SAME, "lock bit");
_Static_assert(STORE_NR_FLAGS <= 64, "flag bits");
_Static_assert(STORE_NR_FLAGS - STORE_F_SAME <= 32, "slot_info flags");
/* No two fields share a bit. */
#define SLOT_LEN_FIELD (SLOT_LEN_MASK << SLOT_LEN_SHIFT)
_Static_assert((SLOT_HANDLE_MASK & SLOT_LEN_FIELD) == 0, "handle, length");
_Static_assert(((SLOT_HANDLE_MASK | SLOT_LEN_FIELD) & SLOT_LOCK) == 0,
	       "lock bit overlaps");
_Static_assert(((SLOT_HANDLE_MASK | SLOT_LEN_FIELD | SLOT_LOCK) &
		SLOT_FLAGS_MASK) == 0,
	       "flags overlap");

#define STORE_NR_CHUNKS (STORE_MAX_SLOTS / STORE_CHUNK_SLOTS)

#define STORE_ATIME_PER_CHUNK (STORE_CHUNK_SLOTS / STORE_ATIME_SLOTS)
_Static_assert(STORE_CHUNK_SLOTS % STORE_ATIME_SLOTS == 0, "atime stretch");

struct store_chunk {
	uint64_t slot[STORE_CHUNK_SLOTS]; /* slot words, see store.h */
	uint32_t *atime[STORE_ATIME_PER_CHUNK]; /* access times of each
				   stretch, NULL until one of its slots is
				   written; installed by CAS, never freed
				   before the store */
};

struct store {
	struct zsp_pool *pool;
	uint64_t nslots;             /* current size in slots (atomic) */
	struct store_chunk **dir;    /* STORE_NR_CHUNKS pointers, mmap'd */
	uint64_t nchunks;            /* chunks installed (atomic) */
	unsigned int huge_threshold; /* compressed >= this: stored raw */
	uint64_t mem_limit_pages;    /* 0 = none (atomic) */
	pthread_mutex_t resize_lock; /* serialises store_resize() */

	pthread_mutex_t wordtab_lock; /* writers of wordtab */
	uint32_t nwords;              /* published entries (atomic) */
	uint64_t *wordtab[STORE_WORDTAB_MAX / STORE_WORDTAB_BLOCK]; /* blocks,
				         allocated as needed, never moved */

	struct stats st;

	/* the second tier */
	struct backing *bk;	     /* or NULL; set once, before use */
	int64_t epoch_ns;	     /* CLOCK_MONOTONIC_COARSE at "second 0"
					(atomic: store_advance_clock) */
	uint64_t natimes;	     /* access-time arrays installed (atomic) */
	uint64_t wb_limit;	     /* budget left, pages (atomic) */
	bool wb_limit_enable;	     /* (atomic) */
	unsigned int wb_batch;	     /* objects per backing write (atomic) */
	unsigned char *wb_buf;	     /* BK_MAX_BATCH objects, the writeback
					caller's (one at a time) */
	uint64_t wb_bytes_total;     /* compressed bytes ever written back
					(atomic) */

	/*
	 * Spill at mem_limit (store_spill.c).  spill_lock is a leaf: taken
	 * with no other store lock held, and never across spill_kick.
	 */
	pthread_mutex_t spill_lock;
	pthread_cond_t spill_cond;   /* CLOCK_MONOTONIC; writes waiting */
	uint64_t spill_gen;	     /* store_spill_wake() calls (atomic;
					changed under spill_lock) */
	unsigned int spill_wait_ms;  /* 0: spill off (atomic) */
	unsigned int spill_high_pct; /* 0: no early kick (atomic) */
	bool spill_kicked;	     /* the early kick was made since the
					last wake (atomic) */
	unsigned int spill_waiting;  /* writes waiting and not yet woken
					(atomic; changed under spill_lock) */
	bool bk_full;		     /* the last writeback found the backing
					store full (atomic) */
	void (*spill_kick)(void *arg); /* (atomic; see store_set_spill) */
	void *spill_arg;	     /* (atomic) */
	struct store_spill_stats spill_st; /* (atomic counters) */

	/*
	 * The codec of each priority: recomp[0] the primary (writes),
	 * 1..STORE_MAX_PRIO the secondaries recomp_set says are set, each
	 * with its dictionary, the table index cur_dict[] (0: none).  All
	 * three under recomp_lock: writers hold it for reading while they
	 * take their codec and a reference to its dictionary.
	 */
	pthread_rwlock_t recomp_lock;
	struct codec recomp[STORE_MAX_PRIO + 1];
	bool recomp_set[STORE_MAX_PRIO + 1];
	unsigned int cur_dict[STORE_MAX_PRIO + 1];

	/*
	 * Dictionaries, by the index slot words name (1..STORE_MAX_DICTS).
	 * refs counts the slots naming an entry (in RAM or written back),
	 * the priorities whose cur_dict it is, and the users holding one
	 * for a moment (a write compressing, a recompression decoding); the
	 * last store_dict_put() empties the entry.  A non-NULL d is stable
	 * while one holds a reference; dict_lock serialises filling and
	 * emptying entries.
	 */
	pthread_mutex_t dict_lock;
	struct store_dict_ent {
		struct codec_dict *d; /* NULL: free entry */
		uint64_t refs;	      /* (atomic) */
		char *name;	      /* as given to store_set_params() */
	} dict[STORE_MAX_DICTS + 1];
};

/* ---- slot words -------------------------------------------------------- */

/* Bits 54..63 (store.h): the decoding algorithm, the priority, the
 * dictionary. */
#define SLOT_ALG_SHIFT 54
#define SLOT_PRIO_SHIFT 56
#define SLOT_DICT_SHIFT 58
#define SLOT_ALG_FIELD (3ULL << SLOT_ALG_SHIFT)
#define SLOT_PRIO_FIELD (3ULL << SLOT_PRIO_SHIFT)
#define SLOT_DICT_FIELD (63ULL << SLOT_DICT_SHIFT)
/* what a slot's object carries with it wherever it goes (RAM, backing) */
#define SLOT_CODEC_FIELDS                                                      \
	(SLOT_ALG_FIELD | SLOT_PRIO_FIELD | SLOT_DICT_FIELD | F(STORE_F_RECOMP))
_Static_assert(STORE_NR_FLAGS <= SLOT_ALG_SHIFT, "algorithm bits");
_Static_assert(CODEC_NR_ALGS <= 4, "two bits of algorithm");
_Static_assert(STORE_MAX_PRIO <= 3, "two bits of priority");
_Static_assert(STORE_MAX_DICTS == 63 && SLOT_DICT_SHIFT + 6 == 64,
	       "six bits of dictionary, the word's last");

static inline enum codec_alg slot_alg(uint64_t v)
{
	return (enum codec_alg)((v >> SLOT_ALG_SHIFT) & 3);
}

static inline unsigned int slot_prio(uint64_t v)
{
	return (unsigned int)((v >> SLOT_PRIO_SHIFT) & 3);
}

static inline unsigned int slot_dict(uint64_t v)
{
	return (unsigned int)(v >> SLOT_DICT_SHIFT);
}

/* The codec that decodes slot word @v's object (level-independent), with
 * its dictionary; valid while the caller holds the slot's lock (the slot
 * keeps its dictionary loaded) or a reference to the dictionary. */
static inline struct codec slot_codec(const struct store *s, uint64_t v)
{
	struct codec c = {.alg = slot_alg(v)};
	unsigned int di = slot_dict(v);

	if (di)
		c.dict = __atomic_load_n(&s->dict[di].d, __ATOMIC_ACQUIRE);
	return c;
}

/* Take one more reference to dictionary @di (0: none, nothing done); the
 * caller already holds one (or holds recomp_lock and @di is current). */
static inline void store_dict_ref(struct store *s, unsigned int di)
{
	if (di)
		__atomic_add_fetch(&s->dict[di].refs, 1, __ATOMIC_RELAXED);
}

/* store_dict_put() - drop a reference to dictionary @di (0: none); the
 * last one unloads it.  Takes dict_lock then. */
void store_dict_put(struct store *s, unsigned int di);

static inline uint64_t slot_lock(uint64_t *e)
{
	for (unsigned int spins = 0;; spins++) {
		uint64_t v = __atomic_load_n(e, __ATOMIC_RELAXED);

		if (!(v & SLOT_LOCK) &&
		    __atomic_compare_exchange_n(e, &v, v | SLOT_LOCK, true,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return v;
		if (spins > 64)
			sched_yield();
	}
}

static inline bool slot_trylock(uint64_t *e, uint64_t *old)
{
	uint64_t v = __atomic_load_n(e, __ATOMIC_RELAXED);

	if (v & SLOT_LOCK)
		return false;
	if (!__atomic_compare_exchange_n(e, &v, v | SLOT_LOCK, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	*old = v;
	return true;
}

static inline void slot_unlock(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v & ~SLOT_LOCK, __ATOMIC_RELEASE);
}

static inline unsigned int slot_len(uint64_t v)
{
	return (unsigned int)((v >> SLOT_LEN_SHIFT) & SLOT_LEN_MASK);
}

/* holds data: same-filled, or an object's handle (flags alone do not) */
static inline bool slot_used(uint64_t v)
{
	return (v & (F(STORE_F_SAME) | SLOT_HANDLE_MASK)) != 0;
}

static inline struct store_chunk *chunk_get(struct store *s, uint64_t slot,
				     bool create)
{
	uint64_t ci = slot / STORE_CHUNK_SLOTS;
	struct store_chunk *c = __atomic_load_n(&s->dir[ci], __ATOMIC_ACQUIRE);

	if (c || !create)
		return c;
	/*
	 * On the write path: one 64 KiB calloc per 8192 slots (32 MiB of
	 * data) the first time they are written; the daemon's memory is
	 * locked, so this cannot recurse into the swap it serves.
	 */
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	struct store_chunk *expect = NULL;
	if (!__atomic_compare_exchange_n(&s->dir[ci], &expect, c, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(c);
		return expect;
	}
	__atomic_add_fetch(&s->nchunks, 1, __ATOMIC_RELAXED);
	return c;
}

static inline uint64_t *slot_word(struct store_chunk *c, uint64_t slot)
{
	return &c->slot[slot % STORE_CHUNK_SLOTS];
}

/* ---- access times ------------------------------------------------------ */

static inline uint32_t now_sec(const struct store *s)
{
	struct timespec ts;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
	     __atomic_load_n(&s->epoch_ns, __ATOMIC_RELAXED);
	return ns > 0 ? (uint32_t)(ns / 1000000000) : 0;
}

/*
 * The access time of @slot in chunk @c, or NULL when its stretch has none
 * (never written) and @create is false, or the allocation failed.  As for
 * chunks: 4 KiB per STORE_ATIME_SLOTS slots, the first time one of them is
 * written, from mlocked memory.
 */
static inline uint32_t *atime_get(struct store *s, struct store_chunk *c,
			   uint64_t slot, bool create)
{
	uint32_t **pp = &c->atime[(slot % STORE_CHUNK_SLOTS) /
				  STORE_ATIME_SLOTS];
	uint32_t *a = __atomic_load_n(pp, __ATOMIC_ACQUIRE);
	uint32_t *expect = NULL;

	if (!a && create) {
		a = calloc(STORE_ATIME_SLOTS, sizeof(*a));
		if (!a)
			return NULL;
		if (!__atomic_compare_exchange_n(pp, &expect, a, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			free(a);
			a = expect;
		} else {
			__atomic_add_fetch(&s->natimes, 1, __ATOMIC_RELAXED);
		}
	}
	return a ? &a[slot % STORE_ATIME_SLOTS] : NULL;
}

/* The seconds of access-time word @a (without STORE_ATIME_READ). */
static inline uint32_t atime_sec(uint32_t a)
{
	return a & ~STORE_ATIME_READ;
}

/* @slot's access-time word, 0 when its stretch has none. */
static inline uint32_t atime_load(struct store *s, struct store_chunk *c,
				  uint64_t slot)
{
	uint32_t *a = atime_get(s, c, slot, false);

	return a ? __atomic_load_n(a, __ATOMIC_RELAXED) : 0;
}

/* Set @slot's access time to now, as a write does: STORE_ATIME_READ
 * clear.  Caller holds the slot lock. */
static inline void atime_touch(struct store *s, struct store_chunk *c,
			uint64_t slot)
{
	uint32_t *a = atime_get(s, c, slot, false);

	if (a)
		__atomic_store_n(a, atime_sec(now_sec(s)), __ATOMIC_RELAXED);
}

/* Set @slot's access time to now, as a read does: STORE_ATIME_READ set.
 * A slot read again within the same second is not written to (no store,
 * no cache line made dirty).  Caller holds the slot lock. */
static inline void atime_touch_read(struct store *s, struct store_chunk *c,
				    uint64_t slot)
{
	uint32_t *a = atime_get(s, c, slot, false);
	uint32_t want;

	if (!a)
		return;
	want = atime_sec(now_sec(s)) | STORE_ATIME_READ;
	if (__atomic_load_n(a, __ATOMIC_RELAXED) != want)
		__atomic_store_n(a, want, __ATOMIC_RELAXED);
}

/*
 * Whether access-time word @a is old enough at @now for an age filter
 * (store_wb_req's, store_recomp_req's): not accessed for @min_age seconds,
 * or @min_age_read when it was read since written and that is not 0.  An
 * age of 0 takes every slot; a slot touched after @now was read is never
 * old enough otherwise (now - at would wrap).
 */
static inline bool atime_old(uint32_t a, uint32_t now, uint32_t min_age,
			     uint32_t min_age_read)
{
	uint32_t at = atime_sec(a);
	uint32_t age = (a & STORE_ATIME_READ) && min_age_read ? min_age_read
							       : min_age;

	return !age || (at <= now && now - at >= age);
}

/*
 * store_slot_free() - free what slot word @v holds and uncount it (a
 * written-back object goes back to the backing tier); caller holds the slot
 * lock and then stores the slot's new word.
 */
void store_slot_free(struct store *s, uint64_t v);

/* ---- spill (store_spill.c) -------------------------------------------- */

/* One write's wait for room at mem_limit. */
struct spill_wait {
	uint64_t gen;	   /* spill_gen before the allocation it retries */
	int64_t start_ns;  /* 0: has not waited */
	int64_t deadline_ns;
};

/* spill_gen now: taken before each allocation a write may retry, so that
 * a wake between the allocation and the wait is not lost. */
static inline uint64_t store_spill_gen(struct store *s)
{
	return __atomic_load_n(&s->spill_gen, __ATOMIC_ACQUIRE);
}

/*
 * store_spill_wait() - a write's allocation put the pool past mem_limit:
 * with spill set and a backing store with room, kick the worker and wait
 * for a store_spill_wake() after @w->gen (at once if one came already),
 * until @w's deadline (wait_ms from the first wait of this write).
 * Return: 0 (retry the allocation; @w->gen is renewed), -ENOMEM (fail:
 * spill off, no backing store, the backing store full, or out of time).
 * Context: the caller holds no store lock (see store_set_spill()).
 */
int store_spill_wait(struct store *s, struct spill_wait *w);

/* store_spill_end() - count @w's wait, if it waited, and whether it ended
 * in failure (@ok false). */
void store_spill_end(struct store *s, const struct spill_wait *w, bool ok);

/* store_spill_set_full() - what a writeback batch found: the backing store
 * full (@full: waiting writes are woken to fail; takes the spill's lock) or
 * not (also when a written-back slot is freed: no lock, safe under a slot
 * lock). */
void store_spill_set_full(struct store *s, bool full);

/* store_spill_kick_high() - the early kick (store_set_spill_high()), once
 * until the next store_spill_wake(); spill must be set. */
void store_spill_kick_high(struct store *s);

/* store_spill_init() / store_spill_fini() - the lock and condition
 * variable, from store_create() and store_destroy(). */
void store_spill_init(struct store *s);
void store_spill_fini(struct store *s);

/* After a write's successful allocation left @used pages against @limit:
 * the early kick, once until the next wake.  One compare when off. */
static inline void store_spill_high(struct store *s, uint64_t used,
				    uint64_t limit)
{
	unsigned int pct = __atomic_load_n(&s->spill_high_pct,
					   __ATOMIC_RELAXED);

	if (pct && limit && used * 100 > limit * pct)
		store_spill_kick_high(s);
}

/* Candidate lists of the post-processing walks (writeback, recompression):
 * keys (length << 32 | slot), sorted largest first. */
struct store_list {
	uint64_t *key;
	size_t n, cap;
};

/* store_list_add() - append @key. Return: 0, -ENOMEM. */
int store_list_add(struct store_list *l, uint64_t key);

/* store_list_sort() - largest first, each key once. */
void store_list_sort(struct store_list *l);

/*
 * store_walk() - call @fn for each stored slot in [@lo, @end) (of the
 * chunks that exist) with an unlocked snapshot of its word (the lock bit
 * cleared); stops at @fn's first non-zero return, and returns it (else 0).
 */
int store_walk(struct store *s, uint64_t lo, uint64_t end,
	       int (*fn)(struct store *s, struct store_chunk *c,
			 uint64_t slot, uint64_t v, void *arg),
	       void *arg);

/* chunk_end() - the end (exclusive) of chunk @ci, at most @end. */
static inline uint64_t chunk_end(uint64_t ci, uint64_t end)
{
	uint64_t stop = (ci + 1) * STORE_CHUNK_SLOTS;

	return stop < end ? stop : end;
}

#endif /* FZRAM_STORE_INT_H */
