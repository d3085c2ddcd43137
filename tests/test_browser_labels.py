"""What a manager reads in the usage tables, in a real browser: words for keys, costs never "$0.0000".

One server on the edge warehouse and one page, NY March 2026: the items table holds every
service type and pricing rule of the fixture and two tiny costs (1e-13 and -1e-14).
"""

from __future__ import annotations

import re

import pytest
from browser import browser_page, serving, wait_ready
from conftest import DEFAULT_NOW

from org_analytics_widgets.colors import RULE_LABELS, SERVICE_LABELS

ZONE = "America/New_York"
MONTH = "2026-03"
ITEMS = ".oa-usage-items"
#: the fixture's keys with an underscore, and the words they must read as
KEYS = {
    **{key: SERVICE_LABELS[key] for key in ("text_generation", "speech_to_text", "text_to_speech")},
    **{key: RULE_LABELS[key] for key in ("input_tokens", "cached_input_tokens", "output_tokens", "agent_minutes")},
    "image_generation": "Image generation",
}
#: a select's arrow and padding: option text wider than the box less this is cut
SELECT_CHROME_PX = 24

MEASURE_SELECTS = """els => els.map(el => {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = getComputedStyle(el).font;
    const widest = Math.max(...Array.from(el.options).map(o => ctx.measureText(o.text).width));
    const widestText = Array.from(el.options).map(o => o.text)
        .reduce((a, b) => ctx.measureText(b).width > ctx.measureText(a).width ? b : a, '');
    return [el.closest('.widget-dropdown').className, widestText, widest, el.clientWidth];
})"""


@pytest.fixture(scope="module")
def page(edge_warehouse):
    """The dashboard for NY March with the items tab open and its first page drawn."""
    with (
        serving(
            "--warehouse", f"duckdb://{edge_warehouse}", "--timezone", ZONE, env={"ORG_ANALYTICS_NOW": DEFAULT_NOW}
        ) as url,
        browser_page(width=1280) as page,
    ):
        page.goto(f"{url}/?month={MONTH}")
        wait_ready(page, MONTH)
        page.locator(".oa-usage-tables .lm-TabBar-tab", has_text="Items").click()
        page.wait_for_selector(f'{ITEMS} .oa-table-body[data-status="ready"] .oa-table-row', state="visible")
        yield page


def test_items_table_reads_in_words(page):
    text = page.inner_text(f"{ITEMS} .oa-table-area")
    shown_keys = [key for key in KEYS if re.search(rf"\b{key}\b", text)]
    assert not shown_keys, f"raw keys visible in the items table: {shown_keys}"
    missing = [words for words in KEYS.values() if words not in text]
    assert not missing, f"words missing from the items table: {missing}"


def test_service_type_filter_reads_in_words(page):
    select = f"{ITEMS} .oa-filter-service-type select"
    # the options load after the table's first page (rows first, dropdowns next): wait for them
    page.wait_for_function("s => (document.querySelector(s)?.options.length || 0) > 1", arg=select, timeout=60_000)
    options = page.eval_on_selector(
        select,
        "el => Array.from(el.options).map(o => o.text.replace(/\\u00a0/g, ' '))",
    )
    assert "Text generation" in options and "Speech to text" in options, options
    assert not [o for o in options if "_" in o], f"raw keys among the service type options: {options}"


def test_filter_dropdowns_fit_their_options(page):
    measured = page.eval_on_selector_all(f"{ITEMS} .oa-filters select", MEASURE_SELECTS)
    assert measured, "no filter dropdowns found"
    cut = [(cls, text, round(w), box) for cls, text, w, box in measured if w > box - SELECT_CHROME_PX]
    assert not cut, f"option text cut at 1280 px (class, widest option, text px, box px): {cut}"


def test_no_real_cost_reads_as_zero(page):
    cells = page.eval_on_selector_all(
        f"{ITEMS} .oa-table-row",
        """rows => rows.map(r => {
            const i = Array.from(r.closest('table').querySelectorAll('th')).findIndex(h => h.dataset.column === 'cost');
            const td = r.children[i];
            return [r.dataset.id, td.innerText, td.title];
        })""",
    )
    costs = {item: (text, float(title)) for item, text, title in cells if title}
    assert "i_zu1c" in costs and "i_t01a" in costs, "the tiny-cost items are on the first page"
    hidden = {item: text for item, (text, value) in costs.items() if value != 0 and not re.search(r"[1-9]", text)}
    assert not hidden, f"non-zero costs shown as zero: {hidden}"
    assert costs["i_zu1c"][0] == "$0.0000000000001"


def test_cost_stays_on_screen_and_headers_sort(page):
    """At 1024 px the requests table is wider than its box: the Cost column stays in view (pinned),
    a header click sorts by that column, a second click the other way, and the address says so."""
    page.set_viewport_size({"width": 1024, "height": 800})
    try:
        page.locator(".oa-usage-tables .lm-TabBar-tab", has_text="Requests").click()
        table = ".oa-usage-requests"
        page.wait_for_selector(f'{table} .oa-table-body[data-status="ready"] .oa-table-row', state="visible")
        wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert wide[0] <= wide[1], f"the page is wider than the window: {wide} (a table must scroll in its box)"
        area = page.locator(f"{table} .oa-table-area").bounding_box()
        cost = page.locator(f'{table} th[data-column="cost"]').bounding_box()
        assert cost["x"] + cost["width"] <= area["x"] + area["width"] + 1, "the Cost column is visible"
        assert page.locator(f"{table} .oa-table-row td.oa-pinned").first.inner_text().startswith("$")

        page.locator(f'{table} th[data-column="cost"]').click()
        page.wait_for_selector(f'{table} th[data-column="cost"][aria-sort="descending"]', state="attached")
        page.wait_for_url("**requests.sort=cost**")
        costs = page.eval_on_selector_all(f"{table} .oa-table-row td.oa-pinned", "tds => tds.map(t => t.title)")
        values = [float(c) for c in costs if c]
        assert values == sorted(values, reverse=True), "highest cost first"
        page.locator(f'{table} th[data-column="cost"]').click()
        page.wait_for_selector(f'{table} th[data-column="cost"][aria-sort="ascending"]', state="attached")
        page.wait_for_url("**requests.order=asc**")

        row = page.locator(f"{table} .oa-table-row").first
        request_id = row.get_attribute("data-id")
        row.click()  # a request row opens its items
        page.wait_for_selector(f"{ITEMS} .oa-request-id", state="visible")
        assert page.inner_text(f"{ITEMS} .oa-request-id") == request_id
        page.wait_for_selector(f'{ITEMS} .oa-table-body[data-status="ready"] .oa-table-row', state="visible")
        assert "table=items" in page.url and f"items.request_id={request_id}" in page.url
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
