"""Where the money goes and how well it works, as a manager reads it in a real browser (issue 15,
items 5 and 6): one server on tests/efficiency_fixture.py and one page, October 2026 in UTC. The numbers
are worked out by hand in tests/test_efficiency.py (cost 11.0; 7 requests, 2 failed; 3
conversations; 7,000 tokens)."""

from __future__ import annotations

import pytest
from browser import served_page
from conftest import DEFAULT_NOW, duckdb_url
from efficiency_fixture import MONTH, build_efficiency_warehouse


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("efficiency-browser") / "efficiency.duckdb"
    build_efficiency_warehouse(path)
    with served_page(duckdb_url(path), MONTH, "UTC", DEFAULT_NOW) as page:
        yield page


def test_the_error_rate_is_a_kpi_card(page):
    card = page.locator(".oa-kpi-error-rate .oa-kpi-card")
    assert card.locator(".oa-kpi-label").inner_text().lower() == "error rate"
    assert card.locator(".oa-kpi-value").inner_text() == "28.6 %", "2 of 7 requests failed"
    assert card.get_attribute("title") == "2 of 7 requests failed"


def test_cost_by_model_names_each_model_and_its_cost(page):
    section = page.locator(".oa-model-costs")
    assert section.locator("h3").inner_text() == "Cost by model"
    rows = section.locator(".oa-legend-row").all_inner_texts()
    shown = [" ".join(r.split()) for r in rows]
    assert shown[0] == "m-big $8.90 · 80.9 %", shown  # 8.9 of 11.0
    assert shown[1] == "No model $1.00 · 9.1 %", "agent minutes name no model: said in words"
    assert len(shown) == 5 and section.locator("path.slice").count() == 5, "five models, no Others"


def test_cost_per_use_reads_in_words_and_dollars(page):
    section = page.locator(".oa-cost-per-use")
    cards = " ".join(section.locator(".oa-eff-cards").inner_text().split())
    for words in ("Error rate 28.6 %", "Cost / request $1.57", "Cost / conversation $3.67", "Cost / 1k tokens $1.57"):
        assert words in cards, f"{words!r} not in {cards!r}"
    support = section.locator('.oa-eff-row[data-project-id="p1"]').inner_text().split("\t")
    assert [cell.strip() for cell in support] == ["Support", "4", "25.0 %", "$2.48", "$4.95", "$2.48", "$9.90"]


def test_the_top_agents_table_shows_cost_per_use(page):
    page.locator(".oa-top-agents-section").scroll_into_view_if_needed()
    row = page.locator('.oa-agent-row[data-agent-id="a1"]')
    row.wait_for(state="visible")
    headers = page.locator(".oa-top-agents th").all_inner_texts()
    assert headers[-5:] == ["Error rate", "Cost / request", "Cost / conversation", "Cost / 1k tokens", "Cost"]
    cells = [cell.strip() for cell in row.inner_text().split("\t")]
    # a1: 3 requests, 1 failed; 8.9 / 3, 8.9 / 2 conversations, 8.9 / 4,000 tokens × 1,000
    assert cells[-5:] == ["33.3 %", "$2.97", "$4.45", "$2.23", "$8.90"], cells


def test_cache_savings_say_the_share_and_the_dollars_saved(page):
    """Issue 15, item 5 (worked out in tests/test_cache_savings.py): 1,600 of 3,900 input tokens
    cached, $0.80 instead of $2.90 at the uncached price."""
    section = page.locator(".oa-cache-savings-section")
    assert section.locator("h3").inner_text() == "Cache savings"
    headline = " ".join(section.locator(".oa-cache-headline").inner_text().split())
    assert headline == (
        "41.0 % of input tokens were read from a cache, saving $2.10 against the uncached price"
        " ($0.80 instead of $2.90)."
    )
    support = section.locator('.oa-cache-row[data-key="p1"]').inner_text().split("\t")
    assert [cell.strip() for cell in support] == ["Support", "40.0 %", "1.4k", "$2.10"]
    model = section.locator('.oa-cache-row[data-key="m-big"]').inner_text().split("\t")
    assert [cell.strip() for cell in model] == ["m-big", "40.0 %", "1.4k", "$2.10"]
