"""Benchmark for the Usage Requests/Items tables on a 10M-item month: pages, totals, options, export.

    python benchmarks/bench_tables.py                        # demo (10M items) and synthetic (10M in one month)
    python benchmarks/bench_tables.py --sources demo --items 1000000 --demo-db /tmp/demo1m.duckdb

Two warehouses, generated once each: ``demo`` is ``org-analytics demo-data`` (13 months, so the
busiest month holds about a tenth of the items); ``synthetic`` is generated here with set-based
DuckDB SQL and puts every item in October 2026 (UTC, time order, 200 projects with a skewed share,
500 agents, 2.5 items per request): the "month of 10M items" case. The month measured is the
busiest one; the filter is its largest project and that project's largest service type.

Page timings run in one child process ("cold" = first run in the process, "warm" = median of the
next five); the export runs in a fresh child so its peak RSS (``ru_maxrss``) is its own. The table
goes to stdout (markdown).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench_report import _peak_mb, _proc_status, _timed  # noqa: E402  (same folder: the shared timer and memory)

ZONE = "UTC"
NOW = "2026-11-25T12:00:00Z"

SYNTHETIC_SQL = """
CREATE TABLE projects AS
SELECT 'p_' || lpad(i::VARCHAR, 3, '0') AS project_id, 'Project ' || i AS name, NULL::VARCHAR AS color,
       100.0::DOUBLE AS monthly_budget, TIMESTAMP '2025-01-01' AS created_at, NULL::TIMESTAMP AS archived_at
FROM range(200) t(i);
CREATE TABLE agents AS
SELECT 'a_' || lpad(i::VARCHAR, 3, '0') AS agent_id, 'p_' || lpad((i % 200)::VARCHAR, 3, '0') AS project_id,
       'Agent ' || i AS name
FROM range(500) t(i);
CREATE MACRO req_time(r, n) AS TIMESTAMP '2026-10-01 00:00:00' + to_microseconds((r * (2678400000000 // n))::BIGINT);
CREATE MACRO req_project(r) AS 'p_' || lpad(floor(200 * pow((hash(r) % 1000003) / 1000003.0, 3))::INT::VARCHAR, 3, '0');
CREATE MACRO req_service(r) AS ['text_generation', 'text_generation', 'embedding', 'speech_to_text',
                                'text_to_speech', 'agent'][(hash(r * 7) % 6)::INT + 1];
CREATE MACRO req_model(r) AS CASE req_service(r) WHEN 'embedding' THEN 'emb-1' WHEN 'speech_to_text' THEN 'whisper-1'
                                 WHEN 'text_to_speech' THEN 'tts-1' WHEN 'agent' THEN NULL
                                 ELSE ['gpt-x', 'gpt-y', 'gpt-z'][(hash(r * 3) % 3)::INT + 1] END;
CREATE MACRO req_agent(r) AS CASE WHEN req_service(r) = 'agent' THEN 'a_' || lpad((hash(r * 11) % 500)::VARCHAR, 3, '0') END;
CREATE TABLE usage_requests AS
SELECT 'req_' || md5(r::VARCHAR) AS request_id, req_time(r, $n_req) AS created_at, req_project(r) AS project_id,
       req_service(r) AS service_type, req_model(r) AS model, req_agent(r) AS agent_id,
       CASE WHEN req_agent(r) IS NOT NULL THEN 'conv_' || (r // 4) END AS conversation_id,
       (hash(r * 5) % 2000)::BIGINT AS input_tokens, (hash(r * 13) % 800)::BIGINT AS output_tokens,
       ((hash(r * 17) % 10000) / 100000.0)::DOUBLE AS cost,
       CASE WHEN hash(r * 19) % 50 = 0 THEN 'error' ELSE 'success' END AS status
FROM range($n_req) t(r);
CREATE TABLE usage_items AS
SELECT 'i_' || j AS item_id, 'req_' || md5((j * 2 // 5)::VARCHAR) AS request_id,
       req_time(j * 2 // 5, $n_req) AS created_at, req_project(j * 2 // 5) AS project_id,
       req_agent(j * 2 // 5) AS agent_id, req_service(j * 2 // 5) AS service_type, req_model(j * 2 // 5) AS model,
       ['input_tokens', 'output_tokens', 'cached_input_tokens'][(j % 3)::INT + 1] AS pricing_rule,
       (hash(j) % 3000)::DOUBLE AS quantity, 'token' AS unit, 0.00001::DOUBLE AS unit_price,
       ((hash(j) % 3000) * 0.00001)::DOUBLE AS cost
FROM range($n_items) t(j);
"""


def _rss_mb() -> float:
    return _proc_status("VmRSS")


def generate_synthetic(path: str, items: int) -> None:
    import duckdb

    con = duckdb.connect(path)
    sql = SYNTHETIC_SQL.replace("$n_req", str(int(items / 2.5) + 1)).replace("$n_items", str(items))
    con.execute(sql)
    con.execute(
        "DROP MACRO req_agent; DROP MACRO req_model; DROP MACRO req_service; "
        "DROP MACRO req_project; DROP MACRO req_time;"
    )
    con.close()


def ensure_warehouse(source: str, path: Path, items: int) -> None:
    """Generate the warehouse once, in a child process (so this process stays small)."""
    if path.exists():
        return
    started = time.perf_counter()
    if source == "demo":
        cli = Path(sys.executable).with_name("org-analytics")
        subprocess.run(
            [str(cli), "demo-data", "--out", str(path), "--items", str(items)], check=True, stdout=subprocess.DEVNULL
        )
    else:
        _child("generate", str(path), str(items))
    print(f"generated {path} ({source}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def pick_target(path: str) -> dict:
    """The busiest month (UTC), its largest project and that project's largest service type."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        month = con.execute(
            "SELECT strftime(created_at, '%Y-%m') m FROM usage_items GROUP BY m ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        project = con.execute(
            "SELECT project_id FROM usage_items WHERE strftime(created_at, '%Y-%m') = ? "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [month],
        ).fetchone()[0]
        service = con.execute(
            "SELECT service_type FROM usage_items WHERE strftime(created_at, '%Y-%m') = ? "
            "AND project_id = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [month, project],
        ).fetchone()[0]
        total = con.execute("SELECT count(*) FROM usage_items").fetchone()[0]
    finally:
        con.close()
    return {"month": month, "project": project, "service": service, "items_total": total}


def measure_pages(path: str, month: str, project: str, service: str) -> dict:
    from data_connectors import connect
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.state import DashboardState
    from org_analytics_widgets.usage_tables import UsageTableController

    wh = connect(f"duckdb://{path}")
    period = Period.for_month(month, ZONE, NOW)
    state = DashboardState(month=month, timezone=ZONE)
    c = UsageTableController(wh, state, "items", period)
    out: dict = {}
    started = time.perf_counter()
    c.refresh()  # what a viewer waits for when the tab opens: options + count/cost + page
    out["open_tab_cold"] = time.perf_counter() - started
    out["rows_total"] = c.widget.total_rows
    out["page_nofilter"] = _timed(lambda: c.page_frame(0))
    out["summary_nofilter"] = _timed(lambda: (c._summary_cache.clear(), c.summary()))
    out["options"] = _timed(c.options)
    state.items_filters = {"project_id": project, "service_type": service}
    out["rows_filtered"] = c.widget.total_rows
    out["page_filtered"] = _timed(lambda: c.page_frame(0))
    out["summary_filtered"] = _timed(lambda: (c._summary_cache.clear(), c.summary()))
    out["next_page_filtered"] = _timed(lambda: c.page_frame(1))
    out["deep_page_filtered"] = _timed(lambda: c.page_frame(max(c.widget.total_rows // 50 // 2, 1)))

    def sorted_by_project():
        state.items_filters = {"sort": "project", "descending": False}
        c._summary_cache.clear()
        c.page_frame(0)

    out["page_sort_by_project"] = _timed(sorted_by_project, repeat=3)
    out["peak_mb"] = _peak_mb()
    return out


def measure_export(path: str, month: str, project: str, fmt: str, scope: str) -> dict:
    import tempfile

    from data_connectors import connect
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.state import DashboardState
    from org_analytics_widgets.usage_tables import UsageTableController

    folder = Path(tempfile.mkdtemp(prefix="oa-bench-exports-"))
    wh = connect(f"duckdb://{path}", writable_dirs=[folder])
    period = Period.for_month(month, ZONE, NOW)
    state = DashboardState(month=month, timezone=ZONE)
    c = UsageTableController(wh, state, "items", period, exports_dir=folder)
    state.items_filters = {"project_id": project} if scope == "project" else {}
    rows = c.summary()["rows"]
    before = _rss_mb()
    started = time.perf_counter()
    export = c.export(fmt)
    seconds = time.perf_counter() - started
    result = {"rows": rows, "seconds": seconds, "bytes": export.bytes, "rss_before_mb": before, "peak_mb": _peak_mb()}
    export.path.unlink()
    folder.rmdir()
    return result


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", nargs="+", choices=("demo", "synthetic"), default=["demo", "synthetic"])
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--demo-db", default="/tmp/demo10m.duckdb")
    parser.add_argument("--synthetic-db", default="/tmp/synthetic10m.duckdb")
    parser.add_argument("--full-export", action="store_true", help="also export the whole month as CSV")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, *rest = args.measure
        if kind == "generate":
            generate_synthetic(rest[0], int(rest[1]))
            print("{}")
        else:
            print(json.dumps(measure_pages(*rest) if kind == "pages" else measure_export(*rest)))
        return
    ms = lambda s: f"{s * 1000:.0f}"  # noqa: E731
    out = []
    for source in args.sources:
        db = args.demo_db if source == "demo" else args.synthetic_db
        ensure_warehouse(source, Path(db), args.items)
        t = pick_target(db)
        pages = _child("pages", db, t["month"], t["project"], t["service"])
        out += [
            f"### {source}: {db}, {t['items_total']:,} items; month {t['month']} ({ZONE}) has "
            f"{pages['rows_total']:,} items; filter = project {t['project']} + service type {t['service']} "
            f"({pages['rows_filtered']:,} rows); page = 50 rows",
            "",
            "| measurement | cold ms | warm ms |",
            "|---|---|---|",
            f"| open the items tab (options + count/cost + first page), no filter | {ms(pages['open_tab_cold'])} | – |",
        ]
        for key, label in (
            ("page_nofilter", "first page, no filter"),
            ("summary_nofilter", "count + total cost, no filter"),
            ("options", "filter options (4 distinct lists, one query)"),
            ("page_filtered", "first page, project + service type"),
            ("summary_filtered", "count + total cost, project + service type"),
            ("next_page_filtered", "next page (page 2), project + service type"),
            ("deep_page_filtered", "a middle page (OFFSET), project + service type"),
            ("page_sort_by_project", "first page sorted by project name (join before top-N)"),
        ):
            out.append(f"| {label} | {ms(pages[key]['cold'])} | {ms(pages[key]['warm'])} |")
        out.append(f"| (peak RSS of the page process) | {pages['peak_mb']:.0f} MB | |")
        out += [
            "",
            "| export (items) | rows | seconds | rows/s | file MB | RSS before MB | peak RSS MB |",
            "|---|---|---|---|---|---|---|",
        ]
        exports = [("csv", "project"), ("parquet", "project")] + ([("csv", "month")] if args.full_export else [])
        for fmt, scope in exports:
            e = _child("export", db, t["month"], t["project"], fmt, scope)
            label = f"{fmt.upper()}, project {t['project']}" if scope == "project" else f"{fmt.upper()}, whole month"
            out.append(
                f"| {label} | {e['rows']:,} | {e['seconds']:.2f} | {e['rows'] / e['seconds']:,.0f} | "
                f"{e['bytes'] / 2**20:.1f} | {e['rss_before_mb']:.0f} | {e['peak_mb']:.0f} |"
            )
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
