"""The dashboard in plain Python: one state drives every widget; loading, empty and error states."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from traitlets import TraitError

from data_connectors import connect
from org_analytics_widgets.pages.organization import Dashboard
from org_analytics_widgets import view_url
from org_analytics_widgets.period import month_of

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"


@pytest.fixture
def dashboard(edge_warehouse):
    wh = connect(f"duckdb://{edge_warehouse}")
    yield Dashboard(wh, timezone=ZONE, month="2026-03", now=NOW)
    wh.close()


def widget_numbers(d: Dashboard) -> dict:
    return {
        "kpis": dict(d.kpis.values),
        "types": list(d.cost_overview.totals["service_type"]),
        "slices": list(d.project_costs.slices["name"]),
        "total": d.project_costs.total,
        "trend_projects": sorted(set(d.project_trends.trends["project_id"])),
    }


def test_widgets_show_the_report_numbers(dashboard, run_report):
    report = run_report(month="2026-03", timezone=ZONE, now=NOW)
    shown = widget_numbers(dashboard)
    assert shown["kpis"] == report["kpis"]
    assert shown["types"] == [row["service_type"] for row in report["cost_by_service_type"]]
    assert shown["slices"] == [row["name"] for row in report["cost_by_project"]["slices"]]
    assert shown["total"] == report["cost_by_project"]["total"]
    assert shown["trend_projects"] == sorted({row["project_id"] for row in report["project_trends"]})
    assert dashboard.state.status == "ready"


def test_month_change_updates_every_widget(dashboard, run_report):
    march = widget_numbers(dashboard)
    dashboard.month_selector.previous_button.click()
    assert dashboard.state.month == "2026-02"
    february = run_report(month="2026-02", timezone=ZONE, now=NOW)
    shown = widget_numbers(dashboard)
    assert shown["kpis"] == february["kpis"]
    assert shown["types"] == [row["service_type"] for row in february["cost_by_service_type"]]
    assert shown["slices"] == [row["name"] for row in february["cost_by_project"]["slices"]]
    assert all(shown[key] != march[key] for key in ("kpis", "slices")), "every widget must follow the month"
    assert "February 2026" in dashboard.month_selector.label.value
    assert dashboard.kpis.previous_label == "Jan"


def test_next_is_disabled_at_the_current_month(edge_warehouse):
    d = Dashboard(connect(f"duckdb://{edge_warehouse}"), timezone=ZONE, now=NOW)
    assert d.state.month == "2026-11"
    assert d.month_selector.next_button.disabled
    d.month_selector.next_button.click()
    assert d.state.month == "2026-11"
    d.month_selector.previous_button.click()
    assert d.state.month == "2026-10" and not d.month_selector.next_button.disabled
    with pytest.raises(TraitError, match="after the current month"):
        d.state.month = "2026-12"


def test_kpi_change_against_previous_month(dashboard, run_report):
    february = run_report(month="2026-02", timezone=ZONE, now=NOW)["kpis"]
    assert dashboard.kpis.previous == february
    card = dashboard.kpis.cards["total_requests"].value
    march = dashboard.kpis.values["total_requests"]
    pct = (march - february["total_requests"]) / february["total_requests"] * 100
    assert f"{pct:+.1f} %" in card and "vs Feb" in card


def test_trend_filter_narrows_every_line(dashboard, run_report):
    dashboard.project_trends.dropdown.value = "agent"
    assert dashboard.state.trend_service_type == "agent"
    agent_cards = [
        c for c in run_report(month="2026-03", timezone=ZONE, now=NOW)["service_types"] if c["service_type"] == "agent"
    ]
    expected = {(r["date"], r["project_id"]): r["cost"] for r in agent_cards[0]["daily_cost_by_project"]}
    shown = {(str(r["date"]), r["project_id"]): r["cost"] for r in dashboard.project_trends.trends.to_dict("records")}
    assert shown == expected


def test_empty_month_hides_the_charts(dashboard):
    dashboard.state.month = "2026-06"
    assert dashboard.state.status == "empty"
    assert "No usage in June 2026" in dashboard.status.value
    assert dashboard.charts.layout.display == "none"


def test_failed_query_keeps_the_last_month_and_recovers_on_refresh(edge_warehouse, tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    con = duckdb.connect(str(edge_warehouse), read_only=True)
    for table in ("projects", "agents", "usage_requests", "usage_items"):
        con.execute(f"COPY {table} TO '{folder / (table + '.parquet')}' (FORMAT parquet)")
    con.close()
    d = Dashboard(connect(f"parquet://{folder}"), timezone=ZONE, month="2026-03", now=NOW)
    march_kpis = dict(d.kpis.values)

    items = folder / "usage_items.parquet"
    shutil.move(items, tmp_path / "away.parquet")  # the warehouse loses a table mid-session
    d.state.month = "2026-02"
    assert d.state.status == "error"
    assert "Could not load February 2026" in d.status.value and "Still showing March 2026" in d.status.value
    assert d.kpis.values == march_kpis and d.kpis.stale, "previous content stays, marked as stale"

    shutil.move(tmp_path / "away.parquet", items)
    d.month_selector.refresh_button.click()
    assert d.state.status == "ready" and not d.kpis.stale
    assert d.snapshot.period.month == "2026-02"


@pytest.mark.parametrize(
    "query, month, problem",
    [
        ("month=2026-03", "2026-03", ""),
        ("", "2026-11", ""),
        ("month=2026-13", "2026-11", "invalid month"),
        ("month=%3Cscript%3E", "2026-11", "invalid month"),
        ("month=2027-01", "2026-11", "in the future"),
    ],
)
def test_month_from_the_url(query, month, problem):
    got, message = month_of(view_url.decode(query)[0].get("month"), "2026-11")
    assert got == month and problem in message


def test_current_month_is_compared_with_the_same_days_of_the_previous_month(edge_warehouse, run_report):
    d = Dashboard(connect(f"duckdb://{edge_warehouse}"), timezone=ZONE, now=NOW)
    # now = 2026-11-25T12:00Z = 07:00 EST on Nov 25: compare Oct 1 00:00 to Oct 25 07:00 local (same wall-clock span)
    assert d.comparison.month == "2026-10"
    assert d.comparison.end.isoformat() == "2026-10-25T07:00:00-04:00"
    assert d.kpis.previous_label == "Oct 1–25"
    october_to_date = run_report(month="2026-10", timezone=ZONE, now="2026-10-25T11:00:00Z")["kpis"]
    assert d.kpis.previous == october_to_date


def test_comparison_across_a_year_names_the_year(edge_warehouse):
    d = Dashboard(connect(f"duckdb://{edge_warehouse}"), timezone=ZONE, month="2026-01", now=NOW)
    assert d.kpis.previous_label == "Dec 2025"


def test_a_closed_month_seen_before_comes_from_the_cache(edge_warehouse, tmp_path):
    import os
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copy(edge_warehouse, path)
    d = Dashboard(connect(f"duckdb://{path}"), timezone=ZONE, month="2026-03", now=NOW)
    march = d.snapshot
    d.state.month = "2026-02"
    d.state.month = "2026-03"
    assert d.snapshot is march and d.state.status == "ready", "switching back reuses March"
    d.state.month = "2026-11"
    current = d.snapshot
    d.state.month = "2026-10"
    d.state.month = "2026-11"
    assert d.snapshot is not current, "the current month is always computed again"
    d.state.month = "2026-03"
    assert d.snapshot is march
    d.state.refresh_count += 1
    assert d.snapshot is not march, "Refresh reads the warehouse again"
    refreshed = d.snapshot
    d.state.month = "2026-02"
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))  # a new warehouse version
    d.state.month = "2026-03"
    assert d.snapshot is not refreshed and d.snapshot.kpis == march.kpis


def test_a_month_switch_draws_each_widget_once(dashboard):
    """Each widget is given the new month's data and drawn once, not once per trait set."""
    drawn: list[str] = []

    def watch(name, widget, trait):
        widget.observe(lambda _change: drawn.append(name), names=[trait])

    watch("cost overview bars", dashboard.cost_overview.bars, "y")
    watch("cost by project", dashboard.project_costs.pie, "sizes")
    watch("project trends", dashboard.project_trends.lines, "y")
    watch("top agents", dashboard.top_agents.table, "value")
    for service_type, card in dashboard.service_cards.card_widgets.items():
        watch(f"{service_type} card", card.legend, "value")
    for key, card in dashboard.kpis.cards.items():  # faded while loading by a class on the row
        watch(f"{key} KPI", card, "value")
    watch("status line", dashboard.status, "value")
    dashboard.parts_on_screen(["oa-more-charts", "oa-charts-row", "oa-top-agents-section", "oa-service-types"])
    watch("usage table", dashboard.usage_tables.requests.widget.table, "value")
    dashboard.state.month = "2026-02"
    assert dashboard.state.status == "ready"
    statuses = [name for name in drawn if name == "status line"]
    assert len(statuses) == 2, "the status line says 'Loading' once, then 'ready' once"
    twice = sorted({name for name in drawn if drawn.count(name) > 1} - {"status line"})
    assert twice == [], f"drawn more than once: {twice}"
    assert {"cost overview bars", "cost by project", "project trends", "top agents", "total_cost KPI"} <= set(drawn)
    assert "usage table" in drawn and dashboard.usage_tables.requests.widget.status == "loading"
    drawn.clear()
    dashboard.state.month = "2026-03"  # off screen and loading already: its rows are not sent again
    assert "usage table" not in drawn and "oa-stale" not in dashboard.kpis._dom_classes


def daily(frame, value: str = "cost") -> dict:
    """A daily frame as {(date, key): value} with the report's rounding."""
    key = [c for c in frame.columns if c not in ("date", value)][0]
    return {(str(r["date"]), r[key]): round(float(r[value]), 10) for r in frame.to_dict("records")}


def test_a_zone_chosen_on_the_page_shows_that_zones_report(dashboard, run_report):
    """Every day and number of the page follows the viewer's zone as ``report --timezone`` does
    (issue 16): KPIs, the cost overview's days, trends, top agents, service cards, usage tables."""
    assert "America/New_York (organization)" in dashboard.zone_selector.combo.options
    assert dashboard.zone_selector.combo.value == "America/New_York (organization)"
    dashboard.zone_selector.combo.value = "Asia/Kolkata"
    report = run_report(month="2026-03", timezone="Asia/Kolkata", now=NOW)
    shown = widget_numbers(dashboard)
    assert dashboard.state.status == "ready" and dashboard.snapshot.period.timezone == "Asia/Kolkata"
    assert shown["kpis"] == report["kpis"]
    assert shown["slices"] == [row["name"] for row in report["cost_by_project"]["slices"]]
    assert daily(dashboard.cost_overview.daily) == {
        (r["date"], r["service_type"]): r["cost"] for r in report["daily_cost_by_service_type"]
    }
    assert daily(dashboard.project_trends.trends) == {
        (r["date"], r["project_id"]): r["cost"] for r in report["project_trends"]
    }
    assert list(dashboard.top_agents.agents["agent_id"]) == [r["agent_id"] for r in report["top_agents"]]
    assert list(dashboard.top_agents.agents["cost"]) == [r["cost"] for r in report["top_agents"]]
    cards = {card.service_type: card for card in dashboard.service_cards.cards}
    for expected in report["service_types"]:
        requests = cards[expected["service_type"]].daily_requests
        assert dict(zip(requests["date"].astype(str), requests["requests"])) == {
            r["date"]: r["requests"] for r in expected["daily_requests"]
        }, expected["service_type"]
    tables = dashboard.usage_tables
    assert tables.requests.period.timezone == "Asia/Kolkata" and tables.requests.widget.status == "ready"
    assert "Times in Asia/Kolkata" in dashboard.header.value

    dashboard.zone_selector.combo.value = "America/New_York (organization)"
    assert widget_numbers(dashboard)["kpis"] == run_report(month="2026-03", timezone=ZONE, now=NOW)["kpis"]
    assert dashboard.state.timezone == ZONE


def test_a_name_that_is_not_a_zone_is_refused_with_a_sentence(dashboard):
    snapshot = dashboard.snapshot
    dashboard.zone_selector.combo.value = "Mars/Olympus_Mons"
    note = dashboard.zone_selector.note.value
    assert "Unknown time zone &#x27;Mars/Olympus_Mons&#x27;: use an IANA name" in note, note
    assert dashboard.state.timezone == ZONE and dashboard.snapshot is snapshot, "the page stays as it was"
    assert dashboard.zone_selector.combo.value == "America/New_York (organization)"
    dashboard.zone_selector.combo.value = "<b>" * 5000  # a viewer can send anything: not echoed whole
    assert "at most 64 characters" in dashboard.zone_selector.note.value
    assert len(dashboard.zone_selector.note.value) < 200 and dashboard.state.timezone == ZONE
    dashboard.zone_selector.combo.value = "Europe/Paris"
    assert dashboard.zone_selector.note.value == "" and dashboard.snapshot.period.timezone == "Europe/Paris"


def test_the_navigators_latest_month_is_the_current_month_in_the_zone_shown(edge_warehouse, run_report):
    now = "2026-11-30T20:00:00Z"  # 15:00 on 30 Nov in New York, 05:00 on 1 Dec in Tokyo
    d = Dashboard(connect(f"duckdb://{edge_warehouse}"), timezone=ZONE, now=now)
    assert (d.state.month, d.month_selector.next_button.disabled) == ("2026-11", True)
    d.zone_selector.combo.value = "Asia/Tokyo"
    assert (d.state.latest_month, d.state.month) == ("2026-12", "2026-11")
    assert d.kpis.values == run_report(month="2026-11", timezone="Asia/Tokyo", now=now)["kpis"]
    d.month_selector.next_button.click()
    assert (d.snapshot.period.month, d.snapshot.period.timezone) == ("2026-12", "Asia/Tokyo")
    assert d.kpis.values == run_report(month="2026-12", timezone="Asia/Tokyo", now=now)["kpis"]
    assert d.month_selector.next_button.disabled, "December is Tokyo's current month"
    d.zone_selector.combo.value = "UTC"
    assert (d.state.latest_month, d.state.month, d.snapshot.period.month) == ("2026-11", "2026-11", "2026-11"), (
        "December has not begun in UTC: the month shown becomes UTC's current one"
    )
    assert d.kpis.values == run_report(month="2026-11", timezone="UTC", now=now)["kpis"]


def test_the_charts_under_the_cost_overview_wait_off_screen_and_draw_when_scrolled_to(dashboard, run_report):
    """Cost by model, cost per use, cache savings and the spend change are drawn when on screen (a
    month switch redraws only what the viewer sees), then with the month shown."""
    dashboard.parts_on_screen(["oa-charts-row"])
    drawn = []
    dashboard.model_costs.pie.observe(lambda _change: drawn.append("cost by model"), names=["sizes"])
    dashboard.state.month = "2026-02"
    assert drawn == [] and "oa-stale" in dashboard.parts["oa-more-charts"]._dom_classes, "faded, not drawn"
    dashboard.parts_on_screen(["oa-more-charts"])
    assert drawn == ["cost by model"] and "oa-stale" not in dashboard.parts["oa-more-charts"]._dom_classes
    want = run_report(month="2026-02", timezone=ZONE, now=NOW)["cost_by_model"]
    assert dashboard.model_costs.total == pytest.approx(want["total"])
