"""Writes the synthetic LiteLLM sample (one CSV per LiteLLM table) next to this file.

The rows imitate what a LiteLLM proxy stores (SOURCES.md names the LiteLLM files they follow):
``LiteLLM_SpendLogs`` rows as ``get_logging_payload`` builds them (the JSON ``metadata`` holding
only ``SpendLogsMetadata`` keys, ``team_id`` "" without a team, failures with spend 0, start = end
and an estimated prompt, cache hits with ``cache_hit`` "True" and spend 0, agent-to-agent calls
with ``agent_id`` and model ``a2a_agent/<name>``, ``model_group`` beside the deployment's
``model``, ``session_id`` a fresh id per call unless the client set one), teams, a deleted team,
agents and LiteLLM projects. Seeded: running it again gives the same files. Nothing here is real
traffic. JSON and array columns are written as JSON text.

    python data_connectors/adapters/samples/litellm/generate.py
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2026, 10, 1)
END = datetime(2026, 11, 25)  # exclusive: Oct 1 .. Nov 24
ROWS = 340

SPEND_LOG_COLUMNS = [
    "request_id",
    "call_type",
    "api_key",
    "spend",
    "total_tokens",
    "prompt_tokens",
    "completion_tokens",
    "startTime",
    "endTime",
    "request_duration_ms",
    "completionStartTime",
    "model",
    "model_id",
    "model_group",
    "custom_llm_provider",
    "api_base",
    "user",
    "metadata",
    "cache_hit",
    "cache_key",
    "request_tags",
    "team_id",
    "organization_id",
    "end_user",
    "requester_ip_address",
    "messages",
    "response",
    "session_id",
    "status",
    "mcp_namespaced_tool_name",
    "agent_id",
    "proxy_server_request",
]
TEAM_COLUMNS = [
    "team_id",
    "team_alias",
    "organization_id",
    "admins",
    "members",
    "metadata",
    "max_budget",
    "spend",
    "models",
    "budget_duration",
    "budget_reset_at",
    "blocked",
    "created_at",
    "updated_at",
]
DELETED_TEAM_COLUMNS = ["id", *TEAM_COLUMNS, "deleted_at", "deleted_by"]
AGENT_COLUMNS = [
    "agent_id",
    "agent_name",
    "litellm_params",
    "agent_card_params",
    "spend",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
]
PROJECT_COLUMNS = [
    "project_id",
    "project_alias",
    "description",
    "team_id",
    "metadata",
    "models",
    "spend",
    "blocked",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
]

# (alias, max_budget, budget_duration, created_at, weight of its traffic)
TEAMS = [
    ("Search & Ranking", 400.0, "30d", datetime(2026, 3, 2, 9, 30), 5),
    ('<b>Support</b> "Bot" & <Co>', 250.0, "1mo", datetime(2026, 5, 14, 16, 5), 6),
    ("Data Platform", 1200.0, "7d", datetime(2026, 1, 20, 11, 0), 3),
    ("Marketing Studio", None, None, datetime(2026, 9, 1, 8, 0), 2),
    (None, 80.0, "30d", datetime(2026, 10, 15, 10, 0), 1),  # no alias: shown by its id
    ("Legal review", 100.0, "30d", datetime(2026, 2, 1, 9, 0), 0),  # a team without traffic
]
NO_TEAM_WEIGHT = 2  # virtual keys outside any team
DELETED = (
    "Growth experiments",
    datetime(2026, 4, 1, 9, 0),
    datetime(2026, 11, 10, 12, 0),
    2,
)  # alias, created, deleted
# LiteLLM projects: (alias, index of its team in TEAMS or None)
PROJECTS = [("Checkout assistant", 1), ("Search relevance", 0), ("Internal tools", None)]

# public model name (model_group) -> its deployments (custom_llm_provider, model as logged)
GROUPS = {
    "gpt-4o": [("openai", "gpt-4o"), ("openai", "gpt-4o-2024-08-06"), ("azure", "azure/gpt-4o-eu")],
    "gpt-4o-mini": [("openai", "gpt-4o-mini")],
    "claude-sonnet": [
        ("anthropic", "claude-3-5-sonnet-20241022"),
        ("bedrock", "bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ],
    "text-embedding-3-small": [("openai", "text-embedding-3-small")],
    "whisper": [("openai", "whisper-1")],
    "tts": [("openai", "tts-1")],
    "gpt-image-1": [("openai", "gpt-image-1")],
    "rerank-english": [("cohere", "cohere/rerank-english-v3.0")],
}
# (call_type, model_group, weight)
CALLS = [
    ("acompletion", "gpt-4o", 28),
    ("acompletion", "gpt-4o-mini", 22),
    ("completion", "claude-sonnet", 9),
    ("aresponses", "gpt-4o", 5),
    ("anthropic_messages", "claude-sonnet", 4),
    ("aembedding", "text-embedding-3-small", 10),
    ("embedding", "text-embedding-3-small", 3),
    ("atranscription", "whisper", 5),
    ("aspeech", "tts", 4),
    ("aimage_generation", "gpt-image-1", 2),
    ("arerank", "rerank-english", 2),
    ("pass_through_endpoint", "", 1),
    ("acreate_widget_summary", "gpt-4o-mini", 1),  # a call type this mapping does not know
]
CHAT = ("acompletion", "completion", "aresponses", "anthropic_messages")
PRICES = {  # per token: (input, output)
    "gpt-4o": (2.5e-6, 10e-6),
    "gpt-4o-mini": (0.15e-6, 0.6e-6),
    "claude-sonnet": (3e-6, 15e-6),
    "text-embedding-3-small": (0.02e-6, 0.0),
    "rerank-english": (0.0, 0.0),
}
# client agents named in metadata.spend_logs_metadata: (agent_id, agent_name or None, team index)
CLIENT_AGENTS = [("concierge", "Concierge <beta>", 1), ("ticket-triage", None, 1)]
# per-agent virtual keys: (key alias, team index or None, project index or None)
AGENT_KEYS = [("agent-sql-helper", 2, None), ("agent-invoice-bot", None, 2)]
# agents on the proxy (LiteLLM_AgentsTable), called agent-to-agent: (name, cost per query, team index)
A2A_AGENTS = [("Research agent", 0.002, 0), ("Travel planner", 0.0, 3)]
ERRORS = [
    {"error_code": "429", "error_class": "RateLimitError", "llm_provider": "openai"},
    {"error_code": "400", "error_class": "BadRequestError", "llm_provider": "anthropic"},
    {"error_code": "500", "error_class": "InternalServerError", "llm_provider": "azure"},
]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ts(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _team_row(rng, team_id, alias, budget, duration, created) -> dict:
    return {
        "team_id": team_id,
        "team_alias": alias,
        "organization_id": None,
        "admins": json.dumps([f"user-{_hex(rng, 6)}"]),
        "members": json.dumps([f"user-{_hex(rng, 6)}" for _ in range(rng.randint(1, 4))]),
        "metadata": json.dumps({"cost_center": f"CC-{rng.randint(100, 999)}"}),
        "max_budget": budget,
        "spend": 0.0,
        "models": json.dumps(["gpt-4o", "gpt-4o-mini"]),
        "budget_duration": duration,
        "budget_reset_at": _ts(datetime(2026, 12, 1) if duration else None),
        "blocked": "false",
        "created_at": _ts(created),
        "updated_at": _ts(created + timedelta(days=3)),
    }


def _teams(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """LiteLLM_TeamTable and LiteLLM_DeletedTeamTable rows."""
    teams = [_team_row(rng, _uuid(rng), alias, b, d, c) for alias, b, d, c, _ in TEAMS]
    alias, created, deleted_at, _ = DELETED
    gone = _team_row(rng, _uuid(rng), alias, 150.0, "30d", created)
    # a team deleted once and created again with the same id: the live row names it
    again = _team_row(rng, teams[2]["team_id"], "Data Platform (old)", None, None, datetime(2025, 6, 1))
    deleted = [
        {"id": _uuid(rng), **row, "deleted_at": _ts(when), "deleted_by": "admin"}
        for row, when in ((gone, deleted_at), (again, datetime(2026, 1, 19, 17, 0)))
    ]
    return teams, deleted


def _agents(rng: random.Random) -> list[dict]:
    rows = []
    for name, cost, _ in A2A_AGENTS:
        created = datetime(2026, 8, 1) + timedelta(days=rng.randint(0, 40))
        rows.append(
            {
                "agent_id": _uuid(rng),
                "agent_name": name,
                "litellm_params": json.dumps({"cost_per_query": cost}),
                "agent_card_params": json.dumps({"name": name, "url": f"https://agents.internal/{_hex(rng, 6)}"}),
                "spend": 0.0,
                "created_at": _ts(created),
                "created_by": "admin",
                "updated_at": _ts(created),
                "updated_by": "admin",
            }
        )
    return rows


def _projects(rng: random.Random, teams: list[dict]) -> list[dict]:
    rows = []
    for alias, team in PROJECTS:
        created = datetime(2026, 9, 15) + timedelta(days=rng.randint(0, 20))
        rows.append(
            {
                "project_id": _uuid(rng),
                "project_alias": alias,
                "description": None,
                "team_id": None if team is None else teams[team]["team_id"],
                "metadata": "{}",
                "models": json.dumps([]),
                "spend": 0.0,
                "blocked": "false",
                "created_at": _ts(created),
                "created_by": "admin",
                "updated_at": _ts(created),
                "updated_by": "admin",
            }
        )
    return rows


def _usage(rng: random.Random, call_type: str, group: str) -> tuple[int, int, float]:
    """(prompt_tokens, completion_tokens, spend) of a successful call."""
    if call_type == "atranscription":
        return 0, 0, round(rng.uniform(5, 600) * 0.0001, 6)  # $0.006 per minute of audio
    if call_type == "aspeech":
        return 0, 0, round(rng.randint(50, 4000) * 15e-6, 6)  # $15 per million characters
    if call_type == "aimage_generation":
        return 0, 0, 0.04
    if call_type == "arerank":
        return 0, 0, 0.002  # per search
    if call_type == "pass_through_endpoint":
        return 0, 0, 0.0
    prompt = rng.randint(8, 4000)
    completion = 0 if "embedding" in call_type else rng.choice([0] + [rng.randint(5, 1500)] * 9)
    price_in, price_out = PRICES[group]
    return prompt, completion, prompt * price_in + completion * price_out


class _Keys:
    """Virtual keys: (hashed token, alias, team id or "", project (id, alias) or None)."""

    def __init__(self, rng: random.Random, teams: list[dict], deleted_team: str, projects: list[dict]):
        self.rng = rng
        self.by_owner: dict = {}
        for i, team in enumerate(teams):
            self.by_owner[i] = self._key(team["team_id"], f"{(TEAMS[i][0] or 'team').split()[0].lower()}-prod", None)
        self.by_owner["none"] = self._key("", "personal-dev", None)
        self.by_owner["deleted"] = self._key(deleted_team, "growth-prod", None)
        for (alias, team), project in zip(PROJECTS, projects):
            team_id = "" if team is None else teams[team]["team_id"]
            self.by_owner["project", alias] = self._key(team_id, f"{alias.split()[0].lower()}-key", project)
        for alias, team, project in AGENT_KEYS:
            team_id = "" if team is None else teams[team]["team_id"]
            self.by_owner["agent", alias] = self._key(team_id, alias, None if project is None else projects[project])

    def _key(self, team_id: str, alias: str, project: dict | None) -> tuple:
        token = hashlib.sha256(f"sk-{_hex(self.rng, 24)}".encode()).hexdigest()
        return token, alias, team_id, None if project is None else (project["project_id"], project["project_alias"])


def _metadata(key: tuple, team_alias, user: str, ip: str, extra: dict, status: str, error) -> dict:
    """``SpendLogsMetadata`` as _get_spend_logs_metadata fills it (keys of the request's metadata, then
    the ones it always sets)."""
    token, alias, team_id, project = key
    data = {
        "additional_usage_values": {},
        "user_api_key": token,
        "user_api_key_alias": alias,
        "user_api_key_team_id": team_id or None,
    }
    if project is not None:  # newer LiteLLM, keys of a project
        data["user_api_key_project_id"], data["user_api_key_project_alias"] = project
    data |= {
        "user_api_key_org_id": None,
        "user_api_key_user_id": user,
        "user_api_key_team_alias": team_alias,
        "spend_logs_metadata": extra or None,
        "requester_ip_address": ip,
        "applied_guardrails": [],
        "mcp_tool_call_metadata": None,
        "vector_store_request_metadata": None,
        "guardrail_information": None,
        "status": status,
        "proxy_server_request": None,
        "batch_models": None,
        "error_information": error,
        "usage_object": None,
        "model_map_information": None,
        "cold_storage_object_key": None,
        "litellm_overhead_time_ms": None,
        "cost_breakdown": None,
    }
    return data


def _spend_logs(rng: random.Random, teams: list[dict], deleted: list[dict], agents: list[dict], projects) -> list:
    deleted_team = deleted[0]["team_id"]
    keys = _Keys(rng, teams, deleted_team, projects)
    alias_of = {t["team_id"]: t["team_alias"] for t in teams} | {deleted_team: DELETED[0]}
    # (key, weight, from, until): a team has traffic only while it exists
    owners = [(keys.by_owner[i], spec[4], spec[3], END) for i, spec in enumerate(TEAMS) if spec[4]]
    owners += [(keys.by_owner["none"], NO_TEAM_WEIGHT, START, END), (keys.by_owner["deleted"], 2, START, DELETED[2])]
    owners += [(keys.by_owner["project", alias], 2, datetime(2026, 10, 12), END) for alias, _ in PROJECTS]
    owners += [(keys.by_owner["agent", alias], 1, START, END) for alias, *_ in AGENT_KEYS]
    span = (END - START).total_seconds()
    sessions: list[tuple[str, tuple]] = []  # client sessions (litellm_session_id): (id, key)
    conversations: list[tuple[str, tuple, tuple]] = []  # spend_logs_metadata conversations: (id, agent, key)
    rows = []
    for i in range(ROWS):
        if i == 0:  # the month boundary, to the millisecond
            start = datetime(2026, 10, 31, 23, 59, 59, 999000)
        elif i == 1:
            start = datetime(2026, 11, 1)
        else:
            start = START + timedelta(seconds=rng.uniform(0, span))
            start = start.replace(microsecond=start.microsecond // 1000 * 1000)
        live = [o for o in owners if o[2] <= start < o[3]]
        key = rng.choices(live, weights=[o[1] for o in live])[0][0]
        call_type, group, _ = rng.choices(CALLS, weights=[c[2] for c in CALLS])[0]
        extra: dict = {}
        session = None
        agent_id = None
        roll = rng.random()
        if call_type in CHAT and roll < 0.25:  # a client agent's conversation (spend_logs_metadata)
            open_ = [c for c in conversations if rng.random() < 0.7]
            if open_ and rng.random() < 0.6:
                conversation, agent, key = rng.choice(open_)
            else:
                agent = rng.choice(CLIENT_AGENTS)
                key = keys.by_owner[agent[2]]
                conversation = f"conv-{_hex(rng, 10)}"
                conversations.append((conversation, agent, key))
            extra = {"agent_id": agent[0], "conversation_id": conversation}
            if agent[1]:
                extra["agent_name"] = agent[1]
        elif call_type in CHAT and roll < 0.45:  # a chat app passing litellm_session_id
            if sessions and rng.random() < 0.65:
                session, key = rng.choice(sessions)
            else:
                session = _uuid(rng)
                sessions.append((session, key))
        elif roll > 0.96:  # an agent-to-agent call through the proxy
            agent_row, (name, cost, team) = rng.choice(list(zip(agents, A2A_AGENTS)))
            call_type, group, agent_id = "asend_message", "", agent_row["agent_id"]
            key = keys.by_owner[team]
        token, key_alias, team_id, project = key
        failed = call_type != "asend_message" and rng.random() < 0.06
        cache_hit = not failed and call_type == "acompletion" and rng.random() < 0.06
        if call_type == "asend_message":
            provider, model = "a2a_agent", f"a2a_agent/{name}"
            prompt, completion, spend = 0, 0, cost
        else:
            provider, model = rng.choice(GROUPS[group]) if group else ("openai", "")
            prompt, completion, spend = _usage(rng, call_type, group)
        if call_type == "pass_through_endpoint":
            model = ""
        duration = rng.randint(40, 9000)
        request_id = f"chatcmpl-{_uuid(rng)}" if call_type in CHAT else _uuid(rng)
        error = None
        if failed:  # since 2026-08 LiteLLM logs an estimate of the prompt's tokens on failures
            completion, spend, duration = 0, 0.0, 0
            prompt = rng.randint(10, 3000) if group in PRICES else 0
            request_id = _uuid(rng)  # the litellm_call_id
            error = dict(rng.choice(ERRORS), error_message="synthetic error")
        if cache_hit:
            spend = 0.0
            request_id = f"{request_id}_cache_hit{1790000000 + i}.{rng.randint(100000, 999999)}"
        user = f"user-{rng.randint(1, 40):03d}"
        ip = f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 254)}"
        status = "failure" if failed else "success"
        metadata = _metadata(key, alias_of.get(team_id), user, ip, extra, status, error)
        end = start + timedelta(milliseconds=duration)
        rows.append(
            {
                "request_id": request_id,
                "call_type": call_type,
                "api_key": token,
                "spend": spend,
                "total_tokens": prompt + completion,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "startTime": _ts(start),
                "endTime": _ts(end),
                "request_duration_ms": duration,
                "completionStartTime": _ts(start + timedelta(milliseconds=duration // 3)),
                "model": model,
                "model_id": hashlib.sha256(model.encode()).hexdigest()[:32] if model else "",
                "model_group": group,
                "custom_llm_provider": provider,
                "api_base": "" if provider == "a2a_agent" else f"https://api.{provider}.example/v1",
                "user": user,
                "metadata": json.dumps(metadata),
                "cache_hit": str(cache_hit),
                "cache_key": _hex(rng, 64) if cache_hit else "Cache OFF",
                "request_tags": json.dumps(rng.choice([[], ["prod"], ["prod", "batch"], ["staging"]])),
                "team_id": team_id,
                "organization_id": "",
                "end_user": f"customer-{rng.randint(1, 30)}" if rng.random() < 0.3 else "",
                "requester_ip_address": ip,
                "messages": "{}",
                "response": "{}",
                # the trace id: the client's litellm_session_id, else a fresh id for this call
                "session_id": session or _uuid(rng),
                "status": status,
                "mcp_namespaced_tool_name": None,
                "agent_id": agent_id,
                "proxy_server_request": "{}",
            }
        )
    rows.sort(key=lambda r: r["startTime"])
    return rows


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(20261001)
    teams, deleted = _teams(rng)
    agents = _agents(rng)
    projects = _projects(rng, teams)
    logs = _spend_logs(rng, teams, deleted, agents, projects)
    for team in teams + deleted[:1]:
        team["spend"] = sum(row["spend"] for row in logs if row["team_id"] == team["team_id"])
    _write(HERE / "teams.csv", TEAM_COLUMNS, teams)
    _write(HERE / "deleted_teams.csv", DELETED_TEAM_COLUMNS, deleted)
    _write(HERE / "agents.csv", AGENT_COLUMNS, agents)
    _write(HERE / "projects.csv", PROJECT_COLUMNS, projects)
    _write(HERE / "spend_logs.csv", SPEND_LOG_COLUMNS, logs)


if __name__ == "__main__":
    main()
