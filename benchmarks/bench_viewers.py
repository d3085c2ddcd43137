"""How many viewers at once the machine holds: N headless viewers of one `org-analytics serve`
switch months together; each page times its own switch (click -> month shown).

    python benchmarks/bench_viewers.py [--items 1000000] [--viewers 1 2 4 8] [--rollups]

With --rollups the server reads the warehouse's rollups (benchmarks/data/demo-<N>.rollups.duckdb,
built or refreshed first by `org-analytics rollup`), as bench_all's rollup rows do.

Writes benchmarks/RESULTS-viewers.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_report import MONTH, NOW, ensure_warehouse, write_results
from browser import serving  # noqa: E402
from viewers import p95, viewers  # noqa: E402

from org_analytics_widgets.period import shift_month  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--switches", type=int, default=3)
    parser.add_argument("--rollups", action="store_true", help="serve from the warehouse's rollups")
    args = parser.parse_args()
    path = ensure_warehouse(args.items)
    source = ["--warehouse", f"duckdb://{path}"]
    if args.rollups:
        rollup_file = path.with_name(path.stem + ".rollups.duckdb")
        subprocess.run(
            [sys.executable, "-m", "org_analytics_widgets", "rollup", *source, "--out", str(rollup_file)],
            check=True,
            env={**os.environ, "ORG_ANALYTICS_NOW": NOW + "Z"},
        )
        source += ["--rollups", str(rollup_file)]
    rows = []
    for count in args.viewers:
        with serving(*source, env={"ORG_ANALYTICS_NOW": NOW + "Z"}) as url:
            time.sleep(15)  # the preheated kernels
            with viewers(url, count, MONTH) as group:
                times, month = [], MONTH
                for _ in range(args.switches):
                    month = shift_month(month, -1)
                    results = group.previous(month)
                    assert all(r["status"] == "ready" for r in results), results
                    times += [r["ms"] / 1000 for r in results]
                errors = len(group.errors)
        rows.append(
            f"| {count} | {statistics.median(times):.2f} | {p95(times):.2f} | {max(times):.2f} | "
            f"{sum(t < 1 for t in times) / len(times):.0%} | {errors} |"
        )
        print(rows[-1], file=sys.stderr)
    read = "rollups" if args.rollups else "the raw tables"
    title = f"viewers at once ({args.items:,} items from {read}, from {MONTH}, {args.switches} switches each)"
    columns = ["viewers", "switch median s", "p95 s", "max s", "switches under 1 s", "page errors"]
    write_results("RESULTS-viewers.md", title, columns, rows)


if __name__ == "__main__":
    main()
