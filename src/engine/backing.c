// SPDX-License-Identifier: GPL-2.0-or-later
/* backing.c - placeholder until the tier lands: every call fails. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "backing.h"

#include <errno.h>

int backing_create(const struct backing_config *cfg, struct backing **out)
{
	(void)cfg;
	(void)out;
	return -ENOSYS;
}

void backing_destroy(struct backing *bk) { (void)bk; }
const char *backing_path(const struct backing *bk) { (void)bk; return "none"; }
enum backing_kind backing_kind(const struct backing *bk) { (void)bk; return BK_KIND_FILE; }
bool backing_encrypted(const struct backing *bk) { (void)bk; return false; }
int backing_write(struct backing *bk, struct bk_item *items, unsigned int n)
{
	(void)bk; (void)items; (void)n;
	return -ENOSYS;
}
int backing_read(struct backing *bk, bk_id_t id, uint64_t slot, void *out,
		 unsigned int len)
{
	(void)bk; (void)id; (void)slot; (void)out; (void)len;
	return -EIO;
}
void backing_free(struct backing *bk, bk_id_t id) { (void)bk; (void)id; }
int64_t backing_compact(struct backing *bk) { (void)bk; return 0; }
uint64_t backing_maintain(struct backing *bk) { (void)bk; return 0; }
void backing_get_stats(struct backing *bk, struct backing_stats *st)
{
	(void)bk;
	*st = (struct backing_stats){0};
}
uint64_t backing_meta_bytes(struct backing *bk) { (void)bk; return 0; }
