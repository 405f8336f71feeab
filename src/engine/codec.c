// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * codec.c - lz4, lz4hc and zstd behind one page-sized interface.
 *
 * The codecs need scratch state to compress (and zstd to decompress too).
 * Allocating it per page would put malloc on the write path, which runs while
 * the kernel is reclaiming memory; sharing it would need a lock.  So each
 * thread owns its contexts: they hang off a static __thread struct, are
 * created on the thread's first use and are freed by a pthread key destructor
 * when the thread exits (or by codec_thread_release()).  No lock is taken.
 *
 * zstd frames are written without the 4-byte magic number, content size,
 * checksum or dictionary id: a page is always FZ_PAGE_SIZE bytes and its
 * length is kept by the caller, so those fields would only cost 5 bytes per
 * page.  Decompression still checks the output is exactly one page.
 *
 * Dictionaries.  A struct codec_dict holds a private copy of the bytes and
 * everything prepared from them once, then only read: zstd's CDict (built by
 * reference to the copy, for one level) and DDict, both from a complete
 * zstd dictionary (raw content is refused): the whole of it, or at the
 * fast strategies only its content (see codec_zstd_cparams()); for
 * lz4 and lz4hc an LZ4_stream_t / LZ4_streamHC_t that LZ4_loadDict /
 * LZ4_loadDictHC filled from the last 64 KiB.  The frames stay magicless and
 * carry no dictionary id: the caller knows which dictionary a page needs.
 *
 * Per page, zstd references the CDict from the thread's CCtx (a pointer; for
 * a page the CDict's tables are attached, not copied).  lz4 would rather
 * attach its prepared stream too (LZ4_attach_dictionary,
 * LZ4_attach_HC_dictionary), but Debian 12's liblz4 1.9.4 does not export
 * those static-only symbols from the shared library, so the prepared stream
 * is copied into the thread's state instead: 16 KiB for lz4 (against hashing
 * 64 KiB with LZ4_loadDict on every page), 256 KiB for lz4hc (against
 * inserting 64 Ki positions into its chains).  lz4.h names the copy as the
 * supported alternative to attaching.  Either way nothing is allocated per
 * page and the shared dictionary is never written.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "codec.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_format, ZSTD_f_zstd1_magicless */
#include <zstd.h>
#include <zstd_errors.h>
#include <zdict.h>

#define CODEC_LZ4_MIN 1
#define CODEC_LZ4_MAX 65537 /* LZ4_ACCELERATION_MAX */
#define CODEC_LZ4_DEF 1
#define CODEC_LZ4HC_MIN 1
#define CODEC_LZ4HC_MAX 12 /* LZ4HC_CLEVEL_MAX */
#define CODEC_LZ4HC_DEF 9  /* LZ4HC_CLEVEL_DEFAULT */
#define CODEC_ZSTD_DEF 3   /* ZSTD_CLEVEL_DEFAULT */

/* Room for a zstd dictionary's header and entropy tables (under 1 KiB seen)
 * beyond the lz4 content wanted from the trainer. */
#define CODEC_ZDICT_HEADER_ROOM (8 * 1024)

/* No user level: makes the first compress set ZSTD_c_compressionLevel. */
#define CODEC_ZSTD_NO_LEVEL INT_MIN

static const char *const codec_names[CODEC_NR_ALGS] = {
    [CODEC_LZ4] = "lz4",
    [CODEC_LZ4HC] = "lz4hc",
    [CODEC_ZSTD] = "zstd",
};

/*
 * A loaded dictionary; immutable after codec_dict_load() but for refs.
 * Exactly the members of its algorithm are set.
 */
struct codec_dict {
	atomic_uint refs;      /* the owners; freed when it drops to 0 */
	enum codec_alg alg;    /* what it was loaded for */
	int level;	       /* resolved, as codec_init() */
	uint32_t id;	       /* zstd's id, else FNV-1a of buf; never 0 */
	size_t len;	       /* bytes in buf */
	unsigned char *buf;    /* the private copy of the dictionary */
	const char *prefix;    /* lz4/lz4hc: the last prefix_len of buf */
	int prefix_len;	       /* 1..CODEC_DICT_LZ4_MAX */
	LZ4_stream_t *lz4;     /* CODEC_LZ4: LZ4_loadDict(prefix) */
	LZ4_streamHC_t *lz4hc; /* CODEC_LZ4HC: LZ4_loadDictHC(prefix) */
	ZSTD_CDict *cdict;     /* CODEC_ZSTD: by reference to buf */
	ZSTD_DDict *ddict;     /* CODEC_ZSTD: by reference to buf */
};

/* One thread's scratch state; every pointer is NULL until first needed. */
struct codec_tls {
	void *lz4_state;   /* LZ4_sizeofState() bytes */
	void *lz4hc_state; /* LZ4_sizeofStateHC() bytes */
	ZSTD_CCtx *cctx;   /* magicless, level in zstd_level */
	ZSTD_DCtx *dctx;   /* magicless */
	int zstd_level;	   /* level last set on cctx, or CODEC_ZSTD_NO_LEVEL */
	bool zstd_dict;	   /* cctx may reference a CDict (cleared on no-dict) */
	bool registered;   /* codec_key holds &codec_tls for this thread */
};

static __thread struct codec_tls codec_tls = {
    .zstd_level = CODEC_ZSTD_NO_LEVEL,
};

static pthread_key_t codec_key;
static pthread_once_t codec_key_once = PTHREAD_ONCE_INIT;
static int codec_key_err; /* written once, inside pthread_once */

static void codec_tls_free(struct codec_tls *t)
{
	free(t->lz4_state);
	free(t->lz4hc_state);
	ZSTD_freeCCtx(t->cctx);
	ZSTD_freeDCtx(t->dctx);
	t->lz4_state = NULL;
	t->lz4hc_state = NULL;
	t->cctx = NULL;
	t->dctx = NULL;
	t->zstd_level = CODEC_ZSTD_NO_LEVEL;
	t->zstd_dict = false;
}

/*
 * Runs at thread exit with the exiting thread's TLS still mapped.  Clearing
 * 'registered' lets a later destructor that compresses register again (the
 * key destructors are rerun in that case).
 */
static void codec_key_destroy(void *arg)
{
	struct codec_tls *t = arg;

	codec_tls_free(t);
	t->registered = false;
}

static void codec_key_create(void)
{
	codec_key_err = pthread_key_create(&codec_key, codec_key_destroy);
}

/* Make sure this thread's contexts are freed when it exits. */
static int codec_tls_register(void)
{
	if (codec_tls.registered)
		return 0;
	pthread_once(&codec_key_once, codec_key_create);
	if (codec_key_err)
		return -ENOMEM;
	if (pthread_setspecific(codec_key, &codec_tls))
		return -ENOMEM;
	codec_tls.registered = true;
	return 0;
}

/*
 * Scratch buffer of @size bytes in *@slot.  The malloc happens once per
 * thread, not once per page; a failure is -ENOMEM and is retried on the next
 * page.
 */
static int codec_tls_buf(void **slot, size_t size)
{
	int ret;

	if (*slot)
		return 0;
	ret = codec_tls_register();
	if (ret)
		return ret;
	*slot = malloc(size);
	return *slot ? 0 : -ENOMEM;
}

/* This thread's zstd compression context, created once per thread. */
static ZSTD_CCtx *codec_tls_cctx(void)
{
	ZSTD_CCtx *cctx;

	if (codec_tls.cctx)
		return codec_tls.cctx;
	if (codec_tls_register())
		return NULL;
	cctx = ZSTD_createCCtx();
	if (!cctx)
		return NULL;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_format,
						ZSTD_f_zstd1_magicless)) ||
	    ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0)) ||
	    ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0))) {
		ZSTD_freeCCtx(cctx);
		return NULL;
	}
	codec_tls.cctx = cctx;
	codec_tls.zstd_level = CODEC_ZSTD_NO_LEVEL;
	codec_tls.zstd_dict = false;
	return cctx;
}

/* This thread's zstd decompression context, created once per thread. */
static ZSTD_DCtx *codec_tls_dctx(void)
{
	ZSTD_DCtx *dctx;

	if (codec_tls.dctx)
		return codec_tls.dctx;
	if (codec_tls_register())
		return NULL;
	dctx = ZSTD_createDCtx();
	if (!dctx)
		return NULL;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_format,
						ZSTD_f_zstd1_magicless))) {
		ZSTD_freeDCtx(dctx);
		return NULL;
	}
	codec_tls.dctx = dctx;
	return dctx;
}

static int codec_find(const char *name)
{
	int i;

	if (!name)
		return -ENOENT;
	for (i = 0; i < CODEC_NR_ALGS; i++)
		if (!strcmp(name, codec_names[i]))
			return i;
	return -ENOENT;
}

static void codec_range(enum codec_alg alg, int *min, int *max, int *def)
{
	switch (alg) {
	case CODEC_LZ4:
		*min = CODEC_LZ4_MIN;
		*max = CODEC_LZ4_MAX;
		*def = CODEC_LZ4_DEF;
		break;
	case CODEC_LZ4HC:
		*min = CODEC_LZ4HC_MIN;
		*max = CODEC_LZ4HC_MAX;
		*def = CODEC_LZ4HC_DEF;
		break;
	default:
		*min = ZSTD_minCLevel();
		*max = ZSTD_maxCLevel();
		*def = CODEC_ZSTD_DEF;
		break;
	}
}

int codec_level_range(const char *name, int *min, int *max, int *def)
{
	int alg = codec_find(name);

	if (alg < 0)
		return alg;
	codec_range(alg, min, max, def);
	return 0;
}

const char *codec_name(enum codec_alg alg)
{
	if ((unsigned int)alg >= CODEC_NR_ALGS)
		return NULL;
	return codec_names[alg];
}

/* @level resolved for @alg into *@out: 0 or -ERANGE. */
static int codec_resolve_level(enum codec_alg alg, int level, int *out)
{
	int min, max, def;

	codec_range(alg, &min, &max, &def);
	/* zstd itself reads level 0 as "default"; so do we. */
	if (level == CODEC_LEVEL_DEFAULT || (alg == CODEC_ZSTD && level == 0))
		level = def;
	else if (level < min || level > max)
		return -ERANGE;
	*out = level;
	return 0;
}

int codec_init(struct codec *out, const char *name, int level)
{
	int alg = codec_find(name);
	int ret;

	if (alg < 0)
		return alg;
	ret = codec_resolve_level(alg, level, &level);
	if (ret)
		return ret;
	out->alg = alg;
	out->level = level;
	out->dict = NULL;
	return 0;
}

/* Make the thread's CCtx reference @cdict (NULL: none) for the next frame. */
static int codec_zstd_ref(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict)
{
	/* a failed frame can leave it mid-way: refCDict needs a reset */
	if (ZSTD_isError(ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only)) ||
	    ZSTD_isError(ZSTD_CCtx_refCDict(cctx, cdict)))
		return -EIO;
	codec_tls.zstd_dict = cdict != NULL;
	return 0;
}

static int codec_zstd_compress(int level, const struct codec_dict *d,
			       const void *src, void *dst, size_t dst_cap)
{
	ZSTD_CCtx *cctx = codec_tls_cctx();
	size_t ret;
	int err;

	if (!cctx)
		return -ENOMEM;
	if (d || codec_tls.zstd_dict) {
		/* The CDict's level supersedes ZSTD_c_compressionLevel. */
		err = codec_zstd_ref(cctx, d ? d->cdict : NULL);
		if (err)
			return err;
	}
	/* Setting the level costs a parameter update: only when it changes. */
	if (!d && codec_tls.zstd_level != level) {
		ret = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
					     level);
		if (ZSTD_isError(ret))
			return -EIO;
		codec_tls.zstd_level = level;
	}
	ret = ZSTD_compress2(cctx, dst, dst_cap, src, FZ_PAGE_SIZE);
	if (!ZSTD_isError(ret))
		return (int)ret;
	switch (ZSTD_getErrorCode(ret)) {
	case ZSTD_error_dstSize_tooSmall:
		return -E2BIG;
	case ZSTD_error_memory_allocation:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* lz4 with the prepared stream of @d: a copy, then one block after it. */
static int codec_lz4_compress_dict(const struct codec *c, const void *src,
				   void *dst, int cap)
{
	LZ4_stream_t *st = codec_tls.lz4_state;

	memcpy(st, c->dict->lz4, sizeof(*st));
	return LZ4_compress_fast_continue(st, src, dst, FZ_PAGE_SIZE, cap,
					  c->level);
}

static int codec_lz4hc_compress_dict(const struct codec *c, const void *src,
				     void *dst, int cap)
{
	LZ4_streamHC_t *st = codec_tls.lz4hc_state;

	memcpy(st, c->dict->lz4hc, sizeof(*st));
	return LZ4_compress_HC_continue(st, src, dst, FZ_PAGE_SIZE, cap);
}

int codec_compress(const struct codec *c, const void *src, void *dst,
		   size_t dst_cap)
{
	const struct codec_dict *d = c->dict;
	int ret, cap;

	if (d && (d->alg != c->alg ||
		  (c->alg != CODEC_LZ4 && d->level != c->level)))
		return -EINVAL;
	cap = dst_cap > INT_MAX ? INT_MAX : (int)dst_cap;
	if (cap == 0)
		return -E2BIG;
	switch (c->alg) {
	case CODEC_LZ4:
		/* the extState and the stream are one size, one buffer */
		ret = codec_tls_buf(&codec_tls.lz4_state, sizeof(LZ4_stream_t));
		if (ret)
			return ret;
		if (d)
			ret = codec_lz4_compress_dict(c, src, dst, cap);
		else
			ret = LZ4_compress_fast_extState(codec_tls.lz4_state,
							 src, dst, FZ_PAGE_SIZE,
							 cap, c->level);
		return ret > 0 ? ret : -E2BIG;
	case CODEC_LZ4HC:
		ret = codec_tls_buf(&codec_tls.lz4hc_state,
				    sizeof(LZ4_streamHC_t));
		if (ret)
			return ret;
		if (d)
			ret = codec_lz4hc_compress_dict(c, src, dst, cap);
		else
			ret = LZ4_compress_HC_extStateHC(codec_tls.lz4hc_state,
							 src, dst, FZ_PAGE_SIZE,
							 cap, c->level);
		return ret > 0 ? ret : -E2BIG;
	case CODEC_ZSTD:
		return codec_zstd_compress(c->level, d, src, dst, dst_cap);
	default:
		return -EINVAL;
	}
}

static bool codec_lz4_family(enum codec_alg alg)
{
	return alg == CODEC_LZ4 || alg == CODEC_LZ4HC;
}

int codec_decompress(const struct codec *c, const void *src, size_t len,
		     void *dst)
{
	const struct codec_dict *d = c->dict;
	ZSTD_DCtx *dctx;
	size_t zret;
	int ret;

	switch (c->alg) {
	case CODEC_LZ4:
	case CODEC_LZ4HC:
		if (d && !codec_lz4_family(d->alg))
			return -EINVAL;
		if (len == 0 || len > INT_MAX)
			return -EIO;
		if (d)
			ret = LZ4_decompress_safe_usingDict(
			    src, dst, (int)len, FZ_PAGE_SIZE, d->prefix,
			    d->prefix_len);
		else
			ret = LZ4_decompress_safe(src, dst, (int)len,
						  FZ_PAGE_SIZE);
		return ret == FZ_PAGE_SIZE ? 0 : -EIO;
	case CODEC_ZSTD:
		if (d && d->alg != CODEC_ZSTD)
			return -EINVAL;
		dctx = codec_tls_dctx();
		if (!dctx)
			return -ENOMEM;
		/* The DDict is used for this frame only; dctx keeps none. */
		if (d)
			zret = ZSTD_decompress_usingDDict(
			    dctx, dst, FZ_PAGE_SIZE, src, len, d->ddict);
		else
			zret = ZSTD_decompressDCtx(dctx, dst, FZ_PAGE_SIZE,
						   src, len);
		if (ZSTD_isError(zret) &&
		    ZSTD_getErrorCode(zret) == ZSTD_error_memory_allocation)
			return -ENOMEM;
		return zret == FZ_PAGE_SIZE ? 0 : -EIO;
	default:
		return -EINVAL;
	}
}

void codec_thread_release(void)
{
	codec_tls_free(&codec_tls);
}

/* FNV-1a over @len bytes, never 0 (0 means "no dictionary" to callers). */
static uint32_t codec_hash(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h ? h : 1;
}

static void codec_dict_free(struct codec_dict *d)
{
	ZSTD_freeCDict(d->cdict);
	ZSTD_freeDDict(d->ddict);
	free(d->lz4);
	free(d->lz4hc);
	free(d->buf);
	free(d);
}

/*
 * zstd's strategies below ZSTD_lazy (fast, dfast, greedy: the negative
 * levels and about 1..5) reuse a dictionary's FSE tables for every page
 * of fewer than 1000 sequences without costing them against the page's
 * own; the slower ones compare.  On fzram's corpus that reuse cost 4-11%
 * of the ratio, and the same dictionary's content alone, as raw content
 * (zstd's default tables and repeat offsets, the page's own statistics),
 * did 6-10% better there; at ZSTD_lazy and above the full dictionary did
 * 0.3-2% better than its content (README, bench_dict).  So: the content
 * only when the strategy @level gives a page compressed after that much
 * content is below ZSTD_lazy, and its CDict made with those parameters.
 */
static ZSTD_compressionParameters codec_zstd_cparams(int level,
						     size_t content_len)
{
	/* what a page compressed after content_len bytes gets */
	return ZSTD_getCParams(level, FZ_PAGE_SIZE, content_len);
}

/*
 * zstd: a complete dictionary, parsed into a DDict and a CDict for @level;
 * at the fast strategies (see codec_zstd_cparams()) both are made of its
 * content alone, once the whole has parsed (so a corrupt dictionary is
 * refused at every level).
 */
static int codec_dict_zstd(struct codec_dict *d)
{
	ZSTD_dictContentType_e type = ZSTD_dct_fullDict;
	const unsigned char *content = d->buf;
	size_t clen = d->len, hdr;
	uint32_t magic;

	/* createCDict would take anything without the magic as raw content */
	if (d->len < 8)
		return -EINVAL;
	memcpy(&magic, d->buf, 4);
	if (magic != ZSTD_MAGIC_DICTIONARY) /* the format is little-endian */
		return -EINVAL;
	d->ddict = ZSTD_createDDict_advanced(d->buf, d->len, ZSTD_dlm_byRef,
					     ZSTD_dct_fullDict,
					     ZSTD_defaultCMem);
	if (!d->ddict)
		return -EINVAL; /* corrupt tables (or, rarely, no memory) */
	/* tables only (no content): nothing to use alone, the whole it is */
	hdr = ZDICT_getDictHeaderSize(d->buf, d->len);
	if (!ZDICT_isError(hdr) && hdr < d->len &&
	    codec_zstd_cparams(d->level, d->len - hdr).strategy < ZSTD_lazy) {
		type = ZSTD_dct_rawContent;
		content = d->buf + hdr;
		clen = d->len - hdr;
		ZSTD_freeDDict(d->ddict);
		d->ddict = ZSTD_createDDict_advanced(content, clen,
						     ZSTD_dlm_byRef, type,
						     ZSTD_defaultCMem);
		if (!d->ddict)
			return -ENOMEM;
	}
	/* the full one as before: byReference keeps the level in the CDict */
	if (type == ZSTD_dct_fullDict)
		d->cdict = ZSTD_createCDict_byReference(d->buf, d->len,
							d->level);
	else
		d->cdict = ZSTD_createCDict_advanced(
		    content, clen, ZSTD_dlm_byRef, type,
		    codec_zstd_cparams(d->level, clen), ZSTD_defaultCMem);
	if (!d->cdict)
		return -ENOMEM; /* the same bytes parsed for the DDict */
	d->id = ZSTD_getDictID_fromDict(d->buf, d->len);
	return 0;
}

/* lz4/lz4hc: the last 64 KiB, hashed once into a stream to copy per page. */
static int codec_dict_lz4(struct codec_dict *d)
{
	size_t plen = d->len < CODEC_DICT_LZ4_MAX ? d->len : CODEC_DICT_LZ4_MAX;

	d->prefix = (const char *)d->buf + (d->len - plen);
	d->prefix_len = (int)plen;
	if (d->alg == CODEC_LZ4) {
		d->lz4 = malloc(sizeof(*d->lz4));
		if (!d->lz4 || !LZ4_initStream(d->lz4, sizeof(*d->lz4)))
			return -ENOMEM;
		LZ4_loadDict(d->lz4, d->prefix, d->prefix_len);
		return 0;
	}
	d->lz4hc = malloc(sizeof(*d->lz4hc));
	if (!d->lz4hc || !LZ4_initStreamHC(d->lz4hc, sizeof(*d->lz4hc)))
		return -ENOMEM;
	/* LZ4_loadDictHC keeps the level the stream has */
	LZ4_resetStreamHC_fast(d->lz4hc, d->level);
	LZ4_loadDictHC(d->lz4hc, d->prefix, d->prefix_len);
	return 0;
}

int codec_dict_load(enum codec_alg alg, int level, const void *buf,
		    size_t len, struct codec_dict **out)
{
	struct codec_dict *d;
	int ret;

	if ((unsigned int)alg >= CODEC_NR_ALGS || !buf || len == 0 ||
	    len > CODEC_DICT_MAX)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->alg = alg;
	ret = codec_resolve_level(alg, level, &d->level);
	if (ret)
		goto out_free;
	d->len = len;
	d->buf = malloc(len);
	ret = -ENOMEM;
	if (!d->buf)
		goto out_free;
	memcpy(d->buf, buf, len);
	ret = alg == CODEC_ZSTD ? codec_dict_zstd(d) : codec_dict_lz4(d);
	if (ret)
		goto out_free;
	if (!d->id)
		d->id = codec_hash(d->buf, d->len);
	atomic_init(&d->refs, 1);
	*out = d;
	return 0;

out_free:
	codec_dict_free(d);
	return ret;
}

struct codec_dict *codec_dict_get(struct codec_dict *d)
{
	atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
	return d;
}

void codec_dict_put(struct codec_dict *d)
{
	if (!d)
		return;
	/* release: our uses happen before the free; acquire: theirs too */
	if (atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1)
		codec_dict_free(d);
}

size_t codec_dict_size(const struct codec_dict *d)
{
	return d->len;
}

bool codec_dict_equal(const struct codec_dict *a, const struct codec_dict *b)
{
	return a == b ||
	       (a->alg == b->alg && a->level == b->level && a->len == b->len &&
		a->id == b->id && memcmp(a->buf, b->buf, a->len) == 0);
}

uint32_t codec_dict_id(const struct codec_dict *d)
{
	return d->id;
}

enum codec_alg codec_dict_alg(const struct codec_dict *d)
{
	return d->alg;
}

int codec_dict_level(const struct codec_dict *d)
{
	return d->level;
}

/* ZDICT (fastCover, its defaults) over @npages pages into @out. */
static int codec_zdict(const void *pages, size_t npages, void *out,
		       size_t cap, size_t *out_len)
{
	size_t *sizes, i, ret;

	sizes = malloc(npages * sizeof(*sizes));
	if (!sizes)
		return -ENOMEM;
	for (i = 0; i < npages; i++)
		sizes[i] = FZ_PAGE_SIZE;
	ret = ZDICT_trainFromBuffer(out, cap, pages, sizes, (unsigned)npages);
	free(sizes);
	if (ZDICT_isError(ret))
		return ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation
			   ? -ENOMEM
			   : -EINVAL;
	*out_len = ret;
	return 0;
}

int codec_dict_train(enum codec_alg alg, const void *pages, size_t npages,
		     size_t dict_cap, void *out, size_t *out_len)
{
	size_t cap, len, hdr, keep;
	unsigned char *tmp;
	int ret;

	if ((unsigned int)alg >= CODEC_NR_ALGS || !pages || !out ||
	    !out_len || npages < CODEC_DICT_TRAIN_MIN_PAGES ||
	    npages > CODEC_DICT_TRAIN_MAX_PAGES ||
	    dict_cap < CODEC_DICT_TRAIN_MIN_CAP)
		return -EINVAL;
	if (alg == CODEC_ZSTD) {
		cap = dict_cap < CODEC_DICT_MAX ? dict_cap : CODEC_DICT_MAX;
		return codec_zdict(pages, npages, out, cap, out_len);
	}
	/*
	 * lz4 wants content only: train a zstd dictionary with room for its
	 * header beyond the content wanted, then keep the content's end (the
	 * trainer puts its best segments last).
	 */
	cap = dict_cap < CODEC_DICT_LZ4_MAX ? dict_cap : CODEC_DICT_LZ4_MAX;
	tmp = malloc(cap + CODEC_ZDICT_HEADER_ROOM);
	if (!tmp)
		return -ENOMEM;
	ret = codec_zdict(pages, npages, tmp, cap + CODEC_ZDICT_HEADER_ROOM,
			  &len);
	if (ret)
		goto out;
	hdr = ZDICT_getDictHeaderSize(tmp, len);
	ret = -EINVAL;
	if (ZDICT_isError(hdr) || hdr >= len)
		goto out;
	keep = len - hdr < cap ? len - hdr : cap;
	memcpy(out, tmp + len - keep, keep);
	*out_len = keep;
	ret = 0;
out:
	free(tmp);
	return ret;
}
