#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# uring.sh - FUSE over io_uring (-o uring): with the fuse module's
# enable_uring on, a daemon with -o uring serves its requests on its ring
# threads (one per CPU, named fzram-ringN), and io.sh, overwrite.sh and
# swap.sh pass again with every daemon they start taking -o uring.  The
# module parameter is put back from the trap.  Skips (77) on a kernel
# without it (before 6.14) or a build without liburing.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
P=/sys/module/fuse/parameters/enable_uring
[ -w "$P" ] || skip "no writable $P (Linux 6.14 or later, as root)"
"$FZRAM" --help 2>/dev/null | grep -q "o uring" ||
	skip "fzram built without liburing: no -o uring"
setup

URING_WAS=$(cat "$P")
restore_uring() {
	echo "$URING_WAS" >"$P" || log "CLEANUP: could not restore $P to $URING_WAS"
}
CLEANUP_HOOK=restore_uring
echo Y >"$P" || setup_error "cannot write $P"

# ring_ns PID: CPU time, in ns, of PID's fzram-ring threads, and how many.
ring_ns() {
	_n=0 _ns=0
	for _t in /proc/"$1"/task/*; do
		case $(cat "$_t/comm" 2>/dev/null) in
		fzram-ring*)
			_n=$((_n + 1))
			_ns=$((_ns + $(cut -d' ' -f1 "$_t/schedstat")))
			;;
		esac
	done
	echo "$_n $_ns"
}

start_daemon size=64M,uring
head -c 16777216 /dev/urandom >"$T/in"
# The rings start once FUSE_INIT is answered; the first write may come
# before every queue is registered, so write twice.
dd if="$T/in" of="$F" bs=1M oflag=direct conv=notrunc status=none ||
	fail "write through the rings"
set -- $(ring_ns "$DPID")
[ "$1" -ge 1 ] || fail "no fzram-ring thread in daemon $DPID (-o uring ignored?)"
before=$2
dd if="$T/in" of="$F" bs=1M oflag=direct conv=notrunc status=none ||
	fail "second write through the rings"
dd if="$F" of="$T/back" bs=1M count=16 iflag=direct status=none ||
	fail "read through the rings"
assert_same "$T/back" "$T/in" "16 MiB written and read back with -o uring"
set -- $(ring_ns "$DPID")
[ "$2" -gt "$before" ] || fail "the ring threads served nothing ($before -> $2 ns)"
ok "-o uring: $1 ring threads served the requests ($before -> $2 ns of CPU)"
stop_daemon || fail "daemon exit status $? with -o uring"
ok "-o uring: unmounted, daemon exited 0"

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
