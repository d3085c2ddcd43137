"""The demo warehouse: canonical schema, deterministic for a seed, realistic shape."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from data_connectors import connect
from data_connectors.demo import generate_demo

NOW = datetime(2026, 11, 25, 12, 0)
ITEMS = 40_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    counts = generate_demo(path, items=ITEMS, seed=7, now=NOW)
    con = duckdb.connect(str(path), read_only=True)
    yield path, counts, con
    con.close()


def one(con, sql):
    return con.execute(sql).fetchone()


def test_it_is_a_valid_canonical_warehouse(demo):
    path, counts, _ = demo
    wh = connect(f"duckdb://{path}")  # validates every table and column kind
    assert wh.usage_items.count().execute() == counts["usage_items"]
    wh.close()


def test_item_count_is_near_the_target(demo):
    _, counts, _ = demo
    assert abs(counts["usage_items"] - ITEMS) / ITEMS < 0.05


def test_same_seed_same_data_other_seed_other_data(demo, tmp_path):
    path, _, con = demo
    again = tmp_path / "again.duckdb"
    other = tmp_path / "other.duckdb"
    generate_demo(again, items=ITEMS, seed=7, now=NOW)
    generate_demo(other, items=ITEMS, seed=8, now=NOW)
    fingerprint = (
        "SELECT count(*), sum(cost), md5(string_agg(request_id || created_at::VARCHAR, ',' "
        "ORDER BY request_id)) FROM {db}.usage_requests"
    )
    con2 = duckdb.connect()
    con2.execute(
        f"ATTACH '{path}' AS a (READ_ONLY); ATTACH '{again}' AS b (READ_ONLY); ATTACH '{other}' AS c (READ_ONLY)"
    )
    a, b, c = (one(con2, fingerprint.format(db=db)) for db in "abc")
    assert a == b
    assert a != c


def test_request_cost_is_the_sum_of_its_items(demo):
    _, _, con = demo
    (worst,) = one(
        con,
        """
        SELECT max(abs(r.cost - coalesce(i.cost, 0))) FROM usage_requests r
        LEFT JOIN (SELECT request_id, sum(cost) AS cost FROM usage_items GROUP BY ALL) i USING (request_id)""",
    )
    assert worst < 1e-9


def test_items_share_their_request_time_project_and_agent(demo):
    _, _, con = demo
    (mismatches,) = one(
        con,
        """
        SELECT count(*) FROM usage_items i JOIN usage_requests r USING (request_id)
        WHERE i.created_at <> r.created_at OR i.project_id <> r.project_id
           OR i.agent_id IS DISTINCT FROM r.agent_id""",
    )
    assert mismatches == 0


def test_thirteen_months_up_to_now_and_nothing_after(demo):
    _, _, con = demo
    first, last, months = one(
        con,
        "SELECT min(created_at), max(created_at), count(DISTINCT date_trunc('month', created_at)) FROM usage_requests",
    )
    assert first >= datetime(2025, 11, 1) and last <= NOW
    assert months == 13


def test_projects_have_no_usage_outside_their_life(demo):
    _, _, con = demo
    (outside,) = one(
        con,
        """
        SELECT count(*) FROM usage_requests r JOIN projects p USING (project_id)
        WHERE r.created_at < p.created_at OR (p.archived_at IS NOT NULL AND r.created_at >= p.archived_at)""",
    )
    assert outside == 0
    archived, late_start = one(
        con,
        f"""
        SELECT count(*) FILTER (WHERE archived_at IS NOT NULL),
               count(*) FILTER (WHERE created_at > TIMESTAMP '{datetime(2026, 1, 1)}') FROM projects""",
    )
    assert archived >= 1 and late_start >= 1, "one archived project and one created mid-year"


def test_voice_agent_requests_have_four_kinds_of_items(demo):
    _, _, con = demo
    (kinds,) = one(
        con,
        """
        SELECT max(n) FROM (SELECT request_id, count(DISTINCT i.service_type) AS n
                            FROM usage_requests r JOIN usage_items i USING (request_id)
                            WHERE r.service_type = 'agent' GROUP BY ALL)""",
    )
    assert kinds == 4
    types = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT i.service_type FROM usage_requests r JOIN usage_items i USING (request_id) WHERE r.service_type = 'agent'"
        ).fetchall()
    }
    assert types == {"speech_to_text", "text_generation", "text_to_speech", "agent"}


def test_conversations_span_several_requests(demo):
    _, _, con = demo
    (per_conversation,) = one(
        con,
        """
        SELECT avg(n) FROM (SELECT conversation_id, count(*) AS n FROM usage_requests
                            WHERE conversation_id IS NOT NULL GROUP BY ALL)""",
    )
    assert per_conversation > 1.5


def test_weekends_are_quieter_and_usage_grows(demo):
    _, _, con = demo
    weekday, weekend = one(
        con,
        """
        SELECT avg(n) FILTER (WHERE isodow(d) < 6), avg(n) FILTER (WHERE isodow(d) >= 6)
        FROM (SELECT created_at::DATE AS d, count(*) AS n FROM usage_requests GROUP BY ALL)""",
    )
    assert weekend < 0.8 * weekday
    first, last = one(
        con,
        """
        SELECT count(*) FILTER (WHERE created_at < TIMESTAMP '2025-12-01'),
               count(*) FILTER (WHERE created_at >= TIMESTAMP '2026-10-01' AND created_at < TIMESTAMP '2026-11-01')
        FROM usage_requests""",
    )
    assert last > first


def test_several_models_units_and_some_errors(demo):
    _, _, con = demo
    models, units, errors = one(
        con,
        """
        SELECT (SELECT count(DISTINCT model) FROM usage_items), (SELECT count(DISTINCT unit) FROM usage_items),
               (SELECT count(*) FILTER (WHERE status <> 'success') FROM usage_requests)""",
    )
    assert models >= 6 and units >= 4 and errors > 0
