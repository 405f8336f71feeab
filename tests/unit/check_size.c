// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_size.c - unit tests of size parsing: suffixes, limits, and every
 * malformed form refused without touching the result.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "size.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"

static int parse(const char *s, uint64_t *v)
{
	return size_parse(s, strlen(s), v);
}

START_TEST(test_good)
{
	static const struct {
		const char *in;
		uint64_t want;
	} t[] = {
		{"0", 0},           {"4096", 4096},
		{"1k", 1024},       {"1K", 1024},
		{"2M", 2 << 20},    {"2MiB", 2 << 20},
		{"3G", 3ULL << 30}, {"3g\n", 3ULL << 30},
		{"1T", 1ULL << 40}, {"5MB", 5 << 20},
		{"18446744073709551615", UINT64_MAX},
		{"16777215T", 16777215ULL << 40},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 1;

		ck_assert_msg(parse(t[i].in, &v) == 0, "%s refused", t[i].in);
		ck_assert_uint_eq(v, t[i].want);
	}
	/* not NUL-terminated: only @len counts */
	uint64_t v = 0;
	ck_assert_int_eq(size_parse("12345", 2, &v), 0);
	ck_assert_uint_eq(v, 12);
}
END_TEST

START_TEST(test_bad)
{
	static const char *const bad[] = {
		"", "\n", "banana", "-5", "+5", " 5", "5 ", "5X", "5KK",
		"5Ki", "5kb", "0x10", "1.5G", "5\n\n", "G", "5iB",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 77;

		ck_assert_msg(parse(bad[i], &v) == -EINVAL, "'%s' accepted",
			      bad[i]);
		ck_assert_uint_eq(v, 77);
	}
	uint64_t v = 77;
	ck_assert_int_eq(parse("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(parse("16777216T", &v), -ERANGE);
	ck_assert_int_eq(parse("18446744073709551616T\n", &v), -ERANGE);
	/* malformed beats too large (found by tests/fuzz/fuzz_size) */
	ck_assert_int_eq(parse("18446744073709551616x", &v), -EINVAL);
	ck_assert_int_eq(parse("99999999999999999999 ", &v), -EINVAL);
	ck_assert_int_eq(parse("99999999999999999999KB2", &v), -EINVAL);
	ck_assert_uint_eq(v, 77);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return check_run(s);
}
