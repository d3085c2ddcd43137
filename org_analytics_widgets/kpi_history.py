"""A KPI's history (issue 15, item 8): each KPI card's number in the 13 months ending at the month
shown, oldest first: the cards' sparklines and the report's ``kpi_history``.

The months before the month shown are closed: the engine reads those it does not know yet at
once (one query per monthly fact, from the rollups when they fit, else the raw tables;
``engine/history.py``) and keeps each in the month cache. The month shown is its snapshot's own KPIs, so a sparkline ends on its
card's number. A month is ``partial`` when it runs to "now" (the current month; the months after it
too, which the report may be asked for). A month without usage counts 0 (its error rate: none).
"""

from __future__ import annotations

from dataclasses import dataclass

from .period import Period, shift_month
from .snapshot import HISTORY_KEYS

MONTHS = 13  # the month shown and the 12 before it: a year ago is on the line


def months_before(month: str) -> list[str]:
    """The MONTHS - 1 months before ``month``, oldest first."""
    return [shift_month(month, k) for k in range(1 - MONTHS, 0)]


def empty_month() -> dict:
    """The KPIs of a month without usage."""
    return {**{key: 0.0 if key == "total_cost" else 0 for key in HISTORY_KEYS}, "error_rate": None}


@dataclass(frozen=True)
class KpiHistory:
    """One row per month, oldest first: ``month`` (YYYY-MM), ``partial`` (it runs to now), then the
    KPIs of ``snapshot.HISTORY_KEYS`` and ``error_rate``, as the report's ``kpis`` gives them.

    >>> KpiHistory.of(period, {"2026-02": {...}}, snapshot.kpis).rows[-1]["partial"]   # doctest: +SKIP
    """

    rows: tuple[dict, ...]

    @classmethod
    def of(cls, period: Period, before: dict[str, dict], shown: dict, current: str) -> "KpiHistory":
        """The history of ``period``'s month from ``before`` (the KPIs of the months before it, by
        month; one missing had no usage), ``shown`` (the month's own KPIs: its snapshot's) and ``current`` (the
        month of "now" in the period's zone)."""
        rows = [
            {"month": m, "partial": m >= current, **(before.get(m) or empty_month())}
            for m in months_before(period.month)
        ]
        last = {key: shown[key] for key in HISTORY_KEYS}
        month = str(period.month)
        rows.append({"month": month, "partial": month >= current, **last, "error_rate": shown["error_rate"]})
        return cls(tuple(rows))

    def to_report(self) -> dict:
        """The report's ``kpi_history`` section (data contract, "KPI history")."""
        return {"months": [dict(row) for row in self.rows]}
