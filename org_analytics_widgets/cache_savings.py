"""Cache savings (issue 15, item 5): the cached share of input and what the cache saved, shaped in
the kernel from ``metrics.cache_savings.derive_cache_rows`` (docs/data-contract.md, "Cache savings").

Of the models with cached input tokens in the month:

- cached share = cached tokens / (cached + uncached input tokens);
- a model's uncached price = its uncached input cost / its uncached input tokens in the month (all
  projects); the cached tokens would have cost ``cached tokens × that price`` (``uncached_cost``),
  and the saving is that less what they cost (``cached_cost``). A model with no priced uncached
  input in the month has no price to compare with: its cached tokens are counted in
  ``unpriced_cached_tokens`` and in no saving.
"""

from __future__ import annotations

import pandas as pd

from .colors import project_color
from .efficiency import model_name
from .shaping import money, text

COLUMNS = (
    "cached_tokens",
    "input_tokens",
    "cached_share",
    "cached_cost",
    "uncached_cost",
    "saving",
    "unpriced_cached_tokens",
)


def _sums(rows: list[dict]) -> dict:
    """The share and saving of some (project, model) rows, each with its model's ``price``."""
    priced = [r for r in rows if r["price"] is not None]
    cached = money(sum(r["cached_tokens"] for r in rows))
    uncached = money(sum(r["input_tokens"] for r in rows))
    would = money(sum(r["cached_tokens"] * r["price"] for r in priced)) if priced else None
    return {
        "cached_tokens": cached,
        "input_tokens": uncached,
        # quantities, not counts: efficiency.ratio would cut the denominator to an integer
        "cached_share": money(cached / (cached + uncached)) if cached + uncached > 0 else None,
        "cached_cost": money(sum(r["cached_cost"] for r in rows)),
        "uncached_cost": would,
        "saving": money(would - sum(r["cached_cost"] for r in priced)) if priced else None,
        "unpriced_cached_tokens": money(sum(r["cached_tokens"] for r in rows if r["price"] is None)),
    }


def _by_saving(key: str):
    return lambda r: (r["saving"] is None, -(r["saving"] or 0.0), r["name"], text(r[key]) or "")


def savings(rows: pd.DataFrame, projects: pd.DataFrame) -> dict:
    """``{"organization": dict, "projects": DataFrame, "models": DataFrame}`` from the cache rows
    (project_id, model, cached_tokens, cached_cost, input_tokens, input_cost) and the month's
    ``projects`` (project_id, name, color). Projects and models are ordered by saving (largest
    first, none last), then name and id by code point; nothing cached: no rows."""
    records = [
        {
            "project_id": text(r["project_id"]),
            "model": text(r["model"]),
            **{k: float(r[k] or 0.0) for k in ("cached_tokens", "cached_cost", "input_tokens", "input_cost")},
        }
        for r in rows.to_dict("records")
    ]
    by_model: dict = {}
    for r in records:
        by_model.setdefault(r["model"], []).append(r)
    kept = {m: rs for m, rs in by_model.items() if sum(r["cached_tokens"] for r in rs) > 0}
    for rs in kept.values():
        tokens, cost = sum(r["input_tokens"] for r in rs), sum(r["input_cost"] for r in rs)
        for r in rs:
            r["price"] = cost / tokens if tokens > 0 and cost > 0 else None
    used = [r for rs in kept.values() for r in rs]
    info = {text(p): (text(n), text(c)) for p, n, c in zip(projects["project_id"], projects["name"], projects["color"])}
    by_project: dict = {}
    for r in used:
        by_project.setdefault(r["project_id"], []).append(r)
    project_rows = [
        {
            "project_id": p,
            "name": (info.get(p, (None, None))[0]) or p or "",
            "color": project_color(p, info.get(p, (None, None))[1]),
            **_sums(rs),
        }
        for p, rs in by_project.items()
    ]
    model_rows = [{"model": m, "name": model_name(m), **_sums(rs)} for m, rs in kept.items()]
    project_rows.sort(key=_by_saving("project_id"))
    model_rows.sort(key=_by_saving("model"))
    return {  # object columns: a missing saving stays None (never NaN)
        "organization": _sums(used),
        "projects": pd.DataFrame(project_rows, columns=["project_id", "name", "color", *COLUMNS], dtype=object),
        "models": pd.DataFrame(model_rows, columns=["model", "name", *COLUMNS], dtype=object),
    }


def _number(value) -> float | None:
    return None if text(value) is None else money(value)


def report_section(snap) -> dict:
    """The report's ``cache_savings`` of a Snapshot."""
    found = snap.cache_savings or savings(pd.DataFrame(columns=["project_id", "model"]), snap.projects)

    def rows(frame: pd.DataFrame, keys: tuple[str, ...]) -> list[dict]:
        return [
            {**{k: text(r[k]) if k != "name" else str(r[k]) for k in keys}, **{k: _number(r[k]) for k in COLUMNS}}
            for r in frame.to_dict("records")
        ]

    return {
        "organization": dict(found["organization"]),
        "projects": rows(found["projects"], ("project_id", "name")),
        "models": rows(found["models"], ("model", "name")),
    }
