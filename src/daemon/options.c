// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * options.c - the option table and its checks.  fuse_opt_parse() walks the
 * command line once with our key table; each of our options is checked as
 * it is met, so a malformed value stops the parse with one message naming
 * the option and its accepted form.  What is not ours is kept for libfuse,
 * which reports what it does not know when the session is created.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fs.h" /* FUSE_USE_VERSION, before any FUSE header */
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "cpulat.h"
#include "loop.h"
#include "size.h"
#include "store.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

enum opts_key {
	OPTS_KEY_SIZE,
	OPTS_KEY_ALGORITHM,
	OPTS_KEY_LEVEL,
	OPTS_KEY_MEM_LIMIT,
	OPTS_KEY_FILE,
	OPTS_KEY_NOMLOCK,
	OPTS_KEY_POLL_US,
	OPTS_KEY_URING,
	OPTS_KEY_CPU_LATENCY,
	OPTS_KEY_CPU_LATENCY_HOLD,
	OPTS_KEY_THREADS,
	OPTS_KEY_BACKING,
	OPTS_KEY_BACKING_SIZE,
	OPTS_KEY_BACKING_ENCRYPT,
	OPTS_KEY_RECOMP,
	OPTS_KEY_RECOMP2,
	OPTS_KEY_RECOMP3,
	OPTS_KEY_DICT,
	OPTS_KEY_POLICY,
	OPTS_KEY_POLICY_WORD, /* age=, cpu=...: policy_parse()'s words */
	OPTS_NR_KEYS
};

static const struct fuse_opt opts_table[] = {
    FUSE_OPT_KEY("size=", OPTS_KEY_SIZE),
    FUSE_OPT_KEY("algorithm=", OPTS_KEY_ALGORITHM),
    FUSE_OPT_KEY("level=", OPTS_KEY_LEVEL),
    FUSE_OPT_KEY("mem_limit=", OPTS_KEY_MEM_LIMIT),
    FUSE_OPT_KEY("file=", OPTS_KEY_FILE),
    FUSE_OPT_KEY("nomlock", OPTS_KEY_NOMLOCK),
    FUSE_OPT_KEY("poll_us=", OPTS_KEY_POLL_US),
    FUSE_OPT_KEY("uring", OPTS_KEY_URING),
    FUSE_OPT_KEY("cpu_latency=", OPTS_KEY_CPU_LATENCY),
    FUSE_OPT_KEY("cpu_latency_hold=", OPTS_KEY_CPU_LATENCY_HOLD),
    FUSE_OPT_KEY("threads=", OPTS_KEY_THREADS),
    FUSE_OPT_KEY("backing=", OPTS_KEY_BACKING),
    FUSE_OPT_KEY("backing_size=", OPTS_KEY_BACKING_SIZE),
    FUSE_OPT_KEY("backing_encrypt=", OPTS_KEY_BACKING_ENCRYPT),
    FUSE_OPT_KEY("recomp=", OPTS_KEY_RECOMP),
    FUSE_OPT_KEY("recomp2=", OPTS_KEY_RECOMP2),
    FUSE_OPT_KEY("recomp3=", OPTS_KEY_RECOMP3),
    FUSE_OPT_KEY("dict=", OPTS_KEY_DICT),
    FUSE_OPT_KEY("policy=", OPTS_KEY_POLICY),
    FUSE_OPT_KEY("age=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("recomp_after=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("wb_after=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("wb_daily=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("cpu=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("spill=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("high=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("low=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("compact=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("read_factor=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("psi=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_KEY("trim=", OPTS_KEY_POLICY_WORD),
    FUSE_OPT_END};

#define SIZE_FORM "BYTES with optional K, M, G or T suffix"

static int opts_bad(const char *opt, const char *value, const char *why)
{
	fprintf(stderr, "fzram: %s: '%s' %s\n", opt, value, why);
	return -1;
}

static int opts_size(const char *opt, const char *value, uint64_t *out)
{
	int err = size_parse(value, strlen(value), out);

	if (err == -ERANGE)
		return opts_bad(opt, value, "is too large");
	if (err)
		return opts_bad(opt, value, "is not a size (" SIZE_FORM ")");
	return 0;
}

static int opts_set_size(struct opts *o, const char *value)
{
	uint64_t size;

	if (opts_size("size", value, &size))
		return -1;
	if (size == 0)
		return opts_bad("size", value, "is not above 0");
	if (size % FZ_PAGE_SIZE)
		return opts_bad("size", value, "is not a multiple of 4096");
	if (size / FZ_PAGE_SIZE > STORE_MAX_SLOTS)
		return opts_bad("size", value, "is above the maximum of 16T");
	o->size = size;
	o->size_set = true;
	return 0;
}

static int opts_set_algorithm(struct opts *o, const char *value)
{
	int alg;

	for (alg = 0; alg < CODEC_NR_ALGS; alg++) {
		if (strcmp(value, codec_name(alg)) == 0) {
			o->algorithm = codec_name(alg);
			return 0;
		}
	}
	return opts_bad("algorithm", value, "is not one of " CODEC_NAME_LIST);
}

static int opts_set_level(struct opts *o, const char *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (!*value || *end || errno || v < INT_MIN || v > INT_MAX)
		return opts_bad("level", value, "is not an integer");
	o->level = (int)v;
	o->level_set = true;
	return 0;
}

/* A whole number from @min to @max, no sign, no suffix. */
static int opts_uint(const char *value, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	char *end;

	if (*value < '0' || *value > '9')
		return -1; /* no blank, sign or empty value */
	errno = 0;
	*out = strtoul(value, &end, 10);
	if (*end || errno || *out < min || *out > max)
		return -1;
	return 0;
}

static int opts_set_poll_us(struct opts *o, const char *value)
{
	unsigned long v;

	if (opts_uint(value, 0, ULONG_MAX, &v))
		return opts_bad("poll_us", value, "is not a number of microseconds");
	if (v > FZ_LOOP_MAX_POLL_US)
		return opts_bad("poll_us", value, "is above the maximum of 100000");
	o->poll_us = (unsigned int)v;
	return 0;
}

_Static_assert(CPULAT_MAX_US == 100000 && CPULAT_MAX_HOLD_MS == 10000,
	       "opts_set_cpu_latency*() say 100000 and 10000");

static int opts_set_cpu_latency(struct opts *o, const char *value)
{
	unsigned long v;

	if (strcmp(value, "off") == 0) {
		o->cpu_latency_us = -1;
		o->cpu_latency_set = true;
		return 0;
	}
	if (opts_uint(value, 0, CPULAT_MAX_US, &v))
		return opts_bad("cpu_latency", value,
				"is not off or a number of microseconds from "
				"0 to 100000");
	o->cpu_latency_us = (int)v;
	o->cpu_latency_set = true;
	return 0;
}

static int opts_set_cpu_latency_hold(struct opts *o, const char *value)
{
	unsigned long v;

	if (opts_uint(value, 1, CPULAT_MAX_HOLD_MS, &v))
		return opts_bad("cpu_latency_hold", value,
				"is not a number of milliseconds from 1 to "
				"10000");
	o->cpu_latency_hold_ms = (unsigned int)v;
	o->cpu_latency_set = true; /* a hold was asked for: warn without one */
	return 0;
}

_Static_assert(FZ_LOOP_MAX_THREADS == 256, "opts_set_threads() says 256");

static int opts_set_threads(struct opts *o, const char *value)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (!*value || *end || errno || *value == '-' || *value == '+' ||
	    v < 1 || v > FZ_LOOP_MAX_THREADS)
		return opts_bad("threads", value,
				"is not a number of threads from 1 to 256");
	o->threads = (unsigned int)v;
	return 0;
}

static int opts_set_file(struct opts *o, const char *value)
{
	if (!*value || strchr(value, '/') || !strcmp(value, ".") ||
	    !strcmp(value, "..") || strlen(value) > FZ_NAME_MAX)
		return opts_bad("file", value,
				"is not a file name (1 to 255 bytes, no '/', "
				"not . or ..)");
	if (!strcmp(value, FZ_STATE_NAME))
		return opts_bad(
		    "file", value,
		    "is the name of the per-slot dump (" FZ_STATE_NAME ")");
	free(o->file);
	o->file = strdup(value);
	return o->file ? 0 : -1;
}

/*
 * What the path is gets checked when it is opened (backing_create()); here
 * only that there is one.  A relative path is made absolute: the daemon
 * changes to / when it detaches, and user.fzram.backing_dev shows the path.
 */
static int opts_abs_path(const char *opt, const char *value, char **out)
{
	char cwd[PATH_MAX];
	int n;

	free(*out);
	*out = NULL;
	if (*value == '/') {
		*out = strdup(value);
		n = (int)strlen(value);
	} else if (getcwd(cwd, sizeof(cwd))) {
		n = asprintf(out, "%s/%s", cwd, value);
		if (n < 0)
			*out = NULL;
	} else {
		return opts_bad(opt, value,
				"is relative and the current directory is "
				"unknown");
	}
	if (!*out) {
		fprintf(stderr, "fzram: out of memory\n");
		return -1;
	}
	if (n >= PATH_MAX)
		return opts_bad(opt, value, "is too long");
	return 0;
}

static int opts_set_backing(struct opts *o, const char *value)
{
	if (!*value)
		return opts_bad("backing", value,
				"is not a path (a file, a block device or a "
				"directory)");
	return opts_abs_path("backing", value, &o->backing);
}

/* dict=PATH: the primary's dictionary, read and checked in main.c once
 * the level is known (a relative path made absolute, as backing=). */
static int opts_set_dict(struct opts *o, const char *value)
{
	if (!*value)
		return opts_bad("dict", value,
				"is not a path (a dictionary file, see "
				"fzramctl --train-dict)");
	return opts_abs_path("dict", value, &o->dict[0]);
}

static int opts_set_backing_size(struct opts *o, const char *value)
{
	if (opts_size("backing_size", value, &o->backing_size))
		return -1;
	if (o->backing_size == 0)
		return opts_bad("backing_size", value, "is not above 0");
	o->backing_size_set = true;
	return 0;
}

static int opts_set_backing_encrypt(struct opts *o, const char *value)
{
	static const char *const on[] = {"on", "1", "yes"};
	static const char *const off[] = {"off", "0", "no"};

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (strcmp(value, on[i]) == 0 || strcmp(value, off[i]) == 0) {
			o->backing_encrypt = strcmp(value, on[i]) == 0;
			o->backing_encrypt_set = true;
			return 0;
		}
	}
	return opts_bad("backing_encrypt", value,
			"is not on or off (or 1/0, yes/no)");
}

/*
 * recomp=ALG[:LEVEL][:dict=PATH] (LEVEL also as level=LEVEL, as
 * zram-generator writes zstd(level=19)): the secondary algorithm of
 * priority @prio, checked here, set on the store after it is made
 * (main.c).  dict= comes last and takes the rest of the value, so that a
 * path may hold a colon.
 */
static int opts_set_recomp(struct opts *o, unsigned int prio,
			   const char *value)
{
	static const char *const optname[] = {NULL, "recomp", "recomp2",
					      "recomp3"};
	const char *colon = strchr(value, ':'), *item;
	size_t alen = colon ? (size_t)(colon - value) : strlen(value);
	const char *alg = NULL;
	bool level_seen = false;
	int min, max, def;
	struct codec c;

	_Static_assert(STORE_MAX_PRIO == 3, "recomp, recomp2, recomp3");
	for (int i = 0; i < CODEC_NR_ALGS; i++)
		if (strlen(codec_name(i)) == alen &&
		    strncmp(value, codec_name(i), alen) == 0)
			alg = codec_name(i);
	if (!alg) {
		fprintf(stderr, "fzram: %s: '%.*s' is not one of "
			CODEC_NAME_LIST "\n", optname[prio], (int)alen, value);
		return -1;
	}
	o->recomp[prio] = alg;
	o->recomp_level[prio] = CODEC_LEVEL_DEFAULT;
	free(o->dict[prio]);
	o->dict[prio] = NULL;
	for (item = colon; item; item = strchr(item, ':')) {
		const char *lv = ++item;
		size_t ilen = strcspn(item, ":");
		char num[24], *end;
		long v;

		if (strncmp(item, "dict=", 5) == 0) {
			if (!item[5])
				return opts_bad(optname[prio], value,
						"names no dictionary file "
						"after dict=");
			return opts_abs_path(optname[prio], item + 5,
					     &o->dict[prio]);
		}
		if (strncmp(lv, "level=", 6) == 0)
			lv += 6;
		if (level_seen || !ilen || ilen >= sizeof(num) ||
		    lv >= item + ilen)
			return opts_bad(optname[prio], value,
					"is not ALGORITHM[:LEVEL][:dict=PATH] "
					"(LEVEL an integer)");
		snprintf(num, sizeof(num), "%.*s", (int)(item + ilen - lv),
			 lv);
		errno = 0;
		v = strtol(num, &end, 10);
		if (*end || errno || v < INT_MIN || v > INT_MAX)
			return opts_bad(optname[prio], value,
					"is not ALGORITHM[:LEVEL][:dict=PATH] "
					"(LEVEL an integer)");
		if (codec_init(&c, alg, (int)v)) {
			codec_level_range(alg, &min, &max, &def);
			fprintf(stderr,
				"fzram: %s: '%s': level %ld is out of range "
				"for %s (%d to %d)\n",
				optname[prio], value, v, alg, min, max);
			return -1;
		}
		o->recomp_level[prio] = (int)v;
		level_seen = true;
	}
	return 0;
}

static int opts_set_policy(struct opts *o, const char *value)
{
	if (strcmp(value, "on") && strcmp(value, "off"))
		return opts_bad("policy", value, "is not on or off");
	o->policy_off = strcmp(value, "off") == 0;
	return 0;
}

/*
 * One of the policy's options, "age=30": checked alone (high and low
 * against each other once all are known, opts_policy()), then kept.
 */
static int opts_add_policy_word(struct opts *o, const char *arg)
{
	struct policy_cfg c;
	size_t had = o->policy_words ? strlen(o->policy_words) : 0;
	size_t n = strlen(arg);
	char why[128];
	char *w;

	policy_defaults(&c, true, true, 0);
	c.low_pct = 0; /* any high, any low, until both are known */
	c.high_pct = 100;
	if (policy_parse(arg, n, &c, why, sizeof(why))) {
		fprintf(stderr, "fzram: %s\n", why);
		return -1;
	}
	w = realloc(o->policy_words, had + n + 2);
	if (!w) {
		fprintf(stderr, "fzram: out of memory\n");
		return -1;
	}
	if (had)
		w[had++] = ' ';
	memcpy(w + had, arg, n + 1);
	o->policy_words = w;
	return 0;
}

int opts_policy(const struct opts *o, uint64_t backing_bytes,
		struct policy_cfg *out)
{
	bool secondary = false;
	char why[128];

	for (unsigned int i = 1; i <= STORE_MAX_PRIO; i++)
		secondary |= o->recomp[i] != NULL;
	policy_defaults(out, o->backing != NULL, secondary, backing_bytes);
	if (o->policy_words &&
	    policy_parse(o->policy_words, strlen(o->policy_words), out, why,
			 sizeof(why))) {
		fprintf(stderr, "fzram: %s\n", why);
		return -1;
	}
	if (o->policy_off)
		out->age_s = 0;
	return 0;
}

static int opts_proc(void *data, const char *arg, int key,
		     struct fuse_args *outargs)
{
	struct opts *o = data;
	const char *value = strchr(arg, '=');

	(void)outargs;
	value = value ? value + 1 : "";
	switch (key) {
	case OPTS_KEY_SIZE:
		return opts_set_size(o, value) ? -1 : 0;
	case OPTS_KEY_ALGORITHM:
		return opts_set_algorithm(o, value) ? -1 : 0;
	case OPTS_KEY_LEVEL:
		return opts_set_level(o, value) ? -1 : 0;
	case OPTS_KEY_MEM_LIMIT:
		return opts_size("mem_limit", value, &o->mem_limit) ? -1 : 0;
	case OPTS_KEY_FILE:
		return opts_set_file(o, value) ? -1 : 0;
	case OPTS_KEY_NOMLOCK:
		o->nomlock = true;
		return 0;
	case OPTS_KEY_POLL_US:
		return opts_set_poll_us(o, value) ? -1 : 0;
	case OPTS_KEY_URING:
		o->uring = true;
		return 0;
	case OPTS_KEY_THREADS:
		return opts_set_threads(o, value) ? -1 : 0;
	case OPTS_KEY_CPU_LATENCY:
		return opts_set_cpu_latency(o, value) ? -1 : 0;
	case OPTS_KEY_CPU_LATENCY_HOLD:
		return opts_set_cpu_latency_hold(o, value) ? -1 : 0;
	case OPTS_KEY_BACKING:
		return opts_set_backing(o, value) ? -1 : 0;
	case OPTS_KEY_BACKING_SIZE:
		return opts_set_backing_size(o, value) ? -1 : 0;
	case OPTS_KEY_BACKING_ENCRYPT:
		return opts_set_backing_encrypt(o, value) ? -1 : 0;
	case OPTS_KEY_RECOMP:
	case OPTS_KEY_RECOMP2:
	case OPTS_KEY_RECOMP3:
		return opts_set_recomp(o, 1 + (unsigned int)(key -
							    OPTS_KEY_RECOMP),
				       value)
			   ? -1
			   : 0;
	case OPTS_KEY_DICT:
		return opts_set_dict(o, value) ? -1 : 0;
	case OPTS_KEY_POLICY:
		return opts_set_policy(o, value) ? -1 : 0;
	case OPTS_KEY_POLICY_WORD:
		return opts_add_policy_word(o, arg) ? -1 : 0;
	case FUSE_OPT_KEY_NONOPT:
		if (o->nr_positional == 2) {
			fprintf(
			    stderr,
			    "fzram: '%s': too many arguments "
			    "(usage: fzram [OPTIONS] [SOURCE] MOUNTPOINT)\n",
			    arg);
			return -1;
		}
		o->positional[o->nr_positional] = strdup(arg);
		if (!o->positional[o->nr_positional])
			return -1;
		o->nr_positional++;
		return 0;
	default:
		return 1; /* libfuse's */
	}
}

uint64_t opts_default_size(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page = sysconf(_SC_PAGESIZE);
	uint64_t size;

	if (pages <= 0 || page <= 0)
		return OPTS_MAX_DEFAULT_SIZE;
	size = (uint64_t)pages * (uint64_t)page / 2;
	if (size > OPTS_MAX_DEFAULT_SIZE)
		size = OPTS_MAX_DEFAULT_SIZE;
	size -= size % FZ_PAGE_SIZE;
	return size ? size : FZ_PAGE_SIZE;
}

/* The level is checked once the algorithm is known, wherever it came. */
static int opts_check_level(struct opts *o)
{
	struct codec c;
	int min, max, def;
	char value[16];

	if (!o->level_set)
		return 0;
	if (codec_init(&c, o->algorithm, o->level) == 0)
		return 0;
	codec_level_range(o->algorithm, &min, &max, &def);
	snprintf(value, sizeof(value), "%d", o->level);
	fprintf(stderr,
		"fzram: level: '%s' is out of range for %s (%d to %d)\n", value,
		o->algorithm, min, max);
	return -1;
}

int opts_parse(struct fuse_args *args, struct opts *o)
{
	const char *mountpoint = NULL;

	memset(o, 0, sizeof(*o));
	o->algorithm = OPTS_DEFAULT_ALGORITHM;
	o->level = CODEC_LEVEL_DEFAULT;
	o->poll_us = FZ_LOOP_DEFAULT_POLL_US;
	o->cpu_latency_us = CPULAT_DEFAULT_US;
	o->cpu_latency_hold_ms = CPULAT_DEFAULT_HOLD_MS;
	o->backing_encrypt = true;
	o->file = strdup(OPTS_DEFAULT_FILE);
	if (!o->file)
		goto out_nomem;
	if (fuse_opt_parse(args, o, opts_table, opts_proc) == -1)
		return -1;
	if (opts_check_level(o))
		return -1;
	if (!o->backing && (o->backing_size_set || o->backing_encrypt_set)) {
		fprintf(stderr, "fzram: %s: needs backing=PATH\n",
			o->backing_size_set ? "backing_size"
					    : "backing_encrypt");
		return -1;
	}
	if (!o->size_set)
		o->size = opts_default_size();
	{
		struct policy_cfg pc; /* high and low together */

		if (opts_policy(o, o->backing_size ? o->backing_size : o->size,
				&pc))
			return -1;
	}
	if (o->nr_positional == 2) {
		o->source = o->positional[0];
		mountpoint = o->positional[1];
	} else if (o->nr_positional == 1) {
		mountpoint = o->positional[0];
	}
	/* fuse_parse_cmdline() takes the mountpoint from here (realpath). */
	if (mountpoint && fuse_opt_add_arg(args, mountpoint) == -1)
		goto out_nomem;
	/*
	 * The mount's type is fuse.fzram whatever the binary is called:
	 * fzramctl and mount -t fuse.fzram find it by that.  A subtype the
	 * user gave comes later on the command line and wins.
	 */
	if (fuse_opt_insert_arg(args, 1, "-osubtype=fzram,fsname=fzram") == -1)
		goto out_nomem;
	return 0;
out_nomem:
	fprintf(stderr, "fzram: out of memory\n");
	return -1;
}

void opts_free(struct opts *o)
{
	free(o->file);
	free(o->backing);
	for (unsigned int i = 0; i <= STORE_MAX_PRIO; i++) {
		free(o->dict[i]);
		o->dict[i] = NULL;
	}
	free(o->positional[0]);
	free(o->positional[1]);
	free(o->policy_words);
	o->policy_words = NULL;
	o->file = NULL;
	o->backing = NULL;
	o->positional[0] = o->positional[1] = NULL;
	o->source = NULL;
}

void opts_help(const char *progname)
{
	printf(
	    "usage: %s [-f] [-d] [-s] [-o OPTIONS] [SOURCE] MOUNTPOINT\n"
	    "\n"
	    "Mount a directory holding one compressed-in-memory file, to be\n"
	    "used as swap through a loop device (a user-space zram).\n"
	    "SOURCE is ignored (for mount -t fuse.fzram fzram MOUNTPOINT).\n"
	    "\n"
	    "fzram options:\n"
	    "    -o size=BYTES          file size, K/M/G/T suffixes, a "
	    "multiple\n"
	    "                           of 4096 (default: half of RAM, at "
	    "most\n"
	    "                           4G; here %llu)\n"
	    "    -o algorithm=NAME      " CODEC_NAME_LIST " (default " CODEC_DEFAULT_NAME ")\n"
	    "    -o level=N             compression level (lz4: acceleration\n"
	    "                           1..65537, lz4hc: 1..12, zstd: its "
	    "range)\n"
	    "    -o mem_limit=BYTES     most pool memory; writes past it fail\n"
	    "                           with ENOSPC (default 0: no limit)\n"
	    "    -o file=NAME           the file's name (default: swapfile)\n"
	    "    -o nomlock             do not lock the daemon's memory\n"
	    "    -o poll_us=N           after a request, poll for the next for\n"
	    "                           N microseconds before sleeping, 0..100000\n"
	    "                           (default 200; 0: never poll)\n"
	    "    -o cpu_latency=US|off  while swap-ins come, ask the kernel to\n"
	    "                           keep the CPUs' wake-up under US\n"
	    "                           microseconds, 0..100000 (PM QoS; default\n"
	    "                           0: idle CPUs poll; root only)\n"
	    "    -o cpu_latency_hold=MS ... until no read came for MS\n"
	    "                           milliseconds, 1..10000 (default 20;\n"
	    "                           ignored with cpu_latency=off)\n"
	    "    -o threads=N           request threads, 1..256 (default: 2\n"
	    "                           per CPU, at least 4; -s: 1); the\n"
	    "                           older max_idle_threads=N sets it too\n"
	    "    -o backing=PATH        second tier for writeback: a file\n"
	    "                           (created 0600 if missing), a block\n"
	    "                           device, or a directory (an unnamed\n"
	    "                           file in it); default: none\n"
	    "    -o backing_size=BYTES  most space used there, K/M/G/T\n"
	    "                           suffixes (default: the file size)\n"
	    "    -o backing_encrypt=on|off  seal what is written there with a\n"
	    "                           key made at mount (default on)\n"
	    "    -o dict=PATH           dictionary for the algorithm, at its\n"
	    "                           level (fzramctl --train-dict makes one)\n"
	    "    -o recomp=ALG[:LEVEL][:dict=PATH]  secondary algorithm of\n"
	    "                           priority 1, for user.fzram.recompress\n"
	    "                           (recomp2=, recomp3=: priorities 2, 3)\n"
	    "    -o policy=on|off       tiers that run themselves (default on):\n"
	    "                           aging, compaction; recompression with\n"
	    "                           recomp=; writeback, spill with backing=\n"
	    "    -o age=, recomp_after=, wb_after=DURATION  (seconds, or s m h\n"
	    "                           d; off), wb_daily=BYTES, cpu=PCT,\n"
	    "                           spill=on|off, high=PCT, low=PCT,\n"
	    "                           compact=PCT, read_factor=N, psi=PCT,\n"
	    "                           trim=PCT|off:\n"
	    "                           the policy's settings (fzram(8))\n"
#ifdef HAVE_LIBURING
	    "    -o uring               serve through FUSE over io_uring when the\n"
	    "                           kernel offers it (Linux 6.14+, fuse\n"
	    "                           module parameter enable_uring=Y)\n"
#endif
	    "\n",
	    progname, (unsigned long long)opts_default_size());
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

void opts_version(void)
{
	printf("fzram %s\n", PACKAGE_VERSION);
#ifdef ZSP_DEBUG
	/* tests look for this line before they arm FZRAM_FAULT */
	printf("debug build: fault points (FZRAM_FAULT, fault.h)\n");
#endif
	printf("FUSE library version %s\n", fuse_pkgversion());
	fflush(stdout); /* fusermount3 --version writes next */
	fuse_lowlevel_version();
}
