"""The integrity badge beside the KPIs (issue 15, item 4): what a manager reads, what a click opens,
and that the table it opens counts what the badge says."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl

import duckdb
import pytest
from test_integrity import ROWS

from edge_fixture import SCHEMA
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages import App
from org_analytics_widgets.state import DashboardState
from org_analytics_widgets.widgets.integrity_badge import IntegrityBadge

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"
COUNTS = {
    "unpriced_items": 3,
    "orphan_items": 1,
    "requests_without_items": 2,
    "unpriced_by_model": [
        {"model": "<b>m1</b>", "pricing_rule": "input_tokens", "unit": "token", "items": 2, "quantity": 15.0},
        {"model": None, "pricing_rule": "output_tokens", "unit": "token", "items": 1, "quantity": 10.0},
    ],
}


def badge(month: str = "2026-03", counts: dict = COUNTS) -> IntegrityBadge:
    widget = IntegrityBadge(DashboardState(month="2026-03", latest_month="2026-11"))
    widget.month, widget.counts = month, counts
    return widget


def clicks(widget: IntegrityBadge) -> dict[str, dict]:
    """Each part's check -> the view its click applies (decoded ``data-oa-view``)."""
    found = re.findall(r'data-check="(\w+)"[^>]*data-oa-view="([^"]*)"', widget.value)
    return {check: dict(parse_qsl(unescape(query), keep_blank_values=True)) for check, query in found}


# -- the widget ------------------------------------------------------------------------------------
def test_the_badge_says_each_problem_in_words():
    assert badge().text == "3 unpriced items · 1 item without a request · 2 requests without items"
    one = {"unpriced_items": 1, "orphan_items": 0, "requests_without_items": 1}
    assert badge(counts=one).text == "1 unpriced item · 1 request without items", "no part for a zero"
    assert badge(counts={**one, "unpriced_items": 12345}).text.startswith("12,345 unpriced items")


def test_a_clean_month_shows_no_badge():
    widget = badge(counts={"unpriced_items": 0, "orphan_items": 0, "requests_without_items": 0})
    assert widget.value == "" and widget.layout.display == "none"


def test_the_badge_follows_the_month_of_the_state():
    widget = badge()
    widget.state.month = "2026-02"  # a switch under way: March's counts are not February's
    assert widget.text == "" and widget.layout.display == "none"
    widget.month = "2026-02"
    assert widget.text.startswith("3 unpriced items") and widget.layout.display is None


def test_each_part_opens_its_table_filtered_to_those_rows_alone():
    opened = clicks(badge())
    assert set(opened) == {"unpriced", "orphan", "no_items"}
    assert opened["unpriced"]["table"] == "items" and opened["unpriced"]["items.integrity"] == "unpriced"
    assert opened["orphan"]["items.integrity"] == "orphan"
    assert opened["no_items"] == {
        "table": "requests",
        **{f"requests.{k}": "" for k in ("date_from", "date_to", "project_id", "service_type", "model")},
        **{f"requests.{k}": "" for k in ("agent_id", "status", "search")},
        "requests.integrity": "no_items",
    }, "the other filters are cleared, so the table counts what the badge says"
    assert opened["unpriced"]["items.project_id"] == "" and opened["unpriced"]["items.request_id"] == ""
    assert badge().value.count('data-oa-scroll="oa-usage-tables"') == 3, "a click scrolls to the table"


def test_the_unpriced_part_names_where_the_usage_comes_from_escaped():
    value = badge().value
    assert "Most from: &lt;b&gt;m1&lt;/b&gt;, input tokens (2 items); no model, output tokens (1 item)." in value
    assert "<b>m1" not in value, "model names are data, never markup"


def test_a_failed_check_says_so_small_in_place_of_the_badge():
    widget = badge()
    widget.error = "deadline of 30 s exceeded"
    assert widget.text == ""
    assert "Could not check the numbers: deadline of 30 s exceeded" in widget.value


# -- on the page, against the engine ---------------------------------------------------------------
@pytest.fixture(scope="module")
def integrity_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("badge") / "integrity.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute(ROWS)
    con.close()
    return f"duckdb:///{path}"


@pytest.mark.parametrize(
    "url_of, zone, text",
    [
        (lambda edge, rows: f"duckdb://{edge}", ZONE, "1 unpriced item · 4 requests without items"),
        (  # test_integrity's hand-computed counts (UTC)
            lambda edge, rows: rows,
            "UTC",
            "3 unpriced items · 3 items without a request · 1 request without items",
        ),
    ],
    ids=["edge fixture", "integrity rows"],
)
def test_a_click_opens_the_table_that_counts_what_the_badge_says(edge_warehouse, integrity_url, url_of, zone, text):
    engine = Engine.open(url_of(edge_warehouse, integrity_url), timezone=zone, now=NOW, cache=False)
    app = App(engine, "month=2026-03&items.model=gpt-x&requests.status=error")
    d = app.dashboard
    assert d.integrity.text == text
    for part, count in d.integrity.shown:
        query = next(
            unescape(q)
            for c, q in re.findall(r'data-check="(\w+)"[^>]*data-oa-view="([^"]*)"', d.integrity.value)
            if c == part.check
        )
        app.browser._receive(app.browser, {"kind": "open", "query": query}, [])
        table = d.usage_tables.items if part.kind == "items" else d.usage_tables.requests
        assert app.state.table == part.kind and d.usage_tables.visible is table
        assert table.widget.status == "ready" and table.widget.total_rows == count, part.key
        assert f"{part.kind}.integrity={part.check}" in app.browser.query, "the filter is in the address bar"
    engine.close()


def test_the_badge_follows_a_month_switch(edge_warehouse):
    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    app = App(engine, "month=2026-03")
    badge = app.dashboard.integrity
    assert badge.text == "1 unpriced item · 4 requests without items"
    app.dashboard.month_selector.previous_button.click()
    assert app.state.month == "2026-02" and badge.month == "2026-02"
    assert badge.text == "" and badge.layout.display == "none", "February is clean"
    app.dashboard.month_selector.next_button.click()
    assert badge.text == "1 unpriced item · 4 requests without items"
    engine.close()


def test_in_a_kernel_the_check_runs_beside_the_page_and_a_click_does_not_wait_for_it(edge_warehouse):
    """In a running event loop (a kernel) on DuckDB the badge's check waits for the viewer's pause
    and runs on a thread of its own on a connection of its own: a month switch is drawn while a
    slow check still runs, and the badge of the month shown arrives after."""
    import asyncio
    import threading

    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    check, events, release = engine.integrity, [], threading.Event()

    def slow_integrity(period, apart=False):
        assert apart and threading.current_thread() is not threading.main_thread()
        events.append(f"check {period.month}")
        release.wait(30)  # a slow check: runs until the test says so
        return check(period, apart=True)

    engine.integrity = slow_integrity

    async def steps():
        app = App(engine, "month=2026-03")
        badge = app.dashboard.integrity
        assert badge.text == "" and badge.month == "2026-03", "nothing said before the check"
        await asyncio.sleep(1)
        assert events == [], "the check waits until the page has drawn and the viewer pauses"
        app.browser.in_view = ["oa-charts-row"]  # the page drew
        for _ in range(200):
            await asyncio.sleep(0.05)
            if events:
                break
        app.dashboard.month_selector.previous_button.click()  # while March's check runs
        app.dashboard.month_selector.next_button.click()
        assert app.state.status == "ready" and events == ["check 2026-03"], "drawn without waiting"
        release.set()
        for _ in range(600):
            await asyncio.sleep(0.05)
            if badge.text:
                break
        assert badge.text == "1 unpriced item · 4 requests without items" and badge.month == "2026-03", (
            badge.error,
            events,
        )
        assert "check 2026-02" not in events, "February was left before the viewer paused"

    asyncio.run(steps())
    engine.close()


def test_a_query_apart_gives_the_same_rows_and_keeps_the_deadline(edge_warehouse):
    from data_connectors import connect
    from data_connectors.errors import QueryTimeout
    from org_analytics_widgets.metrics import integrity as checks
    from org_analytics_widgets.period import Period

    wh = connect(f"duckdb://{edge_warehouse}")
    period = Period.for_month("2026-03", ZONE, NOW)
    assert wh.runs_apart
    for expr in checks.counts(wh, period).values():
        assert wh.execute_apart(expr).to_dict("records") == wh.execute(expr).to_dict("records")
    parts = [wh.usage_items.select(**{f"q{i}": "quantity"}) for i in range(6)]  # rows^6: seconds of work
    slow = parts[0]
    for part in parts[1:]:
        slow = slow.cross_join(part)
    with pytest.raises(QueryTimeout, match="did not answer within"):
        wh.execute_apart(slow.aggregate(n=slow.q0.count()), seconds=0.05)
    wh.close()
