// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * store.c - the slot table: same-filled detection, compression, the
 * stale-slot rule on overwrite, discard, mem_limit, and the counters.
 *
 * The slot directory is one anonymous mapping sized for STORE_MAX_SLOTS
 * chunk pointers (4 MiB of address space); only the part covering the
 * current size is ever touched, so an empty 1 TiB store costs 256 KiB of
 * address space and nothing resident until written.  Chunks are installed
 * with a compare-and-swap and never freed before the store.
 *
 * Locks: see store.h.  A slot word is only changed with its lock bit held,
 * and the unlocking store publishes the new content (release ordering).
 * The structures and slot-word helpers are in store_int.h; the second
 * tier's side (idle, writeback, bd_stat, block_state) is store_tier.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "store.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "store_int.h"

void store_slot_free(struct store *s, uint64_t v)
{
	if (!slot_used(v))
		return;
	store_dict_put(s, slot_dict(v)); /* 0 for same-filled slots */
	if (v & F(STORE_F_WB)) {
		/* not in RAM's counters since its writeback (zram's meaning) */
		backing_free(s->bk, (bk_id_t)(v & SLOT_HANDLE_MASK));
		stats_dec(s->st.bd_count);
		store_spill_set_full(s, false); /* there may be room now */
		return;
	}
	if (v & F(STORE_F_SAME)) {
		stats_dec(s->st.same_pages);
	} else {
		zsp_free(s->pool, (zsp_handle_t)(v & SLOT_HANDLE_MASK));
		stats_sub(s->st.compr_data_size, slot_len(v));
		if (v & F(STORE_F_HUGE))
			stats_dec(s->st.huge_pages);
		if (slot_prio(v)) {
			stats_dec(s->st.recomp_pages[slot_prio(v)]);
			stats_sub(s->st.recomp_bytes[slot_prio(v)],
				  slot_len(v));
		}
	}
	stats_dec(s->st.pages_stored);
}

/* ---- fill words -------------------------------------------------------- */

/* @page need not be aligned (FUSE hands over unaligned write buffers) */
static bool same_filled(const void *page, uint64_t *word)
{
	const unsigned char *p = page;
	uint64_t first, w;

	memcpy(&first, p, sizeof(first));
	for (size_t i = sizeof(w); i < FZ_PAGE_SIZE; i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		if (w != first)
			return false;
	}
	*word = first;
	return true;
}

static uint64_t *wordtab_at(struct store *s, uint32_t i)
{
	return &s->wordtab[i / STORE_WORDTAB_BLOCK][i % STORE_WORDTAB_BLOCK];
}

/* Index of @word in the wide-word table, adding it; -ENOSPC when full. */
static int wordtab_find(struct store *s, uint64_t word)
{
	uint32_t n = __atomic_load_n(&s->nwords, __ATOMIC_ACQUIRE);
	uint64_t **blk;
	int ret = -ENOSPC;

	for (uint32_t i = 0; i < n; i++)
		if (*wordtab_at(s, i) == word)
			return (int)i;
	pthread_mutex_lock(&s->wordtab_lock);
	n = s->nwords;
	for (uint32_t i = 0; i < n; i++)
		if (*wordtab_at(s, i) == word) {
			ret = (int)i;
			goto out;
		}
	if (n == STORE_WORDTAB_MAX)
		goto out;
	blk = &s->wordtab[n / STORE_WORDTAB_BLOCK];
	/* write path, rare (a new distinct fill word), 512 bytes: mlocked */
	if (!*blk && !(*blk = calloc(STORE_WORDTAB_BLOCK, sizeof(**blk))))
		goto out;
	*wordtab_at(s, n) = word;
	/* publishes the word and its block to readers (acquire above) */
	__atomic_store_n(&s->nwords, n + 1, __ATOMIC_RELEASE);
	ret = (int)n;
out:
	pthread_mutex_unlock(&s->wordtab_lock);
	return ret;
}

/* @page need not be aligned, as for same_filled() */
static void fill_page(void *page, uint64_t word)
{
	unsigned char *p = page;

	for (size_t i = 0; i < FZ_PAGE_SIZE; i += sizeof(word))
		memcpy(p + i, &word, sizeof(word));
}

/* ---- public API -------------------------------------------------------- */

static int check_size(uint64_t size)
{
	if (size == 0 || size % FZ_PAGE_SIZE ||
	    size / FZ_PAGE_SIZE > STORE_MAX_SLOTS)
		return -EINVAL;
	return 0;
}

int store_create(const struct store_config *cfg, struct store **out)
{
	struct store *s;
	int ret;

	ret = check_size(cfg->size);
	if (ret)
		return ret;
	if (cfg->huge_threshold > FZ_PAGE_SIZE)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	ret = codec_init(&s->recomp[0],
			 cfg->algorithm ? cfg->algorithm : CODEC_DEFAULT_NAME,
			 cfg->level);
	if (ret)
		goto out_free;
	s->dir = mmap(NULL, STORE_NR_CHUNKS * sizeof(*s->dir),
		      PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->dir == MAP_FAILED) {
		s->dir = NULL;
		ret = -ENOMEM;
		goto out_free;
	}
	ret = zsp_pool_create(0, cfg->chain, &s->pool);
	if (ret)
		goto out_free;
	s->nslots = cfg->size / FZ_PAGE_SIZE;
	s->huge_threshold = cfg->huge_threshold ? cfg->huge_threshold
						: STORE_DEFAULT_HUGE_THRESHOLD;
	s->mem_limit_pages =
		(cfg->mem_limit + FZ_PAGE_SIZE - 1) / FZ_PAGE_SIZE;
	s->wb_batch = STORE_WB_DEFAULT_BATCH;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		s->epoch_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	pthread_mutex_init(&s->wordtab_lock, NULL);
	pthread_mutex_init(&s->resize_lock, NULL);
	{
		pthread_rwlockattr_t ra;

		/* a change of level or dictionary is not starved by a steady
		 * stream of writes */
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(
			&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&s->recomp_lock, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	pthread_mutex_init(&s->dict_lock, NULL);
	store_spill_init(s);
	s->recomp_set[0] = true;
	*out = s;
	return 0;

out_free:
	if (s->dir)
		munmap(s->dir, STORE_NR_CHUNKS * sizeof(*s->dir));
	free(s);
	return ret;
}

void store_destroy(struct store *s)
{
	if (!s)
		return;
	for (uint64_t i = 0; i < STORE_NR_CHUNKS && s->nchunks; i++) {
		if (s->dir[i]) {
			for (size_t a = 0; a < STORE_ATIME_PER_CHUNK; a++)
				free(s->dir[i]->atime[a]);
			free(s->dir[i]);
			s->nchunks--;
		}
	}
	munmap(s->dir, STORE_NR_CHUNKS * sizeof(*s->dir));
	for (size_t i = 0; i < STORE_WORDTAB_MAX / STORE_WORDTAB_BLOCK; i++)
		free(s->wordtab[i]);
	zsp_pool_destroy(s->pool);
	free(s->wb_buf);
	pthread_mutex_destroy(&s->wordtab_lock);
	pthread_mutex_destroy(&s->resize_lock);
	pthread_rwlock_destroy(&s->recomp_lock);
	pthread_mutex_destroy(&s->dict_lock);
	store_spill_fini(s);
	/* each entry in use holds one reference of its dictionary, however
	 * many slots and priorities named it */
	for (unsigned int i = 1; i <= STORE_MAX_DICTS; i++) {
		codec_dict_put(s->dict[i].d);
		free(s->dict[i].name);
	}
	free(s);
}

static bool in_range(struct store *s, uint64_t slot)
{
	if (slot < __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE))
		return true;
	stats_inc(s->st.invalid_io);
	return false;
}

/* Compress @page into a new object; *@v gets the slot word (unlocked). */
static int store_object(struct store *s, const void *page, uint64_t *v)
{
	/* per thread, so compression needs no lock and no allocation */
	static __thread unsigned char buf[FZ_PAGE_SIZE];
	const void *src = buf;
	zsp_handle_t h;
	uint64_t used, limit, flags = 0;
	struct spill_wait wait = {0};
	struct codec c;
	unsigned int di;
	int len, ret;

	/* the primary's codec now, and a hold on its dictionary while the
	 * page is compressed; the slot keeps that reference */
	pthread_rwlock_rdlock(&s->recomp_lock);
	c = s->recomp[0];
	di = s->cur_dict[0];
	store_dict_ref(s, di);
	pthread_rwlock_unlock(&s->recomp_lock);
	len = codec_compress(&c, page, buf, s->huge_threshold - 1);
	if (len == -E2BIG || s->huge_threshold <= 1) {
		len = FZ_PAGE_SIZE;
		src = page;
		flags = F(STORE_F_HUGE);
	} else if (len < 0) {
		ret = len;
		goto out_put;
	}
	if (flags) { /* a raw page needs no dictionary */
		store_dict_put(s, di);
		di = 0;
	}
	for (;;) {
		/* a wake from here on makes a wait below retry at once */
		wait.gen = store_spill_gen(s);
		/* allocation runs under reclaim; the allocator's own
		 * comments say why it cannot deadlock */
		ret = zsp_alloc(s->pool, (size_t)len, &h);
		if (ret)
			goto out_end;
		used = zsp_pages_used(s->pool);
		stats_update_max(&s->st.max_used_pages, used);
		limit = __atomic_load_n(&s->mem_limit_pages, __ATOMIC_RELAXED);
		if (!limit || used <= limit)
			break;
		zsp_free(s->pool, h);
		/* at mem_limit: wait for the worker to spill, with no lock
		 * held (store_spill.c), or fail as zram's */
		ret = store_spill_wait(s, &wait);
		if (ret)
			goto out_end;
	}
	if (wait.start_ns)
		store_spill_end(s, &wait, true);
	store_spill_high(s, used, limit);
	memcpy(zsp_map(s->pool, h), src, (size_t)len);
	zsp_unmap(s->pool, h);
	*v = (uint64_t)h | ((uint64_t)len << SLOT_LEN_SHIFT) | flags |
	     ((uint64_t)c.alg << SLOT_ALG_SHIFT) |
	     ((uint64_t)di << SLOT_DICT_SHIFT);
	return 0;

out_end:
	store_spill_end(s, &wait, false);
out_put:
	store_dict_put(s, di);
	return ret;
}

int store_write(struct store *s, uint64_t slot, const void *page)
{
	struct store_chunk *c;
	uint64_t word, v = 0, *e, old;
	int ret;

	if (!in_range(s, slot))
		return -EINVAL;
	if (same_filled(page, &word)) {
		if ((word >> 32) == (word & SLOT_HANDLE_MASK)) {
			v = F(STORE_F_SAME) | (word & SLOT_HANDLE_MASK);
		} else {
			ret = wordtab_find(s, word);
			if (ret >= 0)
				v = F(STORE_F_SAME) | F(STORE_F_WIDE) |
				    (uint64_t)ret;
		}
	}
	if (!v) {
		ret = store_object(s, page, &v);
		if (ret)
			goto out_failed;
	}
	c = chunk_get(s, slot, true);
	if (!c || !atime_get(s, c, slot, true)) {
		ret = -ENOMEM;
		goto out_free;
	}
	e = slot_word(c, slot);
	old = slot_lock(e);
	if (slot >= __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE)) {
		/*
		 * A shrink raced with us: it set the size before freeing the
		 * slots past it, so it has freed (or will free) this one.
		 */
		slot_unlock(e, old);
		stats_inc(s->st.invalid_io);
		ret = -EINVAL;
		goto out_free_only;
	}
	/* the stale-slot rule: free what an earlier write left first */
	store_slot_free(s, old);
	if (v & F(STORE_F_SAME)) {
		stats_inc(s->st.same_pages);
	} else {
		stats_add(s->st.compr_data_size, slot_len(v));
		if (v & F(STORE_F_HUGE)) {
			stats_inc(s->st.huge_pages);
			stats_inc(s->st.huge_pages_since);
		}
	}
	stats_inc(s->st.pages_stored);
	stats_inc(s->st.num_writes);
	atime_touch(s, c, slot);
	slot_unlock(e, v);
	return 0;

out_free:
	stats_inc(s->st.failed_writes);
out_free_only:
	if (!(v & F(STORE_F_SAME))) {
		zsp_free(s->pool, (zsp_handle_t)(v & SLOT_HANDLE_MASK));
		store_dict_put(s, slot_dict(v));
	}
	return ret;
out_failed:
	stats_inc(s->st.failed_writes);
	return ret;
}

/* Read written-back slot word @v into @page; caller holds the slot lock. */
static int read_backing(struct store *s, uint64_t slot, uint64_t v,
			void *page)
{
	static __thread unsigned char obj[FZ_PAGE_SIZE];
	bk_id_t id = (bk_id_t)(v & SLOT_HANDLE_MASK);
	unsigned int len = slot_len(v);
	struct codec dec;
	int ret;

	if (v & F(STORE_F_HUGE))
		return backing_read(s->bk, id, slot, page, len);
	ret = backing_read(s->bk, id, slot, obj, len);
	if (ret)
		return ret;
	dec = slot_codec(s, v);
	return codec_decompress(&dec, obj, len, page);
}

int store_read(struct store *s, uint64_t slot, void *page)
{
	struct store_chunk *c;
	uint64_t v, *e;
	int ret = 0;

	if (!in_range(s, slot))
		return -EINVAL;
	stats_inc(s->st.num_reads);
	c = chunk_get(s, slot, false);
	if (!c) {
		memset(page, 0, FZ_PAGE_SIZE);
		return 0;
	}
	e = slot_word(c, slot);
	v = slot_lock(e);
	if (!slot_used(v)) {
		memset(page, 0, FZ_PAGE_SIZE);
		slot_unlock(e, v);
		return 0;
	}
	if (v & F(STORE_F_SAME)) {
		uint64_t word = v & SLOT_HANDLE_MASK;

		if (v & F(STORE_F_WIDE))
			word = *wordtab_at(s, (uint32_t)word);
		else
			word |= word << 32;
		fill_page(page, word);
	} else if (v & F(STORE_F_WB)) {
		/*
		 * Synchronous, under the slot lock, as zram's read of a
		 * written-back page: the lock keeps the object from being
		 * freed under the read (a write to this slot waits for it).
		 */
		ret = read_backing(s, slot, v, page);
		if (!ret)
			stats_inc(s->st.bd_reads);
	} else {
		zsp_handle_t h = (zsp_handle_t)(v & SLOT_HANDLE_MASK);
		const void *obj = zsp_map(s->pool, h);
		struct codec dec = slot_codec(s, v);

		if (v & F(STORE_F_HUGE))
			memcpy(page, obj, FZ_PAGE_SIZE);
		else
			ret = codec_decompress(&dec, obj, slot_len(v), page);
		zsp_unmap(s->pool, h);
	}
	if (ret) {
		memset(page, 0, FZ_PAGE_SIZE);
		/* no context or buffer (-ENOMEM) is not corruption */
		if (ret != -ENOMEM) {
			stats_inc(s->st.failed_reads);
			ret = -EIO;
		}
	}
	/* a read is an access: it clears the idle mark, keeps the rest, and
	 * marks the slot read since written */
	atime_touch_read(s, c, slot);
	slot_unlock(e, v & ~F(STORE_F_IDLE));
	return ret;
}

static void discard_range(struct store *s, uint64_t first, uint64_t end)
{
	for (uint64_t slot = first; slot < end;) {
		struct store_chunk *c = chunk_get(s, slot, false);
		uint64_t stop = (slot / STORE_CHUNK_SLOTS + 1) *
				STORE_CHUNK_SLOTS;

		if (stop > end)
			stop = end;
		for (; c && slot < stop; slot++) {
			uint64_t *e = slot_word(c, slot);
			uint64_t old = slot_lock(e);

			store_slot_free(s, old);
			slot_unlock(e, 0);
		}
		slot = stop;
	}
}

int store_discard(struct store *s, uint64_t first, uint64_t count)
{
	uint64_t n = __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE);

	if (first > n || count > n - first) {
		stats_inc(s->st.invalid_io);
		return -EINVAL;
	}
	discard_range(s, first, first + count);
	stats_add(s->st.notify_free, count);
	return 0;
}

int store_free_notify(struct store *s, uint64_t slot)
{
	struct store_chunk *c;
	uint64_t old, *e;

	if (!in_range(s, slot))
		return -EINVAL;
	/* as zram: every notice counts, a missed one in miss_free too */
	stats_inc(s->st.notify_free);
	c = chunk_get(s, slot, false);
	if (c) {
		e = slot_word(c, slot);
		if (!slot_trylock(e, &old)) {
			stats_inc(s->st.miss_free);
			return -EBUSY;
		}
		store_slot_free(s, old);
		slot_unlock(e, 0);
	}
	return 0;
}

int store_resize(struct store *s, uint64_t size)
{
	uint64_t n, old;
	int ret = check_size(size);

	if (ret)
		return ret;
	n = size / FZ_PAGE_SIZE;
	pthread_mutex_lock(&s->resize_lock);
	old = s->nslots;
	__atomic_store_n(&s->nslots, n, __ATOMIC_RELEASE);
	if (n < old)
		discard_range(s, n, old);
	pthread_mutex_unlock(&s->resize_lock);
	return 0;
}

uint64_t store_size(const struct store *s)
{
	return __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE) * FZ_PAGE_SIZE;
}

void store_set_mem_limit(struct store *s, uint64_t bytes)
{
	/* rounded up without overflow: near UINT64_MAX is no limit's 0 */
	__atomic_store_n(&s->mem_limit_pages,
			 bytes / FZ_PAGE_SIZE + (bytes % FZ_PAGE_SIZE != 0),
			 __ATOMIC_RELAXED);
}

void store_reset_mem_used_max(struct store *s)
{
	__atomic_store_n(&s->st.max_used_pages, zsp_pages_used(s->pool),
			 __ATOMIC_RELAXED);
}

uint64_t store_compact(struct store *s)
{
	return zsp_compact(s->pool);
}

void store_mm(struct store *s, struct stats_mm *mm)
{
	struct zsp_stats zs;

	zsp_get_stats(s->pool, &zs);
	mm->orig_data_size = stats_read(s->st.pages_stored) * FZ_PAGE_SIZE;
	mm->compr_data_size = stats_read(s->st.compr_data_size);
	mm->mem_used_total = zs.pages_used * FZ_PAGE_SIZE;
	mm->mem_limit = __atomic_load_n(&s->mem_limit_pages, __ATOMIC_RELAXED) *
			FZ_PAGE_SIZE;
	mm->mem_used_max = stats_read(s->st.max_used_pages) * FZ_PAGE_SIZE;
	mm->same_pages = stats_read(s->st.same_pages);
	mm->pages_compacted = zs.pages_compacted;
	mm->huge_pages = stats_read(s->st.huge_pages);
	mm->huge_pages_since = stats_read(s->st.huge_pages_since);
}

void store_io(struct store *s, struct stats_io *io)
{
	io->failed_reads = stats_read(s->st.failed_reads);
	io->failed_writes = stats_read(s->st.failed_writes);
	io->invalid_io = stats_read(s->st.invalid_io);
	io->notify_free = stats_read(s->st.notify_free);
}

const struct stats *store_stats(const struct store *s)
{
	return &s->st;
}

const char *store_algorithm(const struct store *s)
{
	/* the primary's algorithm is fixed at creation (its level and
	 * dictionary are not) */
	return codec_name(s->recomp[0].alg);
}

uint64_t store_meta_bytes(struct store *s)
{
	struct zsp_stats zs;
	uint64_t chunk = sizeof(struct store_chunk);
	uint64_t dir = (__atomic_load_n(&s->nslots, __ATOMIC_RELAXED) +
			STORE_CHUNK_SLOTS - 1) /
		       STORE_CHUNK_SLOTS * sizeof(*s->dir);

	zsp_get_stats(s->pool, &zs);
	return sizeof(*s) + dir +
	       (__atomic_load_n(&s->nwords, __ATOMIC_RELAXED) +
		STORE_WORDTAB_BLOCK - 1) /
		       STORE_WORDTAB_BLOCK * STORE_WORDTAB_BLOCK *
		       sizeof(uint64_t) +
	       __atomic_load_n(&s->nchunks, __ATOMIC_RELAXED) * chunk +
	       __atomic_load_n(&s->natimes, __ATOMIC_RELAXED) *
		       STORE_ATIME_SLOTS * sizeof(uint32_t) +
	       (s->wb_buf ? (uint64_t)BK_MAX_BATCH * FZ_PAGE_SIZE : 0) +
	       (store_backing(s) ? backing_meta_bytes(store_backing(s)) : 0) +
	       zs.meta_bytes;
}

struct zsp_pool *store_pool(struct store *s)
{
	return s->pool;
}

int store_slot_info(struct store *s, uint64_t slot, unsigned int *flags,
		    unsigned int *length)
{
	struct store_chunk *c;
	uint64_t v = 0;

	if (slot >= __atomic_load_n(&s->nslots, __ATOMIC_ACQUIRE))
		return -EINVAL;
	c = chunk_get(s, slot, false);
	if (c)
		v = __atomic_load_n(slot_word(c, slot), __ATOMIC_ACQUIRE);
	*flags = (unsigned int)((v >> STORE_F_SAME) &
				((1u << (STORE_NR_FLAGS - STORE_F_SAME)) - 1));
	*length = (v & F(STORE_F_SAME)) ? 0 : slot_len(v);
	return 0;
}
