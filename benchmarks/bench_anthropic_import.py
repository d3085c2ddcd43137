"""`org-analytics import anthropic` at the scale of a busy organisation: time and peak RSS.

    python benchmarks/bench_anthropic_import.py [--scales 1 10] [--keep DIR] [--root CHECKOUT] [--label TEXT]

Scale 1 is a realistic two-month export (2026-10-01 .. 2026-11-29) of a busy organisation, as the
Admin API pages it: the usage report in ``1h`` buckets (a day of 24 buckets a page, ``has_more`` /
``next_page``) grouped by ``workspace_id``, ``model`` and ``service_tier``, for 40 workspaces and
the default one, three models (each workspace uses a model in about 85 % of the hours; a fifth of
the rows have a ``batch`` twin), so about 150k (hour, workspace, model) groups, the importer's
request rows, and 600k items; the cost report in daily buckets grouped by ``workspace_id`` and
``description`` (one result per workspace, model, tier and token type, in cents as decimal
strings, plus web search and code execution); the Workspaces list. Scale k is k times the
workspaces: k times the results, the groups and the bytes (an export's size is its groups here,
unlike OpenAI's, whose requests are counts).

Run as the OpenAI benchmark is (``bench_openai_import.measure``: the command in a fresh process,
its wall time and its own peak RSS). Appends one table per run to benchmarks/RESULTS-import.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from pathlib import Path

from bench_openai_import import DAY, DAYS, HERE, START, main

WORKSPACES = 40  # at scale 1, besides the default workspace
MODELS = {  # model -> cents per million tokens: uncached input, cache read, cache write 5m and 1h, output
    "claude-sonnet-4-5-20250929": (300, 30, 375, 600, 1500),
    "claude-haiku-4-5-20251001": (100, 10, 125, 200, 500),
    "claude-opus-4-1-20250805": (1500, 150, 1875, 3000, 7500),
}
TOKEN_TYPES = (
    "uncached_input_tokens",
    "cache_read_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "output_tokens",
)


def _iso(instant: int) -> str:
    return f"{_day_text(instant)}T{(instant % DAY) // 3600:02d}:00:00Z"


def _day_text(instant: int) -> str:
    return dt.datetime.fromtimestamp(instant, dt.UTC).strftime("%Y-%m-%d")


def _usage(rng: random.Random, workspace: str | None, model: str, tier: str, scale_down: int = 1) -> dict:
    uncached = rng.randint(20_000, 400_000) // scale_down
    return {
        "uncached_input_tokens": uncached,
        "cache_creation": {
            "ephemeral_1h_input_tokens": rng.randint(0, 20_000) // scale_down,
            "ephemeral_5m_input_tokens": rng.randint(0, 60_000) // scale_down,
        },
        "cache_read_input_tokens": uncached * rng.randint(0, 6) // scale_down,
        "output_tokens": rng.randint(5_000, 80_000) // scale_down,
        "server_tool_use": {"web_search_requests": rng.randint(0, 3)},
        "api_key_id": None,
        "workspace_id": workspace,
        "model": model,
        "service_tier": tier,
        "context_window": None,
    }


def _tokens(result: dict) -> tuple[int, ...]:
    creation = result["cache_creation"]
    return (
        result["uncached_input_tokens"],
        result["cache_read_input_tokens"],
        creation["ephemeral_5m_input_tokens"],
        creation["ephemeral_1h_input_tokens"],
        result["output_tokens"],
    )


def _cost(cents: float, workspace: str | None, cost_type: str, model=None, tier=None, token_type=None) -> dict:
    return {
        "currency": "USD",
        "amount": f"{cents:.10f}",
        "workspace_id": workspace,
        "description": f"{model or cost_type} {token_type or ''}".strip(),
        "cost_type": cost_type,
        "context_window": "0-200k" if model else None,
        "model": model,
        "service_tier": tier,
        "token_type": token_type,
    }


def generate(folder: Path, scale: int) -> list[str]:
    """The usage report, cost report and Workspaces list of ``scale`` x 40 workspaces; returns the files."""
    rng = random.Random(14)
    workspaces = [f"wrkspc_bench{n:05d}" for n in range(WORKSPACES * scale)]
    usage_path, cost_path, names_path = folder / "usage.jsonl", folder / "costs.jsonl", folder / "workspaces.json"
    with usage_path.open("w", encoding="utf-8") as usage, cost_path.open("w", encoding="utf-8") as costs:
        for d in range(DAYS):
            day = START + d * DAY
            spent: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(TOKEN_TYPES))
            buckets = []
            for hour in range(24):
                start = day + hour * 3600
                results = []
                for workspace in [*workspaces, None]:
                    for model in MODELS:
                        if rng.random() > 0.85:
                            continue
                        tiers = ("standard", "batch") if rng.random() < 0.2 else ("standard",)
                        for tier in tiers:
                            result = _usage(rng, workspace, model, tier, 4 if tier == "batch" else 1)
                            results.append(result)
                            totals = spent[(workspace, model, tier)]
                            for i, n in enumerate(_tokens(result)):
                                totals[i] += n
                buckets.append({"starting_at": _iso(start), "ending_at": _iso(start + 3600), "results": results})
            more = d < DAYS - 1
            page = {"data": buckets, "has_more": more, "next_page": f"page_{d + 1}" if more else None}
            usage.write(json.dumps(page) + "\n")
            results = []
            for (workspace, model, tier), totals in spent.items():
                discount = 0.5 if tier == "batch" else 1.0
                for token_type, n, price in zip(TOKEN_TYPES, totals, MODELS[model]):
                    if n:
                        results.append(_cost(n * price / 1e6 * discount, workspace, "tokens", model, tier, token_type))
            for workspace in [*workspaces, None]:
                results.append(_cost(rng.randint(0, 40) * 1.0, workspace, "web_search"))
                if rng.random() < 0.3:
                    results.append(_cost(rng.randint(1, 20) * 5.0, workspace, "code_execution"))
            bucket = {"starting_at": _iso(day), "ending_at": _iso(day + DAY), "results": results}
            costs.write(json.dumps({"data": [bucket], "has_more": more, "next_page": None}) + "\n")
    listed = [
        {
            "type": "workspace",
            "id": workspace,
            "name": f"Team {n}",
            "created_at": "2025-06-01T00:00:00Z",
            "archived_at": None,
            "display_color": "#6C5BB9",
        }
        for n, workspace in enumerate(workspaces)
    ]
    names_path.write_text(json.dumps({"data": listed, "has_more": False, "first_id": None, "last_id": None}))
    return [str(usage_path), str(cost_path), str(names_path)]


if __name__ == "__main__":
    main("anthropic", generate, HERE / "RESULTS-import.md")
