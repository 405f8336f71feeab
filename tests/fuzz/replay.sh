#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# replay.sh - every fuzzing harness (tests/fuzz/fuzz_*.c), built with
# replay.c's main() instead of libFuzzer, run over its committed seed
# corpus tests/fuzz/corpus/NAME: each input must keep every promise the
# harness checks.  No root, no mount.  A harness without a corpus, or an
# empty one, is a failure: a seed corpus that is not there checks nothing.
#
# Environment (set by make check): FUZZ_HARNESSES (the names),
# FUZZ_BUILDDIR (where NAME-replay is), FUZZ_CORPUS (the corpora).
set -eu
: "${FUZZ_HARNESSES:?run from make check}"
: "${FUZZ_BUILDDIR:?run from make check}"
: "${FUZZ_CORPUS:?run from make check}"

fail=0
for name in $FUZZ_HARNESSES; do
	bin=$FUZZ_BUILDDIR/$name-replay
	dir=$FUZZ_CORPUS/$name
	if [ ! -x "$bin" ]; then
		echo "replay.sh: $name: no $bin" >&2
		fail=1
		continue
	fi
	n=$(find "$dir" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "replay.sh: $name: no seed inputs in $dir" >&2
		fail=1
		continue
	fi
	# The harness prints each input as it goes; keep the log short.
	if "$bin" "$dir" >"$name.replay.out" 2>&1; then
		echo "ok: $name: $(tail -n 1 "$name.replay.out")"
	else
		echo "FAIL: $name: exit $?; the last inputs and why:" >&2
		tail -n 20 "$name.replay.out" >&2
		fail=1
	fi
	rm -f "$name.replay.out"
done
# fzram-setup's configuration: its seeds through fuzz-setup-conf, no
# mutation (0 seconds).
if FZRAM_SETUP=${FZRAM_SETUP:?run from make check} FUZZ_SETUP_NO_STATE=1 \
	"${PYTHON3:-python3}" "$(dirname "$0")/fuzz-setup-conf" 0 \
	"$FUZZ_CORPUS/setup_conf" >setup_conf.replay.out 2>&1; then
	echo "ok: setup_conf: $(tail -n 1 setup_conf.replay.out)"
else
	echo "FAIL: setup_conf:" >&2
	tail -n 20 setup_conf.replay.out >&2
	fail=1
fi
rm -f setup_conf.replay.out
exit "$fail"
