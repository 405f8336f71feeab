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
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "codec.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_format, ZSTD_f_zstd1_magicless */
#include <zstd.h>
#include <zstd_errors.h>

#define CODEC_LZ4_MIN 1
#define CODEC_LZ4_MAX 65537 /* LZ4_ACCELERATION_MAX */
#define CODEC_LZ4_DEF 1
#define CODEC_LZ4HC_MIN 1
#define CODEC_LZ4HC_MAX 12 /* LZ4HC_CLEVEL_MAX */
#define CODEC_LZ4HC_DEF 9  /* LZ4HC_CLEVEL_DEFAULT */
#define CODEC_ZSTD_DEF 3   /* ZSTD_CLEVEL_DEFAULT */

/* No user level: makes the first compress set ZSTD_c_compressionLevel. */
#define CODEC_ZSTD_NO_LEVEL INT_MIN

static const char *const codec_names[CODEC_NR_ALGS] = {
    [CODEC_LZ4] = "lz4",
    [CODEC_LZ4HC] = "lz4hc",
    [CODEC_ZSTD] = "zstd",
};

/* One thread's scratch state; every pointer is NULL until first needed. */
struct codec_tls {
	void *lz4_state;   /* LZ4_sizeofState() bytes */
	void *lz4hc_state; /* LZ4_sizeofStateHC() bytes */
	ZSTD_CCtx *cctx;   /* magicless, level in zstd_level */
	ZSTD_DCtx *dctx;   /* magicless */
	int zstd_level;	   /* level last set on cctx, or CODEC_ZSTD_NO_LEVEL */
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

int codec_init(struct codec *out, const char *name, int level)
{
	int alg = codec_find(name);
	int min, max, def;

	if (alg < 0)
		return alg;
	codec_range(alg, &min, &max, &def);
	/* zstd itself reads level 0 as "default"; so do we. */
	if (level == CODEC_LEVEL_DEFAULT || (alg == CODEC_ZSTD && level == 0))
		level = def;
	else if (level < min || level > max)
		return -ERANGE;
	out->alg = alg;
	out->level = level;
	return 0;
}

static int codec_zstd_compress(int level, const void *src, void *dst,
			       size_t dst_cap)
{
	ZSTD_CCtx *cctx = codec_tls_cctx();
	size_t ret;

	if (!cctx)
		return -ENOMEM;
	/* Setting the level costs a parameter update: only when it changes. */
	if (codec_tls.zstd_level != level) {
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

int codec_compress(const struct codec *c, const void *src, void *dst,
		   size_t dst_cap)
{
	int ret, cap;

	cap = dst_cap > INT_MAX ? INT_MAX : (int)dst_cap;
	if (cap == 0)
		return -E2BIG;
	switch (c->alg) {
	case CODEC_LZ4:
		ret = codec_tls_buf(&codec_tls.lz4_state, LZ4_sizeofState());
		if (ret)
			return ret;
		ret =
		    LZ4_compress_fast_extState(codec_tls.lz4_state, src, dst,
					       FZ_PAGE_SIZE, cap, c->level);
		return ret > 0 ? ret : -E2BIG;
	case CODEC_LZ4HC:
		ret =
		    codec_tls_buf(&codec_tls.lz4hc_state, LZ4_sizeofStateHC());
		if (ret)
			return ret;
		ret =
		    LZ4_compress_HC_extStateHC(codec_tls.lz4hc_state, src, dst,
					       FZ_PAGE_SIZE, cap, c->level);
		return ret > 0 ? ret : -E2BIG;
	case CODEC_ZSTD:
		return codec_zstd_compress(c->level, src, dst, dst_cap);
	default:
		return -EINVAL;
	}
}

int codec_decompress(const struct codec *c, const void *src, size_t len,
		     void *dst)
{
	ZSTD_DCtx *dctx;
	size_t zret;
	int ret;

	switch (c->alg) {
	case CODEC_LZ4:
	case CODEC_LZ4HC:
		if (len == 0 || len > INT_MAX)
			return -EIO;
		ret = LZ4_decompress_safe(src, dst, (int)len, FZ_PAGE_SIZE);
		return ret == FZ_PAGE_SIZE ? 0 : -EIO;
	case CODEC_ZSTD:
		dctx = codec_tls_dctx();
		if (!dctx)
			return -ENOMEM;
		zret =
		    ZSTD_decompressDCtx(dctx, dst, FZ_PAGE_SIZE, src, len);
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
