"""Unusual days: the days of a month whose cost departs from the recent days of the same kind.

The rule (docs/data-contract.md, "Unusual days"), on the organisation's daily cost (every item,
every service type, in the period's zone):

- A day is judged against its *baseline*: the days of the same kind (weekdays Monday to Friday, or
  weekend days) among the ``WINDOW_DAYS`` days before it, those on or after the first day with usage
  (before it there was no data, not $0 days). With fewer than ``MIN_BASELINE_DAYS`` such days it is
  not judged. Only whole days are judged: in the current month, not today.
- Baseline = the median of those days' costs; spread = 1.4826 × their MAD (median absolute
  deviation from that median: the standard deviation of a normal series, robust to spikes).
- The day is unusual when its departure (cost − baseline) is beyond ``THRESHOLD`` spreads and at
  least ``MIN_DEPARTURE`` dollars and ``MIN_SHARE`` of the baseline: so a flat series (spread 0)
  flags only real changes and cents never do. Above or below.
- Its *contributor* is the (project, model) whose own departure that day (its cost − the median of
  its costs on the same baseline days, a day without its items counting $0) is the largest in the
  day's direction (ties: project name, project id, then model, by code point). Medians do not add
  up, so contributors' departures need not sum to the day's.

Pure pandas on small daily series: the engine hands in the month's and the previous month's daily
cost per project and model (``Engine.unusual_days``).

>>> found = unusual_days(period, daily, names, first_day)      # doctest: +SKIP
>>> found.to_report()["days"][0]["contributor"]["model"]       # doctest: +SKIP
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from .period import Period
from .shaping import money, text

WINDOW_DAYS = 28  # the trailing window a day's baseline is read from
MIN_BASELINE_DAYS = 4  # days of the same kind needed in the window to judge a day
THRESHOLD = 3.5  # spreads (1.4826 × MAD) a departure must exceed
MAD_SCALE = 1.4826
MIN_DEPARTURE = 1.0  # dollars
MIN_SHARE = 0.2  # of the baseline
COLUMNS = (
    "date",
    "weekend",
    "cost",
    "baseline",
    "mad",
    "departure",
    "direction",
    "baseline_days",
    "project_id",
    "name",
    "model",
    "contributor_cost",
    "contributor_baseline",
    "contributor_departure",
)


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def baseline_days(day: date, first_day: date | None) -> list[date]:
    """The days a day is compared with: the same kind among the WINDOW_DAYS before it, from ``first_day``."""
    window = [day - timedelta(days=k) for k in range(WINDOW_DAYS, 0, -1)]
    return [d for d in window if is_weekend(d) == is_weekend(day) and first_day is not None and d >= first_day]


def mad(values: list[float], center: float) -> float:
    return statistics.median(abs(v - center) for v in values)


@dataclass
class UnusualDays:
    """The unusual days of one month: one row per day (``COLUMNS``), by date."""

    days: pd.DataFrame

    def to_report(self) -> dict:
        """The report's ``unusual_days`` section (docs/data-contract.md, "Unusual days")."""
        return {
            "window_days": WINDOW_DAYS,
            "min_baseline_days": MIN_BASELINE_DAYS,
            "threshold": THRESHOLD,
            "min_departure": MIN_DEPARTURE,
            "min_share": MIN_SHARE,
            "days": [
                {
                    "date": row["date"].isoformat(),
                    "weekend": bool(row["weekend"]),
                    "cost": money(row["cost"]),
                    "baseline": money(row["baseline"]),
                    "mad": money(row["mad"]),
                    "departure": money(row["departure"]),
                    "direction": row["direction"],
                    "baseline_days": int(row["baseline_days"]),
                    "contributor": {
                        "project_id": text(row["project_id"]),
                        "name": text(row["name"]),
                        "model": text(row["model"]),
                        "cost": money(row["contributor_cost"]),
                        "baseline": money(row["contributor_baseline"]),
                        "departure": money(row["contributor_departure"]),
                    },
                }
                for row in self.days.to_dict("records")
            ],
        }


def unusual_days(period: Period, daily: pd.DataFrame, names: dict, first_day: date | None) -> UnusualDays:
    """The unusual days of ``period`` from ``daily`` (date, project_id, model, cost: the month's and
    the days before it, a missing row costing $0); ``names``: project_id -> name (the id when absent);
    ``first_day``: the first local day with usage in the warehouse (None: none)."""
    by_key: dict[tuple, dict[date, float]] = {}
    totals: dict[date, float] = {}
    columns = [daily[c].tolist() for c in ("date", "project_id", "model", "cost")]
    for day, project, model, cost in zip(*columns):  # text(): pandas gives a missing string as NaN
        series = by_key.setdefault((text(project), text(model)), {})
        series[day] = series.get(day, 0.0) + float(cost)
        totals[day] = totals.get(day, 0.0) + float(cost)
    judged = list(period.days) if period.is_whole else list(period.days)[:-1]  # today is not whole
    rows = []
    for day in judged:
        before = baseline_days(day, first_day)
        if len(before) < MIN_BASELINE_DAYS:
            continue
        costs = [totals.get(d, 0.0) for d in before]
        center = statistics.median(costs)
        spread = mad(costs, center)
        cost = totals.get(day, 0.0)
        departure = cost - center
        size = abs(departure)
        if not (size > THRESHOLD * MAD_SCALE * spread and size >= MIN_DEPARTURE and size >= MIN_SHARE * abs(center)):
            continue
        sign = 1.0 if departure > 0 else -1.0
        parts = []
        for (project, model), series in by_key.items():
            own = statistics.median(series.get(d, 0.0) for d in before)
            now = series.get(day, 0.0)
            name = names.get(project) or project
            parts.append((-(sign * (now - own)), name or "", project or "", model or "", project, model, now, own))
        parts.sort()
        _, _, _, _, project, model, now, own = parts[0]
        rows.append(
            {
                "date": day,
                "weekend": is_weekend(day),
                "cost": cost,
                "baseline": center,
                "mad": spread,
                "departure": departure,
                "direction": "above" if departure > 0 else "below",
                "baseline_days": len(before),
                "project_id": project,
                "name": (names.get(project) or project) if project is not None else None,
                "model": model,
                "contributor_cost": now,
                "contributor_baseline": own,
                "contributor_departure": now - own,
            }
        )
    return UnusualDays(pd.DataFrame(rows, columns=list(COLUMNS)))
