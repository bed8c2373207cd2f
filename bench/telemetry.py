"""Turns a `BENCH_TELEMETRY=compare ./bench/run.sh` run into bench/results/telemetry.md.

Usage: python3 bench/telemetry.py RUN_DIR OUT.md
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


def main(run, out):
    meta = dict(line.partition("=")[::2] for line in (run / "meta.txt").read_text().splitlines())
    rounds = sorted({int(p.name.split(".r")[1].split(".")[0]) for p in run.glob("profile_off.r*.wrk.txt")})
    pairs = [(r, load(run, f"profile_off.r{r}"), load(run, f"profile_on.r{r}")) for r in rounds]
    ratios = [on["rps"] / off["rps"] for _, off, on in pairs]
    ratio = median(ratios)
    lines = [
        "# Telemetry cost on `GET /profile`",
        "",
        f"Run {meta.get('started_at', '?')} by `BENCH_TELEMETRY=compare ./bench/run.sh`: {meta.get('connections')} connections, "
        f"{meta.get('threads')} wrk threads, {meta.get('duration')} s per measured run after {meta.get('warmup')} s warm-ups, "
        f"{len(pairs)} rounds alternating which side goes first. Off: `Telemetry__Enabled=false` (no OpenTelemetry "
        "provider registered). On: `Telemetry__Enabled=true` with no OTLP endpoint: every span and metric is collected "
        "and sampled (ratio 1.0), then dropped for want of an exporter.",
        "",
        "| Round | Off req/s | On req/s | On ÷ off | Off p50 / p99 (ms) | On p50 / p99 (ms) | API CPU µs/request off / on | PostgreSQL CPU µs/request off / on | Other processes' CPU off / on | Errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (r, off, on), x in zip(pairs, ratios):
        lines.append(
            f"| {r} | {off['rps']:,.0f} | {on['rps']:,.0f} | {x:.3f} | {off['p50_ms']:.2f} / {off['p99_ms']:.2f} | "
            f"{on['p50_ms']:.2f} / {on['p99_ms']:.2f} | {off['api_us']:.0f} / {on['api_us']:.0f} | "
            f"{off['pg_us']:.0f} / {on['pg_us']:.0f} | {off['other_pct']:.0f}% / {on['other_pct']:.0f}% | {off['errors'] + on['errors']} |")
    verdict = "pass" if ratio >= 0.9 else "**FAIL**"
    lines += [
        "",
        f"Median of the per-round ratios: **{ratio:.3f}** (required ≥ 0.9: {verdict}). "
        f"Medians: off {median([off['rps'] for _, off, _ in pairs]):,.0f} req/s, on {median([on['rps'] for _, _, on in pairs]):,.0f} req/s; "
        f"API CPU per request off {median([off['api_us'] for _, off, _ in pairs]):.0f} µs, on {median([on['api_us'] for _, _, on in pairs]):.0f} µs.",
        "",
        f"Machine: {meta.get('cpu')}, {meta.get('processors')} processors; .NET {meta.get('dotnet')}, PostgreSQL {meta.get('postgres')}; "
        f"load average before / after {meta.get('load_before')} / {meta.get('load_after')}.",
        "",
    ]
    Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
