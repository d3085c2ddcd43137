"""Benchmark for `report`: the Snapshot against a hand-written DuckDB floor, on demo warehouses.

    python benchmarks/bench_report.py                 # 1M and 10M items
    python benchmarks/bench_report.py --sizes 1000000  # one size

Warehouses are generated once into benchmarks/data/ (seed 42, "now" fixed). Every measurement runs
in a fresh Python process so its peak RSS is its own: "cold" is the first run in that process
(connect + queries), "warm" the median of the next three. The table goes to stdout and
benchmarks/RESULTS-report.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
NOW = "2026-11-25T12:00:00"
MONTH = "2026-10"


def _proc_status(field: str) -> float:
    """A memory field of /proc/self/status in MB (NaN where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _peak_mb() -> float:
    """Peak RSS of this process: VmHWM (reset by exec, unlike ``ru_maxrss``, which a child inherits
    from a larger parent), else ``resource.getrusage``."""
    value = _proc_status("VmHWM")
    return value if value == value else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeat: int = 3) -> dict:
    started = time.perf_counter()
    fn()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - started)
    return {"cold": cold, "warm": statistics.median(warm), "peak_mb": _peak_mb()}


def measure(kind: str, path: str, rollups: str | None = None) -> dict:
    """One measurement in this process (called in a child process by ``main``); ``rollups``: the
    report reads them (they must be fresh: the measurement fails if the raw tables were read)."""
    if kind == "floor":
        import duckdb

        from org_analytics_widgets.period import Period

        period = Period.for_month(MONTH, "UTC", NOW)
        sql = (HERE / "floor.sql").read_text()

        def run():
            con = duckdb.connect(path, read_only=True)
            con.execute(sql, {"start": period.start_utc, "end": period.end_utc}).fetchall()
            con.close()

        return _timed(run)
    if kind == "report":
        from data_connectors import connect
        from org_analytics_widgets.period import Period
        from org_analytics_widgets.report import to_report
        from org_analytics_widgets.engine import Engine

        period = Period.for_month(MONTH, "UTC", NOW)

        from org_analytics_widgets.rollups import open_rollups

        def run():
            wh = connect(path if "://" in path else f"duckdb://{path}")  # a file, or any warehouse URL
            rolled = open_rollups(rollups) if rollups else None
            snapshot = Engine(wh, rolled, cache=False).snapshot(period)
            assert snapshot.source == ("rollups" if rollups else "raw"), snapshot.source
            json.dumps(to_report(snapshot))
            if rolled:
                rolled.close()
            wh.close()

        return _timed(run)
    raise ValueError(kind)


def ensure_warehouse(items: int) -> Path:
    from datetime import datetime

    from data_connectors.demo import generate_demo

    path = DATA / f"demo-{items}.duckdb"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        generate_demo(str(path), items=items, seed=42, now=datetime.fromisoformat(NOW))
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def write_results(name: str, title: str, columns: list[str], rows: list[str]) -> None:
    """Print a Markdown table of ``rows`` (already ``| ... |`` lines) and write it to benchmarks/``name``."""
    table = "\n".join([f"# {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *rows])
    print(table)
    (HERE / name).write_text(table + "\n")


def _child(kind: str, path: Path | str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    rows = ["| items | approach | cold s | warm s | ratio to floor (warm) | peak RSS MB |", "|---|---|---|---|---|---|"]
    for items in args.sizes:
        path = ensure_warehouse(items)
        floor = _child("floor", path)
        report = _child("report", path)
        for name, m in (("hand-written SQL floor", floor), ("org-analytics report (Snapshot)", report)):
            rows.append(
                f"| {items:,} | {name} | {m['cold']:.3f} | {m['warm']:.3f} | "
                f"{m['warm'] / floor['warm']:.2f}x | {m['peak_mb']:.0f} |"
            )
    table = "\n".join(rows)
    print(table)
    (HERE / "RESULTS-report.md").write_text(f"# report benchmark (month {MONTH}, UTC, demo seed 42)\n\n{table}\n")


if __name__ == "__main__":
    main()
