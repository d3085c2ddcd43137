"""LiteLLM through `mapping:litellm`: a handful of spend-log rows written the way LiteLLM writes
them (see data_connectors/adapters/samples/litellm/SOURCES.md), and the report they must give,
computed by hand for two months, in UTC and in New York (UTC-4 in October, UTC-5 from Nov 1,
06:00 UTC), on DuckDB and on a real PostgreSQL server with LiteLLM's column types (jsonb
metadata, timestamp(3), text[]). Also LiteLLM's own projects (`project=litellm_project`) and an
older database without the status, session_id and agent_id columns nor the newer tables.

The rows (UTC; NY = local date in New York):
  r1  Oct 1 02:00   NY Sep 30   Support   gpt-4o (azure/gpt-4o-eu)       0.40  300+100
  r2  Oct 5 10:00               Support   gpt-4o (openai/gpt-4o)         0.20  100+100  concierge, conversation c1
  r3  Oct 5 10:05               Support   gpt-4o (gpt-4o-2024-08-06)     0.10   50+50   concierge, conversation c1
  r4  Oct 10 12:00              no team   embedding                       0.01  500
  r5  Oct 12 09:00              Growth    gpt-4o-mini, failure            0      40 (estimated prompt)
  r6  Oct 15 15:00              Support   gpt-4o-mini, cache hit          0      20+10
  r7  Oct 20 08:00              Search    a2a_agent/Researcher (agent-to-agent)  0.05
  r8  Oct 21 08:00              Growth    claude-sonnet, key agent-sql    0.30  200+100  session s-h
  r9  Oct 31 23:30              Growth    claude-sonnet                   0.15  100+50   session s-h
  r10 Nov 1 03:00   NY Oct 31   no team   whisper                         0.06
  r11 Nov 3 10:00               Search    gpt-4o, project Checkout        0.50 1000+200  conversation c2
  r12 Nov 4 10:00               Support   tts, concierge                  0.03
  r13 Nov 12 10:00              no team   an unknown call type            0.02  100
  r14 Nov 20 10:00              Support   pass-through, project Checkout  0
  r15 Nov 26 10:00              Support   after "now" (Nov 25 12:00)      9.00
  r16 Nov 5 10:00               no team   gpt-4o, failure                 0      30 (estimated prompt)
Growth is a deleted team (LiteLLM_DeletedTeamTable, deleted Nov 10); Support was deleted once and
created again with the same id (its old row, "Support (old)", must not name it).
"""

from __future__ import annotations

import json

import pytest
from conftest import report_runner
from reports import assert_same_report

from data_connectors import connect
from data_connectors.adapters.samples.litellm.load import build_duckdb, load_postgres

NOW = "2026-11-25T12:00:00Z"
NY = "America/New_York"
SUPPORT, SEARCH, GROWTH, CHECKOUT, RESEARCHER = "team-support", "team-search", "team-growth", "proj-checkout", "agt-1"


def _key(alias: str, team: str, project: str | None = None) -> dict:
    key = {"user_api_key": f"hash-{alias}", "user_api_key_alias": alias, "user_api_key_team_id": team or None}
    if project:
        key |= {"user_api_key_project_id": project, "user_api_key_project_alias": "Checkout"}
    return key


def _row(rid, start, call_type, team, group, model, spend, prompt=0, completion=0, *, key=None, extra=None, **over):
    failed = over.pop("failed", False)
    metadata = {
        "additional_usage_values": {},
        **(key or _key(f"{team or 'personal'}-prod", team)),
        "user_api_key_org_id": None,
        "user_api_key_user_id": "user-001",
        "user_api_key_team_alias": None,
        "spend_logs_metadata": extra,
        "requester_ip_address": "10.0.0.1",
        "applied_guardrails": [],
        "status": "failure" if failed else "success",
        "error_information": {"error_code": "429", "error_class": "RateLimitError"} if failed else None,
        "usage_object": None,
        "cost_breakdown": None,
    }
    row = {
        "request_id": rid,
        "call_type": call_type,
        "api_key": metadata["user_api_key"],
        "spend": spend,
        "total_tokens": prompt + completion,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "startTime": start,
        "endTime": start,  # a failure's start = end; the others' durations do not matter here
        "completionStartTime": start,
        "model": model,
        "model_id": "",
        "model_group": group,
        "custom_llm_provider": "openai",
        "api_base": "",
        "user": "user-001",
        "metadata": json.dumps(metadata),
        "cache_hit": "False",
        "cache_key": "Cache OFF",
        "request_tags": "[]",
        "team_id": team,
        "organization_id": "",
        "end_user": "",
        "requester_ip_address": "10.0.0.1",
        "messages": "{}",
        "response": "{}",
        "session_id": f"trace-{rid}",  # no session set by the client: LiteLLM's fresh id per call
        "status": "failure" if failed else "success",
        "agent_id": None,
        "proxy_server_request": "{}",
    }
    return row | over


CONCIERGE = {"agent_id": "concierge", "agent_name": "Concierge"}
SPEND_LOGS = [
    _row("r1", "2026-10-01 02:00:00", "acompletion", SUPPORT, "gpt-4o", "azure/gpt-4o-eu", 0.4, 300, 100),
    _row("r2", "2026-10-05 10:00:00", "acompletion", SUPPORT, "gpt-4o", "gpt-4o", 0.2, 100, 100,
         extra=CONCIERGE | {"conversation_id": "c1"}),
    _row("r3", "2026-10-05 10:05:00", "acompletion", SUPPORT, "gpt-4o", "gpt-4o-2024-08-06", 0.1, 50, 50,
         extra={"agent_id": "concierge", "conversation_id": "c1"}),
    _row("r4", "2026-10-10 12:00:00", "aembedding", "", "text-embedding-3-small", "text-embedding-3-small",
         0.01, 500),
    _row("r5", "2026-10-12 09:00:00", "acompletion", GROWTH, "gpt-4o-mini", "gpt-4o-mini", 0.0, 40, failed=True),
    _row("r6", "2026-10-15 15:00:00", "acompletion", SUPPORT, "gpt-4o-mini", "gpt-4o-mini", 0.0, 20, 10,
         request_id="chatcmpl-r6_cache_hit1792076400.123", cache_hit="True", cache_key="ab12"),
    # the sample's agent calls have model_group ""; here a router-filled one: neither is a model
    _row("r7", "2026-10-20 08:00:00", "asend_message", SEARCH, "a2a_agent/Researcher", "a2a_agent/Researcher",
         0.05, agent_id=RESEARCHER, custom_llm_provider="a2a_agent"),
    _row("r8", "2026-10-21 08:00:00", "completion", GROWTH, "claude-sonnet", "anthropic/claude-3-5-sonnet",
         0.3, 200, 100, key=_key("agent-sql", GROWTH), session_id="s-h"),
    _row("r9", "2026-10-31 23:30:00", "acompletion", GROWTH, "claude-sonnet",
         "bedrock/anthropic.claude-3-5-sonnet-v2:0", 0.15, 100, 50, session_id="s-h"),
    _row("r10", "2026-11-01 03:00:00", "atranscription", "", "whisper", "whisper-1", 0.06),
    _row("r11", "2026-11-03 10:00:00", "acompletion", SEARCH, "gpt-4o", "azure/gpt-4o-eu", 0.5, 1000, 200,
         key=_key("checkout", SEARCH, CHECKOUT), extra={"conversation_id": "c2"}),
    _row("r12", "2026-11-04 10:00:00", "aspeech", SUPPORT, "tts", "tts-1", 0.03, extra=CONCIERGE),
    _row("r13", "2026-11-12 10:00:00", "acreate_widget_summary", "", "gpt-4o-mini", "gpt-4o-mini", 0.02, 100),
    _row("r14", "2026-11-20 10:00:00", "pass_through_endpoint", SUPPORT, "", "", 0.0,
         key=_key("checkout-support", SUPPORT, CHECKOUT)),
    _row("r15", "2026-11-26 10:00:00", "acompletion", SUPPORT, "gpt-4o", "gpt-4o", 9.0, 10, 10),
    _row("r16", "2026-11-05 10:00:00", "acompletion", "", "gpt-4o", "", 0.0, 30, failed=True),
]  # fmt: skip


def _team(team_id, alias, created, **over):
    return {"team_id": team_id, "team_alias": alias, "admins": "[]", "members": "[]", "metadata": "{}",
            "models": "[]", "spend": 0.0, "blocked": "false", "created_at": created} | over  # fmt: skip


ROWS = {
    "LiteLLM_SpendLogs": SPEND_LOGS,
    "LiteLLM_TeamTable": [
        _team(SUPPORT, "Support", "2026-05-01 00:00:00", max_budget=100.0, budget_duration="30d"),
        _team(SEARCH, "Search", "2026-10-20 00:00:00"),
    ],
    "LiteLLM_DeletedTeamTable": [
        _team(GROWTH, "Growth", "2026-01-01 00:00:00", id="d1", deleted_at="2026-11-10 00:00:00"),
        _team(SUPPORT, "Support (old)", "2025-01-01 00:00:00", id="d2", deleted_at="2026-04-01 00:00:00"),
    ],
    "LiteLLM_AgentsTable": [
        {"agent_id": RESEARCHER, "agent_name": "Researcher", "agent_card_params": "{}", "created_at": "2026-09-01"}
    ],
    "LiteLLM_ProjectTable": [
        {"project_id": CHECKOUT, "project_alias": "Checkout", "team_id": SEARCH, "models": "[]",
         "metadata": "{}", "created_at": "2026-09-01 00:00:00", "created_by": "a", "updated_by": "a"},
    ],
}  # fmt: skip
NAMES = {SUPPORT: "Support", SEARCH: "Search", GROWTH: "Growth", "no-team": "No team"}

# by hand, from the table in the docstring: (month, zone) -> expected parts of the report
EXPECTED = {
    ("2026-10", "UTC"): {
        # r1..r9; tokens 400+200+100+500+30+0+300+150 = 1680 (r6's cache hit counts its 30; r5 failed:
        # its 40 estimated prompt tokens are left out); failed: r5; models gpt-4o,
        # text-embedding-3-small, gpt-4o-mini, claude-sonnet (r7's a2a_agent/... is an agent);
        # conversations c1 and s-h
        "kpis": dict(total_requests=9, total_tokens=1680, unique_models=4, active_projects=4, total_projects=4,
                     total_conversations=2, total_cost=1.21, failed_requests=1, error_rate=1 / 9),
        "services": [("text_generation", 1.15), ("agent", 0.05), ("embedding", 0.01)],
        "projects": [(SUPPORT, 0.7), (GROWTH, 0.45), (SEARCH, 0.05), ("no-team", 0.01)],
        "agents": [("concierge", "Concierge", SUPPORT, 1, 2, 0.3), ("agent-sql", "sql", GROWTH, 1, 1, 0.3),
                   (RESEARCHER, "Researcher", SEARCH, 0, 1, 0.05)],
        "days": {("2026-10-01", "text_generation"): 0.4, ("2026-10-05", "text_generation"): 0.3,
                 ("2026-10-10", "embedding"): 0.01, ("2026-10-20", "agent"): 0.05,
                 ("2026-10-21", "text_generation"): 0.3, ("2026-10-31", "text_generation"): 0.15},
        # text_generation's card: r1 r2 r3 r5 r6 r8 r9; the failure and the cache hit one item each
        "text_usage": {("input_tokens", "token"): 750, ("output_tokens", "token"): 400,
                       ("failed_requests", "request"): 1, ("cache_hits", "request"): 1},
        "text_requests": 7,
    },
    ("2026-10", NY): {
        # r1 is Sep 30 in New York, r10 (Nov 1 03:00 UTC) Oct 31: tokens 1680 - r1 400 + r10 0 = 1280
        "kpis": dict(total_requests=9, total_tokens=1280, unique_models=5, active_projects=4, total_projects=4,
                     total_conversations=2, total_cost=0.87, failed_requests=1, error_rate=1 / 9),
        "services": [("text_generation", 0.75), ("speech_to_text", 0.06), ("agent", 0.05), ("embedding", 0.01)],
        "projects": [(GROWTH, 0.45), (SUPPORT, 0.3), ("no-team", 0.07), (SEARCH, 0.05)],
        "agents": [("concierge", "Concierge", SUPPORT, 1, 2, 0.3), ("agent-sql", "sql", GROWTH, 1, 1, 0.3),
                   (RESEARCHER, "Researcher", SEARCH, 0, 1, 0.05)],
        "days": {("2026-10-05", "text_generation"): 0.3, ("2026-10-10", "embedding"): 0.01,
                 ("2026-10-20", "agent"): 0.05, ("2026-10-21", "text_generation"): 0.3,
                 ("2026-10-31", "text_generation"): 0.15, ("2026-10-31", "speech_to_text"): 0.06},
        "text_usage": {("input_tokens", "token"): 450, ("output_tokens", "token"): 300,
                       ("failed_requests", "request"): 1, ("cache_hits", "request"): 1},
        "text_requests": 6,
    },
    ("2026-11", "UTC"): {
        # r10..r14 and r16 (r15 is after now); Growth, deleted Nov 10, existed in November;
        # tokens r11 1200 + r13 100 = 1300 (r16 failed: its 30 left out); failed: r16
        "kpis": dict(total_requests=6, total_tokens=1300, unique_models=4, active_projects=3, total_projects=4,
                     total_conversations=1, total_cost=0.61, failed_requests=1, error_rate=1 / 6),
        "services": [("text_generation", 0.5), ("speech_to_text", 0.06), ("text_to_speech", 0.03), ("other", 0.02),
                     ("pass_through", 0.0)],
        "projects": [(SEARCH, 0.5), ("no-team", 0.08), (SUPPORT, 0.03)],
        "agents": [("concierge", "Concierge", SUPPORT, 0, 1, 0.03)],
        "days": {("2026-11-01", "speech_to_text"): 0.06, ("2026-11-03", "text_generation"): 0.5,
                 ("2026-11-04", "text_to_speech"): 0.03, ("2026-11-12", "other"): 0.02},
        "text_usage": {("input_tokens", "token"): 1000, ("output_tokens", "token"): 200,
                       ("failed_requests", "request"): 1},
        "text_requests": 2,
    },
    ("2026-11", NY): {
        # r10 is Oct 31 in New York (no tokens): tokens still r11 1200 + r13 100 = 1300; failed: r16 (Nov 5)
        "kpis": dict(total_requests=5, total_tokens=1300, unique_models=3, active_projects=3, total_projects=4,
                     total_conversations=1, total_cost=0.55, failed_requests=1, error_rate=1 / 5),
        "services": [("text_generation", 0.5), ("text_to_speech", 0.03), ("other", 0.02), ("pass_through", 0.0)],
        "projects": [(SEARCH, 0.5), (SUPPORT, 0.03), ("no-team", 0.02)],
        "agents": [("concierge", "Concierge", SUPPORT, 0, 1, 0.03)],
        "days": {("2026-11-03", "text_generation"): 0.5, ("2026-11-04", "text_to_speech"): 0.03,
                 ("2026-11-12", "other"): 0.02},
        "text_usage": {("input_tokens", "token"): 1000, ("output_tokens", "token"): 200,
                       ("failed_requests", "request"): 1},
        "text_requests": 2,
    },
}  # fmt: skip
CASES = list(EXPECTED)


@pytest.fixture(scope="module")
def hand_duckdb(tmp_path_factory) -> str:
    return f"duckdb://{build_duckdb(tmp_path_factory.mktemp('litellm-hand') / 'hand.duckdb', rows=ROWS)}"


@pytest.fixture(scope="module")
def older_duckdb(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("litellm-older") / "older.duckdb"
    return f"duckdb://{build_duckdb(path, rows=ROWS, older=True)}"


def _postgres(server, database: str, older: bool = False) -> str:
    from pg import READER

    with server.admin() as con:
        con.execute(f'CREATE DATABASE "{database}"')
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER[0]]).fetchone():
            con.execute(f"CREATE ROLE {READER[0]} LOGIN PASSWORD '{READER[1]}'")
    with server.admin(database) as con:
        load_postgres(con, rows=ROWS, older=older)
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER[0]}")
    return server.url(database)


@pytest.fixture(scope="module")
def hand_postgres(postgres_server) -> str:
    return _postgres(postgres_server, "litellm_hand")


@pytest.fixture(scope="module")
def older_postgres(postgres_server) -> str:
    return _postgres(postgres_server, "litellm_older", older=True)


def _report(run_cli, source: str, month: str, zone: str, options: str = "") -> dict:
    return report_runner(run_cli, f"mapping:litellm?{options}source={source}")(month=month, timezone=zone, now=NOW)


def _check(got: dict, expected: dict, names: dict = NAMES) -> None:
    assert got["kpis"] == pytest.approx(expected["kpis"], abs=1e-9)
    assert [(r["service_type"], pytest.approx(r["cost"], abs=1e-9)) for r in got["cost_by_service_type"]] == [
        (s, c) for s, c in expected["services"]
    ]
    assert [
        (s["project_id"], s["name"], pytest.approx(s["cost"], abs=1e-9)) for s in got["cost_by_project"]["slices"]
    ] == [(p, names.get(p, p), c) for p, c in expected["projects"]]
    assert [
        (a["agent_id"], a["name"], a["project_id"], a["project_name"], a["conversations"], a["requests"], a["cost"])
        for a in got["top_agents"]
    ] == [
        (a, n, p, names.get(p, p), conv, req, pytest.approx(c, abs=1e-9))
        for a, n, p, conv, req, c in expected["agents"]
    ]
    days = {(r["date"], r["service_type"]): r["cost"] for r in got["daily_cost_by_service_type"] if r["cost"]}
    assert days == pytest.approx(expected["days"], abs=1e-9)
    (text,) = [card for card in got["service_types"] if card["service_type"] == "text_generation"]
    usage: dict = {}
    for r in text["daily_usage"]:
        usage[r["pricing_rule"], r["unit"]] = usage.get((r["pricing_rule"], r["unit"]), 0) + r["quantity"]
    assert {k: v for k, v in usage.items() if v} == expected["text_usage"]
    assert sum(r["requests"] for r in text["daily_requests"]) == expected["text_requests"]


@pytest.mark.parametrize("month, zone", CASES, ids=[f"{m}-{z}" for m, z in CASES])
def test_the_report_computed_by_hand_duckdb(run_cli, hand_duckdb, month, zone):
    _check(_report(run_cli, hand_duckdb, month, zone), EXPECTED[month, zone])


@pytest.mark.parametrize("month, zone", CASES, ids=[f"{m}-{z}" for m, z in CASES])
def test_the_report_computed_by_hand_postgres(run_cli, hand_postgres, hand_duckdb, month, zone):
    got = _report(run_cli, hand_postgres, month, zone)
    _check(got, EXPECTED[month, zone])
    assert_same_report(got, _report(run_cli, hand_duckdb, month, zone))


def test_requests_as_litellm_logged_them(hand_duckdb):
    wh = connect(f"mapping:litellm?source={hand_duckdb}")
    try:
        requests = wh.execute(wh.usage_requests).set_index("request_id")
        projects = wh.execute(wh.projects).set_index("project_id")
        agents = wh.execute(wh.agents).set_index("agent_id")
    finally:
        wh.close()
    status = requests["status"].to_dict()
    assert status["r5"] == status["r16"] == "error" and status["chatcmpl-r6_cache_hit1792076400.123"] == "cache_hit"
    assert {s for r, s in status.items() if r not in ("r5", "r16", "chatcmpl-r6_cache_hit1792076400.123")} == {
        "success"
    }
    # one public model, three deployments; an agent-to-agent call and a pass-through have no model
    assert set(requests.loc[["r1", "r2", "r3", "r11"], "model"]) == {"gpt-4o"}
    assert requests.loc[["r7", "r14"], "model"].isna().all()
    assert requests.loc["r13", "service_type"] == "other" and requests.loc["r14", "service_type"] == "pass_through"
    # only conversations a client set: c1, c2 (spend_logs_metadata) and the session shared by r8 and r9
    assert requests["conversation_id"].dropna().to_dict() == {
        "r2": "c1",
        "r3": "c1",
        "r8": "s-h",
        "r9": "s-h",
        "r11": "c2",
    }
    assert projects.loc[GROWTH, "name"] == "Growth" and projects.loc[SUPPORT, "name"] == "Support"
    assert str(projects.loc[GROWTH, "archived_at"]) == "2026-11-10 00:00:00" and projects.index.is_unique
    assert projects.loc["no-team", "name"] == "No team"
    assert str(projects.loc["no-team", "created_at"]) == "2026-10-10 12:00:00"  # its first call
    assert projects.loc[SUPPORT, "monthly_budget"] == 100.0
    assert agents["name"].to_dict() == {"concierge": "Concierge", "agent-sql": "sql", RESEARCHER: "Researcher"}


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_litellm_projects_instead_of_teams(request, run_cli, backend, hand_duckdb):
    source = hand_duckdb if backend == "duckdb" else request.getfixturevalue("hand_postgres")
    got = _report(run_cli, source, "2026-11", "UTC", options="project=litellm_project&")
    # r11 and r14 were made with keys of the project Checkout; the others with keys outside any
    assert got["kpis"]["active_projects"] == 2 and got["kpis"]["total_projects"] == 2
    assert [(s["project_id"], s["name"], pytest.approx(s["cost"])) for s in got["cost_by_project"]["slices"]] == [
        (CHECKOUT, "Checkout", 0.5),
        ("no-project", "No project", 0.11),
    ]
    assert got["top_agents"][0]["project_id"] == "no-project"


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_an_older_database_opens(request, run_cli, backend):
    """LiteLLM before about May 2025: no status, session_id or agent_id column, no deleted-teams,
    agents or projects table. Failures are read from metadata.status; a conversation is only one
    the client set; a deleted team shows as its id."""
    source = request.getfixturevalue(f"older_{backend}")
    october = _report(run_cli, source, "2026-10", "UTC")
    expected = EXPECTED["2026-10", "UTC"]
    assert october["kpis"] == pytest.approx(expected["kpis"] | {"total_conversations": 1}, abs=1e-9)  # c1
    names = {k: v for k, v in NAMES.items() if k != GROWTH}
    assert [(s["project_id"], s["name"]) for s in october["cost_by_project"]["slices"]] == [
        (p, names.get(p, p)) for p, _ in expected["projects"]
    ]
    # r7 came from no agent column: it is nobody's; agent-sql's session is not a conversation
    assert [(a["agent_id"], a["conversations"]) for a in october["top_agents"]] == [("concierge", 1), ("agent-sql", 0)]
    card = {c["service_type"]: c for c in october["service_types"]}["text_generation"]
    assert sum(r["quantity"] for r in card["daily_usage"] if r["pricing_rule"] == "failed_requests") == 1
    november = _report(run_cli, source, "2026-11", "UTC")
    # Growth (no longer in any table, no call in November) is not a project of November
    assert november["kpis"]["total_projects"] == 3
