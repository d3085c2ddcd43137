"""Where the money goes and how well it works (issue 15, item 6): shaping in the kernel.

The sums come from the facts (``metrics.efficiency``, the KPIs, the top agents); here they become
the month's cost by model (top models + ``Others``), and ratios: the error rate (failed requests /
requests) and the cost per request, per conversation and per 1k tokens. A ratio whose denominator
is 0 is ``None`` (no requests: no error rate), never a division by zero. Ratios are rounded to 10
decimals like every amount of the report (docs/data-contract.md, "Efficiency").
"""

from __future__ import annotations

import pandas as pd

from .colors import project_color
from .shaping import OTHERS, count, money, ordered, text

TOP_MODELS = 6
NO_MODEL = "No model"  # the items that name no model (agent minutes, credits)
RATIOS = ("error_rate", "cost_per_request", "cost_per_conversation", "cost_per_1k_tokens")
SUMS = ("cost", "requests", "failed_requests", "conversations", "tokens")


def ratio(part, whole, scale: float = 1.0) -> float | None:
    """``part * scale / whole`` rounded to 10 decimals; None when ``whole`` is 0 or missing.

    >>> ratio(1, 4), ratio(3.0, 0), ratio(0.5, 2000, 1000)
    (0.25, None, 0.25)
    """
    whole = count(whole)
    if not whole:
        return None
    return money(money(part) * scale / whole)


def ratios(cost, requests, failed_requests, conversations, tokens) -> dict:
    """The four ratios of one row of sums (an organisation, a project, an agent)."""
    return {
        "error_rate": ratio(failed_requests, requests),
        "cost_per_request": ratio(cost, requests),
        "cost_per_conversation": ratio(cost, conversations),
        "cost_per_1k_tokens": ratio(cost, tokens, 1000.0),
    }


def with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (columns ``SUMS``) with the ``RATIOS`` columns added (object: None where undefined)."""
    out = frame.copy()
    rows = [ratios(*values) for values in zip(*(frame[c].tolist() for c in SUMS))]
    for name in RATIOS:
        out[name] = pd.Series([r[name] for r in rows], index=frame.index, dtype=object)
    return out


def organization(kpis: dict) -> dict:
    """The organisation's sums and ratios, from the month's KPIs."""
    sums = {
        "cost": money(kpis["total_cost"]),
        "requests": count(kpis["total_requests"]),
        "failed_requests": count(kpis["failed_requests"]),
        "conversations": count(kpis["total_conversations"]),
        "tokens": count(kpis["total_tokens"]),
    }
    return {**sums, **ratios(*sums.values())}


def model_name(model) -> str:
    return text(model) or NO_MODEL


def models(by_model: pd.DataFrame) -> pd.DataFrame:
    """Every model with items (model, name, cost), by cost desc, then name and model by code point."""
    frame = pd.DataFrame(
        {
            "model": [text(m) for m in by_model["model"]],
            "name": [model_name(m) for m in by_model["model"]],
            "cost": [money(c) for c in by_model["cost"]],
        },
        columns=["model", "name", "cost"],
    )
    return ordered(frame, lambda r: (-r["cost"], r["name"], r["model"] or ""))


def model_slices(all_models: pd.DataFrame, top: int = TOP_MODELS) -> pd.DataFrame:
    """The ``top`` costliest models, then one ``Others`` slice (model null, ``models``: how many it
    holds) when there are more."""
    slices = all_models.head(top)[["model", "name", "cost"]].copy()
    if len(all_models) <= top:
        return slices.reset_index(drop=True)
    rest = all_models.iloc[top:]
    others = {"model": None, "name": OTHERS, "cost": money(sum(rest["cost"])), "models": len(rest)}
    slices["models"] = 1
    return pd.concat([slices, pd.DataFrame([others])], ignore_index=True)


def projects(frame: pd.DataFrame) -> pd.DataFrame:
    """Each active project's sums and ratios, named (the id when unnamed) and coloured, by cost desc,
    then name and id by code point."""
    out = frame.copy()
    out["name"] = [text(n) or text(p) or "" for n, p in zip(out["name"], out["project_id"])]
    out["color"] = [project_color(text(p), text(c)) for p, c in zip(out["project_id"], out["color"])]
    out["cost"] = [money(c) for c in out["cost"]]
    for column in SUMS[1:]:
        out[column] = [count(v) for v in out[column]]
    out = ordered(out, lambda r: (-r["cost"], r["name"], text(r["project_id"]) or ""))
    return with_ratios(out)


def report_sections(snap) -> dict:
    """The report's ``cost_by_model`` and ``efficiency`` of a Snapshot."""
    total = snap.kpis["total_cost"]
    slices = [
        {
            "model": text(r["model"]),
            "name": str(r["name"]),
            "cost": money(r["cost"]),
            **({"models": count(r["models"])} if r["name"] == OTHERS and text(r["model"]) is None else {}),
        }
        for r in snap.cost_by_model.to_dict("records")
    ]
    keep = ("project_id", "name", *SUMS, *RATIOS)
    project_rows = [
        {k: (text(r[k]) if k == "project_id" else r[k]) for k in keep}
        for r in snap.project_efficiency.to_dict("records")
    ]
    return {
        "cost_by_model": {"total": total, "slices": slices},
        "efficiency": {"organization": organization(snap.kpis), "projects": project_rows},
    }
