"""How many viewers at once the machine holds: N headless viewers of one `org-analytics serve`
switch months together; each page times its own switch (click -> month shown).

    python benchmarks/bench_viewers.py [--items 1000000] [--viewers 1 2 4 8] [--rollups] [--checkout PATH]
    python benchmarks/bench_viewers.py --items 100000000 --rollups --compare /tmp/oa-base   # 8 viewers

The server is bench_dashboard's (``served``: the checkout's own code, an empty month cache, the
preheated kernels ready); with --rollups it reads benchmarks/data/demo-<N>.rollups.duckdb (built
first if missing). For each number of viewers, two servers: on the first the N pages are asked for
at the same moment (how many show the month within 180 s, and when the last did); on the second
they are opened one after another, the server settles, then every viewer clicks "previous month"
at once, --switches times (months not seen yet by that server). Also counted: the pages' uncaught
errors, the second server's kernels and their RSS after the switches.

With --compare BASELINE the baseline checkout and this one (or --checkout) are served in turn,
--rounds times each (alternating which goes first), and benchmarks/RESULTS-viewers.md gets one row
per metric: target, baseline, now and now/baseline. Without it, one row per number of viewers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_dashboard import REPO, checkout_label, error_kinds, load_average, served, settle  # noqa: E402
from bench_report import MONTH, write_results  # noqa: E402
from browser import browser_page, kernel_pids, rss_mb  # noqa: E402
from viewers import Viewers, p95  # noqa: E402

from org_analytics_widgets.period import shift_month  # noqa: E402


def open_at_once(checkout: Path, items: int, rollups: bool, count: int, timeout: float = 180) -> dict:
    """``count`` pages of a fresh server of ``checkout`` asked for at the same moment: how many
    show the month within ``timeout`` s, and when the last of them did (None if one never did)."""
    selector = f'.oa-status-box [data-status=ready][data-month="{MONTH}"]'
    with served(checkout, items, rollups) as url, browser_page() as first:
        pages, errors, ready = [], [], {}
        started = time.monotonic()
        for _ in range(count):
            page = first.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{url}/?month={MONTH}", wait_until="commit")
            pages.append(page)
        while len(ready) < count and time.monotonic() - started < timeout:
            for n, page in enumerate(pages):
                if n not in ready and page.locator(selector).count():
                    ready[n] = time.monotonic() - started
            time.sleep(0.5)
        stuck = [  # what a page that is not ready shows instead
            page.evaluate(
                "() => `readyState ${document.readyState}, ${document.body.innerText.length} characters of text`"
            )
            for n, page in enumerate(pages)
            if n not in ready
        ]
    return {
        "opened": len(ready),
        "all_open": max(ready.values()) if len(ready) == count else None,
        "open_errors": errors,
        "stuck": stuck,
    }


def measure(checkout: Path, items: int, rollups: bool, count: int, switches: int) -> dict:
    """``count`` viewers of ``checkout``: first all asked for at once (``open_at_once``), then, on
    another server, opened one after another and switching months together: their switch times (s),
    errors, the kernels and their RSS."""
    load = [load_average()]
    out = open_at_once(checkout, items, rollups, count)
    with served(checkout, items, rollups) as url, browser_page() as first:
        groups = [Viewers(first.context.browser, url, 1, MONTH) for _ in range(count)]  # each ready before the next
        group = groups[0]
        group.pages = [page for g in groups for page in g.pages]
        times, month = [], MONTH
        for _ in range(switches):
            settle(url.pid, url.idle + count)
            month = shift_month(month, -1)
            results = group.previous(month)
            assert all(r["status"] == "ready" for r in results), results
            times += [r["ms"] / 1000 for r in results]
        kernels = kernel_pids(url.pid)
        rss = [rss_mb(pid) for pid in kernels]
        load.append(load_average())
        errors = [e for g in groups for e in g.errors]
    return {**out, "times": times, "errors": errors, "kernels": len(kernels), "rss": rss, "load": load}


def merged(runs: list[dict]) -> dict:
    """Several runs as one: times and errors pooled, kernels and RSS the worst run's."""
    return {
        "times": [t for run in runs for t in run["times"]],
        "errors": [e for run in runs for e in run["errors"] + run["open_errors"]],
        "opened": [run["opened"] for run in runs],
        "stuck": [state for run in runs for state in run["stuck"]],
        "all_open": None if any(run["all_open"] is None for run in runs) else max(run["all_open"] for run in runs),
        "kernels": max(run["kernels"] for run in runs),
        "rss": max((run["rss"] for run in runs), key=sum),
        "load": [v for run in runs for v in run["load"]],
    }


def seconds(value: float) -> str:
    return f"{value:.2f} s"


# (label, target, the number from a run's measurements, how to print it)
METRICS = [
    (
        "pages ready, all asked for at once (within 180 s; each round)",
        "all",
        lambda m: ", ".join(map(str, m["opened"])),
        str,
    ),
    (
        "time until the last of them was ready",
        "–",
        lambda m: m["all_open"],
        lambda v: "never (see pages ready)" if v is None else seconds(v),
    ),
    ("month switch, median", "≤ 1 s", lambda m: statistics.median(m["times"]), seconds),
    ("month switch, p95", "–", lambda m: p95(m["times"]), seconds),
    ("month switch, max", "–", lambda m: max(m["times"]), seconds),
    ("switches under 1 s", "–", lambda m: sum(t < 1 for t in m["times"]) / len(m["times"]), "{:.0%}".format),
    ("page errors", "0", lambda m: len(m["errors"]), str),
    ("kernels after the switches", "–", lambda m: m["kernels"], str),
    ("largest kernel RSS, MB", "≤ 500 MB", lambda m: max(m["rss"]), "{:.0f} MB".format),
    ("all kernels' RSS, MB", "–", lambda m: sum(m["rss"]), "{:.0f} MB".format),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--viewers", type=int, nargs="+", help="default: 1 2 4 8, with --compare 8")
    parser.add_argument("--switches", type=int, default=3)
    parser.add_argument("--rollups", action="store_true", help="serve from the warehouse's rollups")
    parser.add_argument("--checkout", type=Path, default=REPO, help="the app to serve (default: this repository)")
    parser.add_argument("--compare", type=Path, metavar="BASELINE", help="a checkout to measure in turn with it")
    parser.add_argument("--rounds", type=int, help="servers per checkout and count (default: 2 with --compare, else 1)")
    args = parser.parse_args()
    now = args.checkout.resolve()
    checkouts = [args.compare.resolve(), now] if args.compare else [now]
    counts = args.viewers or ([8] if args.compare else [1, 2, 4, 8])
    rounds = args.rounds or (2 if args.compare else 1)
    runs: dict[tuple[Path, int], list[dict]] = {}
    for count in counts:
        for r in range(rounds):
            for checkout in checkouts if r % 2 == 0 else checkouts[::-1]:
                started = time.perf_counter()
                run = measure(checkout, args.items, args.rollups, count, args.switches)
                runs.setdefault((checkout, count), []).append(run)
                took = time.perf_counter() - started
                print(f"{checkout}, {count} viewers, round {r + 1} ({took:.0f} s): {json.dumps(run)}", file=sys.stderr)
    read = "rollups" if args.rollups else "the raw tables"
    scope = f"{args.items:,} items from {read}, from {MONTH}, {args.switches} switches each"
    if not args.compare:
        columns = ["viewers", *(label for label, *_ in METRICS)]
        rows = []
        for count in counts:
            m = merged(runs[now, count])
            rows.append(f"| {count} | " + " | ".join(show(value(m)) for _, _, value, show in METRICS) + " |")
        write_results("RESULTS-viewers.md", f"viewers at once ({scope})", columns, rows)
        return
    base_label, now_label = checkout_label(checkouts[0]), checkout_label(now)
    columns = ["viewers", "metric", "target", f"baseline ({base_label})", f"now ({now_label})", "ratio now/baseline"]
    rows, notes = [], []
    load = [v for group in runs.values() for run in group for v in run["load"]]
    for count in counts:
        base, new = merged(runs[checkouts[0], count]), merged(runs[now, count])
        for label, target, value, show in METRICS:
            b, n = value(base), value(new)
            ratio = f"{n / b:.2f}×" if b and n is not None and show is not str else "–"  # counts have none
            rows.append(f"| {count} | {label} | {target} | {show(b)} | {show(n)} | {ratio} |")
        for name, m in ((base_label, base), (now_label, new)):
            notes += [f"- {name}, {count} viewers: page error ×{n}: {text}" for text, n in error_kinds(m["errors"])]
            notes += [
                f"- {name}, {count} viewers asked for at once: page not ready after 180 s ×{n}: {text}"
                for text, n in Counter(m["stuck"]).most_common()
            ]
    rows += [
        "",
        f"{rounds} round(s) per checkout and number of viewers, served in turn; each round: one server where "
        "the pages are asked for at once, one where they are opened one after another and then switch months "
        "together. Each server starts with an empty month cache and settles (its kernels idle) before every "
        "switch. Switch times are pooled over the viewers and rounds; the time until the last page was ready, "
        "kernels and RSS are the worst round's. The machine's load average "
        f"(1 min, 2 cores) at the start and end of the servers: {min(load):.1f} to {max(load):.1f}.",
        *(["", "Page errors and pages that were not ready:", *notes] if notes else []),
    ]
    write_results("RESULTS-viewers.md", f"viewers: {base_label} vs {now_label} ({scope})", columns, rows)


if __name__ == "__main__":
    main()
