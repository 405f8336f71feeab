/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * size.h - parse and print byte sizes the way zram's sysfs files and
 * util-linux take them: a decimal number with an optional binary suffix
 * K, M, G or T (upper or lower case, optionally followed by "iB" or "B"),
 * as the kernel's memparse() does.
 */
#ifndef FZRAM_SIZE_H
#define FZRAM_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * size_parse() - parse @len bytes at @str (need not be NUL-terminated; one
 * trailing newline is allowed) into *@out.
 * Return: 0; -EINVAL (empty, a sign, not a number, unknown suffix, trailing
 * garbage, even with digits above UINT64_MAX); -ERANGE (well formed but
 * above UINT64_MAX).  *@out is untouched on error.
 */
int size_parse(const char *str, size_t len, uint64_t *out);

#endif /* FZRAM_SIZE_H */
