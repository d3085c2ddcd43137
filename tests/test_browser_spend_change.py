"""Why did spend change, as a manager reads it in a real browser (issue 15, item 2): one server on
tests/spend_change_fixture.py and one page, October 2026 in UTC against September. The numbers are
worked out by hand in tests/test_spend_change.py (5.10 -> 13.30: volume +2.40, tokens per request
+2.30, mix +2.00, unit prices +1.50)."""

from __future__ import annotations

import pytest
from browser import served_page
from conftest import DEFAULT_NOW, duckdb_url
from spend_change_fixture import MONTH, build_spend_change_warehouse


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("spend-change-browser") / "spend.duckdb"
    build_spend_change_warehouse(path)
    with served_page(duckdb_url(path), MONTH, "UTC", DEFAULT_NOW) as page:
        yield page


def test_the_change_is_said_in_a_sentence_with_its_parts(page):
    section = page.locator(".oa-spend-change-section")
    section.scroll_into_view_if_needed()
    assert section.locator("h3").inner_text() == "Why spend changed"
    headline = " ".join(section.locator(".oa-spend-headline").inner_text().split())
    assert headline == "Spend rose +$8.20 (+160.8 %) against Sep: $5.10 → $13.30."
    parts = [" ".join(p.split()) for p in section.locator(".oa-spend-part").all_inner_texts()]
    assert parts == [
        "Requests +$2.40",
        "Tokens per request +$2.30",
        "Mix of models and service types +$2.00",
        "Unit prices +$1.50",
    ]


def test_the_top_drivers_read_in_words_with_dollars(page):
    drivers = page.locator(".oa-spend-change-section .oa-spend-drivers li").all_inner_texts()
    assert drivers[0] == "Support Bot: +$4.00, of which +$2.50 from more requests"
    assert drivers[3] == "Legacy: -$0.50, with no spend this period"
    assert drivers[4] == "Pilot <b>: +$0.40, with no spend in the comparison period", "the name shown as written"
    assert len(drivers) == 5


def test_the_waterfall_draws_six_bars(page):
    figure = page.locator(".oa-spend-change-section .bqplot")
    figure.scroll_into_view_if_needed()
    page.wait_for_function(
        "document.querySelectorAll('.oa-spend-change-section rect.bar').length === 6", timeout=15_000
    )
    ticks = figure.locator(".axis text").evaluate_all("texts => texts.map(t => t.textContent)")  # SVG
    for label in ("Sep", "Requests", "Tokens / request", "Mix", "Unit prices", "Oct"):
        assert label in ticks, ticks
