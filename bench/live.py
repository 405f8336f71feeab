#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""live.py - a live program for bench/vs-zram's second workload.

    usage: live.py [-s SEED] MIB

Builds an in-memory store of about MIB MiB (growth of its own VmRSS): a
list of customer-like records (dicts holding strings, lists of strings and
ints, a nested dict, a float) and an index from tag to record ids, all
drawn from a seeded random source, so one seed gives the same data and the
same checksum every time.  Then it checksums the whole structure, prints

    ready pid=PID sum=CRC build_s=S walk_s=S rss_kb=N records=N

and blocks on stdin (PID is its own: the harness may have started it through
a wrapper).  That is when the harness pages the whole process out
(bench/pidout) and empties the swap cache.  On a line from stdin it walks
and checksums everything again, timing it, and prints

    live ok=0|1 sum=CRC in_s=S cpu_in_s=S walk_s=S

where walk_s is the time of the first walk (all in memory), for reference,
and cpu_in_s the whole machine's busy seconds during the second walk
(/proc/stat).  Exit: 0 when both checksums are equal, 1 when they differ,
2 on usage errors or when stdin closes first.

The cyclic garbage collector is off: the store holds no cycles, and a
collection during the second walk would touch the objects in its own order.
"""

import argparse
import gc
import os
import sys
import time
import zlib
from random import Random

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zen", "dar",
             "qui", "bel", "or", "un", "est", "pra", "go", "hy", "lex", "tor"]
CITIES = 400
WORDS = 8000


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_busy():
    """Busy seconds of the whole machine: user nice system irq softirq
    steal of the "cpu" line."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / \
        os.sysconf("SC_CLK_TCK")


def vocabulary(rng):
    """The words and cities records are drawn from."""
    words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
             for _ in range(WORDS)]
    cities = [w.capitalize() + " " + rng.choice(words) for w in
              rng.sample(words, CITIES)]
    return words, cities


def note(rng, words):
    """A record's free text: up to 30 words."""
    return " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))


def record(rng, words, cities, n):
    """Record number n: a dict of strings, lists, a nested dict, a float.
    (bench/pressure.py builds its records with this too.)"""
    name = rng.choice(words).capitalize() + " " + \
        rng.choice(words).capitalize()
    tags = [rng.choice(words) for _ in range(rng.randint(0, 8))]
    return {
        "id": n,
        "name": name,
        "email": name.lower().replace(" ", ".") + "@example.org",
        "tags": tags,
        "orders": [rng.randint(1, 99999) for _ in range(rng.randint(0, 24))],
        "address": {"city": rng.choice(cities),
                    "zip": rng.randint(10000, 99999),
                    "street": "%d %s street" % (rng.randint(1, 999),
                                                rng.choice(words))},
        "balance": round(rng.uniform(-500, 5000), 2),
        "note": note(rng, words),
    }


def build(rng, target, grown=rss_bytes, each=None):
    """Records and a tag index until grown() (default VmRSS) has grown by
    target bytes; each(rec), if given, is called on every new record.
    Return: the records, the index and the words they were drawn from."""
    words, cities = vocabulary(rng)
    records = []
    index = {}
    base = grown()
    n = 0
    while True:
        if n % 1000 == 0 and grown() - base >= target:
            break
        rec = record(rng, words, cities, n)
        records.append(rec)
        if each:
            each(rec)
        for t in rec["tags"]:
            index.setdefault(t, []).append(n)
        n += 1
    return records, index, words


def checksum(records, index):
    """CRC-32 over the text of every record and every index entry: every
    object of the store is read."""
    crc = 0
    for rec in records:
        crc = zlib.crc32(repr(rec).encode(), crc)
    for tag, ids in index.items():
        crc = zlib.crc32(tag.encode(), crc)
        crc = zlib.crc32(repr(ids).encode(), crc)
    return crc


def main():
    ap = argparse.ArgumentParser(
        prog="live.py", description="a live program to page out")
    ap.add_argument("-s", "--seed", type=int, default=1)
    ap.add_argument("mib", type=int, metavar="MIB")
    args = ap.parse_args()
    if args.mib < 1:
        ap.error("MIB must be at least 1")
    gc.disable()

    t0 = time.monotonic()
    records, index, _ = build(Random(args.seed), args.mib << 20)
    t1 = time.monotonic()
    sum0 = checksum(records, index)
    walk_s = time.monotonic() - t1
    print("ready pid=%d sum=%08x build_s=%.2f walk_s=%.4f rss_kb=%d "
          "records=%d" % (os.getpid(), sum0, t1 - t0, walk_s,
                          rss_bytes() // 1024, len(records)), flush=True)

    if not sys.stdin.readline():
        sys.exit(2)

    c0 = cpu_busy()
    t0 = time.monotonic()
    sum1 = checksum(records, index)
    in_s = time.monotonic() - t0
    cpu_in_s = cpu_busy() - c0
    print("live ok=%d sum=%08x in_s=%.4f cpu_in_s=%.2f walk_s=%.4f" %
          (sum0 == sum1, sum1, in_s, cpu_in_s, walk_s), flush=True)
    sys.exit(0 if sum0 == sum1 else 1)


if __name__ == "__main__":
    main()
