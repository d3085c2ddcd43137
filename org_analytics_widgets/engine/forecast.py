"""The current month's forecast, from what the engine already has: the month so far (its
snapshot's daily cost by project), the previous month's daily cost by project (a closed month: read
once from the rollups when they fit, else the raw tables, then kept in memory and in the shared
month cache, so a month switch scans nothing again) and the projects' budgets (a tiny query)."""

from __future__ import annotations

import pandas as pd

from .. import shaping
from ..forecast import MonthForecast, month_forecast
from ..metrics import facts as fact_defs
from ..period import UTC, Period, parse_zone, shift_month

PREVIOUS_DAILY = ("daily_cost_by_project_model",)  # the month cache's name of a closed month's daily cost


def previous_daily_models(engine, period: Period) -> pd.DataFrame:
    """date, project_id, model, cost of every day of the month before ``period`` (in its zone), from
    the ``items`` fact of that month: the weeks the forecast reads and the unusual days' baselines
    (``engine/unusual.py``), one read for both."""
    previous = Period.for_month(shift_month(period.month, -1), period.timezone, engine.now)

    def compute() -> pd.DataFrame:
        items = engine.source(previous).facts(previous, ("items",))["items"].to_pandas()
        keys = ["day", "project_id", "model"]
        frame = items.groupby(keys, dropna=False, as_index=False, sort=False)["cost"].sum()
        return pd.DataFrame(
            {
                "date": [shaping.as_date(d) for d in frame["day"]],
                "project_id": [shaping.text(p) for p in frame["project_id"]],
                "model": [shaping.text(m) for m in frame["model"]],
                "cost": frame["cost"].astype(float),
            }
        )

    return engine._cached(previous, PREVIOUS_DAILY, compute)


def previous_daily(engine, period: Period) -> pd.DataFrame:
    """date, project_id, cost of every day of the month before ``period``: the weeks before today
    that the forecast reads."""
    frame = previous_daily_models(engine, period)
    frame = frame.groupby(["date", "project_id"], dropna=False, as_index=False, sort=False)["cost"].sum()
    return frame.assign(project_id=[shaping.text(p) for p in frame["project_id"]])


def forecast(engine, period: Period, snapshot=None) -> MonthForecast:
    """The forecast of the current month ``period`` (see ``Engine.forecast``)."""
    snap = snapshot if snapshot is not None and snapshot.period == period else engine.snapshot(period)
    history = previous_daily(engine, period)
    current = snap.trends[["date", "project_id", "cost"]]
    daily = pd.concat([history, current], ignore_index=True) if len(history) else current
    ids = shaping.unique(daily["project_id"].tolist())
    wh = engine.warehouse
    names = engine._asked(lambda: wh.execute(fact_defs.project_names(wh, period, ids or [""])))
    budgeted = pd.to_numeric(names["monthly_budget"], errors="coerce").fillna(0) > 0
    listed = names[names["project_id"].isin(ids) | (names["existed"].astype(bool) & budgeted)]
    first = engine.data_span()[0]
    first_day = first.replace(tzinfo=UTC).astimezone(parse_zone(period.timezone)).date() if first else None
    return month_forecast(period, daily, listed, first_day)
