// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * traindict.c - fzramctl --train-dict: sample pages from a live fzram
 * (through user.fzram.sample, never its file) or from a file of pages,
 * train a dictionary on them with the engine's codec_dict_train(), check
 * that it loads, and write it atomically.  See traindict.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "traindict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctl.h"
#include "fzram.h"
#include "probe.h"
#include "size.h"

#define SAMPLE_XATTR FZ_XATTR_PREFIX "sample"
#define XATTR_BUF (64 * 1024) /* XATTR_SIZE_MAX: the most one read gets */
/* the store's huge threshold: pages that do not compress below it are
 * stored raw, and would teach a dictionary nothing */
#define KEEP_BELOW (FZ_PAGE_SIZE * 3 / 4)

/* splitmix64, as the store's sampler */
static uint64_t td_rand(uint64_t *seed)
{
	uint64_t z = (*seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int traindict_check(const struct traindict_args *a, struct traindict_plan *p)
{
	const char *alg = a->algorithm ? a->algorithm : TRAINDICT_DEFAULT_ALG;
	struct codec c;
	uint64_t v = TRAINDICT_DEFAULT_SIZE, most;

	if (codec_init(&c, alg, CODEC_LEVEL_DEFAULT)) {
		ctl_err("--algorithm: unknown algorithm: %s (one of %s)", alg,
			CODEC_NAME_LIST);
		return -1;
	}
	most = c.alg == CODEC_ZSTD ? CODEC_DICT_MAX : CODEC_DICT_LZ4_MAX;
	if (a->size && size_parse(a->size, strlen(a->size), &v)) {
		ctl_err("--size: not a size: %s", a->size);
		return -1;
	}
	if (v < CODEC_DICT_TRAIN_MIN_CAP || v > most) {
		ctl_err("--size: %s: a %s dictionary is %d to %llu bytes",
			a->size ? a->size : "default", alg,
			CODEC_DICT_TRAIN_MIN_CAP, (unsigned long long)most);
		return -1;
	}
	p->alg = c.alg;
	p->dict_size = (size_t)v;
	p->want = p->dict_size * TRAINDICT_SAMPLE_FACTOR / FZ_PAGE_SIZE;
	if (p->want < TRAINDICT_MIN_WANT)
		p->want = TRAINDICT_MIN_WANT;
	if (p->want > CODEC_DICT_TRAIN_MAX_PAGES)
		p->want = CODEC_DICT_TRAIN_MAX_PAGES;
	return 0;
}

int traindict_parse_sample(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	uint32_t count;

	if (len < FZ_SAMPLE_HDR || memcmp(b, FZ_SAMPLE_MAGIC, 4) != 0)
		return -1;
	memcpy(&count, b + 4, 4);
	if (count > FZ_SAMPLE_PAGES ||
	    len != FZ_SAMPLE_HDR + (size_t)count * FZ_SAMPLE_REC)
		return -1;
	return (int)count;
}

bool traindict_keep(const void *page)
{
	unsigned char dst[KEEP_BELOW];
	const unsigned char *p = page;
	struct codec lz4;
	size_t i;

	for (i = 8; i < FZ_PAGE_SIZE && !memcmp(p + i, p, 8); i += 8)
		;
	if (i == FZ_PAGE_SIZE)
		return false; /* same-filled: the store keeps no object */
	if (codec_init(&lz4, "lz4", CODEC_LEVEL_DEFAULT))
		return true;
	return codec_compress(&lz4, page, dst, sizeof(dst) - 1) > 0;
}

/* ---- a file of pages --------------------------------------------------- */

/* Read page @idx of @fd into @page.  Return: 1, 0 (past the end), -errno. */
static int read_page(int fd, const char *name, uint64_t idx, void *page)
{
	ssize_t n = pread(fd, page, FZ_PAGE_SIZE, (off_t)(idx * FZ_PAGE_SIZE));

	if (n < 0) {
		int err = errno;

		ctl_err("%s: %s", name, strerror(err));
		return -err;
	}
	return n == FZ_PAGE_SIZE;
}

long traindict_read_file(int fd, const char *name, uint64_t size, size_t want,
			 uint64_t seed, unsigned char **pages)
{
	uint64_t npages = size / FZ_PAGE_SIZE, kept = 0;
	unsigned char *out = ctl_xmalloc(want * FZ_PAGE_SIZE);
	unsigned char page[FZ_PAGE_SIZE];
	size_t got = 0;
	int r = 1;

	if (npages <= 4 * (uint64_t)want) {
		/* whole, keeping a uniform @want of the kept pages
		 * (reservoir sampling) */
		for (uint64_t i = 0; i < npages; i++) {
			uint64_t j;

			r = read_page(fd, name, i, page);
			if (r <= 0)
				break;
			if (!traindict_keep(page))
				continue;
			j = got < want ? got : td_rand(&seed) % (kept + 1);
			if (j < want)
				memcpy(out + j * FZ_PAGE_SIZE, page,
				       FZ_PAGE_SIZE);
			if (got < want)
				got++;
			kept++;
		}
	} else {
		/* distinct random pages: a bitmap of those tried */
		size_t bytes = (size_t)(npages / 8 + 1);
		unsigned char *tried = memset(ctl_xmalloc(bytes), 0, bytes);

		for (uint64_t t = 0; got < want && t < 16 * (uint64_t)want &&
				     t < npages;) {
			uint64_t i = td_rand(&seed) % npages;

			if (tried[i / 8] & (1u << (i % 8)))
				continue;
			tried[i / 8] |= (unsigned char)(1u << (i % 8));
			t++;
			r = read_page(fd, name, i, out + got * FZ_PAGE_SIZE);
			if (r < 0)
				break;
			if (r && traindict_keep(out + got * FZ_PAGE_SIZE))
				got++;
		}
		free(tried);
	}
	if (r < 0) {
		free(out);
		return r;
	}
	*pages = out;
	return (long)got;
}

/* ---- a live fzram ------------------------------------------------------ */

/* The slots seen: open addressing, keys slot + 1 (0 is empty). */
struct slot_set {
	uint64_t *key;
	size_t mask;
};

static bool slot_set_add(struct slot_set *s, uint64_t slot)
{
	size_t i = (size_t)((slot + 1) * 0x9e3779b97f4a7c15ULL) & s->mask;

	while (s->key[i]) {
		if (s->key[i] == slot + 1)
			return false;
		i = (i + 1) & s->mask;
	}
	s->key[i] = slot + 1;
	return true;
}

/*
 * Read user.fzram.sample of @file until @want distinct slots came back,
 * TRAINDICT_IDLE_READS reads in a row brought none, or a bound on reads.
 * Return: the pages (*@pages malloc'd), or -1 (printed).
 */
static long sample_live(const char *file, size_t want, unsigned char **pages,
			unsigned long *reads)
{
	size_t cap = 1, got = 0, idle = 0;
	size_t max_reads = 64 * (want / FZ_SAMPLE_PAGES + 1);
	unsigned char *buf = ctl_xmalloc(XATTR_BUF);
	unsigned char *out = ctl_xmalloc(want * FZ_PAGE_SIZE);
	struct slot_set seen;
	long ret = -1;

	while (cap < 2 * want)
		cap <<= 1;
	seen.key = memset(ctl_xmalloc(cap * sizeof(*seen.key)), 0,
			  cap * sizeof(*seen.key));
	seen.mask = cap - 1;
	for (*reads = 0;
	     got < want && idle < TRAINDICT_IDLE_READS && *reads < max_reads;
	     ++*reads) {
		ssize_t n = getxattr(file, SAMPLE_XATTR, buf, XATTR_BUF);
		int count;
		bool fresh = false;

		if (n < 0 && (errno == ENODATA || errno == ENOTSUP)) {
			ctl_err("%s: no " SAMPLE_XATTR " (a daemon older than "
				"--train-dict?)",
				file);
			goto out;
		}
		if (n < 0) {
			ctl_err("%s: " SAMPLE_XATTR ": %s", file,
				strerror(errno));
			goto out;
		}
		count = traindict_parse_sample(buf, (size_t)n);
		if (count < 0) {
			ctl_err("%s: " SAMPLE_XATTR ": malformed value", file);
			goto out;
		}
		if (count == 0)
			break; /* no compressed page in memory */
		for (int i = 0; i < count && got < want; i++) {
			const unsigned char *rec =
			    buf + FZ_SAMPLE_HDR + (size_t)i * FZ_SAMPLE_REC;
			uint64_t slot;

			memcpy(&slot, rec, 8);
			if (!slot_set_add(&seen, slot))
				continue;
			memcpy(out + got++ * FZ_PAGE_SIZE, rec + 8,
			       FZ_PAGE_SIZE);
			fresh = true;
		}
		idle = fresh ? 0 : idle + 1;
	}
	*pages = out;
	out = NULL;
	ret = (long)got;
out:
	free(seen.key);
	free(out);
	free(buf);
	return ret;
}

/* ---- writing ----------------------------------------------------------- */

int traindict_write(int fd, const char *tmp, const char *out, const void *buf,
		    size_t len)
{
	const char *p = buf;
	const char *what = "write";

	for (size_t at = 0; at < len;) {
		ssize_t n = write(fd, p + at, len - at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		at += (size_t)n;
	}
	what = "chmod";
	if (fchmod(fd, 0600))
		goto fail;
	what = "fsync";
	if (fsync(fd))
		goto fail;
	what = "rename";
	if (rename(tmp, out))
		goto fail;
	return 0;
fail:
	ctl_err("%s: %s: %s", out, what, strerror(errno));
	unlink(tmp);
	return -1;
}

/* ---- the command ------------------------------------------------------- */

/* The file of the live fzram @source names, malloc'd, or NULL when it
 * names none. */
static char *live_file(const char *source, int *err)
{
	struct probe_list l = {NULL, 0};
	char *file = NULL;

	*err = 0;
	if (probe_devs_read(&l) == 0)
		for (size_t i = 0; i < l.n; i++) {
			if (!probe_dev_matches(&l.v[i], source))
				continue;
			if (l.v[i].file)
				file = ctl_xstrdup(l.v[i].file);
			else
				*err =
				    l.v[i].file_err ? l.v[i].file_err : ENOENT;
			break;
		}
	probe_devs_free(&l);
	return file;
}

int traindict_run(const struct traindict_args *a)
{
	struct traindict_plan p;
	struct codec_dict *d = NULL;
	unsigned char *pages = NULL, *dict = NULL;
	unsigned long reads = 0;
	char *file, *tmp = NULL;
	struct stat sb, ob;
	int fd = -1, tfd = -1, err, ret = 1;
	size_t len = 0;
	long n;

	if (traindict_check(a, &p))
		return 1;
	file = live_file(a->source, &err);
	if (!file && err) {
		ctl_err("%s: %s", a->source, strerror(err));
		return 1;
	}
	if (!file) {
		fd = open(a->source, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb)) {
			ctl_err("%s: %s", a->source, strerror(errno));
			goto out;
		}
		if (!S_ISREG(sb.st_mode)) {
			ctl_err("%s: not an fzram mount, file or loop device, "
				"nor a regular file of pages",
				a->source);
			goto out;
		}
	}
	if (!stat(a->out, &ob) && S_ISDIR(ob.st_mode)) {
		ctl_err("%s: is a directory", a->out);
		goto out;
	}
	if (file)
		n = sample_live(file, p.want, &pages, &reads);
	else
		n = traindict_read_file(
		    fd, a->source, (uint64_t)sb.st_size, p.want,
		    (uint64_t)getpid() ^ (uint64_t)sb.st_mtime, &pages);
	if (n < 0)
		goto out;
	if (n < CODEC_DICT_TRAIN_MIN_PAGES) {
		ctl_err("%s: %ld compressible page%s found, %d needed at "
			"least",
			a->source, n, n == 1 ? "" : "s",
			CODEC_DICT_TRAIN_MIN_PAGES);
		goto out;
	}
	dict = ctl_xmalloc(p.dict_size);
	err =
	    codec_dict_train(p.alg, pages, (size_t)n, p.dict_size, dict, &len);
	if (err) {
		ctl_err("%s: cannot train a dictionary on its %ld pages: %s",
			a->source, n,
			err == -EINVAL ? "they are too alike or do not compress"
				       : strerror(-err));
		goto out;
	}
	err = codec_dict_load(p.alg, CODEC_LEVEL_DEFAULT, dict, len, &d);
	if (err) {
		ctl_err("the trained dictionary does not load: %s",
			strerror(-err));
		goto out;
	}
	codec_dict_put(d);
	/* the temporary file only now: nothing is left behind when the
	 * sampling is interrupted */
	tmp = ctl_xmalloc(strlen(a->out) + sizeof(".XXXXXX"));
	strcpy(tmp, a->out);
	strcat(tmp, ".XXXXXX");
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd < 0) {
		ctl_err("%s: cannot create: %s", a->out, strerror(errno));
		goto out;
	}
	if (traindict_write(tfd, tmp, a->out, dict, len))
		goto out; /* printed, removed */
	ret = 0;
	if (!a->quiet) {
		printf("%s: %zu-byte %s dictionary from %ld pages of %s",
		       a->out, len, codec_name(p.alg), n,
		       file ? file : a->source);
		if (file)
			printf(" (%lu reads of " SAMPLE_XATTR ")", reads);
		printf("\n");
	}
	goto out;
out:
	if (tfd >= 0)
		close(tfd);
	if (fd >= 0)
		close(fd);
	free(dict);
	free(pages);
	free(tmp);
	free(file);
	return ret;
}
