// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_backing.c - unit tests for the logic of backing.c (with seal.c and
 * fault.c; the codec only makes realistic object sizes from the corpus), on
 * a temporary regular file in /tmp.  How the store is opened (directories,
 * bad paths, sizes, the buffered path, ramfs, a block device) is tested in
 * check_backing_dev.c.
 *
 * Round trips of every length 1..4096 sealed (both ciphers) and plain;
 * packing of the corpus' lz4 objects and of random sizes before and after
 * freeing half at random and compacting, with the file's allocated blocks
 * checked against used_bytes (punching happened); a seeded random-operation
 * model test with the accounting back to zero at the end; no plaintext in
 * the file when sealed; a flipped byte, swapped objects and a replayed old
 * object each giving -EIO; ENOSPC on the smallest store; fault points
 * (debug builds, each in its own forked test); readers racing a writer and
 * compactor.  FZRAM_CORPUS names the corpus (make check sets it); without
 * it the program reports SKIP after the other tests pass.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "backing.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "backing_testutil.h"
#include "check_run.h"
#include "codec.h"
#include "testutil.h"

#define PAGE FZ_PAGE_SIZE
#define MIB (1024ULL * 1024)

/* ---- Helpers ------------------------------------------------------------ */

/* A store of @size bytes in the fixture's file, sealed when @encrypt (with
 * XChaCha when @xchacha). */
static struct backing *mk(uint64_t size, bool encrypt, bool xchacha)
{
	struct backing_config cfg = {.path = bt_tmp_path,
				     .size = size,
				     .encrypt = encrypt,
				     .force_xchacha = xchacha};
	struct backing *bk = NULL;

	ck_assert_int_eq(backing_create(&cfg, &bk), 0);
	ck_assert_ptr_nonnull(bk);
	return bk;
}

/* Write the @len bytes at @buf into the fixture's file at @off, past the
 * store (a tampering disk), and make them durable. */
static void file_pwrite(uint64_t off, const void *buf, size_t len)
{
	int fd = open(bt_tmp_path, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	ck_assert_int_eq(fdatasync(fd), 0);
	close(fd);
}

/* Read @len bytes of the fixture's file at @off into @buf, past the store. */
static void file_pread(uint64_t off, void *buf, size_t len)
{
	int fd = open(bt_tmp_path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* ---- Round trip of every length ---------------------------------------- */

/* _i: 0 sealed (default cipher), 1 plain, 2 sealed with XChaCha */
START_TEST(test_roundtrip)
{
	struct backing *bk = mk(24 * MIB, _i != 1, _i == 2);
	static bk_id_t ids[PAGE + 1];
	uint8_t *buf = malloc(PAGE * 64), *out = malloc(PAGE);
	struct bk_item it[64];
	struct backing_stats st;

	ck_assert(backing_encrypted(bk) == (_i != 1));
	ck_assert_str_eq(backing_cipher(bk), _i == 1   ? "none"
					     : _i == 2 ? "xchacha20poly1305"
						       : backing_cipher(bk));
	for (unsigned int len = 1; len <= PAGE;) {
		unsigned int n = 0;

		for (; n < 64 && len <= PAGE; n++, len++) {
			bt_fill(buf + n * PAGE, len, len);
			it[n] = (struct bk_item){.slot = 1000 + len,
						 .data = buf + n * PAGE,
						 .len = len};
		}
		ck_assert_int_eq(backing_write(bk, it, n), (int)n);
		for (unsigned int i = 0; i < n; i++) {
			ck_assert_int_eq(it[i].err, 0);
			ids[it[i].len] = it[i].id;
		}
	}
	st = bt_stats(bk);
	ck_assert_uint_eq(st.objects, PAGE);
	ck_assert_uint_eq(st.data_bytes, (uint64_t)PAGE * (PAGE + 1) / 2);
	ck_assert_uint_eq(st.stored_bytes,
			  st.data_bytes + (_i != 1 ? 16ULL * PAGE : 0));
	ck_assert_uint_eq(st.writes, PAGE);
	for (unsigned int len = 1; len <= PAGE; len++) {
		bt_fill(buf, len, len);
		memset(out, 0, PAGE);
		ck_assert_int_eq(
		    backing_read(bk, ids[len], 1000 + len, out, len), 0);
		ck_assert_mem_eq(buf, out, len);
	}
	/* wrong length: -EINVAL; wrong slot: -EIO only when sealed */
	ck_assert_int_eq(backing_read(bk, ids[100], 1100, out, 99), -EINVAL);
	ck_assert_int_eq(backing_read(bk, ids[100], 1101, out, 100),
			 _i != 1 ? -EIO : 0);
	ck_assert_uint_eq(bt_stats(bk).reads, PAGE + 1);
	ck_assert_uint_eq(bt_stats(bk).read_errors, _i != 1 ? 1 : 0);
	for (unsigned int len = 1; len <= PAGE; len++)
		backing_free(bk, ids[len]);
	ck_assert_int_eq(backing_read(bk, ids[5], 1005, out, 5), -EINVAL);
	backing_maintain(bk);
	st = bt_stats(bk);
	ck_assert_uint_eq(st.objects, 0);
	ck_assert_uint_eq(st.data_bytes, 0);
	ck_assert_uint_eq(st.stored_bytes, 0);
	ck_assert_uint_eq(st.used_bytes, 0);
	ck_assert_uint_le(bt_tmp_alloc_bytes(), 16 * 4096);
	free(buf);
	free(out);
	backing_destroy(bk);
}
END_TEST

/* Batches that are not valid are refused whole. */
START_TEST(test_bad_batch)
{
	struct backing *bk = mk(4 * MIB, true, false);
	static uint8_t page[PAGE + 1];
	struct bk_item it[2] = {{.slot = 1, .data = page, .len = 10},
				{.slot = 2, .data = page, .len = 0}};

	ck_assert_int_eq(backing_write(bk, it, 0), -EINVAL);
	ck_assert_int_eq(backing_write(bk, it, BK_MAX_BATCH + 1), -EINVAL);
	ck_assert_int_eq(backing_write(bk, it, 2), -EINVAL);
	it[1].len = PAGE + 1;
	ck_assert_int_eq(backing_write(bk, it, 2), -EINVAL);
	ck_assert_uint_eq(bt_stats(bk).objects, 0);
	ck_assert_int_eq(backing_read(bk, 0, 0, page, 10), -EINVAL);
	ck_assert_int_eq(backing_read(bk, 12345, 0, page, 10), -EINVAL);
	backing_free(bk, 0);
	backing_free(bk, 999); /* never handed out: ignored */
	ck_assert_uint_eq(bt_stats(bk).objects, 0);
	backing_destroy(bk);
}
END_TEST

/* ---- Packing ------------------------------------------------------------ */

struct pack_obj {
	uint8_t *data;
	unsigned int len;
	bk_id_t id;
};

/* Write @objs in batches of 32, check the ratios before and after freeing
 * half at random and compacting; every survivor reads back. */
static void pack_check(struct pack_obj *objs, size_t n, const char *what)
{
	struct backing *bk = mk(64 * MIB, true, false);
	struct bk_item it[32];
	struct backing_stats st;
	uint64_t rng = 77, alloc;
	uint8_t out[PAGE];
	double r1, r2;

	for (size_t i = 0; i < n;) {
		unsigned int m = 0;

		for (; m < 32 && i < n; m++, i++)
			it[m] = (struct bk_item){.slot = i,
						 .data = objs[i].data,
						 .len = objs[i].len};
		ck_assert_int_eq(backing_write(bk, it, m), (int)m);
		for (unsigned int k = 0; k < m; k++)
			objs[i - m + k].id = it[k].id;
	}
	st = bt_stats(bk);
	r1 = (double)st.used_bytes / (double)st.data_bytes;
	ck_assert_uint_eq(st.objects, n);
	ck_assert_msg(r1 <= 1.15, "%s: used/data %.4f after writing", what, r1);

	for (size_t i = 0; i < n; i++) {
		if (tu_rng_next(&rng) & 1) {
			backing_free(bk, objs[i].id);
			objs[i].id = 0;
		}
	}
	ck_assert_int_ge(backing_compact(bk), 0);
	backing_maintain(bk);
	st = bt_stats(bk);
	r2 = (double)st.used_bytes / (double)st.data_bytes;
	ck_assert_msg(r2 <= 1.3, "%s: used/data %.4f after compaction", what,
		      r2);
	ck_assert_uint_gt(st.moved, 0);
	ck_assert_uint_gt(st.punched_bytes, 0);
	alloc = bt_tmp_alloc_bytes();
	ck_assert_msg(alloc <= st.used_bytes + 16 * 4096 &&
			  alloc + 16 * 4096 >= st.used_bytes,
		      "%s: file holds %llu bytes, used_bytes %llu", what,
		      (unsigned long long)alloc,
		      (unsigned long long)st.used_bytes);
	printf("%s: %zu objects, %llu data bytes: used/data %.4f written, "
	       "%.4f after freeing half and compacting (%llu moved); "
	       "file %llu bytes, meta %llu bytes\n",
	       what, n, (unsigned long long)bt_stats(bk).data_bytes, r1, r2,
	       (unsigned long long)st.moved, (unsigned long long)alloc,
	       (unsigned long long)backing_meta_bytes(bk));
	for (size_t i = 0; i < n; i++) {
		if (!objs[i].id)
			continue;
		ck_assert_int_eq(
		    backing_read(bk, objs[i].id, i, out, objs[i].len), 0);
		ck_assert_mem_eq(out, objs[i].data, objs[i].len);
	}
	ck_assert_uint_eq(bt_stats(bk).read_errors, 0);
	backing_destroy(bk);
	/* destroy gave back the file's space */
	ck_assert_uint_le(bt_tmp_alloc_bytes(), 16 * 4096);
}

START_TEST(test_pack_random)
{
	size_t n = 8000;
	struct pack_obj *objs = calloc(n, sizeof(*objs));
	uint64_t rng = 5;

	for (size_t i = 0; i < n; i++) {
		objs[i].len = 500 + (unsigned int)(tu_rng_next(&rng) % 2501);
		objs[i].data = malloc(objs[i].len);
		bt_fill(objs[i].data, objs[i].len, i);
	}
	pack_check(objs, n, "random 500..3000");
	for (size_t i = 0; i < n; i++)
		free(objs[i].data);
	free(objs);
}
END_TEST

static bool same_filled(const uint8_t *p)
{
	uint64_t w0, w;

	memcpy(&w0, p, 8);
	for (size_t i = 8; i < PAGE; i += 8) {
		memcpy(&w, p + i, 8);
		if (w != w0)
			return false;
	}
	return true;
}

/* The corpus' pages as lz4 makes them (raw when they do not compress below
 * 3/4 of a page, as the store keeps them), same-filled ones left out. */
START_TEST(test_pack_corpus)
{
	const char *path = tu_corpus();
	struct pack_obj *objs;
	uint8_t page[PAGE], cbuf[PAGE];
	struct codec c;
	size_t n = 0, cap = 16384;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(codec_init(&c, "lz4", CODEC_LEVEL_DEFAULT), 0);
	objs = calloc(cap, sizeof(*objs));
	while (n < cap && fread(page, 1, PAGE, f) == PAGE) {
		int len;

		if (same_filled(page))
			continue;
		len = codec_compress(&c, page, cbuf, PAGE * 3 / 4);
		ck_assert(len > 0 || len == -E2BIG);
		objs[n].len = len > 0 ? (unsigned int)len : PAGE;
		objs[n].data = malloc(objs[n].len);
		memcpy(objs[n].data, len > 0 ? cbuf : page, objs[n].len);
		n++;
	}
	fclose(f);
	ck_assert_uint_gt(n, 100);
	pack_check(objs, n, "corpus lz4");
	for (size_t i = 0; i < n; i++)
		free(objs[i].data);
	free(objs);
}
END_TEST

/* ---- A random-operation model ------------------------------------------ */

struct mobj {
	bk_id_t id;	  /* 0: not live */
	unsigned int len; /* its length */
	uint64_t key;	  /* its bytes: bt_fill(key) */
};

#define M_SLOTS 2048

static void model_verify(struct backing *bk, struct mobj *m, size_t i)
{
	uint8_t want[PAGE], got[PAGE];

	bt_fill(want, m[i].len, m[i].key);
	ck_assert_int_eq(backing_read(bk, m[i].id, i, got, m[i].len), 0);
	ck_assert_mem_eq(want, got, m[i].len);
}

/* _i: 0 sealed, 1 plain */
START_TEST(test_model)
{
	/* small enough that the batches run into ENOSPC now and then */
	struct backing *bk = mk(4 * MIB, _i == 0, false);
	static struct mobj m[M_SLOTS];
	static uint8_t bufs[64][PAGE];
	uint64_t rng = tu_env_ul("FZRAM_SEED", 12345) | 1, key = 1;
	uint64_t live = 0, data = 0, nospc = 0;
	struct backing_stats st;

	memset(m, 0, sizeof(m));
	for (int op = 0; op < 4000; op++) {
		unsigned int r = (unsigned int)(tu_rng_next(&rng) % 100);

		if (r < 30) { /* a batch of writes to random slots */
			struct bk_item it[64];
			unsigned int n =
			    1 + (unsigned int)(tu_rng_next(&rng) % 64);
			size_t slots[64];
			int w;

			for (unsigned int k = 0; k < n; k++) {
				size_t s = tu_rng_next(&rng) % M_SLOTS;
				unsigned int len =
				    tu_rng_next(&rng) & 1
					? 1 + (unsigned int)(tu_rng_next(&rng) %
							     PAGE)
					: 200 +
					      (unsigned int)(tu_rng_next(&rng) %
							     2000);

				/* a slot once per batch */
				for (unsigned int j = 0; j < k; j++)
					if (slots[j] == s)
						s = (s + 1) % M_SLOTS, j = -1u;
				slots[k] = s;
				bt_fill(bufs[k], len, key + k);
				it[k] = (struct bk_item){
				    .slot = s, .data = bufs[k], .len = len};
			}
			w = backing_write(bk, it, n);
			ck_assert_int_ge(w, 0);
			for (unsigned int k = 0; k < n; k++) {
				size_t s = slots[k];

				if (it[k].err) {
					ck_assert_int_eq(it[k].err, -ENOSPC);
					ck_assert_uint_eq(it[k].id, 0);
					nospc++;
					continue;
				}
				if (m[s].id) {
					backing_free(bk, m[s].id);
					live--;
					data -= m[s].len;
				}
				m[s] =
				    (struct mobj){it[k].id, it[k].len, key + k};
				live++;
				data += it[k].len;
			}
			key += n;
		} else if (r < 55) { /* free a few */
			for (int k = 0; k < 20; k++) {
				size_t s = tu_rng_next(&rng) % M_SLOTS;

				if (!m[s].id)
					continue;
				backing_free(bk, m[s].id);
				m[s].id = 0;
				live--;
				data -= m[s].len;
			}
		} else if (r < 60) {
			ck_assert_int_ge(backing_compact(bk), 0);
		} else if (r < 65) {
			backing_maintain(bk);
		} else { /* verify a few */
			for (int k = 0; k < 8; k++) {
				size_t s = tu_rng_next(&rng) % M_SLOTS;

				if (m[s].id)
					model_verify(bk, m, s);
			}
		}
		st = bt_stats(bk);
		ck_assert_uint_eq(st.objects, live);
		ck_assert_uint_eq(st.data_bytes, data);
		ck_assert_uint_eq(st.stored_bytes,
				  data + (_i == 0 ? 16 * live : 0));
		ck_assert_uint_le(st.used_bytes, st.size);
		ck_assert_uint_ge(st.used_bytes + 4096, st.stored_bytes);
	}
	for (size_t s = 0; s < M_SLOTS; s++)
		if (m[s].id)
			model_verify(bk, m, s);
	ck_assert_uint_eq(bt_stats(bk).read_errors, 0);
	ck_assert_uint_gt(nospc, 0);
	printf("model (%s): %llu live, %llu ENOSPC items, %llu moved\n",
	       _i == 0 ? "sealed" : "plain", (unsigned long long)live,
	       (unsigned long long)nospc,
	       (unsigned long long)bt_stats(bk).moved);
	for (size_t s = 0; s < M_SLOTS; s++)
		backing_free(bk, m[s].id);
	backing_maintain(bk);
	st = bt_stats(bk);
	ck_assert_uint_eq(st.objects, 0);
	ck_assert_uint_eq(st.data_bytes, 0);
	ck_assert_uint_eq(st.stored_bytes, 0);
	ck_assert_uint_eq(st.used_bytes, 0);
	ck_assert_uint_le(bt_tmp_alloc_bytes(), 16 * 4096);
	backing_destroy(bk);
}
END_TEST

/* ---- Encryption --------------------------------------------------------- */

#define MARKER "FZRAM-TEST-MARKER-secret-7f3a9c"

/* _i: 0 sealed, 1 plain.  The marker is findable in the file only plain. */
START_TEST(test_marker)
{
	uint64_t size = 4 * MIB;
	struct backing *bk = mk(size, _i == 0, false);
	uint8_t page[PAGE];
	uint8_t *file = malloc(size);
	struct bk_item it[16];

	for (int b = 0; b < 8; b++) {
		for (int k = 0; k < 16; k++) {
			tu_text_page(page, (uint64_t)(b * 16 + k));
			it[k] = (struct bk_item){.slot = (uint64_t)(b * 16 + k),
						 .data = malloc(PAGE),
						 .len = 200 + 230 * k};
			memcpy(page + 50, MARKER, strlen(MARKER));
			memcpy((void *)it[k].data, page, PAGE);
		}
		ck_assert_int_eq(backing_write(bk, it, 16), 16);
		for (int k = 0; k < 16; k++)
			free((void *)it[k].data);
	}
	ck_assert_ptr_nonnull(file);
	file_pread(0, file, size);
	ck_assert((memmem(file, size, MARKER, strlen(MARKER)) == NULL) ==
		  (_i == 0));
	ck_assert((memmem(file, size, "quick brown fox", 15) == NULL) ==
		  (_i == 0));
	free(file);
	backing_destroy(bk);
}
END_TEST

/* _i: 0 the default cipher, 1 XChaCha.  Altered, swapped and replayed
 * objects fail with -EIO and count; the others still read. */
START_TEST(test_tamper)
{
	struct backing *bk = mk(4 * MIB, true, _i == 1);
	uint8_t a[1000], b[1000], out[1000], v1[1000], v2[1000];
	uint8_t da[1016], db[1016], saved[1016];
	bk_id_t ia, ib, ic, i7, good;
	uint64_t oa, ob, o7;
	unsigned int la, lb, l7;

	bt_fill(a, sizeof(a), 1);
	bt_fill(b, sizeof(b), 2);
	good = bt_put(bk, 99, a, 500);
	ia = bt_put(bk, 10, a, sizeof(a));
	ib = bt_put(bk, 11, b, sizeof(b));
	ic = bt_put(bk, 12, a, sizeof(a));

	/* a flipped byte */
	ck_assert_int_eq(backing_object_where(bk, ic, &oa, &la), 0);
	ck_assert_uint_eq(la, 1016);
	file_pread(oa + 300, out, 1);
	out[0] ^= 0x01;
	file_pwrite(oa + 300, out, 1);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(backing_read(bk, ic, 12, out, sizeof(out)), -EIO);

	/* two objects of one length swapped on disk */
	ck_assert_int_eq(backing_object_where(bk, ia, &oa, &la), 0);
	ck_assert_int_eq(backing_object_where(bk, ib, &ob, &lb), 0);
	ck_assert_uint_eq(la, lb);
	file_pread(oa, da, la);
	file_pread(ob, db, lb);
	file_pwrite(oa, db, lb);
	file_pwrite(ob, da, la);
	ck_assert_int_eq(backing_read(bk, ia, 10, out, sizeof(out)), -EIO);
	ck_assert_int_eq(backing_read(bk, ib, 11, out, sizeof(out)), -EIO);

	/* slot 7 v1 replayed over v2 */
	bt_fill(v1, sizeof(v1), 71);
	bt_fill(v2, sizeof(v2), 72);
	i7 = bt_put(bk, 7, v1, sizeof(v1));
	ck_assert_int_eq(backing_object_where(bk, i7, &o7, &l7), 0);
	file_pread(o7, saved, l7);
	backing_free(bk, i7);
	i7 = bt_put(bk, 7, v2, sizeof(v2));
	ck_assert_int_eq(backing_read(bk, i7, 7, out, sizeof(out)), 0);
	ck_assert_mem_eq(out, v2, sizeof(v2));
	ck_assert_int_eq(backing_object_where(bk, i7, &o7, &l7), 0);
	file_pwrite(o7, saved, l7);
	ck_assert_int_eq(backing_read(bk, i7, 7, out, sizeof(out)), -EIO);
	ck_assert(memcmp(out, v1, sizeof(v1)) != 0);

	ck_assert_uint_eq(bt_stats(bk).read_errors, 4);
	ck_assert_int_eq(backing_read(bk, good, 99, out, 500), 0);
	ck_assert_mem_eq(out, a, 500);
	ck_assert_uint_eq(bt_stats(bk).read_errors, 4);
	backing_destroy(bk);
}
END_TEST

/* Plain objects are not checked: what the store returns is returned (the
 * documented cost of encrypt off). */
START_TEST(test_plain_unchecked)
{
	struct backing *bk = mk(4 * MIB, false, false);
	uint8_t a[300], out[300];
	unsigned int l;
	uint64_t o;
	bk_id_t id;

	bt_fill(a, sizeof(a), 3);
	id = bt_put(bk, 1, a, sizeof(a));
	ck_assert_int_eq(backing_object_where(bk, id, &o, &l), 0);
	ck_assert_uint_eq(l, sizeof(a));
	file_pread(o, out, 1);
	out[0] ^= 0xff;
	file_pwrite(o, out, 1);
	ck_assert_int_eq(backing_read(bk, id, 1, out, sizeof(out)), 0);
	ck_assert_uint_eq(out[0], a[0] ^ 0xff);
	ck_assert_mem_eq(out + 1, a + 1, sizeof(a) - 1);
	backing_destroy(bk);
}
END_TEST

/* ---- ENOSPC ------------------------------------------------------------- */

START_TEST(test_enospc)
{
	struct backing *bk = mk(BK_MIN_SIZE, true, false);
	static bk_id_t ids[2000];
	uint8_t data[3000], out[3000];
	struct bk_item it[1];
	size_t n;

	ck_assert_uint_eq(bt_stats(bk).size, BK_MIN_SIZE);
	n = bt_fill_up(bk, ids, 2000);
	/* 4 segments of 256 KiB, one kept for compaction, hold 86 objects
	 * of 3016 bytes each */
	ck_assert_uint_eq(n, 3 * (BK_SEG_SIZE / 3016));
	ck_assert_uint_le(bt_stats(bk).used_bytes, BK_MIN_SIZE);
	bt_check_range(bk, ids, 0, n);
	/* still full */
	bt_fill(data, 3000, 5000);
	it[0] = (struct bk_item){.slot = 5000, .data = data, .len = 3000};
	ck_assert_int_eq(backing_write(bk, it, 1), 0);
	ck_assert_int_eq(it[0].err, -ENOSPC);
	/* freeing the oldest half frees whole segments: room again */
	for (size_t i = 0; i < n / 2; i++)
		backing_free(bk, ids[i]);
	ck_assert_int_eq(backing_write(bk, it, 1), 1);
	ck_assert_int_eq(backing_read(bk, it[0].id, 5000, out, 3000), 0);
	ck_assert_mem_eq(out, data, 3000);
	bt_check_range(bk, ids, n / 2, n);
	backing_destroy(bk);
}
END_TEST

/* ---- Fault points (debug builds) --------------------------------------- */

#ifdef ZSP_DEBUG
/* Write @n objects of @len bytes for slots from @slot0; the items. */
static int write_some(struct backing *bk, struct bk_item *it, uint8_t *bufs,
		      unsigned int n, unsigned int len, uint64_t slot0)
{
	for (unsigned int k = 0; k < n; k++) {
		bt_fill(bufs + k * PAGE, len, slot0 + k);
		it[k] = (struct bk_item){
		    .slot = slot0 + k, .data = bufs + k * PAGE, .len = len};
	}
	return backing_write(bk, it, n);
}

static void check_all(struct backing *bk, const struct bk_item *it,
		      unsigned int n)
{
	uint8_t want[PAGE], got[PAGE];

	for (unsigned int k = 0; k < n; k++) {
		bt_fill(want, it[k].len, it[k].slot);
		ck_assert_int_eq(
		    backing_read(bk, it[k].id, it[k].slot, got, it[k].len), 0);
		ck_assert_mem_eq(want, got, it[k].len);
	}
}

/* Two writes pass, the third and its retry fail: its items get -EIO,
 * nothing is leaked, the next write works. */
static void fault_write_case(void)
{
	struct backing *bk = mk(4 * MIB, true, false);
	static uint8_t bufs[8 * PAGE];
	struct bk_item a[8], b[8], c[8], d[8];
	uint64_t used;

	ck_assert_int_eq(write_some(bk, a, bufs, 8, 700, 0), 8);
	ck_assert_int_eq(write_some(bk, b, bufs, 8, 900, 100), 8);
	backing_maintain(bk);
	used = bt_stats(bk).used_bytes;
	ck_assert_int_eq(write_some(bk, c, bufs, 8, 2000, 200), 0);
	for (int k = 0; k < 8; k++) {
		ck_assert_int_eq(c[k].err, -EIO);
		ck_assert_uint_eq(c[k].id, 0);
	}
	ck_assert_uint_eq(bt_stats(bk).write_errors, 8);
	ck_assert_uint_eq(bt_stats(bk).objects, 16);
	backing_maintain(bk);
	ck_assert_uint_eq(bt_stats(bk).used_bytes, used);
	check_all(bk, a, 8);
	check_all(bk, b, 8);
	ck_assert_int_eq(write_some(bk, d, bufs, 8, 1500, 300), 8);
	check_all(bk, a, 8);
	check_all(bk, b, 8);
	check_all(bk, d, 8);
	ck_assert_uint_eq(bt_stats(bk).writes, 24);
	backing_destroy(bk);
}

START_TEST(test_fault_write)
{
	setenv("FZRAM_FAULT", "bk_write:2:2", 1);
	fault_write_case();
}
END_TEST

START_TEST(test_fault_write_short)
{
	setenv("FZRAM_FAULT", "bk_write_short:2:2", 1);
	fault_write_case();
}
END_TEST

/* One failure is absorbed by the retry. */
START_TEST(test_fault_write_retry)
{
	struct backing *bk;
	static uint8_t bufs[8 * PAGE];
	struct bk_item a[8], b[8];

	setenv("FZRAM_FAULT", "bk_write:1:1", 1);
	bk = mk(4 * MIB, true, false);
	ck_assert_int_eq(write_some(bk, a, bufs, 8, 700, 0), 8);
	ck_assert_int_eq(write_some(bk, b, bufs, 8, 900, 100), 8);
	check_all(bk, a, 8);
	check_all(bk, b, 8);
	ck_assert_uint_eq(bt_stats(bk).write_errors, 0);
	backing_destroy(bk);
}
END_TEST

START_TEST(test_fault_read)
{
	struct backing *bk;
	static uint8_t bufs[8 * PAGE];
	struct bk_item a[8];
	uint8_t out[PAGE];

	setenv("FZRAM_FAULT", "bk_read:3:1", 1);
	bk = mk(4 * MIB, true, false);
	ck_assert_int_eq(write_some(bk, a, bufs, 8, 1234, 0), 8);
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(
		    backing_read(bk, a[k].id, a[k].slot, out, 1234), 0);
	ck_assert_int_eq(backing_read(bk, a[3].id, a[3].slot, out, 1234), -EIO);
	ck_assert_uint_eq(bt_stats(bk).read_errors, 1);
	check_all(bk, a, 8);
	ck_assert_uint_eq(bt_stats(bk).read_errors, 1);
	ck_assert_uint_eq(bt_stats(bk).reads, 12);
	backing_destroy(bk);
}
END_TEST
#endif /* ZSP_DEBUG */

/* ---- Threads ------------------------------------------------------------ */

#define T_SLOTS 512
#define T_READERS 3

struct tslot {
	pthread_mutex_t lock; /* the store's slot lock, in effect */
	bk_id_t id;
	unsigned int len;
	uint64_t key;
};

static struct tslot tslots[T_SLOTS];
static struct backing *tbk;
static int tstop;
static uint64_t tmismatch, treads;

static void *reader(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 7919 + 1;
	uint8_t want[PAGE], got[PAGE];

	while (!__atomic_load_n(&tstop, __ATOMIC_RELAXED)) {
		struct tslot *t = &tslots[tu_rng_next(&rng) % T_SLOTS];

		pthread_mutex_lock(&t->lock);
		if (t->id) {
			bt_fill(want, t->len, t->key);
			if (backing_read(tbk, t->id, (uint64_t)(t - tslots),
					 got, t->len) != 0 ||
			    memcmp(want, got, t->len) != 0)
				__atomic_fetch_add(&tmismatch, 1,
						   __ATOMIC_RELAXED);
			__atomic_fetch_add(&treads, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t th[T_READERS];
	static uint8_t bufs[32][PAGE];
	uint64_t rng = 99, key = 1;

	tbk = mk(16 * MIB, true, false);
	tstop = 0;
	tmismatch = treads = 0;
	for (int s = 0; s < T_SLOTS; s++) {
		pthread_mutex_init(&tslots[s].lock, NULL);
		tslots[s].id = 0;
	}
	for (uintptr_t i = 0; i < T_READERS; i++)
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, reader, (void *)i), 0);
	for (int op = 0; op < 3000; op++) {
		unsigned int r = (unsigned int)(tu_rng_next(&rng) % 10);

		if (r < 5) {
			struct bk_item it[32];
			size_t slot[32];
			unsigned int n =
			    1 + (unsigned int)(tu_rng_next(&rng) % 32);

			for (unsigned int k = 0; k < n; k++) {
				unsigned int len =
				    1 +
				    (unsigned int)(tu_rng_next(&rng) % PAGE);

				/* distinct slots within a batch */
				slot[k] = (op * 32 + k) % T_SLOTS;
				bt_fill(bufs[k], len, key + k);
				it[k] = (struct bk_item){.slot = slot[k],
							 .data = bufs[k],
							 .len = len};
			}
			ck_assert_int_ge(backing_write(tbk, it, n), 0);
			for (unsigned int k = 0; k < n; k++) {
				struct tslot *t = &tslots[slot[k]];

				if (it[k].err)
					continue;
				pthread_mutex_lock(&t->lock);
				backing_free(tbk, t->id);
				t->id = it[k].id;
				t->len = it[k].len;
				t->key = key + k;
				pthread_mutex_unlock(&t->lock);
			}
			key += n;
		} else if (r < 8) {
			for (int k = 0; k < 16; k++) {
				struct tslot *t =
				    &tslots[tu_rng_next(&rng) % T_SLOTS];

				pthread_mutex_lock(&t->lock);
				backing_free(tbk, t->id);
				t->id = 0;
				pthread_mutex_unlock(&t->lock);
			}
		} else if (r < 9) {
			ck_assert_int_ge(backing_compact(tbk), 0);
		} else {
			backing_maintain(tbk);
		}
	}
	__atomic_store_n(&tstop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < T_READERS; i++)
		pthread_join(th[i], NULL);
	printf("threads: %llu reads, %llu moved, %llu mismatches\n",
	       (unsigned long long)treads,
	       (unsigned long long)bt_stats(tbk).moved,
	       (unsigned long long)tmismatch);
	ck_assert_uint_eq(tmismatch, 0);
	ck_assert_uint_gt(treads, 0);
	ck_assert_uint_gt(bt_stats(tbk).moved, 0);
	ck_assert_uint_eq(bt_stats(tbk).read_errors, 0);
	for (int s = 0; s < T_SLOTS; s++) {
		backing_free(tbk, tslots[s].id);
		pthread_mutex_destroy(&tslots[s].lock);
	}
	backing_maintain(tbk);
	ck_assert_uint_eq(bt_stats(tbk).used_bytes, 0);
	backing_destroy(tbk);
}
END_TEST

static Suite *backing_suite(void)
{
	Suite *s = suite_create("backing");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, bt_tmp_setup, bt_tmp_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_roundtrip, 0, 3);
	tcase_add_test(tc, test_bad_batch);
	tcase_add_test(tc, test_pack_random);
	tcase_add_test(tc, test_pack_corpus);
	tcase_add_loop_test(tc, test_model, 0, 2);
	tcase_add_loop_test(tc, test_marker, 0, 2);
	tcase_add_loop_test(tc, test_tamper, 0, 2);
	tcase_add_test(tc, test_plain_unchecked);
	tcase_add_test(tc, test_enospc);
#ifdef ZSP_DEBUG
	tcase_add_test(tc, test_fault_write);
	tcase_add_test(tc, test_fault_write_short);
	tcase_add_test(tc, test_fault_write_retry);
	tcase_add_test(tc, test_fault_read);
#endif
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_corpus_result(check_run(backing_suite()));
}
