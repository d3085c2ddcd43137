"""Small-result shaping rules of the contract (section 4), applied in the kernel to aggregates.

These are deliberately plain Python: they order a few hundred rows by rules that engines'
collations would not agree on (strings by Unicode code point), fill daily series, and round.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

OTHERS = "Others"
TOP_PROJECTS = 6
TOP_AGENTS = 10


def money(value) -> float:
    """Round to 10 decimals; null counts as 0 and ``-0.0`` becomes ``0.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return 0.0
    return round(float(value), 10) + 0.0


def count(value) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def text(value) -> str | None:
    """A string column value, or None for SQL null / NaN."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts (what ``to_dict("records")`` gives, without its per-cell boxing cost)."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in zip(*(frame[c].tolist() for c in columns))]


def ordered(frame: pd.DataFrame, key) -> pd.DataFrame:
    """Rows of ``frame`` sorted by ``key(row_dict)`` (Python ordering: code points for strings)."""
    records = _records(frame)
    order = sorted(range(len(records)), key=lambda i: key(records[i]))
    return frame.iloc[order].reset_index(drop=True)


def as_date(value) -> date:
    """A day from an engine result (datetime.date, Timestamp or datetime64) as datetime.date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def densify(frame: pd.DataFrame, days: Sequence[date], keys: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """A row for every day of the period for each key combination present, 0 where there was none
    (combinations in the order they first appear; a later row of a combination and day wins)."""
    frame = frame.rename(columns={"day": "date"})
    days = list(days)
    width = len(days)
    day_at = {d: j for j, d in enumerate(days)}
    key_columns = [frame[k].tolist() for k in keys]
    combo_at: dict[tuple, int] = {}
    cells: dict[int, int] = {}  # grid cell (combo * width + day) -> the input row it takes its values from
    for i, day in enumerate(frame["date"].tolist()):
        combo = combo_at.setdefault(tuple(c[i] for c in key_columns), len(combo_at))
        j = day_at.get(as_date(day))
        if j is not None:
            cells[combo * width + j] = i
    combos = list(combo_at)
    out: dict[str, list] = {"date": days * len(combos)}
    for k, name in enumerate(keys):
        out[name] = [combo[k] for combo in combos for _ in range(width)]
    for name in values:
        column = frame[name].tolist()
        grid = [0.0] * (len(combos) * width)
        for cell, i in cells.items():
            grid[cell] = money(column[i])
        out[name] = grid
    return pd.DataFrame(out, columns=["date", *keys, *values])


def _name_or_id(name, ident) -> str:
    """The name, or the id when unnamed (null or empty), as the Snapshot and the agent page do."""
    shown = text(name)
    return shown if shown else (text(ident) or "")


def by_cost_then(*fields: str):
    """Sort key: cost desc (rounded), then the given string fields ascending (None sorts first)."""

    def key(row):
        return (-money(row["cost"]), *[(row[f] is not None, row[f] or "") for f in fields])

    return key


def daily_key(*fields: str):
    """Sort key: date, cost desc, then fields."""
    inner = by_cost_then(*fields)
    return lambda row: (row["date"], inner(row))


def project_slices(per_project: pd.DataFrame, top: int = TOP_PROJECTS) -> pd.DataFrame:
    """Top ``top`` projects by cost (ties: name or id, then id), then one ``Others`` slice when more."""
    rows = per_project.to_dict("records")
    for row in rows:
        row["cost"] = money(row["cost"])
        row["name"] = _name_or_id(row.get("name"), row["project_id"])
    rows.sort(key=lambda r: (-r["cost"], r["name"], r["project_id"]))
    slices = rows[:top]
    if len(rows) > top:
        rest = rows[top:]
        slices.append(
            {
                "project_id": None,
                "name": OTHERS,
                "color": None,
                "cost": money(sum(r["cost"] for r in rest)),
                "projects": len(rest),
            }
        )
    columns = ["project_id", "name", "color", "cost"]
    return pd.DataFrame(slices, columns=columns + (["projects"] if len(rows) > top else []))


def rank_agents(agents: pd.DataFrame, top: int | None = TOP_AGENTS) -> pd.DataFrame:
    """Top ``top`` agents by cost (None: all); ties by name (id when unnamed), then agent_id."""
    rows = agents.to_dict("records")
    for row in rows:
        row["cost"] = money(row["cost"])
        row["name"] = _name_or_id(row.get("name"), row["agent_id"])
        row["project_name"] = _name_or_id(row.get("project_name"), row.get("project_id"))
        row["requests"] = count(row["requests"])
        row["conversations"] = count(row["conversations"])
    rows.sort(key=lambda r: (-r["cost"], r["name"], r["agent_id"]))
    return pd.DataFrame(rows[:top], columns=list(agents.columns))


def unique(values: Iterable) -> list:
    return list(dict.fromkeys(v for v in values if text(v) is not None))


def day_matrix(frame: pd.DataFrame, key: str, value: str, order: Sequence, days: Sequence[date]) -> np.ndarray:
    """``frame``'s ``value`` summed into a (len(order), len(days)) array: row i is ``order[i]`` of
    column ``key``, column j is ``days[j]`` of column ``date``; keys and days not listed are left out,
    nulls count as 0 (what a chart of several series over the period draws)."""
    out = np.zeros((len(order), len(days)))
    if len(frame) and len(order) and len(days):
        rows = pd.Index(list(order)).get_indexer(frame[key])  # -1: not listed
        cols = pd.Index(list(days)).get_indexer(frame["date"])
        values = pd.to_numeric(frame[value], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        keep = (rows >= 0) & (cols >= 0)
        np.add.at(out, (rows[keep], cols[keep]), values[keep])
    return out
