"""Small-result shaping rules of the contract (section 4), applied in the kernel to aggregates.

These are deliberately plain Python: they order a few hundred rows by rules that engines'
collations would not agree on (strings by Unicode code point), fill daily series, and round.
"""
from __future__ import annotations

import math
from datetime import date, datetime
from typing import Iterable, Sequence

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
    """A row for every day of the period for each key combination present, 0 where there was none."""
    frame = frame.rename(columns={"day": "date"})
    key_columns = [frame[k].tolist() for k in keys]
    value_columns = [frame[v].tolist() for v in values]
    by_combo: dict[tuple, dict[date, tuple]] = {}
    for i, day in enumerate(frame["date"].tolist()):
        by_combo.setdefault(tuple(c[i] for c in key_columns), {})[as_date(day)] = tuple(c[i] for c in value_columns)
    out: dict[str, list] = {name: [] for name in ("date", *keys, *values)}
    zero = (None,) * len(values)
    for combo, found in by_combo.items():
        out["date"].extend(days)
        for name, part in zip(keys, combo):
            out[name].extend([part] * len(days))
        got = [found.get(day, zero) for day in days]
        for j, name in enumerate(values):
            out[name].extend(money(g[j]) for g in got)
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
        slices.append({
            "project_id": None,
            "name": OTHERS,
            "color": None,
            "cost": money(sum(r["cost"] for r in rest)),
            "projects": len(rest),
        })
    columns = ["project_id", "name", "color", "cost"]
    return pd.DataFrame(slices, columns=columns + (["projects"] if len(rows) > top else []))


def rank_agents(agents: pd.DataFrame, top: int = TOP_AGENTS) -> pd.DataFrame:
    """Top ``top`` agents by cost; ties by name (id when unnamed), then agent_id."""
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
