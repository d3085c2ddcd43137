"""Month-end forecast and budgets of the current month, from its days so far and recent weeks.

The rule (docs/data-contract.md, "Forecast"), for one daily cost series (the organisation's, a
project's, the budgeted projects' together):

- *today* is the period's last day (the current month runs up to now); the month's cost so far
  (``month_to_date``) counts every day through now, today's part included.
- The last ``WEEKS`` whole weeks before today (week k = the 7 days from today − 7k) are read, those
  that lie wholly on or after the first day with usage (before it there was no data, not $0 days).
- Week k tells what the rest of the month would cost if it went like that week: every day after
  today costs what the day of the same weekday cost in week k, and the rest of today what today's
  weekday cost in week k times the share of today still to come. The forecast adds the mean of
  those "rests" to the month so far; the 80 % range is a prediction interval for one more such
  rest, ``mean ± t(0.90, k−1) · sd · √(1 + 1/k)`` (a range needs two weeks), never below what is
  already spent.
- Against a budget: ``exceeds_on`` is the day the spend passed the budget (``status`` "over") or the
  day the forecast's path passes it ("will_exceed"); "at_risk" when only the range's top passes it.

Everything is linear in the series except the range, so the projects' forecasts add up to the
organisation's. Pure pandas on small daily series: the engine hands in the data (``engine.forecast``).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from .period import Period, local_midnight, parse_zone
from .shaping import money, text

WEEKS = 4  # recent weeks read
INTERVAL = 0.8  # the range's coverage
_T90 = {1: 3.0777, 2: 1.8856, 3: 1.6377}  # Student's t, 0.90 quantile, by degrees of freedom
STATUSES = ("over", "will_exceed", "at_risk", "within", "no_budget")


@dataclass
class SeriesForecast:
    """One series' month: spent so far, the forecast and its range (None without a week of history),
    and the forecast's path (day -> cumulative cost, actual through today, expected after)."""

    month_to_date: float
    forecast: float | None
    low: float | None
    high: float | None
    path: dict[date, float] = field(repr=False)
    spent: dict[date, float] = field(repr=False)  # day -> actual cumulative cost, through today


def series_forecast(
    daily: dict[date, float], days: list[date], month_end: date, today_left: float, first_day: date | None
) -> SeriesForecast:
    """The forecast of one series (day -> cost; a missing day costs 0) for the month whose days so
    far are ``days`` (the last one is today) and whose last day is ``month_end``; ``today_left`` is
    the share of today still to come (0..1); ``first_day``: the first day with usage (None: none)."""
    today = days[-1]
    spent, total = {}, 0.0
    for day in days:
        total += daily.get(day, 0.0)
        spent[day] = total
    future = [today + timedelta(days=i) for i in range(1, (month_end - today).days + 1)]
    weeks = [k for k in range(1, WEEKS + 1) if first_day is not None and today - timedelta(days=7 * k) >= first_day]
    if not weeks:
        return SeriesForecast(money(total), None, None, None, dict(spent), spent)

    def like(day: date, k: int) -> float:  # the cost of ``day``'s weekday in week k
        return daily.get(today - timedelta(days=7 * k) + timedelta(days=(day - today).days % 7), 0.0)

    rests = [today_left * like(today, k) + sum(like(day, k) for day in future) for k in weeks]
    rest = statistics.fmean(rests)
    n = len(weeks)
    low = high = None
    if n > 1:
        half = _T90[n - 1] * statistics.stdev(rests) * math.sqrt(1 + 1 / n)
        low, high = money(total + (max(rest - half, 0.0) if rest >= 0 else rest - half)), money(total + rest + half)
    path = dict(spent)
    running = total + today_left * statistics.fmean(like(today, k) for k in weeks)
    path[today] = running
    for day in future:
        running += statistics.fmean(like(day, k) for k in weeks)
        path[day] = running
    return SeriesForecast(money(total), money(total + rest), low, high, path, spent)


def against_budget(series: SeriesForecast, budget: float | None) -> tuple[str, date | None]:
    """(status, exceeds_on) of a series against a monthly budget (None or not positive: no budget)."""
    if budget is None or not budget > 0:
        return "no_budget", None
    passed = [day for day, cost in series.spent.items() if cost > budget]
    if series.month_to_date > budget:
        return "over", min(passed) if passed else max(series.spent)
    if series.forecast is not None:
        ahead = [day for day, cost in series.path.items() if cost > budget]
        if ahead:
            return "will_exceed", min(ahead)
        if series.high is not None and series.high > budget:
            return "at_risk", None
    return "within", None


@dataclass
class MonthForecast:
    """The current month's forecast: the organisation's total, each project's against its budget,
    and all budgeted projects together. ``projects`` columns: project_id, name, color, budget,
    month_to_date, forecast, low, high, exceeds_on, status; ``paths``: date, project_id, spent
    (cumulative cost: actual through today, the forecast's after, when there is one), actual (bool)."""

    month: str
    timezone: str
    today: date
    month_end: date
    as_of: datetime
    weeks: int
    total: SeriesForecast
    projects: pd.DataFrame
    budgets: dict
    paths: pd.DataFrame = field(repr=False)

    def to_report(self) -> dict:
        """The report's ``forecast`` section (docs/data-contract.md, "Forecast")."""

        def amounts(s: SeriesForecast) -> dict:
            return {"month_to_date": s.month_to_date, "forecast": s.forecast, "low": s.low, "high": s.high}

        return {
            "as_of": self.as_of.isoformat(),
            "today": self.today.isoformat(),
            "month_end": self.month_end.isoformat(),
            "weeks": self.weeks,
            "interval": INTERVAL,
            "total": amounts(self.total),
            "projects": [
                {
                    "project_id": row["project_id"],
                    "name": row["name"],
                    **{
                        key: _nullable_money(row[key]) for key in ("budget", "month_to_date", "forecast", "low", "high")
                    },
                    "exceeds_on": row["exceeds_on"].isoformat() if isinstance(row["exceeds_on"], date) else None,
                    "status": row["status"],
                }
                for row in self.projects.to_dict("records")
            ],
            "budgets": {
                **{key: self.budgets[key] for key in ("projects", "budget")},
                **{key: self.budgets[key] for key in ("month_to_date", "forecast", "low", "high", "status")},
                "exceeds_on": self.budgets["exceeds_on"].isoformat() if self.budgets["exceeds_on"] else None,
            },
        }


def _nullable_money(value) -> float | None:
    """A rounded amount, None for a missing one (no budget, no forecast)."""
    return None if value is None or pd.isna(value) else money(value)


def month_forecast(
    period: Period,
    daily: pd.DataFrame,
    projects: pd.DataFrame,
    first_day: date | None,
) -> MonthForecast:
    """The forecast of the current month ``period`` (a Period cut at now, with at least one day).

    ``daily``: date, project_id, cost of the month so far and of at least the 4 weeks before today
    (the previous month's days); ``projects``: project_id, name, color, monthly_budget of the
    projects to list beside those with cost (their budgets); ``first_day``: the first local day with
    usage in the warehouse."""
    days = list(period.days)
    today = days[-1]
    month_end = Period.for_month(period.month, period.timezone, "9999-12-31T00:00:00Z").days[-1]
    zone = parse_zone(period.timezone)
    midnight, tomorrow = local_midnight(today, zone), local_midnight(today + timedelta(days=1), zone)
    today_left = min(max((tomorrow - period.end).total_seconds() / (tomorrow - midnight).total_seconds(), 0.0), 1.0)

    frame = daily.assign(
        project_id=[text(p) for p in daily["project_id"]], cost=pd.to_numeric(daily["cost"]).fillna(0.0)
    )
    by_series: dict[str | None, dict[date, float]] = {}
    for project_id, day, cost in zip(frame["project_id"], frame["date"], frame["cost"]):
        series = by_series.setdefault(project_id, {})
        series[day] = series.get(day, 0.0) + float(cost)
    total: dict[date, float] = {}
    for series in by_series.values():
        for day, cost in series.items():
            total[day] = total.get(day, 0.0) + cost

    def forecast_of(series):
        return series_forecast(series, days, month_end, today_left, first_day)

    info = {text(r["project_id"]): r for r in projects.to_dict("records") if text(r["project_id"]) is not None}
    ids = list(dict.fromkeys([p for p in by_series if p is not None] + list(info)))
    rows, paths, budgeted = [], [], {}
    for project_id in ids:
        row = info.get(project_id, {})
        budget = _nullable_money(row.get("monthly_budget"))
        budget = budget if budget is not None and budget > 0 else None
        series = by_series.get(project_id, {})
        result = forecast_of(series)
        status, exceeds_on = against_budget(result, budget)
        rows.append(
            {
                "project_id": project_id,
                "name": text(row.get("name")) or project_id,
                "color": text(row.get("color")),
                "budget": budget,
                "month_to_date": result.month_to_date,
                "forecast": result.forecast,
                "low": result.low,
                "high": result.high,
                "exceeds_on": exceeds_on,
                "status": status,
            }
        )
        paths += [
            {"date": day, "project_id": project_id, "spent": money(cost), "actual": True}
            for day, cost in result.spent.items()
        ]
        paths += [
            {"date": day, "project_id": project_id, "spent": money(cost), "actual": False}
            for day, cost in result.path.items()
            if day > today
        ]
        if budget is not None:
            budgeted[project_id] = budget
    together: dict[date, float] = {}
    for project_id in budgeted:
        for day, cost in by_series.get(project_id, {}).items():
            together[day] = together.get(day, 0.0) + cost
    joint = forecast_of(together)
    budget_sum = money(sum(budgeted.values())) if budgeted else None
    status, exceeds_on = against_budget(joint, budget_sum)
    columns = [
        "project_id",
        "name",
        "color",
        "budget",
        "month_to_date",
        "forecast",
        "low",
        "high",
        "exceeds_on",
        "status",
    ]
    table = pd.DataFrame(rows, columns=columns)
    order = sorted(
        range(len(rows)),
        key=lambda i: (
            -(rows[i]["forecast"] if rows[i]["forecast"] is not None else rows[i]["month_to_date"]),
            rows[i]["name"],
            rows[i]["project_id"],
        ),
    )
    table = table.iloc[order].reset_index(drop=True)
    total_result = forecast_of(total)
    weeks = sum(1 for k in range(1, WEEKS + 1) if first_day is not None and today - timedelta(days=7 * k) >= first_day)
    return MonthForecast(
        month=period.month,
        timezone=period.timezone,
        today=today,
        month_end=month_end,
        as_of=period.end,
        weeks=weeks,
        total=total_result,
        projects=table,
        budgets={
            "projects": len(budgeted),
            "budget": budget_sum,
            "month_to_date": joint.month_to_date,
            "forecast": joint.forecast,
            "low": joint.low,
            "high": joint.high,
            "exceeds_on": exceeds_on,
            "status": status,
        },
        paths=pd.DataFrame(paths, columns=["date", "project_id", "spent", "actual"]),
    )
