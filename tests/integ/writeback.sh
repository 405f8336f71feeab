#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# writeback.sh - the second tier end to end (-o backing=, issue 10):
#
#  file:  over a backing file in the test's dir, pages with a text marker:
#         idle all, writeback idle: bd_stat's bd_count grows, compr_data_size
#         and mem_used_total shrink, the marker is nowhere in the backing
#         file (encryption on), block_state lists the slots with 'w', the
#         data reads back equal; with backing_encrypt=off the marker IS
#         there (so the first grep can fail); block_state cannot be
#         written.
#  swap:  (root, loop) the same over a real swap: swapfill's own pages,
#         paged out, written back, faulted back in and compared.
#  full:  (root, loop, mkfs.ext4) the backing file on a 4 MiB ext4 image
#         fills up: writeback fails with ENOSPC, everything reads back.
#  fault: (a debug build: fzram --version names its fault points) with
#         FZRAM_FAULT=bk_write (or bk_write_short) writeback fails with
#         EIO and nothing moves; a single failure (bk_write:0:1) is
#         retried and everything moves; with FZRAM_FAULT=bk_read a written-back page reads as EIO and
#         counts in failed_reads while the pages in RAM still read.
#
# A part that cannot run here is skipped with a note; the test is SKIP
# (77) only when nothing could run.  Teardown (lib.sh's trap, after this
# test's hook) always runs swapoff, losetup -d, unmount, in that order.
# Every mount here runs with policy=off: what is counted is what the
# test asked for, not what the policy (fzram(8), POLICY) did by itself.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
_pkg=util-linux need_cmd fallocate
_pkg=perl-base need_cmd perl
setup

MARK=fzram-wb-marker-$$-Q7ZK
: "${SWAPFILL:=$LIB_DIR/swapfill}"

FILLPID=
CG=	# swapfill's memory cgroup (v1), to empty its swap cache
SMALL=
SMALL_MNT=
SMALL_DPID=
wb_cleanup() {
	# swapfill is ours: its pages go with it.  Then the mount whose
	# backing file is on the small ext4 (no swap on it), then that ext4;
	# lib.sh detaches its loop device next.
	if [ -n "$FILLPID" ]; then
		kill "$FILLPID" 2>/dev/null
		wait "$FILLPID" 2>/dev/null
	fi
	if [ -n "$CG" ]; then
		rmdir "$CG" 2>/dev/null || log "CLEANUP: could not remove $CG"
	fi
	if [ -n "$SMALL" ] && mountpoint -q "$SMALL" 2>/dev/null; then
		if [ -n "$SMALL_MNT" ]; then
			unmount "$SMALL_MNT"
			[ -z "$SMALL_DPID" ] || wait_gone "$SMALL_DPID" 100
		fi
		umount "$SMALL" 2>/dev/null || umount -l "$SMALL" ||
			log "CLEANUP: could not unmount $SMALL"
	fi
}
# shellcheck disable=SC2034 # lib.sh's cleanup runs it
CLEANUP_HOOK=wb_cleanup

# markers FILE: how many times the marker is in FILE (binary).
markers() {
	{ grep -a -o -F "$MARK" "$1" || :; } | wc -l
}

# make_data FILE PAGES: PAGES pages of real memory (FZRAM_CORPUS, else text
# and random bytes), the marker at the start of each page.
make_data() {
	_out=$1
	_n=$2
	if [ -n "${FZRAM_CORPUS-}" ] && [ -r "$FZRAM_CORPUS" ]; then
		head -c $((_n * PAGE)) "$FZRAM_CORPUS" >"$_out.raw"
	else
		text $((_n * PAGE / 2)) >"$_out.raw"
		head -c $((_n * PAGE / 2)) /dev/urandom >>"$_out.raw"
	fi
	awk -v n="$_n" -v size="$(size_of "$_out.raw")" \
		'BEGIN { exit !(size == n * 4096) }' ||
		setup_error "$_out: the corpus holds fewer than $_n pages"
	# the marker over the first bytes of every page
	perl -e 'binmode STDIN; binmode STDOUT; $m = shift;
		while (read(STDIN, $p, 4096) == 4096) {
			substr($p, 0, length $m) = $m; print $p;
		}' "$MARK" <"$_out.raw" >"$_out" ||
		setup_error "perl: could not mark $_out"
	rm -f "$_out.raw"
}

# check_block_state DIR: every line of DIR/block_state is zram's format;
# how many slots are marked written back goes to $BS_W (the text to $T/bs).
check_block_state() {
	_bs=$1/block_state
	cat "$_bs" >"$T/bs" || fail "cannot read $_bs"
	[ -s "$T/bs" ] || fail "$_bs is empty"
	_badl=$(grep -Evc '^ {0,11}[0-9]{1,12} {1,12}[0-9]{1,12}\.000000 [s.][w.][h.][i.][r.][n.]$' \
		"$T/bs" || :)
	assert_eq "$_badl" 0 "lines of $_bs not in zram's format"
	BS_W=$(grep -Ec '^ *[0-9]+ +[0-9]+\.000000 .w' "$T/bs" || :)
}

ran=

# ---------------------------------------------------------------------------
# file: writeback over a backing file, no swap
part_file() {
	_enc=$1
	_pages=1024
	make_data "$T/data" "$_pages"
	[ "$(markers "$T/data")" -gt 0 ] || setup_error "no marker in the data"
	rm -f "$T/bk"
	start_daemon "size=64M,backing=$T/bk,backing_encrypt=$_enc,policy=off"
	[ -f "$T/bk" ] || fail "backing=$T/bk: no file made"
	assert_eq "$(stat -c %a "$T/bk")" 600 "mode of the backing file"
	assert_eq "$(xattr backing_dev)" "$T/bk" "backing_dev"
	assert_eq "$(bd bd_count)" 0 "bd_count before writeback"

	write_at "$T/data" 0
	# slots written after the mark stay in RAM: the page after the data
	text $PAGE 7 >"$T/late"
	c0=$(mm compr_data_size)
	m0=$(mm mem_used_total)
	setx idle all || fail "setfattr idle all"
	write_at "$T/late" $((_pages * PAGE))
	setd writeback idle || fail "setfattr writeback idle"
	n=$(bd bd_count)
	c1=$(mm compr_data_size)
	setd compact 1
	m1=$(mm mem_used_total)
	log "encrypt=$_enc: bd_stat $(xattr bd_stat);" \
		"compr_data_size $c0 -> $c1, mem_used_total $m0 -> $m1"
	assert_eq "$n" "$_pages" "bd_count after writeback idle"
	assert_eq "$(bd bd_writes)" "$_pages" "bd_writes after writeback idle"
	assert_lt "$c1" "$c0" "compr_data_size after writeback"
	assert_lt "$m1" "$m0" "mem_used_total after writeback and compact"
	assert_gt "$(bd bd_data_bytes)" 0 "bd_data_bytes"
	ok "encrypt=$_enc: $n slots written back, mem_used_total $m0 -> $m1"

	check_block_state "$MNT"
	w=$BS_W
	assert_eq "$w" "$_pages" "block_state lines marked w"
	assert_eq "$(wc -l <"$T/bs")" $((_pages + 1)) "block_state lines"
	last=$(tail -n 1 "$T/bs")
	case $last in
	*" $_pages "*) ;; # the late page: in RAM
	*) fail "block_state's last line: '$last'" ;;
	esac
	echo "$last" | grep -Eq ' .\.....$' || fail "late page marked w: $last"
	ok "block_state: $w lines with w, the late slot without"

	found=$(markers "$T/bk")
	if [ "$_enc" = on ]; then
		assert_eq "$found" 0 "markers in the encrypted backing file"
		ok "encrypt=on: no marker in the backing file"
	else
		assert_gt "$found" 0 "markers in the plain backing file"
		ok "encrypt=off: $found markers in the backing file"
	fi

	read_at 0 $((_pages * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/data" "data read back from the backing file"
	read_at $((_pages * PAGE)) $PAGE >"$T/back"
	assert_same "$T/back" "$T/late" "the late page"
	assert_ge "$(bd bd_reads)" "$_pages" "bd_reads after reading back"
	assert_eq "$(io failed_reads)" 0 "failed_reads"
	ok "encrypt=$_enc: every page reads back"

	# an overwrite replaces a written-back slot; a discard frees one
	text $PAGE 99 >"$T/over"
	write_at "$T/over" 0
	assert_eq "$(bd bd_count)" $((_pages - 1)) "bd_count after an overwrite"
	read_at 0 $PAGE >"$T/back"
	assert_same "$T/back" "$T/over" "overwritten page"
	fallocate -p -o $PAGE -l $PAGE "$F" ||
		fail "fallocate --punch-hole on $F"
	assert_eq "$(bd bd_count)" $((_pages - 2)) "bd_count after a discard"
	read_at $PAGE $PAGE | cmp -s - "$T/zero4k" ||
		fail "discarded page does not read as zeros"
	ok "overwrite and discard of written-back slots"
	stop_daemon || fail "daemon exit status $? (encrypt=$_enc)"
}

zeros $PAGE >"$T/zero4k"
part_file on

# block_state is read-only; the swap file stays the only writable file
start_daemon "size=16M,backing=$T/bk,policy=off"
BS=$MNT/block_state
assert_eq "$(stat -c %a "$BS")" 400 "mode of block_state"
assert_eq "$(size_of "$BS")" 0 "size of block_state"
if (echo x >>"$BS") 2>/dev/null; then
	fail "block_state could be opened for writing"
fi
if truncate -s 0 "$BS" 2>/dev/null; then
	fail "block_state could be truncated"
fi
if chmod 666 "$BS" 2>/dev/null; then
	fail "block_state's mode could be changed"
fi
if setfattr -n user.fzram.idle -v all "$BS" 2>/dev/null; then
	fail "an attribute could be set on block_state"
fi
[ -z "$(cat "$BS")" ] || fail "block_state of an empty device is not empty"
if setx backing_dev /tmp/other 2>"$T/err"; then
	fail "backing_dev could be changed"
fi
grep -q "busy" "$T/err" || fail "backing_dev write: not EBUSY: $(cat "$T/err")"
stop_daemon || fail "daemon exit status $?"
ok "block_state: 0400, size 0, refuses writes; backing_dev refuses"

part_file off
ran=1

# ---------------------------------------------------------------------------
# A part needs root and loop devices; without them it is left out.
can_loop() {
	[ "$(id -u)" -eq 0 ] && command -v losetup >/dev/null 2>&1 &&
		{ [ -e /dev/loop-control ] || [ -b /dev/loop0 ]; }
}

# ---------------------------------------------------------------------------
# full: the backing file on a 4 MiB ext4 fills up
part_full() {
	_pages=4096 # 16 MiB, compressed well above what the ext4 holds
	make_data "$T/full.data" "$_pages"
	dd if=/dev/zero of="$T/small.img" bs=1M count=4 status=none
	mkfs.ext4 -q -F "$T/small.img" >"$T/mkfs.out" 2>&1 ||
		setup_error "mkfs.ext4: $(cat "$T/mkfs.out")"
	loop_attach "$T/small.img"
	SMALL=$T/small
	mkdir "$SMALL"
	mount "$LOOP" "$SMALL" || setup_error "mount $LOOP $SMALL"
	start_daemon "size=64M,backing=$SMALL/bk,policy=off"
	SMALL_MNT=$MNT
	SMALL_DPID=$DPID
	write_at "$T/full.data" 0
	setx idle all
	if setd writeback idle 2>"$T/err"; then
		fail "writeback to a full backing store succeeded"
	fi
	grep -q "No space left" "$T/err" ||
		fail "writeback to a full store: not ENOSPC: $(cat "$T/err")"
	n=$(bd bd_count)
	log "full: bd_stat $(xattr bd_stat); $(df -k "$SMALL" | tail -n 1)"
	assert_lt "$n" "$_pages" "bd_count on a full backing store"
	read_at 0 $((_pages * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/full.data" "data after ENOSPC"
	assert_eq "$(io failed_reads)" 0 "failed_reads after ENOSPC"
	ok "full backing store: ENOSPC, $n of $_pages slots moved, all reads back"
	stop_daemon || fail "daemon exit status $? (full)"
	SMALL_MNT=
	umount "$SMALL" || fail "umount $SMALL"
	loop_detach "$LOOP"
}

if can_loop && command -v mkfs.ext4 >/dev/null 2>&1; then
	part_full
else
	log "note: full backing store left out (needs root, loop, mkfs.ext4)"
fi

# ---------------------------------------------------------------------------
# fault: the debug build's fault points
# fault_daemon SPEC: a daemon with FZRAM_FAULT=SPEC, $T/f.data written
# to it and marked idle.
fault_daemon() {
	FZRAM_FAULT=$1
	export FZRAM_FAULT
	start_daemon "size=16M,backing=$T/bk,policy=off"
	unset FZRAM_FAULT
	write_at "$T/f.data" 0
	setx idle all
}

# fault_write_fails SPEC: with SPEC armed, writeback fails with EIO,
# nothing is on the backing store, and every page still reads back.
fault_write_fails() {
	fault_daemon "$1"
	if setd writeback idle 2>"$T/err"; then
		fail "writeback succeeded with FZRAM_FAULT=$1"
	fi
	grep -q "Input/output error" "$T/err" ||
		fail "FZRAM_FAULT=$1: not EIO: $(cat "$T/err")"
	assert_eq "$(bd bd_count)" 0 "bd_count with FZRAM_FAULT=$1"
	read_at 0 $((_pages * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/f.data" "data with FZRAM_FAULT=$1"
	stop_daemon || fail "daemon exit status $? ($1)"
	ok "FZRAM_FAULT=$1: EIO, bd_count 0, data intact"
}

part_fault() {
	_pages=256
	make_data "$T/f.data" "$_pages"
	text $((16 * PAGE)) 3 >"$T/f.ram"

	# every backing write fails, or comes back short: EIO, nothing
	# moves, all stays in RAM
	fault_write_fails bk_write
	fault_write_fails bk_write_short

	# one failed write is retried: the writeback succeeds whole
	fault_daemon bk_write:0:1
	setd writeback idle 2>"$T/err" ||
		fail "a single failed write was not retried: $(cat "$T/err")"
	assert_eq "$(bd bd_count)" "$_pages" "bd_count after a retried write"
	read_at 0 $((_pages * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/f.data" "data after a retried write"
	stop_daemon || fail "daemon exit status $? (bk_write:0:1)"
	ok "FZRAM_FAULT=bk_write:0:1: retried, all $_pages pages written back"

	# every backing read fails: EIO and failed_reads; RAM still reads
	fault_daemon bk_read
	setd writeback idle || fail "writeback with FZRAM_FAULT=bk_read"
	assert_eq "$(bd bd_count)" "$_pages" "bd_count"
	write_at "$T/f.ram" $((_pages * PAGE))
	fr0=$(io failed_reads)
	if read_at 0 $((_pages * PAGE)) >"$T/back" 2>"$T/err"; then
		fail "reading written-back pages succeeded with bk_read failing"
	fi
	fr1=$(io failed_reads)
	assert_gt "$fr1" "$fr0" "failed_reads after failed backing reads"
	read_at $((_pages * PAGE)) $((16 * PAGE)) >"$T/back"
	assert_same "$T/back" "$T/f.ram" "pages in RAM with backing reads failing"
	stop_daemon || fail "daemon exit status $? (bk_read)"
	ok "FZRAM_FAULT=bk_read: EIO, failed_reads $fr0 -> $fr1, RAM reads"
}

if "$FZRAM" --version 2>/dev/null | grep -q "fault points"; then
	part_fault
else
	log "note: fault injection left out (not a debug build)"
fi

# ---------------------------------------------------------------------------
# swap: swapfill's own pages, paged out, written back, faulted back in
part_swap() {
	swap_alone
	_fill_mib=32
	start_daemon "size=128M,backing=$T/bk,policy=off"
	mkswap "$F" >"$T/mkswap.out" 2>&1 ||
		setup_error "mkswap $F: $(cat "$T/mkswap.out")"
	loop_attach "$F" --direct-io=on
	swap_on "$LOOP" --discard --priority 32767
	ok "swapon $LOOP over $F, backing $T/bk"

	SWAPFILL_MARKER=$MARK FZRAM_CORPUS=${FZRAM_CORPUS-} \
		fill_start "$_fill_mib" fzram-wb
	c0=$(mm compr_data_size)
	m0=$(mm mem_used_total)
	b0=$(bd bd_count)
	setx idle all || fail "setfattr idle all"
	setd writeback idle || fail "setfattr writeback idle"
	b1=$(bd bd_count)
	c1=$(mm compr_data_size)
	setd compact 1
	m1=$(mm mem_used_total)
	log "swap: bd_stat $(xattr bd_stat); compr_data_size $c0 -> $c1," \
		"mem_used_total $m0 -> $m1"
	# swapfill's pages (less the same-filled) are most of what is stored
	assert_ge "$b1" $((_fill_mib * 256 / 2)) "bd_count after writeback"
	assert_lt "$c1" "$c0" "compr_data_size after writeback"
	assert_lt "$m1" "$m0" "mem_used_total after writeback"
	assert_eq "$(markers "$T/bk")" 0 "markers in the backing file"
	check_block_state "$MNT"
	w=$BS_W
	assert_gt "$w" 0 "block_state lines marked w"
	ok "swap: bd_count $b0 -> $b1, mem_used_total $m0 -> $m1, no marker," \
		"$w slots w"

	# The kernel may fault pages back from its swap cache without
	# reading the device, so read the swap area through the mount too:
	# every written-back slot comes from the backing file, and swapfill's
	# pages in it (each with the marker; same-filled ones without) come
	# back whole, or the marker count falls short.
	r0=$(bd bd_reads)
	read_at 0 $((128 * 1048576)) >"$T/swapimg" ||
		fail "reading the swap area through $F"
	r1=$(bd bd_reads)
	nm=$(markers "$T/swapimg")
	rm -f "$T/swapimg"
	sp=$(awk '$1 == "pages" { print $2 - $6 }' "$T/fill.out")
	log "swap: read back $((r1 - r0)) slots from the backing file;" \
		"$nm markers for swapfill's $sp marked pages"
	assert_ge $((r1 - r0)) "$b1" "bd_reads of a read of the whole area"
	assert_ge "$nm" "$sp" "markers in the swap area read back"
	assert_eq "$(io failed_reads)" 0 "failed_reads reading the area"
	ok "swap: the written-back area reads back, $nm markers"

	# with the swap cache emptied, each fault reads the device, and so
	# the backing file
	r0=$(bd bd_reads)
	fill_finish
	assert_eq "$(io failed_reads)" 0 "failed_reads"
	r1=$(bd bd_reads)
	if [ -n "$CG" ]; then
		# with the swap cache emptied, the faults read written-back
		# slots from the backing file
		assert_ge $((r1 - r0)) $((_fill_mib * 256 / 4)) \
			"bd_reads while faulting after the swap cache was emptied"
		rmdir "$CG" || log "note: could not remove $CG"
		CG=
	fi
	ok "swap: every page faulted back equal (bd_reads $r0 -> $r1" \
		"while faulting)"

	swapoff "$LOOP"
	loop_detach "$LOOP"
	st=0
	stop_daemon || st=$?
	assert_eq "$st" 0 "daemon exit status (swap)"
}

if ! can_loop; then
	log "note: swap left out (needs root and loop devices)"
elif [ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null)" = Y ]; then
	log "note: swap left out: zswap is enabled"
elif ! command -v mkswap >/dev/null 2>&1; then
	log "note: swap left out: no mkswap"
elif ! [ -x "$SWAPFILL" ]; then
	log "note: swap left out: no swapfill helper (make check builds it)"
else
	part_swap
fi

[ -n "$ran" ] || skip "nothing could run"
