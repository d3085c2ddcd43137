"""Backtest of the month-end forecast (issue 15, item 1) on the demo warehouse's past months.

    python benchmarks/bench_forecast.py                  # 1M items (benchmarks/data/demo-1000000.duckdb)
    python benchmarks/bench_forecast.py --items 300000

For every closed month of the demo (seed 42, "now" 2026-11-25T12:00 as the other benchmarks) with 4
weeks of usage before its 8th day, the engine is asked for the forecast "as of" the end of day 7,
14 and 21 (``Engine(now=<local midnight after that day>).forecast(month)``: the same code as the
page, from the raw tables) and the forecast is compared with what the month really cost. The
error is the absolute percentage error; the table gives its median (MdAPE) over the months, for
the organisation's total and for each project that spent at least 1 % of the month, the share of
months whose real cost fell inside the 80 % range, and, for comparison, the error of a plain
run rate (spent so far / days so far x days in the month). Writes benchmarks/RESULTS-forecast.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_report import NOW, ensure_warehouse  # noqa: E402

DAYS = (7, 14, 21)
ZONE = "UTC"
MIN_SHARE = 0.01  # projects under 1 % of the month's cost are left out of the per-project error


def months_to_test(first: str, last: str) -> list[str]:
    """The closed months after the demo's first (which has no 4 weeks before its 8th day)."""
    from org_analytics_widgets.period import shift_month

    out, month = [], shift_month(first, 1)
    while month < last:
        out.append(month)
        month = shift_month(month, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()

    from data_connectors import connect
    from org_analytics_widgets.engine import Engine
    from org_analytics_widgets.period import Period, current_month

    path = ensure_warehouse(args.items)
    wh = connect(f"duckdb:///{path}")
    today = Engine(wh, None, ZONE, NOW, cache=False)
    months = months_to_test(today.first_month(), current_month(ZONE, NOW))
    rows = {day: {"total": [], "run_rate": [], "projects": [], "inside": [], "inside_projects": []} for day in DAYS}
    seconds = []
    started = time.perf_counter()
    for month in months:
        whole = today.snapshot(month)
        actual_total = whole.kpis["total_cost"]
        actual = dict(zip(whole.projects["project_id"], whole.projects["cost"]))
        n_days = len(whole.period.days)
        for day in DAYS:
            cut = Period.for_month(month, ZONE, NOW).start + timedelta(days=day)
            engine = Engine(wh, None, ZONE, cut.isoformat(), cache=False)
            t0 = time.perf_counter()
            forecast = engine.forecast(month)
            seconds.append(time.perf_counter() - t0)
            total = forecast.total
            r = rows[day]
            r["total"].append(abs(total.forecast - actual_total) / actual_total)
            r["run_rate"].append(abs(total.month_to_date / day * n_days - actual_total) / actual_total)
            r["inside"].append(total.low <= actual_total <= total.high)
            for p in forecast.projects.to_dict("records"):
                real = actual.get(p["project_id"], 0.0)
                if real >= MIN_SHARE * actual_total and p["forecast"] is not None:
                    r["projects"].append(abs(p["forecast"] - real) / real)
                    r["inside_projects"].append(p["low"] <= real <= p["high"])
    elapsed = time.perf_counter() - started
    wh.close()

    def pct(values) -> str:
        return f"{statistics.median(values) * 100:.1f} %"

    def share(flags) -> str:
        return f"{sum(flags) / len(flags) * 100:.0f} %"

    lines = [
        "# Month-end forecast backtest",
        "",
        f"Demo warehouse, {args.items:,} items (seed 42, now {NOW}), zone {ZONE}; {len(months)} closed months "
        f"({months[0]} .. {months[-1]}), forecast as of the end of day 7, 14 and 21 by `Engine.forecast` (raw "
        "tables), compared with the month's real cost. MdAPE: median absolute percentage error over the months "
        f"(projects: every project with at least {MIN_SHARE:.0%} of the month's cost, pooled). Run rate: spent "
        "so far / days so far x days in the month.",
        "",
        "| as of | total MdAPE | total MdAPE, run rate | project MdAPE | 80 % range holds the real total | "
        "80 % range holds the project's | forecasts |",
        "|---|---|---|---|---|---|---|",
    ]
    for day in DAYS:
        r = rows[day]
        lines.append(
            f"| day {day} | {pct(r['total'])} | {pct(r['run_rate'])} | {pct(r['projects'])} | {share(r['inside'])} | "
            f"{share(r['inside_projects'])} | {len(r['total'])} months, {len(r['projects'])} project-months |"
        )
    lines += [
        "",
        f"Backtest time: {elapsed:.1f} s in all ({len(seconds)} forecasts, each with its month so far from the raw "
        f"tables: median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms), "
        f"measured {datetime.now():%Y-%m-%d} on a 2-core machine shared with other work.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "RESULTS-forecast.md").write_text(text)


if __name__ == "__main__":
    main()
