"""Rollups (org-analytics rollup): the report read from them is the report read from the raw
tables, in every zone (+05:30, +05:45, a 30-minute DST, DST days), for closed, current, empty and
future months, from the local-day tier of the zone they were built for and from the 15-minute tier
in any other zone; requests whose items lie in several buckets are counted once per day; a refresh
equals a full build; stale rollups are never used; every backend builds them."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from conftest import DEFAULT_NOW, duckdb_url, report_runner
from data_connectors import connect
from data_connectors.warehouse import MEMORY_ENV_VAR
from org_analytics_widgets.engine import comparison_period
from org_analytics_widgets.engine.sources import RawSource
from org_analytics_widgets.pages.organization import Dashboard
from org_analytics_widgets.metrics.rollup import DAY_COUNTS, DAYS, ROLLUP_TABLES
from org_analytics_widgets.period import Period
from org_analytics_widgets.report import to_report
from org_analytics_widgets import rollups as rollups_module
from org_analytics_widgets.rollups import Rollups, build, use_build_memory
from org_analytics_widgets.engine import Engine
from test_cli_errors import assert_clean_error
from reports import assert_same_report

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]
MONTHS = ["2026-02", "2026-03", "2026-06", "2026-11", "2026-12"]
# "now" on a bucket boundary and inside one (the current month then ends with a raw tail)
NOWS = [DEFAULT_NOW, "2026-11-25T12:07:31Z"]
TABLES = (*ROLLUP_TABLES, *DAYS.values(), *DAY_COUNTS.values())  # both tiers


EDGE_ZONE = "America/New_York"  # the zone of edge_rollups' local-day tier: every other zone reads 15-minute buckets


def _build(url: str, path, **kwargs):
    warehouse = connect(url)
    try:
        return build(warehouse, path, **kwargs)
    finally:
        warehouse.close()


@pytest.fixture(scope="module")
def edge_rollups(edge_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("rollups") / "edge-rollups.duckdb"
    _build(duckdb_url(edge_warehouse), path, timezone=EDGE_ZONE)
    return path


def _reports(url: str, rollups_path, cases) -> list[tuple]:
    """(case, raw report, rollup report, where the rollup snapshot's numbers came from)."""
    warehouse = connect(url)
    rollups = Rollups.open(rollups_path)
    try:
        out = []
        for month, zone, now in cases:
            period = Period.for_month(month, zone, now)
            snapshot = Engine(warehouse, rollups, cache=False).snapshot(period)
            out.append(
                (
                    (month, zone, now),
                    to_report(Engine(warehouse, cache=False).snapshot(period)),
                    to_report(snapshot),
                    snapshot.source,
                )
            )
        return out
    finally:
        rollups.close()
        warehouse.close()


@pytest.fixture
def tiers_read(monkeypatch):
    """Each rollup read's (whole local days from the local-day tier, buckets from the 15-minute tier)."""
    reads = []

    def spy(*args):
        days, buckets = split(*args)
        reads.append((len(days), len(buckets[0])))
        return days, buckets

    split = rollups_module.R.split_days
    monkeypatch.setattr(rollups_module.R, "split_days", spy)
    return reads


@pytest.mark.parametrize("zone", ZONES)
def test_the_report_from_either_tier_is_the_raw_report(edge_warehouse, edge_rollups, zone, tmp_path, tiers_read):
    """Rollups whose local-day tier is of the zone read its whole days there (a month from it
    alone; the current month's day cut at "now" from the 15-minute tier); rollups of another zone
    read 15-minute buckets only. Both give the raw report, and the KPIs a month is compared with."""
    url = duckdb_url(edge_warehouse)
    _build(url, tmp_path / "own-zone.duckdb", timezone=zone)
    warehouse = connect(url)
    own, other = Rollups.open(tmp_path / "own-zone.duckdb"), Rollups.open(edge_rollups)
    days_read = {"own": 0, "other": 0}
    try:
        for month in MONTHS:
            for now in NOWS:
                period = Period.for_month(month, zone, now)
                raw = to_report(Engine(warehouse, cache=False).snapshot(period))
                for name, rollups in (("own", own), ("other", other)):
                    tiers_read.clear()
                    snapshot = Engine(warehouse, rollups, cache=False).snapshot(period)
                    assert snapshot.source == "rollups", (month, now, name)
                    assert to_report(snapshot) == raw, (month, now, name)
                    days_read[name] += sum(d for d, _ in tiers_read)
                    if name == "own" and period.is_whole:
                        assert (len(period.days), 0) in tiers_read, "a whole month from the local-day tier alone"
                # the current month is compared with the same span of the previous one
                before = comparison_period(period)
                assert Engine(warehouse, own, cache=False).kpis(before) == Engine(warehouse, cache=False).kpis(before)
    finally:
        own.close()
        other.close()
        warehouse.close()
    assert days_read["own"] > 0
    assert (days_read["other"] > 0) == (zone == EDGE_ZONE), "another zone reads 15-minute buckets only"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_the_kpis_a_month_is_compared_with_come_from_rollups_too(edge_warehouse, edge_rollups, zone, monkeypatch):
    warehouse = connect(duckdb_url(edge_warehouse))
    rollups = Rollups.open(edge_rollups)
    try:
        for month in MONTHS:
            for now in NOWS:  # the current month is compared with the same span of the previous one
                period = comparison_period(Period.for_month(month, zone, now))
                raw = Engine(warehouse, cache=False).kpis(period)
                with monkeypatch.context() as patch:
                    patch.setattr(RawSource, "facts", lambda *_, p=period: pytest.fail(f"raw tables read for {p}"))
                    assert Engine(warehouse, rollups, cache=False).kpis(period) == raw, (month, now)
    finally:
        rollups.close()
        warehouse.close()


def test_the_report_command_reads_rollups(run_cli, edge_warehouse, edge_rollups):
    reference = report_runner(run_cli, duckdb_url(edge_warehouse))(month="2026-03", timezone="Asia/Kolkata")
    code, out, err = run_cli(
        [
            "report",
            "--warehouse",
            duckdb_url(edge_warehouse),
            "--rollups",
            f"duckdb://{edge_rollups}",
            "--month",
            "2026-03",
            "--timezone",
            "Asia/Kolkata",
            "--now",
            DEFAULT_NOW,
        ]
    )
    assert code == 0, err
    assert json.loads(out) == reference
    assert "the rollups' local days are in America/New_York, not Asia/Kolkata" in err
    assert "org-analytics rollup --timezone Asia/Kolkata" in err
    rollups = Rollups.open(edge_rollups)
    assert rollups.zone_note("America/New_York") is None  # its own zone: nothing to say
    rollups.close()


def _writable_copy(edge_warehouse, tmp_path, name="edge.duckdb"):
    path = tmp_path / name
    shutil.copyfile(edge_warehouse, path)
    return path


def _sql(path, *statements):
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _hold_back(path, cut: str) -> None:
    """The warehouse as it was before ``cut``: the newer rows wait in side tables (later_items,
    later_requests) for a test to insert them."""
    _sql(
        path,
        f"CREATE TABLE later_items AS SELECT * FROM usage_items WHERE created_at >= '{cut}'",
        f"CREATE TABLE later_requests AS SELECT * FROM usage_requests WHERE created_at >= '{cut}'",
        f"DELETE FROM usage_items WHERE created_at >= '{cut}'",
        f"DELETE FROM usage_requests WHERE created_at >= '{cut}'",
    )


def _split_requests(path) -> None:
    """Move some items away from their request: 20 minutes (same day, another bucket), 1 day later,
    16 minutes earlier; the request keeps its own time."""
    _sql(
        path,
        "CREATE TEMP TABLE moved AS SELECT item_id, row_number() OVER (ORDER BY item_id) AS n FROM usage_items",
        "UPDATE usage_items SET created_at = created_at + INTERVAL 20 MINUTE WHERE item_id IN (SELECT item_id FROM moved WHERE n % 3 = 0)",
        "UPDATE usage_items SET created_at = created_at + INTERVAL 1 DAY WHERE item_id IN (SELECT item_id FROM moved WHERE n % 7 = 0)",
        "UPDATE usage_items SET created_at = created_at - INTERVAL 16 MINUTE WHERE item_id IN (SELECT item_id FROM moved WHERE n % 5 = 0)",
        # an item of no request (the OpenAI import makes them for costs without usage): no request to count
        "UPDATE usage_items SET request_id = NULL WHERE item_id = (SELECT min(item_id) FROM usage_items "
        "WHERE created_at >= '2026-03-05' AND created_at < '2026-03-25')",
    )


def test_requests_with_items_in_several_buckets_count_once_per_day(edge_warehouse, tmp_path):
    path = _writable_copy(edge_warehouse, tmp_path)
    _split_requests(path)
    rollups = tmp_path / "rollups.duckdb"
    warehouse = connect(duckdb_url(path))
    try:
        summary = build(warehouse, rollups)
    finally:
        warehouse.close()
    assert summary.rows["rollup_request_spans"] > 0, "the test needs requests split across buckets"
    cases = [(m, z, DEFAULT_NOW) for m in ("2026-03", "2026-11") for z in ("UTC", "America/New_York", "Asia/Kolkata")]
    for case, raw, rolled, source in _reports(duckdb_url(path), rollups, cases):
        assert source == "rollups", case
        assert rolled == raw, case


def _table_rows(path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table in TABLES:
            frame = con.execute(f"SELECT * FROM {table}").df()
            out[table] = frame.sort_values(list(frame.columns), ignore_index=True, na_position="first")
        return out
    finally:
        con.close()


def test_a_refresh_reads_only_new_buckets_and_equals_a_full_build(edge_warehouse, tmp_path, tiers_read):
    """A refresh equals a full build, its local-day tier too (recomputed from the first local day
    of +05:30 it changed, a March day among them: a single became a span)."""
    path = _writable_copy(edge_warehouse, tmp_path)
    cut = "2026-11-20 00:00:00"
    _hold_back(path, cut)  # the warehouse as it was before `cut`
    rollups = tmp_path / "rollups.duckdb"
    warehouse = connect(duckdb_url(path))
    first = build(warehouse, rollups, timezone="Asia/Kolkata")
    warehouse.close()

    # new rows arrive, among them a late item of a March request (a single becomes a span) and a
    # request going on a March conversation (counted in its day till now, it is kept whole)
    _sql(
        path,
        "INSERT INTO usage_items SELECT * FROM later_items",
        "INSERT INTO usage_requests SELECT * FROM later_requests",
        """INSERT INTO usage_requests SELECT 'late-request', TIMESTAMP '2026-11-21 11:00:00', project_id,
                service_type, model, agent_id, conversation_id, 10, 5, 0.1, status
            FROM usage_requests WHERE conversation_id IS NOT NULL AND created_at >= '2026-03-10'
            ORDER BY created_at, request_id LIMIT 1""",
        """INSERT INTO usage_items SELECT 'late-item', request_id, TIMESTAMP '2026-11-21 10:05:00', project_id,
                agent_id, service_type, model, pricing_rule, 1, unit, 0.5, 0.5
            FROM usage_items WHERE created_at < '2026-03-31' AND created_at >= '2026-03-10' ORDER BY item_id LIMIT 1""",
    )
    warehouse = connect(duckdb_url(path))
    try:
        stale = Rollups.open(rollups)
        period = Period.for_month("2026-11", "America/New_York", DEFAULT_NOW)
        snapshot = Engine(warehouse, stale, cache=False).snapshot(period)
        assert snapshot.source == "raw", "rollups that miss rows must not be used"
        assert to_report(snapshot) == to_report(Engine(warehouse, cache=False).snapshot(period))
        stale.close()

        refreshed = build(warehouse, rollups, timezone="Asia/Kolkata")
        build(warehouse, tmp_path / "full.duckdb", timezone="Asia/Kolkata")
        before = rollups.stat()
        again = build(
            warehouse, rollups, timezone="Asia/Kolkata"
        )  # nothing new since: answered from the two range queries
        assert again.unchanged and again.rows == {}
        assert (rollups.stat().st_mtime_ns, rollups.stat().st_ino) == (before.st_mtime_ns, before.st_ino)
        assert Rollups.open(rollups).close_and_meta()["whole"]["items"] > 0
    finally:
        warehouse.close()
    assert refreshed.since is not None and str(refreshed.since) < cut, refreshed.since
    assert refreshed.rows["rollup_request_spans"] > 0
    assert refreshed.rows["rollup_conversations_by_day"] > first.rows["rollup_conversations_by_day"]
    ours, theirs = _table_rows(rollups), _table_rows(tmp_path / "full.duckdb")
    for table in TABLES:
        pd.testing.assert_frame_equal(ours[table], theirs[table], check_exact=False, rtol=1e-12, obj=table)
    cases = [(m, z, DEFAULT_NOW) for m in ("2026-03", "2026-11") for z in ("UTC", "Asia/Kolkata")]
    for case, raw, rolled, source in _reports(duckdb_url(path), rollups, cases):
        assert source == "rollups", case
        assert rolled == raw, case
    warehouse = connect(duckdb_url(path))
    try:  # another zone: nothing new, but the local-day tier is made again, whole, for it
        assert not build(warehouse, rollups, timezone="UTC").unchanged
    finally:
        warehouse.close()
    tiers_read.clear()
    for case, raw, rolled, _source in _reports(duckdb_url(path), rollups, [("2026-03", "UTC", DEFAULT_NOW)]):
        assert rolled == raw, case
    assert (31, 0) in tiers_read
    _sql(path, "DELETE FROM usage_items WHERE item_id = 'late-item'")  # a row gone: not "nothing new"
    warehouse = connect(duckdb_url(path))
    try:
        assert not build(warehouse, rollups, timezone="UTC").unchanged
    finally:
        warehouse.close()


def test_a_build_in_many_ranges_equals_a_build_in_one(edge_warehouse, tmp_path, monkeypatch):
    """A build aggregates ranges of whole days of about RANGE_ROWS rows one by one, and classifies
    the request ids in parts of about CLASSIFY_ROWS items (its memory must not grow with the
    warehouse): with a range per day and 7 parts, requests split across days and ranges included,
    every table of a build and of a refresh is the one-range, one-part build's (local days of
    +05:45 too)."""
    ZONE = "Asia/Kathmandu"
    path = _writable_copy(edge_warehouse, tmp_path)
    _split_requests(path)
    cut = "2026-11-01 00:00:00"
    _hold_back(path, cut)
    con = duckdb.connect(str(path), read_only=True)
    days, items = con.execute("SELECT count(DISTINCT created_at::DATE), count(*) FROM usage_items").fetchone()
    con.close()
    one_range = rollups_module.RANGE_ROWS, rollups_module.CLASSIFY_ROWS
    monkeypatch.setattr(rollups_module, "RANGE_ROWS", 1)
    monkeypatch.setattr(rollups_module, "CLASSIFY_ROWS", -(-items // 7))
    steps = []
    warehouse = connect(duckdb_url(path))
    try:
        build(warehouse, tmp_path / "refreshed.duckdb", progress=lambda step, *_: steps.append(step), timezone=ZONE)
    finally:
        warehouse.close()
    assert len([s for s in steps if s.startswith("rows")]) >= days >= 20, "a range per day"
    assert steps.count("rollup_request_spans") == 7, steps

    _sql(
        path,
        "INSERT INTO usage_items SELECT * FROM later_items",
        "INSERT INTO usage_requests SELECT * FROM later_requests",
    )
    warehouse = connect(duckdb_url(path))
    try:
        refreshed = build(warehouse, tmp_path / "refreshed.duckdb", late_window=timedelta(days=40), timezone=ZONE)
        build(warehouse, tmp_path / "many.duckdb", timezone=ZONE)
        monkeypatch.setattr(rollups_module, "RANGE_ROWS", one_range[0])
        monkeypatch.setattr(rollups_module, "CLASSIFY_ROWS", one_range[1])
        build(warehouse, tmp_path / "one.duckdb", timezone=ZONE)
    finally:
        warehouse.close()
    assert refreshed.since is not None and str(refreshed.since) < cut and refreshed.rows["rollup_request_spans"] > 0
    one = _table_rows(tmp_path / "one.duckdb")
    for name in ("many", "refreshed"):
        theirs = _table_rows(tmp_path / f"{name}.duckdb")
        for table in TABLES:
            pd.testing.assert_frame_equal(
                theirs[table], one[table], check_exact=False, rtol=1e-12, obj=f"{name} {table}"
            )


def test_every_backend_builds_rollups_that_give_the_duckdb_report(edge_warehouse, backend_url, tmp_path):
    warehouse = connect(backend_url)
    try:
        build(warehouse, tmp_path / "rollups.duckdb")
    finally:
        warehouse.close()
    reference = connect(duckdb_url(edge_warehouse))
    try:
        for (month, zone, now), _, rolled, source in _reports(
            backend_url,
            tmp_path / "rollups.duckdb",
            [("2026-03", "America/New_York", DEFAULT_NOW), ("2026-11", "Asia/Kolkata", NOWS[1])],
        ):
            assert source == "rollups"
            assert_same_report(
                rolled, to_report(Engine(reference, cache=False).snapshot(Period.for_month(month, zone, now)))
            )
    finally:
        reference.close()


def test_the_dashboard_reads_rollups_and_says_so(edge_warehouse, edge_rollups):
    warehouse = connect(duckdb_url(edge_warehouse))
    rollups = Rollups.open(edge_rollups)
    try:
        page = Dashboard(warehouse, timezone="Asia/Kolkata", month="2026-03", now=DEFAULT_NOW, rollups=rollups)
        assert page.snapshot.source == "rollups"
        assert 'data-source="rollups"' in page.status.value
        expected = to_report(Engine(warehouse, cache=False).snapshot(page.period()))
        assert page.snapshot.kpis == expected["kpis"]
        assert page.previous_kpis == Engine(warehouse, cache=False).kpis(comparison_period(page.period()))
    finally:
        rollups.close()
        warehouse.close()


def test_rollup_errors_are_one_line(run_cli, edge_warehouse, edge_rollups, tmp_path):
    url = duckdb_url(edge_warehouse)
    assert_clean_error(
        run_cli(["report", "--warehouse", url, "--rollups", str(tmp_path / "none.duckdb"), "--month", "2026-03"]),
        "no rollups",
    )
    assert_clean_error(
        run_cli(["report", "--warehouse", url, "--rollups", str(edge_warehouse), "--month", "2026-03"]),
        "holds no rollups",
    )
    before = edge_warehouse.read_bytes()
    # a file that is not rollups is never replaced, even with --full
    assert_clean_error(
        run_cli(["rollup", "--warehouse", url, "--out", str(edge_warehouse), "--full"]), "holds no rollups"
    )
    assert edge_warehouse.read_bytes() == before
    assert_clean_error(
        run_cli(["rollup", "--warehouse", url, "--out", str(tmp_path / "r.duckdb"), "--timezone", "Mars/Base"]),
        "unknown time zone 'Mars/Base'",
    )
    assert not (tmp_path / "r.duckdb").exists()
    other = _writable_copy(edge_warehouse, tmp_path, "other.duckdb")
    assert_clean_error(
        run_cli(["rollup", "--warehouse", duckdb_url(other), "--out", str(edge_rollups)]), "holds rollups of", "--full"
    )


def test_rollups_of_an_older_format_are_never_read_and_a_build_replaces_them(
    run_cli, edge_warehouse, edge_rollups, tmp_path
):
    """Format 2 kept tokens of failed requests and no failed count: read, it would give wrong
    numbers. `report` stops with one line saying what to run; that command (no --full) rebuilds it."""
    url = duckdb_url(edge_warehouse)
    old = _writable_copy(edge_rollups, tmp_path, "old-rollups.duckdb")
    _sql(
        old,
        "ALTER TABLE rollup_requests DROP COLUMN failed",
        "UPDATE rollup_meta SET value = '2' WHERE key = 'format'",
    )
    report = ["report", "--warehouse", url, "--rollups", str(old), "--month", "2026-03", "--now", DEFAULT_NOW]
    assert_clean_error(run_cli(report), "another format (2", f"org-analytics rollup --out {old}")
    code, _, err = run_cli(["rollup", "--warehouse", url, "--out", str(old)])
    assert code == 0, err
    assert Rollups.open(old).close_and_meta()["format"] == Rollups.open(edge_rollups).close_and_meta()["format"]
    code, out, err = run_cli(report)
    assert code == 0, err
    assert json.loads(out)["kpis"]["failed_requests"] == 4, "ia1, ib1, ic1, lg1: status error in March"


def test_a_build_gets_a_bounded_memory_unless_told(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV_VAR, "")  # recorded first, so that the test leaves it as it was
    monkeypatch.delenv(MEMORY_ENV_VAR)
    assert use_build_memory() == "512MB", "whatever the machine's memory: DuckDB fills what it is given"
    monkeypatch.setenv(MEMORY_ENV_VAR, "3GB")
    assert use_build_memory() == "3GB"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kathmandu"])
def test_an_agents_month_from_rollups_is_the_raw_one_and_its_id_a_bound_value(edge_warehouse, edge_rollups, zone):
    """Every agent of the month (listed, unlisted, and ids that look like SQL), its page from the
    rollups (the id bound as a parameter of SQL compiled once) equals the one from the raw tables."""
    warehouse = connect(duckdb_url(edge_warehouse))
    rollups = Rollups.open(edge_rollups)
    try:
        raw, rolled = Engine(warehouse, None, zone, DEFAULT_NOW, cache=False), None
        rolled = Engine(warehouse, rollups, zone, DEFAULT_NOW, cache=False)
        period = raw.period("2026-03")
        ids = list(raw.snapshot(period).top_agents["agent_id"]) + ["' OR 1=1 --", "a_conc'; SELECT 1; --", "$agent_id"]
        assert rolled.source(period).name == "rollups" and len(ids) > 3
        for agent_id in ids:
            want, got = raw.agent_month(agent_id, period), rolled.agent_month(agent_id, period)
            assert (got.status, got.info, got.kpis, got.requests_total) == (
                want.status,
                want.info,
                want.kpis,
                want.requests_total,
            ), agent_id
            if want.status != "unknown":
                pd.testing.assert_frame_equal(got.daily, want.daily)
        assert rolled.agent_month("' OR 1=1 --", period).status == "unknown"
    finally:
        rollups.close()
        warehouse.close()
