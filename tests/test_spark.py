"""Spark: local mode and Spark Connect read the same Parquet folder (or catalog tables) and give the
DuckDB report; bad URLs are one line, before a JVM starts where possible; nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEFAULT_NOW, export_parquet, require_spark
from reports import assert_same_report

from browser import free_port
from data_connectors import WarehouseError, connect

MONTHS = [("2026-03", "America/New_York"), ("2026-11", "Asia/Kolkata")]


@pytest.fixture(scope="module")
def duckdb_reports(run_report_on, edge_warehouse):
    return {key: run_report_on(f"duckdb:///{edge_warehouse}", *key) for key in MONTHS}


@pytest.fixture(scope="module")
def run_report_on():
    from org_analytics_widgets.period import Period
    from org_analytics_widgets.engine import Engine

    def _run(url, month, timezone):
        warehouse = connect(url)
        try:
            # the engine's now too: whether the month is the current one (its forecast) is the engine's
            engine = Engine(warehouse, None, timezone, DEFAULT_NOW, cache=False)
            return engine.report(Period.for_month(month, timezone, DEFAULT_NOW))
        finally:
            warehouse.close()

    return _run


def one_line_error(run_cli, url) -> str:
    started = time.perf_counter()
    code, out, err = run_cli(["report", "--warehouse", url, "--month", "2026-03"])
    assert code == 2 and out == "" and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0], time.perf_counter() - started


@pytest.mark.parametrize(
    "url, message",
    [
        ("spark://yarn?path=/x", "unsupported Spark master 'yarn'"),
        ("spark://local[2]?path=/x&databse=y", "unknown option 'databse'"),
        ("spark://local[2]?path=/x&database=y", "exactly one of path=DIR"),
        ("spark://local[2]", "exactly one of path=DIR"),
        ("spark://local[2]?database=a;drop", "invalid database name"),
        ("spark://local[2]?path=/no/such/folder", "no folder at /no/such/folder"),
        ("spark://local[2]?path=/x&format=orc", "unknown format 'orc'"),
        ("sc://127.0.0.1:{closed}/;token=s3cret?path=/x", "cannot reach Spark Connect at 127.0.0.1"),
    ],
)
def test_bad_spark_urls_are_one_line(run_cli, url, message):
    line, _ = one_line_error(run_cli, url.format(closed=free_port()))
    assert message in line and "s3cret" not in line


def test_a_missing_table_is_named_before_spark_starts(run_cli, edge_parquet, tmp_path):
    for name in ("projects", "agents", "usage_requests"):
        (tmp_path / f"{name}.parquet").symlink_to(edge_parquet / f"{name}.parquet")
    line, _ = one_line_error(run_cli, f"spark://local[2]?path={tmp_path}")
    assert "has no table usage_items" in line


@pytest.fixture(scope="module")
def spark_local(edge_parquet):
    require_spark()
    return f"spark://local[2]?path={edge_parquet}"


def test_local_mode_matches_duckdb_and_refuses_writes(spark_local, edge_parquet, run_report_on, duckdb_reports):
    for key in MONTHS:
        assert_same_report(run_report_on(spark_local, *key), duckdb_reports[key])
    warehouse = connect(spark_local)
    views = list(warehouse.con._org_views)
    assert len(views) == 4
    before = sorted(p.name for p in edge_parquet.rglob("*"))
    for view in views:  # a view straight over the files would take the insert and write new files
        with pytest.raises(Exception, match="(?i)can't insert into the target"):
            warehouse.con._session.sql(f"INSERT INTO {view} SELECT * FROM {view}").collect()
    assert sorted(p.name for p in edge_parquet.rglob("*")) == before
    session = warehouse.con._session
    warehouse.close()
    # closing drops this warehouse's views and keeps the session for the next one (no new JVM)
    assert not any(session.catalog.tableExists(v) for v in views)
    assert connect(spark_local).con._session is session


def test_catalog_tables_and_hive_partitions(spark_local, edge_parquet, tmp_path, run_report_on, duckdb_reports):
    import duckdb

    # usage_items as Hive-style month= partitions; project ids in folder names stay strings
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT *, strftime(created_at, '%Y-%m') AS month FROM '{edge_parquet}/usage_items.parquet') "
        f"TO '{tmp_path / 'usage_items'}' (FORMAT parquet, PARTITION_BY (month))"
    )
    con.close()
    for name in ("projects", "agents", "usage_requests"):
        (tmp_path / f"{name}.parquet").symlink_to(edge_parquet / f"{name}.parquet")
    partitioned = f"spark://local[2]?path={tmp_path}"
    assert_same_report(run_report_on(partitioned, *MONTHS[0]), duckdb_reports[MONTHS[0]])

    # the same files as tables of a catalog database
    session = connect(spark_local).con._session
    session.sql("CREATE DATABASE IF NOT EXISTS org_usage")
    for name in ("projects", "agents", "usage_requests", "usage_items"):
        location = edge_parquet / f"{name}.parquet"
        session.sql(f"CREATE TABLE IF NOT EXISTS org_usage.{name} USING parquet LOCATION '{location}'")
    assert_same_report(run_report_on("spark://local[2]?database=org_usage", *MONTHS[1]), duckdb_reports[MONTHS[1]])
    with pytest.raises(WarehouseError, match="Spark database nowhere has no table projects"):
        connect("spark://local[2]?database=nowhere")


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    """A real Spark Connect server (the jar ships with pyspark) on a loopback port."""
    require_spark()
    import pyspark

    home = Path(pyspark.__file__).parent
    port = free_port()
    log = tmp_path_factory.mktemp("spark-connect") / "server.log"
    env = {**os.environ, "SPARK_HOME": str(home)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(home / "bin" / "spark-submit"),
                "--class",
                "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--master",
                "local[2]",
                "--conf",
                f"spark.connect.grpc.binding.port={port}",
                "--conf",
                "spark.connect.grpc.binding.address=127.0.0.1",
                "--conf",
                "spark.ui.enabled=false",
                "spark-internal",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while b"Spark Connect server started" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Spark Connect server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    yield f"sc://127.0.0.1:{port}"
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def test_spark_connect_matches_duckdb(connect_server, edge_parquet, duckdb_reports):
    # in a child process: PySpark allows no Connect session beside this process' local one
    url = f"{connect_server}?path={edge_parquet}"
    for (month, timezone), expected in duckdb_reports.items():
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "org_analytics_widgets",
                "report",
                "--warehouse",
                url,
                "--month",
                month,
                "--timezone",
                timezone,
                "--now",
                DEFAULT_NOW,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert_same_report(json.loads(done.stdout), expected)


def test_the_rollup_command_on_spark_writes_the_file_a_duckdb_build_writes(run_cli, tmp_path, monkeypatch):
    """`org-analytics rollup --warehouse spark://...` on the demo (as Parquet): the cluster
    aggregates range by range (here ~6 ranges of whole days), the rollups file is written here,
    and every table is the one built from the same demo in DuckDB."""
    from datetime import datetime

    from data_connectors.demo import generate_demo
    from org_analytics_widgets import rollups
    from test_rollups import _table_rows

    require_spark()
    demo, folder = tmp_path / "demo.duckdb", tmp_path / "parquet"
    counts = generate_demo(demo, items=20_000, seed=7, now=datetime(2026, 11, 25, 12))
    folder.mkdir()
    export_parquet(demo, folder)
    one_range = rollups.RANGE_ROWS
    monkeypatch.setattr(rollups, "RANGE_ROWS", (counts["usage_items"] + counts["usage_requests"]) // 6)
    # local[2]: the session the other tests of this module started (a JVM start is slow)
    out = tmp_path / "spark.duckdb"
    code, _, err = run_cli(["rollup", "--warehouse", f"spark://local[2]?path={folder}", "--out", str(out)])
    assert code == 0, err
    assert err.count("org-analytics: rollup: rows") >= 5, err
    monkeypatch.setattr(rollups, "RANGE_ROWS", one_range)  # the reference: DuckDB's build in one range
    code, _, err = run_cli(["rollup", "--warehouse", f"duckdb://{demo}", "--out", str(tmp_path / "duckdb.duckdb")])
    assert code == 0, err
    spark, duck = _table_rows(out), _table_rows(tmp_path / "duckdb.duckdb")
    assert len(duck["rollup_items"]) > 1000
    for table, rows in duck.items():
        pd.testing.assert_frame_equal(spark[table], rows, check_exact=False, rtol=1e-12, obj=table)


def test_an_export_from_spark_is_one_downloadable_file(spark_local, edge_warehouse, tmp_path):
    """Spark's own Parquet writer makes a folder of part files (not downloadable, never pruned):
    the export streams the rows into one file instead, in both formats."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from org_analytics_widgets.engine import Engine

    with (
        Engine.open(spark_local, timezone="America/New_York", now=DEFAULT_NOW, cache=False) as spark,
        Engine.open(f"duckdb://{edge_warehouse}", timezone="America/New_York", now=DEFAULT_NOW, cache=False) as duck,
    ):
        march = spark.period("2026-03")
        expected = duck.table_summary("items", duck.period("2026-03"), {})["rows"]
        assert expected > 0
        parquet = spark.table_export("items", march, {}, "parquet", ordered=True, folder=tmp_path)
        assert parquet.path.is_file() and pq.read_table(parquet.path).num_rows == expected
        csv = spark.table_export("items", march, {}, "csv", ordered=True, folder=tmp_path)
        assert csv.path.is_file() and pacsv.read_csv(csv.path).num_rows == expected
