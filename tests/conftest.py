"""Shared fixtures: the hand-written edge warehouse and in-process calls of the CLI."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the engine's month cache: one fresh folder per test session, never the user's
os.environ["ORG_ANALYTICS_CACHE_DIR"] = tempfile.mkdtemp(prefix="org-analytics-test-months-")

from edge_fixture import build_edge_warehouse  # noqa: E402

# "Today" for these tests: a fixed --now so that every report is reproducible.
DEFAULT_NOW = "2026-11-25T12:00:00Z"


def duckdb_url(path) -> str:
    return f"duckdb:///{path}"


def with_rollups(folder: Path, name: str, build_warehouse) -> tuple[Path, Path]:
    """A test's warehouse, ``build_warehouse(folder / name)``, and its rollups beside it."""
    from data_connectors import connect
    from org_analytics_widgets.rollups import build

    path, rollups = folder / name, folder / "rollups.duckdb"
    build_warehouse(path)
    wh = connect(duckdb_url(path))
    try:
        build(wh, rollups)
    finally:
        wh.close()
    return path, rollups


@pytest.fixture(scope="session")
def edge_warehouse(tmp_path_factory) -> Path:
    """Path of the edge-case DuckDB warehouse (built once per test session)."""
    path = tmp_path_factory.mktemp("edge") / "edge.duckdb"
    build_edge_warehouse(path)
    return path


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Call ``org_analytics_widgets.cli.main(argv)`` in-process; return (exit_code, stdout, stderr)."""
    monkeypatch.delenv("ORG_ANALYTICS_WAREHOUSE", raising=False)

    def _run(argv: list[str]) -> tuple[int, str, str]:
        from org_analytics_widgets.cli import main  # lazy: collected even before the CLI exists

        capsys.readouterr()  # discard anything printed before
        environment = dict(os.environ)  # a command may set variables for itself (rollup: its memory)
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse (or the CLI) may exit instead of returning
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.environ.clear()
            os.environ.update(environment)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


def report_runner(run_cli, default_url: str):
    """``report(month=..., timezone=..., now=..., warehouse=None, raw=False)`` -> parsed JSON."""

    def _report(
        month: str = "2026-03",
        timezone: str | None = "America/New_York",
        now: str | None = DEFAULT_NOW,
        warehouse: str | None = None,
        raw: bool = False,
    ):
        argv = ["report", "--warehouse", warehouse or default_url, "--month", month]
        if timezone is not None:
            argv += ["--timezone", timezone]
        if now is not None:
            argv += ["--now", now]
        code, out, err = run_cli(argv)
        if raw:
            return code, out, err
        assert code == 0, f"report exited {code}; stderr:\n{err}"
        return json.loads(out)

    return _report


@pytest.fixture
def run_report(run_cli, edge_warehouse):
    """Run ``report`` on the edge warehouse (DuckDB) and return the parsed JSON.

    ``raw=True`` returns (exit_code, stdout, stderr) instead.
    """
    return report_runner(run_cli, duckdb_url(edge_warehouse))


BACKENDS = ("duckdb", "parquet", "postgres", "spark")


def require_spark() -> None:
    """PySpark and a JVM, or skip (locally) / fail (CI=true) with the reason."""
    import importlib.util
    import shutil

    from browser import CI

    missing = [
        what
        for what, ok in (
            ("pyspark (pip install 'org-analytics[spark]')", importlib.util.find_spec("pyspark") is not None),
            (
                "Java 17+ (apt-get install openjdk-17-jre-headless)",
                bool(shutil.which("java") or os.environ.get("JAVA_HOME")),
            ),
        )
        if not ok
    ]
    if missing:
        message = "Spark tests need " + " and ".join(missing)
        if CI:
            pytest.fail(message + " — CI=true: backend tests may not skip")
        pytest.skip(message)


def export_parquet(duckdb_file, folder: Path) -> Path:
    """The four tables of a DuckDB warehouse as ``<table>.parquet`` files in ``folder``."""
    import duckdb

    con = duckdb.connect(str(duckdb_file), read_only=True)
    for table in ("projects", "agents", "usage_requests", "usage_items"):
        con.execute(f"COPY {table} TO '{folder / (table + '.parquet')}' (FORMAT parquet)")
    con.close()
    return folder


@pytest.fixture(scope="session")
def edge_parquet(edge_warehouse, tmp_path_factory) -> Path:
    return export_parquet(edge_warehouse, tmp_path_factory.mktemp("edge-parquet"))


@pytest.fixture(scope="session")
def postgres_server():
    from pg import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_url(request, edge_warehouse) -> str:
    """The edge warehouse on each backend: the DuckDB file, a Parquet folder, a PostgreSQL database,
    the Parquet folder read by Spark in local mode."""
    if request.param == "duckdb":
        return duckdb_url(edge_warehouse)
    if request.param == "parquet":
        return f"parquet://{request.getfixturevalue('edge_parquet')}"
    if request.param == "spark":
        require_spark()
        return f"spark://local[2]?path={request.getfixturevalue('edge_parquet')}"
    return request.getfixturevalue("postgres_server").load_duckdb(edge_warehouse, "edge")
