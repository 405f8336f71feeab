/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kswap.h - what the kernel says of a swap on an fzram file: the loop
 * devices attached to the file in a mount directory (sysfs
 * /sys/block/loopN/loop/backing_file) and the Used figure of those that are
 * swap (/proc/swaps).  Read by fzramctl (its SWAP-USED column) and by the
 * daemon's policy, which keeps in RAM no more slots than the kernel uses
 * (policy.h, "trim").  Nothing here changes the system; no locks.
 *
 * /proc/swaps escapes blanks in paths as octal (\040), as mountinfo does;
 * kswap_unescape() undoes it before any comparison.  A loop device belongs
 * to a mount when its backing file lies directly in the mount directory:
 * an fzram mount holds one writable file, whatever its name.
 */
#ifndef FZRAM_KSWAP_H
#define FZRAM_KSWAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* kswap_unescape() - undo the octal escapes (\040) of @s, in place. */
void kswap_unescape(char *s);

/*
 * kswap_loop_backing() - whether loop device @id is attached to a file
 * directly in @dir (an absolute path without a trailing '/').
 */
bool kswap_loop_backing(unsigned int id, const char *dir);

/*
 * kswap_used_parse() - find @dev in @f, text in /proc/swaps' form (a
 * header line, then "Filename Type Size Used Priority" with sizes in KiB
 * and blanks in the name escaped as \040), and put its Used column, in
 * bytes, in @used (left alone when @dev is missing or its Used is not a
 * number).
 * Return: 1 when @dev was found with a Used figure, 0 when it was not
 * listed, -EINVAL when it was but its line has no number in Used.
 */
int kswap_used_parse(FILE *f, const char *dev, uint64_t *used);

/*
 * kswap_dir_used() - the sum of /proc/swaps' Used of every loop device
 * attached to the file in @dir that is swap, in bytes, into @used.
 * Return: 1 (at least one is swap), 0 (none is: *@used 0), -errno
 * (/sys/block or /proc/swaps unreadable).
 */
int kswap_dir_used(const char *dir, uint64_t *used);

#endif /* FZRAM_KSWAP_H */
