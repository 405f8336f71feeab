#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# options.sh - the -o options: bad values are refused with one line naming
# the option, exit 1 and no mount; size= takes K/M/G/T suffixes and
# defaults to min(RAM/2, 4 GiB); file= names the file; algorithm= shows in
# comp_algorithm; mem_limit= shows in its attribute and caps the pool;
# poll_us= takes 0..100000; cpu_latency= (0..100000 or off) and
# cpu_latency_hold= (1..10000) hold the CPU latency while reads come, as
# user.fzram.cpu_latency_stat shows; threads= (1..256) sets the number of request
# threads, and so does max_idle_threads= when threads= is not given; the
# policy's options are refused when bad, naming themselves, and show in
# user.fzram.policy, whose defaults follow the backing store and
# secondary algorithm given.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
setup

# bad_option OPTS NAME: fzram -o OPTS exits 1, prints exactly one line
# naming NAME, and leaves nothing mounted.  Run without -f, so that a
# daemon that wrongly accepted the option would return (daemonized) rather
# than block; cleanup unmounts it then.
bad_option() {
	new_mountpoint
	_m=$NEWMNT
	_st=0
	timeout 60 "$FZRAM" -o "$1" "$_m" >"$T/bad.out" 2>"$T/bad.err" ||
		_st=$?
	if is_mounted "$_m"; then
		unmount "$_m"
		fail "-o $1: mounted"
	fi
	assert_eq "$_st" 1 "exit status for -o $1"
	assert_eq "$(wc -l <"$T/bad.err")" 1 "lines on stderr for -o $1"
	grep -q "$2" "$T/bad.err" ||
		fail "-o $1: message does not name $2: $(cat "$T/bad.err")"
	ok "-o $1: exit 1, '$(cat "$T/bad.err")'"
}

bad_option size=banana size
bad_option size=-5 size
bad_option size=12Q size
bad_option size= size
bad_option algorithm=nosuch algorithm
bad_option level=x level
bad_option size=64M,level=x level
bad_option mem_limit=lots mem_limit
bad_option poll_us=x poll_us
bad_option poll_us=-1 poll_us
bad_option poll_us=100001 poll_us
bad_option cpu_latency=x cpu_latency
bad_option cpu_latency=-1 cpu_latency
bad_option cpu_latency=100001 cpu_latency
bad_option cpu_latency= cpu_latency
bad_option cpu_latency=on cpu_latency
bad_option "cpu_latency= 5" cpu_latency
bad_option cpu_latency=+5 cpu_latency
bad_option "poll_us= 5" poll_us
bad_option cpu_latency_hold=0 cpu_latency_hold
bad_option cpu_latency_hold=10001 cpu_latency_hold
bad_option cpu_latency_hold=5ms cpu_latency_hold
bad_option threads=0 threads
bad_option threads=257 threads
bad_option threads=x threads
bad_option threads=-1 threads
bad_option threads= threads
bad_option file=block_state file
bad_option backing= backing
bad_option backing_size=1M backing_size
bad_option backing_encrypt=off backing_encrypt
bad_option "backing=$T/bk,backing_size=lots" backing_size
bad_option "backing=$T/bk,backing_size=0" backing_size
bad_option "backing=$T/bk,backing_encrypt=maybe" backing_encrypt
bad_option "backing=$T/no/such/dir/bk" "backing=$T/no/such/dir/bk: "
# the policy's options (policy_parse()): each names itself
bad_option policy=maybe policy
bad_option policy= policy
bad_option age=x "age: 'x'"
bad_option age= "age: empty"
bad_option age=99999999999 age
bad_option recomp_after=5w recomp_after
bad_option wb_after=-1 wb_after
bad_option wb_daily=lots wb_daily
bad_option cpu=0 "cpu: '0'"
bad_option cpu=101 cpu
bad_option spill=maybe spill
bad_option high=101 high
bad_option low=100 low
bad_option high=50 "low: 85 is not below high (50)"
bad_option high=60,low=70 "low: 70 is not below high (60)"
bad_option compact=101 compact
bad_option read_factor=0 read_factor
bad_option psi=200 psi
bad_option trim=1001 trim

# The policy: on by default with the stages that apply (no backing store,
# no secondary: aging and compaction); policy=off leaves zram's one-shot
# controls; the options show in user.fzram.policy; high and low go
# together whatever their order.
start_daemon size=16M
pol=$(xattr policy)
case "$pol" in
"age=5s recomp_after=off wb_after=off wb_daily=0 cpu=10 spill=off high=95 low=85 compact=15 read_factor=100 psi=10 trim=10") ;;
*) fail "default policy without backing: '$pol'" ;;
esac
stop_daemon || fail "daemon exit status $? (default policy)"
ok "default policy: $pol"
start_daemon "size=16M,policy=off,cpu=5"
pol=$(xattr policy)
case "$pol" in
"age=off "*" cpu=5 "*) ;;
*) fail "policy=off: '$pol'" ;;
esac
stop_daemon || fail "daemon exit status $? (policy=off)"
ok "policy=off: $pol"
start_daemon "size=16M,low=40,high=60,age=1m,wb_after=2h,cpu=25,compact=0,read_factor=4,psi=0,wb_daily=1G,trim=off"
pol=$(xattr policy)
case "$pol" in
"age=1m recomp_after=off wb_after=2h wb_daily=1G cpu=25 spill=off high=60 low=40 compact=0 read_factor=4 psi=0 trim=0") ;;
*) fail "policy options: '$pol'" ;;
esac
stop_daemon || fail "daemon exit status $? (policy options)"
ok "policy options: $pol"
start_daemon "size=16M,backing=$T/bk,recomp=zstd"
pol=$(xattr policy)
case "$pol" in
"age=5s recomp_after=10m wb_after=20m wb_daily="*" spill=on "*) ;;
*) fail "default policy with backing and recomp: '$pol'" ;;
esac
stop_daemon || fail "daemon exit status $? (policy with backing)"
rm -f "$T/bk"
ok "default policy with backing and recomp: $pol"

# cpu_latency= (the CPU latency hold, cpulat.h): where the daemon can
# open /dev/cpu_dma_latency (root, and a device cgroup that allows it),
# held while reads come and let go after the last; where it cannot, or
# with cpu_latency=off, no hold ("-1 ...").  cpu_latency_stat: limit_us
# hold_ms holds held_ms active errors.
# lat_col N: column N of cpu_latency_stat.
lat_col() {
	xattr cpu_latency_stat | awk -v n="$1" '{ print $n }'
}
# lat_col_becomes N VALUE: wait (bounded) until column N reads VALUE.
lat_col_becomes() {
	_n=0
	while [ "$(lat_col "$1")" != "$2" ]; do
		_n=$((_n + 1))
		[ "$_n" -le 100 ] || return 1
		sleep 0.1
	done
}
start_daemon size=16M,cpu_latency_hold=50
if [ "$(lat_col 1)" = -1 ]; then
	assert_eq "$(xattr cpu_latency_stat)" \
		"      -1        0        0        0        0        0" \
		"cpu_latency_stat where the device cannot be opened"
	stop_daemon || fail "daemon exit status $? (cpu_latency)"
	ok "/dev/cpu_dma_latency cannot be opened here: no hold"
else
	assert_eq "$(xattr cpu_latency_stat | awk '{ print $1, $2, $3, $5, $6 }')" \
		"0 50 0 0 0" "cpu_latency_stat before a read"
	text 65536 >"$T/lat"
	write_at "$T/lat" 0
	dd if="$F" of=/dev/null bs=4096 count=16 iflag=direct status=none
	lat_col_becomes 3 1 || fail "holds after a read: $(xattr cpu_latency_stat)"
	lat_col_becomes 5 0 || fail "the hold was not let go: $(xattr cpu_latency_stat)"
	set -- $(xattr cpu_latency_stat)
	assert_ge "$4" 50 "held_ms ($*)"
	dd if="$F" of=/dev/null bs=4096 count=16 iflag=direct status=none
	lat_col_becomes 3 2 || fail "holds after a second read: $(xattr cpu_latency_stat)"
	assert_eq "$(lat_col 6)" 0 "failed writes"
	stop_daemon || fail "daemon exit status $? (cpu_latency)"
	ok "cpu_latency: held at a read, let go after, held again ($*)"
	start_daemon size=16M,cpu_latency=25
	assert_eq "$(xattr cpu_latency_stat | awk '{ print $1, $2 }')" "25 20" \
		"cpu_latency=25"
	stop_daemon || fail "daemon exit status $? (cpu_latency=25)"
	ok "cpu_latency=25, default hold 20 ms"
fi
start_daemon size=16M,cpu_latency=off
dd if="$F" of=/dev/null bs=4096 count=16 iflag=direct status=none
assert_eq "$(xattr cpu_latency_stat)" \
	"      -1        0        0        0        0        0" "cpu_latency=off"
stop_daemon || fail "daemon exit status $? (cpu_latency=off)"
ok "cpu_latency=off: no hold"

# size= in bytes and with each suffix.
for spec in 8388608:8388608 65536K:67108864 64M:67108864 \
	1G:1073741824 2T:2199023255552; do
	start_daemon "size=${spec%%:*}"
	assert_eq "$(size_of "$F")" "${spec#*:}" "st_size for size=${spec%%:*}"
	assert_eq "$(xattr disksize)" "${spec#*:}" "disksize for size=${spec%%:*}"
	stop_daemon || fail "daemon exit status $? (size=${spec%%:*})"
	ok "size=${spec%%:*}: st_size ${spec#*:}"
done

# Default size: half of RAM, at most 4 GiB, rounded down to 4096.
pages=$(getconf _PHYS_PAGES 2>/dev/null || echo)
psize=$(getconf PAGESIZE 2>/dev/null || echo)
if [ -n "$pages" ] && [ -n "$psize" ]; then
	ram=$((pages * psize))
else
	ram=$(($(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) * 1024))
fi
want=$((ram / 2))
[ "$want" -le 4294967296 ] || want=4294967296
want=$((want / 4096 * 4096))
start_daemon nomlock
assert_eq "$(size_of "$F")" "$want" "default size (RAM $ram bytes)"
stop_daemon || fail "daemon exit status $? (default size)"
ok "default size $want (RAM $ram)"

# file=NAME names the one file.
start_daemon size=16M,file=myswap
assert_eq "$(ls -A "$MNT" | tr '\n' ' ')" "block_state myswap " \
	"entries with file=myswap"
assert_eq "$(size_of "$MNT/myswap")" 16777216 "size of myswap"
stop_daemon || fail "daemon exit status $? (file=myswap)"
ok "file=myswap"

# algorithm= shows in comp_algorithm, and data round-trips with each.
text 1048576 >"$T/text"
head -c 262144 /dev/urandom >"$T/rand"
for alg in lz4 lz4hc zstd; do
	start_daemon "size=16M,algorithm=$alg"
	ca=$(xattr comp_algorithm)
	case " $ca " in
	*" [$alg] "*) ;;
	*) fail "comp_algorithm with algorithm=$alg: '$ca'" ;;
	esac
	write_at "$T/text" 12345
	write_at "$T/rand" 4194304
	read_at 12345 1048576 >"$T/back"
	assert_same "$T/back" "$T/text" "text with $alg"
	read_at 4194304 262144 >"$T/back"
	assert_same "$T/back" "$T/rand" "random data with $alg"
	stop_daemon || fail "daemon exit status $? (algorithm=$alg)"
	ok "algorithm=$alg: '$ca', data round-trips"
done
start_daemon size=16M
ca=$(xattr comp_algorithm)
case " $ca " in
*" [lz4] "*) ;;
*) fail "default comp_algorithm: '$ca'" ;;
esac
stop_daemon || fail "daemon exit status $? (default algorithm)"
ok "default algorithm: '$ca'"

# level= with an algorithm that has levels.
start_daemon size=16M,algorithm=zstd,level=3
write_at "$T/text" 0
read_at 0 1048576 >"$T/back"
assert_same "$T/back" "$T/text" "text with zstd level 3"
stop_daemon || fail "daemon exit status $? (level=3)"
ok "algorithm=zstd,level=3"

# mem_limit= shows in the attribute and in mm_stat, and caps the pool:
# incompressible data past it fails to write and counts in failed_writes.
start_daemon size=16M,mem_limit=1M
assert_eq "$(xattr mem_limit)" 1048576 "mem_limit attribute"
assert_eq "$(mm mem_limit)" 1048576 "mm_stat mem_limit"
head -c 4194304 /dev/urandom >"$T/big"
if write_at "$T/big" 0 2>"$T/dd.err"; then
	fail "4 MiB of random data fit under mem_limit=1M"
fi
assert_gt "$(io failed_writes)" 0 "failed_writes after hitting mem_limit"
assert_le "$(mm mem_used_total)" $((1048576 + 65536)) \
	"mem_used_total under mem_limit=1M"
ok "mem_limit=1M refused writes: $(head -n 1 "$T/dd.err")"
stop_daemon || fail "daemon exit status $? (mem_limit)"

# nomlock is accepted.
start_daemon size=8M,nomlock
stop_daemon || fail "daemon exit status $? (nomlock)"
ok "nomlock"

# poll_us at both ends serves reads and writes and exits cleanly.
for p in 0 100000; do
	start_daemon size=8M,nomlock,poll_us=$p
	dd if=/dev/urandom of="$T/poll.in" bs=64k count=4 status=none
	dd if="$T/poll.in" of="$MNT/swapfile" bs=64k oflag=direct conv=notrunc status=none ||
		fail "poll_us=$p: write"
	cmp -n 262144 "$T/poll.in" "$MNT/swapfile" || fail "poll_us=$p: read back differs"
	stop_daemon || fail "daemon exit status $? (poll_us=$p)"
	ok "poll_us=$p"
done

# threads= and max_idle_threads=: the daemon (in the foreground: no
# logger thread; cpu_latency=off: no hold thread) is its main thread, the
# tier's worker (tier.h) and the request threads; the CPU latency hold
# (cpulat.h), where it can open its device, is one thread more.
# nr_tasks_becomes N: wait (bounded) until $DPID has N threads; Return 1
# if it never does.
nr_tasks_becomes() {
	_n=0
	while [ "$(ls /proc/"$DPID"/task | wc -l)" -ne "$1" ]; do
		_n=$((_n + 1))
		[ "$_n" -le 50 ] || return 1
		sleep 0.1
	done
}
# The default: two per CPU, at least 4 (poll_us=200 is the default too).
def=$((2 * $(getconf _NPROCESSORS_ONLN)))
[ "$def" -ge 4 ] || def=4
[ "$def" -le 256 ] || def=256
for spec in threads=3:3 max_idle_threads=5:5 threads=2,max_idle_threads=5:2 \
	threads=1:1 poll_us=200:$def; do
	start_daemon "size=8M,nomlock,cpu_latency=off,${spec%:*}"
	nr_tasks_becomes $((${spec##*:} + 2)) ||
		fail "-o ${spec%:*}: $(ls /proc/"$DPID"/task | wc -l) threads, expected ${spec##*:}, main and the tier's"
	write_at "$T/text" 0
	read_at 0 1048576 >"$T/back"
	assert_same "$T/back" "$T/text" "text with -o ${spec%:*}"
	stop_daemon || fail "daemon exit status $? (${spec%:*})"
	ok "-o ${spec%:*}: ${spec##*:} request threads"
done
start_daemon "size=8M,nomlock,threads=3"
if [ "$(lat_col 1)" = -1 ]; then
	stop_daemon || fail "daemon exit status $? (threads=3)"
else
	nr_tasks_becomes 6 ||
		fail "-o threads=3: $(ls /proc/"$DPID"/task | wc -l) threads, expected 3, main, the tier's and the hold's"
	stop_daemon || fail "daemon exit status $? (threads=3 with the hold)"
	ok "-o threads=3 with the CPU latency hold: 6 threads"
fi
