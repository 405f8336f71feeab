#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# io.sh - reading and writing the fzram file: random, zero and text data at
# aligned and unaligned offsets; never-written blocks read zeros; the end of
# the file (0 bytes, ENOSPC); fallocate punch-hole and zero-range free
# blocks and zero the edges, other modes are refused; truncate both ways;
# du shows the compressed footprint; same-filled pages cost no memory.
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

need_fuse
need_attr
_pkg=util-linux need_cmd fallocate
setup

SIZE=67108864
MIB=1048576
start_daemon size=64M

head -c "$MIB" /dev/urandom >"$T/rand"
text "$MIB" >"$T/text"
zeros "$MIB" >"$T/zero"
if [ -n "${FZRAM_CORPUS-}" ] && [ -r "$FZRAM_CORPUS" ]; then
	head -c $((2 * MIB)) "$FZRAM_CORPUS" >"$T/corpus"
	log "using corpus $FZRAM_CORPUS"
else
	cat "$T/text" "$T/rand" >"$T/corpus"
	log "no FZRAM_CORPUS: text and random data instead"
fi

# A fresh file reads zeros everywhere, and stores nothing.
assert_eq "$(read_at 0 "$SIZE" | wc -c)" "$SIZE" "bytes read from a fresh file"
assert_eq "$(read_at 0 "$SIZE" | tr -d '\0' | wc -c)" 0 \
	"non-zero bytes read from a fresh file"
assert_eq "$(mm orig_data_size)" 0 "orig_data_size of a fresh file"
ok "fresh file reads $SIZE zero bytes, stores nothing"

# Aligned writes of each kind, read back.
off=0
for kind in rand text zero corpus; do
	write_at "$T/$kind" "$off"
	len=$(size_of "$T/$kind")
	read_at "$off" "$len" >"$T/back"
	assert_same "$T/back" "$T/$kind" "$kind at aligned offset $off"
	ok "$kind: $len bytes at $off read back"
	off=$((off + 4 * MIB))
done

# Unaligned writes inside never-written space: the data, with zeros on
# both sides in the same blocks.
for kind in rand text corpus; do
	off=$((20 * MIB + 123))
	[ "$kind" = text ] && off=$((26 * MIB + 4095))
	[ "$kind" = corpus ] && off=$((32 * MIB + 1))
	len=$((MIB - 777))
	head -c "$len" "$T/$kind" >"$T/part"
	write_at "$T/part" "$off"
	start=$((off / 4096 * 4096))
	end=$(((off + len + 4095) / 4096 * 4096 + 4096))
	{
		zeros $((off - start))
		cat "$T/part"
		zeros $((end - off - len))
	} >"$T/want"
	read_at "$start" $((end - start)) >"$T/back"
	assert_same "$T/back" "$T/want" "$kind at unaligned offset $off"
	ok "$kind: $len bytes at unaligned $off, zeros around it"
done

# Unaligned partial overwrites of existing data (read-modify-write inside
# blocks, across block boundaries): rand at 0..1M, patched with text, zeros
# and a few single bytes.
cp "$T/rand" "$T/want"
for spec in 4000:text:100 8191:zero:2 12288:text:4096 20000:zero:10000 \
	65535:text:1 131071:rand:70000 1048575:text:1; do
	o=${spec%%:*}
	rest=${spec#*:}
	k=${rest%%:*}
	n=${rest#*:}
	head -c "$n" "$T/$k" >"$T/part"
	write_at "$T/part" "$o"
	patch "$T/want" "$T/part" "$o"
done
read_at 0 "$MIB" >"$T/back"
assert_same "$T/back" "$T/want" "partial overwrites of random data"
cp "$T/want" "$T/head"
ok "unaligned partial overwrites read back"

# Direct writes from four processes at once (the open asks the kernel for
# parallel direct writes): neighbours share the block at each unaligned
# boundary, which each writes by read-modify-write; all of it reads back.
PW=$((8 * MIB)) L=500001
zeros $((4 * L)) >"$T/pwant"
for i in 0 1 2 3; do
	# a different piece of the data for each writer
	head -c $(((i + 1) * L)) "$T/corpus" | tail -c "$L" >"$T/pw$i"
	patch "$T/pwant" "$T/pw$i" $((i * L))
done
pids=
for i in 0 1 2 3; do
	dd if="$T/pw$i" of="$F" bs="$L" conv=notrunc oflag=seek_bytes,direct \
		seek=$((PW + i * L)) status=none &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "dd writer $p failed"
done
read_at "$PW" $((4 * L)) >"$T/back"
assert_same "$T/back" "$T/pwant" "four parallel direct writers"
ok "four processes writing at once, unaligned neighbours: all read back"

# Reads at and past the end return 0 bytes; across the end, what is there.
assert_eq "$(read_at "$SIZE" 4096 | wc -c)" 0 "bytes read at the end"
assert_eq "$(read_at $((SIZE + 4096)) 4096 | wc -c)" 0 "bytes read past the end"
assert_eq "$(read_at $((SIZE + 123456789)) 1 | wc -c)" 0 \
	"bytes read far past the end"
assert_eq "$(read_at $((SIZE - 100)) 4096 | wc -c)" 100 \
	"bytes read across the end"
ok "reads: 0 bytes at and past the end, 100 across it"

# Writes: across the end, what fits is written, then ENOSPC; at and past
# the end, ENOSPC at once.  The size does not change.
head -c 8192 /dev/urandom >"$T/r8k"
if write_at "$T/r8k" $((SIZE - 4096)) 2>"$T/dd.err"; then
	fail "a write across the end succeeded"
fi
grep -q "No space left on device" "$T/dd.err" ||
	fail "write across the end: not ENOSPC: $(cat "$T/dd.err")"
read_at $((SIZE - 4096)) 4096 >"$T/back"
head -c 4096 "$T/r8k" >"$T/want"
assert_same "$T/back" "$T/want" "the part of a write that fit"
for o in "$SIZE" $((SIZE + 1)) $((SIZE + 1048576)); do
	if write_at "$T/r8k" "$o" 2>"$T/dd.err"; then
		fail "a write at $o (size $SIZE) succeeded"
	fi
	grep -q "No space left on device" "$T/dd.err" ||
		fail "write at $o: not ENOSPC: $(cat "$T/dd.err")"
done
# An unaligned write across the end.
if write_at "$T/r8k" $((SIZE - 1000)) 2>"$T/dd.err"; then
	fail "an unaligned write across the end succeeded"
fi
grep -q "No space left on device" "$T/dd.err" ||
	fail "unaligned write across the end: not ENOSPC"
read_at $((SIZE - 1000)) 1000 >"$T/back"
head -c 1000 "$T/r8k" >"$T/want"
assert_same "$T/back" "$T/want" "the part of an unaligned write that fit"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after writes past the end"
ok "writes: what fits, then ENOSPC; size unchanged"

# Punch hole: whole blocks freed (orig_data_size shrinks by at least the
# blocks fully inside), partial edges zeroed, the rest intact.
base=$((40 * MIB))
write_at "$T/rand" "$base"
o1=$(mm orig_data_size)
poff=$((base + 1000))
plen=$((512 * 1024))
fallocate -p -o "$poff" -l "$plen" "$F" || fail "fallocate -p failed"
o2=$(mm orig_data_size)
full=$(((poff + plen) / 4096 - (poff + 4095) / 4096))
assert_ge $((o1 - o2)) $((full * 4096)) \
	"orig_data_size drop after punching $full whole blocks"
cp "$T/rand" "$T/want"
zeros "$plen" >"$T/part"
patch "$T/want" "$T/part" 1000
read_at "$base" "$MIB" >"$T/back"
assert_same "$T/back" "$T/want" "data after punching a hole"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after punching"
ok "punch hole: $full blocks freed ($o1 -> $o2), edges zeroed"

# Zero range: the same, on text.
base=$((44 * MIB))
write_at "$T/text" "$base"
o1=$(mm orig_data_size)
zoff=$((base + 4096 * 3 + 17))
zlen=$((300 * 1024 + 5))
fallocate -z -o "$zoff" -l "$zlen" "$F" || fail "fallocate -z failed"
o2=$(mm orig_data_size)
full=$(((zoff + zlen) / 4096 - (zoff + 4095) / 4096))
assert_ge $((o1 - o2)) $((full * 4096)) \
	"orig_data_size drop after zeroing $full whole blocks"
cp "$T/text" "$T/want"
zeros "$zlen" >"$T/part"
patch "$T/want" "$T/part" $((zoff - base))
read_at "$base" "$MIB" >"$T/back"
assert_same "$T/back" "$T/want" "data after zero-range"
ok "zero range: $full blocks freed ($o1 -> $o2), edges zeroed"

# Punching never-written space and the whole tail is harmless.
fallocate -p -o $((60 * MIB)) -l $((4 * MIB)) "$F" ||
	fail "punching the never-written tail failed"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after punching the tail"

# Other fallocate modes: EOPNOTSUPP, nothing changes; punching still works.
# Mode 0 (allocate) inside the size may also succeed as a no-op, since
# every block of the file already exists; past the end it must fail.
if fallocate -o 0 -l 8192 "$F" 2>"$T/fa.err"; then
	log "note: fallocate mode 0 inside the file succeeds (a no-op)"
else
	grep -q "Operation not supported" "$T/fa.err" ||
		fail "fallocate mode 0: not EOPNOTSUPP: $(cat "$T/fa.err")"
fi
if fallocate -o $((SIZE - 4096)) -l 8192 "$F" 2>"$T/fa.err"; then
	fail "fallocate mode 0 past the end succeeded"
fi
# (util-linux refuses KEEP_SIZE alone itself; collapse and insert range.)
for args in "-c -o 0 -l 4096" "-i -o 0 -l 4096"; do
	# shellcheck disable=SC2086 # the options are split on purpose
	if fallocate $args "$F" 2>"$T/fa.err"; then
		fail "fallocate $args succeeded"
	fi
	grep -q "Operation not supported" "$T/fa.err" ||
		fail "fallocate $args: not EOPNOTSUPP: $(cat "$T/fa.err")"
done
read_at 0 "$MIB" >"$T/back"
assert_same "$T/back" "$T/head" "data after refused fallocate modes"
head -c 8192 /dev/urandom >"$T/r8k"
write_at "$T/r8k" $((50 * MIB))
fallocate -p -o $((50 * MIB)) -l 8192 "$F" ||
	fail "punch hole after refused modes failed"
assert_eq "$(read_at $((50 * MIB)) 8192 | tr -d '\0' | wc -c)" 0 \
	"bytes left non-zero after punching"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after refused fallocate modes"
ok "other fallocate modes: EOPNOTSUPP; punch hole still works"

# truncate: shrinking frees the blocks past the end and they read zeros
# when the file grows again; growing past the first size works.
base=$((36 * MIB))
write_at "$T/rand" "$base"
o1=$(mm orig_data_size)
truncate -s $((32 * MIB)) "$F"
assert_eq "$(size_of "$F")" $((32 * MIB)) "st_size after truncate -s 32M"
assert_eq "$(xattr disksize)" $((32 * MIB)) "disksize after truncate -s 32M"
o2=$(mm orig_data_size)
assert_ge $((o1 - o2)) "$MIB" "orig_data_size drop after shrinking"
assert_eq "$(read_at $((32 * MIB)) 4096 | wc -c)" 0 "bytes read past new end"
truncate -s "$SIZE" "$F"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after growing back"
read_at "$base" "$MIB" | cmp - "$T/zero" >&2 ||
	fail "blocks past a shrink do not read zeros after growing back"
read_at 4194304 "$MIB" | cmp - "$T/text" >&2 ||
	fail "data below the shrink point lost"
truncate -s $((128 * MIB)) "$F"
assert_eq "$(size_of "$F")" $((128 * MIB)) "st_size after truncate -s 128M"
write_at "$T/text" $((100 * MIB))
read_at $((100 * MIB)) "$MIB" | cmp - "$T/text" >&2 ||
	fail "data written past the first size"
truncate -s "$SIZE" "$F"
assert_eq "$(size_of "$F")" "$SIZE" "st_size after truncate back to 64M"
ok "truncate: shrink frees ($o1 -> $o2), grow reads zeros, grow past works"

# Same-filled pages cost nothing: 16 MiB of zeros and of one repeated byte,
# each into never-written space (32M..64M is empty since the shrink), add
# 4096 same pages each and at most 64 KiB of memory.
for b in 0 377; do
	o=$((32 * MIB))
	[ "$b" = 0 ] || o=$((48 * MIB))
	s1=$(mm same_pages)
	m1=$(mm mem_used_total)
	zeros $((16 * MIB)) | tr '\0' "\\$b" >"$T/fill"
	write_at "$T/fill" "$o"
	s2=$(mm same_pages)
	m2=$(mm mem_used_total)
	assert_ge $((s2 - s1)) 4096 "same_pages growth for 16 MiB of \\$b"
	assert_le $((m2 - m1)) 65536 "mem_used_total growth for 16 MiB of \\$b"
	read_at "$o" $((16 * MIB)) | cmp - "$T/fill" >&2 ||
		fail "16 MiB of \\$b read back"
	ok "16 MiB of byte \\$b: same_pages $s1 -> $s2, mem $m1 -> $m2"
done

# du shows the compressed footprint: fill the whole file with text; du
# stays well under ls's size, and matches mem_used_total.
i=0
while [ "$i" -lt 64 ]; do
	cat "$T/text"
	i=$((i + 1))
done | dd of="$F" bs=64K conv=notrunc status=none
du_b=$(($(blocks_of "$F") * 512))
used=$(mm mem_used_total)
log "after 64 MiB of text: du $du_b bytes, ls $SIZE, mem_used_total $used"
assert_gt "$du_b" 0 "du of a full file"
assert_lt "$du_b" $((SIZE / 2)) "du of 64 MiB of text"
assert_ge "$du_b" $((used / 2)) "du against mem_used_total"
assert_le "$du_b" $((used * 2 + 65536)) "du against mem_used_total"
ok "du $du_b < ls $SIZE for compressible data"

stop_daemon || fail "daemon exit status $?"
