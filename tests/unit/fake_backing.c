// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_backing.c - backing.h in memory, for the store's tier tests: every
 * object is kept in a table with the slot it was written for, so a test can
 * count live objects (leaks), bound the space (ENOSPC), make writes or
 * reads fail, and run code in the middle of a write (a slot overwritten or
 * discarded while its writeback is in flight).  Thread-safe: one mutex.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fake_backing.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_OBJECTS 65536

struct fake_obj {
	bool live;
	uint64_t slot;
	unsigned int len;
	unsigned char data[BK_MAX_OBJECT];
};

struct backing {
	pthread_mutex_t lock;
	struct fake_obj *obj; /* [FAKE_MAX_OBJECTS], id = index + 1 */
	uint64_t live, data_bytes, reads, writes;
};

struct fake_control fake_ctl;

int backing_create(const struct backing_config *cfg, struct backing **out)
{
	struct backing *bk = calloc(1, sizeof(*bk));

	(void)cfg;
	if (!bk)
		return -ENOMEM;
	bk->obj = calloc(FAKE_MAX_OBJECTS, sizeof(*bk->obj));
	if (!bk->obj) {
		free(bk);
		return -ENOMEM;
	}
	pthread_mutex_init(&bk->lock, NULL);
	*out = bk;
	return 0;
}

void backing_destroy(struct backing *bk)
{
	if (!bk)
		return;
	pthread_mutex_destroy(&bk->lock);
	free(bk->obj);
	free(bk);
}

const char *backing_path(const struct backing *bk)
{
	(void)bk;
	return "fake";
}

enum backing_kind backing_kind(const struct backing *bk)
{
	(void)bk;
	return BK_KIND_FILE;
}

bool backing_encrypted(const struct backing *bk)
{
	(void)bk;
	return true;
}

int backing_write(struct backing *bk, struct bk_item *items, unsigned int n)
{
	int written = 0;

	if (n < 1 || n > BK_MAX_BATCH)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (items[i].len < 1 || items[i].len > BK_MAX_OBJECT)
			return -EINVAL;
	pthread_mutex_lock(&bk->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct bk_item *it = &items[i];
		bk_id_t id = 0;

		it->id = 0;
		it->err = 0;
		if (fake_ctl.fail_writes) {
			it->err = fake_ctl.fail_writes;
			continue;
		}
		if (fake_ctl.capacity && bk->live >= fake_ctl.capacity) {
			it->err = -ENOSPC;
			continue;
		}
		for (uint32_t k = 0; k < FAKE_MAX_OBJECTS; k++)
			if (!bk->obj[k].live) {
				id = k + 1;
				break;
			}
		if (!id) {
			it->err = -ENOSPC;
			continue;
		}
		bk->obj[id - 1].live = true;
		bk->obj[id - 1].slot = it->slot;
		bk->obj[id - 1].len = it->len;
		memcpy(bk->obj[id - 1].data, it->data, it->len);
		bk->live++;
		bk->data_bytes += it->len;
		bk->writes++;
		it->id = id;
		written++;
	}
	pthread_mutex_unlock(&bk->lock);
	/* "during the I/O": the store holds no lock now */
	if (fake_ctl.during_write)
		fake_ctl.during_write(fake_ctl.arg);
	return written;
}

int backing_read(struct backing *bk, bk_id_t id, uint64_t slot, void *out,
		 unsigned int len)
{
	struct fake_obj *o;
	int ret = 0;

	pthread_mutex_lock(&bk->lock);
	if (!id || id > FAKE_MAX_OBJECTS || !bk->obj[id - 1].live) {
		ret = -EINVAL;
		goto out;
	}
	o = &bk->obj[id - 1];
	if (o->len != len) {
		ret = -EINVAL;
		goto out;
	}
	/* as the seal: an object read for another slot does not open */
	if (o->slot != slot || fake_ctl.fail_reads) {
		ret = -EIO;
		goto out;
	}
	memcpy(out, o->data, len);
	bk->reads++;
out:
	pthread_mutex_unlock(&bk->lock);
	return ret;
}

void backing_free(struct backing *bk, bk_id_t id)
{
	if (!id)
		return;
	pthread_mutex_lock(&bk->lock);
	if (id <= FAKE_MAX_OBJECTS && bk->obj[id - 1].live) {
		bk->obj[id - 1].live = false;
		bk->live--;
		bk->data_bytes -= bk->obj[id - 1].len;
	} else {
		fake_ctl.bad_frees++;
	}
	pthread_mutex_unlock(&bk->lock);
}

int64_t backing_compact(struct backing *bk)
{
	int64_t freed;

	pthread_mutex_lock(&bk->lock);
	freed = (int64_t)fake_ctl.compact_room * 4096;
	fake_ctl.capacity += fake_ctl.compact_room;
	fake_ctl.compact_room = 0;
	pthread_mutex_unlock(&bk->lock);
	return freed;
}

uint64_t backing_maintain(struct backing *bk)
{
	(void)bk;
	return 0;
}

void backing_get_stats(struct backing *bk, struct backing_stats *st)
{
	pthread_mutex_lock(&bk->lock);
	/* a size, so that the policy sees room: a page per object it takes,
	 * and the dead space a compaction would give back */
	*st = (struct backing_stats){.size = ((fake_ctl.capacity
						       ? fake_ctl.capacity
						       : FAKE_MAX_OBJECTS) +
					      fake_ctl.compact_room) *
					     4096,
				     .objects = bk->live,
				     .data_bytes = bk->data_bytes,
				     .stored_bytes = bk->data_bytes,
				     .used_bytes = bk->data_bytes,
				     .reads = bk->reads,
				     .writes = bk->writes};
	pthread_mutex_unlock(&bk->lock);
}

uint64_t backing_meta_bytes(struct backing *bk)
{
	(void)bk;
	return 0;
}

uint64_t fake_backing_live(struct backing *bk)
{
	uint64_t n;

	pthread_mutex_lock(&bk->lock);
	n = bk->live;
	pthread_mutex_unlock(&bk->lock);
	return n;
}
