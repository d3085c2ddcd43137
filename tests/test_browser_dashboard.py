"""The dashboard in a real browser: `org-analytics serve` (Voilà) + headless Chromium.

KPI values read from the page must equal `org-analytics report` for the same month.
"""

from __future__ import annotations


import re

import pytest

from browser import browser_page, kpis_on_page, serving, wait_ready

from org_analytics_widgets.snapshot import KPI_KEYS

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"


@pytest.fixture(scope="module")
def server(edge_warehouse):
    with serving(
        "--warehouse", f"duckdb://{edge_warehouse}", "--timezone", ZONE, env={"ORG_ANALYTICS_NOW": NOW}
    ) as url:
        yield url


@pytest.fixture(scope="module")
def page():
    with browser_page() as page:
        yield page


def expected_kpis(run_report, month: str) -> dict:
    report = run_report(month=month, timezone=ZONE, now=NOW)
    return {key: report["kpis"][key] for key in KPI_KEYS}


def shown_kpis(page) -> dict:
    shown = kpis_on_page(page)
    failed = page.locator(".oa-kpi-aside[data-key=failed_requests]")  # "N failed", only when N > 0
    return {
        **{key: (float(shown[key]) if key == "total_cost" else int(shown[key])) for key in KPI_KEYS if key in shown},
        "total_projects": int(
            page.eval_on_selector(
                ".oa-kpi-value[data-key=active_projects]", "e => e.innerText.split('/')[1].trim().replace(/,/g, '')"
            )
        ),
        "failed_requests": int(failed.get_attribute("data-exact")) if failed.count() else 0,
    }


def test_kpis_match_the_report_and_follow_previous_month(server, page, run_report):
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    assert shown_kpis(page) == expected_kpis(run_report, "2026-03"), "March KPIs on the page differ from the report"
    assert page.inner_text(".oa-kpi-total-requests .oa-kpi-aside") == "4 failed", "ia1, ib1, ic1, lg1 failed"
    note = page.get_attribute(".oa-kpi-total-conversations .oa-kpi-card", "title")
    assert "Distinct conversation ids (usage_requests.conversation_id)" in note, "what a conversation is, on hover"

    page.click("button.oa-month-previous")
    wait_ready(page, "2026-02")
    assert shown_kpis(page) == expected_kpis(run_report, "2026-02"), "February KPIs differ after 'previous'"
    assert page.is_disabled("button.oa-month-previous"), "February is the first month with data: no going back"
    assert "data up to 25 Nov 2026" in page.inner_text(".oa-freshness"), "the page says how fresh its data is"


def test_a_link_before_the_first_month_opens_the_first_month(server, page):
    page.goto(f"{server}/?month=2025-07")
    wait_ready(page, "2026-02")
    assert "no data before 2026-02" in page.inner_text(".oa-link-note")
    assert "month=2026-02" in page.url, "the address bar shows the month on screen"


def test_empty_month_says_so(server, page):
    page.goto(f"{server}/?month=2026-06")
    wait_ready(page, "2026-06", status="empty")
    assert "No usage in June 2026" in page.inner_text(".oa-status-box")
    assert not page.is_visible(".oa-cost-overview"), "an empty month must not draw empty axes"


def test_current_month_has_next_disabled(server, page):
    page.goto(server)
    wait_ready(page, "2026-11")
    assert page.is_disabled("button.oa-month-next")
    assert page.is_enabled("button.oa-month-previous")


def test_invalid_month_parameter_falls_back_with_a_message(server, page):
    page.goto(f"{server}/?month=2026-13")
    wait_ready(page, "2026-11")
    assert "invalid month" in page.inner_text(".oa-link-note")


def test_no_code_is_shown(server, page):
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    assert "app_from_environment" not in page.content(), "Voilà must strip the code cells"
    page.wait_for_function("() => document.title === 'March 2026 — Organization Analytics'")


def test_legend_click_hides_a_service_type_in_both_charts(server, page, run_report):
    report = run_report(month="2026-03", timezone=ZONE, now=NOW)
    n_types = len(report["cost_by_service_type"])
    n_days = 31
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    bars = ".oa-cost-overview rect.bar"
    slices = ".oa-cost-overview path.slice"
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[bars, n_days * n_types])
    assert page.locator(slices).count() == n_types

    page.locator(".oa-legend-item", has_text="Agents").click()
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[bars, n_days * (n_types - 1)])
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[slices, n_types - 1])

    page.locator(".oa-legend-item", has_text="Agents").click()
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[slices, n_types])


def app_ready(page) -> None:
    """The page's front-end piece is drawn: links and Back/Forward now change the view in place."""
    page.wait_for_selector(".oa-browser[data-ready]", state="attached")


def test_agent_link_opens_the_agent_view_in_place_and_back_returns(server, page, run_report):
    top = run_report(month="2026-03", timezone=ZONE, now=NOW)["top_agents"][0]
    page.goto(f"{server}/?month=2026-03&hide=agent")
    wait_ready(page, "2026-03")
    app_ready(page)
    page.evaluate("window.__same_page = true")  # a reload would lose it
    page.locator(f'.oa-agent-row[data-agent-id="{top["agent_id"]}"] a.oa-agent-link').click()
    page.wait_for_url(f"**/org_analytics.ipynb?agent={top['agent_id']}&month=2026-03")
    page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
    shown = dict(
        page.eval_on_selector_all(
            ".oa-agent-kpis .oa-kpi-value", "els => els.map(e => [e.dataset.key, e.dataset.exact])"
        )
    )
    assert int(shown["conversations"]) == top["conversations"]
    assert int(shown["requests"]) == top["requests"]
    assert float(shown["cost"]) == top["cost"]
    assert top["name"] in page.inner_text(".oa-agent-page")
    assert not page.is_visible(".oa-kpis:not(.oa-agent-kpis)"), "one view at a time"
    assert page.locator(".oa-agent-name").evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"
    ), "the agent's view opens at its top (its name on screen), not where the dashboard was scrolled"
    page.wait_for_function("name => document.title.startsWith(name)", arg=top["name"])

    page.click("a.oa-back-link")
    page.wait_for_url("**/org_analytics.ipynb?month=2026-03&hide=agent")
    assert page.is_visible(".oa-cost-overview") and not page.is_visible(".oa-agent-page")
    assert page.evaluate("window.__same_page === true"), "the agent and back without reloading the page"

    page.go_back()  # the browser's Back: the agent again
    page.wait_for_selector(".oa-agent-page", state="visible")
    assert f"agent={top['agent_id']}" in page.url
    page.go_forward()
    page.wait_for_selector(".oa-agent-page", state="hidden")
    assert page.evaluate("window.__same_page === true")


def test_a_project_in_the_doughnut_legend_opens_its_view_and_back_returns(server, page, edge_warehouse, run_cli):
    """Issue 15, item 7: the project's name and cost as a manager reads them are those of
    ``report --project``; the address holds the project; Back finds the dashboard as it was."""
    import json
    from urllib.parse import parse_qs, urlparse

    from org_analytics_widgets.formatting import money, money_compact

    page.goto(f"{server}/?month=2026-03&hide=agent")
    wait_ready(page, "2026-03")
    app_ready(page)
    page.evaluate("window.__same_page = true")  # a reload would lose it
    dashboard_kpis = kpis_on_page(page)
    page.locator(".oa-charts-row").scroll_into_view_if_needed()  # drawn when on screen
    page.wait_for_selector('.oa-browser[data-in-view~="oa-charts-row"]', state="attached")  # the page said so
    page.wait_for_selector(".oa-charts-row:not(.oa-stale) .oa-project-legend a.oa-legend-name", state="attached")
    link = page.locator(".oa-project-legend a.oa-legend-name").first
    project_id = parse_qs(urlparse(link.get_attribute("href")).query)["project"][0]
    argv = ["report", "--warehouse", f"duckdb://{edge_warehouse}", "--month", "2026-03", "--timezone", ZONE]
    code, out, err = run_cli([*argv, "--now", NOW, "--project", project_id])
    assert code == 0, err
    section = json.loads(out)["project"]
    assert link.inner_text() == section["name"]

    link.click()
    page.wait_for_url(f"**/org_analytics.ipynb?project={project_id}&month=2026-03")
    page.wait_for_selector(".oa-project-page .oa-status-box [data-status=ready]", state="attached")
    assert page.inner_text(".oa-project-name").strip() == section["name"]
    cost = page.locator(".oa-project-kpis .oa-kpi-value[data-key=total_cost]")
    assert cost.inner_text() == money_compact(section["kpis"]["total_cost"]), "the cost as a manager reads it"
    assert float(cost.get_attribute("data-exact")) == section["kpis"]["total_cost"]
    assert money(section["budget"]["spent"]) in page.inner_text(".oa-project-budget")
    shown_agents = page.eval_on_selector_all(".oa-project-agents .oa-agent-row", "rs => rs.map(r => r.dataset.agentId)")
    assert shown_agents == [a["agent_id"] for a in section["agents"]], "all its agents, costliest first"
    assert not page.is_visible(".oa-kpis:not(.oa-project-kpis)"), "one view at a time"
    page.wait_for_function("name => document.title.startsWith(name)", arg=section["name"])

    page.go_back()  # the browser's Back: the dashboard as it was
    page.wait_for_url("**/org_analytics.ipynb?month=2026-03&hide=agent")
    page.wait_for_selector(".oa-project-page", state="hidden")
    assert page.is_visible(".oa-cost-overview") and kpis_on_page(page) == dashboard_kpis
    assert page.locator(".oa-cost-overview .oa-legend-item.oa-legend-hidden", has_text="Agents").count() == 1
    assert page.evaluate("window.__same_page === true"), "the project and back without reloading the page"
    page.go_forward()
    page.wait_for_selector(".oa-project-page", state="visible")
    assert f"project={project_id}" in page.url and page.inner_text(".oa-project-name").strip() == section["name"]


def test_parts_below_the_fold_are_drawn_when_scrolled_to_after_a_month_switch(server, page, run_report):
    """Off screen (the page reports it), the tables and the cards wait for the viewer to scroll: on
    a link's first render (the preheated page showed another month) and after a month switch. A
    short window: the parts stay far below it whatever a month's sections make the page's height."""
    page.set_viewport_size({"width": 1280, "height": 500})
    try:
        below_the_fold(server, page, run_report)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def below_the_fold(server, page, run_report):
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    requests = ".oa-usage-requests .oa-table-body"
    page.wait_for_selector('.oa-browser[data-in-view]:not([data-in-view~="oa-usage-tables"])', state="attached")
    page.wait_for_timeout(500)
    assert page.locator(f'{requests}[data-status="loading"]').count() == 1, "a link: not queried before shown"
    page.click("button.oa-month-previous")
    wait_ready(page, "2026-02")
    page.wait_for_timeout(500)
    assert page.locator(f'{requests}[data-status="loading"]').count() == 1, "off screen: not queried on the switch"
    assert page.locator(".oa-service-types.oa-stale").count() == 1, "the cards wait too, faded till drawn"
    page.locator(".oa-service-types").scroll_into_view_if_needed()
    page.wait_for_selector(".oa-service-types:not(.oa-stale)", state="attached")
    page.locator(".oa-usage-requests").scroll_into_view_if_needed()
    page.wait_for_selector(f'{requests}[data-status="ready"]', state="attached")
    february = run_report(month="2026-02", timezone=ZONE, now=NOW)["kpis"]["total_requests"]
    assert f"of {february:,}" in page.inner_text(".oa-usage-requests .oa-pager-text"), "February's, once on screen"


def test_the_address_bar_follows_the_view_and_a_copied_link_opens_it(server, page):
    page.goto(f"{server}/?month=2026-02")
    wait_ready(page, "2026-02")
    app_ready(page)
    page.click("button.oa-month-next")
    wait_ready(page, "2026-03")
    page.wait_for_url("**?month=2026-03")
    page.locator(".oa-legend-item", has_text="Agents").click()
    page.wait_for_url("**?month=2026-03&hide=agent")
    page.locator(".oa-service-types").scroll_into_view_if_needed()  # drawn for March once on screen
    page.locator(".oa-service-card-speech_to_text .oa-card-view select").select_option(label="Usage")
    page.wait_for_url("**&card=speech_to_text:usage")
    page.locator(".oa-usage-requests").scroll_into_view_if_needed()  # the tables fill when on screen
    page.locator(".oa-usage-requests .oa-filter-status select").select_option(label="Failed")  # error
    page.wait_for_url("**&requests.status=error")
    copied = page.url

    page.go_back()  # months are history entries; legend, cards and filters change the entry in place
    wait_ready(page, "2026-02")
    assert page.url.endswith("?month=2026-02")

    page.goto(copied)  # a copied link, in a fresh page
    wait_ready(page, "2026-03")
    page.wait_for_selector(".oa-usage-requests .oa-table-total[data-rows]", state="attached")
    assert page.locator(".oa-legend-item.oa-legend-hidden", has_text="Agents").count() == 1, "the legend as it was"
    assert page.locator(".oa-service-card-speech_to_text .oa-card-view select").input_value() == "Usage"
    assert page.locator(".oa-usage-requests .oa-filter-status select").input_value() == "Failed"
    assert page.url == copied


def test_the_former_agent_page_link_opens_the_agent_view(server, page, run_report):
    top = run_report(month="2026-03", timezone=ZONE, now=NOW)["top_agents"][0]
    page.goto(f"{server}/voila/render/agent_analytics.ipynb?agent_id={top['agent_id']}&month=2026-03")
    page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
    page.wait_for_url(f"**/org_analytics.ipynb?agent={top['agent_id']}&month=2026-03")


def test_service_card_switches_between_costs_requests_and_usage(server, page, run_report):
    report = run_report(month="2026-03", timezone=ZONE, now=NOW)
    card = next(c for c in report["service_types"] if c["service_type"] == "speech_to_text")
    n_projects = len({r["project_id"] for r in card["daily_cost_by_project"]})
    n_rules = len({(r["pricing_rule"], r["unit"]) for r in card["daily_usage"]})
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    bars = ".oa-service-card-speech_to_text rect.bar"
    count = "([s, n]) => document.querySelectorAll(s).length === n"
    page.wait_for_function(count, arg=[bars, 31 * n_projects])
    dropdown = page.locator(".oa-service-card-speech_to_text .oa-card-view select")
    dropdown.select_option(label="Usage")
    page.wait_for_function(count, arg=[bars, 31 * n_rules])
    dropdown.select_option(label="Requests")
    page.wait_for_function(count, arg=[bars, 0])
    assert page.locator(".oa-service-card-speech_to_text .oa-card-chart-requests").count() == 1


def test_filter_items_by_project_and_download_the_csv(server, page, edge_warehouse, run_report):
    import csv

    import duckdb

    top = run_report(month="2026-03", timezone=ZONE, now=NOW)["cost_by_project"]["slices"][0]
    con = duckdb.connect(str(edge_warehouse), read_only=True)
    rows, cost = con.execute(
        "SELECT count(*), coalesce(sum(coalesce(cost, 0)), 0) FROM usage_items "
        "WHERE created_at >= TIMESTAMP '2026-03-01 05:00:00' AND created_at < TIMESTAMP '2026-04-01 04:00:00' "
        "AND project_id = ?",
        [top["project_id"]],
    ).fetchone()
    con.close()

    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    page.locator(".oa-usage-tables .lm-TabBar-tab", has_text="Items").click()
    page.wait_for_selector(".oa-usage-items .oa-table-total", state="attached")
    page.locator(".oa-usage-items .oa-filter-project select").select_option(label=top["name"])
    page.wait_for_selector(f'.oa-usage-items .oa-table-total[data-rows="{rows}"]', state="attached")

    with page.expect_download() as download:  # one click: the file arrives
        page.locator(".oa-usage-items button.oa-export-csv").click()
    slug = "".join(c if c.isalnum() or c == "." else "-" for c in top["project_id"]).strip("-.")
    assert download.value.suggested_filename == f"usage-items_2026-03_project-{slug}.csv", "the name says what is in it"
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    assert len(records) == rows, "the CSV holds exactly the filtered rows"
    assert abs(sum(float(r["cost"] or 0) for r in records) - cost) < 1e-9
    assert {r["project"] for r in records} == {top["name"]}
    done = page.locator(".oa-usage-items .oa-export-area")
    page.wait_for_function(  # the line under the button follows the download (its message comes next)
        "([sel, text]) => (document.querySelector(sel)?.innerText || '').startsWith(text)",
        arg=[".oa-usage-items .oa-export-area", f"Downloaded {download.value.suggested_filename}"],
        timeout=15_000,
    )
    assert done.locator("a.oa-export-link").evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"

    page.locator(".oa-usage-items .oa-filter-project select").select_option(index=0)  # all projects again
    page.wait_for_selector(".oa-usage-items a.oa-export-link", state="detached")  # the link was for one project


def test_the_integrity_badge_says_what_is_unpriced_and_a_click_lists_it(server, page, run_report):
    """Under the KPIs a manager reads what cannot be trusted; a click shows those items, scrolled to."""
    integrity = run_report(month="2026-03", timezone=ZONE, now=NOW)["integrity"]
    assert (integrity["unpriced_items"], integrity["orphan_items"], integrity["requests_without_items"]) == (1, 0, 4)
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    app_ready(page)
    badge = page.locator(".oa-integrity-badge[data-month='2026-03']")
    badge.wait_for()
    assert badge.inner_text().strip() == "⚠ 1 unpriced item · 4 requests without items"
    assert "the totals count them as $0" in badge.locator("[data-check=unpriced]").get_attribute("title")

    badge.locator("[data-check=unpriced]").click()
    page.wait_for_url("**table=items&**items.integrity=unpriced**")
    page.wait_for_selector('.oa-browser[data-in-view~="oa-usage-tables"]', state="attached")  # scrolled there
    total = f'.oa-usage-items .oa-table-total[data-rows="{integrity["unpriced_items"]}"]'
    page.wait_for_selector(total)
    assert page.locator(".oa-usage-items .oa-table-row").count() == integrity["unpriced_items"]
    chosen = page.locator(".oa-usage-items .oa-filter-integrity select")
    shown = chosen.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")  # ipywidgets' spaces
    assert shown == "Unpriced (counted as $0)", "the filter says its check in words"

    page.click("button.oa-month-previous")  # February is clean: no badge
    wait_ready(page, "2026-02")
    page.wait_for_selector(".oa-integrity-badge", state="detached")


def test_the_page_shell_asks_no_other_host_and_shows_a_skeleton_first(server, page):
    """Voilà's lab template fetched Font Awesome from a CDN (render-blocking, failing offline) and
    showed a spinner; the app's shell asks only its own server and draws the page's skeleton."""
    from urllib.request import urlopen

    from org_analytics_widgets.widgets.kpi_cards import CARDS

    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    assert hosts == {server.split("/")[2]}, f"requests to other hosts: {hosts}"
    assert not page.is_visible("#oa-skeleton"), "the skeleton goes once the page is drawn"
    icon = page.locator(".oa-card-icon i").first
    assert icon.evaluate("i => getComputedStyle(i, '::before').content") not in ("none", "normal", '""'), (
        "service icons draw from Voilà's bundled icon font"
    )

    shell = urlopen(f"{server}/voila/render/org_analytics.ipynb?month=2026-03", timeout=90).read().decode()
    skeleton = shell[shell.index('id="oa-skeleton"') : shell.index('id="rendered_cells"')]
    assert [card.label for card in CARDS] == re.findall(r'class="oa-sk-label">([^<]+)<', skeleton), (
        "the skeleton's cards are the page's KPI cards"
    )
    assert "cdn." not in shell and "fontawesome" not in shell.lower()


def test_charts_say_what_they_hold(server, page, run_report):
    """The cost legend carries amount and share; Others names its projects on hover; invisible pie
    labels do not catch the hover; the trends legend is sorted by cost, toggles lines and is not a
    scroll box inside the section."""
    report = run_report(month="2026-03", timezone=ZONE, now=NOW)
    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    app_ready(page)
    first = report["cost_by_service_type"][0]
    legend = page.locator(".oa-cost-overview .oa-legend-item").first.inner_text()
    assert re.fullmatch(r".+ · \$[\d,.]+ · [\d.]+ %", legend), f"amount and share of {first['service_type']}: {legend}"

    others = page.locator('.oa-project-costs .oa-legend-row[title^="Others"]')
    assert " — " in others.get_attribute("title"), "Others lists its projects on hover"
    labels = page.locator(".oa-page .pie_label")
    assert labels.count() > 0
    assert {labels.nth(i).evaluate("e => getComputedStyle(e).pointerEvents") for i in range(labels.count())} == {
        "none"
    }, "invisible pie labels must not block the slices' hover"

    rows = page.locator(".oa-trend-legend .oa-legend-row")
    amounts = [re.search(r"(-?)\$([\d,.]+)\s*$", t).groups() for t in rows.all_inner_texts()]
    costs = [float(sign + number.replace(",", "")) for sign, number in amounts]
    assert costs == sorted(costs, reverse=True), "the trends legend, costliest first"
    nested = page.eval_on_selector_all(
        ".oa-project-trends *",
        "els => els.filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)"
        " && e.scrollHeight > e.clientHeight + 1).length",
    )
    assert nested == 0, "no scroll box inside the trends section"
    lines = ".oa-project-trends g.curve path.line"
    before = page.locator(lines).count()
    rows.first.click()
    page.wait_for_url("**hide_project=**")
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[lines, before - 1])
    page.locator(".oa-trend-legend .oa-legend-row.oa-legend-off").click()
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[lines, before])


def test_switching_months_logs_no_error_in_the_browser(server, page):
    """Months of 28, 31 and 30 days, the legend, an agent and back, a project listed under Others and
    back: the browser console stays clean
    (a chart whose axis and data disagree for a moment logged thousands of errors)."""
    errors = []

    def console(message):
        if message.type == "error":
            errors.append(message.text[:200])

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
    try:
        page.goto(f"{server}/?month=2026-03")
        wait_ready(page, "2026-03")
        app_ready(page)
        for button, month in (
            ("previous", "2026-02"),
            ("next", "2026-03"),
            ("next", "2026-04"),
            ("previous", "2026-03"),
        ):
            page.click(f"button.oa-month-{button}")
            wait_ready(page, month)
        page.locator(".oa-legend-item").first.click()
        page.locator("a.oa-agent-link").first.click()
        page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
        page.click("a.oa-back-link")
        page.wait_for_selector(".oa-agent-page", state="hidden")
        page.locator(".oa-charts-row").scroll_into_view_if_needed()  # a project of Others, and back
        page.wait_for_selector('.oa-browser[data-in-view~="oa-charts-row"]', state="attached")
        page.wait_for_selector(".oa-charts-row:not(.oa-stale) .oa-project-legend summary", state="attached")
        page.locator(".oa-project-legend summary.oa-held-summary").click()
        page.locator(".oa-project-legend .oa-held-list a.oa-held-name").first.click()
        page.wait_for_selector(".oa-project-page .oa-status-box [data-status=ready]", state="attached")
        page.click(".oa-project-page a.oa-back-link")
        page.wait_for_selector(".oa-project-page", state="hidden")
        page.wait_for_timeout(1500)  # let the charts finish their transitions
    finally:
        page.remove_listener("console", console)
    assert errors == []


SPARK_HOVER = """([x, y]) => {
    const band = document.elementFromPoint(x, y).closest('rect.oa-spark-month');
    return band && band.querySelector('title').textContent;
}"""


def test_each_kpi_card_tells_its_last_13_months_on_hover(server, page, run_report):
    """Issue 15, item 8: under each KPI, after the month's numbers, its last 13 months as a line; a
    manager pointing at a month reads its value in words, the running month said to be so far."""
    history = run_report(month="2026-11", timezone=ZONE, now=NOW)["kpi_history"]["months"]
    page.goto(f"{server}/")
    wait_ready(page, "2026-11")
    requests = page.locator(".oa-kpi-total-requests .oa-spark svg")
    requests.wait_for()  # drawn when the viewer pauses after the numbers
    assert page.locator(".oa-kpis .oa-kpi-card").count() == 7
    page.wait_for_function(  # each card is its own message: the others may still be on their way
        "() => document.querySelectorAll('.oa-kpis .oa-spark svg').length"
        " === document.querySelectorAll('.oa-kpis .oa-kpi-card').length"
    )  # a line on every card
    bands = requests.locator("rect.oa-spark-month")
    assert [bands.nth(n).get_attribute("data-month") for n in range(bands.count())] == [r["month"] for r in history]

    def pointing_at(card: str, month: str) -> str:
        """The hover text where the pointer is, over ``month`` of ``card``'s line."""
        band = page.locator(f'.oa-kpi-{card} rect.oa-spark-month[data-month="{month}"]')
        band.hover()
        box = band.bounding_box()
        return page.evaluate(SPARK_HOVER, [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])

    march, october, november = (next(r for r in history if r["month"] == m) for m in ("2026-03", "2026-10", "2026-11"))
    assert (march["total_requests"], march["failed_requests"]) == (36, 4), "the edge fixture's March (New York)"
    assert pointing_at("total-requests", "2026-03") == "March 2026: 36 requests (4 failed)"
    assert pointing_at("total-requests", "2026-06") == "June 2026: 0 requests", "a month without usage: 0"
    assert pointing_at("total-cost", "2026-10") == f"October 2026: ${october['total_cost']:,.2f} spent"
    assert pointing_at("total-requests", "2026-11") == (
        f"November 2026, month to date: {november['total_requests']} requests"
    ), "the running month says it is not over"
    assert pointing_at("error-rate", "2026-06") == "June 2026: no requests"
    assert requests.locator("circle").get_attribute("fill") == "#fff", "the running month: a hollow dot"
    assert requests.locator("line.oa-spark-partial-line").get_attribute("stroke-dasharray") == "2 2"

    page.click("button.oa-month-previous")  # October: a closed month's line ends on a full dot
    wait_ready(page, "2026-10")
    last = '.oa-kpi-total-requests rect.oa-spark-month[data-month="2026-10"]'
    page.wait_for_selector(last, state="attached")
    assert page.locator(last).get_attribute("data-partial") is None
    assert page.locator(".oa-kpi-total-requests .oa-spark circle").get_attribute("fill") != "#fff"
    assert pointing_at("total-requests", "2026-10") == f"October 2026: {october['total_requests']} request"


BARS_PER_DAY = """() => [...document.querySelectorAll('.oa-cost-overview g.bargroup')].map(
    g => [...g.querySelectorAll('rect.bar')].filter(r => parseFloat(r.getAttribute('height')) > 0).length)"""


def test_a_zone_chosen_on_the_page_moves_its_days_and_a_copied_link_opens_in_it(server, page, run_report):
    """Issue 16: the zone selector gives the KPIs and the daily chart's days of ``report --timezone``
    (each day's bars: the service types with a cost that day), the address bar gets ``tz=``, and a
    copied link opens in that zone."""
    zone = "Asia/Tokyo"
    report = run_report(month="2026-03", timezone=zone, now=NOW)
    kpis = {key: report["kpis"][key] for key in KPI_KEYS}
    days = [
        sum(1 for r in report["daily_cost_by_service_type"] if r["date"] == f"2026-03-{day:02d}" and r["cost"])
        for day in range(1, 32)
    ]
    tokyo_shown = "([days, cost]) => JSON.stringify((" + BARS_PER_DAY + ")()) === JSON.stringify(days)"
    tokyo_shown += " && +document.querySelector('.oa-kpi-value[data-key=total_cost]').dataset.exact === cost"

    page.goto(f"{server}/?month=2026-03")
    wait_ready(page, "2026-03")
    app_ready(page)
    field = page.locator(".oa-zone-input input")
    assert field.input_value() == f"{ZONE} (organization)", "the org zone is the default, and says so"
    assert page.evaluate(BARS_PER_DAY) != days, "the test needs a zone whose days differ from the org's"
    field.fill(zone)
    field.press("Enter")
    page.wait_for_url("**?month=2026-03&tz=Asia/Tokyo")
    page.wait_for_function(tokyo_shown, arg=[days, kpis["total_cost"]])
    wait_ready(page, "2026-03")
    shown = shown_kpis(page)
    assert {"total_cost", "total_requests"} <= shown.keys() and shown == {key: kpis[key] for key in shown}, (
        "the KPIs of report --timezone Asia/Tokyo"
    )
    assert page.inner_text(".oa-freshness").startswith(f"Times in {zone}")

    copied = page.url
    page.goto("about:blank")
    page.goto(copied)  # a copied link, in a fresh page
    wait_ready(page, "2026-03")
    page.wait_for_function(tokyo_shown, arg=[days, kpis["total_cost"]])
    assert shown_kpis(page) == shown and page.locator(".oa-zone-input input").input_value() == zone
