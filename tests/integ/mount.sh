#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mount.sh - mounting and unmounting fzram: the one file, its mode, owner
# and size; --help and --version; unmounting by fusermount3 -u and by
# SIGTERM, in the foreground and daemonized; SIGTERM refused while a loop
# device holds the file (root only).
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
setup

# --help and --version: exit 0, say something, mount nothing.
"$FZRAM" --help >"$T/help" 2>&1 || fail "fzram --help exited $?"
grep -q 'size' "$T/help" || fail "--help does not mention size="
grep -q 'algorithm' "$T/help" || fail "--help does not mention algorithm="
ok "--help exits 0 and lists the options"
"$FZRAM" --version >"$T/version" 2>&1 || fail "fzram --version exited $?"
grep -qi 'fzram' "$T/version" || fail "--version does not name fzram"
grep -q '[0-9]\.[0-9]' "$T/version" || fail "--version has no version"
ok "--version: $(head -n 1 "$T/version")"

# Mount in the foreground.
start_daemon size=64M
log "mounted $(fstype_of "$MNT") at $MNT"

# Two entries: a regular file named swapfile, mode 0600, ours, and the
# read-only block_state (writeback.sh reads it).
entries=$(ls -A "$MNT" | tr '\n' ' ')
assert_eq "$entries" "block_state swapfile " "entries of the mount"
assert_eq "$(stat -c %F "$F")" "regular file" "file type"
assert_eq "$(stat -c %a "$F")" 600 "file mode"
assert_eq "$(stat -c %u "$F")" "$(id -u)" "file owner"
assert_eq "$(stat -c %g "$F")" "$(id -g)" "file group"
assert_eq "$(size_of "$F")" 67108864 "st_size for size=64M"
ok "one regular file, mode 0600, owner $(id -u), 64 MiB"

# It stays the only file: nothing can be created, removed or renamed.
if touch "$MNT/other" 2>/dev/null; then
	fail "a second file could be created"
fi
if mkdir "$MNT/dir" 2>/dev/null; then
	fail "a directory could be created"
fi
if rm -f "$F" 2>/dev/null && ! [ -e "$F" ]; then
	fail "the file could be removed"
fi
if mv "$F" "$MNT/renamed" 2>/dev/null; then
	fail "the file could be renamed"
fi
assert_eq "$(ls -A "$MNT" | tr '\n' ' ')" "block_state swapfile " \
	"entries after create/remove attempts"
ok "create, mkdir, rm and rename refused"

# Unmount with fusermount3 -u: the daemon exits by itself, status 0.
st=0
stop_daemon || st=$?
assert_eq "$st" 0 "daemon exit status after fusermount3 -u"
is_mounted "$MNT" && fail "still mounted after fusermount3 -u"
ok "fusermount3 -u: unmounted, daemon exited 0"

# SIGTERM in the foreground: unmounts and exits 0.
start_daemon size=16M
kill -TERM "$DPID"
wait_gone "$DPID" || fail "daemon still running after SIGTERM"
st=0
wait "$DPID" || st=$?
assert_eq "$st" 0 "daemon exit status after SIGTERM"
is_mounted "$MNT" && fail "still mounted after SIGTERM"
ok "SIGTERM: unmounted, daemon exited 0"

# Without -f it daemonizes once mounted: the command returns 0 with the
# mount in place; the daemon is found by its (unique) mount point.
new_mountpoint
dmnt=$NEWMNT
timeout 60 "$FZRAM" -o size=8M "$dmnt" >"$T/bg.log" 2>&1 ||
	fail "fzram without -f exited $? (log: $(cat "$T/bg.log"))"
is_mounted "$dmnt" || fail "fzram without -f returned but nothing is mounted"
[ -f "$dmnt/swapfile" ] || fail "daemonized mount has no swapfile"
assert_eq "$(size_of "$dmnt/swapfile")" 8388608 "daemonized st_size"
bgpid=$(pids_serving "$dmnt")
[ -n "$bgpid" ] || fail "no daemon process serving $dmnt"
assert_eq "$(echo "$bgpid" | wc -l)" 1 "daemons serving $dmnt"
ok "daemonized: mounted, daemon pid $bgpid"
kill -TERM "$bgpid"
wait_unmounted "$dmnt" || fail "daemonized: still mounted after SIGTERM"
wait_gone "$bgpid" || fail "daemonized: still running after SIGTERM"
ok "daemonized: SIGTERM unmounted and exited"

# mount -t fuse.fzram fzram DIR -o OPTS runs mount.fuse3 with the same
# arguments and a fixed PATH; mount.fuse3 runs "fzram" from PATH.  Call
# mount.fuse3 as mount(8) does, with our binary first on PATH.  The type in
# mountinfo is fuse.fzram.
if [ "$(id -u)" -eq 0 ] && command -v mount.fuse3 >/dev/null 2>&1; then
	mkdir -p "$T/bin"
	ln -sf "$FZRAM" "$T/bin/fzram"
	new_mountpoint
	mmnt=$NEWMNT
	PATH="$T/bin:$PATH" timeout 60 mount.fuse3 fzram "$mmnt" -t fzram \
		-o rw,size=32M,algorithm=zstd >"$T/mount.log" 2>&1 ||
		fail "mount -t fuse.fzram: $(cat "$T/mount.log")"
	assert_eq "$(fstype_of "$mmnt")" fuse.fzram "type of the mount"
	assert_eq "$(size_of "$mmnt/swapfile")" 33554432 "size through mount(8)"
	case $(xattr comp_algorithm "$mmnt/swapfile") in
	*"[zstd]"*) ;;
	*) fail "mount(8) options did not reach fzram" ;;
	esac
	mpid=$(pids_serving "$mmnt")
	umount "$mmnt" || fail "umount $mmnt"
	[ -z "$mpid" ] || wait_gone "$mpid" || fail "daemon still running"
	if PATH="$T/bin:$PATH" timeout 60 mount.fuse3 fzram "$mmnt" -t fzram \
		-o size=banana >"$T/mount.log" 2>&1; then
		fail "mount -t fuse.fzram -o size=banana succeeded"
	fi
	is_mounted "$mmnt" && fail "size=banana left a mount"
	grep -q "size" "$T/mount.log" || fail "no message naming size"
	ok "mount -t fuse.fzram: mounted with options, bad option refused"
fi

# SIGTERM while a loop device holds the file: the daemon stays and says why.
if [ "$(id -u)" -ne 0 ] || ! command -v losetup >/dev/null 2>&1 ||
	! { [ -e /dev/loop-control ] || [ -b /dev/loop0 ]; }; then
	log "skipping the loop-device part: needs root and a loop device"
	exit 0
fi
start_daemon size=16M
loop_attach "$F"
lines=$(wc -l <"$DLOG")
kill -TERM "$DPID"
# Bounded wait for the daemon's answer: a new line in its log.
n=300
while [ "$(wc -l <"$DLOG")" -le "$lines" ] && alive "$DPID"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || break
	sleep 0.1
done
alive "$DPID" || fail "daemon exited on SIGTERM with $LOOP attached"
is_mounted "$MNT" || fail "unmounted on SIGTERM with $LOOP attached"
[ "$(wc -l <"$DLOG")" -gt "$lines" ] ||
	fail "daemon did not say why it kept running"
ok "SIGTERM with $LOOP attached refused: $(tail -n 1 "$DLOG")"
# The file still works through the loop device.
head -c 65536 /dev/urandom >"$T/r"
dd if="$T/r" of="$LOOP" bs=64K oflag=direct status=none
read_at 0 65536 >"$T/back"
assert_same "$T/back" "$T/r" "data written through $LOOP"
loop_detach "$LOOP"
# Detaching is deferred while something (udev's probe) still has the loop
# device open: wait (bounded) until it no longer holds our file.
n=300
while ours_loop "$LOOP"; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || fail "$LOOP still attached after losetup -d"
	sleep 0.1
done
kill -TERM "$DPID"
wait_gone "$DPID" || fail "daemon still running after SIGTERM (loop gone)"
st=0
wait "$DPID" || st=$?
assert_eq "$st" 0 "exit status after SIGTERM with the loop device gone"
is_mounted "$MNT" && fail "still mounted after SIGTERM (loop gone)"
ok "after losetup -d, SIGTERM unmounts and exits 0"
