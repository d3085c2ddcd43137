"""Unusual days (issue 15, item 3) against numbers worked out by hand on the tiny warehouse of
tests/unusual_fixture.py (read its docstring first). The rule: a day is unusual when |cost − median|
> 3.5 × 1.4826 × MAD of the same kind of day (weekdays / weekend days) among the 28 days before it,
and the departure is at least $1 and 20 % of the median; its contributor is the (project, model)
whose own cost departs most from its own median over those days, the same way.

By hand. Any 28 days hold 4 of each weekday and 8 weekend days. November's baselines all lie within
the data (from Thu 1 Oct; the first Nov day's window is Oct 4 .. Oct 31, the previous month's read).

* Weekdays before the spike: 4 × each of Mon 15, Tue 17, Wed 19, Thu 17, Fri 15, i.e. eight 15s,
  eight 17s, four 19s: the median is the mean of the 10th and 11th, 17. Deviations: eight 0s, twelve
  2s -> MAD 2, spread 1.4826 × 2 = 2.9652, threshold 3.5 × 2.9652 = 10.378. Every normal weekday
  departs by 2 at most: none is unusual.
* Wed 18 Nov costs 17 + 45 = 62: departure +45 > 10.378, >= $1, >= 20 % × 17: unusual, above.
  Contributors: Beta / m-big's weekdays are all $5 (median 5): 45 − 5 = +40; Alpha / m-small's are
  eight 10s, eight 12s, four 14s (median 12): 17 − 12 = +5. Beta / m-big, +40.
* After the spike its weekdays' windows hold one 62 instead of a 19: the median (10th and 11th of
  eight 15s, eight 17s, three 19s, one 62) stays 17 and the MAD 2: no later weekday is unusual.
* Weekend days are all $2 (Alpha 1.50 + Beta 0.50) but Sat 21 ($2.90): median 2, MAD 0.
  Sat 21 departs by 0.90 > 0 spreads, but less than $1: not unusual (the minimum departure).
  Sun 22 and 28 have Sat 21 in their window (seven 2s and one 2.90): median 2, MAD 0, cost 2: no.
* Sun 29 Nov has no usage: 0 − 2 = −2 > 0, >= $1, >= 20 % × 2: unusual, below. Contributors: Alpha
  0 − 1.50 = −1.50, Beta 0 − 0.50 = −0.50: Alpha / m-small, −1.50 (it has no item that day).
* Mon 30 Nov: a normal Monday (15 against 17): no.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pandas as pd
import pytest
from unusual_fixture import CLOSED_NOW, CURRENT_NOW, MONTH, SPIKE, ZONE, build_unusual_warehouse

from conftest import duckdb_url, report_runner
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages.app import App
from org_analytics_widgets.state import DashboardState
from org_analytics_widgets.widgets.cost_overview import CostOverview

SPIKE_DAY = {
    "date": "2026-11-18",
    "weekend": False,
    "cost": 62.0,
    "baseline": 17.0,
    "mad": 2.0,
    "departure": 45.0,
    "direction": "above",
    "baseline_days": 20,
    "contributor": {
        "project_id": "p_beta",
        "name": "Beta",
        "model": "m-big",
        "cost": 45.0,
        "baseline": 5.0,
        "departure": 40.0,
    },
}
QUIET_SUNDAY = {
    "date": "2026-11-29",
    "weekend": True,
    "cost": 0.0,
    "baseline": 2.0,
    "mad": 0.0,
    "departure": -2.0,
    "direction": "below",
    "baseline_days": 8,
    "contributor": {
        "project_id": "p_alpha",
        "name": "Alpha",
        "model": "m-small",
        "cost": 0.0,
        "baseline": 1.5,
        "departure": -1.5,
    },
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("unusual") / "unusual.duckdb"
    build_unusual_warehouse(path)
    return path


@pytest.fixture
def report(run_cli, warehouse):
    return report_runner(run_cli, duckdb_url(warehouse))


def test_a_closed_month_flags_the_spike_and_the_empty_sunday_with_their_contributors(report):
    section = report(month=MONTH, timezone=ZONE, now=CLOSED_NOW)["unusual_days"]
    assert (section["window_days"], section["threshold"], section["min_departure"]) == (28, 3.5, 1.0)
    assert section["days"] == [SPIKE_DAY, QUIET_SUNDAY]


def test_today_is_not_judged_in_the_current_month(report):
    # now Sun 29 Nov 12:00: Sun 29 is not a whole day yet, so only the spike is unusual
    assert report(month=MONTH, timezone=ZONE, now=CURRENT_NOW)["unusual_days"]["days"] == [SPIKE_DAY]


def test_a_month_without_enough_baseline_days_has_none(report):
    # October: its first weekdays have fewer than 4 weekdays of data before them, and none departs
    assert report(month="2026-10", timezone=ZONE, now=CLOSED_NOW)["unusual_days"]["days"] == []


def unusual_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "date": date(2026, 11, 18),
                "cost": 62.0,
                "baseline": 17.0,
                "departure": 45.0,
                "direction": "above",
                "weekend": False,
                "project_id": "p_beta",
                "name": "<b>Beta</b>",
                "model": "m-big",
            }
        ]
    )


def test_the_marker_sits_on_its_day_and_says_the_project_and_model_on_hover():
    state = DashboardState(month="2026-11", latest_month="2026-11")
    overview = CostOverview(state)
    overview.daily = pd.DataFrame({"date": [date(2026, 11, 18)] * 2, "service_type": ["a", "b"], "cost": [60.0, 2.0]})
    overview.totals = pd.DataFrame({"service_type": ["a", "b"], "cost": [60.0, 2.0]})
    overview.unusual = unusual_frame()
    assert list(overview.unusual_marks.x) == ["Nov 18"] and list(overview.unusual_marks.y) == [62.0]
    overview._on_unusual_hover(overview.unusual_marks, {"data": {"index": 0}})
    tip = overview.unusual_tooltip.value
    assert "Unusual day: Wed Nov 18" in tip and "$45.00 above the usual $17.00" in tip
    assert "Most from &lt;b&gt;Beta&lt;/b&gt;, model m-big" in tip, "the name is escaped"
    state.hidden_service_types = ("a",)
    assert list(overview.unusual_marks.y) == [2.0], "the marker follows the visible bars"
    assert "Nov 18 (+$45.00, most from &lt;b&gt;Beta&lt;/b&gt;, model m-big)" in overview.unusual_note.value


def test_a_click_on_the_marker_filters_the_items_table_to_the_day_and_its_contributor():
    state = DashboardState(month="2026-11", latest_month="2026-11")
    state.items_filters = {"service_type": "x", "sort": "cost"}
    overview = CostOverview(state)
    overview.unusual = unusual_frame()
    overview._open_unusual({"data": {"index": 0}})
    assert state.table == "items"
    filters = {k: v for k, v in state.items_filters.items() if k not in ("descending", "page")}
    assert filters == {
        "date_from": "2026-11-18",
        "date_to": "2026-11-18",
        "project_id": "p_beta",
        "model": "m-big",
        "sort": "cost",
    }, "the day and contributor, other filters cleared, the sort kept"


@pytest.mark.parametrize("how", ["marker", "note"])
def test_on_the_page_a_click_lists_the_five_items_of_beta_on_the_spike(warehouse, how):
    # Beta's items on Wed 18 Nov: its $5 at 12:00 and four of $10 (13:00 .. 16:00)
    engine = Engine.open(duckdb_url(warehouse), timezone=ZONE, now=CLOSED_NOW, cache=False)
    app = App(engine, f"month={MONTH}")
    overview = app.dashboard.cost_overview
    assert [d for d in overview.unusual["date"]] == [SPIKE, date(2026, 11, 29)]
    if how == "marker":
        overview._open_unusual({"data": {"index": 0}})
    else:
        query = unescape(re.findall(r'data-oa-view="([^"]*)"', overview.unusual_note.value)[0])
        app.browser._receive(app.browser, {"kind": "open", "query": query}, [])
    table = app.dashboard.usage_tables.items
    assert app.dashboard.usage_tables.visible is table
    assert table.widget.status == "ready" and table.widget.total_rows == 5
    assert "items.date_from=2026-11-18" in app.browser.query and "items.project_id=p_beta" in app.browser.query
    engine.close()
