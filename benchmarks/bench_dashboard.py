"""Dashboard benchmark in a real browser, one viewer: first render, month switches, the agent view,
the legend, kernel memory; optionally the same on another checkout of the app, side by side.

    python benchmarks/bench_dashboard.py [--items 10000000] [--rollups] [--checkout PATH]
    python benchmarks/bench_dashboard.py --items 100000000 --rollups --compare /tmp/oa-base

Serves the demo warehouse of that size (benchmarks/data/demo-N.duckdb, built by bench_report's
generator; with --rollups also demo-N.rollups.duckdb, built first if missing) with the checkout's own
`org-analytics serve` (its folder is the server's working directory and PYTHONPATH, so the server and
its kernels import that checkout's package), opens it in headless Chromium and measures:

* first render: page request -> every KPI card filled (status ready), of `/` (the current month) and
  of a link `/?month=M`, each --loads times; before each load the page is left (its kernel is shut
  down) and the server is given time to refill its preheated kernel pool: the number of kernels is
  back to its idle value and none of them uses the CPU (``settle``);
* legend toggle: click a service type in the cost overview's legend -> the number of bars changes
  (clicked again: back), --toggles pairs;
* month switch: click "previous month" -> every widget updated (status ready for that month),
  --switches months not seen yet by this server (computed), then "next month" back through them
  (seen); the serving kernel's RSS after each of those 2 x --switches switches;
* agent view and back: click the n-th agent of the top agents table -> the agent's view ready, then
  its back link -> the dashboard ready again, --agents round trips (a different agent each time).
  The app of 216db75 loads a new page (agent_analytics.ipynb) for each; today's shows it in place.

Each server starts with an empty month cache (the rollups are copied into a scratch folder, so the
cache the app keeps beside them starts there), and the server and its kernels settle before every
measured action. With --compare BASELINE the baseline checkout and this one (or --checkout) are
served in turn, --rounds times (alternating which goes first), and benchmarks/RESULTS-dashboard.md
gets one row per metric: target, baseline, now and now/baseline. Without it, one row of one
checkout's numbers (its first columns are the ones bench_all.py reads).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from bench_report import MONTH, NOW, ensure_warehouse, write_results  # noqa: E402
from browser import browser_page, kernel_pids, rss_mb, serving, wait_ready  # noqa: E402
from viewers import p95  # noqa: E402

from org_analytics_widgets.period import shift_month  # noqa: E402

CURRENT = NOW[:7]  # the month `/` opens (ORG_ANALYTICS_NOW is in it)
TICK = os.sysconf("SC_CLK_TCK")
MAX_KERNELS = 16  # live kernels a served checkout may hold: 8 viewers and the preheated pool
BARS = ".oa-cost-overview rect.bar"
AGENT_READY = ".oa-agent-page .oa-status-box [data-status=ready]:not([data-bench-old])"


# -- the server of a checkout ---------------------------------------------------------------------
def checkout_label(checkout: Path) -> str:
    """The checkout's commit (short), with ``+changes`` when its app files differ from it."""
    git = ["git", "-C", str(checkout)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "org_analytics_widgets", "data_connectors"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (commit or checkout.name) + (" +changes" if dirty else "")


def checkout_env(checkout: Path) -> dict:
    """The environment that makes Python import ``checkout``'s package (checked here, in a folder
    that is not the checkout, as a kernel runs in the server's runtime folder)."""
    env = {
        "ORG_ANALYTICS_NOW": NOW + "Z",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(checkout), os.environ.get("PYTHONPATH")])),
    }
    probe = (
        "import org_analytics_widgets, data_connectors; print(org_analytics_widgets.__file__, data_connectors.__file__)"
    )
    with tempfile.TemporaryDirectory() as elsewhere:
        out = subprocess.run(
            [sys.executable, "-c", probe], env={**os.environ, **env}, cwd=elsewhere, capture_output=True, text=True
        )
    files = out.stdout.split()
    if out.returncode or not all(Path(f).resolve().is_relative_to(checkout) for f in files):
        raise SystemExit(f"the package does not come from {checkout}: {out.stdout}{out.stderr}")
    return env


def rollups_of(warehouse: Path, checkout: Path = REPO) -> Path:
    """demo-N.rollups-f<format>.duckdb beside the warehouse, in the rollups format of ``checkout``
    (a baseline may read an older one), built by that checkout's CLI if missing."""
    found = re.search(r"^FORMAT = (\d+)", (checkout / "org_analytics_widgets" / "rollups.py").read_text(), re.M)
    rollups = warehouse.with_name(f"{warehouse.stem}.rollups-f{found.group(1) if found else 1}.duckdb")
    if not rollups.exists():
        if rollups.with_name(rollups.name + ".building").exists():
            raise SystemExit(f"{rollups.name} is being built (a .building file is there): wait for it")
        subprocess.run(
            [sys.executable, "-m", "org_analytics_widgets", "rollup", "--warehouse", f"duckdb://{warehouse}"]
            + ["--out", str(rollups)],
            check=True,
            cwd=checkout,
            env={**os.environ, **checkout_env(checkout)},
        )
    return rollups


@contextlib.contextmanager
def served(checkout: Path, items: int, rollups: bool, timeout: float = 180):
    """``org-analytics serve`` of ``checkout`` over the demo warehouse of ``items`` (and its rollups,
    copied so that the month cache beside them starts empty); yields the URL once the preheated
    kernels are ready, with ``url.idle`` = their number."""
    env = checkout_env(checkout)
    warehouse = ensure_warehouse(items)
    with tempfile.TemporaryDirectory(prefix="oa-bench-") as scratch, contextlib.ExitStack() as stack:
        source = ["--warehouse", f"duckdb://{warehouse}"]
        if "--max-kernels" in (checkout / "org_analytics_widgets" / "cli.py").read_text():
            source += ["--max-kernels", str(MAX_KERNELS)]  # its default cap (2 x cores + 2) refuses an 8th viewer
        if rollups:
            built = rollups_of(warehouse, checkout)
            copy = Path(scratch) / built.name
            shutil.copyfile(built, copy)
            source += ["--rollups", str(copy)]
        with contextlib.chdir(checkout):  # `python -m` imports from the working directory first
            url = stack.enter_context(serving(*source, env=env, timeout=timeout))
        url.idle = settle(url.pid, windows=4)
        for pid in kernel_pids(url.pid):
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert f"PYTHONPATH={env['PYTHONPATH']}".encode() in environ, f"kernel {pid} lacks the checkout's path"
        yield url


def load_average() -> float:
    """The machine's 1-minute load average (other work on it makes every time longer)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def settle(server: int, kernels: int | None = None, windows: int = 2, window: float = 0.5, timeout: float = 300) -> int:
    """Wait until the server has at most ``kernels`` kernels (any number when None) and it and they
    have been idle (under 5% of a core in all) for ``windows`` consecutive windows of ``window`` s,
    the same kernels throughout: Voilà's pool is refilled and preheated, the last action is over. (A
    preheating kernel starved by other work on the machine can look idle for a window or two.)
    Returns the number of kernels (a warning, not a failure, after ``timeout``)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while True:
        pids = sorted(kernel_pids(server))
        used = sum(map(cpu_seconds, [server, *pids]))
        time.sleep(window)
        now = sorted(kernel_pids(server))
        idle = now == pids and sum(map(cpu_seconds, [server, *now])) - used < 0.05 * window
        quiet = quiet + 1 if idle and now and (kernels is None or len(now) <= kernels) else 0
        if quiet >= windows:
            return len(now)
        if time.monotonic() > deadline:
            print(f"warning: {len(now)} kernels (wanted {kernels}) still busy after {timeout} s", file=sys.stderr)
            return len(now)


# -- the measurements -----------------------------------------------------------------------------
def timed(action, wait) -> float:
    started = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - started


def dashboard_shown(page, month: str) -> None:
    """The dashboard is the view on screen, ready for ``month`` (after the agent's view)."""
    page.wait_for_selector(".oa-agent-page", state="hidden")
    wait_ready(page, month)
    page.wait_for_selector(".oa-cost-overview", state="visible")


def bar_count(page) -> int:
    return page.eval_on_selector_all(BARS, "els => els.length")


def measure(checkout: Path, items: int, rollups: bool, loads: int, switches: int, agents: int, toggles: int) -> dict:
    """One server of ``checkout``, one viewer: every measurement (seconds; RSS in MB)."""
    out: dict = {k: [] for k in ("render_root", "render_link", "legend", "switch_new", "switch_seen")}
    out.update(agent_open=[], agent_back=[], rss=[], page_errors=[], console_errors=[], load=[load_average()])
    with served(checkout, items, rollups) as url, browser_page(1280, 900) as page:
        out["kernels_idle"] = url.idle
        page.on("pageerror", lambda exc: out["page_errors"].append(str(exc)))
        page.on(
            "console",
            lambda msg: msg.type == "error" and out["console_errors"].append(f"{msg.text} ({msg.location.get('url')})"),
        )

        def load(query: str, month: str) -> float:
            page.goto("about:blank")  # leaving the page shuts its kernel down
            settle(url.pid, url.idle, windows=4)
            return timed(lambda: page.goto(f"{url}/{query}"), lambda: wait_ready(page, month))

        for _ in range(loads):
            out["render_root"].append(load("", CURRENT))
            out["render_link"].append(load(f"?month={MONTH}", MONTH))
        # the page of MONTH is open: one more kernel than the idle pool
        if page.locator(".oa-browser").count():  # today's app: links work in place once its script ran
            page.wait_for_selector(".oa-browser[data-ready]", state="attached")
        busy = url.idle + 1

        page.wait_for_function("s => document.querySelectorAll(s).length > 0", arg=BARS)
        legend = page.locator(".oa-cost-overview .oa-legend-item").first
        legend.scroll_into_view_if_needed()
        for _ in range(2 * toggles):  # hide, show, ...
            settle(url.pid, busy)
            before = bar_count(page)
            out["legend"].append(
                timed(
                    legend.click,
                    lambda n=before: page.wait_for_function(
                        "([s, n]) => { const k = document.querySelectorAll(s).length; return k > 0 && k !== n; }",
                        arg=[BARS, n],
                    ),
                )
            )

        month, serving_kernel = MONTH, None
        for step, key in [(-1, "switch_new")] * switches + [(1, "switch_seen")] * switches:
            month = shift_month(month, step)
            button = page.locator("button.oa-month-previous" if step < 0 else "button.oa-month-next")
            button.scroll_into_view_if_needed()
            settle(url.pid, busy)
            used = {pid: cpu_seconds(pid) for pid in kernel_pids(url.pid)}
            out[key].append(timed(button.click, lambda m=month: wait_ready(page, m)))
            if serving_kernel is None:  # the kernel that did the switch
                serving_kernel = max(used, key=lambda pid: cpu_seconds(pid) - used[pid])
            out["rss"].append(rss_mb(serving_kernel))

        for n in range(agents):
            settle(url.pid, busy)
            link = page.locator(".oa-agent-row a.oa-agent-link").nth(n)
            link.scroll_into_view_if_needed()
            page.evaluate(
                "() => document.querySelectorAll('.oa-agent-page .oa-status-box [data-status]')"
                ".forEach(e => e.setAttribute('data-bench-old', ''))"
            )

            def agent_shown():
                page.wait_for_selector(AGENT_READY, state="attached")
                page.wait_for_selector(".oa-agent-page", state="visible")

            agent_id = link.evaluate("a => a.closest('.oa-agent-row').dataset.agentId")
            out["agent_open"].append(timed(link.click, agent_shown))
            page.wait_for_function(  # the address bar follows the view just after it is drawn
                "id => (location.search + '&').includes('=' + encodeURIComponent(id) + '&')",
                arg=agent_id,
                timeout=10_000,
            )
            settle(url.pid, busy)
            back = page.locator("a.oa-back-link").first
            out["agent_back"].append(timed(back.click, lambda: dashboard_shown(page, MONTH)))
    out["load"].append(load_average())
    return out


# -- the tables -----------------------------------------------------------------------------------
def p50(values: list[float]) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


# (label, target, the number from a run's measurements, how to print it)
METRICS = [
    (f"first render of `/` ({CURRENT}, the current month), p50", "≤ 1.5 s", lambda m: p50(m["render_root"]), seconds),
    (f"first render of a link `/?month={MONTH}`, p50", "≤ 1.5 s", lambda m: p50(m["render_link"]), seconds),
    ("month switch to a month not seen yet, p50", "≤ 300 ms", lambda m: p50(m["switch_new"]), seconds),
    ("month switch to a month not seen yet, p95", "–", lambda m: p95(m["switch_new"]), seconds),
    ("month switch back to a seen month, p50", "≤ 300 ms", lambda m: p50(m["switch_seen"]), seconds),
    ("agent view (click an agent -> its view ready), p50", "≤ 500 ms", lambda m: p50(m["agent_open"]), seconds),
    ("back to the dashboard (-> ready, agent view hidden), p50", "≤ 500 ms", lambda m: p50(m["agent_back"]), seconds),
    ("legend toggle (click -> bars redrawn), p50", "≤ 150 ms", lambda m: p50(m["legend"]), seconds),
    ("serving kernel RSS after the last switch, MB", "≤ 500 MB", lambda m: m["rss"][-1], lambda v: f"{v:.0f} MB"),
    ("page errors (uncaught, in the browser)", "0", lambda m: len(m["page_errors"]), str),
    ("console errors (in the browser)", "–", lambda m: len(m["console_errors"]), str),
    ("kernels when idle (the preheated pool)", "–", lambda m: m["kernels_idle"], str),
]


def error_kinds(errors: list[str], most: int = 5) -> list[tuple[str, int]]:
    """The ``most`` commonest errors, told apart by their words (numbers and ports are ``N``)."""
    kinds = Counter(re.sub(r"\b\d+(\.\d+)*\b", "N", error) for error in errors)
    return kinds.most_common(most)


def merged(runs: list[dict]) -> dict:
    """Several runs of one checkout as one: samples pooled, RSS the worst run's, kernels the last."""
    out = {key: [v for run in runs for v in run[key]] for key in runs[0] if isinstance(runs[0][key], list)}
    out["rss"] = max((run["rss"] for run in runs), key=lambda rss: rss[-1])
    out["kernels_idle"] = runs[-1]["kernels_idle"]
    return out


def single_table(items: int, m: dict) -> tuple[list[str], list[str]]:
    """One checkout: one row (the first columns are the ones bench_all.parse_dashboard reads)."""
    columns = [
        "items",
        "first full render s (1st / 2nd viewer)",
        "month switch median s",
        "month switch max s",
        "switch back to a seen month median s",
        "kernel RSS MB after each switch",
        *(label for label, *_ in METRICS),
    ]
    cells = [
        f"{items:,}",
        f"{m['render_link'][0]:.2f} / {m['render_link'][1 % len(m['render_link'])]:.2f}",
        f"{p50(m['switch_new']):.2f}",
        f"{max(m['switch_new']):.2f}",
        f"{p50(m['switch_seen']):.2f}",
        " → ".join(f"{v:.0f}" for v in m["rss"]),
        *(show(value(m)) for _, _, value, show in METRICS),
    ]
    return columns, ["| " + " | ".join(cells) + " |"]


def compare_table(base: dict, now: dict) -> list[str]:
    rows = []
    for label, target, value, show in METRICS:
        b, n = value(base), value(now)
        ratio = f"{n / b:.2f}×" if b and show is not str else "–"  # counts (errors, kernels) have none
        rows.append(f"| {label} | {target} | {show(b)} | {show(n)} | {ratio} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--rollups", action="store_true", help="serve from the warehouse's rollups")
    parser.add_argument("--checkout", type=Path, default=REPO, help="the app to serve (default: this repository)")
    parser.add_argument("--compare", type=Path, metavar="BASELINE", help="a checkout to measure in turn with it")
    parser.add_argument("--rounds", type=int, help="servers per checkout (default: 2 with --compare, else 1)")
    parser.add_argument("--loads", type=int, default=5, help="page loads per URL for the first render")
    parser.add_argument("--switches", type=int, default=10, help="months back, then as many forth")
    parser.add_argument("--agents", type=int, default=5, help="agent view round trips")
    parser.add_argument("--toggles", type=int, default=5, help="legend hide + show pairs")
    args = parser.parse_args()
    now = args.checkout.resolve()
    checkouts = [args.compare.resolve(), now] if args.compare else [now]
    rounds = args.rounds or (2 if args.compare else 1)
    runs: dict[Path, list[dict]] = {c: [] for c in checkouts}
    for r in range(rounds):
        for checkout in checkouts if r % 2 == 0 else checkouts[::-1]:
            started = time.perf_counter()
            run = measure(checkout, args.items, args.rollups, args.loads, args.switches, args.agents, args.toggles)
            runs[checkout].append(run)
            print(
                f"{checkout} round {r + 1} ({time.perf_counter() - started:.0f} s): {json.dumps(run)}", file=sys.stderr
            )
    read = "rollups" if args.rollups else "the raw tables"
    scope = f"{args.items:,} items from {read}, UTC, now {NOW}, one viewer, headless Chromium"
    if not args.compare:
        columns, rows = single_table(args.items, merged(runs[now]))
        write_results("RESULTS-dashboard.md", f"dashboard benchmark ({scope})", columns, rows)
        return
    base_label, now_label = checkout_label(checkouts[0]), checkout_label(now)
    columns = ["metric", "target", f"baseline ({base_label})", f"now ({now_label})", "ratio now/baseline"]
    base, new = merged(runs[checkouts[0]]), merged(runs[now])
    rows = compare_table(base, new)
    samples = (
        f"{rounds} server(s) per checkout, served in turn; each: {args.loads} loads of each URL, "
        f"{args.toggles} legend hide+show pairs, {args.switches} switches back + {args.switches} forth, "
        f"{args.agents} agent round trips (a different agent each)"
    )
    load = base["load"] + new["load"]
    rows += [
        "",
        f"{samples}. Every server starts with an empty month cache; the server and its kernels settle before "
        f"each action. The machine's load average (1 min, 2 cores) at the start and end of the servers: "
        f"{min(load):.1f} to {max(load):.1f}.",
    ]
    notes = [
        f"- {name}: {kind} ×{n}: {text}"
        for name, m in ((base_label, base), (now_label, new))
        for key, kind in (("page_errors", "page error"), ("console_errors", "console error"))
        for text, n in error_kinds(m[key])
    ]
    rows += ["", "Errors in the browser:", *notes] if notes else []
    write_results("RESULTS-dashboard.md", f"dashboard: {base_label} vs {now_label} ({scope})", columns, rows)


if __name__ == "__main__":
    main()
