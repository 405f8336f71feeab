#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# swap.sh - fzram as real swap (root): mount size=256M, mkswap on the file,
# attach it to a loop device with direct I/O, swapon --discard at the top
# priority, and let swapfill push 128 MiB of its own memory out and back.
# mm_stat must show the data stored (same-filled pages counted), the page
# cache must not hold a second copy, and once swapfill has exited the
# kernel's discards must free everything but the swap header and the swap
# clusters that other processes' pages still hold (the kernel discards
# whole clusters), which is all that is left after swapoff.  It runs alone
# among the suite's swap tests (swap_alone): two swaps at the top priority
# would share the pages.
#
# Teardown (lib.sh's trap) always runs swapoff, losetup -d, unmount, in
# that order: swap left on a dead daemon kills whoever swapped there.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_root
need_fuse
need_loop
need_attr
_pkg=util-linux need_cmd mkswap swapon swapoff
if [ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null)" = Y ]; then
	skip "zswap is enabled: swapped pages would stay in zswap"
fi
setup
swap_alone

MIB=1048576
FILL_MIB=128
: "${SWAPFILL:=$LIB_DIR/swapfill}"
if ! [ -x "$SWAPFILL" ]; then
	if command -v cc >/dev/null 2>&1 &&
		cc -O2 -o "$T/swapfill" "$LIB_DIR/swapfill.c" 2>"$T/cc.err"; then
		SWAPFILL=$T/swapfill
	else
		skip "no swapfill helper (build it: make check; or set SWAPFILL)"
	fi
fi

start_daemon size=256M
mkswap "$F" >"$T/mkswap.out" 2>&1 ||
	setup_error "mkswap $F: $(cat "$T/mkswap.out")"
hdr=$(mm orig_data_size)
assert_gt "$hdr" 0 "orig_data_size after mkswap"
ok "mkswap: orig_data_size $hdr"

loop_attach "$F" --direct-io=on
assert_eq "$(losetup -n -O DIO "$LOOP" | tr -d ' ')" 1 \
	"direct I/O on $LOOP (the daemon must accept O_DIRECT)"
swap_on "$LOOP" --discard --priority 32767
prio=$(awk -v d="$LOOP" '$1 == d { print $5 }' /proc/swaps)
assert_eq "$prio" 32767 "priority of $LOOP in /proc/swaps"
ok "swapon $LOOP (from $F), priority $prio"

# swapon --discard discarded the area: only the header is left.
o=$(mm orig_data_size)
assert_le "$o" $((hdr + 65536)) "orig_data_size after swapon --discard"
nf0=$(io notify_free)

cached() {
	awk '$1 == "Cached:" { printf "%.0f\n", $2 * 1024 }' /proc/meminfo
}
# rss: the daemon's resident memory, bytes
rss() {
	awk '$1 == "VmRSS:" { printf "%.0f\n", $2 * 1024 }' "/proc/$DPID/status"
}
rss0=$(rss)
# The corpus goes into the page cache when swapfill reads it: read it first.
if [ -n "${FZRAM_CORPUS-}" ] && [ -r "$FZRAM_CORPUS" ]; then
	cat "$FZRAM_CORPUS" >/dev/null
fi
c0=$(cached)
st=0
FZRAM_CORPUS=${FZRAM_CORPUS-} "$SWAPFILL" "$FILL_MIB" "$F" >"$T/fill.out" \
	2>"$T/fill.err" || st=$?
c1=$(cached)
cat "$T/fill.out" >&2
cat "$T/fill.err" >&2
assert_eq "$st" 0 "swapfill exit status"
grep -q '^ok ' "$T/fill.out" || fail "swapfill did not say ok"

# What swapfill saw: pages swapped out (VmSwap), zero pages among them
# (kept out of the device by kernels since 6.12), same-filled pages, and mm_stat
# read while its pages were out.
val() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' \
		"$T/fill.out" | head -n 1
}
zero_pages=$(val zero_pages)
same_pages=$(val same_pages)
swapped=$((($(val vmswap_after_kb) - $(val vmswap_before_kb)) * 1024))
# shellcheck disable=SC2046 # split into the columns
set -- $(sed -n 's/^mm_stat //p' "$T/fill.out")
[ "$#" -eq 9 ] || fail "swapfill printed no mm_stat"
stored=$1
log "swapped out $swapped bytes; stored: orig $1 compr $2 mem $3" \
	"same $6 huge $8"
assert_ge "$swapped" $((FILL_MIB * MIB / 2)) "bytes swapped out"
# Every swapped page that is not zero is stored (90%: lenient).
want=$(((swapped / 4096 - zero_pages) * 4096 * 9 / 10))
assert_ge "$1" "$want" "orig_data_size while swapped out"
assert_le "$1" $((256 * MIB)) "orig_data_size while swapped out"
assert_gt "$6" 0 "same_pages while swapped out"
assert_ge "$6" $((same_pages / 2)) "same_pages against swapfill's"
assert_lt "$2" "$1" "compr_data_size below orig_data_size"
assert_le "$3" $(($1 + 4 * MIB)) "mem_used_total while swapped out"
ok "mm_stat while swapped out: orig $1 >= $want, same_pages $6"

# The page cache holds no second copy of the swapped data (neither the
# loop device's nor the fuse file's).  Cached in /proc/meminfo moves with
# everything else on the machine (other tests in parallel, tmpfs): print it
# only.  fincore counts each file's own resident pages exactly: the fzram
# file and the loop device must have (almost) none, 1% of what was swapped.
dc=$((c1 - c0))
log "page cache: Cached grew by $dc bytes for $swapped swapped (not asserted)"
if command -v fincore >/dev/null 2>&1; then
	for obj in "$F" "$LOOP"; do
		fincore -b -n -o RES "$obj" >"$T/fincore" 2>"$T/fincore.err" ||
			fail "fincore $obj: $(cat "$T/fincore.err")"
		res=$(tr -d ' ' <"$T/fincore")
		log "page cache of $obj: $res bytes"
		assert_le "$res" $((swapped / 100)) "page cache of $obj"
	done
	ok "no second copy in the page cache"
else
	log "no fincore (Debian package util-linux-extra): page cache unchecked"
fi

# swapfill has exited: the kernel frees its slots and, with --discard,
# discards them (asynchronously, from a work queue); the daemon frees what
# is discarded and counts it in notify_free.  Wait (bounded) for the stored
# data to come down to the header, or nearly.  The kernel discards a swap
# cluster (512 slots, 2 MiB) only once all of it is free, and the swap is
# the machine's, at the top priority: other processes' pages may be paged
# out to it meanwhile (by the kernel's reclaim, or a DAMON pageout scheme,
# as on the VMs this was written on), and each slot in use keeps its
# cluster, with swapfill's freed slots in it, from being discarded.  So the
# bound is the header plus one cluster (the header's) plus one per slot in
# use (Used in /proc/swaps), at most the whole area.  (Slots still in use at
# swapoff are not discarded by the kernel either: swapoff itself frees
# nothing in the device.)
CLUSTER=$((2 * MIB))
NCLUSTERS=$((256 * MIB / CLUSTER))
# swap_used: pages of $LOOP in use, from /proc/swaps (Used, in kB).
swap_used() {
	awk -v d="$LOOP" '$1 == d { print int($4 / 4); f = 1 }
		END { if (!f) print 0 }' /proc/swaps
}
# left_max USED: the most that may stay stored with USED slots in use.
left_max() {
	_c=$(($1 + 1))
	[ "$_c" -le "$NCLUSTERS" ] || _c=$NCLUSTERS
	echo $((hdr + _c * CLUSTER))
}
n=300
while [ "$(mm orig_data_size)" -gt "$(left_max "$(swap_used)")" ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || break
	sleep 0.1
done
used=$(swap_used)
o=$(mm orig_data_size)
nf1=$(io notify_free)
log "after swapfill: orig_data_size $o, notify_free $nf0 -> $nf1," \
	"$used slots still in use on $LOOP"
assert_le "$o" "$(left_max "$used")" \
	"orig_data_size once the slots are discarded ($used slots in use)"
# Every page that left the device was discarded, so notified.
assert_ge $(((nf1 - nf0) * 4096)) $((stored - o)) \
	"notify_free growth, in bytes, against the bytes freed"
assert_eq "$(io failed_reads)" 0 "failed_reads"
assert_eq "$(io failed_writes)" 0 "failed_writes"
ok "discards freed the data: orig_data_size $o, notify_free +$((nf1 - nf0))"

swapoff "$LOOP"
grep -q "^${LOOP}[[:space:]]" /proc/swaps && fail "$LOOP still swap"
o2=$(mm orig_data_size)
# Other processes' pages may have come after the count above, but swapoff
# took them all back; what they left is bounded as before.
assert_le "$o2" "$(left_max "$((used + (o2 > o ? (o2 - o) / 4096 : 0)))")" \
	"orig_data_size after swapoff"
ok "swapoff: orig_data_size $o2"

# Memory freed by discards and compaction goes back to the system: the
# daemon's resident memory returns close to where it started (what stays
# is metadata: slot chunks, handle table, thread stacks).
# Allowed: 8 MiB, or a quarter of the peak pool when that is more (a
# sanitizer build keeps more of its own).
setd compact 1
rss1=$(rss)
peak=$(mm mem_used_max)
log "daemon VmRSS: $rss0 before swapping, $rss1 after swapoff and compact" \
	"(peak pool $peak bytes)"
slack=$((peak / 4))
[ "$slack" -ge $((8 * MIB)) ] || slack=$((8 * MIB))
assert_le "$rss1" $((rss0 + slack)) "daemon VmRSS after swapoff + compact"
ok "daemon memory back: VmRSS $rss0 -> $rss1"

loop_detach "$LOOP"
n=300
while ours_loop "$LOOP"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "$LOOP still attached after losetup -d"
	sleep 0.1
done
st=0
stop_daemon || st=$?
assert_eq "$st" 0 "daemon exit status"
ok "torn down: swapoff, losetup -d, unmount"
