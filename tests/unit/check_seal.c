// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_seal.c - unit tests for seal.c, linked against that module alone.
 *
 * Both ciphers (AES-256-GCM where the CPU has it, XChaCha20-Poly1305
 * forced) round-trip every length 0..4096; the ciphertext differs from the
 * plaintext and between generations; a flipped byte anywhere, another slot,
 * another generation, a truncated object or another key's seal fail with
 * -EIO.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "seal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_run.h"
#include "testutil.h"

#define MAXLEN FZ_PAGE_SIZE

static struct seal *make(bool xchacha)
{
	struct seal *s = NULL;

	ck_assert_int_eq(seal_create(xchacha, &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)tu_rng_next(&seed);
}

START_TEST(test_names)
{
	struct seal *x = make(true), *d = make(false);

	ck_assert_str_eq(seal_name(x), "xchacha20poly1305");
	ck_assert_str_eq(seal_name(d), crypto_aead_aes256gcm_is_available()
					   ? "aes256gcm"
					   : "xchacha20poly1305");
	seal_destroy(x);
	seal_destroy(d);
	seal_destroy(NULL);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct seal *s = make(_i == 1);
	uint8_t *in = malloc(MAXLEN), *ct = malloc(MAXLEN + SEAL_TAG),
		*out = malloc(MAXLEN);

	for (size_t len = 0; len <= MAXLEN; len++) {
		fill(in, len, len + 1);
		ck_assert_int_eq(seal_close(s, len * 3, len + 100, in, len, ct),
				 0);
		if (len >= 16)
			ck_assert(memcmp(in, ct, len) != 0);
		memset(out, 0xee, MAXLEN);
		ck_assert_int_eq(
		    seal_open(s, len * 3, len + 100, ct, len + SEAL_TAG, out),
		    0);
		ck_assert_mem_eq(in, out, len);
	}
	free(in);
	free(ct);
	free(out);
	seal_destroy(s);
}
END_TEST

START_TEST(test_tamper)
{
	struct seal *s = make(_i == 1), *other = make(_i == 1);
	const size_t len = 1000;
	uint8_t in[1000], ct[1000 + SEAL_TAG], ct2[1000 + SEAL_TAG], out[1000];

	fill(in, len, 42);
	ck_assert_int_eq(seal_close(s, 7, 9, in, len, ct), 0);
	/* a new generation gives another ciphertext for the same bytes */
	ck_assert_int_eq(seal_close(s, 7, 10, in, len, ct2), 0);
	ck_assert(memcmp(ct, ct2, len) != 0);

	ck_assert_int_eq(seal_open(s, 8, 9, ct, sizeof(ct), out), -EIO);
	ck_assert_int_eq(seal_open(s, 7, 8, ct, sizeof(ct), out), -EIO);
	ck_assert_int_eq(seal_open(s, 7, 9, ct, sizeof(ct) - 1, out), -EIO);
	ck_assert_int_eq(seal_open(s, 7, 9, ct, SEAL_TAG - 1, out), -EIO);
	ck_assert_int_eq(seal_open(other, 7, 9, ct, sizeof(ct), out), -EIO);
	for (size_t i = 0; i < sizeof(ct); i += 37) {
		ct[i] ^= 0x10;
		ck_assert_int_eq(seal_open(s, 7, 9, ct, sizeof(ct), out), -EIO);
		ct[i] ^= 0x10;
	}
	ck_assert_int_eq(seal_open(s, 7, 9, ct, sizeof(ct), out), 0);
	ck_assert_mem_eq(in, out, len);
	seal_destroy(s);
	seal_destroy(other);
}
END_TEST

/* Two seals never share a key: the same object seals differently. */
/*
 * A child of fork() holds no lock of its parent's: seal_relock() locks the
 * key again (VmLck goes from 0 to at least a page; not checked under ASan,
 * whose mlock() does nothing), and the key still opens what the parent
 * sealed.
 */
START_TEST(test_relock_after_fork)
{
	struct seal *s;
	unsigned char in[64], sealed[64 + SEAL_TAG], out[64];
	pid_t pid;
	int status;

	memset(in, 7, sizeof(in));
	ck_assert_int_eq(seal_create(false, &s), 0);
	ck_assert_int_eq(seal_close(s, 1, 2, in, sizeof(in), sealed), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint64_t before = tu_status_kb("VmLck");
		int ok = before == 0 && seal_relock(s) == 0 &&
			 seal_open(s, 1, 2, sealed, sizeof(sealed), out) == 0 &&
			 memcmp(in, out, sizeof(in)) == 0;

#if !defined(__SANITIZE_ADDRESS__)
		/* ASan's mlock() locks nothing (it would lock its shadow) */
		ok = ok && tu_status_kb("VmLck") >= 4;
#endif
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	seal_destroy(s);
}
END_TEST

START_TEST(test_fresh_keys)
{
	struct seal *a = make(false), *b = make(false);
	uint8_t in[64] = {0}, ca[64 + SEAL_TAG], cb[64 + SEAL_TAG];

	ck_assert_int_eq(seal_close(a, 1, 1, in, sizeof(in), ca), 0);
	ck_assert_int_eq(seal_close(b, 1, 1, in, sizeof(in), cb), 0);
	ck_assert(memcmp(ca, cb, sizeof(ca)) != 0);
	seal_destroy(a);
	seal_destroy(b);
}
END_TEST

static Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_names);
	/* 0: the default cipher, 1: XChaCha forced */
	tcase_add_loop_test(tc, test_roundtrip, 0, 2);
	tcase_add_loop_test(tc, test_tamper, 0, 2);
	tcase_add_test(tc, test_fresh_keys);
	tcase_add_test(tc, test_relock_after_fork);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(seal_suite());
}
