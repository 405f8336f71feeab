#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fzramctl.sh - fzramctl against live mounts (root): the listing (default
# columns, values equal to the xattrs, --json, +LIST, the backing store's
# and recompression's columns, bad arguments), then recompression's columns
# after a recompression, then --swapon --backing (where the daemon has the
# writeback tier), then
# --swapon and --swapoff (by loop device, file and mount point, and --all
# when no other fzram exists and no other test runs), then a failure forced
# at each step of --swapon (FZRAMCTL_FAIL_AT) leaving nothing behind; last,
# fzram-setup start and stop with a temporary config and state file, beside
# a swap of fzramctl's that stop must leave alone.
#
# --swapon works in /run/fzram, which is shared with the system, not in our
# temp dir.  So the state of /run/fzram (the fuse.fzram mounts there, the
# loop devices on files there, which of those are swap, the entries of the
# directory) is recorded before anything else, and "nothing left behind"
# means nothing that was not in that record: other tests running in
# parallel keep their loop devices and swaps in their own temp dirs, and a
# swap of the system's own is left alone.  The teardown trap takes down,
# swap first, whatever in /run/fzram was not in the record.
#
# Environment: FZRAMCTL (default src/fzramctl beside the tests), FZRAM (the
# daemon, as lib.sh), FZRAM_SETUP (default contrib/fzram-setup).
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

LC_ALL=C
export LC_ALL
RUN=/run/fzram

need_root
need_fuse
need_loop
need_attr
_pkg=util-linux need_cmd mkswap swapon swapoff
_pkg=coreutils need_cmd timeout comm
need_fzramctl

# ---------------------------------------------------------------------------
# The state of /run/fzram, and the teardown of what we added to it

# fz_state: one sorted line per thing in /run/fzram: "mount DIR" (a
# fuse.fzram mount), "loop DEV FILE" (a loop device on a file there),
# "swap DEV" (such a loop device that is swap), "emptydir DIR" and
# "entry PATH" (the directory's entries).
fz_state() {
	{
		awk -v run="$RUN/" '{
			for (i = 7; i <= NF; i++)
				if ($i == "-") {
					if ($(i + 1) == "fuse.fzram" &&
					    index($5, run) == 1)
						print "mount " $5
					break
				}
		}' /proc/self/mountinfo
		for _b in /sys/block/loop*/loop/backing_file; do
			[ -r "$_b" ] || continue
			_bf=$(cat "$_b" 2>/dev/null) || continue
			case $_bf in
			"$RUN"/*) ;;
			*) continue ;;
			esac
			_d=${_b#/sys/block/}
			_d=/dev/${_d%%/*}
			echo "loop $_d $_bf"
			if awk -v d="$_d" '$1 == d { f = 1 } END { exit !f }' \
				/proc/swaps; then
				echo "swap $_d"
			fi
		done
		for _e in "$RUN"/* "$RUN"/.[!.]*; do
			[ -e "$_e" ] || continue
			if [ -d "$_e" ] && [ -z "$(ls -A "$_e" 2>/dev/null)" ]
			then
				echo "emptydir $_e"
			else
				echo "entry $_e"
			fi
		done
	} | sort
}

# state_new FILE: the lines of fz_state now that are not in FILE.
state_new() {
	fz_state | comm -13 "$1" -
}

# state_gone FILE: the lines of FILE no longer in fz_state, but for empty
# directories (fzramctl takes an empty /run/fzram/N and removes it after).
state_gone() {
	fz_state | comm -23 "$1" - | grep -v '^emptydir ' || true
}

# assert_state_same FILE WHAT: /run/fzram holds nothing new and has lost
# nothing (but empty directories) since FILE was recorded.
assert_state_same() {
	_new=$(state_new "$1")
	_gone=$(state_gone "$1")
	[ -z "$_new" ] || fail "$2: left behind: $(echo "$_new" | tr '\n' ';')"
	[ -z "$_gone" ] || fail "$2: removed: $(echo "$_gone" | tr '\n' ';')"
}

# unmount_run DIR: unmount an fzram of ours in /run/fzram (bounded retries:
# a loop device detached a moment ago may still hold the file), then wait
# for its daemon, which exits on unmount.
unmount_run() {
	_n=50
	while is_mounted "$1"; do
		umount "$1" 2>/dev/null && break
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			umount -l "$1" || log "CLEANUP: could not unmount $1"
			break
		fi
		sleep 0.1
	done
	for _p in $(pids_serving "$1"); do
		wait_gone "$_p" 50 && continue
		kill -TERM "$_p" 2>/dev/null
		wait_gone "$_p" 50 || kill -KILL "$_p" 2>/dev/null
	done
}

# ctl_cleanup: take down, in the safe order, whatever in /run/fzram is not
# in the record; put back the empty directories fzramctl took; then lib.sh's
# cleanup (our temp dir and its mounts).
ctl_cleanup() {
	_crc=$?
	set +e
	if [ -n "$T" ] && [ -f "$T/state0" ]; then
		_new=$(state_new "$T/state0")
		echo "$_new" | while read -r _k _a _b; do
			[ "$_k" = swap ] || continue
			log "CLEANUP: swapoff $_a"
			swapoff "$_a" ||
				log "CLEANUP: swapoff $_a FAILED: it is still swap"
		done
		echo "$_new" | while read -r _k _a _b; do
			[ "$_k" = loop ] || continue
			# Only if it still holds the file we saw.
			[ "$(cat "/sys/block/${_a#/dev/}/loop/backing_file" \
				2>/dev/null)" = "$_b" ] || continue
			log "CLEANUP: losetup -d $_a"
			losetup -d "$_a" || log "CLEANUP: losetup -d $_a failed"
		done
		echo "$_new" | while read -r _k _a _b; do
			[ "$_k" = mount ] || continue
			log "CLEANUP: umount $_a"
			unmount_run "$_a"
		done
		echo "$_new" | while read -r _k _a _b; do
			case $_k in
			entry | emptydir) ;;
			*) continue ;;
			esac
			if [ -d "$_a" ] && ! is_mounted "$_a"; then
				rmdir "$_a" 2>/dev/null
			fi
		done
		fz_state | comm -23 "$T/state0" - |
			while read -r _k _a _b; do
				[ "$_k" = emptydir ] || continue
				[ -e "$_a" ] || mkdir "$_a"
			done
	fi
	# vm.page-cluster as we found it, if a failure left it changed
	if [ -n "${PC0-}" ] && [ "$(cat "$PCF")" != "$PC0" ]; then
		log "CLEANUP: vm.page-cluster back to $PC0"
		echo "$PC0" >"$PCF"
	fi
	[ -z "${PCSTATE_OURS-}" ] || rm -f "$PCSTATE"
	(exit "$_crc")
	cleanup
}

setup
trap ctl_cleanup EXIT
# Every --swapon below sets vm.page-cluster: what it was, to put back
# should a test fail before its --swapoff.
PCF=/proc/sys/vm/page-cluster PCSTATE=/run/fzram-page-cluster
PC0=$(cat "$PCF")
PCSTATE_OURS=
[ -e "$PCSTATE" ] || PCSTATE_OURS=1
fz_state >"$T/state0.tmp"
mv "$T/state0.tmp" "$T/state0"
log "/run/fzram before: $(tr '\n' ';' <"$T/state0")"

# other_fzrams: whether fzram mounts other than the ones this test made
# exist anywhere (then --swapoff --all, which acts on all of them, is not
# run).
other_fzrams() {
	awk -v t="$T/" '{
		for (i = 7; i <= NF; i++)
			if ($i == "-") {
				if ($(i + 1) == "fuse.fzram" && index($5, t) != 1)
					f = 1
				break
			}
	} END { exit !f }' /proc/self/mountinfo
}

# ctl ARGS: run fzramctl (bounded), stdout to $T/out, stderr to $T/err; the
# exit status is the return value.  FAIL_AT, when set, goes to fzramctl as
# FZRAMCTL_FAIL_AT (not by "VAR=value ctl": whether that assignment outlives
# a function call differs between shells).
FAIL_AT=
ctl() {
	_st=0
	if [ -n "$FAIL_AT" ]; then
		FZRAMCTL_FAIL_AT=$FAIL_AT FZRAM=$FZRAM timeout 120 \
			"$FZRAMCTL" "$@" >"$T/out" 2>"$T/err" || _st=$?
	else
		FZRAM=$FZRAM timeout 120 "$FZRAMCTL" "$@" >"$T/out" \
			2>"$T/err" || _st=$?
	fi
	return "$_st"
}

# bad_args WHAT ARGS: fzramctl ARGS exits 1, prints nothing on stdout and
# one line on stderr, and changes nothing in /run/fzram.
bad_args() {
	_what=$1
	shift
	_st=0
	ctl "$@" || _st=$?
	assert_eq "$_st" 1 "exit status of fzramctl $*"
	[ ! -s "$T/out" ] || fail "fzramctl $*: printed $(cat "$T/out")"
	assert_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 \
		"lines on stderr for fzramctl $* ($(cat "$T/err"))"
	assert_state_same "$T/state0" "fzramctl $*"
	ok "$_what: exit 1, one line: $(cat "$T/err")"
}

# ---------------------------------------------------------------------------
# Listing

start_daemon size=64M,algorithm=zstd
text 1048576 >"$T/text"
write_at "$T/text" 0
zeros 262144 >"$T/zeros"
write_at "$T/zeros" 1048576
head -c 65536 /dev/urandom >"$T/random"
write_at "$T/random" 2097152

ctl || fail "fzramctl exited $? ($(cat "$T/err"))"
head -n 1 "$T/out" >"$T/header"
assert_eq "$(tr -s ' ' <"$T/header" | sed 's/ *$//')" \
	"NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT" \
	"default header"
# Only our row: other tests' mounts may be listed too.
awk -v m="$MNT" 'NR > 1 && $NF == m' "$T/out" >"$T/row"
assert_eq "$(wc -l <"$T/row" | tr -d ' ')" 1 "rows with mount point $MNT"
read -r name alg disksize _ <"$T/row"
assert_eq "$name" "$F" "NAME"
assert_eq "$alg" zstd "ALGORITHM"
assert_eq "$disksize" 64M "DISKSIZE (human-readable)"
ok "default listing: header and our row ($(tr -s ' ' <"$T/row"))"

# In bytes, without the header: the values are the xattrs', exactly.  The
# file is idle, so mm_stat must read the same before and after the listing.
cols=NAME,DISKSIZE,DATA,COMPR,TOTAL,MEM-LIMIT,MEM-USED,ZERO-PAGES,MIGRATED
cols=$cols,HUGE-PAGES,FAILED-READS,FAILED-WRITES,NOTIFY-FREE,STREAMS
mm0=$(xattr mm_stat)
ctl -o "$cols" --bytes --noheadings ||
	fail "fzramctl -o $cols -b -n exited $? ($(cat "$T/err"))"
mm1=$(xattr mm_stat)
assert_eq "$mm1" "$mm0" "mm_stat while idle"
io=$(xattr io_stat)
if grep -q '^NAME' "$T/out"; then
	fail "--noheadings printed a header"
fi
awk -v f="$F" '$1 == f' "$T/out" >"$T/row"
assert_eq "$(wc -l <"$T/row" | tr -d ' ')" 1 "rows named $F"
# shellcheck disable=SC2046,SC2086 # split on purpose
set -- $(cat "$T/row") $mm0 $io
# $1..$14: the columns; $15..$23: mm_stat; $24..$27: io_stat.
orig=${15} total=${17} same=${20}
assert_eq "$2" "$(xattr disksize)" "DISKSIZE = disksize"
assert_eq "$2" 67108864 "DISKSIZE in bytes"
assert_eq "$3" "${15}" "DATA = orig_data_size"
assert_eq "$4" "${16}" "COMPR = compr_data_size"
assert_eq "$5" "${17}" "TOTAL = mem_used_total"
assert_eq "$6" "${18}" "MEM-LIMIT = mem_limit"
assert_eq "$7" "${19}" "MEM-USED = mem_used_max"
assert_eq "$8" "${20}" "ZERO-PAGES = same_pages"
assert_eq "$9" "${21}" "MIGRATED = pages_compacted"
assert_eq "${10}" "${22}" "HUGE-PAGES = huge_pages"
assert_eq "${11}" "${24}" "FAILED-READS = failed_reads"
assert_eq "${12}" "${25}" "FAILED-WRITES = failed_writes"
assert_eq "${13}" "${27}" "NOTIFY-FREE = notify_free"
assert_ge "${14}" 1 "STREAMS"
# What was written: 1 MiB of text, 256 KiB of zeros, 64 KiB of noise.
assert_eq "$3" $((1048576 + 262144 + 65536)) "DATA after the writes"
assert_ge "$8" 64 "ZERO-PAGES after 256 KiB of zeros"
assert_ge "${10}" 1 "HUGE-PAGES after 64 KiB of noise"
ok "-b -n: DATA $3, COMPR $4, TOTAL $5, ZERO-PAGES $8 as in mm_stat"

# A file, its mount point: the listing narrows to that one fzram.
ctl -n -o NAME "$MNT" || fail "fzramctl -n -o NAME $MNT exited $?"
assert_eq "$(cat "$T/out")" "$F" "fzramctl -n -o NAME MOUNTPOINT"
ctl -n -o MOUNTPOINT "$F" || fail "fzramctl -n -o MOUNTPOINT $F exited $?"
assert_eq "$(cat "$T/out")" "$MNT" "fzramctl -n -o MOUNTPOINT FILE"
ok "a mount point or a file as argument lists just that fzram"

# --json (numbers with -b): it parses, and our row has algorithm "zstd".
if command -v python3 >/dev/null 2>&1; then
	ctl --json -b || fail "fzramctl --json -b exited $?"
	python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = [r for r in d["fzram"] if r.get("mountpoint") == sys.argv[1]]
if len(rows) != 1:
    sys.exit("rows with mountpoint %s: %r" % (sys.argv[1], rows))
r = rows[0]
want = {"name": sys.argv[2], "algorithm": "zstd", "disksize": 67108864,
        "data": int(sys.argv[3]), "total": int(sys.argv[4])}
for k, v in want.items():
    if r.get(k) != v or type(r.get(k)) is not type(v):
        sys.exit("%s: %r, expected %r" % (k, r.get(k), v))
' "$MNT" "$F" "$orig" "$total" <"$T/out" >"$T/py" 2>&1 ||
		fail "--json: $(cat "$T/py")"
	ok "--json: parses; our row has algorithm zstd and byte counts"
else
	log "no python3: --json not checked"
fi

# -o +ZERO-PAGES adds a column to the defaults.
ctl -o +ZERO-PAGES || fail "fzramctl -o +ZERO-PAGES exited $?"
assert_eq "$(head -n 1 "$T/out" | tr -s ' ' | sed 's/ *$//')" \
	"NAME ALGORITHM DISKSIZE DATA COMPR TOTAL STREAMS MOUNTPOINT ZERO-PAGES" \
	"header with +ZERO-PAGES"
zp=$(awk -v f="$F" '$1 == f { print $NF }' "$T/out")
assert_eq "$zp" "$same" "ZERO-PAGES column with +ZERO-PAGES"
ok "-o +ZERO-PAGES: a ninth column, $zp"

# --output-all: every column, once.
ctl --output-all || fail "fzramctl --output-all exited $?"
assert_eq "$(head -n 1 "$T/out" | tr -s ' ' | sed 's/ *$//')" \
	"NAME DISKSIZE DATA COMPR ALGORITHM STREAMS ZERO-PAGES TOTAL MEM-LIMIT MEM-USED MIGRATED COMP-RATIO MOUNTPOINT HUGE-PAGES FAILED-READS FAILED-WRITES NOTIFY-FREE LOOP SWAP BACKING BD-COUNT BD-READS BD-WRITES BD-COMPR BD-USED RECOMP RECOMP-PAGES RECOMP-COMPR SPILLED POLICY-WB SPILL-WAITS SWAP-USED" \
	"header of --output-all"
ok "--output-all: zramctl's columns, then fzram's"

# The backing store's columns, from a daemon without a backing store: the
# daemon's own backing_dev and bd_stat when it has them, else (a daemon
# from before the tier) blank cells; never a failure.
ctl -n --raw -o NAME,BACKING,BD-COUNT,BD-USED "$F" ||
	fail "fzramctl -o NAME,BACKING,BD-COUNT,BD-USED exited $? ($(cat "$T/err"))"
# shellcheck disable=SC2046 # split on purpose
set -- $(cat "$T/out")
assert_eq "$1" "$F" "NAME with the backing columns"
if getfattr --absolute-names --only-values -n user.fzram.bd_stat "$F" \
	>/dev/null 2>&1; then
	assert_eq "${2-}" "$(xattr backing_dev)" "BACKING = backing_dev"
	assert_eq "${2-}" none "BACKING without a backing store"
	assert_eq "${3-}" 0B "BD-COUNT without a backing store"
	ok "backing columns: none, 0B: $(cat "$T/out")"
else
	assert_eq "$#" 1 "cells of a daemon without bd_stat"
	log "this daemon has no bd_stat: the backing columns are blank"
fi

# Recompression's columns, from a daemon with no secondary algorithm: "-"
# and nothing recompressed; from one without the attributes, blank cells.
ctl -n --raw -o NAME,RECOMP,RECOMP-PAGES,RECOMP-COMPR "$F" ||
	fail "fzramctl -o NAME,RECOMP,... exited $? ($(cat "$T/err"))"
# shellcheck disable=SC2046 # split on purpose
set -- $(cat "$T/out")
assert_eq "$1" "$F" "NAME with the recompression columns"
if getfattr --absolute-names --only-values -n user.fzram.recomp_stat "$F" \
	>/dev/null 2>&1; then
	assert_eq "${2-}" - "RECOMP without a secondary algorithm"
	assert_eq "${3-}" 0 "RECOMP-PAGES without a secondary algorithm"
	assert_eq "${4-}" 0B "RECOMP-COMPR without a secondary algorithm"
	ok "recompression columns: -, 0, 0B: $(cat "$T/out")"
else
	assert_eq "$#" 1 "cells of a daemon without recomp_stat"
	log "this daemon has no recomp_stat: the recompression columns are blank"
fi

# Bad arguments: one line, exit 1, nothing done.
bad_args "unknown column" -o NAME,BOGUS
bad_args "unknown option" --bogus
bad_args "-o without its list" -o
bad_args "--swapon with --swapoff" --swapon --swapoff "$MNT"
bad_args "--size without --swapon" --size 16M
bad_args "--all without --swapoff" --all
bad_args "--swapoff without a target" --swapoff
bad_args "--swapon with a listing option" --swapon --json
bad_args "a bad --size" --swapon --size banana
bad_args "a --size not a multiple of 4096" --swapon --size 1000
bad_args "an unknown --algorithm" --swapon --algorithm lzo
bad_args "a --level out of range" --swapon --algorithm lz4hc --level 99
bad_args "a --priority out of range" --swapon --priority 40000
bad_args "an unknown --recomp" --swapon --recomp brotli
bad_args "a --recomp level out of range" --swapon --recomp zstd:99
bad_args "--recomp without --swapon" --recomp zstd
bad_args "an unknown option with --swapon" --swapon --size 16M --sise 1G
bad_args "--options without --swapon" --options poll_us=0
bad_args "--options with a space" --swapon --options "poll_us=0, uring"
bad_args "an empty --options" --swapon --options ""
bad_args "a relative --backing" --swapon --size 16M --backing backing.img
bad_args "--backing-size without --backing" --swapon --backing-size 8M
bad_args "--backing-encrypt without --backing" --swapon --backing-encrypt off
bad_args "a --backing-size below 1M" --swapon --backing "$T/bk" \
	--backing-size 512K
bad_args "a --backing-encrypt not on or off" --swapon --backing "$T/bk" \
	--backing-encrypt maybe
bad_args "--backing without --swapon" --backing "$T/bk"
[ ! -e "$T/bk" ] || fail "a refused --backing created $T/bk"
FAIL_AT=banana
bad_args "FZRAMCTL_FAIL_AT=banana" --swapon
FAIL_AT=
stop_daemon || fail "daemon exited $? after unmount"

# ---------------------------------------------------------------------------
# Recompression's columns after a recompression: a mount of lz4 with zstd
# as priority 1, 1 MiB of text marked idle and recompressed (on the mount's
# directory: the setxattr waits for the job).  RECOMP names zstd;
# RECOMP-PAGES and RECOMP-COMPR are recomp_stat's priorities 1..3.

start_daemon size=64M,algorithm=lz4,recomp=zstd
write_at "$T/text" 0
setx idle all || fail "setfattr idle all"
setd recompress type=idle || fail "setfattr recompress type=idle on $MNT"
ctl -n --raw -b -o RECOMP,RECOMP-PAGES,RECOMP-COMPR "$F" ||
	fail "fzramctl -o RECOMP,... exited $? ($(cat "$T/err"))"
rs=$(xattr recomp_stat)
# shellcheck disable=SC2046,SC2086 # split on purpose
set -- $(cat "$T/out") $rs
# $1..$3: the columns; $4..$11: recomp_stat (pages, bytes of 0..3)
assert_eq "$1" zstd "RECOMP after -o recomp=zstd"
assert_gt "$2" 0 "RECOMP-PAGES after recompress type=idle"
assert_eq "$2" $(($6 + $8 + ${10})) "RECOMP-PAGES = recomp_stat's pages 1..3"
assert_eq "$3" $(($7 + $9 + ${11})) "RECOMP-COMPR = recomp_stat's bytes 1..3"
assert_gt "$3" 0 "RECOMP-COMPR after recompress type=idle"
# fewer bytes than the pages' size: they were recompressed, not copied
assert_lt "$3" $(($2 * 4096)) "RECOMP-COMPR against RECOMP-PAGES pages"
read_at 0 1048576 >"$T/back"
assert_same "$T/back" "$T/text" "data after recompress"
ok "after recompress type=idle: RECOMP $1, RECOMP-PAGES $2, RECOMP-COMPR $3"
if command -v python3 >/dev/null 2>&1; then
	ctl --json -o MOUNTPOINT,RECOMP,RECOMP-PAGES,RECOMP-COMPR ||
		fail "fzramctl --json -o RECOMP,... exited $?"
	python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["fzram"]
        if r["mountpoint"] == sys.argv[1]]
if len(rows) != 1:
    sys.exit("rows with mountpoint %s: %r" % (sys.argv[1], rows))
r = rows[0]
want = {"recomp": "zstd", "recomp-pages": int(sys.argv[2])}
for k, v in want.items():
    if r.get(k) != v or type(r.get(k)) is not type(v):
        sys.exit("%s: %r, expected %r" % (k, r.get(k), v))
if not isinstance(r.get("recomp-compr"), str) or not r["recomp-compr"]:
    sys.exit("recomp-compr: %r, expected a human size" % r.get("recomp-compr"))
' "$MNT" "$2" <"$T/out" >"$T/py" 2>&1 || fail "--json: $(cat "$T/py")"
	ok "--json: recomp a string, recomp-pages a number, recomp-compr a size"
fi
stop_daemon || fail "daemon exited $? after unmount"

# ---------------------------------------------------------------------------
# --swapon and --swapoff

# swapon_ok ARGS: fzramctl --swapon ARGS succeeds and prints a loop device,
# into $DEV; its file into $SF, its mount point into $SD.
swapon_ok() {
	ctl --swapon "$@" || fail "fzramctl --swapon $* exited $? ($(cat "$T/err"))"
	assert_eq "$(wc -l <"$T/out" | tr -d ' ')" 1 "lines printed by --swapon"
	DEV=$(cat "$T/out")
	case $DEV in
	/dev/loop[0-9]*) ;;
	*) fail "--swapon printed '$DEV', not a loop device" ;;
	esac
	SF=$(losetup -n -O BACK-FILE "$DEV") || fail "losetup $DEV"
	SD=${SF%/*}
	case $SD in
	"$RUN"/[0-9]*) ;;
	*) fail "$DEV is on $SF, not in $RUN/N" ;;
	esac
	assert_eq "$(fstype_of "$SD")" fuse.fzram "file system at $SD"
	assert_eq "$(losetup -n -O DIO "$DEV" | tr -d ' ')" 1 "DIO of $DEV"
	prio=$(awk -v d="$DEV" '$1 == d { print $5 }' /proc/swaps)
	[ -n "$prio" ] || fail "$DEV is not in /proc/swaps"
}

# swapoff_ok TARGET: fzramctl --swapoff TARGET takes $DEV down entirely.
swapoff_ok() {
	ctl --swapoff "$1" ||
		fail "fzramctl --swapoff $1 exited $? ($(cat "$T/err"))"
	if awk -v d="$DEV" '$1 == d { f = 1 } END { exit !f }' /proc/swaps
	then
		fail "$DEV is still swap after --swapoff $1"
	fi
	[ "$(cat "/sys/block/${DEV#/dev/}/loop/backing_file" 2>/dev/null)" != \
		"$SF" ] || fail "$DEV still attached to $SF after --swapoff $1"
	is_mounted "$SD" && fail "$SD still mounted after --swapoff $1"
	[ ! -e "$SD" ] || fail "$SD still exists after --swapoff $1"
	for _p in $(pids_serving "$SD"); do
		wait_gone "$_p" || fail "daemon $_p of $SD still running"
	done
	assert_state_same "$T/state0" "after --swapoff $1"
}

swapon_ok --size 64M --algorithm lz4
assert_eq "$prio" 100 "default swap priority"
assert_eq "$(size_of "$SF")" 67108864 "size of $SF"
case $(xattr comp_algorithm "$SF") in
*"[lz4]"*) ;;
*) fail "--algorithm lz4 did not reach fzram: $(xattr comp_algorithm "$SF")" ;;
esac
ctl -n -o NAME,LOOP,SWAP "$DEV" || fail "fzramctl -o NAME,LOOP,SWAP $DEV"
assert_eq "$(tr -s ' ' <"$T/out" | sed 's/ *$//')" "$SF $DEV yes" \
	"NAME LOOP SWAP of the swap"
ok "--swapon: $DEV on $SF, fuse.fzram, DIO on, priority 100"
# SWAP-USED: /proc/swaps' Used of $DEV, in bytes (read before and after:
# the kernel may swap meanwhile); SPILLED: policy_stat's fifth column, or
# empty from a daemon without it.
u0=$(awk -v d="$DEV" '$1 == d { print $4 * 1024 }' /proc/swaps)
ctl -n --raw -b -o SWAP-USED "$DEV" || fail "fzramctl -o SWAP-USED $DEV"
su=$(cat "$T/out")
u1=$(awk -v d="$DEV" '$1 == d { print $4 * 1024 }' /proc/swaps)
[ "$su" = "$u0" ] || [ "$su" = "$u1" ] ||
	fail "SWAP-USED of $DEV: '$su', /proc/swaps says $u0 then $u1"
ctl -n --raw -o SPILLED "$DEV" || fail "fzramctl -o SPILLED $DEV"
if pol=$(getfattr --absolute-names --only-values -n user.fzram.policy_stat \
	"$SF" 2>/dev/null); then
	assert_eq "$(cat "$T/out")" "$(echo "$pol" | awk '{ print $5 }')" \
		"SPILLED against policy_stat"
else
	assert_eq "$(cat "$T/out")" "" "SPILLED without policy_stat"
fi
ok "SWAP-USED $su bytes as /proc/swaps; SPILLED '$(cat "$T/out")'"
swapoff_ok "$DEV"
ok "--swapoff $DEV: no swap, no loop device, no mount, no $SD"

swapon_ok --size 32M --algorithm zstd -p level=1 --priority 5 \
	--mem-limit 16M --recomp lz4hc:12 --recomp 'zstd(level=19)' \
	--recomp lz4
assert_eq "$prio" 5 "--priority 5"
assert_eq "$(xattr mem_limit "$SF")" 16777216 "mem_limit of --mem-limit 16M"
case $(xattr comp_algorithm "$SF") in
*"[zstd]"*) ;;
*) fail "--algorithm zstd did not reach fzram" ;;
esac
assert_eq "$(xattr recomp_algorithm "$SF")" "#1: lz4 [lz4hc] zstd
#2: lz4 lz4hc [zstd]
#3: [lz4] lz4hc zstd" "recomp_algorithm of three --recomp"
ctl -n --raw -o RECOMP "$DEV" || fail "fzramctl -o RECOMP $DEV"
assert_eq "$(cat "$T/out")" lz4hc,zstd,lz4 "RECOMP of three --recomp"
swapoff_ok "$SF"
ok "--swapon with priority, -p level=, mem-limit and three recomp; --swapoff by file"

# dictionaries: -p dict= for the primary, a secondary's in both forms
ctl --train-dict "$T/z1.dict" -q --size 16K "$T/text" ||
	fail "--train-dict $T/text: $(cat "$T/err")"
ctl --train-dict "$T/l.dict" -q --algorithm lz4 --size 16K "$T/text" ||
	fail "--train-dict --algorithm lz4 $T/text: $(cat "$T/err")"
swapon_ok --size 32M --algorithm zstd -p "level=1 dict=$T/z1.dict" \
	--recomp "lz4hc:9:dict=$T/l.dict" --recomp "zstd(level=19,dict=$T/z1.dict)"
printf '%s\n' "priority=0 algo=zstd level=1 dict=$T/z1.dict" \
	"priority=1 algo=lz4hc level=9 dict=$T/l.dict" \
	"priority=2 algo=zstd level=19 dict=$T/z1.dict" >"$T/want"
xattr algorithm_params "$SF" >"$T/got"
assert_same "$T/got" "$T/want" "algorithm_params of -p dict= and two --recomp"
swapoff_ok "$SF"
ok "--swapon with dictionaries: -p dict=, --recomp ALG:L:dict= and ALG(level=,dict=)"

swapon_ok --size 16M
swapoff_ok "$SD"
ok "--swapon with fzram's defaults; --swapoff by mount point"

swapon_ok --size 16M --options poll_us=0,nomlock
found=
for p in $(pids_serving "$SD"); do
	tr '\0' ' ' <"/proc/$p/cmdline" | grep -q "poll_us=0,nomlock" && found=$p
done
[ -n "$found" ] || fail "--options poll_us=0,nomlock did not reach fzram"
swapoff_ok "$DEV"
ok "--options poll_us=0,nomlock reached the daemon (pid $found)"

# --swapon --backing: the path (with a comma, which fzramctl escapes for
# fzram's option parser) reaches the daemon and shows in BACKING.  Run only
# by a daemon that has the writeback tier: an older one refuses the option,
# and fzramctl must then have undone everything.
st=0
ctl --swapon --size 16M --backing "$T/bk,1.img" --backing-size 4M || st=$?
if [ "$st" -ne 0 ] && grep -q "unknown option" "$T/err"; then
	assert_state_same "$T/state0" "--backing refused by an older daemon"
	log "this daemon has no backing=: --swapon --backing not run"
else
	[ "$st" -eq 0 ] || fail "fzramctl --swapon --backing exited $st ($(cat "$T/err"))"
	DEV=$(cat "$T/out")
	SF=$(losetup -n -O BACK-FILE "$DEV") || fail "losetup $DEV"
	SD=${SF%/*}
	assert_eq "$(xattr backing_dev "$SF")" "$T/bk,1.img" "backing_dev"
	ctl -n --raw -o BACKING,BD-COUNT "$DEV" || fail "fzramctl -o BACKING"
	assert_eq "$(cat "$T/out")" "$T/bk,1.img 0B" "BACKING, BD-COUNT"
	assert_eq "$(stat -c %a "$T/bk,1.img")" 600 "mode of the backing file"
	swapoff_ok "$DEV"
	ok "--swapon --backing: $T/bk,1.img reached the daemon, mode 0600"
fi

bad_args "--swapoff of something not fzram" --swapoff /dev/null
bad_args "a --page-cluster out of range" --swapon --page-cluster 11
bad_args "a --page-cluster not a number" --swapon --page-cluster fast
bad_args "--page-cluster without --swapon" --page-cluster 4

# vm.page-cluster: set by --swapon (5, or --page-cluster N, or left with
# keep), put back by the --swapoff of the last fzram in /run/fzram; run
# alone, as --all below, since the setting is the whole machine's.
if ! suite_alone; then
	suite_shared
	log "the suite's lock is busy: vm.page-cluster not checked"
elif other_fzrams || [ -e "$PCSTATE" ]; then
	suite_shared
	log "other fzram mounts exist: vm.page-cluster not checked"
else
	# a start that is none of the values set below
	echo 2 >"$PCF"
	swapon_ok --size 16M
	assert_eq "$(cat "$PCF")" 5 "vm.page-cluster with the swap up"
	assert_eq "$(cat "$PCSTATE")" "2 5" "$PCSTATE"
	swapoff_ok "$DEV"
	assert_eq "$(cat "$PCF")" 2 "vm.page-cluster after --swapoff"
	[ ! -e "$PCSTATE" ] || fail "$PCSTATE left after the last --swapoff"
	swapon_ok --size 16M --page-cluster 4
	d1=$DEV f1=$SF s1=$SD
	assert_eq "$(cat "$PCF")" 4 "vm.page-cluster with --page-cluster 4"
	swapon_ok --size 16M --page-cluster keep
	assert_eq "$(cat "$PCF")" 4 "vm.page-cluster with --page-cluster keep"
	# (not swapoff_ok: the first swap is still up, /run/fzram not as it was)
	ctl --swapoff "$DEV" || fail "fzramctl --swapoff $DEV exited $? ($(cat "$T/err"))"
	assert_eq "$(cat "$PCF")" 4 "vm.page-cluster with another fzram up"
	DEV=$d1 SF=$f1 SD=$s1
	swapoff_ok "$DEV"
	assert_eq "$(cat "$PCF")" 2 "vm.page-cluster after the last --swapoff"
	# a value the administrator set meanwhile is left
	swapon_ok --size 16M
	echo 1 >"$PCF"
	swapoff_ok "$DEV"
	assert_eq "$(cat "$PCF")" 1 "vm.page-cluster set by hand while up"
	[ ! -e "$PCSTATE" ] || fail "$PCSTATE left after --swapoff"
	echo "$PC0" >"$PCF"
	suite_shared
	ok "vm.page-cluster: 5 while up, --page-cluster 4 and keep, put back by the last --swapoff"
fi

# --swapoff --all acts on every fzram: it runs only with the suite's lock
# held alone (no other test of ours is running; see lib.sh) and no fzram
# of anyone else's mounted.
if ! suite_alone; then
	suite_shared # a conversion that timed out may have dropped it
	log "the suite's lock is busy: --swapoff --all not run"
elif other_fzrams; then
	suite_shared
	log "other fzram mounts exist: --swapoff --all not run"
else
	swapon_ok --size 16M
	d1=$DEV f1=$SF s1=$SD
	swapon_ok --size 16M --algorithm lz4hc
	[ "$DEV" != "$d1" ] || fail "two swaps on one loop device"
	[ "$SD" != "$s1" ] || fail "two swaps in one directory"
	ctl --swapoff --all || fail "--swapoff --all exited $? ($(cat "$T/err"))"
	for x in "$d1 $f1 $s1" "$DEV $SF $SD"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $x
		awk -v d="$1" '$1 == d { f = 1 } END { exit !f }' /proc/swaps &&
			fail "$1 still swap after --swapoff --all"
		is_mounted "$3" && fail "$3 still mounted after --swapoff --all"
	done
	assert_state_same "$T/state0" "after --swapoff --all"
	suite_shared
	ok "--swapoff --all took down two swaps"
fi

# ---------------------------------------------------------------------------
# A failure at each step undoes the steps before it.

for step in mount mkswap losetup swapon; do
	st=0
	FAIL_AT=$step
	ctl --swapon --size 16M --algorithm lz4 || st=$?
	FAIL_AT=
	assert_eq "$st" 1 "exit status with FZRAMCTL_FAIL_AT=$step"
	[ ! -s "$T/out" ] || fail "FZRAMCTL_FAIL_AT=$step printed $(cat "$T/out")"
	grep -qw "$step" "$T/err" ||
		fail "FZRAMCTL_FAIL_AT=$step: message does not name $step: $(cat "$T/err")"
	assert_state_same "$T/state0" "FZRAMCTL_FAIL_AT=$step"
	ok "FZRAMCTL_FAIL_AT=$step: exit 1, nothing left: $(head -n 1 "$T/err")"
done

# A real failure, not a forced one: a daemon that does not start.
st=0
FZRAM=/bin/false timeout 120 "$FZRAMCTL" --swapon --size 16M \
	>"$T/out" 2>"$T/err" || st=$?
assert_eq "$st" 1 "exit status with FZRAM=/bin/false"
grep -qw mount "$T/err" || fail "FZRAM=/bin/false: no 'mount' in: $(cat "$T/err")"
assert_state_same "$T/state0" "FZRAM=/bin/false"
ok "a daemon that fails: exit 1, nothing left: $(head -n 1 "$T/err")"

# An option fzram refuses: fzramctl fails at mount and undoes nothing else.
st=0
timeout 120 "$FZRAMCTL" --swapon --size 16M --options bogus=1 \
	>"$T/out" 2>"$T/err" || st=$?
assert_eq "$st" 1 "exit status with --options bogus=1"
assert_state_same "$T/state0" "--options bogus=1"
ok "--options that fzram refuses: exit 1, nothing left: $(head -n 1 "$T/err")"

# ---------------------------------------------------------------------------
# fzram-setup start and stop, with a temporary config

if ! [ -r "$FZRAM_SETUP" ] || ! command -v bash >/dev/null 2>&1; then
	log "no fzram-setup at $FZRAM_SETUP (or no bash): not run"
	exit 0
fi
cat >"$T/bad.conf" <<'EOF'
[fzram0]
size = ram; reboot
EOF
st=0
FZRAM_SWAP_CONF=$T/bad.conf FZRAM_SETUP_STATE=$T/setup.list \
	FZRAMCTL=$FZRAMCTL FZRAM=$FZRAM \
	bash "$FZRAM_SETUP" start >"$T/out" 2>"$T/err" || st=$?
assert_eq "$st" 1 "fzram-setup start with a bad config"
grep -q "bad.conf:2:" "$T/err" || fail "fzram-setup: no line number in: $(cat "$T/err")"
assert_state_same "$T/state0" "fzram-setup start with a bad config"
ok "fzram-setup: a bad line is named, nothing done: $(head -n 1 "$T/err")"

# fzram-setup keeps its own record (here in $T, not the system's): stop
# takes down what start brought up and leaves a bystander alone, a swap
# brought up by hand with fzramctl --swapon.
swapon_ok --size 16M
by_dev=$DEV by_sf=$SF by_sd=$SD
fz_state >"$T/state1"
cat >"$T/good.conf" <<'EOF2'
# two swaps
[fzram0]
size = min(ram / 2, 32)
compression-algorithm = zstd(level=1) lz4hc(level=12)
priority = 7

[fzram1]
size = 16M
mem-limit = 8
EOF2
FZRAM_SWAP_CONF=$T/good.conf FZRAM_SETUP_STATE=$T/setup.list \
	FZRAMCTL=$FZRAMCTL FZRAM=$FZRAM \
	bash "$FZRAM_SETUP" start >"$T/out" 2>"$T/err" ||
	fail "fzram-setup start exited $? ($(cat "$T/err"))"
state_new "$T/state1" >"$T/setup-state"
assert_eq "$(grep -c '^swap ' "$T/setup-state")" 2 "swaps after fzram-setup start"
assert_eq "$(wc -l <"$T/setup.list" | tr -d ' ')" 2 "lines in the state file"
# shellcheck disable=SC2013 # loop device names: no blanks
for d in $(awk '$1 == "swap" { print $2 }' "$T/setup-state"); do
	grep -q " $d\$" "$T/setup.list" || fail "$d is not in the state file"
	p=$(awk -v d="$d" '$1 == d { print $5 }' /proc/swaps)
	f=$(losetup -n -O BACK-FILE "$d")
	case $p in
	7)
		assert_eq "$(size_of "$f")" 33554432 "size of [fzram0]"
		case $(xattr comp_algorithm "$f") in
		*"[zstd]"*) ;;
		*) fail "[fzram0] is not zstd" ;;
		esac
		assert_eq "$(xattr recomp_algorithm "$f")" \
			"#1: lz4 [lz4hc] zstd" "recomp_algorithm of [fzram0]"
		;;
	100)
		assert_eq "$(size_of "$f")" 16777216 "size of [fzram1]"
		assert_eq "$(xattr mem_limit "$f")" 8388608 "mem_limit of [fzram1]"
		;;
	*) fail "swap $d has priority $p, not 7 or 100" ;;
	esac
done
ok "fzram-setup start: two swaps as configured, both recorded"
FZRAM_SETUP_STATE=$T/setup.list FZRAMCTL=$FZRAMCTL FZRAM=$FZRAM \
	bash "$FZRAM_SETUP" stop >"$T/out" 2>"$T/err" ||
	fail "fzram-setup stop exited $? ($(cat "$T/err"))"
assert_state_same "$T/state1" "after fzram-setup stop"
[ ! -e "$T/setup.list" ] || fail "the state file is still there after stop"
awk -v d="$by_dev" '$1 == d { f = 1 } END { exit !f }' /proc/swaps ||
	fail "fzram-setup stop took down $by_dev, which it did not bring up"
ok "fzram-setup stop: its two swaps gone, the bystander $by_dev still swap"
FZRAM_SETUP_STATE=$T/setup.list FZRAMCTL=$FZRAMCTL FZRAM=$FZRAM \
	bash "$FZRAM_SETUP" stop >"$T/out" 2>"$T/err" ||
	fail "a second fzram-setup stop exited $? ($(cat "$T/err"))"
DEV=$by_dev SF=$by_sf SD=$by_sd
swapoff_ok "$DEV"
ok "fzram-setup stop again: nothing to do; the bystander taken down by hand"
