"""Warehouse faults: a query past the deadline is cancelled with a clear message; a warehouse that
goes away leaves the page showing what it had, and Refresh brings it back once the warehouse is back."""

from __future__ import annotations

import time

import duckdb
import pytest

from data_connectors import QueryTimeout, connect
from org_analytics_widgets.pages.organization import Dashboard

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"


@pytest.fixture(scope="module")
def slow_warehouse(edge_warehouse, tmp_path_factory):
    """The edge warehouse whose usage_items is a view that burns CPU for minutes before answering."""
    path = tmp_path_factory.mktemp("slow") / "slow.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"ATTACH '{edge_warehouse}' AS edge (READ_ONLY)")
    for table in ("projects", "agents", "usage_requests"):
        con.execute(f"CREATE TABLE {table} AS FROM edge.{table}")
    con.execute("CREATE TABLE items AS FROM edge.usage_items")
    con.execute(
        "CREATE VIEW usage_items AS SELECT i.* FROM items i, "
        "(SELECT sum(hash(range)) AS burn FROM range(20000000000)) WHERE burn IS NOT NULL"
    )
    con.close()
    return path


def test_a_slow_query_is_cancelled_at_the_deadline(slow_warehouse, monkeypatch, run_cli):
    monkeypatch.setenv("ORG_ANALYTICS_QUERY_TIMEOUT", "1.5")
    wh = connect(f"duckdb://{slow_warehouse}")
    started = time.perf_counter()
    with pytest.raises(QueryTimeout, match=r"did not answer within 1.5 s \(set ORG_ANALYTICS_QUERY_TIMEOUT"):
        with wh.deadline():
            wh.execute(wh.usage_items.count())
    assert time.perf_counter() - started < 10
    assert wh.execute(wh.projects.count()) > 0, "the connection is usable after a cancelled query"
    wh.close()

    code, out, err = run_cli(["report", "--warehouse", f"duckdb://{slow_warehouse}", "--month", "2026-03"])
    assert code == 2 and out == "" and "did not answer within 1.5 s" in err and len(err.strip().splitlines()) == 1


def test_the_dashboard_says_a_month_timed_out_and_keeps_working(slow_warehouse, edge_warehouse, monkeypatch):
    monkeypatch.setenv("ORG_ANALYTICS_QUERY_TIMEOUT", "1.5")
    started = time.perf_counter()
    d = Dashboard(connect(f"duckdb://{slow_warehouse}"), timezone=ZONE, month="2026-03", now=NOW)
    assert time.perf_counter() - started < 15
    assert d.state.status == "error"
    assert "Could not load March 2026: the warehouse did not answer within 1.5 s" in d.state.message
    assert "Use Refresh to try again" in d.state.message


def test_postgres_going_away_and_coming_back(edge_warehouse):
    from pg import PostgresServer

    server = PostgresServer()
    try:
        d = Dashboard(
            connect(server.load_duckdb(edge_warehouse, "edge_faults")), timezone=ZONE, month="2026-03", now=NOW
        )
        assert d.state.status == "ready"
        kpis = dict(d.kpis.values)

        server.pause()
        d.state.month = "2026-02"
        assert d.state.status == "error"
        assert d.state.message.startswith("Could not load February 2026: ")
        assert "Still showing March 2026" in d.state.message
        assert d.kpis.values == kpis and d.kpis.stale, "the page keeps what it had, marked stale"
        d.state.refresh_count += 1  # Refresh while the server is still down: a clear error, again
        assert d.state.status == "error" and "cannot connect to PostgreSQL" in d.state.message

        server.start()
        d.state.month = "2026-03"
        assert d.state.status == "ready", d.state.message
        assert d.kpis.values == kpis and not d.kpis.stale
        d.usage_tables.requests.refresh()
        assert d.usage_tables.requests.widget.status == "ready", "the tables use the new connection too"
    finally:
        server.stop()


def test_a_duckdb_file_removed_then_put_back(edge_warehouse, tmp_path):
    import shutil

    path = tmp_path / "w.duckdb"
    shutil.copy(edge_warehouse, path)
    d = Dashboard(connect(f"duckdb://{path}"), timezone=ZONE, month="2026-03", now=NOW)
    kpis = dict(d.kpis.values)
    path.unlink()
    d.state.month = "2026-02"
    assert d.state.status == "error" and f"no DuckDB file at {path}" in d.state.message
    assert "Still showing March 2026" in d.state.message and d.kpis.values == kpis
    shutil.copy(edge_warehouse, path)  # back (a rebuilt file swapped in is read the same way)
    d.state.refresh_count += 1
    assert d.state.status == "ready" and d.state.month == "2026-02"
    d.state.month = "2026-03"
    assert d.kpis.values == kpis
