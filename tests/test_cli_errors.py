"""CLI error paths of `org-analytics report`: exit code 2, one line on stderr naming the
problem, nothing on stdout, never a traceback.  Plus: names are data (no escaping)."""

from __future__ import annotations

import json

import duckdb
import pytest

from conftest import DEFAULT_NOW, duckdb_url
from edge_fixture import build_edge_warehouse


def assert_clean_error(result, *needles):
    code, out, err = result
    assert "Traceback" not in out and "Traceback" not in err, err
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}: {err!r}"
    for needle in needles:
        assert needle.lower() in lines[0].lower(), f"{needle!r} not named in {lines[0]!r}"
    assert out.strip() == "", f"nothing should be printed on stdout on error, got {out[:200]!r}"


def report_argv(warehouse, month="2026-03", timezone="America/New_York", now=DEFAULT_NOW):
    return ["report", "--warehouse", warehouse, "--month", month, "--timezone", timezone, "--now", now]


@pytest.fixture
def broken_warehouse(tmp_path):
    """A copy of the edge warehouse with ``sql`` applied to it; returns its URL."""

    def _make(sql: str) -> str:
        path = tmp_path / "broken.duckdb"
        build_edge_warehouse(path)
        con = duckdb.connect(str(path))
        try:
            con.execute(sql)
        finally:
            con.close()
        return duckdb_url(path)

    return _make


@pytest.mark.parametrize("month", ["2026-13", "march", "2026-3-1", "2026-00"])
def test_invalid_month(run_cli, edge_warehouse, month):
    result = run_cli(report_argv(duckdb_url(edge_warehouse), month=month))
    assert_clean_error(result, "month")
    assert month in result[2]  # the bad value is quoted back


def test_unknown_time_zone(run_cli, edge_warehouse):
    assert_clean_error(run_cli(report_argv(duckdb_url(edge_warehouse), timezone="Mars/Base")), "Mars/Base")


def test_malformed_warehouse_url(run_cli):
    assert_clean_error(run_cli(report_argv("foo://x")), "foo://x")


def test_duckdb_file_missing(run_cli, tmp_path):
    missing = tmp_path / "nope" / "missing.duckdb"
    assert_clean_error(run_cli(report_argv(duckdb_url(missing))), "missing.duckdb")
    assert not missing.exists()  # opened read-only: never created
    assert not missing.parent.exists()


def test_missing_table(run_cli, broken_warehouse):
    url = broken_warehouse("DROP TABLE usage_items")
    assert_clean_error(run_cli(report_argv(url)), "usage_items")


def test_missing_column(run_cli, broken_warehouse):
    url = broken_warehouse("ALTER TABLE usage_items DROP COLUMN cost")
    assert_clean_error(run_cli(report_argv(url)), "usage_items", "cost")


def test_column_of_wrong_kind(run_cli, broken_warehouse):
    url = broken_warehouse("ALTER TABLE usage_items ALTER COLUMN cost TYPE VARCHAR")
    assert_clean_error(run_cli(report_argv(url)), "usage_items", "cost")


def test_timestamp_column_of_wrong_kind(run_cli, broken_warehouse):
    url = broken_warehouse("ALTER TABLE usage_requests ALTER COLUMN created_at TYPE VARCHAR")
    assert_clean_error(run_cli(report_argv(url)), "usage_requests", "created_at")


@pytest.mark.parametrize("now", ["yesterday", "2026-11-31T00:00:00Z", "2026-11-25T25:00:00Z"])
def test_bad_now(run_cli, edge_warehouse, now):
    assert_clean_error(run_cli(report_argv(duckdb_url(edge_warehouse), now=now)), "now")


def test_project_name_is_data_not_markup(run_report):
    code, out, err = run_report(raw=True)
    assert code == 0, err
    rep = json.loads(out)
    names = [s["name"] for s in rep["cost_by_project"]["slices"]]
    assert "<script>alert(1)</script>" in names  # verbatim, not HTML-escaped
    assert not any("&lt;" in n for n in names)
    agents = [a["project_name"] for a in rep["top_agents"] if a["project_id"] == "p_xss"]
    assert agents == ["<script>alert(1)</script>"] * 2  # a_help1, a_help2


def test_serve_refuses_an_idle_timeout_too_short_for_a_page_to_connect(run_cli):
    assert_clean_error(run_cli(["serve", "--idle-timeout", "5", "--no-browser"]), "--idle-timeout", "at least 30")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql//bob:s3cretpw@db/x",  # a missing colon
        "postgres:/bob:s3cretpw@db/x",  # a missing slash: the rest became the path
        "bob:s3cretpw@db/x",  # no scheme
        "ibis+postgres//bob:s3cretpw@db",
        "mapping:///nowhere.toml?source=postgres//bob:s3cretpw@db/x",
        "postgress://bob:s3cretpw@db/x",
    ],
)
def test_a_mistyped_url_never_echoes_its_password(run_cli, url):
    code, out, err = run_cli(report_argv(url))
    assert code in (1, 2) and "s3cretpw" not in out + err, err
    assert "error" in err
