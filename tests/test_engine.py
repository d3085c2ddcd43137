"""The engine: one object every page and command asks; a closed month computed once for all viewers.

Queries are counted where they leave for the warehouse (the Ibis backend's ``to_pyarrow`` and
``execute``), so "served from the cache" means: the warehouse was not asked anything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from data_connectors import connect
from org_analytics_widgets.engine import Engine, comparison_period
from org_analytics_widgets.engine.cache import MonthCache
from org_analytics_widgets.pages import AgentPage, Dashboard
from org_analytics_widgets.period import Period
from org_analytics_widgets.report import month_report, to_report
from org_analytics_widgets.rollups import Rollups, build

from conftest import DEFAULT_NOW

ZONE = "America/New_York"
CLOSED = "2026-03"


def count_queries(warehouse) -> list:
    """Record every query the warehouse's connection is asked to run (wraps it in place)."""
    asked = []
    con = warehouse.con
    for name in ("to_pyarrow", "execute", "to_pyarrow_batches"):
        original = getattr(con, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            asked.append(_name)
            return _original(*args, **kwargs)

        setattr(con, name, counted)
    return asked


@pytest.fixture
def warehouse_copy(edge_warehouse, tmp_path) -> Path:
    path = tmp_path / "edge.duckdb"
    shutil.copy(edge_warehouse, path)
    return path


def _engine(path: Path, cache_dir: Path, **kwargs) -> Engine:
    return Engine(connect(f"duckdb://{path}"), timezone=ZONE, now=DEFAULT_NOW, cache=MonthCache(cache_dir), **kwargs)


def test_a_second_viewer_in_another_process_gets_a_closed_month_without_asking_the_warehouse(warehouse_copy, tmp_path):
    cache = tmp_path / "months"
    first = _engine(warehouse_copy, cache)
    asked_first = count_queries(first.warehouse)
    expected = to_report(first.month(CLOSED))
    assert len(asked_first) >= 6, f"the first viewer computes the month in the warehouse, asked {asked_first}"
    # the second viewer is another process (another kernel), sharing only the cache folder
    script = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_engine import _engine, count_queries
from org_analytics_widgets.report import to_report
from pathlib import Path
engine = _engine(Path({str(warehouse_copy)!r}), Path({str(cache)!r}))
asked = count_queries(engine.warehouse)
snap = engine.month({CLOSED!r})
print(json.dumps({{"asked": asked, "report": to_report(snap), "previous": snap.previous_kpis}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    second = json.loads(done.stdout.splitlines()[-1])
    assert second["asked"] == [], f"the second viewer asked the warehouse: {second['asked']}"
    assert second["report"] == json.loads(json.dumps(expected)), "the cached month is the computed month"
    assert second["previous"] == first.month(CLOSED).previous_kpis


def test_refresh_reads_the_warehouse_again(warehouse_copy, tmp_path):
    engine = _engine(warehouse_copy, tmp_path / "months")
    engine.month(CLOSED)
    asked = count_queries(engine.warehouse)
    engine.month(CLOSED)
    assert asked == [], "a closed month seen before comes from the cache"
    engine.refresh()
    engine.month(CLOSED)
    assert len(asked) >= 6, "after Refresh the month is computed again"
    other = _engine(warehouse_copy, tmp_path / "months")
    other_asked = count_queries(other.warehouse)
    other.refresh()  # Refresh in one viewer clears the shared entries of this warehouse
    other.month(CLOSED)
    assert other_asked, "a refreshed warehouse's months are not served from the shared cache"


def test_a_new_warehouse_version_is_never_answered_from_the_cache(warehouse_copy, tmp_path):
    import duckdb

    cache = tmp_path / "months"
    with _engine(warehouse_copy, cache) as engine:  # closed: DuckDB lets one process attach a file once
        before = engine.month(CLOSED).kpis["total_requests"]
    con = duckdb.connect(str(warehouse_copy))
    con.execute("DELETE FROM usage_requests WHERE created_at >= '2026-03-10' AND created_at < '2026-03-20'")
    con.close()
    fresh = _engine(warehouse_copy, cache)
    asked = count_queries(fresh.warehouse)
    after = fresh.month(CLOSED).kpis["total_requests"]
    assert asked, "new data: the month is computed again"
    assert after < before, (before, after)


def test_the_current_month_is_always_computed(warehouse_copy, tmp_path):
    engine = _engine(warehouse_copy, tmp_path / "months")
    engine.month("2026-11")
    asked = count_queries(engine.warehouse)
    engine.month("2026-11")
    assert asked, "the current month grows: it is never cached"


def test_two_processes_asking_at_once_compute_an_entry_once(tmp_path):
    computed = []

    def slow():
        computed.append(1)
        time.sleep(0.5)
        return {"n": len(computed)}

    answers = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(MonthCache(tmp_path).get_or_compute(("wh",), ("UTC", "2026-03"), slow))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(computed) == 1, "one computes, the others wait for its result"
    assert answers == [{"n": 1}] * 3
    assert not list(tmp_path.glob(".*.part")), "no half-written entry is left behind"


def test_the_cache_stays_within_its_size(tmp_path):
    cache = MonthCache(tmp_path, max_bytes=50_000)
    for month in range(1, 13):
        cache.put(("wh",), ("UTC", f"2026-{month:02d}"), b"x" * 10_000)
        time.sleep(0.01)
    sizes = sum(p.stat().st_size for p in tmp_path.glob("*.pickle"))
    assert sizes <= 50_000, sizes
    assert cache.get(("wh",), ("UTC", "2026-12")) is not None, "the newest entry is kept"
    assert cache.get(("wh",), ("UTC", "2026-01")) is None, "the oldest entry went first"


def test_a_broken_entry_is_computed_again(tmp_path):
    cache = MonthCache(tmp_path)
    cache.put(("wh",), ("k",), {"a": 1})
    [entry] = tmp_path.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cache.get_or_compute(("wh",), ("k",), lambda: {"a": 2}) == {"a": 2}


def test_the_cache_folder_is_private(tmp_path):
    MonthCache(tmp_path / "months")
    assert (tmp_path / "months").stat().st_mode & 0o077 == 0


def test_dashboard_agent_page_and_report_give_the_engines_numbers(warehouse_copy, tmp_path):
    engine = _engine(warehouse_copy, tmp_path / "months")
    report = engine.report(CLOSED)
    page = Dashboard(engine, month=CLOSED)
    unusual = engine.unusual_days(CLOSED, page.snapshot)
    assert month_report(page.snapshot, engine.integrity(CLOSED), page.forecast, unusual, page.history) == report
    assert report["forecast"] is None, "a closed month has no forecast (data contract, Forecast)"
    assert page.previous_kpis == engine.kpis(comparison_period(engine.period(CLOSED)))
    top = report["top_agents"][0]
    agent = AgentPage(engine, top["agent_id"], CLOSED)
    assert agent.status == "ready"
    assert agent.kpi_values["cost"] == top["cost"]
    assert agent.kpi_values["requests"] == top["requests"]
    assert agent.kpi_values["conversations"] == top["conversations"]


def test_the_current_months_page_and_report_give_the_same_forecast(warehouse_copy, tmp_path):
    engine = _engine(warehouse_copy, tmp_path / "months")
    month = engine.latest_month
    report = engine.report(month)
    page = Dashboard(engine, month=month)
    assert report["forecast"] is not None, "the current month has a forecast"
    unusual = engine.unusual_days(month, page.snapshot)
    assert month_report(page.snapshot, engine.integrity(month), page.forecast, unusual, page.history) == report


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_an_agents_month_from_rollups_is_its_month_from_the_raw_tables(edge_warehouse, tmp_path, zone):
    wh = connect(f"duckdb://{edge_warehouse}")
    build(wh, tmp_path / "rollups.duckdb")
    rollups = Rollups.open(tmp_path / "rollups.duckdb")
    try:
        raw = Engine(wh, None, zone, DEFAULT_NOW, cache=False)
        rolled = Engine(wh, rollups, zone, DEFAULT_NOW, cache=False)
        for month in ("2026-03", "2026-11"):
            for agent in to_report(raw.snapshot(month))["top_agents"]:
                a, b = raw.agent_month(agent["agent_id"], month), rolled.agent_month(agent["agent_id"], month)
                assert b.source == "rollups"
                assert (a.kpis, a.info, a.requests_total) == (b.kpis, b.info, b.requests_total), agent["agent_id"]
                assert a.daily.equals(b.daily) and a.totals.equals(b.totals), agent["agent_id"]
    finally:
        rollups.close()
        wh.close()


def test_reprs_are_short_and_hold_no_password(edge_warehouse, tmp_path):
    engine = _engine(edge_warehouse, tmp_path / "months")
    snap = engine.month(CLOSED)
    assert repr(snap).startswith("<Snapshot 2026-03 America/New_York from raw: $")
    assert "Total cost" in snap._repr_html_() and "$" in snap._repr_html_()
    assert repr(engine.period(CLOSED)) == "Period('2026-03', 'America/New_York', 31 days)"
    engine.warehouse.url = "postgres://ann:s3cret@db:5432/usage"
    assert "s3cret" not in repr(engine)


def test_the_month_of_an_agent_and_of_the_org_use_one_declaration_per_fact():
    """Raw scan, rollup tables and rollup reads all come from metrics.facts.FACTS."""
    from org_analytics_widgets.metrics import rollup
    from org_analytics_widgets.metrics.facts import FACTS

    used = {m.column for fact in FACTS.values() for m in fact.measures if m.how == "sum"}
    kept = {c for spec in rollup.ROLLUPS.values() for c in spec.sums}
    assert used == kept, "every summed value of a fact is kept by a rollup table, and nothing else"
    keys = {k for fact in FACTS.values() for k in fact.keys}
    grain = {k for spec in rollup.ROLLUPS.values() for k in spec.keys}
    assert keys <= grain


def test_engine_open_says_what_is_wrong_in_one_line(tmp_path):
    from data_connectors import WarehouseError

    with pytest.raises(WarehouseError) as err:
        Engine.open(f"duckdb://{tmp_path}/missing.duckdb", cache=False)
    assert "\n" not in str(err.value) and "missing.duckdb" in str(err.value)
    with pytest.raises(ValueError, match="unknown time zone"):
        Engine.open(f"duckdb://{tmp_path}/missing.duckdb", timezone="Mars/Olympus", cache=False)


def test_period_objects_pass_through(edge_warehouse, tmp_path):
    engine = _engine(edge_warehouse, tmp_path / "months")
    period = Period.for_month(CLOSED, "UTC")
    assert engine.snapshot(period).period is period or engine.snapshot(period).period == period
    assert os.environ.get("ORG_ANALYTICS_CACHE_DIR"), "tests keep their month cache out of the user's"


def test_the_month_of_a_url_is_parsed_once_on_its_way_to_the_sql(edge_warehouse, tmp_path, monkeypatch):
    """From ``?month=`` to the warehouse's SQL the month is a Month: parsed at the edge, read after."""
    from org_analytics_widgets import period as period_module
    from org_analytics_widgets.pages import App

    engine = _engine(edge_warehouse, tmp_path / "months")
    real = period_module._MONTH_RE
    parsed = []

    class Counting:
        def match(self, text):
            parsed.append(text)
            return real.match(text)

    monkeypatch.setattr(period_module, "_MONTH_RE", Counting())
    app = App(engine, "month=2026-03")
    page = app.dashboard
    assert (app.note.value, page.state.status, page.snapshot.period.month) == ("", "ready", "2026-03")
    assert parsed == ["2026-03"], f"the month was parsed {len(parsed)} times: {parsed}"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/New_York"])
def test_every_fact_from_the_rollups_is_the_raw_fact(edge_warehouse, tmp_path, zone):
    """Each declared fact, read back from the rollups, has the raw scan's rows (whole months, a
    month cut at "now" inside a bucket, and one agent's)."""
    from org_analytics_widgets.engine.sources import RawSource, RollupSource
    from org_analytics_widgets.metrics.facts import FACTS

    wh = connect(f"duckdb://{edge_warehouse}")
    build(wh, tmp_path / "rollups.duckdb")
    rollups = Rollups.open(tmp_path / "rollups.duckdb")

    def rows(table) -> list:
        def cell(v):
            return None if pd_isna(v) else round(v, 9) if isinstance(v, float) else v

        return sorted((tuple(map(cell, row)) for row in table.to_pandas().itertuples(index=False)), key=repr)

    try:
        raw, rolled = RawSource(wh), RollupSource(wh, rollups)
        for month, now in (("2026-03", DEFAULT_NOW), ("2026-11", "2026-11-25T12:07:30Z")):
            period = Period.for_month(month, zone, now)
            for agent in (None, "a_conc"):
                names = tuple(n for n in FACTS if agent is None or not n.startswith(("item_requests", "agent_")))
                want, got = raw.facts(period, names, agent), rolled.facts(period, names, agent)
                for name in names:
                    assert want[name].schema.names == got[name].schema.names, name
                    assert rows(got[name]) == rows(want[name]), (name, month, agent)
    finally:
        rollups.close()
        wh.close()


def pd_isna(value) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def test_previous_stops_at_the_first_month_with_data(edge_warehouse, tmp_path):
    from org_analytics_widgets.pages import App

    engine = _engine(edge_warehouse, tmp_path / "months")
    first = engine.first_month()
    assert first == "2026-02", "the edge fixture's first row is in February (New York)"
    page = Dashboard(engine, month=first)
    assert page.month_selector.previous_button.disabled, "nothing before the first month with data"
    page.month_selector._go(-1)
    assert page.state.month == first
    with pytest.raises(Exception, match="before the first month with data"):
        page.state.month = "2025-12"  # what a crafted widget message could ask
    page.month_selector._go(1)
    assert page.state.month == "2026-03" and not page.month_selector.previous_button.disabled
    app = App(engine, "month=2024-06")
    assert app.state.month == "2026-02"
    assert "There is no data before 2026-02. Showing 2026-02 instead" in app.note.value


def test_the_page_says_how_fresh_its_data_is(edge_warehouse, tmp_path):
    engine = _engine(edge_warehouse, tmp_path / "months")
    header = Dashboard(engine, month=CLOSED).header.value
    # the newest row is stamped after "now" (a skewed clock): the page says "up to now", in the org zone
    assert "data up to 25 Nov 2026 07:00" in header, header
    assert "loaded " in header and "Times in America/New_York" in header


def test_the_first_day_of_a_month_is_compared_with_one_day(edge_warehouse, tmp_path):
    from org_analytics_widgets.pages.organization import comparison_label

    engine = Engine(connect(f"duckdb://{edge_warehouse}"), timezone=ZONE, now="2026-11-01T15:00:00Z", cache=False)
    period = engine.period("2026-11")
    assert comparison_label(comparison_period(period), period) == "Oct 1", "not 'Oct 1–1'"
    later = Engine(engine.warehouse, timezone=ZONE, now=DEFAULT_NOW, cache=False).period("2026-11")
    assert comparison_label(comparison_period(later), later) == "Oct 1–25"


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Asia/Kathmandu"])
def test_the_engine_in_a_viewers_zone_shares_the_connection_and_gives_that_zones_report(
    edge_warehouse, tmp_path, run_report, zone
):
    """A viewer's zone (issue 16): ``in_zone`` answers from the same connection, rollups and cache,
    with the numbers ``report --timezone`` gives for that zone."""
    wh = connect(f"duckdb://{edge_warehouse}")
    build(wh, tmp_path / "rollups.duckdb")
    rollups = Rollups.open(tmp_path / "rollups.duckdb")
    try:
        engine = Engine(wh, rollups, ZONE, DEFAULT_NOW, cache=MonthCache(tmp_path / "months"))
        other = engine.in_zone(zone)
        assert other is engine.in_zone(zone) and engine.in_zone(ZONE) is engine and other.in_zone(ZONE) is engine
        assert (other.warehouse, other.rollups, other.cache) == (wh, rollups, engine.cache)
        assert (engine.timezone, other.timezone) == (ZONE, zone)
        for month in (CLOSED, "2026-11"):
            assert other.report(month) == run_report(month=month, timezone=zone, now=DEFAULT_NOW), month
        assert other.month(CLOSED).source == "rollups", "rollups' 15-minute buckets serve any zone"
        asked = count_queries(wh)
        engine.in_zone(zone).month(CLOSED)
        assert asked == [], "a closed month in that zone, seen before, comes from the shared memory"
        assert engine.month(CLOSED).period.timezone == ZONE and asked, "the org zone's month is its own"
    finally:
        rollups.close()
        wh.close()


def test_the_current_month_and_the_kept_engines_are_the_zones(edge_warehouse):
    from org_analytics_widgets.engine import MAX_ZONES

    engine = Engine(connect(f"duckdb://{edge_warehouse}"), None, ZONE, "2026-11-30T20:00:00Z", cache=False)
    tokyo = engine.in_zone("Asia/Tokyo")
    assert (engine.latest_month, tokyo.latest_month) == ("2026-11", "2026-12"), "05:00 on 1 Dec in Tokyo"
    assert tokyo.is_closed(tokyo.period("2026-11")) and not engine.is_closed(engine.period("2026-11"))
    zones = ["UTC", "Europe/Paris", "Asia/Kolkata", "Australia/Sydney", "America/Chicago", "Africa/Cairo"]
    for name in zones + ["Pacific/Auckland", "America/Denver", "Europe/Berlin"]:
        engine.in_zone(name)
    assert len(engine._zones) == MAX_ZONES, "the engines of the zones used last are kept, no more"
    engine.close()
