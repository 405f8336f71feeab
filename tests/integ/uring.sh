#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# uring.sh - FUSE over io_uring (-o uring), judged by debug_stat's counts
# of the requests each transport served (its third column: read from
# /dev/fuse; its fourth: taken from the io_uring rings).  With the fuse
# module's enable_uring on, a daemon with -o uring starts one ring thread
# per CPU (fzram-ringN) and its rings serve at least one request per
# megabyte of a direct write and read; without -o uring, or with
# enable_uring off (which it logs), the rings serve none and /dev/fuse
# serves them all; a ring that cannot be set up (io_uring disabled) is
# logged and /dev/fuse serves.  Then io.sh, overwrite.sh and swap.sh pass
# again with every daemon they start taking -o uring.  The parameters are
# put back from the trap.  Skips (77) on a kernel without enable_uring
# (before 6.14) or a build without liburing.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
P=/sys/module/fuse/parameters/enable_uring
D=/proc/sys/kernel/io_uring_disabled
[ -w "$P" ] || skip "no writable $P (Linux 6.14 or later, as root)"
"$FZRAM" --help 2>/dev/null | grep -q "o uring" ||
	skip "fzram built without liburing: no -o uring"
setup

# The parameters are the machine's: one uring.sh at a time (fd 6, for as
# long as it runs), whichever build it is of.
_ul=${SUITE_LOCK%.lock}-uring.lock
if lock_file_ok "$_ul"; then
	exec 6<"$_ul"
	flock -x -w 900 6 || setup_error "the uring lock $_ul stayed held"
fi

URING_WAS=$(cat "$P")
DISABLED_WAS=
restore_uring() {
	echo "$URING_WAS" >"$P" || log "CLEANUP: could not restore $P to $URING_WAS"
	if [ -n "$DISABLED_WAS" ]; then
		echo "$DISABLED_WAS" >"$D" ||
			log "CLEANUP: could not restore $D to $DISABLED_WAS"
	fi
}
CLEANUP_HOOK=restore_uring
echo Y >"$P" || setup_error "cannot write $P"

# served dev|ring: requests served so far through /dev/fuse or the rings.
served() {
	_l=$(xattr debug_stat | tail -n 1)
	case $1 in
	dev) echo "$_l" | awk '{ print $3 }' ;;
	ring) echo "$_l" | awk '{ print $4 }' ;;
	esac
}

# ring_threads PID: how many fzram-ring threads PID has.
ring_threads() {
	_n=0
	for _t in /proc/"$1"/task/*; do
		case $(cat "$_t/comm" 2>/dev/null) in
		fzram-ring*) _n=$((_n + 1)) ;;
		esac
	done
	echo "$_n"
}

# io WHAT: 16 MiB written and read back in direct 1 MiB requests (each at
# least one FUSE request: 32 or more in all).
head -c 16777216 /dev/urandom >"$T/in"
io() {
	dd if="$T/in" of="$F" bs=1M oflag=direct conv=notrunc status=none ||
		fail "$1: write"
	dd if="$F" of="$T/back" bs=1M count=16 iflag=direct status=none ||
		fail "$1: read"
	assert_same "$T/back" "$T/in" "$1: 16 MiB written and read back"
}

# only_dev WHAT: after io, the rings have served nothing, /dev/fuse all.
only_dev() {
	_d0=$(served dev)
	io "$1"
	_d1=$(served dev)
	assert_eq "$(served ring)" 0 "$1: requests served through the rings"
	assert_ge $((_d1 - _d0)) 32 "$1: requests served through /dev/fuse"
	ok "$1: /dev/fuse served $((_d1 - _d0)) requests, the rings none"
}

# --- -o uring: the rings serve.
start_daemon size=64M,uring
cpus=$(getconf _NPROCESSORS_CONF)
# The rings register their entries once FUSE_INIT is answered, and the
# kernel holds requests until every CPU's queue has: wait (bounded) for the
# first request the rings serve.
n=0
while [ "$(served ring)" -eq 0 ]; do
	n=$((n + 1))
	[ "$n" -le 100 ] || fail "-o uring: the rings served no request" \
		"($(ring_threads "$DPID") fzram-ring threads)"
	dd if="$F" of=/dev/null bs=4k count=1 iflag=direct status=none
	sleep 0.1
done
assert_eq "$(ring_threads "$DPID")" "$cpus" "fzram-ring threads (one per CPU)"
r0=$(served ring)
d0=$(served dev)
io "-o uring"
r1=$(served ring)
d1=$(served dev)
assert_ge $((r1 - r0)) 32 "-o uring: requests served through the rings"
assert_lt $((d1 - d0)) $((r1 - r0)) \
	"-o uring: requests through /dev/fuse, against the rings'"
ok "-o uring: $cpus rings served $((r1 - r0)) requests, /dev/fuse $((d1 - d0))"
stop_daemon || fail "daemon exit status $? with -o uring"
ok "-o uring: unmounted, daemon exited 0"

# --- Without -o uring the rings serve nothing, though the kernel offers it.
start_daemon size=64M
assert_eq "$(ring_threads "$DPID")" 0 "fzram-ring threads without -o uring"
only_dev "without -o uring"
stop_daemon || fail "daemon exit status $? without -o uring"

# --- -o uring on a kernel that does not offer it: said, and /dev/fuse serves.
echo N >"$P" || setup_error "cannot write $P"
start_daemon size=64M,uring
echo Y >"$P" || setup_error "cannot write $P"
grep -q "does not offer FUSE over io_uring.*served through /dev/fuse" \
	"$DLOG" || fail "enable_uring=N: not logged: $(cat "$DLOG")"
only_dev "-o uring, enable_uring=N"
stop_daemon || fail "daemon exit status $? with enable_uring=N"
ok "-o uring, enable_uring=N: '$(grep "does not offer" "$DLOG")'"

# --- Rings that cannot be set up (io_uring disabled for everyone, root
# included): said, and /dev/fuse serves.
if [ -w "$D" ]; then
	DISABLED_WAS=$(cat "$D")
	echo 2 >"$D" || setup_error "cannot write $D"
	start_daemon size=64M,uring
	n=0
	until grep -q "not serving.*served through /dev/fuse" "$DLOG"; do
		n=$((n + 1))
		[ "$n" -le 100 ] || fail "io_uring disabled: not logged: $(cat "$DLOG")"
		sleep 0.1
	done
	echo "$DISABLED_WAS" >"$D" || setup_error "cannot restore $D"
	DISABLED_WAS=
	assert_eq "$(grep -c "not serving" "$DLOG")" 1 \
		"io_uring disabled: lines logged"
	only_dev "-o uring, io_uring disabled"
	stop_daemon || fail "daemon exit status $? with io_uring disabled"
	ok "-o uring, io_uring disabled: '$(grep "not serving" "$DLOG")'"
else
	log "no writable $D: a ring that cannot be set up is not tested"
fi

for t in io overwrite swap; do
	st=0
	FZRAM_TEST_OPTS=uring sh "$LIB_DIR/$t.sh" >"$T/$t.out" 2>&1 || st=$?
	if [ "$st" -eq 77 ]; then
		log "$t.sh skipped with -o uring"
		continue
	fi
	[ "$st" -eq 0 ] || {
		tail -n 30 "$T/$t.out" >&2
		fail "$t.sh with -o uring exited $st"
	}
	ok "$t.sh passes with -o uring ($(grep -c ': ok:' "$T/$t.out") checks)"
done
