"""Request status (docs/data-contract.md, "Request status"): failed requests are counted as
requests and apart, their tokens are left out of total tokens and of an agent's tokens; cache hits
count with their tokens; null is a success and a word the contract does not know is no failure.
The same numbers from the raw tables and from rollups; on the page, statuses in words, the
requests card's "N failed", and only a failure marked as one in an agent's requests.

The small warehouse below (October 2026, UTC; every number worked out by hand):

  r1  Oct 2 10:00  a1  c1   100 + 50  success
  r2  Oct 2 10:05  a1  c1    40 + –   error      failed: LiteLLM's estimated prompt tokens
  r3  Oct 3 12:00  a1  –     20 + 10  cache_hit  answered from a cache: its 30 count
  r4  Oct 4 12:00  –   –      5 + 5   null       a success
  r5  Oct 5 12:00  –   –      7 + 0   failure    not the contract's word: not a failure
  r6  Oct 6 12:07  a1  c2     0 + 0   error      failed, nothing logged
  r7  Sep 30 23:00 a1  –    900 + 0   error      September: not counted
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest
from conftest import DEFAULT_NOW, duckdb_url, report_runner
from edge_fixture import SCHEMA

from data_connectors import connect
from org_analytics_widgets.colors import status_label
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.metrics.tables import export_expression
from org_analytics_widgets.pages.agent import requests_table_html
from org_analytics_widgets.rollups import Rollups, build
from org_analytics_widgets.widgets.kpi_cards import KpiCards
from org_analytics_widgets.widgets.usage_table import _in_words, cell_text

ROWS = """
INSERT INTO projects VALUES ('p1', 'Support', NULL, NULL, '2026-01-01', NULL);
INSERT INTO agents VALUES ('a1', 'p1', 'Concierge');
INSERT INTO usage_requests VALUES
('r1', '2026-10-02 10:00:00', 'p1', 'text_generation', 'm1', 'a1', 'c1', 100, 50, 0.30, 'success'),
('r2', '2026-10-02 10:05:00', 'p1', 'text_generation', 'm1', 'a1', 'c1', 40, NULL, 0.0, 'error'),
('r3', '2026-10-03 12:00:00', 'p1', 'text_generation', 'm1', 'a1', NULL, 20, 10, 0.0, 'cache_hit'),
('r4', '2026-10-04 12:00:00', 'p1', 'text_generation', 'm1', NULL, NULL, 5, 5, 0.10, NULL),
('r5', '2026-10-05 12:00:00', 'p1', 'text_generation', 'm1', NULL, NULL, 7, 0, 0.0, 'failure'),
('r6', '2026-10-06 12:07:00', 'p1', 'text_generation', 'm1', 'a1', 'c2', 0, 0, 0.0, 'error'),
('r7', '2026-09-30 23:00:00', 'p1', 'text_generation', 'm1', 'a1', NULL, 900, 0, 0.0, 'error');
INSERT INTO usage_items VALUES
('i1', 'r1', '2026-10-02 10:00:00', 'p1', 'a1', 'text_generation', 'm1', 'input_tokens', 100, 'token', 0.003, 0.30),
('i2', 'r2', '2026-10-02 10:05:00', 'p1', 'a1', 'text_generation', 'm1', 'failed_requests', 1, 'request', 0, 0.0),
('i3', 'r3', '2026-10-03 12:00:00', 'p1', 'a1', 'text_generation', 'm1', 'cache_hits', 1, 'request', 0, 0.0),
('i4', 'r4', '2026-10-04 12:00:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 5, 'token', 0.02, 0.10);
"""


@pytest.fixture(scope="module")
def statuses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("statuses")
    path = folder / "statuses.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        con.execute(ROWS)
    finally:
        con.close()
    warehouse = connect(duckdb_url(path))
    try:
        build(warehouse, folder / "rollups.duckdb")
    finally:
        warehouse.close()
    return path, folder / "rollups.duckdb"


def test_failed_requests_are_counted_apart_and_their_tokens_left_out(run_cli, statuses):
    kpis = report_runner(run_cli, duckdb_url(statuses[0]))(month="2026-10", timezone="UTC")["kpis"]
    assert kpis["total_requests"] == 6, "r1..r6, failed ones included (r7 is September)"
    assert kpis["failed_requests"] == 2, "r2 and r6; r5's 'failure' is not the contract's word"
    assert kpis["total_tokens"] == 150 + 30 + 10 + 7, "r1, the cache hit r3, r4 (null status), r5; not r2's 40"
    assert kpis["total_conversations"] == 2, "c1 and c2: a failed request is still in its conversation"
    assert kpis["total_cost"] == pytest.approx(0.4)


def test_rollups_give_the_raw_numbers_for_the_month_and_the_agent(statuses):
    path, rollups_path = statuses
    warehouse = connect(duckdb_url(path))
    rollups = Rollups.open(rollups_path)
    try:
        raw = Engine(warehouse, None, "UTC", DEFAULT_NOW, cache=False)
        rolled = Engine(warehouse, rollups, "UTC", DEFAULT_NOW, cache=False)
        month = rolled.snapshot("2026-10")
        assert month.source == "rollups"
        assert month.kpis == raw.snapshot("2026-10").kpis
        assert (month.kpis["failed_requests"], month.kpis["total_tokens"]) == (2, 197)
        agent = rolled.agent_month("a1", "2026-10")
        assert agent.source == "rollups"
        assert agent.kpis == raw.agent_month("a1", "2026-10").kpis
        # r1, r2, r3, r6; tokens r1 150 + r3 30 (not r2's 40); conversations c1, c2
        assert (agent.kpis["requests"], agent.kpis["tokens"], agent.kpis["conversations"]) == (4, 180, 2)
    finally:
        rollups.close()
        warehouse.close()


def test_statuses_show_in_words():
    assert [status_label(s) for s in ("success", "error", "cache_hit", "rate_limited")] == [
        "Succeeded",
        "Failed",
        "Cache hit",
        "Rate limited",
    ]
    options = _in_words("status", [("cache_hit", "cache_hit"), ("error", "error"), ("success", "success")])
    assert options == [("Cache hit", "cache_hit"), ("Failed", "error"), ("Succeeded", "success")], "values stay keys"
    assert cell_text("status", "error") == "Failed" and cell_text("status", None) == "–"


def test_the_requests_card_says_how_many_failed_only_when_some_did():
    cards = KpiCards()
    values = dict(total_requests=1234, total_tokens=1, unique_models=1, active_projects=1, total_projects=1)
    cards.values = values | dict(total_conversations=0, total_cost=1.0, failed_requests=12)
    card = cards.cards["total_requests"].value
    assert '<div class="oa-kpi-aside" data-key="failed_requests" data-exact="12"' in card and "12 failed</div>" in card
    assert 'title="1,234 (12 failed)"' in card
    cards.values = cards.values | {"failed_requests": 0}
    assert "failed" not in cards.cards["total_requests"].value


def test_the_agent_view_marks_only_failures():
    at = pd.Timestamp("2026-10-02 10:00:00")
    page = pd.DataFrame(
        {
            "request_id": ["r1", "r2", "r3"],
            "created_at": [at, at, at],
            "service_type": ["text_generation"] * 3,
            "model": ["m1"] * 3,
            "status": ["success", "error", "cache_hit"],
            "tokens": [150, 0, 30],
            "cost": [0.3, 0.0, 0.0],
        }
    )
    cells = re.findall(
        r'<td class="([^"]*)" title="[^"]*">([^<]*)</td>', requests_table_html(page, 3, "UTC", "2026-10")
    )
    assert cells == [("", "Succeeded"), ("oa-request-error", "Failed"), ("", "Cache hit")]


@pytest.mark.parametrize(
    "status, ids, cost",
    [
        ("success", ["r1", "r4"], 0.40),  # r4's null status is a success
        ("error", ["r2", "r6"], 0.0),
        ("cache_hit", ["r3"], 0.0),
        ("failure", ["r5"], 0.0),
    ],
)
def test_the_status_filter_counts_what_the_contract_says(statuses, status, ids, cost):
    """ "Succeeded" is success or null (data contract, "Request status"): the table, its count, its
    total and its export hold r1 and r4 (hand-counted above); the other statuses match exactly."""
    warehouse = connect(duckdb_url(statuses[0]))
    try:
        engine = Engine(warehouse, None, "UTC", DEFAULT_NOW, cache=False)
        period = engine.period("2026-10")
        filters = {"status": status}
        summary = engine.table_summary("requests", period, filters)
        assert (summary["rows"], summary["cost"]) == (len(ids), pytest.approx(cost))
        page = engine.table_page("requests", period, filters | {"sort": "request_id", "descending": False}, 50)
        assert list(page["request_id"]) == ids
        exported = warehouse.execute(export_expression(warehouse, period, "requests", filters, "csv"))
        assert sorted(exported["request_id"]) == ids
        options = engine.table_options("requests", period)["status"]
        assert sorted(value for _, value in options) == ["cache_hit", "error", "failure", "success"]
    finally:
        warehouse.close()
