"""Integrity of the numbers (issue 15, item 4): unpriced usage, items that name no request,
requests without items, counted by the engine and reported; expected values worked out by hand
from the rows below (UTC, March 2026)."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import duckdb_url
from edge_fixture import SCHEMA

ROWS = """
INSERT INTO projects VALUES ('p1', 'One', NULL, NULL, '2025-01-01', NULL);
INSERT INTO usage_requests VALUES
  ('r1', '2026-03-02 10:00', 'p1', 'text_generation', 'm1', NULL, NULL, 10, 0, 0.5, 'ok'),
  ('r2', '2026-03-03 10:00', 'p1', 'text_generation', 'm1', NULL, NULL, 10, 0, 0, 'ok'),
  ('r3', '2026-03-04 10:00', 'p1', 'text_generation', 'm2', NULL, NULL, 10, 0, 0, 'ok'),
  ('r4', '2026-03-05 10:00', 'p1', 'text_generation', 'm1', NULL, NULL, 5, 0, 0.2, 'ok'),
  ('r_bare', '2026-03-06 10:00', 'p1', 'text_generation', 'm1', NULL, NULL, 0, 0, 0, 'error'),
  ('r_late', '2026-03-31 23:30', 'p1', 'text_generation', 'm1', NULL, NULL, 1, 0, 0.1, 'ok'),
  ('r_feb28', '2026-02-28 23:00', 'p1', 'text_generation', 'm1', NULL, NULL, 1, 0, 0.1, 'ok'),
  ('r_early', '2026-02-20 10:00', 'p1', 'text_generation', 'm1', NULL, NULL, 1, 0, 0.1, 'ok');
INSERT INTO usage_items VALUES
  ('i1', 'r1', '2026-03-02 10:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 10, 'token', 0.05, 0.5),
  ('i2', 'r2', '2026-03-03 10:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 10, 'token', 0.05, NULL),
  ('i3', 'r3', '2026-03-04 10:00', 'p1', NULL, 'text_generation', 'm2', 'output_tokens', 10, 'token', 0, 0),
  ('i4', 'r4', '2026-03-05 10:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 5, 'token', NULL, 0.2),
  ('i5', 'r4', '2026-03-05 10:00', 'p1', NULL, 'text_generation', 'm1', 'output_tokens', 0, 'token', 0, 0),
  ('i6', NULL, '2026-03-07 10:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 1, 'token', 0.1, 0.1),
  ('i7', 'r_missing', '2026-03-08 10:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 1, 'token', 0.1, 0.1),
  ('i8', 'r_feb28', '2026-03-01 00:30', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 1, 'token', 0.1, 0.1),
  ('i9', 'r_early', '2026-03-01 01:00', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 1, 'token', 0.1, 0.1),
  ('i10', 'r_late', '2026-04-01 00:10', 'p1', NULL, 'text_generation', 'm1', 'input_tokens', 1, 'token', 0.1, 0.1);
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("integrity") / "integrity.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute(ROWS)
    con.close()
    return path


def test_what_cannot_be_trusted_is_counted(run_cli, warehouse):
    code, out, err = run_cli(
        ["report", "--warehouse", duckdb_url(warehouse), "--month", "2026-03", "--now", "2026-11-25T12:00:00Z"]
    )
    assert code == 0, err
    integrity = json.loads(out)["integrity"]
    # i2 (no cost), i3 (price and cost 0), i4 (no price); i5 has no quantity
    assert integrity["unpriced_items"] == 3
    # i6 (no request id), i7 (no such request), i9 (its request is 9 days away); i8's request is 1 h
    # before March, i10 (April) is not an item of March
    assert integrity["orphan_items"] == 3
    # r_bare; r_late's item is 40 minutes into April, within the day
    assert integrity["requests_without_items"] == 1
    assert integrity["unpriced_by_model"] == [
        {"model": "m1", "pricing_rule": "input_tokens", "unit": "token", "items": 2, "quantity": 15.0},
        {"model": "m2", "pricing_rule": "output_tokens", "unit": "token", "items": 1, "quantity": 10.0},
    ]


def test_a_clean_month_has_nothing_to_say(run_cli, warehouse):
    code, out, _ = run_cli(
        ["report", "--warehouse", duckdb_url(warehouse), "--month", "2026-05", "--now", "2026-11-25T12:00:00Z"]
    )
    assert code == 0
    assert json.loads(out)["integrity"] == {
        "unpriced_items": 0,
        "orphan_items": 0,
        "requests_without_items": 0,
        "unpriced_by_model": [],
    }


# -- the usage tables' integrity filter: the rows the badge counts ---------------------------------
@pytest.fixture(scope="module")
def engine(warehouse):
    from org_analytics_widgets.engine import Engine

    with Engine.open(duckdb_url(warehouse), timezone="UTC", now="2026-11-25T12:00:00Z", cache=False) as engine:
        yield engine


def filtered_ids(engine, kind: str, check: str, month: str = "2026-03", **more) -> list[str]:
    from org_analytics_widgets.filters import ID_COLUMN, clean_filters

    filters = clean_filters(kind, {"integrity": check, **more}, month)
    page = engine.table_page(kind, engine.period(month), filters, 50)
    return sorted(str(v) for v in page[ID_COLUMN[kind]])


@pytest.mark.parametrize(
    "kind, check, expected",
    [
        ("items", "unpriced", ["i2", "i3", "i4"]),
        ("items", "orphan", ["i6", "i7", "i9"]),
        ("requests", "no_items", ["r_bare"]),
    ],
)
def test_the_integrity_filter_shows_the_rows_counted(engine, kind, check, expected):
    assert filtered_ids(engine, kind, check) == expected


def test_each_filtered_table_counts_what_the_engine_reports(engine):
    period = engine.period("2026-03")
    counts = engine.integrity(period)
    for key, kind, check in (
        ("unpriced_items", "items", "unpriced"),
        ("orphan_items", "items", "orphan"),
        ("requests_without_items", "requests", "no_items"),
    ):
        summary = engine.table_summary(kind, period, {"integrity": check})
        assert summary["rows"] == counts[key], f"the {check} table must count the report's {key}"


def test_the_integrity_filter_combines_with_the_others(engine):
    assert filtered_ids(engine, "items", "unpriced", model="m2") == ["i3"]
    assert filtered_ids(engine, "items", "orphan", date_from="2026-03-07", date_to="2026-03-07") == ["i6"]
    assert filtered_ids(engine, "items", "unpriced", month="2026-05") == []


def test_a_failed_call_or_a_cache_hit_at_no_cost_is_not_unpriced(run_cli, tmp_path):
    """LiteLLM logs a failed call's estimated tokens and a cache hit's tokens at spend 0: that $0 is
    their price. The same zero-cost item of a request that succeeded (or says nothing) is unpriced."""
    path = tmp_path / "statuses.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.execute("INSERT INTO projects VALUES ('p1', 'One', NULL, NULL, '2025-01-01', NULL)")
    for n, status in enumerate(["success", None, "error", "cache_hit", "failure"]):
        request = f"r{n}"
        con.execute(
            "INSERT INTO usage_requests VALUES (?, '2026-03-02 10:00', 'p1', 'text_generation', 'm1', NULL, NULL,"
            " 10, 0, 0, ?)",
            [request, status],
        )
        con.execute(
            "INSERT INTO usage_items VALUES (?, ?, '2026-03-02 10:00', 'p1', NULL, 'text_generation', 'm1',"
            " 'input_tokens', 10, 'token', 0, 0)",
            [f"i{n}", request],
        )
    con.close()
    code, out, err = run_cli(
        ["report", "--warehouse", duckdb_url(path), "--month", "2026-03", "--now", "2026-11-25T12:00:00Z"]
    )
    assert code == 0, err
    # r0 (success), r1 (null) and r4 ('failure' is not the contract's error) are unpriced; r2, r3 not
    assert json.loads(out)["integrity"]["unpriced_items"] == 3
