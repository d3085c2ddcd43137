"""Where the money goes and how well it works (issue 15, item 6; docs/data-contract.md, "Efficiency"):
cost by model (top models + Others), the error rate, and cost per request, per conversation and per
1k tokens, org-wide, per project and per agent; from the raw tables and the rollups alike, and on the
page's widgets.

Every expected number is worked out by hand from tests/efficiency_fixture.py (its docstring lists the
rows) or tests/edge_fixture.py; the arithmetic is in the comments. October 2026 (UTC):

  cost     r1 2.2 + r2 1.0 + r3 5.7 + r4 0.3 + r5 0.2 + r6 0.6 + r7 1.0 = 11.0 (r8 is September)
  requests r1..r7 = 7, failed r2 and r5 = 2, tokens r1 1200 + r3 2800 + r4 3000 = 7000 (r2, r5 failed)
  conversations c1, c2, c3 = 3
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import DEFAULT_NOW, duckdb_url, report_runner, with_rollups
from efficiency_fixture import MONTH, build_efficiency_warehouse

from data_connectors import connect
from org_analytics_widgets.efficiency import model_slices, ratio
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.report import to_report
from org_analytics_widgets.rollups import Rollups
from org_analytics_widgets.widgets.efficiency import CostPerUse
from org_analytics_widgets.widgets.kpi_cards import KpiCards
from org_analytics_widgets.widgets.model_costs import ModelCostDoughnut
from org_analytics_widgets.widgets.top_agents import TopAgents


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-12)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return with_rollups(tmp_path_factory.mktemp("efficiency"), "efficiency.duckdb", build_efficiency_warehouse)


@pytest.fixture(scope="module")
def report(warehouse):
    wh = connect(duckdb_url(warehouse[0]))
    try:
        return Engine(wh, None, "UTC", DEFAULT_NOW, cache=False).report(MONTH)
    finally:
        wh.close()


def test_cost_by_model_in_words_with_no_model_named(report):
    # m-big r1 2.2 + r2 1.0 + r3 5.7 = 8.9; r7's agent minutes name no model: 1.0; whisper 0.6,
    # emb 0.3, m-small 0.1 + 0.1 = 0.2. Five models: no Others.
    assert report["cost_by_model"] == {
        "total": approx(11.0),
        "slices": [
            {"model": "m-big", "name": "m-big", "cost": approx(8.9)},
            {"model": None, "name": "No model", "cost": approx(1.0)},
            {"model": "whisper", "name": "whisper", "cost": approx(0.6)},
            {"model": "emb", "name": "emb", "cost": approx(0.3)},
            {"model": "m-small", "name": "m-small", "cost": approx(0.2)},
        ],
    }


def test_the_error_rate_is_a_kpi(report):
    assert report["kpis"]["failed_requests"] == 2 and report["kpis"]["total_requests"] == 7
    assert report["kpis"]["error_rate"] == 0.2857142857, "2 / 7, rounded to 10 decimals"


def test_organization_cost_per_use(report):
    assert report["efficiency"]["organization"] == {
        "cost": approx(11.0),
        "requests": 7,
        "failed_requests": 2,
        "conversations": 3,
        "tokens": 7000,
        "error_rate": 0.2857142857,  # 2 / 7
        "cost_per_request": 1.5714285714,  # 11 / 7
        "cost_per_conversation": 3.6666666667,  # 11 / 3
        "cost_per_1k_tokens": 1.5714285714,  # 11 / 7000 * 1000
    }


def test_each_projects_cost_per_use(report):
    assert report["efficiency"]["projects"] == [
        {
            # r1 r2 r3 r7; failed r2; tokens r1 1200 + r3 2800; conversations c1, c2 (r7 is in c2)
            "project_id": "p1",
            "name": "Support",
            "cost": approx(9.9),  # 2.2 + 1.0 + 5.7 + 1.0
            "requests": 4,
            "failed_requests": 1,
            "conversations": 2,
            "tokens": 4000,
            "error_rate": 0.25,
            "cost_per_request": approx(2.475),  # 9.9 / 4
            "cost_per_conversation": approx(4.95),  # 9.9 / 2
            "cost_per_1k_tokens": approx(2.475),  # 9.9 / 4000 * 1000
        },
        {
            # r4 r5 r6; failed r5; tokens r4 3000 (r5 failed, r6 has none); conversation c3
            "project_id": "p2",
            "name": "Search",
            "cost": approx(1.1),  # 0.3 + 0.2 + 0.6
            "requests": 3,
            "failed_requests": 1,
            "conversations": 1,
            "tokens": 3000,
            "error_rate": 0.3333333333,
            "cost_per_request": 0.3666666667,  # 1.1 / 3
            "cost_per_conversation": approx(1.1),
            "cost_per_1k_tokens": 0.3666666667,  # 1.1 / 3000 * 1000
        },
    ]


def test_each_top_agents_cost_per_use(report):
    keep = ("agent_id", "cost", "requests", "failed_requests", "conversations", "tokens")
    ratios = ("error_rate", "cost_per_request", "cost_per_conversation", "cost_per_1k_tokens")
    got = [{k: a[k] for k in keep + ratios} for a in report["top_agents"]]
    assert got == [
        # a1: r1 r2 r3 (r7 has no agent); items 2.2 + 1.0 + 5.7 = 8.9; c1, c2; tokens 1200 + 2800
        {
            "agent_id": "a1",
            "cost": approx(8.9),
            "requests": 3,
            "failed_requests": 1,
            "conversations": 2,
            "tokens": 4000,
            "error_rate": 0.3333333333,
            "cost_per_request": 2.9666666667,  # 8.9 / 3
            "cost_per_conversation": approx(4.45),
            "cost_per_1k_tokens": approx(2.225),
        },
        # a2: r4 r5; items 0.3 + 0.2 = 0.5; c3; tokens r4 3000 (r5 failed)
        {
            "agent_id": "a2",
            "cost": approx(0.5),
            "requests": 2,
            "failed_requests": 1,
            "conversations": 1,
            "tokens": 3000,
            "error_rate": 0.5,
            "cost_per_request": approx(0.25),
            "cost_per_conversation": approx(0.5),
            "cost_per_1k_tokens": 0.1666666667,  # 0.5 / 3000 * 1000
        },
    ]


def test_the_rollups_give_the_raw_sections(warehouse, report):
    wh = connect(duckdb_url(warehouse[0]))
    rollups = Rollups.open(warehouse[1])
    try:
        snap = Engine(wh, rollups, "UTC", DEFAULT_NOW, cache=False).snapshot(MONTH)
        assert snap.source == "rollups"
        rolled = to_report(snap)
    finally:
        rollups.close()
        wh.close()
    for key in ("cost_by_model", "efficiency", "top_agents", "kpis"):
        assert rolled[key] == report[key], key


def test_a_month_without_requests_has_no_ratios(warehouse):
    wh = connect(duckdb_url(warehouse[0]))
    try:
        rep = Engine(wh, None, "UTC", DEFAULT_NOW, cache=False).report("2026-06")
    finally:
        wh.close()
    assert rep["kpis"]["error_rate"] is None
    assert rep["cost_by_model"] == {"total": 0.0, "slices": []}
    assert rep["efficiency"]["projects"] == []
    org = rep["efficiency"]["organization"]
    assert [org[k] for k in ("error_rate", "cost_per_request", "cost_per_conversation", "cost_per_1k_tokens")] == [
        None
    ] * 4


def test_more_than_six_models_fold_into_others(run_cli, edge_warehouse):
    """Edge warehouse, March NY: seven models with items. No model (agent minutes, credits and the
    rest): c01a .5 + c02a 1 + c03a 1 + b01a 2 + l01a .75 + v01d .75 + g01a .5 + g02a .5 + z01a 1
    + h1a .5 + h2a .5 + rf1a -.25 = 8.75; tts-1 v01c .5 + v04a .5 = 1.0 ties img-1 x01a 1.0, and
    'img-1' < 'tts-1': tts-1 is Others."""
    rep = report_runner(run_cli, duckdb_url(edge_warehouse))(month="2026-03")
    slices = rep["cost_by_model"]["slices"]
    assert [(s["model"], s["name"]) for s in slices] == [
        (None, "No model"),
        ("gpt-x", "gpt-x"),
        ("emb-1", "emb-1"),
        ("gpt-y", "gpt-y"),
        ("whisper-1", "whisper-1"),
        ("img-1", "img-1"),
        (None, "Others"),
    ]
    assert slices[0]["cost"] == 8.75 and slices[-1] == {"model": None, "name": "Others", "cost": 1.0, "models": 1}
    assert sum(s["cost"] for s in slices) == approx(rep["kpis"]["total_cost"])


def test_model_slices_keep_the_top_and_count_the_rest():
    models = pd.DataFrame({"model": ["a", "b", "c"], "name": ["a", "b", "c"], "cost": [3.0, 2.0, 1.0]})
    slices = model_slices(models, top=1)
    assert slices.to_dict("records") == [
        {"model": "a", "name": "a", "cost": 3.0, "models": 1},
        {"model": None, "name": "Others", "cost": 3.0, "models": 2},
    ]
    assert ratio(1, 0) is None and ratio(2.0, 3) == 0.6666666667


# -- the widgets -------------------------------------------------------------------------------------
def test_the_model_doughnut_names_models_and_what_others_hold():
    chart = ModelCostDoughnut()
    chart.slices = pd.DataFrame(
        {"model": ["<b>m</b>", None], "name": ["<b>m</b>", "Others"], "cost": [3.0, 1.0], "models": [1, 2]}
    )
    chart.others = pd.DataFrame({"name": ["x", "y"], "cost": [0.75, 0.25]})
    chart.total = 4.0
    legend = chart.legend.value
    assert "&lt;b&gt;m&lt;/b&gt;" in legend and "<b>m</b>" not in legend, "names are data"
    assert "$3.00 · 75.0 %" in legend and "Others" in legend
    assert chart.pie.labels[1] == "Others: $1.00 · 25.0 % — x $0.75, y $0.25"
    assert list(chart.pie.sizes) == [3.0, 1.0] and str(chart.centre.text[0]) == "$4.00"


def test_cost_per_use_cards_and_project_rows(report):
    table = CostPerUse()
    table.organization = report["efficiency"]["organization"]
    table.projects = pd.DataFrame(report["efficiency"]["projects"]).assign(color=["#1F77B4", None])
    cards = table.cards.value
    assert 'data-key="error_rate" data-exact="0.2857142857">28.6 %' in cards
    assert 'data-key="cost_per_request" data-exact="1.5714285714">$1.57' in cards
    assert "2 of 7 requests failed" in cards
    rows = table.table.value
    assert '<tr class="oa-eff-row" data-project-id="p1">' in rows and "Search" in rows
    assert ">33.3 %</td>" in rows and ">$4.95</td>" in rows


def test_a_project_without_conversations_reads_a_dash():
    table = CostPerUse()
    table.projects = pd.DataFrame(
        [
            {"project_id": "p", "name": "<i>P</i>", "color": None, "cost": 1.0, "requests": 1, "failed_requests": 0}
            | {"error_rate": 0.0, "cost_per_request": 1.0, "cost_per_conversation": None, "cost_per_1k_tokens": None}
        ]
    )
    assert "&lt;i&gt;P&lt;/i&gt;" in table.table.value
    assert table.table.value.count(">–</td>") == 2


def test_the_top_agents_table_shows_each_agents_cost_per_use(report):
    table = TopAgents(month=MONTH)
    table.agents = pd.DataFrame(report["top_agents"]).assign(project_color=None)
    html = table.table.value
    for header in ("Error rate", "Cost / request", "Cost / conversation", "Cost / 1k tokens"):
        assert f">{header}</th>" in html
    assert ">33.3 %</td>" in html and ">$2.97</td>" in html and ">$4.45</td>" in html and ">$2.23</td>" in html


def test_the_error_rate_card_tells_its_change_in_points():
    cards = KpiCards()
    base = dict(total_tokens=1, unique_models=1, active_projects=1, total_projects=1, total_conversations=1)
    cards.values = base | dict(total_requests=7, failed_requests=2, total_cost=1.0, error_rate=0.2857142857)
    cards.previous = base | dict(total_requests=10, failed_requests=1, total_cost=1.0, error_rate=0.1)
    card = cards.cards["error_rate"].value
    assert ">28.6 %</div>" in card and "+18.6 pts" in card and 'title="2 of 7 requests failed"' in card
    cards.values = cards.values | {"error_rate": None}
    assert ">–</div>" in cards.cards["error_rate"].value, "no requests: no rate"


def _delta_classes(cards: KpiCards, key: str) -> set[str]:
    return set(re.search(r'<div class="(oa-kpi-delta[^"]*)"', cards.cards[key].value)[1].split())


@pytest.mark.parametrize(
    ("key", "before", "after", "colour"),
    [
        ("error_rate", 0.1, 0.2857142857, "oa-bad"),  # more requests failed: bad news, red
        ("error_rate", 0.2857142857, 0.1, "oa-good"),
        ("total_cost", 1.0, 2.0, "oa-bad"),  # spending more is not good news either
        ("total_cost", 2.0, 1.0, "oa-good"),
        ("total_requests", 5, 7, "oa-good"),  # more use: green, as before
        ("total_requests", 7, 5, "oa-bad"),
    ],
)
def test_a_kpis_change_is_coloured_by_whether_it_is_good_news(key, before, after, colour):
    cards = KpiCards()
    base = dict(
        total_requests=7,
        failed_requests=2,
        total_tokens=1,
        unique_models=1,
        active_projects=1,
        total_projects=1,
        total_conversations=1,
        total_cost=1.0,
        error_rate=0.2857142857,
    )
    cards.previous = base | {key: before}
    cards.values = base | {key: after}
    classes = _delta_classes(cards, key)
    other = {"oa-good": "oa-bad", "oa-bad": "oa-good"}[colour]
    assert colour in classes and other not in classes, f"{key} {before} -> {after}: {sorted(classes)}"
    assert ("oa-up" if after > before else "oa-down") in classes, "the direction is still said"


def test_an_unchanged_kpi_is_neither_good_nor_bad_news():
    cards = KpiCards()
    values = dict(total_requests=7, failed_requests=2, total_tokens=1, unique_models=1, active_projects=1)
    values |= dict(total_projects=1, total_conversations=1, total_cost=1.0, error_rate=0.2857142857)
    cards.previous = cards.values = values
    for key in ("error_rate", "total_cost", "total_requests"):
        assert not _delta_classes(cards, key) & {"oa-good", "oa-bad"}, key
