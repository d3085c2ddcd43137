"""Unusual days in a real browser (issue 15, item 3): `org-analytics serve` on the tiny warehouse of
tests/unusual_fixture.py (November closed: "now" pinned by ORG_ANALYTICS_NOW) and headless Chromium.
What a manager sees: a marker on the spike's bar, whose hover names the project and the model in
words, and a click that lists that day's items of that project and model (tests/test_unusual.py
works the numbers out by hand: Beta / m-big, +$40, 5 items on Wed 18 Nov)."""

from __future__ import annotations

import pytest
from browser import served_page
from unusual_fixture import CLOSED_NOW, MONTH, ZONE, build_unusual_warehouse

from conftest import duckdb_url


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("unusual-served") / "unusual.duckdb"
    build_unusual_warehouse(path)
    with served_page(duckdb_url(path), MONTH, ZONE, CLOSED_NOW) as page:
        page.wait_for_selector(".oa-browser[data-ready='1']", state="attached")
        yield page


def markers(page):
    return page.locator(".oa-unusual-chart .dot")


def test_the_unusual_days_are_marked_on_the_daily_chart_and_said_under_it(page):
    page.locator(".oa-unusual").wait_for()
    assert markers(page).count() == 2, "Wed 18 and Sun 29 Nov"
    note = page.inner_text(".oa-unusual")
    assert "Nov 18 (+$45.00, most from Beta, model m-big)" in note, note
    assert "Nov 29 (−$2.00, most from Alpha, model m-small)" in note, note


def test_the_hover_names_the_project_and_the_model(page):
    markers(page).first.hover()
    tip = page.get_by_text("Unusual day: Wed Nov 18").locator("xpath=..")  # the tooltip's box
    tip.wait_for()
    text = tip.inner_text()
    assert "$62.00: $45.00 above the usual $17.00" in text, text
    assert "Most from Beta, model m-big" in text, text


def test_a_click_on_the_marker_lists_the_days_items_of_that_project_and_model(page):
    markers(page).first.click()
    page.wait_for_url("**table=items**")
    url = page.url
    assert "items.date_from=2026-11-18" in url and "items.date_to=2026-11-18" in url, url
    assert "items.project_id=p_beta" in url and "items.model=m-big" in url, url
    page.wait_for_selector('.oa-browser[data-in-view~="oa-usage-tables"]', state="attached")  # scrolled there
    page.wait_for_selector('.oa-usage-items .oa-table-total[data-rows="5"]')
    rows = page.locator(".oa-usage-items .oa-table-row")
    assert rows.count() == 5, "Beta's $5 and four $10 items of Wed 18 Nov"
    assert all("Beta" in rows.nth(i).inner_text() for i in range(5))
