"""Native schemas through mapping files (``mapping:...`` warehouses): the LiteLLM adapter on its
sample (DuckDB and a real PostgreSQL server), a custom mapping written here, and the one-line
errors of broken mappings. Real files and servers, no mocks.

The LiteLLM expectations are computed independently with pandas straight from the sample CSV
(data_connectors/adapters/samples/litellm/spend_logs.csv), never from the warehouse.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import report_runner
from reports import assert_same_report

import data_connectors
from data_connectors import connect
from data_connectors.adapters.samples.litellm.load import build_duckdb, load_postgres

SAMPLE = Path(data_connectors.__file__).resolve().parent / "adapters" / "samples" / "litellm"
NOW = "2026-11-25T12:00:00Z"
MONTHS = ("2026-10", "2026-11")
MONEY = {"rel": 1e-9, "abs": 2e-10}  # the report rounds money to 10 decimals

# LiteLLM call_type -> service type: what litellm.toml promises for the sample's call types
SERVICE_TYPES = {
    "completion": "text_generation",
    "acompletion": "text_generation",
    "aresponses": "text_generation",
    "anthropic_messages": "text_generation",
    "embedding": "embedding",
    "aembedding": "embedding",
    "atranscription": "speech_to_text",
    "aspeech": "text_to_speech",
    "aimage_generation": "image_generation",
    "arerank": "reranking",
    "asend_message": "agent",
    "pass_through_endpoint": "pass_through",
}
LITELLM_TABLES = (
    "LiteLLM_SpendLogs",
    "LiteLLM_TeamTable",
    "LiteLLM_DeletedTeamTable",
    "LiteLLM_AgentsTable",
    "LiteLLM_ProjectTable",
)


# --------------------------------------------------------------------------- the LiteLLM sample


@pytest.fixture(scope="module")
def litellm_duckdb(tmp_path_factory) -> Path:
    return build_duckdb(tmp_path_factory.mktemp("litellm") / "litellm.duckdb")


@pytest.fixture(scope="module")
def litellm_postgres(postgres_server) -> str:
    """The sample in PostgreSQL as LiteLLM's Prisma schema creates it (quoted mixed-case names,
    timestamp(3), jsonb, text[]); the reader role may only SELECT."""
    from pg import READER

    with postgres_server.admin() as con:
        con.execute('CREATE DATABASE "litellm_sample"')
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER[0]]).fetchone():
            con.execute(f"CREATE ROLE {READER[0]} LOGIN PASSWORD '{READER[1]}'")
    with postgres_server.admin("litellm_sample") as con:
        load_postgres(con)
        con.execute(f"GRANT SELECT ON {', '.join(f'{chr(34)}{t}{chr(34)}' for t in LITELLM_TABLES)} TO {READER[0]}")
    return postgres_server.url("litellm_sample")


def litellm_url(source: str) -> str:
    return f"mapping:litellm?source={source}"


_reports: dict = {}


@pytest.fixture
def report(run_cli):
    """report(url, month) -> parsed JSON, UTC, now = NOW; cached (the warehouses are read-only)."""

    def _get(url: str, month: str):
        if (url, month) not in _reports:
            _reports[url, month] = report_runner(run_cli, url)(month=month, timezone="UTC", now=NOW)
        return _reports[url, month]

    return _get


def _agent(row) -> tuple[str | None, str | None]:
    """(agent id, name) in litellm.toml's order: the agent_id column (name: model after a2a_agent/),
    spend_logs_metadata.agent_id (name: its agent_name), a key alias starting with agent-."""
    data = json.loads(row["metadata"])
    extra = data.get("spend_logs_metadata") or {}
    alias = data.get("user_api_key_alias") or ""
    if row["agent_id"]:
        return row["agent_id"], row["model"].removeprefix("a2a_agent/")
    if extra.get("agent_id"):
        return extra["agent_id"], extra.get("agent_name") or extra["agent_id"]
    if alias.startswith("agent-"):
        return alias, alias.removeprefix("agent-")
    return None, None


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    text = {c: str for c in ("cache_hit", "team_id", "agent_id", "session_id", "model", "model_group", "status")}
    logs = pd.read_csv(SAMPLE / "spend_logs.csv", parse_dates=["startTime"], keep_default_na=False, dtype=text)
    logs["project_id"] = logs["team_id"].replace("", "no-team")
    logs["service_type"] = logs["call_type"].map(SERVICE_TYPES).fillna("other")
    agents = logs.apply(_agent, axis=1)
    logs["agent"] = agents.str[0]
    logs["agent_name"] = agents.str[1]
    extra = logs["metadata"].map(lambda m: json.loads(m).get("spend_logs_metadata") or {})
    shared = logs["session_id"].map(logs["session_id"].value_counts()) > 1
    logs["conversation"] = extra.map(lambda e: e.get("conversation_id")).where(
        extra.map(lambda e: bool(e.get("conversation_id"))), logs["session_id"].where(shared)
    )
    logs["public_model"] = logs["model_group"].where(logs["model_group"] != "", logs["model"])
    logs.loc[logs["public_model"].str.startswith("a2a_agent/") | (logs["public_model"] == ""), "public_model"] = None
    logs["failed"] = logs["status"] == "failure"
    logs["cached"] = logs["cache_hit"] == "True"
    logs["tokens"] = logs["prompt_tokens"] + logs["completion_tokens"]
    logs["date"] = logs["startTime"].dt.strftime("%Y-%m-%d")
    teams = pd.read_csv(SAMPLE / "teams.csv", parse_dates=["created_at"])
    return logs, teams


def month_rows(logs: pd.DataFrame, month: str) -> pd.DataFrame:
    start = pd.Timestamp(f"{month}-01")
    end = min(start + pd.offsets.MonthBegin(1), pd.Timestamp(NOW).tz_localize(None))
    return logs[(logs["startTime"] >= start) & (logs["startTime"] < end)]


def test_the_sample_is_small_and_varied(sample):
    logs, teams = sample
    assert sum(p.stat().st_size for p in SAMPLE.iterdir() if p.is_file()) < 600_000
    assert 300 <= len(logs) and logs["startTime"].min() >= pd.Timestamp("2026-10-01")
    assert logs["startTime"].max() < pd.Timestamp("2026-11-25")
    assert {"acompletion", "aembedding", "atranscription", "aspeech", "asend_message"} <= set(logs["call_type"])
    assert logs["failed"].any() and logs["cached"].any() and (logs["team_id"] == "").any()
    assert logs.loc[logs["failed"], "spend"].eq(0).all() and (logs.loc[logs["failed"], "prompt_tokens"] > 0).any()
    assert logs.loc[logs["cached"], "spend"].eq(0).all()
    assert logs["agent"].notna().any() and logs["conversation"].notna().any()
    assert logs.groupby("model_group")["model"].nunique().max() >= 3, "one public model, several deployments"
    assert teams["team_alias"].str.contains("<").any()
    deleted = pd.read_csv(SAMPLE / "deleted_teams.csv")
    assert set(logs["team_id"]) - set(teams["team_id"]) - {""} <= set(deleted["team_id"])
    assert set(deleted["team_id"]) & set(teams["team_id"]), "a team deleted and created again"


def _names(teams: pd.DataFrame) -> dict:
    deleted = pd.read_csv(SAMPLE / "deleted_teams.csv")
    names = dict(zip(deleted["team_id"], deleted["team_alias"].fillna(deleted["team_id"])))
    names |= dict(zip(teams["team_id"], teams["team_alias"].fillna(teams["team_id"])))
    return names | {"no-team": "No team"}


@pytest.mark.parametrize("month", MONTHS)
def test_litellm_report_matches_the_sample(report, litellm_duckdb, sample, month):
    logs, teams = sample
    rows = month_rows(logs, month)
    got = report(litellm_url(f"duckdb:///{litellm_duckdb}"), month)
    start = pd.Timestamp(got["period"]["start"]).tz_convert(None)
    end = pd.Timestamp(got["period"]["end"]).tz_convert(None)

    deleted = pd.read_csv(SAMPLE / "deleted_teams.csv", parse_dates=["created_at", "deleted_at"])
    deleted = deleted[~deleted["team_id"].isin(teams["team_id"])]
    existing = set(teams.loc[teams["created_at"] < end, "team_id"])
    existing |= set(deleted.loc[(deleted["created_at"] < end) & (deleted["deleted_at"] >= start), "team_id"])
    if logs.loc[logs["project_id"] == "no-team", "startTime"].min() < end:
        existing.add("no-team")
    active = set(rows["project_id"])
    assert got["kpis"] == pytest.approx(
        {
            "total_requests": len(rows),
            "total_tokens": int(rows.loc[~rows["failed"], "tokens"].sum()),  # a failure's tokens left out
            "unique_models": rows["public_model"].nunique(),
            "active_projects": len(active),
            "total_projects": len(active | existing),
            "total_conversations": rows["conversation"].nunique(),
            "total_cost": rows["spend"].sum(),
            "failed_requests": int(rows["failed"].sum()),
            "error_rate": rows["failed"].mean() if len(rows) else None,
        },
        **MONEY,
    )

    by_type = rows.groupby("service_type")["spend"].sum()
    assert {r["service_type"]: r["cost"] for r in got["cost_by_service_type"]} == pytest.approx(
        by_type.to_dict(), **MONEY
    )
    daily = rows.groupby(["date", "service_type"])["spend"].sum()
    shown = {(r["date"], r["service_type"]): r["cost"] for r in got["daily_cost_by_service_type"] if r["cost"]}
    assert shown == pytest.approx(daily[daily != 0].to_dict(), **MONEY)

    by_project = rows.groupby("project_id")["spend"].sum().sort_values(ascending=False)
    names = _names(teams)
    expected = [{"project_id": p, "name": names.get(p, p), "cost": c} for p, c in by_project.iloc[:6].items()]
    if len(by_project) > 6:
        expected.append({"project_id": None, "name": "Others", "cost": by_project.iloc[6:].sum()})
    assert got["cost_by_project"]["slices"] == [dict(s, cost=pytest.approx(s["cost"], **MONEY)) for s in expected]
    assert got["cost_by_project"]["total"] == pytest.approx(rows["spend"].sum(), **MONEY)

    agents = rows[rows["agent"].notna()].groupby("agent")
    assert {
        a["agent_id"]: (a["cost"], a["requests"], a["conversations"], a["project_id"]) for a in got["top_agents"]
    } == {
        agent: (
            pytest.approx(g["spend"].sum(), **MONEY),
            len(g),
            g["conversation"].nunique(),
            min(logs.loc[logs["agent"] == agent, "project_id"]),
        )
        for agent, g in agents
    }

    for card in got["service_types"]:
        of_type = rows[rows["service_type"] == card["service_type"]]
        plain = of_type[~of_type["failed"] & ~of_type["cached"]]
        assert sum(r["requests"] for r in card["daily_requests"]) == len(of_type)
        usage = {}
        for r in card["daily_usage"]:
            usage[r["pricing_rule"], r["unit"]] = usage.get((r["pricing_rule"], r["unit"]), 0) + r["quantity"]
        assert usage.get(("input_tokens", "token"), 0) == plain["prompt_tokens"].sum()
        assert usage.get(("output_tokens", "token"), 0) == plain["completion_tokens"].sum()
        assert usage.get(("requests", "request"), 0) == (plain["tokens"] == 0).sum()
        assert usage.get(("failed_requests", "request"), 0) == of_type["failed"].sum()
        assert usage.get(("cache_hits", "request"), 0) == of_type["cached"].sum()


def test_litellm_items_add_up_to_spend(litellm_duckdb, sample):
    logs, _ = sample
    wh = connect(litellm_url(f"duckdb:///{litellm_duckdb}"))
    try:
        items = wh.execute(wh.usage_items)
        requests = wh.execute(wh.usage_requests)
        agents = wh.execute(wh.agents)
    finally:
        wh.close()
    per_request = items.groupby("request_id")["cost"].sum()
    spend = logs.set_index("request_id")["spend"]
    assert set(per_request.index) == set(spend.index), "every call has at least one item"
    for request_id, cost in per_request.items():
        assert cost == pytest.approx(spend[request_id], rel=1e-12, abs=1e-15), request_id
    assert items["item_id"].is_unique and requests["request_id"].is_unique
    assert (items["quantity"] > 0).all()
    assert set(requests["status"]) == {"success", "error", "cache_hit"}
    assert requests.loc[requests["status"] != "success", "cost"].eq(0).all()
    # an agent's name: the smallest name its calls give it
    names = logs[logs["agent"].notna()].groupby("agent")["agent_name"].min()
    assert dict(zip(agents["agent_id"], agents["name"])) == names.to_dict()


@pytest.mark.parametrize("month", MONTHS)
def test_litellm_in_postgres_gives_the_same_report(report, litellm_duckdb, litellm_postgres, month):
    assert_same_report(
        report(litellm_url(litellm_postgres), month), report(litellm_url(f"duckdb:///{litellm_duckdb}"), month)
    )


def test_the_dashboard_builds_on_litellm(report, litellm_duckdb):
    from org_analytics_widgets.pages.organization import Dashboard

    url = litellm_url(f"duckdb:///{litellm_duckdb}")
    wh = connect(url)
    try:
        d = Dashboard(wh, timezone="UTC", month="2026-10", now=NOW)
        expected = report(url, "2026-10")
        assert d.state.status == "ready"
        assert dict(d.kpis.values) == expected["kpis"]
        assert list(d.project_costs.slices["name"]) == [s["name"] for s in expected["cost_by_project"]["slices"]]
        assert list(d.cost_overview.totals["service_type"]) == [
            r["service_type"] for r in expected["cost_by_service_type"]
        ]
    finally:
        wh.close()


def test_the_source_is_opened_read_only(run_cli, litellm_duckdb, litellm_postgres):
    before = hashlib.sha256(litellm_duckdb.read_bytes()).hexdigest()
    code, _, err = run_cli(["report", "--warehouse", litellm_url(f"duckdb:///{litellm_duckdb}"), "--month", "2026-10"])
    assert code == 0, err
    wh = connect(litellm_url(f"duckdb:///{litellm_duckdb}"))
    try:
        with pytest.raises(Exception, match="read-only"):
            wh.con.raw_sql('DELETE FROM "LiteLLM_SpendLogs"')
    finally:
        wh.close()
    assert hashlib.sha256(litellm_duckdb.read_bytes()).hexdigest() == before
    wh = connect(litellm_url(litellm_postgres))
    try:
        assert wh.con.raw_sql("SHOW default_transaction_read_only").fetchone()[0] == "on"
    finally:
        wh.close()


def test_a_source_without_litellm_tables_names_no_password(run_cli, postgres_server, litellm_postgres):
    from pg import READER

    code, out, err = run_cli(
        ["report", "--warehouse", litellm_url(postgres_server.url("postgres")), "--month", "2026-10"]
    )
    assert code == 2 and out == ""
    assert "no table 'LiteLLM_TeamTable' in the source, PostgreSQL" in err and "litellm.toml" in err
    assert READER[1] not in err and err.count("\n") == 1


# what the adapter reads; LiteLLM_SpendLogs also holds prompts and answers (messages, response, ...)
ADAPTER_COLUMNS = [
    "request_id",
    "call_type",
    "startTime",
    "team_id",
    "model",
    "model_group",
    "metadata",
    "session_id",
    "agent_id",
    "cache_hit",
    "prompt_tokens",
    "completion_tokens",
    "spend",
    "status",
]


def test_the_role_may_read_only_the_columns_the_adapter_needs(
    run_cli, report, postgres_server, litellm_postgres, litellm_duckdb
):
    """LiteLLM keeps prompts in its spend logs: a role granted only the adapter's columns gives the
    same report; a column it lacks fails when the mapping is opened (each table's query is planned
    then), naming the table, not halfway through a report."""
    from pg import READER

    with postgres_server.admin("litellm_sample") as con:
        without_metadata = [c for c in ADAPTER_COLUMNS if c != "metadata"]
        for schema, columns in (("narrow", ADAPTER_COLUMNS), ("too_narrow", without_metadata)):
            con.execute(f"CREATE SCHEMA {schema}")
            con.execute(f"GRANT USAGE ON SCHEMA {schema} TO {READER[0]}")
            for table in LITELLM_TABLES:
                con.execute(f'CREATE TABLE {schema}."{table}" AS TABLE public."{table}"')
                if table != "LiteLLM_SpendLogs":
                    con.execute(f'GRANT SELECT ON {schema}."{table}" TO {READER[0]}')
            granted = ", ".join(f'"{c}"' for c in columns)
            con.execute(f'GRANT SELECT ({granted}) ON {schema}."LiteLLM_SpendLogs" TO {READER[0]}')
    narrow = litellm_url(postgres_server.url("litellm_sample", schema="narrow"))
    assert_same_report(report(narrow, "2026-10"), report(litellm_url(f"duckdb:///{litellm_duckdb}"), "2026-10"))

    code, out, err = run_cli(
        [
            "report",
            "--warehouse",
            litellm_url(postgres_server.url("litellm_sample", schema="too_narrow")),
            "--month",
            "2026-10",
        ]
    )
    assert code == 2 and out == "" and err.count("\n") == 1
    # projects reads metadata too (a key's LiteLLM project): the first table planned names the table
    assert "litellm.toml: projects: the source rejects its query: permission denied for table LiteLLM_SpendLogs" in err


# --------------------------------------------------------------------------- a custom mapping


def _epoch(*args) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


CUSTOM = """\
source = "duckdb:native.duckdb"    # relative to this file

[projects]
from = "apps"                      # the table is "Apps": names are matched case-insensitively
[projects.columns]
project_id = "app_key"
name = "label"
monthly_budget = "monthly_cap"
created_at = { epoch_seconds = "opened_epoch" }

[agents]
from = "api_calls"
where = { not_null = "bot" }
unique = "agent_id"
[agents.columns]
agent_id = "bot"
project_id = "app"
name = { concat = [{ value = "Bot " }, "bot"] }

[usage_requests]
from = "api_calls"
[usage_requests.columns]
request_id = "call_id"
created_at = { epoch_seconds = "at_epoch" }
project_id = "app"
service_type = { map = "kind", values = { chat = "text_generation", embed = "embedding" }, default = { value = "other" } }
model = "llm"
agent_id = "bot"
conversation_id = "thread"
input_tokens = "tokens_in"
output_tokens = "tokens_out"
cost = "usd"
status = { if = "ok", then = { value = "success" }, else = { value = "error" } }

[[usage_items]]
mapped = "usage_requests"
[usage_items.columns]
item_id = { concat = ["request_id", { value = "-call" }] }
pricing_rule = { value = "calls" }
quantity = 1
unit = { value = "call" }
unit_price = "cost"
"""

# (call_id, at_epoch, app, kind, llm, tokens_in, tokens_out, usd, ok, bot, thread)
CALLS = [
    ("c1", _epoch(2026, 10, 1), "web", "chat", "m-large", 100, 50, 0.25, True, "b1", "t1"),
    ("c2", _epoch(2026, 10, 12, 8) + 0.75, "web", "chat", "m-large", 10, None, 0.5, True, "b1", "t1"),
    ("c3", _epoch(2026, 10, 20, 13), "etl", "embed", "m-embed", 1000, 0, 0.125, True, None, None),
    ("c4", _epoch(2026, 10, 31, 23, 59, 59) + 0.25, "ghost", "ocr", None, None, None, 2.0, False, "b2", "t2"),
    ("c5", _epoch(2026, 9, 30, 23, 59, 59) + 0.5, "web", "chat", "m-large", 7, 7, 9.0, True, None, None),
    ("c6", _epoch(2026, 11, 1), "etl", "chat", "m-small", 1, 1, 4.0, True, None, None),
]


def _native(folder: Path) -> Path:
    path = folder / "native.duckdb"
    con = duckdb.connect(str(path))
    con.execute('CREATE TABLE "Apps" (app_key VARCHAR, label VARCHAR, opened_epoch BIGINT, monthly_cap DECIMAL(10, 2))')
    con.execute(
        "INSERT INTO \"Apps\" VALUES ('web', 'Web <app>', ?, 100), ('etl', 'ETL', ?, NULL)",
        [_epoch(2026, 1, 1), _epoch(2026, 10, 15)],
    )
    con.execute(
        "CREATE TABLE api_calls (call_id VARCHAR, at_epoch DOUBLE, app VARCHAR, kind VARCHAR, llm VARCHAR, "
        "tokens_in INTEGER, tokens_out INTEGER, usd DECIMAL(12, 6), ok BOOLEAN, bot VARCHAR, thread VARCHAR)"
    )
    con.executemany("INSERT INTO api_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", CALLS)
    con.close()
    return path


@pytest.fixture
def custom(tmp_path) -> Path:
    _native(tmp_path)
    mapping = tmp_path / "mine.toml"
    mapping.write_text(CUSTOM)
    return mapping


@pytest.fixture(scope="module")
def native_postgres(postgres_server, litellm_postgres, tmp_path_factory) -> str:
    """The native schema of CALLS in PostgreSQL (the reader role exists: litellm_postgres made it)."""
    from pg import READER

    with postgres_server.admin() as con:
        con.execute('CREATE DATABASE "native_sample"')
    with postgres_server.admin("native_sample") as con:
        con.execute('CREATE TABLE "Apps" (app_key text, label text, opened_epoch bigint, monthly_cap numeric(10, 2))')
        con.execute(
            "CREATE TABLE api_calls (call_id text, at_epoch double precision, app text, kind text, llm text, "
            "tokens_in integer, tokens_out integer, usd numeric(12, 6), ok boolean, bot text, thread text)"
        )
        source = duckdb.connect(str(_native(tmp_path_factory.mktemp("native"))), read_only=True)
        for table in ("Apps", "api_calls"):
            rows = source.execute(f'SELECT * FROM "{table}"').fetchall()
            marks = ", ".join(["%s"] * len(rows[0]))
            con.cursor().executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
            con.execute(f'GRANT SELECT ON "{table}" TO {READER[0]}')
        source.close()
    return postgres_server.url("native_sample")


def _parquet(folder: Path, duckdb_file: Path) -> Path:
    con = duckdb.connect(str(duckdb_file), read_only=True)
    for table in ("Apps", "api_calls"):
        con.execute(f"COPY \"{table}\" TO '{folder / (table + '.parquet')}' (FORMAT parquet)")
    con.close()
    return folder


@pytest.mark.parametrize("source", ["in the file", "in the URL, relative", "a Parquet folder", "PostgreSQL"])
def test_a_custom_mapping(request, run_cli, custom, tmp_path, monkeypatch, source):
    url = f"mapping://{custom}"
    if source == "PostgreSQL":
        url += f"?source={request.getfixturevalue('native_postgres')}"
    elif source == "in the URL, relative":
        monkeypatch.chdir(tmp_path)
        (tmp_path / "native.duckdb").rename(tmp_path / "moved.duckdb")
        url += "?source=duckdb:moved.duckdb"
    elif source == "a Parquet folder":
        folder = tmp_path / "pq"
        folder.mkdir()
        url += f"?source=parquet://{_parquet(folder, tmp_path / 'native.duckdb')}"
    got = report_runner(run_cli, url)(month="2026-10", timezone="UTC", now=NOW)
    # October (UTC): c1, c2, c3 and c4 (23:59:59.25 on the 31st); c5 is September, c6 November
    assert got["kpis"] == {
        "total_requests": 4,
        "total_tokens": 150 + 10 + 1000,
        "unique_models": 2,  # m-large, m-embed (c4 has no model)
        "active_projects": 3,  # web, etl, ghost (not in Apps)
        "total_projects": 3,  # etl opened Oct 15 still existed in October
        "total_conversations": 2,  # t1, t2
        "total_cost": 2.875,
        "failed_requests": 1,  # c4 (ok false: status error; it logged no tokens)
        "error_rate": 0.25,  # 1 of 4
    }
    assert got["cost_by_service_type"] == [
        {"service_type": "other", "cost": 2.0},
        {"service_type": "text_generation", "cost": 0.75},
        {"service_type": "embedding", "cost": 0.125},
    ]
    assert got["cost_by_project"]["slices"] == [
        {"project_id": "ghost", "name": "ghost", "cost": 2.0},
        {"project_id": "web", "name": "Web <app>", "cost": 0.75},
        {"project_id": "etl", "name": "ETL", "cost": 0.125},
    ]
    assert [(a["agent_id"], a["name"], a["requests"], a["conversations"], a["cost"]) for a in got["top_agents"]] == [
        ("b2", "Bot b2", 1, 1, 2.0),
        ("b1", "Bot b1", 2, 1, 0.75),
    ]
    day = {(r["date"], r["service_type"]): r["cost"] for r in got["daily_cost_by_service_type"] if r["cost"]}
    assert day == {
        ("2026-10-01", "text_generation"): 0.25,
        ("2026-10-12", "text_generation"): 0.5,
        ("2026-10-20", "embedding"): 0.125,
        ("2026-10-31", "other"): 2.0,
    }


def test_custom_mapping_columns(custom):
    wh = connect(f"mapping://{custom}")
    try:
        requests = wh.execute(wh.usage_requests.order_by("request_id")).set_index("request_id")
        projects = wh.execute(wh.projects).set_index("project_id")
    finally:
        wh.close()
    assert requests.loc["c2", "created_at"] == pd.Timestamp("2026-10-12 08:00:00.750")
    assert requests.loc["c5", "created_at"] == pd.Timestamp("2026-09-30 23:59:59.500")
    assert list(requests["status"]) == ["success", "success", "success", "error", "success", "success"]
    assert pd.isna(requests.loc["c2", "output_tokens"]) and requests.loc["c1", "input_tokens"] == 100
    assert projects.loc["web", "monthly_budget"] == 100 and pd.isna(projects.loc["etl", "monthly_budget"])
    assert projects.loc["etl", "created_at"] == pd.Timestamp("2026-10-15")
    assert pd.isna(projects.loc["web", "color"]) and pd.isna(projects.loc["web", "archived_at"])


# options, optional tables and columns, prefixes, repeated values, another table's values
LANGUAGE = """\
source = "duckdb:native.duckdb"

[options]
bot_label = "Bot "
kind = { default = "chat", choices = ["chat", "embed"] }

[[projects]]
from = "apps"
[projects.columns]
project_id = "app_key"
name = "label"
created_at = { epoch_seconds = "opened_epoch" }
archived_at = { column = "closed_epoch", missing = { null = true } }   # no such column: null

[[projects]]
from = "retired_apps"              # no such table: no rows
optional = true
[projects.columns]
project_id = "app_key"

[agents]
from = "api_calls"
where = { and = [{ not_null = "bot" }, { not = { in_table = ["app", "Apps", "app_key"] } }] }
unique = "agent_id"
[agents.columns]
agent_id = "bot"
project_id = "app"
name = { concat = [{ value = "${bot_label}" }, "bot"] }

[usage_requests]
from = "api_calls"
[usage_requests.columns]
request_id = "call_id"
created_at = { epoch_seconds = "at_epoch" }
project_id = "app"
service_type = { if = { eq = ["kind", { value = "${kind}" }] }, then = { value = "chosen" }, else = { value = "other" } }
model = { coalesce = [{ strip_prefix = ["llm", "m-"] }, "llm"] }
agent_id = "bot"
conversation_id = { if = { repeated = "thread" }, then = "thread" }
input_tokens = "tokens_in"
output_tokens = "tokens_out"
cost = "usd"
status = { column = "state", missing = { value = "unknown" } }

[usage_items]
empty = true
"""


@pytest.mark.parametrize("source", ["DuckDB", "PostgreSQL"])
def test_the_mapping_language_options_and_optional_parts(request, tmp_path, source):
    _native(tmp_path)
    mapping = tmp_path / "language.toml"
    mapping.write_text(LANGUAGE)
    given = "" if source == "DuckDB" else f"source={request.getfixturevalue('native_postgres')}"
    got = {}
    for options in ("", "kind=embed&bot_label=Agent%20"):
        query = "&".join(part for part in (options, given) if part)
        wh = connect(f"mapping://{mapping}" + (f"?{query}" if query else ""))
        try:
            got[options] = (
                wh.execute(wh.projects.order_by("project_id")),
                wh.execute(wh.agents.order_by("agent_id")),
                wh.execute(wh.usage_requests.order_by("request_id")).set_index("request_id"),
            )
        finally:
            wh.close()
    projects, agents, requests = got[""]
    assert list(projects["project_id"]) == ["etl", "web"] and projects["archived_at"].isna().all()
    # b1 only calls from "web", which is an app: in_table keeps it out; b2's app "ghost" is not one
    assert list(zip(agents["agent_id"], agents["name"])) == [("b2", "Bot b2")]
    assert list(requests["model"].fillna("-")) == ["large", "large", "embed", "-", "large", "small"]
    assert list(requests["conversation_id"].fillna("-")) == ["t1", "t1", "-", "-", "-", "-"]  # t2: one call
    assert list(requests["service_type"]) == ["chosen", "chosen", "other", "other", "chosen", "chosen"]
    assert set(requests["status"]) == {"unknown"}
    _, agents, requests = got["kind=embed&bot_label=Agent%20"]
    assert list(agents["name"]) == ["Agent b2"]
    assert list(requests["service_type"]) == ["other", "other", "chosen", "other", "other", "other"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (('"${bot_label}"', '"${bot_name}"'), "agents.columns.name.concat[0].value: ${bot_name} names no option"),
        (('kind = { default = "chat"', 'kind = { default = "talk"'), "options.kind.default: must be one of"),
        (("optional = true", "optional = 1"), "projects[1].optional: write optional = true"),
        (("optional = true\n", ""), "projects[1].from: no table 'retired_apps' in the source"),
        (('strip_prefix = ["llm", "m-"]', 'strip_prefix = ["tokens_in", "m-"]'), "is int32, not text"),
        (('"Apps", "app_key"', '"Apps", "app"'), "in_table[2]: no column 'app' in the source table"),
    ],
)
def test_a_broken_language_mapping_is_one_line(run_cli, tmp_path, change, expected):
    _native(tmp_path)
    mapping = tmp_path / "language.toml"
    assert change[0] in LANGUAGE
    mapping.write_text(LANGUAGE.replace(change[0], change[1], 1))
    code, out, err = run_cli(["report", "--warehouse", f"mapping://{mapping}", "--month", "2026-10"])
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert expected in err


# --------------------------------------------------------------------------- broken mappings

BROKEN = [
    (
        "typo in a top-level key",
        ("[usage_requests]\n", "[usage_request]\n"),
        "usage_request: unknown key 'usage_request' (did you mean 'usage_requests'?)",
    ),
    (
        "typo in a column name",
        ('input_tokens = "tokens_in"', 'input_tokens = "token_in"'),
        "usage_requests.columns.input_tokens: no column 'token_in' in the source table (did you mean 'tokens_in'?)",
    ),
    (
        "typo in a canonical column",
        ('output_tokens = "tokens_out"', 'outputtokens = "tokens_out"'),
        "usage_requests has no column 'outputtokens' (did you mean 'output_tokens'?)",
    ),
    (
        "a source table that does not exist",
        ('[usage_requests]\nfrom = "api_calls"', '[usage_requests]\nfrom = "calls_2025"'),
        "usage_requests.from: no table 'calls_2025' in the source, DuckDB file",
    ),
    (
        "a required column not mapped",
        ('request_id = "call_id"\n', ""),
        "usage_requests.columns.request_id: usage_requests.request_id is required",
    ),
    ("invalid TOML", ('name = "label"', 'name = "label'), "not valid TOML"),
    (
        "unknown function",
        ('{ concat = ["request_id"', '{ concatenate = ["request_id"'),
        "unknown function 'concatenate' (did you mean 'concat'?)",
    ),
    ("missing source", ('source = "duckdb:native.duckdb"', ""), "source: names no source warehouse"),
    ("a source file that does not exist", ("native.duckdb", "nowhere.duckdb"), "source: no DuckDB file at"),
    (
        "a number as a timestamp",
        ('created_at = { epoch_seconds = "at_epoch" }', 'created_at = "at_epoch"'),
        "usage_requests.columns.created_at: is float64, which cannot be a timestamp: Unix time? use { epoch_seconds",
    ),
    (
        "a cast no engine can do",
        ('cost = "usd"', 'cost = { cast = [{ cast = ["ok", "timestamp"] }, "float"] }'),
        "usage_requests.columns.cost.cast[0].cast: cannot cast boolean to timestamp",
    ),
    (
        "an unknown cast type",
        ('input_tokens = "tokens_in"', 'input_tokens = { cast = ["tokens_in", "json"] }'),
        "unknown type 'json'",
    ),
    (
        "an operator given wrong arguments",
        ('{ not_null = "bot" }', '{ not_null = ["bot"] }'),
        "agents.where.not_null: a list is not an expression",
    ),
    (
        "a mapped table that does not exist",
        ('mapped = "usage_requests"', 'mapped = "usage_request"'),
        "usage_items[0].mapped: no canonical table 'usage_request' (did you mean 'usage_requests'?)",
    ),
]


@pytest.mark.parametrize("change, expected", [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_broken_mapping_is_one_line(run_cli, custom, change, expected):
    text = custom.read_text()
    assert change[0] in text
    custom.write_text(text.replace(change[0], change[1], 1))
    code, out, err = run_cli(["report", "--warehouse", f"mapping://{custom}", "--month", "2026-10"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"org-analytics: error: mapping {custom}: ")
    assert expected in err


@pytest.mark.parametrize(
    "url, expected",
    [
        ("mapping:litelm", "no packaged mapping 'litelm' (did you mean 'litellm'?)"),
        ("mapping:///nowhere/mine.toml", "no mapping file at /nowhere/mine.toml"),
        ("mapping:litellm", "names no source warehouse"),
        ("mapping:litellm?src=duckdb:///x.duckdb", "unknown option 'src' in the URL (did you mean 'source'?)"),
        ("mapping:litellm?project=teams&source=duckdb:///x.duckdb", "'teams' is not one of team, litellm_project"),
        ("mapping:litellm?project&source=duckdb:///x.duckdb", "cannot read the options of the mapping URL"),
        ("mapping:litellm?postgres://u:secret@h/db", "write ?name=value&...&source=URL (source last)"),
        ("mapping:litellm?project=postgres://u:secret@h/db", "is not one of team, litellm_project"),
        ("mapping:litellm?source=mapping:litellm", "is itself a mapping"),
        ("mapping:litellm?source=mysql://u:secret@h/db", "unsupported source URL scheme 'mysql'"),
    ],
)
def test_a_bad_mapping_url_is_one_line(run_cli, url, expected):
    code, out, err = run_cli(["report", "--warehouse", url, "--month", "2026-10"])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert expected in err and "secret" not in err and "Traceback" not in err


def test_rollups_of_a_mapping_give_its_report(run_cli, litellm_duckdb, tmp_path):
    """The mapping's views are a warehouse like any other: rollups are built through them."""
    url = litellm_url(f"duckdb:///{litellm_duckdb}")
    rollups = tmp_path / "rollups.duckdb"
    code, _, stderr = run_cli(["rollup", "--warehouse", url, "--out", str(rollups)])
    assert code == 0, stderr
    for month in MONTHS:
        code, stdout, stderr = run_cli(
            [
                "report",
                "--warehouse",
                url,
                "--rollups",
                str(rollups),
                "--month",
                month,
                "--timezone",
                "America/New_York",
                "--now",
                NOW,
            ]
        )
        assert code == 0, stderr
        raw = report_runner(run_cli, url)(month=month, timezone="America/New_York", now=NOW)
        assert_same_report(json.loads(stdout), raw)
