"""Times what this machine charges for waking a sleeping thread: two processes pass one byte back and forth through
pipes, both pinned to one processor, then each pinned to its own.

Usage: python3 bench/wakeup.py [ROUND_TRIPS]

Prints the microseconds per round trip on one processor and across two, the median of five tries each. A request
through the API wakes a thread of wrk, the API and PostgreSQL several times, usually across processors. On a virtual
machine a processor with nothing to run halts, and waking it goes through the hypervisor, so the cross-processor
figure can be ten times the other; when it is, every sleep and wake-up of a request costs that much CPU, and a run on
such a day measures the machine as much as the code (bench/README.md).
"""
import os
import statistics
import sys
import time


def round_trip_us(round_trips, parent_cpu, child_cpu):
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, {child_cpu})
        for _ in range(round_trips):
            os.read(to_child_r, 1)
            os.write(to_parent_w, b"x")
        os._exit(0)
    os.sched_setaffinity(0, {parent_cpu})
    start = time.perf_counter()
    for _ in range(round_trips):
        os.write(to_child_w, b"x")
        os.read(to_parent_r, 1)
    elapsed = time.perf_counter() - start
    os.waitpid(pid, 0)
    for fd in (to_child_r, to_child_w, to_parent_r, to_parent_w):
        os.close(fd)
    return elapsed / round_trips * 1e6


def main():
    round_trips = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    cpus = sorted(os.sched_getaffinity(0))
    other = cpus[1] if len(cpus) > 1 else cpus[0]
    same = statistics.median(round_trip_us(round_trips, cpus[0], cpus[0]) for _ in range(5))
    cross = statistics.median(round_trip_us(round_trips, cpus[0], other) for _ in range(5))
    os.sched_setaffinity(0, set(cpus))
    print(f"{same:.1f} {cross:.1f}")


if __name__ == "__main__":
    main()
