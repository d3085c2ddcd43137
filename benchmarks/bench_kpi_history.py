"""A KPI's history (issue 15, item 8) in the kernel: what it costs a month switch, and itself.

    python benchmarks/bench_kpi_history.py --warehouse PATH [--rollups PATH] [--switches 6]

Opens the app (``App``, as a served page's kernel runs it) on the warehouse, inside an event loop,
with the page's top on screen, and switches to the previous month ``--switches`` times, twice:
with the KPI cards' sparklines, and with them switched off (no history drawn or read ahead). Per
switch it times the kernel's handling of the click (the month drawn: what the viewer waits for) and
counts the widget messages it sends and their bytes; then, after the viewer's pause, the same for
the sparklines' own drawing. Each run waits for the read-ahead between switches (as a viewer who
reads the month), so the switch itself is a drawing, as on the served page. Also: the history's
read cold (the 12 months before a month from the rollups, then from the raw tables), no cache.
Months are UTC, "now" is bench_report's NOW.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import comm  # noqa: E402

from bench_report import NOW  # noqa: E402
from org_analytics_widgets.engine import Engine  # noqa: E402
from org_analytics_widgets.engine import history as engine_history  # noqa: E402
from org_analytics_widgets.engine.cache import MonthCache  # noqa: E402
from org_analytics_widgets.pages import App  # noqa: E402
from org_analytics_widgets.pages.organization import Dashboard  # noqa: E402
from org_analytics_widgets.pages.read_ahead import IDLE_DELAY, ReadAhead  # noqa: E402
from org_analytics_widgets.period import shift_month  # noqa: E402

SENT: list[int] = []


def _count(self, msg_type, data=None, metadata=None, buffers=None, **keys) -> None:
    SENT.append(len(json.dumps(data, default=str)) + sum(len(memoryview(b)) for b in buffers or ()))


comm.DummyComm.publish_msg = _count  # every widget message, as the kernel would send it


DRAWN: list[float] = []  # ms of each drawing of the sparklines (the history asked, the cards drawn)
_render_history = Dashboard._render_history


def _timed_render_history(self) -> None:
    started = time.perf_counter()
    _render_history(self)
    DRAWN.append((time.perf_counter() - started) * 1000)


Dashboard._render_history = _timed_render_history


def without_history() -> None:
    """The page as it was before the sparklines: no history drawn, none read ahead."""
    Dashboard._history_now = lambda self, snapshot: None
    Dashboard._render_history = lambda self: None
    wanted = ReadAhead.wanted
    ReadAhead.wanted = lambda self: [(what, m) for what, m in wanted(self) if what != "history"]


async def idle(app, seconds: float = 60) -> None:
    """Until the page's idle work and read-ahead are done (nothing sent for a few idle delays)."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        before = len(SENT)
        await asyncio.sleep(IDLE_DELAY * 4)
        if len(SENT) == before and app.read_ahead._handle is None:
            return


async def run(args, cache_dir: Path) -> dict:
    engine = Engine.open(
        f"duckdb://{args.warehouse}", args.rollups, timezone="UTC", now=NOW, cache=MonthCache(cache_dir)
    )
    app = App(engine, "")
    app.browser.in_view = ["oa-more-charts"]  # a 1280 x 900 window: the top of the page
    await idle(app)
    out = {
        "switch_ms": [],
        "switch_messages": [],
        "switch_kb": [],
        "after_ms": [],
        "after_messages": [],
        "after_kb": [],
    }
    month = app.state.month
    for _ in range(args.switches):
        month = shift_month(month, -1)
        SENT.clear()
        started = time.perf_counter()
        app.browser._receive(app.browser, {"kind": "open", "query": f"month={month}"}, [])
        out["switch_ms"].append((time.perf_counter() - started) * 1000)
        out["switch_messages"].append(len(SENT))
        out["switch_kb"].append(sum(SENT) / 1024)
        assert app.state.status == "ready" and app.dashboard.snapshot.period.month == month
        SENT.clear()
        DRAWN.clear()
        await asyncio.sleep(IDLE_DELAY + 0.05)  # the first idle step: the sparklines
        out["after_ms"].append(sum(DRAWN))
        out["after_messages"].append(len(SENT))
        out["after_kb"].append(sum(SENT) / 1024)
        await idle(app)
    engine.close()
    return out


def cold_history(args, cache_dir: Path) -> dict:
    """The 12 months before the latest closed month, read with nothing in memory or cache (from the
    rollups three times, from the raw tables once), then the year of the month before (one month
    more to read)."""
    out = {}
    for name, rollups in (("rollups", args.rollups), ("raw", None)):
        if name == "rollups" and not rollups:
            continue
        engine = Engine.open(f"duckdb://{args.warehouse}", rollups, timezone="UTC", now=NOW, cache=False)
        period = engine.period(shift_month(engine.latest_month, -1))
        times = []
        for _ in range(3 if name == "rollups" else 1):  # a raw year is seconds to a minute
            engine.forget_months()
            started = time.perf_counter()
            engine_history.months_before(engine, period)
            times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        engine_history.months_before(engine, period.previous(engine.now))  # the year known: one month more
        out[f"{name}, one month more"] = [(time.perf_counter() - started) * 1000]
        out[name] = times
        engine.close()
    return out


def measure(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if args.measure == "without":
            without_history()
        result = asyncio.run(run(args, Path(tmp)))
        if args.measure == "with":
            result["cold_history_ms"] = cold_history(args, Path(tmp))
    return result


def p50(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--rollups")
    parser.add_argument("--switches", type=int, default=6)
    parser.add_argument("--measure", choices=("with", "without"), help="(internal) one run, as JSON")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args)))
        return
    runs = {}
    for kind in ("without", "with", "without", "with"):  # alternated: the machine's load drifts
        child = [sys.executable, __file__, "--warehouse", args.warehouse, "--switches", str(args.switches)]
        child += ["--rollups", args.rollups] if args.rollups else []
        found = json.loads(
            subprocess.run([*child, "--measure", kind], check=True, capture_output=True, text=True).stdout
        )
        for key, values in found.items():
            if isinstance(values, list):
                runs.setdefault(kind, {}).setdefault(key, []).extend(values)
            else:
                runs[kind][key] = values
    print("| per switch | without the sparklines | with them |\n|---|---|---|")
    for key, what in (
        ("switch_ms", "the click handled in the kernel, ms: p50 (min–max)"),
        ("switch_messages", "widget messages of the switch"),
        ("switch_kb", "their KB"),
        ("after_ms", "after the pause: the sparklines asked and drawn, ms"),
        ("after_messages", "after the pause: their messages"),
        ("after_kb", "after the pause: their KB"),
    ):
        print(f"| {what} | {p50(runs['without'][key])} | {p50(runs['with'][key])} |")
    print(f"\ncold read of the 12 months before a month, ms: {json.dumps(runs['with']['cold_history_ms'])}")


if __name__ == "__main__":
    main()
