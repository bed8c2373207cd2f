"""Runs a load generator and accounts for the machine's CPU while it runs.

Usage: python3 bench/cpu.py OUT.json API_PID POSTMASTER_PID -- COMMAND...
       python3 bench/cpu.py --wait-quiet MAX_SECONDS BUSY_PERCENT

The second form waits, while the benchmark itself is idle, until the machine's busy share over a 2-second window is
under BUSY_PERCENT, or MAX_SECONDS have passed; it prints the seconds waited and the last busy share.

Writes the CPU seconds the API, PostgreSQL (the postmaster and its children) and the command itself used, and what
the rest of the machine used meanwhile ("other": busy time that none of the three accounts for). The machine is shared,
so "other" says how much a run's figures were disturbed. Also the context switches of the API's threads and of
PostgreSQL's processes: most are a thread going to sleep and being woken, which this machine makes expensive
(bench/wakeup.py). SIGINT is passed on to the command, which stops wrk early
with its report.
"""
import json
import os
import signal
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


def process_seconds(pid, reaped_children=False):
    """The process's CPU seconds; with reaped_children, also those of its children that have exited (and been
    waited for), so that a sum over a parent and its live children does not drop when a child exits."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        if reaped_children:
            ticks += int(fields[13]) + int(fields[14])
        return ticks / TICKS
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def postgres_pids(postmaster):
    pids = [postmaster]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return pids


def context_switches(pids):
    """Voluntary and involuntary switches per thread (tid: count) of the given processes, all of their threads."""
    counts = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    counts[tid] = sum(int(line.split()[1]) for line in f
                                      if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return counts


def switches_since(before, after):
    """Switches between two snapshots; a thread that ended meanwhile is lost, one that started counts from zero."""
    return sum(count - before.get(tid, 0) for tid, count in after.items())


def snapshot(api_pid, postmaster):
    """The clock, the machine's busy time, the CPU seconds and the per-thread context switches of the API and of
    PostgreSQL, with one walk of /proc for PostgreSQL's processes."""
    pg_pids = postgres_pids(postmaster)
    return {
        "time": time.monotonic(),
        "busy": busy_seconds(),
        "api": process_seconds(api_pid),
        # A backend that exits during the run (a pool closing an idle connection) takes its CPU time out of the sum
        # of live processes and into the postmaster's reaped children's; without those, a run could show less than
        # none (-64 µs per request, measured).
        "pg": process_seconds(postmaster, reaped_children=True) + sum(process_seconds(pid) for pid in pg_pids[1:]),
        "api_switches": context_switches([api_pid]),
        "pg_switches": context_switches(pg_pids),
    }


def wait_quiet(max_seconds, threshold):
    start = time.monotonic()
    while True:
        t0, b0 = time.monotonic(), busy_seconds()
        time.sleep(2)
        t1, b1 = time.monotonic(), busy_seconds()
        share = 100 * (b1 - b0) / ((t1 - t0) * os.cpu_count())
        waited = t1 - start
        if share < threshold or waited >= max_seconds:
            print(f"{waited:.0f} {share:.0f}")
            return


def main():
    if sys.argv[1] == "--wait-quiet":
        wait_quiet(float(sys.argv[2]), float(sys.argv[3]))
        return
    out, api_pid, postmaster = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    command = sys.argv[sys.argv.index("--") + 1:]
    start = snapshot(api_pid, postmaster)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGINT, lambda *_: child.send_signal(signal.SIGINT))
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    while True:
        try:
            _, status, usage = os.wait4(child.pid, 0)
            break
        except InterruptedError:
            continue
    end = snapshot(api_pid, postmaster)
    wall, busy, api, pg = (end[k] - start[k] for k in ("time", "busy", "api", "pg"))
    load = usage.ru_utime + usage.ru_stime
    result = {
        "wall_s": wall,
        "cpus": os.cpu_count(),
        "busy_s": busy,
        "api_s": api,
        "postgres_s": pg,
        "load_generator_s": load,
        "other_s": max(0.0, busy - api - pg - load),
        "api_switches": switches_since(start["api_switches"], end["api_switches"]),
        "postgres_switches": switches_since(start["pg_switches"], end["pg_switches"]),
    }
    with open(out, "w") as f:
        json.dump(result, f)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
