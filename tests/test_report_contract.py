"""Acceptance tests of `org-analytics report` against docs/data-contract.md.

Every expected number below was worked out BY HAND from tests/edge_fixture.py and the
contract; the arithmetic is in the comments.  Nothing is recomputed from the warehouse.
Only plumbing is code: expanding "every other day is 0" and checking the sort order.

Conventions in comments: times are UTC ("Z") or New York local ("NY"); costs are per item.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import report_runner
from reports import assert_same_report

from org_analytics_widgets.snapshot import COUNT_KPIS

NOW = "2026-11-25T12:00:00Z"  # NY 2026-11-25 07:00 EST
NY = "America/New_York"

MARCH_DAYS = [f"2026-03-{d:02d}" for d in range(1, 32)]  # 31 local days
NOV_DAYS = [f"2026-11-{d:02d}" for d in range(1, 26)]  # 11-01 .. 11-25 (today, local)


# --------------------------------------------------------------------------- helpers

_cache: dict = {}


@pytest.fixture
def run_report(run_cli, backend_url):
    """Every hand-computed check runs on each backend (DuckDB file, Parquet, PostgreSQL)."""
    return report_runner(run_cli, backend_url)


@pytest.fixture
def report(run_report, backend_url):
    """run_report with a per-module cache (the warehouse is read-only, reports are pure)."""

    def _get(month="2026-03", timezone=NY, now=NOW):
        key = (backend_url, month, timezone, now)
        if key not in _cache:
            _cache[key] = run_report(month=month, timezone=timezone, now=now)
        return _cache[key]

    return _get


def pick(rows, *keys):
    """Project a list of dicts onto ``keys`` (the contract allows extra keys)."""
    return [{k: r[k] for k in keys} for r in rows]


def assert_subset(actual: dict, expected: dict):
    for k, v in expected.items():
        assert k in actual, f"missing key {k!r}"
        assert actual[k] == v, f"{k}: expected {v!r}, got {actual[k]!r}"


def assert_dense(rows, key_fields, value_field, days, keys, nonzero):
    """A densified daily series: one row per (day, key), value from ``nonzero`` else 0."""
    got = {}
    for r in rows:
        k = (r["date"],) + tuple(r[f] for f in key_fields)
        assert k not in got, f"duplicate row {k}"
        got[k] = r[value_field]
    expected = {(d,) + tuple(key): 0 for d in days for key in keys}
    for (d, *key), v in nonzero.items():
        expected[(d, *key)] = v
    assert set(got) == set(expected), (
        f"extra rows {sorted(set(got) - set(expected))[:5]}, missing rows {sorted(set(expected) - set(got))[:5]}"
    )
    wrong = {k: (expected[k], got[k]) for k in expected if got[k] != expected[k]}
    assert not wrong, f"(expected, got) per row: {dict(sorted(wrong.items())[:10])}"
    assert len(rows) == len(days) * len(keys)


def by_cost_then(field):
    """Sort key for 'date, cost desc, <field>' (costs are already rounded in the output)."""
    return lambda r: (r["date"], -r["cost"], r[field])


def rows_on(rows, date):
    return [r for r in rows if r["date"] == date]


def card(rep, service_type):
    cards = [c for c in rep["service_types"] if c["service_type"] == service_type]
    assert len(cards) == 1, f"expected one {service_type} card, got {len(cards)}"
    return cards[0]


def walk_numbers(obj, path="$"):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk_numbers(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk_numbers(v, f"{path}[{i}]")


# =========================================================================== March, New York
# Period: [2026-03-01 05:00Z, 2026-04-01 04:00Z) (EST before the 03-08 switch, EDT after).


def test_march_ny_period(report):
    assert_subset(
        report()["period"],
        {
            "month": "2026-03",
            "timezone": "America/New_York",
            "start": "2026-03-01T00:00:00-05:00",  # EST
            "end": "2026-04-01T00:00:00-04:00",  # EDT
        },
    )


def test_march_ny_kpis(report):
    assert_subset(
        report()["kpis"],
        {
            # usage_requests in P: s01..s09 (9, incl. s07/s08 = NY 03-31 evening, s09 whose item is in
            # April) + c01-c03, b01 (4) + v01 v02 v04 g01 g02 (5) + q01 ia1 ib1 ic1 z01 (5) + d01 + x01 h1 h2
            # + o01 + zu1 + zr1 + n01 rf1 + t01 + lg1 (12) + e07 e08 (2) = 36.
            # Not l01 (NY 02-28 23:00), e01..e06 (before 05:00Z on 03-01), e04 (NY 04-01 00:00).
            "total_requests": 36,
            # in+out, null as 0: s01 150 + s02 10 + s04 1000 + s05 2000 + s06 300 + s07 300 + s08 100
            # + s09 10 = 3870; + c01 200 + v01 110 + q01 4000 + d01 1500 + o01 200 + zu1 30 + zr1 50
            # + e07 1 + e08 1 = 9962 (everything else is null/0). Not lg1's 10: it failed (status
            # error), and a failed request's tokens are left out.
            "total_tokens": 9962,
            # status 'error': ia1, ib1, ic1 (idle agents, 03-15..17) and lg1 (03-02) = 4; t01's null
            # status is a success.
            "failed_requests": 4,
            # non-null item models in P: gpt-x, gpt-y, emb-1, whisper-1, tts-1, img-1 = 6
            # (gpt-z only on an April item, gpt-old only on a request, agent items have null model).
            "unique_models": 6,
            # request projects in P: p_support p_voice p_search p_docs p_xss p_orphan p_zulu p_zero
            # p_neg p_tiny p_old_active = 11.
            "active_projects": 11,
            # 9 live projects (support voice search docs xss zulu zero neg tiny) + p_old_active (active)
            # + p_orphan (active) + p_arch_start (archived == start) + p_arch_within + p_arch_after
            # + p_new_in (created 1 s before end) = 15.  Not: p_feb, p_arch_ist, p_arch_utc,
            # p_arch_before (archived < 05:00Z), p_new_out (created == end), twins, nov projects.
            "total_projects": 15,
            # conv_1 (c01, c02), conv_2, conv_3, conv_v1, conv_g1 (g01, g02), conv_ib, conv_z, conv_h1,
            # conv_h2 = 9 (conv_late belongs to l01, which is in February in NY).
            "total_conversations": 9,
            # = sum of the slices below: 11.71 + 4.2 + 3.0 + 3.0 + 2.0 + 1.0 + 0.0 = 24.91.
            # (request.cost is never used: s06 says 99.0, its item 0.5.)
            "total_cost": 24.91,
        },
    )


def test_march_ny_kpi_counts_are_integers(report):
    kpis = report()["kpis"]
    for name in COUNT_KPIS:
        assert type(kpis[name]) is int, f"{name} is {type(kpis[name]).__name__}"


def test_march_ny_cost_by_service_type(report):
    assert pick(report()["cost_by_service_type"], "service_type", "cost") == [
        # text_generation: s01 1.0+0.5+null, s02 0.25, s03 0.25, c01b 0.5, v01b 0.15, d01 2.5, o01 1.0,
        #   zu1 1.0000000000001, zr1 0.5-0.5, n01 -0.75, t01 -1e-14, and 03-31: e07 0.32 + s06 0.5
        #   + e08 0.64 + s07 0.75 + s08 0.25 = 2.46  ->  1.5+0.25+0.25+0.5+0.15+2.5+1+1+0-0.75+2.46 = 8.86
        {"service_type": "text_generation", "cost": 8.86},
        # agent: c01a 0.5, c02a 1, c03a 1, b01a 2, l01a 0.75, v01d 0.75, g01a 0.5, g02a 0.5, z01a 1,
        #   h1a 0.5, h2a 0.5, rf1a -0.25 = 8.75
        {"service_type": "agent", "cost": 8.75},
        # embedding: q01 2.0 + s04 0.5 + s05 1.0
        {"service_type": "embedding", "cost": 3.5},
        # speech_to_text: v01a 0.6 + v02a 0.6 + v02b 0.6
        {"service_type": "speech_to_text", "cost": 1.8},
        # tie at 1.0 broken by service_type: image_generation (x01) < text_to_speech (v01c + v04a)
        {"service_type": "image_generation", "cost": 1.0},
        {"service_type": "text_to_speech", "cost": 1.0},
    ]


def test_march_ny_cost_by_project(report):
    cbp = report()["cost_by_project"]
    assert cbp["total"] == 24.91  # == total_cost
    assert pick(cbp["slices"], "project_id", "name", "cost") == [
        # p_support: 03-01 2.25 (s01 1.5 + l01a 0.75) + 03-07 0.25 + 03-08 0.75 + 03-09 1.0 + 03-10 1.0
        #   + 03-11 2.0 + 03-12 2.0 + 03-31 2.46 = 11.71
        {"project_id": "p_support", "name": "Support bot", "cost": 11.71},
        # p_voice: v01 2.0 + v04 0.5 + v02 1.2 + g01 0.5 = 4.2
        {"project_id": "p_voice", "name": "Voice desk", "cost": 4.2},
        # tie at 3.0 (search: q01 2.0 + z01 1.0; docs: d01 2.5 + g02 0.5): 'Search' < 'docs QA'
        # by code point ('S' = 83 < 'd' = 100), case-sensitive.
        {"project_id": "p_search", "name": "Search", "cost": 3.0},
        {"project_id": "p_docs", "name": "docs QA", "cost": 3.0},
        # p_xss: x01 1.0 + h1 0.5 + h2 0.5
        {"project_id": "p_xss", "name": "<script>alert(1)</script>", "cost": 2.0},
        # tie at 1.0 after rounding: orphan (0.5+0.5, named by its id 'p_orphan') vs zulu
        # (0.5+0.5+1e-13 = 1.0000000000001): 'p_orphan' < 'zulu', so zulu goes to Others.
        {"project_id": "p_orphan", "name": "p_orphan", "cost": 1.0},
        # Others (10 projects with items > 6): zulu 1.0000000000001 + zero (0.5-0.5) + neg
        # (-0.75-0.25) + tiny (-1e-14) = 9e-14 -> 0.0; present even though it sums to 0.
        {"project_id": None, "name": "Others", "cost": 0.0},
    ]


def test_march_ny_top_agents(report):
    assert pick(
        report()["top_agents"], "agent_id", "name", "project_id", "project_name", "conversations", "requests", "cost"
    ) == [
        # c01 (0.5 + 0.5) + c02 1.0 + c03 1.0; conv_1, conv_2; 3 requests
        {
            "agent_id": "a_conc",
            "name": "Concierge",
            "project_id": "p_support",
            "project_name": "Support bot",
            "conversations": 2,
            "requests": 3,
            "cost": 3.0,
        },
        # tie at 2.0: 'Booker' (b01) < 'Voice agent' (v01: 0.6 + 0.15 + 0.5 + 0.75)
        {
            "agent_id": "a_book",
            "name": "Booker",
            "project_id": "p_support",
            "project_name": "Support bot",
            "conversations": 1,
            "requests": 1,
            "cost": 2.0,
        },
        {
            "agent_id": "a_voice",
            "name": "Voice agent",
            "project_id": "p_voice",
            "project_name": "Voice desk",
            "conversations": 1,
            "requests": 1,
            "cost": 2.0,
        },
        # tie at 1.0: 'Zed' (z01) < 'a_ghost' (unnamed -> its id; g01 0.5 + g02 0.5) by code point
        {
            "agent_id": "a_zed",
            "name": "Zed",
            "project_id": "p_search",
            "project_name": "Search",
            "conversations": 1,
            "requests": 1,
            "cost": 1.0,
        },
        # ghost: missing from agents -> name = id; project = min(p_voice, p_docs) over its rows in P
        # (its February row in p_arch_before does not count); conv_g1 twice -> 1 conversation
        {
            "agent_id": "a_ghost",
            "name": "a_ghost",
            "project_id": "p_docs",
            "project_name": "docs QA",
            "conversations": 1,
            "requests": 2,
            "cost": 1.0,
        },
        # only an item in P (l01a at NY 03-01 00:30); its request is NY 02-28 23:00 -> 0 requests/conversations
        {
            "agent_id": "a_late",
            "name": "Latecomer",
            "project_id": "p_support",
            "project_name": "Support bot",
            "conversations": 0,
            "requests": 0,
            "cost": 0.75,
        },
        # same name, same cost 0.5: tie broken by agent_id
        {
            "agent_id": "a_help1",
            "name": "Helper",
            "project_id": "p_xss",
            "project_name": "<script>alert(1)</script>",
            "conversations": 1,
            "requests": 1,
            "cost": 0.5,
        },
        {
            "agent_id": "a_help2",
            "name": "Helper",
            "project_id": "p_xss",
            "project_name": "<script>alert(1)</script>",
            "conversations": 1,
            "requests": 1,
            "cost": 0.5,
        },
        # requests without items: cost 0; 'Idle A' < 'Idle B' < 'Idle C' (C is 11th: cut), then
        # a_refund (-0.25) 12th: cut.  a_feb (February only) and a_unused are no candidates.
        {
            "agent_id": "a_idle_a",
            "name": "Idle A",
            "project_id": "p_search",
            "project_name": "Search",
            "conversations": 0,
            "requests": 1,
            "cost": 0.0,
        },
        {
            "agent_id": "a_idle_b",
            "name": "Idle B",
            "project_id": "p_search",
            "project_name": "Search",
            "conversations": 1,
            "requests": 1,
            "cost": 0.0,
        },
    ]


# Daily cost by service type, NY local dates (every other (day, type) is 0).
MARCH_NY_DAILY_BY_TYPE = {
    ("2026-03-01", "text_generation"): 1.5,  # s01 at NY 00:00 (1.0 + 0.5 + null)
    ("2026-03-05", "text_generation"): 0.15,  # v01b
    ("2026-03-07", "text_generation"): 0.25,  # s02 at 03-08 04:59:59Z = NY 03-07 23:59:59 EST
    ("2026-03-08", "text_generation"): 0.25,  # s03 at 03-08 05:00Z = NY 03-08 00:00 EST
    ("2026-03-10", "text_generation"): 0.5,  # c01b
    ("2026-03-25", "text_generation"): 2.5,  # d01 1.0 + 1.5
    ("2026-03-28", "text_generation"): 1.0,  # o01
    ("2026-03-29", "text_generation"): 1.0,  # zu1 1.0000000000001 -> 1.0
    ("2026-03-30", "text_generation"): -0.75,  # zr1 +0.5 -0.5, n01 -0.75, t01 -1e-14
    ("2026-03-31", "text_generation"): 2.46,  # e07 0.32 + s06 0.5 + e08 0.64 + s07 0.75 + s08 0.25
    ("2026-03-01", "agent"): 0.75,  # l01a at NY 00:30
    ("2026-03-05", "agent"): 0.75,  # v01d
    ("2026-03-10", "agent"): 0.5,  # c01a (c02a is stamped NY 03-11 00:30)
    ("2026-03-11", "agent"): 2.0,  # c02a 1.0 + c03a 1.0
    ("2026-03-12", "agent"): 2.0,  # b01a
    ("2026-03-18", "agent"): 1.0,  # z01a
    ("2026-03-21", "agent"): 0.5,  # g01a
    ("2026-03-22", "agent"): 0.5,  # g02a
    ("2026-03-27", "agent"): 1.0,  # h1a 0.5 + h2a 0.5
    ("2026-03-30", "agent"): -0.25,  # rf1a
    ("2026-03-03", "embedding"): 2.0,  # q01
    ("2026-03-08", "embedding"): 0.5,  # s04 at 03-09 03:59:59Z = NY 03-08 23:59:59 EDT
    ("2026-03-09", "embedding"): 1.0,  # s05 at 03-09 04:00Z = NY 03-09 00:00 EDT
    ("2026-03-05", "speech_to_text"): 0.6,  # v01a
    ("2026-03-20", "speech_to_text"): 1.2,  # v02a 0.6 + v02b 0.6
    ("2026-03-05", "text_to_speech"): 0.5,  # v01c
    ("2026-03-06", "text_to_speech"): 0.5,  # v04a
    ("2026-03-26", "image_generation"): 1.0,  # x01
}
MARCH_NY_TYPES = ["agent", "embedding", "image_generation", "speech_to_text", "text_generation", "text_to_speech"]


def test_march_ny_daily_cost_by_service_type_dense(report):
    rows = report()["daily_cost_by_service_type"]
    # 31 days x 6 service types = 186 rows
    assert_dense(rows, ["service_type"], "cost", MARCH_DAYS, [(t,) for t in MARCH_NY_TYPES], MARCH_NY_DAILY_BY_TYPE)
    assert rows == sorted(rows, key=by_cost_then("service_type"))


def test_march_ny_daily_cost_by_service_type_dst_days(report):
    rows = report()["daily_cost_by_service_type"]
    # date, then cost desc, then service_type
    assert pick(rows_on(rows, "2026-03-07"), "service_type", "cost") == [
        {"service_type": "text_generation", "cost": 0.25},
        {"service_type": "agent", "cost": 0.0},
        {"service_type": "embedding", "cost": 0.0},
        {"service_type": "image_generation", "cost": 0.0},
        {"service_type": "speech_to_text", "cost": 0.0},
        {"service_type": "text_to_speech", "cost": 0.0},
    ]
    assert pick(rows_on(rows, "2026-03-08"), "service_type", "cost") == [  # the 23-hour day
        {"service_type": "embedding", "cost": 0.5},
        {"service_type": "text_generation", "cost": 0.25},
        {"service_type": "agent", "cost": 0.0},
        {"service_type": "image_generation", "cost": 0.0},
        {"service_type": "speech_to_text", "cost": 0.0},
        {"service_type": "text_to_speech", "cost": 0.0},
    ]
    assert pick(rows_on(rows, "2026-03-09"), "service_type", "cost")[0] == {"service_type": "embedding", "cost": 1.0}
    assert pick(rows_on(rows, "2026-03-30"), "service_type", "cost") == [  # zeros above negatives
        {"service_type": "embedding", "cost": 0.0},
        {"service_type": "image_generation", "cost": 0.0},
        {"service_type": "speech_to_text", "cost": 0.0},
        {"service_type": "text_to_speech", "cost": 0.0},
        {"service_type": "agent", "cost": -0.25},
        {"service_type": "text_generation", "cost": -0.75},
    ]
    assert pick(rows_on(rows, "2026-03-05"), "service_type", "cost") == [
        {"service_type": "agent", "cost": 0.75},
        {"service_type": "speech_to_text", "cost": 0.6},
        {"service_type": "text_to_speech", "cost": 0.5},
        {"service_type": "text_generation", "cost": 0.15},
        {"service_type": "embedding", "cost": 0.0},
        {"service_type": "image_generation", "cost": 0.0},
    ]


# Project trends (all service types), NY local dates; every other (day, project) is 0.
MARCH_NY_TRENDS = {
    ("2026-03-01", "p_support"): 2.25,  # s01 1.5 + l01a 0.75
    ("2026-03-07", "p_support"): 0.25,  # s02
    ("2026-03-08", "p_support"): 0.75,  # s03 0.25 + s04 0.5
    ("2026-03-09", "p_support"): 1.0,  # s05
    ("2026-03-10", "p_support"): 1.0,  # c01a 0.5 + c01b 0.5
    ("2026-03-11", "p_support"): 2.0,  # c02a + c03a
    ("2026-03-12", "p_support"): 2.0,  # b01a
    ("2026-03-31", "p_support"): 2.46,  # e07 + s06 + e08 + s07 + s08
    ("2026-03-05", "p_voice"): 2.0,  # v01 0.6 + 0.15 + 0.5 + 0.75
    ("2026-03-06", "p_voice"): 0.5,  # v04
    ("2026-03-20", "p_voice"): 1.2,  # v02
    ("2026-03-21", "p_voice"): 0.5,  # g01
    ("2026-03-03", "p_search"): 2.0,  # q01
    ("2026-03-18", "p_search"): 1.0,  # z01
    ("2026-03-22", "p_docs"): 0.5,  # g02
    ("2026-03-25", "p_docs"): 2.5,  # d01
    ("2026-03-26", "p_xss"): 1.0,  # x01
    ("2026-03-27", "p_xss"): 1.0,  # h1 + h2
    ("2026-03-28", "p_orphan"): 1.0,  # o01
    ("2026-03-29", "p_zulu"): 1.0,  # zu1 1.0000000000001
    ("2026-03-30", "p_neg"): -1.0,  # n01 -0.75 + rf1 -0.25
    # p_zero (0.5 - 0.5) and p_tiny (-1e-14 -> -0.0 -> 0.0) are 0 on 03-30 too
}
MARCH_NY_ITEM_PROJECTS = [
    "p_docs",
    "p_neg",
    "p_orphan",
    "p_search",
    "p_support",
    "p_tiny",
    "p_voice",
    "p_xss",
    "p_zero",
    "p_zulu",
]  # the 10 projects with items in P (not p_old_active)


def test_march_ny_project_trends_dense(report):
    rows = report()["project_trends"]
    # 31 days x 10 projects = 310 rows
    assert_dense(rows, ["project_id"], "cost", MARCH_DAYS, [(p,) for p in MARCH_NY_ITEM_PROJECTS], MARCH_NY_TRENDS)
    assert rows == sorted(rows, key=by_cost_then("project_id"))


def test_march_ny_project_trends_day_order(report):
    rows = report()["project_trends"]
    # 03-30: all zeros (p_tiny's -0.0 compares equal to 0.0 after rounding) by project_id,
    # then p_neg -1.0
    assert pick(rows_on(rows, "2026-03-30"), "project_id", "cost") == [
        {"project_id": "p_docs", "cost": 0.0},
        {"project_id": "p_orphan", "cost": 0.0},
        {"project_id": "p_search", "cost": 0.0},
        {"project_id": "p_support", "cost": 0.0},
        {"project_id": "p_tiny", "cost": 0.0},
        {"project_id": "p_voice", "cost": 0.0},
        {"project_id": "p_xss", "cost": 0.0},
        {"project_id": "p_zero", "cost": 0.0},
        {"project_id": "p_zulu", "cost": 0.0},
        {"project_id": "p_neg", "cost": -1.0},
    ]
    assert pick(rows_on(rows, "2026-03-01"), "project_id", "cost") == [
        {"project_id": "p_support", "cost": 2.25},
        {"project_id": "p_docs", "cost": 0.0},
        {"project_id": "p_neg", "cost": 0.0},
        {"project_id": "p_orphan", "cost": 0.0},
        {"project_id": "p_search", "cost": 0.0},
        {"project_id": "p_tiny", "cost": 0.0},
        {"project_id": "p_voice", "cost": 0.0},
        {"project_id": "p_xss", "cost": 0.0},
        {"project_id": "p_zero", "cost": 0.0},
        {"project_id": "p_zulu", "cost": 0.0},
    ]


def test_march_ny_service_type_cards_order_and_cost(report):
    # same order and costs as cost_by_service_type; unknown image_generation included
    assert pick(report()["service_types"], "service_type", "cost") == [
        {"service_type": "text_generation", "cost": 8.86},
        {"service_type": "agent", "cost": 8.75},
        {"service_type": "embedding", "cost": 3.5},
        {"service_type": "speech_to_text", "cost": 1.8},
        {"service_type": "image_generation", "cost": 1.0},
        {"service_type": "text_to_speech", "cost": 1.0},
    ]


# Per card: projects with items of the type, nonzero daily cost per project, nonzero daily
# distinct requests, (pricing_rule, unit) keys and nonzero daily quantities.  Items are placed
# by their own created_at (c02a -> 03-11), quantities of different units are never added.
MARCH_NY_CARDS = {
    "text_generation": {
        "projects": ["p_docs", "p_neg", "p_orphan", "p_support", "p_tiny", "p_voice", "p_zero", "p_zulu"],
        "cost": {
            ("2026-03-01", "p_support"): 1.5,
            ("2026-03-05", "p_voice"): 0.15,
            ("2026-03-07", "p_support"): 0.25,
            ("2026-03-08", "p_support"): 0.25,
            ("2026-03-10", "p_support"): 0.5,
            ("2026-03-25", "p_docs"): 2.5,
            ("2026-03-28", "p_orphan"): 1.0,
            ("2026-03-29", "p_zulu"): 1.0,
            ("2026-03-30", "p_neg"): -0.75,
            ("2026-03-31", "p_support"): 2.46,
        },
        # s01 | v01 | s02 | s03 | c01 | d01 | o01 | zu1 | zr1 n01 t01 | e07 s06 e08 s07 s08
        "requests": {
            "2026-03-01": 1,
            "2026-03-05": 1,
            "2026-03-07": 1,
            "2026-03-08": 1,
            "2026-03-10": 1,
            "2026-03-25": 1,
            "2026-03-28": 1,
            "2026-03-29": 1,
            "2026-03-30": 3,
            "2026-03-31": 5,
        },
        "usage_keys": [
            ("cached_input_tokens", "token"),
            ("credit", "credit"),
            ("input_tokens", "token"),
            ("output_tokens", "token"),
            ("refund", "credit"),
            ("rounding", "credit"),
        ],
        "usage": {
            ("2026-03-01", "input_tokens", "token"): 100.0,  # s01a (s01c: 0 cached tokens)
            ("2026-03-01", "output_tokens", "token"): 50.0,  # s01b
            ("2026-03-05", "input_tokens", "token"): 50.0,  # v01b
            ("2026-03-07", "input_tokens", "token"): 10.0,  # s02a
            ("2026-03-08", "output_tokens", "token"): 25.0,  # s03a
            ("2026-03-10", "output_tokens", "token"): 100.0,  # c01b
            ("2026-03-25", "input_tokens", "token"): 1000.0,  # d01a
            ("2026-03-25", "output_tokens", "token"): 500.0,  # d01b
            ("2026-03-28", "input_tokens", "token"): 100.0,  # o01a
            ("2026-03-28", "output_tokens", "token"): 100.0,  # o01b
            ("2026-03-29", "input_tokens", "token"): 10.0,  # zu1a
            ("2026-03-29", "output_tokens", "token"): 20.0,  # zu1b
            ("2026-03-29", "cached_input_tokens", "token"): 70.0,  # zu1c
            ("2026-03-30", "input_tokens", "token"): 50.0,  # zr1a
            ("2026-03-30", "credit", "credit"): 1.0,  # zr1b
            ("2026-03-30", "refund", "credit"): 1.0,  # n01a
            ("2026-03-30", "rounding", "credit"): 1.0,  # t01a
            ("2026-03-31", "input_tokens", "token"): 502.0,  # e07 1 + s06 200 + e08 1 + s07 300
            ("2026-03-31", "output_tokens", "token"): 100.0,
        },  # s08
    },
    "agent": {
        "projects": ["p_docs", "p_neg", "p_search", "p_support", "p_voice", "p_xss"],
        "cost": {
            ("2026-03-01", "p_support"): 0.75,
            ("2026-03-05", "p_voice"): 0.75,
            ("2026-03-10", "p_support"): 0.5,
            ("2026-03-11", "p_support"): 2.0,
            ("2026-03-12", "p_support"): 2.0,
            ("2026-03-18", "p_search"): 1.0,
            ("2026-03-21", "p_voice"): 0.5,
            ("2026-03-22", "p_docs"): 0.5,
            ("2026-03-27", "p_xss"): 1.0,
            ("2026-03-30", "p_neg"): -0.25,
        },
        # l01 | v01 | c01 | c02 c03 | b01 | z01 | g01 | g02 | h1 h2 | rf1   (idle requests have no items)
        "requests": {
            "2026-03-01": 1,
            "2026-03-05": 1,
            "2026-03-10": 1,
            "2026-03-11": 2,
            "2026-03-12": 1,
            "2026-03-18": 1,
            "2026-03-21": 1,
            "2026-03-22": 1,
            "2026-03-27": 2,
            "2026-03-30": 1,
        },
        "usage_keys": [("agent_minutes", "minute"), ("refund", "credit")],
        "usage": {
            ("2026-03-01", "agent_minutes", "minute"): 3.0,
            ("2026-03-05", "agent_minutes", "minute"): 3.0,
            ("2026-03-10", "agent_minutes", "minute"): 2.0,
            ("2026-03-11", "agent_minutes", "minute"): 8.0,
            ("2026-03-12", "agent_minutes", "minute"): 8.0,
            ("2026-03-18", "agent_minutes", "minute"): 4.0,
            ("2026-03-21", "agent_minutes", "minute"): 2.0,
            ("2026-03-22", "agent_minutes", "minute"): 2.0,
            ("2026-03-27", "agent_minutes", "minute"): 4.0,
            ("2026-03-30", "refund", "credit"): 1.0,
        },
    },
    "embedding": {
        "projects": ["p_search", "p_support"],
        "cost": {("2026-03-03", "p_search"): 2.0, ("2026-03-08", "p_support"): 0.5, ("2026-03-09", "p_support"): 1.0},
        "requests": {"2026-03-03": 1, "2026-03-08": 1, "2026-03-09": 1},
        "usage_keys": [("input_tokens", "token")],
        "usage": {
            ("2026-03-03", "input_tokens", "token"): 4000.0,
            ("2026-03-08", "input_tokens", "token"): 1000.0,
            ("2026-03-09", "input_tokens", "token"): 2000.0,
        },
    },
    "speech_to_text": {
        "projects": ["p_voice"],
        "cost": {("2026-03-05", "p_voice"): 0.6, ("2026-03-20", "p_voice"): 1.2},
        "requests": {"2026-03-05": 1, "2026-03-20": 1},  # v02 has two items but is one request
        "usage_keys": [("audio_duration", "minute"), ("audio_duration", "second"), ("transcription_seconds", "second")],
        "usage": {
            ("2026-03-05", "transcription_seconds", "second"): 60.0,
            ("2026-03-20", "audio_duration", "second"): 120.0,  # never 121.5
            ("2026-03-20", "audio_duration", "minute"): 1.5,
        },
    },
    "image_generation": {
        "projects": ["p_xss"],
        "cost": {("2026-03-26", "p_xss"): 1.0},
        "requests": {"2026-03-26": 1},
        "usage_keys": [("images", "image")],
        "usage": {("2026-03-26", "images", "image"): 2.0},
    },
    "text_to_speech": {
        "projects": ["p_voice"],
        "cost": {("2026-03-05", "p_voice"): 0.5, ("2026-03-06", "p_voice"): 0.5},
        "requests": {"2026-03-05": 1, "2026-03-06": 1},
        "usage_keys": [("characters", "character")],
        "usage": {("2026-03-05", "characters", "character"): 500.0, ("2026-03-06", "characters", "character"): 500.0},
    },
}


@pytest.mark.parametrize("service_type", list(MARCH_NY_CARDS))
def test_march_ny_service_type_card(report, service_type):
    exp = MARCH_NY_CARDS[service_type]
    c = card(report(), service_type)

    dcp = c["daily_cost_by_project"]
    assert_dense(dcp, ["project_id"], "cost", MARCH_DAYS, [(p,) for p in exp["projects"]], exp["cost"])
    assert dcp == sorted(dcp, key=by_cost_then("project_id"))

    req = c["daily_requests"]
    assert [r["date"] for r in req] == MARCH_DAYS  # one row per day, in date order
    assert {r["date"]: r["requests"] for r in req} == {d: exp["requests"].get(d, 0) for d in MARCH_DAYS}

    usage = c["daily_usage"]
    assert_dense(usage, ["pricing_rule", "unit"], "quantity", MARCH_DAYS, exp["usage_keys"], exp["usage"])
    assert usage == sorted(usage, key=lambda r: (r["date"], r["pricing_rule"], r["unit"]))


def test_march_ny_speech_usage_keeps_units_apart(report):
    usage = card(report(), "speech_to_text")["daily_usage"]
    # date, pricing_rule, unit: 'minute' < 'second'
    assert pick(rows_on(usage, "2026-03-20"), "pricing_rule", "unit", "quantity") == [
        {"pricing_rule": "audio_duration", "unit": "minute", "quantity": 1.5},
        {"pricing_rule": "audio_duration", "unit": "second", "quantity": 120.0},
        {"pricing_rule": "transcription_seconds", "unit": "second", "quantity": 0.0},
    ]


def test_march_ny_agent_card_negative_day(report):
    dcp = card(report(), "agent")["daily_cost_by_project"]
    assert pick(rows_on(dcp, "2026-03-30"), "project_id", "cost") == [
        {"project_id": "p_docs", "cost": 0.0},
        {"project_id": "p_search", "cost": 0.0},
        {"project_id": "p_support", "cost": 0.0},
        {"project_id": "p_voice", "cost": 0.0},
        {"project_id": "p_xss", "cost": 0.0},
        {"project_id": "p_neg", "cost": -0.25},
    ]


def test_march_ny_names_are_data(report):
    names = {s["name"] for s in report()["cost_by_project"]["slices"]}
    assert "<script>alert(1)</script>" in names
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" not in names


# =========================================================================== March, UTC and Kolkata


def test_march_utc(report):
    rep = report(timezone="UTC")
    assert_subset(
        rep["period"],
        {
            "month": "2026-03",
            "timezone": "UTC",
            "start": "2026-03-01T00:00:00+00:00",
            "end": "2026-04-01T00:00:00+00:00",
        },
    )
    assert_subset(
        rep["kpis"],
        {
            # NY's 36 - s07, s08 (04-01 00:00Z and 03:59:59Z are April in UTC)
            #           + l01 (03-01 04:00Z), e05 (03-01 00:00Z), e03 (03-01 04:59:59Z) = 37
            "total_requests": 37,
            # NY's 24.91 - s07a 0.75 - s08a 0.25 + e05a 0.02 + e03a 0.16 = 24.09
            "total_cost": 24.09,
            "active_projects": 11,  # same project set as NY
            "total_conversations": 10,  # NY's 9 + conv_late (l01 is in UTC March)
            "failed_requests": 4,  # NY's four, all mid-March
            # NY's 9962 - s07 300 - s08 100 + l01 7 + e05 1 + e03 1 = 9571 (lg1's 10 still left out)
            "total_tokens": 9571,
            # 9 live + p_old_active + p_orphan + p_arch_utc (archived == 03-01 00:00Z)
            # + p_arch_before (04:59:59Z >= start) + p_arch_start + p_arch_within + p_arch_after = 16
            # (p_new_in, created 04-01 03:59:59Z, is after the UTC end)
            "total_projects": 16,
        },
    )
    daily = rep["daily_cost_by_service_type"]
    assert sorted({r["date"] for r in daily}) == MARCH_DAYS
    assert {r["service_type"]: r["cost"] for r in rows_on(daily, "2026-03-01")} == {
        "text_generation": 1.68,  # e05 0.02 + e03 0.16 + s01 1.5
        "agent": 0.75,  # l01a at 05:30Z
        "embedding": 0.0,
        "image_generation": 0.0,
        "speech_to_text": 0.0,
        "text_to_speech": 0.0,
    }
    # 03-31 UTC: e07 0.32 + s06 0.5 + e08 0.64 = 1.46 (s07/s08 are April)
    assert {r["service_type"]: r["cost"] for r in rows_on(daily, "2026-03-31")}["text_generation"] == 1.46


def test_march_default_timezone_is_utc(run_report):
    rep = run_report(month="2026-03", timezone=None, now=NOW)
    assert_subset(
        rep["period"], {"timezone": "UTC", "start": "2026-03-01T00:00:00+00:00", "end": "2026-04-01T00:00:00+00:00"}
    )
    assert rep["kpis"]["total_cost"] == 24.09  # same as test_march_utc


def test_march_kolkata(report):
    rep = report(timezone="Asia/Kolkata")
    # IST March = [2026-02-28 18:30Z, 2026-03-31 18:30Z)
    assert_subset(
        rep["period"],
        {
            "month": "2026-03",
            "timezone": "Asia/Kolkata",
            "start": "2026-03-01T00:00:00+05:30",
            "end": "2026-04-01T00:00:00+05:30",
        },
    )
    assert_subset(
        rep["kpis"],
        {
            # NY's 36 - s06 (18:30Z = IST 04-01 00:00), e08, s07, s08
            #           + l01, e01 (18:30Z = IST 03-01 00:00), e06, e05, e03 = 37   (e02 at 18:29:59Z is Feb)
            "total_requests": 37,
            # NY's 24.91 - (0.5 + 0.64 + 0.75 + 0.25 = 2.14) + (0.08 + 0.01 + 0.02 + 0.16 = 0.27) = 23.04
            "total_cost": 23.04,
            "total_conversations": 10,  # + conv_late
            "failed_requests": 4,  # NY's four, all mid-March
            # NY's 9962 - s06 300 - e08 1 - s07 300 - s08 100 + l01 7 + e01 1 + e06 1 + e05 1 + e03 1 = 9272
            "total_tokens": 9272,
            # the UTC set (16) + p_arch_ist (archived 02-28 20:00Z >= IST start) = 17
            "total_projects": 17,
        },
    )
    daily = rep["daily_cost_by_service_type"]
    assert sorted({r["date"] for r in daily}) == MARCH_DAYS
    by_type_0301 = {r["service_type"]: r["cost"] for r in rows_on(daily, "2026-03-01")}
    # e01 0.08 (IST 00:00) + e06 0.01 + e05 0.02 + e03 0.16 + s01 1.5 = 1.77
    assert by_type_0301["text_generation"] == 1.77
    assert by_type_0301["agent"] == 0.75
    # IST 03-31: only e07 (18:29:59Z = 23:59:59 IST)
    assert {r["service_type"]: r["cost"] for r in rows_on(daily, "2026-03-31")}["text_generation"] == 0.32


# =========================================================================== November: the current month
# --now 2026-11-25T12:00:00Z: period [2026-11-01 04:00Z (EDT midnight), now); local day 11-01 is
# 25 hours long: [11-01 04:00Z, 11-02 05:00Z).


def test_november_current_month_period(report):
    assert_subset(
        report(month="2026-11")["period"],
        {
            "month": "2026-11",
            "timezone": "America/New_York",
            "start": "2026-11-01T00:00:00-04:00",
            "end": "2026-11-25T07:00:00-05:00",  # now, written in NY's (EST) offset
        },
    )


def test_november_kpis(report):
    assert_subset(
        report(month="2026-11")["kpis"],
        {
            # n2 n3 n4 n5 n6 n7 (n1 is NY 10-31, n8 == now, n9 and n10 after now)
            "total_requests": 6,
            # n2 30 + n3 30 + n5 200 + n6 200 = 460
            "total_tokens": 460,
            "failed_requests": 0,  # every November request is a success
            # gpt-x (n2, n3), whisper-1 (n4), gpt-y (n5, n6); not gpt-now / gpt-future
            "unique_models": 3,
            # p_support, p_voice, p_twin_b, p_twin_a
            "active_projects": 4,
            # 9 live + p_new_in + p_new_out + p_twin_a + p_twin_b + p_nov_in (created 11:00Z < now) = 14;
            # not p_nov_out (created == now == end), nor archived projects, nor p_orphan (inactive)
            "total_projects": 14,
            "total_conversations": 1,  # conv_n1 (conv_n8 is at now, conv_n9 after)
            # 1.0 + 0.5 + 0.333333333333 + 0.75 + 0.75 + 0.5 = 3.833333333333 -> 10 decimals
            "total_cost": 3.8333333333,
        },
    )


def test_november_cost_sections(report):
    rep = report(month="2026-11")
    assert pick(rep["cost_by_service_type"], "service_type", "cost") == [
        {"service_type": "text_generation", "cost": 3.0},  # 1.0 + 0.5 + 0.75 + 0.75
        {"service_type": "agent", "cost": 0.5},  # n7
        {"service_type": "speech_to_text", "cost": 0.3333333333},  # n4 0.333333333333
    ]  # (n9's image_generation item is after now: no such entry)
    assert rep["cost_by_project"]["total"] == 3.8333333333
    # fewer than 6 projects: no Others slice
    assert pick(rep["cost_by_project"]["slices"], "project_id", "name", "cost") == [
        {"project_id": "p_support", "name": "Support bot", "cost": 2.0},  # n2 1.0 + n3 0.5 + n7 0.5
        # same cost, same name 'Twin': by project_id
        {"project_id": "p_twin_a", "name": "Twin", "cost": 0.75},
        {"project_id": "p_twin_b", "name": "Twin", "cost": 0.75},
        {"project_id": "p_voice", "name": "Voice desk", "cost": 0.3333333333},
    ]
    assert pick(
        rep["top_agents"], "agent_id", "name", "project_id", "project_name", "conversations", "requests", "cost"
    ) == [
        # a_zed's n9 is after now: not a candidate
        {
            "agent_id": "a_conc",
            "name": "Concierge",
            "project_id": "p_support",
            "project_name": "Support bot",
            "conversations": 1,
            "requests": 1,
            "cost": 0.5,
        },
    ]
    assert [c["service_type"] for c in rep["service_types"]] == ["text_generation", "agent", "speech_to_text"]


def test_november_daily_series_capped_at_today(report):
    rep = report(month="2026-11")
    daily = rep["daily_cost_by_service_type"]
    # 25 days (11-01 .. 11-25) x 3 types = 75 rows
    assert_dense(
        daily,
        ["service_type"],
        "cost",
        NOV_DAYS,
        [("agent",), ("speech_to_text",), ("text_generation",)],
        {
            ("2026-11-01", "text_generation"): 1.5,  # n2 (EDT 00:00) + n3 (EST 23:59:59)
            ("2026-11-02", "speech_to_text"): 0.3333333333,  # n4 (EST 00:00)
            ("2026-11-10", "text_generation"): 1.5,  # n5 + n6
            ("2026-11-25", "agent"): 0.5,  # n7 (06:59:59 EST)
        },
    )
    assert daily[0]["date"] == "2026-11-01" and daily[-1]["date"] == "2026-11-25"
    trends = rep["project_trends"]
    # 25 days x 4 projects = 100 rows
    assert_dense(
        trends,
        ["project_id"],
        "cost",
        NOV_DAYS,
        [("p_support",), ("p_twin_a",), ("p_twin_b",), ("p_voice",)],
        {
            ("2026-11-01", "p_support"): 1.5,
            ("2026-11-02", "p_voice"): 0.3333333333,
            ("2026-11-10", "p_twin_a"): 0.75,
            ("2026-11-10", "p_twin_b"): 0.75,
            ("2026-11-25", "p_support"): 0.5,
        },
    )
    assert pick(rows_on(trends, "2026-11-10"), "project_id", "cost") == [
        {"project_id": "p_twin_a", "cost": 0.75},
        {"project_id": "p_twin_b", "cost": 0.75},
        {"project_id": "p_support", "cost": 0.0},
        {"project_id": "p_voice", "cost": 0.0},
    ]


def test_november_speech_card_rounding(report):
    c = card(report(month="2026-11"), "speech_to_text")
    assert c["cost"] == 0.3333333333
    assert_dense(
        c["daily_usage"],
        ["pricing_rule", "unit"],
        "quantity",
        NOV_DAYS,
        [("transcription_seconds", "second")],
        {("2026-11-02", "transcription_seconds", "second"): 30.123456789},
    )  # 30.123456789012
    assert {r["date"]: r["requests"] for r in c["daily_requests"]} == {
        d: (1 if d == "2026-11-02" else 0) for d in NOV_DAYS
    }
    tg = card(report(month="2026-11"), "text_generation")
    assert {r["date"]: r["requests"] for r in tg["daily_requests"] if r["requests"]} == {
        "2026-11-01": 2,
        "2026-11-10": 2,
    }  # n2 n3 | n5 n6


@pytest.mark.parametrize("now", ["2026-11-25T12:00:00", "2026-11-25T07:00:00-05:00", "2026-11-25T17:30:00+05:30"])
def test_november_now_spellings_are_equivalent(report, now):
    # a --now without offset means UTC; the other two are the same instant
    assert report(month="2026-11", now=now) == report(month="2026-11")


# =========================================================================== months without data


def test_month_wholly_after_now(report):
    rep = report(month="2026-12")  # now is 2026-11-25; December has a 16.0 row on 12-05
    assert_subset(
        rep["period"], {"month": "2026-12", "start": "2026-12-01T00:00:00-05:00", "end": "2026-12-01T00:00:00-05:00"}
    )  # end == start
    # total_projects is left out on purpose: for an empty period the contract's formula and
    # "empty results" disagree.
    assert_subset(
        rep["kpis"],
        {
            "total_requests": 0,
            "total_tokens": 0,
            "unique_models": 0,
            "active_projects": 0,
            "total_conversations": 0,
            "total_cost": 0.0,
            "failed_requests": 0,
        },
    )
    assert rep["cost_by_service_type"] == []
    assert rep["daily_cost_by_service_type"] == []
    assert rep["cost_by_project"]["total"] == 0.0
    assert rep["cost_by_project"]["slices"] == []
    assert rep["project_trends"] == []
    assert rep["top_agents"] == []
    assert rep["service_types"] == []


def test_empty_past_month(report):
    rep = report(month="2026-06")  # no usage rows at all in June 2026
    assert_subset(
        rep["period"], {"month": "2026-06", "start": "2026-06-01T00:00:00-04:00", "end": "2026-07-01T00:00:00-04:00"}
    )
    assert_subset(
        rep["kpis"],
        {
            "total_requests": 0,
            "total_tokens": 0,
            "unique_models": 0,
            "active_projects": 0,
            "total_conversations": 0,
            "total_cost": 0.0,
            "failed_requests": 0,
            # by the contract's formula projects still *exist* in an empty month: the 9 live ones
            # + p_new_in + p_new_out (created April) = 11; p_arch_after was archived 05-01.
            "total_projects": 11,
        },
    )
    assert rep["cost_by_service_type"] == []
    assert rep["daily_cost_by_service_type"] == []  # no keys -> no rows
    assert rep["cost_by_project"]["total"] == 0.0
    assert rep["cost_by_project"]["slices"] == []
    assert rep["project_trends"] == []
    assert rep["top_agents"] == []
    assert rep["service_types"] == []


# =========================================================================== number formatting


@pytest.mark.parametrize(
    "month,timezone", [("2026-03", NY), ("2026-03", "UTC"), ("2026-03", "Asia/Kolkata"), ("2026-11", NY)]
)
def test_numbers_rounded_and_no_negative_zero(run_report, month, timezone):
    code, out, err = run_report(month=month, timezone=timezone, raw=True)
    assert code == 0, err
    rep = json.loads(out)
    for path, v in walk_numbers(rep):
        if isinstance(v, float):
            assert round(v, 10) == v, f"{path} = {v!r} is not rounded to 10 decimals"
            if v == 0:
                assert math.copysign(1.0, v) > 0, f"{path} is -0.0"
    assert "-0.0," not in out and "-0.0}" not in out and "-0.0]" not in out and "-0.0 " not in out


def test_negative_zero_is_printed_as_zero(run_report):
    # p_tiny's only item is -1e-14 on NY 03-30: rounds to -0.0, must print as 0.0
    code, out, err = run_report(raw=True)
    assert code == 0, err
    rep = json.loads(out)
    (tiny,) = [r for r in rep["project_trends"] if r["project_id"] == "p_tiny" and r["date"] == "2026-03-30"]
    assert tiny["cost"] == 0.0 and math.copysign(1.0, tiny["cost"]) == 1.0


# =========================================================================== a zone whose local midnight does not exist
# America/Havana switches 2026-03-08 00:00 CST -> 01:00 CDT, so local day 03-08 starts at 01:00
# (= 05:00Z, the same instant as NY's 03-08 00:00 EST).  Havana and NY have the same offsets at
# every instant of this fixture's March rows except 05:00Z-07:00Z on 03-08 (same local date in
# both), so every March number is the NY one.


def test_march_havana_missing_midnight(report):
    rep = report(timezone="America/Havana")
    assert_subset(
        rep["period"],
        {
            "month": "2026-03",
            "timezone": "America/Havana",
            "start": "2026-03-01T00:00:00-05:00",
            "end": "2026-04-01T00:00:00-04:00",
        },
    )
    assert_subset(
        rep["kpis"],
        {
            "total_requests": 36,
            "total_tokens": 9962,
            "unique_models": 6,
            "active_projects": 11,
            "total_projects": 15,
            "total_conversations": 9,
            "total_cost": 24.91,
            "failed_requests": 4,
        },
    )
    assert_dense(
        rep["daily_cost_by_service_type"],
        ["service_type"],
        "cost",
        MARCH_DAYS,
        [(t,) for t in MARCH_NY_TYPES],
        MARCH_NY_DAILY_BY_TYPE,
    )


# =========================================================================== other ways to reach the same warehouse


def test_parquet_warehouse_gives_the_same_numbers(run_report, edge_warehouse, tmp_path):
    import duckdb

    out_dir = tmp_path / "parquet"
    out_dir.mkdir()
    con = duckdb.connect(str(edge_warehouse), read_only=True)
    try:
        for table in ("projects", "agents", "usage_requests", "usage_items"):
            con.execute(f"COPY {table} TO '{out_dir / (table + '.parquet')}' (FORMAT PARQUET)")
    finally:
        con.close()
    rep = run_report(warehouse=f"parquet:///{out_dir}")
    assert_subset(
        rep["kpis"],
        {
            "total_requests": 36,
            "total_tokens": 9962,
            "unique_models": 6,
            "active_projects": 11,
            "total_projects": 15,
            "total_conversations": 9,
            "total_cost": 24.91,
            "failed_requests": 4,
        },
    )
    assert [s["cost"] for s in rep["cost_by_project"]["slices"]] == [11.71, 4.2, 3.0, 3.0, 2.0, 1.0, 0.0]


def test_warehouse_from_environment_and_opened_read_only(run_cli, edge_warehouse, monkeypatch):
    import hashlib

    before = hashlib.sha256(edge_warehouse.read_bytes()).hexdigest()
    monkeypatch.setenv("ORG_ANALYTICS_WAREHOUSE", f"duckdb:///{edge_warehouse}")
    code, out, err = run_cli(["report", "--month", "2026-03", "--timezone", NY, "--now", NOW])
    assert code == 0, err
    assert json.loads(out)["kpis"]["total_cost"] == 24.91
    assert hashlib.sha256(edge_warehouse.read_bytes()).hexdigest() == before
    assert not edge_warehouse.with_name(edge_warehouse.name + ".wal").exists()


# --------------------------------------------------------------------------- one report, every backend


@pytest.mark.parametrize(
    "month, timezone",
    [
        ("2026-03", NY),
        ("2026-03", "UTC"),
        ("2026-10", "Europe/London"),
        ("2026-11", "Asia/Kolkata"),
        ("2026-11", "Australia/Lord_Howe"),
        ("2027-01", NY),
    ],
)
def test_every_backend_gives_the_duckdb_report(report, run_cli, edge_warehouse, backend_url, month, timezone):
    reference = report_runner(run_cli, f"duckdb:///{edge_warehouse}")(month=month, timezone=timezone, now=NOW)
    assert_same_report(report(month=month, timezone=timezone), reference)
