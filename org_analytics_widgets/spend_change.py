"""Why spend changed (issue 15, item 2): the cost change against the comparison period, split per
project into volume, quantity per request, mix and unit price, so that the parts add up to the
change (docs/data-contract.md, "Spend change"). Pure arithmetic on small results: the cost cells of
both periods (``metrics.change.derive_cost_cells``) and each project's requests and tokens.

The rule. A cell is one project's (service type, model, pricing rule, unit). In a period its cost is
the product of four factors, the project's requests R, tokens per request T/R, the cell's quantity
per token Q/T and its unit price c/Q::

    c = R × (T / R) × (Q / T) × (c / Q)

Each cell's change c₁ − c₀ is split over the four factors by their Shapley values: the mean, over
the 24 orders of switching the factors from the comparison period's value to this period's, of what
switching each one adds. The parts add up to the change by construction (every order telescopes
from c₀ to c₁), and no factor is favoured by coming first. With f = (R, T/R, Q/T, c/Q)::

    part_i = Σ over sets S of the other factors: w(|S|) × (a_i − b_i) × Π_{j in S} a_j × Π_{j not in S} b_j

``a`` this period's factors, ``b`` the comparison's, w = 1/4, 1/12, 1/12, 1/4 for |S| = 0..3.

Zero and absent cells (each period's factors still multiply to its cost, so the parts still add up):

- a cell with no cost in either period is left out (it changes nothing);
- a cell absent in one period (no cost, no quantity) has mix 0 there and the other period's unit
  price and tokens per request: a new model is mix; a project absent in one period (nothing there,
  not even requests) has 0 requests there and the other period's other factors: it is all volume;
- a zero in the chain R, T, Q before a non-zero (no tokens: speech, agent minutes; items without
  requests; a cost without quantity) is bridged: the ratio across it goes to the first factor of the
  gap other than mix, the others are 1. No tokens: Q/R is the quantity per request; no quantity: c/T
  the unit price; no requests: Q stands for the volume;
- a cell with quantity but no cost has unit price 0 (free, then paid: a price change).

>>> split = decompose(cells_now, projects_now, cells_before, projects_before)   # doctest: +SKIP
>>> split["parts"]                                                               # doctest: +SKIP
{'volume': 300.0, 'quantity_per_request': 12.0, 'mix': 80.0, 'unit_price': 20.0}
"""

from __future__ import annotations

import itertools
import math

import pandas as pd

from .colors import project_color
from .formatting import money as dollars
from .metrics.change import CELL_KEYS
from .shaping import money, text

PARTS = ("volume", "quantity_per_request", "mix", "unit_price")
LABELS = {
    "volume": "Requests",
    "quantity_per_request": "Tokens per request",
    "mix": "Mix of models and service types",
    "unit_price": "Unit prices",
}
WORDS = {  # what a part of each sign is, in a sentence
    "volume": ("more requests", "fewer requests"),
    "quantity_per_request": ("more tokens per request", "fewer tokens per request"),
    "mix": ("a costlier mix of models and service types", "a cheaper mix of models and service types"),
    "unit_price": ("higher unit prices", "lower unit prices"),
}
NO_PROJECT = "No project"
TOP_DRIVERS = 5
MIX = 2
_WEIGHTS = (1 / 4, 1 / 12, 1 / 12, 1 / 4)  # |S|! (3 - |S|)! / 4!
PROJECT_COLUMNS = ("project_id", "name", "color", "previous_cost", "cost", "change", *PARTS, "status")


def factors(requests: float, tokens: float, quantity: float, cost: float) -> list[float | None]:
    """One cell's (R, T/R, Q/T, c/Q) in one period, multiplying to ``cost``; None where a factor is
    not defined (after a zero: the other period's is used). See the module's rule.

    >>> factors(10, 2000, 1000, 5.0)
    [10, 200.0, 0.5, 0.005]
    >>> factors(4, 0, 60, 3.0)        # no tokens: seconds per request stand for tokens per request
    [4, 15.0, 1.0, 0.05]
    >>> factors(10, 2000, 0, 0.0)     # the cell is absent: mix 0
    [10, 200.0, 0.0, None]
    """
    if cost == 0 and quantity == 0:  # absent: the project's volume (or nothing at all) is all there is
        if requests == 0:
            return [0.0, None, None, None]
        return [requests, tokens / requests if tokens else None, 0.0, None]
    chain = [requests, tokens, quantity] if cost == 0 else [requests, tokens, quantity, cost]
    out: list[float | None] = [None] * 4
    below, i = 1.0, 0
    while i < len(chain):
        if chain[i] != 0:
            out[i], below, i = chain[i] / below, chain[i], i + 1
            continue
        j = next(k for k in range(i + 1, len(chain)) if chain[k] != 0)  # the last one is never 0
        gap = range(i, j + 1)
        takes = next(k for k in gap if k != MIX)
        for k in gap:
            out[k] = chain[j] / below if k == takes else 1.0
        below, i = chain[j], j + 1
    if cost == 0:
        out[3] = 0.0
    return out


def shapley(before: list[float], now: list[float]) -> list[float]:
    """Each factor's Shapley share of ``prod(now) - prod(before)`` (the four shares add up to it).

    >>> shapley([10, 1, 1, 2], [12, 1, 1, 2])
    [4.0, 0.0, 0.0, 0.0]
    """
    parts = []
    for i in range(4):
        others = [j for j in range(4) if j != i]
        share = 0.0
        for size in range(4):
            for switched in itertools.combinations(others, size):
                rest = math.prod(now[j] if j in switched else before[j] for j in others)
                share += _WEIGHTS[size] * (now[i] - before[i]) * rest
        parts.append(share)
    return parts


def _volumes(projects: pd.DataFrame) -> dict:
    return {
        text(p): (float(r or 0), float(t or 0))
        for p, r, t in zip(projects["project_id"], projects["requests"], projects["tokens"])
    }


def _cells(cells: pd.DataFrame) -> dict:
    out: dict[tuple, list[float]] = {}
    for row in cells.to_dict("records"):
        key = tuple(text(row[k]) for k in CELL_KEYS)
        sums = out.setdefault(key, [0.0, 0.0])
        sums[0] += float(row["cost"] or 0)
        sums[1] += float(row["quantity"] or 0)
    return out


def _name(project_id, *frames: pd.DataFrame) -> tuple[str, str | None]:
    for frame in frames:
        rows = frame[frame["project_id"].map(text) == project_id] if not frame.empty else frame
        if not rows.empty:
            row = rows.iloc[0]
            return text(row.get("name")) or project_id or NO_PROJECT, text(row.get("color"))
    return project_id or NO_PROJECT, None


def decompose(
    cells_now: pd.DataFrame, projects_now: pd.DataFrame, cells_before: pd.DataFrame, projects_before: pd.DataFrame
) -> dict:
    """The change from the comparison period (``*_before``) to this one, split per project.

    ``cells_*``: project_id, service_type, model, pricing_rule, unit, cost, quantity;
    ``projects_*``: project_id, name, color, requests, tokens (every project with a request).
    Returns ``{"previous_total", "total", "change", "parts": {part: amount}, "projects": DataFrame
    (PROJECT_COLUMNS, by absolute change desc, then name and id), "drivers": [dict]}``."""
    now, before = _cells(cells_now), _cells(cells_before)
    volumes_now, volumes_before = _volumes(projects_now), _volumes(projects_before)
    per_project: dict[str | None, dict] = {}
    for key in sorted(set(now) | set(before), key=lambda k: tuple(v or "" for v in k)):
        c1, q1 = now.get(key, (0.0, 0.0))
        c0, q0 = before.get(key, (0.0, 0.0))
        project = key[0]
        sums = per_project.setdefault(project, {"previous_cost": 0.0, "cost": 0.0, **dict.fromkeys(PARTS, 0.0)})
        sums["previous_cost"] += c0
        sums["cost"] += c1
        if c0 == 0 and c1 == 0:
            continue
        a = factors(*volumes_now.get(project, (0.0, 0.0)), q1, c1)
        b = factors(*volumes_before.get(project, (0.0, 0.0)), q0, c0)
        a = [x if x is not None else (y if y is not None else 1.0) for x, y in zip(a, b)]
        b = [y if y is not None else x for x, y in zip(a, b)]
        for part, amount in zip(PARTS, shapley(b, a)):
            sums[part] += amount
    rows = []
    for project, sums in per_project.items():
        name, color = _name(project, projects_now, projects_before)
        status = "new" if sums["previous_cost"] == 0 else "gone" if sums["cost"] == 0 else "both"
        rows.append(
            {
                "project_id": project,
                "name": name,
                "color": project_color(project, color) if project is not None else "#9e9e9e",
                "previous_cost": money(sums["previous_cost"]),
                "cost": money(sums["cost"]),
                "change": money(sums["cost"] - sums["previous_cost"]),
                **{part: money(sums[part]) for part in PARTS},
                "status": status,
            }
        )
    rows.sort(key=lambda r: (-abs(r["change"]), r["name"], r["project_id"] or ""))
    projects = pd.DataFrame(rows, columns=list(PROJECT_COLUMNS))
    previous_total = money(sum(s["previous_cost"] for s in per_project.values()))
    total = money(sum(s["cost"] for s in per_project.values()))
    return {
        "previous_total": previous_total,
        "total": total,
        "change": money(total - previous_total),
        "parts": {part: money(sum(s[part] for s in per_project.values())) for part in PARTS},
        "projects": projects,
        "drivers": drivers(rows),
    }


def signed(amount: float) -> str:
    """``+$412.00``, ``-$30.00``: a change in dollars with its sign."""
    return ("+" if amount > 0 else "") + dollars(amount)


def drivers(rows: list[dict], top: int = TOP_DRIVERS) -> list[dict]:
    """The ``top`` projects whose spend moved most (rows by absolute change), each in a sentence:
    its change and the part that moved it most in the same direction."""
    out = []
    for row in [r for r in rows if r["change"] != 0][:top]:
        change = row["change"]
        if row["status"] == "new":
            part, said = "volume", f"{row['name']}: {signed(change)}, with no spend in the comparison period"
        elif row["status"] == "gone":
            part, said = "volume", f"{row['name']}: {signed(change)}, with no spend this period"
        else:
            same = [p for p in PARTS if row[p] * change > 0] or list(PARTS)
            part = max(same, key=lambda p: abs(row[p]))
            words = WORDS[part][0 if row[part] > 0 else 1]
            said = f"{row['name']}: {signed(change)}, of which {signed(row[part])} from {words}"
        out.append(
            {
                "project_id": row["project_id"],
                "name": row["name"],
                "change": change,
                "part": part,
                "part_change": row[part],
                "text": said,
            }
        )
    return out


def report_section(snap) -> dict | None:
    """The report's ``spend_change`` (None when the snapshot has no comparison)."""
    found = getattr(snap, "spend_change", None)
    if found is None or snap.comparison is None:
        return None
    c = snap.comparison
    return {
        "comparison": {"month": c.month, "start": c.start.isoformat(), "end": c.end.isoformat()},
        "previous_total": found["previous_total"],
        "total": found["total"],
        "change": found["change"],
        "parts": dict(found["parts"]),
        "projects": [
            {key: row[key] for key in PROJECT_COLUMNS if key != "color"} for row in found["projects"].to_dict("records")
        ],
        "drivers": [dict(d) for d in found["drivers"]],
    }
