#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""faultsplit - cut each random swap-in fault of a traced bench/pageout run
into its stages, for bench/vs-zram -t.

    usage: faultsplit.py CONFIG PID TRACE

TRACE is the text of a tracefs instance (its "trace" file) that recorded,
between pageout's "pageout randin start" and "... end" markers, the events
bench/vs-zram -t enables: exceptions:page_fault_user of pageout (PID),
block:block_rq_issue and block_rq_complete of the swap device (reads),
fuse:fuse_request_send and fuse_request_end, raw_syscalls:sys_exit of the
daemon's threads reading /dev/fuse (read or splice, more than 0 bytes), and
sched:sched_wakeup of pageout.

Each page_fault_user of PID starts a fault; the fault ends at the next one
(so the last stage also holds pageout's own loop and clock reads). Inside
it, the first of each event in this order marks a stage, the request's
completion the one of the same sector as its issue, the FUSE reply the one
of the same connection and request as the FUSE request sent:

    issue      fault -> the read request issued to the swap device
               (the kernel's fault and swap-in path in the faulting task)
    to_fuse    -> the FUSE request sent (the loop worker woken and running)
    pickup     -> the daemon's read of /dev/fuse returning it
    daemon     -> the reply reaching FUSE (lookup, decompress, copy, reply)
    complete   -> the block request completed (loop's completion)
    resume     -> the next fault: the faulting task woken and running, the
               fault's return and pageout's loop
and, where the trace has them (a task woken without a wake-up event, as
when its CPU was polling, has none), resume's first part:
    wake       complete -> the faulting task woken

On fzram a fault without a device read (a page still in the swap cache, or
a fault on pageout's own arrays) is left out; on zram, which has no block
request, every fault counts, with its total alone. A fault whose stages
are not all there counts its total alone. Output: lines "faultsplit CONFIG
STAGE p50_us p90_us n" for every stage, "wake" and "total", and
"faultsplit CONFIG faults N reads N" (reads: the faults counted).
The events and their fields are x86_64 Linux 6.x's.
"""

import re
import sys

STAGES = ["issue", "to_fuse", "pickup", "daemon", "complete", "resume"]
LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+):\s+(\w+):\s*(.*)$")
SECTOR = re.compile(r"\s(\d+) \+ \d+")  # block_rq_*: "... SECTOR + N ..."
REQ = re.compile(r"connection (\d+) req (\d+)")  # fuse_request_*


def pct(vals, p):
    if not vals:
        return None
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(len(vals) * p / 100))]


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: faultsplit.py CONFIG PID TRACE\n")
        return 2
    cfg, pid, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    on = False
    faults = []  # [t_fault, {event: t}]
    cur = None
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            tpid, ts, ev, rest = int(m.group(2)), float(m.group(3)), m.group(4), m.group(5)
            if ev == "tracing_mark_write" or "pageout randin" in rest:
                if "pageout randin start" in rest:
                    on = True
                elif "pageout randin end" in rest:
                    on = False
                    if cur:
                        cur[1]["next"] = ts
                continue
            if not on:
                continue
            if ev == "page_fault_user" and tpid == pid:
                if cur:
                    cur[1]["next"] = ts
                cur = [ts, {}]
                faults.append(cur)
                continue
            if cur is None:
                continue
            got = cur[1]
            if ev in ("block_rq_issue", "block_rq_complete"):
                m = SECTOR.search(rest)
                key = m.group(1) if m else None
            elif ev in ("fuse_request_send", "fuse_request_end"):
                m = REQ.search(rest)
                key = m.groups() if m else None
            if ev == "block_rq_issue" and "issue" not in got:
                got["issue"] = ts
                got["sector"] = key
            elif ev == "fuse_request_send" and "issue" in got and "to_fuse" not in got:
                got["to_fuse"] = ts
                got["req"] = key
            elif ev == "sys_exit" and "to_fuse" in got:
                got.setdefault("pickup", ts)
            elif ev == "fuse_request_end" and "pickup" in got and key == got.get("req"):
                got.setdefault("daemon", ts)
            elif ev == "block_rq_complete" and "issue" in got and key == got.get("sector"):
                got.setdefault("complete", ts)
            elif ev == "sched_wakeup" and "complete" in got:
                got.setdefault("wake", ts)
    per = {s: [] for s in STAGES + ["wake"]}
    totals = []
    reads = 0
    for t0, got in faults:
        if "next" not in got:
            continue
        if "issue" not in got and cfg.startswith("fzram"):
            continue  # no device read: swap cache or pageout's own pages
        reads += 1
        totals.append((got["next"] - t0) * 1e6)
        marks = [t0] + [got.get(s) for s in STAGES[:-1]] + [got["next"]]
        if any(x is None for x in marks):
            continue
        for i, s in enumerate(STAGES):
            per[s].append((marks[i + 1] - marks[i]) * 1e6)
        if "wake" in got:
            per["wake"].append((got["wake"] - got["complete"]) * 1e6)
    print("faultsplit %s faults %d reads %d" % (cfg, len(faults), reads))
    for s in STAGES + ["wake", "total"]:
        vals = totals if s == "total" else per[s]
        if not vals:
            continue
        print("faultsplit %s %s %.2f %.2f %d" % (cfg, s, pct(vals, 50), pct(vals, 90), len(vals)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
