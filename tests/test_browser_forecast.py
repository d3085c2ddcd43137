"""The month-end forecast and budgets in a real browser (issue 15, item 1): `org-analytics serve` on
the tiny forecast warehouse (tests/forecast_fixture.py, "now" pinned by ORG_ANALYTICS_NOW) and
headless Chromium. What a manager reads: the forecast under the total cost, the warnings in words
with real dollar figures and dates, the burn-down of a chosen budget; a closed month has none."""

from __future__ import annotations

import pytest
from browser import served_page, wait_ready
from forecast_fixture import MONTH, NOW, ZONE, build_forecast_warehouse
from test_forecast import half

from conftest import duckdb_url


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("forecast-served") / "forecast.duckdb"
    build_forecast_warehouse(path)
    with served_page(duckdb_url(path), MONTH, ZONE, NOW) as page:
        yield page


def test_the_total_cost_card_says_the_month_end_forecast_and_its_range(page):
    # 252 spent + the mean rest 54.25; the range's top 306.25 + t · sd · √1.25 of rests 100, 46, 32, 39
    top = 306.25 + half([100, 46, 32, 39])
    shown = page.inner_text(".oa-kpi-total-cost .oa-kpi-forecast")
    assert shown == f"Forecast $306.25 ($252.00–${top:,.2f})", shown


def test_the_budget_section_warns_who_goes_over_and_when(page):
    warnings = page.inner_text(".oa-budget-warnings")
    assert "Alpha will exceed its $200.00 budget on Thu Nov 26: forecast $230.00" in warnings, warnings
    assert "Beta went over its $50.00 budget on Fri Nov 20: $60.00 spent so far, $75.00 by month end." in warnings
    assert "All 3 budgeted projects together may exceed their $350.00 budget" in warnings
    headline = page.inner_text(".oa-forecast-headline")
    assert "Month-end forecast (by Mon Nov 30): $306.25" in headline and "last 4 weeks" in headline
    alpha = page.locator(".oa-budget-row[data-project=p_alpha]").inner_text()
    assert "$200.00" in alpha and "$191.00" in alpha and "Will exceed on Thu Nov 26" in alpha, alpha
    gamma = page.locator('.oa-budget-row[data-project="p_<b>"]')
    assert gamma.locator("td").first.inner_text() == "<b>Gamma</b>", "a name is text, never markup"


def test_a_chosen_budget_burns_down_on_the_trends_chart(page):
    lines = page.locator(".oa-project-trends-widget path.line")
    page.locator(".oa-project-trends-widget").scroll_into_view_if_needed()
    before = lines.count()
    page.select_option(".oa-burn-down-project select", label="Alpha")
    note = page.locator(".oa-burn-down-note")
    note.wait_for()
    assert "Alpha's budget left of $200.00" in note.inner_text() and "runs out on Thu Nov 26" in note.inner_text()
    page.wait_for_function(f"document.querySelectorAll('.oa-project-trends-widget path.line').length > {before}")


def test_a_closed_month_shows_no_forecast(page):
    page.goto(page.evaluate("location.origin") + "/?month=2026-10")
    wait_ready(page, "2026-10")
    assert page.locator(".oa-kpi-forecast").count() == 0
    assert not page.locator(".oa-budget-section").is_visible()
