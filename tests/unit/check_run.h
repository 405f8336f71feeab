/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_run.h - the one main() every unit test shares: run a suite with
 * Check, exit non-zero when a test failed (automake counts it as FAIL).
 */
#ifndef FZRAM_CHECK_RUN_H
#define FZRAM_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* FZRAM_CHECK_RUN_H */
