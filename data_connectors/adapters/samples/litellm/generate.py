"""Writes the synthetic LiteLLM sample (``spend_logs.csv``, ``teams.csv``) next to this file.

The rows imitate what a LiteLLM proxy stores in ``LiteLLM_SpendLogs`` and ``LiteLLM_TeamTable``
(columns as in LiteLLM's ``schema.prisma``; JSON and array columns written as JSON text): seeded,
so running it again gives the same files. Nothing here is real traffic.

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
ROWS = 320

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
DELETED_TEAM_WEIGHT = 1  # a team deleted since: its logs keep its id

# call_type -> (model, provider, weight); prices per token, per second, per character
CALLS = [
    ("acompletion", "gpt-4o", "openai", 30),
    ("acompletion", "gpt-4o-mini", "openai", 25),
    ("completion", "claude-3-5-sonnet-20241022", "anthropic", 10),
    ("aresponses", "gpt-4o", "openai", 5),
    ("aembedding", "text-embedding-3-small", "openai", 12),
    ("embedding", "text-embedding-3-small", "openai", 3),
    ("atranscription", "whisper-1", "openai", 6),
    ("aspeech", "tts-1", "openai", 5),
    ("aimage_generation", "gpt-image-1", "openai", 2),
]
PRICES = {
    "gpt-4o": (2.5e-6, 10e-6),
    "gpt-4o-mini": (0.15e-6, 0.6e-6),
    "claude-3-5-sonnet-20241022": (3e-6, 15e-6),
    "text-embedding-3-small": (0.02e-6, 0.0),
}
# (agent_id, agent_name, index of its team in TEAMS)
AGENTS = [
    ("agent-concierge", "Concierge <beta>", 1),
    ("agent-triage", "Ticket triage", 1),
    ("agent-sql", "SQL helper", 2),
]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _ts(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _teams(rng: random.Random) -> list[dict]:
    rows = []
    for alias, budget, duration, created, _ in TEAMS:
        team_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        rows.append(
            {
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
        )
    return rows


def _usage(rng: random.Random, call_type: str, model: str, failed: bool) -> tuple[int, int, float]:
    """(prompt_tokens, completion_tokens, spend)."""
    if failed:
        return 0, 0, 0.0
    if call_type == "atranscription":
        return 0, 0, round(rng.uniform(5, 600) * 0.0001, 6)  # $0.006 per minute of audio
    if call_type == "aspeech":
        return 0, 0, round(rng.randint(50, 4000) * 15e-6, 6)  # $15 per million characters
    if call_type == "aimage_generation":
        return 0, 0, 0.04
    prompt = rng.randint(8, 4000)
    completion = 0 if "embedding" in call_type else rng.choice([0] + [rng.randint(5, 1500)] * 9)
    price_in, price_out = PRICES[model]
    return prompt, completion, prompt * price_in + completion * price_out


def _spend_logs(rng: random.Random, teams: list[dict]) -> list[dict]:
    # (team_id, team_alias, weight, created_at): a team has traffic only once it exists
    owners = [(t["team_id"], t["team_alias"], spec[4], spec[3]) for t, spec in zip(teams, TEAMS) if spec[4]]
    deleted = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    owners += [(None, None, NO_TEAM_WEIGHT, START), (deleted, None, DELETED_TEAM_WEIGHT, START)]
    keys = {owner[0]: (_hex(rng, 64), f"sk-...{_hex(rng, 4)}") for owner in owners}
    span = (END - START).total_seconds()
    sessions: list[tuple[str, tuple | None, tuple]] = []  # (session_id, agent, owner)
    rows = []
    for i in range(ROWS):
        if i == 0:  # the month boundary, to the millisecond
            start = datetime(2026, 10, 31, 23, 59, 59, 999000)
        elif i == 1:
            start = datetime(2026, 11, 1)
        else:
            start = START + timedelta(seconds=rng.uniform(0, span))
            start = start.replace(microsecond=start.microsecond // 1000 * 1000)
        existing = [o for o in owners if o[3] <= start]
        owner = rng.choices(existing, weights=[o[2] for o in existing])[0]
        call_type, model, provider, _ = rng.choices(CALLS, weights=[c[3] for c in CALLS])[0]
        failed = rng.random() < 0.06
        prompt, completion, spend = _usage(rng, call_type, model, failed)
        cache_hit = not failed and call_type == "acompletion" and rng.random() < 0.05
        if cache_hit:
            spend = 0.0
        chat = call_type in ("acompletion", "completion", "aresponses")
        session, agent = None, None
        if chat and rng.random() < 0.45:  # a conversation: its calls keep its agent and team
            open_sessions = [s for s in sessions if s[2][3] <= start]
            if open_sessions and rng.random() < 0.6:
                session, agent, owner = rng.choice(open_sessions)
            else:
                session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                agent = rng.choice(AGENTS) if rng.random() < 0.6 else None
                if agent:
                    owner = owners[agent[2]]
                sessions.append((session, agent, owner))
        team_id, team_alias, *_ = owner
        requester = {"agent_id": agent[0], "agent_name": agent[1]} if agent and rng.random() < 0.85 else {}
        metadata = {
            "user_api_key_alias": keys[team_id][1],
            "user_api_key_team_id": team_id,
            "user_api_key_team_alias": team_alias,
            "user_api_key_user_id": f"user-{rng.randint(1, 40):03d}",
            "requester_metadata": requester,
            "status": "failure" if failed else "success",
        }
        if agent and not requester:  # older clients put the agent at the top level
            metadata["agent_id"] = agent[0]
        if failed:
            metadata["error_information"] = rng.choice(
                [
                    {"error_code": "429", "error_class": "RateLimitError"},
                    {"error_code": "400", "error_class": "BadRequestError"},
                    {"error_code": "500", "error_class": "InternalServerError"},
                ]
            )
        duration = rng.randint(40, 9000)
        rows.append(
            {
                "request_id": f"chatcmpl-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "call_type": call_type,
                "api_key": keys[team_id][0],
                "spend": spend,
                "total_tokens": prompt + completion,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "startTime": _ts(start),
                "endTime": _ts(start + timedelta(milliseconds=duration)),
                "request_duration_ms": duration,
                "completionStartTime": _ts(
                    start + timedelta(milliseconds=duration // 3) if chat and not failed else None
                ),
                "model": model,
                "model_id": hashlib.sha256(model.encode()).hexdigest()[:32],
                "model_group": model,
                "custom_llm_provider": provider,
                "api_base": "https://api.anthropic.com/v1" if provider == "anthropic" else "https://api.openai.com/v1",
                "user": metadata["user_api_key_user_id"],
                "metadata": json.dumps(metadata),
                "cache_hit": str(cache_hit),
                "cache_key": _hex(rng, 64) if cache_hit else "",
                "request_tags": json.dumps(rng.choice([[], ["prod"], ["prod", "batch"], ["staging"]])),
                "team_id": team_id,
                "organization_id": None,
                "end_user": f"customer-{rng.randint(1, 30)}" if rng.random() < 0.3 else None,
                "requester_ip_address": f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 254)}",
                "messages": "{}",
                "response": "{}",
                "session_id": session,
                "status": "failure" if failed else "success",
                "mcp_namespaced_tool_name": None,
                "agent_id": None,
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
    teams = _teams(rng)
    logs = _spend_logs(rng, teams)
    for team in teams:
        team["spend"] = sum(row["spend"] for row in logs if row["team_id"] == team["team_id"])
    _write(HERE / "teams.csv", TEAM_COLUMNS, teams)
    _write(HERE / "spend_logs.csv", SPEND_LOG_COLUMNS, logs)


if __name__ == "__main__":
    main()
