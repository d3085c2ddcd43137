"""Why did spend change? (issue 15, item 2; docs/data-contract.md, "Spend change"): the cost change
against the comparison period split per project into volume, quantity per request, mix and unit price
(Shapley values over c = R × T/R × Q/T × c/Q per cell), from the raw tables and the rollups alike.

Worked out by hand from tests/spend_change_fixture.py (October 2026 against September, UTC):

  p1 Support Bot  R 2 -> 4, unit price 0.01 -> 0.015 (tokens per request 100, mix 1 both months):
                  2.0 -> 6.0, +4.0. Two factors move; with two players the Shapley value of each is
                  its change times the mean of the other's two values (× the constant 100 × 1):
                  volume (4 - 2) × (0.01 + 0.015) / 2 × 100 = 2.5
                  price  (0.015 - 0.01) × (2 + 4) / 2 × 100 = 1.5               (2.5 + 1.5 = 4.0)
  p2 Search       1 request, 100 -> 300 tokens, all else equal: 1.0 -> 3.0, +2.0 quantity per request
  p3 Writer       m-a (1 request × 100 tokens × 1 × 0.01 = 1.0) gone: its mix 1 -> 0, -1.0;
                  m-b new: mix 0 -> 1 at its price 0.03, +3.0: +2.0 mix
  p4 Voice        no tokens: seconds per request stand for tokens per request, 30 -> 45 s:
                  0.6 -> 0.9, +0.3 quantity per request
  p5 Legacy       gone: 0.5 -> 0, -0.5 volume
  p6 Pilot <b>    new: 0 -> 0.4, +0.4 volume
  total           5.1 -> 13.3, +8.2 = volume 2.5 - 0.5 + 0.4 = 2.4, quantity per request 2.0 + 0.3
                  = 2.3, mix 2.0, unit price 1.5 (2.4 + 2.3 + 2.0 + 1.5 = 8.2)
  drivers         by absolute change: Support Bot 4.0, Search 2.0 and Writer 2.0 (a tie: by name),
                  Legacy -0.5, Pilot <b> 0.4 (Voice, 0.3, is sixth)
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DEFAULT_NOW, duckdb_url, with_rollups
from spend_change_fixture import MONTH, PILOT, PREVIOUS, build_spend_change_warehouse

from data_connectors import connect
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.rollups import Rollups
from org_analytics_widgets.spend_change import PARTS, decompose, factors, shapley


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return with_rollups(tmp_path_factory.mktemp("spend-change"), "spend.duckdb", build_spend_change_warehouse)


@pytest.fixture(scope="module", params=["raw", "rollups"])
def report(request, warehouse):
    path, rollups = warehouse
    wh = connect(duckdb_url(path))
    engine = Engine(wh, Rollups.open(rollups) if request.param == "rollups" else None, "UTC", DEFAULT_NOW, cache=False)
    try:
        yield engine.report(MONTH)["spend_change"]
    finally:
        engine.close()


def test_it_compares_october_with_the_whole_of_september(report):
    assert report["comparison"] == {
        "month": PREVIOUS,
        "start": "2026-09-01T00:00:00+00:00",
        "end": "2026-10-01T00:00:00+00:00",
    }
    assert (report["previous_total"], report["total"], report["change"]) == (approx(5.1), approx(13.3), approx(8.2))


def test_the_parts_are_worked_out_by_hand(report):
    assert report["parts"] == {
        "volume": approx(2.4),
        "quantity_per_request": approx(2.3),
        "mix": approx(2.0),
        "unit_price": approx(1.5),
    }
    assert sum(report["parts"].values()) == approx(report["change"])


def test_each_project_moves_the_way_it_was_built_to(report):
    expected = {  # project: previous, cost, volume, quantity per request, mix, unit price, status
        "p1": (2.0, 6.0, 2.5, 0.0, 0.0, 1.5, "both"),
        "p2": (1.0, 3.0, 0.0, 2.0, 0.0, 0.0, "both"),
        "p3": (1.0, 3.0, 0.0, 0.0, 2.0, 0.0, "both"),
        "p5": (0.5, 0.0, -0.5, 0.0, 0.0, 0.0, "gone"),
        "p6": (0.0, 0.4, 0.4, 0.0, 0.0, 0.0, "new"),
        "p4": (0.6, 0.9, 0.0, 0.3, 0.0, 0.0, "both"),
    }
    assert [p["project_id"] for p in report["projects"]] == list(expected), "by absolute change, ties by name"
    for row in report["projects"]:
        before, now, *parts, status = expected[row["project_id"]]
        assert row["previous_cost"] == approx(before) and row["cost"] == approx(now), row
        assert row["change"] == approx(now - before), row
        assert [row[p] for p in PARTS] == [approx(x) for x in parts], row
        assert row["status"] == status, row


def test_the_top_five_drivers_say_it_in_words(report):
    assert [d["text"] for d in report["drivers"]] == [
        "Support Bot: +$4.00, of which +$2.50 from more requests",
        "Search: +$2.00, of which +$2.00 from more tokens per request",
        "Writer: +$2.00, of which +$2.00 from a costlier mix of models and service types",
        "Legacy: -$0.50, with no spend this period",
        f"{PILOT}: +$0.40, with no spend in the comparison period",
    ]
    assert [d["part"] for d in report["drivers"]] == ["volume", "quantity_per_request", "mix", "volume", "volume"]
    assert report["drivers"][0]["part_change"] == approx(2.5)


def test_factors_multiply_to_the_cost_whatever_is_missing():
    cases = {  # requests, tokens, quantity, cost -> factors
        (10, 2000, 1000, 5.0): [10, 200.0, 0.5, 0.005],
        (4, 0, 60, 3.0): [4, 15.0, 1.0, 0.05],  # no tokens: quantity per request
        (0, 0, 8, 2.0): [8, 1.0, 1.0, 0.25],  # items without requests: the quantity is the volume
        (5, 100, 0, 2.0): [5, 20.0, 1.0, 0.02],  # a cost without quantity: cost per token is its price
        (5, 100, 50, 0.0): [5, 20.0, 0.5, 0.0],  # free: unit price 0
        (5, 100, 0, 0.0): [5, 20.0, 0.0, None],  # absent: mix 0
        (0, 0, 0, 0.0): [0.0, None, None, None],  # the project absent: no volume
    }
    for chain, expected in cases.items():
        assert factors(*chain) == expected, chain


def test_shapley_parts_add_up_to_the_change_of_the_product():
    before, now = [3, 7.0, 0.2, 0.5], [5, 4.0, 0.25, 0.8]
    parts = shapley(before, now)
    assert sum(parts) == approx(5 * 4.0 * 0.25 * 0.8 - 3 * 7.0 * 0.2 * 0.5)
    assert shapley(before, before) == [0.0] * 4


def test_a_project_without_requests_and_a_cost_without_quantity_still_add_up():
    cells = lambda rows: pd.DataFrame(  # noqa: E731
        rows, columns=["project_id", "service_type", "model", "pricing_rule", "unit", "cost", "quantity"]
    )
    projects = lambda rows: pd.DataFrame(rows, columns=["project_id", "name", "color", "requests", "tokens"])  # noqa: E731
    before = cells([(None, "agent", None, "fee", None, 2.0, 0.0), ("p1", "text", "m", "in", "token", 1.0, 100.0)])
    now = cells([(None, "agent", None, "fee", None, 5.0, 0.0), ("p1", "text", "m", "in", "token", -0.5, 50.0)])
    split = decompose(now, projects([("p1", "P", None, 3, 0)]), before, projects([("p1", "P", None, 1, 100)]))
    assert split["change"] == approx(1.5)  # (5.0 - 0.5) - (2.0 + 1.0)
    assert sum(split["parts"].values()) == approx(1.5)
    assert split["projects"]["name"].tolist() == ["No project", "P"]


def _adds_up(engine: Engine, month: str) -> None:
    snap = engine.month(month)
    found = engine.report(month)["spend_change"]
    where = f"{month} in {engine.timezone}"
    assert found["previous_total"] == approx(snap.previous_kpis["total_cost"]), where
    assert found["total"] == approx(snap.kpis["total_cost"]), where
    assert found["change"] == approx(found["total"] - found["previous_total"]), where
    assert sum(found["parts"].values()) == approx(found["change"]), f"the parts add up to the change: {where}"
    for row in found["projects"]:
        parts = sum(row[p] for p in PARTS)
        assert parts == approx(row["change"]), f"{row['project_id']}'s parts add up: {where}"
    for part in PARTS:
        assert sum(r[part] for r in found["projects"]) == approx(found["parts"][part]), f"{part}: {where}"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "UTC"])
def test_the_parts_add_up_on_the_edge_fixture(edge_warehouse, zone):
    """Credits, nulls, orphans, items without requests, an empty month and the current one."""
    with Engine(connect(duckdb_url(edge_warehouse)), None, zone, DEFAULT_NOW, cache=False) as engine:
        for month in ("2026-02", "2026-03", "2026-04", "2026-06", "2026-07", "2026-10", "2026-11"):
            _adds_up(engine, month)


def test_the_parts_add_up_on_the_demo(tmp_path_factory):
    from datetime import datetime

    from data_connectors.demo import generate_demo

    path = tmp_path_factory.mktemp("spend-demo") / "demo.duckdb"
    generate_demo(path, items=20_000, seed=7, now=datetime(2026, 11, 25, 12, 0))
    with Engine(connect(duckdb_url(path)), None, "Europe/Paris", DEFAULT_NOW, cache=False) as engine:
        for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
            _adds_up(engine, month)


def test_the_organization_page_says_why_in_words_and_draws_the_waterfall(warehouse):
    from org_analytics_widgets.pages.organization import Dashboard

    path, _rollups = warehouse
    with Engine(connect(duckdb_url(path)), None, "UTC", DEFAULT_NOW, cache=False) as engine:
        page = Dashboard(engine, month=MONTH)
        box = page.spend_change
        assert page.spend_section.layout.display is None
        assert "Spend rose <b>+$8.20</b> (+160.8 %) against Sep: $5.10 → $13.30." in box.headline.value
        for words in ("Requests <b>+$2.40</b>", "Tokens per request <b>+$2.30</b>", "Unit prices <b>+$1.50</b>"):
            assert words in box.parts.value, box.parts.value
        assert "Mix of models and service types <b>+$2.00</b>" in box.parts.value, "labels in words, never keys"
        assert "<li>Support Bot: +$4.00, of which +$2.50 from more requests</li>" in box.drivers.value
        assert "Pilot &lt;b&gt;: +$0.40" in box.drivers.value and "Pilot <b>" not in box.drivers.value, "escaped"
        steps = [(label, round(start, 9), round(end, 9)) for label, start, end, _ in box.steps()]
        assert steps == [
            ("Sep", 0.0, 5.1),
            ("Requests", 5.1, 7.5),
            ("Tokens / request", 7.5, 9.8),
            ("Mix", 9.8, 11.8),
            ("Unit prices", 11.8, 13.3),
            ("Oct", 0.0, 13.3),
        ], "the waterfall walks from September's total to October's"
        assert [list(mark.x) for mark in box.figure.marks] == [[s[0]] for s in steps]


def test_the_waterfall_redraws_its_six_bars_instead_of_making_new_ones():
    """A month switch moves the waterfall's bars (made once): new marks each time leaked widgets."""
    from org_analytics_widgets.widgets.spend_change import SpendChange

    box = SpendChange(previous_label="Sep", label="Oct")
    split = {"previous_total": 5.1, "total": 13.3, "change": 8.2, "drivers": []}
    box.split = {**split, "parts": {"volume": 2.4, "quantity_per_request": 2.3, "mix": 2.0, "unit_price": 1.5}}
    bars = list(box.figure.marks)
    box.split = {**split, "parts": {"volume": 8.2, "quantity_per_request": 0.0, "mix": 0.0, "unit_price": 0.0}}
    assert list(box.figure.marks) == bars and len(bars) == 6
    assert [list(b.y)[0] for b in bars] == pytest.approx([5.1, 13.3, 13.3, 13.3, 13.3, 13.3])
    assert [b.base for b in bars] == pytest.approx([0.0, 5.1, 13.3, 13.3, 13.3, 0.0])
