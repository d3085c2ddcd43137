"""Bad data in the warehouse: repeated ids, no rows at all. A correct number or a correct empty
state, never a traceback."""

from __future__ import annotations

import shutil

import duckdb

from conftest import DEFAULT_NOW
from test_connectors import make_warehouse

from data_connectors import connect
from org_analytics_widgets.pages.organization import Dashboard


def test_a_repeated_project_or_agent_id_is_counted_once(edge_warehouse, tmp_path, run_report):
    path = tmp_path / "dup.duckdb"
    shutil.copy(edge_warehouse, path)
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO projects SELECT project_id, 'zz ' || name, NULL, monthly_budget, created_at, "
        "TIMESTAMP '2020-01-01' FROM projects"
    )
    con.execute("INSERT INTO agents SELECT agent_id, project_id, 'zz ' || name FROM agents")
    con.close()
    for month in ("2026-03", "2026-11"):
        assert run_report(month=month, warehouse=f"duckdb://{path}") == run_report(month=month)
    wh = connect(f"duckdb://{path}")
    assert wh.execute(wh.projects.count()) == wh.execute(wh.projects.project_id.nunique())
    wh.close()


def test_an_empty_warehouse_is_an_empty_month(tmp_path, run_report):
    path = make_warehouse(tmp_path / "empty.duckdb")
    report = run_report(month="2026-11", warehouse=f"duckdb://{path}")
    assert report["kpis"] == {
        "total_requests": 0,
        "total_tokens": 0,
        "unique_models": 0,
        "active_projects": 0,
        "total_projects": 0,
        "total_conversations": 0,
        "total_cost": 0.0,
        "failed_requests": 0,
        "error_rate": None,  # no requests: no rate (data contract, Efficiency)
    }
    assert report["cost_by_project"]["slices"] == [] and report["top_agents"] == []
    assert report["cost_by_model"] == {"total": 0.0, "slices": []} and report["efficiency"]["projects"] == []
    assert report["efficiency"]["organization"]["cost_per_request"] is None
    d = Dashboard(connect(f"duckdb://{path}"), timezone="UTC", now=DEFAULT_NOW)
    assert d.state.status == "empty" and d.state.message == "No usage in November 2026."
    d.usage_tables.items.refresh()
    assert d.usage_tables.items.widget.status == "empty"
