"""The shared month cache: what a second viewer of a closed month gains over the first.

    python benchmarks/bench_cache.py [--items 1000000 10000000] [--rounds 3]

For each demo warehouse size, each round starts a fresh `org-analytics serve` (so a fresh, empty
cache in its runtime folder), then in headless Chromium:
- viewer 1 opens the closed month ``MONTH``: the page runs the month's facts in the warehouse;
- viewer 2 (another browser context, another kernel) opens the same month once the server's
  preheated kernel pool has refilled (``PAUSE`` seconds later: a second manager arriving, not a
  second tab at the same instant, which would wait for a cold kernel): served from the cache.
Each time is navigation start -> the page shows the month "ready". The kernel-side part is timed
too, in two fresh processes: ``Engine.month`` computing the month, then reading it from the cache.
Ratios are against viewer 1 / the computing process of the same round.

Writes benchmarks/RESULTS-cache.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_report import MONTH, NOW, ensure_warehouse, write_results
from browser import CHROMIUM_ARGS, chromium_path, serving, wait_ready  # noqa: E402

_KERNEL = """
import json, sys, time
from org_analytics_widgets.engine import Engine
started = time.perf_counter()
engine = Engine.open(sys.argv[1], timezone="UTC", now=sys.argv[2])
opened = time.perf_counter()
engine.month(sys.argv[3])
print(json.dumps({"open": opened - started, "month": time.perf_counter() - opened}))
"""


def kernel_times(url: str, cache: str) -> tuple[float, float]:
    """``Engine.month`` of MONTH in a fresh process: computed (empty cache), then from the cache."""
    env = {**os.environ, "ORG_ANALYTICS_CACHE_DIR": cache}
    out = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _KERNEL, url, NOW + "Z", MONTH], env=env, capture_output=True, text=True, check=True
        )
        out.append(json.loads(done.stdout)["month"])
    return out[0], out[1]


PAUSE = 20


def page_times(url: str) -> tuple[float, float]:
    """Seconds from navigation to the month shown, for viewer 1 then viewer 2 (fresh contexts)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for _ in range(2):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.set_default_timeout(300_000)
                started = time.perf_counter()
                page.goto(f"{url}/?month={MONTH}", wait_until="commit")
                wait_ready(page, MONTH)
                times.append(time.perf_counter() - started)
                context.close()
                time.sleep(PAUSE)
        finally:
            browser.close()
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for items in args.items:
        path = ensure_warehouse(items)
        url = f"duckdb://{path}"
        first, second, computed, cached = [], [], [], []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as cache:
                c, h = kernel_times(url, cache)
            computed.append(c)
            cached.append(h)
            with serving("--warehouse", url, env={"ORG_ANALYTICS_NOW": NOW + "Z"}) as served:
                time.sleep(10)  # the preheated kernels
                a, b = page_times(served)
            first.append(a)
            second.append(b)
        med = statistics.median
        rows.append(
            f"| {items:,} | {med(computed):.3f} | {med(cached):.3f} | {med(cached) / med(computed):.2f} | "
            f"{med(first):.2f} | {med(second):.2f} | {med(second) / med(first):.2f} |"
        )
        print(rows[-1], file=sys.stderr)
    columns = [
        "items",
        "kernel: month computed s",
        "kernel: month from the cache s",
        "ratio",
        "page: viewer 1 to ready s",
        "page: viewer 2 to ready s",
        "ratio",
    ]
    title = f"shared month cache: a closed month ({MONTH}, UTC), medians of {args.rounds} rounds"
    write_results("RESULTS-cache.md", title, columns, rows)


if __name__ == "__main__":
    main()
