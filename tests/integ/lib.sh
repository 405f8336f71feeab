# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# lib.sh - shared helpers of the fzram integration tests.  A test starts
#
#	#!/bin/sh
#	set -eu
#	. "$(dirname "$0")/lib.sh"
#	need_fuse
#	setup                     # temp dir in $T, trap cleanup EXIT
#	start_daemon size=64M     # mount point $MNT, file $F, daemon pid $DPID
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (no /dev/fuse, no
# root, no loop device, a missing tool), 99 hard error (setup failed).
#
# Teardown is one function, run from the EXIT trap, in the only safe order:
# swapoff, losetup -d, unmount, kill the daemon, remove the temp dir.  It
# touches only what this test created: the loop devices it recorded, the
# mount points inside its own temp dir and the daemons serving them.  A swap
# area left on a dead daemon makes the kernel kill whoever swapped there, so
# swap always goes first and a failure to remove it is reported loudly.
#
# Environment: FZRAM (the daemon binary; default src/fzram beside the tests),
# FZRAMCTL (need_fzramctl; default src/fzramctl), FZRAM_SETUP (default
# contrib/fzram-setup),
# FZRAM_CORPUS (raw 4096-byte memory pages, optional), SWAPFILL (the
# tests/integ/swapfill helper; default beside this file), FZRAM_TEST_LOCK
# (the suite's lock file; default /tmp/fzram-integ.lock, one for every
# build on the machine, since --swapoff --all reaches every build's mounts).

LIB_DIR=$(cd "$(dirname "$0")" && pwd)
: "${FZRAM:=$LIB_DIR/../../src/fzram}"
: "${FZRAM_SETUP:=$LIB_DIR/../../contrib/fzram-setup}"
SUITE_LOCK=${FZRAM_TEST_LOCK:-/tmp/fzram-integ.lock}

# shellcheck disable=SC2034 # used by the tests
PAGE=4096
T=
MNT=
F=
DPID=
_mnts=
_pids=
_loops=
_intent=
_locked=
_nmnt=0

# ---------------------------------------------------------------------------
# Messages and exits

log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# skip REASON: exit 77 (automake SKIP) with the reason in the log.
skip() {
	log "SKIP: $*"
	_intent=77
	exit 77
}

# setup_error WHAT: exit 99 (automake ERROR): the test could not be set up.
setup_error() {
	log "ERROR: $*"
	_intent=99
	exit 99
}

# fail WHAT: the assertion failed; exit 1.
fail() {
	log "FAIL: $*"
	_intent=1
	exit 1
}

# pass WHAT: one line saying what held.
ok() {
	log "ok: $*"
}

# ---------------------------------------------------------------------------
# Preconditions

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

need_cmd() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 ||
			skip "needs $_c${_pkg:+ (Debian package $_pkg)}"
	done
}

# need_fuse: /dev/fuse usable, fusermount3 for unmounting, a daemon binary.
# need_fzramctl: FZRAMCTL (default src/fzramctl beside the tests), made
# absolute; skip the test when it is not there.
need_fzramctl() {
	: "${FZRAMCTL:=$LIB_DIR/../../src/fzramctl}"
	case $FZRAMCTL in
	/*) ;;
	*) FZRAMCTL=$(pwd)/$FZRAMCTL ;;
	esac
	[ -x "$FZRAMCTL" ] ||
		skip "no fzramctl binary at $FZRAMCTL (set FZRAMCTL)"
}

need_fuse() {
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	if [ "$(id -u)" -ne 0 ]; then
		if ! [ -r /dev/fuse ] || ! [ -w /dev/fuse ]; then
			skip "/dev/fuse not usable by $(id -un) and not root"
		fi
	fi
	_pkg=fuse3 need_cmd fusermount3
	case $FZRAM in
	/*) ;;
	*) FZRAM=$(pwd)/$FZRAM ;;
	esac
	[ -x "$FZRAM" ] || skip "no fzram binary at $FZRAM (set FZRAM)"
}

# need_loop: root, losetup and a loop device to be had.
need_loop() {
	need_root
	_pkg=mount need_cmd losetup
	[ -e /dev/loop-control ] || [ -b /dev/loop0 ] ||
		skip "no loop devices (/dev/loop-control missing)"
}

# need_attr: getfattr and setfattr (Debian package attr).
need_attr() {
	_pkg=attr need_cmd getfattr setfattr
}

# ---------------------------------------------------------------------------
# Setup and teardown

# setup: make the temp dir $T and install the teardown trap.
setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/fzram-integ.XXXXXX") ||
		setup_error "mktemp -d failed"
	case $T in
	*[[:space:]]*)
		rmdir "$T"
		T=$(mktemp -d /tmp/fzram-integ.XXXXXX) ||
			setup_error "mktemp -d failed"
		;;
	esac
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# The suite's lock, shared by every test for as long as it runs (on
	# fd 8, inherited by what it starts): a test that acts on every fzram
	# takes it alone (suite_alone), so that no other test's mounts are
	# there to be caught.
	# Opened for reading, so that any user can lock a file root made.
	_locked=
	if lock_file_ok "$SUITE_LOCK"; then
		exec 8<"$SUITE_LOCK"
		flock -s -w 900 8 ||
			setup_error "the suite's lock $SUITE_LOCK stayed held"
		_locked=1
	else
		log "no suite lock ($SUITE_LOCK not readable or no flock)"
	fi
}

# lock_file_ok FILE: make FILE if it is missing (readable by all); whether
# this user can read it and flock(1) is there to lock it.
lock_file_ok() {
	[ -e "$1" ] || (umask 022 && : >>"$1") 2>/dev/null || :
	[ -r "$1" ] && command -v flock >/dev/null 2>&1
}

# suite_alone: wait (at most 15 minutes) until this test holds the suite's
# lock alone; returns 1 if it does not (or there is no lock).  suite_shared
# shares it again.
suite_alone() {
	[ -n "$_locked" ] && flock -x -w 900 8
}
suite_shared() {
	[ -z "$_locked" ] || flock -s 8
}

# swap_alone: wait (at most 15 minutes) to be the only test of the suite
# that pages out to a swap of its own at the top priority, and stay so
# until exit (fd 7).  Two such swaps would share the pages (swap areas of
# equal priority are used in turn), and each test would count the other's.
# Without flock, or a lock file this user cannot read, it goes on alone.
swap_alone() {
	_sl=${SUITE_LOCK%.lock}-swap.lock
	if lock_file_ok "$_sl"; then
		exec 7<"$_sl"
		flock -x -w 900 7 || setup_error "the swap lock $_sl stayed held"
	fi
}

# is_mounted DIR: a FUSE file system is mounted exactly at DIR.
is_mounted() {
	awk -v d="$1" '{
		for (i = 7; i <= NF; i++)
			if ($i == "-") {
				if ($5 == d && ($(i + 1) == "fuse" ||
				    $(i + 1) ~ /^fuse\./))
					found = 1
				break
			}
	} END { exit !found }' /proc/self/mountinfo
}

# fstype_of DIR: the file system type mounted at DIR (the last one).
fstype_of() {
	awk -v d="$1" '$5 == d {
		for (i = 7; i <= NF; i++)
			if ($i == "-") { t = $(i + 1); break }
	} END { print t }' /proc/self/mountinfo
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) ||
		return 1
	[ -n "$_st" ] && [ "$_st" != Z ]
}

# pids_serving DIR: pids of processes whose argv has DIR as an argument:
# the daemon of a mount point made in our own temp dir (for daemons that
# forked away from us).
pids_serving() {
	for _p in /proc/[0-9]*; do
		[ -r "$_p/cmdline" ] || continue
		if { tr '\0' '\n' <"$_p/cmdline"; } 2>/dev/null |
			grep -qxF -- "$1"; then
			echo "${_p#/proc/}"
		fi
	done
}

# wait_gone PID [TRIES]: wait (bounded, 0.1 s steps) until PID has exited.
wait_gone() {
	_n=${2:-300}
	while alive "$1"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# wait_unmounted DIR [TRIES]
wait_unmounted() {
	_n=${2:-300}
	while is_mounted "$1"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# unmount DIR: unmount our mount at DIR (fusermount3 -u, then umount -l).
unmount() {
	is_mounted "$1" || return 0
	fusermount3 -u "$1" 2>/dev/null || umount "$1" 2>/dev/null ||
		fusermount3 -uz "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
	! is_mounted "$1"
}

cleanup() {
	_rc=$?
	set +e
	trap - EXIT INT TERM HUP
	# A test's own teardown, before the common one.
	[ -n "${CLEANUP_HOOK-}" ] && "$CLEANUP_HOOK"
	# A command that happened to exit 77 or 99 is a failure, not a skip.
	if [ "$_rc" -eq 77 ] || [ "$_rc" -eq 99 ]; then
		[ "$_intent" = "$_rc" ] || _rc=1
	fi
	# Only loop devices we attached and that still show our file: the
	# number of one we detached may have been taken by someone else since.
	for _l in $_loops; do
		ours_loop "$_l" || continue
		if grep -q "^${_l}[[:space:]]" /proc/swaps 2>/dev/null; then
			swapoff "$_l" ||
				log "CLEANUP: swapoff $_l FAILED: it is still swap"
		fi
		losetup -d "$_l" || log "CLEANUP: losetup -d $_l failed"
	done
	for _m in $_mnts; do
		unmount "$_m" || log "CLEANUP: could not unmount $_m"
	done
	for _m in $_mnts; do
		for _p in $(pids_serving "$_m"); do
			case " $_pids " in
			*" $_p "*) ;;
			*) _pids="$_pids $_p" ;;
			esac
		done
	done
	for _p in $_pids; do
		if alive "$_p"; then
			kill -TERM "$_p" 2>/dev/null
			wait_gone "$_p" 100 || kill -KILL "$_p" 2>/dev/null
		fi
	done
	# On failure, the daemons' own words (crash reports, sanitizers).
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ] && [ -n "$T" ]; then
		for _f in "$T"/daemon*.log; do
			[ -s "$_f" ] || continue
			log "--- last lines of ${_f##*/}:"
			tail -n 60 "$_f" >&2
		done
	fi
	_busy=
	for _m in $_mnts; do
		is_mounted "$_m" && _busy=1
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ -n "$_busy" ]; then
			log "CLEANUP: leaving $T: something is still mounted"
		else
			rm -rf "$T"
		fi
	fi
	exit "$_rc"
}

# ---------------------------------------------------------------------------
# The daemon

# new_mountpoint: a fresh empty directory in $T, recorded for teardown, in
# $NEWMNT (not printed: a command substitution would lose the record).
new_mountpoint() {
	_nmnt=$((_nmnt + 1))
	NEWMNT=$T/mnt$_nmnt
	mkdir "$NEWMNT" || setup_error "mkdir $NEWMNT"
	_mnts="$_mnts $NEWMNT"
}

# opt_file OPTS: the file name an -o string selects (file=NAME).
opt_file() {
	_name=swapfile
	_old_ifs=$IFS
	IFS=,
	for _o in $1; do
		case $_o in
		file=*) _name=${_o#file=} ;;
		esac
	done
	IFS=$_old_ifs
	echo "$_name"
}

# wait_file PATH PID: bounded wait until the mount shows PATH while PID
# lives.  Returns 1 if PID died or the wait ran out.
wait_file() {
	_n=300
	while ! { is_mounted "${1%/*}" && [ -f "$1" ]; }; do
		alive "$2" || return 1
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# start_daemon OPTS [EXTRA ARGS...]: mount a new fzram in the foreground
# (-f, in the background of this shell, so that its pid and exit status are
# ours) with -o OPTS, and $FZRAM_TEST_OPTS if set (uring.sh runs other
# tests with it).  Sets MNT, F (the file), DPID and DLOG (its stderr).
start_daemon() {
	_opts=$1
	shift
	new_mountpoint
	MNT=$NEWMNT
	F=$MNT/$(opt_file "$_opts")
	DLOG=$T/daemon$_nmnt.log
	"$FZRAM" -f "$@" -o "$_opts${FZRAM_TEST_OPTS:+,$FZRAM_TEST_OPTS}" "$MNT" \
		>"$DLOG" 2>&1 &
	DPID=$!
	_pids="$_pids $DPID"
	if ! wait_file "$F" "$DPID"; then
		log "daemon log:"
		cat "$DLOG" >&2
		setup_error "fzram -o $_opts did not mount $F"
	fi
}

# stop_daemon: unmount $MNT and wait for the daemon to exit; its exit
# status is the return value (bounded: fails if it does not exit).
stop_daemon() {
	unmount "$MNT" || fail "could not unmount $MNT"
	wait_gone "$DPID" || fail "daemon $DPID still running after unmount"
	_st=0
	wait "$DPID" || _st=$?
	return "$_st"
}

# ---------------------------------------------------------------------------
# Reading the file and its attributes

# xattr NAME [FILE]: the value of user.fzram.NAME (trailing newline cut).
xattr() {
	getfattr --absolute-names --only-values -n "user.fzram.$1" "${2:-$F}" ||
		fail "getfattr user.fzram.$1 ${2:-$F}"
}

# setx NAME VALUE [FILE]
setx() {
	setfattr -n "user.fzram.$1" -v "$2" "${3:-$F}"
}

# setd NAME VALUE: set user.fzram.NAME on the mount's directory, where
# writeback, recompress and compact wait for their job and return its
# error (on the file they start it and return at once).
setd() {
	setfattr -n "user.fzram.$1" -v "$2" "$MNT"
}

# mm COLUMN [FILE]: one mm_stat column by name.
mm() {
	case $1 in
	orig_data_size) _c=1 ;;
	compr_data_size) _c=2 ;;
	mem_used_total) _c=3 ;;
	mem_limit) _c=4 ;;
	mem_used_max) _c=5 ;;
	same_pages) _c=6 ;;
	pages_compacted) _c=7 ;;
	huge_pages) _c=8 ;;
	huge_pages_since) _c=9 ;;
	*) setup_error "mm: no column $1" ;;
	esac
	_v=$(xattr mm_stat "${2:-$F}") || exit 1
	echo "$_v" | awk -v c="$_c" '{ print $c }'
}

# io COLUMN [FILE]: one io_stat column by name.
io() {
	case $1 in
	failed_reads) _c=1 ;;
	failed_writes) _c=2 ;;
	invalid_io) _c=3 ;;
	notify_free) _c=4 ;;
	*) setup_error "io: no column $1" ;;
	esac
	_v=$(xattr io_stat "${2:-$F}") || exit 1
	echo "$_v" | awk -v c="$_c" '{ print $c }'
}

# bd COLUMN [FILE]: one bd_stat column by name.
bd() {
	case $1 in
	bd_count) _c=1 ;;
	bd_reads) _c=2 ;;
	bd_writes) _c=3 ;;
	bd_data_bytes) _c=4 ;;
	bd_used_bytes) _c=5 ;;
	*) setup_error "bd: no column $1" ;;
	esac
	_v=$(xattr bd_stat "${2:-$F}") || exit 1
	echo "$_v" | awk -v c="$_c" '{ print $c }'
}

# ---------------------------------------------------------------------------
# swapfill paged out on a swap, then faulted back in (writeback.sh,
# recomp.sh).  The caller's cleanup hook kills $FILLPID and removes $CG.

# fill_start MIB NAME: start swapfill over MIB MiB of pages (its
# environment is the caller's: SWAPFILL_MARKER, FZRAM_CORPUS), in a memory
# cgroup of its own named NAME where one can be made, so that
# fill_finish can empty its swap cache; return once it has paged out and
# paused.  Sets FILLPID and CG (empty without a cgroup).
fill_start() {
	mkfifo "$T/go"
	SWAPFILL_WAIT=1 "$SWAPFILL" "$1" "$F" \
		<"$T/go" >"$T/fill.out" 2>"$T/fill.err" &
	FILLPID=$!
	CG=
	if [ -w /sys/fs/cgroup/memory ] &&
		mkdir "/sys/fs/cgroup/memory/$2.$$" 2>/dev/null; then
		CG=/sys/fs/cgroup/memory/$2.$$
		echo "$FILLPID" >"$CG/cgroup.procs" ||
			setup_error "moving swapfill into $CG"
	fi
	exec 6>"$T/go"
	_n=600
	while ! grep -q '^paused' "$T/fill.out"; do
		alive "$FILLPID" || {
			cat "$T/fill.out" "$T/fill.err" >&2
			fail "swapfill exited before pausing"
		}
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || fail "swapfill did not page out in time"
		sleep 0.1
	done
	cat "$T/fill.out" >&2
}

# fill_finish: empty swapfill's swap cache (its pages are on the swap
# device and clean, so each fault then reads the device), let it fault
# every page back and compare, and check that it did.  Leaves $CG for the
# caller (empty when there was none).
fill_finish() {
	if [ -n "$CG" ]; then
		echo 0 >"$CG/memory.force_empty" ||
			log "note: memory.force_empty failed"
	fi
	echo go >&6
	exec 6>&-
	_st=0
	wait "$FILLPID" || _st=$?
	FILLPID=
	cat "$T/fill.out" >&2
	cat "$T/fill.err" >&2
	assert_eq "$_st" 0 "swapfill exit status (pages compared)"
	grep -q '^ok ' "$T/fill.out" || fail "swapfill did not say ok"
}

# size_of FILE / blocks_of FILE: st_size, st_blocks (512-byte units).
size_of() {
	stat -c %s "$1"
}
blocks_of() {
	stat -c %b "$1"
}

# write_at SRC OFFSET [FILE]: copy SRC into FILE at byte OFFSET.
write_at() {
	dd if="$1" of="${3:-$F}" bs=64K conv=notrunc oflag=seek_bytes \
		seek="$2" status=none
}

# read_at OFFSET LENGTH [FILE]: LENGTH bytes of FILE from OFFSET to stdout.
read_at() {
	dd if="${3:-$F}" bs=64K iflag=skip_bytes,count_bytes skip="$1" \
		count="$2" status=none
}

# text N [SEED]: N bytes of compressible text (numbered lines) to stdout.
text() {
	awk -v n="$1" -v s="${2:-0}" 'BEGIN {
		for (i = 0; i * 52 < n; i++)
			printf "%08d the quick brown fox jumps over the lazy dog\n",
				i + s
	}' | head -c "$1"
}

# zeros N: N zero bytes to stdout.
zeros() {
	head -c "$1" /dev/zero
}

# patch DEST SRC OFFSET: write SRC into the ordinary file DEST at OFFSET.
patch() {
	dd if="$2" of="$1" bs=64K conv=notrunc oflag=seek_bytes seek="$3" \
		status=none
}

# ---------------------------------------------------------------------------
# Assertions (numbers are integers; sh arithmetic is 64-bit here)

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
assert_le() {
	[ "$1" -le "$2" ] || fail "$3: $1 > $2"
}
assert_lt() {
	[ "$1" -lt "$2" ] || fail "$3: $1 >= $2"
}
assert_ge() {
	[ "$1" -ge "$2" ] || fail "$3: $1 < $2"
}
assert_gt() {
	[ "$1" -gt "$2" ] || fail "$3: $1 <= $2"
}

# assert_same FILE1 FILE2 WHAT: byte-identical.
assert_same() {
	cmp "$1" "$2" >&2 || fail "$3: contents differ"
}

# ---------------------------------------------------------------------------
# Loop devices and swap (root)

# loop_attach FILE [losetup options]: attach FILE to a free loop device,
# recorded for teardown; its name in $LOOP.
loop_attach() {
	_f=$1
	shift
	LOOP=$(losetup "$@" -f --show "$_f") || setup_error "losetup $* $_f"
	_loops="$_loops $LOOP"
}

# ours_loop DEV: DEV is attached to a file inside our temp dir.
ours_loop() {
	[ -n "$T" ] || return 1
	_bf=$(losetup -n -O BACK-FILE "$1" 2>/dev/null) || return 1
	case $_bf in
	"$T"/*) return 0 ;;
	esac
	return 1
}

# loop_detach DEV: detach one of ours now (swapoff first if it is swap).
loop_detach() {
	ours_loop "$1" || fail "loop_detach: $1 is not ours"
	losetup -d "$1"
}

# swap_on DEV [swapon options]: swapon one of our loop devices (teardown
# swaps off every loop device of ours that is swap).
swap_on() {
	_d=$1
	shift
	ours_loop "$_d" || setup_error "swap_on: $_d is not ours"
	swapon "$@" "$_d" || setup_error "swapon $* $_d"
}
