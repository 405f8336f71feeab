#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# policy.sh - the tiers that run themselves (issue 12) on a real swap.
#
#  spill: (root, loop, a v1 memory cgroup) fzram with a backing file and a
#         small mem_limit, the default policy; churn (a verifying
#         workload) runs in a memory cgroup far below its size, so that
#         the kernel's own reclaim swaps it out and in: every page is
#         right, no write failed, the pool (sampled every 0.1 s) never
#         passed mem_limit, and policy_stat and bd_stat show the spill.
#  full:  (root, loop) the same with a backing store of 8 MiB, filled by
#         swapfill's pages paged out: writes fail (failed_writes) only once
#         the backing store is full (sampled), and every page comes back
#         equal (those the device refused stay in RAM).
#
# Needs root and loop devices (SKIP, 77, without); the spill part is
# skipped with a note without a v1 memory cgroup.  Teardown (lib.sh's trap, after this
# test's hook) runs swapoff, losetup -d, unmount, in that order.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
need_loop
_pkg=util-linux need_cmd mkswap swapon swapoff
setup

: "${CHURN:=$LIB_DIR/churn}"
: "${SWAPFILL:=$LIB_DIR/swapfill}"

FILLPID=
CG=
CHURNPID=
SAMPLER=
pol_cleanup() {
	for _p in $CHURNPID $FILLPID $SAMPLER; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	if [ -n "$CG" ]; then
		rmdir "$CG" 2>/dev/null || log "CLEANUP: could not remove $CG"
	fi
}
# shellcheck disable=SC2034 # lib.sh's cleanup runs it
CLEANUP_HOOK=pol_cleanup

# pst COLUMN: one column of policy_stat by name.
pst() {
	case $1 in
	steps) _c=1 ;;
	aged) _c=2 ;;
	recompressed) _c=3 ;;
	written_back) _c=4 ;;
	spilled) _c=5 ;;
	compactions) _c=6 ;;
	compacted) _c=7 ;;
	budget_left) _c=8 ;;
	cpu_ms) _c=9 ;;
	spill_waits) _c=10 ;;
	spill_wait_us) _c=11 ;;
	spill_max_us) _c=12 ;;
	spill_failed) _c=13 ;;
	pressure) _c=14 ;;
	trimmed) _c=15 ;;
	bytes_written) _c=16 ;;
	*) setup_error "pst: no column $1" ;;
	esac
	_v=$(xattr policy_stat) || exit 1
	echo "$_v" | awk -v c="$_c" '{ print $c }'
}

# sampler OUT: every 0.1 s a line "mem_used_total failed_writes
# bd_used_bytes" of $F into OUT, until killed.  Sets SAMPLER.
sampler() {
	(
		while :; do
			_m=$(getfattr --absolute-names --only-values \
				-n user.fzram.mm_stat "$F" 2>/dev/null) || exit 0
			_i=$(getfattr --absolute-names --only-values \
				-n user.fzram.io_stat "$F" 2>/dev/null) || exit 0
			_b=$(getfattr --absolute-names --only-values \
				-n user.fzram.bd_stat "$F" 2>/dev/null) || exit 0
			echo "$_m $_i $_b" |
				awk '{ print $3, $11, $18 }'
			sleep 0.1
		done
	) >"$1" &
	SAMPLER=$!
}

stop_sampler() {
	kill "$SAMPLER" 2>/dev/null || :
	wait "$SAMPLER" 2>/dev/null || :
	SAMPLER=
}

# swap_up OPTS: an fzram with -o OPTS as the only swap of the suite, at
# the top priority.
swap_up() {
	start_daemon "$1"
	mkswap "$F" >"$T/mkswap.out" 2>&1 ||
		setup_error "mkswap $F: $(cat "$T/mkswap.out")"
	loop_attach "$F" --direct-io=on
	swap_on "$LOOP" --discard --priority 32767
}

swap_down() {
	swapoff "$LOOP" || fail "swapoff $LOOP"
	loop_detach "$LOOP"
	stop_daemon || fail "daemon exit status $?"
}

ran=

# ---------------------------------------------------------------------------
part_spill() {
	_limit=$((8 << 20))
	swap_up "size=512M,mem_limit=8M,backing=$T/bk"
	ok "swap on $LOOP over $F: mem_limit 8M, backing $T/bk," \
		"policy $(xattr policy)"
	CG=/sys/fs/cgroup/memory/fzram-policy.$$
	mkdir "$CG" || setup_error "mkdir $CG"
	echo $((48 << 20)) >"$CG/memory.limit_in_bytes" ||
		setup_error "memory.limit_in_bytes of $CG"
	sampler "$T/samples"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 128 3' sh "$CG" \
		"$CHURN" >"$T/churn.out" 2>&1 &
	CHURNPID=$!
	_st=0
	wait "$CHURNPID" || _st=$?
	CHURNPID=
	stop_sampler
	cat "$T/churn.out" >&2
	log "mm_stat $(xattr mm_stat); io_stat $(xattr io_stat);" \
		"bd_stat $(xattr bd_stat); policy_stat $(xattr policy_stat)"
	assert_eq "$_st" 0 "churn's exit status (every page checked)"
	grep -q '^ok ' "$T/churn.out" || fail "churn did not say ok"
	assert_eq "$(io failed_writes)" 0 "failed_writes"
	_peak=$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' \
		"$T/samples")
	_n=$(wc -l <"$T/samples")
	assert_gt "$_n" 10 "samples of the pool"
	# the limit is checked before each allocation, which may take a zspage
	assert_le "$_peak" $((_limit + 4 * PAGE)) "peak of mem_used_total"
	assert_gt "$(pst spilled)" 0 "slots spilled (policy_stat)"
	assert_gt "$(bd bd_writes)" 0 "bd_writes"
	ok "spill: churn right, no failed write, pool peak $_peak of" \
		"$_limit ($_n samples), $(pst spilled) slots spilled," \
		"$(pst spill_waits) writes waited (at most $(pst spill_max_us) us)"
	rmdir "$CG" || fail "rmdir $CG"
	CG=
	swap_down
}

# ---------------------------------------------------------------------------
part_full() {
	rm -f "$T/bk"
	swap_up "size=256M,mem_limit=4M,backing=$T/bk,backing_size=8M"
	sampler "$T/samples"
	FZRAM_CORPUS=${FZRAM_CORPUS-} fill_start 40 fzram-policy
	sleep 1 # the last asynchronous writes
	stop_sampler
	log "mm_stat $(xattr mm_stat); io_stat $(xattr io_stat);" \
		"bd_stat $(xattr bd_stat); policy_stat $(xattr policy_stat)"
	_fw=$(io failed_writes)
	_used=$(bd bd_used_bytes)
	assert_gt "$_fw" 0 "failed_writes once the backing store is full"
	# full: what is left is less than a segment and the head's block
	assert_ge "$_used" $(((8 << 20) - (512 << 10))) "bd_used_bytes"
	# no write failed while the backing store had room
	_early=$(awk -v full=$(((8 << 20) - (512 << 10))) \
		'$2 > 0 && $3 < full { n++ } END { print n + 0 }' "$T/samples")
	assert_eq "$_early" 0 "samples with failed writes before it was full"
	fill_finish
	assert_eq "$(io failed_reads)" 0 "failed_reads"
	ok "full: $_fw writes failed once $_used bytes of 8M were used," \
		"every page came back"
	if [ -n "$CG" ]; then
		rmdir "$CG" || fail "rmdir $CG"
		CG=
	fi
	swap_down
}

swap_alone
if [ -w /sys/fs/cgroup/memory ]; then
	part_spill
	ran=1
else
	log "no v1 memory cgroup: the spill part is skipped"
fi
part_full
ran=1

[ -n "$ran" ] || skip "nothing could run"
