// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * codecarg.c - read and check fzramctl's algorithm words (see codecarg.h).
 *
 * The parsers only split and read numbers; whether a level fits its
 * algorithm and whether a dictionary loads is codecarg_check()'s, which
 * asks the codec module the same questions the daemon will.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "codecarg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"

/* Blanks between -p's parameters and (also) inside zram-generator's (). */
#define BLANKS " \t"

static void say(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write the reason into @why (cut to @len). */
static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* The codec_name() of the algorithm @len bytes at @s spell, or NULL. */
static const char *alg_name(const char *s, size_t len)
{
	for (int i = 0; i < CODEC_NR_ALGS; i++) {
		const char *n = codec_name((enum codec_alg)i);

		if (strlen(n) == len && !strncmp(s, n, len))
			return n;
	}
	return NULL;
}

/* Parse the @len bytes at @s, all of them, as an int into @out. */
static int parse_level(const char *s, size_t len, int *out)
{
	char buf[24], *end;
	long v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (*end || errno || v < INT_MIN || v > INT_MAX ||
	    !(buf[0] == '-' || buf[0] == '+' ||
	      (buf[0] >= '0' && buf[0] <= '9')))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/*
 * set_param() - one "level=N" or "dict=PATH" (@len bytes at @p) into @out.
 * @bare_level: a bare number is a level (fzram's ALG:LEVEL).
 */
static int set_param(const char *p, size_t len, bool bare_level,
		     struct codecarg *out, char *why, size_t why_len)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len;
	const char *v = eq ? eq + 1 : p;
	size_t vlen = eq ? len - klen - 1 : len;

	if (!eq && bare_level)
		klen = 0; /* a bare level */
	else if (!eq)
		goto out_unknown;
	if (klen == 0 || (klen == 5 && !strncmp(p, "level", 5))) {
		if (out->level_set) {
			say(why, why_len, "the level is given twice");
			return -EINVAL;
		}
		if (parse_level(v, vlen, &out->level)) {
			say(why, why_len, "'%.*s' is not a level (an integer)",
			    (int)vlen, v);
			return -EINVAL;
		}
		out->level_set = true;
		return 0;
	}
	if (klen == 4 && !strncmp(p, "dict", 4)) {
		if (*out->dict) {
			say(why, why_len, "dict= is given twice");
			return -EINVAL;
		}
		if (!vlen || vlen > CODECARG_DICT_MAX) {
			say(why, why_len,
			    "dict= needs a path (at most %d bytes)",
			    CODECARG_DICT_MAX);
			return -EINVAL;
		}
		memcpy(out->dict, v, vlen);
		out->dict[vlen] = '\0';
		return 0;
	}
out_unknown:
	say(why, why_len,
	    "'%.*s' is not level=LEVEL or dict=PATH (the only parameters)",
	    (int)(len > 64 ? 64 : len), p);
	return -EINVAL;
}

/* zram-generator's "(...)": @len bytes at @s, comma- or blank-separated. */
static int parse_group(const char *s, size_t len, struct codecarg *out,
		       char *why, size_t why_len)
{
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (s[i] == ',' || s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		for (n = 0; i + n < len && !strchr(", \t", s[i + n]); n++)
			;
		if (set_param(s + i, n, false, out, why, why_len))
			return -EINVAL;
		i += n;
	}
	return 0;
}

int codecarg_parse_recomp(const char *s, struct codecarg *out, char *why,
			  size_t why_len)
{
	size_t alen = strcspn(s, ":(");
	const char *p;

	*out = (struct codecarg){.alg = alg_name(s, alen)};
	if (!out->alg) {
		say(why, why_len, "'%.*s' is not one of " CODEC_NAME_LIST,
		    (int)(alen > 32 ? 32 : alen), s);
		return -EINVAL;
	}
	p = s + alen;
	if (*p == '(') {
		size_t glen = strlen(p + 1);

		if (!glen || p[glen] != ')' || memchr(p + 1, '(', glen) ||
		    memchr(p + 1, ')', glen - 1)) {
			say(why, why_len,
			    "'%s' is not ALG(level=LEVEL,dict=PATH): the "
			    "parameters end with the only ')'",
			    s);
			return -EINVAL;
		}
		return parse_group(p + 1, glen - 1, out, why, why_len);
	}
	/* ALG[:LEVEL|:level=LEVEL][:dict=PATH]: dict= takes the rest */
	while (*p == ':') {
		size_t n;

		p++;
		if (!strncmp(p, "dict=", 5))
			return set_param(p, strlen(p), false, out, why,
					 why_len);
		n = strcspn(p, ":");
		if (!n || out->level_set) {
			say(why, why_len,
			    "'%s' is not ALG[:LEVEL][:dict=PATH] (an empty or "
			    "second level field)",
			    s);
			return -EINVAL;
		}
		if (set_param(p, n, true, out, why, why_len))
			return -EINVAL;
		p += n;
	}
	return 0;
}

int codecarg_parse_params(const char *s, struct codecarg *out, char *why,
			  size_t why_len)
{
	bool any = false;

	out->level_set = false;
	out->dict[0] = '\0';
	while (*s) {
		size_t n = strcspn(s, BLANKS);

		if (!n) {
			s++;
			continue;
		}
		if (set_param(s, n, false, out, why, why_len))
			return -EINVAL;
		any = true;
		s += n;
	}
	if (!any) {
		say(why, why_len, "no parameter: give level=LEVEL, "
				  "dict=PATH or both, blank-separated");
		return -EINVAL;
	}
	return 0;
}

/*
 * load_dict() - read @path (an open regular file, @fd) and load it as
 * codec @c's dictionary, then drop it: the daemon's check, made early.
 */
static int load_dict(int fd, const char *path, const struct codec *c,
		     char *why, size_t why_len)
{
	struct codec_dict *d = NULL;
	struct stat st;
	size_t got = 0;
	char *buf;
	int err;

	if (fstat(fd, &st)) {
		err = -errno;
		say(why, why_len, "%s: %s", path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		say(why, why_len, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size == 0 || st.st_size > CODEC_DICT_MAX) {
		say(why, why_len,
		    "%s: %s (a dictionary is 1 byte to %d KiB)", path,
		    st.st_size ? "too large" : "empty", CODEC_DICT_MAX / 1024);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		say(why, why_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			say(why, why_len, "%s: %s", path,
			    n < 0 ? strerror(errno) : "shrank while read");
			free(buf);
			return err;
		}
		got += (size_t)n;
	}
	err = codec_dict_load(c->alg, c->level, buf, got, &d);
	free(buf);
	codec_dict_put(d);
	if (err == -EINVAL)
		say(why, why_len,
		    "%s: not a %s dictionary (as fzramctl --train-dict or "
		    "zstd --train write)",
		    path, codec_name(c->alg));
	else if (err)
		say(why, why_len, "%s: %s", path, strerror(-err));
	return err;
}

int codecarg_check(struct codecarg *a, bool secondary, char *why,
		   size_t why_len)
{
	const char *name = a->alg ? a->alg : CODEC_DEFAULT_NAME;
	char abs[PATH_MAX];
	int min, max, def, fd, err;
	struct codec c;

	if (codec_init(&c, name, a->level_set ? a->level : CODEC_LEVEL_DEFAULT)) {
		if (codec_level_range(name, &min, &max, &def))
			say(why, why_len, "'%s' is not one of " CODEC_NAME_LIST,
			    name);
		else
			say(why, why_len,
			    "level %d is out of range for %s (%d to %d)",
			    a->level, name, min, max);
		return -EINVAL;
	}
	if (!*a->dict)
		return 0;
	if (!realpath(a->dict, abs)) {
		err = -errno;
		say(why, why_len, "%s: %s", a->dict, strerror(-err));
		return err;
	}
	if (strlen(abs) > CODECARG_DICT_MAX) {
		say(why, why_len, "%s: the path is too long", a->dict);
		return -ENAMETOOLONG;
	}
	if (secondary && strchr(abs, ':')) {
		say(why, why_len,
		    "%s: a secondary's dictionary path may not hold ':' "
		    "(it would end recomp='s fields)",
		    abs);
		return -EINVAL;
	}
	fd = open(abs, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		say(why, why_len, "%s: %s", abs, strerror(-err));
		return err;
	}
	err = load_dict(fd, abs, &c, why, why_len);
	close(fd);
	if (err)
		return err;
	strcpy(a->dict, abs);
	return 0;
}

int codecarg_recomp_value(const struct codecarg *a, char *buf, size_t len)
{
	char lv[16] = "";
	int n;

	if (a->level_set)
		snprintf(lv, sizeof(lv), ":%d", a->level);
	n = snprintf(buf, len, "%s%s%s%s", a->alg, lv, *a->dict ? ":dict=" : "",
		     a->dict);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
