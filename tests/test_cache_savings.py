"""Cache savings (issue 15, item 5; docs/data-contract.md, "Cache savings"): the cached share of input
and the saving against the uncached price, org-wide, per project and per model, from the raw tables
and the rollups alike, and on the page's widget.

Worked out by hand from tests/efficiency_fixture.py (October 2026, UTC; the rows are in its docstring).
Of the models with cached input tokens (m-big, m-small; emb has none and is left out):

  m-big    uncached input i1a 600 + i2a 500 + i3a 1000 = 2100 tokens for 1.2 + 1.0 + 2.0 = 4.2: $0.002 a token
           cached i1b 400 + i3b 1000 = 1400 tokens for 0.2 + 0.5 = 0.7; at $0.002 they would cost 2.8: saved 2.1
           share 1400 / (1400 + 2100) = 0.4 (all in p1 Support)
  m-small  uncached i5a 200 tokens for 0.1: $0.0005; cached i5b 200 for 0.1 (the full price): would 0.1, saved 0
           share 200 / 400 = 0.5 (all in p2 Search)
  org      cached 1600, uncached 2300, share 1600 / 3900 = 0.41025641025..., cost 0.8, would 2.9, saved 2.1
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DEFAULT_NOW, duckdb_url, with_rollups
from efficiency_fixture import MONTH, build_efficiency_warehouse

from data_connectors import connect
from org_analytics_widgets.cache_savings import savings
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.report import to_report
from org_analytics_widgets.rollups import Rollups
from org_analytics_widgets.widgets.cache_savings import CacheSavings


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def row(cached, uncached, share, cost, would, saved, **keys):
    return keys | {
        "cached_tokens": approx(cached),
        "input_tokens": approx(uncached),
        "cached_share": approx(share),
        "cached_cost": approx(cost),
        "uncached_cost": approx(would),
        "saving": approx(saved),
        "unpriced_cached_tokens": 0.0,
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return with_rollups(tmp_path_factory.mktemp("cache-savings"), "efficiency.duckdb", build_efficiency_warehouse)


@pytest.fixture(scope="module")
def section(warehouse):
    wh = connect(duckdb_url(warehouse[0]))
    try:
        return Engine(wh, None, "UTC", DEFAULT_NOW, cache=False).report(MONTH)["cache_savings"]
    finally:
        wh.close()


def test_the_organizations_cached_share_and_saving(section):
    assert section["organization"] == row(1600, 2300, 0.4102564103, 0.8, 2.9, 2.1)


def test_per_project_and_per_model_by_saving(section):
    assert section["projects"] == [
        row(1400, 2100, 0.4, 0.7, 2.8, 2.1, project_id="p1", name="Support"),
        row(200, 200, 0.5, 0.1, 0.1, 0.0, project_id="p2", name="Search"),
    ]
    assert section["models"] == [
        row(1400, 2100, 0.4, 0.7, 2.8, 2.1, model="m-big", name="m-big"),
        row(200, 200, 0.5, 0.1, 0.1, 0.0, model="m-small", name="m-small"),
    ]


def test_the_rollups_give_the_raw_section(warehouse, section):
    wh = connect(duckdb_url(warehouse[0]))
    rollups = Rollups.open(warehouse[1])
    try:
        snap = Engine(wh, rollups, "UTC", DEFAULT_NOW, cache=False).snapshot(MONTH)
    finally:
        rollups.close()
        wh.close()
    assert snap.source == "rollups" and to_report(snap)["cache_savings"] == section


def test_a_month_without_cached_input_has_no_rows(warehouse):
    wh = connect(duckdb_url(warehouse[0]))
    try:
        empty = Engine(wh, None, "UTC", DEFAULT_NOW, cache=False).report("2026-09")["cache_savings"]
    finally:
        wh.close()
    # September: r8's 100 uncached m-big tokens only: no model with cached input
    assert empty["projects"] == [] and empty["models"] == []
    assert empty["organization"]["cached_share"] is None and empty["organization"]["saving"] is None


def test_a_model_without_an_uncached_price_saves_nothing_known():
    """m-solo's 100 cached tokens (0.1) have no uncached input to be priced by: counted apart."""
    rows = pd.DataFrame(
        {
            "project_id": ["p1", "p1"],
            "model": ["m-big", "m-solo"],
            "cached_tokens": [1000.0, 100.0],
            "cached_cost": [0.5, 0.1],
            "input_tokens": [1000.0, 0.0],
            "input_cost": [2.0, 0.0],
        }
    )
    found = savings(rows, pd.DataFrame({"project_id": ["p1"], "name": ["Support"], "color": [None]}))
    org = found["organization"]
    # m-big: 1000 at $0.002 = 2.0, saved 1.5; share (1000 + 100) / (1100 + 1000)
    assert (org["saving"], org["unpriced_cached_tokens"], org["cached_share"]) == (1.5, 100.0, 0.5238095238)
    models = found["models"].to_dict("records")
    assert [m["model"] for m in models] == ["m-big", "m-solo"] and models[1]["saving"] is None


def test_the_cached_share_of_fractional_quantities_is_not_cut_to_whole_tokens():
    """A quantity is a number, not a count: 0.5 cached of 0.5 + 1.0 is a third (the share was once
    divided by int(1.5) = 1, and 0.5 of 0.5 by int(0.5) = 0: no share)."""
    rows = pd.DataFrame(
        {
            "project_id": ["p1", "p2"],
            "model": ["m", "m"],
            "cached_tokens": [0.5, 0.5],
            "cached_cost": [0.0, 0.0],
            "input_tokens": [1.0, 0.0],
            "input_cost": [1.0, 0.0],
        }
    )
    found = savings(rows, pd.DataFrame({"project_id": ["p1", "p2"], "name": ["One", "Two"], "color": [None, None]}))
    assert found["organization"]["cached_share"] == 0.5
    shares = {r["project_id"]: r["cached_share"] for r in found["projects"].to_dict("records")}
    assert shares == {"p1": 0.3333333333, "p2": 1.0}


def test_the_widget_says_the_share_and_saving_in_words(section):
    box = CacheSavings()
    box.organization = section["organization"]
    box.projects = pd.DataFrame(section["projects"]).assign(color=["#1F77B4", None], name=["<b>S</b>", "Search"])
    box.models = pd.DataFrame(section["models"])
    assert "<b>41.0 %</b> of input tokens were read from a cache" in box.headline.value
    assert "saving <b>$2.10</b> against the uncached price ($0.80 instead of $2.90)" in box.headline.value
    tables = box.tables.value
    assert "&lt;b&gt;S&lt;/b&gt;" in tables, "names are data"
    assert ">40.0 %</td>" in tables and ">1.4k</td>" in tables and ">$2.10</td>" in tables
    box.organization = {}
    assert box.is_empty and box.tables.value == ""
