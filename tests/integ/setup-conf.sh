#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# setup-conf.sh - "fzram-setup check" on configs of its own, as any user
# (nothing is mounted): the fzramctl command line of each accepted way to
# name the algorithms (algorithm, level and dict; zram-generator's
# compression-algorithm with levels and dictionaries in parentheses and up
# to three secondary algorithms; the tiers' policy as tier-policy and its
# keys), and the FILE:LINE error of each malformed one, those fzram-setup sees itself and those "fzramctl --dry-run" finds
# (levels out of range, a file that is not a zstd dictionary), with nothing
# printed on stdout and exit status 1.
#
# Environment: FZRAMCTL (default src/fzramctl beside the tests),
# FZRAM_SETUP (default contrib/fzram-setup).
set -eu
# shellcheck source=tests/integ/lib.sh
. "$(dirname "$0")/lib.sh"

LC_ALL=C
export LC_ALL
need_fzramctl
[ -r "$FZRAM_SETUP" ] || skip "no fzram-setup at $FZRAM_SETUP"
_pkg=bash need_cmd bash
setup

# check CONF: run fzram-setup check on $T/CONF; stdout in $T/out, stderr in
# $T/err, the exit status in $st.
check() {
	st=0
	FZRAM_SWAP_CONF=$T/$1 FZRAMCTL=$FZRAMCTL \
		bash "$FZRAM_SETUP" check >"$T/out" 2>"$T/err" || st=$?
}

# expect_lines CONF "LINE:what"...: each message of the last check of
# CONF (stderr) is there, at its line: "CONF:LINE: ...what...".
expect_lines() {
	_conf=$1
	shift
	for e in "$@"; do
		ln=${e%%:*} what=${e#*:}
		grep -F "$_conf:$ln: " "$T/err" | grep -qF -- "$what" ||
			fail "no '$_conf:$ln: ...$what' in: $(cat "$T/err")"
	done
}

# Dictionaries: lz4 and lz4hc take any bytes; zstd a zstd dictionary, made
# by the zstd tool when it is there.
head -c 8192 /dev/urandom >"$T/lz4.dict"
mkdir "$T/samples"
i=0
while [ $i -lt 64 ]; do
	awk -v s=$i 'BEGIN { srand(s); for (j = 0; j < 300; j++)
		printf "slot %d handle %x class %d idle\n", j, rand() * 1e6,
		    rand() * 255 }' >"$T/samples/$i"
	i=$((i + 1))
done
zdict=
if command -v zstd >/dev/null 2>&1 &&
	zstd -q --train "$T"/samples/* -o "$T/swap.zdict" --maxdict=8192 \
		2>/dev/null; then
	zdict=$T/swap.zdict
else
	log "no zstd tool: the zstd dictionary cases are not run"
fi

# ---------------------------------------------------------------------------
# Accepted forms: the command line of each section

cat >"$T/good.conf" <<EOF
[plain]
size = 64M

[page-cluster]
size = 64M
page-cluster = 4

[page-cluster-keep]
size = 64M
page-cluster = keep

[keys]
size = 64M
algorithm = lz4hc
level = 12
dict = $T/lz4.dict

[zram-generator]
size = 64M
compression-algorithm = lz4 zstd(level=19)

[three]
size = 64M
priority = 7
compression-algorithm = lz4hc(level=9,dict=$T/lz4.dict) zstd(level=19) lz4hc(dict=$T/lz4.dict) lz4

[level-key]
size = 64M
compression-algorithm = zstd lz4hc(level=12)
level = 1
EOF
check good.conf
[ "$st" -eq 0 ] || fail "check good.conf exited $st: $(cat "$T/err")"
P="$FZRAMCTL --swapon --size 64M"
cat >"$T/want" <<EOF
$P --algorithm lz4 --priority 100
$P --algorithm lz4 --priority 100 --page-cluster 4
$P --algorithm lz4 --priority 100 --page-cluster keep
$P --algorithm lz4hc --level 12 --algorithm-params dict=$T/lz4.dict --priority 100
$P --algorithm lz4 --priority 100 --recomp zstd:19
$P --algorithm lz4hc --level 9 --algorithm-params dict=$T/lz4.dict --priority 7 --recomp zstd:19 --recomp lz4hc:dict=$T/lz4.dict --recomp lz4
$P --algorithm zstd --level 1 --priority 100 --recomp lz4hc:12
EOF
diff -u "$T/want" "$T/out" >&2 || fail "check good.conf: the command lines differ"
ok "fzram-setup check: the command line of each accepted form"

# What fzramctl --dry-run makes of them: fzram's options.
tail -n 2 "$T/out" | head -n 1 | sed 's/$/ --dry-run/' >"$T/cmd"
cmd=$(cat "$T/cmd")
# shellcheck disable=SC2086 # the line fzram-setup printed, as words
out=$(FZRAM=fzram $cmd)
assert_eq "$out" "fzram -o size=64M,algorithm=lz4hc,level=9,dict=$T/lz4.dict,recomp=zstd:19,recomp2=lz4hc:dict=$T/lz4.dict,recomp3=lz4 /run/fzram/N" \
	"fzramctl --dry-run of [three]"
ok "fzramctl --dry-run: [three] is recomp=, recomp2=, recomp3= and dict="

if [ -n "$zdict" ]; then
	cat >"$T/zstd.conf" <<EOF
[z]
size = 64M
compression-algorithm = zstd(level=3,dict=$zdict) zstd(dict=$zdict,level=19)
EOF
	check zstd.conf
	[ "$st" -eq 0 ] || fail "check zstd.conf exited $st: $(cat "$T/err")"
	assert_eq "$(cat "$T/out")" \
		"$P --algorithm zstd --level 3 --algorithm-params dict=$zdict --priority 100 --recomp zstd:19:dict=$zdict" \
		"check zstd.conf"
	ok "fzram-setup check: zstd dictionaries for the primary and a secondary"
fi

# ---------------------------------------------------------------------------
# Malformed: each line named, nothing printed, exit 1

cat >"$T/bad.conf" <<EOF
[group]
compression-algorithm = lz4 zstd(level=19) (type=idle)
[both]
compression-algorithm = lz4
algorithm = zstd
[level-twice]
compression-algorithm = zstd(level=3)
level = 4
[unknown-alg]
compression-algorithm = lzo-rle
[four]
compression-algorithm = lz4 zstd lz4hc zstd lz4hc
[bad-level]
compression-algorithm = zstd(level=x)
[bad-param]
compression-algorithm = zstd(type=idle)
[relative]
compression-algorithm = zstd(dict=swap.zdict)
[missing]
compression-algorithm = lz4 zstd(dict=$T/none)
[dir]
dict = $T
[colon]
compression-algorithm = lz4 lz4hc(dict=$T/a:b)
[param-twice]
compression-algorithm = zstd(level=1,level=2)
[unclosed]
compression-algorithm = zstd(level=3
[dict-twice]
compression-algorithm = lz4(dict=$T/lz4.dict)
dict = $T/lz4.dict
[page-cluster]
page-cluster = 11
EOF
: >"$T/a:b"
check bad.conf
assert_eq "$st" 1 "check bad.conf"
[ ! -s "$T/out" ] || fail "check bad.conf printed: $(cat "$T/out")"
# LINE:what the message must say
expect_lines bad.conf \
	"2:(type=idle)" "2:user.fzram.recompress" "5:both name the primary" \
	"8:set on line 7 too" "10:lzo-rle is not lz4" \
	"12:at most three secondary" "14:level=x is not an integer" \
	"16:type=idle is not level=N or dict=PATH" \
	"18:swap.zdict: not an absolute path" \
	"20:$T/none: not a readable regular file" \
	"22:$T: not a readable regular file" "24:may not hold ':'" \
	"26:level given twice" "28:not ALGORITHM or ALGORITHM(level=N" \
	"31:set on line 30 too" \
	"33:page-cluster = 11: not an integer from 0 to 10 or keep"
grep -q "bad.conf: 15 bad line(s); nothing done" "$T/err" ||
	fail "check bad.conf: not 15 bad lines: $(cat "$T/err")"
ok "fzram-setup check: each of 15 malformed lines named, nothing printed"

# What only fzramctl knows: level ranges, what a dictionary holds.
cat >"$T/range.conf" <<EOF
[secondary]
size = 64M
compression-algorithm = lz4 zstd(level=99)

[primary]
size = 64M
algorithm = lz4hc
level = 13

[not-a-zstd-dict]
size = 64M
algorithm = zstd
dict = $T/lz4.dict

[in-parentheses]
size = 64M
compression-algorithm = lz4hc(level=0)
EOF
check range.conf
assert_eq "$st" 1 "check range.conf"
[ ! -s "$T/out" ] || fail "check range.conf printed: $(cat "$T/out")"
expect_lines range.conf \
	"3:level 99 is out of range for zstd" \
	"8:'13' is not a level of lz4hc (1 to 12)" \
	"13:not a zstd dictionary" "17:'0' is not a level of lz4hc"
ok "fzram-setup check: fzramctl's refusals named at their lines"

# ---------------------------------------------------------------------------
# The tiers' policy: tier-policy's words and the keys that name one option
# become one --options list, in the order given (printed quoted as bash's
# printf %q quotes: the commas escaped).

cat >"$T/policy.conf" <<EOF
[words]
size = 64M
backing = /var/tmp/fzram.bk
tier-policy = age=30 wb_after=10m   read_factor=4 psi=20

[keys]
size = 64M
backing = /var/tmp/fzram.bk
writeback-after = 2h
writeback-daily = 512M
background-cpu = 5
spill = off

[both]
size = 64M
tier-policy = policy=on recomp_after=off high=90 low=80 compact=30
background-cpu = 10

[off]
size = 64M
tier-policy = policy=off
EOF
check policy.conf
[ "$st" -eq 0 ] || fail "check policy.conf exited $st: $(cat "$T/err")"
cat >"$T/want" <<EOF
$P --algorithm lz4 --priority 100 --backing /var/tmp/fzram.bk --options age=30\,wb_after=10m\,read_factor=4\,psi=20
$P --algorithm lz4 --priority 100 --backing /var/tmp/fzram.bk --options wb_after=2h\,wb_daily=512M\,cpu=5\,spill=off
$P --algorithm lz4 --priority 100 --options policy=on\,recomp_after=off\,high=90\,low=80\,compact=30\,cpu=10
$P --algorithm lz4 --priority 100 --options policy=off
EOF
diff -u "$T/want" "$T/out" >&2 || fail "check policy.conf: the command lines differ"
ok "fzram-setup check: tier-policy and the policy keys as --options"

cat >"$T/badpol.conf" <<EOF
[unknown]
tier-policy = age=30 colour=blue
[comma]
tier-policy = age=30,cpu=100
[no-value]
tier-policy = wb_after
[twice]
tier-policy = cpu=5
background-cpu = 6
[duration]
writeback-after = 10 minutes
[size]
writeback-daily = -1
[cpu]
background-cpu = 0
[spill]
spill = yes
[pct]
tier-policy = high=101
[factor]
tier-policy = read_factor=+4
[in-line]
tier-policy = age=1 age=2
EOF
check badpol.conf
assert_eq "$st" 1 "check badpol.conf"
[ ! -s "$T/out" ] || fail "check badpol.conf printed: $(cat "$T/out")"
expect_lines badpol.conf \
	"2:colour=blue: unknown policy option" \
	"4:'age=30,cpu=100': not option=value" "6:'wb_after': not option=value" \
	"9:background-cpu: cpu is set on line 8 too" \
	"11:wb_after=10 minutes: not a duration" "13:wb_daily=-1: not a size" \
	"15:cpu=0: not a percentage from 1 to 100" "17:spill=yes: not on or off" \
	"19:high=101: not a percentage from 0 to 100" \
	"21:read_factor=+4: not a plain number" \
	"23:age is set on line 23 too"
grep -q "badpol.conf: 11 bad line(s); nothing done" "$T/err" ||
	fail "check badpol.conf: not 11 bad lines: $(cat "$T/err")"
ok "fzram-setup check: each of 11 bad policy lines named, nothing printed"
