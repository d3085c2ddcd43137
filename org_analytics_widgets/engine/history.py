"""A KPI's history from what the engine has: the month's snapshot for the month shown, and each of
the 12 closed months before it computed once. The months not known yet are read together (one read
of the monthly facts over them, ``metrics.facts``: one query per fact, from the rollups when they
fit, else one GROUP BY local month on the raw tables; no usage row reaches the kernel), then each is
kept as the closed month it is, in memory and in the month cache. So a page's first history reads a
year (~3 s from rollups at 100M items, once per warehouse version for every viewer), and a month
switch one month more: the year's new end."""

from __future__ import annotations

from ..kpi_history import KpiHistory, empty_month, months_before as history_months
from ..period import Months, Period, current_month
from . import derive

HISTORY_FACTS = ("monthly_totals", "monthly_projects", "monthly_models")
MONTH_KPIS = ("kpi_history_month",)  # the month cache's name of a closed month's KPIs in a history


def months_before(engine, period: Period) -> dict[str, dict]:
    """The KPIs of each of the MONTHS - 1 months before ``period``, by YYYY-MM (empty_month() for a
    month without usage)."""
    engine._prepare()  # a reopened warehouse is another version: the keys below follow it
    periods = [Period.for_month(month, period.timezone, engine.now) for month in history_months(period.month)]
    known = {p.month: _known(engine, p) for p in periods}
    missing = [n for n, p in enumerate(periods) if known[p.month] is None]
    if missing:
        months = Months.ending(periods[missing[-1]].month, missing[-1] - missing[0] + 1, period.timezone, engine.now)
        read = engine._asked(lambda: derive.monthly_kpis(engine.source(months).facts(months, HISTORY_FACTS)))
        for p in (periods[n] for n in missing):
            known[p.month] = read.get(p.month) or empty_month()
            _keep(engine, p, known[p.month])
    return known


def _known(engine, period: Period) -> dict | None:
    """A closed month's KPIs if known already (in this process's memory, else the month cache)."""
    if not engine.is_closed(period):
        return None
    key, shared = engine._key(period, MONTH_KPIS), engine._shared
    with shared.lock:
        found = shared.month_kpis.get(key)
    if found is None and engine.cache is not None:
        found = engine.cache.get(engine._owner(), key)
        if found is not None:
            with shared.lock:
                shared.month_kpis[key] = found
    return found


def _keep(engine, period: Period, kpis: dict) -> None:
    """Keep a closed month's KPIs (a month still running is never kept)."""
    if not engine.is_closed(period):
        return
    key = engine._key(period, MONTH_KPIS)
    with engine._shared.lock:
        engine._shared.month_kpis[key] = kpis
    if engine.cache is not None:
        engine.cache.put(engine._owner(), key, kpis)


def kpi_history(engine, period: Period, snapshot) -> KpiHistory:
    """The history of ``period`` (see ``Engine.kpi_history``)."""
    current = current_month(period.timezone, engine.now)
    return KpiHistory.of(period, months_before(engine, period), snapshot.kpis, current)
