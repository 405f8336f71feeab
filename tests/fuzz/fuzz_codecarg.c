// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_codecarg.c - fzramctl's algorithm words (codecarg.h): --recomp in
 * fzram's and zram-generator's forms, and -p/--algorithm-params.  The first
 * byte picks the parser; the rest, up to a NUL, is the argument.  Checked:
 * 0 or -EINVAL with a reason; an accepted --recomp without a dictionary
 * whose level is in range is written out as fzram's recomp= value
 * (codecarg_recomp_value()) and that value reads back to the same
 * algorithm and level.  No dictionary path is opened: the fuzzer's paths
 * are not files of ours to read.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "codecarg.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct codecarg a, back;
	char why[CODECARG_WHY_LEN], value[CODECARG_DICT_MAX + 64];
	char *s;
	int r;

	if (size < 1 || size > 8192)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	memset(&a, 0, sizeof(a));
	why[0] = '\0';
	if (data[0] & 1)
		r = codecarg_parse_params(s, &a, why, sizeof(why));
	else
		r = codecarg_parse_recomp(s, &a, why, sizeof(why));
	if (r) {
		fuzz_assert(r == -EINVAL, "'%s' gave %d", s, r);
		fuzz_assert(why[0] && memchr(why, '\0', sizeof(why)),
			    "'%s' refused without a reason", s);
		free(s);
		return 0;
	}
	if ((data[0] & 1) || !a.alg || a.dict[0]) {
		free(s);
		return 0;
	}
	fuzz_assert(strlen(a.dict) <= CODECARG_DICT_MAX, "dict too long");
	r = codecarg_check(&a, true, why, sizeof(why));
	if (r) {
		fuzz_assert(r == -EINVAL, "check of '%s' gave %d", s, r);
		free(s);
		return 0;
	}
	r = codecarg_recomp_value(&a, value, sizeof(value));
	fuzz_assert(r == 0, "recomp value of '%s': %d", s, r);
	memset(&back, 0, sizeof(back));
	r = codecarg_parse_recomp(value, &back, why, sizeof(why));
	fuzz_assert(r == 0, "'%s' (from '%s') refused: %s", value, s, why);
	fuzz_assert(back.alg && !strcmp(back.alg, a.alg) &&
			    back.level_set == a.level_set &&
			    (!a.level_set || back.level == a.level) &&
			    !back.dict[0],
		    "'%s' read back from '%s' differs", value, s);
	free(s);
	return 0;
}
