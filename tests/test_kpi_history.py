"""A KPI's history (issue 15, item 8): each KPI card's number in the 13 months ending at the month
shown, from the monthly facts (rollups when they fit, else one GROUP BY month per fact on the raw
tables), the month still running marked partial. Numbers worked out by hand on
tests/kpi_history_fixture.py; the rollups and the raw tables agree on it and the edge fixture."""

from __future__ import annotations

import asyncio

import pytest
from conftest import duckdb_url, report_runner, with_rollups
from kpi_history_fixture import NOW, ZONE, build_kpi_history_warehouse

from data_connectors import connect
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.engine.sources import RawSource, RollupSource
from org_analytics_widgets.pages import App
from org_analytics_widgets.pages.organization import Dashboard
from org_analytics_widgets.pages.read_ahead import IDLE_DELAY
from org_analytics_widgets.period import Months, shift_month
from org_analytics_widgets.rollups import Rollups
from org_analytics_widgets.widgets.kpi_cards import KpiCards

KEYS = (
    "total_requests",
    "failed_requests",
    "total_tokens",
    "unique_models",
    "active_projects",
    "total_conversations",
    "total_cost",
    "error_rate",
)
NONE = (0, 0, 0, 0, 0, 0, 0.0, None)  # a month without usage: 0, and no error rate (no requests)
# New York, worked out from the fixture's table (requests, failed, tokens, models, projects,
# conversations, cost, error rate):
NOVEMBER_2025 = (2, 1, 120, 1, 2, 1, 1.25, 0.5)  # n1, n2 (old is Oct 31 in New York); n2 failed: its 30 tokens out
OCTOBER_2025 = (1, 0, 10, 1, 1, 1, 7.0, 0.0)  # old
FEBRUARY_2026 = (1, 0, 10, 1, 1, 1, 0.5, 0.0)  # f1 (Feb 28, 23:30 in New York)
MARCH_2026 = (2, 0, 300, 2, 1, 1, 3.0, 0.0)  # m1 (two models), m2 (no model, no conversation, null cost)
OCTOBER_2026 = (1, 0, 2, 1, 1, 1, 0.75, 0.0)  # o1
NOVEMBER_2026 = (2, 1, 50, 1, 2, 1, 1.5, 0.5)  # c1, c2 (failed); "late" is after now


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The fixture's warehouse and its rollups."""
    return with_rollups(tmp_path_factory.mktemp("kpi-history"), "history.duckdb", build_kpi_history_warehouse)


def engine_of(path, rollups=None, zone: str = ZONE, now: str = NOW) -> Engine:
    return Engine(connect(duckdb_url(path)), Rollups.open(rollups) if rollups else None, zone, now, cache=False)


def rows(history) -> dict:
    """{month: (partial, the KPIs of KEYS)}; money compared after the report's rounding."""
    return {row["month"]: (row["partial"], *(row[key] for key in KEYS)) for row in history}


def expect(last: str, partial: bool, found: dict[str, tuple]) -> dict:
    """The 13 months ending at ``last``: ``found`` where given, else a month without usage."""
    months = [shift_month(last, k) for k in range(-12, 1)]
    return {m: (partial and m == last, *found.get(m, NONE)) for m in months}


def test_the_current_months_history_by_hand(warehouse, run_cli):
    """November 2026 is running: its point is partial and is the card's number; the year before it
    holds three months with usage, every other month 0; October 2025 (the 14th month) is left out."""
    path, rollups = warehouse
    report = report_runner(run_cli, duckdb_url(path))(month="2026-11", timezone=ZONE, now=NOW)
    history = report["kpi_history"]["months"]
    assert [row["month"] for row in history][0] == "2025-11" and len(history) == 13
    assert rows(history) == expect(
        "2026-11",
        True,
        {"2025-11": NOVEMBER_2025, "2026-02": FEBRUARY_2026, "2026-03": MARCH_2026, "2026-10": OCTOBER_2026}
        | {"2026-11": NOVEMBER_2026},
    )
    assert {key: history[-1][key] for key in KEYS} == {key: report["kpis"][key] for key in KEYS}, (
        "the line ends on the card's number"
    )


def test_a_closed_months_history_by_hand(warehouse):
    """March 2026 is closed: no point is partial, and its window (April 2025 on) holds October 2025."""
    path, rollups = warehouse
    engine = engine_of(path)
    history = engine.kpi_history("2026-03").rows
    assert rows(history) == expect(
        "2026-03",
        False,
        {"2025-10": OCTOBER_2025, "2025-11": NOVEMBER_2025, "2026-02": FEBRUARY_2026, "2026-03": MARCH_2026},
    )


def test_a_rows_month_is_its_local_month(warehouse):
    """In UTC "old" is in November 2025 and f1 in March 2026 (New York: October and February)."""
    path, _ = warehouse
    history = rows(engine_of(path, zone="UTC").kpi_history("2026-11").rows)
    assert history["2025-11"] == (False, 3, 1, 130, 1, 2, 2, 8.25, 0.3333333333)  # old, n1, n2: c0 and c1
    assert history["2026-02"] == (False, *NONE)
    assert history["2026-03"] == (False, 3, 0, 310, 2, 2, 2, 3.5, 0.0)  # f1, m1, m2: p1 and p3, c2 and c3


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/New_York"])
def test_the_rollups_give_the_raw_tables_history(warehouse, edge_warehouse, tmp_path, zone):
    """Read from the rollups (no raw scan) or from the raw tables, every month's numbers are the same:
    on both fixtures, for a closed month and for the current month cut at "now" inside a bucket."""
    from org_analytics_widgets.rollups import build

    edge_rollups = tmp_path / "edge-rollups.duckdb"
    wh = connect(duckdb_url(edge_warehouse))
    build(wh, edge_rollups)
    wh.close()
    for path, rollups in (warehouse, (edge_warehouse, edge_rollups)):
        for month, now in (("2026-03", NOW), ("2026-11", "2026-11-25T12:07:30Z")):
            raw, rolled = engine_of(path, None, zone, now), engine_of(path, rollups, zone, now)
            months = Months.ending(shift_month(month, -1), 12, zone, now)
            assert rolled.source(months).name == "rollups", "a year of whole buckets is read from the rollups"
            assert rolled.kpi_history(month).rows == raw.kpi_history(month).rows, (path.name, month)


def test_each_month_of_the_history_is_that_months_kpis(edge_warehouse):
    """A month on the line is the month's own KPIs, as its page's cards show them (edge fixture)."""
    engine = engine_of(edge_warehouse)
    history = engine.kpi_history("2026-11").rows
    for row in history:
        kpis = engine.kpis(row["month"])
        assert {key: row[key] for key in KEYS} == {key: kpis[key] for key in KEYS}, row["month"]


def test_the_year_before_is_one_read_of_three_facts_from_the_rollups(warehouse, monkeypatch):
    """The 12 months before the month shown are one call for the three monthly facts over all of
    them (three queries, not 12 x 3), from the rollups: the raw usage is not scanned; then each is
    kept as the closed month it is, so the month before or after reads one month more."""
    path, rollups = warehouse
    calls = []
    real = RollupSource.facts
    monkeypatch.setattr(RollupSource, "facts", lambda self, *args: (calls.append(args), real(self, *args))[1])
    monkeypatch.setattr(RawSource, "facts", lambda *args: pytest.fail("the raw tables were scanned"))
    engine = engine_of(path, rollups)
    snapshot = engine.snapshot("2026-03")
    calls.clear()
    engine.kpi_history("2026-03", snapshot)
    [(months, names)] = calls
    assert names == ("monthly_totals", "monthly_projects", "monthly_models")
    assert (months.months[0], months.months[-1], len(months.months)) == ("2025-03", "2026-02", 12)
    engine.kpi_history("2026-03", snapshot)
    assert len(calls) == 1, "asked again, the closed months come from memory"
    for month, read in (("2026-04", "2026-03"), ("2026-02", "2025-02")):
        calls.clear()
        engine.kpi_history(month, engine.snapshot(month))
        [(months, _)] = calls[-1:]
        assert months.months == (read,), f"{month}'s year: only {read} was not known"


def test_outside_a_page_the_cards_show_the_history_with_the_numbers(warehouse, run_cli):
    """In a notebook or a script the sparklines are drawn with the month (as the report gives them)."""
    path, _ = warehouse
    report = report_runner(run_cli, duckdb_url(path))(month="2026-03", timezone=ZONE, now=NOW)
    page = Dashboard(engine_of(path), month="2026-03")
    assert page.kpis.history == report["kpi_history"]["months"]
    assert "March 2026: 2 requests" in page.kpis.cards["total_requests"].value


def test_in_a_page_the_history_waits_for_the_viewers_pause(warehouse):
    """A month switch draws each card once, without its sparkline (space kept), and the history comes
    when the viewer pauses: the switch neither waits for it nor carries it."""
    path, _ = warehouse

    async def steps():
        app = App(engine_of(path), "month=2026-03")
        app.browser.in_view = ["oa-charts-row"]
        cards = app.dashboard.kpis
        drawn = []
        cards.cards["total_cost"].observe(lambda change: drawn.append(change["new"]), names=["value"])
        app.browser._receive(app.browser, {"kind": "open", "query": "month=2026-02"}, [])
        assert app.state.status == "ready" and cards.history == []
        assert len(drawn) == 1 and 'class="oa-spark oa-spark-empty"' in drawn[0], "drawn once, the line's box empty"
        await asyncio.sleep(IDLE_DELAY * 3 + 0.5)
        assert [row["month"] for row in cards.history][-1] == "2026-02"
        assert len(drawn) == 2 and "February 2026: $0.50 spent" in drawn[1]

    asyncio.run(steps())


def test_a_sparkline_tells_each_month_in_words_and_marks_the_running_month():
    """Each month's value in words on hover; the running month hollow, on a dashed line; a month
    without requests has no error rate (the line breaks there)."""
    months = ["2026-09", "2026-10", "2026-11"]
    history = [
        {"month": m, "partial": m == "2026-11", **dict(zip(KEYS, values))}
        for m, values in zip(months, [(4, 1, 40, 2, 1, 3, 1234.5, 0.25), NONE, (1, 0, 1, 1, 1, 1, 0.004, 0.0)])
    ]
    cards = KpiCards(values={"total_requests": 1}, history=history)
    requests, rate, cost = (cards.cards[key].value for key in ("total_requests", "error_rate", "total_cost"))
    assert "<title>September 2026: 4 requests (1 failed)</title>" in requests
    assert "<title>October 2026: 0 requests</title>" in requests
    assert "<title>November 2026, month to date: 1 request</title>" in requests
    assert 'data-month="2026-11" data-value="1" data-partial="true"' in requests
    assert 'stroke-dasharray="2 2"' in requests and 'fill="#fff"' in requests, "the running month: dashed, hollow"
    assert "<title>September 2026: $1,234.50 spent</title>" in cost and "$0.004 spent" in cost
    assert "<title>October 2026: no requests</title>" in rate and "25.0 % of requests failed (1 of 4)" in rate
    assert "<polyline" not in rate, "no line across a month without an error rate"

    closed = KpiCards(values={"total_requests": 1}, history=[dict(row, partial=False) for row in history])
    assert "stroke-dasharray" not in closed.cards["total_requests"].value, "a closed month: a plain line, a dot"
