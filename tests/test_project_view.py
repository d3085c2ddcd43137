"""A project's view (issue 15, item 7; docs/data-contract.md, "Project"): one project's month from
the facts of the rows billed to it, raw tables and rollups alike; the report's ``project`` section
(``report --project``) is what the view shows; its address round-trips.

Every expected number is worked out by hand from tests/efficiency_fixture.py (its docstring lists the
rows). October 2026 (UTC), project p1 "Support" (budget $100):

  cost     r1 1.2 + 0.2 + 0.8 + r2 1.0 + r3 2.0 + 0.5 + 3.2 (text generation, m-big: 8.9) + r7 1.0
           (agent minutes, no model) = 9.9
  requests r1, r2, r3, r7 = 4, failed r2 = 1, tokens r1 1200 + r3 2800 = 4000, conversations c1, c2 = 2
  agents   a1 Concierge: 8.9, requests r1..r3 = 3, conversations c1, c2 = 2, 1 failed, 4000 tokens
  September (the comparison): r8, 0.2, 1 request, 100 tokens
"""

from __future__ import annotations

import json

import pytest
from conftest import DEFAULT_NOW, duckdb_url, with_rollups
from efficiency_fixture import MONTH, build_efficiency_warehouse

from org_analytics_widgets import view_url
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.report import project_report
from org_analytics_widgets.state import DashboardState


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-12)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return with_rollups(tmp_path_factory.mktemp("project"), "efficiency.duckdb", build_efficiency_warehouse)


@pytest.fixture(scope="module")
def engines(warehouse):
    path, rollups = warehouse
    raw = Engine.open(duckdb_url(path), now=DEFAULT_NOW, cache=False)
    rolled = Engine.open(duckdb_url(path), rollups=str(rollups), now=DEFAULT_NOW, cache=False)
    yield raw, rolled
    raw.close()
    rolled.close()


def test_a_projects_month_by_hand_from_raw_tables_and_rollups(engines):
    for engine, source in zip(engines, ("raw", "rollups")):
        project = engine.project_month("p1", MONTH)
        snap = project.month
        assert (project.status, snap.source) == ("ready", source)
        assert project.info == {
            "project_id": "p1",
            "name": "Support",
            "color": "#1F77B4",
            "monthly_budget": 100.0,
            "existed": True,
        }
        kpis = snap.kpis
        assert kpis["total_cost"] == approx(9.9)
        assert (kpis["total_requests"], kpis["failed_requests"], kpis["total_tokens"]) == (4, 1, 4000)
        assert (kpis["total_conversations"], kpis["unique_models"], kpis["error_rate"]) == (2, 1, 0.25)
        assert (snap.previous_kpis["total_cost"], snap.previous_kpis["total_requests"]) == (approx(0.2), 1)
        assert list(snap.cost_by_service_type.itertuples(index=False, name=None)) == [
            ("text_generation", approx(8.9)),
            ("agent", approx(1.0)),
        ]
        days = snap.daily_cost_by_service_type
        spent = days[days["cost"] != 0]
        assert [(d.isoformat(), t, c) for d, t, c in spent.itertuples(index=False, name=None)] == [
            ("2026-10-02", "text_generation", approx(1.2 + 0.2 + 0.8 + 1.0)),
            ("2026-10-03", "text_generation", approx(2.0 + 0.5 + 3.2)),
            ("2026-10-07", "agent", approx(1.0)),
        ]
        assert [(r["name"], r["cost"]) for r in snap.cost_by_model.to_dict("records")] == [
            ("m-big", approx(8.9)),
            ("No model", approx(1.0)),
        ]
        [agent] = snap.top_agents.to_dict("records")
        assert (agent["agent_id"], agent["name"], agent["cost"]) == ("a1", "Concierge", approx(8.9))
        assert (agent["requests"], agent["conversations"], agent["failed_requests"], agent["tokens"]) == (3, 2, 1, 4000)


def test_the_raw_tables_and_the_rollups_agree_on_every_project_and_month(engines):
    raw, rolled = engines
    for month in ("2026-09", MONTH, "2026-11"):
        for project_id in ("p1", "p2", "nope"):
            a, b = raw.project_month(project_id, month), rolled.project_month(project_id, month)
            assert project_report(a) == project_report(b), (project_id, month)


def test_unknown_and_empty_projects(engines):
    raw = engines[0]
    assert raw.project_month("nope", MONTH).status == "unknown"
    assert project_report(raw.project_month("nope", MONTH)) == {"project_id": "nope", "status": "unknown"}
    september = raw.project_month("p2", "2026-09")  # Search existed, with no usage in September
    assert september.status == "empty" and september.month.kpis["total_cost"] == 0.0


def test_all_of_a_projects_agents_not_only_ten(tmp_path):
    """The organisation's report lists its top 10 agents; a project's view every agent with usage
    billed to it: twelve agents of p1, agent k costing k dollars (a12 first), and one of p2."""
    import duckdb
    from edge_fixture import SCHEMA

    path = tmp_path / "agents.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute("INSERT INTO projects VALUES ('p1', 'Support', NULL, NULL, '2026-01-01', NULL)")
    con.execute("INSERT INTO projects VALUES ('p2', 'Search', NULL, NULL, '2026-01-01', NULL)")
    for k in range(1, 14):
        project = "p1" if k <= 12 else "p2"
        con.execute("INSERT INTO agents VALUES (?, ?, ?)", [f"a{k}", project, f"Agent {k}"])
        con.execute(
            "INSERT INTO usage_items VALUES (?, NULL, '2026-10-02 10:00:00', ?, ?, 'agent', NULL, 'agent_minutes',"
            " ?, 'minute', 1.0, ?)",
            [f"i{k}", project, f"a{k}", k, float(k)],
        )
    con.close()
    engine = Engine.open(duckdb_url(path), now=DEFAULT_NOW, cache=False)
    agents = engine.project_month("p1", MONTH).month.top_agents
    assert list(agents["agent_id"]) == [f"a{k}" for k in range(12, 0, -1)]
    assert list(agents["cost"]) == [float(k) for k in range(12, 0, -1)]
    assert len(engine.report(MONTH)["top_agents"]) == 10
    engine.close()


def test_report_project_is_the_views_section_and_agrees_with_the_restricted_report(warehouse, run_cli):
    """``report --project p1`` restricts the whole report to p1's rows (issue 16) and adds the
    ``project`` section, computed by ``Engine.project_month``: the two agree."""
    code, out, err = run_cli(
        ["report", "--warehouse", duckdb_url(warehouse[0]), "--month", MONTH, "--now", DEFAULT_NOW, "--project", "p1"]
    )
    assert code == 0, err
    report = json.loads(out)
    section = report["project"]
    assert (section["project_id"], section["name"], section["status"]) == ("p1", "Support", "ready")
    for key in ("kpis", "cost_by_service_type", "daily_cost_by_service_type", "cost_by_model"):
        assert section[key] == report[key], key
    assert section["agents"] == report["top_agents"]  # one agent: the top 10 are all of them
    assert section["budget"] == {
        "monthly_budget": 100.0,
        "spent": approx(9.9),
        "share": approx(0.099),
        "forecast": None,
    }
    assert section["previous_kpis"]["total_cost"] == approx(0.2)


def test_the_project_view_round_trips_through_the_url():
    s = DashboardState(month="2026-03", latest_month="2026-11")
    s.hidden_service_types = ("agent",)
    s.project_id, s.view = "p&1/ü", "project"
    query = view_url.encode(s)
    assert query == "project=p%261/%C3%BC&month=2026-03", "the project and month only, like an agent's view"
    fresh = DashboardState(month="2026-11", latest_month="2026-11")
    assert view_url.apply(fresh, query) == []
    assert (fresh.view, fresh.project_id, fresh.month) == ("project", "p&1/ü", "2026-03")
    assert view_url.encode(fresh) == query
    view_url.apply(s, "project=p2&month=2026-04")
    assert (s.view, s.project_id, s.hidden_service_types) == ("project", "p2", ("agent",)), (
        "a project's URL leaves the dashboard's choices as they were (for back)"
    )
    view_url.apply(s, "month=2026-04&hide=embedding")
    assert (s.view, s.project_id, s.hidden_service_types) == ("dashboard", "", ("embedding",))


@pytest.mark.parametrize(
    "query, note, view",
    [
        ("project=&month=2026-03", "no project given", "dashboard"),
        (f"project={'x' * 201}", "project id is longer than 200", "dashboard"),
        ("project=p1&agent=a1&month=2026-03", None, "project"),  # the first view named counts
        ("agent=a1&project=p1", None, "agent"),
    ],
)
def test_invalid_project_values_are_dropped_with_a_note(query, note, view):
    s = DashboardState(month="2026-11", latest_month="2026-11")
    notes = view_url.apply(s, query)
    assert s.view == view
    assert any(note in n for n in notes) if note else notes == []


# -- the view in the app, on the edge warehouse (America/New_York, March 2026) -------------------
ZONE = "America/New_York"
NOW = "2026-11-25T12:00:00Z"


def project_section(run_cli, edge_warehouse, project_id: str, month: str = "2026-03") -> dict:
    """What ``report --project`` says of one project: its view's section."""
    argv = ["report", "--warehouse", duckdb_url(edge_warehouse), "--month", month, "--timezone", ZONE]
    code, out, err = run_cli([*argv, "--now", NOW, "--project", project_id])
    assert code == 0, err
    return json.loads(out)["project"]


@pytest.fixture(scope="module")
def app(edge_warehouse):
    from org_analytics_widgets.pages import App

    engine = Engine.open(duckdb_url(edge_warehouse), timezone=ZONE, now=NOW, cache=False)
    yield App(engine, "month=2026-03&hide=agent&hide_project=p_voice")
    engine.close()


def test_a_project_in_the_legend_opens_its_view_and_back_keeps_the_dashboard(app, run_cli, edge_warehouse):
    d = app.dashboard
    top = d.project_costs.slices.iloc[0]
    link = f"org_analytics.ipynb?project={top['project_id']}&amp;month=2026-03"
    assert f'<a class="oa-legend-name oa-view-link" href="{link}"' in d.project_costs.legend.value
    snapshot, before = d.snapshot, app.browser.query
    app.navigate(f"project={top['project_id']}&month=2026-03")  # what a click on that link sends
    section = project_section(run_cli, edge_warehouse, top["project_id"])
    page = app.project
    assert (app.state.view, page.status, page.name) == ("project", "ready", section["name"])
    assert page.section == section, "the view shows report --project's section"
    assert page.kpis.values == section["kpis"] and page.kpis.values["total_cost"] == top["cost"]
    assert list(page.agents.agents["agent_id"]) == [a["agent_id"] for a in section["agents"]]
    assert list(page.model_costs.slices["name"]) == [s["name"] for s in section["cost_by_model"]["slices"]]
    assert (app.browser.query, app.browser.mode) == (f"project={top['project_id']}&month=2026-03", "push")
    assert section["name"] in app.browser.title and d.layout.display == "none"

    app.navigate("month=2026-03")  # the view's back link
    assert app.state.view == "dashboard" and app.project.layout.display == "none"
    assert app.browser.query == before, "back: the dashboard's legend and hidden lines as they were"
    assert d.snapshot is snapshot, "the dashboard was hidden, not rebuilt"


def test_a_slice_opens_its_project_and_others_lists_what_it_holds(app):
    d = app.dashboard
    slices = d.project_costs.slices.to_dict("records")
    others = next(i for i, s in enumerate(slices) if s["project_id"] is None or s["project_id"] != s["project_id"])
    held = list(app.dashboard.snapshot.others()["project_id"])
    assert held and all(f"project={p}&amp;month=2026-03" in d.project_costs.legend.value for p in held)
    assert '<details class="oa-held">' in d.project_costs.legend.value, "closed until clicked"
    d.project_costs.pie._handle_custom_msgs(None, {"event": "element_click", "data": {"index": others}})
    assert '<details class="oa-held" open>' in d.project_costs.legend.value and app.state.view == "dashboard"
    d.project_costs.pie._handle_custom_msgs(None, {"event": "element_click", "data": {"index": "x"}})  # forged
    d.project_costs.pie._handle_custom_msgs(None, {"event": "element_click", "data": {"index": 1}})
    assert (app.state.view, app.state.project_id) == ("project", slices[1]["project_id"])
    assert app.browser.query == f"project={slices[1]['project_id']}&month=2026-03" and app.browser.mode == "push"
    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03&hide=agent&hide_project=p_voice"}, [])
    assert app.state.view == "dashboard" and d.layout.display is None


def test_names_are_escaped_and_every_project_cell_links_to_its_view(app):
    d = app.dashboard
    legend = d.project_costs.legend.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in legend and "<script>" not in legend
    trends = d.project_trends.legend.value
    assert 'href="org_analytics.ipynb?project=p_support&amp;month=2026-03"' in trends
    assert "data-oa-view=" in trends, "the rest of a trends legend row still hides its line"
    assert 'class="oa-agent-project oa-project-link oa-view-link"' in d.top_agents.table.value
    app.navigate("project=p_xss&month=2026-03")
    assert "&lt;script&gt;" in app.project.header.value and "<script>" not in app.project.header.value
    app.navigate("month=2026-03&hide=agent&hide_project=p_voice")


def test_an_unknown_project_in_a_link_is_dropped_with_a_note(app):
    app.browser._receive(app.browser, {"kind": "address", "query": "project=p_nowhere&month=2026-03&hide=agent"}, [])
    assert app.state.view == "dashboard" and "there is no project &#x27;p_nowhere&#x27;" in app.note.value
    assert app.browser.query == "month=2026-03&hide=agent&hide_project=p_voice", (
        "the address bar no longer names it: the dashboard as it was"
    )
    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03&hide=agent&hide_project=p_voice"}, [])
    assert app.note.value == ""


def test_a_copied_project_link_opens_its_view_in_a_zone(edge_warehouse, run_cli):
    from org_analytics_widgets.pages import App

    engine = Engine.open(duckdb_url(edge_warehouse), timezone=ZONE, now=NOW, cache=False)
    app = App(engine, "project=p_support&month=2026-02&tz=Asia/Kolkata")
    assert (app.state.view, app.project.status, app.project.period.timezone) == ("project", "ready", "Asia/Kolkata")
    assert app.browser.query == "project=p_support&month=2026-02&tz=Asia/Kolkata"
    assert "month=2026-01&amp;tz=Asia/Kolkata" in app.project.nav.value, "its month links keep the zone"
    engine.close()


def test_the_project_view_is_made_ahead_after_the_agent_view_and_a_click_uses_it(edge_warehouse):
    from org_analytics_widgets.pages import App

    engine = Engine.open(duckdb_url(edge_warehouse), timezone=ZONE, now=NOW, cache=False)
    app = App(engine, "month=2026-03")
    assert app._prepare_views() and app.agent is not None and app.project is None, "the agent view first"
    assert app._prepare_views() and app.project is not None
    assert not app._prepare_views(), "both made: nothing more to do"
    made = app.project
    assert made.layout.visibility == "hidden" and made.kpis is None, "out of sight, without a second set of KPIs"
    app.navigate("project=p_search&month=2026-03")
    assert app.project is made and made.status == "ready" and made.layout.visibility is None
    engine.close()


def test_the_budget_in_words_with_the_current_months_forecast():
    from org_analytics_widgets.pages.project import budget_html

    row = {"forecast": 230.0, "low": 219.5, "high": 240.5, "status": "will_exceed", "exceeds_on": None}
    text = budget_html("<Alpha>", {"monthly_budget": 200.0, "spent": 191.0, "share": 0.955, "forecast": row}, "2026-11")
    assert "$191.00 of the $200.00 monthly budget spent in November 2026 (95.5 %)." in text
    assert "Month-end forecast $230.00 ($219.50 – $240.50) · Will exceed" in text
    none = budget_html("<Alpha>", {"monthly_budget": None, "spent": 3.0, "share": None, "forecast": None}, "2026-10")
    assert "&lt;Alpha&gt; has no monthly budget. Spent in October 2026: $3.00." in none and "<Alpha>" not in none


def test_every_backend_gives_the_duckdb_project_section(backend_url, edge_warehouse):
    """The project's facts restricted in the warehouse's own engine (an Ibis filter with the id as a
    literal) on DuckDB, Parquet, PostgreSQL and Spark: the same section, project by project."""
    from data_connectors import connect

    def sections(url: str) -> dict:
        warehouse = connect(url)
        try:
            engine = Engine(warehouse, None, ZONE, NOW, cache=False)
            return {p: project_report(engine.project_month(p, "2026-03")) for p in ("p_support", "p_xss", "p_none")}
        finally:
            warehouse.close()

    assert sections(backend_url) == sections(duckdb_url(edge_warehouse))
