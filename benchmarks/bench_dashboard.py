"""Dashboard benchmark in a real browser: first full render, month switches, kernel memory.

    python benchmarks/bench_dashboard.py [--items 10000000]

Serves the demo warehouse of that size (benchmarks/data/, built by bench_report.py's generator)
with `org-analytics serve`, opens it in headless Chromium, and measures: page request -> every
KPI card filled (status ready); click "previous month" -> every widget updated, five times, then
"next month" back through the same (cached) months; the kernel's RSS after each switch. Writes benchmarks/RESULTS-dashboard.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_report import MONTH, NOW, ensure_warehouse  # noqa: E402
from browser import browser_page, kernel_pids, rss_mb, serving, wait_ready  # noqa: E402

from org_analytics_widgets.period import shift_month  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--switches", type=int, default=5)
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds to let Voilà preheat its kernels before the first viewer"
    )
    args = parser.parse_args()
    path = ensure_warehouse(args.items)
    rows = []
    with serving("--warehouse", f"duckdb://{path}", env={"ORG_ANALYTICS_NOW": NOW + "Z"}) as url:
        time.sleep(args.warmup)
        with browser_page(1280, 900) as page:
            renders = []
            for _ in range(2):  # a first viewer, then a second one (served from the refilled pool)
                started = time.perf_counter()
                page.goto(f"{url}/?month={MONTH}")
                wait_ready(page, MONTH)
                renders.append(time.perf_counter() - started)
                time.sleep(args.warmup)
            first = renders[0]
            kernel = max(kernel_pids(url.pid), key=rss_mb)  # the one serving this page holds the data
            memory = [rss_mb(kernel)]
            switches = []
            month = MONTH
            for _ in range(args.switches):
                month = shift_month(month, -1)
                started = time.perf_counter()
                page.click("button.oa-month-previous")
                wait_ready(page, month)
                switches.append(time.perf_counter() - started)
                memory.append(rss_mb(kernel))
            cached = []  # back through the same closed months: served from the dashboard's cache
            for _ in range(args.switches):
                month = shift_month(month, 1)
                started = time.perf_counter()
                page.click("button.oa-month-next")
                wait_ready(page, month)
                cached.append(time.perf_counter() - started)
    rows.append(
        f"| {args.items:,} | {first:.2f} / {renders[1]:.2f} | {statistics.median(switches):.2f} | {max(switches):.2f} | "
        f"{statistics.median(cached):.2f} | "
        f"{' → '.join(f'{m:.0f}' for m in memory)} |"
    )
    table = "\n".join(
        [
            "| items | first full render s (1st / 2nd viewer) | month switch median s | month switch max s | "
            "switch back to a seen month median s | kernel RSS MB after each switch |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    (HERE / "RESULTS-dashboard.md").write_text(f"# dashboard benchmark (from {MONTH}, UTC)\n\n{table}\n")


if __name__ == "__main__":
    main()
