#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pressure.py - a real program under memory pressure, for bench/vs-zram's
fourth workload.

    usage: pressure.py [-s SEED] [-p PASSES] [-u EVERY] MIB

Run inside a memory cgroup far smaller than MIB, so that the kernel's own
reclaim swaps it while it works (nothing pages it out from outside).

It builds about MIB MiB of customer-like records (dicts holding strings,
lists of strings and ints, a nested dict, a float; the same kind as
live.py's) and an index from tag to record ids, all drawn from a seeded
random source, until its anonymous memory (RssAnon + VmSwap of
/proc/self/status: the resident part alone stops growing at the cgroup's
limit) has grown by MIB MiB.  It keeps a CRC-32 per record (an array of
32-bit ints, beside the records).

Then PASSES passes (default 2) walk every record in id order: each
record's CRC is checked, and every EVERY-th record (default 4, a different
quarter each pass) is updated (balance, an order appended, the note
rewritten from the seeded source) and its CRC recomputed.  The index is
checked (every id it names exists and has the tag) on the last pass.

It prints

    pressure ok=0|1 bad=N records=N build_s=S update_s=S passes=N
             anon_kb=N cpu_s=S

(one line; bad counts records whose CRC differed, ok is 1 when none did
and the index was right; cpu_s is this process's CPU time) and then blocks
on stdin, holding its memory, so that the harness can read the swap's
state at the end; it exits on a line or at EOF.  Exit: 0 when ok, 1 when
not, 2 on usage errors.

The cyclic garbage collector is off: the store holds no cycles, and a
collection would walk every object in its own order.
"""

import argparse
import gc
import os
import sys
import time
import zlib
from array import array
from random import Random

# live.py sits beside this file: the same records, built by the same code.
from live import build, note  # noqa: E402


def anon_bytes():
    """Anonymous memory of this process, resident or swapped."""
    kb = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "VmSwap:")):
                kb += int(line.split()[1])
    return kb * 1024


def crc_of(rec):
    return zlib.crc32(repr(rec).encode())


def update_pass(rng, records, sums, words, every, phase):
    """Check every record's CRC; update every every-th one from phase.
    Return: the number of records whose CRC differed."""
    bad = 0
    for i, rec in enumerate(records):
        if crc_of(rec) != sums[i]:
            if bad < 10:
                print("pressure.py: record %d differs" % i, file=sys.stderr)
            bad += 1
        if i % every == phase:
            rec["balance"] = round(rec["balance"] + rng.uniform(-50, 50), 2)
            rec["orders"].append(rng.randint(1, 99999))
            rec["note"] = note(rng, words)
            sums[i] = crc_of(rec)
    return bad


def index_ok(records, index):
    for tag, ids in index.items():
        for i in ids:
            if i >= len(records) or tag not in records[i]["tags"]:
                print("pressure.py: index %r names %d wrongly" % (tag, i),
                      file=sys.stderr)
                return False
    return True


def main():
    ap = argparse.ArgumentParser(
        prog="pressure.py", description="a program under memory pressure")
    ap.add_argument("-s", "--seed", type=int, default=1)
    ap.add_argument("-p", "--passes", type=int, default=2)
    ap.add_argument("-u", "--every", type=int, default=4)
    ap.add_argument("mib", type=int, metavar="MIB")
    args = ap.parse_args()
    if args.mib < 1 or args.passes < 1 or args.every < 1:
        ap.error("MIB, PASSES and EVERY must be at least 1")
    gc.disable()

    rng = Random(args.seed)
    t0 = time.monotonic()
    sums = array("I")  # sums[i]: the CRC of record i as last written
    records, index, words = build(rng, args.mib << 20, anon_bytes,
                                  lambda rec: sums.append(crc_of(rec)))
    t1 = time.monotonic()
    bad = 0
    for p in range(args.passes):
        bad += update_pass(rng, records, sums, words, args.every,
                           p % args.every)
    ok = bad == 0 and index_ok(records, index)
    t2 = time.monotonic()
    cpu = os.times()
    print("pressure ok=%d bad=%d records=%d build_s=%.2f update_s=%.2f "
          "passes=%d anon_kb=%d cpu_s=%.2f" %
          (ok, bad, len(records), t1 - t0, t2 - t1, args.passes,
           anon_bytes() // 1024, cpu.user + cpu.system), flush=True)
    sys.stdin.readline()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
