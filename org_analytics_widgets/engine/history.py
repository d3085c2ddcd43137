"""A KPI's history from what the engine has: the month's snapshot for the month shown, and for the
12 months before it one read of the monthly facts over all of them (``metrics.facts``: one query per
fact, from the rollups when they fit, else one GROUP BY on the raw tables), kept in the month cache
as the closed months they are: a month switch reads it once, and never scans usage rows into the
kernel."""

from __future__ import annotations

from ..kpi_history import MONTHS, KpiHistory
from ..period import Months, Period, current_month, shift_month
from . import derive

HISTORY_FACTS = ("monthly_totals", "monthly_projects", "monthly_models")
BEFORE = ("kpi_history_before", MONTHS - 1)  # the month cache's name of the months before a month


def before(period: Period, now) -> tuple[Period, Months]:
    """The month before ``period`` (the month cache's key of the history's closed part) and the
    MONTHS - 1 months ending with it."""
    previous = Period.for_month(shift_month(period.month, -1), period.timezone, now)
    return previous, Months.ending(previous.month, MONTHS - 1, period.timezone, now)


def months_before(engine, period: Period) -> dict[str, dict]:
    """The KPIs of the months with usage among the MONTHS - 1 before ``period``, by YYYY-MM."""
    previous, months = before(period, engine.now)
    return engine._cached(
        previous, BEFORE, lambda: derive.monthly_kpis(engine.source(months).facts(months, HISTORY_FACTS))
    )


def kpi_history(engine, period: Period, snapshot) -> KpiHistory:
    """The history of ``period`` (see ``Engine.kpi_history``)."""
    current = current_month(period.timezone, engine.now)
    return KpiHistory.of(period, months_before(engine, period), snapshot.kpis, current)
