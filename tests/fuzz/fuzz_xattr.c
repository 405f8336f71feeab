// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_xattr.c - every user.fzram.* attribute written with outside values,
 * on a live store holding pages, through xattr_set() (xattr.h) as fs.c
 * calls it, and the four value parsers called directly.
 *
 * The input is text, a line a record: "NAME=VALUE" writes VALUE to
 * user.fzram.NAME ("+NAME=VALUE" with a newline after VALUE, as echo
 * writes it), "!wb VALUE", "!ra VALUE", "!ap VALUE" and "!rc VALUE" call
 * the writeback, recomp_algorithm, algorithm_params and recompress
 * parsers directly.  After every write: the return is one that xattr.h
 * documents (-ENODATA exactly for a name fzram does not have); at the
 * end every attribute still reads, and every page reads back as it was
 * written, whatever the writes asked (compaction, idle marking,
 * recompression, limits: none may change what a slot holds).  A parser's
 * accepted result is checked against what its header promises.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "store.h"
#include "xattr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define NR_SLOTS 64u
#define NR_WRITTEN 48u /* slots 0..47 hold pages, the rest nothing */

static char names[4096];
static int names_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	names_len = xattr_list(names, sizeof(names));
	if (names_len <= 0)
		fuzz_fail("xattr_list returned %d", names_len);
	return 0;
}

/* Whether @name (NUL-terminated) is one xattr_list() names. */
static int known(const char *name)
{
	int i = 0;

	/* sample: hidden from the list (binary, for fzramctl), read-only */
	if (!strcmp(name, FZ_XATTR_PREFIX "sample"))
		return 1;
	while (i < names_len) {
		if (!strcmp(names + i, name))
			return 1;
		i += (int)strlen(names + i) + 1;
	}
	return 0;
}

/* Page @slot's content: kinds that reach each way of storing a page. */
static void page_of(unsigned int slot, uint8_t *p)
{
	unsigned int i;
	uint32_t x = 2654435761u * (slot + 1);

	switch (slot % 4) {
	case 0: /* one repeated word: same-filled */
		for (i = 0; i < FZ_PAGE_SIZE; i += 4)
			memcpy(p + i, &x, 4);
		break;
	case 1: /* text-like: compresses well */
		for (i = 0; i < FZ_PAGE_SIZE; i++)
			p[i] = (uint8_t)("fzram swaps pages "[(i + slot) % 18]);
		break;
	case 2: /* half noise */
		for (i = 0; i < FZ_PAGE_SIZE; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = i % 2 ? (uint8_t)(x >> 16) : 0;
		}
		break;
	default: /* noise: stored raw */
		for (i = 0; i < FZ_PAGE_SIZE; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = (uint8_t)(x >> 16);
		}
	}
}

static int documented(int r)
{
	switch (r) {
	case 0: case -ENODATA: case -EPERM: case -EINVAL: case -EBUSY:
	case -ENOENT: case -ERANGE: case -ENOSPC: case -ENOMEM: case -EIO:
	case -ENODEV: case -ECANCELED: case -EACCES:
		return 1;
	}
	return 0;
}

static void check_parser(int which, const char *v, size_t len)
{
	switch (which) {
	case 0: {
		struct store_wb_req req;
		unsigned int i;

		if (xattr_parse_writeback(v, len, NR_SLOTS, &req))
			return;
		fuzz_assert(req.nranges <= STORE_WB_MAX_RANGES, "%u ranges",
			    req.nranges);
		for (i = 0; i < req.nranges; i++)
			fuzz_assert(req.range[i].lo <= req.range[i].hi &&
					    req.range[i].hi < NR_SLOTS,
				    "range %llu-%llu accepted",
				    (unsigned long long)req.range[i].lo,
				    (unsigned long long)req.range[i].hi);
		return;
	}
	case 1: {
		unsigned int prio = 0;
		enum codec_alg alg;

		if (xattr_parse_recomp_algorithm(v, len, &prio, &alg))
			return;
		fuzz_assert(prio >= 1 && prio <= STORE_MAX_PRIO,
			    "priority %u accepted", prio);
		fuzz_assert(codec_name(alg) != NULL, "algorithm %d accepted",
			    (int)alg);
		return;
	}
	case 2: {
		struct xattr_algo_params p;

		if (xattr_parse_algorithm_params(v, len, &p))
			return;
		fuzz_assert(p.prio >= -1 && p.prio <= STORE_MAX_PRIO,
			    "priority %d accepted", p.prio);
		fuzz_assert(p.prio >= 0 || p.alg >= 0, "no algorithm named");
		if (p.dict) {
			fuzz_assert(p.dict_len > 0 && p.dict >= v &&
					    p.dict + p.dict_len <= v + len,
				    "dict= outside the value");
			fuzz_assert(!memchr(p.dict, ' ', p.dict_len),
				    "dict= with a space");
		}
		return;
	}
	default: {
		struct store_recomp_req req;
		int alg;

		if (xattr_parse_recompress(v, len, &req, &alg))
			return;
		fuzz_assert(req.prio <= STORE_MAX_PRIO, "priority %u accepted",
			    (unsigned int)req.prio);
		fuzz_assert(req.threshold <= FZ_PAGE_SIZE,
			    "threshold %u accepted", (unsigned int)req.threshold);
		fuzz_assert(alg == -1 || codec_name((enum codec_alg)alg),
			    "algorithm %d accepted", alg);
	}
	}
}

static void read_all(const struct xattr_ctx *x)
{
	static char buf[FZ_SAMPLE_MAX];
	int i = 0;

	while (i < names_len) {
		int r = xattr_get(x, names + i, buf, sizeof(buf));

		fuzz_assert(r >= 0 || r == -ENOMEM, "reading %s: %d",
			    names + i, r);
		i += (int)strlen(names + i) + 1;
	}
}

/* One line's record, @line of @len bytes (no newline). */
static void record(const struct xattr_ctx *x, const char *line, size_t len)
{
	static const char *const parsers[4] = {"!wb ", "!ra ", "!ap ", "!rc "};
	static char name[300], value[XATTR_VALUE_MAX + 64];
	const char *eq;
	size_t nlen, vlen;
	bool nl = false;
	int i, r;

	for (i = 0; i < 4; i++)
		if (len >= 4 && !memcmp(line, parsers[i], 4)) {
			check_parser(i, line + 4, len - 4);
			return;
		}
	if (len && line[0] == '+') {
		nl = true;
		line++;
		len--;
	}
	eq = memchr(line, '=', len);
	if (!eq)
		return;
	nlen = (size_t)(eq - line);
	vlen = len - nlen - 1;
	if (nlen > 200 || vlen > sizeof(value) - 1)
		return;
	memcpy(name, FZ_XATTR_PREFIX, strlen(FZ_XATTR_PREFIX));
	memcpy(name + strlen(FZ_XATTR_PREFIX), line, nlen);
	name[strlen(FZ_XATTR_PREFIX) + nlen] = '\0';
	if (memchr(name, '\0', strlen(FZ_XATTR_PREFIX) + nlen))
		return; /* a NUL in the name: the kernel never sends one */
	memcpy(value, eq + 1, vlen);
	if (nl)
		value[vlen++] = '\n';
	r = xattr_set(x, name, value, vlen);
	fuzz_assert(documented(r), "%s='%.*s': %d", name, (int)vlen, value, r);
	fuzz_assert((r == -ENODATA) == !known(name),
		    "%s ('%.*s'): %d, and the name is %s", name, (int)vlen,
		    value, r, known(name) ? "known" : "unknown");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_config cfg = {.size = NR_SLOTS * FZ_PAGE_SIZE,
				   .level = CODEC_LEVEL_DEFAULT};
	static uint8_t page[FZ_PAGE_SIZE], want[FZ_PAGE_SIZE];
	struct xattr_ctx x = {.wait = true};
	struct store *s;
	size_t i = 0;
	unsigned int slot;
	int r;

	r = store_create(&cfg, &s);
	if (r)
		fuzz_fail("store_create: %d", r);
	for (slot = 0; slot < NR_WRITTEN; slot++) {
		page_of(slot, page);
		if (store_write(s, slot, page))
			fuzz_fail("store_write %u", slot);
	}
	x.store = s;
	while (i < size) {
		const char *line = (const char *)data + i;
		const char *end = memchr(line, '\n', size - i);
		size_t len = end ? (size_t)(end - line) : size - i;

		record(&x, line, len);
		i += len + 1;
	}
	read_all(&x);
	for (slot = 0; slot < NR_SLOTS; slot++) {
		r = store_read(s, slot, page);
		fuzz_assert(r == 0, "store_read %u: %d", slot, r);
		if (slot < NR_WRITTEN)
			page_of(slot, want);
		else
			memset(want, 0, sizeof(want));
		fuzz_assert(!memcmp(page, want, FZ_PAGE_SIZE),
			    "slot %u changed", slot);
	}
	store_destroy(s);
	return 0;
}
