/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seal.h - authenticated encryption of the backing tier's objects, through
 * libsodium: AES-256-GCM where the CPU has AES-NI
 * (crypto_aead_aes256gcm_is_available()), else XChaCha20-Poly1305.  Neither
 * cipher is written here; this module only chooses one, keeps its key and
 * lays out the nonce and the associated data.
 *
 * A struct seal holds one random key, made at seal_create() in memory from
 * sodium_malloc() (locked, guarded, excluded from core dumps, read-only once
 * made) and wiped by seal_destroy().  The key is never written anywhere.
 *
 * An object is sealed under a 64-bit generation @gen and its slot number
 * @slot.  The nonce is @gen, little endian, padded with zeros to the
 * cipher's nonce size: the caller must never use one @gen twice under one
 * seal (the backing tier's counter).  The associated data are @slot and @gen,
 * 8 bytes each, little endian: an object opened under another slot or
 * generation than it was sealed with (moved, swapped, replayed) fails, as
 * does one with any byte altered.
 *
 * A struct seal is read-only after seal_create(): any number of threads may
 * call seal_close() and seal_open() on it at once, without a lock.
 */
#ifndef FZRAM_SEAL_H
#define FZRAM_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_TAG 16 /* bytes sealing adds to an object (the tag) */

struct seal;

/*
 * seal_create() - start libsodium, choose the cipher (XChaCha20-Poly1305
 * when @force_xchacha or without AES-NI, else AES-256-GCM) and make a fresh
 * random key.
 * Return: 0 with *@out set; -EIO (libsodium would not start); -ENOMEM.
 */
int seal_create(bool force_xchacha, struct seal **out);

/*
 * seal_relock() - lock the key's memory again: a child of fork() (the
 * daemon going to the background) does not inherit its parent's locks.
 * Return: 0, or -errno of mlock (the key then may be swapped out).
 */
int seal_relock(const struct seal *s);

/* seal_destroy() - wipe the key and free @s.  NULL is ignored. */
void seal_destroy(struct seal *s);

/*
 * seal_close() - encrypt the @len bytes at @in into @out, which receives
 * @len + SEAL_TAG bytes (ciphertext then tag), bound to @slot and @gen.
 * @in and @out must not overlap.  @len may be 0.
 * Return: 0, or -EIO (the library refused: never expected).
 */
int seal_close(const struct seal *s, uint64_t slot, uint64_t gen,
	       const void *in, size_t len, void *out);

/*
 * seal_open() - verify and decrypt the @inlen bytes at @in (what
 * seal_close() made for @slot and @gen) into @out, which receives
 * @inlen - SEAL_TAG bytes.  @in and @out must not overlap.
 * Return: 0; -EIO when the object does not open (altered, or sealed under
 * another slot, generation or key; @inlen below SEAL_TAG): @out then holds
 * nothing meaningful.
 */
int seal_open(const struct seal *s, uint64_t slot, uint64_t gen, const void *in,
	      size_t inlen, void *out);

/* seal_name() - "aes256gcm" or "xchacha20poly1305", the cipher in use. */
const char *seal_name(const struct seal *s);

#endif /* FZRAM_SEAL_H */
