/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor.h - the transport floor: a plain in-memory page map that stands in
 * for the store behind the block device (blockdev.c) in bench/fzram-floor,
 * a build of the daemon for benchmarks only (never installed).  It has no
 * compression, no allocator and no statistics: a read is one memcpy() from
 * the map, a write one memcpy() into it, a discard one memset().  What the
 * floor daemon costs per request is then the transport's own cost (the loop
 * worker, FUSE, the request loop, the reply), the least that any engine
 * behind the same daemon can cost; bench/vs-zram runs it beside fzram so
 * that every figure shows the distance to it.
 *
 * The map is one anonymous mapping of the device's size, made and
 * populated at start (MAP_POPULATE: the floor takes the device's size in
 * RAM, locked with the daemon's, see main.c, so that no write pays a page
 * fault, which a floor without an allocator must not); it does not change
 * size.  bench/vs-zram's memory figures for it therefore measure
 * nothing of use.
 *
 * Locks: none.  The block device's stripes keep writes of one block
 * apart; a read concurrent with a write of the same block may see part of
 * each (a bench has no such reads: swap does not read a slot it writes).
 */
#ifndef FZRAM_FLOOR_H
#define FZRAM_FLOOR_H

#include <stdint.h>

struct floor;

/*
 * floor_create() - a map of @bytes (a multiple of FZ_PAGE_SIZE), all zeros.
 * Return: 0 with *@out set; -ENOMEM.
 */
int floor_create(uint64_t bytes, struct floor **out);

/* floor_destroy() - unmap @f; NULL is ignored. */
void floor_destroy(struct floor *f);

/* floor_bytes() - the size the map was made with. */
uint64_t floor_bytes(const struct floor *f);

/* floor_load() - copy block @slot (below floor_bytes() / 4096) to @dst. */
void floor_load(const struct floor *f, uint64_t slot, void *dst);

/* floor_save() - copy the 4096 bytes at @src into block @slot. */
void floor_save(struct floor *f, uint64_t slot, const void *src);

/* floor_drop() - make block @slot read as zeros (one that reads as zeros
 * already is not written). */
void floor_drop(struct floor *f, uint64_t slot);

#endif /* FZRAM_FLOOR_H */
