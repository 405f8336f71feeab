// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fzramctl.c - the zramctl of fzram: list the mounted fzram instances with
 * zramctl's columns, and bring an fzram swap up or down in one command.
 *
 * This file is the command line: the options, which of the four modes
 * they choose (listing, --swapon, --swapoff, --train-dict) and the options
 * each mode refuses, then the call into the module that does the work.
 * probe.h finds the instances, output.h prints the listing, setup.h brings
 * swaps up and down, traindict.h trains dictionaries; ctl.h holds the
 * messages they all print.  Every error is
 * one line on stderr, "fzramctl: what: why", and exit status 1.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "ctl.h"
#include "output.h"
#include "pagecluster.h"
#include "probe.h"
#include "setup.h"
#include "traindict.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* ---- command line ---- */

static void usage(void)
{
	printf("Usage:\n"
	       " " CTL_PROG " [options] [<file|mountpoint|loopdev>...]\n"
	       " " CTL_PROG " --swapon [--size <size>] [--algorithm <alg>] "
	       "[--level <n>]\n"
	       "          [-p 'level=<n> dict=<path>'] [--priority <prio>]\n"
	       "          [--mem-limit <size>] [--backing <path>\n"
	       "          [--backing-size <size>] [--backing-encrypt on|off]]\n"
	       "          [--recomp <alg>[:<n>][:dict=<path>]]... "
	       "[--options <list>]\n"
	       "          [--dry-run]\n"
	       " " CTL_PROG " --swapoff <file|mountpoint|loopdev> | --all\n"
	       " " CTL_PROG " --train-dict <out> [--size <size>] "
	       "[--algorithm <alg>] [-q]\n"
	       "          <file|mountpoint|loopdev|pagefile>\n"
	       "\nList fzram instances, bring an fzram swap up or down, or "
	       "train a dictionary.\n"
	       "\nOptions:\n"
	       " -o, --output <list>     columns to print (+<list> adds to "
	       "the defaults)\n"
	       "     --output-all        print every column\n"
	       " -b, --bytes             print sizes in bytes\n"
	       " -n, --noheadings        do not print a header line\n"
	       "     --raw               use the raw output format\n"
	       "     --json              use the JSON output format\n"
	       "     --swapon            mount " SETUP_RUN_DIR "/N, mkswap, "
	       "losetup, swapon\n"
	       "     --size <size>       size of the swap (fzram's default: "
	       "half of RAM, at most 4G)\n"
	       "     --algorithm <alg>   " CODEC_NAME_LIST "\n"
	       "     --level <n>         compression level\n"
	       " -p, --algorithm-params 'level=<n> dict=<path>'\n"
	       "                         the primary's level and dictionary\n"
	       "     --priority <prio>   swap priority, -1 to 32767 "
	       "(default %d)\n"
	       "     --page-cluster <n>|keep\n"
	       "                         vm.page-cluster while it is up "
	       "(default %d)\n"
	       "     --mem-limit <size>  cap on the pool's memory (0: none)\n"
	       "     --backing <path>    writeback tier: a file, block device "
	       "or directory\n"
	       "     --backing-size <size>\n"
	       "                         cap on the backing store (default: "
	       "--size)\n"
	       "     --backing-encrypt on|off\n"
	       "                         seal what goes there (default: on)\n"
	       "     --recomp <alg>[:<n>][:dict=<path>]\n"
	       "     --recomp '<alg>(level=<n>,dict=<path>)'\n"
	       "                         a secondary algorithm for recompress;"
	       "\n"
	       "                         up to 3 times, priorities 1, 2, 3\n"
	       "     --options <list>    more fzram -o options (poll_us=N, "
	       "uring, nomlock)\n"
	       "     --dry-run           with --swapon: check, print the fzram "
	       "command, do nothing\n"
	       "     --swapoff           swapoff, losetup -d, umount\n"
	       "     --all               with --swapoff: every fzram\n"
	       "     --train-dict <out>  train a dictionary on the pages of "
	       "a live fzram\n"
	       "                         or a file of pages; with --size "
	       "(default 64K)\n"
	       "                         and --algorithm (default zstd)\n"
	       " -q, --quiet             with --train-dict: print nothing "
	       "on success\n"
	       " -h, --help              display this help\n"
	       " -V, --version           display version\n"
	       "\nAvailable output columns:\n",
	       SETUP_DEFAULT_PRIORITY, PC_DEFAULT);
	for (int c = 0; c < OUTPUT_NR_COLS; c++)
		printf(" %13s  %s\n", output_col_name((enum output_col)c),
		       output_col_help((enum output_col)c));
	printf("\nSee fzramctl(8).\n");
}

enum {
	OPT_OUTPUT_ALL = 256,
	OPT_RAW,
	OPT_JSON,
	OPT_SWAPON,
	OPT_SWAPOFF,
	OPT_ALL,
	OPT_TRAIN_DICT,
	OPT_SIZE, /* the first of --swapon's; also --train-dict's */
	OPT_ALGORITHM, /* also --train-dict's */
	OPT_LEVEL, /* the first of --swapon's alone */
	OPT_PRIORITY,
	OPT_PAGE_CLUSTER,
	OPT_MEM_LIMIT,
	OPT_OPTIONS,
	OPT_BACKING,
	OPT_BACKING_SIZE,
	OPT_BACKING_ENCRYPT,
	OPT_ALG_PARAMS, /* -p */
	OPT_DRY_RUN,
	OPT_RECOMP, /* the last of --swapon's (parse_cli()'s range) */
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"output-all", no_argument, NULL, OPT_OUTPUT_ALL},
    {"bytes", no_argument, NULL, 'b'},
    {"noheadings", no_argument, NULL, 'n'},
    {"raw", no_argument, NULL, OPT_RAW},
    {"json", no_argument, NULL, OPT_JSON},
    {"swapon", no_argument, NULL, OPT_SWAPON},
    {"swapoff", no_argument, NULL, OPT_SWAPOFF},
    {"all", no_argument, NULL, OPT_ALL},
    {"train-dict", required_argument, NULL, OPT_TRAIN_DICT},
    {"quiet", no_argument, NULL, 'q'},
    {"size", required_argument, NULL, OPT_SIZE},
    {"algorithm", required_argument, NULL, OPT_ALGORITHM},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"page-cluster", required_argument, NULL, OPT_PAGE_CLUSTER},
    {"mem-limit", required_argument, NULL, OPT_MEM_LIMIT},
    {"options", required_argument, NULL, OPT_OPTIONS},
    {"backing", required_argument, NULL, OPT_BACKING},
    {"backing-size", required_argument, NULL, OPT_BACKING_SIZE},
    {"backing-encrypt", required_argument, NULL, OPT_BACKING_ENCRYPT},
    {"algorithm-params", required_argument, NULL, OPT_ALG_PARAMS},
    {"recomp", required_argument, NULL, OPT_RECOMP},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Report a getopt error (opterr is 0) as one line. */
static void bad_option(int ch, char *const argv[])
{
	const char *arg = argv[optind - 1];
	char shrt[3] = {'-', (char)optopt, '\0'};

	if (ch == ':') /* the option that lacks it was the last one read */
		ctl_err("%s: needs an argument", arg);
	else if (optopt > 0 && optopt < 256) /* an unknown short option */
		ctl_err("unknown option: %s", shrt);
	else
		ctl_err("unknown option: %s", arg);
}

/* The command line, parsed. */
struct cli {
	struct output_opts lo;
	struct setup_args sa;
	bool swapon, swapoff, all; /* the mode */
	bool dry_run;		   /* --swapon --dry-run */
	const char *train_dict;	   /* --train-dict OUT: the mode */
	bool quiet;
	bool list_opt, sw_opt;	   /* options of listing, of --swapon seen */
	bool sw_only;		   /* of --swapon alone (not --size,
				      --algorithm) seen */
	bool output_all;
	const char *output; /* -o LIST */
	int nrecomp;	    /* --recomp's seen */
};

/*
 * parse_cli() - getopt into @c.
 * Return: -1 to go on, else the exit status (--help, --version, errors).
 */
static int parse_cli(int argc, char *argv[], struct cli *c)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:p:bnqhV", long_opts, NULL)) !=
	       -1) {
		if (ch == 'p')
			ch = OPT_ALG_PARAMS; /* zramctl's short name */
		c->list_opt |= ch == 'o' || ch == 'b' || ch == 'n' ||
			       ch == OPT_OUTPUT_ALL || ch == OPT_RAW ||
			       ch == OPT_JSON;
		c->sw_opt |= ch >= OPT_SIZE && ch <= OPT_RECOMP;
		c->sw_only |= ch >= OPT_LEVEL && ch <= OPT_RECOMP;
		switch (ch) {
		case OPT_OUTPUT_ALL:
			c->output = NULL;
			c->output_all = true;
			break;
		case 'o':
			c->output = optarg;
			c->output_all = false;
			break;
		case 'b':
			c->lo.bytes = true;
			break;
		case 'n':
			c->lo.noheadings = true;
			break;
		case OPT_RAW:
			c->lo.raw = true;
			break;
		case OPT_JSON:
			c->lo.json = true;
			break;
		case OPT_SWAPON:
			c->swapon = true;
			break;
		case OPT_SWAPOFF:
			c->swapoff = true;
			break;
		case OPT_ALL:
			c->all = true;
			break;
		case OPT_TRAIN_DICT:
			c->train_dict = optarg;
			break;
		case 'q':
			c->quiet = true;
			break;
		case OPT_SIZE:
			c->sa.size = optarg;
			break;
		case OPT_ALGORITHM:
			c->sa.algorithm = optarg;
			break;
		case OPT_LEVEL:
			c->sa.level = optarg;
			break;
		case OPT_PRIORITY:
			c->sa.priority_arg = optarg;
			break;
		case OPT_PAGE_CLUSTER:
			c->sa.page_cluster_arg = optarg;
			break;
		case OPT_MEM_LIMIT:
			c->sa.mem_limit = optarg;
			break;
		case OPT_OPTIONS:
			c->sa.options = optarg;
			break;
		case OPT_BACKING:
			c->sa.backing = optarg;
			break;
		case OPT_BACKING_SIZE:
			c->sa.backing_size = optarg;
			break;
		case OPT_BACKING_ENCRYPT:
			c->sa.backing_encrypt = optarg;
			break;
		case OPT_DRY_RUN:
			c->dry_run = true;
			break;
		case OPT_ALG_PARAMS:
			if (c->sa.alg_params) {
				ctl_err("--algorithm-params: given twice (put "
					"level= and dict= in one)");
				return 1;
			}
			c->sa.alg_params = optarg;
			break;
		case OPT_RECOMP:
			if (c->nrecomp == SETUP_MAX_RECOMP) {
				ctl_err("--recomp: at most %d (priorities 1 to "
					"%d, in order); '%s' is one more",
					SETUP_MAX_RECOMP, SETUP_MAX_RECOMP,
					optarg);
				return 1;
			}
			c->sa.recomp[c->nrecomp++] = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf(CTL_PROG " from fzram " PACKAGE_VERSION "\n");
			return 0;
		default:
			bad_option(ch, argv);
			return 1;
		}
	}
	return -1;
}

/* check_modes() - refuse options that do not go with the mode chosen. */
static int check_modes(const struct cli *c)
{
	if (c->swapon + c->swapoff + (c->train_dict != NULL) > 1) {
		ctl_err("--swapon, --swapoff and --train-dict are mutually "
			"exclusive");
		return -1;
	}
	if ((c->swapon || c->swapoff || c->train_dict) && c->list_opt) {
		ctl_err("--output, --output-all, --bytes, --noheadings, --raw "
			"and --json are for listing only");
		return -1;
	}
	if (c->train_dict && c->sw_only) {
		ctl_err("--train-dict takes --size and --algorithm; --level, "
			"--algorithm-params, --priority, --page-cluster, "
			"--mem-limit, --backing, --backing-size, "
			"--backing-encrypt, --recomp, --options and --dry-run "
			"need --swapon");
		return -1;
	}
	if (c->quiet && !c->train_dict) {
		ctl_err("--quiet needs --train-dict");
		return -1;
	}
	if (c->sw_opt && !c->swapon && !c->train_dict) {
		ctl_err("--size, --algorithm, --level, --algorithm-params, "
			"--priority, --page-cluster, --mem-limit, --backing, "
			"--backing-size, --backing-encrypt, --recomp, --options "
			"and --dry-run need --swapon");
		return -1;
	}
	if (c->all && !c->swapoff) {
		ctl_err("--all needs --swapoff");
		return -1;
	}
	return 0;
}

/* ---- listing ---- */

/* cmd_list() - list the fzram mounts (only those @targets name, if any). */
static int cmd_list(const struct output_opts *o, char **targets, int ntargets)
{
	struct probe_list l = {NULL, 0};
	char **tab;
	size_t rows = 0;
	int ret = 0;

	if (probe_devs_read(&l))
		return 1;
	for (int t = 0; t < ntargets; t++) {
		size_t i = 0;

		while (i < l.n && !probe_dev_matches(&l.v[i], targets[t]))
			i++;
		if (i == l.n) {
			ctl_err("%s: not an fzram mount, file or loop device",
				targets[t]);
			ret = 1;
		}
	}
	tab = ctl_xmalloc(l.n * o->ncols * sizeof(*tab));
	for (size_t i = 0; i < l.n; i++) {
		bool want = ntargets == 0;

		for (int t = 0; t < ntargets && !want; t++)
			want = probe_dev_matches(&l.v[i], targets[t]);
		if (!want)
			continue;
		if (!l.v[i].file)
			ctl_err("%s: %s", l.v[i].dir,
				strerror(l.v[i].file_err));
		for (size_t c = 0; c < o->ncols; c++)
			tab[rows * o->ncols + c] =
			    output_cell(&l.v[i], o->col[c], o->bytes);
		rows++;
	}
	output_print(stdout, o, tab, rows);
	for (size_t i = 0; i < rows * o->ncols; i++)
		free(tab[i]);
	free(tab);
	probe_devs_free(&l);
	return ret;
}

/* main_list() - choose the columns, then list. */
static int main_list(struct cli *c, char **targets, int ntargets)
{
	struct output_opts *lo = &c->lo;

	if (c->output) {
		size_t len = OUTPUT_WHY_LEN(c->output);
		char *why = ctl_xmalloc(len);
		int err = output_parse_columns(lo, c->output, why, len);

		if (err)
			ctl_err("%s", why);
		free(why);
		if (err)
			return 1;
	}
	if (c->output_all)
		output_all_columns(lo);
	else if (!c->output)
		output_default_columns(lo);
	return cmd_list(lo, targets, ntargets);
}

int main(int argc, char *argv[])
{
	struct cli c = {.sa.priority = SETUP_DEFAULT_PRIORITY};
	int ret = parse_cli(argc, argv, &c);

	if (ret >= 0)
		return ret;
	if (check_modes(&c))
		return 1;
	if (c.swapon) {
		if (optind < argc) {
			ctl_err("--swapon: unexpected argument: %s",
				argv[optind]);
			return 1;
		}
		if (setup_check(&c.sa))
			return 1;
		if (c.dry_run)
			return setup_dry_run(&c.sa);
		if (geteuid() != 0) {
			ctl_err("--swapon: must be run as root");
			return 1;
		}
		return setup_swapon(&c.sa);
	}
	if (c.train_dict) {
		struct traindict_args ta = {.out = c.train_dict,
					    .size = c.sa.size,
					    .algorithm = c.sa.algorithm,
					    .quiet = c.quiet};

		if (optind + 1 != argc) {
			ctl_err("--train-dict: give one source: an fzram mount "
				"point, file or loop device, or a file of "
				"pages");
			return 1;
		}
		ta.source = argv[optind];
		return traindict_run(&ta);
	}
	if (c.swapoff) {
		if (c.all == (optind < argc) || optind + 1 < argc) {
			ctl_err("--swapoff: give one file, mount point or loop "
				"device, or --all");
			return 1;
		}
		if (geteuid() != 0) {
			ctl_err("--swapoff: must be run as root");
			return 1;
		}
		return setup_swapoff(c.all ? NULL : argv[optind]);
	}
	return main_list(&c, argv + optind, argc - optind);
}
