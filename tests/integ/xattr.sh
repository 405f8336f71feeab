#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# xattr.sh - the user.fzram.* attributes: each one read and its format
# checked; the writable ones (mem_limit, mem_used_max, compact) set to good
# and bad values (bad: EINVAL, value unchanged); the read-only ones refuse
# writes; policy (read-write), policy_stat and cpu_latency_stat; listxattr
# lists them all;
# compaction after punching every other
# block frees memory and counts pages_compacted; debug_stat counts the
# requests served through /dev/fuse (and none through io_uring rings).
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
_pkg=util-linux need_cmd fallocate
setup

MIB=1048576
# policy=off: compaction below is counted as the one asked for alone
start_daemon size=64M,mem_limit=48M,policy=off

# cols VALUE N WHAT: VALUE is one line of N unsigned integers.
cols() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] ||
		fail "$3: not one line: '$1'"
	printf '%s\n' "$1" | awk -v n="$2" '
		NF != n { exit 1 }
		{ for (i = 1; i <= NF; i++) if ($i !~ /^[0-9]+$/) exit 1 }' ||
		fail "$3: not $2 unsigned integers: '$1'"
}

# Put some data in, so that the counters have something to show.
text $((4 * MIB)) >"$T/text"
head -c "$MIB" /dev/urandom >"$T/rand"
zeros "$MIB" >"$T/zero"
write_at "$T/text" 0
write_at "$T/rand" $((4 * MIB))
write_at "$T/zero" $((5 * MIB))

# --- listxattr lists them all (and nothing else)
getfattr --absolute-names -m - "$F" | sed -n 's/^user\./user./p' |
	sort >"$T/names"
printf 'user.fzram.%s\n' algorithm_params backing_dev bd_stat \
	comp_algorithm compact cpu_latency_stat debug_stat disksize idle \
	io_stat mem_limit \
	mem_used_max mm_stat policy policy_stat recomp_algorithm recomp_stat \
	recompress \
	tier_stat writeback writeback_batch_size writeback_limit \
	writeback_limit_enable | sort >"$T/want"
assert_same "$T/names" "$T/want" "listxattr"
ok "listxattr: $(tr '\n' ' ' <"$T/names")"
# the mount's directory has the same attributes, reading the same values
getfattr --absolute-names -m - "$MNT" | sed -n 's/^user\./user./p' |
	sort >"$T/dnames"
assert_same "$T/dnames" "$T/want" "listxattr of the mount's directory"
assert_eq "$(xattr disksize "$MNT")" "$(xattr disksize)" "disksize of both"
ok "the mount's directory lists and reads the same attributes"

# --- read-only attributes: format
mms=$(xattr mm_stat)
cols "$mms" 9 mm_stat
assert_eq "$(mm orig_data_size)" $((6 * MIB)) "mm_stat orig_data_size"
assert_gt "$(mm compr_data_size)" 0 "mm_stat compr_data_size"
assert_lt "$(mm compr_data_size)" $((6 * MIB)) "mm_stat compr_data_size"
assert_gt "$(mm mem_used_total)" 0 "mm_stat mem_used_total"
assert_eq "$(mm mem_limit)" $((48 * MIB)) "mm_stat mem_limit"
assert_ge "$(mm mem_used_max)" "$(mm mem_used_total)" "mem_used_max >= total"
assert_eq "$(mm same_pages)" 256 "mm_stat same_pages (1 MiB of zeros)"
assert_ge "$(mm huge_pages)" 200 "mm_stat huge_pages (1 MiB of random)"
assert_ge "$(mm huge_pages_since)" "$(mm huge_pages)" "huge_pages_since"
ok "mm_stat: $mms"

ios=$(xattr io_stat)
cols "$ios" 4 io_stat
assert_eq "$(io failed_reads)" 0 "io_stat failed_reads"
assert_eq "$(io failed_writes)" 0 "io_stat failed_writes"
ok "io_stat: $ios"

dbg=$(xattr debug_stat)
assert_eq "$(printf '%s\n' "$dbg" | wc -l)" 2 "debug_stat lines"
assert_eq "$(printf '%s\n' "$dbg" | head -n 1)" "version: 1" \
	"debug_stat first line"
# zram's 0 and miss_free, then requests served through /dev/fuse and
# through the io_uring rings.
dbg2=$(printf '%s\n' "$dbg" | tail -n 1)
cols "$dbg2" 4 "debug_stat second line"
set -- $dbg2
assert_eq "$1" 0 "debug_stat first column"
# 6 MiB written in 64 KiB writes, each one request read from /dev/fuse.
assert_ge "$3" 96 "debug_stat requests served through /dev/fuse"
case ,${FZRAM_TEST_OPTS-}, in
*,uring,*) ;;
*) assert_eq "$4" 0 "debug_stat requests served through rings without -o uring" ;;
esac
dev_before=$3
set -- $(xattr debug_stat | tail -n 1)
assert_gt "$3" "$dev_before" "debug_stat /dev/fuse count after one more request"
ok "debug_stat: $(printf '%s\n' "$dbg" | tr '\n' '|'), then $3 served through /dev/fuse"

assert_eq "$(xattr disksize)" 67108864 "disksize"
assert_eq "$(xattr disksize)" "$(size_of "$F")" "disksize against st_size"
ok "disksize: $(xattr disksize)"

ca=$(xattr comp_algorithm)
assert_eq "$ca" "[lz4] lz4hc zstd" "comp_algorithm"
ok "comp_algorithm: $ca"

# cpu_latency_stat: six columns, the first -1 (no hold) or the default
# limit 0, the hold period the default 20 ms (options.sh checks the rest).
cls=$(xattr cpu_latency_stat)
cols "$(printf '%s\n' "$cls" | sed 's/^ *-1 / 0 /')" 6 cpu_latency_stat
case "$(printf '%s\n' "$cls" | awk '{ print $1, $2 }')" in
"0 20" | "-1 0") ;;
*) fail "cpu_latency_stat: '$cls'" ;;
esac
ok "cpu_latency_stat: $cls"

# Each value read ends in exactly one newline, as a sysfs file.
for n in mm_stat io_stat debug_stat disksize comp_algorithm mem_limit \
	mem_used_max bd_stat backing_dev writeback_limit \
	writeback_limit_enable writeback_batch_size policy policy_stat \
	cpu_latency_stat; do
	getfattr --absolute-names --only-values -n "user.fzram.$n" "$F" \
		>"$T/raw" || fail "getfattr $n"
	assert_eq "$(tail -c 1 "$T/raw" | od -An -c | tr -d ' ')" '\n' \
		"last byte of $n"
done
ok "every value ends in a newline"

# --- read-only attributes refuse writes (EPERM or EACCES), unchanged
for n in mm_stat io_stat debug_stat disksize comp_algorithm bd_stat \
	policy_stat cpu_latency_stat; do
	before=$(xattr "$n")
	for v in 0 1 "$before"; do
		if setx "$n" "$v" 2>"$T/err"; then
			fail "setfattr $n=$v succeeded"
		fi
		grep -Eq "Operation not permitted|Permission denied" "$T/err" ||
			fail "setfattr $n=$v: not EPERM/EACCES: $(cat "$T/err")"
	done
	if [ "$n" = disksize ] || [ "$n" = comp_algorithm ]; then
		assert_eq "$(xattr "$n")" "$before" "$n after refused writes"
	fi
done
assert_eq "$(size_of "$F")" 67108864 "st_size after refused disksize writes"
ok "read-only attributes refuse writes"

# --- unknown attributes: no value, cannot be set, never listed
if getfattr --absolute-names -n user.fzram.nosuch "$F" >/dev/null 2>&1; then
	fail "user.fzram.nosuch has a value"
fi
if setx nosuch 1 2>/dev/null; then
	fail "user.fzram.nosuch could be set"
fi
if setfattr -n user.other -v 1 "$F" 2>/dev/null; then
	fail "user.other could be set"
fi
getfattr --absolute-names -m - "$F" | grep -q nosuch &&
	fail "user.fzram.nosuch listed"
ok "unknown attributes: none, refused"

# --- mem_limit: sizes with suffixes, 0 = none; reads bytes (rounded up to
# whole pages, as zram keeps it in pages)
assert_eq "$(xattr mem_limit)" $((48 * MIB)) "mem_limit from -o mem_limit=48M"
for spec in 16M:16777216 1G:1073741824 65536K:67108864 123456789:123457536 \
	2T:2199023255552 0:0 32M:33554432; do
	setx mem_limit "${spec%%:*}" || fail "setfattr mem_limit=${spec%%:*}"
	assert_eq "$(xattr mem_limit)" "${spec#*:}" \
		"mem_limit after writing ${spec%%:*}"
	assert_eq "$(mm mem_limit)" "${spec#*:}" \
		"mm_stat mem_limit after writing ${spec%%:*}"
done
# A trailing newline is accepted (echo > sysfs style).
setfattr -n user.fzram.mem_limit -v "0x383139320a" "$F" ||
	fail "setfattr mem_limit='8192\\n'"
assert_eq "$(xattr mem_limit)" 8192 "mem_limit after writing '8192\\n'"
setx mem_limit 32M
for v in banana -1 12Q 1.5M "" " 1M" "1M 2M" "1MM" 99999999999999999999999; do
	if setx mem_limit "$v" 2>"$T/err"; then
		fail "setfattr mem_limit='$v' succeeded"
	fi
	grep -q "Invalid argument" "$T/err" ||
		fail "mem_limit='$v': not EINVAL: $(cat "$T/err")"
	assert_eq "$(xattr mem_limit)" 33554432 "mem_limit after bad '$v'"
done
ok "mem_limit: good values read back in bytes, bad ones EINVAL"

# mem_limit is enforced: under a limit below what is used, a new
# incompressible page fails; lifting it lets the write through.
used=$(mm mem_used_total)
setx mem_limit "$used"
fw=$(io failed_writes)
head -c $((2 * MIB)) /dev/urandom >"$T/rand2"
if write_at "$T/rand2" $((8 * MIB)) 2>/dev/null; then
	fail "2 MiB of random data fit under mem_limit = mem_used_total"
fi
assert_gt "$(io failed_writes)" "$fw" "failed_writes under mem_limit"
setx mem_limit 0
write_at "$T/rand2" $((8 * MIB)) || fail "write after lifting mem_limit"
read_at $((8 * MIB)) $((2 * MIB)) | cmp - "$T/rand2" >&2 ||
	fail "data written after lifting mem_limit"
ok "mem_limit enforced and lifted"

# --- mem_used_max: only 0, which resets the peak to what is used now
peak=$(mm mem_used_max)
fallocate -p -o $((4 * MIB)) -l $((6 * MIB)) "$F"
now=$(mm mem_used_total)
assert_lt "$now" "$peak" "mem_used_total after punching the random data"
assert_eq "$(xattr mem_used_max)" "$(mm mem_used_max)" \
	"mem_used_max attribute against mm_stat"
for v in 1 banana -0 "" "0 0" 00x; do
	if setx mem_used_max "$v" 2>"$T/err"; then
		fail "setfattr mem_used_max='$v' succeeded"
	fi
	grep -q "Invalid argument" "$T/err" ||
		fail "mem_used_max='$v': not EINVAL: $(cat "$T/err")"
	assert_eq "$(mm mem_used_max)" "$peak" "mem_used_max after bad '$v'"
done
setx mem_used_max 0
assert_lt "$(mm mem_used_max)" "$peak" "mem_used_max after reset"
assert_ge "$(mm mem_used_max)" "$(mm mem_used_total)" \
	"mem_used_max after reset against mem_used_total"
assert_eq "$(xattr mem_used_max)" "$(mm mem_used_max)" \
	"mem_used_max attribute after reset"
ok "mem_used_max: reset $peak -> $(mm mem_used_max); bad values EINVAL"

# --- policy: off here (policy=off); words on top of it, on, off; bad
# input EINVAL with nothing changed; the directory's is the same
pol=$(xattr policy)
case "$pol" in
"age=off "*" spill=off "*) ;;
*) fail "policy with policy=off: '$pol'" ;;
esac
setx policy "cpu=7 compact=0" || fail "setfattr policy='cpu=7 compact=0'"
case "$(xattr policy)" in
"age=off "*" cpu=7 "*" compact=0 "*) ;;
*) fail "policy after cpu=7 compact=0: '$(xattr policy)'" ;;
esac
before=$(xattr policy)
for v in banana "cpu=0" "cpu=7 nosuch=1" "high=10" "age=" "" "ON"; do
	if setx policy "$v" 2>"$T/err"; then
		fail "setfattr policy='$v' succeeded"
	fi
	grep -q "Invalid argument" "$T/err" ||
		fail "policy='$v': not EINVAL: $(cat "$T/err")"
	assert_eq "$(xattr policy)" "$before" "policy after bad '$v'"
done
# what it reads writes back to the same, on the directory too
setd policy "$before" || fail "setfattr policy (directory)"
assert_eq "$(xattr policy "$MNT")" "$before" "policy of the directory"
ps=$(xattr policy_stat)
cols "$(printf '%s\n' "$ps" | sed 's/ -1 / 0 /')" 16 policy_stat
assert_eq "$(printf '%s\n' "$ps" | awk '{ print $1 }')" 0 \
	"policy_stat steps with policy=off"
setx policy "on" || fail "setfattr policy=on"
case "$(xattr policy)" in
"age=5s "*" cpu=10 "*" compact=15 "*" trim=10"*) ;;
*) fail "policy after on: '$(xattr policy)'" ;;
esac
# the worker takes a step at once
_n=0
until [ "$(xattr policy_stat | awk '{ print $1 }')" -ge 1 ]; do
	_n=$((_n + 1))
	[ "$_n" -le 50 ] || fail "no policy step after policy=on: $(xattr policy_stat)"
	sleep 0.1
done
assert_eq "$(xattr policy_stat | awk '{ print $8 }')" -1 \
	"policy_stat budget_left without a budget"
setx policy off || fail "setfattr policy=off"
case "$(xattr policy)" in
"age=off "*) ;;
*) fail "policy after off: '$(xattr policy)'" ;;
esac
ok "policy: '$before'; policy_stat: $(xattr policy_stat)"

# --- compact: any value; after punching every other block of many
# compressible pages, it frees memory and counts pages_compacted.
fallocate -p -o 0 -l 67108864 "$F"
assert_eq "$(mm orig_data_size)" 0 "orig_data_size after punching it all"
nblk=2048
text $((nblk * 4096)) 7 >"$T/many"
write_at "$T/many" 0
assert_eq "$(mm orig_data_size)" $((nblk * 4096)) "orig_data_size of the pages"
i=0
while [ "$i" -lt "$nblk" ]; do
	fallocate -p -o $((i * 4096)) -l 4096 "$F"
	i=$((i + 2))
done
assert_eq "$(mm orig_data_size)" $((nblk * 4096 / 2)) \
	"orig_data_size after punching every other block"
m1=$(mm mem_used_total)
c1=$(mm pages_compacted)
setd compact 1 || fail "setfattr compact=1"
m2=$(mm mem_used_total)
c2=$(mm pages_compacted)
log "compact: mem_used_total $m1 -> $m2, pages_compacted $c1 -> $c2"
assert_gt "$c2" "$c1" "pages_compacted after compaction"
assert_lt "$m2" "$m1" "mem_used_total after compaction"
assert_ge "$(mm orig_data_size)" $((nblk * 4096 / 2)) "data after compaction"
# The surviving blocks are intact, the punched ones zero.
zeros 4096 >"$T/z4k"
cp "$T/many" "$T/want"
i=0
while [ "$i" -lt "$nblk" ]; do
	patch "$T/want" "$T/z4k" $((i * 4096))
	i=$((i + 2))
done
read_at 0 $((nblk * 4096)) >"$T/back"
assert_same "$T/back" "$T/want" "data after compaction"
# Any value compacts; a second compaction finds (almost) nothing to move.
for v in "" 0 whatever; do
	setd compact "$v" || fail "setfattr compact='$v'"
done
assert_le "$(mm mem_used_total)" "$m2" "mem_used_total after more compaction"
ok "compact: freed $((m1 - m2)) bytes, pages_compacted $c1 -> $c2"

stop_daemon || fail "daemon exit status $?"

# Only the owner or root may set them: with allow_other, another user can
# read the statistics but not change the controls.
if command -v setpriv >/dev/null 2>&1; then
	chmod a+x "$T" # let nobody reach the mount point
	start_daemon size=16M,mem_limit=8M,allow_other
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	as_nobody getfattr -n user.fzram.disksize --only-values "$F" \
		>"$T/nb" 2>"$T/err" || fail "nobody cannot read disksize: $(cat "$T/err")"
	assert_eq "$(cat "$T/nb")" 16777216 "disksize read by nobody"
	if as_nobody setfattr -n user.fzram.mem_limit -v 0 "$F" 2>"$T/err"; then
		fail "nobody could set mem_limit"
	fi
	grep -qiE "not permitted|permission denied" "$T/err" ||
		fail "nobody's setfattr: unexpected error: $(cat "$T/err")"
	assert_eq "$(xattr mem_limit)" 8388608 "mem_limit after nobody's attempt"
	ok "another user reads the attributes but cannot set them"
	stop_daemon || fail "daemon exit status $?"
else
	log "no setpriv: owner-only writes not checked"
fi
