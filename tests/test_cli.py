"""The `org-analytics` command line: version, help that documents every warehouse URL and default,
a help that answers without loading the engine, and progress that stays readable in a log."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version

import pytest

from conftest import duckdb_url
from org_analytics_widgets.cli import WAREHOUSE_URLS
from org_analytics_widgets.progress import Progress

URL_FORMS = (
    "duckdb:///path/file.duckdb",
    "parquet:///dir[?table=GLOB]",
    "postgres://user:pw@host:5432/db[?schema=s&sslmode=...]",
    "spark://local[2]?path=DIR",
    "sc://host:15002?path=DIR",
    "mapping:litellm?source=URL",
    "mapping:///path/mapping.toml",
    "ibis+<url>",
    "ibis+clickhouse://",
    "ibis+trino://",
    "$ORG_ANALYTICS_WAREHOUSE, else the embedded demo",
)
HEAVY = ("ibis", "pandas", "duckdb", "pyarrow", "numpy", "sqlglot", "data_connectors", "rich")
PROGRESS_LINE = re.compile(r"^org-analytics: [a-z-]+: \S.* \d{1,3}%$")


def test_version_names_the_installed_distribution(run_cli):
    code, out, _ = run_cli(["--version"])
    assert code == 0
    assert out == f"org-analytics {version('org-analytics')}\n"


@pytest.mark.parametrize("argv", [[], ["report"], ["rollup"], ["serve"]])
def test_help_lists_every_warehouse_url_form(run_cli, argv):
    code, out, _ = run_cli([*argv, "--help"])
    assert code == 0
    missing = [form for form in URL_FORMS if form not in out]
    assert missing == [], f"'org-analytics {' '.join(argv)} --help' does not show {missing}"
    assert out.count("duckdb:///path/file.duckdb") == 1, "the URL forms are listed once"


@pytest.mark.parametrize(
    "argv, defaults",
    [
        (["report"], ["(default: UTC)"]),
        (["rollup"], ["(default: 48)"]),
        (["demo-data"], ["(default: 300000)", "(default: 42)"]),
        (["serve"], ["(default: UTC)", "(default: 8866)", "(default: 600)"]),
    ],
)
def test_help_shows_the_defaults(run_cli, argv, defaults):
    code, out, _ = run_cli([*argv, "--help"])
    assert code == 0
    flat = " ".join(out.split())  # argparse wraps lines anywhere
    assert all(default in flat for default in defaults), f"{defaults} not all in:\n{out}"


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["report", "--help"], ["serve", "--help"]])
def test_help_loads_nothing_heavy(argv):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "org_analytics_widgets", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    loaded = sorted(imported.intersection(HEAVY))
    assert loaded == [], f"'org-analytics {' '.join(argv)}' imported {loaded}: import them inside the commands"


def test_progress_off_a_terminal_is_one_plain_line_per_step(capsys):
    with Progress("rollup") as progress:
        progress("rollup_items", 0, 4)
        progress("rollup_items", 0, 4)  # the same step again: no new line
        progress("rollup_requests", 1, 4)
        progress.fraction("done", 1.0)
    err = capsys.readouterr().err
    assert err == (
        "org-analytics: rollup: rollup_items 0%\n"
        "org-analytics: rollup: rollup_requests 25%\n"
        "org-analytics: rollup: done 100%\n"
    )


def assert_progress_lines(err: str, command: str) -> list[str]:
    """Every line but the summaries is a progress line of ``command``; returns those lines."""
    assert "\r" not in err and "\x1b" not in err, f"no carriage returns or escapes off a terminal: {err!r}"
    lines = [line for line in err.splitlines() if line.startswith(f"org-analytics: {command}: ")]
    assert lines, f"no progress of {command} in {err!r}"
    assert all(PROGRESS_LINE.match(line) for line in lines), lines
    assert lines[-1].endswith(" 100%"), lines
    return lines


def test_demo_data_progress_off_a_terminal(run_cli, tmp_path):
    code, _, err = run_cli(["demo-data", "--out", str(tmp_path / "demo.duckdb"), "--items", "2000"])
    assert code == 0, err
    lines = assert_progress_lines(err, "demo-data")
    assert err.splitlines()[-1].startswith(f"wrote {tmp_path / 'demo.duckdb'}: "), err
    assert len(lines) == len(set(lines)), "one line per step"


def test_rollup_progress_off_a_terminal(run_cli, edge_warehouse, tmp_path):
    code, _, err = run_cli(["rollup", "--warehouse", duckdb_url(edge_warehouse), "--out", str(tmp_path / "r.duckdb")])
    assert code == 0, err
    lines = assert_progress_lines(err, "rollup")
    assert len(lines) >= 3, f"one line per step of the build: {lines}"


def test_first_use_of_the_demo_shows_its_progress(run_cli, tmp_path, monkeypatch):
    from data_connectors import demo

    generate = demo.generate_demo
    monkeypatch.setattr(demo, "generate_demo", lambda path, **options: generate(path, **{**options, "items": 2000}))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code, out, err = run_cli(["report", "--month", "2026-01", "--timezone", "UTC", "--now", "2026-02-01T00:00:00Z"])
    assert code == 0, err
    assert_progress_lines(err, "demo")
    assert demo.default_cache_path().exists() and '"kpis"' in out
    code, _, err = run_cli(["report", "--month", "2026-01"])
    assert code == 0 and "org-analytics: demo:" not in err, "an existing demo is not rebuilt, so no progress"


def test_warehouse_url_forms_fit_a_terminal():
    assert max(map(len, WAREHOUSE_URLS.splitlines())) <= 80
