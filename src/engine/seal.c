// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * seal.c - the object cipher of seal.h over libsodium's AEADs.
 *
 * The secret (the key, and for AES-256-GCM its expanded state) lives in one
 * sodium_malloc() region: mlock'd, between guard pages, MADV_DONTDUMP, and
 * made read-only (sodium_mprotect_readonly) once filled, so that a stray
 * write faults rather than changes the key.  sodium_free() wipes it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "seal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

_Static_assert(crypto_aead_aes256gcm_ABYTES == SEAL_TAG, "AES-GCM tag");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == SEAL_TAG,
	       "XChaCha tag");
_Static_assert(crypto_aead_aes256gcm_KEYBYTES ==
		   crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "key sizes");

#define SEAL_KEY crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEAL_AD 16 /* slot, generation */
#define SEAL_NONCE_MAX crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

enum seal_cipher {
	SEAL_AES256GCM,
	SEAL_XCHACHA,
};

/* The secret part; the state first, as libsodium wants it 16-aligned. */
struct seal_secret {
	crypto_aead_aes256gcm_state aes; /* expanded key (AES only) */
	unsigned char key[SEAL_KEY];	 /* the raw key */
};

struct seal {
	enum seal_cipher cipher; /* fixed at create */
	bool aes_state;		 /* sec->aes is usable (16-aligned) */
	struct seal_secret *sec; /* sodium_malloc'd, read-only */
};

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The nonce (@gen, zero-padded) and the associated data (@slot, @gen). */
static void seal_params(uint64_t slot, uint64_t gen,
			unsigned char nonce[SEAL_NONCE_MAX],
			unsigned char ad[SEAL_AD])
{
	memset(nonce, 0, SEAL_NONCE_MAX);
	put_le64(nonce, gen);
	put_le64(ad, slot);
	put_le64(ad + 8, gen);
}

int seal_create(bool force_xchacha, struct seal **out)
{
	struct seal *s;

	if (sodium_init() < 0)
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cipher = !force_xchacha && crypto_aead_aes256gcm_is_available()
			? SEAL_AES256GCM
			: SEAL_XCHACHA;
	s->sec = sodium_malloc(sizeof(*s->sec));
	if (!s->sec) {
		free(s);
		return -ENOMEM;
	}
	randombytes_buf(s->sec->key, sizeof(s->sec->key));
	/* sodium_malloc puts the region against the guard page: aligned
	 * only when its size is a multiple of 16; check rather than trust */
	if (s->cipher == SEAL_AES256GCM && ((uintptr_t)&s->sec->aes & 15) == 0)
		s->aes_state = crypto_aead_aes256gcm_beforenm(&s->sec->aes,
							      s->sec->key) == 0;
	if (sodium_mprotect_readonly(s->sec) != 0) {
		sodium_free(s->sec);
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

int seal_relock(const struct seal *s)
{
	/* sodium_mlock() also marks the pages MADV_DONTDUMP again */
	if (sodium_mlock(s->sec, sizeof(*s->sec)) != 0)
		return errno ? -errno : -ENOMEM;
	return 0;
}

void seal_destroy(struct seal *s)
{
	if (!s)
		return;
	sodium_free(s->sec); /* makes it writable, wipes, unlocks, unmaps */
	free(s);
}

int seal_close(const struct seal *s, uint64_t slot, uint64_t gen,
	       const void *in, size_t len, void *out)
{
	unsigned char nonce[SEAL_NONCE_MAX], ad[SEAL_AD];
	unsigned long long clen;
	int r;

	seal_params(slot, gen, nonce, ad);
	if (s->cipher == SEAL_XCHACHA)
		r = crypto_aead_xchacha20poly1305_ietf_encrypt(
		    out, &clen, in, len, ad, sizeof(ad), NULL, nonce,
		    s->sec->key);
	else if (s->aes_state)
		r = crypto_aead_aes256gcm_encrypt_afternm(out, &clen, in, len,
							  ad, sizeof(ad), NULL,
							  nonce, &s->sec->aes);
	else
		r = crypto_aead_aes256gcm_encrypt(out, &clen, in, len, ad,
						  sizeof(ad), NULL, nonce,
						  s->sec->key);
	return r == 0 && clen == len + SEAL_TAG ? 0 : -EIO;
}

int seal_open(const struct seal *s, uint64_t slot, uint64_t gen, const void *in,
	      size_t inlen, void *out)
{
	unsigned char nonce[SEAL_NONCE_MAX], ad[SEAL_AD];
	unsigned long long mlen;
	int r;

	if (inlen < SEAL_TAG)
		return -EIO;
	seal_params(slot, gen, nonce, ad);
	if (s->cipher == SEAL_XCHACHA)
		r = crypto_aead_xchacha20poly1305_ietf_decrypt(
		    out, &mlen, NULL, in, inlen, ad, sizeof(ad), nonce,
		    s->sec->key);
	else if (s->aes_state)
		r = crypto_aead_aes256gcm_decrypt_afternm(out, &mlen, NULL, in,
							  inlen, ad, sizeof(ad),
							  nonce, &s->sec->aes);
	else
		r = crypto_aead_aes256gcm_decrypt(out, &mlen, NULL, in, inlen,
						  ad, sizeof(ad), nonce,
						  s->sec->key);
	return r == 0 && mlen == inlen - SEAL_TAG ? 0 : -EIO;
}

const char *seal_name(const struct seal *s)
{
	return s->cipher == SEAL_AES256GCM ? "aes256gcm" : "xchacha20poly1305";
}
