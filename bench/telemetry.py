"""Turns a `BENCH_TELEMETRY=compare ./bench/run.sh` run into bench/results/telemetry.md.

Usage: python3 bench/telemetry.py RUN_DIR OUT.md [TITLE]
"""
import json
import re
import sys
from pathlib import Path


def load(run, name):
    match = re.search(r"^BENCH_JSON (.*)$", (run / f"{name}.wrk.txt").read_text(), re.M)
    if not match:
        raise SystemExit(f"{name}: no BENCH_JSON line in {name}.wrk.txt")
    w = json.loads(match.group(1))
    cpu = json.loads((run / f"{name}.cpu.json").read_text())
    requests = w["requests"]
    return {
        "rps": requests / (w["duration_us"] / 1e6),
        "p50_ms": w["latency_us"]["p50"] / 1000,
        "p99_ms": w["latency_us"]["p99"] / 1000,
        "errors": sum(w["errors"].values()),
        "api_us": cpu["api_s"] / requests * 1e6,
        "pg_us": cpu["postgres_s"] / requests * 1e6,
        "other_pct": 100 * cpu["other_s"] / (cpu["wall_s"] * cpu["cpus"]),
    }


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main(run, out, title):
    meta = dict(line.partition("=")[::2] for line in (run / "meta.txt").read_text().splitlines())
    sides = [side.split(":", 1) for side in meta["telemetry_sides"].split()]
    names = [name for name, _ in sides]
    base = names[0]
    rounds = sorted({int(p.name.split(".r")[1].split(".")[0]) for p in run.glob(f"profile_{base}.r*.wrk.txt")})
    data = {name: [load(run, f"profile_{name}.r{r}") for r in rounds] for name in names}
    ratios = {name: [x["rps"] / b["rps"] for x, b in zip(data[name], data[base])] for name in names}
    lines = [
        f"# {title}",
        "",
        f"Run {meta.get('started_at', '?')} by `BENCH_TELEMETRY=compare ./bench/run.sh`: {meta.get('connections')} connections, "
        f"{meta.get('threads')} wrk threads, {meta.get('duration')} s per measured run after {meta.get('warmup')} s warm-ups, "
        f"{len(rounds)} rounds, each starting with another side. One API process per side, all on one database:",
        "",
    ]
    lines += [f"- `{name}`: {settings.replace(',', ', ')}" for name, settings in sides]
    lines += [
        "",
        "| Side | Req/s, median round | ÷ " + f"`{base}`" + ", median of the rounds' ratios | Ratio per round | p50 / p99 ms (median round) | API CPU µs / request | PostgreSQL CPU µs / request | Other processes' CPU | Errors |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        runs = data[name]
        typical = sorted(runs, key=lambda x: x["rps"])[len(runs) // 2]
        lines.append(
            f"| `{name}` | {median([x['rps'] for x in runs]):,.0f} | {median(ratios[name]):.3f} | "
            f"{', '.join(f'{x:.2f}' for x in ratios[name])} | {typical['p50_ms']:.2f} / {typical['p99_ms']:.2f} | "
            f"{median([x['api_us'] for x in runs]):.0f} | {median([x['pg_us'] for x in runs]):.0f} | "
            f"{median([x['other_pct'] for x in runs]):.0f}% | {sum(x['errors'] for x in runs)} |")
    lines += [
        "",
        "CPU per request is the process's CPU time over the requests it completed (medians of the rounds); *other "
        "processes' CPU* is the share of the machine that neither the API, PostgreSQL nor wrk used: a high figure marks "
        "a disturbed round.",
        "",
        f"Machine: {meta.get('cpu')}, {meta.get('processors')} processors; .NET {meta.get('dotnet')}, PostgreSQL {meta.get('postgres')}; "
        f"load average before / after {meta.get('load_before')} / {meta.get('load_after')}.",
        "",
    ]
    Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "Telemetry cost on `GET /profile`")
