"""Every benchmark in one table: SQL floor, `report`, a naive pandas baseline, the items table, the dashboard.

    python benchmarks/bench_all.py                                   # 1M and 10M items, browser included
    python benchmarks/bench_all.py --sizes 1000000 --skip-browser    # one size, no browser

For each demo warehouse (benchmarks/data/demo-<N>.duckdb, seed 42, generated once by bench_report's
generator) and month 2026-10 (UTC, "now" 2026-11-25T12:00:00), each measurement runs in a fresh child
process, so "cold" is the first run in that process and the peak RSS (VmHWM) is its own; "warm" is the
median of the next three runs:

1. the hand-written DuckDB SQL floor (benchmarks/floor.sql, bench_report's measurement);
2. `org-analytics report` through the Snapshot (bench_report's measurement);
3. a naive pandas baseline, as an analyst would write it in a notebook: the month's whole rows of
   usage_items and usage_requests loaded with `duckdb ... SELECT * ... .df()`, then every report
   section with pandas groupby. Its numbers are checked against the report's (the KPIs must be equal,
   every other section must agree to 1e-6) before anything is written. Not in the baseline:
   `cache_savings` (its reference by the contract's words is tests/test_properties.py's, on
   generated warehouses), and `integrity` and `forecast`, which are asked of the engine apart from
   the snapshot (`report.month_report`) and are not in the JSON compared here (`to_report`: the
   month 2026-10 is closed, so its forecast is null anyway);
4. the items table's first page (UsageTableController, 50 rows, no filter), and opening the items tab
   (count + total cost + first page + filter options);
5. rollups (`org-analytics rollup`, kept as benchmarks/data/demo-<N>.rollups.duckdb): a full build, a
   refresh with nothing new and a refresh after a day of new rows (a copy of the file with its
   watermark a day back: ``a_day_behind``), the build's CPU seconds too (on a shared machine,
   steadier than its wall time) and its ratio to one scan of the raw columns it reads (``SCAN_FLOOR``);
   the month switch from the local-day tier (the build's zone, UTC) and from the 15-minute tier (a
   copy whose days are said to be of another zone); the report from them (its JSON must be the raw report's, floats within 1e-9 relative: a float sum's last bits depend on the order it is added in); the dashboard in a
   process of its own switching months (20 switches from rollups, 5 from the raw tables, none from
   the month cache), timed to the status "ready", with its RSS after each;
6. the dashboard in headless Chromium (bench_dashboard's logic, in a child with its results file
   redirected to a temporary folder): first full render, month switch median, switch back to a
   seen month median (unless --skip-browser).

Times are also given as a ratio to the floor's warm time. The table goes to stdout and
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import bench_report  # noqa: E402
from bench_report import MONTH, NOW, _timed, ensure_warehouse  # noqa: E402
from reports import assert_same_report  # noqa: E402

TOP_PROJECTS = 6
TOP_AGENTS = 10
TOLERANCE = 1e-6


# -- the naive pandas baseline ------------------------------------------------------------------------
def _month_bounds(month: str) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(f"{month}-01")
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def _ratio(part, whole, scale: float = 1.0) -> float | None:
    return None if not whole else part * scale / whole


def _ratios(sums: dict) -> dict:
    """The contract's "Efficiency" ratios of one row of sums, with the sums."""
    return {
        **sums,
        "error_rate": _ratio(sums["failed_requests"], sums["requests"]),
        "cost_per_request": _ratio(sums["cost"], sums["requests"]),
        "cost_per_conversation": _ratio(sums["cost"], sums["conversations"]),
        "cost_per_1k_tokens": _ratio(sums["cost"], sums["tokens"], 1000.0),
    }


def naive_pandas(path: str, month: str = MONTH) -> dict:
    """Every report section with pandas, from the month's whole rows (the notebook way).

    The month is closed at "now" (2026-11-25), so the period is the whole calendar month, UTC.
    Returns the sections in the report's JSON shape (unrounded, unordered where order is not a rank).
    """
    import duckdb
    import pandas as pd

    start, end = _month_bounds(month)
    con = duckdb.connect(path, read_only=True)
    items = con.execute("SELECT * FROM usage_items WHERE created_at >= ? AND created_at < ?", [start, end]).df()
    requests = con.execute("SELECT * FROM usage_requests WHERE created_at >= ? AND created_at < ?", [start, end]).df()
    projects = con.execute("SELECT * FROM projects").df()
    agents = con.execute("SELECT * FROM agents").df()
    con.close()

    days = pd.date_range(start, end, freq="D", inclusive="left")
    items["cost"] = items["cost"].fillna(0.0)
    items["day"] = items["created_at"].dt.normalize()
    project_names = dict(zip(projects["project_id"], projects["name"]))

    def daily(frame: pd.DataFrame, keys: list[str], value: str, how: str = "sum") -> list[dict]:
        """A value per day for every key present in ``frame``, 0 on days without rows."""
        grouped = frame.groupby(["day", *keys])[value].agg(how)
        if keys:
            grouped = grouped.unstack(keys, fill_value=0).reindex(days, fill_value=0)
            grouped = grouped.stack(list(range(len(keys))), future_stack=True)
        else:
            grouped = grouped.reindex(days, fill_value=0)
        out = grouped.rename(value).reset_index()
        out = out.rename(columns={out.columns[0]: "date"})
        out["date"] = out["date"].dt.strftime("%Y-%m-%d")
        return out.to_dict("records")

    # KPIs (a failed request's tokens are not usage)
    failed = requests["status"] == "error"
    requests["tokens"] = (requests["input_tokens"].fillna(0) + requests["output_tokens"].fillna(0)).where(~failed, 0)
    requests["failed"] = failed.astype(int)
    tokens = requests["tokens"]
    existed = projects[
        (projects["created_at"] < end) & (projects["archived_at"].isna() | (projects["archived_at"] >= start))
    ]["project_id"]
    kpis = {
        "total_requests": len(requests),
        "total_tokens": int(tokens.sum()),
        "unique_models": int(items["model"].nunique()),
        "active_projects": int(requests["project_id"].nunique()),
        "total_projects": len(set(existed) | set(requests["project_id"].dropna())),
        "total_conversations": int(requests["conversation_id"].nunique()),
        "total_cost": float(items["cost"].sum()),
        "failed_requests": int(failed.sum()),
    }
    kpis["error_rate"] = _ratio(kpis["failed_requests"], kpis["total_requests"])

    # cost by service type, daily
    by_type = items.groupby("service_type")["cost"].sum().reset_index()
    by_type = by_type.sort_values(["cost", "service_type"], ascending=[False, True])
    cost_by_service_type = by_type.to_dict("records")
    daily_cost_by_service_type = daily(items, ["service_type"], "cost")

    # cost by project: top 6 + Others
    by_project = items.groupby("project_id")["cost"].sum().reset_index()
    by_project["name"] = by_project["project_id"].map(project_names).fillna(by_project["project_id"])
    by_project = by_project.sort_values(["cost", "name", "project_id"], ascending=[False, True, True])
    slices = by_project.head(TOP_PROJECTS)[["project_id", "name", "cost"]].to_dict("records")
    if len(by_project) > TOP_PROJECTS:
        slices.append(
            {"project_id": None, "name": "Others", "cost": float(by_project["cost"].iloc[TOP_PROJECTS:].sum())}
        )
    cost_by_project = {"total": float(items["cost"].sum()), "slices": slices}
    project_trends = daily(items, ["project_id"], "cost")

    # top agents
    agent_items = items[items["agent_id"].notna()]
    agent_requests = requests[requests["agent_id"].notna()]
    ranked = pd.concat(
        [
            agent_items.groupby("agent_id").agg(cost=("cost", "sum"), p_items=("project_id", "min")),
            agent_requests.groupby("agent_id").agg(
                requests=("request_id", "size"),
                conversations=("conversation_id", "nunique"),
                p_requests=("project_id", "min"),
                failed_requests=("failed", "sum"),
                tokens=("tokens", "sum"),
            ),
        ],
        axis=1,
    ).reset_index()
    counts = ["requests", "conversations", "failed_requests", "tokens"]
    ranked[["cost", *counts]] = ranked[["cost", *counts]].fillna(0)
    ranked = ranked.merge(agents.rename(columns={"project_id": "agent_project"}), on="agent_id", how="left")
    ranked["project_id"] = ranked["agent_project"].fillna(ranked[["p_items", "p_requests"]].min(axis=1))
    ranked["name"] = ranked["name"].fillna(ranked["agent_id"])
    ranked["project_name"] = ranked["project_id"].map(project_names).fillna(ranked["project_id"])
    ranked = ranked.sort_values(["cost", "name", "agent_id"], ascending=[False, True, True]).head(TOP_AGENTS)
    ranked[counts] = ranked[counts].astype(int)
    top_agents = [
        {**row, **_ratios(row)}
        for row in ranked[
            ["agent_id", "name", "project_id", "project_name", "conversations", "requests", "cost", *counts[2:]]
        ].to_dict("records")
    ]

    # cost by model (top 6 + Others; items naming no model: "No model"), cost per use
    by_model = items.groupby("model", dropna=False)["cost"].sum().reset_index()
    by_model["name"] = by_model["model"].fillna("No model")
    by_model["key"] = by_model["model"].fillna("")
    by_model = by_model.sort_values(["cost", "name", "key"], ascending=[False, True, True])
    model_slices = [
        {"model": None if pd.isna(m) else m, "name": n, "cost": c}
        for m, n, c in by_model[["model", "name", "cost"]].head(TOP_PROJECTS).itertuples(index=False)
    ]
    if len(by_model) > TOP_PROJECTS:
        rest = by_model["cost"].iloc[TOP_PROJECTS:]
        model_slices.append({"model": None, "name": "Others", "cost": float(rest.sum()), "models": len(rest)})
    per_project = pd.concat(
        [
            items.groupby("project_id")["cost"].sum(),
            requests.groupby("project_id").agg(
                requests=("request_id", "size"),
                failed_requests=("failed", "sum"),
                conversations=("conversation_id", "nunique"),
                tokens=("tokens", "sum"),
            ),
        ],
        axis=1,
    ).fillna(0)
    per_project = per_project.rename_axis("project_id").reset_index()
    per_project["name"] = per_project["project_id"].map(project_names).fillna(per_project["project_id"])
    per_project = per_project.sort_values(["cost", "name", "project_id"], ascending=[False, True, True])
    efficiency = {
        "organization": _ratios(
            {
                "cost": kpis["total_cost"],
                "requests": kpis["total_requests"],
                "failed_requests": kpis["failed_requests"],
                "conversations": kpis["total_conversations"],
                "tokens": kpis["total_tokens"],
            }
        ),
        "projects": [
            {**row, **_ratios(row)}
            for row in per_project[
                ["project_id", "name", "cost", "requests", "failed_requests", "conversations", "tokens"]
            ].to_dict("records")
        ],
    }

    # service-type cards
    service_types = []
    for row in cost_by_service_type:
        of_type = items[items["service_type"] == row["service_type"]]
        service_types.append(
            {
                "service_type": row["service_type"],
                "cost": row["cost"],
                "daily_cost_by_project": daily(of_type, ["project_id"], "cost"),
                "daily_requests": [
                    {"date": r["date"], "requests": int(r["request_id"])}
                    for r in daily(of_type, [], "request_id", "nunique")
                ],
                "daily_usage": daily(of_type, ["pricing_rule", "unit"], "quantity"),
            }
        )
    return {
        "kpis": kpis,
        "cost_by_service_type": cost_by_service_type,
        "daily_cost_by_service_type": daily_cost_by_service_type,
        "cost_by_project": cost_by_project,
        "project_trends": project_trends,
        "top_agents": top_agents,
        "service_types": service_types,
        "cost_by_model": {"total": kpis["total_cost"], "slices": model_slices},
        "efficiency": efficiency,
    }


def report_json(path: str, rollups: str | None = None) -> dict:
    from data_connectors import connect
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.report import to_report
    from org_analytics_widgets.rollups import open_rollups
    from org_analytics_widgets.engine import Engine

    wh = connect(f"duckdb://{path}")
    try:
        snapshot = Engine(wh, open_rollups(rollups) if rollups else None, cache=False).snapshot(
            Period.for_month(MONTH, "UTC", NOW)
        )
        return json.loads(json.dumps(to_report(snapshot)))
    finally:
        wh.close()


# -- checking the baseline against the report ---------------------------------------------------------
def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def _keyed(rows: list[dict], value: str) -> dict:
    return {tuple((k, v) for k, v in sorted(r.items()) if k != value): r[value] for r in rows}


def _same_series(a: list[dict], b: list[dict], value: str) -> bool:
    ka, kb = _keyed(a, value), _keyed(b, value)
    return ka.keys() == kb.keys() and all(_close(float(ka[k]), float(kb[k])) for k in ka)


def _same_ranked(a: list[dict], b: list[dict]) -> bool:
    return len(a) == len(b) and all(x.keys() == y.keys() and all(_close(x[k], y[k]) for k in x) for x, y in zip(a, b))


def compare(naive: dict, report: dict) -> list[str]:
    """Sections where the naive baseline disagrees with the report (the KPIs must be equal)."""
    bad = []
    for key, value in report["kpis"].items():
        mine = naive["kpis"][key]
        ok = _close(mine, value) if key in ("total_cost", "error_rate") else mine == value
        if not ok:
            bad.append(f"kpis.{key}: naive {mine!r} != report {value!r}")
    checks = {
        "cost_by_service_type": _same_ranked(naive["cost_by_service_type"], report["cost_by_service_type"]),
        "daily_cost_by_service_type": _same_series(
            naive["daily_cost_by_service_type"], report["daily_cost_by_service_type"], "cost"
        ),
        "cost_by_project": _close(naive["cost_by_project"]["total"], report["cost_by_project"]["total"])
        and _same_ranked(naive["cost_by_project"]["slices"], report["cost_by_project"]["slices"]),
        "project_trends": _same_series(naive["project_trends"], report["project_trends"], "cost"),
        "top_agents": _same_ranked(naive["top_agents"], report["top_agents"]),
        "service_types": [s["service_type"] for s in naive["service_types"]]
        == [s["service_type"] for s in report["service_types"]],
        "cost_by_model": _close(naive["cost_by_model"]["total"], report["cost_by_model"]["total"])
        and _same_ranked(naive["cost_by_model"]["slices"], report["cost_by_model"]["slices"]),
        "efficiency.organization": _same_ranked(
            [naive["efficiency"]["organization"]], [report["efficiency"]["organization"]]
        ),
        "efficiency.projects": _same_ranked(naive["efficiency"]["projects"], report["efficiency"]["projects"]),
    }
    for mine, theirs in zip(naive["service_types"], report["service_types"]):
        name = f"service_types[{theirs['service_type']}]"
        checks[name + ".cost"] = _close(mine["cost"], theirs["cost"])
        checks[name + ".daily_cost_by_project"] = _same_series(
            mine["daily_cost_by_project"], theirs["daily_cost_by_project"], "cost"
        )
        checks[name + ".daily_requests"] = _same_series(mine["daily_requests"], theirs["daily_requests"], "requests")
        checks[name + ".daily_usage"] = _same_series(mine["daily_usage"], theirs["daily_usage"], "quantity")
    return bad + [f"{name} differs" for name, ok in checks.items() if not ok]


# -- measurements (each in a child process) -----------------------------------------------------------
def measure(kind: str, path: str, *rest: str) -> dict:
    if kind in ("floor", "report"):
        out = bench_report.measure(kind, path)
        if kind == "report":  # the numbers to check the baseline against (after the timed runs)
            out["result"] = report_json(path)
        return out
    if kind == "report_rollups":
        out = bench_report.measure("report", path, rollups=rest[0])
        out["result"] = report_json(path, rest[0])
        return out
    if kind == "rollup_build":  # a full build, a refresh with nothing new, a refresh after a new day
        from data_connectors import connect
        from org_analytics_widgets.rollups import build, use_build_memory

        use_build_memory()  # what `org-analytics rollup` does
        wh = connect(f"duckdb://{path}")
        target = Path(rest[0])
        full = build(wh, target, full=True)
        cpu = resource.getrusage(resource.RUSAGE_SELF)  # on a shared machine, steadier than the wall time
        refresh = build(wh, target)
        day = target.with_name(target.stem + ".a-day-behind.duckdb")
        a_day_behind(target, day)
        new_day = build(wh, day)
        day.unlink()
        wh.close()
        return {
            "cold": full.seconds,
            "warm": refresh.seconds,
            "new_day": new_day.seconds,
            "new_day_from": new_day.since.isoformat(sep=" "),
            "cpu_s": cpu.ru_utime + cpu.ru_stime,
            "peak_mb": bench_report._peak_mb(),
            "rows": sum(full.rows.values()),
            "mb": target.stat().st_size / 2**20,
        }
    if kind == "scan_floor":  # the build's floor: one read of every raw column it reads, nothing kept
        import duckdb

        con = duckdb.connect(path, read_only=True)
        con.execute("SET memory_limit = '512MB'")  # the build's (rollups.BUILD_MEMORY)
        out = _timed(lambda: [con.execute(sql).fetchall() for sql in SCAN_FLOOR])
        con.close()
        return out
    if kind == "switch":
        return month_switches(path, rest[0] if rest[0] != "-" else None, int(rest[1]))
    if kind == "naive":
        holder: dict = {}
        out = _timed(lambda: holder.update(result=naive_pandas(path)))
        import duckdb

        con = duckdb.connect(path, read_only=True)
        start, end = _month_bounds(MONTH)
        out["rows"] = {
            t: con.execute(
                f"SELECT count(*) FROM {t} WHERE created_at >= ? AND created_at < ?", [start, end]
            ).fetchone()[0]
            for t in ("usage_items", "usage_requests")
        }
        con.close()
        out["result"] = holder["result"]
        return out
    if kind in ("table_page", "table_open"):
        from data_connectors import connect
        from org_analytics_widgets.period import Period
        from org_analytics_widgets.state import DashboardState
        from org_analytics_widgets.usage_tables import UsageTableController

        wh = connect(f"duckdb://{path}")
        state = DashboardState(month=MONTH, timezone="UTC")
        c = UsageTableController(wh, state, "items", Period.for_month(MONTH, "UTC", NOW))
        if kind == "table_page":
            out = _timed(lambda: c.page_frame(0))
        else:  # what a viewer waits for when the tab opens: count/cost + first page + options
            out = _timed(lambda: (c._summary_cache.clear(), c.refresh(options=True)))
            assert c.widget.status == "ready", c.widget.message
        out["rows"] = c.widget.total_rows if kind == "table_open" else None
        wh.close()
        return out
    if kind == "dashboard":
        # bench_dashboard's own main(), its RESULTS-dashboard.md redirected to a scratch folder
        import contextlib
        import io

        import bench_dashboard

        scratch = tempfile.mkdtemp(prefix="oa-bench-all-")
        bench_dashboard.HERE = Path(scratch)
        sys.argv = ["bench_dashboard.py", "--items", rest[0]]
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            bench_dashboard.main()
        Path(scratch, "RESULTS-dashboard.md").unlink(missing_ok=True)
        Path(scratch).rmdir()
        return parse_dashboard(buffer.getvalue())
    raise ValueError(kind)


SWITCHES = 20  # from rollups (the memory must stay flat across them); from the raw tables, 5
# every column of the raw tables a rollup build reads, read once (hashed, summed: nothing grouped)
SCAN_FLOOR = (
    "SELECT sum(hash(created_at, agent_id, service_type, project_id, model, pricing_rule, unit, request_id)), "
    "sum(cost), sum(quantity) FROM usage_items",
    "SELECT sum(hash(created_at, agent_id, project_id, conversation_id, status)), "
    "sum(input_tokens), sum(output_tokens) FROM usage_requests",
)


def a_day_behind(rollups: Path, out: Path) -> None:
    """A copy of ``rollups`` as the build a day earlier left it to its next refresh: its watermark
    a day back, so the refresh re-reads that day and the late window before it (the rows the copy
    holds from there on are deleted by the refresh, as new rows would be aggregated)."""
    import shutil

    import duckdb

    shutil.copyfile(rollups, out)
    con = duckdb.connect(str(out))
    meta = {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM rollup_meta").fetchall()}
    meta["latest"] = (datetime.fromisoformat(meta["latest"]) - timedelta(days=1)).isoformat()
    meta["whole"] = None  # not what the warehouse holds: the refresh has work to do
    con.execute("DELETE FROM rollup_meta")
    con.executemany("INSERT INTO rollup_meta VALUES (?, ?)", [[k, json.dumps(v)] for k, v in meta.items()])
    con.close()


def fifteen_minute_tier(rollups: Path, out: Path) -> Path:
    """A copy of ``rollups`` whose local-day tier is said to be of another zone than the benchmark's
    (UTC): its months are read from the 15-minute tier, as a viewer in another zone reads them."""
    import shutil

    import duckdb

    shutil.copyfile(rollups, out)
    con = duckdb.connect(str(out))
    con.execute("UPDATE rollup_meta SET value = ? WHERE key = 'day_zone'", [json.dumps("Asia/Tokyo")])
    con.close()
    return out


def month_switches(path: str, rollups: str | None, switches: int) -> dict:
    """The dashboard in this process (no browser): ``switches`` month switches through the demo's
    months, none from the month cache (cleared before each), timed from the state change to the
    status "ready" (KPIs, charts and cards updated; the page shows the month): the usage table's
    first page is loaded after that, and ``total`` includes it. The process's RSS after each."""
    from data_connectors import connect
    from org_analytics_widgets.engine import Engine
    from org_analytics_widgets.pages.organization import Dashboard
    from org_analytics_widgets.period import shift_month
    from org_analytics_widgets.rollups import open_rollups

    wh = connect(f"duckdb://{path}")
    engine = Engine(wh, open_rollups(rollups) if rollups else None, "UTC", NOW + "Z", cache=False)
    page = Dashboard(engine, month=MONTH)
    months = [shift_month(MONTH, -k) for k in range(1, 12)]  # back through the year, then forth
    months += months[-2::-1]
    times, totals, memory = [], [], [bench_report._proc_status("VmRSS")]
    ready: list[float] = []
    page.state.observe(lambda change: change["new"] == "ready" and ready.append(time.perf_counter()), names="status")
    for month in (months * 2)[:switches]:
        engine.forget_months()
        ready.clear()
        started = time.perf_counter()
        page.state.month = month
        totals.append(time.perf_counter() - started)
        times.append(ready[0] - started)
        assert page.state.status == "ready", page.state.message
        assert page.snapshot.source == ("rollups" if rollups else "raw")
        memory.append(bench_report._proc_status("VmRSS"))
    ordered = sorted(times)
    return {
        "p50": statistics.median(times),
        "p95": ordered[round(0.95 * len(ordered)) - 1],
        "max": max(times),
        "total_p50": statistics.median(totals),
        "rss_first": memory[1],
        "rss_last": memory[-1],
        "rss_max": max(memory),
        "peak_mb": bench_report._peak_mb(),
    }


def parse_dashboard(table: str) -> dict:
    """bench_dashboard's one data row -> numbers (the columns are read by their headers)."""
    lines = [line for line in table.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    cells = dict(zip(header, (c.strip() for c in lines[2].strip("|").split("|"))))

    def column(prefix: str) -> str:
        return next(v for k, v in cells.items() if k.startswith(prefix))

    first, second = (float(x) for x in column("first full render").split("/"))
    memory = [float(x) for x in column("kernel RSS").split("→")]
    return {
        "first_render": first,
        "second_render": second,
        "switch_median": float(column("month switch median")),
        "switch_max": float(column("month switch max")),
        "switch_back_median": float(column("switch back to a seen month median")),
        "kernel_rss_mb": max(memory),
    }


def _child(kind: str, path: Path, *rest: str, timeout: float = 1800) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(path), *rest], capture_output=True, text=True, timeout=timeout
    )
    if out.returncode:
        raise SystemExit(f"measurement {kind!r} on {path.name} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the table ----------------------------------------------------------------------------------------
def _cell(seconds: float | None, floor: float) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.3f} ({seconds / floor:.1f}×)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-browser", action="store_true", help="no dashboard (headless Chromium) rows")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    rows = [
        "| items | measurement | cold s (× floor warm) | warm s (× floor warm) | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    speedups = [
        "| items | month rows (items / requests) | report cold from raw / from rollups warm, × floor warm | "
        "floor warm / kernel month switch from rollups | naive pandas warm / report warm (from rollups) | "
        "naive pandas cold / report cold | naive pandas peak RSS / report peak RSS | "
        "naive pandas = report? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for items in args.sizes:
        path = ensure_warehouse(items)
        started = time.perf_counter()
        floor = _child("floor", path)
        report = _child("report", path)
        naive = _child("naive", path)
        problems = compare(naive["result"], report["result"])
        assert not problems, f"naive pandas disagrees with the report at {items:,} items:\n" + "\n".join(problems)
        rollup_file = path.with_name(path.stem + ".rollups.duckdb")
        built = _child("rollup_build", path, str(rollup_file))
        scan = _child("scan_floor", path)
        rolled = _child("report_rollups", path, str(rollup_file))
        assert_same_report(rolled["result"], report["result"], f"the report from rollups at {items:,} items")
        switch_raw = _child("switch", path, "-", "5")
        switch_rolled = _child("switch", path, str(rollup_file), str(SWITCHES))
        buckets_only = fifteen_minute_tier(rollup_file, rollup_file.with_name(rollup_file.stem + ".tokyo.duckdb"))
        switch_buckets = _child("switch", path, str(buckets_only), str(SWITCHES))
        buckets_only.unlink()
        page = _child("table_page", path)
        tab = _child("table_open", path)
        dash = None if args.skip_browser else _child("dashboard", path, str(items))
        print(f"{items:,} items measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        f = floor["warm"]
        for name, m in (
            ("hand-written DuckDB SQL floor (floor.sql)", floor),
            ("`org-analytics report` (Snapshot)", report),
            ("naive pandas (SELECT * month rows → groupby)", naive),
            ("items table: first page (50 rows, no filter)", page),
        ):
            rows.append(f"| {items:,} | {name} | {_cell(m['cold'], f)} | {_cell(m['warm'], f)} | {m['peak_mb']:.0f} |")
        rows.append(
            f"| {items:,} | rollups: full build / refresh with nothing new ({built['rows']:,} rows, "
            f"{built['mb']:.0f} MB; build {built['cpu_s']:.0f} CPU s, {built['cold'] / scan['warm']:.1f}× one "
            f"scan of the raw columns it reads, {scan['warm']:.1f} s) | {_cell(built['cold'], f)} | "
            f"{_cell(built['warm'], f)} | "
            f"{built['peak_mb']:.0f} |"
        )
        rows.append(
            f"| {items:,} | rollups: refresh after a day of new rows (re-reads from {built['new_day_from']}: "
            f"the day and the 48 h late window) | – | {_cell(built['new_day'], f)} | – |"
        )
        rows.append(
            f"| {items:,} | `org-analytics report` from rollups (the raw report's JSON, floats within 1e-9) | "
            f"{_cell(rolled['cold'], f)} | {_cell(rolled['warm'], f)} | {rolled['peak_mb']:.0f} |"
        )
        for label, sw, n in (
            ("raw tables", switch_raw, 5),
            ("rollups' local-day tier", switch_rolled, SWITCHES),
            ("rollups' 15-minute tier (the file's days said to be of another zone)", switch_buckets, SWITCHES),
        ):
            rows.append(
                f"| {items:,} | dashboard in the kernel: month switch from {label} to ready, p50 of "
                f"{n} (p95 {sw['p95']:.3f}, max {sw['max']:.3f} s; with the items table's first "
                f"page {sw['total_p50']:.3f} s) | – | {_cell(sw['p50'], f)} | "
                f"{sw['rss_first']:.0f} → {sw['rss_last']:.0f} (max {sw['rss_max']:.0f}) |"
            )
        rows.append(
            f"| {items:,} | items table: open the tab (count + cost + first page + options; "
            f"{tab['rows']:,} rows) | {_cell(tab['cold'], f)} | {_cell(tab['warm'], f)} | "
            f"{tab['peak_mb']:.0f} |"
        )
        if dash:
            rows += [
                f"| {items:,} | dashboard: first full render, 1st / 2nd viewer (browser) | "
                f"{_cell(dash['first_render'], f)} | {_cell(dash['second_render'], f)} | "
                f"{dash['kernel_rss_mb']:.0f} (kernel) |",
                f"| {items:,} | dashboard: month switch, median of 5 (max {dash['switch_max']:.2f} s) | – | "
                f"{_cell(dash['switch_median'], f)} | {dash['kernel_rss_mb']:.0f} (kernel) |",
                f"| {items:,} | dashboard: switch back to a seen month, median of 5 | – | "
                f"{_cell(dash['switch_back_median'], f)} | {dash['kernel_rss_mb']:.0f} (kernel) |",
            ]
        n = naive["rows"]
        speedups.append(
            f"| {items:,} | {n['usage_items']:,} / {n['usage_requests']:,} | "
            f"{report['cold'] / f:.1f}× / {rolled['warm'] / f:.2f}× | "
            f"{f / switch_rolled['p50']:.1f}× | "
            f"{naive['warm'] / report['warm']:.1f}× ({naive['warm'] / rolled['warm']:.1f}×) | "
            f"{naive['cold'] / report['cold']:.1f}× | "
            f"{naive['peak_mb'] / report['peak_mb']:.1f}× | KPIs equal, every section within "
            f"{TOLERANCE:g} |"
        )
    table = "\n".join(rows)
    speedup = "\n".join(speedups)
    print(table + "\n\n" + speedup)
    notes = f"""\
# All benchmarks (month {MONTH}, UTC, now {NOW}, demo warehouses seed 42)

`python benchmarks/bench_all.py --sizes {" ".join(map(str, args.sizes))}{" --skip-browser" if args.skip_browser else ""}`
— {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}.

Each line is a fresh child process: "cold" is its first run (connect + queries), "warm" the median of the
next three; peak RSS is that process's VmHWM. The ratio in brackets is to the floor's warm time at
the same size. The dashboard lines are bench_dashboard.py's (headless Chromium against
`org-analytics serve`): the render's "cold"/"warm" columns are the 1st and 2nd viewer, a switch is
click → every widget updated, and the memory is the kernel's largest RSS after the switches.

{table}

The naive pandas baseline loads the month's whole rows of usage_items and usage_requests
(`SELECT * ... WHERE created_at >= ? AND created_at < ?` → `.df()`, every column) plus projects and
agents, then computes every section of the report with pandas groupby (days by `dt.normalize()`,
zero-filled daily series). Before this table was written its KPIs were asserted equal to the report's
and every other section (cost by service type, daily cost by service type, top 6 + Others, project
trends, top 10 agents, each service-type card's daily cost/requests/usage) to agree within {TOLERANCE:g}.

{speedup}
"""
    (HERE / "RESULTS.md").write_text(notes)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
