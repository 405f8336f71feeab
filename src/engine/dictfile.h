/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dictfile.h - a compression dictionary read from a file, as
 * algorithm_params' dict=PATH and the dict= mount options name it, checked
 * so that a wrong file is a clear error and not a weak dictionary.
 */
#ifndef FZRAM_DICTFILE_H
#define FZRAM_DICTFILE_H

#include <stddef.h>

#include "codec.h"

/*
 * dictfile_load() - read the dictionary at @path and load it for @alg at
 * @level (codec_dict_load()).
 * @why: on an error, what is wrong, for the user ("is empty", "is not a
 *   zstd dictionary", ...), @why_len bytes at most; may be NULL.
 * Return: 0 with *@out holding one reference; -ENOENT, -EACCES and the
 * other errors of open() and read(); -EINVAL (not a regular file, empty,
 * larger than CODEC_DICT_MAX, or not a dictionary of @alg: zstd checks
 * its header); -ERANGE (@level out of range); -ENOMEM.
 * Context: reads a file and allocates: never on the request path.
 */
int dictfile_load(const char *path, enum codec_alg alg, int level,
		  struct codec_dict **out, char *why, size_t why_len);

#endif /* FZRAM_DICTFILE_H */
