#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# recomp.sh - recompression with a secondary algorithm end to end (issue
# 11, part 1: no dictionaries):
#
#  file:  -o recomp=zstd:19 over lz4, real pages (FZRAM_CORPUS, else text
#         and random bytes) written with dd; recomp_algorithm reads
#         "#1: lz4 lz4hc [zstd]"; idle all, recompress type=idle:
#         compr_data_size shrinks, recomp_stat's priority-1 pages are above
#         0 and its columns add up to mm_stat's, block_state has lines with
#         r, every page reads back equal; bad values (mount options and
#         attribute lines) are refused and the data stays intact.
#  swap:  (root, loop) the same over a real swap: swapfill's own pages,
#         paged out, recompressed, faulted back (its swap cache emptied
#         first when a memory cgroup can be made) and compared.
#
# Teardown (lib.sh's trap, after this test's hook) always runs swapoff,
# losetup -d, unmount, in that order.
# Every mount here runs with policy=off: what is counted is what the
# test asked for, not what the policy (fzram(8), POLICY) did by itself.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
setup

: "${SWAPFILL:=$LIB_DIR/swapfill}"
FILLPID=
CG= # swapfill's memory cgroup (v1), to empty its swap cache
rc_cleanup() {
	if [ -n "$FILLPID" ]; then
		kill "$FILLPID" 2>/dev/null
		wait "$FILLPID" 2>/dev/null
	fi
	if [ -n "$CG" ]; then
		rmdir "$CG" 2>/dev/null || log "CLEANUP: could not remove $CG"
	fi
}
# shellcheck disable=SC2034 # lib.sh's cleanup runs it
CLEANUP_HOOK=rc_cleanup

# make_data FILE PAGES: PAGES pages of real memory, else text and random.
make_data() {
	if [ -n "${FZRAM_CORPUS-}" ] && [ -r "$FZRAM_CORPUS" ]; then
		head -c $(($2 * PAGE)) "$FZRAM_CORPUS" >"$1"
	else
		log "note: no FZRAM_CORPUS: text and random pages"
		text $(($2 * PAGE / 2)) >"$1"
		head -c $(($2 * PAGE / 2)) /dev/urandom >>"$1"
	fi
	assert_eq "$(size_of "$1")" $(($2 * PAGE)) "bytes of $1"
}

# rstat COLUMN: one recomp_stat column, 1..8 (pages, bytes of prio 0..3).
rstat() {
	xattr recomp_stat | awk -v c="$1" '{ print $c }'
}

# r_lines: block_state's lines with the r flag.
r_lines() {
	cat "$MNT/block_state" >"$T/bs" || fail "cannot read block_state"
	_bad=$(grep -Evc '^ {0,11}[0-9]{1,12} {1,12}[0-9]{1,12}\.000000 [s.][w.][h.][i.][r.][n.]$' \
		"$T/bs" || :)
	assert_eq "$_bad" 0 "lines of block_state not in zram's format"
	grep -Ec ' [s.][w.][h.][i.]r[n.]$' "$T/bs" || :
}

# refused NAME VALUE WHY: setting user.fzram.NAME to VALUE fails.
refused() {
	if setx "$1" "$2" 2>"$T/err"; then
		fail "$1='$2' accepted ($3)"
	fi
}

# ---------------------------------------------------------------------------
# mount options checked at parse time, one line each
for bad in recomp=brotli recomp=zstd:99 recomp=zstd:x recomp2=lz4hc:13 \
	recomp3= recomp=:3 recomp=zstd:3:4 recomp=zstd:dict= \
	recomp=zstd:level=; do
	if "$FZRAM" -f -o "size=1M,$bad" "$T" >"$T/out" 2>&1; then
		fail "-o $bad accepted"
	fi
	assert_eq "$(wc -l <"$T/out")" 1 "lines of the message for -o $bad"
	grep -q '^fzram: recomp[23]*: ' "$T/out" ||
		fail "-o $bad: message '$(cat "$T/out")'"
done
ok "bad recomp= values refused with one line each"
for bad in dict=/nonexistent/d "dict=$T" recomp=zstd:dict=/nonexistent/d; do
	if "$FZRAM" -f -o "size=1M,$bad" "$T" >"$T/out" 2>&1; then
		fail "-o $bad accepted"
	fi
	assert_eq "$(wc -l <"$T/out")" 1 "lines of the message for -o $bad"
	grep -Eq '^fzram: (dict|recomp): /' "$T/out" ||
		fail "-o $bad: message '$(cat "$T/out")'"
done
ok "dictionaries that are not there refused at mount, one line each"

# ---------------------------------------------------------------------------
# file: recompress idle pages, no swap
PAGES=2048
make_data "$T/data" $PAGES
start_daemon "size=64M,recomp=zstd:19,policy=off"
assert_eq "$(xattr recomp_algorithm)" "#1: lz4 lz4hc [zstd]" \
	"recomp_algorithm after -o recomp=zstd:19"
write_at "$T/data" 0
c0=$(mm compr_data_size)
o0=$(mm orig_data_size)
assert_eq "$(rstat 3)" 0 "priority-1 pages before recompress"
assert_eq "$(rstat 2)" "$c0" "priority-0 bytes = compr_data_size"

# bad lines change nothing
refused recompress "type=banana" "unknown type"
refused recompress "priority=0" "priority 0"
refused recompress "priority=4" "priority 4"
refused recompress "priority=2" "priority 2 not set"
refused recompress "algo=lz4hc" "algo not set"
refused recompress "max_pages=many" "max_pages garbage"
refused recompress "colour=red" "unknown key"
refused recomp_algorithm "algo=brotli" "unknown algorithm"
refused recomp_algorithm "algo=zstd priority=4" "priority 4"
refused algorithm_params "priority=0 level=0" "lz4's level 0"
refused algorithm_params "priority=1 level=99" "level out of range"
refused algorithm_params "priority=1 dict=/nonexistent" "a missing file"
grep -q "No such file" "$T/err" ||
	fail "dict=/nonexistent: not ENOENT: $(cat "$T/err")"
: >"$T/empty.dict"
refused algorithm_params "priority=1 dict=$T/empty.dict" "an empty file"
printf 'not a dictionary' >"$T/junk.dict"
refused algorithm_params "priority=1 dict=$T/junk.dict" "not a zstd dictionary"
grep -q "Invalid argument" "$T/err" ||
	fail "dict=junk: not EINVAL: $(cat "$T/err")"
refused algorithm_params "priority=1 dict=$T" "a directory"
assert_eq "$(mm compr_data_size)" "$c0" "compr_data_size after refusals"
assert_eq "$(xattr recomp_algorithm)" "#1: lz4 lz4hc [zstd]" \
	"recomp_algorithm after refusals"
read_at 0 $((PAGES * PAGE)) >"$T/back"
assert_same "$T/back" "$T/data" "data after refused lines"
ok "refused lines change nothing"

setx idle all || fail "setfattr idle all"
setd recompress type=idle || fail "setfattr recompress type=idle"
c1=$(mm compr_data_size)
p1=$(rstat 3)
r=$(r_lines)
log "file: compr_data_size $c0 -> $c1 (orig $o0), recomp_stat" \
	"$(xattr recomp_stat), $r lines with r"
assert_lt "$c1" "$c0" "compr_data_size after recompress"
assert_gt "$p1" 0 "priority-1 pages after recompress"
assert_eq "$r" "$p1" "block_state lines with r"
assert_eq $(($(rstat 2) + $(rstat 4))) "$c1" \
	"recomp_stat's bytes = compr_data_size"
assert_eq "$(mm orig_data_size)" "$o0" "orig_data_size"
read_at 0 $((PAGES * PAGE)) >"$T/back"
assert_same "$T/back" "$T/data" "data after recompress"
assert_eq "$(io failed_reads)" 0 "failed_reads"
ok "recompress type=idle: compr_data_size $c0 -> $c1, $p1 slots at" \
	"priority 1, every page reads back"

# a second priority through the attributes, then a level change
setx recomp_algorithm "algo=lz4hc priority=2" ||
	fail "setfattr recomp_algorithm algo=lz4hc priority=2"
setx algorithm_params "algo=lz4hc level=12" ||
	fail "setfattr algorithm_params algo=lz4hc level=12"
printf '#1: lz4 lz4hc [zstd]\n#2: lz4 [lz4hc] zstd\n' >"$T/want"
xattr recomp_algorithm >"$T/got"
assert_same "$T/got" "$T/want" "recomp_algorithm with two priorities"
setd recompress "type=idle priority=2 max_pages=10" ||
	fail "setfattr recompress priority=2"
read_at 0 $((PAGES * PAGE)) >"$T/back"
assert_same "$T/back" "$T/data" "data after a second recompress"
stop_daemon || fail "daemon exit status $?"
ok "two priorities; the data reads back"

# ---------------------------------------------------------------------------
# swap: swapfill's pages paged out, recompressed, faulted back in
can_loop() {
	[ "$(id -u)" -eq 0 ] && command -v losetup >/dev/null 2>&1 &&
		{ [ -e /dev/loop-control ] || [ -b /dev/loop0 ]; }
}

part_swap() {
	swap_alone
	_fill_mib=32
	start_daemon "size=128M,recomp=zstd:19,policy=off"
	mkswap "$F" >"$T/mkswap.out" 2>&1 ||
		setup_error "mkswap $F: $(cat "$T/mkswap.out")"
	loop_attach "$F" --direct-io=on
	swap_on "$LOOP" --discard --priority 32767
	ok "swapon $LOOP over $F, recomp=zstd:19"

	FZRAM_CORPUS=${FZRAM_CORPUS-} fill_start "$_fill_mib" fzram-rc
	c0=$(mm compr_data_size)
	setx idle all || fail "setfattr idle all"
	# on the file the job is started and the setxattr returns at once:
	# the kernel holds the file's lock across it, and swap writes would
	# wait behind a recompression of seconds; tier_stat tells the rest
	assert_eq "$(xattr tier_stat | grep '^recompress')" \
		"recompress state=idle runs=0 last=0 count=0" "tier_stat before"
	setx recompress type=idle || fail "setfattr recompress type=idle"
	_st=$(xattr tier_stat | grep '^recompress')
	case $_st in
	"recompress state=running runs=0 "* | "recompress state=queued runs=0 "*) ;;
	*) fail "tier_stat right after the file's recompress: $_st" ;;
	esac
	_n=0
	while ! xattr tier_stat | grep -q '^recompress state=idle runs=1 last=0 '; do
		_n=$((_n + 1))
		[ "$_n" -lt 1200 ] || fail "recompress did not end: $(xattr tier_stat)"
		sleep 0.1
	done
	ok "the file's recompress returned while its job ran ($_st)"
	c1=$(mm compr_data_size)
	p1=$(rstat 3)
	log "swap: compr_data_size $c0 -> $c1, recomp_stat $(xattr recomp_stat)"
	assert_lt "$c1" "$c0" "compr_data_size after recompress (swap)"
	assert_gt "$p1" 0 "priority-1 pages after recompress (swap)"
	assert_gt "$(r_lines)" 0 "block_state lines with r (swap)"
	ok "swap: recompressed $p1 slots, compr_data_size $c0 -> $c1"

	fill_finish
	assert_eq "$(io failed_reads)" 0 "failed_reads (swap)"
	if [ -n "$CG" ]; then
		rmdir "$CG" || log "note: could not remove $CG"
		CG=
	fi
	ok "swap: every page faulted back equal"

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
