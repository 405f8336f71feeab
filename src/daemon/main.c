// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - the fzram daemon: parse the command line, create the store and
 * its backing store (-o backing=), mount, harden the process for serving
 * swap, start the tier's worker (tier.h), run the request loop (loop.h) on
 * every core, and tear down in reverse order.
 *
 * Swap served by a process must never wait on that process: its memory is
 * locked (mlockall with MCL_ONFAULT, since the pool reserves far more
 * address space than it touches), it is marked an I/O flusher so that
 * reclaim does not recurse into it, and the OOM killer is told to leave it
 * alone.  Each of these warns and carries on when not permitted.
 *
 * Its memory also holds every process's swapped secrets, and the backing
 * store's key: the process is made undumpable first thing (no core file,
 * no ptrace by other users), the pool is kept out of core dumps
 * (MADV_DONTDUMP, zspool.c), and the key lives in libsodium's guarded
 * memory, which is not dumped either.
 *
 * The backing store is opened before the mount, so that a bad backing=
 * stops the daemon with a message on the terminal; the tier's thread is
 * started after fuse_daemonize(), whose fork() would leave it behind in
 * the parent.
 *
 * A termination signal unmounts, except while the file is open: a loop
 * device (and the swap on it) would then be left on a dead daemon, and the
 * processes whose pages are in it killed.  The handlers are our own so that
 * they can refuse; they only make async-signal-safe calls.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fs.h" /* FUSE_USE_VERSION, before any FUSE header */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include "backing.h"
#include "codec.h"
#include "cpulat.h"
#include "dictfile.h"
#include "kswap.h"
#include "loop.h"
#include "options.h"
#include "store.h"
#include "tier.h"
#include "uring.h"
#include "util.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

/* What the signal handlers see; set before they are installed. */
static struct fuse_session *fz_sig_se;
static struct fz_fs *fz_sig_fs;
static char fz_busy_msg[PATH_MAX + 512];
static size_t fz_busy_len;
/* Posted by a handler that refused to unmount; the logger thread waits. */
static sem_t fz_busy_sem;

static const int fz_term_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define FZ_NR_TERM_SIGNALS                                                     \
	(sizeof(fz_term_signals) / sizeof(fz_term_signals[0]))

static void fz_on_term(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	(void)sig;
	if (fz_fs_busy(fz_sig_fs)) {
		n = write(STDERR_FILENO, fz_busy_msg, fz_busy_len);
		(void)n;
		sem_post(&fz_busy_sem);
	} else {
		fuse_session_exit(fz_sig_se);
	}
	errno = saved_errno;
}

/*
 * fz_signals_set() - install our handlers (@install) or the defaults.
 * No SA_RESTART: the request loop's sem_wait must return EINTR to see that
 * the session was exited.  The loop's workers block these signals, so they
 * land on the main thread.
 */
static int fz_signals_set(bool install)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = install ? fz_on_term : SIG_DFL;
	for (i = 0; i < FZ_NR_TERM_SIGNALS; i++) {
		if (sigaction(fz_term_signals[i], &sa, NULL) == -1)
			return -errno;
	}
	sa.sa_handler = install ? SIG_IGN : SIG_DFL;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -errno;
	return 0;
}

static int fz_signals_init(struct fuse_session *se, struct fz_fs *fs,
			   const char *mountpoint)
{
	int n;

	n = snprintf(fz_busy_msg, sizeof(fz_busy_msg),
		     "fzram: not unmounting: %s/%s is in use (a loop device "
		     "or swap?); run swapoff and losetup -d first\n",
		     mountpoint, fs->name);
	if (n < 0 || (size_t)n >= sizeof(fz_busy_msg))
		n = (int)strlen(fz_busy_msg);
	fz_busy_len = (size_t)n;
	if (sem_init(&fz_busy_sem, 0, 0) == -1)
		return -errno;
	fz_sig_se = se;
	fz_sig_fs = fs;
	return fz_signals_set(true);
}

/* Repeats a refusal to syslog once stderr is gone (after daemonizing). */
static void *fz_logger(void *arg)
{
	(void)arg;
	for (;;) {
		if (sem_wait(&fz_busy_sem) == -1)
			continue;
		/* Without "fzram: " and the newline: syslog adds its own. */
		syslog(LOG_WARNING, "%.*s", (int)fz_busy_len - 8,
		       fz_busy_msg + 7);
	}
	return NULL;
}

static void fz_start_logger(void)
{
	sigset_t block, old;
	pthread_t tid;
	size_t i;

	openlog("fzram", LOG_PID, LOG_DAEMON);
	/* The handlers must run on the main thread: see fz_signals_set(). */
	sigemptyset(&block);
	for (i = 0; i < FZ_NR_TERM_SIGNALS; i++)
		sigaddset(&block, fz_term_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&tid, NULL, fz_logger, NULL) == 0)
		pthread_detach(tid);
	else
		syslog(LOG_WARNING, "warning: no logger thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void fz_warn(bool to_stderr, const char *fmt, const char *what, int err)
{
	if (to_stderr)
		fprintf(stderr, fmt, what, strerror(err));
	else
		syslog(LOG_WARNING, fmt + 7 /* without "fzram: " */, what,
		       strerror(err));
}

/*
 * fz_harden() - lock memory, become an I/O flusher, opt out of the OOM
 * killer.  Called before daemonizing (@to_stderr: warnings to the user) and
 * again in the daemon, since fork() does not pass on memory locks.
 */
static void fz_harden(const struct opts *o, bool to_stderr)
{
	int fd;

	if (!o->nomlock && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		fz_warn(to_stderr,
			"fzram: warning: %s: %s; the daemon's memory may be "
			"swapped (to itself); -o nomlock silences this\n",
			"mlockall", errno);
	/* Per thread, inherited by the threads libfuse creates later. */
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		fz_warn(to_stderr,
			"fzram: warning: %s: %s; memory reclaim may wait on "
			"the daemon\n",
			"PR_SET_IO_FLUSHER", errno);
	if (geteuid() != 0)
		return;
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		fz_warn(to_stderr,
			"fzram: warning: %s: %s; the OOM killer may kill the "
			"daemon\n",
			"oom_score_adj", errno);
	if (fd >= 0)
		close(fd);
}

/*
 * fz_max_threads() - how many workers the request loop (loop.h) runs:
 * -o threads= (@threads, 0 if not given), else libfuse's max_idle_threads
 * (@idle, UINT_MAX if not given), which fzram took for its worker count
 * before it had threads= and still does so that no mount breaks; else two
 * per CPU, at least 4.  Not more: only large requests are handed to other
 * workers (compressing them is CPU-bound, so more workers than CPUs only
 * wait), and every worker that has led keeps a locked receive buffer of
 * up to FZ_MAX_REQUEST.
 */
static unsigned int fz_max_threads(unsigned int threads, unsigned int idle)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int asked = threads ? threads : idle;

	if (asked != UINT_MAX)
		return asked < 1 ? 1
		       : asked > FZ_LOOP_MAX_THREADS ? FZ_LOOP_MAX_THREADS
						     : asked;
	if (cpus < 2)
		cpus = 2;
	return cpus > FZ_LOOP_MAX_THREADS / 2 ? FZ_LOOP_MAX_THREADS
					      : (unsigned int)cpus * 2;
}

/* The dictionaries dict= and recomp...:dict= name, read and set on
 * @store; a bad file stops the mount with its reason. */
static int fz_dicts_setup(const struct opts *o, struct store *store)
{
	static const char *const optname[] = {"dict", "recomp", "recomp2",
					      "recomp3"};
	_Static_assert(STORE_MAX_PRIO == 3, "dict, recomp, recomp2, recomp3");

	for (unsigned int prio = 0; prio <= STORE_MAX_PRIO; prio++) {
		struct codec_dict *d = NULL;
		struct codec c;
		char why[128];
		int err;

		if (!o->dict[prio] || !store_recomp(store, prio, &c))
			continue;
		err = dictfile_load(o->dict[prio], c.alg, c.level, &d, why,
				    sizeof(why));
		if (!err) {
			err = store_set_params(store, prio, c.level, d,
					       o->dict[prio]);
			codec_dict_put(d);
			snprintf(why, sizeof(why), "%s", strerror(-err));
		}
		if (err) {
			fprintf(stderr, "fzram: %s: %s: %s\n", optname[prio],
				o->dict[prio], why);
			return -1;
		}
	}
	return 0;
}

/* The store refused the configuration: name the option. */
static void fz_store_error(int err, const struct opts *o)
{
	switch (err) {
	case -ENOENT:
		fprintf(stderr,
			"fzram: algorithm: '%s' is not one of "
			CODEC_NAME_LIST "\n",
			o->algorithm);
		break;
	case -ERANGE:
		fprintf(stderr, "fzram: level: %d is out of range for %s\n",
			o->level, o->algorithm);
		break;
	case -EINVAL:
		fprintf(stderr, "fzram: size: %llu is not a valid size\n",
			(unsigned long long)o->size);
		break;
	default:
		fprintf(stderr, "fzram: cannot create the store: %s\n",
			strerror(-err));
	}
}

_Static_assert(BK_MIN_SIZE == 1 << 20, "fz_backing_hint() says 1M");

/* What backing_create()'s vaguer errors mean, for the message. */
static const char *fz_backing_hint(int err)
{
	switch (err) {
	case -EINVAL:
		return " (not a regular file, a block device or a directory, "
		       "or less than 1M of space)";
	case -EOPNOTSUPP:
		return " (the directory's file system has no O_TMPFILE)";
	case -EBUSY:
		return " (the block device is in use: mounted, a swap, or "
		       "claimed by another program)";
	default:
		return "";
	}
}

/*
 * fz_backing_setup() - open -o backing= for @store (whose size is the
 * default cap) and give it to the store.  Return: 0 with *@out set, or -1
 * (message printed).
 */
static int fz_backing_setup(const struct opts *o, struct store *store,
			    struct backing **out)
{
	struct backing_config bc;
	struct backing *bk = NULL;
	int err;

	memset(&bc, 0, sizeof(bc));
	bc.path = o->backing;
	bc.size = o->backing_size;
	bc.default_size = store_size(store);
	bc.encrypt = o->backing_encrypt;
	err = backing_create(&bc, &bk);
	if (!err) {
		err = store_set_backing(store, bk);
		if (err)
			backing_destroy(bk);
	}
	if (err) {
		fprintf(stderr, "fzram: backing=%s: %s%s\n", o->backing,
			strerror(-err), fz_backing_hint(err));
		return -1;
	}
	*out = bk;
	return 0;
}

/* The tier's log lines go to syslog (and stderr while there is one). */
static void fz_tier_log(int priority, const char *msg, void *arg)
{
	(void)arg;
	fz_log(priority, "%s", msg);
}

/* What the kernel's swap on the file in mount directory @arg uses, for
 * the policy's trim (tier_set_kernel_used()). */
static int fz_kernel_used(void *arg, uint64_t *bytes)
{
	return kswap_dir_used(arg, bytes);
}

/* Run the mount's policy (options.h: opts_policy()) on @tier, mounted on
 * @mountpoint (an absolute path: fuse_parse_cmdline() resolves it). */
static int fz_policy_start(const struct opts *o, struct tier *tier,
			   struct backing *bk, const char *mountpoint)
{
	struct backing_stats bs = {0};
	struct policy_cfg pc;
	int err;

	if (bk)
		backing_get_stats(bk, &bs);
	if (opts_policy(o, bs.size, &pc))
		return -EINVAL; /* checked by opts_parse(): not reached */
	tier_set_log(tier, fz_tier_log, NULL);
	tier_set_kernel_used(tier, fz_kernel_used, (void *)mountpoint);
	err = tier_set_policy(tier, &pc);
	if (err)
		fz_log(LOG_ERR, "policy: %s", strerror(-err));
	return err;
}

/*
 * The CPU latency hold (cpulat.h), unless cpu_latency=off.  Without it the
 * daemon serves as before: a warning if cpu_latency= or cpu_latency_hold=
 * was given, a note in the log if it is only the default (a mount by a
 * user who is not root cannot open the device).
 */
static struct cpulat *fz_cpulat_start(const struct opts *o)
{
	struct cpulat *c;
	int err;

	if (o->cpu_latency_us < 0)
		return NULL;
	err = cpulat_start(CPULAT_DEV, o->cpu_latency_us,
			   o->cpu_latency_hold_ms, &c);
	if (!err)
		return c;
	if (o->cpu_latency_set)
		fz_log(LOG_WARNING,
		       "cpu_latency: " CPULAT_DEV ": %s; swap-in "
		       "faults wake without it",
		       strerror(-err));
	else
		syslog(LOG_INFO,
		       "cpu_latency: " CPULAT_DEV ": %s; swap-in faults wake "
		       "without it",
		       strerror(-err));
	return NULL;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	struct fz_loop_config loop;
	struct store_config cfg;
	struct fuse_session *se;
	struct store *store = NULL;
	struct backing *bk = NULL;
	struct tier *tier = NULL;
	struct cpulat *cpulat = NULL;
	struct bdev *bdev = NULL;
	struct fz_fs fs;
	struct opts o;
	int ret = 1, err;

	/* Before anything is stored; the kernel may refuse (warn only). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		fprintf(stderr,
			"fzram: warning: PR_SET_DUMPABLE: %s; a core dump of "
			"the daemon could hold swapped data\n",
			strerror(errno));
	memset(&cmd, 0, sizeof(cmd));
	if (opts_parse(&args, &o))
		goto out_opts;
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out_opts;
	if (cmd.show_help) {
		opts_help(argv[0]);
		ret = 0;
		goto out_cmd;
	}
	if (cmd.show_version) {
		opts_version();
		ret = 0;
		goto out_cmd;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "fzram: no mountpoint given (see --help)\n");
		goto out_cmd;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.size = o.size;
	cfg.algorithm = o.algorithm;
	cfg.level = o.level;
	cfg.mem_limit = o.mem_limit;
	err = store_create(&cfg, &store);
	if (err) {
		fz_store_error(err, &o);
		goto out_cmd;
	}
	/* checked by opts_parse(): an error here is a bug, but say so */
	for (unsigned int prio = 1; prio <= STORE_MAX_PRIO; prio++) {
		if (!o.recomp[prio])
			continue;
		err = store_set_recomp(store, prio, o.recomp[prio],
				       o.recomp_level[prio]);
		if (err) {
			fprintf(stderr, "fzram: recomp: %s: %s\n",
				o.recomp[prio], strerror(-err));
			goto out_bdev;
		}
	}
	if (fz_dicts_setup(&o, store))
		goto out_bdev;
	if (o.backing && fz_backing_setup(&o, store, &bk))
		goto out_bdev;
	err = bdev_create(store, &bdev);
	if (!err)
		err = fz_fs_init(&fs, bdev, o.file);
	if (err) {
		fprintf(stderr, "fzram: cannot set up: %s\n", strerror(-err));
		goto out_bdev;
	}
	/* Prints its own message, e.g. for an unknown option. */
	se = fuse_session_new(&args, fz_fs_ops(), sizeof(*fz_fs_ops()), &fs);
	if (!se)
		goto out_bdev;
	err = fz_signals_init(se, &fs, cmd.mountpoint);
	if (err) {
		fprintf(stderr, "fzram: signals: %s\n", strerror(-err));
		goto out_session;
	}
	if (fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out_signals;
	memset(&loop, 0, sizeof(loop));
	if (o.uring) {
		err = fz_uring_setup(se, o.poll_us);
		if (err) {
			fprintf(stderr,
				"fzram: warning: uring: %s; serving through "
				"/dev/fuse only\n",
				strerror(-err));
		} else {
			/* They set the rings up as FUSE_INIT is answered. */
			loop.before = fz_uring_before_request;
			loop.after = fz_uring_after_request;
		}
	}
	fz_harden(&o, true);
	if (fuse_daemonize(cmd.foreground) != 0)
		goto out_unmount;
	if (!cmd.foreground) {
		fz_start_logger();
		fz_harden(&o, false);
		/* the key's lock, even with nomlock: it must not be swapped */
		if (bk && (err = backing_relock(bk)))
			syslog(LOG_WARNING,
			       "backing store key: mlock: %s; it may be "
			       "swapped out",
			       strerror(-err));
	}
	/* After the fork: the worker is a thread of this process. */
	err = tier_create(store, &tier);
	if (err) {
		if (cmd.foreground)
			fprintf(stderr, "fzram: tier worker: %s\n",
				strerror(-err));
		else
			syslog(LOG_ERR, "tier worker: %s", strerror(-err));
		goto out_unmount;
	}
	fs.tier = tier;
	err = fz_policy_start(&o, tier, bk, cmd.mountpoint);
	if (err)
		goto out_unmount;
	cpulat = fz_cpulat_start(&o); /* a thread: after the fork, too */
	fs.cpulat = cpulat;

	loop.threads = cmd.singlethread
			   ? 1
			   : fz_max_threads(o.threads, cmd.max_idle_threads);
	loop.poll_us = o.poll_us;
	err = fz_loop_run(se, &loop);
	if (err)
		fprintf(stderr, "fzram: request loop: %s\n", strerror(-err));
	ret = err ? 1 : 0;

out_unmount:
	fuse_session_unmount(se);
	fz_uring_stop();
	fs.cpulat = NULL;
	cpulat_stop(cpulat);
out_signals:
	fz_signals_set(false);
out_session:
	fuse_session_destroy(se);
out_bdev:
	/* The worker first: its jobs use the store and the backing store. */
	tier_destroy(tier);
	bdev_destroy(bdev);
	store_destroy(store);
	backing_destroy(bk);
out_cmd:
	free(cmd.mountpoint);
out_opts:
	opts_free(&o);
	fuse_opt_free_args(&args);
	return ret;
}
