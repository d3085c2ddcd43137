"""The view in the address bar: every choice round-trips through the URL, bad values are dropped
one by one with a note, and the app (one page, one kernel) moves between views without rebuilding."""

from __future__ import annotations

import pytest

from org_analytics_widgets import view_url
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages import App
from org_analytics_widgets.state import DashboardState

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"


def state(month="2026-11") -> DashboardState:
    return DashboardState(month=month, latest_month="2026-11", first_month="2026-02")


def test_every_choice_round_trips():
    s = state("2026-03")
    s.hidden_service_types = ("embedding", "agent")
    s.trend_service_type = "speech_to_text"
    s.hidden_projects = ("p_1", "p&2")
    s.card_views = {"agent": "usage", "embedding": "requests", "speech_to_text": "costs"}
    s.table = "items"
    s.requests_filters = {"status": "error", "search": "r_1 & ?x=1", "date_from": "2026-03-02", "page": 3}
    s.items_filters = {"project_id": "p/ü", "sort": "cost", "descending": False}
    query = view_url.encode(s)
    assert "card=agent:usage" in query and "costs" not in query, "default views are not written"
    assert "requests.page=4" in query, "pages count from 1 in the URL"
    assert "items.order=asc" in query
    fresh = state()
    assert view_url.apply(fresh, query) == []
    for trait in view_url.VIEW_TRAITS + view_url.DASHBOARD_TRAITS:
        assert getattr(fresh, trait) == getattr(s, trait), trait
    assert view_url.encode(fresh) == query


def test_the_integrity_filters_round_trip():
    s = state("2026-03")
    s.table = "items"
    s.items_filters = {"integrity": "orphan", "project_id": "p1"}
    s.requests_filters = {"integrity": "no_items"}
    query = view_url.encode(s)
    assert query == "month=2026-03&table=items&requests.integrity=no_items&items.project_id=p1&items.integrity=orphan"
    fresh = state()
    assert view_url.apply(fresh, query) == []
    assert (fresh.items_filters, fresh.requests_filters) == (s.items_filters, s.requests_filters)


def test_the_agent_view_is_its_agent_and_month_only():
    s = state("2026-03")
    s.hidden_service_types = ("agent",)
    s.agent_id, s.view = "a&b", "agent"
    assert view_url.encode(s) == "agent=a%26b&month=2026-03"
    view_url.apply(s, "agent=x&month=2026-04")
    assert (s.view, s.agent_id, s.month, s.hidden_service_types) == ("agent", "x", "2026-04", ("agent",)), (
        "an agent's URL leaves the dashboard's choices as they were (for back)"
    )


@pytest.mark.parametrize(
    "query, note, kept",
    [
        (
            "month=2026-13&hide=agent",
            "invalid month '2026-13'",
            {"month": "2026-11", "hidden_service_types": ("agent",)},
        ),
        ("month=2027-01&trend=agent", "2027-01 is in the future", {"month": "2026-11", "trend_service_type": "agent"}),
        ("month=2025-01", "There is no data before 2026-02", {"month": "2026-02"}),
        (
            "month=2026-03&requests.sort=colour&requests.status=error",
            "cannot sort the requests table by 'colour'",
            {"requests_filters": {"status": "error", "sort": "time", "descending": True, "page": 0}},
        ),
        (
            "month=2026-03&requests.date_from=2026-04-01&requests.model=m",
            "is not in the month 2026-03",
            {"requests_filters": {"model": "m", "sort": "time", "descending": True, "page": 0}},
        ),
        ("month=2026-03&requests.page=0", "page must be a whole number from 1", {"month": "2026-03"}),
        ("month=2026-03&card=agent:pie&card=embedding:usage", "card view must be one of", {"card_views": {}}),
        ("month=2026-03&table=orders", "table", {"table": "requests", "month": "2026-03"}),
        ("agent=&month=2026-03", "no agent given", {"view": "dashboard"}),
        ("colour=red&month=2026-03", "unknown parameter 'colour'", {"month": "2026-03"}),
        ("month=2026-03&items.status=error", "unknown items filter 'status'", {"month": "2026-03"}),
        (
            "month=2026-03&items.integrity=no_items&items.model=m",
            "integrity filter of the items table must be unpriced or orphan",
            {"items_filters": {"model": "m", "sort": "time", "descending": True, "page": 0}},
        ),
        (f"agent={'x' * 201}", "agent id is longer than 200", {"view": "dashboard"}),
        (
            "tz=Mars/Base&month=2026-03&hide=agent",
            "unknown time zone 'Mars/Base': use an IANA name",
            {"timezone": "UTC", "month": "2026-03", "hidden_service_types": ("agent",)},
        ),
        ("hide=" + "a" * 9000, "longer than 8,000 characters", {"month": "2026-11"}),
    ],
)
def test_invalid_values_are_dropped_one_by_one_with_a_note(query, note, kept):
    s = state()
    notes = view_url.apply(s, query)
    assert any(note in n for n in notes), notes
    for trait, value in kept.items():
        assert getattr(s, trait) == value, trait


def test_the_zone_round_trips_and_the_organisations_is_not_written():
    s = DashboardState(month="2026-03", latest_month="2026-11", timezone=ZONE, org_timezone=ZONE)
    assert view_url.encode(s) == "month=2026-03", "the org zone is the default: not in the URL"
    s.timezone = "Asia/Kolkata"
    query = view_url.encode(s)
    assert query == "month=2026-03&tz=Asia/Kolkata"
    fresh = DashboardState(month="2026-11", latest_month="2026-11", timezone=ZONE, org_timezone=ZONE)
    assert view_url.apply(fresh, query) == [] and (fresh.timezone, fresh.month) == ("Asia/Kolkata", "2026-03")
    assert view_url.encode(fresh) == query
    assert view_url.apply(fresh, "month=2026-03") == [] and fresh.timezone == ZONE, "no tz: the org zone"


def test_the_first_of_repeated_single_values_counts():
    s = state()
    view_url.apply(s, "agent_id=a%20b&month=2026-03&agent_id=x&month=2026-04")
    assert (s.agent_id, s.month) == ("a b", "2026-03")


@pytest.fixture(scope="module")
def app(edge_warehouse, tmp_path_factory):
    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    return App(engine, "month=2026-03&hide=agent&requests.status=success&card=speech_to_text:usage")


def test_the_app_opens_the_view_of_its_url(app):
    d = app.dashboard
    assert (app.state.view, d.state.status, d.snapshot.period.month) == ("dashboard", "ready", "2026-03")
    assert d.cost_overview.state.hidden_service_types == ("agent",)
    assert d.service_cards.card_widgets["speech_to_text"].view == "usage"
    assert d.usage_tables.requests.filters["status"] == "success"
    assert d.usage_tables.requests.widget.status == "ready", "the table shows its filtered rows"
    assert app.browser.query == "month=2026-03&hide=agent&card=speech_to_text:usage&requests.status=success"


def test_an_agent_and_back_keep_the_dashboard_as_it_was(app, run_report):
    top = run_report(month="2026-03", timezone=ZONE, now=NOW)["top_agents"][0]
    d = app.dashboard
    snapshot, kpis = d.snapshot, d.kpis
    before = app.browser.query
    app.navigate(f"agent={top['agent_id']}&month=2026-03")
    assert app.state.view == "agent" and app.agent.status == "ready"
    assert app.agent.kpi_values["cost"] == top["cost"]
    assert (app.browser.query, app.browser.mode) == (f"agent={top['agent_id']}&month=2026-03", "push")
    assert d.layout.display == "none" and app.agent.layout.display is None
    assert top["name"] in app.browser.title

    app.navigate("month=2026-03")  # the agent page's back link
    assert app.state.view == "dashboard" and app.agent.layout.display == "none"
    assert app.browser.query == before, "back: the dashboard's legend, cards and filters as they were"
    assert d.snapshot is snapshot and d.kpis is kpis, "the dashboard was hidden, not rebuilt"


def test_history_moves_between_months_and_views(app):
    app.navigate("month=2026-02")
    assert app.state.month == "2026-02" and app.browser.mode == "push"
    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03&hide=agent"}, [])  # Back
    assert app.state.month == "2026-03" and app.dashboard.snapshot.period.month == "2026-03"
    assert app.browser.query == "month=2026-03&hide=agent" and app.note.value == ""
    app.browser._receive(app.browser, {"kind": "address", "query": "agent=a_conc&month=2026-02"}, [])  # Forward
    assert (app.state.view, app.agent.month, app.agent.status) == ("agent", "2026-02", app.agent.status)
    assert app.dashboard.snapshot.period.month == "2026-03", "a hidden dashboard waits: it loads when shown"
    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03"}, [])
    assert app.state.view == "dashboard" and app.state.hidden_service_types == ()


def test_a_long_value_in_a_link_is_not_echoed_whole(app):
    app.browser._receive(app.browser, {"kind": "address", "query": "month=" + "9" * 5000}, [])
    assert "invalid month" in app.note.value and len(app.note.value) < 400
    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03"}, [])
    assert app.note.value == ""


def test_messages_a_browser_could_forge_are_ignored(app):
    query = app.browser.query
    for content in ({"kind": "open"}, {"kind": "address", "query": 3}, "x", {"kind": "download", "query": "a"}):
        app.browser._receive(app.browser, content, [])
    assert app.browser.query == query


def test_sort_headers_and_request_rows_change_the_view_in_place(app):
    from org_analytics_widgets.widgets.usage_table import table_html

    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03&requests.model=m"}, [])
    tables = app.dashboard.usage_tables
    rows = tables.requests.widget.rows
    html_text = table_html("requests", rows, "time", True)
    assert 'data-column="cost" aria-sort="none" data-oa-view="requests.sort=cost&amp;requests.order=desc"' in (
        html_text
    ), "a cost header sorts by cost, highest first"
    app.navigate("requests.sort=cost&requests.order=desc")
    assert app.state.requests_filters == {"model": "m", "sort": "cost", "descending": True, "page": 0}
    assert app.browser.query == "month=2026-03&requests.model=m&requests.sort=cost"
    assert app.browser.mode == "replace", "a sort is not a history entry"

    app.navigate("table=items&items.request_id=r_1&items.sort=time&items.order=asc")  # a request row
    assert app.state.table == "items" and tables.selected_index == 1
    assert app.state.items_filters["request_id"] == "r_1" and not app.state.items_filters["descending"]

    carry = "table=items&" + "&".join(f"items.{k}=" for k in ("date_from", "project_id", "request_id"))
    app.navigate(carry + "&items.model=m&items.agent_id=")  # "items of these requests": agent_id is a filter
    assert app.state.view == "dashboard" and app.state.items_filters.get("model") == "m"
    assert "request_id" not in app.state.items_filters


def test_a_preheated_app_shows_the_viewers_link_and_reads_again_when_it_waited_long(edge_warehouse, monkeypatch):
    """The served notebook builds the app on its default view before the viewer arrives; the
    viewer's URL is applied after. A page that waited longer than PREHEAT_MAX_AGE reads its month
    again (a late viewer must not see data as old as the kernel)."""
    from org_analytics_widgets import app_request

    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    built, snapshots = [], []

    def build(opened):
        assert opened is engine
        built.append(App(opened))
        snapshots.append(built[0].dashboard.snapshot)
        assert built[0].dashboard.snapshot.period.month == "2026-11", "the current month, before any viewer"
        return built[0]

    monkeypatch.setattr(app_request, "open_engine", lambda: engine)
    monkeypatch.setenv("QUERY_STRING", "month=2026-11&hide=agent")
    app = app_request.app_for_viewer(build, lambda e: e)
    first = app.dashboard.snapshot
    assert app is built[0] and app.state.hidden_service_types == ("agent",)
    assert app.dashboard.snapshot is first, "the same month: nothing computed again"

    monkeypatch.setattr(app_request, "PREHEAT_MAX_AGE", -1.0)  # as if the viewer came much later
    built.clear()
    late = app_request.app_for_viewer(build, lambda e: e)
    assert late is built[0] and late.dashboard.snapshot is not snapshots[-1], "the month was read again"
    assert late.dashboard.state.status == "ready"

    failed = app_request.app_for_viewer(lambda _engine: 1 / 0, lambda e: f"error: {e}")
    assert failed == "error: The dashboard cannot be drawn: division by zero"


def test_a_link_with_a_zone_opens_the_page_and_the_agent_view_in_it(edge_warehouse, run_report):
    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    app = App(engine, "month=2026-03&tz=Asia/Kolkata")
    d = app.dashboard
    report = run_report(month="2026-03", timezone="Asia/Kolkata", now=NOW)
    assert (d.snapshot.period.timezone, d.kpis.values) == ("Asia/Kolkata", report["kpis"])
    assert app.browser.query == "month=2026-03&tz=Asia/Kolkata" and app.note.value == ""
    assert d.zone_selector.combo.value == "Asia/Kolkata"
    assert "month=2026-03&amp;tz=Asia/Kolkata" in d.top_agents.table.value, "an agent opened in a new tab keeps it"

    top = report["top_agents"][0]
    app.navigate(f"agent={top['agent_id']}&month=2026-03")  # a Top agents link: the zone stays
    assert (app.agent.period.timezone, app.agent.kpi_values["cost"]) == ("Asia/Kolkata", top["cost"])
    assert "Times in Asia/Kolkata" in app.agent.header.value
    assert app.browser.query == f"agent={top['agent_id']}&month=2026-03&tz=Asia/Kolkata"
    assert "month=2026-02&amp;tz=Asia/Kolkata" in app.agent.nav.value, "its month links keep the zone"

    app.browser._receive(app.browser, {"kind": "address", "query": "month=2026-03"}, [])  # Back, before the zone
    assert (app.state.view, d.snapshot.period.timezone) == ("dashboard", ZONE)
    assert d.kpis.values == run_report(month="2026-03", timezone=ZONE, now=NOW)["kpis"]
    d.zone_selector.combo.value = "Europe/Paris"
    assert (app.browser.query, app.browser.mode) == ("month=2026-03&tz=Europe/Paris", "push")
    engine.close()
