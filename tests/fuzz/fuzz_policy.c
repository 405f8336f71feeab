// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_policy.c - policy_parse() (policy.h), the parser of the policy's
 * words in -o options, fzram-setup's tier-policy and user.fzram.policy.
 * The first input byte picks the settings parsed on top of (with or
 * without a backing store and a secondary algorithm) and the size of the
 * @why buffer; the rest is the line.  Checked: only 0 or -EINVAL; on
 * -EINVAL the settings are unchanged and @why is a NUL-terminated reason;
 * what is accepted passes policy_check(), and policy_format() of it reads
 * back (parsed over other settings) to the same line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "policy.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t why_lens[4] = {0, 1, 16, 256};
	struct policy_cfg cfg, before, again;
	char why[256], line1[512], line2[512];
	size_t why_len;
	int r, n1, n2;

	if (size < 1)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	policy_defaults(&cfg, data[0] & 1, data[0] & 2,
			(data[0] & 4) ? 0 : 1ull << 30);
	why_len = why_lens[(data[0] >> 3) & 3];
	memcpy(&before, &cfg, sizeof(cfg));
	memset(why, 'x', sizeof(why));
	r = policy_parse((const char *)data + 1, size - 1, &cfg,
			 why_len ? why : NULL, why_len);
	if (r) {
		fuzz_assert(r == -EINVAL, "policy_parse returned %d", r);
		fuzz_assert(!memcmp(&cfg, &before, sizeof(cfg)),
			    "settings changed on an error");
		if (why_len)
			fuzz_assert(memchr(why, '\0', why_len) &&
					    (why_len == 1 || why[0] != '\0'),
				    "no reason given");
		return 0;
	}
	fuzz_assert(policy_check(&cfg) == 0, "accepted settings fail the check");
	n1 = policy_format(&cfg, line1, sizeof(line1));
	fuzz_assert(n1 > 0 && (size_t)n1 < sizeof(line1) && line1[n1 - 1] == '\n',
		    "policy_format returned %d", n1);
	/* Read back over other settings: every setting must be in the line. */
	memset(&again, 0, sizeof(again));
	policy_defaults(&again, !(data[0] & 1), !(data[0] & 2), 7ull << 20);
	r = policy_parse(line1, (size_t)n1, &again, why, sizeof(why));
	fuzz_assert(r == 0, "policy_format's line '%s' refused: %s", line1, why);
	n2 = policy_format(&again, line2, sizeof(line2));
	fuzz_assert(n2 == n1 && !memcmp(line1, line2, (size_t)n1),
		    "'%.*s' read back as '%.*s'", n1, line1, n2 > 0 ? n2 : 0,
		    line2);
	return 0;
}
