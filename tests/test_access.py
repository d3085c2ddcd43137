"""Access policy: a viewer sees only their projects, in every number, name, row and export.

The restricted engine is checked against an independent path: a DuckDB file that holds only those
projects' rows, copied with plain SQL. The served page (header, proxy address, two users in a real
browser, the websocket traffic) is tested in test_serve_access.py."""

from __future__ import annotations

import json

import duckdb
import ipywidgets as w
from ipywidgets.widgets.widget import _instances
import pytest
from conftest import DEFAULT_NOW
from reports import assert_same_report

from org_analytics_widgets.access import Policy, PolicyError, viewer_from_environment
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages import app_from_environment
from org_analytics_widgets.pages.app import App

ZONE = "America/New_York"
ALICE = ["p_voice", "p_docs"]
OTHERS = ["p_support", "p_search", "p_xss", "p_zulu", "p_neg", "p_feb"]
POLICY = """
[groups]
voice-team = ["alice", "bob"]

[[allow]]
groups = ["voice-team"]
projects = ["p_voice"]

[[allow]]
users = ["alice"]
projects = ["p_docs"]

[[allow]]
users = ["admin"]
projects = "*"
"""


@pytest.fixture(scope="module")
def only_alices(edge_warehouse, tmp_path_factory):
    """The edge warehouse with only alice's projects' rows, copied by DuckDB itself."""
    path = tmp_path_factory.mktemp("alice") / "alice.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"ATTACH '{edge_warehouse}' AS src (READ_ONLY)")
    for table in ("projects", "agents", "usage_requests", "usage_items"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table} WHERE project_id IN ('p_voice', 'p_docs')")
    con.close()
    return path


@pytest.mark.parametrize("month", ["2026-03", "2026-11"])
def test_a_restricted_engine_gives_the_numbers_of_only_those_projects(edge_warehouse, only_alices, month):
    with (
        Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=DEFAULT_NOW, cache=False) as everyone,
        Engine.open(f"duckdb://{only_alices}", timezone=ZONE, now=DEFAULT_NOW, cache=False) as expected,
    ):
        alice = everyone.restricted_to(ALICE)
        report = alice.report(month)
        assert_same_report(report, expected.report(month))
        assert report["kpis"]["total_projects"] == 2, "Active projects X/Y counts only the visible ones"
        everything = json.dumps(everyone.report(month))
        assert any(p in everything for p in OTHERS), "the check must be able to fail"
        assert not any(p in json.dumps(report) for p in OTHERS)
        assert alice.first_month() == expected.first_month()


def test_tables_exports_and_agents_of_other_projects_stay_out(edge_warehouse, tmp_path):
    url = f"duckdb://{edge_warehouse}"
    with Engine.open(url, timezone=ZONE, now=DEFAULT_NOW, cache=False, writable_dirs=[tmp_path]) as everyone:
        alice = everyone.restricted_to(ALICE)
        march = alice.period("2026-03")
        for kind in ("requests", "items"):
            page = alice.table_page(kind, march, {"page": 0}, 1000)
            assert set(page["project_id"]) <= set(ALICE) and len(page) > 0
            options = alice.table_options(kind, march)
            assert not any(value in OTHERS for values in options.values() for _, value in values)
            export = alice.table_export(kind, march, {}, "csv", ordered=True, folder=tmp_path)
            text = export.path.read_text()
            assert "p_voice" in text and not any(p in text for p in OTHERS)
        assert alice.agent_month("a_conc", "2026-03").status == "unknown", "another project's agent"
        assert everyone.agent_month("a_conc", "2026-03").status != "unknown"
        assert alice.agent_month("a_voice", "2026-03").status != "unknown"


def test_the_policy_file_grants_by_user_and_group(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    policy = Policy.load(path)
    assert policy.projects_for("alice") == {"p_voice", "p_docs"}
    assert policy.projects_for("bob") == {"p_voice"}
    assert policy.projects_for("admin") is None, "every project"
    assert policy.projects_for("mallory") == frozenset()
    assert policy.projects_for("Alice") == frozenset(), "names are compared exactly"


@pytest.mark.parametrize(
    "text, words",
    [
        ("[[allow]\n", "not valid TOML"),
        ('[[allow]]\ngroups = ["nope"]\nprojects = ["p"]\n', "which [groups] does not define"),
        ('[[allow]]\nusers = ["a"]\nprojects = "p_support"\n', 'list of project ids or "*"'),
        ('[[allow]]\nusers = "a"\nprojects = ["p"]\n', "lists of names"),
        ('[[allow]]\nuser = ["a"]\nprojects = ["p"]\n', "may only have users, groups and projects"),
        ('[users]\na = ["p"]\n', "unknown section 'users'"),
    ],
)
def test_a_wrong_policy_says_what_is_wrong(tmp_path, text, words):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match="policy") as raised:
        Policy.load(path)
    assert words in str(raised.value) and "\n" not in str(raised.value)


def _serve_as(monkeypatch, tmp_path, edge_warehouse, user: str | None, query="month=2026-03"):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    monkeypatch.setenv("ORG_ANALYTICS_WAREHOUSE", f"duckdb://{edge_warehouse}")
    monkeypatch.setenv("ORG_ANALYTICS_TIMEZONE", ZONE)
    monkeypatch.setenv("ORG_ANALYTICS_NOW", DEFAULT_NOW)
    monkeypatch.setenv("ORG_ANALYTICS_POLICY", str(path))
    monkeypatch.setenv("ORG_ANALYTICS_AUTH_HEADER", "X-Remote-User")
    monkeypatch.setenv("QUERY_STRING", query)
    if user is None:
        monkeypatch.delenv("HTTP_X_REMOTE_USER", raising=False)
    else:
        monkeypatch.setenv("HTTP_X_REMOTE_USER", user)
    return app_from_environment()


def _every_widget_state() -> str:
    """What the kernel would send a browser that asks for every widget's state."""
    return json.dumps([widget.get_state() for widget in list(_instances.values())], default=str)


def test_the_app_holds_only_the_viewers_projects(monkeypatch, tmp_path, edge_warehouse):
    w.Widget.close_all()
    app = _serve_as(monkeypatch, tmp_path, edge_warehouse, "alice", "month=2026-03&agent=a_voice")
    assert isinstance(app, App) and app.agent.status == "ready"
    app.navigate("month=2026-03&table=items")
    states = _every_widget_state()
    assert "Voice desk" in states and "docs QA" in states
    for name in ("Support bot", "p_support", "a_conc", "Refunds", "zulu", "p_xss", "&lt;script&gt;alert(1)"):
        assert name not in states, f"{name!r} reached a widget of alice's page"
    w.Widget.close_all()
    admin = _serve_as(monkeypatch, tmp_path, edge_warehouse, "admin", "month=2026-03&table=items")
    assert isinstance(admin, App) and "Support bot" in _every_widget_state(), "the check must be able to fail"
    w.Widget.close_all()


@pytest.mark.parametrize("user, words", [("mallory", "no project is shared with you"), (None, "without a user name")])
def test_a_viewer_without_projects_gets_words_not_a_dashboard(monkeypatch, tmp_path, edge_warehouse, user, words):
    w.Widget.close_all()
    shown = _serve_as(monkeypatch, tmp_path, edge_warehouse, user)
    assert not isinstance(shown, App) and words in shown.value
    assert "Support bot" not in _every_widget_state()
    w.Widget.close_all()


def test_without_a_policy_there_is_no_viewer(monkeypatch):
    monkeypatch.delenv("ORG_ANALYTICS_POLICY", raising=False)
    assert viewer_from_environment() is None


def test_serve_says_what_is_wrong_with_a_policy_before_it_starts(run_cli, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[[allow]]\ngroups = ["nope"]\nprojects = ["p"]\n')
    code, out, err = run_cli(["serve", "--no-browser", "--auth-header", "X-Remote-User", "--policy", str(path)])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "which [groups] does not define" in err, err
