#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# traindict.sh - fzramctl --train-dict end to end (issue 11, dictionaries):
#
#  live:  8 MiB of real pages (FZRAM_CORPUS, else numbered text) written to
#         a mount with no swap, idle all; user.fzram.sample is not listed,
#         reads as FZS1 and 15 records; --train-dict on the file, the mount
#         point (lz4, --size 16K) writes a dictionary that loads (zstd's
#         magic, and zstd -D round-trips the data with it when the zstd
#         tool is there), and sampling changed nothing: block_state (access
#         times, idle marks) and mm_stat, io_stat, bd_stat are the same
#         before and after, and the data reads back equal.
#  use:   the live dictionaries mounted: zstd (dict= for the primary,
#         recomp=zstd:19:dict= for the secondary) and lz4 (dict=); the
#         data written, recompressed and read back equal, algorithm_params
#         naming both; compr_data_size with and without the dictionary
#         logged, not asserted (what a dictionary buys depends on the
#         data: see bench/bench_dict).
#  file:  --train-dict from a file of pages.
#  errors: a missing source, a store of zero pages only (too few pages),
#         an OUT in a missing directory, a bad --size or --algorithm: exit
#         status 1, one message, no file written.
#
# Teardown is lib.sh's trap: unmount, kill the daemon, remove $T.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

LC_ALL=C
export LC_ALL
: "${FZRAMCTL:=$LIB_DIR/../../src/fzramctl}"
case $FZRAMCTL in
/*) ;;
*) FZRAMCTL=$(pwd)/$FZRAMCTL ;;
esac

need_fuse
need_attr
[ -x "$FZRAMCTL" ] || skip "no fzramctl binary at $FZRAMCTL (set FZRAMCTL)"
setup

PAGES=2048

# make_data FILE PAGES: PAGES pages of real memory, else numbered text.
make_data() {
	if [ -n "${FZRAM_CORPUS-}" ] && [ -r "$FZRAM_CORPUS" ]; then
		head -c $(($2 * PAGE)) "$FZRAM_CORPUS" >"$1"
	else
		log "note: no FZRAM_CORPUS: text pages"
		text $(($2 * PAGE)) >"$1"
	fi
	assert_eq "$(size_of "$1")" $(($2 * PAGE)) "bytes of $1"
}

# snapshot NAME: block_state and the statistics, into $T/NAME.*
snapshot() {
	cat "$MNT/block_state" >"$T/$1.bs" || fail "cannot read block_state"
	{
		xattr mm_stat
		xattr io_stat
		xattr bd_stat
	} >"$T/$1.stat"
}

# is_dict FILE ALG: FILE is a dictionary of algorithm ALG of at most
# 64 KiB that zstd -D, when there, compresses and restores the data with.
is_dict() {
	[ -s "$1" ] || fail "$1: no dictionary written"
	assert_le "$(size_of "$1")" 65536 "bytes of $1"
	if [ "$2" = zstd ]; then
		assert_eq "$(od -An -tx1 -N4 "$1" | tr -d ' ')" 37a430ec \
			"zstd dictionary magic of $1"
		if command -v zstd >/dev/null 2>&1; then
			zstd -q -f -D "$1" "$T/data" -o "$T/data.zst" ||
				fail "zstd -D $1 refused the dictionary"
			zstd -q -d -f -D "$1" "$T/data.zst" -o "$T/data.out" ||
				fail "zstd -d -D $1"
			assert_same "$T/data.out" "$T/data" "zstd -D $1 round trip"
			rm -f "$T/data.zst" "$T/data.out"
		fi
	fi
}

# refused WHY ARGS...: fzramctl ARGS fails with one message, writes no
# $T/bad.dict, and leaves no temporary beside it.
refused() {
	_why=$1
	shift
	if "$FZRAMCTL" "$@" >"$T/out" 2>"$T/err"; then
		fail "--train-dict accepted ($_why)"
	fi
	assert_eq "$(wc -l <"$T/err")" 1 "lines of the message ($_why)"
	grep -q '^fzramctl: ' "$T/err" ||
		fail "$_why: message '$(cat "$T/err")'"
	for _f in "$T"/bad.dict*; do
		[ ! -e "$_f" ] || fail "$_f left after refusal ($_why)"
	done
	log "$_why: $(cat "$T/err")"
}

# ---------------------------------------------------------------------------
# live
make_data "$T/data" $PAGES
start_daemon "size=64M"
write_at "$T/data" 0
setx idle all || fail "setfattr idle all"
snapshot before
grep -q ' \.\.\.i\.\.$' "$T/before.bs" || fail "no idle slot in block_state"

# hidden from getfattr -d, and its format
getfattr --absolute-names -d -m - "$F" >"$T/dump" 2>&1 ||
	fail "getfattr -d: $(cat "$T/dump")"
grep -q sample "$T/dump" && fail "getfattr -d lists user.fzram.sample"
grep -q mm_stat "$T/dump" || fail "getfattr -d lists no mm_stat"
xattr sample >"$T/sample"
assert_eq "$(size_of "$T/sample")" $((8 + 15 * (8 + PAGE))) \
	"bytes of one user.fzram.sample"
assert_eq "$(head -c 4 "$T/sample")" FZS1 "user.fzram.sample's magic"
ok "user.fzram.sample: hidden, FZS1 and 15 pages"

"$FZRAMCTL" --train-dict "$T/live.dict" "$F" >"$T/out" 2>"$T/err" ||
	fail "--train-dict $F: $(cat "$T/err")"
log "$(cat "$T/out")"
grep -q "^$T/live.dict: [0-9]*-byte zstd dictionary from [0-9]* pages of $F (" \
	"$T/out" || fail "--train-dict said '$(cat "$T/out")'"
is_dict "$T/live.dict" zstd
"$FZRAMCTL" --train-dict "$T/live-lz4.dict" -q --algorithm lz4 --size 16K \
	"$MNT" >"$T/out" 2>"$T/err" ||
	fail "--train-dict --algorithm lz4 $MNT: $(cat "$T/err")"
assert_eq "$(size_of "$T/out")" 0 "bytes printed with --quiet"
is_dict "$T/live-lz4.dict" lz4
assert_le "$(size_of "$T/live-lz4.dict")" 16384 "bytes of the lz4 dictionary"

snapshot after
assert_same "$T/after.bs" "$T/before.bs" \
	"block_state after sampling (access times, idle marks)"
assert_same "$T/after.stat" "$T/before.stat" \
	"mm_stat, io_stat, bd_stat after sampling"
ok "--train-dict on a live mount: dictionaries that load, nothing changed"
read_at 0 $((PAGES * PAGE)) >"$T/back"
assert_same "$T/back" "$T/data" "data after sampling"
stop_daemon || fail "daemon exit status $?"

# ---------------------------------------------------------------------------
# use: the dictionaries trained above, mounted
compr_with() { # OPTIONS: compr_data_size of the data, then recompressed
	start_daemon "size=64M,$1"
	write_at "$T/data" 0
	_c0=$(mm compr_data_size)
	setx idle all || fail "setfattr idle all"
	setd recompress type=idle || fail "setfattr recompress ($1)"
	_c1=$(mm compr_data_size)
	read_at 0 $((PAGES * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/data" "data with $1"
	assert_eq "$(io failed_reads)" 0 "failed_reads with $1"
}
compr_with "algorithm=zstd,level=1,recomp=zstd:19"
log "no dictionary: compr_data_size $_c0, recompressed $_c1"
stop_daemon || fail "daemon exit status $?"
compr_with "algorithm=zstd,level=1,dict=$T/live.dict,recomp=zstd:19:dict=$T/live.dict"
printf 'priority=0 algo=zstd level=1 dict=%s\npriority=1 algo=zstd level=19 dict=%s\n' \
	"$T/live.dict" "$T/live.dict" >"$T/want"
xattr algorithm_params >"$T/got"
assert_same "$T/got" "$T/want" "algorithm_params with both dictionaries"
log "the live zstd dictionary: compr_data_size $_c0, recompressed $_c1"
assert_gt "$(xattr recomp_stat | awk '{ print $3 }')" 0 \
	"slots recompressed with the dictionary"
stop_daemon || fail "daemon exit status $?"
compr_with "algorithm=lz4,dict=$T/live-lz4.dict,recomp=lz4hc:9:dict=$T/live-lz4.dict"
log "the live lz4 dictionary: compr_data_size $_c0, recompressed $_c1"
stop_daemon || fail "daemon exit status $?"
ok "the live dictionaries mounted (dict=, recomp=...:dict=): data equal"

# ---------------------------------------------------------------------------
# file
"$FZRAMCTL" --train-dict "$T/file.dict" "$T/data" >"$T/out" 2>"$T/err" ||
	fail "--train-dict $T/data: $(cat "$T/err")"
log "$(cat "$T/out")"
is_dict "$T/file.dict" zstd
ok "--train-dict from a file of pages"

# ---------------------------------------------------------------------------
# errors
refused "missing source" --train-dict "$T/bad.dict" "$T/no-such-file"
grep -q 'No such file' "$T/err" || fail "missing source: '$(cat "$T/err")'"
refused "bad --size" --train-dict "$T/bad.dict" --size 12Q "$T/data"
refused "--size too large" --train-dict "$T/bad.dict" --size 2M "$T/data"
refused "bad --algorithm" --train-dict "$T/bad.dict" --algorithm brotli \
	"$T/data"
refused "OUT not writable" --train-dict "$T/nodir/bad.dict" "$T/data"
refused "two sources" --train-dict "$T/bad.dict" "$T/data" "$T/data"
zeros $((64 * PAGE)) >"$T/zeros"
start_daemon "size=16M"
write_at "$T/zeros" 0
refused "a store of zero pages" --train-dict "$T/bad.dict" "$F"
grep -q 'compressible pages found' "$T/err" ||
	fail "zero pages: '$(cat "$T/err")'"
stop_daemon || fail "daemon exit status $?"
ok "errors: one message each, nothing written"
