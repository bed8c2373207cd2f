"""What the session cache's notifications cost PostgreSQL and the API instances (issue 21, README "Scale on paper").

Usage: python3 bench/notify.py PG_BIN PORT DATA_DIR API_DIR API_PORT WORK_DIR OUT.md   (bench/notify.sh sets it all up)

For each number of API instances in NOTIFY_INSTANCES ("1 3 6"), all listening on one database: NOTIFY_SECONDS (20) idle,
which is the heartbeats alone, then as long with pgbench publishing NOTIFY_RATE (1000) invalidations a second, each a
transaction of its own, as a revocation's trigger publishes one. PostgreSQL's CPU is split into the listeners'
backends (delivery) and the rest (publishing, and everything else). Then the most notifying transactions a second
PostgreSQL commits, against the same transactions without the notification: NOTIFY serialises commits.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu  # noqa: E402  (bench/cpu.py: process CPU from /proc)

PG_BIN, PORT, DATA_DIR, API_DIR, API_PORT, WORK, OUT = sys.argv[1:8]
SECONDS = int(os.environ.get("NOTIFY_SECONDS", "20"))
RATE = int(os.environ.get("NOTIFY_RATE", "1000"))
INSTANCES = [int(n) for n in os.environ.get("NOTIFY_INSTANCES", "1 3 6").split()]
APPLICATION_NAME = "session-auth-api-session-cache"
CONNECTION = f"Host=127.0.0.1;Port={PORT};Username=postgres;Password={os.environ['PGPASSWORD']};Database=notify"
SCRIPTS = {
    "notify": "SELECT pg_notify('session_cache', 's:' || gen_random_uuid());\n",
    "plain": "SELECT 's:' || gen_random_uuid();\n",
}


def psql(sql):
    return subprocess.run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres", "-d", "notify", "-qtAX", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def pgbench(script, extra):
    path = os.path.join(WORK, f"{script}.sql")
    with open(path, "w") as f:
        f.write(SCRIPTS[script])
    out = subprocess.run([f"{PG_BIN}/pgbench", "-h", "127.0.0.1", "-p", PORT, "-U", "postgres", "-n", "-f", path, *extra, "notify"],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))


def postmaster():
    with open(os.path.join(DATA_DIR, "postmaster.pid")) as f:
        return int(f.readline())


def pg_seconds(master):
    pids = cpu.postgres_pids(master)
    return cpu.process_seconds(master, reaped_children=True) + sum(cpu.process_seconds(pid) for pid in pids[1:])


def listener_pids():
    rows = psql(f"SELECT pid FROM pg_stat_activity WHERE application_name = '{APPLICATION_NAME}'")
    return [int(pid) for pid in rows.split()] if rows else []


def measure(master, apis, listeners, load):
    """CPU seconds of PostgreSQL, of the listeners' backends and of the API processes while load() runs."""
    def snap():
        return (time.monotonic(), pg_seconds(master), sum(cpu.process_seconds(p) for p in listeners),
                sum(cpu.process_seconds(p.pid) for p in apis))
    before = snap()
    count = load()
    after = snap()
    wall, pg, listening, api = (a - b for a, b in zip(after, before))
    return {"wall": wall, "pg": pg, "listeners": listening, "api": api, "notifications": count}


def start_apis(n):
    apis = []
    for i in range(n):
        env = dict(os.environ, ASPNETCORE_ENVIRONMENT="Production", ConnectionStrings__Postgres=CONNECTION,
                   Session__Cache__Enabled="true")
        log = open(os.path.join(WORK, f"api-{n}-{i}.log"), "w")
        apis.append(subprocess.Popen(["dotnet", "Api.dll", "--urls", f"http://127.0.0.1:{int(API_PORT) + i}"],
                                     cwd=API_DIR, env=env, stdout=log, stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 120
    for i in range(n):
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{int(API_PORT) + i}/health/ready", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"API {i} of {n} did not become ready")
            time.sleep(0.5)
    while len(listener_pids()) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(listener_pids())} of {n} listeners")
        time.sleep(0.2)
    time.sleep(3)
    return apis


def stop(apis):
    for p in apis:
        p.terminate()
    for p in apis:
        p.wait(30)


def main():
    os.makedirs(WORK, exist_ok=True)
    master = postmaster()
    rows = []
    ceiling = {}
    for n in INSTANCES:
        apis = start_apis(n)
        try:
            listeners = listener_pids()
            idle = measure(master, apis, listeners, lambda: time.sleep(SECONDS) or 0)
            busy = measure(master, apis, listeners, lambda: pgbench("notify", ["-c", "1", "-R", str(RATE), "-T", str(SECONDS)]))
            rows.append({"instances": n, "idle": idle, "busy": busy})
            print(json.dumps(rows[-1]), flush=True)
            if n == INSTANCES[0]:
                for script in ("plain", "notify"):
                    ceiling[script] = pgbench(script, ["-c", "8", "-j", "2", "-T", "10"]) / 10
                print(json.dumps(ceiling), flush=True)
        finally:
            stop(apis)
    write(rows, ceiling)


def write(rows, ceiling):
    lines = [
        "# What the session cache's notifications cost",
        "",
        f"Run {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} by `./bench/notify.sh`: for each number of API instances, all "
        f"listening on one database, {SECONDS} s idle (heartbeats only: one a second per instance, each delivered to every "
        f"instance), then {SECONDS} s with pgbench publishing {RATE} invalidations a second, each its own transaction "
        "(`SELECT pg_notify('session_cache', 's:' || gen_random_uuid())`, what a revocation's trigger adds to its transaction).",
        "",
        "| Instances | Idle: PostgreSQL CPU ms/s | of which the listeners' backends | Idle: API CPU ms/s, all instances | "
        "Notifications/s | PostgreSQL CPU µs per notification | of which delivery, per listener | API CPU µs per notification, per instance |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        n, idle, busy = row["instances"], row["idle"], row["busy"]
        count = busy["notifications"]
        extra_pg = busy["pg"] - idle["pg"] * busy["wall"] / idle["wall"]
        extra_listeners = busy["listeners"] - idle["listeners"] * busy["wall"] / idle["wall"]
        extra_api = busy["api"] - idle["api"] * busy["wall"] / idle["wall"]
        lines.append(
            f"| {n} | {1000 * idle['pg'] / idle['wall']:.2f} | {1000 * idle['listeners'] / idle['wall']:.2f} | "
            f"{1000 * idle['api'] / idle['wall']:.1f} | {count / busy['wall']:,.0f} | {1e6 * extra_pg / count:.1f} | "
            f"{1e6 * extra_listeners / count / n:.1f} | {1e6 * extra_api / count / n:.1f} |")
    lines += [
        "",
        "CPU is process time from /proc (PostgreSQL: the postmaster, its live children and its reaped ones); a notification's "
        "share is the busy window's CPU less the idle window's rate over the same time. The idle columns include each "
        "instance's own housekeeping (pool pruning, timers), not only heartbeats.",
        "",
        f"Most transactions a second PostgreSQL committed, 8 clients, 10 s, one listening instance: "
        f"{ceiling.get('notify', 0):,.0f} with a notification, {ceiling.get('plain', 0):,.0f} without "
        "(`SELECT 's:' || gen_random_uuid()`): a notifying commit takes a cluster-wide lock, so these commits go one at a time.",
        "",
    ]
    with open(OUT, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
