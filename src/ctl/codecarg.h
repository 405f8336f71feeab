/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * codecarg.h - fzramctl's words for an algorithm, its level and its
 * dictionary, read and checked before anything is mounted, and written out
 * as fzram's mount options.
 *
 * The words come in the forms zram's tools use:
 *
 *   --recomp ALG[:LEVEL|:level=LEVEL][:dict=PATH]   fzram's recomp= form
 *   --recomp 'ALG(level=LEVEL,dict=PATH)'           zram-generator's form
 *   -p, --algorithm-params 'level=LEVEL dict=PATH'  zramctl's (util-linux
 *                                                   2.41), as zram's
 *                                                   algorithm_params
 *
 * and go out as fzram's options: recomp=ALG[:LEVEL][:dict=PATH] (recomp2=,
 * recomp3=) for a secondary algorithm, level= and dict= for the primary.
 * A level is checked against the algorithm's range (codec_level_range()).
 * A dictionary is made absolute (the daemon runs from /: a relative path
 * is resolved here, with realpath(), so it names the file the user meant)
 * and loaded once here as the daemon will load it (codec_dict_load(), for
 * that algorithm at that level), so that a missing, empty, unreadable or
 * garbage file is told before anything is mounted.  A path that cannot go
 * into the option is refused: a ':' in a secondary's (it ends recomp='s
 * fields); commas are escaped by setup_fzram_opts(), as for --backing.
 *
 * Errors are returned as a sentence in @why (no option name: the caller
 * prefixes it), never printed here.
 */
#ifndef FZRAM_CODECARG_H
#define FZRAM_CODECARG_H

#include <stdbool.h>
#include <stddef.h>

#define CODECARG_DICT_MAX 4095 /* bytes of a dictionary path (PATH_MAX - 1) */
#define CODECARG_WHY_LEN 256   /* enough for any @why, with the value cut */

/* One algorithm with its parameters, as given (before codecarg_check()). */
struct codecarg {
	const char *alg;   /* codec_name() of the algorithm; NULL: not given */
	bool level_set;	   /* a level was given */
	int level;	   /* the level, when @level_set */
	char dict[CODECARG_DICT_MAX + 1]; /* the dictionary; "" for none;
					     absolute after codecarg_check() */
};

/*
 * codecarg_parse_recomp() - read @s, in fzram's or zram-generator's form
 * (see the top of this file), into @out: the algorithm, level= (or a bare
 * level after the colon) and dict= (parenthesised: comma- or blank-separated,
 * each at most once).  Levels are only read here: codecarg_check() checks
 * their range.
 * Return: 0, or -EINVAL with @why (@why_len bytes) saying what is wrong; on
 * error @out is unspecified.
 */
int codecarg_parse_recomp(const char *s, struct codecarg *out, char *why,
			  size_t why_len);

/*
 * codecarg_parse_params() - read zramctl's -p value @s ("level=N dict=PATH",
 * blank-separated, each at most once, at least one) into @out's level and
 * dict; @out->alg is left alone.
 * Return: 0, or -EINVAL with @why; on error @out is unspecified.
 */
int codecarg_parse_params(const char *s, struct codecarg *out, char *why,
			  size_t why_len);

/*
 * codecarg_check() - check @a (its algorithm, or lz4 when NULL): the level
 * in range, the dictionary (if any) an existing regular file that loads as
 * a dictionary of that algorithm at that level; @a->dict is then made
 * absolute (realpath()).  @secondary: the path goes into recomp=, where it
 * may not hold ':'.
 * Return: 0, or -EINVAL / -ENOENT (with errno's words) with @why; @a is
 * changed only on success.
 */
int codecarg_check(struct codecarg *a, bool secondary, char *why,
		   size_t why_len);

/*
 * codecarg_recomp_value() - fzram's recomp= value of checked @a,
 * "ALG[:LEVEL][:dict=PATH]", into @buf (@len bytes), unescaped.
 * Return: 0, or -ENAMETOOLONG.
 */
int codecarg_recomp_value(const struct codecarg *a, char *buf, size_t len);

#endif /* FZRAM_CODECARG_H */
