#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# overwrite.sh - the stale-slot rule seen from outside: one block written
# 200 times with different data (random bytes padded with zeros or text,
# so that each version compresses to a different size class) stays one
# page: orig_data_size 4096, compr_data_size at most a page, and memory
# used does not grow with the number of overwrites.  Then the same with
# unaligned writes that straddle two blocks.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
setup

start_daemon size=16M
BLK=7
OFF=$((BLK * 4096))
N=200
LIMIT=131072 # two largest zspages (16 pages each): one live object's worth

# version I: a distinct 4096-byte block compressing to a size that varies
# with I: R random bytes, then text or zeros.
version() {
	_r=$((64 + ($1 * 397) % 3900))
	head -c "$_r" /dev/urandom
	if [ $(($1 % 2)) -eq 0 ]; then
		zeros $((4096 - _r))
	else
		text $((4096 - _r)) "$1"
	fi
}

maxmem=0
firstmax=0
i=1
while [ "$i" -le "$N" ]; do
	version "$i" >"$T/v"
	write_at "$T/v" "$OFF"
	mms=$(xattr mm_stat)
	# shellcheck disable=SC2086 # split into the columns
	set -- $mms
	assert_eq "$1" 4096 "orig_data_size after overwrite $i"
	assert_gt "$2" 0 "compr_data_size after overwrite $i"
	assert_le "$2" 4096 "compr_data_size after overwrite $i"
	assert_le "$3" "$LIMIT" "mem_used_total after overwrite $i"
	[ "$3" -le "$maxmem" ] || maxmem=$3
	[ "$i" -ne 20 ] || firstmax=$maxmem
	i=$((i + 1))
done
read_at "$OFF" 4096 >"$T/back"
assert_same "$T/back" "$T/v" "the block after $N overwrites"
assert_eq "$(read_at 0 "$OFF" | tr -d '\0' | wc -c)" 0 \
	"bytes before the block"
assert_eq "$(read_at $((OFF + 4096)) 65536 | tr -d '\0' | wc -c)" 0 \
	"bytes after the block"
log "mem_used_total peak: $firstmax in the first 20 overwrites, $maxmem in $N"
assert_le "$maxmem" "$LIMIT" "mem_used_total peak"
ok "$N overwrites of one block: one page stored, memory peak $maxmem"

# The same-filled and huge cases in turn: the slot's kind changes each
# time and the counters follow it exactly.
i=1
while [ "$i" -le 30 ]; do
	case $((i % 3)) in
	0) zeros 4096 ;;
	1) head -c 4096 /dev/urandom ;;
	2) text 4096 "$i" ;;
	esac >"$T/v"
	write_at "$T/v" "$OFF"
	# shellcheck disable=SC2046 # split into the columns
	set -- $(xattr mm_stat)
	assert_eq "$1" 4096 "orig_data_size after kind change $i"
	case $((i % 3)) in
	0)
		assert_eq "$2" 0 "compr_data_size of a zero block"
		assert_eq "$6" 1 "same_pages of a zero block"
		assert_eq "$8" 0 "huge_pages of a zero block"
		;;
	1)
		assert_eq "$2" 4096 "compr_data_size of a random block"
		assert_eq "$6" 0 "same_pages of a random block"
		assert_eq "$8" 1 "huge_pages of a random block"
		;;
	2)
		assert_lt "$2" 4096 "compr_data_size of a text block"
		assert_eq "$6" 0 "same_pages of a text block"
		assert_eq "$8" 0 "huge_pages of a text block"
		;;
	esac
	assert_le "$3" "$LIMIT" "mem_used_total after kind change $i"
	i=$((i + 1))
done
read_at "$OFF" 4096 >"$T/back"
assert_same "$T/back" "$T/v" "the block after kind changes"
ok "zero/huge/compressed overwrites: counters follow the slot"

# Unaligned overwrites straddling blocks BLK+1 and BLK+2: two pages.
UOFF=$((OFF + 4096 + 2048))
i=1
while [ "$i" -le 100 ]; do
	version "$i" >"$T/v"
	write_at "$T/v" "$UOFF"
	# shellcheck disable=SC2046 # split into the columns
	set -- $(xattr mm_stat)
	assert_eq "$1" $((3 * 4096)) "orig_data_size after unaligned write $i"
	assert_le "$2" $((3 * 4096)) "compr_data_size after unaligned write $i"
	assert_le "$3" $((2 * LIMIT)) "mem_used_total after unaligned write $i"
	i=$((i + 1))
done
read_at "$UOFF" 4096 >"$T/back"
assert_same "$T/back" "$T/v" "the straddling block after 100 overwrites"
ok "100 unaligned overwrites across two blocks: three pages stored"

stop_daemon || fail "daemon exit status $?"
