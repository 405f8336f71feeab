// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_size.c - size_parse() (size.h) against a model written from its
 * header: a decimal number, then optionally one of k m g t (either case)
 * and after it "iB" or "B", then optionally one newline.  A well-formed
 * string whose value is above UINT64_MAX is -ERANGE, anything else
 * malformed -EINVAL, and *out is untouched on every error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "size.h"

#include <errno.h>
#include <string.h>

/* The model: the grammar first, the value after. */
static int model(const uint8_t *s, size_t len, uint64_t *out)
{
	size_t i = 0, digits_end;
	unsigned int shift = 0;
	unsigned __int128 v = 0;
	int over = 0;

	if (len && s[len - 1] == '\n')
		len--;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0)
		return -EINVAL;
	digits_end = i;
	if (i < len) {
		switch (s[i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -EINVAL;
		}
		i++;
		if (len - i == 2 && s[i] == 'i' && s[i + 1] == 'B')
			i += 2;
		else if (len - i == 1 && s[i] == 'B')
			i++;
	}
	if (i != len)
		return -EINVAL;
	for (i = 0; i < digits_end; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > UINT64_MAX)
			over = 1;
		if (over)
			break;
	}
	if (!over && (v << shift) > UINT64_MAX)
		over = 1;
	if (over)
		return -ERANGE;
	*out = (uint64_t)(v << shift);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t canary = 0x5a5a5a5a5a5a5a5aull;
	uint64_t got = canary, want = canary;
	int r, m;

	r = size_parse((const char *)data, size, &got);
	m = model(data, size, &want);
	fuzz_assert(r == m, "size_parse returned %d, the model %d", r, m);
	if (r)
		fuzz_assert(got == canary, "*out changed on error %d", r);
	else
		fuzz_assert(got == want, "size_parse gave %llu, the model %llu",
			    (unsigned long long)got, (unsigned long long)want);
	return 0;
}
