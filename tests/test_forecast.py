"""The month-end forecast and budgets (issue 15, item 1) against numbers worked out by hand on the
tiny warehouse of tests/forecast_fixture.py (read its docstring first).

By hand, today Wed 25 Nov with half of it left, the rest of the month is 0.5 x Wed + Thu + Fri +
Sat + Sun + Mon. Week k's rest for each series:

  Alpha: 3.5 x weekday + 2 x $2 -> week 1: 39, week 2: 46, week 3: 32, week 4: 39 (mean 39)
  Beta:  Fri of week 1 is $60    -> 60, 0, 0, 0 (mean 15)
  Gamma: Mon of week 1 is $1     -> 1, 0, 0, 0 (mean 0.25)

Spent so far: Alpha = Nov 1-3 (2 + 10 + 10) + week 3 (5 x 8 + 4) + week 2 (5 x 12 + 4) + week 1
(5 x 10 + 4) + today's 7 = 22 + 44 + 64 + 54 + 7 = 191 (the $100 after now is not counted); Beta 60;
Gamma 1. The range is mean ± t(0.90, 3) · sd · √(1 + 1/4), t = 1.6377, never below what is spent.
"""

from __future__ import annotations

import math

import pytest
from forecast_fixture import MONTH, NOW, ZONE, build_forecast_warehouse

from conftest import duckdb_url, report_runner
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages.organization import Dashboard

T = 1.6377
SPREAD = math.sqrt(1 + 1 / 4)


def half(rests: list[float]) -> float:
    """t · sample sd · √(1 + 1/4), written out."""
    mean = sum(rests) / len(rests)
    return T * math.sqrt(sum((r - mean) ** 2 for r in rests) / (len(rests) - 1)) * SPREAD


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast") / "forecast.duckdb"
    build_forecast_warehouse(path)
    return path


@pytest.fixture
def report(run_cli, warehouse):
    return report_runner(run_cli, duckdb_url(warehouse))


def close(a, b) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def test_the_total_forecast_is_the_month_so_far_plus_the_mean_rest_of_the_same_weekdays(report):
    forecast = report(month=MONTH, timezone=ZONE, now=NOW)["forecast"]
    assert (forecast["today"], forecast["month_end"], forecast["weeks"]) == ("2026-11-25", "2026-11-30", 4)
    total = forecast["total"]
    assert close(total["month_to_date"], 252.0)  # 191 + 60 + 1
    assert close(total["forecast"], 252.0 + 54.25)  # rests 100, 46, 32, 39
    h = half([100, 46, 32, 39])  # 56.8: more than the mean rest, so the range starts at what is spent
    assert close(total["low"], 252.0) and close(total["high"], 306.25 + h), total


def test_each_project_has_its_forecast_range_and_budget_status(report):
    rows = {r["project_id"]: r for r in report(month=MONTH, timezone=ZONE, now=NOW)["forecast"]["projects"]}
    assert [*rows] == ["p_alpha", "p_beta", "p_<b>", "p_delta"], "by forecast, costliest first"
    alpha, beta, gamma, delta = rows["p_alpha"], rows["p_beta"], rows["p_<b>"], rows["p_delta"]
    # Alpha: 191 spent, 230 forecast; its path is 184 by Tue 24, 191 + 0.5 x 10 = 196 by today's
    # end, 196 + 10 = 206 > $200 on Thu 26
    assert close(alpha["month_to_date"], 191) and close(alpha["forecast"], 230)
    assert close(alpha["low"], 230 - half([39, 46, 32, 39])) and close(alpha["high"], 230 + half([39, 46, 32, 39]))
    assert (alpha["budget"], alpha["status"], alpha["exceeds_on"]) == (200.0, "will_exceed", "2026-11-26")
    # Beta: $60 on Fri 20 passed its $50; the range's bottom is what is spent (15 - half < 0)
    assert close(beta["forecast"], 75) and close(beta["low"], 60) and close(beta["high"], 75 + 30 * T * SPREAD)
    assert (beta["status"], beta["exceeds_on"]) == ("over", "2026-11-20")
    assert close(gamma["forecast"], 1.25) and gamma["budget"] is None and gamma["status"] == "no_budget"
    assert gamma["name"] == "<b>Gamma</b>"
    # Delta: a budget and no usage is listed, at $0
    assert (delta["month_to_date"], delta["forecast"], delta["status"]) == (0.0, 0.0, "within")


def test_the_budgeted_projects_together_may_exceed_their_total_budget(report):
    budgets = report(month=MONTH, timezone=ZONE, now=NOW)["forecast"]["budgets"]
    # Alpha + Beta + Delta: $350; rests 99, 46, 32, 39 (mean 54): 251 + 54 = 305 stays under it,
    # the range's top 305 + 55.9 does not
    assert (budgets["projects"], budgets["budget"]) == (3, 350.0)
    assert close(budgets["month_to_date"], 251) and close(budgets["forecast"], 305)
    assert close(budgets["high"], 305 + half([99, 46, 32, 39])) and budgets["high"] > 350
    assert (budgets["status"], budgets["exceeds_on"]) == ("at_risk", None)


def test_the_projects_forecasts_add_up_to_the_total(report):
    forecast = report(month=MONTH, timezone=ZONE, now=NOW)["forecast"]
    assert close(sum(r["forecast"] for r in forecast["projects"]), forecast["total"]["forecast"])


def test_a_closed_month_has_no_forecast(report):
    assert report(month="2026-10", timezone=ZONE, now=NOW)["forecast"] is None


def test_one_week_of_history_gives_a_forecast_without_a_range(warehouse):
    # now Wed 4 Nov 12:00: only week 1 (Wed 28 Oct .. Tue 3 Nov: 5 x 10 + 2 x 2 = 54) is after the
    # first usage; spent 2 + 10 + 10 (today's item is at 12:00, not before now); the rest is
    # 0.5 x 10 + Thu 5 .. Wed 25 (3 weeks: 162) + Thu 26 .. Mon 30 (10 + 10 + 2 + 2 + 10) = 201
    with Engine.open(duckdb_url(warehouse), timezone=ZONE, now="2026-11-04T12:00:00Z", cache=False) as engine:
        forecast = engine.forecast()
    assert forecast.weeks == 1
    assert close(forecast.total.month_to_date, 22) and close(forecast.total.forecast, 223)
    assert forecast.total.low is None and forecast.total.high is None


def test_no_week_of_history_gives_no_forecast(warehouse):
    # now Mon 2 Nov 12:00: week 1 would start Mon 26 Oct, before the first usage; spent: Sun 1's $2
    with Engine.open(duckdb_url(warehouse), timezone=ZONE, now="2026-11-02T12:00:00Z", cache=False) as engine:
        forecast = engine.forecast()
    assert forecast.weeks == 0 and forecast.total.forecast is None and close(forecast.total.month_to_date, 2)


@pytest.fixture
def dashboard(warehouse):
    engine = Engine.open(duckdb_url(warehouse), timezone=ZONE, now=NOW, cache=False)
    yield Dashboard(engine)
    engine.close()


def test_the_total_cost_card_says_the_forecast_and_its_range(dashboard):
    card = dashboard.kpis.cards["total_cost"].value
    h = half([100, 46, 32, 39])
    assert f"Forecast $306.25 ($252.00–${306.25 + h:,.2f})" in card, card


def test_the_budget_section_warns_in_words_and_escapes_names(dashboard):
    warnings = dashboard.budget.warnings.value
    assert "Alpha will exceed its $200.00 budget on Thu Nov 26: forecast $230.00" in warnings
    assert "Beta went over its $50.00 budget on Fri Nov 20: $60.00 spent so far, $75.00 by month end." in warnings
    assert "All 3 budgeted projects together may exceed their $350.00 budget" in warnings
    table = dashboard.budget.table.value
    assert "&lt;b&gt;Gamma&lt;/b&gt;" in table and "<b>Gamma" not in table
    assert "Month-end forecast (by Mon Nov 30): $306.25" in dashboard.budget.headline.value


def test_the_chosen_budget_burns_down_on_the_trends_chart(dashboard):
    trends = dashboard.project_trends
    assert len(trends.burn_actual.y) == 0, "no project chosen: no line"
    dashboard.state.budget_project = "p_alpha"
    # budget left: 200 - 191 = 9 today, then 200 - 206 = -6 on Thu 26 ... 200 - 230 = -30 on Mon 30
    assert list(trends.burn_actual.x)[-1] == "Nov 25" and close(float(trends.burn_actual.y[-1]), 9)
    assert list(trends.burn_forecast.x) == ["Nov 25", "Nov 26", "Nov 27", "Nov 28", "Nov 29", "Nov 30"]
    assert close(float(trends.burn_forecast.y[1]), -6) and close(float(trends.burn_forecast.y[-1]), -30)
    assert "runs out on Thu Nov 26" in trends.burn_caption.value
    dashboard.state.month = "2026-10"
    assert dashboard.budget_section.layout.display == "none" and len(trends.burn_actual.y) == 0
    assert "oa-kpi-forecast" not in dashboard.kpis.cards["total_cost"].value
